/*
 * models/sip/dialog.c - INVITE dialogs (the contract and the state machine
 * are in dialog.h).
 *
 * Notes
 *
 * 1. Matching.  A dialog is found by (Call-ID, local tag), the two parts
 *    of its id that are known from the first message on (§12): the local
 *    tag is the From tag of what we send as UAC and the To tag we give as
 *    UAS.  A request from the peer carries it as its To tag, a response
 *    to our request as its From tag.  The remote tag is then compared
 *    where it matters (a 2xx from a second fork, note 5 of dialog.h).
 *
 * 2. Timers (all embedded, cancelled by sip_dialog_free()):
 *      ok_timer     UAS: the 2xx retransmission, T1 doubling up to T2
 *                   (§13.3.1.4)
 *      ack_timer    UAS: 64*T1 waiting for the ACK
 *      defer_timer  a report that must come from the event loop (dialog.h
 *                   note 4): a BYE that could not be sent
 *
 * 3. Invariants (dialog_invariant_violation(), asserted on every state
 *    change and at the end of every callback from the loop):
 *      - CALLING, EARLY as UAC: the INVITE client transaction is live;
 *      - INCOMING, EARLY as UAS: the INVITE server transaction is live;
 *      - ok_timer and ack_timer are pending iff UAS, CONFIRMED and the
 *        ACK has not arrived;
 *      - CONFIRMED: the remote tag and the remote target are known;
 *      - TERMINATING: a BYE is in flight or its failure is deferred;
 *      - TERMINATED: no timer pending but defer_timer; no transaction
 *        reports to the dialog.
 */
#include <string.h>

#include "models/sip/dialog.h"
#include "models/sip/builder.h"

struct SipDialogSet {
  SipTxnLayer       *layer;
  SimHost           *host;
  SimRng            *rng;
  GHashTable        *by_key;        /* "Call-ID\x1flocal-tag" -> SipDialog (not owned) */
  SipDialogSetStats  stats;
};

struct SipDialog {
  SipDialogSet   *set;
  gboolean        uac;
  SipDialogState  state;
  SipDialogFuncs  funcs;
  gpointer        user_data;

  /* configuration (copied) */
  char           *display, *contact_uri, *via_host, *via_transport, *user_agent;
  guint16         via_port;
  gboolean        rport;
  SipTxnConfig    txn_cfg;
  SimTime         t1, t2;

  /* dialog id and state (§12) */
  char           *key;
  char           *call_id;
  char           *local_uri, *local_tag;
  char           *remote_uri, *remote_tag;    /* remote_tag NULL until known */
  char           *remote_target;              /* NULL until known */
  GPtrArray      *route_set;                  /* char * URIs, request order */
  guint32         local_seq;
  guint32         invite_seq;

  /* UAC */
  SipTxn         *invite_txn;                 /* ICT while it reports to us */
  SipTxnPeer      first_hop;
  gboolean        cancel_wanted;
  gboolean        cancel_sent;
  SipMsg         *ack;                        /* ACK to the 2xx, kept for resends */
  SipTxnPeer      ack_peer;
  gboolean        ack_valid;

  /* UAS */
  SipTxn         *ist;                        /* IST while it reports to us */
  SipMsg         *invite;
  SipMsg         *ok;                         /* our 2xx, kept for retransmission */
  SipTxnPeer      ok_peer;
  SimTime         ok_interval;
  HostTimer       ok_timer, ack_timer;

  /* BYE */
  SipTxn         *bye_txn;
  HostTimer       defer_timer;
  SipDialogEvent  deferred;
};

/* ------------------------------------------------------------ strings */

const char *
sip_dialog_state_to_string (SipDialogState s)
{
  switch (s) {
  case SIP_DIALOG_CALLING:     return "calling";
  case SIP_DIALOG_INCOMING:    return "incoming";
  case SIP_DIALOG_EARLY:       return "early";
  case SIP_DIALOG_CONFIRMED:   return "confirmed";
  case SIP_DIALOG_TERMINATING: return "terminating";
  case SIP_DIALOG_TERMINATED:  return "terminated";
  default:                     return "?";
  }
}

const char *
sip_dialog_end_to_string (SipDialogEnd e)
{
  switch (e) {
  case SIP_DIALOG_END_NONE:       return "none";
  case SIP_DIALOG_END_LOCAL_BYE:  return "local-bye";
  case SIP_DIALOG_END_REMOTE_BYE: return "remote-bye";
  case SIP_DIALOG_END_BYE_FAILED: return "bye-failed";
  case SIP_DIALOG_END_NO_ACK:     return "no-ack";
  default:                        return "?";
  }
}

/* --------------------------------------------------------- invariants */

