/*
 * models/device/account-private.h - what the files of one account (SPn)
 * share.  Not for use outside models/device/account*.c.
 *
 * The account is split by concern; each file opens with its notes:
 *
 *   account.c            the socket and demultiplexing, shared helpers,
 *                        lifecycle (new, start, free)
 *   account-rounds.c     rounds and the candidate walk: lookup, REGISTER
 *                        outcomes, retry, refresh, expiry, failover; the
 *                        round state machine and its invariants
 *   account-failback.c   failback probes (B20)
 *   account-keepalive.c  keep-alive scheduling (B23, B40, RFC 5626)
 *   account-nat.c        the public address, REMAP (B39, B45) and the
 *                        port move (B9)
 *   account-secondary.c  the secondary leg (B21)
 *
 * Ownership: everything here works on a DeviceAccount the Device owns
 * (device-private.h); no function takes or gives ownership of the account.
 * Each file owns the fields its notes name and only reads the others.
 */
#pragma once
#include <string.h>

#include "models/device/device-private.h"

/* B45: immediate re-REGISTERs in a row, at most (account-nat.c note 2). */
#define MAX_REMAPS 3

/* ---------------------------------------------------- account.c helpers */

static inline SimHost *
acc_host (const DeviceAccount *acc)
{
  return acc->dev->host;
}

static inline const char *
addr_str (const SimSockAddr *a, char buf[SIM_SOCKADDR_STRLEN])
{
  return sim_sockaddr_to_string (a, buf);
}

static inline void
acc_event_init (DeviceAccount *acc, DeviceEvent *ev, DeviceEventKind kind)
{
  memset (ev, 0, sizeof *ev);
  ev->kind = kind;
  ev->time = host_now (acc_host (acc));
  ev->account = acc->n;
  ev->from = ev->to = acc->state;
}

static inline gint
list_position (const DeviceServerList *list, const SimSockAddr *a)
{
  return list ? device_server_list_find (list, a) : -1;
}

