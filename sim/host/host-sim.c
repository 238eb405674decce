/*
 * sim/host/host-sim.c - SimHost over sim/net: each host socket is a thin
 * adapter around a simulated socket, translating callbacks one to one.
 * No protocol logic lives here; anything smarter belongs in the model (so
 * that it also runs live) or in the network (so that it is a fault setting).
 */
#include "sim/host/host-sim.h"
#include "sim/host/host-private.h"

typedef struct {
  SimHost  base;
  SimNode *node;
} SimHostSim;

typedef struct {
  SimHostUdp    base;
  SimUdpSocket *sock;
} UdpAdapter;

typedef struct {
  SimHostTcp    base;
  SimTcpSocket *sock;
} TcpAdapter;

typedef struct {
  SimHostTcpListener base;
  SimTcpListener    *listener;
} ListenerAdapter;

static SimNode *
node_of (SimHost *host)
{
  return ((SimHostSim *) host)->node;
}

static gboolean
sim_get_local_addr (SimHost *host, SimIp4 dst, SimIp4 *out)
{
  SimIp4 ip = sim_node_source_for (node_of (host), dst);
  if (ip == SIM_IP4_ANY)
    return FALSE;
  *out = ip;
  return TRUE;
}

static void
sim_host_free (SimHost *host)
{
  host_clear_common (host);
  g_free (host);
}

/* ------------------------------------------------------------------ UDP */

static void
udp_recv (SimUdpSocket *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  UdpAdapter *a = u;
  if (a->base.recv)
    a->base.recv (&a->base, from, data, len, a->base.user_data);
}

static void
udp_error (SimUdpSocket *s, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  UdpAdapter *a = u;
  if (a->base.error)
    a->base.error (&a->base, err, remote, a->base.user_data);
}

static SimHostUdp *
sim_udp_open_op (SimHost *host, const SimSockAddr *local, GError **error)
{
  SimUdpSocket *s = sim_udp_open (node_of (host), local, error);
  if (s == NULL)
    return NULL;
  UdpAdapter *a = g_new (UdpAdapter, 1);   /* not g_new0: see sim_udp_open */
  *a = (UdpAdapter) { .base.host = host, .sock = s };
  sim_udp_set_callbacks (s, udp_recv, udp_error, a);
  return &a->base;
}

static gboolean
sim_udp_sendto_op (SimHostUdp *sock, const SimSockAddr *to, const void *data, gsize len,
                   GError **error)
{
  return sim_udp_sendto (((UdpAdapter *) sock)->sock, to, data, len, error);
}

static void
sim_udp_get_local_op (const SimHostUdp *sock, SimSockAddr *out)
{
  sim_udp_get_local (((const UdpAdapter *) sock)->sock, out);
}

static void
sim_udp_close_op (SimHostUdp *sock)
{
  UdpAdapter *a = (UdpAdapter *) sock;
  sim_udp_close (a->sock);
  g_free (a);
}

/* ------------------------------------------------------------------ TCP */

static void
tcp_event (SimTcpSocket *s, SimTcpEvent ev, gpointer u)
{
  TcpAdapter *a = u;
  HostTcpEvent hev = HOST_TCP_ERROR;
  switch (ev)
    {
    case SIM_TCP_EV_CONNECTED:   hev = HOST_TCP_CONNECTED; break;
    case SIM_TCP_EV_PEER_CLOSED: hev = HOST_TCP_PEER_CLOSED; break;
    case SIM_TCP_EV_ERROR:       hev = HOST_TCP_ERROR; break;
    case SIM_TCP_EV_CLOSED:      hev = HOST_TCP_CLOSED; break;
    }
  if (a->base.event)
    a->base.event (&a->base, hev, a->base.user_data);
}

static void
tcp_recv (SimTcpSocket *s, const guint8 *data, gsize len, gpointer u)
{
  TcpAdapter *a = u;
  if (a->base.recv)
    a->base.recv (&a->base, data, len, a->base.user_data);
}

static TcpAdapter *
tcp_wrap (SimHost *host, SimTcpSocket *s)
{
  TcpAdapter *a = g_new0 (TcpAdapter, 1);
  a->base.host = host;
  a->sock = s;
  sim_tcp_set_callbacks (s, tcp_event, tcp_recv, a);
  return a;
}

static SimHostTcp *
sim_tcp_connect_op (SimHost *host, const SimSockAddr *remote, GError **error)
{
  SimTcpSocket *s = sim_tcp_connect (node_of (host), NULL, remote, error);
  return s ? &tcp_wrap (host, s)->base : NULL;
}

