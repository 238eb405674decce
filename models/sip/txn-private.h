/*
 * models/sip/txn-private.h - what txn-layer.c, txn-client.c and
 * txn-server.c share: the structs behind the opaque types, and the
 * layer's services to the state machines (send, trace, report, terminate).
 *
 * Division of work:
 *   txn-layer.c   the layer, configuration, matching and dispatch, the
 *                 busy/dead re-entrancy guard, reports to the TU, invariants,
 *                 and what firing means for the timers every machine shares:
 *                 the timeout (B, F, H) fails, the wait (D, K, I, J) ends
 *   txn-client.c  ICT and NICT (§17.1): when B, D, F, K start, timers A
 *                 and E, the ACK
 *   txn-server.c  IST and NIST (§17.2): when H, I, J start, timer G,
 *                 100 Trying
 */
#pragma once
#include "models/sip/transaction.h"

G_BEGIN_DECLS

struct SipTxnLayer {
  SimHost         *host;
  SipTxnConfig     config;         /* as given: 0 = RFC default */
  SipTxnSendFunc   send;
  gpointer         send_data;
  SipTxnTuFuncs    tu;
  gpointer         tu_data;
  GHashTable      *clients;        /* client key -> SipTxn (not owned) */
  GHashTable      *servers;        /* server key -> SipTxn (not owned) */
  GQueue           all;            /* every unreleased SipTxn, creation order */
  SipTxnLayerStats stats;
  guint            busy;           /* TU callbacks on the stack */
  gboolean         dead;           /* freed; memory waits for busy == 0 */
};

struct SipTxn {
  SipTxnLayer *layer;
  SipTxnKind   kind;
  SipTxnState  state;
  SipTxnFunc   func;
  gpointer     user_data;

  SipMsg      *request;            /* ref; NULL once a non-INVITE transaction is
                                      Completed (txn_release_request) */
  char        *branch;             /* top Via branch of the request, in text[] */
  char        *method;             /* CSeq method of the request, in text[] */
  char        *key;                /* match-table key (note 7 of the header) */
  SipTxnPeer   peer;               /* where we send */
  GList        link;               /* in layer->all until released */

  /* Resolved timer values (no zeros left). */
  SimTime      t1, t2, t4;
  SimTime      timeout_value;      /* B, F or H */
  SimTime      wait_value;         /* D, K, I or J; 0 when reliable */
  SimTime      retx_interval;      /* the next A, E or G interval */

  HostTimer    retx;               /* A, E, G; IST: the 100 Trying delay */
  HostTimer    timeout;            /* B, F, H */
  HostTimer    wait;               /* D, K, I, J; deferred reports */

  /* Client: the ACK (ICT, after a 300-699).  Server: the last response.
   * Only its wire bytes are kept (txn_set_last): resending them is all it
   * is for, and the parsed SipMsg beside them is about 2.5 KiB, which a
   * registrar holding every REGISTER's answer for Timer J's 32 s pays
   * per phone (issue 17). */
  guint8      *last;               /* owned, or NULL */
  gsize        last_len;
  guint        sends;              /* of the request (client) or of last (server) */
  guint        ack_sends;          /* ICT: of the ACK in last */
  guint        last_status;        /* server: status of last */
  gboolean     final_reported;     /* client: the TU has its final response */

  SimNetError  pending_err;        /* a failed send waiting on "wait" (note 3) */
  gboolean     pending_terminate;  /* TERMINATED waiting on "wait" (IST 2xx) */

  guint        busy;               /* TU callbacks on the stack */
  gboolean     dead;               /* terminated and reported; freed at busy 0 */

  /* "branch\0method\0": the strings live in the transaction's own block,
   * one allocation instead of three per transaction (issue 17). */
  char         text[];
};

/* ---------------------------------------------------- txn-layer.c */

/* Resolves @txn_cfg over the layer's configuration and RFC defaults into
 * @t's timer fields for its kind and reliability. */
void      txn_resolve_config  (SipTxn *t, const SipTxnConfig *txn_cfg);
/* Allocates a transaction of @kind for @request (ref taken), in state
 * @state, with its timers initialised; not yet in any table.  The
 * retransmit timer runs @on_retx, the only handler that differs between
 * the machines; the timeout (B, F, H) and the wait (D, K, I, J, deferred
 * reports) are the layer's. */
SipTxn   *txn_alloc           (SipTxnLayer *layer, SipTxnKind kind, SipTxnState state,
                               SipMsg *request, const SipTxnPeer *peer,
                               HostTimerFunc on_retx);
