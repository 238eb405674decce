/*
 * tests/test-host-live.c - the live host (sim/host/host-live.h): the host
 * seam over real loopback sockets with the kernel driven in real time.
 *
 * Every address is 127.A.B.k with A.B taken from the process id, so runs
 * of this test on one machine (parallel CI jobs, other helpers) do not
 * share a socket.  Nothing here asserts how fast the machine is: only
 * orderings that must hold (a timer never fires before its wall instant,
 * kernel time never passes wall time) and outcomes (bytes, ICMP, TCP
 * events, DNS answers).
 */
#include <string.h>
#include <unistd.h>

#include "sim/host/host-live.h"
#include "sim/host/resolver.h"
#include "models/dns/server.h"

static SimIp4
test_addr (guint k)
{
  guint p = (guint) getpid ();
  return SIM_IP4 (127, 64 + (p >> 8) % 128, p & 255, k);
}

typedef struct {
  SimWorld *world;
  SimLive  *live;
  GMainContext *ctx;
} LiveFixture;

static void
lf_init (LiveFixture *f)
{
  f->ctx = g_main_context_new ();
  f->world = sim_world_new (7);
  f->live = sim_live_new (f->world, f->ctx);
}

static void
lf_clear (LiveFixture *f)
{
  sim_live_free (f->live);
  sim_world_free (f->world);
  g_main_context_unref (f->ctx);
}

/* Iterates until *@flag or @limit of wall time; FALSE on the limit. */
static gboolean
lf_wait (LiveFixture *f, const int *flag, SimTime limit)
{
  SimTime end = sim_live_wall_now (f->live) + limit;
  while (!*flag && sim_live_wall_now (f->live) < end)
    {
      g_main_context_iteration (f->ctx, FALSE);
      g_usleep (200);
    }
  return *flag != 0;
}

/* ------------------------------------------------------------- timers */

typedef struct { HostTimer t; SimHost *host; LiveFixture *f; SimTime kernel_at, wall_at; int fired; } Alarm;

static void
on_alarm (HostTimer *t, gpointer u)
{
  Alarm *a = u;
  a->fired++;
  a->kernel_at = host_now (a->host);
  a->wall_at = sim_live_wall_now (a->f->live);
}

static void
test_timer_at_wall_instant (void)
{
  LiveFixture f;
  lf_init (&f);
  SimHost *h = sim_live_host_new (f.live, "phone", SIM_IP4_ANY);
  Alarm a = { .host = h, .f = &f }, b = { .host = h, .f = &f };
  host_timer_init (h, &a.t, on_alarm, &a);
  host_timer_init (h, &b.t, on_alarm, &b);
  host_timer_start (&a.t, SIM_MS (60));
  host_timer_start (&b.t, SIM_MS (20));
  g_assert_true (lf_wait (&f, &a.fired, SIM_S (5)));
  /* Kernel semantics: each fires at its own due time, in order ... */
  g_assert_cmpint (b.fired, ==, 1);
  g_assert_cmpint (b.kernel_at, ==, SIM_MS (20));
  g_assert_cmpint (a.kernel_at, ==, SIM_MS (60));
  /* ... and never before the wall clock reached it. */
  g_assert_cmpint (b.wall_at, >=, SIM_MS (20));
  g_assert_cmpint (a.wall_at, >=, SIM_MS (60));
  g_assert_cmpint (sim_world_now (f.world), <=, sim_live_wall_now (f.live));
  g_assert_cmpint (sim_live_get_max_lateness (f.live), >=, 0);
  host_free (h);
  lf_clear (&f);
}

/* ---------------------------------------------------------------- UDP */

typedef struct {
  int         got, errors;
  SimSockAddr from, err_remote;
  SimNetError err;
  char        text[64];
  SimTime     at;
  SimHost    *host;
} UdpSink;

static void
sink_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  UdpSink *k = u;
  k->got++;
  k->from = *from;
  k->at = host_now (k->host);
  memcpy (k->text, data, MIN (len, sizeof k->text - 1));
  k->text[MIN (len, sizeof k->text - 1)] = 0;
}

