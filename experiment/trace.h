/*
 * experiment/trace.h - one stored run as a ladder diagram (text) and its
 * packets as pcap: what `sipsim trace DB --run N` shows (doc/guide.md
 * "Look at one run"; the command line is cli/trace.c).
 */
#pragma once
#include <glib.h>

#include "experiment/store.h"
#include "sim/kernel/time.h"

G_BEGIN_DECLS

/* Options (strings borrowed).  @pcap_path NULL: the packets go to a
 * temporary file that is removed again. */
typedef struct {
  const char *pcap_path;
  const char *pcap_at;         /* RunOptions.pcap_at for pcap_path (NULL: the phones' access links) */
  gboolean    pcap_per_node;   /* RunOptions.pcap_per_node */
  const char *only;       /* rows involving nodes whose name starts with this */
  gboolean    notes;      /* device events and faults as notes */
} TraceOptions;

typedef struct {
  guint   n_devices;
  SimTime sim_time;
  guint64 fingerprint;    /* replayed; equal to the stored one */
} TraceInfo;

/* Replays run @run_id of @store (replay.h: the fingerprint must match the
 * stored one) and draws its ladder.  Returns the text (newly allocated)
 * and fills @info (may be NULL), or NULL with @error set
 * (REPLAY_ERROR_NOT_FOUND when there is no such run). */
char *trace_run_ladder (Store *store, gint64 run_id, const TraceOptions *opt,
                        TraceInfo *info, GError **error);

G_END_DECLS
