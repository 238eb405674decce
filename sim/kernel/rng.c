/*
 * sim/kernel/rng.c - xoshiro256** and the distributions on top of it.
 *
 * Notes:
 *  1. The generator is the reference xoshiro256** by Blackman and Vigna
 *     (public domain), state seeded by SplitMix64.
 *  2. sim_rng_below() is Lemire's nearly-divisionless method: one 64x64->128
 *     multiply, and a rejection only when the low word falls in the biased
 *     sliver, so ranges are exact, not "modulo-ish".
 *  3. Distributions consume a fixed number of draws where they can
 *     (normal: 2, exponential: 1, weighted choice: 1), so the position of a
 *     stream after a call does not depend on the value drawn: traces that
 *     diverge in a value do not also diverge in every later draw.
 */
#include "sim/kernel/rng.h"

#include <math.h>

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

guint64
sim_hash64_str (const char *s)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      h ^= *p;
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  /* fmix64 from MurmurHash3: FNV-1a alone leaves the top bits weak for
   * names that differ only in their last character ("phone1", "phone2"). */
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  h ^= h >> 33;
  return h;
}

void
sim_rng_init (SimRng *rng, guint64 seed, const char *name)
{
  g_return_if_fail (rng != NULL);
  g_return_if_fail (name != NULL);
  sim_rng_init_hashed (rng, seed, sim_hash64_str (name));
}

void
sim_rng_init_hashed (SimRng *rng, guint64 seed, guint64 name_hash)
{
  g_return_if_fail (rng != NULL);
  guint64 x = seed;
  guint64 mixed = splitmix64 (&x);
  x = mixed ^ name_hash;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

guint64
sim_rng_u64 (SimRng *rng)
{
  guint64 *s = rng->s;
  const guint64 result = rotl (s[1] * 5, 7) * 9;
  const guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

guint64
sim_rng_below (SimRng *rng, guint64 n)
{
  g_return_val_if_fail (n > 0, 0);

  unsigned __int128 m = (unsigned __int128) sim_rng_u64 (rng) * n;
  guint64 low = (guint64) m;
  if (low < n)
    {
      guint64 threshold = -n % n;
      while (low < threshold)
        {
          m = (unsigned __int128) sim_rng_u64 (rng) * n;
          low = (guint64) m;
        }
    }
  return (guint64) (m >> 64);
}

gint64
sim_rng_int_range (SimRng *rng, gint64 lo, gint64 hi)
{
  g_return_val_if_fail (lo <= hi, lo);

  guint64 span = (guint64) hi - (guint64) lo;
  if (span == G_MAXUINT64)
    return (gint64) sim_rng_u64 (rng);
  return (gint64) ((guint64) lo + sim_rng_below (rng, span + 1));
}

double
sim_rng_double (SimRng *rng)
{
  return (double) (sim_rng_u64 (rng) >> 11) * 0x1.0p-53;
}

double
sim_rng_uniform (SimRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * sim_rng_double (rng);
}

double
sim_rng_exponential (SimRng *rng, double mean)
{
  g_return_val_if_fail (mean > 0, 0);
  /* 1 - u is in (0, 1], so log() never sees 0. */
  return -mean * log (1.0 - sim_rng_double (rng));
}

double
sim_rng_normal (SimRng *rng, double mean, double sd)
{
  g_return_val_if_fail (sd >= 0, mean);
  double u1 = 1.0 - sim_rng_double (rng);   /* (0, 1] */
  double u2 = sim_rng_double (rng);
  return mean + sd * sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

guint
sim_rng_choose_weighted (SimRng *rng, const double *weights, guint n)
{
  g_return_val_if_fail (weights != NULL && n > 0, 0);

  double total = 0;
  for (guint i = 0; i < n; i++)
    {
      g_return_val_if_fail (weights[i] >= 0 && isfinite (weights[i]), 0);
      total += weights[i];
    }
  g_return_val_if_fail (total > 0, 0);

  double x = sim_rng_double (rng) * total;
  guint last = 0;
  for (guint i = 0; i < n; i++)
    {
      if (weights[i] <= 0)
        continue;
      last = i;
      if (x < weights[i])
        return i;
      x -= weights[i];
    }
  /* Rounding can leave x a hair above the last positive weight. */
  return last;
}
