/*
 * cli/bench/bench-experiment.c - whole runs, timed: how fast the
 * experiment layer turns a RunSpec into metrics (`sipsim bench experiment`).
 *
 * Modes
 *
 *   scenario FILE [--runs N] [--point P]
 *       Loads FILE and executes N runs (default 5) of sweep point P
 *       (default 0) with run_execute(), replication r for run r (so each
 *       run has its own seed, as in a sweep), without a database.  Reports
 *       the wall time per run (median, min, max), events, events per wall
 *       second, simulated device-seconds per wall second and the "x real
 *       time" factor (simulated seconds / wall seconds, per run).
 *
 *   devices N [--hours H] [--runs R] [--seed S]
 *       N OBi phones (one device group, count = N) each behind its own
 *       home NAT (udp_timeout 60 s), 20 s keep-alives, RegisterExpires
 *       600, registering through SRV at two proxies that probe every 10
 *       minutes; 10 ms links: the world of scenarios/quick-start.ini
 *       without its fault, N times over.  Runs H simulated hours (default
 *       1).  Reports wall time, events and the process's peak RSS
 *       (getrusage ru_maxrss), before and after the run; run each size
 *       in a fresh process so the peak is that size's.
 *
 * Output: one line on stdout, "MODE key=value ...", for scripts; progress
 * on stderr.  Wall time is CLOCK_MONOTONIC around run_execute() only
 * (world build, simulation, teardown and metrics; not loading the
 * scenario).
 *
 * This file reads the wall clock and getrusage(); it is a benchmark, not
 * simulation code, and nothing it reads reaches a simulation.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "experiment/run.h"
#include "experiment/spec-build.h"
#include "experiment/scenario.h"

static double
wall_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* Peak resident set size of this process so far, KiB (Linux: ru_maxrss
 * is in kilobytes). */
static long
peak_rss_kb (void)
{
  struct rusage ru;
  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return -1;
  return ru.ru_maxrss;
}

/* User + system CPU time of this process so far, s: on a shared machine
 * the wall time includes waiting for a core; this does not. */
