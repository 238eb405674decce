/*
 * models/proxy/proxy.h - the SIP registrar (RFC 3261 §10.3) with the
 * behaviour a phone meets in the field: received/rport (RFC 3581), digest
 * challenges (§22), 423 Min-Expires, 503 Retry-After, keep-alive answers
 * (OPTIONS, NOTIFY, STUN, CRLF), RFC 5626 outbound, faults, a capacity
 * limit and inbound reachability probes.
 *
 * Notes
 *
 * 1. Seam.  Written against sim/host/host.h only, through one SipTransport
 *    (models/sip/transport.h): a UDP socket, (optionally) a TCP listener
 *    on the same port and a TLS one on tls_port (models/tls: a
 *    byte-accurate TLS model, doc/tls.md), its own random streams
 *    ("host/NAME/proxy" for identifiers, ".../proxy-probes" for probe
 *    times, ".../proxy-faults" for random fault times, ".../proxy-tp" for
 *    the transport's TLS bytes), traces through host_trace().  Everything
 *    it sends and receives is real bytes, parsed with models/sip,
 *    models/stun and models/tls.
 *
 * 2. Demultiplexing is the transport's: datagrams are classified, streams
 *    framed in the server role; SIP is parsed (malformed counted, answered
 *    400 when possible, note 3) and handed to a SipTxnLayer, whose server
 *    transactions absorb retransmissions (§17.2.2); STUN Binding requests
 *    are answered when the stun setting is on (RFC 5626 §8.4), else
 *    dropped unanswered; CRLFCRLF gets a CRLF pong, on UDP and on
 *    connections; vendor keep-alives are counted.  The receive counters
 *    of SipProxyStats (datagrams ... keepalives) are the transport's.
 *
 * 3. Registration (§10.3): the AOR is the To URI's user@host; each
 *    Contact's expiry is its expires parameter, else the Expires header,
 *    else default_expires; a non-zero expiry below min_expires rejects
 *    the whole request with 423 + Min-Expires, or, with min_expires_raise,
 *    is granted min_expires (Kamailio's registrar does that by default);
 *    above max_expires it is cut to max_expires.  "*" with Expires 0
 *    removes all; same Call-ID with a CSeq not above the binding's fails
 *    with 400 (§10.3 step 7 leaves the code open; Kamailio answers "400
 *    Invalid CSeq number").  The request is checked whole before anything
 *    changes.  A Contact with +sip.instance matches the binding of the same
 *    instance and reg-id whatever its URI (match_instance, as Kamailio
 *    does), so a phone that changes port or address replaces its binding
 *    instead of adding one.  A request that does not parse but still shows
 *    a request line and the five headers a response needs gets 400
 *    (§8.2.6.1 style; Kamailio's sl_reply_error); anything less is dropped.
 *    The 200 lists every binding of the AOR with its remaining seconds.
 *    A binding remembers the flow it came from (source address, port,
 *    transport, connection) and expires exactly at its registration time
 *    plus the granted seconds (one embedded timer each).  With outbound
 *    on and a REGISTER that has Supported: outbound, +sip.instance and
 *    reg-id (RFC 5626 §6), the binding is keyed by (AOR, instance,
 *    reg-id), the 200 carries Require: outbound, if flow_timer > 0
 *    Flow-Timer, and with path_ob the edge proxy's Path entry with "ob"
 *    (§5.1; the model is edge proxy and registrar in one).  A binding
 *    made over TCP is bound to that connection (§5.3): probes go down it
 *    and nowhere else; once it has failed they find no flow.
 *
 * 4. Via (RFC 3581 §4, RFC 3261 §18.2.1): the response's top Via gets
 *    received = the packet's source address whenever the request's top
 *    Via has rport or a sent-by host that differs from it, and rport =
 *    the source port when the request asked for rport.  Behind a NAT
 *    these are the NAT's public mapping.
 *
 * 5. Digest (§22, RFC 2617): with users configured, a REGISTER without
 *    valid credentials gets 401 with a fresh challenge; a stale nonce gets
 *    401 stale=true; credentials that do not verify (wrong password,
 *    unknown user, wrong realm, replayed nonce count) get a fresh 401 too:
 *    §22.2 has the UAC receive a new challenge when its credentials are
 *    rejected.  A user who authenticates but is not the AOR's user gets
 *    403 (§10.3 step 3).  Unparsable credentials get 400.
 *
 * 6. Other requests: OPTIONS and NOTIFY get 200 (keep-alives).  INVITE,
 *    BYE and CANCEL are proxied statefully (forward.h: the location
 *    service, Record-Route as a setting; ACK to 2xx and 2xx
 *    retransmissions statelessly); SUBSCRIBE to message-summary is
 *    answered and followed by a NOTIFY (subscriptions.h); anything else
 *    but ACK gets 405 with Allow.
 *
 * 7. Faults (sip_proxy_fault, sip_proxy_schedule_fault):
 *      CRASH    silent: every packet is dropped (SIP, STUN, pings), every
 *               transaction is forgotten; bindings are kept and keep
 *               expiring; probes are not sent.  TCP as crash_conns says:
 *               HANG (default: a hung process; its kernel keeps the
 *               connections, accepts new ones and ACKs, nothing is
 *               read), RESET (the process died: every connection is reset
 *               and SYNs are refused until RECOVER) or SILENT (the host
 *               lost power: the connections vanish without a segment and
 *               the peer's next segment is answered with RST).
 *      REJECT   every request is answered 503 with Retry-After
 *               (retry_after s; 0 = no Retry-After); STUN and pings are
 *               still answered (the process is up).
 *      SLOW     every answer to a request goes out slow_delay later.
 *      RESTART  as CRASH, and every binding is lost; TCP as
 *               restart_conns says (default RESET); after
 *               restart_downtime the proxy comes back (RECOVER) on its
 *               own and listens again.
 *      KILL     the process is killed (SIGKILL) and stays dead: its UDP
 *               socket and TCP/TLS listeners close, so the host's stack
 *               answers UDP with ICMP port unreachable and TCP SYNs with
 *               RST; every binding and connection is lost (reset).
 *               RECOVER starts it again (empty, listening).
 *      RECOVER  back to normal service (ends CRASH, REJECT, SLOW, KILL).
 *    Faults replace each other: the proxy is in one state at a time.
 *
 * 8. Capacity: with capacity_rps > 0, requests that create a server
 *    transaction are served one at a time, each taking 1/capacity_rps s,
 *    with at most queue_limit waiting; a request arriving to a full queue
 *    gets 503 + Retry-After at once, or is dropped (overload_drop).
 *    Retransmissions absorbed by the transaction layer cost nothing.
 *    STUN, pings and responses bypass the queue.
 *
 * 9. Probes: with probe_rate > 0, every binding runs its own Poisson
 *    process of that rate (per second, per binding), started when the
 *    binding is created and stopped when it goes.  At each arrival the
 *    proxy sends OPTIONS through a client transaction to the binding's
 *    flow (its source address and port; over TCP, its connection), with
 *    Request-URI = the contact URI.  Any final response = reached (with
 *    the latency); Timer F = not reached (SIP_PROXY_PROBE_TIMEOUT); an
 *    ICMP error or closed connection = not reached (..._TRANSPORT_ERROR,
 *    ..._NO_FLOW).  Results are kept in order of completion and passed to
 *    an optional callback.
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "models/sip/msg.h"
#include "models/sip/transaction.h"
#include "models/tls/tls.h"

G_BEGIN_DECLS

typedef struct SipProxy SipProxy;

/* What a CRASH or RESTART does to the TCP connections (note 7). */
typedef enum {
  SIP_PROXY_CONNS_HANG,     /* kept: the kernel ACKs, nothing is read (hung process) */
  SIP_PROXY_CONNS_RESET,    /* reset, listener closed until back (process died) */
  SIP_PROXY_CONNS_SILENT,   /* forgotten without a segment (host lost power);
                               the peer's next segment is answered with RST */
} SipProxyConnFate;

