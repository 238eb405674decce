/*
 * tests/test-sip-transport.c - the SIP transport (models/sip/transport.h)
 * over the fixture
 *
 *   client 10.0.1.2 ──L── router ──L── 10.0.2.2 server      (L = 10 ms)
 *
 * A segment takes 2L end to end, a round trip 4L.  Each side is a
 * SipTransport recording what its owner callbacks saw and when.  Every
 * expected time is derived in the test from the rules: the link delays,
 * TCP's handshake and SYN retry schedule (sim/net/tcp.c note 6: SYNs at
 * 0, 1, 3, 7, ... s, failure at 2^(retries+1) - 1 s), RFC 5626 §4.4.1's
 * pong timeout (10 s) and the configured keep-alive intervals.
 *
 * Families:
 *   1-connect  on-demand connect and queueing, refusal, SYN timeout,
 *              connect timer, accept
 *   2-stream   framing across segments, pings answered, malformed stream
 *   3-ka       CRLF keep-alive schedule, pong timeout, jittered intervals
 *   4-fail     peer close, reset, silent drop, idle timeout, stale flows
 *   5-udp      datagram classification, STUN, ICMP
 *   6-callback owners that close or free from inside callbacks
 *   7-determinism
 */
#include <string.h>
#include <glib/gstdio.h>

#include "sim/host/host-sim.h"
#include "models/sip/builder.h"
#include "models/sip/transport.h"
#include "models/stun/msg.h"
#include "tests/net-fixture.h"
#include "tests/tshark.h"

#define L        SIM_MS (10)
#define ONE_WAY  (2 * L)
#define RTT      (4 * L)
#define PORT     5060

/* ---------------------------------------------------------------- owner */

typedef struct {
  SipTransport *tp;
  SimHost      *host;
  GPtrArray    *msgs;        /* SipMsg * received */
  GArray       *msg_at;      /* SimTime */
  GArray       *events;      /* SipFlowEvent */
  GArray       *event_at;    /* SimTime */
  guint         stun, kas, udp_errors;
  SimNetError   udp_error;
  gboolean      free_on_msg, close_on_msg;
} Owner;

static void
on_msg (SipTransport *tp, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  Owner *o = u;
  SimTime now = host_now (o->host);
  g_ptr_array_add (o->msgs, sip_msg_ref (msg));
  g_array_append_val (o->msg_at, now);
  if (o->close_on_msg)
    sip_transport_flow_close (tp, sip_flow_from_handle (from->flow));
  if (o->free_on_msg)
    {
      sip_transport_free (tp);
      o->tp = NULL;
    }
}

static void
on_stun (SipTransport *tp, const guint8 *d, gsize n, const SipTxnPeer *from, gpointer u)
{
  ((Owner *) u)->stun++;
}

static void
on_ka (SipTransport *tp, SipDgramKind kind, const SipTxnPeer *from, gpointer u)
{
  ((Owner *) u)->kas++;
}

static void
on_flow (SipTransport *tp, const SipFlowEvent *ev, gpointer u)
{
  Owner *o = u;
  SimTime now = host_now (o->host);
  g_array_append_val (o->events, *ev);
  g_array_append_val (o->event_at, now);
}

static void
on_udp_error (SipTransport *tp, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  Owner *o = u;
  o->udp_errors++;
  o->udp_error = err;
}

static void
owner_init (Owner *o, SimNode *node, const char *name, const SipTransportConfig *cfg)
{
  memset (o, 0, sizeof *o);
  o->host = sim_host_new (node, name);
  SipTransportFuncs f = { .message = on_msg, .stun = on_stun, .keepalive = on_ka,
                          .flow = on_flow, .udp_error = on_udp_error };
  o->tp = sip_transport_new (o->host, cfg, &f, o);
  o->msgs = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
  o->msg_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  o->events = g_array_new (FALSE, FALSE, sizeof (SipFlowEvent));
  o->event_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
}

static void
owner_clear (Owner *o)
{
  sip_transport_free (o->tp);
  g_ptr_array_unref (o->msgs);
  g_array_unref (o->msg_at);
  g_array_unref (o->events);
  g_array_unref (o->event_at);
  host_free (o->host);
}

static const SipFlowEvent *
ev_nth (Owner *o, guint i, SimTime *at)
{
  g_assert_cmpuint (o->events->len, >, i);
  if (at)
    *at = g_array_index (o->event_at, SimTime, i);
  return &g_array_index (o->events, SipFlowEvent, i);
}

static char *
branch_of (SipMsg *m)
{
  const SipVia *v = sip_msg_via (m, 0);
  return g_strndup (v->branch.p, v->branch.len);
}

/* A small, well-formed OPTIONS with @body_len body bytes. */
static GBytes *
options_bytes (const char *branch, gsize body_len)
{
  SipBuilder *b = sip_builder_request (SIP_METHOD_OPTIONS, NULL, "sip:10.0.2.2");
  sip_builder_add_via (b, "TCP", "10.0.1.2", 5060, branch, TRUE);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_add (b, "From", "<sip:a@sipsim.test>;tag=1");
  sip_builder_add (b, "To", "<sip:b@sipsim.test>");
  sip_builder_add (b, "Call-ID", "c-%s", branch);
  sip_builder_add (b, "CSeq", "1 OPTIONS");
  if (body_len)
    {
      g_autofree char *body = g_strnfill (body_len, 'x');
      sip_builder_set_body (b, "text/plain", (const guint8 *) body, body_len);
    }
  return sip_builder_finish (b);
}

typedef struct {
  NetFixture f;
  Owner      c, s;
} Fx;

