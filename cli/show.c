/*
 * cli/show.c - `sipsim show SCENARIO`: the scenario as the runs see it,
 * after `extends`, -D and --seed, with its sweep points; or the scenario
 * stored with an experiment (--db).  Exit status (commands.h): 0, 2 an
 * error in the scenario or no such experiment.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "cli/commands.h"
#include "experiment/scenario-text.h"
#include "experiment/scenario.h"
#include "experiment/store.h"

typedef struct {
  char   **defines;
  char    *seed, *db, *point;
  gint64   experiment;
  gboolean points, text_only;
} ShowArgs;

static void
show_options (gpointer p, GOptionEntry *e)
{
  ShowArgs *a = p;
  GOptionEntry t[] = {
    { "define", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &a->defines, "override a scenario key first (as sipsim run -D)", "SECTION.KEY=VALUE" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &a->seed, "experiment seed (as sipsim run --seed)", "N" },
    { "points", 'p', 0, G_OPTION_ARG_NONE, &a->points, "only the sweep points, one per line: index, key, devices", NULL },
    { "text", 't', 0, G_OPTION_ARG_NONE, &a->text_only, "only the merged scenario text (no point list)", NULL },
    { "point", 0, 0, G_OPTION_ARG_STRING, &a->point, "the scenario as one sweep point's runs see it: ${...} replaced (an index or a point key)", "N|KEY" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &a->db, "print the scenario stored in DB instead (SCENARIO not given)", "DB" },
    { "experiment", 'e', 0, G_OPTION_ARG_INT64, &a->experiment, "with --db: which experiment (default: the latest)", "ID" },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_show = {
  "show", "SCENARIO", "the merged scenario (after extends, -D and --seed) and its sweep points",
  "Prints one self-contained scenario file, the text stored with the experiment and\n"
  "what `sipsim run` runs, then each sweep point with its key and device count.",
  cli_show_main, show_options, sizeof (ShowArgs), CLI_ARG_SCENARIO, NULL,
};

static int
show_stored (const CliCommand *cmd, const ShowArgs *a)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (Store) store = store_open_readonly (a->db, &err);
  if (!store)
    {
      cli_error (cmd, "%s", err->message);
      return CLI_EXIT_USAGE;
    }
  gint64 id = a->experiment ? a->experiment : store_latest_experiment (store);
  g_autofree char *text = id ? store_get_experiment_scenario (store, id, &err) : NULL;
  if (!text)
    {
      if (err)
        cli_error (cmd, "%s", err->message);
      else
        cli_error (cmd, "%s holds no experiment", a->db);
      return CLI_EXIT_USAGE;
    }
  fputs (text, stdout);
  return CLI_EXIT_OK;
}

int
cli_show_main (int argc, char **argv)
{
  const CliCommand *cmd = &cli_command_show;
  ShowArgs a = { 0 };
  int status = CLI_EXIT_USAGE;
  Scenario *sc = NULL;
  if (!cli_parse (cmd, &a, &argc, &argv))
    goto out;
  if (a.db)
    {
      if (argc != 1 || a.defines || a.seed)
        cli_error (cmd, "--db DB prints a stored scenario: no SCENARIO, -D or --seed with it");
      else
        status = show_stored (cmd, &a);
      goto out;
    }
  if (argc != 2)
    {
      cli_error (cmd, "one SCENARIO file expected, got %d arguments (sipsim show --help)", argc - 1);
      goto out;
    }
  sc = cli_load_scenario (cmd, argv[1], a.defines, a.seed, NULL, FALSE);
  if (!sc)
    goto out;
  if (a.point)
    {
      guint idx = G_MAXUINT;
      guint64 v;
      if (g_ascii_string_to_unsigned (a.point, 10, 0, G_MAXUINT, &v, NULL))
        idx = (guint) v;
      for (guint p = 0; idx == G_MAXUINT && p < scenario_get_n_points (sc); p++)
        if (g_str_equal (scenario_get_point (sc, p)->key, a.point))
          idx = p;
      if (idx >= scenario_get_n_points (sc))
        {
          cli_error (cmd, "--point %s: no such sweep point (0..%u, or a key such as '%s')", a.point,
                     scenario_get_n_points (sc) - 1, scenario_get_point (sc, 0)->key);
          goto out;
        }
      g_autofree char *t = scenario_text_for_point (sc, idx);
      fputs (t, stdout);
      status = CLI_EXIT_OK;
      goto out;
    }
  if (!a.points)
    fputs (scenario_get_text (sc), stdout);
  if (!a.text_only)
    {
      guint n = scenario_get_n_points (sc);
      if (!a.points)
        printf ("\n# %u sweep point%s x %u replication%s = %u runs, experiment seed %"
                G_GUINT64_FORMAT "\n", n, n == 1 ? "" : "s", scenario_get_replications (sc),
                scenario_get_replications (sc) == 1 ? "" : "s",
                n * scenario_get_replications (sc), scenario_get_seed (sc));
      for (guint p = 0; p < n; p++)
        {
          const ScenarioPoint *pt = scenario_get_point (sc, p);
          printf ("%s%u\t%s\t%u devices\n", a.points ? "" : "# ", p,
                  pt->key[0] ? pt->key : "(no sweep)", scenario_get_n_devices (sc, p));
        }
    }
  status = CLI_EXIT_OK;
out:
  scenario_free (sc);
  g_strfreev (a.defines);
  g_free (a.seed);
  g_free (a.db);
  g_free (a.point);
  return status;
}
