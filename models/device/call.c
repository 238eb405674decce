/*
 * models/device/call.c - an account's calls (issue 16): where an INVITE
 * goes, what happens to it, and incoming calls.  The SIP of a call (INVITE,
 * ACK, BYE, CANCEL, the 2xx retransmission) is the dialog layer's
 * (models/sip/dialog.h); this file decides.  Owns acc->dialogs and
 * acc->calls; reads the registration fields (server, trying, list) and
 * never writes them.
 *
 * Notes
 *
 * 1. Where the INVITE goes.
 *      B22  the server the account registers with (acc->server; before
 *           the first 2xx, the one it is trying).  With an outbound proxy
 *           that is the outbound proxy in use (B11: the lookup follows it).
 *      B25  primary_first mode with redundancy (Aastra): every INVITE
 *           tries the primary first and walks the candidate list down on
 *           a server failure (Timer B, a transport error, 503 or a listed
 *           code, B38) with a new INVITE; a candidate blocked by
 *           Retry-After (B7) is skipped.  Toward the backup registrar the
 *           From is the backup AOR (device_acc_aor_domain).
 *    Timer B of a call is the account's transaction timer ("sip
 *    transaction timer": Aastra's 4 s, 64*T1 elsewhere): the manuals give
 *    one timer for every transaction with the server.
 *
 * 2. In-dialog requests (ACK to 2xx, BYE; dialog.h note 2).  With an
 *    outbound proxy they go to the outbound proxy in use, carrying the
 *    route set (B24), unless X_BypassOutboundProxyInCall, which makes them
 *    follow the route set (RFC 3261 §12.2.1.1: the first Route, else the
 *    remote target).  Without an outbound proxy they follow the route
 *    set.  A next hop that is a domain name (no DNS on this path) goes to
 *    the server in use.  Over TCP/TLS (ProxyServerTransport or
 *    OutboundProxyTransport) one connection carries everything (B24,
 *    account-conn.c note 1): the INVITE and every in-dialog request go
 *    down the account's connection to the server in use, so the switch has
 *    no effect (B24: "no effect when the outbound proxy transport is TCP
 *    or TLS"), and an incoming call is answered on the flow it came on.
 *
 * 3. Incoming INVITEs follow call_answer: busy leaves them to device.c
 *    (180 + 486, as before issue 16); answer and ring make a call here.
 *
 * 4. A call ends exactly once, with FAILED (never established), ENDED or
 *    LOST (device.h DeviceCallPhase); it is then freed.  The caller's
 *    setup timer (call_setup_timeout) cancels an unanswered call; the
 *    hold timer hangs up an established one.
 *
 * 5. Invariants (device_calls_invariant_violation, part of the account's,
 *    asserted at the end of every callback): every call in acc->calls has
 *    a dialog, and the dialog is not TERMINATED; an established call has
 *    a CONFIRMED or TERMINATING dialog and no setup timer; an outgoing
 *    call's cursor is within the list it walks.
 */
#include <string.h>

#include "models/device/account-private.h"
#include "models/sip/builder.h"

struct DeviceCall {
  DeviceAccount *acc;
  guint          id;
  gboolean       incoming;
  SipDialog     *dlg;
  char          *request_uri;     /* outgoing */
  SimTime        hold;            /* outgoing: hang up this long after the answer; 0 never */
  gboolean       walk;            /* B25: walks acc->list */
  guint          cursor;          /* B25: the candidate tried */
  SimSockAddr    server;          /* where the INVITE went */
  gboolean       established;
  HostTimer      setup_timer;     /* outgoing: call_setup_timeout; incoming: the ring time */
  HostTimer      hold_timer;
  HostTimer      fail_timer;      /* a call that cannot start fails from the loop */
};

const char *
device_call_phase_to_string (DeviceCallPhase p)
{
  switch (p) {
  case DEVICE_CALL_STARTED:     return "started";
  case DEVICE_CALL_RETRIED:     return "retried";
  case DEVICE_CALL_RINGING:     return "ringing";
  case DEVICE_CALL_ESTABLISHED: return "established";
  case DEVICE_CALL_FAILED:      return "failed";
  case DEVICE_CALL_ENDED:       return "ended";
  case DEVICE_CALL_LOST:        return "lost";
  default:                      return "?";
  }
}

/* ------------------------------------------------------------ helpers */

