/*
 * experiment/metrics-info.c - the metric registry (metrics.h): label,
 * unit and range of every metric, as doc/metrics.md's table states them.
 * Plots take their axis labels and ranges from here (a non-negative
 * quantity is never drawn below zero, a fraction never above one).
 */
#include <math.h>
#include <string.h>

#include "experiment/metrics.h"

static const MetricInfo infos[] = {
  { "time_to_first_registration_s", "time to first registration", "s", METRIC_SECONDS, 0, INFINITY },
  { "failover_s", "failover time", "s", METRIC_SECONDS, 0, INFINITY },
  { "failover_completed", "failovers completed", "fraction of faults", METRIC_FRACTION, 0, 1 },
  { "failovers", "failovers", "count", METRIC_COUNT, 0, INFINITY },
  { "outage_s", "outage", "s", METRIC_SECONDS, 0, INFINITY },
  { "pinhole_survival", "pinhole survival", "fraction of probes", METRIC_FRACTION, 0, 1 },
  { "pinhole_expiries", "pinhole expiries", "count", METRIC_COUNT, 0, INFINITY },
  { "reregistrations", "re-registrations (not plain refreshes)", "count", METRIC_COUNT, 0, INFINITY },
  { "registrations", "registrations", "count", METRIC_COUNT, 0, INFINITY },
  { "messages_per_device_hour", "messages sent", "datagrams per device-hour", METRIC_RATE, 0, INFINITY },
  { "bytes_per_device_hour", "bytes sent", "bytes per device-hour", METRIC_RATE, 0, INFINITY },
  { "call_attempts", "calls placed", "count", METRIC_COUNT, 0, INFINITY },
  { "call_setup_ratio", "calls set up", "fraction of calls", METRIC_FRACTION, 0, 1 },
  { "call_setup_s", "call set-up time (INVITE to 200)", "s", METRIC_SECONDS, 0, INFINITY },
  { "calls_failed_failover", "calls failed during a failover", "count", METRIC_COUNT, 0, INFINITY },
  { "calls_lost", "established calls that lost their path", "count", METRIC_COUNT, 0, INFINITY },
  { "inbound_call_attempts", "inbound calls toward the phone", "count", METRIC_COUNT, 0, INFINITY },
  { "inbound_setup_ratio", "inbound calls set up", "fraction of calls", METRIC_FRACTION, 0, 1 },
  { "subscription_gap_s", "time without a live subscription", "s", METRIC_SECONDS, 0, INFINITY },
  { "detect_s", "time to notice the fault", "s", METRIC_SECONDS, 0, INFINITY },
  { "flow_failures", "connection failures", "count", METRIC_COUNT, 0, INFINITY },
  { "reconnects", "re-connections", "count", METRIC_COUNT, 0, INFINITY },
};

const MetricInfo *
metrics_info (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (infos); i++)
    if (strcmp (infos[i].name, name) == 0)
      return &infos[i];
  return NULL;
}

char *
metrics_axis_label (const char *name)
{
  const MetricInfo *m = metrics_info (name);
  if (!m)
    return g_strdup (name);
  return g_strdup_printf ("%s (%s)", m->label, m->unit);
}
