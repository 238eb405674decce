/*
 * sim/net/node.c - the network, its nodes and the IP layer: routing, local
 * delivery, forwarding, the middlebox hook and ICMP errors.
 *
 * Receive path of a packet arriving on interface I of node N:
 *
 *   link ──> [pcap] ──> parse ──bad──> drop (malformed)
 *                         │
 *                       hook(N, I) ──DROP──> drop (hook_dropped)   STOLEN ──> gone
 *                         │ACCEPT (maybe rewritten: parse again)
 *                 dst is N's? ──yes──> UDP / TCP / ICMP input
 *                         │no
 *                 forwarding? ──no──> drop (not_for_us)
 *                         │yes
 *                 TTL <= 1 ──> drop (ttl_expired)
 *                         │
 *                 route ──none──> drop (no_route)
 *                         │
 *                 TTL-1, checksum ──> [pcap] ──> link
 *
 * Notes:
 *  1. Loopback: a packet a node sends to one of its own addresses is
 *     delivered by a zero-delay event, never inside the send call, so a
 *     socket callback never runs re-entrantly.
 *  2. ICMP errors are never sent about ICMP packets (RFC 1122 3.2.2).  A
 *     host answers UDP to a closed port with port unreachable; a router
 *     with no route drops silently (Linux sends net unreachable, but the
 *     failover rules of BEHAVIOUR.md B38 rely on port unreachable only, and
 *     silence is the conservative model of "the server is gone").  No ICMP
 *     rate limiting is modelled.
 *  3. Next-hop cache.  Every packet asks "is the destination mine?"
 *     (local_addrs) and, unless it is, "which interface does it leave
 *     by?" (host_routes, then the prefix list, longest first), and a
 *     sender asks both again to pick its source address; that was about
 *     a tenth of a packet's cost in the network.  A node keeps the answers
 *     for a few destinations in a direct-mapped cache indexed by a hash of
 *     the address.  The answers depend only on the node's addresses and
 *     routes, so every function that changes those (sim_node_add_iface,
 *     sim_iface_set_addr, sim_node_add_route) empties the cache; a link's
 *     state is not cached (ip_transmit checks it per packet).  An entry
 *     holds the same answers the lookups give, so a hit and a miss cannot
 *     differ (tests/test-net-udp.c changes routes and addresses between
 *     sends).  The entries live inside the node, 16 bytes each (an
 *     address, two flags, the outgoing interface): a node is per phone,
 *     and the interface that owns a local address is looked up again
 *     only for loopback (issue 17 item 2).
 */
#include "sim/net/net-private.h"

#include <string.h>

G_DEFINE_QUARK (sim-net-error-quark, sim_net_error)

/* ------------------------------------------------------------------ net */

SimNet *
sim_net_new (SimWorld *world)
{
  g_return_val_if_fail (world != NULL, NULL);
  SimNet *net = g_new0 (SimNet, 1);
  net->world = world;
  net->nodes = g_ptr_array_new ();
  net->links = g_ptr_array_new ();
  net->node_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  net->trace_packets = TRUE;
  net->pool = sim_packet_pool_new ();
  return net;
}

static void
node_free (SimNode *node)
{
  if (node->tcp)
    sim_tcp_stack_free (node->tcp);
  /* Sockets still open belong to their users; they must be closed before
   * the net is freed (a UDP socket holds no timers, so only the table). */
  sim_int_table_free (node->udp_ports);
  sim_int_table_free (node->host_routes);
  sim_int_table_free (node->local_addrs);
  for (guint i = 0; i < node->ifaces->len; i++)
    {
      SimIface *ifc = node->ifaces->pdata[i];
      g_free (ifc->name);
      g_free (ifc);
    }
  g_ptr_array_free (node->ifaces, TRUE);
  g_array_free (node->routes, TRUE);
  g_free (node->tcp_config);
  g_free (node->trace_who);   /* and so node->name, which points into it */
  g_free (node);
}

