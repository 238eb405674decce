/*
 * tests/test-net-udp.c - UDP over the simulated network: delivery times,
 * jitter, loss, bandwidth, cuts, corruption, ICMP port unreachable, the
 * middlebox hook, determinism.  Expected times come from the link rules in
 * sim/net/link.c's header and the fixture's topology (net-fixture.h).
 */
#include <math.h>
#include <string.h>
#include "tests/net-fixture.h"
#include "tests/recording-peer.h"

/* Sends datagram number i (payload = 4-byte i + padding) at times[i]. */
typedef struct {
  SimTimer      timer;
  SimUdpSocket *sock;
  SimSockAddr   to;
  const SimTime *times;
  guint         n, next;
  gsize         len;
} Sender;

static void
sender_fire (SimTimer *t, gpointer u)
{
  Sender *s = u;
  guint8 buf[2048] = { 0 };
  guint32 seq = s->next;
  memcpy (buf, &seq, 4);
  g_assert_true (sim_udp_sendto (s->sock, &s->to, buf, MAX (s->len, 4), NULL));
  if (++s->next < s->n)
    sim_timer_start_at (t, s->times[s->next]);
}

static void
sender_start (Sender *s, SimWorld *w, SimUdpSocket *sock, const SimSockAddr *to,
              const SimTime *times, guint n, gsize len)
{
  memset (s, 0, sizeof *s);
  s->sock = sock;
  s->to = *to;
  s->times = times;
  s->n = n;
  s->len = len;
  sim_timer_init (&s->timer, w, sender_fire, s);
  if (n)
    sim_timer_start_at (&s->timer, times[0]);
}

/* ------------------------------------------------------------ 1-delivery */

static void
test_echo_rtt (void)
{
  const SimTime L = SIM_MS (10);
  NetFixture f;
  net_fixture_init (&f, 1, L);
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 5060);
  s.echo = TRUE;
  SimSockAddr to = { f.server_ip, 5060 };
  g_assert_true (sim_udp_sendto (c.sock, &to, "ping-abc", 8, NULL));
  sim_world_run_until (f.world, SIM_S (1));

  /* Two links each way: the server sees it at 2L, the client the echo at 4L. */
  g_assert_cmpuint (s.rx_times->len, ==, 1);
  g_assert_cmpint (g_array_index (s.rx_times, SimTime, 0), ==, 2 * L);
  g_assert_cmphex (s.last_from.ip, ==, f.client_ip);
  g_assert_cmpuint (s.last_from.port, ==, 5060);
  g_assert_cmpuint (c.rx_times->len, ==, 1);
  g_assert_cmpint (g_array_index (c.rx_times, SimTime, 0), ==, 4 * L);
  g_assert_cmpstr (c.last_data->str, ==, "ping-abc");
  g_assert_cmphex (c.last_from.ip, ==, f.server_ip);
  g_assert_cmpuint (sim_node_get_stats (f.router)->forwarded, ==, 2);
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
}

static void
test_bind_errors (void)
{
  NetFixture f;
  net_fixture_init (&f, 1, SIM_MS (1));
  g_autoptr (GError) err = NULL;
  SimUdpSocket *a = sim_udp_open (f.client, NULL, &err);
  g_assert_no_error (err);
  SimSockAddr la;
  sim_udp_get_local (a, &la);
  g_assert_cmpuint (la.port, >=, 32768);     /* Linux ip_local_port_range */
  g_assert_cmpuint (la.port, <=, 60999);

  SimSockAddr fixed = { SIM_IP4_ANY, 5060 };
  SimUdpSocket *b = sim_udp_open (f.client, &fixed, &err);
  g_assert_no_error (err);
  g_assert_null (sim_udp_open (f.client, &fixed, &err));
  g_assert_error (err, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_IN_USE);
  g_clear_error (&err);

  SimSockAddr foreign = { f.server_ip, 5070 };
  g_assert_null (sim_udp_open (f.client, &foreign, &err));
  g_assert_error (err, SIM_NET_ERROR, SIM_NET_ERROR_ADDR_NOT_AVAILABLE);
  g_clear_error (&err);

  static guint8 huge[SIM_UDP_MAX_PAYLOAD + 1];
  SimSockAddr to = { f.server_ip, 5060 };
  g_assert_false (sim_udp_sendto (b, &to, huge, sizeof huge, &err));
  g_assert_error (err, SIM_NET_ERROR, SIM_NET_ERROR_MSG_SIZE);
  g_clear_error (&err);
  g_assert_true (sim_udp_sendto (b, &to, huge, SIM_UDP_MAX_PAYLOAD, &err));
  g_assert_no_error (err);

  /* A node with an interface but no route to the destination. */
  SimNode *lonely = sim_node_new (f.net, "lonely", NULL);
  sim_node_add_iface (lonely, SIM_IP4 (172, 16, 0, 1), 24);
  SimUdpSocket *l = sim_udp_open (lonely, NULL, &err);
  g_assert_false (sim_udp_sendto (l, &to, "x", 1, &err));
  g_assert_error (err, SIM_NET_ERROR, SIM_NET_ERROR_NO_ROUTE);
  g_clear_error (&err);

  /* Duplicate node names are refused. */
  g_assert_null (sim_node_new (f.net, "lonely", &err));
  g_assert_nonnull (err);

  sim_udp_close (a);
  sim_udp_close (b);
  sim_udp_close (l);
  net_fixture_clear (&f);
}

