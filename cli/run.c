/*
 * cli/run.c - `sipsim run SCENARIO`: the command line of
 * experiment/runner.h (doc/guide.md).  Exit status: 0 every run stored,
 * 1 a run failed or the store failed, 2 a usage or scenario error, 130
 * interrupted (Ctrl-C; run again to resume).
 */
#include <stdio.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/check.h"
#include "experiment/runner.h"
#include "experiment/scenario.h"
#include "experiment/shard.h"
#include "experiment/store.h"

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

int
cli_run_main (int argc, char **argv)
{
  char *db = NULL, *filter = NULL, *seed = NULL, *pcap = NULL, *progress = NULL, *shard = NULL;
  gint jobs = 0;
  gboolean trace = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &db, "results database (default results/NAME.db)", "DB" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "worker threads (default: every core)", "N" },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &filter, "only sweep points matching, e.g. 'ka=30,nat_timeout>=60'", "EXPR" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed, "experiment seed (overrides [scenario] seed)", "N" },
    { "trace", 0, 0, G_OPTION_ARG_NONE, &trace, "store every run's event trace and probes", NULL },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap, "write each run's packets to DIR/NAME-pP-rR.pcap", "DIR" },
    { "progress", 0, 0, G_OPTION_ARG_STRING, &progress, "auto, bar, lines or none", "MODE" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &shard, "only shard I of N (from 0) of the runs, or 'array': from SLURM_ARRAY_TASK_* (doc/cluster.md)", "I/N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "no progress output", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("SCENARIO - run a scenario's runs into a results database");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Runs every sweep point x replication of SCENARIO not yet stored in DB (resumable),\n"
    "on N threads. Ctrl-C stops after the runs in progress; nothing committed is lost.\n"
    "Runs another experiment in DB already has (same point, replication and seed) are\n"
    "copied, not computed; two sipsim run on one DB share the runs (doc/results.md).\n"
    "--shard I/N computes one of N disjoint parts; sipsim merge joins them (doc/cluster.md).\n"
    "See doc/guide.md and doc/scenarios.md.");
  GError *err = NULL;
  int status = 2;
  Scenario *sc = NULL;
  char *dflt = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &err))
    {
      fprintf (stderr, "sipsim run: %s\n", err->message);
      goto out;
    }
  if (argc != 2)
    {
      fprintf (stderr, "sipsim run: one SCENARIO file expected (sipsim run --help)\n");
      goto out;
    }
  RunnerOptions opt = { .db_path = db, .filter = filter, .trace = trace, .pcap_dir = pcap };
  if (jobs < 0)
    {
      fprintf (stderr, "sipsim run: --jobs must be >= 0\n");
      goto out;
    }
  opt.jobs = (guint) jobs;
  if (quiet)
    opt.progress = RUNNER_PROGRESS_NONE;
  else if (progress && !parse_progress (progress, &opt.progress))
    {
      fprintf (stderr, "sipsim run: --progress: expected auto, bar, lines or none, got '%s'\n", progress);
      goto out;
    }
  if (shard && !shard_parse (shard, NULL, &opt.shard, &err))
    {
      fprintf (stderr, "sipsim run: %s\n", err->message);
      goto out;
    }
  sc = scenario_load (argv[1], &err);
  if (!sc)
    {
      fprintf (stderr, "sipsim run: %s\n", err->message);
      goto out;
    }
  if (seed)
    {
      /* Decimal or 0x hex, as [scenario] seed reads it (base 0 is not
       * a base GLib takes). */
      gboolean hex = g_str_has_prefix (seed, "0x") || g_str_has_prefix (seed, "0X");
      guint64 s;
      if (!g_ascii_string_to_unsigned (seed + (hex ? 2 : 0), hex ? 16 : 10, 0, G_MAXUINT64, &s, NULL))
        {
          fprintf (stderr, "sipsim run: --seed: expected an unsigned 64-bit integer, got '%s'\n", seed);
          goto out;
        }
      scenario_set_seed (sc, s);
    }
  if (!check_validate (sc, &err) || !scenario_filter_check (sc, filter, &err))
    {
      fprintf (stderr, "sipsim run: %s\n", err->message);
      goto out;
    }
  RunnerSummary sum;
  if (!runner_run (sc, &opt, &sum, &err))
    {
      fprintf (stderr, "sipsim run: %s\n", err->message);
      if (g_error_matches (err, STORE_ERROR, STORE_ERROR_SQL))
        fprintf (stderr, "sipsim run: every run committed before the error is kept; "
                 "fix the cause and run the same command again to resume\n");
      status = 1;
      goto out;
    }
  dflt = db ? NULL : runner_default_db_path (sc);
  if (!quiet)
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
  printf ("%s\n", db ? db : dflt);
  status = sum.interrupted ? 130 : sum.failed ? 1 : 0;
out:
  scenario_free (sc);
  g_free (dflt);
  g_clear_error (&err);
  g_free (db);
  g_free (filter);
  g_free (seed);
  g_free (pcap);
  g_free (progress);
  g_free (shard);
  return status;
}
