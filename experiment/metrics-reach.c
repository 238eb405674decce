/*
 * experiment/metrics-reach.c - outage_s: one unit's reachability,
 * counted as the run's instants go (doc/metrics.md "outage_s").
 *
 * Notes
 *
 * 1. Bindings per server (Reg): a binding left at the previous registrar
 *    still makes the unit reachable until it expires, if that registrar
 *    is up and its NAT pinhole is open (a crash keeps bindings; a restart
 *    loses them).  The B21 secondary registration (DEVICE_EVENT_SECONDARY
 *    with an expiry) makes bindings the same way (issue 14 item 8).
 *
 * 2. Evaluation points.  Reachability changes only at a change (a fault,
 *    a NAT record or an event of the unit: the accumulator evaluates after
 *    every change at that instant) or when a binding's time runs out.  The
 *    second needs no event: metrics_reach_advance() stops at each
 *    binding's end and at the warm-up on its way to the next change, so
 *    the state is constant between two evaluations and [from, t) is
 *    counted with the state of the last one.
 *
 * 3. Two things of the whole run (metrics-private.h): `behind_nat` (the
 *    pinhole condition applies only to a unit with any CREATED record)
 *    and the NAT's public addresses (a cut NAT uplink counts only if the
 *    unit ever had a binding at its address).  Down time is counted for
 *    both answers to the first; time that a cut of a public address the
 *    unit has not (yet) used would make down is pending, per cut epoch,
 *    and becomes down when the unit first uses one of that epoch's cut
 *    addresses.  Only the NAT uplinks cut at that time can be in that
 *    epoch's list, and the address is new to the unit, so it was unknown
 *    for all of that pending time.
 *
 * Ownership: the arrays are the MetricsReach's (metrics_reach_clear).
 */
#include "experiment/metrics-private.h"

/* One binding at one registrar, as the unit last registered it there. */
typedef struct {
  SimSockAddr server;
  gint        proxy;
  SimTime     until;         /* REGISTERED time + expires */
  gboolean    valid;         /* FALSE after REG_EXPIRED or the registrar's RESTART */
  guint64     nat_id;        /* the NAT binding that carried it; 0: none found */
  gboolean    nat_dead;      /* that NAT binding has expired since */
} Reg;

typedef struct {
  guint64     id;
  SimSockAddr remote;
} Alive;

/* Time that is down iff the unit uses a public address cut in `epoch`. */
typedef struct {
  guint   epoch;
  SimTime plain, nat;
} Pending;

enum { CUT_CLEAR, CUT_CUT, CUT_PENDING };

void
metrics_reach_init (MetricsReach *r, SimTime warmup)
{
  *r = (MetricsReach) { .current = -1, .t = G_MININT64, .from = warmup };
}

void
metrics_reach_clear (MetricsReach *r)
{
  if (r->regs)
    g_array_unref (r->regs);
  if (r->alive)
    g_array_unref (r->alive);
  if (r->publics)
    g_array_unref (r->publics);
  if (r->pending)
    g_array_unref (r->pending);
  r->regs = r->alive = r->publics = r->pending = NULL;
}

static gboolean
known_public (const MetricsReach *r, SimIp4 a)
{
  if (r->publics)
    for (guint k = 0; k < r->publics->len; k++)
      if (g_array_index (r->publics, SimIp4, k) == a)
        return TRUE;
  return FALSE;
}

