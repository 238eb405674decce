/*
 * models/sip/dialog.h - INVITE dialogs (RFC 3261 §12, §13, §15): the
 * call leg of a user agent above the transaction layer.  One SipDialog is
 * one call, either placed (UAC) or received (UAS); a SipDialogSet holds a
 * UA's dialogs on one SipTxnLayer and routes to them what belongs to no
 * transaction (ACK to a 2xx, retransmitted 2xx, BYE, CANCEL).
 *
 * Notes
 *
 * 1. What the dialog does and the transaction layer does not (§13.2.2.4,
 *    §13.3.1.4, transaction.h note 6): the ACK to a 2xx is end-to-end,
 *    built and sent by the dialog, outside any transaction, and sent again
 *    on every retransmission of the 2xx (the layer hands those to the
 *    stray-response callback, which the owner passes to
 *    sip_dialog_set_stray_response()).  A UAS retransmits its 2xx itself,
 *    at T1, then doubling up to T2, until the ACK arrives; with no ACK
 *    after 64*T1 it sends BYE and the call ends (SIP_DIALOG_END_NO_ACK).
 *    The ACK to a non-2xx final response is the INVITE client
 *    transaction's (§17.1.1.3) and is not seen here.
 *
 * 2. Where requests go.  The initial INVITE goes to the peer the owner
 *    gives (a device decides by its rules: B22, B25).  Every in-dialog
 *    request (ACK to 2xx, BYE) is built per §12.2.1.1 with loose routing:
 *    Request-URI = the remote target, Route = the route set; its RFC next
 *    hop is the first route-set URI, or the remote target when the set is
 *    empty, and the owner's next_hop function maps that URI to a peer or
 *    overrides it (an outbound proxy, B24 X_BypassOutboundProxyInCall).
 *    Strict routers (a route-set URI without ;lr) are not supported: the
 *    request is still built loose, as every peer in sipsim is RFC 3261.
 *
 * 3. Outcomes are data (transaction.h note 2).  The owner learns, through
 *    one callback: PROGRESS (each 1xx), ANSWERED (UAC: the 2xx; UAS: the
 *    ACK), FAILED (the call never got established: a 3xx-6xx, Timer B, a
 *    transport error, CANCEL) and ENDED (an established call ended: our
 *    BYE answered, or not answered, their BYE, no ACK).  Exactly one of
 *    FAILED and ENDED is reported, last.  An ENDED whose end is
 *    SIP_DIALOG_END_BYE_FAILED means the call's signalling path was lost:
 *    the BYE got no answer (Timer F, transport error) or 408/481.
 *
 * 4. Callbacks run from the event loop only (a received message, a timer,
 *    a transaction report), never from inside the calls below; inside one
 *    the owner may call anything here, including sip_dialog_free() on the
 *    dialog reported (the dialog touches nothing after its callback).
 *
 * 5. Limits, admitted: one dialog per INVITE.  A 2xx from a second fork
 *    (another To tag) is ignored, not ACKed and answered with BYE as
 *    §13.2.2.4 asks: that fork's UAS gives up after 64*T1 and sends BYE
 *    itself (no proxy in sipsim forks).  No re-INVITE, UPDATE or PRACK
 *    (in-dialog requests other than BYE get 501); the SDP body is a fixed
 *    audio offer/answer with no media behind it.
 *
 * State machine (sip_dialog_get_state; transitions in dialog.c):
 *
 *   UAC:  CALLING --1xx--> EARLY --2xx: ACK--> CONFIRMED --BYE--> TERMINATING
 *            |               |                     |                  |
 *            +---------------+-- 3xx-6xx, B, err --+-- their BYE -----+--> TERMINATED
 *   UAS:  INCOMING --ring--> EARLY --answer: 2xx--> CONFIRMED (2xx
 *         retransmitted until the ACK) --BYE--> TERMINATING --> TERMINATED;
 *         reject or CANCEL --> TERMINATED
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "sim/kernel/rng.h"
#include "models/sip/msg.h"
#include "models/sip/transaction.h"

G_BEGIN_DECLS

typedef struct SipDialog    SipDialog;
typedef struct SipDialogSet SipDialogSet;

typedef enum {
  SIP_DIALOG_CALLING,       /* UAC: INVITE sent, no response yet */
  SIP_DIALOG_INCOMING,      /* UAS: INVITE received, no 1xx sent by us */
  SIP_DIALOG_EARLY,         /* a provisional response sent or received */
  SIP_DIALOG_CONFIRMED,     /* a 2xx sent or received */
  SIP_DIALOG_TERMINATING,   /* our BYE is waiting for its answer */
  SIP_DIALOG_TERMINATED,    /* FAILED or ENDED reported */
} SipDialogState;

