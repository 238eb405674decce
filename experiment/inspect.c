/*
 * experiment/inspect.c - dry run, info and export (inspect.h).
 */
#include "experiment/inspect.h"

#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "experiment/lint.h"
#include "experiment/shard.h"

static gboolean
sql_fail (Store *store, GError **error, const char *what)
{
  g_set_error (error, STORE_ERROR, STORE_ERROR_SQL, "%s: %s", what,
               sqlite3_errmsg (store_get_db (store)));
  return FALSE;
}

/* ------------------------------------------------------------ dry run */

/* The stored experiment of @sc's text and seed; 0 if none. */
static gint64
find_experiment (Store *store, const Scenario *sc)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                         scenario_get_text (sc), -1);
  char seed[STORE_HEX64_STRLEN];
  store_hex64_format (scenario_get_seed (sc), seed);
  sqlite3_stmt *st = NULL;
  gint64 id = 0;
  if (sqlite3_prepare_v2 (store_get_db (store),
                          "SELECT id FROM experiment WHERE scenario_hash = ?1 AND seed = ?2",
                          -1, &st, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (st, 1, hash, -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 2, seed, -1, SQLITE_STATIC);
      if (sqlite3_step (st) == SQLITE_ROW)
        id = sqlite3_column_int64 (st, 0);
    }
  sqlite3_finalize (st);
  return id;
}

gboolean
runner_dry_run (const Scenario *sc, const RunnerOptions *opt, FILE *out, GError **error)
{
  g_autofree char *dflt = opt->db_path ? NULL : runner_default_db_path (sc);
  const char *db = opt->db_path ? opt->db_path : dflt;
  g_autoptr (Store) store = NULL;
  g_autoptr (GHashTable) done = NULL;
  gint64 exp = 0;
  if (g_file_test (db, G_FILE_TEST_EXISTS))
    {
      store = store_open_readonly (db, error);
      if (!store)
        return FALSE;
      exp = find_experiment (store, sc);
      if (exp > 0 && !(done = store_done_runs (store, exp, error)))
        return FALSE;
    }

  guint reps = scenario_get_replications (sc);
  const char *const *vars = scenario_get_variables (sc);
  g_autofree char *dur = lint_format_seconds (sim_time_to_s (scenario_get_duration (sc)));
  GString *vl = g_string_new (NULL);
  for (guint v = 0; vars && vars[v]; v++)
    g_string_append_printf (vl, "%s%s", v ? ", " : "", vars[v]);
  fprintf (out, "scenario %s: %u sweep point%s (%s) x %u replication%s, %s simulated each, "
           "experiment seed %" G_GUINT64_FORMAT "\n",
           scenario_get_name (sc), scenario_get_n_points (sc),
           scenario_get_n_points (sc) == 1 ? "" : "s", vl->len ? vl->str : "no sweep variables",
           reps, reps == 1 ? "" : "s", dur, scenario_get_seed (sc));
  g_string_free (vl, TRUE);

  guint width = 9;
  for (guint p = 0; p < scenario_get_n_points (sc) && p < 200; p++)
    width = MAX (width, (guint) strlen (scenario_get_point (sc, p)->key));
  fprintf (out, "%6s  %-*s  %7s  %s\n", "point", (int) width, "key", "devices", "stored");
  guint64 planned = 0, stored = 0, shown = 0;
  for (guint p = 0; p < scenario_get_n_points (sc); p++)
    {
      const ScenarioPoint *pt = scenario_get_point (sc, p);
      if (!scenario_point_matches (sc, pt, opt->filter))
        continue;
      guint have = 0, mine = 0;
      for (guint r = 0; r < reps; r++)
        {
          if (!shard_selects (&opt->shard, pt->key, r))
            continue;   /* another shard's run (--shard I/N) */
          mine++;
          g_autofree char *k = store_run_key (pt->key, r);
          have += done && g_hash_table_contains (done, k);
        }
      if (mine == 0)
        continue;
      planned += mine;
      stored += have;
      if (shown++ < 50)
        fprintf (out, "%6u  %-*s  %7u  %u/%u\n", p, (int) width, pt->key[0] ? pt->key : "(none)",
                 scenario_get_n_devices (sc, p), have, mine);
    }
  if (shown > 50)
    fprintf (out, "   ... %" G_GUINT64_FORMAT " more points\n", shown - 50);
  fprintf (out, "runs: %" G_GUINT64_FORMAT " planned%s%s, %" G_GUINT64_FORMAT
           " already stored, %" G_GUINT64_FORMAT " would run\n",
           planned, opt->filter && *opt->filter ? " (filtered)" : "",
           opt->shard.count ? " (this shard)" : "", stored, planned - stored);
  if (!store)
    fprintf (out, "database: %s does not exist yet (it will be created)\n", db);
  else if (exp == 0)
    fprintf (out, "database: %s has no experiment of this scenario text and seed (a new one "
             "will be added)\n", db);
  else
    fprintf (out, "database: %s, experiment %" G_GINT64_FORMAT "\n", db, exp);

  LintEstimate est;
  g_autoptr (GError) big = NULL;
  lint_estimate (sc, opt->filter, opt->jobs, &est, &big);
  double frac = planned ? (double) (planned - stored) / (double) planned : 0;
  g_autofree char *mem = lint_format_bytes (est.peak_bytes);
  g_autofree char *cpu = lint_format_seconds (est.cpu_s * frac);
  g_autofree char *wall = lint_format_seconds (est.wall_s * frac);
  fprintf (out, "estimate: largest run %.0f device%s; memory %s for %u at once; "
           "CPU time %s, wall time %s on %u thread%s (from doc/performance.md, on the high side)\n",
           est.max_devices, est.max_devices == 1 ? "" : "s", mem,
           (guint) MAX (1.0, MIN ((double) est.threads, est.runs)), cpu, wall, est.threads,
           est.threads == 1 ? "" : "s");
  if (big)
    fprintf (out, "refused: %s\n", big->message);
  return TRUE;
}

