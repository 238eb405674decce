/*
 * tests/device-fixture.h - the world a phone lives in, for device tests:
 *
 *   phone 192.168.1.10 ──lan── 192.168.1.1 [gw] 203.0.113.2 ──wan── 203.0.113.1 [core]
 *                                 (NAT or plain router)                 │
 *                 ┌──────────────┬─────────────────┬─────────────────┬──┘
 *            192.0.2.53      198.51.100.10     198.51.100.20     198.51.100.30
 *              dns             proxy[0]          proxy[1]          proxy[2]
 *
 * Every link has the same one-way latency (default 10 ms), so a datagram
 * phone -> any server takes 3 x latency and a request/answer round trip 6
 * x latency; the DNS server answers at once unless configured.  With
 * nat = TRUE the gateway is a NAT (models/nat, default settings unless the
 * test passes its own); otherwise it routes and the servers route back.
 *
 * Usage:
 *   DeviceFixture fx;
 *   device_fixture_init (&fx, &(DeviceFixtureOptions) { .seed = 1, .nat = TRUE });
 *   dns_server_add (fx.dns, "_sip._udp.voip.test", &srv10, NULL); ...
 *   DeviceConfig cfg; device_config_init (&cfg, DEVICE_PROFILE_OBIHAI);
 *   device_config_set (&cfg, "ProxyServer", "voip.test", NULL); ...
 *   device_fixture_start_device (&fx, &cfg);   (adds DNSServer1 = the fixture's DNS)
 *   sim_world_run_until (fx.world, SIM_S (600));
 *   device_fixture_clear (&fx);
 *
 * SIPSIM_TEST_TRACE=1 in the environment prints the run's trace on stderr.
 *
 * Events of the device are recorded in fx.events (DeviceEvent copies,
 * with detail set to NULL) for the tests to search.
 */
#pragma once
#include "sim/net/net.h"
#include "sim/host/host-sim.h"
#include "models/dns/server.h"
#include "models/proxy/proxy.h"
#include "models/nat/nat.h"
#include "models/device/device.h"

/* Proxies a fixture can hold, and how many it has unless told. */
#define DEVICE_FIXTURE_PROXIES 4
#define DEVICE_FIXTURE_DEFAULT_PROXIES 3

typedef struct {
  guint64            seed;
  SimTime            latency;            /* one way per link; 0: 10 ms */
  gboolean           nat;
  const NatSettings *nat_settings;       /* NULL: nat_settings_init_default() */
  const SipProxyConfig *proxy_cfg;       /* NULL: sip_proxy_config_init() with stun
                                          * and outbound on */
  guint              n_proxies;          /* 0: DEVICE_FIXTURE_DEFAULT_PROXIES */
} DeviceFixtureOptions;

typedef struct {
  SimWorld  *world;
  SimNet    *net;
  SimNode   *phone_node, *gw_node, *core_node, *dns_node;
  SimNode   *proxy_node[DEVICE_FIXTURE_PROXIES];
  SimLink   *lan, *wan, *dns_link;
  SimLink   *proxy_link[DEVICE_FIXTURE_PROXIES];
  SimHost   *phone_host, *dns_host;
  SimHost   *proxy_host[DEVICE_FIXTURE_PROXIES];
  DnsServer *dns;
  SipProxy  *proxy[DEVICE_FIXTURE_PROXIES];
  SimIp4     proxy_ip[DEVICE_FIXTURE_PROXIES];
  guint      n_proxies;
  Nat       *nat;                        /* NULL without NAT */
  Device    *device;
  GArray    *events;                     /* DeviceEvent */
  SimTime    latency;
} DeviceFixture;

#define DEVICE_FIXTURE_PHONE_IP  SIM_IP4 (192, 168, 1, 10)
#define DEVICE_FIXTURE_PUBLIC_IP SIM_IP4 (203, 0, 113, 2)
#define DEVICE_FIXTURE_DNS_IP    SIM_IP4 (192, 0, 2, 53)

static void
device_fixture_on_event (Device *dev, const DeviceEvent *ev, gpointer user_data)
{
  DeviceFixture *fx = user_data;
  DeviceEvent copy = *ev;
  (void) dev;
  copy.detail = NULL;
  g_array_append_val (fx->events, copy);
}

