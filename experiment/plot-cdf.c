/*
 * experiment/plot-cdf.c - `sipsim plot DB cdf [--metric M]`: the
 * empirical CDF of a run-aggregate metric, one curve per sweep point.
 *
 * Notes
 *
 * 1. Data: NAME.dat has one block per sweep point (gnuplot `index i`),
 *    rows "value fraction": the first row is (x1, 0) so the curve starts
 *    on the axis, then one row per distinct value x with the fraction of
 *    the point's values <= x.  Drawn `with steps`, this is the
 *    right-continuous empirical CDF F(x) = #{v <= x} / n.
 *
 * 3. Many curves.  Up to 8 sweep points get gnuplot's distinct colours;
 *    more get a colour ramp in sweep order (dark blue to yellow, so
 *    neighbouring points have neighbouring colours and the order reads
 *    off the legend), thinner lines, and a taller image so the legend,
 *    outside the data on the right, has a line per point.
 *
 * 4. Axes: x is the metric with its unit (metrics.h registry), from 0
 *    for a non-negative metric; y is the fraction of the point's runs.
 *
 * 2. NULL values (failover_s of a run whose failover did not complete,
 *    or with no fault: doc/metrics.md) are not values: they are left out
 *    of n and counted in the title, never drawn as 0.
 */
#include <math.h>
#include <string.h>

#include "experiment/plot-private.h"
#include "experiment/metrics.h"

typedef struct {
  char   *key;
  GArray *values;   /* double, ascending (SQL ORDER BY) */
  guint   nulls;
} CdfPoint;

static void
cdf_point_free (gpointer p)
{
  CdfPoint *c = p;
  g_free (c->key);
  g_array_unref (c->values);
  g_free (c);
}

