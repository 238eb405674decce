/*
 * experiment/store.h - the results database (SQLite, schema in
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
 *    runs already stored (ok or failed), so `sipsim run` skips them.  A
 *    run itself is identified by (point hash, replication, run seed)
 *    (scenario.h note 6): a run another experiment of the file already
 *    has is copied, not computed again (claim.h).
 *
 * 3. Versions.  A database of another schema version is refused with a
 *    clear error (no silent migration).
 *
 * 4. Duplicates.  A run whose (experiment, point_key, replication) is
 *    already stored is not replaced: the first one stays, the new one is
 *    counted as skipped (store_writer_skipped) and is not an error.
 *
 * 5. The wall clock is read here for two timestamps only (experiment
 *    .created, run.finished, and meta 'created'): reports for the user,
 *    never fed into a run or a fingerprint.
 *
 * 6. Write errors.  An error that means the file cannot take more (disk
 *    full, I/O error, read-only, locked past the busy timeout) stops the
 *    writer: the batch being written is lost, every committed run stays,
 *    and later runs are dropped without a write (store_writer_stopped()
 *    tells the runner to stop dispatching).  An error of one run (a
 *    broken constraint) rolls back that run alone and storing goes on.
 *
 * 7. Claims.  Storing a run deletes its claim (claim.h) in the same
 *    transaction, so a run is never both stored and claimed.
 *
 * 8. One file at rest.  Writers use WAL; the last writer to close puts
 *    the file back in rollback-journal mode, so a finished database is a
 *    single file that can be copied and read anywhere.  Readers
 *    (store_open_readonly) open read-write with query_only where they
 *    may, so a WAL file's -wal and -shm go away when they close, and fall
 *    back to mode=ro, then immutable=1, on read-only files and media.
 *
 * Ownership: a Store owns its connection; a StoreRun submitted to a
 * writer belongs to the writer from then on.
 */
#pragma once
#include <stdio.h>
#include <glib.h>

#include "experiment/run.h"

G_BEGIN_DECLS

#define STORE_ERROR (store_error_quark ())
GQuark store_error_quark (void);
typedef enum {
  STORE_ERROR_OPEN,       /* cannot open or create */
  STORE_ERROR_VERSION,    /* another schema version, or not a sipsim database */
  STORE_ERROR_SQL,        /* SQLite failed (message included) */
  STORE_ERROR_NOT_FOUND,  /* no such experiment or run */
  STORE_ERROR_INVALID,    /* a StoreRun that cannot be stored as given
                           * (no result, malformed trace line, probe
                           * naming a proxy the observations lack) */
} StoreError;

#define STORE_BATCH_RUNS 64

typedef struct Store Store;
typedef struct StoreWriter StoreWriter;

/* Opens (creating the file and schema if needed) @path.  Parent
 * directories are created. */
Store   *store_open        (const char *path, GError **error);
/* Opens an existing database for reading only (plot, check, trace;
 * note 8).  Writes through it fail with SQLITE_READONLY. */
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
/* The key store_done_runs() uses for (@point_key, @replication); newly
 * allocated. */
char       *store_run_key   (const char *point_key, guint replication);

