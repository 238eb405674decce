/*
 * tests/test-net-tcp.c - the TCP model (sim/net/tcp.c) over the fixture
 *
 *   client 10.0.1.2 ──link0── router ──link1── 10.0.2.2 server
 *
 * with L = 10 ms one way per link, so a segment takes 2L end to end and a
 * round trip 4L.  Every expected time below is derived from the rules (the
 * link delays, RFC 793's handshake, RFC 6298's timer, the configured retry
 * counts), never read back from the code; each test states its derivation.
 *
 * Families, numbered as SQLite's tests are:
 *   1-connect  handshake, refusal, SYN retries, ICMP, half-open, MSS
 *   2-data     ordered reliable delivery, with and without loss
 *   3-close    FIN exchange, TIME_WAIT, data after close
 *   4-abort    RST on abort and free; the forgotten connection
 *   5-timeout  data retransmission schedule and giving up, soft errors
 *   6-ports    bind conflicts, ephemeral ports, errors
 *   7-callback callbacks that free or close what called them (run under ASan)
 *   8-determinism
 *   9-rfc      RST window check, challenge ACK, simultaneous open
 */
#include <string.h>
#include "tests/net-fixture.h"
#include "sim/net/packet.h"

#define L       SIM_MS (10)
#define PORT    5060

/* ---------------------------------------------------------------- peers */

enum {
  FREE_ON_CONNECTED   = 1 << 0,
  FREE_ON_PEER_CLOSED = 1 << 1,
  FREE_ON_ERROR       = 1 << 2,
  FREE_ON_CLOSED      = 1 << 3,
  FREE_ON_RECV        = 1 << 4,
  FREE_IN_ACCEPT      = 1 << 5,
  ABORT_ON_RECV       = 1 << 6,
  CLOSE_LISTENER_IN_ACCEPT = 1 << 7,
};

/* One end of a connection, recording what its callbacks saw and when. */
typedef struct {
  SimWorld       *world;
  SimTcpSocket   *sock;
  SimTcpListener *listener;
  guint           n_accepted, n_connected, n_peer_closed, n_closed, n_error, n_recv;
  SimTime         accepted_at, connected_at, peer_closed_at, closed_at, error_at, last_rx_at;
  SimNetError     error;
  GByteArray     *rx;
  gsize           rx_at_peer_closed;   /* bytes received before PEER_CLOSED */
  /* behaviour */
  guint           actions;             /* FREE_ON_* */
  gboolean        close_on_peer_closed;
  gboolean        echo;
  const guint8   *send_on_connect;     /* sent from the CONNECTED callback */
  gsize           send_on_connect_len;
  gboolean        close_after_send;
  const guint8   *send_on_peer_closed;
  gsize           send_on_peer_closed_len;
} Peer;

static void
peer_init (Peer *p, SimWorld *world)
{
  memset (p, 0, sizeof *p);
  p->world = world;
  p->rx = g_byte_array_new ();
  p->accepted_at = p->connected_at = p->peer_closed_at = p->closed_at = p->error_at = -1;
  p->last_rx_at = -1;
}

static void
peer_clear (Peer *p)
{
  sim_tcp_free (p->sock);
  p->sock = NULL;
  sim_tcp_listener_close (p->listener);
  p->listener = NULL;
  g_byte_array_unref (p->rx);
}

static void
peer_free_sock (Peer *p, SimTcpSocket *sock)
{
  g_assert_true (p->sock == sock);
  sim_tcp_free (sock);
  p->sock = NULL;
}

static void
peer_event (SimTcpSocket *sock, SimTcpEvent ev, gpointer data)
{
  Peer *p = data;
  SimTime now = sim_world_now (p->world);
  g_assert_true (p->sock == sock);
  switch (ev)
    {
    case SIM_TCP_EV_CONNECTED:
      p->n_connected++;
      p->connected_at = now;
      if (p->send_on_connect)
        g_assert_true (sim_tcp_send (sock, p->send_on_connect, p->send_on_connect_len, NULL));
      if (p->close_after_send)
        sim_tcp_close (sock);
      if (p->actions & FREE_ON_CONNECTED)
        peer_free_sock (p, sock);
      break;
    case SIM_TCP_EV_PEER_CLOSED:
      p->n_peer_closed++;
      p->peer_closed_at = now;
      p->rx_at_peer_closed = p->rx->len;
      if (p->send_on_peer_closed)
        g_assert_true (sim_tcp_send (sock, p->send_on_peer_closed, p->send_on_peer_closed_len, NULL));
      if (p->close_on_peer_closed)
        sim_tcp_close (sock);
      if (p->actions & FREE_ON_PEER_CLOSED)
        peer_free_sock (p, sock);
      break;
    case SIM_TCP_EV_ERROR:
      p->n_error++;
      p->error_at = now;
      p->error = sim_tcp_get_error (sock);
      if (p->actions & FREE_ON_ERROR)
        peer_free_sock (p, sock);
      break;
    case SIM_TCP_EV_CLOSED:
      p->n_closed++;
      p->closed_at = now;
      if (p->actions & FREE_ON_CLOSED)
        peer_free_sock (p, sock);
      break;
    }
}

static void
peer_recv (SimTcpSocket *sock, const guint8 *data, gsize len, gpointer user_data)
{
  Peer *p = user_data;
  g_assert_true (p->sock == sock);
  g_assert_cmpuint (len, >, 0);
  p->n_recv++;
  p->last_rx_at = sim_world_now (p->world);
  g_byte_array_append (p->rx, data, (guint) len);
  if (p->echo)
    g_assert_true (sim_tcp_send (sock, data, len, NULL));
  if (p->actions & ABORT_ON_RECV)
    sim_tcp_abort (sock);
  if (p->actions & FREE_ON_RECV)
    peer_free_sock (p, sock);
}

static void
peer_accept (SimTcpListener *listener, SimTcpSocket *sock, gpointer data)
{
  Peer *p = data;
  g_assert_true (p->listener == listener);
  g_assert_null (p->sock);   /* these tests accept one connection at a time */
  p->n_accepted++;
  p->accepted_at = sim_world_now (p->world);
  p->sock = sock;
  sim_tcp_set_callbacks (sock, peer_event, peer_recv, p);
  if (p->actions & FREE_IN_ACCEPT)
    peer_free_sock (p, sock);
  if (p->actions & CLOSE_LISTENER_IN_ACCEPT)
    {
      sim_tcp_listener_close (listener);
      p->listener = NULL;
    }
}

/* ---------------------------------------------------------------- setup */

typedef struct {
  NetFixture f;
  Peer       client, server;
  SimSockAddr server_addr;
} Ctx;

static void
ctx_init (Ctx *c, guint64 seed)
{
  net_fixture_init (&c->f, seed, L);
  peer_init (&c->client, c->f.world);
  peer_init (&c->server, c->f.world);
  c->server_addr = (SimSockAddr) { c->f.server_ip, PORT };
}

static void
ctx_listen (Ctx *c)
{
  GError *error = NULL;
  SimSockAddr any = { SIM_IP4_ANY, PORT };
  c->server.listener = sim_tcp_listen (c->f.server, &any, peer_accept, &c->server, &error);
  g_assert_no_error (error);
  g_assert_nonnull (c->server.listener);
}

static void
ctx_connect (Ctx *c)
{
  GError *error = NULL;
  c->client.sock = sim_tcp_connect (c->f.client, NULL, &c->server_addr, &error);
  g_assert_no_error (error);
  g_assert_nonnull (c->client.sock);
  sim_tcp_set_callbacks (c->client.sock, peer_event, peer_recv, &c->client);
}

/* Frees the sockets, lets everything in flight land and every timer run
 * out, then frees the net and the world. */
static void
ctx_clear (Ctx *c)
{
  peer_clear (&c->client);
  peer_clear (&c->server);
  g_assert_cmpint (sim_world_run_until (c->f.world, SIM_TIME_MAX), ==, SIM_RUN_EMPTY);
  net_fixture_clear (&c->f);
}

static void
run_to (Ctx *c, SimTime t)
{
  g_assert_cmpint (sim_world_run_until (c->f.world, t), ==, SIM_RUN_DONE);
}

static void
set_config (SimNode *node, void (*edit) (SimTcpConfig *))
{
  SimTcpConfig cfg;
  sim_tcp_config_init_default (&cfg);
  edit (&cfg);
  sim_node_set_tcp_config (node, &cfg);
}

/* ------------------------------------------------------ router hooks */

/* Counts (and times) what crosses the router, by kind. */
typedef struct {
  SimWorld *world;
  SimIp4    from;            /* count packets from this address */
  guint     syn, synack, data, rst, fin;
  GArray   *syn_times, *data_times;
  guint16   max_payload;
  guint32   last_seq_end;    /* seq + len (+SYN/FIN) of the last counted segment */
  guint32   synack_seq;
  /* behaviour */
  guint     drop_synacks;    /* drop this many SYN-ACKs */
  gboolean  icmp_for_syn;    /* answer SYNs with ICMP host unreachable */
  gboolean  icmp_for_data;   /* answer data segments with ICMP host unreachable */
} Tap;