gboolean
plot_cdf (PlotCtx *ctx, const char *metric, GError **error)
{
  guint n_values = 0;
  if (!plot_metric_exists (ctx, metric, &n_values))
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE,
                   "cdf: experiment %" G_GINT64_FORMAT " has no metric '%s'",
                   ctx->experiment, metric);
      return FALSE;
    }

  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (ctx->db,
                          "SELECT point_key, value FROM run_metric"
                          " WHERE experiment_id = ?1 AND name = ?2"
                          " ORDER BY point, point_key, value",
                          -1, &st, NULL) != SQLITE_OK)
    return plot_sql_error (ctx, error);
  sqlite3_bind_int64 (st, 1, ctx->experiment);
  sqlite3_bind_text (st, 2, metric, -1, SQLITE_STATIC);

  g_autoptr (GPtrArray) points = g_ptr_array_new_with_free_func (cdf_point_free);
  CdfPoint *cur = NULL;
  guint runs = 0, nulls = 0, values = 0;
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      const char *key = (const char *) sqlite3_column_text (st, 0);
      if (cur == NULL || strcmp (cur->key, key) != 0)
        {
          cur = g_new0 (CdfPoint, 1);
          cur->key = g_strdup (key);
          cur->values = g_array_new (FALSE, FALSE, sizeof (double));
          g_ptr_array_add (points, cur);
        }
      runs++;
      if (sqlite3_column_type (st, 1) == SQLITE_NULL)
        {
          cur->nulls++;
          nulls++;
        }
      else
        {
          double v = sqlite3_column_double (st, 1);
          g_array_append_val (cur->values, v);
          values++;
        }
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    return plot_sql_error (ctx, error);
  if (values == 0)
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_NOTHING,
                   "cdf: nothing to plot: all %u runs have %s NULL (not defined for the run)",
                   runs, metric);
      return FALSE;
    }

  g_autofree char *safe = plot_safe_name (metric);
  g_autofree char *name = g_strconcat ("cdf-", safe, NULL);
  g_autofree char *dat_file = g_strconcat (name, ".dat", NULL);

  guint n_curves = 0;
  double xmax = 0;
  for (guint i = 0; i < points->len; i++)
    {
      CdfPoint *p = points->pdata[i];
      if (p->values->len)
        {
          n_curves++;
          xmax = MAX (xmax, g_array_index (p->values, double, p->values->len - 1));
        }
    }
  gboolean ramp = n_curves > 8;
  GString *dat = g_string_new (NULL);
  GString *plot = g_string_new ("plot ");
  g_string_append_printf (dat, "# %s: empirical CDF of %s per sweep point; columns: value fraction_le\n"
                               "# blocks (gnuplot index) in sweep point order\n",
                          ctx->scenario_name, metric);
  guint block = 0;
  for (guint i = 0; i < points->len; i++)
    {
      CdfPoint *p = points->pdata[i];
      if (p->values->len == 0)
        continue;
      guint n = p->values->len;
      const double *v = (const double *) p->values->data;
      g_string_append_printf (dat, "%s# point %s: %u values, %u NULL\n",
                              block > 0 ? "\n\n" : "", p->key[0] != '\0' ? p->key : "(no sweep)",
                              n, p->nulls);
      g_string_append_printf (dat, "%.12g 0\n", v[0]);
      for (guint j = 0; j < n; j++)
        if (j + 1 == n || v[j + 1] != v[j])
          g_string_append_printf (dat, "%.12g %.12g\n", v[j], (double) (j + 1) / n);
      g_autofree char *dq = plot_gp_quote (dat_file);
      /* a point whose values are all equal is a vertical step that may
       * sit on the axis: the legend says so */
      g_autofree char *same = v[0] == v[n - 1] ? g_strdup_printf (", all %.6g", v[0]) : g_strdup ("");
      g_autofree char *title = g_strdup_printf ("%s (n=%u%s%s)",
                                                p->key[0] != '\0' ? p->key : "all runs", n, same,
                                                p->nulls > 0 ? ", some NULL" : "");
      g_autofree char *tq = plot_gp_quote (title);
      g_autofree char *colour = NULL;
      if (ramp)
        {
          /* viridis-like ramp: (68,1,84) -> (59,82,139) -> (33,145,140) -> (94,201,98) -> (253,231,37) */
          static const double stops[5][3] = { { 68, 1, 84 }, { 59, 82, 139 }, { 33, 145, 140 },
                                              { 94, 201, 98 }, { 253, 231, 37 } };
          double f = n_curves > 1 ? (double) block / (n_curves - 1) * 4 : 0;
          guint k = MIN ((guint) f, 3u);
          double t = f - k, rgb[3];
          for (guint c = 0; c < 3; c++)
            rgb[c] = stops[k][c] + t * (stops[k + 1][c] - stops[k][c]);
          colour = g_strdup_printf (" lw 1.5 lc rgb \"#%02x%02x%02x\"", (guint) rgb[0], (guint) rgb[1], (guint) rgb[2]);
        }
      g_string_append_printf (plot, "%s%s index %u using 1:2 with steps%s title %s",
                              block > 0 ? ", \\\n     " : "", dq, block,
                              colour ? colour : " lw 2", tq);
      block++;
    }
  g_string_append_c (plot, '\n');
  g_autofree char *dat_text = g_string_free (dat, FALSE);
  g_autofree char *plot_text = g_string_free (plot, FALSE);
  if (!plot_write (ctx, dat_file, dat_text, error))
    return FALSE;

  const MetricInfo *mi = metrics_info (metric);
  g_autofree char *sub = NULL;
  if (nulls > 0)
    sub = g_strdup_printf ("%u values from %u runs, %u sweep point%s; %u runs with %s NULL (%s) left out",
                           values, runs, n_curves, n_curves == 1 ? "" : "s", nulls, metric,
                           strcmp (metric, "failover_s") == 0
                             ? "no fault or failover not completed" : "not defined");
  else
    sub = g_strdup_printf ("%u values from %u runs, %u sweep point%s", values, runs, n_curves,
                           n_curves == 1 ? "" : "s");
  g_autofree char *title = g_strdup_printf ("%s: empirical CDF of %s\n%s", ctx->scenario_name,
                                            mi ? mi->label : metric, sub);
  g_autofree char *tq = plot_gp_quote (title);
  g_autofree char *xlabel = metrics_axis_label (metric);
  g_autofree char *xq = plot_gp_quote (xlabel);
  g_autofree char *xr = mi && mi->kind == METRIC_FRACTION ? g_strdup ("set xrange [0:1.02]\n")
                      : mi ? g_strdup_printf ("set xrange [0:%.6g]\n", xmax > 0 ? xmax * 1.05 : 1)
                           : g_strdup ("");
  if (ramp)
    ctx->height = MAX (600u, 120 + 16 * n_curves);
  g_autofree char *body = g_strdup_printf ("set title %s\n"
                                           "set xlabel %s\n"
                                           "set ylabel \"fraction of the point's runs with a value <= x (0..1)\"\n"
                                           "set yrange [0:1.05]\n"
                                           "%s"
                                           "set key outside right top%s\n"
                                           "set grid\n"
                                           "%s",
                                           tq, xq, xr, ramp ? " font \",8\" spacing 0.9" : "", plot_text);
  return plot_render (ctx, name, body, error);
}
