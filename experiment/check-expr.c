/*
 * experiment/check-expr.c - the [expect] statement language, [golden]
 * entries, and the statistics they compare (doc/check.md).
 *
 * Notes
 *
 * 1. Grammar (tokens may be separated by spaces; none are needed between
 *    an operator and a number):
 *
 *      statement = METRIC STAT OP BOUND [ "where" COND { "," COND } ]
 *      STAT      = "mean" | "median" | "min" | "max" | "stddev"
 *                | "count" | "nulls" | "p" NUMBER | "mean_ci" NUMBER
 *                | "fraction" "(" OP NUMBER ")"
 *      OP        = "<" | "<=" | ">" | ">=" | "==" | "!="
 *      BOUND     = NUMBER | "baseline" [ ("+" | "-" | "*") NUMBER ]
 *      COND      = VAR ("=" | "!=" | "<" | "<=" | ">" | ">=") VALUE
 *
 *    A golden entry is  POINT_KEY "#" REP  FINGERPRINT  (16 hex digits).
 *
 * 2. mean_ciN compares the whole N % interval mean +- t(1 - a/2, n - 1)
 *    s / sqrt(n): its lower end for > and >=, its upper end for < and <=.
 *    == and != are refused with an interval (which end would it be?).
 *    The t quantile is computed (regularised incomplete beta by Lentz's
 *    continued fraction, Numerical Recipes 6.4, inverted by bisection),
 *    not read from a table, so any level and any n work.
 *
 * 3. Percentiles: nearest rank (check-private.h note 2).  The rank is
 *    ceil(p n / 100) computed with a small tolerance, so p95 of 100 values
 *    is rank 95 even though 0.95 * 100 is not exact in binary.
 *
 * 4. NULL values (doc/metrics.md: "not defined for this run") are not
 *    zeros: every statistic but nulls works on the non-NULL values only.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/check.h"
#include "experiment/check-private.h"

G_DEFINE_QUARK (sipsim-check-error-quark, check_error)

/* ------------------------------------------------------------ lexing */

typedef struct {
  const char *s;     /* the whole statement */
  const char *p;     /* the cursor */
} Lex;

static void
skip_ws (Lex *lx)
{
  while (*lx->p == ' ' || *lx->p == '\t')
    lx->p++;
}

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.';
}

/* The text shown after "got": the next whitespace-delimited word. */
static char *
got_word (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  const char *e = p;
  while (*e && *e != ' ' && *e != '\t')
    e++;
  return g_strndup (p, e - p);
}

static void
fail_at (GError **error, CheckError code, const char *p, const char *expected)
{
  g_autofree char *w = got_word (p);
  if (*w == '\0')
    g_set_error (error, CHECK_ERROR, code, "expected %s, got the end of the statement", expected);
  else
    g_set_error (error, CHECK_ERROR, code, "expected %s, got '%s'", expected, w);
}

/* A word of [A-Za-z0-9_.]; NULL (cursor unmoved) if there is none. */
static char *
lex_word (Lex *lx)
{
  skip_ws (lx);
  const char *b = lx->p;
  while (is_word_char (*lx->p))
    lx->p++;
  return lx->p == b ? NULL : g_strndup (b, lx->p - b);
}

static gboolean
lex_op (Lex *lx, CheckOp *op)
{
  skip_ws (lx);
  const char *p = lx->p;
  static const struct { const char *t; CheckOp op; } ops[] = {
    { "<=", CHECK_OP_LE }, { ">=", CHECK_OP_GE }, { "==", CHECK_OP_EQ },
    { "!=", CHECK_OP_NE }, { "<", CHECK_OP_LT }, { ">", CHECK_OP_GT },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (ops); i++)
    if (g_str_has_prefix (p, ops[i].t))
      {
        /* "=<" or "<<" are typos, not "<" followed by garbage */
        const char *after = p + strlen (ops[i].t);
        if (*after == '<' || *after == '>' || *after == '=' || *after == '!')
          return FALSE;
        *op = ops[i].op;
        lx->p = after;
        return TRUE;
      }
  return FALSE;
}

