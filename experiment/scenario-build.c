/*
 * experiment/scenario-build.c - the section builders' common parts
 * (scenario-build.h): the builder's errors and value readers, the walk of
 * a section over settings tables, and the [dns] record syntax.
 *
 * Notes
 *
 * 1. One reader per type.  sc_apply_row() turns a value into the typed
 *    SimParamValue of its row with the same readers (and so the same
 *    "expected ..." messages) every hand-written key uses, then stores it
 *    at the row's offset or hands it to the row's setter.  Adding a
 *    setting to a model is a row in its table (doc/architecture.md,
 *    "Adding a model setting"); nothing here changes.
 *
 * 2. Exclusions.  A row may name another it excludes (probe_rate and
 *    probe_interval describe one process); exclusions are mutual (each
 *    row of the pair names the other; test-scenario-params checks it).
 *    The walk remembers the rows with an exclusion it applied in this
 *    section and refuses the second of the pair, at the entry that comes
 *    second in the file.
 */
#include <string.h>

#include "experiment/scenario-build.h"

/* --------------------------------------------------------- errors, readers */

char *
sc_point_note (const ScB *b)
{
  if (!b->pt || !b->pt->key[0] || !strstr (b->e->value, "${"))
    return g_strdup ("");
  return g_strdup_printf (" (from '%s' at sweep point %s)", b->e->value, b->pt->key);
}

gboolean
sc_bad (ScB *b, ScenarioError code, const char *expected)
{
  g_autofree char *note = sc_point_note (b);
  sc_set_error (b->error, code, b->e->file, b->e->line, b->g->name, b->e->key,
                "expected %s, got '%s'%s", expected, b->v, note);
  return FALSE;
}

gboolean
sc_missing (ScB *b, const char *key, const char *what)
{
  sc_set_error (b->error, SCENARIO_ERROR_MISSING, b->g->file, b->g->line, b->g->name, NULL,
                "expected a key '%s' (%s)", key, what);
  return FALSE;
}

gboolean
sc_unknown (ScB *b, const char *allowed)
{
  g_autofree char *note = sc_suggest_note (b->e->key, allowed);
  sc_set_error (b->error, SCENARIO_ERROR_UNKNOWN, b->e->file, b->e->line, b->g->name, b->e->key,
                "unknown key%s, expected one of: %s", note, allowed);
  return FALSE;
}

gboolean
sc_load_entry (ScB *b, const ScKfEntry *e)
{
  g_clear_pointer (&b->v, g_free);
  b->e = e;
  g_autofree char *bad_name = NULL;
  g_autofree char *x = sc_expand (e->value, b->pt, &bad_name);
  if (!x)
    {
      b->v = g_strdup (e->value);
      sc_set_error (b->error, SCENARIO_ERROR_REFERENCE, e->file, e->line, b->g->name, e->key,
                    "expected a defined sweep variable, got '%s'", bad_name);
      return FALSE;
    }
  b->v = sc_unescape (x);
  return TRUE;
}

static const char DURATION[] = "a duration (\"90s\", \"1h30m\", \"250ms\"; a bare number is seconds)";

gboolean
sc_b_dur (ScB *b, SimTime *out)
{
  return sc_parse_duration (b->v, out) || sc_bad (b, SCENARIO_ERROR_VALUE, DURATION);
}

gboolean
sc_b_secs (ScB *b, guint32 *out)
{
  SimTime t;
  if (!sc_parse_duration (b->v, &t) || t % SIM_S (1) != 0 || t / SIM_S (1) > G_MAXUINT32)
    return sc_bad (b, SCENARIO_ERROR_VALUE,
                "a whole number of seconds (\"3600\", \"1h\", \"90s\")");
  *out = (guint32) (t / SIM_S (1));
  return TRUE;
}

gboolean
sc_b_time (ScB *b, SpecTime *out)
{
  return sc_parse_spectime (b->v, out)
    || sc_bad (b, SCENARIO_ERROR_VALUE,
            "a duration (\"10s\") or a distribution \"uniform(MIN, MAX)\", "
            "\"exponential(MEAN)\", \"exponential(OFFSET, MEAN)\", \"normal(MEAN, SD)\"");
}

gboolean
sc_b_prob (ScB *b, double *out)
{
  return sc_parse_prob (b->v, out)
    || sc_bad (b, SCENARIO_ERROR_VALUE, "a probability from 0 to 1 (\"0.01\") or a percentage (\"1%\")");
}

