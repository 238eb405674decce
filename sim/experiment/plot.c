/*
 * sim/experiment/plot.c - `sipsim plot`: options, the database and
 * experiment, the default set of figures (doc/plots.md).
 *
 * Notes
 *
 * 1. Command line: global options (--experiment, --format, -o, -q) may
 *    come anywhere; a KIND word (cdf, sweep, timeline) starts a figure and
 *    the options after it (--metric, --x, --by, --run) belong to that
 *    figure.  Several kinds may be given; no kind draws the default set.
 *
 * 2. Exit status: 2 when the user named something that is not there (a
 *    database, an experiment, a metric, a variable, a run) or misused an
 *    option; 1 when there is nothing to plot or gnuplot failed; 0 when
 *    every figure asked for was written.
 *
 * 3. The database is opened read-only and only through the run_metric
 *    view, param and run tables (store-schema.h), so plotting while
 *    `sipsim run` writes (WAL) sees the runs committed so far.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "sim/experiment/plot-private.h"
#include "sim/experiment/replay.h"

gboolean
plot_sql_error (PlotCtx *ctx, GError **error)
{
  g_set_error (error, PLOT_ERROR, PLOT_ERROR_IO, "%s: SQLite: %s", ctx->db_path,
               sqlite3_errmsg (ctx->db));
  return FALSE;
}

/* Position of variable @name in the point key "a=1,b=2" (G_MAXUINT if
 * absent), so variables come out in definition order (scenario.h note 3). */
static guint
key_position (const char *key, const char *name)
{
  gsize len = strlen (name);
  for (const char *p = key; p != NULL && *p != '\0';)
    {
      if (strncmp (p, name, len) == 0 && p[len] == '=')
        return (guint) (p - key);
      p = strchr (p, ',');
      if (p != NULL)
        p++;
    }
  return G_MAXUINT;
}

typedef struct { char *name; guint pos; } VarPos;

static gint
varpos_cmp (gconstpointer a, gconstpointer b)
{
  const VarPos *x = a, *y = b;
  if (x->pos != y->pos)
    return x->pos < y->pos ? -1 : 1;
  return strcmp (x->name, y->name);
}

char **
plot_variables (PlotCtx *ctx, GError **error)
{
  sqlite3_stmt *st = NULL;
  g_autofree char *key = NULL;
  if (sqlite3_prepare_v2 (ctx->db,
                          "SELECT point_key FROM run WHERE experiment_id = ?1"
                          " ORDER BY point LIMIT 1", -1, &st, NULL) != SQLITE_OK)
    {
      plot_sql_error (ctx, error);
      return NULL;
    }
  sqlite3_bind_int64 (st, 1, ctx->experiment);
  if (sqlite3_step (st) == SQLITE_ROW)
    key = g_strdup ((const char *) sqlite3_column_text (st, 0));
  sqlite3_finalize (st);

  if (sqlite3_prepare_v2 (ctx->db,
                          "SELECT DISTINCT p.name FROM param p JOIN run r ON r.id = p.run_id"
                          " WHERE r.experiment_id = ?1", -1, &st, NULL) != SQLITE_OK)
    {
      plot_sql_error (ctx, error);
      return NULL;
    }
  sqlite3_bind_int64 (st, 1, ctx->experiment);
  g_autoptr (GArray) vp = g_array_new (FALSE, FALSE, sizeof (VarPos));
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      VarPos v;
      v.name = g_strdup ((const char *) sqlite3_column_text (st, 0));
      v.pos = key_position (key, v.name);
      g_array_append_val (vp, v);
    }
  sqlite3_finalize (st);
  g_array_sort (vp, varpos_cmp);
  char **vars = g_new0 (char *, vp->len + 1);
  for (guint i = 0; i < vp->len; i++)
    vars[i] = g_array_index (vp, VarPos, i).name;
  if (rc != SQLITE_DONE)
    {
      g_strfreev (vars);
      plot_sql_error (ctx, error);
      return NULL;
    }
  return vars;
}

