/*
 * tests/test-device-conn.c - the phone over TCP and TLS
 * (models/device/account-conn.c): B24 (OBi outbound proxy connection,
 * exponential re-connection), B38 (failure by reset, connect timeout,
 * keep-alive loss), B43 (RFC 5626 CRLF keep-alives over a flow), B27/B28
 * (Aastra backup outbound proxy, background restore).
 *
 * The fixture (tests/device-fixture.h): every link L = 10 ms, so a segment
 * phone -> proxy takes 3L and a round trip 6L.  A TCP connection is up at
 * the phone after 6L; a REGISTER queued behind it reaches the registrar at
 * 9L and its 200 is back at 12L.  Expected times are computed here from
 * those delays and the rules, never read back from the model.
 */
#include <string.h>

#include "tests/device-fixture.h"

#define L    SIM_MS (10)
#define RTT  (6 * L)

typedef struct {
  DeviceEventKind kind;
  SimTime         time;
  SimSockAddr     server;
  char            detail[32];
  gboolean        failover, failback;
} Ev;

typedef struct {
  DeviceFixture fx;
  GArray       *evs;      /* Ev */
} Fx;

static void
on_event (Device *dev, const DeviceEvent *ev, gpointer u)
{
  Fx *x = u;
  Ev e = { .kind = ev->kind, .time = ev->time, .server = ev->server,
           .failover = ev->failover, .failback = ev->failback };
  if (ev->detail)
    g_strlcpy (e.detail, ev->detail, sizeof e.detail);
  g_array_append_val (x->evs, e);
}

static void
fx_init (Fx *x, const SipProxyConfig *pc)
{
  memset (x, 0, sizeof *x);
  device_fixture_init (&x->fx, &(DeviceFixtureOptions) { .seed = 3, .proxy_cfg = pc });
  x->evs = g_array_new (FALSE, FALSE, sizeof (Ev));
}

static void
fx_start (Fx *x, DeviceConfig *cfg)
{
  device_fixture_start_device (&x->fx, cfg);
  device_set_event_func (x->fx.device, on_event, x);
}

static void
fx_clear (Fx *x)
{
  g_array_unref (x->evs);
  device_fixture_clear (&x->fx);
}

static const Ev *
find (Fx *x, DeviceEventKind kind, guint nth)
{
  for (guint i = 0; i < x->evs->len; i++)
    {
      const Ev *e = &g_array_index (x->evs, Ev, i);
      if (e->kind == kind && nth-- == 0)
        return e;
    }
  return NULL;
}

static const Ev *
find_after (Fx *x, DeviceEventKind kind, SimTime after)
{
  for (guint i = 0; i < x->evs->len; i++)
    {
      const Ev *e = &g_array_index (x->evs, Ev, i);
      if (e->kind == kind && e->time > after)
        return e;
    }
  return NULL;
}

static guint
count (Fx *x, DeviceEventKind kind)
{
  guint n = 0;
  for (guint i = 0; i < x->evs->len; i++)
    n += g_array_index (x->evs, Ev, i).kind == kind;
  return n;
}

static void
set (DeviceConfig *cfg, const char *name, const char *value)
{
  g_autoptr (GError) err = NULL;
  g_assert_true (device_config_set (cfg, name, value, &err));
  g_assert_no_error (err);
}

/* An OBi whose outbound proxy is proxy[0] over @transport. */
static void
obi_config (DeviceConfig *cfg, const char *transport)
{
  device_config_init (cfg, DEVICE_PROFILE_OBIHAI);
  set (cfg, "ProxyServer", "198.51.100.10");
  set (cfg, "OutboundProxy", "198.51.100.10");
  set (cfg, "OutboundProxyPort", !strcmp (transport, "TLS") ? "5061" : "5060");
  set (cfg, "OutboundProxyTransport", transport);
  set (cfg, "AuthUserName", "1001");
  set (cfg, "sip.reg_surge_prevention", "0");
}

/* B24: one connection to the outbound proxy carries the REGISTER: the
 * phone is up at 6L and registered at 12L; the registrar's binding is
 * over TCP. */
