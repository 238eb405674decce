/*
 * models/nat/nat.c - the NAT router: bindings, filtering, timeouts, port
 * allocation, hairpinning, ICMP error translation, reboot.
 *
 * Notes:
 *  1. Where it runs.  The node's middlebox hook sees every packet arriving
 *     on any interface before the deliver-or-forward decision (netfilter's
 *     PREROUTING).  Outbound translation there is safe because routing
 *     depends on the destination only; the packet leaves with the public
 *     source.  Inbound, rewriting the destination to the internal endpoint
 *     makes the node forward it inside.
 *  2. Bindings.  One NatBinding per mapping, keyed (RFC 4787 §4.1) on
 *     (proto, internal IP:port) for EIM, plus the remote IP for ADM, plus
 *     the remote port for APDM; and indexed by (proto, external port), which
 *     is unique: no port overloading (REQ-3), so an inbound packet finds at
 *     most one binding.  The binding lists the remote endpoints it has sent
 *     to; filtering (§5) admits a source if EIF, if its IP is in the list
 *     (ADF), or if its IP:port is (APDF).  The list lives as long as the
 *     binding (a modelling choice: one timer per binding, as §4.3 speaks of
 *     the mapping's timer).
 *  3. Timer.  Each binding has one SimTimer, restarted by every refreshing
 *     packet with the timeout of the binding's state at that moment:
 *       UDP  unreplied (no inbound packet admitted yet)  udp_timeout_unreplied
 *            replied and now - created >= udp_stream_grace udp_timeout_replied
 *            replied, within the grace                    udp_timeout_unreplied
 *       TCP  established                                  tcp_timeout_established
 *            otherwise (SYN sent, closing, reset)         tcp_timeout_transitory
 *     That is Linux conntrack's rule (nf_conntrack_proto_udp.c; BEHAVIOUR.md
 *     (d)).  UDP refresh: every outbound packet (REQ-6); an admitted inbound
 *     packet only if udp_inbound_refresh (it still marks the binding
 *     replied, which takes effect at the next refresh).  TCP: any packet in
 *     either direction (RFC 5382 §5 speaks of idle time).  ICMP errors do not
 *     refresh (conntrack treats them as RELATED to the flow).
 *  4. TCP states (RFC 5382 §5, simplified): a binding is created only by
 *     an outbound SYN; it is established once an inbound SYN+ACK has been
 *     seen and then an outbound packet without SYN (the handshake's ACK);
 *     an RST, or a FIN each way, makes it transitory again.
 *  5. Reboot: every binding is expired (reason reboot) in creation order,
 *     the sequential port counter starts over, the public address may
 *     change (sim_iface_set_addr), and for reboot_downtime every packet
 *     arriving on any interface is dropped.  Packets in flight towards the
 *     old bindings then arrive to no binding and are dropped unsolicited.
 *  6. Packets the NAT does not translate: ICMP queries from inside (echo)
 *     and other protocols outbound are dropped (no ICMP query mapping is
 *     modelled); on the outside, only packets to the public address are
 *     looked at, pings to it are answered by the node, the rest dropped.
 *     Unsolicited inbound packets are dropped silently, as home routers
 *     do (no ICMP port unreachable).
 *  7. Unmapped TCP (tcp_unmapped): an inside segment other than a SYN
 *     whose mapping is gone, and an outside TCP segment to a public port
 *     with no mapping, are dropped (DROP) or answered with RFC 793's reset
 *     (RESET: sim_tcp_send_reset, from the segment's destination, so the
 *     inside host sees the server reset it and the outside sender sees
 *     the public address reset it).  Either way the packet itself is
 *     dropped and counted; the RST is counted in tcp_resets_sent.  With
 *     DROP a phone learns of a forgotten mapping only from its own
 *     retransmission or keep-alive timeout; with RESET at its next send.
 *  8. Lookups.  Every outbound packet looks its binding up by key
 *     (note 2).  The index is a SimIntTable from a 64-bit digest of the
 *     key to the newest binding with that digest, older ones with the
 *     same digest chained behind it (hash_next); the key itself is
 *     compared, so a shared digest costs a step, never a wrong match.
 *     For endpoint-independent mapping the digest is the key itself, so
 *     there are no chains.  A GHashTable, with its hash and equality
 *     called through pointers, was about a sixth of a NAT's cost per
 *     packet.  Nothing iterates the index, so its order decides nothing.
 */
#include "models/nat/nat-private.h"

#include <string.h>

#include "sim/net/bytes.h"
#include "sim/net/packet.h"       /* sim_sockaddr_trace */
#include "sim/kernel/inttable.h"

typedef struct {
  SimIp4  iip, rip;
  guint16 iport, rport;
  guint8  proto;
} NatKey;

enum {
  TCP_SYN_OUT    = 1 << 0,
  TCP_SYNACK_IN  = 1 << 1,
  TCP_FIN_OUT    = 1 << 2,
  TCP_FIN_IN     = 1 << 3,
  TCP_RST        = 1 << 4,
  TCP_ESTAB      = 1 << 5,
};

