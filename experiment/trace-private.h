/*
 * experiment/trace-private.h - what trace.c (simulated runs, replayed)
 * and trace-live.c (live runs, drawn from their capture) share.  Not a
 * public header.
 */
#pragma once
#include "experiment/trace.h"
#include "experiment/ladder.h"

/* The ladder of live run @run (its experiment @exp): packets from
 * opt->pcap_path, the capture `sipsim live --pcap` wrote (required), notes
 * from the run's stored trace lines (event table).  NULL with @error. */
char *trace_live_ladder (Store *store, const StoreRunInfo *run, const StoreExperimentInfo *exp,
                         const TraceOptions *opt, TraceInfo *info, GError **error);
