/*
 * tests/test-claim.c - the results store beyond one writer (issue 18):
 * run claims between two processes (experiment/claim.h), run copies
 * between experiments (merge.h note 3), the writer stopping at the first
 * write error (store.h note 6), readers leaving no side files (note 8),
 * the shard partition (shard.h) and point content hashes (scenario.h
 * note 6).
 *
 * Families: /claim/1-*, /copy/2-*, /writer/3-*, /reader/4-*, /shard/5-*,
 * /hash/6-*.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "experiment/claim.h"
#include "experiment/merge.h"
#include "experiment/scenario.h"
#include "experiment/shard.h"
#include "experiment/store.h"

typedef struct {
  char *dir;
  char *path;
} Tmp;

static void
tmp_init (Tmp *t)
{
  GError *e = NULL;
  t->dir = g_dir_make_tmp ("test-claim-XXXXXX", &e);
  g_assert_no_error (e);
  t->path = g_build_filename (t->dir, "results.db", NULL);
}

static void
tmp_clear (Tmp *t)
{
  const char *sfx[] = { "", "-wal", "-shm", "-journal" };
  for (guint i = 0; i < G_N_ELEMENTS (sfx); i++)
    {
      g_autofree char *p = g_strconcat (t->path, sfx[i], NULL);
      g_unlink (p);
    }
  g_rmdir (t->dir);
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

/* A finished run as the runner hands it over, with one metric and
 * @trace_lines trace lines (to fill a file quickly). */
static StoreRun *
run_new (gint64 exp, const char *key, const char *hash, guint rep, guint64 seed,
         guint trace_lines)
{
  StoreRun *r = g_new0 (StoreRun, 1);
  r->experiment = exp;
  r->point_key = g_strdup (key);
  r->point_hash = g_strdup (hash);
  r->replication = rep;
  r->seed = seed;
  r->param_names = g_new0 (char *, 1);
  r->param_values = g_new0 (char *, 1);
  RunResult *res = g_new0 (RunResult, 1);
  res->fingerprint = seed ^ 0xabcdef;
  res->sim_time = SIM_S (60);
  res->n_devices = 1;
  res->metrics = g_array_new (FALSE, TRUE, sizeof (RunMetric));
  g_array_set_clear_func (res->metrics, clear_metric);
  RunMetric m = { g_strdup (""), g_strdup ("outage_s"), (double) rep + 0.5, FALSE };
  g_array_append_val (res->metrics, m);
  if (trace_lines)
    {
      res->trace = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < trace_lines; i++)
        g_ptr_array_add (res->trace,
                         g_strdup_printf ("%u.000000000 phone a line long enough to take room "
                                          "in the file, number %u of run %u", i, i, rep));
    }
  r->result = res;
  return r;
}

static gint64
q_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  gint64 v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return v;
}

/* A pid that no process has: a child that has exited and been reaped. */
static guint
dead_pid (void)
{
  pid_t p = fork ();
  g_assert_cmpint (p, >=, 0);
  if (p == 0)
    _exit (0);
  int st;
  g_assert_cmpint (waitpid (p, &st, 0), ==, p);
  return (guint) p;
}

static const ClaimJob job0 = { 0, "ka=20", "hash-a", 0, 1001 };
static const ClaimJob job1 = { 0, "ka=20", "hash-a", 1, 1002 };

/* ------------------------------------------------------------ 1: claims */

/* Two owners on one file: what one claims the other cannot (BUSY) until
 * the first is dead (same host: its pid is gone), then it is taken over. */