typedef struct NatBinding_ {
  Nat        *nat;
  guint64     id;
  NatKey      key;
  SimSockAddr internal, external;
  /* The remote endpoints the binding has sent to, in first-sent order:
   * peer0, then more[0..].  Nearly every binding has one (a phone's
   * registrar, a lookup's DNS server), so that one is inline and the
   * array is made at the second (issue 17: the GArray cost about 80
   * bytes per binding).  peer0 is the remote the binding was made for
   * (its records' "remote"), so n_peers >= 1. */
  SimSockAddr peer0;
  guint32     n_peers;
  guint8      replied;        /* boolean */
  guint8      tcp;            /* TCP_* bits */
  GArray     *more;           /* SimSockAddr, NULL until n_peers > 1 */
  SimTime     created;
  SimTimer    timer;
  GList       link;           /* in nat->bindings */
  struct NatBinding_ *hash_next;  /* note 8: next binding with the same digest */
} NatBinding;

typedef struct {
  SimTime at;
  SimIp4  new_public;
} NatReboot;

struct Nat {
  SimNode     *node;
  SimIface    *outside;
  SimWorld    *world;
  NatSettings  s;
  char        *name;          /* points into who, after "nat:" */
  char        *who;           /* owned: "nat:NAME" */
  SimRng       rng;
  SimIntTable *by_key;        /* key_digest -> NatBinding* chain (note 8), not owned */
  SimIntTable *by_ext;        /* (proto << 16 | port) -> NatBinding*, not owned */
  GQueue       bindings;      /* owned, creation order */
  guint64      next_id;
  SimTime      down_until;
  GArray      *reboots;       /* NatReboot, sorted by time; NULL until one is scheduled */
  SimTimer     reboot_timer;
  GArray      *records;       /* NatRecord; NULL until one is kept */
  NatRecordFunc rec_func;
  gpointer     rec_data;
  gboolean     keep_records;  /* append to records (default); see nat_set_keep_records */
  guint16      one_digest;    /* boolean; tests: every key digests to 0 (nat_set_one_digest_) */
  guint16      seq_next;      /* here, not after next_id: no padding (issue 17 item 2) */
  NatStats     stats;
};

void
nat_settings_init_default (NatSettings *s)
{
  g_return_if_fail (s != NULL);
  memset (s, 0, sizeof *s);
  s->mapping = NAT_MAPPING_ENDPOINT_INDEPENDENT;        /* RFC 4787 REQ-1 */
  s->filtering = NAT_FILTER_ADDRESS_PORT_DEPENDENT;     /* Linux conntrack */
  s->port_alloc = NAT_PORTS_PRESERVE;                   /* Linux nf_nat */
  s->port_lo = 1024;
  s->port_hi = 65535;
  s->udp_timeout_unreplied = SIM_S (30);                /* nf_conntrack_udp_timeout */
  s->udp_timeout_replied = SIM_S (120);                 /* nf_conntrack_udp_timeout_stream */
  s->udp_stream_grace = 0;
  s->udp_inbound_refresh = TRUE;                        /* Linux: either direction */
  s->tcp_timeout_established = SIM_S (2 * 3600 + 4 * 60);  /* RFC 5382 REQ-5 */
  s->tcp_timeout_transitory = SIM_S (4 * 60);           /* RFC 5382 REQ-5 */
  s->hairpinning = TRUE;                                /* RFC 4787 REQ-9 */
  s->reboot_downtime = 0;
}

const char *
nat_mapping_to_string (NatMapping m)
{
  switch (m)
    {
    case NAT_MAPPING_ENDPOINT_INDEPENDENT: return "EIM";
    case NAT_MAPPING_ADDRESS_DEPENDENT: return "ADM";
    case NAT_MAPPING_ADDRESS_PORT_DEPENDENT: return "APDM";
    }
  return "?";
}

const char *
nat_filter_to_string (NatFilter f)
{
  switch (f)
    {
    case NAT_FILTER_ENDPOINT_INDEPENDENT: return "EIF";
    case NAT_FILTER_ADDRESS_DEPENDENT: return "ADF";
    case NAT_FILTER_ADDRESS_PORT_DEPENDENT: return "APDF";
    }
  return "?";
}

static const char *
proto_name (guint8 proto)
{
  return proto == SIM_IPPROTO_TCP ? "TCP" : "UDP";
}

/* Note 8: the internal endpoint and protocol exactly (56 bits), the
 * remote endpoint (zero under endpoint-independent mapping) mixed in. */
