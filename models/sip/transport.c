/*
 * models/sip/transport.c - the endpoint side of the SIP transport (see
 * transport.h for the rules): the UDP socket and its datagrams, the
 * listener, the flow table, sending, and the transport's lifetime.  One
 * connection's state machine is in transport-flow.c.
 *
 * Notes
 *
 * 1. Ownership.  The transport owns its UDP socket, its listener and every
 *    Flow.  A flow leaves the table when it goes DOWN and its memory waits
 *    in the graveyard until no owner callback is on the stack, so code that
 *    called out can still look at the flow it was working on (it checks
 *    f->state afterwards).  The same busy count defers sip_transport_free()
 *    called from a callback.
 *
 * 2. Order.  Flows are kept in creation order (tp->order) besides the id
 *    table, so that dropping or freeing them all sends segments in an
 *    order that depends on the run only, never on hash-table layout.
 */
#include <string.h>

#include "models/sip/transport-private.h"
#include "models/stun/msg.h"
#include "models/stun/responder.h"

const char *
sip_flow_failure_to_string (SipFlowFailure f)
{
  switch (f)
    {
    case SIP_FLOW_FAIL_NONE:            return "none";
    case SIP_FLOW_FAIL_RESET:           return "reset";
    case SIP_FLOW_FAIL_PEER_CLOSED:     return "peer-closed";
    case SIP_FLOW_FAIL_REFUSED:         return "refused";
    case SIP_FLOW_FAIL_CONNECT_TIMEOUT: return "connect-timeout";
    case SIP_FLOW_FAIL_ICMP:            return "icmp";
    case SIP_FLOW_FAIL_TIMED_OUT:       return "timed-out";
    case SIP_FLOW_FAIL_KEEPALIVE:       return "keepalive";
    case SIP_FLOW_FAIL_IDLE:            return "idle";
    case SIP_FLOW_FAIL_MALFORMED:       return "malformed";
    case SIP_FLOW_FAIL_TLS_CERT:        return "tls-certificate";
    case SIP_FLOW_FAIL_TLS_TIMEOUT:     return "tls-timeout";
    case SIP_FLOW_FAIL_TLS:             return "tls";
    }
  return "?";
}

const char *
sip_transport_proto_to_string (SipTransportProto p)
{
  switch (p)
    {
    case SIP_TRANSPORT_UDP: return "UDP";
    case SIP_TRANSPORT_TCP: return "TCP";
    case SIP_TRANSPORT_TLS: return "TLS";
    }
  return "?";
}

void
sip_transport_config_init (SipTransportConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->tag = "sip";
  cfg->answer_pings = TRUE;
  tls_config_init (&cfg->tls);
  cfg->tls_handshake_timeout = SIM_S (32);
}

/* ----------------------------------------------------- owner callbacks */

void
tp_enter (SipTransport *tp)
{
  tp->busy++;
}

static void tp_destroy (SipTransport *tp);

gboolean
tp_leave (SipTransport *tp)
{
  g_assert (tp->busy > 0);
  if (--tp->busy > 0)
    return !tp->free_pending;
  if (tp->free_pending)
    {
      tp_destroy (tp);
      return FALSE;
    }
  while (tp->graveyard->len)
    flow_free_mem (g_ptr_array_steal_index (tp->graveyard, tp->graveyard->len - 1));
  return TRUE;
}

void
tp_deliver_sip (SipTransport *tp, const guint8 *data, gsize len, const SipTxnPeer *from)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (SipMsg) msg = sip_msg_parse (data, len, &err);
  if (msg == NULL)
    {
      tp->stats.malformed++;
      host_trace (tp->host, "tp %s malformed SIP: %s", tp->tag, err->message);
      if (tp->funcs.malformed)
        {
          tp_enter (tp);
          tp->funcs.malformed (tp, data, len, err, from, tp->user_data);
          tp_leave (tp);
        }
      return;
    }
  tp->stats.messages++;
  if (tp->funcs.message)
    {
      tp_enter (tp);
      tp->funcs.message (tp, msg, from, tp->user_data);
      tp_leave (tp);
    }
}

