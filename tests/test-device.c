/*
 * tests/test-device.c - the whole phone in its world (tests/device-fixture.h):
 * registration, failover, failback, short break, keep-alive failover, NAT
 * re-learning, per the B-rules of BEHAVIOUR.md.
 *
 * Expected times are built from the rules: one-way link latency L = 10 ms
 * and three links between the phone and any server, so a request/answer
 * round trip is RTT = 6 L = 60 ms; Timer F = 64 x T1 = 32 s (RFC 3261
 * §17.1.2.2) or Aastra's 4 s (B8); refresh after E - lead (B5).  DNS time
 * is measured from the device's LOOKUP events (it depends on how many
 * queries the lookup order needs) and checked to be a whole number of
 * round trips.
 */
#include <string.h>

#include "sim/net/packet.h"
#include "tests/device-test-util.h"

/* ------------------------------------------------------------------ B1 */

static void
test_b1_disabled (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 1 });
  add_srv_servers (&fx, 1);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "AuthUserName", "");               /* B1: blank AuthUserName */
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (120));
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[0])->registers, ==, 0);
  g_assert_cmpint (device_account_get_state (fx.device, 1), ==, DEVICE_ACC_DISABLED);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* --------------------------------------------------------- B11 / B19 */

/* B11: an A record for the name wins over SRV records. */
static void
test_b11_a_wins (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 2 });
  add_srv_servers (&fx, 2);
  device_fixture_add_srv (&fx, "voip.test", 10, 10, 5060, "p0.voip.test", 3600);
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[2], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (10));
  const DeviceEvent *ev = registered_at (&fx, 2, 0);
  g_assert_nonnull (ev);
  /* One A query (one RTT), then REGISTER/200 (one RTT). */
  g_assert_cmpint (ev->time, ==, 2 * RTT);
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[0])->registers, ==, 0);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B19, B38, B17: the primary goes silent; the refresh to it times out
 * after Timer F, a fresh lookup follows, and the priority-20 server takes
 * the registration: at r + 32 s + DNS time + RTT. */
static void
test_b19_failover_timer_f (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 3 });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "RegisterExpires", "300");
  set (&cfg, "refresh_lead_fraction", "0.1");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (fx.world, SIM_S (600));

  const DeviceEvent *first = registered_at (&fx, 0, 0);
  g_assert_nonnull (first);
  g_assert_cmpuint (first->expires, ==, 300);
  /* B5: lead = 0.1 x 300 = 30 s: the refresh goes out at t + 270 s. */
  SimTime r = first->time + SIM_S (270);
  const DeviceEvent *sent = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1,
                                                       first->time + 1, 0);
  g_assert_nonnull (sent);
  g_assert_cmpint (sent->time, ==, r);
  /* Timer F = 64 x T1 = 32 s after it, a fresh lookup (B17). */
  const DeviceEvent *lk = lookup_after (&fx, r + 1);
  g_assert_nonnull (lk);
  SimTime dns_time = lk->time - (r + SIM_S (32));
  g_assert_cmpint (dns_time, >, 0);
  g_assert_cmpint (dns_time % RTT, ==, 0);
  const DeviceEvent *fo = registered_at (&fx, 1, first->time);
  g_assert_nonnull (fo);
  g_assert_cmpint (fo->time, ==, r + SIM_S (32) + dns_time + RTT);
  g_assert_true (fo->failover);
  g_assert_cmpuint (device_get_stats (fx.device)->failovers, ==, 1);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B19: every candidate silent: p0 (Timer F), p1 (Timer F), short break
 * (30 s), then the same walk again from the top. */
static void
test_b19_short_break (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 4 });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "short_break", "30");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_fault (fx.proxy[0], SIP_PROXY_FAULT_CRASH);
  sip_proxy_fault (fx.proxy[1], SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (fx.world, SIM_S (200));

  const DeviceEvent *s0 = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, 0);
  const DeviceEvent *s1 = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, 1);
  const DeviceEvent *s2 = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, 2);
  g_assert_nonnull (s0);
  g_assert_nonnull (s1);
  g_assert_nonnull (s2);
  SimSockAddr p0 = proxy_addr (&fx, 0), p1 = proxy_addr (&fx, 1);
  g_assert_true (sim_sockaddr_equal (&s0->server, &p0));
  g_assert_true (sim_sockaddr_equal (&s1->server, &p1));
  g_assert_true (sim_sockaddr_equal (&s2->server, &p0));
  g_assert_cmpint (s1->time, ==, s0->time + SIM_S (32));
  /* The answers are cached (TTL 3600 s), so the new walk needs no DNS. */
  g_assert_cmpint (s2->time, ==, s1->time + SIM_S (32) + SIM_S (30));
  g_assert_false (device_account_is_registered (fx.device, 1));
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B23: an OPTIONS keep-alive with no answer moves the account to the
 * backup before its next refresh. */
