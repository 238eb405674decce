/*
 * tests/test-scenario.c - the scenario loader (experiment/scenario.h):
 * every section into the right RunSpec field, value syntaxes, sweeps
 * (grid, zip, ranges, inline definitions), extends, errors with their
 * FILE:LINE and key, filters, run seeds, and the stored text's round trip.
 *
 * Expected values are worked out by hand from the scenario texts below
 * (line numbers are counted in the literal: line 1 is the first line of
 * the string), never printed by the loader and pasted back.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "experiment/scenario.h"
#include "experiment/scenario-private.h"
#include "experiment/fault.h"
#include "experiment/suggest.h"
#include "experiment/override.h"

static Scenario *
load_ok (const char *text)
{
  g_autoptr (GError) err = NULL;
  Scenario *sc = scenario_load_from_data (text, "t.ini", NULL, &err);
  g_assert_no_error (err);
  g_assert_nonnull (sc);
  return sc;
}

/* Loads @text expecting @code and every NULL-terminated needle in the
 * message. */
static void
load_err (const char *text, ScenarioError code, ...)
{
  g_autoptr (GError) err = NULL;
  Scenario *sc = scenario_load_from_data (text, "t.ini", NULL, &err);
  g_assert_null (sc);
  g_assert_nonnull (err);
  if (g_test_verbose ())
    g_printerr ("%s\n", err->message);
  g_assert_true (err->domain == SCENARIO_ERROR);
  if (err->code != (gint) code)
    g_error ("expected code %d, got %d: %s", code, err->code, err->message);
  va_list ap;
  va_start (ap, code);
  const char *needle;
  while ((needle = va_arg (ap, const char *)))
    if (!strstr (err->message, needle))
      g_error ("'%s' not in error: %s", needle, err->message);
  va_end (ap);
}

static const char MINI[] = "[scenario]\nduration = 1h\n";

/* ============================================================ 1-keys */

/* [live] (doc/live.md): read into RunSpec.live, ignored by simulated runs;
 * defaults rate 10/s and max_devices 100; dns "system" or a list with
 * port 53 when none is given; [dns] presence is recorded. */
static void
test_live_section (void)
{
  g_autoptr (Scenario) sc = load_ok ("[scenario]\nduration = 1h\n[live]\naddress = 127.0.0.10\n"
                                     "dns = 127.0.0.53:5300, 10.0.0.1\nrate = 2.5\nmax_devices = 7\n");
  g_autoptr (RunSpec) s = scenario_instantiate (sc, 0, 0);
  g_assert_cmpuint (s->live.bind, ==, SIM_IP4 (127, 0, 0, 10));
  g_assert_false (s->live.dns_system);
  g_assert_cmpuint (s->live.n_dns, ==, 2);
  g_assert_cmpuint (s->live.dns[0].ip, ==, SIM_IP4 (127, 0, 0, 53));
  g_assert_cmpuint (s->live.dns[0].port, ==, 5300);
  g_assert_cmpuint (s->live.dns[1].ip, ==, SIM_IP4 (10, 0, 0, 1));
  g_assert_cmpuint (s->live.dns[1].port, ==, 53);
  g_assert_cmpfloat (s->live.rate, ==, 2.5);
  g_assert_cmpuint (s->live.max_devices, ==, 7);
  g_assert_false (s->dns_section);

  g_autoptr (Scenario) d = load_ok ("[scenario]\nduration = 1h\n[dns]\nport = 5300\n[live]\ndns = system\n");
  g_autoptr (RunSpec) t = scenario_instantiate (d, 0, 0);
  g_assert_true (t->dns_section);
  g_assert_true (t->live.dns_system);
  g_assert_cmpuint (t->live.n_dns, ==, 0);
  g_assert_cmpuint (t->live.bind, ==, SIM_IP4_ANY);
  g_assert_cmpfloat (t->live.rate, ==, 10);
  g_assert_cmpuint (t->live.max_devices, ==, 100);

  load_err ("[scenario]\nduration = 1h\n[live]\nrate = 0\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [live] rate: expected a number of device starts per second > 0", NULL);
  load_err ("[scenario]\nduration = 1h\n[live]\ndns = 1.2.3.4:0\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [live] dns: expected 'system' or up to 4 DNS servers", NULL);
  load_err ("[scenario]\nduration = 1h\n[live]\ndns = 1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4, 5.5.5.5\n",
            SCENARIO_ERROR_VALUE, "t.ini:4: [live] dns: expected 'system' or up to 4", NULL);
  load_err ("[scenario]\nduration = 1h\n[live]\naddress = localhost\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [live] address: expected an IPv4 address", NULL);
  load_err ("[scenario]\nduration = 1h\n[live]\nmax_devices = 0\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [live] max_devices: expected a whole number from 1 to 100000", NULL);
  load_err ("[scenario]\nduration = 1h\n[live]\nspeed = 3\n", SCENARIO_ERROR_UNKNOWN,
            "t.ini:4: [live] speed: unknown key, expected one of: address, dns, rate, max_devices", NULL);
  load_err ("[scenario]\nduration = 1h\n[live x]\n", SCENARIO_ERROR_UNKNOWN,
            "expected [live] without a name", NULL);
}

