/*
 * experiment/check-private.h - the parts of `sipsim check` shared by
 * check.c (driver, database), check-expr.c (statements, statistics) and
 * check-report.c (text report, JUnit XML), and used by tests/test-check.c.
 *
 * Notes
 *
 * 1. Pure layers.  check-expr.c and check-report.c know neither scenarios
 *    nor SQLite: statements are parsed from text against a list of metric
 *    names, statistics are computed from plain arrays, point keys are
 *    matched as text.  Only check.c ties them to scenario.h and store.h,
 *    so the statement language and the statistics are tested on numbers
 *    worked out on paper.
 *
 * 2. Percentiles are nearest-rank: pN is the smallest value v such that
 *    at least N % of the values are <= v, i.e. the value of rank
 *    ceil(N/100 * n) in ascending order (rank 1 for p0).  So
 *    "failover_s p95 <= 40" means exactly "at least 95 % of the runs failed
 *    over within 40 s", with no interpolated value that no run produced.
 *    median is the classical median (mean of the two middle values when n
 *    is even), which can differ from p50.
 *
 * Ownership: a CheckExpect / CheckGolden owns its strings (check_*_clear);
 * a CheckReport owns its outcomes.
 */
#pragma once
#include <stdio.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  CHECK_OP_LT,
  CHECK_OP_LE,
  CHECK_OP_GT,
  CHECK_OP_GE,
  CHECK_OP_EQ,
  CHECK_OP_NE,
} CheckOp;

typedef enum {
  CHECK_STAT_MEAN,
  CHECK_STAT_MEDIAN,
  CHECK_STAT_MIN,
  CHECK_STAT_MAX,
  CHECK_STAT_PERCENTILE,   /* p: 0..100, nearest rank (note 2) */
  CHECK_STAT_STDDEV,       /* sample standard deviation (n - 1) */
  CHECK_STAT_COUNT,        /* non-NULL values */
  CHECK_STAT_NULLS,        /* NULL values */
  CHECK_STAT_FRACTION,     /* of the non-NULL values, the fraction with (v frac_op frac_x) */
  CHECK_STAT_MEAN_CI,      /* mean with a Student t interval at level p % */
} CheckStatKind;

typedef struct {
  CheckStatKind kind;
  double        p;         /* percentile, or CI level in % */
  CheckOp       frac_op;
  double        frac_x;
} CheckStat;

/* One condition of a `where` clause: VAR OP VALUE on a point key. */
typedef struct {
  char    *var;
  CheckOp  op;             /* EQ for '=', NE, LT, LE, GT, GE */
  char    *value;
} CheckCond;

typedef struct {
  char      *name;         /* the [expect] key */
  char      *statement;    /* the value as written */
  char      *file;
  guint      line;
  char      *metric;
  CheckStat  stat;
  CheckOp    op;
  gboolean   baseline;     /* bound is "baseline [arith k]" */
  char       arith;        /* 0, '+', '-' or '*' (baseline only) */
  double     k;            /* the number (the bound itself when !baseline) */
  GArray    *where;        /* CheckCond; empty: every point */
} CheckExpect;

typedef struct {
  char    *name;           /* the [golden] key */
  char    *file;
  guint    line;
  char    *point_key;
  guint    replication;
  guint64  fingerprint;
} CheckGolden;

/* Parses @statement.  @metrics: NULL-terminated names allowed as METRIC.
 * FALSE with @error ("expected ..., got '...'", no location: the caller
 * prefixes it) and @out cleared. */
gboolean check_expect_parse  (const char *statement, const char * const *metrics,
                              CheckExpect *out, GError **error);
void     check_expect_clear  (CheckExpect *e);
gboolean check_golden_parse  (const char *value, CheckGolden *out, GError **error);
void     check_golden_clear  (CheckGolden *g);

const char *check_op_text    (CheckOp op);
gboolean    check_op_apply   (CheckOp op, double a, double b);
/* "p95", "mean_ci95", "fraction(>= 0.99)"; newly allocated. */
char       *check_stat_text  (const CheckStat *st);

/* Does the point key "a=15,b=30" satisfy every condition of @where? */
gboolean check_where_matches (const GArray *where, const char *point_key);

/* The sample of one metric at one point: its non-NULL values and how many
 * runs had NULL. */
typedef struct {
  const double *values;
  guint         n;
  guint         n_null;
} CheckSample;

typedef enum {
  CHECK_STAT_OK,
  CHECK_STAT_NO_VALUES,    /* n == 0 (for every statistic but count/nulls) */
  CHECK_STAT_TOO_FEW,      /* stddev, mean_ci need n >= 2 */
  CHECK_STAT_NO_RUNS,      /* n == 0 and n_null == 0 */
} CheckStatStatus;

typedef struct {
  double value;            /* the statistic (the mean for mean_ci) */
  double lo, hi;           /* mean_ci: the interval */
} CheckValue;

/* Computes @st over @s (the values are copied before sorting). */
CheckStatStatus check_stat_compute (const CheckStat *st, const CheckSample *s, CheckValue *out);

/* Two-sided Student t quantile: t such that P(T <= t) = @p with @df
 * degrees of freedom (p in (0, 1), df >= 1). */
double   check_student_t_quantile (double p, double df);

/* Evaluates @e at one point: @s the point's sample, @base the baseline's
 * sample at the same point (NULL: no baseline run there; only read when
 * e->baseline).  Returns whether it holds; @text (newly allocated) is the
 * one-line account, e.g. "failover_s p95 = 38.2 <= 40 (n=20)". */
gboolean check_expect_eval (const CheckExpect *e, const CheckSample *s,
                            const CheckSample *base, char **text);

/* ---------------------------------------------------------------- report */

typedef struct CheckReport CheckReport;

CheckReport *check_report_new     (const char *suite);
void         check_report_free    (CheckReport *r);   /* NULL-safe */
/* One testcase: @check the check's name, @point_key NULL or "" when the
 * check is not per point; @text the account (the failure message). */
void         check_report_add     (CheckReport *r, const char *check, const char *point_key,
                                   gboolean pass, const char *text);
guint        check_report_n       (const CheckReport *r);
guint        check_report_failed  (const CheckReport *r);
void         check_report_print   (const CheckReport *r, FILE *fp);
char        *check_report_junit   (const CheckReport *r);   /* the XML document */
gboolean     check_report_write_junit (const CheckReport *r, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CheckReport, check_report_free)

G_END_DECLS
