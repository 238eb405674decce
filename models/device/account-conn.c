/*
 * models/device/account-conn.c - the account's connection when its
 * registration target speaks TCP or TLS (ProxyServerTransport,
 * OutboundProxyTransport: B24; Aastra outbound and backup outbound proxy:
 * B26-B28, B43).  Owns acc->flow, flow_server, conn_failures, restore_flow
 * and the conn and restore timers; the connections themselves belong to
 * the account's SipTransport (models/sip/transport.h).
 *
 * Notes
 *
 * 1. One connection carries everything (B24, OBi "If OutboundProxyTransport
 *    is TCP or TLS, your device initiates a TCP or TLS connection only with
 *    the OutboundProxy ... all subsequent messages ... MUST use the same
 *    connection").  acc_flow_for() gives a REGISTER the connection in use
 *    when it goes to the same server, and otherwise closes it (FIN) and
 *    opens one to the new server; the transport queues the request until
 *    the connection is up.  A connection that cannot even start (no route,
 *    local port 5061 taken under "sip persistent tls") gets a flow id that
 *    never existed, so the send fails with RESET and the transaction
 *    reports a transport error from the event loop, as for any B38 failure.
 *
 * 2. Failure detection (B38): the transport reports the connection down
 *    with its reason: reset, peer-closed, refused, connect-timeout
 *    (connect_timeout, or the kernel's 127 s), icmp, timed-out, keepalive
 *    (no pong within pong_timeout), TLS failures.  Each is a
 *    DEVICE_EVENT_FLOW_FAILED (the moment the phone notices: detect_s in
 *    doc/metrics.md) and a transport error for the transactions on it, so
 *    a REGISTER in flight fails at once (server failure: the round walks
 *    on, with redundancy over the candidate list, B18).
 *
 * 3. Re-connection with back-off (B24 [U], RFC 5626 §4.5).  A connection
 *    lost while the account is registered and idle is re-opened after
 *    W = min(reconnect_max, reconnect_base * reconnect_factor^k), drawn
 *    uniformly in [(1 - reconnect_jitter) W, W], k = losses since the last
 *    2xx (0 for the first); then the account registers again at the server
 *    in use over the new connection (a REFRESH round), because the old
 *    binding is bound to the old connection (RFC 5626 §5.3) and, behind a
 *    NAT, to its mapping.  A round that fails with a transport error waits
 *    the same back-off (account-rounds.c) instead of the retry interval.
 *    Defaults are RFC 5626's (base 30 s, factor 2, max 1800 s, 50-100 %):
 *    OBi's own are not published (B24 says the RFC's are the best guess).
 *
 * 4. Keep-alives (RFC 5626 §4.4.1, B43).  After a 2xx with Require:
 *    outbound, the connection pings with CRLFCRLF every 80-100 % of
 *    Flow-Timer, or of flow_keepalive_interval (Aastra's M5T: 120 s, so
 *    96-120 s); no pong within pong_timeout (10 s) fails it (note 2).
 *    Without outbound no keep-alive runs on the connection: a dead peer or
 *    a NAT that forgot the mapping is noticed at the next send.
 *
 * 5. Background restore (B28, B27).  Registered over a connection to a
 *    candidate other than the first (the backup outbound proxy or
 *    registrar) in primary-first mode, the account tries a connection to
 *    the first candidate after a back-off wait that grows with each failed
 *    try (note 3's formula, k = failed tries).  When it comes up the
 *    account registers through it (a REFRESH round walks from the top, so
 *    the primary is tried first), then unregisters at the backup (a
 *    REGISTER with expires=0 for the contact it had there, on the
 *    backup's own connection, from a leg of its own) and closes that
 *    connection.  With "sip persistent tls" the restore connection cannot be
 *    made while the backup's holds local port 5061 (AAS 4-59: only one
 *    persistent TLS connection): the primary is then regained only at the
 *    next renewal, through a new connection.
 */
#include "models/device/account-private.h"

#define DEAD_FLOW G_MAXUINT32      /* an id the transport never hands out (note 1) */

static SipFlowParams
conn_params (const DeviceAccount *acc)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  SipFlowParams p = { 0 };
  if (acc->transport == DEVICE_TRANSPORT_TLS && cfg->persistent_tls)
    p.local_port = 5061;                          /* AAS 4-59 */
  p.connect_timeout = cfg->connect_timeout;
  return p;
}