static void
test_b23_options_keepalive_failover (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 5 });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "X_KeepAliveEnable", "true");
  set (&cfg, "X_KeepAliveExpires", "15");
  set (&cfg, "X_KeepAliveMsgType", "options");
  set (&cfg, "keepalive_timeout", "32");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (fx.world, SIM_S (400));

  const DeviceEvent *first = registered_at (&fx, 0, 0);
  g_assert_nonnull (first);
  /* Keep-alives every 15 s from the registration: the first one after the
   * crash goes out at the first t + 15 k >= 100 s. */
  SimTime k = first->time;
  while (k < SIM_S (100))
    k += SIM_S (15);
  const DeviceEvent *ka = device_fixture_find_event (&fx, DEVICE_EVENT_KEEPALIVE, 1,
                                                     SIM_S (100), 0);
  g_assert_nonnull (ka);
  g_assert_cmpint (ka->time, ==, k);
  const DeviceEvent *kf = device_fixture_find_event (&fx, DEVICE_EVENT_KA_FAILED, 1, 0, 0);
  g_assert_nonnull (kf);
  g_assert_cmpint (kf->time, ==, k + SIM_S (32));
  const DeviceEvent *lk = lookup_after (&fx, kf->time);
  g_assert_nonnull (lk);
  SimTime dns_time = lk->time - kf->time;
  const DeviceEvent *fo = registered_at (&fx, 1, 0);
  g_assert_nonnull (fo);
  g_assert_cmpint (fo->time, ==, kf->time + dns_time + RTT);
  /* ... well before the refresh due at 90 % of 3600 s. */
  g_assert_cmpint (fo->time, <, first->time + SIM_S (3240));
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ------------------------------------------------------------ NAT B39/B45 */

/* B39: the first 200 reveals the public address (received/rport); it
 * differs from the local contact, so the account re-registers at once
 * with it (B45) and the binding at the local address is removed. */
static void
test_b39_first_registration_behind_nat (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 6, .nat = TRUE });
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (10));

  /* A query (1 RTT), REGISTER with the local contact (1 RTT), REGISTER
   * with the mapped contact (1 RTT). */
  const DeviceEvent *r1 = registered_at (&fx, 0, 0);
  g_assert_nonnull (r1);
  g_assert_cmpint (r1->time, ==, 2 * RTT);
  const DeviceEvent *mp = device_fixture_find_event (&fx, DEVICE_EVENT_MAPPING, 1, 0, 0);
  g_assert_nonnull (mp);
  g_assert_cmpint (mp->time, ==, 2 * RTT);
  g_assert_cmpuint (mp->mapped.ip, ==, DEVICE_FIXTURE_PUBLIC_IP);
  g_assert_cmpuint (mp->mapped.port, ==, 5060);     /* the NAT preserves the port */
  const DeviceEvent *r2 = registered_at (&fx, 0, r1->time + 1);
  g_assert_nonnull (r2);
  g_assert_cmpint (r2->time, ==, 3 * RTT);
  g_assert_true (sip_proxy_lookup (fx.proxy[0], "1000@voip.test", "sip:1000@203.0.113.2:5060",
                                   NULL, NULL));
  g_assert_false (sip_proxy_lookup (fx.proxy[0], "1000@voip.test",
                                    "sip:1000@192.168.1.10:5060", NULL, NULL));
  SimSockAddr contact;
  g_assert_true (device_account_get_contact (fx.device, 1, &contact));
  g_assert_cmpuint (contact.ip, ==, DEVICE_FIXTURE_PUBLIC_IP);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B45: after a NAT reboot with a new public address, the next refresh's
 * 200 shows the new mapping and the account re-registers at once with
 * it. */