/* [from, @t) had the state of the last evaluation. */
static void
count (MetricsReach *r, SimTime end, SimTime t)
{
  if (t <= r->from)
    return;
  SimTime to = MIN (t, end);
  if (to > r->from)
    {
      SimTime d = to - r->from;
      if (r->cut == CUT_CUT)
        {
          r->down_plain += d;
          r->down_nat += d;
        }
      else
        {
          SimTime pend_plain = 0, pend_nat = 0;
          if (!r->up_plain)
            r->down_plain += d;
          else if (r->cut == CUT_PENDING)
            pend_plain = d;
          if (!r->up_nat)
            r->down_nat += d;
          else if (r->cut == CUT_PENDING)
            pend_nat = d;
          if (pend_plain > 0 || pend_nat > 0)
            {
              /* the cut list, hence the epoch, changes only at a fault,
               * where every unit is evaluated */
              if (r->pending == NULL)
                r->pending = g_array_new (FALSE, FALSE, sizeof (Pending));
              Pending *last = r->pending->len
                                ? &g_array_index (r->pending, Pending, r->pending->len - 1)
                                : NULL;
              if (last == NULL || last->epoch != r->cut_epoch)
                {
                  Pending p = { r->cut_epoch, 0, 0 };
                  g_array_append_val (r->pending, p);
                  last = &g_array_index (r->pending, Pending, r->pending->len - 1);
                }
              last->plain += pend_plain;
              last->nat += pend_nat;
            }
        }
    }
  r->from = MAX (r->from, to);
}

void
metrics_reach_advance (MetricsReach *r, const MetricsFaults *fs, guint device, SimTime warmup,
                       SimTime end, SimTime t)
{
  for (;;)
    {
      /* the next evaluation point in (r->t, t): the warm-up or a binding's end */
      SimTime p = G_MAXINT64;
      if (warmup > r->t && warmup < t)
        p = warmup;
      if (r->regs)
        for (guint i = 0; i < r->regs->len; i++)
          {
            SimTime u = g_array_index (r->regs, Reg, i).until;
            if (u > r->t && u < t && u < p)
              p = u;
          }
      if (p == G_MAXINT64)
        break;
      count (r, end, p);
      metrics_reach_eval (r, fs, device, p);
    }
  count (r, end, t);
  r->t = MAX (r->t, t);
}

void
metrics_reach_eval (MetricsReach *r, const MetricsFaults *fs, guint device, SimTime t)
{
  r->t = t;
  r->cut = CUT_CLEAR;
  for (guint i = 0; i < fs->cuts->len && r->cut != CUT_CUT; i++)
    {
      const MetricsCut *c = &g_array_index (fs->cuts, MetricsCut, i);
      if (c->unit_device >= 0 && (guint) c->unit_device == device)
        r->cut = CUT_CUT;           /* the device's access link */
      else if (c->nat >= 0)
        r->cut = known_public (r, c->nat_public) ? CUT_CUT : CUT_PENDING;   /* a NAT's uplink */
    }
  r->cut_epoch = fs->epoch;
  r->up_plain = r->up_nat = FALSE;
  if (r->regs)
    for (guint i = 0; i < r->regs->len; i++)
      {
        const Reg *g = &g_array_index (r->regs, Reg, i);
        if (!g->valid || t >= g->until || !metrics_faults_proxy_up (fs, g->proxy))
          continue;
        r->up_plain = TRUE;
        if (g->nat_id != 0 && !g->nat_dead)
          r->up_nat = TRUE;
      }
}

void
metrics_reach_restart (MetricsReach *r, gint proxy)
{
  if (r->regs)
    for (guint i = 0; i < r->regs->len; i++)
      if (g_array_index (r->regs, Reg, i).proxy == proxy)
        g_array_index (r->regs, Reg, i).valid = FALSE;
}

/* A public address the unit uses for the first time: the pending time
 * of every epoch that had it cut is down (note 3). */
static void
learn_public (MetricsReach *r, const MetricsFaults *fs, SimIp4 a)
{
  if (r->publics == NULL)
    r->publics = g_array_new (FALSE, FALSE, sizeof (SimIp4));
  g_array_append_val (r->publics, a);
  if (r->pending == NULL)
    return;
  for (guint i = 0; i < r->pending->len; )
    {
      const Pending *p = &g_array_index (r->pending, Pending, i);
      const GArray *cut = g_ptr_array_index (fs->epochs, p->epoch);
      gboolean hit = FALSE;
      for (guint k = 0; k < cut->len && !hit; k++)
        hit = g_array_index (cut, SimIp4, k) == a;
      if (!hit)
        {
          i++;
          continue;
        }
      r->down_plain += p->plain;
      r->down_nat += p->nat;
      g_array_remove_index (r->pending, i);
    }
}