static SipTransportProto
conn_proto (const DeviceAccount *acc)
{
  return acc->transport == DEVICE_TRANSPORT_TLS ? SIP_TRANSPORT_TLS : SIP_TRANSPORT_TCP;
}

SimTime
acc_reconnect_wait (DeviceAccount *acc, guint k)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  /* RFC 5626 §4.5: a larger base while the second flow still works. */
  double w = (double) (acc->f2_registered ? cfg->reconnect_base_ok : cfg->reconnect_base);
  for (guint i = 0; i < k && w < (double) cfg->reconnect_max; i++)
    w *= cfg->reconnect_factor;
  if (w > (double) cfg->reconnect_max)
    w = (double) cfg->reconnect_max;
  SimTime hi = (SimTime) w;
  SimTime lo = (SimTime) (w * (1.0 - cfg->reconnect_jitter));
  return hi > lo ? sim_rng_int_range (&acc->rng, lo, hi) : hi;
}

static SipFlowId
conn_open (DeviceAccount *acc, const SimSockAddr *server)
{
  SipFlowParams p = conn_params (acc);
  g_autoptr (GError) err = NULL;
  SipFlowId id = sip_transport_connect (acc->tp, conn_proto (acc), server, &p, &err);
  char b[SIM_SOCKADDR_STRLEN];
  if (id == 0) {
    acc_trace (acc, "connection to %s cannot start: %s", addr_str (server, b), err->message);
    return 0;
  }
  acc->dev->stats.flows_opened++;
  acc_trace (acc, "connect %s %s (flow %u)",
             acc->transport == DEVICE_TRANSPORT_TLS ? "TLS" : "TCP", addr_str (server, b), id);
  return id;
}

gpointer
acc_flow_for (DeviceAccount *acc, const SimSockAddr *server)
{
  if (acc->transport == DEVICE_TRANSPORT_UDP)
    return NULL;
  if (acc->flow && sim_sockaddr_equal (&acc->flow_server, server))
    return sip_flow_to_handle (acc->flow);
  SimSockAddr restore_to;
  if (acc->restore_flow
      && sip_transport_flow_addrs (acc->tp, acc->restore_flow, NULL, &restore_to)
      && sim_sockaddr_equal (&restore_to, server)) {
    /* Note 5: the restored connection to the primary takes over; the
     * backup's stays until the account has unregistered there. */
    if (acc->flow && acc->registered && acc->old_flow == 0) {
      acc->old_flow = acc->flow;
      acc->old_server = acc->flow_server;
      acc->old_contact = acc->contact;
    } else if (acc->flow) {
      sip_transport_flow_close (acc->tp, acc->flow);
    }
    acc->flow = acc->restore_flow;
    acc->flow_server = *server;
    acc->restore_flow = 0;
    return sip_flow_to_handle (acc->flow);
  }
  /* Note 1: one connection; a new server means a new connection. */
  if (acc->flow)
    sip_transport_flow_close (acc->tp, acc->flow);
  if (acc->dev->stats.flows_opened > 0)
    acc->dev->stats.reconnects++;
  acc->flow = conn_open (acc, server);
  acc->flow_server = *server;
  return sip_flow_to_handle (acc->flow ? acc->flow : DEAD_FLOW);
}

void
acc_hop_for (DeviceAccount *acc, const SimSockAddr *server, const SipTxnPeer *received,
             AccHop *out)
{
  static const char *const via_tp[] = { "UDP", "TCP", "TLS" };
  static const char *const param[] = { "", ";transport=tcp", ";transport=tls" };
  DeviceTransport t = acc->transport;
  if (received)
    t = !received->reliable ? DEVICE_TRANSPORT_UDP
        : sip_transport_flow_get_proto (acc->tp, sip_flow_from_handle (received->flow))
            == SIP_TRANSPORT_TLS ? DEVICE_TRANSPORT_TLS : DEVICE_TRANSPORT_TCP;
  *out = (AccHop) { .peer = { .addr = *server }, .via_transport = via_tp[t],
                    .via_port = acc->local.port, .contact_param = param[t] };
  acc_contact_for (acc, server->ip, &out->contact);
  if (t == DEVICE_TRANSPORT_UDP)
    return;                                       /* the socket: no flow */
  out->peer.reliable = TRUE;
  out->peer.flow = received ? received->flow : acc_flow_for (acc, server);
  SimSockAddr local;
  if (sip_transport_flow_addrs (acc->tp, sip_flow_from_handle (out->peer.flow), &local, NULL)) {
    /* As acc_contact_on_flow, for the flow this hop uses. */
    if (out->contact.port == acc->local.port
        && !(acc->cfg->use_mapped_contact && acc->mapped_known))
      out->contact.port = local.port;
    out->via_port = local.port;
  }
}

