/*
 * models/sip/txn-layer.c - the transaction layer: configuration, the
 * layer's and the transactions' lifetimes, and the machinery every state
 * machine shares (reports to the TU, termination, the invariants).
 * Matching and dispatch of received messages (RFC 3261 §17.1.3, §17.2.3),
 * transport errors and stateless sends are in txn-dispatch.c.  The state machines themselves are in
 * txn-client.c and txn-server.c; the design notes, diagrams, transition
 * table and invariants are in transaction.h.
 *
 * Notes
 *
 * 1. Re-entrancy.  A TU callback may abort any transaction or free the
 *    layer.  Each transaction and the layer carry a busy count (callbacks
 *    on the stack) and a dead flag; "destroy" unlinks and cancels at once
 *    but releases memory only when the count is back to zero, as
 *    sim/net/tcp.c note 11 does for sockets.  txn_report() returns FALSE
 *    once its transaction is dead, and every caller stops touching it
 *    then.  Loops over several transactions (transport errors) first
 *    collect them, holding a busy count on each, then skip the dead ones.
 *
 * 2. Order.  The list of all transactions keeps creation order, so a
 *    transport error that ends several transactions reports them in a
 *    deterministic order (the hash tables' order would depend on their
 *    history).
 *
 * 3. Two memberships.  A transaction is in its match table while it is
 *    not TERMINATED (messages can reach it), and in layer->all until it is
 *    released (after its TERMINATED report, or when aborted).  The gap
 *    matters: a transaction whose TERMINATED report waits on a zero-delay
 *    timer is out of the table but still has that timer, and freeing the
 *    layer must cancel it.
 */
#include "models/sip/txn-private.h"

#include <stdarg.h>
#include <string.h>

#include "models/sip/builder.h"

#define RFC_T1      SIM_MS (500)
#define RFC_T2      SIM_S (4)
#define RFC_T4      SIM_S (5)
#define RFC_TIMER_D SIM_S (32)     /* §17.1.1.2: "at least 32 seconds" */

static void txn_on_timeout (HostTimer *timer, gpointer user_data);
static void txn_on_wait    (HostTimer *timer, gpointer user_data);

/* ---------------------------------------------------------- names */

const char *
sip_txn_kind_to_string (SipTxnKind kind)
{
  switch (kind)
    {
    case SIP_TXN_KIND_ICT:  return "ict";
    case SIP_TXN_KIND_NICT: return "nict";
    case SIP_TXN_KIND_IST:  return "ist";
    case SIP_TXN_KIND_NIST: return "nist";
    }
  return "?";
}

const char *
sip_txn_state_to_string (SipTxnState state)
{
  switch (state)
    {
    case SIP_TXN_STATE_CALLING:    return "Calling";
    case SIP_TXN_STATE_TRYING:     return "Trying";
    case SIP_TXN_STATE_PROCEEDING: return "Proceeding";
    case SIP_TXN_STATE_COMPLETED:  return "Completed";
    case SIP_TXN_STATE_CONFIRMED:  return "Confirmed";
    case SIP_TXN_STATE_TERMINATED: return "Terminated";
    }
  return "?";
}

const char *
sip_txn_outcome_to_string (SipTxnOutcome outcome)
{
  switch (outcome)
    {
    case SIP_TXN_RESPONSE:        return "response";
    case SIP_TXN_TIMEOUT:         return "timeout";
    case SIP_TXN_TRANSPORT_ERROR: return "transport-error";
    case SIP_TXN_TERMINATED:      return "terminated";
    }
  return "?";
}

static gboolean
is_client (SipTxnKind kind)
{
  return kind == SIP_TXN_KIND_ICT || kind == SIP_TXN_KIND_NICT;
}

/* ---------------------------------------------------------- config */

gboolean
txn_config_valid (const SipTxnConfig *c)
{
  return c->t1 >= 0 && c->t2 >= 0 && c->t4 >= 0 && c->timer_b >= 0 && c->timer_d >= 0
         && c->timer_f >= 0 && c->timer_h >= 0 && c->timer_j >= 0;
}

/* One field: the transaction's value, else the layer's, else @dflt. */
static SimTime
pick (SimTime txn_value, SimTime layer_value, SimTime dflt)
{
  return txn_value ? txn_value : layer_value ? layer_value : dflt;
}