static void
sink_error (SimHostUdp *s, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  UdpSink *k = u;
  k->errors++;
  k->err = err;
  k->err_remote = *remote;
}

static void
test_udp_exchange (void)
{
  LiveFixture f;
  lf_init (&f);
  SimHost *a = sim_live_host_new (f.live, "a", test_addr (2));
  SimHost *b = sim_live_host_new (f.live, "b", test_addr (3));
  UdpSink ka = { .host = a }, kb = { .host = b };
  g_autoptr (GError) err = NULL;
  SimHostUdp *sa = host_udp_open (a, NULL, sink_recv, sink_error, &ka, &err);
  g_assert_no_error (err);
  SimHostUdp *sb = host_udp_open (b, NULL, sink_recv, sink_error, &kb, &err);
  g_assert_no_error (err);
  SimSockAddr la, lb;
  host_udp_get_local (sa, &la);
  host_udp_get_local (sb, &lb);
  /* host-live.h note 4: "any" became the host's address; the port is real. */
  g_assert_cmpuint (la.ip, ==, test_addr (2));
  g_assert_cmpuint (la.port, !=, 0);
  SimIp4 me;
  g_assert_true (host_get_local_addr (a, lb.ip, &me));
  g_assert_cmpuint (me, ==, test_addr (2));

  g_assert_true (host_udp_sendto (sa, &lb, "REGISTER", 8, &err));
  g_assert_true (lf_wait (&f, &kb.got, SIM_S (5)));
  g_assert_cmpstr (kb.text, ==, "REGISTER");
  g_assert_true (sim_sockaddr_equal (&kb.from, &la));
  g_assert_cmpint (kb.at, <=, sim_live_wall_now (f.live));
  host_udp_close (sa);
  host_udp_close (sb);
  host_free (a);
  host_free (b);
  lf_clear (&f);
}

/* B38: a datagram to a port nobody listens on comes back as ICMP port
 * unreachable, naming the destination, on an unconnected socket. */
static void
test_udp_icmp_port_unreachable (void)
{
  LiveFixture f;
  lf_init (&f);
  SimHost *a = sim_live_host_new (f.live, "a", test_addr (4));
  SimHost *b = sim_live_host_new (f.live, "b", test_addr (5));
  UdpSink ka = { .host = a }, kb = { .host = b };
  g_autoptr (GError) err = NULL;
  SimHostUdp *sa = host_udp_open (a, NULL, sink_recv, sink_error, &ka, &err);
  /* A port that was just free: bind it, note it, close it. */
  SimHostUdp *sb = host_udp_open (b, NULL, sink_recv, sink_error, &kb, &err);
  SimSockAddr dead;
  host_udp_get_local (sb, &dead);
  host_udp_close (sb);

  g_assert_true (host_udp_sendto (sa, &dead, "REGISTER", 8, &err));
  g_assert_true (lf_wait (&f, &ka.errors, SIM_S (5)));
  g_assert_cmpint (ka.err, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_true (sim_sockaddr_equal (&ka.err_remote, &dead));
  /* The pending socket error does not make the next send fail (note 2). */
  g_assert_true (host_udp_sendto (sa, &dead, "again", 5, &err));
  g_assert_no_error (err);
  g_assert_true (lf_wait (&f, &(int) { 0 }, SIM_MS (50)) == FALSE);
  g_assert_cmpint (ka.errors, ==, 2);
  g_assert_cmpint (ka.got, ==, 0);
  host_udp_close (sa);
  host_free (a);
  host_free (b);
  lf_clear (&f);
}

/* A callback may close its own socket: the rest of the queue is dropped. */
static void
close_on_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  int *n = u;
  (*n)++;
  host_udp_close (s);
}

static void
test_udp_close_in_callback (void)
{
  LiveFixture f;
  lf_init (&f);
  SimHost *a = sim_live_host_new (f.live, "a", test_addr (6));
  int n = 0;
  g_autoptr (GError) err = NULL;
  SimHostUdp *r = host_udp_open (a, NULL, close_on_recv, NULL, &n, &err);
  SimHostUdp *s = host_udp_open (a, NULL, NULL, NULL, NULL, &err);
  SimSockAddr lr;
  host_udp_get_local (r, &lr);
  for (int i = 0; i < 3; i++)
    host_udp_sendto (s, &lr, "x", 1, &err);
  g_assert_true (lf_wait (&f, &n, SIM_S (5)));
  int never = 0;
  lf_wait (&f, &never, SIM_MS (50));
  g_assert_cmpint (n, ==, 1);
  host_udp_close (s);
  host_free (a);
  lf_clear (&f);
}