static void
test_b45_nat_reboot_reregisters (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 7, .nat = TRUE });
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "RegisterExpires", "600");
  device_fixture_start_device (&fx, &cfg);
  const SimIp4 new_public = SIM_IP4 (203, 0, 113, 9);
  nat_schedule_reboot (fx.nat, SIM_S (100), new_public);
  sim_world_run_until (fx.world, SIM_S (700));

  /* Settled at 3 RTT (previous test); refresh at 3 RTT + 540 s (B5, lead
   * 0.1 x 600). */
  SimTime r = 3 * RTT + SIM_S (540);
  const DeviceEvent *mp = device_fixture_find_event (&fx, DEVICE_EVENT_MAPPING, 1, SIM_S (100), 0);
  g_assert_nonnull (mp);
  g_assert_cmpint (mp->time, ==, r + RTT);
  g_assert_cmpuint (mp->mapped.ip, ==, new_public);
  const DeviceEvent *rr = registered_at (&fx, 0, r + RTT + 1);
  g_assert_nonnull (rr);
  g_assert_cmpint (rr->time, ==, r + 2 * RTT);
  g_assert_true (sip_proxy_lookup (fx.proxy[0], "1000@voip.test", "sip:1000@203.0.113.9:5060",
                                   NULL, NULL));
  g_assert_false (sip_proxy_lookup (fx.proxy[0], "1000@voip.test", "sip:1000@203.0.113.2:5060",
                                    NULL, NULL));
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ------------------------------------------------------------- Aastra */

static void
aastra_config (DeviceConfig *cfg, const DeviceFixture *fx)
{
  char ip0[SIM_IP4_STRLEN], ip1[SIM_IP4_STRLEN];
  device_config_init (cfg, DEVICE_PROFILE_AASTRA);
  set (cfg, "sip proxy ip", sim_ip4_to_string (fx->proxy_ip[0], ip0));
  set (cfg, "sip proxy port", "5060");
  set (cfg, "sip backup registrar ip", sim_ip4_to_string (fx->proxy_ip[1], ip1));
  set (cfg, "sip backup registrar port", "5060");
  set (cfg, "AuthUserName", "1000");
  set (cfg, "AuthPassword", "secret");
  set (cfg, "sip registration period", "600");
  set (cfg, "sip.reg_surge_prevention", "0");
}

/* B25, B8: primary first on every renewal; the 4 s transaction timer
 * moves a renewal to the backup; the first renewal after the primary
 * recovers goes back to it. */
static void
test_b25_aastra_failover_failback (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 8 });
  DeviceConfig cfg;
  aastra_config (&cfg, &fx);
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (1000), SIP_PROXY_FAULT_RECOVER);
  sim_world_run_until (fx.world, SIM_S (1900));

  /* IP literals: no DNS.  Lead = min(15 s, 600/2) = 15 s (B5). */
  const SimTime refresh = SIM_S (600 - 15);
  const DeviceEvent *r0 = registered_at (&fx, 0, 0);
  g_assert_nonnull (r0);
  g_assert_cmpint (r0->time, ==, RTT);
  SimTime r1 = r0->time + refresh;
  const DeviceEvent *b = registered_at (&fx, 1, 0);
  g_assert_nonnull (b);
  g_assert_cmpint (b->time, ==, r1 + SIM_S (4) + RTT);   /* sip transaction timer 4000 ms */
  g_assert_true (b->failover);
  SimTime r2 = b->time + refresh;
  g_assert_cmpint (r2, >, SIM_S (1000));
  const DeviceEvent *back = registered_at (&fx, 0, b->time);
  g_assert_nonnull (back);
  g_assert_cmpint (back->time, ==, r2 + RTT);
  g_assert_true (back->failback);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B8: Aastra after a timeout of both servers waits the timeout retry
 * timer (120 s) and starts again with the primary. */
static void
test_b8_aastra_timeout_retry (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 9 });
  DeviceConfig cfg;
  aastra_config (&cfg, &fx);
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_fault (fx.proxy[0], SIP_PROXY_FAULT_CRASH);
  sip_proxy_fault (fx.proxy[1], SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (fx.world, SIM_S (200));
  SimSockAddr p0 = proxy_addr (&fx, 0), p1 = proxy_addr (&fx, 1);
  SimTime want[] = { 0, SIM_S (4), SIM_S (4 + 4 + 120), SIM_S (4 + 4 + 120 + 4) };
  const SimSockAddr *where[] = { &p0, &p1, &p0, &p1 };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++) {
    const DeviceEvent *s = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, i);
    g_assert_nonnull (s);
    g_assert_cmpint (s->time, ==, want[i]);
    g_assert_true (sim_sockaddr_equal (&s->server, where[i]));
  }
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B8, B38: a rejection (401 after the allowed challenges) is an account
 * failure: no failover to the backup, and the retry timer is 1800 s. */
