/*
 * tests/test-metrics-stream.c - metrics computed as the run goes equal
 * the metrics computed from the kept observations (issue 17 item 2,
 * experiment/metrics.h note 4).
 *
 * A run without keep_observations feeds its MetricsAcc as things happen
 * and keeps nothing; a run with it keeps every observation and calls
 * metrics_compute().  Both share the accumulator's step, so what can
 * differ is what reaches it and in which order: the events the executor
 * filters (metrics_uses_event), the NAT records of other sockets, the
 * probes, the faults read while they are still being appended, the
 * interleaving of kinds within one instant.  Each world below is run
 * both ways with the same seed and every row (unit, name, NULL, value)
 * must be equal, bit for bit; and the worlds must exercise the metrics
 * (below each test: the metrics that must be defined and non-zero
 * somewhere), so that an equality of NULLs proves nothing.
 *
 * The worlds: every simulated scenario of scenarios/ (each sweep point,
 * two replications), which between them have crashes, kills, failback,
 * TCP and TLS flows, NATs, calls and subscriptions; and one written here
 * with what those lack: a NAT reboot with a new public address, cuts of
 * a NAT uplink and of a device access link, a registrar restart, random
 * crashes, a warm-up, several phones per NAT, inbound calls, over several
 * seeds.
 */
#include <string.h>
#include <glib.h>

#include "experiment/run.h"
#include "experiment/scenario.h"

/* metric name -> TRUE once defined and non-zero in some run */
static GHashTable *seen;
/* per device event kind: how many were kept; NAT timeouts; bindings made
 * at another public address than the run's first (a NAT reboot) */
static guint kinds_seen[DEVICE_EVENT_CALL + 32], nat_expiries_seen, nat_publics_changed;

static void
assert_same_rows (const RunResult *kept, const RunResult *streamed, const char *what)
{
  g_assert_null (kept->error);
  g_assert_null (streamed->error);
  g_assert_nonnull (kept->obs);
  g_assert_null (streamed->obs);
  g_assert_cmpuint (kept->fingerprint, ==, streamed->fingerprint);
  g_assert_cmpuint (kept->metrics->len, ==, streamed->metrics->len);
  g_assert_cmpuint (kept->metrics->len, >, 0);
  for (guint i = 0; i < kept->metrics->len; i++)
    {
      const RunMetric *a = &g_array_index (kept->metrics, RunMetric, i);
      const RunMetric *b = &g_array_index (streamed->metrics, RunMetric, i);
      if (strcmp (a->unit, b->unit) != 0 || strcmp (a->name, b->name) != 0
          || a->null != b->null || (!a->null && memcmp (&a->value, &b->value, sizeof a->value) != 0))
        g_error ("%s: row %u differs: kept %s %s %s %.17g, as the run goes %s %s %s %.17g", what, i,
                 a->unit, a->name, a->null ? "NULL" : "", a->value, b->unit, b->name,
                 b->null ? "NULL" : "", b->value);
      if (!a->null && a->value != 0 && !g_hash_table_contains (seen, a->name))
        g_hash_table_add (seen, g_strdup (a->name));
    }
}

static void
run_both (const RunSpec *spec, const char *what)
{
  RunOptions keep = { .keep_observations = TRUE };
  g_autoptr (RunResult) kept = run_execute (spec, &keep);
  g_autoptr (RunResult) streamed = run_execute (spec, NULL);
  assert_same_rows (kept, streamed, what);
  for (guint i = 0; i < kept->obs->events->len; i++)
    {
      guint k = g_array_index (kept->obs->events, ObsEvent, i).ev.kind;
      if (k < G_N_ELEMENTS (kinds_seen))
        kinds_seen[k]++;
    }
  SimIp4 first_public = 0;
  for (guint i = 0; i < kept->obs->nat_records->len; i++)
    {
      const NatRecord *n = &g_array_index (kept->obs->nat_records, NatRecord, i);
      nat_expiries_seen += n->kind == NAT_RECORD_EXPIRED && n->reason == NAT_EXPIRY_TIMEOUT;
      if (n->kind == NAT_RECORD_CREATED && first_public == 0)
        first_public = n->external.ip;
      nat_publics_changed += n->kind == NAT_RECORD_CREATED && n->external.ip != first_public;
    }
}

