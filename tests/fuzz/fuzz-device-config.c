/*
 * tests/fuzz/fuzz-device-config.c - the device's parameter parser
 * (device_config_set) and the X_CustomKeepAliveMsg parser on hostile text.
 *
 * Input: lines "name=value" (the first '=' splits; a line without one is a
 * name with an empty value).  Invariants, checked with abort():
 *  - a value that was accepted reads back (device_config_get) as text the
 *    setter accepts again, and that reads back identically (fixed point);
 *  - a rejected value leaves the parameter's text unchanged;
 *  - device_ka_custom_parse either fails or gives a non-empty method.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/device/config.h"
#include "models/device/keepalive.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 4096)
    return 0;
  char *text = g_strndup ((const char *) data, size);   /* stops at a NUL */
  DeviceConfig cfg;
  device_config_init (&cfg, (DeviceProfileId) (size % 3));
  char **lines = g_strsplit (text, "\n", 64);
  for (guint i = 0; lines[i]; i++) {
    char *eq = strchr (lines[i], '=');
    const char *name = lines[i];
    const char *value = "";
    if (eq) {
      *eq = '\0';
      value = eq + 1;
    }
    char *before = device_config_get (&cfg, name, NULL);
    GError *err = NULL;
    gboolean ok = device_config_set (&cfg, name, value, &err);
    if (ok != (err == NULL))
      abort ();
    g_clear_error (&err);
    char *after = device_config_get (&cfg, name, NULL);
    if (!ok && g_strcmp0 (before, after) != 0)
      abort ();
    if (ok) {
      if (after == NULL || !device_config_set (&cfg, name, after, NULL))
        abort ();
      char *again = device_config_get (&cfg, name, NULL);
      if (g_strcmp0 (again, after) != 0)
        abort ();
      g_free (again);
    }
    g_free (before);
    g_free (after);
  }
  g_strfreev (lines);

  DeviceKaCustom c = { 0 };
  if (device_ka_custom_parse (text, &c, NULL) && (c.method == NULL || c.method[0] == '\0'))
    abort ();
  device_ka_custom_clear (&c);
  device_config_clear (&cfg);
  g_free (text);
  return 0;
}