void
metrics_reach_nat (MetricsReach *r, const MetricsFaults *fs, const NatRecord *n)
{
  if (n->kind == NAT_RECORD_CREATED)
    {
      r->behind_nat = TRUE;
      if (!known_public (r, n->external.ip))
        learn_public (r, fs, n->external.ip);
      if (r->alive == NULL)
        r->alive = g_array_new (FALSE, FALSE, sizeof (Alive));
      Alive a = { n->binding_id, n->remote };
      g_array_append_val (r->alive, a);
    }
  else if (n->kind == NAT_RECORD_EXPIRED)
    {
      if (r->alive)
        for (guint i = 0; i < r->alive->len; )
          {
            if (g_array_index (r->alive, Alive, i).id == n->binding_id)
              g_array_remove_index (r->alive, i);
            else
              i++;
          }
      if (r->regs)
        for (guint i = 0; i < r->regs->len; i++)
          if (g_array_index (r->regs, Reg, i).nat_id == n->binding_id)
            g_array_index (r->regs, Reg, i).nat_dead = TRUE;
    }
}

/* The NAT binding that carried a registration at @server now: among the
 * socket's alive bindings (every record up to this instant applied), the
 * latest created whose remote is @server (APDM), else the latest with
 * @server's address (ADM), else the latest (EIM).  0 when none is alive. */
static guint64
carrying_binding (const MetricsReach *r, const SimSockAddr *server)
{
  guint64 best = 0;
  int best_rank = 0;
  if (r->alive)
    for (guint i = 0; i < r->alive->len; i++)
      {
        const Alive *a = &g_array_index (r->alive, Alive, i);
        int rank = sim_sockaddr_equal (&a->remote, server) ? 3 : a->remote.ip == server->ip ? 2 : 1;
        if (rank >= best_rank)
          best = a->id, best_rank = rank;
      }
  return best;
}

void
metrics_reach_event (MetricsReach *r, const GArray *proxies, const DeviceEvent *ev)
{
  gboolean secondary = ev->kind == DEVICE_EVENT_SECONDARY && ev->expires > 0;
  if (ev->kind == DEVICE_EVENT_REG_EXPIRED)
    {
      if (r->current >= 0)
        g_array_index (r->regs, Reg, r->current).valid = FALSE;
      return;
    }
  if (ev->kind != DEVICE_EVENT_REGISTERED && !secondary)
    return;
  /* The binding at that server is (re)made, carried by the NAT binding
   * the REGISTER went out on.  Only the primary leg's REGISTERED moves
   * `current` (the binding a REG_EXPIRED ends); the secondary's own
   * binding ends at its time plus its expiry. */
  if (r->regs == NULL)
    r->regs = g_array_new (FALSE, TRUE, sizeof (Reg));
  gint k = -1;
  for (guint i = 0; i < r->regs->len && k < 0; i++)
    if (sim_sockaddr_equal (&g_array_index (r->regs, Reg, i).server, &ev->server))
      k = (gint) i;
  if (k < 0)
    {
      Reg g = { .server = ev->server };
      g_array_append_val (r->regs, g);
      k = (gint) r->regs->len - 1;
    }
  Reg *g = &g_array_index (r->regs, Reg, k);
  g->proxy = metrics_proxy_index (proxies, &ev->server);
  g->until = metrics_binding_end (ev);
  g->valid = TRUE;
  g->nat_id = carrying_binding (r, &ev->server);   /* read only behind a NAT (note 3) */
  g->nat_dead = FALSE;
  if (ev->kind == DEVICE_EVENT_REGISTERED)
    r->current = k;
}

SimTime
metrics_reach_down (const MetricsReach *r)
{
  /* pending time left is up: none of its cut addresses was the unit's */
  return r->behind_nat ? r->down_nat : r->down_plain;
}
