/*
 * experiment/run-world.c - the world a RunSpec describes (spec.h
 * note 2), built with the models' public APIs: the core router, the DNS
 * server, the proxies, the NAT instances and the device instances, their
 * links and addresses (run-private.h note 2), and the observation hooks
 * (device events, registrar probes, NAT records).
 *
 * Notes
 *
 * 1. Scale.  Every interface is a /32 and every way back is a host route,
 *    which sim/net keeps in a hash table: the core with 10,000 links
 *    forwards in O(1), and building the world is linear in its size.
 *
 * 2. Names.  Node names are the instance names ("phone-3", "home-3",
 *    "pbx-a", "dns", "core"); the trace and the random streams of each
 *    node and host are named after them, so two sections with the same
 *    name, or a section named "core" or "dns", are the run's error.
 *
 * 3. Units (metrics.h note 2): one per enabled account (B1) of each
 *    instance, in instance then account order.  The AOR is the To URI's
 *    user@host as the registrar keys it (models/proxy/proxy.c): the
 *    account's UserID, else AuthUserName, at its registrar host (B2),
 *    lower-cased.  Probes are attributed by AOR; when two units share
 *    one, the first has it.
 *
 * 4. One configuration per section (issue 17).  The N phones of a
 *    `count = N` section share one DeviceConfig (Run.device_cfgs, owned
 *    by the run, borrowed by each device: device.h note 6); only their
 *    credentials differ (UserID and AuthUserName suffixed "-k"), and
 *    those go to device_new_shared() as the device's own
 *    DeviceAccountIdentity.  A copy per phone cost about 4 KiB.
 */
#include "experiment/run-private.h"

#include <string.h>

gboolean
run_fail (Run *run, const char *fmt, ...)
{
  if (run->error == NULL)
    {
      va_list ap;
      va_start (ap, fmt);
      run->error = g_strdup_vprintf (fmt, ap);
      va_end (ap);
    }
  return FALSE;
}

SimTime
run_draw_time (SimRng *rng, const SpecTime *t)
{
  switch (t->dist)
    {
    case SPEC_DIST_FIXED:
      return t->a;
    case SPEC_DIST_UNIFORM:
      return t->b > t->a ? sim_rng_int_range (rng, t->a, t->b) : t->a;
    case SPEC_DIST_EXPONENTIAL:
      return t->a + sim_time_from_s (sim_rng_exponential (rng, sim_time_to_s (t->b)));
    case SPEC_DIST_NORMAL:
      {
        SimTime v = sim_time_from_s (sim_rng_normal (rng, sim_time_to_s (t->a),
                                                     sim_time_to_s (t->b)));
        return MAX (v, 0);
      }
    }
  return t->a;
}

void
run_add_host (Run *run, SimIp4 addr, const char *name)
{
  ObsHost h = { addr, g_strdup (name) };
  g_array_append_val (run->obs->hosts, h);
}

/* Claims @addr for @owner (borrowed, must outlive the run's build). */
static gboolean
reserve (Run *run, SimIp4 addr, const char *owner)
{
  const char *other = g_hash_table_lookup (run->addrs, GUINT_TO_POINTER (addr));
  if (other)
    {
      char b[SIM_IP4_STRLEN];
      return run_fail (run, "address %s of %s is already %s's",
                       sim_ip4_to_string (addr, b), owner, other);
    }
  g_hash_table_insert (run->addrs, GUINT_TO_POINTER (addr), (gpointer) owner);
  return TRUE;
}

static SimNode *
new_node (Run *run, const char *name)
{
  GError *err = NULL;
  SimNode *n = sim_node_new (run->net, name, &err);
  if (n == NULL)
    {
      run_fail (run, "node %s: %s", name, err->message);
      g_error_free (err);
    }
  return n;
}

static SimLink *
new_link (Run *run, SimIface *a, SimIface *b, const SpecLink *l)
{
  SimLinkConfig lc = { .latency = l->latency, .jitter = l->jitter, .loss = l->loss };
  SimLink *link = sim_link_new (run->net, a, b, &lc);
  g_ptr_array_add (run->links, link);
  return link;
}

/* @node gets @addr/32 and a default route through it; the core gets
 * @core_addr/32 on its side and a host route to @addr. */
static SimLink *
attach_to_core (Run *run, SimNode *node, SimIp4 addr, SimIp4 core_addr, const SpecLink *l,
                SimIface **core_iface_out)
{
  SimIface *leaf = sim_node_add_iface (node, addr, 32);
  sim_node_set_default_route (node, leaf);
  SimIface *ci = sim_node_add_iface (run->core, core_addr, 32);
  sim_node_add_route (run->core, addr, 32, ci);
  run_add_host (run, core_addr, "core");
  if (core_iface_out)
    *core_iface_out = ci;
  return new_link (run, ci, leaf, l);
}

