/*
 * models/sip/transport-flow.c - one flow (a TCP connection) of a SIP
 * transport: connecting and queueing, framing what arrives, CRLF
 * keep-alives, and failure.  The state machine, its transition table and
 * its invariants are drawn in transport.h; check_invariants() below is
 * asserted on every transition.
 *
 * Notes
 *
 * 1. How a flow ends (flow_retire): after RST, refusal or a kernel timeout
 *    the socket is dead and is only freed.  After a peer's FIN, a pong
 *    timeout or an idle timeout we close our side gracefully, as a stack
 *    that close(2)s the descriptor does (libre conn_close -> mem_deref of
 *    the tcp_conn): the FIN goes out and the kernel finishes the close as
 *    an orphan (sim/net/tcp.c note 10).  After a framing error, and when
 *    the owner drops flows with RESET, we abort (RST): the bytes in
 *    flight are worthless.  DROP_SILENT forgets the state (note 7 of
 *    transport.h).
 *
 * 2. Keep-alive error.  A failed ping send (the kernel refused it because
 *    the connection is already dead) is not reported here: the kernel's
 *    own ERROR event follows and names the cause.
 */
#include <string.h>

#include "models/sip/transport-private.h"

static const char *const state_names[] = { "CONNECTING", "HANDSHAKING", "UP", "DOWN" };

static void flow_on_tcp_event (SimHostTcp *sock, HostTcpEvent ev, gpointer u);
static void flow_on_tcp_recv  (SimHostTcp *sock, const guint8 *data, gsize len, gpointer u);
static void flow_on_connect_timer (HostTimer *t, gpointer u);
static void flow_on_ka_timer      (HostTimer *t, gpointer u);
static void flow_on_pong_timer    (HostTimer *t, gpointer u);
static void flow_on_idle_timer    (HostTimer *t, gpointer u);
static void flow_on_hs_timer      (HostTimer *t, gpointer u);
static void flow_stream_bytes     (Flow *f, const guint8 *data, gsize len);

/* ---------------------------------------------------------- invariants */

static gboolean G_GNUC_UNUSED
check_invariants (const Flow *f)
{
  gboolean conn_t = host_timer_is_pending (&f->connect_timer);
  gboolean ka_t = host_timer_is_pending (&f->ka_timer);
  gboolean pong_t = host_timer_is_pending (&f->pong_timer);
  gboolean idle_t = host_timer_is_pending (&f->idle_timer);
  gboolean hs_t = host_timer_is_pending (&f->hs_timer);
  gboolean is_tls = f->proto == SIP_TRANSPORT_TLS;
  gboolean in_table = f->tp->flows != NULL
                      && g_hash_table_lookup (f->tp->flows, GUINT_TO_POINTER (f->id)) == f;

  switch (f->state)
    {
    case FLOW_CONNECTING:
      return !f->accepted && f->sock != NULL && in_table && f->tls == NULL
             && conn_t == (f->params.connect_timeout > 0)
             && !ka_t && !pong_t && !idle_t && !hs_t && !f->ping_out;
    case FLOW_HANDSHAKING:
      return is_tls && f->tls != NULL && f->sock != NULL && in_table
             && hs_t == (f->tp->cfg.tls_handshake_timeout > 0)
             && !conn_t && !ka_t && !pong_t && !idle_t && !f->ping_out;
    case FLOW_UP:
      return f->sock != NULL && in_table && f->queue->len == 0 && !conn_t && !hs_t
             && (f->tls != NULL) == is_tls
             && pong_t == f->ping_out && (!pong_t || (f->params.ka_min > 0 && !ka_t));
    case FLOW_DOWN:
      return f->sock == NULL && !in_table && !conn_t && !ka_t && !pong_t && !idle_t
             && !hs_t && f->queue->len == 0;
    }
  return FALSE;
}

static void
set_state (Flow *f, FlowState to)
{
  FlowState from = f->state;
  f->state = to;
  if (from != to)
    host_trace (f->tp->host, "tp %s flow %u %s -> %s", f->tp->tag, f->id,
                state_names[from], state_names[to]);
  g_assert (check_invariants (f));
}

/* ------------------------------------------------------------- helpers */

static SipTxnPeer
flow_peer (const Flow *f)
{
  return (SipTxnPeer) { .addr = f->remote, .reliable = TRUE, .flow = sip_flow_to_handle (f->id) };
}