gboolean
sc_b_bool (ScB *b, gboolean *out)
{
  return sc_parse_bool (b->v, out)
    || sc_bad (b, SCENARIO_ERROR_VALUE, "a boolean (true/false, yes/no, on/off, 1/0)");
}

gboolean
sc_b_uint (ScB *b, guint64 min, guint64 max, guint64 *out)
{
  if (sc_parse_uint (b->v, max, out) && *out >= min)
    return TRUE;
  g_autofree char *what = g_strdup_printf ("a whole number from %" G_GUINT64_FORMAT
                                           " to %" G_GUINT64_FORMAT, min, max);
  return sc_bad (b, SCENARIO_ERROR_VALUE, what);
}

gboolean
sc_b_port (ScB *b, guint16 *out)
{
  guint64 v;
  if (!sc_b_uint (b, 1, 65535, &v))
    return FALSE;
  *out = (guint16) v;
  return TRUE;
}

gboolean
sc_b_ip4 (ScB *b, SimIp4 *out)
{
  g_autofree char *t = g_strstrip (g_strdup (b->v));
  return sim_ip4_parse (t, out)
    || sc_bad (b, SCENARIO_ERROR_VALUE, "an IPv4 address (\"198.51.100.10\")");
}

gboolean
sc_b_num (ScB *b, double *out)
{
  return sc_parse_number (b->v, out) || sc_bad (b, SCENARIO_ERROR_VALUE, "a number >= 0");
}

gboolean
sc_b_choice (ScB *b, const char *const *names, guint n, guint *out, const char *expected)
{
  g_autofree char *t = g_strstrip (g_strdup (b->v));
  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (t, names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return sc_bad (b, SCENARIO_ERROR_VALUE, expected);
}

/* --------------------------------------------------------- settings tables */

const char *
sc_param_type_name (const SimParam *row)
{
  switch (row->type)
    {
    case SIM_PARAM_BOOL:        return "boolean";
    case SIM_PARAM_UINT:        return "integer";
    case SIM_PARAM_PORT:        return "port";
    case SIM_PARAM_SECONDS:     return "whole seconds";
    case SIM_PARAM_DURATION:    return "duration";
    case SIM_PARAM_PROBABILITY: return "probability";
    case SIM_PARAM_NUMBER:      return "number";
    case SIM_PARAM_RATE:        return "rate";
    case SIM_PARAM_ADDRESS:     return "address";
    case SIM_PARAM_CHOICE:
    case SIM_PARAM_TEXT:
    default:                    return NULL;
    }
}

/* "EIM, ADM or APDM" from "EIM|ADM|APDM". */
static char *
choices_text (const char *choices)
{
  g_auto (GStrv) c = g_strsplit (choices, "|", -1);
  guint n = g_strv_length (c);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (s, i + 1 == n ? " or " : ", ");
      g_string_append (s, c[i]);
    }
  return g_string_free (s, FALSE);
}

/* The index of @text (trimmed, any case) in the '|'-list @choices, or -1.
 * No allocation: every point of a sweep reads every choice again. */
static gint
choice_index (const char *choices, const char *text)
{
  while (g_ascii_isspace (*text))
    text++;
  gsize len = strlen (text);
  while (len > 0 && g_ascii_isspace (text[len - 1]))
    len--;
  gint i = 0;
  for (const char *p = choices;; i++)
    {
      const char *bar = strchr (p, '|');
      gsize seg = bar ? (gsize) (bar - p) : strlen (p);
      if (seg == len && len > 0 && g_ascii_strncasecmp (p, text, len) == 0)
        return i;
      if (bar == NULL)
        return -1;
      p = bar + 1;
    }
}

#define AT(type) (*(type *) ((char *) obj + row->offset))

