/*
 * experiment/metrics-acc.c - the metrics of doc/metrics.md, computed as
 * the observations come, in time order (metrics.h "MetricsAcc").
 *
 * Notes
 *
 * 1. One definition.  metrics_compute() feeds a kept RunObservations
 *    through this accumulator; a run that keeps no observations feeds it
 *    the same observations as they happen.  Only the interleaving of the
 *    kinds (events, NAT records, faults) within one instant may differ
 *    between the two, and the accumulator does not depend on it: it
 *    buffers what comes at one instant and applies it in one fixed order
 *    once time moves on (note 2).  Probes are counts, taken as they come.
 *
 * 2. An instant t is applied as
 *      a. the units' events at t update the registration that serves
 *         them (failover's "registered at the faulted registrar at t"
 *         includes what happened at t);
 *      b. the faults at t, in order: every unit first counts its state up
 *         to t (outage, subscription gap: the fault state is shared),
 *         then each fault changes the registrars' and links' state, hits
 *         the units it finds registered at its registrar (failovers, the
 *         start of a failover period) and, for RESTART and KILL, loses
 *         their bindings there; every unit is evaluated again;
 *      c. each unit with observations at t: its NAT records, then its
 *         events, in their order; then its state is evaluated at t.
 *    That is the order the list-based definitions read the same things:
 *    faults before NAT records before events for reachability and the
 *    subscription gap; "at or before t" for the serving registration;
 *    detect_s and failover_s from the fault's instant on.
 *
 * 3. Faults are read from RunObservations.faults, which the executor
 *    appends to (and fills in) while the accumulator runs: the faults up
 *    to an instant are complete when the next instant begins.  A fault at
 *    an instant without observations is an instant of its own.
 *
 * 4. Memory is per unit and does not grow with simulated time: counters,
 *    the unit's bindings per server, its alive NAT bindings and public
 *    addresses, open failover periods and pending outage time (both
 *    bounded by the faults), and one record per call (calls_lost needs
 *    a call's whole life; a call workload's memory grows with its calls).
 *
 * Ownership: the accumulator borrows the RunObservations given to
 * metrics_acc_new() (units, proxies, faults, window) until it is freed.
 */
#include "experiment/metrics-private.h"
#include "sim/kernel/inttable.h"

#include <string.h>

/* One call of the unit as its events tell it. */
typedef struct {
  SimTime  started, established, over;   /* -1: not seen */
  gboolean failed, lost;
  gboolean in_period;                    /* started in a failover period */
} CallRec;

typedef struct {
  /* this instant's observations: a list through Item.next */
  guint     head, tail;                  /* G_MAXUINT: none */
  /* the registration that serves it (failover hits) */
  gint      serving_proxy;
  SimTime   serving_until;
  /* time_to_first_registration_s, registrations */
  SimTime   ttfr_at;
  guint     regs;
  /* failovers, failover_s, failover_completed, detect_s */
  guint     failovers;
  SimTime   first_fault, detect_at, completed_at;
  GArray   *open_periods;                /* SimTime: starts of open failover periods; NULL */
  /* reregistrations */
  SimSockAddr prev_server;
  SimTime   prev_end;
  guint     rereg;
  /* flow_failures, reconnects */
  guint     ups, later_ups, flow_fails;
  /* pinhole_survival, pinhole_expiries */
  guint     probes, reached, expiries;
  /* subscription_gap_s */
  gint      sg_server;
  SimTime   sg_from, sg_gap;
  /* The flags of the groups above, as bytes together (one UnitAcc per
   * phone: issue 17 item 2). */
  guint8    serving;                     /* failover hits */
  guint8    ttfr_set;                    /* time_to_first_registration_s */
  guint8    hit, detected, completed;    /* failovers ... */
  guint8    had_period;                  /* a period overlapping the window */
  guint8    prev_set, prev_expired, mapping_since;   /* reregistrations */
  guint8    sg_started, sg_active, sg_covered;       /* subscription_gap_s */
  /* outage_s */
  MetricsReach reach;
  /* calls: (generator, id) -> CallRec; NULL until the first call */
  GHashTable *calls;
} UnitAcc;

