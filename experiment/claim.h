/*
 * experiment/claim.h - how several `sipsim run` processes on one
 * database share its runs instead of computing them twice
 * (doc/results.md "Two writers, one file").
 *
 * Notes
 *
 * 1. Claims.  Before computing a run a process claims it: a row of the
 *    claim table keyed by the run's identity (point hash, replication,
 *    run seed; scenario.h note 6) naming the owner, HOST:PID:START (START
 *    the process's start time in clock ticks since boot, from /proc, so a
 *    recycled pid is not mistaken for the owner).  Claims are taken in
 *    small batches inside BEGIN IMMEDIATE, so two processes never claim
 *    the same run.  Storing the run deletes the claim (store.h note 7).
 *
 * 2. What claim_try() finds for a planned run, in this order:
 *      DONE    the experiment has it stored (another process stored it)
 *      COPIED  another experiment of the file has a run of the same
 *              identity: copied into this one (merge.h), not computed
 *      RUN     unclaimed, or claimed by a dead owner: now claimed by us
 *      BUSY    claimed by a live process: leave it, look again later
 *
 * 3. Dead owners.  On the same host, an owner is dead when its pid does
 *    not exist or was started at another time.  For an owner on another
 *    host (a database on a shared file system) only its heartbeat tells:
 *    a live owner refreshes the heartbeat of all its claims every
 *    CLAIM_HEARTBEAT_S, and a claim whose heartbeat is older than
 *    CLAIM_STALE_S is taken over.
 *
 * 4. The wall clock is read for heartbeats only, never for a run.
 *
 * Ownership: a Claimer owns its own connection to the database, apart
 * from the writer's, and releases its claims when freed.
 */
#pragma once
#include <glib.h>

#include "experiment/store.h"

G_BEGIN_DECLS

#define CLAIM_HEARTBEAT_S 60
#define CLAIM_STALE_S     600

typedef enum { CLAIM_DONE, CLAIM_COPIED, CLAIM_RUN, CLAIM_BUSY, CLAIM_FAILED } ClaimOutcome;

typedef struct {
  guint       point;
  const char *point_key;
  const char *point_hash;
  guint       replication;
  guint64     seed;
} ClaimJob;

typedef struct Claimer Claimer;

/* Opens a connection to @db_path for @experiment, owned by this process. */
Claimer     *claimer_new       (const char *db_path, gint64 experiment, GError **error);
/* Frees @c after releasing every claim it still holds.  NULL-safe. */
void         claimer_free      (Claimer *c);
/* For tests: claims are made in the name of (@host, @pid, @start). */
void         claimer_set_owner (Claimer *c, const char *host, guint pid, guint64 start);
const char  *claimer_owner     (const Claimer *c);

/* A batch of claim_try() calls is one transaction: claimer_begin() ...
 * claimer_commit().  On an error in between, claimer_commit() rolls
 * back. */
gboolean     claimer_begin     (Claimer *c, GError **error);
ClaimOutcome claimer_try       (Claimer *c, const ClaimJob *job, GError **error);
gboolean     claimer_commit    (Claimer *c, GError **error);
/* Refreshes this owner's heartbeat (note 3); FALSE with @error if SQLite
 * failed. */
gboolean     claimer_heartbeat (Claimer *c, GError **error);
/* Owners of the live claims on @job as "HOST:PID" (newly allocated), or
 * NULL when it has none. */
char        *claimer_holder    (Claimer *c, const ClaimJob *job);
/* The process's own start time (note 1); 0 where /proc has none. */
guint64      claim_process_start (guint pid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Claimer, claimer_free)

G_END_DECLS