gboolean
device_acc_request_server (const DeviceAccount *acc, SimSockAddr *out)
{
  if (acc->has_server && (acc->registered || !acc->has_trying)) {
    *out = acc->server;
    return TRUE;
  }
  if (acc->has_trying) {
    *out = acc->trying;
    return TRUE;
  }
  return FALSE;
}

const char *
device_acc_aor_domain (const DeviceAccount *acc, const SimSockAddr *server)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  SimIp4 bip;
  if (server && cfg->backup_registrar && cfg->backup_registrar[0]
      && sim_ip4_parse (cfg->backup_registrar, &bip) && bip != SIM_IP4_ANY) {
    SimSockAddr ba = { bip, cfg->backup_registrar_port ? cfg->backup_registrar_port : 5060 };
    if (sim_sockaddr_equal (&ba, server))
      return cfg->backup_registrar;
  }
  return acc->domain;
}

static void
call_emit (DeviceCall *c, DeviceCallPhase phase, guint status)
{
  DeviceAccount *acc = c->acc;
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_CALL);
  ev.call_id = c->id;
  ev.call_phase = phase;
  ev.incoming = c->incoming;
  ev.server = c->server;
  ev.status = status;
  ev.detail = device_call_phase_to_string (phase);
  char buf[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "call %u %s %s %s %u", c->id, c->incoming ? "in" : "out",
             device_call_phase_to_string (phase), sim_sockaddr_to_string (&c->server, buf),
             status);
  DeviceStats *st = &acc->dev->stats;
  switch (phase) {
  case DEVICE_CALL_STARTED:     if (c->incoming) st->calls_incoming++; else st->calls_started++; break;
  case DEVICE_CALL_ESTABLISHED: st->calls_established++; break;
  case DEVICE_CALL_FAILED:      st->calls_failed++; break;
  case DEVICE_CALL_ENDED:       st->calls_ended++; break;
  case DEVICE_CALL_LOST:        st->calls_lost++; break;
  default: break;
  }
  device_emit (acc->dev, &ev);
}

static void
call_free (DeviceCall *c)
{
  host_timer_cancel (&c->setup_timer);
  host_timer_cancel (&c->hold_timer);
  host_timer_cancel (&c->fail_timer);
  sip_dialog_free (c->dlg);
  g_free (c->request_uri);
  g_free (c);
}

/* The call is over (note 4): out of the list, reported, freed. */
static void
call_over (DeviceCall *c, DeviceCallPhase phase, guint status)
{
  DeviceAccount *acc = c->acc;
  g_ptr_array_remove (acc->calls, c);
  call_emit (c, phase, status);
  call_free (c);
}

/* Dialog config for a call toward @server over @hop (via and contact as
 * REGISTER: acc_hop_for). */
static void
call_dialog_config (DeviceCall *c, const SimSockAddr *server, const AccHop *hop,
                    SipDialogConfig *cfg, char **strings)
{
  DeviceAccount *acc = c->acc;
  char cip[SIM_IP4_STRLEN], vip[SIM_IP4_STRLEN];
  sim_ip4_to_string (hop->contact.ip, cip);
  sim_ip4_to_string (acc_local_ip (acc, server->ip), vip);
  strings[0] = g_strdup_printf ("sip:%s@%s", acc->user, device_acc_aor_domain (acc, server));
  strings[1] = g_strdup_printf ("sip:%s@%s:%u%s", acc->user, cip, hop->contact.port,
                                hop->contact_param);
  strings[2] = g_strdup (vip);
  const char *ua = acc->dev->cfg->user_agent;
  *cfg = (SipDialogConfig) {
    .local_uri = strings[0], .contact_uri = strings[1], .via_host = strings[2],
    .via_port = hop->via_port, .via_transport = hop->via_transport, .rport = acc->cfg->rport,
    .user_agent = ua && ua[0] ? ua : NULL,
    .txn = { .t1 = acc->cfg->t1, .t2 = acc->cfg->t2,
             .timer_b = acc->cfg->transaction_timeout, .timer_f = acc->cfg->transaction_timeout },
  };
}

