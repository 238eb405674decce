/*
 * models/stun/client.c - STUN Binding client transactions (RFC 5389 §7.2).
 *
 * Notes
 *
 * 1. States of one transaction, and what moves it:
 *
 *        stun_client_binding(): send #1
 *                 |
 *                 v        timer, UDP, sends < Rc: send again,
 *             WAITING <--- then wait twice as long as before
 *             |  |  |
 *             |  |  +-- timer, UDP, sends == Rc: wait Rm * RTO ---+
 *             |  |  +-- reliable: wait Ti (after the only send) ---+
 *             |  |                                                 v
 *             |  |                                            FINAL_WAIT
 *             |  |                                                 | timer
 *             |  +-- response with our txid -> SUCCESS / ERROR_RESPONSE / BAD_RESPONSE
 *             +----- transport error, or a send fails -> TRANSPORT_ERROR
 *                                               FINAL_WAIT --timer--> TIMEOUT
 *
 *      WAITING    -> WAITING     [on_timer: send_request, arm_next]
 *      WAITING    -> FINAL_WAIT  [arm_next]
 *      FINAL_WAIT -> (ended)     [on_timer: finish TIMEOUT]
 *      any        -> (ended)     [stun_client_receive, stun_client_transport_error,
 *                                 on_timer after a failed send: finish]
 *
 *    Invariants (check_invariants): a pending transaction is on its
 *    client's list and its timer is pending; 1 <= sends <= Rc (1 if
 *    reliable); in FINAL_WAIT every send has been made.
 *
 * 2. The schedule (§7.2.1): "the client SHOULD retransmit ... starting with
 *    an interval of RTO, doubling after each retransmission ... until a
 *    total of Rc requests have been sent", then fail "if, after the last
 *    request, a duration equal to Rm times the RTO has passed".  The Rm
 *    wait uses the initial RTO (RFC 5389's own example: 39.5 s = 31.5 s +
 *    16 x 0.5 s).  Retransmissions are byte-identical: same transaction id.
 *
 * 3. Not done: §7.2.1's RTO caching and RTT estimation across transactions
 *    (RFC 2988) and the limit on outstanding transactions per server;
 *    responses from an address other than the one the request went to are
 *    accepted (§7.3 matches on transaction id only).
 */
#include "models/stun/client.h"

#include <string.h>

struct StunTransaction {
  StunClient        *client;
  GList              link;          /* in client->pending; data = this */
  guint64            seq;           /* creation order */
  guint8             txid[STUN_TXID_LEN];
  SimSockAddr        server;
  GBytes            *request;
  HostTimer          timer;
  SimTime            interval;      /* next retransmission interval (UDP) */
  SimTime            started_at;
  guint              sends;
  gboolean           final_wait;
  gboolean           ending;        /* off the list, done running: freed by finish() */
  gboolean           send_failed;   /* the first send failed: report from the timer */
  SimTime            once_wait;     /* > 0: stun_client_binding_once(): one send, this wait */
  SimNetError        send_error;
  StunClientDoneFunc done;
  gpointer           user_data;
};

struct StunClient {
  SimHost           *host;
  SimRng            *rng;
  StunClientConfig   cfg;
  char              *software;
  StunClientSendFunc send;
  gpointer           send_data;
  GQueue             pending;       /* of StunTransaction, via ->link */
  guint64            next_seq;
};

const char *
stun_outcome_to_string (StunOutcome outcome)
{
  switch (outcome)
    {
    case STUN_RESULT_SUCCESS:         return "success";
    case STUN_RESULT_ERROR_RESPONSE:  return "error-response";
    case STUN_RESULT_BAD_RESPONSE:    return "bad-response";
    case STUN_RESULT_TIMEOUT:         return "timeout";
    case STUN_RESULT_TRANSPORT_ERROR: return "transport-error";
    }
  return "?";
}

