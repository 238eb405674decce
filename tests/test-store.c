/*
 * tests/test-store.c - the results database (experiment/store.h).
 *
 * Notes
 *
 * 1. Results are read back with plain SQL through the C API, as a user
 *    would, never through the store's own read helpers only: the schema
 *    (store-schema.h, doc/results.md) is the contract.
 *
 * 2. Expected values come from their definitions: SHA-256("abc") from
 *    FIPS 180-2 appendix B.1, hex seeds written by hand, trace times from
 *    the "S.NNNNNNNNN" format of sim_time_format().
 *
 * 3. /store/7-doc runs every ```sql block of doc/results.md against a
 *    database shaped like the doc's examples (SIPSIM_SOURCE_ROOT), so the
 *    doc cannot drift from the schema.
 */
#include <math.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sipsim-config.h"
#include "experiment/store.h"
#include "experiment/store-schema.h"

/* ------------------------------------------------------------ fixtures */

typedef struct {
  char *dir;
  char *path;
} Tmp;

static void
tmp_init (Tmp *t)
{
  GError *e = NULL;
  t->dir = g_dir_make_tmp ("test-store-XXXXXX", &e);
  g_assert_no_error (e);
  t->path = g_build_filename (t->dir, "sub", "deeper", "results.db", NULL);
}

static void
rm_rf (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      GDir *d = g_dir_open (path, 0, NULL);
      const char *n;
      while (d && (n = g_dir_read_name (d)))
        {
          char *c = g_build_filename (path, n, NULL);
          rm_rf (c);
          g_free (c);
        }
      if (d)
        g_dir_close (d);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
tmp_clear (Tmp *t)
{
  rm_rf (t->dir);
  g_free (t->dir);
  g_free (t->path);
}

static void
clear_metric (gpointer p)
{
  RunMetric *m = p;
  g_free (m->unit);
  g_free (m->name);
}

static GArray *
metrics_new (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (RunMetric));
  g_array_set_clear_func (a, clear_metric);
  return a;
}

static void
metric_add (GArray *a, const char *unit, const char *name, double v, gboolean null)
{
  RunMetric m = { g_strdup (unit), g_strdup (name), v, null };
  g_array_append_val (a, m);
}

/* A run as the runner would hand it over; @error non-NULL: failed.
 * @params: "name=value" strings, NULL-terminated (may be NULL). */
static StoreRun *
run_new (gint64 exp, guint point, const char *key, guint rep, guint64 seed,
         const char *error, const char *const *params)
{
  StoreRun *r = g_new0 (StoreRun, 1);
  r->experiment = exp;
  r->point = point;
  r->point_key = g_strdup (key);
  r->replication = rep;
  r->seed = seed;
  r->wall_s = 0.25;
  guint n = params ? g_strv_length ((char **) params) : 0;
  r->n_params = n;
  r->param_names = g_new0 (char *, n + 1);
  r->param_values = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      const char *eq = strchr (params[i], '=');
      g_assert_nonnull (eq);
      r->param_names[i] = g_strndup (params[i], (gsize) (eq - params[i]));
      r->param_values[i] = g_strdup (eq + 1);
    }
  RunResult *res = g_new0 (RunResult, 1);
  res->error = g_strdup (error);
  res->fingerprint = error ? 0 : seed * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  res->events_executed = 1000 + rep;
  res->sim_time = SIM_S (3600);
  res->n_devices = 1;
  res->metrics = metrics_new ();
  r->result = res;
  return r;
}

static Store *
open_new (Tmp *t)
{
  GError *e = NULL;
  Store *s = store_open (t->path, &e);
  g_assert_no_error (e);
  g_assert_nonnull (s);
  return s;
}

/* First column of the first row of @sql as text (newly allocated; NULL
 * for SQL NULL); fails the test if there is no row. */
