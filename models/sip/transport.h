/*
 * models/sip/transport.h - one SIP transport per endpoint (RFC 3261 §18,
 * RFC 5626 §3.5.1, §4.4): the endpoint's UDP socket, its TCP listeners and
 * connections ("flows"), framing, keep-alive pings and pongs, and the
 * reports of a flow coming up or failing.  The phone, the registrar and
 * the test peers all reach the wire through it, as libre's src/sip/transp.c
 * does for a libre application.
 *
 * Notes
 *
 * 1. Seam.  Written against sim/host/host.h only; traces through
 *    host_trace() ("tp ..." lines, note 9), randomness from the stream
 *    "host/NAME/TAG-tp" (keep-alive intervals, note 6).  Everything sent
 *    and received is real bytes: datagrams are classified with
 *    sip_classify_datagram() and streams framed with a SipStreamReader
 *    (models/sip/framing.h); SIP is parsed with sip_msg_parse(), and a
 *    message that does not parse is counted and dropped (on a stream the
 *    frame boundary is known, so the stream survives it).
 *
 * 2. Flows.  A flow is one TCP connection (TLS later: one TCP connection
 *    with a TLS session on it), named by a SipFlowId: a number that is
 *    never reused within a transport, so a stale id held by a transaction
 *    or a binding is simply unknown (SIM_NET_ERR_RESET on send), never a
 *    dangling pointer.  SipTxnPeer.flow carries the id as
 *    GUINT_TO_POINTER(id) (sip_flow_to_handle()); UDP has no flow (NULL).
 *    A flow is opened actively (sip_transport_connect(), or on demand by a
 *    reliable send with no flow, note 4) or accepted by a listener.
 *    Active flows read in the client role (every CRLF is a pong),
 *    accepted ones in the server role (CRLFCRLF is a ping, answered with
 *    CRLF when answer_pings is set), framing.h note 2.
 *
 * 3. Reports.  The owner's flow callback gets SIP_FLOW_UP once when a
 *    flow is usable (active: connected; accepted: at once) and
 *    SIP_FLOW_DOWN once when it has failed, with a SipFlowFailure saying
 *    why and the SimNetError to hand to sip_txn_layer_transport_error().
 *    A flow that fails before it was up gets only DOWN.  A flow the owner
 *    closes (sip_transport_flow_close(), sip_transport_drop_flows()) is
 *    not reported: the owner knows.  Failures and their causes:
 *
 *      RESET           RST on an established connection
 *      PEER_CLOSED     FIN from the peer (the transport closes its side too:
 *                      SIP has no use for a half-closed connection)
 *      REFUSED         RST in answer to our SYN
 *      CONNECT_TIMEOUT SYN retries exhausted (1, 3, 7, ... s, sim/net/tcp.c
 *                      note 6), or connect_timeout if set and shorter
 *      ICMP            host or port unreachable during the connect, or as
 *                      the soft error behind a retransmission timeout
 *      TIMED_OUT       data retransmissions exhausted (no ICMP seen)
 *      KEEPALIVE       no pong within pong_timeout of a ping (RFC 5626
 *                      §4.4.1: 10 s)
 *      IDLE            nothing received for idle_timeout (we close)
 *      MALFORMED       bytes that frame as nothing (framing.h note 4): the
 *                      stream cannot be resynchronised, so we reset it
 *      TLS_CERT        we rejected the server's certificate (and sent
 *                      bad_certificate), or the peer's bad_certificate alert
 *      TLS_TIMEOUT     the TLS handshake did not finish in time
 *      TLS             any other TLS failure (no common version, an alert,
 *                      a record we cannot read)
 *
 * 4. Sending (sip_transport_send(), the shape of SipTxnSendFunc).  Not
 *    reliable: a datagram from the UDP socket.  Reliable with a flow: on
 *    that flow; while it is connecting the bytes are queued and sent in
 *    order when it comes up (libre's conn->ql), and dropped with it if it
 *    fails (the DOWN report tells the owner).  Reliable without a flow:
 *    the newest live TCP flow to that address, else a new one (RFC 3261
 *    §18.1.1: "the client ... SHOULD use [an existing connection] ... or
 *    open a new one").  Errors are returned at once: NO_ROUTE when a
 *    connect cannot start or a datagram cannot leave, RESET for an unknown
 *    or closed flow.
 *
 * 5. Flow parameters (SipFlowParams, per active flow): the local port (0:
 *    ephemeral; Aastra "Persistent TLS" binds 5061), a connect timeout
 *    (0: the kernel's), and CRLF keep-alives: a ping every interval drawn
 *    uniformly from [ka_min, ka_max] (RFC 5626 §4.4.1: 80-100 % of
 *    Flow-Timer; a vendor's fixed timer has ka_min = ka_max), each ping
 *    failing the flow unless a pong arrives within pong_timeout.  The
 *    next interval starts when the pong arrives (§4.4.1: "the UA ... sends
 *    the next keep-alive").  sip_transport_flow_set_keepalive() changes
 *    them on a live flow (a Flow-Timer learnt from a 200).
 *
 * 6. Randomness: only the keep-alive intervals, from the transport's own
 *    stream, one draw per ping, so flows do not disturb other streams.
 *
 * 7. Deaf (sip_transport_set_deaf): every byte received is dropped and
 *    counted, nothing is answered; the kernel still accepts connections
 *    and acknowledges data.  That is a hung process (the registrar's
 *    CRASH).  sip_transport_drop_flows() ends every flow without a report,
 *    either with RST (SIP_TRANSPORT_DROP_RESET: the process died and its
 *    kernel reset the connections) or silently (..._SILENT: the host lost
 *    power; its kernel forgot them and will answer later segments with
 *    RST, sim/net/tcp.c note 2).
 *
 * 8. Callbacks run from the event loop (a host socket callback or a
 *    timer), never inside a call into the transport.  Inside any callback
 *    the owner may call anything here, including closing the flow it is
 *    called for and freeing the transport; memory is released when the
 *    outermost callback returns (a busy count, as sim/net/tcp.c note 11).
 *
 * 9. Traces: "tp NAME flow ID up|down REASON|connect|accept ..." for flow
 *    changes and "tp NAME ping|pong ID" for keep-alives, so ladders and
 *    fingerprints show them.
 *
 * 10. TLS flows (models/tls/tls.h: a byte-accurate model, doc/tls.md) run
 *    a TLS session on the TCP connection: active flows as the client,
 *    accepted ones as the server, with the transport's TlsConfig.  The
 *    flow is HANDSHAKING from TCP's CONNECTED (or the accept) until the
 *    session is established, and only then UP; bytes sent meanwhile are
 *    queued, and a TLS 1.3 client sends them in the flight of its
 *    Finished.  Everything on the flow (SIP, pings, pongs, STUN) is TLS
 *    application data.  A failed handshake sends its alert, closes the
 *    connection (FIN) and reports DOWN with TLS_CERT or TLS; a handshake
 *    longer than tls_handshake_timeout is abandoned (FIN) as TLS_TIMEOUT.
 *    The session's random bytes come from the transport's stream.
 *
 * State machine of a flow (transport-flow.c, check_invariants()):
 *
 *      sip_transport_connect / on-demand send        listener accept
 *                    |                                     |
 *                    V                                     |
 *             +------------+  kernel CONNECTED (TCP)       |
 *             | CONNECTING |------------------+            |
 *             +------------+  flush queue,    |            |
 *                 |     | TLS: ClientHello    |            | TLS: accept
 *                 |     V                     |            V
 *                 |  +-------------+  established: flush, [UP]
 *                 |  | HANDSHAKING |--------->|            |
 *                 |  +-------------+          |            |
 *                 |     | alert, bad cert,    |            |
 *                 |     | hs timer, RST, FIN  |            |
 *                 |     V [DOWN]              |            |
 *                    |        [UP]            V            V [UP]
 *                    |                  +---------------------+
 *                    |                  |         UP          |<--+ pong: stop
 *                    |                  +---------------------+   | pong timer,
 *                    |                     |      |    ka timer:  | start ka
 *                    | refused, timeout,   |      |    send ping, | timer
 *                    | ICMP, connect timer |      |    start pong +
 *                    V                     V      |    timer
 *             +-------------------------------+   | RST, FIN, retx out,
 *             |             DOWN              |<--+ pong timer, idle,
 *             +-------------------------------+     malformed [DOWN]
 *               [DOWN] from CONNECTING too; owner close or drop: no report
 *
 *   CONNECTING -> UP    [flow_on_tcp_event: CONNECTED (TCP)]
 *   CONNECTING -> HANDSHAKING [flow_on_tcp_event: CONNECTED (TLS)]
 *   (accept)   -> HANDSHAKING [on_accept (TLS)]
 *   HANDSHAKING -> UP   [flow_tls_input: established]
 *   HANDSHAKING -> DOWN [flow_tls_input: failed; flow_on_hs_timer;
 *                        flow_on_tcp_event: ERROR, PEER_CLOSED; flow_close]
 *   CONNECTING -> DOWN  [flow_on_tcp_event: ERROR; flow_on_connect_timer;
 *                        flow_close; transport free]
 *   (accept)   -> UP    [on_accept (TCP)]
 *   UP         -> DOWN  [flow_on_tcp_event: ERROR, PEER_CLOSED;
 *                        flow_on_pong_timer; flow_on_idle_timer;
 *                        flow_recv: framing error; flow_close]
 *
 * Invariants (asserted on every transition):
 *   CONNECTING  active; socket open; connect timer pending iff a connect
 *               timeout is set; no keep-alive, pong, idle or handshake
 *               timer.
 *   HANDSHAKING a TLS flow with its session; socket open; handshake timer
 *               pending iff a handshake timeout is set; no other timer.
 *   UP          socket open; send queue empty; connect timer idle; pong
 *               timer pending only with keep-alives on, and then the
 *               keep-alive timer is idle (one ping outstanding at most).
 *   DOWN        no socket, no timer, empty queue, not in the flow table.
 *   and always: a flow has a TLS session iff it is a TLS flow that has
 *   left CONNECTING.
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "models/sip/msg.h"
#include "models/sip/transaction.h"
#include "models/sip/framing.h"
#include "models/tls/tls.h"

G_BEGIN_DECLS

typedef struct SipTransport SipTransport;
typedef guint32 SipFlowId;            /* 0: no flow */

