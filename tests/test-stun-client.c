/*
 * tests/test-stun-client.c - STUN Binding client transactions on the
 * simulated network, through the host seam only (as device code runs).
 *
 *   client 10.0.1.2 ──L── router ──L── 10.0.2.2 server
 *
 * The client side owns a UDP socket (standing in for the SIP socket of RFC
 * 5626 §4.4.2) and hands STUN traffic and ICMP errors to the StunClient.
 * A request reaches the server 2L after it is sent; a response or an ICMP
 * error is back 4L after.  Expected schedules are computed here from the
 * RFC 5389 §7.2.1 rule (start at RTO, double after each send, Rc sends,
 * then Rm x RTO), and checked against the RFC's own numbers where it gives
 * them (0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; failure at 39.5 s).
 */
#include <string.h>

#include "sim/host/host-sim.h"
#include "tests/net-fixture.h"
#include "models/stun/client.h"
#include "models/stun/responder.h"

#define STUN_PORT 3478

/* ----------------------------------------------------------- the server */

typedef enum {
  SERVER_SILENT,         /* receives, never answers */
  SERVER_ANSWER,         /* stun_responder_answer() */
  SERVER_ERROR_400,      /* an error response */
  SERVER_NO_ADDRESS,     /* a success with no address in it */
  SERVER_UNKNOWN_ATTR,   /* a success with an unknown comprehension-required attribute */
} ServerMode;

typedef struct {
  SimHost    *host;
  SimHostUdp *sock;
  ServerMode  mode;
  GArray     *rx_at;       /* SimTime */
  GArray     *rx_txid;     /* 12-byte records */
  SimSockAddr last_from;
} Server;

static void
server_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  Server *srv = u;
  g_autoptr (GError) error = NULL;
  g_autoptr (StunMsg) req = stun_msg_parse (data, len, &error);
  g_assert_no_error (error);
  SimTime now = host_now (srv->host);
  g_array_append_val (srv->rx_at, now);
  g_array_append_vals (srv->rx_txid, stun_msg_get_txid (req), STUN_TXID_LEN);
  srv->last_from = *from;

  g_autoptr (GBytes) resp = NULL;
  StunBuilder *b;
  StunAddress a;
  switch (srv->mode)
    {
    case SERVER_SILENT:
      return;
    case SERVER_ANSWER:
      resp = stun_responder_answer (req, from, NULL);
      break;
    case SERVER_ERROR_400:
      b = stun_builder_new (STUN_BINDING_ERROR, stun_msg_get_txid (req));
      stun_builder_add_error_code (b, 400, "Bad Request");
      resp = stun_builder_end (b, FALSE);
      break;
    case SERVER_NO_ADDRESS:
      b = stun_builder_new (STUN_BINDING_SUCCESS, stun_msg_get_txid (req));
      stun_builder_add_software (b, "forgetful");
      resp = stun_builder_end (b, FALSE);
      break;
    case SERVER_UNKNOWN_ATTR:
      b = stun_builder_new (STUN_BINDING_SUCCESS, stun_msg_get_txid (req));
      stun_address_from_sockaddr (&a, from);
      stun_builder_add_xor_mapped_address (b, &a);
      stun_builder_add_raw (b, 0x7ABC, "?", 1);
      resp = stun_builder_end (b, FALSE);
      break;
    }
  gsize rlen;
  const guint8 *rdata = g_bytes_get_data (resp, &rlen);
  g_assert_true (host_udp_sendto (s, from, rdata, rlen, NULL));
}

static void
server_open (Server *srv, SimHost *host, ServerMode mode)
{
  memset (srv, 0, sizeof *srv);
  srv->host = host;
  srv->mode = mode;
  srv->rx_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  srv->rx_txid = g_array_new (FALSE, FALSE, 1);
  SimSockAddr local = { SIM_IP4_ANY, STUN_PORT };
  g_autoptr (GError) error = NULL;
  srv->sock = host_udp_open (host, &local, server_recv, NULL, srv, &error);
  g_assert_no_error (error);
}

static void
server_close (Server *srv)
{
  host_udp_close (srv->sock);
  g_array_unref (srv->rx_at);
  g_array_unref (srv->rx_txid);
}

/* ----------------------------------------------- the owner of the flow */