static void
flow_event_init (const Flow *f, SipFlowEvent *ev, SipFlowEventKind kind)
{
  memset (ev, 0, sizeof *ev);
  ev->kind = kind;
  ev->flow = f->id;
  ev->proto = f->proto;
  ev->accepted = f->accepted;
  ev->local = f->local;
  ev->remote = f->remote;
  ev->opened_at = f->opened_at;
}

static void
flow_report (Flow *f, const SipFlowEvent *ev)
{
  SipTransport *tp = f->tp;
  if (tp->funcs.flow)
    tp->funcs.flow (tp, ev, tp->user_data);
}

static Flow *
flow_alloc (SipTransport *tp, SipTransportProto proto, gboolean accepted)
{
  Flow *f = g_new0 (Flow, 1);
  f->tp = tp;
  f->id = tp->next_id++;
  f->proto = proto;
  f->accepted = accepted;
  f->state = FLOW_CONNECTING;
  f->queue = g_byte_array_new ();
  f->opened_at = host_now (tp->host);
  f->reader = sip_stream_reader_new (accepted ? SIP_FRAME_ROLE_SERVER : SIP_FRAME_ROLE_CLIENT,
                                     tp->cfg.max_buffer);
  host_timer_init (tp->host, &f->connect_timer, flow_on_connect_timer, f);
  host_timer_init (tp->host, &f->ka_timer, flow_on_ka_timer, f);
  host_timer_init (tp->host, &f->pong_timer, flow_on_pong_timer, f);
  host_timer_init (tp->host, &f->idle_timer, flow_on_idle_timer, f);
  host_timer_init (tp->host, &f->hs_timer, flow_on_hs_timer, f);
  return f;
}

static void
flow_insert (Flow *f)
{
  if (f->tp->flows == NULL)                 /* the first flow (transport-private.h) */
    f->tp->flows = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_hash_table_insert (f->tp->flows, GUINT_TO_POINTER (f->id), f);
  g_ptr_array_add (f->tp->order, f);
}

void
flow_free_mem (Flow *f)
{
  g_assert (f->state == FLOW_DOWN);
  sip_stream_reader_free (f->reader);
  tls_session_free (f->tls);
  g_byte_array_unref (f->queue);
  g_free (f);
}

static SimTime
ka_interval (Flow *f)
{
  if (f->params.ka_max <= f->params.ka_min)
    return f->params.ka_min;
  return sim_rng_int_range (&f->tp->rng, f->params.ka_min, f->params.ka_max);
}

static void
idle_restart (Flow *f)
{
  if (f->tp->cfg.idle_timeout > 0)
    host_timer_start (&f->idle_timer, f->tp->cfg.idle_timeout);
}

/* Takes @f out of service: timers, socket (note 1), table.  The memory
 * goes to the graveyard (transport.c note 1), or at once when no owner
 * callback is on the stack. */
typedef enum { END_FREE, END_CLOSE, END_ABORT, END_FORGET } FlowEnd;

static void
flow_retire (Flow *f, FlowEnd how)
{
  SipTransport *tp = f->tp;
  host_timer_cancel (&f->connect_timer);
  host_timer_cancel (&f->ka_timer);
  host_timer_cancel (&f->pong_timer);
  host_timer_cancel (&f->idle_timer);
  host_timer_cancel (&f->hs_timer);
  f->ping_out = FALSE;
  g_byte_array_set_size (f->queue, 0);
  host_tcp_set_callbacks (f->sock, NULL, NULL, NULL);
  switch (how)
    {
    case END_CLOSE:  host_tcp_close (f->sock); break;
    case END_ABORT:  host_tcp_abort (f->sock); break;
    case END_FORGET: host_tcp_forget (f->sock); break;
    case END_FREE:   break;
    }
  host_tcp_free (f->sock);
  f->sock = NULL;
  if (tp->flows)
    g_hash_table_remove (tp->flows, GUINT_TO_POINTER (f->id));
  g_ptr_array_remove (tp->order, f);
  set_state (f, FLOW_DOWN);
  g_ptr_array_add (tp->graveyard, f);
  if (tp->busy == 0)
    {
      g_ptr_array_remove_fast (tp->graveyard, f);
      flow_free_mem (f);
    }
}

