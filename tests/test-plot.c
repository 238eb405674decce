/*
 * tests/test-plot.c - `sipsim plot` (experiment/plot.h) and run
 * replay (experiment/replay.h).
 *
 * Databases are filled by hand with plain SQL (schema v1,
 * store-schema.h), so every expected number below is worked out from the
 * values inserted here: the empirical CDF's steps are i/n of sorted
 * values, the confidence intervals t(0.975, n-1) * s / sqrt(n) with t
 * from a printed table (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "experiment/plot.h"
#include "cli/commands.h"
#include "experiment/replay.h"
#include "experiment/runner.h"
#include "experiment/scenario.h"
#include "experiment/store.h"

/* ------------------------------------------------------------ helpers */

typedef struct {
  char    *dir;       /* temporary directory */
  char    *db_path;   /* DIR/res.db */
  char    *out;       /* DIR/out */
  Store   *store;
  sqlite3 *db;
  gint64   exp;
  gint64   next_run;
} Fx;

static void
fx_init (Fx *f)
{
  GError *e = NULL;
  f->dir = g_dir_make_tmp ("test-plot-XXXXXX", &e);
  g_assert_no_error (e);
  f->db_path = g_build_filename (f->dir, "res.db", NULL);
  f->out = g_build_filename (f->dir, "out", NULL);
  f->store = store_open (f->db_path, &e);
  g_assert_no_error (e);
  f->db = store_get_db (f->store);
  f->exp = store_experiment (f->store, "hand", "[scenario]\nname = hand\n", 7, &e);
  g_assert_no_error (e);
  g_assert_cmpint (f->exp, >, 0);
  f->next_run = 1;
}

static void
rm_rf (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      GDir *d = g_dir_open (path, 0, NULL);
      const char *n;
      while (d != NULL && (n = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *p = g_build_filename (path, n, NULL);
          rm_rf (p);
        }
      if (d != NULL)
        g_dir_close (d);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
fx_clear (Fx *f)
{
  store_close (f->store);
  if (g_getenv ("TEST_PLOT_KEEP") != NULL)   /* to look at the figures */
    g_printerr ("# kept %s\n", f->dir);
  else
    rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->db_path);
  g_free (f->out);
}

static void
sql (Fx *f, const char *text)
{
  char *msg = NULL;
  int rc = sqlite3_exec (f->db, text, NULL, NULL, &msg);
  if (rc != SQLITE_OK)
    g_error ("SQL failed: %s\n%s", msg, text);
}

/* One ok run of point @point ("a=1,b=2", parsed into params) with one
 * aggregate metric value (NAN: NULL); its id. */
static gint64
add_run (Fx *f, guint point, const char *key, guint rep, const char *metric, double value)
{
  gint64 id = f->next_run++;
  g_autofree char *run = g_strdup_printf (
    "INSERT INTO run (id, experiment_id, point, point_key, replication, seed, status,"
    " fingerprint, wall_s, sim_s, events, devices, finished) VALUES"
    " (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %u, '%s', %u, '%016x', 'ok',"
    " '00000000000000aa', 0.1, 3600, 100, 1, '2026-01-01T00:00:00Z');",
    id, f->exp, point, key, rep, (unsigned) id);
  sql (f, run);
  g_auto (GStrv) pairs = g_strsplit (key, ",", -1);
  for (guint i = 0; *key != '\0' && pairs[i] != NULL; i++)
    {
      g_auto (GStrv) nv = g_strsplit (pairs[i], "=", 2);
      g_autofree char *p = g_strdup_printf ("INSERT INTO param VALUES (%" G_GINT64_FORMAT
                                            ", '%s', '%s');", id, nv[0], nv[1]);
      sql (f, p);
    }
  g_autofree char *m = isnan (value)
    ? g_strdup_printf ("INSERT INTO metric VALUES (%" G_GINT64_FORMAT ", '', '%s', NULL);",
                       id, metric)
    : g_strdup_printf ("INSERT INTO metric VALUES (%" G_GINT64_FORMAT ", '', '%s', %.17g);",
                       id, metric, value);
  sql (f, m);
  return id;
}

static void
add_metric (Fx *f, gint64 run, const char *metric, double value)
{
  g_autofree char *m = isnan (value)
    ? g_strdup_printf ("INSERT INTO metric VALUES (%" G_GINT64_FORMAT ", '', '%s', NULL);",
                       run, metric)
    : g_strdup_printf ("INSERT INTO metric VALUES (%" G_GINT64_FORMAT ", '', '%s', %.17g);",
                       run, metric, value);
  sql (f, m);
}

/* cli_plot_main with "plot DB -q -o OUT" and then @args (NULL-terminated). */
static int
run_plot (Fx *f, const char *first, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) "plot");
  g_ptr_array_add (argv, f->db_path);
  g_ptr_array_add (argv, (char *) "-q");
  g_ptr_array_add (argv, (char *) "-o");
  g_ptr_array_add (argv, f->out);
  va_list ap;
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  int status = cli_plot_main ((int) argv->len, (char **) argv->pdata);
  g_ptr_array_free (argv, TRUE);
  return status;
}

static char *
read_out (Fx *f, const char *file)
{
  g_autofree char *p = g_build_filename (f->out, file, NULL);
  char *text = NULL;
  GError *e = NULL;
  g_file_get_contents (p, &text, NULL, &e);
  g_assert_no_error (e);
  return text;
}

static gboolean
out_exists (Fx *f, const char *file)
{
  g_autofree char *p = g_build_filename (f->out, file, NULL);
  return g_file_test (p, G_FILE_TEST_IS_REGULAR);
}

/* The data rows of a .dat, blocks split on blank lines: GPtrArray (per
 * block) of GPtrArray (rows) of GStrv (fields; a quoted last field kept
 * whole). */
