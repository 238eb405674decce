/*
 * experiment/scenario-sweep.c - sweep variables and points:
 * definitions in [sweep] and inline `${name = values}`, zip groups, the
 * grid, and `${...}` substitution (scenario.h note 3).
 *
 * Notes
 *
 * 1. Definition order is document order: the merged file is read group by
 *    group, key by key, and a variable is defined where its [sweep] key or
 *    its inline `${name = ...}` stands.  That order names the point keys
 *    ("a=15,b=30") and orders the grid (first defined varies slowest), as
 *    OMNeT++ does for its iteration variables.
 *
 * 2. Values are text.  A list "15, 30, 60" is split on ',' and trimmed; a
 *    range "A..B [step S]" (S defaults to 1, may be negative when B < A,
 *    decimals allowed) is computed in scaled integers so 0.1 steps do not
 *    drift, and printed with the fewest decimals ("0.5", "1", "1.25").
 *    B is included when A + k*S lands on it.  Two points with the same
 *    key would share their seeds, so a value listed twice in a variable of
 *    its own is an error, and so is a zip group whose variables repeat the
 *    same combination; one variable of a zip group may repeat a value when
 *    another tells the points apart ("a = 1, 1, 2" zipped with "b = 10,
 *    20, 20" makes three different points; check_repeats, issue 14).
 *
 * 3. Zip: [sweep] zip = a, b; c, d.  Each group is one dimension of the
 *    grid, its variables stepping together, so they must have equal
 *    lengths.  The group takes the grid position of its first-defined
 *    variable.
 */
#include <string.h>

#include "experiment/scenario-private.h"

gboolean
sc_group_is_raw (const char *group)
{
  return g_str_equal (group, "expect") || g_str_equal (group, "golden")
    || g_str_equal (group, "plot");
}

static gboolean
is_var_name (const char *s)
{
  if (!*s || !(g_ascii_isalpha (*s) || *s == '_'))
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '_')
      return FALSE;
  return TRUE;
}

typedef struct {
  char *name;
  char *def;     /* NULL for a use */
} Ref;

static void
ref_free (gpointer p)
{
  Ref *r = p;
  g_free (r->name);
  g_free (r->def);
  g_free (r);
}

/* Finds every ${...} in @raw.  FALSE with *@why on bad syntax. */
static gboolean
scan (const char *raw, GPtrArray *refs, char **why)
{
  for (const char *p = raw; *p; p++)
    {
      if (*p != '$')
        continue;
      if (p[1] == '$')
        {
          p++;
          continue;
        }
      if (p[1] != '{')
        continue;
      const char *q = p + 2;
      while (*q && *q != '}' && *q != '{' && *q != '$')
        q++;
      if (*q != '}')
        {
          *why = g_strdup (*q ? "expected '}' before another '${' or '{' (no nesting)"
                              : "expected '}' to close '${'");
          return FALSE;
        }
      g_autofree char *inner = g_strndup (p + 2, (gsize) (q - p - 2));
      char *eq = strchr (inner, '=');
      Ref *r = g_new0 (Ref, 1);
      if (eq)
        {
          *eq = '\0';
          r->def = g_strstrip (g_strdup (eq + 1));
        }
      r->name = g_strstrip (g_strdup (inner));
      if (!is_var_name (r->name))
        {
          *why = g_strdup_printf ("expected a variable name ([A-Za-z_][A-Za-z0-9_]*) in '${...}', "
                                  "got '%s'", r->name);
          ref_free (r);
          return FALSE;
        }
      g_ptr_array_add (refs, r);
      p = q;
    }
  return TRUE;
}

char *
sc_expand (const char *raw, const ScenarioPoint *point, char **bad_name)
{
  GString *o = g_string_new (NULL);
  for (const char *p = raw; *p; p++)
    {
      if (*p != '$' || (p[1] != '$' && p[1] != '{'))
        {
          g_string_append_c (o, *p);
          continue;
        }
      if (p[1] == '$')
        {
          g_string_append_c (o, '$');
          p++;
          continue;
        }
      const char *q = p + 2;
      while (*q && *q != '}' && *q != '{' && *q != '$')
        q++;
      if (*q != '}')
        {
          if (bad_name)
            *bad_name = g_strdup (p);
          g_string_free (o, TRUE);
          return NULL;
        }
      g_autofree char *inner = g_strndup (p + 2, (gsize) (q - p - 2));
      char *eq = strchr (inner, '=');
      if (eq)
        *eq = '\0';
      g_strstrip (inner);
      const char *val = NULL;
      for (guint i = 0; point && i < point->n_vars; i++)
        if (g_str_equal (point->names[i], inner))
          val = point->values[i];
      if (!val)
        {
          if (bad_name)
            *bad_name = g_strdup (inner);
          g_string_free (o, TRUE);
          return NULL;
        }
      g_string_append (o, val);
      p = q;
    }
  return g_string_free (o, FALSE);
}

