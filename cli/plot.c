/*
 * cli/plot.c - `sipsim plot DB [OPTIONS] [KIND [KIND-OPTIONS]] ...`: the
 * command line of experiment/plot.h (doc/plots.md).
 *
 * Global options (--experiment, --format, -o, -q) may come anywhere; a
 * KIND word (cdf, sweep, timeline) starts a figure and the options after
 * it (--metric, --x, --by, --run) belong to that figure.  Several kinds
 * may be given; no kind draws the default set.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/plot.h"

typedef struct {
  gint64   experiment;
  char    *format, *output, *metric, *x, *by;
  gint64   run;
  gboolean quiet;
} PlotDocArgs;

/* The table `sipsim man` and the completion print; the parser below reads
 * the same names by hand, because kind options follow their kind word. */
static void
plot_options (gpointer p, GOptionEntry *e)
{
  PlotDocArgs *a = p;
  GOptionEntry t[] = {
    { "experiment", 0, 0, G_OPTION_ARG_INT64, &a->experiment, "which experiment (default: the latest)", "ID" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &a->format, "png (default), svg or dumb (text)", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a->output, "directory (default: beside DB, DB without .db + -plots)", "DIR" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "do not list the files written", NULL },
    { "metric", 0, 0, G_OPTION_ARG_STRING, &a->metric, "after cdf or sweep: the metric", "M" },
    { "x", 0, 0, G_OPTION_ARG_STRING, &a->x, "after sweep: the swept variable on the x axis", "VAR" },
    { "by", 0, 0, G_OPTION_ARG_STRING, &a->by, "after sweep: one curve per value of VAR2 (other variables: one panel per value)", "VAR2" },
    { "run", 0, 0, G_OPTION_ARG_INT64, &a->run, "after timeline: the run id", "N" },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_plot = {
  "plot", "DB [KIND [KIND-OPTIONS]] ...", "gnuplot figures from a results database",
  "Kinds: cdf [--metric M], sweep --metric M --x VAR [--by VAR2], timeline --run N.\n"
  "No kind: the scenario's [plot] section, else a default set. Beside each image are\n"
  "its .gp script and .dat data. See doc/plots.md.",
  cli_plot_main, plot_options, sizeof (PlotDocArgs), CLI_ARG_DB, "cdf sweep timeline",
};

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

int
cli_plot_main (int argc, char **argv)
{
  const char *db = NULL, *outdir = NULL, *format = "png";
  gint64 experiment = 0;
  gboolean quiet = FALSE;
  g_autoptr (GArray) figs = g_array_new (FALSE, TRUE, sizeof (PlotFigure));
  PlotFigure *cur = NULL;

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
          PlotFigure f = { .kind = a[0] == 'c' ? PLOT_KIND_CDF : a[0] == 's' ? PLOT_KIND_SWEEP : PLOT_KIND_TIMELINE };
          g_array_append_val (figs, f);
          cur = &g_array_index (figs, PlotFigure, figs->len - 1);
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

  PlotOptions opt = {
    .db_path = db, .experiment = experiment, .format = format, .outdir = outdir, .quiet = quiet,
  };
  return plot_run (&opt, (const PlotFigure *) (void *) figs->data, figs->len);
}