static void
tap_init (Tap *t, SimWorld *world, SimIp4 from)
{
  memset (t, 0, sizeof *t);
  t->world = world;
  t->from = from;
  t->syn_times = g_array_new (FALSE, FALSE, sizeof (SimTime));
  t->data_times = g_array_new (FALSE, FALSE, sizeof (SimTime));
}

static void
tap_clear (Tap *t)
{
  g_array_unref (t->syn_times);
  g_array_unref (t->data_times);
}

static SimHookVerdict
tap_hook (SimNode *node, SimIface *in, SimPacket *pkt, gpointer data)
{
  Tap *t = data;
  SimPacketInfo info;
  g_assert_cmpint (sim_packet_parse (sim_packet_data (pkt), sim_packet_len (pkt), &info), ==,
                   SIM_PACKET_OK);
  if (info.proto != SIM_IPPROTO_TCP || info.src != t->from)
    return SIM_HOOK_ACCEPT;
  SimTime now = sim_world_now (t->world);
  guint8 fl = info.tcp_flags;
  gboolean answer_icmp = FALSE;

  if ((fl & SIM_TCP_SYN) && (fl & SIM_TCP_ACK))
    {
      t->synack++;
      t->synack_seq = info.tcp_seq;
      if (t->drop_synacks > 0)
        {
          t->drop_synacks--;
          return SIM_HOOK_DROP;
        }
    }
  else if (fl & SIM_TCP_SYN)
    {
      t->syn++;
      g_array_append_val (t->syn_times, now);
      answer_icmp = t->icmp_for_syn;
    }
  if (fl & SIM_TCP_RST)
    t->rst++;
  if (fl & SIM_TCP_FIN)
    t->fin++;
  if (info.payload_len > 0)
    {
      t->data++;
      g_array_append_val (t->data_times, now);
      t->max_payload = MAX (t->max_payload, (guint16) info.payload_len);
      answer_icmp = answer_icmp || t->icmp_for_data;
    }
  t->last_seq_end = info.tcp_seq + (guint32) info.payload_len + ((fl & SIM_TCP_SYN) ? 1 : 0)
                    + ((fl & SIM_TCP_FIN) ? 1 : 0);

  if (answer_icmp)
    {
      /* What a router that lost its route to the host would say. */
      SimPacket *icmp = sim_packet_new_icmp_error (sim_iface_get_addr (in), 1, 64,
                                                   SIM_ICMP_DEST_UNREACH, SIM_ICMP_HOST_UNREACH,
                                                   sim_packet_data (pkt), sim_packet_len (pkt));
      sim_packet_free (pkt);
      g_assert_true (sim_node_inject (node, icmp));
      return SIM_HOOK_STOLEN;
    }
  return SIM_HOOK_ACCEPT;
}

/* Trace lines, to see what is not otherwise observable (a half-open
 * connection's silent end). */
typedef struct {
  SimWorld  *world;
  GPtrArray *lines;
  GArray    *times;
} TraceLog;

static void
trace_collect (SimWorld *world, const char *line, gpointer data)
{
  TraceLog *tl = data;
  SimTime now = sim_world_now (world);
  g_ptr_array_add (tl->lines, g_strdup (line));
  g_array_append_val (tl->times, now);
}

static void
trace_log_init (TraceLog *tl, SimWorld *world)
{
  tl->world = world;
  tl->lines = g_ptr_array_new_with_free_func (g_free);
  tl->times = g_array_new (FALSE, FALSE, sizeof (SimTime));
  sim_world_set_trace_func (world, trace_collect, tl, NULL);
}

static void
trace_log_clear (TraceLog *tl)
{
  g_ptr_array_unref (tl->lines);
  g_array_unref (tl->times);
}

/* Time of the first line containing all of @a and @b, or -1. */
static SimTime
trace_find (const TraceLog *tl, const char *a, const char *b)
{
  for (guint i = 0; i < tl->lines->len; i++)
    {
      const char *line = tl->lines->pdata[i];
      if (strstr (line, a) && (b == NULL || strstr (line, b)))
        return g_array_index (tl->times, SimTime, i);
    }
  return -1;
}

/* A deterministic byte pattern that exposes reordering and duplication. */
static guint8 *
make_pattern (gsize len)
{
  guint8 *buf = g_malloc (len);
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) ((i * 2654435761u) >> 13) ^ (guint8) (i >> 8);
  return buf;
}

/* ------------------------------------------------------------ 1-connect */

/* SYN takes 2L to the server, SYN-ACK 2L back: CONNECTED at 4L.  The
 * client's ACK takes 2L more: accept at 6L. */
static void
test_connect_established (void)
{
  Ctx c;
  ctx_init (&c, 1);
  ctx_listen (&c);
  ctx_connect (&c);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "SYN_SENT");
  g_assert_cmpuint (c.client.n_connected, ==, 0);   /* never inside the call */
  run_to (&c, SIM_S (1));

  g_assert_cmpuint (c.client.n_connected, ==, 1);
  g_assert_cmpint (c.client.connected_at, ==, 4 * L);
  g_assert_cmpuint (c.server.n_accepted, ==, 1);
  g_assert_cmpint (c.server.accepted_at, ==, 6 * L);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "ESTABLISHED");
  g_assert_cmpstr (sim_tcp_get_state_name (c.server.sock), ==, "ESTABLISHED");
  g_assert_cmpuint (c.server.n_connected, ==, 0);   /* accept is the passive side's event */

  SimSockAddr cl, cr, sl, sr;
  sim_tcp_get_local (c.client.sock, &cl);
  sim_tcp_get_remote (c.client.sock, &cr);
  sim_tcp_get_local (c.server.sock, &sl);
  sim_tcp_get_remote (c.server.sock, &sr);
  g_assert_true (sim_sockaddr_equal (&cr, &c.server_addr));
  g_assert_true (sim_sockaddr_equal (&sl, &c.server_addr));
  g_assert_true (sim_sockaddr_equal (&sr, &cl));
  g_assert_cmpuint (cl.ip, ==, c.f.client_ip);
  g_assert_cmpuint (cl.port, >=, 32768);
  g_assert_cmpuint (cl.port, <=, 60999);
  g_assert_cmpint (sim_tcp_get_error (c.client.sock), ==, SIM_NET_OK);
  ctx_clear (&c);
}

/* No listener: the server's RST+ACK comes back with the SYN-ACK's timing,
 * REFUSED at 4L. */
static void
test_connect_refused (void)
{
  Ctx c;
  ctx_init (&c, 1);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  g_assert_cmpuint (c.client.n_error, ==, 1);
  g_assert_cmpint (c.client.error_at, ==, 4 * L);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_REFUSED);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "CLOSED");
  g_assert_cmpuint (c.client.n_connected + c.client.n_closed, ==, 0);

  GError *error = NULL;
  g_assert_false (sim_tcp_send (c.client.sock, "x", 1, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  ctx_clear (&c);
}

static void
edit_syn_fast (SimTcpConfig *cfg)
{
  cfg->syn_retries = 2;
  cfg->rto_initial = SIM_MS (500);
}

/* A silent server (link1 down).  Default config: SYN at 0, then after RTOs
 * of 1, 2, 4, 8, 16, 32 s (sent at 1, 3, 7, 15, 31, 63 s); the 7th expiry,
 * 64 s later, gives up: 1+2+4+8+16+32+64 = 127 s.  Each SYN reaches the
 * router L after it is sent.  Custom (syn_retries 2, rto_initial 0.5 s):
 * SYNs at 0, 0.5, 1.5 s, TIMED_OUT at 0.5+1+2 = 3.5 s. */
static void
check_syn_timeout (gboolean custom)
{
  Ctx c;
  Tap tap;
  ctx_init (&c, 1);
  tap_init (&tap, c.f.world, c.f.client_ip);
  sim_node_set_hook (c.f.router, tap_hook, &tap);
  sim_link_set_up (c.f.link1, FALSE);
  if (custom)
    set_config (c.f.client, edit_syn_fast);
  ctx_listen (&c);
  ctx_connect (&c);

  static const double sent_default[] = { 0, 1, 3, 7, 15, 31, 63 };
  static const double sent_custom[] = { 0, 0.5, 1.5 };
  const double *sent = custom ? sent_custom : sent_default;
  guint n = custom ? G_N_ELEMENTS (sent_custom) : G_N_ELEMENTS (sent_default);
  SimTime expect = custom ? SIM_MS (3500) : SIM_S (127);

  run_to (&c, expect - 1);
  g_assert_cmpuint (c.client.n_error, ==, 0);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "SYN_SENT");
  run_to (&c, expect + SIM_S (300));
  g_assert_cmpuint (c.client.n_error, ==, 1);
  g_assert_cmpint (c.client.error_at, ==, expect);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_TIMED_OUT);
  g_assert_cmpuint (c.client.n_connected, ==, 0);

  g_assert_cmpuint (tap.syn, ==, n);   /* syn_retries + 1 */
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (g_array_index (tap.syn_times, SimTime, i), ==, sim_time_from_s (sent[i]) + L);
  g_assert_cmpuint (c.server.n_accepted, ==, 0);

  sim_node_set_hook (c.f.router, NULL, NULL);
  tap_clear (&tap);
  ctx_clear (&c);
}

