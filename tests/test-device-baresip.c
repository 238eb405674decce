/*
 * tests/test-device-baresip.c - the baresip profile (BEHAVIOUR.md
 * B46-B50) and the per-profile failure switches it is made of (issue 14
 * item 9): icmp_ends_transaction, honour_retry_after,
 * failover_next_target, lookup_order libre, srv_order hash.
 *
 * Expected timings come from the rules and the fixture's geometry, not
 * from the code: every link has latency L, so a phone <-> server round
 * trip is RTT = 6 L and an ICMP error comes back one RTT after the
 * request left; Timer F = 64 x T1 = 32 s (RFC 3261 §17.1.2.2); libre
 * refreshes at 90 % of the granted expiry (B46).
 */
#include <math.h>

#include "tests/device-test-util.h"

/* A baresip account "1000" at voip.test (SRV 10 -> p0, 20 -> p1). */
static void
baresip_config (DeviceConfig *cfg, guint32 expires)
{
  device_config_init (cfg, DEVICE_PROFILE_BARESIP);
  set (cfg, "ProxyServer", "voip.test");
  set (cfg, "AuthUserName", "1000");
  g_autofree char *e = g_strdup_printf ("%u", expires);
  set (cfg, "RegisterExpires", e);
}

static const DeviceEvent *
sent_to (const DeviceFixture *fx, guint i, SimTime after)
{
  SimSockAddr want = proxy_addr (fx, i);
  for (guint k = 0; k < fx->events->len; k++) {
    const DeviceEvent *ev = &g_array_index (fx->events, DeviceEvent, k);
    if (ev->kind == DEVICE_EVENT_REGISTER_SENT && ev->time >= after
        && sim_sockaddr_equal (&ev->server, &want))
      return ev;
  }
  return NULL;
}

static guint
count_events (const DeviceFixture *fx, DeviceEventKind kind, SimTime from, SimTime to)
{
  guint n = 0;
  for (guint k = 0; k < fx->events->len; k++) {
    const DeviceEvent *ev = &g_array_index (fx->events, DeviceEvent, k);
    n += ev->kind == kind && ev->time >= from && ev->time < to;
  }
  return n;
}

/* ----------------------------------------------------- 1-icmp (B38, B48) */

/* The primary is killed (ICMP port unreachable) at 100 s; the next
 * refresh goes to it first.  With icmp_ends_transaction (B38, every
 * vendor profile) the REGISTER ends one RTT after it left and the backup
 * is asked at once: REGISTERED at p1 = sent to p0 + 2 RTT.  baresip
 * (B48) ignores the ICMP: Timer F runs, REGISTERED at p1 = sent to p0 +
 * 32 s + RTT, and every retransmission drew its own ICMP (11 sends: 0,
 * 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 s). */
static void
test_b48_icmp_ignored (void)
{
  for (guint icmp = 0; icmp <= 1; icmp++) {
    DeviceFixture fx;
    device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 46, .n_proxies = 2 });
    add_srv_servers (&fx, 2);
    DeviceConfig cfg;
    baresip_config (&cfg, 60);
    if (icmp)
      set (&cfg, "icmp_ends_transaction", "true");
    device_fixture_start_device (&fx, &cfg);
    sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_KILL);
    sim_world_run_until (fx.world, SIM_S (200));

    const DeviceEvent *s0 = sent_to (&fx, 0, SIM_S (100));
    g_assert_nonnull (s0);
    const DeviceEvent *r1 = registered_at (&fx, 1, SIM_S (100));
    g_assert_nonnull (r1);
    g_assert_cmpint (r1->time - s0->time, ==, icmp ? 2 * RTT : TIMER_F + RTT);
    /* B47: the move to p1 made no DNS query of its own */
    g_assert_cmpuint (count_events (&fx, DEVICE_EVENT_LOOKUP, s0->time + 1, r1->time), ==, 0);
    const DeviceStats *st = device_get_stats (fx.device);
    (void) st;
    device_config_clear (&cfg);
    device_fixture_clear (&fx);
  }
}

/* ------------------------------------------ 2-refresh (B46, B47, B50) */

/* B47's consequence, as measured against Kamailio (BEHAVIOUR.md): after
 * the failover to priority 20, every refresh resolves again and tries
 * priority 10 first, paying Timer F while it is dead.  With E = 60 s the
 * refresh leaves 0.9 E = 54 s after the 2xx (B46), so successive 2xx at
 * p1 are 54 s + (DNS) + 32 s + RTT apart and the p1 binding lapses for
 * 0.9 E + 32 - E = 26 s (+ DNS and RTT) of every cycle (REG_EXPIRED each
 * time).  The DNS time of a resolve (NAPTR, SRV, then A of both targets
 * at once: three round trips to the DNS server) is measured from the
 * LOOKUP event, not assumed.  B50: when p0 comes back, the first refresh
 * that reaches it moves the registration back. */
