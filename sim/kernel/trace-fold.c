/*
 * sim/kernel/trace-fold.c - the format cache and the argument fold of the
 * fingerprint, version 3 (trace-fold.h).
 *
 * A format is parsed once per world into a list of what its conversions
 * take from the va_list (FMT_CV_*), in the order printf takes them; each
 * trace line then walks that list with va_arg.  The parse follows the C
 * standard's conversion syntax: flags, width (or '*'), precision (or
 * ".*"), length modifier, conversion.  Supported conversions are the ones
 * world.h lists; any other stops the list (reported once), because the
 * arguments after it cannot be located.
 */
#include "sim/kernel/trace-fold.h"

#include <stddef.h>
#include <stdint.h>

enum {
  FMT_CV_END,
  FMT_CV_INT, FMT_CV_LONG, FMT_CV_LLONG, FMT_CV_SSIZE, FMT_CV_IMAX, FMT_CV_PTRDIFF,
  FMT_CV_UINT, FMT_CV_ULONG, FMT_CV_ULLONG, FMT_CV_SIZE, FMT_CV_UMAX, FMT_CV_UPTRDIFF,
  FMT_CV_STAR,          /* an int width or precision ('*'), folded as signed */
  FMT_CV_STR,           /* %s */
  FMT_CV_STR_PREC,      /* %.Ns: N in the code's bits 8..31 */
  FMT_CV_STR_STAR,      /* %.*s: the precision is the FMT_CV_STAR just before */
  FMT_CV_PTR,
  FMT_CV_DBL, FMT_CV_LDBL,
};

#define FMT_PREC_MAX ((1u << 24) - 1)

void
sim_fmt_cache_init (SimFmtCache *c, gboolean formats)
{
  c->formats = formats;
  c->mask = 63;
  c->n = 0;
  c->slot = g_new0 (SimFmtInfo, c->mask + 1);
}

void
sim_fmt_cache_clear (SimFmtCache *c)
{
  for (guint i = 0; c->slot && i <= c->mask; i++)
    {
      g_free (c->slot[i].conv);
#if SIPSIM_TRACE_FMT_CHECK
      g_free (c->slot[i].copy);
#endif
    }
  g_free (c->slot);
  c->slot = NULL;
  c->mask = 0;
  c->n = 0;
}

/* Appends the conversion list of @fmt to @out (without the end mark). */
static void
parse_format (const char *fmt, GArray *out)
{
  for (const char *p = strchr (fmt, '%'); p; p = strchr (p, '%'))
    {
      guint32 cv;
      p++;
      while (*p == '-' || *p == '+' || *p == ' ' || *p == '#' || *p == '0' || *p == '\'')
        p++;
      if (*p == '*')
        {
          cv = FMT_CV_STAR;
          g_array_append_val (out, cv);
          p++;
        }
      else
        while (g_ascii_isdigit (*p))
          p++;
      enum { P_NONE, P_LIT, P_STAR } pk = P_NONE;
      guint prec = 0;
      if (*p == '.')
        {
          p++;
          if (*p == '*')
            {
              pk = P_STAR;
              cv = FMT_CV_STAR;
              g_array_append_val (out, cv);
              p++;
            }
          else
            for (pk = P_LIT; g_ascii_isdigit (*p); p++)
              prec = MIN (prec * 10 + (guint) (*p - '0'), FMT_PREC_MAX);
        }
      enum { L_INT, L_LONG, L_LLONG, L_SIZE, L_MAX, L_PTRDIFF, L_LDBL } len = L_INT;
      switch (*p)
        {
        case 'h': p += p[1] == 'h' ? 2 : 1; break;
        case 'l': if (p[1] == 'l') { len = L_LLONG; p += 2; } else { len = L_LONG; p++; } break;
        case 'q': len = L_LLONG; p++; break;
        case 'z': len = L_SIZE; p++; break;
        case 'j': len = L_MAX; p++; break;
        case 't': len = L_PTRDIFF; p++; break;
        case 'L': len = L_LDBL; p++; break;
        default: break;
        }
      char c = *p;
      if (c != '\0')
        p++;
      static const guint32 sgn[] = { FMT_CV_INT, FMT_CV_LONG, FMT_CV_LLONG, FMT_CV_SSIZE,
                                      FMT_CV_IMAX, FMT_CV_PTRDIFF, FMT_CV_INT };
      static const guint32 uns[] = { FMT_CV_UINT, FMT_CV_ULONG, FMT_CV_ULLONG, FMT_CV_SIZE,
                                      FMT_CV_UMAX, FMT_CV_UPTRDIFF, FMT_CV_UINT };
      switch (c)
        {
        case 'd': case 'i':
          cv = sgn[len];
          break;
        case 'u': case 'x': case 'X': case 'o':
          cv = uns[len];
          break;
        case 'c':
          cv = FMT_CV_INT;
          break;
        case 's':
          cv = pk == P_STAR ? FMT_CV_STR_STAR
               : pk == P_LIT ? FMT_CV_STR_PREC | prec << 8 : FMT_CV_STR;
          break;
        case 'p':
          cv = FMT_CV_PTR;
          break;
        case 'f': case 'F': case 'g': case 'G': case 'e': case 'E': case 'a': case 'A':
          cv = len == L_LDBL ? FMT_CV_LDBL : FMT_CV_DBL;
          break;
        case '%':
          continue;
        default:
          g_critical ("sim_trace: conversion '%%%c' in \"%s\" is not supported; the "
                      "fingerprint ignores the arguments after it", c ? c : '?', fmt);
          return;
        }
      g_array_append_val (out, cv);
    }
}

