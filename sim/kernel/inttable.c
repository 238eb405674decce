/*
 * sim/kernel/inttable.c - open addressing with linear probing (see the
 * contract in inttable.h).
 *
 * Notes:
 *  1. Layout.  One array of cap = 2^bits slots {key, value}; a slot is
 *     empty when its value is NULL.  An empty table has no array at all
 *     (cap 0), so the many tables that stay empty (a host's /32 routes)
 *     cost only the struct.
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

typedef struct {
  guint64  key;
  gpointer value;       /* NULL: empty slot */
} Slot;

struct SimIntTable {
  Slot  *slots;
  guint  bits;          /* cap = 1 << bits, 0 when slots == NULL */
  guint  cap;
  guint  n;
};

#define MIN_BITS 2

static inline guint
home (guint64 key, guint bits)
{
  return (guint) ((key * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)) >> (64 - bits));
}

SimIntTable *
sim_int_table_new (void)
{
  return g_new0 (SimIntTable, 1);
}

void
sim_int_table_free (SimIntTable *t)
{
  if (t == NULL)
    return;
  g_free (t->slots);
  g_free (t);
}

guint
sim_int_table_size (const SimIntTable *t)
{
  return t->n;
}

gpointer
sim_int_table_lookup (const SimIntTable *t, guint64 key)
{
  if (G_UNLIKELY (t->n == 0))
    return NULL;
  guint mask = t->cap - 1;
  for (guint i = home (key, t->bits);; i = (i + 1) & mask)
    {
      const Slot *s = &t->slots[i];
      if (s->value == NULL)
        return NULL;
      if (s->key == key)
        return s->value;
    }
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
  for (guint i = 0; i < t->cap; i++)
    if (t->slots[i].value != NULL)
      place (slots, bits, t->slots[i].key, t->slots[i].value);
  g_free (t->slots);
  t->slots = slots;
  t->bits = bits;
  t->cap = 1u << bits;
}

void
sim_int_table_insert (SimIntTable *t, guint64 key, gpointer value)
{
  g_return_if_fail (value != NULL);
  if (t->n > 0)
    {
      guint mask = t->cap - 1;
      for (guint i = home (key, t->bits); t->slots[i].value != NULL; i = (i + 1) & mask)
        if (t->slots[i].key == key)
          {
            t->slots[i].value = value;
            return;
          }
    }
  if (2 * (t->n + 1) > t->cap)     /* note 3 */
    grow (t);
  place (t->slots, t->bits, key, value);
  t->n++;
}

gpointer
sim_int_table_remove (SimIntTable *t, guint64 key)
{
  if (t->n == 0)
    return NULL;
  guint mask = t->cap - 1;
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