static GPtrArray *
parse_dat (const char *text)
{
  GPtrArray *blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *cur = NULL;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *l = lines[i];
      if (*l == '\0')
        {
          cur = NULL;
          continue;
        }
      if (*l == '#')
        continue;
      if (cur == NULL)
        {
          cur = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
          g_ptr_array_add (blocks, cur);
        }
      const char *q = strchr (l, '"');
      g_autofree char *head = q != NULL ? g_strndup (l, q - l) : g_strdup (l);
      g_strstrip (head);
      g_auto (GStrv) f = g_strsplit (head, " ", -1);
      GStrvBuilder *b = g_strv_builder_new ();
      g_strv_builder_addv (b, (const char **) f);
      if (q != NULL)
        g_strv_builder_add (b, q);
      g_ptr_array_add (cur, g_strv_builder_end (b));
      g_strv_builder_unref (b);
    }
  return blocks;
}

static double
field (GPtrArray *blocks, guint block, guint row, guint col)
{
  g_assert_cmpuint (block, <, blocks->len);
  GPtrArray *rows = blocks->pdata[block];
  g_assert_cmpuint (row, <, rows->len);
  char **f = rows->pdata[row];
  g_assert_cmpuint (col, <, g_strv_length (f));
  return g_ascii_strtod (f[col], NULL);
}

static guint
n_rows (GPtrArray *blocks, guint block)
{
  g_assert_cmpuint (block, <, blocks->len);
  return ((GPtrArray *) blocks->pdata[block])->len;
}

/* ------------------------------------------------------------- 1-ci */

static void
test_t_quantiles (void)
{
  /* two-sided 95 % (0.975 quantile), printed tables */
  g_assert_cmpfloat_with_epsilon (plot_t975 (1), 12.706, 1e-9);
  g_assert_cmpfloat_with_epsilon (plot_t975 (2), 4.303, 1e-9);
  g_assert_cmpfloat_with_epsilon (plot_t975 (4), 2.776, 1e-9);
  g_assert_cmpfloat_with_epsilon (plot_t975 (9), 2.262, 1e-9);
  g_assert_cmpfloat_with_epsilon (plot_t975 (20), 2.086, 1e-9);
  g_assert_cmpfloat_with_epsilon (plot_t975 (30), 2.042, 1e-9);
  /* beyond the table: the expansion against table values to 3 decimals */
  g_assert_cmpfloat_with_epsilon (plot_t975 (31), 2.040, 6e-4);
  g_assert_cmpfloat_with_epsilon (plot_t975 (40), 2.021, 6e-4);
  g_assert_cmpfloat_with_epsilon (plot_t975 (60), 2.000, 6e-4);
  g_assert_cmpfloat_with_epsilon (plot_t975 (120), 1.980, 6e-4);
  g_assert_cmpfloat_with_epsilon (plot_t975 (100000), 1.960, 6e-4);
  /* monotone: more data, narrower interval */
  for (guint df = 1; df < 200; df++)
    g_assert_cmpfloat (plot_t975 (df + 1), <, plot_t975 (df));
}