static void
test_connect_timeout_default (void)
{
  check_syn_timeout (FALSE);
}

static void
test_connect_timeout_custom (void)
{
  check_syn_timeout (TRUE);
}

/* The router answers the SYN with ICMP host unreachable: Linux fails the
 * connect at once (tcp_v4_err), so HOST_UNREACHABLE when the ICMP is back
 * at the client: SYN L to the router, ICMP L back = 2L. */
static void
test_connect_icmp_unreachable (void)
{
  Ctx c;
  Tap tap;
  ctx_init (&c, 1);
  tap_init (&tap, c.f.world, c.f.client_ip);
  tap.icmp_for_syn = TRUE;
  sim_node_set_hook (c.f.router, tap_hook, &tap);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (200));
  g_assert_cmpuint (c.client.n_error, ==, 1);
  g_assert_cmpint (c.client.error_at, ==, 2 * L);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_HOST_UNREACHABLE);
  g_assert_cmpuint (tap.syn, ==, 1);
  g_assert_cmpuint (sim_node_get_stats (c.f.client)->icmp_received, ==, 1);
  sim_node_set_hook (c.f.router, NULL, NULL);
  tap_clear (&tap);
  ctx_clear (&c);
}

static void
edit_syn_once (SimTcpConfig *cfg)
{
  cfg->syn_retries = 0;
}

/* Every SYN-ACK of the server is lost (link1 server->router loss 1).  The
 * client sends one SYN (syn_retries 0) and gives up after one RTO, at 1 s.
 * The server got that SYN at 2L and, with syn_retries 2, sends SYN-ACKs at
 * 2L, 2L+1 s, 2L+3 s, then drops the half-open connection silently at the
 * third expiry, 2L + 1 + 2 + 4 s = 2L + 7 s.  Never accepted. */
static void
test_connect_half_open_dropped (void)
{
  Ctx c;
  TraceLog tl;
  ctx_init (&c, 1);
  trace_log_init (&tl, c.f.world);
  set_config (c.f.client, edit_syn_once);
  SimTcpConfig cfg;
  sim_tcp_config_init_default (&cfg);
  cfg.syn_retries = 2;
  sim_node_set_tcp_config (c.f.server, &cfg);
  sim_link_set_loss (c.f.link1, 1, 1.0);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (100));

  g_assert_cmpuint (c.client.n_error, ==, 1);
  g_assert_cmpint (c.client.error_at, ==, SIM_S (1));
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_TIMED_OUT);
  g_assert_cmpuint (sim_link_get_stats (c.f.link1)->sent[1], ==, 3);
  g_assert_cmpint (trace_find (&tl, "net:server tcp", "SYN-ACK #1"), ==, 2 * L + SIM_S (1));
  g_assert_cmpint (trace_find (&tl, "net:server tcp", "SYN-ACK #2"), ==, 2 * L + SIM_S (3));
  g_assert_cmpint (trace_find (&tl, "net:server tcp", "SYN_RCVD -> CLOSED"), ==, 2 * L + SIM_S (7));
  g_assert_cmpuint (c.server.n_accepted, ==, 0);
  ctx_clear (&c);
  trace_log_clear (&tl);
}

/* The first SYN-ACK is dropped at the router.  The server's SYN-ACK timer
 * (1 s after 2L) and the client's retransmitted SYN (sent at 1 s, at the
 * server at 1 s + 2L, answered at once) both produce SYN-ACKs at 1 s + 2L:
 * CONNECTED at 1 s + 4L, accept at 1 s + 6L.  Neither side has an RTT
 * sample (Karn), so data starts with RTO 3 s (RFC 6298 5.7): with link1
 * cut at 2 s and data sent at 2 s, the retransmission passes the router
 * at 2 s + 3 s + L. */
static void
test_connect_synack_lost (void)
{
  Ctx c;
  Tap tap;
  ctx_init (&c, 1);
  tap_init (&tap, c.f.world, c.f.server_ip);
  tap.drop_synacks = 1;
  sim_node_set_hook (c.f.router, tap_hook, &tap);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (2));
  g_assert_cmpint (c.client.connected_at, ==, SIM_S (1) + 4 * L);
  g_assert_cmpint (c.server.accepted_at, ==, SIM_S (1) + 6 * L);
  g_assert_cmpuint (tap.synack, ==, 3);

  Tap ctap;
  tap_clear (&tap);
  tap_init (&ctap, c.f.world, c.f.client_ip);
  sim_node_set_hook (c.f.router, tap_hook, &ctap);
  sim_link_set_up (c.f.link1, FALSE);
  g_assert_true (sim_tcp_send (c.client.sock, "abc", 3, NULL));
  run_to (&c, SIM_S (6));
  g_assert_cmpuint (ctap.data, ==, 2);
  g_assert_cmpint (g_array_index (ctap.data_times, SimTime, 0), ==, SIM_S (2) + L);
  g_assert_cmpint (g_array_index (ctap.data_times, SimTime, 1), ==, SIM_S (5) + L);
  sim_node_set_hook (c.f.router, NULL, NULL);
  tap_clear (&ctap);
  sim_link_set_up (c.f.link1, TRUE);
  ctx_clear (&c);
}

static void
edit_mss_500 (SimTcpConfig *cfg)
{
  cfg->mss = 500;
}

/* The server announces MSS 500: the client's segments carry at most 500
 * bytes, 5000 bytes in exactly 10 segments. */
static void
test_connect_mss (void)
{
  Ctx c;
  Tap tap;
  ctx_init (&c, 1);
  set_config (c.f.server, edit_mss_500);
  tap_init (&tap, c.f.world, c.f.client_ip);
  sim_node_set_hook (c.f.router, tap_hook, &tap);
  g_autofree guint8 *buf = make_pattern (5000);
  c.client.send_on_connect = buf;
  c.client.send_on_connect_len = 5000;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  g_assert_cmpuint (c.server.rx->len, ==, 5000);
  g_assert_cmpuint (tap.max_payload, ==, 500);
  g_assert_cmpuint (tap.data, ==, 10);
  sim_node_set_hook (c.f.router, NULL, NULL);
  tap_clear (&tap);
  ctx_clear (&c);
}

/* ---------------------------------------------------------------- 2-data */

/* Echo: "hello" leaves at 4L (CONNECTED), reaches the server at 6L, comes
 * back at 8L. */
static void
test_data_echo (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.server.echo = TRUE;
  c.client.send_on_connect = (const guint8 *) "hello";
  c.client.send_on_connect_len = 5;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  g_assert_cmpuint (c.server.rx->len, ==, 5);
  g_assert_cmpint (c.server.last_rx_at, ==, 6 * L);
  g_assert_cmpuint (c.client.rx->len, ==, 5);
  g_assert_cmpmem (c.client.rx->data, 5, "hello", 5);
  g_assert_cmpint (c.client.last_rx_at, ==, 8 * L);
  ctx_clear (&c);
}

/* Data queued in SYN_SENT leaves with the handshake's ACK at 4L and
 * arrives, after the accept, at 6L. */
static void
test_data_before_connected (void)
{
  Ctx c;
  ctx_init (&c, 1);
  ctx_listen (&c);
  ctx_connect (&c);
  g_assert_true (sim_tcp_send (c.client.sock, "early", 5, NULL));
  run_to (&c, SIM_S (1));
  g_assert_cmpint (c.server.accepted_at, ==, 6 * L);
  g_assert_cmpint (c.server.last_rx_at, ==, 6 * L);
  g_assert_cmpmem (c.server.rx->data, c.server.rx->len, "early", 5);
  ctx_clear (&c);
}

#define MB (1024 * 1024)

/* Sends @len bytes from the client on CONNECTED; returns when the server
 * has them all (or at @limit).  Returns the time of the last byte. */
static SimTime
transfer (Ctx *c, gsize len, SimTime limit, const guint8 *buf)
{
  c->client.send_on_connect = buf;
  c->client.send_on_connect_len = len;
  ctx_listen (c);
  ctx_connect (c);
  while (c->server.rx->len < len && sim_world_now (c->f.world) < limit)
    run_to (c, sim_world_now (c->f.world) + SIM_MS (100));
  g_assert_cmpuint (c->server.rx->len, ==, len);
  g_assert_cmpmem (c->server.rx->data, len, buf, len);
  return c->server.last_rx_at;
}