void
sim_net_free (SimNet *net)
{
  if (net == NULL)
    return;
  /* Packets still in flight: their delivery events stay in the world's
   * queue and must never run, so the world may not be run again after
   * this (free the net just before the world). */
  while (net->in_flight)
    {
      SimPacket *p = net->in_flight;
      sim_net_flight_remove (net, p);
      sim_packet_free (p);
    }
  for (guint i = 0; i < net->links->len; i++)
    sim_link_free (net->links->pdata[i]);
  for (guint i = 0; i < net->nodes->len; i++)
    node_free (net->nodes->pdata[i]);
  g_ptr_array_free (net->links, TRUE);
  g_ptr_array_free (net->nodes, TRUE);
  g_hash_table_destroy (net->node_by_name);
  sim_packet_pool_release (net->pool);
  g_free (net);
}

SimWorld *
sim_net_get_world (const SimNet *net)
{
  return net->world;
}

void
sim_net_set_trace_packets (SimNet *net, gboolean on)
{
  net->trace_packets = on;
}

SimNode *
sim_net_find_node (SimNet *net, const char *name)
{
  return g_hash_table_lookup (net->node_by_name, name);
}

/* ----------------------------------------------------------------- node */

SimNode *
sim_node_new (SimNet *net, const char *name, GError **error)
{
  g_return_val_if_fail (net != NULL && name != NULL && *name, NULL);
  if (g_hash_table_contains (net->node_by_name, name))
    {
      g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_IN_USE,
                   "a node named \"%s\" already exists", name);
      return NULL;
    }
  SimNode *node = g_new0 (SimNode, 1);
  node->net = net;
  /* One block for both names: "net:NAME", the name is its tail. */
  node->trace_who = g_strconcat ("net:", name, NULL);
  node->trace_who_len = (guint32) strlen (node->trace_who);
  node->name = node->trace_who + 4;
  node->trace_who_hash = sim_trace_hash_str (node->trace_who, node->trace_who_len);
  node->ifaces = g_ptr_array_new ();
  node->routes = g_array_new (FALSE, FALSE, sizeof (SimRoute));
  node->host_routes = sim_int_table_new ();
  node->local_addrs = sim_int_table_new ();
  node->udp_ports = sim_int_table_new ();
  g_autofree char *stream = g_strdup_printf ("net/node/%s", name);
  sim_world_rng_init (net->world, &node->rng, stream);
  /* Linux randomises the IP ID and the ephemeral port start; so do we,
   * from the node's own stream. */
  node->ip_id = (guint16) sim_rng_below (&node->rng, 65536);
  node->port_lo = 32768;
  node->port_hi = 60999;
  node->port_next = (guint16) (node->port_lo + sim_rng_below (&node->rng, node->port_hi - node->port_lo + 1u));
  g_ptr_array_add (net->nodes, node);
  g_hash_table_insert (net->node_by_name, node->name, node);
  return node;
}

const char *
sim_node_get_name (const SimNode *node)
{
  return node->name;
}

SimNet *
sim_node_get_net (const SimNode *node)
{
  return node->net;
}

SimWorld *
sim_node_get_world (const SimNode *node)
{
  return node->net->world;
}

SimRng *
sim_node_get_rng (SimNode *node)
{
  return &node->rng;
}

const SimNodeStats *
sim_node_get_stats (const SimNode *node)
{
  return &node->stats;
}

/* Note 3: after any change of @node's addresses or routes. */
static void
next_hops_forget (SimNode *node)
{
  memset (node->next_hops, 0, sizeof node->next_hops);
}

static SimIface *
route_lookup (const SimNode *node, SimIp4 dst)
{
  SimIface *ifc = sim_int_table_lookup (node->host_routes, dst);
  if (ifc)
    return ifc;
  for (guint i = 0; i < node->routes->len; i++)
    {
      const SimRoute *r = &g_array_index (node->routes, SimRoute, i);
      if (sim_ip4_in_prefix (dst, r->prefix, r->len))
        return r->out;
    }
  return NULL;
}

