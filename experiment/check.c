/*
 * experiment/check.c - `sipsim check`: validate a scenario's [expect]
 * and [golden] entries, run what is missing, evaluate them on the
 * database and report (doc/check.md).
 *
 * Notes
 *
 * 1. Where values come from.  Every expectation is evaluated per sweep
 *    point on the run aggregates (metric.unit = '') of the point's runs
 *    with status 'ok', as the run_metric view has them.  The query joins
 *    run LEFT JOIN metric instead of reading the view so that a run whose
 *    metric row is absent counts as NULL ("not defined"), like a NULL row.
 *
 * 2. Failed runs are never silently left out of a statistic: any failed
 *    run (of the points checked) is a breach of its own, the testcase
 *    "runs_ok" (so "runs_ok" is not allowed as an [expect] key).
 *
 * 3. The experiment.  The one of this scenario text and seed: runner_run
 *    says its id; with --no-run it is looked up by (scenario text, seed)
 *    among the simulated experiments without writing, so checking a
 *    database never changes it.  With --live it is the live experiment
 *    of that text and seed (store.h, mode), whose runs are `sipsim live`
 *    sessions: however many are stored all count, and [golden] is not
 *    checked (a live run's fingerprint never repeats).  A
 *    baseline database's experiment is the latest one with the same
 *    scenario name; its points are matched by point key.
 *
 * 4. Exit status: 0 every check holds, 1 a breach, 2 a usage or input
 *    error (scenario, statement, database, missing runs), 130 the runner
 *    was interrupted.  The report and the JUnit file carry no wall-clock
 *    time (check-report.c note 2).
 */
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "experiment/check.h"
#include "experiment/check-private.h"
#include "experiment/metrics.h"
#include "experiment/runner.h"
#include "experiment/store.h"

/* ------------------------------------------------------------ entries */

typedef struct {
  GArray *expects;   /* CheckExpect */
  GArray *goldens;   /* CheckGolden */
} CheckPlan;

static void
expect_clear_cb (gpointer p)
{
  check_expect_clear (p);
}

static void
golden_clear_cb (gpointer p)
{
  check_golden_clear (p);
}

static void
plan_free (CheckPlan *plan)
{
  if (plan == NULL)
    return;
  g_array_unref (plan->expects);
  g_array_unref (plan->goldens);
  g_free (plan);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CheckPlan, plan_free)

static gboolean
point_key_exists (const Scenario *sc, const char *key)
{
  for (guint i = 0; i < scenario_get_n_points (sc); i++)
    if (strcmp (scenario_get_point (sc, i)->key, key) == 0)
      return TRUE;
  return FALSE;
}

/* The references of a parsed expectation: where names sweep variables and
 * matches at least one point. */
static gboolean
expect_check_refs (const Scenario *sc, const CheckExpect *e, GError **error)
{
  const char * const *vars = scenario_get_variables (sc);
  for (guint i = 0; i < e->where->len; i++)
    {
      const CheckCond *c = &g_array_index (e->where, CheckCond, i);
      gboolean known = vars && g_strv_contains (vars, c->var);
      if (!known)
        {
          if (vars == NULL || vars[0] == NULL)
            g_set_error (error, CHECK_ERROR, CHECK_ERROR_REFERENCE,
                         "expected no where clause (the scenario has no sweep), got '%s'", c->var);
          else
            {
              g_autofree char *list = g_strjoinv (", ", (char **) vars);
              g_set_error (error, CHECK_ERROR, CHECK_ERROR_REFERENCE,
                           "expected a sweep variable (%s) in where, got '%s'", list, c->var);
            }
          return FALSE;
        }
    }
  for (guint i = 0; i < scenario_get_n_points (sc); i++)
    if (check_where_matches (e->where, scenario_get_point (sc, i)->key))
      return TRUE;
  const char *w = strstr (e->statement, "where");
  g_set_error (error, CHECK_ERROR, CHECK_ERROR_REFERENCE,
               "expected a where clause that matches a sweep point, got '%s'", w ? w + 5 + strspn (w + 5, " \t") : "");
  return FALSE;
}