static void
test_b8_aastra_rejection_retry (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  SipProxyUser users[] = { { "1000", "other-password" } };
  pc.users = users;
  pc.n_users = 1;
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 10, .proxy_cfg = &pc });
  DeviceConfig cfg;
  aastra_config (&cfg, &fx);
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (2000));
  /* B6: REGISTER, 401, REGISTER with credentials, 401: "once 2
   * consecutive 401/407 have arrived, it is an error" (Max Auth = 2). */
  const DeviceEvent *f = device_fixture_find_event (&fx, DEVICE_EVENT_REG_FAILED, 1, 0, 0);
  g_assert_nonnull (f);
  g_assert_cmpuint (f->status, ==, 401);
  g_assert_cmpint (f->fail, ==, DEVICE_FAIL_REJECTED);
  const DeviceEvent *s1 = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, 1);
  g_assert_nonnull (s1);
  g_assert_cmpint (s1->time, ==, f->time + SIM_S (1800));
  SimSockAddr p0 = proxy_addr (&fx, 0);
  g_assert_true (sim_sockaddr_equal (&s1->server, &p0));
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[1])->registers, ==, 0);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ------------------------------------------------------------ B20, B21 */

/* B20: registered with the priority-20 server, the account probes the
 * priority-10 one every failback_interval and moves back once it answers. */
static void
test_b20_failback_probe (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 11 });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "failback_interval", "600");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_fault (fx.proxy[0], SIP_PROXY_FAULT_CRASH);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (300), SIP_PROXY_FAULT_RECOVER);
  sim_world_run_until (fx.world, SIM_S (1000));

  const DeviceEvent *lk = lookup_after (&fx, 0);
  g_assert_nonnull (lk);
  const DeviceEvent *b = registered_at (&fx, 1, 0);
  g_assert_nonnull (b);
  g_assert_cmpint (b->time, ==, lk->time + SIM_S (32) + RTT);
  /* A probe of p0 at b + 600 s (p0 is back since 300 s). */
  const DeviceEvent *back = registered_at (&fx, 0, 0);
  g_assert_nonnull (back);
  g_assert_cmpint (back->time, ==, b->time + SIM_S (600) + RTT);
  g_assert_true (back->failback);
  g_assert_cmpuint (device_get_stats (fx.device)->failbacks, ==, 1);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B21 (modelled as hot standby): with a secondary registration at p1, the
 * failure of p0 promotes p1 the moment Timer F fires, with no walk. */
static void
test_b21_secondary_promoted (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 12 });
  add_srv_servers (&fx, 3);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "X_SecondaryRegistration", "true");
  set (&cfg, "RegisterExpires", "300");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (fx.world, SIM_S (600));

  const DeviceEvent *first = registered_at (&fx, 0, 0);
  g_assert_nonnull (first);
  const DeviceEvent *sec = device_fixture_find_event (&fx, DEVICE_EVENT_SECONDARY, 1, 0, 0);
  g_assert_nonnull (sec);
  SimSockAddr p1 = proxy_addr (&fx, 1), p2 = proxy_addr (&fx, 2);
  g_assert_true (sim_sockaddr_equal (&sec->server, &p1));
  g_assert_cmpint (sec->time, ==, first->time + RTT);
  SimTime r = first->time + SIM_S (270);
  const DeviceEvent *ch = device_fixture_find_event (&fx, DEVICE_EVENT_SERVER_CHANGE, 1, 0, 0);
  g_assert_nonnull (ch);
  g_assert_cmpint (ch->time, ==, r + SIM_S (32));
  g_assert_true (sim_sockaddr_equal (&ch->server, &p1));
  /* A new secondary below the new primary: p2. */
  const DeviceEvent *sec2 = device_fixture_find_event (&fx, DEVICE_EVENT_SECONDARY, 1,
                                                       ch->time, 0);
  g_assert_nonnull (sec2);
  g_assert_true (sim_sockaddr_equal (&sec2->server, &p2));
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ---------------------------------------------------------------- B10 */

/* B10: the first REGISTER after power-on is spread uniformly over
 * [0, sip.reg_surge_prevention]; over 200 devices the mean is within 5
 * standard errors of the uniform mean (sd = 10/sqrt(12) s, se = sd/sqrt(200)
 * = 0.204 s, so +-1.02 s). */
static void
test_b10_startup_spread (void)
{
  double sum = 0;
  SimTime min = G_MAXINT64, max = 0;
  for (guint seed = 1; seed <= 200; seed++) {
    DeviceFixture fx;
    device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = seed, .n_proxies = 1 });
    DeviceConfig cfg;
    device_config_init (&cfg, DEVICE_PROFILE_OBIHAI);
    set (&cfg, "ProxyServer", "198.51.100.10");
    set (&cfg, "AuthUserName", "1000");
    set (&cfg, "sip.reg_surge_prevention", "10");
    device_fixture_start_device (&fx, &cfg);
    sim_world_run_until (fx.world, SIM_S (11));
    const DeviceEvent *s = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, 0);
    g_assert_nonnull (s);
    g_assert_cmpint (s->time, >=, 0);
    g_assert_cmpint (s->time, <=, SIM_S (10));
    sum += (double) s->time / SIM_S (1);
    min = MIN (min, s->time);
    max = MAX (max, s->time);
    device_config_clear (&cfg);
    device_fixture_clear (&fx);
  }
  g_assert_cmpfloat_with_epsilon (sum / 200, 5.0, 1.02);
  g_assert_cmpint (max - min, >, SIM_S (8));
}