/* A receive callback may close its own socket; the next datagram then gets
 * ICMP port unreachable, as on a real host. */
static void
test_close_in_callback (void)
{
  const SimTime L = SIM_MS (5);
  NetFixture f;
  net_fixture_init (&f, 1, L);
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 5060);
  s.close_on_rx = TRUE;
  SimSockAddr to = { f.server_ip, 5060 };
  SimTime times[] = { 0, SIM_MS (100) };
  Sender snd;
  sender_start (&snd, f.world, c.sock, &to, times, 2, 16);
  sim_world_run_until (f.world, SIM_S (1));
  g_assert_cmpuint (s.rx_times->len, ==, 1);
  g_assert_cmpint (c.n_err, ==, 1);
  g_assert_cmpint (c.last_err_time, ==, SIM_MS (100) + 4 * L);
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
}

/* ------------------------------------------------------------- 2-icmp */

static void
test_port_unreachable (void)
{
  const SimTime L = SIM_MS (15);
  NetFixture f;
  net_fixture_init (&f, 1, L);
  RecPeer c;
  rec_peer_open (&c, f.client, 5060);
  SimSockAddr closed = { f.server_ip, 9999 };
  g_assert_true (sim_udp_sendto (c.sock, &closed, "REGISTER", 8, NULL));
  sim_world_run_until (f.world, SIM_S (1));
  /* The datagram reaches the server at 2L; its ICMP error is back at 4L. */
  g_assert_cmpint (c.n_err, ==, 1);
  g_assert_cmpint (c.last_err, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmphex (c.last_err_remote.ip, ==, f.server_ip);
  g_assert_cmpuint (c.last_err_remote.port, ==, 9999);
  g_assert_cmpint (c.last_err_time, ==, 4 * L);
  g_assert_cmpuint (sim_node_get_stats (f.server)->udp_no_socket, ==, 1);
  g_assert_cmpuint (sim_node_get_stats (f.server)->icmp_sent, ==, 1);
  g_assert_cmpuint (sim_node_get_stats (f.client)->icmp_received, ==, 1);
  g_assert_cmpuint (c.rx_times->len, ==, 0);
  rec_peer_clear (&c);
  net_fixture_clear (&f);
}

/* A socket bound to one address does not take datagrams for the node's
 * other address: the sender gets port unreachable, as from a Linux host. */
static void
test_port_unreachable_other_address (void)
{
  const SimTime L = SIM_MS (4);
  NetFixture f;
  net_fixture_init (&f, 1, L);
  SimIp4 second = SIM_IP4 (10, 0, 3, 2);
  sim_node_add_iface (f.server, second, 24);
  SimSockAddr bound = { second, 5060 };
  SimUdpSocket *only_second = sim_udp_open (f.server, &bound, NULL);
  g_assert_nonnull (only_second);
  RecPeer c;
  rec_peer_open (&c, f.client, 5060);
  SimSockAddr to = { f.server_ip, 5060 };
  g_assert_true (sim_udp_sendto (c.sock, &to, "x", 1, NULL));
  sim_world_run_until (f.world, SIM_S (1));
  g_assert_cmpint (c.n_err, ==, 1);
  g_assert_cmpint (c.last_err, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmpint (c.last_err_time, ==, 4 * L);
  g_assert_cmpuint (sim_node_get_stats (f.server)->udp_no_socket, ==, 1);
  sim_udp_close (only_second);
  rec_peer_clear (&c);
  net_fixture_clear (&f);
}

/* ------------------------------------------------------------- 3-link */

static void
run_jitter (guint64 seed, GArray *arrivals, GArray *order)
{
  const SimTime L = SIM_MS (10), J = SIM_MS (5);
  NetFixture f;
  net_fixture_init (&f, seed, L);
  SimLinkConfig cfg = { .latency = L, .jitter = J };
  sim_link_set_config (f.link0, &cfg);
  sim_link_set_config (f.link1, &cfg);
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 5060);
  enum { N = 1000 };
  SimTime times[N];
  for (int i = 0; i < N; i++)
    times[i] = SIM_MS (1) * i;
  Sender snd;
  SimSockAddr to = { f.server_ip, 5060 };
  sender_start (&snd, f.world, c.sock, &to, times, N, 100);
  sim_world_run_until (f.world, SIM_S (10));
  g_assert_cmpuint (s.rx_times->len, ==, N);
  for (int i = 0; i < N; i++)
    {
      guint32 seq = g_array_index (s.rx_seq, guint32, i);
      SimTime at = g_array_index (s.rx_times, SimTime, i);
      g_array_append_val (arrivals, at);
      g_array_append_val (order, seq);
      /* Each link adds L + U[0, J]; FIFO never delays past the previous
       * packet's bound, so the end-to-end delay is in [2L, 2L + 2J]. */
      g_assert_cmpint (at - times[seq], >=, 2 * L);
      g_assert_cmpint (at - times[seq], <=, 2 * L + 2 * J);
      g_assert_cmpuint (seq, ==, (guint32) i);     /* never reordered */
    }
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
}

static void
test_jitter_bounds_order_reproducible (void)
{
  GArray *a1 = g_array_new (FALSE, FALSE, sizeof (SimTime)), *o1 = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *a2 = g_array_new (FALSE, FALSE, sizeof (SimTime)), *o2 = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *a3 = g_array_new (FALSE, FALSE, sizeof (SimTime)), *o3 = g_array_new (FALSE, FALSE, sizeof (guint32));
  run_jitter (11, a1, o1);
  run_jitter (11, a2, o2);
  run_jitter (12, a3, o3);
  g_assert_cmpmem (a1->data, a1->len * sizeof (SimTime), a2->data, a2->len * sizeof (SimTime));
  g_assert_false (memcmp (a1->data, a3->data, a1->len * sizeof (SimTime)) == 0);
  g_array_unref (a1); g_array_unref (o1);
  g_array_unref (a2); g_array_unref (o2);
  g_array_unref (a3); g_array_unref (o3);
}

static guint
run_loss (guint64 seed, double p, GArray *got)
{
  NetFixture f;
  net_fixture_init (&f, seed, SIM_MS (1));
  SimLinkConfig cfg = { .latency = SIM_MS (1), .loss = p };
  sim_link_set_config (f.link0, &cfg);
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 5060);
  enum { N = 20000 };
  SimTime *times = g_new (SimTime, N);
  for (int i = 0; i < N; i++)
    times[i] = SIM_US (100) * i;
  Sender snd;
  SimSockAddr to = { f.server_ip, 5060 };
  sender_start (&snd, f.world, c.sock, &to, times, N, 20);
  sim_world_run_until (f.world, SIM_S (10));
  const SimLinkStats *st = sim_link_get_stats (f.link0);
  g_assert_cmpuint (st->sent[0], ==, N);
  g_assert_cmpuint (st->lost[0] + st->delivered[0], ==, N);
  g_assert_cmpuint (st->delivered[0], ==, s.rx_seq->len);
  g_array_append_vals (got, s.rx_seq->data, s.rx_seq->len);
  guint n = s.rx_seq->len;
  g_free (times);
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
  return n;
}