typedef enum {
  SIP_TRANSPORT_UDP,
  SIP_TRANSPORT_TCP,
  SIP_TRANSPORT_TLS,                  /* TCP + models/tls (note 10) */
} SipTransportProto;

typedef enum {
  SIP_FLOW_FAIL_NONE,
  SIP_FLOW_FAIL_RESET,
  SIP_FLOW_FAIL_PEER_CLOSED,
  SIP_FLOW_FAIL_REFUSED,
  SIP_FLOW_FAIL_CONNECT_TIMEOUT,
  SIP_FLOW_FAIL_ICMP,
  SIP_FLOW_FAIL_TIMED_OUT,
  SIP_FLOW_FAIL_KEEPALIVE,
  SIP_FLOW_FAIL_IDLE,
  SIP_FLOW_FAIL_MALFORMED,
  SIP_FLOW_FAIL_TLS_CERT,             /* a certificate was rejected (by us or the peer) */
  SIP_FLOW_FAIL_TLS_TIMEOUT,          /* no TLS handshake within tls_handshake_timeout */
  SIP_FLOW_FAIL_TLS,                  /* another TLS failure: version, alert, bad record */
} SipFlowFailure;

typedef enum {
  SIP_FLOW_UP,
  SIP_FLOW_DOWN,
} SipFlowEventKind;

