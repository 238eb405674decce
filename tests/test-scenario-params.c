/*
 * tests/test-scenario-params.c - the settings tables (sim/kernel/param.h)
 * against doc/scenarios.md and against the models' init functions, and
 * the walk's two rules (exclusions, rows applied first).
 *
 * 1-doc: every row of every section's tables is a key of that section's
 *   table in doc/scenarios.md, with the same type and default, and every
 *   key the doc lists is a row (as test-device-config does for
 *   doc/device.md).
 * 2-defaults: the default a table writes parses, through the loader's
 *   own readers, to the value the model's init function sets
 *   (sip_proxy_config_init, nat_settings_init_default, run_spec_new,
 *   spec_link_default), so the documented default is the real one.
 * 3-walk: exclusions and SIM_PARAM_FLAG_FIRST, in either file order.
 * 4-faults: the fault registry (experiment/fault.c) is whole and
 *   doc/scenarios.md lists every type with its keys.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "experiment/fault.h"
#include "experiment/scenario-build.h"
#include "experiment/scenario.h"
#include "models/dns/params.h"
#include "models/nat/params.h"
#include "models/proxy/params.h"

/* ------------------------------------------------------------------ doc */

typedef struct {
  char *type;
  char *def;
} DocRow;

static void
doc_row_free (gpointer p)
{
  DocRow *r = p;
  g_free (r->type);
  g_free (r->def);
  g_free (r);
}

/* The key table of "### [KIND" in @text: key -> DocRow.  Keys are the
 * backticked words of the first cell; rows whose first cell is in
 * italics (*OWNER NAME*) are not keys. */
static GHashTable *
doc_section (const char *text, const char *kind)
{
  g_autofree char *head = g_strdup_printf ("\n### [%s", kind);
  const char *start = strstr (text, head);
  if (start == NULL)
    g_error ("doc/scenarios.md has no '### [%s' section", kind);
  const char *end = strstr (start + 1, "\n### ");
  g_autofree char *sec = end ? g_strndup (start, (gsize) (end - start)) : g_strdup (start);
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, doc_row_free);
  g_auto (GStrv) lines = g_strsplit (sec, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      if (!g_str_has_prefix (lines[i], "| `"))
        continue;
      /* cells, with "\|" inside a cell kept */
      g_autofree char *l = g_strdup (lines[i]);
      for (char *p = l; (p = strstr (p, "\\|")); p += 2)
        p[0] = '\x01', p[1] = '\x01';
      g_auto (GStrv) cells = g_strsplit (l, "|", -1);
      g_assert_cmpuint (g_strv_length (cells), >=, 5);
      g_auto (GStrv) ticks = g_strsplit (cells[1], "`", -1);
      for (guint k = 1; ticks[k]; k += 2)
        {
          DocRow *r = g_new0 (DocRow, 1);
          r->type = g_strstrip (g_strdup (cells[2]));
          r->def = g_strstrip (g_strdup (cells[3]));
          g_hash_table_replace (keys, g_strdup (ticks[k]), r);
        }
    }
  return keys;
}

static char *
read_doc (void)
{
  const char *root = g_getenv ("SIPSIM_SOURCE_ROOT");
  if (root == NULL)
    return NULL;
  g_autofree char *path = g_build_filename (root, "doc", "scenarios.md", NULL);
  char *text = NULL;
  g_autoptr (GError) err = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, &err));
  g_assert_no_error (err);
  return text;
}

static const char *const kinds[] = { "scenario", "network", "dns", "proxy", "nat", "device",
                                     "calls" };

