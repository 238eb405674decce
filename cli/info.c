/*
 * cli/info.c - `sipsim info DB`: what a results database holds
 * (experiment/inspect.h).  Exit status (commands.h): 0, or 2 when DB is
 * not a sipsim database.
 */
#include <stdio.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/inspect.h"

const CliCommand cli_command_info = {
  "info", "DB", "what a results database holds: experiments, runs, sweep, metrics",
  "For each experiment: name, seed, version, when; runs ok and failed; the swept\n"
  "parameters; every metric with how many runs have a value and its range; the\n"
  "-D overrides it was run with. `sipsim run SCENARIO --dry-run` shows the same\n"
  "from the scenario's side.",
  cli_info_main, NULL, 0, CLI_ARG_DB, NULL,
};

int
cli_info_main (int argc, char **argv)
{
  const CliCommand *cmd = &cli_command_info;
  if (!cli_parse (cmd, NULL, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    {
      cli_error (cmd, "one DB expected, got %d arguments (sipsim info --help)", argc - 1);
      return CLI_EXIT_USAGE;
    }
  g_autoptr (GError) err = NULL;
  if (!inspect_info (argv[1], stdout, &err))
    {
      cli_error (cmd, "%s", err->message);
      return CLI_EXIT_USAGE;
    }
  return CLI_EXIT_OK;
}
