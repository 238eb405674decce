/*
 * tests/test-rng.c - xoshiro256** output, stream reproducibility and
 * independence, and the distributions' moments.
 *
 * Statistical checks use a fixed seed, so they are deterministic; their
 * bounds are set at 5 standard errors, derived from the distribution, not
 * from a previous run's output.
 */
#include <math.h>
#include "sim/kernel/world.h"

/* Reference outputs of xoshiro256** for the state {1, 2, 3, 4}, as computed
 * by the authors' C code (and the test vectors of Rust's rand_xoshiro). */
static void
test_reference_vector (void)
{
  SimRng r = { { 1, 2, 3, 4 } };
  const guint64 expect[] = {
    G_GUINT64_CONSTANT (11520), G_GUINT64_CONSTANT (0),
    G_GUINT64_CONSTANT (1509978240), G_GUINT64_CONSTANT (1215971899390074240),
    G_GUINT64_CONSTANT (1216172134540287360), G_GUINT64_CONSTANT (607988272756665600),
    G_GUINT64_CONSTANT (16172922978634559625), G_GUINT64_CONSTANT (8476171486693032832),
    G_GUINT64_CONSTANT (10595114339597558777), G_GUINT64_CONSTANT (2904607092377533576),
  };
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    g_assert_cmpuint (sim_rng_u64 (&r), ==, expect[i]);
}

static void
test_reproducible (void)
{
  SimRng a, b;
  sim_rng_init (&a, 12345, "phone1/reg");
  sim_rng_init (&b, 12345, "phone1/reg");
  for (int i = 0; i < 1000; i++)
    g_assert_cmpuint (sim_rng_u64 (&a), ==, sim_rng_u64 (&b));
}

static void
test_streams_differ (void)
{
  SimRng a, b, c;
  sim_rng_init (&a, 12345, "phone1");
  sim_rng_init (&b, 12345, "phone2");
  sim_rng_init (&c, 12346, "phone1");
  int same_ab = 0, same_ac = 0;
  for (int i = 0; i < 1000; i++)
    {
      guint64 x = sim_rng_u64 (&a), y = sim_rng_u64 (&b), z = sim_rng_u64 (&c);
      same_ab += x == y;
      same_ac += x == z;
    }
  g_assert_cmpint (same_ab, ==, 0);
  g_assert_cmpint (same_ac, ==, 0);
}

/* Adding a stream (a new device) changes nothing another stream draws,
 * whatever the order of creation and interleaving of draws. */
static void
test_stream_independence (void)
{
  guint64 alone[256];
  SimWorld *w1 = sim_world_new (777);
  SimRng a1;
  sim_world_rng_init (w1, &a1, "nat0");
  for (int i = 0; i < 256; i++)
    alone[i] = sim_rng_u64 (&a1);
  sim_world_free (w1);

  SimWorld *w2 = sim_world_new (777);
  SimRng extra[10], a2;
  for (int k = 0; k < 5; k++)
    {
      char name[16];
      g_snprintf (name, sizeof name, "phone%d", k);
      sim_world_rng_init (w2, &extra[k], name);
    }
  sim_world_rng_init (w2, &a2, "nat0");
  for (int i = 0; i < 256; i++)
    {
      for (int k = 0; k < 5; k++)
        (void) sim_rng_u64 (&extra[k]);
      g_assert_cmpuint (sim_rng_u64 (&a2), ==, alone[i]);
    }
  sim_world_free (w2);
}

/* Bit balance of derived streams: over many names, each output bit is set
 * about half the time (catches a weak name hash feeding the state). */
static void
test_stream_bits_balanced (void)
{
  enum { NAMES = 4096 };
  int ones[64] = { 0 };
  for (int i = 0; i < NAMES; i++)
    {
      char name[32];
      g_snprintf (name, sizeof name, "phone%d", i);
      SimRng r;
      sim_rng_init (&r, 1, name);
      guint64 x = sim_rng_u64 (&r);
      for (int b = 0; b < 64; b++)
        ones[b] += (x >> b) & 1;
    }
  /* Binomial(4096, 0.5): sd = 32; 5 sd = 160. */
  for (int b = 0; b < 64; b++)
    g_assert_cmpint (abs (ones[b] - NAMES / 2), <, 160);
}

static void
test_below_range_and_uniformity (void)
{
  enum { BINS = 10, N = 100000 };
  SimRng r;
  sim_rng_init (&r, 1, "below");
  int count[BINS] = { 0 };
  for (int i = 0; i < N; i++)
    {
      guint64 v = sim_rng_below (&r, BINS);
      g_assert_cmpuint (v, <, BINS);
      count[v]++;
    }
  /* Chi-square with 9 degrees of freedom: P(X > 27.88) = 0.001. */
  double chi = 0;
  for (int b = 0; b < BINS; b++)
    {
      double e = (double) N / BINS;
      chi += (count[b] - e) * (count[b] - e) / e;
    }
  g_assert_cmpfloat (chi, <, 27.88);

  /* n = 1 is always 0; a huge n stays below it. */
  for (int i = 0; i < 100; i++)
    {
      g_assert_cmpuint (sim_rng_below (&r, 1), ==, 0);
      g_assert_cmpuint (sim_rng_below (&r, G_MAXUINT64), <, G_MAXUINT64);
    }
}