void
acc_contact_on_flow (DeviceAccount *acc, SimSockAddr *contact)
{
  SimSockAddr local;
  if (acc->transport == DEVICE_TRANSPORT_UDP || acc->flow == 0
      || !sip_transport_flow_addrs (acc->tp, acc->flow, &local, NULL))
    return;
  if (contact->port == acc->local.port && !(acc->cfg->use_mapped_contact && acc->mapped_known))
    contact->port = local.port;
}

void
acc_on_flow (DeviceAccount *acc, const SipFlowEvent *ev)
{
  char b[SIM_SOCKADDR_STRLEN];
  if (acc->stopping) {
    /* device_stop: nothing is re-connected; a lost connection only ends
     * the removal travelling on it */
    if (ev->kind == SIP_FLOW_DOWN)
      sip_txn_layer_transport_error (acc->layer, sip_flow_to_handle (ev->flow), NULL, ev->error);
    return;
  }
  if (acc_f2_on_flow (acc, ev))
    return;
  gboolean restore = ev->flow != 0 && ev->flow == acc->restore_flow;
  if (ev->flow != 0 && ev->flow == acc->old_flow && ev->kind == SIP_FLOW_DOWN) {
    acc->old_flow = 0;                            /* the unregister fails with it */
    sip_txn_layer_transport_error (acc->layer, sip_flow_to_handle (ev->flow), NULL, ev->error);
    return;
  }
  if (!restore && ev->flow != acc->flow)
    return;                                       /* a connection we left */
  DeviceEvent dev_ev;
  if (ev->kind == SIP_FLOW_UP) {
    acc_event_init (acc, &dev_ev, DEVICE_EVENT_FLOW_UP);
    dev_ev.server = ev->remote;
    dev_ev.detail = restore ? "restore" : sip_transport_proto_to_string (ev->proto);
    device_emit (acc->dev, &dev_ev);
    if (restore && acc->round == ROUND_NONE) {
      /* Note 5: register through the primary again. */
      acc_trace (acc, "connection to %s restored: back to the primary", addr_str (&ev->remote, b));
      acc_start_round (acc, ROUND_REFRESH, FALSE);
    }
    return;
  }

  if (restore) {
    acc->restore_flow = 0;
    if (acc->registered && !host_timer_is_pending (&acc->restore_timer))
      host_timer_start (&acc->restore_timer, acc_reconnect_wait (acc, ++acc->restore_tries));
    return;
  }
  acc->flow = 0;
  acc->dev->stats.flow_failures++;
  acc_trace (acc, "connection to %s failed: %s", addr_str (&ev->remote, b),
             sip_flow_failure_to_string (ev->failure));
  acc_event_init (acc, &dev_ev, DEVICE_EVENT_FLOW_FAILED);
  dev_ev.server = ev->remote;
  dev_ev.fail = DEVICE_FAIL_TRANSPORT;
  dev_ev.detail = sip_flow_failure_to_string (ev->failure);
  device_emit (acc->dev, &dev_ev);
  /* Note 2: a REGISTER in flight on it fails now (its outcome runs the
   * round machine from inside this call, which then owns the retry). */
  gboolean in_round = acc->round != ROUND_NONE;
  sip_txn_layer_transport_error (acc->layer, sip_flow_to_handle (ev->flow), NULL, ev->error);
  if (!in_round && acc->registered && acc->round == ROUND_NONE && acc->flow == 0
      && !host_timer_is_pending (&acc->conn_timer)) {
    SimTime wait = acc_reconnect_wait (acc, acc->conn_failures++);
    acc_trace (acc, "reconnect in %" G_GINT64_FORMAT " ms (B24, %u in a row)",
               wait / SIM_MS (1), acc->conn_failures);
    host_timer_start (&acc->conn_timer, wait);
  }
}

