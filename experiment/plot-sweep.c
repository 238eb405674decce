/*
 * experiment/plot-sweep.c - `sipsim plot DB sweep --metric M --x VAR
 * [--by VAR2]`: the mean of a run-aggregate metric against a swept
 * variable, with 95 % confidence intervals, and the t quantiles behind
 * them.
 *
 * Notes
 *
 * 1. Grouping: runs are grouped by (value of VAR2, value of VAR); other
 *    swept variables are averaged over (the title says which), NULL
 *    values are left out (doc/metrics.md: NULL is "not defined", not 0).
 *
 * 2. x axis: numeric when every value of VAR parses as a number (sorted
 *    numerically), else categories in sweep order at x = 0, 1, ... with
 *    their text as tic labels.  Curves (VAR2 values) likewise.
 *
 *    Numeric x is drawn with yerrorlines, categories with yerrorbars
 *    (points, no line: there is nothing between two categories).
 *
 * 3. Data: NAME.dat, one block per curve (gnuplot `index i`), columns
 *      1 x   2 mean   3 ci_low   4 ci_high   5 n   6 half_width   7 sd   8 label
 *    With n = 1 there is no interval: ci_low = ci_high = mean and
 *    half_width, sd are NaN.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/plot-private.h"

/* Student's t, 0.975 quantile, df = 1..30 (any statistics table, e.g.
 * NIST/SEMATECH e-Handbook 1.3.6.7.2). */
static const double t975_table[30] = {
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
  2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
  2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
};

double
plot_t975 (guint df)
{
  g_return_val_if_fail (df >= 1, NAN);
  if (df <= 30)
    return t975_table[df - 1];
  /* Cornish-Fisher expansion of t around the normal quantile z
   * (Abramowitz & Stegun 26.7.5): error below 1e-4 for df > 30. */
  const double z = 1.959963984540054, n = df;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
  const double g1 = (z3 + z) / 4;
  const double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  return z + g1 / n + g2 / (n * n) + g3 / (n * n * n) + g4 / (n * n * n * n);
}

gboolean
plot_mean_ci (const double *values, guint n, double *mean, double *half_width, double *sd)
{
  g_return_val_if_fail (values != NULL || n == 0, FALSE);
  if (n == 0)
    return FALSE;
  double sum = 0;
  for (guint i = 0; i < n; i++)
    sum += values[i];
  double m = sum / n;
  double s = NAN, h = NAN;
  if (n >= 2)
    {
      double ss = 0;
      for (guint i = 0; i < n; i++)
        ss += (values[i] - m) * (values[i] - m);
      s = sqrt (ss / (n - 1));
      h = plot_t975 (n - 1) * s / sqrt ((double) n);
    }
  if (mean != NULL)
    *mean = m;
  if (half_width != NULL)
    *half_width = h;
  if (sd != NULL)
    *sd = s;
  return TRUE;
}

/* ------------------------------------------------------------ grouping */

typedef struct {
  char   *text;
  double  num;
  guint   order;     /* first appearance */
} Level;

typedef struct {
  GPtrArray  *levels;     /* Level * */
  GHashTable *index;      /* text -> Level * */
  gboolean    numeric;
} Levels;

static void
level_free (gpointer p)
{
  Level *l = p;
  g_free (l->text);
  g_free (l);
}

static void
levels_init (Levels *ls)
{
  ls->levels = g_ptr_array_new_with_free_func (level_free);
  ls->index = g_hash_table_new (g_str_hash, g_str_equal);
  ls->numeric = TRUE;
}

static void
levels_clear (Levels *ls)
{
  g_hash_table_unref (ls->index);
  g_ptr_array_unref (ls->levels);
}

static Level *
levels_add (Levels *ls, const char *text)
{
  Level *l = g_hash_table_lookup (ls->index, text);
  if (l != NULL)
    return l;
  l = g_new0 (Level, 1);
  l->text = g_strdup (text);
  l->order = ls->levels->len;
  char *end = NULL;
  l->num = g_ascii_strtod (text, &end);
  if (*text == '\0' || end == NULL || *end != '\0' || !isfinite (l->num))
    ls->numeric = FALSE;
  g_ptr_array_add (ls->levels, l);
  g_hash_table_insert (ls->index, l->text, l);
  return l;
}

static gint
level_cmp_num (gconstpointer a, gconstpointer b)
{
  const Level *x = *(Level * const *) a, *y = *(Level * const *) b;
  return x->num < y->num ? -1 : x->num > y->num ? 1 : 0;
}

static gint
level_cmp_order (gconstpointer a, gconstpointer b)
{
  const Level *x = *(Level * const *) a, *y = *(Level * const *) b;
  return x->order < y->order ? -1 : x->order > y->order ? 1 : 0;
}