static SimHostTcp *
sim_tcp_connect_from_op (SimHost *host, const SimSockAddr *local, const SimSockAddr *remote,
                         GError **error)
{
  SimTcpSocket *s = sim_tcp_connect (node_of (host), local, remote, error);
  return s ? &tcp_wrap (host, s)->base : NULL;
}

static void
tcp_accept (SimTcpListener *l, SimTcpSocket *s, gpointer u)
{
  ListenerAdapter *la = u;
  TcpAdapter *a = tcp_wrap (la->base.host, s);
  la->base.accept (&la->base, &a->base, la->base.user_data);
}

static SimHostTcpListener *
sim_tcp_listen_op (SimHost *host, const SimSockAddr *local, GError **error)
{
  ListenerAdapter *la = g_new0 (ListenerAdapter, 1);
  la->base.host = host;
  la->listener = sim_tcp_listen (node_of (host), local, tcp_accept, la, error);
  if (la->listener == NULL)
    {
      g_free (la);
      return NULL;
    }
  return &la->base;
}

static void
sim_tcp_listener_close_op (SimHostTcpListener *l)
{
  ListenerAdapter *la = (ListenerAdapter *) l;
  sim_tcp_listener_close (la->listener);
  g_free (la);
}

static gboolean
sim_tcp_send_op (SimHostTcp *sock, const void *data, gsize len, GError **error)
{
  return sim_tcp_send (((TcpAdapter *) sock)->sock, data, len, error);
}

static void
sim_tcp_close_op (SimHostTcp *sock)
{
  sim_tcp_close (((TcpAdapter *) sock)->sock);
}

static void
sim_tcp_abort_op (SimHostTcp *sock)
{
  sim_tcp_abort (((TcpAdapter *) sock)->sock);
}

static void
sim_tcp_forget_op (SimHostTcp *sock)
{
  sim_tcp_forget (((TcpAdapter *) sock)->sock);
}

static void
sim_tcp_free_op (SimHostTcp *sock)
{
  TcpAdapter *a = (TcpAdapter *) sock;
  sim_tcp_free (a->sock);
  g_free (a);
}

static SimNetError
sim_tcp_get_error_op (const SimHostTcp *sock)
{
  return sim_tcp_get_error (((const TcpAdapter *) sock)->sock);
}

static void
sim_tcp_get_local_op (const SimHostTcp *sock, SimSockAddr *out)
{
  sim_tcp_get_local (((const TcpAdapter *) sock)->sock, out);
}

static void
sim_tcp_get_remote_op (const SimHostTcp *sock, SimSockAddr *out)
{
  sim_tcp_get_remote (((const TcpAdapter *) sock)->sock, out);
}

static const SimHostOps sim_host_ops = {
  .get_local_addr     = sim_get_local_addr,
  .free               = sim_host_free,
  .udp_open           = sim_udp_open_op,
  .udp_sendto         = sim_udp_sendto_op,
  .udp_get_local      = sim_udp_get_local_op,
  .udp_close          = sim_udp_close_op,
  .tcp_connect        = sim_tcp_connect_op,
  .tcp_connect_from   = sim_tcp_connect_from_op,
  .tcp_listen         = sim_tcp_listen_op,
  .tcp_listener_close = sim_tcp_listener_close_op,
  .tcp_send           = sim_tcp_send_op,
  .tcp_close          = sim_tcp_close_op,
  .tcp_abort          = sim_tcp_abort_op,
  .tcp_free           = sim_tcp_free_op,
  .tcp_forget         = sim_tcp_forget_op,
  .tcp_get_error      = sim_tcp_get_error_op,
  .tcp_get_local      = sim_tcp_get_local_op,
  .tcp_get_remote     = sim_tcp_get_remote_op,
};

SimHost *
sim_host_new (SimNode *node, const char *name)
{
  g_return_val_if_fail (node != NULL, NULL);
  SimHostSim *h = g_new0 (SimHostSim, 1);
  h->node = node;
  host_init_common (&h->base, &sim_host_ops, sim_node_get_world (node),
                    name ? name : sim_node_get_name (node));
  return &h->base;
}

SimNode *
sim_host_get_node (SimHost *host)
{
  g_return_val_if_fail (host != NULL && host->ops == &sim_host_ops, NULL);
  return node_of (host);
}
