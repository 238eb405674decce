/*
 * experiment/replay.c - one stored run, run again and checked against
 * its stored fingerprint (replay.h).
 *
 * Notes
 *
 * 1. Every step that could make the replay a different run is checked
 *    before or after running it: the scenario text must still load, the
 *    point key must still exist, the derived run seed must equal the
 *    stored one (else the loader's seed derivation changed), and the
 *    fingerprint at the end must equal the stored one (else the models
 *    changed).  Each failure names the run and both values.
 */
#include <string.h>

#include "experiment/replay.h"
#include "experiment/scenario.h"

G_DEFINE_QUARK (replay-error-quark, replay_error)

RunResult *
replay_run (Store *store, gint64 run_id, const RunOptions *opt, GError **error)
{
  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (opt != NULL, NULL);

  StoreRunInfo run = { 0 };
  StoreExperimentInfo exp = { 0 };
  Scenario *sc = NULL;
  RunSpec *spec = NULL;
  RunResult *result = NULL;
  GError *e = NULL;
  char a[STORE_HEX64_STRLEN], b[STORE_HEX64_STRLEN];

  if (!store_get_run_info (store, run_id, &run, &e))
    {
      if (g_error_matches (e, STORE_ERROR, STORE_ERROR_NOT_FOUND))
        g_set_error (error, REPLAY_ERROR, REPLAY_ERROR_NOT_FOUND,
                     "no run %" G_GINT64_FORMAT " in the database", run_id);
      else
        g_propagate_error (error, g_steal_pointer (&e));
      g_clear_error (&e);
      goto out;
    }
  if (!run.ok || !run.has_fingerprint)
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_ERROR_FAILED_RUN,
                   "run %" G_GINT64_FORMAT " failed when it was stored (%s): there is no "
                   "fingerprint to replay against", run_id,
                   run.error != NULL ? run.error : "no error text");
      goto out;
    }
  if (run.fingerprint_version != SIM_FINGERPRINT_VERSION)
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_ERROR_MISMATCH,
                   "run %" G_GINT64_FORMAT " was stored with fingerprint version %u, this "
                   "sipsim computes version %d (doc/results.md): run the scenario again "
                   "into a new database to replay it", run_id, run.fingerprint_version,
                   SIM_FINGERPRINT_VERSION);
      goto out;
    }
  if (!store_get_experiment_info (store, run.experiment, &exp, error))
    goto out;

  sc = scenario_load_from_data (exp.scenario, exp.name, NULL, &e);
  if (sc == NULL)
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_ERROR_SCENARIO,
                   "run %" G_GINT64_FORMAT ": the stored scenario of experiment %"
                   G_GINT64_FORMAT " no longer loads: %s", run_id, exp.id, e->message);
      g_clear_error (&e);
      goto out;
    }
  /* note 2 of replay.h: `sipsim run --seed` may have replaced the text's seed */
  scenario_set_seed (sc, exp.seed);

  guint point = G_MAXUINT;
  for (guint i = 0; i < scenario_get_n_points (sc); i++)
    if (strcmp (scenario_get_point (sc, i)->key, run.point_key) == 0)
      {
        point = i;
        break;
      }
  if (point == G_MAXUINT)
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_ERROR_SCENARIO,
                   "run %" G_GINT64_FORMAT ": the stored scenario has no sweep point '%s' "
                   "any more", run_id, run.point_key);
      goto out;
    }

  spec = scenario_instantiate (sc, point, run.replication);
  if (spec->seed != run.seed)
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_ERROR_MISMATCH,
                   "run %" G_GINT64_FORMAT " replays with seed %s, stored %s: the run seed "
                   "derivation changed since it was stored", run_id,
                   store_hex64_format (spec->seed, a), store_hex64_format (run.seed, b));
      goto out;
    }

  result = run_execute (spec, opt);
  if (result->error != NULL)
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_ERROR_FAILED_RUN,
                   "run %" G_GINT64_FORMAT " fails on replay: %s", run_id, result->error);
      g_clear_pointer (&result, run_result_free);
      goto out;
    }
  if (result->fingerprint != run.fingerprint)
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_ERROR_MISMATCH,
                   "run %" G_GINT64_FORMAT " replays with fingerprint %s, stored %s: the model "
                   "changed since it was stored", run_id,
                   store_hex64_format (result->fingerprint, a),
                   store_hex64_format (run.fingerprint, b));
      g_clear_pointer (&result, run_result_free);
      goto out;
    }

out:
  run_spec_free (spec);
  scenario_free (sc);
  store_experiment_info_clear (&exp);
  store_run_info_clear (&run);
  return result;
}
