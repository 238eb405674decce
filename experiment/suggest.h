/*
 * experiment/suggest.h - "did you mean": the closest of a list of known
 * words to a word that matched none of them.
 *
 * One place for every unknown-name error (scenario sections and keys,
 * device parameters, sipsim commands, metric names), so they all suggest
 * the same way: the candidate with the smallest edit distance
 * (insertions, deletions, substitutions and swaps of two neighbouring
 * characters, case ignored), if that distance is at most a third of the
 * word's length (at least 1, at most 3).  A word that is a prefix of
 * exactly one candidate also suggests it ("keepalive" -> "keepalive_type"
 * is not a prefix match; "nat_time" -> "nat_timeout" is).
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* The best candidate of @candidates (@n of them; NULL entries skipped),
 * or NULL when none is close enough.  Borrowed from @candidates. */
const char *suggest_closest      (const char *word, const char *const *candidates, guint n);
/* The same over a list written for people, "a, b, c" (',' or '|'
 * separated, blanks trimmed, "NAME" placeholders and "[...]" brackets
 * dropped); newly allocated, NULL if none. */
char       *suggest_from_list    (const char *word, const char *list);
/* " (did you mean 'X'?)" or "" (never NULL; newly allocated). */
char       *suggest_note         (const char *word, const char *const *candidates, guint n);
char       *suggest_note_list    (const char *word, const char *list);

G_END_DECLS
