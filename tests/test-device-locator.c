/*
 * tests/test-device-locator.c - server lookup (models/device/locator.h):
 * the three lookup orders (B11 OBi, B13 Aastra, RFC 3263 §4.2), candidate
 * lists (B12, RFC 2782), the TTL cache (B17), DNS failures and cancel.
 *
 * World: tests/device-fixture.h.  The phone reaches the DNS server over
 * three links of L = 10 ms each, so one question and its answer take
 * RTT = 6 L = 60 ms; the server answers at once.  The order in which a
 * device asks is read from the server's per-name query counters
 * (dns_server_get_query_count) and from the time the list arrives:
 * k questions asked one after another take k x RTT.
 *
 * Failure timing follows resolver.h: one server, 4 tries (c-ares 1.18
 * default), attempt k waits 5 s << k; SERVFAIL ends an attempt at once.
 */
#include <string.h>

#include "tests/device-fixture.h"
#include "sim/host/resolver.h"
#include "models/device/locator.h"

#define L   SIM_MS (10)
#define RTT (6 * L)

typedef struct {
  DeviceFixture  fx;
  HostResolver  *res;
  SimRng         rng;
  DeviceLocator *loc;
  GString       *trace;
} Loc;

static void
on_trace (SimWorld *world, const char *line, gpointer user_data)
{
  (void) world;
  g_string_append (user_data, line);
  g_string_append_c (user_data, '\n');
}

static void
loc_init_seed (Loc *t, guint64 seed)
{
  device_fixture_init (&t->fx, &(DeviceFixtureOptions) { .seed = seed, .latency = L });
  g_autoptr (GError) err = NULL;
  t->res = host_resolver_new (t->fx.phone_host, &(SimSockAddr) { DEVICE_FIXTURE_DNS_IP, 53 }, 1,
                              NULL, &err);
  g_assert_no_error (err);
  host_rng_init (t->fx.phone_host, &t->rng, "device");
  t->loc = device_locator_new (t->fx.phone_host, t->res, &t->rng);
  t->trace = g_string_new (NULL);
  sim_world_set_trace_func (t->fx.world, on_trace, t->trace, NULL);
  /* The zone exists even in tests that add no record. */
  dns_server_add_zone (t->fx.dns, "test", NULL);
}

static void
loc_init (Loc *t)
{
  loc_init_seed (t, 1);
}

/* device_fixture_clear() without a Device: these tests need none. */
static void
loc_clear (Loc *t)
{
  device_locator_free (t->loc);
  host_resolver_free (t->res);
  device_fixture_clear_world (&t->fx);
  g_string_free (t->trace, TRUE);
}

typedef struct {
  Loc              *t;
  int               calls;
  SimTime           at;
  DeviceServerList *list;
} Got;

static void
on_located (DeviceLocateRequest *req, DeviceServerList *list, gpointer user_data)
{
  Got *g = user_data;
  (void) req;
  g->calls++;
  g->at = host_now (g->t->fx.phone_host);
  device_server_list_free (g->list);
  g->list = list;
}

static void
got_clear (Got *g)
{
  device_server_list_free (g->list);
  g->list = NULL;
}

/* Starts a resolve now, checks it does not call back inside the call,
 * runs the world @run further and checks exactly one callback.  Returns
 * the time the list took. */
static SimTime
resolve (Loc *t, Got *g, const char *name, guint16 port, DeviceLookupOrder order,
         gboolean use_cache, gboolean fresh, SimTime run)
{
  got_clear (g);
  g->t = t;
  g->calls = 0;
  SimTime start = sim_world_now (t->fx.world);
  DeviceLocateRequest *req = device_locator_resolve (t->loc, name, port, order, use_cache, fresh,
                                                     on_located, g);
  g_assert_nonnull (req);
  g_assert_cmpint (g->calls, ==, 0);
  sim_world_run_for (t->fx.world, run);
  g_assert_cmpint (g->calls, ==, 1);
  g_assert_nonnull (g->list);
  return g->at - start;
}

static guint64
qcount (Loc *t, const char *name, guint16 type)
{
  return dns_server_get_query_count (t->fx.dns, name, type);
}

static void
assert_cand (const DeviceServerList *l, guint i, SimIp4 ip, guint16 port, guint16 prio)
{
  g_assert_cmpuint (i, <, l->n);
  g_assert_cmpuint (l->c[i].addr.ip, ==, ip);
  g_assert_cmpuint (l->c[i].addr.port, ==, port);
  g_assert_cmpuint (l->c[i].priority, ==, prio);
}

#define P0 (t.fx.proxy_ip[0])
#define P1 (t.fx.proxy_ip[1])
#define P2 (t.fx.proxy_ip[2])

/* ---------------------------------------------------------- 1-literal */

/* B13: an IP and port 0 -> 5060 without DNS; any order does the same.
 * The callback still comes from the event loop, at the same instant. */