static void
test_loss_rate_reproducible (void)
{
  const double p = 0.2;
  const double N = 20000;
  GArray *g1 = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *g2 = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *g3 = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint n1 = run_loss (5, p, g1);
  /* Binomial(N, 1-p): mean N(1-p), sd sqrt(N p (1-p)); 5 sd. */
  double sd = sqrt (N * p * (1 - p));
  g_assert_cmpfloat (fabs (n1 - N * (1 - p)), <, 5 * sd);
  guint n2 = run_loss (5, p, g2);
  g_assert_cmpuint (n1, ==, n2);
  g_assert_cmpmem (g1->data, g1->len * 4, g2->data, g2->len * 4);   /* same packets lost */
  run_loss (6, p, g3);
  g_assert_false (g1->len == g3->len && memcmp (g1->data, g3->data, g1->len * 4) == 0);
  g_array_unref (g1);
  g_array_unref (g2);
  g_array_unref (g3);
}

/* Loss set on one direction only: requests arrive, every echo is lost. */
static void
test_loss_one_direction (void)
{
  NetFixture f;
  net_fixture_init (&f, 1, SIM_MS (1));
  sim_link_set_loss (f.link0, 1, 1.0);          /* router -> client */
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 5060);
  s.echo = TRUE;
  SimTime times[50];
  for (int i = 0; i < 50; i++)
    times[i] = SIM_MS (10) * i;
  Sender snd;
  SimSockAddr to = { f.server_ip, 5060 };
  sender_start (&snd, f.world, c.sock, &to, times, 50, 10);
  sim_world_run_until (f.world, SIM_S (2));
  g_assert_cmpuint (s.rx_times->len, ==, 50);
  g_assert_cmpuint (c.rx_times->len, ==, 0);
  g_assert_cmpuint (sim_link_get_stats (f.link0)->lost[1], ==, 50);
  g_assert_cmpuint (sim_link_get_stats (f.link0)->lost[0], ==, 0);
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
}

/* 1 Mbit/s: a 1000-byte payload is a 1028-byte IPv4 packet, 8224 bits,
 * 8.224 ms on the wire; the second packet queues behind the first. */