static void
test_doc_agrees (void)
{
  g_autofree char *text = read_doc ();
  if (text == NULL)
    {
      g_test_skip ("SIPSIM_SOURCE_ROOT not set (run through meson test)");
      return;
    }
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr (GHashTable) doc = doc_section (text, kinds[k]);
      g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      guint nt;
      const ScTable *tables = sc_section_tables (kinds[k], &nt);
      g_assert_cmpuint (nt, >, 0);
      for (guint t = 0; t < nt; t++)
        for (guint i = 0; i < tables[t].n; i++)
          {
            const SimParam *row = &tables[t].rows[i];
            g_autofree char *key = g_strconcat (tables[t].prefix, row->name, NULL);
            g_hash_table_add (seen, g_strdup (key));
            const DocRow *d = g_hash_table_lookup (doc, key);
            if (d == NULL)
              g_error ("doc/scenarios.md [%s] does not list `%s`", kinds[k], key);
            g_assert_nonnull (row->doc);
            g_assert_cmpstr (row->doc, !=, "");
            if (*tables[t].prefix)
              {
                /* a link setting under a prefix: as [network], inherited */
                if (!g_str_equal (d->type, "as [network]"))
                  g_error ("[%s] `%s`: doc type '%s', expected 'as [network]'", kinds[k], key,
                           d->type);
                continue;
              }
            const char *tn = sc_param_type_name (row);
            if (tn && !g_str_has_prefix (d->type, tn))
              g_error ("[%s] `%s`: doc type '%s', the table says %s", kinds[k], key, d->type, tn);
            if (row->type == SIM_PARAM_CHOICE)
              {
                g_auto (GStrv) c = g_strsplit (row->choices, "|", -1);
                for (guint j = 0; c[j]; j++)
                  {
                    g_autofree char *q = g_strdup_printf ("`%s`", c[j]);
                    if (!strstr (d->type, q))
                      g_error ("[%s] `%s`: doc type '%s' lacks %s", kinds[k], key, d->type, q);
                  }
              }
            if (row->def)
              {
                g_autofree char *q = g_strdup_printf ("`%s`", row->def);
                if (!strstr (d->def, q))
                  g_error ("[%s] `%s`: doc default '%s', the table says %s", kinds[k], key,
                           d->def, q);
              }
          }
      GHashTableIter it;
      gpointer key;
      g_hash_table_iter_init (&it, doc);
      while (g_hash_table_iter_next (&it, &key, NULL))
        if (!g_hash_table_contains (seen, key))
          g_error ("doc/scenarios.md [%s] lists `%s`, which no table has", kinds[k],
                   (const char *) key);
    }
}

/* [device NAME] profile: the doc names every profile of the registry. */
static void
test_doc_profiles (void)
{
  g_autofree char *text = read_doc ();
  if (text == NULL)
    {
      g_test_skip ("SIPSIM_SOURCE_ROOT not set (run through meson test)");
      return;
    }
  g_autoptr (GHashTable) doc = doc_section (text, "device");
  const DocRow *d = g_hash_table_lookup (doc, "profile");
  g_assert_nonnull (d);
  for (int p = 0; p < DEVICE_N_PROFILES; p++)
    {
      g_autofree char *q = g_strdup_printf ("`%s`", device_profile_to_string (p));
      if (!strstr (d->type, q))
        g_error ("doc/scenarios.md [device NAME] profile does not list %s", q);
    }
}

/* The doc check can fail: a table default the doc does not show is found. */
static void
test_doc_check_can_fail (void)
{
  g_autoptr (GHashTable) doc = doc_section (
    "x\n### [nat NAME]\n| Key | Type | Default | Meaning |\n|---|---|---|---|\n"
    "| `mapping` | `EIM` \\| `ADM` | `ADM` | m |\n| `port_lo`, `port_hi` | port | `1`, `2` | r |\n",
    "nat");
  const DocRow *m = g_hash_table_lookup (doc, "mapping");
  g_assert_nonnull (m);
  g_assert_null (strstr (m->def, "`EIM`"));           /* the table's default is EIM */
  g_assert_nonnull (strstr (m->type, "`ADM`"));       /* "\|" stays inside the cell */
  g_assert_nonnull (g_hash_table_lookup (doc, "port_hi"));
  g_assert_null (g_hash_table_lookup (doc, "APDM"));
}

/* ------------------------------------------------------------- defaults */

static gsize
field_size (const SimParam *row)
{
  switch (row->type)
    {
    case SIM_PARAM_BOOL:        return sizeof (gboolean);
    case SIM_PARAM_UINT:        return sizeof (guint);
    case SIM_PARAM_PORT:        return sizeof (guint16);
    case SIM_PARAM_SECONDS:     return sizeof (guint32);
    case SIM_PARAM_DURATION:    return sizeof (SimTime);
    case SIM_PARAM_PROBABILITY:
    case SIM_PARAM_NUMBER:
    case SIM_PARAM_RATE:        return sizeof (double);
    case SIM_PARAM_CHOICE:      return sizeof (int);
    case SIM_PARAM_ADDRESS:     return sizeof (SimIp4);
    default:                    return 0;
    }
}

/* Every row of @rows with a default and an offset: @def_obj (as init made
 * it) and a copy the default text was applied to hold the same field. */
