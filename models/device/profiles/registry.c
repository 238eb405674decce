/*
 * models/device/profiles/registry.c - the profile registry: list.h
 * expanded into an array indexed by DeviceProfileId, and the lookups by
 * id and by name.
 *
 * Notes
 *
 * 1. Two layers.  base.c gives every parameter of the table a value (the
 *    same for all profiles); each profile file lists the parameters whose
 *    default differs between profiles.  device_config_init() applies the
 *    base, then the profile, through the same setter a scenario uses.
 *
 * 2. Nothing else names a profile.  Code that needs "every profile" loops
 *    to DEVICE_N_PROFILES; the list of names in an error message is made
 *    here from the registry, so a new profile needs no other edit.
 */
#include "models/device/profiles/profile.h"

#define DEVICE_PROFILE(ID, name) extern const DeviceProfile device_profile_##name;
#include "models/device/profiles/list.h"
#undef DEVICE_PROFILE

static const DeviceProfile *const registry[DEVICE_N_PROFILES] = {
#define DEVICE_PROFILE(ID, name) [DEVICE_PROFILE_##ID] = &device_profile_##name,
#include "models/device/profiles/list.h"
#undef DEVICE_PROFILE
};

const DeviceProfile *
device_profile_get (DeviceProfileId id)
{
  return (guint) id < DEVICE_N_PROFILES ? registry[id] : NULL;
}

const DeviceParamDefault *
device_param_profile_defaults (DeviceProfileId profile, guint *n_out)
{
  const DeviceProfile *p = device_profile_get (profile);
  *n_out = 0;
  g_return_val_if_fail (p != NULL, NULL);
  *n_out = p->n_defaults;
  return p->defaults;
}

const char *
device_param_profile_default (DeviceProfileId profile, const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  const DeviceParamInfo *info = device_param_lookup (name);
  if (info == NULL)
    return NULL;
  guint n;
  const DeviceParamDefault *rows = device_param_profile_defaults (profile, &n);
  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (rows[i].name, info->name) == 0)
      return rows[i].value;
  return NULL;
}

const char *
device_profile_to_string (DeviceProfileId p)
{
  const DeviceProfile *prof = device_profile_get (p);
  return prof ? prof->name : "?";
}

const char *
device_profile_doc (DeviceProfileId p)
{
  const DeviceProfile *prof = device_profile_get (p);
  return prof ? prof->doc : NULL;
}

gboolean
device_profile_from_string (const char *s, DeviceProfileId *out)
{
  g_return_val_if_fail (out != NULL, FALSE);
  if (s == NULL)
    return FALSE;
  for (guint p = 0; p < DEVICE_N_PROFILES; p++)
    if (g_ascii_strcasecmp (s, registry[p]->name) == 0)
      {
        *out = (DeviceProfileId) p;
        return TRUE;
      }
  return FALSE;
}

char *
device_profile_names (const char *last_sep)
{
  GString *s = g_string_new (NULL);
  for (guint p = 0; p < DEVICE_N_PROFILES; p++)
    {
      if (p > 0)
        g_string_append (s, p + 1 == DEVICE_N_PROFILES ? last_sep : ", ");
      g_string_append (s, registry[p]->name);
    }
  return g_string_free (s, FALSE);
}
