/*
 * cli/main.c - the sipsim command: usage, version, and dispatch to the
 * subcommands, one file each (cli/commands.h), listed once here.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "sipsim-config.h"
#include "cli/commands.h"
#include "experiment/suggest.h"

/* Every command, from the one table (cli/registry.c). */
static const CliCommand *const *commands;
static guint n_commands;

static void
usage (FILE *fp)
{
  fprintf (fp, "usage: sipsim COMMAND [OPTIONS] [ARGS]     (sipsim COMMAND --help for its options)\n\n"
               "commands:\n");
  for (gsize i = 0; i < n_commands; i++)
    {
      g_autofree char *head = g_strdup_printf ("%s %s", commands[i]->name,
                                               commands[i]->args ? commands[i]->args : "");
      if (strlen (head) > 24)
        fprintf (fp, "  %s\n  %-24s %s\n", head, "", commands[i]->summary);
      else
        fprintf (fp, "  %-24s %s\n", head, commands[i]->summary);
    }
  fprintf (fp, "  %-24s %s\n", "version", "print the version");
  fprintf (fp, "\nexit status: 0 ok, 1 a check or run failed, 2 a usage or input error,\n"
               "130 interrupted. Start with doc/guide.md; `sipsim man` prints the manual.\n");
}

int
main (int argc, char **argv)
{
  commands = cli_commands (&n_commands);
  if (argc < 2 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0
      || strcmp (argv[1], "help") == 0)
    {
      if (argc >= 3 && strcmp (argv[1], "help") == 0)
        {
          /* "sipsim help run" = "sipsim run --help" */
          char *args[] = { argv[2], (char *) "--help", NULL };
          const CliCommand *c = cli_command_find (argv[2]);
          if (c)
            return c->main (2, args);
        }
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
  if (strcmp (argv[1], "version") == 0 || strcmp (argv[1], "--version") == 0)
    {
      printf ("sipsim %s\n", SIPSIM_VERSION);
      return CLI_EXIT_OK;
    }
  if (strcmp (argv[1], "bench") == 0)
    {
      if (argc >= 3)
        {
          g_autofree char *name = g_strdup_printf ("bench %s", argv[2]);
          const CliCommand *c = cli_command_find (name);
          if (c)
            return c->main (argc - 2, argv + 2);
        }
      if (argc >= 3 && (strcmp (argv[2], "--help") == 0 || strcmp (argv[2], "-h") == 0))
        {
          printf ("usage: sipsim bench kernel K N [SEED] [MAXDELAY_NS] [--timers]\n"
                  "       sipsim bench experiment scenario FILE [--runs N] [--point P]\n"
                  "       sipsim bench experiment devices N [--hours H] [--runs R] [--seed S]\n"
                  "benchmarks, never tests (doc/performance.md); each takes --help\n");
          return CLI_EXIT_OK;
        }
      fprintf (stderr, "sipsim bench: unknown benchmark%s%s (known: kernel, experiment; "
               "sipsim bench --help)\n", argc >= 3 ? " " : "", argc >= 3 ? argv[2] : "");
      return CLI_EXIT_USAGE;
    }
  for (gsize i = 0; i < n_commands; i++)
    if (strcmp (argv[1], commands[i]->name) == 0)
      return commands[i]->main (argc - 1, argv + 1);
  g_autofree const char **names = g_new0 (const char *, n_commands + 2);
  names[0] = "version";
  names[1] = "help";
  for (gsize i = 0; i < n_commands; i++)
    names[i + 2] = commands[i]->name;
  g_autofree char *note = suggest_note (argv[1], names, n_commands + 2);
  fprintf (stderr, "sipsim: unknown command '%s'%s\n\n", argv[1], note);
  usage (stderr);
  return CLI_EXIT_USAGE;
}
