/*
 * experiment/run.h - one run: build the world a RunSpec describes, run
 * it to its end, observe it and compute its metrics.
 *
 * Notes
 *
 * 1. One run is one thread (DESIGN.md principle 4): run_execute() makes
 *    its own SimWorld and shares nothing mutable, so any number may run
 *    at once on different threads.
 *
 * 2. Same spec, same bytes: everything random is drawn from the world's
 *    streams under spec->seed (fault times "experiment/faults", start
 *    times "experiment/start"), so the fingerprint depends on the spec
 *    only, never on the thread, the time of day or other runs.
 *
 * 3. The world (spec.h note 2) is built with the models' public APIs
 *    only; addresses not in the spec follow the plan in doc/scenarios.md
 *    ("Addresses").  Device instances of a group with count > 1 get the
 *    instance number appended to UserID / AuthUserName ("alice" ->
 *    "alice-3") so each has its own AOR.
 *
 * Ownership: the caller owns the RunResult (run_result_free).
 */
#pragma once
#include <stdio.h>
#include <glib.h>

#include "experiment/spec.h"
#include "experiment/metrics.h"

G_BEGIN_DECLS

typedef struct {
  gboolean    keep_trace;         /* RunResult.trace gets every trace line */
  gboolean    keep_observations;  /* RunResult.obs is kept (timelines, probes table) */
  const char *pcap_path;          /* non-NULL: a pcap file, captured where pcap_at says */
  /* Where pcap_path captures (run-pcap.c): NULL or "": every device's
   * access link, so each packet a phone sends or receives is in the file
   * once, as Wireshark on the phone's cable would see it; "all": every
   * link (a packet once per link it crosses); otherwise the node(s) of
   * that name (a section name: every instance "phone-1", "phone-2"...;
   * or an instance name; "dns", "core"). */
  const char *pcap_at;
  /* TRUE: one file per captured node (per device for the default),
   * pcap_path with ".pcap" replaced by "-NODE.pcap". */
  gboolean    pcap_per_node;
  FILE       *trace_file;         /* non-NULL: trace lines written here as they come */
  /* RunResult.trace_blob gets every trace line, packed as they come (no
   * string per line; trace-blob.h), for the store's `trace` table. */
  gboolean    pack_trace;
} RunOptions;

typedef struct {
  char            *error;         /* non-NULL: the run failed (its message); metrics empty */
  guint64          fingerprint;   /* sim_world_get_fingerprint at the end */
  guint64          trace_lines;
  guint64          events_executed;
  SimTime          sim_time;      /* simulated time reached */
  guint            n_devices;
  GArray          *metrics;       /* RunMetric (metrics.h) */
  GPtrArray       *trace;         /* char *, "TIME WHO TEXT"; NULL unless keep_trace */
  RunObservations *obs;           /* NULL unless keep_observations */
  GBytes          *trace_blob;    /* trace-blob.h, deflated; NULL unless pack_trace */
  guint64          trace_blob_lines;
} RunResult;

/* Never NULL; a failure (a model refusing the spec, pcap cannot be
 * written, the kernel stopping on a runaway instant) is result->error. */
RunResult *run_execute     (const RunSpec *spec, const RunOptions *opt);
void       run_result_free (RunResult *result);   /* NULL-safe */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RunResult, run_result_free)

G_END_DECLS