GBytes *
tp_stun (SipTransport *tp, const guint8 *data, gsize len, const SipTxnPeer *from)
{
  if (tp->cfg.stun_server)
    {
      g_autoptr (StunMsg) m = stun_msg_parse (data, len, NULL);
      if (m == NULL)
        {
          tp->stats.malformed++;
          return NULL;
        }
      if (stun_msg_get_class (m) == STUN_CLASS_REQUEST)
        {
          GBytes *ans = stun_responder_answer (m, &from->addr, NULL);
          if (ans)
            tp->stats.stun_answered++;
          return ans;
        }
    }
  if (tp->funcs.stun)
    {
      tp_enter (tp);
      tp->funcs.stun (tp, data, len, from, tp->user_data);
      tp_leave (tp);
    }
  return NULL;
}

void
tp_keepalive (SipTransport *tp, SipDgramKind kind, const SipTxnPeer *from)
{
  tp->stats.keepalives++;
  if (tp->funcs.keepalive)
    {
      tp_enter (tp);
      tp->funcs.keepalive (tp, kind, from, tp->user_data);
      tp_leave (tp);
    }
}

/* ------------------------------------------------------------------ UDP */

static void
on_udp_recv (SimHostUdp *sock, const SimSockAddr *from, const guint8 *data, gsize len,
             gpointer u)
{
  SipTransport *tp = u;
  tp->stats.datagrams++;
  if (tp->deaf)
    {
      tp->stats.dropped_deaf++;
      return;
    }
  SipTxnPeer peer = { .addr = *from, .reliable = FALSE, .flow = NULL };
  tp_enter (tp);
  SipDgramKind kind = sip_classify_datagram (data, len);
  switch (kind)
    {
    case SIP_DGRAM_SIP:
      tp_deliver_sip (tp, data, len, &peer);
      break;
    case SIP_DGRAM_STUN:
      {
        g_autoptr (GBytes) ans = tp_stun (tp, data, len, &peer);
        if (ans && tp->udp == sock)
          host_udp_sendto (sock, from, g_bytes_get_data (ans, NULL), g_bytes_get_size (ans),
                           NULL);
        break;
      }
    case SIP_DGRAM_PING:
      /* RFC 5626 §3.5.1 style over UDP (Gigaset B42): CRLFCRLF -> CRLF. */
      if (tp->cfg.answer_pings)
        {
          tp->stats.pings_answered++;
          host_udp_sendto (sock, from, "\r\n", 2, NULL);
        }
      else
        tp_keepalive (tp, SIP_DGRAM_PING, &peer);
      break;
    case SIP_DGRAM_PONG:
    case SIP_DGRAM_KEEPALIVE:
      tp_keepalive (tp, kind, &peer);
      break;
    case SIP_DGRAM_GARBAGE:
      tp->stats.malformed++;
      break;
    }
  tp_leave (tp);
}

static void
on_udp_error (SimHostUdp *sock, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  SipTransport *tp = u;
  if (tp->funcs.udp_error)
    {
      tp_enter (tp);
      tp->funcs.udp_error (tp, err, remote, tp->user_data);
      tp_leave (tp);
    }
}

gboolean
sip_transport_udp_bind (SipTransport *tp, guint16 port, GError **error)
{
  g_return_val_if_fail (tp != NULL, FALSE);
  SimSockAddr local = { .ip = SIM_IP4_ANY, .port = port };
  /* The old socket goes first when the new one asks for the same port. */
  if (tp->udp && port != 0)
    {
      SimSockAddr cur;
      host_udp_get_local (tp->udp, &cur);
      if (cur.port == port)
        return TRUE;
    }
  SimHostUdp *s = host_udp_open (tp->host, &local, on_udp_recv, on_udp_error, tp, error);
  if (s == NULL)
    return FALSE;
  host_udp_close (tp->udp);
  tp->udp = s;
  return TRUE;
}

void
sip_transport_udp_close (SipTransport *tp)
{
  g_return_if_fail (tp != NULL);
  g_clear_pointer (&tp->udp, host_udp_close);
}

gboolean
sip_transport_udp_local (const SipTransport *tp, SimSockAddr *out)
{
  g_return_val_if_fail (tp != NULL && out != NULL, FALSE);
  if (tp->udp == NULL)
    return FALSE;
  host_udp_get_local (tp->udp, out);
  return TRUE;
}

/* ------------------------------------------------------------- listener */

static void
listeners_close (SipTransport *tp)
{
  while (tp->listeners->len)
    {
      Listener *li = g_ptr_array_steal_index (tp->listeners, tp->listeners->len - 1);
      host_tcp_listener_close (li->sock);
      g_free (li);
    }
}

