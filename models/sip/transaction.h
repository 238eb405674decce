/*
 * models/sip/transaction.h - SIP transactions (RFC 3261 §17): the four
 * state machines, their timers, and the matching of messages to them.
 *
 * The timing sipsim measures comes from here: Timer F decides when a silent
 * registrar is abandoned, so the timers are exact (integer SimTime, no
 * rounding) and every one of them is configurable per layer and per
 * transaction (vendor profiles differ: Aastra gives up after 4 s, some
 * Cisco phones after 16 s).
 *
 * Notes
 *
 * 1. Layering.  A SipTxnLayer sits between a transport owner (a device's
 *    UDP socket, its TCP connections) and a transaction user (TU: the
 *    registration client, the UAS core answering OPTIONS, NOTIFY and
 *    INVITE, a proxy).  It owns no socket: the owner gives it a send
 *    function (bytes + destination + reliable flag) and feeds it every
 *    parsed message it receives (sip_txn_layer_receive()).  The layer
 *    reaches time, timers and traces only through the host seam
 *    (sim/host/host.h), so the same code runs live.
 *
 * 2. Outcomes are data.  A transaction reports to its TU through one
 *    callback with a SipTxnEvent: a response (provisional or final), a
 *    timeout (Timer B, F or H), a transport error (carrying the
 *    SimNetError), and finally SIP_TXN_TERMINATED, after which the SipTxn
 *    is freed.  A timeout and a transport error are distinct outcomes: a
 *    registration client fails over at once on ICMP port unreachable but
 *    only after Timer F on silence (BEHAVIOUR.md B38).
 *
 * 3. Callbacks run from the event loop: from a timer, or from inside
 *    sip_txn_layer_receive() / sip_txn_layer_transport_error() /
 *    sip_txn_transport_error(), which the owner calls from its own socket
 *    callbacks.  The other calls (sip_txn_client_new(), sip_txn_respond(),
 *    sip_txn_abort(), ...) never call back into the TU: what they cause
 *    (a send that fails at once, the end of an INVITE server transaction
 *    after a 2xx) is reported from a zero-delay timer.  Inside any
 *    callback the TU may call any function here on any transaction,
 *    including sip_txn_abort() on the one it is called for, and may free
 *    the layer; memory is released when the callback has returned (a busy
 *    count, as sim/net/tcp.c note 11 does).
 *
 * 4. Lifetime.  Transactions belong to the layer.  The TU's pointer is
 *    valid until its callback has seen SIP_TXN_TERMINATED, or until it
 *    calls sip_txn_abort() (ends the transaction at once, nothing more is
 *    sent or reported) or sip_txn_set_func (txn, NULL, NULL) (detach: the
 *    transaction runs to its end, absorbing retransmissions, and frees
 *    itself without reporting).  sip_txn_layer_free() ends every
 *    transaction without reporting.
 *
 * 5. Timers (RFC 3261 §17, Appendix A; BEHAVIOUR.md (c)).  SipTxnConfig
 *    fields left 0 take the layer's value, and the layer's fields left 0
 *    take the RFC value:
 *
 *      T1 500 ms   T2 4 s   T4 5 s
 *      A   ICT retransmit, UDP only    T1, doubling (no cap)
 *      B   ICT timeout in Calling      64*T1
 *      D   ICT wait in Completed       32 s UDP, 0 reliable
 *      E   NICT retransmit, UDP only   T1, doubling up to T2; T2 once a
 *                                      provisional has arrived
 *      F   NICT timeout                64*T1
 *      K   NICT wait in Completed      T4 UDP, 0 reliable
 *      G   IST retransmit of 3xx-6xx   T1, doubling up to T2, UDP only
 *      H   IST wait for ACK            64*T1
 *      I   IST wait in Confirmed       T4 UDP, 0 reliable
 *      J   NIST wait in Completed      64*T1 UDP, 0 reliable
 *
 *    Over UDP with no answer a non-INVITE request goes out at 0, 0.5, 1.5,
 *    3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 s and times out at 32 s;
 *    an INVITE at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s and times out at 32
 *    s; with Timer F = 4 s at 0, 0.5, 1.5, 3.5 s and out at 4 s.  Over a
 *    reliable transport a request is sent once and B/F/H still run.  A
 *    retransmission due at the very instant of the timeout is not sent:
 *    the timeout timer was started first, so it fires first (world.h
 *    ordering contract), and it cancels the retransmission.
 *
 * 6. Choices where RFC 3261 leaves room (doc/protocols.md repeats them):
 *    - INVITE 2xx: RFC 3261 behaviour, not RFC 6026's Accepted state.  A
 *      client transaction hands the first 2xx to its TU and terminates;
 *      retransmitted 2xx, and a 2xx arriving in Completed (another fork of
 *      a forking proxy), go to the layer's stray-response callback, where
 *      the TU (dialog layer) must ACK them.  A server transaction ends when
 *      the TU sends a 2xx; retransmitting the 2xx until the ACK is the
 *      TU's job (§13.3.1.4) and the ACK reaches the TU through the layer's
 *      ACK callback.  Known consequence: a retransmitted INVITE that
 *      crosses the 2xx reaches the TU as a new request (the RFC 6026 §1
 *      problem); the TU recognises it by its dialog (§8.2.2.2).
 *    - 100 Trying (§17.2.1): an INVITE server transaction sends 100 Trying
 *      200 ms after the request arrived unless the TU has responded by
 *      then.  A TU that wants it at once responds 100 itself.
 *    - Timer B stops when an INVITE client transaction reaches Proceeding
 *      (Figure 5: B fires only in Calling); how long to ring is the TU's
 *      decision (CANCEL).
 *    - Requests whose top Via branch lacks the "z9hG4bK" magic cookie
 *      (RFC 2543 peers) are not matched by the §17.2.3 fallback rule: they
 *      are rejected with a stateless 400 (ACKs are dropped) and counted.
 *      Every peer in sipsim is RFC 3261.  A request whose CSeq method
 *      differs from its method is rejected the same way.
 *    - Server responses go to the request's source address and port when
 *      the top Via has rport (RFC 3581 §4) or the transport is reliable
 *      (the same connection, §18.2.2); otherwise to the source address and
 *      the sent-by port (5060 if none) per §18.2.2 with "received".
 *    - The client transport check of §18.1.2 (a response with more than
 *      one Via is discarded) is left to the owner: a proxy's responses
 *      carry several.
 *
 * 7. Matching.  Client (§17.1.3): the top Via branch and the CSeq method of
 *    the response equal those of the request, so a CANCEL has its own
 *    transaction beside its INVITE's.  Server (§17.2.3): branch, sent-by
 *    (host case-insensitive, port as written) and method, except that an
 *    ACK matches the INVITE transaction (which exists only while its final
 *    response was non-2xx, note 6).  Branches compare case-sensitively.
 *
 * 8. Traces (host_trace, so they enter the run's fingerprint): one line per
 *    send, retransmission, absorbed duplicate, state change, timeout and
 *    transport error, "txn KIND BRANCH METHOD WHAT", e.g.
 *      txn nict z9hG4bK3f1e0c5a9b7d2e41 REGISTER send #3
 *      txn nict z9hG4bK3f1e0c5a9b7d2e41 REGISTER timeout F
 *      txn nict z9hG4bK3f1e0c5a9b7d2e41 REGISTER Trying -> Terminated
 *      txn ist z9hG4bK... INVITE 486 send #2
 *
 * State machines (RFC 3261 Figures 5-8).  Events on arrows: a received
 * message, a timer firing, "TU x" (the TU sends x through sip_txn_respond),
 * "err" (a transport error, note 2).  What the transaction does follows
 * the colon; "report" means a callback to the TU.  Every machine also
 * leaves any state for TERMINATED on sip_txn_abort(), without a report.
 *
 *   Client INVITE, ICT (Figure 5)
 *
 *      sip_txn_client_new: send, start B, start A = T1 (UDP)
 *              |
 *              V                   A: resend, A = 2A
 *        +------------+ <-------------------------+
 *        |  CALLING   | --------------------------+
 *        +------------+ --- B: report timeout ----------------------+
 *          |    |   |   --- err: report error ----------------------+
 *          |    |   +------ 2xx: report response -------------------+
 *          |    | 1xx: stop A and B, report                         |
 *          |    V                  1xx: report                      |
 *          |  +------------+ <--------------------+                 |
 *          |  | PROCEEDING | ---------------------+                 |
 *          |  +------------+ --- 2xx: report response --------------+
 *          |       |         --- err: report error -----------------+
 *          | 300-699: send ACK, start D, report response            |
 *          V       V               300-699: send the ACK again      |
 *        +------------+ <-------------------------+                 |
 *        | COMPLETED  | --------------------------+                 |
 *        +------------+   2xx (another fork): stray callback        |
 *              | D (err: no report, the TU has its answer)          |
 *              V                                                    |
 *        +------------+ <-------------------------------------------+
 *        | TERMINATED |   report terminated; freed
 *        +------------+
 *
 *   Client non-INVITE, NICT (Figure 6)
 *
 *      sip_txn_client_new: send, start F, start E = T1 (UDP)
 *              |
 *              V                   E: resend, E = min(2E, T2)
 *        +------------+ <-------------------------+
 *        |   TRYING   | --------------------------+
 *        +------------+ --- F: report timeout ----------------------+
 *          |    |       --- err: report error ----------------------+
 *          |    | 1xx: report (E keeps running)                     |
 *          |    V                  E: resend, E = T2; 1xx: report   |
 *          |  +------------+ <--------------------+                 |
 *          |  | PROCEEDING | ---------------------+                 |
 *          |  +------------+ --- F: report timeout -----------------+
 *          |       |         --- err: report error -----------------+
 *          | 200-699: stop E and F, start K, report response        |
 *          V       V               any response: absorb             |
 *        +------------+ <-------------------------+                 |
 *        | COMPLETED  | --------------------------+                 |
 *        +------------+                                             |
 *              | K (err: no report)                                 |
 *              V                                                    |
 *        +------------+ <-------------------------------------------+
 *        | TERMINATED |   report terminated; freed
 *        +------------+
 *
 *   Server INVITE, IST (Figure 7)
 *
 *      INVITE matching nothing: create, start the 200 ms 100 Trying
 *      timer, request callback
 *              |
 *              V        200 ms: send 100; INVITE: resend the last 1xx;
 *        +------------+ TU 1xx: send
 *        | PROCEEDING | <-----------------------+
 *        +------------+ ------------------------+
 *          |    |   +------ TU 2xx: send; report terminated from the loop -+
 *          |    +---------- err: report error -----------------------------+
 *          | TU 300-699: send, start G = T1 (UDP), start H                 |
 *          V                       G: resend, G = min(2G, T2)              |
 *        +------------+            INVITE: resend                          |
 *        | COMPLETED  | <-----------------------+                          |
 *        +------------+ ------------------------+                          |
 *          |    +---------- H: report timeout -----------------------------+
 *          |                err: report error -----------------------------+
 *          | ACK: stop G and H, start I                                    |
 *          V                       ACK, INVITE: absorb                     |
 *        +------------+ <-----------------------+                          |
 *        | CONFIRMED  | ------------------------+                          |
 *        +------------+                                                    |
 *              | I                                                         |
 *              V                                                           |
 *        +------------+ <--------------------------------------------------+
 *        | TERMINATED |   report terminated; freed
 *        +------------+
 *
 *   Server non-INVITE, NIST (Figure 8)
 *
 *      request matching nothing: create, request callback
 *              |
 *              V                   request: absorb
 *        +------------+ <-----------------------+
 *        |   TRYING   | ------------------------+
 *        +------------+
 *          |    | TU 1xx: send
 *          |    V                  request: resend the last 1xx; TU 1xx: send
 *          |  +------------+ <-------------------+
 *          |  | PROCEEDING | --------------------+
 *          |  +------------+ --- err: report error ------------------------+
 *          | TU 200-699: send, start J                                     |
 *          V       V               request: resend the final               |
 *        +------------+ <-----------------------+                          |
 *        | COMPLETED  | ------------------------+                          |
 *        +------------+ --- err: report error -----------------------------+
 *              | J                                                         |
 *              V                                                           |
 *        +------------+ <--------------------------------------------------+
 *        | TERMINATED |   report terminated; freed
 *        +------------+
 *
 *   (A NIST in TRYING has sent nothing, so a transport error does not
 *   concern it; it has no timer either: the TU must answer, §17.2.2.)
 *
 * Transition table (STATE -> STATE [function that makes it], in
 * txn-client.c, txn-server.c and txn-layer.c):
 *
 *   ICT   CALLING    -> PROCEEDING [ict_on_response: 1xx]
 *   ICT   CALLING    -> COMPLETED  [ict_on_response: 300-699, ACK sent]
 *   ICT   CALLING    -> TERMINATED [ict_on_response: 2xx; txn_on_timeout: B; txn_fail]
 *   ICT   PROCEEDING -> COMPLETED  [ict_on_response: 300-699, ACK sent]
 *   ICT   PROCEEDING -> TERMINATED [ict_on_response: 2xx; txn_fail]
 *   ICT   COMPLETED  -> TERMINATED [txn_on_wait: D; txn_fail]
 *   NICT  TRYING     -> PROCEEDING [nict_on_response: 1xx]
 *   NICT  TRYING     -> COMPLETED  [nict_on_response: 200-699]
 *   NICT  TRYING     -> TERMINATED [txn_on_timeout: F; txn_fail]
 *   NICT  PROCEEDING -> COMPLETED  [nict_on_response: 200-699]
 *   NICT  PROCEEDING -> TERMINATED [txn_on_timeout: F; txn_fail]
 *   NICT  COMPLETED  -> TERMINATED [txn_on_wait: K; txn_fail]
 *   IST   PROCEEDING -> COMPLETED  [sip_txn_respond: 300-699]
 *   IST   PROCEEDING -> TERMINATED [sip_txn_respond: 2xx (txn_terminate_deferred); txn_fail]
 *   IST   COMPLETED  -> CONFIRMED  [txn_server_on_request: ACK]
 *   IST   COMPLETED  -> TERMINATED [txn_on_timeout: H; txn_fail]
 *   IST   CONFIRMED  -> TERMINATED [txn_on_wait: I]
 *   NIST  TRYING     -> PROCEEDING [sip_txn_respond: 1xx]
 *   NIST  TRYING     -> COMPLETED  [sip_txn_respond: 200-699]
 *   NIST  PROCEEDING -> COMPLETED  [sip_txn_respond: 200-699]
 *   NIST  PROCEEDING -> TERMINATED [txn_fail]
 *   NIST  COMPLETED  -> TERMINATED [txn_on_wait: J; txn_fail]
 *   any   any        -> TERMINATED [sip_txn_abort, sip_txn_layer_free: no report]
 *
 * Invariants (txn_check_invariants() in txn-layer.c, asserted on every
 * transition).  "retx" is the retransmit timer (A, E, G; the 100 Trying
 * delay in IST PROCEEDING), "timeout" is B, F or H, "wait" is D, K, I or J.
 *   - The transaction is in its layer's match table iff not TERMINATED.
 *   - While a failed send waits to be reported, only "wait" is pending.
 *   - Otherwise, by state:
 *     ICT  CALLING     timeout pending; retx pending iff unreliable
 *     ICT  PROCEEDING  no timer pending
 *     ICT  COMPLETED   wait pending; the ACK has been built
 *     NICT TRYING,
 *     NICT PROCEEDING  timeout pending; retx pending iff unreliable
 *     NICT COMPLETED   wait pending; retx, timeout idle
 *     IST  PROCEEDING  timeout, wait idle; retx pending iff no response yet
 *     IST  COMPLETED   timeout pending; retx pending iff unreliable; the
 *                      last response is 300-699
 *     IST  CONFIRMED   wait pending; retx, timeout idle
 *     NIST TRYING      no timer; no response yet
 *     NIST PROCEEDING  no timer; the last response is 1xx
 *     NIST COMPLETED   wait pending; the last response is 200-699
 *     TERMINATED       no timer pending except a deferred report on "wait"
 *   - Client kinds are ICT/NICT, server kinds IST/NIST; the state belongs
 *     to the kind's machine.
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "models/sip/msg.h"

G_BEGIN_DECLS

typedef struct SipTxnLayer SipTxnLayer;
typedef struct SipTxn      SipTxn;

typedef enum {
  SIP_TXN_KIND_ICT,     /* client INVITE (§17.1.1) */
  SIP_TXN_KIND_NICT,    /* client non-INVITE (§17.1.2) */
  SIP_TXN_KIND_IST,     /* server INVITE (§17.2.1) */
  SIP_TXN_KIND_NIST,    /* server non-INVITE (§17.2.2) */
} SipTxnKind;

