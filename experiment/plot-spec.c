/*
 * experiment/plot-spec.c - a figure written as words: the [plot] section
 * of a scenario ("survival = sweep --metric pinhole_survival --x ka --by
 * nat") and the words after `sipsim plot DB` parse the same way
 * (plot.h: plot_figure_parse), and a scenario's [plot] entries are
 * checked when it loads (plot_check_scenario), so a typo in a metric or
 * variable name is an error with file and line, not a missing figure.
 */
#include <string.h>

#include "experiment/plot-private.h"
#include "experiment/lint.h"
#include "experiment/metrics.h"
#include "experiment/suggest.h"

gboolean
plot_figure_parse (const char *text, PlotFigure *fig, char ***strings, GError **error)
{
  memset (fig, 0, sizeof *fig);
  *strings = NULL;
  char **argv = NULL;
  int argc = 0;
  GError *e = NULL;
  if (!g_shell_parse_argv (text, &argc, &argv, &e))
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE, "expected a figure like "
                   "'sweep --metric M --x VAR [--by VAR2]' or 'cdf [--metric M]', got '%s' (%s)",
                   text, e->message);
      g_error_free (e);
      return FALSE;
    }
  if (g_str_equal (argv[0], "cdf"))
    fig->kind = PLOT_KIND_CDF;
  else if (g_str_equal (argv[0], "sweep"))
    fig->kind = PLOT_KIND_SWEEP;
  else if (g_str_equal (argv[0], "timeline"))
    fig->kind = PLOT_KIND_TIMELINE;
  else
    {
      g_autofree char *note = suggest_note_list (argv[0], "cdf, sweep, timeline");
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE,
                   "expected a kind cdf, sweep or timeline first, got '%s'%s", argv[0], note);
      g_strfreev (argv);
      return FALSE;
    }
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char *eq = strchr (a, '=');
      g_autofree char *opt = eq ? g_strndup (a, (gsize) (eq - a)) : g_strdup (a);
      const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
      if (!v)
        {
          g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE, "%s needs a value", opt);
          g_strfreev (argv);
          return FALSE;
        }
      if (g_str_equal (opt, "--metric"))
        fig->metric = v;
      else if (g_str_equal (opt, "--x"))
        fig->x = v;
      else if (g_str_equal (opt, "--by"))
        fig->by = v;
      else if (g_str_equal (opt, "--run"))
        {
          char *end = NULL;
          fig->run = g_ascii_strtoll (v, &end, 10);
          if (!*v || *end || fig->run <= 0)
            {
              g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE, "--run wants a positive run id, got '%s'", v);
              g_strfreev (argv);
              return FALSE;
            }
        }
      else
        {
          g_autofree char *note = suggest_note_list (opt, "--metric, --x, --by, --run");
          g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE, "unknown option '%s'%s", opt, note);
          g_strfreev (argv);
          return FALSE;
        }
    }
  *strings = argv;
  return TRUE;
}

static gboolean
check_name (const char *what, const char *name, const char *const *known, GError **error)
{
  if (name == NULL || (known && g_strv_contains (known, name)))
    return TRUE;
  g_autofree char *note = suggest_note (name, known, known ? g_strv_length ((char **) known) : 0);
  g_autofree char *list = known && known[0] ? g_strjoinv (", ", (char **) known) : g_strdup ("none");
  g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE, "no %s '%s'%s (%ss: %s)", what, name, note,
               what, list);
  return FALSE;
}

gboolean
plot_check_figure (const PlotFigure *f, const char *const *variables, GError **error)
{
  if (f->kind == PLOT_KIND_SWEEP && (!f->metric || !f->x))
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE, "sweep needs --metric M and --x VAR");
      return FALSE;
    }
  if (f->kind != PLOT_KIND_SWEEP && (f->x || f->by))
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE, "--x and --by belong to sweep");
      return FALSE;
    }
  if (f->by && f->x && g_str_equal (f->by, f->x))
    {
      g_set_error (error, PLOT_ERROR, PLOT_ERROR_USAGE, "--by names the same variable as --x (%s)", f->x);
      return FALSE;
    }
  return check_name ("metric", f->metric, metrics_names (), error)
    && check_name ("swept variable", f->x, variables, error)
    && check_name ("swept variable", f->by, variables, error);
}

gboolean
plot_check_scenario (const Scenario *sc, GError **error)
{
  guint n = 0;
  const ScenarioEntry *en = scenario_get_entries (sc, &n);
  for (guint i = 0; i < n; i++)
    {
      if (!g_str_equal (en[i].section, "plot"))
        continue;
      PlotFigure f;
      char **strings = NULL;
      GError *e = NULL;
      if (plot_figure_parse (en[i].value, &f, &strings, &e))
        {
          if (f.kind == PLOT_KIND_TIMELINE)
            g_set_error (&e, PLOT_ERROR, PLOT_ERROR_USAGE, "expected cdf or sweep (a timeline "
                         "needs a run id, which the database gives: sipsim plot DB timeline --run N)");
          else
            plot_check_figure (&f, scenario_get_variables (sc), &e);
        }
      g_strfreev (strings);
      if (e)
        {
          g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_VALUE, "%s:%u: [plot] %s: %s",
                       en[i].file, en[i].line, en[i].key, e->message);
          g_error_free (e);
          return FALSE;
        }
    }
  return TRUE;
}