static char *
q_text (Store *s, const char *sql)
{
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (store_get_db (s), sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  const unsigned char *v = sqlite3_column_text (st, 0);
  char *r = v ? g_strdup ((const char *) v) : NULL;
  sqlite3_finalize (st);
  return r;
}

static gint64
q_int (Store *s, const char *sql)
{
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (store_get_db (s), sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  gint64 v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return v;
}

static gboolean
q_null (Store *s, const char *sql)
{
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (store_get_db (s), sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  gboolean n = sqlite3_column_type (st, 0) == SQLITE_NULL;
  sqlite3_finalize (st);
  return n;
}

static void
raw_exec (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  char *msg = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  sqlite3_close (db);
}

/* ---------------------------------------------------------- 1: opening */

static void
test_open_schema (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);   /* sub/deeper/ do not exist yet */
  g_assert_true (g_file_test (t.path, G_FILE_TEST_IS_REGULAR));

  const char *tables[] = { "meta", "experiment", "run", "param", "metric", "trace", "probe",
                           "claim" };
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      char *sql = g_strdup_printf (
          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'", tables[i]);
      g_assert_cmpint (q_int (s, sql), ==, 1);
      g_free (sql);
    }
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM sqlite_master WHERE type = 'view'"
                             " AND name = 'run_metric'"), ==, 1);
  /* event: a view of this connection only, never stored in the file */
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM sqlite_temp_master WHERE type = 'view'"
                             " AND name = 'event'"), ==, 1);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM sqlite_master WHERE name = 'event'"), ==, 0);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                             " AND name IN ('run_experiment', 'metric_name', 'param_name',"
                             " 'run_identity', 'claim_owner')"), ==, 5);

  char *v = q_text (s, "SELECT value FROM meta WHERE key = 'schema_version'");
  g_assert_cmpstr (v, ==, "5");
  g_free (v);
  v = q_text (s, "SELECT value FROM meta WHERE key = 'sipsim_version'");
  g_assert_cmpstr (v, ==, SIPSIM_VERSION);
  g_free (v);
  /* ISO 8601 UTC: "YYYY-MM-DDTHH:MM:SS.mmmZ", which julianday() reads */
  g_assert_false (q_null (s, "SELECT julianday(value) FROM meta WHERE key = 'created'"));
  v = q_text (s, "SELECT value FROM meta WHERE key = 'created'");
  g_assert_cmpuint (strlen (v), ==, 24);
  g_assert_cmpint (v[10], ==, 'T');
  g_assert_cmpint (v[23], ==, 'Z');
  g_free (v);

  v = q_text (s, "PRAGMA journal_mode");
  g_assert_cmpstr (v, ==, "wal");
  g_free (v);
  g_assert_cmpint (q_int (s, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (q_int (s, "PRAGMA synchronous"), ==, 1);   /* NORMAL */
  g_assert_cmpint (store_latest_experiment (s), ==, 0);
  store_close (s);

  /* reopening finds the schema and does not add meta rows */
  s = open_new (&t);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM meta"), ==, 3);
  store_close (s);
  tmp_clear (&t);
}

static void
test_open_version_refused (void)
{
  Tmp t;
  tmp_init (&t);
  store_close (open_new (&t));
  raw_exec (t.path, "UPDATE meta SET value = '999' WHERE key = 'schema_version'");

  GError *e = NULL;
  Store *s = store_open (t.path, &e);
  g_assert_null (s);
  g_assert_error (e, STORE_ERROR, STORE_ERROR_VERSION);
  g_assert_nonnull (strstr (e->message, "schema version 999"));
  g_assert_nonnull (strstr (e->message, "reads 5"));
  g_clear_error (&e);

  /* schemas 1 and 2 (fingerprints of version 1): refused with what to do */
  for (const char *const *v = (const char *const[]) { "1", "2", NULL }; *v; v++)
    {
      g_autofree char *upd = g_strdup_printf ("UPDATE meta SET value = '%s'"
                                              " WHERE key = 'schema_version'", *v);
      raw_exec (t.path, upd);
      s = store_open (t.path, &e);
      g_assert_null (s);
      g_assert_error (e, STORE_ERROR, STORE_ERROR_VERSION);
      g_autofree char *what = g_strdup_printf ("schema version %s, this sipsim", *v);
      g_assert_nonnull (strstr (e->message, what));
      g_assert_nonnull (strstr (e->message, "fingerprints of version 1"));
      g_assert_nonnull (strstr (e->message, "sipsim merge NEW.db"));
      g_clear_error (&e);
    }

  /* schema 4 (no experiment.mode): refused, with the same way out */
  raw_exec (t.path, "UPDATE meta SET value = '4' WHERE key = 'schema_version'");
  s = store_open (t.path, &e);
  g_assert_null (s);
  g_assert_error (e, STORE_ERROR, STORE_ERROR_VERSION);
  g_assert_nonnull (strstr (e->message, "schema version 4, this sipsim"));
  g_assert_nonnull (strstr (e->message, "as simulated ones"));
  g_assert_nonnull (strstr (e->message, "sipsim merge NEW.db"));
  g_clear_error (&e);
  g_clear_error (&e);
  /* schema 3 (a trace as one event row per line): refused with what to do */
  raw_exec (t.path, "UPDATE meta SET value = '3' WHERE key = 'schema_version'");
  s = store_open (t.path, &e);
  g_assert_null (s);
  g_assert_error (e, STORE_ERROR, STORE_ERROR_VERSION);
  g_assert_nonnull (strstr (e->message, "schema version 3, this sipsim"));
  g_assert_nonnull (strstr (e->message, "traces one row per line"));
  g_assert_nonnull (strstr (e->message, "sipsim merge NEW.db"));
  g_clear_error (&e);

  s = store_open_readonly (t.path, &e);
  g_assert_null (s);
  g_assert_error (e, STORE_ERROR, STORE_ERROR_VERSION);
  g_clear_error (&e);

  /* no schema_version row */
  raw_exec (t.path, "DELETE FROM meta WHERE key = 'schema_version'");
  s = store_open (t.path, &e);
  g_assert_null (s);
  g_assert_error (e, STORE_ERROR, STORE_ERROR_VERSION);
  g_clear_error (&e);
  tmp_clear (&t);
}

static void
test_open_not_sipsim (void)
{
  Tmp t;
  tmp_init (&t);
  char *sub = g_path_get_dirname (t.path);
  g_mkdir_with_parents (sub, 0700);
  g_free (sub);

  /* a SQLite database of something else: never given our schema */
  raw_exec (t.path, "CREATE TABLE foo (x)");
  GError *e = NULL;
  Store *s = store_open (t.path, &e);
  g_assert_null (s);
  g_assert_error (e, STORE_ERROR, STORE_ERROR_VERSION);
  g_assert_nonnull (strstr (e->message, "not a sipsim results database"));
  g_clear_error (&e);
  raw_exec (t.path, "SELECT count(*) FROM foo");   /* untouched */

  /* not SQLite at all */
  char *txt = g_build_filename (t.dir, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (txt, "this is no database, just some text that is long "
                                      "enough to fill a header of one hundred bytes or so...",
                                      -1, NULL));
  s = store_open (txt, &e);
  g_assert_null (s);
  g_assert_error (e, STORE_ERROR, STORE_ERROR_VERSION);
  g_clear_error (&e);
  g_free (txt);
  tmp_clear (&t);
}

static void
test_open_readonly (void)
{
  Tmp t;
  tmp_init (&t);
  GError *e = NULL;

  /* read-only never creates */
  Store *s = store_open_readonly (t.path, &e);
  g_assert_null (s);
  g_assert_error (e, STORE_ERROR, STORE_ERROR_OPEN);
  g_clear_error (&e);
  g_assert_false (g_file_test (t.path, G_FILE_TEST_EXISTS));

  s = open_new (&t);
  gint64 exp = store_experiment (s, "x", "text", 1, &e);
  g_assert_no_error (e);
  g_assert_true (store_put_run (s, run_new (exp, 0, "", 0, 1, NULL, NULL), &e));
  g_assert_no_error (e);
  store_close (s);

  s = store_open_readonly (t.path, &e);
  g_assert_no_error (e);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run"), ==, 1);
  char *msg = NULL;
  int rc = sqlite3_exec (store_get_db (s), "INSERT INTO meta VALUES ('k', 'v')", NULL, NULL, &msg);
  g_assert_cmpint (rc & 0xff, ==, SQLITE_READONLY);
  sqlite3_free (msg);
  g_assert_cmpint (store_experiment (s, "y", "other text", 1, &e), ==, 0);
  g_assert_error (e, STORE_ERROR, STORE_ERROR_SQL);
  g_clear_error (&e);
  g_assert_false (store_put_run (s, run_new (exp, 0, "", 1, 2, NULL, NULL), &e));
  g_assert_error (e, STORE_ERROR, STORE_ERROR_SQL);
  g_clear_error (&e);
  store_close (s);

  s = open_new (&t);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run"), ==, 1);
  store_close (s);
  tmp_clear (&t);
}

/* ---------------------------------------------- 1: opens that race */

/* Two `sipsim run` on one file (doc/results.md, "Two writers, one
 * file") open and close it at the same moment.  Each open changes the
 * journal mode to WAL, each close back to DELETE (store.c note 7); both
 * changes read the file header and then upgrade to a write lock, and
 * SQLite answers a busy upgrade at once with SQLITE_BUSY instead of
 * calling the busy handler (a reader waiting for a writer that waits for
 * the reader would deadlock).  Every open here must succeed.  Threads,
 * not processes: SQLite's unix VFS shares one lock state per file among
 * the connections of a process, so two connections contend exactly as
 * two processes do. */
enum { RACE_ROUNDS = 50, RACE_CHURN_OPENS = 300 };

typedef struct {
  GMutex lock;
  GCond cond;
  guint waiting, generation, n_threads;
  const char *path;
  gboolean fresh;          /* each round starts from no file */
  gboolean readonly;       /* this thread opens with store_open_readonly */
  guint failures;          /* under lock */
  char *first_error;       /* under lock */
} Race;

static void
race_barrier (Race *r)
{
  g_mutex_lock (&r->lock);
  guint gen = r->generation;
  if (++r->waiting == r->n_threads)
    {
      r->waiting = 0;
      r->generation++;
      g_cond_broadcast (&r->cond);
    }
  else
    while (gen == r->generation)
      g_cond_wait (&r->cond, &r->lock);
  g_mutex_unlock (&r->lock);
}

static void
race_remove_files (const char *path)
{
  static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
  for (guint i = 0; i < G_N_ELEMENTS (sfx); i++)
    {
      char *f = g_strconcat (path, sfx[i], NULL);
      g_unlink (f);
      g_free (f);
    }
}

typedef struct {
  Race *race;
  guint index;
  gboolean readonly;
} RaceThread;

static gpointer
race_thread (gpointer data)
{
  RaceThread *rt = data;
  Race *r = rt->race;
  guint rounds = r->fresh ? RACE_ROUNDS : RACE_CHURN_OPENS;
  for (guint i = 0; i < rounds; i++)
    {
      if (r->fresh)
        {
          if (rt->index == 0)
            race_remove_files (r->path);
          race_barrier (r);
        }
      GError *e = NULL;
      Store *s = rt->readonly ? store_open_readonly (r->path, &e) : store_open (r->path, &e);
      if (s == NULL)
        {
          g_mutex_lock (&r->lock);
          r->failures++;
          if (r->first_error == NULL)
            r->first_error = g_strdup (e->message);
          g_mutex_unlock (&r->lock);
          g_clear_error (&e);
        }
      store_close (s);
      if (r->fresh)
        race_barrier (r);
    }
  return NULL;
}

static void
race_run (gboolean fresh, guint n_writers, guint n_readers)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);    /* makes the directories; a churn starts from a database */
  store_close (s);
  Race r = { .path = t.path, .fresh = fresh, .n_threads = n_writers + n_readers };
  g_mutex_init (&r.lock);
  g_cond_init (&r.cond);
  RaceThread rt[8];
  GThread *th[8];
  g_assert_cmpuint (r.n_threads, <=, G_N_ELEMENTS (th));
  for (guint i = 0; i < r.n_threads; i++)
    {
      rt[i] = (RaceThread) { &r, i, i >= n_writers };
      th[i] = g_thread_new ("race", race_thread, &rt[i]);
    }
  for (guint i = 0; i < r.n_threads; i++)
    g_thread_join (th[i]);
  if (r.failures > 0)
    g_test_message ("%u of %u opens failed, the first with: %s", r.failures,
                    r.n_threads * (fresh ? RACE_ROUNDS : RACE_CHURN_OPENS), r.first_error);
  g_assert_cmpstr (r.first_error, ==, NULL);
  /* At rest: the last close left WAL mode (store.h note 8). */
  s = open_new (&t);
  store_close (s);
  char *wal = g_strconcat (t.path, "-wal", NULL);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_free (wal);
  g_mutex_clear (&r.lock);
  g_cond_clear (&r.cond);
  tmp_clear (&t);
}

