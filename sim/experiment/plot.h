/*
 * sim/experiment/plot.h - `sipsim plot`: gnuplot figures from a results
 * database (doc/plots.md): failover-time CDF per sweep point, a metric
 * against a swept variable with 95 % confidence intervals, one run's
 * timeline.  Each figure's .gp script and data files are kept beside it.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

int plot_main (int argc, char **argv);

G_END_DECLS