/* Sorts the levels (numeric or first-appearance) and renumbers .order to
 * the sorted position. */
static void
levels_sort (Levels *ls)
{
  g_ptr_array_sort (ls->levels, ls->numeric ? level_cmp_num : level_cmp_order);
  for (guint i = 0; i < ls->levels->len; i++)
    ((Level *) ls->levels->pdata[i])->order = i;
}

static gboolean
variable_known (char **vars, const char *name)
{
  return vars != NULL && g_strv_contains ((const char * const *) vars, name);
}

typedef struct {
  const char *metric, *x, *by;
  char      **vars;
  Levels      xs, bs;
  GHashTable *cells;
  guint       total;
} Sweep;

/* %.12g, or "NaN" (which gnuplot reads as a missing value). */
static void
append_num (GString *s, double v)
{
  if (isnan (v))
    g_string_append (s, "NaN");
  else
    g_string_append_printf (s, "%.12g", v);
}

static gboolean
sweep_render (PlotCtx *ctx, const Sweep *sw, GError **error)
{
  g_autofree char *sm = plot_safe_name (sw->metric);
  g_autofree char *sx = plot_safe_name (sw->x);
  g_autofree char *sb = sw->by != NULL ? plot_safe_name (sw->by) : NULL;
  g_autofree char *name = sw->by != NULL ? g_strdup_printf ("sweep-%s-%s-by-%s", sm, sx, sb)
                                         : g_strdup_printf ("sweep-%s-%s", sm, sx);
  g_autofree char *dat_file = g_strconcat (name, ".dat", NULL);
  g_autofree char *dq = plot_gp_quote (dat_file);

  g_autoptr (GString) dat = g_string_new (NULL);
  g_autoptr (GString) plot = g_string_new ("plot ");
  g_string_append_printf (dat,
                          "# mean of %s against %s%s%s, 95 %% confidence interval (Student t, n-1 df)\n"
                          "# columns: x mean ci_low ci_high n half_width sd label\n",
                          sw->metric, sw->x, sw->by != NULL ? ", one block per value of " : "",
                          sw->by != NULL ? sw->by : "");
  for (guint b = 0; b < sw->bs.levels->len; b++)
    {
      const Level *bl = sw->bs.levels->pdata[b];
      if (sw->by != NULL)
        g_string_append_printf (dat, "%s# %s=%s\n", b > 0 ? "\n\n" : "", sw->by, bl->text);
      for (guint i = 0; i < sw->xs.levels->len; i++)
        {
          const Level *xl = sw->xs.levels->pdata[i];
          g_autofree char *k = g_strconcat (bl->text, "\x1f", xl->text, NULL);
          GArray *a = g_hash_table_lookup (sw->cells, k);
          if (a == NULL)
            continue;
          double mean = 0, half = NAN, sd = NAN;
          plot_mean_ci ((const double *) a->data, a->len, &mean, &half, &sd);
          double lo = isnan (half) ? mean : mean - half, hi = isnan (half) ? mean : mean + half;
          g_autofree char *lq = plot_gp_quote (xl->text);
          append_num (dat, sw->xs.numeric ? xl->num : (double) xl->order);
          g_string_append_c (dat, ' ');
          append_num (dat, mean);
          g_string_append_c (dat, ' ');
          append_num (dat, lo);
          g_string_append_c (dat, ' ');
          append_num (dat, hi);
          g_string_append_printf (dat, " %u ", a->len);
          append_num (dat, half);
          g_string_append_c (dat, ' ');
          append_num (dat, sd);
          g_string_append_printf (dat, " %s\n", lq);
        }
      g_autofree char *title = sw->by != NULL ? g_strdup_printf ("%s=%s", sw->by, bl->text)
                                              : g_strdup_printf ("mean %s", sw->metric);
      g_autofree char *tq = plot_gp_quote (title);
      /* categories are not on a scale: no line between them */
      g_string_append_printf (plot, "%s%s index %u using 1:2:3:4%s with %s lw 2 pt 7 title %s",
                              b > 0 ? ", \\\n     " : "", dq, b,
                              sw->xs.numeric ? "" : ":xticlabels(8)",
                              sw->xs.numeric ? "yerrorlines" : "yerrorbars", tq);
    }
  g_string_append_c (plot, '\n');
  if (!plot_write (ctx, dat_file, dat->str, error))
    return FALSE;

  /* The variables averaged over, for the title. */
  g_autoptr (GString) others = g_string_new (NULL);
  for (guint i = 0; sw->vars[i] != NULL; i++)
    if (strcmp (sw->vars[i], sw->x) != 0 && (sw->by == NULL || strcmp (sw->vars[i], sw->by) != 0))
      g_string_append_printf (others, "%s%s", others->len > 0 ? ", " : "", sw->vars[i]);
  g_autofree char *title = g_strdup_printf ("Mean %s against %s%s%s, 95 %% CI (Student t), %u runs%s%s",
                                            sw->metric, sw->x,
                                            sw->by != NULL ? ", one curve per " : "",
                                            sw->by != NULL ? sw->by : "", sw->total,
                                            others->len > 0 ? "\naveraged over " : "",
                                            others->str);
  g_autofree char *tq = plot_gp_quote (title);
  g_autofree char *xq = plot_gp_quote (sw->x);
  g_autofree char *yq = plot_gp_quote (sw->metric);
  g_autofree char *body = g_strdup_printf ("set title %s\n"
                                           "set xlabel %s\n"
                                           "set ylabel %s\n"
                                           "set grid\n"
                                           "set key outside right\n"
                                           "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n"
                                           "%s",
                                           tq, xq, yq, plot->str);
  return plot_render (ctx, name, body, error);
}