static void
on_accept (SimHostTcpListener *l, SimHostTcp *sock, gpointer u)
{
  Listener *li = u;
  SipTransport *tp = li->tp;
  Flow *f = flow_new_accepted (tp, li->proto, sock);
  if (f->state == FLOW_UP)
    flow_report_up (f);
}

gboolean
sip_transport_listen (SipTransport *tp, SipTransportProto proto, guint16 port,
                      GError **error)
{
  g_return_val_if_fail (tp != NULL, FALSE);
  g_return_val_if_fail (proto != SIP_TRANSPORT_UDP, FALSE);
  SimSockAddr local = { .ip = SIM_IP4_ANY, .port = port };
  Listener *li = g_new0 (Listener, 1);
  li->tp = tp;
  li->proto = proto;
  li->sock = host_tcp_listen (tp->host, &local, on_accept, li, error);
  if (li->sock == NULL)
    {
      g_free (li);
      return FALSE;
    }
  g_ptr_array_add (tp->listeners, li);
  return TRUE;
}

void
sip_transport_listen_stop (SipTransport *tp)
{
  g_return_if_fail (tp != NULL);
  listeners_close (tp);
}

/* ---------------------------------------------------------------- flows */

static Flow *
flow_lookup (const SipTransport *tp, SipFlowId id)
{
  return id && tp->flows ? g_hash_table_lookup (tp->flows, GUINT_TO_POINTER (id)) : NULL;
}

SipFlowId
sip_transport_connect (SipTransport *tp, SipTransportProto proto, const SimSockAddr *remote,
                       const SipFlowParams *params, GError **error)
{
  g_return_val_if_fail (tp != NULL && remote != NULL, 0);
  g_return_val_if_fail (proto != SIP_TRANSPORT_UDP, 0);
  Flow *f = flow_new_active (tp, proto, remote, params, error);
  return f ? f->id : 0;
}

SipFlowId
sip_transport_find_flow (const SipTransport *tp, SipTransportProto proto,
                         const SimSockAddr *remote)
{
  g_return_val_if_fail (tp != NULL && remote != NULL, 0);
  for (guint i = tp->order->len; i-- > 0;)
    {
      Flow *f = tp->order->pdata[i];
      if (f->proto == proto && sim_sockaddr_equal (&f->remote, remote))
        return f->id;
    }
  return 0;
}

gboolean
sip_transport_flow_is_up (const SipTransport *tp, SipFlowId id)
{
  Flow *f = flow_lookup (tp, id);
  return f && f->state == FLOW_UP;
}

SipTransportProto
sip_transport_flow_get_proto (const SipTransport *tp, SipFlowId id)
{
  Flow *f = flow_lookup (tp, id);
  return f ? f->proto : SIP_TRANSPORT_UDP;
}

gboolean
sip_transport_flow_addrs (const SipTransport *tp, SipFlowId id, SimSockAddr *local,
                          SimSockAddr *remote)
{
  Flow *f = flow_lookup (tp, id);
  if (f == NULL)
    return FALSE;
  if (local)
    *local = f->local;
  if (remote)
    *remote = f->remote;
  return TRUE;
}

void
sip_transport_flow_set_keepalive (SipTransport *tp, SipFlowId id, SimTime ka_min,
                                  SimTime ka_max, SimTime pong_timeout)
{
  g_return_if_fail (ka_min >= 0 && ka_max >= ka_min && pong_timeout >= 0);
  Flow *f = flow_lookup (tp, id);
  if (f)
    flow_set_keepalive (f, ka_min, ka_max, pong_timeout);
}

void
sip_transport_flow_close (SipTransport *tp, SipFlowId id)
{
  Flow *f = flow_lookup (tp, id);
  if (f)
    flow_close (f, SIP_TRANSPORT_DROP_RESET, TRUE);
}

void
sip_transport_drop_flows (SipTransport *tp, SipTransportDrop how)
{
  g_return_if_fail (tp != NULL);
  while (tp->order->len)
    flow_close (tp->order->pdata[0], how, FALSE);
}

guint
sip_transport_flow_count (const SipTransport *tp)
{
  return tp->order->len;
}

/* -------------------------------------------------------------- sending */

