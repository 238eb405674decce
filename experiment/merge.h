/*
 * experiment/merge.h - copying stored runs between experiments and
 * databases: `sipsim merge OUT.db IN.db...` (doc/cluster.md), and the
 * runner's reuse of runs another experiment of the file already has
 * (claim.h).
 *
 * Notes
 *
 * 1. One experiment.  Every input must hold exactly one experiment, all
 *    of the same scenario text and seed (they are shards of one `sipsim
 *    run`); OUT, if it exists, may hold only that experiment too.
 *    Anything else is refused before a byte is written, naming the file
 *    and the first line where the texts differ, or both seeds.
 *
 * 2. Runs are matched on (point key, replication).  A run already in OUT
 *    with the same status and fingerprint (or error) is a duplicate and
 *    skipped; with another one it is a conflict: same scenario, same
 *    seed, different result, which determinism forbids (a build
 *    difference between machines, or a bug).  Conflicts are listed; an
 *    input with a conflict is not merged at all (each input is one
 *    transaction), the others are, and merge_databases() fails.
 *
 * 3. Whole runs.  A run is copied with every row that refers to it: the
 *    child tables are found in the schema (every table with a run_id
 *    column), so a table added to the schema is copied without a change
 *    here.  Ids are new; points, keys, seeds, fingerprints, metrics and
 *    timestamps are copied as they are.
 *
 * 4. Schemas 1 and 2.  An input of schema version 1 (before
 *    run.point_hash) or 2 (before run.fingerprint_version) is merged too.
 *    Its runs have fingerprints of version 1 (doc/results.md "Fingerprint
 *    versions"), which this sipsim no longer computes, so they are copied
 *    with fingerprint_version 1 and an empty point hash: kept (metrics,
 *    plots) but never reused by a run, which would compute another
 *    fingerprint.  `sipsim merge NEW.db OLD.db` is thus how an old file
 *    is brought to the current version; the old file is only read.
 *    Merged into an OUT that already holds the same runs with version-2
 *    fingerprints, they are conflicts (note 2): the fingerprints differ.
 *    So are runs of fingerprint version 2 (schema 5 files written before
 *    version 3) against the same runs of version 3: merge shards made by
 *    one sipsim.
 *
 * 5. Schema 3 and the trace.  Schemas 1 to 3 stored a trace as one
 *    `event` row per line; schema 4 keeps one compressed `trace` row per
 *    run (trace-blob.h).  Such an input's `event` rows are packed into
 *    `trace` rows as they are copied (the same lines, in seq order, so
 *    the `event` view gives them back unchanged); a schema-3 input's runs
 *    are otherwise copied as they are (fingerprints of version 2, point
 *    hashes kept, reusable).
 *
 * 6. Schema 4 and the mode.  Schema 5 adds experiment.mode ('sim' or
 *    'live', doc/live.md).  A schema-4 input is copied as it is, as
 *    simulated runs; an experiment's mode is kept, and inputs of
 *    different modes are refused.
 *
 * Ownership: a RunCopier borrows its connection, which must outlive it.
 */
#pragma once
#include <stdio.h>
#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define MERGE_ERROR (merge_error_quark ())
GQuark merge_error_quark (void);
typedef enum {
  MERGE_ERROR_REFUSED,    /* another scenario text or seed, several experiments */
  MERGE_ERROR_CONFLICT,   /* note 2 */
  MERGE_ERROR_SQL,
} MergeError;

typedef struct RunCopier RunCopier;

/* Copies runs from schema @src ("main" or an ATTACHed name) into main of
 * @db; the schemas must have the same version. */
RunCopier *run_copier_new  (sqlite3 *db, const char *src, GError **error);
/* Copies run @src_run into experiment @experiment with point index
 * @point; its new id in *@new_id.  Within the caller's transaction. */
gboolean   run_copier_copy (RunCopier *c, gint64 src_run, gint64 experiment, guint point,
                            gint64 *new_id, GError **error);
void       run_copier_free (RunCopier *c);   /* NULL-safe */

typedef struct {
  gint64 experiment;          /* in OUT */
  guint  copied, duplicates, conflicts;
  guint  planned, stored;     /* runs the scenario has, runs OUT now has of them */
  char  *first_missing;       /* "KEY#REP" of the first run OUT lacks, or NULL */
} MergeSummary;

void       merge_summary_clear (MergeSummary *s);

/* Merges @inputs into @out (created if missing) as the notes say;
 * progress and conflicts are written to @log (NULL: nowhere).  FALSE with
 * MERGE_ERROR_REFUSED before anything is written, or MERGE_ERROR_CONFLICT
 * after merging every input without conflict. */
gboolean   merge_databases (const char *out, const char *const *inputs, guint n_inputs,
                            FILE *log, MergeSummary *summary, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RunCopier, run_copier_free)

G_END_DECLS