/* 1 MiB, no loss.  Without bandwidth limits the window (65535 bytes) is
 * the only brake: the client sends a full window at 4L, and each round
 * trip later the ACKs of one window release the next, so window k
 * (k = 0, 1, ...) arrives at 4L + k*4L + 2L.  1048576 bytes need
 * ceil(1048576 / 65535) = 17 windows: the last byte arrives at
 * 4L + 16*4L + 2L = 70L. */
static void
test_data_1mb_lossless (void)
{
  Ctx c;
  ctx_init (&c, 1);
  g_autofree guint8 *buf = make_pattern (MB);
  SimTime t = transfer (&c, MB, SIM_S (10), buf);
  g_assert_cmpint (t, ==, 70 * L);
  g_assert_cmpuint (sim_link_get_stats (c.f.link0)->lost[0], ==, 0);
  ctx_clear (&c);
}

typedef struct {
  SimTime  done;
  guint64  fingerprint;
  guint64  lost;
} LossyResult;

/* 1 MiB with 5% loss each way on link1; the transfer must complete
 * intact (every loss is recovered by go-back-N from the RTO). */
static LossyResult
lossy_transfer (guint64 seed)
{
  Ctx c;
  LossyResult r;
  ctx_init (&c, seed);
  sim_link_set_loss (c.f.link1, 0, 0.05);
  sim_link_set_loss (c.f.link1, 1, 0.05);
  g_autofree guint8 *buf = make_pattern (MB);
  r.done = transfer (&c, MB, SIM_S (600), buf);
  const SimLinkStats *st = sim_link_get_stats (c.f.link1);
  r.lost = st->lost[0] + st->lost[1];
  sim_tcp_close (c.client.sock);
  c.server.close_on_peer_closed = TRUE;
  run_to (&c, sim_world_now (c.f.world) + SIM_S (200));
  r.fingerprint = sim_world_get_fingerprint (c.f.world);
  ctx_clear (&c);
  return r;
}

static void
test_data_1mb_loss (void)
{
  LossyResult a = lossy_transfer (42);
  LossyResult b = lossy_transfer (42);
  LossyResult d = lossy_transfer (43);
  g_assert_cmpuint (a.lost, >, 0);
  g_assert_cmpint (a.done, >, 70 * L);    /* losses cost RTOs */
  g_assert_cmpint (a.done, ==, b.done);
  g_assert_cmpuint (a.fingerprint, ==, b.fingerprint);
  g_assert_cmpuint (a.lost, ==, b.lost);
  g_assert_cmpuint (a.fingerprint, !=, d.fingerprint);
  g_test_message ("1 MiB at 5%% loss: %.3f s (seed 42, %" G_GUINT64_FORMAT " lost), %.3f s (seed 43)",
                  sim_time_to_s (a.done), a.lost, sim_time_to_s (d.done));
}

/* Both ends send 300 kB at once, with 2% loss: both streams intact. */
static void
test_data_both_ways (void)
{
  Ctx c;
  ctx_init (&c, 7);
  sim_link_set_loss (c.f.link0, 0, 0.02);
  sim_link_set_loss (c.f.link0, 1, 0.02);
  gsize len = 300000;
  g_autofree guint8 *a = make_pattern (len);
  g_autofree guint8 *b = g_malloc (len);
  for (gsize i = 0; i < len; i++)
    b[i] = (guint8) ~a[len - 1 - i];
  c.client.send_on_connect = a;
  c.client.send_on_connect_len = len;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, 6 * L);
  g_assert_nonnull (c.server.sock);
  g_assert_true (sim_tcp_send (c.server.sock, b, len, NULL));
  run_to (&c, SIM_S (120));
  g_assert_cmpuint (c.server.rx->len, ==, len);
  g_assert_cmpmem (c.server.rx->data, len, a, len);
  g_assert_cmpuint (c.client.rx->len, ==, len);
  g_assert_cmpmem (c.client.rx->data, len, b, len);
  ctx_clear (&c);
}

/* --------------------------------------------------------------- 3-close */

/* The client closes at 1 s.  FIN at the server at 1 s + 2L: PEER_CLOSED,
 * ACK, and the server closes (FIN).  Both reach the client at 1 s + 4L:
 * FIN_WAIT_2 then TIME_WAIT, PEER_CLOSED and CLOSED.  The client's ACK of
 * the server's FIN arrives at 1 s + 6L: the server's CLOSED.  TIME_WAIT
 * lasts config.time_wait = 60 s. */
static void
test_close_client_first (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.server.close_on_peer_closed = TRUE;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  sim_tcp_close (c.client.sock);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "FIN_WAIT_1");
  GError *error = NULL;
  g_assert_false (sim_tcp_send (c.client.sock, "x", 1, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  run_to (&c, SIM_S (2));
  g_assert_cmpint (c.server.peer_closed_at, ==, SIM_S (1) + 2 * L);
  g_assert_cmpint (c.client.peer_closed_at, ==, SIM_S (1) + 4 * L);
  g_assert_cmpint (c.client.closed_at, ==, SIM_S (1) + 4 * L);
  g_assert_cmpint (c.server.closed_at, ==, SIM_S (1) + 6 * L);
  g_assert_cmpuint (c.client.n_closed + c.server.n_closed, ==, 2);
  g_assert_cmpuint (c.client.n_error + c.server.n_error, ==, 0);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "TIME_WAIT");
  g_assert_cmpstr (sim_tcp_get_state_name (c.server.sock), ==, "CLOSED");

  run_to (&c, SIM_S (61) + 4 * L - 1);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "TIME_WAIT");
  run_to (&c, SIM_S (61) + 4 * L);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "CLOSED");
  g_assert_cmpuint (c.client.n_closed, ==, 1);
  ctx_clear (&c);
}

/* The mirror image: the server closes at 1 s, so the server sees CLOSED at
 * 1 s + 4L (and sits in TIME_WAIT), the client at 1 s + 6L. */
static void
test_close_server_first (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.client.close_on_peer_closed = TRUE;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  sim_tcp_close (c.server.sock);
  run_to (&c, SIM_S (2));
  g_assert_cmpint (c.client.peer_closed_at, ==, SIM_S (1) + 2 * L);
  g_assert_cmpint (c.server.peer_closed_at, ==, SIM_S (1) + 4 * L);
  g_assert_cmpint (c.server.closed_at, ==, SIM_S (1) + 4 * L);
  g_assert_cmpint (c.client.closed_at, ==, SIM_S (1) + 6 * L);
  g_assert_cmpstr (sim_tcp_get_state_name (c.server.sock), ==, "TIME_WAIT");
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "CLOSED");
  ctx_clear (&c);
}

/* Both close at 1 s: the FINs cross, each end goes FIN_WAIT_1 -> CLOSING at
 * 1 s + 2L and CLOSING -> TIME_WAIT at 1 s + 4L, with CLOSED then. */
static void
test_close_simultaneous (void)
{
  Ctx c;
  ctx_init (&c, 1);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  sim_tcp_close (c.client.sock);
  sim_tcp_close (c.server.sock);
  run_to (&c, SIM_S (1) + 3 * L);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "CLOSING");
  g_assert_cmpstr (sim_tcp_get_state_name (c.server.sock), ==, "CLOSING");
  run_to (&c, SIM_S (2));
  g_assert_cmpint (c.client.peer_closed_at, ==, SIM_S (1) + 2 * L);
  g_assert_cmpint (c.server.peer_closed_at, ==, SIM_S (1) + 2 * L);
  g_assert_cmpint (c.client.closed_at, ==, SIM_S (1) + 4 * L);
  g_assert_cmpint (c.server.closed_at, ==, SIM_S (1) + 4 * L);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "TIME_WAIT");
  g_assert_cmpstr (sim_tcp_get_state_name (c.server.sock), ==, "TIME_WAIT");
  ctx_clear (&c);
}

/* 200 kB sent and close() called in the same callback: the FIN follows
 * the data, so PEER_CLOSED comes after the last byte. */
static void
test_close_after_queued_data (void)
{
  Ctx c;
  ctx_init (&c, 1);
  gsize len = 200000;
  g_autofree guint8 *buf = make_pattern (len);
  c.client.send_on_connect = buf;
  c.client.send_on_connect_len = len;
  c.client.close_after_send = TRUE;
  c.server.close_on_peer_closed = TRUE;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (5));
  g_assert_cmpuint (c.server.rx->len, ==, len);
  g_assert_cmpmem (c.server.rx->data, len, buf, len);
  g_assert_cmpuint (c.server.n_peer_closed, ==, 1);
  g_assert_cmpuint (c.server.rx_at_peer_closed, ==, len);
  g_assert_cmpuint (c.client.n_closed, ==, 1);
  g_assert_cmpuint (c.server.n_closed, ==, 1);
  ctx_clear (&c);
}

