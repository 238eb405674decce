/*
 * models/device/account-keepalive.c - when an account sends keep-alives
 * and what it does when they go unanswered (B23, B40, RFC 5626).  The
 * bytes are built and the answers matched by keepalive.c.  Owns
 * acc->ka_timer and acc->ob_timer; reads outbound_active and flow_timer,
 * which account-rounds.c sets from each 2xx.
 *
 * Notes
 *
 * 1. Keep-alives (B23, B40).  Every X_KeepAliveExpires to X_KeepAliveServer
 *    (default: the registered server); options, notify and custom kinds
 *    that get no answer within keepalive_timeout count as a server failure
 *    of the registered server when redundancy is on: a FAILOVER round
 *    starts at once, replacing a refresh, remap or failback probe in
 *    flight (seed 004); an INITIAL or FAILOVER round already under way is
 *    left to finish.
 *
 * 2. RFC 5626 (outbound on and Require: outbound in the 2xx): a STUN
 *    keep-alive every 80-100 % of Flow-Timer or 24-29 s; no answer or a
 *    changed mapping is a flow failure (FAILOVER / REMAP, account-nat.c).
 *
 * 3. Invariants (account-rounds.c note 4) are checked where a keep-alive
 *    can change the account: after an outcome that acted (a mapping
 *    learnt, a failure reported, a failover).  They are not checked after
 *    the keep-alive timers (acc_on_ka_timer, acc_on_ob_timer), the B40
 *    lookup's answer (acc_on_ka_located) or an outcome that changes
 *    nothing (a raw kind's SENT, an answer without a mapping to use):
 *    that was two checks of about 220 instructions per raw keep-alive,
 *    92 % of all checks in scenarios/quick-start.ini (keep-alives every
 *    20 s).  Why that covers the same: those callbacks write no field the
 *    invariants read.  They re-arm their own timer, which was pending
 *    until it fired (the invariants ask of a pending ka_timer or ob_timer
 *    only what held while it was pending: keep-alives on, not DISABLED, a
 *    UDP account; a flow timer not re-armed has outbound off, the only
 *    case that needs it pending), bump counters, emit an event and hand
 *    the send to keepalive.c, whose items and transactions are not part
 *    of the account's state and whose outcomes come back through
 *    acc_on_ka from the event loop (keepalive.c note 3).  The locator's
 *    request for B40 is not kept by the account.  So the account after
 *    them is the one the last checked callback left, and a broken
 *    invariant still aborts at the end of the callback that broke it.
 */
#include "models/device/account-private.h"
#include "models/device/timing.h"

/* ---------------------------------------------------------- keep-alive */

/* Who a SIP keep-alive toward @to is from (Via, Contact: B39).  Only the
 * SIP kinds read it (keepalive.h): the raw and STUN kinds, a keep-alive
 * every few seconds on most phones, skip the route lookup behind
 * acc_local_ip(). */
static void
acc_ka_identity (DeviceAccount *acc, const SimSockAddr *to, DeviceKaIdentity *id)
{
  SimSockAddr contact;
  acc_contact_for (acc, to->ip, &contact);
  *id = (DeviceKaIdentity) {
    .user = acc->user, .domain = acc->domain,
    .via_ip = acc_local_ip (acc, to->ip), .via_port = acc->local.port,
    .contact_ip = contact.ip, .contact_port = contact.port,
    .flow = NULL,                                    /* UDP: the account's socket */
    .user_agent = acc->dev->cfg->user_agent && acc->dev->cfg->user_agent[0]
                  ? acc->dev->cfg->user_agent : NULL,
  };
}

/* The outcome of one keep-alive (keepalive.h).  FALSE if it changed
 * nothing (note 3). */