/* The race made certain (store.c note 7): a file at rest (rollback
 * mode) whose write lock another connection holds, as a second writer
 * does while it creates the file or the last one while it leaves WAL
 * mode.  Opening reads the header, then needs the write lock to set WAL
 * mode, and SQLite answers that at once with SQLITE_BUSY.  The lock goes
 * after HOLD_MS: the open must wait for it, not fail. */
enum { HOLD_MS = 300 };

static gpointer
release_after_hold (gpointer db)
{
  g_usleep (HOLD_MS * 1000);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  return NULL;
}

static void
test_open_while_write_locked (void)
{
  Tmp t;
  tmp_init (&t);
  store_close (open_new (&t));
  sqlite3 *other = NULL;
  g_assert_cmpint (sqlite3_open (t.path, &other), ==, SQLITE_OK);
  char *mode = NULL;
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (other, "PRAGMA journal_mode", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  mode = g_strdup ((const char *) sqlite3_column_text (st, 0));
  sqlite3_finalize (st);
  g_assert_cmpstr (mode, ==, "delete");   /* at rest (store.h note 8) */
  g_free (mode);
  g_assert_cmpint (sqlite3_exec (other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  GThread *th = g_thread_new ("holder", release_after_hold, other);
  gint64 t0 = g_get_monotonic_time ();
  GError *e = NULL;
  Store *s = store_open (t.path, &e);
  gint64 waited_ms = (g_get_monotonic_time () - t0) / 1000;
  g_assert_no_error (e);
  g_assert_nonnull (s);
  g_thread_join (th);
  /* It waited for the lock (less a scheduler's slack), in WAL mode now. */
  g_assert_cmpint (waited_ms, >=, HOLD_MS - 50);
  char *now = q_text (s, "PRAGMA journal_mode");
  g_assert_cmpstr (now, ==, "wal");
  g_free (now);
  store_close (s);
  sqlite3_close (other);
  tmp_clear (&t);
}

/* Both create the file: one writes the schema, the other finds it. */
static void
test_open_race_new_file (void)
{
  race_run (TRUE, 3, 0);
}

/* One opens while the other closes (and leaves WAL mode), a reader in
 * between. */
static void
test_open_race_churn (void)
{
  race_run (FALSE, 3, 1);
}

/* ------------------------------------------------------- 2: experiments */

static void
test_experiment_find_or_create (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;

  gint64 a = store_experiment (s, "first", "abc", 0x1234, &e);
  g_assert_no_error (e);
  g_assert_cmpint (a, >, 0);
  g_assert_cmpint (store_experiment (s, "renamed", "abc", 0x1234, &e), ==, a);
  gint64 b = store_experiment (s, "first", "abc", 0x1235, &e);
  g_assert_cmpint (b, !=, a);
  gint64 c = store_experiment (s, "first", "abc\n", 0x1234, &e);
  g_assert_no_error (e);
  g_assert_cmpint (c, !=, a);
  g_assert_cmpint (c, !=, b);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM experiment"), ==, 3);
  g_assert_cmpint (store_latest_experiment (s), ==, c);

  StoreExperimentInfo info;
  g_assert_true (store_get_experiment_info (s, a, &info, &e));
  g_assert_cmpstr (info.name, ==, "first");   /* the first name stays */
  g_assert_cmpstr (info.scenario, ==, "abc");
  /* FIPS 180-2, appendix B.1 */
  g_assert_cmpstr (info.scenario_hash, ==,
                   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  g_assert_cmpuint (info.seed, ==, 0x1234);
  g_assert_cmpstr (info.version, ==, SIPSIM_VERSION);
  g_assert_cmpstr (info.mode, ==, "sim");
  store_experiment_info_clear (&info);
  /* The same scenario and seed run live is another experiment (schema 2). */
  gint64 l = store_experiment_mode (s, "first", "abc", 0x1234, "live", &e);
  g_assert_no_error (e);
  g_assert_cmpint (l, !=, a);
  g_assert_cmpint (store_experiment_mode (s, "x", "abc", 0x1234, "live", &e), ==, l);
  g_assert_true (store_get_experiment_info (s, l, &info, &e));
  g_assert_cmpstr (info.mode, ==, "live");
  store_experiment_info_clear (&info);
  g_assert_cmpint (store_experiment_mode (s, "x", "abc", 0x1234, "dream", &e), ==, 0);
  g_assert_nonnull (e);   /* CHECK (mode IN ('sim', 'live')) */
  g_clear_error (&e);
  char *seed = q_text (s, "SELECT seed FROM experiment ORDER BY id LIMIT 1");
  g_assert_cmpstr (seed, ==, "0000000000001234");
  g_free (seed);

  char *text = store_get_experiment_scenario (s, c, &e);
  g_assert_cmpstr (text, ==, "abc\n");
  g_free (text);
  g_assert_null (store_get_experiment_scenario (s, 999, &e));
  g_assert_error (e, STORE_ERROR, STORE_ERROR_NOT_FOUND);
  g_clear_error (&e);

  /* a seed above 2^63 survives as text */
  gint64 d = store_experiment (s, "big", "abc", G_GUINT64_CONSTANT (0xfedcba9876543210), &e);
  g_assert_true (store_get_experiment_info (s, d, &info, &e));
  g_assert_cmpuint (info.seed, ==, G_GUINT64_CONSTANT (0xfedcba9876543210));
  store_experiment_info_clear (&info);
  store_close (s);

  /* found again after reopening */
  s = open_new (&t);
  g_assert_cmpint (store_experiment (s, "first", "abc", 0x1234, &e), ==, a);
  store_close (s);
  tmp_clear (&t);
}

static void
test_hex64 (void)
{
  char buf[STORE_HEX64_STRLEN];
  g_assert_cmpstr (store_hex64_format (0, buf), ==, "0000000000000000");
  g_assert_cmpstr (store_hex64_format (G_MAXUINT64, buf), ==, "ffffffffffffffff");
  guint64 v;
  g_assert_true (store_hex64_parse ("DEADbeef", &v));
  g_assert_cmpuint (v, ==, 0xdeadbeef);
  g_assert_true (store_hex64_parse ("ffffffffffffffff", &v));
  g_assert_cmpuint (v, ==, G_MAXUINT64);
  g_assert_false (store_hex64_parse ("", &v));
  g_assert_false (store_hex64_parse ("12345678901234567", &v));   /* 17 digits */
  g_assert_false (store_hex64_parse ("12x", &v));
  g_assert_false (store_hex64_parse ("0x12", &v));
  g_assert_false (store_hex64_parse (NULL, &v));
}

/* --------------------------------------------------------------- 3: runs */

static void
test_run_metrics (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;
  gint64 exp = store_experiment (s, "x", "scenario", 7, &e);

  const char *params[] = { "ka=15", "nat=30", NULL };
  StoreRun *r = run_new (exp, 3, "ka=15,nat=30", 2, 0xabc, NULL, params);
  r->wall_s = 0.5;
  r->result->fingerprint = G_GUINT64_CONSTANT (0xfedcba9876543210);
  r->result->sim_time = SIM_S (3600) + SIM_MS (250);
  r->result->events_executed = 123456;
  r->result->n_devices = 2;
  metric_add (r->result->metrics, "", "failover_s", 0, TRUE);
  metric_add (r->result->metrics, "", "pinhole_survival", 0.875, FALSE);
  metric_add (r->result->metrics, "", "pinhole_expiries", 0, FALSE);   /* a real 0 */
  metric_add (r->result->metrics, "phone-0/SP1", "pinhole_survival", 1.0, FALSE);
  metric_add (r->result->metrics, "phone-1/SP1", "pinhole_survival", 0.75, FALSE);
  g_assert_true (store_put_run (s, r, &e));
  g_assert_no_error (e);

  gint64 id = store_find_run (s, exp, "ka=15,nat=30", 2, &e);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpint (store_find_run (s, exp, "ka=15,nat=30", 3, &e), ==, 0);
  g_assert_no_error (e);

  char *v = q_text (s, "SELECT status || '|' || fingerprint || '|' || seed || '|' || point"
                       " || '|' || point_key || '|' || replication FROM run");
  g_assert_cmpstr (v, ==, "ok|fedcba9876543210|0000000000000abc|3|ka=15,nat=30|2");
  g_free (v);
  g_assert_true (q_null (s, "SELECT error FROM run"));
  g_assert_cmpint (q_int (s, "SELECT sim_s = 3600.25 AND wall_s = 0.5 AND events = 123456"
                             " AND devices = 2 FROM run"), ==, 1);
  g_assert_false (q_null (s, "SELECT julianday(finished) FROM run"));

  g_assert_cmpint (q_int (s, "SELECT count(*) FROM metric"), ==, 5);
  g_assert_true (q_null (s, "SELECT value FROM metric WHERE unit = '' AND name = 'failover_s'"));
  g_assert_false (q_null (s, "SELECT value FROM metric WHERE name = 'pinhole_expiries'"));
  g_assert_cmpint (q_int (s, "SELECT value = 0 FROM metric WHERE name = 'pinhole_expiries'"), ==, 1);
  g_assert_cmpint (q_int (s, "SELECT value = 0.875 FROM metric WHERE unit = ''"
                             " AND name = 'pinhole_survival'"), ==, 1);
  g_assert_cmpint (q_int (s, "SELECT value = 0.75 FROM metric WHERE unit = 'phone-1/SP1'"), ==, 1);
  /* the view: aggregates only */
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run_metric"), ==, 3);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM param"), ==, 2);
  v = q_text (s, "SELECT group_concat(name || '=' || value, ',') FROM"
                 " (SELECT * FROM param ORDER BY name)");
  g_assert_cmpstr (v, ==, "ka=15,nat=30");
  g_free (v);

  StoreRunInfo info;
  g_assert_true (store_get_run_info (s, id, &info, &e));
  g_assert_cmpint (info.experiment, ==, exp);
  g_assert_cmpuint (info.point, ==, 3);
  g_assert_cmpstr (info.point_key, ==, "ka=15,nat=30");
  g_assert_cmpuint (info.replication, ==, 2);
  g_assert_cmpuint (info.seed, ==, 0xabc);
  g_assert_true (info.ok);
  g_assert_null (info.error);
  g_assert_true (info.has_fingerprint);
  g_assert_cmpuint (info.fingerprint, ==, G_GUINT64_CONSTANT (0xfedcba9876543210));
  g_assert_cmpuint (info.fingerprint_version, ==, SIM_FINGERPRINT_VERSION);
  g_assert_cmpint (q_int (s, "SELECT fingerprint_version FROM run"), ==, 3);
  g_assert_cmpuint (info.events, ==, 123456);
  g_assert_cmpuint (info.devices, ==, 2);
  store_run_info_clear (&info);
  g_assert_false (store_get_run_info (s, id + 100, &info, &e));
  g_assert_error (e, STORE_ERROR, STORE_ERROR_NOT_FOUND);
  g_clear_error (&e);

  GHashTable *p = store_get_run_params (s, id, &e);
  g_assert_cmpuint (g_hash_table_size (p), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (p, "nat"), ==, "30");
  g_hash_table_unref (p);
  store_close (s);
  tmp_clear (&t);
}

static void
test_run_failed (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;
  gint64 exp = store_experiment (s, "x", "scenario", 7, &e);
  StoreRun *r = run_new (exp, 0, "", 0, 5, "proxy pbx-a: no such registrar", NULL);
  r->result->fingerprint = 0x1111;   /* whatever the kernel had: not stored */
  g_assert_true (store_put_run (s, r, &e));
  g_assert_no_error (e);

  char *v = q_text (s, "SELECT status || '|' || error FROM run");
  g_assert_cmpstr (v, ==, "failed|proxy pbx-a: no such registrar");
  g_free (v);
  g_assert_true (q_null (s, "SELECT fingerprint FROM run"));
  g_assert_true (q_null (s, "SELECT fingerprint_version FROM run"));
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run_metric"), ==, 0);

  StoreRunInfo info;
  g_assert_true (store_get_run_info (s, q_int (s, "SELECT id FROM run"), &info, &e));
  g_assert_false (info.ok);
  g_assert_false (info.has_fingerprint);
  g_assert_cmpstr (info.error, ==, "proxy pbx-a: no such registrar");
  store_run_info_clear (&info);
  store_close (s);
  tmp_clear (&t);
}

static void
test_run_duplicate_kept (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;
  gint64 exp = store_experiment (s, "x", "scenario", 7, &e);
  StoreRun *r = run_new (exp, 0, "ka=15", 0, 5, NULL, NULL);
  r->wall_s = 1.0;
  metric_add (r->result->metrics, "", "outage_s", 10, FALSE);
  g_assert_true (store_put_run (s, r, &e));
  r = run_new (exp, 0, "ka=15", 0, 5, NULL, NULL);
  r->wall_s = 2.0;
  metric_add (r->result->metrics, "", "outage_s", 20, FALSE);
  g_assert_true (store_put_run (s, r, &e));
  g_assert_no_error (e);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run"), ==, 1);
  g_assert_cmpint (q_int (s, "SELECT wall_s = 1.0 FROM run"), ==, 1);
  g_assert_cmpint (q_int (s, "SELECT value = 10 FROM metric"), ==, 1);
  store_close (s);
  tmp_clear (&t);
}

static void
test_run_rolled_back (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;
  gint64 exp = store_experiment (s, "x", "scenario", 7, &e);

  /* the same metric twice: the primary key refuses the second row, and
   * the run row and first metric written before go too */
  StoreRun *r = run_new (exp, 0, "", 0, 5, NULL, NULL);
  metric_add (r->result->metrics, "", "outage_s", 1, FALSE);
  metric_add (r->result->metrics, "", "outage_s", 2, FALSE);
  g_assert_false (store_put_run (s, r, &e));
  g_assert_error (e, STORE_ERROR, STORE_ERROR_SQL);
  g_clear_error (&e);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run"), ==, 0);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM metric"), ==, 0);

  /* an unknown experiment: foreign key */
  g_assert_false (store_put_run (s, run_new (exp + 40, 0, "", 0, 5, NULL, NULL), &e));
  g_assert_error (e, STORE_ERROR, STORE_ERROR_SQL);
  g_clear_error (&e);

  /* no result at all */
  r = run_new (exp, 0, "", 0, 5, NULL, NULL);
  g_clear_pointer (&r->result, run_result_free);
  g_assert_false (store_put_run (s, r, &e));
  g_assert_error (e, STORE_ERROR, STORE_ERROR_INVALID);
  g_clear_error (&e);

  /* the store is still usable */
  g_assert_true (store_put_run (s, run_new (exp, 0, "", 0, 5, NULL, NULL), &e));
  g_assert_no_error (e);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run"), ==, 1);
  store_close (s);
  tmp_clear (&t);
}