static void
test_literal (void)
{
  Loc t;
  loc_init (&t);
  Got g = { 0 };
  const DeviceLookupOrder orders[] = { DEVICE_LOOKUP_OBI, DEVICE_LOOKUP_RFC3263,
                                       DEVICE_LOOKUP_AASTRA };
  for (guint i = 0; i < G_N_ELEMENTS (orders); i++) {
    SimTime took = resolve (&t, &g, "198.51.100.20", 0, orders[i], TRUE, FALSE, SIM_S (1));
    g_assert_cmpint (took, ==, 0);
    g_assert_cmpint (g.list->status, ==, DEVICE_LOCATE_OK);
    g_assert_cmpuint (g.list->n, ==, 1);
    assert_cand (g.list, 0, SIM_IP4 (198, 51, 100, 20), 5060, 0);
    g_assert_cmpint (g.list->expires_at, ==, G_MAXINT64);
    g_assert_cmpuint (g.list->queries, ==, 0);
    g_assert_cmpstr (g.list->description, ==, "literal");
  }
  resolve (&t, &g, "198.51.100.20", 5070, DEVICE_LOOKUP_AASTRA, TRUE, FALSE, SIM_S (1));
  assert_cand (g.list, 0, SIM_IP4 (198, 51, 100, 20), 5070, 0);
  DnsServerStats st;
  dns_server_get_stats (t.fx.dns, &st);
  g_assert_cmpuint (st.queries, ==, 0);
  got_clear (&g);
  loc_clear (&t);
}

/* -------------------------------------------------------------- 2-obi */

/* B11 step 1: A and both SRV exist; the A record wins, with the configured
 * port, or 5060 when it is 0; no SRV question is asked.  One RTT. */
static void
test_obi_a_wins (void)
{
  Loc t;
  loc_init (&t);
  device_fixture_add_a (&t.fx, "voip.test", P0, 300);
  device_fixture_add_srv (&t.fx, "voip.test", 10, 0, 5080, "sip2.voip.test", 300);
  device_fixture_add_srv (&t.fx, "_sip._udp.voip.test", 10, 0, 5090, "sip2.voip.test", 300);
  device_fixture_add_a (&t.fx, "sip2.voip.test", P1, 300);
  Got g = { 0 };
  SimTime took = resolve (&t, &g, "voip.test", 5070, DEVICE_LOOKUP_OBI, FALSE, FALSE, SIM_S (60));
  g_assert_cmpint (took, ==, RTT);
  g_assert_cmpint (g.list->status, ==, DEVICE_LOCATE_OK);
  g_assert_cmpuint (g.list->n, ==, 1);
  assert_cand (g.list, 0, P0, 5070, 0);
  g_assert_cmpstr (g.list->c[0].host, ==, "voip.test");
  g_assert_cmpstr (g.list->description, ==, "A voip.test");
  g_assert_cmpuint (g.list->queries, ==, 1);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 1);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_SRV), ==, 0);
  g_assert_cmpuint (qcount (&t, "_sip._udp.voip.test", DNS_TYPE_SRV), ==, 0);

  resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_OBI, FALSE, FALSE, SIM_S (60));
  assert_cand (g.list, 0, P0, 5060, 0);
  got_clear (&g);
  loc_clear (&t);
}

/* B11 step 2: no A on the name, SRV on the bare name -> SRV used, port from
 * the record (5080), the configured 5070 ignored.  Questions: A(name)
 * (NODATA), SRV(name), A(target): 3 RTT; _sip._udp never asked. */
static void
test_obi_srv_bare (void)
{
  Loc t;
  loc_init (&t);
  device_fixture_add_srv (&t.fx, "voip.test", 10, 0, 5080, "sip1.voip.test", 300);
  device_fixture_add_srv (&t.fx, "_sip._udp.voip.test", 10, 0, 5090, "sip2.voip.test", 300);
  device_fixture_add_a (&t.fx, "sip1.voip.test", P0, 300);
  device_fixture_add_a (&t.fx, "sip2.voip.test", P1, 300);
  Got g = { 0 };
  SimTime took = resolve (&t, &g, "voip.test", 5070, DEVICE_LOOKUP_OBI, FALSE, FALSE, SIM_S (60));
  g_assert_cmpint (took, ==, 3 * RTT);
  g_assert_cmpuint (g.list->n, ==, 1);
  assert_cand (g.list, 0, P0, 5080, 10);
  g_assert_cmpstr (g.list->c[0].host, ==, "sip1.voip.test");
  g_assert_cmpstr (g.list->description, ==, "SRV voip.test");
  g_assert_cmpuint (g.list->queries, ==, 3);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 1);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_SRV), ==, 1);
  g_assert_cmpuint (qcount (&t, "_sip._udp.voip.test", DNS_TYPE_SRV), ==, 0);
  g_assert_cmpuint (qcount (&t, "sip1.voip.test", DNS_TYPE_A), ==, 1);
  g_assert_cmpuint (qcount (&t, "sip2.voip.test", DNS_TYPE_A), ==, 0);
  got_clear (&g);
  loc_clear (&t);
}

/* B11 step 3: only _sip._udp SRV -> used after A and bare SRV failed:
 * 4 questions in sequence, 4 RTT. */
