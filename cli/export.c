/*
 * cli/export.c - `sipsim export DB`: the runs of a results database as
 * CSV or JSON, wide or long (experiment/inspect.h note 2).  Exit status
 * (commands.h): 0 written, 1 writing failed, 2 a usage error or no such
 * database, experiment or metric.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/inspect.h"

typedef struct {
  char  *format, *layout, *output, *metrics;
  gint64 experiment;
} ExportArgs;

static void
export_options (gpointer p, GOptionEntry *e)
{
  ExportArgs *a = p;
  GOptionEntry t[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &a->format, "csv (default) or json", "FORMAT" },
    { "layout", 'l', 0, G_OPTION_ARG_STRING, &a->layout, "wide (default: a row per run, a column per parameter and metric) or long (a row per run and metric)", "LAYOUT" },
    { "experiment", 'e', 0, G_OPTION_ARG_INT64, &a->experiment, "only this experiment (default: every one)", "ID" },
    { "metric", 'm', 0, G_OPTION_ARG_STRING, &a->metrics, "only these metrics, comma-separated", "M1,M2" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a->output, "write to FILE (default: standard output)", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_export = {
  "export", "DB", "a results database's runs, parameters and metrics as CSV or JSON",
  "Wide: one row per run (run_id, experiment, point, point_key, replication, seed,\n"
  "status, fingerprint, each sweep parameter, each run-level metric; empty or null\n"
  "where a metric is NULL). Long: one row per run and metric. For R, pandas or a\n"
  "spreadsheet; doc/results.md describes the columns.",
  cli_export_main, export_options, sizeof (ExportArgs), CLI_ARG_DB, NULL,
};

int
cli_export_main (int argc, char **argv)
{
  const CliCommand *cmd = &cli_command_export;
  ExportArgs a = { 0 };
  int status = CLI_EXIT_USAGE;
  g_autoptr (GError) err = NULL;
  Store *store = NULL;
  FILE *out = stdout;
  if (!cli_parse (cmd, &a, &argc, &argv))
    goto done;
  if (argc != 2)
    {
      cli_error (cmd, "one DB expected, got %d arguments (sipsim export --help)", argc - 1);
      goto done;
    }
  ExportOptions opt = { .experiment = a.experiment, .metrics = a.metrics };
  if (!a.format || g_str_equal (a.format, "csv"))
    opt.format = EXPORT_CSV;
  else if (g_str_equal (a.format, "json"))
    opt.format = EXPORT_JSON;
  else
    {
      cli_error (cmd, "--format: expected csv or json, got '%s'", a.format);
      goto done;
    }
  if (!a.layout || g_str_equal (a.layout, "wide"))
    opt.layout = EXPORT_WIDE;
  else if (g_str_equal (a.layout, "long"))
    opt.layout = EXPORT_LONG;
  else
    {
      cli_error (cmd, "--layout: expected wide or long, got '%s'", a.layout);
      goto done;
    }
  store = store_open_readonly (argv[1], &err);
  if (!store)
    {
      cli_error (cmd, "%s", err->message);
      goto done;
    }
  if (a.experiment)
    {
      StoreExperimentInfo info;
      if (!store_get_experiment_info (store, a.experiment, &info, &err))
        {
          cli_error (cmd, "%s", err->message);
          goto done;
        }
      store_experiment_info_clear (&info);
    }
  if (a.output && !(out = fopen (a.output, "w")))
    {
      cli_error (cmd, "cannot write %s: %s", a.output, g_strerror (errno));
      out = stdout;
      status = CLI_EXIT_FAILED;
      goto done;
    }
  if (!inspect_export (store, &opt, out, &err))
    {
      cli_error (cmd, "%s", err->message);
      status = g_error_matches (err, STORE_ERROR, STORE_ERROR_NOT_FOUND) ? CLI_EXIT_USAGE
                                                                         : CLI_EXIT_FAILED;
      goto done;
    }
  status = CLI_EXIT_OK;
done:
  if (out != stdout && fclose (out) != 0 && status == CLI_EXIT_OK)
    {
      cli_error (cmd, "writing %s failed", a.output);
      status = CLI_EXIT_FAILED;
    }
  store_close (store);
  g_free (a.format);
  g_free (a.layout);
  g_free (a.output);
  g_free (a.metrics);
  return status;
}