/* One observation of one unit at the instant being gathered. */
typedef struct {
  guint    next;               /* the unit's next item, G_MAXUINT */
  guint    idx;                /* into events or nats */
  gboolean nat;
} Item;

struct MetricsAcc {
  const RunObservations *obs;
  SimTime     warmup, end;
  guint       n;
  UnitAcc    *u;
  SimIntTable *by_local;       /* (ip << 16 | port) -> first unit + 1; keys
                                * inline, not a copied guint64 per unit as a
                                * GHashTable needed (issue 17 item 2) */
  guint      *next_local;      /* the next unit with the same local, G_MAXUINT */
  MetricsFaults fs;
  guint       fault_at;        /* obs->faults consumed */
  /* the instant being gathered */
  gboolean    open;
  SimTime     now;
  GArray     *items, *events, *nats;
  GArray     *dirty;           /* guint: units with items, in first-seen order */
};

static inline gboolean
in_window (const MetricsAcc *a, SimTime t)
{
  return t >= a->warmup && t < a->end;
}

gint
metrics_proxy_index (const GArray *proxies, const SimSockAddr *server)
{
  for (guint p = 0; p < proxies->len; p++)
    if (sim_sockaddr_equal (&g_array_index (proxies, ObsProxy, p).addr, server))
      return (gint) p;
  for (guint p = 0; p < proxies->len; p++)
    if (g_array_index (proxies, ObsProxy, p).addr.ip == server->ip)
      return (gint) p;
  return -1;
}

/* ---- the registrars and links ---- */

static void
faults_init (MetricsFaults *fs, guint n_proxies)
{
  fs->n_proxies = n_proxies;
  fs->proxy_down = g_new0 (gboolean, MAX (n_proxies, 1));
  fs->cuts = g_array_new (FALSE, FALSE, sizeof (MetricsCut));
  fs->epoch = 0;
  fs->epochs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_ptr_array_add (fs->epochs, g_array_new (FALSE, FALSE, sizeof (SimIp4)));
}

static void
faults_clear (MetricsFaults *fs)
{
  g_free (fs->proxy_down);
  g_array_unref (fs->cuts);
  g_ptr_array_unref (fs->epochs);
}

static void
faults_new_epoch (MetricsFaults *fs)
{
  GArray *pubs = g_array_new (FALSE, FALSE, sizeof (SimIp4));
  for (guint i = 0; i < fs->cuts->len; i++)
    {
      const MetricsCut *c = &g_array_index (fs->cuts, MetricsCut, i);
      if (c->nat >= 0)
        g_array_append_val (pubs, c->nat_public);
    }
  g_ptr_array_add (fs->epochs, pubs);
  fs->epoch = fs->epochs->len - 1;
}

static void
faults_apply (MetricsFaults *fs, const ObsFault *f)
{
  gboolean is_proxy = f->proxy >= 0 && (guint) f->proxy < fs->n_proxies;
  switch (f->kind)
    {
    case OBS_FAULT_PROXY_CRASH:
    case OBS_FAULT_PROXY_REJECT:
    case OBS_FAULT_PROXY_RESTART:
    case OBS_FAULT_PROXY_KILL:
      if (is_proxy)
        fs->proxy_down[f->proxy] = TRUE;
      break;
    case OBS_FAULT_PROXY_RECOVER:
      if (is_proxy)
        fs->proxy_down[f->proxy] = FALSE;
      break;
    case OBS_FAULT_LINK_CUT:
      {
        MetricsCut c = { f->proxy, f->nat, f->unit_device, f->nat_public };
        g_array_append_val (fs->cuts, c);
        faults_new_epoch (fs);
      }
      break;
    case OBS_FAULT_LINK_RESTORE:
      /* Ends the cut of the same link (the NAT's public address may have
       * changed in between, so a NAT uplink is matched by its index). */
      for (guint i = 0; i < fs->cuts->len; i++)
        {
          const MetricsCut *c = &g_array_index (fs->cuts, MetricsCut, i);
          if (c->proxy == f->proxy && c->nat == f->nat && c->unit_device == f->unit_device)
            {
              g_array_remove_index (fs->cuts, i);
              faults_new_epoch (fs);
              break;
            }
        }
      break;
    case OBS_FAULT_PROXY_SLOW:
    case OBS_FAULT_NAT_REBOOT:      /* its effect is in the NAT records (EXPIRED, REBOOT) */
    case OBS_FAULT_DNS_CHANGE:
    default:
      break;
    }
}

