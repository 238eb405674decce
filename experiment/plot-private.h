/*
 * experiment/plot-private.h - what the plot-*.c files share: the
 * command's context (database, experiment, output directory, format), the
 * gnuplot runner and small SQL helpers.  Not a public API.
 */
#pragma once
#include <glib.h>
#include <sqlite3.h>

#include "experiment/plot.h"
#include "experiment/store.h"

G_BEGIN_DECLS

#define PLOT_ERROR (plot_error_quark ())
GQuark plot_error_quark (void);
typedef enum {
  PLOT_ERROR_USAGE,      /* bad option, unknown metric/variable/run: exit 2 */
  PLOT_ERROR_NOTHING,    /* no value to plot: exit 1 */
  PLOT_ERROR_GNUPLOT,    /* gnuplot could not run or failed: exit 1 */
  PLOT_ERROR_IO,         /* a file could not be written: exit 1 */
} PlotError;

typedef enum { PLOT_PNG, PLOT_SVG, PLOT_DUMB } PlotFormat;

typedef struct {
  Store      *store;
  sqlite3    *db;
  char       *db_path;
  gint64      experiment;
  PlotFormat  format;
  char       *outdir;
  gboolean    quiet;        /* -q: no dumb text, no paths on stdout */
  GPtrArray  *written;      /* char *: image paths (or .txt for dumb) */
  char       *scenario_name;/* the experiment's name, first in every title */
  char       *scenario_text;/* its stored scenario ([plot], variable uses) */
  guint       height;       /* > 0: the next plot_render's image height (px), then reset */
} PlotCtx;

/* plot.c: "ka: [device phone] SP1::X_KeepAliveExpires (s)", the axis
 * label of sweep variable @var (scenario-text.h);
 * *@unit gets its unit or NULL.  Newly allocated. */
char       *plot_variable_label (PlotCtx *ctx, const char *var, const char **unit);
/* gnuplot lines for a y axis of metric @metric whose data span
 * [@lo, @hi]: the range never below the metric's minimum (0 for every
 * metric) nor above its maximum (1 for fractions). */
char       *plot_y_range (const char *metric, double lo, double hi);

/* plot-gnuplot.c */
const char *plot_format_ext (PlotFormat f);        /* "png", "svg", "txt" */
/* A gnuplot double-quoted string literal of @s (quotes, backslashes
 * escaped); newly allocated. */
char       *plot_gp_quote (const char *s);
/* A file-name-safe form of @s: [A-Za-z0-9._-] kept, others '_'. */
char       *plot_safe_name (const char *s);
/* Writes @contents to DIR/@file. */
gboolean    plot_write (PlotCtx *ctx, const char *file, const char *contents, GError **error);
/* Writes NAME.gp (terminal and output lines, then @body) and runs gnuplot
 * on it in the output directory; the image path is appended to
 * ctx->written.  For dumb, gnuplot's output is kept as NAME.txt and
 * printed unless quiet. */
gboolean    plot_render (PlotCtx *ctx, const char *name, const char *body, GError **error);
/* The gnuplot program: $SIPSIM_GNUPLOT, else the configured one. */
const char *plot_gnuplot_path (void);

/* plot.c */
/* Sweep variable names of the experiment in definition order (from the
 * point keys); NULL-terminated. */
char      **plot_variables (PlotCtx *ctx, GError **error);
/* Does the experiment have aggregate metric @name (any value, NULL
 * included)?  And how many non-NULL values? */
gboolean    plot_metric_exists (PlotCtx *ctx, const char *name, guint *n_values);
gboolean    plot_sql_error (PlotCtx *ctx, GError **error);   /* always FALSE */

/* plot-cdf.c, plot-sweep.c, plot-timeline.c */
gboolean plot_cdf      (PlotCtx *ctx, const char *metric, GError **error);
gboolean plot_sweep    (PlotCtx *ctx, const char *metric, const char *x,
                        const char *by, GError **error);
gboolean plot_timeline (PlotCtx *ctx, gint64 run_id, GError **error);

G_END_DECLS