/* Parses b->v as @row's type and stores it (note 1). */
static gboolean
sc_apply_row (ScB *b, const SimParam *row, gpointer obj)
{
  SimParamValue v = { 0 };
  guint16 port;
  guint32 secs;
  SimIp4 ip;
  switch (row->type)
    {
    case SIM_PARAM_BOOL:
      if (!sc_b_bool (b, &v.b))
        return FALSE;
      break;
    case SIM_PARAM_UINT:
      if (!sc_b_uint (b, row->min, row->max, &v.u))
        return FALSE;
      break;
    case SIM_PARAM_PORT:
      if (!sc_b_port (b, &port))
        return FALSE;
      v.u = port;
      break;
    case SIM_PARAM_SECONDS:
      if (!sc_b_secs (b, &secs))
        return FALSE;
      v.u = secs;
      break;
    case SIM_PARAM_DURATION:
      if (!sc_b_dur (b, &v.t))
        return FALSE;
      break;
    case SIM_PARAM_PROBABILITY:
      if (!sc_b_prob (b, &v.d))
        return FALSE;
      break;
    case SIM_PARAM_NUMBER:
      if (!sc_b_num (b, &v.d))
        return FALSE;
      break;
    case SIM_PARAM_RATE:
      if (!sc_parse_rate (b->v, &v.d))
        return sc_bad (b, SCENARIO_ERROR_VALUE, "a rate per second (\"0.02\", \"1/60\")");
      break;
    case SIM_PARAM_CHOICE:
      {
        gint k = choice_index (row->choices, b->v);
        if (k < 0)
          {
            g_autofree char *list = choices_text (row->choices);
            /* the row's doc says what the choice is about: "(RFC 4787 §5 filtering ...)" */
            g_autofree char *what = g_strdup_printf ("%s (%s)", list, row->doc);
            return sc_bad (b, SCENARIO_ERROR_VALUE, what);
          }
        v.u = (guint) k;
      }
      break;
    case SIM_PARAM_TEXT:
      g_strstrip (b->v);
      v.s = b->v;
      break;
    case SIM_PARAM_ADDRESS:
      if (!sc_b_ip4 (b, &ip))
        return FALSE;
      v.u = ip;
      break;
    default:
      g_return_val_if_reached (FALSE);
    }

  if (row->set)
    {
      const char *expected = "a valid value";
      SimParamStatus st = row->set (obj, &v, b, &expected);
      if (st == SIM_PARAM_OK)
        return TRUE;
      /* a setter that wrote the error itself returns with *error set */
      if (b->error && *b->error)
        return FALSE;
      return sc_bad (b, st == SIM_PARAM_BAD_REFERENCE ? SCENARIO_ERROR_REFERENCE
                                                      : SCENARIO_ERROR_VALUE, expected);
    }
  switch (row->type)
    {
    case SIM_PARAM_BOOL:        AT (gboolean) = v.b; break;
    case SIM_PARAM_UINT:        AT (guint) = (guint) v.u; break;
    case SIM_PARAM_PORT:        AT (guint16) = (guint16) v.u; break;
    case SIM_PARAM_SECONDS:     AT (guint32) = (guint32) v.u; break;
    case SIM_PARAM_DURATION:    AT (SimTime) = v.t; break;
    case SIM_PARAM_PROBABILITY:
    case SIM_PARAM_NUMBER:
    case SIM_PARAM_RATE:        AT (double) = v.d; break;
    case SIM_PARAM_CHOICE:      AT (int) = (int) v.u; break;
    case SIM_PARAM_ADDRESS:     AT (SimIp4) = (SimIp4) v.u; break;
    case SIM_PARAM_TEXT:
      g_free (AT (char *));
      AT (char *) = g_strdup (v.s);
      break;
    default:
      g_return_val_if_reached (FALSE);
    }
  return TRUE;
}

#undef AT

/* The row of @tables that @key names, and its object. */
static const SimParam *
find_row (const ScBound *tables, guint n_tables, const char *key, gpointer *obj)
{
  for (guint i = 0; i < n_tables; i++)
    {
      const ScTable *t = &tables[i].t;
      gsize pl = strlen (t->prefix);
      if (strncmp (key, t->prefix, pl) != 0)
        continue;
      const SimParam *row = sim_param_find (t->rows, t->n, key + pl);
      if (row)
        {
          *obj = tables[i].obj;
          return row;
        }
    }
  return NULL;
}

char *
sc_keys_text (const ScBound *tables, guint n_tables, const char *more)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < n_tables; i++)
    for (guint j = 0; j < tables[i].t.n; j++)
      g_string_append_printf (s, "%s%s%s", s->len ? ", " : "", tables[i].t.prefix,
                              tables[i].t.rows[j].name);
  if (more)
    g_string_append_printf (s, ", %s", more);
  return g_string_free (s, FALSE);
}

