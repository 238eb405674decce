/*
 * experiment/store-read.c - reading the results database back: an
 * experiment's and a run's stored facts, finding a run, its parameters
 * (store.h).  Split from store.c, which creates and writes.
 */
#include <string.h>
#include <sqlite3.h>

#include "experiment/store-private.h"
#include "experiment/trace-blob.h"

/* -------------------------------------------------------- read helpers */

static char *
col_strdup (sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text (st, i);
  return t ? g_strdup ((const char *) t) : NULL;
}

static guint64
col_hex64 (sqlite3_stmt *st, int i)
{
  guint64 v = 0;
  store_hex64_parse ((const char *) sqlite3_column_text (st, i), &v);
  return v;
}

/* Prepares @sql with @id bound as ?1 and steps once: SQLITE_ROW with the
 * statement in *@out, else FALSE with @error (NOT_FOUND naming @what). */
static gboolean
select_by_id (Store *s, const char *sql, gint64 id, const char *what, sqlite3_stmt **out,
              GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (s->db, sql, -1, &st, NULL) != SQLITE_OK)
    {
      store_set_sql_error (s, error, what);
      return FALSE;
    }
  sqlite3_bind_int64 (st, 1, id);
  int rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *out = st;
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    g_set_error (error, STORE_ERROR, STORE_ERROR_NOT_FOUND, "%s: no %s %" G_GINT64_FORMAT,
                 s->path, what, id);
  else
    store_set_sql_error (s, error, what);
  sqlite3_finalize (st);
  return FALSE;
}

gboolean
store_get_experiment_info (Store *store, gint64 experiment, StoreExperimentInfo *out,
                           GError **error)
{
  g_return_val_if_fail (store != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  memset (out, 0, sizeof *out);
  sqlite3_stmt *st;
  if (!select_by_id (store,
                     "SELECT id, name, scenario, scenario_hash, seed, version, created, mode"
                     " FROM experiment WHERE id = ?1",
                     experiment, "experiment", &st, error))
    return FALSE;
  out->id = sqlite3_column_int64 (st, 0);
  out->name = col_strdup (st, 1);
  out->scenario = col_strdup (st, 2);
  out->scenario_hash = col_strdup (st, 3);
  out->seed = col_hex64 (st, 4);
  out->version = col_strdup (st, 5);
  out->created = col_strdup (st, 6);
  out->mode = col_strdup (st, 7);
  sqlite3_finalize (st);
  return TRUE;
}

void
store_experiment_info_clear (StoreExperimentInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->mode);
  g_free (info->name);
  g_free (info->scenario);
  g_free (info->scenario_hash);
  g_free (info->version);
  g_free (info->created);
  memset (info, 0, sizeof *info);
}

char *
store_get_experiment_scenario (Store *store, gint64 experiment, GError **error)
{
  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  sqlite3_stmt *st;
  if (!select_by_id (store, "SELECT scenario FROM experiment WHERE id = ?1", experiment,
                     "experiment", &st, error))
    return NULL;
  char *text = col_strdup (st, 0);
  sqlite3_finalize (st);
  return text;
}

gboolean
store_get_run_info (Store *store, gint64 run_id, StoreRunInfo *out, GError **error)
{
  g_return_val_if_fail (store != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  memset (out, 0, sizeof *out);
  sqlite3_stmt *st;
  if (!select_by_id (store,
                     "SELECT id, experiment_id, point, point_key, replication, seed, status,"
                     " error, fingerprint, wall_s, sim_s, events, devices, finished,"
                     " fingerprint_version"
                     " FROM run WHERE id = ?1",
                     run_id, "run", &st, error))
    return FALSE;
  out->id = sqlite3_column_int64 (st, 0);
  out->experiment = sqlite3_column_int64 (st, 1);
  out->point = (guint) sqlite3_column_int64 (st, 2);
  out->point_key = col_strdup (st, 3);
  out->replication = (guint) sqlite3_column_int64 (st, 4);
  out->seed = col_hex64 (st, 5);
  out->ok = g_strcmp0 ((const char *) sqlite3_column_text (st, 6), "ok") == 0;
  out->error = col_strdup (st, 7);
  out->has_fingerprint = sqlite3_column_type (st, 8) != SQLITE_NULL;
  if (out->has_fingerprint)
    out->fingerprint = col_hex64 (st, 8);
  out->wall_s = sqlite3_column_double (st, 9);
  out->sim_s = sqlite3_column_double (st, 10);
  out->events = (guint64) sqlite3_column_int64 (st, 11);
  out->devices = (guint) sqlite3_column_int64 (st, 12);
  out->finished = col_strdup (st, 13);
  out->fingerprint_version = (guint) sqlite3_column_int64 (st, 14);
  sqlite3_finalize (st);
  return TRUE;
}

void
store_run_info_clear (StoreRunInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->point_key);
  g_free (info->error);
  g_free (info->finished);
  memset (info, 0, sizeof *info);
}

