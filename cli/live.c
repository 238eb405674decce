/*
 * cli/live.c - `sipsim live SCENARIO`: the command line of
 * experiment/live.h (doc/live.md).  Exit status: 0 the run ended at its
 * duration (and was stored), 1 it could not be stored or written, 2 a
 * usage, scenario or start-up error, 130 ended by Ctrl-C (after the
 * unregistration, so the registrar is left clean).
 */
#include <stdio.h>
#include <math.h>
#include <glib.h>
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

int
cli_live_main (int argc, char **argv)
{
  char *db = NULL, *device = NULL, *duration = NULL, *pcap_dir = NULL;
  gboolean quiet = FALSE, no_control = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &db, "store the run in DB (as a live experiment)", "DB" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, "only the [device NAME] section", "NAME" },
    { "duration", 0, 0, G_OPTION_ARG_STRING, &duration, "stop after this long (\"90s\", \"10m\"; default: the scenario's duration)", "DUR" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap_dir, "write the phones' own datagrams to DIR/NAME-live-TIME.pcap", "DIR" },
    { "no-control", 0, 0, G_OPTION_ARG_NONE, &no_control, "do not read 'down PROXY' / 'up PROXY' lines from standard input", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "no registration state lines", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("SCENARIO - run a scenario's phones for real");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Runs the phones of SCENARIO on real sockets, in real time, against the registrars\n"
    "and DNS servers the scenario names by address ([proxy] address/port, [dns] or\n"
    "[live] dns), with their vendor parameters. Prints registration state as it goes.\n"
    "Type 'down NAME' / 'up NAME' (a [proxy] name) when you stop or restart a registrar,\n"
    "so failover_s is measured from that instant. Ctrl-C unregisters (expires=0) and\n"
    "stops; a second Ctrl-C stops at once. Use your own lab or loopback only: see\n"
    "doc/live.md (Safety).");
  GError *err = NULL;
  int status = 2;
  Scenario *sc = NULL;
  char *pcap = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &err))
    {
      fprintf (stderr, "sipsim live: %s\n", err->message);
      goto out;
    }
  if (argc != 2)
    {
      fprintf (stderr, "sipsim live: one SCENARIO file expected (sipsim live --help)\n");
      goto out;
    }
  LiveOptions opt = { .device = device, .db_path = db, .control = !no_control,
                      .status = quiet ? NULL : stdout };
  if (duration && !parse_duration (duration, &opt.duration))
    {
      fprintf (stderr, "sipsim live: --duration: expected a duration such as 90s, 10m or 1h, got '%s'\n",
               duration);
      goto out;
    }
  sc = scenario_load (argv[1], &err);
  if (!sc)
    {
      fprintf (stderr, "sipsim live: %s\n", err->message);
      goto out;
    }
  if (pcap_dir)
    {
      if (g_mkdir_with_parents (pcap_dir, 0777) != 0)
        {
          fprintf (stderr, "sipsim live: --pcap: cannot create %s\n", pcap_dir);
          goto out;
        }
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
      g_autofree char *base = g_strdup_printf ("%s-live-%s.pcap", scenario_get_name (sc), stamp);
      pcap = g_build_filename (pcap_dir, base, NULL);
      opt.pcap_path = pcap;
    }
  LiveSummary sum;
  if (!live_run (sc, &opt, &sum, &err))
    {
      fprintf (stderr, "sipsim live: %s\n", err->message);
      status = err->domain == LIVE_ERROR && err->code != LIVE_ERROR_OUTPUT ? 2 : 1;
      goto out;
    }
  if (!quiet)
    {
      printf ("live run: %u unit%s, %u binding%s removed, %u removal%s failed",
              sum.n_units, sum.n_units == 1 ? "" : "s", sum.unregistered,
              sum.unregistered == 1 ? "" : "s", sum.unregister_failed,
              sum.unregister_failed == 1 ? "" : "s");
      if (!isnan (sum.failover_s))
        printf (", failover_s %.3f", sum.failover_s);
      printf (", worst timer lateness %.1f ms\n", (double) sum.max_lateness / SIM_MS (1));
      if (sum.run_id > 0)
        printf ("stored: %s run %" G_GINT64_FORMAT " (live experiment)\n", db, sum.run_id);
      if (pcap)
        printf ("packets: %s\n", pcap);
    }
  status = sum.interrupted ? 130 : 0;
out:
  g_clear_error (&err);
  scenario_free (sc);
  g_free (pcap);
  g_free (db);
  g_free (device);
  g_free (duration);
  g_free (pcap_dir);
  return status;
}
