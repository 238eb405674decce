/*
 * cli/merge.c - `sipsim merge OUT.db IN.db...`: the command line of
 * experiment/merge.h (doc/cluster.md).  Exit status: 0 merged, 1 a
 * conflict (some input not merged), 2 a usage error or a refused input
 * (another scenario text or seed; nothing written).
 */
#include <stdio.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/merge.h"

int
cli_merge_main (int argc, char **argv)
{
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "no per-input lines", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx =
    g_option_context_new ("OUT.db IN.db... - merge the databases of one experiment's shards");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Copies every run of the IN databases (the shards of one scenario and seed, from\n"
    "sipsim run --shard) into OUT, created if missing.  Runs are matched on point and\n"
    "replication: the same result twice is kept once, two different results are a\n"
    "conflict and the input holding it is not merged.  Inputs of another scenario text\n"
    "or seed are refused before anything is written.  See doc/cluster.md.");
  g_autoptr (GError) err = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &err))
    {
      fprintf (stderr, "sipsim merge: %s\n", err->message);
      return 2;
    }
  if (argc < 3)
    {
      fprintf (stderr, "sipsim merge: expected OUT.db and at least one IN.db (sipsim merge --help)\n");
      return 2;
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