static void
config_resolve (const SipTxnConfig *layer, const SipTxnConfig *txn, SipTxnConfig *out)
{
  static const SipTxnConfig none;
  if (txn == NULL)
    txn = &none;
  out->t1 = pick (txn->t1, layer->t1, RFC_T1);
  out->t2 = pick (txn->t2, layer->t2, RFC_T2);
  out->t4 = pick (txn->t4, layer->t4, RFC_T4);
  /* 64*T1 with this transaction's T1 (§17.1.1.2, Appendix A). */
  out->timer_b = pick (txn->timer_b, layer->timer_b, 64 * out->t1);
  out->timer_d = pick (txn->timer_d, layer->timer_d, RFC_TIMER_D);
  out->timer_f = pick (txn->timer_f, layer->timer_f, 64 * out->t1);
  out->timer_h = pick (txn->timer_h, layer->timer_h, 64 * out->t1);
  out->timer_j = pick (txn->timer_j, layer->timer_j, 64 * out->t1);
}

void
txn_resolve_config (SipTxn *t, const SipTxnConfig *txn_cfg)
{
  SipTxnConfig c;
  config_resolve (&t->layer->config, txn_cfg, &c);
  gboolean rel = t->peer.reliable;
  t->t1 = c.t1;
  t->t2 = c.t2;
  t->t4 = c.t4;
  switch (t->kind)
    {
    case SIP_TXN_KIND_ICT:
      t->timeout_value = c.timer_b;
      t->wait_value = rel ? 0 : c.timer_d;
      break;
    case SIP_TXN_KIND_NICT:
      t->timeout_value = c.timer_f;
      t->wait_value = rel ? 0 : c.t4;            /* Timer K */
      break;
    case SIP_TXN_KIND_IST:
      t->timeout_value = c.timer_h;
      t->wait_value = rel ? 0 : c.t4;            /* Timer I */
      break;
    case SIP_TXN_KIND_NIST:
      t->timeout_value = 0;                      /* no timeout: the TU must answer */
      t->wait_value = rel ? 0 : c.timer_j;
      break;
    }
  t->retx_interval = c.t1;
}

/* ---------------------------------------------------------- layer */

SipTxnLayer *
sip_txn_layer_new (SimHost *host, const SipTxnConfig *config, SipTxnSendFunc send,
                   gpointer send_data)
{
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (send != NULL, NULL);
  g_return_val_if_fail (config == NULL || txn_config_valid (config), NULL);
  SipTxnLayer *layer = g_new0 (SipTxnLayer, 1);
  layer->host = host;
  if (config)
    layer->config = *config;
  layer->send = send;
  layer->send_data = send_data;
  /* Every message sent or received looks its key up; the tables are
   * never iterated (note 2), so sip_str_hash()'s order is not seen. */
  layer->clients = g_hash_table_new (sip_str_hash, g_str_equal);
  layer->servers = g_hash_table_new (sip_str_hash, g_str_equal);
  g_queue_init (&layer->all);
  return layer;
}

static void
layer_free_mem (SipTxnLayer *layer)
{
  g_hash_table_unref (layer->clients);
  g_hash_table_unref (layer->servers);
  g_free (layer);
}

static void
txn_free_mem (SipTxn *t)
{
  sip_msg_unref (t->request);
  g_free (t->last);
  g_free (t->key);
  g_free (t);
}

/* Out of the match table: no message reaches @t any more. */
static void
txn_unlink (SipTxn *t)
{
  SipTxnLayer *layer = t->layer;
  if (t->key == NULL)
    return;
  g_hash_table_remove (is_client (t->kind) ? layer->clients : layer->servers, t->key);
  g_clear_pointer (&t->key, g_free);
}

/* Out of the layer altogether (note 3), and freed once no callback of it
 * is on the stack. */
static void
txn_release (SipTxn *t)
{
  g_queue_unlink (&t->layer->all, &t->link);
  t->dead = TRUE;
  if (t->busy == 0)
    txn_free_mem (t);
}

static void
txn_cancel_timers (SipTxn *t)
{
  host_timer_cancel (&t->retx);
  host_timer_cancel (&t->timeout);
  host_timer_cancel (&t->wait);
}

