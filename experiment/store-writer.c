/*
 * experiment/store-writer.c - the writer thread (store.c notes 3 and 6,
 * store.h note 1): one GThread owns the connection, takes StoreRuns from
 * a queue, writes them in batches (store_write_run, one savepoint each)
 * and commits; an error that means the file or the disk cannot take more
 * ends storing and drops what follows.
 */
#include <sqlite3.h>

#include "experiment/store-private.h"

/* -------------------------------------------------------------- writer */

static void
writer_error (StoreWriter *w, GError *e)
{
  if (w->error == NULL)
    w->error = e;
  else
    g_error_free (e);
}

/* Note 6: errors that end storing.  A constraint broken by one run
 * (a duplicate metric, an unknown experiment) is that run's fault and
 * rolled back alone; these mean the file or the disk cannot take more. */
static gboolean
fatal_rc (int rc)
{
  switch (rc)
    {
    case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_CANTOPEN: case SQLITE_CORRUPT:
    case SQLITE_NOTADB: case SQLITE_READONLY: case SQLITE_BUSY: case SQLITE_LOCKED:
    case SQLITE_NOMEM: case SQLITE_PROTOCOL: case SQLITE_PERM: case SQLITE_AUTH:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Ends storing after error @e (note 6): everything still queued, and all
 * that comes later, is dropped. */
static void
writer_stop (StoreWriter *w, GError *e)
{
  writer_error (w, e);
  g_atomic_int_set (&w->stopped, 1);
}

static gpointer
writer_thread (gpointer data)
{
  StoreWriter *w = data;
  Store *s = w->store;
  gboolean stop = FALSE;

  while (!stop)
    {
      gpointer item = g_async_queue_pop (w->queue);
      if (item == w)
        break;
      if (g_atomic_int_get (&w->stopped))
        {
          store_run_free (item);
          g_atomic_int_inc (&w->dropped);
          continue;
        }
      GError *e = NULL;
      if (!store_exec (s, "BEGIN IMMEDIATE", &e))
        {
          writer_stop (w, e);
          store_run_free (item);
          g_atomic_int_inc (&w->dropped);
          continue;
        }
      guint n = 0, written = 0, skipped = 0;
      gboolean lost = FALSE;
      while (item != NULL)
        {
          StoreRun *run = item;
          gboolean was_skipped = FALSE;
          e = NULL;
          if (lost)
            g_atomic_int_inc (&w->dropped);
          else if (!store_write_run (s, run, &was_skipped, &e))
            {
              if (fatal_rc (s->last_rc) || sqlite3_get_autocommit (s->db))
                {
                  /* The batch cannot commit (or SQLite already rolled it
                   * back): its runs are lost with it, nothing committed
                   * before is. */
                  writer_stop (w, e);
                  g_atomic_int_add (&w->dropped, (gint) (written + 1));
                  lost = TRUE;
                }
              else
                writer_error (w, e);
            }
          else if (was_skipped)
            skipped++;
          else
            written++;
          store_run_free (run);
          if (++n >= STORE_BATCH_RUNS)
            break;
          item = g_async_queue_try_pop (w->queue);
          if (item == w)
            {
              stop = TRUE;
              break;
            }
        }
      if (lost)
        {
          if (!sqlite3_get_autocommit (s->db))
            store_exec (s, "ROLLBACK", NULL);
          continue;
        }
      e = NULL;
      if (store_exec (s, "COMMIT", &e))
        {
          g_atomic_int_add (&w->committed, (gint) written);
          g_atomic_int_add (&w->skipped, (gint) skipped);
        }
      else
        {
          writer_stop (w, e);
          g_atomic_int_add (&w->dropped, (gint) written);
          store_exec (s, "ROLLBACK", NULL);
        }
    }
  /* Whatever is queued after a stop mark is impossible (the runner stops
   * submitting before it finishes); nothing to drain. */
  return NULL;
}

StoreWriter *
store_writer_start (Store *store)
{
  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (!store->readonly, NULL);
  StoreWriter *w = g_new0 (StoreWriter, 1);
  w->store = store;
  w->queue = g_async_queue_new ();
  w->thread = g_thread_new ("store-writer", writer_thread, w);
  return w;
}

void
store_writer_submit (StoreWriter *w, StoreRun *run)
{
  g_return_if_fail (w != NULL);
  g_return_if_fail (run != NULL);
  g_async_queue_push (w->queue, run);
}

guint
store_writer_committed (StoreWriter *w)
{
  g_return_val_if_fail (w != NULL, 0);
  return (guint) g_atomic_int_get (&w->committed);
}

gboolean
store_writer_stopped (StoreWriter *w)
{
  g_return_val_if_fail (w != NULL, FALSE);
  return g_atomic_int_get (&w->stopped) != 0;
}

guint
store_writer_dropped (StoreWriter *w)
{
  g_return_val_if_fail (w != NULL, 0);
  return (guint) g_atomic_int_get (&w->dropped);
}

guint
store_writer_skipped (StoreWriter *w)
{
  g_return_val_if_fail (w != NULL, 0);
  return (guint) g_atomic_int_get (&w->skipped);
}

gboolean
store_writer_finish (StoreWriter *w, GError **error)
{
  return store_writer_finish_counts (w, NULL, NULL, error);
}

gboolean
store_writer_finish_counts (StoreWriter *w, guint *committed, guint *dropped, GError **error)
{
  g_return_val_if_fail (w != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_async_queue_push (w->queue, w);
  g_thread_join (w->thread);
  if (committed)
    *committed = (guint) w->committed;
  if (dropped)
    *dropped = (guint) w->dropped;
  g_async_queue_unref (w->queue);
  gboolean ok = w->error == NULL;
  if (w->error)
    g_propagate_error (error, w->error);
  g_free (w);
  return ok;
}