static void
test_b47_refresh_primary_first (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 47, .n_proxies = 2 });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  baresip_config (&cfg, 60);
  device_fixture_start_device (&fx, &cfg);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_KILL);
  sip_proxy_schedule_fault (fx.proxy[0], SIM_S (500), SIP_PROXY_FAULT_RECOVER);
  sim_world_run_until (fx.world, SIM_S (700));

  const DeviceEvent *a = registered_at (&fx, 1, SIM_S (100));
  g_assert_nonnull (a);
  guint cycles = 0;
  while (a->time < SIM_S (400)) {
    const DeviceEvent *lk = lookup_after (&fx, a->time);
    g_assert_nonnull (lk);
    const DeviceEvent *s0 = sent_to (&fx, 0, a->time);
    g_assert_nonnull (s0);
    SimTime dns = s0->time - (a->time + SIM_S (54));
    g_assert_cmpint (dns, ==, 3 * RTT);                  /* NAPTR, SRV, A */
    g_assert_cmpint (lk->time, ==, s0->time);
    const DeviceEvent *b = registered_at (&fx, 1, a->time + 1);
    g_assert_nonnull (b);
    g_assert_cmpint (b->time - a->time, ==, SIM_S (54) + dns + TIMER_F + RTT);
    /* the binding lapsed in between */
    g_assert_cmpuint (count_events (&fx, DEVICE_EVENT_REG_EXPIRED, a->time, b->time), ==, 1);
    a = b;
    cycles++;
  }
  g_assert_cmpuint (cycles, >=, 3);
  /* B50: back at p0 with the first refresh after 500 s. */
  const DeviceEvent *back = registered_at (&fx, 0, SIM_S (500));
  g_assert_nonnull (back);
  const DeviceEvent *last1 = NULL;
  for (guint k = 0; k < fx.events->len; k++) {
    const DeviceEvent *ev = &g_array_index (fx.events, DeviceEvent, k);
    if (ev->kind == DEVICE_EVENT_REGISTERED && ev->time < back->time)
      last1 = ev;
  }
  g_assert_nonnull (last1);
  g_assert_cmpint (back->time - last1->time, ==, SIM_S (54) + 3 * RTT + RTT);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* --------------------------------------------- 3-retry-after (B7, B46) */

/* Both servers answer 503 with Retry-After: 300.  B7 (rfc profile):
 * each is blocked for 300 s and the next round waits exactly 300 s (B6).
 * baresip (B46): Retry-After is never read; the 503 moves to the next
 * target at once (B47), and when both failed the round waits
 * failwait(1) = U[30, 60] s. */
static void
test_b46_retry_after_ignored (void)
{
  for (guint honour = 0; honour <= 1; honour++) {
    SipProxyConfig pc;
    sip_proxy_config_init (&pc);
    pc.retry_after = 300;
    DeviceFixture fx;
    device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 48, .n_proxies = 2,
                                                        .proxy_cfg = &pc });
    add_srv_servers (&fx, 2);
    sip_proxy_fault (fx.proxy[0], SIP_PROXY_FAULT_REJECT);
    sip_proxy_fault (fx.proxy[1], SIP_PROXY_FAULT_REJECT);
    DeviceConfig cfg;
    baresip_config (&cfg, 60);
    if (honour)
      set (&cfg, "honour_retry_after", "true");
    device_fixture_start_device (&fx, &cfg);
    sim_world_run_until (fx.world, SIM_S (800));

    const DeviceEvent *f0 = device_fixture_find_event (&fx, DEVICE_EVENT_REG_FAILED, 1, 0, 0);
    g_assert_nonnull (f0);
    g_assert_cmpuint (f0->status, ==, 503);
    /* the 503 from p0 sends the same request to p1 at once */
    const DeviceEvent *s1 = sent_to (&fx, 1, f0->time);
    g_assert_nonnull (s1);
    g_assert_cmpint (s1->time, ==, f0->time);
    const DeviceEvent *f1 = device_fixture_find_event (&fx, DEVICE_EVENT_REG_FAILED, 1,
                                                       s1->time + 1, 0);
    g_assert_nonnull (f1);
    /* the next round's first REGISTER (after its DNS: 3 RTT) */
    const DeviceEvent *next = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1,
                                                         f1->time + 1, 0);
    g_assert_nonnull (next);
    SimTime wait = next->time - f1->time - 3 * RTT;
    if (honour) {
      g_assert_cmpint (wait, ==, SIM_S (300));
    } else {
      g_assert_cmpint (wait, >=, SIM_S (30));
      g_assert_cmpint (wait, <=, SIM_S (60));
    }
    device_config_clear (&cfg);
    device_fixture_clear (&fx);
  }
}