static void
check_defaults (const char *what, const SimParam *rows, guint n, gconstpointer def_obj,
                gsize size)
{
  guint checked = 0;
  for (guint i = 0; i < n; i++)
    {
      const SimParam *row = &rows[i];
      if (row->def == NULL || row->set != NULL)
        continue;
      g_autofree guint8 *obj = g_malloc0 (size);
      g_autoptr (GError) err = NULL;
      if (row->type == SIM_PARAM_TEXT)
        {
          char *s = NULL;
          memcpy (obj + row->offset, &s, sizeof s);
          g_assert_true (sc_param_apply_text (row, obj, row->def, &err));
          g_assert_no_error (err);
          memcpy (&s, obj + row->offset, sizeof s);
          const char *want;
          memcpy (&want, (const guint8 *) def_obj + row->offset, sizeof want);
          g_assert_cmpstr (s, ==, want);
          g_free (s);
          checked++;
          continue;
        }
      if (!sc_param_apply_text (row, obj, row->def, &err))
        g_error ("%s %s: default '%s' does not parse: %s", what, row->name, row->def,
                 err->message);
      gsize fs = field_size (row);
      g_assert_cmpuint (fs, >, 0);
      if (memcmp (obj + row->offset, (const guint8 *) def_obj + row->offset, fs) != 0)
        g_error ("%s %s: the table's default '%s' is not what init sets", what, row->name,
                 row->def);
      checked++;
    }
  g_test_message ("%s: %u defaults checked", what, checked);
  g_assert_cmpuint (checked, >, 0);
}

static void
test_defaults_match_init (void)
{
  guint n;
  const SimParam *rows;

  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  rows = sip_proxy_param_table (&n);
  check_defaults ("proxy", rows, n, &pc, sizeof pc);

  NatSettings ns;
  nat_settings_init_default (&ns);
  rows = nat_param_table (&n);
  check_defaults ("nat", rows, n, &ns, sizeof ns);

  g_autoptr (RunSpec) spec = run_spec_new ();
  rows = dns_server_param_table (&n);
  check_defaults ("dns", rows, n, &spec->dns_cfg, sizeof spec->dns_cfg);

  rows = spec_link_params (&n);
  check_defaults ("link", rows, n, &spec_link_default, sizeof spec_link_default);

  /* the section tables: [dns] address is run_spec_new's */
  guint nt;
  const ScTable *t = sc_section_tables ("dns", &nt);
  check_defaults ("[dns]", t[0].rows, t[0].n, spec, sizeof *spec);
}