static gboolean
check_invariants (const StunTransaction *txn)
{
  const StunClient *c = txn->client;
  guint max_sends = c->cfg.reliable || txn->once_wait > 0 ? 1 : c->cfg.rc;
  if (txn->link.data != txn || !host_timer_is_pending (&txn->timer))
    return FALSE;
  if (txn->send_failed)
    return txn->sends <= 1;
  if (txn->sends < 1 || txn->sends > max_sends)
    return FALSE;
  return !txn->final_wait || txn->sends == max_sends;
}

StunClient *
stun_client_new (SimHost *host, SimRng *rng, const StunClientConfig *cfg,
                 StunClientSendFunc send, gpointer send_data)
{
  g_return_val_if_fail (host != NULL && rng != NULL && send != NULL, NULL);
  StunClient *c = g_new0 (StunClient, 1);
  c->host = host;
  c->rng = rng;
  if (cfg)
    c->cfg = *cfg;
  if (c->cfg.rto <= 0)
    c->cfg.rto = STUN_DEFAULT_RTO;
  if (c->cfg.rc == 0)
    c->cfg.rc = STUN_DEFAULT_RC;
  if (c->cfg.rm == 0)
    c->cfg.rm = STUN_DEFAULT_RM;
  if (c->cfg.ti <= 0)
    c->cfg.ti = STUN_DEFAULT_TI;
  c->software = g_strdup (c->cfg.software);
  c->cfg.software = c->software;
  c->send = send;
  c->send_data = send_data;
  g_queue_init (&c->pending);
  return c;
}

static void
txn_free (StunTransaction *txn)
{
  host_timer_cancel (&txn->timer);
  g_bytes_unref (txn->request);
  g_free (txn);
}

void
stun_client_free (StunClient *c)
{
  if (c == NULL)
    return;
  GList *l;
  while ((l = g_queue_peek_head_link (&c->pending)) != NULL)
    {
      StunTransaction *txn = l->data;
      g_queue_unlink (&c->pending, l);
      txn_free (txn);
    }
  g_free (c->software);
  g_free (c);
}

static const char *
txid_short (const guint8 *txid, char buf[9])
{
  g_snprintf (buf, 9, "%02x%02x%02x%02x", txid[0], txid[1], txid[2], txid[3]);
  return buf;
}

/* Ends @txn: off the list, timer cancelled, done called, freed. */
static void
finish (StunTransaction *txn, StunResult *r)
{
  StunClient *c = txn->client;
  g_queue_unlink (&c->pending, &txn->link);
  host_timer_cancel (&txn->timer);

  char a[SIM_SOCKADDR_STRLEN], id[9];
  r->server = txn->server;
  r->sends = txn->sends;
  r->started_at = txn->started_at;
  r->elapsed = host_now (c->host) - txn->started_at;
  if (r->outcome == STUN_RESULT_SUCCESS)
    {
      char m[STUN_ADDRESS_STRLEN];
      host_trace (c->host, "stun: Binding %s to %s: success, mapped %s",
                  txid_short (txn->txid, id), sim_sockaddr_to_string (&txn->server, a),
                  stun_address_to_string (&r->mapped, m));
    }
  else if (r->outcome == STUN_RESULT_ERROR_RESPONSE)
    host_trace (c->host, "stun: Binding %s to %s: error %u",
                txid_short (txn->txid, id), sim_sockaddr_to_string (&txn->server, a),
                r->error_code);
  else if (r->outcome == STUN_RESULT_TRANSPORT_ERROR)
    host_trace (c->host, "stun: Binding %s to %s: %s",
                txid_short (txn->txid, id), sim_sockaddr_to_string (&txn->server, a),
                sim_net_error_to_string (r->net_error));
  else
    host_trace (c->host, "stun: Binding %s to %s: %s after %u sends",
                txid_short (txn->txid, id), sim_sockaddr_to_string (&txn->server, a),
                stun_outcome_to_string (r->outcome), txn->sends);

  txn->ending = TRUE;
  if (txn->done)
    txn->done (txn, r, txn->user_data);
  txn_free (txn);
}

static void
finish_transport (StunTransaction *txn, SimNetError err)
{
  StunResult r = { .outcome = STUN_RESULT_TRANSPORT_ERROR, .net_error = err };
  finish (txn, &r);
}