typedef enum {
  SIP_TXN_STATE_CALLING,       /* ICT */
  SIP_TXN_STATE_TRYING,        /* NICT, NIST */
  SIP_TXN_STATE_PROCEEDING,
  SIP_TXN_STATE_COMPLETED,
  SIP_TXN_STATE_CONFIRMED,     /* IST */
  SIP_TXN_STATE_TERMINATED,
} SipTxnState;

/* Timer values (note 5).  0 means "inherit": a transaction's 0 takes the
 * layer's value, the layer's 0 the RFC 3261 default.  Negative values are
 * a programming error.  The "wait" timers D, I, J, K are 0 over a reliable
 * transport whatever is set here (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2). */
typedef struct {
  SimTime t1;            /* RTT estimate; default 500 ms */
  SimTime t2;            /* retransmit cap for non-INVITE and Timer G; default 4 s */
  SimTime t4;            /* max network lifetime (Timers I, K); default 5 s */
  SimTime timer_b;       /* ICT timeout; default 64*T1 */
  SimTime timer_d;       /* ICT Completed wait, unreliable; default 32 s */
  SimTime timer_f;       /* NICT timeout; default 64*T1 (Aastra: 4 s) */
  SimTime timer_h;       /* IST wait for ACK; default 64*T1 */
  SimTime timer_j;       /* NIST Completed wait, unreliable; default 64*T1 */
} SipTxnConfig;

