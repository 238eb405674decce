/*
 * sim/net/tcp.c - PLACEHOLDER while the TCP model is written: a host with
 * no TCP listeners, which answers every segment with RST (RFC 793 p.36).
 * The full implementation replaces this file.
 */
#include "sim/net/net-private.h"

void
sim_tcp_config_init_default (SimTcpConfig *c)
{
  c->rto_initial = SIM_S (1);
  c->rto_min = SIM_MS (200);
  c->rto_max = SIM_S (120);
  c->syn_retries = 6;
  c->data_retries = 15;
  c->mss = 1460;
  c->time_wait = SIM_S (60);
}

void
sim_node_set_tcp_config (SimNode *node, const SimTcpConfig *config)
{
  node->tcp_config = *config;
}

void
sim_tcp_input (SimNode *node, SimPacket *pkt, const SimPacketInfo *info)
{
  if (!(info->tcp_flags & SIM_TCP_RST))
    {
      SimSockAddr src = { info->dst, info->dport }, dst = { info->src, info->sport };
      guint32 seq = (info->tcp_flags & SIM_TCP_ACK) ? info->tcp_ack : 0;
      guint32 ack = info->tcp_seq + (guint32) info->payload_len
                    + ((info->tcp_flags & SIM_TCP_SYN) ? 1 : 0) + ((info->tcp_flags & SIM_TCP_FIN) ? 1 : 0);
      guint8 flags = SIM_TCP_RST | ((info->tcp_flags & SIM_TCP_ACK) ? 0 : SIM_TCP_ACK);
      sim_node_output (node, sim_packet_new_tcp (&src, &dst, sim_node_next_ip_id (node), 64,
                                                 seq, (flags & SIM_TCP_ACK) ? ack : 0, flags,
                                                 0, 0, NULL, 0));
    }
  sim_packet_free (pkt);
}

void sim_tcp_icmp_error (SimNode *node, SimNetError err, const SimPacketInfo *quoted) { }
gboolean sim_tcp_port_in_use (SimNode *node, guint16 port) { return FALSE; }
void sim_tcp_stack_free (SimTcpStack *stack) { }
SimTcpSocket *sim_tcp_connect (SimNode *node, const SimSockAddr *local, const SimSockAddr *remote, GError **error) { return NULL; }
SimTcpListener *sim_tcp_listen (SimNode *node, const SimSockAddr *local, SimTcpAcceptFunc accept, gpointer user_data, GError **error) { return NULL; }
void sim_tcp_listener_close (SimTcpListener *listener) { }
void sim_tcp_set_callbacks (SimTcpSocket *sock, SimTcpEventFunc event, SimTcpRecvFunc recv, gpointer user_data) { }
gboolean sim_tcp_send (SimTcpSocket *sock, const void *data, gsize len, GError **error) { return FALSE; }
void sim_tcp_close (SimTcpSocket *sock) { }
void sim_tcp_abort (SimTcpSocket *sock) { }
void sim_tcp_free (SimTcpSocket *sock) { }
SimNetError sim_tcp_get_error (const SimTcpSocket *sock) { return SIM_NET_OK; }
void sim_tcp_get_local (const SimTcpSocket *sock, SimSockAddr *out) { }
void sim_tcp_get_remote (const SimTcpSocket *sock, SimSockAddr *out) { }
const char *sim_tcp_get_state_name (const SimTcpSocket *sock) { return "CLOSED"; }