static void
test_obi_tcp_register (void)
{
  Fx x;
  fx_init (&x, NULL);
  DeviceConfig cfg;
  obi_config (&cfg, "TCP");
  fx_start (&x, &cfg);
  sim_world_run_until (x.fx.world, SIM_S (5));
  const Ev *up = find (&x, DEVICE_EVENT_FLOW_UP, 0);
  g_assert_nonnull (up);
  g_assert_cmpint (up->time, ==, RTT);
  const Ev *reg = find (&x, DEVICE_EVENT_REGISTERED, 0);
  g_assert_nonnull (reg);
  g_assert_cmpint (reg->time, ==, 2 * RTT);
  g_assert_cmpuint (device_get_stats (x.fx.device)->flows_opened, ==, 1);
  /* (the primary's crash kept the first binding; it lapses on its own) */
  g_assert_cmpuint (sip_proxy_binding_count (x.fx.proxy[0]), >=, 1);
  /* The refresh (OBi: 90 % of 3600 s) goes on the same connection. */
  sim_world_run_until (x.fx.world, SIM_S (4000));
  g_assert_cmpuint (count (&x, DEVICE_EVENT_REGISTERED), >=, 2);
  g_assert_cmpuint (device_get_stats (x.fx.device)->flows_opened, ==, 1);
  device_config_clear (&cfg);
  fx_clear (&x);
}

/* B24 + B38: a registrar restart resets the connection: the phone notices
 * when the RST arrives (fault + 3L), waits W0 drawn in [15, 30] s
 * (reconnect_base 30 s, jitter 50 %), reconnects and registers again 12L
 * later. */
static void
test_obi_reset_reconnect (void)
{
  Fx x;
  fx_init (&x, NULL);
  DeviceConfig cfg;
  obi_config (&cfg, "TCP");
  fx_start (&x, &cfg);
  SimTime t_fault = SIM_S (100);
  sip_proxy_schedule_fault (x.fx.proxy[0], t_fault, SIP_PROXY_FAULT_RESTART);
  sim_world_run_until (x.fx.world, SIM_S (200));
  const Ev *failed = find (&x, DEVICE_EVENT_FLOW_FAILED, 0);
  g_assert_nonnull (failed);
  g_assert_cmpstr (failed->detail, ==, "reset");
  g_assert_cmpint (failed->time, ==, t_fault + 3 * L);
  const Ev *reg2 = find_after (&x, DEVICE_EVENT_REGISTERED, t_fault);
  g_assert_nonnull (reg2);
  SimTime reconnect_at = reg2->time - 2 * RTT;
  g_assert_cmpint (reconnect_at - failed->time, >=, SIM_S (15));
  g_assert_cmpint (reconnect_at - failed->time, <=, SIM_S (30));
  const DeviceStats *st = device_get_stats (x.fx.device);
  g_assert_cmpuint (st->flow_failures, ==, 1);
  g_assert_cmpuint (st->reconnects, ==, 1);
  g_assert_cmpuint (st->flows_opened, ==, 2);
  device_config_clear (&cfg);
  fx_clear (&x);
}

/* B24: while the outbound proxy stays dead (process gone: SYNs refused),
 * each failed re-connection waits longer: W_k = min(1800, 30 * 2^k) s,
 * drawn in [W_k / 2, W_k].  The k-th reconnect after the loss follows the
 * previous attempt's failure by a wait in that window. */