/* Note 2. */
static gboolean
call_next_hop (SipDialog *d, const SipUri *uri, SipTxnPeer *out, gpointer u)
{
  DeviceCall *c = u;
  DeviceAccount *acc = c->acc;
  (void) d;
  const DeviceAccountConfig *cfg = acc->cfg;
  gboolean obp = cfg->outbound_proxy && cfg->outbound_proxy[0];
  /* B24: over TCP/TLS the account's one connection carries everything, so
   * X_BypassOutboundProxyInCall has no effect there. */
  gboolean follow_route = acc->transport == DEVICE_TRANSPORT_UDP
                          && (!obp || cfg->bypass_obp_in_call);
  SimSockAddr to = { 0 };
  gboolean found = FALSE;
  if (follow_route && uri->host_type == SIP_HOST_IPV4) {
    g_autofree char *h = sip_str_dup (uri->host);
    if (sim_ip4_parse (h, &to.ip)) {
      to.port = uri->port ? uri->port : 5060;
      found = TRUE;
    }
  }
  /* Through the server in use (B22: the outbound proxy in use), else
   * where the INVITE went. */
  if (!found && !device_acc_request_server (acc, &to))
    to = c->server;
  AccHop hop;
  acc_hop_for (acc, &to, NULL, &hop);
  *out = hop.peer;
  return TRUE;
}

static void call_on_dialog (SipDialog *d, const SipDialogEvent *ev, gpointer u);

/* B38/B25: a failure that moves the INVITE to the next server. */
static gboolean
server_failure (DeviceAccount *acc, const SipDialogEvent *ev)
{
  if (ev->outcome != SIP_TXN_RESPONSE)
    return TRUE;                                /* Timer B, transport error */
  return device_status_is_server_failure (acc->cfg, ev->status);
}

/* The next server for @c (note 1); FALSE if none is left. */
static gboolean
call_pick_server (DeviceCall *c, SimSockAddr *out)
{
  DeviceAccount *acc = c->acc;
  if (c->walk) {
    while (acc->list && c->cursor < acc->list->n) {
      const SimSockAddr *a = &acc->list->c[c->cursor].addr;
      if (!acc_is_blocked (acc, a)) {
        *out = *a;
        return TRUE;
      }
      c->cursor++;
    }
    return FALSE;
  }
  return device_acc_request_server (acc, out);
}

static SipDialogSet *acc_dialogs (DeviceAccount *acc);

static void
call_send_invite (DeviceCall *c)
{
  DeviceAccount *acc = c->acc;
  SipDialogConfig cfg;
  char *strings[3];
  AccHop hop;
  acc_hop_for (acc, &c->server, NULL, &hop);     /* over TCP/TLS: the connection (B24) */
  call_dialog_config (c, &c->server, &hop, &cfg, strings);
  SipDialogFuncs f = { .event = call_on_dialog, .next_hop = call_next_hop };
  c->dlg = sip_dialog_new_uac (acc_dialogs (acc), &cfg, c->request_uri, NULL, &hop.peer, &f, c);
  for (guint i = 0; i < 3; i++)
    g_free (strings[i]);
}

static void
call_on_setup_timer (HostTimer *t, gpointer u)
{
  DeviceCall *c = u;
  DeviceAccount *acc = c->acc;
  (void) t;
  if (c->incoming) {
    sip_dialog_answer (c->dlg);                 /* the ring time is over */
  } else {
    acc_trace (acc, "call %u: no answer after %" G_GINT64_FORMAT " s: cancel", c->id,
               acc->cfg->call_setup_timeout / SIM_S (1));
    sip_dialog_cancel (c->dlg);
  }
  acc_check_invariants (acc);
}

static void
call_on_hold_timer (HostTimer *t, gpointer u)
{
  DeviceCall *c = u;
  (void) t;
  sip_dialog_hangup (c->dlg);
  acc_check_invariants (c->acc);
}

static void
call_on_fail_timer (HostTimer *t, gpointer u)
{
  DeviceCall *c = u;
  DeviceAccount *acc = c->acc;
  (void) t;
  /* An attempt all the same (doc/metrics.md call_attempts): started and
   * failed at one instant, with no server. */
  call_emit (c, DEVICE_CALL_STARTED, 0);
  call_over (c, DEVICE_CALL_FAILED, 0);
  acc_check_invariants (acc);
}