/* Note 3: the cached answers for @dst.  The entry is the cache's, so copy
 * what you need before the next call.  The cache is not part of what a
 * node answers (a hit and a miss give the same answers), so the const
 * queries fill it too. */
static inline const SimNextHop *
next_hop (const SimNode *cnode, SimIp4 dst)
{
  SimNode *node = (SimNode *) cnode;
  SimNextHop *h = &node->next_hops[(guint32) (dst * 2654435761u) >> (32 - SIM_NEXT_HOP_BITS)];
  if (G_UNLIKELY (!h->valid || h->dst != dst))
    {
      h->dst = dst;
      h->valid = TRUE;
      h->local = sim_int_table_lookup (node->local_addrs, dst) != NULL;
      h->out = route_lookup (node, dst);
    }
  return h;
}

SimIface *
sim_node_add_iface (SimNode *node, SimIp4 addr, guint prefix_len)
{
  g_return_val_if_fail (node != NULL && prefix_len <= 32, NULL);
  SimIface *ifc = g_new0 (SimIface, 1);
  ifc->node = node;
  ifc->index = node->ifaces->len;
  ifc->addr = addr;
  ifc->prefix_len = (guint8) prefix_len;
  g_ptr_array_add (node->ifaces, ifc);
  if (!sim_int_table_lookup (node->local_addrs, addr))
    sim_int_table_insert (node->local_addrs, addr, ifc);
  sim_node_add_route (node, addr, prefix_len, ifc);   /* forgets the next hops */
  return ifc;
}

void
sim_iface_set_addr (SimIface *iface, SimIp4 addr)
{
  g_return_if_fail (iface != NULL);
  SimNode *node = iface->node;
  SimIp4 old = iface->addr;
  if (old == addr)
    return;
  iface->addr = addr;
  next_hops_forget (node);
  if (sim_int_table_lookup (node->local_addrs, old) == iface)
    {
      /* The old address stays local if another interface has it too. */
      sim_int_table_remove (node->local_addrs, old);
      for (guint i = 0; i < node->ifaces->len; i++)
        {
          SimIface *other = node->ifaces->pdata[i];
          if (other->addr == old)
            {
              sim_int_table_insert (node->local_addrs, old, other);
              break;
            }
        }
    }
  if (!sim_int_table_lookup (node->local_addrs, addr))
    sim_int_table_insert (node->local_addrs, addr, iface);

  /* Move the connected route sim_node_add_iface() added; it keeps its
   * place among routes of its length. */
  guint len = iface->prefix_len;
  SimIp4 mask = sim_ip4_mask (len);
  if ((old & mask) == (addr & mask))
    return;
  if (len == 32)
    {
      if (sim_int_table_lookup (node->host_routes, old) == iface)
        sim_int_table_remove (node->host_routes, old);
      sim_int_table_insert (node->host_routes, addr, iface);
      return;
    }
  for (guint i = 0; i < node->routes->len; i++)
    {
      SimRoute *r = &g_array_index (node->routes, SimRoute, i);
      if (r->out == iface && r->len == len && r->prefix == (old & mask))
        {
          r->prefix = addr & mask;
          return;
        }
    }
}

SimIface *
sim_node_get_iface (SimNode *node, guint index)
{
  g_return_val_if_fail (index < node->ifaces->len, NULL);
  return node->ifaces->pdata[index];
}

guint
sim_node_get_n_ifaces (const SimNode *node)
{
  return node->ifaces->len;
}

gboolean
sim_node_has_addr (const SimNode *node, SimIp4 ip)
{
  return next_hop (node, ip)->local;
}