/* --------------------------------------------------------------- info */

gboolean
inspect_info (const char *path, FILE *out, GError **error)
{
  g_autoptr (Store) store = store_open_readonly (path, error);
  if (!store)
    return FALSE;
  sqlite3 *db = store_get_db (store);
  sqlite3_stmt *ex = NULL, *runs = NULL, *params = NULL, *metrics = NULL;
  gboolean ok = FALSE;
  if (sqlite3_prepare_v2 (db, "SELECT id, name, seed, version, created FROM experiment ORDER BY id",
                          -1, &ex, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "SELECT COUNT(DISTINCT point_key), COUNT(*), "
                             "COALESCE(SUM(status = 'ok'), 0), COALESCE(SUM(status = 'failed'), 0), "
                             "COALESCE(MAX(replication) + 1, 0), COALESCE(SUM(sim_s), 0), "
                             "COALESCE(SUM(wall_s), 0), MIN(id), MAX(id) "
                             "FROM run WHERE experiment_id = ?1", -1, &runs, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "SELECT p.name, COUNT(DISTINCT p.value) FROM param p "
                             "JOIN run r ON r.id = p.run_id WHERE r.experiment_id = ?1 "
                             "GROUP BY p.name ORDER BY MIN(instr(r.point_key, p.name || '='))", -1, &params, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "SELECT m.name, COUNT(*), COUNT(m.value), MIN(m.value), "
                             "MAX(m.value) FROM metric m JOIN run r ON r.id = m.run_id "
                             "WHERE r.experiment_id = ?1 AND m.unit = '' GROUP BY m.name "
                             "ORDER BY m.name", -1, &metrics, NULL) != SQLITE_OK)
    {
      sql_fail (store, error, path);
      goto out;
    }
  guint n = 0;
  while (sqlite3_step (ex) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (ex, 0);
      n++;
      fprintf (out, "experiment %" G_GINT64_FORMAT ": %s, seed 0x%s, sipsim %s, created %s\n", id,
               (const char *) sqlite3_column_text (ex, 1), (const char *) sqlite3_column_text (ex, 2),
               (const char *) sqlite3_column_text (ex, 3), (const char *) sqlite3_column_text (ex, 4));
      sqlite3_reset (runs);
      sqlite3_bind_int64 (runs, 1, id);
      if (sqlite3_step (runs) == SQLITE_ROW)
        fprintf (out, "  runs: %d (ids %lld..%lld): %d ok, %d failed; %d sweep point%s x up to %d "
                 "replication%s; %.0f simulated s, %.1f wall s\n",
                 sqlite3_column_int (runs, 1), (long long) sqlite3_column_int64 (runs, 7),
                 (long long) sqlite3_column_int64 (runs, 8), sqlite3_column_int (runs, 2),
                 sqlite3_column_int (runs, 3), sqlite3_column_int (runs, 0),
                 sqlite3_column_int (runs, 0) == 1 ? "" : "s", sqlite3_column_int (runs, 4),
                 sqlite3_column_int (runs, 4) == 1 ? "" : "s", sqlite3_column_double (runs, 5),
                 sqlite3_column_double (runs, 6));
      sqlite3_reset (params);
      sqlite3_bind_int64 (params, 1, id);
      gboolean first = TRUE;
      while (sqlite3_step (params) == SQLITE_ROW)
        {
          fprintf (out, "%s%s (%d values)", first ? "  swept: " : ", ",
                   (const char *) sqlite3_column_text (params, 0), sqlite3_column_int (params, 1));
          first = FALSE;
        }
      if (!first)
        fputc ('\n', out);
      sqlite3_reset (metrics);
      sqlite3_bind_int64 (metrics, 1, id);
      fprintf (out, "  metrics (runs with a value / runs, min .. max):\n");
      while (sqlite3_step (metrics) == SQLITE_ROW)
        {
          if (sqlite3_column_type (metrics, 3) == SQLITE_NULL)
            fprintf (out, "    %-28s %d/%d\n", (const char *) sqlite3_column_text (metrics, 0),
                     sqlite3_column_int (metrics, 2), sqlite3_column_int (metrics, 1));
          else
            fprintf (out, "    %-28s %d/%d  %g .. %g\n", (const char *) sqlite3_column_text (metrics, 0),
                     sqlite3_column_int (metrics, 2), sqlite3_column_int (metrics, 1),
                     sqlite3_column_double (metrics, 3), sqlite3_column_double (metrics, 4));
        }
      g_autofree char *text = store_get_experiment_scenario (store, id, NULL);
      if (text && strstr (text, "# -D "))
        {
          fprintf (out, "  command-line overrides:\n");
          g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
          for (guint i = 0; lines[i]; i++)
            if (g_str_has_prefix (lines[i], "# -D "))
              fprintf (out, "    %s\n", lines[i] + 2);
        }
    }
  if (n == 0)
    fprintf (out, "%s: no experiments yet\n", path);
  else
    fprintf (out, "(sipsim show --db %s --experiment ID prints a stored scenario; "
             "sipsim export %s writes the runs as CSV)\n", path, path);
  ok = TRUE;
out:
  sqlite3_finalize (ex);
  sqlite3_finalize (runs);
  sqlite3_finalize (params);
  sqlite3_finalize (metrics);
  return ok;
}