static CheckPlan *
plan_parse (const Scenario *sc, GError **error)
{
  g_autoptr (CheckPlan) plan = g_new0 (CheckPlan, 1);
  plan->expects = g_array_new (FALSE, TRUE, sizeof (CheckExpect));
  g_array_set_clear_func (plan->expects, expect_clear_cb);
  plan->goldens = g_array_new (FALSE, TRUE, sizeof (CheckGolden));
  g_array_set_clear_func (plan->goldens, golden_clear_cb);

  guint n = 0;
  const ScenarioEntry *en = scenario_get_entries (sc, &n);
  for (guint i = 0; i < n; i++)
    {
      const ScenarioEntry *x = &en[i];
      GError *err = NULL;
      if (strcmp (x->section, "expect") == 0)
        {
          CheckExpect e;
          if (strcmp (x->key, "runs_ok") == 0)
            g_set_error (&err, CHECK_ERROR, CHECK_ERROR_PARSE,
                         "expected another name ('runs_ok' is the check that every run succeeded), got 'runs_ok'");
          else if (check_expect_parse (x->value, metrics_names (), &e, &err))
            {
              e.name = g_strdup (x->key);
              e.file = g_strdup (x->file);
              e.line = x->line;
              g_array_append_val (plan->expects, e);
              expect_check_refs (sc, &e, &err);
            }
        }
      else if (strcmp (x->section, "golden") == 0)
        {
          CheckGolden g;
          if (check_golden_parse (x->value, &g, &err))
            {
              g.name = g_strdup (x->key);
              g.file = g_strdup (x->file);
              g.line = x->line;
              g_array_append_val (plan->goldens, g);
              if (!point_key_exists (sc, g.point_key))
                g_set_error (&err, CHECK_ERROR, CHECK_ERROR_REFERENCE,
                             "expected the key of a sweep point (e.g. '%s'), got '%s'",
                             scenario_get_point (sc, 0)->key, g.point_key);
              else if (g.replication >= scenario_get_replications (sc))
                g_set_error (&err, CHECK_ERROR, CHECK_ERROR_REFERENCE,
                             "expected a replication 0..%u, got '%u'",
                             scenario_get_replications (sc) - 1, g.replication);
            }
        }
      if (err)
        {
          g_propagate_prefixed_error (error, err, "%s:%u: [%s] %s: ", x->file, x->line,
                                      x->section, x->key);
          return NULL;
        }
    }
  return g_steal_pointer (&plan);
}

gboolean
check_validate (const Scenario *sc, GError **error)
{
  g_return_val_if_fail (sc != NULL, FALSE);
  g_autoptr (CheckPlan) plan = plan_parse (sc, error);
  return plan != NULL;
}

/* ------------------------------------------------------------ database */

static gboolean
sql_fail (sqlite3 *db, GError **error)
{
  g_set_error (error, STORE_ERROR, STORE_ERROR_SQL, "%s", sqlite3_errmsg (db));
  return FALSE;
}