typedef enum {
  SIP_PROXY_FAULT_RECOVER,
  SIP_PROXY_FAULT_CRASH,
  SIP_PROXY_FAULT_REJECT,
  SIP_PROXY_FAULT_SLOW,
  SIP_PROXY_FAULT_RESTART,
  SIP_PROXY_FAULT_KILL,
} SipProxyFault;

const char *sip_proxy_fault_to_string (SipProxyFault f);   /* "crash", ... */

/* One digest user.  Strings borrowed by the config, copied by
 * sip_proxy_new(). */
typedef struct {
  const char *user;
  const char *password;
} SipProxyUser;

/* Plain data; sip_proxy_config_init() fills the defaults (doc/models.md
 * "SIP registrar and proxy" has the table with sources).  Copied by
 * sip_proxy_new(), strings included. */
typedef struct {
  guint16             port;              /* 5060 */
  gboolean            tcp;               /* also listen on TCP port; TRUE */
  gboolean            tls;               /* listen for TLS on tls_port; TRUE */
  guint16             tls_port;          /* 0: port + 1 (5061) */
  TlsVersion          tls_max_version;   /* highest TLS version accepted; 1.3 */
  gboolean            tls_cert_trusted;  /* present the certificate phones trust; TRUE */
  SimTime             tcp_idle_timeout;  /* close a silent connection; 0: never */
  SipProxyConnFate    crash_conns;       /* TCP and TLS under CRASH; HANG */
  SipProxyConnFate    restart_conns;     /* TCP under RESTART; RESET */
  guint32             default_expires;   /* s, when the REGISTER gives none; 3600 */
  guint32             min_expires;       /* s, 423 below this; 0: no minimum; 60 */
  guint32             max_expires;       /* s, granted expiry cap; 7200 */
  /* digest: off unless n_users > 0 */
  const char         *realm;             /* "sipsim.test" */
  const SipProxyUser *users;
  guint               n_users;
  SimTime             nonce_lifetime;    /* 300 s; 0: never stale by age */
  gboolean            min_expires_raise; /* below min_expires: grant min_expires instead
                                          * of 423 (Kamailio's default); FALSE */
  gboolean            match_instance;    /* a Contact with +sip.instance (and reg-id)
                                          * replaces the binding of the same instance
                                          * whatever its URI (Kamailio); TRUE */
  /* RFC 5626 */
  gboolean            outbound;          /* honour Supported: outbound; FALSE (Kamailio
                                          * without its outbound module, Asterisk) */
  guint32             flow_timer;        /* s, Flow-Timer in outbound 200s; 0: none */
  gboolean            path_ob;           /* act as the edge proxy: Path with ;ob in
                                            outbound 200s (§5.1); FALSE */
  gboolean            stun;              /* answer STUN Binding requests on the SIP port
                                          * (RFC 5626 §8.4); FALSE (off out of the box) */
  /* faults and overload */
  guint32             retry_after;       /* s, in every 503; 0: no Retry-After; 60 */
  SimTime             slow_delay;        /* added delay under SLOW; 2 s */
  SimTime             restart_downtime;  /* down time of RESTART; 10 s */
  double              capacity_rps;      /* requests served per s; 0: unlimited */
  guint               queue_limit;       /* requests waiting beyond the one served; 100 */
  gboolean            overload_drop;     /* full queue: drop instead of 503 */
  /* reachability probes */
  double              probe_rate;        /* per s per binding; 0: none */
  SipTxnConfig        txn;               /* transaction timers; zeros: RFC 3261 */
  /* calls (forward.h) */
  gboolean            record_route;      /* Record-Route on forwarded INVITEs; TRUE */
} SipProxyConfig;

