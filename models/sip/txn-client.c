/*
 * models/sip/txn-client.c - client transactions: INVITE (RFC 3261
 * §17.1.1, Figure 5) and non-INVITE (§17.1.2, Figure 6).  Diagrams,
 * transition table and invariants: transaction.h.
 *
 * Notes
 *
 * 1. Timer order.  The timeout timer (B or F) is started before the first
 *    retransmit timer (A or E), and A/E get a new sequence number at each
 *    restart, so whenever a retransmission and the timeout fall on the
 *    same instant the timeout fires first and cancels the retransmission
 *    (sim/kernel/world.h: ties run first-scheduled first).  With T1 = 1 s
 *    and F = 3 s, E is due at 1 s and 3 s: the request goes out at 0 and
 *    1 s only, and the timeout comes at 3 s; with T1 = F = 1 s it goes out
 *    once.
 *
 * 2. Timer E after a provisional response (§17.1.2.2): "If Timer E fires
 *    while in the Proceeding state, the request MUST be passed to the
 *    transport layer for retransmission, and Timer E MUST be reset with a
 *    value of T2 seconds."  The timer already running when the 1xx
 *    arrives is not shortened or lengthened; only the intervals after its
 *    next firing are T2.  With a 100 at 40 ms the sends are at 0, 0.5,
 *    4.5, 8.5, ... 28.5 s.
 *
 * 3. Timer A doubles without a cap (§17.1.1.2); the interval saturates
 *    instead of overflowing, which only matters with absurd Timer B.
 *
 * 4. The ACK to a 300-699 (§17.1.1.3) is built once, when the first final
 *    response arrives, and re-sent unchanged for each retransmission of
 *    the final response while Timer D runs.  Its To is that of the first
 *    final response (its tag is what identifies the UAS).
 */
#include "models/sip/txn-private.h"

#include <string.h>

#include "models/sip/builder.h"

static void on_retx (HostTimer *timer, gpointer user_data);

/* §17.1.1.3 (ACK) and §9.1 (CANCEL) build the same shape: Request-URI,
 * Call-ID, From and CSeq number of @req, one Via equal to @req's top Via,
 * @req's Route headers; To from @to_src (the response for an ACK, the
 * request itself for a CANCEL). */
static SipMsg *
build_ack_or_cancel (SipMsg *req, SipMethod method, SipMsg *to_src)
{
  g_autofree char *ruri = sip_str_dup (sip_msg_request_uri_str (req));
  SipBuilder *b = sip_builder_request (method, NULL, ruri);
  SipStr via = sip_msg_header_by_id (req, SIP_HDR_VIA, 0);
  sip_builder_add (b, "Via", "%.*s", (int) via.len, via.p);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_copy_header (b, req, SIP_HDR_ROUTE);
  sip_builder_copy_header (b, req, SIP_HDR_FROM);
  sip_builder_copy_header (b, to_src, SIP_HDR_TO);
  sip_builder_copy_header (b, req, SIP_HDR_CALL_ID);
  sip_builder_add (b, "CSeq", "%u %s", sip_msg_cseq (req)->seq, sip_method_to_string (method));
  return sip_builder_finish_msg (b);
}

SipMsg *
sip_txn_client_build_cancel (SipTxn *invite_txn)
{
  g_return_val_if_fail (invite_txn != NULL && !invite_txn->dead, NULL);
  g_return_val_if_fail (invite_txn->kind == SIP_TXN_KIND_ICT, NULL);
  SipMsg *req = invite_txn->request;
  return build_ack_or_cancel (req, SIP_METHOD_CANCEL, req);
}

/* Sends the request (again).  The first send names the destination. */
static SimNetError
send_request (SipTxn *t)
{
  t->sends++;
  if (t->sends == 1)
    {
      char buf[SIM_SOCKADDR_STRLEN];
      txn_trace (t, "send #1 to %s %s", sim_sockaddr_to_string (&t->peer.addr, buf),
                 t->peer.reliable ? "reliable" : "udp");
    }
  else
    txn_trace (t, "send #%u", t->sends);
  return txn_send (t, t->request);
}