/* The flow failed: retire it, count, trace, report DOWN.  Called with the
 * transport busy (from a socket callback or a timer), so @f's memory
 * survives the report. */
static void
flow_fail (Flow *f, SipFlowFailure failure, SimNetError err, FlowEnd how)
{
  SipTransport *tp = f->tp;
  g_assert (tp->busy > 0);
  char rb[SIM_SOCKADDR_STRLEN];
  host_trace (tp->host, "tp %s flow %u down %s (%s) %s", tp->tag, f->id,
              sip_flow_failure_to_string (failure), sim_net_error_to_string (err),
              sim_sockaddr_to_string (&f->remote, rb));
  tp->stats.flows_failed[failure]++;
  SipFlowEvent ev;
  flow_event_init (f, &ev, SIP_FLOW_DOWN);
  ev.failure = failure;
  ev.error = err;
  flow_retire (f, how);
  flow_report (f, &ev);
}

/* -------------------------------------------------------------- opening */

Flow *
flow_new_active (SipTransport *tp, SipTransportProto proto, const SimSockAddr *remote,
                 const SipFlowParams *params, GError **error)
{
  Flow *f = flow_alloc (tp, proto, FALSE);
  if (params)
    f->params = *params;
  if (f->params.ka_min > 0 && f->params.pong_timeout == 0)
    f->params.pong_timeout = SIP_FLOW_PONG_TIMEOUT_DEFAULT;
  SimSockAddr local = { .ip = SIM_IP4_ANY, .port = f->params.local_port };
  f->remote = *remote;
  f->sock = host_tcp_connect_from (tp->host, &local, remote, flow_on_tcp_event,
                                   flow_on_tcp_recv, f, error);
  if (f->sock == NULL)
    {
      f->state = FLOW_DOWN;
      tp->next_id--;          /* nothing saw the id */
      flow_free_mem (f);
      return NULL;
    }
  host_tcp_get_local (f->sock, &f->local);
  flow_insert (f);
  tp->stats.flows_opened++;
  if (f->params.connect_timeout > 0)
    host_timer_start (&f->connect_timer, f->params.connect_timeout);
  char rb[SIM_SOCKADDR_STRLEN], lb[SIM_SOCKADDR_STRLEN];
  host_trace (tp->host, "tp %s flow %u connect %s %s from %s", tp->tag, f->id,
              sip_transport_proto_to_string (proto), sim_sockaddr_to_string (remote, rb),
              sim_sockaddr_to_string (&f->local, lb));
  g_assert (check_invariants (f));
  return f;
}

Flow *
flow_new_accepted (SipTransport *tp, SipTransportProto proto, SimHostTcp *sock)
{
  Flow *f = flow_alloc (tp, proto, TRUE);
  f->sock = sock;
  host_tcp_get_local (sock, &f->local);
  host_tcp_get_remote (sock, &f->remote);
  host_tcp_set_callbacks (sock, flow_on_tcp_event, flow_on_tcp_recv, f);
  flow_insert (f);
  tp->stats.flows_accepted++;
  char rb[SIM_SOCKADDR_STRLEN];
  host_trace (tp->host, "tp %s flow %u accept %s %s", tp->tag, f->id,
              sip_transport_proto_to_string (proto), sim_sockaddr_to_string (&f->remote, rb));
  if (proto == SIP_TRANSPORT_TLS)
    {
      /* Note 10 of transport.h: the client speaks first. */
      f->tls = tls_session_new (TLS_ROLE_SERVER, &tp->cfg.tls, &tp->rng);
      if (tp->cfg.tls_handshake_timeout > 0)
        host_timer_start (&f->hs_timer, tp->cfg.tls_handshake_timeout);
      f->state = FLOW_HANDSHAKING;      /* born here: the accept line says so */
      g_assert (check_invariants (f));
      return f;
    }
  f->state = FLOW_UP;                   /* born up: no CONNECTING to leave */
  g_assert (check_invariants (f));
  return f;
}

static void
ka_schedule (Flow *f)
{
  if (f->params.ka_min > 0 && !f->ping_out)
    host_timer_start (&f->ka_timer, ka_interval (f));
}

void
flow_report_up (Flow *f)
{
  SipTransport *tp = f->tp;
  tp->stats.flows_up++;
  idle_restart (f);
  ka_schedule (f);
  g_assert (check_invariants (f));
  SipFlowEvent ev;
  flow_event_init (f, &ev, SIP_FLOW_UP);
  tp_enter (tp);
  flow_report (f, &ev);
  tp_leave (tp);
}

