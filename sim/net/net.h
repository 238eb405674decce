/*
 * sim/net/net.h - the simulated IPv4 network: nodes, interfaces, routes,
 * point-to-point links, UDP and TCP sockets, a middlebox hook, pcap taps.
 *
 * Model:
 *  - A SimNode is a host or a router.  It has interfaces (SimIface), each
 *    with an IPv4 address and prefix; a route table (longest prefix match,
 *    connected prefixes added automatically); and, when forwarding is on, it
 *    forwards packets not addressed to it, decrementing TTL.
 *  - A SimLink joins exactly two interfaces.  Each direction has latency,
 *    jitter (uniform in [0, jitter]), loss probability and optional
 *    bandwidth (serialisation delay and a FIFO queue); a direction never
 *    reorders packets, as a cable or a single queue does not.  A link can be
 *    cut and restored at scheduled times: while it is down, packets sent are
 *    lost, and packets in flight when it goes down are lost too.
 *  - Packets are real IPv4 bytes (sim/net/packet.h).  A receiving node
 *    parses and validates them; malformed ones are counted and dropped.
 *  - A star of links around a router node gives "the Internet"; a NAT is a
 *    forwarding node with a hook (issue 4 builds it on this).
 *
 * Ownership: the SimNet owns its nodes, interfaces and links; they live
 * until sim_net_free().  Sockets are owned by their user until closed.
 * All callbacks run from kernel events, never inside the call that caused
 * them, so a callback may close or free its socket.
 */
#pragma once
#include <glib.h>

#include "sim/kernel/world.h"
#include "sim/net/addr.h"
#include "sim/net/packet.h"       /* SimPacketInfo (sim_tcp_send_reset) */
#include "sim/net/packet.h"

G_BEGIN_DECLS

typedef struct SimNet         SimNet;
typedef struct SimNode        SimNode;
typedef struct SimIface       SimIface;
typedef struct SimLink        SimLink;
typedef struct SimPcap        SimPcap;
typedef struct SimUdpSocket   SimUdpSocket;
typedef struct SimTcpSocket   SimTcpSocket;
typedef struct SimTcpListener SimTcpListener;

/* SimNetError (socket outcomes) is in sim/net/addr.h, shared with the host seam. */

/* Errors returned through GError by calls (bad arguments, port in use). */
#define SIM_NET_ERROR (sim_net_error_quark ())
GQuark sim_net_error_quark (void);
typedef enum {
  SIM_NET_ERROR_ADDR_IN_USE,
  SIM_NET_ERROR_ADDR_NOT_AVAILABLE,   /* bind to an address the node lacks */
  SIM_NET_ERROR_NO_PORTS,             /* ephemeral range exhausted */
  SIM_NET_ERROR_MSG_SIZE,             /* datagram larger than IPv4 allows */
  SIM_NET_ERROR_NO_ROUTE,
  SIM_NET_ERROR_NOT_CONNECTED,
} SimNetErrorCode;

/* Counters; every drop has a reason. */
typedef struct {
  guint64 rx_packets, rx_bytes;       /* arrived on an interface */
  guint64 tx_packets, tx_bytes;       /* handed to a link */
  guint64 delivered;                  /* to a local socket or stack */
  guint64 forwarded;
  guint64 malformed;                  /* failed sim_packet_parse() */
  guint64 no_route;
  guint64 ttl_expired;
  guint64 not_for_us;                 /* not local and forwarding is off */
  guint64 hook_dropped;
  guint64 udp_no_socket;              /* answered with ICMP port unreachable */
  guint64 icmp_sent, icmp_received;
} SimNodeStats;

typedef struct {
  guint64 sent[2];                    /* per direction: 0 = a->b, 1 = b->a */
  guint64 delivered[2];
  guint64 lost[2];                    /* random loss */
  guint64 corrupted[2];               /* delivered with a flipped byte */
  guint64 dropped_down[2];            /* link cut */
} SimLinkStats;

typedef struct {
  SimTime latency;                    /* one-way propagation delay */
  SimTime jitter;                     /* extra delay uniform in [0, jitter] */
  double  loss;                       /* probability in [0, 1] of losing a packet */
  double  corrupt;                    /* probability in [0, 1] that one byte arrives flipped
                                       * (bit errors: the receiver's checksums catch it) */
  guint64 bandwidth_bps;              /* 0: unlimited (no serialisation delay) */
} SimLinkConfig;

/* What a middlebox hook decides about a packet. */
typedef enum {
  SIM_HOOK_ACCEPT,   /* go on (the hook may have rewritten the bytes) */
  SIM_HOOK_DROP,     /* the network frees it and counts hook_dropped */
  SIM_HOOK_STOLEN,   /* the hook took ownership of @pkt */
} SimHookVerdict;

