/*
 * experiment/scenario-keyfile.c - the key-file reader of the scenario
 * loader: GKeyFile's syntax with a line number on every key, duplicate
 * keys refused, and `extends` chains merged (scenario-private.h note 1).
 *
 * Notes
 *
 * 1. Syntax (as GKeyFile, glib/gkeyfile.c): a line is blank, a comment
 *    ('#' first, after optional blanks), a group header "[name]" or
 *    "key = value" (blanks around '=' trimmed; the first '=' splits, so
 *    values may contain '=').  Keys may contain spaces (Aastra parameter
 *    names do: "sip line1 proxy ip") but not '[' or ']' (GKeyFile's
 *    localized keys "key[de]" are refused: nothing here is translated).
 *    A group given twice in one file is one group (GKeyFile merges them
 *    too); a key given twice in one group is an error, where GKeyFile
 *    would silently keep the last.
 *
 * 2. Merging (extends): the parent is loaded first; every child group
 *    that the parent has takes the child's value for each key it sets, in
 *    the parent's key position (so the parent's key order, which is the
 *    order device parameters are applied in, is kept); new keys and new
 *    groups are appended.  Each value keeps the file and line it came
 *    from, so a bad value inherited from a parent names the parent.
 *    Comments travel with their key or group; the child's win.  The one
 *    group not inherited is [golden]: it pins fingerprints of the
 *    parent's own runs, and a child (other text, often other points) is
 *    another experiment.
 */
#include <string.h>

#include "experiment/scenario-private.h"

void
sc_set_error (GError **error, ScenarioError code, const char *file, guint line,
              const char *group, const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "%s:%u:", file ? file : "(scenario)", line);
  if (group)
    g_string_append_printf (s, " [%s]", group);
  if (key)
    g_string_append_printf (s, " %s", key);
  g_string_append_printf (s, "%s %s", group || key ? ":" : "", msg);
  g_set_error_literal (error, SCENARIO_ERROR, code, s->str);
  g_string_free (s, TRUE);
}

static void
entry_free (gpointer p)
{
  ScKfEntry *e = p;
  g_free (e->key);
  g_free (e->value);
  g_free (e->file);
  g_free (e->comments);
  g_free (e);
}

static void
group_free (gpointer p)
{
  ScKfGroup *g = p;
  g_free (g->name);
  g_free (g->file);
  g_free (g->comments);
  g_ptr_array_unref (g->entries);
  g_free (g);
}

static ScKf *
kf_new (void)
{
  ScKf *kf = g_new0 (ScKf, 1);
  kf->groups = g_ptr_array_new_with_free_func (group_free);
  return kf;
}

void
sc_kf_free (ScKf *kf)
{
  if (!kf)
    return;
  g_free (kf->head);
  g_ptr_array_unref (kf->groups);
  g_free (kf);
}

static ScKfGroup *
group_new (const char *name, const char *file, guint line)
{
  ScKfGroup *g = g_new0 (ScKfGroup, 1);
  g->name = g_strdup (name);
  g->file = g_strdup (file);
  g->line = line;
  g->entries = g_ptr_array_new_with_free_func (entry_free);
  return g;
}

ScKfGroup *
sc_kf_find_group (const ScKf *kf, const char *name)
{
  for (guint i = 0; i < kf->groups->len; i++)
    {
      ScKfGroup *g = g_ptr_array_index (kf->groups, i);
      if (g_str_equal (g->name, name))
        return g;
    }
  return NULL;
}

ScKfEntry *
sc_kf_group_get (const ScKfGroup *g, const char *key)
{
  for (guint i = 0; i < g->entries->len; i++)
    {
      ScKfEntry *e = g_ptr_array_index (g->entries, i);
      if (g_str_equal (e->key, key))
        return e;
    }
  return NULL;
}

void
sc_kf_group_set (ScKfGroup *g, const char *key, const char *value)
{
  ScKfEntry *e = sc_kf_group_get (g, key);
  if (e)
    {
      g_free (e->value);
      e->value = g_strdup (value);
      return;
    }
  e = g_new0 (ScKfEntry, 1);
  e->key = g_strdup (key);
  e->value = g_strdup (value);
  e->file = g_strdup (g->file);
  e->line = g->line;
  g_ptr_array_add (g->entries, e);
}

