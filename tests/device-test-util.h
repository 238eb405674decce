/*
 * tests/device-test-util.h - what the whole-phone tests (test-device.c,
 * test-device-rules.c) share: the time units of the fixture, a config
 * setter that fails the test on error, the OBi account they start from,
 * the SRV servers, and event searches.
 */
#pragma once
#include "tests/device-fixture.h"

/* One-way latency of every fixture link, and a phone<->server round trip
 * over its three links. */
#define L    SIM_MS (10)
#define RTT  (6 * L)
#define TIMER_F SIM_S (32)          /* 64 x T1, T1 = 500 ms */

static G_GNUC_UNUSED void
set (DeviceConfig *cfg, const char *name, const char *value)
{
  GError *err = NULL;
  gboolean ok = device_config_set (cfg, name, value, &err);
  g_assert_no_error (err);
  g_assert_true (ok);
}

/* An OBi account "1000" at voip.test, first REGISTER at power-on. */
static G_GNUC_UNUSED void
obihai_config (DeviceConfig *cfg)
{
  device_config_init (cfg, DEVICE_PROFILE_OBIHAI);
  set (cfg, "ProxyServer", "voip.test");
  set (cfg, "AuthUserName", "1000");
  set (cfg, "AuthPassword", "secret");
  set (cfg, "sip.reg_surge_prevention", "0");
}

/* SRV _sip._udp.voip.test: priority 10 -> proxy0, 20 -> proxy1, 30 ->
 * proxy2 (40 -> proxy3 with four), records with TTL @ttl_s. */
static G_GNUC_UNUSED void
add_srv_servers_ttl (DeviceFixture *fx, guint n, guint32 ttl_s)
{
  static const char *targets[] = { "p0.voip.test", "p1.voip.test", "p2.voip.test",
                                   "p3.voip.test" };
  g_assert_cmpuint (n, <=, G_N_ELEMENTS (targets));
  for (guint i = 0; i < n; i++) {
    device_fixture_add_srv (fx, "_sip._udp.voip.test", (guint16) (10 * (i + 1)), 10, 5060,
                            targets[i], ttl_s);
    device_fixture_add_a (fx, targets[i], fx->proxy_ip[i], ttl_s);
  }
}

static G_GNUC_UNUSED void
add_srv_servers (DeviceFixture *fx, guint n)
{
  add_srv_servers_ttl (fx, n, 3600);
}

static G_GNUC_UNUSED SimSockAddr
proxy_addr (const DeviceFixture *fx, guint i)
{
  return (SimSockAddr) { fx->proxy_ip[i], 5060 };
}

static G_GNUC_UNUSED const DeviceEvent *
registered_at (const DeviceFixture *fx, guint i, SimTime after)
{
  SimSockAddr want = proxy_addr (fx, i);
  for (guint k = 0; k < fx->events->len; k++) {
    const DeviceEvent *ev = &g_array_index (fx->events, DeviceEvent, k);
    if (ev->kind == DEVICE_EVENT_REGISTERED && ev->time >= after
        && sim_sockaddr_equal (&ev->server, &want))
      return ev;
  }
  return NULL;
}

static G_GNUC_UNUSED const DeviceEvent *
lookup_after (const DeviceFixture *fx, SimTime after)
{
  return device_fixture_find_event (fx, DEVICE_EVENT_LOOKUP, 1, after, 0);
}

