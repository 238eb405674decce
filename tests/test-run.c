/*
 * tests/test-run.c - the run executor (experiment/run.h): the world a
 * RunSpec becomes, its faults as observed, and the run's guarantees.
 *
 * Worlds are built as RunSpecs in C (no scenario files).  Every link has
 * the one-way latency L = 10 ms, so with the address plan of doc/runs.md:
 *   - a device without NAT is two links from any server (access, server
 *     link): one round trip is RTT2 = 4 L;
 *   - a device behind a NAT is three links away: RTT3 = 6 L.
 * Expected times are built from those and the device rules (doc/device.md:
 * B5 refresh at 90 % of E for obihai, Timer F = 64 x T1 = 32 s, the OBi
 * lookup order) and from the NAT rules (models/nat/nat.h: a binding lives
 * udp_timeout after the last packet that refreshed it).
 */
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "experiment/fault.h"
#include "experiment/run.h"
#include "experiment/spec-build.h"

#define L     SIM_MS (10)
#define RTT2  (4 * L)
#define RTT3  (6 * L)
#define TIMER_F SIM_S (32)

#define P0 SIM_IP4 (198, 51, 100, 10)
#define P1 SIM_IP4 (198, 51, 100, 20)

static void
set (DeviceConfig *cfg, const char *name, const char *value)
{
  GError *err = NULL;
  g_assert_true (device_config_set (cfg, name, value, &err));
  g_assert_no_error (err);
}

/* The world pieces come from the shared builder (experiment/spec-build.h);
 * these wrappers fix the latency L and the phone every test uses. */
#define add_record spec_build_record

static void
add_proxy (RunSpec *s, const char *name, SimIp4 addr)
{
  spec_build_proxy (s, name, addr, L);
}

static gint
add_nat (RunSpec *s, const char *name, gboolean shared, SimTime udp_timeout)
{
  return spec_build_nat (s, name, shared, udp_timeout, L);
}

/* An OBi phone "1000" at voip.test, first REGISTER at power-on (time 0). */
static SpecDevice *
add_phone (RunSpec *s, const char *name, guint count, gint nat)
{
  static const char *const params[] = {
    "ProxyServer", "voip.test", "AuthUserName", "1000", "AuthPassword", "secret",
    "sip.reg_surge_prevention", "0", "RegisterExpires", "300", NULL,
  };
  g_autoptr (GError) err = NULL;
  SpecDevice *d = spec_build_device (s, name, count, nat, DEVICE_PROFILE_OBIHAI, L, params, &err);
  g_assert_no_error (err);
  return d;
}

static SpecFault *
add_fault (RunSpec *s, const char *name, const char *type, const char *target, SimTime at)
{
  SpecFault *f = spec_build_fault (s, name, type, target, at);
  g_assert_nonnull (f);
  return f;
}

/* One proxy p0 at 198.51.100.10 with voip.test A -> p0; @n_phones obihai
 * phones without NAT. */
static RunSpec *
simple_spec (guint64 seed, SimTime duration)
{
  RunSpec *s = spec_build_new ("test", seed, duration, "test", L);
  add_record (s, "voip.test", (DnsRecord) { .type = DNS_TYPE_A, .ttl_s = 3600, .ip = P0 });
  add_proxy (s, "p0", P0);
  return s;
}

/* SRV _sip._udp.voip.test: priority 10 -> p0, 20 -> p1 (TTL 3600). */
static RunSpec *
srv_spec (guint64 seed, SimTime duration)
{
  RunSpec *s = spec_build_new ("srv", seed, duration, "test", L);
  add_record (s, "_sip._udp.voip.test", (DnsRecord) { .type = DNS_TYPE_SRV, .ttl_s = 3600,
              .priority = 10, .weight = 10, .port = 5060, .target = "p0.voip.test" });
  add_record (s, "_sip._udp.voip.test", (DnsRecord) { .type = DNS_TYPE_SRV, .ttl_s = 3600,
              .priority = 20, .weight = 10, .port = 5060, .target = "p1.voip.test" });
  add_record (s, "p0.voip.test", (DnsRecord) { .type = DNS_TYPE_A, .ttl_s = 3600, .ip = P0 });
  add_record (s, "p1.voip.test", (DnsRecord) { .type = DNS_TYPE_A, .ttl_s = 3600, .ip = P1 });
  add_proxy (s, "p0", P0);
  add_proxy (s, "p1", P1);
  return s;
}

static RunResult *
run (const RunSpec *s, gboolean keep_obs)
{
  RunOptions o = { .keep_observations = keep_obs };
  if (g_getenv ("SIPSIM_TEST_TRACE"))       /* debugging aid: the run's trace on stderr */
    o.trace_file = stderr;
  RunResult *r = run_execute (s, &o);
  g_assert_nonnull (r);
  g_assert_null (r->error);
  return r;
}

static const ObsEvent *
find_event (const RunObservations *obs, DeviceEventKind kind, guint unit, SimIp4 server,
            SimTime after)
{
  for (guint i = 0; i < obs->events->len; i++)
    {
      const ObsEvent *e = &g_array_index (obs->events, ObsEvent, i);
      if (e->ev.kind == kind && e->unit == unit && e->ev.time >= after
          && (server == 0 || e->ev.server.ip == server))
        return e;
    }
  return NULL;
}

