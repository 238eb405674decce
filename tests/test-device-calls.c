/*
 * tests/test-device-calls.c - calls and subscriptions of the whole phone
 * through the proxy (issue 16): where INVITE and SUBSCRIBE go (B22, B25),
 * X_BypassOutboundProxyInCall (B24; no effect over TCP/TLS, where calls go
 * down the account's connection), the location service, incoming calls
 * per call_answer, and what a crash does to calls.
 *
 * The world is tests/device-fixture.h plus a far end on the core:
 *
 *   core 198.51.100.49/29 ──L── 198.51.100.50 "far" (a UA answering at
 *                                 once, or a second phone)
 *
 * so phone <-> proxy is three links (30 ms), proxy <-> far two (20 ms),
 * phone <-> far three (30 ms).  Expected instants are sums of those
 * delays and the rules' timers: Timer B = the account's transaction timer
 * (64*T1 = 32 s for obihai, 4 s for aastra, B8), Timer F the same for BYE,
 * refresh at E - lead (B5).
 */
#include <string.h>

#include "tests/device-test-util.h"
#include "models/sip/builder.h"
#include "models/sip/dialog.h"

#define PHONE_PROXY  (3 * L)
#define PROXY_FAR    (2 * L)
#define PHONE_FAR    (3 * L)
#define FAR_IP       SIM_IP4 (198, 51, 100, 50)

/* ------------------------------------------------------------ far end */

typedef struct {
  SimHost      *host;
  SimHostUdp   *udp;
  SipTxnLayer  *layer;
  SipDialogSet *set;
  SimRng        rng;
  GPtrArray    *dialogs;
  GPtrArray    *invites;       /* SipMsg: every initial INVITE received */
  guint         byes;
  guint         drop_acks;     /* ignore this many ACKs (a lost ACK) */
  guint         acks;          /* ACKs taken */
  SimTime       ack_time;      /* of the last one */
} Far;

static void
far_on_event (SipDialog *d, const SipDialogEvent *ev, gpointer u)
{
  Far *f = u;
  if (ev->kind == SIP_DIALOG_EV_ENDED || ev->kind == SIP_DIALOG_EV_FAILED) {
    if (ev->end == SIP_DIALOG_END_REMOTE_BYE)
      f->byes++;
    g_ptr_array_remove (f->dialogs, d);
    sip_dialog_free (d);
  }
}

static void
far_request (SipTxnLayer *layer, SipTxn *txn, SipMsg *req, const SipTxnPeer *from, gpointer u)
{
  Far *f = u;
  (void) layer;
  if (sip_dialog_set_request (f->set, txn, req, from))
    return;
  g_assert_cmpint (sip_msg_method (req), ==, SIP_METHOD_INVITE);
  g_ptr_array_add (f->invites, sip_msg_ref (req));
  SipDialogConfig cfg = { .local_uri = "sip:bob@198.51.100.50",
                          .contact_uri = "sip:bob@198.51.100.50:5060",
                          .via_host = "198.51.100.50", .via_port = 5060 };
  SipDialogFuncs fn = { .event = far_on_event };
  SipDialog *d = sip_dialog_new_uas (f->set, &cfg, txn, req, from, &fn, f);
  g_ptr_array_add (f->dialogs, d);
  sip_dialog_ring (d);
  sip_dialog_answer (d);                          /* at once */
}

static void
far_ack (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  (void) layer;
  Far *f = u;
  if (f->drop_acks > 0) {
    f->drop_acks--;
    return;
  }
  f->acks++;
  f->ack_time = host_now (f->host);
  sip_dialog_set_ack (f->set, msg, from);
}

static void
far_stray (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  (void) layer;
  sip_dialog_set_stray_response (((Far *) u)->set, msg, from);
}

static SimNetError
far_send (SipTxnLayer *layer, const SipTxnPeer *to, const guint8 *data, gsize len, gpointer u)
{
  (void) layer;
  return host_udp_sendto (((Far *) u)->udp, &to->addr, data, len, NULL) ? SIM_NET_OK
                                                                       : SIM_NET_ERR_NO_ROUTE;
}

static void
far_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  Far *f = u;
  g_autoptr (SipMsg) m = sip_msg_parse (data, len, NULL);
  g_assert_nonnull (m);
  SipTxnPeer peer = { .addr = *from, .flow = s };
  sip_txn_layer_receive (f->layer, m, &peer);
}

/* A node "far" on the core at FAR_IP; with @ua a UA on port 5060. */
static SimHost *
far_node (DeviceFixture *fx)
{
  SimLinkConfig lc = { .latency = fx->latency };
  SimNode *n = sim_node_new (fx->net, "far", NULL);
  SimIface *ci = sim_node_add_iface (fx->core_node, SIM_IP4 (198, 51, 100, 49), 29);
  SimIface *fi = sim_node_add_iface (n, FAR_IP, 29);
  sim_node_set_default_route (n, fi);
  sim_link_new (fx->net, ci, fi, &lc);
  return sim_host_new (n, "far");
}

static void
far_init (Far *f, DeviceFixture *fx)
{
  memset (f, 0, sizeof *f);
  f->host = far_node (fx);
  SimSockAddr local = { SIM_IP4_ANY, 5060 };
  GError *err = NULL;
  f->udp = host_udp_open (f->host, &local, far_recv, NULL, f, &err);
  g_assert_no_error (err);
  f->layer = sip_txn_layer_new (f->host, NULL, far_send, f);
  SipTxnTuFuncs tu = { far_request, far_ack, far_stray };
  sip_txn_layer_set_tu (f->layer, &tu, f);
  host_rng_init (f->host, &f->rng, "far");
  f->set = sip_dialog_set_new (f->layer, &f->rng);
  f->dialogs = g_ptr_array_new ();
  f->invites = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
}

static void
far_clear (Far *f)
{
  g_ptr_array_free (f->dialogs, TRUE);
  sip_dialog_set_free (f->set);
  sip_txn_layer_free (f->layer);
  host_udp_close (f->udp);
  host_free (f->host);
  g_ptr_array_unref (f->invites);
}

/* ------------------------------------------------------------ events */

static const DeviceEvent *
call_event (const GArray *events, guint call_id, DeviceCallPhase phase)
{
  for (guint i = 0; i < events->len; i++) {
    const DeviceEvent *ev = &g_array_index (events, DeviceEvent, i);
    if (ev->kind == DEVICE_EVENT_CALL && ev->call_id == call_id && ev->call_phase == phase)
      return ev;
  }
  return NULL;
}

