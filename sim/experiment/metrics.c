/*
 * sim/experiment/metrics.c - the metrics of doc/metrics.md, computed from
 * a RunObservations.
 *
 * Notes
 *
 * 1. doc/metrics.md is the definition; this file follows it section by
 *    section.  Every per-unit computation is a pass over the unit's events
 *    (and, for outage_s, the NAT records and faults), so a run costs
 *    O(units x observations); fine for the unit counts of one run.
 *
 * 2. Times are SimTime (ns) internally; metrics in seconds are converted
 *    only at the end (SIM_S(1) per second), so sums are exact.
 */
#include "sim/experiment/metrics.h"

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
  N_METRICS
};

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

/* ---- per-unit values ---- */

typedef struct {
  double   v[N_METRICS];
  gboolean null[N_METRICS];
} UnitValues;

static inline gboolean
in_window (const RunObservations *obs, SimTime t)
{
  return t >= obs->warmup && t < obs->end;
}

static double
secs (SimTime t)
{
  return (double) t / (double) SIM_S (1);
}

static void
compute_unit (const RunObservations *obs, guint u, UnitValues *out)
{
  const ObsUnit *unit = &g_array_index (obs->units, ObsUnit, u);
  for (guint m = 0; m < N_METRICS; m++)
    out->null[m] = TRUE;

  /* time_to_first_registration_s */
  for (guint i = 0; i < obs->events->len; i++)
    {
      const ObsEvent *e = &g_array_index (obs->events, ObsEvent, i);
      if (e->unit == u && e->ev.kind == DEVICE_EVENT_REGISTERED)
        {
          out->v[M_TTFR] = secs (e->ev.time - unit->powered_on);
          out->null[M_TTFR] = FALSE;
          break;
        }
    }

  /* registrations */
  guint regs = 0;
  for (guint i = 0; i < obs->events->len; i++)
    {
      const ObsEvent *e = &g_array_index (obs->events, ObsEvent, i);
      if (e->unit == u && e->ev.kind == DEVICE_EVENT_REGISTERED && in_window (obs, e->ev.time))
        regs++;
    }
  out->v[M_REGISTRATIONS] = regs;
  out->null[M_REGISTRATIONS] = FALSE;

  /* TODO(first commit): failover_s, failover_completed, failovers,
   * outage_s, reregistrations -- NULL until the next commit. */

  /* pinhole_survival */
  guint probes = 0, reached = 0;
  for (guint i = 0; i < obs->probes->len; i++)
    {
      const ObsProbe *p = &g_array_index (obs->probes, ObsProbe, i);
      if (p->unit != u || !in_window (obs, p->sent_at) || p->outcome == SIP_PROXY_PROBE_ABORTED)
        continue;
      probes++;
      if (p->reached)
        reached++;
    }
  if (probes > 0)
    {
      out->v[M_PINHOLE_SURVIVAL] = (double) reached / (double) probes;
      out->null[M_PINHOLE_SURVIVAL] = FALSE;
    }

  /* pinhole_expiries */
  guint expiries = 0;
  for (guint i = 0; i < obs->nat_records->len; i++)
    {
      const NatRecord *r = &g_array_index (obs->nat_records, NatRecord, i);
      if (r->kind == NAT_RECORD_EXPIRED && r->reason == NAT_EXPIRY_TIMEOUT
          && sim_sockaddr_equal (&r->internal, &unit->local) && in_window (obs, r->time))
        expiries++;
    }
  out->v[M_PINHOLE_EXPIRIES] = expiries;
  out->null[M_PINHOLE_EXPIRIES] = FALSE;

  /* messages / bytes per device hour */
  if (obs->end > obs->warmup)
    {
      double hours = secs (obs->end - obs->warmup) / 3600.0;
      out->v[M_MESSAGES_PER_HOUR] = (double) unit->datagrams_sent / hours;
      out->v[M_BYTES_PER_HOUR] = (double) unit->bytes_sent / hours;
      out->null[M_MESSAGES_PER_HOUR] = out->null[M_BYTES_PER_HOUR] = FALSE;
    }
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

GArray *
metrics_compute (const RunObservations *obs)
{
  g_return_val_if_fail (obs != NULL, NULL);

  GArray *rows = g_array_new (FALSE, TRUE, sizeof (RunMetric));
  g_array_set_clear_func (rows, clear_metric);

  guint n = obs->units->len;
  UnitValues *vals = g_new0 (UnitValues, MAX (n, 1));
  for (guint u = 0; u < n; u++)
    compute_unit (obs, u, &vals[u]);

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
        const ObsUnit *unit = &g_array_index (obs->units, ObsUnit, u);
        for (guint m = 0; m < N_METRICS; m++)
          append (rows, unit->name, m, vals[u].v[m], vals[u].null[m]);
      }

  g_free (vals);
  return rows;
}
