/*
 * experiment/lint.c - warnings and estimates before a run (lint.h).
 */
#include "experiment/lint.h"

#include <string.h>
#include <unistd.h>


#include "experiment/scenario-private.h"
#include "models/device/config.h"

/* Does @raw use ${var} (or define it inline, ${var = ...})? */
static gboolean
uses_var (const char *raw, const char *var)
{
  gsize n = strlen (var);
  for (const char *p = strstr (raw, "${"); p; p = strstr (p + 2, "${"))
    {
      const char *q = p + 2;
      while (*q == ' ' || *q == '\t')
        q++;
      if (strncmp (q, var, n) == 0 && !g_ascii_isalnum (q[n]) && q[n] != '_')
        return TRUE;
    }
  return FALSE;
}

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
            used = uses_var (((const ScKfEntry *) g->entries->pdata[j])->value, vars[v]);
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
      if (f->kind == SPEC_FAULT_PROXY_RANDOM)
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
                   "66 KiB per device), %s for %.0f at once, and this machine has %s "
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

static const char *
key_unit (const char *group, const char *key)
{
  if (g_str_has_prefix (group, "device "))
    {
      const char *k = strstr (key, "::") ? strstr (key, "::") + 2 : key;
      guint n = 0;
      const DeviceParamInfo *t = device_param_table (&n);
      for (guint i = 0; i < n; i++)
        {
          gboolean hit = g_ascii_strcasecmp (t[i].name, k) == 0;
          if (!hit && t[i].aliases)
            {
              g_auto (GStrv) al = g_strsplit (t[i].aliases, "|", -1);
              for (guint j = 0; al[j] && !hit; j++)
                hit = g_ascii_strcasecmp (al[j], k) == 0;
            }
          if (hit)
            return t[i].type == DEVICE_PARAM_SECONDS ? "s" : t[i].type == DEVICE_PARAM_MS ? "ms" : NULL;
        }
    }
  static const char *const words[] = { "timeout", "interval", "ttl", "expires", "latency",
                                       "jitter", "delay", "duration", "mtbf", "mttr", "warmup" };
  g_autofree char *lk = g_ascii_strdown (key, -1);
  if (g_str_equal (lk, "at"))
    return "s";
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (lk, words[i]))
      return "s";
  return NULL;
}

char *
scenario_text_variable_use (const char *text, const char *var, const char **unit)
{
  if (unit)
    *unit = NULL;
  g_autoptr (GError) err = NULL;
  ScKf *kf = sc_kf_parse (text, "(stored scenario)", &err);
  if (!kf)
    return NULL;
  char *use = NULL;
  for (guint i = 0; !use && i < kf->groups->len; i++)
    {
      const ScKfGroup *g = kf->groups->pdata[i];
      if (g_str_equal (g->name, "sweep") || sc_group_is_raw (g->name))
        continue;
      for (guint j = 0; !use && j < g->entries->len; j++)
        {
          const ScKfEntry *e = g->entries->pdata[j];
          if (uses_var (e->value, var))
            {
              use = g_strdup_printf ("[%s] %s", g->name, e->key);
              if (unit)
                {
                  /* the key's unit, else the variable's own name ("ttl"
                   * inside a DNS record value) */
                  *unit = key_unit (g->name, e->key);
                  if (!*unit)
                    *unit = key_unit ("", var);
                }
            }
        }
    }
  sc_kf_free (kf);
  return use;
}

char *
scenario_text_for_point (const Scenario *sc, guint point)
{
  g_return_val_if_fail (point < scenario_get_n_points (sc), NULL);
  const ScenarioPoint *pt = scenario_get_point (sc, point);
  g_autoptr (GError) err = NULL;
  ScKf *kf = sc_kf_parse (scenario_get_text (sc), scenario_get_name (sc), &err);
  if (!kf)
    return NULL;   /* cannot happen: the stored text of a loaded scenario */
  for (guint i = 0; i < kf->groups->len; )
    {
      ScKfGroup *g = kf->groups->pdata[i];
      /* [sweep] is spent; [expect], [golden] and [plot] speak of the
       * sweep's points and variables, which one point no longer has */
      if (g_str_equal (g->name, "sweep") || sc_group_is_raw (g->name))
        {
          g_ptr_array_remove_index (kf->groups, i);
          continue;
        }
      if (!sc_group_is_raw (g->name))
        for (guint j = 0; j < g->entries->len; j++)
          {
            ScKfEntry *e = g->entries->pdata[j];
            g_autofree char *x = sc_expand (e->value, pt, NULL);
            if (!x || g_str_equal (x, e->value))
              continue;
            g_autofree char *esc = NULL;
            g_auto (GStrv) parts = g_strsplit (x, "$", -1);
            esc = g_strjoinv ("$$", parts);
            g_free (e->value);
            e->value = g_steal_pointer (&esc);
          }
      i++;
    }
  g_autofree char *body = sc_kf_to_text (kf);
  sc_kf_free (kf);
  return g_strdup_printf ("# sweep point %u: %s (sipsim show --point; [sweep], [expect],\n"
                          "# [golden] and [plot] left out)\n%s", point,
                          pt->key[0] ? pt->key : "(no sweep)", body);
}
