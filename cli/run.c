/*
 * cli/run.c - `sipsim run SCENARIO`: the command line of
 * experiment/runner.h (doc/guide.md).  Exit status (commands.h): 0 every
 * run stored, 1 a run failed or the store failed, 2 a usage or scenario
 * error (also a plan that cannot fit, a --filter that matches nothing),
 * 130 interrupted (Ctrl-C; run again to resume).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/check.h"
#include "experiment/inspect.h"
#include "experiment/lint.h"
#include "experiment/override.h"
#include "experiment/plot.h"
#include "experiment/runner.h"
#include "experiment/scenario.h"
#include "experiment/shard.h"
#include "experiment/store.h"

typedef struct {
  char    *db, *filter, *seed, *pcap, *pcap_at, *progress, *shard;
  char   **defines;
  gint     jobs;
  gboolean trace, quiet, dry_run, pcap_per_node;
} RunArgs;

static void
run_options (gpointer p, GOptionEntry *e)
{
  RunArgs *a = p;
  GOptionEntry t[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a->db, "results database (default results/NAME.db)", "DB" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "worker threads (default: every core)", "N" },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &a->filter, "only sweep points matching, e.g. 'ka=30,nat_timeout>=60'", "EXPR" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &a->seed, "experiment seed, decimal or 0x hex (overrides [scenario] seed)", "N" },
    { "define", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &a->defines, "override a scenario key, e.g. -D 'device phone.count=10' (repeatable; recorded with the experiment)", "SECTION.KEY=VALUE" },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &a->dry_run, "print the points, the runs already stored and the estimate; run nothing", NULL },
    { "trace", 0, 0, G_OPTION_ARG_NONE, &a->trace, "store every run's event trace and probes", NULL },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &a->pcap, "write each run's packets to DIR/NAME-POINTKEY-rR.pcap", "DIR" },
    { "pcap-at", 0, 0, G_OPTION_ARG_STRING, &a->pcap_at, "capture at this node (a section name, NAME-3, dns, core) or 'all' links; default: the phones' access links, each packet once", "NODE" },
    { "pcap-per-node", 0, 0, G_OPTION_ARG_NONE, &a->pcap_per_node, "one pcap file per captured node (NAME-KEY-rR-NODE.pcap)", NULL },
    { "progress", 0, 0, G_OPTION_ARG_STRING, &a->progress, "auto, bar, lines or none", "MODE" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &a->shard, "only shard I of N (from 0) of the runs, or 'array': from SLURM_ARRAY_TASK_* (doc/cluster.md)", "I/N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "no progress output", NULL },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_run = {
  "run", "SCENARIO", "run a scenario's runs into a results database",
  "Runs every sweep point x replication of SCENARIO not yet stored in DB (resumable),\n"
  "on N threads. Warnings for likely mistakes are printed first; a plan that cannot\n"
  "fit in memory is refused with an estimate. The first Ctrl-C stops after the runs\n"
  "in progress (it says which); a second abandons them; nothing committed is lost.\n"
  "Runs another experiment in DB already has (same point, replication and seed) are\n"
  "copied, not computed; two sipsim run on one DB share the runs (doc/results.md).\n"
  "--shard I/N computes one of N disjoint parts; sipsim merge joins them (doc/cluster.md).\n"
  "See doc/guide.md and doc/scenarios.md.",
  cli_run_main, run_options, sizeof (RunArgs), CLI_ARG_SCENARIO, NULL,
};

static gboolean
parse_progress (const char *s, RunnerProgress *out)
{
  static const char *names[] = { "auto", "bar", "lines", "none" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (s, names[i]) == 0)
      {
        *out = (RunnerProgress) i;
        return TRUE;
      }
  return FALSE;
}

static void
args_clear (RunArgs *a)
{
  g_free (a->db);
  g_free (a->filter);
  g_free (a->seed);
  g_free (a->pcap);
  g_free (a->pcap_at);
  g_free (a->progress);
  g_free (a->shard);
  g_strfreev (a->defines);
}

/* Loads SCENARIO with -D and --seed applied and checked, prints its
 * warnings (shared with check.c through cli_load_scenario). */
Scenario *
cli_load_scenario (const CliCommand *cmd, const char *path, char **defines, const char *seed,
                   const char *filter, gboolean quiet)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (Scenario) sc = scenario_load_overridden (path, (const char *const *) defines, &err);
  if (!sc)
    {
      cli_error (cmd, "%s", err->message);
      return NULL;
    }
  if (seed)
    {
      guint64 s;
      if (!cli_parse_seed (seed, &s))
        {
          cli_error (cmd, "--seed: expected an unsigned 64-bit integer, decimal or 0x hex, got '%s'", seed);
          return NULL;
        }
      scenario_set_seed (sc, s);
    }
  if (!check_validate (sc, &err) || !plot_check_scenario (sc, &err)
      || !scenario_filter_check (sc, filter, &err)
      || !lint_filter_matches_some (sc, filter, &err))
    {
      cli_error (cmd, "%s", err->message);
      return NULL;
    }
  if (!quiet)
    {
      g_autoptr (GPtrArray) w = scenario_lint (sc);
      cli_print_warnings (w);
    }
  return g_steal_pointer (&sc);
}

