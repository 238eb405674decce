/*
 * experiment/scenario-values.c - the typed values of scenario files:
 * durations, drawn times, probabilities, rates, booleans, numbers, seeds,
 * DNS names (doc/scenarios.md "Value types").
 *
 * Notes
 *
 * 1. Durations are read exactly into integer nanoseconds (no double on the
 *    way: "0.1s" is 100000000 ns, not 99999999), component by component:
 *    "1h30m" = 1 h + 30 min.  A bare number is seconds, the unit every
 *    vendor parameter uses.
 *
 * 2. Every parser takes the whole string or fails: "10s junk" is an error,
 *    never 10 s.
 */
#include <math.h>
#include <string.h>

#include "experiment/scenario-private.h"

static const struct { const char *name; SimTime ns; } units[] = {
  /* two-letter units first, so "ms" is not read as "m" then "s" */
  { "ms", SIM_MS (1) }, { "us", SIM_US (1) }, { "ns", SIM_NS (1) },
  { "s", SIM_S (1) }, { "m", SIM_S (60) }, { "h", SIM_S (3600) }, { "d", SIM_S (86400) },
};

/* Reads "DIGITS[.DIGITS]" at *@p times @unit into *@out (exact, rounded to
 * the nanosecond); advances *@p. */
static gboolean
read_scaled (const char **p, SimTime unit, SimTime *out)
{
  const char *s = *p;
  guint64 ip = 0;
  gboolean any = FALSE;
  while (g_ascii_isdigit (*s))
    {
      if (ip > (guint64) G_MAXINT64 / 10)
        return FALSE;
      ip = ip * 10 + (guint64) (*s++ - '0');
      any = TRUE;
    }
  guint64 fnum = 0, fden = 1;
  if (*s == '.')
    {
      s++;
      while (g_ascii_isdigit (*s))
        {
          if (fden < G_GUINT64_CONSTANT (1000000000))   /* 9 digits: 1 ns of a second */
            {
              fnum = fnum * 10 + (guint64) (*s - '0');
              fden *= 10;
            }
          s++;
          any = TRUE;
        }
    }
  if (!any)
    return FALSE;
  if (ip > (guint64) (G_MAXINT64 / unit))
    return FALSE;
  /* fnum < fden <= 10^9 and unit <= 86400e9: split so that no product
   * overflows, and round the remainder to the nearest ns. */
  guint64 u = (guint64) unit;
  guint64 frac = fnum * (u / fden) + (fnum * (u % fden) + fden / 2) / fden;
  guint64 total = ip * u;
  if (total > (guint64) G_MAXINT64 - frac)
    return FALSE;
  *out = (SimTime) (total + frac);
  *p = s;
  return TRUE;
}

gboolean
sc_parse_duration (const char *s, SimTime *out)
{
  const char *p = s;
  while (g_ascii_isspace (*p))
    p++;
  if (!*p)
    return FALSE;
  SimTime total = 0;
  gboolean first = TRUE;
  while (*p)
    {
      SimTime v;
      const char *start = p;
      /* A bare number alone is seconds. */
      if (!read_scaled (&p, SIM_S (1), &v))
        return FALSE;
      const char *q = p;
      while (g_ascii_isspace (*q))
        q++;
      if (first && !*q)
        {
          *out = v;
          return TRUE;
        }
      guint k;
      for (k = 0; k < G_N_ELEMENTS (units); k++)
        if (g_ascii_strncasecmp (p, units[k].name, strlen (units[k].name)) == 0)
          break;
      if (k == G_N_ELEMENTS (units))
        return FALSE;
      p = start;
      if (!read_scaled (&p, units[k].ns, &v))
        return FALSE;
      p += strlen (units[k].name);
      if (total > G_MAXINT64 - v)
        return FALSE;
      total += v;
      first = FALSE;
      while (g_ascii_isspace (*p))
        p++;
    }
  *out = total;
  return TRUE;
}

/* "name(a, b)" -> args; NULL if not a call of @name. */
static char **
call_args (const char *s, const char *name)
{
  gsize n = strlen (name);
  while (g_ascii_isspace (*s))
    s++;
  if (g_ascii_strncasecmp (s, name, n) != 0)
    return NULL;
  s += n;
  while (g_ascii_isspace (*s))
    s++;
  if (*s != '(')
    return NULL;
  s++;
  const char *close = strchr (s, ')');
  if (!close)
    return NULL;
  for (const char *t = close + 1; *t; t++)
    if (!g_ascii_isspace (*t))
      return NULL;
  g_autofree char *inner = g_strndup (s, (gsize) (close - s));
  return g_strsplit (inner, ",", -1);
}