typedef struct {
  HostTimer    kick;          /* starts the transaction at t0 */
  SimHost     *host;
  SimHostUdp  *sock;
  SimRng       rng;
  StunClient  *stun;
  SimSockAddr  server;
  GArray      *sent_at;       /* SimTime, from the send function */
  SimNetError  fail_sends;    /* != OK: the send function reports this */
  guint        stray;         /* received, but not for a pending transaction */
  /* The outcome */
  int          done;
  SimTime      done_at;
  StunResult   result;        /* pointers in it cleared after the call */
  char        *reason;
  gboolean     in_call;       /* inside stun_client_binding() */
  gboolean     done_in_call;
} Owner;

static SimNetError
owner_send (const SimSockAddr *to, const guint8 *data, gsize len, gpointer u)
{
  Owner *o = u;
  SimTime now = host_now (o->host);
  g_array_append_val (o->sent_at, now);
  if (o->fail_sends != SIM_NET_OK)
    return o->fail_sends;
  g_assert_true (host_udp_sendto (o->sock, to, data, len, NULL));
  return SIM_NET_OK;
}

static void
owner_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  Owner *o = u;
  if (!stun_client_receive (o->stun, from, data, len))
    o->stray++;
}

static void
owner_error (SimHostUdp *s, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  Owner *o = u;
  stun_client_transport_error (o->stun, remote, err);
}

static void
owner_done (StunTransaction *txn, const StunResult *r, gpointer u)
{
  Owner *o = u;
  o->done++;
  o->done_at = host_now (o->host);
  o->done_in_call = o->in_call;
  o->result = *r;
  o->result.response = NULL;
  o->result.reason = NULL;
  g_free (o->reason);
  o->reason = g_strdup (r->reason);
}

static void
owner_kick (HostTimer *t, gpointer u)
{
  Owner *o = u;
  o->in_call = TRUE;
  g_assert_nonnull (stun_client_binding (o->stun, &o->server, owner_done, o));
  o->in_call = FALSE;
}

static void
owner_open (Owner *o, SimHost *host, const StunClientConfig *cfg, SimSockAddr server)
{
  memset (o, 0, sizeof *o);
  o->host = host;
  o->server = server;
  o->sent_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  SimSockAddr local = { SIM_IP4_ANY, 5060 };
  g_autoptr (GError) error = NULL;
  o->sock = host_udp_open (host, &local, owner_recv, owner_error, o, &error);
  g_assert_no_error (error);
  host_rng_init (host, &o->rng, "stun");
  o->stun = stun_client_new (host, &o->rng, cfg, owner_send, o);
  host_timer_init (host, &o->kick, owner_kick, o);
}


static void
owner_close (Owner *o)
{
  host_timer_cancel (&o->kick);
  stun_client_free (o->stun);
  host_udp_close (o->sock);
  g_array_unref (o->sent_at);
  g_free (o->reason);
}

typedef struct {
  NetFixture f;
  SimHost   *client, *server;
} Fx;

static void
fx_init (Fx *x, SimTime latency)
{
  net_fixture_init (&x->f, 11, latency);
  x->client = sim_host_new (x->f.client, NULL);
  x->server = sim_host_new (x->f.server, "stun-server");
}

/* The usual owner: default client settings, toward the fixture's STUN
 * server, its first binding request kicked off at @t0. */
static void
owner_start (Owner *o, Fx *x, SimTime t0)
{
  owner_open (o, x->client, NULL, (SimSockAddr) { x->f.server_ip, STUN_PORT });
  host_timer_start (&o->kick, t0);
}

static void
fx_clear (Fx *x)
{
  host_free (x->client);
  host_free (x->server);
  net_fixture_clear (&x->f);
}

/* The §7.2.1 schedule: send times relative to the start, and the time of
 * failure.  Returns the number of sends (rc). */
static guint
expected_schedule (SimTime rto, guint rc, guint rm, SimTime *sends, SimTime *fail)
{
  SimTime t = 0, interval = rto;
  for (guint k = 0; k < rc; k++)
    {
      sends[k] = t;
      if (k + 1 < rc)
        {
          t += interval;
          interval *= 2;
        }
    }
  *fail = t + (SimTime) rm * rto;
  return rc;
}

/* A done function that counts, and a send function that keeps the bytes
 * (@u a GPtrArray of GBytes, or NULL) without a network. */
typedef struct { int calls; } Count;

static void
count_done (StunTransaction *txn, const StunResult *r, gpointer u)
{
  ((Count *) u)->calls++;
}

static SimNetError
null_send (const SimSockAddr *to, const guint8 *data, gsize len, gpointer u)
{
  GPtrArray *sent = u;
  if (sent)
    g_ptr_array_add (sent, g_bytes_new (data, len));
  return SIM_NET_OK;
}