gboolean
metrics_faults_proxy_up (const MetricsFaults *fs, gint proxy)
{
  if (proxy < 0 || (guint) proxy >= fs->n_proxies)
    return TRUE;
  if (fs->proxy_down[proxy])
    return FALSE;
  for (guint i = 0; i < fs->cuts->len; i++)
    if (g_array_index (fs->cuts, MetricsCut, i).proxy == proxy)
      return FALSE;
  return TRUE;
}

static gboolean
is_registrar_fault (const ObsFault *f)
{
  return f->proxy >= 0
         && (f->kind == OBS_FAULT_PROXY_CRASH || f->kind == OBS_FAULT_PROXY_REJECT
             || f->kind == OBS_FAULT_PROXY_RESTART || f->kind == OBS_FAULT_PROXY_KILL
             || f->kind == OBS_FAULT_LINK_CUT);
}

/* ---- lifecycle ---- */

static inline guint64
local_key (const SimSockAddr *a)
{
  return ((guint64) a->ip << 16) | a->port;
}

MetricsAcc *
metrics_acc_new (const RunObservations *obs)
{
  g_return_val_if_fail (obs != NULL, NULL);
  MetricsAcc *a = g_new0 (MetricsAcc, 1);
  a->obs = obs;
  a->warmup = obs->warmup;
  a->end = obs->end;
  a->n = obs->units->len;
  a->u = g_new0 (UnitAcc, MAX (a->n, 1));
  a->by_local = sim_int_table_new ();   /* looked up per NAT record */
  a->next_local = g_new (guint, MAX (a->n, 1));
  for (guint u = 0; u < a->n; u++)
    {
      UnitAcc *s = &a->u[u];
      s->head = s->tail = G_MAXUINT;
      s->sg_server = -1;
      metrics_reach_init (&s->reach, a->warmup);
      /* units sharing a socket (accounts on one port) all see its records;
       * chained in unit order */
      guint64 k = local_key (&g_array_index (obs->units, ObsUnit, u).local);
      a->next_local[u] = G_MAXUINT;
      gpointer first = sim_int_table_lookup (a->by_local, k);
      if (first == NULL)
        sim_int_table_insert (a->by_local, k, GUINT_TO_POINTER (u + 1));
      else
        {
          guint v = GPOINTER_TO_UINT (first) - 1;
          while (a->next_local[v] != G_MAXUINT)
            v = a->next_local[v];
          a->next_local[v] = u;
        }
    }
  faults_init (&a->fs, obs->proxies->len);
  a->items = g_array_new (FALSE, FALSE, sizeof (Item));
  a->events = g_array_new (FALSE, FALSE, sizeof (ObsEvent));
  a->nats = g_array_new (FALSE, FALSE, sizeof (NatRecord));
  a->dirty = g_array_new (FALSE, FALSE, sizeof (guint));
  return a;
}

void
metrics_acc_free (MetricsAcc *a)
{
  if (a == NULL)
    return;
  for (guint u = 0; u < a->n; u++)
    {
      metrics_reach_clear (&a->u[u].reach);
      if (a->u[u].open_periods)
        g_array_unref (a->u[u].open_periods);
      if (a->u[u].calls)
        g_hash_table_unref (a->u[u].calls);
    }
  g_free (a->u);
  sim_int_table_free (a->by_local);
  g_free (a->next_local);
  faults_clear (&a->fs);
  g_array_unref (a->items);
  g_array_unref (a->events);
  g_array_unref (a->nats);
  g_array_unref (a->dirty);
  g_free (a);
}

