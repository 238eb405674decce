/*
 * models/device/device-private.h - what device.c (sockets, demultiplexing,
 * inbound requests) and the account files (account*.c: the registration
 * policy; their map is in account-private.h) share.  Not for use outside
 * models/device/.
 */
#pragma once
#include "sim/host/resolver.h"
#include "models/sip/transaction.h"
#include "models/sip/dialog.h"
#include "models/sip/transport.h"
#include "models/stun/client.h"
#include "models/device/device.h"
#include "models/device/locator.h"
#include "models/device/reg.h"
#include "models/device/keepalive.h"

typedef struct DeviceAccount DeviceAccount;
typedef struct DeviceCall    DeviceCall;
typedef struct DeviceSub     DeviceSub;

/* What the walk over the candidate list is for (account-rounds.c). */
typedef enum {
  ROUND_NONE,
  ROUND_INITIAL,     /* from the top of the list (start, retry, short break over) */
  ROUND_REFRESH,     /* SEARCH: the server in use only; PRIMARY_FIRST: from the top */
  ROUND_FAILOVER,    /* SEARCH: the server in use failed; from the one after it */
  ROUND_PROBE,       /* SEARCH: failback probe of higher-priority servers (B20) */
  ROUND_REMAP,       /* re-REGISTER at once with a new contact (B45) */
} RoundKind;

/* A server that answered 503 with Retry-After: nothing is sent to it
 * before @until (B7). */
typedef struct {
  SimSockAddr addr;
  SimTime     until;
} BlockedServer;

struct DeviceAccount {
  Device                    *dev;
  guint                      n;               /* 1..8 */
  char                       name[8];         /* "SP1" */
  char                       trace_prefix[16]; /* "dev SP1 ": acc_trace's start */
  gsize                      trace_prefix_len;
  guint64                    trace_prefix_hash; /* host_trace_hash (trace_prefix) */
  const DeviceAccountConfig *cfg;             /* inside dev->cfg */
  SimRng                     rng;             /* "host/NAME/SPn" */

  /* transport: one socket for everything (B44); TCP/TLS flows (B24) */
  SipTransport              *tp;              /* the UDP socket and the flows */
  SimSockAddr                local;           /* UDP bound address (ip may be ANY) */
  guint16                    base_port;       /* X_UserAgentPort (B3) */
  guint                      port_index;      /* B9: 0 = base_port, k = alt_ports[k-1] */
  SipTxnLayer               *layer;
  StunClient                *stun;
  DeviceKeepAlive           *ka;
  DeviceKaCustom             ka_custom;

  /* identity */
  char                      *user;
  char                      *auth_username;   /* the config's, or the device's own (note 6 of device.h) */
  char                      *domain;
  char                      *target;          /* what is looked up: OBP or registrar */
  guint16                    target_port;

  /* state */
  DeviceAccountState         state;
  DeviceReg                 *reg;             /* the registration leg */
  /* The From tags of sec_reg, unreg and f2_reg, drawn when the account is
   * made; each leg is made (acc_leg) the first time it is used, taking
   * its tag (then NULL). */
  char                      *sec_tag, *unreg_tag, *f2_tag;
  DeviceLocateRequest       *locate;
  DeviceServerList          *list;            /* candidates in try order */
  RoundKind                  round;
  guint                      cursor;          /* candidate being tried */
  guint16                    probe_priority;  /* PROBE: try only priorities below this */
  SimSockAddr                failed_server;   /* FAILOVER: continue after this one */
  gboolean                   refresh_due;     /* a refresh came due during a probe */
  guint                      failures;        /* consecutive failed rounds */
  DeviceFailKind             last_fail;
  gint64                     last_retry_after;
  guint                      remaps;          /* immediate re-REGISTERs in a row (B45) */
  GArray                    *blocked;         /* BlockedServer; NULL until the first
                                                 Retry-After (most accounts never get one) */

  gboolean                   registered;      /* a binding is in force */
  gboolean                   stopping;        /* device_stop(): removals only */
  SimSockAddr                server;          /* the server of the last 2xx */
  gboolean                   has_server;
  guint16                    server_priority;
  SimSockAddr                trying;          /* where the attempt in progress goes */
  guint16                    trying_priority;
  gboolean                   has_trying;

  HostTimer                  next_timer;      /* start delay, retry, refresh */
  SimTime                    refresh_at;      /* when next_timer refreshes; -1: not a refresh */
  HostTimer                  expiry_timer;    /* the binding's end */
  HostTimer                  failback_timer;  /* B20 */
  HostTimer                  ka_timer;        /* B40 */
  HostTimer                  ob_timer;        /* RFC 5626 keep-alive */

  /* NAT (B39, B45) */
  gboolean                   mapped_known;
  gboolean                   mapped_by_registrar; /* acc->mapped came from a 2xx's rport */
  SimSockAddr                mapped;
  SimSockAddr                contact;         /* the contact registered last */
  gboolean                   contact_known;

  /* RFC 5626 */
  gboolean                   outbound_active;
  guint32                    flow_timer;

