/*
 * experiment/metrics.c - the observations' lifecycle, the metric names,
 * metrics_compute() and the rows.
 *
 * Notes
 *
 * 1. doc/metrics.md is the definition; experiment/metrics-acc.c (and
 *    metrics-reach.c for outage_s) is its code, one step per observation
 *    in time order.  metrics_compute() feeds a kept RunObservations
 *    through that accumulator, merging the events and NAT records by time
 *    (the faults it reads itself, the probes are counts), so a run that
 *    keeps its observations and one that feeds the accumulator as it goes
 *    compute the same values by construction (metrics-acc.c note 1).
 *
 * 2. Times are SimTime (ns) internally; metrics in seconds are converted
 *    only at the end (SIM_S(1) per second), so sums are exact.
 */
#include "experiment/metrics-private.h"

#include <string.h>

/* ---- observations lifecycle ---- */

static void
clear_unit (gpointer p)
{
  ObsUnit *u = p;
  g_free (u->name);
  g_free (u->aor);
}

static void
clear_fault (gpointer p)
{
  ObsFault *f = p;
  g_free (f->fault);
  g_free (f->target);
}

static void
clear_proxy (gpointer p)
{
  g_free (((ObsProxy *) p)->name);
}

static void
clear_host (gpointer p)
{
  g_free (((ObsHost *) p)->name);
}

RunObservations *
run_observations_new (void)
{
  RunObservations *obs = g_new0 (RunObservations, 1);
  obs->hosts = g_array_new (FALSE, TRUE, sizeof (ObsHost));
  g_array_set_clear_func (obs->hosts, clear_host);
  obs->units = g_array_new (FALSE, TRUE, sizeof (ObsUnit));
  g_array_set_clear_func (obs->units, clear_unit);
  obs->proxies = g_array_new (FALSE, TRUE, sizeof (ObsProxy));
  g_array_set_clear_func (obs->proxies, clear_proxy);
  obs->events = g_array_new (FALSE, TRUE, sizeof (ObsEvent));
  obs->nat_records = g_array_new (FALSE, TRUE, sizeof (NatRecord));
  obs->probes = g_array_new (FALSE, TRUE, sizeof (ObsProbe));
  obs->faults = g_array_new (FALSE, TRUE, sizeof (ObsFault));
  g_array_set_clear_func (obs->faults, clear_fault);
  return obs;
}

void
run_observations_free (RunObservations *obs)
{
  if (obs == NULL)
    return;
  g_array_unref (obs->hosts);
  g_array_unref (obs->units);
  g_array_unref (obs->proxies);
  g_array_unref (obs->events);
  g_array_unref (obs->nat_records);
  g_array_unref (obs->probes);
  g_array_unref (obs->faults);
  g_free (obs);
}

/* ---- names ---- */

static const char * const metric_names[N_METRICS + 1] = {
  [M_TTFR]               = "time_to_first_registration_s",
  [M_FAILOVER]           = "failover_s",
  [M_FAILOVER_COMPLETED] = "failover_completed",
  [M_FAILOVERS]          = "failovers",
  [M_OUTAGE]             = "outage_s",
  [M_PINHOLE_SURVIVAL]   = "pinhole_survival",
  [M_PINHOLE_EXPIRIES]   = "pinhole_expiries",
  [M_REREGISTRATIONS]    = "reregistrations",
  [M_REGISTRATIONS]      = "registrations",
  [M_MESSAGES_PER_HOUR]  = "messages_per_device_hour",
  [M_BYTES_PER_HOUR]     = "bytes_per_device_hour",
  [M_CALL_ATTEMPTS]      = "call_attempts",
  [M_CALL_SETUP_RATIO]   = "call_setup_ratio",
  [M_CALL_SETUP]         = "call_setup_s",
  [M_CALLS_FAILED_FAILOVER] = "calls_failed_failover",
  [M_CALLS_LOST]         = "calls_lost",
  [M_INBOUND_ATTEMPTS]   = "inbound_call_attempts",
  [M_INBOUND_SETUP_RATIO] = "inbound_setup_ratio",
  [M_SUB_GAP]            = "subscription_gap_s",
  [M_DETECT]             = "detect_s",
  [M_FLOW_FAILURES]      = "flow_failures",
  [M_RECONNECTS]         = "reconnects",
  [N_METRICS]            = NULL,
};