void     acc_trace       (DeviceAccount *acc, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* acc_trace() in pieces: the line's start ("dev SP1 "); the caller adds
 * host_trace_* pieces and ends it with host_trace_end. */
void     acc_trace_begin (DeviceAccount *acc);
/* The state shown while no binding is in force (REGISTERED wins while one is). */
void     acc_set_state   (DeviceAccount *acc, DeviceAccountState s);
/* The leg *@leg (acc->sec_reg, unreg or f2_reg), made now if it was not
 * yet, with the From tag drawn for it when the account was made (*@tag,
 * taken): most accounts never use those three legs (account.c). */
DeviceReg *acc_leg       (DeviceAccount *acc, DeviceReg **leg, char **tag);
/* B18: the switch is on and the list has several candidates. */
gboolean acc_redundancy  (const DeviceAccount *acc);
/* B7: a server that answered 503 with Retry-After, until it expires. */
gboolean acc_is_blocked  (DeviceAccount *acc, const SimSockAddr *a);
void     acc_block       (DeviceAccount *acc, const SimSockAddr *a, gint64 seconds);
/* The local address toward @dst (Via, unmapped contact); the contact to
 * register or advertise toward @dst (B39). */
SimIp4   acc_local_ip    (DeviceAccount *acc, SimIp4 dst);
void     acc_contact_for (DeviceAccount *acc, SimIp4 dst, SimSockAddr *out);
/* ---------------------------------------------------------- account-conn.c */

/* The connection a REGISTER to @server goes on (B24): the one in use if it
 * goes there, else a new one (opened now; the transport queues the
 * request until it is up).  NULL for UDP or if no connection can start. */
gpointer acc_flow_for        (DeviceAccount *acc, const SimSockAddr *server);
/* Over a connection, an unmapped contact is the connection's local end
 * (account-rounds.c acc_request_for); no-op for UDP or a mapped contact. */
void     acc_contact_on_flow (DeviceAccount *acc, SimSockAddr *contact);
/* Where a call's or a subscription's request to @server goes (B22, B24):
 * over UDP the account's socket; over TCP/TLS the one connection that
 * carries everything (note 1, acc_flow_for: the one in use when it goes
 * to @server).  Fills @peer, the Via's transport name and sent-by port,
 * the contact (as a REGISTER to @server would carry it) and the contact
 * URI's transport parameter ("" for UDP, ";transport=tcp", ...).
 * @received (NULL: none): answering a request that came on it (an
 * incoming call), the hop is where it came from, on its flow, and no
 * connection is opened or moved. */
typedef struct {
  SipTxnPeer  peer;
  const char *via_transport;     /* "UDP", "TCP", "TLS" (static) */
  guint16     via_port;
  SimSockAddr contact;
  const char *contact_param;     /* static */
} AccHop;
void     acc_hop_for         (DeviceAccount *acc, const SimSockAddr *server,
                              const SipTxnPeer *received, AccHop *out);
/* A flow report of the account's transport (up, or failed with why). */
void     acc_on_flow         (DeviceAccount *acc, const SipFlowEvent *ev);
/* After a 2xx over a connection: keep-alives (RFC 5626 §4.4.1, B43) and
 * the background restore of the primary (B28). */
void     acc_conn_registered (DeviceAccount *acc, gboolean outbound, guint32 flow_timer);
/* B24: the wait before re-connecting after @k consecutive failures. */
SimTime  acc_reconnect_wait  (DeviceAccount *acc, guint k);
void     acc_on_conn_timer    (SimTimer *t, gpointer u);

/* --------------------------------------------------------- account-flow2.c */

/* RFC 5626 §4.2: a second flow is configured and possible now. */
gboolean acc_f2_wanted   (const DeviceAccount *acc);
/* After the first flow's 2xx: register the second if it is not. */
void     acc_f2_start    (DeviceAccount *acc);
void     acc_on_f2_timer (SimTimer *t, gpointer u);
/* TRUE if @ev was about the second flow's connection (and handled). */
gboolean acc_f2_on_flow  (DeviceAccount *acc, const SipFlowEvent *ev);
void     acc_on_restore_timer (SimTimer *t, gpointer u);

/* ------------------------------------------------------ account-rounds.c */

void acc_cancel_round  (DeviceAccount *acc);
void acc_start_round   (DeviceAccount *acc, RoundKind kind, gboolean fresh);
/* A REGISTER toward @server from the account's socket (Via, Contact). */
void acc_request_for   (DeviceAccount *acc, const SimSockAddr *server, DeviceRegRequest *req,
                        SimSockAddr *contact);
/* A server failure of the server in use: promote the secondary or start a
 * FAILOVER round. */
void acc_failover      (DeviceAccount *acc, const SimSockAddr *failed);
void acc_on_next_timer (SimTimer *t, gpointer u);
void acc_on_expiry     (SimTimer *t, gpointer u);

/* The round machine's invariants (account-rounds.c note 4): NULL when
 * they hold, else the first that does not. */
const char *acc_invariant_violation (const DeviceAccount *acc);

/* Asserted at the end of every callback from the event loop (timers,
 * REGISTER and keep-alive outcomes, DNS answers, datagrams, ICMP errors)
 * that may change the account (the keep-alive sends and the outcomes that
 * change nothing are left out: account-keepalive.c note 3): aborts naming
 * the broken invariant.  Compiled out with G_DISABLE_ASSERT,
 * as g_assert() is. */
#ifdef G_DISABLE_ASSERT
#define acc_check_invariants(acc) G_STMT_START { (void) (acc); } G_STMT_END
#else
#define acc_check_invariants(acc)                                               \
  G_STMT_START {                                                                \
    const char *acc_why_ = acc_invariant_violation (acc);                       \
    if G_LIKELY (acc_why_ == NULL) ; else                                       \
      g_assertion_message_expr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,    \
                                acc_why_);                                      \
  } G_STMT_END
#endif

/* ---------------------------------------------------- account-failback.c */

/* Starts, keeps or cancels the failback timer after the server in use
 * changed or a probe ended (B20). */
void acc_arm_failback      (DeviceAccount *acc);
void acc_on_failback_timer (SimTimer *t, gpointer u);

/* --------------------------------------------------------- account-nat.c */

/* A public address learnt from @source ("rport", "stun").  Returns TRUE if
 * a REMAP round was started. */
gboolean acc_on_mapped (DeviceAccount *acc, const SimSockAddr *mapped, const char *source,
                        gboolean may_remap);
/* B9: after a REGISTER with no response, the next port. */
void     acc_next_port (DeviceAccount *acc);

/* --------------------------------------------------- account-keepalive.c */

void acc_on_ka_timer (SimTimer *t, gpointer u);
void acc_on_ob_timer (SimTimer *t, gpointer u);

/* --------------------------------------------------- account-secondary.c */

/* Searches a secondary registration from the top of the list (B21). */
void     acc_sec_start    (DeviceAccount *acc);
/* B21: when the server in use (@failed) fails and a secondary is
 * registered elsewhere, makes it the primary and returns TRUE. */
gboolean acc_sec_promote  (DeviceAccount *acc, const SimSockAddr *failed);
void     acc_on_sec_timer (SimTimer *t, gpointer u);
