/*
 * cli/trace.c - `sipsim trace DB --run N`: the command line of
 * experiment/trace.h.  Exit status (commands.h): 0 drawn, 1 the replay or
 * the pcap failed, 2 a usage error, no such database or no such run.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/runner.h"
#include "experiment/store.h"
#include "experiment/trace.h"

typedef struct {
  gint64   run_id;
  char    *pcap, *pcap_at, *only;
  gboolean no_notes, pcap_per_node, lines;
} TraceArgs;

static void
trace_options (gpointer p, GOptionEntry *e)
{
  TraceArgs *a = p;
  GOptionEntry t[] = {
    { "run", 'r', 0, G_OPTION_ARG_INT64, &a->run_id, "the run's id (run.id in the database; sipsim info DB lists them)", "N" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &a->pcap, "keep the run's packets in FILE (pcap; each packet once, at the phones' access links)", "FILE" },
    { "pcap-at", 0, 0, G_OPTION_ARG_STRING, &a->pcap_at, "capture at this node instead (a section name, NAME-3, dns, core) or 'all' links", "NODE" },
    { "pcap-per-node", 0, 0, G_OPTION_ARG_NONE, &a->pcap_per_node, "one pcap file per captured node (FILE-NODE.pcap)", NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING, &a->only, "only rows involving nodes whose name starts with NODE", "NODE" },
    { "no-notes", 0, 0, G_OPTION_ARG_NONE, &a->no_notes, "packets only, no device events or faults", NULL },
    { "lines", 0, 0, G_OPTION_ARG_NONE, &a->lines, "print the trace stored by sipsim run --trace, one TIME WHO TEXT line each (no replay)", NULL },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_trace = {
  "trace", "DB --run N", "one stored run as a ladder diagram, and its packets as pcap",
  "The run is replayed from the scenario stored in DB and must give the stored\n"
  "fingerprint. With --lines, the trace stored by sipsim run --trace is printed instead. Find run ids with sipsim info DB or: SELECT id, point_key, replication FROM run;",
  cli_trace_main, trace_options, sizeof (TraceArgs), CLI_ARG_DB, NULL,
};

int
cli_trace_main (int argc, char **argv)
{
  const CliCommand *cmd = &cli_command_trace;
  TraceArgs a = { 0 };
  int status = CLI_EXIT_USAGE;
  g_autoptr (GError) err = NULL;
  Store *store = NULL;
  char *text = NULL;
  if (!cli_parse (cmd, &a, &argc, &argv))
    goto out;
  if (argc != 2 || a.run_id <= 0)
    {
      cli_error (cmd, "a DB and --run N (N >= 1) expected (sipsim trace --help)");
      goto out;
    }
  if ((a.pcap_at || a.pcap_per_node) && !a.pcap)
    {
      cli_error (cmd, "--pcap-at and --pcap-per-node need --pcap FILE");
      goto out;
    }
  store = store_open_readonly (argv[1], &err);
  if (store == NULL)
    {
      cli_error (cmd, "%s", err->message);
      goto out;
    }
  StoreRunInfo ri;
  if (!store_get_run_info (store, a.run_id, &ri, &err))
    {
      /* No such run is an input error, as for `sipsim plot timeline`. */
      cli_error (cmd, "%s", err->message);
      goto out;
    }
  gint64 exp = ri.experiment;
  store_run_info_clear (&ri);
  if (a.lines)
    {
      /* The stored trace, unpacked (store-schema.h version 4); the
       * ladder's options do not apply to it. */
      if (a.pcap || a.only || a.no_notes)
        {
          cli_error (cmd, "--lines prints the stored trace as it is: no --pcap, --only or --no-notes");
          goto out;
        }
      if (!store_write_trace (store, a.run_id, stdout, NULL, &err))
        {
          cli_error (cmd, "%s", err->message);
          status = g_error_matches (err, STORE_ERROR, STORE_ERROR_NOT_FOUND) ? CLI_EXIT_USAGE
                                                                               : CLI_EXIT_FAILED;
          goto out;
        }
      status = CLI_EXIT_OK;
      goto out;
    }
  if (a.pcap_at)
    {
      /* an unknown node is an input error too, found before the replay */
      g_autofree char *stored = store_get_experiment_scenario (store, exp, &err);
      g_autoptr (Scenario) sc = stored ? scenario_load_from_data (stored, argv[1], NULL, &err) : NULL;
      if (sc && !runner_check_pcap_at (sc, a.pcap_at, &err))
        {
          cli_error (cmd, "%s", err->message);
          goto out;
        }
      g_clear_error (&err);   /* a scenario that no longer loads: the replay says so */
    }
  TraceOptions opt = { .pcap_path = a.pcap, .pcap_at = a.pcap_at, .pcap_per_node = a.pcap_per_node,
                       .only = a.only, .notes = !a.no_notes };
  TraceInfo info;
  text = trace_run_ladder (store, a.run_id, &opt, &info, &err);
  if (text == NULL)
    {
      cli_error (cmd, "%s", err->message);
      status = CLI_EXIT_FAILED;
      goto out;
    }
  printf ("run %" G_GINT64_FORMAT ": %u devices, %.0f simulated s, fingerprint %016"
          G_GINT64_MODIFIER "x (replayed, matches the database)\n",
          a.run_id, info.n_devices, (double) info.sim_time / SIM_S (1), info.fingerprint);
  fputs (text, stdout);
  if (a.pcap)
    fprintf (stderr, "packets: %s%s\n", a.pcap, a.pcap_per_node ? " (one file per node, -NODE.pcap)" : "");
  status = CLI_EXIT_OK;
out:
  g_free (text);
  store_close (store);
  g_free (a.pcap);
  g_free (a.pcap_at);
  g_free (a.only);
  return status;
}
