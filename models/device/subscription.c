/*
 * models/device/subscription.c - the account's message-summary
 * subscription (RFC 6665, RFC 3842 event package), with mwi_subscribe on.
 * Owns acc->sub.  B-rules: B22 (SUBSCRIBE goes to the server the account
 * registers with), B25 (with the backup in use the subscription moves to
 * it, with the backup AOR, and back when the primary returns), B29 (the
 * waits after a failure).
 *
 * Notes
 *
 * 1. When.  Every 2xx to REGISTER, and every change of the server in use
 *    (a B21 promotion has no 2xx of its own), calls
 *    device_sub_on_registered with the server in use.  No subscription yet: SUBSCRIBE there.  One at another
 *    server: it MOVES (a new subscription, new Call-ID, at the new server;
 *    the old one is left to expire, as B25 says nothing of unsubscribing).
 *    Same server: nothing (the refresh timer runs).
 *
 * 2. Refresh.  A 2xx grants Expires E (the response's Expires, else what
 *    was asked); the refresh goes at the B5 point of E
 *    (device_refresh_delay: the same lead as REGISTER), in the dialog (To
 *    tag), to the server in use (B22).  The subscription lapses at E with
 *    no successful refresh (EXPIRED).
 *
 * 3. Failure.  481 (the notifier lost the subscription, e.g. a proxy
 *    restart): a new subscription at once.  408, 503 or no answer (Timer
 *    F = the account's transaction timer) or a transport error: wait
 *    `sip subscription timeout retry timer`; any other error: wait `sip
 *    subscription failed retry timer` (B29).  A timer left 0 "is not
 *    used": the timeout case falls back to the failed timer, and that to
 *    30 s (BEHAVIOUR.md has no value for "not used" [U]).
 *
 * 4. Invariants (device_sub_invariant_violation, part of the account's):
 *    active iff the expiry timer is pending; with a server known, a
 *    SUBSCRIBE is in flight or the next timer is pending (the
 *    subscription always knows what comes next), never both.
 */
#include <string.h>

#include "models/device/account-private.h"
#include "models/device/timing.h"
#include "models/sip/builder.h"

#define SUB_DEFAULT_RETRY SIM_S (30)   /* note 3 [U] */

struct DeviceSub {
  DeviceAccount *acc;
  SipTxn        *txn;             /* SUBSCRIBE in flight */
  gboolean       active;
  gboolean       has_server;
  SimSockAddr    server;
  char          *call_id, *local_tag, *remote_tag;
  guint32        cseq;
  HostTimer      next_timer;      /* refresh or retry */
  HostTimer      expiry_timer;
};

const char *
device_sub_phase_to_string (DeviceSubPhase p)
{
  switch (p) {
  case DEVICE_SUB_SENT:    return "sent";
  case DEVICE_SUB_ACTIVE:  return "active";
  case DEVICE_SUB_NOTIFY:  return "notify";
  case DEVICE_SUB_FAILED:  return "failed";
  case DEVICE_SUB_MOVED:   return "moved";
  case DEVICE_SUB_EXPIRED: return "expired";
  default:                 return "?";
  }
}

static void
sub_emit (DeviceSub *s, DeviceSubPhase phase, guint status, guint32 expires)
{
  DeviceAccount *acc = s->acc;
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_SUBSCRIPTION);
  ev.sub_phase = phase;
  ev.server = s->server;
  ev.status = status;
  ev.expires = expires;
  ev.detail = device_sub_phase_to_string (phase);
  char buf[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "sub %s %s %u", device_sub_phase_to_string (phase),
             sim_sockaddr_to_string (&s->server, buf), status);
  device_emit (acc->dev, &ev);
}

/* A new subscription: new Call-ID and tag, no dialog yet. */
static void
sub_reset_dialog (DeviceSub *s)
{
  DeviceAccount *acc = s->acc;
  char ip[SIM_IP4_STRLEN];
  sim_ip4_to_string (acc_local_ip (acc, s->server.ip), ip);
  g_free (s->call_id);
  g_free (s->local_tag);
  g_clear_pointer (&s->remote_tag, g_free);
  s->call_id = sip_gen_call_id (&acc->rng, ip);
  s->local_tag = sip_gen_tag (&acc->rng);
  s->cseq = 0;
}

static void sub_on_txn (SipTxn *txn, const SipTxnEvent *ev, gpointer u);

