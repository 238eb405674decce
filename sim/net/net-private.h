/*
 * sim/net/net-private.h - what the network's own files share: struct
 * layouts and the seams between node.c (IP), link.c, udp.c, tcp.c, pcap.c.
 * Nothing outside sim/net/ includes this.
 */
#pragma once
#include "sim/net/net.h"
#include "sim/net/packet-private.h"
#include "sim/kernel/inttable.h"

struct SimNet {
  SimWorld    *world;
  GPtrArray   *nodes;          /* owned SimNode* in creation order */
  GPtrArray   *links;          /* owned SimLink* */
  GHashTable  *node_by_name;   /* name -> SimNode*, not owned */
  gboolean     trace_packets;
  SimPacket   *in_flight;      /* packets owned by pending delivery events */
  SimPacketPool *pool;         /* buffers of the net's own packets (packet.c note 5) */
};

typedef struct {
  SimIp4    prefix;
  guint8    len;
  SimIface *out;
} SimRoute;

struct SimIface {
  SimNode   *node;
  guint      index;
  SimIp4     addr;
  SimLink   *link;
  guint      link_end;       /* 0 or 1: which end of @link we are */
  guint8     prefix_len;     /* here, not after addr: no padding (issue 17 item 2) */
  char      *name;           /* owned "NODE/ethN", NULL until sim_iface_get_name()
                              * is first asked (nearly never: a phone has an
                              * interface or two, issue 17 item 2) */
};

/* An interface's name, "NODE/ethN", and a link's, "A-B" from its ends'
 * names: printed from these, also before the names are kept. */
#define SIM_IFACE_NAME_FMT "%s/eth%u"
#define SIM_IFACE_NAME_ARGS(ifc) (ifc)->node->name, (ifc)->index

typedef struct SimTcpStack SimTcpStack;

/* One entry of a node's next-hop cache (node.c note 3): for @dst, whether
 * it is one of the node's addresses and the interface sim_node_route()
 * picks (NULL: no route).  16 bytes: which interface has @dst as its
 * address is asked again only when it is the node's own (loopback, rare);
 * every packet reads @out. */
typedef struct {
  SimIp4    dst;
  guint8    valid;
  guint8    local;           /* @dst is one of the node's addresses */
  SimIface *out;
} SimNextHop;

#define SIM_NEXT_HOP_BITS 3   /* 8 entries */

struct SimNode {
  SimNet      *net;
  char        *name;         /* points into trace_who, after "net:" */
  char        *trace_who;    /* owned: "net:NAME" */
  guint32      trace_who_len;
  gboolean     forwarding;   /* beside trace_who_len: no padding (issue 17 item 2) */
  guint64      trace_who_hash;   /* sim_trace_hash_str (trace_who) */
  GPtrArray   *ifaces;       /* owned SimIface* */
  SimIntTable *local_addrs;  /* ip -> first SimIface* with it: every packet asks
                              * "is it for me?", and a star router has one
                              * interface per spoke */
  GArray      *routes;       /* SimRoute, longest prefix first */
  SimIntTable *host_routes;  /* /32 routes: ip -> SimIface*; a star router has one
                              * per spoke, so lookups stay O(1) */
  SimNextHop   next_hops[1u << SIM_NEXT_HOP_BITS];
                             /* a cache of the two lookups above (node.c note 3),
                              * inline: a separate block cost a pointer and
                              * malloc's header per node, two nodes per phone
                              * (issue 17 item 2) */
  SimNodeHookFunc hook;
  gpointer     hook_data;
  const SimPacketInfo *hook_info;  /* during a hook call: the packet's parse */
  SimPcap     *pcap;
  SimRng       rng;
  guint16      ip_id;
  guint16      port_lo, port_hi, port_next;
  SimIntTable *udp_ports;    /* port -> SimUdpSocket*, not owned */
  SimTcpStack *tcp;          /* created on first use by tcp.c */
  SimTcpConfig *tcp_config;  /* owned; NULL: the defaults (sim_tcp_config_init_default),
                              * which nearly every node keeps (48 bytes a node,
                              * two nodes a phone: issue 17 item 2) */
  SimNodeStats stats;
};

struct SimLink {
  SimNet        *net;
  SimIface      *end[2];
  SimLinkConfig  config[2];
  gboolean       plain[2];       /* config[dir] has no loss, corruption, bandwidth
                                  * limit or jitter (link.c: the short path) */
  gboolean       up;
  guint32        epoch;          /* bumped when the link goes down */
  SimTime        busy_until[2];  /* serialisation queue per direction */
  SimTime        last_arrival[2];/* a direction never reorders */
  SimRng         rng;            /* loss and jitter draws */
  SimPcap       *pcap;
  SimLinkStats   stats;
  char          *name;           /* owned "A-B", NULL until sim_link_get_name()
                                  * is first asked (a trace about the link) */
};

