/*
 * models/sip/txn-dispatch.c - what reaches the transaction layer from
 * outside: transaction keys and matching (RFC 3261 §17.1.3, §17.2.3),
 * dispatch of received messages to their transaction or the TU, transport
 * errors, stateless sends and the CANCEL target.  Split from txn-layer.c
 * (its notes 1-3 hold here: re-entrancy through layer_enter/leave and
 * txn_leave, creation order for errors).
 */
#include "models/sip/txn-private.h"

#include <string.h>

#include "models/sip/builder.h"

/* ------------------------------------------------------ keys */

gboolean
txn_msg_branch_method (SipMsg *msg, SipStr *branch, SipStr *method)
{
  const SipVia *via = sip_msg_via (msg, 0);
  const SipCSeq *cseq = sip_msg_cseq (msg);
  if (via == NULL || cseq == NULL || !sip_str_present (via->branch) || via->branch.len == 0)
    return FALSE;
  *branch = via->branch;
  *method = cseq->method_str;
  return sip_str_present (*method) && method->len > 0;
}

/* Keys are built by hand, not with printf: one is made for every message
 * the layer sends or receives.  "%.*s" semantics are kept (a slice ends
 * at a NUL, which a parsed branch, host or method never holds). */
static char *
key_put (char *d, const char *p, gsize n)
{
  n = p ? strnlen (p, n) : 0;
  memcpy (d, p, n);
  return d + n;
}

/* "branch method" into @key, which has room. */
static void
client_key_put (char *key, const char *branch, gsize branch_len, const char *method,
                gsize method_len)
{
  char *d = key_put (key, branch, branch_len);
  *d++ = ' ';
  d = key_put (d, method, method_len);
  *d = '\0';
}

char *
txn_client_key (const char *branch, gsize branch_len, const char *method, gsize method_len)
{
  char *key = g_malloc (branch_len + 1 + method_len + 1);
  client_key_put (key, branch, branch_len, method, method_len);
  return key;
}

const char *
txn_client_key_in (char *buf, gsize size, char **heap, const char *branch, gsize branch_len,
                   const char *method, gsize method_len)
{
  *heap = NULL;
  if (branch_len + 1 + method_len + 1 > size)
    return *heap = txn_client_key (branch, branch_len, method, method_len);
  client_key_put (buf, branch, branch_len, method, method_len);
  return buf;
}

/* "branch host:port method", the host lower-cased and ACK counted as
 * INVITE (note 7 of the header); newly allocated. */
static char *
txn_server_key (const SipVia *via, SipStr method)
{
  /* §17.2.3: the ACK for a non-2xx belongs to the INVITE transaction. */
  if (sip_str_eq (method, "ACK"))
    method = (SipStr) { "INVITE", 6 };
  char *key = g_malloc (via->branch.len + 1 + via->host.len + 1 + 5 + 1 + method.len + 1);
  char *d = key_put (key, via->branch.p, via->branch.len);
  *d++ = ' ';
  char *h = d;
  d = key_put (d, via->host.p, via->host.len);
  for (; h < d; h++)
    *h = g_ascii_tolower (*h);
  *d++ = ':';
  char digits[5];
  guint n = 0, port = via->port;
  do
    digits[n++] = (char) ('0' + port % 10);
  while ((port /= 10) != 0);
  while (n > 0)
    *d++ = digits[--n];
  *d++ = ' ';
  d = key_put (d, method.p, method.len);
  *d = '\0';
  return key;
}

gboolean
txn_branch_has_cookie (SipStr branch)
{
  gsize n = strlen (SIP_TXN_MAGIC_COOKIE);
  return branch.len > n && memcmp (branch.p, SIP_TXN_MAGIC_COOKIE, n) == 0;
}

/* ------------------------------------------------------ dispatch */

