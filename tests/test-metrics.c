/*
 * tests/test-metrics.c - the run metrics (experiment/metrics.h,
 * doc/metrics.md) on hand-built observations: every metric and its edge
 * cases, with the expected numbers worked out in the comments from the
 * definitions in doc/metrics.md (never read back from the code).
 *
 * The world of every test:
 *
 *   phone 192.168.1.2:5060 ── home NAT 203.0.113.2 ──┬── A 198.51.100.10:5060 (proxy 0)
 *                                                    ├── B 198.51.100.20:5060 (proxy 1)
 *                                                    └── STUN 198.51.100.99:3478
 *
 * Times are written in milliseconds (MS(1060) = 1.06 s) so every expected
 * value is exact.
 */
#include <math.h>
#include <string.h>

#include "experiment/metrics.h"

#define MS(x) SIM_MS (x)
#define S(x)  SIM_S (x)

static const SimSockAddr LOCAL  = { SIM_IP4 (192, 168, 1, 2), 5060 };
static const SimSockAddr LOCAL2 = { SIM_IP4 (192, 168, 1, 3), 5060 };
static const SimSockAddr LOCAL3 = { SIM_IP4 (192, 168, 1, 4), 5060 };
static const SimSockAddr A      = { SIM_IP4 (198, 51, 100, 10), 5060 };
static const SimSockAddr B      = { SIM_IP4 (198, 51, 100, 20), 5060 };
static const SimSockAddr STUN   = { SIM_IP4 (198, 51, 100, 99), 3478 };
static const SimIp4 PUB = SIM_IP4 (203, 0, 113, 2);

/* ---- building observations ---- */

static RunObservations *
world (SimTime warmup, SimTime end)
{
  RunObservations *obs = run_observations_new ();
  obs->warmup = warmup;
  obs->end = end;
  ObsProxy pa = { g_strdup ("a"), A }, pb = { g_strdup ("b"), B };
  g_array_append_val (obs->proxies, pa);
  g_array_append_val (obs->proxies, pb);
  ObsHost h = { A.ip, g_strdup ("a") };
  g_array_append_val (obs->hosts, h);
  return obs;
}

static guint
add_unit (RunObservations *obs, const char *name, guint device, SimSockAddr local, SimTime powered_on)
{
  ObsUnit u = {
    .name = g_strdup (name), .device = device, .account = 1, .local = local,
    .aor = g_strdup_printf ("%s@example.com", name), .powered_on = powered_on,
  };
  g_array_append_val (obs->units, u);
  return obs->units->len - 1;
}

/* Events must be added in time order (as the executor records them). */
static void
add_event (RunObservations *obs, guint unit, DeviceEventKind kind, SimTime t)
{
  ObsEvent e = { .unit = unit, .ev = { .kind = kind, .time = t, .account = 1 } };
  g_array_append_val (obs->events, e);
}

static void
add_reg (RunObservations *obs, guint unit, SimTime t, SimSockAddr server, guint32 expires)
{
  ObsEvent e = { .unit = unit, .ev = { .kind = DEVICE_EVENT_REGISTERED, .time = t, .account = 1,
                                       .server = server, .expires = expires } };
  g_array_append_val (obs->events, e);
}

static void
add_nat (RunObservations *obs, NatRecordKind kind, NatExpiryReason reason, SimTime t,
         guint64 id, SimSockAddr internal, guint16 ext_port, SimSockAddr remote)
{
  NatRecord r = { .kind = kind, .reason = reason, .time = t, .binding_id = id, .proto = 17,
                  .internal = internal, .external = { PUB, ext_port }, .remote = remote };
  g_array_append_val (obs->nat_records, r);
}

static void
created (RunObservations *obs, SimTime t, guint64 id, SimSockAddr internal, guint16 ext_port, SimSockAddr remote)
{
  add_nat (obs, NAT_RECORD_CREATED, NAT_EXPIRY_NONE, t, id, internal, ext_port, remote);
}

static void
expired (RunObservations *obs, SimTime t, guint64 id, SimSockAddr internal, NatExpiryReason why)
{
  add_nat (obs, NAT_RECORD_EXPIRED, why, t, id, internal, 0, STUN);
}

static void
add_fault_full (RunObservations *obs, SimTime t, ObsFaultKind kind, gint proxy, gint nat,
                SimIp4 nat_public, gint unit_device)
{
  ObsFault f = { .time = t, .kind = kind, .fault = g_strdup ("f"),
                 .target = g_strdup ("x"), .proxy = proxy, .nat = nat,
                 .nat_public = nat_public, .unit_device = unit_device };
  g_array_append_val (obs->faults, f);
}

static void
add_fault (RunObservations *obs, SimTime t, ObsFaultKind kind, gint proxy)
{
  add_fault_full (obs, t, kind, proxy, -1, 0, -1);
}

static void
add_probe (RunObservations *obs, guint unit, SimTime sent, gboolean reached, SipProxyProbeOutcome o)
{
  ObsProbe p = { .unit = unit, .proxy = 0, .sent_at = sent, .done_at = sent + MS (20),
                 .reached = reached, .outcome = o };
  g_array_append_val (obs->probes, p);
}

/* ---- reading metrics ---- */

static double
val (const GArray *m, const char *unit, const char *name)
{
  const RunMetric *r = metrics_find (m, unit, name);
  if (r == NULL)
    g_error ("no metric %s for unit '%s'", name, unit);
  if (r->null)
    g_error ("metric %s for unit '%s' is NULL", name, unit);
  return r->value;
}

static gboolean
is_null (const GArray *m, const char *unit, const char *name)
{
  const RunMetric *r = metrics_find (m, unit, name);
  g_assert_nonnull (r);
  return r->null;
}

#define assert_val(m, unit, name, expect) \
  g_assert_cmpfloat_with_epsilon (val ((m), (unit), (name)), (expect), 1e-9)

/* ---- 1. rows ---- */

static void
test_rows_single_unit (void)
{
  const char * const *names = metrics_names ();
  guint n = g_strv_length ((char **) names);
  g_assert_cmpuint (n, ==, 22);   /* 11 registration metrics, 8 call metrics (issue 16),
                                     3 connection metrics (issue 13) */
  for (guint i = 0; i < n; i++)
    for (guint j = i + 1; j < n; j++)
      g_assert_cmpstr (names[i], !=, names[j]);
  g_assert_cmpstr (names[0], ==, "time_to_first_registration_s");

  g_autoptr (RunObservations) obs = world (0, S (600));
  add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  g_autoptr (GArray) m = metrics_compute (obs);
  /* One unit: the aggregates only, one per name, in names order. */
  g_assert_cmpuint (m->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (g_array_index (m, RunMetric, i).unit, ==, "");
      g_assert_cmpstr (g_array_index (m, RunMetric, i).name, ==, names[i]);
    }
  g_assert_null (metrics_find (m, "phone/SP1", "outage_s"));
  g_assert_null (metrics_find (m, "", "no_such_metric"));
}