static void
test_obi_srv_sip_udp (void)
{
  Loc t;
  loc_init (&t);
  device_fixture_add_srv (&t.fx, "_sip._udp.voip.test", 10, 0, 5090, "sip2.voip.test", 300);
  device_fixture_add_a (&t.fx, "sip2.voip.test", P1, 300);
  Got g = { 0 };
  SimTime took = resolve (&t, &g, "voip.test", 5070, DEVICE_LOOKUP_OBI, FALSE, FALSE, SIM_S (60));
  g_assert_cmpint (took, ==, 4 * RTT);
  g_assert_cmpint (g.list->status, ==, DEVICE_LOCATE_OK);
  g_assert_cmpuint (g.list->n, ==, 1);
  assert_cand (g.list, 0, P1, 5090, 10);
  g_assert_cmpstr (g.list->description, ==, "SRV _sip._udp.voip.test");
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 1);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_SRV), ==, 1);
  g_assert_cmpuint (qcount (&t, "_sip._udp.voip.test", DNS_TYPE_SRV), ==, 1);
  g_assert_cmpuint (qcount (&t, "sip2.voip.test", DNS_TYPE_A), ==, 1);
  g_assert_nonnull (strstr (t.trace->str, "dev dns SRV _sip._udp.voip.test -> 1 candidate"));
  got_clear (&g);
  loc_clear (&t);
}

/* B11 step 4: nothing -> FAILED ("901") after the three questions (3 RTT),
 * dns_status the last one's: the name holds nothing, so NXDOMAIN. */
static void
test_obi_nothing (void)
{
  Loc t;
  loc_init (&t);
  Got g = { 0 };
  SimTime took = resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_OBI, TRUE, FALSE, SIM_S (60));
  g_assert_cmpint (took, ==, 3 * RTT);
  g_assert_cmpint (g.list->status, ==, DEVICE_LOCATE_FAILED);
  g_assert_cmpint (g.list->dns_status, ==, HOST_DNS_NXDOMAIN);
  g_assert_cmpuint (g.list->n, ==, 0);
  g_assert_cmpuint (g.list->queries, ==, 3);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 1);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_SRV), ==, 1);
  g_assert_cmpuint (qcount (&t, "_sip._udp.voip.test", DNS_TYPE_SRV), ==, 1);
  /* Negative answers are not cached: asking again asks again. */
  g_assert_cmpuint (device_locator_cache_size (t.loc), ==, 0);
  resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_OBI, TRUE, FALSE, SIM_S (60));
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 2);
  g_assert_nonnull (strstr (t.trace->str, "dev dns voip.test -> failed (nxdomain)"));
  got_clear (&g);
  loc_clear (&t);
}

/* B12: several A records -> one candidate each, all with priority 0. */
static void
test_obi_several_a (void)
{
  Loc t;
  loc_init (&t);
  device_fixture_add_a (&t.fx, "voip.test", P0, 300);
  device_fixture_add_a (&t.fx, "voip.test", P1, 300);
  device_fixture_add_a (&t.fx, "voip.test", P2, 300);
  Got g = { 0 };
  resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_OBI, FALSE, FALSE, SIM_S (60));
  g_assert_cmpuint (g.list->n, ==, 3);
  gboolean seen[3] = { FALSE };
  for (guint i = 0; i < 3; i++) {
    g_assert_cmpuint (g.list->c[i].priority, ==, 0);
    g_assert_cmpuint (g.list->c[i].weight, ==, 0);
    g_assert_cmpuint (g.list->c[i].addr.port, ==, 5060);
    for (guint k = 0; k < 3; k++)
      if (g.list->c[i].addr.ip == t.fx.proxy_ip[k])
        seen[k] = TRUE;
  }
  g_assert_true (seen[0] && seen[1] && seen[2]);
  g_assert_cmpint (device_server_list_find (g.list, &(SimSockAddr) { P1, 5060 }), >=, 0);
  g_assert_cmpint (device_server_list_find (g.list, &(SimSockAddr) { P1, 5061 }), ==, -1);
  got_clear (&g);
  loc_clear (&t);
}

/* ----------------------------------------------------------- 3-aastra */

static void
add_two_level_srv (Loc *t, const char *name)
{
  /* Added in the "wrong" order: priority 20 first in the answer. */
  device_fixture_add_srv (&t->fx, name, 20, 0, 5072, "b.voip.test", 300);
  device_fixture_add_srv (&t->fx, name, 10, 0, 5071, "a.voip.test", 300);
  device_fixture_add_a (&t->fx, "a.voip.test", t->fx.proxy_ip[0], 300);
  device_fixture_add_a (&t->fx, "b.voip.test", t->fx.proxy_ip[1], 300);
}

/* B13: FQDN and port 0 -> SRV(_sip._udp), lowest priority first, SRV ports;
 * the A of the name exists but is never asked.  The two A(target)
 * questions go out together: SRV RTT + one more RTT. */
static void
test_aastra_srv (void)
{
  for (guint64 seed = 1; seed <= 5; seed++) {
    Loc t;
    loc_init_seed (&t, seed);
    add_two_level_srv (&t, "_sip._udp.voip.test");
    device_fixture_add_a (&t.fx, "voip.test", P2, 300);
    Got g = { 0 };
    SimTime took = resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_AASTRA, FALSE, FALSE,
                            SIM_S (60));
    g_assert_cmpint (took, ==, 2 * RTT);
    g_assert_cmpuint (g.list->n, ==, 2);
    assert_cand (g.list, 0, P0, 5071, 10);
    assert_cand (g.list, 1, P1, 5072, 20);
    g_assert_cmpstr (g.list->c[0].host, ==, "a.voip.test");
    g_assert_cmpstr (g.list->c[1].host, ==, "b.voip.test");
    g_assert_cmpuint (g.list->queries, ==, 3);
    g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 0);
    g_assert_nonnull (strstr (t.trace->str, "dev dns SRV _sip._udp.voip.test -> 2 candidates"));
    got_clear (&g);
    loc_clear (&t);
  }
}

