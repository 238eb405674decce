/*
 * tests/test-check.c - `sipsim check`: the statement language, the
 * statistics on data worked out by hand, per-point evaluation, baselines,
 * golden fingerprints, the report and JUnit XML, and the exit status of
 * cli_check_main on a hand-filled database.
 *
 * Expected values come from the definitions in doc/check.md and from
 * textbook tables (Student t), never from the code's output.
 */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <unistd.h>
#include <sqlite3.h>

#include "experiment/check.h"
#include "experiment/runner.h"
#include "cli/commands.h"
#include "experiment/check-private.h"
#include "experiment/run.h"
#include "experiment/store.h"

static const char * const test_metrics[] = {
  "failover_s", "pinhole_survival", "outage_s", NULL
};

static CheckExpect
parse_ok (const char *statement)
{
  CheckExpect e;
  g_autoptr (GError) error = NULL;
  gboolean ok = check_expect_parse (statement, test_metrics, &e, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  return e;
}

static void
parse_bad (const char *statement, const char *message)
{
  CheckExpect e;
  g_autoptr (GError) error = NULL;
  g_assert_false (check_expect_parse (statement, test_metrics, &e, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == CHECK_ERROR);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_null (e.metric);
}

/* ------------------------------------------------------------- 1-parse */

static void
test_parse_good (void)
{
  CheckExpect e = parse_ok ("failover_s p95 <= 40");
  g_assert_cmpstr (e.metric, ==, "failover_s");
  g_assert_cmpint (e.stat.kind, ==, CHECK_STAT_PERCENTILE);
  g_assert_cmpfloat (e.stat.p, ==, 95);
  g_assert_cmpint (e.op, ==, CHECK_OP_LE);
  g_assert_false (e.baseline);
  g_assert_cmpfloat (e.k, ==, 40);
  g_assert_cmpuint (e.where->len, ==, 0);
  check_expect_clear (&e);

  /* no spaces needed around operators; p99.9 */
  e = parse_ok ("failover_s p99.9<=40.5");
  g_assert_cmpfloat (e.stat.p, ==, 99.9);
  g_assert_cmpfloat (e.k, ==, 40.5);
  check_expect_clear (&e);

  e = parse_ok ("pinhole_survival fraction(>= 0.99) >= 0.95");
  g_assert_cmpint (e.stat.kind, ==, CHECK_STAT_FRACTION);
  g_assert_cmpint (e.stat.frac_op, ==, CHECK_OP_GE);
  g_assert_cmpfloat (e.stat.frac_x, ==, 0.99);
  g_assert_cmpint (e.op, ==, CHECK_OP_GE);
  g_assert_cmpfloat (e.k, ==, 0.95);
  g_autofree char *st = check_stat_text (&e.stat);
  g_assert_cmpstr (st, ==, "fraction(>= 0.99)");
  check_expect_clear (&e);

  e = parse_ok ("  outage_s mean_ci95 < 30 where ka=15, nat>=60 ");
  g_assert_cmpint (e.stat.kind, ==, CHECK_STAT_MEAN_CI);
  g_assert_cmpfloat (e.stat.p, ==, 95);
  g_assert_cmpint (e.op, ==, CHECK_OP_LT);
  g_assert_cmpuint (e.where->len, ==, 2);
  CheckCond *c = &g_array_index (e.where, CheckCond, 1);
  g_assert_cmpstr (c->var, ==, "nat");
  g_assert_cmpint (c->op, ==, CHECK_OP_GE);
  g_assert_cmpstr (c->value, ==, "60");
  check_expect_clear (&e);

  e = parse_ok ("failover_s mean <= baseline * 1.1");
  g_assert_true (e.baseline);
  g_assert_cmpint (e.arith, ==, '*');
  g_assert_cmpfloat (e.k, ==, 1.1);
  check_expect_clear (&e);
  e = parse_ok ("failover_s p95 <= baseline + 2");
  g_assert_cmpint (e.arith, ==, '+');
  g_assert_cmpfloat (e.k, ==, 2);
  check_expect_clear (&e);
  e = parse_ok ("failover_s nulls == baseline");
  g_assert_cmpint (e.stat.kind, ==, CHECK_STAT_NULLS);
  g_assert_cmpint (e.op, ==, CHECK_OP_EQ);
  g_assert_true (e.baseline);
  g_assert_cmpint (e.arith, ==, 0);
  check_expect_clear (&e);

  const char *stats[] = { "mean", "median", "min", "max", "stddev", "count", "nulls", "p0",
                          "p100", "mean_ci99" };
  for (gsize i = 0; i < G_N_ELEMENTS (stats); i++)
    {
      g_autofree char *s = g_strdup_printf ("outage_s %s != -1e3", stats[i]);
      if (g_str_has_prefix (stats[i], "mean_ci"))
        {
          g_free (s);
          s = g_strdup_printf ("outage_s %s > -1e3", stats[i]);
        }
      e = parse_ok (s);
      g_assert_cmpfloat (e.k, ==, -1000);
      g_autofree char *back = check_stat_text (&e.stat);
      g_assert_cmpstr (back, ==, stats[i]);
      check_expect_clear (&e);
    }
}

static void
test_parse_bad (void)
{
  parse_bad ("", "expected a metric (failover_s, pinhole_survival, outage_s), "
                 "got the end of the statement");
  parse_bad ("failover p95 <= 40", "expected a metric (failover_s, pinhole_survival, outage_s), "
                                   "got 'failover'");
  parse_bad ("failover_s", "expected a statistic (mean, median, min, max, pN, stddev, count, "
                           "nulls, fraction(OP X), mean_ciN), got the end of the statement");
  parse_bad ("failover_s avg <= 40", "expected a statistic (mean, median, min, max, pN, stddev, "
                                     "count, nulls, fraction(OP X), mean_ciN), got 'avg'");
  parse_bad ("failover_s p101 <= 40",
             "expected a percentile pN with 0 <= N <= 100 (e.g. p95, p99.9), got 'p101'");
  parse_bad ("failover_s p9x <= 40",
             "expected a percentile pN with 0 <= N <= 100 (e.g. p95, p99.9), got 'p9x'");
  parse_bad ("failover_s mean_ci100 <= 40",
             "expected a confidence level mean_ciN with 0 < N < 100 (e.g. mean_ci95), got 'mean_ci100'");
  parse_bad ("failover_s mean_ci95 == 40",
             "expected <, <=, > or >= with mean_ci95 (one end of the interval is compared), got '=='");
  parse_bad ("failover_s p95 =< 40", "expected a comparison (<, <=, >, >=, ==, !=), got '=<'");
  parse_bad ("failover_s p95 = 40", "expected a comparison (<, <=, >, >=, ==, !=), got '='");
  parse_bad ("failover_s p95 <=", "expected a bound (a number, baseline, baseline + X, "
                                  "baseline - X, baseline * X), got the end of the statement");
  parse_bad ("failover_s p95 <= 40s", "expected a bound (a number, baseline, baseline + X, "
                                      "baseline - X, baseline * X), got '40s'");
  parse_bad ("failover_s p95 <= baseline + x", "expected a bound (a number, baseline, baseline + X, "
                                               "baseline - X, baseline * X), got 'baseline'");
  parse_bad ("failover_s p95 <= 40 when ka=15",
             "expected 'where' or the end of the statement, got 'when'");
  parse_bad ("failover_s p95 <= 40 where ka",
             "expected VAR=VALUE[,VAR=VALUE] after where, got 'ka'");
  parse_bad ("failover_s p95 <= 40 where ka=15,",
             "expected VAR=VALUE[,VAR=VALUE] after where, got the end of the statement");
  parse_bad ("pinhole_survival fraction(0.99) >= 0.9",
             "expected fraction(OP X), e.g. fraction(>= 0.99), got 'fraction(0.99)'");
  parse_bad ("pinhole_survival fraction(>= 0.99 >= 0.9",
             "expected fraction(OP X), e.g. fraction(>= 0.99), got 'fraction(>='");
  parse_bad ("failover_s p95 <= nan", "expected a bound (a number, baseline, baseline + X, "
                                      "baseline - X, baseline * X), got 'nan'");
}

static void
test_parse_golden (void)
{
  CheckGolden g;
  g_autoptr (GError) error = NULL;
  g_assert_true (check_golden_parse ("ka=15,nat=60#3 9f3c0a1b2c3d4e5f", &g, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g.point_key, ==, "ka=15,nat=60");
  g_assert_cmpuint (g.replication, ==, 3);
  g_assert_cmpuint (g.fingerprint, ==, G_GUINT64_CONSTANT (0x9f3c0a1b2c3d4e5f));
  check_golden_clear (&g);
  /* no sweep: the point key is empty; hex in either case */
  g_assert_true (check_golden_parse ("  #0\t00000000000000FF ", &g, &error));
  g_assert_cmpstr (g.point_key, ==, "");
  g_assert_cmpuint (g.fingerprint, ==, 255);
  check_golden_clear (&g);

  const struct { const char *value, *message; } bad[] = {
    { "ka=15 9f3c0a1b2c3d4e5f", "expected POINT_KEY#REP FINGERPRINT (e.g. 'ka=15,nat=60#0 9f3c0a1b2c3d4e5f', "
                                "'#0 9f3c0a1b2c3d4e5f' without a sweep), got 'ka=15 9f3c0a1b2c3d4e5f'" },
    { "ka=15#x 9f3c0a1b2c3d4e5f", "expected POINT_KEY#REP FINGERPRINT (e.g. 'ka=15,nat=60#0 9f3c0a1b2c3d4e5f', "
                                  "'#0 9f3c0a1b2c3d4e5f' without a sweep), got 'ka=15#x 9f3c0a1b2c3d4e5f'" },
    { "ka=15#0", "expected POINT_KEY#REP FINGERPRINT (e.g. 'ka=15,nat=60#0 9f3c0a1b2c3d4e5f', "
                 "'#0 9f3c0a1b2c3d4e5f' without a sweep), got 'ka=15#0'" },
    { "ka=15#0 9f3c", "expected a fingerprint of 16 hex digits, got '9f3c'" },
    { "ka=15#0 9f3c0a1b2c3d4e5g", "expected a fingerprint of 16 hex digits, got '9f3c0a1b2c3d4e5g'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_false (check_golden_parse (bad[i].value, &g, &error));
      g_assert_error (error, CHECK_ERROR, CHECK_ERROR_PARSE);
      g_assert_cmpstr (error->message, ==, bad[i].message);
    }
}

/* ------------------------------------------------------------- 2-stat */

static double
stat_of (const char *stat, const double *v, guint n, guint n_null)
{
  g_autofree char *s = g_strdup_printf ("outage_s %s > 0", stat);
  CheckExpect e = parse_ok (s);
  CheckSample sample = { v, n, n_null };
  CheckValue out;
  g_assert_cmpint (check_stat_compute (&e.stat, &sample, &out), ==, CHECK_STAT_OK);
  check_expect_clear (&e);
  return out.value;
}

/* 1..100 in a scrambled order (37 is coprime with 100). */
static void
fill_1_to_100 (double *v)
{
  for (guint i = 0; i < 100; i++)
    v[i] = (i * 37) % 100 + 1;
}

static void
test_stat_percentiles (void)
{
  double v[100];
  fill_1_to_100 (v);
  /* nearest rank: the value of rank ceil(p n / 100) */
  g_assert_cmpfloat (stat_of ("p95", v, 100, 0), ==, 95);
  g_assert_cmpfloat (stat_of ("p99", v, 100, 0), ==, 99);
  g_assert_cmpfloat (stat_of ("p99.9", v, 100, 0), ==, 100);   /* rank ceil(99.9) = 100 */
  g_assert_cmpfloat (stat_of ("p50", v, 100, 0), ==, 50);
  g_assert_cmpfloat (stat_of ("p0", v, 100, 0), ==, 1);
  g_assert_cmpfloat (stat_of ("p100", v, 100, 0), ==, 100);
  g_assert_cmpfloat (stat_of ("p0.5", v, 100, 0), ==, 1);      /* rank ceil(0.5) = 1 */
  g_assert_cmpfloat (stat_of ("p1.5", v, 100, 0), ==, 2);
  /* median averages the two middle values; p50 does not */
  g_assert_cmpfloat (stat_of ("median", v, 100, 0), ==, 50.5);
  g_assert_cmpfloat (stat_of ("min", v, 100, 0), ==, 1);
  g_assert_cmpfloat (stat_of ("max", v, 100, 0), ==, 100);
  g_assert_cmpfloat (stat_of ("mean", v, 100, 0), ==, 50.5);
  /* 10 values: p95 is rank ceil(9.5) = 10, p90 rank 9 */
  double w[10] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
  g_assert_cmpfloat (stat_of ("p95", w, 10, 0), ==, 10);
  g_assert_cmpfloat (stat_of ("p90", w, 10, 0), ==, 9);
  g_assert_cmpfloat (stat_of ("median", w, 9, 0), ==, 6);      /* 10..2: odd count */
  /* the caller's array is not reordered */
  g_assert_cmpfloat (w[0], ==, 10);
}

static void
test_stat_moments (void)
{
  /* the textbook set: mean 5, sum of squares 32, sample sd sqrt(32/7) */
  double v[8] = { 2, 4, 4, 4, 5, 5, 7, 9 };
  g_assert_cmpfloat (stat_of ("mean", v, 8, 0), ==, 5);
  g_assert_cmpfloat_with_epsilon (stat_of ("stddev", v, 8, 0), sqrt (32.0 / 7), 1e-12);
  g_assert_cmpfloat (stat_of ("count", v, 8, 3), ==, 8);
  g_assert_cmpfloat (stat_of ("nulls", v, 8, 3), ==, 3);
  g_assert_cmpfloat (stat_of ("nulls", v, 0, 3), ==, 3);
  g_assert_cmpfloat (stat_of ("count", v, 0, 3), ==, 0);

  double s[4] = { 1, 0.99, 0.98, 0.5 };
  g_assert_cmpfloat (stat_of ("fraction(>= 0.99)", s, 4, 0), ==, 0.5);
  g_assert_cmpfloat (stat_of ("fraction(< 0.99)", s, 4, 0), ==, 0.5);
  g_assert_cmpfloat (stat_of ("fraction(== 1)", s, 4, 7), ==, 0.25);   /* NULLs are not counted */
  g_assert_cmpfloat (stat_of ("fraction(!= 1)", s, 4, 0), ==, 0.75);
}

static void
test_stat_student_t (void)
{
  /* two-sided 95 % and 99 % critical values from the usual t table */
  g_assert_cmpfloat_with_epsilon (check_student_t_quantile (0.975, 9), 2.262, 0.0005);
  g_assert_cmpfloat_with_epsilon (check_student_t_quantile (0.975, 1), 12.706, 0.0005);
  g_assert_cmpfloat_with_epsilon (check_student_t_quantile (0.975, 30), 2.042, 0.0005);
  g_assert_cmpfloat_with_epsilon (check_student_t_quantile (0.995, 9), 3.250, 0.0005);
  g_assert_cmpfloat_with_epsilon (check_student_t_quantile (0.95, 9), 1.833, 0.0005);
  g_assert_cmpfloat_with_epsilon (check_student_t_quantile (0.975, 1000), 1.962, 0.0005);
  g_assert_cmpfloat_with_epsilon (check_student_t_quantile (0.025, 9), -2.262, 0.0005);

  /* 1..10: mean 5.5, s^2 = 82.5 / 9; half width t(0.975, 9) s / sqrt(10) */
  double v[10] = { 3, 1, 4, 10, 5, 9, 2, 6, 8, 7 };
  CheckExpect e = parse_ok ("outage_s mean_ci95 > 0");
  CheckSample sample = { v, 10, 2 };
  CheckValue out;
  g_assert_cmpint (check_stat_compute (&e.stat, &sample, &out), ==, CHECK_STAT_OK);
  double half = 2.262 * sqrt (82.5 / 9) / sqrt (10);
  g_assert_cmpfloat (out.value, ==, 5.5);
  g_assert_cmpfloat_with_epsilon (out.lo, 5.5 - half, 0.0005);
  g_assert_cmpfloat_with_epsilon (out.hi, 5.5 + half, 0.0005);
  check_expect_clear (&e);
}

static void
test_stat_empty (void)
{
  double v[1] = { 4 };
  CheckValue out;
  CheckExpect e = parse_ok ("failover_s p95 <= 40");
  CheckSample none = { v, 0, 5 }, no_runs = { v, 0, 0 }, one = { v, 1, 0 };
  g_assert_cmpint (check_stat_compute (&e.stat, &none, &out), ==, CHECK_STAT_NO_VALUES);
  g_assert_cmpint (check_stat_compute (&e.stat, &no_runs, &out), ==, CHECK_STAT_NO_RUNS);
  g_assert_cmpint (check_stat_compute (&e.stat, &one, &out), ==, CHECK_STAT_OK);
  g_assert_cmpfloat (out.value, ==, 4);
  check_expect_clear (&e);
  e = parse_ok ("failover_s stddev <= 40");
  g_assert_cmpint (check_stat_compute (&e.stat, &one, &out), ==, CHECK_STAT_TOO_FEW);
  check_expect_clear (&e);
  e = parse_ok ("failover_s mean_ci95 <= 40");
  g_assert_cmpint (check_stat_compute (&e.stat, &one, &out), ==, CHECK_STAT_TOO_FEW);
  check_expect_clear (&e);
}

/* ------------------------------------------------------------- 3-eval */

static void
test_where (void)
{
  CheckExpect e = parse_ok ("failover_s p95 <= 40 where ka=15,nat>=60");
  g_assert_true (check_where_matches (e.where, "ka=15,nat=60"));
  g_assert_true (check_where_matches (e.where, "ka=15.0,nat=90"));   /* numeric equality */
  g_assert_false (check_where_matches (e.where, "ka=15,nat=30"));
  g_assert_false (check_where_matches (e.where, "ka=30,nat=60"));
  g_assert_false (check_where_matches (e.where, "ka=15"));           /* no such variable */
  check_expect_clear (&e);
  e = parse_ok ("failover_s p95 <= 40 where kind=options, ka!=15, nat<60");
  g_assert_true (check_where_matches (e.where, "ka=30,nat=30,kind=options"));
  g_assert_false (check_where_matches (e.where, "ka=30,nat=30,kind=crlf"));
  g_assert_false (check_where_matches (e.where, "ka=15,nat=30,kind=options"));
  check_expect_clear (&e);
  /* an order between texts matches nothing */
  e = parse_ok ("failover_s p95 <= 40 where kind<x");
  g_assert_false (check_where_matches (e.where, "kind=a"));
  check_expect_clear (&e);
  /* no where: every point, also the point of a scenario without sweep */
  e = parse_ok ("failover_s p95 <= 40");
  g_assert_true (check_where_matches (e.where, ""));
  check_expect_clear (&e);
}

static gboolean
eval (const char *statement, const CheckSample *s, const CheckSample *base, const char *want_text)
{
  CheckExpect e = parse_ok (statement);
  g_autofree char *text = NULL;
  gboolean pass = check_expect_eval (&e, s, base, &text);
  g_assert_cmpstr (text, ==, want_text);
  check_expect_clear (&e);
  return pass;
}

static void
test_eval (void)
{
  double v[100];
  fill_1_to_100 (v);
  CheckSample s = { v, 100, 0 };
  g_assert_true (eval ("failover_s p95 <= 95", &s, NULL, "failover_s p95 = 95 <= 95 (n=100)"));
  g_assert_false (eval ("failover_s p95 < 95", &s, NULL, "failover_s p95 = 95, not < 95 (n=100)"));
  g_assert_true (eval ("failover_s count == 100", &s, NULL, "failover_s count = 100 == 100 (n=100)"));

  double ten[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
  CheckSample t = { ten, 10, 1 };
  /* the interval 5.5 -+ 2.166: > compares its lower end, < its upper end */
  g_assert_true (eval ("failover_s mean_ci95 > 3.3", &t, NULL,
                       "failover_s mean_ci95 = 5.5 [3.33415, 7.66585], lower end 3.33415 > 3.3 (n=10, 1 NULL)"));
  g_assert_false (eval ("failover_s mean_ci95 > 3.4", &t, NULL,
                        "failover_s mean_ci95 = 5.5 [3.33415, 7.66585], lower end 3.33415, not > 3.4 (n=10, 1 NULL)"));
  g_assert_false (eval ("failover_s mean_ci95 <= 7.6", &t, NULL,
                        "failover_s mean_ci95 = 5.5 [3.33415, 7.66585], upper end 7.66585, not <= 7.6 (n=10, 1 NULL)"));
  /* the mean alone would pass */
  g_assert_true (eval ("failover_s mean <= 7.6", &t, NULL, "failover_s mean = 5.5 <= 7.6 (n=10, 1 NULL)"));

  /* no values: a breach that says why */
  CheckSample nulls = { ten, 0, 3 }, empty = { ten, 0, 0 };
  g_assert_false (eval ("failover_s p95 <= 40", &nulls, NULL,
                        "no values: failover_s is NULL in every run (3 runs) - no fault hit?"));
  g_assert_false (eval ("outage_s max <= 40", &empty, NULL, "no ok runs at this point"));
  /* but nulls and count are defined */
  g_assert_true (eval ("failover_s nulls == 3", &nulls, NULL, "failover_s nulls = 3 == 3 (n=0, 3 NULL)"));
}

static void
test_eval_baseline (void)
{
  double now[4] = { 10, 11, 10, 11 };      /* mean 10.5, max 11 */
  double before[4] = { 9, 11, 9, 11 };     /* mean 10 */
  CheckSample s = { now, 4, 0 }, b = { before, 4, 0 };
  g_assert_true (eval ("failover_s mean <= baseline * 1.1", &s, &b,
                       "failover_s mean = 10.5 <= 11 (baseline 10 * 1.1) (n=4)"));
  g_assert_false (eval ("failover_s mean <= baseline + 0.25", &s, &b,
                        "failover_s mean = 10.5, not <= 10.25 (baseline 10 + 0.25) (n=4)"));
  g_assert_true (eval ("failover_s mean >= baseline - 0.5", &s, &b,
                       "failover_s mean = 10.5 >= 9.5 (baseline 10 - 0.5) (n=4)"));
  g_assert_true (eval ("failover_s max == baseline", &s, &b,
                       "failover_s max = 11 == 11 (baseline) (n=4)"));
  g_assert_false (eval ("failover_s mean <= baseline", &s, NULL, "the baseline has no run at this point"));
  CheckSample bnull = { before, 0, 4 };
  g_assert_false (eval ("failover_s mean <= baseline", &s, &bnull,
                        "baseline: no values: failover_s is NULL in every run (4 runs) - no fault hit?"));
}

/* ------------------------------------------------------------- 4-report */

typedef struct {
  guint testsuites, testsuite, testcases, failures;
  char *suite_name;
  char *last_failure_message;
  GPtrArray *names;
} JunitCount;

static void
junit_start (GMarkupParseContext *ctx, const char *element, const char **names,
             const char **values, gpointer user_data, GError **error)
{
  JunitCount *jc = user_data;
  if (strcmp (element, "testsuites") == 0)
    jc->testsuites++;
  else if (strcmp (element, "testsuite") == 0)
    {
      jc->testsuite++;
      for (guint i = 0; names[i]; i++)
        if (strcmp (names[i], "name") == 0)
          jc->suite_name = g_strdup (values[i]);
    }
  else if (strcmp (element, "testcase") == 0)
    {
      jc->testcases++;
      for (guint i = 0; names[i]; i++)
        if (strcmp (names[i], "name") == 0)
          g_ptr_array_add (jc->names, g_strdup (values[i]));
    }
  else if (strcmp (element, "failure") == 0)
    {
      jc->failures++;
      for (guint i = 0; names[i]; i++)
        if (strcmp (names[i], "message") == 0)
          {
            g_free (jc->last_failure_message);
            jc->last_failure_message = g_strdup (values[i]);
          }
    }
}

static void
junit_parse (const char *xml, JunitCount *jc)
{
  GMarkupParser parser = { .start_element = junit_start };
  memset (jc, 0, sizeof *jc);
  jc->names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GMarkupParseContext) ctx = g_markup_parse_context_new (&parser, 0, jc, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_markup_parse_context_parse (ctx, xml, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
}

static void
junit_clear (JunitCount *jc)
{
  g_free (jc->suite_name);
  g_free (jc->last_failure_message);
  g_ptr_array_unref (jc->names);
}

static void
test_report (void)
{
  g_autoptr (CheckReport) r = check_report_new ("nat <sweep> & \"friends\"");
  check_report_add (r, "runs_ok", NULL, TRUE, "all 4 runs ok");
  check_report_add (r, "fast", "ka=15,kind=a&b", TRUE, "failover_s p95 = 3 <= 40 (n=2)");
  check_report_add (r, "fast", "ka=30,kind=<x>", FALSE, "failover_s p95 = 45, not <= 40 & \"so\" (n=2)");
  check_report_add (r, "pin", NULL, FALSE, "#0: fingerprint 0000000000000001, pinned 0000000000000002");
  g_assert_cmpuint (check_report_n (r), ==, 4);
  g_assert_cmpuint (check_report_failed (r), ==, 2);

  g_autofree char *xml = check_report_junit (r);
  JunitCount jc;
  junit_parse (xml, &jc);
  g_assert_cmpuint (jc.testsuites, ==, 1);
  g_assert_cmpuint (jc.testsuite, ==, 1);
  g_assert_cmpuint (jc.testcases, ==, 4);
  g_assert_cmpuint (jc.failures, ==, 2);
  g_assert_cmpstr (jc.suite_name, ==, "nat <sweep> & \"friends\"");
  g_assert_cmpstr (g_ptr_array_index (jc.names, 1), ==, "fast [ka=15,kind=a&b]");
  g_assert_cmpstr (g_ptr_array_index (jc.names, 2), ==, "fast [ka=30,kind=<x>]");
  g_assert_cmpstr (jc.last_failure_message, ==, "#0: fingerprint 0000000000000001, pinned 0000000000000002");
  junit_clear (&jc);

  /* the text report: one line per testcase and a summary */
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("check-report-XXXXXX", &path, NULL);
  g_assert_cmpint (fd, >=, 0);
  FILE *fp = fdopen (fd, "w");
  check_report_print (r, fp);
  fclose (fp);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_unlink (path);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 6);   /* 5 lines and the empty tail */
  g_assert_true (g_str_has_prefix (lines[0], "PASS  runs_ok "));
  g_assert_true (g_str_has_prefix (lines[2], "FAIL  fast [ka=30,kind=<x>]  failover_s p95 = 45"));
  g_assert_cmpstr (lines[4], ==, "nat <sweep> & \"friends\": 4 checks, 2 passed, 2 failed");
}


/* ------------------------------------------------------------- 5-main */

/* A small scenario: two sweep points (ka=15, ka=30), three replications.
 * Its [expect]/[golden] lines are appended by each test. */
static const char scenario_head[] =
  "[scenario]\n"                                   /* line 1 */
  "name = check-test\n"
  "duration = 1h\n"
  "seed = 5\n"
  "replications = 3\n"                             /* line 5 */
  "\n"
  "[proxy pbx]\n"
  "address = 198.51.100.10\n"
  "\n"
  "[sweep]\n"                                      /* line 10 */
  "ka = 15, 30\n"
  "\n"
  "[device phone]\n"
  "profile = obihai\n"
  "SP1::AuthUserName = alice\n"                    /* line 15 */
  "SP1::ProxyServer = 198.51.100.10\n"
  "SP1::X_KeepAliveEnable = true\n"
  "SP1::X_KeepAliveExpires = ${ka}\n"
  "\n";                                            /* the tail starts at line 20 */

/* The hand-made results: failover_s and pinhole_survival of each run
 * (NAN = NULL), fingerprints 0x10 * (point + 1) + rep. */
typedef struct {
  double failover[2][3];
  double survival[2][3];
  gboolean fail_run;          /* ka=30#2 failed */
  gboolean drop_run;          /* ka=30#2 not stored */
  gboolean only_ka15;         /* ka=30 not stored at all */
} Results;

static const Results results_default = {
  .failover = { { 10, 20, 30 }, { NAN, NAN, NAN } },
  .survival = { { 1, 1, 0.98 }, { 0.5, 0.6, 0.7 } },
};

typedef struct {
  char *dir;
  char *scenario;
  char *db;
  char *xml;
  char *out;
} MainFixture;

static void
metric_row_clear (gpointer p)
{
  RunMetric *m = p;
  g_free (m->unit);
  g_free (m->name);
}

static void
add_metric (GArray *a, const char *unit, const char *name, double v)
{
  RunMetric m = { g_strdup (unit), g_strdup (name), isnan (v) ? 0 : v, isnan (v) };
  g_array_append_val (a, m);
}

/* Stores @res as the experiment of @sc under @name and @text (the
 * scenario's own by default) into @db. */
static void
fill_db (const Scenario *sc, const char *db, const char *name, const char *text,
         const Results *res)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (Store) store = store_open (db, &error);
  g_assert_no_error (error);
  gint64 exp = store_experiment (store, name ? name : scenario_get_name (sc),
                                 text ? text : scenario_get_text (sc),
                                 scenario_get_seed (sc), &error);
  g_assert_no_error (error);
  g_assert_cmpint (exp, >, 0);
  g_assert_cmpuint (scenario_get_n_points (sc), ==, 2);
  for (guint i = 0; i < 2; i++)
    for (guint r = 0; r < 3; r++)
      {
        if (i == 1 && (res->only_ka15 || (r == 2 && res->drop_run)))
          continue;
        const ScenarioPoint *pt = scenario_get_point (sc, i);
        StoreRun *run = runner_store_run_new (exp, sc, i, r, scenario_run_seed (sc, pt, r));
        RunResult *rr = g_new0 (RunResult, 1);
        rr->metrics = g_array_new (FALSE, TRUE, sizeof (RunMetric));
        g_array_set_clear_func (rr->metrics, metric_row_clear);
        if (i == 1 && r == 2 && res->fail_run)
          rr->error = g_strdup ("proxy refused the spec");
        else
          {
            rr->fingerprint = 0x10 * (i + 1) + r;
            rr->sim_time = SIM_S (3600);
            rr->n_devices = 1;
            add_metric (rr->metrics, "", "failover_s", res->failover[i][r]);
            add_metric (rr->metrics, "", "pinhole_survival", res->survival[i][r]);
          }
        run->result = rr;
        g_assert_true (store_put_run (store, run, &error));
        g_assert_no_error (error);
      }
}

static void
mf_init (MainFixture *f, const char *tail)
{
  f->dir = g_dir_make_tmp ("test-check-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->scenario = g_build_filename (f->dir, "s.ini", NULL);
  f->db = g_build_filename (f->dir, "r.db", NULL);
  f->xml = g_build_filename (f->dir, "junit.xml", NULL);
  f->out = g_build_filename (f->dir, "out.txt", NULL);
  g_autofree char *text = g_strconcat (scenario_head, tail, NULL);
  g_assert_true (g_file_set_contents (f->scenario, text, -1, NULL));
}

static Scenario *
mf_load (MainFixture *f)
{
  g_autoptr (GError) error = NULL;
  Scenario *sc = scenario_load (f->scenario, &error);
  g_assert_no_error (error);
  return sc;
}

static void
rm_rf (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

static void
mf_clear (MainFixture *f)
{
  rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->scenario);
  g_free (f->db);
  g_free (f->xml);
  g_free (f->out);
}

/* cli_check_main with @args (NULL-terminated) after "check"; its stdout goes
 * to f->out. */
static int
run_check (MainFixture *f, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, "check");
  va_list ap;
  va_start (ap, f);
  for (const char *a; (a = va_arg (ap, const char *));)
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  char **v = (char **) g_ptr_array_free (argv, FALSE);
  int argc = g_strv_length (v);
  char **copy = g_memdup2 (v, (argc + 1) * sizeof (char *));   /* GOption rearranges */

  fflush (stdout);
  int saved = dup (1);
  int fd = open (f->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  g_assert_cmpint (fd, >=, 0);
  dup2 (fd, 1);
  close (fd);
  int status = cli_check_main (argc, copy);
  fflush (stdout);
  dup2 (saved, 1);
  close (saved);
  g_free (copy);
  g_free (v);
  return status;
}

/* Not inlined: gcc 12 at -O3 inlines g_file_get_contents' out-parameter
 * and then warns (-Wdangling-pointer) that the caller's strstr on the
 * returned string may use the local; it cannot, the string is returned. */
static G_GNUC_NO_INLINE char *
mf_output (MainFixture *f)
{
  char *text = NULL;
  g_assert_true (g_file_get_contents (f->out, &text, NULL, NULL));
  return text;
}

static void
assert_contains (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("'%s' not found in:\n%s", needle, haystack);
}

static void
test_main_pass (void)
{
  MainFixture f;
  mf_init (&f,
           "[expect]\n"
           "fast = failover_s max <= 30 where ka=15\n"
           "median = failover_s median == 20 where ka=15\n"
           "survive = pinhole_survival min >= 0.5\n"
           "some-null = failover_s nulls == 3 where ka=30\n"
           "\n"
           "[golden]\n"
           "g = ka=15#1 0000000000000011\n");
  g_autoptr (Scenario) sc = mf_load (&f);
  fill_db (sc, f.db, NULL, NULL, &results_default);
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "-q", "--junit", f.xml, NULL),
                   ==, 0);
  g_autofree char *out = mf_output (&f);
  assert_contains (out, "PASS  fast [ka=15]");
  assert_contains (out, "failover_s max = 30 <= 30 (n=3)");
  assert_contains (out, "PASS  survive [ka=30]");
  assert_contains (out, "check-test: 7 checks, 7 passed, 0 failed");

  g_autofree char *xml = NULL;
  g_assert_true (g_file_get_contents (f.xml, &xml, NULL, NULL));
  JunitCount jc;
  junit_parse (xml, &jc);
  /* runs_ok, fast, median, survive x 2 points, some-null, g */
  g_assert_cmpuint (jc.testcases, ==, 7);
  g_assert_cmpuint (jc.failures, ==, 0);
  g_assert_cmpstr (jc.suite_name, ==, "check-test");
  junit_clear (&jc);
  mf_clear (&f);
}

static void
test_main_breach (void)
{
  MainFixture f;
  mf_init (&f,
           "[expect]\n"
           "p95 = failover_s p95 <= 40\n"
           "frac = pinhole_survival fraction(>= 0.99) >= 0.6\n"
           "\n"
           "[golden]\n"
           "g = ka=30#0 00000000000000ff\n");
  g_autoptr (Scenario) sc = mf_load (&f);
  fill_db (sc, f.db, NULL, NULL, &results_default);
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "--junit", f.xml, NULL), ==, 1);
  g_autofree char *out = mf_output (&f);
  assert_contains (out, "PASS  p95 [ka=15]   failover_s p95 = 30 <= 40 (n=3)");
  assert_contains (out, "FAIL  p95 [ka=30]   no values: failover_s is NULL in every run (3 runs) - no fault hit?");
  /* 2 of 3 survivals >= 0.99 at ka=15, none at ka=30 */
  assert_contains (out, "PASS  frac [ka=15]  pinhole_survival fraction(>= 0.99) = 0.666667 >= 0.6 (n=3)");
  assert_contains (out, "FAIL  frac [ka=30]  pinhole_survival fraction(>= 0.99) = 0, not >= 0.6 (n=3)");
  assert_contains (out, "FAIL  g             ka=30#0: fingerprint 0000000000000020, pinned 00000000000000ff");
  assert_contains (out, "check-test: 6 checks, 3 passed, 3 failed");

  g_autofree char *xml = NULL;
  g_assert_true (g_file_get_contents (f.xml, &xml, NULL, NULL));
  JunitCount jc;
  junit_parse (xml, &jc);
  g_assert_cmpuint (jc.testcases, ==, 6);
  g_assert_cmpuint (jc.failures, ==, 3);
  g_assert_cmpstr (jc.last_failure_message, ==,
                   "ka=30#0: fingerprint 0000000000000020, pinned 00000000000000ff (behaviour changed, "
                   "or the pin predates fingerprint version 3)");
  junit_clear (&jc);
  mf_clear (&f);
}

static void
test_main_failed_run (void)
{
  MainFixture f;
  mf_init (&f, "[expect]\nsurvive = pinhole_survival min >= 0.5\n");
  g_autoptr (Scenario) sc = mf_load (&f);
  Results res = results_default;
  res.fail_run = TRUE;
  fill_db (sc, f.db, NULL, NULL, &res);
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", NULL), ==, 1);
  g_autofree char *out = mf_output (&f);
  assert_contains (out, "FAIL  runs_ok");
  assert_contains (out, "1 of 6 runs failed; first: ka=30#2: proxy refused the spec");
  /* the statements still hold on the ok runs; n counts them */
  assert_contains (out, "PASS  survive [ka=30]  pinhole_survival min = 0.5 >= 0.5 (n=2)");
  mf_clear (&f);
}

static void
test_main_input_errors (void)
{
  MainFixture f;
  mf_init (&f, "[expect]\nsurvive = pinhole_survival min >= 0.5\n"
               "slower = failover_s mean <= baseline + 1 where ka=15\n");
  g_autoptr (Scenario) sc = mf_load (&f);
  Results res = results_default;
  res.drop_run = TRUE;

  /* no database at all with --no-run */
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "--baseline", f.db, NULL), ==, 2);
  fill_db (sc, f.db, NULL, NULL, &res);
  /* a run missing with --no-run */
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "--baseline", f.db, NULL), ==, 2);
  /* ... not when the filter leaves its point out */
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "--baseline", f.db,
                              "--filter", "ka=15", NULL), ==, 0);
  /* baseline in a bound and no --baseline */
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "--filter", "ka=15", NULL), ==, 2);
  /* usage */
  g_assert_cmpint (run_check (&f, NULL), ==, 2);
  g_assert_cmpint (run_check (&f, f.scenario, "--bogus", NULL), ==, 2);
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "--baseline", f.db,
                              "--filter", "nope=1", NULL), ==, 2);
  mf_clear (&f);
}