static const DeviceEvent *
sub_event (const GArray *events, DeviceSubPhase phase, SimTime after)
{
  for (guint i = 0; i < events->len; i++) {
    const DeviceEvent *ev = &g_array_index (events, DeviceEvent, i);
    if (ev->kind == DEVICE_EVENT_SUBSCRIPTION && ev->sub_phase == phase && ev->time >= after)
      return ev;
  }
  return NULL;
}

typedef struct {
  DeviceFixture *fx;
  guint          account;
  const char    *callee;
  SimTime        hold;
  guint          id;
} CallAt;

static void
call_at_fire (SimTimer *t, gpointer u)
{
  CallAt *c = u;
  (void) t;
  c->id = device_call_start (c->fx->device, c->account, c->callee, c->hold);
  g_assert_cmpuint (c->id, >, 0);
}

/* Places a call at @at (from the event loop, as a workload would). */
static void
schedule_call (DeviceFixture *fx, SimTimer *timer, CallAt *c, SimTime at)
{
  c->fx = fx;
  if (c->account == 0)
    c->account = 1;
  sim_timer_init (timer, fx->world, call_at_fire, c);
  sim_timer_start_at (timer, at);
}

static gboolean
sockaddr_is (const SimSockAddr *a, SimIp4 ip)
{
  return a->ip == ip && a->port == 5060;
}

/* ------------------------------------------------------------- tests */

/* A second phone "1001" on the far node, answering after 2 s (or
 * ringing forever), registered at proxy0 by IP literal. */
static Device *
far_phone_on (DeviceFixture *fx, SimHost *host, const char *answer, const char *transport)
{
  DeviceConfig cfg;
  device_config_init (&cfg, DEVICE_PROFILE_OBIHAI);
  char ip[SIM_IP4_STRLEN];
  set (&cfg, "ProxyServer", sim_ip4_to_string (fx->proxy_ip[0], ip));
  set (&cfg, "ProxyServerTransport", transport);
  set (&cfg, "ProxyServerPort", strcmp (transport, "TLS") == 0 ? "5061" : "5060");
  set (&cfg, "AuthUserName", "1001");
  set (&cfg, "DNSServer1", "192.0.2.53");
  set (&cfg, "sip.reg_surge_prevention", "0");
  set (&cfg, "call_answer", answer);
  set (&cfg, "call_ring_time", "2");
  GError *err = NULL;
  Device *d = device_new (host, &cfg, &err);
  g_assert_no_error (err);
  device_config_clear (&cfg);
  return d;
}

static Device *
far_phone (DeviceFixture *fx, SimHost *host, const char *answer, GArray *events)
{
  (void) events;
  return far_phone_on (fx, host, answer, "UDP");
}

static void
far_phone_event (Device *dev, const DeviceEvent *ev, gpointer u)
{
  (void) dev;
  DeviceEvent copy = *ev;
  copy.detail = NULL;
  g_array_append_val ((GArray *) u, copy);
}

/* 1: phone to phone through the proxy's location service.  1000 calls
 * 1001 at T: the INVITE reaches the proxy after 30 ms and 1001 (found by
 * its binding) 20 ms later; 1001 rings (RINGING at 1000 after 100 ms) and
 * answers after call_ring_time = 2 s (ESTABLISHED at T + 2.1 s); the ACK
 * follows the Record-Route through the proxy (1001 established at T +
 * 2.15 s); 1000 hangs up after the hold of 10 s, 1001 sees the BYE 50 ms
 * later and 1000 its 200 50 ms after that. */
static void
run_location_phone_to_phone (const char *transport)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 21 });
  SimHost *far = far_node (&fx);
  g_autoptr (GArray) bev = g_array_new (FALSE, TRUE, sizeof (DeviceEvent));
  Device *b = far_phone_on (&fx, far, "answer", transport);
  device_set_event_func (b, far_phone_event, bev);
  device_start (b);
  DeviceConfig cfg;
  obihai_config (&cfg);
  char ip[SIM_IP4_STRLEN];
  set (&cfg, "ProxyServer", sim_ip4_to_string (fx.proxy_ip[0], ip));
  set (&cfg, "ProxyServerTransport", transport);
  set (&cfg, "ProxyServerPort", strcmp (transport, "TLS") == 0 ? "5061" : "5060");
  device_fixture_start_device (&fx, &cfg);
  SimTimer t;
  const SimTime T = SIM_S (10);
  CallAt c = { .callee = "1001", .hold = SIM_S (10) };
  schedule_call (&fx, &t, &c, T);
  sim_world_run_until (fx.world, SIM_S (60));

  const DeviceEvent *st = call_event (fx.events, c.id, DEVICE_CALL_STARTED);
  g_assert_nonnull (st);
  g_assert_cmpuint (st->server.ip, ==, fx.proxy_ip[0]);
  const DeviceEvent *ring = call_event (fx.events, c.id, DEVICE_CALL_RINGING);
  g_assert_nonnull (ring);
  g_assert_cmpint (ring->time, ==, T + 2 * (PHONE_PROXY + PROXY_FAR));
  const DeviceEvent *up = call_event (fx.events, c.id, DEVICE_CALL_ESTABLISHED);
  g_assert_nonnull (up);
  g_assert_cmpint (up->time, ==, T + PHONE_PROXY + PROXY_FAR + SIM_S (2) + PROXY_FAR + PHONE_PROXY);
  const DeviceEvent *end = call_event (fx.events, c.id, DEVICE_CALL_ENDED);
  g_assert_nonnull (end);
  g_assert_cmpint (end->time, ==, up->time + SIM_S (10) + 2 * (PHONE_PROXY + PROXY_FAR));
  g_assert_cmpuint (end->status, ==, 200);

  /* The callee's side: incoming, established by the ACK via the proxy. */
  const DeviceEvent *bin = call_event (bev, 1, DEVICE_CALL_STARTED);
  g_assert_nonnull (bin);
  g_assert_true (bin->incoming);
  const DeviceEvent *bup = call_event (bev, 1, DEVICE_CALL_ESTABLISHED);
  g_assert_nonnull (bup);
  g_assert_cmpint (bup->time, ==, up->time + PHONE_PROXY + PROXY_FAR);
  const DeviceEvent *bend = call_event (bev, 1, DEVICE_CALL_ENDED);
  g_assert_nonnull (bend);
  g_assert_cmpint (bend->time, ==, up->time + SIM_S (10) + PHONE_PROXY + PROXY_FAR);
  SipProxyCallStats cs;
  sip_proxy_get_call_stats (fx.proxy[0], &cs);
  g_assert_cmpuint (cs.forwarded, ==, 2);               /* INVITE, BYE */
  g_assert_cmpuint (cs.acks_forwarded, ==, 1);
  g_assert_cmpuint (device_call_count (fx.device), ==, 0);
  if (strcmp (transport, "UDP") != 0) {
    /* B24: both phones' calls went down their registration connections
     * (the callee answered on the flow the INVITE came on): no datagram
     * reached the proxy and each phone opened one connection. */
    g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[0])->datagrams, ==, 0);
    g_assert_cmpuint (device_get_stats (fx.device)->flows_opened, ==, 1);
    g_assert_cmpuint (device_get_stats (b)->flows_opened, ==, 1);
  }
  device_free (b);
  host_free (far);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