gboolean
plot_metric_exists (PlotCtx *ctx, const char *name, guint *n_values)
{
  sqlite3_stmt *st = NULL;
  gboolean exists = FALSE;
  *n_values = 0;
  if (sqlite3_prepare_v2 (ctx->db,
                          "SELECT count(*), count(value) FROM run_metric"
                          " WHERE experiment_id = ?1 AND name = ?2", -1, &st, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_int64 (st, 1, ctx->experiment);
  sqlite3_bind_text (st, 2, name, -1, SQLITE_STATIC);
  if (sqlite3_step (st) == SQLITE_ROW)
    {
      exists = sqlite3_column_int64 (st, 0) > 0;
      *n_values = (guint) sqlite3_column_int64 (st, 1);
    }
  sqlite3_finalize (st);
  return exists;
}

/* ------------------------------------------------------------- command */

typedef enum { KIND_CDF, KIND_SWEEP, KIND_TIMELINE } Kind;

typedef struct {
  Kind        kind;
  const char *metric, *x, *by;
  gint64      run;
} Figure;

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: sipsim plot DB [--experiment ID] [--format png|svg|dumb] [-o DIR] [-q]\n"
           "                      [KIND [KIND-OPTIONS]] ...\n"
           "kinds:\n"
           "  cdf [--metric M]                 empirical CDF of M (default failover_s)\n"
           "                                   per sweep point\n"
           "  sweep --metric M --x VAR [--by VAR2]\n"
           "                                   mean of M against VAR, 95 %% CI, one curve\n"
           "                                   per value of VAR2\n"
           "  timeline --run N                 run N replayed: registrations, keep-alives,\n"
           "                                   pinholes, probes, faults per unit\n"
           "no kind: CDF of failover_s and a sweep plot of pinhole_survival, outage_s and\n"
           "failover_s against each swept variable (those with values).\n"
           "Output: DIR (default: beside DB, DB without .db + \"-plots\") gets NAME.png|svg\n"
           "with NAME.gp and NAME*.dat; `cd DIR && gnuplot NAME.gp` re-creates it.\n"
           "See doc/plots.md.\n");
}

static int
exit_code (const GError *e)
{
  if (e->domain == PLOT_ERROR)
    return e->code == PLOT_ERROR_USAGE ? 2 : 1;
  if (e->domain == STORE_ERROR)
    return e->code == STORE_ERROR_SQL ? 1 : 2;
  if (e->domain == REPLAY_ERROR)
    return e->code == REPLAY_ERROR_NOT_FOUND ? 2 : 1;
  return 1;
}

/* "--name=value" or "--name value": the value, advancing *i; NULL when
 * argv[*i] is not @name. */
static const char *
option_value (int argc, char **argv, int *i, const char *name, gboolean *missing)
{
  const char *a = argv[*i];
  gsize len = strlen (name);
  if (strncmp (a, name, len) != 0)
    return NULL;
  if (a[len] == '=')
    return a + len + 1;
  if (a[len] != '\0')
    return NULL;
  if (*i + 1 >= argc)
    {
      *missing = TRUE;
      return NULL;
    }
  (*i)++;
  return argv[*i];
}

static gboolean
parse_int64 (const char *s, gint64 *out)
{
  char *end = NULL;
  gint64 v = g_ascii_strtoll (s, &end, 10);
  if (*s == '\0' || end == NULL || *end != '\0' || v <= 0)
    return FALSE;
  *out = v;
  return TRUE;
}

static char *
default_outdir (const char *db)
{
  if (g_str_has_suffix (db, ".db"))
    {
      g_autofree char *stem = g_strndup (db, strlen (db) - 3);
      return g_strconcat (stem, "-plots", NULL);
    }
  return g_strconcat (db, "-plots", NULL);
}

static gboolean
draw (PlotCtx *ctx, const Figure *f, GError **error)
{
  switch (f->kind)
    {
    case KIND_CDF:
      return plot_cdf (ctx, f->metric != NULL ? f->metric : "failover_s", error);
    case KIND_SWEEP:
      if (f->metric == NULL || f->x == NULL)
        {
          g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE,
                       "sweep needs --metric M and --x VAR");
          return FALSE;
        }
      return plot_sweep (ctx, f->metric, f->x, f->by, error);
    case KIND_TIMELINE:
      if (f->run <= 0)
        {
          g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE, "timeline needs --run N");
          return FALSE;
        }
      return plot_timeline (ctx, f->run, error);
    }
  return FALSE;
}

/* The default set (note 1); FALSE with PLOT_ERROR_NOTHING when it is
 * empty, or with the first error met (the others are still drawn). */