static void
fx_init (Fx *x, gboolean listen)
{
  net_fixture_init (&x->f, 7, L);
  owner_init (&x->c, x->f.client, "client", NULL);
  owner_init (&x->s, x->f.server, "server", NULL);
  g_assert_true (sip_transport_udp_bind (x->s.tp, PORT, NULL));
  if (listen)
    g_assert_true (sip_transport_listen (x->s.tp, SIP_TRANSPORT_TCP, PORT, NULL));
}

static void
fx_clear (Fx *x)
{
  owner_clear (&x->c);
  owner_clear (&x->s);
  net_fixture_clear (&x->f);
}

static SimSockAddr
server_addr (Fx *x)
{
  return (SimSockAddr) { x->f.server_ip, PORT };
}

static SimNetError
send_bytes (Owner *o, const SipTxnPeer *to, GBytes *b)
{
  return sip_transport_send (o->tp, to, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
}

/* ============================================================ 1-connect */

/* A reliable send with no flow opens one and queues: SYN at 0, SYN-ACK
 * back at 4L (client UP), ACK and the queued request leave together, so
 * the server accepts and reads the request at 6L. */
static void
test_connect_on_demand (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimSockAddr srv = server_addr (&x);
  SipTxnPeer to = { .addr = srv, .reliable = TRUE };
  g_autoptr (GBytes) m = options_bytes ("z9hG4bK1", 0);
  g_assert_cmpint (send_bytes (&x.c, &to, m), ==, SIM_NET_OK);
  SipFlowId id = sip_transport_find_flow (x.c.tp, SIP_TRANSPORT_TCP, &srv);
  g_assert_cmpuint (id, !=, 0);
  g_assert_false (sip_transport_flow_is_up (x.c.tp, id));
  /* A second send while connecting joins the queue, in order. */
  g_autoptr (GBytes) m2 = options_bytes ("z9hG4bK2", 0);
  g_assert_cmpint (send_bytes (&x.c, &to, m2), ==, SIM_NET_OK);
  g_assert_cmpuint (sip_transport_flow_count (x.c.tp), ==, 1);
  sim_world_run_until (x.f.world, SIM_S (1));

  SimTime at;
  const SipFlowEvent *ev = ev_nth (&x.c, 0, &at);
  g_assert_cmpint (ev->kind, ==, SIP_FLOW_UP);
  g_assert_false (ev->accepted);
  g_assert_cmpint (at, ==, RTT);
  ev = ev_nth (&x.s, 0, &at);
  g_assert_cmpint (ev->kind, ==, SIP_FLOW_UP);
  g_assert_true (ev->accepted);
  g_assert_cmpint (at, ==, RTT + ONE_WAY);
  g_assert_cmpuint (x.s.msgs->len, ==, 2);
  g_assert_cmpint (g_array_index (x.s.msg_at, SimTime, 0), ==, RTT + ONE_WAY);
  g_autofree char *b0 = branch_of (x.s.msgs->pdata[0]);
  g_autofree char *b1 = branch_of (x.s.msgs->pdata[1]);
  g_assert_cmpstr (b0, ==, "z9hG4bK1");
  g_assert_cmpstr (b1, ==, "z9hG4bK2");
  g_assert_cmpuint (sip_transport_get_stats (x.c.tp)->queued_bytes, ==,
                    g_bytes_get_size (m) + g_bytes_get_size (m2));
  fx_clear (&x);
}

/* No listener: the server's kernel answers the SYN with RST, which is
 * back at 4L: REFUSED, no UP before it. */
static void
test_connect_refused (void)
{
  Fx x;
  fx_init (&x, FALSE);
  SimSockAddr srv = server_addr (&x);
  SipFlowId id = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, NULL, NULL);
  g_assert_cmpuint (id, !=, 0);
  sim_world_run_until (x.f.world, SIM_S (1));
  g_assert_cmpuint (x.c.events->len, ==, 1);
  SimTime at;
  const SipFlowEvent *ev = ev_nth (&x.c, 0, &at);
  g_assert_cmpint (ev->kind, ==, SIP_FLOW_DOWN);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_REFUSED);
  g_assert_cmpint (ev->error, ==, SIM_NET_ERR_REFUSED);
  g_assert_cmpint (at, ==, RTT);
  g_assert_cmpuint (sip_transport_flow_count (x.c.tp), ==, 0);
  /* The id is dead: sending on it is a reset, never a new connection. */
  SipTxnPeer to = { .addr = srv, .reliable = TRUE, .flow = sip_flow_to_handle (id) };
  g_autoptr (GBytes) m = options_bytes ("z9hG4bK1", 0);
  g_assert_cmpint (send_bytes (&x.c, &to, m), ==, SIM_NET_ERR_RESET);
  g_assert_cmpuint (sip_transport_flow_count (x.c.tp), ==, 0);
  fx_clear (&x);
}

/* A dead path: the SYN goes at 0, 1, 3, 7, 15, 31, 63 s and the connect
 * fails at 127 s = 2^7 - 1 (syn_retries 6).  The queued request is
 * dropped with the flow. */
static void
test_connect_timeout_kernel (void)
{
  Fx x;
  fx_init (&x, TRUE);
  sim_link_set_up (x.f.link1, FALSE);
  SimSockAddr srv = server_addr (&x);
  SipTxnPeer to = { .addr = srv, .reliable = TRUE };
  g_autoptr (GBytes) m = options_bytes ("z9hG4bK1", 0);
  g_assert_cmpint (send_bytes (&x.c, &to, m), ==, SIM_NET_OK);
  sim_world_run_until (x.f.world, SIM_S (126));
  g_assert_cmpuint (x.c.events->len, ==, 0);
  sim_world_run_until (x.f.world, SIM_S (200));
  g_assert_cmpuint (x.c.events->len, ==, 1);
  SimTime at;
  const SipFlowEvent *ev = ev_nth (&x.c, 0, &at);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_CONNECT_TIMEOUT);
  g_assert_cmpint (ev->error, ==, SIM_NET_ERR_TIMED_OUT);
  g_assert_cmpint (at, ==, SIM_S (1 + 2 + 4 + 8 + 16 + 32 + 64));
  /* The SYNs that left: one per retry, counted on the cut link. */
  const SimLinkStats *ls = sim_link_get_stats (x.f.link0);
  g_assert_cmpuint (ls->sent[0], ==, 7);
  fx_clear (&x);
}