static void
test_location_phone_to_phone (void)
{
  run_location_phone_to_phone ("UDP");
}

/* 1c: the same over TCP and TLS (ProxyServerTransport on both phones):
 * the connections are up long before the call, so every instant is the
 * UDP one. */
static void
test_location_phone_to_phone_conn (void)
{
  run_location_phone_to_phone ("TCP");
  run_location_phone_to_phone ("TLS");
}

/* 1b: the callee rings forever; the caller gives up after
 * call_setup_timeout = 5 s: CANCEL via the proxy, 487 back: FAILED 487
 * one round trip (phone-proxy-callee) after the CANCEL left. */
static void
test_setup_timeout_cancel (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 22 });
  SimHost *far = far_node (&fx);
  g_autoptr (GArray) bev = g_array_new (FALSE, TRUE, sizeof (DeviceEvent));
  Device *b = far_phone (&fx, far, "ring", bev);
  device_set_event_func (b, far_phone_event, bev);
  device_start (b);
  DeviceConfig cfg;
  obihai_config (&cfg);
  char ip[SIM_IP4_STRLEN];
  set (&cfg, "ProxyServer", sim_ip4_to_string (fx.proxy_ip[0], ip));
  set (&cfg, "call_setup_timeout", "5");
  device_fixture_start_device (&fx, &cfg);
  SimTimer t;
  const SimTime T = SIM_S (10);
  CallAt c = { .callee = "1001" };
  schedule_call (&fx, &t, &c, T);
  sim_world_run_until (fx.world, SIM_S (60));
  const DeviceEvent *f = call_event (fx.events, c.id, DEVICE_CALL_FAILED);
  g_assert_nonnull (f);
  g_assert_cmpuint (f->status, ==, 487);
  g_assert_cmpint (f->time, ==, T + SIM_S (5) + 2 * (PHONE_PROXY + PROXY_FAR));
  const DeviceEvent *bf = call_event (bev, 1, DEVICE_CALL_FAILED);
  g_assert_nonnull (bf);
  g_assert_cmpuint (bf->status, ==, 487);
  device_free (b);
  host_free (far);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* 2: B22.  OBi with SRV redundancy registers at proxy0; proxy0 crashes
 * at 100 s.  A call at 200 s (the binding at proxy0 still in force) goes
 * to proxy0 and fails at Timer B = 32 s, not moving on (search mode);
 * the refresh at r0 + 270 s fails over to proxy1 after Timer F; a call at
 * 400 s goes to proxy1, the server the phone now registers with, and is
 * answered one round trip phone-proxy-far later. */
static void
test_b22_invite_follows_registration (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 23 });
  Far far;
  far_init (&far, &fx);
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "RegisterExpires", "300");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  SimTimer t1, t2;
  CallAt c1 = { .callee = "sip:bob@198.51.100.50" }, c2 = { .callee = "sip:bob@198.51.100.50" };
  schedule_call (&fx, &t1, &c1, SIM_S (200));
  schedule_call (&fx, &t2, &c2, SIM_S (400));
  sim_world_run_until (fx.world, SIM_S (500));

  const DeviceEvent *s1 = call_event (fx.events, c1.id, DEVICE_CALL_STARTED);
  g_assert_true (sockaddr_is (&s1->server, fx.proxy_ip[0]));
  const DeviceEvent *f1 = call_event (fx.events, c1.id, DEVICE_CALL_FAILED);
  g_assert_nonnull (f1);
  g_assert_cmpint (f1->time, ==, SIM_S (200) + TIMER_F);          /* Timer B = 64*T1 */
  g_assert_cmpuint (f1->status, ==, 0);
  g_assert_null (call_event (fx.events, c1.id, DEVICE_CALL_RETRIED));

  const DeviceEvent *moved = registered_at (&fx, 1, 0);
  g_assert_nonnull (moved);
  g_assert_cmpint (moved->time, <, SIM_S (400));
  const DeviceEvent *s2 = call_event (fx.events, c2.id, DEVICE_CALL_STARTED);
  g_assert_true (sockaddr_is (&s2->server, fx.proxy_ip[1]));       /* B22 */
  const DeviceEvent *up = call_event (fx.events, c2.id, DEVICE_CALL_ESTABLISHED);
  g_assert_nonnull (up);
  g_assert_cmpint (up->time, ==, SIM_S (400) + 2 * (PHONE_PROXY + PROXY_FAR));
  g_assert_cmpuint (far.invites->len, ==, 1);
  far_clear (&far);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

static void
aastra_calls_config (DeviceConfig *cfg, const DeviceFixture *fx)
{
  char ip0[SIM_IP4_STRLEN], ip1[SIM_IP4_STRLEN];
  device_config_init (cfg, DEVICE_PROFILE_AASTRA);
  set (cfg, "sip proxy ip", sim_ip4_to_string (fx->proxy_ip[0], ip0));
  set (cfg, "sip proxy port", "5060");
  set (cfg, "sip backup registrar ip", sim_ip4_to_string (fx->proxy_ip[1], ip1));
  set (cfg, "sip backup registrar port", "5060");
  set (cfg, "AuthUserName", "1000");
  set (cfg, "sip registration period", "600");
  set (cfg, "sip.reg_surge_prevention", "0");
}

/* 3: B25.  Aastra, primary proxy0 crashed at 100 s.  Every INVITE tries
 * the primary first: a call at 200 s (registered at the primary) and one
 * at 700 s (registered at the backup since the renewal at 585 s) both
 * wait the 4 s transaction timer at proxy0, then go to the backup with
 * the backup AOR in From, and are answered one round trip later. */