/* ---------------------------------------------------------------- TCP */

typedef struct {
  SimHostTcp *sock;
  int         connected, peer_closed, closed, errors, accepted;
  SimNetError err;
  GString    *got;
} TcpEnd;

static void
tcp_ev (SimHostTcp *s, HostTcpEvent ev, gpointer u)
{
  TcpEnd *e = u;
  switch (ev)
    {
    case HOST_TCP_CONNECTED:   e->connected++; break;
    case HOST_TCP_PEER_CLOSED: e->peer_closed++; host_tcp_close (s); break;
    case HOST_TCP_CLOSED:      e->closed++; break;
    case HOST_TCP_ERROR:       e->errors++; e->err = host_tcp_get_error (s); break;
    }
}

static void
tcp_rx (SimHostTcp *s, const guint8 *data, gsize len, gpointer u)
{
  g_string_append_len (((TcpEnd *) u)->got, (const char *) data, (gssize) len);
}

static void
on_accept (SimHostTcpListener *l, SimHostTcp *s, gpointer u)
{
  TcpEnd *e = u;
  e->accepted++;
  e->sock = s;
  host_tcp_set_callbacks (s, tcp_ev, tcp_rx, e);
}

static void
test_tcp_stream (void)
{
  LiveFixture f;
  lf_init (&f);
  SimHost *a = sim_live_host_new (f.live, "a", test_addr (7));
  SimHost *b = sim_live_host_new (f.live, "b", test_addr (8));
  TcpEnd server = { .got = g_string_new (NULL) }, client = { .got = g_string_new (NULL) };
  g_autoptr (GError) err = NULL;
  /* The address is this process's own, so a fixed port cannot collide. */
  SimSockAddr where = { test_addr (8), 5062 };
  SimHostTcpListener *l = host_tcp_listen (b, &where, on_accept, &server, &err);
  g_assert_no_error (err);
  client.sock = host_tcp_connect (a, &where, tcp_ev, tcp_rx, &client, &err);
  g_assert_no_error (err);
  g_assert_true (host_tcp_send (client.sock, "OPTIONS sip:x SIP/2.0\r\n", 23, &err));
  g_assert_true (lf_wait (&f, &client.connected, SIM_S (5)));
  g_assert_true (lf_wait (&f, &server.accepted, SIM_S (5)));
  while (server.got->len < 23 && lf_wait (&f, &(int) { 0 }, SIM_MS (10)) == FALSE
         && sim_live_wall_now (f.live) < SIM_S (5))
    ;
  g_assert_cmpstr (server.got->str, ==, "OPTIONS sip:x SIP/2.0\r\n");
  SimSockAddr peer, mine;
  host_tcp_get_remote (server.sock, &peer);
  host_tcp_get_local (client.sock, &mine);
  g_assert_true (sim_sockaddr_equal (&peer, &mine));
  g_assert_cmpuint (mine.ip, ==, test_addr (7));
  /* graceful close from the client: the server sees PEER_CLOSED, closes
   * too (tcp_ev), and both end with CLOSED */
  host_tcp_send (server.sock, "200", 3, &err);
  host_tcp_close (client.sock);
  g_assert_true (lf_wait (&f, &client.closed, SIM_S (5)));
  g_assert_true (lf_wait (&f, &server.closed, SIM_S (5)));
  g_assert_cmpstr (client.got->str, ==, "200");
  g_assert_cmpint (client.errors + server.errors, ==, 0);
  host_tcp_free (client.sock);
  host_tcp_free (server.sock);
  host_tcp_listener_close (l);

  /* nobody listening: RST to the SYN */
  TcpEnd refused = { .got = g_string_new (NULL) };
  refused.sock = host_tcp_connect (a, &where, tcp_ev, tcp_rx, &refused, &err);
  g_assert_true (lf_wait (&f, &refused.errors, SIM_S (5)));
  g_assert_cmpint (refused.err, ==, SIM_NET_ERR_REFUSED);
  g_assert_cmpint (refused.connected, ==, 0);
  host_tcp_free (refused.sock);
  g_string_free (refused.got, TRUE);
  g_string_free (server.got, TRUE);
  g_string_free (client.got, TRUE);
  host_free (a);
  host_free (b);
  lf_clear (&f);
}

