/*
 * sim/host/resolver.h - the host's DNS resolver: c-ares over the host seam.
 *
 * A HostResolver sends real DNS queries, built and parsed by c-ares, as UDP
 * datagrams through the host's sockets (host_udp_*), so in the simulator
 * they cross the simulated network to a DNS server model and back.  It is
 * written against host.h only, so the live host (host-live.h) uses it
 * unchanged: there the same sockets are real ones, the same timeouts run
 * on kernel timers that follow the wall clock, and the servers are real
 * (`sipsim live`; tests/test-host-live.c asks the DNS model on a real
 * socket, tests/live/ asks dnsmasq).  The only live-only call is
 * host_resolver_system_servers().
 *
 * Retries and timeouts follow c-ares' own rule (c-ares 1.18,
 * ares__send_query / next_server), but run on simulated timers:
 *  - attempt k (k = 0 .. tries x n_servers - 1) goes to server k mod n and
 *    waits timeout << (k / n): each round through the servers doubles it;
 *  - SERVFAIL, REFUSED, NOTIMP and an ICMP port unreachable end an attempt
 *    at once and the next one starts (c-ares skips to the next server);
 *  - NXDOMAIN, NODATA and answers end the lookup.
 * The outcome of the last attempt is the lookup's outcome.  c-ares builds
 * and parses the bytes; sending, timers and matching an answer to its
 * query are the binding's, by c-ares 1.18.1's rules (resolver-ares.c).
 *
 * No caching: every lookup goes to the network.  The records' TTLs are
 * reported so a caller can cache (BEHAVIOUR.md B17).
 *
 * Query IDs are drawn from the resolver's own random stream
 * (HostResolverConfig.rng_stream): the same seed gives the same bytes.
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"

G_BEGIN_DECLS

typedef struct HostResolver  HostResolver;
typedef struct HostDnsLookup HostDnsLookup;

typedef enum {
  HOST_DNS_OK,              /* records of the asked type (n_a / n_srv > 0) */
  HOST_DNS_NXDOMAIN,        /* RCODE 3: the name does not exist */
  HOST_DNS_NODATA,          /* NOERROR with no record of the asked type */
  HOST_DNS_SERVFAIL,        /* RCODE 2 from the last server tried */
  HOST_DNS_REFUSED,         /* RCODE 5 or 4 (NOTIMP) from the last server tried */
  HOST_DNS_TIMEOUT,         /* the last attempt went unanswered */
  HOST_DNS_CONN_REFUSED,    /* the last server's port was unreachable (ICMP),
                               the query could not be sent (no route), or the
                               answer was truncated (TCP is not offered) */
  HOST_DNS_BAD_RESPONSE,    /* an answer c-ares could not parse, or FORMERR */
} HostDnsStatus;

typedef struct {
  SimIp4  ip;
  guint32 ttl_s;
} HostDnsA;

typedef struct {
  guint16     priority, weight, port;
  const char *target;       /* without trailing dot */
  guint32     ttl_s;
} HostDnsSrv;

/* Valid only during the callback. */
typedef struct {
  HostDnsStatus     status;
  const char       *name;
  guint16           qtype;        /* 1 A, 33 SRV */
  guint             attempts;     /* queries sent, 1 .. tries x n_servers */
  SimTime           started_at, finished_at;
  guint             n_a;
  const HostDnsA   *a;            /* in the order of the answer */
  guint             n_srv;
  const HostDnsSrv *srv;          /* in the order of the answer */
} HostDnsResult;

/* Called once per lookup, from the event loop (never inside the call that
 * started the lookup).  The lookup is freed after it returns.  May free the
 * resolver, cancel other lookups and start new ones. */
typedef void (*HostDnsFunc) (HostResolver *resolver, const HostDnsResult *result,
                             gpointer user_data);

typedef struct {
  SimTime timeout;   /* first-round timeout per attempt; 0: 5 s (c-ares 1.18 default,
                        ares_init_options(3)) */
  guint   tries;     /* rounds through the server list; 0: 4 (c-ares 1.18 default) */
  /* Name of the random stream the query IDs on the wire are drawn from
   * (host_rng_init); NULL: "dns-resolver".  A host with two resolvers gives
   * them different names. */
  const char *rng_stream;
} HostResolverConfig;

const char    *host_dns_status_to_string (HostDnsStatus status);   /* static string */

/* A resolver on @host (not owned; must outlive it) asking @servers (copied,
 * n >= 1) in order.  @cfg may be NULL.  NULL with a GError if c-ares cannot
 * be initialised. */
HostResolver  *host_resolver_new  (SimHost *host, const SimSockAddr *servers, guint n_servers,
                                   const HostResolverConfig *cfg, GError **error);
/* Cancels every lookup in progress without calling its callback, closes
 * the sockets.  NULL-safe. */
void           host_resolver_free (HostResolver *resolver);

/* Starts an A (or SRV) lookup of @name (copied; "_sip._udp.example.test"
 * for SRV).  Returns a handle valid until the callback has returned or the
 * lookup is cancelled. */
HostDnsLookup *host_resolver_lookup_a   (HostResolver *resolver, const char *name,
                                         HostDnsFunc func, gpointer user_data);
HostDnsLookup *host_resolver_lookup_srv (HostResolver *resolver, const char *name,
                                         HostDnsFunc func, gpointer user_data);
/* A NAPTR lookup (RFC 3403) of @name: only its outcome is reported (OK
 * when the answer holds records, NODATA, NXDOMAIN, ...); the records are
 * not parsed (the DNS model has none; libre asks NAPTR first, B47). */
HostDnsLookup *host_resolver_lookup_naptr (HostResolver *resolver, const char *name,
                                           HostDnsFunc func, gpointer user_data);
/* Stops a lookup in progress; its callback is not called. */
void           host_dns_lookup_cancel   (HostDnsLookup *lookup);

/* The machine's own DNS servers (IPv4 ones, as c-ares reads them from
 * /etc/resolv.conf), for `sipsim live` when a scenario names none: up to
 * @max into @out; how many.  0 with a GError when c-ares finds none.
 * Reads the machine's files: never call it in a simulated run. */
guint          host_resolver_system_servers (SimSockAddr *out, guint max, GError **error);

/* Lookups in progress. */
guint          host_resolver_get_pending (const HostResolver *resolver);
/* Datagrams that reached a lookup's socket and were not taken as its
 * answer (empty, from another address or port, too short, another ID or
 * question: resolver-ares.c note 3), since the resolver was made.  Each
 * is also logged at SIM_LOG_DEBUG; none is traced. */
guint          host_resolver_get_dropped (const HostResolver *resolver);

G_END_DECLS