static void
test_b25_invite_primary_first (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 24 });
  Far far;
  far_init (&far, &fx);
  DeviceConfig cfg;
  aastra_calls_config (&cfg, &fx);
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  SimTimer t1, t2;
  CallAt c1 = { .callee = "sip:bob@198.51.100.50" }, c2 = { .callee = "sip:bob@198.51.100.50" };
  schedule_call (&fx, &t1, &c1, SIM_S (200));
  schedule_call (&fx, &t2, &c2, SIM_S (700));
  sim_world_run_until (fx.world, SIM_S (800));

  g_assert_nonnull (registered_at (&fx, 1, 0));               /* on the backup before 700 s */
  g_assert_cmpint (registered_at (&fx, 1, 0)->time, <, SIM_S (700));
  CallAt *calls[] = { &c1, &c2 };
  const SimTime at[] = { SIM_S (200), SIM_S (700) };
  for (guint i = 0; i < 2; i++) {
    const DeviceEvent *s = call_event (fx.events, calls[i]->id, DEVICE_CALL_STARTED);
    g_assert_true (sockaddr_is (&s->server, fx.proxy_ip[0]));   /* primary first */
    const DeviceEvent *r = call_event (fx.events, calls[i]->id, DEVICE_CALL_RETRIED);
    g_assert_nonnull (r);
    g_assert_true (sockaddr_is (&r->server, fx.proxy_ip[1]));
    g_assert_cmpint (r->time, ==, at[i] + SIM_S (4));             /* sip transaction timer */
    const DeviceEvent *up = call_event (fx.events, calls[i]->id, DEVICE_CALL_ESTABLISHED);
    g_assert_nonnull (up);
    g_assert_cmpint (up->time, ==, at[i] + SIM_S (4) + 2 * (PHONE_PROXY + PROXY_FAR));
  }
  /* The backup AOR (B25): registered at the backup, and the From of both
   * INVITEs names it. */
  g_assert_cmpuint (sip_proxy_aor_binding_count (fx.proxy[1], "1000@198.51.100.20"), ==, 1);
  /* The backup Record-Routes (record_route defaults on, §16.6 step 4). */
  SipStr rr = sip_msg_header_by_id (far.invites->pdata[0], SIP_HDR_RECORD_ROUTE, 0);
  g_assert_true (sip_str_eq (rr, "<sip:198.51.100.20:5060;lr>"));
  g_assert_cmpuint (sip_proxy_aor_binding_count (fx.proxy[1], "1000@198.51.100.10"), ==, 0);
  g_assert_cmpuint (far.invites->len, ==, 2);
  for (guint i = 0; i < 2; i++) {
    const SipNameAddr *from = sip_msg_from (far.invites->pdata[i]);
    g_assert_true (sip_str_eq (from->uri_str, "sip:1000@198.51.100.20"));
  }
  far_clear (&far);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* 4: B24.  OBi with OutboundProxy = proxy1; a call to the far UA is up;
 * proxy1 crashes; the phone hangs up 5 s into the call.  Without
 * Record-Route at the proxy the route set is empty:
 *   bypass off  the BYE goes to the outbound proxy, which is silent:
 *               LOST at Timer F = 32 s;
 *   bypass on   the BYE goes to the remote target directly: ENDED one
 *               round trip phone-far later.
 * With Record-Route the route set is proxy1, so bypass on follows it to
 * the silent proxy as well: LOST. */
static void
run_b24 (gboolean bypass, gboolean record_route, guint *phase_out, SimTime *dt_out)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.record_route = record_route;
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 25, .proxy_cfg = &pc });
  Far far;
  far_init (&far, &fx);
  DeviceConfig cfg;
  obihai_config (&cfg);
  char ip[SIM_IP4_STRLEN];
  set (&cfg, "OutboundProxy", sim_ip4_to_string (fx.proxy_ip[1], ip));
  set (&cfg, "X_BypassOutboundProxyInCall", bypass ? "true" : "false");
  device_fixture_start_device (&fx, &cfg);
  SimTimer t;
  CallAt c = { .callee = "sip:bob@198.51.100.50", .hold = SIM_S (5) };
  schedule_call (&fx, &t, &c, SIM_S (10));
  sip_proxy_schedule_fault (fx.proxy[1], SIM_S (12), SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (fx.world, SIM_S (100));
  const DeviceEvent *s = call_event (fx.events, c.id, DEVICE_CALL_STARTED);
  g_assert_true (sockaddr_is (&s->server, fx.proxy_ip[1]));      /* the INVITE via the OBP */
  const DeviceEvent *up = call_event (fx.events, c.id, DEVICE_CALL_ESTABLISHED);
  g_assert_nonnull (up);
  const DeviceEvent *lost = call_event (fx.events, c.id, DEVICE_CALL_LOST);
  const DeviceEvent *end = call_event (fx.events, c.id, DEVICE_CALL_ENDED);
  g_assert_true ((lost == NULL) != (end == NULL));
  const DeviceEvent *last = lost ? lost : end;
  *phase_out = last->call_phase;
  *dt_out = last->time - (up->time + SIM_S (5));
  far_clear (&far);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

static void
test_b24_bypass_outbound_proxy (void)
{
  guint phase;
  SimTime dt;
  run_b24 (FALSE, FALSE, &phase, &dt);
  g_assert_cmpint (phase, ==, DEVICE_CALL_LOST);
  g_assert_cmpint (dt, ==, TIMER_F);
  run_b24 (TRUE, FALSE, &phase, &dt);
  g_assert_cmpint (phase, ==, DEVICE_CALL_ENDED);
  g_assert_cmpint (dt, ==, 2 * PHONE_FAR);
  run_b24 (TRUE, TRUE, &phase, &dt);
  g_assert_cmpint (phase, ==, DEVICE_CALL_LOST);
  g_assert_cmpint (dt, ==, TIMER_F);
}

/* 5: B25 subscriptions.  Aastra with mwi_subscribe: SUBSCRIBE goes where
 * the account registers (primary, active one round trip after the 2xx to
 * REGISTER); when the renewal moves the account to the backup the
 * subscription moves with it (MOVED at the backup's REGISTERED, active
 * one round trip later), and back when the primary returns (B25). */
static void
test_b25_subscription_moves (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 26 });
  DeviceConfig cfg;
  aastra_calls_config (&cfg, &fx);
  set (&cfg, "mwi_subscribe", "true");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (1000), SIP_PROXY_FAULT_RECOVER);
  sim_world_run_until (fx.world, SIM_S (1900));

  const DeviceEvent *a0 = sub_event (fx.events, DEVICE_SUB_ACTIVE, 0);
  g_assert_nonnull (a0);
  g_assert_true (sockaddr_is (&a0->server, fx.proxy_ip[0]));
  g_assert_cmpint (a0->time, ==, 2 * RTT);
  g_assert_nonnull (sub_event (fx.events, DEVICE_SUB_NOTIFY, 0));
  const DeviceEvent *b = registered_at (&fx, 1, 0);
  const DeviceEvent *m1 = sub_event (fx.events, DEVICE_SUB_MOVED, 0);
  g_assert_nonnull (m1);
  g_assert_cmpint (m1->time, ==, b->time);
  g_assert_true (sockaddr_is (&m1->server, fx.proxy_ip[1]));
  const DeviceEvent *a1 = sub_event (fx.events, DEVICE_SUB_ACTIVE, m1->time);
  g_assert_true (sockaddr_is (&a1->server, fx.proxy_ip[1]));
  g_assert_cmpint (a1->time, ==, b->time + RTT);
  const DeviceEvent *back = registered_at (&fx, 0, b->time);
  g_assert_nonnull (back);
  const DeviceEvent *m2 = sub_event (fx.events, DEVICE_SUB_MOVED, m1->time + 1);
  g_assert_nonnull (m2);
  g_assert_cmpint (m2->time, ==, back->time);
  const DeviceEvent *a2 = sub_event (fx.events, DEVICE_SUB_ACTIVE, m2->time);
  g_assert_true (sockaddr_is (&a2->server, fx.proxy_ip[0]));
  g_assert_cmpint (a2->time, ==, back->time + RTT);
  SipProxyCallStats cs;
  sip_proxy_get_call_stats (fx.proxy[1], &cs);
  g_assert_cmpuint (cs.notifies_sent, ==, 1);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* 6: B29 and RFC 6665 §4.1.2.2: a proxy RESTART forgets the subscription;
 * the refresh gets 481 and the phone subscribes anew at once.  mwi_expires
 * 300, refresh at the B5 point (lead = min(15, 150) = 15 s for aastra). */
