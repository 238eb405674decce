/*
 * experiment/plot-sweep.c - `sipsim plot DB sweep --metric M --x VAR
 * [--by VAR2]`: the mean of a run-aggregate metric against a swept
 * variable, with 95 % confidence intervals, and the t quantiles behind
 * them.
 *
 * Notes
 *
 * 1. Grouping: runs are grouped by (values of the other swept variables,
 *    value of VAR2, value of VAR).  Runs of different sweep points are
 *    never pooled: the replications of one point are the sample a mean
 *    and its interval describe, and two points are different
 *    experiments.  So every other variable gets one panel per value (a
 *    multiplot, panels in sweep order, at most PLOT_MAX_PANELS), VAR2 one
 *    curve per value.  NULL values are left out (doc/metrics.md: NULL is
 *    "not defined", not 0); the title counts the runs drawn.
 *
 * 2. x axis: numeric when every value of VAR parses as a number (sorted
 *    numerically), else categories in sweep order at x = 0, 1, ... with
 *    their text as tic labels.  Curves (VAR2 values) likewise.
 *
 *    Numeric x is drawn with yerrorlines, categories with yerrorbars
 *    (points, no line: there is nothing between two categories).  A
 *    numeric x whose values are all > 0 and span two decades or more
 *    (max / min >= 100) is drawn on a log axis.
 *
 * 2b. y axis: the metric's label and unit from the registry (metrics.h);
 *    a metric that cannot be negative is never drawn below zero, a
 *    fraction never above one: the axis starts at 0 and an interval is
 *    clipped to [min, max] of the metric's definition (the .dat keeps
 *    the unclipped half-width in column 6).
 *
 * 3. Data: NAME.dat, one block per (panel, curve) that has values, in
 *    that order (gnuplot `index i`; a comment line names each), columns
 *      1 x   2 mean   3 ci_low   4 ci_high   5 n   6 half_width   7 sd   8 label
 *    With n = 1 there is no interval: ci_low = ci_high = mean and
 *    half_width, sd are NaN.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/plot-private.h"
#include "experiment/metrics.h"

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

#define PLOT_MAX_PANELS 16

static gboolean
variable_known (char **vars, const char *name)
{
  return vars != NULL && g_strv_contains ((const char * const *) vars, name);
}

typedef struct {
  const char *metric, *x, *by;
  char      **vars;
  char      **others;     /* the variables neither x nor by, sweep order */
  Levels      xs, bs, ps; /* x values, curve values, panel keys */
  GHashTable *cells;      /* "panel\x1fcurve\x1fx" -> GArray of double */
  guint       total;
  guint       nulls;      /* runs whose value is NULL (left out) */
  double      lo, hi;     /* range of the drawn intervals */
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

/* The value of @var in point key "a=1,b=2"; newly allocated, NULL if absent. */
static char *
key_value (const char *key, const char *var)
{
  g_auto (GStrv) parts = g_strsplit (key, ",", -1);
  gsize n = strlen (var);
  for (guint i = 0; parts[i]; i++)
    if (strncmp (parts[i], var, n) == 0 && parts[i][n] == '=')
      return g_strdup (parts[i] + n + 1);
  return NULL;
}

static char *
cell_key (const char *p, const char *b, const char *x)
{
  return g_strconcat (p, "\x1f", b, "\x1f", x, NULL);
}