/* ------------------------------------------------ 4-lookup (B47) */

/* libre asks NAPTR first, then the _sip._udp SRV, then the targets' A;
 * no cache: every REGISTER resolves again (a refresh every 54 s at E =
 * 60, so about 10 resolves in 560 s, each one NAPTR query). */
static void
test_b47_naptr_first_no_cache (void)
{
  DeviceFixture fx;
  device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 49, .n_proxies = 2 });
  add_srv_servers (&fx, 2);
  DeviceConfig cfg;
  baresip_config (&cfg, 60);
  device_fixture_start_device (&fx, &cfg);
  sim_world_run_until (fx.world, SIM_S (560));
  guint regs = count_events (&fx, DEVICE_EVENT_REGISTERED, 0, SIM_S (560));
  g_assert_cmpuint (regs, ==, 11);                 /* at ~0.2 s, then every 54.24 s */
  guint64 naptr = dns_server_get_query_count (fx.dns, "voip.test", 35);
  guint64 srv = dns_server_get_query_count (fx.dns, "_sip._udp.voip.test", DNS_TYPE_SRV);
  guint64 a0 = dns_server_get_query_count (fx.dns, "p0.voip.test", DNS_TYPE_A);
  g_assert_cmpuint (naptr, ==, regs);
  g_assert_cmpuint (srv, ==, regs);
  g_assert_cmpuint (a0, ==, regs);
  /* first REGISTER at 0 + NAPTR + SRV + A = 3 RTT: no start-up delay */
  const DeviceEvent *s0 = sent_to (&fx, 0, 0);
  g_assert_cmpint (s0->time, ==, 3 * RTT);
  device_config_clear (&cfg);
  device_fixture_clear (&fx);
}

/* B47 (libre rrlist.c): two targets of one priority are ordered by a
 * hash of the target and the From URI, not by an RFC 2782 draw: the same
 * target is tried first in every run (seed), while the rfc2782 order
 * splits the runs about evenly (weights 10:10, 5 binomial sigma over 60
 * runs: 0.5 +- 0.32, so both targets first at least once). */
static void
test_b47_hash_order_fixed (void)
{
  for (guint hash = 0; hash <= 1; hash++) {
    guint first0 = 0;
    const guint runs = 60;
    for (guint64 seed = 1; seed <= runs; seed++) {
      DeviceFixture fx;
      device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = seed, .n_proxies = 2 });
      device_fixture_add_srv (&fx, "_sip._udp.voip.test", 10, 10, 5060, "p0.voip.test", 3600);
      device_fixture_add_srv (&fx, "_sip._udp.voip.test", 10, 10, 5060, "p1.voip.test", 3600);
      device_fixture_add_a (&fx, "p0.voip.test", fx.proxy_ip[0], 3600);
      device_fixture_add_a (&fx, "p1.voip.test", fx.proxy_ip[1], 3600);
      DeviceConfig cfg;
      baresip_config (&cfg, 3600);
      if (!hash)
        set (&cfg, "srv_order", "rfc2782");
      device_fixture_start_device (&fx, &cfg);
      sim_world_run_until (fx.world, SIM_S (5));
      const DeviceEvent *s = device_fixture_find_event (&fx, DEVICE_EVENT_REGISTER_SENT, 1, 0, 0);
      g_assert_nonnull (s);
      first0 += sim_sockaddr_equal (&s->server, &(SimSockAddr) { fx.proxy_ip[0], 5060 });
      device_config_clear (&cfg);
      device_fixture_clear (&fx);
    }
    if (hash)
      g_assert_true (first0 == 0 || first0 == runs);
    else {
      g_assert_cmpuint (first0, >, 0);
      g_assert_cmpuint (first0, <, runs);
    }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device/baresip/1-icmp/B48-icmp-ignored-timer-f", test_b48_icmp_ignored);
  g_test_add_func ("/device/baresip/2-refresh/B47-B50-primary-first-every-refresh",
                   test_b47_refresh_primary_first);
  g_test_add_func ("/device/baresip/3-retry/B46-retry-after-ignored",
                   test_b46_retry_after_ignored);
  g_test_add_func ("/device/baresip/4-lookup/B47-naptr-first-no-cache",
                   test_b47_naptr_first_no_cache);
  g_test_add_func ("/device/baresip/4-lookup/B47-hash-order-fixed", test_b47_hash_order_fixed);
  return g_test_run ();
}