/* close() is a full close: the server answers the client's FIN (at 1 s +
 * 2L) with data instead of closing.  The client, in FIN_WAIT_2 by then,
 * answers the data (at 1 s + 4L) with RST and fails with RESET, as Linux
 * does; the server gets the RST at 1 s + 6L. */
static void
test_close_data_after_close_resets (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.server.send_on_peer_closed = (const guint8 *) "late";
  c.server.send_on_peer_closed_len = 4;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  sim_tcp_close (c.client.sock);
  run_to (&c, SIM_S (2));
  g_assert_cmpuint (c.client.rx->len, ==, 0);
  g_assert_cmpuint (c.client.n_error, ==, 1);
  g_assert_cmpint (c.client.error_at, ==, SIM_S (1) + 4 * L);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_RESET);
  g_assert_cmpuint (c.client.n_closed, ==, 0);
  g_assert_cmpuint (c.server.n_error, ==, 1);
  g_assert_cmpint (c.server.error_at, ==, SIM_S (1) + 6 * L);
  g_assert_cmpint (c.server.error, ==, SIM_NET_ERR_RESET);
  ctx_clear (&c);
}

/* close() during SYN_SENT ends the attempt: CLOSED from a zero-delay event,
 * not inside the call.  The server's SYN-ACK then meets a RST and its
 * half-open connection goes; nothing is ever accepted. */
static void
test_close_in_syn_sent (void)
{
  Ctx c;
  Tap tap;
  ctx_init (&c, 1);
  tap_init (&tap, c.f.world, c.f.client_ip);
  sim_node_set_hook (c.f.router, tap_hook, &tap);
  ctx_listen (&c);
  ctx_connect (&c);
  sim_tcp_close (c.client.sock);
  g_assert_cmpuint (c.client.n_closed, ==, 0);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "CLOSED");
  run_to (&c, SIM_S (10));
  g_assert_cmpuint (c.client.n_closed, ==, 1);
  g_assert_cmpint (c.client.closed_at, ==, 0);
  g_assert_cmpuint (c.client.n_error, ==, 0);
  g_assert_cmpuint (c.server.n_accepted, ==, 0);
  g_assert_cmpuint (tap.syn, ==, 1);
  g_assert_cmpuint (tap.rst, ==, 1);
  sim_node_set_hook (c.f.router, NULL, NULL);
  tap_clear (&tap);
  ctx_clear (&c);
}

/* --------------------------------------------------------------- 4-abort */

/* Abort at 1 s: RST reaches the server at 1 s + 2L (RESET); the aborting
 * side hears nothing. */
static void
test_abort_peer_gets_reset (void)
{
  Ctx c;
  ctx_init (&c, 1);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  sim_tcp_abort (c.client.sock);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "CLOSED");
  run_to (&c, SIM_S (2));
  g_assert_cmpuint (c.server.n_error, ==, 1);
  g_assert_cmpint (c.server.error_at, ==, SIM_S (1) + 2 * L);
  g_assert_cmpint (c.server.error, ==, SIM_NET_ERR_RESET);
  g_assert_cmpuint (c.client.n_error + c.client.n_closed, ==, 0);
  g_assert_cmpint (sim_tcp_get_error (c.client.sock), ==, SIM_NET_OK);
  g_assert_false (sim_tcp_send (c.client.sock, "x", 1, NULL));
  ctx_clear (&c);
}

/* Freeing an established socket aborts it, as close(2) with unread data
 * does: the server's RESET at 1 s + 2L. */
static void
test_abort_free_sends_rst (void)
{
  Ctx c;
  ctx_init (&c, 1);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  sim_tcp_free (c.client.sock);
  c.client.sock = NULL;
  run_to (&c, SIM_S (2));
  g_assert_cmpint (c.server.error_at, ==, SIM_S (1) + 2 * L);
  g_assert_cmpint (c.server.error, ==, SIM_NET_ERR_RESET);
  ctx_clear (&c);
}

/* The server forgets the connection while link1 is cut (its RST is lost),
 * as a NAT that timed out its binding would.  The link comes back; the
 * client's next data (at 2 s) meets "no connection" at the server
 * (2 s + 2L), whose RST (seq = the data's ACK) reaches the client at
 * 2 s + 4L: RESET. */
static void
test_abort_server_forgot (void)
{
  Ctx c;
  ctx_init (&c, 1);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_MS (500));
  sim_link_set_up (c.f.link1, FALSE);
  run_to (&c, SIM_S (1));
  sim_tcp_abort (c.server.sock);
  run_to (&c, SIM_MS (1500));
  sim_link_set_up (c.f.link1, TRUE);
  run_to (&c, SIM_S (2));
  g_assert_cmpuint (c.client.n_error, ==, 0);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "ESTABLISHED");
  g_assert_true (sim_tcp_send (c.client.sock, "REGISTER", 8, NULL));
  run_to (&c, SIM_S (3));
  g_assert_cmpuint (c.client.n_error, ==, 1);
  g_assert_cmpint (c.client.error_at, ==, SIM_S (2) + 4 * L);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_RESET);
  ctx_clear (&c);
}

/* ------------------------------------------------------------- 5-timeout */

static void
edit_data_short (SimTcpConfig *cfg)
{
  cfg->data_retries = 3;
  cfg->rto_min = SIM_S (1);
  cfg->rto_initial = SIM_S (1);
}

/* data_retries 3, rto_min = rto_initial = 1 s.  The handshake's RTT sample
 * R = 4L = 40 ms gives SRTT 40 ms, RTTVAR 20 ms, RTO = 40 + 4*20 = 120 ms,
 * clamped up to rto_min = 1 s.  link1 is cut at 1 s and 100 bytes are sent
 * then: transmissions at 1, 2, 4, 8 s (RTO 1, 2, 4, 8), the 4th expiry at
 * 16 s gives up with TIMED_OUT (or the soft error, when @icmp makes the
 * router answer every data segment with host unreachable). */
static void
check_data_timeout (gboolean icmp)
{
  Ctx c;
  Tap tap;
  ctx_init (&c, 1);
  set_config (c.f.client, edit_data_short);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  tap_init (&tap, c.f.world, c.f.client_ip);
  tap.icmp_for_data = icmp;
  sim_node_set_hook (c.f.router, tap_hook, &tap);
  if (!icmp)
    sim_link_set_up (c.f.link1, FALSE);
  g_autofree guint8 *buf = make_pattern (100);
  g_assert_true (sim_tcp_send (c.client.sock, buf, 100, NULL));
  run_to (&c, SIM_S (16) - 1);
  g_assert_cmpuint (c.client.n_error, ==, 0);
  run_to (&c, SIM_S (100));
  g_assert_cmpuint (c.client.n_error, ==, 1);
  g_assert_cmpint (c.client.error_at, ==, SIM_S (16));
  g_assert_cmpint (c.client.error, ==, icmp ? SIM_NET_ERR_HOST_UNREACHABLE : SIM_NET_ERR_TIMED_OUT);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "CLOSED");
  g_assert_cmpuint (tap.data, ==, 4);   /* data_retries + 1 */
  static const int at[] = { 1, 2, 4, 8 };
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (g_array_index (tap.data_times, SimTime, i), ==, SIM_S (at[i]) + L);
  g_assert_cmpuint (tap.rst, ==, 0);    /* Linux sends no RST when it gives up */
  sim_node_set_hook (c.f.router, NULL, NULL);
  tap_clear (&tap);
  sim_link_set_up (c.f.link1, TRUE);
  ctx_clear (&c);
}

static void
test_timeout_data (void)
{
  check_data_timeout (FALSE);
}

static void
test_timeout_soft_error (void)
{
  check_data_timeout (TRUE);
}

/* Default config: RTO after the handshake is 40 + 80 = 120 ms, clamped to
 * rto_min = 200 ms; it doubles per expiry: 0.2, 0.4, ... 102.4 s (ten
 * values), then 204.8 -> rto_max 120 s for the remaining six of the 16
 * expiries (15 retransmissions + the last): 0.2 * 1023 + 6 * 120 = 924.6 s
 * (Linux's well-known tcp_retries2 = 15 figure).  Data sent at 1 s. */
static void
test_timeout_data_default (void)
{
  Ctx c;
  Tap tap;
  ctx_init (&c, 1);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  tap_init (&tap, c.f.world, c.f.client_ip);
  sim_node_set_hook (c.f.router, tap_hook, &tap);
  sim_link_set_up (c.f.link1, FALSE);
  g_assert_true (sim_tcp_send (c.client.sock, "x", 1, NULL));
  SimTime expect = SIM_S (1) + SIM_MS (924600);
  run_to (&c, expect - 1);
  g_assert_cmpuint (c.client.n_error, ==, 0);
  run_to (&c, expect + SIM_S (1));
  g_assert_cmpint (c.client.error_at, ==, expect);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_TIMED_OUT);
  g_assert_cmpuint (tap.data, ==, 16);
  /* Retransmissions at 1 + 0.2 * (2^k - 1) s for k = 1..10. */
  for (guint k = 0; k <= 10; k++)
    g_assert_cmpint (g_array_index (tap.data_times, SimTime, k), ==,
                     SIM_S (1) + SIM_MS (200) * ((1 << k) - 1) + L);
  sim_node_set_hook (c.f.router, NULL, NULL);
  tap_clear (&tap);
  sim_link_set_up (c.f.link1, TRUE);
  ctx_clear (&c);
}

