/*
 * experiment/trace.c - one stored run as a ladder diagram (trace.h); the
 * command line is cli/trace.c.
 *
 * The run is replayed (replay.h: same scenario text, point, replication
 * and seed; the fingerprint must match the stored one) with a pcap of
 * every link, and the ladder is drawn from that pcap (ladder.h), with the
 * devices' events and the faults as notes.  Replaying instead of storing
 * packets keeps the database small and proves, each time, that the run
 * is reproducible.
 */
#include "experiment/trace.h"

#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "experiment/ladder.h"
#include "experiment/fault.h"
#include "experiment/replay.h"
#include "experiment/store.h"
#include "experiment/trace-private.h"


/* The name of the node that has @addr; NULL if none. */
static const char *
host_name (const RunObservations *obs, SimIp4 addr)
{
  for (guint i = 0; i < obs->hosts->len; i++)
    {
      const ObsHost *h = &g_array_index (obs->hosts, ObsHost, i);
      if (h->addr == addr)
        return h->name;
    }
  return NULL;
}

/* Device events worth a note: outcomes, not every state change. */
static char *
event_note (const RunObservations *obs, const ObsEvent *oe)
{
  const DeviceEvent *ev = &oe->ev;
  const ObsUnit *u = &g_array_index (obs->units, ObsUnit, oe->unit);
  const char *acc = strchr (u->name, '/');
  acc = acc ? acc + 1 : u->name;
  char sbuf[SIM_SOCKADDR_STRLEN];
  const char *srv = host_name (obs, ev->server.ip);
  if (!srv)
    srv = sim_sockaddr_to_string (&ev->server, sbuf);
  switch (ev->kind)
    {
    case DEVICE_EVENT_REGISTERED:
      return g_strdup_printf ("%s registered at %s for %u s%s%s", acc, srv, ev->expires,
                              ev->failover ? " (failover)" : "", ev->failback ? " (failback)" : "");
    case DEVICE_EVENT_REG_FAILED:
      return g_strdup_printf ("%s registration at %s failed (%s%s%.0u)", acc, srv,
                              device_fail_kind_to_string (ev->fail), ev->status ? " " : "", ev->status);
    case DEVICE_EVENT_REG_EXPIRED:
      return g_strdup_printf ("%s binding at %s expired", acc, srv);
    case DEVICE_EVENT_SERVER_CHANGE:
      return g_strdup_printf ("%s moves to %s", acc, srv);
    case DEVICE_EVENT_MAPPING:
      {
        char mbuf[SIM_SOCKADDR_STRLEN];
        return g_strdup_printf ("%s public address %s", acc, sim_sockaddr_to_string (&ev->mapped, mbuf));
      }
    case DEVICE_EVENT_KA_FAILED:
      return g_strdup_printf ("%s keep-alive to %s unanswered", acc, srv);
    case DEVICE_EVENT_FLOW_UP:
      return g_strdup_printf ("%s connection to %s up", acc, srv);
    case DEVICE_EVENT_FLOW_FAILED:
      return g_strdup_printf ("%s connection to %s failed", acc, srv);
    case DEVICE_EVENT_LOOKUP:
      return ev->n_candidates ? NULL : g_strdup_printf ("%s DNS lookup failed", acc);
    case DEVICE_EVENT_CALL:
      /* Outcomes only (issue 16); the generator's view is marked. */
      if (ev->call_phase != DEVICE_CALL_ESTABLISHED && ev->call_phase != DEVICE_CALL_FAILED
          && ev->call_phase != DEVICE_CALL_LOST && ev->call_phase != DEVICE_CALL_RETRIED)
        return NULL;
      return g_strdup_printf ("%s %scall %u %s%s%s%s%.0u", acc,
                              oe->generator ? "generator " : ev->incoming ? "incoming " : "",
                              ev->call_id, device_call_phase_to_string (ev->call_phase),
                              oe->generator ? "" : " via ", oe->generator ? "" : srv,
                              ev->status ? " " : "", ev->status);
    case DEVICE_EVENT_SUBSCRIPTION:
      if (ev->sub_phase != DEVICE_SUB_MOVED && ev->sub_phase != DEVICE_SUB_FAILED
          && ev->sub_phase != DEVICE_SUB_EXPIRED && ev->sub_phase != DEVICE_SUB_ACTIVE)
        return NULL;
      return g_strdup_printf ("%s subscription %s at %s%s%.0u", acc,
                              device_sub_phase_to_string (ev->sub_phase), srv,
                              ev->status && ev->sub_phase == DEVICE_SUB_FAILED ? " " : "",
                              ev->sub_phase == DEVICE_SUB_FAILED ? ev->status : 0);
    default:
      return NULL;
    }
}

