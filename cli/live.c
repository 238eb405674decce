/*
 * cli/live.c - `sipsim live SCENARIO`: the command line of
 * experiment/live.h (doc/live.md).  Exit status (commands.h): 0 the run
 * ended at its duration (and was stored), 1 it could not be stored or
 * written, 2 a usage, scenario or start-up error, 130 ended by Ctrl-C
 * (after the unregistration, so the registrar is left clean).
 */
#include <stdio.h>
#include <math.h>
#include <glib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cli/commands.h"
#include "experiment/live.h"
#include "experiment/scenario.h"

/* "90", "90s", "2m", "1h", "1.5s" -> SimTime; FALSE if not one of those. */
static gboolean
parse_duration (const char *s, SimTime *out)
{
  char *end = NULL;
  double v = g_ascii_strtod (s, &end);
  if (end == s || !isfinite (v) || v <= 0)
    return FALSE;
  double unit = 1;
  if (g_str_equal (end, "ms"))
    unit = 1e-3;
  else if (g_str_equal (end, "m"))
    unit = 60;
  else if (g_str_equal (end, "h"))
    unit = 3600;
  else if (!g_str_equal (end, "") && !g_str_equal (end, "s"))
    return FALSE;
  *out = (SimTime) llround (v * unit * SIM_S (1));
  return *out > 0;
}

typedef struct {
  char    *db, *device, *duration, *pcap_dir, *seed;
  char   **defines;
  gboolean quiet, no_control;
} LiveArgs;

static void
live_options (gpointer p, GOptionEntry *e)
{
  LiveArgs *a = p;
  GOptionEntry t[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a->db, "store the run in DB (as a live experiment)", "DB" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &a->device, "only the [device NAME] section", "NAME" },
    { "duration", 0, 0, G_OPTION_ARG_STRING, &a->duration, "stop after this long (\"90s\", \"10m\"; default: the scenario's duration)", "DUR" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &a->pcap_dir, "write the phones' own datagrams to DIR/NAME-live-TIME.pcap", "DIR" },
    { "define", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &a->defines, "override a scenario key (as sipsim run -D)", "SECTION.KEY=VALUE" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &a->seed, "experiment seed (as sipsim run --seed)", "N" },
    { "no-control", 0, 0, G_OPTION_ARG_NONE, &a->no_control, "do not read 'down PROXY' / 'up PROXY' lines from standard input", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "no registration state lines", NULL },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_live = {
  "live", "SCENARIO", "run a scenario's phones for real, against real registrars",
  "Runs the phones of SCENARIO on real sockets, in real time, against the registrars\n"
  "and DNS servers the scenario names by address ([proxy] address/port, [dns] or\n"
  "[live] dns), with their vendor parameters. Prints registration state as it goes.\n"
  "Type 'down NAME' / 'up NAME' (a [proxy] name) when you stop or restart a registrar,\n"
  "so failover_s is measured from that instant. Ctrl-C unregisters (expires=0) and\n"
  "stops; a second Ctrl-C stops at once. Use your own lab or loopback only: see\n"
  "doc/live.md (Safety).",
  cli_live_main, live_options, sizeof (LiveArgs), CLI_ARG_SCENARIO, NULL,
};

int
cli_live_main (int argc, char **argv)
{
  const CliCommand *cmd = &cli_command_live;
  LiveArgs a = { 0 };
  GError *err = NULL;
  int status = CLI_EXIT_USAGE;
  Scenario *sc = NULL;
  char *pcap = NULL;
  if (!cli_parse (cmd, &a, &argc, &argv))
    goto out;
  if (argc != 2)
    {
      cli_error (cmd, "expected one SCENARIO file, got %d arguments (sipsim live --help)", argc - 1);
      goto out;
    }
  LiveOptions opt = { .device = a.device, .db_path = a.db, .control = !a.no_control,
                      .status = a.quiet ? NULL : stdout };
  if (a.duration && !parse_duration (a.duration, &opt.duration))
    {
      cli_error (cmd, "--duration: expected a duration such as 90s, 10m or 1h, got '%s'",
                 a.duration);
      goto out;
    }
  sc = cli_load_scenario (cmd, argv[1], a.defines, a.seed, NULL, a.quiet);
  if (!sc)
    goto out;
  if (a.pcap_dir)
    {
      if (g_mkdir_with_parents (a.pcap_dir, 0777) != 0)
        {
          cli_error (cmd, "--pcap: cannot create %s", a.pcap_dir);
          goto out;
        }
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
      g_autofree char *base = g_strdup_printf ("%s-live-%s.pcap", scenario_get_name (sc), stamp);
      pcap = g_build_filename (a.pcap_dir, base, NULL);
      opt.pcap_path = pcap;
    }
  LiveSummary sum;
  if (!live_run (sc, &opt, &sum, &err))
    {
      cli_error (cmd, "%s", err->message);
      status = err->domain == LIVE_ERROR && err->code != LIVE_ERROR_OUTPUT ? CLI_EXIT_USAGE
                                                                          : CLI_EXIT_FAILED;
      goto out;
    }
  if (!a.quiet)
    {
      printf ("live run: %u unit%s, %u binding%s removed, %u removal%s failed",
              sum.n_units, sum.n_units == 1 ? "" : "s", sum.unregistered,
              sum.unregistered == 1 ? "" : "s", sum.unregister_failed,
              sum.unregister_failed == 1 ? "" : "s");
      if (!isnan (sum.failover_s))
        printf (", failover_s %.3f", sum.failover_s);
      printf (", worst timer lateness %.1f ms\n", (double) sum.max_lateness / SIM_MS (1));
      if (sum.run_id > 0)
        printf ("stored: %s run %" G_GINT64_FORMAT " (live experiment)\n", a.db, sum.run_id);
      if (pcap)
        printf ("packets: %s\n", pcap);
    }
  status = sum.interrupted ? CLI_EXIT_INTERRUPTED : CLI_EXIT_OK;
out:
  g_clear_error (&err);
  scenario_free (sc);
  g_free (pcap);
  g_free (a.db);
  g_free (a.device);
  g_free (a.duration);
  g_free (a.pcap_dir);
  g_free (a.seed);
  g_strfreev (a.defines);
  return status;
}