void
sim_node_add_route (SimNode *node, SimIp4 prefix, guint len, SimIface *out)
{
  g_return_if_fail (node != NULL && out != NULL && out->node == node && len <= 32);
  next_hops_forget (node);
  if (len == 32)
    {
      sim_int_table_insert (node->host_routes, prefix, out);
      return;
    }
  SimRoute r = { prefix & sim_ip4_mask (len), (guint8) len, out };
  /* Keep longest prefix first; a newer route goes before older equal ones. */
  guint i = 0;
  while (i < node->routes->len && g_array_index (node->routes, SimRoute, i).len > len)
    i++;
  g_array_insert_val (node->routes, i, r);
}

void
sim_node_set_default_route (SimNode *node, SimIface *out)
{
  sim_node_add_route (node, 0, 0, out);
}

SimIface *
sim_node_route (SimNode *node, SimIp4 dst)
{
  return next_hop (node, dst)->out;
}

void
sim_node_set_forwarding (SimNode *node, gboolean on)
{
  node->forwarding = on;
}

void
sim_node_set_hook (SimNode *node, SimNodeHookFunc hook, gpointer user_data)
{
  node->hook = hook;
  node->hook_data = user_data;
}

const SimPacketInfo *
sim_node_hook_info (const SimNode *node)
{
  return node->hook_info;
}

void
sim_node_set_pcap (SimNode *node, SimPcap *pcap)
{
  node->pcap = pcap;
}

void
sim_node_set_port_range (SimNode *node, guint16 lo, guint16 hi)
{
  g_return_if_fail (lo > 0 && lo <= hi);
  node->port_lo = lo;
  node->port_hi = hi;
  node->port_next = lo;
}

SimNode *
sim_iface_get_node (const SimIface *iface)
{
  return iface->node;
}

SimIp4
sim_iface_get_addr (const SimIface *iface)
{
  return iface->addr;
}

guint
sim_iface_get_prefix_len (const SimIface *iface)
{
  return iface->prefix_len;
}

SimLink *
sim_iface_get_link (const SimIface *iface)
{
  return iface->link;
}

const char *
sim_iface_get_name (const SimIface *iface)
{
  /* Printed on first use and kept; the name is not part of the
   * interface's state, so a const query may fill it. */
  if (iface->name == NULL)
    ((SimIface *) iface)->name = g_strdup_printf (SIM_IFACE_NAME_FMT, SIM_IFACE_NAME_ARGS (iface));
  return iface->name;
}

guint16
sim_node_next_ip_id (SimNode *node)
{
  return node->ip_id++;
}

guint16
sim_node_alloc_port (SimNode *node, gboolean (*in_use) (SimNode *, guint16))
{
  guint span = (guint) node->port_hi - node->port_lo + 1;
  for (guint tries = 0; tries < span; tries++)
    {
      guint16 p = node->port_next;
      node->port_next = p == node->port_hi ? node->port_lo : (guint16) (p + 1);
      if (!in_use (node, p))
        return p;
    }
  return 0;
}

gboolean
sim_node_bind (SimNode *node, SimSockAddr *want, const char *proto,
               gboolean (*in_use) (SimNode *, guint16), GError **error)
{
  if (want->ip != SIM_IP4_ANY && !sim_node_has_addr (node, want->ip))
    {
      char b[SIM_IP4_STRLEN];
      g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_NOT_AVAILABLE,
                   "node %s has no address %s", node->name, sim_ip4_to_string (want->ip, b));
      return FALSE;
    }
  if (want->port == 0)
    {
      want->port = sim_node_alloc_port (node, in_use);
      if (want->port == 0)
        {
          g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_NO_PORTS,
                       "node %s has no free %s port in %u..%u", node->name, proto,
                       node->port_lo, node->port_hi);
          return FALSE;
        }
    }
  else if (in_use (node, want->port))
    {
      g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_IN_USE,
                   "%s port %u is already in use on node %s", proto, want->port, node->name);
      return FALSE;
    }
  return TRUE;
}