/* A server's link: its own address, the core's side from 198.18.0.0/15. */
static SimLink *
attach_server (Run *run, SimNode *node, SimIp4 addr, const SpecLink *l)
{
  SimIp4 core_addr = SIM_IP4 (198, 18, 0, 0) + ++run->n_core_servers;
  if (!reserve (run, core_addr, "core"))
    return NULL;
  return attach_to_core (run, node, addr, core_addr, l, NULL);
}

/* The next uplink /30 from 100.64.0.0/10: core .1, @node .2. */
static SimLink *
attach_uplink (Run *run, SimNode *node, const char *owner, const SpecLink *l,
               SimIp4 *addr_out, SimIface **core_iface_out)
{
  guint j = run->n_uplinks++;
  if (j >= (1u << 20))
    {
      run_fail (run, "more than %u uplinks: 100.64.0.0/10 is full", 1u << 20);
      return NULL;
    }
  SimIp4 net = SIM_IP4 (100, 64, 0, 0) + 4 * j;
  if (!reserve (run, net + 1, "core") || !reserve (run, net + 2, owner))
    return NULL;
  *addr_out = net + 2;
  return attach_to_core (run, node, net + 2, net + 1, l, core_iface_out);
}

/* ------------------------------------------------------------ observers */

/* Observations (metrics.h note 4): with keep_observations (a timeline)
 * everything is kept for metrics_compute() and the plot; otherwise the
 * run's MetricsAcc gets what a metric may read as it happens and nothing
 * is kept, so memory does not grow with simulated time. */
void
run_observe_event (Run *run, const ObsEvent *o)
{
  if (run->acc == NULL)
    g_array_append_val (run->obs->events, *o);
  else if (metrics_uses_event (o->ev.kind))
    metrics_acc_event (run->acc, o);   /* e.g. every keep-alive is not (metrics.h) */
}

static void
on_probe (SipProxy *proxy, const SipProxyProbe *probe, gpointer user_data)
{
  RunProxy *rp = user_data;
  (void) proxy;
  gpointer v = g_hash_table_lookup (rp->run->unit_by_aor, probe->aor);
  ObsProbe o = {
    .unit = v ? GPOINTER_TO_UINT (v) - 1 : G_MAXUINT,
    .proxy = rp->index,
    .sent_at = probe->sent_at,
    .done_at = probe->done_at,
    .reached = probe->reached,
    .outcome = probe->outcome,
  };
  if (rp->run->acc)
    metrics_acc_probe (rp->run->acc, &o);
  else
    g_array_append_val (rp->run->obs->probes, o);
}

static void
on_nat_record (Nat *nat, const NatRecord *rec, gpointer user_data)
{
  Run *run = user_data;
  (void) nat;
  if (run->acc)
    metrics_acc_nat (run->acc, rec);   /* it reads only the units' own sockets' */
  else
    g_array_append_val (run->obs->nat_records, *rec);
}

static void
on_device_event (Device *dev, const DeviceEvent *ev, gpointer user_data)
{
  RunDevice *rd = user_data;
  (void) dev;
  if (ev->account < 1 || ev->account > DEVICE_MAX_ACCOUNTS)
    return;
  guint unit = rd->unit_of_account[ev->account];
  if (unit == G_MAXUINT)
    return;
  /* What run_observe_event() would drop (every keep-alive, most events)
   * is dropped before the 128-byte copy is made. */
  if (rd->run->acc != NULL && !metrics_uses_event (ev->kind))
    return;
  ObsEvent o = { .unit = unit, .ev = *ev };
  o.ev.detail = NULL;
  run_observe_event (rd->run, &o);
}

static void
start_device (SimWorld *world, gpointer user_data)
{
  RunDevice *rd = user_data;
  (void) world;
  device_start (rd->device);
}

/* ------------------------------------------------------------ servers */