/* Sends @len bytes of the flow's payload: as TLS application data on a
 * TLS flow (transport.h note 10), as they are on TCP. */
static gboolean
flow_write (Flow *f, const guint8 *data, gsize len)
{
  if (f->tls == NULL)
    return host_tcp_send (f->sock, data, len, NULL);
  g_autoptr (GByteArray) wire = g_byte_array_new ();
  if (!tls_session_write (f->tls, data, len, wire))
    return FALSE;
  return host_tcp_send (f->sock, wire->data, wire->len, NULL);
}

/* ------------------------------------------------------------- kernel */

/* What a kernel error means for a flow (transport.h note 3). */
static SipFlowFailure
failure_of (const Flow *f, SimNetError err)
{
  gboolean connecting = f->state == FLOW_CONNECTING;
  switch (err)
    {
    case SIM_NET_ERR_REFUSED:
      return connecting ? SIP_FLOW_FAIL_REFUSED : SIP_FLOW_FAIL_RESET;
    case SIM_NET_ERR_TIMED_OUT:
      return connecting ? SIP_FLOW_FAIL_CONNECT_TIMEOUT : SIP_FLOW_FAIL_TIMED_OUT;
    case SIM_NET_ERR_HOST_UNREACHABLE:
    case SIM_NET_ERR_PORT_UNREACHABLE:
      return SIP_FLOW_FAIL_ICMP;
    default:
      return SIP_FLOW_FAIL_RESET;
    }
}

static void
flow_on_tcp_event (SimHostTcp *sock, HostTcpEvent ev, gpointer u)
{
  Flow *f = u;
  SipTransport *tp = f->tp;
  tp_enter (tp);
  switch (ev)
    {
    case HOST_TCP_CONNECTED:
      if (f->state == FLOW_CONNECTING && f->proto == SIP_TRANSPORT_TLS)
        {
          host_timer_cancel (&f->connect_timer);
          host_tcp_get_local (sock, &f->local);
          f->tls = tls_session_new (TLS_ROLE_CLIENT, &tp->cfg.tls, &tp->rng);
          g_autoptr (GByteArray) wire = g_byte_array_new ();
          tls_session_start (f->tls, wire);
          host_tcp_send (sock, wire->data, wire->len, NULL);
          if (tp->cfg.tls_handshake_timeout > 0)
            host_timer_start (&f->hs_timer, tp->cfg.tls_handshake_timeout);
          set_state (f, FLOW_HANDSHAKING);
        }
      else if (f->state == FLOW_CONNECTING)
        {
          host_timer_cancel (&f->connect_timer);
          host_tcp_get_local (sock, &f->local);
          if (f->queue->len)
            host_tcp_send (sock, f->queue->data, f->queue->len, NULL);
          g_byte_array_set_size (f->queue, 0);
          set_state (f, FLOW_UP);
          flow_report_up (f);
        }
      break;
    case HOST_TCP_PEER_CLOSED:
      flow_fail (f, SIP_FLOW_FAIL_PEER_CLOSED, SIM_NET_ERR_RESET, END_CLOSE);
      break;
    case HOST_TCP_ERROR:
      {
        SimNetError err = host_tcp_get_error (sock);
        flow_fail (f, failure_of (f, err), err, END_FREE);
        break;
      }
    case HOST_TCP_CLOSED:
      /* Only after our close, and a retired flow has no callbacks. */
      g_assert_not_reached ();
    }
  tp_leave (tp);
}

static void
flow_on_pong (Flow *f)
{
  SipTransport *tp = f->tp;
  if (f->accepted || !f->ping_out)
    {
      tp_keepalive (tp, SIP_DGRAM_PONG, &(SipTxnPeer) { .addr = f->remote, .reliable = TRUE,
                                                        .flow = sip_flow_to_handle (f->id) });
      return;
    }
  tp->stats.pongs_received++;
  host_trace (tp->host, "tp %s pong %u", tp->tag, f->id);
  host_timer_cancel (&f->pong_timer);
  f->ping_out = FALSE;
  ka_schedule (f);
  g_assert (check_invariants (f));
}