static void
test_bandwidth (void)
{
  SimWorld *w = sim_world_new (1);
  SimNet *net = sim_net_new (w);
  SimNode *a = sim_node_new (net, "a", NULL), *b = sim_node_new (net, "b", NULL);
  SimIface *ia = sim_node_add_iface (a, SIM_IP4 (10, 9, 0, 1), 30);
  SimIface *ib = sim_node_add_iface (b, SIM_IP4 (10, 9, 0, 2), 30);
  SimLinkConfig cfg = { .latency = SIM_MS (1), .bandwidth_bps = 1000000 };
  sim_link_new (net, ia, ib, &cfg);
  RecPeer pa, pb;
  rec_peer_open (&pa, a, 1000);
  rec_peer_open (&pb, b, 2000);
  guint8 buf[1000] = { 0 };
  SimSockAddr to = { SIM_IP4 (10, 9, 0, 2), 2000 };
  g_assert_true (sim_udp_sendto (pa.sock, &to, buf, sizeof buf, NULL));
  g_assert_true (sim_udp_sendto (pa.sock, &to, buf, sizeof buf, NULL));
  sim_world_run_until (w, SIM_S (1));
  g_assert_cmpuint (pb.rx_times->len, ==, 2);
  g_assert_cmpint (g_array_index (pb.rx_times, SimTime, 0), ==, SIM_US (8224) + SIM_MS (1));
  g_assert_cmpint (g_array_index (pb.rx_times, SimTime, 1), ==, 2 * SIM_US (8224) + SIM_MS (1));
  rec_peer_clear (&pa);
  rec_peer_clear (&pb);
  sim_net_free (net);
  sim_world_free (w);
}

/* Cut link1 at 1 s for 2 s; the client sends every 100 ms from 0 to 5 s
 * plus one packet at 985 ms that is on link1 (10..20 ms after sending) when
 * the cut happens.  A packet sent at t enters link1 at t + 10 ms: lost if
 * that is in [1 s, 3 s) (20 packets: 1.0 .. 2.9 s), or if it is in flight
 * at 1 s (the 985 ms one).  51 + 1 sent, 31 delivered. */
static void
test_cut_and_restore (void)
{
  const SimTime L = SIM_MS (10);
  NetFixture f;
  net_fixture_init (&f, 1, L);
  sim_link_schedule_cut (f.link1, SIM_S (1), SIM_S (2));
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 5060);
  SimTime times[52];
  guint n = 0;
  for (int i = 0; i <= 50; i++)
    {
      if (i == 10)
        times[n++] = SIM_MS (985);
      times[n++] = SIM_MS (100) * i;
    }
  g_assert_cmpuint (n, ==, 52);
  Sender snd;
  SimSockAddr to = { f.server_ip, 5060 };
  sender_start (&snd, f.world, c.sock, &to, times, n, 10);
  sim_world_run_until (f.world, SIM_S (1) - 1);
  g_assert_true (sim_link_is_up (f.link1));
  sim_world_run_until (f.world, SIM_S (2));
  g_assert_false (sim_link_is_up (f.link1));
  sim_world_run_until (f.world, SIM_S (6));
  g_assert_true (sim_link_is_up (f.link1));
  g_assert_cmpuint (s.rx_times->len, ==, 31);
  g_assert_cmpuint (sim_link_get_stats (f.link1)->dropped_down[0], ==, 21);
  /* Nothing sent in [1.0, 2.9] arrived; 3.0 s did, at 3.02 s. */
  for (guint i = 0; i < s.rx_seq->len; i++)
    {
      SimTime sent = times[g_array_index (s.rx_seq, guint32, i)];
      g_assert_true (sent < SIM_MS (985) || sent >= SIM_S (3));
    }
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
}

/* Bit errors: every corrupted packet is caught by the first node's checksum
 * check, counted as malformed and dropped; nothing crashes. */
static void
test_corruption_counted (void)
{
  NetFixture f;
  net_fixture_init (&f, 3, SIM_MS (1));
  SimLinkConfig cfg = { .latency = SIM_MS (1), .corrupt = 0.25 };
  sim_link_set_config (f.link0, &cfg);
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 5060);
  enum { N = 4000 };
  SimTime *times = g_new (SimTime, N);
  for (int i = 0; i < N; i++)
    times[i] = SIM_US (500) * i;
  Sender snd;
  SimSockAddr to = { f.server_ip, 5060 };
  sender_start (&snd, f.world, c.sock, &to, times, N, 200);
  sim_world_run_until (f.world, SIM_S (5));
  guint64 bad = sim_link_get_stats (f.link0)->corrupted[0];
  g_assert_cmpuint (sim_node_get_stats (f.router)->malformed, ==, bad);
  g_assert_cmpuint (s.rx_times->len, ==, N - bad);
  double sd = sqrt (N * 0.25 * 0.75);
  g_assert_cmpfloat (fabs ((double) bad - N * 0.25), <, 5 * sd);
  g_free (times);
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
}

