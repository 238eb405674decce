/*
 * cli/registry.c - the one list of sipsim's commands (commands.h), in
 * the order `sipsim --help` and the man page list them.  A new command is
 * one file with its CliCommand and one line here.
 */
#include <string.h>

#include "cli/commands.h"

static const CliCommand *const commands[] = {
  &cli_command_run,
  &cli_command_check,
  &cli_command_plot,
  &cli_command_trace,
  &cli_command_merge,
  &cli_command_slurm,
  &cli_command_export,
  &cli_command_info,
  &cli_command_show,
  &cli_command_demo,
  &cli_command_bench_kernel,
  &cli_command_bench_experiment,
  &cli_command_completion,
  &cli_command_man,
};

const CliCommand *const *
cli_commands (guint *n)
{
  *n = G_N_ELEMENTS (commands);
  return commands;
}

const CliCommand *
cli_command_find (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i]->name, name) == 0)
      return commands[i];
  return NULL;
}

