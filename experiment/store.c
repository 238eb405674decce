/*
 * experiment/store.c - the results database: opening (schema of
 * store-schema.h, version check), experiments and runs.  The writer
 * thread is store-writer.c, reading runs back store-read.c;
 * doc/results.md is the user's side of it.
 *
 * Notes
 *
 * 1. Connection settings.  WAL journal, synchronous = NORMAL (a commit is
 *    durable once the WAL is synced at checkpoint; a power cut may lose
 *    the last commits, an application crash loses none), foreign keys on
 *    (a run of an unknown experiment is refused), busy_timeout so a
 *    reader's checkpoint or a second process does not fail a write at
 *    once.
 *
 * 2. One run, one SAVEPOINT.  Every run is written inside its own
 *    savepoint within the batch transaction: a run that fails (a
 *    duplicate parameter, a malformed trace line) is rolled back alone
 *    and its error kept, the rest of the batch commits.  The run row
 *    comes first and carries ON CONFLICT DO NOTHING on the (experiment,
 *    point_key, replication) key: a run already stored keeps its first
 *    row and the new one is skipped (store.h note 4).
 *
 * 3. The writer (store.h note 1; store-writer.c).  One GThread owns the connection from
 *    store_writer_start() to store_writer_finish(); workers push StoreRuns
 *    on a GAsyncQueue.  The thread blocks for the first run of a batch,
 *    then takes what is queued without waiting, up to STORE_BATCH_RUNS,
 *    and commits: a batch closes when it is full or the queue runs dry,
 *    so a slow sweep still commits every run soon after it finishes.  The
 *    writer pushes itself as the stop mark.
 *
 * 4. Trace lines are "TIME WHO TEXT" with TIME as sim_time_format()
 *    writes it ("S.NNNNNNNNN", an optional '-'): parsed exactly into
 *    integer nanoseconds, never through a double, and packed into one
 *    `trace` row per run (trace-blob.h; the `event` view unpacks it).
 *
 * 5. Wall clock.  This file reads the UTC wall clock for three timestamps
 *    shown to the user (meta 'created', experiment.created, run.finished)
 *    and the monotonic clock to bound the retries of note 7, nothing
 *    else; none reaches a run or a fingerprint.
 *
 * 6. Write errors, claims and the file at rest: store.h notes 6 to 8.
 *    The journal mode goes back to DELETE in store_close(); readers
 *    connect as connect_reader() says.
 *
 * 7. Opening next to another writer.  A journal mode change (WAL at
 *    open, DELETE at close) reads the file header in a read transaction
 *    and then upgrades it to a write transaction to set the header's
 *    version bytes.  SQLite never calls the busy handler for such an
 *    upgrade (sqlite3_busy_handler(): waiting could deadlock with a
 *    writer that waits for our read lock to go), it returns SQLITE_BUSY
 *    at once, whatever the busy timeout.  So "PRAGMA journal_mode = WAL"
 *    fails at once when another connection holds the write lock of a
 *    file in rollback mode at that moment: a second writer creating the
 *    same new file, or the last writer switching it back to DELETE in
 *    store_close().  exec_retry_busy() runs it again, with the busy
 *    timeout as the bound of the whole wait, so two `sipsim run` on one
 *    file open it in any order (tests/test-store.c, /store/1-open/race-*).
 *    The other statements of an open wait in the busy handler as they
 *    should: BEGIN IMMEDIATE takes its write lock from no lock, and
 *    reads (a read-only open included) never upgrade.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sipsim-config.h"
#include "experiment/store.h"
#include "experiment/store-private.h"
#include "experiment/store-schema.h"
#include "experiment/trace-blob.h"

G_DEFINE_QUARK (store-error-quark, store_error)

/* How long a statement waits for another connection's lock (note 1). */
#define STORE_BUSY_TIMEOUT_MS 10000

enum { ST_RUN, ST_PARAM, ST_METRIC, ST_TRACE, ST_PROBE, ST_UNCLAIM, ST_N };
G_STATIC_ASSERT (ST_N == STORE_N_STMTS);   /* struct Store's array (store-private.h) */