/* With fewer SYN retries (a phone's kernel tuned down) the failure moves
 * to 2^(n+1) - 1 s; with a connect timer shorter than that, to the timer. */
static void
test_connect_timeout_custom (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimTcpConfig tc;
  sim_tcp_config_init_default (&tc);
  tc.syn_retries = 2;
  sim_node_set_tcp_config (x.f.client, &tc);
  sim_link_set_up (x.f.link1, FALSE);
  SimSockAddr srv = server_addr (&x);
  g_assert_cmpuint (sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, NULL, NULL), !=, 0);
  SipFlowParams p = { .connect_timeout = SIM_S (5) };
  g_assert_cmpuint (sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, &p, NULL), !=, 0);
  sim_world_run_until (x.f.world, SIM_S (60));
  g_assert_cmpuint (x.c.events->len, ==, 2);
  SimTime at0, at1;
  const SipFlowEvent *e0 = ev_nth (&x.c, 0, &at0);
  const SipFlowEvent *e1 = ev_nth (&x.c, 1, &at1);
  g_assert_cmpint (at0, ==, SIM_S (5));                   /* the timer */
  g_assert_cmpint (e0->flow, ==, 2);
  g_assert_cmpint (e0->failure, ==, SIP_FLOW_FAIL_CONNECT_TIMEOUT);
  g_assert_cmpint (at1, ==, SIM_S (1 + 2 + 4));           /* the kernel */
  g_assert_cmpint (e1->flow, ==, 1);
  g_assert_cmpint (e1->failure, ==, SIP_FLOW_FAIL_CONNECT_TIMEOUT);
  fx_clear (&x);
}

/* A fixed local port (Aastra "Persistent TLS" binds 5061): the flow's
 * local address says so, and the server sees it as the remote port. */
static void
test_connect_local_port (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimSockAddr srv = server_addr (&x);
  SipFlowParams p = { .local_port = 5061 };
  SipFlowId id = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, &p, NULL);
  sim_world_run_until (x.f.world, SIM_S (1));
  SimSockAddr local;
  g_assert_true (sip_transport_flow_addrs (x.c.tp, id, &local, NULL));
  g_assert_cmpuint (local.port, ==, 5061);
  g_assert_cmpuint (ev_nth (&x.s, 0, NULL)->remote.port, ==, 5061);
  /* The port is taken while the flow lives. */
  g_autoptr (GError) err = NULL;
  g_assert_cmpuint (sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, &p, &err), ==, 0);
  g_assert_error (err, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_IN_USE);
  fx_clear (&x);
}

/* ============================================================= 2-stream */

/* A request split over three writes, a ping between two requests, and a
 * body: the server frames each request whole, answers the ping with one
 * CRLF (RFC 5626 §3.5.1), and the client (which sent no ping of its own)
 * counts that CRLF as an unexpected pong. */
static void
test_stream_framing (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimSockAddr srv = server_addr (&x);
  SipFlowId id = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, NULL, NULL);
  SipTxnPeer to = { .addr = srv, .reliable = TRUE, .flow = sip_flow_to_handle (id) };
  g_autoptr (GBytes) m1 = options_bytes ("z9hG4bKa", 100);
  g_autoptr (GBytes) m2 = options_bytes ("z9hG4bKb", 0);
  gsize n1;
  const guint8 *d1 = g_bytes_get_data (m1, &n1);
  sim_world_run_until (x.f.world, SIM_MS (100));
  g_assert_cmpint (sip_transport_send (x.c.tp, &to, d1, 10), ==, SIM_NET_OK);
  sim_world_run_until (x.f.world, SIM_MS (200));
  g_assert_cmpint (sip_transport_send (x.c.tp, &to, d1 + 10, n1 - 20), ==, SIM_NET_OK);
  sim_world_run_until (x.f.world, SIM_MS (300));
  g_assert_cmpuint (x.s.msgs->len, ==, 0);
  g_assert_cmpint (sip_transport_send (x.c.tp, &to, d1 + n1 - 10, 10), ==, SIM_NET_OK);
  g_assert_cmpint (sip_transport_send (x.c.tp, &to, (const guint8 *) "\r\n\r\n", 4), ==,
                   SIM_NET_OK);
  g_assert_cmpint (send_bytes (&x.c, &to, m2), ==, SIM_NET_OK);
  sim_world_run_until (x.f.world, SIM_S (1));
  g_assert_cmpuint (x.s.msgs->len, ==, 2);
  g_assert_cmpint (g_array_index (x.s.msg_at, SimTime, 0), ==, SIM_MS (300) + ONE_WAY);
  g_assert_cmpuint (sip_msg_body (x.s.msgs->pdata[0]).len, ==, 100);
  const SipTransportStats *ss = sip_transport_get_stats (x.s.tp);
  g_assert_cmpuint (ss->pings_answered, ==, 1);
  g_assert_cmpuint (x.c.kas, ==, 1);
  g_assert_cmpuint (sip_transport_get_stats (x.c.tp)->pongs_received, ==, 0);
  fx_clear (&x);
}

/* Garbage on a stream cannot be skipped (framing.h note 4): the server
 * counts it, resets the connection (its RST reaches the client 2L later)
 * and reports MALFORMED; the client sees RESET. */