static void
test_int_range_inclusive (void)
{
  SimRng r;
  sim_rng_init (&r, 1, "range");
  gboolean seen_lo = FALSE, seen_hi = FALSE;
  for (int i = 0; i < 10000; i++)
    {
      gint64 v = sim_rng_int_range (&r, -3, 3);
      g_assert_cmpint (v, >=, -3);
      g_assert_cmpint (v, <=, 3);
      seen_lo |= v == -3;
      seen_hi |= v == 3;
    }
  g_assert_true (seen_lo && seen_hi);
  g_assert_cmpint (sim_rng_int_range (&r, 5, 5), ==, 5);
  (void) sim_rng_int_range (&r, G_MININT64, G_MAXINT64);   /* full span */
}

static void
test_double_moments (void)
{
  enum { N = 200000 };
  SimRng r;
  sim_rng_init (&r, 1, "double");
  double sum = 0;
  for (int i = 0; i < N; i++)
    {
      double u = sim_rng_double (&r);
      g_assert_cmpfloat (u, >=, 0.0);
      g_assert_cmpfloat (u, <, 1.0);
      sum += u;
    }
  /* U(0,1): mean 1/2, sd sqrt(1/12); standard error sd / sqrt(N). */
  double se = sqrt (1.0 / 12) / sqrt (N);
  g_assert_cmpfloat (fabs (sum / N - 0.5), <, 5 * se);
  double v = sim_rng_uniform (&r, 10, 20);
  g_assert_cmpfloat (v, >=, 10);
  g_assert_cmpfloat (v, <, 20);
}

static void
test_exponential_moments (void)
{
  enum { N = 200000 };
  SimRng r;
  sim_rng_init (&r, 1, "exp");
  double mean = 30.0, sum = 0, sumsq = 0;
  for (int i = 0; i < N; i++)
    {
      double x = sim_rng_exponential (&r, mean);
      g_assert_cmpfloat (x, >=, 0);
      sum += x;
      sumsq += x * x;
    }
  /* Exp(mean): sd = mean; var = mean^2. */
  double m = sum / N;
  g_assert_cmpfloat (fabs (m - mean), <, 5 * mean / sqrt (N));
  double var = sumsq / N - m * m;
  g_assert_cmpfloat (fabs (sqrt (var) - mean) / mean, <, 0.02);
}

static void
test_normal_moments (void)
{
  enum { N = 200000 };
  SimRng r;
  sim_rng_init (&r, 1, "normal");
  double mu = 100, sd = 15, sum = 0, sumsq = 0;
  int within1 = 0;
  for (int i = 0; i < N; i++)
    {
      double x = sim_rng_normal (&r, mu, sd);
      sum += x;
      sumsq += x * x;
      within1 += fabs (x - mu) <= sd;
    }
  double m = sum / N;
  g_assert_cmpfloat (fabs (m - mu), <, 5 * sd / sqrt (N));
  double s = sqrt (sumsq / N - m * m);
  g_assert_cmpfloat (fabs (s - sd) / sd, <, 0.02);
  /* P(|Z| <= 1) = 0.682689; binomial se = sqrt(p(1-p)/N) ~ 0.00104. */
  g_assert_cmpfloat (fabs ((double) within1 / N - 0.682689), <, 5 * 0.00104);
}

static void
test_choose_weighted (void)
{
  enum { N = 100000 };
  SimRng r;
  sim_rng_init (&r, 1, "weights");
  const double w[] = { 60, 0, 30, 10 };   /* RFC 2782-style weights */
  int count[4] = { 0 };
  for (int i = 0; i < N; i++)
    count[sim_rng_choose_weighted (&r, w, 4)]++;
  g_assert_cmpint (count[1], ==, 0);
  const double p[] = { 0.6, 0, 0.3, 0.1 };
  for (int i = 0; i < 4; i++)
    if (p[i] > 0)
      {
        double se = sqrt (p[i] * (1 - p[i]) / N);
        g_assert_cmpfloat (fabs ((double) count[i] / N - p[i]), <, 5 * se);
      }
  const double one[] = { 0, 0, 5 };
  for (int i = 0; i < 100; i++)
    g_assert_cmpuint (sim_rng_choose_weighted (&r, one, 3), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rng/1-generator/reference-vector", test_reference_vector);
  g_test_add_func ("/rng/2-streams/reproducible", test_reproducible);
  g_test_add_func ("/rng/2-streams/differ", test_streams_differ);
  g_test_add_func ("/rng/2-streams/independence", test_stream_independence);
  g_test_add_func ("/rng/2-streams/bits-balanced", test_stream_bits_balanced);
  g_test_add_func ("/rng/3-dist/below", test_below_range_and_uniformity);
  g_test_add_func ("/rng/3-dist/int-range", test_int_range_inclusive);
  g_test_add_func ("/rng/3-dist/double", test_double_moments);
  g_test_add_func ("/rng/3-dist/exponential", test_exponential_moments);
  g_test_add_func ("/rng/3-dist/normal", test_normal_moments);
  g_test_add_func ("/rng/3-dist/weighted", test_choose_weighted);
  return g_test_run ();
}