void sip_proxy_config_init (SipProxyConfig *cfg);

typedef struct {
  guint64 datagrams;          /* UDP datagrams received (any kind) */
  guint64 stream_frames;      /* frames read from TCP connections */
  guint64 malformed;          /* SIP that did not parse, garbage datagrams, bad frames */
  guint64 malformed_400;      /* of those, requests answered 400 (note 3) */
  guint64 dropped_down;       /* packets dropped while crashed or restarting */
  guint64 stun_answered;
  guint64 stun_ignored;       /* Binding requests dropped: stun setting off */
  guint64 pings_answered;     /* CRLFCRLF -> CRLF */
  guint64 keepalives;         /* vendor keep-alives and stray CRLFs, counted only */
  guint64 requests;           /* requests handed to the TU (new server transactions) */
  guint64 registers;
  guint64 responses_sent;     /* final responses the TU sent, by any path */
  guint64 r200, r401, r403, r423, r500, r503, r405, r400;
  guint64 reject_503;         /* 503s because of the REJECT fault */
  guint64 overload_503;       /* 503s because the queue was full */
  guint64 overload_dropped;   /* requests dropped because the queue was full */
  guint64 max_queue;          /* deepest the queue has been */
  guint64 bindings_created, bindings_refreshed, bindings_removed, bindings_expired;
  guint64 bindings_lost;      /* by RESTART */
  guint64 probes_sent, probes_reached, probes_failed, probes_skipped;
} SipProxyStats;