/* Sees every packet that arrives on any interface of @node, before the
 * node decides between local delivery and forwarding (netfilter's
 * PREROUTING), in both directions.  It may rewrite the packet in place
 * (sim_packet_rewrite_src/dst keep the checksums right), drop it or steal
 * it; a stolen packet can be re-injected with sim_node_inject(). */
typedef SimHookVerdict (*SimNodeHookFunc) (SimNode *node, SimIface *in_iface,
                                           SimPacket *pkt, gpointer user_data);

/* ---------------------------------------------------------------- net */

/* @world is not owned and must outlive the net. */
SimNet       *sim_net_new            (SimWorld *world);
/* NULL-safe; frees nodes, links and packets still in flight.  Their
 * delivery events stay queued, so the world must not run after this: free
 * the net just before the world.  Sockets must be closed first. */
void          sim_net_free           (SimNet *net);
SimWorld     *sim_net_get_world      (const SimNet *net);
/* Per-packet trace lines ("net:NODE rx UDP ..."), folded into the
 * fingerprint.  On by default; drops are always traced. */
void          sim_net_set_trace_packets (SimNet *net, gboolean on);
SimNode      *sim_net_find_node      (SimNet *net, const char *name);

/* ---------------------------------------------------------------- node */

/* @name is copied and must be unique in @net (it names the node's random
 * stream).  Returns NULL and sets @error on a duplicate. */
SimNode      *sim_node_new           (SimNet *net, const char *name, GError **error);
const char   *sim_node_get_name      (const SimNode *node);
SimNet       *sim_node_get_net       (const SimNode *node);
SimWorld     *sim_node_get_world     (const SimNode *node);
/* The node's own random stream ("net/node/NAME"): ephemeral ports, ISNs. */
SimRng       *sim_node_get_rng       (SimNode *node);
const SimNodeStats *sim_node_get_stats (const SimNode *node);

/* Adds an interface with @addr/@prefix_len and a connected route for its
 * prefix.  Owned by the node. */
SimIface     *sim_node_add_iface     (SimNode *node, SimIp4 addr, guint prefix_len);
SimIface     *sim_node_get_iface     (SimNode *node, guint index);
guint         sim_node_get_n_ifaces  (const SimNode *node);
/* TRUE if @ip is the address of one of @node's interfaces. */
gboolean      sim_node_has_addr      (const SimNode *node, SimIp4 ip);
/* Adds a route: packets to @prefix/@len leave through @out.  Longest
 * prefix wins; among equal lengths, the route added last wins. */
void          sim_node_add_route     (SimNode *node, SimIp4 prefix, guint len, SimIface *out);
void          sim_node_set_default_route (SimNode *node, SimIface *out);
/* The interface a packet to @dst would leave by, or NULL. */
SimIface     *sim_node_route         (SimNode *node, SimIp4 dst);
/* The source address a packet to @dst gets: @dst itself if it is ours,
 * else the outgoing interface's address; SIM_IP4_ANY without a route. */
SimIp4        sim_node_source_for    (SimNode *node, SimIp4 dst);
void          sim_node_set_forwarding (SimNode *node, gboolean on);
void          sim_node_set_hook      (SimNode *node, SimNodeHookFunc hook, gpointer user_data);
/* Inside the hook: the node's parse of the packet being hooked (checked,
 * as the hook sees it on entry), so the hook need not parse it again;
 * NULL outside a hook call.  Its payload pointer points into the packet. */
const SimPacketInfo *sim_node_hook_info (const SimNode *node);
/* Sends @pkt (taking ownership) as if @node had originated it: routed and
 * transmitted, or delivered locally if addressed to @node.  Returns FALSE
 * (and frees it) if there is no route. */
gboolean      sim_node_inject        (SimNode *node, SimPacket *pkt);
/* Ephemeral port range for UDP and TCP, Linux's default 32768..60999. */
void          sim_node_set_port_range (SimNode *node, guint16 lo, guint16 hi);

SimNode      *sim_iface_get_node     (const SimIface *iface);
SimIp4        sim_iface_get_addr     (const SimIface *iface);
/* Renumbers @iface (a DHCP lease change; the NAT model's reboot): the
 * prefix length stays, the connected route moves to the new prefix in
 * place, and the node stops owning the old address unless another of its
 * interfaces has it.  Sockets bound to the old address get nothing more;
 * packets still addressed to it are no longer local to the node. */
void          sim_iface_set_addr     (SimIface *iface, SimIp4 addr);
guint         sim_iface_get_prefix_len (const SimIface *iface);
SimLink      *sim_iface_get_link     (const SimIface *iface);
/* "NODE/ethN"; static to the iface. */
const char   *sim_iface_get_name     (const SimIface *iface);