/* ------------------------------------------------------------------ B3 */

/* B3: each account registers from its own port, 5060 and 5061. */
static void
test_b3_two_accounts (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 13 });
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "SP2::ProxyServer", "voip.test");
  set (&cfg, "SP2::AuthUserName", "1001");
  set (&cfg, "SP2::sip.reg_surge_prevention", "0");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (5));
  g_assert_true (device_account_is_registered (fx.device, 1));
  g_assert_true (device_account_is_registered (fx.device, 2));
  g_assert_true (sip_proxy_lookup (fx.proxy[0], "1000@voip.test",
                                   "sip:1000@192.168.1.10:5060", NULL, NULL));
  g_assert_true (sip_proxy_lookup (fx.proxy[0], "1001@voip.test",
                                   "sip:1001@192.168.1.10:5061", NULL, NULL));
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ---------------------------------------------------- inbound reachability */

static guint
probes_reached (const SipProxy *p, guint *total)
{
  const GArray *a = sip_proxy_get_probes (p);
  guint n = 0;
  for (guint i = 0; i < a->len; i++)
    n += g_array_index (a, SipProxyProbe, i).reached;
  *total = a->len;
  return n;
}

/* B40, B44: keep-alives every 15 s keep the NAT pinhole (120 s after a
 * reply) open, so every OPTIONS probe from the proxy reaches the device and
 * is answered; without keep-alives, probes more than 120 s after the last
 * outbound packet are dropped by the NAT. */
static void
test_b40_keepalive_keeps_pinhole (void)
{
  for (guint with_ka = 0; with_ka <= 1; with_ka++) {
    SipProxyConfig pc;
    sip_proxy_config_init (&pc);
    pc.probe_rate = 1.0 / 30;
    DeviceFixture fx;
    device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 14, .nat = TRUE,
                                                        .proxy_cfg = &pc, .n_proxies = 1 });
    device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
    DeviceConfig cfg;
    obihai_config (&cfg);
    if (with_ka) {
      set (&cfg, "X_KeepAliveEnable", "true");
      set (&cfg, "X_KeepAliveExpires", "15");
      set (&cfg, "X_KeepAliveMsgType", "keep-alive");
    }
    device_fixture_start_device (&fx, &cfg);
    sim_world_run_until (fx.world, SIM_S (3000));
    guint total, reached = probes_reached (fx.proxy[0], &total);
    g_assert_cmpuint (total, >, 50);
    if (with_ka) {
      g_assert_cmpuint (reached, ==, total);
      g_assert_cmpuint (device_get_stats (fx.device)->inbound_requests, >=, total);
    } else {
      /* Registration refreshes every 3240 s: after the first 120 s of
       * silence the pinhole is gone for the rest of the run. */
      g_assert_cmpuint (reached, <, total / 5);
    }
    device_config_clear (&cfg);
    device_fixture_clear (&fx);
  }
}

/* RFC 3581 §4 (issue 14 item 10): the phone answering an inbound OPTIONS
 * whose top Via carries an empty rport fills in rport=<the request's
 * source port> and received=<its source address>; a tester socket on the
 * proxy's host sends it from port 5999 (sent-by says 5060, so the answer
 * must go to 5999 and say so). */
typedef struct { SipMsg *resp; SimSockAddr from; } Answer;

static void
on_answer (SimHostUdp *sock, const SimSockAddr *from, const guint8 *data, gsize len,
           gpointer user_data)
{
  Answer *a = user_data;
  (void) sock;
  g_clear_pointer (&a->resp, sip_msg_unref);
  a->resp = sip_msg_parse (data, len, NULL);
  a->from = *from;
}