static void
test_claim_busy_then_dead (void)
{
  Tmp t;
  tmp_init (&t);
  GError *e = NULL;
  Store *s = store_open (t.path, &e);
  g_assert_no_error (e);
  gint64 exp = store_experiment (s, "x", "text", 7, &e);

  Claimer *a = claimer_new (t.path, exp, &e);
  g_assert_no_error (e);
  Claimer *b = claimer_new (t.path, exp, &e);
  g_assert_no_error (e);
  /* b is "another process" on this host: our own pid with another start
   * time would look recycled, so b keeps the real identity and a takes a
   * live one that is not b's: the parent process. */
  guint parent = (guint) getppid ();
  claimer_set_owner (a, g_get_host_name (), parent, claim_process_start (parent));

  g_assert_true (claimer_begin (a, &e));
  g_assert_cmpint (claimer_try (a, &job0, &e), ==, CLAIM_RUN);
  g_assert_true (claimer_commit (a, &e));
  g_assert_true (claimer_begin (b, &e));
  g_assert_cmpint (claimer_try (b, &job0, &e), ==, CLAIM_BUSY);
  g_assert_cmpint (claimer_try (b, &job1, &e), ==, CLAIM_RUN);
  g_assert_true (claimer_commit (b, &e));
  g_autofree char *who = claimer_holder (b, &job0);
  g_autofree char *want = g_strdup_printf ("%s:%u", g_get_host_name (), parent);
  g_assert_cmpstr (who, ==, want);

  /* a dies (its pid no longer exists): b takes its claim over */
  sqlite3 *db = store_get_db (s);
  guint dead = dead_pid ();
  g_autofree char *die = g_strdup_printf ("UPDATE claim SET pid = %u, owner = '%s:%u:1'"
                                          " WHERE owner = '%s'", dead, g_get_host_name (), dead,
                                          claimer_owner (a));
  g_assert_cmpint (sqlite3_exec (db, die, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (claimer_begin (b, &e));
  g_assert_cmpint (claimer_try (b, &job0, &e), ==, CLAIM_RUN);
  g_assert_true (claimer_commit (b, &e));
  g_assert_no_error (e);

  /* the pid exists but was started at another time: recycled, so dead */
  g_autofree char *recycled = g_strdup_printf (
      "UPDATE claim SET pid = %u, owner = '%s:%u:%" G_GUINT64_FORMAT "' WHERE replication = 0",
      parent, g_get_host_name (), parent, claim_process_start (parent) + 1);
  g_assert_cmpint (sqlite3_exec (db, recycled, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (claimer_begin (a, &e));
  g_assert_cmpint (claimer_try (a, &job0, &e), ==, CLAIM_RUN);
  g_assert_true (claimer_commit (a, &e));

  /* same pid, another start time: a recycled pid, so dead too */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE claim SET owner = 'h:1:2', host = 'other-host',"
                                 " heartbeat = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-601 seconds')"
                                 " WHERE replication = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  /* another host: only the heartbeat tells; 601 s > CLAIM_STALE_S */
  g_assert_true (claimer_begin (a, &e));
  g_assert_cmpint (claimer_try (a, &job1, &e), ==, CLAIM_RUN);
  g_assert_true (claimer_commit (a, &e));
  g_assert_cmpint (sqlite3_exec (db, "UPDATE claim SET owner = 'h:1:2', host = 'other-host',"
                                 " heartbeat = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 seconds')"
                                 " WHERE replication = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (claimer_begin (b, &e));
  g_assert_cmpint (claimer_try (b, &job1, &e), ==, CLAIM_BUSY);
  g_assert_true (claimer_commit (b, &e));

  /* a live owner's heartbeat keeps even an old claim its own: a's claim
   * of replication 0 made to look 20 minutes old, then refreshed */
  g_autofree char *aged = g_strdup_printf (
      "UPDATE claim SET host = 'other-host',"
      " heartbeat = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now', '-1200 seconds')"
      " WHERE owner = '%s'", claimer_owner (a));
  g_assert_cmpint (sqlite3_exec (db, aged, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (claimer_heartbeat (a, &e));
  g_autofree char *age = g_strdup_printf (
      "SELECT (julianday('now') - julianday(heartbeat)) * 86400 < 5 FROM claim WHERE owner = '%s'",
      claimer_owner (a));
  g_assert_cmpint (q_int (db, age), ==, 1);
  g_autofree char *back = g_strdup_printf ("UPDATE claim SET host = '%s' WHERE owner = '%s'",
                                           g_get_host_name (), claimer_owner (a));
  g_assert_cmpint (sqlite3_exec (db, back, NULL, NULL, NULL), ==, SQLITE_OK);

  /* storing a run deletes its claim (store.h note 7) */
  g_assert_cmpint (q_int (db, "SELECT count(*) FROM claim WHERE replication = 0"), ==, 1);
  g_assert_true (store_put_run (s, run_new (exp, "ka=20", "hash-a", 0, 1001, 0), &e));
  g_assert_cmpint (q_int (db, "SELECT count(*) FROM claim WHERE replication = 0"), ==, 0);
  g_assert_true (claimer_begin (b, &e));
  g_assert_cmpint (claimer_try (b, &job0, &e), ==, CLAIM_DONE);
  g_assert_true (claimer_commit (b, &e));

  /* freeing releases what is still claimed */
  claimer_free (a);
  claimer_free (b);
  g_assert_cmpint (q_int (db, "SELECT count(*) FROM claim WHERE owner != 'h:1:2'"), ==, 0);
  store_close (s);
  tmp_clear (&t);
}

/* ------------------------------------------------------------- 2: copies */

/* A run of the same identity in another experiment is copied whole
 * (run row with the new experiment and point, params, metrics, events),
 * not claimed; a run of another seed or replication is not. */
static void
test_copy_from_other_experiment (void)
{
  Tmp t;
  tmp_init (&t);
  GError *e = NULL;
  Store *s = store_open (t.path, &e);
  gint64 e1 = store_experiment (s, "x", "text 1", 7, &e);
  gint64 e2 = store_experiment (s, "x", "text 2", 7, &e);
  StoreRun *r = run_new (e1, "ka=20", "hash-a", 0, 1001, 3);
  r->n_params = 1;
  g_free (r->param_names);
  g_free (r->param_values);
  r->param_names = g_strsplit ("ka", ",", -1);
  r->param_values = g_strsplit ("20", ",", -1);
  g_assert_true (store_put_run (s, r, &e));
  g_assert_no_error (e);

  /* replication 2 is stored under another seed (another experiment
   * seed would do that): not the same run */
  g_assert_true (store_put_run (s, run_new (e1, "ka=20", "hash-a", 2, 5000, 0), &e));
  Claimer *c = claimer_new (t.path, e2, &e);
  g_assert_no_error (e);
  ClaimJob moved = job0;
  moved.point = 4;   /* the point has another index in the new sweep */
  g_assert_true (claimer_begin (c, &e));
  g_assert_cmpint (claimer_try (c, &moved, &e), ==, CLAIM_COPIED);
  g_assert_cmpint (claimer_try (c, &job1, &e), ==, CLAIM_RUN);    /* replication 1: not stored */
  ClaimJob other_seed = job0;
  other_seed.replication = 2;
  other_seed.seed = 999;
  g_assert_cmpint (claimer_try (c, &other_seed, &e), ==, CLAIM_RUN);
  g_assert_true (claimer_commit (c, &e));
  g_assert_no_error (e);
  claimer_free (c);

  sqlite3 *db = store_get_db (s);
  g_autofree char *sql = g_strdup_printf (
      "SELECT count(*) FROM run a JOIN run b ON a.experiment_id = %" G_GINT64_FORMAT
      " AND b.experiment_id = %" G_GINT64_FORMAT " AND b.point = 4 AND a.point = 0"
      " AND a.point_key = b.point_key AND a.point_hash = b.point_hash AND a.seed = b.seed"
      " AND a.fingerprint = b.fingerprint AND a.finished = b.finished", e1, e2);
  g_assert_cmpint (q_int (db, sql), ==, 1);
  g_assert_cmpint (q_int (db, "SELECT count(*) FROM metric"), ==, 3);
  g_assert_cmpint (q_int (db, "SELECT count(*) FROM event"), ==, 6);
  g_assert_cmpint (q_int (db, "SELECT count(*) FROM param WHERE name = 'ka' AND value = '20'"), ==, 2);
  g_assert_cmpint (q_int (db, "SELECT count(DISTINCT run_id) FROM event"), ==, 2);
  store_close (s);
  tmp_clear (&t);
}

/* ------------------------------------------------------------- 3: writer */

/* A full file (SQLite's max_page_count, as a full disk would) stops the
 * writer at the first error: committed runs stay, later runs are dropped
 * without a write, and the error names the cause.  On the old writer the
 * runs after the error were still attempted one by one. */
static void
test_writer_full_stops (void)
{
  Tmp t;
  tmp_init (&t);
  GError *e = NULL;
  Store *s = store_open (t.path, &e);
  gint64 exp = store_experiment (s, "x", "text", 7, &e);
  sqlite3 *db = store_get_db (s);
  gint64 pages = q_int (db, "PRAGMA page_count");
  g_autofree char *lim = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT, pages + 40);
  g_assert_cmpint (sqlite3_exec (db, lim, NULL, NULL, NULL), ==, SQLITE_OK);

  StoreWriter *w = store_writer_start (s);
  guint submitted = 0;
  /* one run at a time until the writer has stopped */
  for (guint i = 0; i < 500 && !store_writer_stopped (w); i++)
    {
      store_writer_submit (w, run_new (exp, "k", "h", i, i, 40));
      submitted++;
      while (store_writer_committed (w) + store_writer_dropped (w) < submitted
             && !store_writer_stopped (w))
        g_usleep (1000);
    }
  g_assert_true (store_writer_stopped (w));
  /* after the stop nothing is written: these are dropped */
  for (guint i = 0; i < 10; i++)
    store_writer_submit (w, run_new (exp, "k", "h", 1000 + i, 1000 + i, 0));
  guint committed = 0, dropped = 0;
  g_assert_false (store_writer_finish_counts (w, &committed, &dropped, &e));
  g_assert_error (e, STORE_ERROR, STORE_ERROR_SQL);
  g_assert_nonnull (strstr (e->message, "full"));
  g_clear_error (&e);
  g_assert_cmpuint (committed, >, 0);
  g_assert_cmpuint (dropped, >=, 11);   /* the run that hit the limit and the 10 after */
  g_assert_cmpint (q_int (db, "SELECT count(*) FROM run"), ==, committed);
  g_assert_cmpint (q_int (db, "SELECT count(*) FROM run WHERE replication >= 1000"), ==, 0);
  store_close (s);
  tmp_clear (&t);
}

/* ------------------------------------------------------------- 4: reader */

/* Writers leave the file in rollback mode; a reader of a file left in WAL
 * mode removes the -wal and -shm it had to make, and cannot write. */
static void
test_reader_no_side_files (void)
{
  Tmp t;
  tmp_init (&t);
  GError *e = NULL;
  Store *s = store_open (t.path, &e);
  store_experiment (s, "x", "text", 7, &e);
  store_close (s);
  g_autofree char *wal = g_strconcat (t.path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (t.path, "-shm", NULL);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  sqlite3 *raw = NULL;
  g_assert_cmpint (sqlite3_open (t.path, &raw), ==, SQLITE_OK);
  g_assert_cmpint (q_int (raw, "SELECT count(*) FROM experiment"), ==, 1);
  sqlite3_stmt *st = NULL;
  sqlite3_prepare_v2 (raw, "PRAGMA journal_mode", -1, &st, NULL);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (st, 0), ==, "delete");
  sqlite3_finalize (st);
  g_assert_cmpint (sqlite3_exec (raw, "PRAGMA journal_mode = WAL", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);

  s = store_open_readonly (t.path, &e);
  g_assert_no_error (e);
  g_assert_cmpint (q_int (store_get_db (s), "SELECT count(*) FROM experiment"), ==, 1);
  g_assert_cmpint (sqlite3_exec (store_get_db (s), "DELETE FROM experiment", NULL, NULL, NULL)
                     & 0xff, ==, SQLITE_READONLY);
  store_close (s);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));
  tmp_clear (&t);
}

/* -------------------------------------------------------------- 5: shard */

/* Every run in exactly one shard, for N below, at and above the number
 * of runs; a run's shard does not depend on which other runs exist. */
static void
test_shard_partition (void)
{
  const char *keys[] = { "", "ka=15", "ka=30,nat=60", "ka=90,nat=30", "x=1" };
  guint ns[] = { 1, 2, 3, 7, 64, 1000 };
  for (guint a = 0; a < G_N_ELEMENTS (ns); a++)
    {
      guint n = ns[a];
      guint *size = g_new0 (guint, n);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        for (guint r = 0; r < 40; r++)
          {
            guint hits = 0;
            for (guint i = 0; i < n; i++)
              {
                Shard sh = { i, n };
                hits += shard_selects (&sh, keys[k], r) ? 1 : 0;
              }
            g_assert_cmpuint (hits, ==, 1);
            size[shard_of (keys[k], r, n)]++;
          }
      /* 200 runs over 2 or 3 shards: binomial, within 4 sd of the mean */
      if (n == 2 || n == 3)
        for (guint i = 0; i < n; i++)
          {
            double mean = 200.0 / n, var = 200.0 / n * (1 - 1.0 / n);
            g_assert_cmpfloat (ABS ((double) size[i] - mean), <, 4 * sqrt (var));
          }
      g_free (size);
    }
  Shard none = { 0, 0 };
  g_assert_true (shard_selects (&none, "anything", 5));
}

static void
test_shard_parse (void)
{
  Shard s;
  GError *e = NULL;
  g_assert_true (shard_parse ("2/5", NULL, &s, &e));
  g_assert_cmpuint (s.index, ==, 2);
  g_assert_cmpuint (s.count, ==, 5);
  const char *bad[] = { "5/5", "1/0", "x/3", "1/", "/3", "1-3", "-1/3", "1/3x", "" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (shard_parse (bad[i], NULL, &s, &e));
      g_assert_nonnull (e);
      g_clear_error (&e);
    }
  char *env1[] = { "SLURM_ARRAY_TASK_ID=7", "SLURM_ARRAY_TASK_MIN=5", "SLURM_ARRAY_TASK_MAX=8", NULL };
  g_assert_true (shard_parse ("array", env1, &s, &e));
  g_assert_cmpuint (s.index, ==, 2);
  g_assert_cmpuint (s.count, ==, 4);
  char *env2[] = { "SLURM_ARRAY_TASK_ID=3", "SLURM_ARRAY_TASK_COUNT=10", NULL };
  g_assert_true (shard_parse ("array", env2, &s, &e));
  g_assert_cmpuint (s.index, ==, 3);
  g_assert_cmpuint (s.count, ==, 10);
  char *sparse[] = { "SLURM_ARRAY_TASK_ID=3", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_MAX=9",
                     "SLURM_ARRAY_TASK_COUNT=4", NULL };
  g_assert_false (shard_parse ("array", sparse, &s, &e));
  g_assert_error (e, SHARD_ERROR, SHARD_ERROR_ENV);
  g_clear_error (&e);
  char *none[] = { "SLURM_ARRAY_TASK_COUNT=4", NULL };
  g_assert_false (shard_parse ("array", none, &s, &e));
  g_assert_nonnull (strstr (e->message, "SLURM_ARRAY_TASK_ID is not set"));
  g_clear_error (&e);
  char *nocount[] = { "SLURM_ARRAY_TASK_ID=1", NULL };
  g_assert_false (shard_parse ("array", nocount, &s, &e));
  g_clear_error (&e);
}

/* --------------------------------------------------------------- 6: hash */

static const char base_text[] =
  "[scenario]\nname = h\nduration = 10m\nseed = 3\nreplications = 2\n"
  "[proxy pbx]\naddress = 198.51.100.10\n"
  "[sweep]\nka = 20, 90\n"
  "[device phone]\nprofile = obihai\nSP1::ProxyServer = 198.51.100.10\n"
  "SP1::X_KeepAliveExpires = ${ka}\n";

static Scenario *
load_text (const char *text)
{
  GError *e = NULL;
  Scenario *sc = scenario_load_from_data (text, "h.ini", NULL, &e);
  g_assert_no_error (e);
  return sc;
}

/* The hash of point ka=20 in @text. */
static char *
hash_ka20 (const char *text)
{
  g_autoptr (Scenario) sc = load_text (text);
  for (guint i = 0; i < scenario_get_n_points (sc); i++)
    if (g_str_equal (scenario_get_point (sc, i)->key, "ka=20"))
      return g_strdup (scenario_get_point_hash (sc, i));
  g_assert_not_reached ();
  return NULL;
}

static void
test_hash_what_counts (void)
{
  g_autofree char *h = hash_ka20 (base_text);
  g_assert_cmpuint (strlen (h), ==, 64);
  g_autoptr (Scenario) sc = load_text (base_text);
  g_assert_cmpstr (scenario_get_point_hash (sc, 0), !=, scenario_get_point_hash (sc, 1));

  /* edits that leave the point alone */
  const char *same[] = {
    "replications = 2\n", "replications = 9\n",
    "ka = 20, 90\n", "ka = 90, 20, 45\n",
    "name = h\n", "name = renamed\n",
    "seed = 3\n", "seed = 4\n",     /* the seed is its own part of a run's identity */
    "[device phone]\n", "# a comment\n[device phone]\n",
    "[sweep]\n", "[expect]\nx = failover_s max <= 9\n[sweep]\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (same); i += 2)
    {
      g_autoptr (GString) t = g_string_new (base_text);
      g_assert_cmpint (g_string_replace (t, same[i], same[i + 1], 1), ==, 1);
      g_autofree char *h2 = hash_ka20 (t->str);
      g_assert_cmpstr (h2, ==, h);
    }
  /* edits that change what a run does */
  const char *diff[] = {
    "duration = 10m\n", "duration = 11m\n",
    "address = 198.51.100.10\n[sweep]", "address = 198.51.100.11\n[sweep]",
    "profile = obihai\n", "profile = rfc\n",
    "${ka}\n", "${ka}\nSP1::RegisterExpires = 300\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (diff); i += 2)
    {
      g_autoptr (GString) t = g_string_new (base_text);
      g_assert_cmpint (g_string_replace (t, diff[i], diff[i + 1], 1), ==, 1);
      g_autofree char *h2 = hash_ka20 (t->str);
      g_assert_cmpstr (h2, !=, h);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/claim/1-owners/busy-then-dead", test_claim_busy_then_dead);
  g_test_add_func ("/copy/2-experiments/same-identity", test_copy_from_other_experiment);
  g_test_add_func ("/writer/3-errors/full-stops", test_writer_full_stops);
  g_test_add_func ("/reader/4-files/no-side-files", test_reader_no_side_files);
  g_test_add_func ("/shard/5-partition/disjoint-and-covering", test_shard_partition);
  g_test_add_func ("/shard/5-partition/parse", test_shard_parse);
  g_test_add_func ("/hash/6-point/what-counts", test_hash_what_counts);
  return g_test_run ();
}