/* ------------------------------------------------------------ 4: resume */

static void
test_done_runs (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;
  gint64 exp = store_experiment (s, "x", "scenario", 7, &e);
  gint64 other = store_experiment (s, "x", "scenario", 8, &e);
  g_assert_true (store_put_run (s, run_new (exp, 0, "ka=15", 0, 1, NULL, NULL), &e));
  g_assert_true (store_put_run (s, run_new (exp, 0, "ka=15", 1, 2, NULL, NULL), &e));
  g_assert_true (store_put_run (s, run_new (exp, 1, "ka=30", 12, 3, "boom", NULL), &e));
  g_assert_true (store_put_run (s, run_new (other, 0, "", 0, 4, NULL, NULL), &e));
  g_assert_no_error (e);

  GHashTable *done = store_done_runs (s, exp, &e);
  g_assert_no_error (e);
  g_assert_cmpuint (g_hash_table_size (done), ==, 3);
  g_assert_true (g_hash_table_contains (done, "ka=15\x1f" "0"));
  g_assert_true (g_hash_table_contains (done, "ka=15\x1f" "1"));
  g_assert_true (g_hash_table_contains (done, "ka=30\x1f" "12"));   /* failed counts as done */
  g_assert_false (g_hash_table_contains (done, "ka=15\x1f" "2"));
  g_hash_table_unref (done);

  done = store_done_runs (s, other, &e);
  g_assert_cmpuint (g_hash_table_size (done), ==, 1);
  g_assert_true (g_hash_table_contains (done, "\x1f" "0"));
  g_hash_table_unref (done);
  done = store_done_runs (s, 999, &e);
  g_assert_cmpuint (g_hash_table_size (done), ==, 0);
  g_hash_table_unref (done);
  store_close (s);
  tmp_clear (&t);
}

