/*
 * experiment/metrics.h - what a run measured, computed from what was
 * observed during it (doc/metrics.md defines every metric and its edge
 * cases; this file is the code of those definitions).
 *
 * Notes
 *
 * 1. Pure.  metrics_compute() reads a RunObservations and nothing else: no
 *    world, no models.  The run executor (run.h) fills the observations
 *    while the run goes; tests fill them by hand to check each definition
 *    against numbers worked out on paper.
 *
 * 2. Units.  A unit is one enabled account of one device instance, named
 *    "DEVICE/SPn" (DEVICE is the instance name: "phone", or "phone-3" when
 *    the group has count > 1).  Every metric is computed per unit; the run
 *    aggregate (unit "") is the mean over the units that have a value
 *    (NULL when none has), except where doc/metrics.md says otherwise.
 *    Per-unit rows are reported only when the run has more than one unit.
 *
 * 3. Window.  Only what happens in [warmup, end) counts; a fault before
 *    warmup is ignored, as are registrations before it (except
 *    time_to_first_registration_s, measured from power-on).
 *
 * 4. As the run goes.  metrics_compute() is a MetricsAcc fed the kept
 *    lists; a run without a timeline feeds one as it goes and keeps no
 *    events, NAT records or probes (below).
 *
 * Ownership: the observations own their arrays and strings
 * (run_observations_free); the metrics array returned is the caller's
 * (g_array_unref; its element clear function frees the strings).
 */
#pragma once
#include <glib.h>

#include "sim/kernel/time.h"
#include "sim/net/addr.h"
#include "models/device/device.h"
#include "models/nat/nat.h"
#include "models/proxy/proxy.h"

G_BEGIN_DECLS

typedef struct {
  char        *name;         /* "phone-3/SP1" */
  guint        device;       /* device instance index, 0-based */
  guint        account;      /* 1..8 */
  SimSockAddr  local;        /* the account's socket: the device address and its port */
  char        *aor;          /* "user@host" as the registrar keys it (probes carry it) */
  SimTime      powered_on;   /* device start time */
  /* device-wide counters over [warmup, end) (DeviceStats differences);
   * a device with several accounts reports the same on each */
  guint64      datagrams_sent, bytes_sent;
} ObsUnit;

/* A device event with the unit it belongs to (ev.detail is NULL). */
typedef struct {
  guint        unit;
  DeviceEvent  ev;
  gboolean     generator;    /* a CALL event seen by the call generator behind a proxy
                                (an inbound call toward the unit, run-calls.c), not by
                                the device */
} ObsEvent;

/* A completed registrar probe (SipProxyProbe) attributed to a unit by its
 * AOR; unit = G_MAXUINT when no unit has that AOR. */
typedef struct {
  guint                unit;
  guint                proxy;        /* index into RunObservations.proxies */
  SimTime              sent_at, done_at;
  gboolean             reached;
  SipProxyProbeOutcome outcome;
} ObsProbe;

typedef enum {
  OBS_FAULT_PROXY_CRASH,     /* silent */
  OBS_FAULT_PROXY_REJECT,    /* 503 */
  OBS_FAULT_PROXY_SLOW,
  OBS_FAULT_PROXY_RESTART,   /* bindings lost; comes back by itself (an OBS_FAULT_PROXY_RECOVER is recorded then) */
  OBS_FAULT_PROXY_RECOVER,
  OBS_FAULT_NAT_REBOOT,      /* every binding of that NAT (instance) lost */
  OBS_FAULT_DNS_CHANGE,
  OBS_FAULT_LINK_CUT,        /* a link goes down ... */
  OBS_FAULT_LINK_RESTORE,    /* ... and comes back */
  OBS_FAULT_PROXY_KILL,      /* process killed: ICMP port unreachable, bindings lost, until RECOVER */
} ObsFaultKind;

/* A fault as it took effect (the executor records it when it fires). */
typedef struct {
  SimTime      time;
  ObsFaultKind kind;
  char        *fault;        /* the [fault NAME] it came from */
  char        *target;       /* proxy / nat / device instance name, "dns"; NULL for DNS changes */
  gint         proxy;        /* index into proxies when the target is a proxy (or its link), else -1 */
  gint         nat;          /* NAT_REBOOT, or a cut NAT uplink: the NAT instance's public address below; else -1 */
  SimIp4       nat_public;   /* the NAT instance's public address before the fault */
  gint         unit_device;  /* a cut device access link: the device instance; else -1 */
} ObsFault;

typedef struct {
  char        *name;         /* "[proxy NAME]" */
  SimSockAddr  addr;         /* where it listens (address, SIP port) */
} ObsProxy;

/* Every address in the world and the node that has it (ladder diagrams,
 * timelines): "phone-3", "home-3" (a NAT instance), "pbx-a", "dns", "core". */