static void
cache_grow (SimFmtCache *c)
{
  SimFmtInfo *old = c->slot;
  guint old_cap = c->mask + 1;
  c->mask = old_cap * 2 - 1;
  c->slot = g_new0 (SimFmtInfo, c->mask + 1);
  for (guint k = 0; k < old_cap; k++)
    if (old[k].fmt)
      {
        guint i = (guint) (((guint64) (guintptr) old[k].fmt * FP_K) >> 40) & c->mask;
        while (c->slot[i].fmt)
          i = (i + 1) & c->mask;
        c->slot[i] = old[k];
      }
  g_free (old);
}

const SimFmtInfo *
sim_fmt_cache_miss (SimFmtCache *c, const char *fmt)
{
  if ((c->n + 1) * 2 > c->mask + 1)
    cache_grow (c);
  guint i = (guint) (((guint64) (guintptr) fmt * FP_K) >> 40) & c->mask;
  while (c->slot[i].fmt)
    i = (i + 1) & c->mask;
  SimFmtInfo *e = &c->slot[i];
  e->fmt = fmt;
  e->len = strlen (fmt);
  if (c->formats)
    {
      GArray *cv = g_array_new (TRUE, TRUE, sizeof (guint32));   /* zero-terminated: FMT_CV_END */
      parse_format (fmt, cv);
      e->conv = (guint32 *) (void *) g_array_free (cv, FALSE);
      e->hash = fp_hash_bytes (FP_FMT, fmt, e->len);
    }
  else
    e->hash = fp_hash_bytes (FP_STR, fmt, e->len);
#if SIPSIM_TRACE_FMT_CHECK
  e->copy = g_strdup (fmt);
#endif
  c->n++;
  return e;
}

guint64
sim_fp_fold_args (guint64 h, const SimFmtInfo *fi, va_list *ap)
{
  gint64 star = 0;
  for (const guint32 *cv = fi->conv; *cv != FMT_CV_END; cv++)
    {
      switch (*cv & 0xff)
        {
        case FMT_CV_INT:      h = fp_fold (h, FP_INT ^ (guint64) (gint64) va_arg (*ap, int)); break;
        case FMT_CV_LONG:     h = fp_fold (h, FP_INT ^ (guint64) (gint64) va_arg (*ap, long)); break;
        case FMT_CV_LLONG:    h = fp_fold (h, FP_INT ^ (guint64) (gint64) va_arg (*ap, long long)); break;
        case FMT_CV_SSIZE:    h = fp_fold (h, FP_INT ^ (guint64) (gint64) va_arg (*ap, gssize)); break;
        case FMT_CV_IMAX:     h = fp_fold (h, FP_INT ^ (guint64) (gint64) va_arg (*ap, intmax_t)); break;
        case FMT_CV_PTRDIFF:  h = fp_fold (h, FP_INT ^ (guint64) (gint64) va_arg (*ap, ptrdiff_t)); break;
        case FMT_CV_UINT:     h = fp_fold (h, FP_UINT ^ va_arg (*ap, unsigned int)); break;
        case FMT_CV_ULONG:    h = fp_fold (h, FP_UINT ^ va_arg (*ap, unsigned long)); break;
        case FMT_CV_ULLONG:   h = fp_fold (h, FP_UINT ^ va_arg (*ap, unsigned long long)); break;
        case FMT_CV_SIZE:     h = fp_fold (h, FP_UINT ^ va_arg (*ap, gsize)); break;
        case FMT_CV_UMAX:     h = fp_fold (h, FP_UINT ^ va_arg (*ap, uintmax_t)); break;
        case FMT_CV_UPTRDIFF: h = fp_fold (h, FP_UINT ^ (guint64) va_arg (*ap, ptrdiff_t)); break;
        case FMT_CV_STAR:
          star = va_arg (*ap, int);
          h = fp_fold (h, FP_INT ^ (guint64) star);
          break;
        case FMT_CV_STR:
        case FMT_CV_STR_PREC:
        case FMT_CV_STR_STAR:
          {
            const char *str = va_arg (*ap, const char *);
            if (!str)
              str = "(null)";
            gsize n;
            if ((*cv & 0xff) == FMT_CV_STR)
              n = strlen (str);
            else if ((*cv & 0xff) == FMT_CV_STR_PREC)
              n = strnlen (str, *cv >> 8);
            else
              n = star >= 0 ? strnlen (str, (gsize) star) : strlen (str);   /* C11 7.21.6.1p5 */
            h = fp_fold_str (h, str, n);
            break;
          }
        case FMT_CV_PTR:
          h = fp_fold (h, FP_UINT ^ (guint64) (guintptr) va_arg (*ap, void *));
          break;
        case FMT_CV_DBL:
        case FMT_CV_LDBL:
          {
            double d = (*cv & 0xff) == FMT_CV_LDBL ? (double) va_arg (*ap, long double)
                                                    : va_arg (*ap, double);
            guint64 bits;
            memcpy (&bits, &d, sizeof bits);
            h = fp_fold (h, FP_DBL);
            h = fp_fold (h, bits);
            break;
          }
        default:
          g_assert_not_reached ();
        }
    }
  return h;
}
