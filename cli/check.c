/*
 * cli/check.c - `sipsim check SCENARIO`: the command line of
 * experiment/check.h (doc/check.md).  Exit status: 0 every check holds,
 * 1 a check is breached, 2 a usage or input error, 130 interrupted.
 */
#include <stdio.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/check.h"
#include "experiment/scenario.h"

int
cli_check_main (int argc, char **argv)
{
  g_autofree char *db_path = NULL, *baseline = NULL, *junit = NULL, *filter = NULL, *seed = NULL;
  gint jobs = 0;
  gboolean no_run = FALSE, golden = FALSE, golden_only = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &db_path, "results database (default results/NAME.db)", "DB" },
    { "baseline", 0, 0, G_OPTION_ARG_FILENAME, &baseline, "compare with this database's experiment of the same name", "DB" },
    { "junit", 0, 0, G_OPTION_ARG_FILENAME, &junit, "write JUnit XML here", "FILE" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "worker threads for missing runs (default: every core)", "N" },
    { "no-run", 0, 0, G_OPTION_ARG_NONE, &no_run, "do not run missing runs: they are an error", NULL },
    { "print-golden", 0, 0, G_OPTION_ARG_NONE, &golden, "print [golden] lines for the stored runs and exit", NULL },
    { "golden-only", 0, 0, G_OPTION_ARG_NONE, &golden_only, "run and check only the runs pinned in [golden] (no [expect])", NULL },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &filter, "only the sweep points matching (as sipsim run --filter)", "FILTER" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed, "experiment seed (as given to sipsim run --seed)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "no progress output while running", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("SCENARIO - evaluate a scenario's [expect] and [golden] sections");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Exit status: 0 every check holds, 1 a check is breached, 2 a usage or input error.\n"
    "Reference: doc/check.md\n");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "sipsim check: %s\n", error->message);
      return 2;
    }
  if (argc != 2)
    {
      fprintf (stderr, "sipsim check: expected one SCENARIO file, got %d arguments "
               "(sipsim check --help)\n", argc - 1);
      return 2;
    }
  if (jobs < 0)
    {
      fprintf (stderr, "sipsim check: -j: expected a number of jobs >= 0, got %d\n", jobs);
      return 2;
    }

  g_autoptr (Scenario) sc = scenario_load (argv[1], &error);
  if (sc == NULL)
    {
      fprintf (stderr, "sipsim check: %s\n", error->message);
      return 2;
    }
  if (seed)
    {
      guint64 s;
      gboolean hex = g_str_has_prefix (seed, "0x");
      if (!g_ascii_string_to_unsigned (seed + (hex ? 2 : 0), hex ? 16 : 10, 0, G_MAXUINT64, &s, NULL))
        {
          fprintf (stderr, "sipsim check: --seed: expected a number (decimal or 0x hex), got '%s'\n", seed);
          return 2;
        }
      scenario_set_seed (sc, s);
    }

  CheckOptions opt = {
    .db_path = db_path, .baseline = baseline, .junit = junit, .filter = filter,
    .jobs = (guint) jobs, .no_run = no_run, .print_golden = golden,
    .golden_only = golden_only, .quiet = quiet,
    .label = argv[1],
  };
  int status = check_scenario (sc, &opt, &error);
  if (error != NULL)
    fprintf (stderr, "sipsim check: %s\n", error->message);
  return status;
}
