/*
 * models/sip/txn-server.c - server transactions: INVITE (RFC 3261
 * §17.2.1, Figure 7) and non-INVITE (§17.2.2, Figure 8).  Diagrams,
 * transition table and invariants: transaction.h.
 *
 * Notes
 *
 * 1. Where responses go (§18.2.2, RFC 3581 §4).  Computed once, when the
 *    request arrives: over a reliable transport, back on the flow it came
 *    in on; over UDP to the source address, and to the source port when
 *    the top Via has "rport", else to the sent-by port (5060 if none).
 *    The layer never adds "received"/"rport" values to the Via: that is
 *    the TU's (or proxy's) business when it builds the response.
 *
 * 2. 100 Trying (§17.2.1): the "retx" timer doubles as the 200 ms delay
 *    before an automatic 100 Trying for INVITE; any response from the TU
 *    cancels it.  Timer G uses the same timer once a 300-699 is sent.
 *
 * 3. A retransmitted INVITE in Proceeding before any provisional has been
 *    sent (within the first 200 ms) is absorbed: there is nothing to
 *    re-send yet, and the 100 Trying follows shortly.
 *
 * 4. Sends from inside sip_txn_respond() that fail are reported from the
 *    loop (txn_defer_error); sends from timers and from received
 *    retransmissions fail the transaction at once (txn_fail), since those
 *    already run from the event loop.
 */
#include "models/sip/txn-private.h"

#include <string.h>

#include "models/sip/builder.h"

#define TRYING_DELAY SIM_MS (200)      /* §17.2.1 */

static void on_retx (HostTimer *timer, gpointer user_data);

/* Note 1. */
static void
response_peer (SipMsg *request, const SipTxnPeer *from, SipTxnPeer *out)
{
  const SipVia *via = sip_msg_via (request, 0);
  *out = *from;
  if (!from->reliable && !via->has_rport)
    out->addr.port = via->port ? via->port : 5060;
}

SipTxn *
txn_server_new (SipTxnLayer *layer, SipMsg *request, const SipTxnPeer *from, char *key)
{
  gboolean invite = sip_msg_method (request) == SIP_METHOD_INVITE;
  SipTxnPeer peer;
  response_peer (request, from, &peer);
  SipTxn *t = txn_alloc (layer, invite ? SIP_TXN_KIND_IST : SIP_TXN_KIND_NIST,
                         invite ? SIP_TXN_STATE_PROCEEDING : SIP_TXN_STATE_TRYING,
                         request, &peer, on_retx);
  txn_resolve_config (t, NULL);
  txn_link (t, key);
  char buf[SIM_SOCKADDR_STRLEN];
  txn_trace (t, "new from %s %s", sim_sockaddr_to_string (&from->addr, buf),
             from->reliable ? "reliable" : "udp");
  if (invite)
    host_timer_start (&t->retx, TRYING_DELAY);        /* note 2 */
  g_assert (txn_check_invariants (t));
  return t;
}

/* Sends t->last (again). */
static SimNetError
send_last (SipTxn *t)
{
  t->sends++;
  txn_trace (t, "%u send #%u", t->last_status, t->sends);
  return txn_send_last (t);
}

static void
set_last (SipTxn *t, SipMsg *resp)
{
  txn_set_last (t, resp);
  t->last_status = sip_msg_status (resp);
  t->sends = 0;
}