static void
test_stream_malformed (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimSockAddr srv = server_addr (&x);
  SipFlowId id = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, NULL, NULL);
  SipTxnPeer to = { .addr = srv, .reliable = TRUE, .flow = sip_flow_to_handle (id) };
  sim_world_run_until (x.f.world, SIM_MS (100));
  g_assert_cmpint (sip_transport_send (x.c.tp, &to, (const guint8 *) "\x80\x81garbage", 9), ==,
                   SIM_NET_OK);
  sim_world_run_until (x.f.world, SIM_S (1));
  SimTime at;
  const SipFlowEvent *ev = ev_nth (&x.s, 1, &at);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_MALFORMED);
  g_assert_cmpint (at, ==, SIM_MS (100) + ONE_WAY);
  ev = ev_nth (&x.c, 1, &at);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_RESET);
  g_assert_cmpint (at, ==, SIM_MS (100) + RTT);
  g_assert_cmpuint (sip_transport_get_stats (x.s.tp)->malformed, ==, 1);
  fx_clear (&x);
}

/* ================================================================= 3-ka */

/* Fixed 30 s keep-alives: UP at 4L, then ping k leaves at
 * 4L + k*30 s + (k-1)*4L (the next interval starts when the pong is back,
 * 4L after the ping), and each pong is counted. */
static void
test_ka_schedule (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimSockAddr srv = server_addr (&x);
  SipFlowParams p = { .ka_min = SIM_S (30), .ka_max = SIM_S (30) };
  g_assert_cmpuint (sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, &p, NULL), !=, 0);
  SimTime ping3 = RTT + 3 * SIM_S (30) + 2 * RTT;
  sim_world_run_until (x.f.world, ping3 - 1);
  g_assert_cmpuint (sip_transport_get_stats (x.c.tp)->pings_sent, ==, 2);
  sim_world_run_until (x.f.world, ping3);
  g_assert_cmpuint (sip_transport_get_stats (x.c.tp)->pings_sent, ==, 3);
  sim_world_run_until (x.f.world, ping3 + RTT - 1);
  g_assert_cmpuint (sip_transport_get_stats (x.c.tp)->pongs_received, ==, 2);
  sim_world_run_until (x.f.world, ping3 + RTT);
  g_assert_cmpuint (sip_transport_get_stats (x.c.tp)->pongs_received, ==, 3);
  g_assert_cmpuint (sip_transport_get_stats (x.s.tp)->pings_answered, ==, 3);
  g_assert_cmpuint (x.c.events->len, ==, 1);      /* UP only */
  fx_clear (&x);
}

/* A hung server (deaf: its kernel still ACKs) never pongs: the flow fails
 * with KEEPALIVE exactly pong_timeout after the first ping, 10 s by
 * default (RFC 5626 §4.4.1), and 3 s when set. */
static void
test_ka_pong_timeout (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimSockAddr srv = server_addr (&x);
  SipFlowParams p = { .ka_min = SIM_S (30), .ka_max = SIM_S (30) };
  SipFlowParams p3 = p;
  p3.pong_timeout = SIM_S (3);
  SipFlowId a = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, &p, NULL);
  SipFlowId b = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, &p3, NULL);
  sim_world_run_until (x.f.world, SIM_S (1));
  sip_transport_set_deaf (x.s.tp, TRUE);
  sim_world_run_until (x.f.world, SIM_S (100));
  g_assert_cmpuint (x.c.events->len, ==, 4);
  SimTime at;
  const SipFlowEvent *ev = ev_nth (&x.c, 2, &at);
  g_assert_cmpint (ev->flow, ==, b);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_KEEPALIVE);
  g_assert_cmpint (at, ==, RTT + SIM_S (30) + SIM_S (3));
  ev = ev_nth (&x.c, 3, &at);
  g_assert_cmpint (ev->flow, ==, a);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_KEEPALIVE);
  g_assert_cmpint (at, ==, RTT + SIM_S (30) + SIP_FLOW_PONG_TIMEOUT_DEFAULT);
  g_assert_cmpuint (sip_transport_get_stats (x.s.tp)->dropped_deaf, >=, 2);
  fx_clear (&x);
}

/* RFC 5626 §4.4.1: intervals between 80 % and 100 % of Flow-Timer.  With
 * Flow-Timer 120 s every gap between pings is in [96, 120] s plus the 4L
 * the pong takes, and the draws differ. */
static void
test_ka_jitter (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimSockAddr srv = server_addr (&x);
  SipFlowId id = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, NULL, NULL);
  sim_world_run_until (x.f.world, SIM_S (1));
  sip_transport_flow_set_keepalive (x.c.tp, id, SIM_S (96), SIM_S (120), 0);
  SimTime last = SIM_S (1), min_gap = G_MAXINT64, max_gap = 0;
  guint64 seen = 0;
  while (seen < 20)
    {
      sim_world_run_until (x.f.world, sim_world_now (x.f.world) + SIM_MS (1));
      guint64 n = sip_transport_get_stats (x.c.tp)->pings_sent;
      if (n == seen)
        continue;
      SimTime now = sim_world_now (x.f.world), gap = now - last;
      if (seen > 0)
        gap -= RTT;        /* the interval starts at the pong */
      min_gap = MIN (min_gap, gap);
      max_gap = MAX (max_gap, gap);
      last = now;
      seen = n;
    }
  g_assert_cmpint (min_gap, >=, SIM_S (96));
  g_assert_cmpint (max_gap, <=, SIM_S (120));
  g_assert_cmpint (max_gap - min_gap, >, SIM_S (1));
  fx_clear (&x);
}

/* =============================================================== 4-fail */

/* The server closes its flow (FIN): the client reports PEER_CLOSED when
 * the FIN arrives, 2L later. */