static void
test_obi_backoff_sequence (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.crash_conns = SIP_PROXY_CONNS_RESET;
  Fx x;
  fx_init (&x, &pc);
  DeviceConfig cfg;
  obi_config (&cfg, "TCP");
  fx_start (&x, &cfg);
  sip_proxy_schedule_fault (x.fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (x.fx.world, SIM_S (3000));
  /* Failures: the reset, then one refused connect per attempt. */
  guint n = count (&x, DEVICE_EVENT_FLOW_FAILED);
  g_assert_cmpuint (n, >=, 5);
  for (guint k = 1; k < n; k++)
    {
      const Ev *prev = find (&x, DEVICE_EVENT_FLOW_FAILED, k - 1);
      const Ev *cur = find (&x, DEVICE_EVENT_FLOW_FAILED, k);
      if (k > 1)
        g_assert_cmpstr (cur->detail, ==, "refused");
      /* the refused connect fails one round trip after it starts */
      SimTime wait = cur->time - RTT - prev->time;
      SimTime w = MIN (SIM_S (1800), SIM_S (30) << (k - 1));
      g_assert_cmpint (wait, >=, w / 2);
      g_assert_cmpint (wait, <=, w);
    }
  device_config_clear (&cfg);
  fx_clear (&x);
}

/* B18 over TCP: redundancy walks the outbound proxy's candidate list.
 * The OBP name has two SRV records (B11: no A record, so the bare-name
 * SRV): priority 10 -> proxy[0], 20 -> proxy[1]; proxy[0]'s link is cut,
 * so its connect gives up after connect_timeout (6 s) and the REGISTER
 * goes to proxy[1] over a new connection: registered there at
 * lookup + 6 s + 12L. */
static void
test_obi_redundancy_tcp (void)
{
  Fx x;
  fx_init (&x, NULL);
  device_fixture_add_srv (&x.fx, "obp.voip.test", 10, 0, 5060, "pbx-a.voip.test", 300);
  device_fixture_add_srv (&x.fx, "obp.voip.test", 20, 0, 5060, "pbx-b.voip.test", 300);
  device_fixture_add_a (&x.fx, "pbx-a.voip.test", SIM_IP4 (198, 51, 100, 10), 300);
  device_fixture_add_a (&x.fx, "pbx-b.voip.test", SIM_IP4 (198, 51, 100, 20), 300);
  DeviceConfig cfg;
  obi_config (&cfg, "TCP");
  set (&cfg, "OutboundProxy", "obp.voip.test");
  set (&cfg, "X_ProxyServerRedundancy", "true");
  set (&cfg, "connect_timeout", "6");
  sim_link_set_up (x.fx.proxy_link[0], FALSE);
  fx_start (&x, &cfg);
  sim_world_run_until (x.fx.world, SIM_S (60));
  const Ev *reg = find (&x, DEVICE_EVENT_REGISTERED, 0);
  g_assert_nonnull (reg);
  g_assert_cmpuint (reg->server.ip, ==, SIM_IP4 (198, 51, 100, 20));
  const Ev *lookup = find (&x, DEVICE_EVENT_LOOKUP, 0);
  g_assert_nonnull (lookup);
  SimTime t0 = lookup->time;
  const Ev *failed = find (&x, DEVICE_EVENT_FLOW_FAILED, 0);
  g_assert_nonnull (failed);
  g_assert_cmpstr (failed->detail, ==, "connect-timeout");
  g_assert_cmpint (failed->time, ==, t0 + SIM_S (6));
  g_assert_cmpint (reg->time, ==, t0 + SIM_S (6) + 2 * RTT);
  device_config_clear (&cfg);
  fx_clear (&x);
}

/* B38: connect timeout.  The outbound proxy's link is cut before the
 * phone starts: with connect_timeout 8 s the first attempt fails at 8 s
 * (connect-timeout), not at the kernel's 127 s. */
static void
test_connect_timeout (void)
{
  Fx x;
  fx_init (&x, NULL);
  DeviceConfig cfg;
  obi_config (&cfg, "TCP");
  set (&cfg, "connect_timeout", "8");
  sim_link_set_up (x.fx.proxy_link[0], FALSE);
  fx_start (&x, &cfg);
  sim_world_run_until (x.fx.world, SIM_S (20));
  const Ev *failed = find (&x, DEVICE_EVENT_FLOW_FAILED, 0);
  g_assert_nonnull (failed);
  g_assert_cmpstr (failed->detail, ==, "connect-timeout");
  g_assert_cmpint (failed->time, ==, SIM_S (8));
  const Ev *rf = find (&x, DEVICE_EVENT_REG_FAILED, 0);
  g_assert_nonnull (rf);
  g_assert_cmpint (rf->time, ==, SIM_S (8));
  device_config_clear (&cfg);
  fx_clear (&x);
}

/* B43, RFC 5626 §4.4.1 over TCP: with Require: outbound and no Flow-Timer
 * the flow pings every 96-120 s (80-100 % of flow_keepalive_interval);
 * a hung registrar (its kernel still ACKs) never pongs, so the flow fails
 * with keepalive 10 s after the first ping after the crash, at most
 * 120 + 10 s after it. */
static void
test_outbound_keepalive_loss (void)
{
  Fx x;
  fx_init (&x, NULL);
  DeviceConfig cfg;
  device_config_init (&cfg, DEVICE_PROFILE_RFC);
  set (&cfg, "ProxyServer", "198.51.100.10");
  set (&cfg, "ProxyServerPort", "5060");
  set (&cfg, "ProxyServerTransport", "TCP");
  set (&cfg, "AuthUserName", "1001");
  set (&cfg, "sip.reg_surge_prevention", "0");
  set (&cfg, "X_ProxyServerRedundancy", "false");
  fx_start (&x, &cfg);
  SimTime t_crash = SIM_S (300);
  sip_proxy_schedule_fault (x.fx.proxy[0], t_crash, SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (x.fx.world, SIM_S (600));
  const Ev *failed = find (&x, DEVICE_EVENT_FLOW_FAILED, 0);
  g_assert_nonnull (failed);
  g_assert_cmpstr (failed->detail, ==, "keepalive");
  g_assert_cmpint (failed->time - t_crash, >, SIM_S (10));
  g_assert_cmpint (failed->time - t_crash, <=, SIM_S (120 + 10));
  g_assert_cmpuint (sip_proxy_get_stats (x.fx.proxy[0])->pings_answered, >=, 2);
  device_config_clear (&cfg);
  fx_clear (&x);
}

/* B27, B28: an Aastra with a primary and a backup outbound proxy over TLS.
 * The primary's process dies (connections reset, SYNs refused): the phone
 * notices at the RST, fails to reconnect to the primary (refused) and
 * registers through the backup (a failover).  When the primary is back
 * (RECOVER at 400 s) the background restore connects to it at its next
 * try and registers through it again (a failback), long before the
 * renewal at ~3585 s. */
static void
aastra_config (DeviceConfig *cfg)
{
  device_config_init (cfg, DEVICE_PROFILE_AASTRA);
  set (cfg, "sip proxy ip", "198.51.100.10");
  set (cfg, "sip proxy port", "5061");
  set (cfg, "sip outbound proxy", "198.51.100.10");
  set (cfg, "sip outbound proxy port", "5061");
  set (cfg, "sip backup outbound proxy", "198.51.100.20");
  set (cfg, "OutboundProxyTransport", "TLS");
  set (cfg, "sip outbound support", "1");
  set (cfg, "sip auth name", "2002");
  set (cfg, "sip.reg_surge_prevention", "0");
}

static void
test_aastra_backup_obp (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.crash_conns = SIP_PROXY_CONNS_RESET;
  Fx x;
  fx_init (&x, &pc);
  DeviceConfig cfg;
  device_config_init (&cfg, DEVICE_PROFILE_AASTRA);
  set (&cfg, "sip proxy ip", "198.51.100.10");
  set (&cfg, "sip proxy port", "5061");
  set (&cfg, "sip outbound proxy", "198.51.100.10");
  set (&cfg, "sip outbound proxy port", "5061");
  set (&cfg, "sip backup outbound proxy", "198.51.100.20");
  set (&cfg, "OutboundProxyTransport", "TLS");
  set (&cfg, "sip outbound support", "1");
  set (&cfg, "sip auth name", "2002");
  set (&cfg, "sip.reg_surge_prevention", "0");
  fx_start (&x, &cfg);
  sip_proxy_schedule_fault (x.fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sip_proxy_schedule_fault (x.fx.proxy[0], SIM_S (400), SIP_PROXY_FAULT_RECOVER);
  sim_world_run_until (x.fx.world, SIM_S (1000));
  const Ev *reg = find (&x, DEVICE_EVENT_REGISTERED, 0);
  g_assert_nonnull (reg);
  /* TLS 1.3: TCP (6L) + TLS (6L), then the REGISTER's round trip. */
  g_assert_cmpint (reg->time, ==, 3 * RTT);
  g_assert_cmpuint (reg->server.ip, ==, SIM_IP4 (198, 51, 100, 10));
  const Ev *failed = find (&x, DEVICE_EVENT_FLOW_FAILED, 0);
  g_assert_nonnull (failed);
  g_assert_cmpint (failed->time, ==, SIM_S (100) + 3 * L);
  /* Failover to the backup, then failback to the primary after 400 s. */
  const Ev *over = NULL, *back = NULL;
  for (guint i = 0; i < x.evs->len; i++)
    {
      const Ev *e = &g_array_index (x.evs, Ev, i);
      if (e->kind == DEVICE_EVENT_SERVER_CHANGE && e->failover && !over)
        over = e;
      if (e->kind == DEVICE_EVENT_SERVER_CHANGE && e->failback && !back)
        back = e;
    }
  g_assert_nonnull (over);
  g_assert_cmpuint (over->server.ip, ==, SIM_IP4 (198, 51, 100, 20));
  g_assert_cmpint (over->time, <, SIM_S (100 + 31));
  g_assert_nonnull (back);
  g_assert_cmpuint (back->server.ip, ==, SIM_IP4 (198, 51, 100, 10));
  g_assert_cmpint (back->time, >, SIM_S (400));
  /* The restore tries back off (W_k = 30 * 2^k s): the try after 400 s
   * comes within the wait of the try before it, at most 480 s after the
   * first failed try at ~140 s, so the failback is before 400 + 480 s. */
  g_assert_cmpint (back->time, <, SIM_S (400 + 480));
  g_assert_true (device_account_is_registered (x.fx.device, 1));
  /* B28: the binding at the backup was removed after the failback (it
   * would otherwise last 3600 s from ~130 s, past the end at 1000 s). */
  g_assert_cmpuint (sip_proxy_binding_count (x.fx.proxy[1]), ==, 0);
  /* (the primary's crash kept the first binding; it lapses on its own) */
  g_assert_cmpuint (sip_proxy_binding_count (x.fx.proxy[0]), >=, 1);
  device_config_clear (&cfg);
  fx_clear (&x);
}

/* AAS 4-59: with "Persistent TLS" every TLS connection leaves from local
 * port 5061, so only one can exist.  After the failover the backup's
 * connection holds the port: every background restore try fails at once
 * ("cannot start") and the primary is regained only when the renewal
 * (Aastra: 15 s before the 3600 s expiry) closes the backup's connection
 * and walks from the top; the port is then still in TIME_WAIT (60 s,
 * sim/net/tcp.c note 9) for a while, so the move back comes after the
 * renewal, not before. */
static void
test_aastra_persistent_tls (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.crash_conns = SIP_PROXY_CONNS_RESET;
  Fx x;
  fx_init (&x, &pc);
  DeviceConfig cfg;
  aastra_config (&cfg);
  set (&cfg, "sip persistent tls", "1");
  fx_start (&x, &cfg);
  sip_proxy_schedule_fault (x.fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_CRASH);
  sip_proxy_schedule_fault (x.fx.proxy[0], SIM_S (400), SIP_PROXY_FAULT_RECOVER);
  sim_world_run_until (x.fx.world, SIM_S (5000));
  const Ev *up = find (&x, DEVICE_EVENT_FLOW_UP, 0);
  g_assert_nonnull (up);
  const Ev *over = NULL, *back = NULL;
  for (guint i = 0; i < x.evs->len; i++)
    {
      const Ev *e = &g_array_index (x.evs, Ev, i);
      if (e->kind == DEVICE_EVENT_SERVER_CHANGE && e->failover && !over)
        over = e;
      if (e->kind == DEVICE_EVENT_SERVER_CHANGE && e->failback && !back)
        back = e;
    }
  g_assert_nonnull (over);
  g_assert_nonnull (back);
  /* not through a background restore (that would be before ~900 s) but
   * at the renewal, 3600 - 15 s after the registration at the backup */
  const Ev *at_backup = find_after (&x, DEVICE_EVENT_REGISTERED, SIM_S (100));
  g_assert_nonnull (at_backup);
  g_assert_cmpint (back->time, >=, at_backup->time + SIM_S (3600 - 15));
  g_assert_cmpint (back->time, <=, at_backup->time + SIM_S (3600 - 15 + 300));
  device_config_clear (&cfg);
  fx_clear (&x);
}

/* RFC 5626 §4.2, §4.5: two flows.  With outbound_flows = 2 the phone
 * registers reg-id 1 through the first outbound proxy and reg-id 2
 * through the second, each over its own connection; both bindings are at
 * their registrars.  When the first registrar restarts (connections
 * reset) flow 1 fails, flow 2 stays registered, and flow 1 is formed
 * again after the §4.5 wait with base-time 90 s (another flow works):
 * [45, 90] s after the reset, never through the second proxy. */
static void
test_rfc5626_two_flows (void)
{
  Fx x;
  fx_init (&x, NULL);
  DeviceConfig cfg;
  device_config_init (&cfg, DEVICE_PROFILE_RFC);
  set (&cfg, "ProxyServer", "198.51.100.10");
  set (&cfg, "OutboundProxy", "198.51.100.10");
  set (&cfg, "OutboundProxyPort", "5060");
  set (&cfg, "sip backup outbound proxy", "198.51.100.20");
  set (&cfg, "OutboundProxyTransport", "TCP");
  set (&cfg, "outbound_flows", "2");
  set (&cfg, "AuthUserName", "1001");
  set (&cfg, "sip.reg_surge_prevention", "0");
  fx_start (&x, &cfg);
  sim_world_run_until (x.fx.world, SIM_S (50));
  g_assert_cmpuint (sip_proxy_binding_count (x.fx.proxy[0]), ==, 1);
  g_assert_cmpuint (sip_proxy_binding_count (x.fx.proxy[1]), ==, 1);
  const Ev *sec = find (&x, DEVICE_EVENT_SECONDARY, 0);
  g_assert_nonnull (sec);
  g_assert_cmpuint (sec->server.ip, ==, SIM_IP4 (198, 51, 100, 20));
  g_assert_cmpstr (sec->detail, ==, "flow 2");
  g_assert_cmpuint (device_get_stats (x.fx.device)->flows_opened, ==, 2);

  SimTime t_fault = SIM_S (100);
  sip_proxy_schedule_fault (x.fx.proxy[0], t_fault, SIP_PROXY_FAULT_RESTART);
  sim_world_run_until (x.fx.world, SIM_S (400));
  const Ev *failed = find (&x, DEVICE_EVENT_FLOW_FAILED, 0);
  g_assert_nonnull (failed);
  g_assert_cmpint (failed->time, ==, t_fault + 3 * L);
  const Ev *reg = find_after (&x, DEVICE_EVENT_REGISTERED, t_fault);
  g_assert_nonnull (reg);
  g_assert_cmpuint (reg->server.ip, ==, SIM_IP4 (198, 51, 100, 10));
  SimTime wait = reg->time - 2 * RTT - failed->time;
  g_assert_cmpint (wait, >=, SIM_S (45));
  g_assert_cmpint (wait, <=, SIM_S (90));
  /* flow 2 never lost its binding, and flow 1 never moved to it */
  g_assert_cmpuint (count (&x, DEVICE_EVENT_SECONDARY), ==, 1);
  g_assert_cmpuint (count (&x, DEVICE_EVENT_SERVER_CHANGE), ==, 0);
  g_assert_cmpuint (sip_proxy_binding_count (x.fx.proxy[1]), ==, 1);
  device_config_clear (&cfg);
  fx_clear (&x);
}

/* Same seed, same events (the back-off draws come from the account's
 * stream). */
static void
test_determinism (void)
{
  SimTime t[2];
  for (int r = 0; r < 2; r++)
    {
      Fx x;
      fx_init (&x, NULL);
      DeviceConfig cfg;
      obi_config (&cfg, "TCP");
      fx_start (&x, &cfg);
      sip_proxy_schedule_fault (x.fx.proxy[0], SIM_S (100), SIP_PROXY_FAULT_RESTART);
      sim_world_run_until (x.fx.world, SIM_S (300));
      t[r] = find_after (&x, DEVICE_EVENT_REGISTERED, SIM_S (100))->time;
      device_config_clear (&cfg);
      fx_clear (&x);
    }
  g_assert_cmpint (t[0], ==, t[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device-conn/1-obi/B24-tcp-register", test_obi_tcp_register);
  g_test_add_func ("/device-conn/1-obi/B24-B38-reset-reconnect", test_obi_reset_reconnect);
  g_test_add_func ("/device-conn/1-obi/B24-backoff-sequence", test_obi_backoff_sequence);
  g_test_add_func ("/device-conn/1-obi/B18-redundancy-over-tcp", test_obi_redundancy_tcp);
  g_test_add_func ("/device-conn/2-detect/B38-connect-timeout", test_connect_timeout);
  g_test_add_func ("/device-conn/2-detect/B43-keepalive-loss", test_outbound_keepalive_loss);
  g_test_add_func ("/device-conn/3-aastra/B27-B28-backup-obp-restore", test_aastra_backup_obp);
  g_test_add_func ("/device-conn/3-aastra/B43-persistent-tls-one-connection",
                   test_aastra_persistent_tls);
  g_test_add_func ("/device-conn/5-rfc5626/two-flows-reg-id-1-2", test_rfc5626_two_flows);
  g_test_add_func ("/device-conn/4-determinism/seed", test_determinism);
  return g_test_run ();
}