static double
cpu_s (void)
{
  struct rusage ru;
  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return 0.0;
  return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
         + (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y ? 1 : 0;
}

static double
median (double *v, guint n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static gboolean
parse_uint (const char *s, guint64 max, guint64 *out)
{
  char *end = NULL;
  if (s == NULL || *s == '\0' || *s == '-')
    return FALSE;
  guint64 v = g_ascii_strtoull (s, &end, 10);
  if (*end != '\0' || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

/* Runs @spec once; FALSE (with a message) if the run failed. */
static gboolean
timed_run (const RunSpec *spec, double *wall, double *cpu, guint64 *events, SimTime *sim_time,
           guint64 *fingerprint)
{
  RunOptions opt = { 0 };
  double c0 = cpu_s ();
  double t0 = wall_s ();
  RunResult *r = run_execute (spec, &opt);
  *wall = wall_s () - t0;
  *cpu = cpu_s () - c0;
  gboolean ok = r->error == NULL;
  if (!ok)
    fprintf (stderr, "bench experiment: the run failed: %s\n", r->error);
  *events = r->events_executed;
  *sim_time = r->sim_time;
  *fingerprint = r->fingerprint;
  run_result_free (r);
  return ok;
}

/* ------------------------------------------------------------ scenario */

static int
bench_scenario (int argc, char **argv)
{
  const char *file = NULL;
  guint64 runs = 5, point = 0;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--runs") == 0 && i + 1 < argc)
        {
          if (!parse_uint (argv[++i], 100000, &runs) || runs == 0)
            goto usage;
        }
      else if (strcmp (argv[i], "--point") == 0 && i + 1 < argc)
        {
          if (!parse_uint (argv[++i], G_MAXUINT, &point))
            goto usage;
        }
      else if (argv[i][0] != '-' && file == NULL)
        file = argv[i];
      else
        goto usage;
    }
  if (file == NULL)
    goto usage;

  GError *err = NULL;
  Scenario *sc = scenario_load (file, &err);
  if (sc == NULL)
    {
      fprintf (stderr, "bench experiment: %s\n", err->message);
      g_error_free (err);
      return CLI_EXIT_USAGE;   /* a scenario error is an input error, as for sipsim run */
    }
  if (point >= scenario_get_n_points (sc))
    {
      fprintf (stderr, "bench experiment: %s has %u sweep points\n", file,
               scenario_get_n_points (sc));
      scenario_free (sc);
      return 2;
    }

  guint n = (guint) runs;
  double *walls = g_new (double, n);
  double *cpus = g_new (double, n);
  double *events_v = g_new (double, n);
  double wall_sum = 0.0, events_sum = 0.0;
  guint devices = scenario_get_n_devices (sc, (guint) point);
  SimTime sim_time = 0;
  guint64 fp0 = 0;
  int status = 0;
  for (guint r = 0; r < n; r++)
    {
      RunSpec *spec = scenario_instantiate (sc, (guint) point, r);
      guint64 ev = 0, fp = 0;
      SimTime st = 0;
      gboolean ok = timed_run (spec, &walls[r], &cpus[r], &ev, &st, &fp);
      run_spec_free (spec);
      if (!ok)
        {
          status = 1;
          break;
        }
      if (r == 0)
        fp0 = fp, sim_time = st;
      events_v[r] = (double) ev;
      wall_sum += walls[r];
      events_sum += (double) ev;
      fprintf (stderr, "  run %u: %.4f s wall, %.4f s cpu, %" G_GUINT64_FORMAT
               " events, %.0fx real time\n", r, walls[r], cpus[r], ev,
               sim_time_to_s (st) / walls[r]);
    }
  if (status == 0)
    {
      double sim_s = sim_time_to_s (sim_time);
      double wmin = walls[0], wmax = walls[0];
      for (guint r = 1; r < n; r++)
        wmin = MIN (wmin, walls[r]), wmax = MAX (wmax, walls[r]);
      double wmed = median (walls, n);
      double cmed = median (cpus, n);
      /* x real time per run is sim_s / wall; its median is sim_s / the
       * median wall (one scenario, one duration). */
      printf ("scenario name=%s point=%u runs=%u devices=%u sim_s=%.0f"
              " wall_median_s=%.6f wall_min_s=%.6f wall_max_s=%.6f cpu_median_s=%.6f"
              " events_median=%.0f events_per_s=%.0f device_s_per_wall_s=%.0f"
              " x_realtime_median=%.0f x_realtime_cpu=%.0f peak_rss_kb=%ld"
              " fingerprint0=%016" G_GINT64_MODIFIER "x\n",
              scenario_get_name (sc), (guint) point, n, devices, sim_s,
              wmed, wmin, wmax, cmed, median (events_v, n), events_sum / wall_sum,
              sim_s * devices / wmed, sim_s / wmed, sim_s / cmed, peak_rss_kb (), fp0);
    }
  g_free (walls);
  g_free (cpus);
  g_free (events_v);
  scenario_free (sc);
  return status;

usage:
  fprintf (stderr, "usage: sipsim bench experiment scenario FILE [--runs N] [--point P]\n");
  return 2;
}

/* ------------------------------------------------------------ devices */

#define P_A SIM_IP4 (198, 51, 100, 10)
#define P_B SIM_IP4 (198, 51, 100, 20)

/* The world of scenarios/quick-start.ini without its fault, with @n
 * phones, built with the shared builder (experiment/spec-build.h); NULL
 * if a device parameter is refused (a bug here). */
static RunSpec *
devices_spec (guint n, SimTime duration, guint64 seed)
{
  const SimTime lat = SIM_MS (10);
  RunSpec *s = spec_build_new ("bench-devices", seed, duration, "voip.test", lat);
  spec_build_record (s, "_sip._udp.voip.test", (DnsRecord) { .type = DNS_TYPE_SRV, .ttl_s = 300,
                     .priority = 10, .weight = 0, .port = 5060, .target = "pbx-a.voip.test" });
  spec_build_record (s, "_sip._udp.voip.test", (DnsRecord) { .type = DNS_TYPE_SRV, .ttl_s = 300,
                     .priority = 20, .weight = 0, .port = 5060, .target = "pbx-b.voip.test" });
  spec_build_record (s, "pbx-a.voip.test", (DnsRecord) { .type = DNS_TYPE_A, .ttl_s = 300,
                     .ip = P_A });
  spec_build_record (s, "pbx-b.voip.test", (DnsRecord) { .type = DNS_TYPE_A, .ttl_s = 300,
                     .ip = P_B });
  spec_build_proxy (s, "pbx-a", P_A, lat)->cfg.probe_rate = 1.0 / 600.0;   /* probe_interval = 10m */
  spec_build_proxy (s, "pbx-b", P_B, lat)->cfg.probe_rate = 1.0 / 600.0;
  gint nat = spec_build_nat (s, "home", FALSE, SIM_S (60), lat);
  static const char *const params[] = {
    "SP1::AuthUserName", "alice",
    "SP1::ProxyServer", "voip.test",
    "SP1::X_ProxyServerRedundancy", "true",
    "SP1::RegisterExpires", "600",
    "SP1::X_KeepAliveEnable", "true",
    "SP1::X_KeepAliveExpires", "20",
    NULL,
  };
  GError *err = NULL;
  if (!spec_build_device (s, "phone", n, nat, DEVICE_PROFILE_OBIHAI, lat, params, &err))
    {
      fprintf (stderr, "bench experiment: %s\n", err->message);
      g_error_free (err);
      run_spec_free (s);
      return NULL;
    }
  return s;
}

static int
bench_devices (int argc, char **argv)
{
  guint64 n = 0, hours = 1, runs = 1, seed = 1;
  gboolean have_n = FALSE;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--hours") == 0 && i + 1 < argc)
        {
          if (!parse_uint (argv[++i], 24 * 365, &hours) || hours == 0)
            goto usage;
        }
      else if (strcmp (argv[i], "--runs") == 0 && i + 1 < argc)
        {
          if (!parse_uint (argv[++i], 1000, &runs) || runs == 0)
            goto usage;
        }
      else if (strcmp (argv[i], "--seed") == 0 && i + 1 < argc)
        {
          if (!parse_uint (argv[++i], G_MAXUINT64, &seed))
            goto usage;
        }
      else if (argv[i][0] != '-' && !have_n)
        {
          if (!parse_uint (argv[i], 1u << 22, &n) || n == 0)
            goto usage;
          have_n = TRUE;
        }
      else
        goto usage;
    }
  if (!have_n)
    goto usage;

  long rss_before = peak_rss_kb ();
  double t0 = wall_s ();
  RunSpec *spec = devices_spec ((guint) n, (SimTime) hours * SIM_S (3600), seed);
  double spec_s = wall_s () - t0;
  if (spec == NULL)
    return 1;

  double *walls = g_new (double, runs);
  double *cpus = g_new (double, runs);
  guint64 events = 0, fp = 0;
  SimTime sim_time = 0;
  int status = 0;
  for (guint r = 0; r < runs; r++)
    {
      if (!timed_run (spec, &walls[r], &cpus[r], &events, &sim_time, &fp))
        {
          status = 1;
          break;
        }
      fprintf (stderr, "  %" G_GUINT64_FORMAT " devices, run %u: %.3f s wall, %"
               G_GUINT64_FORMAT " events\n", n, r, walls[r], events);
    }
  if (status == 0)
    {
      double w = median (walls, (guint) runs);
      double c = median (cpus, (guint) runs);
      double sim_s = sim_time_to_s (sim_time);
      long rss = peak_rss_kb ();
      printf ("devices n=%" G_GUINT64_FORMAT " hours=%" G_GUINT64_FORMAT " runs=%u"
              " wall_s=%.6f cpu_s=%.6f spec_s=%.6f events=%" G_GUINT64_FORMAT
              " events_per_s=%.0f events_per_cpu_s=%.0f"
              " device_s_per_wall_s=%.0f x_realtime=%.1f"
              " rss_before_kb=%ld peak_rss_kb=%ld rss_per_device_b=%.0f"
              " fingerprint=%016" G_GINT64_MODIFIER "x\n",
              n, hours, (guint) runs, w, c, spec_s, events, (double) events / w,
              (double) events / c,
              sim_s * (double) n / w, sim_s / w, rss_before, rss,
              (double) (rss - rss_before) * 1024.0 / (double) n, fp);
    }
  g_free (walls);
  g_free (cpus);
  run_spec_free (spec);
  return status;

usage:
  fprintf (stderr, "usage: sipsim bench experiment devices N [--hours H] [--runs R] [--seed S]\n");
  return 2;
}

typedef struct { char *runs, *point, *hours, *seed; } BenchExpArgs;

static void
bench_exp_options (gpointer p, GOptionEntry *e)
{
  BenchExpArgs *a = p;
  GOptionEntry t[] = {
    { "runs", 0, 0, G_OPTION_ARG_STRING, &a->runs, "runs to time (median reported)", "N" },
    { "point", 0, 0, G_OPTION_ARG_STRING, &a->point, "scenario: the sweep point to run (default 0)", "P" },
    { "hours", 0, 0, G_OPTION_ARG_STRING, &a->hours, "devices: simulated hours per run (default 1)", "H" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &a->seed, "devices: the run seed (default 1)", "S" },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_bench_experiment = {
  "bench experiment", "scenario FILE | devices N", "whole runs, timed (never a test)",
  "scenario FILE: N runs of one point, wall and CPU medians, events/s, x real time;\n"
  "devices N: the quick-start world with N phones, wall, CPU, events, peak RSS\n"
  "(doc/performance.md, Experiments).",
  cli_bench_experiment_main, bench_exp_options, sizeof (BenchExpArgs), CLI_ARG_NONE, "scenario devices",
};

int
cli_bench_experiment_main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
      {
        printf ("usage: sipsim bench experiment scenario FILE [--runs N] [--point P]\n"
                "       sipsim bench experiment devices N [--hours H] [--runs R] [--seed S]\n%s\n",
                cli_command_bench_experiment.description);
        return CLI_EXIT_OK;
      }
  if (argc >= 2 && strcmp (argv[1], "scenario") == 0)
    return bench_scenario (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "devices") == 0)
    return bench_devices (argc - 1, argv + 1);
  fprintf (stderr,
           "usage: sipsim bench experiment scenario FILE [--runs N] [--point P]\n"
           "       sipsim bench experiment devices N [--hours H] [--runs R] [--seed S]\n");
  return 2;
}