/* ---------------------------------------------------------------- DNS */

typedef struct { int done; HostDnsStatus status; guint n; guint16 port, prio; char target[64]; } DnsOut;

static void
on_dns (HostResolver *r, const HostDnsResult *res, gpointer u)
{
  DnsOut *o = u;
  o->done++;
  o->status = res->status;
  o->n = res->n_srv;
  if (res->n_srv)
    {
      o->port = res->srv[0].port;
      o->prio = res->srv[0].priority;
      g_strlcpy (o->target, res->srv[0].target, sizeof o->target);
    }
}

/* c-ares through the live host: the project's DNS server model on a real
 * socket answers a real SRV query; then, with the server gone, the
 * resolver hears ICMP and reports conn-refused without waiting for its
 * timeout. */
static void
test_dns_over_live_sockets (void)
{
  LiveFixture f;
  lf_init (&f);
  SimHost *dh = sim_live_host_new (f.live, "dns", test_addr (9));
  SimHost *ph = sim_live_host_new (f.live, "phone", test_addr (10));
  g_autoptr (GError) err = NULL;
  guint16 port = 20000 + (guint16) (getpid () % 20000);
  DnsServerConfig dc = { .port = port };
  DnsServer *dns = dns_server_new (dh, &dc, &err);
  g_assert_no_error (err);
  g_assert_true (dns_server_add_zone (dns, "voip.test", &err));
  DnsRecord rr = { .type = DNS_TYPE_SRV, .ttl_s = 60, .priority = 10, .weight = 5, .port = 5070,
                   .target = "pbx-a.voip.test" };
  g_assert_true (dns_server_add (dns, "_sip._udp.voip.test", &rr, &err));
  SimSockAddr srv = { test_addr (9), port };
  HostResolverConfig rc = { .timeout = SIM_S (10), .tries = 1 };
  HostResolver *r = host_resolver_new (ph, &srv, 1, &rc, &err);
  g_assert_no_error (err);
  DnsOut o = { 0 };
  host_resolver_lookup_srv (r, "_sip._udp.voip.test", on_dns, &o);
  g_assert_true (lf_wait (&f, &o.done, SIM_S (5)));
  g_assert_cmpint (o.status, ==, HOST_DNS_OK);
  g_assert_cmpuint (o.n, ==, 1);
  g_assert_cmpuint (o.port, ==, 5070);
  g_assert_cmpuint (o.prio, ==, 10);
  g_assert_cmpstr (o.target, ==, "pbx-a.voip.test");

  dns_server_free (dns);
  DnsOut o2 = { 0 };
  host_resolver_lookup_srv (r, "_sip._udp.voip.test", on_dns, &o2);
  g_assert_true (lf_wait (&f, &o2.done, SIM_S (5)));
  g_assert_cmpint (o2.status, ==, HOST_DNS_CONN_REFUSED);
  /* ICMP, not the 10 s timeout */
  g_assert_cmpint (sim_world_now (f.world), <, SIM_S (10));
  host_resolver_free (r);
  host_free (dh);
  host_free (ph);
  lf_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host-live/timer-at-wall-instant", test_timer_at_wall_instant);
  g_test_add_func ("/host-live/udp-exchange", test_udp_exchange);
  g_test_add_func ("/host-live/udp-icmp-port-unreachable", test_udp_icmp_port_unreachable);
  g_test_add_func ("/host-live/udp-close-in-callback", test_udp_close_in_callback);
  g_test_add_func ("/host-live/tcp-stream", test_tcp_stream);
  g_test_add_func ("/host-live/dns-over-live-sockets", test_dns_over_live_sockets);
  return g_test_run ();
}
