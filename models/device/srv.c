/*
 * models/device/srv.c - RFC 2782 target selection.
 *
 * Notes
 *
 * 1. The rule (RFC 2782, "Usage rules", the paragraph on weights):
 *      "arrange all SRV RRs (that have not been ordered yet) in any order,
 *       except that all those with weight 0 are placed at the beginning of
 *       the list.  Compute the sum of the weights of those RRs, and with
 *       each RR associate the running sum in the selected order.  Then
 *       choose a uniform random number between 0 and the sum computed
 *       (inclusive), and select the RR whose running sum value is the
 *       first in the selected order which is greater than or equal to the
 *       random number selected."
 *    and the weight field's definition: "Larger weights SHOULD be given a
 *    proportionately higher probability of being selected."
 *    Read literally, the inclusive draw gives the first record of the list
 *    one value of r too many: with weights 1:1 the first-listed record is
 *    taken with 2/3, not 1/2, and with 2:6 the 6 only with 6/9, not 6/8
 *    (issue 14 item 1 measured 0.372 and 0.645 over 400 runs).  The r = 0
 *    value exists for the weight-0 records at the front ("a very small
 *    chance of being selected"), so it is drawn only when the list starts
 *    with one: r in [0, sum] then (a weight-0 record is taken with
 *    1 / (sum + 1), each weighted record with w / (sum + 1)), else r in
 *    [1, sum] (each record with exactly w / sum).  Either way the weighted
 *    records are chosen in proportion to their weights, which is what the
 *    definition asks, and the result no longer depends on the answer's
 *    order.  Go's net package (dnsclient.go shuffleByWeight) draws in
 *    [0, sum) with "running > r", the same as [1, sum] with ">=", and
 *    never takes a weight-0 record while a weighted one remains.
 *    The "any order" is the order of the answer; only the weight-0
 *    records move to the front.
 *
 * 2. Priority levels are taken in ascending order; equal priorities keep
 *    the order of @keys, so the result depends only on @keys and @rng.
 *
 * 3. One draw per selection in a level that still holds more than one
 *    record (also when all its weights are 0: then r is always 0 and the
 *    first record is taken, but the stream advances the same way).  A
 *    list with no weight-0 record has sum >= 1, so [1, sum] is never
 *    empty.
 */
#include "models/device/srv.h"

#include <string.h>

void
device_srv_order (const DeviceSrvKey *keys, guint n, SimRng *rng, guint *order)
{
  g_return_if_fail (n == 0 || (keys != NULL && order != NULL));
  g_return_if_fail (rng != NULL);
  if (n == 0)
    return;

  /* Indices sorted by priority, stable (insertion sort: answers are small). */
  g_autofree guint *idx = g_new (guint, n);
  for (guint i = 0; i < n; i++) {
    guint j = i;
    while (j > 0 && keys[idx[j - 1]].priority > keys[i].priority) {
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = i;
  }

  g_autofree guint *level = g_new (guint, n);
  guint out = 0;
  for (guint start = 0; start < n;) {
    guint end = start;
    while (end < n && keys[idx[end]].priority == keys[idx[start]].priority)
      end++;

    /* The level's list: weight-0 records first, then the others, each group
     * in the given order (note 1). */
    guint m = 0;
    for (guint i = start; i < end; i++)
      if (keys[idx[i]].weight == 0)
        level[m++] = idx[i];
    for (guint i = start; i < end; i++)
      if (keys[idx[i]].weight != 0)
        level[m++] = idx[i];

    while (m > 1) {
      guint64 sum = 0;
      for (guint i = 0; i < m; i++)
        sum += keys[level[i]].weight;
      /* r uniform in [0, sum] when a weight-0 record heads the list (it
       * owns r = 0), else in [1, sum] (note 1).  All weights 0: r = 0. */
      gboolean zero_first = keys[level[0]].weight == 0;
      guint64 r = zero_first ? sim_rng_below (rng, sum + 1) : 1 + sim_rng_below (rng, sum);
      guint64 running = 0;
      guint pick = m - 1;
      for (guint i = 0; i < m; i++) {
        running += keys[level[i]].weight;
        if (running >= r) {
          pick = i;
          break;
        }
      }
      order[out++] = level[pick];
      /* Remove it; the rest keep their relative order. */
      memmove (&level[pick], &level[pick + 1], (m - pick - 1) * sizeof level[0]);
      m--;
    }
    if (m == 1)
      order[out++] = level[0];
    start = end;
  }
  g_assert (out == n);
}

/* ------------------------------------------------------ libre (B47) */

guint32
device_srv_hash (const char *s)
{
  g_return_val_if_fail (s != NULL, 0);
  guint32 h = 2166136261u;                  /* FNV-1a 32, offset basis */
  for (; *s; s++)
    {
      h ^= (guint8) g_ascii_tolower (*s);
      h *= 16777619u;                       /* FNV prime */
    }
  return h;
}

/* Insertion sort of indices by (priority asc, sidx desc); stable, so equal
 * keys keep the answer's order, as libre's list_sort does. */
void
device_srv_order_hash (const DeviceSrvKey *keys, const char *const *targets, guint n,
                       guint32 sort_key, guint *order)
{
  g_return_if_fail (n == 0 || (keys != NULL && targets != NULL && order != NULL));
  guint32 key = sort_key >> 5;
  g_autofree guint64 *sidx = g_new (guint64, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    sidx[i] = (guint64) ((device_srv_hash (targets[i]) & 0xfff) ^ key) + keys[i].weight;
  for (guint i = 0; i < n; i++)
    {
      guint j = i;
      while (j > 0)
        {
          guint p = order[j - 1];
          gboolean after = keys[p].priority > keys[i].priority
                           || (keys[p].priority == keys[i].priority && sidx[p] < sidx[i]);
          if (!after)
            break;
          order[j] = order[j - 1];
          j--;
        }
      order[j] = i;
    }
}

void
device_addr_order_hash (const guint32 *ips, guint n, guint32 sort_key, guint *order)
{
  g_return_if_fail (n == 0 || (ips != NULL && order != NULL));
  guint32 key = sort_key >> 5;
  for (guint i = 0; i < n; i++)
    {
      guint j = i;
      while (j > 0 && (ips[order[j - 1]] ^ key) < (ips[i] ^ key))
        {
          order[j] = order[j - 1];
          j--;
        }
      order[j] = i;
    }
}
