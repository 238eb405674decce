/*
 * models/device/locator.h - from a configured server name to an ordered
 * list of candidate addresses, through DNS (c-ares via HostResolver), in
 * the order a vendor's firmware asks (B11 OBi, B13 Aastra, RFC 3263), with
 * answers cached for their TTL (B17).
 *
 * Notes
 *
 * 1. Orders (DeviceLookupOrder, config.h):
 *      OBI      A(name) -> every address, equal priority, port = the
 *               configured port or 5060.  Else SRV(name), else
 *               SRV(_sip._udp.name): targets by RFC 2782, each target's
 *               addresses by A(target), port from SRV (the configured
 *               port is ignored).  Else failure (OBi "901").  Any outcome
 *               other than OK of a step (NXDOMAIN, NODATA, SERVFAIL,
 *               timeout) moves to the next step.
 *      RFC3263  UDP only (no NAPTR: an RFC 3263 client with one transport
 *               may skip it, §4.1).  A port given: A(name) with it.  Else
 *               SRV(_sip._udp.name) -> targets, else A(name) on 5060.
 *      AASTRA   port 0 and a name: SRV(_sip._udp.name) -> targets (the
 *               lowest priority is the primary), falling back to A(name)
 *               on 5060 when there is no SRV; a port given: A(name).
 *    An IPv4 literal never touches DNS: one candidate, port or 5060.
 *
 * 2. Candidates.  One entry per address: an SRV target with two A
 *    records gives two entries, both with the target's priority and
 *    weight, in the A answer's order.  A-only lists give every address
 *    priority 0 (B12: equal priority).  Targets whose A lookup fails are
 *    left out; an SRV target "." (service unavailable) is left out.
 *    The list's order is the try order (RFC 2782 selection done here, with
 *    the locator's SimRng, once per resolve).
 *
 * 3. Cache (B17).  Every answer (A or SRV, per name and type) is kept
 *    until now + its smallest TTL; a resolve uses fresh cache entries and
 *    queries only what is missing or expired.  fresh = TRUE bypasses the
 *    cache for this resolve (and refills it): "re-query when a failover
 *    needs a fresh list".  Negative answers are not cached (RFC 2308
 *    negative caching needs the SOA minimum, which the resolver does not
 *    report): a name that failed is asked again next time.
 *    A list's expires_at is the earliest expiry of the answers it was built
 *    from (Polycom/Yealink failback mode DNSTTL uses it).
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "sim/host/resolver.h"
#include "models/device/config.h"

G_BEGIN_DECLS

typedef struct DeviceLocator       DeviceLocator;
typedef struct DeviceLocateRequest DeviceLocateRequest;

typedef struct {
  SimSockAddr addr;
  guint16     priority;      /* SRV priority; 0 for A-only lists */
  guint16     weight;        /* SRV weight; 0 for A-only lists */
  char       *host;          /* the SRV target or the name whose A record it is */
} DeviceCandidate;

typedef enum {
  DEVICE_LOCATE_OK,          /* n >= 1 candidates */
  DEVICE_LOCATE_FAILED,      /* nothing resolved (B11 step 4, "901") */
} DeviceLocateStatus;

/* A candidate list.  Owned by whoever holds it: device_server_list_free(). */
typedef struct {
  DeviceLocateStatus status;
  HostDnsStatus      dns_status;   /* FAILED: the outcome of the last query */
  guint              n;
  DeviceCandidate   *c;            /* try order */
  SimTime            resolved_at;
  SimTime            expires_at;   /* G_MAXINT64 for IP literals */
  guint              queries;      /* DNS lookups sent for this resolve (cache hits: 0) */
  char              *description;  /* how it was found, for the trace: "A example.test",
                                      "SRV _sip._udp.example.test", "literal" */
} DeviceServerList;

void              device_server_list_free (DeviceServerList *list);    /* NULL-safe */
DeviceServerList *device_server_list_copy (const DeviceServerList *list);
/* Index of the first candidate whose address equals @addr, or -1. */
gint              device_server_list_find (const DeviceServerList *list, const SimSockAddr *addr);

/* Called once, from the event loop.  @list belongs to the callee. */
typedef void (*DeviceLocateFunc) (DeviceLocateRequest *req, DeviceServerList *list,
                                  gpointer user_data);

/* A locator asking through @resolver (not owned; must outlive it) on
 * @host; @rng (not owned) orders SRV targets. */
DeviceLocator *device_locator_new  (SimHost *host, HostResolver *resolver, SimRng *rng);
/* Cancels pending resolves without calling back; drops the cache.  NULL-safe. */
void           device_locator_free (DeviceLocator *loc);

/* Resolves @name (copied) with @port (0 = not given) in @order.  @use_cache
 * FALSE disables caching altogether for this call (no read, no write);
 * @fresh TRUE skips reading the cache but refills it (note 3).  The
 * callback always runs from the event loop, even for a literal or a cache
 * hit (at the same simulated instant). */
DeviceLocateRequest *device_locator_resolve (DeviceLocator *loc, const char *name, guint16 port,
                                             DeviceLookupOrder order, gboolean use_cache,
                                             gboolean fresh, DeviceLocateFunc func,
                                             gpointer user_data);
void           device_locate_cancel (DeviceLocateRequest *req);
/* How the request orders records of one priority (default RFC 2782) and
 * the key of DEVICE_SRV_HASH (srv.h).  Call right after
 * device_locator_resolve(), before the event loop runs. */
void           device_locate_set_order (DeviceLocateRequest *req, DeviceSrvOrder order,
                                        guint32 sort_key);

/* Drops every cached answer. */
void           device_locator_flush (DeviceLocator *loc);
/* Cached answers that are still fresh, for tests and traces. */
guint          device_locator_cache_size (DeviceLocator *loc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DeviceServerList, device_server_list_free)

G_END_DECLS