/* ------------------------------------------------------------- export */

static void
csv_field (FILE *out, const char *s)
{
  if (s == NULL)
    return;
  if (strpbrk (s, ",\"\n\r") == NULL)
    {
      fputs (s, out);
      return;
    }
  fputc ('"', out);
  for (const char *p = s; *p; p++)
    {
      if (*p == '"')
        fputc ('"', out);
      fputc (*p, out);
    }
  fputc ('"', out);
}

static void
json_string (FILE *out, const char *s)
{
  if (s == NULL)
    {
      fputs ("null", out);
      return;
    }
  fputc ('"', out);
  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        fprintf (out, "\\%c", *p);
      else if (*p < 0x20)
        fprintf (out, "\\u%04x", *p);
      else
        fputc (*p, out);
    }
  fputc ('"', out);
}

/* A value of either format: NULL as empty (CSV) or null (JSON). */
static void
put_number (FILE *out, ExportFormat f, gboolean null, double v)
{
  if (null)
    {
      if (f == EXPORT_JSON)
        fputs ("null", out);
      return;
    }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  fputs (g_ascii_formatd (buf, sizeof buf, "%.17g", v), out);
}

typedef struct {
  FILE        *out;
  ExportFormat format;
  guint        n_fields;   /* in this row so far */
  gboolean     first_row;
} Writer;

