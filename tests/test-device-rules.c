/*
 * tests/test-device-rules.c - more B-rules of BEHAVIOUR.md checked on the
 * whole phone in its world (tests/device-fixture.h): outbound proxy
 * routing, 423 at device level, 503 Retry-After blocking, account versus
 * server failures, no redundancy, registrar versus proxy, RFC 5626
 * back-off, DNS TTL caching, no failback with A records, inbound requests.
 *
 * Expected times are built from the rules, as in test-device.c: one-way
 * link latency L = 10 ms and three links between the phone and any
 * server, so a request/answer round trip is RTT = 6 L = 60 ms; Timer F =
 * 64 x T1 = 32 s (RFC 3261 §17.1.2.2); refresh after E - lead with the
 * obihai lead fraction 0.1 (B5).  DNS time is measured from the device's
 * LOOKUP events and checked to be a whole number of round trips; DNS query
 * counts are read from the DNS server.
 */
#include <math.h>
#include <string.h>

#include "tests/device-test-util.h"

/* Events of @kind toward proxy @i in [from, to). */
static guint
count_to (const DeviceFixture *fx, DeviceEventKind kind, guint i, SimTime from, SimTime to)
{
  SimSockAddr want = proxy_addr (fx, i);
  guint n = 0;
  for (guint k = 0; k < fx->events->len; k++) {
    const DeviceEvent *ev = &g_array_index (fx->events, DeviceEvent, k);
    if (ev->kind == kind && ev->time >= from && ev->time < to
        && sim_sockaddr_equal (&ev->server, &want))
      n++;
  }
  return n;
}

static guint64
dns_queries (const DeviceFixture *fx)
{
  DnsServerStats st;
  dns_server_get_stats (fx->dns, &st);
  return st.queries;
}

/* ----------------------------------------------------- B11/B18/B22 OBP */

/* B11, B18, B22: with an OutboundProxy, the lookup is of the OBP name
 * only; every REGISTER and every keep-alive goes to it, the ProxyServer
 * (voip.test) is only the AOR's domain and is never looked up. */
static void
test_b11_outbound_proxy (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 101 });
  device_fixture_add_a (&fx, "obp.test", fx.proxy_ip[2], 3600);
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "OutboundProxy", "obp.test");
  set (&cfg, "RegisterExpires", "300");
  set (&cfg, "X_KeepAliveEnable", "true");
  set (&cfg, "X_KeepAliveExpires", "15");
  set (&cfg, "X_KeepAliveMsgType", "options");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (1000));

  /* B11 step 1: the A query for obp.test answers (1 RTT), REGISTER/200
   * (1 RTT). */
  const DeviceEvent *r = registered_at (&fx, 2, 0);
  g_assert_nonnull (r);
  g_assert_cmpint (r->time, ==, 2 * RTT);
  /* The AOR is at the ProxyServer's domain (B2: registrar = ProxyServer). */
  g_assert_true (sip_proxy_lookup (fx.proxy[2], "1000@voip.test", "sip:1000@192.168.1.10:5060",
                                   NULL, NULL));
  /* Refreshes every 0.9 x 300 = 270 s (B5): 2 RTT + 270 k < 1000 s gives
   * k = 1, 2, 3: four REGISTERs in all, each answered 200 by proxy2. */
  const SipProxyStats *s2 = sip_proxy_get_stats (fx.proxy[2]);
  g_assert_cmpuint (s2->registers, ==, 4);
  g_assert_cmpuint (s2->r200, >=, 4);
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[0])->datagrams, ==, 0);
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[1])->datagrams, ==, 0);
  /* No question about voip.test, of any type. */
  g_assert_cmpuint (dns_server_get_query_count (fx.dns, "voip.test", DNS_TYPE_A), ==, 0);
  g_assert_cmpuint (dns_server_get_query_count (fx.dns, "voip.test", DNS_TYPE_SRV), ==, 0);
  g_assert_cmpuint (dns_server_get_query_count (fx.dns, "_sip._udp.voip.test", DNS_TYPE_SRV),
                    ==, 0);
  /* B40, B22: keep-alives every 15 s from the registration, all to proxy2:
   * the k-th at 2 RTT + 15 k s, k = 1 .. 66 before 1000 s. */
  guint n_ka = device_fixture_count_events (&fx, DEVICE_EVENT_KEEPALIVE, 1, 0, SIM_S (1000));
  g_assert_cmpuint (n_ka, ==, 66);
  g_assert_cmpuint (count_to (&fx, DEVICE_EVENT_KEEPALIVE, 2, 0, SIM_S (1000)), ==, n_ka);
  /* Each OPTIONS is a request at proxy2 besides the REGISTERs (the last
   * one may still be in flight at the end: 2 RTT + 990 s + RTT/2 < 1000 s,
   * so not). */
  g_assert_cmpuint (s2->requests - s2->registers, ==, n_ka);
  g_assert_cmpuint (device_get_stats (fx.device)->keepalives_failed, ==, 0);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ------------------------------------------------------------------ B6 */

