/*
 * experiment/merge.c - run copies and `sipsim merge` (merge.h).
 *
 * Inputs are ATTACHed to OUT's connection one at a time (SQLite attaches
 * at most ten databases at once, a sweep may have a hundred shards) and
 * each is merged in one transaction, so an input is merged whole or not
 * at all (merge.h note 2).
 */
#include "experiment/merge.h"

#include <string.h>

#include "experiment/scenario.h"
#include "experiment/store.h"
#include "experiment/trace-blob.h"

G_DEFINE_QUARK (merge-error-quark, merge_error)

/* ---------------------------------------------------------- run copies */

typedef struct {
  sqlite3_stmt *st;
} Child;

struct RunCopier {
  sqlite3      *db;
  sqlite3_stmt *run;       /* ?1 source id, ?2 experiment, ?3 point */
  GArray       *children;  /* Child: ?1 source id, ?2 new run id */
};

static gboolean
copier_sql_error (sqlite3 *db, GError **error, const char *what)
{
  g_set_error (error, MERGE_ERROR, MERGE_ERROR_SQL, "%s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

/* The columns of main.@table, in order. */
static GPtrArray *
table_columns (sqlite3 *db, const char *table)
{
  GPtrArray *cols = g_ptr_array_new_with_free_func (g_free);
  char *sql = sqlite3_mprintf ("SELECT name FROM pragma_table_info(%Q, 'main') ORDER BY cid", table);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK)
    while (sqlite3_step (st) == SQLITE_ROW)
      g_ptr_array_add (cols, g_strdup ((const char *) sqlite3_column_text (st, 0)));
  sqlite3_finalize (st);
  sqlite3_free (sql);
  return cols;
}

/* INSERT INTO main.@table (cols) SELECT cols FROM @src.@table WHERE @key
 * = ?1, with the columns named in @subst (name, expression pairs)
 * replaced by their expression and @skip left out. */
static sqlite3_stmt *
copy_statement (sqlite3 *db, const char *src, const char *table, const char *key,
                const char *skip, const char *const *subst, GError **error)
{
  g_autoptr (GPtrArray) cols = table_columns (db, table);
  GString *into = g_string_new (NULL), *from = g_string_new (NULL);
  for (guint i = 0; i < cols->len; i++)
    {
      const char *c = cols->pdata[i];
      if (skip && g_str_equal (c, skip))
        continue;
      const char *expr = NULL;
      for (guint j = 0; subst && subst[j]; j += 2)
        if (g_str_equal (subst[j], c))
          expr = subst[j + 1];
      g_string_append_printf (into, "%s\"%s\"", into->len ? ", " : "", c);
      if (expr)
        g_string_append_printf (from, "%s%s", from->len ? ", " : "", expr);
      else
        g_string_append_printf (from, "%s\"%s\"", from->len ? ", " : "", c);
    }
  char *sql = sqlite3_mprintf ("INSERT INTO main.\"%w\" (%s) SELECT %s FROM \"%w\".\"%w\" WHERE %s = ?1",
                               table, into->str, from->str, src, table, key);
  g_string_free (into, TRUE);
  g_string_free (from, TRUE);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) != SQLITE_OK)
    {
      g_set_error (error, MERGE_ERROR, MERGE_ERROR_SQL, "preparing the copy of %s: %s", table,
                   sqlite3_errmsg (db));
      sqlite3_finalize (st);
      st = NULL;
    }
  sqlite3_free (sql);
  return st;
}

/* A schema 1 to 3 source keeps its trace as `event` rows, one per line:
 * they are packed into one `trace` row per run (store-schema.h version 4)
 * with the trace_pack() aggregate the store registered on @db.  The
 * subquery's ORDER BY gives the lines in seq order (SQLite 3.40 feeds an
 * aggregate in the order its FROM subquery yields); HAVING leaves a run
 * without lines without a row, as the writer does. */