typedef struct {
  SipFlowEventKind  kind;
  SipFlowId         flow;
  SipTransportProto proto;
  gboolean          accepted;    /* opened by the peer */
  SimSockAddr       local, remote;
  SipFlowFailure    failure;     /* DOWN: why; UP: NONE */
  SimNetError       error;       /* DOWN: for sip_txn_layer_transport_error() */
  SimTime           opened_at;   /* when the connect started or was accepted */
} SipFlowEvent;

/* What a received message came on: peer.flow is sip_flow_to_handle(id) for
 * a stream, NULL for UDP.  All pointers are valid during the call only. */
typedef void (*SipTransportMsgFunc)  (SipTransport *tp, SipMsg *msg, const SipTxnPeer *from,
                                      gpointer user_data);
/* STUN the transport does not answer itself (note 1 of responder: Binding
 * requests are answered when stun_server is set; everything else, e.g. the
 * responses a STUN client waits for, comes here). */
typedef void (*SipTransportStunFunc) (SipTransport *tp, const guint8 *data, gsize len,
                                      const SipTxnPeer *from, gpointer user_data);
/* A keep-alive that is not a ping to answer: a pong (UDP, or on a stream
 * where no ping was outstanding) or a vendor keep-alive (framing.h note 5).
 * @kind is the datagram's kind (SIP_DGRAM_PONG for stream pongs). */