static const char *const stmt_sql[ST_N] = {
  /* Parenthesised: one string each, as clang's -Wstring-concatenation
   * wants to be told. */
  [ST_RUN] =
    ("INSERT INTO run (experiment_id, point, point_key, replication, seed, status,"
     " error, fingerprint, wall_s, sim_s, events, devices, finished, point_hash,"
     " fingerprint_version)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
     " ON CONFLICT (experiment_id, point_key, replication) DO NOTHING"),
  [ST_PARAM] = "INSERT INTO param (run_id, name, value) VALUES (?1, ?2, ?3)",
  [ST_METRIC] = "INSERT INTO metric (run_id, unit, name, value) VALUES (?1, ?2, ?3, ?4)",
  [ST_TRACE] = "INSERT INTO trace (run_id, format, lines, data) VALUES (?1, ?2, ?3, ?4)",
  [ST_PROBE] =
    ("INSERT INTO probe (run_id, seq, unit, proxy, sent_s, done_s, reached, outcome)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
  [ST_UNCLAIM] = "DELETE FROM claim WHERE point_hash = ?1 AND replication = ?2 AND seed = ?3",
};



/* ------------------------------------------------------------- helpers */

void
store_set_sql_error (Store *s, GError **error, const char *what)
{
  s->last_rc = sqlite3_errcode (s->db) & 0xff;
  g_set_error (error, STORE_ERROR, STORE_ERROR_SQL, "%s: %s: %s", s->path, what,
               sqlite3_errmsg (s->db));
}

gboolean
store_exec (Store *s, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (s->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      s->last_rc = sqlite3_errcode (s->db) & 0xff;
      g_set_error (error, STORE_ERROR, STORE_ERROR_SQL, "%s: %s: %s", s->path, sql,
                   msg ? msg : sqlite3_errmsg (s->db));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* Note 7: store_exec() of @sql, run again while it fails with
 * SQLITE_BUSY (any extended code) that the busy handler was not asked
 * about, for STORE_BUSY_TIMEOUT_MS in all: each attempt's busy timeout
 * is what is left of it, so a lock held for good fails after the same
 * 10 s as any other statement, with SQLite's message and the file's
 * name. */
static gboolean
exec_retry_busy (Store *s, const char *sql, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + STORE_BUSY_TIMEOUT_MS * G_GINT64_CONSTANT (1000);
  gulong pause_us = 500;
  gboolean ok;
  GError *e = NULL;
  while (!(ok = store_exec (s, sql, &e)) && s->last_rc == SQLITE_BUSY)
    {
      gint64 left_us = deadline - g_get_monotonic_time ();
      if (left_us <= 0)
        break;
      g_clear_error (&e);
      /* A short pause lets the other connection finish its header write
       * or commit; doubling up to 50 ms keeps a long wait cheap. */
      g_usleep (MIN ((gint64) pause_us, left_us));
      pause_us = MIN (pause_us * 2, 50000);
      left_us = deadline - g_get_monotonic_time ();
      sqlite3_busy_timeout (s->db, (int) MAX (1, left_us / 1000));
    }
  sqlite3_busy_timeout (s->db, STORE_BUSY_TIMEOUT_MS);
  if (!ok)
    g_propagate_error (error, e);
  return ok;
}

/* UTC now as "YYYY-MM-DDTHH:MM:SS.mmmZ", which SQLite's date functions
 * read (note 5: for the user only). */
static char *
utc_now_iso8601 (void)
{
  GDateTime *now = g_date_time_new_now_utc ();
  char *date = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
  char *s = g_strdup_printf ("%s.%03dZ", date, g_date_time_get_microsecond (now) / 1000);
  g_free (date);
  g_date_time_unref (now);
  return s;
}

const char *
store_hex64_format (guint64 v, char buf[STORE_HEX64_STRLEN])
{
  g_snprintf (buf, STORE_HEX64_STRLEN, "%016" G_GINT64_MODIFIER "x", v);
  return buf;
}

gboolean
store_hex64_parse (const char *s, guint64 *out)
{
  g_return_val_if_fail (out != NULL, FALSE);
  if (s == NULL || *s == '\0' || strlen (s) > 16)
    return FALSE;
  guint64 v = 0;
  for (const char *p = s; *p; p++)
    {
      int d = g_ascii_xdigit_value (*p);
      if (d < 0)
        return FALSE;
      v = (v << 4) | (guint64) d;
    }
  *out = v;
  return TRUE;
}

static sqlite3_stmt *
stmt_get (Store *s, int which, GError **error)
{
  if (s->stmt[which] == NULL
      && sqlite3_prepare_v3 (s->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                             &s->stmt[which], NULL) != SQLITE_OK)
    {
      store_set_sql_error (s, error, "prepare");
      return NULL;
    }
  sqlite3_reset (s->stmt[which]);
  sqlite3_clear_bindings (s->stmt[which]);
  return s->stmt[which];
}

/* Steps a statement that returns no row. */
static gboolean
stmt_done (Store *s, sqlite3_stmt *st, GError **error, const char *what)
{
  int rc = sqlite3_step (st);
  if (rc != SQLITE_DONE)
    {
      store_set_sql_error (s, error, what);
      sqlite3_reset (st);
      return FALSE;
    }
  sqlite3_reset (st);
  return TRUE;
}

/* ------------------------------------------------------------- opening */

/* The schema check of store.h note 3.  @fresh: the file has no table yet
 * (only then may a read-write open create the schema). */
static gboolean
check_version (Store *s, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (s->db, "SELECT value FROM meta WHERE key = 'schema_version'",
                               -1, &st, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, STORE_ERROR, STORE_ERROR_VERSION,
                   "%s: not a sipsim results database (no meta table: %s)", s->path,
                   sqlite3_errmsg (s->db));
      sqlite3_finalize (st);
      return FALSE;
    }
  rc = sqlite3_step (st);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, STORE_ERROR, STORE_ERROR_VERSION,
                     "%s: not a sipsim results database (meta has no schema_version)", s->path);
      else
        store_set_sql_error (s, error, "reading the schema version");
      sqlite3_finalize (st);
      return FALSE;
    }
  const char *v = (const char *) sqlite3_column_text (st, 0);
  char want[16];
  g_snprintf (want, sizeof want, "%d", STORE_SCHEMA_VERSION);
  gboolean ok = v != NULL && strcmp (v, want) == 0;
  /* 1 and 2: fingerprints of version 1; 3: traces as `event` rows; merge
   * copies them all (merge.h notes 4 and 5). */
  gboolean fp1 = g_strcmp0 (v, "1") == 0 || g_strcmp0 (v, "2") == 0;
  gboolean rows = g_strcmp0 (v, "3") == 0;
  /* 4: no experiment.mode; merge copies it as simulated runs. */
  gboolean v4 = g_strcmp0 (v, "4") == 0;
  if (!ok)
    g_set_error (error, STORE_ERROR, STORE_ERROR_VERSION,
                 "%s: results database of schema version %s, this sipsim (%s) reads %d%s%s%s",
                 s->path, v ? v : "(null)", SIPSIM_VERSION, STORE_SCHEMA_VERSION,
                 fp1 ? "; its runs have fingerprints of version 1 (doc/results.md, "
                       "\"Fingerprint versions\"); copy it into a new file with: "
                       "sipsim merge NEW.db "
                 : rows ? "; it stores traces one row per line (doc/results.md, \"trace\"); "
                          "copy it into a new file with: sipsim merge NEW.db "
                 : v4 ? "; copy it into a new file with: sipsim merge NEW.db " : "",
                 fp1 || rows || v4 ? s->path : "",
                 fp1 ? " (its runs are kept, and computed again when needed)"
                 : rows ? " (its runs and traces are kept)"
                 : v4 ? " (its runs are kept, as simulated ones)" : "");
  sqlite3_finalize (st);
  return ok;
}