static guint
count_faults (const RunObservations *obs, ObsFaultKind kind)
{
  guint n = 0;
  for (guint i = 0; i < obs->faults->len; i++)
    n += g_array_index (obs->faults, ObsFault, i).kind == kind;
  return n;
}

static const char *
host_name (const RunObservations *obs, SimIp4 addr)
{
  for (guint i = 0; i < obs->hosts->len; i++)
    if (g_array_index (obs->hosts, ObsHost, i).addr == addr)
      return g_array_index (obs->hosts, ObsHost, i).name;
  return NULL;
}

/* ------------------------------------------------------------ 1 world */

static void
test_world_one_phone (void)
{
  g_autoptr (RunSpec) s = simple_spec (1, SIM_S (60));
  add_phone (s, "phone", 1, -1);
  g_autoptr (RunResult) r = run (s, TRUE);
  const RunObservations *obs = r->obs;
  g_assert_cmpuint (r->n_devices, ==, 1);
  g_assert_cmpint (r->sim_time, ==, SIM_S (60));
  /* One unit: the plan gives a device without NAT the first uplink's .2. */
  g_assert_cmpuint (obs->units->len, ==, 1);
  const ObsUnit *u = &g_array_index (obs->units, ObsUnit, 0);
  g_assert_cmpstr (u->name, ==, "phone/SP1");
  g_assert_cmpstr (u->aor, ==, "1000@voip.test");
  g_assert_cmpuint (u->local.ip, ==, SIM_IP4 (100, 64, 0, 2));
  g_assert_cmpuint (u->local.port, ==, 5060);
  g_assert_cmpint (u->powered_on, ==, 0);
  g_assert_cmpstr (host_name (obs, SIM_IP4 (100, 64, 0, 2)), ==, "phone");
  g_assert_cmpstr (host_name (obs, SIM_IP4 (100, 64, 0, 1)), ==, "core");
  g_assert_cmpstr (host_name (obs, P0), ==, "p0");
  g_assert_cmpstr (host_name (obs, SIM_IP4 (192, 0, 2, 53)), ==, "dns");
  g_assert_cmpuint (obs->proxies->len, ==, 1);
  g_assert_cmpuint (g_array_index (obs->proxies, ObsProxy, 0).addr.ip, ==, P0);
  /* OBi: A(voip.test) answers at once (one DNS round trip, two links),
   * REGISTER and 200 one more round trip. */
  const ObsEvent *reg = find_event (obs, DEVICE_EVENT_REGISTERED, 0, P0, 0);
  g_assert_nonnull (reg);
  g_assert_cmpint (reg->ev.time, ==, RTT2 + RTT2);
  /* Traffic since warm-up 0: at least the REGISTER. */
  g_assert_cmpuint (u->datagrams_sent, >=, 1);
  g_assert_cmpuint (u->bytes_sent, >, u->datagrams_sent * 100);
  g_assert_cmpuint (r->metrics->len, >, 0);
}

static void
test_world_count_each_nat (void)
{
  g_autoptr (RunSpec) s = simple_spec (2, SIM_S (30));
  gint nat = add_nat (s, "home", FALSE, 0);
  add_phone (s, "phone", 3, nat);
  g_autoptr (RunResult) r = run (s, TRUE);
  const RunObservations *obs = r->obs;
  g_assert_cmpuint (obs->units->len, ==, 3);
  for (guint k = 0; k < 3; k++)
    {
      const ObsUnit *u = &g_array_index (obs->units, ObsUnit, k);
      g_autofree char *name = g_strdup_printf ("phone-%u/SP1", k + 1);
      g_autofree char *aor = g_strdup_printf ("1000-%u@voip.test", k + 1);
      g_assert_cmpstr (u->name, ==, name);
      g_assert_cmpstr (u->aor, ==, aor);
      /* LAN /30 of instance k: device 10.0.0.4k+2, gateway .4k+1. */
      g_assert_cmpuint (u->local.ip, ==, SIM_IP4 (10, 0, 0, 4 * k + 2));
      g_autofree char *home = g_strdup_printf ("home-%u", k + 1);
      g_assert_cmpstr (host_name (obs, SIM_IP4 (10, 0, 0, 4 * k + 1)), ==, home);
      /* NAT instance k has uplink k: public 100.64.0.4k+2. */
      g_assert_cmpstr (host_name (obs, SIM_IP4 (100, 64, 0, 4 * k + 2)), ==, home);
      g_assert_nonnull (find_event (obs, DEVICE_EVENT_REGISTERED, k, P0, 0));
    }
  g_assert_null (host_name (obs, SIM_IP4 (100, 64, 0, 14)));
}