/* B6: 423 with Min-Expires 600 > 60 asked: resend at once with 600; the
 * 200 grants 600 and the refresh comes at 0.9 x 600 = 540 s after it
 * (B5, lead fraction 0.1). */
static void
test_b6_423_min_expires (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.min_expires = 600;
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 102, .proxy_cfg = &pc });
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "RegisterExpires", "60");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (700));

  /* A query (1 RTT), REGISTER/423 (1 RTT), REGISTER/200 (1 RTT). */
  const DeviceEvent *r = registered_at (&fx, 0, 0);
  g_assert_nonnull (r);
  g_assert_cmpint (r->time, ==, 3 * RTT);
  g_assert_cmpuint (r->expires, ==, 600);
  const SipProxyStats *st = sip_proxy_get_stats (fx.proxy[0]);
  g_assert_cmpuint (st->r423, ==, 1);
  /* The 423 ended no attempt: one REGISTER_SENT, no failure. */
  g_assert_null (device_fixture_find_event (&fx, DEVICE_EVENT_REG_FAILED, 1, 0, 0));
  const DeviceEvent *s1 = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1,
                                                     r->time, 0);
  g_assert_nonnull (s1);
  g_assert_cmpint (s1->time, ==, r->time + SIM_S (540));
  /* The refresh asks for 600 at once (the 423's value is kept): no
   * second 423, granted 600 again one RTT later. */
  const DeviceEvent *r2 = registered_at (&fx, 0, r->time + 1);
  g_assert_nonnull (r2);
  g_assert_cmpint (r2->time, ==, s1->time + RTT);
  g_assert_cmpuint (r2->expires, ==, 600);
  g_assert_cmpuint (st->r423, ==, 1);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ------------------------------------------------------------------ B7 */

/* B7: p0 answers 503 Retry-After: 120.  The walk moves on to p1 at once
 * (one RTT after the first REGISTER, registered one RTT later), and p0 is
 * not sent anything for 120 s: a failback probe every 60 s skips it at
 * b + 60 (p0 has recovered at 30 s, so only the block keeps it out) and
 * reaches it at b + 120, which is past 503 + 120 s = lk + RTT + 120 s. */
static void
test_b7_503_retry_after_blocks (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.retry_after = 120;
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 103, .proxy_cfg = &pc });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "failback_interval", "60");
  sip_proxy_fault (fx.proxy[0], SIP_PROXY_FAULT_REJECT);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (30), SIP_PROXY_FAULT_RECOVER);
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (400));

  const DeviceEvent *lk = lookup_after (&fx, 0);
  g_assert_nonnull (lk);
  g_assert_cmpint (lk->time % RTT, ==, 0);
  SimSockAddr p0 = proxy_addr (&fx, 0), p1 = proxy_addr (&fx, 1);
  const DeviceEvent *s0 = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, 0);
  const DeviceEvent *s1 = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, 1);
  g_assert_nonnull (s0);
  g_assert_nonnull (s1);
  g_assert_true (sim_sockaddr_equal (&s0->server, &p0));
  g_assert_cmpint (s0->time, ==, lk->time);
  const DeviceEvent *f = device_fixture_find_event (&fx, DEVICE_EVENT_REG_FAILED, 1, 0, 0);
  g_assert_nonnull (f);
  g_assert_cmpuint (f->status, ==, 503);
  g_assert_cmpint (f->fail, ==, DEVICE_FAIL_SERVER);
  g_assert_cmpint (f->time, ==, lk->time + RTT);
  g_assert_true (sim_sockaddr_equal (&s1->server, &p1));
  g_assert_cmpint (s1->time, ==, f->time);
  const DeviceEvent *b = registered_at (&fx, 1, 0);
  g_assert_nonnull (b);
  g_assert_cmpint (b->time, ==, lk->time + 2 * RTT);
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[0])->reject_503, ==, 1);

  /* Nothing to p0 while blocked, although a probe ran at b + 60 s. */
  SimTime until = f->time + SIM_S (120);
  g_assert_cmpuint (count_to (&fx, DEVICE_EVENT_REGISTER_SENT, 0, f->time + 1, until), ==, 0);
  /* The probe at b + 120 s (> until) reaches p0, which takes it back. */
  const DeviceEvent *back = registered_at (&fx, 0, 0);
  g_assert_nonnull (back);
  g_assert_cmpint (back->time, ==, b->time + SIM_S (120) + RTT);
  g_assert_true (back->failback);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ----------------------------------------------------------------- B38 */

/* B38, B6, B8: a wrong password is an account failure (401 after the
 * allowed challenges): no failover to p1 though redundancy is on, and the
 * retry comes RegisterRetryInterval = 30 s (obihai, fixed) after the
 * failure, again at p0. */