/* Creates the schema in an empty database.  BEGIN IMMEDIATE and the
 * emptiness check inside it: two processes opening a new file at once
 * create it once. */
static gboolean
create_schema_if_empty (Store *s, GError **error)
{
  if (!store_exec (s, "BEGIN IMMEDIATE", error))
    return FALSE;
  sqlite3_stmt *st = NULL;
  gint64 n = -1;
  if (sqlite3_prepare_v2 (s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) == SQLITE_OK
      && sqlite3_step (st) == SQLITE_ROW)
    n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  if (n < 0)
    {
      store_set_sql_error (s, error, "reading the schema");
      store_exec (s, "ROLLBACK", NULL);
      return FALSE;
    }
  if (n == 0)
    {
      char *created = utc_now_iso8601 ();
      char *meta = sqlite3_mprintf (
          "INSERT INTO meta (key, value) VALUES ('schema_version', '%d'),"
          " ('created', %Q), ('sipsim_version', %Q);",
          STORE_SCHEMA_VERSION, created, SIPSIM_VERSION);
      gboolean ok = store_exec (s, STORE_SCHEMA_SQL, error) && store_exec (s, meta, error);
      sqlite3_free (meta);
      g_free (created);
      if (!ok)
        {
          store_exec (s, "ROLLBACK", NULL);
          return FALSE;
        }
    }
  return store_exec (s, "COMMIT", error);
}

