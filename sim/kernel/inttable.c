/*
 * sim/kernel/inttable.c - open addressing with linear probing (see the
 * contract in inttable.h).
 *
 * Notes:
 *  1. Layout.  One array of cap = 2^bits slots {key, value}; a slot is
 *     empty when its value is NULL.  An empty table has no array of its
 *     own (bits 0), so the many tables that stay empty (a host's /32
 *     routes) cost only the struct: it points at one static pair of empty
 *     slots with shift 63 and mask 1, where the inline lookup (inttable.h)
 *     ends at once without testing for emptiness.
 *  2. Hash.  Fibonacci hashing: (key * 2^64/phi) >> (64 - bits).  Keys
 *     here are addresses, ports and (proto << 16 | port), small and
 *     sequential; the multiply spreads them over the high bits, which the
 *     shift keeps.
 *  3. Load.  At most half the slots are used (grow before the insert that
 *     would pass it), so an unsuccessful lookup probes about 2.5 slots on
 *     average with linear probing (Knuth 6.4) and every probe run ends at
 *     an empty slot.
 *  4. Removal without tombstones (Knuth 6.4 algorithm R): after emptying
 *     slot i, each following entry of the run is moved back into the hole
 *     unless its home slot lies cyclically in (hole, its slot], where it
 *     would no longer be found from its home.  Invariant: every entry is
 *     reachable from its home slot without crossing an empty slot
 *     (tests/test-inttable.c looks every live key up after every removal
 *     of a long random run, against a GHashTable).
 */
#include "sim/kernel/inttable.h"

typedef SimIntSlot Slot;

#define MIN_BITS 2

/* Note 1: what every table without an array of its own points at, so
 * that the inline lookup needs no test for emptiness.  Never written:
 * inserts grow first, removals return before probing. */
static const Slot empty_slots[2];

static inline guint
home (guint64 key, guint bits)
{
  return (guint) ((key * SIM_INT_TABLE_PHI) >> (64 - bits));
}

static inline guint
capacity (const SimIntTable *t)
{
  return t->bits ? 1u << t->bits : 0;
}

SimIntTable *
sim_int_table_new (void)
{
  SimIntTable *t = g_new0 (SimIntTable, 1);
  t->slots = (Slot *) empty_slots;
  t->mask = 1;
  t->shift = 63;
  return t;
}

void
sim_int_table_free (SimIntTable *t)
{
  if (t == NULL)
    return;
  if (t->bits)
    g_free (t->slots);
  g_free (t);
}

guint
sim_int_table_size (const SimIntTable *t)
{
  return t->n;
}

/* Places @key, known absent, in the first empty slot of its run. */
static void
place (Slot *slots, guint bits, guint64 key, gpointer value)
{
  guint mask = (1u << bits) - 1;
  guint i = home (key, bits);
  while (slots[i].value != NULL)
    i = (i + 1) & mask;
  slots[i].key = key;
  slots[i].value = value;
}

static void
grow (SimIntTable *t)
{
  guint bits = t->bits ? t->bits + 1 : MIN_BITS;
  g_assert (bits < 32);
  Slot *slots = g_new0 (Slot, (gsize) 1 << bits);
  guint cap = capacity (t);
  for (guint i = 0; i < cap; i++)
    if (t->slots[i].value != NULL)
      place (slots, bits, t->slots[i].key, t->slots[i].value);
  if (t->bits)
    g_free (t->slots);
  t->slots = slots;
  t->bits = bits;
  t->mask = ((guint64) 1 << bits) - 1;
  t->shift = 64 - bits;
}

void
sim_int_table_insert (SimIntTable *t, guint64 key, gpointer value)
{
  g_return_if_fail (value != NULL);
  if (t->n > 0)
    {
      guint mask = (guint) t->mask;
      for (guint i = home (key, t->bits); t->slots[i].value != NULL; i = (i + 1) & mask)
        if (t->slots[i].key == key)
          {
            t->slots[i].value = value;
            return;
          }
    }
  if (2 * (t->n + 1) > capacity (t))     /* note 3 */
    grow (t);
  place (t->slots, t->bits, key, value);
  t->n++;
}

gpointer
sim_int_table_remove (SimIntTable *t, guint64 key)
{
  if (t->n == 0)
    return NULL;         /* also: never probe (or write) the shared pair */
  guint mask = (guint) t->mask;
  guint i = home (key, t->bits);
  while (t->slots[i].value != NULL && t->slots[i].key != key)
    i = (i + 1) & mask;
  gpointer old = t->slots[i].value;
  if (old == NULL)
    return NULL;
  /* Note 4. */
  guint hole = i;
  for (guint j = (i + 1) & mask; t->slots[j].value != NULL; j = (j + 1) & mask)
    {
      guint h = home (t->slots[j].key, t->bits);
      /* Does h lie cyclically in (hole, j]?  Then the entry stays. */
      gboolean stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (stays)
        continue;
      t->slots[hole] = t->slots[j];
      hole = j;
    }
  t->slots[hole].value = NULL;
  t->slots[hole].key = 0;
  t->n--;
  return old;
}