/* Unlinks and releases @t without any report (note 1). */
void
txn_destroy (SipTxn *t)
{
  if (t->dead)
    return;
  txn_cancel_timers (t);
  txn_unlink (t);
  t->state = SIP_TXN_STATE_TERMINATED;
  txn_release (t);
}

void
sip_txn_layer_free (SipTxnLayer *layer)
{
  if (layer == NULL || layer->dead)
    return;
  layer->dead = TRUE;
  while (layer->all.head)
    txn_destroy (layer->all.head->data);
  if (layer->busy == 0)
    layer_free_mem (layer);
}

void
sip_txn_layer_set_tu (SipTxnLayer *layer, const SipTxnTuFuncs *funcs, gpointer user_data)
{
  g_return_if_fail (layer != NULL);
  if (funcs)
    layer->tu = *funcs;
  else
    memset (&layer->tu, 0, sizeof layer->tu);
  layer->tu_data = user_data;
}

SimHost *
sip_txn_layer_get_host (const SipTxnLayer *layer)
{
  g_return_val_if_fail (layer != NULL, NULL);
  return layer->host;
}

void
sip_txn_layer_get_config (const SipTxnLayer *layer, SipTxnConfig *out)
{
  g_return_if_fail (layer != NULL && out != NULL);
  config_resolve (&layer->config, NULL, out);
}

const SipTxnLayerStats *
sip_txn_layer_get_stats (const SipTxnLayer *layer)
{
  g_return_val_if_fail (layer != NULL, NULL);
  return &layer->stats;
}

guint
sip_txn_layer_count (const SipTxnLayer *layer)
{
  g_return_val_if_fail (layer != NULL, 0);
  return g_hash_table_size (layer->clients) + g_hash_table_size (layer->servers);
}

/* ------------------------------------------------------ busy / dead */

void
layer_enter (SipTxnLayer *layer)
{
  layer->busy++;
}

/* FALSE if the layer was freed meanwhile (its memory is gone if this was
 * the outermost call). */
gboolean
layer_leave (SipTxnLayer *layer)
{
  layer->busy--;
  if (layer->dead)
    {
      if (layer->busy == 0)
        layer_free_mem (layer);
      return FALSE;
    }
  return TRUE;
}

gboolean
txn_leave (SipTxn *t)
{
  t->busy--;
  if (t->dead)
    {
      if (t->busy == 0)
        txn_free_mem (t);
      return FALSE;
    }
  return TRUE;
}

gboolean
txn_report (SipTxn *t, const SipTxnEvent *ev)
{
  if (t->dead)
    return FALSE;
  if (t->func == NULL)
    return TRUE;
  SipTxnLayer *layer = t->layer;
  t->busy++;
  layer_enter (layer);
  t->func (t, ev, t->user_data);
  gboolean alive = txn_leave (t);
  layer_leave (layer);
  return alive;
}

/* ------------------------------------------------------ transaction */

SipTxn *
txn_alloc (SipTxnLayer *layer, SipTxnKind kind, SipTxnState state, SipMsg *request,
           const SipTxnPeer *peer, HostTimerFunc on_retx)
{
  SipStr branch, method;
  gboolean ok = txn_msg_branch_method (request, &branch, &method);
  g_assert (ok);
  /* The strings as sip_str_dup() made them ("%.*s": up to a NUL). */
  gsize blen = strnlen (branch.p, branch.len), mlen = strnlen (method.p, method.len);
  /* malloc and memset, not g_malloc0: glibc's calloc (up to 2.40) never
   * takes a block from the per-thread cache, so the cache fills with the
   * freed ones and every later free takes the slow way; one transaction
   * per message made that ~600 instructions. */
  gsize size = sizeof (SipTxn) + blen + 1 + mlen + 1;
  SipTxn *t = memset (g_malloc (size), 0, size);
  t->layer = layer;
  t->kind = kind;
  t->state = state;
  t->request = sip_msg_ref (request);
  t->peer = *peer;
  t->link.data = t;
  t->branch = t->text;
  memcpy (t->branch, branch.p, blen);
  t->method = t->branch + blen + 1;
  memcpy (t->method, method.p, mlen);
  host_timer_init (layer->host, &t->retx, on_retx, t);
  host_timer_init (layer->host, &t->timeout, txn_on_timeout, t);
  host_timer_init (layer->host, &t->wait, txn_on_wait, t);
  return t;
}