static void
run_scenario (const Scenario *sc, guint reps)
{
  for (guint p = 0; p < scenario_get_n_points (sc); p++)
    for (guint r = 0; r < reps; r++)
      {
        g_autoptr (RunSpec) spec = scenario_instantiate (sc, p, r);
        g_autofree char *what = g_strdup_printf ("%s point %u rep %u", scenario_get_name (sc), p, r);
        run_both (spec, what);
      }
}

static void
assert_seen (const char *const *names)
{
  for (guint i = 0; names[i]; i++)
    if (!g_hash_table_contains (seen, names[i]))
      g_error ("no run had a non-zero %s: the comparison does not cover it", names[i]);
}

static void
test_scenarios (void)
{
  const char *root = g_getenv ("SIPSIM_SOURCE_ROOT");
  g_assert_nonnull (root);
  g_autofree char *dir = g_build_filename (root, "scenarios", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *f;
  while ((f = g_dir_read_name (d)))
    if (g_str_has_suffix (f, ".ini") && !g_str_has_prefix (f, "live-")   /* real sockets */
        && strcmp (f, "registration-storm.ini") != 0)   /* 1,000 phones: the written world has NATs */
      g_ptr_array_add (files, g_build_filename (dir, f, NULL));
  g_ptr_array_sort (files, (GCompareFunc) g_strcmp0);
  g_assert_cmpuint (files->len, >=, 10);
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr (GError) err = NULL;
      g_autoptr (Scenario) sc = scenario_load (files->pdata[i], &err);
      g_assert_no_error (err);
      run_scenario (sc, 2);
    }
  static const char *const covered[] = {
    "time_to_first_registration_s", "failover_s", "failover_completed", "failovers",
    "outage_s", "pinhole_survival", "reregistrations", "registrations",
    "messages_per_device_hour", "call_attempts", "call_setup_s", "calls_lost",
    "calls_failed_failover", "detect_s", "flow_failures", "reconnects",
    "subscription_gap_s", NULL,
  };
  assert_seen (covered);
}

/* What the ready scenarios lack (file comment).  Two NATs of three
 * phones each (expiring pinholes: keep-alives slower than the timeout for
 * half of them), SRV failover between two registrars, a warm-up. */