SimIp4
sim_node_source_for (SimNode *node, SimIp4 dst)
{
  const SimNextHop *h = next_hop (node, dst);
  if (h->local)
    return dst;
  return h->out ? h->out->addr : SIM_IP4_ANY;
}

static void
packet_text (GString *line, gconstpointer info)
{
  g_string_append_c (line, ' ');
  sim_packet_describe_append (line, info);
}

static void
no_text (GString *line, gconstpointer info)
{
}

void
sim_node_trace_packet (SimNode *node, gboolean always, const char *what,
                       const SimPacketInfo *info)
{
  if (!always && !node->net->trace_packets)
    return;
  /* One call, no printf: the most frequent trace line.  The packet's
   * values are folded, its text written only when the trace is read. */
  SimWorld *w = node->net->world;
  guint64 v[5];
  guint n = info ? sim_packet_trace_values (info, v) : 0;
  sim_trace_line_values (w, node->trace_who, node->trace_who_len, node->trace_who_hash,
                         what, v, n, info ? packet_text : no_text, info);
}

/* ----------------------------------------------------------- IP output */

static void
loopback_deliver (SimWorld *world, gpointer data)
{
  SimPacket *pkt = data;
  SimIface *ifc = pkt->hop;
  sim_net_flight_remove (ifc->node->net, pkt);
  pkt->hop = NULL;
  sim_node_receive (ifc, pkt);
}

/* Transmits @pkt whose header is final by @out, the route to its
 * destination (NULL: none).  Takes ownership.  @info is read only for the
 * trace line of a drop (no route), and may be NULL when @out can send. */
static SimNetError
ip_transmit (SimNode *node, SimPacket *pkt, const SimPacketInfo *info, SimIface *out)
{
  if (out == NULL || out->link == NULL)
    {
      node->stats.no_route++;
      sim_node_trace_packet (node, TRUE, "drop no-route", info);
      sim_packet_free (pkt);
      return SIM_NET_ERR_NO_ROUTE;
    }
  if (node->pcap)
    sim_pcap_write (node->pcap, sim_world_now (node->net->world), pkt->data, pkt->len);
  node->stats.tx_packets++;
  node->stats.tx_bytes += pkt->len;
  sim_link_transmit (out, pkt);
  return SIM_NET_OK;
}

/* What sim_packet_parse_quoted() gives for a packet whose full parse is
 * @info: the output path has always read its packets that way, and its
 * "drop no-route" trace line shows what it read (len=0, and for TCP no
 * flags and ack=0), so the lines stay as they were. */
static void
quoted_view (SimPacketInfo *info)
{
  switch (info->proto)
    {
    case SIM_IPPROTO_TCP:
      info->tcp_ack = 0;
      info->tcp_flags = 0;
      info->tcp_window = 0;
      /* fall through */
    case SIM_IPPROTO_UDP:
      info->payload = NULL;
      info->payload_len = 0;
      break;
    default:
      break;
    }
}

SimIface *
sim_node_next_hop (SimNode *node, SimIp4 dst, SimIface **local)
{
  const SimNextHop *h = next_hop (node, dst);
  /* Loopback only: the interface that owns @dst is asked again. */
  *local = G_UNLIKELY (h->local) ? sim_int_table_lookup (node->local_addrs, dst) : NULL;
  return h->out;
}

SimNetError
sim_node_output_hop (SimNode *node, SimPacket *pkt, SimIface *local, SimIface *out)
{
  if (local)
    {
      /* Note 1.  Deliver through the interface that owns the address. */
      pkt->hop = local;
      sim_net_flight_add (node->net, pkt);
      sim_schedule (node->net->world, 0, loopback_deliver, pkt);
      return SIM_NET_OK;
    }
  if (out == NULL || out->link == NULL)
    {
      /* The drop's trace line shows the packet as the output path reads
       * it (quoted_view); only a drop needs it. */
      SimPacketInfo info;
      if (pkt->checked)
        {
          info = pkt->info;
          quoted_view (&info);
        }
      else if (sim_packet_parse_quoted (pkt->data, pkt->len, &info) != SIM_PACKET_OK)
        memset (&info, 0, sizeof info);   /* sim_node_output() checked it */
      return ip_transmit (node, pkt, &info, out);
    }
  return ip_transmit (node, pkt, NULL, out);
}