/* The experiment of (@text, @seed), without writing (note 3); 0 if none. */
static gint64
find_experiment (sqlite3 *db, const char *text, guint64 seed, const char *mode, GError **error)
{
  sqlite3_stmt *st = NULL;
  gint64 id = 0;
  char hex[STORE_HEX64_STRLEN];
  store_hex64_format (seed, hex);
  if (sqlite3_prepare_v2 (db, "SELECT id FROM experiment WHERE scenario = ?1 AND seed = ?2 "
                          "AND mode = ?3 ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
    return sql_fail (db, error) ? 0 : -1;
  sqlite3_bind_text (st, 1, text, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, hex, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 3, mode, -1, SQLITE_STATIC);
  if (sqlite3_step (st) == SQLITE_ROW)
    id = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return id;
}

/* The latest simulated experiment named @name (a baseline is a
 * simulated one, note 3); 0 if none, -1 on an SQL error. */
static gint64
find_experiment_by_name (sqlite3 *db, const char *name, GError **error)
{
  sqlite3_stmt *st = NULL;
  gint64 id = 0;
  if (sqlite3_prepare_v2 (db, "SELECT id FROM experiment WHERE name = ?1 AND mode = 'sim' "
                          "ORDER BY id DESC LIMIT 1",
                          -1, &st, NULL) != SQLITE_OK)
    return sql_fail (db, error) ? 0 : -1;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step (st) == SQLITE_ROW)
    id = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return id;
}

typedef struct {
  char    *point_key;
  guint    replication;
  gboolean ok;
  char    *error;
  char    *fingerprint;
  guint    fingerprint_version;   /* 0 when NULL (a failed run) */
} RunRow;

static void
run_row_clear (gpointer p)
{
  RunRow *r = p;
  g_free (r->point_key);
  g_free (r->error);
  g_free (r->fingerprint);
}

static GArray *
load_runs (sqlite3 *db, gint64 exp, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db, "SELECT point_key, replication, status, error, fingerprint,"
                          " coalesce(fingerprint_version, 0) FROM run "
                          "WHERE experiment_id = ?1 ORDER BY point, replication", -1, &st, NULL)
      != SQLITE_OK)
    {
      sql_fail (db, error);
      return NULL;
    }
  sqlite3_bind_int64 (st, 1, exp);
  GArray *runs = g_array_new (FALSE, TRUE, sizeof (RunRow));
  g_array_set_clear_func (runs, run_row_clear);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      RunRow r = {
        .point_key = g_strdup ((const char *) sqlite3_column_text (st, 0)),
        .replication = sqlite3_column_int (st, 1),
        .ok = g_strcmp0 ((const char *) sqlite3_column_text (st, 2), "ok") == 0,
        .error = g_strdup ((const char *) sqlite3_column_text (st, 3)),
        .fingerprint = g_strdup ((const char *) sqlite3_column_text (st, 4)),
        .fingerprint_version = (guint) sqlite3_column_int64 (st, 5),
      };
      g_array_append_val (runs, r);
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    {
      g_array_unref (runs);
      sql_fail (db, error);
      return NULL;
    }
  return runs;
}

static const RunRow *
find_run (const GArray *runs, const char *point_key, guint rep)
{
  for (guint i = 0; i < runs->len; i++)
    {
      const RunRow *r = &g_array_index (runs, RunRow, i);
      if (r->replication == rep && strcmp (r->point_key, point_key) == 0)
        return r;
    }
  return NULL;
}

/* The sample of @metric at @point_key (note 1); *n_any: runs of the point
 * whatever their status.  FALSE on an SQL error. */
static gboolean
load_sample (sqlite3 *db, gint64 exp, const char *point_key, const char *metric,
             GArray *values, guint *n_null, guint *n_any, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db, "SELECT r.status, m.value FROM run r LEFT JOIN metric m "
                          "ON m.run_id = r.id AND m.unit = '' AND m.name = ?3 "
                          "WHERE r.experiment_id = ?1 AND r.point_key = ?2", -1, &st, NULL)
      != SQLITE_OK)
    return sql_fail (db, error);
  sqlite3_bind_int64 (st, 1, exp);
  sqlite3_bind_text (st, 2, point_key, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, metric, -1, SQLITE_STATIC);
  g_array_set_size (values, 0);
  *n_null = *n_any = 0;
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      (*n_any)++;
      if (g_strcmp0 ((const char *) sqlite3_column_text (st, 0), "ok") != 0)
        continue;
      if (sqlite3_column_type (st, 1) == SQLITE_NULL)
        (*n_null)++;
      else
        {
          double v = sqlite3_column_double (st, 1);
          g_array_append_val (values, v);
        }
    }
  sqlite3_finalize (st);
  return rc == SQLITE_DONE || sql_fail (db, error);
}