static inline void
device_fixture_init (DeviceFixture *fx, const DeviceFixtureOptions *opt)
{
  memset (fx, 0, sizeof *fx);
  fx->latency = opt->latency > 0 ? opt->latency : SIM_MS (10);
  fx->n_proxies = opt->n_proxies > 0 ? MIN (opt->n_proxies, DEVICE_FIXTURE_PROXIES)
                                     : DEVICE_FIXTURE_DEFAULT_PROXIES;
  SimLinkConfig lc = { .latency = fx->latency };
  fx->world = sim_world_new (opt->seed);
  fx->net = sim_net_new (fx->world);
  if (g_getenv ("SIPSIM_TEST_TRACE"))       /* debugging aid: the run's trace on stderr */
    sim_world_set_trace_file (fx->world, stderr);
  fx->phone_node = sim_node_new (fx->net, "phone", NULL);
  fx->gw_node = sim_node_new (fx->net, "gw", NULL);
  fx->core_node = sim_node_new (fx->net, "core", NULL);
  fx->dns_node = sim_node_new (fx->net, "dns", NULL);

  SimIface *p0 = sim_node_add_iface (fx->phone_node, DEVICE_FIXTURE_PHONE_IP, 24);
  SimIface *g0 = sim_node_add_iface (fx->gw_node, SIM_IP4 (192, 168, 1, 1), 24);
  SimIface *g1 = sim_node_add_iface (fx->gw_node, DEVICE_FIXTURE_PUBLIC_IP, 24);
  SimIface *c0 = sim_node_add_iface (fx->core_node, SIM_IP4 (203, 0, 113, 1), 24);
  SimIface *c1 = sim_node_add_iface (fx->core_node, SIM_IP4 (192, 0, 2, 1), 24);
  SimIface *d0 = sim_node_add_iface (fx->dns_node, DEVICE_FIXTURE_DNS_IP, 24);
  sim_node_set_default_route (fx->phone_node, p0);
  sim_node_set_default_route (fx->gw_node, g1);
  sim_node_set_forwarding (fx->gw_node, TRUE);
  sim_node_set_forwarding (fx->core_node, TRUE);
  sim_node_set_default_route (fx->dns_node, d0);
  fx->lan = sim_link_new (fx->net, p0, g0, &lc);
  fx->wan = sim_link_new (fx->net, g1, c0, &lc);
  fx->dns_link = sim_link_new (fx->net, c1, d0, &lc);
  if (!opt->nat)
    /* A plain router: the core must know the way back to the LAN. */
    sim_node_add_route (fx->core_node, SIM_IP4 (192, 168, 1, 0), 24, c0);

  for (guint i = 0; i < fx->n_proxies; i++) {
    char name[16];
    g_snprintf (name, sizeof name, "proxy%u", i);
    fx->proxy_node[i] = sim_node_new (fx->net, name, NULL);
    /* One /29 per proxy: .8/29, .16/29, .24/29, .40/29; the core is the
     * address below the proxy's: core .9/.19/.29/.41, proxy .10/.20/.30/.42
     * (.40 would not share a /29 with .39). */
    static const guint8 proxy_host_byte[DEVICE_FIXTURE_PROXIES] = { 10, 20, 30, 42 };
    guint8 hb = proxy_host_byte[i];
    SimIface *ci = sim_node_add_iface (fx->core_node, SIM_IP4 (198, 51, 100, hb - 1), 29);
    fx->proxy_ip[i] = SIM_IP4 (198, 51, 100, hb);
    SimIface *si = sim_node_add_iface (fx->proxy_node[i], fx->proxy_ip[i], 29);
    sim_node_set_default_route (fx->proxy_node[i], si);
    fx->proxy_link[i] = sim_link_new (fx->net, ci, si, &lc);
    fx->proxy_host[i] = sim_host_new (fx->proxy_node[i], name);
    SipProxyConfig pc;
    if (opt->proxy_cfg)
      pc = *opt->proxy_cfg;
    else {
      /* The device tests' registrar answers STUN and supports outbound
       * (both off in sip_proxy_config_init since issue 14): the tests
       * that check the shipped defaults pass their own config. */
      sip_proxy_config_init (&pc);
      pc.stun = TRUE;
      pc.outbound = TRUE;
    }
    GError *err = NULL;
    fx->proxy[i] = sip_proxy_new (fx->proxy_host[i], &pc, &err);
    g_assert_no_error (err);
  }

  if (opt->nat) {
    NatSettings ns;
    if (opt->nat_settings)
      ns = *opt->nat_settings;
    else
      nat_settings_init_default (&ns);
    fx->nat = nat_new (fx->gw_node, g1, &ns, "gw");
  }

  fx->dns_host = sim_host_new (fx->dns_node, "dns");
  GError *err = NULL;
  fx->dns = dns_server_new (fx->dns_host, NULL, &err);
  g_assert_no_error (err);
  fx->phone_host = sim_host_new (fx->phone_node, "phone");
  fx->events = g_array_new (FALSE, TRUE, sizeof (DeviceEvent));
}