typedef enum {
  SIP_DIALOG_EV_PROGRESS,   /* UAC: a 1xx arrived (status) */
  SIP_DIALOG_EV_ANSWERED,   /* UAC: the 2xx arrived (ACK sent); UAS: the ACK arrived */
  SIP_DIALOG_EV_FAILED,     /* never established: status, or outcome TIMEOUT/TRANSPORT_ERROR */
  SIP_DIALOG_EV_ENDED,      /* an established call ended: see end */
} SipDialogEventKind;

typedef enum {
  SIP_DIALOG_END_NONE,
  SIP_DIALOG_END_LOCAL_BYE,  /* our BYE got a 2xx (or another final other than 408/481) */
  SIP_DIALOG_END_REMOTE_BYE, /* the peer sent BYE */
  SIP_DIALOG_END_BYE_FAILED, /* our BYE: Timer F, transport error, 408 or 481 (note 3) */
  SIP_DIALOG_END_NO_ACK,     /* UAS: no ACK within 64*T1 (§13.3.1.4); BYE sent */
} SipDialogEnd;

typedef struct {
  SipDialogEventKind kind;
  guint              status;    /* PROGRESS, FAILED, ENDED: the status that caused it; 0 if none */
  SipTxnOutcome      outcome;   /* FAILED/ENDED: RESPONSE, TIMEOUT or TRANSPORT_ERROR */
  char               timer;     /* TIMEOUT: 'B', 'F' or 'H' */
  SipDialogEnd       end;       /* ENDED */
} SipDialogEvent;

typedef void (*SipDialogFunc) (SipDialog *dialog, const SipDialogEvent *event,
                               gpointer user_data);
/* Maps @uri (the RFC next hop of an in-dialog request, note 2) to the
 * peer it is sent to, or overrides it.  FALSE: no way to send (the
 * request fails as a transport error). */
typedef gboolean (*SipDialogNextHopFunc) (SipDialog *dialog, const SipUri *uri,
                                          SipTxnPeer *out, gpointer user_data);

/* The local side of a dialog; strings copied. */
typedef struct {
  const char  *local_uri;     /* AOR: From of a UAC, To of a UAS: "sip:1001@voip.test" */
  const char  *display;       /* display name; NULL: none */
  const char  *contact_uri;   /* "sip:1001@192.168.1.10:5060" */
  const char  *via_host;      /* sent-by host (an IPv4 literal) */
  guint16      via_port;
  const char  *via_transport; /* the Via's transport: "TCP", "TLS"; NULL: "UDP" */
  gboolean     rport;         /* empty ;rport in Via (RFC 3581) */
  const char  *user_agent;    /* User-Agent / Server; NULL: none */
  SipTxnConfig txn;           /* timers of this dialog's transactions and of the 2xx
                                 retransmission (T1, T2; 64*T1 for the ACK wait) */
} SipDialogConfig;

typedef struct {
  SipDialogFunc        event;
  SipDialogNextHopFunc next_hop;   /* NULL: the URI's host and port (5060), UDP */
} SipDialogFuncs;

typedef struct {
  guint64 dialogs_created;
  guint64 acks_sent;              /* ACKs to 2xx, first sends */
  guint64 acks_resent;            /* on retransmitted 2xx */
  guint64 ok_retransmissions;     /* UAS 2xx resent while waiting for the ACK */
  guint64 no_dialog_481;          /* in-dialog requests that matched no dialog */
} SipDialogSetStats;

/* ---------------------------------------------------------------- set */

/* The dialogs of one UA on @layer (not owned; outlives the set).  @rng
 * (not owned) draws tags, branches and Call-IDs. */
SipDialogSet *sip_dialog_set_new   (SipTxnLayer *layer, SimRng *rng);
/* NULL-safe.  Frees every dialog still in the set without reporting or
 * sending anything. */
void          sip_dialog_set_free  (SipDialogSet *set);
const SipDialogSetStats *sip_dialog_set_get_stats (const SipDialogSet *set);
guint         sip_dialog_set_count (const SipDialogSet *set);

