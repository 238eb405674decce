/*
 * experiment/plot.c - what `sipsim plot` draws: the database and
 * experiment, the default set of figures (doc/plots.md).  The command
 * line itself is cli/plot.c.
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

#include "experiment/plot-private.h"
#include "experiment/scenario-text.h"
#include "experiment/metrics.h"
#include "experiment/replay.h"

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

char *
plot_variable_label (PlotCtx *ctx, const char *var, const char **unit)
{
  const char *u = NULL;
  g_autofree char *use = ctx->scenario_text
    ? scenario_text_variable_use (ctx->scenario_text, var, &u) : NULL;
  if (unit)
    *unit = u;
  if (!use)
    return g_strdup (var);
  return g_strdup_printf ("%s: %s%s%s%s", var, use, u ? " (" : "", u ? u : "", u ? ")" : "");
}

char *
plot_y_range (const char *metric, double lo, double hi)
{
  const MetricInfo *m = metrics_info (metric);
  if (!m)
    return g_strdup ("set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n");
  if (m->kind == METRIC_FRACTION)
    return g_strdup ("set yrange [0:1.05]\nset offsets graph 0.05, graph 0.05, 0, 0\n");
  /* never below the minimum: the axis starts at 0 (a bar of zero height
   * is a result, not an empty plot) and leaves 5 % above the highest */
  double top = hi > 0 ? hi * 1.08 : 1;
  (void) lo;
  return g_strdup_printf ("set yrange [0:%.6g]\nset offsets graph 0.05, graph 0.05, 0, 0\n", top);
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

/* ------------------------------------------------------- the figures */

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
draw (PlotCtx *ctx, const PlotFigure *f, GError **error)
{
  switch (f->kind)
    {
    case PLOT_KIND_CDF:
      return plot_cdf (ctx, f->metric != NULL ? f->metric : "failover_s", error);
    case PLOT_KIND_SWEEP:
      if (f->metric == NULL || f->x == NULL)
        {
          g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE,
                       "sweep needs --metric M and --x VAR");
          return FALSE;
        }
      return plot_sweep (ctx, f->metric, f->x, f->by, error);
    case PLOT_KIND_TIMELINE:
      if (f->run <= 0)
        {
          g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE, "timeline needs --run N");
          return FALSE;
        }
      return plot_timeline (ctx, f->run, error);
    }
  return FALSE;
}

/* The [plot] entries of the stored scenario, in file order: key, value,
 * key, value, ...; NULL-terminated (empty when there is none). */
static char **
scenario_plots (const char *text)
{
  GPtrArray *out = g_ptr_array_new ();
  gboolean in = FALSE;
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *l = g_strstrip (lines[i]);
      if (*l == '[')
        {
          in = g_str_equal (l, "[plot]");
          continue;
        }
      char *eq = strchr (l, '=');
      if (!in || *l == '#' || *l == '\0' || !eq)
        continue;
      *eq = '\0';
      g_ptr_array_add (out, g_strdup (g_strstrip (l)));
      g_ptr_array_add (out, g_strdup (g_strstrip (eq + 1)));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static void
keep_first (GError **first, GError *e)
{
  if (*first == NULL)
    *first = e;
  else
    g_error_free (e);
}

/* The default set (note 1): the scenario's [plot] entries when it has
 * any; else the CDF of failover_s (when it has values) and, for each
 * swept variable as x, pinhole_survival, outage_s and failover_s against
 * it, one curve per value of the next swept variable and one panel per
 * value of the rest, so that no two sweep points are pooled.  FALSE with
 * PLOT_ERROR_NOTHING when it is empty, or with the first error met (the
 * others are still drawn). */
static gboolean
draw_defaults (PlotCtx *ctx, GError **error)
{
  static const char *const metrics[] = { "pinhole_survival", "outage_s", "failover_s" };
  GError *first = NULL;
  guint drawn = 0, n = 0;
  g_auto (GStrv) vars = plot_variables (ctx, error);
  if (vars == NULL)
    return FALSE;
  g_auto (GStrv) preferred = scenario_plots (ctx->scenario_text);
  if (preferred[0])
    {
      for (guint i = 0; preferred[i]; i += 2)
        {
          PlotFigure f;
          char **strings = NULL;
          GError *e = NULL;
          if (plot_figure_parse (preferred[i + 1], &f, &strings, &e)
              && plot_check_figure (&f, (const char *const *) vars, &e)
              && (f.kind == PLOT_KIND_CDF ? plot_cdf (ctx, f.metric ? f.metric : "failover_s", &e)
                                          : plot_sweep (ctx, f.metric, f.x, f.by, &e)))
            drawn++;
          else
            {
              g_prefix_error (&e, "[plot] %s: ", preferred[i]);
              keep_first (&first, e);
            }
          g_strfreev (strings);
        }
    }
  else
    {
      if (plot_metric_exists (ctx, "failover_s", &n) && n > 0)
        {
          GError *e = NULL;
          if (plot_cdf (ctx, "failover_s", &e))
            drawn++;
          else
            keep_first (&first, e);
        }
      guint nv = g_strv_length (vars);
      for (guint v = 0; v < nv; v++)
        for (guint m = 0; m < G_N_ELEMENTS (metrics); m++)
          if (plot_metric_exists (ctx, metrics[m], &n) && n > 0)
            {
              GError *e = NULL;
              const char *by = nv > 1 ? vars[(v + 1) % nv] : NULL;
              if (plot_sweep (ctx, metrics[m], vars[v], by, &e))
                drawn++;
              else
                keep_first (&first, e);
            }
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
plot_run (const PlotOptions *opt, const PlotFigure *figs, guint n_figs)
{
  const char *db = opt->db_path, *outdir = opt->outdir;
  const char *format = opt->format != NULL ? opt->format : "png";
  gint64 experiment = opt->experiment;
  gboolean quiet = opt->quiet;
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
  StoreExperimentInfo info;
  if (store_get_experiment_info (ctx.store, ctx.experiment, &info, NULL))
    {
      ctx.scenario_name = g_strdup (info.name);
      ctx.scenario_text = g_strdup (info.scenario);
      store_experiment_info_clear (&info);
    }
  else
    ctx.scenario_name = g_strdup_printf ("experiment %" G_GINT64_FORMAT, ctx.experiment);
  ctx.outdir = outdir != NULL ? g_strdup (outdir) : default_outdir (db);
  if (g_mkdir_with_parents (ctx.outdir, 0777) != 0)
    {
      fprintf (stderr, "sipsim plot: cannot create %s: %s\n", ctx.outdir, g_strerror (errno));
      status = 1;
      goto out;
    }

  if (n_figs == 0)
    {
      if (!draw_defaults (&ctx, &e))
        {
          fprintf (stderr, "sipsim plot: %s\n", e->message);
          status = exit_code (e);
          g_clear_error (&e);
        }
    }
  else
    for (guint i = 0; i < n_figs; i++)
      if (!draw (&ctx, &figs[i], &e))
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
        printf ("(each with its %s script and .dat data beside it: "
                "cd %s && gnuplot NAME%s)\n",
                ctx.format == PLOT_PNG ? ".gp" : ctx.format == PLOT_SVG ? ".svg.gp" : ".txt.gp",
                ctx.outdir,
                ctx.format == PLOT_PNG ? ".gp" : ctx.format == PLOT_SVG ? ".svg.gp" : ".txt.gp");
    }
out:
  g_ptr_array_unref (ctx.written);
  g_free (ctx.outdir);
  g_free (ctx.db_path);
  g_free (ctx.scenario_name);
  g_free (ctx.scenario_text);
  store_close (ctx.store);
  return status;
}