/* ------------------------------------------------------------ 5: writer */

typedef struct {
  StoreWriter *w;
  gint64       exp;
  guint        point;
  guint        n;
} Producer;

static gpointer
produce (gpointer data)
{
  Producer *p = data;
  char *key = g_strdup_printf ("thread=%u", p->point);
  char *param = g_strdup_printf ("thread=%u", p->point);
  const char *params[] = { param, NULL };
  for (guint i = 0; i < p->n; i++)
    {
      StoreRun *r = run_new (p->exp, p->point, key, i, p->point * 100000u + i, NULL, params);
      metric_add (r->result->metrics, "", "outage_s", i, FALSE);
      metric_add (r->result->metrics, "", "failover_s", 0, TRUE);
      store_writer_submit (p->w, r);
    }
  g_free (key);
  g_free (param);
  return NULL;
}

/* Waits (bounded) until the writer has committed @n runs. */
static void
wait_committed (StoreWriter *w, guint n)
{
  for (int i = 0; i < 30000 && store_writer_committed (w) < n; i++)
    g_usleep (1000);
  g_assert_cmpuint (store_writer_committed (w), ==, n);
}

static void
test_writer_two_threads (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;
  gint64 exp = store_experiment (s, "x", "scenario", 7, &e);

  StoreWriter *w = store_writer_start (s);
  Producer p[2] = { { w, exp, 0, 500 }, { w, exp, 1, 500 } };
  GThread *th[2];
  for (int i = 0; i < 2; i++)
    th[i] = g_thread_new ("producer", produce, &p[i]);
  for (int i = 0; i < 2; i++)
    g_thread_join (th[i]);
  wait_committed (w, 1000);
  g_assert_cmpuint (store_writer_skipped (w), ==, 0);
  g_assert_true (store_writer_finish (w, &e));
  g_assert_no_error (e);

  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run"), ==, 1000);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM metric"), ==, 2000);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM param"), ==, 1000);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM metric WHERE name = 'failover_s'"
                             " AND value IS NULL"), ==, 1000);
  /* every (point, replication) once; both threads complete */
  g_assert_cmpint (q_int (s, "SELECT count(DISTINCT point || '/' || replication) FROM run"), ==, 1000);
  g_assert_cmpint (q_int (s, "SELECT sum(value) FROM metric WHERE name = 'outage_s'"),
                   ==, 2 * (499 * 500 / 2));

  /* resubmitting the same runs: all skipped, nothing committed */
  w = store_writer_start (s);
  Producer again = { w, exp, 1, 10 };
  produce (&again);
  for (int i = 0; i < 30000 && store_writer_skipped (w) < 10; i++)
    g_usleep (1000);
  g_assert_cmpuint (store_writer_skipped (w), ==, 10);
  g_assert_cmpuint (store_writer_committed (w), ==, 0);
  g_assert_true (store_writer_finish (w, &e));
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run"), ==, 1000);
  store_close (s);
  tmp_clear (&t);
}

