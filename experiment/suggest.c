/*
 * experiment/suggest.c - "did you mean" (suggest.h).
 *
 * Optimal string alignment distance (Levenshtein plus adjacent swaps),
 * O(|a| |b|) with two rows of a small table; words here are short (keys,
 * section and command names), so no cut-off tricks are needed.
 */
#include "experiment/suggest.h"

#include <string.h>

static guint
distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  if (la > 64 || lb > 64)
    return G_MAXUINT;
  guint d[65][65];
  for (gsize i = 0; i <= la; i++)
    d[i][0] = (guint) i;
  for (gsize j = 0; j <= lb; j++)
    d[0][j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        guint cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
        guint v = MIN (d[i - 1][j] + 1, d[i][j - 1] + 1);
        v = MIN (v, d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 2])
            && g_ascii_tolower (a[i - 2]) == g_ascii_tolower (b[j - 1]))
          v = MIN (v, d[i - 2][j - 2] + 1);
        d[i][j] = v;
      }
  return d[la][lb];
}

const char *
suggest_closest (const char *word, const char *const *candidates, guint n)
{
  g_return_val_if_fail (word != NULL, NULL);
  gsize len = strlen (word);
  guint limit = CLAMP ((guint) (len / 3), 1u, 3u);
  const char *best = NULL, *prefix = NULL;
  guint best_d = G_MAXUINT, n_prefix = 0;
  for (guint i = 0; i < n; i++)
    {
      const char *c = candidates[i];
      if (c == NULL || *c == '\0' || g_ascii_strcasecmp (c, word) == 0)
        continue;
      guint d = distance (word, c);
      if (d < best_d)
        {
          best_d = d;
          best = c;
        }
      if (len >= 3 && g_ascii_strncasecmp (c, word, len) == 0)
        {
          n_prefix++;
          prefix = c;
        }
    }
  if (best && best_d <= limit)
    return best;
  return n_prefix == 1 ? prefix : NULL;
}

/* "a, b, [proxy NAME], c|d" -> { "a", "b", "proxy", "c", "d" } */
static GPtrArray *
split_list (const char *list)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) parts = g_strsplit_set (list, ",|", -1);
  for (guint i = 0; parts[i]; i++)
    {
      char *p = g_strstrip (parts[i]);
      if (*p == '[')
        p++;
      gsize l = strlen (p);
      if (l && p[l - 1] == ']')
        p[--l] = '\0';
      char *sp = strstr (p, " NAME");
      if (sp)
        *sp = '\0';
      if (*p)
        g_ptr_array_add (words, g_strdup (p));
    }
  return words;
}

char *
suggest_from_list (const char *word, const char *list)
{
  g_autoptr (GPtrArray) w = split_list (list);
  const char *s = suggest_closest (word, (const char *const *) w->pdata, w->len);
  return g_strdup (s);
}

char *
suggest_note (const char *word, const char *const *candidates, guint n)
{
  const char *s = suggest_closest (word, candidates, n);
  return s ? g_strdup_printf (" (did you mean '%s'?)", s) : g_strdup ("");
}

char *
suggest_note_list (const char *word, const char *list)
{
  g_autofree char *s = suggest_from_list (word, list);
  return s ? g_strdup_printf (" (did you mean '%s'?)", s) : g_strdup ("");
}