typedef struct {
  SimIp4  addr;
  char   *name;
} ObsHost;

typedef struct {
  SimTime  warmup, end;
  GArray  *hosts;            /* ObsHost */
  GArray  *units;            /* ObsUnit */
  GArray  *proxies;          /* ObsProxy */
  GArray  *events;           /* ObsEvent, in time order; empty in a run without keep_observations (note 4) */
  GArray  *nat_records;      /* NatRecord of every NAT instance, in time order; likewise */
  GArray  *probes;           /* ObsProbe, in completion order; likewise */
  GArray  *faults;           /* ObsFault, in time order */
} RunObservations;

RunObservations *run_observations_new  (void);
void             run_observations_free (RunObservations *obs);   /* NULL-safe */

/* One value.  null = TRUE is SQL NULL ("not defined for this run", e.g.
 * failover_s without a fault), which is not 0. */
typedef struct {
  char    *unit;             /* "" for the run aggregate */
  char    *name;             /* "failover_s", ... (doc/metrics.md) */
  double   value;
  gboolean null;
} RunMetric;

/* Every metric of doc/metrics.md, run aggregates first, then per unit
 * (note 2).  Never fails: what cannot be computed is NULL.  The events
 * and the NAT records must each be in time order (as the executor records
 * them); it is metrics_acc_feed() and metrics_acc_finish() of a new
 * accumulator (note 4). */
GArray *metrics_compute (const RunObservations *obs);   /* of RunMetric */
/* Whether a metric may read device events of @kind.  The executor feeds
 * its accumulator only these, and keeps whole observations only for a
 * timeline.  It names the kinds no metric reads (the per-message ones),
 * so a new kind is fed by default; whoever makes a metric read one of
 * those takes it off the list.  tests/test-metrics-stream.c,
 * tests/test-run.c and tests/e2e/scenarios-tcp.sh check the metrics are
 * the same either way. */
gboolean metrics_uses_event (DeviceEventKind kind);

/* Note 4. The accumulator: metrics computed as the run goes, so a run
 * that keeps no observations needs memory per unit, not per observation
 * (metrics-acc.c notes).  Feed it what happens, in time order: device
 * events and NAT records with nondecreasing times (within one instant in
 * any order; NAT records of sockets that are no unit's are ignored),
 * probes in any order.  Faults it reads from @obs->faults, which may grow
 * while it runs.  It borrows @obs (window, units, proxies, faults) until
 * finished or freed; units' datagrams_sent and bytes_sent are read at
 * the end.  metrics_acc_finish() returns the rows of metrics_compute()
 * and frees the accumulator. */
typedef struct MetricsAcc MetricsAcc;
MetricsAcc *metrics_acc_new    (const RunObservations *obs);
void        metrics_acc_event  (MetricsAcc *acc, const ObsEvent *e);    /* copied; ev.detail unread */
void        metrics_acc_nat    (MetricsAcc *acc, const NatRecord *r);   /* copied */
void        metrics_acc_probe  (MetricsAcc *acc, const ObsProbe *p);
/* Feeds what @obs holds (probes; events and NAT records merged by time). */
void        metrics_acc_feed   (MetricsAcc *acc, const RunObservations *obs);
GArray     *metrics_acc_finish (MetricsAcc *acc);                       /* of RunMetric */
void        metrics_acc_free   (MetricsAcc *acc);                       /* NULL-safe; without rows */

/* The metric names, in a fixed order; NULL-terminated, static. */
const char * const *metrics_names (void);

/* The metric registry (metrics-info.c; doc/metrics.md's table): what a
 * plot or a report needs to label a metric.  Static strings. */
typedef enum {
  METRIC_SECONDS,     /* a duration, >= 0 */
  METRIC_FRACTION,    /* 0..1 */
  METRIC_COUNT,       /* 0, 1, 2, ... */
  METRIC_RATE,        /* per device-hour, >= 0 */
} MetricKind;

typedef struct {
  const char *name;         /* "failover_s" */
  const char *label;        /* "failover time" */
  const char *unit;         /* "s", "fraction of probes", "count", "datagrams/h" */
  MetricKind  kind;
  double      min, max;     /* the range the definition allows; max INFINITY if none */
} MetricInfo;

/* @name's row, or NULL for a name that is not a metric. */
const MetricInfo *metrics_info (const char *name);
/* "failover time (s)": the axis label of @name; for an unknown name the
 * name itself.  Newly allocated. */
char             *metrics_axis_label (const char *name);

/* Looks up @name for @unit ("" = aggregate) in @metrics; NULL if absent. */
const RunMetric *metrics_find (const GArray *metrics, const char *unit, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RunObservations, run_observations_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MetricsAcc, metrics_acc_free)

G_END_DECLS