static gboolean
build_dns (Run *run)
{
  const RunSpec *spec = run->spec;
  GError *err = NULL;
  run->dns_node = new_node (run, "dns");
  if (!run->dns_node || !reserve (run, spec->dns_addr, "dns"))
    return FALSE;
  run->dns_link = attach_server (run, run->dns_node, spec->dns_addr, &spec->dns_link);
  if (!run->dns_link)
    return FALSE;
  run_add_host (run, spec->dns_addr, "dns");
  run->dns_host = sim_host_new (run->dns_node, "dns");
  run->dns = dns_server_new (run->dns_host, &spec->dns_cfg, &err);
  for (guint i = 0; run->dns && spec->zones && spec->zones[i]; i++)
    if (!dns_server_add_zone (run->dns, spec->zones[i], &err))
      break;
  for (guint i = 0; run->dns && !err && i < spec->records->len; i++)
    {
      const SpecRecord *r = &g_array_index (spec->records, SpecRecord, i);
      dns_server_add (run->dns, r->name, &r->rr, &err);
    }
  if (err)
    {
      run_fail (run, "dns: %s", err->message);
      g_error_free (err);
      return FALSE;
    }
  return TRUE;
}

static gboolean
build_proxies (Run *run)
{
  const RunSpec *spec = run->spec;
  for (guint i = 0; i < spec->proxies->len; i++)
    {
      const SpecProxy *sp = &g_array_index (spec->proxies, SpecProxy, i);
      RunProxy *rp = g_new0 (RunProxy, 1);
      rp->run = run;
      rp->index = i;
      g_ptr_array_add (run->proxies, rp);
      if (!reserve (run, sp->addr, sp->name) || !(rp->node = new_node (run, sp->name)))
        return FALSE;
      rp->link = attach_server (run, rp->node, sp->addr, &sp->link);
      if (!rp->link)
        return FALSE;
      run_add_host (run, sp->addr, sp->name);
      rp->host = sim_host_new (rp->node, sp->name);
      GError *err = NULL;
      rp->proxy = sip_proxy_new (rp->host, &sp->cfg, &err);
      if (!rp->proxy)
        {
          run_fail (run, "proxy %s: %s", sp->name, err ? err->message : "refused");
          g_clear_error (&err);
          return FALSE;
        }
      sip_proxy_set_probe_func (rp->proxy, on_probe, rp);
      sip_proxy_set_keep_probes (rp->proxy, FALSE);   /* on_probe takes what is needed */
      ObsProxy op = { g_strdup (sp->name), { sp->addr, sp->cfg.port ? sp->cfg.port : 5060 } };
      g_array_append_val (run->obs->proxies, op);
    }
  return TRUE;
}

/* ------------------------------------------------------------ NATs */

static RunNat *
new_nat_instance (Run *run, guint spec_index, const char *name)
{
  const SpecNat *sn = &g_array_index (run->spec->nats, SpecNat, spec_index);
  RunNat *rn = g_new0 (RunNat, 1);
  rn->spec_index = spec_index;
  rn->name = g_strdup (name);
  rn->index = run->nats->len;
  g_ptr_array_add (run->nats, rn);
  if (!(rn->node = new_node (run, name)))
    return NULL;
  rn->uplink = attach_uplink (run, rn->node, rn->name, &sn->uplink, &rn->public_addr,
                              &rn->core_iface);
  if (!rn->uplink)
    return NULL;
  run_add_host (run, rn->public_addr, name);
  SimIface *outside = sim_node_get_iface (rn->node, 0);
  rn->nat = nat_new (rn->node, outside, &sn->settings, name);
  nat_set_record_func (rn->nat, on_nat_record, run);
  nat_set_keep_records (rn->nat, FALSE);   /* on_nat_record keeps what is needed */
  return rn;
}

/* ------------------------------------------------------------ devices */

/* @s with "-k" appended (newly allocated), or NULL when @s is NULL or
 * blank: a blank UserID stays blank (B2: AuthUserName is the user). */
static char *
suffixed (const char *s, guint k)
{
  return s && s[0] ? g_strdup_printf ("%s-%u", s, k) : NULL;
}

/* Note 4: the section's shared config, made at its first instance. */
static const DeviceConfig *
section_config (Run *run, guint spec_index, const SpecDevice *sd)
{
  DeviceConfig *c = run->device_cfgs[spec_index];
  if (c)
    return c;
  c = run->device_cfgs[spec_index] = g_new (DeviceConfig, 1);
  device_config_copy (c, &sd->cfg);
  if (c->n_dns_servers == 0)
    {
      const RunSpec *spec = run->spec;
      c->dns_servers[0] = (SimSockAddr) { spec->dns_addr, spec->dns_cfg.port ? spec->dns_cfg.port : 53 };
      c->n_dns_servers = 1;
    }
  return c;
}