static sqlite3_stmt *
pack_event_rows_statement (sqlite3 *db, const char *src, GError **error)
{
  char *sql = sqlite3_mprintf ("INSERT INTO main.trace (run_id, format, lines, data)"
                               " SELECT ?2, %d, count(*), trace_pack(time_ns, who, text)"
                               " FROM (SELECT time_ns, who, text FROM \"%w\".event"
                               " WHERE run_id = ?1 ORDER BY seq) HAVING count(*) > 0",
                               TRACE_BLOB_FORMAT, src);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) != SQLITE_OK)
    {
      g_set_error (error, MERGE_ERROR, MERGE_ERROR_SQL, "preparing the copy of event rows: %s",
                   sqlite3_errmsg (db));
      sqlite3_finalize (st);
      st = NULL;
    }
  sqlite3_free (sql);
  return st;
}

static gboolean
src_has_table (sqlite3 *db, const char *src, const char *table)
{
  char *sql = sqlite3_mprintf ("SELECT 1 FROM \"%w\".sqlite_master WHERE type = 'table' AND name = %Q",
                               src, table);
  sqlite3_stmt *st = NULL;
  gboolean has = sqlite3_prepare_v2 (db, sql, -1, &st, NULL) == SQLITE_OK
                 && sqlite3_step (st) == SQLITE_ROW;
  sqlite3_finalize (st);
  sqlite3_free (sql);
  return has;
}

/* @old: the source is of schema 1 or 2 (note 4): its runs get an empty
 * point hash and fingerprint_version 1; otherwise both are copied.
 * @event_rows: its traces are `event` rows (schema 1 to 3), packed when
 * the source has that table. */
static RunCopier *
copier_new (sqlite3 *db, const char *src, gboolean old, gboolean event_rows, GError **error)
{
  RunCopier *c = g_new0 (RunCopier, 1);
  c->db = db;
  c->children = g_array_new (FALSE, TRUE, sizeof (Child));
  const char *const run_subst[] = { "experiment_id", "?2", "point", "?3",
                                    old ? "point_hash" : NULL, "''",
                                    "fingerprint_version",
                                    "CASE WHEN \"status\" = 'ok' THEN 1 END", NULL };
  static const char *const child_subst[] = { "run_id", "?2", NULL };
  c->run = copy_statement (db, src, "run", "id", "id", run_subst, error);
  if (!c->run)
    {
      run_copier_free (c);
      return NULL;
    }
  /* Note 3: every table with a run_id column is a child of run. */
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db,
                          "SELECT m.name FROM main.sqlite_master m"
                          " WHERE m.type = 'table' AND m.name != 'run' AND EXISTS"
                          " (SELECT 1 FROM pragma_table_info(m.name, 'main') WHERE name = 'run_id')"
                          " ORDER BY m.name",
                          -1, &st, NULL) != SQLITE_OK)
    {
      copier_sql_error (db, error, "reading the schema");
      run_copier_free (c);
      return NULL;
    }
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      const char *table = (const char *) sqlite3_column_text (st, 0);
      gboolean pack = event_rows && g_str_equal (table, "trace") && src_has_table (db, src, "event");
      Child ch = { pack ? pack_event_rows_statement (db, src, error)
                        : copy_statement (db, src, table, "run_id", NULL, child_subst, error) };
      if (!ch.st)
        {
          sqlite3_finalize (st);
          run_copier_free (c);
          return NULL;
        }
      g_array_append_val (c->children, ch);
    }
  sqlite3_finalize (st);
  return c;
}

RunCopier *
run_copier_new (sqlite3 *db, const char *src, GError **error)
{
  g_return_val_if_fail (db != NULL && src != NULL, NULL);
  return copier_new (db, src, FALSE, FALSE, error);
}