static const char *
dialog_invariant_violation (const SipDialog *d)
{
  gboolean waiting_ack = !d->uac && d->state == SIP_DIALOG_CONFIRMED && d->ok != NULL;
  if (host_timer_is_pending (&d->ok_timer) != waiting_ack
      || host_timer_is_pending (&d->ack_timer) != waiting_ack)
    return "2xx timers pending iff a UAS waits for its ACK";
  switch (d->state) {
  case SIP_DIALOG_CALLING:
    if (!d->uac || d->invite_txn == NULL)
      return "CALLING: a UAC with its INVITE transaction";
    break;
  case SIP_DIALOG_INCOMING:
    if (d->uac || d->ist == NULL)
      return "INCOMING: a UAS with its INVITE transaction";
    break;
  case SIP_DIALOG_EARLY:
    if (d->uac ? d->invite_txn == NULL : d->ist == NULL)
      return "EARLY: the INVITE transaction is live";
    break;
  case SIP_DIALOG_CONFIRMED:
    if (d->remote_tag == NULL || d->remote_target == NULL)
      return "CONFIRMED: remote tag and target known";
    break;
  case SIP_DIALOG_TERMINATING:
    if (d->bye_txn == NULL && !host_timer_is_pending (&d->defer_timer))
      return "TERMINATING: a BYE in flight or its failure deferred";
    break;
  case SIP_DIALOG_TERMINATED:
    if (d->invite_txn || d->ist || d->bye_txn)
      return "TERMINATED: no transaction reports to the dialog";
    break;
  default:
    return "unknown state";
  }
  return NULL;
}

static void
dialog_check (const SipDialog *d)
{
  const char *why = dialog_invariant_violation (d);
  if (why)
    g_error ("dialog %s (%s): invariant broken: %s", d->call_id,
             sip_dialog_state_to_string (d->state), why);
}

