/*
 * models/stun/client.h - STUN Binding client transactions (RFC 5389 §7.2,
 * §7.3.3, §7.3.4) over a socket someone else owns.
 *
 * A NAT keep-alive Binding request travels on the SIP flow itself (RFC 5626
 * §4.4.2: same 5-tuple, so it refreshes the very NAT binding SIP uses), so
 * the client does not own a socket.  Its owner (the SIP transport of a
 * device) gives it a send function and hands back every STUN message that
 * arrives on the flow with stun_client_receive(), which matches responses to
 * transactions by transaction id.  The owner also reports errors on the
 * flow (an ICMP port unreachable, a TCP reset) with
 * stun_client_transport_error().  Time and timers come from the host seam
 * (sim/host/host.h), transaction ids from a SimRng the caller owns.
 *
 * Outcomes are data (StunResult), delivered once per transaction to its
 * StunClientDoneFunc.  Timing over UDP (§7.2.1), with RTO = 500 ms, Rc = 7,
 * Rm = 16: sends at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s, failure at 39.5 s.
 * Over a reliable transport (§7.2.2): one send, failure after Ti = 39.5 s.
 * State diagram: top of client.c.
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "models/stun/msg.h"

G_BEGIN_DECLS

typedef struct StunClient      StunClient;
typedef struct StunTransaction StunTransaction;

/* Copied by stun_client_new(); zero fields take the RFC 5389 defaults. */
typedef struct {
  SimTime     rto;          /* initial retransmission timeout (UDP); 0: 500 ms */
  guint       rc;           /* requests sent in all (UDP); 0: 7 */
  guint       rm;           /* wait after the last send, in initial RTOs; 0: 16 */
  SimTime     ti;           /* reliable transport: time to wait; 0: 39.5 s */
  gboolean    reliable;     /* the flow is TCP/TLS: send once, wait @ti */
  gboolean    fingerprint;  /* put FINGERPRINT in requests */
  const char *software;     /* SOFTWARE in requests; NULL: none */
} StunClientConfig;

#define STUN_DEFAULT_RTO  SIM_MS (500)
#define STUN_DEFAULT_RC   7
#define STUN_DEFAULT_RM   16
#define STUN_DEFAULT_TI   SIM_MS (39500)

typedef enum {
  STUN_RESULT_SUCCESS,          /* success response: @mapped is set */
  STUN_RESULT_ERROR_RESPONSE,   /* error response: @error_code, @reason */
  STUN_RESULT_BAD_RESPONSE,     /* a response matched but is unusable: unknown
                                 * comprehension-required attributes, no
                                 * mapped address or no ERROR-CODE (§7.3.3-4) */
  STUN_RESULT_TIMEOUT,          /* no response (Rc sends + Rm*RTO, or Ti) */
  STUN_RESULT_TRANSPORT_ERROR,  /* the flow failed: @net_error */
} StunOutcome;

/* Valid only during the StunClientDoneFunc call. */
typedef struct {
  StunOutcome    outcome;
  SimSockAddr    server;        /* where the request was sent */
  guint          sends;         /* times the request went out */
  SimTime        started_at;    /* host time of the first send */
  SimTime        elapsed;       /* from the first send to this outcome */
  StunAddress    mapped;        /* SUCCESS: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS */
  gboolean       mapped_is_xor; /* SUCCESS: which of the two it came from */
  guint          error_code;    /* ERROR_RESPONSE: 300..699 */
  const char    *reason;        /* ERROR_RESPONSE: reason phrase ("" if none) */
  SimNetError    net_error;     /* TRANSPORT_ERROR */
  const StunMsg *response;      /* SUCCESS, ERROR_RESPONSE, BAD_RESPONSE */
} StunResult;

/* Called once when @txn ends; @txn is freed when it returns.  Runs from the
 * event loop (a timer) or from inside stun_client_receive() /
 * stun_client_transport_error().  It may start or cancel transactions but
 * must not free the client. */
typedef void (*StunClientDoneFunc) (StunTransaction *txn, const StunResult *result,
                                    gpointer user_data);

/* Sends @len bytes to @to on the owner's flow.  Returns SIM_NET_OK, or the
 * error that kept the datagram from leaving (no route, ...), which ends the
 * transaction with STUN_RESULT_TRANSPORT_ERROR.  @data is valid only during
 * the call. */
typedef SimNetError (*StunClientSendFunc) (const SimSockAddr *to, const guint8 *data,
                                           gsize len, gpointer user_data);

/* @host and @rng are not owned and must outlive the client; @cfg (may be
 * NULL) is copied.  Transaction ids are drawn from @rng only. */
StunClient *stun_client_new   (SimHost *host, SimRng *rng, const StunClientConfig *cfg,
                               StunClientSendFunc send, gpointer send_data);
/* NULL-safe.  Cancels every pending transaction without calling its done
 * function. */
void        stun_client_free  (StunClient *client);

/* Starts a Binding transaction to @server: the first request goes out
 * before this returns (unless sending fails, in which case the
 * TRANSPORT_ERROR outcome is delivered from the event loop at the same
 * instant, never inside this call).  The handle belongs to the client and
 * is valid until @done has returned or stun_transaction_cancel(). */
StunTransaction *stun_client_binding (StunClient *client, const SimSockAddr *server,
                                      StunClientDoneFunc done, gpointer user_data);
/* As stun_client_binding(), but the request is sent once whatever the
 * client's configuration, and the transaction times out @wait (> 0) after
 * that send: a keep-alive Binding (BEHAVIOUR.md B23, B40: keep-alives are
 * never retransmitted) on a client whose other transactions keep the
 * RFC 5389 schedule. */
StunTransaction *stun_client_binding_once (StunClient *client, const SimSockAddr *server,
                                           SimTime wait, StunClientDoneFunc done,
                                           gpointer user_data);
/* Ends @txn without calling its done function; frees it.  Called from
 * @txn's own done function it does nothing: @txn is ending already. */
void          stun_transaction_cancel   (StunTransaction *txn);
const guint8 *stun_transaction_get_txid (const StunTransaction *txn);   /* 12 bytes */

/* Offers a message that arrived on the flow from @from.  TRUE if it was a
 * response to one of this client's pending transactions (which then ends,
 * its done function called before this returns); FALSE if it is anything
 * else (not STUN, malformed, a request, a stray or late response), which
 * the owner may count and drop. */
gboolean    stun_client_receive (StunClient *client, const SimSockAddr *from,
                                 const guint8 *data, gsize len);
/* The owner saw @err on the flow toward @remote (NULL: the whole flow, e.g.
 * a TCP reset).  Every transaction to @remote that was pending when this
 * was called ends at once with STUN_RESULT_TRANSPORT_ERROR (a hard ICMP
 * error fails a transaction, §7.2.1).  Returns how many ended. */
guint       stun_client_transport_error (StunClient *client, const SimSockAddr *remote,
                                         SimNetError err);

guint       stun_client_get_n_pending (const StunClient *client);
const char *stun_outcome_to_string   (StunOutcome outcome);       /* static string */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StunClient, stun_client_free)

G_END_DECLS