static void
test_writer_bad_run (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;
  gint64 exp = store_experiment (s, "x", "scenario", 7, &e);

  StoreWriter *w = store_writer_start (s);
  store_writer_submit (w, run_new (exp, 0, "", 0, 1, NULL, NULL));
  StoreRun *bad = run_new (exp, 0, "", 1, 2, NULL, NULL);
  metric_add (bad->result->metrics, "", "outage_s", 1, FALSE);
  metric_add (bad->result->metrics, "", "outage_s", 2, FALSE);
  store_writer_submit (w, bad);
  store_writer_submit (w, run_new (exp, 0, "", 2, 3, NULL, NULL));
  StoreRun *bad2 = run_new (exp + 5, 0, "", 3, 4, NULL, NULL);   /* no such experiment */
  store_writer_submit (w, bad2);
  wait_committed (w, 2);
  g_assert_false (store_writer_finish (w, &e));
  /* the first error is reported */
  g_assert_error (e, STORE_ERROR, STORE_ERROR_SQL);
  g_assert_nonnull (strstr (e->message, "metric"));
  g_clear_error (&e);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run"), ==, 2);
  char *reps = q_text (s, "SELECT group_concat(replication) FROM"
                          " (SELECT replication FROM run ORDER BY replication)");
  g_assert_cmpstr (reps, ==, "0,2");
  g_free (reps);
  store_close (s);
  tmp_clear (&t);
}

/* WAL: a reader opened while the writer runs sees every committed batch
 * and does not block the writer (store.h note 1). */
