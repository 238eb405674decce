/*
 * tests/test-inttable.c - SimIntTable (sim/kernel/inttable.h) against a
 * GHashTable doing the same operations: inserts, replacements, removals
 * (with the backward shift of note 4), growth, keys that collide on
 * their home slot, and key 0 and G_MAXUINT64.
 */
#include "sim/kernel/inttable.h"
#include "sim/kernel/rng.h"

/* Every key the model holds is found with its value, and the sizes agree. */
static void
check_same (SimIntTable *t, GHashTable *model)
{
  g_assert_cmpuint (sim_int_table_size (t), ==, g_hash_table_size (model));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, model);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_assert_true (sim_int_table_lookup (t, *(guint64 *) k) == v);
}

static void
test_basic (void)
{
  g_autoptr (SimIntTable) t = sim_int_table_new ();
  int a, b;
  g_assert_null (sim_int_table_lookup (t, 0));
  g_assert_null (sim_int_table_remove (t, 0));
  sim_int_table_insert (t, 0, &a);
  sim_int_table_insert (t, G_MAXUINT64, &b);
  g_assert_true (sim_int_table_lookup (t, 0) == &a);
  g_assert_true (sim_int_table_lookup (t, G_MAXUINT64) == &b);
  g_assert_null (sim_int_table_lookup (t, 1));
  sim_int_table_insert (t, 0, &b);                      /* replaces */
  g_assert_cmpuint (sim_int_table_size (t), ==, 2);
  g_assert_true (sim_int_table_lookup (t, 0) == &b);
  g_assert_true (sim_int_table_remove (t, 0) == &b);
  g_assert_null (sim_int_table_lookup (t, 0));
  g_assert_null (sim_int_table_remove (t, 0));
  g_assert_cmpuint (sim_int_table_size (t), ==, 1);
}

/* A long random run over a small key space (so removals hit present keys
 * and runs of neighbours form), checked against the model after every
 * operation; then growth to 100,000 keys and removal of all of them. */
static void
test_random_vs_ghashtable (void)
{
  g_autoptr (SimIntTable) t = sim_int_table_new ();
  GHashTable *model = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  SimRng r;
  sim_rng_init (&r, 7, "inttable");
  static int values[64];
  for (int op = 0; op < 20000; op++)
    {
      /* Keys spaced by 2^k: sequential ones, and multiples of a large
       * power of two that a weak hash would pile on one slot. */
      guint64 key = sim_rng_below (&r, 200);
      if (op % 3 == 0)
        key <<= 40;
      guint64 *kp = g_new (guint64, 1);
      *kp = key;
      if (sim_rng_below (&r, 3) == 0)
        {
          gpointer want = g_hash_table_lookup (model, kp);
          g_assert_true (sim_int_table_remove (t, key) == want);
          g_hash_table_remove (model, kp);
          g_free (kp);
        }
      else
        {
          gpointer v = &values[sim_rng_below (&r, 64)];
          sim_int_table_insert (t, key, v);
          g_hash_table_replace (model, kp, v);
        }
      check_same (t, model);
    }
  for (guint64 k = 0; k < 100000; k++)
    {
      guint64 *kp = g_new (guint64, 1);
      *kp = k * 65536 + 17;
      sim_int_table_insert (t, *kp, &values[k % 64]);
      g_hash_table_replace (model, kp, &values[k % 64]);
    }
  check_same (t, model);
  for (guint64 k = 0; k < 100000; k += 2)
    {
      guint64 key = k * 65536 + 17;
      g_assert_true (sim_int_table_remove (t, key) == &values[k % 64]);
      g_hash_table_remove (model, &key);
    }
  check_same (t, model);
  for (guint64 k = 0; k < 100000; k++)
    if (k % 2 == 0)
      g_assert_null (sim_int_table_lookup (t, k * 65536 + 17));
  g_hash_table_destroy (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/inttable/basic", test_basic);
  g_test_add_func ("/inttable/random-vs-ghashtable", test_random_vs_ghashtable);
  return g_test_run ();
}
