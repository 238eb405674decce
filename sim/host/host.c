/*
 * sim/host/host.c - the host seam's calls: common parts and dispatch to the
 * implementation's operations.
 */
#include "sim/host/host-private.h"
#include "sim/net/net.h"          /* SIM_NET_ERROR: the seam's error domain */
#include "sim/net/packet.h"       /* sim_sockaddr_trace */

#include <stdarg.h>
#include <string.h>

void
host_init_common (SimHost *host, const SimHostOps *ops, SimWorld *world, const char *name)
{
  host->ops = ops;
  host->world = world;
  host->name = g_strdup (name);
  host->trace_who = g_strdup_printf ("host:%s", name);
  host->trace_who_len = strlen (host->trace_who);
  host->trace_who_hash = sim_trace_hash_str (host->trace_who, host->trace_who_len);
}

void
host_clear_common (SimHost *host)
{
  g_free (host->name);
  g_free (host->trace_who);
}

const char *
host_get_name (const SimHost *host)
{
  return host->name;
}

gboolean
host_get_local_addr (SimHost *host, SimIp4 dst, SimIp4 *out)
{
  return host->ops->get_local_addr (host, dst, out);
}

void
host_free (SimHost *host)
{
  if (host)
    host->ops->free (host);
}

SimTime
host_now (const SimHost *host)
{
  return sim_world_now (host->world);
}

void
host_timer_init (SimHost *host, HostTimer *timer, HostTimerFunc func, gpointer user_data)
{
  sim_timer_init (timer, host->world, func, user_data);
}

void
host_rng_init (SimHost *host, SimRng *rng, const char *stream)
{
  g_autofree char *name = g_strdup_printf ("host/%s/%s", host->name, stream);
  sim_world_rng_init (host->world, rng, name);
}

void
host_log (SimHost *host, SimLogLevel level, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  sim_log (host->world, level, host->trace_who, "%s", msg);
}

void
host_trace (SimHost *host, const char *fmt, ...)
{
  /* sim_tracev() in its pieces, with the name's hash known. */
  va_list ap;
  va_start (ap, fmt);
  sim_trace_begin_hashed (host->world, host->trace_who, host->trace_who_len,
                          host->trace_who_hash);
  sim_trace_printfv (host->world, fmt, ap);
  sim_trace_end (host->world);
  va_end (ap);
}

void
host_trace_begin (SimHost *host)
{
  sim_trace_begin_hashed (host->world, host->trace_who, host->trace_who_len,
                          host->trace_who_hash);
}

void
host_trace_str (SimHost *host, const char *s)
{
  sim_trace_str_len (host->world, s, strlen (s));
}

void
host_trace_static (SimHost *host, const char *s)
{
  sim_trace_static (host->world, s);
}

guint64
host_trace_hash (const char *s, gsize len)
{
  return sim_trace_hash_str (s, len);
}

void
host_trace_str_hashed (SimHost *host, const char *s, gsize len, guint64 hash)
{
  sim_trace_str_hashed (host->world, s, len, hash);
}

void
host_trace_sockaddr (SimHost *host, const SimSockAddr *addr)
{
  sim_sockaddr_trace (host->world, addr);
}

void
host_trace_printfv (SimHost *host, const char *fmt, va_list ap)
{
  sim_trace_printfv (host->world, fmt, ap);
}

void
host_trace_end (SimHost *host)
{
  sim_trace_end (host->world);
}

/* ------------------------------------------------------------------ UDP */

SimHostUdp *
host_udp_open (SimHost *host, const SimSockAddr *local, HostUdpRecvFunc recv,
               HostUdpErrorFunc error, gpointer user_data, GError **error_out)
{
  g_return_val_if_fail (host != NULL, NULL);
  SimHostUdp *sock = host->ops->udp_open (host, local, error_out);
  if (sock)
    {
      sock->recv = recv;
      sock->error = error;
      sock->user_data = user_data;
    }
  return sock;
}