static void
test_fail_peer_close (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimSockAddr srv = server_addr (&x);
  sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, NULL, NULL);
  sim_world_run_until (x.f.world, SIM_S (1));
  sip_transport_flow_close (x.s.tp, ev_nth (&x.s, 0, NULL)->flow);
  sim_world_run_until (x.f.world, SIM_S (2));
  SimTime at;
  const SipFlowEvent *ev = ev_nth (&x.c, 1, &at);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_PEER_CLOSED);
  g_assert_cmpint (at, ==, SIM_S (1) + ONE_WAY);
  g_assert_cmpuint (x.s.events->len, ==, 1);       /* the closer is not told */
  g_assert_cmpuint (sip_transport_flow_count (x.s.tp), ==, 0);
  fx_clear (&x);
}

/* A restart that resets every connection: RESET 2L later.  A silent one
 * (power loss): nothing until the client next sends, then the server's
 * fresh kernel answers with RST, 4L after the send. */
static void
test_fail_drop (void)
{
  for (int silent = 0; silent < 2; silent++)
    {
      Fx x;
      fx_init (&x, TRUE);
      SimSockAddr srv = server_addr (&x);
      SipFlowId id = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, NULL, NULL);
      sim_world_run_until (x.f.world, SIM_S (1));
      sip_transport_drop_flows (x.s.tp, silent ? SIP_TRANSPORT_DROP_SILENT
                                               : SIP_TRANSPORT_DROP_RESET);
      sim_world_run_until (x.f.world, SIM_S (10));
      SimTime at;
      if (!silent)
        {
          const SipFlowEvent *ev = ev_nth (&x.c, 1, &at);
          g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_RESET);
          g_assert_cmpint (at, ==, SIM_S (1) + ONE_WAY);
        }
      else
        {
          g_assert_cmpuint (x.c.events->len, ==, 1);
          g_assert_true (sip_transport_flow_is_up (x.c.tp, id));
          SipTxnPeer to = { .addr = srv, .reliable = TRUE, .flow = sip_flow_to_handle (id) };
          g_autoptr (GBytes) m = options_bytes ("z9hG4bK1", 0);
          g_assert_cmpint (send_bytes (&x.c, &to, m), ==, SIM_NET_OK);
          sim_world_run_until (x.f.world, SIM_S (20));
          const SipFlowEvent *ev = ev_nth (&x.c, 1, &at);
          g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_RESET);
          g_assert_cmpint (at, ==, SIM_S (10) + RTT);
          g_assert_cmpuint (x.s.msgs->len, ==, 0);
        }
      g_assert_cmpuint (x.s.events->len, ==, 1);
      fx_clear (&x);
    }
}

/* idle_timeout: the server closes a flow that has been quiet that long;
 * traffic restarts the clock. */
static void
test_fail_idle (void)
{
  Fx x;
  net_fixture_init (&x.f, 7, L);
  SipTransportConfig sc;
  sip_transport_config_init (&sc);
  sc.idle_timeout = SIM_S (60);
  owner_init (&x.c, x.f.client, "client", NULL);
  owner_init (&x.s, x.f.server, "server", &sc);
  g_assert_true (sip_transport_listen (x.s.tp, SIP_TRANSPORT_TCP, PORT, NULL));
  SimSockAddr srv = server_addr (&x);
  SipFlowId id = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, NULL, NULL);
  sim_world_run_until (x.f.world, SIM_S (30));
  SipTxnPeer to = { .addr = srv, .reliable = TRUE, .flow = sip_flow_to_handle (id) };
  g_autoptr (GBytes) m = options_bytes ("z9hG4bK1", 0);
  send_bytes (&x.c, &to, m);
  sim_world_run_until (x.f.world, SIM_S (200));
  SimTime at;
  const SipFlowEvent *ev = ev_nth (&x.s, 1, &at);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_IDLE);
  g_assert_cmpint (at, ==, SIM_S (30) + ONE_WAY + SIM_S (60));
  ev = ev_nth (&x.c, 1, &at);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_PEER_CLOSED);
  g_assert_cmpint (at, ==, SIM_S (90) + 2 * ONE_WAY);
  fx_clear (&x);
}

/* ================================================================ 5-udp */

