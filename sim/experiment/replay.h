/*
 * sim/experiment/replay.h - one stored run, run again: the scenario text,
 * point and replication are read from the database, the run is executed
 * with the options asked for (trace, observations, pcap), and its
 * fingerprint is compared with the stored one, so a replay that would
 * differ from what was measured is an error, not a silent surprise.
 */
#pragma once
#include <glib.h>

#include "sim/experiment/run.h"
#include "sim/experiment/store.h"

G_BEGIN_DECLS

/* NULL with an error if the run does not exist, the scenario no longer
 * loads, the run failed when stored, or the fingerprint differs. */
RunResult *replay_run (Store *store, gint64 run_id, const RunOptions *opt, GError **error);

G_END_DECLS