typedef void (*SipTransportKaFunc)   (SipTransport *tp, SipDgramKind kind,
                                      const SipTxnPeer *from, gpointer user_data);
typedef void (*SipTransportFlowFunc) (SipTransport *tp, const SipFlowEvent *ev,
                                      gpointer user_data);
/* SIP that did not parse (already counted in malformed): its bytes and
 * the parse error, e.g. for a registrar's 400 (RFC 3261 §8.2.6.2 needs the
 * raw header lines).  Valid during the call. */
typedef void (*SipTransportMalformedFunc) (SipTransport *tp, const guint8 *data, gsize len,
                                           const GError *err, const SipTxnPeer *from,
                                           gpointer user_data);
/* ICMP error for a datagram sent from the UDP socket to @remote. */
typedef void (*SipTransportUdpErrorFunc) (SipTransport *tp, SimNetError err,
                                          const SimSockAddr *remote, gpointer user_data);

/* The owner's callbacks; copied; any may be NULL (then the event is only
 * counted). */
typedef struct {
  SipTransportMsgFunc      message;
  SipTransportStunFunc     stun;
  SipTransportKaFunc       keepalive;
  SipTransportFlowFunc     flow;
  SipTransportUdpErrorFunc udp_error;
  SipTransportMalformedFunc malformed;
} SipTransportFuncs;

typedef struct {
  const char *tag;            /* trace name and random stream suffix; "sip" */
  gboolean    answer_pings;   /* CRLFCRLF -> CRLF (UDP and accepted flows); TRUE */
  gboolean    stun_server;    /* answer STUN Binding requests (RFC 5626 §8.4); FALSE */
  SimTime     idle_timeout;   /* close a flow after this long without input; 0: never */
  gsize       max_buffer;     /* per-flow reassembly bound; 0: framing.h's default */
  TlsConfig   tls;            /* TLS flows, both roles (models/tls/tls.h defaults) */
  SimTime     tls_handshake_timeout;  /* 32 s (64*T1, as Timer B/F); 0: none */
} SipTransportConfig;

void sip_transport_config_init (SipTransportConfig *cfg);

/* Per active flow (note 5).  Zeros: ephemeral port, kernel connect
 * timeout, no keep-alives. */
typedef struct {
  guint16 local_port;
  SimTime connect_timeout;
  SimTime ka_min, ka_max;     /* ping interval range; 0: no keep-alives */
  SimTime pong_timeout;       /* 0 with keep-alives on: 10 s (RFC 5626 §4.4.1) */
} SipFlowParams;

#define SIP_FLOW_PONG_TIMEOUT_DEFAULT SIM_S (10)   /* RFC 5626 §4.4.1 */

typedef struct {
  guint64 datagrams;          /* UDP datagrams received (any kind) */
  guint64 stream_frames;      /* frames read from flows */
  guint64 messages;           /* SIP messages handed to the owner */
  guint64 malformed;          /* SIP that did not parse, garbage, framing errors */
  guint64 dropped_deaf;       /* receptions dropped while deaf (note 7) */
  guint64 pings_sent, pongs_received, pings_answered;
  guint64 keepalives;         /* vendor keep-alives and unexpected pongs */
  guint64 stun_answered;
  guint64 flows_opened, flows_accepted, flows_up;
  guint64 flows_failed[SIP_FLOW_FAIL_TLS + 1];   /* by SipFlowFailure */
  guint64 tls_handshakes;     /* TLS handshakes completed */
  guint64 queued_bytes;       /* bytes that waited for a flow to come up */
} SipTransportStats;

/* ------------------------------------------------------------ lifetime */

/* A transport on @host (not owned; must outlive it) with no sockets yet.
 * @cfg (NULL: defaults) and @funcs are copied. */
SipTransport *sip_transport_new  (SimHost *host, const SipTransportConfig *cfg,
                                  const SipTransportFuncs *funcs, gpointer user_data);
/* NULL-safe.  Closes every socket (flows are aborted, no reports) and
 * cancels every timer.  Allowed inside a callback (note 8). */