static void
call_on_dialog (SipDialog *d, const SipDialogEvent *ev, gpointer u)
{
  DeviceCall *c = u;
  DeviceAccount *acc = c->acc;
  g_assert (d == c->dlg);
  switch (ev->kind) {
  case SIP_DIALOG_EV_PROGRESS:
    if (ev->status == 180 || ev->status == 183)
      call_emit (c, DEVICE_CALL_RINGING, ev->status);
    break;
  case SIP_DIALOG_EV_ANSWERED:
    c->established = TRUE;
    host_timer_cancel (&c->setup_timer);
    call_emit (c, DEVICE_CALL_ESTABLISHED, ev->status);
    if (!c->incoming && c->hold > 0)
      host_timer_start (&c->hold_timer, c->hold);
    break;
  case SIP_DIALOG_EV_FAILED:
    sip_dialog_free (g_steal_pointer (&c->dlg));
    if (!c->incoming && c->walk && server_failure (acc, ev)) {
      c->cursor++;
      if (call_pick_server (c, &c->server)) {
        call_send_invite (c);
        call_emit (c, DEVICE_CALL_RETRIED, ev->status);
        break;
      }
    }
    call_over (c, DEVICE_CALL_FAILED, ev->status);
    break;
  case SIP_DIALOG_EV_ENDED:
    sip_dialog_free (g_steal_pointer (&c->dlg));
    if (ev->end == SIP_DIALOG_END_BYE_FAILED || ev->end == SIP_DIALOG_END_NO_ACK)
      call_over (c, DEVICE_CALL_LOST, ev->status);
    else
      call_over (c, DEVICE_CALL_ENDED, ev->status);
    break;
  default:
    break;
  }
  acc_check_invariants (acc);
}

static DeviceCall *
call_new (DeviceAccount *acc, gboolean incoming)
{
  DeviceCall *c = g_new0 (DeviceCall, 1);
  c->acc = acc;
  c->id = ++acc->dev->next_call_id;
  c->incoming = incoming;
  host_timer_init (acc_host (acc), &c->setup_timer, call_on_setup_timer, c);
  host_timer_init (acc_host (acc), &c->hold_timer, call_on_hold_timer, c);
  host_timer_init (acc_host (acc), &c->fail_timer, call_on_fail_timer, c);
  return c;
}

/* --------------------------------------------------------------- API */

guint
device_call_start (Device *dev, guint n, const char *callee, SimTime hold)
{
  g_return_val_if_fail (dev != NULL && n >= 1 && n <= DEVICE_MAX_ACCOUNTS && callee, 0);
  DeviceAccount *acc = dev->accounts[n - 1];
  if (acc == NULL)
    return 0;
  DeviceCall *c = call_new (acc, FALSE);
  c->hold = hold;
  c->walk = acc->cfg->redundancy_mode == DEVICE_REDUNDANCY_PRIMARY_FIRST && acc_redundancy (acc);
  gboolean have = call_pick_server (c, &c->server);
  const char *domain = device_acc_aor_domain (acc, have ? &c->server : NULL);
  c->request_uri = g_str_has_prefix (callee, "sip:") ? g_strdup (callee)
                                                     : g_strdup_printf ("sip:%s@%s", callee, domain);
  g_ptr_array_add (acc->calls, c);
  if (!have) {
    /* Nowhere to send (not registered, nothing tried yet): fails from the
     * loop (nothing calls back from inside an API call). */
    acc_trace (acc, "call %u to %s: no server", c->id, c->request_uri);
    host_timer_start (&c->fail_timer, 0);
    return c->id;
  }
  call_send_invite (c);
  call_emit (c, DEVICE_CALL_STARTED, 0);
  host_timer_start (&c->setup_timer, acc->cfg->call_setup_timeout);
  return c->id;
}

static DeviceCall *
find_call (const Device *dev, guint id)
{
  for (guint i = 0; i < DEVICE_MAX_ACCOUNTS; i++) {
    DeviceAccount *acc = dev->accounts[i];
    for (guint k = 0; acc && k < acc->calls->len; k++) {
      DeviceCall *c = acc->calls->pdata[k];
      if (c->id == id)
        return c;
    }
  }
  return NULL;
}

void
device_call_hangup (Device *dev, guint call_id)
{
  g_return_if_fail (dev != NULL);
  DeviceCall *c = find_call (dev, call_id);
  if (c == NULL || c->dlg == NULL)
    return;
  host_timer_cancel (&c->hold_timer);
  sip_dialog_hangup (c->dlg);
}

guint
device_call_count (const Device *dev)
{
  guint n = 0;
  for (guint i = 0; i < DEVICE_MAX_ACCOUNTS; i++)
    if (dev->accounts[i])
      n += dev->accounts[i]->calls->len;
  return n;
}

/* ----------------------------------------------------- account glue */

/* The account's dialog set, made the first time anything needs it (a
 * call, or a request, ACK or response for the dialog layer): most phones
 * of a run never see one, and an empty set costs about 360 bytes
 * (issue 17).  Making it draws nothing, so when it is made cannot change
 * a run. */