/* ---- one instant (note 2) ---- */

/* Counts every unit's time-dependent state up to @t: before a fault. */
static void
advance_all (MetricsAcc *a, SimTime t)
{
  for (guint u = 0; u < a->n; u++)
    {
      UnitAcc *s = &a->u[u];
      if (a->end > a->warmup)
        metrics_reach_advance (&s->reach, &a->fs, g_array_index (a->obs->units, ObsUnit, u).device,
                               a->warmup, a->end, t);
      if (s->sg_started)
        {
          SimTime to = MIN (t, a->end);
          if (to > s->sg_from && !s->sg_covered)
            s->sg_gap += to - s->sg_from;
          s->sg_from = MAX (s->sg_from, to);
        }
    }
}

static void
evaluate (MetricsAcc *a, guint u, SimTime t)
{
  UnitAcc *s = &a->u[u];
  if (a->end > a->warmup)
    metrics_reach_eval (&s->reach, &a->fs, g_array_index (a->obs->units, ObsUnit, u).device, t);
  s->sg_covered = s->sg_active && metrics_faults_proxy_up (&a->fs, s->sg_server);
}

/* a fault at @f->time that may hit units registered at its registrar */
static void
fault_hits (MetricsAcc *a, const ObsFault *f)
{
  gboolean counted = in_window (a, f->time);
  for (guint u = 0; u < a->n; u++)
    {
      UnitAcc *s = &a->u[u];
      /* the unit's latest REGISTERED at or before the fault, still in force */
      if (!s->serving || s->serving_until <= f->time || s->serving_proxy != f->proxy)
        continue;
      if (counted)
        {
          s->failovers++;
          if (!s->hit)
            {
              s->hit = TRUE;
              s->first_fault = f->time;
            }
        }
      /* a failover period (calls_failed_failover) starts at any such fault */
      if (s->open_periods == NULL)
        s->open_periods = g_array_new (FALSE, FALSE, sizeof (SimTime));
      g_array_append_val (s->open_periods, f->time);
    }
}

static void
apply_faults (MetricsAcc *a, SimTime t)
{
  const GArray *faults = a->obs->faults;
  if (a->fault_at >= faults->len || g_array_index (faults, ObsFault, a->fault_at).time != t)
    return;
  advance_all (a, t);
  for (; a->fault_at < faults->len; a->fault_at++)
    {
      const ObsFault *f = &g_array_index (faults, ObsFault, a->fault_at);
      if (f->time != t)
        break;
      faults_apply (&a->fs, f);
      if (f->kind == OBS_FAULT_PROXY_RESTART || f->kind == OBS_FAULT_PROXY_KILL)
        for (guint u = 0; u < a->n; u++)
          metrics_reach_restart (&a->u[u].reach, f->proxy);
      if (is_registrar_fault (f))
        fault_hits (a, f);
    }
  for (guint u = 0; u < a->n; u++)
    evaluate (a, u, t);
}

/* A REGISTERED at a server that is up ends the unit's open failover
 * periods that began before it; a period overlapping the window is
 * remembered (calls_failed_failover is defined then). */
static void
close_periods (MetricsAcc *a, UnitAcc *s, SimTime t)
{
  if (s->open_periods == NULL)
    return;
  for (guint i = 0; i < s->open_periods->len; )
    {
      SimTime from = g_array_index (s->open_periods, SimTime, i);
      if (from >= t)
        {
          i++;
          continue;
        }
      if (t > a->warmup && from < a->end)
        s->had_period = TRUE;
      g_array_remove_index (s->open_periods, i);
    }
}