static void
test_rows_no_units (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  g_autoptr (GArray) m = metrics_compute (obs);
  g_assert_cmpuint (m->len, ==, 22);
  for (guint i = 0; i < m->len; i++)
    g_assert_true (g_array_index (m, RunMetric, i).null);
}

/* ---- 2. time to first registration ---- */

static void
test_ttfr (void)
{
  g_autoptr (RunObservations) obs = world (S (100), S (600));
  guint p = add_unit (obs, "phone-1/SP1", 0, LOCAL, MS (500));
  guint q = add_unit (obs, "phone-2/SP1", 1, LOCAL2, 0);
  /* powered on at 0.5 s, first REGISTERED at 1.56 s -> 1.06 s, although
   * before warmup (not windowed); the second REGISTERED does not count. */
  add_reg (obs, p, MS (1560), A, 3600);
  add_reg (obs, p, MS (1800), A, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "phone-1/SP1", "time_to_first_registration_s", 1.06);
  /* never registered -> NULL; the aggregate is the mean of the one value */
  g_assert_true (is_null (m, "phone-2/SP1", "time_to_first_registration_s"));
  assert_val (m, "", "time_to_first_registration_s", 1.06);
  (void) q;
}

/* ---- 3. failover ---- */

static void
test_failover_basic (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* registered at A at 1.06 s (3600 s), A crashes at 100 s, the phone
   * fails at A and registers at B at 132.12 s -> failover 32.12 s */
  add_reg (obs, u, MS (1060), A, 3600);
  add_fault (obs, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_event (obs, u, DEVICE_EVENT_REG_FAILED, MS (132000));
  add_reg (obs, u, MS (132120), B, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "failover_s", 32.12);
  assert_val (m, "", "failover_completed", 1);
  assert_val (m, "", "failovers", 1);
}

static void
test_failover_no_fault (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  add_reg (obs, u, MS (1060), A, 3600);
  /* a SLOW fault and a DNS change are not registrar faults */
  add_fault (obs, S (100), OBS_FAULT_PROXY_SLOW, 0);
  add_fault (obs, S (150), OBS_FAULT_DNS_CHANGE, -1);
  add_reg (obs, u, S (200), B, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  g_assert_true (is_null (m, "", "failover_s"));
  g_assert_true (is_null (m, "", "failover_completed"));
  assert_val (m, "", "failovers", 0);
}

static void
test_failover_before_warmup (void)
{
  g_autoptr (RunObservations) obs = world (S (200), S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* the crash at 100 s is before warmup (200 s): ignored */
  add_reg (obs, u, MS (1060), A, 3600);
  add_fault (obs, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_reg (obs, u, MS (132120), B, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  g_assert_true (is_null (m, "", "failover_s"));
  g_assert_true (is_null (m, "", "failover_completed"));
  assert_val (m, "", "failovers", 0);
}

static void
test_failover_other_proxy (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* registered at A; B crashes, B restarts, B's link is cut: not the
   * serving registrar -> NULL */
  add_reg (obs, u, MS (1060), A, 3600);
  add_fault (obs, S (100), OBS_FAULT_PROXY_CRASH, 1);
  add_fault (obs, S (150), OBS_FAULT_PROXY_RESTART, 1);
  add_fault (obs, S (160), OBS_FAULT_PROXY_RECOVER, 1);
  add_fault (obs, S (170), OBS_FAULT_LINK_CUT, 1);
  g_autoptr (GArray) m = metrics_compute (obs);
  g_assert_true (is_null (m, "", "failover_s"));
  g_assert_true (is_null (m, "", "failover_completed"));
  assert_val (m, "", "failovers", 0);
}

static void
test_failover_binding_expired (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* registered at A at 1 s for 60 s and never refreshed: at the crash
   * (100 s) the binding ended 39 s ago, so the crash does not hit it */
  add_reg (obs, u, S (1), A, 60);
  add_event (obs, u, DEVICE_EVENT_REG_EXPIRED, S (61));
  add_fault (obs, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_reg (obs, u, S (150), B, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  g_assert_true (is_null (m, "", "failover_s"));
  g_assert_true (is_null (m, "", "failover_completed"));
}

static void
test_failover_never_recovers (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* REJECT (503) at A at 100 s; every later attempt fails until the end */
  add_reg (obs, u, MS (1060), A, 3600);
  add_fault (obs, S (100), OBS_FAULT_PROXY_REJECT, 0);
  add_event (obs, u, DEVICE_EVENT_REG_FAILED, S (130));
  g_autoptr (GArray) m = metrics_compute (obs);
  g_assert_true (is_null (m, "", "failover_s"));
  assert_val (m, "", "failover_completed", 0);
  assert_val (m, "", "failovers", 1);
}

static void
test_failover_same_server_recovered (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* A restarts at 100 s and is back at 110 s (RECOVER recorded); a
   * REGISTERED at A at 105 s, while it is down, cannot be the failover
   * (an impossible event here, to check the "server is up" rule); the
   * one at A at 151.5 s is: 51.5 s */
  add_reg (obs, u, MS (1060), A, 3600);
  add_fault (obs, S (100), OBS_FAULT_PROXY_RESTART, 0);
  add_reg (obs, u, S (105), A, 3600);
  add_fault (obs, S (110), OBS_FAULT_PROXY_RECOVER, 0);
  add_reg (obs, u, MS (151500), A, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "failover_s", 51.5);
  assert_val (m, "", "failover_completed", 1);
}

static void
test_failover_link_cut (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* A's link is cut 100..130 s; the phone registers again at A at 131 s
   * (31 s); a registration at B at 120 s would have been earlier, but B's
   * link is cut too (95..125 s), so it does not count. */
  add_reg (obs, u, MS (1060), A, 3600);
  add_fault (obs, S (95), OBS_FAULT_LINK_CUT, 1);
  add_fault (obs, S (100), OBS_FAULT_LINK_CUT, 0);
  add_reg (obs, u, S (120), B, 3600);
  add_fault (obs, S (125), OBS_FAULT_LINK_RESTORE, 1);
  add_fault (obs, S (130), OBS_FAULT_LINK_RESTORE, 0);
  add_reg (obs, u, S (131), A, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "failover_s", 31);
  assert_val (m, "", "failovers", 1);
}

static void
test_failover_count (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* crash A at 100 -> B at 132 (32 s, the first one is reported); A
   * recovers at 200; B crashes at 300 while serving -> A at 310: two
   * faults hit the unit */
  add_reg (obs, u, S (1), A, 3600);
  add_fault (obs, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_reg (obs, u, S (132), B, 3600);
  add_fault (obs, S (200), OBS_FAULT_PROXY_RECOVER, 0);
  add_fault (obs, S (300), OBS_FAULT_PROXY_CRASH, 1);
  add_reg (obs, u, S (310), A, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "failover_s", 32);
  assert_val (m, "", "failovers", 2);
}

/* ---- 4. outage ---- */

static void
test_outage_no_nat_failover (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* unreachable until the first registration (1.06 s, warmup 0), then
   * from the crash (100 s) to the registration at B (132.12 s):
   * 1.06 + 32.12 = 33.18 s.  No NAT record: no pinhole condition. */
  add_reg (obs, u, MS (1060), A, 3600);
  add_fault (obs, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_reg (obs, u, MS (132120), B, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "outage_s", 33.18);
}

/* Issue 14 item 8, B21: a phone with a secondary registration at B (every
 * 1800 s, as its refreshes run) while registered at A is reachable
 * through B when A crashes at 100 s: the doc's reachability rule (a
 * binding at an up registrar, pinhole open) holds all the time after the
 * first registration.  outage = the 1.06 s before it; failover_s still
 * measures the move of the primary leg (crash to REGISTERED at B, 32.12
 * s), which is what it defines. */
static void
test_outage_secondary_registration (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  add_reg (obs, u, MS (1060), A, 3600);
  ObsEvent sec = { .unit = u, .ev = { .kind = DEVICE_EVENT_SECONDARY, .time = MS (1120),
                                      .account = 1, .server = B, .expires = 1800 } };
  g_array_append_val (obs->events, sec);
  add_fault (obs, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_event (obs, u, DEVICE_EVENT_SERVER_CHANGE, MS (132060));
  add_reg (obs, u, MS (132120), B, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "outage_s", 1.06);
  assert_val (m, "", "failover_s", 32.12);
  /* A failed secondary REGISTER (no expiry) makes no binding: without
   * the successful one the crash costs 32.12 s again. */
  g_autoptr (RunObservations) o2 = world (0, S (600));
  u = add_unit (o2, "phone/SP1", 0, LOCAL, 0);
  add_reg (o2, u, MS (1060), A, 3600);
  ObsEvent fail = { .unit = u, .ev = { .kind = DEVICE_EVENT_SECONDARY, .time = MS (1120),
                                       .account = 1, .server = B, .status = 503 } };
  g_array_append_val (o2->events, fail);
  add_fault (o2, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_reg (o2, u, MS (132120), B, 3600);
  g_autoptr (GArray) m2 = metrics_compute (o2);
  assert_val (m2, "", "outage_s", 33.18);
}

static void
test_outage_binding_expires (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* registered 1..61 s, never refreshed: down 0..1 and 61..600 = 540 s
   * (the REG_EXPIRED event comes a little late at 62 s: the binding ends
   * at REGISTERED + expires anyway) */
  add_reg (obs, u, S (1), A, 60);
  add_event (obs, u, DEVICE_EVENT_REG_EXPIRED, S (62));
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "outage_s", 540);
}

static void
test_outage_never_registered (void)
{
  g_autoptr (RunObservations) obs = world (S (100), S (600));
  add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* the whole window, 500 s */
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "outage_s", 500);
}

/* The NAT expiry timeline shared by the next two tests: binding 1 made
 * at 1.0 s towards A, REGISTERED at A at 1.06 s through it; binding 1
 * times out at 200 s; a keep-alive makes binding 2 (new external port)
 * at 250 s; the phone learns the new mapping (MAPPING at 250.05 s) and
 * registers again at A through binding 2 at 300 s. */
static void
nat_expiry_timeline (RunObservations *obs, guint u, gboolean with_mapping)
{
  created (obs, S (1), 1, LOCAL, 40001, A);
  add_reg (obs, u, MS (1060), A, 3600);
  expired (obs, S (200), 1, LOCAL, NAT_EXPIRY_TIMEOUT);
  created (obs, S (250), 2, LOCAL, 40002, A);
  if (with_mapping)
    add_event (obs, u, DEVICE_EVENT_MAPPING, MS (250050));
  add_reg (obs, u, S (300), A, 3600);
}

static void
test_outage_nat_expiry (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  nat_expiry_timeline (obs, u, TRUE);
  /* down 0..1.06, and 200..300: binding 2 alone (250 s) does not restore
   * reachability, the registrar still has binding 1's flow -> 101.06 s */
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "outage_s", 101.06);
  assert_val (m, "", "pinhole_expiries", 1);
  /* 300 s follows a MAPPING: a re-registration */
  assert_val (m, "", "reregistrations", 1);
  assert_val (m, "", "registrations", 2);
}

static void
test_outage_nat_expiry_warmup (void)
{
  g_autoptr (RunObservations) obs = world (S (100), S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  nat_expiry_timeline (obs, u, TRUE);
  /* only 200..300 is in the window: 100 s; the 1.06 s registration is
   * before warmup and not counted */
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "outage_s", 100);
  assert_val (m, "", "registrations", 1);
  assert_val (m, "", "reregistrations", 1);
}

static void
test_outage_eim_vs_apdm (void)
{
  /* EIM: the one binding was created towards the STUN server at 0.5 s
   * and carries the registration at A (1.06 s); it times out at 100 s:
   * down 0..1.06 and 100..600 = 501.06 s */
  g_autoptr (RunObservations) eim = world (0, S (600));
  guint u = add_unit (eim, "phone/SP1", 0, LOCAL, 0);
  created (eim, MS (500), 1, LOCAL, 40001, STUN);
  add_reg (eim, u, MS (1060), A, 3600);
  expired (eim, S (100), 1, LOCAL, NAT_EXPIRY_TIMEOUT);
  g_autoptr (GArray) m1 = metrics_compute (eim);
  assert_val (m1, "", "outage_s", 501.06);

  /* APDM: the binding towards the STUN server (1) and the one towards A
   * (2) are separate; the registration went through 2, so 1's expiry at
   * 100 s does not matter: 1.06 s */
  g_autoptr (RunObservations) apdm = world (0, S (600));
  u = add_unit (apdm, "phone/SP1", 0, LOCAL, 0);
  created (apdm, MS (500), 1, LOCAL, 40001, STUN);
  created (apdm, S (1), 2, LOCAL, 40002, A);
  add_reg (apdm, u, MS (1060), A, 3600);
  expired (apdm, S (100), 1, LOCAL, NAT_EXPIRY_TIMEOUT);
  g_autoptr (GArray) m2 = metrics_compute (apdm);
  assert_val (m2, "", "outage_s", 1.06);
  assert_val (m2, "", "pinhole_expiries", 1);
}

static void
test_outage_nat_reboot (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  /* the NAT reboots at 200 s: every binding expires (REBOOT); a new one
   * at 230 s; the phone registers again through it at 231 s:
   * 1.06 + 31 = 32.06 s; a REBOOT expiry is not a pinhole expiry */
  created (obs, S (1), 1, LOCAL, 40001, A);
  add_reg (obs, u, MS (1060), A, 3600);
  add_fault_full (obs, S (200), OBS_FAULT_NAT_REBOOT, -1, 0, PUB, -1);
  expired (obs, S (200), 1, LOCAL, NAT_EXPIRY_REBOOT);
  created (obs, S (230), 2, LOCAL, 40002, A);
  add_reg (obs, u, S (231), A, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "outage_s", 32.06);
  assert_val (m, "", "pinhole_expiries", 0);
  g_assert_true (is_null (m, "", "failover_s"));
}

static void
test_outage_link_cuts (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  created (obs, S (1), 1, LOCAL, 40001, A);
  add_reg (obs, u, MS (1060), A, 3600);
  /* its access link 100..160 s: 60 s; its NAT's uplink 300..310 s: 10 s;
   * another NAT's uplink (400..450 s) and another device's access link
   * (450..500 s) do not matter: 1.06 + 60 + 10 = 71.06 s */
  add_fault_full (obs, S (100), OBS_FAULT_LINK_CUT, -1, -1, 0, 0);
  add_fault_full (obs, S (160), OBS_FAULT_LINK_RESTORE, -1, -1, 0, 0);
  add_fault_full (obs, S (300), OBS_FAULT_LINK_CUT, -1, 0, PUB, -1);
  add_fault_full (obs, S (310), OBS_FAULT_LINK_RESTORE, -1, 0, PUB, -1);
  add_fault_full (obs, S (400), OBS_FAULT_LINK_CUT, -1, 1, SIM_IP4 (203, 0, 113, 99), -1);
  add_fault_full (obs, S (450), OBS_FAULT_LINK_RESTORE, -1, 1, SIM_IP4 (203, 0, 113, 99), -1);
  add_fault_full (obs, S (450), OBS_FAULT_LINK_CUT, -1, -1, 0, 1);
  add_fault_full (obs, S (500), OBS_FAULT_LINK_RESTORE, -1, -1, 0, 1);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "outage_s", 71.06);
  /* none of these is a registrar fault */
  g_assert_true (is_null (m, "", "failover_s"));
}

/* The two things outage_s reads of the whole run (doc/metrics.md "The NAT
 * binding that carried a registration", condition 1): they hold for the
 * whole window even when the record that shows them comes later, which
 * the accumulator settles at the end (experiment/metrics-reach.c note 3). */
static void
test_outage_nat_known_later (void)
{
  static const SimIp4 PUB2 = SIM_IP4 (203, 0, 113, 9);
  /* the NAT's uplink is cut 100..160 s while its public address is PUB2,
   * which the unit uses only from 200 s on (a binding created then):
   * the cut is its NAT's, 1.06 + 60 = 61.06 s */
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  created (obs, S (1), 1, LOCAL, 40001, A);
  add_reg (obs, u, MS (1060), A, 3600);
  add_fault_full (obs, S (100), OBS_FAULT_LINK_CUT, -1, 0, PUB2, -1);
  add_fault_full (obs, S (160), OBS_FAULT_LINK_RESTORE, -1, 0, PUB2, -1);
  NatRecord r = { .kind = NAT_RECORD_CREATED, .time = S (200), .binding_id = 2, .proto = 17,
                  .internal = LOCAL, .external = { PUB2, 40002 }, .remote = STUN };
  g_array_append_val (obs->nat_records, r);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "outage_s", 61.06);

  /* without that binding PUB2 is another NAT's: 1.06 s */
  g_autoptr (RunObservations) other = world (0, S (600));
  u = add_unit (other, "phone/SP1", 0, LOCAL, 0);
  created (other, S (1), 1, LOCAL, 40001, A);
  add_reg (other, u, MS (1060), A, 3600);
  add_fault_full (other, S (100), OBS_FAULT_LINK_CUT, -1, 0, PUB2, -1);
  add_fault_full (other, S (160), OBS_FAULT_LINK_RESTORE, -1, 0, PUB2, -1);
  g_autoptr (GArray) m2 = metrics_compute (other);
  assert_val (m2, "", "outage_s", 1.06);

  /* a unit whose first NAT record comes at 300 s is behind a NAT from
   * the start: its registration at 1.06 s had no binding to carry it, so
   * it is reachable only from its registration at 301 s: 301 s */
  g_autoptr (RunObservations) late = world (0, S (600));
  u = add_unit (late, "phone/SP1", 0, LOCAL, 0);
  add_reg (late, u, MS (1060), A, 3600);
  created (late, S (300), 1, LOCAL, 40001, A);
  add_reg (late, u, S (301), A, 3600);
  g_autoptr (GArray) m3 = metrics_compute (late);
  assert_val (m3, "", "outage_s", 301);
}

static void
test_outage_crash_keeps_restart_loses (void)
{
  /* CRASH 100..150 s keeps the binding: reachable again at 150 s without
   * registering: 1.06 + 50 = 51.06 s */
  g_autoptr (RunObservations) c = world (0, S (600));
  guint u = add_unit (c, "phone/SP1", 0, LOCAL, 0);
  add_reg (c, u, MS (1060), A, 3600);
  add_fault (c, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_fault (c, S (150), OBS_FAULT_PROXY_RECOVER, 0);
  g_autoptr (GArray) m1 = metrics_compute (c);
  assert_val (m1, "", "outage_s", 51.06);
  assert_val (m1, "", "failover_completed", 0);

  /* RESTART at 100 s, back at 110 s, but the binding is gone until the
   * phone's refresh at 200 s: 1.06 + 100 = 101.06 s */
  g_autoptr (RunObservations) r = world (0, S (600));
  u = add_unit (r, "phone/SP1", 0, LOCAL, 0);
  add_reg (r, u, MS (1060), A, 3600);
  add_fault (r, S (100), OBS_FAULT_PROXY_RESTART, 0);
  add_fault (r, S (110), OBS_FAULT_PROXY_RECOVER, 0);
  add_reg (r, u, S (200), A, 3600);
  g_autoptr (GArray) m2 = metrics_compute (r);
  assert_val (m2, "", "outage_s", 101.06);
  assert_val (m2, "", "failover_s", 100);

  /* KILL at 100 s, started again at 110 s: as RESTART (the binding is
   * gone with the process) until the refresh at 200 s, the same
   * 101.06 s; and it is a registrar fault: failover_s 100 s. */
  g_autoptr (RunObservations) k = world (0, S (600));
  u = add_unit (k, "phone/SP1", 0, LOCAL, 0);
  add_reg (k, u, MS (1060), A, 3600);
  add_fault (k, S (100), OBS_FAULT_PROXY_KILL, 0);
  add_fault (k, S (110), OBS_FAULT_PROXY_RECOVER, 0);
  add_reg (k, u, S (200), A, 3600);
  g_autoptr (GArray) m3 = metrics_compute (k);
  assert_val (m3, "", "outage_s", 101.06);
  assert_val (m3, "", "failover_s", 100);
  assert_val (m3, "", "failovers", 1);
}

/* ---- 5. probes, counts, load ---- */

static void
test_pinhole_survival (void)
{
  g_autoptr (RunObservations) obs = world (S (100), S (600));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  guint v = add_unit (obs, "phone/SP2", 0, LOCAL2, 0);
  add_probe (obs, u, S (50), FALSE, SIP_PROXY_PROBE_TIMEOUT);    /* before warmup */
  add_probe (obs, u, S (150), TRUE, SIP_PROXY_PROBE_OK);
  add_probe (obs, u, S (200), TRUE, SIP_PROXY_PROBE_OK);
  add_probe (obs, u, S (250), FALSE, SIP_PROXY_PROBE_ABORTED);   /* excluded */
  add_probe (obs, u, S (300), FALSE, SIP_PROXY_PROBE_TIMEOUT);
  add_probe (obs, u, S (350), TRUE, SIP_PROXY_PROBE_OK);
  add_probe (obs, G_MAXUINT, S (400), FALSE, SIP_PROXY_PROBE_TIMEOUT); /* no unit */
  add_probe (obs, u, S (600), FALSE, SIP_PROXY_PROBE_TIMEOUT);   /* at end: outside */
  g_autoptr (GArray) m = metrics_compute (obs);
  /* 150, 200, 300, 350: 3 reached of 4 */
  assert_val (m, "phone/SP1", "pinhole_survival", 0.75);
  /* SP2 has no probe: NULL; the aggregate is SP1's value alone */
  g_assert_true (is_null (m, "phone/SP2", "pinhole_survival"));
  assert_val (m, "", "pinhole_survival", 0.75);
  (void) v;
}

static void
test_pinhole_expiries (void)
{
  g_autoptr (RunObservations) obs = world (S (100), S (600));
  add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  created (obs, S (1), 1, LOCAL, 40001, A);
  created (obs, S (2), 2, LOCAL, 40002, STUN);
  created (obs, S (3), 3, LOCAL2, 40003, A);
  expired (obs, S (50), 2, LOCAL, NAT_EXPIRY_TIMEOUT);     /* before warmup */
  expired (obs, S (150), 1, LOCAL, NAT_EXPIRY_TIMEOUT);    /* counts */
  expired (obs, S (160), 3, LOCAL2, NAT_EXPIRY_TIMEOUT);   /* another endpoint */
  created (obs, S (170), 4, LOCAL, 40004, STUN);
  expired (obs, S (250), 4, LOCAL, NAT_EXPIRY_TIMEOUT);    /* counts, any remote */
  created (obs, S (260), 5, LOCAL, 40005, A);
  expired (obs, S (300), 5, LOCAL, NAT_EXPIRY_REBOOT);     /* a reboot: not counted */
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "pinhole_expiries", 2);
}

static void
test_refresh_vs_reregistration (void)
{
  g_autoptr (RunObservations) obs = world (0, S (4000));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  add_reg (obs, u, S (1), A, 600);          /* first: not a re-registration */
  add_reg (obs, u, S (300), A, 600);        /* refresh (same server, in force) */
  add_reg (obs, u, S (600), A, 600);        /* refresh */
  add_event (obs, u, DEVICE_EVENT_MAPPING, S (700));
  add_reg (obs, u, S (700), A, 600);        /* after MAPPING: re-registration (1) */
  add_reg (obs, u, S (800), B, 600);        /* another server: (2) */
  add_reg (obs, u, S (1000), B, 600);       /* refresh */
  add_reg (obs, u, S (1700), B, 600);       /* binding ended at 1600: (3) */
  add_event (obs, u, DEVICE_EVENT_REG_EXPIRED, S (2300));
  add_reg (obs, u, S (2350), B, 3600);      /* after REG_EXPIRED: (4) */
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "reregistrations", 4);
  assert_val (m, "", "registrations", 8);

  /* the NAT timeline without MAPPING: 300 s is a plain refresh */
  g_autoptr (RunObservations) o2 = world (0, S (600));
  u = add_unit (o2, "phone/SP1", 0, LOCAL, 0);
  nat_expiry_timeline (o2, u, FALSE);
  g_autoptr (GArray) m2 = metrics_compute (o2);
  assert_val (m2, "", "reregistrations", 0);
}

static void
test_load (void)
{
  g_autoptr (RunObservations) obs = world (S (600), S (2400));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  g_array_index (obs->units, ObsUnit, u).datagrams_sent = 120;
  g_array_index (obs->units, ObsUnit, u).bytes_sent = 90000;
  /* window 1800 s = 0.5 h: 240 messages and 180000 bytes per hour */
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "messages_per_device_hour", 240);
  assert_val (m, "", "bytes_per_device_hour", 180000);

  /* an empty window: the rates and outage_s are NULL, counts are 0 */
  g_autoptr (RunObservations) e = world (S (600), S (600));
  add_unit (e, "phone/SP1", 0, LOCAL, 0);
  g_autoptr (GArray) m2 = metrics_compute (e);
  g_assert_true (is_null (m2, "", "messages_per_device_hour"));
  g_assert_true (is_null (m2, "", "bytes_per_device_hour"));
  g_assert_true (is_null (m2, "", "outage_s"));
  assert_val (m2, "", "registrations", 0);
}

/* ---- 6. the run aggregate ---- */

static void
test_aggregate_three_units (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint p1 = add_unit (obs, "phone-1/SP1", 0, LOCAL, 0);
  guint p2 = add_unit (obs, "phone-2/SP1", 1, LOCAL2, 0);
  guint p3 = add_unit (obs, "phone-3/SP1", 2, LOCAL3, 0);
  /* phone-1 and phone-3 at A, phone-2 at B; A crashes at 100 s;
   * phone-1 at B at 132.12 s (32.12), phone-3 at B at 140 s (40);
   * phone-2 is not hit: NULL.  Mean failover (32.12 + 40) / 2 = 36.06;
   * completed (1 + 1) / 2 = 1; failovers (1 + 0 + 1) / 3 = 2/3. */
  add_reg (obs, p1, MS (1060), A, 3600);
  add_reg (obs, p2, MS (1200), B, 3600);
  add_reg (obs, p3, MS (2000), A, 3600);
  add_fault (obs, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_reg (obs, p1, MS (132120), B, 3600);
  add_reg (obs, p3, S (140), B, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);

  assert_val (m, "phone-1/SP1", "failover_s", 32.12);
  g_assert_true (is_null (m, "phone-2/SP1", "failover_s"));
  assert_val (m, "phone-3/SP1", "failover_s", 40);
  assert_val (m, "", "failover_s", 36.06);
  assert_val (m, "", "failover_completed", 1);
  assert_val (m, "", "failovers", 2.0 / 3.0);
  /* outage: 1.06 + 32.12; 1.2; 2 + 40 -> mean (33.18 + 1.2 + 42) / 3 */
  assert_val (m, "phone-1/SP1", "outage_s", 33.18);
  assert_val (m, "phone-2/SP1", "outage_s", 1.2);
  assert_val (m, "phone-3/SP1", "outage_s", 42);
  assert_val (m, "", "outage_s", (33.18 + 1.2 + 42) / 3);
  /* registrations 2, 1, 2 -> 5/3 */
  assert_val (m, "", "registrations", 5.0 / 3.0);

  /* rows: 22 aggregates first, then 22 per unit in unit order */
  g_assert_cmpuint (m->len, ==, 88);
  g_assert_cmpstr (g_array_index (m, RunMetric, 21).unit, ==, "");
  g_assert_cmpstr (g_array_index (m, RunMetric, 22).unit, ==, "phone-1/SP1");
  g_assert_cmpstr (g_array_index (m, RunMetric, 87).unit, ==, "phone-3/SP1");
}


/* ---- detect_s, flow_failures, reconnects (doc/metrics.md) ---- */

/* A TCP unit registered at A; A crashes at 100 s.  The connection fails
 * at 100.03 s (detect_s = 0.03), a REGISTER fails at 130 s, the unit
 * reconnects at 150 s (its power-on connection at 0 s is not a
 * reconnect) and loses that connection again at 200 s: flow_failures 2,
 * reconnects 1.  A UDP unit registered at A notices only when its REGISTER
 * times out at 140 s (detect_s 40) and has no flow metrics (NULL). */
static void
test_detect_and_flows (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint t = add_unit (obs, "tcp/SP1", 0, LOCAL, 0);
  guint u = add_unit (obs, "udp/SP1", 1, LOCAL2, 0);
  add_event (obs, t, DEVICE_EVENT_FLOW_UP, MS (60));
  add_reg (obs, t, MS (120), A, 3600);
  add_reg (obs, u, MS (120), A, 3600);
  add_fault (obs, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_event (obs, t, DEVICE_EVENT_FLOW_FAILED, MS (100030));
  add_event (obs, t, DEVICE_EVENT_REG_FAILED, S (130));
  add_event (obs, u, DEVICE_EVENT_REG_FAILED, S (140));
  add_event (obs, t, DEVICE_EVENT_FLOW_UP, S (150));
  add_event (obs, t, DEVICE_EVENT_FLOW_FAILED, S (200));
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "tcp/SP1", "detect_s", 0.03);
  assert_val (m, "udp/SP1", "detect_s", 40);
  assert_val (m, "", "detect_s", (0.03 + 40) / 2);
  assert_val (m, "tcp/SP1", "flow_failures", 2);
  assert_val (m, "tcp/SP1", "reconnects", 1);
  g_assert_true (is_null (m, "udp/SP1", "flow_failures"));
  g_assert_true (is_null (m, "udp/SP1", "reconnects"));
  /* the aggregate is over the units that have a value */
  assert_val (m, "", "flow_failures", 2);
}

/* No registrar fault: detect_s is NULL even when a connection fails (a
 * NAT that forgot its mapping is not a fault event); flow_failures counts
 * it. */
static void
test_detect_without_fault (void)
{
  g_autoptr (RunObservations) obs = world (0, S (600));
  guint t = add_unit (obs, "tcp/SP1", 0, LOCAL, 0);
  add_event (obs, t, DEVICE_EVENT_FLOW_UP, MS (60));
  add_reg (obs, t, MS (120), A, 3600);
  add_event (obs, t, DEVICE_EVENT_FLOW_FAILED, S (310));
  g_autoptr (GArray) m = metrics_compute (obs);
  g_assert_true (is_null (m, "", "detect_s"));
  assert_val (m, "", "flow_failures", 1);
  assert_val (m, "", "reconnects", 0);
}

/* ---- 7. the worked example of doc/metrics.md ---- */

static void
test_doc_example (void)
{
  /* doc/metrics.md, "A worked example": warmup 60 s, end 900 s; keep the
   * two in step. */
  g_autoptr (RunObservations) obs = world (S (60), S (900));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  g_array_index (obs->units, ObsUnit, u).datagrams_sent = 84;
  g_array_index (obs->units, ObsUnit, u).bytes_sent = 50400;
  created (obs, MS (500), 1, LOCAL, 40001, A);
  add_reg (obs, u, MS (560), A, 300);
  add_reg (obs, u, MS (150560), A, 300);
  add_fault (obs, S (200), OBS_FAULT_PROXY_CRASH, 0);
  created (obs, MS (232400), 2, LOCAL, 40002, B);
  add_reg (obs, u, MS (232500), B, 300);
  expired (obs, S (380), 1, LOCAL, NAT_EXPIRY_TIMEOUT);
  expired (obs, S (400), 2, LOCAL, NAT_EXPIRY_TIMEOUT);
  created (obs, S (430), 3, LOCAL, 40003, B);
  add_event (obs, u, DEVICE_EVENT_MAPPING, MS (430050));
  add_reg (obs, u, MS (430100), B, 300);
  add_reg (obs, u, MS (580100), B, 300);
  add_reg (obs, u, MS (730100), B, 300);
  add_reg (obs, u, MS (880100), B, 300);
  add_probe (obs, u, S (100), TRUE, SIP_PROXY_PROBE_OK);
  add_probe (obs, u, MS (199900), FALSE, SIP_PROXY_PROBE_ABORTED);
  add_probe (obs, u, S (250), TRUE, SIP_PROXY_PROBE_OK);
  add_probe (obs, u, S (410), FALSE, SIP_PROXY_PROBE_TIMEOUT);
  add_probe (obs, u, S (500), TRUE, SIP_PROXY_PROBE_OK);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "time_to_first_registration_s", 0.56);
  assert_val (m, "", "failover_s", 32.5);
  assert_val (m, "", "failover_completed", 1);
  assert_val (m, "", "failovers", 1);
  assert_val (m, "", "outage_s", 62.6);          /* 32.5 + 30.1 */
  assert_val (m, "", "pinhole_survival", 0.75);  /* 3 of 4 */
  assert_val (m, "", "pinhole_expiries", 2);
  assert_val (m, "", "reregistrations", 2);      /* 232.5 (server), 430.1 (MAPPING) */
  assert_val (m, "", "registrations", 6);
  assert_val (m, "", "messages_per_device_hour", 360);   /* 84 / (840/3600) */
  assert_val (m, "", "bytes_per_device_hour", 216000);
}


/* ---- 8. calls and subscriptions (doc/metrics.md "Calls") ---- */

static void
add_call (RunObservations *obs, guint unit, guint id, DeviceCallPhase phase, SimTime t,
          gboolean incoming, gboolean generator)
{
  ObsEvent e = { .unit = unit, .generator = generator,
                 .ev = { .kind = DEVICE_EVENT_CALL, .time = t, .account = 1, .call_id = id,
                         .call_phase = phase, .incoming = incoming } };
  g_array_append_val (obs->events, e);
}

static void
add_sub (RunObservations *obs, guint unit, DeviceSubPhase phase, SimTime t, SimSockAddr server,
         guint status)
{
  ObsEvent e = { .unit = unit, .ev = { .kind = DEVICE_EVENT_SUBSCRIPTION, .time = t, .account = 1,
                                       .sub_phase = phase, .server = server, .status = status } };
  g_array_append_val (obs->events, e);
}

/* Window [60 s, 1000 s).  Registered at A from 1 s; A crashes at 280 s,
 * the unit registers at B at 350 s: one failover period [280, 350).
 *   call 1  10 s .. 11 s established            before the window: not counted
 *   call 2  100 s, established 102.5 s, ended    setup 2.5 s
 *   call 3  300 s, failed 332 s                  in the failover period
 *   call 4  400 s, established 401 s, lost 500 s setup 1 s, lost
 *   call 5  990 s, no outcome by the end         an attempt, not completed
 *   incoming (device side) established 500.2 s, lost 650 s: lost
 *   generator 1: 500 s, established; generator 2: 700 s, failed
 * attempts 4; setup ratio 2/3 (calls 2 and 4 of the three completed);
 * setup 1.75 s; failed in failover 1; lost 2; inbound 2 attempts, 1/2. */
static void
test_calls (void)
{
  g_autoptr (RunObservations) obs = world (S (60), S (1000));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  add_reg (obs, u, S (1), A, 3600);
  add_call (obs, u, 1, DEVICE_CALL_STARTED, S (10), FALSE, FALSE);
  add_call (obs, u, 1, DEVICE_CALL_ESTABLISHED, S (11), FALSE, FALSE);
  add_call (obs, u, 2, DEVICE_CALL_STARTED, S (100), FALSE, FALSE);
  add_call (obs, u, 2, DEVICE_CALL_ESTABLISHED, MS (102500), FALSE, FALSE);
  add_call (obs, u, 2, DEVICE_CALL_ENDED, S (200), FALSE, FALSE);
  add_fault (obs, S (280), OBS_FAULT_PROXY_CRASH, 0);
  add_call (obs, u, 3, DEVICE_CALL_STARTED, S (300), FALSE, FALSE);
  add_call (obs, u, 3, DEVICE_CALL_FAILED, S (332), FALSE, FALSE);
  add_reg (obs, u, S (350), B, 3600);
  add_call (obs, u, 4, DEVICE_CALL_STARTED, S (400), FALSE, FALSE);
  add_call (obs, u, 4, DEVICE_CALL_ESTABLISHED, S (401), FALSE, FALSE);
  add_call (obs, u, 4, DEVICE_CALL_LOST, S (500), FALSE, FALSE);
  add_call (obs, u, 1, DEVICE_CALL_STARTED, S (500), TRUE, TRUE);
  add_call (obs, u, 7, DEVICE_CALL_STARTED, MS (500100), TRUE, FALSE);
  add_call (obs, u, 1, DEVICE_CALL_ESTABLISHED, MS (500200), TRUE, TRUE);
  add_call (obs, u, 7, DEVICE_CALL_ESTABLISHED, MS (500200), TRUE, FALSE);
  add_call (obs, u, 1, DEVICE_CALL_ENDED, S (600), TRUE, TRUE);
  add_call (obs, u, 7, DEVICE_CALL_LOST, S (650), TRUE, FALSE);
  add_call (obs, u, 2, DEVICE_CALL_STARTED, S (700), TRUE, TRUE);
  add_call (obs, u, 2, DEVICE_CALL_FAILED, S (732), TRUE, TRUE);
  add_call (obs, u, 5, DEVICE_CALL_STARTED, S (990), FALSE, FALSE);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "call_attempts", 4);
  assert_val (m, "", "call_setup_ratio", 2.0 / 3.0);
  assert_val (m, "", "call_setup_s", 1.75);
  assert_val (m, "", "calls_failed_failover", 1);
  assert_val (m, "", "calls_lost", 2);
  assert_val (m, "", "inbound_call_attempts", 2);
  assert_val (m, "", "inbound_setup_ratio", 0.5);
  g_assert_true (is_null (m, "", "subscription_gap_s"));
}

/* No calls, no fault: counts are 0, ratios and times NULL (not 0), and
 * calls_failed_failover NULL (there was no failover to fail in). */
static void
test_calls_none (void)
{
  g_autoptr (RunObservations) obs = world (0, S (1000));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  add_reg (obs, u, S (1), A, 3600);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "call_attempts", 0);
  assert_val (m, "", "calls_lost", 0);
  g_assert_true (is_null (m, "", "call_setup_ratio"));
  g_assert_true (is_null (m, "", "call_setup_s"));
  g_assert_true (is_null (m, "", "calls_failed_failover"));
  g_assert_true (is_null (m, "", "inbound_setup_ratio"));
}

/* Window [0, 1000).  Subscribed at A from 10 s; A crashes at 100 s and
 * recovers at 400 s; the subscription moves at 300 s and is active at B
 * at 300.06 s; at 800 s B answers a refresh 481 and the new one is active
 * at 800.06 s.  Gap: [100, 300) A down + [300, 300.06) + [800, 800.06) =
 * 200.12 s; [0, 10) is before the first subscription and does not count. */
static void
test_subscription_gap (void)
{
  g_autoptr (RunObservations) obs = world (0, S (1000));
  guint u = add_unit (obs, "phone/SP1", 0, LOCAL, 0);
  add_reg (obs, u, S (1), A, 3600);
  add_sub (obs, u, DEVICE_SUB_ACTIVE, S (10), A, 200);
  add_fault (obs, S (100), OBS_FAULT_PROXY_CRASH, 0);
  add_sub (obs, u, DEVICE_SUB_MOVED, S (300), B, 0);
  add_sub (obs, u, DEVICE_SUB_ACTIVE, MS (300060), B, 200);
  add_fault (obs, S (400), OBS_FAULT_PROXY_RECOVER, 0);
  add_sub (obs, u, DEVICE_SUB_FAILED, S (800), B, 481);
  add_sub (obs, u, DEVICE_SUB_ACTIVE, MS (800060), B, 200);
  g_autoptr (GArray) m = metrics_compute (obs);
  assert_val (m, "", "subscription_gap_s", 200.12);
}

/* The registry (metrics-info.c) covers every metric, with a unit, and
 * its ranges are those doc/metrics.md states: fractions in [0, 1],
 * everything else >= 0. */
static void
test_registry (void)
{
  const char * const *names = metrics_names ();
  for (guint i = 0; names[i]; i++)
    {
      const MetricInfo *m = metrics_info (names[i]);
      g_assert_nonnull (m);
      g_assert_cmpstr (m->name, ==, names[i]);
      g_assert_true (m->unit && *m->unit && m->label && *m->label);
      g_assert_cmpfloat (m->min, ==, 0);
      if (m->kind == METRIC_FRACTION)
        g_assert_cmpfloat (m->max, ==, 1);
      if (g_str_has_suffix (names[i], "_s"))
        g_assert_cmpint (m->kind, ==, METRIC_SECONDS);
    }
  g_assert_null (metrics_info ("no_such_metric"));
  g_autofree char *l = metrics_axis_label ("failover_s");
  g_assert_cmpstr (l, ==, "failover time (s)");
  g_autofree char *u = metrics_axis_label ("x");
  g_assert_cmpstr (u, ==, "x");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/detect/flows-and-udp", test_detect_and_flows);
  g_test_add_func ("/metrics/detect/without-fault", test_detect_without_fault);
  g_test_add_func ("/metrics/1-rows/single-unit", test_rows_single_unit);
  g_test_add_func ("/metrics/1-rows/registry", test_registry);
  g_test_add_func ("/metrics/1-rows/no-units", test_rows_no_units);
  g_test_add_func ("/metrics/2-ttfr/power-on-to-first", test_ttfr);
  g_test_add_func ("/metrics/3-failover/crash-to-backup", test_failover_basic);
  g_test_add_func ("/metrics/3-failover/no-fault", test_failover_no_fault);
  g_test_add_func ("/metrics/3-failover/before-warmup", test_failover_before_warmup);
  g_test_add_func ("/metrics/3-failover/other-proxy", test_failover_other_proxy);
  g_test_add_func ("/metrics/3-failover/binding-expired", test_failover_binding_expired);
  g_test_add_func ("/metrics/3-failover/never-recovers", test_failover_never_recovers);
  g_test_add_func ("/metrics/3-failover/same-server-recovered", test_failover_same_server_recovered);
  g_test_add_func ("/metrics/3-failover/link-cut", test_failover_link_cut);
  g_test_add_func ("/metrics/3-failover/count", test_failover_count);
  g_test_add_func ("/metrics/4-outage/no-nat-failover", test_outage_no_nat_failover);
  g_test_add_func ("/metrics/4-outage/binding-expires", test_outage_binding_expires);
  g_test_add_func ("/metrics/4-outage/B21-secondary-registration-reachable",
                   test_outage_secondary_registration);
  g_test_add_func ("/metrics/4-outage/never-registered", test_outage_never_registered);
  g_test_add_func ("/metrics/4-outage/nat-expiry", test_outage_nat_expiry);
  g_test_add_func ("/metrics/4-outage/nat-expiry-warmup", test_outage_nat_expiry_warmup);
  g_test_add_func ("/metrics/4-outage/eim-vs-apdm", test_outage_eim_vs_apdm);
  g_test_add_func ("/metrics/4-outage/nat-reboot", test_outage_nat_reboot);
  g_test_add_func ("/metrics/4-outage/link-cuts", test_outage_link_cuts);
  g_test_add_func ("/metrics/4-outage/nat-known-later", test_outage_nat_known_later);
  g_test_add_func ("/metrics/4-outage/crash-keeps-restart-loses", test_outage_crash_keeps_restart_loses);
  g_test_add_func ("/metrics/5-counts/pinhole-survival", test_pinhole_survival);
  g_test_add_func ("/metrics/5-counts/pinhole-expiries", test_pinhole_expiries);
  g_test_add_func ("/metrics/5-counts/refresh-vs-reregistration", test_refresh_vs_reregistration);
  g_test_add_func ("/metrics/5-counts/load", test_load);
  g_test_add_func ("/metrics/6-aggregate/three-units", test_aggregate_three_units);
  g_test_add_func ("/metrics/7-doc/worked-example", test_doc_example);
  g_test_add_func ("/metrics/8-calls/outcomes", test_calls);
  g_test_add_func ("/metrics/8-calls/none", test_calls_none);
  g_test_add_func ("/metrics/8-calls/subscription-gap", test_subscription_gap);
  return g_test_run ();
}