void
txn_link (SipTxn *t, char *key)
{
  SipTxnLayer *layer = t->layer;
  t->key = key;
  g_hash_table_insert (is_client (t->kind) ? layer->clients : layer->servers, t->key, t);
  g_queue_push_tail_link (&layer->all, &t->link);
}

void
txn_trace (SipTxn *t, const char *fmt, ...)
{
  /* In pieces: formatted once, and only when the trace is read. */
  SimHost *h = t->layer->host;
  host_trace_begin (h);
  host_trace_lit (h, "txn ");
  host_trace_static (h, sip_txn_kind_to_string (t->kind));
  host_trace_lit (h, " ");
  host_trace_str (h, t->branch);
  host_trace_lit (h, " ");
  host_trace_str (h, t->method);
  host_trace_lit (h, " ");
  va_list ap;
  va_start (ap, fmt);
  host_trace_printfv (h, fmt, ap);
  va_end (ap);
  host_trace_end (h);
}

SimNetError
txn_send (SipTxn *t, SipMsg *msg)
{
  SipStr raw = sip_msg_raw (msg);
  return t->layer->send (t->layer, &t->peer, (const guint8 *) raw.p, raw.len,
                         t->layer->send_data);
}

void
txn_set_last (SipTxn *t, SipMsg *msg)
{
  SipStr raw = sip_msg_raw (msg);
  g_free (t->last);
  t->last = g_memdup2 (raw.p, raw.len);
  t->last_len = raw.len;
}

SimNetError
txn_send_last (SipTxn *t)
{
  g_assert (t->last != NULL);
  return t->layer->send (t->layer, &t->peer, t->last, t->last_len, t->layer->send_data);
}

void
txn_release_request (SipTxn *t)
{
  g_assert (t->kind == SIP_TXN_KIND_NICT || t->kind == SIP_TXN_KIND_NIST);
  g_assert (t->state == SIP_TXN_STATE_COMPLETED);
  g_clear_pointer (&t->request, sip_msg_unref);
}

void
txn_set_state (SipTxn *t, SipTxnState state)
{
  SipTxnState old = t->state;
  t->state = state;
  txn_trace (t, "%s -> %s", sip_txn_state_to_string (old), sip_txn_state_to_string (state));
  g_assert (txn_check_invariants (t));
}

/* Common first half of termination: timers off, out of the tables, state
 * TERMINATED (traced, invariants checked). */
void
txn_enter_terminated (SipTxn *t)
{
  txn_cancel_timers (t);
  t->pending_err = SIM_NET_OK;
  t->pending_terminate = FALSE;
  txn_unlink (t);
  txn_set_state (t, SIP_TXN_STATE_TERMINATED);
}

void
txn_terminate (SipTxn *t)
{
  if (t->dead)
    return;
  if (t->state != SIP_TXN_STATE_TERMINATED)
    txn_enter_terminated (t);
  SipTxnEvent ev = { .outcome = SIP_TXN_TERMINATED };
  if (txn_report (t, &ev))
    txn_release (t);
}

void
txn_terminate_deferred (SipTxn *t)
{
  txn_enter_terminated (t);
  t->pending_terminate = TRUE;
  host_timer_start (&t->wait, 0);
}

void
txn_defer_error (SipTxn *t, SimNetError err)
{
  txn_cancel_timers (t);
  t->pending_err = err;
  host_timer_start (&t->wait, 0);
  g_assert (txn_check_invariants (t));
}

/* ------------------------------------------------------ failures */

/* Whether a transport error concerns @t: it has sent something that is
 * still in question.  A client transaction always has (its request); a
 * server transaction once it has sent a response, until the ACK confirmed
 * that the client hears it. */
gboolean
txn_error_applies (const SipTxn *t)
{
  if (t->dead || t->state == SIP_TXN_STATE_TERMINATED || t->pending_err != SIM_NET_OK)
    return FALSE;
  if (is_client (t->kind))
    return TRUE;
  return t->last != NULL && t->state != SIP_TXN_STATE_CONFIRMED;
}

/* Whether the TU still waits for an outcome (§17.1.4, §17.2.4): a client
 * transaction until it has reported its final response; a server
 * transaction always (its response may not have arrived). */
static gboolean
txn_error_reportable (const SipTxn *t)
{
  return is_client (t->kind) ? !t->final_reported : TRUE;
}

