/*
 * experiment/runner.h - `sipsim run`: every run of a scenario not yet
 * in the database, on a pool of worker threads, into the store's writer.
 *
 * Notes
 *
 * 1. Order.  Runs are dispatched point by point, replication by
 *    replication; results arrive in any order.  Nothing depends on the
 *    order (seeds come from scenario_run_seed), so -j 1 and -j N store
 *    the same fingerprints.
 *
 * 2. Interrupts.  The first SIGINT/SIGTERM stops dispatching: runs in
 *    progress finish and are committed, then the command exits 130.  A
 *    second one exits at once; committed runs are never lost (WAL).
 *
 * 3. Wall clock.  The runner measures each run's wall time and the
 *    sweep's rate for the progress line (progress.c).  That is the only
 *    reading of the wall clock in the experiment layer and nothing of it
 *    reaches a simulation.
 */
#pragma once
#include <glib.h>

#include "experiment/scenario.h"
#include "experiment/store.h"

G_BEGIN_DECLS

typedef enum {
  RUNNER_PROGRESS_AUTO,     /* a bar on a terminal, plain lines otherwise */
  RUNNER_PROGRESS_BAR,
  RUNNER_PROGRESS_LINES,
  RUNNER_PROGRESS_NONE,
} RunnerProgress;

typedef struct {
  const char    *db_path;      /* NULL: runner_default_db_path() */
  guint          jobs;         /* 0: every core */
  const char    *filter;       /* scenario_point_matches() filter; NULL: all */
  /* A further choice of single runs among the filtered points: TRUE runs
   * (@pt, @rep).  NULL: every replication.  `sipsim check --golden-only`
   * runs only the pinned runs with it. */
  gboolean     (*select) (const ScenarioPoint *pt, guint rep, gpointer data);
  gpointer       select_data;
  gboolean       trace;        /* store events and probes */
  const char    *pcap_dir;     /* non-NULL: one pcap per run there */
  RunnerProgress progress;
} RunnerOptions;

typedef struct {
  gint64 experiment;           /* its id in the database */
  guint  planned;              /* runs selected (filter applied) */
  guint  skipped;              /* already stored */
  guint  ok, failed;           /* run now */
  gboolean interrupted;
} RunnerSummary;

/* The StoreRun of run (@point, @replication) of @experiment, without its
 * result: the point's key and variables copied.  The runner's, and the
 * tests' that store runs of their own. */
StoreRun *runner_store_run_new (gint64 experiment, guint point, const ScenarioPoint *pt,
                                guint replication, guint64 seed);

/* "results/NAME.db" */
char    *runner_default_db_path (const Scenario *sc);

/* Runs what is missing.  FALSE with an error if the database cannot be
 * used; failed runs are not errors (they are stored and counted). */
gboolean runner_run  (const Scenario *sc, const RunnerOptions *opt,
                      RunnerSummary *summary, GError **error);


G_END_DECLS
