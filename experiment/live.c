/*
 * experiment/live.c - `sipsim live` (live.h): devices of a scenario on
 * live hosts, their events as a run's observations, the stop with
 * unregistration, the store.
 *
 * Notes
 *
 * 1. One main loop, one thread: the kernel (driven by SimLive), the
 *    sockets, the signal sources and standard input all dispatch from the
 *    default GMainContext, so observations need no lock.
 *
 * 2. Units and AORs follow experiment/run-world.c note 3 (one per enabled
 *    account, "DEVICE/SPn"; instances of a group with count > 1 get
 *    "-K" appended to UserID and AuthUserName), so a live run's metric
 *    rows line up with the simulated run's.
 *
 * 3. The wall clock: read only through SimLive (kernel time) and for the
 *    run's wall_s; this file's name contains "live" for that reason.
 *
 * 6. Addresses.  Device instance i (0-based, over the devices run, in
 *    scenario order) binds [live] address + i, so several phones with the
 *    same ports (X_UserAgentPort) can run side by side on loopback or on
 *    a range of addresses one owns.  Without [live] address every phone
 *    binds "any": a second phone with the same ports is refused with the
 *    bind error.
 */
#include "experiment/live.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>
#include <sqlite3.h>

#include "sim/host/host-live.h"
#include "sim/host/resolver.h"
#include "sim/net/net.h"
#include "sim/net/packet.h"
#include "models/device/device.h"
#include "experiment/metrics.h"
#include "experiment/run-private.h"
#include "experiment/store.h"

G_DEFINE_QUARK (live-error-quark, live_error)

typedef struct Live Live;

typedef struct {
  Live     *live;
  char     *name;
  SimHost  *host;
  Device   *device;
  guint     unit_of_account[DEVICE_MAX_ACCOUNTS + 1];
  SimTime   start;
  guint64   base_datagrams, base_bytes;
  HostTimer start_timer;
} LiveDevice;

struct Live {
  const RunSpec     *spec;
  const LiveOptions *opt;
  SimWorld          *world;
  SimLive           *sl;
  GMainLoop         *loop;
  RunObservations   *obs;
  GPtrArray         *devices;     /* LiveDevice * */
  GPtrArray         *trace;       /* char * */
  SimPcap           *pcap;
  guint16            pcap_ip_id;
  SimTimer           end_timer, warmup_timer;
  gboolean           stopping;
  guint              stops_pending;
  LiveSummary       *sum;
  GIOChannel        *stdin_ch;      /* ours (a reference) */
  guint              stdin_src;     /* the watch; 0 once standard input ended */
  GString           *stdin_line;
};

/* ------------------------------------------------------------- output */