void
txn_fail (SipTxn *t, const SipTxnEvent *ev)
{
  if (t->dead)
    return;
  SipTxnLayer *layer = t->layer;
  if (ev->outcome == SIP_TXN_TIMEOUT)
    txn_trace (t, "timeout %c", ev->timer);
  else
    txn_trace (t, "transport error: %s", sim_net_error_to_string (ev->error));
  /* Timers off and out of the tables first, so the TU sees a transaction
   * that is already over, and the state is what the report says. */
  txn_enter_terminated (t);
  /* A timeout always is reportable: B and F stop at the final response,
   * and H belongs to a server transaction. */
  if (txn_error_reportable (t))
    {
      if (ev->outcome == SIP_TXN_TIMEOUT)
        layer->stats.timeouts++;
      else
        layer->stats.transport_errors++;
      if (!txn_report (t, ev))
        return;
    }
  txn_terminate (t);
}

void
txn_fail_transport (SipTxn *t, SimNetError err)
{
  SipTxnEvent ev = { .outcome = SIP_TXN_TRANSPORT_ERROR, .error = err };
  txn_fail (t, &ev);
}

/* The "wait" timer while a report is deferred (note 3 of the header):
 * handles both deferred cases.  TRUE if it did (and @t may be gone). */
static gboolean
txn_run_deferred (SipTxn *t)
{
  if (t->pending_terminate)
    {
      txn_terminate (t);
      return TRUE;
    }
  if (t->pending_err != SIM_NET_OK)
    {
      SimNetError err = t->pending_err;
      t->pending_err = SIM_NET_OK;
      txn_fail_transport (t, err);
      return TRUE;
    }
  return FALSE;
}

/* Timer B (ICT, Calling), F (NICT, Trying or Proceeding) or H (IST,
 * Completed): the one timeout of each kind but NIST (§17.1.1.2, §17.1.2.2,
 * §17.2.1). */
static void
txn_on_timeout (HostTimer *timer, gpointer user_data)
{
  SipTxn *t = user_data;
  g_assert (t->kind != SIP_TXN_KIND_NIST);
  SipTxnEvent ev = {
    .outcome = SIP_TXN_TIMEOUT,
    .timer = t->kind == SIP_TXN_KIND_ICT ? 'B' : t->kind == SIP_TXN_KIND_NICT ? 'F' : 'H',
  };
  txn_fail (t, &ev);
}

/* Timer D, K (Completed), I (IST, Confirmed) or J (NIST, Completed) ends
 * the transaction; or a report deferred from an API call runs. */
static void
txn_on_wait (HostTimer *timer, gpointer user_data)
{
  SipTxn *t = user_data;
  if (txn_run_deferred (t))
    return;
  g_assert (t->state == SIP_TXN_STATE_COMPLETED || t->state == SIP_TXN_STATE_CONFIRMED);
  txn_terminate (t);
}

/* ------------------------------------------------------ invariants */

static gboolean
kind_has_state (SipTxnKind kind, SipTxnState s)
{
  if (s == SIP_TXN_STATE_TERMINATED || s == SIP_TXN_STATE_PROCEEDING
      || s == SIP_TXN_STATE_COMPLETED)
    return TRUE;
  switch (kind)
    {
    case SIP_TXN_KIND_ICT:  return s == SIP_TXN_STATE_CALLING;
    case SIP_TXN_KIND_NICT: return s == SIP_TXN_STATE_TRYING;
    case SIP_TXN_KIND_IST:  return s == SIP_TXN_STATE_CONFIRMED;
    case SIP_TXN_KIND_NIST: return s == SIP_TXN_STATE_TRYING;
    }
  return FALSE;
}

