/*
 * cli/check.c - `sipsim check SCENARIO`: the command line of
 * experiment/check.h (doc/check.md).  Exit status (commands.h): 0 every
 * check holds, 1 a check is breached, 2 a usage or input error, 130
 * interrupted.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/check.h"
#include "experiment/lint.h"
#include "experiment/scenario.h"

typedef struct {
  char    *db_path, *baseline, *junit, *filter, *seed;
  char   **defines;
  gint     jobs;
  gboolean no_run, golden, golden_only, quiet, live;
} CheckArgs;

static void
check_options (gpointer p, GOptionEntry *e)
{
  CheckArgs *a = p;
  GOptionEntry t[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a->db_path, "results database (default results/NAME.db)", "DB" },
    { "baseline", 0, 0, G_OPTION_ARG_FILENAME, &a->baseline, "compare with this database's experiment of the same name", "DB" },
    { "junit", 0, 0, G_OPTION_ARG_FILENAME, &a->junit, "write JUnit XML here", "FILE" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "worker threads for missing runs (default: every core)", "N" },
    { "no-run", 0, 0, G_OPTION_ARG_NONE, &a->no_run, "do not run missing runs: they are an error", NULL },
    { "print-golden", 0, 0, G_OPTION_ARG_NONE, &a->golden, "print [golden] lines for the stored runs and exit", NULL },
    { "golden-only", 0, 0, G_OPTION_ARG_NONE, &a->golden_only, "run and check only the runs pinned in [golden] (no [expect])", NULL },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &a->filter, "only the sweep points matching (as sipsim run --filter)", "EXPR" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &a->seed, "experiment seed (as given to sipsim run --seed)", "N" },
    { "define", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &a->defines, "override a scenario key (as sipsim run -D)", "SECTION.KEY=VALUE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "no progress output while running", NULL },
    { "live", 0, 0, G_OPTION_ARG_NONE, &a->live, "check the runs sipsim live stored (runs nothing; doc/live.md)", NULL },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_check = {
  "check", "SCENARIO", "evaluate a scenario's [expect] and [golden] sections",
  "Runs what is missing (as sipsim run), evaluates every [expect] statement on every\n"
  "sweep point and every [golden] fingerprint, prints a report. Reference: doc/check.md",
  cli_check_main, check_options, sizeof (CheckArgs), CLI_ARG_SCENARIO, NULL,
};

int
cli_check_main (int argc, char **argv)
{
  const CliCommand *cmd = &cli_command_check;
  CheckArgs a = { 0 };
  int status = CLI_EXIT_USAGE;
  Scenario *sc = NULL;
  GError *error = NULL;
  if (!cli_parse (cmd, &a, &argc, &argv))
    goto out;
  if (argc != 2)
    {
      cli_error (cmd, "expected one SCENARIO file, got %d arguments (sipsim check --help)", argc - 1);
      goto out;
    }
  if (a.jobs < 0)
    {
      cli_error (cmd, "-j: expected a number of jobs >= 0, got %d", a.jobs);
      goto out;
    }
  sc = cli_load_scenario (cmd, argv[1], a.defines, a.seed, a.filter, a.quiet);
  if (!sc)
    goto out;
  LintEstimate est;
  /* --golden-only runs a few pinned runs, --live none: nothing to estimate */
  if (!a.no_run && !a.golden && !a.golden_only && !a.live
      && !lint_estimate (sc, a.filter, (guint) a.jobs, &est, &error))
    {
      cli_error (cmd, "%s", error->message);
      goto out;
    }
  CheckOptions opt = {
    .db_path = a.db_path, .baseline = a.baseline, .junit = a.junit, .filter = a.filter,
    .jobs = (guint) a.jobs, .no_run = a.no_run, .print_golden = a.golden,
    .golden_only = a.golden_only, .quiet = a.quiet, .live = a.live,
    .label = argv[1],
  };
  status = check_scenario (sc, &opt, &error);
  if (error != NULL)
    cli_error (cmd, "%s", error->message);
out:
  scenario_free (sc);
  g_clear_error (&error);
  g_free (a.db_path);
  g_free (a.baseline);
  g_free (a.junit);
  g_free (a.filter);
  g_free (a.seed);
  g_strfreev (a.defines);
  return status;
}
