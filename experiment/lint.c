/*
 * experiment/lint.c - warnings and estimates before a run (lint.h).
 */
#include "experiment/lint.h"

#include <string.h>
#include <unistd.h>


#include "experiment/fault.h"
#include "experiment/scenario-private.h"

static void
lint_unused_vars (const Scenario *sc, GPtrArray *out)
{
  const char *const *vars = scenario_get_variables (sc);
  if (!vars || !vars[0])
    return;
  g_autoptr (GError) err = NULL;
  ScKf *kf = sc_kf_parse (scenario_get_text (sc), scenario_get_name (sc), &err);
  if (!kf)
    return;   /* cannot happen for a scenario that loaded */
  for (guint v = 0; vars[v]; v++)
    {
      gboolean used = FALSE;
      for (guint i = 0; !used && i < kf->groups->len; i++)
        {
          const ScKfGroup *g = kf->groups->pdata[i];
          if (g_str_equal (g->name, "sweep") || sc_group_is_raw (g->name))
            continue;
          for (guint j = 0; !used && j < g->entries->len; j++)
            used = sc_value_uses_var (((const ScKfEntry *) g->entries->pdata[j])->value, vars[v]);
        }
      if (!used)
        g_ptr_array_add (out, g_strdup_printf (
          "[sweep] %s: no value uses ${%s}, so its points differ only in their seeds "
          "(replications under another name); use it in a section or remove it", vars[v], vars[v]));
    }
  sc_kf_free (kf);
}

static void
lint_spec (const Scenario *sc, const RunSpec *spec, const ScenarioPoint *pt, GHashTable *seen,
           GPtrArray *out)
{
  SimTime end = scenario_get_duration (sc);
  char at[SIM_TIME_STRLEN], e[SIM_TIME_STRLEN];
  sim_time_format (end, e);
  for (guint i = 0; i < spec->faults->len; i++)
    {
      const SpecFault *f = &g_array_index (spec->faults, SpecFault, i);
      g_autofree char *key = g_strdup_printf ("fault\x1f%s", f->name);
      if (g_hash_table_contains (seen, key))
        continue;
      SimTime first = f->at.a;
      gboolean after = FALSE, may = FALSE;
      switch (f->at.dist)
        {
        case SPEC_DIST_FIXED:
          after = f->at.a >= end;
          break;
        case SPEC_DIST_UNIFORM:
          after = f->at.a >= end;
          may = !after && f->at.b > end;
          break;
        case SPEC_DIST_EXPONENTIAL:
          after = f->at.a >= end;
          break;
        case SPEC_DIST_NORMAL:
          after = f->at.a - 3 * f->at.b >= end;
          break;
        }
      if (f->type == fault_type_lookup ("proxy-random"))   /* from `at` to the end */
        after = may = FALSE;
      sim_time_format (first, at);
      if (after)
        g_ptr_array_add (out, g_strdup_printf (
          "[fault %s]: starts at %s%s%s, at or after the end of the run (duration %s): it never happens",
          f->name, at, pt->key[0] ? " at sweep point " : "", pt->key, e));
      else if (may)
        g_ptr_array_add (out, g_strdup_printf (
          "[fault %s]: its start is drawn up to past the end of the run (duration %s): "
          "in some runs it never happens and its metrics are NULL", f->name, e));
      if (after || may)
        g_hash_table_add (seen, g_steal_pointer (&key));
    }
  for (guint i = 0; i < spec->devices->len; i++)
    {
      const SpecDevice *d = &g_array_index (spec->devices, SpecDevice, i);
      g_autofree char *key = g_strdup_printf ("device\x1f%s", d->name);
      if (g_hash_table_contains (seen, key))
        continue;
      gboolean any = FALSE;
      for (guint a = 0; a < DEVICE_MAX_ACCOUNTS; a++)
        any = any || device_account_config_is_enabled (&d->cfg.accounts[a]);
      if (!any)
        {
          g_ptr_array_add (out, g_strdup_printf (
            "[device %s]: no account is enabled (B1: ProxyServer and AuthUserName set, "
            "Enabled true), so it never registers and every metric of it is NULL; "
            "set e.g. 'ProxyServer = voip.test' and 'AuthUserName = 1001'", d->name));
          g_hash_table_add (seen, g_steal_pointer (&key));
        }
    }
}

GPtrArray *
scenario_lint (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint np = scenario_get_n_points (sc);
  /* Faults and devices per point, at most 64 points (a swept fault time is
   * caught at the points that put it past the end; 64 keeps a big sweep's
   * lint fast). */
  for (guint p = 0; p < np && p < 64; p++)
    {
      RunSpec *spec = scenario_instantiate (sc, p, 0);
      lint_spec (sc, spec, scenario_get_point (sc, p), seen, out);
      run_spec_free (spec);
    }
  lint_unused_vars (sc, out);
  SimTime d = scenario_get_duration (sc), w = scenario_get_warmup (sc);
  if (w > 0 && (double) (d - w) < 0.1 * (double) d)
    {
      char ws[SIM_TIME_STRLEN], ds[SIM_TIME_STRLEN];
      sim_time_format (w, ws);
      sim_time_format (d, ds);
      g_ptr_array_add (out, g_strdup_printf (
        "[scenario] warmup: %s of a %s run leaves less than 10 %% of it measured", ws, ds));
    }
  return out;
}