/* ------------------------------------------------------ 1-retransmit */

/* @cfg_rto goes in the config (0: the default); @rto is what the rule
 * should then use. */
static void
run_silent_server (SimTime cfg_rto, SimTime rto, SimTime rfc_fail)
{
  const SimTime L = SIM_MS (15), t0 = SIM_S (2);
  Fx x;
  fx_init (&x, L);
  Server srv;
  server_open (&srv, x.server, SERVER_SILENT);
  StunClientConfig cfg = { .rto = cfg_rto };
  Owner o;
  owner_open (&o, x.client, &cfg, (SimSockAddr) { x.f.server_ip, STUN_PORT });
  host_timer_start (&o.kick, t0);
  sim_world_run_until (x.f.world, t0 + SIM_S (120));

  SimTime want[STUN_DEFAULT_RC], fail;
  guint n = expected_schedule (rto, STUN_DEFAULT_RC, STUN_DEFAULT_RM, want, &fail);
  g_assert_cmpint (fail, ==, rfc_fail);
  g_assert_cmpuint (o.sent_at->len, ==, n);
  g_assert_cmpuint (srv.rx_at->len, ==, n);
  for (guint k = 0; k < n; k++)
    {
      g_assert_cmpint (g_array_index (o.sent_at, SimTime, k), ==, t0 + want[k]);
      /* Each crossed two links. */
      g_assert_cmpint (g_array_index (srv.rx_at, SimTime, k), ==, t0 + want[k] + 2 * L);
      /* Retransmissions are the same request: same transaction id. */
      g_assert_cmpmem (srv.rx_txid->data + 12 * k, 12, srv.rx_txid->data, 12);
    }
  g_assert_cmpint (o.done, ==, 1);
  g_assert_cmpint (o.result.outcome, ==, STUN_RESULT_TIMEOUT);
  g_assert_cmpint (o.done_at, ==, t0 + fail);
  g_assert_cmpint (o.result.elapsed, ==, fail);
  g_assert_cmpint (o.result.started_at, ==, t0);
  g_assert_cmpuint (o.result.sends, ==, n);
  g_assert_cmpuint (stun_client_get_n_pending (o.stun), ==, 0);
  owner_close (&o);
  server_close (&srv);
  fx_clear (&x);
}

static void
test_silent_server_default_rto (void)
{
  /* The RFC's own numbers for RTO 500 ms. */
  SimTime want[7], fail;
  expected_schedule (SIM_MS (500), 7, 16, want, &fail);
  const double rfc_s[] = { 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 };
  for (guint k = 0; k < 7; k++)
    g_assert_cmpint (want[k], ==, sim_time_from_s (rfc_s[k]));
  run_silent_server (0, SIM_MS (500), SIM_MS (39500));
}

static void
test_silent_server_rto_100ms (void)
{
  /* 0, 0.1, 0.3, 0.7, 1.5, 3.1, 6.3 s, then 16 x 0.1 s: 7.9 s. */
  run_silent_server (SIM_MS (100), SIM_MS (100), SIM_MS (7900));
}

static void
test_custom_rc_rm (void)
{
  const SimTime t0 = SIM_S (1);
  Fx x;
  fx_init (&x, SIM_MS (5));
  Server srv;
  server_open (&srv, x.server, SERVER_SILENT);
  StunClientConfig cfg = { .rto = SIM_MS (250), .rc = 3, .rm = 4 };
  Owner o;
  owner_open (&o, x.client, &cfg, (SimSockAddr) { x.f.server_ip, STUN_PORT });
  host_timer_start (&o.kick, t0);
  sim_world_run_until (x.f.world, SIM_S (30));
  SimTime want[3], fail;
  expected_schedule (cfg.rto, 3, 4, want, &fail);
  g_assert_cmpint (fail, ==, SIM_MS (750 + 1000));     /* 0, .25, .75; + 4 x .25 */
  g_assert_cmpuint (o.sent_at->len, ==, 3);
  for (guint k = 0; k < 3; k++)
    g_assert_cmpint (g_array_index (o.sent_at, SimTime, k), ==, t0 + want[k]);
  g_assert_cmpint (o.result.outcome, ==, STUN_RESULT_TIMEOUT);
  g_assert_cmpint (o.done_at, ==, t0 + fail);
  owner_close (&o);
  server_close (&srv);
  fx_clear (&x);
}

/* A large Rc: the doubling interval outgrows SimTime after some 30
 * retransmissions (hundreds of simulated years at RTO 1 s).  The rule's
 * send times (2^k - 1) RTO go on while they fit; after that the next
 * retransmission is never, and nothing overflows (UBSan run). */