static void
test_b38_auth_failure_no_failover (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  SipProxyUser users[] = { { "1000", "other-password" } };
  pc.users = users;
  pc.n_users = 1;
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 104, .proxy_cfg = &pc });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (300));

  SimSockAddr p0 = proxy_addr (&fx, 0);
  const DeviceEvent *f0 = device_fixture_find_event (&fx, DEVICE_EVENT_REG_FAILED, 1, 0, 0);
  g_assert_nonnull (f0);
  g_assert_cmpuint (f0->status, ==, 401);
  g_assert_cmpint (f0->fail, ==, DEVICE_FAIL_REJECTED);
  /* Each failure is followed 30 s later by a new attempt at p0. */
  for (guint i = 0; i < 5; i++) {
    const DeviceEvent *f = device_fixture_find_event (&fx, DEVICE_EVENT_REG_FAILED, 1, 0, i);
    g_assert_nonnull (f);
    g_assert_cmpuint (f->status, ==, 401);
    const DeviceEvent *s = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1,
                                                      f->time, 0);
    g_assert_nonnull (s);
    g_assert_cmpint (s->time, ==, f->time + SIM_S (30));
    g_assert_true (sim_sockaddr_equal (&s->server, &p0));
  }
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[1])->registers, ==, 0);
  g_assert_cmpuint (count_to (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, SIM_S (300)), ==, 0);
  g_assert_cmpuint (device_get_stats (fx.device)->failovers, ==, 0);
  g_assert_false (device_account_is_registered (fx.device, 1));
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ----------------------------------------------------------------- B18 */

/* B18: redundancy off (the obihai default): with p0 silent, every REGISTER
 * still goes to p0, Timer F (32 s) + RegisterRetryInterval (30 s) = 62 s
 * apart; p1 never hears from the device. */
static void
test_b18_no_redundancy_first_only (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 105 });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  sip_proxy_fault (fx.proxy[0], SIP_PROXY_FAULT_CRASH);
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (300));

  const DeviceEvent *lk = lookup_after (&fx, 0);
  g_assert_nonnull (lk);
  SimSockAddr p0 = proxy_addr (&fx, 0);
  /* lk + 62 k < 300 s: k = 0 .. 4. */
  guint n = 0;
  for (guint k = 0;; k++) {
    const DeviceEvent *s = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, k);
    if (s == NULL)
      break;
    g_assert_true (sim_sockaddr_equal (&s->server, &p0));
    g_assert_cmpint (s->time, ==, lk->time + (SimTime) k * (TIMER_F + SIM_S (30)));
    n++;
  }
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[1])->datagrams, ==, 0);
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[2])->datagrams, ==, 0);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ------------------------------------------------------------------ B2 */

/* B2: a RegistrarServer that is set overrides the ProxyServer default:
 * REGISTER goes to reg.test (proxy1) and the AOR's domain is reg.test. */
static void
test_b2_registrar_server (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 106 });
  device_fixture_add_a (&fx, "reg.test", fx.proxy_ip[1], 3600);
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "RegistrarServer", "reg.test");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (10));

  /* A query for reg.test (1 RTT), REGISTER/200 (1 RTT). */
  const DeviceEvent *r = registered_at (&fx, 1, 0);
  g_assert_nonnull (r);
  g_assert_cmpint (r->time, ==, 2 * RTT);
  g_assert_true (sip_proxy_lookup (fx.proxy[1], "1000@reg.test", "sip:1000@192.168.1.10:5060",
                                   NULL, NULL));
  g_assert_cmpuint (sip_proxy_aor_binding_count (fx.proxy[1], "1000@voip.test"), ==, 0);
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[0])->datagrams, ==, 0);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ------------------------------------------------------------------ B8 */

/* B8, RFC 5626 §4.5: the rfc profile after n rounds failed in a row waits
 * uniform in [W/2, W], W = min(max-time 1800, base-time 30 x 2^n).  The
 * wait runs from the round's end, Timer F after its REGISTER. */
static void
test_b8_rfc5626_backoff (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 107 });
  device_fixture_add_srv (&fx, "_sip._udp.voip.test", 10, 10, 5060, "p0.voip.test", 3600);
  device_fixture_add_a (&fx, "p0.voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  device_config_init (&cfg, DEVICE_PROFILE_RFC);
  set (&cfg, "ProxyServer", "voip.test");
  set (&cfg, "AuthUserName", "1000");
  set (&cfg, "sip.reg_surge_prevention", "0");
  sip_proxy_fault (fx.proxy[0], SIP_PROXY_FAULT_CRASH);
  device_fixture_start_device (&fx, &cfg);
  /* Worst case: 5 x 32 s + 60 + 120 + 240 + 480 s = 1060 s. */
  sim_world_run_until (fx.world, SIM_S (1100));

  SimSockAddr p0 = proxy_addr (&fx, 0);
  for (guint n = 1; n <= 4; n++) {
    const DeviceEvent *prev = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1,
                                                         0, n - 1);
    const DeviceEvent *next = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1,
                                                         0, n);
    const DeviceEvent *f = device_fixture_find_event (&fx, DEVICE_EVENT_REG_FAILED, 1, 0, n - 1);
    g_assert_nonnull (prev);
    g_assert_nonnull (next);
    g_assert_nonnull (f);
    g_assert_true (sim_sockaddr_equal (&next->server, &p0));
    g_assert_cmpint (f->fail, ==, DEVICE_FAIL_TIMEOUT);
    g_assert_cmpint (f->time, ==, prev->time + TIMER_F);
    SimTime w = MIN (SIM_S (1800), SIM_S (30) << n);
    SimTime wait = next->time - f->time;
    g_assert_cmpint (wait, >=, w / 2);
    g_assert_cmpint (wait, <=, w);
  }
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ----------------------------------------------------------------- B17 */