/* A remote end as the owner sees it. */
typedef struct {
  SimSockAddr addr;      /* remote address and port */
  gboolean    reliable;  /* TCP or TLS: no retransmissions, D/I/J/K = 0 */
  gpointer    flow;      /* owner's handle for the socket or connection the
                            message came in on or must go out on; opaque to
                            the layer, may be NULL */
} SipTxnPeer;

typedef enum {
  SIP_TXN_RESPONSE,         /* client: a response for the TU (msg, status) */
  SIP_TXN_TIMEOUT,          /* Timer B or F (client), H (server) fired */
  SIP_TXN_TRANSPORT_ERROR,  /* the owner reported an error, or a send failed */
  SIP_TXN_TERMINATED,       /* the last event; the SipTxn is freed on return */
} SipTxnOutcome;

typedef struct {
  SipTxnOutcome outcome;
  SipMsg       *msg;        /* RESPONSE: borrowed; sip_msg_ref() it to keep it */
  guint         status;     /* RESPONSE: msg's status code; otherwise 0 */
  char          timer;      /* TIMEOUT: 'B', 'F' or 'H'; otherwise 0 */
  SimNetError   error;      /* TRANSPORT_ERROR: what happened; otherwise SIM_NET_OK */
} SipTxnEvent;

/* A transaction's report to its TU (note 2).  Every transaction a TU
 * follows ends with exactly one SIP_TXN_TERMINATED, preceded by at most one
 * of TIMEOUT and TRANSPORT_ERROR.  A client transaction reports each
 * provisional response and at most one final one. */
