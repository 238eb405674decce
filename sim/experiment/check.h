/*
 * sim/experiment/check.h - `sipsim check`: the [expect] and [golden]
 * sections of a scenario evaluated against its results (doc/check.md).
 *
 * An expectation names a metric, a statistic and a bound, e.g.
 * "failover_s p95 <= 40", "pinhole_survival mean >= 0.99"; a golden entry
 * pins the fingerprint of one run.  A breach makes the exit status 1.
 */
#pragma once
#include <glib.h>

#include "sim/experiment/scenario.h"

G_BEGIN_DECLS

/* Errors in [expect]/[golden] entries and in the command's input (a
 * database without the experiment, a missing baseline). */
#define CHECK_ERROR (check_error_quark ())
GQuark check_error_quark (void);
typedef enum {
  CHECK_ERROR_PARSE,      /* a statement that does not parse */
  CHECK_ERROR_REFERENCE,  /* unknown metric, sweep variable or point */
  CHECK_ERROR_INPUT,      /* runs, experiment or baseline missing */
} CheckError;

/* Parses every [expect]/[golden] entry of @sc; FALSE with an error that
 * names the entry's file, line and key.  `sipsim run` calls it before
 * running, so a typo is found before an hour of runs. */
gboolean check_validate (const Scenario *sc, GError **error);

/* `sipsim check ...` */
int      check_main     (int argc, char **argv);

G_END_DECLS