static void
sub_send (DeviceSub *s)
{
  DeviceAccount *acc = s->acc;
  const DeviceAccountConfig *cfg = acc->cfg;
  host_timer_cancel (&s->next_timer);
  const char *domain = device_acc_aor_domain (acc, &s->server);
  AccHop hop;
  acc_hop_for (acc, &s->server, NULL, &hop);     /* over TCP/TLS: the connection (B24) */
  char vip[SIM_IP4_STRLEN], cip[SIM_IP4_STRLEN];
  sim_ip4_to_string (acc_local_ip (acc, s->server.ip), vip);
  sim_ip4_to_string (hop.contact.ip, cip);
  g_autofree char *branch = sip_gen_branch (&acc->rng);
  g_autofree char *ruri = g_strdup_printf ("sip:%s@%s", acc->user, domain);
  SipBuilder *b = sip_builder_request (SIP_METHOD_SUBSCRIBE, NULL, ruri);
  sip_builder_add_via (b, hop.via_transport, vip, hop.via_port, branch, cfg->rport);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_add (b, "From", "<%s>;tag=%s", ruri, s->local_tag);
  if (s->remote_tag)
    sip_builder_add (b, "To", "<%s>;tag=%s", ruri, s->remote_tag);
  else
    sip_builder_add (b, "To", "<%s>", ruri);
  sip_builder_add (b, "Call-ID", "%s", s->call_id);
  sip_builder_add (b, "CSeq", "%u SUBSCRIBE", ++s->cseq);
  sip_builder_add (b, "Contact", "<sip:%s@%s:%u%s>", acc->user, cip, hop.contact.port,
                   hop.contact_param);
  sip_builder_add (b, "Event", "message-summary");
  sip_builder_add (b, "Accept", "application/simple-message-summary");
  sip_builder_add (b, "Expires", "%u", cfg->mwi_expires);
  const char *ua = acc->dev->cfg->user_agent;
  if (ua && ua[0])
    sip_builder_add (b, "User-Agent", "%s", ua);
  g_autoptr (SipMsg) msg = sip_builder_finish_msg (b);
  SipTxnConfig tc = { .t1 = cfg->t1, .t2 = cfg->t2, .timer_f = cfg->transaction_timeout };
  s->txn = sip_txn_client_new (acc->layer, msg, &hop.peer, &tc, sub_on_txn, s);
  acc->dev->stats.subscribes_sent++;
  sub_emit (s, DEVICE_SUB_SENT, 0, cfg->mwi_expires);
}

/* Note 3 (B29). */
static SimTime
sub_retry_wait (const DeviceAccountConfig *cfg, guint status)
{
  gboolean timeout = status == 0 || status == 408 || status == 503;
  if (timeout && cfg->sub_timeout_retry > 0)
    return cfg->sub_timeout_retry;
  if (cfg->sub_failed_retry > 0)
    return cfg->sub_failed_retry;
  return SUB_DEFAULT_RETRY;
}

static void
sub_on_txn (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  DeviceSub *s = u;
  DeviceAccount *acc = s->acc;
  guint status = 0;
  switch (ev->outcome) {
  case SIP_TXN_RESPONSE:
    if (ev->status < 200)
      return;
    status = ev->status;
    break;
  case SIP_TXN_TIMEOUT:
  case SIP_TXN_TRANSPORT_ERROR:
    break;
  case SIP_TXN_TERMINATED:
  default:
    if (s->txn == txn)
      s->txn = NULL;
    return;
  }
  sip_txn_set_func (txn, NULL, NULL);
  s->txn = NULL;
  if (status >= 200 && status < 300) {
    const SipNameAddr *to = sip_msg_to (ev->msg);
    if (s->remote_tag == NULL && to && sip_str_present (to->tag))
      s->remote_tag = sip_str_dup (to->tag);
    gint64 e = sip_msg_expires (ev->msg);
    guint32 granted = e >= 0 ? (guint32) e : acc->cfg->mwi_expires;
    s->active = granted > 0;
    if (s->active)
      host_timer_start (&s->expiry_timer, SIM_S (granted));
    host_timer_start (&s->next_timer, device_refresh_delay (acc->cfg, granted));
    sub_emit (s, DEVICE_SUB_ACTIVE, status, granted);
  } else {
    acc->dev->stats.subscribe_failures++;
    sub_emit (s, DEVICE_SUB_FAILED, status, 0);
    if (status == 481) {
      /* RFC 6665 §4.1.2.2: the subscription is gone; make a new one. */
      sub_reset_dialog (s);
      host_timer_start (&s->next_timer, 0);
    } else {
      host_timer_start (&s->next_timer, sub_retry_wait (acc->cfg, status));
    }
  }
  acc_check_invariants (acc);
}