/* ------------------------------------------------------------ 4-router */

static void
test_forwarding_off (void)
{
  NetFixture f;
  net_fixture_init (&f, 1, SIM_MS (1));
  sim_node_set_forwarding (f.router, FALSE);
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 5060);
  SimSockAddr to = { f.server_ip, 5060 };
  g_assert_true (sim_udp_sendto (c.sock, &to, "x", 1, NULL));
  sim_world_run_until (f.world, SIM_S (1));
  g_assert_cmpuint (s.rx_times->len, ==, 0);
  g_assert_cmpuint (sim_node_get_stats (f.router)->not_for_us, ==, 1);
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
}

/* Longest prefix wins; /32 host routes beat everything; default last. */
static void
test_route_lookup (void)
{
  SimWorld *w = sim_world_new (1);
  SimNet *net = sim_net_new (w);
  SimNode *r = sim_node_new (net, "r", NULL);
  SimIface *i0 = sim_node_add_iface (r, SIM_IP4 (10, 0, 0, 1), 8);
  SimIface *i1 = sim_node_add_iface (r, SIM_IP4 (10, 1, 0, 1), 16);
  SimIface *i2 = sim_node_add_iface (r, SIM_IP4 (192, 0, 2, 1), 24);
  sim_node_set_default_route (r, i2);
  sim_node_add_route (r, SIM_IP4 (10, 1, 2, 3), 32, i0);
  g_assert_true (sim_node_route (r, SIM_IP4 (10, 200, 0, 1)) == i0);
  g_assert_true (sim_node_route (r, SIM_IP4 (10, 1, 9, 9)) == i1);
  g_assert_true (sim_node_route (r, SIM_IP4 (10, 1, 2, 3)) == i0);
  g_assert_true (sim_node_route (r, SIM_IP4 (8, 8, 8, 8)) == i2);
  sim_net_free (net);
  sim_world_free (w);
}

/* node.c note 3: the next-hop cache answers what the tables say, through
 * collisions (more destinations than entries) and after every kind of
 * change, each asked right after the old answer was cached. */
static void
test_route_cache_follows_changes (void)
{
  SimWorld *w = sim_world_new (1);
  SimNet *net = sim_net_new (w);
  SimNode *r = sim_node_new (net, "r", NULL);
  SimIface *i0 = sim_node_add_iface (r, SIM_IP4 (10, 0, 0, 1), 8);
  SimIface *i1 = sim_node_add_iface (r, SIM_IP4 (192, 0, 2, 1), 24);
  /* 256 destinations in 10/8 over an 8-entry cache, asked three times. */
  for (guint round = 0; round < 3; round++)
    for (guint k = 0; k < 256; k++)
      {
        g_assert_true (sim_node_route (r, SIM_IP4 (10, 7, k, 1)) == i0);
        g_assert_null (sim_node_route (r, SIM_IP4 (11, 7, k, 1)));
      }
  /* A longer prefix, a /32 and a default route each take effect at once. */
  SimIp4 d = SIM_IP4 (10, 7, 3, 1), e = SIM_IP4 (10, 7, 4, 1), x = SIM_IP4 (11, 7, 3, 1);
  g_assert_true (sim_node_route (r, d) == i0);
  sim_node_add_route (r, SIM_IP4 (10, 7, 0, 0), 16, i1);
  g_assert_true (sim_node_route (r, d) == i1);
  g_assert_true (sim_node_route (r, e) == i1);
  sim_node_add_route (r, e, 32, i0);
  g_assert_true (sim_node_route (r, e) == i0);
  g_assert_null (sim_node_route (r, x));
  sim_node_set_default_route (r, i1);
  g_assert_true (sim_node_route (r, x) == i1);
  /* Addresses: a new one is ours at once, the old one no longer. */
  SimIp4 n = SIM_IP4 (192, 0, 2, 77);
  g_assert_false (sim_node_has_addr (r, n));
  g_assert_true (sim_node_has_addr (r, SIM_IP4 (192, 0, 2, 1)));
  g_assert_cmpuint (sim_node_source_for (r, n), ==, SIM_IP4 (192, 0, 2, 1));
  sim_iface_set_addr (i1, n);
  g_assert_true (sim_node_has_addr (r, n));
  g_assert_false (sim_node_has_addr (r, SIM_IP4 (192, 0, 2, 1)));
  g_assert_cmpuint (sim_node_source_for (r, n), ==, n);
  g_assert_cmpuint (sim_node_source_for (r, x), ==, n);
  /* A new interface: its address is ours and its prefix routed. */
  SimIp4 m = SIM_IP4 (172, 16, 0, 1);
  g_assert_false (sim_node_has_addr (r, m));
  g_assert_true (sim_node_route (r, SIM_IP4 (172, 16, 0, 9)) == i1);   /* default */
  SimIface *i2 = sim_node_add_iface (r, m, 16);
  g_assert_true (sim_node_has_addr (r, m));
  g_assert_true (sim_node_route (r, SIM_IP4 (172, 16, 0, 9)) == i2);
  sim_net_free (net);
  sim_world_free (w);
}

