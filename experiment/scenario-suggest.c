/*
 * experiment/scenario-suggest.c - "did you mean" for the scenario
 * loader's unknown-name errors (scenario-private.h): every unknown
 * section, key and device parameter goes through these, whichever code
 * path (key chain or parameter table) found it unknown.
 */
#include <string.h>

#include "experiment/scenario-private.h"
#include "experiment/suggest.h"
#include "models/device/config.h"

char *
sc_suggest_note (const char *word, const char *allowed)
{
  return suggest_note_list (word, allowed);
}

char *
sc_suggest_device_param (const char *key, const char *own_keys)
{
  guint n = 0;
  const DeviceParamInfo *t = device_param_table (&n);
  g_autoptr (GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (words, g_strdup (t[i].name));
      if (t[i].aliases)
        {
          g_auto (GStrv) a = g_strsplit (t[i].aliases, "|", -1);
          for (guint j = 0; a[j]; j++)
            g_ptr_array_add (words, g_strdup (a[j]));
        }
    }
  /* "SP1::RegisterExpire": the account prefix kept, the rest suggested */
  const char *sep = strstr (key, "::");
  if (sep)
    {
      const char *s = suggest_closest (sep + 2, (const char *const *) words->pdata, words->len);
      return s ? g_strdup_printf (" (did you mean '%.*s%s'?)", (int) (sep + 2 - key), key, s)
               : g_strdup ("");
    }
  g_auto (GStrv) own = g_strsplit (own_keys, ",", -1);
  for (guint j = 0; own[j]; j++)
    g_ptr_array_add (words, g_strdup (g_strstrip (own[j])));
  return suggest_note (key, (const char *const *) words->pdata, words->len);
}