void          sip_transport_free (SipTransport *tp);
SimHost      *sip_transport_get_host (const SipTransport *tp);
const SipTransportStats *sip_transport_get_stats (const SipTransport *tp);

/* -------------------------------------------------------------- sockets */

/* Binds the UDP socket to @port (0: ephemeral) on any address, replacing
 * the one there was (a phone moving to a new source port).  FALSE with
 * @error if the port is taken; the old socket is then kept. */
gboolean      sip_transport_udp_bind (SipTransport *tp, guint16 port, GError **error);
/* Closes the UDP socket (a killed process: the host then answers ICMP
 * port unreachable).  No-op without one. */
void          sip_transport_udp_close (SipTransport *tp);
/* The UDP socket's local address; FALSE if there is none. */
gboolean      sip_transport_udp_local (const SipTransport *tp, SimSockAddr *out);
/* Listens for TCP or TLS on @port (any number of listeners, e.g. TCP on
 * 5060 and TLS on 5061). */
gboolean      sip_transport_listen   (SipTransport *tp, SipTransportProto proto, guint16 port,
                                      GError **error);
/* Closes every listener. */
void          sip_transport_listen_stop (SipTransport *tp);

/* ---------------------------------------------------------------- flows */

/* Opens a new flow to @remote (always new: RFC 5626 wants one flow per
 * reg-id).  Returns its id; UP or DOWN follow from the event loop.  0 with
 * @error if it cannot start (no route, local port taken, TLS). */
SipFlowId     sip_transport_connect  (SipTransport *tp, SipTransportProto proto,
                                      const SimSockAddr *remote, const SipFlowParams *params,
                                      GError **error);
/* The newest live flow of @proto to @remote, or 0. */
SipFlowId     sip_transport_find_flow (const SipTransport *tp, SipTransportProto proto,
                                       const SimSockAddr *remote);
gboolean      sip_transport_flow_is_up (const SipTransport *tp, SipFlowId flow);
/* TCP or TLS; UDP for 0 or an unknown flow. */
SipTransportProto sip_transport_flow_get_proto (const SipTransport *tp, SipFlowId flow);
/* FALSE for an unknown flow.  Outputs may be NULL. */
gboolean      sip_transport_flow_addrs (const SipTransport *tp, SipFlowId flow,
                                        SimSockAddr *local, SimSockAddr *remote);
/* Changes keep-alives on a live flow (note 5): the next ping is due one
 * new interval from now, unless a ping is outstanding (its pong timer
 * runs on).  ka_min = 0 stops them. */
void          sip_transport_flow_set_keepalive (SipTransport *tp, SipFlowId flow,
                                                SimTime ka_min, SimTime ka_max,
                                                SimTime pong_timeout);
/* Graceful close (FIN after what is queued); no report.  Unknown: no-op. */
void          sip_transport_flow_close (SipTransport *tp, SipFlowId flow);
typedef enum {
  SIP_TRANSPORT_DROP_RESET,
  SIP_TRANSPORT_DROP_SILENT,
} SipTransportDrop;
/* Ends every flow without a report (note 7). */
void          sip_transport_drop_flows (SipTransport *tp, SipTransportDrop how);
/* Live flows. */
guint         sip_transport_flow_count (const SipTransport *tp);

/* ------------------------------------------------------------- sending */

/* Note 4.  @data is copied. */
SimNetError   sip_transport_send     (SipTransport *tp, const SipTxnPeer *to,
                                      const guint8 *data, gsize len);
/* A SipTxnSendFunc for sip_txn_layer_new() with the transport as data. */
SimNetError   sip_transport_txn_send (SipTxnLayer *layer, const SipTxnPeer *to,
                                      const guint8 *data, gsize len, gpointer tp);

/* Note 7. */
void          sip_transport_set_deaf (SipTransport *tp, gboolean deaf);

static inline gpointer  sip_flow_to_handle (SipFlowId id) { return GUINT_TO_POINTER (id); }
static inline SipFlowId sip_flow_from_handle (gconstpointer h) { return GPOINTER_TO_UINT (h); }

const char *sip_flow_failure_to_string (SipFlowFailure f);       /* "reset", ... */
const char *sip_transport_proto_to_string (SipTransportProto p); /* "UDP", "TCP", "TLS" */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipTransport, sip_transport_free)

G_END_DECLS