/* sim_iface_set_addr (a renumbered interface): the new address is local,
 * the old one is not any more (a host without forwarding counts it
 * not-for-us), replies leave from the new address, and the connected route
 * follows a prefix change. */
static void
test_renumber (void)
{
  NetFixture f;
  net_fixture_init (&f, 1, SIM_MS (1));
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 7000);
  s.echo = TRUE;
  SimIface *s0 = sim_node_get_iface (f.server, 0);
  SimIp4 new_ip = SIM_IP4 (10, 0, 2, 9);
  sim_iface_set_addr (s0, new_ip);
  g_assert_cmpuint (sim_iface_get_addr (s0), ==, new_ip);
  g_assert_true (sim_node_has_addr (f.server, new_ip));
  g_assert_false (sim_node_has_addr (f.server, f.server_ip));

  SimSockAddr old_to = { f.server_ip, 7000 }, new_to = { new_ip, 7000 };
  g_assert_true (sim_udp_sendto (c.sock, &old_to, "a", 1, NULL));
  sim_world_run_until (f.world, SIM_S (1));
  g_assert_cmpuint (s.rx_times->len, ==, 0);
  g_assert_cmpuint (sim_node_get_stats (f.server)->not_for_us, ==, 1);
  g_assert_true (sim_udp_sendto (c.sock, &new_to, "b", 1, NULL));
  sim_world_run_until (f.world, SIM_S (2));
  g_assert_cmpuint (s.rx_times->len, ==, 1);
  g_assert_cmpuint (c.rx_times->len, ==, 1);
  g_assert_cmpuint (c.last_from.ip, ==, new_ip);

  /* A new prefix: the router's connected route moves with its interface. */
  SimIface *r1 = sim_node_get_iface (f.router, 1);
  sim_iface_set_addr (r1, SIM_IP4 (10, 0, 3, 1));
  g_assert_true (sim_node_route (f.router, SIM_IP4 (10, 0, 3, 7)) == r1);
  g_assert_null (sim_node_route (f.router, SIM_IP4 (10, 0, 2, 9)));
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
}

/* A star router with one link and one /32 route per spoke, as a scenario
 * with thousands of phones builds it: every spoke's datagram reaches the
 * server, in 2 x latency, through one router. */
static void
test_star_router (void)
{
  enum { SPOKES = 5000 };
  const SimTime L = SIM_MS (3);
  SimWorld *w = sim_world_new (1);
  SimNet *net = sim_net_new (w);
  sim_net_set_trace_packets (net, FALSE);
  SimNode *hub = sim_node_new (net, "hub", NULL);
  sim_node_set_forwarding (hub, TRUE);
  SimLinkConfig cfg = { .latency = L };
  SimNode *srv = sim_node_new (net, "srv", NULL);
  SimIface *si = sim_node_add_iface (srv, SIM_IP4 (198, 51, 100, 10), 32);
  SimIface *hs = sim_node_add_iface (hub, SIM_IP4 (198, 51, 100, 1), 32);
  sim_node_add_route (hub, SIM_IP4 (198, 51, 100, 10), 32, hs);
  sim_node_set_default_route (srv, si);
  sim_link_new (net, hs, si, &cfg);
  RecPeer server;
  rec_peer_open (&server, srv, 5060);
  SimUdpSocket **socks = g_new (SimUdpSocket *, SPOKES);
  SimSockAddr to = { SIM_IP4 (198, 51, 100, 10), 5060 };
  for (guint i = 0; i < SPOKES; i++)
    {
      char name[32];
      g_snprintf (name, sizeof name, "phone%u", i);
      SimNode *n = sim_node_new (net, name, NULL);
      SimIp4 ip = SIM_IP4 (10, 1, 0, 0) + i + 1;
      SimIface *ni = sim_node_add_iface (n, ip, 32);
      SimIface *hi = sim_node_add_iface (hub, SIM_IP4 (10, 0, 0, 1), 32);  /* same gateway address on every spoke */
      sim_node_set_default_route (n, ni);
      sim_node_add_route (hub, ip, 32, hi);
      sim_link_new (net, ni, hi, &cfg);
      socks[i] = sim_udp_open (n, NULL, NULL);
      guint32 seq = i;
      g_assert_true (sim_udp_sendto (socks[i], &to, &seq, 4, NULL));
    }
  sim_world_run_until (w, SIM_S (1));
  g_assert_cmpuint (server.rx_seq->len, ==, SPOKES);
  g_assert_cmpint (g_array_index (server.rx_times, SimTime, SPOKES - 1), ==, 2 * L);
  g_assert_cmpuint (sim_node_get_stats (hub)->forwarded, ==, SPOKES);
  g_assert_cmphex (server.last_from.ip, ==, SIM_IP4 (10, 1, 0, 0) + SPOKES);
  for (guint i = 0; i < SPOKES; i++)
    sim_udp_close (socks[i]);
  g_free (socks);
  rec_peer_clear (&server);
  sim_net_free (net);
  sim_world_free (w);
}