/* Opens the connection of @s with @flags on @name (a path, or a URI
 * with SQLITE_OPEN_URI). */
static gboolean
connect (Store *s, const char *name, int flags, GError **error)
{
  /* One thread at a time uses a connection (note 3), the writer hands it
   * over: SQLite's own mutex is not needed. */
  if (sqlite3_open_v2 (name, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      g_set_error (error, STORE_ERROR, STORE_ERROR_OPEN, "%s: cannot open: %s", s->path,
                   s->db ? sqlite3_errmsg (s->db) : "out of memory");
      sqlite3_close (s->db);
      s->db = NULL;
      return FALSE;
    }
  sqlite3_extended_result_codes (s->db, 1);
  sqlite3_busy_timeout (s->db, STORE_BUSY_TIMEOUT_MS);
  /* The `event` view (open_common) reads the trace blobs through
   * trace_lines(), which lives in this connection only. */
  if (trace_blob_sql_register (s->db) != SQLITE_OK)
    {
      g_set_error (error, STORE_ERROR, STORE_ERROR_OPEN, "%s: registering trace_lines: %s",
                   s->path, sqlite3_errmsg (s->db));
      sqlite3_close (s->db);
      s->db = NULL;
      return FALSE;
    }
  return TRUE;
}

/* "file:PATH?QUERY" with PATH percent-encoded (a '?' or '#' in a file
 * name would otherwise end it). */
static char *
file_uri (const char *path, const char *query)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *esc = g_uri_escape_string (abs, "/", TRUE);
  return g_strdup_printf ("file:%s?%s", esc, query);
}

/* Note 8: a reader's connection.  Read-write with query_only where the
 * file and its directory are writable (so that closing it removes the
 * -wal and -shm files it had to make for a WAL database), else mode=ro,
 * else immutable=1 (read-only media, or a WAL database in a directory
 * where nobody may create its -shm). */
static gboolean
connect_reader (Store *s, GError **error)
{
  if (!g_file_test (s->path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, STORE_ERROR, STORE_ERROR_OPEN, "%s: cannot open: no such file",
                   s->path);
      return FALSE;
    }
  g_autofree char *dir = g_path_get_dirname (s->path);
  if (g_access (s->path, W_OK) == 0 && g_access (dir, W_OK) == 0)
    {
      if (!connect (s, s->path, SQLITE_OPEN_READWRITE, error))
        return FALSE;
      return store_exec (s, "PRAGMA query_only = 1", error);
    }
  g_autofree char *ro = file_uri (s->path, "mode=ro");
  if (!connect (s, ro, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, error))
    return FALSE;
  /* mode=ro fails only at the first read, when a WAL database needs a
   * -shm it cannot make. */
  if (sqlite3_exec (s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) == SQLITE_OK)
    return TRUE;
  sqlite3_close (s->db);
  s->db = NULL;
  g_autofree char *imm = file_uri (s->path, "immutable=1");
  return connect (s, imm, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, error);
}

