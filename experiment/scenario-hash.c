/*
 * experiment/scenario-hash.c - the content hash of one sweep point
 * (scenario.h note 6; doc/results.md "Which runs are reused").
 *
 * Notes
 *
 * 1. What goes in.  Everything that can change what a run of the point
 *    does, and nothing else: the duration and warm-up (exact nanoseconds),
 *    the point's key (the run seed is derived from it), and every entry of
 *    every world section ([network], [dns], [proxy], [nat], [device],
 *    [fault]) in document order, with the point's `${...}` values
 *    substituted.  What stays out: [scenario] name, description, seed
 *    (the seed is its own part of a run's identity) and replications,
 *    [sweep] (its values reach the hash through the substitutions),
 *    [expect] and [golden] (they judge runs, never change them), comments
 *    and layout.
 *
 * 2. Conservative.  Two texts that build the same world can still hash
 *    differently (a key written out at its default value, two [device]
 *    sections swapped): that costs a recomputation, never a wrong reuse.
 *    The reverse, one hash for two different worlds, would need a change
 *    that reaches a run without passing through the text hashed here;
 *    the defaults of the models are such a change, which is why a stored
 *    run also records the sipsim version of its experiment (doc/results.md).
 *
 * 3. The salt.  SC_POINT_HASH_SALT opens every hash.  Change it when a
 *    change of sipsim makes the stored runs of an unchanged text wrong to
 *    reuse as a whole (a new fingerprint definition, a model fix that
 *    moves every result): every point then hashes anew and nothing old is
 *    reused, while the old runs stay in the file.
 *
 * 4. Framing.  Every field is written as its length then its bytes, so no
 *    choice of values can make two different lists serialise alike.
 */
#include <string.h>

#include "experiment/scenario-private.h"

/* v3: the merge of issue 16 (eight call metrics join every run; Aastra's
 * REGISTER to the backup registrar carries the backup AOR, B25) and issue
 * 17 (fingerprint version 2): runs stored under either side's v2 lack
 * metrics or have other bytes, so neither is reused.  v4: fingerprint
 * version 3 (issue 17): a run stored with a version-2 fingerprint is not
 * copied into an experiment of this sipsim, whose runs are all version 3. */
#define SC_POINT_HASH_SALT "sipsim point v4"   /* note 3 */

static void
put (GChecksum *cs, const char *s)
{
  char len[24];
  gsize n = strlen (s);
  g_snprintf (len, sizeof len, "%" G_GSIZE_FORMAT ":", n);
  g_checksum_update (cs, (const guchar *) len, -1);
  g_checksum_update (cs, (const guchar *) s, (gssize) n);
}

static gboolean
hashed_group (const char *name)
{
  static const char *const out[] = { "scenario", "sweep", "expect", "golden" };
  for (guint i = 0; i < G_N_ELEMENTS (out); i++)
    if (g_str_equal (name, out[i]))
      return FALSE;
  return TRUE;
}

char *
sc_point_hash (const ScKf *kf, const ScenarioPoint *pt, SimTime duration, SimTime warmup)
{
  g_return_val_if_fail (kf != NULL && pt != NULL, NULL);
  GChecksum *cs = g_checksum_new (G_CHECKSUM_SHA256);
  char num[64];
  put (cs, SC_POINT_HASH_SALT);
  g_snprintf (num, sizeof num, "%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, duration, warmup);
  put (cs, num);
  put (cs, pt->key);
  for (guint i = 0; i < kf->groups->len; i++)
    {
      const ScKfGroup *g = kf->groups->pdata[i];
      if (!hashed_group (g->name))
        continue;
      put (cs, "[");
      put (cs, g->name);
      for (guint j = 0; j < g->entries->len; j++)
        {
          const ScKfEntry *e = g->entries->pdata[j];
          g_autofree char *v = sc_expand (e->value, pt, NULL);
          put (cs, e->key);
          /* A load that succeeded expanded every value already. */
          put (cs, v ? v : e->value);
        }
    }
  char *hex = g_strdup (g_checksum_get_string (cs));
  g_checksum_free (cs);
  return hex;
}