static SipFlowFailure
tls_failure_of (const TlsSession *s)
{
  if (tls_session_get_failure (s) == TLS_FAIL_BAD_CERTIFICATE
      || tls_session_get_peer_alert (s) == 42)
    return SIP_FLOW_FAIL_TLS_CERT;
  return SIP_FLOW_FAIL_TLS;
}

/* Bytes of a TLS flow: the session answers the handshake; what it
 * decrypts goes to the framing.  Called with the transport busy. */
static void
flow_tls_input (Flow *f, const guint8 *data, gsize len)
{
  SipTransport *tp = f->tp;
  g_autoptr (GByteArray) wire = g_byte_array_new ();
  g_autoptr (GByteArray) app = g_byte_array_new ();
  TlsStatus st = tls_session_input (f->tls, data, len, wire, app);
  gboolean now_up = st == TLS_ESTABLISHED && f->state == FLOW_HANDSHAKING;
  if (now_up && f->queue->len)
    {
      /* A TLS 1.3 client's data rides in the flight of its Finished. */
      tls_session_write (f->tls, f->queue->data, f->queue->len, wire);
      g_byte_array_set_size (f->queue, 0);
    }
  if (wire->len)
    host_tcp_send (f->sock, wire->data, wire->len, NULL);
  if (st == TLS_FAILED)
    {
      flow_fail (f, tls_failure_of (f->tls), SIM_NET_ERR_RESET, END_CLOSE);
      return;
    }
  if (now_up)
    {
      host_timer_cancel (&f->hs_timer);
      tp->stats.tls_handshakes++;
      host_trace (tp->host, "tp %s flow %u tls %s", tp->tag, f->id,
                  tls_version_to_string (tls_session_get_version (f->tls)));
      set_state (f, FLOW_UP);
      flow_report_up (f);
      if (f->state != FLOW_UP || tp->free_pending)
        return;
    }
  if (app->len)
    flow_stream_bytes (f, app->data, app->len);
}

static void
flow_on_tcp_recv (SimHostTcp *sock, const guint8 *data, gsize len, gpointer u)
{
  Flow *f = u;
  SipTransport *tp = f->tp;
  if (tp->deaf)
    {
      tp->stats.dropped_deaf++;
      return;
    }
  tp_enter (tp);
  idle_restart (f);
  if (f->tls)
    flow_tls_input (f, data, len);
  else
    flow_stream_bytes (f, data, len);
  tp_leave (tp);
}

/* Frames everything that arrived and hands it on.  After every call out
 * the flow may be DOWN (the owner closed it) or the transport freed.
 * Called with the transport busy. */
static void
flow_stream_bytes (Flow *f, const guint8 *data, gsize len)
{
  SipTransport *tp = f->tp;
  if (!sip_stream_reader_push (f->reader, data, len, NULL))
    {
      tp->stats.malformed++;
      flow_fail (f, SIP_FLOW_FAIL_MALFORMED, SIM_NET_ERR_RESET, END_ABORT);
      return;
    }
  while (f->state == FLOW_UP && !tp->free_pending)
    {
      g_autoptr (GBytes) frame = NULL;
      SipFrameKind k = sip_stream_reader_pop (f->reader, &frame, NULL);
      if (k == SIP_FRAME_NEED_MORE)
        break;
      tp->stats.stream_frames++;
      SipTxnPeer peer = flow_peer (f);
      switch (k)
        {
        case SIP_FRAME_MESSAGE:
          tp_deliver_sip (tp, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame), &peer);
          break;
        case SIP_FRAME_PING:
          if (tp->cfg.answer_pings)
            {
              tp->stats.pings_answered++;
              flow_write (f, (const guint8 *) "\r\n", 2);
            }
          else
            tp_keepalive (tp, SIP_DGRAM_PING, &peer);
          break;
        case SIP_FRAME_PONG:
          flow_on_pong (f);
          break;
        case SIP_FRAME_STUN:
          {
            g_autoptr (GBytes) ans = tp_stun (tp, g_bytes_get_data (frame, NULL),
                                              g_bytes_get_size (frame), &peer);
            if (ans && f->state == FLOW_UP)
              flow_write (f, g_bytes_get_data (ans, NULL), g_bytes_get_size (ans));
            break;
          }
        case SIP_FRAME_ERROR:
        default:
          /* framing.h note 4: nothing after garbage can be found again. */
          tp->stats.malformed++;
          flow_fail (f, SIP_FLOW_FAIL_MALFORMED, SIM_NET_ERR_RESET, END_ABORT);
          break;
        }
    }
}