static gboolean
draw_defaults (PlotCtx *ctx, GError **error)
{
  static const char *const metrics[] = { "pinhole_survival", "outage_s", "failover_s" };
  GError *first = NULL;
  guint drawn = 0, n = 0;
  if (plot_metric_exists (ctx, "failover_s", &n) && n > 0)
    {
      GError *e = NULL;
      if (plot_cdf (ctx, "failover_s", &e))
        drawn++;
      else if (first == NULL)
        first = e;
      else
        g_error_free (e);
    }
  g_auto (GStrv) vars = plot_variables (ctx, error);
  if (vars == NULL)
    {
      g_clear_error (&first);
      return FALSE;
    }
  for (guint v = 0; vars[v] != NULL; v++)
    for (guint m = 0; m < G_N_ELEMENTS (metrics); m++)
      if (plot_metric_exists (ctx, metrics[m], &n) && n > 0)
        {
          GError *e = NULL;
          if (plot_sweep (ctx, metrics[m], vars[v], NULL, &e))
            drawn++;
          else if (first == NULL)
            first = e;
          else
            g_error_free (e);
        }
  if (first != NULL)
    {
      g_propagate_error (error, first);
      return FALSE;
    }
  if (drawn == 0)
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_NOTHING,
                   "nothing to plot in experiment %" G_GINT64_FORMAT ": no failover_s value"
                   " and no swept variable with pinhole_survival, outage_s or failover_s"
                   " values (ask for a kind, e.g. `timeline --run N`)", ctx->experiment);
      return FALSE;
    }
  return TRUE;
}

static gboolean
experiment_exists (PlotCtx *ctx, gint64 id)
{
  sqlite3_stmt *st = NULL;
  gboolean found = FALSE;
  if (sqlite3_prepare_v2 (ctx->db, "SELECT 1 FROM experiment WHERE id = ?1", -1, &st, NULL)
      != SQLITE_OK)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  found = sqlite3_step (st) == SQLITE_ROW;
  sqlite3_finalize (st);
  return found;
}