gboolean
sc_parse_spectime (const char *s, SpecTime *out)
{
  SpecTime t = { SPEC_DIST_FIXED, 0, 0 };
  static const struct { const char *name; SpecDist dist; guint min, max; } fns[] = {
    { "uniform", SPEC_DIST_UNIFORM, 2, 2 },
    { "exponential", SPEC_DIST_EXPONENTIAL, 1, 2 },
    { "normal", SPEC_DIST_NORMAL, 2, 2 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (fns); k++)
    {
      g_auto (GStrv) args = call_args (s, fns[k].name);
      if (!args)
        continue;
      guint n = g_strv_length (args);
      if (n < fns[k].min || n > fns[k].max)
        return FALSE;
      SimTime v[2] = { 0, 0 };
      for (guint i = 0; i < n; i++)
        if (!sc_parse_duration (args[i], &v[i]))
          return FALSE;
      t.dist = fns[k].dist;
      if (fns[k].dist == SPEC_DIST_EXPONENTIAL && n == 1)
        {
          t.a = 0;
          t.b = v[0];
        }
      else
        {
          t.a = v[0];
          t.b = v[1];
        }
      if (t.dist == SPEC_DIST_UNIFORM && t.b < t.a)
        return FALSE;
      if (t.dist == SPEC_DIST_EXPONENTIAL && t.b <= 0)
        return FALSE;
      *out = t;
      return TRUE;
    }
  if (!sc_parse_duration (s, &t.a))
    return FALSE;
  *out = t;
  return TRUE;
}

static gboolean
number_chars (const char *s)
{
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s) && !strchr (".eE+-", *s))
      return FALSE;
  return TRUE;
}

gboolean
sc_parse_number (const char *s, double *out)
{
  g_autofree char *t = g_strstrip (g_strdup (s));
  if (!number_chars (t))
    return FALSE;
  char *end = NULL;
  double v = g_ascii_strtod (t, &end);
  if (end == t || *end || !isfinite (v) || v < 0)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
sc_parse_prob (const char *s, double *out)
{
  g_autofree char *t = g_strstrip (g_strdup (s));
  gsize n = strlen (t);
  double scale = 1;
  if (n && t[n - 1] == '%')
    {
      t[n - 1] = '\0';
      scale = 100;
    }
  double v;
  if (!sc_parse_number (t, &v))
    return FALSE;
  v /= scale;
  if (v > 1)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
sc_parse_rate (const char *s, double *out)
{
  const char *slash = strchr (s, '/');
  if (!slash)
    return sc_parse_number (s, out);
  g_autofree char *num = g_strndup (s, (gsize) (slash - s));
  double a, b;
  if (!sc_parse_number (num, &a) || !sc_parse_number (slash + 1, &b) || b <= 0)
    return FALSE;
  *out = a / b;
  return TRUE;
}

gboolean
sc_parse_bool (const char *s, gboolean *out)
{
  static const char *yes[] = { "true", "yes", "on", "1" };
  static const char *no[] = { "false", "no", "off", "0" };
  g_autofree char *t = g_strstrip (g_strdup (s));
  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (t, yes[i]) == 0)
        {
          *out = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (t, no[i]) == 0)
        {
          *out = FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
sc_parse_uint (const char *s, guint64 max, guint64 *out)
{
  g_autofree char *t = g_strstrip (g_strdup (s));
  if (!*t || !g_ascii_isdigit (*t))
    return FALSE;
  return g_ascii_string_to_unsigned (t, 10, 0, max, out, NULL);
}

gboolean
sc_parse_seed (const char *s, guint64 *out)
{
  g_autofree char *t = g_strstrip (g_strdup (s));
  if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
    return g_ascii_isxdigit (t[2])
      && g_ascii_string_to_unsigned (t + 2, 16, 0, G_MAXUINT64, out, NULL);
  if (!g_ascii_isdigit (*t))
    return FALSE;
  return g_ascii_string_to_unsigned (t, 10, 0, G_MAXUINT64, out, NULL);
}

gboolean
sc_is_dns_name (const char *s)
{
  gsize n = strlen (s);
  if (n == 0 || n > 253)
    return FALSE;
  gsize label = 0;
  for (const char *p = s; *p; p++)
    {
      if (*p == '.')
        {
          if (label == 0)
            return FALSE;
          label = 0;
          continue;
        }
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        return FALSE;
      if (++label > 63)
        return FALSE;
    }
  return label > 0;
}

gboolean
sc_is_ident (const char *s)
{
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && !strchr ("_.-", *s))
      return FALSE;
  return TRUE;
}

gboolean
sc_is_safe_name (const char *s)
{
  if (!*s || g_str_equal (s, ".") || strstr (s, "..") || strpbrk (s, "/\\"))
    return FALSE;
  for (const guchar *p = (const guchar *) s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}