/* B13: FQDN and port 5060 -> A only, no SRV question. */
static void
test_aastra_port_a_only (void)
{
  Loc t;
  loc_init (&t);
  add_two_level_srv (&t, "_sip._udp.voip.test");
  device_fixture_add_a (&t.fx, "voip.test", P2, 300);
  Got g = { 0 };
  SimTime took = resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_AASTRA, FALSE, FALSE,
                          SIM_S (60));
  g_assert_cmpint (took, ==, RTT);
  g_assert_cmpuint (g.list->n, ==, 1);
  assert_cand (g.list, 0, P2, 5060, 0);
  g_assert_cmpuint (qcount (&t, "_sip._udp.voip.test", DNS_TYPE_SRV), ==, 0);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_SRV), ==, 0);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 1);
  got_clear (&g);
  loc_clear (&t);
}

/* B13 (and RFC 3263 §4.2): port 0, no SRV -> A(name) on 5060 after the
 * SRV question: 2 RTT. */
static void
test_srv_then_a_fallback (void)
{
  const DeviceLookupOrder orders[] = { DEVICE_LOOKUP_AASTRA, DEVICE_LOOKUP_RFC3263 };
  for (guint i = 0; i < G_N_ELEMENTS (orders); i++) {
    Loc t;
    loc_init (&t);
    device_fixture_add_a (&t.fx, "voip.test", P2, 300);
    Got g = { 0 };
    SimTime took = resolve (&t, &g, "voip.test", 0, orders[i], FALSE, FALSE, SIM_S (60));
    g_assert_cmpint (took, ==, 2 * RTT);
    g_assert_cmpuint (g.list->n, ==, 1);
    assert_cand (g.list, 0, P2, 5060, 0);
    g_assert_cmpuint (qcount (&t, "_sip._udp.voip.test", DNS_TYPE_SRV), ==, 1);
    g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 1);
    g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_SRV), ==, 0);
    got_clear (&g);
    loc_clear (&t);
  }
}

/* ---------------------------------------------------------- 4-rfc3263 */

/* §4.2: no port -> SRV(_sip._udp) targets, priorities 10 then 20, SRV
 * ports; port given -> A only. */
static void
test_rfc3263 (void)
{
  Loc t;
  loc_init (&t);
  add_two_level_srv (&t, "_sip._udp.voip.test");
  device_fixture_add_a (&t.fx, "voip.test", P2, 300);
  Got g = { 0 };
  resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_RFC3263, FALSE, FALSE, SIM_S (60));
  g_assert_cmpuint (g.list->n, ==, 2);
  assert_cand (g.list, 0, P0, 5071, 10);
  assert_cand (g.list, 1, P1, 5072, 20);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 0);

  SimTime took = resolve (&t, &g, "voip.test", 5099, DEVICE_LOOKUP_RFC3263, FALSE, FALSE,
                          SIM_S (60));
  g_assert_cmpint (took, ==, RTT);
  g_assert_cmpuint (g.list->n, ==, 1);
  assert_cand (g.list, 0, P2, 5099, 0);
  g_assert_cmpuint (qcount (&t, "_sip._udp.voip.test", DNS_TYPE_SRV), ==, 1);
  got_clear (&g);
  loc_clear (&t);
}

/* locator.h note 2: a target with two A records gives two entries with
 * its priority and weight; a target without an address and a "." target
 * are left out; the order of the records follows RFC 2782, not the order
 * the A answers come back in. */
static void
test_srv_targets (void)
{
  Loc t;
  loc_init (&t);
  const char *s = "_sip._udp.voip.test";
  device_fixture_add_srv (&t.fx, s, 30, 0, 5063, "gone.voip.test", 300);   /* no A */
  device_fixture_add_srv (&t.fx, s, 20, 5, 5062, "two.voip.test", 300);
  device_fixture_add_srv (&t.fx, s, 10, 0, 5061, "one.voip.test", 300);
  device_fixture_add_a (&t.fx, "one.voip.test", P0, 300);
  device_fixture_add_a (&t.fx, "two.voip.test", P1, 300);
  device_fixture_add_a (&t.fx, "two.voip.test", P2, 300);
  Got g = { 0 };
  resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_RFC3263, FALSE, FALSE, SIM_S (60));
  g_assert_cmpuint (g.list->n, ==, 3);
  assert_cand (g.list, 0, P0, 5061, 10);
  assert_cand (g.list, 1, g.list->c[1].addr.ip, 5062, 20);
  assert_cand (g.list, 2, g.list->c[2].addr.ip, 5062, 20);
  g_assert_cmpuint (g.list->c[1].weight, ==, 5);
  g_assert_true ((g.list->c[1].addr.ip == P1 && g.list->c[2].addr.ip == P2) ||
                 (g.list->c[1].addr.ip == P2 && g.list->c[2].addr.ip == P1));
  g_assert_cmpuint (qcount (&t, "gone.voip.test", DNS_TYPE_A), ==, 1);
  g_assert_cmpuint (g.list->queries, ==, 4);
  got_clear (&g);
  loc_clear (&t);
}

/* More SRV records than locator.c keeps its scratch arrays for on the
 * stack (SCRATCH_N = 16): 17 targets, inserted in falling priority, come
 * back in rising priority (RFC 2782), each with its own address, and no
 * target is asked twice.  Names are one letter so the answer stays within
 * 512 bytes. */