void
sc_kf_group_remove (ScKfGroup *g, const char *key)
{
  for (guint i = 0; i < g->entries->len; i++)
    if (g_str_equal (((ScKfEntry *) g_ptr_array_index (g->entries, i))->key, key))
      {
        g_ptr_array_remove_index (g->entries, i);
        return;
      }
}

ScKfGroup *
sc_kf_add_group (ScKf *kf, const char *name)
{
  ScKfGroup *g = group_new (name, "(generated)", 0);
  g_ptr_array_add (kf->groups, g);
  return g;
}

/* "[ device   phone ]" -> "device phone"; NULL if malformed. */
static char *
normalise_group (const char *inner)
{
  g_auto (GStrv) parts = g_strsplit_set (inner, " \t", -1);
  GString *s = g_string_new (NULL);
  for (guint i = 0; parts[i]; i++)
    {
      if (!*parts[i])
        continue;
      if (s->len)
        g_string_append_c (s, ' ');
      g_string_append (s, parts[i]);
    }
  return g_string_free (s, FALSE);
}

static gboolean
has_control (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s < 0x20 && *s != '\t')
      return TRUE;
  return FALSE;
}

ScKf *
sc_kf_parse (const char *text, const char *file, GError **error)
{
  if (!g_utf8_validate (text, -1, NULL))
    {
      sc_set_error (error, SCENARIO_ERROR_SYNTAX, file, 0, NULL, NULL,
                    "expected UTF-8 text (a GLib key file)");
      return NULL;
    }
  ScKf *kf = kf_new ();
  GString *pending = g_string_new (NULL);   /* comments waiting for their key */
  ScKfGroup *cur = NULL;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      guint lineno = i + 1;
      char *line = lines[i];
      gsize n = strlen (line);
      if (n && line[n - 1] == '\r')
        line[--n] = '\0';
      if (!lines[i + 1] && n == 0)
        break;   /* the text's final newline */
      char *t = g_strstrip (g_strdup (line));
      if (*t == '\0' || *t == '#')
        {
          g_string_append (pending, line);
          g_string_append_c (pending, '\n');
          g_free (t);
          continue;
        }
      if (*t == '[')
        {
          gsize tl = strlen (t);
          char *inner = t[tl - 1] == ']' ? g_strndup (t + 1, tl - 2) : NULL;
          char *name = inner && !strpbrk (inner, "[]") && !has_control (inner)
            ? normalise_group (inner) : NULL;
          g_free (inner);
          if (!name || !*name)
            {
              sc_set_error (error, SCENARIO_ERROR_SYNTAX, file, lineno, NULL, NULL,
                            "expected a section header '[name]', got '%s'", t);
              g_free (name);
              g_free (t);
              goto fail;
            }
          cur = sc_kf_find_group (kf, name);
          if (!cur)
            {
              cur = group_new (name, file, lineno);
              if (pending->len)
                cur->comments = g_strdup (pending->str);
              g_ptr_array_add (kf->groups, cur);
            }
          g_string_truncate (pending, 0);
          g_free (name);
          g_free (t);
          continue;
        }
      char *eq = strchr (t, '=');
      if (!eq)
        {
          sc_set_error (error, SCENARIO_ERROR_SYNTAX, file, lineno, cur ? cur->name : NULL, NULL,
                        "expected 'key = value', a '[section]' header or a '#' comment, got '%s'", t);
          g_free (t);
          goto fail;
        }
      *eq = '\0';
      char *key = g_strstrip (t);
      char *value = g_strstrip (eq + 1);
      if (!cur)
        {
          sc_set_error (error, SCENARIO_ERROR_SYNTAX, file, lineno, NULL, key,
                        "expected a '[section]' header before the first key");
          g_free (t);
          goto fail;
        }
      if (!*key || strpbrk (key, "[]") || has_control (key))
        {
          sc_set_error (error, SCENARIO_ERROR_SYNTAX, file, lineno, cur->name, NULL,
                        "expected a key name (no '[', ']' or control characters; "
                        "localized keys are not supported), got '%s'", key);
          g_free (t);
          goto fail;
        }
      ScKfEntry *old = sc_kf_group_get (cur, key);
      if (old)
        {
          sc_set_error (error, SCENARIO_ERROR_SYNTAX, file, lineno, cur->name, key,
                        "expected each key once per section, got it again (first at line %u)",
                        old->line);
          g_free (t);
          goto fail;
        }
      ScKfEntry *e = g_new0 (ScKfEntry, 1);
      e->key = g_strdup (key);
      e->value = g_strdup (value);
      e->file = g_strdup (file);
      e->line = lineno;
      if (pending->len)
        e->comments = g_strdup (pending->str);
      g_string_truncate (pending, 0);
      g_ptr_array_add (cur->entries, e);
      g_free (t);
    }
  /* Comments before the first group are the file's head. */
  if (kf->groups->len)
    {
      ScKfGroup *g0 = g_ptr_array_index (kf->groups, 0);
      if (g0->comments)
        {
          kf->head = g0->comments;
          g0->comments = NULL;
        }
    }
  else if (pending->len)
    kf->head = g_strdup (pending->str);
  g_string_free (pending, TRUE);
  return kf;