gint64
store_find_run (Store *store, gint64 experiment, const char *point_key, guint replication,
                GError **error)
{
  g_return_val_if_fail (store != NULL && point_key != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (store->db,
                          "SELECT id FROM run WHERE experiment_id = ?1 AND point_key = ?2"
                          " AND replication = ?3",
                          -1, &st, NULL) != SQLITE_OK)
    {
      store_set_sql_error (store, error, "finding a run");
      return -1;
    }
  sqlite3_bind_int64 (st, 1, experiment);
  sqlite3_bind_text (st, 2, point_key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 3, replication);
  gint64 id = 0;
  int rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (st, 0);
  else if (rc != SQLITE_DONE)
    {
      store_set_sql_error (store, error, "finding a run");
      id = -1;
    }
  sqlite3_finalize (st);
  return id;
}

GHashTable *
store_get_run_params (Store *store, gint64 run_id, GError **error)
{
  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (store->db, "SELECT name, value FROM param WHERE run_id = ?1", -1,
                          &st, NULL) != SQLITE_OK)
    {
      store_set_sql_error (store, error, "reading parameters");
      return NULL;
    }
  sqlite3_bind_int64 (st, 1, run_id);
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_hash_table_insert (h, col_strdup (st, 0), col_strdup (st, 1));
  if (rc != SQLITE_DONE)
    {
      store_set_sql_error (store, error, "reading parameters");
      g_clear_pointer (&h, g_hash_table_unref);
    }
  sqlite3_finalize (st);
  return h;
}

gboolean
store_write_trace (Store *store, gint64 run_id, FILE *out, guint64 *n_lines, GError **error)
{
  g_return_val_if_fail (store != NULL && out != NULL, FALSE);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (store->db, "SELECT format, data FROM trace WHERE run_id = ?1", -1, &st,
                          NULL) != SQLITE_OK)
    {
      store_set_sql_error (store, error, "reading the trace");
      return FALSE;
    }
  sqlite3_bind_int64 (st, 1, run_id);
  int rc = sqlite3_step (st);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, STORE_ERROR, STORE_ERROR_NOT_FOUND,
                     "%s: run %" G_GINT64_FORMAT " has no stored trace (run it with --trace)",
                     store->path, run_id);
      else
        store_set_sql_error (store, error, "reading the trace");
      sqlite3_finalize (st);
      return FALSE;
    }
  if (sqlite3_column_int (st, 0) != TRACE_BLOB_FORMAT)
    {
      g_set_error (error, STORE_ERROR, STORE_ERROR_INVALID,
                   "%s: run %" G_GINT64_FORMAT ": trace of format %d, this sipsim reads %d",
                   store->path, run_id, sqlite3_column_int (st, 0), TRACE_BLOB_FORMAT);
      sqlite3_finalize (st);
      return FALSE;
    }
  GError *e = NULL;
  g_autoptr (TraceBlobReader) r = trace_blob_reader_new (sqlite3_column_blob (st, 1),
                                                         (gsize) sqlite3_column_bytes (st, 1), &e);
  sqlite3_finalize (st);
  TraceBlobLine l;
  guint64 n = 0;
  while (r && trace_blob_reader_next (r, &l, &e))
    {
      char tb[SIM_TIME_STRLEN];
      fprintf (out, "%s %.*s%s%.*s\n", sim_time_format (l.time_ns, tb), (int) l.who_len, l.who,
               l.text_len ? " " : "", (int) l.text_len, l.text);
      n++;
    }
  if (n_lines)
    *n_lines = n;
  if (e)
    {
      g_set_error (error, STORE_ERROR, STORE_ERROR_INVALID, "%s: run %" G_GINT64_FORMAT ": %s",
                   store->path, run_id, e->message);
      g_error_free (e);
      return FALSE;
    }
  return TRUE;
}