static void
test_main_baseline (void)
{
  MainFixture f;
  mf_init (&f, "[expect]\n"
               "slower = failover_s mean <= baseline + 1 where ka=15\n"
               "survive = pinhole_survival mean >= baseline - 0.1\n");
  g_autoptr (Scenario) sc = mf_load (&f);
  fill_db (sc, f.db, NULL, NULL, &results_default);
  g_autofree char *base = g_build_filename (f.dir, "base.db", NULL);
  /* the baseline: another scenario text of the same name, only ka=15;
   * failover mean 19, so the bound is 20 and the current mean 20 holds */
  Results old = results_default;
  old.only_ka15 = TRUE;
  old.failover[0][0] = 15;
  old.failover[0][1] = 20;
  old.failover[0][2] = 22;
  fill_db (sc, base, NULL, "[scenario]\nname = check-test\n# an older version\n", &old);
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "--baseline", base, NULL), ==, 1);
  g_autofree char *out = mf_output (&f);
  assert_contains (out, "PASS  slower [ka=15]   failover_s mean = 20 <= 20 (baseline 19 + 1) (n=3)");
  assert_contains (out, "PASS  survive [ka=15]  pinhole_survival mean = 0.993333 >= 0.893333 (baseline 0.993333 - 0.1) (n=3)");
  assert_contains (out, "FAIL  survive [ka=30]  the baseline has no run at this point");

  /* a baseline database without an experiment of that name */
  g_autofree char *other = g_build_filename (f.dir, "other.db", NULL);
  fill_db (sc, other, "another-name", "x", &old);
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "--baseline", other, NULL), ==, 2);
  mf_clear (&f);
}