/* Puts @t in its match table under @key (taken) and in layer->all. */
void      txn_link            (SipTxn *t, char *key);
/* Sends @msg to t->peer.  Returns the send function's result. */
SimNetError txn_send          (SipTxn *t, SipMsg *msg);
/* t->last becomes a copy of @msg's wire bytes (the old ones freed). */
void      txn_set_last        (SipTxn *t, SipMsg *msg);
/* Sends t->last to t->peer. */
SimNetError txn_send_last     (SipTxn *t);
/* A non-INVITE transaction in Completed needs its request no more (it
 * only absorbs or answers retransmissions, from t->last and the match
 * key): the reference is dropped, so the message's memory goes as soon
 * as nobody else holds it (issue 17).  sip_txn_get_request() is NULL
 * from then on (transaction.h). */
void      txn_release_request (SipTxn *t);
void      txn_trace           (SipTxn *t, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Moves @t to @state, traces "OLD -> NEW" and asserts the invariants.
 * The caller has set the timers for @state first. */
void      txn_set_state       (SipTxn *t, SipTxnState state);
/* Calls the TU with @ev.  FALSE if @t is gone afterwards (stop touching it). */
gboolean  txn_report          (SipTxn *t, const SipTxnEvent *ev);
/* Moves @t to TERMINATED (cancelling its timers, leaving the tables),
 * reports SIP_TXN_TERMINATED and releases it.  @t is gone on return. */
void      txn_terminate       (SipTxn *t);
/* As txn_terminate() but from inside an API call: TERMINATED is reported
 * from a zero-delay "wait" timer.  @t stays valid until then. */
void      txn_terminate_deferred (SipTxn *t);
/* Ends @t with a failure outcome (@ev: TIMEOUT or TRANSPORT_ERROR, counted
 * in the stats) if the TU still waits for one, then terminates it.  @t is
 * gone on return. */
void      txn_fail            (SipTxn *t, const SipTxnEvent *ev);
/* txn_fail() with a TRANSPORT_ERROR event for @err. */
void      txn_fail_transport  (SipTxn *t, SimNetError err);
/* A send failed inside an API call: stop every timer and report @err from
 * a zero-delay "wait" timer. */
void      txn_defer_error     (SipTxn *t, SimNetError err);
gboolean  txn_check_invariants (const SipTxn *t);
void      txn_layer_to_stray  (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from);

/* The client key, "branch method" (newly allocated; the server key is
 * txn-dispatch.c's business). */
char     *txn_client_key      (const char *branch, gsize branch_len,
                               const char *method, gsize method_len);
/* The same in @buf (@size bytes) when it fits, else newly allocated in
 * *@heap (the caller frees it): for lookups, which keep no key. */
const char *txn_client_key_in (char *buf, gsize size, char **heap, const char *branch,
                               gsize branch_len, const char *method, gsize method_len);

/* Extracts @msg's top Via branch and CSeq method; FALSE if either is
 * missing. */
gboolean  txn_msg_branch_method (SipMsg *msg, SipStr *branch, SipStr *method);

gboolean  txn_config_valid     (const SipTxnConfig *config);
/* TRUE if @branch starts with the RFC 3261 magic cookie and has more. */
gboolean  txn_branch_has_cookie (SipStr branch);
/* Timers off, out of the tables, state TERMINATED (traced, checked); no
 * report. */
void      txn_enter_terminated (SipTxn *t);

/* What txn-layer.c shares with txn-dispatch.c (txn-layer.c note 1). */
/* Unlinks and cancels @t at once; its memory goes when no call holds it. */
void      txn_destroy          (SipTxn *t);
/* A call on the stack of @layer: the busy count up / down; layer_leave()
 * is FALSE if the layer was freed meanwhile. */
void      layer_enter          (SipTxnLayer *layer);
gboolean  layer_leave          (SipTxnLayer *layer);
/* As layer_leave() for one transaction. */
gboolean  txn_leave            (SipTxn *t);
/* Whether a transport error concerns @t: it has sent something still in
 * question. */
gboolean  txn_error_applies    (const SipTxn *t);

/* ---------------------------------------------------- txn-client.c */

/* A response matched client transaction @t (busy held by the caller). */
void      txn_client_on_response (SipTxn *t, SipMsg *resp, const SipTxnPeer *from);

/* ---------------------------------------------------- txn-server.c */

/* Creates and links the server transaction for @request from @from under
 * @key (taken).  The caller then calls the TU. */
SipTxn   *txn_server_new      (SipTxnLayer *layer, SipMsg *request, const SipTxnPeer *from,
                               char *key);
/* A request (retransmission or ACK) matched server transaction @t. */
void      txn_server_on_request (SipTxn *t, SipMsg *request);

#define SIP_TXN_MAGIC_COOKIE "z9hG4bK"

G_END_DECLS