static void
test_world_count_shared_nat (void)
{
  g_autoptr (RunSpec) s = simple_spec (3, SIM_S (30));
  gint nat = add_nat (s, "cgn", TRUE, 0);
  add_phone (s, "phone", 3, nat);
  g_autoptr (RunResult) r = run (s, TRUE);
  const RunObservations *obs = r->obs;
  g_assert_cmpuint (obs->units->len, ==, 3);
  /* One instance, named as the section: one public address. */
  g_assert_cmpstr (host_name (obs, SIM_IP4 (100, 64, 0, 2)), ==, "cgn");
  g_assert_null (host_name (obs, SIM_IP4 (100, 64, 0, 6)));
  for (guint k = 0; k < 3; k++)
    {
      g_assert_cmpstr (host_name (obs, SIM_IP4 (10, 0, 0, 4 * k + 1)), ==, "cgn");
      g_assert_cmpuint (g_array_index (obs->units, ObsUnit, k).local.ip, ==,
                        SIM_IP4 (10, 0, 0, 4 * k + 2));
      g_assert_nonnull (find_event (obs, DEVICE_EVENT_REGISTERED, k, P0, 0));
    }
  /* All three map to the one public address (port preservation keeps
   * 5060 for the first, then another port: three external endpoints). */
  GHashTable *ext = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < obs->nat_records->len; i++)
    {
      const NatRecord *rec = &g_array_index (obs->nat_records, NatRecord, i);
      g_assert_cmpuint (rec->external.ip, ==, SIM_IP4 (100, 64, 0, 2));
      if (rec->kind == NAT_RECORD_CREATED && rec->internal.port == 5060)
        g_hash_table_add (ext, GUINT_TO_POINTER (rec->external.port));
    }
  g_assert_cmpuint (g_hash_table_size (ext), ==, 3);
  g_hash_table_unref (ext);
}

/* Issue 17: the phones of a section share one DeviceConfig (run-world.c
 * note 4, device.h note 6); what is per phone must still reach only that
 * phone, and what is per section only that section's phones.  Section a
 * (count 3, UserID "alice", AuthUserName 1000): each phone registers as
 * its own user alice-k (the registrar keys its bindings by the REGISTER's
 * To user, and its probes name that AOR, so a probe attributed to unit k
 * proves phone k's REGISTER carried alice-k).  Section b (one phone,
 * 2000) asks for 60 s instead of 300 s: its edit reaches b only.  The
 * spec's own configs are not written by the run. */
static void
test_world_shared_config (void)
{
  g_autoptr (RunSpec) s = simple_spec (10, SIM_S (600));
  g_array_index (s->proxies, SpecProxy, 0).cfg.probe_rate = 0.05;
  SpecDevice *a = add_phone (s, "a", 3, -1);
  set (&a->cfg, "UserID", "alice");
  SpecDevice *b = add_phone (s, "b", 1, -1);
  set (&b->cfg, "AuthUserName", "2000");
  set (&b->cfg, "RegisterExpires", "60");
  g_autoptr (RunResult) r = run (s, TRUE);
  const RunObservations *obs = r->obs;
  static const char *const aors[] = { "alice-1@voip.test", "alice-2@voip.test",
                                      "alice-3@voip.test", "2000@voip.test" };
  g_assert_cmpuint (obs->units->len, ==, 4);
  for (guint u = 0; u < 4; u++)
    g_assert_cmpstr (g_array_index (obs->units, ObsUnit, u).aor, ==, aors[u]);
  guint per_unit[4] = { 0 };
  for (guint i = 0; i < obs->probes->len; i++)
    {
      const ObsProbe *p = &g_array_index (obs->probes, ObsProbe, i);
      g_assert_cmpuint (p->unit, <, 4);          /* every probed AOR is a unit's */
      per_unit[p->unit]++;
    }
  guint granted[4] = { 0 };
  for (guint i = 0; i < obs->events->len; i++)
    {
      const ObsEvent *e = &g_array_index (obs->events, ObsEvent, i);
      if (e->ev.kind != DEVICE_EVENT_REGISTERED)
        continue;
      g_assert_cmpuint (e->ev.expires, ==, e->unit < 3 ? 300 : 60);
      granted[e->unit]++;
    }
  for (guint u = 0; u < 4; u++)
    {
      g_assert_cmpuint (per_unit[u], >, 3);      /* 0.05/s over 4 bindings, 600 s: ~7 each */
      g_assert_cmpuint (granted[u], >, 0);
    }
  /* B5 with the obihai lead fraction 0.1: a refreshes every 300 - 30 =
   * 270 s, b every 60 - 6 = 54 s, after a first 2xx at t0 = 2 RTT2 (well
   * under a second).  In 600 s: 2xx at t0 + 270 k for k = 0..2, and at
   * t0 + 54 k for k = 0..11. */
  for (guint u = 0; u < 3; u++)
    g_assert_cmpuint (granted[u], ==, 3);
  g_assert_cmpuint (granted[3], ==, 12);
  /* The spec's configs as they were: no suffix, no DNS server filled in. */
  const SpecDevice *sa = &g_array_index (s->devices, SpecDevice, 0);
  g_assert_cmpstr (sa->cfg.accounts[0].user_id, ==, "alice");
  g_assert_cmpstr (sa->cfg.accounts[0].auth_username, ==, "1000");
  g_assert_cmpuint (sa->cfg.n_dns_servers, ==, 0);
}

/* ------------------------------------------------------------ 2 faults */

/* doc/device.md timeline (a) in this world: the lookup is 4 DNS round
 * trips (A NXDOMAIN, SRV voip.test nothing, SRV _sip._udp, A of both
 * targets in parallel), t0 = 4 RTT2 + RTT2; refresh at t0 + 270 s (B5,
 * E = 300), Timer F 32 s, a fresh lookup (4 RTT2), REGISTER to p1
 * (X_ProxyServerRedundancy on: the obihai default is off, B18). */