static void
layer_trace (SipTxnLayer *layer, SipMsg *msg, const char *what)
{
  SipStr branch = SIP_STR_NULL, method = SIP_STR_NULL;
  const SipVia *via = sip_msg_via (msg, 0);
  const SipCSeq *cseq = sip_msg_cseq (msg);
  if (via && sip_str_present (via->branch))
    branch = via->branch;
  if (cseq)
    method = cseq->method_str;
  if (sip_msg_is_request (msg))
    host_trace (layer->host, "txn - %.*s %.*s %s %.*s", (int) branch.len,
                branch.p ? branch.p : "", (int) method.len, method.p ? method.p : "", what,
                (int) sip_msg_method_str (msg).len, sip_msg_method_str (msg).p);
  else
    host_trace (layer->host, "txn - %.*s %.*s %s %u", (int) branch.len,
                branch.p ? branch.p : "", (int) method.len, method.p ? method.p : "", what,
                sip_msg_status (msg));
}

void
txn_layer_to_stray (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from)
{
  layer->stats.stray_responses++;
  layer_trace (layer, msg, "stray");
  if (layer->tu.stray_response)
    {
      layer_enter (layer);
      layer->tu.stray_response (layer, msg, from, layer->tu_data);
      layer_leave (layer);
    }
}

/* A stateless response to a request the layer will not take (note 6 of
 * the header): 400 or 501, to where the request came from. */
static void
reject (SipTxnLayer *layer, SipMsg *req, const SipTxnPeer *from, guint code,
        const char *reason)
{
  layer->stats.rejected_requests++;
  layer_trace (layer, req, reason);
  if (sip_msg_method (req) == SIP_METHOD_ACK)
    return;                           /* §17.1.1.3: an ACK is never answered */
  SipMsg *resp = sip_builder_finish_msg (sip_builder_response (req, code, NULL, NULL));
  if (resp == NULL)
    return;
  SipStr raw = sip_msg_raw (resp);
  layer->send (layer, from, (const guint8 *) raw.p, raw.len, layer->send_data);
  sip_msg_unref (resp);
}

static void
receive_response (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from)
{
  SipStr branch, method;
  SipTxn *t = NULL;
  if (txn_msg_branch_method (msg, &branch, &method))
    {
      /* Every response is looked up: the usual key needs no allocation. */
      char buf[128];
      g_autofree char *heap = NULL;
      t = g_hash_table_lookup (layer->clients,
                               txn_client_key_in (buf, sizeof buf, &heap, branch.p, branch.len,
                                                  method.p, method.len));
    }
  if (t == NULL)
    {
      txn_layer_to_stray (layer, msg, from);
      return;
    }
  t->busy++;
  txn_client_on_response (t, msg, from);
  txn_leave (t);
}

static void
receive_request (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from)
{
  const SipVia *via = sip_msg_via (msg, 0);
  const SipCSeq *cseq = sip_msg_cseq (msg);
  SipStr method = sip_msg_method_str (msg);

  if (via == NULL || !sip_str_present (via->branch) || !txn_branch_has_cookie (via->branch))
    {
      reject (layer, msg, from, 400, "reject no-cookie");
      return;
    }
  if (cseq == NULL || cseq->method_str.len != method.len
      || memcmp (cseq->method_str.p, method.p, method.len) != 0)
    {
      reject (layer, msg, from, 400, "reject cseq-method");
      return;
    }

  char *key = txn_server_key (via, method);
  SipTxn *t = g_hash_table_lookup (layer->servers, key);
  if (t)
    {
      g_free (key);
      t->busy++;
      txn_server_on_request (t, msg);
      txn_leave (t);
      return;
    }
  if (sip_msg_method (msg) == SIP_METHOD_ACK)
    {
      g_free (key);
      layer->stats.unmatched_acks++;
      layer_trace (layer, msg, "unmatched");
      if (layer->tu.ack)
        {
          layer_enter (layer);
          layer->tu.ack (layer, msg, from, layer->tu_data);
          layer_leave (layer);
        }
      return;
    }
  if (layer->tu.request == NULL)
    {
      g_free (key);
      reject (layer, msg, from, 501, "reject no-tu");
      return;
    }
  t = txn_server_new (layer, msg, from, key);
  layer->stats.servers_created++;
  t->busy++;
  layer_enter (layer);
  layer->tu.request (layer, t, msg, from, layer->tu_data);
  gboolean alive = layer_leave (layer);
  if (txn_leave (t) && alive)
    g_assert (t->state == SIP_TXN_STATE_TERMINATED || txn_check_invariants (t));
}