/* A wrong default is caught: the check compares, it does not just parse. */
static void
test_defaults_check_can_fail (void)
{
  if (g_test_subprocess ())
    {
      SimParam bad = SIM_PARAM_ROW ("udp_timeout_replied", SIM_PARAM_DURATION, "121s", "", "x",
                                    .offset = G_STRUCT_OFFSET (NatSettings, udp_timeout_replied));
      NatSettings ns;
      nat_settings_init_default (&ns);
      check_defaults ("nat", &bad, 1, &ns, sizeof ns);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*udp_timeout_replied*not what init sets*");
}

/* ----------------------------------------------------------------- walk */

static Scenario *
load (const char *text, GError **error)
{
  return scenario_load_from_data (text, "t.ini", NULL, error);
}

static const char HEAD[] =
  "[scenario]\nduration = 1h\n[dns]\nzone = voip.test\n";

static void
test_walk_excludes (void)
{
  static const char *const orders[] = {
    "[proxy p]\naddress = 198.51.100.10\nprobe_rate = 0.1\nprobe_interval = 60s\n",
    "[proxy p]\naddress = 198.51.100.10\nprobe_interval = 60s\nprobe_rate = 0.1\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (orders); i++)
    {
      g_autofree char *text = g_strconcat (HEAD, orders[i], NULL);
      g_autoptr (GError) err = NULL;
      g_autoptr (Scenario) sc = load (text, &err);
      g_assert_null (sc);
      g_assert_error (err, SCENARIO_ERROR, SCENARIO_ERROR_VALUE);
      /* reported at the second of the pair, line 8 */
      g_assert_true (g_str_has_prefix (err->message, "t.ini:8: [proxy p] "));
      g_assert_nonnull (strstr (err->message, "not both"));
    }
  /* either alone is fine, and the interval is the rate's mean */
  g_autofree char *ok = g_strconcat (HEAD, "[proxy p]\naddress = 198.51.100.10\n"
                                     "probe_interval = 20s\n", NULL);
  g_autoptr (GError) err = NULL;
  g_autoptr (Scenario) sc = load (ok, &err);
  g_assert_no_error (err);
  g_autoptr (RunSpec) spec = scenario_instantiate (sc, 0, 0);
  g_assert_cmpfloat_with_epsilon (g_array_index (spec->proxies, SpecProxy, 0).cfg.probe_rate,
                                  0.05, 1e-12);
}

/* Exclusions are mutual and name a row of the same table (the walk
 * remembers only rows with an exclusion: scenario-build.c note 2). */
static void
test_walk_excludes_mutual (void)
{
  guint found = 0;
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      guint nt;
      const ScTable *t = sc_section_tables (kinds[k], &nt);
      for (guint i = 0; i < nt; i++)
        for (guint j = 0; j < t[i].n; j++)
          {
            const SimParam *row = &t[i].rows[j];
            if (!row->excludes)
              continue;
            const SimParam *other = sim_param_find (t[i].rows, t[i].n, row->excludes);
            if (other == NULL || g_strcmp0 (other->excludes, row->name) != 0)
              g_error ("[%s] %s excludes %s, which does not exclude it back", kinds[k],
                       row->name, row->excludes);
            found++;
          }
    }
  g_assert_cmpuint (found, >=, 2);   /* probe_rate and probe_interval */
}

/* udp_timeout is applied first: the specific key wins wherever it stands. */
static void
test_walk_first (void)
{
  static const char *const orders[] = {
    "[nat n]\nudp_timeout = 60s\nudp_timeout_replied = 180s\n",
    "[nat n]\nudp_timeout_replied = 180s\nudp_timeout = 60s\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (orders); i++)
    {
      g_autofree char *text = g_strconcat (HEAD, orders[i], NULL);
      g_autoptr (GError) err = NULL;
      g_autoptr (Scenario) sc = load (text, &err);
      g_assert_no_error (err);
      g_autoptr (RunSpec) spec = scenario_instantiate (sc, 0, 0);
      const NatSettings *s = &g_array_index (spec->nats, SpecNat, 0).settings;
      g_assert_cmpint (s->udp_timeout_unreplied, ==, SIM_S (60));
      g_assert_cmpint (s->udp_timeout_replied, ==, SIM_S (180));
    }
}

/* An unknown key lists every key of the section's tables. */
static void
test_walk_unknown_lists_tables (void)
{
  g_autofree char *text = g_strconcat (HEAD, "[nat n]\nudp_timout = 60s\n", NULL);
  g_autoptr (GError) err = NULL;
  g_autoptr (Scenario) sc = load (text, &err);
  g_assert_null (sc);
  g_assert_error (err, SCENARIO_ERROR, SCENARIO_ERROR_UNKNOWN);
  g_assert_true (g_str_has_prefix (err->message, "t.ini:6: [nat n] udp_timout: unknown key"));
  guint nt;
  const ScTable *t = sc_section_tables ("nat", &nt);
  for (guint i = 0; i < nt; i++)
    for (guint j = 0; j < t[i].n; j++)
      {
        g_autofree char *k = g_strconcat (t[i].prefix, t[i].rows[j].name, NULL);
        g_assert_nonnull (strstr (err->message, k));
      }
}

/* --------------------------------------------------------------- golden */

/* A child scenario (extends) keeps its parent's [expect] but not its
 * [golden]: the pins are fingerprints of the parent's own runs, and a
 * child that sweeps has other points (doc/guide.md section 6). */
static void
test_golden_not_inherited (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sipsim-golden-XXXXXX", &err);
  g_assert_no_error (err);
  g_autofree char *parent = g_build_filename (dir, "parent.ini", NULL);
  g_autofree char *child = g_build_filename (dir, "child.ini", NULL);
  g_assert_true (g_file_set_contents (parent,
    "[scenario]\nduration = 1h\n[expect]\nok = registrations min >= 0\n"
    "[golden]\nr0 = #0 0123456789abcdef\n", -1, NULL));
  g_assert_true (g_file_set_contents (child,
    "[scenario]\nextends = parent.ini\n[sweep]\nx = 1, 2\n"
    "[network]\nlatency = ${x}ms\n", -1, NULL));
  g_autoptr (Scenario) sc = scenario_load (child, &err);
  g_assert_no_error (err);
  guint n, n_expect = 0, n_golden = 0;
  const ScenarioEntry *en = scenario_get_entries (sc, &n);
  for (guint i = 0; i < n; i++)
    {
      n_expect += g_str_equal (en[i].section, "expect");
      n_golden += g_str_equal (en[i].section, "golden");
    }
  g_assert_cmpuint (n_expect, ==, 1);
  g_assert_cmpuint (n_golden, ==, 0);
  /* the parent alone keeps its pin */
  g_autoptr (Scenario) ps = scenario_load (parent, &err);
  g_assert_no_error (err);
  en = scenario_get_entries (ps, &n);
  n_golden = 0;
  for (guint i = 0; i < n; i++)
    n_golden += g_str_equal (en[i].section, "golden");
  g_assert_cmpuint (n_golden, ==, 1);
  g_unlink (child);
  g_unlink (parent);
  g_rmdir (dir);
}

/* ---------------------------------------------------------------- faults */

/* The fault registry: unique names, every key readable, a schedule
 * function, effects that exist, every effect some type records, and
 * doc/scenarios.md's [fault NAME] table lists each type with its keys. */
static void
test_fault_registry (void)
{
  guint n;
  const FaultType *t = fault_types (&n);
  g_assert_cmpuint (n, >=, 12);
  guint n_effects = fault_effect_count ();
  g_autofree gboolean *observed = g_new0 (gboolean, n_effects);
  g_autofree char *text = read_doc ();
  const char *sec = text ? strstr (text, "\n### [fault NAME]") : NULL;
  g_autofree char *fault_doc = NULL;
  if (text)
    {
      g_assert_nonnull (sec);
      const char *end = strstr (sec + 1, "\n### ");
      fault_doc = end ? g_strndup (sec, (gsize) (end - sec)) : g_strdup (sec);
    }
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (fault_type_lookup (t[i].name) == &t[i]);
      if (t[i].alias)
        g_assert_true (fault_type_lookup (t[i].alias) == &t[i]);
      g_assert_nonnull (t[i].schedule);
      g_assert_nonnull (t[i].doc);
      if (!sc_fault_keys_known (&t[i]))
        g_error ("fault type %s: a key without a reader, or a required key it does not take",
                 t[i].name);
      g_assert_cmpint ((t[i].target != FAULT_TARGET_NONE), ==,
                       (strstr (t[i].keys, "target") != NULL));
      for (guint k = 0; k < 2; k++)
        {
          g_assert_cmpuint (t[i].observed[k], <, n_effects);
          g_assert_cmpstr (fault_effect (t[i].observed[k])->name, !=, "fault");
          observed[t[i].observed[k]] = TRUE;
        }
      if (fault_doc)
        {
          /* its row: "| `NAME` ... | keys | meaning |", each key in backticks */
          g_autofree char *q = g_strdup_printf ("\n| `%s`", t[i].name);
          const char *row = strstr (fault_doc, q);
          if (row == NULL)
            g_error ("doc/scenarios.md [fault NAME] has no row for `%s`", t[i].name);
          const char *eol = strchr (row + 1, '\n');
          g_autofree char *line = eol ? g_strndup (row, (gsize) (eol - row)) : g_strdup (row);
          if (t[i].alias)
            {
              g_autofree char *qa = g_strdup_printf ("`%s`", t[i].alias);
              g_assert_nonnull (strstr (line, qa));
            }
          g_auto (GStrv) ks = g_strsplit (t[i].keys, ", ", -1);
          for (guint k = 0; ks[k]; k++)
            {
              g_autofree char *qk = g_strdup_printf ("`%s`", ks[k]);
              if (!strstr (line, qk))
                g_error ("doc/scenarios.md: `%s` does not list its key %s", t[i].name, qk);
            }
        }
    }
  for (guint k = 0; k < n_effects; k++)
    {
      if (!observed[k])
        g_error ("effect %s: no fault type records it", fault_effect (k)->name);
      g_assert_true (fault_effect (k)->kind == (ObsFaultKind) k);
      g_assert_nonnull (fault_effect (k)->label);
    }
  g_assert_cmpstr (fault_effect ((ObsFaultKind) 99)->name, ==, "fault");
  g_autofree char *names = fault_type_names ();
  g_assert_true (g_str_has_prefix (names, "proxy-crash, proxy-reject (proxy-503), "));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scenario/params/1-doc/tables-and-doc-agree", test_doc_agrees);
  g_test_add_func ("/scenario/params/1-doc/profiles", test_doc_profiles);
  g_test_add_func ("/scenario/params/1-doc/check-can-fail", test_doc_check_can_fail);
  g_test_add_func ("/scenario/params/2-defaults/match-init", test_defaults_match_init);
  g_test_add_func ("/scenario/params/2-defaults/check-can-fail", test_defaults_check_can_fail);
  g_test_add_func ("/scenario/params/3-walk/excludes", test_walk_excludes);
  g_test_add_func ("/scenario/params/3-walk/excludes-mutual", test_walk_excludes_mutual);
  g_test_add_func ("/scenario/params/3-walk/first", test_walk_first);
  g_test_add_func ("/scenario/params/3-walk/unknown-lists-tables", test_walk_unknown_lists_tables);
  g_test_add_func ("/scenario/params/4-faults/registry", test_fault_registry);
  g_test_add_func ("/scenario/params/5-golden/not-inherited", test_golden_not_inherited);
  return g_test_run ();
}
