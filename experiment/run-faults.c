/*
 * experiment/run-faults.c - the fault schedule of a run: each
 * SpecFault becomes kernel events that apply it through the model's API
 * when it fires and record it (ObsFault, metrics.h) at that same moment.
 *
 * Notes
 *
 * 1. Draws.  Fault times are drawn in spec order from the world stream
 *    "experiment/faults" (spec.h note 3): first the fault's `at`, then,
 *    for PROXY_RANDOM, its whole up/down alternation (exponential up
 *    times of mean mtbf, down times of mean mttr, or restart_downtime for
 *    RESTART) until the end of the run.  The executor draws the
 *    alternation itself instead of calling
 *    sip_proxy_schedule_random_faults(), so that every fault is an event
 *    of ours and is observed.
 *
 * 2. What each type does (doc/runs.md "Faults"); the registry (fault.c)
 *    names the function that schedules each type:
 *      proxy-*       run_fault_proxy: sip_proxy_fault(action); CRASH/REJECT/SLOW with a
 *                    duration > 0 get a RECOVER that much later; RESTART
 *                    comes back by itself after the proxy's
 *                    restart_downtime, recorded as PROXY_RECOVER then.
 *      proxy-random  run_fault_proxy_random: note 1.
 *      nat-reboot    nat_reboot() on every instance of the NAT; with a
 *                    new public address, instance i (0-based) takes
 *                    new_public + i and the core routes it there.
 *      dns-*         dns_server_schedule() at the firing instant.
 *      link-cut      sim_link_set_up(FALSE) on the target's links (a
 *                    proxy's or the DNS server's link, every uplink of a
 *                    NAT, every access link of a device group), up again
 *                    after duration; one LINK_CUT and one LINK_RESTORE
 *                    per link.
 *    A fault whose time is at or after the end never fires and is not
 *    observed.
 */
#include "experiment/fault.h"
#include "experiment/run-private.h"

typedef enum { LT_PROXY, LT_DNS, LT_NAT, LT_DEVICE } LinkTarget;

typedef struct FaultEv FaultEv;

/* One scheduled event: what it does when it fires is @fire (no kind enum:
 * the fault's type chose the function when it scheduled it). */
struct FaultEv {
  Run             *run;
  void           (*fire) (Run *run, FaultEv *ev);
  const SpecFault *f;
  SipProxyFault    action;   /* proxy events */
  LinkTarget       lt;       /* link events */
  guint            target;   /* proxy index, spec NAT index or spec device index */
  SimTime          duration; /* proxy events: RECOVER after this (0: none) */
};

static void fire (SimWorld *world, gpointer user_data);

static FaultEv *
schedule (Run *run, SimTime at, const FaultEv *tmpl)
{
  FaultEv *ev = g_new (FaultEv, 1);
  *ev = *tmpl;
  g_ptr_array_add (run->events, ev);
  sim_schedule_at (run->world, MAX (at, sim_world_now (run->world)), fire, ev);
  return ev;
}

static ObsFault *
observe (Run *run, const FaultEv *ev, ObsFaultKind kind, const char *target)
{
  ObsFault o = {
    .time = sim_world_now (run->world),
    .kind = kind,
    .fault = g_strdup (ev->f->name),
    .target = g_strdup (target),
    .proxy = -1,
    .nat = -1,
    .nat_public = SIM_IP4_ANY,
    .unit_device = -1,
  };
  g_array_append_val (run->obs->faults, o);
  return &g_array_index (run->obs->faults, ObsFault, run->obs->faults->len - 1);
}