/* stun_client_binding_once(): one send whatever Rc says, timeout @wait
 * after it (a keep-alive Binding, BEHAVIOUR.md B23/B40), while the
 * client's RFC schedule stays for its other transactions. */
static void
once_kick (HostTimer *t, gpointer u)
{
  Owner *o = u;
  g_assert_nonnull (stun_client_binding_once (o->stun, &o->server, SIM_S (5), owner_done, o));
}

static void
test_binding_once (void)
{
  const SimTime t0 = SIM_S (1);
  Fx x;
  fx_init (&x, SIM_MS (10));
  Server srv;
  server_open (&srv, x.server, SERVER_SILENT);
  Owner o;
  owner_open (&o, x.client, NULL, (SimSockAddr) { x.f.server_ip, STUN_PORT });
  host_timer_init (x.client, &o.kick, once_kick, &o);
  host_timer_start (&o.kick, t0);
  sim_world_run_until (x.f.world, SIM_S (60));
  g_assert_cmpuint (o.sent_at->len, ==, 1);
  g_assert_cmpuint (srv.rx_at->len, ==, 1);
  g_assert_cmpint (o.done, ==, 1);
  g_assert_cmpint (o.result.outcome, ==, STUN_RESULT_TIMEOUT);
  g_assert_cmpint (o.done_at, ==, t0 + SIM_S (5));
  g_assert_cmpuint (o.result.sends, ==, 1);

  /* Answered: success after one round trip (4 links of 10 ms). */
  srv.mode = SERVER_ANSWER;
  o.done = 0;
  host_timer_start (&o.kick, 0);
  SimTime t1 = host_now (x.client);
  sim_world_run_until (x.f.world, SIM_S (120));
  g_assert_cmpint (o.done, ==, 1);
  g_assert_cmpint (o.result.outcome, ==, STUN_RESULT_SUCCESS);
  g_assert_cmpint (o.done_at, ==, t1 + 4 * SIM_MS (10));
  owner_close (&o);
  server_close (&srv);
  fx_clear (&x);
}