/* The `event` view of schema 4, in this connection's temp schema
 * (store-schema.h).  A query_only reader lifts query_only for it: the
 * view touches no file. */
static gboolean
create_event_view (Store *s, GError **error)
{
  gboolean qo = s->readonly && sqlite3_exec (s->db, "PRAGMA query_only", NULL, NULL, NULL) == SQLITE_OK;
  if (qo && !store_exec (s, "PRAGMA query_only = 0", error))
    return FALSE;
  gboolean ok = store_exec (s, STORE_EVENT_VIEW_SQL, error);
  if (qo && !store_exec (s, "PRAGMA query_only = 1", ok ? error : NULL))
    ok = FALSE;
  return ok;
}

static Store *
open_common (const char *path, gboolean readonly, GError **error)
{
  Store *s = g_new0 (Store, 1);
  s->path = g_strdup (path);
  s->readonly = readonly;
  gboolean ok = readonly ? connect_reader (s, error)
                         : connect (s, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
                                    error);
  if (!ok)
    {
      store_close (s);
      return NULL;
    }

  GError *e = NULL;
  if (!readonly
      && !(exec_retry_busy (s, "PRAGMA journal_mode = WAL", &e)
           && store_exec (s, "PRAGMA synchronous = NORMAL", &e)))
    {
      /* The first read of a file that is not SQLite fails here. */
      int code = sqlite3_errcode (s->db) == SQLITE_NOTADB ? STORE_ERROR_VERSION : STORE_ERROR_OPEN;
      g_set_error (error, STORE_ERROR, code, "%s", e->message);
      g_error_free (e);
      store_close (s);
      return NULL;
    }
  if (readonly && sqlite3_exec (s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL)
                    == SQLITE_NOTADB)
    {
      g_set_error (error, STORE_ERROR, STORE_ERROR_VERSION,
                   "%s: not a sipsim results database (not SQLite)", path);
      store_close (s);
      return NULL;
    }
  if (!store_exec (s, "PRAGMA foreign_keys = ON", error)
      || (!readonly && !create_schema_if_empty (s, error))
      || !check_version (s, error)
      || !create_event_view (s, error))
    {
      store_close (s);
      return NULL;
    }
  return s;
}

Store *
store_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0777) != 0)
    {
      int errsv = errno;
      g_set_error (error, STORE_ERROR, STORE_ERROR_OPEN, "%s: cannot create directory %s: %s",
                   path, dir, g_strerror (errsv));
      g_free (dir);
      return NULL;
    }
  g_free (dir);
  return open_common (path, FALSE, error);
}

Store *
store_open_readonly (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return open_common (path, TRUE, error);
}

