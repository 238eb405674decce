/*
 * models/device/device.h - a SIP phone or ATA: up to 8 accounts (SP1..SP8),
 * each with its own UDP port, registration, server lookup, redundancy,
 * keep-alives and NAT discovery, running the vendor behaviour of its
 * profile (models/device/config.h; rules in BEHAVIOUR.md, B-numbers).
 *
 * Notes
 *
 * 1. Seam.  Written against sim/host/host.h and sim/host/resolver.h only:
 *    sockets, timers, c-ares and randomness come from the host, so the
 *    same code registers with a real registrar in live mode.  Random
 *    streams: "host/NAME/device" (start-up delays, SRV weights),
 *    "host/NAME/SPn" (per account: identifiers, back-off draws),
 *    "host/NAME/SPn-tp" (the account's transport: TLS bytes, keep-alive
 *    intervals),
 *    "host/NAME/dns-resolver" (query ids).  An account's draws never
 *    depend on another account's.
 *
 * 2. Sockets (B3, B44).  Account n binds UDP X_UserAgentPort (default
 *    5060 + n - 1) on the device's address and sends and receives all its
 *    SIP, STUN and keep-alives on that one socket (symmetric signalling,
 *    RFC 3581), so answers and inbound requests come back through the NAT
 *    binding the account's own traffic opened.  With a TCP or TLS
 *    transport (ProxyServerTransport, OutboundProxyTransport: B24) the
 *    account's one connection carries everything instead (account-conn.c).
 *    Both go through one SipTransport per account (models/sip/transport.h).
 *
 * 3. Inbound (B44, issue 5 item 6).  OPTIONS and NOTIFY get 200; INVITE
 *    follows call_answer (issue 16): busy (the default) is 180 then 486
 *    Busy Here, answer rings call_ring_time and sends 200, ring rings
 *    until the caller gives up (call.c); other methods 405 with Allow.
 *    STUN Binding requests are answered; malformed datagrams are counted
 *    and dropped.
 *
 * 5. Calls and subscriptions (call.c, subscription.c; issue 16).
 *    device_call_start() places a call; where its INVITE goes follows the
 *    rules: the server the account registers with (B22), every candidate
 *    from the primary down in primary_first mode (B25); in-dialog
 *    requests go through the outbound proxy unless
 *    X_BypassOutboundProxyInCall (B24).  Each step of a call is a
 *    DEVICE_EVENT_CALL, each of a subscription a DEVICE_EVENT_SUBSCRIPTION.
 *
 * 4. Events.  Every state change and outcome is one DeviceEvent, given to
 *    the event callback and traced (host_trace), so a run reads as a
 *    ladder diagram and the experiment layer can compute failover time,
 *    outage and re-registrations from the events alone.
 *
 * 6. Configuration ownership (issue 17).  device_new() copies the
 *    DeviceConfig (about 4 KiB with its eight account slots) into a copy
 *    the device owns.  device_new_shared() borrows it instead: a run
 *    builds one DeviceConfig per device section and every one of the
 *    section's N phones reads it; what differs per phone (the
 *    credentials of `count = N`, run-world.c) is given as a
 *    DeviceAccountIdentity and copied into the account.  Nothing in the
 *    device ever writes its configuration, shared or not: the device
 *    code sees it through `const DeviceConfig *` only.
 *
 * The account state machine is drawn in account-rounds.c.
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "models/device/config.h"
#include "models/device/timing.h"

G_BEGIN_DECLS

typedef struct Device Device;

typedef enum {
  DEVICE_ACC_DISABLED,      /* B1 does not hold, or X_RegisterEnable off */
  DEVICE_ACC_STARTING,      /* B10: the random delay before the first REGISTER */
  DEVICE_ACC_RESOLVING,     /* DNS lookup of the registration target */
  DEVICE_ACC_REGISTERING,   /* a REGISTER attempt is in progress, not registered */
  DEVICE_ACC_REGISTERED,    /* a binding is in force (a refresh may be in progress) */
  DEVICE_ACC_WAITING,       /* after a failure: retry timer or short break */
} DeviceAccountState;

const char *device_account_state_to_string (DeviceAccountState s);

