/*
 * sim/kernel/trace-fold.h - the fingerprint's fold (version 3) and the
 * per-world cache of printf formats it uses.  Private to the kernel (and
 * its tests); the definition is written down in world.c, above
 * sim_trace_begin_hashed, and in doc/results.md "Fingerprint versions".
 *
 * Notes
 *
 * 1. The fold.  fp_fold is a multiply-xorshift step, not a cryptographic
 *    hash: the fingerprint detects a changed run, it does not defend
 *    against a forged one.  Strings are folded by length and then eight
 *    bytes at a time as little-endian words, so a fingerprint means the
 *    same on every machine.
 *
 * 2. Content hashes.  fp_hash_bytes (tag, s, n) is what folding the string
 *    into a fresh fingerprint gives.  Version 3 folds the strings that do
 *    not change during a run (a format string, a host's "who") as their
 *    content hash, computed once and kept: one fold per piece instead of
 *    one per eight bytes, and no strlen.  The hash is of the bytes, never
 *    of an address, so the fingerprint does not depend on where the
 *    string lives.
 *
 * 3. The format cache.  A printf piece's format must be a string literal
 *    (static storage, never changed; world.h, enforced at compile time by
 *    -Wformat-nonliteral and -Wmissing-format-attribute in meson.build).
 *    So its address identifies its content for the life of the program,
 *    and SimFmtCache maps the address to the format's content hash and to
 *    its conversions, parsed once: a printf piece costs a table probe and
 *    one fold per argument, instead of a strlen, a fold per eight bytes
 *    and a strchr walk per conversion (version 2).  The cache belongs to
 *    one world (no globals), is open-addressed by the address and grows at
 *    half full.  In every build but a release build each hit compares the
 *    format with a copy of the text it was parsed from and aborts on a
 *    difference (SIPSIM_TRACE_FMT_CHECK), so a caller that breaks the
 *    contract through a path the compiler cannot see is caught by the
 *    tests instead of folding stale conversions.
 */
#pragma once
#include <stdarg.h>
#include <string.h>
#include <glib.h>

#include "sipsim-config.h"

G_BEGIN_DECLS

#define FP_K      G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)
#define FP_BASIS  G_GUINT64_CONSTANT (0xcbf29ce484222325)   /* FNV-1a's offset basis */
#define FP_LINE   G_GUINT64_CONSTANT (0x4c494e45)         /* piece tags */
#define FP_STR    (G_GUINT64_CONSTANT (1) << 56)
#define FP_UINT   (G_GUINT64_CONSTANT (2) << 56)
#define FP_INT    (G_GUINT64_CONSTANT (3) << 56)
#define FP_DBL    (G_GUINT64_CONSTANT (4) << 56)
#define FP_FMT    (G_GUINT64_CONSTANT (5) << 56)
#define FP_VALUE  (G_GUINT64_CONSTANT (6) << 56)

static inline guint64
fp_fold (guint64 h, guint64 v)
{
  h = (h ^ v) * FP_K;
  return h ^ (h >> 31);
}

/* The last @r (1..7) bytes of a string as a little-endian word, zero
 * above them: what a loop "v |= s[k] << 8k" gives, in two or three loads
 * instead of up to seven iterations.  4..7 bytes: two overlapping 4-byte
 * loads, the second shifted to end at byte r - 1 (the overlap ORs equal
 * bytes).  1..3 bytes: bytes 0, r/2 and r - 1 (equal for r = 1, r/2 =
 * r - 1 for r = 2).  Never reads outside s[0..r-1]. */
static inline guint64
fp_tail_le (const char *s, gsize r)
{
  const guchar *u = (const guchar *) s;
  if (r >= 4)
    {
      guint32 lo, hi;
      memcpy (&lo, u, 4);
      memcpy (&hi, u + r - 4, 4);
      return (guint64) GUINT32_FROM_LE (lo) | (guint64) GUINT32_FROM_LE (hi) << (8 * (r - 4));
    }
  return (guint64) u[0] | (guint64) u[r / 2] << (8 * (r / 2)) | (guint64) u[r - 1] << (8 * (r - 1));
}

/* Folds (@tag | @n) and then the @n bytes of @s. */
static inline G_ALWAYS_INLINE guint64
fp_fold_bytes (guint64 h, guint64 tag, const char *s, gsize n)
{
  h = fp_fold (h, tag | n);
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    {
      guint64 v;
      memcpy (&v, s + i, 8);
      h = fp_fold (h, GUINT64_FROM_LE (v));
    }
  if (i < n)
    h = fp_fold (h, fp_tail_le (s + i, n - i));
  return h;
}

/* Note 2. */
static inline guint64
fp_hash_bytes (guint64 tag, const char *s, gsize n)
{
  return fp_fold_bytes (FP_BASIS, tag, s, n);
}

/* A string, wherever it appears (who, a string piece, a %s argument), is
 * folded as its content hash: so a piece whose hash its owner computed
 * once (sim_trace_str_hashed) folds as the same text given each time. */
static inline guint64
fp_fold_str (guint64 h, const char *s, gsize n)
{
  return fp_fold (h, fp_hash_bytes (FP_STR, s, n));
}

/* One parsed format (note 3).  conv lists what each conversion takes
 * from the va_list, in order, ending with 0 (FMT_CV_END).  In a cache of
 * static strings (sim_trace_static) nothing is parsed: hash is the
 * string's as a string piece and conv is NULL. */
typedef struct {
  const char *fmt;       /* the key: its address; NULL = free slot */
  guint64     hash;      /* fp_hash_bytes (FP_FMT or FP_STR, fmt, len) */
  gsize       len;       /* strlen (fmt) */
  guint32    *conv;      /* owned */
#if SIPSIM_TRACE_FMT_CHECK
  char       *copy;      /* owned: the text conv was parsed from */
#endif
} SimFmtInfo;

typedef struct {
  SimFmtInfo *slot;
  guint       mask;      /* capacity - 1, capacity a power of two */
  guint       n;
  gboolean    formats;   /* FALSE: static strings, not parsed */
} SimFmtCache;

void               sim_fmt_cache_init  (SimFmtCache *c, gboolean formats);
void               sim_fmt_cache_clear (SimFmtCache *c);
/* The slot of @fmt, parsed on the first call (reporting an unsupported
 * conversion with g_critical, once). */
const SimFmtInfo  *sim_fmt_cache_miss  (SimFmtCache *c, const char *fmt);

static inline const SimFmtInfo *
sim_fmt_cache_get (SimFmtCache *c, const char *fmt)
{
  /* Fibonacci hashing of the address; linear probing. */
  guint i = (guint) (((guint64) (guintptr) fmt * FP_K) >> 40) & c->mask;
  for (;;)
    {
      const SimFmtInfo *e = &c->slot[i];
      if (e->fmt == fmt)
        {
#if SIPSIM_TRACE_FMT_CHECK
          if (strcmp (e->copy, fmt) != 0)
            g_error ("sim_trace: the format at %p changed from \"%s\" to \"%s\": trace formats "
                     "must be string literals (sim/kernel/world.h)", (const void *) fmt,
                     e->copy, fmt);
#endif
          return e;
        }
      if (e->fmt == NULL)
        return sim_fmt_cache_miss (c, fmt);
      i = (i + 1) & c->mask;
    }
}

/* Folds the arguments @fi's format takes from @ap, consumed as printf
 * would consume them. */
guint64            sim_fp_fold_args    (guint64 h, const SimFmtInfo *fi, va_list *ap);

G_END_DECLS
