/*
 * experiment/scenario.c - the scenario loader's entry points: loading
 * (sections checked, every sweep point built once), instantiating a run,
 * run seeds, filters (scenario.h; doc/scenarios.md is the user's
 * reference).  The loader's other files: scenario-keyfile.c (the text),
 * scenario-sweep.c (points), scenario-values.c (value syntax),
 * scenario-build.c (walking a section through its settings tables),
 * scenario-sections.c (each section into the RunSpec) and
 * scenario-fault.c (faults, from the registry in fault.c).
 *
 * Notes
 *
 * 1. One path from text to RunSpec.  sc_build_spec() turns the merged key
 *    file and one sweep point into a RunSpec, or fails with the error of
 *    the first bad value.  scenario_load() calls it once per point and
 *    throws the specs away, so every error any point could raise is raised
 *    at load time; scenario_instantiate() calls it again and cannot fail.
 *    Instantiating is cheap (no models are built), so a 100000-point sweep
 *    costs well under a second to check.
 *
 * 2. Order of sections.  [network] gives every link its defaults, so it is
 *    read first wherever it stands; then [dns], proxies, NATs (a device
 *    names one), devices, faults (which name all of them).  Within a
 *    section, keys are applied in file order (parent's first, see
 *    scenario-keyfile.c note 2), except the device's profile, which is
 *    applied before any parameter (device_config_init_named), and rows
 *    flagged SIM_PARAM_FLAG_FIRST (udp_timeout), applied before the rest
 *    so that udp_timeout never overrides udp_timeout_unreplied/_replied.
 *
 * 3. Names.  Proxy, NAT and device sections share one namespace (a
 *    link-cut fault names any of them) and "dns" is reserved for the DNS
 *    server's link.  Names are [A-Za-z0-9_.-]+ because instances are named
 *    NAME-1, NAME-2 in traces and databases.
 *
 * 4. Run seeds (scenario.h note 4): seed(run) = M(M(M(S) ^ F(key)) ^ rep),
 *    where S is the scenario seed, F is 64-bit FNV-1a over the point key's
 *    bytes, and M is the splitmix64 finaliser (Steele, Lea, Flood 2014).
 *    The point's index never enters, so filtering or adding sweep values
 *    does not move other runs' seeds.
 */
#include <math.h>
#include <string.h>

#include "experiment/scenario-build.h"

G_DEFINE_QUARK (scenario-error-quark, scenario_error)


/* ------------------------------------------------------------ sections */

static const struct { const char *word; ScKind kind; gboolean named; } kinds[] = {
  { "scenario", SC_K_SCENARIO, FALSE }, { "network", SC_K_NETWORK, FALSE },
  { "dns", SC_K_DNS, FALSE }, { "proxy", SC_K_PROXY, TRUE }, { "nat", SC_K_NAT, TRUE },
  { "device", SC_K_DEVICE, TRUE }, { "fault", SC_K_FAULT, TRUE }, { "calls", SC_K_CALLS, TRUE },
  { "sweep", SC_K_SWEEP, FALSE },
  { "expect", SC_K_EXPECT, FALSE }, { "golden", SC_K_GOLDEN, FALSE },
  { "plot", SC_K_PLOT, FALSE },   /* preferred figures, checked by plot_check_scenario */
  { "live", SC_K_LIVE, FALSE },   /* sipsim live only (doc/live.md) */
};

ScKind
sc_group_kind (const char *group, const char **name)
{
  const char *sp = strchr (group, ' ');
  gsize n = sp ? (gsize) (sp - group) : strlen (group);
  *name = sp ? sp + 1 : NULL;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strlen (kinds[i].word) == n && strncmp (group, kinds[i].word, n) == 0)
      return kinds[i].kind;
  return SC_K_UNKNOWN;
}

