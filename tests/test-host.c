/*
 * tests/test-host.c - the host seam over the simulator.  The "protocol" code
 * here uses only sim/host/host.h, as device code will.
 */
#include <string.h>
#include "sim/host/host-sim.h"
#include "tests/net-fixture.h"
#include "tests/recording-peer.h"

typedef struct {
  NetFixture f;
  SimHost   *client, *server;
} HostFixture;

static void
hf_init (HostFixture *h, guint64 seed, SimTime latency)
{
  net_fixture_init (&h->f, seed, latency);
  h->client = sim_host_new (h->f.client, NULL);
  h->server = sim_host_new (h->f.server, "registrar");
}

static void
hf_clear (HostFixture *h)
{
  host_free (h->client);
  host_free (h->server);
  net_fixture_clear (&h->f);
}

/* ------------------------------------------------------------- 1-time */

typedef struct { HostTimer t; SimHost *host; SimTime fired_at; int fired; } Alarm;

static void
on_alarm (HostTimer *t, gpointer u)
{
  Alarm *a = u;
  a->fired++;
  a->fired_at = host_now (a->host);
}

static void
test_time_and_timers (void)
{
  HostFixture h;
  hf_init (&h, 1, SIM_MS (1));
  g_assert_cmpstr (host_get_name (h.client), ==, "client");
  g_assert_cmpstr (host_get_name (h.server), ==, "registrar");
  Alarm a = { .host = h.client }, b = { .host = h.client };
  host_timer_init (h.client, &a.t, on_alarm, &a);
  host_timer_init (h.client, &b.t, on_alarm, &b);
  host_timer_start (&a.t, SIM_S (3600));
  host_timer_start (&b.t, SIM_S (10));
  g_assert_true (host_timer_is_pending (&a.t));
  host_timer_cancel (&b.t);
  host_timer_cancel (&b.t);
  sim_world_run_until (h.f.world, SIM_S (1800));
  g_assert_cmpint (host_now (h.client), ==, SIM_S (1800));
  g_assert_cmpint (a.fired, ==, 0);
  sim_world_run_until (h.f.world, SIM_S (7200));
  g_assert_cmpint (a.fired, ==, 1);
  g_assert_cmpint (a.fired_at, ==, SIM_S (3600));
  g_assert_cmpint (b.fired, ==, 0);
  hf_clear (&h);
}

/* -------------------------------------------------------------- 2-udp */

static void
test_udp_echo (void)
{
  const SimTime L = SIM_MS (20);
  HostFixture h;
  hf_init (&h, 1, L);
  RecPeer c, s;
  rec_peer_open_host (&c, h.client, 0);
  rec_peer_open_host (&s, h.server, 5060);
  s.echo = TRUE;

  SimIp4 local;
  g_assert_true (host_get_local_addr (h.client, h.f.server_ip, &local));
  g_assert_cmphex (local, ==, h.f.client_ip);

  SimSockAddr to = { h.f.server_ip, 5060 };
  g_assert_true (host_udp_sendto (c.hsock, &to, "OPTIONS", 7, NULL));
  sim_world_run_until (h.f.world, SIM_S (1));
  SimSockAddr mine;
  host_udp_get_local (c.hsock, &mine);
  g_assert_cmpint (s.n_rx, ==, 1);
  g_assert_cmpint (s.last_rx, ==, 2 * L);
  g_assert_cmphex (s.last_from.ip, ==, h.f.client_ip);
  g_assert_cmpuint (s.last_from.port, ==, mine.port);
  g_assert_cmpint (c.n_rx, ==, 1);
  g_assert_cmpint (c.last_rx, ==, 4 * L);
  g_assert_cmpstr (c.last_data->str, ==, "OPTIONS");
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  hf_clear (&h);
}