typedef void (*SipTxnFunc) (SipTxn *txn, const SipTxnEvent *event, gpointer user_data);

/* The owner's send function.  @data is valid only during the call (the
 * owner copies it, as host_udp_sendto() does).  Returns SIM_NET_OK if the
 * bytes left, or the error if they could not (e.g. SIM_NET_ERR_NO_ROUTE),
 * which ends the transaction with SIP_TXN_TRANSPORT_ERROR.  Must not call
 * back into the layer. */
typedef SimNetError (*SipTxnSendFunc) (SipTxnLayer *layer, const SipTxnPeer *to,
                                       const guint8 *data, gsize len,
                                       gpointer user_data);

/* A request that matched no server transaction (and was not an ACK).  The
 * layer has created @txn for it (IST or NIST, in Proceeding or Trying);
 * the TU answers with sip_txn_respond(), now or later, and may set a
 * callback with sip_txn_set_func() to learn about Timer H and transport
 * errors.  @request and @from are valid during the call. */
typedef void (*SipTxnRequestFunc) (SipTxnLayer *layer, SipTxn *txn, SipMsg *request,
                                   const SipTxnPeer *from, gpointer user_data);
/* A message that belongs to no transaction: an ACK that matched none (the
 * ACK to a 2xx, §13.2.2.4), or a stray response (a retransmitted 2xx to an
 * INVITE, a response to a transaction already gone).  Valid during the
 * call. */