static gboolean
acc_ka_outcome (DeviceAccount *acc, const DeviceKaResult *r)
{
  if (r->outcome == DEVICE_KA_ANSWERED && r->mapped_known) {
    /* B39, issue 14 item 5: the address the registrar sees (rport of its
     * 2xx) is the one its binding routes inbound requests to.  A STUN
     * server elsewhere may see another one (an address-dependent NAT maps
     * each destination apart); it never overrides the registrar's. */
    if (acc->mapped_by_registrar && !sim_sockaddr_equal (&r->to, &acc->server)) {
      char b[SIM_SOCKADDR_STRLEN], b2[SIM_SOCKADDR_STRLEN], b3[SIM_SOCKADDR_STRLEN];
      if (!sim_sockaddr_equal (&r->mapped, &acc->mapped))
        acc_trace (acc, "stun mapping %s from %s not used: the registrar sees %s",
                   addr_str (&r->mapped, b), addr_str (&r->to, b2),
                   addr_str (&acc->mapped, b3));
      return FALSE;
    }
    acc_on_mapped (acc, &r->mapped, "stun", TRUE);     /* B39 */
    return TRUE;
  }
  if (r->outcome != DEVICE_KA_NO_ANSWER && r->outcome != DEVICE_KA_ERROR)
    return FALSE;
  gboolean flow = r->type == DEVICE_KA_STUN && acc->outbound_active;
  gboolean sip = r->type == DEVICE_KA_OPTIONS || r->type == DEVICE_KA_NOTIFY
                 || r->type == DEVICE_KA_CUSTOM;
  if (!flow && !sip)
    return FALSE;
  char b[SIM_SOCKADDR_STRLEN];
  acc->dev->stats.keepalives_failed++;
  acc_trace (acc, "keep-alive %s to %s got no answer", device_ka_type_to_string (r->type),
             addr_str (&r->to, b));
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_KA_FAILED);
  ev.server = r->to;
  ev.fail = r->outcome == DEVICE_KA_ERROR ? DEVICE_FAIL_TRANSPORT : DEVICE_FAIL_TIMEOUT;
  ev.detail = device_ka_type_to_string (r->type);
  device_emit (acc->dev, &ev);
  /* B23: with redundancy on, no answer is a failure of the server in use;
   * RFC 5626 §4.4.2: a failed flow is re-created (here: re-registered).
   * Seed 004 ("no response ... will trigger a proxy failover") makes no
   * exception for a refresh or a failback probe in flight: the failover
   * replaces them at once rather than waiting for their own Timer F
   * (issue 14 item 3).  Only a round that is already moving away (INITIAL,
   * FAILOVER) is left alone. */
  gboolean movable = acc->round == ROUND_NONE || acc->round == ROUND_REFRESH
                     || acc->round == ROUND_REMAP || acc->round == ROUND_PROBE;
  if (acc->registered && movable && sim_sockaddr_equal (&r->to, &acc->server)
      && (flow || (acc->cfg->redundancy && acc_redundancy (acc))))
    acc_failover (acc, &acc->server);
  return TRUE;
}

static void
acc_on_ka (DeviceKeepAlive *ka, const DeviceKaResult *r, gpointer u)
{
  DeviceAccount *acc = u;
  (void) ka;
  if (acc_ka_outcome (acc, r))
    acc_check_invariants (acc);                      /* note 3 */
}

static void
acc_send_ka (DeviceAccount *acc, DeviceKeepAliveType type, const SimSockAddr *to)
{
  DeviceKaIdentity id = { 0 };
  if (type == DEVICE_KA_OPTIONS || type == DEVICE_KA_NOTIFY || type == DEVICE_KA_CUSTOM)
    acc_ka_identity (acc, to, &id);
  /* "keep-alive %s to %s" in pieces: the address is formatted only when
   * the trace is read (one of the most frequent lines). */
  SimHost *h = acc_host (acc);
  acc_trace_begin (acc);
  host_trace_lit (h, "keep-alive ");
  host_trace_static (h, device_ka_type_to_string (type));
  host_trace_lit (h, " to ");
  host_trace_sockaddr (h, to);
  host_trace_end (h);
  acc->dev->stats.keepalives_sent++;
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_KEEPALIVE);
  ev.server = *to;
  ev.detail = device_ka_type_to_string (type);
  device_emit (acc->dev, &ev);
  device_ka_send (acc->ka, type, &acc->ka_custom, to, &id, acc->cfg->ka_timeout, acc_on_ka, acc);
}

static void
acc_on_ka_located (DeviceLocateRequest *req, DeviceServerList *list, gpointer u)
{
  DeviceAccount *acc = u;
  (void) req;
  if (list->status == DEVICE_LOCATE_OK && list->n > 0)
    acc_send_ka (acc, acc->cfg->ka_type, &list->c[0].addr);
  else
    acc_trace (acc, "keep-alive server %s did not resolve", acc->cfg->ka_server);
  device_server_list_free (list);
  /* no invariant check: nothing of the account changed (note 3) */
}

void
acc_on_ka_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  const DeviceAccountConfig *cfg = acc->cfg;
  host_timer_start (&acc->ka_timer, cfg->ka_period);
  if (cfg->ka_server && cfg->ka_server[0]) {
    /* B40: X_KeepAliveServer, looked up like any server (A, cached). */
    device_locator_resolve (acc->dev->locator, cfg->ka_server,
                            cfg->ka_server_port ? cfg->ka_server_port : 5060,
                            DEVICE_LOOKUP_RFC3263, cfg->dns_cache, FALSE, acc_on_ka_located, acc);
  } else if (acc->has_server) {
    /* Default: where REGISTER goes (B39, B40). */
    SimSockAddr to = acc->server;
    if (cfg->ka_server_port)
      to.port = cfg->ka_server_port;
    acc_send_ka (acc, cfg->ka_type, &to);
  }
  /* no invariant check: nothing the invariants read changed (note 3) */
}

void
acc_on_ob_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  if (acc->outbound_active && acc->has_server) {
    host_timer_start (&acc->ob_timer, device_outbound_ka_interval (&acc->rng, acc->flow_timer));
    acc_send_ka (acc, DEVICE_KA_STUN, &acc->server);   /* RFC 5626 §4.4.2 */
  }
  /* no invariant check: nothing the invariants read changed (note 3) */
}