/* The effect of a proxy action (the registry's effect rows). */
static ObsFaultKind
proxy_kind (SipProxyFault a)
{
  switch (a)
    {
    case SIP_PROXY_FAULT_CRASH:   return OBS_FAULT_PROXY_CRASH;
    case SIP_PROXY_FAULT_REJECT:  return OBS_FAULT_PROXY_REJECT;
    case SIP_PROXY_FAULT_SLOW:    return OBS_FAULT_PROXY_SLOW;
    case SIP_PROXY_FAULT_RESTART: return OBS_FAULT_PROXY_RESTART;
    case SIP_PROXY_FAULT_KILL:    return OBS_FAULT_PROXY_KILL;
    case SIP_PROXY_FAULT_RECOVER: break;
    }
  return OBS_FAULT_PROXY_RECOVER;
}

static const SpecProxy *
spec_proxy (Run *run, guint i)
{
  return &g_array_index (run->spec->proxies, SpecProxy, i);
}

static void
cut_one (Run *run, const FaultEv *ev, SimLink *link, gboolean up, const char *target,
         gint proxy, gint nat, SimIp4 nat_public, gint device)
{
  sim_link_set_up (link, up);
  ObsFault *o = observe (run, ev, up ? OBS_FAULT_LINK_RESTORE : OBS_FAULT_LINK_CUT, target);
  o->proxy = proxy;
  o->nat = nat;
  o->nat_public = nat_public;
  o->unit_device = device;
}

static void fire_link_restore (Run *run, FaultEv *ev);

static void
fire_link (Run *run, FaultEv *ev, gboolean up)
{
  switch (ev->lt)
    {
    case LT_PROXY:
      {
        RunProxy *rp = run->proxies->pdata[ev->target];
        cut_one (run, ev, rp->link, up, spec_proxy (run, ev->target)->name,
                 (gint) ev->target, -1, SIM_IP4_ANY, -1);
        break;
      }
    case LT_DNS:
      cut_one (run, ev, run->dns_link, up, "dns", -1, -1, SIM_IP4_ANY, -1);
      break;
    case LT_NAT:
      for (guint i = 0; i < run->nats->len; i++)
        {
          RunNat *rn = run->nats->pdata[i];
          if (rn->spec_index == ev->target)
            cut_one (run, ev, rn->uplink, up, rn->name, -1, (gint) i, rn->public_addr, -1);
        }
      break;
    case LT_DEVICE:
      for (guint i = 0; i < run->devices->len; i++)
        {
          RunDevice *rd = run->devices->pdata[i];
          if (rd->spec_index == ev->target)
            cut_one (run, ev, rd->access, up, rd->name, -1, -1, SIM_IP4_ANY, (gint) i);
        }
      break;
    }
  if (!up)
    {
      FaultEv back = *ev;
      back.fire = fire_link_restore;
      schedule (run, sim_world_now (run->world) + ev->f->duration, &back);
    }
}

static void
fire_link_cut (Run *run, FaultEv *ev)
{
  fire_link (run, ev, FALSE);
}

static void
fire_link_restore (Run *run, FaultEv *ev)
{
  fire_link (run, ev, TRUE);
}

static void fire_proxy_back (Run *run, FaultEv *ev);

static void
fire_proxy (Run *run, FaultEv *ev)
{
  RunProxy *rp = run->proxies->pdata[ev->target];
  const char *name = spec_proxy (run, ev->target)->name;
  SimTime now = sim_world_now (run->world);
  sip_proxy_fault (rp->proxy, ev->action);
  observe (run, ev, proxy_kind (ev->action), name)->proxy = (gint) ev->target;
  FaultEv next = *ev;
  if (ev->action == SIP_PROXY_FAULT_RESTART)
    {
      /* The proxy comes back by itself (proxy.h note 7). */
      next.fire = fire_proxy_back;
      schedule (run, now + spec_proxy (run, ev->target)->cfg.restart_downtime, &next);
    }
  else if (ev->action != SIP_PROXY_FAULT_RECOVER && ev->duration > 0)
    {
      next.action = SIP_PROXY_FAULT_RECOVER;
      next.duration = 0;
      schedule (run, now + ev->duration, &next);
    }
}