gboolean
plot_sweep (PlotCtx *ctx, const char *metric, const char *x, const char *by, GError **error)
{
  g_auto (GStrv) vars = plot_variables (ctx, error);
  if (vars == NULL)
    return FALSE;
  guint n_values = 0;
  if (!plot_metric_exists (ctx, metric, &n_values))
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE,
                   "sweep: experiment %" G_GINT64_FORMAT " has no metric '%s'",
                   ctx->experiment, metric);
      return FALSE;
    }
  const char *check[2] = { x, by };
  for (guint i = 0; i < 2; i++)
    if (check[i] != NULL && !variable_known (vars, check[i]))
      {
        g_autofree char *known = g_strjoinv (", ", vars);
        g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE,
                     "sweep: experiment %" G_GINT64_FORMAT " has no swept variable '%s' "
                     "(swept: %s)", ctx->experiment, check[i],
                     vars[0] != NULL ? known : "none");
        return FALSE;
      }
  if (by != NULL && strcmp (by, x) == 0)
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE,
                   "sweep: --by names the same variable as --x (%s)", x);
      return FALSE;
    }

  sqlite3_stmt *st = NULL;
  const char *sql = by != NULL
    ? "SELECT px.value, pb.value, m.value FROM run_metric m"
      " JOIN param px ON px.run_id = m.run_id AND px.name = ?3"
      " JOIN param pb ON pb.run_id = m.run_id AND pb.name = ?4"
      " WHERE m.experiment_id = ?1 AND m.name = ?2 AND m.value IS NOT NULL"
      " ORDER BY m.point, m.replication"
    : "SELECT px.value, '', m.value FROM run_metric m"
      " JOIN param px ON px.run_id = m.run_id AND px.name = ?3"
      " WHERE m.experiment_id = ?1 AND m.name = ?2 AND m.value IS NOT NULL"
      " ORDER BY m.point, m.replication";
  if (sqlite3_prepare_v2 (ctx->db, sql, -1, &st, NULL) != SQLITE_OK)
    return plot_sql_error (ctx, error);
  sqlite3_bind_int64 (st, 1, ctx->experiment);
  sqlite3_bind_text (st, 2, metric, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, x, -1, SQLITE_STATIC);
  if (by != NULL)
    sqlite3_bind_text (st, 4, by, -1, SQLITE_STATIC);

  Sweep sw = { .metric = metric, .x = x, .by = by, .vars = vars };
  levels_init (&sw.xs);
  levels_init (&sw.bs);
  /* "b\x1fx" -> GArray of double */
  sw.cells = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_array_unref);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      const char *xv = (const char *) sqlite3_column_text (st, 0);
      const char *bv = (const char *) sqlite3_column_text (st, 1);
      double v = sqlite3_column_double (st, 2);
      levels_add (&sw.xs, xv);
      levels_add (&sw.bs, bv);
      char *k = g_strconcat (bv, "\x1f", xv, NULL);
      GArray *a = g_hash_table_lookup (sw.cells, k);
      if (a == NULL)
        {
          a = g_array_new (FALSE, FALSE, sizeof (double));
          g_hash_table_insert (sw.cells, k, a);
        }
      else
        g_free (k);
      g_array_append_val (a, v);
      sw.total++;
    }
  sqlite3_finalize (st);
  gboolean ok = FALSE;
  if (rc != SQLITE_DONE)
    plot_sql_error (ctx, error);
  else if (sw.total == 0)
    g_set_error (error, PLOT_ERROR, PLOT_ERROR_NOTHING,
                 "sweep: nothing to plot: no run has a value of %s", metric);
  else
    {
      levels_sort (&sw.xs);
      levels_sort (&sw.bs);
      ok = sweep_render (ctx, &sw, error);
    }
  g_hash_table_unref (sw.cells);
  levels_clear (&sw.xs);
  levels_clear (&sw.bs);
  return ok;
}