fail:
  g_string_free (pending, TRUE);
  sc_kf_free (kf);
  return NULL;
}

/* Moves @child's groups and keys over @parent (note 2). */
static void
merge (ScKf *parent, ScKf *child)
{
  if (child->head)
    {
      g_free (parent->head);
      parent->head = g_steal_pointer (&child->head);
    }
  for (guint i = 0; i < child->groups->len; i++)
    {
      ScKfGroup *cg = g_ptr_array_index (child->groups, i);
      ScKfGroup *pg = sc_kf_find_group (parent, cg->name);
      if (!pg)
        {
          g_ptr_array_add (parent->groups, g_steal_pointer (&child->groups->pdata[i]));
          continue;
        }
      if (cg->comments)
        {
          g_free (pg->comments);
          pg->comments = g_steal_pointer (&cg->comments);
        }
      for (guint j = 0; j < cg->entries->len; j++)
        {
          ScKfEntry *ce = g_ptr_array_index (cg->entries, j);
          ScKfEntry *pe = sc_kf_group_get (pg, ce->key);
          if (!pe)
            {
              g_ptr_array_add (pg->entries, g_steal_pointer (&cg->entries->pdata[j]));
              continue;
            }
          g_free (pe->value);
          pe->value = g_steal_pointer (&ce->value);
          g_free (pe->file);
          pe->file = g_steal_pointer (&ce->file);
          pe->line = ce->line;
          if (ce->comments)
            {
              g_free (pe->comments);
              pe->comments = g_steal_pointer (&ce->comments);
            }
        }
    }
}

static void
drop_nulls (GPtrArray *a)
{
  guint w = 0;
  for (guint r = 0; r < a->len; r++)
    if (a->pdata[r])
      a->pdata[w++] = a->pdata[r];
  a->len = w;
}

