/*
 * sim/kernel/rng.h - random streams: xoshiro256** with named, independent streams.
 *
 * Every model instance draws from its own SimRng, derived from (run seed,
 * stream name), so adding a device to a scenario never changes what another
 * device draws (ns-3's RngSeedManager, ROSS's lp->rng).  Nothing here reads a
 * global generator.
 *
 * Generator: xoshiro256** 1.0 (Blackman & Vigna, 2018): 256-bit state, period
 * 2^256 - 1, passes BigCrush, about 1 ns a draw.  A stream's state is four
 * words of SplitMix64 output seeded with mix(run seed) XOR hash(stream name);
 * SplitMix64 is the seeding method the authors recommend, and it never yields
 * the all-zero state.
 *
 * Reproducibility: integer draws are exact on every machine.  Real-valued
 * draws use IEEE-754 doubles and, for exponential and normal, libm's log(),
 * sqrt() and cos(); they are identical wherever libm is (glibc on x86-64 and
 * aarch64 gives the same results for these), which is what "same seed, same
 * bytes" is checked against.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Public so that a model can embed its stream; the fields are private. */
typedef struct {
  guint64 s[4];
} SimRng;

/* Seeds @rng from @seed and the stream @name (copied into nothing: only its
 * hash is kept).  Different names give independent streams. */
void     sim_rng_init          (SimRng *rng, guint64 seed, const char *name);
/* The same, from the name's sim_hash64_str(): a stream is its seed and
 * that hash, nothing else, so two names with one hash are one stream
 * (sim_world_rng_init catches that by the hash). */
void     sim_rng_init_hashed   (SimRng *rng, guint64 seed, guint64 name_hash);

/* Uniform 64-bit word. */
guint64  sim_rng_u64           (SimRng *rng);
/* Uniform integer in [0, n), without modulo bias (Lemire 2019).  n > 0. */
guint64  sim_rng_below         (SimRng *rng, guint64 n);
/* Uniform integer in [lo, hi], both inclusive.  lo <= hi. */
gint64   sim_rng_int_range     (SimRng *rng, gint64 lo, gint64 hi);
/* Uniform real in [0, 1), 53 random bits. */
double   sim_rng_double        (SimRng *rng);
/* Uniform real in [lo, hi). */
double   sim_rng_uniform       (SimRng *rng, double lo, double hi);
/* Exponential with the given mean (> 0): inter-arrival times of a Poisson
 * process of rate 1/mean. */
double   sim_rng_exponential   (SimRng *rng, double mean);
/* Normal (Gaussian) with the given mean and standard deviation (>= 0), by
 * Box-Muller using one of the pair, so each call costs exactly two draws and
 * a stream carries no hidden spare value. */
double   sim_rng_normal        (SimRng *rng, double mean, double sd);
/* Index i in [0, n) with probability weights[i] / sum(weights).  Weights must
 * be finite and >= 0 with a positive sum; zero-weight entries are never
 * chosen.  Costs one draw. */
guint    sim_rng_choose_weighted (SimRng *rng, const double *weights, guint n);

/* Stable 64-bit hash of a string (FNV-1a, then a MurmurHash3 finaliser so
 * that similar names spread over all bits).  Used for stream derivation and
 * exposed for tests. */
guint64  sim_hash64_str        (const char *s);

G_END_DECLS
