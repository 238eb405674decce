/*
 * experiment/live.h - `sipsim live`: a scenario's phones run for real, on
 * the live host (sim/host/host-live.h), against the registrars and DNS
 * servers the scenario names by address, and recorded like a simulated
 * run (doc/live.md).
 *
 * Notes
 *
 * 1. Same code, other host.  Each device instance is the same Device as in
 *    a simulated run (models/device), configured by the same scenario
 *    section (profile, then parameters), on a live host bound to [live]
 *    address (+ i for the i-th instance, live.c note 6).  Nothing of the simulated world is built: the scenario's
 *    [proxy] and [dns] sections only say where the real servers are (their
 *    address and port; [proxy] names label the registrars in results), and
 *    [nat], [fault] and link settings are not used (a real network has its
 *    own).
 *
 * 2. Faults are the user's.  Nothing here crashes a registrar; the user
 *    (or a test) does, and says so on standard input with one line per
 *    fault, so that failover_s is measured from that instant as in a
 *    simulation:
 *        down NAME     the [proxy NAME] registrar stopped answering
 *        up NAME       it is back
 *    (recorded as proxy-crash / proxy-recover faults at the kernel time
 *    the line was read).  Other lines are reported and ignored.
 *
 * 3. The end.  At --duration (default: the scenario's), or at the first
 *    SIGINT/SIGTERM, every device stops (device_stop): each binding is
 *    removed with expires=0 and the run ends when every removal has its
 *    outcome (at most Timer F later).  A second signal ends it at once.
 *    The metrics window is [warmup, the stop instant).
 *
 * 4. Results.  The run is stored, when a database is given, as one run of
 *    the scenario's *live* experiment (store_experiment_mode "live"):
 *    replication k for the k-th live session of that scenario and seed,
 *    with the point's parameters, its metrics (doc/metrics.md), its trace
 *    lines (event table) and a fingerprint of them (not reproducible:
 *    real time and real servers never repeat).
 *
 * 5. Safety (doc/live.md "Safety").  At most [live] max_devices instances
 *    (100), started no faster than [live] rate per second (10).
 *
 * Ownership: the caller keeps the Scenario and the options.
 */
#pragma once
#include <stdio.h>
#include <glib.h>

#include "experiment/scenario.h"

G_BEGIN_DECLS

#define LIVE_ERROR (live_error_quark ())
GQuark live_error_quark (void);
typedef enum {
  LIVE_ERROR_SCENARIO,   /* nothing to run (no such device, too many, no DNS) */
  LIVE_ERROR_DEVICE,     /* a device refused its configuration or its port */
  LIVE_ERROR_OUTPUT,     /* the pcap or the database could not be written */
} LiveError;

typedef struct {
  const char *device;       /* only this [device NAME]; NULL: every device */
  SimTime     duration;     /* 0: the scenario's duration */
  const char *db_path;      /* NULL: nothing stored */
  const char *pcap_path;    /* NULL: no capture */
  FILE       *status;       /* registration state as it goes; NULL: silent */
  gboolean    control;      /* read fault lines from standard input (note 2) */
} LiveOptions;

typedef struct {
  gint64   run_id;          /* stored run; 0 when not stored */
  guint    n_units;
  guint    registered;      /* units registered when the stop began */
  guint    unregistered, unregister_failed;
  gboolean interrupted;     /* ended by a signal, not by the duration */
  double   failover_s;      /* the run aggregate; NaN when NULL */
  SimTime  max_lateness;    /* host-live.h note 1 */
} LiveSummary;

/* Runs the first sweep point of @sc live (note 1) until the end (note 3).
 * FALSE with an error when it could not start or store; a registrar that
 * never answers is a result, not an error. */
gboolean live_run (const Scenario *sc, const LiveOptions *opt, LiveSummary *summary,
                   GError **error);

G_END_DECLS