void
acc_on_conn_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  if (acc->round == ROUND_NONE && acc->flow == 0)
    acc_start_round (acc, acc->registered ? ROUND_REFRESH : ROUND_INITIAL, FALSE);
  acc_check_invariants (acc);
}

static void
acc_on_unreg (DeviceReg *reg, const DeviceRegResult *r, gpointer u)
{
  DeviceAccount *acc = u;
  char b[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "unregistered at %s: %s %u (B28)", addr_str (&r->server, b),
             device_reg_outcome_to_string (r->outcome), r->status);
  if (acc->old_flow) {
    sip_transport_flow_close (acc->tp, acc->old_flow);
    acc->old_flow = 0;
  }
  acc_check_invariants (acc);
}

/* Note 5 (B28): after registering through the restored primary, remove
 * the binding at the backup, over the backup's own connection. */
static void
acc_unregister_old (DeviceAccount *acc)
{
  if (acc->old_flow == 0 || sim_sockaddr_equal (&acc->old_server, &acc->server)
      || device_reg_is_busy (acc->unreg))
    return;
  SimSockAddr local;
  if (!sip_transport_flow_addrs (acc->tp, acc->old_flow, &local, NULL)) {
    acc->old_flow = 0;
    return;
  }
  DeviceRegRequest req = { 0 };
  req.server = acc->old_server;
  req.transport = acc->transport;
  req.flow = sip_flow_to_handle (acc->old_flow);
  req.via_ip = acc_local_ip (acc, acc->old_server.ip);
  req.via_port = local.port;
  req.contact_ip = acc->old_contact.ip;
  req.contact_port = acc->old_contact.port;
  req.unregister = TRUE;
  char b[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "unregister at %s (B28)", addr_str (&acc->old_server, b));
  device_reg_start (acc_leg (acc, &acc->unreg, &acc->unreg_tag), &req, acc_on_unreg, acc);
}

void
acc_conn_registered (DeviceAccount *acc, gboolean outbound, guint32 flow_timer)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  if (acc->transport == DEVICE_TRANSPORT_UDP || acc->flow == 0)
    return;
  acc->conn_failures = 0;
  host_timer_cancel (&acc->conn_timer);
  acc_unregister_old (acc);
  if (outbound) {
    /* Note 4: RFC 5626 §4.4.1, 80-100 % of the interval. */
    SimTime iv = flow_timer > 0 ? SIM_S (flow_timer) : cfg->flow_ka_interval;
    sip_transport_flow_set_keepalive (acc->tp, acc->flow, iv * 4 / 5, iv, cfg->pong_timeout);
  }
  gboolean on_primary = acc->list == NULL || acc->list->n == 0
                        || sim_sockaddr_equal (&acc->list->c[0].addr, &acc->server);
  if (on_primary || cfg->redundancy_mode != DEVICE_REDUNDANCY_PRIMARY_FIRST
      || !acc_redundancy (acc)) {
    host_timer_cancel (&acc->restore_timer);
    acc->restore_tries = 0;
    if (acc->restore_flow) {
      sip_transport_flow_close (acc->tp, acc->restore_flow);
      acc->restore_flow = 0;
    }
    return;
  }
  if (!host_timer_is_pending (&acc->restore_timer) && acc->restore_flow == 0)
    host_timer_start (&acc->restore_timer, acc_reconnect_wait (acc, 0));
}

void
acc_on_restore_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  if (acc->registered && acc->restore_flow == 0 && acc->list && acc->list->n > 0
      && !sim_sockaddr_equal (&acc->list->c[0].addr, &acc->server)) {
    char b[SIM_SOCKADDR_STRLEN];
    acc_trace (acc, "restore: try the primary %s in the background (B28)",
               addr_str (&acc->list->c[0].addr, b));
    acc->restore_flow = conn_open (acc, &acc->list->c[0].addr);
    if (acc->restore_flow == 0)
      host_timer_start (&acc->restore_timer, acc_reconnect_wait (acc, ++acc->restore_tries));
  }
  acc_check_invariants (acc);
}
