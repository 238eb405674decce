/*
 * models/device/config-parse.c - the text forms of parameter values
 * (config.h note 4): booleans, decimal integers, enum names, port lists,
 * addresses, MAC addresses, and the two checked strings (response-code
 * lists, custom keep-alives).  Pure functions of their text; config.c
 * applies them through the table.  Split from config.c, which is the
 * table, name resolution and storing.
 */
#include <string.h>

#include "models/device/config-private.h"
#include "models/device/keepalive.h"

gboolean
dcfg_value_error (GError **error, const char *who, const char *expected, const char *value)
{
  g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE,
               "parameter '%s': expected %s, got '%s'", who, expected, value);
  return FALSE;
}

gboolean
dcfg_parse_bool (const char *s, gboolean *out)
{
  static const char *const yes[] = { "true", "yes", "1", "on" };
  static const char *const no[] = { "false", "no", "0", "off" };
  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (s, yes[i]) == 0)
        return (*out = TRUE, TRUE);
      if (g_ascii_strcasecmp (s, no[i]) == 0)
        return (*out = FALSE, TRUE);
    }
  return FALSE;
}

/* Decimal digits only, within [min, max]. */
gboolean
dcfg_parse_int (const char *s, gint64 min, gint64 max, gint64 *out)
{
  if (*s == '\0')
    return FALSE;
  gint64 v = 0;
  for (const char *p = s; *p; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      v = v * 10 + (*p - '0');
      if (v > max)
        return FALSE;
    }
  if (v < min)
    return FALSE;
  *out = v;
  return TRUE;
}

/* Index of @s in the '|'-list @values (case-insensitive), or -1. */
int
dcfg_enum_index (const char *values, const char *s)
{
  int i = 0;
  const char *p = values;
  gsize len = strlen (s);
  for (;;)
    {
      const char *bar = strchr (p, '|');
      gsize seg = bar ? (gsize) (bar - p) : strlen (p);
      if (seg == len && len > 0 && g_ascii_strncasecmp (p, s, len) == 0)
        return i;
      if (bar == NULL)
        return -1;
      p = bar + 1;
      i++;
    }
}

/* The @i-th entry of the '|'-list @values, newly allocated. */
char *
dcfg_enum_name (const char *values, int i)
{
  char **parts = g_strsplit (values, "|", -1);
  char *r = (i >= 0 && (guint) i < g_strv_length (parts)) ? g_strdup (parts[i]) : g_strdup ("?");
  g_strfreev (parts);
  return r;
}

gboolean
dcfg_parse_ports (const char *s, gint64 min, gint64 max, guint16 *ports, guint *n)
{
  *n = 0;
  if (*s == '\0')
    return TRUE;
  char **parts = g_strsplit (s, ",", -1);
  gboolean ok = TRUE;
  for (guint i = 0; parts[i] && ok; i++)
    {
      gint64 v;
      if (*n >= DEVICE_MAX_ALT_PORTS || !dcfg_parse_int (g_strstrip (parts[i]), min, max, &v))
        ok = FALSE;
      else
        ports[(*n)++] = (guint16) v;
    }
  g_strfreev (parts);
  return ok;
}

gboolean
dcfg_parse_addr (const char *s, SimSockAddr *out)
{
  if (*s == '\0')
    {
      out->ip = 0;
      out->port = 0;
      return TRUE;
    }
  if (strchr (s, ':'))
    return sim_sockaddr_parse (s, out);
  out->port = 0;
  return sim_ip4_parse (s, &out->ip);
}

gboolean
dcfg_parse_mac (const char *s, guint8 mac[6])
{
  guint nd = 0;
  guint8 m[6] = { 0 };
  for (const char *p = s; *p; p++)
    {
      if (*p == ':' || *p == '-')
        continue;
      if (!g_ascii_isxdigit (*p) || nd >= 12)
        return FALSE;
      m[nd / 2] = (guint8) ((m[nd / 2] << 4) | g_ascii_xdigit_value (*p));
      nd++;
    }
  if (nd != 12)
    return FALSE;
  memcpy (mac, m, 6);
  return TRUE;
}

/* B36/B38: a comma list of 3-character codes of digits and 'x'/'?'. */
gboolean
dcfg_check_codes (const char *value, GError **error, const char *who)
{
  char **parts = g_strsplit (value, ",", -1);
  gboolean ok = TRUE;
  for (guint i = 0; parts[i] && ok; i++)
    {
      const char *c = g_strstrip (parts[i]);
      ok = strlen (c) == 3 && c[0] >= '3' && c[0] <= '6';
      for (guint k = 1; k < 3 && ok; k++)
        ok = g_ascii_isdigit (c[k]) || c[k] == 'x' || c[k] == 'X' || c[k] == '?';
    }
  g_strfreev (parts);
  if (!ok)
    return dcfg_value_error (error, who, "a comma list of final response codes 300-699 like \"503,5??,6xx\"", value);
  return TRUE;
}

/* X_CustomKeepAliveMsg (B40): blank, or what the keep-alive code will
 * accept when it sends one (device_ka_custom_parse, keepalive.c), so a
 * bad value is refused when it is set rather than at the first send. */
gboolean
dcfg_check_ka_custom (const char *value, GError **error, const char *who)
{
  if (*value == '\0')
    return TRUE;
  DeviceKaCustom parsed = { NULL, NULL, NULL };
  g_autoptr (GError) inner = NULL;
  gboolean ok = device_ka_custom_parse (value, &parsed, &inner);
  device_ka_custom_clear (&parsed);
  if (ok)
    return TRUE;
  g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE,
               "parameter '%s': expected name=value parts separated by ';' with a SIP method "
               "in mtd= (\"mtd=NOTIFY;event=keep-alive;user=1000\"), got '%s' (%s)",
               who, value, inner ? inner->message : "invalid");
  return FALSE;
}