/* A finite number; the whole number token must be consumed, so "40s" is
 * not 40. */
static gboolean
parse_number_text (const char *text, double *out)
{
  if (text == NULL || *text == '\0')
    return FALSE;
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
lex_number (Lex *lx, double *out)
{
  skip_ws (lx);
  const char *b = lx->p;
  const char *e = b;
  if (*e == '+' || *e == '-')
    e++;
  while (g_ascii_isalnum (*e) || *e == '.'
         || ((*e == '+' || *e == '-') && (e[-1] == 'e' || e[-1] == 'E')))
    e++;
  g_autofree char *t = g_strndup (b, e - b);
  if (!parse_number_text (t, out))
    return FALSE;
  lx->p = e;
  return TRUE;
}

const char *
check_op_text (CheckOp op)
{
  switch (op)
    {
    case CHECK_OP_LT: return "<";
    case CHECK_OP_LE: return "<=";
    case CHECK_OP_GT: return ">";
    case CHECK_OP_GE: return ">=";
    case CHECK_OP_EQ: return "==";
    case CHECK_OP_NE: return "!=";
    }
  g_return_val_if_reached ("?");
}

gboolean
check_op_apply (CheckOp op, double a, double b)
{
  switch (op)
    {
    case CHECK_OP_LT: return a < b;
    case CHECK_OP_LE: return a <= b;
    case CHECK_OP_GT: return a > b;
    case CHECK_OP_GE: return a >= b;
    case CHECK_OP_EQ: return a == b;
    case CHECK_OP_NE: return a != b;
    }
  g_return_val_if_reached (FALSE);
}

char *
check_stat_text (const CheckStat *st)
{
  switch (st->kind)
    {
    case CHECK_STAT_MEAN:   return g_strdup ("mean");
    case CHECK_STAT_MEDIAN: return g_strdup ("median");
    case CHECK_STAT_MIN:    return g_strdup ("min");
    case CHECK_STAT_MAX:    return g_strdup ("max");
    case CHECK_STAT_STDDEV: return g_strdup ("stddev");
    case CHECK_STAT_COUNT:  return g_strdup ("count");
    case CHECK_STAT_NULLS:  return g_strdup ("nulls");
    case CHECK_STAT_PERCENTILE: return g_strdup_printf ("p%g", st->p);
    case CHECK_STAT_MEAN_CI:    return g_strdup_printf ("mean_ci%g", st->p);
    case CHECK_STAT_FRACTION:
      return g_strdup_printf ("fraction(%s %g)", check_op_text (st->frac_op), st->frac_x);
    }
  g_return_val_if_reached (g_strdup ("?"));
}

/* ------------------------------------------------------------ parsing */

#define STAT_LIST "a statistic (mean, median, min, max, pN, stddev, count, nulls, " \
                  "fraction(OP X), mean_ciN)"
#define OP_LIST   "a comparison (<, <=, >, >=, ==, !=)"
#define BOUND_LIST "a bound (a number, baseline, baseline + X, baseline - X, baseline * X)"

static void
cond_clear (gpointer p)
{
  CheckCond *c = p;
  g_free (c->var);
  g_free (c->value);
}

void
check_expect_clear (CheckExpect *e)
{
  if (e == NULL)
    return;
  g_free (e->name);
  g_free (e->statement);
  g_free (e->file);
  g_free (e->metric);
  if (e->where)
    g_array_unref (e->where);
  memset (e, 0, sizeof *e);
}

static gboolean
parse_stat (Lex *lx, CheckStat *st, GError **error)
{
  const char *at = lx->p;
  g_autofree char *w = lex_word (lx);
  memset (st, 0, sizeof *st);
  if (w == NULL)
    {
      fail_at (error, CHECK_ERROR_PARSE, at, STAT_LIST);
      return FALSE;
    }
  static const struct { const char *name; CheckStatKind kind; } simple[] = {
    { "mean", CHECK_STAT_MEAN }, { "median", CHECK_STAT_MEDIAN },
    { "min", CHECK_STAT_MIN }, { "max", CHECK_STAT_MAX },
    { "stddev", CHECK_STAT_STDDEV }, { "count", CHECK_STAT_COUNT },
    { "nulls", CHECK_STAT_NULLS },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (simple); i++)
    if (strcmp (w, simple[i].name) == 0)
      {
        st->kind = simple[i].kind;
        return TRUE;
      }
  if (strcmp (w, "fraction") == 0)
    {
      st->kind = CHECK_STAT_FRACTION;
      skip_ws (lx);
      gboolean ok = *lx->p == '(';
      if (ok)
        {
          lx->p++;
          ok = lex_op (lx, &st->frac_op) && lex_number (lx, &st->frac_x);
          skip_ws (lx);
          ok = ok && *lx->p == ')';
        }
      if (!ok)
        {
          /* show the whole "fraction(...)" the user wrote */
          const char *close = strchr (at, ')');
          g_autofree char *t = close ? g_strndup (at, close + 1 - at) : got_word (at);
          g_strstrip (t);
          g_set_error (error, CHECK_ERROR, CHECK_ERROR_PARSE,
                       "expected fraction(OP X), e.g. fraction(>= 0.99), got '%s'", t);
          return FALSE;
        }
      lx->p++;
      return TRUE;
    }
  if (g_str_has_prefix (w, "mean_ci"))
    {
      double level;
      if (!parse_number_text (w + 7, &level) || w[7] == '+' || w[7] == '-'
          || level <= 0 || level >= 100)
        {
          g_set_error (error, CHECK_ERROR, CHECK_ERROR_PARSE,
                       "expected a confidence level mean_ciN with 0 < N < 100 (e.g. mean_ci95), got '%s'",
                       w);
          return FALSE;
        }
      st->kind = CHECK_STAT_MEAN_CI;
      st->p = level;
      return TRUE;
    }
  if (w[0] == 'p' && g_ascii_isdigit (w[1]))
    {
      double p;
      if (!parse_number_text (w + 1, &p) || strpbrk (w + 1, "eE") != NULL || p < 0 || p > 100)
        {
          g_set_error (error, CHECK_ERROR, CHECK_ERROR_PARSE,
                       "expected a percentile pN with 0 <= N <= 100 (e.g. p95, p99.9), got '%s'", w);
          return FALSE;
        }
      st->kind = CHECK_STAT_PERCENTILE;
      st->p = p;
      return TRUE;
    }
  fail_at (error, CHECK_ERROR_PARSE, at, STAT_LIST);
  return FALSE;
}

static gboolean
parse_where (Lex *lx, GArray *where, GError **error)
{
  for (;;)
    {
      skip_ws (lx);
      const char *at = lx->p;
      const char *b = lx->p;
      while (g_ascii_isalnum (*lx->p) || *lx->p == '_')
        lx->p++;
      CheckCond c = { 0 };
      gboolean ok = lx->p > b;
      if (ok)
        {
          c.var = g_strndup (b, lx->p - b);
          skip_ws (lx);
          if (g_str_has_prefix (lx->p, "!="))      { c.op = CHECK_OP_NE; lx->p += 2; }
          else if (g_str_has_prefix (lx->p, "<=")) { c.op = CHECK_OP_LE; lx->p += 2; }
          else if (g_str_has_prefix (lx->p, ">=")) { c.op = CHECK_OP_GE; lx->p += 2; }
          else if (*lx->p == '<')                  { c.op = CHECK_OP_LT; lx->p++; }
          else if (*lx->p == '>')                  { c.op = CHECK_OP_GT; lx->p++; }
          else if (*lx->p == '=' && lx->p[1] != '=') { c.op = CHECK_OP_EQ; lx->p++; }
          else ok = FALSE;
        }
      if (ok)
        {
          const char *vb = lx->p;
          while (*lx->p && *lx->p != ',')
            lx->p++;
          c.value = g_strstrip (g_strndup (vb, lx->p - vb));
          ok = *c.value != '\0' && strpbrk (c.value, " \t=<>!") == NULL;
        }
      if (!ok)
        {
          cond_clear (&c);
          fail_at (error, CHECK_ERROR_PARSE, at, "VAR=VALUE[,VAR=VALUE] after where");
          return FALSE;
        }
      g_array_append_val (where, c);
      if (*lx->p != ',')
        return TRUE;
      lx->p++;
    }
}

gboolean
check_expect_parse (const char *statement, const char * const *metrics,
                    CheckExpect *out, GError **error)
{
  g_return_val_if_fail (statement != NULL && metrics != NULL && out != NULL, FALSE);
  memset (out, 0, sizeof *out);
  out->statement = g_strdup (statement);
  out->where = g_array_new (FALSE, TRUE, sizeof (CheckCond));
  g_array_set_clear_func (out->where, cond_clear);
  Lex lx = { statement, statement };

  /* METRIC */
  const char *at = lx.p;
  out->metric = lex_word (&lx);
  gboolean known = FALSE;
  for (guint i = 0; out->metric && metrics[i]; i++)
    known = known || strcmp (metrics[i], out->metric) == 0;
  if (!known)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) metrics);
      g_autofree char *exp = g_strdup_printf ("a metric (%s)", list);
      fail_at (error, out->metric ? CHECK_ERROR_REFERENCE : CHECK_ERROR_PARSE,
               at, exp);
      goto fail;
    }

  /* STAT OP */
  if (!parse_stat (&lx, &out->stat, error))
    goto fail;
  at = lx.p;
  if (!lex_op (&lx, &out->op))
    {
      fail_at (error, CHECK_ERROR_PARSE, at, OP_LIST);
      goto fail;
    }
  if (out->stat.kind == CHECK_STAT_MEAN_CI
      && (out->op == CHECK_OP_EQ || out->op == CHECK_OP_NE))
    {
      g_autofree char *st = check_stat_text (&out->stat);
      g_set_error (error, CHECK_ERROR, CHECK_ERROR_PARSE,
                   "expected <, <=, > or >= with %s (one end of the interval is compared), got '%s'",
                   st, check_op_text (out->op));
      goto fail;
    }

  /* BOUND */
  skip_ws (&lx);
  at = lx.p;
  if (g_str_has_prefix (lx.p, "baseline") && !is_word_char (lx.p[8]))
    {
      out->baseline = TRUE;
      lx.p += 8;
      skip_ws (&lx);
      if (*lx.p == '+' || *lx.p == '-' || *lx.p == '*')
        {
          out->arith = *lx.p++;
          if (!lex_number (&lx, &out->k))
            {
              fail_at (error, CHECK_ERROR_PARSE, at, BOUND_LIST);
              goto fail;
            }
        }
    }
  else if (!lex_number (&lx, &out->k))
    {
      fail_at (error, CHECK_ERROR_PARSE, at, BOUND_LIST);
      goto fail;
    }

  /* [where ...] */
  skip_ws (&lx);
  if (*lx.p != '\0')
    {
      at = lx.p;
      g_autofree char *w = lex_word (&lx);
      if (w == NULL || strcmp (w, "where") != 0)
        {
          fail_at (error, CHECK_ERROR_PARSE, at, "'where' or the end of the statement");
          goto fail;
        }
      if (!parse_where (&lx, out->where, error))
        goto fail;
    }
  return TRUE;