typedef void (*SipTxnMsgFunc) (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from,
                               gpointer user_data);

/* The TU's layer-wide callbacks; copied.  Any may be NULL: unmatched ACKs
 * and stray responses are then dropped (and counted), and a request with no
 * request callback gets a stateless 501. */
typedef struct {
  SipTxnRequestFunc request;
  SipTxnMsgFunc     ack;
  SipTxnMsgFunc     stray_response;
} SipTxnTuFuncs;

typedef struct {
  guint64 clients_created;
  guint64 servers_created;
  guint64 stray_responses;       /* matched no client transaction */
  guint64 unmatched_acks;        /* matched no server transaction */
  guint64 rejected_requests;     /* no magic cookie, CSeq method mismatch, no TU */
  guint64 transport_errors;      /* transport errors reported to a TU (a client
                                    transaction that has its final response
                                    just ends, uncounted) */
  guint64 timeouts;              /* transactions ended by B, F or H */
} SipTxnLayerStats;

/* --------------------------------------------------------------- layer */

/* A layer on @host (not owned; must outlive the layer).  @config is copied;
 * NULL means all RFC defaults.  @send is called with @send_data for every
 * message the layer sends. */
SipTxnLayer *sip_txn_layer_new       (SimHost *host, const SipTxnConfig *config,
                                      SipTxnSendFunc send, gpointer send_data);