static void
test_writer_concurrent_reader (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;
  gint64 exp = store_experiment (s, "x", "scenario", 7, &e);
  StoreWriter *w = store_writer_start (s);
  Producer p = { w, exp, 0, 100 };
  produce (&p);
  wait_committed (w, 100);

  Store *r = store_open_readonly (t.path, &e);
  g_assert_no_error (e);
  g_assert_cmpint (q_int (r, "SELECT count(*) FROM run"), ==, 100);
  /* a read transaction held open while the writer commits more */
  g_assert_cmpint (sqlite3_exec (store_get_db (r), "BEGIN; SELECT count(*) FROM run;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  Producer more = { w, exp, 1, 100 };
  produce (&more);
  wait_committed (w, 200);
  g_assert_cmpint (q_int (r, "SELECT count(*) FROM run"), ==, 100);   /* its snapshot */
  g_assert_cmpint (sqlite3_exec (store_get_db (r), "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (q_int (r, "SELECT count(*) FROM run"), ==, 200);
  g_assert_true (store_writer_finish (w, &e));
  store_close (r);
  store_close (s);
  tmp_clear (&t);
}

static void
test_open_bad_parent (void)
{
  Tmp t;
  tmp_init (&t);
  char *file = g_build_filename (t.dir, "plain-file", NULL);
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  char *path = g_build_filename (file, "results.db", NULL);
  GError *e = NULL;
  g_assert_null (store_open (path, &e));
  g_assert_error (e, STORE_ERROR, STORE_ERROR_OPEN);
  g_clear_error (&e);
  g_free (path);
  g_free (file);
  tmp_clear (&t);
}

/* ------------------------------------------------------ 6: trace, probes */

static void
test_trace_events (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;
  gint64 exp = store_experiment (s, "x", "scenario", 7, &e);

  /* the kernel's own formatting of 12 s + 345678901 ns */
  char tbuf[SIM_TIME_STRLEN];
  char *kline = g_strdup_printf ("%s phone-3 REGISTER sent to 192.0.2.10:5060",
                                 sim_time_format (SIM_S (12) + SIM_NS (345678901), tbuf));
  StoreRun *r = run_new (exp, 0, "", 0, 1, NULL, NULL);
  r->result->trace = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (r->result->trace, g_strdup ("0.000000000 kernel start"));
  g_ptr_array_add (r->result->trace, kline);
  g_ptr_array_add (r->result->trace, g_strdup ("3600.000000001 pbx-a 200 OK  (two spaces kept)"));
  g_ptr_array_add (r->result->trace, g_strdup ("9223372036.854775807 end"));
  r->result->trace_lines = 4;
  g_assert_true (store_put_run (s, r, &e));
  g_assert_no_error (e);

  g_assert_cmpint (q_int (s, "SELECT count(*) FROM event"), ==, 4);
  g_assert_cmpint (q_int (s, "SELECT time_ns FROM event WHERE seq = 0"), ==, 0);
  g_assert_cmpint (q_int (s, "SELECT time_ns FROM event WHERE seq = 1"), ==, G_GINT64_CONSTANT (12345678901));
  g_assert_cmpint (q_int (s, "SELECT time_ns FROM event WHERE seq = 2"), ==, G_GINT64_CONSTANT (3600000000001));
  g_assert_cmpint (q_int (s, "SELECT time_ns FROM event WHERE seq = 3"), ==, G_MAXINT64);
  char *v = q_text (s, "SELECT who || '|' || text FROM event WHERE seq = 1");
  g_assert_cmpstr (v, ==, "phone-3|REGISTER sent to 192.0.2.10:5060");
  g_free (v);
  v = q_text (s, "SELECT who || '|' || text FROM event WHERE seq = 2");
  g_assert_cmpstr (v, ==, "pbx-a|200 OK  (two spaces kept)");
  g_free (v);
  v = q_text (s, "SELECT who || '|' || text FROM event WHERE seq = 3");
  g_assert_cmpstr (v, ==, "end|");
  g_free (v);
  /* one row, not one per line (schema 4) */
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM trace"), ==, 1);
  g_assert_cmpint (q_int (s, "SELECT lines FROM trace"), ==, 4);
  /* `sipsim trace --lines` gives the lines back as they were written */
  {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&buf, &len);
    guint64 n = 0;
    g_assert_true (store_write_trace (s, 1, f, &n, &e));
    g_assert_no_error (e);
    fclose (f);
    g_assert_cmpuint (n, ==, 4);
    g_assert_cmpstr (buf, ==, "0.000000000 kernel start\n"
                              "12.345678901 phone-3 REGISTER sent to 192.0.2.10:5060\n"
                              "3600.000000001 pbx-a 200 OK  (two spaces kept)\n"
                              "9223372036.854775807 end\n");
    free (buf);
  }
  g_assert_false (store_write_trace (s, 99, stdout, NULL, &e));
  g_assert_error (e, STORE_ERROR, STORE_ERROR_NOT_FOUND);
  g_clear_error (&e);

  /* malformed lines: the run is refused whole */
  const char *bad[] = {
    "12.34567890 phone eight decimals",
    "12345678901 phone no point",
    ".000000000 phone no seconds",
    "1.000000000",                        /* no who */
    "1.000000000  two spaces, empty who",
    "9223372036.854775808 x one past the maximum",
    "99999999999999999999.000000000 x overflow",
    "",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      r = run_new (exp, 1, "bad", i, 2, NULL, NULL);
      metric_add (r->result->metrics, "", "outage_s", 1, FALSE);
      r->result->trace = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (r->result->trace, g_strdup ("0.000000000 kernel start"));
      g_ptr_array_add (r->result->trace, g_strdup (bad[i]));
      g_assert_false (store_put_run (s, r, &e));
      g_assert_error (e, STORE_ERROR, STORE_ERROR_INVALID);
      g_clear_error (&e);
    }
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run"), ==, 1);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM event"), ==, 4);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM metric"), ==, 0);
  store_close (s);
  tmp_clear (&t);
}

static void
obs_add_unit (RunObservations *obs, const char *name)
{
  ObsUnit u = { 0 };
  u.name = g_strdup (name);
  u.aor = g_strdup_printf ("%s@example.com", name);
  g_array_append_val (obs->units, u);
}

static void
obs_add_proxy (RunObservations *obs, const char *name)
{
  ObsProxy p = { 0 };
  p.name = g_strdup (name);
  g_array_append_val (obs->proxies, p);
}

static void
obs_add_probe (RunObservations *obs, guint unit, guint proxy, SimTime sent, SimTime done,
               gboolean reached, SipProxyProbeOutcome outcome)
{
  ObsProbe p = { unit, proxy, sent, done, reached, outcome };
  g_array_append_val (obs->probes, p);
}

static void
test_probes (void)
{
  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  GError *e = NULL;
  gint64 exp = store_experiment (s, "x", "scenario", 7, &e);

  StoreRun *r = run_new (exp, 0, "", 0, 1, NULL, NULL);
  RunObservations *obs = r->result->obs = run_observations_new ();
  obs_add_unit (obs, "phone/SP1");
  obs_add_proxy (obs, "pbx-a");
  obs_add_proxy (obs, "pbx-b");
  obs_add_probe (obs, 0, 1, SIM_S (100), SIM_S (100) + SIM_MS (20), TRUE, SIP_PROXY_PROBE_OK);
  /* Timer F = 64 x T1 = 32 s (RFC 3261 17.1.2.2) */
  obs_add_probe (obs, 0, 0, SIM_S (200), SIM_S (232), FALSE, SIP_PROXY_PROBE_TIMEOUT);
  obs_add_probe (obs, G_MAXUINT, 0, SIM_S (300), SIM_S (300), FALSE, SIP_PROXY_PROBE_NO_FLOW);
  g_assert_true (store_put_run (s, r, &e));
  g_assert_no_error (e);

  g_assert_cmpint (q_int (s, "SELECT count(*) FROM probe"), ==, 3);
  char *v = q_text (s, "SELECT unit || '|' || proxy || '|' || reached FROM probe WHERE seq = 0");
  g_assert_cmpstr (v, ==, "phone/SP1|pbx-b|1");
  g_free (v);
  g_assert_cmpint (q_int (s, "SELECT sent_s = 100 AND done_s = 100.02 FROM probe WHERE seq = 0"), ==, 1);
  g_assert_cmpint (q_int (s, "SELECT done_s - sent_s = 32 FROM probe WHERE seq = 1"), ==, 1);
  v = q_text (s, "SELECT outcome FROM probe WHERE seq = 1");
  g_assert_cmpstr (v, ==, sip_proxy_probe_outcome_to_string (SIP_PROXY_PROBE_TIMEOUT));
  g_free (v);
  g_assert_true (q_null (s, "SELECT unit FROM probe WHERE seq = 2"));

  /* a probe naming a proxy the observations lack */
  r = run_new (exp, 0, "", 1, 1, NULL, NULL);
  obs = r->result->obs = run_observations_new ();
  obs_add_probe (obs, 0, 0, SIM_S (1), SIM_S (2), TRUE, SIP_PROXY_PROBE_OK);
  g_assert_false (store_put_run (s, r, &e));
  g_assert_error (e, STORE_ERROR, STORE_ERROR_INVALID);
  g_clear_error (&e);
  g_assert_cmpint (q_int (s, "SELECT count(*) FROM run"), ==, 1);
  store_close (s);
  tmp_clear (&t);
}

/* --------------------------------------------------------------- 7: doc */

/* The database the doc's examples talk about: experiment 1 sweeps ka x nat
 * (4 points, 5 replications, one failed run, two units with per-unit
 * rows, one traced run with probes); experiment 2 is the same sweep with
 * another scenario text. */
static void
fill_doc_db (Store *s)
{
  GError *e = NULL;
  const char *kas[] = { "15", "60" }, *nats[] = { "30", "120" };
  for (int x = 0; x < 2; x++)
    {
      char *text = g_strdup_printf ("[general]\nname = sweep\n# firmware %d\n", x + 1);
      gint64 exp = store_experiment (s, "sweep", text, 1, &e);
      g_assert_no_error (e);
      g_assert_cmpint (exp, ==, x + 1);
      g_free (text);
      StoreWriter *w = store_writer_start (s);
      guint point = 0;
      for (int k = 0; k < 2; k++)
        for (int n = 0; n < 2; n++, point++)
          for (guint rep = 0; rep < 5; rep++)
            {
              char *key = g_strdup_printf ("ka=%s,nat=%s", kas[k], nats[n]);
              char *p1 = g_strdup_printf ("ka=%s", kas[k]), *p2 = g_strdup_printf ("nat=%s", nats[n]);
              const char *params[] = { p1, p2, NULL };
              gboolean fail = x == 1 && point == 3 && rep == 4;
              StoreRun *r = run_new (exp, point, key, rep, point * 100 + rep,
                                     fail ? "scenario: proxy pbx-b refused the spec" : NULL,
                                     params);
              r->wall_s = 0.01 * (rep + 1);
              r->result->n_devices = 2;
              if (!fail)
                {
                  GArray *m = r->result->metrics;
                  gboolean ok = k == 0 || n == 1;   /* ka below the NAT timeout */
                  double surv = ok ? 1.0 - 0.002 * rep : 0.5 + 0.05 * rep;
                  metric_add (m, "", "pinhole_survival", surv, FALSE);
                  metric_add (m, "", "failover_s", 30 + 2 * rep + 5 * x, rep == 0);
                  metric_add (m, "", "outage_s", ok ? rep : 100 + rep, FALSE);
                  for (int u = 0; u < 2; u++)
                    {
                      char *unit = g_strdup_printf ("phone-%d/SP1", u);
                      metric_add (m, unit, "outage_s", (ok ? rep : 100 + rep) + u, FALSE);
                      metric_add (m, unit, "pinhole_survival", surv, FALSE);
                      g_free (unit);
                    }
                  if (x == 1 && point == 0 && rep == 0)
                    {
                      r->result->trace = g_ptr_array_new_with_free_func (g_free);
                      g_ptr_array_add (r->result->trace, g_strdup ("0.000000000 phone-0 power on"));
                      g_ptr_array_add (r->result->trace, g_strdup ("0.010000000 pbx-a REGISTER 200"));
                      RunObservations *obs = r->result->obs = run_observations_new ();
                      obs_add_unit (obs, "phone-0/SP1");
                      obs_add_proxy (obs, "pbx-a");
                      obs_add_probe (obs, 0, 0, SIM_S (60), SIM_S (60) + SIM_MS (20), TRUE,
                                     SIP_PROXY_PROBE_OK);
                    }
                }
              store_writer_submit (w, r);
              g_free (key);
              g_free (p1);
              g_free (p2);
            }
      g_assert_true (store_writer_finish (w, &e));
      g_assert_no_error (e);
    }
}

/* The ```sql blocks of @md, in order. */
static GPtrArray *
sql_blocks (const char *md)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const char *p = md;
  while ((p = strstr (p, "```sql\n")) != NULL)
    {
      p += strlen ("```sql\n");
      const char *end = strstr (p, "```");
      g_assert_nonnull (end);
      g_ptr_array_add (out, g_strndup (p, (gsize) (end - p)));
      p = end + 3;
    }
  return out;
}