static gboolean
build_device (Run *run, RunDevice *rd, const SpecDevice *sd, guint k, RunNat *rn)
{
  if (!(rd->node = new_node (run, rd->name)))
    return FALSE;
  if (rn)
    {
      /* The LAN /30 of instance k: gateway .1 (the NAT's inside), device .2. */
      if (rd->index >= (1u << 22))
        return run_fail (run, "more than %u devices behind NATs: 10.0.0.0/8 is full", 1u << 22);
      SimIp4 lan = SIM_IP4 (10, 0, 0, 0) + 4 * rd->index;
      rd->addr = lan + 2;
      if (!reserve (run, lan + 1, rn->name) || !reserve (run, lan + 2, rd->name))
        return FALSE;
      SimIface *inside = sim_node_add_iface (rn->node, lan + 1, 32);
      sim_node_add_route (rn->node, rd->addr, 32, inside);
      SimIface *di = sim_node_add_iface (rd->node, rd->addr, 32);
      sim_node_set_default_route (rd->node, di);
      rd->access = new_link (run, di, inside, &sd->access);
      rn->n_inside++;
      run_add_host (run, lan + 1, rn->name);
    }
  else if (!(rd->access = attach_uplink (run, rd->node, rd->name, &sd->access, &rd->addr, NULL)))
    return FALSE;
  run_add_host (run, rd->addr, rd->name);

  const DeviceConfig *c = section_config (run, rd->spec_index, sd);
  /* Note 4: the credentials of instance k; NULL = the config's. */
  DeviceAccountIdentity ids[DEVICE_MAX_ACCOUNTS] = { { NULL, NULL } };
  char *owned[2 * DEVICE_MAX_ACCOUNTS] = { NULL };
  for (guint n = 1; n <= DEVICE_MAX_ACCOUNTS; n++)
    {
      const DeviceAccountConfig *acc = &c->accounts[n - 1];
      rd->unit_of_account[n] = G_MAXUINT;
      if (!device_account_config_is_enabled (acc))
        continue;
      const char *user_id = acc->user_id, *auth_username = acc->auth_username;
      if (sd->count > 1)
        {
          user_id = owned[2 * (n - 1)] = suffixed (acc->user_id, k);
          auth_username = owned[2 * (n - 1) + 1] = suffixed (acc->auth_username, k);
          ids[n - 1] = (DeviceAccountIdentity) { user_id, auth_username };
        }
      const char *user = user_id && user_id[0] ? user_id : auth_username;
      g_autofree char *host = g_ascii_strdown (device_account_config_registrar (acc), -1);
      ObsUnit u = {
        .name = g_strdup_printf ("%s/SP%u", rd->name, n),
        .device = rd->index,
        .account = n,
        .local = { rd->addr, acc->local_port ? acc->local_port : (guint16) (5060 + n - 1) },
        .aor = g_strdup_printf ("%s@%s", user, host),
        .powered_on = rd->start,
      };
      rd->unit_of_account[n] = run->obs->units->len;
      g_array_append_val (run->obs->units, u);
      const ObsUnit *stored = &g_array_index (run->obs->units, ObsUnit, run->obs->units->len - 1);
      if (!g_hash_table_contains (run->unit_by_aor, stored->aor))
        g_hash_table_insert (run->unit_by_aor, stored->aor, GUINT_TO_POINTER (rd->unit_of_account[n] + 1));
    }
  rd->host = sim_host_new (rd->node, rd->name);
  GError *err = NULL;
  rd->device = device_new_shared (rd->host, c, ids, &err);
  for (guint i = 0; i < G_N_ELEMENTS (owned); i++)
    g_free (owned[i]);
  if (!rd->device)
    {
      run_fail (run, "device %s: %s", rd->name, err ? err->message : "refused");
      g_clear_error (&err);
      return FALSE;
    }
  device_set_event_func (rd->device, on_device_event, rd);
  sim_schedule_at (run->world, rd->start, start_device, rd);
  return TRUE;
}

