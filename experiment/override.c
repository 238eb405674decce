/*
 * experiment/override.c - -D overrides as a child scenario (override.h).
 */
#include "experiment/override.h"

#include <string.h>

#include "experiment/scenario-private.h"
#include "experiment/suggest.h"

typedef struct {
  char *section, *key, *value, *arg;
} Def;

static void
def_free (gpointer p)
{
  Def *d = p;
  g_free (d->section);
  g_free (d->key);
  g_free (d->value);
  g_free (d->arg);
  g_free (d);
}

static Def *
def_parse (const char *arg, GError **error)
{
  const char *eq = strchr (arg, '=');
  g_autofree char *lhs = eq ? g_strndup (arg, (gsize) (eq - arg)) : NULL;
  const char *dot = lhs ? strrchr (lhs, '.') : NULL;
  if (!eq || !dot || dot == lhs || dot[1] == '\0')
    {
      g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
                   "-D %s: expected SECTION.KEY=VALUE, e.g. -D 'device phone.count=10' "
                   "or -D scenario.replications=5", arg);
      return NULL;
    }
  Def *d = g_new0 (Def, 1);
  d->section = g_strstrip (g_strndup (lhs, (gsize) (dot - lhs)));
  /* "device  phone" -> "device phone", as the loader normalises headers */
  g_auto (GStrv) words = g_strsplit_set (d->section, " \t", -1);
  GString *norm = g_string_new (NULL);
  for (guint i = 0; words[i]; i++)
    if (*words[i])
      g_string_append_printf (norm, "%s%s", norm->len ? " " : "", words[i]);
  g_free (d->section);
  d->section = g_string_free (norm, FALSE);
  d->key = g_strstrip (g_strdup (dot + 1));
  d->value = g_strstrip (g_strdup (eq + 1));
  d->arg = g_strdup (arg);
  if (strchr (d->value, '\n') || strchr (d->key, '[') || strchr (d->key, ']') || !*d->key)
    {
      g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_SYNTAX,
                   "-D %s: a key without '[' or ']' and a one-line value expected", arg);
      def_free (d);
      return NULL;
    }
  return d;
}

static gboolean
may_be_new (const char *section)
{
  return g_str_equal (section, "sweep") || g_str_equal (section, "expect")
    || g_str_equal (section, "golden");
}

Scenario *
scenario_load_overridden (const char *path, const char *const *defines, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (!defines || !defines[0])
    return scenario_load (path, error);

  g_autoptr (Scenario) parent = scenario_load (path, error);
  if (!parent)
    return NULL;
  g_autoptr (GError) perr = NULL;
  ScKf *pkf = sc_kf_parse (scenario_get_text (parent), path, &perr);
  if (!pkf)
    {
      g_propagate_error (error, g_steal_pointer (&perr));
      return NULL;
    }

  g_autoptr (GPtrArray) defs = g_ptr_array_new_with_free_func (def_free);
  gboolean ok = TRUE;
  for (guint i = 0; ok && defines[i]; i++)
    {
      Def *d = def_parse (defines[i], error);
      if (!d)
        ok = FALSE;
      else
        {
          g_ptr_array_add (defs, d);
          if (!sc_kf_find_group (pkf, d->section) && !may_be_new (d->section))
            {
              g_autoptr (GPtrArray) names = g_ptr_array_new ();
              for (guint g = 0; g < pkf->groups->len; g++)
                g_ptr_array_add (names, ((ScKfGroup *) pkf->groups->pdata[g])->name);
              g_autofree char *note = suggest_note (d->section, (const char *const *) names->pdata,
                                                    names->len);
              g_set_error (error, SCENARIO_ERROR, SCENARIO_ERROR_REFERENCE,
                           "-D %s: %s has no section [%s]%s", d->arg, path, d->section, note);
              ok = FALSE;
            }
        }
    }
  sc_kf_free (pkf);
  if (!ok)
    return NULL;

  /* The child: [scenario] first (extends and the parent's name, so the
   * experiment keeps its name), then one group per section in -D order;
   * a key given twice keeps the last, as on most command lines. */
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  GString *t = g_string_new (NULL);
  g_string_append_printf (t, "[scenario]\nextends = %s\n", abs);
  gboolean name_given = FALSE;
  for (guint i = 0; i < defs->len; i++)
    name_given |= g_str_equal (((Def *) defs->pdata[i])->section, "scenario")
                  && g_str_equal (((Def *) defs->pdata[i])->key, "name");
  if (!name_given)
    g_string_append_printf (t, "name = %s\n", scenario_get_name (parent));
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  for (guint i = 0; i < defs->len; i++)
    {
      Def *d = defs->pdata[i];
      gboolean seen = FALSE;
      for (guint j = 0; j < order->len; j++)
        seen |= g_str_equal (order->pdata[j], d->section);
      if (!seen && !g_str_equal (d->section, "scenario"))
        g_ptr_array_add (order, d->section);
    }
  g_ptr_array_insert (order, 0, (gpointer) "scenario");
  for (guint j = 0; j < order->len; j++)
    {
      const char *sec = order->pdata[j];
      if (j > 0)
        g_string_append_printf (t, "\n[%s]\n", sec);
      for (guint i = 0; i < defs->len; i++)
        {
          Def *d = defs->pdata[i];
          if (!g_str_equal (d->section, sec))
            continue;
          gboolean later = FALSE;
          for (guint k = i + 1; k < defs->len; k++)
            later |= g_str_equal (((Def *) defs->pdata[k])->section, sec)
                     && g_str_equal (((Def *) defs->pdata[k])->key, d->key);
          if (later)
            continue;
          g_string_append_printf (t, "# -D %s.%s=%s (command line)\n%s = %s\n",
                                  d->section, d->key, d->value, d->key, d->value);
        }
    }
  g_autofree char *text = g_string_free (t, FALSE);
  g_autofree char *label = g_strdup_printf ("%s with -D", path);
  return scenario_load_from_data (text, label, NULL, error);
}