static void
add_notes (Ladder *l, const RunObservations *obs)
{
  for (guint i = 0; i < obs->events->len; i++)
    {
      const ObsEvent *oe = &g_array_index (obs->events, ObsEvent, i);
      g_autofree char *note = event_note (obs, oe);
      if (!note)
        continue;
      const ObsUnit *u = &g_array_index (obs->units, ObsUnit, oe->unit);
      g_autofree char *dev = g_strndup (u->name, strcspn (u->name, "/"));
      ladder_add_note (l, oe->ev.time, dev, note);
    }
  for (guint i = 0; i < obs->faults->len; i++)
    {
      const ObsFault *f = &g_array_index (obs->faults, ObsFault, i);
      g_autofree char *note = g_strdup_printf ("*** %s (fault %s)", fault_effect (f->kind)->name,
                                               f->fault ? f->fault : "?");
      ladder_add_note (l, f->time, f->target ? f->target : "dns", note);
    }
}

char *
trace_run_ladder (Store *store, gint64 run_id, const TraceOptions *opt,
                  TraceInfo *info, GError **error)
{
  char *tmpdir = NULL, *tmp_pcap = NULL, *text = NULL;
  RunResult *res = NULL;
  Ladder *l = NULL;
  if (info != NULL)
    memset (info, 0, sizeof *info);
  {
    /* A live run is drawn from its own capture (trace-live.c). */
    StoreRunInfo run;
    StoreExperimentInfo exp = { 0 };
    if (!store_get_run_info (store, run_id, &run, NULL))
      memset (&run, 0, sizeof run);
    else if (store_get_experiment_info (store, run.experiment, &exp, NULL)
             && g_strcmp0 (exp.mode, "live") == 0)
      text = trace_live_ladder (store, &run, &exp, opt, info, error);
    gboolean live = g_strcmp0 (exp.mode, "live") == 0;
    store_experiment_info_clear (&exp);
    store_run_info_clear (&run);
    if (live)
      return text;
  }
  /* The ladder is drawn from every link (ladder.h merges a packet's
   * hops); the user's pcap is captured where they asked (run-pcap.c
   * note 1), in a second replay, since a link has one tap. */
  tmpdir = g_dir_make_tmp ("sipsim-trace-XXXXXX", error);
  if (tmpdir == NULL)
    return NULL;
  tmp_pcap = g_build_filename (tmpdir, "run.pcap", NULL);
  RunOptions ro = { .keep_observations = TRUE, .pcap_path = tmp_pcap, .pcap_at = "all" };
  res = replay_run (store, run_id, &ro, error);
  if (res == NULL)
    goto out;
  if (opt->pcap_path)
    {
      RunOptions uo = { .pcap_path = opt->pcap_path, .pcap_at = opt->pcap_at,
                        .pcap_per_node = opt->pcap_per_node };
      RunResult *ur = replay_run (store, run_id, &uo, error);
      if (ur == NULL)
        goto out;
      run_result_free (ur);
    }
  l = ladder_new (res->obs->hosts);
  if (!ladder_read_pcap (l, ro.pcap_path, error))
    goto out;
  if (opt->notes)
    add_notes (l, res->obs);
  text = ladder_render (l, opt->only);
  if (info != NULL)
    {
      info->n_devices = res->n_devices;
      info->sim_time = res->sim_time;
      info->fingerprint = res->fingerprint;
    }
out:
  ladder_free (l);
  run_result_free (res);
  if (tmp_pcap)
    g_unlink (tmp_pcap);
  if (tmpdir)
    g_rmdir (tmpdir);
  g_free (tmp_pcap);
  g_free (tmpdir);
  return text;
}
