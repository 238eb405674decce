/*
 * models/device/reg.h - one registration binding with one server: the
 * REGISTER exchange of RFC 3261 §10.2, with the immediate retries a phone
 * makes inside one attempt (B6): credentials after 401/407, a new expiry
 * after 423, a new destination after 3xx.
 *
 * A DeviceReg is the "leg" the account's policy (account-rounds.c) points
 * at a server: the policy chooses where and when, the leg builds and sends
 * the bytes and reports one outcome per attempt.
 *
 * Notes
 *
 * 1. Shape (B4, RFC 3261 §10.2, RFC 3581, RFC 5626 §5.2):
 *      REGISTER sip:DOMAIN[:PORT] SIP/2.0
 *      Via: SIP/2.0/UDP VIA_HOST:VIA_PORT;branch=z9hG4bK...;rport   (TCP, TLS: B24)
 *      Max-Forwards: 70
 *      From: <sip:USER@DOMAIN>;tag=...        (tag fixed for the leg)
 *      To: <sip:USER@DOMAIN>
 *      Call-ID: ...@VIA_HOST                  (fixed for the leg: B4)
 *      CSeq: N REGISTER                       (+1 on every REGISTER, auth retries too)
 *      Contact: <sip:USER@CONTACT_IP:PORT[;transport=tcp|tls]>;expires=E;+sip.instance="<urn:uuid:...>"[;reg-id=1]
 *      [Expires: E]                           (when expires_in_contact is off)
 *      [Supported: outbound, path]            (outbound on)
 *      [Authorization: Digest ...]            (after a challenge)
 *      [User-Agent: ...]
 *      Content-Length: 0
 *    With remove_old set, a second Contact lists the old contact with
 *    ;expires=0 (B45: the binding at the old mapping is removed in the same
 *    request, §10.2.2).  Timers: T1, T2 and Timer F = transaction_timeout
 *    from the account configuration.
 *
 * 2. Inside one attempt (B6, OBI17 p.62):
 *      401/407 with a challenge we can answer -> resend at once with
 *              credentials; max_auth consecutive challenges -> FAILED(401/407)
 *      423 with Min-Expires > the expiry asked -> resend at once asking
 *              Min-Expires (kept for later refreshes); otherwise FAILED(423)
 *      3xx with a Contact whose host is an IPv4 literal -> resend at once
 *              there; after max_redirects in a row, or with no usable
 *              Contact -> FAILED(3xx)
 *      1xx -> keep waiting; 2xx -> OK; any other final -> FAILED(status)
 *      Timer F -> TIMEOUT; ICMP / send failure -> TRANSPORT_ERROR.
 *
 * 3. 2xx: the granted expiry is the expires parameter of the Contact in
 *    the 200 that equals ours (§10.2.4: the registrar lists every binding),
 *    else the Expires header, else the value asked.  The top Via's
 *    received and rport are reported as the mapped address (B39); either
 *    missing means the local value (the source the server saw).
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "models/sip/transaction.h"
#include "models/device/config.h"

G_BEGIN_DECLS

typedef struct DeviceReg DeviceReg;

/* Fixed for the leg's life; strings copied. */
typedef struct {
  const char *user;            /* AOR user (UserID) */
  const char *domain;          /* From/To host and Request-URI host (RegistrarServer) */
  guint16     domain_port;     /* Request-URI port; 0 = none */
  const char *auth_username;   /* NULL: answer no challenge */
  const char *auth_password;
  const char *instance;        /* "<urn:uuid:...>" (quotes added), NULL = none */
  const char *user_agent;      /* NULL = no User-Agent */
  const char *trace_name;      /* prefix of trace lines, e.g. "SP1" */
} DeviceRegIdentity;

