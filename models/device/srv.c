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
 *    The "any order" is the order of the answer (the DNS server's rotation
 *    already shuffles it); only the weight-0 records move to the front.
 *    Consequence of the inclusive draw: a weight-0 record at the front is
 *    taken first exactly when r == 0, with probability 1 / (sum + 1).
 *
 * 2. Priority levels are taken in ascending order; equal priorities keep
 *    the order of @keys, so the result depends only on @keys and @rng.
 *
 * 3. One draw per selection in a level that still holds more than one
 *    record (also when all its weights are 0: then r is always 0 and the
 *    first record is taken, but the stream advances the same way).
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
      /* r uniform in [0, sum], both ends included. */
      guint64 r = sim_rng_below (rng, sum + 1);
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
