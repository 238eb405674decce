/*
 * sim/kernel/inttable.h - a hash table from 64-bit integer keys to
 * pointers, for the lookups every packet makes (is this address mine, the
 * /32 route, the socket on a port, a NAT's binding on a public port).
 *
 * GHashTable with g_direct_hash costs a call through a function pointer
 * for the hash and another for the equality, three arrays to touch and a
 * resize policy tuned for general keys; this table is one array of
 * {key, value} pairs with linear probing and a multiplicative hash, about
 * a third of the instructions per lookup (doc/performance.md, "Kernel,
 * network and host instructions").
 *
 * Contract:
 *  - Keys are any guint64; values are non-NULL pointers, not owned (a
 *    NULL value is what marks an empty slot, so NULL cannot be stored).
 *  - Lookups, inserts and removals are O(1) expected; the table doubles
 *    when it would be more than half full and never shrinks (the tables
 *    it replaces do not shrink in practice either: a node's addresses and
 *    ports, a NAT's bindings, come and go around a steady count).
 *  - There is no iteration: the order of a hash table must never decide a
 *    simulated result, and with no iterator it cannot.
 *  - Removal shifts the following entries of the probe run back (no
 *    tombstones), so a long run of inserts and removals does not slow
 *    lookups down.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct SimIntTable SimIntTable;

SimIntTable *sim_int_table_new      (void);
void         sim_int_table_free     (SimIntTable *t);

/* The value stored under @key, or NULL.  Inline, below. */
static inline gpointer sim_int_table_lookup (const SimIntTable *t, guint64 key);
/* Stores @value (not NULL) under @key, replacing what was there. */
void         sim_int_table_insert   (SimIntTable *t, guint64 key, gpointer value);
/* Removes @key; returns what was stored under it, or NULL if nothing. */
gpointer     sim_int_table_remove   (SimIntTable *t, guint64 key);
guint        sim_int_table_size     (const SimIntTable *t);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimIntTable, sim_int_table_free)

/* Private: the layout is here only so that the lookup, made for every
 * packet at every hop, is inlined into its callers instead of costing a
 * call; everything else goes through the functions above (inttable.c
 * notes 1-4). */
typedef struct {
  guint64  key;
  gpointer value;       /* NULL: empty slot */
} SimIntSlot;

struct SimIntTable {
  SimIntSlot *slots;    /* never NULL: an empty table shares a static pair */
  guint64     mask;     /* cap - 1 (1 for the shared pair) */
  guint       shift;    /* 64 - bits (63 for the shared pair) */
  guint       bits;     /* cap = 1 << bits; 0: no array of its own */
  guint       n;
};

#define SIM_INT_TABLE_PHI G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)

static inline gpointer
sim_int_table_lookup (const SimIntTable *t, guint64 key)
{
  /* An empty slot ends the probe run; if its (meaningless) key happens to
   * equal @key, its NULL value is the right answer too, so one comparison
   * of the key comes first and the emptiness test second. */
  for (guint64 i = (key * SIM_INT_TABLE_PHI) >> t->shift;; i = (i + 1) & t->mask)
    {
      const SimIntSlot *s = &t->slots[i];
      if (s->key == key || s->value == NULL)
        return s->value;
    }
}

G_END_DECLS