/* NULL-safe.  Ends every transaction without reporting and cancels their
 * timers.  Allowed inside a callback (note 3). */
void         sip_txn_layer_free      (SipTxnLayer *layer);
void         sip_txn_layer_set_tu    (SipTxnLayer *layer, const SipTxnTuFuncs *funcs,
                                      gpointer user_data);
SimHost     *sip_txn_layer_get_host  (const SipTxnLayer *layer);
/* The layer's configuration with every default filled in (@out). */
void         sip_txn_layer_get_config (const SipTxnLayer *layer, SipTxnConfig *out);
const SipTxnLayerStats *sip_txn_layer_get_stats (const SipTxnLayer *layer);
/* Live (not yet terminated) transactions. */
guint        sip_txn_layer_count     (const SipTxnLayer *layer);

/* Feeds one message the owner received from @from.  Dispatches it to the
 * matching transaction, or to the TU callbacks (note 7).  The layer takes
 * its own reference if it keeps @msg; the caller keeps its own. */
void         sip_txn_layer_receive   (SipTxnLayer *layer, SipMsg *msg,
                                      const SipTxnPeer *from);
/* The owner learnt that messages to @remote, or on @flow, cannot be
 * delivered: an ICMP error from HostUdpErrorFunc (@flow the socket, @remote
 * the destination it names), a TCP reset or failed connect (@flow the
 * connection, @remote NULL).  Ends with SIP_TXN_TRANSPORT_ERROR (@err)
 * every transaction that has sent to @remote (NULL: any address) through
 * @flow (NULL: any flow): client transactions still waiting for a final
 * response, and server transactions that have sent a response and are not
 * yet Confirmed; a client transaction in Completed already has its final
 * response and just terminates.  At least one of @flow and @remote must be
 * non-NULL.  Returns how many transactions were ended. */
guint        sip_txn_layer_transport_error (SipTxnLayer *layer, gpointer flow,
                                            const SimSockAddr *remote, SimNetError err);
/* Sends @msg statelessly (an ACK to a 2xx, a 2xx retransmitted by the TU,
 * §17: these are outside any transaction) and traces it.  Returns what the
 * send function returned. */
SimNetError  sip_txn_layer_send      (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *to);
/* §9.2: the INVITE server transaction that @cancel (a CANCEL request)
 * cancels, or NULL.  Borrowed pointer. */