/* ---- node.c: the IP layer */

/* Sends a packet built by a local transport: fills a zero source address
 * from the outgoing interface, routes it and transmits it (or loops it back
 * if addressed to this node).  Takes ownership.  Returns SIM_NET_OK or
 * SIM_NET_ERR_NO_ROUTE (packet freed). */
SimNetError  sim_node_output       (SimNode *node, SimPacket *pkt);
/* node.c note 3: where @node sends a packet for @dst: returns the route's
 * interface (NULL: no route) and sets *@local to the interface that has
 * @dst as its address (NULL: not ours).  A sender that asked this (to pick
 * its source address) hands the answers to sim_node_output_hop(), which is
 * sim_node_output() without asking again. */
SimIface    *sim_node_next_hop     (SimNode *node, SimIp4 dst, SimIface **local);
SimNetError  sim_node_output_hop   (SimNode *node, SimPacket *pkt, SimIface *local, SimIface *out);
guint16      sim_node_next_ip_id   (SimNode *node);
/* A free ephemeral port for @proto, or 0 when the range is exhausted.
 * @in_use is asked about each candidate. */
guint16      sim_node_alloc_port   (SimNode *node, gboolean (*in_use) (SimNode *, guint16));
/* The common part of binding a socket: @want's address must be one of
 * @node's (or any); a port of 0 is replaced by a free ephemeral port; a
 * given port is refused if @in_use says it is taken.  @proto ("UDP",
 * "TCP") names the port space in error messages. */
gboolean     sim_node_bind         (SimNode *node, SimSockAddr *want, const char *proto,
                                    gboolean (*in_use) (SimNode *, guint16), GError **error);
/* A trace line about @node, if per-packet tracing is on (@always: always).
 * @what is a string literal (sim_trace_static). */
void         sim_node_trace_packet (SimNode *node, gboolean always, const char *what,
                                    const SimPacketInfo *info);
/* Receives @pkt from @link's end @iface (link.c calls this).  Takes ownership. */
void         sim_node_receive      (SimIface *iface, SimPacket *pkt);

/* Packets handed to a delivery event are on the net's in-flight list, so
 * that sim_net_free() can free those the world never delivered (one-shot
 * events have no destructor).  Put on before scheduling, take off first
 * thing in the event. */
static inline void
sim_net_flight_add (SimNet *net, SimPacket *pkt)
{
  pkt->fl_prev = NULL;
  pkt->fl_next = net->in_flight;
  if (net->in_flight)
    net->in_flight->fl_prev = pkt;
  net->in_flight = pkt;
}

static inline void
sim_net_flight_remove (SimNet *net, SimPacket *pkt)
{
  if (pkt->fl_prev)
    pkt->fl_prev->fl_next = pkt->fl_next;
  else
    net->in_flight = pkt->fl_next;
  if (pkt->fl_next)
    pkt->fl_next->fl_prev = pkt->fl_prev;
  pkt->fl_prev = pkt->fl_next = NULL;
}

/* ---- link.c */

/* Hands @pkt to the link attached to @iface.  Takes ownership; may drop it. */
void         sim_link_transmit     (SimIface *iface, SimPacket *pkt);
void         sim_link_free         (SimLink *link);

/* ---- udp.c */

/* Hands a datagram to the socket bound to its port and address, takes
 * @pkt and returns TRUE; returns FALSE and leaves @pkt alone if no socket
 * takes it (the IP layer then answers port unreachable). */
gboolean     sim_udp_input         (SimNode *node, SimPacket *pkt, const SimPacketInfo *info);
void         sim_udp_icmp_error    (SimNode *node, SimNetError err, const SimPacketInfo *quoted);
gboolean     sim_udp_port_in_use   (SimNode *node, guint16 port);

/* ---- tcp.c */

void         sim_tcp_input         (SimNode *node, SimPacket *pkt, const SimPacketInfo *info);
void         sim_tcp_icmp_error    (SimNode *node, SimNetError err, const SimPacketInfo *quoted);
gboolean     sim_tcp_port_in_use   (SimNode *node, guint16 port);
void         sim_tcp_stack_free    (SimTcpStack *stack);

/* ---- pcap.c */