void
sip_txn_layer_receive (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from)
{
  g_return_if_fail (layer != NULL && !layer->dead);
  g_return_if_fail (msg != NULL && from != NULL);
  layer_enter (layer);
  if (sip_msg_is_request (msg))
    receive_request (layer, msg, from);
  else
    receive_response (layer, msg, from);
  layer_leave (layer);
}

/* ------------------------------------------------------ transport errors */

guint
sip_txn_layer_transport_error (SipTxnLayer *layer, gpointer flow, const SimSockAddr *remote,
                               SimNetError err)
{
  g_return_val_if_fail (layer != NULL && !layer->dead, 0);
  g_return_val_if_fail (flow != NULL || remote != NULL, 0);
  g_return_val_if_fail (err != SIM_NET_OK, 0);

  /* Collect first (note 1): a report may abort others or free the layer. */
  GPtrArray *hit = g_ptr_array_new ();
  for (GList *l = layer->all.head; l; l = l->next)
    {
      SipTxn *t = l->data;
      if ((flow == NULL || t->peer.flow == flow)
          && (remote == NULL || sim_sockaddr_equal (&t->peer.addr, remote))
          && txn_error_applies (t))
        {
          t->busy++;
          g_ptr_array_add (hit, t);
        }
    }
  layer_enter (layer);
  guint n = 0;
  SipTxnEvent ev = { .outcome = SIP_TXN_TRANSPORT_ERROR, .error = err };
  for (guint i = 0; i < hit->len; i++)
    {
      SipTxn *t = hit->pdata[i];
      if (!t->dead && !layer->dead)
        {
          txn_fail (t, &ev);
          n++;
        }
      txn_leave (t);
    }
  layer_leave (layer);
  g_ptr_array_unref (hit);
  return n;
}

void
sip_txn_transport_error (SipTxn *txn, SimNetError err)
{
  g_return_if_fail (txn != NULL && !txn->dead);
  g_return_if_fail (err != SIM_NET_OK);
  /* The layer-wide rule: a NIST that has sent nothing, an IST whose ACK
   * has come, or a transaction already ending is not concerned. */
  if (!txn_error_applies (txn))
    return;
  txn_fail_transport (txn, err);
}

/* ------------------------------------------------------ stateless send */

SimNetError
sip_txn_layer_send (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *to)
{
  g_return_val_if_fail (layer != NULL && !layer->dead, SIM_NET_ERR_NO_ROUTE);
  g_return_val_if_fail (msg != NULL && to != NULL, SIM_NET_ERR_NO_ROUTE);
  layer_trace (layer, msg, "stateless send");
  SipStr raw = sip_msg_raw (msg);
  return layer->send (layer, to, (const guint8 *) raw.p, raw.len, layer->send_data);
}

/* §9.2: a CANCEL matches the transaction of the request it cancels by the
 * same rule as §17.2.3, with INVITE as the method. */
SipTxn *
sip_txn_layer_find_cancel_target (SipTxnLayer *layer, SipMsg *cancel)
{
  g_return_val_if_fail (layer != NULL && cancel != NULL, NULL);
  g_return_val_if_fail (sip_msg_method (cancel) == SIP_METHOD_CANCEL, NULL);
  const SipVia *via = sip_msg_via (cancel, 0);
  if (via == NULL || !sip_str_present (via->branch))
    return NULL;
  g_autofree char *key = txn_server_key (via, (SipStr) { "INVITE", 6 });
  return g_hash_table_lookup (layer->servers, key);
}