/* One send of the request; SIM_NET_OK or the error the owner reported. */
static SimNetError
send_request (StunTransaction *txn)
{
  StunClient *c = txn->client;
  gsize len;
  const guint8 *data = g_bytes_get_data (txn->request, &len);
  if (txn->sends == 0)
    txn->started_at = host_now (c->host);
  txn->sends++;
  char a[SIM_SOCKADDR_STRLEN], id[9];
  host_trace (c->host, "stun: Binding request %s to %s (%u/%u)",
              txid_short (txn->txid, id), sim_sockaddr_to_string (&txn->server, a),
              txn->sends, c->cfg.reliable || txn->once_wait > 0 ? 1 : c->cfg.rc);
  return c->send (&txn->server, data, len, c->send_data);
}

/* After a send: the next retransmission, or the final wait (note 2). */
static void
arm_next (StunTransaction *txn)
{
  const StunClientConfig *cfg = &txn->client->cfg;
  if (txn->once_wait > 0)
    {
      txn->final_wait = TRUE;
      host_timer_start (&txn->timer, txn->once_wait);
    }
  else if (cfg->reliable)
    {
      txn->final_wait = TRUE;
      host_timer_start (&txn->timer, cfg->ti);
    }
  else if (txn->sends < cfg->rc)
    {
      host_timer_start (&txn->timer, txn->interval);
      /* Doubled, saturating at "never" (a huge Rc would overflow). */
      txn->interval = txn->interval > SIM_TIME_MAX / 2 ? SIM_TIME_MAX : 2 * txn->interval;
    }
  else
    {
      txn->final_wait = TRUE;
      host_timer_start (&txn->timer, cfg->rto > SIM_TIME_MAX / cfg->rm ? SIM_TIME_MAX
                                     : (SimTime) cfg->rm * cfg->rto);
    }
  g_assert (check_invariants (txn));
}

static void
on_timer (HostTimer *timer, gpointer user_data)
{
  StunTransaction *txn = user_data;
  if (txn->send_failed)
    {
      finish_transport (txn, txn->send_error);
      return;
    }
  if (txn->final_wait)
    {
      StunResult r = { .outcome = STUN_RESULT_TIMEOUT };
      finish (txn, &r);
      return;
    }
  SimNetError err = send_request (txn);
  if (err != SIM_NET_OK)
    {
      finish_transport (txn, err);
      return;
    }
  arm_next (txn);
}

static StunTransaction *
binding_start (StunClient *c, const SimSockAddr *server, SimTime once_wait,
               StunClientDoneFunc done, gpointer user_data)
{
  StunTransaction *txn = g_new0 (StunTransaction, 1);
  txn->client = c;
  txn->once_wait = once_wait;
  txn->link.data = txn;
  txn->seq = c->next_seq++;
  txn->server = *server;
  txn->interval = c->cfg.rto;
  txn->done = done;
  txn->user_data = user_data;
  /* §6: 96 random bits, from the caller's stream. */
  guint64 r0 = sim_rng_u64 (c->rng), r1 = sim_rng_u64 (c->rng);
  for (int i = 0; i < 8; i++)
    txn->txid[i] = (guint8) (r0 >> (56 - 8 * i));
  for (int i = 0; i < 4; i++)
    txn->txid[8 + i] = (guint8) (r1 >> (56 - 8 * i));
  txn->request = stun_binding_request_new (txn->txid, c->software, c->cfg.fingerprint);
  host_timer_init (c->host, &txn->timer, on_timer, txn);
  g_queue_push_tail_link (&c->pending, &txn->link);

  SimNetError err = send_request (txn);
  if (err != SIM_NET_OK)
    {
      /* Report from the event loop, never inside this call. */
      txn->send_failed = TRUE;
      txn->send_error = err;
      host_timer_start (&txn->timer, 0);
      g_assert (check_invariants (txn));
      return txn;
    }
  arm_next (txn);
  return txn;
}