SimNetError
sim_node_output (SimNode *node, SimPacket *pkt)
{
  SimIp4 dst;
  if (pkt->checked)
    dst = pkt->info.dst;   /* a packet built just now carries its parse (packet.c note 6) */
  else
    {
      SimPacketInfo info;
      SimPacketError perr = sim_packet_parse_quoted (pkt->data, pkt->len, &info);
      g_return_val_if_fail (perr == SIM_PACKET_OK, (sim_packet_free (pkt), SIM_NET_ERR_NO_ROUTE));
      dst = info.dst;
    }
  SimIface *local;
  SimIface *out = sim_node_next_hop (node, dst, &local);
  return sim_node_output_hop (node, pkt, local, out);
}

gboolean
sim_node_inject (SimNode *node, SimPacket *pkt)
{
  g_return_val_if_fail (node != NULL && pkt != NULL, FALSE);
  return sim_node_output (node, pkt) == SIM_NET_OK;
}

/* @src: the address the error comes from (the closed port's host, or the
 * router's receiving interface). */
static void
send_icmp_error (SimNode *node, SimIp4 src, const SimPacket *orig, const SimPacketInfo *info,
                 guint8 type, guint8 code)
{
  if (info->proto == SIM_IPPROTO_ICMP)
    return;   /* note 2 */
  SimPacket *icmp = sim_packet_new_icmp_error_in (node->net->pool, src, sim_node_next_ip_id (node),
                                                  64, type, code, orig->data, orig->len);
  node->stats.icmp_sent++;
  sim_node_output (node, icmp);
}

/* ------------------------------------------------------------ IP input */

static void
icmp_input (SimNode *node, SimPacket *pkt, const SimPacketInfo *info)
{
  node->stats.icmp_received++;
  if (info->icmp_type == SIM_ICMP_DEST_UNREACH)
    {
      SimPacketInfo quoted;
      if (sim_packet_parse_quoted (info->payload, info->payload_len, &quoted) == SIM_PACKET_OK
          && sim_node_has_addr (node, quoted.src))
        {
          SimNetError err = info->icmp_code == SIM_ICMP_PORT_UNREACH
                            ? SIM_NET_ERR_PORT_UNREACHABLE : SIM_NET_ERR_HOST_UNREACHABLE;
          if (quoted.proto == SIM_IPPROTO_UDP)
            sim_udp_icmp_error (node, err, &quoted);
          else if (quoted.proto == SIM_IPPROTO_TCP)
            sim_tcp_icmp_error (node, err, &quoted);
        }
    }
  else if (info->icmp_type == SIM_ICMP_ECHO_REQUEST)
    {
      /* Answer pings: same body, type 0 (RFC 792). */
      SimPacket *reply = sim_packet_copy (pkt);
      guint8 *d = sim_packet_data_mut (reply);
      guint8 tmp[4];
      memcpy (tmp, d + 12, 4);
      memcpy (d + 12, d + 16, 4);
      memcpy (d + 16, tmp, 4);
      d[8] = 64;
      d[info->hdr_len] = SIM_ICMP_ECHO_REPLY;
      sim_packet_fix_checksums (reply);
      sim_node_output (node, reply);
    }
  sim_packet_free (pkt);
}