void
store_close (Store *store)
{
  if (store == NULL)
    return;
  for (int i = 0; i < ST_N; i++)
    sqlite3_finalize (store->stmt[i]);
  if (store->db && !store->readonly)
    {
      /* Note 8: at rest the file is one file.  Only the last connection
       * can leave WAL mode; any other fails at once (no busy wait) and
       * leaves it to the last.  A writer opening meanwhile waits for
       * this switch (note 7). */
      sqlite3_busy_timeout (store->db, 0);
      sqlite3_exec (store->db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    }
  sqlite3_close (store->db);
  g_free (store->path);
  g_free (store);
}

struct sqlite3 *
store_get_db (Store *store)
{
  g_return_val_if_fail (store != NULL, NULL);
  return store->db;
}

/* --------------------------------------------------------- experiments */

gint64
store_experiment (Store *store, const char *name, const char *scenario_text, guint64 seed,
                  GError **error)
{
  return store_experiment_mode (store, name, scenario_text, seed, "sim", error);
}

gint64
store_experiment_mode (Store *store, const char *name, const char *scenario_text, guint64 seed,
                       const char *mode, GError **error)
{
  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (name != NULL && scenario_text != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, scenario_text, -1);
  char seedhex[STORE_HEX64_STRLEN];
  store_hex64_format (seed, seedhex);
  char *created = utc_now_iso8601 ();
  gint64 id = 0;
  sqlite3_stmt *st = NULL;

  /* Insert-or-keep in one statement (another process may race us), then
   * read the id; the first name given to an experiment stays. */
  if (sqlite3_prepare_v2 (store->db,
                          "INSERT INTO experiment (name, scenario, scenario_hash, seed, version, created, mode)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                          " ON CONFLICT (scenario_hash, seed, mode) DO NOTHING",
                          -1, &st, NULL) != SQLITE_OK)
    {
      store_set_sql_error (store, error, "adding the experiment");
      goto out;
    }
  sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, scenario_text, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 4, seedhex, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 5, SIPSIM_VERSION, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 6, created, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 7, mode, -1, SQLITE_STATIC);
  if (sqlite3_step (st) != SQLITE_DONE)
    {
      store_set_sql_error (store, error, "adding the experiment");
      goto out;
    }
  sqlite3_finalize (st);
  st = NULL;
  if (sqlite3_prepare_v2 (store->db,
                          "SELECT id FROM experiment WHERE scenario_hash = ?1 AND seed = ?2 AND mode = ?3",
                          -1, &st, NULL) != SQLITE_OK)
    {
      store_set_sql_error (store, error, "finding the experiment");
      goto out;
    }
  sqlite3_bind_text (st, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, seedhex, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, mode, -1, SQLITE_STATIC);
  if (sqlite3_step (st) == SQLITE_ROW)
    id = sqlite3_column_int64 (st, 0);
  else
    store_set_sql_error (store, error, "finding the experiment");
out:
  sqlite3_finalize (st);
  g_free (created);
  g_free (hash);
  return id;
}

gint64
store_latest_experiment (Store *store)
{
  g_return_val_if_fail (store != NULL, 0);
  sqlite3_stmt *st = NULL;
  gint64 id = 0;
  if (sqlite3_prepare_v2 (store->db, "SELECT max(id) FROM experiment", -1, &st, NULL) == SQLITE_OK
      && sqlite3_step (st) == SQLITE_ROW && sqlite3_column_type (st, 0) != SQLITE_NULL)
    id = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return id;
}

char *
store_run_key (const char *point_key, guint replication)
{
  return g_strdup_printf ("%s\x1f%u", point_key, replication);
}

GHashTable *
store_done_runs (Store *store, gint64 experiment, GError **error)
{
  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (store->db,
                          "SELECT point_key, replication FROM run WHERE experiment_id = ?1",
                          -1, &st, NULL) != SQLITE_OK)
    {
      store_set_sql_error (store, error, "reading stored runs");
      return NULL;
    }
  sqlite3_bind_int64 (st, 1, experiment);
  GHashTable *done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_hash_table_add (done, store_run_key ((const char *) sqlite3_column_text (st, 0),
                                           (guint) sqlite3_column_int64 (st, 1)));
  if (rc != SQLITE_DONE)
    {
      store_set_sql_error (store, error, "reading stored runs");
      g_clear_pointer (&done, g_hash_table_unref);
    }
  sqlite3_finalize (st);
  return done;
}

/* ---------------------------------------------------------------- runs */

void
store_run_free (StoreRun *run)
{
  if (run == NULL)
    return;
  g_free (run->point_key);
  g_free (run->point_hash);
  g_strfreev (run->param_names);
  g_strfreev (run->param_values);
  run_result_free (run->result);
  g_free (run);
}

/* Writes @run's rows inside the caller's transaction, within its own
 * savepoint (note 2).  *@skipped: already stored, nothing written. */