static void
call_event (UnitAcc *s, const ObsEvent *e)
{
  /* Calls by (generator, id): device ids and generator ids are apart.
   * Device-side incoming calls are the callee's view of someone else's
   * attempt: only their loss counts (calls_lost). */
  gint64 key = ((gint64) (e->generator ? 2 : e->ev.incoming ? 1 : 0) << 32) | e->ev.call_id;
  if (s->calls == NULL)
    s->calls = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  CallRec *c = g_hash_table_lookup (s->calls, &key);
  if (c == NULL)
    {
      c = g_new0 (CallRec, 1);
      c->started = c->established = c->over = -1;
      g_hash_table_insert (s->calls, g_memdup2 (&key, sizeof key), c);
    }
  switch (e->ev.call_phase)
    {
    case DEVICE_CALL_STARTED:     c->started = e->ev.time; break;
    case DEVICE_CALL_ESTABLISHED: c->established = e->ev.time; break;
    case DEVICE_CALL_FAILED:      c->failed = TRUE; c->over = e->ev.time; break;
    case DEVICE_CALL_LOST:        c->lost = TRUE; c->over = e->ev.time; break;
    case DEVICE_CALL_ENDED:       c->over = e->ev.time; break;
    default: break;
    }
}

static void
unit_event (MetricsAcc *a, UnitAcc *s, const ObsEvent *e)
{
  const DeviceEvent *ev = &e->ev;
  gboolean win = in_window (a, ev->time);
  switch (ev->kind)
    {
    case DEVICE_EVENT_REGISTERED:
      if (!s->ttfr_set)
        {
          s->ttfr_set = TRUE;
          s->ttfr_at = ev->time;
        }
      s->regs += win;
      /* reregistrations: not a refresh of the previous binding */
      {
        gboolean refresh = s->prev_set && sim_sockaddr_equal (&s->prev_server, &ev->server)
                           && !s->prev_expired && s->prev_end > ev->time && !s->mapping_since;
        if (s->prev_set && !refresh && win)
          s->rereg++;
        s->prev_set = TRUE;
        s->prev_server = ev->server;
        s->prev_end = metrics_binding_end (ev);
        s->prev_expired = s->mapping_since = FALSE;
      }
      /* "a server that can reach the device": one that is up now; the
       * failed one counts again once it has recovered */
      if (metrics_faults_proxy_up (&a->fs, metrics_proxy_index (a->obs->proxies, &ev->server)))
        {
          if (s->hit && !s->completed && ev->time > s->first_fault && ev->time < a->end)
            {
              s->completed = TRUE;
              s->completed_at = ev->time;
            }
          close_periods (a, s, ev->time);
        }
      break;
    case DEVICE_EVENT_REG_EXPIRED:
      s->prev_expired = TRUE;
      break;
    case DEVICE_EVENT_MAPPING:
      s->mapping_since = TRUE;
      break;
    case DEVICE_EVENT_FLOW_UP:
      if (s->ups++ > 0 && win)
        s->later_ups++;
      break;
    case DEVICE_EVENT_FLOW_FAILED:
      s->flow_fails += win;
      break;
    case DEVICE_EVENT_CALL:
      call_event (s, e);
      break;
    case DEVICE_EVENT_SUBSCRIPTION:
      switch (ev->sub_phase)
        {
        case DEVICE_SUB_ACTIVE:
          if (!s->sg_started)
            {
              s->sg_started = TRUE;
              s->sg_from = MAX (ev->time, a->warmup);
            }
          s->sg_active = TRUE;
          s->sg_server = metrics_proxy_index (a->obs->proxies, &ev->server);
          break;
        case DEVICE_SUB_MOVED:
        case DEVICE_SUB_EXPIRED:
          s->sg_active = FALSE;
          break;
        case DEVICE_SUB_FAILED:
          if (ev->status == 481)
            s->sg_active = FALSE;
          break;
        default:
          break;
        }
      break;
    default:
      break;
    }
  /* detect_s: the first sign of the fault the unit sees: a connection
   * failure, a failed REGISTER (timeout, ICMP, reset, 503) or a keep-alive
   * with no answer, from the fault's instant on */
  if (s->hit && !s->detected && ev->time >= s->first_fault && ev->time < a->end
      && (ev->kind == DEVICE_EVENT_FLOW_FAILED || ev->kind == DEVICE_EVENT_REG_FAILED
          || ev->kind == DEVICE_EVENT_KA_FAILED))
    {
      s->detected = TRUE;
      s->detect_at = ev->time;
    }
  metrics_reach_event (&s->reach, a->obs->proxies, ev);
}