gboolean
sip_txn_respond (SipTxn *txn, SipMsg *response)
{
  SipTxn *t = txn;
  g_return_val_if_fail (t != NULL && !t->dead, FALSE);
  g_return_val_if_fail (t->kind == SIP_TXN_KIND_IST || t->kind == SIP_TXN_KIND_NIST, FALSE);
  g_return_val_if_fail (response != NULL && !sip_msg_is_request (response), FALSE);
  guint code = sip_msg_status (response);
  g_return_val_if_fail (code >= 100 && code <= 699, FALSE);
  const SipCSeq *cseq = sip_msg_cseq (response);
  g_return_val_if_fail (cseq != NULL && cseq->method_str.len == strlen (t->method)
                        && memcmp (cseq->method_str.p, t->method, cseq->method_str.len) == 0,
                        FALSE);

  if (t->state == SIP_TXN_STATE_TERMINATED || t->pending_err != SIM_NET_OK)
    return FALSE;

  if (t->kind == SIP_TXN_KIND_IST)
    {
      if (t->state != SIP_TXN_STATE_PROCEEDING)
        return FALSE;
      host_timer_cancel (&t->retx);               /* no automatic 100 any more */
      set_last (t, response);
      if (code < 200)
        g_assert (txn_check_invariants (t));
      else if (code < 300)
        {
          /* §17.2.1: a 2xx ends the transaction at once; the TU
           * retransmits it (header note 6). */
          SimNetError err = send_last (t);
          if (err != SIM_NET_OK)
            txn_defer_error (t, err);
          else
            txn_terminate_deferred (t);
          return TRUE;
        }
      else
        {
          t->retx_interval = t->t1;
          host_timer_start (&t->timeout, t->timeout_value);   /* H first: wins ties */
          if (!t->peer.reliable)
            host_timer_start (&t->retx, t->retx_interval);    /* G */
          txn_set_state (t, SIP_TXN_STATE_COMPLETED);
        }
    }
  else
    {
      if (t->state == SIP_TXN_STATE_COMPLETED)
        return FALSE;
      set_last (t, response);
      if (code < 200)
        {
          if (t->state == SIP_TXN_STATE_TRYING)
            txn_set_state (t, SIP_TXN_STATE_PROCEEDING);
        }
      else
        {
          host_timer_start (&t->wait, t->wait_value);         /* J */
          txn_set_state (t, SIP_TXN_STATE_COMPLETED);
          txn_release_request (t);
        }
    }
  SimNetError err = send_last (t);
  if (err != SIM_NET_OK)
    txn_defer_error (t, err);                                 /* note 4 */
  return TRUE;
}

/* A retransmitted request, or the ACK, matched @t (§17.2.1, §17.2.2). */
void
txn_server_on_request (SipTxn *t, SipMsg *request)
{
  if (t->dead || t->state == SIP_TXN_STATE_TERMINATED || t->pending_err != SIM_NET_OK)
    return;
  gboolean ack = sip_msg_method (request) == SIP_METHOD_ACK;

  if (ack)
    {
      if (t->state != SIP_TXN_STATE_COMPLETED)
        {
          txn_trace (t, "absorb ACK");
          return;
        }
      txn_trace (t, "recv ACK");
      host_timer_cancel (&t->retx);
      host_timer_cancel (&t->timeout);
      host_timer_start (&t->wait, t->wait_value);             /* Timer I */
      txn_set_state (t, SIP_TXN_STATE_CONFIRMED);
      return;
    }

  gboolean resend = t->last != NULL && t->state != SIP_TXN_STATE_CONFIRMED;
  if (!resend)
    {
      txn_trace (t, "absorb request");                        /* note 3 */
      return;
    }
  SimNetError err = send_last (t);
  if (err != SIM_NET_OK)
    txn_fail_transport (t, err);
}

/* IST: the 200 ms 100 Trying delay (Proceeding) or Timer G (Completed). */
static void
on_retx (HostTimer *timer, gpointer user_data)
{
  SipTxn *t = user_data;
  g_assert (t->kind == SIP_TXN_KIND_IST);
  if (t->state == SIP_TXN_STATE_PROCEEDING)
    {
      /* §8.2.6.1: a 100 Trying copies the request's Timestamp. */
      SipBuilder *b = sip_builder_response (t->request, 100, NULL, NULL);
      sip_builder_copy_header (b, t->request, SIP_HDR_TIMESTAMP);
      SipMsg *trying = sip_builder_finish_msg (b);
      g_return_if_fail (trying != NULL);
      set_last (t, trying);
      sip_msg_unref (trying);
      g_assert (txn_check_invariants (t));
    }
  else
    {
      g_assert (t->state == SIP_TXN_STATE_COMPLETED);
      t->retx_interval = MIN (2 * t->retx_interval, t->t2);   /* §17.2.1 */
      host_timer_start (&t->retx, t->retx_interval);
    }
  SimNetError err = send_last (t);
  if (err != SIM_NET_OK)
    txn_fail_transport (t, err);
}