static void
test_srv_many_records (void)
{
  Loc t;
  loc_init (&t);
  const char *s = "_sip._udp.voip.test";
  for (guint i = 0; i < 17; i++)
    {
      char target[16];
      g_snprintf (target, sizeof target, "%c.test", 'a' + i);
      device_fixture_add_srv (&t.fx, s, (guint16) (17 - i), 0, 5060, target, 300);
      device_fixture_add_a (&t.fx, target, SIM_IP4 (192, 0, 2, 17 - i), 300);
    }
  Got g = { 0 };
  resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_RFC3263, FALSE, FALSE, SIM_S (60));
  g_assert_cmpuint (g.list->n, ==, 17);
  for (guint i = 0; i < 17; i++)
    assert_cand (g.list, i, SIM_IP4 (192, 0, 2, i + 1), 5060, (guint16) (i + 1));
  for (guint i = 0; i < 17; i++)
    {
      char target[16];
      g_snprintf (target, sizeof target, "%c.test", 'a' + i);
      g_assert_cmpuint (qcount (&t, target, DNS_TYPE_A), ==, 1);
    }
  got_clear (&g);
  loc_clear (&t);
}

/* ------------------------------------------------------------ 5-cache */

/* B17: within the TTL a second resolve asks nothing and returns the same
 * addresses, at once; expires_at = answer time + TTL; after the TTL it asks
 * again. */
static void
test_cache_a (void)
{
  Loc t;
  loc_init (&t);
  device_fixture_add_a (&t.fx, "voip.test", P0, 60);
  Got g = { 0 };
  resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_RFC3263, TRUE, FALSE, SIM_S (1));
  g_assert_cmpint (g.list->resolved_at, ==, RTT);
  g_assert_cmpint (g.list->expires_at, ==, RTT + SIM_S (60));
  g_assert_cmpuint (device_locator_cache_size (t.loc), ==, 1);
  g_autoptr (DeviceServerList) first = device_server_list_copy (g.list);

  sim_world_run_until (t.fx.world, SIM_S (30));
  SimTime took = resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_RFC3263, TRUE, FALSE,
                          SIM_S (1));
  g_assert_cmpint (took, ==, 0);
  g_assert_cmpuint (g.list->queries, ==, 0);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 1);
  g_assert_cmpuint (g.list->n, ==, first->n);
  g_assert_true (sim_sockaddr_equal (&g.list->c[0].addr, &first->c[0].addr));
  g_assert_cmpint (g.list->expires_at, ==, first->expires_at);
  g_assert_nonnull (strstr (t.trace->str, "dev dns A voip.test -> 1 candidate (cached)"));

  /* Past the TTL: the entry is stale, the question goes out again. */
  sim_world_run_until (t.fx.world, first->expires_at + SIM_S (1));
  g_assert_cmpuint (device_locator_cache_size (t.loc), ==, 0);
  took = resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_RFC3263, TRUE, FALSE, SIM_S (1));
  g_assert_cmpint (took, ==, RTT);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 2);
  g_assert_cmpuint (g.list->queries, ==, 1);
  got_clear (&g);
  loc_clear (&t);
}

/* B17: fresh = TRUE asks even within the TTL (and refills the cache);
 * use_cache = FALSE never reads or writes it. */
static void
test_cache_fresh_and_off (void)
{
  Loc t;
  loc_init (&t);
  device_fixture_add_a (&t.fx, "voip.test", P0, 600);
  Got g = { 0 };
  resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_OBI, FALSE, FALSE, SIM_S (1));
  g_assert_cmpuint (device_locator_cache_size (t.loc), ==, 0);
  resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_OBI, FALSE, FALSE, SIM_S (1));
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 2);
  g_assert_cmpuint (device_locator_cache_size (t.loc), ==, 0);

  resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_OBI, TRUE, FALSE, SIM_S (1));
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 3);
  g_assert_cmpuint (device_locator_cache_size (t.loc), ==, 1);
  SimTime t0 = sim_world_now (t.fx.world);
  SimTime took = resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_OBI, TRUE, TRUE, SIM_S (1));
  g_assert_cmpint (took, ==, RTT);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 4);
  /* The fresh answer refilled the entry: its expiry is this answer's. */
  SimTime exp = g.list->expires_at;
  g_assert_cmpint (exp, ==, t0 + RTT + SIM_S (600));
  resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_OBI, TRUE, FALSE, SIM_S (1));
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 4);
  g_assert_cmpint (g.list->expires_at, ==, exp);

  device_locator_flush (t.loc);
  g_assert_cmpuint (device_locator_cache_size (t.loc), ==, 0);
  got_clear (&g);
  loc_clear (&t);
}

/* B17 with SRV: the SRV set and each target's A are cached apart;
 * expires_at is the earliest of them.  When only the A expired, only
 * A(target) is asked again. */