static void
unit_instant (MetricsAcc *a, guint u, SimTime t)
{
  UnitAcc *s = &a->u[u];
  guint device = g_array_index (a->obs->units, ObsUnit, u).device;
  if (a->end > a->warmup)
    metrics_reach_advance (&s->reach, &a->fs, device, a->warmup, a->end, t);
  if (s->sg_started)
    {
      SimTime to = MIN (t, a->end);
      if (to > s->sg_from && !s->sg_covered)
        s->sg_gap += to - s->sg_from;
      s->sg_from = MAX (s->sg_from, to);
    }
  for (guint i = s->head; i != G_MAXUINT; i = g_array_index (a->items, Item, i).next)
    {
      const Item *it = &g_array_index (a->items, Item, i);
      if (!it->nat)
        continue;
      const NatRecord *n = &g_array_index (a->nats, NatRecord, it->idx);
      if (n->kind == NAT_RECORD_EXPIRED && n->reason == NAT_EXPIRY_TIMEOUT && in_window (a, n->time))
        s->expiries++;
      metrics_reach_nat (&s->reach, &a->fs, n);
    }
  for (guint i = s->head; i != G_MAXUINT; i = g_array_index (a->items, Item, i).next)
    {
      const Item *it = &g_array_index (a->items, Item, i);
      if (!it->nat)
        unit_event (a, s, &g_array_index (a->events, ObsEvent, it->idx));
    }
  /* a call started now is in a failover period if one is open at the end
   * of the instant (a REGISTERED at this instant ends it first) */
  gboolean in_period = s->open_periods && s->open_periods->len > 0;
  for (guint i = s->head; i != G_MAXUINT; i = g_array_index (a->items, Item, i).next)
    {
      const Item *it = &g_array_index (a->items, Item, i);
      const ObsEvent *e = it->nat ? NULL : &g_array_index (a->events, ObsEvent, it->idx);
      if (e && e->ev.kind == DEVICE_EVENT_CALL && e->ev.call_phase == DEVICE_CALL_STARTED)
        {
          gint64 key = ((gint64) (e->generator ? 2 : e->ev.incoming ? 1 : 0) << 32) | e->ev.call_id;
          CallRec *c = g_hash_table_lookup (s->calls, &key);
          c->in_period = in_period;
        }
    }
  evaluate (a, u, t);
  s->head = s->tail = G_MAXUINT;
}

/* the serving registration after the unit's events at this instant (2a) */
static void
unit_serving (MetricsAcc *a, UnitAcc *s)
{
  for (guint i = s->head; i != G_MAXUINT; i = g_array_index (a->items, Item, i).next)
    {
      const Item *it = &g_array_index (a->items, Item, i);
      if (it->nat)
        continue;
      const DeviceEvent *ev = &g_array_index (a->events, ObsEvent, it->idx).ev;
      if (ev->kind == DEVICE_EVENT_REGISTERED)
        {
          s->serving = TRUE;
          s->serving_proxy = metrics_proxy_index (a->obs->proxies, &ev->server);
          s->serving_until = metrics_binding_end (ev);
        }
      else if (ev->kind == DEVICE_EVENT_REG_EXPIRED)
        s->serving = FALSE;
    }
}

/* Applies the instant @t: the faults before it first, each at its own
 * instant (note 3), then @t with what was gathered. */
static void
close_instant (MetricsAcc *a, SimTime t)
{
  const GArray *faults = a->obs->faults;
  while (a->fault_at < faults->len && g_array_index (faults, ObsFault, a->fault_at).time < t)
    apply_faults (a, g_array_index (faults, ObsFault, a->fault_at).time);
  for (guint i = 0; i < a->dirty->len; i++)
    unit_serving (a, &a->u[g_array_index (a->dirty, guint, i)]);
  apply_faults (a, t);
  for (guint i = 0; i < a->dirty->len; i++)
    unit_instant (a, g_array_index (a->dirty, guint, i), t);
  g_array_set_size (a->items, 0);
  g_array_set_size (a->events, 0);
  g_array_set_size (a->nats, 0);
  g_array_set_size (a->dirty, 0);
  a->open = FALSE;
}