static void
test_fault_srv_failover (void)
{
  g_autoptr (RunSpec) s = srv_spec (4, SIM_S (400));
  SpecDevice *d = add_phone (s, "phone", 1, -1);
  set (&d->cfg, "X_ProxyServerRedundancy", "true");
  SpecFault *f = add_fault (s, "crash", "proxy-crash", "p0", SIM_S (100));
  f->action = SIP_PROXY_FAULT_CRASH;
  g_autoptr (RunResult) r = run (s, TRUE);
  const RunObservations *obs = r->obs;
  SimTime t0 = 4 * RTT2 + RTT2;
  const ObsEvent *first = find_event (obs, DEVICE_EVENT_REGISTERED, 0, P0, 0);
  g_assert_nonnull (first);
  g_assert_cmpint (first->ev.time, ==, t0);
  const ObsEvent *fo = find_event (obs, DEVICE_EVENT_REGISTERED, 0, P1, 0);
  g_assert_nonnull (fo);
  g_assert_cmpint (fo->ev.time, ==, t0 + SIM_S (270) + TIMER_F + 4 * RTT2 + RTT2);
  g_assert_true (fo->ev.failover);
  /* The crash as it fired, no recovery (duration 0). */
  g_assert_cmpuint (obs->faults->len, ==, 1);
  const ObsFault *of = &g_array_index (obs->faults, ObsFault, 0);
  g_assert_cmpint (of->kind, ==, OBS_FAULT_PROXY_CRASH);
  g_assert_cmpint (of->time, ==, SIM_S (100));
  g_assert_cmpstr (of->target, ==, "p0");
  g_assert_cmpstr (of->fault, ==, "crash");
  g_assert_cmpint (of->proxy, ==, 0);
}

static void
test_fault_crash_recover_and_restart (void)
{
  g_autoptr (RunSpec) s = simple_spec (5, SIM_S (300));
  add_phone (s, "phone", 1, -1);
  SpecFault *f = add_fault (s, "c", "proxy-crash", "p0", SIM_S (10));
  f->action = SIP_PROXY_FAULT_CRASH;
  f->duration = SIM_S (20);
  f = add_fault (s, "r", "proxy-crash", "p0", SIM_S (100));
  f->action = SIP_PROXY_FAULT_RESTART;
  g_autoptr (RunResult) r = run (s, TRUE);
  const GArray *fa = r->obs->faults;
  g_assert_cmpuint (fa->len, ==, 4);
  /* crash 10, recover 30, restart 100, back after restart_downtime (10 s). */
  g_assert_cmpint (g_array_index (fa, ObsFault, 0).kind, ==, OBS_FAULT_PROXY_CRASH);
  g_assert_cmpint (g_array_index (fa, ObsFault, 1).kind, ==, OBS_FAULT_PROXY_RECOVER);
  g_assert_cmpint (g_array_index (fa, ObsFault, 1).time, ==, SIM_S (30));
  g_assert_cmpint (g_array_index (fa, ObsFault, 2).kind, ==, OBS_FAULT_PROXY_RESTART);
  g_assert_cmpint (g_array_index (fa, ObsFault, 2).time, ==, SIM_S (100));
  g_assert_cmpint (g_array_index (fa, ObsFault, 3).kind, ==, OBS_FAULT_PROXY_RECOVER);
  g_assert_cmpint (g_array_index (fa, ObsFault, 3).time, ==, SIM_S (110));
}

/* Random faults: every drawn fault is observed, alternating with its
 * recovery, all before the end. */
static void
test_fault_proxy_random (void)
{
  g_autoptr (RunSpec) s = simple_spec (6, SIM_S (3600));
  add_phone (s, "phone", 1, -1);
  SpecFault *f = add_fault (s, "flaky", "proxy-random", "p0", 0);
  f->action = SIP_PROXY_FAULT_REJECT;
  f->mtbf = SIM_S (300);
  f->mttr = SIM_S (30);
  g_autoptr (RunResult) r = run (s, TRUE);
  const GArray *fa = r->obs->faults;
  /* Mean period 330 s over 3600 s: about 11; certainly more than 2. */
  g_assert_cmpuint (fa->len, >=, 4);
  for (guint i = 0; i < fa->len; i++)
    {
      const ObsFault *o = &g_array_index (fa, ObsFault, i);
      g_assert_cmpint (o->kind, ==, i % 2 ? OBS_FAULT_PROXY_RECOVER : OBS_FAULT_PROXY_REJECT);
      g_assert_cmpint (o->time, <, SIM_S (3600));
      if (i > 0)
        g_assert_cmpint (o->time, >, g_array_index (fa, ObsFault, i - 1).time);
    }
}

static void
test_fault_link_cut (void)
{
  g_autoptr (RunSpec) s = simple_spec (7, SIM_S (120));
  add_phone (s, "phone", 1, -1);
  SpecFault *f = add_fault (s, "cut", "link-cut", "p0", SIM_S (50));
  f->duration = SIM_S (10);
  g_autoptr (RunResult) r = run (s, TRUE);
  const GArray *fa = r->obs->faults;
  g_assert_cmpuint (fa->len, ==, 2);
  const ObsFault *a = &g_array_index (fa, ObsFault, 0), *b = &g_array_index (fa, ObsFault, 1);
  g_assert_cmpint (a->kind, ==, OBS_FAULT_LINK_CUT);
  g_assert_cmpint (a->time, ==, SIM_S (50));
  g_assert_cmpint (a->proxy, ==, 0);
  g_assert_cmpint (b->kind, ==, OBS_FAULT_LINK_RESTORE);
  g_assert_cmpint (b->time, ==, SIM_S (60));
  g_assert_cmpstr (b->target, ==, "p0");
}