static void
test_udp_icmp_error (void)
{
  const SimTime L = SIM_MS (7);
  HostFixture h;
  hf_init (&h, 1, L);
  RecPeer c;
  rec_peer_open_host (&c, h.client, 5060);
  SimSockAddr to = { h.f.server_ip, 5060 };      /* nothing listens there */
  g_assert_true (host_udp_sendto (c.hsock, &to, "REGISTER", 8, NULL));
  sim_world_run_until (h.f.world, SIM_S (1));
  g_assert_cmpint (c.n_err, ==, 1);
  g_assert_cmpint (c.last_err, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmpint (c.last_err_time, ==, 4 * L);
  g_assert_true (sim_sockaddr_equal (&c.last_err_remote, &to));
  rec_peer_clear (&c);
  hf_clear (&h);
}

/* A client transaction written only against the host seam: send, then
 * retransmit after T1, 2T1, 4T1, ... capped at T2, give up at 64 T1
 * (RFC 3261 17.1.2.2, Timers E and F).  Against a silent server with
 * T1 = 500 ms and T2 = 4 s, the request goes out at 0, 0.5, 1.5, 3.5, 7.5,
 * 11.5, 15.5, 19.5, 23.5, 27.5 and 31.5 s (11 times) and times out at 32 s. */
typedef struct {
  SimHost    *host;
  SimHostUdp *sock;
  SimSockAddr to;
  HostTimer   timer_e, timer_f;
  SimTime     interval, t1, t2;
  GArray     *sent_at;
  SimTime     timed_out_at;
} Txn;

static void
txn_send (Txn *t)
{
  SimTime now = host_now (t->host);
  g_array_append_val (t->sent_at, now);
  host_trace (t->host, "REGISTER sent (%u)", t->sent_at->len);
  host_udp_sendto (t->sock, &t->to, "REGISTER", 8, NULL);
}

static void
txn_timer_e (HostTimer *timer, gpointer u)
{
  Txn *t = u;
  txn_send (t);
  t->interval = MIN (2 * t->interval, t->t2);
  host_timer_start (&t->timer_e, t->interval);
}

static void
txn_timer_f (HostTimer *timer, gpointer u)
{
  Txn *t = u;
  host_timer_cancel (&t->timer_e);
  t->timed_out_at = host_now (t->host);
  host_trace (t->host, "transaction timed out");
}

static void
test_retransmit_schedule_through_seam (void)
{
  HostFixture h;
  hf_init (&h, 1, SIM_MS (10));
  sim_link_set_up (h.f.link1, FALSE);           /* the server is unreachable */
  Txn t = { .host = h.client, .t1 = SIM_MS (500), .t2 = SIM_S (4) };
  t.sent_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  t.to = (SimSockAddr) { h.f.server_ip, 5060 };
  t.sock = host_udp_open (h.client, NULL, NULL, NULL, NULL, NULL);
  host_timer_init (h.client, &t.timer_e, txn_timer_e, &t);
  host_timer_init (h.client, &t.timer_f, txn_timer_f, &t);
  txn_send (&t);
  t.interval = t.t1;
  host_timer_start (&t.timer_e, t.interval);
  host_timer_start (&t.timer_f, 64 * t.t1);
  sim_world_run_until (h.f.world, SIM_S (60));

  const double expect_s[] = { 0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 };
  g_assert_cmpuint (t.sent_at->len, ==, G_N_ELEMENTS (expect_s));
  for (guint i = 0; i < t.sent_at->len; i++)
    g_assert_cmpint (g_array_index (t.sent_at, SimTime, i), ==, sim_time_from_s (expect_s[i]));
  g_assert_cmpint (t.timed_out_at, ==, SIM_S (32));
  /* All 11 reached the router and died on the cut link. */
  g_assert_cmpuint (sim_link_get_stats (h.f.link1)->dropped_down[0], ==, 11);
  g_array_unref (t.sent_at);
  host_udp_close (t.sock);
  hf_clear (&h);
}

/* ------------------------------------------------------------ 3-rng */

static void
test_rng_streams (void)
{
  guint64 alone[16], crowded[16];
  {
    HostFixture h;
    hf_init (&h, 9, SIM_MS (1));
    SimRng r;
    host_rng_init (h.server, &r, "reg");
    for (int i = 0; i < 16; i++)
      alone[i] = sim_rng_u64 (&r);
    /* The stream is "host/NAME/reg" of the run seed. */
    SimRng direct;
    sim_rng_init (&direct, 9, "host/registrar/reg");
    g_assert_cmpuint (sim_rng_u64 (&direct), ==, alone[0]);
    hf_clear (&h);
  }
  {
    HostFixture h;
    hf_init (&h, 9, SIM_MS (1));
    SimRng other, r;
    host_rng_init (h.client, &other, "reg");      /* same stream name, other host */
    host_rng_init (h.server, &r, "reg");
    for (int i = 0; i < 16; i++)
      {
        (void) sim_rng_u64 (&other);
        crowded[i] = sim_rng_u64 (&r);
      }
    hf_clear (&h);
  }
  g_assert_cmpmem (alone, sizeof alone, crowded, sizeof crowded);
}

/* ----------------------------------------------------------- 4-trace */

static void
collect (SimWorld *w, const char *line, gpointer u)
{
  g_ptr_array_add (u, g_strdup (line));
}

static void
test_trace_lines (void)
{
  HostFixture h;
  hf_init (&h, 1, SIM_MS (1));
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  sim_world_set_trace_func (h.f.world, collect, lines, NULL);
  sim_world_run_until (h.f.world, SIM_MS (1500));
  host_trace (h.server, "binding %s expires in %d s", "sip:1001@example.test", 3600);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (lines->pdata[0], ==,
                   "1.500000000 host:registrar binding sip:1001@example.test expires in 3600 s");
  g_ptr_array_unref (lines);
  hf_clear (&h);
}

/* ------------------------------------------------------------- 5-tcp */

/* A request/response over TCP on the seam, then a close from the client.
 * With one-way delay 2L between the hosts:
 *   0   SYN            client CONNECTED at 4L (SYN-ACK back), sends "REGISTER"
 *   6L  server accepts (final ACK) and receives REGISTER at 6L, answers "200 OK"
 *   8L  client receives "200 OK" and closes (FIN)
 *  10L  server: PEER_CLOSED, closes in turn (FIN)
 *  12L  client: CLOSED (its FIN acknowledged, the server's FIN received)
 *  14L  server: CLOSED (LAST_ACK acknowledged) */
typedef struct {
  SimHost    *host;
  SimHostTcp *sock;
  GString    *rx;
  SimTime     connected_at, rx_at, peer_closed_at, closed_at, accepted_at;
  SimNetError error;
  int         errors;
} TcpEnd;

static void
tcp_end_event (SimHostTcp *sock, HostTcpEvent ev, gpointer u)
{
  TcpEnd *e = u;
  SimTime now = host_now (e->host);
  switch (ev)
    {
    case HOST_TCP_CONNECTED:
      e->connected_at = now;
      g_assert_true (host_tcp_send (sock, "REGISTER", 8, NULL));
      break;
    case HOST_TCP_PEER_CLOSED:
      e->peer_closed_at = now;
      host_tcp_close (sock);
      break;
    case HOST_TCP_CLOSED:
      e->closed_at = now;
      break;
    case HOST_TCP_ERROR:
      e->errors++;
      e->error = host_tcp_get_error (sock);
      e->closed_at = now;
      break;
    }
}

static void
tcp_end_recv (SimHostTcp *sock, const guint8 *data, gsize len, gpointer u)
{
  TcpEnd *e = u;
  e->rx_at = host_now (e->host);
  g_string_append_len (e->rx, (const char *) data, (gssize) len);
  if (g_str_equal (e->rx->str, "REGISTER"))
    g_assert_true (host_tcp_send (sock, "200 OK", 6, NULL));
  else if (g_str_equal (e->rx->str, "200 OK"))
    host_tcp_close (sock);
}

static void
tcp_on_accept (SimHostTcpListener *l, SimHostTcp *sock, gpointer u)
{
  TcpEnd *e = u;
  e->sock = sock;
  e->accepted_at = host_now (e->host);
  host_tcp_set_callbacks (sock, tcp_end_event, tcp_end_recv, e);
}

static void
test_tcp_request_response (void)
{
  const SimTime L = SIM_MS (10);
  HostFixture h;
  hf_init (&h, 1, L);
  TcpEnd c = { .host = h.client, .rx = g_string_new (NULL) };
  TcpEnd s = { .host = h.server, .rx = g_string_new (NULL) };
  SimSockAddr addr = { SIM_IP4_ANY, 5060 }, to = { h.f.server_ip, 5060 };
  g_autoptr (GError) err = NULL;
  SimHostTcpListener *l = host_tcp_listen (h.server, &addr, tcp_on_accept, &s, &err);
  g_assert_no_error (err);
  c.sock = host_tcp_connect (h.client, &to, tcp_end_event, tcp_end_recv, &c, &err);
  g_assert_no_error (err);
  sim_world_run_until (h.f.world, SIM_S (1));

  g_assert_cmpint (c.connected_at, ==, 4 * L);
  g_assert_cmpint (s.accepted_at, ==, 6 * L);
  g_assert_cmpstr (s.rx->str, ==, "REGISTER");
  g_assert_cmpint (s.rx_at, ==, 6 * L);
  g_assert_cmpstr (c.rx->str, ==, "200 OK");
  g_assert_cmpint (c.rx_at, ==, 8 * L);
  g_assert_cmpint (s.peer_closed_at, ==, 10 * L);
  g_assert_cmpint (c.closed_at, ==, 12 * L);
  g_assert_cmpint (s.closed_at, ==, 14 * L);
  g_assert_cmpint (c.errors + s.errors, ==, 0);
  SimSockAddr local, remote;
  host_tcp_get_local (c.sock, &local);
  host_tcp_get_remote (s.sock, &remote);
  g_assert_true (sim_sockaddr_equal (&local, &remote));
  g_assert_cmphex (local.ip, ==, h.f.client_ip);

  host_tcp_free (c.sock);
  host_tcp_free (s.sock);
  host_tcp_listener_close (l);
  g_string_free (c.rx, TRUE);
  g_string_free (s.rx, TRUE);
  hf_clear (&h);
}

/* No listener: the SYN is answered by RST, a round trip later. */
static void
test_tcp_refused (void)
{
  const SimTime L = SIM_MS (10);
  HostFixture h;
  hf_init (&h, 1, L);
  TcpEnd c = { .host = h.client, .rx = g_string_new (NULL) };
  SimSockAddr to = { h.f.server_ip, 5061 };
  c.sock = host_tcp_connect (h.client, &to, tcp_end_event, tcp_end_recv, &c, NULL);
  sim_world_run_until (h.f.world, SIM_S (1));
  g_assert_cmpint (c.errors, ==, 1);
  g_assert_cmpint (c.error, ==, SIM_NET_ERR_REFUSED);
  g_assert_cmpint (c.closed_at, ==, 4 * L);
  host_tcp_free (c.sock);
  g_string_free (c.rx, TRUE);
  hf_clear (&h);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host/1-time/now-and-timers", test_time_and_timers);
  g_test_add_func ("/host/2-udp/echo", test_udp_echo);
  g_test_add_func ("/host/2-udp/icmp-error", test_udp_icmp_error);
  g_test_add_func ("/host/2-udp/retransmit-schedule", test_retransmit_schedule_through_seam);
  g_test_add_func ("/host/3-rng/streams", test_rng_streams);
  g_test_add_func ("/host/4-trace/lines", test_trace_lines);
  g_test_add_func ("/host/5-tcp/request-response", test_tcp_request_response);
  g_test_add_func ("/host/5-tcp/refused", test_tcp_refused);
  return g_test_run ();
}