gboolean
run_copier_copy (RunCopier *c, gint64 src_run, gint64 experiment, guint point, gint64 *new_id,
                 GError **error)
{
  g_return_val_if_fail (c != NULL && new_id != NULL, FALSE);
  sqlite3_reset (c->run);
  sqlite3_bind_int64 (c->run, 1, src_run);
  sqlite3_bind_int64 (c->run, 2, experiment);
  sqlite3_bind_int64 (c->run, 3, point);
  int rc = sqlite3_step (c->run);
  sqlite3_reset (c->run);
  if (rc != SQLITE_DONE || sqlite3_changes (c->db) != 1)
    return copier_sql_error (c->db, error, "copying a run");
  *new_id = sqlite3_last_insert_rowid (c->db);
  for (guint i = 0; i < c->children->len; i++)
    {
      sqlite3_stmt *st = g_array_index (c->children, Child, i).st;
      sqlite3_reset (st);
      sqlite3_bind_int64 (st, 1, src_run);
      sqlite3_bind_int64 (st, 2, *new_id);
      rc = sqlite3_step (st);
      sqlite3_reset (st);
      if (rc != SQLITE_DONE)
        return copier_sql_error (c->db, error, "copying a run's rows");
    }
  return TRUE;
}

void
run_copier_free (RunCopier *c)
{
  if (!c)
    return;
  sqlite3_finalize (c->run);
  for (guint i = 0; c->children && i < c->children->len; i++)
    sqlite3_finalize (g_array_index (c->children, Child, i).st);
  if (c->children)
    g_array_unref (c->children);
  g_free (c);
}

/* --------------------------------------------------------------- merge */

void
merge_summary_clear (MergeSummary *s)
{
  if (!s)
    return;
  g_free (s->first_missing);
  memset (s, 0, sizeof *s);
}

/* The one experiment of an input (note 1). */
typedef struct {
  char   *path;
  char   *name;
  char   *text;
  char   *hash;
  guint64 seed;
  gint64  id;
  gboolean old;       /* a schema-1 or -2 database (note 4) */
  gboolean event_rows;   /* schema 1 to 3: the trace as `event` rows (note 5) */
} Input;

static void
input_clear (Input *in)
{
  g_free (in->path);
  g_free (in->name);
  g_free (in->text);
  g_free (in->hash);
}

/* Notes 4 and 5: @path as a schema-1, -2 or -3 database of one
 * experiment; FALSE if it is not one (the caller reports the version
 * error). */
static gboolean
read_old (const char *path, Input *out)
{
  sqlite3 *db = NULL;
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *esc = g_uri_escape_string (abs, "/", TRUE);
  g_autofree char *uri = g_strdup_printf ("file:%s?mode=ro", esc);
  gboolean ok = FALSE;
  sqlite3_stmt *q = NULL;
  if (sqlite3_open_v2 (uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db, "SELECT (SELECT value FROM meta WHERE key = 'schema_version'),"
                             " (SELECT count(*) FROM experiment), id, name, scenario,"
                             " scenario_hash, seed FROM experiment", -1, &q, NULL) == SQLITE_OK
      && sqlite3_step (q) == SQLITE_ROW
      && (g_strcmp0 ((const char *) sqlite3_column_text (q, 0), "1") == 0
          || g_strcmp0 ((const char *) sqlite3_column_text (q, 0), "2") == 0
          || g_strcmp0 ((const char *) sqlite3_column_text (q, 0), "3") == 0)
      && sqlite3_column_int64 (q, 1) == 1)
    {
      out->id = sqlite3_column_int64 (q, 2);
      out->name = g_strdup ((const char *) sqlite3_column_text (q, 3));
      out->text = g_strdup ((const char *) sqlite3_column_text (q, 4));
      out->hash = g_strdup ((const char *) sqlite3_column_text (q, 5));
      ok = store_hex64_parse ((const char *) sqlite3_column_text (q, 6), &out->seed);
      out->old = g_strcmp0 ((const char *) sqlite3_column_text (q, 0), "3") != 0;
      out->event_rows = TRUE;
    }
  sqlite3_finalize (q);
  sqlite3_close (db);
  return ok;
}

/* Reads @path's experiments; exactly one wanted unless @allow_none (OUT
 * may be new or empty). */