/* ---------------------------------------------------------- value lists */

/* "-12.5" -> 125 with *@dec = 1. */
static gboolean
parse_scaled (const char *s, gint64 *v, guint *dec)
{
  const char *p = s;
  gboolean neg = FALSE;
  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  gint64 x = 0;
  guint digits = 0, d = 0;
  gboolean dot = FALSE;
  for (; *p; p++)
    {
      if (*p == '.' && !dot)
        {
          dot = TRUE;
          continue;
        }
      if (!g_ascii_isdigit (*p))
        return FALSE;
      if (++digits > 15)
        return FALSE;
      if (dot && ++d > 9)
        return FALSE;
      x = x * 10 + (*p - '0');
    }
  if (digits == 0)
    return FALSE;
  *v = neg ? -x : x;
  *dec = d;
  return TRUE;
}

static gint64
pow10i (guint n)
{
  gint64 r = 1;
  while (n--)
    r *= 10;
  return r;
}

static char *
format_scaled (gint64 v, guint dec)
{
  gint64 p = pow10i (dec);
  gboolean neg = v < 0;
  guint64 a = neg ? (guint64) (-v) : (guint64) v;
  GString *s = g_string_new (neg ? "-" : "");
  g_string_append_printf (s, "%" G_GUINT64_FORMAT, a / (guint64) p);
  guint64 f = a % (guint64) p;
  if (f)
    {
      char buf[32];
      g_snprintf (buf, sizeof buf, "%0*" G_GUINT64_FORMAT, (int) dec, f);
      gsize n = strlen (buf);
      while (n && buf[n - 1] == '0')
        buf[--n] = '\0';
      g_string_append_printf (s, ".%s", buf);
    }
  return g_string_free (s, FALSE);
}

static GPtrArray *
parse_range (const char *text, char **why)
{
  const char *dd = strstr (text, "..");
  g_autofree char *a_txt = g_strstrip (g_strndup (text, (gsize) (dd - text)));
  g_autofree char *rest = g_strdup (dd + 2);
  g_autofree char *b_txt = NULL;
  g_autofree char *s_txt = NULL;
  char *step = strstr (rest, "step");
  if (step)
    {
      s_txt = g_strstrip (g_strdup (step + 4));
      *step = '\0';
    }
  b_txt = g_strstrip (g_strdup (rest));
  gint64 a, b, st = 1;
  guint da, db, ds = 0;
  if (!parse_scaled (a_txt, &a, &da) || !parse_scaled (b_txt, &b, &db)
      || (s_txt && !parse_scaled (s_txt, &st, &ds)))
    {
      *why = g_strdup ("expected a range 'FROM..TO' or 'FROM..TO step STEP' of numbers "
                       "(at most 15 digits, 9 decimals)");
      return NULL;
    }
  guint d = MAX (da, MAX (db, ds));
  a *= pow10i (d - da);
  b *= pow10i (d - db);
  st = s_txt ? st * pow10i (d - ds) : pow10i (d);
  if (st == 0 || (b - a != 0 && ((b - a > 0) != (st > 0))))
    {
      *why = g_strdup ("expected a step that goes from FROM towards TO (not 0, negative "
                       "when TO < FROM)");
      return NULL;
    }
  guint64 n = (guint64) ((b - a) / st) + 1;
  if (n > SC_MAX_POINTS)
    {
      *why = g_strdup_printf ("expected at most %d values (the range has %" G_GUINT64_FORMAT ")",
                              SC_MAX_POINTS, n);
      return NULL;
    }
  GPtrArray *vals = g_ptr_array_new_with_free_func (g_free);
  for (guint64 i = 0; i < n; i++)
    g_ptr_array_add (vals, format_scaled (a + (gint64) i * st, d));
  return vals;
}

static GPtrArray *
parse_values (const char *text, char **why)
{
  if (strstr (text, ".."))
    return parse_range (text, why);
  if (!*text)
    {
      /* g_strsplit ("") gives no items: a variable without values would
       * make a sweep of no points. */
      *why = g_strdup ("expected at least one value");
      return NULL;
    }
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  GPtrArray *vals = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; items[i]; i++)
    {
      char *v = g_strstrip (items[i]);
      if (!*v)
        {
          *why = g_strdup ("expected a list of values separated by ',' (no empty item) "
                           "or a range 'FROM..TO [step STEP]'");
          g_ptr_array_unref (vals);
          return NULL;
        }
      g_ptr_array_add (vals, g_strdup (v));
    }
  return vals;
}