static gboolean
sweep_render (PlotCtx *ctx, Sweep *sw, GError **error)
{
  const MetricInfo *mi = metrics_info (sw->metric);
  double mmin = mi ? mi->min : -INFINITY, mmax = mi ? mi->max : INFINITY;
  g_autofree char *sm = plot_safe_name (sw->metric);
  g_autofree char *sx = plot_safe_name (sw->x);
  g_autofree char *sb = sw->by != NULL ? plot_safe_name (sw->by) : NULL;
  g_autofree char *name = sw->by != NULL ? g_strdup_printf ("sweep-%s-%s-by-%s", sm, sx, sb)
                                         : g_strdup_printf ("sweep-%s-%s", sm, sx);
  g_autofree char *dat_file = g_strconcat (name, ".dat", NULL);
  g_autofree char *dq = plot_gp_quote (dat_file);

  guint n_panels = MIN (sw->ps.levels->len, PLOT_MAX_PANELS);
  g_autoptr (GString) dat = g_string_new (NULL);
  g_autoptr (GPtrArray) panel_plots = g_ptr_array_new_with_free_func (g_free);
  g_string_append_printf (dat,
                          "# %s: mean of %s against %s%s%s, 95 %% confidence interval (Student t, n-1 df)\n"
                          "# over the replications of each sweep point; ci_low/ci_high clipped to "
                          "the metric's range [%g, %g], half_width not\n"
                          "# columns: x mean ci_low ci_high n half_width sd label\n",
                          ctx->scenario_name, sw->metric, sw->x,
                          sw->by != NULL ? ", one block per value of " : "",
                          sw->by != NULL ? sw->by : "", mmin, mmax);
  guint index = 0;
  sw->lo = INFINITY;
  sw->hi = -INFINITY;
  for (guint p = 0; p < n_panels; p++)
    {
      const Level *pl = sw->ps.levels->pdata[p];
      GString *plot = g_string_new ("plot ");
      guint curves = 0;
      for (guint b = 0; b < sw->bs.levels->len; b++)
        {
          const Level *bl = sw->bs.levels->pdata[b];
          gboolean any = FALSE;
          for (guint i = 0; i < sw->xs.levels->len; i++)
            {
              const Level *xl = sw->xs.levels->pdata[i];
              g_autofree char *k = cell_key (pl->text, bl->text, xl->text);
              GArray *a = g_hash_table_lookup (sw->cells, k);
              if (a == NULL)
                continue;
              if (!any)
                g_string_append_printf (dat, "%s# block %u: %s%s%s%s\n", index > 0 ? "\n\n" : "",
                                        index, pl->text, *pl->text && sw->by ? ", " : "",
                                        sw->by ? sw->by : "", sw->by ? "=" : "");
              if (!any && sw->by)
                {
                  g_string_truncate (dat, dat->len - 1);
                  g_string_append_printf (dat, "%s\n", bl->text);
                }
              any = TRUE;
              double mean = 0, half = NAN, sd = NAN;
              plot_mean_ci ((const double *) a->data, a->len, &mean, &half, &sd);
              double lo = isnan (half) ? mean : MAX (mmin, mean - half);
              double hi = isnan (half) ? mean : MIN (mmax, mean + half);
              sw->lo = MIN (sw->lo, lo);
              sw->hi = MAX (sw->hi, hi);
              g_autofree char *lq = plot_gp_quote (xl->text);
              /* categories: the curves side by side around their
               * category (a dodge), so equal means do not hide each other */
              double nb = sw->bs.levels->len;
              append_num (dat, sw->xs.numeric ? xl->num
                               : (double) xl->order + (nb > 1 ? (b - (nb - 1) / 2) * 0.3 / nb : 0));
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
          if (!any)
            continue;
          g_autofree char *title = sw->by != NULL ? g_strdup_printf ("%s=%s", sw->by, bl->text)
                                                  : g_strdup_printf ("mean %s", sw->metric);
          g_autofree char *tq = plot_gp_quote (title);
          /* categories are not on a scale: no line between them; the
           * same colour for the same curve value in every panel */
          static const guint point_types[] = { 7, 5, 9, 11, 13, 15, 4, 6, 8, 10, 12, 14 };
          g_string_append_printf (plot, "%s%s index %u using 1:2:3:4 with %s lw 2 pt %u ps 1.2 lc %u title %s",
                                  curves > 0 ? ", \\\n     " : "", dq, index,
                                  sw->xs.numeric ? "yerrorlines" : "yerrorbars",
                                  point_types[b % G_N_ELEMENTS (point_types)], b + 1, tq);
          curves++;
          index++;
        }
      g_string_append_c (plot, '\n');
      g_ptr_array_add (panel_plots, curves ? g_string_free (plot, FALSE) : (g_string_free (plot, TRUE), NULL));
    }
  if (!plot_write (ctx, dat_file, dat->str, error))
    return FALSE;

  /* Titles: scenario, metric, what is drawn how. */
  const char *xunit = NULL;
  g_autofree char *xlabel = plot_variable_label (ctx, sw->x, &xunit);
  g_autofree char *ylabel = metrics_axis_label (sw->metric);
  g_autoptr (GString) how = g_string_new (NULL);
  g_string_append_printf (how, "mean and 95 %% CI (Student t) over each point's replications, %u runs", sw->total);
  if (sw->nulls)
    g_string_append_printf (how, " (%u more with %s NULL, left out)", sw->nulls, sw->metric);
  if (sw->by)
    g_string_append_printf (how, "; one curve per %s", sw->by);
  if (sw->others[0])
    {
      g_autofree char *o = g_strjoinv (", ", sw->others);
      g_string_append_printf (how, "; one panel per %s", o);
      if (sw->ps.levels->len > n_panels)
        g_string_append_printf (how, " (first %u of %u: use --by or a [plot] entry)", n_panels,
                                sw->ps.levels->len);
    }
  gboolean multi = MIN (sw->ps.levels->len, PLOT_MAX_PANELS) > 1;
  g_autofree char *title = g_strdup_printf ("%s: %s against %s\n%s%s%s", ctx->scenario_name,
                                            mi ? mi->label : sw->metric, sw->x, how->str,
                                            multi ? "\n" : "", multi ? xlabel : "");
  if (multi)
    {
      g_free (xlabel);
      xlabel = g_strdup_printf ("%s%s%s%s", sw->x, xunit ? " (" : "", xunit ? xunit : "", xunit ? ")" : "");
    }
  char *tq = plot_gp_quote (title);
  g_autofree char *xq = plot_gp_quote (xlabel);
  g_autofree char *yq = plot_gp_quote (ylabel);
  g_autofree char *yr = plot_y_range (sw->metric, sw->lo, sw->hi);
  gboolean logx = FALSE;
  if (sw->xs.numeric && sw->xs.levels->len >= 2)
    {
      const Level *first = sw->xs.levels->pdata[0];
      const Level *last = sw->xs.levels->pdata[sw->xs.levels->len - 1];
      logx = first->num > 0 && last->num / first->num >= 100;
    }
  GString *body = g_string_new (NULL);
  /* text panels have no room for a rotated y label: it goes in the title */
  gboolean text_panels = multi && ctx->format == PLOT_DUMB;
  if (text_panels)
    {
      g_autofree char *t2 = g_strdup_printf ("%s\ny: %s", title, ylabel);
      g_free (tq);
      tq = plot_gp_quote (t2);
    }
  g_string_append_printf (body, "set xlabel %s\n%s%s%s\nset grid\n%s%s", xq,
                          text_panels ? "unset ylabel" : "set ylabel ", text_panels ? "" : yq, "", yr,
                          logx ? "set logscale x\nset xtics nomirror\n"
                                 "# the x values span two decades or more: a log axis\n" : "");
  if (!sw->xs.numeric)
    {
      /* category names as tics at 0, 1, ... (the curves sit around them) */
      g_string_append (body, "set xtics (");
      for (guint i = 0; i < sw->xs.levels->len; i++)
        {
          const Level *l = sw->xs.levels->pdata[i];
          g_autofree char *lq = plot_gp_quote (l->text);
          g_string_append_printf (body, "%s%s %u", i ? ", " : "", lq, i);
        }
      g_string_append_printf (body, ")\nset xrange [-0.5:%u.5]\n", sw->xs.levels->len - 1);
    }
  else
    {
      /* a tic at every swept value, so every point sits on one; a label
       * only where it keeps its distance from the last labelled one (6 %
       * of the axis, 10 % in a panel), the others as minor tics */
      const Level *f = sw->xs.levels->pdata[0], *l = sw->xs.levels->pdata[sw->xs.levels->len - 1];
      double span = logx ? log (l->num / f->num) : l->num - f->num;
      double min_gap = n_panels > 1 ? 0.1 : 0.06, last = -INFINITY;
      g_string_append (body, "set xtics (");
      for (guint i = 0; i < sw->xs.levels->len; i++)
        {
          const Level *v = sw->xs.levels->pdata[i];
          double pos = span > 0 ? (logx ? log (v->num / f->num) : v->num - f->num) / span : 0;
          gboolean label = i == 0 || pos - last >= min_gap;
          g_autofree char *lq = plot_gp_quote (label ? v->text : "");
          g_string_append_printf (body, "%s%s %.12g%s", i ? ", " : "", lq, v->num, label ? "" : " 1");
          if (label)
            last = pos;
        }
      g_string_append (body, ")\n");
    }
  if (n_panels <= 1)
    {
      g_string_append_printf (body, "set title %s\n%s\n%s", tq,
                              sw->by ? "set key outside right top" : "unset key",
                              panel_plots->len && panel_plots->pdata[0] ? (char *) panel_plots->pdata[0] : "");
    }
  else
    {
      guint cols = n_panels <= 3 ? n_panels : n_panels <= 4 ? 2 : n_panels <= 9 ? 3 : 4;
      guint rows = (n_panels + cols - 1) / cols;
      ctx->height = MAX (520, 110 + 300 * rows);
      double top = 1.0 - 105.0 / ctx->height;
      g_string_append_printf (body,
                              "# one panel per value of the other swept variables (never pooled)\n"
                              "set multiplot layout %u,%u title %s margins 0.08,%.2f,%.3f,%.3f spacing 0.08,%.3f\n",
                              rows, cols, tq, ctx->format == PLOT_DUMB ? 0.74 : 0.80,
                              60.0 / ctx->height, top, 90.0 / ctx->height);
      for (guint p = 0; p < n_panels; p++)
        {
          const Level *pl = sw->ps.levels->pdata[p];
          g_autofree char *pt = plot_gp_quote (pl->text);
          g_string_append_printf (body, "set title %s\n%s", pt,
                                  p > 0 ? "unset key\n"
                                  : ctx->format == PLOT_DUMB ? "set key at screen 0.76, screen 0.6 left top reverse Left\n"
                                  : "set key at screen 0.995, screen 0.5 right center\n");
          if (panel_plots->pdata[p])
            g_string_append (body, panel_plots->pdata[p]);
          else
            g_string_append_printf (body, "set multiplot next\n");
        }
      g_string_append (body, "unset multiplot\n");
    }
  g_free (tq);
  g_autofree char *b = g_string_free (body, FALSE);
  return plot_render (ctx, name, b, error);
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
  if (sqlite3_prepare_v2 (ctx->db,
                          "SELECT point_key, value FROM run_metric"
                          " WHERE experiment_id = ?1 AND name = ?2 AND value IS NOT NULL"
                          " ORDER BY point, replication", -1, &st, NULL) != SQLITE_OK)
    return plot_sql_error (ctx, error);
  sqlite3_bind_int64 (st, 1, ctx->experiment);
  sqlite3_bind_text (st, 2, metric, -1, SQLITE_STATIC);

  g_autoptr (GPtrArray) others = g_ptr_array_new ();
  for (guint i = 0; vars[i]; i++)
    if (strcmp (vars[i], x) != 0 && (by == NULL || strcmp (vars[i], by) != 0))
      g_ptr_array_add (others, vars[i]);
  g_ptr_array_add (others, NULL);
  Sweep sw = { .metric = metric, .x = x, .by = by, .vars = vars, .others = (char **) others->pdata };
  levels_init (&sw.xs);
  levels_init (&sw.bs);
  levels_init (&sw.ps);
  sw.cells = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_array_unref);
  sqlite3_stmt *nq = NULL;
  if (sqlite3_prepare_v2 (ctx->db, "SELECT count(*) FROM run_metric WHERE experiment_id = ?1"
                          " AND name = ?2 AND value IS NULL", -1, &nq, NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (nq, 1, ctx->experiment);
      sqlite3_bind_text (nq, 2, metric, -1, SQLITE_STATIC);
      if (sqlite3_step (nq) == SQLITE_ROW)
        sw.nulls = (guint) sqlite3_column_int (nq, 0);
    }
  sqlite3_finalize (nq);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      const char *key = (const char *) sqlite3_column_text (st, 0);
      double v = sqlite3_column_double (st, 1);
      g_autofree char *xv = key_value (key, x);
      g_autofree char *bv = by ? key_value (key, by) : g_strdup ("");
      if (!xv || !bv)
        continue;
      GString *pk = g_string_new (NULL);
      for (guint i = 0; sw.others[i]; i++)
        {
          g_autofree char *ov = key_value (key, sw.others[i]);
          g_string_append_printf (pk, "%s%s=%s", i ? ", " : "", sw.others[i], ov ? ov : "");
        }
      levels_add (&sw.xs, xv);
      levels_add (&sw.bs, bv);
      Level *pl = levels_add (&sw.ps, pk->str);
      pl->num = 0;
      sw.ps.numeric = FALSE;   /* panels stay in sweep order */
      char *k = cell_key (pk->str, bv, xv);
      g_string_free (pk, TRUE);
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
      levels_sort (&sw.ps);
      ok = sweep_render (ctx, &sw, error);
    }
  g_hash_table_unref (sw.cells);
  levels_clear (&sw.xs);
  levels_clear (&sw.bs);
  levels_clear (&sw.ps);
  return ok;
}
