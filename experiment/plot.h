/*
 * experiment/plot.h - `sipsim plot`: gnuplot figures from a results
 * database (doc/plots.md): failover-time CDF per sweep point, a metric
 * against a swept variable with 95 % confidence intervals, one run's
 * timeline.  Each figure's .gp script and data files are kept beside it.
 *
 * Notes
 *
 * 1. Files, not pipes.  Every figure is written as NAME.gp plus its data
 *    (NAME.dat or NAME-*.dat) in the output directory, and gnuplot runs
 *    there on NAME.gp, so `cd DIR && gnuplot NAME.gp` re-creates exactly
 *    the image the command made; a user edits the script, not this code.
 *
 * 2. The confidence interval is Student's t with n - 1 degrees of freedom
 *    (the runs of one sweep point are independent replications with
 *    seeds derived by hashing, scenario.h note 4): a table for 1..30
 *    degrees of freedom, a Cornish-Fisher expansion above.
 *
 * 3. Wall clock: none needed; nothing here reaches a simulation.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef enum { PLOT_KIND_CDF, PLOT_KIND_SWEEP, PLOT_KIND_TIMELINE } PlotKind;

/* One figure asked for: cdf [--metric M], sweep --metric M --x VAR
 * [--by VAR2], timeline --run N.  Strings are borrowed. */
typedef struct {
  PlotKind    kind;
  const char *metric, *x, *by;
  gint64      run;
} PlotFigure;

/* Parses one figure written as words ("sweep --metric M --x VAR --by
 * V2", "cdf", "timeline --run 3"): the [plot] section of a scenario and
 * the command line share it.  @fig's strings point into *@strings
 * (g_strfreev it after use).  FALSE with a PLOT_ERROR otherwise. */
gboolean plot_figure_parse (const char *text, PlotFigure *fig, char ***strings, GError **error);
/* Are @f's metric and variables (among @variables, NULL-terminated)
 * known, and its options complete?  Errors suggest the closest name. */
gboolean plot_check_figure (const PlotFigure *f, const char *const *variables, GError **error);
/* Checks every [plot] entry of @sc; the error names file, line and key. */
struct Scenario;
gboolean plot_check_scenario (const struct Scenario *sc, GError **error);

/* Where and how (strings borrowed): @experiment 0 is the latest one,
 * @format NULL is "png", @outdir NULL is DB without .db + "-plots". */
typedef struct {
  const char *db_path;
  gint64      experiment;
  const char *format;       /* "png", "svg" or "dumb" */
  const char *outdir;
  gboolean    quiet;        /* no dumb text, no paths on stdout */
} PlotOptions;

/* Draws @figs (none: the default set) from @opt's database, printing the
 * written paths on stdout and each error on stderr.  Returns the exit
 * status of `sipsim plot`: 0 written, 1 nothing to plot or gnuplot
 * failed, 2 no such database/experiment/metric/variable/run or a bad
 * option value. */
int plot_run (const PlotOptions *opt, const PlotFigure *figs, guint n_figs);

/* The 0.975 quantile of Student's t with @df degrees of freedom (>= 1):
 * two-sided 95 %.  Table values for df <= 30 (rounded to 3 decimals as
 * printed in statistics tables), the Cornish-Fisher expansion of the
 * normal quantile 1.959964 in powers of 1/df above. */
double plot_t975 (guint df);

/* Mean of @values[0..n-1] and the half-width of its 95 % confidence
 * interval, t975(n-1) * s / sqrt(n) with s the sample standard deviation
 * (n - 1 in the denominator).  n = 1: half-width NAN (no interval from
 * one value).  n = 0: FALSE, outputs untouched.  @sd may be NULL. */
gboolean plot_mean_ci (const double *values, guint n,
                       double *mean, double *half_width, double *sd);

G_END_DECLS