int
plot_main (int argc, char **argv)
{
  const char *db = NULL, *outdir = NULL, *format = "png";
  gint64 experiment = 0;
  gboolean quiet = FALSE;
  g_autoptr (GArray) figs = g_array_new (FALSE, TRUE, sizeof (Figure));
  Figure *cur = NULL;

  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i], *v;
      gboolean missing = FALSE;
      if (strcmp (a, "-h") == 0 || strcmp (a, "--help") == 0)
        {
          usage (stdout);
          return 0;
        }
      if (strcmp (a, "-q") == 0 || strcmp (a, "--quiet") == 0)
        quiet = TRUE;
      else if ((v = option_value (argc, argv, &i, "--experiment", &missing)) != NULL)
        {
          if (!parse_int64 (v, &experiment))
            {
              fprintf (stderr, "sipsim plot: --experiment wants a positive id, got '%s'\n", v);
              return 2;
            }
        }
      else if ((v = option_value (argc, argv, &i, "--format", &missing)) != NULL)
        format = v;
      else if ((v = option_value (argc, argv, &i, "-o", &missing)) != NULL
               || (v = option_value (argc, argv, &i, "--output", &missing)) != NULL)
        outdir = v;
      else if (strcmp (a, "cdf") == 0 || strcmp (a, "sweep") == 0 || strcmp (a, "timeline") == 0)
        {
          Figure f = { .kind = a[0] == 'c' ? KIND_CDF : a[0] == 's' ? KIND_SWEEP : KIND_TIMELINE };
          g_array_append_val (figs, f);
          cur = &g_array_index (figs, Figure, figs->len - 1);
        }
      else if (strcmp (a, "--metric") == 0 || g_str_has_prefix (a, "--metric=")
               || strcmp (a, "--x") == 0 || g_str_has_prefix (a, "--x=")
               || strcmp (a, "--by") == 0 || g_str_has_prefix (a, "--by=")
               || strcmp (a, "--run") == 0 || g_str_has_prefix (a, "--run="))
        {
          gsize len = strcspn (a, "=");
          g_autofree char *opt = g_strndup (a, len);
          if (cur == NULL)
            {
              fprintf (stderr, "sipsim plot: %s belongs to a kind (cdf, sweep, timeline): "
                       "put it after one\n", opt);
              return 2;
            }
          v = option_value (argc, argv, &i, opt, &missing);
          if (v == NULL)
            {
              fprintf (stderr, "sipsim plot: %s needs a value\n", opt);
              return 2;
            }
          if (strcmp (opt, "--metric") == 0)
            cur->metric = v;
          else if (strcmp (opt, "--x") == 0)
            cur->x = v;
          else if (strcmp (opt, "--by") == 0)
            cur->by = v;
          else if (!parse_int64 (v, &cur->run))
            {
              fprintf (stderr, "sipsim plot: --run wants a positive run id, got '%s'\n", v);
              return 2;
            }
        }
      else if (missing)
        {
          fprintf (stderr, "sipsim plot: %s needs a value\n", a);
          return 2;
        }
      else if (a[0] == '-' || db != NULL)
        {
          fprintf (stderr, "sipsim plot: unexpected argument '%s'\n\n", a);
          usage (stderr);
          return 2;
        }
      else
        db = a;
      if (missing)
        {
          fprintf (stderr, "sipsim plot: %s needs a value\n", a);
          return 2;
        }
    }
  if (db == NULL)
    {
      usage (stderr);
      return 2;
    }

  PlotCtx ctx = { 0 };
  if (strcmp (format, "png") == 0)
    ctx.format = PLOT_PNG;
  else if (strcmp (format, "svg") == 0)
    ctx.format = PLOT_SVG;
  else if (strcmp (format, "dumb") == 0)
    ctx.format = PLOT_DUMB;
  else
    {
      fprintf (stderr, "sipsim plot: --format is png, svg or dumb, got '%s'\n", format);
      return 2;
    }
  if (!g_file_test (db, G_FILE_TEST_IS_REGULAR))
    {
      fprintf (stderr, "sipsim plot: no such database: %s\n", db);
      return 2;
    }
  GError *e = NULL;
  ctx.store = store_open_readonly (db, &e);
  if (ctx.store == NULL)
    {
      fprintf (stderr, "sipsim plot: %s\n", e->message);
      g_error_free (e);
      return 2;
    }
  ctx.db = store_get_db (ctx.store);
  ctx.db_path = g_strdup (db);
  ctx.quiet = quiet;
  ctx.written = g_ptr_array_new_with_free_func (g_free);
  ctx.experiment = experiment != 0 ? experiment : store_latest_experiment (ctx.store);
  int status = 0;
  if (ctx.experiment == 0)
    {
      fprintf (stderr, "sipsim plot: %s has no experiment\n", db);
      status = 1;
      goto out;
    }
  if (!experiment_exists (&ctx, ctx.experiment))
    {
      fprintf (stderr, "sipsim plot: %s has no experiment %" G_GINT64_FORMAT "\n",
               db, ctx.experiment);
      status = 2;
      goto out;
    }
  ctx.outdir = outdir != NULL ? g_strdup (outdir) : default_outdir (db);
  if (g_mkdir_with_parents (ctx.outdir, 0777) != 0)
    {
      fprintf (stderr, "sipsim plot: cannot create %s: %s\n", ctx.outdir, g_strerror (errno));
      status = 1;
      goto out;
    }

  if (figs->len == 0)
    {
      if (!draw_defaults (&ctx, &e))
        {
          fprintf (stderr, "sipsim plot: %s\n", e->message);
          status = exit_code (e);
          g_clear_error (&e);
        }
    }
  else
    for (guint i = 0; i < figs->len; i++)
      if (!draw (&ctx, &g_array_index (figs, Figure, i), &e))
        {
          fprintf (stderr, "sipsim plot: %s\n", e->message);
          if (status == 0 || exit_code (e) == 2)
            status = exit_code (e);
          g_clear_error (&e);
        }

  if (!quiet)
    {
      for (guint i = 0; i < ctx.written->len; i++)
        printf ("%s\n", (const char *) ctx.written->pdata[i]);
      if (ctx.written->len > 0)
        printf ("(each with its .gp script and .dat data beside it: "
                "cd %s && gnuplot NAME.gp)\n", ctx.outdir);
    }
out:
  g_ptr_array_unref (ctx.written);
  g_free (ctx.outdir);
  g_free (ctx.db_path);
  store_close (ctx.store);
  return status;
}