/* A run stored with another fingerprint version (a file an older sipsim
 * wrote, resumed by this one) is never compared with a pin: its old
 * fingerprint could match an old pin although this sipsim would compute
 * another.  Check fails naming the version; --print-golden does not offer
 * it as a pin. */
static void
test_main_other_version (void)
{
  MainFixture f;
  mf_init (&f, "[golden]\ng = ka=15#1 0000000000000011\n");
  g_autoptr (Scenario) sc = mf_load (&f);
  fill_db (sc, f.db, NULL, NULL, &results_default);
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (f.db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE run SET fingerprint_version = 2"
                                 " WHERE point_key = 'ka=15' AND replication = 1",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", NULL), ==, 1);
  g_autofree char *out = mf_output (&f);
  assert_contains (out, "FAIL  g");
  assert_contains (out, "ka=15#1: stored with fingerprint version 2, pins are version 3");
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "--print-golden", NULL), ==, 0);
  g_autofree char *pins = mf_output (&f);
  assert_contains (pins, "ka15_r0 = ka=15#0 0000000000000010\n"
                         "# ka15_r1 = ka=15#1: stored with fingerprint version 2, not a pin of version 3\n");
  mf_clear (&f);
}

static void
test_main_print_golden (void)
{
  MainFixture f;
  mf_init (&f, "");
  g_autoptr (Scenario) sc = mf_load (&f);
  Results res = results_default;
  res.fail_run = TRUE;
  fill_db (sc, f.db, NULL, NULL, &res);
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", "--print-golden", NULL), ==, 0);
  g_autofree char *out = mf_output (&f);
  assert_contains (out, "\n[golden]\nka15_r0 = ka=15#0 0000000000000010\nka15_r1 = ka=15#1 0000000000000011\n");
  assert_contains (out, "ka30_r1 = ka=30#1 0000000000000021\n"
                        "# ka30_r2 = ka=30#2: the run failed: proxy refused the spec\n");
  /* the lines parse as [golden] entries of the same scenario and pass */
  MainFixture g;
  g_autofree char *tail = g_strconcat (strstr (out, "[golden]"), NULL);
  mf_init (&g, tail);
  g_autoptr (Scenario) sc2 = mf_load (&g);
  fill_db (sc2, g.db, NULL, NULL, &results_default);
  g_assert_cmpint (run_check (&g, g.scenario, "-o", g.db, "--no-run", NULL), ==, 0);
  g_autofree char *out2 = mf_output (&g);
  assert_contains (out2, "PASS  ka30_r1  ka=30#1: fingerprint 0000000000000021 as pinned");
  mf_clear (&g);
  mf_clear (&f);
}