static void
test_durations (void)
{
  static const struct { const char *s; SimTime ns; } ok[] = {
    { "90s", SIM_S (90) }, { "30m", SIM_S (1800) }, { "2h", SIM_S (7200) },
    { "1d", SIM_S (86400) }, { "250ms", SIM_MS (250) }, { "1h30m", SIM_S (5400) },
    { "90", SIM_S (90) }, { "1.5", SIM_MS (1500) }, { "0.1s", SIM_MS (100) },
    { "10us", SIM_US (10) }, { "7ns", 7 }, { "1h 30m 15s", SIM_S (5415) },
    { "0", 0 }, { "2.5ms", SIM_US (2500) }, { "1.000000001s", SIM_S (1) + 1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      SimTime t = -1;
      g_assert_true (sc_parse_duration (ok[i].s, &t));
      g_assert_cmpint (t, ==, ok[i].ns);
    }
  static const char *bad[] = { "", "s", "10x", "-1s", "1h junk", "1..2s", "1e3s", "h1",
                               "99999999999999999999s", "300000d" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      SimTime t;
      g_assert_false (sc_parse_duration (bad[i], &t));
    }
}

static void
test_distributions (void)
{
  SpecTime t;
  g_assert_true (sc_parse_spectime ("10s", &t));
  g_assert_true (t.dist == SPEC_DIST_FIXED && t.a == SIM_S (10));
  g_assert_true (sc_parse_spectime ("uniform(0s, 60s)", &t));
  g_assert_true (t.dist == SPEC_DIST_UNIFORM && t.a == 0 && t.b == SIM_S (60));
  g_assert_true (sc_parse_spectime ("exponential(5s)", &t));
  g_assert_true (t.dist == SPEC_DIST_EXPONENTIAL && t.a == 0 && t.b == SIM_S (5));
  g_assert_true (sc_parse_spectime (" Exponential ( 1m , 5s ) ", &t));
  g_assert_true (t.dist == SPEC_DIST_EXPONENTIAL && t.a == SIM_S (60) && t.b == SIM_S (5));
  g_assert_true (sc_parse_spectime ("normal(10s, 2s)", &t));
  g_assert_true (t.dist == SPEC_DIST_NORMAL && t.a == SIM_S (10) && t.b == SIM_S (2));
  static const char *bad[] = { "uniform(60s, 0s)", "uniform(1s)", "gauss(1s)",
                               "exponential(0s)", "normal(1s)", "uniform(1s, 2s) x",
                               "exponential(1s, 2s, 3s)" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (sc_parse_spectime (bad[i], &t));
}

static void
test_small_values (void)
{
  double d;
  g_assert_true (sc_parse_prob ("0.25", &d) && d == 0.25);
  g_assert_true (sc_parse_prob ("2.5%", &d) && d == 0.025);
  g_assert_false (sc_parse_prob ("1.5", &d));
  g_assert_false (sc_parse_prob ("-0.1", &d));
  g_assert_true (sc_parse_rate ("1/60", &d) && d == 1.0 / 60);
  g_assert_false (sc_parse_rate ("1/0", &d));
  guint64 s;
  g_assert_true (sc_parse_seed ("0xFFFFFFFFFFFFFFFF", &s) && s == G_MAXUINT64);
  g_assert_true (sc_parse_seed ("42", &s) && s == 42);
  g_assert_false (sc_parse_seed ("0x", &s));
  g_assert_false (sc_parse_seed ("-1", &s));
  gboolean b;
  g_assert_true (sc_parse_bool ("Yes", &b) && b);
  g_assert_true (sc_parse_bool ("off", &b) && !b);
  g_assert_false (sc_parse_bool ("maybe", &b));
}

static void
test_scenario_section (void)
{
  g_autoptr (Scenario) a = load_ok (MINI);
  g_assert_cmpstr (scenario_get_name (a), ==, "t");   /* t.ini without .ini */
  g_assert_cmpint (scenario_get_duration (a), ==, SIM_S (3600));
  g_assert_cmpint (scenario_get_warmup (a), ==, 0);
  g_assert_cmpuint (scenario_get_seed (a), ==, 1);
  g_assert_cmpuint (scenario_get_replications (a), ==, 1);
  g_assert_cmpuint (scenario_get_n_points (a), ==, 1);
  g_assert_cmpstr (scenario_get_point (a, 0)->key, ==, "");
  g_assert_null (scenario_get_variables (a)[0]);

  g_autoptr (Scenario) b = load_ok ("# head comment\n"
                                    "[scenario]\n"
                                    "name = failover\n"
                                    "description = what happens when\n"
                                    "duration = 1h30m\n"
                                    "warmup = 5m\n"
                                    "seed = 0x10\n"
                                    "replications = 7\n");
  g_assert_cmpstr (scenario_get_name (b), ==, "failover");
  g_assert_cmpint (scenario_get_duration (b), ==, SIM_S (5400));
  g_assert_cmpint (scenario_get_warmup (b), ==, SIM_S (300));
  g_assert_cmpuint (scenario_get_seed (b), ==, 16);
  g_assert_cmpuint (scenario_get_replications (b), ==, 7);
  g_autoptr (RunSpec) s = scenario_instantiate (b, 0, 3);
  g_assert_cmpstr (s->scenario_name, ==, "failover");
  g_assert_cmpint (s->duration, ==, SIM_S (5400));
  g_assert_cmpint (s->warmup, ==, SIM_S (300));
  g_assert_cmpuint (s->seed, ==, scenario_seed_mix (16, "", 3));
  g_assert_true (strstr (scenario_get_text (b), "# head comment") != NULL);
}

static const char WORLD[] =
  "[scenario]\n"                                           /* 1 */
  "duration = 2h\n"
  "[network]\n"
  "latency = 20ms\n"
  "jitter = 1ms\n"                                         /* 5 */
  "loss = 1%\n"
  "[dns]\n"
  "address = 192.0.2.99\n"
  "zone = voip.test\n"
  "ttl = 120\n"                                            /* 10 */
  "answer_delay = 3ms\n"
  "query_loss = 0.5\n"
  "rotate = false\n"
  "link_latency = 2ms\n"
  "_sip._udp.voip.test = SRV 10 0 5060 pbx-a.voip.test; SRV 20 5 5070 pbx-b.voip.test ttl=60\n"
  "pbx-a.voip.test = A 198.51.100.10\n"
  "pbx-b.voip.test = A 198.51.100.11 ttl=30\n"
  "[proxy a]\n"
  "address = 198.51.100.10\n"
  "port = 5070\n"                                          /* 20 */
  "tcp = no\n"
  "default_expires = 1800\n"
  "min_expires = 2m\n"
  "max_expires = 1h\n"
  "realm = voip.test\n"                                    /* 25 */
  "users = alice:secret, bob:p:w\n"
  "nonce_lifetime = 10m\n"
  "outbound = false\n"
  "flow_timer = 25\n"
  "retry_after = 30s\n"                                    /* 30 */
  "slow_delay = 1.5s\n"
  "restart_downtime = 20s\n"
  "capacity_rps = 12.5\n"
  "queue_limit = 7\n"
  "overload_drop = true\n"                                 /* 35 */
  "probe_rate = 1/60\n"
  "link_loss = 0.1\n"
  "[proxy b]\n"
  "address = 198.51.100.11\n"
  "probe_interval = 30s\n"                                 /* 40 */
  "[nat home]\n"
  "mapping = APDM\n"
  "filtering = adf\n"
  "ports = random\n"
  "port_lo = 20000\n"                                      /* 45 */
  "port_hi = 20999\n"
  "udp_timeout_replied = 180s\n"
  "udp_timeout = 30s\n"
  "udp_stream_grace = 2s\n"
  "inbound_refresh = true\n"                               /* 50 */
  "tcp_timeout = 2h\n"
  "tcp_transitory = 4m\n"
  "hairpinning = false\n"
  "reboot_downtime = 45s\n"
  "shared = true\n"                                        /* 55 */
  "uplink_latency = 5ms\n"
  "[device phone]\n"
  "profile = obihai\n"
  "count = 3\n"
  "nat = home\n"                                           /* 60 */
  "start = uniform(0s, 60s)\n"
  "access_latency = 1ms\n"
  "ProxyServer = voip.test\n"
  "SP1::AuthUserName = 1001\n"
  "SP2::ProxyServer = backup.voip.test\n"                  /* 65 */
  "X_KeepAliveExpires = 20\n"
  "[device desk]\n"
  "profile = aastra\n"
  "sip line1 proxy ip = pbx-a.voip.test\n"
  "sip line1 auth name = 2002\n"                           /* 70 */
  "[expect]\n"
  "p95 = failover_s p95 <= 40\n"
  "[golden]\n"
  "g = ka=15#1 0123456789abcdef\n";

/* Keys added by issue 14: [dns] order, [proxy] stun, match_instance,
 * min_expires_mode; and their defaults when absent. */
static void
test_fidelity_keys (void)
{
  g_autoptr (Scenario) sc = load_ok ("[scenario]\nduration = 1h\n"
                                     "[dns]\norder = cyclic\n_sip._udp.voip.test = SRV 1 1 5060 a.voip.test\n"
                                     "[proxy a]\naddress = 198.51.100.10\nstun = true\n"
                                     "match_instance = false\nmin_expires_mode = raise\n"
                                     "[proxy b]\naddress = 198.51.100.11\n");
  g_autoptr (RunSpec) s = scenario_instantiate (sc, 0, 0);
  g_assert_cmpint (s->dns_cfg.order, ==, DNS_ORDER_CYCLIC);
  SpecProxy *a = &g_array_index (s->proxies, SpecProxy, 0);
  g_assert_true (a->cfg.stun);
  g_assert_false (a->cfg.match_instance);
  g_assert_true (a->cfg.min_expires_raise);
  SpecProxy *b = &g_array_index (s->proxies, SpecProxy, 1);
  g_assert_false (b->cfg.stun);
  g_assert_false (b->cfg.outbound);
  g_assert_true (b->cfg.match_instance);
  g_assert_false (b->cfg.min_expires_raise);
  g_autoptr (Scenario) d = load_ok ("[scenario]\nduration = 1h\n");
  g_autoptr (RunSpec) ds = scenario_instantiate (d, 0, 0);
  g_assert_cmpint (ds->dns_cfg.order, ==, DNS_ORDER_RANDOM);
  load_err ("[scenario]\nduration = 1h\n[dns]\norder = round\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [dns] order: expected random, cyclic or fixed", NULL);
  load_err ("[scenario]\nduration = 1h\n[proxy a]\naddress = 198.51.100.10\n"
            "min_expires_mode = 423\n", SCENARIO_ERROR_VALUE,
            "t.ini:5: [proxy a] min_expires_mode: expected reject or raise", NULL);
}

static void
test_world (void)
{
  g_autoptr (Scenario) sc = load_ok (WORLD);
  g_assert_cmpuint (scenario_get_n_devices (sc, 0), ==, 4);
  g_autoptr (RunSpec) s = scenario_instantiate (sc, 0, 0);

  /* [dns] */
  g_assert_cmpuint (s->dns_addr, ==, SIM_IP4 (192, 0, 2, 99));
  g_assert_cmpint (s->dns_cfg.latency, ==, SIM_MS (3));
  g_assert_true (s->dns_cfg.loss == 0.5);
  g_assert_cmpint (s->dns_cfg.order, ==, DNS_ORDER_FIXED);
  g_assert_cmpint (s->dns_link.latency, ==, SIM_MS (2));
  g_assert_cmpint (s->dns_link.jitter, ==, SIM_MS (1));      /* [network] default */
  g_assert_true (s->dns_link.loss == 0.01);
  g_assert_cmpstr (s->zones[0], ==, "voip.test");
  g_assert_null (s->zones[1]);
  g_assert_cmpuint (s->records->len, ==, 4);
  SpecRecord *r = &g_array_index (s->records, SpecRecord, 0);
  g_assert_cmpstr (r->name, ==, "_sip._udp.voip.test");
  g_assert_cmpuint (r->rr.type, ==, DNS_TYPE_SRV);
  g_assert_cmpuint (r->rr.priority, ==, 10);
  g_assert_cmpuint (r->rr.weight, ==, 0);
  g_assert_cmpuint (r->rr.port, ==, 5060);
  g_assert_cmpstr (r->rr.target, ==, "pbx-a.voip.test");
  g_assert_cmpuint (r->rr.ttl_s, ==, 120);                   /* [dns] ttl */
  r = &g_array_index (s->records, SpecRecord, 1);
  g_assert_cmpuint (r->rr.priority, ==, 20);
  g_assert_cmpuint (r->rr.weight, ==, 5);
  g_assert_cmpuint (r->rr.port, ==, 5070);
  g_assert_cmpuint (r->rr.ttl_s, ==, 60);
  r = &g_array_index (s->records, SpecRecord, 2);
  g_assert_cmpstr (r->name, ==, "pbx-a.voip.test");
  g_assert_cmpuint (r->rr.type, ==, DNS_TYPE_A);
  g_assert_cmpuint (r->rr.ip, ==, SIM_IP4 (198, 51, 100, 10));
  g_assert_null (r->rr.target);
  g_assert_cmpuint (g_array_index (s->records, SpecRecord, 3).rr.ttl_s, ==, 30);

  /* [proxy a], [proxy b] */
  g_assert_cmpuint (s->proxies->len, ==, 2);
  SpecProxy *p = &g_array_index (s->proxies, SpecProxy, 0);
  g_assert_cmpstr (p->name, ==, "a");
  g_assert_cmpuint (p->addr, ==, SIM_IP4 (198, 51, 100, 10));
  g_assert_cmpuint (p->cfg.port, ==, 5070);
  g_assert_false (p->cfg.tcp);
  g_assert_cmpuint (p->cfg.default_expires, ==, 1800);
  g_assert_cmpuint (p->cfg.min_expires, ==, 120);
  g_assert_cmpuint (p->cfg.max_expires, ==, 3600);
  g_assert_cmpstr (p->cfg.realm, ==, "voip.test");
  g_assert_cmpuint (p->cfg.n_users, ==, 2);
  g_assert_cmpstr (p->cfg.users[0].user, ==, "alice");
  g_assert_cmpstr (p->cfg.users[0].password, ==, "secret");
  g_assert_cmpstr (p->cfg.users[1].user, ==, "bob");
  g_assert_cmpstr (p->cfg.users[1].password, ==, "p:w");      /* first ':' splits */
  g_assert_cmpint (p->cfg.nonce_lifetime, ==, SIM_S (600));
  g_assert_false (p->cfg.outbound);
  g_assert_cmpuint (p->cfg.flow_timer, ==, 25);
  g_assert_cmpuint (p->cfg.retry_after, ==, 30);
  g_assert_cmpint (p->cfg.slow_delay, ==, SIM_MS (1500));
  g_assert_cmpint (p->cfg.restart_downtime, ==, SIM_S (20));
  g_assert_true (p->cfg.capacity_rps == 12.5);
  g_assert_cmpuint (p->cfg.queue_limit, ==, 7);
  g_assert_true (p->cfg.overload_drop);
  g_assert_cmpfloat_with_epsilon (p->cfg.probe_rate, 1.0 / 60, 1e-15);
  g_assert_cmpint (p->link.latency, ==, SIM_MS (20));
  g_assert_true (p->link.loss == 0.1);
  p = &g_array_index (s->proxies, SpecProxy, 1);
  g_assert_cmpfloat_with_epsilon (p->cfg.probe_rate, 1.0 / 30, 1e-15);
  SipProxyConfig def;
  sip_proxy_config_init (&def);
  g_assert_cmpuint (p->cfg.port, ==, def.port);               /* untouched keys: model default */
  g_assert_cmpstr (p->cfg.realm, ==, def.realm);

  /* [nat home] */
  SpecNat *n = &g_array_index (s->nats, SpecNat, 0);
  g_assert_cmpstr (n->name, ==, "home");
  g_assert_true (n->settings.mapping == NAT_MAPPING_ADDRESS_PORT_DEPENDENT);
  g_assert_true (n->settings.filtering == NAT_FILTER_ADDRESS_DEPENDENT);
  g_assert_true (n->settings.port_alloc == NAT_PORTS_RANDOM);
  g_assert_cmpuint (n->settings.port_lo, ==, 20000);
  g_assert_cmpuint (n->settings.port_hi, ==, 20999);
  /* udp_timeout (line 48) does not override udp_timeout_replied (47). */
  g_assert_cmpint (n->settings.udp_timeout_unreplied, ==, SIM_S (30));
  g_assert_cmpint (n->settings.udp_timeout_replied, ==, SIM_S (180));
  g_assert_cmpint (n->settings.udp_stream_grace, ==, SIM_S (2));
  g_assert_true (n->settings.udp_inbound_refresh);
  g_assert_cmpint (n->settings.tcp_timeout_established, ==, SIM_S (7200));
  g_assert_cmpint (n->settings.tcp_timeout_transitory, ==, SIM_S (240));
  g_assert_false (n->settings.hairpinning);
  g_assert_cmpint (n->settings.reboot_downtime, ==, SIM_S (45));
  g_assert_true (n->shared);
  g_assert_cmpint (n->uplink.latency, ==, SIM_MS (5));
  g_assert_cmpint (n->uplink.jitter, ==, SIM_MS (1));

  /* [device phone], [device desk] */
  g_assert_cmpuint (s->devices->len, ==, 2);
  SpecDevice *d = &g_array_index (s->devices, SpecDevice, 0);
  g_assert_cmpstr (d->name, ==, "phone");
  g_assert_cmpuint (d->count, ==, 3);
  g_assert_cmpint (d->nat, ==, 0);
  g_assert_true (d->start.dist == SPEC_DIST_UNIFORM);
  g_assert_cmpint (d->start.b, ==, SIM_S (60));
  g_assert_cmpint (d->access.latency, ==, SIM_MS (1));
  g_assert_true (d->access.loss == 0.01);
  g_assert_true (d->cfg.profile == DEVICE_PROFILE_OBIHAI);
  g_assert_cmpstr (d->cfg.accounts[0].proxy_server, ==, "voip.test");
  g_assert_cmpstr (d->cfg.accounts[0].auth_username, ==, "1001");
  g_assert_cmpstr (d->cfg.accounts[1].proxy_server, ==, "backup.voip.test");
  g_assert_cmpint (d->cfg.accounts[0].ka_period, ==, SIM_S (20));
  d = &g_array_index (s->devices, SpecDevice, 1);
  g_assert_true (d->cfg.profile == DEVICE_PROFILE_AASTRA);
  g_assert_cmpint (d->nat, ==, -1);
  g_assert_true (d->start.dist == SPEC_DIST_FIXED && d->start.a == 0);
  g_assert_cmpstr (d->cfg.accounts[0].proxy_server, ==, "pbx-a.voip.test");
  g_assert_cmpstr (d->cfg.accounts[0].auth_username, ==, "2002");

  /* [expect] and [golden]: raw, with their lines. */
  guint ne;
  const ScenarioEntry *e = scenario_get_entries (sc, &ne);
  g_assert_cmpuint (ne, ==, 2);
  g_assert_cmpstr (e[0].section, ==, "expect");
  g_assert_cmpstr (e[0].key, ==, "p95");
  g_assert_cmpstr (e[0].value, ==, "failover_s p95 <= 40");   /* raw: the first '=' splits */
  g_assert_cmpuint (e[0].line, ==, 72);
  g_assert_cmpstr (e[0].file, ==, "t.ini");
  g_assert_cmpstr (e[1].section, ==, "golden");
  g_assert_cmpstr (e[1].key, ==, "g");
  g_assert_cmpstr (e[1].value, ==, "ka=15#1 0123456789abcdef");   /* '#' inside a value */
  g_assert_cmpuint (e[1].line, ==, 74);
}

static const char FAULTS[] =
  "[scenario]\nduration = 1h\n"
  "[dns]\npbx.voip.test = A 198.51.100.10\n"
  "[proxy a]\naddress = 198.51.100.10\n"
  "[nat home]\n"
  "[device phone]\nprofile = rfc\nnat = home\n"
  "[fault f1]\ntype = proxy-crash\ntarget = a\nat = 10m\nduration = 5m\n"
  "[fault f2]\ntype = proxy-503\ntarget = a\nat = exponential(1m, 2m)\n"
  "[fault f3]\ntype = proxy-slow\ntarget = a\nat = 1s\n"
  "[fault f4]\ntype = proxy-restart\ntarget = a\nat = 2s\n"
  "[fault f5]\ntype = proxy-recover\ntarget = a\nat = 3s\n"
  "[fault f6]\ntype = proxy-random\ntarget = a\naction = 503\nmtbf = 10m\nmttr = 30s\n"
  "[fault f7]\ntype = nat-reboot\ntarget = home\nat = 20m\nnew_public = 203.0.113.9\n"
  "[fault f8]\ntype = dns-replace\nat = 30m\nname = pbx.voip.test\nrecord = A 198.51.100.20 ttl=5\n"
  "[fault f9]\ntype = dns-mode\nat = 31m\nname = voip.test\nmode = servfail\n"
  "[fault f10]\ntype = link-cut\ntarget = dns\nat = normal(40m, 1m)\nduration = 90s\n"
  "[fault f11]\ntype = dns-add\nat = 1m\nname = _sip._udp.voip.test\n"
  "record = SRV 10 0 5060 pbx.voip.test\n"
  "[fault f12]\ntype = link-cut\ntarget = phone\nat = 1m\nduration = 1s\n"
  "[fault f13]\ntype = proxy-kill\ntarget = a\nat = 5m\nduration = 15s\n";

static void
test_faults (void)
{
  g_autoptr (Scenario) sc = load_ok (FAULTS);
  g_autoptr (RunSpec) s = scenario_instantiate (sc, 0, 0);
  g_assert_cmpuint (s->faults->len, ==, 13);
#define F(i) (&g_array_index (s->faults, SpecFault, (i)))
  g_assert_cmpstr (F (0)->name, ==, "f1");
  g_assert_true (F (0)->type == fault_type_lookup ("proxy-crash") && F (0)->action == SIP_PROXY_FAULT_CRASH);
  g_assert_cmpstr (F (0)->target, ==, "a");
  g_assert_cmpint (F (0)->at.a, ==, SIM_S (600));
  g_assert_cmpint (F (0)->duration, ==, SIM_S (300));
  g_assert_true (F (1)->action == SIP_PROXY_FAULT_REJECT);
  g_assert_true (F (1)->at.dist == SPEC_DIST_EXPONENTIAL);
  g_assert_cmpint (F (1)->at.a, ==, SIM_S (60));
  g_assert_cmpint (F (1)->at.b, ==, SIM_S (120));
  g_assert_cmpint (F (1)->duration, ==, 0);                   /* stays */
  g_assert_true (F (2)->action == SIP_PROXY_FAULT_SLOW);
  g_assert_true (F (3)->action == SIP_PROXY_FAULT_RESTART);
  g_assert_true (F (4)->action == SIP_PROXY_FAULT_RECOVER);
  g_assert_true (F (5)->type == fault_type_lookup ("proxy-random"));
  g_assert_true (F (5)->action == SIP_PROXY_FAULT_REJECT);
  g_assert_cmpint (F (5)->mtbf, ==, SIM_S (600));
  g_assert_cmpint (F (5)->mttr, ==, SIM_S (30));
  g_assert_cmpint (F (5)->at.a, ==, 0);
  g_assert_true (F (6)->type == fault_type_lookup ("nat-reboot"));
  g_assert_cmpstr (F (6)->target, ==, "home");
  g_assert_cmpuint (F (6)->new_public, ==, SIM_IP4 (203, 0, 113, 9));
  g_assert_true (F (7)->type == fault_type_lookup ("dns-replace") && F (7)->dns_kind == DNS_CHANGE_REPLACE);
  g_assert_null (F (7)->target);
  g_assert_cmpstr (F (7)->record.name, ==, "pbx.voip.test");
  g_assert_cmpuint (F (7)->record.rr.ip, ==, SIM_IP4 (198, 51, 100, 20));
  g_assert_cmpuint (F (7)->record.rr.ttl_s, ==, 5);
  g_assert_true (F (8)->dns_kind == DNS_CHANGE_MODE && F (8)->dns_mode == DNS_MODE_SERVFAIL);
  g_assert_cmpstr (F (8)->record.name, ==, "voip.test");
  g_assert_true (F (9)->type == fault_type_lookup ("link-cut"));
  g_assert_cmpstr (F (9)->target, ==, "dns");
  g_assert_true (F (9)->at.dist == SPEC_DIST_NORMAL);
  g_assert_cmpint (F (9)->duration, ==, SIM_S (90));
  g_assert_true (F (10)->dns_kind == DNS_CHANGE_ADD);
  g_assert_cmpuint (F (10)->record.rr.type, ==, DNS_TYPE_SRV);
  g_assert_cmpuint (F (10)->record.rr.ttl_s, ==, 300);        /* [dns] ttl default */
  g_assert_cmpstr (F (10)->record.rr.target, ==, "pbx.voip.test");
  g_assert_cmpstr (F (11)->target, ==, "phone");
  g_assert_true (F (12)->type == fault_type_lookup ("proxy-kill") && F (12)->action == SIP_PROXY_FAULT_KILL);
  g_assert_cmpint (F (12)->at.a, ==, SIM_S (300));
  g_assert_cmpint (F (12)->duration, ==, SIM_S (15));
#undef F
  /* Default zone: the last two labels of every owner name. */
  g_assert_cmpstr (s->zones[0], ==, "voip.test");
  g_assert_null (s->zones[1]);
}

/* =========================================================== 2-sweep */

static void
assert_keys (const Scenario *sc, const char *const *keys)
{
  guint n = g_strv_length ((char **) keys);
  g_assert_cmpuint (scenario_get_n_points (sc), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (scenario_get_point (sc, i)->index, ==, i);
      g_assert_cmpstr (scenario_get_point (sc, i)->key, ==, keys[i]);
    }
}

static void
test_grid (void)
{
  g_autoptr (Scenario) sc = load_ok ("[scenario]\nduration = 1h\n"
                                     "[sweep]\na = 1, 2\nb = x, y, z\n");
  static const char *keys[] = { "a=1,b=x", "a=1,b=y", "a=1,b=z",
                                "a=2,b=x", "a=2,b=y", "a=2,b=z", NULL };
  assert_keys (sc, keys);
  const char *const *vars = scenario_get_variables (sc);
  g_assert_cmpstr (vars[0], ==, "a");
  g_assert_cmpstr (vars[1], ==, "b");
  g_assert_null (vars[2]);
  const ScenarioPoint *p = scenario_get_point (sc, 4);
  g_assert_cmpuint (p->n_vars, ==, 2);
  g_assert_cmpstr (p->names[1], ==, "b");
  g_assert_cmpstr (p->values[0], ==, "2");
  g_assert_cmpstr (p->values[1], ==, "y");
}

static void
test_zip (void)
{
  /* a and c zipped (3 each) is one dimension at a's place; b (2) alone:
   * 3 x 2 = 6 points, a/c slowest. */
  g_autoptr (Scenario) sc = load_ok ("[scenario]\nduration = 1h\n"
                                     "[sweep]\na = 1, 2, 3\nb = p, q\nc = 10..30 step 10\n"
                                     "zip = a, c\n");
  static const char *keys[] = { "a=1,b=p,c=10", "a=1,b=q,c=10", "a=2,b=p,c=20",
                                 "a=2,b=q,c=20", "a=3,b=p,c=30", "a=3,b=q,c=30", NULL };
  assert_keys (sc, keys);

  /* Two groups: (a, b) and (c, d): 2 x 2 points. */
  g_autoptr (Scenario) two = load_ok ("[scenario]\nduration = 1h\n"
                                      "[sweep]\na = 1, 2\nb = 3, 4\nc = 5, 6\nd = 7, 8\n"
                                      "zip = a, b; c, d\n");
  static const char *keys2[] = { "a=1,b=3,c=5,d=7", "a=1,b=3,c=6,d=8",
                                 "a=2,b=4,c=5,d=7", "a=2,b=4,c=6,d=8", NULL };
  assert_keys (two, keys2);

  /* Issue 14 item 10: one zipped variable may repeat a value when the
   * other tells the points apart: three different points. */
  g_autoptr (Scenario) rep = load_ok ("[scenario]\nduration = 1h\n"
                                      "[sweep]\nka = 15, 15, 30\nt = 60, 120, 120\n"
                                      "zip = ka, t\n");
  static const char *keys3[] = { "ka=15,t=60", "ka=15,t=120", "ka=30,t=120", NULL };
  assert_keys (rep, keys3);
}

/* Two points alike would share a key and seeds: a value twice in an
 * unzipped variable, or a combination twice in a zip group, is an error
 * at the first variable's line. */
static void
test_err_repeated_points (void)
{
  load_err ("[scenario]\nduration = 1h\n[sweep]\na = 1, 2, 1\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [sweep] a: expected each value once ('1' is listed twice)", NULL);
  load_err ("[scenario]\nduration = 1h\n[sweep]\na = 1, 2, 1\nb = 5, 6, 5\nzip = a, b\n",
            SCENARIO_ERROR_VALUE, "t.ini:4: [sweep] a: expected zipped points that differ",
            "points 1 and 3", NULL);
  /* Zipped with a, b may not repeat; c (unzipped) may not either. */
  load_err ("[scenario]\nduration = 1h\n[sweep]\na = 1, 2\nb = 5, 6\nc = x, x\nzip = a, b\n",
            SCENARIO_ERROR_VALUE, "t.ini:6: [sweep] c: expected each value once", NULL);
  /* Of several repeats, the first point that has a later twin is named,
   * with its first twin (y repeats first, but x is listed before it). */
  load_err ("[scenario]\nduration = 1h\n[sweep]\na = x, y, y, x\n", SCENARIO_ERROR_VALUE,
            "expected each value once ('x' is listed twice)", NULL);
  load_err ("[scenario]\nduration = 1h\n[sweep]\na = 1, 2, 2, 1, 1\nb = 5, 6, 6, 5, 5\n"
            "zip = a, b\n", SCENARIO_ERROR_VALUE, "points 1 and 4", NULL);
  /* Values are compared whole: '1' and '1,' style prefixes, and a zip
   * group's values joined differently, are not alike. */
  g_autoptr (Scenario) z = load_ok ("[scenario]\nduration = 1h\n[sweep]\na = ab, a\n"
                                    "b = c, bc\nzip = a, b\n");
  g_assert_cmpuint (scenario_get_n_points (z), ==, 2);
}

/* The largest sweep a dimension may have (SC_MAX_POINTS) loads, its
 * repeats checked in time linear in its points.  Comparing every pair
 * (the old check) took 20.7 s for this test in a debug build against
 * 0.24 s now, and timed the scenario fuzzer out on 'a = 0.5..21025'
 * (that input is in tests/fuzz/corpus/scenario/timeout-large-range.ini).
 * A time is not asserted here: this checks the result. */
static void
test_large_range_repeats (void)
{
  g_autoptr (Scenario) sc = load_ok ("[scenario]\nduration = 1h\n[sweep]\nx = 1..100000\n");
  g_assert_cmpuint (scenario_get_n_points (sc), ==, 100000);
}

static void
test_ranges (void)
{
  g_autoptr (Scenario) a = load_ok ("[scenario]\nduration = 1h\n[sweep]\nx = 0.5..2 step 0.25\n");
  static const char *ka[] = { "x=0.5", "x=0.75", "x=1", "x=1.25", "x=1.5", "x=1.75", "x=2", NULL };
  assert_keys (a, ka);
  g_autoptr (Scenario) b = load_ok ("[scenario]\nduration = 1h\n[sweep]\nx = 1..5\n");
  static const char *kb[] = { "x=1", "x=2", "x=3", "x=4", "x=5", NULL };
  assert_keys (b, kb);
  /* 0, 0.3, 0.6, 0.9: 1.2 would pass 1, and 0.1 steps do not drift. */
  g_autoptr (Scenario) c = load_ok ("[scenario]\nduration = 1h\n[sweep]\nx = 0..1 step 0.3\n");
  static const char *kc[] = { "x=0", "x=0.3", "x=0.6", "x=0.9", NULL };
  assert_keys (c, kc);
  g_autoptr (Scenario) d = load_ok ("[scenario]\nduration = 1h\n[sweep]\nx = 10..1 step -3\n");
  static const char *kd[] = { "x=10", "x=7", "x=4", "x=1", NULL };
  assert_keys (d, kd);
  g_autoptr (Scenario) e = load_ok ("[scenario]\nduration = 1h\n[sweep]\nx = 30..300 step 30\n");
  g_assert_cmpuint (scenario_get_n_points (e), ==, 10);
  g_assert_cmpstr (scenario_get_point (e, 9)->key, ==, "x=300");
  g_autoptr (Scenario) f = load_ok ("[scenario]\nduration = 1h\n[sweep]\nx = 0..0.3 step 0.1\n");
  static const char *kf[] = { "x=0", "x=0.1", "x=0.2", "x=0.3", NULL };
  assert_keys (f, kf);
}

static void
test_inline (void)
{
  /* ka is defined inline in [device] (line 7) before [sweep] defines t,
   * so ka varies slowest; ${ka} is used again in [nat]. */
  g_autoptr (Scenario) sc = load_ok (
    "[scenario]\nduration = 1h\n"
    "[nat home]\nudp_timeout = ${t}s\n"
    "[device phone]\nprofile = obihai\nX_KeepAliveExpires = ${ka = 15, 30}\n"
    "nat = home\nProxyServer = $${not a var}.test\n"
    "[sweep]\nt = 60, 120\n");
  static const char *keys[] = { "ka=15,t=60", "ka=15,t=120", "ka=30,t=60", "ka=30,t=120", NULL };
  assert_keys (sc, keys);
  g_autoptr (RunSpec) s = scenario_instantiate (sc, 2, 0);
  SpecDevice *d = &g_array_index (s->devices, SpecDevice, 0);
  g_assert_cmpint (d->cfg.accounts[0].ka_period, ==, SIM_S (30));
  g_assert_cmpstr (d->cfg.accounts[0].proxy_server, ==, "${not a var}.test");
  SpecNat *n = &g_array_index (s->nats, SpecNat, 0);
  g_assert_cmpint (n->settings.udp_timeout_unreplied, ==, SIM_S (60));
  g_assert_cmpint (n->settings.udp_timeout_replied, ==, SIM_S (60));

  /* A swept count changes the point's device total. */
  g_autoptr (Scenario) c = load_ok ("[scenario]\nduration = 1h\n"
                                    "[device p]\nprofile = rfc\ncount = ${n = 1, 5, 20}\n");
  g_assert_cmpuint (scenario_get_n_devices (c, 0), ==, 1);
  g_assert_cmpuint (scenario_get_n_devices (c, 1), ==, 5);
  g_assert_cmpuint (scenario_get_n_devices (c, 2), ==, 20);
}

static char *
write_file (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_extends (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sipsim-scenario-XXXXXX", &err);
  g_assert_no_error (err);
  g_autofree char *sub = g_build_filename (dir, "base", NULL);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_autofree char *p0 = write_file (sub, "root.ini",
    "# root\n"
    "[scenario]\nduration = 1h\nseed = 5\n"
    "[device phone]\nprofile = obihai\nProxyServer = root.test\nX_KeepAliveExpires = 15\n");
  g_autofree char *p1 = write_file (dir, "mid.ini",
    "[scenario]\nextends = base/root.ini\nduration = 2h\n"
    "[device phone]\nX_KeepAliveExpires = 25\nSP1::AuthUserName = 7\n");
  g_autofree char *p2 = write_file (dir, "leaf.ini",
    "[scenario]\nextends = mid.ini\n"
    "[device phone]\nProxyServer = leaf.test\n"
    "[device desk]\nprofile = aastra\n");
  g_autoptr (Scenario) sc = scenario_load (p2, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (scenario_get_name (sc), ==, "leaf");
  g_assert_cmpint (scenario_get_duration (sc), ==, SIM_S (7200));   /* mid over root */
  g_assert_cmpuint (scenario_get_seed (sc), ==, 5);                 /* from root */
  g_autoptr (RunSpec) s = scenario_instantiate (sc, 0, 0);
  g_assert_cmpuint (s->devices->len, ==, 2);
  SpecDevice *d = &g_array_index (s->devices, SpecDevice, 0);
  g_assert_cmpstr (d->cfg.accounts[0].proxy_server, ==, "leaf.test");
  g_assert_cmpint (d->cfg.accounts[0].ka_period, ==, SIM_S (25));
  g_assert_cmpstr (d->cfg.accounts[0].auth_username, ==, "7");
  const char *text = scenario_get_text (sc);
  g_assert_null (strstr (text, "extends"));
  g_assert_nonnull (strstr (text, "# root"));

  /* A bad value inherited from the parent names the parent's file and line. */
  g_autofree char *pb = write_file (sub, "bad.ini",
    "[scenario]\nduration = 1h\n[nat n]\nudp_timeout = soon\n");
  g_autofree char *pc = write_file (dir, "child.ini",
    "[scenario]\nextends = base/bad.ini\n");
  g_clear_error (&err);
  g_assert_null (scenario_load (pc, &err));
  g_assert_nonnull (err);
  g_assert_true (strstr (err->message, "bad.ini:4: [nat n] udp_timeout: expected a duration"));

  /* Cycle: a -> b -> a. */
  g_autofree char *pa = write_file (dir, "a.ini", "[scenario]\nextends = b.ini\nduration = 1h\n");
  g_autofree char *pbb = write_file (dir, "b.ini", "[scenario]\nextends = a.ini\n");
  g_clear_error (&err);
  g_assert_null (scenario_load (pa, &err));
  g_assert_true (g_error_matches (err, SCENARIO_ERROR, SCENARIO_ERROR_VALUE));
  g_assert_true (strstr (err->message, "b.ini:2: [scenario] extends: expected a chain without cycles"));

  /* A missing parent: IO error at the child's extends line. */
  g_autofree char *pm = write_file (dir, "m.ini", "[scenario]\nduration = 1h\nextends = nope.ini\n");
  g_clear_error (&err);
  g_assert_null (scenario_load (pm, &err));
  g_assert_true (g_error_matches (err, SCENARIO_ERROR, SCENARIO_ERROR_IO));
  g_assert_true (strstr (err->message, "m.ini:3: [scenario] extends: expected a readable file"));

  /* From data, extends resolves against base_dir. */
  g_clear_error (&err);
  g_autoptr (Scenario) fd = scenario_load_from_data ("[scenario]\nextends = mid.ini\n", "x.ini",
                                                     dir, &err);
  g_assert_no_error (err);
  g_assert_cmpint (scenario_get_duration (fd), ==, SIM_S (7200));

  const char *files[] = { p0, p1, p2, pb, pc, pa, pbb, pm };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_unlink (files[i]);
  g_rmdir (sub);
  g_rmdir (dir);
}

static void
test_filter (void)
{
  g_autoptr (Scenario) sc = load_ok ("[scenario]\nduration = 1h\n"
                                     "[sweep]\nka = 15, 30, 60\nmsg = stun, keep-alive\n");
  static const struct { const char *filter; guint n; } cases[] = {
    { NULL, 6 }, { "", 6 }, { "ka=30", 2 }, { "ka=30.0", 2 }, { "ka!=30", 4 },
    { "ka<30", 2 }, { "ka<=30", 4 }, { "ka>15", 4 }, { "ka>=60", 2 },
    { "msg=stun", 3 }, { "msg!=stun", 3 }, { "ka>15, msg=keep-alive", 2 },
    { " ka = 60 ,msg=stun ", 1 }, { "ka==60", 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) err = NULL;
      g_assert_true (scenario_filter_check (sc, cases[i].filter, &err));
      g_assert_no_error (err);
      guint n = 0;
      for (guint p = 0; p < scenario_get_n_points (sc); p++)
        n += scenario_point_matches (sc, scenario_get_point (sc, p), cases[i].filter);
      if (n != cases[i].n)
        g_error ("filter '%s': %u points, expected %u", cases[i].filter, n, cases[i].n);
    }
  static const struct { const char *filter; ScenarioError code; } bad[] = {
    { "nope=1", SCENARIO_ERROR_REFERENCE }, { "ka", SCENARIO_ERROR_SYNTAX },
    { "ka=", SCENARIO_ERROR_SYNTAX }, { "msg<stun", SCENARIO_ERROR_VALUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) err = NULL;
      g_assert_false (scenario_filter_check (sc, bad[i].filter, &err));
      g_assert_true (g_error_matches (err, SCENARIO_ERROR, (gint) bad[i].code));
      g_assert_false (scenario_point_matches (sc, scenario_get_point (sc, 0), bad[i].filter));
    }
}

/* The documented formula, written again from the published definitions:
 * splitmix64's output function (Steele, Lea, Flood 2014; Vigna's
 * splitmix64.c) and 64-bit FNV-1a (IETF draft-eastlake-fnv). */
static guint64
ref_mix (guint64 x)
{
  guint64 z = x + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static guint64
ref_fnv (const char *s)
{
  guint64 h = 14695981039346656037ull;
  for (; *s; s++)
    h = (h ^ (guchar) *s) * 1099511628211ull;
  return h;
}

static void
test_seeds (void)
{
  /* Published vectors: splitmix64 seeded with 0 first returns
   * 0xe220a8397b1dcdaf; FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c. */
  g_assert_cmpuint (ref_mix (0), ==, 0xe220a8397b1dcdafull);
  g_assert_cmpuint (ref_fnv ("a"), ==, 0xaf63dc4c8601ec8cull);
  g_assert_cmpuint (scenario_seed_mix (9, "x=2", 3), ==,
                    ref_mix (ref_mix (ref_mix (9) ^ ref_fnv ("x=2")) ^ 3));
  g_assert_cmpuint (scenario_seed_mix (1, "", 0), ==,
                    ref_mix (ref_mix (ref_mix (1) ^ 0xcbf29ce484222325ull)));
  g_autoptr (Scenario) a = load_ok ("[scenario]\nduration = 1h\nseed = 9\n"
                                    "[sweep]\nx = 1, 2, 3\n");
  g_autoptr (Scenario) b = load_ok ("[scenario]\nduration = 1h\nseed = 9\n"
                                    "[sweep]\nx = 3, 2, 7, 9\n");
  /* Same key, different index: same seed. */
  const ScenarioPoint *a2 = scenario_get_point (a, 1), *b2 = scenario_get_point (b, 1);
  g_assert_cmpstr (a2->key, ==, "x=2");
  g_assert_cmpstr (b2->key, ==, "x=2");
  const ScenarioPoint *a3 = scenario_get_point (a, 2), *b3 = scenario_get_point (b, 0);
  g_assert_cmpuint (scenario_run_seed (a, a3, 4), ==, scenario_run_seed (b, b3, 4));
  g_assert_cmpuint (scenario_run_seed (a, a2, 0), ==, scenario_run_seed (b, b2, 0));
  g_assert_cmpuint (scenario_run_seed (a, a2, 0), ==, scenario_seed_mix (9, "x=2", 0));
  /* All distinct across points and replications. */
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GArray) store = g_array_sized_new (FALSE, FALSE, sizeof (guint64), 30);
  for (guint p = 0; p < 3; p++)
    for (guint r = 0; r < 10; r++)
      {
        guint64 s = scenario_run_seed (a, scenario_get_point (a, p), r);
        g_array_append_val (store, s);
      }
  for (guint i = 0; i < store->len; i++)
    {
      gint64 *k = &g_array_index (store, gint64, i);
      g_assert_false (g_hash_table_contains (seen, k));
      g_hash_table_add (seen, k);
    }
  /* The scenario seed changes every run seed; set_seed is honoured. */
  guint64 before = scenario_run_seed (a, a2, 0);
  scenario_set_seed (a, 10);
  g_assert_cmpuint (scenario_run_seed (a, a2, 0), !=, before);
  g_autoptr (RunSpec) s = scenario_instantiate (a, 1, 2);
  g_assert_cmpuint (s->seed, ==, scenario_seed_mix (10, "x=2", 2));
  /* Well mixed: neighbouring replications differ in about half the bits. */
  guint64 x = scenario_seed_mix (1, "k=1", 0) ^ scenario_seed_mix (1, "k=1", 1);
  guint bits = (guint) __builtin_popcountll (x);
  g_assert_cmpuint (bits, >, 16);
  g_assert_cmpuint (bits, <, 48);
}

/* A few fields of a spec as text, to compare two loads. */
static char *
spec_digest (const RunSpec *s)
{
  GString *g = g_string_new (NULL);
  g_string_append_printf (g, "%s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT
                          " dns=%u rec=%u\n", s->scenario_name, s->duration, s->warmup, s->seed,
                          s->dns_addr, s->records->len);
  for (guint i = 0; i < s->devices->len; i++)
    {
      const SpecDevice *d = &g_array_index (s->devices, SpecDevice, i);
      g_string_append_printf (g, "dev %s %u %d %" G_GINT64_FORMAT " %s %" G_GINT64_FORMAT "\n",
                              d->name, d->count, d->nat, d->start.b,
                              d->cfg.accounts[0].proxy_server, d->cfg.accounts[0].ka_period);
    }
  for (guint i = 0; i < s->nats->len; i++)
    g_string_append_printf (g, "nat %" G_GINT64_FORMAT "\n",
                            g_array_index (s->nats, SpecNat, i).settings.udp_timeout_unreplied);
  for (guint i = 0; i < s->faults->len; i++)
    g_string_append_printf (g, "fault %s %s %" G_GINT64_FORMAT "\n",
                            g_array_index (s->faults, SpecFault, i).name,
                            g_array_index (s->faults, SpecFault, i).type->name,
                            g_array_index (s->faults, SpecFault, i).at.a);
  return g_string_free (g, FALSE);
}

static void
assert_same_runs (const Scenario *a, const Scenario *b)
{
  g_assert_cmpstr (scenario_get_name (a), ==, scenario_get_name (b));
  g_assert_cmpuint (scenario_get_n_points (a), ==, scenario_get_n_points (b));
  g_assert_cmpuint (scenario_get_replications (a), ==, scenario_get_replications (b));
  for (guint p = 0; p < scenario_get_n_points (a); p++)
    {
      g_assert_cmpstr (scenario_get_point (a, p)->key, ==, scenario_get_point (b, p)->key);
      for (guint r = 0; r < scenario_get_replications (a); r++)
        {
          g_autoptr (RunSpec) sa = scenario_instantiate (a, p, r);
          g_autoptr (RunSpec) sb = scenario_instantiate (b, p, r);
          g_autofree char *da = spec_digest (sa);
          g_autofree char *db = spec_digest (sb);
          g_assert_cmpstr (da, ==, db);
        }
    }
}

static void
test_roundtrip (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sipsim-scenario-XXXXXX", &err);
  g_assert_no_error (err);
  g_autofree char *pp = write_file (dir, "parent.ini",
    "[scenario]\nduration = 1h\nwarmup = 1m\nreplications = 2\n"
    "[nat home]\nudp_timeout = ${t = 30, 60}s\n"
    "[device phone]\nprofile = obihai\nnat = home\nProxyServer = p.test\n"
    "start = uniform(0s, ${w = 10, 20}s)\n");
  g_autofree char *pc = write_file (dir, "sweep-child.ini",
    "# the question\n[scenario]\nextends = parent.ini\nseed = 0x2a\n"
    "[device phone]\nX_KeepAliveExpires = ${ka}\n"
    "[sweep]\nka = 15, 30\nzip = t, ka\n"
    "[fault f]\ntype = link-cut\ntarget = phone\nat = 5m\nduration = 10s\n"
    "[expect]\np95 = failover_s p95 <= ${not substituted}\n");
  g_autoptr (Scenario) a = scenario_load (pc, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (scenario_get_n_points (a), ==, 4);
  g_autoptr (Scenario) b = scenario_load_from_data (scenario_get_text (a), "stored", NULL, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (scenario_get_name (b), ==, "sweep-child");
  g_assert_cmpuint (scenario_get_seed (b), ==, 42);
  assert_same_runs (a, b);
  guint na, nb;
  scenario_get_entries (a, &na);
  const ScenarioEntry *eb = scenario_get_entries (b, &nb);
  g_assert_cmpuint (na, ==, nb);
  g_assert_cmpstr (eb[0].value, ==, "failover_s p95 <= ${not substituted}");
  /* It is a GLib key file GKeyFile itself reads. */
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_assert_true (g_key_file_load_from_data (kf, scenario_get_text (a), -1, G_KEY_FILE_NONE, &err));
  g_assert_no_error (err);
  g_autofree char *ka = g_key_file_get_string (kf, "device phone", "X_KeepAliveExpires", NULL);
  g_assert_cmpstr (ka, ==, "${ka}");
  /* The text is a fixed point of load + get_text. */
  g_autoptr (Scenario) c = scenario_load_from_data (scenario_get_text (b), "again", NULL, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (scenario_get_text (c), ==, scenario_get_text (b));

  /* --seed goes into the text. */
  scenario_set_seed (a, 77);
  g_autoptr (Scenario) d = scenario_load_from_data (scenario_get_text (a), "stored", NULL, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (scenario_get_seed (d), ==, 77);
  assert_same_runs (a, d);
  g_unlink (pp);
  g_unlink (pc);
  g_rmdir (dir);
}

static void
test_keyfile_syntax (void)
{
  /* GKeyFile syntax: spaces in keys, '=' in values, CRLF, comments,
   * escapes, a group given twice. */
  g_autoptr (Scenario) sc = load_ok ("[scenario]\r\nduration = 1h\r\n"
                                     "  # indented comment\n"
                                     "[device  d]\nprofile=aastra\n"
                                     "sip line1 proxy ip =  a\\sb.test \n"
                                     "[scenario]\nwarmup = 1s\n");
  g_autoptr (RunSpec) s = scenario_instantiate (sc, 0, 0);
  g_assert_cmpstr (g_array_index (s->devices, SpecDevice, 0).name, ==, "d");
  g_assert_cmpstr (g_array_index (s->devices, SpecDevice, 0).cfg.accounts[0].proxy_server, ==,
                   "a b.test");
  g_assert_cmpint (scenario_get_warmup (sc), ==, SIM_S (1));
}

/* ========================================================== 3-errors */

static void
test_err_syntax (void)
{
  load_err ("duration = 1h\n", SCENARIO_ERROR_SYNTAX, "t.ini:1:", "before the first key", NULL);
  load_err ("[scenario]\nduration = 1h\n[dns\n", SCENARIO_ERROR_SYNTAX, "t.ini:3:",
            "expected a section header", NULL);
  load_err ("[scenario]\nduration = 1h\njust words\n", SCENARIO_ERROR_SYNTAX,
            "t.ini:3: [scenario]: expected 'key = value'", "got 'just words'", NULL);
  load_err ("[scenario]\nduration = 1h\n\n# c\nduration = 2h\n", SCENARIO_ERROR_SYNTAX,
            "t.ini:5: [scenario] duration: expected each key once", "first at line 2", NULL);
  load_err ("[scenario]\nduration = 1h\nname[de] = x\n", SCENARIO_ERROR_SYNTAX, "t.ini:3:",
            "localized keys", NULL);
  load_err ("[scenario]\nduration = 1h\n[nat n]\nudp_timeout = ${t\n", SCENARIO_ERROR_SYNTAX,
            "t.ini:4: [nat n] udp_timeout:", "expected '}'", NULL);
  load_err ("[scenario]\nduration = ${d = 1h, 2h}\n", SCENARIO_ERROR_SYNTAX,
            "t.ini:2: [scenario] duration:", "cannot be swept", NULL);
  load_err ("[scenario]\nduration = 1h\n[sweep]\n9x = 1\n", SCENARIO_ERROR_SYNTAX,
            "t.ini:4: [sweep] 9x:", "variable name", NULL);
}

static void
test_err_io (void)
{
  g_autoptr (GError) err = NULL;
  g_assert_null (scenario_load ("/nonexistent-sipsim/none.ini", &err));
  g_assert_true (g_error_matches (err, SCENARIO_ERROR, SCENARIO_ERROR_IO));
  g_assert_true (g_str_has_prefix (err->message, "/nonexistent-sipsim/none.ini:0: "));
  g_clear_error (&err);
  g_assert_null (scenario_load_from_data ("[scenario]\nduration = 1h\n\xff\n", "t.ini", NULL, &err));
  g_assert_true (g_error_matches (err, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX));
  g_assert_true (strstr (err->message, "t.ini:0: expected UTF-8"));
}

static void
test_err_unknown (void)
{
  load_err ("[scenario]\nduration = 1h\n[router r]\n", SCENARIO_ERROR_UNKNOWN,
            "t.ini:3: [router r]: unknown section", NULL);
  load_err ("[scenario]\nduration = 1h\n[nat n]\nmapping = EIM\nudp_timout = 30s\n",
            SCENARIO_ERROR_UNKNOWN, "t.ini:5: [nat n] udp_timout: unknown key",
            "udp_timeout_unreplied", NULL);
  load_err ("[scenario]\nduration = 1h\nlength = 2\n", SCENARIO_ERROR_UNKNOWN,
            "t.ini:3: [scenario] length: unknown key", NULL);
  /* A device parameter the device does not know: device_config_set's error. */
  load_err ("[scenario]\nduration = 1h\n[device phone]\nprofile = obihai\n"
            "X_KeepAliveExpire = 20\n", SCENARIO_ERROR_UNKNOWN,
            "t.ini:5: [device phone] X_KeepAliveExpire: unknown parameter 'X_KeepAliveExpire'",
            NULL);
  load_err ("[scenario]\nduration = 1h\n[device phone]\nprofile = obihai\n"
            "X_KeepAliveExpires = soon\n", SCENARIO_ERROR_VALUE,
            "t.ini:5: [device phone] X_KeepAliveExpires:", "got 'soon'", NULL);
  load_err ("[scenario]\nduration = 1h\n[fault f]\ntype = nat-reboot\nmtbf = 1m\n",
            SCENARIO_ERROR_UNKNOWN, "t.ini:5: [fault f] mtbf: unknown key",
            "type nat-reboot", NULL);
  load_err ("[scenario]\nduration = 1h\n[dns]\nrecords = 1\n", SCENARIO_ERROR_UNKNOWN,
            "t.ini:4: [dns] records: unknown key", NULL);
  load_err ("[scenario]\nduration = 1h\n[network x]\n", SCENARIO_ERROR_UNKNOWN,
            "t.ini:3: [network x]: expected [network] without a name", NULL);
}

static void
test_err_value (void)
{
  load_err ("[scenario]\nduration = 1h\n\n[network]\nlatency = 10 parsecs\n",
            SCENARIO_ERROR_VALUE, "t.ini:5: [network] latency: expected a duration",
            "got '10 parsecs'", NULL);
  load_err ("[scenario]\nduration = 1h\nwarmup = 1h\n", SCENARIO_ERROR_VALUE,
            "t.ini:3: [scenario] warmup: expected a warm-up shorter than the duration", NULL);
  load_err ("[scenario]\nduration = 1h\n[proxy p]\naddress = 10.0.0.256\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [proxy p] address: expected an IPv4 address", "got '10.0.0.256'", NULL);
  load_err ("[scenario]\nduration = 1h\n[proxy p]\naddress = 10.0.0.1\nmax_expires = 1.5\n",
            SCENARIO_ERROR_VALUE, "t.ini:5: [proxy p] max_expires: expected a whole number of seconds",
            NULL);
  load_err ("[scenario]\nduration = 1h\n[dns]\nzone = voip.test\nother.test = A 1.2.3.4\n",
            SCENARIO_ERROR_VALUE, "t.ini:5: [dns] other.test: expected an owner name inside a zone",
            NULL);
  load_err ("[scenario]\nduration = 1h\n[dns]\nx.voip.test = SRV 10 0 5060\n",
            SCENARIO_ERROR_VALUE, "t.ini:4: [dns] x.voip.test: expected a record", NULL);
  load_err ("[scenario]\nduration = 1h\n[fault f]\ntype = proxy-explode\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [fault f] type: expected a fault type", NULL);
  load_err ("[scenario]\nduration = 1h\n[proxy a]\naddress = 10.0.0.1\n"
            "[fault f]\ntype = link-cut\ntarget = a\nat = 1m\nduration = 0\n",
            SCENARIO_ERROR_VALUE, "t.ini:9: [fault f] duration: expected a cut length > 0", NULL);
  load_err ("[scenario]\nduration = 1h\n[proxy a]\naddress = 10.0.0.1\n"
            "[device a]\nprofile = rfc\n", SCENARIO_ERROR_VALUE,
            "t.ini:5: [device a]: expected a name not used by another", NULL);
  load_err ("[scenario]\nduration = 1h\n[sweep]\nx = 1, 2, 1\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [sweep] x: expected each value once", NULL);
  load_err ("[scenario]\nduration = 1h\n[sweep]\nx =\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [sweep] x: expected at least one value", NULL);
  load_err ("[scenario]\nduration = 1h\n[nat n]\nudp_timeout = ${x=}\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [nat n] udp_timeout: expected at least one value", NULL);
  load_err ("[scenario]\nduration = 1h\n[sweep]\nx = 1..5 step -1\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [sweep] x: expected a step", NULL);
  load_err ("[scenario]\nduration = 1h\n[sweep]\nx = 1..1000000\n", SCENARIO_ERROR_VALUE,
            "t.ini:4: [sweep] x:", "at most", NULL);
  /* A swept value that is bad at one point only: the line of the ${}
   * use, and the point. */
  load_err ("[scenario]\nduration = 1h\n[sweep]\nt = 30, 0x, 60\nu = a, b\n"
            "[nat n]\n\nudp_timeout = ${t}s\n", SCENARIO_ERROR_VALUE,
            "t.ini:8: [nat n] udp_timeout: expected a duration", "got '0xs'",
            "sweep point t=0x,u=a", NULL);
}

/* The TCP keys of [proxy] and [nat] (issue 13). */
static void
test_tcp_keys (void)
{
  g_autoptr (Scenario) sc = load_ok ("[scenario]\nduration = 1h\n"
                                     "[proxy a]\naddress = 10.0.0.1\ncrash_conns = reset\n"
                                     "restart_conns = silent\npath_ob = yes\n"
                                     "tcp_idle_timeout = 2m\n"
                                     "[nat n]\ntcp_unmapped = reset\ntcp_timeout = 300s\n");
  g_autoptr (RunSpec) s = scenario_instantiate (sc, 0, 0);
  SpecProxy *p = &g_array_index (s->proxies, SpecProxy, 0);
  g_assert_cmpint (p->cfg.crash_conns, ==, SIP_PROXY_CONNS_RESET);
  g_assert_cmpint (p->cfg.restart_conns, ==, SIP_PROXY_CONNS_SILENT);
  g_assert_true (p->cfg.path_ob);
  g_assert_cmpint (p->cfg.tcp_idle_timeout, ==, SIM_S (120));
  SpecNat *n = &g_array_index (s->nats, SpecNat, 0);
  g_assert_cmpint (n->settings.tcp_unmapped, ==, NAT_TCP_UNMAPPED_RESET);
  g_assert_cmpint (n->settings.tcp_timeout_established, ==, SIM_S (300));
  load_err ("[scenario]\nduration = 1h\n[proxy p]\naddress = 10.0.0.1\nrestart_conns = hang\n",
            SCENARIO_ERROR_VALUE, "t.ini:5: [proxy p] restart_conns: expected reset or silent",
            NULL);
  load_err ("[scenario]\nduration = 1h\n[nat n]\ntcp_unmapped = rst\n",
            SCENARIO_ERROR_VALUE, "t.ini:4: [nat n] tcp_unmapped: expected drop or reset", NULL);
}

static void
test_err_missing (void)
{
  load_err ("[network]\nlatency = 1ms\n", SCENARIO_ERROR_MISSING, "t.ini:0: [scenario]", NULL);
  load_err ("[scenario]\nname = x\n", SCENARIO_ERROR_MISSING,
            "t.ini:1: [scenario]: expected a key 'duration'", NULL);
  load_err ("[scenario]\nduration = 1h\n[proxy p]\nport = 5060\n", SCENARIO_ERROR_MISSING,
            "t.ini:3: [proxy p]: expected a key 'address'", NULL);
  load_err ("[scenario]\nduration = 1h\n[device d]\ncount = 2\n", SCENARIO_ERROR_MISSING,
            "t.ini:3: [device d]: expected a key 'profile'", NULL);
  load_err ("[scenario]\nduration = 1h\n[proxy a]\naddress = 10.0.0.1\n"
            "[fault f]\ntype = proxy-crash\ntarget = a\n", SCENARIO_ERROR_MISSING,
            "t.ini:5: [fault f]: expected a key 'at'", NULL);
  load_err ("[scenario]\nduration = 1h\n[dns]\nzone = a.test\n"
            "[fault f]\ntype = dns-mode\nat = 1s\nname = a.test\n",
            SCENARIO_ERROR_MISSING, "t.ini:5: [fault f]: expected a key 'mode'", NULL);
  load_err ("[scenario]\nduration = 1h\n[fault f]\ntype = dns-mode\nat = 1s\nname = a.test\n",
            SCENARIO_ERROR_VALUE, "t.ini:6: [fault f] name: expected a name inside a zone", NULL);
}

static void
test_err_reference (void)
{
  load_err ("[scenario]\nduration = 1h\n[nat n]\nudp_timeout = ${t}\n", SCENARIO_ERROR_REFERENCE,
            "t.ini:4: [nat n] udp_timeout: expected a defined sweep variable, got '${t}'", NULL);
  load_err ("[scenario]\nduration = 1h\n[device d]\nprofile = rfc\nnat = home\n",
            SCENARIO_ERROR_REFERENCE, "t.ini:5: [device d] nat: expected the name of a [nat NAME]",
            "got 'home'", NULL);
  load_err ("[scenario]\nduration = 1h\n[nat home]\n[fault f]\ntype = proxy-crash\ntarget = home\n"
            "at = 1s\n", SCENARIO_ERROR_REFERENCE,
            "t.ini:6: [fault f] target: expected the name of a [proxy NAME]", NULL);
  load_err ("[scenario]\nduration = 1h\n[sweep]\na = 1, 2\nzip = a, b\n", SCENARIO_ERROR_REFERENCE,
            "t.ini:5: [sweep] zip: expected a defined sweep variable, got 'b'", NULL);
  /* Zip lengths differ: both variables named. */
  load_err ("[scenario]\nduration = 1h\n[sweep]\na = 1, 2\nb = 1, 2, 3\nzip = a, b\n",
            SCENARIO_ERROR_VALUE, "t.ini:6: [sweep] zip: expected zipped variables of equal length",
            "'a' with 2", "'b' with 3", NULL);
  load_err ("[scenario]\nduration = 1h\n[sweep]\na = 1, 2\n[nat n]\nudp_timeout = ${a = 3}\n",
            SCENARIO_ERROR_VALUE, "t.ini:6: [nat n] udp_timeout: expected each sweep variable "
            "defined once", "t.ini:4", NULL);
  /* [calls NAME] (issue 16): references, values, required keys. */
  load_err ("[scenario]\nduration = 1h\n[calls c]\nfrom = nobody\nrate = 1/60\n",
            SCENARIO_ERROR_REFERENCE, "t.ini:4: [calls c] from: expected the name of a "
            "[device NAME]", "got 'nobody'", NULL);
  load_err ("[scenario]\nduration = 1h\n[device d]\nprofile = rfc\n[calls c]\nfrom = d\n"
            "to = e\nrate = 1/60\n", SCENARIO_ERROR_REFERENCE,
            "t.ini:7: [calls c] to: expected the name of a [device NAME], or sink", NULL);
  load_err ("[scenario]\nduration = 1h\n[device d]\nprofile = rfc\n[calls c]\nfrom = d\n"
            "rate = 0\n", SCENARIO_ERROR_VALUE, "t.ini:7: [calls c] rate: expected a rate > 0",
            NULL);
  load_err ("[scenario]\nduration = 1h\n[device d]\nprofile = rfc\n[calls c]\nfrom = d\n",
            SCENARIO_ERROR_MISSING, "[calls c]", "rate", NULL);
  load_err ("[scenario]\nduration = 1h\n[device d]\nprofile = rfc\n[calls c]\nfrom = d\n"
            "rate = 1\nhold = 0s\n", SCENARIO_ERROR_VALUE, "[calls c] hold: expected a mean hold "
            "time > 0", NULL);
}

/* Every ready scenario in scenarios/ loads: a key renamed in the code, or
 * a section kind added, cannot leave one of them broken unnoticed. */
static void
test_ready_scenarios_load (void)
{
  const char *root = g_getenv ("SIPSIM_SOURCE_ROOT");
  if (root == NULL)
    {
      g_test_skip ("SIPSIM_SOURCE_ROOT not set (meson test sets it)");
      return;
    }
  g_autofree char *dir = g_build_filename (root, "scenarios", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  guint n = 0;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_suffix (name, ".ini"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GError) err = NULL;
      g_autoptr (Scenario) sc = scenario_load (path, &err);
      if (sc == NULL)
        g_error ("%s: %s", name, err->message);
      n++;
    }
  g_assert_cmpuint (n, >=, 7);
}

/* ======================================================== 9-did-you-mean */

/* suggest.h: the distance counts insertions, deletions, substitutions and
 * neighbour swaps (each 1), case ignored; at most a third of the word's
 * length (1..3); a unique prefix also suggests. */
static void
test_suggest (void)
{
  static const char *const words[] = { "duration", "warmup", "seed", "replications", "name" };
  g_assert_cmpstr (suggest_closest ("duraton", words, 5), ==, "duration");   /* deletion */
  g_assert_cmpstr (suggest_closest ("durration", words, 5), ==, "duration"); /* insertion */
  g_assert_cmpstr (suggest_closest ("duratoin", words, 5), ==, "duration");  /* swap */
  g_assert_cmpstr (suggest_closest ("SEED", words, 5), ==, NULL);            /* same word: not a typo */
  g_assert_cmpstr (suggest_closest ("sede", words, 5), ==, "seed");          /* swap, len 4: limit 1 */
  g_assert_cmpstr (suggest_closest ("replic", words, 5), ==, "replications");/* unique prefix */
  g_assert_null (suggest_closest ("xyz", words, 5));
  g_assert_null (suggest_closest ("wxyzup", words, 5));   /* 3 edits from warmup, limit 6 / 3 = 2 */
  g_assert_cmpstr (suggest_closest ("wxyzupqqq", words, 5), ==, NULL);  /* 6 edits */
  g_assert_cmpstr (suggest_closest ("waarmmupp", words, 5), ==, "warmup"); /* 3 edits, limit 9 / 3 = 3 */
  g_autofree char *n = suggest_note_list ("udp_timout", "mapping, udp_timeout, [proxy NAME]");
  g_assert_cmpstr (n, ==, " (did you mean 'udp_timeout'?)");
  g_autofree char *p = suggest_note_list ("prxy", "scenario, [proxy NAME]");
  g_assert_cmpstr (p, ==, " (did you mean 'proxy'?)");
  g_autofree char *none = suggest_note_list ("zzz", "a, b");
  g_assert_cmpstr (none, ==, "");
}

/* Every unknown-name error of the loader suggests: section, [scenario]
 * key, a section's key, a device parameter (with its account prefix). */
static void
test_did_you_mean (void)
{
  load_err ("[scenario]\nduraton = 1h\n", SCENARIO_ERROR_UNKNOWN,
            "t.ini:2: [scenario] duraton: unknown key (did you mean 'duration'?)", NULL);
  load_err ("[scenario]\nduration = 1h\n[devce p]\n", SCENARIO_ERROR_UNKNOWN,
            "t.ini:3: [devce p]: unknown section", "(did you mean 'device'?)", NULL);
  load_err ("[scenario]\nduration = 1h\n[nat home]\nudp_timout = 30\n", SCENARIO_ERROR_UNKNOWN,
            "(did you mean 'udp_timeout'?)", NULL);
  load_err ("[scenario]\nduration = 1h\n[device p]\nprofile = obihai\nSP2::RegisterExpire = 60\n",
            SCENARIO_ERROR_UNKNOWN, "(did you mean 'SP2::RegisterExpires'?)", NULL);
  load_err ("[scenario]\nduration = 1h\n[device p]\nprofile = obihai\ncont = 2\n",
            SCENARIO_ERROR_UNKNOWN, "(did you mean 'count'?)", NULL);
}

/* A name becomes results/NAME.db: one path component only. */
static void
test_safe_name (void)
{
  load_err ("[scenario]\nname = ../../x\nduration = 1h\n", SCENARIO_ERROR_VALUE,
            "t.ini:2: [scenario] name: expected a name without '/'", NULL);
  load_err ("[scenario]\nname = a/b\nduration = 1h\n", SCENARIO_ERROR_VALUE, "name", NULL);
  load_err ("[scenario]\nname = ..\nduration = 1h\n", SCENARIO_ERROR_VALUE, "name", NULL);
  g_autoptr (Scenario) sc = load_ok ("[scenario]\nname = a.b-c_1\nduration = 1h\n");
  g_assert_cmpstr (scenario_get_name (sc), ==, "a.b-c_1");
}

/* -D: the override replaces the key in place (the parent's key order
 * kept), is recorded in the stored text, and errors name the argument. */
static void
test_overrides (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-scenario-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "base.ini", NULL);
  g_assert_true (g_file_set_contents (path,
    "[scenario]\nname = base\nduration = 1h\nreplications = 3\n"
    "[sweep]\nka = 15, 30\n"
    "[device phone]\nprofile = obihai\nSP1::ProxyServer = 192.0.2.1\n"
    "SP1::AuthUserName = a\nSP1::X_KeepAliveExpires = ${ka}\n", -1, NULL));
  const char *defs[] = { "scenario.replications=2", "sweep.ka=15, 30, 60",
                         "device phone.SP1::RegisterExpires=120", NULL };
  g_autoptr (GError) err = NULL;
  g_autoptr (Scenario) sc = scenario_load_overridden (path, defs, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (scenario_get_name (sc), ==, "base");
  g_assert_cmpuint (scenario_get_replications (sc), ==, 2);
  g_assert_cmpuint (scenario_get_n_points (sc), ==, 3);
  const char *text = scenario_get_text (sc);
  g_assert_nonnull (strstr (text, "# -D device phone.SP1::RegisterExpires=120 (command line)\n"
                                  "SP1::RegisterExpires = 120"));
  g_assert_null (strstr (text, "extends"));
  /* the same file without -D is another experiment text */
  g_autoptr (Scenario) plain = scenario_load (path, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (scenario_get_text (plain), !=, text);

  const char *bad_syntax[] = { "replications=2", NULL };
  g_assert_null (scenario_load_overridden (path, bad_syntax, &err));
  g_assert_nonnull (strstr (err->message, "-D replications=2: expected SECTION.KEY=VALUE"));
  g_clear_error (&err);
  const char *bad_section[] = { "devic phone.count=2", NULL };
  g_assert_null (scenario_load_overridden (path, bad_section, &err));
  g_assert_nonnull (strstr (err->message, "has no section [devic phone] (did you mean 'device phone'?)"));
  g_clear_error (&err);
  const char *bad_value[] = { "scenario.duration=soon", NULL };
  g_assert_null (scenario_load_overridden (path, bad_value, &err));
  g_assert_nonnull (strstr (err->message, "[scenario] duration: expected a duration"));
  g_clear_error (&err);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scenario/tcp-keys", test_tcp_keys);
  g_test_add_func ("/scenario/1-keys/durations", test_durations);
  g_test_add_func ("/scenario/9-names/suggest", test_suggest);
  g_test_add_func ("/scenario/9-names/did-you-mean", test_did_you_mean);
  g_test_add_func ("/scenario/9-names/safe-name", test_safe_name);
  g_test_add_func ("/scenario/9-names/overrides", test_overrides);
  g_test_add_func ("/scenario/1-keys/distributions", test_distributions);
  g_test_add_func ("/scenario/1-keys/small-values", test_small_values);
  g_test_add_func ("/scenario/1-keys/scenario-section", test_scenario_section);
  g_test_add_func ("/scenario/1-keys/world-every-section", test_world);
  g_test_add_func ("/scenario/1-keys/faults", test_faults);
  g_test_add_func ("/scenario/1-keys/live-section", test_live_section);
  g_test_add_func ("/scenario/1-keys/keyfile-syntax", test_keyfile_syntax);
  g_test_add_func ("/scenario/2-sweep/grid", test_grid);
  g_test_add_func ("/scenario/2-sweep/zip", test_zip);
  g_test_add_func ("/scenario/1-world/fidelity-keys", test_fidelity_keys);
  g_test_add_func ("/scenario/2-sweep/repeated-points", test_err_repeated_points);
  g_test_add_func ("/scenario/2-sweep/large-range-repeats", test_large_range_repeats);
  g_test_add_func ("/scenario/2-sweep/ranges", test_ranges);
  g_test_add_func ("/scenario/2-sweep/inline", test_inline);
  g_test_add_func ("/scenario/2-sweep/extends", test_extends);
  g_test_add_func ("/scenario/2-sweep/filter", test_filter);
  g_test_add_func ("/scenario/2-sweep/seeds", test_seeds);
  g_test_add_func ("/scenario/2-sweep/text-roundtrip", test_roundtrip);
  g_test_add_func ("/scenario/3-errors/io-and-encoding", test_err_io);
  g_test_add_func ("/scenario/3-errors/syntax", test_err_syntax);
  g_test_add_func ("/scenario/3-errors/unknown", test_err_unknown);
  g_test_add_func ("/scenario/3-errors/value", test_err_value);
  g_test_add_func ("/scenario/3-errors/missing", test_err_missing);
  g_test_add_func ("/scenario/3-errors/reference", test_err_reference);
  g_test_add_func ("/scenario/4-ready/every-scenario-loads", test_ready_scenarios_load);
  return g_test_run ();
}