/* B17 (a): TTL 60 s on every record, refresh every 270 s (B5, 0.9 x 300):
 * each refresh finds the answers expired and asks again, exactly the
 * questions of the first lookup, taking the same DNS time. */
static void
test_b17_refresh_after_ttl_requeries (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 108 });
  add_srv_servers_ttl (&fx, 2, 60);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "RegisterExpires", "300");
  device_fixture_start_device (&fx, &cfg);

  /* The first lookup and REGISTER/200 are over long before 10 s, the
   * first refresh is due at 270 s. */
  sim_world_run_until (fx.world, SIM_S (10));
  const DeviceEvent *lk = lookup_after (&fx, 0);
  g_assert_nonnull (lk);
  SimTime dns_time = lk->time;                  /* power-on at 0 */
  g_assert_cmpint (dns_time, >, 0);
  g_assert_cmpint (dns_time % RTT, ==, 0);
  guint64 q = dns_queries (&fx);
  g_assert_cmpuint (q, >, 0);
  SimTime reg = lk->time + RTT;
  sim_world_run_until (fx.world, reg + SIM_S (270) - 1);
  const DeviceEvent *r = registered_at (&fx, 0, 0);
  g_assert_nonnull (r);
  g_assert_cmpint (r->time, ==, reg);
  g_assert_cmpuint (dns_queries (&fx), ==, q);  /* nothing between */
  sim_world_run_until (fx.world, SIM_S (900));
  /* Refreshes at reg + 270 k, k = 1, 2, 3 (< 900 s): each one a lookup of
   * q questions taking dns_time, then REGISTER/200 (1 RTT). */
  SimTime t = reg;
  for (guint k = 1; k <= 3; k++) {
    SimTime due = t + SIM_S (270);
    const DeviceEvent *l = lookup_after (&fx, due);
    g_assert_nonnull (l);
    g_assert_cmpint (l->time, ==, due + dns_time);
    const DeviceEvent *rr = registered_at (&fx, 0, due);
    g_assert_nonnull (rr);
    g_assert_cmpint (rr->time, ==, due + dns_time + RTT);
    t = rr->time;
  }
  g_assert_cmpuint (dns_queries (&fx), ==, 4 * q);
  g_assert_cmpuint (device_get_stats (fx.device)->dns_lookups, ==, 4);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B17 (b), B20: a failback probe within the TTL uses the cached list: no
 * question, and the REGISTER to p0 leaves exactly failback_interval after
 * the registration at p1.  p0 is silent at first (Timer F, then p1 in
 * the same walk: b = lk + 32 s + RTT) and back at 40 s; the probe at b +
 * 20 s ~ 52.3 s is within lk + 60 s. */
static void
test_b17_probe_within_ttl_no_query (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 109 });
  add_srv_servers_ttl (&fx, 2, 60);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "failback_interval", "20");
  sip_proxy_fault (fx.proxy[0], SIP_PROXY_FAULT_CRASH);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (40), SIP_PROXY_FAULT_RECOVER);
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (10));
  g_assert_nonnull (lookup_after (&fx, 0));
  SimTime lk = lookup_after (&fx, 0)->time;     /* events move as the array grows */
  guint64 q = dns_queries (&fx);
  sim_world_run_until (fx.world, SIM_S (100));

  const DeviceEvent *b = registered_at (&fx, 1, 0);
  g_assert_nonnull (b);
  g_assert_cmpint (b->time, ==, lk + TIMER_F + RTT);
  SimTime probe = b->time + SIM_S (20);
  g_assert_cmpint (probe, <, lk + SIM_S (60));
  const DeviceEvent *s = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1,
                                                    b->time + 1, 0);
  g_assert_nonnull (s);
  SimSockAddr p0 = proxy_addr (&fx, 0);
  g_assert_true (sim_sockaddr_equal (&s->server, &p0));
  g_assert_cmpint (s->time, ==, probe);
  const DeviceEvent *back = registered_at (&fx, 0, 0);
  g_assert_nonnull (back);
  g_assert_cmpint (back->time, ==, probe + RTT);
  g_assert_true (back->failback);
  /* No question since the first lookup: the probe used the cached list,
   * and at p0 (top priority) no further probe or round runs before the
   * refresh at 3240 s. */
  g_assert_cmpuint (dns_queries (&fx), ==, q);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B17 (c): TTL 3600 s, refresh every 270 s: with dns_cache on no refresh
 * asks anything; with dns_cache off every round asks the first lookup's
 * questions again. */