static void
status (Live *lv, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
status (Live *lv, const char *fmt, ...)
{
  if (!lv->opt->status)
    return;
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (lv->opt->status, "%9.3f  %s\n", (double) sim_world_now (lv->world) / SIM_S (1), msg);
  fflush (lv->opt->status);
}

static const char *
proxy_name (Live *lv, const SimSockAddr *a)
{
  for (guint i = 0; i < lv->obs->proxies->len; i++)
    {
      const ObsProxy *p = &g_array_index (lv->obs->proxies, ObsProxy, i);
      if (sim_sockaddr_equal (&p->addr, a))
        return p->name;
    }
  return "?";
}

static void
on_trace (SimWorld *world, const char *line, gpointer user_data)
{
  Live *lv = user_data;
  (void) world;
  g_ptr_array_add (lv->trace, g_strdup (line));
}

/* The phone's own datagrams, with IPv4/UDP headers made up around them
 * (real checksums, TTL 64): what a capture on its interface would show.
 * Stamped with the run's kernel time, as a simulated capture is, so
 * `sipsim trace` lines them up with the stored trace (trace-live.c). */
static void
on_packet (SimLive *sl, SimTime t, const SimSockAddr *from, const SimSockAddr *to,
           const guint8 *data, gsize len, gpointer user_data)
{
  Live *lv = user_data;
  if (len > SIM_UDP_MAX_PAYLOAD)
    return;
  SimPacket *p = sim_packet_new_udp (from, to, lv->pcap_ip_id++, 64, data, len);
  (void) sl;
  sim_pcap_write (lv->pcap, t, sim_packet_data (p), sim_packet_len (p));
  sim_packet_free (p);
}

/* --------------------------------------------------------- observations */

static void
on_device_event (Device *dev, const DeviceEvent *ev, gpointer user_data)
{
  LiveDevice *ld = user_data;
  Live *lv = ld->live;
  (void) dev;
  if (ev->account < 1 || ev->account > DEVICE_MAX_ACCOUNTS)
    return;
  guint unit = ld->unit_of_account[ev->account];
  if (unit == G_MAXUINT)
    return;
  ObsEvent o = { .unit = unit, .ev = *ev };
  o.ev.detail = NULL;
  g_array_append_val (lv->obs->events, o);

  const char *uname = g_array_index (lv->obs->units, ObsUnit, unit).name;
  char b[SIM_SOCKADDR_STRLEN];
  switch (ev->kind)
    {
    case DEVICE_EVENT_REGISTERED:
      status (lv, "%s registered at %s (%s), expires %u s%s%s", uname,
              sim_sockaddr_to_string (&ev->server, b), proxy_name (lv, &ev->server),
              ev->expires, ev->failover ? ", failover" : "", ev->failback ? ", failback" : "");
      break;
    case DEVICE_EVENT_REG_FAILED:
      status (lv, "%s REGISTER to %s (%s) failed: %s%s%.0u", uname,
              sim_sockaddr_to_string (&ev->server, b), proxy_name (lv, &ev->server),
              device_fail_kind_to_string (ev->fail), ev->status ? " " : "", ev->status);
      break;
    case DEVICE_EVENT_REG_EXPIRED:
      status (lv, "%s binding expired", uname);
      break;
    case DEVICE_EVENT_LOOKUP:
      if (ev->n_candidates == 0)
        status (lv, "%s DNS lookup failed", uname);
      break;
    default:
      break;
    }
}

static void
on_start (HostTimer *t, gpointer user_data)
{
  LiveDevice *ld = user_data;
  (void) t;
  status (ld->live, "%s powered on", ld->name);
  device_start (ld->device);
}

static void
on_warmup (SimTimer *t, gpointer user_data)
{
  Live *lv = user_data;
  (void) t;
  for (guint i = 0; i < lv->devices->len; i++)
    {
      LiveDevice *ld = lv->devices->pdata[i];
      ld->base_datagrams = device_get_stats (ld->device)->datagrams_sent;
      ld->base_bytes = device_get_stats (ld->device)->bytes_sent;
    }
}

/* ----------------------------------------------------------- the stop */

static void
on_stopped (Device *dev, guint ok, guint failed, gpointer user_data)
{
  LiveDevice *ld = user_data;
  Live *lv = ld->live;
  (void) dev;
  lv->sum->unregistered += ok;
  lv->sum->unregister_failed += failed;
  if (ok + failed)
    status (lv, "%s unregistered: %u removed, %u failed", ld->name, ok, failed);
  if (--lv->stops_pending == 0)
    g_main_loop_quit (lv->loop);
}

/* @in_event: called from a kernel timer (the kernel is at the instant
 * already and must not be driven from inside itself). */
static void
begin_stop (Live *lv, const char *why, gboolean in_event)
{
  if (lv->stopping)
    return;
  lv->stopping = TRUE;
  /* The window ends here: the unregistration is the run's end, not an
   * outage (live.h note 3). */
  if (!in_event)
    sim_live_catch_up (lv->sl);
  lv->obs->end = sim_world_now (lv->world);
  sim_timer_cancel (&lv->end_timer);
  for (guint i = 0; i < lv->devices->len; i++)
    {
      LiveDevice *ld = lv->devices->pdata[i];
      host_timer_cancel (&ld->start_timer);
      for (guint n = 1; n <= DEVICE_MAX_ACCOUNTS; n++)
        if (ld->unit_of_account[n] != G_MAXUINT && device_account_is_registered (ld->device, n))
          lv->sum->registered++;
    }
  status (lv, "%s: unregistering %u binding%s", why, lv->sum->registered,
          lv->sum->registered == 1 ? "" : "s");
  lv->stops_pending = lv->devices->len;
  for (guint i = 0; i < lv->devices->len; i++)
    {
      LiveDevice *ld = lv->devices->pdata[i];
      device_stop (ld->device, on_stopped, ld);
    }
  if (lv->devices->len == 0)
    g_main_loop_quit (lv->loop);
}

static void
on_end (SimTimer *t, gpointer user_data)
{
  (void) t;
  begin_stop (user_data, "duration reached", TRUE);
}

static gboolean
on_signal (gpointer user_data)
{
  Live *lv = user_data;
  lv->sum->interrupted = TRUE;
  if (lv->stopping)
    {
      status (lv, "second interrupt: leaving without waiting for the removals");
      g_main_loop_quit (lv->loop);
    }
  else
    begin_stop (lv, "interrupted", FALSE);
  return G_SOURCE_CONTINUE;
}

/* --------------------------------------------------- fault lines (note 2) */

static void
control_line (Live *lv, const char *line)
{
  g_auto (GStrv) w = g_strsplit_set (line, " \t", -1);
  guint n = 0;
  for (guint i = 0; w[i]; i++)
    if (w[i][0])
      w[n++] = w[i];
  if (n == 0)
    return;
  gint proxy = -1;
  if (n == 2)
    for (guint i = 0; i < lv->obs->proxies->len; i++)
      if (g_str_equal (g_array_index (lv->obs->proxies, ObsProxy, i).name, w[1]))
        proxy = (gint) i;
  gboolean down = g_str_equal (w[0], "down"), up = g_str_equal (w[0], "up");
  if (n != 2 || (!down && !up) || proxy < 0)
    {
      status (lv, "ignored control line '%s' (expected 'down PROXY' or 'up PROXY' with a "
              "[proxy] name of the scenario)", line);
      return;
    }
  sim_live_catch_up (lv->sl);
  ObsFault f = {
    .time = sim_world_now (lv->world),
    .kind = down ? OBS_FAULT_PROXY_CRASH : OBS_FAULT_PROXY_RECOVER,
    .fault = g_strdup_printf ("live-%s", w[0]),
    .target = g_strdup (w[1]),
    .proxy = proxy, .nat = -1, .unit_device = -1,
  };
  g_array_append_val (lv->obs->faults, f);
  sim_trace (lv->world, "live", "fault %s %s (from the operator)", w[0], w[1]);
  status (lv, "%s marked %s", w[1], down ? "down" : "up");
}

static gboolean
on_stdin (GIOChannel *ch, GIOCondition cond, gpointer user_data)
{
  Live *lv = user_data;
  char buf[512];
  gssize n = read (g_io_channel_unix_get_fd (ch), buf, sizeof buf);
  if (n <= 0)
    {
      lv->stdin_src = 0;   /* end of input: no more faults, the run goes on */
      return G_SOURCE_REMOVE;
    }
  for (gssize i = 0; i < n; i++)
    {
      if (buf[i] != '\n')
        {
          g_string_append_c (lv->stdin_line, buf[i]);
          continue;
        }
      control_line (lv, g_strstrip (lv->stdin_line->str));
      g_string_truncate (lv->stdin_line, 0);
    }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------ building */

static void
suffix (char **s, guint k)
{
  if (*s == NULL || **s == '\0')
    return;
  char *n = g_strdup_printf ("%s-%u", *s, k);
  g_free (*s);
  *s = n;
}

static gboolean
dns_servers (const RunSpec *spec, SimSockAddr *out, guint *n, GError **error)
{
  const SpecLive *l = &spec->live;
  if (l->n_dns > 0)
    {
      memcpy (out, l->dns, l->n_dns * sizeof *out);
      *n = l->n_dns;
      return TRUE;
    }
  if (!l->dns_system && spec->dns_section)
    {
      out[0] = (SimSockAddr) { spec->dns_addr, spec->dns_cfg.port ? spec->dns_cfg.port : 53 };
      *n = 1;
      return TRUE;
    }
  *n = host_resolver_system_servers (out, DEVICE_MAX_DNS, error);
  return *n > 0;
}

static gboolean
add_device (Live *lv, const SpecDevice *sd, guint k, const SimSockAddr *dns, guint n_dns,
            SimTime start, GError **error)
{
  LiveDevice *ld = g_new0 (LiveDevice, 1);
  ld->live = lv;
  ld->name = sd->count == 1 ? g_strdup (sd->name) : g_strdup_printf ("%s-%u", sd->name, k);
  ld->start = start;
  g_ptr_array_add (lv->devices, ld);
  guint index = lv->devices->len - 1;

  DeviceConfig c;
  device_config_copy (&c, &sd->cfg);
  if (c.n_dns_servers == 0)
    {
      memcpy (c.dns_servers, dns, n_dns * sizeof *dns);
      c.n_dns_servers = n_dns;
    }
  /* note 6: instance i binds [live] address + i */
  SimIp4 local = lv->spec->live.bind == SIM_IP4_ANY ? SIM_IP4_ANY : lv->spec->live.bind + index;
  ld->host = sim_live_host_new (lv->sl, ld->name, local);
  for (guint n = 1; n <= DEVICE_MAX_ACCOUNTS; n++)
    {
      DeviceAccountConfig *acc = &c.accounts[n - 1];
      ld->unit_of_account[n] = G_MAXUINT;
      if (!device_account_config_is_enabled (acc))
        continue;
      if (sd->count > 1)
        {
          suffix (&acc->user_id, k);
          suffix (&acc->auth_username, k);
        }
      const char *user = acc->user_id && acc->user_id[0] ? acc->user_id : acc->auth_username;
      g_autofree char *host = g_ascii_strdown (device_account_config_registrar (acc), -1);
      ObsUnit u = {
        .name = g_strdup_printf ("%s/SP%u", ld->name, n),
        .device = index,
        .account = n,
        .local = { local, acc->local_port ? acc->local_port : (guint16) (5060 + n - 1) },
        .aor = g_strdup_printf ("%s@%s", user, host),
        .powered_on = start,
      };
      ld->unit_of_account[n] = lv->obs->units->len;
      g_array_append_val (lv->obs->units, u);
    }
  g_autoptr (GError) err = NULL;
  ld->device = device_new (ld->host, &c, &err);
  device_config_clear (&c);
  if (!ld->device)
    {
      g_set_error (error, LIVE_ERROR, LIVE_ERROR_DEVICE, "device %s: %s", ld->name,
                   err ? err->message : "refused");
      return FALSE;
    }
  device_set_event_func (ld->device, on_device_event, ld);
  host_timer_init (ld->host, &ld->start_timer, on_start, ld);
  host_timer_start (&ld->start_timer, start);
  ObsHost h = { local, g_strdup (ld->name) };
  g_array_append_val (lv->obs->hosts, h);
  if (local != SIM_IP4_ANY)
    {
      /* names the phone's column in `sipsim trace` (trace-live.c) */
      char b[SIM_IP4_STRLEN];
      sim_trace (lv->world, "live", "device %s at %s", ld->name, sim_ip4_to_string (local, b));
    }
  return TRUE;
}

static gboolean
build (Live *lv, GError **error)
{
  const RunSpec *spec = lv->spec;
  for (guint i = 0; i < spec->proxies->len; i++)
    {
      const SpecProxy *sp = &g_array_index (spec->proxies, SpecProxy, i);
      ObsProxy op = { g_strdup (sp->name), { sp->addr, sp->cfg.port ? sp->cfg.port : 5060 } };
      g_array_append_val (lv->obs->proxies, op);
      ObsHost h = { sp->addr, g_strdup (sp->name) };
      g_array_append_val (lv->obs->hosts, h);
    }
  SimSockAddr dns[DEVICE_MAX_DNS];
  guint n_dns = 0;
  g_autoptr (GError) err = NULL;
  if (!dns_servers (spec, dns, &n_dns, &err))
    {
      g_set_error (error, LIVE_ERROR, LIVE_ERROR_SCENARIO,
                   "no DNS server for the live phones ([live] dns): %s", err->message);
      return FALSE;
    }
  for (guint i = 0; i < n_dns; i++)
    {
      char b[SIM_SOCKADDR_STRLEN];
      status (lv, "DNS server %s", sim_sockaddr_to_string (&dns[i], b));
    }

  guint wanted = 0;
  for (guint i = 0; i < spec->devices->len; i++)
    {
      const SpecDevice *sd = &g_array_index (spec->devices, SpecDevice, i);
      if (!lv->opt->device || g_str_equal (lv->opt->device, sd->name))
        wanted += sd->count;
    }
  if (wanted == 0)
    {
      g_set_error (error, LIVE_ERROR, LIVE_ERROR_SCENARIO,
                   lv->opt->device ? "no [device %s] in the scenario" : "the scenario has no device%s",
                   lv->opt->device ? lv->opt->device : "");
      return FALSE;
    }
  if (wanted > spec->live.max_devices)
    {
      g_set_error (error, LIVE_ERROR, LIVE_ERROR_SCENARIO,
                   "%u device instances, more than [live] max_devices = %u (doc/live.md, Safety)",
                   wanted, spec->live.max_devices);
      return FALSE;
    }

  SimRng start_rng;
  sim_world_rng_init (lv->world, &start_rng, "experiment/start");
  guint index = 0;
  for (guint i = 0; i < spec->devices->len; i++)
    {
      const SpecDevice *sd = &g_array_index (spec->devices, SpecDevice, i);
      if (lv->opt->device && !g_str_equal (lv->opt->device, sd->name))
        continue;
      for (guint k = 1; k <= sd->count; k++, index++)
        {
          /* note 5: never faster than `rate` starts per second */
          SimTime paced = (SimTime) (index / spec->live.rate * SIM_S (1));
          SimTime start = MAX (run_draw_time (&start_rng, &sd->start), paced);
          if (!add_device (lv, sd, k, dns, n_dns, start, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* ------------------------------------------------------------ the store */

static gint64
store_live_run (Live *lv, const Scenario *sc, const ScenarioPoint *pt, RunResult **res,
                double wall_s, GError **error)
{
  g_autoptr (Store) store = store_open (lv->opt->db_path, error);
  if (!store)
    return 0;
  gint64 exp = store_experiment_mode (store, scenario_get_name (sc), scenario_get_text (sc),
                                      scenario_get_seed (sc), "live", error);
  if (exp <= 0)
    return 0;
  /* note 4: the k-th live session of this experiment is replication k */
  sqlite3_stmt *st = NULL;
  guint rep = 0;
  if (sqlite3_prepare_v2 (store_get_db (store),
                          "SELECT count(*) FROM run WHERE experiment_id = ?1", -1, &st,
                          NULL) == SQLITE_OK)
    {
      sqlite3_bind_int64 (st, 1, exp);
      if (sqlite3_step (st) == SQLITE_ROW)
        rep = (guint) sqlite3_column_int64 (st, 0);
    }
  sqlite3_finalize (st);

  StoreRun *sr = g_new0 (StoreRun, 1);
  sr->experiment = exp;
  sr->point = 0;
  sr->point_key = g_strdup (pt->key);
  sr->n_params = pt->n_vars;
  sr->param_names = g_new0 (char *, pt->n_vars + 1);
  sr->param_values = g_new0 (char *, pt->n_vars + 1);
  for (guint i = 0; i < pt->n_vars; i++)
    {
      sr->param_names[i] = g_strdup (pt->names[i]);
      sr->param_values[i] = g_strdup (pt->values[i]);
    }
  sr->replication = rep;
  sr->seed = lv->spec->seed;
  sr->wall_s = wall_s;
  sr->result = g_steal_pointer (res);   /* the store run owns it now */
  if (!store_put_run (store, sr, error))
    return 0;
  return store_find_run (store, exp, pt->key, rep, error);
}

/* ------------------------------------------------------------- the run */

static void
free_devices (Live *lv)
{
  for (guint i = 0; i < lv->devices->len; i++)
    {
      LiveDevice *ld = lv->devices->pdata[i];
      host_timer_cancel (&ld->start_timer);
      device_free (ld->device);
      host_free (ld->host);
      g_free (ld->name);
      g_free (ld);
    }
  g_ptr_array_set_size (lv->devices, 0);
}

gboolean
live_run (const Scenario *sc, const LiveOptions *opt, LiveSummary *summary, GError **error)
{
  g_return_val_if_fail (sc != NULL && opt != NULL && summary != NULL, FALSE);
  memset (summary, 0, sizeof *summary);
  summary->failover_s = NAN;
  g_autoptr (RunSpec) spec = scenario_instantiate (sc, 0, 0);
  const ScenarioPoint *pt = scenario_get_point (sc, 0);

  Live lv = { .spec = spec, .opt = opt, .sum = summary };
  lv.world = sim_world_new (spec->seed);
  lv.trace = g_ptr_array_new_with_free_func (g_free);
  sim_world_set_trace_func (lv.world, on_trace, &lv, NULL);
  lv.sl = sim_live_new (lv.world, NULL);
  lv.loop = g_main_loop_new (NULL, FALSE);
  lv.obs = run_observations_new ();
  lv.obs->warmup = spec->warmup;
  lv.devices = g_ptr_array_new ();
  SimTime duration = opt->duration > 0 ? opt->duration : spec->duration;
  lv.obs->end = duration;
  gint64 wall0 = g_get_monotonic_time ();
  gboolean ok = TRUE;

  if (opt->pcap_path)
    {
      lv.pcap = sim_pcap_open (opt->pcap_path, error);
      if (!lv.pcap)
        {
          g_prefix_error (error, "pcap %s: ", opt->pcap_path);
          ok = FALSE;
        }
      else
        sim_live_set_packet_func (lv.sl, on_packet, &lv);
    }
  if (pt->key[0])
    status (&lv, "sweep point %s (the first of %u)", pt->key, scenario_get_n_points (sc));
  ok = ok && build (&lv, error);

  guint sig_int = 0, sig_term = 0;
  if (ok)
    {
      /* the run's own timers are the kernel's, not any device host's */
      sim_timer_init (&lv.end_timer, lv.world, on_end, &lv);
      sim_timer_start (&lv.end_timer, duration);
      sim_timer_init (&lv.warmup_timer, lv.world, on_warmup, &lv);
      if (spec->warmup > 0 && spec->warmup < duration)
        sim_timer_start (&lv.warmup_timer, spec->warmup);
      sig_int = g_unix_signal_add (SIGINT, on_signal, &lv);
      sig_term = g_unix_signal_add (SIGTERM, on_signal, &lv);
      if (opt->control)
        {
          lv.stdin_line = g_string_new (NULL);
          lv.stdin_ch = g_io_channel_unix_new (STDIN_FILENO);
          lv.stdin_src = g_io_add_watch (lv.stdin_ch, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, &lv);
        }
      status (&lv, "running %u device%s for %.0f s; Ctrl-C unregisters and stops",
              lv.devices->len, lv.devices->len == 1 ? "" : "s", (double) duration / SIM_S (1));
      g_main_loop_run (lv.loop);
      g_source_remove (sig_int);
      g_source_remove (sig_term);
      if (lv.stdin_src)
        g_source_remove (lv.stdin_src);
      g_clear_pointer (&lv.stdin_ch, g_io_channel_unref);
      if (lv.stdin_line)
        g_string_free (lv.stdin_line, TRUE);
      sim_timer_cancel (&lv.end_timer);
      sim_timer_cancel (&lv.warmup_timer);
      /* window counters (run.c note 2) */
      for (guint u = 0; u < lv.obs->units->len; u++)
        {
          ObsUnit *unit = &g_array_index (lv.obs->units, ObsUnit, u);
          LiveDevice *ld = lv.devices->pdata[unit->device];
          const DeviceStats *st = device_get_stats (ld->device);
          gboolean counted = spec->warmup < lv.obs->end;
          unit->datagrams_sent = counted ? st->datagrams_sent - ld->base_datagrams : 0;
          unit->bytes_sent = counted ? st->bytes_sent - ld->base_bytes : 0;
        }
    }

  summary->n_units = lv.obs->units->len;
  summary->max_lateness = sim_live_get_max_lateness (lv.sl);
  RunResult *res = g_new0 (RunResult, 1);
  res->fingerprint = sim_world_get_fingerprint (lv.world);
  res->trace_lines = sim_world_get_trace_lines (lv.world);
  res->events_executed = sim_world_get_events_executed (lv.world);
  res->sim_time = sim_world_now (lv.world);
  res->n_devices = lv.devices->len;
  res->metrics = ok ? metrics_compute (lv.obs) : g_array_new (FALSE, TRUE, sizeof (RunMetric));
  const RunMetric *fo = metrics_find (res->metrics, "", "failover_s");
  if (fo && !fo->null)
    summary->failover_s = fo->value;

  sim_world_set_trace_func (lv.world, NULL, NULL, NULL);
  res->trace = g_steal_pointer (&lv.trace);
  free_devices (&lv);
  sim_live_free (lv.sl);
  sim_world_free (lv.world);
  g_main_loop_unref (lv.loop);
  g_ptr_array_unref (lv.devices);
  if (lv.pcap)
    {
      GError *e = NULL;
      if (!sim_pcap_close (lv.pcap, ok ? error : &e) && ok)
        {
          g_prefix_error (error, "pcap %s: ", opt->pcap_path);
          ok = FALSE;
        }
      g_clear_error (&e);
    }
  run_observations_free (lv.obs);
  double wall_s = (double) (g_get_monotonic_time () - wall0) / 1e6;
  if (ok && opt->db_path)
    {
      summary->run_id = store_live_run (&lv, sc, pt, &res, wall_s, error);
      if (summary->run_id <= 0)
        {
          g_prefix_error (error, "%s: ", opt->db_path);
          ok = FALSE;
        }
    }
  run_result_free (res);
  return ok;
}