StunTransaction *
stun_client_binding (StunClient *c, const SimSockAddr *server, StunClientDoneFunc done,
                     gpointer user_data)
{
  g_return_val_if_fail (c != NULL && server != NULL, NULL);
  return binding_start (c, server, 0, done, user_data);
}

StunTransaction *
stun_client_binding_once (StunClient *c, const SimSockAddr *server, SimTime wait,
                          StunClientDoneFunc done, gpointer user_data)
{
  g_return_val_if_fail (c != NULL && server != NULL && wait > 0, NULL);
  return binding_start (c, server, wait, done, user_data);
}

void
stun_transaction_cancel (StunTransaction *txn)
{
  g_return_if_fail (txn != NULL);
  if (txn->ending)
    return;               /* from its own done function: finish() frees it */
  g_queue_unlink (&txn->client->pending, &txn->link);
  txn_free (txn);
}

const guint8 *
stun_transaction_get_txid (const StunTransaction *txn)
{
  g_return_val_if_fail (txn != NULL, NULL);
  return txn->txid;
}

guint
stun_client_get_n_pending (const StunClient *c)
{
  g_return_val_if_fail (c != NULL, 0);
  return c->pending.length;
}

static StunTransaction *
find_txn (StunClient *c, const guint8 *txid)
{
  for (GList *l = c->pending.head; l; l = l->next)
    {
      StunTransaction *txn = l->data;
      if (memcmp (txn->txid, txid, STUN_TXID_LEN) == 0)
        return txn;
    }
  return NULL;
}

gboolean
stun_client_receive (StunClient *c, const SimSockAddr *from, const guint8 *data, gsize len)
{
  g_return_val_if_fail (c != NULL && (data != NULL || len == 0), FALSE);
  if (!stun_msg_looks_like_stun (data, len))
    return FALSE;
  g_autoptr (StunMsg) msg = stun_msg_parse (data, len, NULL);
  if (msg == NULL)
    return FALSE;
  StunClass cls = stun_msg_get_class (msg);
  if (cls != STUN_CLASS_SUCCESS && cls != STUN_CLASS_ERROR)
    return FALSE;
  StunTransaction *txn = find_txn (c, stun_msg_get_txid (msg));
  if (txn == NULL || txn->send_failed)
    return FALSE;

  StunResult r = { .outcome = STUN_RESULT_BAD_RESPONSE, .response = msg };
  guint n_unknown = 0;
  stun_msg_get_unknown_required (msg, &n_unknown);
  /* §7.3.3 / §7.3.4: unknown comprehension-required attributes make a
   * response unusable; a Binding success is only useful with an address. */
  if (n_unknown == 0 && stun_msg_get_method (msg) == STUN_METHOD_BINDING)
    {
      if (cls == STUN_CLASS_SUCCESS)
        {
          if (stun_msg_get_xor_mapped_address (msg, &r.mapped))
            r.outcome = STUN_RESULT_SUCCESS, r.mapped_is_xor = TRUE;
          else if (stun_msg_get_mapped_address (msg, &r.mapped))
            r.outcome = STUN_RESULT_SUCCESS;
        }
      else if (stun_msg_get_error_code (msg, &r.error_code, &r.reason))
        r.outcome = STUN_RESULT_ERROR_RESPONSE;
    }
  finish (txn, &r);
  return TRUE;
}

guint
stun_client_transport_error (StunClient *c, const SimSockAddr *remote, SimNetError err)
{
  g_return_val_if_fail (c != NULL, 0);
  /* Only those pending now: a done function may start new ones, and those
   * must not be failed by an error that happened before them. */
  guint64 limit = c->next_seq;
  guint ended = 0;
  for (;;)
    {
      StunTransaction *hit = NULL;
      for (GList *l = c->pending.head; l; l = l->next)
        {
          StunTransaction *txn = l->data;
          if (txn->seq < limit && (remote == NULL || sim_sockaddr_equal (&txn->server, remote)))
            {
              hit = txn;
              break;
            }
        }
      if (hit == NULL)
        return ended;
      finish_transport (hit, err);
      ended++;
    }
}