/* ---------------------------------------------------------------- link */

/* Joins @a and @b (each may have at most one link).  @config is copied and
 * applies to both directions.  Owned by the net. */
SimLink      *sim_link_new           (SimNet *net, SimIface *a, SimIface *b,
                                      const SimLinkConfig *config);
void          sim_link_set_config    (SimLink *link, const SimLinkConfig *config);
/* Direction 0 is a->b, 1 is b->a. */
void          sim_link_set_loss      (SimLink *link, guint direction, double loss);
const SimLinkConfig *sim_link_get_config (const SimLink *link, guint direction);
void          sim_link_set_up        (SimLink *link, gboolean up);
gboolean      sim_link_is_up         (const SimLink *link);
/* Cuts the link at absolute time @at (>= now); restores it at @at +
 * @duration unless @duration is SIM_TIME_MAX. */
void          sim_link_schedule_cut  (SimLink *link, SimTime at, SimTime duration);
const SimLinkStats *sim_link_get_stats (const SimLink *link);
const char   *sim_link_get_name      (const SimLink *link);

/* ---------------------------------------------------------------- pcap */

/* Opens @path for writing a pcap file (nanosecond timestamps,
 * LINKTYPE_RAW: each record is one IPv4 packet).  Returns NULL and sets
 * @error if the file cannot be created. */
SimPcap      *sim_pcap_open          (const char *path, GError **error);
/* Flushes and closes; NULL-safe.  Detach it from nodes and links first
 * (or free the net first).  Returns FALSE and sets @error if any write
 * failed (disk full): the file is then incomplete. */
gboolean      sim_pcap_close         (SimPcap *pcap, GError **error);
guint64       sim_pcap_get_packets   (const SimPcap *pcap);
/* Appends one record: the IPv4 packet @data of @len bytes at @t (ns since
 * the epoch of the file's clock: simulated time, or Unix time in live runs). */
void          sim_pcap_write         (SimPcap *pcap, SimTime t, const guint8 *data, gsize len);
/* Writes every packet @node receives on or sends from any interface.
 * @pcap is not owned; NULL detaches. */
void          sim_node_set_pcap      (SimNode *node, SimPcap *pcap);
/* Writes every packet handed to @link in either direction (also those
 * the link then loses).  @pcap is not owned; NULL detaches. */
void          sim_link_set_pcap      (SimLink *link, SimPcap *pcap);

/* ---------------------------------------------------------------- UDP */

/* A datagram arrived: @from is its source; @data is valid during the call. */
typedef void (*SimUdpRecvFunc)  (SimUdpSocket *sock, const SimSockAddr *from,
                                 const guint8 *data, gsize len, gpointer user_data);
/* An ICMP error came back for a datagram this socket sent to @remote. */
typedef void (*SimUdpErrorFunc) (SimUdpSocket *sock, SimNetError err,
                                 const SimSockAddr *remote, gpointer user_data);

/* Binds a UDP socket on @node to @local (NULL or ip 0: any address;
 * port 0: an ephemeral port).  Fails with ADDR_IN_USE, ADDR_NOT_AVAILABLE
 * or NO_PORTS. */
SimUdpSocket *sim_udp_open           (SimNode *node, const SimSockAddr *local, GError **error);
void          sim_udp_set_callbacks  (SimUdpSocket *sock, SimUdpRecvFunc recv,
                                      SimUdpErrorFunc error, gpointer user_data);
/* Sends one datagram; @data is copied.  Fails with MSG_SIZE or NO_ROUTE.
 * Success means handed to the network, not delivered. */
gboolean      sim_udp_sendto         (SimUdpSocket *sock, const SimSockAddr *to,
                                      const void *data, gsize len, GError **error);
/* The bound address; ip is 0 when bound to any. */
void          sim_udp_get_local      (const SimUdpSocket *sock, SimSockAddr *out);
SimNode      *sim_udp_get_node       (const SimUdpSocket *sock);
/* Unbinds and frees; NULL-safe.  Datagrams arriving later get ICMP port
 * unreachable, as on a real host. */
void          sim_udp_close          (SimUdpSocket *sock);

/* ---------------------------------------------------------------- TCP */

typedef enum {
  SIM_TCP_EV_CONNECTED,     /* active open completed */
  SIM_TCP_EV_PEER_CLOSED,   /* FIN received: no more data will arrive */
  SIM_TCP_EV_ERROR,         /* refused, reset or timed out: see sim_tcp_get_error() */
  SIM_TCP_EV_CLOSED,        /* both directions finished: our FIN acknowledged and the
                             * peer's FIN received (TIME_WAIT or CLOSED) */
} SimTcpEvent;