static gboolean
read_input (const char *path, gboolean allow_none, Input *out, GError **error)
{
  memset (out, 0, sizeof *out);
  out->path = g_strdup (path);
  GError *verr = NULL;
  g_autoptr (Store) st = store_open_readonly (path, &verr);
  if (!st && g_error_matches (verr, STORE_ERROR, STORE_ERROR_VERSION) && !allow_none
      && read_old (path, out))
    {
      g_error_free (verr);
      return TRUE;
    }
  if (!st)
    {
      g_propagate_error (error, verr);
      return FALSE;
    }
  sqlite3_stmt *q = NULL;
  sqlite3_prepare_v2 (store_get_db (st), "SELECT id FROM experiment ORDER BY id", -1, &q, NULL);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  while (q && sqlite3_step (q) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (q, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_finalize (q);
  if (ids->len == 0 && allow_none)
    return TRUE;
  if (ids->len != 1)
    {
      g_set_error (error, MERGE_ERROR, MERGE_ERROR_REFUSED,
                   "%s holds %u experiments; merge takes the databases of one experiment "
                   "(the shards of one scenario and seed)", path, ids->len);
      return FALSE;
    }
  StoreExperimentInfo info;
  if (!store_get_experiment_info (st, g_array_index (ids, gint64, 0), &info, error))
    return FALSE;
  out->id = info.id;
  out->name = g_steal_pointer (&info.name);
  out->text = g_steal_pointer (&info.scenario);
  out->hash = g_steal_pointer (&info.scenario_hash);
  out->seed = info.seed;
  store_experiment_info_clear (&info);
  return TRUE;
}

/* "line N: 'A' here, 'B' there" for the first line where @a and @b
 * differ. */
static char *
first_difference (const char *a, const char *b)
{
  g_auto (GStrv) la = g_strsplit (a, "\n", -1);
  g_auto (GStrv) lb = g_strsplit (b, "\n", -1);
  guint i = 0;
  while (la[i] && lb[i] && g_str_equal (la[i], lb[i]))
    i++;
  return g_strdup_printf ("line %u of the stored text: '%s' here, '%s' there", i + 1,
                          la[i] ? la[i] : "(end)", lb[i] ? lb[i] : "(end)");
}

static gboolean
same_experiment (const Input *ref, const Input *in, GError **error)
{
  char a[STORE_HEX64_STRLEN], b[STORE_HEX64_STRLEN];
  /* The seed first: --seed also rewrites the text, and the seed is what
   * the user changed. */
  if (in->seed != ref->seed)
    {
      g_set_error (error, MERGE_ERROR, MERGE_ERROR_REFUSED,
                   "%s: experiment seed %s, %s has %s; merge takes shards of one scenario "
                   "and seed", in->path, store_hex64_format (in->seed, a), ref->path,
                   store_hex64_format (ref->seed, b));
      return FALSE;
    }
  if (!g_str_equal (ref->hash, in->hash))
    {
      g_autofree char *d = first_difference (in->text, ref->text);
      g_set_error (error, MERGE_ERROR, MERGE_ERROR_REFUSED,
                   "%s: another scenario text than %s (%s); merge takes shards of one "
                   "scenario and seed", in->path, ref->path, d);
      return FALSE;
    }
  return TRUE;
}

static gboolean
exec_sql (sqlite3 *db, const char *sql, GError **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return copier_sql_error (db, error, sql);
  return TRUE;
}

/* ATTACHes @path as "src": as a plain file (SQLite cleans up after a WAL
 * input when it detaches), or immutable when that cannot be read
 * (store.h note 8). */
static gboolean
attach (sqlite3 *db, const char *path, GError **error)
{
  char *sql = sqlite3_mprintf ("ATTACH %Q AS src", path);
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);
  sqlite3_free (sql);
  if (rc == SQLITE_OK
      && sqlite3_exec (db, "SELECT count(*) FROM src.sqlite_master", NULL, NULL, NULL) == SQLITE_OK)
    return TRUE;
  if (rc == SQLITE_OK)
    sqlite3_exec (db, "DETACH src", NULL, NULL, NULL);
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *esc = g_uri_escape_string (abs, "/", TRUE);
  sql = sqlite3_mprintf ("ATTACH 'file:%q?immutable=1' AS src", esc);
  rc = sqlite3_exec (db, sql, NULL, NULL, NULL);
  sqlite3_free (sql);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, MERGE_ERROR, MERGE_ERROR_SQL, "%s: cannot attach: %s", path,
                   sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

/* Merges the runs of @in (attached as src) into @exp; counts into @sum,
 * conflicts into *@conflicts and @log. */
static gboolean
merge_one (sqlite3 *db, const Input *in, gint64 exp, FILE *log, MergeSummary *sum,
           guint *conflicts, GError **error)
{
  g_autoptr (RunCopier) cp = NULL;
  /* Note 4: the runs of an old file keep their version-1 fingerprints and
   * are never reused. */
  if (in->old && log)
    fprintf (log, "%s: schema of fingerprint version 1: its runs are copied with "
             "fingerprint_version 1 and no point hash, so no run of this sipsim reuses them\n",
             in->path);
  cp = copier_new (db, "src", in->old, in->event_rows, error);
  if (!cp)
    return FALSE;
  sqlite3_stmt *src = NULL, *dst = NULL;
  gboolean ok = FALSE;
  guint copied = 0, dup = 0;
  if (sqlite3_prepare_v2 (db,
                          "SELECT id, point, point_key, replication, status,"
                          " coalesce(fingerprint, ''), coalesce(error, '')"
                          " FROM src.run WHERE experiment_id = ?1 ORDER BY id",
                          -1, &src, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db,
                             "SELECT status, coalesce(fingerprint, ''), coalesce(error, '')"
                             " FROM main.run WHERE experiment_id = ?1 AND point_key = ?2"
                             " AND replication = ?3",
                             -1, &dst, NULL) != SQLITE_OK)
    {
      copier_sql_error (db, error, "reading runs");
      goto out;
    }
  sqlite3_bind_int64 (src, 1, in->id);
  int rc;
  while ((rc = sqlite3_step (src)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (src, 0), new_id;
      guint point = (guint) sqlite3_column_int64 (src, 1);
      const char *key = (const char *) sqlite3_column_text (src, 2);
      guint rep = (guint) sqlite3_column_int64 (src, 3);
      const char *status = (const char *) sqlite3_column_text (src, 4);
      const char *fp = (const char *) sqlite3_column_text (src, 5);
      const char *err = (const char *) sqlite3_column_text (src, 6);
      sqlite3_reset (dst);
      sqlite3_bind_int64 (dst, 1, exp);
      sqlite3_bind_text (dst, 2, key, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (dst, 3, rep);
      if (sqlite3_step (dst) == SQLITE_ROW)
        {
          const char *s2 = (const char *) sqlite3_column_text (dst, 0);
          const char *f2 = (const char *) sqlite3_column_text (dst, 1);
          const char *e2 = (const char *) sqlite3_column_text (dst, 2);
          if (g_str_equal (status, s2) && g_str_equal (fp, f2) && g_str_equal (err, e2))
            dup++;
          else
            {
              (*conflicts)++;
              if (log)
                fprintf (log, "conflict: point '%s' replication %u: %s %s in %s, %s %s already "
                         "merged\n", key, rep, status, *fp ? fp : err, in->path, s2,
                         *f2 ? f2 : e2);
            }
          continue;
        }
      if (!run_copier_copy (cp, id, exp, point, &new_id, error))
        goto out;
      copied++;
    }
  if (rc != SQLITE_DONE)
    {
      copier_sql_error (db, error, "reading runs");
      goto out;
    }
  sum->copied += copied;
  sum->duplicates += dup;
  ok = TRUE;
out:
  sqlite3_finalize (src);
  sqlite3_finalize (dst);
  return ok;
}

/* How many of the scenario's runs @exp has (the summary's planned and
 * stored); FALSE if the stored text no longer loads (another sipsim). */
static gboolean
count_complete (sqlite3 *db, const Input *ref, gint64 exp, MergeSummary *sum)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (Scenario) sc = scenario_load_from_data (ref->text, ref->name, NULL, &e);
  if (!sc)
    return FALSE;
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2 (db, "SELECT 1 FROM run WHERE experiment_id = ?1 AND point_key = ?2"
                          " AND replication = ?3", -1, &q, NULL) != SQLITE_OK)
    return FALSE;
  for (guint p = 0; p < scenario_get_n_points (sc); p++)
    for (guint r = 0; r < scenario_get_replications (sc); r++)
      {
        const ScenarioPoint *pt = scenario_get_point (sc, p);
        sqlite3_reset (q);
        sqlite3_bind_int64 (q, 1, exp);
        sqlite3_bind_text (q, 2, pt->key, -1, SQLITE_STATIC);
        sqlite3_bind_int64 (q, 3, r);
        sum->planned++;
        if (sqlite3_step (q) == SQLITE_ROW)
          sum->stored++;
        else if (!sum->first_missing)
          sum->first_missing = g_strdup_printf ("%s#%u", pt->key, r);
      }
  sqlite3_finalize (q);
  return TRUE;
}

gboolean
merge_databases (const char *out, const char *const *inputs, guint n_inputs, FILE *log,
                 MergeSummary *sum, GError **error)
{
  g_return_val_if_fail (out != NULL && inputs != NULL && sum != NULL, FALSE);
  memset (sum, 0, sizeof *sum);
  if (n_inputs == 0)
    {
      g_set_error (error, MERGE_ERROR, MERGE_ERROR_REFUSED, "no input database");
      return FALSE;
    }
  Input *in = g_new0 (Input, n_inputs);
  Input o = { 0 };
  Store *store = NULL;
  gboolean ok = FALSE;
  guint conflicts = 0, refused = 0;
  g_autofree char *out_abs = g_canonicalize_filename (out, NULL);

  /* Note 1: everything is checked before anything is written. */
  for (guint i = 0; i < n_inputs; i++)
    {
      g_autofree char *abs = g_canonicalize_filename (inputs[i], NULL);
      if (g_str_equal (abs, out_abs))
        {
          g_set_error (error, MERGE_ERROR, MERGE_ERROR_REFUSED,
                       "%s is both the output and an input", inputs[i]);
          goto out;
        }
      if (!read_input (inputs[i], FALSE, &in[i], error)
          || (i > 0 && !same_experiment (&in[0], &in[i], error)))
        goto out;
    }
  if (g_file_test (out, G_FILE_TEST_EXISTS))
    {
      if (!read_input (out, TRUE, &o, error) || (o.hash && !same_experiment (&in[0], &o, error)))
        goto out;
    }

  store = store_open (out, error);
  if (!store)
    goto out;
  sqlite3 *db = store_get_db (store);
  sum->experiment = store_experiment (store, in[0].name, in[0].text, in[0].seed, error);
  if (sum->experiment <= 0)
    goto out;
  for (guint i = 0; i < n_inputs; i++)
    {
      guint before = conflicts, copied = sum->copied, dup = sum->duplicates;
      if (!attach (db, in[i].path, error))
        goto out;
      gboolean one = exec_sql (db, "BEGIN IMMEDIATE", error)
                     && merge_one (db, &in[i], sum->experiment, log, sum, &conflicts, error);
      if (one && conflicts == before)
        one = exec_sql (db, "COMMIT", error);
      else
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          sum->copied = copied;
          sum->duplicates = dup;
          if (one)
            refused++;
        }
      sqlite3_exec (db, "DETACH src", NULL, NULL, NULL);
      if (!one)
        goto out;
      if (log && conflicts == before)
        fprintf (log, "%s: %u runs merged, %u already there\n", in[i].path,
                 sum->copied - copied, sum->duplicates - dup);
      else if (log)
        fprintf (log, "%s: not merged: %u conflicts\n", in[i].path, conflicts - before);
    }
  count_complete (db, &in[0], sum->experiment, sum);
  sum->conflicts = conflicts;
  if (conflicts)
    {
      g_set_error (error, MERGE_ERROR, MERGE_ERROR_CONFLICT,
                   "%u conflicting runs (same point and replication, another result) in %u "
                   "input%s, which %s not merged", conflicts, refused, refused == 1 ? "" : "s",
                   refused == 1 ? "was" : "were");
      goto out;
    }
  ok = TRUE;
out:
  store_close (store);
  for (guint i = 0; i < n_inputs; i++)
    input_clear (&in[i]);
  g_free (in);
  input_clear (&o);
  return ok;
}