static void
at (MetricsAcc *a, SimTime t)
{
  if (a->open && t > a->now)
    close_instant (a, a->now);
  /* the executor records what happens now; a kept list is in time order */
  g_assert (!a->open || t == a->now);
  a->open = TRUE;
  a->now = t;
}

static void
add_item (MetricsAcc *a, guint u, gboolean nat, guint idx)
{
  UnitAcc *s = &a->u[u];
  Item it = { G_MAXUINT, idx, nat };
  g_array_append_val (a->items, it);
  guint i = a->items->len - 1;
  if (s->head == G_MAXUINT)
    {
      s->head = i;
      g_array_append_val (a->dirty, u);
    }
  else
    g_array_index (a->items, Item, s->tail).next = i;
  s->tail = i;
}

/* ---- feeding ---- */

void
metrics_acc_event (MetricsAcc *a, const ObsEvent *e)
{
  g_return_if_fail (a != NULL && e != NULL);
  if (e->unit >= a->n)
    return;
  at (a, e->ev.time);
  g_array_append_val (a->events, *e);
  g_array_index (a->events, ObsEvent, a->events->len - 1).ev.detail = NULL;
  add_item (a, e->unit, FALSE, a->events->len - 1);
}

void
metrics_acc_nat (MetricsAcc *a, const NatRecord *r)
{
  g_return_if_fail (a != NULL && r != NULL);
  guint64 k = local_key (&r->internal);
  gpointer first = sim_int_table_lookup (a->by_local, k);
  if (first == NULL)
    return;              /* not a unit's socket (a DNS lookup's port) */
  at (a, r->time);
  g_array_append_val (a->nats, *r);
  for (guint u = GPOINTER_TO_UINT (first) - 1; u != G_MAXUINT; u = a->next_local[u])
    add_item (a, u, TRUE, a->nats->len - 1);
}

void
metrics_acc_probe (MetricsAcc *a, const ObsProbe *p)
{
  g_return_if_fail (a != NULL && p != NULL);
  if (p->unit >= a->n || !in_window (a, p->sent_at) || p->outcome == SIP_PROXY_PROBE_ABORTED)
    return;
  a->u[p->unit].probes++;
  a->u[p->unit].reached += p->reached != FALSE;
}

/* ---- the end ---- */

static void
unit_calls (const MetricsAcc *a, const UnitAcc *s, UnitValues *out)
{
  guint attempts = 0, done = 0, up = 0, failed_fo = 0, lost = 0;
  guint in_attempts = 0, in_done = 0, in_up = 0;
  SimTime setup_sum = 0;
  if (s->calls)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, s->calls);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          guint kind = (guint) (*(gint64 *) k >> 32);
          const CallRec *c = v;
          if (c->established >= 0 && c->lost && in_window (a, c->established) && kind != 2)
            lost++;
          if (c->started < 0 || !in_window (a, c->started))
            continue;
          gboolean completed = c->established >= 0 || c->failed;
          if (kind == 2)
            {
              in_attempts++;
              in_done += completed;
              in_up += c->established >= 0;
              continue;
            }
          if (kind == 1)
            continue;
          attempts++;
          done += completed;
          if (c->established >= 0)
            {
              up++;
              setup_sum += c->established - c->started;
            }
          if (c->in_period && c->failed)
            failed_fo++;
        }
    }
  out->v[M_CALL_ATTEMPTS] = attempts;
  out->null[M_CALL_ATTEMPTS] = FALSE;
  if (done > 0)
    {
      out->v[M_CALL_SETUP_RATIO] = (double) up / done;
      out->null[M_CALL_SETUP_RATIO] = FALSE;
    }
  if (up > 0)
    {
      out->v[M_CALL_SETUP] = metrics_secs (setup_sum) / up;
      out->null[M_CALL_SETUP] = FALSE;
    }
  /* Defined when the unit had a failover period in the window (a call
   * started in one implies that).  Open periods end at the end. */
  gboolean had_period = s->had_period;
  if (s->open_periods)
    for (guint i = 0; i < s->open_periods->len; i++)
      if (a->end > a->warmup && g_array_index (s->open_periods, SimTime, i) < a->end)
        had_period = TRUE;
  if (had_period)
    {
      out->v[M_CALLS_FAILED_FAILOVER] = failed_fo;
      out->null[M_CALLS_FAILED_FAILOVER] = FALSE;
    }
  out->v[M_CALLS_LOST] = lost;
  out->null[M_CALLS_LOST] = FALSE;
  out->v[M_INBOUND_ATTEMPTS] = in_attempts;
  out->null[M_INBOUND_ATTEMPTS] = FALSE;
  if (in_done > 0)
    {
      out->v[M_INBOUND_SETUP_RATIO] = (double) in_up / in_done;
      out->null[M_INBOUND_SETUP_RATIO] = FALSE;
    }
}