static gboolean
check_sections (const ScKf *kf, GError **error)
{
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < kf->groups->len; i++)
    {
      const ScKfGroup *g = kf->groups->pdata[i];
      const char *name;
      ScKind k = sc_group_kind (g->name, &name);
      if (k == SC_K_UNKNOWN)
        {
          g_autofree char *word = g_strndup (g->name, strcspn (g->name, " "));
          g_autofree char *note = sc_suggest_note (word, "scenario, network, dns, proxy, nat, "
                                                   "device, fault, sweep, expect, golden, plot");
          sc_set_error (error, SCENARIO_ERROR_UNKNOWN, g->file, g->line, g->name, NULL,
                        "unknown section, expected one of [scenario], [network], [dns], "
                        "[proxy NAME], [nat NAME], [device NAME], [fault NAME], [calls NAME], "
                        "[sweep], [expect], [golden], [plot], [live]%s", note);
          return FALSE;
        }
      gboolean named = FALSE;
      for (guint j = 0; j < G_N_ELEMENTS (kinds); j++)
        if (kinds[j].kind == k)
          named = kinds[j].named;
      if (!named && name)
        {
          sc_set_error (error, SCENARIO_ERROR_UNKNOWN, g->file, g->line, g->name, NULL,
                        "expected [%.*s] without a name, got '%s'",
                        (int) (strchr (g->name, ' ') - g->name), g->name, name);
          return FALSE;
        }
      if (named && (!name || !sc_is_ident (name)))
        {
          sc_set_error (error, SCENARIO_ERROR_SYNTAX, g->file, g->line, g->name, NULL,
                        "expected a section name of letters, digits, '_', '.' or '-' "
                        "after '%s', got '%s'", g->name, name ? name : "");
          return FALSE;
        }
      if (k == SC_K_PROXY || k == SC_K_NAT || k == SC_K_DEVICE)
        {
          const ScKfGroup *other = g_hash_table_lookup (names, name);
          if (other || g_str_equal (name, "dns"))
            {
              sc_set_error (error, SCENARIO_ERROR_VALUE, g->file, g->line, g->name, NULL,
                            "expected a name not used by another proxy, nat or device "
                            "section (nor 'dns'), got '%s'%s%s", name,
                            other ? " again, first in " : "", other ? other->name : "");
              return FALSE;
            }
          g_hash_table_insert (names, (gpointer) name, (gpointer) g);
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------- API */

void
scenario_free (Scenario *sc)
{
  if (!sc)
    return;
  sc_kf_free (sc->kf);
  sc_sweep_free (sc->sw);
  g_free (sc->name);
  g_free (sc->n_devices);
  g_strfreev (sc->point_hash);
  if (sc->entries)
    g_array_unref (sc->entries);
  g_free (sc->text);
  for (guint i = 0; i < G_N_ELEMENTS (sc->profiles); i++)
    device_config_clear (&sc->profiles[i]);
  g_free (sc);
}

static void
entry_clear (gpointer p)
{
  ScenarioEntry *e = p;
  g_free (e->section);
  g_free (e->key);
  g_free (e->value);
  g_free (e->file);
}

static void
regen_text (Scenario *sc)
{
  g_free (sc->text);
  sc->text = sc_kf_to_text (sc->kf);
}

static char *
default_name (const char *file)
{
  char *base = g_path_get_basename (file);
  if (g_str_has_suffix (base, ".ini") && strlen (base) > 4)
    base[strlen (base) - 4] = '\0';
  return base;
}

static Scenario *
load (const char *text, const char *file, const char *dir, const char *canonical,
      GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_autoptr (Scenario) sc = g_new0 (Scenario, 1);
  for (guint i = 0; i < G_N_ELEMENTS (sc->profiles); i++)
    device_config_init (&sc->profiles[i], (DeviceProfileId) i);
  sc->seed = 1;
  sc->replications = 1;
  sc->name = default_name (file);
  sc->kf = sc_kf_load (text, file, dir, canonical, error);
  if (!sc->kf || !check_sections (sc->kf, error) || !sc_read_scenario_group (sc, file, error))
    return NULL;
  sc->sw = sc_sweep_build (sc->kf, error);
  if (!sc->sw)
    return NULL;

  guint np = sc->sw->points->len;
  sc->n_devices = g_new0 (guint, np ? np : 1);
  sc->point_hash = g_new0 (char *, np + 1);
  for (guint i = 0; i < np; i++)
    {
      sc->point_hash[i] = sc_point_hash (sc->kf, sc->sw->points->pdata[i], sc->duration,
                                         sc->warmup);
      RunSpec *spec = sc_build_spec (sc, sc->sw->points->pdata[i], error);
      if (!spec)
        return NULL;
      sc->n_devices[i] = run_spec_n_devices (spec);
      run_spec_free (spec);
    }

  sc->entries = g_array_new (FALSE, TRUE, sizeof (ScenarioEntry));
  g_array_set_clear_func (sc->entries, entry_clear);
  for (guint i = 0; i < sc->kf->groups->len; i++)
    {
      const ScKfGroup *g = sc->kf->groups->pdata[i];
      if (!sc_group_is_raw (g->name))
        continue;
      for (guint j = 0; j < g->entries->len; j++)
        {
          const ScKfEntry *e = g->entries->pdata[j];
          ScenarioEntry se = { g_strdup (g->name), g_strdup (e->key), g_strdup (e->value),
                               g_strdup (e->file), e->line };
          g_array_append_val (sc->entries, se);
        }
    }

  /* The stored text names itself, so a reload under another file name
   * keeps the name (and therefore nothing that depends on it changes). */
  ScKfGroup *sg = sc_kf_find_group (sc->kf, "scenario");
  if (!sc_kf_group_get (sg, "name"))
    sc_kf_group_set (sg, "name", sc->name);
  regen_text (sc);
  return g_steal_pointer (&sc);
}

Scenario *
scenario_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) ioerr = NULL;
  if (!g_file_get_contents (path, &text, NULL, &ioerr))
    {
      sc_set_error (error, SCENARIO_ERROR_IO, path, 0, NULL, NULL,
                    "expected a readable scenario file (%s)", ioerr->message);
      return NULL;
    }
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *canon = g_canonicalize_filename (path, NULL);
  return load (text, path, dir, canon, error);
}