static void
test_subscription_481_after_restart (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 27 });
  DeviceConfig cfg;
  aastra_calls_config (&cfg, &fx);
  set (&cfg, "mwi_subscribe", "true");
  set (&cfg, "mwi_expires", "300");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_RESTART);
  sim_world_run_until (fx.world, SIM_S (400));
  const DeviceEvent *a0 = sub_event (fx.events, DEVICE_SUB_ACTIVE, 0);
  SimTime refresh = a0->time + SIM_S (300 - 15);
  const DeviceEvent *f = sub_event (fx.events, DEVICE_SUB_FAILED, 0);
  g_assert_nonnull (f);
  g_assert_cmpuint (f->status, ==, 481);
  g_assert_cmpint (f->time, ==, refresh + RTT);
  const DeviceEvent *a1 = sub_event (fx.events, DEVICE_SUB_ACTIVE, f->time);
  g_assert_nonnull (a1);
  g_assert_cmpint (a1->time, ==, f->time + RTT);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}


/* 7: the location service has no binding for the AOR: 480 at once, one
 * round trip after the INVITE. */
static void
test_proxy_480_unknown (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 28 });
  DeviceConfig cfg;
  obihai_config (&cfg);
  char ip[SIM_IP4_STRLEN];
  set (&cfg, "ProxyServer", sim_ip4_to_string (fx.proxy_ip[0], ip));
  device_fixture_start_device (&fx, &cfg);
  SimTimer t;
  CallAt c = { .callee = "9999" };
  schedule_call (&fx, &t, &c, SIM_S (10));
  sim_world_run_until (fx.world, SIM_S (60));
  const DeviceEvent *f = call_event (fx.events, c.id, DEVICE_CALL_FAILED);
  g_assert_nonnull (f);
  g_assert_cmpuint (f->status, ==, 480);
  g_assert_cmpint (f->time, ==, SIM_S (10) + 2 * PHONE_PROXY);
  SipProxyCallStats cs;
  sip_proxy_get_call_stats (fx.proxy[0], &cs);
  g_assert_cmpuint (cs.not_found, ==, 1);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* 8: a proxy restart mid-call (issue 16: "a crash mid-call loses dialog
 * state").  Two calls through proxy0, which Record-Routes; proxy0
 * restarts at 20 s and is back 40 s later (restart_downtime, longer than
 * Timer F: with a shorter one the BYE's own retransmissions, at T1
 * doubling to T2, would reach the recovered proxy).  The call hung up at
 * about 25 s sends its BYE into the dead proxy: lost at Timer F.  The
 * call hung up after the proxy is back passes: the proxy routes in-dialog
 * requests by their Route and Request-URI and needs no dialog state. */
static void
test_proxy_restart_mid_call (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.restart_downtime = SIM_S (40);
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 29, .proxy_cfg = &pc });
  Far far;
  far_init (&far, &fx);
  DeviceConfig cfg;
  obihai_config (&cfg);
  char ip[SIM_IP4_STRLEN];
  set (&cfg, "ProxyServer", sim_ip4_to_string (fx.proxy_ip[0], ip));
  device_fixture_start_device (&fx, &cfg);
  SimTimer t1, t2;
  CallAt c1 = { .callee = "sip:bob@198.51.100.50", .hold = SIM_S (15) },
         c2 = { .callee = "sip:bob@198.51.100.50", .hold = SIM_S (55) };
  schedule_call (&fx, &t1, &c1, SIM_S (10));
  schedule_call (&fx, &t2, &c2, SIM_S (10));
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (20), SIP_PROXY_FAULT_RESTART);
  sim_world_run_until (fx.world, SIM_S (120));
  const DeviceEvent *up1 = call_event (fx.events, c1.id, DEVICE_CALL_ESTABLISHED);
  const DeviceEvent *lost = call_event (fx.events, c1.id, DEVICE_CALL_LOST);
  g_assert_nonnull (lost);
  g_assert_cmpint (lost->time, ==, up1->time + SIM_S (15) + TIMER_F);
  const DeviceEvent *up2 = call_event (fx.events, c2.id, DEVICE_CALL_ESTABLISHED);
  const DeviceEvent *end = call_event (fx.events, c2.id, DEVICE_CALL_ENDED);
  g_assert_nonnull (end);
  g_assert_cmpint (up2->time + SIM_S (55), >, SIM_S (60));
  g_assert_cmpint (end->time, ==, up2->time + SIM_S (55) + 2 * (PHONE_PROXY + PROXY_FAR));
  g_assert_cmpuint (far.byes, ==, 1);
  far_clear (&far);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}


/* 9: B29.  The subscription's refresh meets a proxy answering 503
 * (REJECT from 30 s to 200 s).  mwi_expires 60: refresh at the B5 point
 * 60 - min(15, 30) = 45 s after the 2xx.  Each failed SUBSCRIBE waits
 * `sip subscription timeout retry timer` (20 s) before the next; with
 * that timer 0 ("not used") the `failed` timer (50 s) is the wait. */
