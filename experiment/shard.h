/*
 * experiment/shard.h - which runs of an experiment one machine of many
 * computes (`sipsim run --shard I/N`, doc/cluster.md).
 *
 * Notes
 *
 * 1. The partition.  Run (point key, replication) belongs to shard
 *    H(point key, replication) mod N, H a 64-bit mix of the two
 *    (shard_of).  It depends on nothing else: not on the order points are
 *    listed or run in, not on how many points or replications there are,
 *    not on the filter, and N may be larger or smaller than the number of
 *    points.  So the N shards are disjoint and together cover every run,
 *    and a run stays in its shard when replications are raised or sweep
 *    values added (a shard's database resumes).
 *
 * 2. Balance.  Shard sizes are binomial: n runs over N shards give n/N
 *    each, give or take sqrt(n/N) (100 +- 10 for 10,000 runs on 100
 *    shards); a shard may be empty when n is not much larger than N.  On
 *    a batch system ask for more shards than nodes and let the scheduler
 *    even them out.
 *
 * 3. Slurm.  `--shard array` takes I and N from a Slurm job array:
 *    SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN and _MAX (I = ID - MIN,
 *    N = MAX - MIN + 1), or, without them, with SLURM_ARRAY_TASK_COUNT
 *    (I = ID).  A sparse array (--array=0,3,7, COUNT less than MAX - MIN +
 *    1) is refused: its shards would not cover the runs.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint index;   /* 0 .. count-1 */
  guint count;   /* 0: no sharding (every run) */
} Shard;

#define SHARD_ERROR (shard_error_quark ())
GQuark shard_error_quark (void);
typedef enum {
  SHARD_ERROR_SYNTAX,    /* not "I/N" or "array" */
  SHARD_ERROR_RANGE,     /* N = 0, I >= N, more than SHARD_MAX shards */
  SHARD_ERROR_ENV,       /* Slurm variables missing or inconsistent */
} ShardError;

#define SHARD_MAX 1000000

/* Parses "I/N" (0 <= I < N), or "array" read from @envp (NULL: the
 * process environment) as note 3 says. */
gboolean shard_parse   (const char *text, char **envp, Shard *out, GError **error);
/* The shard (0 .. @count-1) of (@point_key, @replication); note 1. */
guint    shard_of      (const char *point_key, guint replication, guint count);
/* Does @shard compute (@point_key, @replication)?  TRUE for every run
 * when shard->count is 0. */
gboolean shard_selects (const Shard *shard, const char *point_key, guint replication);

G_END_DECLS
