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
 * 2. Interrupts.  The first SIGINT/SIGTERM stops dispatching and says
 *    so on stderr: which runs are still in progress (their point keys)
 *    and that a second Ctrl-C abandons them.  Those runs finish and are
 *    committed, then the command exits 130.  A second one exits at once,
 *    saying how many runs are kept in which database and that the same
 *    command resumes; committed runs are never lost (WAL).
 *
 * 3. Wall clock.  The runner measures each run's wall time and the
 *    sweep's rate for the progress line (progress.c).  That is the only
 *    reading of the wall clock in the experiment layer and nothing of it
 *    reaches a simulation.
 *
 * 4. Shards and other writers.  With a shard (shard.h) only that shard's
 *    runs are planned.  Planned runs are claimed in small batches
 *    before they are computed (claim.h): a run another experiment of the
 *    file already has is copied instead, a run another live process has
 *    claimed is left to it, and when nothing else is left the runner
 *    waits for those (taking them over if their owner dies), so that a
 *    run that returns TRUE leaves every planned run stored.
 *
 * 5. Write errors.  When the store's writer stops (store.h note 6), no
 *    new run starts; the runs in progress are dropped, runner_run()
 *    fails with the store's error and the committed runs stay.
 */
#pragma once
#include <glib.h>

#include "experiment/scenario.h"
#include "experiment/shard.h"
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
  const char    *pcap_dir;     /* non-NULL: one pcap per run there, NAME-KEY-rR.pcap */
  const char    *pcap_at;      /* RunOptions.pcap_at (NULL: the phones' access links) */
  gboolean       pcap_per_node;/* RunOptions.pcap_per_node */
  RunnerProgress progress;
  Shard          shard;        /* count 0: every run */
} RunnerOptions;

typedef struct {
  gint64 experiment;           /* its id in the database */
  guint  planned;              /* runs selected (filter applied) */
  guint  skipped;              /* already stored when planned */
  guint  reused;               /* copied from another experiment (note 4) */
  guint  by_others;            /* stored meanwhile by another process */
  guint  ok, failed;           /* run now */
  guint  lost;                 /* computed, not stored: a write error (note 5) */
  gboolean interrupted;
} RunnerSummary;

/* The StoreRun of run (@point, @replication) of @sc in @experiment,
 * without its result: the point's key, hash and variables copied.  The
 * runner's, and the tests' that store runs of their own. */
StoreRun *runner_store_run_new (gint64 experiment, const Scenario *sc, guint point,
                                guint replication, guint64 seed);

/* "results/NAME.db" */
char    *runner_default_db_path (const Scenario *sc);

/* The file name of (@point_key, @replication)'s pcap: "NAME-KEY-rR.pcap"
 * ("NAME-rR.pcap" without a sweep), KEY with every character other than
 * [A-Za-z0-9=,._+-] as '_' (a value may hold '/').  Newly allocated. */
char    *runner_pcap_name (const Scenario *sc, const char *point_key, guint replication);
/* FALSE with an error naming the nodes there are, if @at (RunOptions
 * .pcap_at) names no node of @sc's first sweep point. */
gboolean runner_check_pcap_at (const Scenario *sc, const char *at, GError **error);

/* Runs what is missing.  FALSE with an error if the database cannot be
 * used; failed runs are not errors (they are stored and counted). */
gboolean runner_run  (const Scenario *sc, const RunnerOptions *opt,
                      RunnerSummary *summary, GError **error);


G_END_DECLS