/* ------------------------------------------------------------ evaluation */

static gboolean
point_selected (const Scenario *sc, const ScenarioPoint *pt, const char *filter)
{
  return filter == NULL || *filter == '\0' || scenario_point_matches (sc, pt, filter);
}

/* "ka15_nat60_r0": a key-file key naming one run (--print-golden). */
static char *
golden_name (const char *point_key, guint rep)
{
  GString *s = g_string_new (NULL);
  for (const char *p = point_key; *p; p++)
    {
      if (*p == '=')
        continue;
      g_string_append_c (s, *p == ',' ? '_' : (g_ascii_isalnum (*p) || *p == '.' || *p == '-') ? *p : '_');
    }
  g_string_append_printf (s, "%sr%u", s->len ? "_" : "", rep);
  return g_string_free (s, FALSE);
}

/* --golden-only: is (@pt, @rep) one of the runs [golden] pins?  The
 * runner's select function (runner.h) and the choice of runs checked. */
static gboolean
run_pinned (const ScenarioPoint *pt, guint rep, gpointer data)
{
  const GArray *goldens = data;
  for (guint k = 0; k < goldens->len; k++)
    {
      const CheckGolden *g = &g_array_index (goldens, CheckGolden, k);
      if (g->replication == rep && strcmp (g->point_key, pt->key) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Is run (@pt, @rep) one of those checked: its point passes @filter and,
 * with @pinned (--golden-only), [golden] names it. */
static gboolean
run_selected (const Scenario *sc, const char *filter, const GArray *pinned,
              const ScenarioPoint *pt, guint rep)
{
  return point_selected (sc, pt, filter) && (pinned == NULL || run_pinned (pt, rep, (gpointer) pinned));
}

typedef struct {
  const Scenario *sc;
  const char     *filter;
  const GArray   *pinned;     /* --golden-only: the goldens; NULL: every run */
  sqlite3        *db;
  gint64          exp;
  guint           n_reps;     /* replications to look at (note 3) */
  gboolean        live;
  sqlite3        *base_db;    /* NULL without --baseline */
  gint64          base_exp;
} EvalCtx;

static gboolean
evaluate (const EvalCtx *cx, const CheckPlan *plan, const GArray *runs,
          CheckReport *report, GError **error)
{
  /* runs_ok (note 2) */
  guint n_runs = 0, n_failed = 0;
  const RunRow *first_failed = NULL;
  for (guint i = 0; i < scenario_get_n_points (cx->sc); i++)
    {
      const ScenarioPoint *pt = scenario_get_point (cx->sc, i);
      if (!point_selected (cx->sc, pt, cx->filter))
        continue;
      for (guint r = 0; r < cx->n_reps; r++)
        {
          const RunRow *row = find_run (runs, pt->key, r);
          if (row == NULL || !run_selected (cx->sc, cx->filter, cx->pinned, pt, r))
            continue;
          n_runs++;
          if (!row->ok)
            {
              n_failed++;
              first_failed = first_failed ? first_failed : row;
            }
        }
    }
  if (n_failed == 0)
    {
      g_autofree char *t = g_strdup_printf ("all %u runs ok", n_runs);
      check_report_add (report, "runs_ok", NULL, TRUE, t);
    }
  else
    {
      g_autofree char *t = g_strdup_printf ("%u of %u runs failed; first: %s#%u: %s",
                                            n_failed, n_runs, first_failed->point_key,
                                            first_failed->replication,
                                            first_failed->error ? first_failed->error : "(no message)");
      check_report_add (report, "runs_ok", NULL, FALSE, t);
    }

  g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) bvalues = g_array_new (FALSE, FALSE, sizeof (double));
  /* --golden-only: a statistic over two pinned runs would say nothing */
  for (guint k = 0; cx->pinned == NULL && k < plan->expects->len; k++)
    {
      const CheckExpect *e = &g_array_index (plan->expects, CheckExpect, k);
      for (guint i = 0; i < scenario_get_n_points (cx->sc); i++)
        {
          const ScenarioPoint *pt = scenario_get_point (cx->sc, i);
          if (!point_selected (cx->sc, pt, cx->filter) || !check_where_matches (e->where, pt->key))
            continue;
          guint n_null, n_any;
          if (!load_sample (cx->db, cx->exp, pt->key, e->metric, values, &n_null, &n_any, error))
            return FALSE;
          CheckSample s = { (const double *) values->data, values->len, n_null };
          CheckSample b = { 0 };
          gboolean have_base = FALSE;
          if (e->baseline && cx->base_db)
            {
              guint bn_null, bn_any;
              if (!load_sample (cx->base_db, cx->base_exp, pt->key, e->metric, bvalues,
                                &bn_null, &bn_any, error))
                return FALSE;
              b = (CheckSample) { (const double *) bvalues->data, bvalues->len, bn_null };
              have_base = bn_any > 0;
            }
          g_autofree char *text = NULL;
          gboolean pass = check_expect_eval (e, &s, have_base ? &b : NULL, &text);
          check_report_add (report, e->name, pt->key, pass, text);
        }
    }

  for (guint k = 0; k < (cx->live ? 0 : plan->goldens->len); k++)
    {
      const CheckGolden *g = &g_array_index (plan->goldens, CheckGolden, k);
      const ScenarioPoint *pt = NULL;
      for (guint i = 0; i < scenario_get_n_points (cx->sc) && !pt; i++)
        if (strcmp (scenario_get_point (cx->sc, i)->key, g->point_key) == 0)
          pt = scenario_get_point (cx->sc, i);
      if (pt == NULL || !point_selected (cx->sc, pt, cx->filter))
        continue;
      const RunRow *row = find_run (runs, g->point_key, g->replication);
      char want[STORE_HEX64_STRLEN];
      store_hex64_format (g->fingerprint, want);
      g_autofree char *t = NULL;
      gboolean pass = FALSE;
      if (row == NULL)
        t = g_strdup_printf ("%s#%u: no such run stored", g->point_key, g->replication);
      else if (!row->ok)
        t = g_strdup_printf ("%s#%u: the run failed: %s", g->point_key, g->replication,
                             row->error ? row->error : "(no message)");
      else if (row->fingerprint_version != SIM_FINGERPRINT_VERSION)
        /* Pins carry no version: a pin is of the version of the sipsim
         * that checks it, so a run stored by another version is never
         * compared with it (it could match an old pin, or fail a new one
         * for no change of behaviour). */
        t = g_strdup_printf ("%s#%u: stored with fingerprint version %u, pins are version "
                             G_STRINGIFY (SIM_FINGERPRINT_VERSION) " (doc/results.md): run "
                             "the scenario into a new database", g->point_key, g->replication,
                             row->fingerprint_version);
      else
        {
          pass = row->fingerprint && g_ascii_strcasecmp (row->fingerprint, want) == 0;
          t = pass ? g_strdup_printf ("%s#%u: fingerprint %s as pinned", g->point_key,
                                      g->replication, want)
                   : g_strdup_printf ("%s#%u: fingerprint %s, pinned %s (behaviour changed, "
                                      "or the pin predates fingerprint version "
                                      G_STRINGIFY (SIM_FINGERPRINT_VERSION) ")",
                                      g->point_key, g->replication,
                                      row->fingerprint ? row->fingerprint : "NULL", want);
        }
      check_report_add (report, g->name, NULL, pass, t);
    }
  return TRUE;
}

/* ------------------------------------------------------------ command */

static void
print_golden (const Scenario *sc, const char *filter, const GArray *pinned, const GArray *runs,
              gint64 exp, const char *db_path)
{
  printf ("# sipsim check --print-golden: experiment %" G_GINT64_FORMAT " of %s\n"
          "[golden]\n", exp, db_path);
  for (guint i = 0; i < scenario_get_n_points (sc); i++)
    {
      const ScenarioPoint *pt = scenario_get_point (sc, i);
      if (!point_selected (sc, pt, filter))
        continue;
      for (guint r = 0; r < scenario_get_replications (sc); r++)
        {
          const RunRow *row = find_run (runs, pt->key, r);
          if (row == NULL || !run_selected (sc, filter, pinned, pt, r))
            continue;
          g_autofree char *name = golden_name (pt->key, r);
          if (row->ok && row->fingerprint && row->fingerprint_version != SIM_FINGERPRINT_VERSION)
            printf ("# %s = %s#%u: stored with fingerprint version %u, not a pin of version "
                    G_STRINGIFY (SIM_FINGERPRINT_VERSION) "\n", name, pt->key, r,
                    row->fingerprint_version);
          else if (row->ok && row->fingerprint)
            printf ("%s = %s#%u %s\n", name, pt->key, r, row->fingerprint);
          else
            printf ("# %s = %s#%u: the run failed: %s\n", name, pt->key, r,
                    row->error ? row->error : "(no message)");
        }
    }
}

static gboolean
plan_uses_baseline (const CheckPlan *plan)
{
  for (guint k = 0; k < plan->expects->len; k++)
    if (g_array_index (plan->expects, CheckExpect, k).baseline)
      return TRUE;
  return FALSE;
}

int
check_scenario (const Scenario *sc, const CheckOptions *opt, GError **err_out)
{
  const char *baseline = opt->baseline, *junit = opt->junit, *filter = opt->filter;
  gboolean no_run = opt->no_run || opt->live, golden = opt->print_golden;
  g_autofree char *db_path = g_strdup (opt->db_path);
  GError *error = NULL;
  g_autoptr (CheckPlan) plan = plan_parse (sc, &error);
  if (plan == NULL || (filter && !scenario_filter_check (sc, filter, &error)))
    {
      g_propagate_error (err_out, error);
      return 2;
    }
  const GArray *pinned = opt->golden_only ? plan->goldens : NULL;
  if (pinned && pinned->len == 0)
    {
      g_set_error (err_out, CHECK_ERROR, CHECK_ERROR_INPUT,
                   "%s has no [golden] entries: --golden-only has nothing to check", opt->label);
      return 2;
    }
  if (plan_uses_baseline (plan) && baseline == NULL && !golden && !pinned)
    {
      g_set_error (err_out, CHECK_ERROR, CHECK_ERROR_INPUT,
                   "%s uses 'baseline' in a bound: give --baseline DB", opt->label);
      return 2;
    }
  if (opt->live && golden)
    {
      g_set_error (err_out, CHECK_ERROR, CHECK_ERROR_INPUT,
                   "--print-golden and --live: a live run's fingerprint never repeats");
      return 2;
    }
  if (db_path == NULL)
    db_path = runner_default_db_path (sc);

  gint64 exp = 0;
  if (!no_run)
    {
      RunnerOptions ropt = {
        .db_path = db_path,
        .jobs = opt->jobs,
        .filter = filter,
        .select = pinned ? run_pinned : NULL,
        .select_data = (gpointer) pinned,
        .progress = opt->quiet ? RUNNER_PROGRESS_NONE : RUNNER_PROGRESS_AUTO,
      };
      RunnerSummary sum = { 0 };
      if (!runner_run (sc, &ropt, &sum, err_out))
        return 2;
      if (sum.interrupted)
        {
          g_set_error (err_out, CHECK_ERROR, CHECK_ERROR_INTERRUPTED,
                       "interrupted; nothing checked");
          return 130;
        }
      exp = sum.experiment;
    }
  else if (!g_file_test (db_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (err_out, CHECK_ERROR, CHECK_ERROR_INPUT,
                   "%s: no such database (--no-run runs nothing)", db_path);
      return 2;
    }

  g_autoptr (GArray) runs = NULL;
  Store *store = store_open_readonly (db_path, &error);
  Store *base_store = NULL;
  g_autoptr (CheckReport) report = NULL;
  g_autofree char *first_missing = NULL;   /* declared before the first goto */
  int status = 2;
  if (store == NULL)
    goto out;
  sqlite3 *db = store_get_db (store);
  if (exp == 0)
    {
      exp = find_experiment (db, scenario_get_text (sc), scenario_get_seed (sc),
                             opt->live ? "live" : "sim", &error);
      if (exp < 0)
        goto out;
      if (exp == 0)
        {
          g_set_error (&error, CHECK_ERROR, CHECK_ERROR_INPUT,
                       "%s has no %sexperiment of this scenario text and seed (%" G_GINT64_MODIFIER
                       "u): run it first%s", db_path, opt->live ? "live " : "",
                       scenario_get_seed (sc),
                       opt->live ? " with sipsim live -o DB" : ", or drop --no-run");
          goto out;
        }
    }
  runs = load_runs (db, exp, &error);
  if (runs == NULL)
    goto out;

  /* every selected run must be stored (failed ones count as stored);
   * a live experiment has what its sessions stored (note 3) */
  guint missing = 0, planned = 0, n_reps = scenario_get_replications (sc);
  if (opt->live)
    {
      n_reps = 0;
      for (guint i = 0; i < runs->len; i++)
        n_reps = MAX (n_reps, g_array_index (runs, RunRow, i).replication + 1);
    }
  for (guint i = 0; i < (opt->live ? 0 : scenario_get_n_points (sc)); i++)
    {
      const ScenarioPoint *pt = scenario_get_point (sc, i);
      if (!point_selected (sc, pt, filter))
        continue;
      for (guint r = 0; r < scenario_get_replications (sc); r++)
        {
          if (!run_selected (sc, filter, pinned, pt, r))
            continue;
          planned++;
          if (find_run (runs, pt->key, r) == NULL && missing++ == 0)
            first_missing = g_strdup_printf ("%s#%u", pt->key, r);
        }
    }
  if (missing)
    {
      g_set_error (&error, CHECK_ERROR, CHECK_ERROR_INPUT,
                   "%u of %u runs are not in %s (first: '%s'): run them with sipsim run%s",
                   missing, planned, db_path, first_missing, no_run ? ", or drop --no-run" : "");
      goto out;
    }

  if (golden)
    {
      print_golden (sc, filter, pinned, runs, exp, db_path);
      status = 0;
      goto out;
    }

  EvalCtx cx = { .sc = sc, .filter = filter, .pinned = pinned, .db = db, .exp = exp,
                 .n_reps = n_reps, .live = opt->live };
  if (baseline && !pinned)
    {
      base_store = store_open_readonly (baseline, &error);
      if (base_store == NULL)
        goto out;
      cx.base_db = store_get_db (base_store);
      cx.base_exp = find_experiment_by_name (cx.base_db, scenario_get_name (sc), &error);
      if (cx.base_exp < 0)
        goto out;
      if (cx.base_exp == 0)
        {
          g_set_error (&error, CHECK_ERROR, CHECK_ERROR_INPUT,
                       "baseline %s has no experiment named '%s'", baseline, scenario_get_name (sc));
          goto out;
        }
    }

  report = check_report_new (scenario_get_name (sc));
  if (!evaluate (&cx, plan, runs, report, &error))
    goto out;
  printf ("sipsim check %s: experiment %" G_GINT64_FORMAT " in %s", opt->label, exp, db_path);
  if (cx.base_db)
    printf (", baseline experiment %" G_GINT64_FORMAT " in %s", cx.base_exp, baseline);
  printf ("\n");
  check_report_print (report, stdout);
  if (junit && !check_report_write_junit (report, junit, &error))
    goto out;
  status = check_report_failed (report) ? 1 : 0;

out:
  if (error)
    g_propagate_error (err_out, error);
  store_close (base_store);
  store_close (store);
  fflush (stdout);
  return status;
}
