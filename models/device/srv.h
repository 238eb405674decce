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

/* libre's order (B47; re src/dns/rrlist.c std_sort_handler, sidx, and
 * dns_rrlist_sort_addr, libre 1.1.0): priorities ascending; within one,
 * descending by ((H(target) & 0xfff) ^ key) + weight, where key is the
 * request's sort key shifted right by 5 (libre passes the dialog's hash
 * of the From URI) and H a string hash.  No randomness: the same targets
 * and key give the same order at every lookup.  libre's H is lookup3
 * hashlittle with a fixed seed; device_srv_hash() is FNV-1a, so the
 * order for given names differs from libre's while keeping its nature
 * (fixed per user, weights only nudge it).  @targets[i] names keys[i]. */
guint32 device_srv_hash (const char *s);    /* FNV-1a 32 of the lower-case text */
void device_srv_order_hash (const DeviceSrvKey *keys, const char *const *targets, guint n,
                            guint32 sort_key, guint *order);
/* Equal A records in libre's order: descending by (address ^ key), key =
 * sort_key >> 5 (dns_rrlist_sort_addr). */
void device_addr_order_hash (const guint32 *ips, guint n, guint32 sort_key, guint *order);

G_END_DECLS