/* The per-state rules of transaction.h, "Invariants". */
gboolean
txn_check_invariants (const SipTxn *t)
{
  gboolean retx = host_timer_is_pending (&t->retx);
  gboolean timeout = host_timer_is_pending (&t->timeout);
  gboolean wait = host_timer_is_pending (&t->wait);
  gboolean udp = !t->peer.reliable;
  gboolean linked = t->key != NULL;

  if (!kind_has_state (t->kind, t->state))
    return FALSE;
  if (linked != (t->state != SIP_TXN_STATE_TERMINATED))
    return FALSE;
  if (t->state == SIP_TXN_STATE_TERMINATED)
    return !retx && !timeout && wait == t->pending_terminate;
  if (t->pending_err != SIM_NET_OK)
    return !retx && !timeout && wait;

  guint st = t->last ? t->last_status : 0;
  /* Non-INVITE: the request is dropped on entering Completed (issue 17). */
  if ((t->kind == SIP_TXN_KIND_NICT || t->kind == SIP_TXN_KIND_NIST)
      && t->state != SIP_TXN_STATE_COMPLETED && t->request == NULL)
    return FALSE;
  switch (t->kind)
    {
    case SIP_TXN_KIND_ICT:
      switch (t->state)
        {
        case SIP_TXN_STATE_CALLING:    return timeout && retx == udp && !wait;
        case SIP_TXN_STATE_PROCEEDING: return !timeout && !retx && !wait;
        case SIP_TXN_STATE_COMPLETED:  return !timeout && !retx && wait && t->last != NULL;
        default:                       return FALSE;
        }
    case SIP_TXN_KIND_NICT:
      switch (t->state)
        {
        case SIP_TXN_STATE_TRYING:
        case SIP_TXN_STATE_PROCEEDING: return timeout && retx == udp && !wait;
        case SIP_TXN_STATE_COMPLETED:  return !timeout && !retx && wait && t->final_reported;
        default:                       return FALSE;
        }
    case SIP_TXN_KIND_IST:
      switch (t->state)
        {
        case SIP_TXN_STATE_PROCEEDING:
          return !timeout && !wait && retx == (t->last == NULL) && (st == 0 || st < 200);
        case SIP_TXN_STATE_COMPLETED:
          return timeout && retx == udp && !wait && st >= 300;
        case SIP_TXN_STATE_CONFIRMED:
          return !timeout && !retx && wait && st >= 300;
        default:
          return FALSE;
        }
    case SIP_TXN_KIND_NIST:
      switch (t->state)
        {
        case SIP_TXN_STATE_TRYING:     return !timeout && !retx && !wait && t->last == NULL;
        case SIP_TXN_STATE_PROCEEDING: return !timeout && !retx && !wait && st >= 100 && st < 200;
        case SIP_TXN_STATE_COMPLETED:  return !timeout && !retx && wait && st >= 200;
        default:                       return FALSE;
        }
    }
  return FALSE;
}

/* ------------------------------------------------------ accessors */

void
sip_txn_set_func (SipTxn *txn, SipTxnFunc func, gpointer user_data)
{
  g_return_if_fail (txn != NULL && !txn->dead);
  txn->func = func;
  txn->user_data = user_data;
}

void
sip_txn_abort (SipTxn *txn)
{
  g_return_if_fail (txn != NULL);
  if (txn->dead)
    return;
  if (txn->state != SIP_TXN_STATE_TERMINATED)
    txn_trace (txn, "abort");
  txn_destroy (txn);
}

SipTxnKind
sip_txn_get_kind (const SipTxn *txn)
{
  g_return_val_if_fail (txn != NULL, SIP_TXN_KIND_NICT);
  return txn->kind;
}

SipTxnState
sip_txn_get_state (const SipTxn *txn)
{
  g_return_val_if_fail (txn != NULL, SIP_TXN_STATE_TERMINATED);
  return txn->state;
}

SipTxnLayer *
sip_txn_get_layer (const SipTxn *txn)
{
  g_return_val_if_fail (txn != NULL, NULL);
  return txn->layer;
}

SipMsg *
sip_txn_get_request (const SipTxn *txn)
{
  g_return_val_if_fail (txn != NULL, NULL);
  return txn->request;
}

const char *
sip_txn_get_branch (const SipTxn *txn)
{
  g_return_val_if_fail (txn != NULL, NULL);
  return txn->branch;
}

const char *
sip_txn_get_method (const SipTxn *txn)
{
  g_return_val_if_fail (txn != NULL, NULL);
  return txn->method;
}

const SipTxnPeer *
sip_txn_get_peer (const SipTxn *txn)
{
  g_return_val_if_fail (txn != NULL, NULL);
  return &txn->peer;
}

guint
sip_txn_get_sends (const SipTxn *txn)
{
  g_return_val_if_fail (txn != NULL, 0);
  return txn->sends;
}