typedef struct {
  SimSockAddr server;          /* where the REGISTER goes */
  gpointer    flow;            /* SipTxnPeer.flow: the connection (TCP/TLS), NULL for UDP */
  DeviceTransport transport;   /* Via transport; TCP/TLS also ;transport= on the Contact
                                  URI and a reliable send (B24) */
  SimIp4      via_ip;          /* sent-by: the local address and port */
  guint16     via_port;
  SimIp4      contact_ip;      /* the contact to register (B39: mapped or local) */
  guint16     contact_port;
  gboolean    remove_old;      /* also list old_ip:old_port with expires=0 (B45) */
  SimIp4      old_ip;
  guint16     old_port;
  gboolean    unregister;      /* expires=0 for the contact (removal) */
  const char *aor_domain;      /* B25: the AOR's host for this request (the backup
                                  AOR); NULL = the identity's domain.  Borrowed:
                                  must outlive the attempt */
  guint       reg_id;          /* RFC 5626 reg-id; 0: the account's (reg_id) */
} DeviceRegRequest;

typedef enum {
  DEVICE_REG_OK,
  DEVICE_REG_TIMEOUT,           /* Timer F: no final response */
  DEVICE_REG_TRANSPORT_ERROR,   /* ICMP unreachable, send failure */
  DEVICE_REG_FAILED,            /* a final non-2xx the attempt could not get past */
} DeviceRegOutcome;

typedef struct {
  DeviceRegOutcome outcome;
  guint            status;       /* last final status; 0 for TIMEOUT/TRANSPORT_ERROR */
  gint64           retry_after;  /* s from the last final response; -1 none */
  guint32          granted_s;    /* OK: the expiry granted to our contact (note 3) */
  gboolean         mapped_known; /* OK: received/rport present */
  SimSockAddr      mapped;       /* OK: received:rport (note 3) */
  SimSockAddr      server;       /* where the last REGISTER of the attempt went */
  guint            requests;     /* REGISTERs sent in this attempt */
  gboolean         outbound;     /* OK: Require: outbound in the 2xx */
  guint32          flow_timer;   /* OK: Flow-Timer in s, 0 if none */
  SimNetError      net_error;    /* TRANSPORT_ERROR */
} DeviceRegResult;

const char *device_reg_outcome_to_string (DeviceRegOutcome o);

/* Called once per attempt from the event loop (a transaction callback).
 * May start the next attempt or free the leg. */
typedef void (*DeviceRegFunc) (DeviceReg *reg, const DeviceRegResult *result, gpointer user_data);

/* A leg sending through @layer (not owned), drawing Call-ID, tag, branches
 * and cnonces from @rng (not owned); @acc (not owned, must outlive the leg)
 * gives timers, expiry and limits.  @id's strings are borrowed and must
 * outlive the leg: an account's four legs share the account's (issue 17;
 * the account owns them, account.c). */
DeviceReg  *device_reg_new     (SipTxnLayer *layer, SimRng *rng, const DeviceAccountConfig *acc,
                                const DeviceRegIdentity *id);
/* As device_reg_new(), with the From tag @from_tag (taken) drawn by the
 * caller: device_reg_new() draws it from @rng at once, so a caller that
 * makes the leg later (when it is first used) draws the tag at the
 * moment device_reg_new() would have, and the run's random streams are
 * the same either way. */
DeviceReg  *device_reg_new_tagged (SipTxnLayer *layer, SimRng *rng,
                                   const DeviceAccountConfig *acc,
                                   const DeviceRegIdentity *id, char *from_tag);
/* Aborts an attempt in progress without calling back.  NULL-safe. */
void        device_reg_free    (DeviceReg *reg);

/* Starts an attempt (note 2).  FALSE (programming error) if one is in
 * progress.  The first REGISTER is sent before this returns; the outcome
 * always comes from the event loop. */
gboolean    device_reg_start   (DeviceReg *reg, const DeviceRegRequest *req,
                                DeviceRegFunc func, gpointer user_data);
/* Aborts the attempt in progress (no callback).  No-op when idle.  Both
 * take NULL, a leg not made yet, as idle. */
void        device_reg_cancel  (DeviceReg *reg);
gboolean    device_reg_is_busy (const DeviceReg *reg);

const char *device_reg_get_call_id (const DeviceReg *reg);
guint32     device_reg_get_cseq    (const DeviceReg *reg);   /* last sent; 0 before */
/* The expiry asked for next (register_expires, raised by a 423). */
guint32     device_reg_get_expires (const DeviceReg *reg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DeviceReg, device_reg_free)

G_END_DECLS