static void
test_doc_examples (void)
{
  const char *root = g_getenv ("SIPSIM_SOURCE_ROOT");
  if (root == NULL)
    {
      g_test_skip ("SIPSIM_SOURCE_ROOT not set (run through meson test)");
      return;
    }
  char *doc = g_build_filename (root, "doc", "results.md", NULL);
  char *md = NULL;
  GError *e = NULL;
  g_assert_true (g_file_get_contents (doc, &md, NULL, &e));
  g_assert_no_error (e);
  g_assert_nonnull (strstr (md, "schema version 5"));

  Tmp t;
  tmp_init (&t);
  Store *s = open_new (&t);
  fill_doc_db (s);
  sqlite3 *db = store_get_db (s);

  GPtrArray *blocks = sql_blocks (md);
  g_assert_cmpuint (blocks->len, >=, 8);
  for (guint i = 0; i < blocks->len; i++)
    {
      const char *sql = g_ptr_array_index (blocks, i);
      const char *tail = sql;
      guint rows = 0, statements = 0;
      while (tail && *tail)
        {
          sqlite3_stmt *st = NULL;
          const char *next = NULL;
          if (sqlite3_prepare_v2 (db, tail, -1, &st, &next) != SQLITE_OK)
            g_error ("doc/results.md SQL block %u does not prepare: %s\n%s", i + 1,
                     sqlite3_errmsg (db), sql);
          if (st == NULL)   /* only whitespace or comments left */
            break;
          statements++;
          g_assert_true (sqlite3_stmt_readonly (st));
          int rc;
          rows = 0;
          while ((rc = sqlite3_step (st)) == SQLITE_ROW)
            rows++;
          if (rc != SQLITE_DONE)
            g_error ("doc/results.md SQL block %u fails: %s\n%s", i + 1, sqlite3_errmsg (db), sql);
          sqlite3_finalize (st);
          tail = next;
        }
      g_assert_cmpuint (statements, >=, 1);
      /* every example answers something on this database */
      if (rows == 0)
        g_error ("doc/results.md SQL block %u returns no row:\n%s", i + 1, sql);
    }

  /* three answers checked against the data fill_doc_db() wrote.  Mean
   * and CI at point 0: survival {1, .998, .996, .994, .992}, mean .996,
   * squared deviations sum to 2 (.004^2 + .002^2) = 4e-5, half-width
   * 1.96 sqrt(4e-5 / 4 / 5) */
  const char *ci = g_ptr_array_index (blocks, 1);
  g_assert_nonnull (strstr (ci, "1.96"));
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (db, ci, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (st, 2), ==, 5);
  g_assert_cmpfloat_with_epsilon (sqlite3_column_double (st, 3), 0.996, 1e-12);
  g_assert_cmpfloat_with_epsilon (sqlite3_column_double (st, 4), 1.96 * sqrt (4e-5 / 4 / 5), 1e-12);
  sqlite3_finalize (st);
  /* p95 of
   * failover_s at point 0 of the latest experiment is the nearest-rank
   * value of {37, 39, 41, 43} (rep 0 is NULL): rank ceil(0.95 x 4) = 4 */
  const char *p95 = g_ptr_array_index (blocks, 2);
  g_assert_nonnull (strstr (p95, "row_number()"));
  g_assert_cmpint (sqlite3_prepare_v2 (db, p95, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (st, 0), ==, 0);
  g_assert_cmpint (sqlite3_column_int (st, 2), ==, 4);
  g_assert_cmpfloat (sqlite3_column_double (st, 3), ==, 43.0);
  g_assert_cmpint (sqlite3_column_int (st, 4), ==, 1);
  sqlite3_finalize (st);
  /* fraction >= 0.99 at point 0: survival 1 - 0.002 rep >= 0.99 for rep 0..4 */
  const char *frac = g_ptr_array_index (blocks, 3);
  g_assert_nonnull (strstr (frac, "0.99"));
  g_assert_cmpint (sqlite3_prepare_v2 (db, frac, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpfloat (sqlite3_column_double (st, 3), ==, 1.0);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);   /* point 2: ka=60, nat=30: 0.5.. */
  g_assert_cmpfloat (sqlite3_column_double (st, 3), ==, 0.0);
  sqlite3_finalize (st);

  g_ptr_array_unref (blocks);
  store_close (s);
  tmp_clear (&t);
  g_free (md);
  g_free (doc);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/1-open/schema", test_open_schema);
  g_test_add_func ("/store/1-open/version-refused", test_open_version_refused);
  g_test_add_func ("/store/1-open/not-sipsim", test_open_not_sipsim);
  g_test_add_func ("/store/1-open/readonly", test_open_readonly);
  g_test_add_func ("/store/1-open/bad-parent", test_open_bad_parent);
  g_test_add_func ("/store/1-open/race-write-locked", test_open_while_write_locked);
  g_test_add_func ("/store/1-open/race-new-file", test_open_race_new_file);
  g_test_add_func ("/store/1-open/race-churn", test_open_race_churn);
  g_test_add_func ("/store/2-experiment/find-or-create", test_experiment_find_or_create);
  g_test_add_func ("/store/2-experiment/hex64", test_hex64);
  g_test_add_func ("/store/3-run/metrics-and-null", test_run_metrics);
  g_test_add_func ("/store/3-run/failed", test_run_failed);
  g_test_add_func ("/store/3-run/duplicate-keeps-first", test_run_duplicate_kept);
  g_test_add_func ("/store/3-run/rolled-back-alone", test_run_rolled_back);
  g_test_add_func ("/store/4-resume/done-runs", test_done_runs);
  g_test_add_func ("/store/5-writer/two-threads-1000", test_writer_two_threads);
  g_test_add_func ("/store/5-writer/bad-run", test_writer_bad_run);
  g_test_add_func ("/store/5-writer/concurrent-reader", test_writer_concurrent_reader);
  g_test_add_func ("/store/6-trace/events", test_trace_events);
  g_test_add_func ("/store/6-trace/probes", test_probes);
  g_test_add_func ("/store/7-doc/examples", test_doc_examples);
  return g_test_run ();
}