static void
test_inbound_options_rport_value (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 16, .n_proxies = 1 });
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (5));
  Answer a = { 0 };
  SimSockAddr local = { .ip = SIM_IP4_ANY, .port = 5999 };
  g_autoptr (GError) err = NULL;
  SimHostUdp *sock = host_udp_open (fx.proxy_host[0], &local, on_answer, NULL, &a, &err);
  g_assert_no_error (err);
  static const char req[] =
    "OPTIONS sip:1000@192.168.1.10:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bKprobe1;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:probe@voip.test>;tag=p1\r\n"
    "To: <sip:1000@voip.test>\r\n"
    "Call-ID: probe-1\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n";
  SimSockAddr phone = { DEVICE_FIXTURE_PHONE_IP, 5060 };
  g_assert_true (host_udp_sendto (sock, &phone, (const guint8 *) req, sizeof req - 1, &err));
  sim_world_run_until (fx.world, SIM_S (6));
  g_assert_nonnull (a.resp);
  g_assert_cmpuint (sip_msg_status (a.resp), ==, 200);
  const SipVia *via = sip_msg_via (a.resp, 0);
  g_assert_true (via->has_rport);
  g_assert_cmpuint (via->rport, ==, 5999);
  g_autofree char *received = sip_str_dup (via->received);
  g_assert_cmpstr (received, ==, "198.51.100.10");
  g_clear_pointer (&a.resp, sip_msg_unref);
  host_udp_close (sock);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* Issue 14 item 3, B23 / seed 004 ("No response to this request from the
 * server will trigger a proxy failover"): the keep-alive's silence counts
 * even while a refresh to the same dead server is in flight.  E = 600 s,
 * so the refresh leaves at r0 + 540 s (0.9 E) and the binding lasts to
 * r0 + 600 s; OPTIONS every 20 s from r0; the primary crashes at 510 s,
 * so the keep-alive of r0 + 520 s goes unanswered and fails at r0 + 552
 * s, during the refresh (which would only end at r0 + 572 s).  Expected:
 * the failover starts at the keep-alive failure, REGISTERED at p1 =
 * KA_FAILED + DNS + RTT. */
static void
test_b23_keepalive_failure_during_refresh (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 5 });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "RegisterExpires", "600");
  set (&cfg, "X_KeepAliveEnable", "true");
  set (&cfg, "X_KeepAliveExpires", "20");
  set (&cfg, "X_KeepAliveMsgType", "options");
  set (&cfg, "keepalive_timeout", "32");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (510), SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (fx.world, SIM_S (800));

  const DeviceEvent *r0 = registered_at (&fx, 0, 0);
  g_assert_nonnull (r0);
  const DeviceEvent *refresh = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1,
                                                          SIM_S (510), 0);
  g_assert_nonnull (refresh);
  g_assert_cmpint (refresh->time, ==, r0->time + SIM_S (540));
  const DeviceEvent *kf = device_fixture_find_event (&fx, DEVICE_EVENT_KA_FAILED, 1, 0, 0);
  g_assert_nonnull (kf);
  g_assert_cmpint (kf->time, ==, r0->time + SIM_S (520) + SIM_S (32));
  g_assert_cmpint (kf->time, <, refresh->time + TIMER_F);      /* the refresh is in flight */
  const DeviceEvent *fo = registered_at (&fx, 1, 0);
  g_assert_nonnull (fo);
  const DeviceEvent *lk = lookup_after (&fx, kf->time);
  g_assert_nonnull (lk);
  g_assert_cmpint (fo->time, ==, lk->time + RTT);
  g_assert_cmpint (lk->time, <, refresh->time + TIMER_F);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* Issue 14 item 5, B39: behind an address-dependent NAT (RFC 4787 ADM:
 * one public port per remote address) with the STUN keep-alive server
 * (proxy 1) other than the registrar (proxy 0), STUN and rport report
 * different public ports.  The one the registrar sees is the one that
 * routes inbound requests (its binding's flow), so rport wins and a STUN
 * answer from another server never rewrites the Contact.  Expected over
 * 20 minutes of 60 s STUN keep-alives, RegisterExpires 3600 (no
 * refresh): one mapping (the first 2xx's), two REGISTERs (the first, then
 * the B45 re-REGISTER with the learnt contact), every inbound probe of
 * the registrar answered.  Before the fix each STUN answer and each
 * following 2xx flipped the Contact: ~20 changes and 4 REGISTERs per
 * keep-alive. */
static void
test_b39_rport_wins_over_foreign_stun (void)
{
  NatSettings ns;
  nat_settings_init_default (&ns);
  ns.mapping = NAT_MAPPING_ADDRESS_DEPENDENT;
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.stun = TRUE;
  pc.probe_rate = 1.0 / 30;
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 17, .nat = TRUE,
                                                      .nat_settings = &ns, .proxy_cfg = &pc,
                                                      .n_proxies = 2 });
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_KeepAliveEnable", "true");
  set (&cfg, "X_KeepAliveExpires", "60");
  set (&cfg, "X_KeepAliveMsgType", "stun");
  set (&cfg, "X_KeepAliveServer", "198.51.100.20");
  set (&cfg, "X_KeepAliveServerPort", "5060");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (1200));
  const DeviceStats *st = device_get_stats (fx.device);
  g_assert_cmpuint (st->keepalives_sent, >=, 19);
  g_assert_cmpuint (st->mapping_changes, ==, 1);
  g_assert_cmpuint (st->registers_sent, ==, 2);
  guint total, reached = probes_reached (fx.proxy[0], &total);
  g_assert_cmpuint (total, >, 20);
  g_assert_cmpuint (reached, ==, total);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ------------------------------------------------------------- RFC 5626 */