/* RESTART's own recovery: observe only. */
static void
fire_proxy_back (Run *run, FaultEv *ev)
{
  observe (run, ev, OBS_FAULT_PROXY_RECOVER, spec_proxy (run, ev->target)->name)->proxy
    = (gint) ev->target;
}

static void
fire_nat_reboot (Run *run, FaultEv *ev)
{
  for (guint i = 0; i < run->nats->len; i++)
    {
      RunNat *rn = run->nats->pdata[i];
      if (rn->spec_index != ev->target)
        continue;
      SimIp4 np = ev->f->new_public == SIM_IP4_ANY ? SIM_IP4_ANY
                                                   : ev->f->new_public + rn->ordinal;
      ObsFault *o = observe (run, ev, OBS_FAULT_NAT_REBOOT, rn->name);
      o->nat = (gint) i;
      o->nat_public = rn->public_addr;
      nat_reboot (rn->nat, np);
      if (np != SIM_IP4_ANY && np != rn->public_addr)
        {
          sim_node_add_route (run->core, np, 32, rn->core_iface);
          run_add_host (run, np, rn->name);
          rn->public_addr = np;
        }
    }
}

static void
fire_dns (Run *run, FaultEv *ev)
{
  dns_server_schedule (run->dns, sim_world_now (run->world), ev->f->dns_kind,
                       ev->f->record.name, &ev->f->record.rr, ev->f->dns_mode);
  observe (run, ev, OBS_FAULT_DNS_CHANGE, NULL);
}

static void
fire (SimWorld *world, gpointer user_data)
{
  FaultEv *ev = user_data;
  (void) world;
  ev->fire (ev->run, ev);
}

static gint
find_proxy (Run *run, const char *name)
{
  for (guint i = 0; name && i < run->spec->proxies->len; i++)
    if (g_strcmp0 (spec_proxy (run, i)->name, name) == 0)
      return (gint) i;
  return -1;
}

static gint
find_nat (Run *run, const char *name)
{
  for (guint i = 0; name && i < run->spec->nats->len; i++)
    if (g_strcmp0 (g_array_index (run->spec->nats, SpecNat, i).name, name) == 0)
      return (gint) i;
  return -1;
}

static gint
find_device (Run *run, const char *name)
{
  for (guint i = 0; name && i < run->spec->devices->len; i++)
    if (g_strcmp0 (g_array_index (run->spec->devices, SpecDevice, i).name, name) == 0)
      return (gint) i;
  return -1;
}

/* PROXY_RANDOM (note 1): the alternation from @at until the end. */
static gboolean
schedule_random (Run *run, const SpecFault *f, gint p, SimTime at)
{
  if (f->mtbf <= 0 || f->action == SIP_PROXY_FAULT_RECOVER
      || (f->action != SIP_PROXY_FAULT_RESTART && f->mttr <= 0))
    return run_fail (run, "fault %s: random faults need mtbf > 0, a fault other than "
                     "recover and (but for restart) mttr > 0", f->name);
  SimTime t = at, end = run->spec->duration;
  for (;;)
    {
      t += sim_time_from_s (sim_rng_exponential (&run->fault_rng, sim_time_to_s (f->mtbf)));
      if (t >= end)
        break;
      FaultEv ev = { .run = run, .fire = fire_proxy, .f = f, .action = f->action,
                     .target = (guint) p };
      if (f->action == SIP_PROXY_FAULT_RESTART)
        {
          schedule (run, t, &ev);   /* its RECOVER is observed by fire() */
          t += spec_proxy (run, (guint) p)->cfg.restart_downtime;
        }
      else
        {
          SimTime down = sim_time_from_s (sim_rng_exponential (&run->fault_rng,
                                                               sim_time_to_s (f->mttr)));
          ev.duration = MAX (down, 1);
          schedule (run, t, &ev);
          t += ev.duration;
        }
    }
  return TRUE;
}

/* ------------------------------------------ schedule functions (fault.h) */

