/*
 * tests/fuzz/fuzz-scenario.c - the scenario loader (experiment/
 * scenario.h) on hostile text: key-file syntax, ${...} sweeps, every
 * section's values.
 *
 * Invariants, checked with abort():
 *  - a load fails with a SCENARIO_ERROR, or succeeds with no error;
 *  - a scenario that loads has at least one point, and every point up to
 *    64 instantiates (scenario_load promised it) with the device count it
 *    reported, and matches a filter made of its own key;
 *  - its merged text (scenario_get_text) loads again into the same points,
 *    run seeds and device counts, and is a fixed point of load + get_text.
 * Inputs naming `extends` are skipped: they would read the file system.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/scenario.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 8192)
    return 0;
  g_autofree char *text = g_strndup ((const char *) data, size);   /* stops at a NUL */
  if (strstr (text, "extends"))
    return 0;
  GError *err = NULL;
  Scenario *sc = scenario_load_from_data (text, "fuzz.ini", "/nonexistent-sipsim-fuzz", &err);
  if (!sc)
    {
      if (!err || err->domain != SCENARIO_ERROR || !err->message[0])
        abort ();
      g_error_free (err);
      return 0;
    }
  if (err)
    abort ();
  guint n = scenario_get_n_points (sc);
  if (n == 0)
    abort ();
  Scenario *again = scenario_load_from_data (scenario_get_text (sc), "stored.ini", NULL, &err);
  if (!again || err)
    abort ();
  if (scenario_get_n_points (again) != n
      || scenario_get_seed (again) != scenario_get_seed (sc)
      || scenario_get_duration (again) != scenario_get_duration (sc)
      || g_strcmp0 (scenario_get_name (again), scenario_get_name (sc)) != 0)
    abort ();
  for (guint p = 0; p < n && p < 64; p++)
    {
      const ScenarioPoint *a = scenario_get_point (sc, p);
      const ScenarioPoint *b = scenario_get_point (again, p);
      if (g_strcmp0 (a->key, b->key) != 0
          || scenario_run_seed (sc, a, 1) != scenario_run_seed (again, b, 1)
          || scenario_get_n_devices (sc, p) != scenario_get_n_devices (again, p))
        abort ();
      if (!scenario_point_matches (sc, a, a->key))
        abort ();
      RunSpec *spec = scenario_instantiate (sc, p, 0);
      if (!spec || run_spec_n_devices (spec) != scenario_get_n_devices (sc, p))
        abort ();
      run_spec_free (spec);
    }
  Scenario *third = scenario_load_from_data (scenario_get_text (again), "third.ini", NULL, &err);
  if (!third || g_strcmp0 (scenario_get_text (third), scenario_get_text (again)) != 0)
    abort ();
  scenario_free (third);
  scenario_free (again);
  scenario_free (sc);
  return 0;
}