static void
row_begin (Writer *w)
{
  w->n_fields = 0;
  if (w->format == EXPORT_JSON)
    fputs (w->first_row ? "[\n  {" : ",\n  {", w->out);
  w->first_row = FALSE;
}

static void
field_sep (Writer *w, const char *name)
{
  if (w->format == EXPORT_CSV)
    {
      if (w->n_fields)
        fputc (',', w->out);
    }
  else
    {
      fputs (w->n_fields ? ", " : "", w->out);
      json_string (w->out, name);
      fputs (": ", w->out);
    }
  w->n_fields++;
}

static void
put_text (Writer *w, const char *name, const char *v)
{
  field_sep (w, name);
  if (w->format == EXPORT_CSV)
    csv_field (w->out, v);
  else
    json_string (w->out, v);
}

static void
put_num (Writer *w, const char *name, gboolean null, double v)
{
  field_sep (w, name);
  put_number (w->out, w->format, null, v);
}

static void
row_end (Writer *w)
{
  fputs (w->format == EXPORT_JSON ? "}" : "\n", w->out);
}

/* Distinct values of a one-column query, in its order. */
static GPtrArray *
column_list (Store *store, const char *sql, gint64 exp, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (store_get_db (store), sql, -1, &st, NULL) != SQLITE_OK)
    {
      sql_fail (store, error, "export");
      return NULL;
    }
  sqlite3_bind_int64 (st, 1, exp);
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  while (sqlite3_step (st) == SQLITE_ROW)
    g_ptr_array_add (a, g_strdup ((const char *) sqlite3_column_text (st, 0)));
  sqlite3_finalize (st);
  return a;
}

