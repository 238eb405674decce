/*
 * experiment/scenario-text.c - a scenario's stored text read for tools
 * (scenario-text.h).
 */
#include "experiment/scenario-text.h"

#include <string.h>

#include "experiment/scenario-private.h"
#include "models/device/config.h"

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
  static const char *const words[] = { "timeout", "timer", "interval", "ttl", "expires", "latency",
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
          if (sc_value_uses_var (e->value, var))
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