int
cli_run_main (int argc, char **argv)
{
  const CliCommand *cmd = &cli_command_run;
  RunArgs a = { 0 };
  int status = CLI_EXIT_USAGE;
  Scenario *sc = NULL;
  char *dflt = NULL;
  GError *err = NULL;
  if (!cli_parse (cmd, &a, &argc, &argv))
    goto out;
  if (argc != 2)
    {
      cli_error (cmd, "one SCENARIO file expected, got %d arguments (sipsim run --help)", argc - 1);
      goto out;
    }
  RunnerOptions opt = { .db_path = a.db, .filter = a.filter, .trace = a.trace, .pcap_dir = a.pcap,
                        .pcap_at = a.pcap_at, .pcap_per_node = a.pcap_per_node };
  if (a.jobs < 0)
    {
      cli_error (cmd, "--jobs: expected a number of threads >= 0, got %d", a.jobs);
      goto out;
    }
  opt.jobs = (guint) a.jobs;
  if (a.quiet)
    opt.progress = RUNNER_PROGRESS_NONE;
  else if (a.progress && !parse_progress (a.progress, &opt.progress))
    {
      cli_error (cmd, "--progress: expected auto, bar, lines or none, got '%s'", a.progress);
      goto out;
    }
  if (a.shard && !shard_parse (a.shard, NULL, &opt.shard, &err))
    {
      cli_error (cmd, "%s", err->message);
      goto out;
    }
  if ((a.pcap_at || a.pcap_per_node) && !a.pcap)
    {
      cli_error (cmd, "--pcap-at and --pcap-per-node need --pcap DIR");
      goto out;
    }
  sc = cli_load_scenario (cmd, argv[1], a.defines, a.seed, a.filter, a.quiet && !a.dry_run);
  if (!sc)
    goto out;
  if (!runner_check_pcap_at (sc, a.pcap_at, &err))
    {
      cli_error (cmd, "%s", err->message);
      goto out;
    }
  if (a.dry_run)
    {
      if (!runner_dry_run (sc, &opt, stdout, &err))
        {
          cli_error (cmd, "%s", err->message);
          goto out;
        }
      status = CLI_EXIT_OK;
      goto out;
    }
  LintEstimate est;
  if (!lint_estimate (sc, a.filter, opt.jobs, &est, &err))
    {
      cli_error (cmd, "%s", err->message);
      goto out;
    }
  if (!a.quiet && est.wall_s > 60)
    {
      g_autofree char *t = lint_format_seconds (est.wall_s);
      g_autofree char *m = lint_format_bytes (est.peak_bytes);
      fprintf (stderr, "estimate: about %s on %u threads and %s of memory for every run "
               "(sipsim run --dry-run shows what is already stored; Ctrl-C stops, and the "
               "same command resumes)\n", t, est.threads, m);
    }
  RunnerSummary sum;
  if (!runner_run (sc, &opt, &sum, &err))
    {
      cli_error (cmd, "%s", err->message);
      if (g_error_matches (err, STORE_ERROR, STORE_ERROR_SQL))
        cli_error (cmd, "every run committed before the error is kept; "
                   "fix the cause and run the same command again to resume");
      status = CLI_EXIT_FAILED;
      goto out;
    }
  dflt = a.db ? NULL : runner_default_db_path (sc);
  if (!a.quiet)
    {
      fprintf (stderr, "experiment %" G_GINT64_FORMAT ": %u ok, %u failed, %u skipped (already stored)",
               sum.experiment, sum.ok, sum.failed, sum.skipped);
      if (sum.reused)
        fprintf (stderr, ", %u reused from another experiment", sum.reused);
      if (sum.by_others)
        fprintf (stderr, ", %u stored by another sipsim run", sum.by_others);
      fprintf (stderr, "%s\n", sum.interrupted ? "; interrupted: run again to resume" : "");
      if (sum.failed)
        fprintf (stderr, "failed runs: SELECT point_key, replication, error FROM run WHERE status = 'failed';\n");
    }
  if (sum.interrupted)
    fprintf (stderr, "kept: %u runs of this experiment are stored in %s (%u before, %u now); "
             "run the same command again to resume\n", sum.skipped + sum.ok + sum.failed,
             a.db ? a.db : dflt, sum.skipped, sum.ok + sum.failed);
  printf ("%s\n", a.db ? a.db : dflt);
  status = sum.interrupted ? CLI_EXIT_INTERRUPTED : sum.failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
out:
  scenario_free (sc);
  g_free (dflt);
  g_clear_error (&err);
  args_clear (&a);
  return status;
}