fail:
  check_expect_clear (out);
  return FALSE;
}

void
check_golden_clear (CheckGolden *g)
{
  if (g == NULL)
    return;
  g_free (g->name);
  g_free (g->file);
  g_free (g->point_key);
  memset (g, 0, sizeof *g);
}

gboolean
check_golden_parse (const char *value, CheckGolden *out, GError **error)
{
  g_return_val_if_fail (value != NULL && out != NULL, FALSE);
  memset (out, 0, sizeof *out);
  g_auto (GStrv) tok = g_strsplit_set (value, " \t", -1);
  const char *words[3] = { NULL, NULL, NULL };
  guint n = 0;
  for (guint i = 0; tok[i]; i++)
    if (*tok[i])
      {
        if (n < 3)
          words[n] = tok[i];
        n++;
      }
  const char *hash = n == 2 ? strrchr (words[0], '#') : NULL;
  guint64 rep = 0;
  if (hash == NULL
      || !g_ascii_string_to_unsigned (hash + 1, 10, 0, G_MAXUINT, &rep, NULL))
    {
      g_set_error (error, CHECK_ERROR, CHECK_ERROR_PARSE,
                   "expected POINT_KEY#REP FINGERPRINT (e.g. 'ka=15,nat=60#0 9f3c0a1b2c3d4e5f', "
                   "'#0 9f3c0a1b2c3d4e5f' without a sweep), got '%s'", value);
      return FALSE;
    }
  guint64 fp = 0;
  if (strlen (words[1]) != 16
      || !g_ascii_string_to_unsigned (words[1], 16, 0, G_MAXUINT64, &fp, NULL))
    {
      g_set_error (error, CHECK_ERROR, CHECK_ERROR_PARSE,
                   "expected a fingerprint of 16 hex digits, got '%s'", words[1]);
      return FALSE;
    }
  out->point_key = g_strndup (words[0], hash - words[0]);
  out->replication = (guint) rep;
  out->fingerprint = fp;
  return TRUE;
}