typedef enum {
  SIP_PROXY_PROBE_OK,               /* a final response came back */
  SIP_PROXY_PROBE_TIMEOUT,          /* Timer F */
  SIP_PROXY_PROBE_TRANSPORT_ERROR,  /* ICMP error, TCP reset, send failure */
  SIP_PROXY_PROBE_NO_FLOW,          /* the binding's TCP connection is gone */
  SIP_PROXY_PROBE_ABORTED,          /* the proxy crashed or restarted meanwhile */
} SipProxyProbeOutcome;

const char *sip_proxy_probe_outcome_to_string (SipProxyProbeOutcome o);

typedef struct {
  SimTime              sent_at;
  SimTime              done_at;
  char                *aor;          /* "user@host" */
  char                *contact;      /* the contact URI */
  SimSockAddr          to;           /* the flow address it went to */
  gboolean             reached;
  SipProxyProbeOutcome outcome;
  guint                status;       /* OK: the final status; else 0 */
} SipProxyProbe;

/* Called when a probe completes; @probe valid during the call.  The
 * callback may call sip_proxy_fault() (a probe that ends in a crash is a
 * scenario) but must not free the proxy. */
typedef void (*SipProxyProbeFunc) (SipProxy *proxy, const SipProxyProbe *probe,
                                   gpointer user_data);

/* A registrar on @host (not owned; must outlive the proxy), listening on
 * @cfg->port (NULL: defaults).  NULL with @error if the port is taken. */
SipProxy   *sip_proxy_new          (SimHost *host, const SipProxyConfig *cfg, GError **error);
/* NULL-safe: closes sockets, cancels timers, drops bindings. */
void        sip_proxy_free         (SipProxy *proxy);

const SipProxyStats *sip_proxy_get_stats (const SipProxy *proxy);
SipProxyFault sip_proxy_get_state  (const SipProxy *proxy);

/* Applies @fault now (note 7). */
void        sip_proxy_fault        (SipProxy *proxy, SipProxyFault fault);
/* Applies @fault at absolute simulated time @at (>= now). */
void        sip_proxy_schedule_fault (SipProxy *proxy, SimTime at, SipProxyFault fault);
/* Random faults: from now until @until, alternating up periods drawn
 * exponential with mean @mtbf and fault periods exponential with mean
 * @mttr; each fault period applies @fault and ends with RECOVER (RESTART
 * recovers by itself after restart_downtime, and @mttr is then unused).
 * Drawn at once from the "proxy-faults" stream, so the schedule depends on
 * the seed only. Returns the number of faults scheduled. */
guint       sip_proxy_schedule_random_faults (SipProxy *proxy, SimTime mtbf, SimTime mttr,
                                              SipProxyFault fault, SimTime until);

/* Bindings. */
guint       sip_proxy_binding_count (const SipProxy *proxy);
/* Bindings of @aor ("user@host"). */
guint       sip_proxy_aor_binding_count (const SipProxy *proxy, const char *aor);
/* Looks up the binding of @aor with contact URI @contact (compared per
 * §19.1.4); FALSE if none.  Outputs may be NULL. */
gboolean    sip_proxy_lookup       (const SipProxy *proxy, const char *aor, const char *contact,
                                    SimTime *expires_at, SimSockAddr *flow);

/* Forwarded calls (forward.h). */
typedef struct {
  guint64 forwarded;          /* requests proxied statefully (INVITE, BYE) */
  guint64 not_found;          /* 480: the AOR had no binding */
  guint64 timeouts;           /* 408: downstream timed out */
  guint64 acks_forwarded;     /* ACKs to 2xx, stateless */
  guint64 ok_forwarded;       /* 2xx retransmissions, stateless */
  guint64 cancels;            /* CANCELs sent downstream */
  guint64 subscriptions;      /* message-summary subscriptions now (subscriptions.h) */
  guint64 notifies_sent;
} SipProxyCallStats;

void        sip_proxy_get_call_stats (const SipProxy *proxy, SipProxyCallStats *out);

/* Probes, in order of completion; owned by the proxy.  Empty after
 * sip_proxy_set_keep_probes (FALSE). */
const GArray *sip_proxy_get_probes (const SipProxy *proxy);   /* of SipProxyProbe */
/* Whether the proxy keeps its completed probes (default TRUE).  The probe
 * func sees every probe either way; an owner that takes what it needs
 * there turns this off, so a long run's memory does not grow with every
 * probe (one per binding per probe interval). */
void        sip_proxy_set_keep_probes (SipProxy *proxy, gboolean keep);
void        sip_proxy_set_probe_func (SipProxy *proxy, SipProxyProbeFunc func,
                                      gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipProxy, sip_proxy_free)

G_END_DECLS