static guint64
key_digest (const Nat *nat, const NatKey *k)
{
  if (G_UNLIKELY (nat->one_digest))
    return 0;
  guint64 h = (guint64) k->iip << 24 | (guint64) k->iport << 8 | k->proto;
  return h ^ (((guint64) k->rip << 16 | k->rport) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
}

static gboolean
key_equal (const NatKey *x, const NatKey *y)
{
  return x->iip == y->iip && x->iport == y->iport && x->rip == y->rip
         && x->rport == y->rport && x->proto == y->proto;
}

static NatBinding *
by_key_lookup (const Nat *nat, const NatKey *k)
{
  NatBinding *b = sim_int_table_lookup (nat->by_key, key_digest (nat, k));
  while (b && !key_equal (&b->key, k))
    b = b->hash_next;
  return b;
}

static void
by_key_insert (Nat *nat, NatBinding *b)
{
  guint64 d = key_digest (nat, &b->key);
  b->hash_next = sim_int_table_lookup (nat->by_key, d);
  sim_int_table_insert (nat->by_key, d, b);
}

static void
by_key_remove (Nat *nat, NatBinding *b)
{
  guint64 d = key_digest (nat, &b->key);
  NatBinding *head = sim_int_table_lookup (nat->by_key, d);
  if (head == b)
    {
      if (b->hash_next)
        sim_int_table_insert (nat->by_key, d, b->hash_next);
      else
        sim_int_table_remove (nat->by_key, d);
    }
  else
    {
      NatBinding *prev = head;
      while (prev->hash_next != b)
        prev = prev->hash_next;   /* b is in its digest's chain */
      prev->hash_next = b->hash_next;
    }
  b->hash_next = NULL;
}

static guint64
ext_key (guint8 proto, guint16 port)
{
  return ((guint) proto << 16) | port;
}

/* Note 2: the mapping key of a flow from @internal to @remote. */
static NatKey
make_key (const Nat *nat, guint8 proto, const SimSockAddr *internal, const SimSockAddr *remote)
{
  NatKey k = { .iip = internal->ip, .iport = internal->port, .proto = proto };
  if (nat->s.mapping != NAT_MAPPING_ENDPOINT_INDEPENDENT)
    k.rip = remote->ip;
  if (nat->s.mapping == NAT_MAPPING_ADDRESS_PORT_DEPENDENT)
    k.rport = remote->port;
  return k;
}

SimIp4
nat_get_public_addr (const Nat *nat)
{
  g_return_val_if_fail (nat != NULL, SIM_IP4_ANY);
  return sim_iface_get_addr (nat->outside);
}

/* ------------------------------------------------------------ records */

static void
add_record (Nat *nat, const NatBinding *b, NatRecordKind kind, NatExpiryReason reason)
{
  SimTime now = sim_world_now (nat->world);
  NatRecord rec;
  memset (&rec, 0, sizeof rec);   /* padding too: records compare with memcmp */
  rec.kind = kind;
  rec.reason = reason;
  rec.time = now;
  rec.binding_id = b->id;
  rec.proto = b->key.proto;
  rec.internal = b->internal;
  rec.external = b->external;
  rec.remote = b->peer0;
  rec.lifetime = kind == NAT_RECORD_EXPIRED ? now - b->created : 0;
  if (nat->keep_records)
    {
      if (nat->records == NULL)
        nat->records = g_array_new (FALSE, FALSE, sizeof (NatRecord));
      g_array_append_val (nat->records, rec);
    }
  /* "binding #%llu created %s %s -> %s (to %s)" and "binding #%llu
   * expired %s %s -> %s %s after %s s", in pieces: the addresses are
   * formatted only when the trace is read (a line per binding). */
  SimWorld *w = nat->world;
  sim_trace_begin (w, nat->who);
  sim_trace_printf (w, kind == NAT_RECORD_CREATED ? "binding #%" G_GUINT64_FORMAT " created %s "
                                                  : "binding #%" G_GUINT64_FORMAT " expired %s ",
                    b->id, proto_name (b->key.proto));
  sim_sockaddr_trace (w, &b->internal);
  sim_trace_lit (w, " -> ");
  sim_sockaddr_trace (w, &b->external);
  if (kind == NAT_RECORD_CREATED)
    {
      sim_trace_lit (w, " (to ");
      sim_sockaddr_trace (w, &b->peer0);
      sim_trace_lit (w, ")");
    }
  else
    {
      char lt[SIM_TIME_STRLEN];
      sim_trace_printf (w, " %s after %s s", reason == NAT_EXPIRY_REBOOT ? "reboot" : "timeout",
                        sim_time_format (rec.lifetime, lt));
    }
  sim_trace_end (w);
  if (nat->rec_func)
    nat->rec_func (nat, &rec, nat->rec_data);
}

/* ------------------------------------------------------------ bindings */

static void
binding_free (NatBinding *b)
{
  sim_timer_cancel (&b->timer);
  if (b->more)
    g_array_unref (b->more);
  g_free (b);
}

static void
binding_remove (Nat *nat, NatBinding *b, NatExpiryReason reason)
{
  by_key_remove (nat, b);
  sim_int_table_remove (nat->by_ext, ext_key (b->key.proto, b->external.port));
  g_queue_unlink (&nat->bindings, &b->link);
  nat->stats.bindings_expired++;
  add_record (nat, b, NAT_RECORD_EXPIRED, reason);
  binding_free (b);
}

static void
binding_timeout (SimTimer *timer, gpointer user_data)
{
  (void) timer;
  NatBinding *b = user_data;
  binding_remove (b->nat, b, NAT_EXPIRY_TIMEOUT);
}

/* Note 3. */
static SimTime
binding_timeout_now (const Nat *nat, const NatBinding *b)
{
  if (b->key.proto == SIM_IPPROTO_TCP)
    return (b->tcp & TCP_ESTAB) ? nat->s.tcp_timeout_established : nat->s.tcp_timeout_transitory;
  SimTime age = sim_world_now (nat->world) - b->created;
  if (b->replied && age >= nat->s.udp_stream_grace)
    return nat->s.udp_timeout_replied;
  return nat->s.udp_timeout_unreplied;
}

static void
binding_refresh (Nat *nat, NatBinding *b)
{
  sim_timer_start (&b->timer, binding_timeout_now (nat, b));
}

static gboolean
ext_port_used (const Nat *nat, guint8 proto, guint16 port)
{
  return port == 0 || sim_int_table_lookup (nat->by_ext, ext_key (proto, port)) != NULL;
}

/* Next free port at or after the sequential counter; 0 if none. */
static guint16
alloc_sequential (Nat *nat, guint8 proto, guint16 start)
{
  guint lo = nat->s.port_lo, hi = nat->s.port_hi;
  guint span = hi - lo + 1;
  guint p = (start < lo || start > hi) ? lo : start;
  for (guint tries = 0; tries < span; tries++)
    {
      guint cur = p;
      p = cur == hi ? lo : cur + 1;
      if (!ext_port_used (nat, proto, (guint16) cur))
        {
          nat->seq_next = (guint16) p;
          return (guint16) cur;
        }
    }
  return 0;
}

static guint16
alloc_port (Nat *nat, guint8 proto, guint16 internal_port)
{
  switch (nat->s.port_alloc)
    {
    case NAT_PORTS_PRESERVE:
      if (!ext_port_used (nat, proto, internal_port))
        return internal_port;
      return alloc_sequential (nat, proto, nat->seq_next);
    case NAT_PORTS_SEQUENTIAL:
      return alloc_sequential (nat, proto, nat->seq_next);
    case NAT_PORTS_RANDOM:
      {
        /* A fresh draw per binding; a taken port falls back to the next
         * free one above it (one draw per binding keeps streams simple). */
        guint16 p = (guint16) sim_rng_int_range (&nat->rng, nat->s.port_lo, nat->s.port_hi);
        guint16 save = nat->seq_next;
        guint16 got = alloc_sequential (nat, proto, p);
        nat->seq_next = save;
        return got;
      }
    }
  return 0;
}

static NatBinding *
binding_create (Nat *nat, guint8 proto, const SimSockAddr *internal, const SimSockAddr *remote)
{
  guint16 port = alloc_port (nat, proto, internal->port);
  if (port == 0)
    return NULL;
  /* g_new and an initializer, not g_new0: glibc's calloc bypasses its
   * thread cache (about 250 instructions against 50 here). */
  NatBinding *b = g_new (NatBinding, 1);
  *b = (NatBinding) { .nat = nat, .id = ++nat->next_id };
  b->key = make_key (nat, proto, internal, remote);
  b->internal = *internal;
  b->external.ip = nat_get_public_addr (nat);
  b->external.port = port;
  b->peer0 = *remote;
  b->n_peers = 1;
  b->created = sim_world_now (nat->world);
  b->link.data = b;
  sim_timer_init (&b->timer, nat->world, binding_timeout, b);
  by_key_insert (nat, b);
  sim_int_table_insert (nat->by_ext, ext_key (proto, port), b);
  g_queue_push_tail_link (&nat->bindings, &b->link);
  nat->stats.bindings_created++;
  add_record (nat, b, NAT_RECORD_CREATED, NAT_EXPIRY_NONE);
  return b;
}

/* Peer @i of @b, i < b->n_peers. */
static inline const SimSockAddr *
peer_at (const NatBinding *b, guint i)
{
  return i == 0 ? &b->peer0 : &g_array_index (b->more, SimSockAddr, i - 1);
}

static void
note_peer (NatBinding *b, const SimSockAddr *remote)
{
  for (guint i = 0; i < b->n_peers; i++)
    if (sim_sockaddr_equal (peer_at (b, i), remote))
      return;
  g_assert (b->n_peers >= 1);   /* peer0 is set when the binding is made */
  if (b->more == NULL)
    b->more = g_array_new (FALSE, FALSE, sizeof (SimSockAddr));
  g_array_append_val (b->more, *remote);
  b->n_peers++;
}

/* RFC 4787 §5. */
static gboolean
filter_admits (const Nat *nat, const NatBinding *b, const SimSockAddr *from)
{
  if (nat->s.filtering == NAT_FILTER_ENDPOINT_INDEPENDENT)
    return TRUE;
  for (guint i = 0; i < b->n_peers; i++)
    {
      const SimSockAddr *p = peer_at (b, i);
      if (p->ip == from->ip
          && (nat->s.filtering == NAT_FILTER_ADDRESS_DEPENDENT || p->port == from->port))
        return TRUE;
    }
  return FALSE;
}

/* An outbound packet of a flow; creates the binding if needed.  NULL if
 * the packet must be dropped, with the reason's counter in @counter. */
static NatBinding *
outbound_binding (Nat *nat, const SimPacketInfo *info, const SimSockAddr *remote,
                  guint64 **counter, const char **why)
{
  SimSockAddr internal = { info->src, info->sport };
  NatKey k = make_key (nat, info->proto, &internal, remote);
  NatBinding *b = by_key_lookup (nat, &k);
  if (b == NULL)
    {
      /* RFC 5382 §5: a TCP mapping is created by an outbound SYN. */
      if (info->proto == SIM_IPPROTO_TCP
          && (info->tcp_flags & (SIM_TCP_SYN | SIM_TCP_ACK)) != SIM_TCP_SYN)
        {
          *counter = &nat->stats.dropped_no_mapping;
          *why = "no-mapping";
          return NULL;
        }
      b = binding_create (nat, info->proto, &internal, remote);
      if (b == NULL)
        {
          *counter = &nat->stats.dropped_no_ports;
          *why = "no-ports";
          return NULL;
        }
    }
  note_peer (b, remote);
  if (info->proto == SIM_IPPROTO_TCP)
    {
      guint8 f = info->tcp_flags;
      if (f & SIM_TCP_RST)
        b->tcp = (guint8) ((b->tcp | TCP_RST) & ~(guint) TCP_ESTAB);
      else if (f & SIM_TCP_SYN)
        b->tcp |= TCP_SYN_OUT;
      else if ((b->tcp & TCP_SYNACK_IN) && !(b->tcp & (TCP_RST | TCP_FIN_OUT | TCP_FIN_IN)))
        b->tcp |= TCP_ESTAB;
      if (f & SIM_TCP_FIN)
        b->tcp |= TCP_FIN_OUT;
      if ((b->tcp & TCP_FIN_OUT) && (b->tcp & TCP_FIN_IN))
        b->tcp = (guint8) (b->tcp & ~(guint) TCP_ESTAB);
    }
  binding_refresh (nat, b);
  return b;
}

/* An admitted inbound packet (note 3, note 4). */
static void
inbound_seen (Nat *nat, NatBinding *b, const SimPacketInfo *info)
{
  if (info->proto == SIM_IPPROTO_TCP)
    {
      guint8 f = info->tcp_flags;
      if (f & SIM_TCP_RST)
        b->tcp = (guint8) ((b->tcp | TCP_RST) & ~(guint) TCP_ESTAB);
      else if ((f & (SIM_TCP_SYN | SIM_TCP_ACK)) == (SIM_TCP_SYN | SIM_TCP_ACK))
        b->tcp |= TCP_SYNACK_IN;
      if (f & SIM_TCP_FIN)
        b->tcp |= TCP_FIN_IN;
      if ((b->tcp & TCP_FIN_OUT) && (b->tcp & TCP_FIN_IN))
        b->tcp = (guint8) (b->tcp & ~(guint) TCP_ESTAB);
      binding_refresh (nat, b);
      return;
    }
  b->replied = TRUE;
  if (nat->s.udp_inbound_refresh)
    binding_refresh (nat, b);
}

/* ------------------------------------------------------------ packets */

static SimHookVerdict
drop (Nat *nat, guint64 *counter, const char *why, const SimPacketInfo *info)
{
  (*counter)++;
  sim_trace_begin (nat->world, nat->who);
  sim_trace_str (nat->world, "drop ");
  sim_trace_str (nat->world, why);
  sim_trace_str (nat->world, " ");
  sim_packet_trace (nat->world, info);
  sim_trace_end (nat->world);
  return SIM_HOOK_DROP;
}

/* RFC 1624 incremental update of a 16-bit one's complement checksum at
 * @csum when a 16-bit word changes from @old to @new. */
static void
csum_update16 (guint8 *csum, guint16 old, guint16 new)
{
  guint16 hc = sim_get_be16 (csum);
  guint32 sum = (guint32) (guint16) ~hc + (guint16) ~old + new;
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sim_put_be16 (csum, (guint16) ~sum);
}

/* Rewrites one endpoint (@src: the source) of the packet quoted inside an
 * ICMP error at @q (IP header @qhl bytes, then at least 8 transport bytes)
 * and fixes the quoted IP header checksum and, incrementally, the quoted
 * UDP checksum (RFC 5508 §4.2: the NAT translates the embedded header). */
static void
rewrite_quoted (guint8 *q, gsize qhl, guint8 proto, gboolean src, const SimSockAddr *to)
{
  guint8 *ipf = q + (src ? 12 : 16);
  guint8 *portf = q + qhl + (src ? 0 : 2);
  guint16 old_ip_hi = sim_get_be16 (ipf), old_ip_lo = sim_get_be16 (ipf + 2), old_port = sim_get_be16 (portf);
  sim_put_be16 (ipf, (guint16) (to->ip >> 16));
  sim_put_be16 (ipf + 2, (guint16) to->ip);
  sim_put_be16 (portf, to->port);
  sim_put_be16 (q + 10, 0);
  sim_put_be16 (q + 10, sim_inet_checksum (q, qhl, 0));
  if (proto == SIM_IPPROTO_UDP && sim_get_be16 (q + qhl + 6) != 0)
    {
      guint8 *c = q + qhl + 6;
      csum_update16 (c, old_ip_hi, (guint16) (to->ip >> 16));
      csum_update16 (c, old_ip_lo, (guint16) to->ip);
      csum_update16 (c, old_port, to->port);
      if (sim_get_be16 (c) == 0)
        sim_put_be16 (c, 0xffff);
    }
}

static gboolean
is_icmp_error (const SimPacketInfo *info)
{
  return info->proto == SIM_IPPROTO_ICMP
         && (info->icmp_type == SIM_ICMP_DEST_UNREACH || info->icmp_type == SIM_ICMP_TIME_EXCEEDED);
}

/* An ICMP error from outside about a packet we translated: the quote's
 * source is our external endpoint.  Translated back to the internal host,
 * filtered like the flow (the quoted destination must be a peer). */
static SimHookVerdict
icmp_inbound (Nat *nat, SimPacket *pkt, const SimPacketInfo *info)
{
  SimPacketInfo q;
  if (sim_packet_parse_quoted (info->payload, info->payload_len, &q) != SIM_PACKET_OK
      || (q.proto != SIM_IPPROTO_UDP && q.proto != SIM_IPPROTO_TCP)
      || q.src != nat_get_public_addr (nat))
    return drop (nat, &nat->stats.dropped_other, "icmp-unmatched", info);
  NatBinding *b = sim_int_table_lookup (nat->by_ext, ext_key (q.proto, q.sport));
  if (b == NULL)
    return drop (nat, &nat->stats.dropped_unsolicited, "icmp-unsolicited", info);
  SimSockAddr quoted_dst = { q.dst, q.dport };
  gboolean peer = FALSE;
  for (guint i = 0; i < b->n_peers && !peer; i++)
    peer = sim_sockaddr_equal (peer_at (b, i), &quoted_dst);
  if (!peer)
    return drop (nat, &nat->stats.dropped_filtered, "icmp-filtered", info);
  guint8 *d = sim_packet_data_mut (pkt);
  guint8 *qp = d + (info->payload - sim_packet_data (pkt));
  rewrite_quoted (qp, q.hdr_len, q.proto, TRUE, &b->internal);
  SimSockAddr to = { b->internal.ip, 0 };
  sim_packet_rewrite_dst (pkt, &to);   /* address only for ICMP; fixes the ICMP checksum */
  nat->stats.icmp_translated++;
  return SIM_HOOK_ACCEPT;
}

/* An ICMP error from an inside host about a packet it received through a
 * binding (e.g. port unreachable after its socket closed): the quoted
 * destination is the internal endpoint; it becomes the external one. */
static SimHookVerdict
icmp_outbound (Nat *nat, SimPacket *pkt, const SimPacketInfo *info)
{
  SimPacketInfo q;
  if (sim_packet_parse_quoted (info->payload, info->payload_len, &q) != SIM_PACKET_OK
      || (q.proto != SIM_IPPROTO_UDP && q.proto != SIM_IPPROTO_TCP))
    return drop (nat, &nat->stats.dropped_other, "icmp-unmatched", info);
  SimSockAddr internal = { q.dst, q.dport }, remote = { q.src, q.sport };
  NatKey k = make_key (nat, q.proto, &internal, &remote);
  NatBinding *b = by_key_lookup (nat, &k);
  if (b == NULL)
    return drop (nat, &nat->stats.dropped_other, "icmp-unmatched", info);
  guint8 *d = sim_packet_data_mut (pkt);
  guint8 *qp = d + (info->payload - sim_packet_data (pkt));
  rewrite_quoted (qp, q.hdr_len, q.proto, FALSE, &b->external);
  SimSockAddr from = { b->external.ip, 0 };
  sim_packet_rewrite_src (pkt, &from);
  nat->stats.icmp_translated++;
  return SIM_HOOK_ACCEPT;
}

/* Note 7. */
static void
maybe_reset (Nat *nat, const SimPacketInfo *info)
{
  if (nat->s.tcp_unmapped != NAT_TCP_UNMAPPED_RESET || (info->tcp_flags & SIM_TCP_RST))
    return;
  nat->stats.tcp_resets_sent++;
  sim_tcp_send_reset (nat->node, info);
}

static SimHookVerdict
outbound (Nat *nat, SimPacket *pkt, const SimPacketInfo *info)
{
  if (is_icmp_error (info))
    return icmp_outbound (nat, pkt, info);
  if (info->proto != SIM_IPPROTO_UDP && info->proto != SIM_IPPROTO_TCP)
    return drop (nat, &nat->stats.dropped_other, "not-translated", info);
  SimSockAddr remote = { info->dst, info->dport };
  guint64 *counter = NULL;
  const char *why = NULL;
  NatBinding *b = outbound_binding (nat, info, &remote, &counter, &why);
  if (b == NULL)
    {
      if (counter == &nat->stats.dropped_no_mapping)
        maybe_reset (nat, info);
      return drop (nat, counter, why, info);
    }
  sim_packet_rewrite_src (pkt, &b->external);
  nat->stats.translated_out++;
  return SIM_HOOK_ACCEPT;
}

static SimHookVerdict
inbound (Nat *nat, SimPacket *pkt, const SimPacketInfo *info)
{
  if (info->dst != nat_get_public_addr (nat))
    return drop (nat, &nat->stats.dropped_other, "not-public", info);
  if (is_icmp_error (info))
    return icmp_inbound (nat, pkt, info);
  if (info->proto == SIM_IPPROTO_ICMP && info->icmp_type == SIM_ICMP_ECHO_REQUEST)
    return SIM_HOOK_ACCEPT;   /* the router answers pings itself */
  if (info->proto != SIM_IPPROTO_UDP && info->proto != SIM_IPPROTO_TCP)
    return drop (nat, &nat->stats.dropped_other, "not-translated", info);
  NatBinding *b = sim_int_table_lookup (nat->by_ext, ext_key (info->proto, info->dport));
  if (b == NULL)
    {
      if (info->proto == SIM_IPPROTO_TCP)
        maybe_reset (nat, info);
      return drop (nat, &nat->stats.dropped_unsolicited, "unsolicited", info);
    }
  SimSockAddr from = { info->src, info->sport };
  if (!filter_admits (nat, b, &from))
    return drop (nat, &nat->stats.dropped_filtered, "filtered", info);
  inbound_seen (nat, b, info);
  sim_packet_rewrite_dst (pkt, &b->internal);
  nat->stats.translated_in++;
  return SIM_HOOK_ACCEPT;
}

/* RFC 4787 §6: an inside host sends to the public address.  The packet is
 * outbound for the sender (its binding towards public:port is created or
 * refreshed) and inbound for the target binding (filtered as if it came
 * from the sender's external endpoint). */
static SimHookVerdict
hairpin (Nat *nat, SimPacket *pkt, const SimPacketInfo *info)
{
  if (info->proto != SIM_IPPROTO_UDP && info->proto != SIM_IPPROTO_TCP)
    return SIM_HOOK_ACCEPT;   /* e.g. a ping of the public address: the node's own */
  if (!nat->s.hairpinning)
    return drop (nat, &nat->stats.dropped_other, "hairpin-off", info);
  SimSockAddr remote = { info->dst, info->dport };
  guint64 *counter = NULL;
  const char *why = NULL;
  NatBinding *src = outbound_binding (nat, info, &remote, &counter, &why);
  if (src == NULL)
    return drop (nat, counter, why, info);
  NatBinding *dst = sim_int_table_lookup (nat->by_ext, ext_key (info->proto, info->dport));
  if (dst == NULL)
    return drop (nat, &nat->stats.dropped_unsolicited, "unsolicited", info);
  if (!filter_admits (nat, dst, &src->external))
    return drop (nat, &nat->stats.dropped_filtered, "filtered", info);
  inbound_seen (nat, dst, info);
  sim_packet_rewrite_src (pkt, &src->external);
  sim_packet_rewrite_dst (pkt, &dst->internal);
  nat->stats.hairpinned++;
  return SIM_HOOK_ACCEPT;
}

static SimHookVerdict
nat_hook (SimNode *node, SimIface *in_iface, SimPacket *pkt, gpointer user_data)
{
  Nat *nat = user_data;
  /* The node parsed and verified it just now: use its parse (or, called
   * some other way, parse it without summing a verified packet again). */
  SimPacketInfo info;
  const SimPacketInfo *parsed = sim_node_hook_info (node);
  if (parsed)
    info = *parsed;
  else if (sim_packet_parse_pkt (pkt, &info) != SIM_PACKET_OK)
    return SIM_HOOK_ACCEPT;   /* cannot happen */
  if (sim_world_now (nat->world) < nat->down_until)
    return drop (nat, &nat->stats.dropped_down, "rebooting", &info);
  if (in_iface == nat->outside)
    return inbound (nat, pkt, &info);
  if (info.dst == nat_get_public_addr (nat))
    return hairpin (nat, pkt, &info);
  if (sim_node_has_addr (node, info.dst) || sim_node_route (node, info.dst) != nat->outside)
    return SIM_HOOK_ACCEPT;   /* for the router itself, or inside to inside */
  return outbound (nat, pkt, &info);
}

/* ------------------------------------------------------------ reboot */

void
nat_reboot (Nat *nat, SimIp4 new_public)
{
  g_return_if_fail (nat != NULL);
  char a[SIM_IP4_STRLEN], t[SIM_TIME_STRLEN];
  SimIp4 pub = new_public != SIM_IP4_ANY ? new_public : nat_get_public_addr (nat);
  sim_trace (nat->world, nat->who, "reboot: %u bindings dropped, public %s, down %s s",
             g_queue_get_length (&nat->bindings), sim_ip4_to_string (pub, a),
             sim_time_format (nat->s.reboot_downtime, t));
  GList *l;
  while ((l = g_queue_peek_head_link (&nat->bindings)) != NULL)
    binding_remove (nat, l->data, NAT_EXPIRY_REBOOT);
  if (new_public != SIM_IP4_ANY)
    sim_iface_set_addr (nat->outside, new_public);
  nat->seq_next = nat->s.port_lo;
  nat->down_until = sim_world_now (nat->world) + nat->s.reboot_downtime;
}

static void
reboot_timer_arm (Nat *nat)
{
  if (nat->reboots && nat->reboots->len > 0)
    sim_timer_start_at (&nat->reboot_timer, g_array_index (nat->reboots, NatReboot, 0).at);
  else
    sim_timer_cancel (&nat->reboot_timer);
}

static void
reboot_fire (SimTimer *timer, gpointer user_data)
{
  (void) timer;
  Nat *nat = user_data;
  NatReboot r = g_array_index (nat->reboots, NatReboot, 0);
  g_array_remove_index (nat->reboots, 0);
  reboot_timer_arm (nat);
  nat_reboot (nat, r.new_public);
}

void
nat_schedule_reboot (Nat *nat, SimTime at, SimIp4 new_public)
{
  g_return_if_fail (nat != NULL && at >= sim_world_now (nat->world));
  NatReboot r = { at, new_public };
  if (nat->reboots == NULL)
    nat->reboots = g_array_new (FALSE, FALSE, sizeof (NatReboot));
  guint i = 0;
  while (i < nat->reboots->len && g_array_index (nat->reboots, NatReboot, i).at <= at)
    i++;
  g_array_insert_val (nat->reboots, i, r);
  reboot_timer_arm (nat);
}

/* ------------------------------------------------------------ lifecycle */

Nat *
nat_new (SimNode *node, SimIface *outside, const NatSettings *settings, const char *name)
{
  g_return_val_if_fail (node != NULL && outside != NULL && settings != NULL && name != NULL, NULL);
  g_return_val_if_fail (sim_iface_get_node (outside) == node, NULL);
  g_return_val_if_fail (settings->port_lo > 0 && settings->port_lo <= settings->port_hi, NULL);
  Nat *nat = g_new0 (Nat, 1);
  nat->node = node;
  nat->outside = outside;
  nat->world = sim_node_get_world (node);
  nat->s = *settings;
  /* One block for both names: "nat:NAME", the name is its tail. */
  nat->who = g_strconcat ("nat:", name, NULL);
  nat->name = nat->who + 4;
  g_autofree char *stream = g_strdup_printf ("nat/%s", name);
  sim_world_rng_init (nat->world, &nat->rng, stream);
  nat->by_key = sim_int_table_new ();
  nat->by_ext = sim_int_table_new ();
  g_queue_init (&nat->bindings);
  nat->seq_next = settings->port_lo;
  sim_timer_init (&nat->reboot_timer, nat->world, reboot_fire, nat);
  nat->keep_records = TRUE;
  sim_node_set_forwarding (node, TRUE);
  sim_node_set_hook (node, nat_hook, nat);
  return nat;
}

void
nat_free (Nat *nat)
{
  if (nat == NULL)
    return;
  sim_node_set_hook (nat->node, NULL, NULL);
  GList *l;
  while ((l = g_queue_pop_head_link (&nat->bindings)) != NULL)
    binding_free (l->data);
  sim_int_table_free (nat->by_key);
  sim_int_table_free (nat->by_ext);
  sim_timer_cancel (&nat->reboot_timer);
  if (nat->reboots)
    g_array_unref (nat->reboots);
  if (nat->records)
    g_array_unref (nat->records);
  g_free (nat->who);   /* and so nat->name, which points into it */
  g_free (nat);
}

void
nat_set_one_digest_ (Nat *nat, gboolean on)
{
  g_return_if_fail (nat != NULL && nat->bindings.length == 0);
  nat->one_digest = on ? 1 : 0;
}

const NatSettings *
nat_get_settings (const Nat *nat)
{
  g_return_val_if_fail (nat != NULL, NULL);
  return &nat->s;
}

const NatStats *
nat_get_stats (const Nat *nat)
{
  g_return_val_if_fail (nat != NULL, NULL);
  return &nat->stats;
}

void
nat_set_keep_records (Nat *nat, gboolean keep)
{
  g_return_if_fail (nat != NULL);
  nat->keep_records = keep;
}

void
nat_set_record_func (Nat *nat, NatRecordFunc func, gpointer user_data)
{
  g_return_if_fail (nat != NULL);
  nat->rec_func = func;
  nat->rec_data = user_data;
}

const NatRecord *
nat_get_records (const Nat *nat, guint *n_records)
{
  g_return_val_if_fail (nat != NULL && n_records != NULL, NULL);
  *n_records = nat->records ? nat->records->len : 0;
  return nat->records ? (const NatRecord *) (gconstpointer) nat->records->data : NULL;
}

guint
nat_get_n_bindings (const Nat *nat)
{
  g_return_val_if_fail (nat != NULL, 0);
  return nat->bindings.length;
}

gboolean
nat_lookup (const Nat *nat, guint8 proto, const SimSockAddr *internal,
            const SimSockAddr *remote, SimSockAddr *external, SimTime *expires)
{
  g_return_val_if_fail (nat != NULL && internal != NULL && remote != NULL, FALSE);
  NatKey k = make_key (nat, proto, internal, remote);
  NatBinding *b = by_key_lookup (nat, &k);
  if (b == NULL)
    return FALSE;
  if (external)
    *external = b->external;
  if (expires)
    *expires = sim_timer_get_due (&b->timer);
  return TRUE;
}