/* ------------------------------------------------------------ where */

/* A point key's value of @var; NULL if the key has no such variable. */
static char *
point_value (const char *point_key, const char *var)
{
  g_auto (GStrv) parts = g_strsplit (point_key, ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      const char *eq = strchr (parts[i], '=');
      if (eq && (gsize) (eq - parts[i]) == strlen (var)
          && strncmp (parts[i], var, eq - parts[i]) == 0)
        return g_strdup (eq + 1);
    }
  return NULL;
}

gboolean
check_where_matches (const GArray *where, const char *point_key)
{
  g_return_val_if_fail (point_key != NULL, FALSE);
  for (guint i = 0; where && i < where->len; i++)
    {
      const CheckCond *c = &g_array_index (where, CheckCond, i);
      g_autofree char *v = point_value (point_key, c->var);
      if (v == NULL)
        return FALSE;
      double a, b;
      if (parse_number_text (v, &a) && parse_number_text (c->value, &b))
        {
          if (!check_op_apply (c->op, a, b))
            return FALSE;
        }
      else if (c->op == CHECK_OP_EQ || c->op == CHECK_OP_NE)
        {
          /* text: "proto=udp" */
          if ((strcmp (v, c->value) == 0) != (c->op == CHECK_OP_EQ))
            return FALSE;
        }
      else
        return FALSE;   /* an order between texts: no match (doc/check.md) */
    }
  return TRUE;
}