static void
test_b17_no_cache_every_round_queries (void)
{
  for (guint cache = 0; cache <= 1; cache++) {
    DeviceFixture fx;
    device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 110 });
    add_srv_servers (&fx, 2);
    DeviceConfig cfg;
    obihai_config (&cfg);
    set (&cfg, "X_ProxyServerRedundancy", "true");
    set (&cfg, "RegisterExpires", "300");
    set (&cfg, "dns_cache", cache ? "true" : "false");
    device_fixture_start_device (&fx, &cfg);
    sim_world_run_until (fx.world, SIM_S (10));
    const DeviceEvent *lk = lookup_after (&fx, 0);
    g_assert_nonnull (lk);
    guint64 q = dns_queries (&fx);
    g_assert_cmpuint (q, >, 0);
    sim_world_run_until (fx.world, SIM_S (900));
    /* Three refreshes before 900 s (reg + 270 k + DNS time, k = 1..3). */
    guint n_reg = device_fixture_count_events (&fx, DEVICE_EVENT_REGISTERED, 1, 0, SIM_S (900));
    g_assert_cmpuint (n_reg, ==, 4);
    g_assert_cmpuint (dns_queries (&fx), ==, cache ? q : 4 * q);
    device_config_clear (&cfg);
    device_fixture_clear (&fx);
  }
}

/* B20 with a short expiry: p0 is dead for good, the phone lives at p1
 * with RegisterExpires 60 (refresh every 0.9 x 60 = 54 s, B5) and probes
 * p0 every 100 s.  A probe to a dead server takes Timer F = 32 s; had it
 * held the refresh back that long the 60 s binding would lapse (6 s of
 * margin).  Rule: the binding at p1 never lapses: no REG_EXPIRED, and
 * consecutive registrations at p1 are exactly 54 s + RTT apart (the
 * refresh is never delayed), while the probes do go to p0. */
static void
test_b20_failed_probe_keeps_refresh (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 121 });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "RegisterExpires", "60");
  set (&cfg, "failback_interval", "100");
  sip_proxy_fault (fx.proxy[0], SIP_PROXY_FAULT_CRASH);
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (1200));

  const DeviceEvent *b = registered_at (&fx, 1, 0);
  g_assert_nonnull (b);
  g_assert_cmpuint (device_fixture_count_events (&fx, DEVICE_EVENT_REG_EXPIRED, 1, 0, SIM_S (1200)),
                    ==, 0);
  SimTime prev = b->time;
  guint n = 0;
  for (;;) {
    const DeviceEvent *r = registered_at (&fx, 1, prev + 1);
    if (!r)
      break;
    g_assert_cmpint (r->time - prev, ==, SIM_S (54) + RTT);
    prev = r->time;
    n++;
  }
  /* (1200 - b) / 54 s refreshes, give or take the last one. */
  g_assert_cmpuint (n, >=, (guint) ((SIM_S (1200) - b->time) / (SIM_S (54) + RTT)) - 1);
  /* Probes went to p0 (each a REGISTER attempt that timed out). */
  g_assert_cmpuint (count_to (&fx, DEVICE_EVENT_REGISTER_SENT, 0, b->time + 1, SIM_S (1200)),
                    >=, 5);
  g_assert_true (device_account_is_registered (fx.device, 1));
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B5, B20: a refresh that comes due during a failback probe that then
 * succeeds is not owed any more: the 2xx of the probe starts a new B5
 * refresh timer, and a later probe that fails must not fire the old one.
 * Four servers by SRV priority: p0 dead throughout, p1 dead until 660 s,
 * p2 dead until 300 s, p3 up; RegisterExpires 600, so B5 (obihai: no
 * cap, 0.1 x E) refreshes 600 - 60 = 540 s after each 2xx; probes every
 * 490 s (B20), which is more than Timer F before the refresh, so no probe
 * waits for one.
 *   b: registered at p3 after three Timer F (p0, p1, p2 silent).
 *   q = b + 490 + 2 F + RTT: the probe times out on p0 and p1, p2 (back
 *       since 300 s) takes it: failback.  The refresh of b's binding came
 *       due at b + 540, inside this probe, and was held for it.
 *   r = q + 490 + F + RTT: the next probe times out on p0, p1 (back since
 *       660 s) takes it: failback again.
 *   r + 490: a probe to p0 only, failing at r + 490 + F.
 *   r + 540: the refresh of r's binding, at p1 (before the fix, the
 *       refresh held at b + 540 was still marked due and went out when
 *       that probe failed, at r + 522). */