static void
test_cache_srv (void)
{
  Loc t;
  loc_init (&t);
  device_fixture_add_srv (&t.fx, "_sip._udp.voip.test", 10, 0, 5071, "a.voip.test", 600);
  device_fixture_add_a (&t.fx, "a.voip.test", P0, 30);
  Got g = { 0 };
  resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_AASTRA, TRUE, FALSE, SIM_S (1));
  /* SRV answered at RTT (expires RTT + 600 s), A at 2 RTT (2 RTT + 30 s). */
  g_assert_cmpint (g.list->expires_at, ==, 2 * RTT + SIM_S (30));
  g_assert_cmpuint (device_locator_cache_size (t.loc), ==, 2);

  sim_world_run_until (t.fx.world, SIM_S (10));
  SimTime took = resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_AASTRA, TRUE, FALSE, SIM_S (1));
  g_assert_cmpint (took, ==, 0);
  g_assert_cmpuint (g.list->queries, ==, 0);
  assert_cand (g.list, 0, P0, 5071, 10);

  sim_world_run_until (t.fx.world, SIM_S (100));
  took = resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_AASTRA, TRUE, FALSE, SIM_S (1));
  g_assert_cmpint (took, ==, RTT);
  g_assert_cmpuint (g.list->queries, ==, 1);
  g_assert_cmpuint (qcount (&t, "_sip._udp.voip.test", DNS_TYPE_SRV), ==, 1);
  g_assert_cmpuint (qcount (&t, "a.voip.test", DNS_TYPE_A), ==, 2);
  /* Now A expires 100 s + RTT + 30 s, SRV still RTT + 600 s. */
  g_assert_cmpint (g.list->expires_at, ==, SIM_S (100) + RTT + SIM_S (30));
  got_clear (&g);
  loc_clear (&t);
}

/* B17, note 2: a target's A can come from the cache.  A(a.voip.test) is
 * cached by an earlier resolve of that name; the SRV resolve then asks
 * only the SRV question: one RTT, one query.  Names compare without case
 * and without a trailing dot. */
static void
test_cache_target_from_a (void)
{
  Loc t;
  loc_init (&t);
  add_two_level_srv (&t, "_sip._udp.voip.test");
  Got g = { 0 };
  resolve (&t, &g, "a.voip.test", 0, DEVICE_LOOKUP_OBI, TRUE, FALSE, SIM_S (1));
  resolve (&t, &g, "B.VOIP.test.", 5060, DEVICE_LOOKUP_AASTRA, TRUE, FALSE, SIM_S (1));
  g_assert_cmpuint (qcount (&t, "b.voip.test", DNS_TYPE_A), ==, 1);
  SimTime took = resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_AASTRA, TRUE, FALSE, SIM_S (1));
  g_assert_cmpint (took, ==, RTT);
  g_assert_cmpuint (g.list->queries, ==, 1);
  g_assert_cmpuint (g.list->n, ==, 2);
  assert_cand (g.list, 0, P0, 5071, 10);
  assert_cand (g.list, 1, P1, 5072, 20);
  g_assert_cmpuint (qcount (&t, "a.voip.test", DNS_TYPE_A), ==, 1);
  g_assert_cmpuint (qcount (&t, "b.voip.test", DNS_TYPE_A), ==, 1);
  /* Everything cached now: SRV + two A sets. */
  g_assert_cmpuint (device_locator_cache_size (t.loc), ==, 3);
  took = resolve (&t, &g, "voip.test.", 0, DEVICE_LOOKUP_AASTRA, TRUE, FALSE, SIM_S (1));
  g_assert_cmpint (took, ==, 0);
  g_assert_cmpuint (g.list->queries, ==, 0);
  got_clear (&g);
  loc_clear (&t);
}

/* ------------------------------------------------------------ 6-failure */

/* SERVFAIL ends an attempt at once (resolver.h), so 4 tries x 1 server =
 * 4 questions of one RTT each; FAILED with SERVFAIL. */
static void
test_servfail (void)
{
  Loc t;
  loc_init (&t);
  device_fixture_add_a (&t.fx, "voip.test", P0, 60);
  dns_server_set_mode (t.fx.dns, "voip.test", DNS_MODE_SERVFAIL);
  Got g = { 0 };
  SimTime took = resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_RFC3263, TRUE, FALSE,
                          SIM_S (60));
  g_assert_cmpint (took, ==, 4 * RTT);
  g_assert_cmpint (g.list->status, ==, DEVICE_LOCATE_FAILED);
  g_assert_cmpint (g.list->dns_status, ==, HOST_DNS_SERVFAIL);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 4);
  got_clear (&g);
  loc_clear (&t);
}

/* A silent server: attempt k waits 5 s << k, k = 0..3: 5 + 10 + 20 + 40 =
 * 75 s per question, TIMEOUT.  OBi asks three questions in turn: 225 s. */
static void
test_silent (void)
{
  Loc t;
  loc_init (&t);
  dns_server_set_mode (t.fx.dns, "test", DNS_MODE_SILENT);
  const SimTime per_question = SIM_S (5) + SIM_S (10) + SIM_S (20) + SIM_S (40);
  Got g = { 0 };
  SimTime took = resolve (&t, &g, "voip.test", 5060, DEVICE_LOOKUP_RFC3263, TRUE, FALSE,
                          SIM_S (400));
  g_assert_cmpint (took, ==, per_question);
  g_assert_cmpint (g.list->status, ==, DEVICE_LOCATE_FAILED);
  g_assert_cmpint (g.list->dns_status, ==, HOST_DNS_TIMEOUT);
  g_assert_cmpuint (qcount (&t, "voip.test", DNS_TYPE_A), ==, 4);

  took = resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_OBI, TRUE, FALSE, SIM_S (400));
  g_assert_cmpint (took, ==, 3 * per_question);
  g_assert_cmpint (g.list->dns_status, ==, HOST_DNS_TIMEOUT);
  g_assert_cmpuint (g.list->queries, ==, 3);
  got_clear (&g);
  loc_clear (&t);
}

