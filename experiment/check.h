/*
 * experiment/check.h - `sipsim check`: the [expect] and [golden]
 * sections of a scenario evaluated against its results (doc/check.md).
 *
 * An expectation names a metric, a statistic and a bound, e.g.
 * "failover_s p95 <= 40", "pinhole_survival mean >= 0.99"; a golden entry
 * pins the fingerprint of one run.  A breach makes the exit status 1.
 */
#pragma once
#include <glib.h>

#include "experiment/scenario.h"

G_BEGIN_DECLS

/* Errors in [expect]/[golden] entries and in the command's input (a
 * database without the experiment, a missing baseline). */
#define CHECK_ERROR (check_error_quark ())
GQuark check_error_quark (void);
typedef enum {
  CHECK_ERROR_PARSE,      /* a statement that does not parse */
  CHECK_ERROR_REFERENCE,  /* unknown metric, sweep variable or point */
  CHECK_ERROR_INPUT,      /* runs, experiment or baseline missing */
  CHECK_ERROR_INTERRUPTED,/* Ctrl-C while the missing runs ran */
} CheckError;

/* Parses every [expect]/[golden] entry of @sc; FALSE with an error that
 * names the entry's file, line and key.  `sipsim run` calls it before
 * running, so a typo is found before an hour of runs. */
gboolean check_validate (const Scenario *sc, GError **error);

/* `sipsim check ...` */
/* What `sipsim check` is asked (strings borrowed; @db_path NULL is
 * results/NAME.db; @label names the scenario in the report's header). */
typedef struct {
  const char *db_path, *baseline, *junit, *filter, *label;
  guint       jobs;           /* worker threads for missing runs; 0 every core */
  gboolean    no_run;         /* missing runs are an error */
  gboolean    print_golden;   /* print [golden] lines for the stored runs */
  gboolean    golden_only;    /* run and check only the runs [golden] pins (no [expect]) */
  gboolean    quiet;          /* no progress output while running */
  gboolean    live;           /* check the scenario's live experiment (`sipsim live`,
                                 doc/live.md): nothing is run, every stored live
                                 run counts, [golden] does not apply */
} CheckOptions;

/* Runs what is missing (unless @opt->no_run), evaluates @sc's [expect]
 * and [golden] sections and prints the report on stdout (JUnit XML too
 * when @opt->junit is set).  Returns the exit status of `sipsim check`:
 * 0 every check holds, 1 a check is breached, 2 an input error (@error
 * set), 130 interrupted (@error set). */
int      check_scenario (const Scenario *sc, const CheckOptions *opt, GError **error);

G_END_DECLS