gboolean
sc_walk (ScB *b, const ScBound *tables, guint n_tables, ScOtherFunc other, gpointer other_data,
         const char *more)
{
  /* the rows with an exclusion applied so far (note 2; exclusions are
   * mutual, so only those rows need remembering) */
  const SimParam *applied[8];
  guint n_applied = 0;
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < b->g->entries->len; i++)
      {
        const ScKfEntry *e = b->g->entries->pdata[i];
        gpointer obj = NULL;
        const SimParam *row = find_row (tables, n_tables, e->key, &obj);
        gboolean first = row && (row->flags & SIM_PARAM_FLAG_FIRST);
        if (pass == 0 && !first)
          continue;
        if (pass == 1 && first)
          continue;
        if (!sc_load_entry (b, e))
          return FALSE;
        if (row == NULL)
          {
            int r = other ? other (b, other_data) : -1;
            if (r == 0)
              return FALSE;
            if (r > 0)
              continue;
            g_autofree char *keys = sc_keys_text (tables, n_tables, more);
            return sc_unknown (b, keys);
          }
        if (row->excludes)
          for (guint k = 0; k < n_applied; k++)
            if (g_str_equal (applied[k]->name, row->excludes))
              {
                g_autofree char *what = g_strdup_printf ("one of %s and %s, not both",
                                                         row->excludes, row->name);
                return sc_bad (b, SCENARIO_ERROR_VALUE, what);
              }
        if (!sc_apply_row (b, row, obj))
          return FALSE;
        if (row->excludes && n_applied < G_N_ELEMENTS (applied))
          applied[n_applied++] = row;
      }
  return TRUE;
}

gboolean
sc_param_apply_text (const SimParam *row, gpointer obj, const char *text, GError **error)
{
  ScKfEntry e = { .key = (char *) row->name, .value = (char *) text, .file = "(table)", .line = 0 };
  ScKfGroup g = { .name = "(table)", .file = "(table)" };
  ScB b = { .g = &g, .error = error, .dns_ttl = 300 };
  gboolean ok = sc_load_entry (&b, &e) && sc_apply_row (&b, row, obj);
  g_free (b.v);
  return ok;
}

/* ------------------------------------------------------------ [dns] records */

/* Case-insensitive "@name is @zone or ends in .@zone". */
static gboolean
in_zone (const char *name, const char *zone)
{
  gsize n = strlen (name), z = strlen (zone);
  if (n < z || g_ascii_strcasecmp (name + n - z, zone) != 0)
    return FALSE;
  return n == z || name[n - z - 1] == '.';
}

const char *
sc_find_zone (char **zones, const char *name)
{
  for (guint i = 0; zones[i]; i++)
    if (in_zone (name, zones[i]))
      return zones[i];
  return NULL;
}

const char SC_RECORD[] =
  "a record \"A ADDRESS\" or \"SRV PRIORITY WEIGHT PORT TARGET\", optionally followed by "
  "\"ttl=SECONDS\"";

/* One record in the [dns] syntax; rr->target newly allocated. */
gboolean
sc_parse_record (const char *text, guint32 default_ttl, DnsRecord *rr)
{
  g_auto (GStrv) raw = g_strsplit_set (text, " \t", -1);
  GPtrArray *t = g_ptr_array_new ();
  for (guint i = 0; raw[i]; i++)
    if (*raw[i])
      g_ptr_array_add (t, raw[i]);
  memset (rr, 0, sizeof *rr);
  rr->ttl_s = default_ttl;
  guint n = t->len;
  gboolean ok = FALSE;
  guint64 v;
  if (n >= 2 && g_ascii_strncasecmp (t->pdata[n - 1], "ttl=", 4) == 0)
    {
      if (!sc_parse_uint ((char *) t->pdata[n - 1] + 4, G_MAXINT32, &v))
        goto out;
      rr->ttl_s = (guint32) v;
      n--;
    }
  if (n == 0)
    goto out;
  if (g_ascii_strcasecmp (t->pdata[0], "A") == 0 && n == 2)
    {
      rr->type = DNS_TYPE_A;
      ok = sim_ip4_parse (t->pdata[1], &rr->ip);
    }
  else if (g_ascii_strcasecmp (t->pdata[0], "SRV") == 0 && n == 5)
    {
      guint64 p, w, port;
      if (!sc_parse_uint (t->pdata[1], 65535, &p) || !sc_parse_uint (t->pdata[2], 65535, &w)
          || !sc_parse_uint (t->pdata[3], 65535, &port) || !sc_is_dns_name (t->pdata[4]))
        goto out;
      rr->type = DNS_TYPE_SRV;
      rr->priority = (guint16) p;
      rr->weight = (guint16) w;
      rr->port = (guint16) port;
      rr->target = g_strdup (t->pdata[4]);
      ok = TRUE;
    }
out:
  g_ptr_array_unref (t);
  return ok;
}

char *
sc_owner_name (const char *key)
{
  char *s = g_strdup (key);
  gsize n = strlen (s);
  if (n > 1 && s[n - 1] == '.')
    s[n - 1] = '\0';
  return s;
}