static void
test_udp_classify (void)
{
  Fx x;
  SipTransportConfig sc;
  net_fixture_init (&x.f, 7, L);
  sip_transport_config_init (&sc);
  sc.stun_server = TRUE;
  owner_init (&x.c, x.f.client, "client", NULL);
  owner_init (&x.s, x.f.server, "server", &sc);
  g_assert_true (sip_transport_udp_bind (x.s.tp, PORT, NULL));
  g_assert_true (sip_transport_udp_bind (x.c.tp, 0, NULL));
  SipTxnPeer to = { .addr = server_addr (&x) };
  g_autoptr (GBytes) m = options_bytes ("z9hG4bK1", 0);
  g_assert_cmpint (send_bytes (&x.c, &to, m), ==, SIM_NET_OK);
  sip_transport_send (x.c.tp, &to, (const guint8 *) "\r\n\r\n", 4);
  sip_transport_send (x.c.tp, &to, (const guint8 *) "keep-alive\r\n", 12);
  sip_transport_send (x.c.tp, &to, (const guint8 *) "\x80junk", 5);
  const guint8 txid[STUN_TXID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  g_autoptr (GBytes) stun = stun_binding_request_new (txid, NULL, FALSE);
  send_bytes (&x.c, &to, stun);
  sim_world_run_until (x.f.world, SIM_S (1));
  const SipTransportStats *ss = sip_transport_get_stats (x.s.tp);
  g_assert_cmpuint (ss->datagrams, ==, 5);
  g_assert_cmpuint (x.s.msgs->len, ==, 1);
  g_assert_cmpuint (ss->pings_answered, ==, 1);
  g_assert_cmpuint (ss->keepalives, ==, 1);
  g_assert_cmpuint (ss->malformed, ==, 1);
  g_assert_cmpuint (ss->stun_answered, ==, 1);
  /* Back at the client: the pong (keep-alive callback), the STUN answer. */
  g_assert_cmpuint (x.c.kas, ==, 1);
  g_assert_cmpuint (x.c.stun, ==, 1);
  /* ICMP: nobody on the port. */
  SipTxnPeer nowhere = { .addr = { x.f.server_ip, 5999 } };
  send_bytes (&x.c, &nowhere, m);
  sim_world_run_until (x.f.world, SIM_S (2));
  g_assert_cmpuint (x.c.udp_errors, ==, 1);
  g_assert_cmpint (x.c.udp_error, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  fx_clear (&x);
}

/* =========================================================== 6-callback */

static void
test_callback_close_and_free (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimSockAddr srv = server_addr (&x);
  SipTxnPeer to = { .addr = srv, .reliable = TRUE };
  g_autoptr (GBytes) m1 = options_bytes ("z9hG4bK1", 0);
  g_autoptr (GBytes) m2 = options_bytes ("z9hG4bK2", 0);
  /* Two requests in one segment; the owner closes the flow on the first:
   * the second is never delivered. */
  x.s.close_on_msg = TRUE;
  send_bytes (&x.c, &to, m1);
  send_bytes (&x.c, &to, m2);
  sim_world_run_until (x.f.world, SIM_S (1));
  g_assert_cmpuint (x.s.msgs->len, ==, 1);
  g_assert_cmpint (ev_nth (&x.c, 1, NULL)->failure, ==, SIP_FLOW_FAIL_PEER_CLOSED);
  /* Now the owner frees the whole transport inside the callback. */
  x.s.close_on_msg = FALSE;
  x.s.free_on_msg = TRUE;
  send_bytes (&x.c, &to, m1);
  send_bytes (&x.c, &to, m2);
  sim_world_run_until (x.f.world, SIM_S (2));
  g_assert_null (x.s.tp);
  g_assert_cmpuint (x.s.msgs->len, ==, 2);
  fx_clear (&x);
}


/* ================================================================ 8-tls */

static void
fx_init_tls (Fx *x, const SipTransportConfig *ccfg, const SipTransportConfig *scfg)
{
  net_fixture_init (&x->f, 7, L);
  owner_init (&x->c, x->f.client, "client", ccfg);
  owner_init (&x->s, x->f.server, "server", scfg);
  g_assert_true (sip_transport_listen (x->s.tp, SIP_TRANSPORT_TLS, 5061, NULL));
}

/* TLS 1.3 (tls.h note 3): TCP is up at 4L and the ClientHello leaves with
 * the handshake's ACK; the server's flight is back at 8L: the client is UP
 * after 2 round trips.  Its Finished and the queued request reach the
 * server together at 10L (server UP, message delivered).  TLS 1.2 needs
 * one more round trip: client UP at 12L, server UP at 10L, the request
 * (sent when the client is up) at 14L. */
static void
test_tls_round_trips (void)
{
  for (int v12 = 0; v12 < 2; v12++)
    {
      SipTransportConfig cc;
      sip_transport_config_init (&cc);
      cc.tls.server_name = "sipsim.test";
      if (v12)
        cc.tls.max_version = TLS_VERSION_1_2;
      Fx x;
      fx_init_tls (&x, &cc, NULL);
      SimSockAddr srv = { x.f.server_ip, 5061 };
      SipFlowId id = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TLS, &srv, NULL, NULL);
      SipTxnPeer to = { .addr = srv, .reliable = TRUE, .flow = sip_flow_to_handle (id) };
      g_autoptr (GBytes) m = options_bytes ("z9hG4bKt", 0);
      g_assert_cmpint (send_bytes (&x.c, &to, m), ==, SIM_NET_OK);
      sim_world_run_until (x.f.world, SIM_S (1));
      SimTime at;
      const SipFlowEvent *ev = ev_nth (&x.c, 0, &at);
      g_assert_cmpint (ev->kind, ==, SIP_FLOW_UP);
      g_assert_cmpint (ev->proto, ==, SIP_TRANSPORT_TLS);
      g_assert_cmpint (at, ==, v12 ? 3 * RTT : 2 * RTT);
      ev = ev_nth (&x.s, 0, &at);
      g_assert_cmpint (ev->kind, ==, SIP_FLOW_UP);
      g_assert_cmpint (at, ==, 2 * RTT + ONE_WAY);
      g_assert_cmpuint (x.s.msgs->len, ==, 1);
      g_assert_cmpint (g_array_index (x.s.msg_at, SimTime, 0), ==,
                       v12 ? 3 * RTT + ONE_WAY : 2 * RTT + ONE_WAY);
      g_assert_cmpuint (sip_transport_get_stats (x.c.tp)->tls_handshakes, ==, 1);
      /* Pings and pongs ride inside TLS too. */
      sip_transport_flow_set_keepalive (x.c.tp, id, SIM_S (20), SIM_S (20), 0);
      sim_world_run_until (x.f.world, SIM_S (30));
      g_assert_cmpuint (sip_transport_get_stats (x.c.tp)->pongs_received, ==, 1);
      g_assert_cmpuint (x.c.events->len, ==, 1);
      fx_clear (&x);
    }
}

/* An untrusted server certificate: the verifying client fails the flow
 * when the server's flight arrives (8L) and its bad_certificate alert
 * fails the server's at 10L; both say tls-certificate. */
static void
test_tls_bad_certificate (void)
{
  SipTransportConfig sc;
  sip_transport_config_init (&sc);
  sc.tls.cert_trusted = FALSE;
  Fx x;
  fx_init_tls (&x, NULL, &sc);
  SimSockAddr srv = { x.f.server_ip, 5061 };
  sip_transport_connect (x.c.tp, SIP_TRANSPORT_TLS, &srv, NULL, NULL);
  sim_world_run_until (x.f.world, SIM_S (1));
  SimTime at;
  const SipFlowEvent *ev = ev_nth (&x.c, 0, &at);
  g_assert_cmpint (ev->kind, ==, SIP_FLOW_DOWN);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_TLS_CERT);
  g_assert_cmpint (at, ==, 2 * RTT);
  ev = ev_nth (&x.s, 0, &at);
  g_assert_cmpint (ev->kind, ==, SIP_FLOW_DOWN);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_TLS_CERT);
  g_assert_cmpint (at, ==, 2 * RTT + ONE_WAY);
  fx_clear (&x);
}