/* NAT udp timeout 60 s, keep-alives every 90 s: the binding of the
 * account's socket times out 60 s after the last packet through it, the
 * 200 to the last REGISTER (Linux refreshes inbound too), which crossed
 * the NAT one access link (L) before reaching the phone. */
static void
test_fault_nat_timeout_and_reboot (void)
{
  g_autoptr (RunSpec) s = simple_spec (8, SIM_S (200));
  gint nat = add_nat (s, "home", FALSE, SIM_S (60));
  SpecDevice *d = add_phone (s, "phone", 1, nat);
  set (&d->cfg, "X_KeepAliveEnable", "true");
  set (&d->cfg, "X_KeepAliveExpires", "90");
  SpecFault *f = add_fault (s, "boot", "nat-reboot", "home", SIM_S (150));
  f->new_public = SIM_IP4 (100, 127, 0, 9);
  g_autoptr (RunResult) r = run (s, TRUE);
  const RunObservations *obs = r->obs;
  const ObsUnit *u = &g_array_index (obs->units, ObsUnit, 0);
  const ObsEvent *reg = find_event (obs, DEVICE_EVENT_REGISTERED, 0, P0, 0);
  g_assert_nonnull (reg);
  g_assert_cmpint (reg->ev.time, ==, RTT3 + RTT3);
  const NatRecord *exp = NULL;
  for (guint i = 0; i < obs->nat_records->len && !exp; i++)
    {
      const NatRecord *rec = &g_array_index (obs->nat_records, NatRecord, i);
      if (rec->kind == NAT_RECORD_EXPIRED && sim_sockaddr_equal (&rec->internal, &u->local))
        exp = rec;
    }
  g_assert_nonnull (exp);
  g_assert_cmpint (exp->reason, ==, NAT_EXPIRY_TIMEOUT);
  /* B45: the 200 shows a new mapping (rport) and the OBi registers again
   * at once with it, one round trip later; its 200 is the binding's last
   * packet. */
  const ObsEvent *reg2 = find_event (obs, DEVICE_EVENT_REGISTERED, 0, P0, reg->ev.time + 1);
  g_assert_nonnull (reg2);
  g_assert_cmpint (reg2->ev.time, ==, reg->ev.time + RTT3);
  g_assert_cmpint (exp->time, ==, reg2->ev.time - L + SIM_S (60));
  /* The reboot: recorded with the public address before it; afterwards
   * the new address is the NAT's. */
  g_assert_cmpuint (count_faults (obs, OBS_FAULT_NAT_REBOOT), ==, 1);
  const ObsFault *of = &g_array_index (obs->faults, ObsFault, 0);
  g_assert_cmpint (of->time, ==, SIM_S (150));
  g_assert_cmpuint (of->nat_public, ==, SIM_IP4 (100, 64, 0, 2));
  g_assert_cmpint (of->nat, ==, 0);
  g_assert_cmpstr (host_name (obs, SIM_IP4 (100, 127, 0, 9)), ==, "home");
}

/* Probes: the registrar probes its bindings; each is attributed to the
 * unit whose AOR it carries, reached (no NAT in the way). */
static void
test_probes_attributed (void)
{
  g_autoptr (RunSpec) s = simple_spec (9, SIM_S (600));
  g_array_index (s->proxies, SpecProxy, 0).cfg.probe_rate = 0.05;
  add_phone (s, "a", 1, -1);
  SpecDevice *b = add_phone (s, "b", 1, -1);
  set (&b->cfg, "AuthUserName", "2000");
  g_autoptr (RunResult) r = run (s, TRUE);
  const RunObservations *obs = r->obs;
  guint per_unit[2] = { 0, 0 };
  for (guint i = 0; i < obs->probes->len; i++)
    {
      const ObsProbe *p = &g_array_index (obs->probes, ObsProbe, i);
      g_assert_cmpuint (p->unit, <, 2);
      g_assert_cmpuint (p->proxy, ==, 0);
      g_assert_true (p->reached);
      /* One round trip over two links. */
      g_assert_cmpint (p->done_at - p->sent_at, ==, RTT2);
      per_unit[p->unit]++;
    }
  /* 0.05/s for about 600 s: ~30 each; both have some. */
  g_assert_cmpuint (per_unit[0], >, 5);
  g_assert_cmpuint (per_unit[1], >, 5);
}


/* ------------------------------------------------------------ 5 calls */

/* [calls] workloads (run-calls.c): phone a calls phone b (which answers
 * after call_ring_time = 1 s) through p0's location service, and the
 * generator behind p0 calls b.  Every link is L, so a -> p0 -> b is four
 * links each way and every set-up takes exactly 1 s + 2 x 4 L; the
 * generator (callgen -> p0 -> b) likewise.  Nothing fails: both ratios 1. */