/* A short cut heals: the retransmission after the link is back is
 * acknowledged, the retry count resets, the data arrives once. */
static void
test_timeout_recovers (void)
{
  Ctx c;
  ctx_init (&c, 1);
  set_config (c.f.client, edit_data_short);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  sim_link_schedule_cut (c.f.link1, SIM_S (1), SIM_MS (2500));
  g_assert_true (sim_tcp_send (c.client.sock, "abcdef", 6, NULL));
  run_to (&c, SIM_S (30));
  /* Sent at 1, 2 s (lost), 4 s: arrives at 4 s + 2L. */
  g_assert_cmpint (c.server.last_rx_at, ==, SIM_S (4) + 2 * L);
  g_assert_cmpmem (c.server.rx->data, c.server.rx->len, "abcdef", 6);
  g_assert_cmpuint (c.client.n_error, ==, 0);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "ESTABLISHED");
  ctx_clear (&c);
}

/* --------------------------------------------------------------- 6-ports */

static void
test_ports_in_use (void)
{
  Ctx c;
  GError *error = NULL;
  ctx_init (&c, 1);
  ctx_listen (&c);

  /* A second listener on the port. */
  SimSockAddr any = { SIM_IP4_ANY, PORT };
  g_assert_null (sim_tcp_listen (c.f.server, &any, peer_accept, &c.server, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_IN_USE);
  g_clear_error (&error);

  /* A connection from the listener's port. */
  SimSockAddr local = { SIM_IP4_ANY, PORT };
  SimSockAddr to_client = { c.f.client_ip, 9 };
  g_assert_null (sim_tcp_connect (c.f.server, &local, &to_client, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_IN_USE);
  g_clear_error (&error);

  /* A connection from another connection's port. */
  SimSockAddr cport = { SIM_IP4_ANY, 40000 };
  c.client.sock = sim_tcp_connect (c.f.client, &cport, &c.server_addr, &error);
  g_assert_no_error (error);
  sim_tcp_set_callbacks (c.client.sock, peer_event, peer_recv, &c.client);
  SimSockAddr other = { c.f.server_ip, 5061 };
  g_assert_null (sim_tcp_connect (c.f.client, &cport, &other, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_IN_USE);
  g_clear_error (&error);
  /* ... and a listener on it. */
  g_assert_null (sim_tcp_listen (c.f.client, &cport, peer_accept, &c.client, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_IN_USE);
  g_clear_error (&error);

  /* UDP's port space is separate. */
  SimUdpSocket *u = sim_udp_open (c.f.client, &cport, &error);
  g_assert_no_error (error);
  sim_udp_close (u);

  run_to (&c, SIM_S (1));
  g_assert_cmpuint (c.client.n_connected, ==, 1);

  /* The connection gone (abort: CLOSED at once), its port is free again. */
  sim_tcp_abort (c.client.sock);
  SimTcpSocket *again = sim_tcp_connect (c.f.client, &cport, &other, &error);
  g_assert_no_error (error);
  sim_tcp_free (again);
  run_to (&c, SIM_S (2));
  g_assert_cmpint (c.server.error, ==, SIM_NET_ERR_RESET);
  peer_free_sock (&c.server, c.server.sock);
  peer_free_sock (&c.client, c.client.sock);

  /* Note 12: a new listener may take a port whose accepted connection
   * is still closing (SO_REUSEADDR); a connect from it still may not. */
  ctx_connect (&c);
  run_to (&c, SIM_S (3));
  sim_tcp_close (c.server.sock);
  run_to (&c, SIM_S (4));
  g_assert_cmpstr (sim_tcp_get_state_name (c.server.sock), ==, "FIN_WAIT_2");
  sim_tcp_listener_close (c.server.listener);
  c.server.listener = NULL;
  c.server.listener = sim_tcp_listen (c.f.server, &any, peer_accept, &c.server, &error);
  g_assert_no_error (error);
  g_assert_null (sim_tcp_connect (c.f.server, &local, &to_client, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_IN_USE);
  g_clear_error (&error);
  ctx_clear (&c);
}

static void
test_ports_errors (void)
{
  Ctx c;
  GError *error = NULL;
  ctx_init (&c, 1);

  SimSockAddr foreign = { SIM_IP4 (192, 0, 2, 1), PORT };
  g_assert_null (sim_tcp_listen (c.f.server, &foreign, peer_accept, &c.server, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_NOT_AVAILABLE);
  g_clear_error (&error);
  g_assert_null (sim_tcp_connect (c.f.client, &foreign, &c.server_addr, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_NOT_AVAILABLE);
  g_clear_error (&error);

  /* A node with no route to the server. */
  SimNode *lonely = sim_node_new (c.f.net, "lonely", NULL);
  sim_node_add_iface (lonely, SIM_IP4 (10, 9, 0, 1), 24);
  g_assert_null (sim_tcp_connect (lonely, NULL, &c.server_addr, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_NO_ROUTE);
  g_clear_error (&error);

  /* Ephemeral ports: in range, distinct, and a tiny range runs out. */
  sim_node_set_port_range (c.f.client, 50000, 50001);
  SimTcpSocket *a = sim_tcp_connect (c.f.client, NULL, &c.server_addr, &error);
  g_assert_no_error (error);
  SimTcpSocket *b = sim_tcp_connect (c.f.client, NULL, &c.server_addr, &error);
  g_assert_no_error (error);
  SimSockAddr la, lb;
  sim_tcp_get_local (a, &la);
  sim_tcp_get_local (b, &lb);
  g_assert_cmpuint (la.port, !=, lb.port);
  g_assert_cmpuint (MIN (la.port, lb.port), ==, 50000);
  g_assert_cmpuint (MAX (la.port, lb.port), ==, 50001);
  g_assert_null (sim_tcp_connect (c.f.client, NULL, &c.server_addr, &error));
  g_assert_error (error, SIM_NET_ERROR, SIM_NET_ERROR_NO_PORTS);
  g_clear_error (&error);
  sim_tcp_free (a);
  sim_tcp_free (b);
  ctx_clear (&c);
}

/* ------------------------------------------------------------ 7-callback */

/* Each case frees (or aborts, or closes the listener) from inside a
 * callback; ASan and the invariant checks watch the aftermath.  The
 * expected outcome for the peer is stated per case. */
static void
test_callback_free_in_connected (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.client.actions = FREE_ON_CONNECTED;
  c.client.send_on_connect = (const guint8 *) "bye";
  c.client.send_on_connect_len = 3;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  g_assert_null (c.client.sock);
  /* ACK, "bye", RST all left at 4L: accepted, data, RESET at 6L. */
  g_assert_cmpint (c.server.accepted_at, ==, 6 * L);
  g_assert_cmpuint (c.server.rx->len, ==, 3);
  g_assert_cmpint (c.server.error_at, ==, 6 * L);
  g_assert_cmpint (c.server.error, ==, SIM_NET_ERR_RESET);
  ctx_clear (&c);
}

static void
test_callback_free_in_recv (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.server.actions = FREE_ON_RECV;
  g_autofree guint8 *buf = make_pattern (20000);
  c.client.send_on_connect = buf;
  c.client.send_on_connect_len = 20000;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  /* The server freed itself on the first segment (1460 bytes) at 6L: RST
   * to the client at 8L; later segments meet reset generation. */
  g_assert_cmpuint (c.server.n_recv, ==, 1);
  g_assert_cmpuint (c.server.rx->len, ==, 1460);
  g_assert_cmpint (c.client.error_at, ==, 8 * L);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_RESET);
  ctx_clear (&c);
}

static void
test_callback_abort_in_recv (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.server.actions = ABORT_ON_RECV;
  g_autofree guint8 *buf = make_pattern (4000);
  c.client.send_on_connect = buf;
  c.client.send_on_connect_len = 4000;
  c.client.close_after_send = TRUE;   /* data and FIN in flight */
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  g_assert_cmpuint (c.server.n_recv, ==, 1);
  g_assert_cmpuint (c.server.n_peer_closed + c.server.n_error + c.server.n_closed, ==, 0);
  g_assert_cmpstr (sim_tcp_get_state_name (c.server.sock), ==, "CLOSED");
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_RESET);
  ctx_clear (&c);
}

static void
test_callback_free_in_peer_closed (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.server.actions = FREE_ON_PEER_CLOSED;
  c.client.send_on_connect = (const guint8 *) "last words";
  c.client.send_on_connect_len = 10;
  c.client.close_after_send = TRUE;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  /* Data and FIN at 6L; the server frees in CLOSE_WAIT: RST, RESET for
   * the client (in FIN_WAIT_2) at 8L. */
  g_assert_null (c.server.sock);
  g_assert_cmpuint (c.server.rx->len, ==, 10);
  g_assert_cmpint (c.client.error_at, ==, 8 * L);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_RESET);
  ctx_clear (&c);
}

static void
test_callback_free_in_error (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.client.actions = FREE_ON_ERROR;
  ctx_connect (&c);   /* no listener: REFUSED */
  run_to (&c, SIM_S (1));
  g_assert_null (c.client.sock);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_REFUSED);
  g_assert_cmpint (c.client.error_at, ==, 4 * L);
  ctx_clear (&c);
}

/* Freed on CLOSED while in TIME_WAIT: the stack finishes TIME_WAIT alone
 * (ctx_clear's run to empty then reaps it). */
static void
test_callback_free_in_closed (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.client.actions = FREE_ON_CLOSED;
  c.server.close_on_peer_closed = TRUE;
  c.server.actions = FREE_ON_CLOSED;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  sim_tcp_close (c.client.sock);
  run_to (&c, SIM_S (2));
  g_assert_null (c.client.sock);
  g_assert_null (c.server.sock);
  g_assert_cmpint (c.client.closed_at, ==, SIM_S (1) + 4 * L);
  g_assert_cmpint (c.server.closed_at, ==, SIM_S (1) + 6 * L);
  ctx_clear (&c);
}

static void
test_callback_free_in_accept (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.server.actions = FREE_IN_ACCEPT;
  c.client.send_on_connect = (const guint8 *) "hi";
  c.client.send_on_connect_len = 2;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  /* Accepted and freed at 6L (RST); "hi" arrives after and gets a reset
   * too; the client's RESET at 8L. */
  g_assert_cmpuint (c.server.n_accepted, ==, 1);
  g_assert_cmpuint (c.server.rx->len, ==, 0);
  g_assert_cmpint (c.client.error_at, ==, 8 * L);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_RESET);
  ctx_clear (&c);
}

static void
test_callback_close_listener_in_accept (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.server.actions = CLOSE_LISTENER_IN_ACCEPT;
  c.server.echo = TRUE;
  c.client.send_on_connect = (const guint8 *) "ping";
  c.client.send_on_connect_len = 4;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  /* The accepted connection outlives its listener. */
  g_assert_null (c.server.listener);
  g_assert_cmpmem (c.client.rx->data, c.client.rx->len, "ping", 4);
  g_assert_cmpint (c.client.last_rx_at, ==, 8 * L);

  /* A second client is refused now. */
  Peer p2;
  peer_init (&p2, c.f.world);
  p2.sock = sim_tcp_connect (c.f.client, NULL, &c.server_addr, NULL);
  sim_tcp_set_callbacks (p2.sock, peer_event, peer_recv, &p2);
  run_to (&c, SIM_S (2));
  g_assert_cmpint (p2.error, ==, SIM_NET_ERR_REFUSED);
  peer_clear (&p2);
  ctx_clear (&c);
}

/* Closing a listener drops its half-open connections; freeing a socket in
 * FIN_WAIT_1 leaves an orphan the stack finishes. */
static void
test_callback_listener_close_half_open (void)
{
  Ctx c;
  ctx_init (&c, 1);
  ctx_listen (&c);
  sim_link_set_loss (c.f.link1, 1, 1.0);   /* SYN-ACKs lost: stays half-open */
  ctx_connect (&c);
  run_to (&c, SIM_MS (500));
  sim_tcp_listener_close (c.server.listener);
  c.server.listener = NULL;
  sim_link_set_loss (c.f.link1, 1, 0.0);
  run_to (&c, SIM_S (5));
  /* The client's SYN at 1 s meets no listener: REFUSED at 1 s + 4L. */
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_REFUSED);
  g_assert_cmpint (c.client.error_at, ==, SIM_S (1) + 4 * L);
  ctx_clear (&c);
}

/* Freed in FIN_WAIT_1 with data unacknowledged: the orphan keeps
 * retransmitting until the peer has everything, then finishes the close. */
static void
test_callback_orphan_finishes (void)
{
  Ctx c;
  ctx_init (&c, 1);
  c.server.close_on_peer_closed = TRUE;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  sim_link_schedule_cut (c.f.link1, SIM_S (1), SIM_S (2));
  gsize len = 100000;
  g_autofree guint8 *buf = make_pattern (len);
  g_assert_true (sim_tcp_send (c.client.sock, buf, len, NULL));
  sim_tcp_close (c.client.sock);
  sim_tcp_free (c.client.sock);
  c.client.sock = NULL;
  run_to (&c, SIM_S (60));
  g_assert_cmpuint (c.server.rx->len, ==, len);
  g_assert_cmpmem (c.server.rx->data, len, buf, len);
  g_assert_cmpuint (c.server.n_peer_closed, ==, 1);
  g_assert_cmpuint (c.server.n_closed, ==, 1);
  g_assert_cmpuint (c.server.n_error, ==, 0);
  ctx_clear (&c);
}

/* A user that frees the net before its sockets: the stack detaches them
 * (CLOSED, timers cancelled), and sim_tcp_free() / sim_tcp_listener_close()
 * then only release memory. */
static void
test_callback_handles_outlive_net (void)
{
  Ctx c;
  ctx_init (&c, 1);
  ctx_listen (&c);
  ctx_connect (&c);
  g_assert_true (sim_tcp_send (c.client.sock, "pending", 7, NULL));
  run_to (&c, 5 * L);                        /* client ESTABLISHED, server half-open */
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "ESTABLISHED");
  g_assert_null (c.server.sock);
  sim_net_free (c.f.net);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "CLOSED");
  g_assert_false (sim_tcp_send (c.client.sock, "x", 1, NULL));
  sim_tcp_close (c.client.sock);
  sim_tcp_abort (c.client.sock);
  peer_clear (&c.client);
  peer_clear (&c.server);
  sim_world_free (c.f.world);
}