/* Adds DNSServer1 = the fixture's DNS server to @cfg (a copy is made),
 * creates the device, records its events and powers it on now. */
static inline Device *
device_fixture_start_device (DeviceFixture *fx, const DeviceConfig *cfg)
{
  DeviceConfig c;
  device_config_copy (&c, cfg);
  if (c.n_dns_servers == 0) {
    c.dns_servers[0] = (SimSockAddr) { DEVICE_FIXTURE_DNS_IP, 53 };
    c.n_dns_servers = 1;
  }
  GError *err = NULL;
  fx->device = device_new (fx->phone_host, &c, &err);
  g_assert_no_error (err);
  device_config_clear (&c);
  device_set_event_func (fx->device, device_fixture_on_event, fx);
  device_start (fx->device);
  return fx->device;
}

/* Adds an A record (TTL @ttl_s) to the zone "test", creating the zone on
 * first use. */
static inline void
device_fixture_add_a (DeviceFixture *fx, const char *name, SimIp4 ip, guint32 ttl_s)
{
  dns_server_add_zone (fx->dns, "test", NULL);
  DnsRecord rr = { .type = DNS_TYPE_A, .ttl_s = ttl_s, .ip = ip };
  GError *err = NULL;
  dns_server_add (fx->dns, name, &rr, &err);
  g_assert_no_error (err);
}

static inline void
device_fixture_add_srv (DeviceFixture *fx, const char *name, guint16 priority, guint16 weight,
                        guint16 port, const char *target, guint32 ttl_s)
{
  dns_server_add_zone (fx->dns, "test", NULL);
  DnsRecord rr = { .type = DNS_TYPE_SRV, .ttl_s = ttl_s, .priority = priority,
                   .weight = weight, .port = port, .target = target };
  GError *err = NULL;
  dns_server_add (fx->dns, name, &rr, &err);
  g_assert_no_error (err);
}

/* The @nth (0-based) event of @kind for account @account at or after
 * @after; NULL if none. */
static inline const DeviceEvent *
device_fixture_find_event (const DeviceFixture *fx, DeviceEventKind kind, guint account,
                           SimTime after, guint nth)
{
  for (guint i = 0; i < fx->events->len; i++) {
    const DeviceEvent *ev = &g_array_index (fx->events, DeviceEvent, i);
    if (ev->kind == kind && ev->account == account && ev->time >= after) {
      if (nth == 0)
        return ev;
      nth--;
    }
  }
  return NULL;
}

static inline guint
device_fixture_count_events (const DeviceFixture *fx, DeviceEventKind kind, guint account,
                             SimTime from, SimTime to)
{
  guint n = 0;
  for (guint i = 0; i < fx->events->len; i++) {
    const DeviceEvent *ev = &g_array_index (fx->events, DeviceEvent, i);
    if (ev->kind == kind && ev->account == account && ev->time >= from && ev->time < to)
      n++;
  }
  return n;
}

/* The world's teardown without the device: for tests that build none, or
 * free their own first. */
static inline void
device_fixture_clear_world (DeviceFixture *fx)
{
  dns_server_free (fx->dns);
  for (guint i = 0; i < fx->n_proxies; i++) {
    sip_proxy_free (fx->proxy[i]);
    host_free (fx->proxy_host[i]);
  }
  nat_free (fx->nat);
  host_free (fx->phone_host);
  host_free (fx->dns_host);
  g_array_free (fx->events, TRUE);
  sim_net_free (fx->net);
  sim_world_free (fx->world);
}

static inline void
device_fixture_clear (DeviceFixture *fx)
{
  device_free (fx->device);
  fx->device = NULL;
  device_fixture_clear_world (fx);
}