static void
local_input (SimNode *node, SimPacket *pkt, const SimPacketInfo *info)
{
  node->stats.delivered++;
  sim_node_trace_packet (node, FALSE, "rx", info);
  switch (info->proto)
    {
    case SIM_IPPROTO_UDP:
      if (!sim_udp_input (node, pkt, info))
        {
          /* No socket on the port, or one bound to another of our
           * addresses: port unreachable, as a Linux host answers. */
          node->stats.udp_no_socket++;
          sim_node_trace_packet (node, TRUE, "drop no-socket, icmp port-unreachable", info);
          send_icmp_error (node, info->dst, pkt, info, SIM_ICMP_DEST_UNREACH, SIM_ICMP_PORT_UNREACH);
          sim_packet_free (pkt);
        }
      return;
    case SIM_IPPROTO_TCP:
      sim_tcp_input (node, pkt, info);
      return;
    case SIM_IPPROTO_ICMP:
      icmp_input (node, pkt, info);
      return;
    default:
      sim_packet_free (pkt);
      return;
    }
}

void
sim_node_receive (SimIface *iface, SimPacket *pkt)
{
  SimNode *node = iface->node;
  SimWorld *world = node->net->world;

  node->stats.rx_packets++;
  node->stats.rx_bytes += pkt->len;
  if (node->pcap)
    sim_pcap_write (node->pcap, sim_world_now (world), pkt->data, pkt->len);

  /* Parsed and verified once, at the first hop that sees the bytes as they
   * are now (packet.c note 6). */
  SimPacketInfo info;
  SimPacketError perr = sim_packet_parse_hop (pkt, &info);
  if (perr != SIM_PACKET_OK)
    {
      node->stats.malformed++;
      sim_trace (world, node->trace_who, "drop malformed on %s: %s (%u bytes)",
                 sim_iface_get_name (iface), sim_packet_error_to_string (perr), pkt->len);
      sim_packet_free (pkt);
      return;
    }

  if (node->hook)
    {
      const SimPacketInfo *outer = node->hook_info;   /* NULL unless nested */
      node->hook_info = &info;
      SimHookVerdict verdict = node->hook (node, iface, pkt, node->hook_data);
      node->hook_info = outer;
      switch (verdict)
        {
        case SIM_HOOK_DROP:
          node->stats.hook_dropped++;
          sim_node_trace_packet (node, TRUE, "drop by hook", &info);
          sim_packet_free (pkt);
          return;
        case SIM_HOOK_STOLEN:
          return;
        case SIM_HOOK_ACCEPT:
          break;
        }
      /* The hook may have rewritten addresses: read them again.  A rewrite
       * through sim_packet_rewrite_*() updates the carried parse with the
       * bytes; bytes changed any other way are parsed and verified here
       * (packet.c note 6). */
      perr = sim_packet_parse_hop (pkt, &info);
      if (perr != SIM_PACKET_OK)
        {
          g_critical ("sim: hook on node %s left a malformed packet: %s",
                      node->name, sim_packet_error_to_string (perr));
          sim_packet_free (pkt);
          return;
        }
    }

  const SimNextHop *h = next_hop (node, info.dst);
  if (h->local)
    {
      local_input (node, pkt, &info);
      return;
    }
  SimIface *out = h->out;   /* note 3: the entry may be reused before we send */
  if (!node->forwarding)
    {
      node->stats.not_for_us++;
      sim_node_trace_packet (node, TRUE, "drop not-for-us", &info);
      sim_packet_free (pkt);
      return;
    }
  if (info.ttl <= 1)
    {
      node->stats.ttl_expired++;
      sim_node_trace_packet (node, TRUE, "drop ttl-expired", &info);
      send_icmp_error (node, iface->addr, pkt, &info, SIM_ICMP_TIME_EXCEEDED, 0);
      sim_packet_free (pkt);
      return;
    }
  sim_packet_forward_ttl (pkt);       /* keeps pkt->checked and its parse valid */
  info.ttl--;
  node->stats.forwarded++;
  sim_node_trace_packet (node, FALSE, "fwd", &info);
  ip_transmit (node, pkt, &info, out);
}