/* --------------------------------------------------------- 8-determinism */

static guint64
scenario_fingerprint (guint64 seed, guint64 *lines)
{
  Ctx c;
  ctx_init (&c, seed);
  sim_link_set_loss (c.f.link0, 0, 0.05);
  sim_link_set_loss (c.f.link0, 1, 0.05);
  g_autofree guint8 *buf = make_pattern (100000);
  c.client.send_on_connect = buf;
  c.client.send_on_connect_len = 100000;
  c.client.close_after_send = TRUE;
  c.server.close_on_peer_closed = TRUE;
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (300));
  guint64 fp = sim_world_get_fingerprint (c.f.world);
  *lines = sim_world_get_trace_lines (c.f.world);
  ctx_clear (&c);
  return fp;
}

static void
test_determinism_same_seed (void)
{
  guint64 l1, l2, l3;
  guint64 a = scenario_fingerprint (99, &l1);
  guint64 b = scenario_fingerprint (99, &l2);
  guint64 d = scenario_fingerprint (100, &l3);
  g_assert_cmpuint (a, ==, b);
  g_assert_cmpuint (l1, ==, l2);
  g_assert_cmpuint (a, !=, d);   /* other ISNs, ports, losses */
}

/* ---------------------------------------------------------------- 9-rfc */

/* A forged RST (injected at the router) counts only in the receive window
 * (RFC 793 p. 37): RCV.NXT + 70000 is ignored, RCV.NXT resets. */
static void
test_rfc_rst_window (void)
{
  Ctx c;
  Tap tap;
  ctx_init (&c, 1);
  tap_init (&tap, c.f.world, c.f.server_ip);
  sim_node_set_hook (c.f.router, tap_hook, &tap);
  ctx_listen (&c);
  ctx_connect (&c);
  run_to (&c, SIM_S (1));
  SimSockAddr cl;
  sim_tcp_get_local (c.client.sock, &cl);
  guint32 rcv_nxt = tap.synack_seq + 1;   /* the server sent nothing else */

  SimPacket *bad = sim_packet_new_tcp (&c.server_addr, &cl, 1, 64, rcv_nxt + 70000, 0,
                                       SIM_TCP_RST, 0, 0, NULL, 0);
  g_assert_true (sim_node_inject (c.f.router, bad));
  run_to (&c, SIM_S (2));
  g_assert_cmpuint (c.client.n_error, ==, 0);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "ESTABLISHED");

  SimPacket *good = sim_packet_new_tcp (&c.server_addr, &cl, 2, 64, rcv_nxt, 0,
                                        SIM_TCP_RST, 0, 0, NULL, 0);
  g_assert_true (sim_node_inject (c.f.router, good));
  run_to (&c, SIM_S (3));
  g_assert_cmpuint (c.client.n_error, ==, 1);
  g_assert_cmpint (c.client.error_at, ==, SIM_S (2) + L);
  g_assert_cmpint (c.client.error, ==, SIM_NET_ERR_RESET);
  sim_node_set_hook (c.f.router, NULL, NULL);
  tap_clear (&tap);
  ctx_clear (&c);
}