static SimTime
b29_gap (const char *timeout_retry, const char *failed_retry)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 30 });
  DeviceConfig cfg;
  aastra_calls_config (&cfg, &fx);
  set (&cfg, "mwi_subscribe", "true");
  set (&cfg, "mwi_expires", "60");
  set (&cfg, "sip subscription timeout retry timer", timeout_retry);
  set (&cfg, "sip subscription failed retry timer", failed_retry);
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (30), SIP_PROXY_FAULT_REJECT);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (200), SIP_PROXY_FAULT_RECOVER);
  sim_world_run_until (fx.world, SIM_S (300));
  const DeviceEvent *a0 = sub_event (fx.events, DEVICE_SUB_ACTIVE, 0);
  const DeviceEvent *f1 = sub_event (fx.events, DEVICE_SUB_FAILED, 0);
  g_assert_nonnull (f1);
  g_assert_cmpuint (f1->status, ==, 503);
  g_assert_cmpint (f1->time, ==, a0->time + SIM_S (45) + RTT);
  const DeviceEvent *f2 = sub_event (fx.events, DEVICE_SUB_FAILED, f1->time + 1);
  g_assert_nonnull (f2);
  g_assert_cmpuint (f2->status, ==, 503);
  SimTime gap = f2->time - f1->time - RTT;
  /* Back once the proxy serves again. */
  g_assert_nonnull (sub_event (fx.events, DEVICE_SUB_ACTIVE, SIM_S (200)));
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
  return gap;
}

static void
test_b29_subscription_retry_timers (void)
{
  g_assert_cmpint (b29_gap ("20", "50"), ==, SIM_S (20));
  g_assert_cmpint (b29_gap ("0", "50"), ==, SIM_S (50));
}


/* 10: RFC 6665 §4.1.2.1: the refresh stays in the subscription's dialog:
 * with mwi_expires 300 it goes at the B5 point 300 - 15 = 285 s after
 * each 2xx and is granted again; the proxy keeps one subscription and
 * sends one NOTIFY per SUBSCRIBE. */
static void
test_subscription_refresh (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 31 });
  DeviceConfig cfg;
  aastra_calls_config (&cfg, &fx);
  set (&cfg, "mwi_subscribe", "true");
  set (&cfg, "mwi_expires", "300");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (700));
  const DeviceEvent *a0 = sub_event (fx.events, DEVICE_SUB_ACTIVE, 0);
  const DeviceEvent *a1 = sub_event (fx.events, DEVICE_SUB_ACTIVE, a0->time + 1);
  const DeviceEvent *a2 = sub_event (fx.events, DEVICE_SUB_ACTIVE, a1->time + 1);
  g_assert_nonnull (a2);
  g_assert_cmpint (a1->time, ==, a0->time + SIM_S (285) + RTT);
  g_assert_cmpint (a2->time, ==, a1->time + SIM_S (285) + RTT);
  g_assert_cmpuint (a1->expires, ==, 300);
  g_assert_null (sub_event (fx.events, DEVICE_SUB_EXPIRED, 0));
  SipProxyCallStats cs;
  sip_proxy_get_call_stats (fx.proxy[0], &cs);
  g_assert_cmpuint (cs.subscriptions, ==, 1);
  g_assert_cmpuint (cs.notifies_sent, ==, 3);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}


/* 11: a call placed before the account has any server (power-on, the
 * first REGISTER not sent yet) is an attempt that fails at once, from
 * the event loop, with status 0 and no server. */
static void
test_call_without_server (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 32 });
  DeviceConfig cfg;
  obihai_config (&cfg);
  char ip[SIM_IP4_STRLEN];
  set (&cfg, "ProxyServer", sim_ip4_to_string (fx.proxy_ip[0], ip));
  Device *dev = device_fixture_start_device (&fx, &cfg);
  guint id = device_call_start (dev, 1, "1001", 0);
  g_assert_cmpuint (id, >, 0);
  g_assert_null (call_event (fx.events, id, DEVICE_CALL_FAILED));   /* not from inside the call */
  sim_world_run_until (fx.world, SIM_S (1));
  const DeviceEvent *st = call_event (fx.events, id, DEVICE_CALL_STARTED);
  const DeviceEvent *f = call_event (fx.events, id, DEVICE_CALL_FAILED);
  g_assert_nonnull (st);
  g_assert_nonnull (f);
  g_assert_cmpint (f->time, ==, 0);
  g_assert_cmpuint (f->status, ==, 0);
  g_assert_cmpuint (f->server.port, ==, 0);
  g_assert_cmpuint (device_call_count (dev), ==, 0);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}


/* 12: forward.h note 2.  An Aastra phone behind a NAT registers its
 * private contact (use_mapped_contact off).  A call from the far UA
 * reaches it through the proxy's location service (the binding's flow);
 * the far end's ACK and BYE, loose-routed through the proxy
 * (Record-Route) to the phone's private contact, go over the same flow:
 * the call is established and the phone ends it one path after the BYE.
 * (Sent to the private address instead, the ACK never arrived: the
 * phone never saw the call established.) */
static void
test_bye_to_nated_contact (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 33, .nat = TRUE });
  Far far;
  far_init (&far, &fx);
  DeviceConfig cfg;
  aastra_calls_config (&cfg, &fx);
  set (&cfg, "call_answer", "answer");
  set (&cfg, "call_ring_time", "1");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (10));
  g_assert_true (sip_proxy_lookup (fx.proxy[0], "1000@198.51.100.10",
                                   "sip:1000@192.168.1.10:5060", NULL, NULL));
  SipDialogConfig dc = { .local_uri = "sip:bob@198.51.100.50",
                         .contact_uri = "sip:bob@198.51.100.50:5060",
                         .via_host = "198.51.100.50", .via_port = 5060, .rport = TRUE };
  SipTxnPeer hop = { .addr = { fx.proxy_ip[0], 5060 }, .flow = far.udp };
  SipDialogFuncs fn = { .event = far_on_event };
  SipDialog *d = sip_dialog_new_uac (far.set, &dc, "sip:1000@198.51.100.10", NULL, &hop, &fn,
                                     &far);
  g_ptr_array_add (far.dialogs, d);
  sim_world_run_until (fx.world, SIM_S (15));
  g_assert_cmpint (sip_dialog_get_state (d), ==, SIP_DIALOG_CONFIRMED);
  const DeviceEvent *up = call_event (fx.events, 1, DEVICE_CALL_ESTABLISHED);
  g_assert_nonnull (up);
  g_assert_true (up->incoming);
  SimTime bye_at = sim_world_now (fx.world);
  sip_dialog_hangup (d);
  sim_world_run_until (fx.world, SIM_S (60));
  const DeviceEvent *end = call_event (fx.events, 1, DEVICE_CALL_ENDED);
  g_assert_nonnull (end);
  g_assert_cmpint (end->time, ==, bye_at + PROXY_FAR + PHONE_PROXY);
  g_assert_null (call_event (fx.events, 1, DEVICE_CALL_LOST));
  far_clear (&far);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* 13: B24 over TCP/TLS.  An OBi whose OutboundProxyTransport is TCP or
 * TLS sends its calls down the one connection it registered over
 * (account-conn.c note 1): the INVITE reaches the far end with the
 * phone's Via naming the transport and, as the proxy stamped it (rport =
 * the source port it came from, RFC 3581), the connection's own port,
 * not the account's UDP port 5060; no second connection is opened.  The
 * connection is up long before the call at 10 s, so the instants are the
 * UDP ones: established one round trip phone-proxy-far after the INVITE
 * (2 * (PHONE_PROXY + PROXY_FAR)); the BYE after the 5 s hold is answered
 * one such round trip later. */
