/*
 * cli/trace.c - `sipsim trace DB --run N`: the command line of
 * experiment/trace.h.  Exit status: 0 drawn, 1 the replay or the pcap
 * failed, 2 a usage error or no such database.
 */
#include <stdio.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/trace.h"

int
cli_trace_main (int argc, char **argv)
{
  gint64 run_id = 0;
  g_autofree char *pcap = NULL, *only = NULL;
  gboolean no_notes = FALSE;
  GOptionEntry entries[] = {
    { "run", 'r', 0, G_OPTION_ARG_INT64, &run_id, "the run's id (run.id in the database)", "N" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap, "keep the run's packets in FILE (pcap, every link)", "FILE" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "only rows involving nodes whose name starts with NODE", "NODE" },
    { "no-notes", 0, 0, G_OPTION_ARG_NONE, &no_notes, "packets only, no device events or faults", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("DB --run N - one run as a ladder diagram, and its packets as pcap");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "The run is replayed from the scenario stored in DB and must give the stored\n"
    "fingerprint. Find run ids with: SELECT id, point_key, replication FROM run;");
  g_autoptr (GError) err = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &err))
    {
      fprintf (stderr, "sipsim trace: %s\n", err->message);
      return 2;
    }
  if (argc != 2 || run_id <= 0)
    {
      fprintf (stderr, "sipsim trace: a DB and --run N (N >= 1) expected (sipsim trace --help)\n");
      return 2;
    }
  Store *store = store_open_readonly (argv[1], &err);
  if (store == NULL)
    {
      fprintf (stderr, "sipsim trace: %s\n", err->message);
      return 2;
    }
  TraceOptions opt = { .pcap_path = pcap, .only = only, .notes = !no_notes };
  TraceInfo info;
  g_autofree char *text = trace_run_ladder (store, run_id, &opt, &info, &err);
  store_close (store);
  if (text == NULL)
    {
      fprintf (stderr, "sipsim trace: %s\n", err->message);
      return 1;
    }
  printf ("run %" G_GINT64_FORMAT ": %u devices, %.0f simulated s, fingerprint %016"
          G_GINT64_MODIFIER "x (replayed, matches the database)\n",
          run_id, info.n_devices, (double) info.sim_time / SIM_S (1), info.fingerprint);
  fputs (text, stdout);
  if (pcap)
    fprintf (stderr, "packets: %s\n", pcap);
  return 0;
}