SipTxn *
sip_txn_client_new (SipTxnLayer *layer, SipMsg *request, const SipTxnPeer *to,
                    const SipTxnConfig *config, SipTxnFunc func, gpointer user_data)
{
  SipStr branch, method;
  g_return_val_if_fail (layer != NULL && !layer->dead, NULL);
  g_return_val_if_fail (request != NULL && sip_msg_is_request (request), NULL);
  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (config == NULL || txn_config_valid (config), NULL);
  g_return_val_if_fail (sip_msg_method (request) != SIP_METHOD_ACK, NULL);
  /* Not inside the check macro: with G_DISABLE_CHECKS it would vanish and
   * leave branch and method unset. */
  gboolean has_branch = txn_msg_branch_method (request, &branch, &method);
  g_return_val_if_fail (has_branch, NULL);
  g_return_val_if_fail (txn_branch_has_cookie (branch), NULL);
  SipStr rmethod = sip_msg_method_str (request);
  g_return_val_if_fail (rmethod.len == method.len
                        && memcmp (rmethod.p, method.p, method.len) == 0, NULL);

  char *key = txn_client_key (branch.p, branch.len, method.p, method.len);
  if (g_hash_table_contains (layer->clients, key))
    {
      g_critical ("sip_txn_client_new: a client transaction %s already exists", key);
      g_free (key);
      return NULL;
    }
  gboolean invite = sip_msg_method (request) == SIP_METHOD_INVITE;
  SipTxn *t = txn_alloc (layer, invite ? SIP_TXN_KIND_ICT : SIP_TXN_KIND_NICT,
                         invite ? SIP_TXN_STATE_CALLING : SIP_TXN_STATE_TRYING,
                         request, to, on_retx);
  txn_resolve_config (t, config);
  t->func = func;
  t->user_data = user_data;
  txn_link (t, key);
  layer->stats.clients_created++;

  /* Timeout first: it wins a tie with a retransmission (note 1). */
  host_timer_start (&t->timeout, t->timeout_value);
  if (!t->peer.reliable)
    host_timer_start (&t->retx, t->retx_interval);   /* A or E = T1 */
  g_assert (txn_check_invariants (t));

  SimNetError err = send_request (t);
  if (err != SIM_NET_OK)
    txn_defer_error (t, err);                        /* reported from the loop */
  return t;
}

/* Timer A (ICT, Calling) or E (NICT, Trying/Proceeding). */
static void
on_retx (HostTimer *timer, gpointer user_data)
{
  SipTxn *t = user_data;
  if (t->kind == SIP_TXN_KIND_ICT)
    {
      g_assert (t->state == SIP_TXN_STATE_CALLING);
      /* §17.1.1.2: "reset the timer with a value of 2*T1", doubling on (note 3). */
      t->retx_interval = t->retx_interval > SIM_TIME_MAX / 4 ? SIM_TIME_MAX / 2
                                                              : 2 * t->retx_interval;
    }
  else if (t->state == SIP_TXN_STATE_PROCEEDING)
    t->retx_interval = t->t2;                        /* note 2 */
  else
    {
      g_assert (t->state == SIP_TXN_STATE_TRYING);
      t->retx_interval = MIN (2 * t->retx_interval, t->t2);   /* §17.1.2.2 */
    }
  host_timer_start (&t->retx, t->retx_interval);
  g_assert (txn_check_invariants (t));
  SimNetError err = send_request (t);
  if (err != SIM_NET_OK)
    txn_fail_transport (t, err);
}

static gboolean
report_response (SipTxn *t, SipMsg *resp)
{
  SipTxnEvent ev = {
    .outcome = SIP_TXN_RESPONSE,
    .msg = resp,
    .status = sip_msg_status (resp),
  };
  return txn_report (t, &ev);
}

