/*
 * experiment/store-private.h - what store.c (opening, experiments, runs),
 * store-writer.c (the writer thread) and store-read.c (reading back)
 * share: the connection and the writer, and the helpers that report SQL
 * errors.  Not installed.
 */
#pragma once
#include <sqlite3.h>

#include "experiment/store.h"

G_BEGIN_DECLS

/* Prepared statements of store.c, reused (see stmt_sql there). */
#define STORE_N_STMTS 6

struct Store {
  sqlite3      *db;
  char         *path;
  gboolean      readonly;
  int           last_rc;      /* primary result code of the last SQL error */
  sqlite3_stmt *stmt[STORE_N_STMTS];   /* prepared on first use, reused */
};

struct StoreWriter {
  Store       *store;
  GAsyncQueue *queue;         /* StoreRun *, then the writer itself as stop mark */
  GThread     *thread;
  gint         committed;     /* atomic */
  gint         skipped;       /* atomic */
  gint         stopped;       /* atomic: a write error ended storing (note 6) */
  gint         dropped;       /* atomic: runs not written after the stop */
  GError      *error;         /* first error; written by the thread, read after join */
};

/* Sets @error to STORE_ERROR_SQL "PATH: @what: SQLite's message" and
 * remembers the primary result code in s->last_rc. */
void     store_set_sql_error (Store *s, GError **error, const char *what);
/* Runs @sql (no rows); FALSE with a STORE_ERROR_SQL naming it. */
gboolean store_exec          (Store *s, const char *sql, GError **error);
/* Writes @run (its rows, params, metrics, trace, probes) inside its own
 * savepoint (store.c note 2); *@skipped: already stored, nothing written. */
gboolean store_write_run     (Store *s, const StoreRun *run, gboolean *skipped, GError **error);

G_END_DECLS