static const char faults_ini[] =
  "[scenario]\n"
  "name = stream-faults\n"
  "duration = 2h\n"
  "warmup = 5m\n"
  "seed = 7\n"
  "replications = 4\n"
  "[network]\n"
  "latency = 10ms\n"
  "[dns]\n"
  "zone = voip.test\n"
  "ttl = 60\n"
  "_sip._udp.voip.test = SRV 10 0 5060 pbx-a.voip.test; SRV 20 0 5060 pbx-b.voip.test\n"
  "pbx-a.voip.test = A 198.51.100.10\n"
  "pbx-b.voip.test = A 198.51.100.20\n"
  "[proxy pbx-a]\n"
  "address = 198.51.100.10\n"
  "probe_interval = 5m\n"
  "[proxy pbx-b]\n"
  "address = 198.51.100.20\n"
  "probe_interval = 5m\n"
  "[nat home]\n"
  "udp_timeout = 60s\n"
  "[nat office]\n"
  "udp_timeout = 30s\n"
  "[device phone]\n"
  "profile = obihai\n"
  "nat = home\n"
  "count = 3\n"
  "SP1::AuthUserName = alice\n"
  "SP1::ProxyServer = voip.test\n"
  "SP1::X_ProxyServerRedundancy = true\n"
  "SP1::RegisterExpires = 300\n"
  "SP1::X_KeepAliveEnable = true\n"
  "SP1::X_KeepAliveExpires = 20\n"
  "[device desk]\n"
  "profile = obihai\n"
  "nat = office\n"
  "count = 3\n"
  "SP1::AuthUserName = bob\n"
  "SP1::ProxyServer = voip.test\n"
  "SP1::X_ProxyServerRedundancy = true\n"
  "SP1::RegisterExpires = 120\n"
  "SP1::X_KeepAliveEnable = true\n"
  "SP1::X_KeepAliveExpires = 45\n"
  "[calls out]\n"
  "from = phone\n"
  "to = sink\n"
  "rate = 1/300\n"
  "hold = 60s\n"
  "[calls inbound]\n"
  "from = pbx-a\n"
  "to = desk\n"
  "rate = 1/300\n"
  "hold = 60s\n"
  "[fault early]\n"
  "type = proxy-crash\n"
  "target = pbx-a\n"
  "at = 2m\n"
  "duration = 1m\n"
  "[fault restart]\n"
  "type = proxy-restart\n"
  "target = pbx-a\n"
  "at = uniform(10m, 20m)\n"
  "[fault reboot]\n"
  "type = nat-reboot\n"
  "target = home\n"
  "at = uniform(25m, 35m)\n"
  "new_public = 100.127.0.9\n"
  "[fault uplink]\n"
  "type = link-cut\n"
  "target = home\n"
  "at = uniform(40m, 50m)\n"
  "duration = 3m\n"
  "[fault access]\n"
  "type = link-cut\n"
  "target = desk\n"
  "at = uniform(55m, 60m)\n"
  "duration = 2m\n"
  "[fault kill]\n"
  "type = proxy-kill\n"
  "target = pbx-a\n"
  "at = 65m\n"
  "duration = 10m\n"
  "[fault flaky]\n"
  "type = proxy-random\n"
  "target = pbx-b\n"
  "at = 80m\n"
  "mtbf = 10m\n"
  "mttr = 2m\n"
  "[fault registrar-link]\n"
  "type = link-cut\n"
  "target = pbx-a\n"
  "at = 100m\n"
  "duration = 5m\n"
  "[fault both-a]\n"           /* both down longer than a registration: REG_EXPIRED */
  "type = proxy-crash\n"
  "target = pbx-a\n"
  "at = 108m\n"
  "duration = 8m\n"
  "[fault both-b]\n"
  "type = proxy-crash\n"
  "target = pbx-b\n"
  "at = 108m\n"
  "duration = 8m\n";

static void
test_faults (void)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (Scenario) sc = scenario_load_from_data (faults_ini, "stream-faults.ini", NULL, &err);
  g_assert_no_error (err);
  g_hash_table_remove_all (seen);
  memset (kinds_seen, 0, sizeof kinds_seen);
  nat_expiries_seen = nat_publics_changed = 0;
  run_scenario (sc, scenario_get_replications (sc));
  static const char *const covered[] = {
    "failover_s", "failovers", "outage_s", "pinhole_survival", "pinhole_expiries",
    "reregistrations", "detect_s", "call_attempts", "calls_failed_failover",
    "inbound_call_attempts", NULL,
  };
  assert_seen (covered);
  /* and what the written world is for did happen */
  g_assert_cmpuint (kinds_seen[DEVICE_EVENT_REG_EXPIRED], >, 0);
  g_assert_cmpuint (kinds_seen[DEVICE_EVENT_REG_FAILED], >, 0);
  g_assert_cmpuint (kinds_seen[DEVICE_EVENT_MAPPING], >, 0);
  g_assert_cmpuint (nat_expiries_seen, >, 0);
  g_assert_cmpuint (nat_publics_changed, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_test_add_func ("/metrics-stream/scenarios", test_scenarios);
  g_test_add_func ("/metrics-stream/faults", test_faults);
  int rc = g_test_run ();
  g_hash_table_unref (seen);
  return rc;
}
