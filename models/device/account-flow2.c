/*
 * models/device/account-flow2.c - the second RFC 5626 flow of an account
 * (`outbound_flows` = 2; RFC 5626 §4.2: "a UA ... registers a flow with
 * each outbound proxy", reg-id 1 and 2).  Owns acc->f2_*: its leg, its
 * connection, its timer.  The first flow is the account's registration
 * (account-rounds.c) with reg-id `reg_id`; this one registers the same
 * instance with reg-id `reg_id` + 1 at the second candidate, over a
 * connection of its own.
 *
 * Notes
 *
 * 1. When.  It starts once the account has its candidate list and is
 *    registered (the first 2xx), only over TCP/TLS with `sip outbound
 *    support`, and only when the list has a second candidate.  With two
 *    flows the account does not fail over between candidates (each flow
 *    belongs to its outbound proxy, §4.2): acc_redundancy() is off.
 *
 * 2. Keep-alive and failure: as the first flow's (account-conn.c notes 2
 *    and 4): CRLF pings every 80-100 % of Flow-Timer or
 *    flow_keepalive_interval; a failure of its connection or of its
 *    REGISTER waits the §4.5 back-off and registers it again, with
 *    base-time reconnect_base_ok (90 s) while the first flow is
 *    registered and reconnect_base (30 s) when it is not.
 *
 * 3. Events: DEVICE_EVENT_SECONDARY with the server and the granted
 *    expiry (expires 0: lost), so doc/metrics.md's reachability counts the
 *    second binding as it counts B21's; its connection's failures are
 *    DEVICE_EVENT_FLOW_FAILED like the first's.
 *
 * States: IDLE (timer pending or not started), REGISTERING (leg busy),
 * REGISTERED (refresh timer pending); f2_flow is the connection (0: none).
 */
#include "models/device/account-private.h"
#include "models/device/timing.h"

gboolean
acc_f2_wanted (const DeviceAccount *acc)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  return cfg->outbound_flows > 1 && cfg->outbound && acc->transport != DEVICE_TRANSPORT_UDP
         && acc->list != NULL && acc->list->n > 1;
}

static SimTime
f2_wait (DeviceAccount *acc)
{
  /* §4.5: the base is larger while another flow works. */
  const DeviceAccountConfig *cfg = acc->cfg;
  SimTime base = acc->registered ? cfg->reconnect_base_ok : cfg->reconnect_base;
  double w = (double) base;
  for (guint i = 0; i < acc->f2_failures && w < (double) cfg->reconnect_max; i++)
    w *= cfg->reconnect_factor;
  if (w > (double) cfg->reconnect_max)
    w = (double) cfg->reconnect_max;
  SimTime hi = (SimTime) w, lo = (SimTime) (w * (1.0 - cfg->reconnect_jitter));
  return hi > lo ? sim_rng_int_range (&acc->rng, lo, hi) : hi;
}

static void
f2_emit (DeviceAccount *acc, const SimSockAddr *server, guint32 expires)
{
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_SECONDARY);
  ev.server = *server;
  ev.expires = expires;
  ev.detail = "flow 2";
  device_emit (acc->dev, &ev);
}

static void
f2_failed (DeviceAccount *acc)
{
  if (acc->f2_registered)
    f2_emit (acc, &acc->f2_server, 0);
  acc->f2_registered = FALSE;
  SimTime wait = f2_wait (acc);
  acc->f2_failures++;
  acc_trace (acc, "flow 2 failed: again in %" G_GINT64_FORMAT " ms (RFC 5626 §4.5)",
             wait / SIM_MS (1));
  host_timer_start (&acc->f2_timer, wait);
}