/* --------------------------------------------------------------- build */

static void
var_free (gpointer p)
{
  ScVar *v = p;
  g_free (v->name);
  if (v->values)
    g_ptr_array_unref (v->values);
  g_free (v);
}

static void
point_free (gpointer p)
{
  ScenarioPoint *pt = p;
  g_free (pt->key);
  g_strfreev (pt->names);
  g_strfreev (pt->values);
  g_free (pt);
}

void
sc_sweep_free (ScSweep *sw)
{
  if (!sw)
    return;
  g_ptr_array_unref (sw->vars);
  g_ptr_array_unref (sw->points);
  g_strfreev (sw->names);
  g_free (sw);
}

static ScVar *
find_var (ScSweep *sw, const char *name)
{
  for (guint i = 0; i < sw->vars->len; i++)
    if (g_str_equal (((ScVar *) sw->vars->pdata[i])->name, name))
      return sw->vars->pdata[i];
  return NULL;
}

static gboolean
define (ScSweep *sw, const ScKfGroup *g, const ScKfEntry *e, const char *name,
        const char *def, GError **error)
{
  ScVar *old = find_var (sw, name);
  if (old)
    {
      sc_set_error (error, SCENARIO_ERROR_VALUE, e->file, e->line, g->name, e->key,
                    "expected each sweep variable defined once, got '%s' again "
                    "(first defined at %s:%u)", name, old->where->file, old->where->line);
      return FALSE;
    }
  g_autofree char *why = NULL;
  GPtrArray *vals = parse_values (def, &why);
  if (!vals)
    {
      sc_set_error (error, SCENARIO_ERROR_VALUE, e->file, e->line, g->name, e->key,
                    "%s, got '%s'", why, def);
      return FALSE;
    }
  ScVar *v = g_new0 (ScVar, 1);
  v->name = g_strdup (name);
  v->values = vals;
  v->where = e;
  v->section = g->name;
  v->zip = -1;
  g_ptr_array_add (sw->vars, v);
  return TRUE;
}

