/*
 * models/device/srv.h - RFC 2782 target selection: the order in which a
 * client tries the targets of an SRV answer.
 *
 *  - lower priority values first; every target of a priority level before
 *    the next level;
 *  - within a level: weight-0 records first, then the rest; running sums of
 *    the weights; r drawn uniformly in [0, sum] when a weight-0 record
 *    heads the list, else in [1, sum]; the first record whose running sum
 *    >= r is taken; remove it and repeat.  Weighted records are thus taken
 *    with probability proportional to their weight (srv.c note 1).
 *
 * Randomness only from the caller's SimRng.
 */
#pragma once
#include <glib.h>

#include "sim/kernel/rng.h"

G_BEGIN_DECLS

typedef struct {
  guint16 priority;
  guint16 weight;
} DeviceSrvKey;

/* Writes into @order (n entries) the indices of @keys in the order a
 * client tries them (RFC 2782 "Usage rules").  Draws from @rng once per
 * selection within a level of more than one record. */
void device_srv_order (const DeviceSrvKey *keys, guint n, SimRng *rng, guint *order);

G_END_DECLS
