/*
 * experiment/lint.h - what to tell a user before a run starts: likely
 * mistakes in a scenario that loads (warnings), and an estimate of the
 * memory and time a run plan needs, refused when it cannot fit.
 *
 * Notes
 *
 * 1. Warnings are not errors: a scenario that warns still runs (it may be
 *    meant; a fault after the end is a way of switching it off).  Each
 *    names the section and says what will happen, e.g. "every metric of
 *    this device will be NULL".  The checks (doc/scenarios.md, "Warnings"):
 *    a fault that starts at or after the end of the run (or can); a device
 *    with no enabled account (B1: it never registers); a [sweep] variable
 *    used by no value (its points are identical runs under different
 *    seeds); a warm-up that leaves less than 10 % of the run measured.
 *
 * 2. The estimate is a model of doc/performance.md's measurements, not a
 *    measurement: LINT_DEVICE_BYTES per device (16-18 KB measured at
 *    1,000 to 100,000 phones, rounded up; a storm in which every phone
 *    starts in the same instant peaks at about 43 KB, "Registration
 *    storm") plus LINT_RUN_BYTES per run in memory, for each of the runs in
 *    flight at once; LINT_DEVICE_S_PER_SIM_S wall seconds per device per
 *    simulated second (1,343 events per device-hour at 0.5 to 2 us per
 *    event, rounded up).  It errs on the high side on purpose.
 *
 * 3. Refusals: a plan of more than LINT_MAX_RUNS runs, or whose runs in
 *    flight need more memory than the machine has, is refused before
 *    anything starts (the runner would otherwise die in an allocation
 *    failure hours later).
 */
#pragma once
#include <glib.h>

#include "experiment/scenario.h"

G_BEGIN_DECLS

#define LINT_DEVICE_BYTES        (24.0 * 1024)
#define LINT_RUN_BYTES           (2.0 * 1024 * 1024)
#define LINT_DEVICE_S_PER_SIM_S  (1.0e-6)
#define LINT_RUN_S               (5.0e-4)
#define LINT_MAX_RUNS            100000000.0

/* Warnings for @sc (note 1), each one line without "warning: "; a new
 * array of newly allocated strings (empty when all is well). */
GPtrArray *scenario_lint (const Scenario *sc);

typedef struct {
  double points;          /* sweep points that pass the filter */
  double runs;            /* points x replications (double: may exceed 2^32) */
  double max_devices;     /* devices of the largest run */
  double device_sim_s;    /* sum over runs of devices x duration */
  double run_bytes;       /* memory of the largest run */
  double peak_bytes;      /* run_bytes x runs in flight */
  double cpu_s;           /* estimated CPU seconds for every run */
  double wall_s;          /* cpu_s / threads */
  guint  threads;
  double machine_bytes;   /* physical memory; 0 if unknown */
} LintEstimate;

/* Estimates the runs of @sc whose points match @filter, on @jobs threads
 * (0: every core).  FALSE with an error (SCENARIO_ERROR_VALUE) when the plan
 * cannot fit (note 3); @est is filled either way. */
gboolean lint_estimate (const Scenario *sc, const char *filter, guint jobs,
                        LintEstimate *est, GError **error);
/* "2.3 GiB", "512 KiB" */
char    *lint_format_bytes (double bytes);
/* "45 s", "12 min", "3.5 h", "2.1 days" */
char    *lint_format_seconds (double s);
/* The filter check every command shares: FALSE with an error when
 * @filter (non-empty) matches none of @sc's points, naming the values
 * each variable takes. */
gboolean lint_filter_matches_some (const Scenario *sc, const char *filter, GError **error);

G_END_DECLS