static void
dialog_trace (SipDialog *d, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
dialog_trace (SipDialog *d, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  host_trace (d->set->host, "dlg %s %s %s", d->uac ? "uac" : "uas", d->call_id, msg);
}

static void
set_state (SipDialog *d, SipDialogState s)
{
  if (s == d->state)
    return;
  dialog_trace (d, "%s -> %s", sip_dialog_state_to_string (d->state),
                sip_dialog_state_to_string (s));
  d->state = s;
}

/* Detaches every transaction that reports to @d. */
static void
detach_txns (SipDialog *d)
{
  if (d->invite_txn)
    sip_txn_set_func (d->invite_txn, NULL, NULL);
  if (d->ist)
    sip_txn_set_func (d->ist, NULL, NULL);
  if (d->bye_txn)
    sip_txn_set_func (d->bye_txn, NULL, NULL);
  d->invite_txn = d->ist = d->bye_txn = NULL;
}

/* The last thing a callback path does: TERMINATED, then the report (the
 * owner may free @d inside it). */
static void
finish (SipDialog *d, const SipDialogEvent *ev)
{
  host_timer_cancel (&d->ok_timer);
  host_timer_cancel (&d->ack_timer);
  g_clear_pointer (&d->ok, sip_msg_unref);
  detach_txns (d);
  set_state (d, SIP_DIALOG_TERMINATED);
  dialog_check (d);
  dialog_trace (d, "%s %u %s", ev->kind == SIP_DIALOG_EV_FAILED ? "failed" : "ended",
                ev->status, sip_dialog_end_to_string (ev->end));
  if (d->funcs.event)
    d->funcs.event (d, ev, d->user_data);
}

static void
report (SipDialog *d, const SipDialogEvent *ev)
{
  dialog_check (d);
  if (d->funcs.event)
    d->funcs.event (d, ev, d->user_data);
}

static void on_ok_timer (HostTimer *t, gpointer u);
static void on_ack_timer (HostTimer *t, gpointer u);
static void on_defer (HostTimer *t, gpointer u);

/* ---------------------------------------------------------- building */

static const char sdp_fmt[] =
  "v=0\r\n"
  "o=- %u 1 IN IP4 %s\r\n"
  "s=-\r\n"
  "c=IN IP4 %s\r\n"
  "t=0 0\r\n"
  "m=audio %u RTP/AVP 0\r\n"
  "a=rtpmap:0 PCMU/8000\r\n";

/* A fixed audio offer or answer (dialog.h note 5): nothing listens on the
 * port, the body is there so the bytes look like a call. */
static void
add_sdp (SipDialog *d, SipBuilder *b)
{
  guint sess = (guint) (sim_rng_u64 (d->set->rng) & 0x7fffffff);
  g_autofree char *sdp = g_strdup_printf (sdp_fmt, sess, d->via_host, d->via_host,
                                          (guint) 16384 + 2 * (sess % 1000));
  sip_builder_set_body (b, "application/sdp", (const guint8 *) sdp, strlen (sdp));
}

static void
add_common (SipDialog *d, SipBuilder *b, const char *branch)
{
  sip_builder_add_via (b, d->via_transport, d->via_host, d->via_port, branch, d->rport);
  sip_builder_add (b, "Max-Forwards", "70");
}

static void
add_from_to (SipDialog *d, SipBuilder *b)
{
  if (d->display && d->display[0])
    sip_builder_add (b, "From", "\"%s\" <%s>;tag=%s", d->display, d->local_uri, d->local_tag);
  else
    sip_builder_add (b, "From", "<%s>;tag=%s", d->local_uri, d->local_tag);
  if (d->remote_tag)
    sip_builder_add (b, "To", "<%s>;tag=%s", d->remote_uri, d->remote_tag);
  else
    sip_builder_add (b, "To", "<%s>", d->remote_uri);
  sip_builder_add (b, "Call-ID", "%s", d->call_id);
}

/* An in-dialog request (§12.2.1.1, loose routing: dialog.h note 2). */
static SipMsg *
build_in_dialog (SipDialog *d, SipMethod m, guint32 seq)
{
  g_autofree char *branch = sip_gen_branch (d->set->rng);
  SipBuilder *b = sip_builder_request (m, NULL, d->remote_target);
  add_common (d, b, branch);
  add_from_to (d, b);
  sip_builder_add (b, "CSeq", "%u %s", seq, sip_method_to_string (m));
  for (guint i = 0; i < d->route_set->len; i++)
    sip_builder_add (b, "Route", "<%s>", (const char *) d->route_set->pdata[i]);
  if (d->user_agent && d->user_agent[0])
    sip_builder_add (b, "User-Agent", "%s", d->user_agent);
  return sip_builder_finish_msg (b);
}

/* Where an in-dialog request goes (dialog.h note 2). */
static gboolean
next_hop (SipDialog *d, SipTxnPeer *out)
{
  const char *uri_text = d->route_set->len > 0 ? d->route_set->pdata[0] : d->remote_target;
  SipUri uri;
  if (uri_text == NULL || !sip_uri_parse (uri_text, strlen (uri_text), &uri, NULL))
    return FALSE;
  if (d->funcs.next_hop)
    return d->funcs.next_hop (d, &uri, out, d->user_data);
  if (uri.host_type != SIP_HOST_IPV4)
    return FALSE;
  g_autofree char *host = sip_str_dup (uri.host);
  memset (out, 0, sizeof *out);
  if (!sim_ip4_parse (host, &out->addr.ip))
    return FALSE;
  out->addr.port = uri.port ? uri.port : 5060;
  return TRUE;
}

/* The dialog's route set and remote target from @msg (§12.1.1 UAS: the
 * Record-Route order; §12.1.2 UAC: reversed). */
static void
learn_route (SipDialog *d, const SipMsg *msg, gboolean reverse)
{
  g_ptr_array_set_size (d->route_set, 0);
  guint n = sip_msg_route_count (msg, SIP_HDR_RECORD_ROUTE);
  for (guint i = 0; i < n; i++) {
    const SipNameAddr *rr = sip_msg_route (msg, SIP_HDR_RECORD_ROUTE, reverse ? n - 1 - i : i);
    if (rr)
      g_ptr_array_add (d->route_set, sip_str_dup (rr->uri_str));
  }
  const SipContact *c = sip_msg_contact (msg, 0);
  if (c && !c->star) {
    g_free (d->remote_target);
    d->remote_target = sip_str_dup (c->addr.uri_str);
  }
}

/* ---------------------------------------------------------------- set */

SipDialogSet *
sip_dialog_set_new (SipTxnLayer *layer, SimRng *rng)
{
  g_return_val_if_fail (layer != NULL && rng != NULL, NULL);
  SipDialogSet *set = g_new0 (SipDialogSet, 1);
  set->layer = layer;
  set->host = sip_txn_layer_get_host (layer);
  set->rng = rng;
  set->by_key = g_hash_table_new (g_str_hash, g_str_equal);
  return set;
}

void
sip_dialog_set_free (SipDialogSet *set)
{
  if (set == NULL)
    return;
  GList *all = g_hash_table_get_values (set->by_key);
  for (GList *l = all; l; l = l->next)
    sip_dialog_free (l->data);
  g_list_free (all);
  g_hash_table_destroy (set->by_key);
  g_free (set);
}

const SipDialogSetStats *
sip_dialog_set_get_stats (const SipDialogSet *set)
{
  return &set->stats;
}

guint
sip_dialog_set_count (const SipDialogSet *set)
{
  return g_hash_table_size (set->by_key);
}

static SipDialog *
set_find (SipDialogSet *set, SipStr call_id, SipStr local_tag)
{
  if (!sip_str_present (call_id) || !sip_str_present (local_tag))
    return NULL;
  g_autofree char *cid = sip_str_dup (call_id);
  g_autofree char *tag = sip_str_dup (local_tag);
  g_autofree char *key = g_strdup_printf ("%s\x1f%s", cid, tag);
  return g_hash_table_lookup (set->by_key, key);
}

static void
respond (SipDialogSet *set, SipTxn *txn, SipMsg *req, guint code, const char *tag)
{
  (void) set;
  SipBuilder *b = sip_builder_response (req, code, NULL, tag);
  g_autoptr (SipMsg) r = sip_builder_finish_msg (b);
  sip_txn_respond (txn, r);
}

static SipDialog *
dialog_alloc (SipDialogSet *set, const SipDialogConfig *cfg, gboolean uac,
              const SipDialogFuncs *funcs, gpointer user_data)
{
  /* malloc and memset, not calloc: see txn_alloc(). */
  SipDialog *d = memset (g_new (SipDialog, 1), 0, sizeof (SipDialog));
  d->set = set;
  d->uac = uac;
  if (funcs)
    d->funcs = *funcs;
  d->user_data = user_data;
  d->display = g_strdup (cfg->display);
  d->contact_uri = g_strdup (cfg->contact_uri);
  d->via_host = g_strdup (cfg->via_host);
  d->via_port = cfg->via_port;
  d->via_transport = g_strdup (cfg->via_transport ? cfg->via_transport : "UDP");
  d->rport = cfg->rport;
  d->user_agent = g_strdup (cfg->user_agent);
  d->txn_cfg = cfg->txn;
  SipTxnConfig lc;
  sip_txn_layer_get_config (set->layer, &lc);
  d->t1 = cfg->txn.t1 > 0 ? cfg->txn.t1 : lc.t1;
  d->t2 = cfg->txn.t2 > 0 ? cfg->txn.t2 : lc.t2;
  d->route_set = g_ptr_array_new_with_free_func (g_free);
  d->local_tag = sip_gen_tag (set->rng);
  host_timer_init (set->host, &d->ok_timer, on_ok_timer, d);
  host_timer_init (set->host, &d->ack_timer, on_ack_timer, d);
  host_timer_init (set->host, &d->defer_timer, on_defer, d);
  set->stats.dialogs_created++;
  return d;
}

static void
dialog_link (SipDialog *d)
{
  d->key = g_strdup_printf ("%s\x1f%s", d->call_id, d->local_tag);
  g_hash_table_insert (d->set->by_key, d->key, d);
}

/* ---------------------------------------------------------------- BYE */

static void
bye_func (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  SipDialog *d = u;
  (void) txn;
  SipDialogEvent out = { .kind = SIP_DIALOG_EV_ENDED, .outcome = ev->outcome };
  switch (ev->outcome) {
  case SIP_TXN_RESPONSE:
    if (ev->status < 200)
      return;
    out.status = ev->status;
    /* §15.1.2: 408 and 481 end the dialog too, but they say the peer or
     * the path was gone: the signalling path was lost (dialog.h note 3). */
    out.end = ev->status == 408 || ev->status == 481 ? SIP_DIALOG_END_BYE_FAILED
                                                     : SIP_DIALOG_END_LOCAL_BYE;
    break;
  case SIP_TXN_TIMEOUT:
    out.timer = ev->timer;
    out.end = SIP_DIALOG_END_BYE_FAILED;
    break;
  case SIP_TXN_TRANSPORT_ERROR:
    out.end = SIP_DIALOG_END_BYE_FAILED;
    break;
  case SIP_TXN_TERMINATED:
  default:
    d->bye_txn = NULL;                  /* ended without a report: nothing to do */
    return;
  }
  d->bye_txn = NULL;
  sip_txn_set_func (txn, NULL, NULL);
  finish (d, &out);
}

static void
on_defer (HostTimer *t, gpointer u)
{
  SipDialog *d = u;
  (void) t;
  SipDialogEvent ev = d->deferred;
  finish (d, &ev);
}

/* Sends a BYE (§15.1.1).  @report: the dialog then waits in TERMINATING
 * and reports ENDED; otherwise the BYE runs detached. */
static void
send_bye (SipDialog *d, gboolean report_it)
{
  g_autoptr (SipMsg) bye = build_in_dialog (d, SIP_METHOD_BYE, ++d->local_seq);
  SipTxnPeer peer;
  if (!next_hop (d, &peer)) {
    dialog_trace (d, "BYE: no next hop");
    if (report_it) {
      set_state (d, SIP_DIALOG_TERMINATING);
      d->deferred = (SipDialogEvent) { .kind = SIP_DIALOG_EV_ENDED,
                                       .outcome = SIP_TXN_TRANSPORT_ERROR,
                                       .end = SIP_DIALOG_END_BYE_FAILED };
      host_timer_start (&d->defer_timer, 0);
    }
    return;
  }
  SipTxnConfig tc = d->txn_cfg;
  SipTxn *t = sip_txn_client_new (d->set->layer, bye, &peer, &tc,
                                  report_it ? bye_func : NULL, d);
  if (report_it && t) {
    d->bye_txn = t;
    set_state (d, SIP_DIALOG_TERMINATING);
  }
}

/* ---------------------------------------------------------------- UAC */

static void
send_cancel (SipDialog *d)
{
  if (d->cancel_sent || d->invite_txn == NULL)
    return;
  d->cancel_sent = TRUE;
  g_autoptr (SipMsg) cancel = sip_txn_client_build_cancel (d->invite_txn);
  SipTxnConfig tc = d->txn_cfg;
  /* The CANCEL's own outcome does not matter: the INVITE's final
   * response (487, or a 2xx that crossed it) ends the call. */
  sip_txn_client_new (d->set->layer, cancel, &d->first_hop, &tc, NULL, NULL);
  dialog_trace (d, "CANCEL sent");
}

/* §13.2.2.4: the ACK for the 2xx @resp, sent outside any transaction. */
static void
send_ack (SipDialog *d)
{
  if (!d->ack_valid) {
    d->ack = build_in_dialog (d, SIP_METHOD_ACK, d->invite_seq);
    d->ack_valid = next_hop (d, &d->ack_peer);
    if (!d->ack_valid) {
      dialog_trace (d, "ACK: no next hop");
      g_clear_pointer (&d->ack, sip_msg_unref);
      return;
    }
    d->set->stats.acks_sent++;
  } else {
    d->set->stats.acks_resent++;
  }
  sip_txn_layer_send (d->set->layer, d->ack, &d->ack_peer);
}

static void
uac_invite_func (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  SipDialog *d = u;
  switch (ev->outcome) {
  case SIP_TXN_RESPONSE:
    if (ev->status < 200) {
      if (d->cancel_wanted)
        send_cancel (d);
      if (ev->status > 100 && d->state == SIP_DIALOG_CALLING)
        set_state (d, SIP_DIALOG_EARLY);
      if (ev->status > 100) {
        SipDialogEvent out = { .kind = SIP_DIALOG_EV_PROGRESS, .status = ev->status,
                               .outcome = SIP_TXN_RESPONSE };
        report (d, &out);
      }
      return;
    }
    /* A final response ends what the ICT reports to us (the ICT absorbs
     * the rest: ACK to a non-2xx is its own, §17.1.1.3). */
    sip_txn_set_func (txn, NULL, NULL);
    d->invite_txn = NULL;
    if (ev->status < 300) {
      const SipNameAddr *to = sip_msg_to (ev->msg);
      g_free (d->remote_tag);
      d->remote_tag = to && sip_str_present (to->tag) ? sip_str_dup (to->tag) : g_strdup ("");
      learn_route (d, ev->msg, TRUE);
      if (d->remote_target == NULL)
        d->remote_target = g_strdup (d->remote_uri);   /* no Contact: a broken peer */
      set_state (d, SIP_DIALOG_CONFIRMED);
      send_ack (d);
      if (d->cancel_wanted) {
        /* The 2xx crossed our CANCEL (§9.1): the call is up; end it. */
        send_bye (d, TRUE);
        dialog_check (d);
        return;
      }
      SipDialogEvent out = { .kind = SIP_DIALOG_EV_ANSWERED, .status = ev->status,
                             .outcome = SIP_TXN_RESPONSE };
      report (d, &out);
      return;
    }
    {
      SipDialogEvent out = { .kind = SIP_DIALOG_EV_FAILED, .status = ev->status,
                             .outcome = SIP_TXN_RESPONSE };
      finish (d, &out);
    }
    return;
  case SIP_TXN_TIMEOUT:
  case SIP_TXN_TRANSPORT_ERROR:
    {
      sip_txn_set_func (txn, NULL, NULL);
      d->invite_txn = NULL;
      SipDialogEvent out = { .kind = SIP_DIALOG_EV_FAILED, .outcome = ev->outcome,
                             .timer = ev->timer };
      finish (d, &out);
      return;
    }
  case SIP_TXN_TERMINATED:
  default:
    d->invite_txn = NULL;
    return;
  }
}

SipDialog *
sip_dialog_new_uac (SipDialogSet *set, const SipDialogConfig *cfg, const char *request_uri,
                    const char *to_uri, const SipTxnPeer *first_hop,
                    const SipDialogFuncs *funcs, gpointer user_data)
{
  g_return_val_if_fail (set && cfg && cfg->local_uri && cfg->contact_uri && cfg->via_host, NULL);
  g_return_val_if_fail (request_uri != NULL && first_hop != NULL, NULL);
  SipDialog *d = dialog_alloc (set, cfg, TRUE, funcs, user_data);
  d->state = SIP_DIALOG_CALLING;
  d->local_uri = g_strdup (cfg->local_uri);
  d->remote_uri = g_strdup (to_uri ? to_uri : request_uri);
  d->call_id = sip_gen_call_id (set->rng, cfg->via_host);
  d->first_hop = *first_hop;
  d->local_seq = d->invite_seq = 1;
  dialog_link (d);

  g_autofree char *branch = sip_gen_branch (set->rng);
  SipBuilder *b = sip_builder_request (SIP_METHOD_INVITE, NULL, request_uri);
  add_common (d, b, branch);
  add_from_to (d, b);
  sip_builder_add (b, "CSeq", "%u INVITE", d->invite_seq);
  sip_builder_add (b, "Contact", "<%s>", d->contact_uri);
  sip_builder_add (b, "Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY");
  if (d->user_agent && d->user_agent[0])
    sip_builder_add (b, "User-Agent", "%s", d->user_agent);
  add_sdp (d, b);
  g_autoptr (SipMsg) invite = sip_builder_finish_msg (b);
  SipTxnConfig tc = d->txn_cfg;
  d->invite_txn = sip_txn_client_new (set->layer, invite, first_hop, &tc, uac_invite_func, d);
  g_assert (d->invite_txn != NULL);          /* a fresh branch cannot collide */
  char buf[SIM_SOCKADDR_STRLEN];
  dialog_trace (d, "INVITE %s to %s", request_uri, sim_sockaddr_to_string (&first_hop->addr, buf));
  dialog_check (d);
  return d;
}

void
sip_dialog_cancel (SipDialog *d)
{
  g_return_if_fail (d != NULL && d->uac);
  if (d->state != SIP_DIALOG_CALLING && d->state != SIP_DIALOG_EARLY)
    return;
  d->cancel_wanted = TRUE;
  /* §9.1: not before a provisional response has arrived. */
  if (d->state == SIP_DIALOG_EARLY
      || (d->invite_txn && sip_txn_get_state (d->invite_txn) == SIP_TXN_STATE_PROCEEDING))
    send_cancel (d);
}

/* ---------------------------------------------------------------- UAS */

static void
uas_ist_func (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  SipDialog *d = u;
  (void) txn;
  if (ev->outcome == SIP_TXN_TERMINATED) {
    d->ist = NULL;
    return;
  }
  if (ev->outcome == SIP_TXN_TRANSPORT_ERROR && d->state != SIP_DIALOG_CONFIRMED) {
    SipDialogEvent out = { .kind = SIP_DIALOG_EV_FAILED, .outcome = ev->outcome };
    finish (d, &out);
  }
}

SipDialog *
sip_dialog_new_uas (SipDialogSet *set, const SipDialogConfig *cfg, SipTxn *txn,
                    SipMsg *invite, const SipTxnPeer *from, const SipDialogFuncs *funcs,
                    gpointer user_data)
{
  g_return_val_if_fail (set && cfg && cfg->contact_uri && cfg->via_host && txn && invite, NULL);
  g_return_val_if_fail (sip_msg_method (invite) == SIP_METHOD_INVITE, NULL);
  (void) from;
  SipDialog *d = dialog_alloc (set, cfg, FALSE, funcs, user_data);
  d->state = SIP_DIALOG_INCOMING;
  const SipNameAddr *f = sip_msg_from (invite);
  const SipNameAddr *t = sip_msg_to (invite);
  d->call_id = sip_str_dup (sip_msg_call_id (invite));
  d->local_uri = t ? sip_str_dup (t->uri_str) : g_strdup (cfg->local_uri);
  d->remote_uri = f ? sip_str_dup (f->uri_str) : g_strdup ("sip:anonymous@invalid");
  d->remote_tag = f && sip_str_present (f->tag) ? sip_str_dup (f->tag) : g_strdup ("");
  const SipCSeq *cs = sip_msg_cseq (invite);
  d->invite_seq = cs ? cs->seq : 1;
  d->local_seq = 0;
  learn_route (d, invite, FALSE);
  d->ist = txn;
  d->invite = sip_msg_ref (invite);
  sip_txn_set_func (txn, uas_ist_func, d);
  dialog_link (d);
  dialog_trace (d, "INVITE from %s", d->remote_uri);
  dialog_check (d);
  return d;
}

static SipBuilder *
uas_response (SipDialog *d, guint code)
{
  SipBuilder *b = sip_builder_response (d->invite, code, NULL, d->local_tag);
  /* §12.1.1: Record-Route copied into every dialog-creating response. */
  sip_builder_copy_header (b, d->invite, SIP_HDR_RECORD_ROUTE);
  sip_builder_add (b, "Contact", "<%s>", d->contact_uri);
  if (d->user_agent && d->user_agent[0])
    sip_builder_add (b, "Server", "%s", d->user_agent);
  return b;
}

void
sip_dialog_ring (SipDialog *d)
{
  g_return_if_fail (d != NULL && !d->uac);
  if (d->state != SIP_DIALOG_INCOMING || d->ist == NULL)
    return;
  g_autoptr (SipMsg) r = sip_builder_finish_msg (uas_response (d, 180));
  sip_txn_respond (d->ist, r);
  set_state (d, SIP_DIALOG_EARLY);
  dialog_check (d);
}

/* §13.3.1.4: the 2xx again at T1, 2T1, 4T1 ... capped at T2. */
static void
on_ok_timer (HostTimer *t, gpointer u)
{
  SipDialog *d = u;
  (void) t;
  d->set->stats.ok_retransmissions++;
  sip_txn_layer_send (d->set->layer, d->ok, &d->ok_peer);
  d->ok_interval = MIN (2 * d->ok_interval, d->t2);
  host_timer_start (&d->ok_timer, d->ok_interval);
  dialog_check (d);
}

/* §13.3.1.4: no ACK within 64*T1: the dialog is over; BYE. */
static void
on_ack_timer (HostTimer *t, gpointer u)
{
  SipDialog *d = u;
  (void) t;
  host_timer_cancel (&d->ok_timer);
  g_clear_pointer (&d->ok, sip_msg_unref);
  send_bye (d, FALSE);
  SipDialogEvent out = { .kind = SIP_DIALOG_EV_ENDED, .outcome = SIP_TXN_TIMEOUT,
                         .timer = 'H', .end = SIP_DIALOG_END_NO_ACK };
  finish (d, &out);
}

void
sip_dialog_answer (SipDialog *d)
{
  g_return_if_fail (d != NULL && !d->uac);
  if ((d->state != SIP_DIALOG_INCOMING && d->state != SIP_DIALOG_EARLY) || d->ist == NULL)
    return;
  SipBuilder *b = uas_response (d, 200);
  sip_builder_add (b, "Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY");
  add_sdp (d, b);
  d->ok = sip_builder_finish_msg (b);
  d->ok_peer = *sip_txn_get_peer (d->ist);
  /* The IST ends on the 2xx (transaction.h note 6): detach first so its
   * TERMINATED finds no dialog to tell. */
  SipTxn *ist = d->ist;
  sip_txn_set_func (ist, NULL, NULL);
  d->ist = NULL;
  sip_txn_respond (ist, d->ok);
  set_state (d, SIP_DIALOG_CONFIRMED);
  d->ok_interval = d->t1;
  host_timer_start (&d->ack_timer, 64 * d->t1);
  if (d->ok_peer.reliable)
    host_timer_start (&d->ok_timer, 64 * d->t1 + 1);   /* §17.1.1: no resends; keep the invariant */
  else
    host_timer_start (&d->ok_timer, d->ok_interval);
  dialog_check (d);
}

void
sip_dialog_reject (SipDialog *d, guint status)
{
  g_return_if_fail (d != NULL && !d->uac && status >= 300 && status <= 699);
  if ((d->state != SIP_DIALOG_INCOMING && d->state != SIP_DIALOG_EARLY) || d->ist == NULL)
    return;
  SipBuilder *b = sip_builder_response (d->invite, status, NULL, d->local_tag);
  if (d->user_agent && d->user_agent[0])
    sip_builder_add (b, "Server", "%s", d->user_agent);
  g_autoptr (SipMsg) r = sip_builder_finish_msg (b);
  SipTxn *ist = d->ist;
  sip_txn_set_func (ist, NULL, NULL);
  d->ist = NULL;
  sip_txn_respond (ist, r);
  set_state (d, SIP_DIALOG_TERMINATED);
  dialog_trace (d, "rejected %u", status);
  dialog_check (d);
}

/* ---------------------------------------------------------------- both */

void
sip_dialog_hangup (SipDialog *d)
{
  g_return_if_fail (d != NULL);
  switch (d->state) {
  case SIP_DIALOG_CALLING:
  case SIP_DIALOG_EARLY:
    if (d->uac) {
      sip_dialog_cancel (d);
      return;
    }
    sip_dialog_reject (d, 480);
    return;
  case SIP_DIALOG_INCOMING:
    sip_dialog_reject (d, 480);
    return;
  case SIP_DIALOG_CONFIRMED:
    host_timer_cancel (&d->ok_timer);
    host_timer_cancel (&d->ack_timer);
    g_clear_pointer (&d->ok, sip_msg_unref);
    send_bye (d, TRUE);
    dialog_check (d);
    return;
  case SIP_DIALOG_TERMINATING:
  case SIP_DIALOG_TERMINATED:
  default:
    return;
  }
}

void
sip_dialog_free (SipDialog *d)
{
  if (d == NULL)
    return;
  detach_txns (d);
  host_timer_cancel (&d->ok_timer);
  host_timer_cancel (&d->ack_timer);
  host_timer_cancel (&d->defer_timer);
  if (d->key)
    g_hash_table_remove (d->set->by_key, d->key);
  sip_msg_unref (d->ack);
  sip_msg_unref (d->ok);
  sip_msg_unref (d->invite);
  g_ptr_array_free (d->route_set, TRUE);
  g_free (d->key);
  g_free (d->display);
  g_free (d->contact_uri);
  g_free (d->via_host);
  g_free (d->via_transport);
  g_free (d->user_agent);
  g_free (d->call_id);
  g_free (d->local_uri);
  g_free (d->local_tag);
  g_free (d->remote_uri);
  g_free (d->remote_tag);
  g_free (d->remote_target);
  g_free (d);
}

/* ----------------------------------------------------- set dispatching */

gboolean
sip_dialog_set_request (SipDialogSet *set, SipTxn *txn, SipMsg *req, const SipTxnPeer *from)
{
  (void) from;
  SipMethod m = sip_msg_method (req);
  if (m == SIP_METHOD_CANCEL) {
    SipTxn *target = sip_txn_layer_find_cancel_target (set->layer, req);
    const SipNameAddr *t = sip_msg_to (req);
    SipDialog *d = NULL;
    if (target) {
      /* The CANCEL has the INVITE's To, without our tag: find the dialog
       * by its transaction. */
      GHashTableIter it;
      gpointer v;
      g_hash_table_iter_init (&it, set->by_key);
      while (g_hash_table_iter_next (&it, NULL, &v))
        if (((SipDialog *) v)->ist == target)
          d = v;
    }
    (void) t;
    if (d == NULL)
      return FALSE;
    respond (set, txn, req, 200, d->local_tag);                 /* §9.2 */
    SipBuilder *b = sip_builder_response (d->invite, 487, NULL, d->local_tag);
    g_autoptr (SipMsg) r = sip_builder_finish_msg (b);
    SipTxn *ist = d->ist;
    sip_txn_set_func (ist, NULL, NULL);
    d->ist = NULL;
    sip_txn_respond (ist, r);
    SipDialogEvent out = { .kind = SIP_DIALOG_EV_FAILED, .status = 487,
                           .outcome = SIP_TXN_RESPONSE };
    finish (d, &out);
    return TRUE;
  }
  const SipNameAddr *to = sip_msg_to (req);
  if (to == NULL || !sip_str_present (to->tag))
    return FALSE;                                   /* not in a dialog */
  SipDialog *d = set_find (set, sip_msg_call_id (req), to->tag);
  if (d == NULL || d->state == SIP_DIALOG_TERMINATED) {
    set->stats.no_dialog_481++;
    respond (set, txn, req, 481, NULL);             /* §12.2.2 */
    return TRUE;
  }
  if (m != SIP_METHOD_BYE) {
    respond (set, txn, req, 501, NULL);             /* dialog.h note 5 */
    return TRUE;
  }
  respond (set, txn, req, 200, NULL);               /* §15.1.2 */
  SipDialogEvent out = { .kind = SIP_DIALOG_EV_ENDED, .status = 0,
                         .outcome = SIP_TXN_RESPONSE, .end = SIP_DIALOG_END_REMOTE_BYE };
  finish (d, &out);
  return TRUE;
}

gboolean
sip_dialog_set_ack (SipDialogSet *set, SipMsg *ack, const SipTxnPeer *from)
{
  (void) from;
  const SipNameAddr *to = sip_msg_to (ack);
  if (to == NULL)
    return FALSE;
  SipDialog *d = set_find (set, sip_msg_call_id (ack), to->tag);
  if (d == NULL)
    return FALSE;
  if (!d->uac && d->state == SIP_DIALOG_CONFIRMED && d->ok != NULL) {
    host_timer_cancel (&d->ok_timer);
    host_timer_cancel (&d->ack_timer);
    g_clear_pointer (&d->ok, sip_msg_unref);
    dialog_trace (d, "ACK");
    SipDialogEvent out = { .kind = SIP_DIALOG_EV_ANSWERED, .status = 200,
                           .outcome = SIP_TXN_RESPONSE };
    report (d, &out);
  }
  return TRUE;                                      /* duplicates absorbed */
}

gboolean
sip_dialog_set_stray_response (SipDialogSet *set, SipMsg *resp, const SipTxnPeer *from)
{
  (void) from;
  const SipNameAddr *f = sip_msg_from (resp);
  const SipCSeq *cs = sip_msg_cseq (resp);
  if (f == NULL || cs == NULL)
    return FALSE;
  SipDialog *d = set_find (set, sip_msg_call_id (resp), f->tag);
  if (d == NULL || !d->uac)
    return FALSE;
  guint st = sip_msg_status (resp);
  if (cs->method != SIP_METHOD_INVITE || st < 200 || st >= 300)
    return TRUE;                                    /* late 1xx or non-2xx: nothing to do */
  const SipNameAddr *to = sip_msg_to (resp);
  if (d->ack && to && d->remote_tag && sip_str_eq (to->tag, d->remote_tag)) {
    sip_txn_layer_send (set->layer, d->ack, &d->ack_peer);   /* §13.2.2.4 */
    set->stats.acks_resent++;
    dialog_trace (d, "2xx again: ACK resent");
  }
  return TRUE;
}

/* ---------------------------------------------------------- accessors */

SipDialogState
sip_dialog_get_state (const SipDialog *d)
{
  return d->state;
}

gboolean
sip_dialog_is_uac (const SipDialog *d)
{
  return d->uac;
}

const char *
sip_dialog_get_call_id (const SipDialog *d)
{
  return d->call_id;
}

guint
sip_dialog_route_count (const SipDialog *d)
{
  return d->route_set->len;
}

const char *
sip_dialog_route (const SipDialog *d, guint n)
{
  g_return_val_if_fail (n < d->route_set->len, NULL);
  return d->route_set->pdata[n];
}

const char *
sip_dialog_remote_target (const SipDialog *d)
{
  return d->remote_target;
}