/* ------------------------------------------------------------ 5-hook */

/* A port forward on the router, in both directions: 10.0.1.1:7000 is the
 * server's 9000.  Packets to port 6666 are dropped. */
typedef struct {
  SimIp4 outside_ip, server_ip;
  int    seen_in[2];          /* packets seen per incoming interface */
} Forward;

static SimHookVerdict
forward_hook (SimNode *node, SimIface *in, SimPacket *pkt, gpointer u)
{
  Forward *fw = u;
  SimPacketInfo i;
  g_assert_cmpint (sim_packet_parse (sim_packet_data (pkt), sim_packet_len (pkt), &i), ==, SIM_PACKET_OK);
  /* The node hands the hook its own parse of the packet: the same. */
  const SimPacketInfo *ni = sim_node_hook_info (node);
  g_assert_nonnull (ni);
  g_assert_cmphex (ni->src, ==, i.src);
  g_assert_cmphex (ni->dst, ==, i.dst);
  g_assert_cmpuint (ni->proto, ==, i.proto);
  g_assert_cmpuint (ni->sport, ==, i.sport);
  g_assert_cmpuint (ni->dport, ==, i.dport);
  g_assert_cmpuint (ni->ttl, ==, i.ttl);
  g_assert_true (ni->payload == i.payload);
  g_assert_cmpuint (ni->payload_len, ==, i.payload_len);
  fw->seen_in[sim_node_get_iface (node, 0) == in ? 0 : 1]++;
  if (i.proto != SIM_IPPROTO_UDP)
    return SIM_HOOK_ACCEPT;
  if (i.dport == 6666)
    return SIM_HOOK_DROP;
  if (i.dst == fw->outside_ip && i.dport == 7000)
    {
      SimSockAddr to = { fw->server_ip, 9000 };
      sim_packet_rewrite_dst (pkt, &to);
    }
  else if (i.src == fw->server_ip && i.sport == 9000)
    {
      SimSockAddr from = { fw->outside_ip, 7000 };
      sim_packet_rewrite_src (pkt, &from);
    }
  return SIM_HOOK_ACCEPT;
}

static void
test_hook_rewrite_and_drop (void)
{
  const SimTime L = SIM_MS (2);
  NetFixture f;
  net_fixture_init (&f, 1, L);
  Forward fw = { SIM_IP4 (10, 0, 1, 1), f.server_ip, { 0, 0 } };
  sim_node_set_hook (f.router, forward_hook, &fw);
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 9000);
  s.echo = TRUE;
  SimSockAddr fwd = { fw.outside_ip, 7000 }, blocked = { f.server_ip, 6666 };
  g_assert_true (sim_udp_sendto (c.sock, &fwd, "hello", 5, NULL));
  g_assert_true (sim_udp_sendto (c.sock, &blocked, "nope", 4, NULL));
  sim_world_run_until (f.world, SIM_S (1));
  /* The server saw the client's real address; the client saw the reply come
   * from the address it sent to. */
  g_assert_cmpuint (s.rx_times->len, ==, 1);
  g_assert_cmphex (s.last_from.ip, ==, f.client_ip);
  g_assert_cmpuint (c.rx_times->len, ==, 1);
  g_assert_cmphex (c.last_from.ip, ==, fw.outside_ip);
  g_assert_cmpuint (c.last_from.port, ==, 7000);
  g_assert_cmpstr (c.last_data->str, ==, "hello");
  g_assert_cmpint (fw.seen_in[0], ==, 2);   /* hello + nope from the client side */
  g_assert_cmpint (fw.seen_in[1], ==, 1);   /* the echo from the server side */
  g_assert_cmpuint (sim_node_get_stats (f.router)->hook_dropped, ==, 1);
  g_assert_null (sim_node_hook_info (f.router));   /* only inside the hook */
  g_assert_cmpint (c.n_err, ==, 0);        /* a dropped packet is silent */
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
}

/* ------------------------------------------------------- 6-determinism */

static guint64
random_traffic_fingerprint (guint64 seed)
{
  NetFixture f;
  net_fixture_init (&f, seed, SIM_MS (3));
  SimLinkConfig cfg = { .latency = SIM_MS (3), .jitter = SIM_MS (2), .loss = 0.1 };
  sim_link_set_config (f.link0, &cfg);
  sim_link_set_config (f.link1, &cfg);
  RecPeer c, s;
  rec_peer_open (&c, f.client, 5060);
  rec_peer_open (&s, f.server, 5060);
  s.echo = TRUE;
  SimTime times[500];
  for (int i = 0; i < 500; i++)
    times[i] = SIM_MS (7) * i;
  Sender snd;
  SimSockAddr to = { f.server_ip, 5060 };
  sender_start (&snd, f.world, c.sock, &to, times, 500, 50);
  sim_world_run_until (f.world, SIM_S (10));
  guint64 fp = sim_world_get_fingerprint (f.world);
  g_assert_cmpuint (sim_world_get_trace_lines (f.world), >, 1000);
  rec_peer_clear (&c);
  rec_peer_clear (&s);
  net_fixture_clear (&f);
  return fp;
}

