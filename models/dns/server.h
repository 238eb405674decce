/*
 * models/dns/server.h - an authoritative DNS server on one host (UDP port
 * 53 by default), answering A and SRV questions from its zones in RFC 1035
 * wire format.  Written against the host seam (sim/host/host.h) only.
 *
 * What it answers (RFC 1034 §4.3.2, reduced to what a SIP device asks):
 *  - A name outside every zone: REFUSED (we are not its authority).
 *  - A name inside a zone with records of the asked type: NOERROR with
 *    them, AA set, in the order the `order` setting gives (DnsRrsetOrder,
 *    BIND's rrset-order): a fresh random permutation per answer by
 *    default, as BIND 9 does without an rrset-order statement, so
 *    successive clients and successive runs spread over records of equal
 *    standing.
 *  - A name with records of other types only: NOERROR, no answers (NODATA,
 *    RFC 2308 §2.2); so do a zone origin and an empty non-terminal (a name
 *    with no records of its own but a descendant with some, RFC 8020 §2).
 *    A name that does not exist at all: NXDOMAIN.
 *  - A question of another class or type (not A/SRV): NODATA if the name
 *    exists, NXDOMAIN otherwise.  OPCODE != 0: NOTIMP.
 *  - Malformed queries are counted and dropped (no FORMERR: a stub
 *    resolver would only retry).
 * Faults are settings: an answer mode per name or subtree (SERVFAIL,
 * NXDOMAIN, silent), loss, latency, and changes at scheduled times.
 *
 * Randomness: one stream "host/NAME/dns-server:PORT": one draw per
 * well-formed query when loss > 0; with DNS_ORDER_RANDOM k - 1 draws per
 * answer of k > 1 records of the asked type (a Fisher-Yates shuffle); with
 * DNS_ORDER_CYCLIC one draw the first time a name and type is answered
 * with k > 1 records (the rotation's starting offset).  So the order
 * differs between runs (seeds) but not between two runs of one seed.
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "models/dns/wire.h"

G_BEGIN_DECLS

typedef struct DnsServer DnsServer;

typedef enum {
  DNS_MODE_ANSWER,     /* normal answers from the records */
  DNS_MODE_SERVFAIL,   /* RCODE 2 for every question */
  DNS_MODE_NXDOMAIN,   /* RCODE 3 for every question, records or not */
  DNS_MODE_SILENT,     /* no answer at all: the client's timeout runs */
} DnsAnswerMode;

/* The order of the records of one type in an answer (BIND's rrset-order
 * values, ARM "RRset Ordering"). */
typedef enum {
  DNS_ORDER_RANDOM,      /* default: a uniform random permutation per answer
                          * (BIND 9's implicit default) */
  DNS_ORDER_CYCLIC,      /* rotated by one per answer, from a random start per
                          * name and type (round robin, BIND 8 / older 9) */
  DNS_ORDER_FIXED,       /* the order the records were added (zone file order) */
} DnsRrsetOrder;

typedef struct {
  guint16 port;          /* 0: 53 (RFC 1035 §4.2.1) */
  SimTime latency;       /* added between a query's arrival and its answer */
  double  loss;          /* probability a query is dropped unanswered, 0..1 */
  DnsRrsetOrder order;   /* 0 (default): DNS_ORDER_RANDOM */
} DnsServerConfig;

/* One record.  Strings are borrowed by the calls that take it, and copied. */
typedef struct {
  guint16     type;      /* DNS_TYPE_A or DNS_TYPE_SRV */
  guint32     ttl_s;
  SimIp4      ip;        /* A */
  guint16     priority, weight, port;   /* SRV */
  const char *target;    /* SRV target host name */
} DnsRecord;

typedef struct {
  guint64 queries;       /* datagrams received, malformed included */
  guint64 malformed;     /* dropped: not a parseable query */
  guint64 lost;          /* dropped by the loss setting */
  guint64 silent;        /* dropped by DNS_MODE_SILENT */
  guint64 answered;      /* answers sent, any RCODE */
  guint64 noerror, nodata, nxdomain, servfail, refused, notimp;  /* by answer kind */
} DnsServerStats;

/* Opens the server's socket on @host (not owned; must outlive the server).
 * @cfg may be NULL (port 53, no latency, no loss, random order).  NULL with
 * a GError if the port cannot be bound or @cfg is invalid (loss outside
 * 0..1, negative latency). */
DnsServer *dns_server_new     (SimHost *host, const DnsServerConfig *cfg, GError **error);
/* Closes the socket, cancels timers and pending answers.  NULL-safe. */
void       dns_server_free    (DnsServer *server);

/* Declares a zone: names equal to @origin or ending in ".@origin" are ours.
 * Names are compared without case and without a trailing dot. */
gboolean   dns_server_add_zone (DnsServer *server, const char *origin, GError **error);
/* Adds a record to @name, which must be inside a zone.  Records are kept in
 * the order added (DNS_ORDER_FIXED answers in it). */
gboolean   dns_server_add     (DnsServer *server, const char *name, const DnsRecord *rr,
                               GError **error);
/* Removes every record of @type at @name; returns how many.  A name left
 * without records no longer exists (NXDOMAIN). */
guint      dns_server_remove  (DnsServer *server, const char *name, guint16 type);
/* Removes the records at @name equal to @rr in type and data (A: address;
 * SRV: priority, weight, port, target), whatever their TTL. */
guint      dns_server_remove_record (DnsServer *server, const char *name, const DnsRecord *rr);
/* How @name and every name under it is answered; the most specific setting
 * wins, so DNS_MODE_ANSWER on a name undoes a zone-wide fault for it. */
void       dns_server_set_mode (DnsServer *server, const char *name, DnsAnswerMode mode);

/* Scheduled changes, applied at absolute simulated time @at (>= now):
 *   ADD      adds @rr at @name
 *   REMOVE   removes the records equal to @rr (dns_server_remove_record)
 *   REPLACE  removes every record of @rr->type at @name, then adds @rr
 *   MODE     sets @mode for @name (@rr unused, may be NULL)
 * Changes due at the same time apply in the order they were scheduled.  A
 * query arriving at exactly @at may see the state before or after (event
 * order); scenarios should not rely on that tie.  A change that fails
 * (name outside every zone, or a name or SRV target that cannot be
 * written) is logged and skipped as a whole: a REPLACE then keeps the old
 * records. */
typedef enum { DNS_CHANGE_ADD, DNS_CHANGE_REMOVE, DNS_CHANGE_REPLACE, DNS_CHANGE_MODE } DnsChangeKind;
void       dns_server_schedule (DnsServer *server, SimTime at, DnsChangeKind kind,
                                const char *name, const DnsRecord *rr, DnsAnswerMode mode);

void       dns_server_get_stats (const DnsServer *server, DnsServerStats *out);
/* Well-formed queries received for @name (any case) and @qtype, answered or not. */
guint64    dns_server_get_query_count (const DnsServer *server, const char *name, guint16 qtype);
/* The bound address (port as configured). */
void       dns_server_get_local (const DnsServer *server, SimSockAddr *out);

const char *dns_answer_mode_to_string (DnsAnswerMode mode);   /* static string */
const char *dns_rrset_order_to_string (DnsRrsetOrder order);  /* "random", "cyclic", "fixed" */

G_END_DECLS