  /* connections (account-conn.c: B24, B26-B28, B43) */
  DeviceTransport            transport;       /* of the registration target */
  SipFlowId                  flow;            /* the connection in use; 0: none */
  SimSockAddr                flow_server;     /* where it goes */
  guint                      conn_failures;   /* consecutive connection failures */
  HostTimer                  conn_timer;      /* reconnect after a loss (back-off) */
  SipFlowId                  restore_flow;    /* background restore of the primary (B28) */
  guint                      restore_tries;   /* failed restores since on the primary */
  SipFlowId                  old_flow;        /* the backup's connection, kept for the unregister */
  SimSockAddr                old_server;
  SimSockAddr                old_contact;     /* the contact registered there */
  DeviceReg                 *unreg;           /* B28: expires=0 at the backup after a restore */
  /* RFC 5626 second flow (account-flow2.c) */
  DeviceReg                 *f2_reg;
  SipFlowId                  f2_flow;
  SimSockAddr                f2_server;
  gboolean                   f2_registered;
  guint                      f2_failures;
  HostTimer                  f2_timer;
  HostTimer                  restore_timer;

  /* B21 */
  DeviceReg                 *sec_reg;
  gboolean                   sec_registered;
  SimSockAddr                sec_server;
  guint                      sec_cursor;
  HostTimer                  sec_timer;

  /* calls and subscriptions (call.c, subscription.c; issue 16) */
  SipDialogSet              *dialogs;
  GPtrArray                 *calls;           /* DeviceCall *, not over yet */
  DeviceSub                 *sub;             /* message-summary, NULL unless mwi_subscribe */
};

struct Device {
  SimHost          *host;
  /* Read-only for the device (device.h note 6): own_cfg when device_new()
   * copied it, else the caller's, borrowed (device_new_shared()). */
  const DeviceConfig *cfg;
  DeviceConfig     *own_cfg;
  SimRng            rng;                      /* "host/NAME/device" */
  HostResolver     *resolver;
  DeviceLocator    *locator;
  char             *instance;                 /* "<urn:uuid:...>" */
  DeviceAccount    *accounts[DEVICE_MAX_ACCOUNTS];
  guint             next_call_id;             /* call.c */
  DeviceEventFunc   event_func;
  gpointer          event_data;
  DeviceStats       stats;                    /* malformed, datagrams_received: see
                                                 device_get_stats() */
  guint64           malformed_own;            /* malformed found by the accounts */
  /* device_stop() */
  gboolean          stopping;
  guint             stop_pending, stop_ok, stop_failed;
  DeviceStopFunc    stop_func;
  gpointer          stop_data;
  HostTimer         stop_timer;   /* zero delay: nothing to remove */
};

/* device.c */
void      device_emit        (Device *dev, DeviceEvent *ev);
SimNetError device_account_send (DeviceAccount *acc, const SimSockAddr *to, const guint8 *data,
                                 gsize len);
/* As device_account_send, to a transaction's peer (reliable: on its flow). */
SimNetError device_account_send_peer (DeviceAccount *acc, const SipTxnPeer *to,
                                      const guint8 *data, gsize len);

/* Answers a request the account's transaction layer handed up (inbound
 * OPTIONS, NOTIFY, INVITE, ...; device.h note 3). */
void      device_answer_request (DeviceAccount *acc, SipTxn *txn, SipMsg *request,
                                 const SipTxnPeer *from);

/* call.c: the account's calls (opened and closed with the account).  The
 * _on_ functions take what the account's transaction layer hands up and
 * return TRUE when a call took it. */
void      device_calls_init      (DeviceAccount *acc);
void      device_calls_clear     (DeviceAccount *acc);
gboolean  device_calls_on_request (DeviceAccount *acc, SipTxn *txn, SipMsg *request,
                                   const SipTxnPeer *from);
void      device_calls_on_ack    (DeviceAccount *acc, SipMsg *ack, const SipTxnPeer *from);
void      device_calls_on_stray  (DeviceAccount *acc, SipMsg *resp, const SipTxnPeer *from);
/* NULL when the calls' invariants hold (call.c notes), else the first
 * that does not; part of the account's invariants. */
const char *device_calls_invariant_violation (const DeviceAccount *acc);
/* B22: the server the account registers with (or, before the first 2xx,
 * is trying); FALSE if none. */
gboolean  device_acc_request_server (const DeviceAccount *acc, SimSockAddr *out);
/* B25: the AOR domain to use toward @server: the backup registrar's
 * host when @server is the backup, else the account's domain.  Borrowed. */
const char *device_acc_aor_domain (const DeviceAccount *acc, const SimSockAddr *server);

/* subscription.c: the message-summary subscription (B22, B25, B29). */
void      device_sub_init        (DeviceAccount *acc);
void      device_sub_clear       (DeviceAccount *acc);
/* The account registered at @server: start, or move the subscription there. */
void      device_sub_on_registered (DeviceAccount *acc, const SimSockAddr *server);
/* A NOTIFY for the subscription: answered, TRUE. */
gboolean  device_sub_on_request  (DeviceAccount *acc, SipTxn *txn, SipMsg *request,
                                  const SipTxnPeer *from);
const char *device_sub_invariant_violation (const DeviceAccount *acc);

/* account.c: the socket and demultiplexing of one account, and its
 * lifecycle; its registration policy is in the other account*.c files.
 * device_account_new() opens the socket (NULL with @error if the port is
 * taken); @id (may be NULL) overrides the configuration's credentials. */
DeviceAccount *device_account_new   (Device *dev, guint n, const DeviceAccountIdentity *id,
                                     GError **error);
void           device_account_free  (DeviceAccount *acc);
void           device_account_start (DeviceAccount *acc);
/* device_stop() for one account: stops everything; returns how many
 * removals (0..2) it started; each ends with device_stop_done(). */
guint          device_account_stop  (DeviceAccount *acc);
/* device.c: one removal has its outcome. */
void           device_stop_done     (Device *dev, gboolean ok);