/* One finished run, as the runner hands it over. */
typedef struct {
  gint64      experiment;
  guint       point;
  char       *point_key;
  char       *point_hash;                     /* scenario_get_point_hash(); NULL: '' */
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
/* Runs committed so far (thread-safe); duplicates (note 4) and failed
 * writes are not counted. */
guint        store_writer_committed (StoreWriter *w);
/* Runs skipped because already stored (note 4), thread-safe. */
guint        store_writer_skipped   (StoreWriter *w);
/* Has a write error ended storing (note 6)?  Thread-safe. */
gboolean     store_writer_stopped   (StoreWriter *w);
/* Runs lost to that error: the uncommitted batch and all submitted
 * after it (thread-safe). */
guint        store_writer_dropped   (StoreWriter *w);
/* Commits what is queued, stops the thread, frees the writer.  FALSE with
 * the first error met (note 6 says which errors end storing). */
gboolean     store_writer_finish (StoreWriter *w, GError **error);
/* The same, giving the final store_writer_committed() and
 * store_writer_dropped() counts (either pointer may be NULL). */
gboolean     store_writer_finish_counts (StoreWriter *w, guint *committed, guint *dropped,
                                         GError **error);

/* Synchronous form for tests and small tools: stores @run (consumed) in
 * its own transaction.  TRUE also when the run was already stored (note
 * 4; nothing is written then). */
gboolean store_put_run     (Store *store, StoreRun *run, GError **error);

/* ---- read helpers (plot, check, trace, replay) ---------------------- */

/* 64-bit seeds and fingerprints as stored: 16 lower-case hex digits into
 * @buf (returned). */
#define STORE_HEX64_STRLEN 17
const char *store_hex64_format (guint64 v, char buf[STORE_HEX64_STRLEN]);
/* Parses 1..16 hex digits (either case, nothing else); FALSE if not. */
gboolean    store_hex64_parse  (const char *s, guint64 *out);

/* One row of `experiment`; strings owned (store_experiment_info_clear). */
typedef struct {
  gint64   id;
  char    *name;
  char    *scenario;        /* the scenario text as stored */
  char    *scenario_hash;   /* SHA-256, hex */
  guint64  seed;
  char    *version;         /* sipsim version that created it */
  char    *created;         /* UTC, ISO 8601 */
} StoreExperimentInfo;

/* Fills @out with experiment @experiment; FALSE with STORE_ERROR_NOT_FOUND
 * if there is none. */
gboolean store_get_experiment_info  (Store *store, gint64 experiment,
                                     StoreExperimentInfo *out, GError **error);
void     store_experiment_info_clear (StoreExperimentInfo *info);   /* NULL-safe */
/* The scenario text of @experiment (newly allocated); NULL with
 * STORE_ERROR_NOT_FOUND if there is none. */
char    *store_get_experiment_scenario (Store *store, gint64 experiment, GError **error);

/* One row of `run`; strings owned (store_run_info_clear). */
typedef struct {
  gint64   id;
  gint64   experiment;
  guint    point;
  char    *point_key;
  guint    replication;
  guint64  seed;
  gboolean ok;               /* status = 'ok' */
  char    *error;            /* NULL when ok */
  gboolean has_fingerprint;  /* FALSE for a failed run */
  guint64  fingerprint;
  guint    fingerprint_version;   /* SIM_FINGERPRINT_VERSION when stored; 0 if failed */
  double   wall_s, sim_s;
  guint64  events;
  guint    devices;
  char    *finished;         /* UTC, ISO 8601 */
} StoreRunInfo;

/* Fills @out with run @run_id; FALSE with STORE_ERROR_NOT_FOUND if none. */
gboolean store_get_run_info   (Store *store, gint64 run_id, StoreRunInfo *out, GError **error);
void     store_run_info_clear (StoreRunInfo *info);   /* NULL-safe */
/* The id of the run (@experiment, @point_key, @replication); 0 if not
 * stored (no error then), -1 with @error set if SQLite failed. */
gint64   store_find_run       (Store *store, gint64 experiment, const char *point_key,
                               guint replication, GError **error);
/* The sweep parameters of @run_id as a name -> value table (owned
 * strings); empty for a run without sweep; NULL with @error if SQLite
 * failed. */
GHashTable *store_get_run_params (Store *store, gint64 run_id, GError **error);

/* Writes the stored trace of @run_id (the `trace` table, unpacked) to
 * @out, one "TIME WHO TEXT" line each, as `sipsim run --trace-file`
 * would have; *@n_lines the count.  FALSE with STORE_ERROR_NOT_FOUND if
 * the run has no stored trace (not run with --trace), STORE_ERROR_SQL or
 * STORE_ERROR_INVALID (a blob that does not unpack). */
gboolean store_write_trace (Store *store, gint64 run_id, FILE *out, guint64 *n_lines,
                            GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Store, store_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StoreRun, store_run_free)

G_END_DECLS