/* The owner's TU passes on what may belong to a dialog.  Each returns TRUE
 * when it took the message (answered it, or dropped it as a dialog's
 * duplicate); FALSE leaves it to the owner.
 *   _request:        a new server transaction: CANCEL (§9.2) and requests
 *                    with a To tag (in-dialog, §12.2.2: BYE answered 200,
 *                    others 501, no dialog 481).  An initial INVITE (no To
 *                    tag) is the owner's: see sip_dialog_new_uas().
 *   _ack:            an ACK that matched no transaction (ACK to our 2xx).
 *   _stray_response: a response that matched no transaction (a 2xx
 *                    retransmission: the ACK is sent again, note 1). */
gboolean sip_dialog_set_request        (SipDialogSet *set, SipTxn *txn, SipMsg *request,
                                        const SipTxnPeer *from);
gboolean sip_dialog_set_ack            (SipDialogSet *set, SipMsg *ack, const SipTxnPeer *from);
gboolean sip_dialog_set_stray_response (SipDialogSet *set, SipMsg *resp,
                                        const SipTxnPeer *from);

/* ---------------------------------------------------------------- UAC */

/* Places a call: builds an INVITE to @request_uri (To = @to_uri, NULL:
 * the same) with an SDP offer and sends it to @first_hop in a client
 * transaction.  @cfg and the strings are copied.  The dialog belongs to
 * the caller (sip_dialog_free()); @funcs is copied. */
SipDialog    *sip_dialog_new_uac   (SipDialogSet *set, const SipDialogConfig *cfg,
                                    const char *request_uri, const char *to_uri,
                                    const SipTxnPeer *first_hop, const SipDialogFuncs *funcs,
                                    gpointer user_data);
/* §9.1: cancels an unanswered call.  Before any provisional response the
 * CANCEL waits for the first one (§9.1); once the INVITE is answered
 * finally it does nothing (a later 2xx is ACKed and ended with BYE).
 * The call then ends as FAILED (487, or whatever the INVITE got). */
void          sip_dialog_cancel    (SipDialog *dialog);

/* ---------------------------------------------------------------- UAS */

/* Takes an initial INVITE (no To tag) the layer handed up with @txn (its
 * IST).  Sends nothing yet: the owner then rings, answers or rejects. */
SipDialog    *sip_dialog_new_uas   (SipDialogSet *set, const SipDialogConfig *cfg,
                                    SipTxn *txn, SipMsg *invite, const SipTxnPeer *from,
                                    const SipDialogFuncs *funcs, gpointer user_data);
/* 180 Ringing (INCOMING -> EARLY). */
void          sip_dialog_ring      (SipDialog *dialog);
/* 200 OK with an SDP answer, retransmitted until the ACK (note 1). */
void          sip_dialog_answer    (SipDialog *dialog);
/* A final 3xx-6xx (@status), e.g. 486 Busy Here; the dialog is then
 * TERMINATED.  Nothing is reported (the owner made the decision). */
void          sip_dialog_reject    (SipDialog *dialog, guint status);

/* ---------------------------------------------------------------- both */

/* Hangs up an established call: BYE (CONFIRMED -> TERMINATING), ENDED
 * reported when the BYE is answered or fails.  On an unanswered UAC call
 * it cancels (sip_dialog_cancel); on an unanswered UAS call it rejects
 * with 480 (nothing reported).  Nothing in other states. */
void          sip_dialog_hangup    (SipDialog *dialog);
/* NULL-safe.  Cancels timers and detaches transactions; sends nothing. */
void          sip_dialog_free      (SipDialog *dialog);

SipDialogState sip_dialog_get_state (const SipDialog *dialog);
gboolean      sip_dialog_is_uac    (const SipDialog *dialog);
const char   *sip_dialog_get_call_id (const SipDialog *dialog);  /* owned by the dialog */
/* The route set (§12.1), in the order requests carry it; owned. */
guint         sip_dialog_route_count (const SipDialog *dialog);
const char   *sip_dialog_route     (const SipDialog *dialog, guint n);
/* The remote target (the peer's Contact URI); NULL before it is known. */
const char   *sip_dialog_remote_target (const SipDialog *dialog);

const char   *sip_dialog_state_to_string (SipDialogState s);
const char   *sip_dialog_end_to_string   (SipDialogEnd e);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipDialogSet, sip_dialog_set_free)

G_END_DECLS
