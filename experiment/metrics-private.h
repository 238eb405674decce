/*
 * experiment/metrics-private.h - what the metric files share: the
 * metric ids, one unit's values, the registrars' and links' state from
 * the faults, and the outage accumulator.  Not a public header.
 *
 *   metrics.c        observations' lifecycle, names, metrics_compute()
 *                    (the kept lists fed through the accumulator), rows
 *   metrics-acc.c    the accumulator: observations in time order, one
 *                    instant at a time, every metric but outage_s
 *   metrics-reach.c  outage_s (reachability) as the instants go
 *   metrics-info.c   the registry (labels, units, ranges)
 */
#pragma once
#include "experiment/metrics.h"

enum {
  M_TTFR,
  M_FAILOVER,
  M_FAILOVER_COMPLETED,
  M_FAILOVERS,
  M_OUTAGE,
  M_PINHOLE_SURVIVAL,
  M_PINHOLE_EXPIRIES,
  M_REREGISTRATIONS,
  M_REGISTRATIONS,
  M_MESSAGES_PER_HOUR,
  M_BYTES_PER_HOUR,
  M_CALL_ATTEMPTS,
  M_CALL_SETUP_RATIO,
  M_CALL_SETUP,
  M_CALLS_FAILED_FAILOVER,
  M_CALLS_LOST,
  M_INBOUND_ATTEMPTS,
  M_INBOUND_SETUP_RATIO,
  M_SUB_GAP,
  M_DETECT,
  M_FLOW_FAILURES,
  M_RECONNECTS,
  N_METRICS
};

typedef struct {
  double   v[N_METRICS];
  gboolean null[N_METRICS];
} UnitValues;

/* metrics.c: the rows of @n units' values (aggregate first, then per
 * unit when n > 1; metrics.h note 2).  Reads only the names of @units. */
GArray *metrics_rows (const GArray *units, const UnitValues *vals);

static inline double
metrics_secs (SimTime t)
{
  return (double) t / (double) SIM_S (1);
}

static inline SimTime
metrics_binding_end (const DeviceEvent *reg)
{
  return reg->time + (SimTime) reg->expires * SIM_S (1);
}

/* The proxy listening at @server (matched by address: a device may use
 * another port, e.g. TLS), or -1. */
gint metrics_proxy_index (const GArray *proxies, const SimSockAddr *server);

/* ---- the registrars and links, from the faults (metrics-acc.c) ---- */

/* An active link cut, as the fault that made it identifies the link. */
typedef struct {
  gint    proxy, nat, unit_device;
  SimIp4  nat_public;
} MetricsCut;

/* One per accumulator: the faults applied so far, in order.  `epoch`
 * counts the changes of `cuts`; epochs[k] holds the public addresses of
 * the NAT uplinks cut during epoch k (outage's pending time, below). */
typedef struct {
  guint      n_proxies;
  gboolean  *proxy_down;     /* CRASH, REJECT, RESTART, KILL until RECOVER */
  GArray    *cuts;           /* MetricsCut */
  guint      epoch;
  GPtrArray *epochs;         /* GArray of SimIp4, one per epoch */
} MetricsFaults;

/* A server that is none of the proxies is taken to be always up. */
gboolean metrics_faults_proxy_up (const MetricsFaults *fs, gint proxy);

/* ---- outage_s (metrics-reach.c) ---- */

/* One unit's reachability so far (doc/metrics.md "outage_s").  The
 * definition reads two things of the whole run: whether the unit is
 * behind a NAT at all (any CREATED record of its socket) and its NAT's
 * public addresses (for cuts of a NAT uplink).  Both are known only at
 * the end, so the accumulator counts the down time under both answers
 * to the first (down_plain, down_nat) and keeps the time that only a
 * public address not yet seen could make down as pending, per cut epoch;
 * an address seen later settles the pending time of every epoch that cut
 * it.  The result is what a pass over the whole run gives. */
typedef struct {
  GArray   *regs;            /* Reg (metrics-reach.c), one per server; NULL until needed */
  GArray   *alive;           /* the socket's alive NAT bindings, in creation order; NULL */
  GArray   *publics;         /* SimIp4 seen as external of its CREATED records; NULL */
  GArray   *pending;         /* Pending; NULL */
  gint      current;         /* index into regs of the latest REGISTERED; -1 */
  guint     cut_epoch;       /* MetricsFaults.epoch at the last evaluation */
  guint8    cut;             /* at the last evaluation: 0 clear, 1 cut, 2 pending */
  guint8    behind_nat;      /* booleans, as bytes: one per phone (issue 17 item 2) */
  guint8    up_plain, up_nat;
  SimTime   t;               /* the last evaluation point */
  SimTime   from;            /* counted up to here */
  SimTime   down_plain, down_nat;
} MetricsReach;

void    metrics_reach_init    (MetricsReach *r, SimTime warmup);
void    metrics_reach_clear   (MetricsReach *r);
/* Counts [from, @t) with the state of the last evaluation, stopping at
 * each binding end before @t to evaluate again.  Before any change at @t. */
void    metrics_reach_advance (MetricsReach *r, const MetricsFaults *fs, guint device,
                               SimTime warmup, SimTime end, SimTime t);
/* Evaluates the state at @t, after every change at @t. */
void    metrics_reach_eval    (MetricsReach *r, const MetricsFaults *fs, guint device, SimTime t);
/* A registrar RESTART or KILL of @proxy: every binding there is lost. */
void    metrics_reach_restart (MetricsReach *r, gint proxy);
void    metrics_reach_nat     (MetricsReach *r, const MetricsFaults *fs, const NatRecord *n);
void    metrics_reach_event   (MetricsReach *r, const GArray *proxies, const DeviceEvent *ev);
/* The outage in SimTime after the last advance to the end. */
SimTime metrics_reach_down    (const MetricsReach *r);