static void
run_b24_conn (const char *transport, gboolean bypass, SimTime *setup, SimTime *bye_rtt)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 26 });
  Far far;
  far_init (&far, &fx);
  DeviceConfig cfg;
  obihai_config (&cfg);
  char ip[SIM_IP4_STRLEN];
  set (&cfg, "OutboundProxy", sim_ip4_to_string (fx.proxy_ip[1], ip));
  set (&cfg, "OutboundProxyPort", strcmp (transport, "TLS") == 0 ? "5061" : "5060");
  set (&cfg, "OutboundProxyTransport", transport);
  set (&cfg, "X_BypassOutboundProxyInCall", bypass ? "true" : "false");
  device_fixture_start_device (&fx, &cfg);
  SimTimer t;
  CallAt c = { .callee = "sip:bob@198.51.100.50", .hold = SIM_S (5) };
  schedule_call (&fx, &t, &c, SIM_S (10));
  sim_world_run_until (fx.world, SIM_S (60));

  const DeviceStats *st = device_get_stats (fx.device);
  g_assert_cmpuint (st->flows_opened, ==, 1);                     /* the registration's */
  g_assert_cmpuint (st->calls_ended, ==, 1);
  const DeviceEvent *s = call_event (fx.events, c.id, DEVICE_CALL_STARTED);
  g_assert_cmpuint (s->server.ip, ==, fx.proxy_ip[1]);
  const DeviceEvent *up = call_event (fx.events, c.id, DEVICE_CALL_ESTABLISHED);
  const DeviceEvent *end = call_event (fx.events, c.id, DEVICE_CALL_ENDED);
  g_assert_nonnull (up);
  g_assert_nonnull (end);
  *setup = up->time - SIM_S (10);
  *bye_rtt = end->time - (up->time + SIM_S (5));
  g_assert_cmpuint (far.invites->len, ==, 1);
  const SipMsg *inv = far.invites->pdata[0];
  g_assert_cmpuint (sip_msg_via_count (inv), ==, 2);
  const SipVia *v = sip_msg_via (inv, 1);                         /* the phone's */
  g_assert_true (sip_str_caseeq (v->transport, transport));
  g_assert_cmpuint (v->rport, ==, v->port);
  g_assert_cmpuint (v->port, !=, 5060);
  g_assert_cmpuint (far.byes, ==, 1);
  far_clear (&far);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

static void
test_b24_calls_over_connection (void)
{
  static const char *const transports[] = { "TCP", "TLS" };
  for (guint i = 0; i < G_N_ELEMENTS (transports); i++) {
    SimTime setup, bye;
    run_b24_conn (transports[i], FALSE, &setup, &bye);
    g_assert_cmpint (setup, ==, 2 * (PHONE_PROXY + PROXY_FAR));
    g_assert_cmpint (bye, ==, 2 * (PHONE_PROXY + PROXY_FAR));
  }
}

/* 14: B24 "no effect when the outbound proxy transport is TCP or TLS"
 * (000_*, 001_*): with X_BypassOutboundProxyInCall on, the BYE still goes
 * down the connection through the outbound proxy and is answered one
 * phone-proxy-far round trip after the hold, where over UDP (test 4) it
 * goes straight to the remote target, 2 * PHONE_FAR. */
static void
test_b24_bypass_no_effect_over_tcp (void)
{
  static const char *const transports[] = { "TCP", "TLS" };
  for (guint i = 0; i < G_N_ELEMENTS (transports); i++) {
    SimTime setup, bye;
    run_b24_conn (transports[i], TRUE, &setup, &bye);
    g_assert_cmpint (setup, ==, 2 * (PHONE_PROXY + PROXY_FAR));
    g_assert_cmpint (bye, ==, 2 * (PHONE_PROXY + PROXY_FAR));
    g_assert_cmpint (bye, !=, 2 * PHONE_FAR);
  }
}

/* 15: the subscription over TCP/TLS (B22, B24).  An OBi registered over
 * its TCP or TLS outbound proxy connection subscribes there on the same
 * connection: the SUBSCRIBE leaves at the REGISTERED instant (2 RTT: the
 * connection up at RTT, the REGISTER answered one RTT later) and is
 * active one RTT after it; the proxy's NOTIFY comes back on it.  The
 * outbound proxy receives no datagram at all in the run: everything went
 * down the connection, and no second connection was opened. */