static void
unit_values (MetricsAcc *a, guint u, UnitValues *out)
{
  UnitAcc *s = &a->u[u];
  const ObsUnit *unit = &g_array_index (a->obs->units, ObsUnit, u);
  for (guint m = 0; m < N_METRICS; m++)
    out->null[m] = TRUE;
#define SET(m, x) (out->v[m] = (x), out->null[m] = FALSE)
  if (s->ttfr_set)
    SET (M_TTFR, metrics_secs (s->ttfr_at - unit->powered_on));
  SET (M_REGISTRATIONS, s->regs);
  SET (M_FAILOVERS, s->failovers);
  if (s->hit)   /* else failover_s, failover_completed and detect_s stay NULL */
    {
      SET (M_FAILOVER_COMPLETED, s->completed ? 1 : 0);
      if (s->completed)
        SET (M_FAILOVER, metrics_secs (s->completed_at - s->first_fault));
      if (s->detected)
        SET (M_DETECT, metrics_secs (s->detect_at - s->first_fault));
    }
  if (a->end > a->warmup)   /* an empty window: NULL */
    {
      metrics_reach_advance (&s->reach, &a->fs, unit->device, a->warmup, a->end, a->end);
      SET (M_OUTAGE, metrics_secs (metrics_reach_down (&s->reach)));
    }
  /* flow_failures, reconnects: only for a unit that had a connection */
  if (s->ups > 0 || s->flow_fails > 0)
    {
      SET (M_FLOW_FAILURES, s->flow_fails);
      SET (M_RECONNECTS, s->later_ups);
    }
  SET (M_REREGISTRATIONS, s->rereg);
  unit_calls (a, s, out);
  if (s->sg_started)   /* else NULL: never subscribed */
    {
      if (a->end > s->sg_from && !s->sg_covered)
        s->sg_gap += a->end - s->sg_from;
      SET (M_SUB_GAP, metrics_secs (s->sg_gap));
    }
  if (s->probes > 0)
    SET (M_PINHOLE_SURVIVAL, (double) s->reached / (double) s->probes);
  SET (M_PINHOLE_EXPIRIES, s->expiries);
  if (a->end > a->warmup)
    {
      double hours = metrics_secs (a->end - a->warmup) / 3600.0;
      SET (M_MESSAGES_PER_HOUR, (double) unit->datagrams_sent / hours);
      SET (M_BYTES_PER_HOUR, (double) unit->bytes_sent / hours);
    }
#undef SET
}

GArray *
metrics_acc_finish (MetricsAcc *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  if (a->open)
    close_instant (a, a->now);
  const GArray *faults = a->obs->faults;
  while (a->fault_at < faults->len)
    apply_faults (a, g_array_index (faults, ObsFault, a->fault_at).time);
  UnitValues *vals = g_new0 (UnitValues, MAX (a->n, 1));
  for (guint u = 0; u < a->n; u++)
    unit_values (a, u, &vals[u]);
  GArray *rows = metrics_rows (a->obs->units, vals);
  g_free (vals);
  metrics_acc_free (a);
  return rows;
}