static void
test_calls_workloads (void)
{
  g_autoptr (RunSpec) s = simple_spec (11, SIM_S (900));
  add_phone (s, "a", 1, -1);
  SpecDevice *b = add_phone (s, "b", 1, -1);
  set (&b->cfg, "AuthUserName", "2000");
  set (&b->cfg, "call_answer", "answer");
  set (&b->cfg, "call_ring_time", "1");
  SpecCalls out = { .name = g_strdup ("out"), .from_device = 0, .from_proxy = -1,
                    .to_device = 1, .rate = 1.0 / 30, .hold = SIM_S (20) };
  SpecCalls in = { .name = g_strdup ("in"), .from_device = -1, .from_proxy = 0,
                   .to_device = 1, .rate = 1.0 / 60, .hold = SIM_S (20) };
  g_array_append_val (s->calls, out);
  g_array_append_val (s->calls, in);
  g_autoptr (RunResult) r = run (s, TRUE);
  const RunObservations *obs = r->obs;
  guint outgoing = 0, inbound = 0;
  SimTime started[64] = { 0 }, gen_started[64] = { 0 };
  for (guint i = 0; i < obs->events->len; i++)
    {
      const ObsEvent *e = &g_array_index (obs->events, ObsEvent, i);
      if (e->ev.kind != DEVICE_EVENT_CALL || e->ev.call_id >= 64)
        continue;
      if (e->generator)
        {
          g_assert_cmpuint (e->unit, ==, 1);
          if (e->ev.call_phase == DEVICE_CALL_STARTED)
            gen_started[e->ev.call_id] = e->ev.time;
          else if (e->ev.call_phase == DEVICE_CALL_ESTABLISHED)
            {
              g_assert_cmpint (e->ev.time - gen_started[e->ev.call_id], ==, SIM_S (1) + 8 * L);
              inbound++;
            }
          g_assert_cmpint (e->ev.call_phase, !=, DEVICE_CALL_FAILED);
          continue;
        }
      if (e->unit != 0 || e->ev.incoming)
        continue;
      if (e->ev.call_phase == DEVICE_CALL_STARTED)
        started[e->ev.call_id] = e->ev.time;
      else if (e->ev.call_phase == DEVICE_CALL_ESTABLISHED)
        {
          g_assert_cmpint (e->ev.time - started[e->ev.call_id], ==, SIM_S (1) + 8 * L);
          outgoing++;
        }
      g_assert_cmpint (e->ev.call_phase, !=, DEVICE_CALL_FAILED);
      g_assert_cmpint (e->ev.call_phase, !=, DEVICE_CALL_LOST);
    }
  /* 900 s at 1/30 and 1/60: about 30 and 15 (Poisson; far from 0). */
  g_assert_cmpuint (outgoing, >, 10);
  g_assert_cmpuint (inbound, >, 4);
  const RunMetric *ratio = metrics_find (r->metrics, "a/SP1", "call_setup_ratio");
  g_assert_nonnull (ratio);
  g_assert_cmpfloat (ratio->value, ==, 1.0);
  const RunMetric *in_ratio = metrics_find (r->metrics, "b/SP1", "inbound_setup_ratio");
  g_assert_nonnull (in_ratio);
  g_assert_cmpfloat (in_ratio->value, ==, 1.0);
  const RunMetric *setup = metrics_find (r->metrics, "a/SP1", "call_setup_s");
  g_assert_cmpfloat_with_epsilon (setup->value, 1.08, 1e-9);
}

/* ------------------------------------------------------------ 3 run */

static void
test_run_fingerprint (void)
{
  g_autoptr (RunSpec) s = srv_spec (10, SIM_S (600));
  add_phone (s, "phone", 2, -1);
  g_autoptr (RunResult) a = run (s, FALSE);
  g_autoptr (RunResult) b = run (s, FALSE);
  g_assert_null (a->obs);
  g_assert_cmpuint (a->fingerprint, ==, b->fingerprint);
  g_assert_cmpuint (a->trace_lines, ==, b->trace_lines);
  g_assert_cmpuint (a->events_executed, ==, b->events_executed);
  s->seed = 11;
  g_autoptr (RunResult) c = run (s, FALSE);
  g_assert_cmpuint (a->fingerprint, !=, c->fingerprint);
}

/* Without keep_observations the executor keeps no observation and feeds
 * its metrics accumulator only what a metric may read (metrics.h note 4,
 * metrics_uses_event; the accumulator ignores NAT records of sockets that
 * are no unit's), so memory does not grow with simulated time.  The
 * metrics must not notice (tests/test-metrics-stream.c does the same over
 * every scenario): the same run with everything kept gives the
 * same values.  The run has what each kept kind is for: two phones behind
 * NATs (one shared), keep-alives slower than the NAT timeout (expiries),
 * an SRV failover (a crash), a NAT reboot (new mappings, B45), both
 * registrars down (registrations expire), DNS lookups (bindings of other
 * ports, which are dropped). */