char *
lint_format_bytes (double b)
{
  static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
  guint u = 0;
  while (b >= 1024 && u + 1 < G_N_ELEMENTS (units))
    {
      b /= 1024;
      u++;
    }
  return g_strdup_printf (b < 10 && u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

char *
lint_format_seconds (double s)
{
  if (s < 1)
    return g_strdup ("under 1 s");
  if (s < 90)
    return g_strdup_printf ("%.0f s", s);
  if (s < 90 * 60)
    return g_strdup_printf ("%.0f min", s / 60);
  if (s < 48 * 3600)
    return g_strdup_printf ("%.1f h", s / 3600);
  if (s < 2 * 365 * 86400.0)
    return g_strdup_printf ("%.1f days", s / 86400);
  return g_strdup_printf ("%.1f years", s / (365 * 86400.0));
}

static double
machine_bytes (void)
{
  long pages = sysconf (_SC_PHYS_PAGES), size = sysconf (_SC_PAGESIZE);
  return pages > 0 && size > 0 ? (double) pages * (double) size : 0;
}

gboolean
lint_estimate (const Scenario *sc, const char *filter, guint jobs, LintEstimate *est,
               GError **error)
{
  g_return_val_if_fail (sc && est, FALSE);
  memset (est, 0, sizeof *est);
  double reps = scenario_get_replications (sc);
  double dur = sim_time_to_s (scenario_get_duration (sc));
  for (guint p = 0; p < scenario_get_n_points (sc); p++)
    {
      const ScenarioPoint *pt = scenario_get_point (sc, p);
      if (!scenario_point_matches (sc, pt, filter))
        continue;
      double n = scenario_get_n_devices (sc, p);
      est->points++;
      est->max_devices = MAX (est->max_devices, n);
      est->device_sim_s += reps * n * dur;
    }
  est->runs = est->points * reps;
  est->threads = jobs ? jobs : g_get_num_processors ();
  double in_flight = MAX (1.0, MIN ((double) est->threads, est->runs));
  est->run_bytes = LINT_RUN_BYTES + LINT_DEVICE_BYTES * est->max_devices;
  est->peak_bytes = est->run_bytes * in_flight;
  est->cpu_s = est->device_sim_s * LINT_DEVICE_S_PER_SIM_S + est->runs * LINT_RUN_S;
  est->wall_s = est->cpu_s / in_flight;
  est->machine_bytes = machine_bytes ();
  if (est->runs > LINT_MAX_RUNS)
    {
      g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_VALUE,
                   "%.3g runs (%.0f points x %.0f replications) is more than the %.0e a results "
                   "database is made for; split the sweep or lower replications",
                   est->runs, est->points, reps, LINT_MAX_RUNS);
      return FALSE;
    }
  if (est->machine_bytes > 0 && est->peak_bytes > est->machine_bytes)
    {
      g_autofree char *need = lint_format_bytes (est->peak_bytes);
      g_autofree char *one = lint_format_bytes (est->run_bytes);
      g_autofree char *have = lint_format_bytes (est->machine_bytes);
      g_autofree char *t = lint_format_seconds (est->wall_s);
      g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_VALUE,
                   "cannot fit: the largest run has %.0f devices, about %s each (doc/performance.md: "
                   "16-18 KB per device), %s for %.0f at once, and this machine has %s "
                   "(it would also take about %s); lower count or -j",
                   est->max_devices, one, need, in_flight, have, t);
      return FALSE;
    }
  return TRUE;
}

gboolean
lint_filter_matches_some (const Scenario *sc, const char *filter, GError **error)
{
  if (!filter || !*filter)
    return TRUE;
  for (guint p = 0; p < scenario_get_n_points (sc); p++)
    if (scenario_point_matches (sc, scenario_get_point (sc, p), filter))
      return TRUE;
  GString *s = g_string_new (NULL);
  const char *const *vars = scenario_get_variables (sc);
  for (guint v = 0; vars && vars[v]; v++)
    {
      g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      g_string_append_printf (s, "%s%s takes ", v ? "; " : "", vars[v]);
      guint n = 0;
      for (guint p = 0; p < scenario_get_n_points (sc); p++)
        {
          const ScenarioPoint *pt = scenario_get_point (sc, p);
          const char *val = pt->values[v];
          if (g_hash_table_contains (seen, val))
            continue;
          g_hash_table_add (seen, (gpointer) val);
          if (n < 12)
            g_string_append_printf (s, "%s%s", n ? ", " : "", val);
          else if (n == 12)
            g_string_append (s, ", ...");
          n++;
        }
    }
  g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_REFERENCE,
               "--filter '%s' matches none of the %u sweep points (%s)", filter,
               scenario_get_n_points (sc), s->len ? s->str : "no sweep variables");
  g_string_free (s, TRUE);
  return FALSE;
}