static void
validate_bad (const char *tail, const char *message_after_path)
{
  MainFixture f;
  mf_init (&f, tail);
  g_autoptr (GError) error = NULL;
  g_autoptr (Scenario) sc = scenario_load (f.scenario, &error);
  g_assert_no_error (error);
  g_assert_false (check_validate (sc, &error));
  g_assert_nonnull (error);
  g_autofree char *want = g_strconcat (f.scenario, message_after_path, NULL);
  g_assert_cmpstr (error->message, ==, want);
  /* and the command refuses it with 2 */
  g_assert_cmpint (run_check (&f, f.scenario, "-o", f.db, "--no-run", NULL), ==, 2);
  mf_clear (&f);
}

static void
test_validate (void)
{
  /* the tail starts at line 20 of the file */
  validate_bad ("[expect]\nok = failover_s max <= 30\nfast = failover_s p95 =< 40\n",
                ":22: [expect] fast: expected a comparison (<, <=, >, >=, ==, !=), got '=<'");
  validate_bad ("[expect]\nfast = failover p95 <= 40\n",
                ":21: [expect] fast: expected a metric (time_to_first_registration_s, failover_s, "
                "failover_completed, failovers, outage_s, pinhole_survival, pinhole_expiries, "
                "reregistrations, registrations, messages_per_device_hour, bytes_per_device_hour, "
                "call_attempts, call_setup_ratio, call_setup_s, calls_failed_failover, calls_lost, "
                "inbound_call_attempts, inbound_setup_ratio, subscription_gap_s, "
                "detect_s, flow_failures, reconnects), "
                "got 'failover'");
  validate_bad ("[expect]\nfast = failover_s p95 <= 40 where kaa=15\n",
                ":21: [expect] fast: expected a sweep variable (ka) in where, got 'kaa'");
  validate_bad ("[expect]\nfast = failover_s p95 <= 40 where ka=45\n",
                ":21: [expect] fast: expected a where clause that matches a sweep point, got 'ka=45'");
  validate_bad ("[expect]\nruns_ok = failover_s p95 <= 40\n",
                ":21: [expect] runs_ok: expected another name ('runs_ok' is the check that every "
                "run succeeded), got 'runs_ok'");
  validate_bad ("[golden]\ng = ka=45#0 0000000000000010\n",
                ":21: [golden] g: expected the key of a sweep point (e.g. 'ka=15'), got 'ka=45'");
  validate_bad ("[golden]\ng = ka=15#3 0000000000000010\n",
                ":21: [golden] g: expected a replication 0..2, got '3'");
  validate_bad ("[golden]\ng = ka=15#0 10\n",
                ":21: [golden] g: expected a fingerprint of 16 hex digits, got '10'");

  MainFixture f;
  mf_init (&f, "[expect]\na = failover_s p95 <= 40 where ka>=30\n[golden]\ng = ka=30#2 0000000000000010\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (Scenario) sc = mf_load (&f);
  g_assert_true (check_validate (sc, &error));
  g_assert_no_error (error);
  mf_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/check/1-parse/good", test_parse_good);
  g_test_add_func ("/check/1-parse/bad", test_parse_bad);
  g_test_add_func ("/check/1-parse/golden", test_parse_golden);
  g_test_add_func ("/check/2-stat/percentiles", test_stat_percentiles);
  g_test_add_func ("/check/2-stat/moments", test_stat_moments);
  g_test_add_func ("/check/2-stat/student-t", test_stat_student_t);
  g_test_add_func ("/check/2-stat/empty", test_stat_empty);
  g_test_add_func ("/check/3-eval/where", test_where);
  g_test_add_func ("/check/3-eval/values", test_eval);
  g_test_add_func ("/check/3-eval/baseline", test_eval_baseline);
  g_test_add_func ("/check/4-report/text-and-junit", test_report);
  g_test_add_func ("/check/5-main/pass", test_main_pass);
  g_test_add_func ("/check/5-main/breach", test_main_breach);
  g_test_add_func ("/check/5-main/failed-run", test_main_failed_run);
  g_test_add_func ("/check/5-main/input-errors", test_main_input_errors);
  g_test_add_func ("/check/5-main/baseline", test_main_baseline);
  g_test_add_func ("/check/5-main/print-golden", test_main_print_golden);
  g_test_add_func ("/check/5-main/other-fingerprint-version", test_main_other_version);
  g_test_add_func ("/check/5-main/validate", test_validate);
  return g_test_run ();
}