SimNetError
sip_transport_send (SipTransport *tp, const SipTxnPeer *to, const guint8 *data, gsize len)
{
  g_return_val_if_fail (tp != NULL && to != NULL, SIM_NET_ERR_NO_ROUTE);
  if (!to->reliable)
    {
      if (tp->udp == NULL)
        return SIM_NET_ERR_NO_ROUTE;
      return host_udp_sendto (tp->udp, &to->addr, data, len, NULL) ? SIM_NET_OK
                                                                    : SIM_NET_ERR_NO_ROUTE;
    }
  Flow *f;
  if (to->flow)
    f = flow_lookup (tp, sip_flow_from_handle (to->flow));
  else
    {
      f = flow_lookup (tp, sip_transport_find_flow (tp, SIP_TRANSPORT_TCP, &to->addr));
      if (f == NULL)
        f = flow_new_active (tp, SIP_TRANSPORT_TCP, &to->addr, NULL, NULL);
      if (f == NULL)
        return SIM_NET_ERR_NO_ROUTE;
    }
  if (f == NULL)
    return SIM_NET_ERR_RESET;
  return flow_send (f, data, len);
}

SimNetError
sip_transport_txn_send (SipTxnLayer *layer, const SipTxnPeer *to, const guint8 *data,
                        gsize len, gpointer tp)
{
  return sip_transport_send (tp, to, data, len);
}

void
sip_transport_set_deaf (SipTransport *tp, gboolean deaf)
{
  g_return_if_fail (tp != NULL);
  if (tp->deaf != deaf)
    host_trace (tp->host, "tp %s %s", tp->tag, deaf ? "deaf" : "hearing");
  tp->deaf = deaf;
}

/* ------------------------------------------------------------ lifetime */

SipTransport *
sip_transport_new (SimHost *host, const SipTransportConfig *cfg,
                   const SipTransportFuncs *funcs, gpointer user_data)
{
  g_return_val_if_fail (host != NULL, NULL);
  SipTransport *tp = g_new0 (SipTransport, 1);
  tp->host = host;
  if (cfg)
    tp->cfg = *cfg;
  else
    sip_transport_config_init (&tp->cfg);
  tp->tag = g_strdup (tp->cfg.tag ? tp->cfg.tag : "sip");
  tp->cfg.tag = tp->tag;
  tp->tls_server_name = g_strdup (tp->cfg.tls.server_name);
  tp->cfg.tls.server_name = tp->tls_server_name;
  if (funcs)
    tp->funcs = *funcs;
  tp->user_data = user_data;
  g_autofree char *stream = g_strdup_printf ("%s-tp", tp->tag);
  host_rng_init (host, &tp->rng, stream);
  tp->order = g_ptr_array_new ();
  tp->graveyard = g_ptr_array_new ();
  tp->listeners = g_ptr_array_new ();
  tp->next_id = 1;
  return tp;
}

static void
tp_destroy (SipTransport *tp)
{
  while (tp->order->len)
    flow_close (tp->order->pdata[0], SIP_TRANSPORT_DROP_RESET, FALSE);
  while (tp->graveyard->len)
    flow_free_mem (g_ptr_array_steal_index (tp->graveyard, tp->graveyard->len - 1));
  listeners_close (tp);
  g_ptr_array_unref (tp->listeners);
  host_udp_close (tp->udp);
  if (tp->flows)
    g_hash_table_unref (tp->flows);
  g_ptr_array_unref (tp->order);
  g_ptr_array_unref (tp->graveyard);
  g_free (tp->tag);
  g_free (tp->tls_server_name);
  g_free (tp);
}

void
sip_transport_free (SipTransport *tp)
{
  if (tp == NULL)
    return;
  memset (&tp->funcs, 0, sizeof tp->funcs);   /* nothing more is reported */
  if (tp->busy > 0)
    {
      if (!tp->free_pending)
        {
          /* Sockets go now, so nothing arrives; memory when the stack unwinds. */
          tp->free_pending = TRUE;
          while (tp->order->len)
            flow_close (tp->order->pdata[0], SIP_TRANSPORT_DROP_RESET, FALSE);
          listeners_close (tp);
          host_udp_close (tp->udp);
          tp->udp = NULL;
        }
      return;
    }
  tp_destroy (tp);
}

SimHost *
sip_transport_get_host (const SipTransport *tp)
{
  return tp->host;
}

const SipTransportStats *
sip_transport_get_stats (const SipTransport *tp)
{
  return &tp->stats;
}