gboolean
inspect_export (Store *store, const ExportOptions *opt, FILE *out, GError **error)
{
  sqlite3 *db = store_get_db (store);
  const gint64 exp = opt->experiment;
  /* Parameter names in sweep order (the order of the first point key
   * that names them), metric names alphabetically. */
  g_autoptr (GPtrArray) params = column_list (store,
    "SELECT p.name FROM param p JOIN run r ON r.id = p.run_id "
    "WHERE ?1 = 0 OR r.experiment_id = ?1 GROUP BY p.name "
    "ORDER BY MIN(r.experiment_id), MIN(instr(r.point_key, p.name || '='))", exp, error);
  if (!params)
    return FALSE;
  g_autoptr (GPtrArray) metrics = column_list (store,
    "SELECT DISTINCT m.name FROM metric m JOIN run r ON r.id = m.run_id "
    "WHERE (?1 = 0 OR r.experiment_id = ?1) AND m.unit = '' ORDER BY m.name", exp, error);
  if (!metrics)
    return FALSE;
  if (opt->metrics && *opt->metrics)
    {
      g_auto (GStrv) want = g_strsplit (opt->metrics, ",", -1);
      g_ptr_array_set_size (metrics, 0);
      g_autoptr (GPtrArray) all = column_list (store,
        "SELECT DISTINCT name FROM metric WHERE unit = '' ORDER BY name", 0, error);
      if (!all)
        return FALSE;
      for (guint i = 0; want[i]; i++)
        {
          char *m = g_strstrip (want[i]);
          gboolean found = FALSE;
          for (guint j = 0; j < all->len; j++)
            found |= g_str_equal (all->pdata[j], m);
          if (!found)
            {
              g_autoptr (GString) names = g_string_new (NULL);
              for (guint j = 0; j < all->len; j++)
                g_string_append_printf (names, "%s%s", j ? ", " : "", (char *) all->pdata[j]);
              g_set_error (error, STORE_ERROR, STORE_ERROR_NOT_FOUND,
                           "--metric %s: no such metric in the database (there are: %s)", m,
                           names->str);
              return FALSE;
            }
          g_ptr_array_add (metrics, g_strdup (m));
        }
    }

  sqlite3_stmt *runs = NULL, *mq = NULL;
  if (sqlite3_prepare_v2 (db, "SELECT id, experiment_id, point, point_key, replication, seed, "
                          "status, fingerprint FROM run WHERE ?1 = 0 OR experiment_id = ?1 "
                          "ORDER BY experiment_id, point, replication", -1, &runs, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "SELECT name, value FROM metric WHERE run_id = ?1 AND unit = ''",
                             -1, &mq, NULL) != SQLITE_OK)
    {
      sqlite3_finalize (runs);
      return sql_fail (store, error, "export");
    }
  sqlite3_bind_int64 (runs, 1, exp);
  Writer w = { out, opt->format, 0, TRUE };
  if (opt->format == EXPORT_CSV)
    {
      fputs (opt->layout == EXPORT_WIDE
             ? "run_id,experiment,point,point_key,replication,seed,status,fingerprint"
             : "run_id,experiment,point_key,replication", out);
      for (guint i = 0; i < params->len; i++)
        {
          fputc (',', out);
          csv_field (out, params->pdata[i]);
        }
      if (opt->layout == EXPORT_WIDE)
        for (guint i = 0; i < metrics->len; i++)
          {
            fputc (',', out);
            csv_field (out, metrics->pdata[i]);
          }
      else
        fputs (",metric,value", out);
      fputc ('\n', out);
    }

  gboolean ok = TRUE;
  int rc;
  while ((rc = sqlite3_step (runs)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (runs, 0);
      g_autoptr (GHashTable) pv = store_get_run_params (store, id, error);
      if (!pv)
        {
          ok = FALSE;
          break;
        }
      g_autoptr (GHashTable) mv = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      sqlite3_reset (mq);
      sqlite3_bind_int64 (mq, 1, id);
      while (sqlite3_step (mq) == SQLITE_ROW)
        {
          double *v = NULL;
          if (sqlite3_column_type (mq, 1) != SQLITE_NULL)
            {
              v = g_new (double, 1);
              *v = sqlite3_column_double (mq, 1);
            }
          g_hash_table_insert (mv, g_strdup ((const char *) sqlite3_column_text (mq, 0)), v);
        }
      const char *key = (const char *) sqlite3_column_text (runs, 3);
      gint64 e = sqlite3_column_int64 (runs, 1);
      int rep = sqlite3_column_int (runs, 4);
      if (opt->layout == EXPORT_WIDE)
        {
          row_begin (&w);
          put_num (&w, "run_id", FALSE, (double) id);
          put_num (&w, "experiment", FALSE, (double) e);
          put_num (&w, "point", FALSE, sqlite3_column_int (runs, 2));
          put_text (&w, "point_key", key);
          put_num (&w, "replication", FALSE, rep);
          put_text (&w, "seed", (const char *) sqlite3_column_text (runs, 5));
          put_text (&w, "status", (const char *) sqlite3_column_text (runs, 6));
          put_text (&w, "fingerprint", (const char *) sqlite3_column_text (runs, 7));
          for (guint i = 0; i < params->len; i++)
            put_text (&w, params->pdata[i], g_hash_table_lookup (pv, params->pdata[i]));
          for (guint i = 0; i < metrics->len; i++)
            {
              const double *v = g_hash_table_lookup (mv, metrics->pdata[i]);
              put_num (&w, metrics->pdata[i], v == NULL, v ? *v : 0);
            }
          row_end (&w);
        }
      else
        for (guint m = 0; m < metrics->len; m++)
          {
            gpointer vp;
            if (!g_hash_table_lookup_extended (mv, metrics->pdata[m], NULL, &vp))
              continue;
            const double *v = vp;
            row_begin (&w);
            put_num (&w, "run_id", FALSE, (double) id);
            put_num (&w, "experiment", FALSE, (double) e);
            put_text (&w, "point_key", key);
            put_num (&w, "replication", FALSE, rep);
            for (guint i = 0; i < params->len; i++)
              put_text (&w, params->pdata[i], g_hash_table_lookup (pv, params->pdata[i]));
            put_text (&w, "metric", metrics->pdata[m]);
            put_num (&w, "value", v == NULL, v ? *v : 0);
            row_end (&w);
          }
    }
  if (ok && rc != SQLITE_DONE)
    ok = sql_fail (store, error, "export");
  if (opt->format == EXPORT_JSON)
    fputs (w.first_row ? "[]\n" : "\n]\n", out);
  sqlite3_finalize (runs);
  sqlite3_finalize (mq);
  if (ok && ferror (out))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "writing the export failed");
      ok = FALSE;
    }
  return ok;
}