const char * const *
metrics_names (void)
{
  return metric_names;
}

const RunMetric *
metrics_find (const GArray *metrics, const char *unit, const char *name)
{
  g_return_val_if_fail (metrics != NULL, NULL);
  g_return_val_if_fail (unit != NULL && name != NULL, NULL);
  for (guint i = 0; i < metrics->len; i++)
    {
      const RunMetric *m = &g_array_index (metrics, RunMetric, i);
      if (strcmp (m->unit, unit) == 0 && strcmp (m->name, name) == 0)
        return m;
    }
  return NULL;
}

/* ---- rows ---- */

static void
clear_metric (gpointer p)
{
  RunMetric *m = p;
  g_free (m->unit);
  g_free (m->name);
}

static void
append (GArray *rows, const char *unit, guint m, double v, gboolean null)
{
  RunMetric r = {
    .unit = g_strdup (unit),
    .name = g_strdup (metric_names[m]),
    .value = null ? 0.0 : v,
    .null = null,
  };
  g_array_append_val (rows, r);
}

gboolean
metrics_uses_event (DeviceEventKind kind)
{
  /* A list of what no metric reads, not of what one does: the kinds that
   * come with every message (a keep-alive, an attempt, an answered
   * inbound request, a state or lookup step) are what makes memory grow
   * with simulated time, and a kind added later is kept until someone
   * says no metric reads it.  (An allow-list here silently nulled
   * detect_s and flow_failures when the connection metrics arrived.) */
  switch (kind)
    {
    case DEVICE_EVENT_STATE:
    case DEVICE_EVENT_LOOKUP:
    case DEVICE_EVENT_REGISTER_SENT:
    case DEVICE_EVENT_SERVER_CHANGE:
    case DEVICE_EVENT_KEEPALIVE:
    case DEVICE_EVENT_INBOUND:
      return FALSE;
    default:
      return TRUE;
    }
}

GArray *
metrics_rows (const GArray *units, const UnitValues *vals)
{
  GArray *rows = g_array_new (FALSE, TRUE, sizeof (RunMetric));
  g_array_set_clear_func (rows, clear_metric);
  guint n = units->len;

  /* The run aggregate: the mean over units with a value (note 2 of
   * metrics.h); counts are averaged too (doc/metrics.md). */
  for (guint m = 0; m < N_METRICS; m++)
    {
      double sum = 0.0;
      guint k = 0;
      for (guint u = 0; u < n; u++)
        if (!vals[u].null[m])
          {
            sum += vals[u].v[m];
            k++;
          }
      append (rows, "", m, k > 0 ? sum / k : 0.0, k == 0);
    }

  if (n > 1)
    for (guint u = 0; u < n; u++)
      {
        const ObsUnit *unit = &g_array_index (units, ObsUnit, u);
        for (guint m = 0; m < N_METRICS; m++)
          append (rows, unit->name, m, vals[u].v[m], vals[u].null[m]);
      }
  return rows;
}

void
metrics_acc_feed (MetricsAcc *acc, const RunObservations *obs)
{
  g_return_if_fail (acc != NULL && obs != NULL);
  for (guint i = 0; i < obs->probes->len; i++)
    metrics_acc_probe (acc, &g_array_index (obs->probes, ObsProbe, i));
  /* events and NAT records merged by time; the order of the two within
   * one instant does not matter (metrics-acc.c note 2) */
  guint e = 0, n = 0;
  while (e < obs->events->len || n < obs->nat_records->len)
    {
      const ObsEvent *ev = e < obs->events->len ? &g_array_index (obs->events, ObsEvent, e) : NULL;
      const NatRecord *nr = n < obs->nat_records->len
                              ? &g_array_index (obs->nat_records, NatRecord, n) : NULL;
      if (ev && (nr == NULL || ev->ev.time <= nr->time))
        {
          metrics_acc_event (acc, ev);
          e++;
        }
      else
        {
          metrics_acc_nat (acc, nr);
          n++;
        }
    }
}

GArray *
metrics_compute (const RunObservations *obs)
{
  g_return_val_if_fail (obs != NULL, NULL);
  MetricsAcc *acc = metrics_acc_new (obs);
  metrics_acc_feed (acc, obs);
  return metrics_acc_finish (acc);
}