Scenario *
scenario_load_from_data (const char *text, const char *name, const char *base_dir,
                         GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  return load (text, name ? name : "(scenario)", base_dir, NULL, error);
}

const char *
scenario_get_name (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, NULL);
  return sc->name;
}

const char *
scenario_get_text (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, NULL);
  return sc->text;
}

guint64
scenario_get_seed (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, 0);
  return sc->seed;
}

void
scenario_set_seed (Scenario *sc, guint64 seed)
{
  g_return_if_fail (sc != NULL);
  sc->seed = seed;
  g_autofree char *s = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  sc_kf_group_set (sc_kf_find_group (sc->kf, "scenario"), "seed", s);
  regen_text (sc);
}

guint
scenario_get_replications (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, 0);
  return sc->replications;
}

SimTime
scenario_get_duration (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, 0);
  return sc->duration;
}

SimTime
scenario_get_warmup (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, 0);
  return sc->warmup;
}

guint
scenario_get_n_devices (const Scenario *sc, guint point)
{
  g_return_val_if_fail (sc != NULL && point < sc->sw->points->len, 0);
  return sc->n_devices[point];
}

guint
scenario_get_n_points (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, 0);
  return sc->sw->points->len;
}

const char *
scenario_get_point_hash (const Scenario *sc, guint index)
{
  g_return_val_if_fail (sc != NULL && index < sc->sw->points->len, NULL);
  return sc->point_hash[index];
}

const ScenarioPoint *
scenario_get_point (const Scenario *sc, guint index)
{
  g_return_val_if_fail (sc != NULL && index < sc->sw->points->len, NULL);
  return sc->sw->points->pdata[index];
}

const char *const *
scenario_get_variables (const Scenario *sc)
{
  g_return_val_if_fail (sc != NULL, NULL);
  return (const char *const *) sc->sw->names;
}

const ScenarioEntry *
scenario_get_entries (const Scenario *sc, guint *n_entries)
{
  g_return_val_if_fail (sc != NULL, NULL);
  if (n_entries)
    *n_entries = sc->entries->len;
  return (const ScenarioEntry *) (gpointer) sc->entries->data;
}

/* ---------------------------------------------------------------- seeds */

static guint64
splitmix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return x ^ (x >> 31);
}

static guint64
fnv1a64 (const char *s)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      h ^= *p;
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  return h;
}

guint64
scenario_seed_mix (guint64 seed, const char *point_key, guint replication)
{
  g_return_val_if_fail (point_key != NULL, 0);
  return splitmix64 (splitmix64 (splitmix64 (seed) ^ fnv1a64 (point_key))
                     ^ (guint64) replication);
}

guint64
scenario_run_seed (const Scenario *sc, const ScenarioPoint *point, guint replication)
{
  g_return_val_if_fail (sc != NULL && point != NULL, 0);
  return scenario_seed_mix (sc->seed, point->key, replication);
}

RunSpec *
scenario_instantiate (const Scenario *sc, guint point, guint replication)
{
  g_return_val_if_fail (sc != NULL && point < sc->sw->points->len, NULL);
  g_autoptr (GError) err = NULL;
  const ScenarioPoint *pt = sc->sw->points->pdata[point];
  RunSpec *spec = sc_build_spec (sc, pt, &err);
  if (!spec)
    {
      /* scenario_load built this point already: a bug, not input. */
      g_critical ("scenario_instantiate: %s", err->message);
      return NULL;
    }
  spec->seed = scenario_run_seed (sc, pt, replication);
  return spec;
}