static void
test_b5_b20_probe_success_clears_held_refresh (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 122, .n_proxies = 4 });
  add_srv_servers (&fx, 4);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "RegisterExpires", "600");
  set (&cfg, "failback_interval", "490");
  for (guint i = 0; i < 3; i++)
    sip_proxy_fault (fx.proxy[i], SIP_PROXY_FAULT_CRASH);
  sip_proxy_schedule_fault (fx.proxy[1], SIM_S (660), SIP_PROXY_FAULT_RECOVER);
  sip_proxy_schedule_fault (fx.proxy[2], SIM_S (300), SIP_PROXY_FAULT_RECOVER);
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (2000));

  const SimTime refresh = SIM_S (600) - SIM_S (60);      /* B5 */
  const SimTime failback = SIM_S (490);                  /* B20 */
  const DeviceEvent *b = registered_at (&fx, 3, 0);
  g_assert_nonnull (b);
  const DeviceEvent *q = registered_at (&fx, 2, b->time);
  g_assert_nonnull (q);
  g_assert_true (q->failback);
  g_assert_cmpint (q->time, ==, b->time + failback + 2 * TIMER_F + RTT);
  g_assert_cmpint (q->time, >, b->time + refresh);       /* the held refresh */
  const DeviceEvent *r = registered_at (&fx, 1, q->time);
  g_assert_nonnull (r);
  g_assert_true (r->failback);
  g_assert_cmpint (r->time, ==, q->time + failback + TIMER_F + RTT);

  /* The failed probe to p0 ... */
  const DeviceEvent *p = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1,
                                                    r->time + 1, 0);
  g_assert_nonnull (p);
  /* (the fixture keeps no detail: in SEARCH mode only a probe goes above
   * the server in use, and only a refresh goes to it) */
  SimSockAddr p0 = proxy_addr (&fx, 0);
  g_assert_true (sim_sockaddr_equal (&p->server, &p0));
  g_assert_cmpint (p->time, ==, r->time + failback);
  const DeviceEvent *f = device_fixture_find_event (&fx, DEVICE_EVENT_REG_FAILED, 1,
                                                    r->time + 1, 0);
  g_assert_nonnull (f);
  g_assert_cmpint (f->time, ==, p->time + TIMER_F);
  /* ... is followed by the refresh B5 puts at r + 540 s, and nothing else. */
  const DeviceEvent *n = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1,
                                                    p->time + 1, 0);
  g_assert_nonnull (n);
  g_assert_true (sim_sockaddr_equal (&n->server, &r->server));
  g_assert_cmpint (n->time, ==, r->time + refresh);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* --------------------------------------------------------- B12 / B20 */

/* B12, B20, B35: voip.test with three A records: three candidates of equal
 * priority, so after a failover there is no higher-priority candidate and
 * no failback probe: the failed server, back in service, hears nothing
 * more from the device. */
static void
test_b12_a_only_no_failback (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 111 });
  for (guint i = 0; i < 3; i++)
    device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[i], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "RegisterExpires", "300");
  set (&cfg, "failback_interval", "60");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (10));

  const DeviceEvent *lk = lookup_after (&fx, 0);
  g_assert_nonnull (lk);
  g_assert_cmpuint (lk->n_candidates, ==, 3);
  SimTime dns_time = lk->time;                  /* one A query: one RTT */
  g_assert_cmpint (dns_time, ==, RTT);
  SimTime reg = lk->time + RTT;
  SimSockAddr first;
  g_assert_true (device_account_get_server (fx.device, 1, &first));
  guint i0 = 3;
  for (guint i = 0; i < 3; i++)
    if (sim_sockaddr_equal (&first, &(SimSockAddr) { fx.proxy_ip[i], 5060 }))
      i0 = i;
  g_assert_cmpuint (i0, <, 3);
  sip_proxy_schedule_fault (fx.proxy[i0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sip_proxy_schedule_fault (fx.proxy[i0], SIM_S (400), SIP_PROXY_FAULT_RECOVER);
  sim_world_run_until (fx.world, SIM_S (3000));

  /* The refresh at reg + 270 s times out (Timer F), a fresh lookup
   * (B17; one A query, one RTT) and the walk goes on at once with one of
   * the two other addresses, whatever order the DNS server rotated the
   * answer into (B19, RFC 3263 §4.3). */
  const DeviceEvent *ch = device_fixture_find_event (&fx, DEVICE_EVENT_SERVER_CHANGE, 1, 0, 0);
  g_assert_nonnull (ch);
  g_assert_cmpint (ch->time, ==, reg + SIM_S (270) + TIMER_F + dns_time + RTT);
  g_assert_true (ch->failover);
  g_assert_true (sim_sockaddr_equal (&ch->prev_server, &first));
  g_assert_false (sim_sockaddr_equal (&ch->server, &first));
  /* Nothing to the failed server after that, though it is back at 400 s
   * and failback_interval is 60 s. */
  g_assert_cmpuint (count_to (&fx, DEVICE_EVENT_REGISTER_SENT, i0, ch->time, SIM_S (3000)),
                    ==, 0);
  g_assert_cmpuint (device_get_stats (fx.device)->failbacks, ==, 0);
  g_assert_cmpuint (device_fixture_count_events (&fx, DEVICE_EVENT_SERVER_CHANGE, 1, 0,
                                                 SIM_S (3000)), ==, 1);
  g_assert_true (device_account_is_registered (fx.device, 1));
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ----------------------------------------------------------- B44 / B39 */

/* B44, B39, B40: behind the NAT, with keep-alives every 15 s, the proxy's
 * OPTIONS probes reach the device and are answered 200 (device.h note 3). */
static void
test_b44_probes_answered_200 (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.probe_rate = 1.0 / 20;
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 112, .nat = TRUE,
                                                      .proxy_cfg = &pc, .n_proxies = 1 });
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_KeepAliveEnable", "true");
  set (&cfg, "X_KeepAliveExpires", "15");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (1000));

  const GArray *probes = sip_proxy_get_probes (fx.proxy[0]);
  g_assert_cmpuint (probes->len, >, 10);
  for (guint i = 0; i < probes->len; i++) {
    const SipProxyProbe *p = &g_array_index (probes, SipProxyProbe, i);
    g_assert_true (p->reached);
    g_assert_cmpint (p->outcome, ==, SIP_PROXY_PROBE_OK);
    g_assert_cmpuint (p->status, ==, 200);
    /* Sent to the NAT's public mapping (B39); answered one RTT later. */
    g_assert_cmpuint (p->to.ip, ==, DEVICE_FIXTURE_PUBLIC_IP);
    g_assert_cmpint (p->done_at - p->sent_at, ==, RTT);
  }
  g_assert_cmpuint (device_get_stats (fx.device)->inbound_requests, ==, probes->len);
  g_assert_cmpuint (device_fixture_count_events (&fx, DEVICE_EVENT_INBOUND, 1, 0, SIM_S (1000)),
                    ==, probes->len);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