typedef void (*SimTcpEventFunc)  (SimTcpSocket *sock, SimTcpEvent ev, gpointer user_data);
typedef void (*SimTcpRecvFunc)   (SimTcpSocket *sock, const guint8 *data, gsize len,
                                  gpointer user_data);
/* A connection was accepted.  The new socket belongs to the callee, who
 * must set its callbacks before returning and eventually free it. */
typedef void (*SimTcpAcceptFunc) (SimTcpListener *listener, SimTcpSocket *sock,
                                  gpointer user_data);

/* Timers of the TCP model (RFC 6298 and Linux's defaults). */
typedef struct {
  SimTime rto_initial;      /* 1 s (RFC 6298 2.1) */
  SimTime rto_min;          /* 200 ms (Linux TCP_RTO_MIN) */
  SimTime rto_max;          /* 120 s (Linux TCP_RTO_MAX) */
  guint   syn_retries;      /* 6: SYN sent 7 times, gives up 127 s after the first (1+2+...+64) */
  guint   data_retries;     /* 15 (Linux tcp_retries2) */
  guint16 mss;              /* 1460 */
  SimTime time_wait;        /* 60 s (Linux TCP_TIMEWAIT_LEN) */
} SimTcpConfig;

void          sim_tcp_config_init_default (SimTcpConfig *config);
/* Applies to sockets created on @node afterwards.  Copied. */
void          sim_node_set_tcp_config (SimNode *node, const SimTcpConfig *config);

/* Starts an active open from @local (NULL: any address, ephemeral port) to
 * @remote; outcome by SIM_TCP_EV_CONNECTED or SIM_TCP_EV_ERROR. */
SimTcpSocket *sim_tcp_connect        (SimNode *node, const SimSockAddr *local,
                                      const SimSockAddr *remote, GError **error);
SimTcpListener *sim_tcp_listen       (SimNode *node, const SimSockAddr *local,
                                      SimTcpAcceptFunc accept, gpointer user_data,
                                      GError **error);
void          sim_tcp_listener_close (SimTcpListener *listener);  /* NULL-safe */
/* The bound address (the port chosen when @local's port was 0). */
void          sim_tcp_listener_get_local (const SimTcpListener *listener, SimSockAddr *out);
void          sim_tcp_set_callbacks  (SimTcpSocket *sock, SimTcpEventFunc event,
                                      SimTcpRecvFunc recv, gpointer user_data);
/* Queues @len bytes (copied) for in-order, reliable delivery.  FALSE with
 * NOT_CONNECTED after close or an error. */
gboolean      sim_tcp_send           (SimTcpSocket *sock, const void *data, gsize len,
                                      GError **error);
/* Graceful (full) close, as close(2): FIN after queued data; then exactly
 * one SIM_TCP_EV_CLOSED (our FIN acknowledged and the peer's FIN received)
 * or SIM_TCP_EV_ERROR.  The socket stays valid until sim_tcp_free(). */
void          sim_tcp_close          (SimTcpSocket *sock);
/* Abortive close: sends RST, discards queued data. */
void          sim_tcp_abort          (SimTcpSocket *sock);
/* Releases the handle; NULL-safe.  If the connection is still open it is
 * aborted (RST), as closing a socket with unread data does on Linux.  A
 * connection in a graceful close finishes it (FIN_WAIT/TIME_WAIT) inside
 * the stack without the handle. */
void          sim_tcp_free           (SimTcpSocket *sock);
/* Sends from @node RFC 793's answer to the TCP segment @info that matched
 * nothing (note 2 of tcp.c): from its destination to its source, RST with
 * seq = SEG.ACK, or RST+ACK acknowledging it; nothing for a RST.  For
 * middleboxes that reset what they cannot translate (a NAT's forgotten
 * mapping, iptables REJECT --reject-with tcp-reset). */
void          sim_tcp_send_reset     (SimNode *node, const SimPacketInfo *info);
/* Fault injection: the connection's state vanishes without a segment
 * sent (a host that lost power); the peer's next segment is answered with
 * RST.  Nothing is reported; the handle must still be freed. */
void          sim_tcp_forget         (SimTcpSocket *sock);
SimNetError   sim_tcp_get_error      (const SimTcpSocket *sock);
void          sim_tcp_get_local      (const SimTcpSocket *sock, SimSockAddr *out);
void          sim_tcp_get_remote     (const SimTcpSocket *sock, SimSockAddr *out);
/* RFC 793 state name, e.g. "ESTABLISHED"; static string. */
const char   *sim_tcp_get_state_name (const SimTcpSocket *sock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimNet, sim_net_free)

G_END_DECLS