typedef enum {
  DEVICE_EVENT_STATE,          /* from -> to */
  DEVICE_EVENT_LOOKUP,         /* a resolve ended: n_candidates (0 = failed) */
  DEVICE_EVENT_REGISTER_SENT,  /* an attempt started toward server */
  DEVICE_EVENT_REGISTERED,     /* 2xx from server: expires; failover/failback flags */
  DEVICE_EVENT_REG_FAILED,     /* an attempt at server failed: fail, status */
  DEVICE_EVENT_SERVER_CHANGE,  /* the server in use moved: prev_server -> server */
  DEVICE_EVENT_REG_EXPIRED,    /* the binding's expiry passed with no successful refresh */
  DEVICE_EVENT_MAPPING,        /* learnt public address changed: mapped (from rport or STUN) */
  DEVICE_EVENT_KEEPALIVE,      /* a keep-alive went out to server */
  DEVICE_EVENT_KA_FAILED,      /* a keep-alive that expects an answer got none */
  DEVICE_EVENT_INBOUND,        /* an inbound request was answered: method, status */
  DEVICE_EVENT_SECONDARY,      /* the secondary registration (B21) is at server (or lost) */
  DEVICE_EVENT_CALL,           /* a step of call call_id: call_phase, server, status */
  DEVICE_EVENT_SUBSCRIPTION,   /* message-summary subscription: sub_phase, server, status */
  DEVICE_EVENT_FLOW_UP,        /* a TCP/TLS connection to server is up (B24) */
  DEVICE_EVENT_FLOW_FAILED,    /* the connection in use failed: detail = the reason
                                  (reset, peer-closed, connect-timeout, keepalive, ...) */
} DeviceEventKind;

/* The steps of one call (DEVICE_EVENT_CALL). */
typedef enum {
  DEVICE_CALL_STARTED,         /* outgoing: the INVITE left for server; incoming: one arrived */
  DEVICE_CALL_RETRIED,         /* outgoing: the INVITE moved on to server (B25) */
  DEVICE_CALL_RINGING,         /* a 180 (sent or received) */
  DEVICE_CALL_ESTABLISHED,     /* outgoing: the 2xx; incoming: the ACK */
  DEVICE_CALL_FAILED,          /* never established: status (0: timeout, transport, no server) */
  DEVICE_CALL_ENDED,           /* an established call ended with an answered BYE */
  DEVICE_CALL_LOST,            /* an established call whose BYE got no answer, 408 or 481,
                                  or whose 2xx was never ACKed: its signalling path was lost */
} DeviceCallPhase;

const char *device_call_phase_to_string (DeviceCallPhase p);

/* The steps of the message-summary subscription (DEVICE_EVENT_SUBSCRIPTION). */
typedef enum {
  DEVICE_SUB_SENT,             /* a SUBSCRIBE (initial or refresh) left for server */
  DEVICE_SUB_ACTIVE,           /* its 2xx: expires */
  DEVICE_SUB_NOTIFY,           /* a NOTIFY arrived */
  DEVICE_SUB_FAILED,           /* a SUBSCRIBE failed: status (0: timeout, transport) */
  DEVICE_SUB_MOVED,            /* the server in use changed: the subscription moves (B25) */
  DEVICE_SUB_EXPIRED,          /* the subscription lapsed with no successful refresh */
} DeviceSubPhase;

const char *device_sub_phase_to_string (DeviceSubPhase p);

const char *device_event_kind_to_string (DeviceEventKind k);

/* Valid during the callback. */
typedef struct {
  DeviceEventKind    kind;
  SimTime            time;
  guint              account;        /* 1..8 */
  DeviceAccountState from, to;       /* STATE */
  SimSockAddr        server;         /* LOOKUP: first candidate; REGISTER_*, KEEPALIVE,
                                        SERVER_CHANGE: the server; INBOUND: the source */
  SimSockAddr        prev_server;    /* SERVER_CHANGE: the previous one (port 0: none) */
  guint              n_candidates;   /* LOOKUP */
  guint32            expires;        /* REGISTERED: granted seconds */
  gboolean           failover;       /* REGISTERED/SERVER_CHANGE: moved down the list */
  gboolean           failback;       /* REGISTERED/SERVER_CHANGE: moved up the list */
  DeviceFailKind     fail;           /* REG_FAILED, KA_FAILED */
  guint              status;         /* REG_FAILED, INBOUND: the status code */
  SimSockAddr        mapped;         /* MAPPING */
  guint              call_id;        /* CALL: the call (1, 2, ... per device) */
  DeviceCallPhase    call_phase;     /* CALL */
  gboolean           incoming;       /* CALL: the device is the callee */
  DeviceSubPhase     sub_phase;      /* SUBSCRIPTION */
  const char        *detail;         /* short text: method, source of a mapping, ... */
} DeviceEvent;

typedef void (*DeviceEventFunc) (Device *dev, const DeviceEvent *ev, gpointer user_data);