static ScKf *
load_chain (const char *text, const char *file, const char *dir, GPtrArray *stack,
            GError **error)
{
  ScKf *kf = sc_kf_parse (text, file, error);
  if (!kf)
    return NULL;
  ScKfGroup *sg = sc_kf_find_group (kf, "scenario");
  ScKfEntry *ext = sg ? sc_kf_group_get (sg, "extends") : NULL;
  if (!ext)
    return kf;

  g_autofree char *fname = sc_unescape (ext->value);
  if (!*fname || strchr (fname, '$'))
    {
      sc_set_error (error, *fname ? SCENARIO_ERROR_SYNTAX : SCENARIO_ERROR_VALUE,
                    ext->file, ext->line, "scenario", "extends",
                    "expected a file name (sweep variables cannot be used here), got '%s'",
                    ext->value);
      sc_kf_free (kf);
      return NULL;
    }
  g_autofree char *path = g_path_is_absolute (fname)
    ? g_strdup (fname) : g_build_filename (dir ? dir : ".", fname, NULL);
  g_autofree char *canon = g_canonicalize_filename (path, NULL);
  if (stack->len >= SC_MAX_EXTENDS_DEPTH)
    {
      sc_set_error (error, SCENARIO_ERROR_VALUE, ext->file, ext->line, "scenario", "extends",
                    "expected a chain of at most %d files, got '%s'", SC_MAX_EXTENDS_DEPTH,
                    ext->value);
      sc_kf_free (kf);
      return NULL;
    }
  for (guint i = 0; i < stack->len; i++)
    if (g_str_equal (stack->pdata[i], canon))
      {
        GString *chain = g_string_new (NULL);
        for (guint j = i; j < stack->len; j++)
          g_string_append_printf (chain, "%s -> ", (char *) stack->pdata[j]);
        g_string_append (chain, canon);
        sc_set_error (error, SCENARIO_ERROR_VALUE, ext->file, ext->line, "scenario", "extends",
                      "expected a chain without cycles, got '%s' (%s)", ext->value, chain->str);
        g_string_free (chain, TRUE);
        sc_kf_free (kf);
        return NULL;
      }
  g_autofree char *ptext = NULL;
  g_autoptr (GError) ioerr = NULL;
  if (!g_file_get_contents (path, &ptext, NULL, &ioerr))
    {
      sc_set_error (error, SCENARIO_ERROR_IO, ext->file, ext->line, "scenario", "extends",
                    "expected a readable file, got '%s' (%s)", ext->value, ioerr->message);
      sc_kf_free (kf);
      return NULL;
    }
  g_ptr_array_add (stack, g_strdup (canon));
  g_autofree char *pdir = g_path_get_dirname (path);
  ScKf *parent = load_chain (ptext, path, pdir, stack, error);
  g_free (g_ptr_array_steal_index (stack, stack->len - 1));
  if (!parent)
    {
      sc_kf_free (kf);
      return NULL;
    }
  sc_kf_group_remove (sg, "extends");
  /* A parent's [golden] pins runs of the parent's own experiment; a child
   * is another experiment (note 2), so its pins do not carry over. */
  for (guint i = parent->groups->len; i-- > 0;)
    if (g_str_equal (((ScKfGroup *) parent->groups->pdata[i])->name, "golden"))
      g_ptr_array_remove_index (parent->groups, i);
  merge (parent, kf);
  /* Stolen slots are NULL; the free funcs must not see them. */
  for (guint i = 0; i < kf->groups->len; i++)
    if (kf->groups->pdata[i])
      drop_nulls (((ScKfGroup *) kf->groups->pdata[i])->entries);
  drop_nulls (kf->groups);
  sc_kf_free (kf);
  return parent;
}

ScKf *
sc_kf_load (const char *text, const char *file, const char *dir, const char *canonical,
            GError **error)
{
  g_autoptr (GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);
  if (canonical)
    g_ptr_array_add (stack, g_strdup (canonical));
  return load_chain (text, file, dir, stack, error);
}

char *
sc_kf_to_text (const ScKf *kf)
{
  GString *s = g_string_new (NULL);
  if (kf->head)
    g_string_append (s, kf->head);
  for (guint i = 0; i < kf->groups->len; i++)
    {
      const ScKfGroup *g = g_ptr_array_index (kf->groups, i);
      if (g->comments)
        g_string_append (s, g->comments);
      else if (s->len && !g_str_has_suffix (s->str, "\n\n"))
        g_string_append_c (s, '\n');   /* one blank line between groups */
      g_string_append_printf (s, "[%s]\n", g->name);
      for (guint j = 0; j < g->entries->len; j++)
        {
          const ScKfEntry *e = g_ptr_array_index (g->entries, j);
          if (e->comments)
            g_string_append (s, e->comments);
          g_string_append_printf (s, "%s = %s\n", e->key, e->value);
        }
    }
  return g_string_free (s, FALSE);
}

char *
sc_unescape (const char *s)
{
  GString *o = g_string_sized_new (strlen (s));
  for (const char *p = s; *p; p++)
    {
      if (*p != '\\' || !p[1])
        {
          g_string_append_c (o, *p);
          continue;
        }
      switch (p[1])
        {
        case 's': g_string_append_c (o, ' '); p++; break;
        case 'n': g_string_append_c (o, '\n'); p++; break;
        case 't': g_string_append_c (o, '\t'); p++; break;
        case 'r': g_string_append_c (o, '\r'); p++; break;
        case '\\': g_string_append_c (o, '\\'); p++; break;
        default: g_string_append_c (o, '\\'); break;
        }
    }
  return g_string_free (o, FALSE);
}