static gboolean
read_zip (ScSweep *sw, const ScKfEntry *e, GError **error)
{
  g_auto (GStrv) groups = g_strsplit (e->value, ";", -1);
  for (guint gi = 0; groups[gi]; gi++)
    {
      g_auto (GStrv) names = g_strsplit (groups[gi], ",", -1);
      ScVar *first = NULL;
      for (guint i = 0; names[i]; i++)
        {
          char *n = g_strstrip (names[i]);
          if (!*n)
            {
              sc_set_error (error, SCENARIO_ERROR_VALUE, e->file, e->line, "sweep", "zip",
                            "expected variable names separated by ',' (groups by ';'), "
                            "got '%s'", e->value);
              return FALSE;
            }
          ScVar *v = find_var (sw, n);
          if (!v)
            {
              sc_set_error (error, SCENARIO_ERROR_REFERENCE, e->file, e->line, "sweep", "zip",
                            "expected a defined sweep variable, got '%s'", n);
              return FALSE;
            }
          if (v->zip >= 0)
            {
              sc_set_error (error, SCENARIO_ERROR_VALUE, e->file, e->line, "sweep", "zip",
                            "expected each variable in one zip group once, got '%s' again", n);
              return FALSE;
            }
          v->zip = (gint) gi;
          if (!first)
            first = v;
          else if (first->values->len != v->values->len)
            {
              sc_set_error (error, SCENARIO_ERROR_VALUE, e->file, e->line, "sweep", "zip",
                            "expected zipped variables of equal length, got '%s' with %u "
                            "values and '%s' with %u", first->name, first->values->len,
                            v->name, v->values->len);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* The key of point @a of the dimension of @v (a variable, or the zip
 * group it opens at index @i): its value, or the group members' values,
 * each prefixed with its length so no two combinations share a key. */
static char *
point_key (ScSweep *sw, guint i, const ScVar *v, guint a)
{
  GString *key = g_string_new (NULL);
  for (guint k = i; k < sw->vars->len; k++)
    {
      const ScVar *w = sw->vars->pdata[k];
      if (k != i && (v->zip < 0 || w->zip != v->zip))
        continue;
      const char *val = w->values->pdata[a];
      g_string_append_printf (key, "%zu:", strlen (val));
      g_string_append (key, val);
    }
  return g_string_free (key, FALSE);
}

/* Note 2: no two points of one dimension alike.  An unzipped variable
 * may not list a value twice; the variables of a zip group may not repeat
 * one combination (each may repeat a value on its own).  Reported is the
 * first point that has a later twin, with that twin's first occurrence
 * after it (what comparing every pair in order finds), in time linear in
 * the points: a range may have up to SC_MAX_POINTS values, and comparing
 * every pair of 100,000 took minutes (the scenario fuzzer's timeout). */
static gboolean
check_repeats (ScSweep *sw, GError **error)
{
  for (guint i = 0; i < sw->vars->len; i++)
    {
      const ScVar *v = sw->vars->pdata[i];
      gboolean first_of_group = TRUE;
      for (guint k = 0; k < i && v->zip >= 0; k++)
        if (((const ScVar *) sw->vars->pdata[k])->zip == v->zip)
          first_of_group = FALSE;
      if (!first_of_group)
        continue;
      guint n = v->values->len;
      /* key -> index of its first point; twin[a] = the next point with the
       * key of point a, if a is the key's first point (else G_MAXUINT). */
      g_autoptr (GHashTable) first = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            NULL);
      g_autofree guint *twin = g_new (guint, n ? n : 1);
      for (guint b = 0; b < n; b++)
        {
          twin[b] = G_MAXUINT;
          char *key = point_key (sw, i, v, b);
          gpointer at;
          if (g_hash_table_lookup_extended (first, key, NULL, &at))
            {
              guint a = GPOINTER_TO_UINT (at);
              if (twin[a] == G_MAXUINT)
                twin[a] = b;
              g_free (key);
            }
          else
            g_hash_table_insert (first, key, GUINT_TO_POINTER (b));
        }
      for (guint a = 0; a < n; a++)
        {
          if (twin[a] == G_MAXUINT)
            continue;
          guint b = twin[a];
          if (v->zip < 0)
            sc_set_error (error, SCENARIO_ERROR_VALUE, v->where->file, v->where->line,
                          v->section, v->where->key,
                          "expected each value once ('%s' is listed twice)",
                          (const char *) v->values->pdata[a]);
          else
            sc_set_error (error, SCENARIO_ERROR_VALUE, v->where->file, v->where->line,
                          v->section, v->where->key,
                          "expected zipped points that differ, got points %u and %u of the "
                          "zip group of '%s' alike", a + 1, b + 1, v->name);
          return FALSE;
        }
    }
  return TRUE;
}

ScSweep *
sc_sweep_build (const ScKf *kf, GError **error)
{
  ScSweep *sw = g_new0 (ScSweep, 1);
  sw->vars = g_ptr_array_new_with_free_func (var_free);
  sw->points = g_ptr_array_new_with_free_func (point_free);
  const ScKfEntry *zip = NULL;
  /* Declared before the first goto, for the cleanup attributes. */
  g_autoptr (GArray) dim_first = g_array_new (FALSE, FALSE, sizeof (guint));  /* var index */
  g_autoptr (GArray) dim_len = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree gint *var_dim = NULL;
  g_autofree guint *idx = NULL;

  /* Definitions, in document order (note 1). */
  for (guint gi = 0; gi < kf->groups->len; gi++)
    {
      const ScKfGroup *g = kf->groups->pdata[gi];
      if (sc_group_is_raw (g->name))
        continue;
      for (guint ei = 0; ei < g->entries->len; ei++)
        {
          const ScKfEntry *e = g->entries->pdata[ei];
          if (g_str_equal (g->name, "sweep"))
            {
              if (strchr (e->value, '$'))
                {
                  sc_set_error (error, SCENARIO_ERROR_SYNTAX, e->file, e->line, g->name, e->key,
                                "expected plain values ('${...}' cannot be used in [sweep]), "
                                "got '%s'", e->value);
                  goto fail;
                }
              if (g_str_equal (e->key, "zip"))
                {
                  zip = e;
                  continue;
                }
              if (!is_var_name (e->key))
                {
                  sc_set_error (error, SCENARIO_ERROR_SYNTAX, e->file, e->line, g->name, e->key,
                                "expected a variable name ([A-Za-z_][A-Za-z0-9_]*) as the key");
                  goto fail;
                }
              if (!define (sw, g, e, e->key, e->value, error))
                goto fail;
              continue;
            }
          g_autoptr (GPtrArray) refs = g_ptr_array_new_with_free_func (ref_free);
          g_autofree char *why = NULL;
          if (!scan (e->value, refs, &why))
            {
              sc_set_error (error, SCENARIO_ERROR_SYNTAX, e->file, e->line, g->name, e->key,
                            "%s, got '%s'", why, e->value);
              goto fail;
            }
          if (refs->len && g_str_equal (g->name, "scenario"))
            {
              sc_set_error (error, SCENARIO_ERROR_SYNTAX, e->file, e->line, g->name, e->key,
                            "expected a plain value ([scenario] keys cannot be swept), got '%s'",
                            e->value);
              goto fail;
            }
          for (guint r = 0; r < refs->len; r++)
            {
              Ref *ref = refs->pdata[r];
              if (ref->def && !define (sw, g, e, ref->name, ref->def, error))
                goto fail;
            }
        }
    }

  /* Every use names a variable. */
  for (guint gi = 0; gi < kf->groups->len; gi++)
    {
      const ScKfGroup *g = kf->groups->pdata[gi];
      if (sc_group_is_raw (g->name) || g_str_equal (g->name, "sweep"))
        continue;
      for (guint ei = 0; ei < g->entries->len; ei++)
        {
          const ScKfEntry *e = g->entries->pdata[ei];
          g_autoptr (GPtrArray) refs = g_ptr_array_new_with_free_func (ref_free);
          g_autofree char *why = NULL;
          scan (e->value, refs, &why);
          for (guint r = 0; r < refs->len; r++)
            {
              Ref *ref = refs->pdata[r];
              if (!find_var (sw, ref->name))
                {
                  sc_set_error (error, SCENARIO_ERROR_REFERENCE, e->file, e->line, g->name,
                                e->key, "expected a defined sweep variable, got '${%s}'",
                                ref->name);
                  goto fail;
                }
            }
        }
    }

  if (zip && !read_zip (sw, zip, error))
    goto fail;
  if (!check_repeats (sw, error))
    goto fail;

  /* Dimensions: each unzipped variable, each zip group at its first
   * member's place (note 3). */
  guint nv = sw->vars->len;
  var_dim = g_new0 (gint, nv + 1);
  for (guint i = 0; i < nv; i++)
    {
      ScVar *v = sw->vars->pdata[i];
      gint d = -1;
      if (v->zip >= 0)
        for (guint j = 0; j < i; j++)
          if (((ScVar *) sw->vars->pdata[j])->zip == v->zip)
            {
              d = var_dim[j];
              break;
            }
      if (d < 0)
        {
          d = (gint) dim_first->len;
          g_array_append_val (dim_first, i);
          g_array_append_val (dim_len, v->values->len);
        }
      var_dim[i] = d;
    }
  guint64 total = 1;
  for (guint d = 0; d < dim_len->len; d++)
    {
      total *= g_array_index (dim_len, guint, d);
      if (total > SC_MAX_POINTS)
        {
          const ScVar *v = sw->vars->pdata[0];
          sc_set_error (error, SCENARIO_ERROR_VALUE, v->where->file, v->where->line,
                        v->section, v->where->key,
                        "expected a sweep of at most %d points, got more", SC_MAX_POINTS);
          goto fail;
        }
    }

  sw->names = g_new0 (char *, nv + 1);
  for (guint i = 0; i < nv; i++)
    sw->names[i] = g_strdup (((ScVar *) sw->vars->pdata[i])->name);

  idx = g_new0 (guint, dim_len->len + 1);
  for (guint64 p = 0; p < total; p++)
    {
      guint64 rem = p;
      for (guint d = dim_len->len; d-- > 0;)
        {
          guint len = g_array_index (dim_len, guint, d);
          idx[d] = (guint) (rem % len);
          rem /= len;
        }
      ScenarioPoint *pt = g_new0 (ScenarioPoint, 1);
      pt->index = (guint) p;
      pt->n_vars = nv;
      pt->names = g_new0 (char *, nv + 1);
      pt->values = g_new0 (char *, nv + 1);
      GString *key = g_string_new (NULL);
      for (guint i = 0; i < nv; i++)
        {
          ScVar *v = sw->vars->pdata[i];
          pt->names[i] = g_strdup (v->name);
          pt->values[i] = g_strdup (v->values->pdata[idx[var_dim[i]]]);
          g_string_append_printf (key, "%s%s=%s", i ? "," : "", v->name, pt->values[i]);
        }
      pt->key = g_string_free (key, FALSE);
      g_ptr_array_add (sw->points, pt);
    }
  return sw;

fail:
  sc_sweep_free (sw);
  return NULL;
}

/* scenario-private.h; lint.c (unused variables) and scenario-text.c. */
gboolean
sc_value_uses_var (const char *raw, const char *var)
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