typedef struct {
  GPtrArray *statuses;   /* of GUINT_TO_POINTER (status) */
  GArray    *times;      /* SimTime */
  SimHost   *host;
} Caller;

static void
caller_recv (SimHostUdp *sock, const SimSockAddr *from, const guint8 *data, gsize len,
             gpointer u)
{
  Caller *c = u;
  (void) sock;
  (void) from;
  g_autoptr (SipMsg) m = sip_msg_parse (data, len, NULL);
  g_assert_nonnull (m);
  g_ptr_array_add (c->statuses, GUINT_TO_POINTER (sip_msg_status (m)));
  SimTime now = host_now (c->host);
  g_array_append_val (c->times, now);
}

static void
caller_send_invite (gpointer u)
{
  SimHostUdp *sock = u;
  static const char invite[] =
    "INVITE sip:1000@192.168.1.10:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 198.51.100.20:5070;branch=z9hG4bK-rules-invite-1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:2000@voip.test>;tag=caller1\r\n"
    "To: <sip:1000@voip.test>\r\n"
    "Call-ID: rules-invite-1@198.51.100.20\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:2000@198.51.100.20:5070>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";
  SimSockAddr to = { DEVICE_FIXTURE_PHONE_IP, 5060 };
  GError *err = NULL;
  g_assert_true (host_udp_sendto (sock, &to, invite, strlen (invite), &err));
  g_assert_no_error (err);
}

static void
on_invite_timer (SimTimer *t, gpointer u)
{
  (void) t;
  caller_send_invite (u);
}

/* Device note 3 (B44 reachability): an INVITE gets 180 then 486 Busy
 * Here at once: both reach the caller one RTT after the INVITE left.  No NAT here, so a scripted caller on proxy1's host reaches the
 * phone's local address directly. */