/* ------------------------------------------------------------ statistics */

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Continued fraction of the incomplete beta function (Numerical Recipes
 * 6.4, betacf, with the modified Lentz method). */
static double
betacf (double a, double b, double x)
{
  const double tiny = 1e-300, eps = 1e-15;
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (fabs (d) < tiny)
    d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 300; m++)
    {
      int m2 = 2 * m;
      double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
      d = 1 + aa * d;
      if (fabs (d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (fabs (c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
      aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
      d = 1 + aa * d;
      if (fabs (d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (fabs (c) < tiny) c = tiny;
      d = 1 / d;
      double del = d * c;
      h *= del;
      if (fabs (del - 1) < eps)
        break;
    }
  return h;
}

/* Regularised incomplete beta I_x(a, b). */
static double
betai (double a, double b, double x)
{
  if (x <= 0)
    return 0;
  if (x >= 1)
    return 1;
  double lbt = lgamma (a + b) - lgamma (a) - lgamma (b) + a * log (x) + b * log1p (-x);
  double bt = exp (lbt);
  if (x < (a + 1) / (a + b + 2))
    return bt * betacf (a, b, x) / a;
  return 1 - bt * betacf (b, a, 1 - x) / b;
}

/* P(T <= t), T Student with @df degrees of freedom. */
static double
student_t_cdf (double t, double df)
{
  double tail = 0.5 * betai (df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? 1 - tail : tail;
}

double
check_student_t_quantile (double p, double df)
{
  g_return_val_if_fail (p > 0 && p < 1 && df >= 1, NAN);
  if (p < 0.5)
    return -check_student_t_quantile (1 - p, df);
  double lo = 0, hi = 1;
  while (student_t_cdf (hi, df) < p)
    hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++)
    {
      double mid = (lo + hi) / 2;
      if (student_t_cdf (mid, df) < p)
        lo = mid;
      else
        hi = mid;
    }
  return (lo + hi) / 2;
}

static double
mean_of (const double *v, guint n)
{
  double s = 0;
  for (guint i = 0; i < n; i++)
    s += v[i];
  return s / n;
}

/* Sample standard deviation, two-pass for accuracy. */
static double
stddev_of (const double *v, guint n, double mean)
{
  double ss = 0;
  for (guint i = 0; i < n; i++)
    ss += (v[i] - mean) * (v[i] - mean);
  return sqrt (ss / (n - 1));
}

CheckStatStatus
check_stat_compute (const CheckStat *st, const CheckSample *s, CheckValue *out)
{
  g_return_val_if_fail (st != NULL && s != NULL && out != NULL, CHECK_STAT_NO_RUNS);
  memset (out, 0, sizeof *out);
  if (s->n == 0 && s->n_null == 0)
    return CHECK_STAT_NO_RUNS;
  if (st->kind == CHECK_STAT_COUNT || st->kind == CHECK_STAT_NULLS)
    {
      out->value = st->kind == CHECK_STAT_COUNT ? s->n : s->n_null;
      return CHECK_STAT_OK;
    }
  if (s->n == 0)
    return CHECK_STAT_NO_VALUES;
  if ((st->kind == CHECK_STAT_STDDEV || st->kind == CHECK_STAT_MEAN_CI) && s->n < 2)
    return CHECK_STAT_TOO_FEW;

  g_autofree double *v = g_memdup2 (s->values, s->n * sizeof (double));
  guint n = s->n;
  switch (st->kind)
    {
    case CHECK_STAT_MEAN:
      out->value = mean_of (v, n);
      break;
    case CHECK_STAT_STDDEV:
      out->value = stddev_of (v, n, mean_of (v, n));
      break;
    case CHECK_STAT_MEAN_CI:
      {
        double m = mean_of (v, n);
        double alpha = 1 - st->p / 100;
        double t = check_student_t_quantile (1 - alpha / 2, n - 1);
        double half = t * stddev_of (v, n, m) / sqrt (n);
        out->value = m;
        out->lo = m - half;
        out->hi = m + half;
      }
      break;
    case CHECK_STAT_FRACTION:
      {
        guint k = 0;
        for (guint i = 0; i < n; i++)
          k += check_op_apply (st->frac_op, v[i], st->frac_x);
        out->value = (double) k / n;
      }
      break;
    case CHECK_STAT_MIN:
    case CHECK_STAT_MAX:
    case CHECK_STAT_MEDIAN:
    case CHECK_STAT_PERCENTILE:
      qsort (v, n, sizeof (double), cmp_double);
      if (st->kind == CHECK_STAT_MIN)
        out->value = v[0];
      else if (st->kind == CHECK_STAT_MAX)
        out->value = v[n - 1];
      else if (st->kind == CHECK_STAT_MEDIAN)
        out->value = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
      else
        {
          /* nearest rank (note 3) */
          double r = ceil (st->p * n / 100.0 - 1e-9);
          guint rank = r < 1 ? 1 : r > n ? n : (guint) r;
          out->value = v[rank - 1];
        }
      break;
    case CHECK_STAT_COUNT:
    case CHECK_STAT_NULLS:
      g_assert_not_reached ();
    }
  return CHECK_STAT_OK;
}

/* ------------------------------------------------------------ evaluation */

static const char *
null_hint (const char *metric)
{
  if (strcmp (metric, "failover_s") == 0)
    return " - no fault hit?";
  if (strcmp (metric, "pinhole_survival") == 0)
    return " - no inbound probes?";
  return "";
}

static char *
fmt_num (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", v));
}

/* "(n=20)", "(n=18, 2 NULL)" */
static char *
fmt_n (const CheckSample *s)
{
  if (s->n_null)
    return g_strdup_printf ("(n=%u, %u NULL)", s->n, s->n_null);
  return g_strdup_printf ("(n=%u)", s->n);
}

/* Why a statistic has no value, as a sentence; NULL if it has one. */
static char *
stat_problem (CheckStatStatus st, const CheckExpect *e, const CheckSample *s,
              const char *whose)
{
  g_autofree char *stat = check_stat_text (&e->stat);
  switch (st)
    {
    case CHECK_STAT_OK:
      return NULL;
    case CHECK_STAT_NO_RUNS:
      return g_strdup_printf ("%sno ok runs at this point", whose);
    case CHECK_STAT_NO_VALUES:
      return g_strdup_printf ("%sno values: %s is NULL in every run (%u runs)%s",
                              whose, e->metric, s->n_null, null_hint (e->metric));
    case CHECK_STAT_TOO_FEW:
      return g_strdup_printf ("%s%s of %s needs at least 2 values, got %u",
                              whose, stat, e->metric, s->n);
    }
  g_return_val_if_reached (NULL);
}

gboolean
check_expect_eval (const CheckExpect *e, const CheckSample *s,
                   const CheckSample *base, char **text)
{
  g_return_val_if_fail (e != NULL && s != NULL && text != NULL, FALSE);
  g_autofree char *stat = check_stat_text (&e->stat);
  CheckValue v;
  CheckStatStatus st = check_stat_compute (&e->stat, s, &v);
  if (st != CHECK_STAT_OK)
    {
      *text = stat_problem (st, e, s, "");
      return FALSE;
    }

  /* the bound */
  double bound = e->k;
  g_autofree char *bound_note = NULL;
  if (e->baseline)
    {
      if (base == NULL)
        {
          *text = g_strdup ("the baseline has no run at this point");
          return FALSE;
        }
      CheckValue bv;
      CheckStatStatus bst = check_stat_compute (&e->stat, base, &bv);
      if (bst != CHECK_STAT_OK)
        {
          *text = stat_problem (bst, e, base, "baseline: ");
          return FALSE;
        }
      g_autofree char *b = fmt_num (bv.value);
      g_autofree char *k = fmt_num (e->k);
      switch (e->arith)
        {
        case '+': bound = bv.value + e->k; break;
        case '-': bound = bv.value - e->k; break;
        case '*': bound = bv.value * e->k; break;
        default:  bound = bv.value; break;
        }
      bound_note = e->arith ? g_strdup_printf (" (baseline %s %c %s)", b, e->arith, k)
                            : g_strdup (" (baseline)");
    }

  /* the compared value: one end of the interval for mean_ci (note 2) */
  double x = v.value;
  g_autofree char *shown = NULL;
  g_autofree char *val = fmt_num (v.value);
  if (e->stat.kind == CHECK_STAT_MEAN_CI)
    {
      gboolean upper = e->op == CHECK_OP_LT || e->op == CHECK_OP_LE;
      x = upper ? v.hi : v.lo;
      g_autofree char *lo = fmt_num (v.lo), *hi = fmt_num (v.hi);
      shown = g_strdup_printf ("%s = %s [%s, %s], %s end %s", stat, val, lo, hi,
                               upper ? "upper" : "lower", upper ? hi : lo);
    }
  else
    shown = g_strdup_printf ("%s = %s", stat, val);

  gboolean pass = check_op_apply (e->op, x, bound);
  g_autofree char *b = fmt_num (bound);
  g_autofree char *n = fmt_n (s);
  *text = g_strdup_printf ("%s %s%s%s %s%s %s", e->metric, shown,
                           pass ? " " : ", not ", check_op_text (e->op), b,
                           bound_note ? bound_note : "", n);
  return pass;
}