static void
ict_on_response (SipTxn *t, SipMsg *resp, const SipTxnPeer *from)
{
  guint code = sip_msg_status (resp);

  if (t->state == SIP_TXN_STATE_COMPLETED)
    {
      if (code >= 300)
        {
          /* §17.1.1.2: a retransmitted final response is answered with the
           * ACK again and not passed to the TU. */
          t->ack_sends++;
          txn_trace (t, "absorb %u, ACK send #%u", code, t->ack_sends);
          SimNetError err = txn_send_last (t);
          if (err != SIM_NET_OK)
            txn_fail_transport (t, err);
        }
      else if (code >= 200)
        txn_layer_to_stray (t->layer, resp, from);   /* another fork's 2xx (note 6 of the header) */
      else
        txn_trace (t, "absorb %u", code);
      return;
    }

  txn_trace (t, "recv %u", code);
  if (code < 200)
    {
      if (t->state == SIP_TXN_STATE_CALLING)
        {
          host_timer_cancel (&t->retx);
          host_timer_cancel (&t->timeout);   /* B fires only in Calling (header note 6) */
          txn_set_state (t, SIP_TXN_STATE_PROCEEDING);
        }
      report_response (t, resp);
      return;
    }

  t->final_reported = TRUE;
  if (code < 300)
    {
      /* §17.1.1.2: a 2xx ends the transaction; the TU sends the ACK. */
      txn_enter_terminated (t);
      if (report_response (t, resp))
        txn_terminate (t);
      return;
    }

  /* 300-699: ACK, Completed, Timer D (§17.1.1.2, §17.1.1.3). */
  SipMsg *ack = build_ack_or_cancel (t->request, SIP_METHOD_ACK, resp);
  txn_set_last (t, ack);
  sip_msg_unref (ack);
  t->ack_sends = 1;
  host_timer_cancel (&t->retx);
  host_timer_cancel (&t->timeout);
  host_timer_start (&t->wait, t->wait_value);
  txn_set_state (t, SIP_TXN_STATE_COMPLETED);
  txn_trace (t, "ACK send #1");
  SimNetError err = txn_send_last (t);
  if (!report_response (t, resp))
    return;
  /* The TU has its answer; a dead path just ends the wait for
   * retransmissions (§17.1.4). */
  if (err != SIM_NET_OK)
    txn_fail_transport (t, err);
}

static void
nict_on_response (SipTxn *t, SipMsg *resp)
{
  guint code = sip_msg_status (resp);

  if (t->state == SIP_TXN_STATE_COMPLETED)
    {
      /* §17.1.2.2: Timer K absorbs retransmitted responses. */
      txn_trace (t, "absorb %u", code);
      return;
    }
  txn_trace (t, "recv %u", code);
  if (code < 200)
    {
      if (t->state == SIP_TXN_STATE_TRYING)
        txn_set_state (t, SIP_TXN_STATE_PROCEEDING);   /* E keeps running (note 2) */
      report_response (t, resp);
      return;
    }
  t->final_reported = TRUE;
  host_timer_cancel (&t->retx);
  host_timer_cancel (&t->timeout);
  host_timer_start (&t->wait, t->wait_value);          /* Timer K */
  txn_set_state (t, SIP_TXN_STATE_COMPLETED);
  if (report_response (t, resp) && t->state == SIP_TXN_STATE_COMPLETED)
    txn_release_request (t);                           /* Timer K needs only the key */
}

void
txn_client_on_response (SipTxn *t, SipMsg *resp, const SipTxnPeer *from)
{
  if (t->dead || t->state == SIP_TXN_STATE_TERMINATED || t->pending_err != SIM_NET_OK)
    return;                            /* already over; its end is being reported */
  if (t->kind == SIP_TXN_KIND_ICT)
    ict_on_response (t, resp, from);
  else
    nict_on_response (t, resp);
}
