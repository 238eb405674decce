/*
 * tests/test-determinism.c - DESIGN.md principle 3 and issue 6 item 9: the
 * same scenario and seed give the same fingerprints with -j 1 and -j N,
 * and in any run order.
 *
 * The scenario (tests/scenarios/small-sweep.ini) has a sweep, replications,
 * a drawn fault time and random start-up delays, so a run that borrowed
 * randomness from another run, from the thread it ran on or from the
 * order of execution would show up as a different fingerprint.
 */
#include <string.h>
#include <sqlite3.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "experiment/runner.h"
#include "experiment/store.h"

static char *
scenario_path (void)
{
  const char *root = g_getenv ("SIPSIM_SOURCE_ROOT");
  g_assert_nonnull (root);
  return g_build_filename (root, "tests", "scenarios", "small-sweep.ini", NULL);
}

/* point_key#rep -> fingerprint of every ok run in @db. */
static GHashTable *
fingerprints (const char *db)
{
  g_autoptr (GError) err = NULL;
  Store *st = store_open_readonly (db, &err);
  g_assert_no_error (err);
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *q;
  g_assert_cmpint (sqlite3_prepare_v2 (store_get_db (st),
                   "SELECT point_key, replication, fingerprint, status FROM run", -1, &q, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (q) == SQLITE_ROW)
    {
      g_assert_cmpstr ((const char *) sqlite3_column_text (q, 3), ==, "ok");
      g_hash_table_insert (h, g_strdup_printf ("%s#%d", sqlite3_column_text (q, 0),
                                               sqlite3_column_int (q, 1)),
                           g_strdup ((const char *) sqlite3_column_text (q, 2)));
    }
  sqlite3_finalize (q);
  store_close (st);
  return h;
}

static void
run_into (const Scenario *sc, const char *db, guint jobs, const char *filter)
{
  RunnerOptions opt = { .db_path = db, .jobs = jobs, .filter = filter,
                        .progress = RUNNER_PROGRESS_NONE };
  RunnerSummary sum;
  g_autoptr (GError) err = NULL;
  g_assert_true (runner_run (sc, &opt, &sum, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (sum.failed, ==, 0);
}

static void
assert_same (GHashTable *a, GHashTable *b)
{
  g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, a);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_assert_cmpstr (v, ==, g_hash_table_lookup (b, k));
}

static void
test_jobs_and_order (void)
{
  g_autofree char *path = scenario_path ();
  g_autoptr (GError) err = NULL;
  g_autoptr (Scenario) sc = scenario_load (path, &err);
  g_assert_no_error (err);
  guint expected = scenario_get_n_points (sc) * scenario_get_replications (sc);
  g_assert_cmpuint (expected, ==, 4 * 3);

  g_autofree char *dir = g_dir_make_tmp ("determinism-XXXXXX", NULL);
  g_autofree char *db1 = g_build_filename (dir, "j1.db", NULL);
  g_autofree char *dbn = g_build_filename (dir, "jn.db", NULL);
  g_autofree char *dbo = g_build_filename (dir, "order.db", NULL);

  run_into (sc, db1, 1, NULL);
  run_into (sc, dbn, 4, NULL);
  /* Another order: the last sweep point first, then the rest on 2 threads
   * (resume skips what is stored). */
  run_into (sc, dbo, 1, "ka=90,expires=600");
  run_into (sc, dbo, 2, NULL);

  g_autoptr (GHashTable) f1 = fingerprints (db1);
  g_autoptr (GHashTable) fn = fingerprints (dbn);
  g_autoptr (GHashTable) fo = fingerprints (dbo);
  g_assert_cmpuint (g_hash_table_size (f1), ==, expected);
  assert_same (f1, fn);
  assert_same (f1, fo);

  /* And the runs are not all alike: different seeds, different traces. */
  g_autoptr (GHashTable) distinct = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, f1);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_add (distinct, v);
  g_assert_cmpuint (g_hash_table_size (distinct), ==, expected);

  /* Another experiment seed changes every run. */
  g_autofree char *dbs = g_build_filename (dir, "seed.db", NULL);
  scenario_set_seed (sc, 8);
  run_into (sc, dbs, 2, NULL);
  g_autoptr (GHashTable) fs = fingerprints (dbs);
  g_hash_table_iter_init (&it, fs);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_assert_cmpstr (v, !=, g_hash_table_lookup (f1, k));

  const char *names[] = { "j1.db", "jn.db", "order.db", "seed.db" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    for (guint s = 0; s < 3; s++)
      {
        static const char *suffix[] = { "", "-wal", "-shm" };
        g_autofree char *f = g_strdup_printf ("%s/%s%s", dir, names[i], suffix[s]);
        g_unlink (f);
      }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/determinism/1-jobs-and-order", test_jobs_and_order);
  return g_test_run ();
}