gboolean
host_udp_sendto (SimHostUdp *sock, const SimSockAddr *to, const void *data, gsize len,
                 GError **error)
{
  return sock->host->ops->udp_sendto (sock, to, data, len, error);
}

void
host_udp_get_local (const SimHostUdp *sock, SimSockAddr *out)
{
  sock->host->ops->udp_get_local (sock, out);
}

void
host_udp_close (SimHostUdp *sock)
{
  if (sock)
    sock->host->ops->udp_close (sock);
}

/* ------------------------------------------------------------------ TCP */

SimHostTcp *
host_tcp_connect (SimHost *host, const SimSockAddr *remote, HostTcpEventFunc event,
                  HostTcpRecvFunc recv, gpointer user_data, GError **error)
{
  g_return_val_if_fail (host != NULL && remote != NULL, NULL);
  SimHostTcp *sock = host->ops->tcp_connect (host, remote, error);
  if (sock)
    host_tcp_set_callbacks (sock, event, recv, user_data);
  return sock;
}

SimHostTcp *
host_tcp_connect_from (SimHost *host, const SimSockAddr *local, const SimSockAddr *remote,
                       HostTcpEventFunc event, HostTcpRecvFunc recv, gpointer user_data,
                       GError **error)
{
  g_return_val_if_fail (host != NULL && remote != NULL, NULL);
  if (local == NULL || (local->ip == SIM_IP4_ANY && local->port == 0))
    return host_tcp_connect (host, remote, event, recv, user_data, error);
  if (host->ops->tcp_connect_from == NULL)
    {
      g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_NOT_AVAILABLE,
                   "host %s cannot bind the local end of a connection", host->name);
      return NULL;
    }
  SimHostTcp *sock = host->ops->tcp_connect_from (host, local, remote, error);
  if (sock)
    host_tcp_set_callbacks (sock, event, recv, user_data);
  return sock;
}

SimHostTcpListener *
host_tcp_listen (SimHost *host, const SimSockAddr *local, HostTcpAcceptFunc accept,
                 gpointer user_data, GError **error)
{
  g_return_val_if_fail (host != NULL && accept != NULL, NULL);
  SimHostTcpListener *l = host->ops->tcp_listen (host, local, error);
  if (l)
    {
      l->accept = accept;
      l->user_data = user_data;
    }
  return l;
}

void
host_tcp_listener_close (SimHostTcpListener *listener)
{
  if (listener)
    listener->host->ops->tcp_listener_close (listener);
}

void
host_tcp_set_callbacks (SimHostTcp *sock, HostTcpEventFunc event, HostTcpRecvFunc recv,
                        gpointer user_data)
{
  sock->event = event;
  sock->recv = recv;
  sock->user_data = user_data;
}

gboolean
host_tcp_send (SimHostTcp *sock, const void *data, gsize len, GError **error)
{
  return sock->host->ops->tcp_send (sock, data, len, error);
}

void
host_tcp_close (SimHostTcp *sock)
{
  sock->host->ops->tcp_close (sock);
}

void
host_tcp_abort (SimHostTcp *sock)
{
  sock->host->ops->tcp_abort (sock);
}

void
host_tcp_forget (SimHostTcp *sock)
{
  if (sock->host->ops->tcp_forget)
    sock->host->ops->tcp_forget (sock);
  else
    sock->host->ops->tcp_abort (sock);
}

void
host_tcp_free (SimHostTcp *sock)
{
  if (sock)
    sock->host->ops->tcp_free (sock);
}

SimNetError
host_tcp_get_error (const SimHostTcp *sock)
{
  return sock->host->ops->tcp_get_error (sock);
}

void
host_tcp_get_local (const SimHostTcp *sock, SimSockAddr *out)
{
  sock->host->ops->tcp_get_local (sock, out);
}

void
host_tcp_get_remote (const SimHostTcp *sock, SimSockAddr *out)
{
  sock->host->ops->tcp_get_remote (sock, out);
}
