/*
 * sim/experiment/store.h - the results database (SQLite, schema in
 * store-schema.h, documented in doc/results.md).
 *
 * Notes
 *
 * 1. One writer.  Worker threads never touch SQLite: they hand finished
 *    runs to a StoreWriter, whose one thread owns the connection and
 *    commits them in batches (a batch closes after STORE_BATCH_RUNS runs
 *    or when the queue runs dry), each run whole or not at all.  WAL mode,
 *    synchronous = NORMAL: a crash loses at most the batch being written,
 *    never a committed run, and readers (plot, check) never block it.
 *
 * 2. Resume.  An experiment is identified by (scenario text hash, seed);
 *    store_experiment() finds or makes it.  store_done_runs() gives the
 *    runs already stored (ok or failed), so `sipsim run` skips them.
 *
 * 3. Versions.  A database of another schema version is refused with a
 *    clear error (no silent migration).
 *
 * Ownership: a Store owns its connection; a StoreRun submitted to a
 * writer belongs to the writer from then on.
 */
#pragma once
#include <glib.h>

#include "sim/experiment/run.h"

G_BEGIN_DECLS

#define STORE_ERROR (store_error_quark ())
GQuark store_error_quark (void);
typedef enum {
  STORE_ERROR_OPEN,       /* cannot open or create */
  STORE_ERROR_VERSION,    /* another schema version, or not a sipsim database */
  STORE_ERROR_SQL,        /* SQLite failed (message included) */
  STORE_ERROR_NOT_FOUND,  /* no such experiment or run */
} StoreError;

#define STORE_BATCH_RUNS 64

typedef struct Store Store;
typedef struct StoreWriter StoreWriter;

/* Opens (creating the file and schema if needed) @path.  Parent
 * directories are created. */
Store   *store_open        (const char *path, GError **error);
/* Opens an existing database read-only (plot, check, trace). */
Store   *store_open_readonly (const char *path, GError **error);
void     store_close       (Store *store);   /* NULL-safe */
/* The connection, for read queries (plot, check, trace, tests).  Owned
 * by the store; do not use it while a writer runs. */
struct sqlite3 *store_get_db (Store *store);

/* Finds or creates the experiment of (@scenario_text, @seed); its id. */
gint64   store_experiment  (Store *store, const char *name, const char *scenario_text,
                            guint64 seed, GError **error);
/* The latest experiment in the database (highest id); 0 if none. */
gint64   store_latest_experiment (Store *store);
/* Stored runs of @experiment as a set of "POINTKEY\x1fREP" strings. */
GHashTable *store_done_runs (Store *store, gint64 experiment, GError **error);

/* One finished run, as the runner hands it over. */
typedef struct {
  gint64      experiment;
  guint       point;
  char       *point_key;
  guint       n_params;
  char      **param_names, **param_values;   /* the sweep point's variables */
  guint       replication;
  guint64     seed;
  double      wall_s;
  RunResult  *result;                         /* owned; error != NULL: failed */
} StoreRun;

void     store_run_free    (StoreRun *run);   /* NULL-safe; frees result too */

/* Starts the writer thread on @store (which must stay open until
 * store_writer_finish()). */
StoreWriter *store_writer_start  (Store *store);
/* Thread-safe; takes ownership of @run. */
void         store_writer_submit (StoreWriter *w, StoreRun *run);
/* Runs committed so far (thread-safe). */
guint        store_writer_committed (StoreWriter *w);
/* Commits what is queued, stops the thread, frees the writer.  FALSE with
 * the first error met (runs after an error are still attempted). */
gboolean     store_writer_finish (StoreWriter *w, GError **error);

/* Synchronous form for tests and small tools: stores @run (consumed) in
 * its own transaction. */
gboolean store_put_run     (Store *store, StoreRun *run, GError **error);

G_END_DECLS