SipTxn      *sip_txn_layer_find_cancel_target (SipTxnLayer *layer, SipMsg *cancel);

/* ------------------------------------------------- client transactions */

/* Starts a client transaction for @request and sends it at once to @to.
 * @request must be a request other than ACK whose top Via has a branch
 * starting with "z9hG4bK" (§8.1.1.7) and whose CSeq method is its method;
 * a reference is taken.  @config (copied; NULL = the layer's) overrides the
 * layer's timers (note 5).  @func with @user_data receives the outcomes
 * (may be NULL).  Returns NULL (with a g_critical) if a client transaction
 * with the same branch and method already exists.  A send that fails is
 * reported from the event loop, never from inside this call. */
SipTxn      *sip_txn_client_new      (SipTxnLayer *layer, SipMsg *request,
                                      const SipTxnPeer *to, const SipTxnConfig *config,
                                      SipTxnFunc func, gpointer user_data);
/* §9.1: a CANCEL for the INVITE of @invite_txn (an ICT): the same
 * Request-URI, Call-ID, From, To, CSeq number and Route, and one Via equal
 * to the INVITE's top Via, so it matches the INVITE's server transaction.
 * The TU sends it with sip_txn_client_new() (it is its own transaction),
 * after a provisional response has arrived (§9.1).  Caller owns the
 * result. */
SipMsg      *sip_txn_client_build_cancel (SipTxn *invite_txn);

/* ------------------------------------------------- server transactions */

/* Sends @response (a reference is taken) for the server transaction @txn:
 * 1xx keeps it in (or moves it to) Proceeding, 2xx ends an INVITE
 * transaction (note 6), anything else moves it to Completed.  @response's
 * CSeq method must be the request's (programming error otherwise).  Returns
 * FALSE, sending nothing, when the transaction has already sent its final
 * response (an IST after a 2xx, or in Completed or later). */
gboolean     sip_txn_respond         (SipTxn *txn, SipMsg *response);

/* --------------------------------------------------------------- both */

/* Replaces the TU callback.  NULL detaches (note 4). */
void         sip_txn_set_func        (SipTxn *txn, SipTxnFunc func, gpointer user_data);
/* Ends @txn at once: nothing more is sent or reported; the pointer is
 * invalid on return (or when the current callback returns). */
void         sip_txn_abort           (SipTxn *txn);
/* The owner's report of a transport error for one transaction; as
 * sip_txn_layer_transport_error() for it alone (so a server transaction
 * that has sent nothing, or is Confirmed, is not ended). */
void         sip_txn_transport_error (SipTxn *txn, SimNetError err);

SipTxnKind   sip_txn_get_kind        (const SipTxn *txn);
SipTxnState  sip_txn_get_state       (const SipTxn *txn);
SipTxnLayer *sip_txn_get_layer       (const SipTxn *txn);
/* The request that created the transaction; owned by @txn.  A non-INVITE
 * transaction drops it on entering Completed (its final response sent or
 * reported), when only retransmissions are left to absorb or answer:
 * NULL from then on, and a TU that wants the request after responding
 * holds its own reference (issue 17: a registrar would otherwise keep
 * every REGISTER for Timer J's 32 s). */
SipMsg      *sip_txn_get_request     (const SipTxn *txn);
/* Its top Via branch and CSeq method, NUL-terminated; owned by @txn. */
const char  *sip_txn_get_branch      (const SipTxn *txn);
const char  *sip_txn_get_method      (const SipTxn *txn);
/* Where the transaction sends: the request's destination (client) or the
 * response's (server, note 6). */
const SipTxnPeer *sip_txn_get_peer   (const SipTxn *txn);
/* Client: times the request was sent (1 + retransmissions).  Server: times
 * the current response was sent.  0 before anything was sent. */
guint        sip_txn_get_sends       (const SipTxn *txn);

const char  *sip_txn_kind_to_string    (SipTxnKind kind);      /* "ict", ... */
const char  *sip_txn_state_to_string   (SipTxnState state);    /* "Calling", ... */
const char  *sip_txn_outcome_to_string (SipTxnOutcome outcome);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipTxnLayer, sip_txn_layer_free)

G_END_DECLS
