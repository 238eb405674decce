/*
 * experiment/claim.c - run claims (claim.h).
 *
 * Every query here is a look-up by a unique key: the claim table's
 * primary key, run (experiment_id, point_key, replication) and the
 * run_identity index, so claiming costs O(log runs) per run.
 */
#include "experiment/claim.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "experiment/merge.h"

enum { Q_DONE, Q_SAME, Q_CLAIM, Q_INSERT, Q_TAKE, Q_N };

static const char *const q_sql[Q_N] = {
  [Q_DONE] = "SELECT 1 FROM run WHERE experiment_id = ?1 AND point_key = ?2 AND replication = ?3",
  [Q_SAME] = ("SELECT id FROM run WHERE point_hash = ?1 AND replication = ?2 AND seed = ?3"
              " AND point_hash != '' AND experiment_id != ?4 ORDER BY id LIMIT 1"),
  [Q_CLAIM] = ("SELECT owner, host, pid,"
               " (julianday('now') - julianday(heartbeat)) * 86400.0"
               " FROM claim WHERE point_hash = ?1 AND replication = ?2 AND seed = ?3"),
  [Q_INSERT] = ("INSERT INTO claim (point_hash, replication, seed, owner, host, pid, heartbeat)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"),
  [Q_TAKE] = ("UPDATE claim SET owner = ?4, host = ?5, pid = ?6,"
              " heartbeat = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
              " WHERE point_hash = ?1 AND replication = ?2 AND seed = ?3"),
};

struct Claimer {
  Store        *store;
  sqlite3      *db;
  gint64        experiment;
  char         *host;
  guint         pid;
  char         *owner;
  sqlite3_stmt *q[Q_N];
  RunCopier    *copier;      /* made on the first copy */
  gboolean      in_txn;
};

guint64
claim_process_start (guint pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/stat", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* "PID (COMM) S PPID ..." where COMM may hold spaces and ')': field 22
   * (starttime) is the 20th after the last ')'. */
  const char *p = strrchr (text, ')');
  if (!p)
    return 0;
  g_auto (GStrv) f = g_strsplit (p + 2, " ", 0);
  if (g_strv_length (f) < 20)
    return 0;
  return g_ascii_strtoull (f[19], NULL, 10);
}

void
claimer_set_owner (Claimer *c, const char *host, guint pid, guint64 start)
{
  g_return_if_fail (c != NULL && host != NULL);
  g_free (c->host);
  g_free (c->owner);
  c->host = g_strdup (host);
  c->pid = pid;
  c->owner = g_strdup_printf ("%s:%u:%" G_GUINT64_FORMAT, host, pid, start);
}

const char *
claimer_owner (const Claimer *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  return c->owner;
}

Claimer *
claimer_new (const char *db_path, gint64 experiment, GError **error)
{
  g_return_val_if_fail (db_path != NULL, NULL);
  Store *st = store_open (db_path, error);
  if (!st)
    return NULL;
  Claimer *c = g_new0 (Claimer, 1);
  c->store = st;
  c->db = store_get_db (st);
  c->experiment = experiment;
  guint pid = (guint) getpid ();
  claimer_set_owner (c, g_get_host_name (), pid, claim_process_start (pid));
  for (int i = 0; i < Q_N; i++)
    if (sqlite3_prepare_v2 (c->db, q_sql[i], -1, &c->q[i], NULL) != SQLITE_OK)
      {
        g_set_error (error, STORE_ERROR, STORE_ERROR_SQL, "%s: preparing claims: %s", db_path,
                     sqlite3_errmsg (c->db));
        claimer_free (c);
        return NULL;
      }
  return c;
}

void
claimer_free (Claimer *c)
{
  if (!c)
    return;
  if (c->in_txn)
    sqlite3_exec (c->db, "ROLLBACK", NULL, NULL, NULL);
  if (c->db && c->owner)
    {
      /* Release what was claimed and not stored (an interrupt, a write
       * error): another process may take it at once. */
      char *sql = sqlite3_mprintf ("DELETE FROM claim WHERE owner = %Q", c->owner);
      sqlite3_exec (c->db, sql, NULL, NULL, NULL);
      sqlite3_free (sql);
    }
  for (int i = 0; i < Q_N; i++)
    sqlite3_finalize (c->q[i]);
  run_copier_free (c->copier);
  store_close (c->store);
  g_free (c->host);
  g_free (c->owner);
  g_free (c);
}

static gboolean
sql_fail (Claimer *c, GError **error, const char *what)
{
  g_set_error (error, STORE_ERROR, STORE_ERROR_SQL, "claims: %s: %s", what,
               sqlite3_errmsg (c->db));
  return FALSE;
}

