/*
 * sim/net/udp.c - UDP sockets (RFC 768) on a simulated node.
 *
 * One socket per port per node (no SO_REUSEADDR), bound to one address or
 * to any.  A datagram to a port with no socket is answered by the IP layer
 * with ICMP port unreachable (node.c); an ICMP error that comes back about
 * a datagram we sent is matched to the socket by the quoted source port and
 * surfaced through its error callback, as Linux does for a socket with
 * IP_RECVERR (BEHAVIOUR.md B38: failover on ICMP port unreachable).
 */
#include "sim/net/net-private.h"

struct SimUdpSocket {
  SimNode         *node;
  SimSockAddr      local;
  SimUdpRecvFunc   recv;
  SimUdpErrorFunc  error;
  gpointer         user_data;
};

gboolean
sim_udp_port_in_use (SimNode *node, guint16 port)
{
  return sim_int_table_lookup (node->udp_ports, port) != NULL;
}

SimUdpSocket *
sim_udp_open (SimNode *node, const SimSockAddr *local, GError **error)
{
  g_return_val_if_fail (node != NULL, NULL);
  SimSockAddr want = local ? *local : (SimSockAddr) { SIM_IP4_ANY, 0 };

  if (!sim_node_bind (node, &want, "UDP", sim_udp_port_in_use, error))
    return NULL;

  /* g_new and an initializer, not g_new0: glibc's calloc bypasses its
   * thread cache (about 200 instructions against 50), and a socket is
   * opened for every DNS query. */
  SimUdpSocket *sock = g_new (SimUdpSocket, 1);
  *sock = (SimUdpSocket) { .node = node, .local = want };
  sim_int_table_insert (node->udp_ports, want.port, sock);
  return sock;
}

void
sim_udp_set_callbacks (SimUdpSocket *sock, SimUdpRecvFunc recv, SimUdpErrorFunc error,
                       gpointer user_data)
{
  sock->recv = recv;
  sock->error = error;
  sock->user_data = user_data;
}

gboolean
sim_udp_sendto (SimUdpSocket *sock, const SimSockAddr *to, const void *data, gsize len,
                GError **error)
{
  g_return_val_if_fail (sock != NULL && to != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  SimNode *node = sock->node;

  if (len > SIM_UDP_MAX_PAYLOAD)
    {
      g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_MSG_SIZE,
                   "UDP datagram of %" G_GSIZE_FORMAT " bytes exceeds %d", len, SIM_UDP_MAX_PAYLOAD);
      return FALSE;
    }
  /* The next hop is asked once, for the source address (as
   * sim_node_source_for) and for sending. */
  SimIface *local;
  SimIface *out = sim_node_next_hop (node, to->ip, &local);
  SimSockAddr src = sock->local;
  if (src.ip == SIM_IP4_ANY)
    src.ip = local ? to->ip : out ? out->addr : SIM_IP4_ANY;
  if (src.ip == SIM_IP4_ANY)
    {
      char b[SIM_SOCKADDR_STRLEN];
      node->stats.no_route++;
      g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_NO_ROUTE,
                   "node %s has no route to %s", node->name, sim_sockaddr_to_string (to, b));
      return FALSE;
    }
  SimPacket *pkt = sim_packet_new_udp_in (node->net->pool, &src, to, sim_node_next_ip_id (node),
                                          64, data, len);
  if (sim_node_output_hop (node, pkt, local, out) != SIM_NET_OK)
    {
      char b[SIM_SOCKADDR_STRLEN];
      g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_NO_ROUTE,
                   "node %s has no route to %s", node->name, sim_sockaddr_to_string (to, b));
      return FALSE;
    }
  return TRUE;
}

void
sim_udp_get_local (const SimUdpSocket *sock, SimSockAddr *out)
{
  *out = sock->local;
}

SimNode *
sim_udp_get_node (const SimUdpSocket *sock)
{
  return sock->node;
}

void
sim_udp_close (SimUdpSocket *sock)
{
  if (sock == NULL)
    return;
  sim_int_table_remove (sock->node->udp_ports, sock->local.port);
  g_free (sock);
}

gboolean
sim_udp_input (SimNode *node, SimPacket *pkt, const SimPacketInfo *info)
{
  SimUdpSocket *sock = sim_int_table_lookup (node->udp_ports, info->dport);
  if (sock == NULL || (sock->local.ip != SIM_IP4_ANY && sock->local.ip != info->dst))
    return FALSE;
  SimSockAddr from = { info->src, info->sport };
  if (sock->recv)
    sock->recv (sock, &from, info->payload, info->payload_len, sock->user_data);
  /* @sock may be gone now: the callback may close it. */
  sim_packet_free (pkt);
  return TRUE;
}

void
sim_udp_icmp_error (SimNode *node, SimNetError err, const SimPacketInfo *quoted)
{
  SimUdpSocket *sock = sim_int_table_lookup (node->udp_ports, quoted->sport);
  if (sock == NULL)
    return;
  SimSockAddr remote = { quoted->dst, quoted->dport };
  char b[SIM_SOCKADDR_STRLEN];
  sim_trace (node->net->world, node->trace_who, "udp :%u error %s from %s",
             quoted->sport, sim_net_error_to_string (err), sim_sockaddr_to_string (&remote, b));
  if (sock->error)
    sock->error (sock, err, &remote, sock->user_data);
}