/* RFC 5626 §4.4.1: with outbound on and no Flow-Timer, STUN keep-alives
 * go out every 24-29 s (uniform). */
static void
test_rfc5626_keepalive_interval (void)
{
  /* A registrar with outbound and STUN on (both off by default). */
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.outbound = TRUE;
  pc.stun = TRUE;
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 15, .nat = TRUE, .n_proxies = 1,
                                                      .proxy_cfg = &pc });
  device_fixture_add_srv (&fx, "_sip._udp.voip.test", 10, 10, 5060, "p0.voip.test", 3600);
  device_fixture_add_a (&fx, "p0.voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  device_config_init (&cfg, DEVICE_PROFILE_RFC);
  set (&cfg, "ProxyServer", "voip.test");
  set (&cfg, "AuthUserName", "1000");
  set (&cfg, "sip.reg_surge_prevention", "0");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (1000));
  SimTime prev = -1;
  guint n = 0;
  for (guint i = 0; i < fx.events->len; i++) {
    const DeviceEvent *ev = &g_array_index (fx.events, DeviceEvent, i);
    if (ev->kind != DEVICE_EVENT_KEEPALIVE)
      continue;
    if (prev >= 0) {
      g_assert_cmpint (ev->time - prev, >=, SIM_S (24));
      g_assert_cmpint (ev->time - prev, <=, SIM_S (29));
    }
    prev = ev->time;
    n++;
  }
  g_assert_cmpuint (n, >=, 30);
  g_assert_cmpuint (device_get_stats (fx.device)->keepalives_failed, ==, 0);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* Issue 14 item 6: against a registrar as shipped (outbound and STUN
 * off), the rfc profile asks for outbound, gets a 2xx without Require:
 * outbound, and so runs none of RFC 5626's flow keep-alives (§4.4 applies
 * to flows the registrar confirmed): it stays registered by refreshing,
 * sends no STUN, and the registrar sees no STUN to ignore. */
static void
test_rfc5626_unconfirmed_no_flow_keepalive (void)
{
  SipProxyConfig shipped;
  sip_proxy_config_init (&shipped);
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 15, .nat = TRUE, .n_proxies = 1,
                                                      .proxy_cfg = &shipped });
  device_fixture_add_srv (&fx, "_sip._udp.voip.test", 10, 10, 5060, "p0.voip.test", 3600);
  device_fixture_add_a (&fx, "p0.voip.test", fx.proxy_ip[0], 3600);
  DeviceConfig cfg;
  device_config_init (&cfg, DEVICE_PROFILE_RFC);
  set (&cfg, "ProxyServer", "voip.test");
  set (&cfg, "AuthUserName", "1000");
  set (&cfg, "sip.reg_surge_prevention", "0");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (1000));
  guint ka = 0, reg = 0;
  for (guint i = 0; i < fx.events->len; i++) {
    const DeviceEvent *ev = &g_array_index (fx.events, DeviceEvent, i);
    ka += ev->kind == DEVICE_EVENT_KEEPALIVE;
    reg += ev->kind == DEVICE_EVENT_REGISTERED;
  }
  g_assert_cmpuint (reg, >=, 1);
  g_assert_cmpuint (ka, ==, 0);
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[0])->stun_ignored, ==, 0);
  g_assert_cmpuint (sip_proxy_get_stats (fx.proxy[0])->stun_answered, ==, 0);
  g_assert_cmpuint (sip_proxy_binding_count (fx.proxy[0]), ==, 1);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* ---------------------------------------------------------- determinism */

static guint64
run_fingerprint (guint64 seed)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = seed, .nat = TRUE });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "sip.reg_surge_prevention", "10");
  set (&cfg, "RegisterExpires", "300");
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (fx.world, SIM_S (900));
  guint64 fp = sim_world_get_fingerprint (fx.world);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
  return fp;
}

/* Same seed, same trace; another seed moves the start-up delay (B10). */
static void
test_determinism (void)
{
  g_assert_cmpuint (run_fingerprint (21), ==, run_fingerprint (21));
  g_assert_cmpuint (run_fingerprint (21), !=, run_fingerprint (22));
}