static void
acc_on_f2_reg (DeviceReg *reg, const DeviceRegResult *r, gpointer u)
{
  DeviceAccount *acc = u;
  acc->dev->stats.registers_sent += r->requests;
  char b[SIM_SOCKADDR_STRLEN];
  if (r->outcome == DEVICE_REG_OK && r->granted_s > 0) {
    acc->f2_registered = TRUE;
    acc->f2_failures = 0;
    acc_trace (acc, "flow 2 registered at %s for %u s (reg-id %u)",
               addr_str (&r->server, b), r->granted_s, acc->cfg->reg_id + 1);
    f2_emit (acc, &r->server, r->granted_s);
    SimTime iv = r->flow_timer > 0 ? SIM_S (r->flow_timer) : acc->cfg->flow_ka_interval;
    if (acc->f2_flow && r->outbound)
      sip_transport_flow_set_keepalive (acc->tp, acc->f2_flow, iv * 4 / 5, iv,
                                        acc->cfg->pong_timeout);
    host_timer_start (&acc->f2_timer, device_refresh_delay (acc->cfg, r->granted_s));
  } else {
    acc_trace (acc, "flow 2 register at %s failed: %s %u", addr_str (&r->server, b),
               device_reg_outcome_to_string (r->outcome), r->status);
    f2_failed (acc);
  }
  acc_check_invariants (acc);
}

/* Registers (or refreshes) flow 2 at the second candidate. */
static void
f2_register (DeviceAccount *acc)
{
  const DeviceCandidate *c = &acc->list->c[1];
  acc->f2_server = c->addr;
  if (acc->f2_flow == 0) {
    SipFlowParams p = { .connect_timeout = acc->cfg->connect_timeout };
    if (acc->transport == DEVICE_TRANSPORT_TLS && acc->cfg->persistent_tls)
      p.local_port = 5061;
    acc->f2_flow = sip_transport_connect (acc->tp, acc->transport == DEVICE_TRANSPORT_TLS
                                          ? SIP_TRANSPORT_TLS : SIP_TRANSPORT_TCP,
                                          &c->addr, &p, NULL);
    if (acc->f2_flow == 0) {
      f2_failed (acc);
      return;
    }
    acc->dev->stats.flows_opened++;
  }
  SimSockAddr local;
  sip_transport_flow_addrs (acc->tp, acc->f2_flow, &local, NULL);
  DeviceRegRequest req = { 0 };
  req.server = c->addr;
  req.transport = acc->transport;
  req.flow = sip_flow_to_handle (acc->f2_flow);
  req.via_ip = acc_local_ip (acc, c->addr.ip);
  req.via_port = local.port;
  req.contact_ip = req.via_ip;
  req.contact_port = local.port;
  req.reg_id = acc->cfg->reg_id + 1;
  char b[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "flow 2 register to %s (reg-id %u)", addr_str (&c->addr, b), req.reg_id);
  device_reg_start (acc_leg (acc, &acc->f2_reg, &acc->f2_tag), &req, acc_on_f2_reg, acc);
}

void
acc_f2_start (DeviceAccount *acc)
{
  if (!acc_f2_wanted (acc) || acc->f2_registered || device_reg_is_busy (acc->f2_reg)
      || host_timer_is_pending (&acc->f2_timer))
    return;
  f2_register (acc);
}

void
acc_on_f2_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  if (acc_f2_wanted (acc) && !device_reg_is_busy (acc->f2_reg))
    f2_register (acc);
  acc_check_invariants (acc);
}

gboolean
acc_f2_on_flow (DeviceAccount *acc, const SipFlowEvent *ev)
{
  if (ev->flow == 0 || ev->flow != acc->f2_flow)
    return FALSE;
  DeviceEvent dev_ev;
  if (ev->kind == SIP_FLOW_UP) {
    acc_event_init (acc, &dev_ev, DEVICE_EVENT_FLOW_UP);
    dev_ev.server = ev->remote;
    dev_ev.detail = "flow 2";
    device_emit (acc->dev, &dev_ev);
    return TRUE;
  }
  acc->f2_flow = 0;
  acc->dev->stats.flow_failures++;
  acc_event_init (acc, &dev_ev, DEVICE_EVENT_FLOW_FAILED);
  dev_ev.server = ev->remote;
  dev_ev.fail = DEVICE_FAIL_TRANSPORT;
  dev_ev.detail = sip_flow_failure_to_string (ev->failure);
  device_emit (acc->dev, &dev_ev);
  /* A REGISTER in flight fails now and its outcome schedules the retry;
   * otherwise the flow was lost while registered (note 2). */
  gboolean busy = device_reg_is_busy (acc->f2_reg);
  sip_txn_layer_transport_error (acc->layer, sip_flow_to_handle (ev->flow), NULL, ev->error);
  if (!busy) {
    host_timer_cancel (&acc->f2_timer);
    f2_failed (acc);
  }
  return TRUE;
}
