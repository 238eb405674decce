/*
 * models/device/keepalive.h - one keep-alive message of each kind OBi
 * knows (B40), sent once and never retransmitted (B23).
 *
 *   keep-alive  the bytes "keep-alive\r\n"       no answer expected
 *   empty       "\r\n"                            no answer expected
 *   stun        RFC 5389 Binding request, one send (rc 1); the answer's
 *               XOR-MAPPED-ADDRESS is reported (B39)
 *   custom      X_CustomKeepAliveMsg "mtd=METHOD;event=EVENT;user=USER":
 *               a SIP request METHOD to sip:USER@domain (user defaults to
 *               the account's, event to "keep-alive"; mtd is required)
 *   options     SIP OPTIONS to sip:domain
 *   notify      SIP NOTIFY with Event: keep-alive
 *
 * SIP kinds go out through a non-INVITE client transaction whose T1 is
 * beyond its Timer F, so there is exactly one send and Timer F (= the
 * keep-alive timeout) ends the wait: the transaction layer's own matching
 * and timers, no second implementation.  Any final response counts as an
 * answer and its content is ignored (B23).
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"
#include "models/sip/transaction.h"
#include "models/stun/client.h"
#include "models/device/config.h"

G_BEGIN_DECLS

typedef struct DeviceKeepAlive DeviceKeepAlive;

typedef enum {
  DEVICE_KA_SENT,               /* raw kinds: the bytes left; nothing more will come */
  DEVICE_KA_ANSWERED,           /* SIP: a final response (status); STUN: success (mapped) */
  DEVICE_KA_NO_ANSWER,          /* nothing within the timeout */
  DEVICE_KA_ERROR,              /* ICMP error or the send failed (net_error), or a STUN
                                   error response */
} DeviceKaOutcome;

typedef struct {
  DeviceKaOutcome     outcome;
  DeviceKeepAliveType type;
  SimSockAddr         to;
  guint               status;        /* SIP ANSWERED */
  gboolean            mapped_known;  /* STUN ANSWERED */
  SimSockAddr         mapped;
  SimNetError         net_error;
  SimTime             sent_at;
} DeviceKaResult;

typedef void (*DeviceKaFunc) (DeviceKeepAlive *ka, const DeviceKaResult *result,
                              gpointer user_data);

/* Sends raw bytes (keep-alive, empty) on the account's socket. */
typedef SimNetError (*DeviceKaSendFunc) (const SimSockAddr *to, const guint8 *data, gsize len,
                                         gpointer user_data);

/* Who the SIP keep-alives are from; strings borrowed during the call. */
typedef struct {
  const char *user;
  const char *domain;
  SimIp4      via_ip;
  guint16     via_port;
  SimIp4      contact_ip;       /* learnt (B39) or local */
  guint16     contact_port;
  gpointer    flow;             /* SipTxnPeer.flow */
  const char *user_agent;       /* NULL = none */
} DeviceKaIdentity;

/* Parsed X_CustomKeepAliveMsg.  Strings owned by the struct. */
typedef struct {
  char *method;                 /* "NOTIFY" */
  char *event;                  /* "keep-alive" unless given */
  char *user;                   /* NULL: the account's user */
} DeviceKaCustom;

/* Parses "mtd=NOTIFY;event=check-sync;user=1000" (order free, names
 * case-insensitive).  FALSE with a DEVICE_CONFIG_ERROR_VALUE GError if mtd
 * is missing or not a SIP token, or a part is not name=value. */
gboolean device_ka_custom_parse (const char *s, DeviceKaCustom *out, GError **error);
void     device_ka_custom_clear (DeviceKaCustom *c);

/* @layer, @stun, @rng not owned; @send with @send_data for raw kinds. */
DeviceKeepAlive *device_ka_new  (SimHost *host, SipTxnLayer *layer, StunClient *stun,
                                 SimRng *rng, DeviceKaSendFunc send, gpointer send_data);
/* Cancels outstanding keep-alives without calling back.  NULL-safe. */
void             device_ka_free (DeviceKeepAlive *ka);

/* Sends one keep-alive of @type to @to.  @custom is the parsed custom
 * message (CUSTOM only).  @timeout bounds the wait for SIP and STUN kinds.
 * @func is called once per keep-alive (raw kinds: DEVICE_KA_SENT, from the
 * event loop as well).  Several may be outstanding. */
void             device_ka_send (DeviceKeepAlive *ka, DeviceKeepAliveType type,
                                 const DeviceKaCustom *custom, const SimSockAddr *to,
                                 const DeviceKaIdentity *id, SimTime timeout,
                                 DeviceKaFunc func, gpointer user_data);
/* Outstanding (unanswered, not timed out) keep-alives. */
guint            device_ka_pending (const DeviceKeepAlive *ka);
/* Cancels every outstanding keep-alive without calling back. */
void             device_ka_cancel_all (DeviceKeepAlive *ka);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DeviceKeepAlive, device_ka_free)

G_END_DECLS
