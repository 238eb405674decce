/*
 * experiment/scenario-private.h - what the scenario loader's files
 * share: the line-tracking key-file document (scenario-keyfile.c), value
 * parsers (scenario-values.c) and sweep expansion (scenario-sweep.c).
 * The section builders' own header is scenario-build.h.  Not installed;
 * scenario*.c include it, and the two that read a scenario's key file
 * beside the loader: lint.c (warnings) and override.c (-D as a child
 * file).
 *
 * Notes
 *
 * 1. Why not GKeyFile.  GKeyFile neither reports line numbers nor rejects
 *    a key given twice (the last one silently wins), and every error must
 *    name FILE:LINE.  ScKf reads the same syntax (groups, "key = value",
 *    '#' comments, GKeyFile escapes interpreted later by sc_unescape) and
 *    remembers where each key came from, across the extends chain.
 *
 * 2. Values are kept raw (trimmed, escapes and `${...}` untouched) so the
 *    merged text (sc_kf_to_text) reloads into the same scenario.
 */
#pragma once
#include <glib.h>

#include "experiment/scenario.h"

G_BEGIN_DECLS

/* Bounds that keep a hostile file from asking for unbounded work. */
#define SC_MAX_POINTS        100000   /* sweep points after expansion */
#define SC_MAX_EXTENDS_DEPTH 32
#define SC_MAX_REPLICATIONS  1000000
#define SC_MAX_COUNT         1000000  /* instances of one [device] */

/* ------------------------------------------------------------ key file */

typedef struct {
  char  *key;
  char  *value;       /* raw: trimmed, escapes and ${...} kept */
  char  *file;        /* as named in errors */
  guint  line;        /* 1-based */
  char  *comments;    /* comment and blank lines just before it, or NULL */
} ScKfEntry;

typedef struct {
  char      *name;    /* normalised: "device phone" (one space) */
  char      *file;
  guint      line;
  char      *comments;
  GPtrArray *entries; /* of ScKfEntry *, file order */
} ScKfGroup;

typedef struct {
  char      *head;    /* comments before the first group, or NULL */
  GPtrArray *groups;  /* of ScKfGroup *, file order */
} ScKf;

/* Parses one file's text (no extends).  @file names it in errors. */
ScKf       *sc_kf_parse       (const char *text, const char *file, GError **error);
/* Parses @text and follows [scenario] extends (relative to @dir, NULL:
 * the current directory), merging child over parent key by key.  The
 * result has no extends key left.  @canonical: the file's own canonical
 * path for cycle detection (may be NULL for text that is not a file). */
ScKf       *sc_kf_load        (const char *text, const char *file, const char *dir,
                               const char *canonical, GError **error);
void        sc_kf_free        (ScKf *kf);
ScKfGroup  *sc_kf_find_group  (const ScKf *kf, const char *name);
ScKfEntry  *sc_kf_group_get   (const ScKfGroup *g, const char *key);
/* Sets @key in @g (replacing the value in place, else appending). */
void        sc_kf_group_set   (ScKfGroup *g, const char *key, const char *value);
void        sc_kf_group_remove (ScKfGroup *g, const char *key);
ScKfGroup  *sc_kf_add_group   (ScKf *kf, const char *name);
/* The document as key-file text, comments kept. */
char       *sc_kf_to_text     (const ScKf *kf);

/* GKeyFile's escapes: \s \n \t \r \\ (others kept as written). */
char       *sc_unescape       (const char *s);

/* --------------------------------------------------------------- values */

/* "90s", "30m", "2h", "1d", "250ms", "1h30m", "1.5s", "90" (seconds);
 * units ns us ms s m h d; >= 0. */
gboolean    sc_parse_duration (const char *s, SimTime *out);
/* A duration or uniform(A, B) / exponential(MEAN) / exponential(OFFSET,
 * MEAN) / normal(MEAN, SD). */
gboolean    sc_parse_spectime (const char *s, SpecTime *out);
/* 0..1, or a percentage "2.5%". */
gboolean    sc_parse_prob     (const char *s, double *out);
gboolean    sc_parse_bool     (const char *s, gboolean *out);
/* Decimal, <= @max. */
gboolean    sc_parse_uint     (const char *s, guint64 max, guint64 *out);
/* Decimal or 0x hex, 64-bit. */
gboolean    sc_parse_seed     (const char *s, guint64 *out);
/* A finite number >= 0. */
gboolean    sc_parse_number   (const char *s, double *out);
/* A rate per second: "0.5" or "1/60". */
gboolean    sc_parse_rate     (const char *s, double *out);
/* A host name: labels of [A-Za-z0-9_-], 1..63 each, <= 253 in all. */
gboolean    sc_is_dns_name    (const char *s);
/* A scenario name that is one file name component: no '/', '\\', no
 * "..", no control characters, not "." (it becomes results/NAME.db). */
gboolean    sc_is_safe_name   (const char *s);
/* A section name: [A-Za-z0-9_.-]+. */
gboolean    sc_is_ident       (const char *s);

/* ---------------------------------------------------------------- sweep */

typedef struct {
  char       *name;
  GPtrArray  *values;   /* of char * */
  const ScKfEntry *where;  /* where it is defined (borrowed from the ScKf) */
  const char *section;     /* group name of that entry */
  gint        zip;         /* zip group index, -1: its own dimension */
} ScVar;

typedef struct {
  GPtrArray  *vars;     /* of ScVar *, definition order */
  GPtrArray  *points;   /* of ScenarioPoint * */
  char      **names;    /* NULL-terminated, owned */
} ScSweep;

/* Is @group's value kept raw (no ${...})? [expect] and [golden]. */
gboolean    sc_group_is_raw   (const char *group);
/* Collects the variables ([sweep] and inline), checks every use and
 * expands the points.  The ScKf must outlive the sweep. */
ScSweep    *sc_sweep_build    (const ScKf *kf, GError **error);
void        sc_sweep_free     (ScSweep *sw);
/* @raw with every ${...} replaced by @point's value and $$ by $.  NULL if
 * a name is not a variable of @point (cannot happen after a successful
 * sc_sweep_build) or the syntax is bad; *@bad_name then names it. */
char       *sc_expand         (const char *raw, const ScenarioPoint *point, char **bad_name);

/* The content hash of @point (scenario-hash.c): SHA-256, 64 hex digits,
 * newly allocated. */
char       *sc_point_hash     (const ScKf *kf, const ScenarioPoint *point, SimTime duration,
                               SimTime warmup);

/* Does @raw use ${var} (or define it inline, ${var = ...})?  (lint.c,
 * scenario-text.c) */
gboolean    sc_value_uses_var (const char *raw, const char *var);

/* The error every check uses: "FILE:LINE: [GROUP] KEY: MESSAGE". */
void        sc_set_error      (GError **error, ScenarioError code, const char *file, guint line,
                               const char *group, const char *key, const char *fmt, ...)
                               G_GNUC_PRINTF (7, 8);

/* " (did you mean 'X'?)" or "" for an unknown @word among @allowed (a
 * list as the error prints it: "a, b, [proxy NAME]"), and for an unknown
 * device parameter among the device table and the section's @own_keys
 * (scenario-suggest.c; suggest.h).  Newly allocated, never NULL. */
char       *sc_suggest_note   (const char *word, const char *allowed);
char       *sc_suggest_device_param (const char *key, const char *own_keys);

G_END_DECLS