static void
test_run_observations_trimmed (void)
{
  g_autoptr (RunSpec) s = srv_spec (12, SIM_S (900));
  gint nat = add_nat (s, "home", FALSE, SIM_S (60));
  SpecDevice *d = add_phone (s, "phone", 2, nat);
  set (&d->cfg, "X_ProxyServerRedundancy", "true");
  set (&d->cfg, "X_KeepAliveEnable", "true");
  set (&d->cfg, "X_KeepAliveExpires", "90");
  set (&d->cfg, "RegisterExpires", "120");
  SpecFault *f = add_fault (s, "crash", "proxy-crash", "p0", SIM_S (200));
  f->action = SIP_PROXY_FAULT_CRASH;
  f = add_fault (s, "boot", "nat-reboot", "home", SIM_S (350));
  f->new_public = SIM_IP4 (100, 127, 0, 9);
  f = add_fault (s, "crash-b", "proxy-crash", "p1", SIM_S (500));   /* registrations expire */
  f->action = SIP_PROXY_FAULT_CRASH;
  g_autoptr (RunResult) all = run (s, TRUE);
  g_autoptr (RunResult) trimmed = run (s, FALSE);
  g_assert_cmpuint (all->fingerprint, ==, trimmed->fingerprint);

  /* the kinds the trimmed run drops did happen */
  guint dropped = 0, nat_other = 0;
  for (guint i = 0; i < all->obs->events->len; i++)
    dropped += !metrics_uses_event (g_array_index (all->obs->events, ObsEvent, i).ev.kind);
  for (guint i = 0; i < all->obs->nat_records->len; i++)
    {
      const NatRecord *rec = &g_array_index (all->obs->nat_records, NatRecord, i);
      gboolean unit = FALSE;
      for (guint u = 0; u < all->obs->units->len; u++)
        unit = unit || sim_sockaddr_equal (&rec->internal,
                                           &g_array_index (all->obs->units, ObsUnit, u).local);
      nat_other += !unit;
    }
  g_assert_cmpuint (dropped, >, 10);
  /* the kinds the metrics of this world rest on did happen */
  static const DeviceEventKind kept[] = {
    DEVICE_EVENT_REGISTERED, DEVICE_EVENT_REG_EXPIRED, DEVICE_EVENT_MAPPING,
    DEVICE_EVENT_REG_FAILED,
  };
  for (guint k = 0; k < G_N_ELEMENTS (kept); k++)
    {
      g_assert_true (metrics_uses_event (kept[k]));
      g_assert_nonnull (find_event (all->obs, kept[k], 0, 0, 0));
    }
  g_assert_false (metrics_uses_event (DEVICE_EVENT_KEEPALIVE));
  g_assert_cmpuint (nat_other, >, 2);

  g_assert_cmpuint (all->metrics->len, ==, trimmed->metrics->len);
  guint defined = 0;
  for (guint i = 0; i < all->metrics->len; i++)
    {
      const RunMetric *a = &g_array_index (all->metrics, RunMetric, i);
      const RunMetric *b = &g_array_index (trimmed->metrics, RunMetric, i);
      g_assert_cmpstr (a->unit, ==, b->unit);
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpint (a->null, ==, b->null);
      if (!a->null)
        {
          g_assert_cmpfloat (a->value, ==, b->value);
          defined++;
        }
    }
  g_assert_cmpuint (defined, >, 10);
}

static gpointer
thread_run (gpointer data)
{
  RunResult *r = run_execute (data, NULL);
  return r;
}

static void
test_run_threads (void)
{
  g_autoptr (RunSpec) s = srv_spec (12, SIM_S (900));
  gint nat = add_nat (s, "home", FALSE, 0);
  add_phone (s, "phone", 4, nat);
  SpecFault *f = add_fault (s, "crash", "proxy-crash", "p0", SIM_S (100));
  f->action = SIP_PROXY_FAULT_CRASH;
  g_autoptr (RunResult) ref = run (s, FALSE);
  GThread *t1 = g_thread_new ("run1", thread_run, s);
  GThread *t2 = g_thread_new ("run2", thread_run, s);
  g_autoptr (RunResult) r1 = g_thread_join (t1);
  g_autoptr (RunResult) r2 = g_thread_join (t2);
  g_assert_null (r1->error);
  g_assert_cmpuint (r1->fingerprint, ==, ref->fingerprint);
  g_assert_cmpuint (r2->fingerprint, ==, ref->fingerprint);
}

static void
test_run_trace_and_pcap (void)
{
  g_autoptr (RunSpec) s = simple_spec (13, SIM_S (60));
  add_phone (s, "phone", 1, -1);
  g_autofree char *path = NULL;
  gint fd = g_file_open_tmp ("test-run-XXXXXX.pcap", &path, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  FILE *tf = tmpfile ();
  RunOptions o = { .keep_trace = TRUE, .pcap_path = path, .trace_file = tf };
  g_autoptr (RunResult) r = run_execute (s, &o);
  g_assert_null (r->error);
  g_assert_nonnull (r->trace);
  g_assert_cmpuint (r->trace->len, ==, r->trace_lines);
  g_assert_cmpuint (r->trace_lines, >, 10);
  /* The file got the same lines. */
  rewind (tf);
  guint lines = 0;
  int ch;
  while ((ch = fgetc (tf)) != EOF)
    lines += ch == '\n';
  fclose (tf);
  g_assert_cmpuint (lines, ==, r->trace_lines);
  /* Same run without the taps: the same fingerprint. */
  g_autoptr (RunResult) plain = run (s, FALSE);
  g_assert_cmpuint (plain->fingerprint, ==, r->fingerprint);
  /* pcap: 24-byte header, then at least the DNS query, REGISTER and 200
   * (16-byte record header + an IPv4 packet each). */
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 24 + 3 * (16 + 28));
  g_unlink (path);
}