static void
sub_on_next_timer (HostTimer *t, gpointer u)
{
  DeviceSub *s = u;
  (void) t;
  /* B22: the refresh goes to the server in use now. */
  SimSockAddr now;
  if (device_acc_request_server (s->acc, &now) && !sim_sockaddr_equal (&now, &s->server)) {
    s->server = now;
    sub_reset_dialog (s);
  }
  sub_send (s);
  acc_check_invariants (s->acc);
}

static void
sub_on_expiry (HostTimer *t, gpointer u)
{
  DeviceSub *s = u;
  (void) t;
  s->active = FALSE;
  sub_emit (s, DEVICE_SUB_EXPIRED, 0, 0);
  acc_check_invariants (s->acc);
}

/* ----------------------------------------------------- account glue */

void
device_sub_init (DeviceAccount *acc)
{
  if (!acc->cfg->mwi_subscribe)
    return;
  DeviceSub *s = g_new0 (DeviceSub, 1);
  s->acc = acc;
  host_timer_init (acc_host (acc), &s->next_timer, sub_on_next_timer, s);
  host_timer_init (acc_host (acc), &s->expiry_timer, sub_on_expiry, s);
  acc->sub = s;
}

void
device_sub_clear (DeviceAccount *acc)
{
  DeviceSub *s = g_steal_pointer (&acc->sub);
  if (s == NULL)
    return;
  host_timer_cancel (&s->next_timer);
  host_timer_cancel (&s->expiry_timer);
  if (s->txn)
    sip_txn_set_func (s->txn, NULL, NULL);
  g_free (s->call_id);
  g_free (s->local_tag);
  g_free (s->remote_tag);
  g_free (s);
}

void
device_sub_on_registered (DeviceAccount *acc, const SimSockAddr *server)
{
  DeviceSub *s = acc->sub;
  if (s == NULL)
    return;
  if (s->has_server && sim_sockaddr_equal (&s->server, server))
    return;                                       /* note 1: nothing to do */
  gboolean moving = s->has_server;
  if (s->txn) {
    sip_txn_set_func (s->txn, NULL, NULL);
    s->txn = NULL;
  }
  host_timer_cancel (&s->expiry_timer);
  s->active = FALSE;
  s->has_server = TRUE;
  s->server = *server;
  if (moving)
    sub_emit (s, DEVICE_SUB_MOVED, 0, 0);        /* B25 */
  sub_reset_dialog (s);
  sub_send (s);
}

gboolean
device_sub_on_request (DeviceAccount *acc, SipTxn *txn, SipMsg *request,
                       const SipTxnPeer *from)
{
  DeviceSub *s = acc->sub;
  (void) from;
  if (s == NULL || sip_msg_method (request) != SIP_METHOD_NOTIFY || s->call_id == NULL)
    return FALSE;
  const SipNameAddr *to = sip_msg_to (request);
  if (!sip_str_eq (sip_msg_call_id (request), s->call_id) || to == NULL
      || !sip_str_eq (to->tag, s->local_tag))
    return FALSE;
  const SipNameAddr *f = sip_msg_from (request);
  if (s->remote_tag == NULL && f && sip_str_present (f->tag))
    s->remote_tag = sip_str_dup (f->tag);         /* a NOTIFY before the 2xx (RFC 6665 §4.1.2.4) */
  SipBuilder *b = sip_builder_response (request, 200, NULL, NULL);
  g_autoptr (SipMsg) r = sip_builder_finish_msg (b);
  sip_txn_respond (txn, r);
  acc->dev->stats.notifies_received++;
  SipStr state = sip_msg_header_by_id (request, SIP_HDR_SUBSCRIPTION_STATE, 0);
  if (sip_str_present (state) && state.len >= 10 && g_ascii_strncasecmp (state.p, "terminated", 10) == 0
      && s->active) {
    /* The notifier ended it: subscribe again after the failed wait. */
    s->active = FALSE;
    host_timer_cancel (&s->expiry_timer);
    if (s->txn == NULL) {
      sub_reset_dialog (s);
      host_timer_start (&s->next_timer, sub_retry_wait (acc->cfg, 1));
    }
  }
  sub_emit (s, DEVICE_SUB_NOTIFY, 0, 0);
  return TRUE;
}

const char *
device_sub_invariant_violation (const DeviceAccount *acc)
{
  const DeviceSub *s = acc->sub;
  if (s == NULL)
    return NULL;
  if (s->active != host_timer_is_pending (&s->expiry_timer))
    return "sub: active iff the expiry timer is pending";
  if (s->has_server && (s->txn != NULL) == host_timer_is_pending (&s->next_timer))
    return "sub: a SUBSCRIBE in flight or the next timer pending, not both";
  return NULL;
}