gboolean
store_write_run (Store *s, const StoreRun *run, gboolean *skipped, GError **error)
{
  *skipped = FALSE;
  if (run->result == NULL)
    {
      g_set_error (error, STORE_ERROR, STORE_ERROR_INVALID,
                   "run point %u replication %u: no result", run->point, run->replication);
      return FALSE;
    }
  if (!store_exec (s, "SAVEPOINT store_run", error))
    return FALSE;

  const RunResult *r = run->result;
  char seedhex[STORE_HEX64_STRLEN], fphex[STORE_HEX64_STRLEN];
  char *finished = utc_now_iso8601 ();
  gboolean ok = FALSE;
  sqlite3_stmt *st;
  GBytes *blob = NULL;

  if (!(st = stmt_get (s, ST_RUN, error)))
    goto out;
  sqlite3_bind_int64 (st, 1, run->experiment);
  sqlite3_bind_int64 (st, 2, run->point);
  sqlite3_bind_text (st, 3, run->point_key ? run->point_key : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 4, run->replication);
  sqlite3_bind_text (st, 5, store_hex64_format (run->seed, seedhex), -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 6, r->error ? "failed" : "ok", -1, SQLITE_STATIC);
  if (r->error)
    sqlite3_bind_text (st, 7, r->error, -1, SQLITE_STATIC);
  else
    {
      sqlite3_bind_text (st, 8, store_hex64_format (r->fingerprint, fphex), -1, SQLITE_STATIC);
      sqlite3_bind_int (st, 15, SIM_FINGERPRINT_VERSION);
    }
  sqlite3_bind_double (st, 9, run->wall_s);
  sqlite3_bind_double (st, 10, sim_time_to_s (r->sim_time));
  sqlite3_bind_int64 (st, 11, (sqlite3_int64) r->events_executed);
  sqlite3_bind_int64 (st, 12, r->n_devices);
  sqlite3_bind_text (st, 13, finished, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 14, run->point_hash ? run->point_hash : "", -1, SQLITE_STATIC);
  if (!stmt_done (s, st, error, "storing the run"))
    goto out;
  gboolean inserted = sqlite3_changes (s->db) > 0;
  /* Stored (now or before): its claim, if any, has served (note 7). */
  if (!(st = stmt_get (s, ST_UNCLAIM, error)))
    goto out;
  sqlite3_bind_text (st, 1, run->point_hash ? run->point_hash : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 2, run->replication);
  sqlite3_bind_text (st, 3, seedhex, -1, SQLITE_STATIC);
  if (!stmt_done (s, st, error, "releasing the run's claim"))
    goto out;
  if (!inserted)
    {
      *skipped = TRUE;
      ok = TRUE;
      goto out;
    }
  gint64 run_id = sqlite3_last_insert_rowid (s->db);

  for (guint i = 0; i < run->n_params; i++)
    {
      if (!(st = stmt_get (s, ST_PARAM, error)))
        goto out;
      sqlite3_bind_int64 (st, 1, run_id);
      sqlite3_bind_text (st, 2, run->param_names[i], -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 3, run->param_values[i], -1, SQLITE_STATIC);
      if (!stmt_done (s, st, error, "storing a parameter"))
        goto out;
    }

  for (guint i = 0; r->metrics && i < r->metrics->len; i++)
    {
      const RunMetric *m = &g_array_index (r->metrics, RunMetric, i);
      if (!(st = stmt_get (s, ST_METRIC, error)))
        goto out;
      sqlite3_bind_int64 (st, 1, run_id);
      sqlite3_bind_text (st, 2, m->unit ? m->unit : "", -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 3, m->name, -1, SQLITE_STATIC);
      if (!m->null)   /* unbound stays NULL */
        sqlite3_bind_double (st, 4, m->value);
      if (!stmt_done (s, st, error, "storing a metric"))
        goto out;
    }

  /* Note 4: one blob per run (trace-blob.h note 1); a run without lines
   * has no row. */
  blob = r->trace_blob ? g_bytes_ref (r->trace_blob) : NULL;
  guint64 n_lines = r->trace_blob_lines;
  if (!blob && r->trace && r->trace->len > 0)
    {
      TraceBlobWriter *tw = trace_blob_writer_new ();
      for (guint i = 0; i < r->trace->len; i++)
        {
          const char *line = g_ptr_array_index (r->trace, i);
          gint64 t;
          const char *who, *text;
          gsize who_len;
          if (!trace_line_parse (line, &t, &who, &who_len, &text))
            {
              g_set_error (error, STORE_ERROR, STORE_ERROR_INVALID,
                           "run point %u replication %u: trace line %u is not \"TIME WHO TEXT\": %.80s",
                           run->point, run->replication, i, line);
              trace_blob_writer_free (tw);
              goto out;
            }
          trace_blob_writer_add (tw, t, who, who_len, text, strlen (text));
        }
      n_lines = trace_blob_writer_lines (tw);
      blob = trace_blob_writer_finish (tw, NULL);
    }
  if (blob && n_lines > 0)
    {
      if (!(st = stmt_get (s, ST_TRACE, error)))
        goto out;
      gsize blob_len;
      const void *blob_data = g_bytes_get_data (blob, &blob_len);
      sqlite3_bind_int64 (st, 1, run_id);
      sqlite3_bind_int (st, 2, TRACE_BLOB_FORMAT);
      sqlite3_bind_int64 (st, 3, n_lines);
      sqlite3_bind_blob64 (st, 4, blob_data, blob_len, SQLITE_STATIC);
      if (!stmt_done (s, st, error, "storing the trace"))
        goto out;
    }

  const RunObservations *obs = r->obs;
  for (guint i = 0; obs && obs->probes && i < obs->probes->len; i++)
    {
      const ObsProbe *p = &g_array_index (obs->probes, ObsProbe, i);
      if (obs->proxies == NULL || p->proxy >= obs->proxies->len)
        {
          g_set_error (error, STORE_ERROR, STORE_ERROR_INVALID,
                       "run point %u replication %u: probe %u names proxy %u, which the run does not have",
                       run->point, run->replication, i, p->proxy);
          goto out;
        }
      if (!(st = stmt_get (s, ST_PROBE, error)))
        goto out;
      sqlite3_bind_int64 (st, 1, run_id);
      sqlite3_bind_int64 (st, 2, i);
      if (obs->units && p->unit < obs->units->len)   /* else NULL: no unit has that AOR */
        sqlite3_bind_text (st, 3, g_array_index (obs->units, ObsUnit, p->unit).name, -1,
                           SQLITE_STATIC);
      sqlite3_bind_text (st, 4, g_array_index (obs->proxies, ObsProxy, p->proxy).name, -1,
                         SQLITE_STATIC);
      sqlite3_bind_double (st, 5, sim_time_to_s (p->sent_at));
      sqlite3_bind_double (st, 6, sim_time_to_s (p->done_at));
      sqlite3_bind_int (st, 7, p->reached ? 1 : 0);
      sqlite3_bind_text (st, 8, sip_proxy_probe_outcome_to_string (p->outcome), -1,
                         SQLITE_STATIC);
      if (!stmt_done (s, st, error, "storing a probe"))
        goto out;
    }
  ok = TRUE;

out:
  g_free (finished);
  if (blob)
    g_bytes_unref (blob);
  if (!ok)
    store_exec (s, "ROLLBACK TO store_run", NULL);
  /* RELEASE after ROLLBACK TO ends the (now empty) savepoint. */
  if (!store_exec (s, "RELEASE store_run", ok ? error : NULL))
    ok = FALSE;
  return ok;
}

gboolean
store_put_run (Store *store, StoreRun *run, GError **error)
{
  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  gboolean skipped;
  gboolean ok = store_exec (store, "BEGIN IMMEDIATE", error);
  if (ok)
    {
      ok = store_write_run (store, run, &skipped, error);
      /* A failed run left nothing behind (its savepoint is rolled back):
       * committing the empty transaction is harmless. */
      if (!store_exec (store, "COMMIT", ok ? error : NULL))
        {
          store_exec (store, "ROLLBACK", NULL);
          ok = FALSE;
        }
    }
  store_run_free (run);
  return ok;
}