static void
test_mean_ci (void)
{
  /* 1..5: mean 3, s^2 = (4+1+0+1+4)/4 = 2.5, half = 2.776 sqrt(2.5)/sqrt(5) */
  const double v[] = { 1, 2, 3, 4, 5 };
  double mean = 0, half = 0, sd = 0;
  g_assert_true (plot_mean_ci (v, 5, &mean, &half, &sd));
  g_assert_cmpfloat_with_epsilon (mean, 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (sd, sqrt (2.5), 1e-12);
  g_assert_cmpfloat_with_epsilon (half, 2.776 * sqrt (2.5) / sqrt (5.0), 1e-12);
  /* ten values 0/1 (three 1s): mean 0.3, s^2 = (3*0.49 + 7*0.09)/9 */
  const double w[] = { 1, 0, 0, 1, 0, 0, 0, 1, 0, 0 };
  g_assert_true (plot_mean_ci (w, 10, &mean, &half, NULL));
  g_assert_cmpfloat_with_epsilon (mean, 0.3, 1e-12);
  g_assert_cmpfloat_with_epsilon (half, 2.262 * sqrt ((3 * 0.49 + 7 * 0.09) / 9) / sqrt (10.0),
                                  1e-12);
  /* one value: a mean, no interval */
  const double one[] = { 42 };
  g_assert_true (plot_mean_ci (one, 1, &mean, &half, &sd));
  g_assert_cmpfloat (mean, ==, 42);
  g_assert_true (isnan (half));
  g_assert_true (isnan (sd));
  /* none: nothing */
  mean = -1;
  g_assert_false (plot_mean_ci (one, 0, &mean, &half, &sd));
  g_assert_cmpfloat (mean, ==, -1);
}

/* ------------------------------------------------------------ 2-cdf */

static void
test_cdf_data (void)
{
  Fx f;
  fx_init (&f);
  /* ka=15: 10, 20, 20, 40 and one NULL; ka=30: 5; ka=60: two NULLs */
  const double ka15[] = { 20, 10, NAN, 40, 20 };
  for (guint r = 0; r < G_N_ELEMENTS (ka15); r++)
    add_run (&f, 0, "ka=15", r, "failover_s", ka15[r]);
  add_run (&f, 1, "ka=30", 0, "failover_s", 5);
  add_run (&f, 2, "ka=60", 0, "failover_s", NAN);
  add_run (&f, 2, "ka=60", 1, "failover_s", NAN);

  g_assert_cmpint (run_plot (&f, "--format", "svg", "cdf", NULL), ==, 0);
  g_autofree char *dat = read_out (&f, "cdf-failover_s.dat");
  g_autoptr (GPtrArray) b = parse_dat (dat);
  g_assert_cmpuint (b->len, ==, 2);       /* ka=60 has no value: no curve */
  /* ka=15, n = 4: start on the axis, then F(10)=1/4, F(20)=3/4, F(40)=1 */
  const double want15[][2] = { { 10, 0 }, { 10, 0.25 }, { 20, 0.75 }, { 40, 1 } };
  g_assert_cmpuint (n_rows (b, 0), ==, G_N_ELEMENTS (want15));
  for (guint i = 0; i < G_N_ELEMENTS (want15); i++)
    {
      g_assert_cmpfloat (field (b, 0, i, 0), ==, want15[i][0]);
      g_assert_cmpfloat (field (b, 0, i, 1), ==, want15[i][1]);
    }
  /* ka=30, n = 1 */
  g_assert_cmpuint (n_rows (b, 1), ==, 2);
  g_assert_cmpfloat (field (b, 1, 0, 0), ==, 5);
  g_assert_cmpfloat (field (b, 1, 0, 1), ==, 0);
  g_assert_cmpfloat (field (b, 1, 1, 1), ==, 1);
  g_assert_nonnull (strstr (dat, "# point ka=15: 4 values, 1 NULL"));

  /* the script: both curves by index, titles with n, NULL runs counted */
  g_autofree char *gp = read_out (&f, "cdf-failover_s.svg.gp");
  g_assert_nonnull (strstr (gp, "\"cdf-failover_s.dat\" index 0"));
  g_assert_nonnull (strstr (gp, "\"cdf-failover_s.dat\" index 1"));
  g_assert_null (strstr (gp, "index 2"));
  g_assert_nonnull (strstr (gp, "ka=15 (n=4"));
  g_assert_nonnull (strstr (gp, "5 values from 8 runs, 2 sweep points; 3 runs with failover_s NULL"));
  g_assert_nonnull (strstr (gp, "set output \"cdf-failover_s.svg\""));
  fx_clear (&f);
}

/* ---------------------------------------------------------- 3-sweep */

static void
fill_grid (Fx *f)
{
  /* ka in {100, 15} (listed so: numeric order must put 15 first),
   * nat in {30, 60}; two replications; pinhole_survival per cell: */
  static const struct { const char *ka, *nat; double v[2]; } cells[] = {
    { "100", "30", { 0.0, 0.2 } },
    { "100", "60", { 0.5, 0.7 } },
    { "15", "30", { 1.0, 1.0 } },
    { "15", "60", { 0.9, NAN } },   /* one NULL: n = 1 there */
  };
  for (guint c = 0; c < G_N_ELEMENTS (cells); c++)
    for (guint r = 0; r < 2; r++)
      {
        g_autofree char *key = g_strdup_printf ("ka=%s,nat=%s", cells[c].ka, cells[c].nat);
        gint64 id = add_run (f, c, key, r, "pinhole_survival", cells[c].v[r]);
        add_metric (f, id, "outage_s", 10.0 * (c + 1));
      }
}

static void
test_sweep_by (void)
{
  Fx f;
  fx_init (&f);
  fill_grid (&f);
  g_assert_cmpint (run_plot (&f, "--format", "svg", "sweep", "--metric", "pinhole_survival",
                             "--x", "ka", "--by", "nat", NULL), ==, 0);
  g_autofree char *dat = read_out (&f, "sweep-pinhole_survival-ka-by-nat.dat");
  g_autoptr (GPtrArray) b = parse_dat (dat);
  g_assert_cmpuint (b->len, ==, 2);      /* nat=30, nat=60 */
  g_assert_nonnull (strstr (dat, "nat=30\n"));
  /* block nat=30: x=15 first (numeric order), values 1.0, 1.0: s = 0 */
  g_assert_cmpfloat (field (b, 0, 0, 0), ==, 15);
  g_assert_cmpfloat_with_epsilon (field (b, 0, 0, 1), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (field (b, 0, 0, 5), 0.0, 1e-12);
  g_assert_cmpfloat (field (b, 0, 0, 4), ==, 2);
  /* x=100: 0.0, 0.2: mean 0.1, s = 0.1 sqrt 2, half = 12.706 * s / sqrt 2 = 1.2706 */
  g_assert_cmpfloat (field (b, 0, 1, 0), ==, 100);
  g_assert_cmpfloat_with_epsilon (field (b, 0, 1, 1), 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (field (b, 0, 1, 5), 1.2706, 1e-9);
  /* pinhole_survival is a fraction (doc/metrics.md): the interval drawn
   * is clipped to [0, 1], never below zero; the half-width stays */
  g_assert_cmpfloat (field (b, 0, 1, 2), ==, 0.0);
  g_assert_cmpfloat (field (b, 0, 1, 3), ==, 1.0);
  g_assert_cmpfloat_with_epsilon (field (b, 0, 1, 6), 0.1 * sqrt (2.0), 1e-12);
  /* block nat=60, x=15: one value (the other run NULL): no interval */
  g_assert_cmpfloat_with_epsilon (field (b, 1, 0, 1), 0.9, 1e-12);
  g_assert_cmpfloat (field (b, 1, 0, 4), ==, 1);
  g_assert_cmpfloat (field (b, 1, 0, 2), ==, field (b, 1, 0, 1));
  g_assert_cmpfloat (field (b, 1, 0, 3), ==, field (b, 1, 0, 1));
  g_assert_true (isnan (field (b, 1, 0, 5)));
  g_autofree char *gp = read_out (&f, "sweep-pinhole_survival-ka-by-nat.svg.gp");
  g_assert_nonnull (strstr (gp, "title \"nat=30\""));
  g_assert_nonnull (strstr (gp, "yerrorlines"));
  g_assert_null (strstr (gp, "averaged over"));
  fx_clear (&f);
}

/* Issue 19: runs of different sweep points are never pooled.  Without
 * --by, the other variable (nat) gets one panel per value; each block
 * holds one point's replications only (n <= 2 here, never the 3 or 4 a
 * mean "over nat" would pool). */
static void
test_sweep_panels (void)
{
  Fx f;
  fx_init (&f);
  fill_grid (&f);
  g_assert_cmpint (run_plot (&f, "--format", "svg", "sweep", "--metric", "pinhole_survival",
                             "--x", "ka", NULL), ==, 0);
  g_autofree char *dat = read_out (&f, "sweep-pinhole_survival-ka.dat");
  g_autoptr (GPtrArray) b = parse_dat (dat);
  g_assert_cmpuint (b->len, ==, 2);            /* panels nat=30, nat=60 */
  g_assert_nonnull (strstr (dat, "# block 0: nat=30"));
  g_assert_nonnull (strstr (dat, "# block 1: nat=60"));
  /* nat=30: ka=15 -> 1.0, 1.0; ka=100 -> 0.0, 0.2 */
  g_assert_cmpfloat (field (b, 0, 0, 0), ==, 15);
  g_assert_cmpfloat (field (b, 0, 0, 4), ==, 2);
  g_assert_cmpfloat_with_epsilon (field (b, 0, 0, 1), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (field (b, 0, 1, 1), 0.1, 1e-12);
  /* nat=60: ka=15 -> 0.9 (the NULL left out), ka=100 -> 0.5, 0.7 */
  g_assert_cmpfloat (field (b, 1, 0, 4), ==, 1);
  g_assert_cmpfloat_with_epsilon (field (b, 1, 0, 1), 0.9, 1e-12);
  g_assert_cmpfloat_with_epsilon (field (b, 1, 1, 1), 0.6, 1e-12);
  g_assert_cmpfloat (field (b, 1, 1, 4), ==, 2);
  g_autofree char *gp = read_out (&f, "sweep-pinhole_survival-ka.svg.gp");
  g_assert_nonnull (strstr (gp, "set multiplot layout 1,2"));
  g_assert_nonnull (strstr (gp, "one panel per nat"));
  g_assert_null (strstr (gp, "averaged over"));
  /* a fraction's axis: [0, 1] plus room; the label has its unit */
  g_assert_nonnull (strstr (gp, "set yrange [0:1.05]"));
  g_assert_nonnull (strstr (gp, "pinhole survival (fraction of probes)"));
  fx_clear (&f);
}

/* A swept value spanning two decades or more gets a log axis; a metric
 * that cannot be negative an axis from zero. */
static void
test_sweep_log_axis (void)
{
  Fx f;
  fx_init (&f);
  const char *ttl[] = { "60", "600", "7200" };
  for (guint p = 0; p < 3; p++)
    for (guint r = 0; r < 2; r++)
      {
        g_autofree char *key = g_strdup_printf ("ttl=%s", ttl[p]);
        add_run (&f, p, key, r, "outage_s", 5 + p + r);
      }
  g_assert_cmpint (run_plot (&f, "--format", "svg", "sweep", "--metric", "outage_s",
                             "--x", "ttl", NULL), ==, 0);
  g_autofree char *gp = read_out (&f, "sweep-outage_s-ttl.svg.gp");
  g_assert_nonnull (strstr (gp, "set logscale x"));
  g_assert_nonnull (strstr (gp, "set yrange [0:"));
  g_assert_nonnull (strstr (gp, "outage (s)"));
  /* 15..100 is less than two decades: linear */
  Fx g;
  fx_init (&g);
  fill_grid (&g);
  g_assert_cmpint (run_plot (&g, "--format", "svg", "sweep", "--metric", "outage_s",
                             "--x", "ka", "--by", "nat", NULL), ==, 0);
  g_autofree char *gp2 = read_out (&g, "sweep-outage_s-ka-by-nat.svg.gp");
  g_assert_null (strstr (gp2, "set logscale x"));
  fx_clear (&g);
  fx_clear (&f);
}

static void
test_sweep_categorical (void)
{
  Fx f;
  fx_init (&f);
  const char *msg[] = { "options", "crlf", "stun" };
  for (guint p = 0; p < 3; p++)
    for (guint r = 0; r < 2; r++)
      {
        g_autofree char *key = g_strdup_printf ("msg=%s", msg[p]);
        add_run (&f, p, key, r, "outage_s", p + r);
      }
  g_assert_cmpint (run_plot (&f, "--format", "svg", "sweep", "--metric", "outage_s",
                             "--x", "msg", NULL), ==, 0);
  g_autofree char *dat = read_out (&f, "sweep-outage_s-msg.dat");
  g_autoptr (GPtrArray) b = parse_dat (dat);
  /* text values: positions 0, 1, 2 in sweep order, labels in column 8 */
  g_assert_cmpuint (n_rows (b, 0), ==, 3);
  for (guint p = 0; p < 3; p++)
    {
      g_assert_cmpfloat (field (b, 0, p, 0), ==, p);
      g_assert_cmpfloat_with_epsilon (field (b, 0, p, 1), p + 0.5, 1e-12);
      char **row = ((GPtrArray *) b->pdata[0])->pdata[p];
      g_autofree char *want = g_strdup_printf ("\"%s\"", msg[p]);
      g_assert_cmpstr (row[7], ==, want);
    }
  g_autofree char *gp = read_out (&f, "sweep-outage_s-msg.svg.gp");
  g_assert_nonnull (strstr (gp, "set xtics (\"options\" 0, \"crlf\" 1, \"stun\" 2)"));
  g_assert_nonnull (strstr (gp, "with yerrorbars"));
  g_assert_null (strstr (gp, "yerrorlines"));
  fx_clear (&f);
}

/* ---------------------------------------------------------- 4-errors */

static void
test_errors (void)
{
  Fx f;
  fx_init (&f);
  fill_grid (&f);
  add_metric (&f, 1, "failover_s", NAN);
  /* unknown metric, unknown variable, --by = --x, sweep without --x */
  g_assert_cmpint (run_plot (&f, "cdf", "--metric", "no_such", NULL), ==, 2);
  g_assert_cmpint (run_plot (&f, "sweep", "--metric", "outage_s", "--x", "nope", NULL), ==, 2);
  g_assert_cmpint (run_plot (&f, "sweep", "--metric", "outage_s", "--x", "ka", "--by", "ka",
                             NULL), ==, 2);
  g_assert_cmpint (run_plot (&f, "sweep", "--metric", "outage_s", NULL), ==, 2);
  /* options out of place, bad values */
  g_assert_cmpint (run_plot (&f, "--metric", "outage_s", "cdf", NULL), ==, 2);
  g_assert_cmpint (run_plot (&f, "--format", "gif", "cdf", NULL), ==, 2);
  g_assert_cmpint (run_plot (&f, "timeline", "--run", "x", NULL), ==, 2);
  g_assert_cmpint (run_plot (&f, "bogus", NULL), ==, 2);
  /* no such experiment */
  g_assert_cmpint (run_plot (&f, "--experiment", "99", "cdf", NULL), ==, 2);
  /* a metric that exists but is NULL everywhere: nothing to plot */
  g_assert_cmpint (run_plot (&f, "cdf", "--metric", "failover_s", NULL), ==, 1);
  g_assert_false (out_exists (&f, "cdf-failover_s.gp"));
  /* no such database */
  g_autofree char *missing = g_build_filename (f.dir, "missing.db", NULL);
  char *argv[] = { (char *) "plot", missing, (char *) "-q", NULL };
  g_assert_cmpint (cli_plot_main (3, argv), ==, 2);
  /* a file that is not a sipsim database */
  g_autofree char *junk = g_build_filename (f.dir, "junk.db", NULL);
  g_file_set_contents (junk, "not sqlite at all", -1, NULL);
  argv[1] = junk;
  g_assert_cmpint (cli_plot_main (3, argv), ==, 2);
  fx_clear (&f);
}

/* --------------------------------------------------------- 5-formats */

static gboolean
spawn_gnuplot_in (const char *dir, const char *gp)
{
  const char *env = g_getenv ("SIPSIM_GNUPLOT");
  (void) env;
  const char *argv[] = { "gnuplot", gp, NULL };
  gint status = 0;
  GError *e = NULL;
  gboolean ok = g_spawn_sync (dir, (char **) argv, NULL, G_SPAWN_SEARCH_PATH
                              | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &e);
  g_assert_no_error (e);
  return ok && g_spawn_check_wait_status (status, NULL);
}

static void
test_formats (void)
{
  Fx f;
  fx_init (&f);
  fill_grid (&f);
  for (guint r = 0; r < 3; r++)
    add_metric (&f, r + 1, "failover_s", 30 + r);

  /* png: the PNG signature (RFC 2083 §3.1), non-empty */
  g_assert_cmpint (run_plot (&f, "--format", "png", "cdf", NULL), ==, 0);
  gsize len = 0;
  g_autofree char *png_path = g_build_filename (f.out, "cdf-failover_s.png", NULL);
  g_autofree char *png = NULL;
  g_assert_true (g_file_get_contents (png_path, &png, &len, NULL));
  g_assert_cmpuint (len, >, 1000);
  g_assert_cmpint (memcmp (png, "\x89PNG\r\n\x1a\n", 8), ==, 0);

  /* the kept script re-creates it: cd OUT && gnuplot NAME.gp */
  g_unlink (png_path);
  g_assert_true (spawn_gnuplot_in (f.out, "cdf-failover_s.gp"));
  g_assert_true (g_file_test (png_path, G_FILE_TEST_IS_REGULAR));

  /* svg */
  g_assert_cmpint (run_plot (&f, "--format", "svg", "sweep", "--metric", "outage_s", "--x",
                             "nat", NULL), ==, 0);
  g_autofree char *svg = read_out (&f, "sweep-outage_s-nat.svg");
  g_assert_true (g_str_has_prefix (svg, "<?xml") || g_str_has_prefix (svg, "<svg"));
  g_assert_nonnull (strstr (svg, "</svg>"));

  /* dumb: text kept as NAME.txt (and printed without -q), .gp and .dat too */
  g_assert_cmpint (run_plot (&f, "--format", "dumb", "cdf", NULL), ==, 0);
  g_autofree char *txt = read_out (&f, "cdf-failover_s.txt");
  g_assert_cmpuint (strlen (txt), >, 500);
  /* the axis label comes from the metric registry, with its unit */
  g_assert_nonnull (strstr (txt, "failover time (s)"));
  g_autofree char *gp = read_out (&f, "cdf-failover_s.txt.gp");
  g_assert_nonnull (strstr (gp, "set terminal dumb"));
  g_assert_null (strstr (gp, "set output"));
  /* each format its own script: the dumb run left the PNG's alone */
  g_autofree char *png_gp = read_out (&f, "cdf-failover_s.gp");
  g_assert_nonnull (strstr (png_gp, "set terminal pngcairo"));
  g_assert_true (out_exists (&f, "cdf-failover_s.dat"));

  /* gnuplot failing is reported (exit 1), e.g. a program that is not gnuplot */
  g_setenv ("SIPSIM_GNUPLOT", "false", TRUE);
  g_assert_cmpint (run_plot (&f, "--format", "svg", "cdf", NULL), ==, 1);
  g_unsetenv ("SIPSIM_GNUPLOT");
  fx_clear (&f);
}

/* --------------------------------------------------------- 6-default */

static void
test_default_set (void)
{
  Fx f;
  fx_init (&f);
  fill_grid (&f);
  add_metric (&f, 1, "failover_s", 12);
  add_metric (&f, 2, "failover_s", NAN);

  /* default directory: beside the DB, res.db -> res-plots/ */
  char *argv[] = { (char *) "plot", f.db_path, (char *) "-q", (char *) "--format",
                   (char *) "svg", NULL };
  g_assert_cmpint (cli_plot_main (5, argv), ==, 0);
  g_autofree char *def = g_build_filename (f.dir, "res-plots", NULL);
  const char *want[] = {
    "cdf-failover_s.svg",
    /* each variable against the next, never pooled */
    "sweep-pinhole_survival-ka-by-nat.svg", "sweep-outage_s-ka-by-nat.svg",
    "sweep-failover_s-ka-by-nat.svg", "sweep-pinhole_survival-nat-by-ka.svg",
    "sweep-outage_s-nat-by-ka.svg", "sweep-failover_s-nat-by-ka.svg",
  };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_autofree char *p = g_build_filename (def, want[i], NULL);
      g_assert_true (g_file_test (p, G_FILE_TEST_IS_REGULAR));
    }

  /* nothing with values: exit 1 */
  Fx g;
  fx_init (&g);
  add_run (&g, 0, "", 0, "failover_s", NAN);
  char *argv2[] = { (char *) "plot", g.db_path, (char *) "-q", NULL };
  g_assert_cmpint (cli_plot_main (3, argv2), ==, 1);
  fx_clear (&g);
  fx_clear (&f);
}

/* ---------------------------------------------------------- 7-replay */

/* A small world (doc/scenarios.md): one OBi phone behind a home NAT,
 * two SRV proxies, the primary crashing at a fixed 30 min for 10 min;
 * keep-alives every ${ka} s; 2 h. */
static const char small_scenario[] =
  "[scenario]\n"
  "name = small\n"
  "duration = 2h\n"
  "seed = 1\n"
  "replications = 2\n"
  "\n"
  "[network]\n"
  "latency = 10ms\n"
  "\n"
  "[dns]\n"
  "zone = voip.test\n"
  "ttl = 300\n"
  "_sip._udp.voip.test = SRV 10 0 5060 pbx-a.voip.test; SRV 20 0 5060 pbx-b.voip.test\n"
  "pbx-a.voip.test = A 198.51.100.10\n"
  "pbx-b.voip.test = A 198.51.100.20\n"
  "\n"
  "[proxy pbx-a]\n"
  "address = 198.51.100.10\n"
  "probe_interval = 10m\n"
  "\n"
  "[proxy pbx-b]\n"
  "address = 198.51.100.20\n"
  "probe_interval = 10m\n"
  "\n"
  "[nat home]\n"
  "udp_timeout = 60s\n"
  "\n"
  "[sweep]\n"
  "ka = 20, 40\n"
  "\n"
  "[device phone]\n"
  "profile = obihai\n"
  "nat = home\n"
  "SP1::AuthUserName = alice\n"
  "SP1::ProxyServer = voip.test\n"
  "SP1::X_ProxyServerRedundancy = true\n"
  "SP1::RegisterExpires = 600\n"
  "SP1::X_KeepAliveEnable = true\n"
  "SP1::X_KeepAliveExpires = ${ka}\n"
  "\n"
  "[fault primary-crash]\n"
  "type = proxy-crash\n"
  "target = pbx-a\n"
  "at = 30m\n"
  "duration = 10m\n";

#define SMALL_SEED 4242   /* not the text's seed 1: as `sipsim run --seed 4242` */

typedef struct {
  Fx       f;
  gint64   run[4];        /* ids of (point, rep): ka=20 rep 0, 1; ka=40 rep 0, 1 */
  guint64  fingerprint[4];
} Stored;

/* Stores the four runs of small_scenario, as `sipsim run` would (default
 * options: no trace, no observations). */
static void
stored_init (Stored *s)
{
  GError *e = NULL;
  s->f.dir = g_dir_make_tmp ("test-plot-XXXXXX", &e);
  g_assert_no_error (e);
  s->f.db_path = g_build_filename (s->f.dir, "small.db", NULL);
  s->f.out = g_build_filename (s->f.dir, "out", NULL);
  s->f.store = store_open (s->f.db_path, &e);
  g_assert_no_error (e);
  s->f.db = store_get_db (s->f.store);

  g_autoptr (Scenario) sc = scenario_load_from_data (small_scenario, "small.ini", NULL, &e);
  g_assert_no_error (e);
  scenario_set_seed (sc, SMALL_SEED);
  g_assert_cmpuint (scenario_get_n_points (sc), ==, 2);
  s->f.exp = store_experiment (s->f.store, scenario_get_name (sc), scenario_get_text (sc),
                               SMALL_SEED, &e);
  g_assert_no_error (e);
  RunOptions opt = { 0 };
  for (guint p = 0; p < 2; p++)
    for (guint r = 0; r < 2; r++)
      {
        const ScenarioPoint *pt = scenario_get_point (sc, p);
        RunSpec *spec = scenario_instantiate (sc, p, r);
        StoreRun *run = runner_store_run_new (s->f.exp, sc, p, r, spec->seed);
        run->result = run_execute (spec, &opt);
        g_assert_null (run->result->error);
        s->fingerprint[p * 2 + r] = run->result->fingerprint;
        run_spec_free (spec);
        g_assert_true (store_put_run (s->f.store, run, &e));
        g_assert_no_error (e);
        s->run[p * 2 + r] = store_find_run (s->f.store, s->f.exp, pt->key, r, &e);
        g_assert_no_error (e);
        g_assert_cmpint (s->run[p * 2 + r], >, 0);
      }
}

static void
test_replay (void)
{
  Stored s;
  stored_init (&s);
  GError *e = NULL;

  /* every stored run replays to its fingerprint, whatever is kept */
  g_autofree char *pcap = g_build_filename (s.f.dir, "replay.pcap", NULL);
  for (guint i = 0; i < 4; i++)
    {
      RunOptions plain = { 0 };
      RunOptions all = { .keep_trace = TRUE, .keep_observations = TRUE, .pcap_path = pcap };
      g_autoptr (RunResult) a = replay_run (s.f.store, s.run[i], &plain, &e);
      g_assert_no_error (e);
      g_assert_nonnull (a);
      g_assert_cmpuint (a->fingerprint, ==, s.fingerprint[i]);
      g_assert_null (a->obs);
      g_autoptr (RunResult) b = replay_run (s.f.store, s.run[i], &all, &e);
      g_assert_no_error (e);
      g_assert_cmpuint (b->fingerprint, ==, s.fingerprint[i]);
      g_assert_nonnull (b->obs);
      g_assert_nonnull (b->trace);
      g_assert_cmpuint (b->trace->len, ==, b->trace_lines);
      g_assert_cmpuint (a->trace_lines, ==, b->trace_lines);
      g_assert_true (g_file_test (pcap, G_FILE_TEST_IS_REGULAR));
    }
  /* the replications and points are different runs (else the checks
   * above prove nothing) */
  g_assert_cmpuint (s.fingerprint[0], !=, s.fingerprint[1]);
  g_assert_cmpuint (s.fingerprint[0], !=, s.fingerprint[2]);

  /* the point is found by key: a changed index does not matter */
  g_autofree char *upd = g_strdup_printf ("UPDATE run SET point = 7 WHERE id = %" G_GINT64_FORMAT,
                                          s.run[3]);
  sql (&s.f, upd);
  RunOptions plain = { 0 };
  RunResult *r = replay_run (s.f.store, s.run[3], &plain, &e);
  g_assert_no_error (e);
  g_assert_cmpuint (r->fingerprint, ==, s.fingerprint[3]);
  run_result_free (r);

  /* a run stored with another fingerprint version cannot be compared */
  g_autofree char *ver = g_strdup_printf ("UPDATE run SET fingerprint_version = 2"
                                          " WHERE id = %" G_GINT64_FORMAT, s.run[3]);
  sql (&s.f, ver);
  g_assert_null (replay_run (s.f.store, s.run[3], &plain, &e));
  g_assert_error (e, REPLAY_ERROR, REPLAY_ERROR_MISMATCH);
  g_assert_nonnull (strstr (e->message, "stored with fingerprint version 2, this sipsim "
                                        "computes version 3"));
  g_clear_error (&e);
  g_autofree char *unver = g_strdup_printf ("UPDATE run SET fingerprint_version = 3"
                                            " WHERE id = %" G_GINT64_FORMAT, s.run[3]);
  sql (&s.f, unver);

  /* a tampered fingerprint: an error naming both */
  g_autofree char *tamper = g_strdup_printf ("UPDATE run SET fingerprint = '0123456789abcdef'"
                                             " WHERE id = %" G_GINT64_FORMAT, s.run[1]);
  sql (&s.f, tamper);
  g_assert_null (replay_run (s.f.store, s.run[1], &plain, &e));
  g_assert_error (e, REPLAY_ERROR, REPLAY_ERROR_MISMATCH);
  char hex[STORE_HEX64_STRLEN];
  g_autofree char *want = g_strdup_printf ("run %" G_GINT64_FORMAT " replays with fingerprint %s,"
                                           " stored 0123456789abcdef: the model changed since"
                                           " it was stored", s.run[1],
                                           store_hex64_format (s.fingerprint[1], hex));
  g_assert_cmpstr (e->message, ==, want);
  g_clear_error (&e);

  /* a tampered run seed: caught before running */
  g_autofree char *seed = g_strdup_printf ("UPDATE run SET seed = '00000000000000ff'"
                                           " WHERE id = %" G_GINT64_FORMAT, s.run[2]);
  sql (&s.f, seed);
  g_assert_null (replay_run (s.f.store, s.run[2], &plain, &e));
  g_assert_error (e, REPLAY_ERROR, REPLAY_ERROR_MISMATCH);
  g_assert_nonnull (strstr (e->message, "stored 00000000000000ff"));
  g_clear_error (&e);

  /* a run stored as failed has nothing to replay against */
  g_autofree char *failed = g_strdup_printf ("UPDATE run SET status = 'failed', fingerprint = NULL,"
                                             " error = 'boom' WHERE id = %" G_GINT64_FORMAT,
                                             s.run[0]);
  sql (&s.f, failed);
  g_assert_null (replay_run (s.f.store, s.run[0], &plain, &e));
  g_assert_error (e, REPLAY_ERROR, REPLAY_ERROR_FAILED_RUN);
  g_assert_nonnull (strstr (e->message, "boom"));
  g_clear_error (&e);

  /* no such run */
  g_assert_null (replay_run (s.f.store, 999, &plain, &e));
  g_assert_error (e, REPLAY_ERROR, REPLAY_ERROR_NOT_FOUND);
  g_clear_error (&e);

  /* a point key the scenario no longer has */
  g_autofree char *key = g_strdup_printf ("UPDATE run SET point_key = 'ka=33' WHERE id = %"
                                          G_GINT64_FORMAT, s.run[3]);
  sql (&s.f, key);
  g_assert_null (replay_run (s.f.store, s.run[3], &plain, &e));
  g_assert_error (e, REPLAY_ERROR, REPLAY_ERROR_SCENARIO);
  g_clear_error (&e);
  fx_clear (&s.f);
}

/* The executor's promise replay relies on (run.h): trace lines do not
 * depend on what is kept. */
static void
test_options_keep_trace (void)
{
  GError *e = NULL;
  g_autoptr (Scenario) sc = scenario_load_from_data (small_scenario, "small.ini", NULL, &e);
  g_assert_no_error (e);
  g_autofree char *dir = g_dir_make_tmp ("test-plot-XXXXXX", &e);
  g_assert_no_error (e);
  g_autofree char *pcap = g_build_filename (dir, "x.pcap", NULL);
  g_autofree char *tpath = g_build_filename (dir, "x.trace", NULL);
  FILE *tf = fopen (tpath, "w");
  g_assert_nonnull (tf);
  g_autoptr (RunSpec) spec = scenario_instantiate (sc, 0, 0);
  RunOptions o1 = { .keep_trace = TRUE };
  RunOptions o2 = { .keep_trace = TRUE, .keep_observations = TRUE, .pcap_path = pcap,
                    .trace_file = tf };
  g_autoptr (RunResult) a = run_execute (spec, &o1);
  g_autoptr (RunResult) b = run_execute (spec, &o2);
  fclose (tf);
  g_assert_null (a->error);
  g_assert_null (b->error);
  g_assert_cmpuint (a->fingerprint, ==, b->fingerprint);
  g_assert_cmpuint (a->trace->len, ==, b->trace->len);
  g_assert_cmpuint (a->trace->len, >, 100);
  for (guint i = 0; i < a->trace->len; i++)
    g_assert_cmpstr (a->trace->pdata[i], ==, b->trace->pdata[i]);
  /* and the file got the same lines */
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (tpath, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, a->trace->len);
  g_assert_cmpstr (lines[0], ==, a->trace->pdata[0]);
  g_unlink (pcap);
  g_unlink (tpath);
  g_rmdir (dir);
}

/* -------------------------------------------------------- 8-timeline */

static void
test_timeline (void)
{
  Stored s;
  stored_init (&s);
  g_autofree char *run = g_strdup_printf ("%" G_GINT64_FORMAT, s.run[0]);
  g_autofree char *name = g_strdup_printf ("timeline-run-%s", run);
  g_assert_cmpint (run_plot (&s.f, "--format", "svg", "timeline", "--run", run, NULL), ==, 0);

  g_autofree char *svg_file = g_strconcat (name, ".svg", NULL);
  g_autofree char *gp_file = g_strconcat (name, ".svg.gp", NULL);
  g_autofree char *svg = read_out (&s.f, svg_file);
  g_assert_true (g_str_has_prefix (svg, "<?xml") || g_str_has_prefix (svg, "<svg"));
  g_autofree char *gp = read_out (&s.f, gp_file);
  /* the crash at the fixed 30 min = 1800 s, labelled, and the unit row */
  g_assert_nonnull (strstr (gp, "set arrow from 1800.000000000, graph 0"));
  g_assert_nonnull (strstr (gp, "primary-crash: crash pbx-a"));
  g_assert_nonnull (strstr (gp, "\"phone/SP1\" 0"));
  g_assert_nonnull (strstr (gp, "set xrange [0:7200.000000000]"));

  /* registered bars: inside [0, 7200], and together most of the run */
  g_autofree char *reg_file = g_strconcat (name, "-registered.dat", NULL);
  g_autofree char *reg = read_out (&s.f, reg_file);
  g_autoptr (GPtrArray) b = parse_dat (reg);
  g_assert_cmpuint (b->len, ==, 1);
  double total = 0;
  for (guint i = 0; i < n_rows (b, 0); i++)
    {
      double from = field (b, 0, i, 0), len = field (b, 0, i, 2);
      g_assert_cmpfloat (from, >=, 0);
      g_assert_cmpfloat (len, >, 0);
      g_assert_cmpfloat (from + len, <=, 7200 + 1e-6);
      g_assert_cmpfloat (field (b, 0, i, 1), ==, 0.15);
      total += len;
    }
  g_assert_cmpfloat (total, >, 3600);
  /* the failover shows as a change of server (column 5, the proxy
   * index): pbx-a (0) until a refresh fails after the crash at 1800 s.
   * Refreshes come at most RegisterExpires = 600 s apart and a silent
   * server is given up after Timer F = 32 s (RFC 3261 17.1.2.2), so the
   * move to pbx-b (1) comes in (1800, 1800 + 600 + 32 + 1]; one
   * registration attempt failed before it, after the crash. */
  g_assert_cmpuint (n_rows (b, 0), >=, 2);
  g_assert_cmpfloat (field (b, 0, 0, 4), ==, 0);
  g_assert_cmpfloat (field (b, 0, 1, 4), ==, 1);
  double moved = field (b, 0, 1, 0);
  g_assert_cmpfloat (moved, >, 1800);
  g_assert_cmpfloat (moved, <=, 1800 + 600 + 32 + 1);
  g_assert_cmpfloat_with_epsilon (field (b, 0, 0, 0) + field (b, 0, 0, 2), moved, 1e-6);
  g_autofree char *fail_file = g_strconcat (name, "-failures.dat", NULL);
  g_autofree char *fail = read_out (&s.f, fail_file);
  g_autoptr (GPtrArray) fb = parse_dat (fail);
  g_assert_cmpuint (fb->len, ==, 1);
  g_assert_cmpfloat (field (fb, 0, 0, 0), >, 1800);
  g_assert_cmpfloat (field (fb, 0, 0, 0), <=, moved);
  g_assert_cmpfloat (field (fb, 0, 0, 2), ==, 1);
  g_assert_nonnull (strstr (gp, "title \"registered at pbx-b\""));

  /* keep-alives every 20 s (ka=20) while registered: at least one per
   * 20 s of the registered time, at most one per 20 s of the run */
  g_autofree char *ka_file = g_strconcat (name, "-keepalive.dat", NULL);
  g_autofree char *ka = read_out (&s.f, ka_file);
  g_autoptr (GPtrArray) kb = parse_dat (ka);
  g_assert_cmpuint (kb->len, ==, 1);
  g_assert_cmpuint (n_rows (kb, 0), >=, (guint) (total / 20) - 1);
  g_assert_cmpuint (n_rows (kb, 0), <=, 7200 / 20 + 1);

  /* the phone's pinhole: at least one binding drawn */
  g_autofree char *pin_file = g_strconcat (name, "-pinhole.dat", NULL);
  g_autofree char *pin = read_out (&s.f, pin_file);
  g_autoptr (GPtrArray) pb = parse_dat (pin);
  g_assert_cmpuint (pb->len, ==, 1);
  g_assert_cmpuint (n_rows (pb, 0), >=, 1);

  /* a run that no longer replays: exit 1; no such run: exit 2 */
  g_autofree char *tamper = g_strdup_printf ("UPDATE run SET fingerprint = '0123456789abcdef'"
                                             " WHERE id = %s", run);
  sql (&s.f, tamper);
  g_assert_cmpint (run_plot (&s.f, "timeline", "--run", run, NULL), ==, 1);
  g_assert_cmpint (run_plot (&s.f, "timeline", "--run", "999", NULL), ==, 2);
  fx_clear (&s.f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plot/1-ci/t-quantiles", test_t_quantiles);
  g_test_add_func ("/plot/1-ci/mean-ci", test_mean_ci);
  g_test_add_func ("/plot/2-cdf/data", test_cdf_data);
  g_test_add_func ("/plot/3-sweep/by", test_sweep_by);
  g_test_add_func ("/plot/3-sweep/panels-not-pooled", test_sweep_panels);
  g_test_add_func ("/plot/3-sweep/log-axis", test_sweep_log_axis);
  g_test_add_func ("/plot/3-sweep/categorical", test_sweep_categorical);
  g_test_add_func ("/plot/4-errors", test_errors);
  g_test_add_func ("/plot/5-formats", test_formats);
  g_test_add_func ("/plot/6-default-set", test_default_set);
  g_test_add_func ("/plot/7-replay/fingerprints", test_replay);
  g_test_add_func ("/plot/7-replay/options-keep-trace", test_options_keep_trace);
  g_test_add_func ("/plot/8-timeline", test_timeline);
  return g_test_run ();
}