static gboolean
build_devices (Run *run)
{
  const RunSpec *spec = run->spec;
  guint n_nats = spec->nats->len;
  /* How many instances each NAT has, to name them "home" or "home-K". */
  g_autofree guint *n_inst = g_new0 (guint, n_nats + 1);
  g_autofree guint *made = g_new0 (guint, n_nats + 1);
  g_autofree RunNat **shared = g_new0 (RunNat *, n_nats + 1);
  for (guint i = 0; i < spec->devices->len; i++)
    {
      const SpecDevice *sd = &g_array_index (spec->devices, SpecDevice, i);
      if (sd->nat >= (gint) n_nats)
        return run_fail (run, "device %s: NAT index %d out of range", sd->name, sd->nat);
      if (sd->nat >= 0)
        {
          const SpecNat *sn = &g_array_index (spec->nats, SpecNat, sd->nat);
          n_inst[sd->nat] = sn->shared ? 1 : n_inst[sd->nat] + sd->count;
        }
    }

  guint index = 0;
  for (guint i = 0; i < spec->devices->len; i++)
    {
      const SpecDevice *sd = &g_array_index (spec->devices, SpecDevice, i);
      if (sd->count == 0)
        return run_fail (run, "device %s: count is 0", sd->name);
      for (guint k = 1; k <= sd->count; k++, index++)
        {
          RunNat *rn = NULL;
          if (sd->nat >= 0)
            {
              const SpecNat *sn = &g_array_index (spec->nats, SpecNat, sd->nat);
              if (sn->shared && shared[sd->nat])
                rn = shared[sd->nat];
              else
                {
                  guint ordinal = made[sd->nat]++;
                  g_autofree char *nname = n_inst[sd->nat] == 1
                    ? g_strdup (sn->name)
                    : g_strdup_printf ("%s-%u", sn->name, ordinal + 1);
                  if (!(rn = new_nat_instance (run, (guint) sd->nat, nname)))
                    return FALSE;
                  rn->ordinal = ordinal;
                  if (sn->shared)
                    shared[sd->nat] = rn;
                }
            }
          RunDevice *rd = g_new0 (RunDevice, 1);
          rd->run = run;
          rd->index = index;
          rd->spec_index = i;
          rd->name = sd->count == 1 ? g_strdup (sd->name) : g_strdup_printf ("%s-%u", sd->name, k);
          rd->nat = rn ? (gint) rn->index : -1;
          rd->start = run_draw_time (&run->start_rng, &sd->start);
          g_ptr_array_add (run->devices, rd);
          if (!build_device (run, rd, sd, k, rn))
            return FALSE;
        }
    }
  return TRUE;
}

SimHost *
run_world_server_host (Run *run, SimIp4 addr, const char *name)
{
  SimNode *n;
  if (!reserve (run, addr, name) || !(n = new_node (run, name)))
    return NULL;
  if (!attach_server (run, n, addr, &run->spec->dns_link))
    return NULL;
  run_add_host (run, addr, name);
  return sim_host_new (n, name);
}

gboolean
run_world_build (Run *run)
{
  run->net = sim_net_new (run->world);
  run->proxies = g_ptr_array_new ();
  run->nats = g_ptr_array_new ();
  run->devices = g_ptr_array_new ();
  run->device_cfgs = g_new0 (DeviceConfig *, run->spec->devices->len);
  run->links = g_ptr_array_new ();
  run->addrs = g_hash_table_new (g_direct_hash, g_direct_equal);
  run->unit_by_aor = g_hash_table_new (g_str_hash, g_str_equal);
  sim_world_rng_init (run->world, &run->start_rng, "experiment/start");
  sim_world_rng_init (run->world, &run->fault_rng, "experiment/faults");

  if (!(run->core = new_node (run, "core")))
    return FALSE;
  sim_node_set_forwarding (run->core, TRUE);
  return build_dns (run) && build_proxies (run) && build_devices (run);
}

void
run_world_free (Run *run)
{
  if (run->devices)
    for (guint i = 0; i < run->devices->len; i++)
      {
        RunDevice *rd = run->devices->pdata[i];
        device_free (rd->device);
        host_free (rd->host);
        g_free (rd->name);
        g_free (rd);
      }
  /* After the devices: they borrow these (note 4). */
  if (run->device_cfgs)
    for (guint i = 0; i < run->spec->devices->len; i++)
      if (run->device_cfgs[i])
        {
          device_config_clear (run->device_cfgs[i]);
          g_free (run->device_cfgs[i]);
        }
  g_clear_pointer (&run->device_cfgs, g_free);
  dns_server_free (run->dns);
  host_free (run->dns_host);
  if (run->proxies)
    for (guint i = 0; i < run->proxies->len; i++)
      {
        RunProxy *rp = run->proxies->pdata[i];
        sip_proxy_free (rp->proxy);
        host_free (rp->host);
        g_free (rp);
      }
  if (run->nats)
    for (guint i = 0; i < run->nats->len; i++)
      {
        RunNat *rn = run->nats->pdata[i];
        nat_free (rn->nat);
        g_free (rn->name);
        g_free (rn);
      }
  g_clear_pointer (&run->devices, g_ptr_array_unref);
  g_clear_pointer (&run->proxies, g_ptr_array_unref);
  g_clear_pointer (&run->nats, g_ptr_array_unref);
  g_clear_pointer (&run->links, g_ptr_array_unref);
  g_clear_pointer (&run->addrs, g_hash_table_unref);
  g_clear_pointer (&run->unit_by_aor, g_hash_table_unref);
  g_clear_pointer (&run->net, sim_net_free);
}