/* --------------------------------------------------------------- timers */

static void
flow_on_connect_timer (HostTimer *t, gpointer u)
{
  Flow *f = u;
  tp_enter (f->tp);
  SipTransport *tp = f->tp;
  /* Freeing a SYN_SENT socket drops it silently (sim/net/tcp.c note 10). */
  flow_fail (f, SIP_FLOW_FAIL_CONNECT_TIMEOUT, SIM_NET_ERR_TIMED_OUT, END_FREE);
  tp_leave (tp);
}

static void
flow_on_ka_timer (HostTimer *t, gpointer u)
{
  Flow *f = u;
  SipTransport *tp = f->tp;
  tp->stats.pings_sent++;
  host_trace (tp->host, "tp %s ping %u", tp->tag, f->id);
  flow_write (f, (const guint8 *) "\r\n\r\n", 4);   /* note 2 */
  f->ping_out = TRUE;
  host_timer_start (&f->pong_timer, f->params.pong_timeout);
  g_assert (check_invariants (f));
}

static void
flow_on_pong_timer (HostTimer *t, gpointer u)
{
  Flow *f = u;
  SipTransport *tp = f->tp;
  tp_enter (tp);
  flow_fail (f, SIP_FLOW_FAIL_KEEPALIVE, SIM_NET_ERR_TIMED_OUT, END_CLOSE);
  tp_leave (tp);
}

static void
flow_on_hs_timer (HostTimer *t, gpointer u)
{
  Flow *f = u;
  SipTransport *tp = f->tp;
  tp_enter (tp);
  flow_fail (f, SIP_FLOW_FAIL_TLS_TIMEOUT, SIM_NET_ERR_TIMED_OUT, END_CLOSE);
  tp_leave (tp);
}

static void
flow_on_idle_timer (HostTimer *t, gpointer u)
{
  Flow *f = u;
  SipTransport *tp = f->tp;
  tp_enter (tp);
  flow_fail (f, SIP_FLOW_FAIL_IDLE, SIM_NET_ERR_TIMED_OUT, END_CLOSE);
  tp_leave (tp);
}

/* ----------------------------------------------------------- operations */

SimNetError
flow_send (Flow *f, const guint8 *data, gsize len)
{
  switch (f->state)
    {
    case FLOW_CONNECTING:
    case FLOW_HANDSHAKING:
      g_byte_array_append (f->queue, data, (guint) len);
      f->tp->stats.queued_bytes += len;
      return SIM_NET_OK;
    case FLOW_UP:
      return flow_write (f, data, len) ? SIM_NET_OK : SIM_NET_ERR_RESET;
    case FLOW_DOWN:
      break;
    }
  return SIM_NET_ERR_RESET;
}

void
flow_close (Flow *f, SipTransportDrop how, gboolean graceful)
{
  if (f->state == FLOW_DOWN)
    return;
  host_trace (f->tp->host, "tp %s flow %u close %s", f->tp->tag, f->id,
              graceful ? "fin" : how == SIP_TRANSPORT_DROP_SILENT ? "silent" : "reset");
  if (graceful && f->state == FLOW_CONNECTING)
    {
      /* Nothing sent yet but the SYN: dropping it is the close. */
      flow_retire (f, END_FREE);
      return;
    }
  flow_retire (f, graceful ? END_CLOSE : how == SIP_TRANSPORT_DROP_SILENT ? END_FORGET
                                                                        : END_ABORT);
}

void
flow_set_keepalive (Flow *f, SimTime ka_min, SimTime ka_max, SimTime pong_timeout)
{
  f->params.ka_min = ka_min;
  f->params.ka_max = ka_max;
  f->params.pong_timeout = pong_timeout ? pong_timeout : SIP_FLOW_PONG_TIMEOUT_DEFAULT;
  if (f->state != FLOW_UP)
    return;
  if (ka_min == 0)
    {
      /* Off: an outstanding ping no longer matters either. */
      host_timer_cancel (&f->pong_timer);
      f->ping_out = FALSE;
    }
  if (f->ping_out)
    return;
  host_timer_cancel (&f->ka_timer);
  ka_schedule (f);
  g_assert (check_invariants (f));
}