static void
test_large_rc_saturates (void)
{
  Fx x;
  fx_init (&x, SIM_MS (1));
  SimRng rng;
  host_rng_init (x.client, &rng, "stun");
  g_autoptr (GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  StunClientConfig cfg = { .rto = SIM_S (1), .rc = 70 };
  StunClient *c = stun_client_new (x.client, &rng, &cfg, null_send, sent);
  Count a = { 0 };
  SimSockAddr to = { x.f.server_ip, STUN_PORT };
  stun_client_binding (c, &to, count_done, &a);
  sim_world_run_until (x.f.world, SIM_TIME_MAX - 1);
  guint want = 0;
  for (guint k = 0; k < 70; k++)
    if ((double) ((1ull << MIN (k, 63u)) - 1) * (double) cfg.rto < (double) (SIM_TIME_MAX - 1))
      want++;
  g_assert_cmpuint (want, <, 70);
  g_assert_cmpuint (sent->len, ==, want);
  g_assert_cmpint (a.calls, ==, 0);
  stun_client_free (c);
  fx_clear (&x);
}

/* -------------------------------------------------------- 2-responses */

static void
test_responding_server (void)
{
  const SimTime L = SIM_MS (20), t0 = SIM_S (3);
  Fx x;
  fx_init (&x, L);
  Server srv;
  server_open (&srv, x.server, SERVER_ANSWER);
  Owner o;
  owner_start (&o, &x, t0);
  sim_world_run_until (x.f.world, t0 + SIM_S (60));

  g_assert_cmpint (o.done, ==, 1);
  g_assert_cmpint (o.result.outcome, ==, STUN_RESULT_SUCCESS);
  g_assert_cmpint (o.done_at, ==, t0 + 4 * L);
  g_assert_cmpint (o.result.elapsed, ==, 4 * L);
  g_assert_cmpuint (o.result.sends, ==, 1);
  g_assert_true (o.result.mapped_is_xor);
  /* The mapped address is the client's address as the server saw it; with
   * no NAT in between, the client socket's own address. */
  SimSockAddr mine;
  host_udp_get_local (o.sock, &mine);
  g_assert_cmpint (o.result.mapped.family, ==, STUN_FAMILY_IPV4);
  g_assert_true (sim_sockaddr_equal (&o.result.mapped.addr, &srv.last_from));
  g_assert_cmphex (o.result.mapped.addr.ip, ==, x.f.client_ip);
  g_assert_cmpuint (o.result.mapped.addr.port, ==, 5060);
  g_assert_cmpuint (o.result.mapped.addr.port, ==, mine.port);
  g_assert_cmpuint (srv.rx_at->len, ==, 1);
  g_assert_cmpuint (o.stray, ==, 0);
  owner_close (&o);
  server_close (&srv);
  fx_clear (&x);
}

static void
test_success_after_lost_requests (void)
{
  /* link0 is down until t0 + 2 s: the sends at 0, 0.5 and 1.5 s die on
   * it, the one at 3.5 s gets through and is answered 4L later. */
  const SimTime L = SIM_MS (10), t0 = SIM_S (1), up = t0 + SIM_S (2);
  Fx x;
  fx_init (&x, L);
  sim_link_schedule_cut (x.f.link0, 0, up);
  Server srv;
  server_open (&srv, x.server, SERVER_ANSWER);
  Owner o;
  owner_start (&o, &x, t0);
  sim_world_run_until (x.f.world, SIM_S (60));

  SimTime want[7], fail;
  expected_schedule (STUN_DEFAULT_RTO, 7, 16, want, &fail);
  guint first_through = 0;
  while (t0 + want[first_through] < up)
    first_through++;
  g_assert_cmpuint (first_through, ==, 3);
  g_assert_cmpint (o.result.outcome, ==, STUN_RESULT_SUCCESS);
  g_assert_cmpuint (o.result.sends, ==, first_through + 1);
  g_assert_cmpint (o.done_at, ==, t0 + want[first_through] + 4 * L);
  g_assert_cmpuint (srv.rx_at->len, ==, 1);
  g_assert_cmpuint (sim_link_get_stats (x.f.link0)->dropped_down[0], ==, first_through);
  owner_close (&o);
  server_close (&srv);
  fx_clear (&x);
}

static void
test_slow_path_duplicate_response (void)
{
  /* 4L = 1.2 s > RTO: the retransmission at 0.5 s goes out before the
   * first answer is back; the server answers both; the first answer ends
   * the transaction at 1.2 s, the second (at 0.5 + 1.2 s) is a stray. */
  const SimTime L = SIM_MS (300), t0 = 0;
  Fx x;
  fx_init (&x, L);
  Server srv;
  server_open (&srv, x.server, SERVER_ANSWER);
  Owner o;
  owner_start (&o, &x, t0);
  sim_world_run_until (x.f.world, SIM_S (60));

  SimTime want[7], fail;
  expected_schedule (STUN_DEFAULT_RTO, 7, 16, want, &fail);
  guint sends_before_answer = 0;
  while (want[sends_before_answer] < 4 * L)
    sends_before_answer++;
  g_assert_cmpuint (sends_before_answer, ==, 2);
  g_assert_cmpint (o.result.outcome, ==, STUN_RESULT_SUCCESS);
  g_assert_cmpint (o.done_at, ==, t0 + 4 * L);
  g_assert_cmpuint (o.result.sends, ==, sends_before_answer);
  g_assert_cmpuint (srv.rx_at->len, ==, sends_before_answer);
  g_assert_cmpuint (o.stray, ==, sends_before_answer - 1);
  g_assert_cmpint (o.done, ==, 1);
  owner_close (&o);
  server_close (&srv);
  fx_clear (&x);
}

static void
run_bad_server (ServerMode mode, StunOutcome want, guint want_code)
{
  const SimTime L = SIM_MS (5);
  Fx x;
  fx_init (&x, L);
  Server srv;
  server_open (&srv, x.server, mode);
  Owner o;
  owner_start (&o, &x, 0);
  sim_world_run_until (x.f.world, SIM_S (60));
  g_assert_cmpint (o.done, ==, 1);
  g_assert_cmpint (o.result.outcome, ==, want);
  g_assert_cmpint (o.done_at, ==, 4 * L);
  g_assert_cmpuint (o.result.error_code, ==, want_code);
  if (want == STUN_RESULT_ERROR_RESPONSE)
    g_assert_cmpstr (o.reason, ==, "Bad Request");
  owner_close (&o);
  server_close (&srv);
  fx_clear (&x);
}

static void
test_error_response (void)
{
  run_bad_server (SERVER_ERROR_400, STUN_RESULT_ERROR_RESPONSE, 400);
}

static void
test_bad_responses (void)
{
  /* RFC 5389 §7.3.3: a success with an unknown comprehension-required
   * attribute is discarded and the transaction fails; one without any
   * address is of no use to a Binding client. */
  run_bad_server (SERVER_NO_ADDRESS, STUN_RESULT_BAD_RESPONSE, 0);
  run_bad_server (SERVER_UNKNOWN_ATTR, STUN_RESULT_BAD_RESPONSE, 0);
}

/* -------------------------------------------------------- 3-transport */

static void
test_icmp_port_unreachable (void)
{
  /* Nothing is bound on the server's port: ICMP port unreachable comes
   * back 4L after the request, before the first retransmission at RTO. */
  const SimTime L = SIM_MS (25), t0 = SIM_S (5);
  g_assert_cmpint (4 * L, <, STUN_DEFAULT_RTO);
  Fx x;
  fx_init (&x, L);
  Owner o;
  owner_start (&o, &x, t0);
  sim_world_run_until (x.f.world, t0 + SIM_S (60));
  g_assert_cmpint (o.done, ==, 1);
  g_assert_cmpint (o.result.outcome, ==, STUN_RESULT_TRANSPORT_ERROR);
  g_assert_cmpint (o.result.net_error, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmpint (o.done_at, ==, t0 + 4 * L);
  g_assert_cmpuint (o.result.sends, ==, 1);
  g_assert_cmpuint (o.sent_at->len, ==, 1);
  g_assert_true (sim_sockaddr_equal (&o.result.server, &o.server));
  owner_close (&o);
  fx_clear (&x);
}

static void
test_send_failure_reported_from_loop (void)
{
  const SimTime t0 = SIM_MS (700);
  Fx x;
  fx_init (&x, SIM_MS (1));
  Owner o;
  owner_open (&o, x.client, NULL, (SimSockAddr) { x.f.server_ip, STUN_PORT });
  o.fail_sends = SIM_NET_ERR_NO_ROUTE;
  host_timer_start (&o.kick, t0);
  sim_world_run_until (x.f.world, SIM_S (60));
  g_assert_cmpint (o.done, ==, 1);
  g_assert_false (o.done_in_call);
  g_assert_cmpint (o.done_at, ==, t0);
  g_assert_cmpint (o.result.outcome, ==, STUN_RESULT_TRANSPORT_ERROR);
  g_assert_cmpint (o.result.net_error, ==, SIM_NET_ERR_NO_ROUTE);
  g_assert_cmpuint (o.sent_at->len, ==, 1);
  owner_close (&o);
  fx_clear (&x);
}

/* -------------------------------------------------------- 4-reliable */

static void
run_reliable (SimTime ti, SimTime want_fail)
{
  const SimTime t0 = SIM_S (10);
  Fx x;
  fx_init (&x, SIM_MS (10));
  Server srv;
  server_open (&srv, x.server, SERVER_SILENT);
  StunClientConfig cfg = { .reliable = TRUE, .ti = ti };
  Owner o;
  owner_open (&o, x.client, &cfg, (SimSockAddr) { x.f.server_ip, STUN_PORT });
  host_timer_start (&o.kick, t0);
  sim_world_run_until (x.f.world, t0 + SIM_S (100));
  /* §7.2.2: over a reliable transport the request is sent once. */
  g_assert_cmpuint (o.sent_at->len, ==, 1);
  g_assert_cmpint (g_array_index (o.sent_at, SimTime, 0), ==, t0);
  g_assert_cmpint (o.result.outcome, ==, STUN_RESULT_TIMEOUT);
  g_assert_cmpint (o.done_at, ==, t0 + want_fail);
  g_assert_cmpuint (o.result.sends, ==, 1);
  owner_close (&o);
  server_close (&srv);
  fx_clear (&x);
}

static void
test_reliable_default_ti (void)
{
  run_reliable (0, SIM_MS (39500));
}

static void
test_reliable_custom_ti (void)
{
  run_reliable (SIM_S (7), SIM_S (7));
}

/* ------------------------------------------------------------- 5-api */

static void
test_cancel_and_free (void)
{
  Fx x;
  fx_init (&x, SIM_MS (1));
  SimRng rng;
  host_rng_init (x.client, &rng, "stun");
  StunClient *c = stun_client_new (x.client, &rng, NULL, null_send, NULL);
  SimSockAddr to = { x.f.server_ip, STUN_PORT };
  Count a = { 0 }, b = { 0 };
  StunTransaction *ta = stun_client_binding (c, &to, count_done, &a);
  stun_client_binding (c, &to, count_done, &b);
  g_assert_cmpuint (stun_client_get_n_pending (c), ==, 2);
  stun_transaction_cancel (ta);
  g_assert_cmpuint (stun_client_get_n_pending (c), ==, 1);
  sim_world_run_until (x.f.world, SIM_S (10));
  g_assert_cmpint (a.calls + b.calls, ==, 0);
  /* Freeing with one pending: no callback, and its timer is cancelled
   * (sim_world_free checks that no timer is left pending). */
  stun_client_free (c);
  sim_world_run_until (x.f.world, SIM_S (100));
  g_assert_cmpint (b.calls, ==, 0);
  fx_clear (&x);
}

/* A done function that cancels the transaction it is told about (cleanup
 * code that does not know it is ending anyway): a no-op, freed once. */
static void
cancel_self_done (StunTransaction *txn, const StunResult *r, gpointer u)
{
  ((Count *) u)->calls++;
  stun_transaction_cancel (txn);
}

static void
test_cancel_inside_done (void)
{
  Fx x;
  fx_init (&x, SIM_MS (1));
  SimRng rng;
  host_rng_init (x.client, &rng, "stun");
  StunClient *c = stun_client_new (x.client, &rng, NULL, null_send, NULL);
  SimSockAddr to = { x.f.server_ip, STUN_PORT };
  Count a = { 0 }, b = { 0 };
  stun_client_binding (c, &to, cancel_self_done, &a);
  stun_client_binding (c, &to, count_done, &b);
  g_assert_cmpuint (stun_client_transport_error (c, &to, SIM_NET_ERR_PORT_UNREACHABLE), ==, 2);
  g_assert_cmpint (a.calls, ==, 1);
  g_assert_cmpint (b.calls, ==, 1);
  g_assert_cmpuint (stun_client_get_n_pending (c), ==, 0);
  stun_client_free (c);
  fx_clear (&x);
}

static void
test_txids_and_matching (void)
{
  Fx x;
  fx_init (&x, SIM_MS (1));
  g_autoptr (GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  SimRng rng, same;
  sim_rng_init (&rng, 42, "stun-test");
  sim_rng_init (&same, 42, "stun-test");
  StunClient *c = stun_client_new (x.client, &rng, NULL, null_send, sent);
  SimSockAddr s1 = { x.f.server_ip, STUN_PORT }, s2 = { x.f.server_ip, STUN_PORT + 1 };
  Count a = { 0 }, b = { 0 };
  StunTransaction *ta = stun_client_binding (c, &s1, count_done, &a);
  StunTransaction *tb = stun_client_binding (c, &s2, count_done, &b);

  /* The ids are the caller's stream: 8 bytes of one draw, 4 of the next,
   * big-endian, and the request carries them. */
  guint64 r0 = sim_rng_u64 (&same), r1 = sim_rng_u64 (&same);
  guint8 want[12];
  for (int i = 0; i < 8; i++)
    want[i] = (guint8) (r0 >> (56 - 8 * i));
  for (int i = 0; i < 4; i++)
    want[8 + i] = (guint8) (r1 >> (56 - 8 * i));
  g_assert_cmpmem (stun_transaction_get_txid (ta), 12, want, 12);
  g_assert_true (memcmp (stun_transaction_get_txid (ta), stun_transaction_get_txid (tb), 12) != 0);
  g_assert_cmpuint (sent->len, ==, 2);
  g_autoptr (StunMsg) req_a = stun_msg_parse (g_bytes_get_data (sent->pdata[0], NULL),
                                              g_bytes_get_size (sent->pdata[0]), NULL);
  g_assert_nonnull (req_a);
  g_assert_cmpmem (stun_msg_get_txid (req_a), 12, want, 12);
  g_assert_cmphex (stun_msg_get_type (req_a), ==, STUN_BINDING_REQUEST);

  /* A response for b ends b only; a second copy, one with an unknown id, a
   * request and garbage are not taken. */
  SimSockAddr mapped_sa = { SIM_IP4 (192, 0, 2, 9), 1234 };
  StunAddress mapped;
  stun_address_from_sockaddr (&mapped, &mapped_sa);
  StunBuilder *bl = stun_builder_new (STUN_BINDING_SUCCESS, stun_transaction_get_txid (tb));
  stun_builder_add_xor_mapped_address (bl, &mapped);
  g_autoptr (GBytes) resp = stun_builder_end (bl, TRUE);
  gsize rlen;
  const guint8 *rdata = g_bytes_get_data (resp, &rlen);
  g_assert_true (stun_client_receive (c, &s2, rdata, rlen));
  g_assert_cmpint (b.calls, ==, 1);
  g_assert_cmpint (a.calls, ==, 0);
  g_assert_false (stun_client_receive (c, &s2, rdata, rlen));
  const guint8 other[12] = { 1 };
  bl = stun_builder_new (STUN_BINDING_SUCCESS, other);
  stun_builder_add_xor_mapped_address (bl, &mapped);
  g_autoptr (GBytes) resp2 = stun_builder_end (bl, FALSE);
  g_assert_false (stun_client_receive (c, &s1, g_bytes_get_data (resp2, NULL),
                                       g_bytes_get_size (resp2)));
  g_assert_false (stun_client_receive (c, &s1, g_bytes_get_data (sent->pdata[0], NULL),
                                       g_bytes_get_size (sent->pdata[0])));
  g_assert_false (stun_client_receive (c, &s1, (const guint8 *) "SIP/2.0 200 OK\r\n", 16));
  g_assert_cmpint (a.calls, ==, 0);

  /* A transport error toward another address leaves a alone; toward s1 it
   * ends it at once. */
  g_assert_cmpuint (stun_client_transport_error (c, &s2, SIM_NET_ERR_HOST_UNREACHABLE), ==, 0);
  g_assert_cmpuint (stun_client_transport_error (c, &s1, SIM_NET_ERR_HOST_UNREACHABLE), ==, 1);
  g_assert_cmpint (a.calls, ==, 1);
  g_assert_cmpuint (stun_client_get_n_pending (c), ==, 0);
  stun_client_free (c);
  fx_clear (&x);
}

static void
test_fingerprint_and_software_in_requests (void)
{
  Fx x;
  fx_init (&x, SIM_MS (1));
  g_autoptr (GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  SimRng rng;
  sim_rng_init (&rng, 1, "s");
  char software[] = "sipsim-phone";
  StunClientConfig cfg = { .fingerprint = TRUE, .software = software };
  StunClient *c = stun_client_new (x.client, &rng, &cfg, null_send, sent);
  software[0] = 'X';       /* copied by stun_client_new() */
  SimSockAddr s1 = { x.f.server_ip, STUN_PORT };
  stun_client_binding (c, &s1, NULL, NULL);
  g_autoptr (StunMsg) req = stun_msg_parse (g_bytes_get_data (sent->pdata[0], NULL),
                                            g_bytes_get_size (sent->pdata[0]), NULL);
  g_assert_nonnull (req);
  g_assert_true (stun_msg_has_fingerprint (req));
  g_assert_cmpstr (stun_msg_get_software (req), ==, "sipsim-phone");
  stun_client_free (c);
  fx_clear (&x);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stun/client/1-retransmit/silent-server-rto-500ms", test_silent_server_default_rto);
  g_test_add_func ("/stun/client/1-retransmit/silent-server-rto-100ms", test_silent_server_rto_100ms);
  g_test_add_func ("/stun/client/1-retransmit/custom-rc-rm", test_custom_rc_rm);
  g_test_add_func ("/stun/client/1-retransmit/large-rc-saturates", test_large_rc_saturates);
  g_test_add_func ("/stun/client/1-retransmit/binding-once", test_binding_once);
  g_test_add_func ("/stun/client/2-response/mapped-address", test_responding_server);
  g_test_add_func ("/stun/client/2-response/after-lost-requests", test_success_after_lost_requests);
  g_test_add_func ("/stun/client/2-response/duplicate-on-slow-path", test_slow_path_duplicate_response);
  g_test_add_func ("/stun/client/2-response/error-response", test_error_response);
  g_test_add_func ("/stun/client/2-response/unusable", test_bad_responses);
  g_test_add_func ("/stun/client/3-transport/icmp-port-unreachable", test_icmp_port_unreachable);
  g_test_add_func ("/stun/client/3-transport/send-failure", test_send_failure_reported_from_loop);
  g_test_add_func ("/stun/client/4-reliable/default-ti", test_reliable_default_ti);
  g_test_add_func ("/stun/client/4-reliable/custom-ti", test_reliable_custom_ti);
  g_test_add_func ("/stun/client/5-api/cancel-and-free", test_cancel_and_free);
  g_test_add_func ("/stun/client/5-api/cancel-inside-done", test_cancel_inside_done);
  g_test_add_func ("/stun/client/5-api/txids-and-matching", test_txids_and_matching);
  g_test_add_func ("/stun/client/5-api/request-attributes", test_fingerprint_and_software_in_requests);
  return g_test_run ();
}