static void
test_b44_invite_180_486 (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 113 });
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  device_fixture_start_device (&fx, &cfg);

  Caller c = { g_ptr_array_new (), g_array_new (FALSE, FALSE, sizeof (SimTime)),
               fx.proxy_host[1] };
  GError *err = NULL;
  SimSockAddr local = { fx.proxy_ip[1], 5070 };
  SimHostUdp *sock = host_udp_open (fx.proxy_host[1], &local, caller_recv, NULL, &c, &err);
  g_assert_no_error (err);
  SimTimer t;
  host_timer_init (fx.proxy_host[1], &t, on_invite_timer, sock);
  host_timer_start (&t, SIM_S (5));
  sim_world_run_until (fx.world, SIM_S (10));

  /* 180 and 486 at 5 s + RTT; the caller sends no ACK, so the INVITE
   * server transaction retransmits the 486 on Timer G = T1, 2 T1, 4 T1
   * (RFC 3261 §17.2.1): + 0.5, 1.5, 3.5 s, all before 10 s. */
  static const guint want_status[] = { 180, 486, 486, 486, 486 };
  const SimTime want_time[] = { SIM_S (5) + RTT, SIM_S (5) + RTT,
                                SIM_S (5) + RTT + SIM_MS (500),
                                SIM_S (5) + RTT + SIM_MS (1500),
                                SIM_S (5) + RTT + SIM_MS (3500) };
  g_assert_cmpuint (c.statuses->len, ==, G_N_ELEMENTS (want_status));
  for (guint i = 0; i < G_N_ELEMENTS (want_status); i++) {
    g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (c.statuses, i)), ==, want_status[i]);
    g_assert_cmpint (g_array_index (c.times, SimTime, i), ==, want_time[i]);
  }
  g_assert_cmpuint (device_get_stats (fx.device)->inbound_requests, ==, 1);
  const DeviceEvent *in = device_fixture_find_event (&fx, DEVICE_EVENT_INBOUND, 1, 0, 0);
  g_assert_nonnull (in);
  g_assert_cmpuint (in->status, ==, 486);
  g_assert_cmpint (in->time, ==, SIM_S (5) + RTT / 2);

  host_timer_cancel (&t);
  host_udp_close (sock);
  g_ptr_array_free (c.statuses, TRUE);
  g_array_free (c.times, TRUE);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* Issue 14 item 2, B12 (equal A records of equal standing): a name with
 * two A records, the first-listed of them dead.  The DNS server answers in
 * a random order per answer by default (BIND 9), so the dead address is
 * the first tried in about half of the runs, not in every run as with the
 * zone-file order (40 of 40 in the issue).  Over 100 seeds: 0.5 +- 5
 * binomial sigma (0.25).  (The fixed order: /dns/4-changes/order-across-runs.) */
static void
test_b12_a_order_across_runs (void)
{
  guint dead_first = 0;
  const guint runs = 100;
  for (guint64 seed = 1; seed <= runs; seed++) {
    DeviceFixture fx;
    device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = seed, .n_proxies = 2 });
    device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
    device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[1], 3600);
    sip_proxy_fault (fx.proxy[0], SIP_PROXY_FAULT_CRASH);
    DeviceConfig cfg;
    obihai_config (&cfg);
    set (&cfg, "X_ProxyServerRedundancy", "true");
    device_fixture_start_device (&fx, &cfg);
    sim_world_run_until (fx.world, SIM_S (15));
    const DeviceEvent *s0 = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, 0);
    g_assert_nonnull (s0);
    SimSockAddr dead = proxy_addr (&fx, 0);
    dead_first += sim_sockaddr_equal (&s0->server, &dead);
    device_config_clear (&cfg);
    device_fixture_clear (&fx);
  }
  double f = (double) dead_first / runs;
  if (fabs (f - 0.5) > 5 * sqrt (0.25 / runs))
    g_error ("the dead first-listed address was tried first in %u of %u runs", dead_first, runs);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device-rules/1-routing/B11-B18-B22-outbound-proxy-takes-everything",
                   test_b11_outbound_proxy);
  g_test_add_func ("/device-rules/2-register/B6-423-min-expires-600", test_b6_423_min_expires);
  g_test_add_func ("/device-rules/3-redundancy/B7-503-retry-after-blocks-server",
                   test_b7_503_retry_after_blocks);
  g_test_add_func ("/device-rules/3-redundancy/B38-auth-failure-is-account-failure",
                   test_b38_auth_failure_no_failover);
  g_test_add_func ("/device-rules/3-redundancy/B18-no-redundancy-first-candidate-only",
                   test_b18_no_redundancy_first_only);
  g_test_add_func ("/device-rules/1-routing/B2-registrar-server", test_b2_registrar_server);
  g_test_add_func ("/device-rules/4-retry/B8-rfc5626-backoff-windows", test_b8_rfc5626_backoff);
  g_test_add_func ("/device-rules/5-dns/B17-refresh-after-ttl-requeries",
                   test_b17_refresh_after_ttl_requeries);
  g_test_add_func ("/device-rules/5-dns/B17-probe-within-ttl-no-query",
                   test_b17_probe_within_ttl_no_query);
  g_test_add_func ("/device-rules/5-dns/B17-no-cache-every-round-queries",
                   test_b17_no_cache_every_round_queries);
  g_test_add_func ("/device-rules/3-redundancy/B20-failed-probe-keeps-refresh",
                   test_b20_failed_probe_keeps_refresh);
  g_test_add_func ("/device-rules/3-redundancy/B5-B20-probe-success-clears-held-refresh",
                   test_b5_b20_probe_success_clears_held_refresh);
  g_test_add_func ("/device-rules/3-redundancy/B12-B20-a-only-no-failback",
                   test_b12_a_only_no_failback);
  g_test_add_func ("/device-rules/6-inbound/B44-B39-probes-answered-200",
                   test_b44_probes_answered_200);
  g_test_add_func ("/device-rules/6-inbound/B44-invite-180-486", test_b44_invite_180_486);
  g_test_add_func ("/device-rules/5-dns/B12-equal-a-records-order-varies-across-runs",
                   test_b12_a_order_across_runs);
  return g_test_run ();
}