/* -------------------------------------------------------------- filters */

typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } Op;

typedef struct {
  char *var;
  Op    op;
  char *value;
} Cond;

static void
cond_free (gpointer p)
{
  Cond *c = p;
  g_free (c->var);
  g_free (c->value);
  g_free (c);
}

static gboolean
as_number (const char *s, double *out)
{
  if (!*s)
    return FALSE;
  char *end = NULL;
  double v = g_ascii_strtod (s, &end);
  if (*end || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

static GPtrArray *
parse_filter (const Scenario *sc, const char *filter, GError **error)
{
  GPtrArray *conds = g_ptr_array_new_with_free_func (cond_free);
  if (!filter)
    return conds;
  g_auto (GStrv) parts = g_strsplit (filter, ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      char *p = g_strstrip (parts[i]);
      if (!*p)
        continue;
      char *o = strpbrk (p, "!<>=");
      Op op;
      gsize oplen = 1;
      if (!o)
        goto syntax;
      if (o[0] == '!' && o[1] == '=')
        op = OP_NE, oplen = 2;
      else if (o[0] == '<')
        op = o[1] == '=' ? (oplen = 2, OP_LE) : OP_LT;
      else if (o[0] == '>')
        op = o[1] == '=' ? (oplen = 2, OP_GE) : OP_GT;
      else if (o[0] == '=')
        op = OP_EQ;   /* no "==": "a==x" means a equals "=x", so a point's key is a filter that matches it */
      else
        goto syntax;
      Cond *c = g_new0 (Cond, 1);
      c->var = g_strstrip (g_strndup (p, (gsize) (o - p)));
      c->value = g_strstrip (g_strdup (o + oplen));
      c->op = op;
      g_ptr_array_add (conds, c);
      if (!*c->var || !*c->value)
        goto syntax;
      if (!g_strv_contains ((const char *const *) sc->sw->names, c->var))
        {
          g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_REFERENCE,
                       "filter '%s': expected a sweep variable, got '%s'", filter, c->var);
          g_ptr_array_unref (conds);
          return NULL;
        }
      double d;
      if (op != OP_EQ && op != OP_NE && !as_number (c->value, &d))
        {
          g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_VALUE,
                       "filter '%s': expected a number after '<', '<=', '>' or '>=', got '%s'",
                       filter, c->value);
          g_ptr_array_unref (conds);
          return NULL;
        }
      continue;
syntax:
      g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
                   "filter '%s': expected VAR=VALUE, VAR!=VALUE, VAR<N, VAR<=N, VAR>N or "
                   "VAR>=N separated by ',', got '%s'", filter, p);
      g_ptr_array_unref (conds);
      return NULL;
    }
  return conds;
}

gboolean
scenario_filter_check (const Scenario *sc, const char *filter, GError **error)
{
  g_return_val_if_fail (sc != NULL, FALSE);
  GPtrArray *c = parse_filter (sc, filter, error);
  if (!c)
    return FALSE;
  g_ptr_array_unref (c);
  return TRUE;
}

gboolean
scenario_point_matches (const Scenario *sc, const ScenarioPoint *point, const char *filter)
{
  g_return_val_if_fail (sc != NULL && point != NULL, FALSE);
  g_autoptr (GPtrArray) conds = parse_filter (sc, filter, NULL);
  if (!conds)
    return FALSE;
  for (guint i = 0; i < conds->len; i++)
    {
      const Cond *c = conds->pdata[i];
      const char *v = NULL;
      for (guint j = 0; j < point->n_vars; j++)
        if (g_str_equal (point->names[j], c->var))
          v = point->values[j];
      if (!v)
        return FALSE;
      double a, b;
      gboolean num = as_number (v, &a) && as_number (c->value, &b);
      gboolean hold;
      switch (c->op)
        {
        case OP_EQ: hold = num ? a == b : g_str_equal (v, c->value); break;
        case OP_NE: hold = num ? a != b : !g_str_equal (v, c->value); break;
        case OP_LT: hold = num && a < b; break;
        case OP_LE: hold = num && a <= b; break;
        case OP_GT: hold = num && a > b; break;
        case OP_GE: hold = num && a >= b; break;
        default: hold = FALSE; break;
        }
      if (!hold)
        return FALSE;
    }
  return TRUE;
}