typedef struct {
  guint64 datagrams_sent, bytes_sent;          /* SIP, STUN and keep-alives from the account sockets;
                                                  DNS queries (the resolver's own sockets) are not counted */
  guint64 datagrams_received, bytes_received;
  guint64 malformed;                           /* counted and dropped */
  guint64 registers_sent;                      /* REGISTER requests, retransmissions excluded */
  guint64 registrations;                       /* 2xx to REGISTER */
  guint64 reg_failures;                        /* failed attempts */
  guint64 failovers, failbacks;
  guint64 reg_expired;
  guint64 keepalives_sent, keepalives_failed;
  guint64 mapping_changes;
  guint64 inbound_requests;
  guint64 dns_lookups;                         /* resolves that went to the network */
  guint64 calls_started, calls_established, calls_failed, calls_ended, calls_lost;
  guint64 calls_incoming;                      /* INVITEs taken as calls (not busy) */
  guint64 subscribes_sent, subscribe_failures, notifies_received;
  guint64 flows_opened;                        /* TCP/TLS connections started */
  guint64 flow_failures;                       /* connections in use that failed (B24, B38) */
  guint64 reconnects;                          /* re-connections after a loss (B24 back-off) */
} DeviceStats;

/* A device on @host (not owned; must outlive it) with @cfg (copied).
 * Opens one socket per enabled account.  NULL with a GError if a port is
 * taken, no DNS server is set while a server is a name, or the config is
 * inconsistent (e.g. a custom keep-alive that does not parse).  Nothing is
 * sent until device_start(). */
Device     *device_new          (SimHost *host, const DeviceConfig *cfg, GError **error);

/* Per-device values over a shared configuration (device_new_shared()):
 * what differs between the phones of one `count = N` section.  NULL
 * means "the configuration's own value". */
typedef struct {
  const char *user_id;         /* UserID of this device's account */
  const char *auth_username;   /* AuthUserName of this device's account */
} DeviceAccountIdentity;

/* As device_new(), but @cfg is borrowed, not copied (note 6): the caller
 * owns it, keeps it unchanged and alive until device_free().  @ids, if
 * not NULL, has DEVICE_MAX_ACCOUNTS entries (SP1 first), copied: the
 * credentials of this device's accounts, which take the place of the
 * configuration's.  What device_get_config() returns is then @cfg
 * itself, without @ids. */
Device     *device_new_shared   (SimHost *host, const DeviceConfig *cfg,
                                 const DeviceAccountIdentity *ids, GError **error);
/* Closes sockets, cancels timers and lookups; sends nothing.  NULL-safe. */
void        device_free         (Device *dev);
/* Power on (B10): each enabled account waits its start-up delay, then
 * resolves and registers. */
void        device_start        (Device *dev);

/* Called once when device_stop() has finished, from the event loop.
 * @unregistered: bindings removed with a 2xx; @failed: removals that got
 * a failure or no answer (Timer F). */
typedef void (*DeviceStopFunc) (Device *dev, guint unregistered, guint failed,
                                gpointer user_data);

/* Power off with a goodbye (`sipsim live`'s Ctrl-C): every account stops
 * its timers, lookups and keep-alives and starts nothing new; each
 * binding in force, at the primary and at a B21 secondary, is removed
 * with a REGISTER listing the registered contact with expires=0 (RFC 3261
 * §10.2.2), answering a digest challenge as any REGISTER does.  @func
 * runs when every removal has its outcome, at the latest Timer F after
 * this call (at once, from the loop, when nothing was registered).
 * Inbound requests are still answered meanwhile.  Calling it twice is a
 * programming error; device_free() may be called at any time. */
void        device_stop         (Device *dev, DeviceStopFunc func, gpointer user_data);

void        device_set_event_func (Device *dev, DeviceEventFunc func, gpointer user_data);
const DeviceStats *device_get_stats (const Device *dev);
const DeviceConfig *device_get_config (const Device *dev);

/* Account @n (1..8). */
DeviceAccountState device_account_get_state (const Device *dev, guint n);
/* TRUE while a binding is in force (a 2xx was received and its expiry has
 * not passed). */
gboolean    device_account_is_registered (const Device *dev, guint n);
/* The server the account is registered with or trying (FALSE if none). */
gboolean    device_account_get_server    (const Device *dev, guint n, SimSockAddr *out);
/* The contact address in use (learnt mapping if any, B39). */
gboolean    device_account_get_contact   (const Device *dev, guint n, SimSockAddr *out);
/* The secondary registration's server (B21); FALSE if none. */
gboolean    device_account_get_secondary (const Device *dev, guint n, SimSockAddr *out);

/* Places a call from account @n (note 5) to @callee: a user ("1002",
 * made "sip:1002@DOMAIN" with the account's domain) or a SIP URI.  The
 * caller hangs up @hold after the call is established (0: never; see
 * device_call_hangup).  Returns the call's id (> 0), or 0 if the account
 * is not enabled; a call that cannot be sent (no server yet) still gets
 * an id and fails with DEVICE_CALL_FAILED from the event loop. */
guint       device_call_start   (Device *dev, guint n, const char *callee, SimTime hold);
/* Hangs up call @call_id (CANCEL before the answer, BYE after); nothing
 * if it is over. */
void        device_call_hangup  (Device *dev, guint call_id);
/* Calls not yet over. */
guint       device_call_count   (const Device *dev);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Device, device_free)

G_END_DECLS
