/*
 * cli/merge.c - `sipsim merge OUT.db IN.db...`: the command line of
 * experiment/merge.h (doc/cluster.md).  Exit status: 0 merged, 1 a
 * conflict (some input not merged), 2 a usage error or a refused input
 * (another scenario text or seed; nothing written).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/merge.h"

typedef struct { gboolean quiet; } MergeArgs;

static void
merge_options (gpointer p, GOptionEntry *e)
{
  MergeArgs *a = p;
  GOptionEntry t[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "no per-input lines", NULL },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_merge = {
  "merge", "OUT.db IN.db...", "merge the databases of one experiment's shards",
  "Copies every run of the IN databases (the shards of one scenario and seed, from\n"
  "sipsim run --shard) into OUT, created if missing.  Runs are matched on point and\n"
  "replication: the same result twice is kept once, two different results are a\n"
  "conflict and the input holding it is not merged.  Inputs of another scenario text\n"
  "or seed are refused before anything is written.  See doc/cluster.md.",
  cli_merge_main, merge_options, sizeof (MergeArgs), CLI_ARG_DB, NULL,
};

int
cli_merge_main (int argc, char **argv)
{
  const CliCommand *cmd = &cli_command_merge;
  MergeArgs a = { 0 };
  g_autoptr (GError) err = NULL;
  if (!cli_parse (cmd, &a, &argc, &argv))
    return CLI_EXIT_USAGE;
  gboolean quiet = a.quiet;
  if (argc < 3)
    {
      cli_error (cmd, "expected OUT.db and at least one IN.db (sipsim merge --help)");
      return CLI_EXIT_USAGE;
    }
  MergeSummary sum;
  gboolean ok = merge_databases (argv[1], (const char *const *) argv + 2, (guint) argc - 2,
                                 quiet ? NULL : stderr, &sum, &err);
  int status = 0;
  if (!ok)
    {
      fprintf (stderr, "sipsim merge: %s\n", err->message);
      status = g_error_matches (err, MERGE_ERROR, MERGE_ERROR_CONFLICT) ? 1 : 2;
    }
  if (sum.experiment > 0 && (ok || status == 1))
    {
      fprintf (stderr, "%s: experiment %" G_GINT64_FORMAT ", %u runs merged, %u already there",
               argv[1], sum.experiment, sum.copied, sum.duplicates);
      if (sum.planned)
        fprintf (stderr, "; %u of the scenario's %u runs stored", sum.stored, sum.planned);
      fprintf (stderr, "\n");
      if (sum.planned && sum.stored < sum.planned)
        fprintf (stderr, "sipsim merge: %u runs missing (first: '%s'): a shard not run or not "
                 "finished? Run it again and merge its database\n",
                 sum.planned - sum.stored, sum.first_missing);
      printf ("%s\n", argv[1]);
    }
  merge_summary_clear (&sum);
  return status;
}