/* ------------------------------------------------------------------ B9 */

static SimHookVerdict
block_source_port_5060 (SimNode *node, SimIface *in, SimPacket *pkt, gpointer u)
{
  SimPacketInfo info;
  (void) node; (void) in; (void) u;
  if (sim_packet_parse (sim_packet_data (pkt), sim_packet_len (pkt), &info) == SIM_PACKET_OK
      && info.proto == SIM_IPPROTO_UDP && info.src == DEVICE_FIXTURE_PHONE_IP && info.sport == 5060)
    return SIM_HOOK_DROP;
  return SIM_HOOK_ACCEPT;
}

/* B9: an upstream box drops everything from port 5060; the REGISTER gets
 * no response (Timer F, 32 s), the account moves to the first port of
 * X_UserAgentPorts and, after RegisterRetryInterval (30 s, B8), registers
 * from there. */
static void
test_b9_alternate_ports (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 16 });
  device_fixture_add_a (&fx, "voip.test", fx.proxy_ip[0], 3600);
  sim_node_set_hook (fx.core_node, block_source_port_5060, NULL);
  DeviceConfig cfg;
  obihai_config (&cfg);
  set (&cfg, "X_UserAgentPorts", "5070,5071");
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (200));
  /* A query: 1 RTT; REGISTER at RTT, Timer F at RTT + 32 s, retry 30 s
   * later from 5070, 200 one RTT after. */
  const DeviceEvent *r = registered_at (&fx, 0, 0);
  g_assert_nonnull (r);
  g_assert_cmpint (r->time, ==, RTT + SIM_S (32) + SIM_S (30) + RTT);
  g_assert_true (sip_proxy_lookup (fx.proxy[0], "1000@voip.test",
                                   "sip:1000@192.168.1.10:5070", NULL, NULL));
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device/1-enable/B1-blank-auth-username-sends-nothing", test_b1_disabled);
  g_test_add_func ("/device/2-lookup/B11-a-record-wins", test_b11_a_wins);
  g_test_add_func ("/device/3-redundancy/B19-failover-after-timer-f", test_b19_failover_timer_f);
  g_test_add_func ("/device/3-redundancy/B19-short-break", test_b19_short_break);
  g_test_add_func ("/device/4-keepalive/B23-options-no-answer-fails-over",
                   test_b23_options_keepalive_failover);
  g_test_add_func ("/device/5-nat/B39-first-registration-learns-mapping",
                   test_b39_first_registration_behind_nat);
  g_test_add_func ("/device/5-nat/B45-nat-reboot-reregisters", test_b45_nat_reboot_reregisters);
  g_test_add_func ("/device/3-redundancy/B25-aastra-failover-and-failback-at-renewal",
                   test_b25_aastra_failover_failback);
  g_test_add_func ("/device/6-retry/B8-aastra-timeout-retry-120s", test_b8_aastra_timeout_retry);
  g_test_add_func ("/device/6-retry/B8-B38-aastra-rejection-retry-1800s-no-failover",
                   test_b8_aastra_rejection_retry);
  g_test_add_func ("/device/3-redundancy/B20-failback-probe", test_b20_failback_probe);
  g_test_add_func ("/device/3-redundancy/B21-secondary-promoted", test_b21_secondary_promoted);
  g_test_add_func ("/device/1-enable/B10-startup-spread", test_b10_startup_spread);
  g_test_add_func ("/device/1-enable/B3-one-port-per-account", test_b3_two_accounts);
  g_test_add_func ("/device/4-keepalive/B40-keepalive-keeps-pinhole",
                   test_b40_keepalive_keeps_pinhole);
  g_test_add_func ("/device/4-keepalive/RFC5626-stun-interval-24-29s",
                   test_rfc5626_keepalive_interval);
  g_test_add_func ("/device/7-determinism/same-seed-same-trace", test_determinism);
  g_test_add_func ("/device/5-nat/B39-rport-wins-over-foreign-stun",
                   test_b39_rport_wins_over_foreign_stun);
  g_test_add_func ("/device/4-keepalive/B23-failure-during-refresh-fails-over",
                   test_b23_keepalive_failure_during_refresh);
  g_test_add_func ("/device/4-keepalive/RFC5626-unconfirmed-no-flow-keepalive",
                   test_rfc5626_unconfirmed_no_flow_keepalive);
  g_test_add_func ("/device/5-nat/RFC3581-inbound-options-answer-has-rport-value",
                   test_inbound_options_rport_value);
  g_test_add_func ("/device/1-enable/B9-alternate-local-ports", test_b9_alternate_ports);
  return g_test_run ();
}