static void
test_run_errors (void)
{
  g_autoptr (RunSpec) s = simple_spec (14, SIM_S (60));
  add_proxy (s, "p1", P0);
  add_phone (s, "phone", 1, -1);
  g_autoptr (RunResult) r = run_execute (s, NULL);
  g_assert_nonnull (r->error);
  g_assert_nonnull (strstr (r->error, "198.51.100.10"));
  g_assert_cmpuint (r->metrics->len, ==, 0);

  g_autoptr (RunSpec) t = simple_spec (15, SIM_S (60));
  add_fault (t, "x", "proxy-crash", "nobody", SIM_S (1));
  g_autoptr (RunResult) r2 = run_execute (t, NULL);
  g_assert_nonnull (r2->error);
  g_assert_nonnull (strstr (r2->error, "nobody"));

  g_autoptr (RunSpec) u = simple_spec (16, SIM_S (60));
  add_phone (u, "phone", 1, -1);
  RunOptions o = { .pcap_path = "/nonexistent-dir/x.pcap" };
  g_autoptr (RunResult) r3 = run_execute (u, &o);
  g_assert_nonnull (r3->error);
}

/* ------------------------------------------------------------ 4 scale */

/* N obihai phones (profile defaults: RegisterExpires 3600, B10 start-up
 * spread) each behind its own NAT, one hour.  N = 200 in the suite;
 * SIPSIM_RUN_SCALE=10000 measures the figure doc/runs.md quotes (wall time
 * and peak RSS are printed; the wall clock is the test's, never the run's). */
static void
test_scale (void)
{
  const char *env = g_getenv ("SIPSIM_RUN_SCALE");
  guint n = env ? (guint) g_ascii_strtoull (env, NULL, 10) : 200;
  g_autoptr (RunSpec) s = simple_spec (17, SIM_S (3600));
  gint nat = add_nat (s, "home", FALSE, 0);
  SpecDevice *d = add_phone (s, "phone", n, nat);
  set (&d->cfg, "RegisterExpires", "3600");
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (RunResult) r = run (s, TRUE);
  double wall = (g_get_monotonic_time () - t0) / 1e6;
  g_assert_cmpuint (r->n_devices, ==, n);
  g_assert_cmpuint (r->obs->units->len, ==, n);
  /* Every unit registers, and refreshes at 90 % of 3600 s (B5) within the
   * hour: at least two REGISTERED each. */
  guint *regs = g_new0 (guint, n);
  for (guint i = 0; i < r->obs->events->len; i++)
    {
      const ObsEvent *e = &g_array_index (r->obs->events, ObsEvent, i);
      if (e->ev.kind == DEVICE_EVENT_REGISTERED)
        regs[e->unit]++;
    }
  for (guint u = 0; u < n; u++)
    g_assert_cmpuint (regs[u], >=, 2);
  g_free (regs);
  /* The share of the metrics (computed once more, on the same observations). */
  gint64 t1 = g_get_monotonic_time ();
  GArray *again = metrics_compute (r->obs);
  double metrics_wall = (g_get_monotonic_time () - t1) / 1e6;
  g_assert_cmpuint (again->len, ==, r->metrics->len);
  g_array_unref (again);
  g_autofree char *status = NULL;
  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  const char *hwm = status ? strstr (status, "VmHWM:") : NULL;
  g_test_message ("%u devices, 1 h: %.2f s wall (metrics_compute %.2f s of it), %" G_GUINT64_FORMAT
                  " events, %" G_GUINT64_FORMAT " trace lines, peak RSS %.*s", n, wall, metrics_wall,
                  r->events_executed, r->trace_lines,
                  hwm ? (int) strcspn (hwm, "\n") : 0, hwm ? hwm : "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/experiment/run/1-world/one-phone", test_world_one_phone);
  g_test_add_func ("/experiment/run/1-world/count-3-nat-each", test_world_count_each_nat);
  g_test_add_func ("/experiment/run/1-world/count-3-shared-nat", test_world_count_shared_nat);
  g_test_add_func ("/experiment/run/1-world/shared-config", test_world_shared_config);
  g_test_add_func ("/experiment/run/2-faults/srv-failover", test_fault_srv_failover);
  g_test_add_func ("/experiment/run/2-faults/crash-recover-restart", test_fault_crash_recover_and_restart);
  g_test_add_func ("/experiment/run/2-faults/proxy-random", test_fault_proxy_random);
  g_test_add_func ("/experiment/run/2-faults/link-cut", test_fault_link_cut);
  g_test_add_func ("/experiment/run/2-faults/nat-timeout-and-reboot", test_fault_nat_timeout_and_reboot);
  g_test_add_func ("/experiment/run/2-faults/probes-attributed", test_probes_attributed);
  g_test_add_func ("/experiment/run/3-run/fingerprint", test_run_fingerprint);
  g_test_add_func ("/experiment/run/3-run/observations-trimmed", test_run_observations_trimmed);
  g_test_add_func ("/experiment/run/3-run/threads", test_run_threads);
  g_test_add_func ("/experiment/run/3-run/trace-and-pcap", test_run_trace_and_pcap);
  g_test_add_func ("/experiment/run/3-run/errors", test_run_errors);
  g_test_add_func ("/experiment/run/4-scale/phones-behind-nats", test_scale);
  g_test_add_func ("/experiment/run/5-calls/workloads", test_calls_workloads);
  return g_test_run ();
}