/* A server whose process hangs (deaf) completes TCP but never answers the
 * ClientHello: the handshake timer (32 s by default) fails the flow 32 s
 * after TCP came up. */
static void
test_tls_handshake_timeout (void)
{
  Fx x;
  fx_init_tls (&x, NULL, NULL);
  sip_transport_set_deaf (x.s.tp, TRUE);
  SimSockAddr srv = { x.f.server_ip, 5061 };
  sip_transport_connect (x.c.tp, SIP_TRANSPORT_TLS, &srv, NULL, NULL);
  sim_world_run_until (x.f.world, SIM_S (60));
  SimTime at;
  const SipFlowEvent *ev = ev_nth (&x.c, 0, &at);
  g_assert_cmpint (ev->failure, ==, SIP_FLOW_FAIL_TLS_TIMEOUT);
  g_assert_cmpint (at, ==, RTT + SIM_S (32));
  fx_clear (&x);
}

/* TLS is on 5061 here, which tshark does not assume. */
static char *
run_tshark (const char *tshark, const char *path, const char *filter, const char *field)
{
  static const char *const tls_port[] = { "-d", "tcp.port==5061,tls", NULL };
  return test_tshark_fields (tshark, path, tls_port, filter, field);
}

#define count_lines test_count_lines

/* TCP and TLS 1.2 and 1.3 flows captured on the client's link: tshark
 * dissects every packet without a malformed one or a bad checksum, and
 * finds the handshakes where the rules put them: two ClientHellos, two
 * ServerHellos, one certificate per handshake, a 1.2 ServerKeyExchange,
 * and SIP over plain TCP. */
static void
test_tls_tshark (void)
{
  const char *tshark = test_tshark_or_skip ();
  if (tshark == NULL)
    return;
  g_autofree char *dir = g_dir_make_tmp ("sipsim-tls-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tls.pcap", NULL);
  Fx x;
  SipTransportConfig cc12;
  sip_transport_config_init (&cc12);
  cc12.tls.max_version = TLS_VERSION_1_2;
  cc12.tls.server_name = "sipsim.test";
  fx_init_tls (&x, NULL, NULL);
  SimPcap *pcap = sim_pcap_open (path, NULL);
  g_assert_nonnull (pcap);
  sim_link_set_pcap (x.f.link0, pcap);
  /* A second client transport speaks 1.2; the first 1.3. */
  Owner c12;
  owner_init (&c12, x.f.client, "client12", &cc12);
  SimSockAddr srv = { x.f.server_ip, 5061 };
  SipFlowId a = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TLS, &srv, NULL, NULL);
  SipFlowId b = sip_transport_connect (c12.tp, SIP_TRANSPORT_TLS, &srv, NULL, NULL);
  g_autoptr (GBytes) m = options_bytes ("z9hG4bKx", 300);
  SipTxnPeer ta = { .addr = srv, .reliable = TRUE, .flow = sip_flow_to_handle (a) };
  SipTxnPeer tb = { .addr = srv, .reliable = TRUE, .flow = sip_flow_to_handle (b) };
  send_bytes (&x.c, &ta, m);
  send_bytes (&c12, &tb, m);
  sim_world_run_until (x.f.world, SIM_S (2));
  g_assert_cmpuint (x.s.msgs->len, ==, 2);
  owner_clear (&c12);
  fx_clear (&x);
  g_assert_true (sim_pcap_close (pcap, NULL));

  g_autofree char *bad = run_tshark (tshark, path,
                                     "_ws.malformed || _ws.expert.severity >= 0x00800000"
                                     " || tcp.checksum.status == 0", "frame.number");
  g_assert_cmpstr (bad, ==, "");
  g_autofree char *ch = run_tshark (tshark, path, "tls.handshake.type == 1", "frame.number");
  g_autofree char *sh = run_tshark (tshark, path, "tls.handshake.type == 2", "frame.number");
  g_autofree char *cert = run_tshark (tshark, path, "tls.handshake.type == 11", "frame.number");
  g_autofree char *ske = run_tshark (tshark, path, "tls.handshake.type == 12", "frame.number");
  g_autofree char *sni = run_tshark (tshark, path, "tls.handshake.extensions_server_name",
                                     "tls.handshake.extensions_server_name");
  g_autofree char *ver = run_tshark (tshark, path, "tls.handshake.type == 2",
                                     "tls.handshake.extensions.supported_version");
  g_assert_cmpuint (count_lines (ch), ==, 2);
  g_assert_cmpuint (count_lines (sh), ==, 2);
  g_assert_cmpuint (count_lines (cert), ==, 1);    /* 1.3's is encrypted */
  g_assert_cmpuint (count_lines (ske), ==, 1);
  g_assert_nonnull (strstr (sni, "sipsim.test"));
  g_assert_nonnull (strstr (ver, "0x0304"));
  g_unlink (path);
  g_rmdir (dir);
}


/* Keep-alives switched off while a ping waits for its pong: the pong
 * timer goes too (no KEEPALIVE failure 10 s later), and no ping follows. */
