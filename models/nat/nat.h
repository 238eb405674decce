/*
 * models/nat/nat.h - a NAPT home router (RFC 4787 for UDP, RFC 5382 for
 * TCP) on a forwarding SimNode's middlebox hook.
 *
 * The router node has one outside interface (its address is the public
 * address) and any number of inside interfaces (every other interface).
 * The NAT takes the node's hook (sim_node_set_hook) and works like
 * netfilter's NAT at PREROUTING:
 *  - a UDP/TCP packet arriving on an inside interface and routed out the
 *    outside interface gets its source rewritten to its binding's external
 *    endpoint (the binding is created if needed: RFC 4787 §4.1 mapping);
 *  - a packet arriving on the outside interface for the public address is
 *    looked up by its destination port, filtered (RFC 4787 §5), and its
 *    destination rewritten to the internal endpoint; or dropped;
 *  - an inside packet to the public address is hairpinned (RFC 4787 §6);
 *  - an ICMP error about a mapped flow is translated back, quoted header
 *    included (RFC 5508 §4.2), so the inside socket sees its error.
 * One binding per mapping, with one SimTimer (the binding timeout).  The
 * behaviour (mapping, filtering, timeouts, refresh, port allocation) is
 * plain data in NatSettings; defaults and their sources are listed in
 * doc/models.md "NAT router".  Every binding created and expired is kept
 * as a NatRecord and traced ("nat:NAME ...").
 *
 * Ownership: the Nat does not own the node; free the Nat (which removes
 * the hook) before the net, and before the world (its timers).
 */
#pragma once
#include <glib.h>

#include "sim/net/net.h"

G_BEGIN_DECLS

typedef struct Nat Nat;

/* RFC 4787 §4.1: what a binding is keyed on besides the internal endpoint. */
typedef enum {
  NAT_MAPPING_ENDPOINT_INDEPENDENT,      /* EIM: (internal) */
  NAT_MAPPING_ADDRESS_DEPENDENT,         /* ADM: (internal, remote IP) */
  NAT_MAPPING_ADDRESS_PORT_DEPENDENT,    /* APDM: (internal, remote IP:port) */
} NatMapping;

/* RFC 4787 §5: which unsolicited inbound packets a binding admits. */
typedef enum {
  NAT_FILTER_ENDPOINT_INDEPENDENT,       /* EIF: anyone */
  NAT_FILTER_ADDRESS_DEPENDENT,          /* ADF: IPs the binding has sent to */
  NAT_FILTER_ADDRESS_PORT_DEPENDENT,     /* APDF: IP:ports the binding has sent to */
} NatFilter;

typedef enum {
  NAT_PORTS_PRESERVE,    /* the internal port if free, else as SEQUENTIAL */
  NAT_PORTS_SEQUENTIAL,  /* the next free port from port_lo, wrapping at port_hi */
  NAT_PORTS_RANDOM,      /* uniform in [port_lo, port_hi] from "nat/NAME" */
} NatPortAlloc;

/* What the NAT does with a TCP segment it has no mapping for: an inside
 * segment other than a SYN (the mapping was forgotten: idle timeout,
 * reboot) or an outside segment to a public port with no mapping. */
typedef enum {
  NAT_TCP_UNMAPPED_DROP,   /* silently (most home routers' WAN firewall) */
  NAT_TCP_UNMAPPED_RESET,  /* answer with RST (iptables REJECT --reject-with
                            * tcp-reset; a router whose own stack answers) */
} NatTcpUnmapped;

/* Plain data; nat_settings_init_default() fills the documented defaults. */
typedef struct {
  NatMapping   mapping;
  NatFilter    filtering;
  NatPortAlloc port_alloc;
  guint16      port_lo, port_hi;         /* external port range */
  /* UDP (conntrack's two states): until an inbound packet has been
   * admitted, a refresh restarts the timer with udp_timeout_unreplied;
   * after, with udp_timeout_replied, but only for a refresh at least
   * udp_stream_grace after the binding was created (Linux >= 5.x). */
  SimTime      udp_timeout_unreplied;
  SimTime      udp_timeout_replied;
  SimTime      udp_stream_grace;
  /* RFC 4787 REQ-6: outbound packets always refresh; inbound ones only
   * when this is set. */
  gboolean     udp_inbound_refresh;
  /* TCP (RFC 5382 §5): any packet in either direction refreshes. */
  SimTime      tcp_timeout_established;
  SimTime      tcp_timeout_transitory;
  NatTcpUnmapped tcp_unmapped;
  gboolean     hairpinning;              /* RFC 4787 REQ-9 */
  SimTime      reboot_downtime;          /* packets dropped for this long after a reboot */
} NatSettings;