/* B11 "any outcome other than OK moves on": SERVFAIL on the A step, then
 * the bare SRV answers. */
static void
test_obi_servfail_moves_on (void)
{
  Loc t;
  loc_init (&t);
  device_fixture_add_a (&t.fx, "voip.test", P2, 60);
  device_fixture_add_srv (&t.fx, "voip.test", 10, 0, 5080, "sip1.voip.test", 300);
  device_fixture_add_a (&t.fx, "sip1.voip.test", P0, 300);
  dns_server_set_mode (t.fx.dns, "voip.test", DNS_MODE_SERVFAIL);
  dns_server_set_mode (t.fx.dns, "sip1.voip.test", DNS_MODE_ANSWER);
  /* SRV(voip.test) is under the SERVFAIL too: the whole name fails, so
   * the _sip._udp step (its own setting) is the one that answers. */
  dns_server_set_mode (t.fx.dns, "_sip._udp.voip.test", DNS_MODE_ANSWER);
  device_fixture_add_srv (&t.fx, "_sip._udp.voip.test", 10, 0, 5090, "sip1.voip.test", 300);
  Got g = { 0 };
  SimTime took = resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_OBI, TRUE, FALSE, SIM_S (60));
  /* A: 4 x RTT, SRV(name): 4 x RTT, SRV(_sip._udp): RTT, A(target): RTT. */
  g_assert_cmpint (took, ==, 10 * RTT);
  g_assert_cmpuint (g.list->n, ==, 1);
  assert_cand (g.list, 0, P0, 5090, 10);
  got_clear (&g);
  loc_clear (&t);
}

/* ------------------------------------------------------------ 7-cancel */

static void
test_cancel (void)
{
  Loc t;
  loc_init (&t);
  add_two_level_srv (&t, "_sip._udp.voip.test");
  Got g = { .t = &t };
  /* Before anything went out (the kick timer), during the SRV question,
   * and during the A(target) questions. */
  const SimTime when[] = { 0, RTT / 2, RTT + RTT / 2 };
  for (guint i = 0; i < G_N_ELEMENTS (when); i++) {
    DeviceLocateRequest *req = device_locator_resolve (t.loc, "voip.test", 0,
                                                       DEVICE_LOOKUP_RFC3263, FALSE, FALSE,
                                                       on_located, &g);
    if (when[i] > 0)
      sim_world_run_for (t.fx.world, when[i]);
    device_locate_cancel (req);
    g_assert_cmpuint (host_resolver_get_pending (t.res), ==, 0);
    sim_world_run_for (t.fx.world, SIM_S (100));
    g_assert_cmpint (g.calls, ==, 0);
  }
  /* Freeing the locator cancels too. */
  device_locator_resolve (t.loc, "voip.test", 0, DEVICE_LOOKUP_RFC3263, FALSE, FALSE,
                          on_located, &g);
  sim_world_run_for (t.fx.world, RTT / 2);
  device_locator_free (t.loc);
  t.loc = NULL;
  g_assert_cmpuint (host_resolver_get_pending (t.res), ==, 0);
  sim_world_run_for (t.fx.world, SIM_S (100));
  g_assert_cmpint (g.calls, ==, 0);
  loc_clear (&t);
}

/* Several resolves at once on one locator, each its own list. */
static void
test_concurrent (void)
{
  Loc t;
  loc_init (&t);
  add_two_level_srv (&t, "_sip._udp.voip.test");
  device_fixture_add_a (&t.fx, "other.test", P2, 60);
  Got g1 = { .t = &t }, g2 = { .t = &t }, g3 = { .t = &t };
  device_locator_resolve (t.loc, "voip.test", 0, DEVICE_LOOKUP_RFC3263, TRUE, FALSE,
                          on_located, &g1);
  device_locator_resolve (t.loc, "other.test", 0, DEVICE_LOOKUP_OBI, TRUE, FALSE,
                          on_located, &g2);
  device_locator_resolve (t.loc, "192.0.2.99", 0, DEVICE_LOOKUP_OBI, TRUE, FALSE,
                          on_located, &g3);
  sim_world_run_for (t.fx.world, SIM_S (1));
  g_assert_cmpint (g1.calls, ==, 1);
  g_assert_cmpint (g2.calls, ==, 1);
  g_assert_cmpint (g3.calls, ==, 1);
  g_assert_cmpint (g1.at, ==, 2 * RTT);
  g_assert_cmpint (g2.at, ==, RTT);
  g_assert_cmpint (g3.at, ==, 0);
  g_assert_cmpuint (g1.list->n, ==, 2);
  assert_cand (g2.list, 0, P2, 5060, 0);
  assert_cand (g3.list, 0, SIM_IP4 (192, 0, 2, 99), 5060, 0);
  got_clear (&g1);
  got_clear (&g2);
  got_clear (&g3);
  loc_clear (&t);
}

/* locator.h: the callback may free the locator; the other resolve in
 * progress is cancelled without a callback. */
typedef struct {
  Loc *t;
  int  calls;
} FreeCtx;