static void
collect_line (SimWorld *world, const char *line, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

/* Issue 17 item 2: interface and link names are printed when first asked
 * (a phone's node never asks), and a packet a node sends to its own
 * address still loops back through the interface that owns it although
 * the next-hop cache keeps only "it is ours". */
static void
test_names_and_loopback (void)
{
  NetFixture f;
  net_fixture_init (&f, 1, SIM_MS (1));
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  sim_world_set_trace_func (f.world, collect_line, lines, NULL);

  /* A trace line about the link is the first to ask its name. */
  sim_link_set_up (f.link1, FALSE);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_nonnull (strstr (lines->pdata[0], "link router/eth1-server/eth0 down"));
  g_assert_cmpstr (sim_link_get_name (f.link1), ==, "router/eth1-server/eth0");
  g_assert_cmpstr (sim_link_get_name (f.link0), ==, "client/eth0-router/eth0");
  g_assert_cmpstr (sim_iface_get_name (sim_node_get_iface (f.router, 1)), ==, "router/eth1");
  g_assert_cmpstr (sim_node_get_name (f.router), ==, "router");
  sim_link_set_up (f.link1, TRUE);

  /* Loopback: from the client to its own address, answered by itself. */
  RecPeer a, b;
  rec_peer_open (&a, f.client, 5060);
  rec_peer_open (&b, f.client, 7000);
  b.echo = TRUE;
  g_assert_true (sim_node_has_addr (f.client, f.client_ip));
  SimSockAddr to = { f.client_ip, 7000 };
  g_assert_true (sim_udp_sendto (a.sock, &to, "x", 1, NULL));
  sim_world_run_until (f.world, SIM_S (1));
  g_assert_cmpuint (b.rx_times->len, ==, 1);
  g_assert_cmpuint (a.rx_times->len, ==, 1);
  g_assert_cmpuint (a.last_from.ip, ==, f.client_ip);   /* source: the address itself */
  g_assert_cmpint (g_array_index (b.rx_times, SimTime, 0), ==, 0);   /* no link crossed */
  g_assert_cmpuint (sim_link_get_stats (f.link0)->sent[0], ==, 0);
  rec_peer_clear (&a);
  rec_peer_clear (&b);
  sim_world_set_trace_func (f.world, NULL, NULL, NULL);
  net_fixture_clear (&f);
}

static void
test_determinism (void)
{
  guint64 a = random_traffic_fingerprint (77);
  g_assert_cmphex (a, ==, random_traffic_fingerprint (77));
  g_assert_cmphex (a, !=, random_traffic_fingerprint (78));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/net/udp/1-delivery/echo-rtt", test_echo_rtt);
  g_test_add_func ("/net/udp/1-delivery/bind-errors", test_bind_errors);
  g_test_add_func ("/net/udp/1-delivery/close-in-callback", test_close_in_callback);
  g_test_add_func ("/net/udp/2-icmp/port-unreachable", test_port_unreachable);
  g_test_add_func ("/net/udp/2-icmp/other-address", test_port_unreachable_other_address);
  g_test_add_func ("/net/udp/3-link/jitter-bounds-order-reproducible", test_jitter_bounds_order_reproducible);
  g_test_add_func ("/net/udp/3-link/loss-rate-reproducible", test_loss_rate_reproducible);
  g_test_add_func ("/net/udp/3-link/loss-one-direction", test_loss_one_direction);
  g_test_add_func ("/net/udp/3-link/bandwidth", test_bandwidth);
  g_test_add_func ("/net/udp/3-link/cut-and-restore", test_cut_and_restore);
  g_test_add_func ("/net/udp/3-link/corruption-counted", test_corruption_counted);
  g_test_add_func ("/net/udp/4-router/forwarding-off", test_forwarding_off);
  g_test_add_func ("/net/udp/4-router/route-lookup", test_route_lookup);
  g_test_add_func ("/net/udp/4-router/route-cache-follows-changes", test_route_cache_follows_changes);
  g_test_add_func ("/net/udp/4-router/star-5000", test_star_router);
  g_test_add_func ("/net/udp/4-router/renumber", test_renumber);
  g_test_add_func ("/net/udp/4-router/names-and-loopback", test_names_and_loopback);
  g_test_add_func ("/net/udp/5-hook/rewrite-and-drop", test_hook_rewrite_and_drop);
  g_test_add_func ("/net/udp/6-determinism/fingerprint", test_determinism);
  return g_test_run ();
}