gboolean
claimer_begin (Claimer *c, GError **error)
{
  g_return_val_if_fail (c != NULL && !c->in_txn, FALSE);
  if (sqlite3_exec (c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return sql_fail (c, error, "BEGIN IMMEDIATE");
  c->in_txn = TRUE;
  return TRUE;
}

gboolean
claimer_commit (Claimer *c, GError **error)
{
  g_return_val_if_fail (c != NULL && c->in_txn, FALSE);
  c->in_txn = FALSE;
  if (sqlite3_exec (c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      sql_fail (c, error, "COMMIT");
      sqlite3_exec (c->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

/* Note 3. */
static gboolean
owner_dead (Claimer *c, const char *owner, const char *host, guint pid, double age_s)
{
  if (!g_str_equal (host, c->host))
    return age_s > CLAIM_STALE_S;
  if (kill ((pid_t) pid, 0) != 0 && errno == ESRCH)
    return TRUE;
  /* The pid exists: is it the process that claimed?  The owner string
   * ends in its start time. */
  const char *colon = strrchr (owner, ':');
  guint64 start = colon ? g_ascii_strtoull (colon + 1, NULL, 10) : 0;
  guint64 now = claim_process_start (pid);
  return start != 0 && now != 0 && start != now;
}

static void
bind_identity (sqlite3_stmt *st, const ClaimJob *job, char seedhex[STORE_HEX64_STRLEN])
{
  sqlite3_reset (st);
  sqlite3_clear_bindings (st);
  sqlite3_bind_text (st, 1, job->point_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 2, job->replication);
  sqlite3_bind_text (st, 3, store_hex64_format (job->seed, seedhex), -1, SQLITE_TRANSIENT);
}

ClaimOutcome
claimer_try (Claimer *c, const ClaimJob *job, GError **error)
{
  g_return_val_if_fail (c != NULL && c->in_txn && job != NULL, CLAIM_FAILED);
  char seedhex[STORE_HEX64_STRLEN];
  sqlite3_stmt *st = c->q[Q_DONE];
  sqlite3_reset (st);
  sqlite3_bind_int64 (st, 1, c->experiment);
  sqlite3_bind_text (st, 2, job->point_key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 3, job->replication);
  int rc = sqlite3_step (st);
  sqlite3_reset (st);
  if (rc == SQLITE_ROW)
    return CLAIM_DONE;
  if (rc != SQLITE_DONE)
    return sql_fail (c, error, "looking up a run"), CLAIM_FAILED;

  st = c->q[Q_SAME];
  bind_identity (st, job, seedhex);
  sqlite3_bind_int64 (st, 4, c->experiment);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      gint64 src = sqlite3_column_int64 (st, 0), id;
      sqlite3_reset (st);
      if (!c->copier && !(c->copier = run_copier_new (c->db, "main", error)))
        return CLAIM_FAILED;
      return run_copier_copy (c->copier, src, c->experiment, job->point, &id, error)
               ? CLAIM_COPIED : CLAIM_FAILED;
    }
  sqlite3_reset (st);
  if (rc != SQLITE_DONE)
    return sql_fail (c, error, "looking up a run by identity"), CLAIM_FAILED;

  st = c->q[Q_CLAIM];
  bind_identity (st, job, seedhex);
  rc = sqlite3_step (st);
  int which = Q_INSERT;
  if (rc == SQLITE_ROW)
    {
      g_autofree char *owner = g_strdup ((const char *) sqlite3_column_text (st, 0));
      g_autofree char *host = g_strdup ((const char *) sqlite3_column_text (st, 1));
      guint pid = (guint) sqlite3_column_int64 (st, 2);
      double age = sqlite3_column_double (st, 3);
      sqlite3_reset (st);
      if (!g_str_equal (owner, c->owner) && !owner_dead (c, owner, host, pid, age))
        return CLAIM_BUSY;
      which = Q_TAKE;
    }
  else
    {
      sqlite3_reset (st);
      if (rc != SQLITE_DONE)
        return sql_fail (c, error, "reading a claim"), CLAIM_FAILED;
    }
  st = c->q[which];
  bind_identity (st, job, seedhex);
  sqlite3_bind_text (st, 4, c->owner, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 5, c->host, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 6, c->pid);
  rc = sqlite3_step (st);
  sqlite3_reset (st);
  if (rc != SQLITE_DONE)
    return sql_fail (c, error, "claiming a run"), CLAIM_FAILED;
  return CLAIM_RUN;
}

gboolean
claimer_heartbeat (Claimer *c, GError **error)
{
  g_return_val_if_fail (c != NULL && !c->in_txn, FALSE);
  char *sql = sqlite3_mprintf ("UPDATE claim SET heartbeat = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now')"
                               " WHERE owner = %Q", c->owner);
  int rc = sqlite3_exec (c->db, sql, NULL, NULL, NULL);
  sqlite3_free (sql);
  return rc == SQLITE_OK || sql_fail (c, error, "heartbeat");
}

char *
claimer_holder (Claimer *c, const ClaimJob *job)
{
  g_return_val_if_fail (c != NULL && job != NULL, NULL);
  char seedhex[STORE_HEX64_STRLEN];
  sqlite3_stmt *st = c->q[Q_CLAIM];
  bind_identity (st, job, seedhex);
  char *who = NULL;
  if (sqlite3_step (st) == SQLITE_ROW)
    who = g_strdup_printf ("%s:%u", (const char *) sqlite3_column_text (st, 1),
                           (guint) sqlite3_column_int64 (st, 2));
  sqlite3_reset (st);
  return who;
}