static void
test_b24_subscription_over_connection (void)
{
  static const char *const transports[] = { "TCP", "TLS" };
  for (guint i = 0; i < G_N_ELEMENTS (transports); i++) {
    DeviceFixture fx;
    device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 27 });
    DeviceConfig cfg;
    obihai_config (&cfg);
    char ip[SIM_IP4_STRLEN];
    set (&cfg, "OutboundProxy", sim_ip4_to_string (fx.proxy_ip[1], ip));
    set (&cfg, "OutboundProxyPort", i == 1 ? "5061" : "5060");
    set (&cfg, "OutboundProxyTransport", transports[i]);
    set (&cfg, "mwi_subscribe", "true");
    device_fixture_start_device (&fx, &cfg);
    sim_world_run_until (fx.world, SIM_S (100));
    const DeviceEvent *reg = NULL;
    for (guint k = 0; k < fx.events->len && reg == NULL; k++) {
      const DeviceEvent *ev = &g_array_index (fx.events, DeviceEvent, k);
      if (ev->kind == DEVICE_EVENT_REGISTERED)
        reg = ev;
    }
    g_assert_nonnull (reg);
    g_assert_cmpuint (reg->server.ip, ==, fx.proxy_ip[1]);
    /* TLS: the handshake's round trips come before the REGISTER */
    const DeviceEvent *sent = sub_event (fx.events, DEVICE_SUB_SENT, 0);
    const DeviceEvent *act = sub_event (fx.events, DEVICE_SUB_ACTIVE, 0);
    g_assert_nonnull (sent);
    g_assert_nonnull (act);
    g_assert_cmpint (sent->time, ==, reg->time);
    g_assert_cmpint (act->time, ==, reg->time + RTT);
    if (i == 0)
      g_assert_cmpint (reg->time, ==, 2 * RTT);
    const DeviceStats *st = device_get_stats (fx.device);
    g_assert_cmpuint (st->flows_opened, ==, 1);
    g_assert_cmpuint (st->notifies_received, ==, 1);
    SipProxyCallStats cs;
    sip_proxy_get_call_stats (fx.proxy[1], &cs);
    g_assert_cmpuint (cs.subscriptions, ==, 1);
    g_assert_cmpuint (cs.notifies_sent, ==, 1);
    g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[1])->datagrams, ==, 0);
    device_config_clear (&cfg);
    device_fixture_clear (&fx);
  }
}

/* 16: a 2xx retransmission toward a caller on a TCP connection (RFC
 * 3261 §13.3.1.4, §16.7, §18.2.2).  The far end loses the first ACK, so
 * it resends its 200 after T1; the proxy's transaction is gone, and the
 * retransmission goes up on the caller's connection (found from its Via's
 * received/rport), the phone ACKs it again and the far end takes that
 * ACK: the INVITE reaches far at 10 s + 5L and is answered at once, the
 * 200 is resent at + T1, reaches the phone 5L later and the new ACK far
 * 5L after that: 10 s + 15L + T1. */
static void
test_2xx_retransmission_over_connection (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 28 });
  Far far;
  far_init (&far, &fx);
  far.drop_acks = 1;
  DeviceConfig cfg;
  obihai_config (&cfg);
  char ip[SIM_IP4_STRLEN];
  set (&cfg, "OutboundProxy", sim_ip4_to_string (fx.proxy_ip[1], ip));
  set (&cfg, "OutboundProxyTransport", "TCP");
  device_fixture_start_device (&fx, &cfg);
  SimTimer t;
  CallAt c = { .callee = "sip:bob@198.51.100.50", .hold = SIM_S (5) };
  schedule_call (&fx, &t, &c, SIM_S (10));
  sim_world_run_until (fx.world, SIM_S (60));
  g_assert_cmpuint (far.acks, ==, 1);
  g_assert_cmpint (far.ack_time, ==, SIM_S (10) + 15 * L + SIM_MS (500));
  g_assert_cmpuint (far.byes, ==, 1);
  g_assert_nonnull (call_event (fx.events, c.id, DEVICE_CALL_ENDED));
  far_clear (&far);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* 17: B25 with digest.  The backup registrar challenges like the
 * primary; the REGISTER to it names the backup AOR as its Request-URI,
 * so the Authorization's uri must be that URI too (RFC 2617 §3.2.2.5:
 * the registrar compares them).  Primary crashed at 100 s: the renewal
 * (at 585 s, as test 3) fails over and registers at the backup. */
static void
test_b25_backup_aor_with_digest (void)
{
  static const SipProxyUser users[] = { { "1000", "secret" } };
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.users = users;
  pc.n_users = 1;
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 29, .proxy_cfg = &pc });
  DeviceConfig cfg;
  aastra_calls_config (&cfg, &fx);
  set (&cfg, "AuthPassword", "secret");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (fx.world, SIM_S (800));
  g_assert_nonnull (registered_at (&fx, 0, 0));                  /* the primary, with auth */
  const DeviceEvent *b = registered_at (&fx, 1, 0);
  g_assert_nonnull (b);
  g_assert_cmpint (b->time, <, SIM_S (700));
  g_assert_cmpuint (sip_proxy_aor_binding_count (fx.proxy[1], "1000@198.51.100.20"), ==, 1);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device/calls/1-location-phone-to-phone", test_location_phone_to_phone);
  g_test_add_func ("/device/calls/1b-setup-timeout-cancel", test_setup_timeout_cancel);
  g_test_add_func ("/device/calls/1c-location-phone-to-phone-over-tcp-tls",
                   test_location_phone_to_phone_conn);
  g_test_add_func ("/device/calls/2-B22-invite-follows-registration",
                   test_b22_invite_follows_registration);
  g_test_add_func ("/device/calls/3-B25-invite-primary-first", test_b25_invite_primary_first);
  g_test_add_func ("/device/calls/4-B24-bypass-outbound-proxy", test_b24_bypass_outbound_proxy);
  g_test_add_func ("/device/calls/5-B25-subscription-moves", test_b25_subscription_moves);
  g_test_add_func ("/device/calls/6-B29-subscription-481-after-restart",
                   test_subscription_481_after_restart);
  g_test_add_func ("/device/calls/7-proxy-480-unknown-aor", test_proxy_480_unknown);
  g_test_add_func ("/device/calls/8-proxy-restart-mid-call", test_proxy_restart_mid_call);
  g_test_add_func ("/device/calls/9-B29-subscription-retry-timers", test_b29_subscription_retry_timers);
  g_test_add_func ("/device/calls/10-subscription-refresh-in-dialog", test_subscription_refresh);
  g_test_add_func ("/device/calls/11-call-without-server", test_call_without_server);
  g_test_add_func ("/device/calls/12-bye-to-nated-contact-over-flow", test_bye_to_nated_contact);
  g_test_add_func ("/device/calls/13-B24-calls-over-the-tcp-tls-connection",
                   test_b24_calls_over_connection);
  g_test_add_func ("/device/calls/14-B24-bypass-no-effect-over-tcp-tls",
                   test_b24_bypass_no_effect_over_tcp);
  g_test_add_func ("/device/calls/15-B24-subscription-over-the-tcp-tls-connection",
                   test_b24_subscription_over_connection);
  g_test_add_func ("/device/calls/16-2xx-retransmission-up-a-tcp-connection",
                   test_2xx_retransmission_over_connection);
  g_test_add_func ("/device/calls/17-B25-backup-aor-with-digest", test_b25_backup_aor_with_digest);
  return g_test_run ();
}