gboolean
run_fault_proxy (Run *run, const SpecFault *f, SimTime at)
{
  gint p = find_proxy (run, f->target);
  if (p < 0)
    return run_fail (run, "fault %s: no proxy named %s", f->name, f->target);
  FaultEv ev = { .run = run, .fire = fire_proxy, .f = f, .action = f->action,
                 .target = (guint) p, .duration = f->duration };
  schedule (run, at, &ev);
  return TRUE;
}

gboolean
run_fault_proxy_random (Run *run, const SpecFault *f, SimTime at)
{
  gint p = find_proxy (run, f->target);
  if (p < 0)
    return run_fail (run, "fault %s: no proxy named %s", f->name, f->target);
  return schedule_random (run, f, p, at);
}

gboolean
run_fault_nat_reboot (Run *run, const SpecFault *f, SimTime at)
{
  gint n = find_nat (run, f->target);
  if (n < 0)
    return run_fail (run, "fault %s: no NAT named %s", f->name, f->target);
  if (f->new_public != SIM_IP4_ANY)
    for (guint j = 0; j < run->nats->len; j++)
      {
        /* Claim the new addresses now: a clash is the run's error
         * before it starts, not a misrouted packet later. */
        RunNat *rn = run->nats->pdata[j];
        if (rn->spec_index != (guint) n)
          continue;
        SimIp4 np = f->new_public + rn->ordinal;
        const char *owner = g_hash_table_lookup (run->addrs, GUINT_TO_POINTER (np));
        if (owner && owner != rn->name)
          {
            char b[SIM_IP4_STRLEN];
            return run_fail (run, "fault %s: new address %s of %s is already %s's",
                             f->name, sim_ip4_to_string (np, b), rn->name, owner);
          }
        g_hash_table_insert (run->addrs, GUINT_TO_POINTER (np), rn->name);
      }
  FaultEv ev = { .run = run, .fire = fire_nat_reboot, .f = f, .target = (guint) n };
  schedule (run, at, &ev);
  return TRUE;
}

gboolean
run_fault_dns (Run *run, const SpecFault *f, SimTime at)
{
  FaultEv ev = { .run = run, .fire = fire_dns, .f = f };
  schedule (run, at, &ev);
  return TRUE;
}

gboolean
run_fault_link_cut (Run *run, const SpecFault *f, SimTime at)
{
  gint x;
  FaultEv ev = { .run = run, .fire = fire_link_cut, .f = f };
  if (f->duration <= 0)
    return run_fail (run, "fault %s: a link cut needs a duration > 0", f->name);
  if ((x = find_proxy (run, f->target)) >= 0)
    ev.lt = LT_PROXY;
  else if (g_strcmp0 (f->target, "dns") == 0)
    ev.lt = LT_DNS, x = 0;
  else if ((x = find_nat (run, f->target)) >= 0)
    ev.lt = LT_NAT;
  else if ((x = find_device (run, f->target)) >= 0)
    ev.lt = LT_DEVICE;
  else
    return run_fail (run, "fault %s: no proxy, NAT or device named %s (or \"dns\")",
                     f->name, f->target ? f->target : "(none)");
  ev.target = (guint) x;
  schedule (run, at, &ev);
  return TRUE;
}

gboolean
run_faults_schedule (Run *run)
{
  const RunSpec *spec = run->spec;
  run->events = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < spec->faults->len; i++)
    {
      const SpecFault *f = &g_array_index (spec->faults, SpecFault, i);
      SimTime at = MAX (run_draw_time (&run->fault_rng, &f->at), 0);
      g_return_val_if_fail (f->type != NULL && f->type->schedule != NULL, FALSE);
      if (!f->type->schedule (run, f, at))
        return FALSE;
    }
  return TRUE;
}

void
run_faults_free (Run *run)
{
  g_clear_pointer (&run->events, g_ptr_array_unref);
}