/* The client vanishes (abort while link0 is cut, so the server keeps an
 * ESTABLISHED connection) and at 2 s connects again from the same port.
 * The server answers the SYN with a challenge ACK (RFC 5961 4) at 2 s +
 * 2L; the client, in SYN_SENT, resets on its unacceptable ACK (2 s + 4L);
 * the server's stale connection gets RESET at 2 s + 6L.  The client's SYN
 * retransmission at 3 s then opens a new connection: CONNECTED at 3 s +
 * 4L, accepted at 3 s + 6L. */
static void
test_rfc_challenge_ack (void)
{
  Ctx c;
  ctx_init (&c, 1);
  ctx_listen (&c);
  SimSockAddr cport = { SIM_IP4_ANY, 41000 };
  c.client.sock = sim_tcp_connect (c.f.client, &cport, &c.server_addr, NULL);
  sim_tcp_set_callbacks (c.client.sock, peer_event, peer_recv, &c.client);
  run_to (&c, SIM_S (1));
  sim_link_set_up (c.f.link0, FALSE);
  sim_tcp_abort (c.client.sock);
  sim_tcp_free (c.client.sock);
  c.client.sock = NULL;
  sim_link_set_up (c.f.link0, TRUE);
  run_to (&c, SIM_S (2));
  g_assert_cmpstr (sim_tcp_get_state_name (c.server.sock), ==, "ESTABLISHED");

  Peer old_server = c.server;     /* the stale accepted connection */
  c.server.sock = NULL;
  peer_init (&c.server, c.f.world);
  c.server.listener = old_server.listener;
  old_server.listener = NULL;
  sim_tcp_set_callbacks (old_server.sock, peer_event, peer_recv, &old_server);

  Peer p2;
  peer_init (&p2, c.f.world);
  p2.sock = sim_tcp_connect (c.f.client, &cport, &c.server_addr, NULL);
  g_assert_nonnull (p2.sock);
  sim_tcp_set_callbacks (p2.sock, peer_event, peer_recv, &p2);
  run_to (&c, SIM_S (5));
  g_assert_cmpint (old_server.error, ==, SIM_NET_ERR_RESET);
  g_assert_cmpint (old_server.error_at, ==, SIM_S (2) + 6 * L);
  g_assert_cmpint (p2.connected_at, ==, SIM_S (3) + 4 * L);
  g_assert_cmpint (c.server.accepted_at, ==, SIM_S (3) + 6 * L);
  g_assert_cmpuint (p2.n_error, ==, 0);
  peer_clear (&old_server);
  peer_clear (&p2);
  ctx_clear (&c);
}

/* Both ends connect to each other at 0 (ports 6000 and 7000): the SYNs
 * cross at 2L (SYN_SENT -> SYN_RCVD, SYN-ACKs out), and each SYN-ACK,
 * arriving at 4L, acknowledges the SYN: both CONNECTED at 4L. */
static void
test_rfc_simultaneous_open (void)
{
  Ctx c;
  ctx_init (&c, 1);
  SimSockAddr a_local = { SIM_IP4_ANY, 6000 }, a_remote = { c.f.server_ip, 7000 };
  SimSockAddr b_local = { SIM_IP4_ANY, 7000 }, b_remote = { c.f.client_ip, 6000 };
  c.client.sock = sim_tcp_connect (c.f.client, &a_local, &a_remote, NULL);
  c.server.sock = sim_tcp_connect (c.f.server, &b_local, &b_remote, NULL);
  sim_tcp_set_callbacks (c.client.sock, peer_event, peer_recv, &c.client);
  sim_tcp_set_callbacks (c.server.sock, peer_event, peer_recv, &c.server);
  c.server.echo = TRUE;
  run_to (&c, 3 * L);
  g_assert_cmpstr (sim_tcp_get_state_name (c.client.sock), ==, "SYN_RCVD");
  run_to (&c, SIM_S (1));
  g_assert_cmpint (c.client.connected_at, ==, 4 * L);
  g_assert_cmpint (c.server.connected_at, ==, 4 * L);
  g_assert_true (sim_tcp_send (c.client.sock, "sim", 3, NULL));
  run_to (&c, SIM_S (2));
  g_assert_cmpmem (c.client.rx->data, c.client.rx->len, "sim", 3);
  ctx_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/net/tcp/1-connect/established", test_connect_established);
  g_test_add_func ("/net/tcp/1-connect/refused", test_connect_refused);
  g_test_add_func ("/net/tcp/1-connect/timeout-default", test_connect_timeout_default);
  g_test_add_func ("/net/tcp/1-connect/timeout-custom", test_connect_timeout_custom);
  g_test_add_func ("/net/tcp/1-connect/icmp-unreachable", test_connect_icmp_unreachable);
  g_test_add_func ("/net/tcp/1-connect/half-open-dropped", test_connect_half_open_dropped);
  g_test_add_func ("/net/tcp/1-connect/synack-lost", test_connect_synack_lost);
  g_test_add_func ("/net/tcp/1-connect/mss", test_connect_mss);
  g_test_add_func ("/net/tcp/2-data/echo", test_data_echo);
  g_test_add_func ("/net/tcp/2-data/before-connected", test_data_before_connected);
  g_test_add_func ("/net/tcp/2-data/1mb-lossless", test_data_1mb_lossless);
  g_test_add_func ("/net/tcp/2-data/1mb-loss", test_data_1mb_loss);
  g_test_add_func ("/net/tcp/2-data/both-ways", test_data_both_ways);
  g_test_add_func ("/net/tcp/3-close/client-first", test_close_client_first);
  g_test_add_func ("/net/tcp/3-close/server-first", test_close_server_first);
  g_test_add_func ("/net/tcp/3-close/simultaneous", test_close_simultaneous);
  g_test_add_func ("/net/tcp/3-close/after-queued-data", test_close_after_queued_data);
  g_test_add_func ("/net/tcp/3-close/data-after-close-resets", test_close_data_after_close_resets);
  g_test_add_func ("/net/tcp/3-close/in-syn-sent", test_close_in_syn_sent);
  g_test_add_func ("/net/tcp/4-abort/peer-gets-reset", test_abort_peer_gets_reset);
  g_test_add_func ("/net/tcp/4-abort/free-sends-rst", test_abort_free_sends_rst);
  g_test_add_func ("/net/tcp/4-abort/server-forgot", test_abort_server_forgot);
  g_test_add_func ("/net/tcp/5-timeout/data", test_timeout_data);
  g_test_add_func ("/net/tcp/5-timeout/soft-error", test_timeout_soft_error);
  g_test_add_func ("/net/tcp/5-timeout/data-default", test_timeout_data_default);
  g_test_add_func ("/net/tcp/5-timeout/recovers", test_timeout_recovers);
  g_test_add_func ("/net/tcp/6-ports/in-use", test_ports_in_use);
  g_test_add_func ("/net/tcp/6-ports/errors", test_ports_errors);
  g_test_add_func ("/net/tcp/7-callback/free-in-connected", test_callback_free_in_connected);
  g_test_add_func ("/net/tcp/7-callback/free-in-recv", test_callback_free_in_recv);
  g_test_add_func ("/net/tcp/7-callback/abort-in-recv", test_callback_abort_in_recv);
  g_test_add_func ("/net/tcp/7-callback/free-in-peer-closed", test_callback_free_in_peer_closed);
  g_test_add_func ("/net/tcp/7-callback/free-in-error", test_callback_free_in_error);
  g_test_add_func ("/net/tcp/7-callback/free-in-closed", test_callback_free_in_closed);
  g_test_add_func ("/net/tcp/7-callback/free-in-accept", test_callback_free_in_accept);
  g_test_add_func ("/net/tcp/7-callback/close-listener-in-accept", test_callback_close_listener_in_accept);
  g_test_add_func ("/net/tcp/7-callback/listener-close-half-open", test_callback_listener_close_half_open);
  g_test_add_func ("/net/tcp/7-callback/orphan-finishes", test_callback_orphan_finishes);
  g_test_add_func ("/net/tcp/7-callback/handles-outlive-net", test_callback_handles_outlive_net);
  g_test_add_func ("/net/tcp/8-determinism/same-seed", test_determinism_same_seed);
  g_test_add_func ("/net/tcp/9-rfc/rst-window", test_rfc_rst_window);
  g_test_add_func ("/net/tcp/9-rfc/challenge-ack", test_rfc_challenge_ack);
  g_test_add_func ("/net/tcp/9-rfc/simultaneous-open", test_rfc_simultaneous_open);
  return g_test_run ();
}