static SipDialogSet *
acc_dialogs (DeviceAccount *acc)
{
  if (acc->dialogs == NULL)
    acc->dialogs = sip_dialog_set_new (acc->layer, &acc->rng);
  return acc->dialogs;
}

void
device_calls_init (DeviceAccount *acc)
{
  acc->dialogs = NULL;                            /* acc_dialogs() */
  acc->calls = g_ptr_array_new ();
}

void
device_calls_clear (DeviceAccount *acc)
{
  if (acc->calls) {
    for (guint i = 0; i < acc->calls->len; i++)
      call_free (acc->calls->pdata[i]);
    g_ptr_array_free (acc->calls, TRUE);
    acc->calls = NULL;
  }
  sip_dialog_set_free (g_steal_pointer (&acc->dialogs));
}

gboolean
device_calls_on_request (DeviceAccount *acc, SipTxn *txn, SipMsg *request,
                         const SipTxnPeer *from)
{
  /* Without a set yet, the set would take only a CANCEL or a request with
   * a To tag (sip_dialog_set_request: 481 to an unknown dialog); anything
   * else (the registrar's OPTIONS probes) does not need one made. */
  const SipNameAddr *to = sip_msg_to (request);
  gboolean for_set = sip_msg_method (request) == SIP_METHOD_CANCEL
                     || (to != NULL && sip_str_present (to->tag));
  if ((acc->dialogs || for_set)
      && sip_dialog_set_request (acc_dialogs (acc), txn, request, from))
    return TRUE;
  if (sip_msg_method (request) != SIP_METHOD_INVITE || acc->cfg->call_answer == DEVICE_CALL_BUSY)
    return FALSE;                                 /* note 3 */
  DeviceCall *c = call_new (acc, TRUE);
  c->server = from->addr;
  SimSockAddr toward = from->addr;
  SipDialogConfig cfg;
  char *strings[3];
  AccHop hop;
  acc_hop_for (acc, &toward, from, &hop);        /* answered where it came from */
  call_dialog_config (c, &toward, &hop, &cfg, strings);
  SipDialogFuncs f = { .event = call_on_dialog, .next_hop = call_next_hop };
  c->dlg = sip_dialog_new_uas (acc_dialogs (acc), &cfg, txn, request, from, &f, c);
  for (guint i = 0; i < 3; i++)
    g_free (strings[i]);
  g_ptr_array_add (acc->calls, c);
  call_emit (c, DEVICE_CALL_STARTED, 0);
  sip_dialog_ring (c->dlg);
  call_emit (c, DEVICE_CALL_RINGING, 180);
  if (acc->cfg->call_answer == DEVICE_CALL_ANSWER)
    host_timer_start (&c->setup_timer, acc->cfg->call_ring_time);
  return TRUE;
}

void
device_calls_on_ack (DeviceAccount *acc, SipMsg *ack, const SipTxnPeer *from)
{
  if (acc->dialogs)                               /* none: no dialog to find */
    sip_dialog_set_ack (acc->dialogs, ack, from);
}

void
device_calls_on_stray (DeviceAccount *acc, SipMsg *resp, const SipTxnPeer *from)
{
  if (acc->dialogs)                               /* none: no dialog to find */
    sip_dialog_set_stray_response (acc->dialogs, resp, from);
}

const char *
device_calls_invariant_violation (const DeviceAccount *acc)
{
  if (acc->calls == NULL)
    return NULL;
  for (guint i = 0; i < acc->calls->len; i++) {
    const DeviceCall *c = acc->calls->pdata[i];
    if (c->dlg == NULL) {
      if (!host_timer_is_pending (&c->fail_timer))
        return "call: a live call has a dialog (or is failing from the loop)";
      continue;
    }
    SipDialogState s = sip_dialog_get_state (c->dlg);
    if (s == SIP_DIALOG_TERMINATED)
      return "call: a live call's dialog is not TERMINATED";
    if (c->established && s != SIP_DIALOG_CONFIRMED && s != SIP_DIALOG_TERMINATING)
      return "call: an established call's dialog is CONFIRMED or TERMINATING";
    if (c->established && host_timer_is_pending (&c->setup_timer))
      return "call: no setup timer once established";
    if (c->walk && acc->list && c->cursor >= acc->list->n)
      return "call: the B25 walk is within the candidate list";
  }
  return NULL;
}