void         nat_settings_init_default (NatSettings *s);

typedef enum {
  NAT_RECORD_CREATED,
  NAT_RECORD_EXPIRED,
} NatRecordKind;

typedef enum {
  NAT_EXPIRY_NONE,       /* a CREATED record */
  NAT_EXPIRY_TIMEOUT,
  NAT_EXPIRY_REBOOT,
} NatExpiryReason;

typedef struct {
  NatRecordKind   kind;
  NatExpiryReason reason;
  SimTime         time;
  guint64         binding_id;    /* 1, 2, ... in creation order */
  guint8          proto;         /* SIM_IPPROTO_UDP or _TCP */
  SimSockAddr     internal;
  SimSockAddr     external;
  SimSockAddr     remote;        /* the destination of the packet that created it */
  SimTime         lifetime;      /* EXPIRED: time - creation time */
} NatRecord;

typedef struct {
  guint64 translated_out;        /* inside -> outside, source rewritten */
  guint64 translated_in;         /* outside -> inside, destination rewritten */
  guint64 hairpinned;
  guint64 icmp_translated;
  guint64 dropped_unsolicited;   /* inbound to a port with no binding */
  guint64 dropped_filtered;      /* a binding exists but the filter refuses the source */
  guint64 dropped_no_ports;      /* external port range exhausted */
  guint64 dropped_no_mapping;    /* outbound TCP other than a SYN with no binding */
  guint64 tcp_resets_sent;       /* RSTs answering unmapped TCP (tcp_unmapped = RESET) */
  guint64 dropped_down;          /* during reboot_downtime */
  guint64 dropped_other;         /* outside packets not for the public address,
                                  * hairpinning off, protocols not translated */
  guint64 bindings_created;
  guint64 bindings_expired;      /* timeout or reboot */
} NatStats;

/* Called for each record as it is made; @rec is valid during the call. */
typedef void (*NatRecordFunc) (Nat *nat, const NatRecord *rec, gpointer user_data);

/* Makes @node a NAT: its hook is taken and forwarding turned on.  @outside
 * is one of @node's interfaces; its address is the public address.
 * @settings is copied; @name names the trace ("nat:NAME") and the random
 * stream ("nat/NAME") and is copied. */
Nat          *nat_new               (SimNode *node, SimIface *outside,
                                     const NatSettings *settings, const char *name);
/* NULL-safe.  Removes the hook, cancels the timers, drops the bindings
 * without records. */
void          nat_free              (Nat *nat);
const NatSettings *nat_get_settings (const Nat *nat);
SimIp4        nat_get_public_addr   (const Nat *nat);
const NatStats *nat_get_stats       (const Nat *nat);
void          nat_set_record_func   (Nat *nat, NatRecordFunc func, gpointer user_data);
/* Every record so far, in order; valid until the next packet or timer.
 * Empty after nat_set_keep_records (FALSE). */
const NatRecord *nat_get_records    (const Nat *nat, guint *n_records);
/* Whether the NAT keeps its records for nat_get_records (default TRUE).
 * A record func sees every record either way; an owner that keeps what
 * it needs from there turns this off, so a long run's memory does not
 * grow with every binding ever made (two records per DNS lookup's port). */
void          nat_set_keep_records  (Nat *nat, gboolean keep);
guint         nat_get_n_bindings    (const Nat *nat);
/* The live binding for @internal (@proto UDP or TCP) towards @remote
 * (keyed per the mapping type): its external endpoint and due expiry.
 * FALSE if none. */
gboolean      nat_lookup            (const Nat *nat, guint8 proto, const SimSockAddr *internal,
                                     const SimSockAddr *remote, SimSockAddr *external,
                                     SimTime *expires);

/* Reboots at absolute time @at (>= now): every binding is dropped and
 * recorded as expired (NAT_EXPIRY_REBOOT), port allocation starts over,
 * packets are dropped for reboot_downtime, and if @new_public is not
 * SIM_IP4_ANY the outside interface takes that address (same prefix
 * length).  Several reboots may be scheduled. */
void          nat_schedule_reboot   (Nat *nat, SimTime at, SimIp4 new_public);
/* Reboots now (as a scheduled reboot does when it fires). */
void          nat_reboot            (Nat *nat, SimIp4 new_public);

const char   *nat_mapping_to_string (NatMapping m);   /* "EIM", "ADM", "APDM" */
const char   *nat_filter_to_string  (NatFilter f);    /* "EIF", "ADF", "APDF" */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Nat, nat_free)

G_END_DECLS
