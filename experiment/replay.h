/*
 * experiment/replay.h - one stored run, run again: the scenario text,
 * point and replication are read from the database, the run is executed
 * with the options asked for (trace, observations, pcap), and its
 * fingerprint is compared with the stored one, so a replay that would
 * differ from what was measured is an error, not a silent surprise.
 *
 * Notes
 *
 * 1. The point is found by its key ("ka=15,nat=30"), not by its index:
 *    the key is what the run's seed is derived from (scenario.h note 4),
 *    and the index of a point depends on the sweep's listing order.
 *
 * 2. The experiment's stored seed replaces the scenario text's own, as
 *    `sipsim run --seed` may have overridden it; the spec's run seed is
 *    then checked against the stored run seed before anything runs.
 *
 * 3. Options never change the fingerprint: trace lines are the same
 *    whatever keep_trace, keep_observations, pcap_path or trace_file say
 *    (run.h), so any mismatch means the model or the scenario loader
 *    changed since the run was stored.
 */
#pragma once
#include <glib.h>

#include "experiment/run.h"
#include "experiment/store.h"

G_BEGIN_DECLS

#define REPLAY_ERROR (replay_error_quark ())
GQuark replay_error_quark (void);
typedef enum {
  REPLAY_ERROR_NOT_FOUND,    /* no run with that id */
  REPLAY_ERROR_SCENARIO,     /* the stored scenario no longer loads, or lacks the point */
  REPLAY_ERROR_FAILED_RUN,   /* the run failed when stored, or fails now */
  REPLAY_ERROR_MISMATCH,     /* another seed or another fingerprint */
  REPLAY_ERROR_LIVE,         /* a `sipsim live` run: real time and servers do not repeat */
} ReplayError;

/* NULL with an error if the run does not exist, the scenario no longer
 * loads, the run failed when stored, or the fingerprint differs.  The
 * result is the caller's (run_result_free). */
RunResult *replay_run (Store *store, gint64 run_id, const RunOptions *opt, GError **error);

G_END_DECLS