static void
test_ka_off_while_outstanding (void)
{
  Fx x;
  fx_init (&x, TRUE);
  SimSockAddr srv = server_addr (&x);
  SipFlowParams p = { .ka_min = SIM_S (30), .ka_max = SIM_S (30) };
  SipFlowId id = sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, &p, NULL);
  sim_world_run_until (x.f.world, SIM_S (1));
  sip_transport_set_deaf (x.s.tp, TRUE);
  /* the first ping leaves at RTT + 30 s; switch off 1 s after it */
  sim_world_run_until (x.f.world, RTT + SIM_S (31));
  g_assert_cmpuint (sip_transport_get_stats (x.c.tp)->pings_sent, ==, 1);
  sip_transport_flow_set_keepalive (x.c.tp, id, 0, 0, 0);
  sim_world_run_until (x.f.world, SIM_S (200));
  g_assert_cmpuint (sip_transport_get_stats (x.c.tp)->pings_sent, ==, 1);
  g_assert_true (sip_transport_flow_is_up (x.c.tp, id));
  g_assert_cmpuint (x.c.events->len, ==, 1);          /* UP only */
  fx_clear (&x);
}

static void
free_on_flow (SipTransport *tp, const SipFlowEvent *ev, gpointer u)
{
  Owner *o = u;
  on_flow (tp, ev, u);
  if (ev->kind == SIP_FLOW_DOWN)
    {
      sip_transport_free (tp);
      o->tp = NULL;
    }
}

/* An owner that frees the whole transport from its DOWN report (the
 * second of two flows failing at the same instant is then never
 * reported, and nothing is touched after the free: under ASan). */
static void
test_callback_free_on_down (void)
{
  Fx x;
  net_fixture_init (&x.f, 7, L);
  owner_init (&x.c, x.f.client, "client", NULL);
  owner_init (&x.s, x.f.server, "server", NULL);
  SipTransportFuncs f = { .flow = free_on_flow };
  SipTransportConfig cc;
  sip_transport_config_init (&cc);
  cc.tag = "other";                   /* a stream of its own */
  sip_transport_free (x.c.tp);
  x.c.tp = sip_transport_new (x.c.host, &cc, &f, &x.c);
  SimSockAddr srv = server_addr (&x);         /* nothing listens: both refused */
  sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, NULL, NULL);
  sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, NULL, NULL);
  sim_world_run_until (x.f.world, SIM_S (1));
  g_assert_null (x.c.tp);
  g_assert_cmpuint (x.c.events->len, ==, 1);
  g_assert_cmpint (ev_nth (&x.c, 0, NULL)->failure, ==, SIP_FLOW_FAIL_REFUSED);
  fx_clear (&x);
}

/* ======================================================== 7-determinism */

static void
fp_trace (SimWorld *w, const char *line, gpointer u)
{
  g_checksum_update (u, (const guchar *) line, -1);
}

static char *
run_fingerprint (guint64 seed)
{
  Fx x;
  net_fixture_init (&x.f, seed, L);
  GChecksum *ck = g_checksum_new (G_CHECKSUM_SHA256);
  sim_world_set_trace_func (x.f.world, fp_trace, ck, NULL);
  owner_init (&x.c, x.f.client, "client", NULL);
  owner_init (&x.s, x.f.server, "server", NULL);
  g_assert_true (sip_transport_listen (x.s.tp, SIP_TRANSPORT_TCP, PORT, NULL));
  SimSockAddr srv = server_addr (&x);
  SipFlowParams p = { .ka_min = SIM_S (20), .ka_max = SIM_S (25) };
  sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, &p, NULL);
  sip_transport_connect (x.c.tp, SIP_TRANSPORT_TCP, &srv, &p, NULL);
  sim_world_run_until (x.f.world, SIM_S (300));
  fx_clear (&x);
  char *s = g_strdup (g_checksum_get_string (ck));
  g_checksum_free (ck);
  return s;
}

static void
test_determinism (void)
{
  g_autofree char *a = run_fingerprint (11);
  g_autofree char *b = run_fingerprint (11);
  g_autofree char *c = run_fingerprint (12);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip-transport/1-connect/on-demand", test_connect_on_demand);
  g_test_add_func ("/sip-transport/1-connect/refused", test_connect_refused);
  g_test_add_func ("/sip-transport/1-connect/timeout-kernel", test_connect_timeout_kernel);
  g_test_add_func ("/sip-transport/1-connect/timeout-custom", test_connect_timeout_custom);
  g_test_add_func ("/sip-transport/1-connect/local-port", test_connect_local_port);
  g_test_add_func ("/sip-transport/2-stream/framing", test_stream_framing);
  g_test_add_func ("/sip-transport/2-stream/malformed", test_stream_malformed);
  g_test_add_func ("/sip-transport/3-ka/schedule", test_ka_schedule);
  g_test_add_func ("/sip-transport/3-ka/pong-timeout", test_ka_pong_timeout);
  g_test_add_func ("/sip-transport/3-ka/jitter", test_ka_jitter);
  g_test_add_func ("/sip-transport/4-fail/peer-close", test_fail_peer_close);
  g_test_add_func ("/sip-transport/4-fail/drop", test_fail_drop);
  g_test_add_func ("/sip-transport/4-fail/idle", test_fail_idle);
  g_test_add_func ("/sip-transport/5-udp/classify", test_udp_classify);
  g_test_add_func ("/sip-transport/6-callback/close-and-free", test_callback_close_and_free);
  g_test_add_func ("/sip-transport/3-ka/off-while-outstanding", test_ka_off_while_outstanding);
  g_test_add_func ("/sip-transport/6-callback/free-on-down", test_callback_free_on_down);
  g_test_add_func ("/sip-transport/7-determinism/seed", test_determinism);
  g_test_add_func ("/sip-transport/8-tls/round-trips", test_tls_round_trips);
  g_test_add_func ("/sip-transport/8-tls/bad-certificate", test_tls_bad_certificate);
  g_test_add_func ("/sip-transport/8-tls/handshake-timeout", test_tls_handshake_timeout);
  g_test_add_func ("/sip-transport/8-tls/tshark", test_tls_tshark);
  return g_test_run ();
}