static void
on_located_free_loc (DeviceLocateRequest *req, DeviceServerList *list, gpointer user_data)
{
  FreeCtx *c = user_data;
  (void) req;
  c->calls++;
  device_server_list_free (list);
  device_locator_free (c->t->loc);
  c->t->loc = NULL;
}

static void
test_free_in_callback (void)
{
  Loc t;
  loc_init (&t);
  add_two_level_srv (&t, "_sip._udp.voip.test");
  FreeCtx c = { &t, 0 };
  Got g = { .t = &t };
  device_locator_resolve (t.loc, "192.0.2.1", 0, DEVICE_LOOKUP_OBI, TRUE, FALSE,
                          on_located_free_loc, &c);
  device_locator_resolve (t.loc, "voip.test", 0, DEVICE_LOOKUP_RFC3263, TRUE, FALSE,
                          on_located, &g);
  sim_world_run_for (t.fx.world, SIM_S (10));
  g_assert_cmpint (c.calls, ==, 1);
  g_assert_cmpint (g.calls, ==, 0);
  g_assert_null (t.loc);
  g_assert_cmpuint (host_resolver_get_pending (t.res), ==, 0);
  loc_clear (&t);
}

/* Same seed, same order: SRV weights are drawn from the locator's SimRng
 * only ("host/phone/device"), so two worlds of one seed give one list. */
static void
test_same_seed_same_order (void)
{
  guint32 sig[2] = { 0, 0 };
  guint seen_first = 0;    /* bit i: port 5060 + i came first at least once */
  for (guint run = 0; run < 2; run++) {
    Loc t;
    loc_init_seed (&t, 42);
    for (guint i = 0; i < 3; i++)
      device_fixture_add_srv (&t.fx, "_sip._udp.voip.test", 10, 10, (guint16) (5060 + i),
                              i == 0 ? "a.voip.test" : i == 1 ? "b.voip.test" : "c.voip.test",
                              300);
    device_fixture_add_a (&t.fx, "a.voip.test", P0, 300);
    device_fixture_add_a (&t.fx, "b.voip.test", P1, 300);
    device_fixture_add_a (&t.fx, "c.voip.test", P2, 300);
    Got g = { 0 };
    for (guint k = 0; k < 8; k++) {
      resolve (&t, &g, "voip.test", 0, DEVICE_LOOKUP_RFC3263, TRUE, FALSE, SIM_S (1));
      g_assert_cmpuint (g.list->n, ==, 3);
      sig[run] = sig[run] * 7 + (g.list->c[0].addr.port - 5060u);
      seen_first |= 1u << (g.list->c[0].addr.port - 5060u);
    }
    got_clear (&g);
    loc_clear (&t);
  }
  g_assert_cmpuint (sig[0], ==, sig[1]);
  /* The draws did vary the order (equal weights: each target first with
   * probability 1/3 per resolve), so the equality above says something. */
  g_assert_cmpuint (seen_first, !=, 1u);
  g_assert_cmpuint (seen_first, !=, 2u);
  g_assert_cmpuint (seen_first, !=, 4u);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device/locator/1-literal/B13-ip-no-dns", test_literal);
  g_test_add_func ("/device/locator/2-obi/B11-a-wins", test_obi_a_wins);
  g_test_add_func ("/device/locator/2-obi/B11-srv-bare-name", test_obi_srv_bare);
  g_test_add_func ("/device/locator/2-obi/B11-srv-sip-udp", test_obi_srv_sip_udp);
  g_test_add_func ("/device/locator/2-obi/B11-nothing-failed", test_obi_nothing);
  g_test_add_func ("/device/locator/2-obi/B12-several-a-equal", test_obi_several_a);
  g_test_add_func ("/device/locator/3-aastra/B13-fqdn-port0-srv", test_aastra_srv);
  g_test_add_func ("/device/locator/3-aastra/B13-fqdn-port-a-only", test_aastra_port_a_only);
  g_test_add_func ("/device/locator/3-aastra/B13-srv-then-a-5060", test_srv_then_a_fallback);
  g_test_add_func ("/device/locator/4-rfc3263/srv-or-a", test_rfc3263);
  g_test_add_func ("/device/locator/4-rfc3263/srv-targets", test_srv_targets);
  g_test_add_func ("/device/locator/4-rfc3263/srv-17-records", test_srv_many_records);
  g_test_add_func ("/device/locator/5-cache/B17-a-ttl", test_cache_a);
  g_test_add_func ("/device/locator/5-cache/B17-fresh-and-off", test_cache_fresh_and_off);
  g_test_add_func ("/device/locator/5-cache/B17-srv-and-targets", test_cache_srv);
  g_test_add_func ("/device/locator/5-cache/B17-target-a-from-cache", test_cache_target_from_a);
  g_test_add_func ("/device/locator/6-failure/servfail", test_servfail);
  g_test_add_func ("/device/locator/6-failure/silent-timeout", test_silent);
  g_test_add_func ("/device/locator/6-failure/B11-servfail-moves-on",
                   test_obi_servfail_moves_on);
  g_test_add_func ("/device/locator/7-cancel/no-callback", test_cancel);
  g_test_add_func ("/device/locator/7-cancel/concurrent", test_concurrent);
  g_test_add_func ("/device/locator/7-cancel/free-in-callback", test_free_in_callback);
  g_test_add_func ("/device/locator/8-determinism/same-seed-same-order",
                   test_same_seed_same_order);
  return g_test_run ();
}
