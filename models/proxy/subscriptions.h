/*
 * models/proxy/subscriptions.h - the proxy as notifier for the
 * message-summary event package (RFC 6665, RFC 3842): it answers
 * SUBSCRIBE and sends NOTIFY.  Private to models/proxy/.
 *
 * Notes
 *
 * 1. A SUBSCRIBE with Event: message-summary creates (no To tag) or
 *    refreshes (To tag of a live subscription) a subscription: 200 with
 *    Expires = min(asked, max_expires) (0 ends it), then one NOTIFY in
 *    the subscription's dialog with Subscription-State active (terminated
 *    for Expires 0) and a "Messages-Waiting: no" body.  The NOTIFY goes to
 *    the flow the SUBSCRIBE came from (its source address and port), so
 *    it crosses the phone's NAT binding, as probes do (proxy.h note 9).
 *    A refresh for a subscription the proxy does not know gets 481 (RFC
 *    6665 §4.2.1.2); any other event package 489 Bad Event.
 *
 * 2. State: each subscription expires on its own timer.  RESTART loses
 *    them all (as it loses bindings); CRASH keeps them (a hung process).
 *    NOTIFY transactions belong to the proxy's layer: a crash drops them
 *    (proxy_subs_reset).
 *
 * Ownership: the proxy owns its ProxySubs; it borrows the proxy's host,
 * RNG, layer and socket.
 */
#pragma once
#include "models/proxy/proxy.h"
#include "models/sip/transport.h"

typedef struct ProxySubs ProxySubs;

/* @tp: the proxy's transport (a flow's protocol for the NOTIFY's Via). */
ProxySubs *proxy_subs_new     (SimHost *host, SimRng *rng, SipTransport *tp, guint16 port,
                               guint32 max_expires, const SipTxnConfig *txn);
void       proxy_subs_free    (ProxySubs *subs);                      /* NULL-safe */
/* The layer to send through; NOTIFYs in flight are dropped.
 * @lose_state: every subscription is forgotten too (RESTART). */
void       proxy_subs_reset   (ProxySubs *subs, SipTxnLayer *layer, gboolean lose_state);
/* Answers @req (a SUBSCRIBE). */
void       proxy_subs_request (ProxySubs *subs, SipTxn *txn, SipMsg *req,
                               const SipTxnPeer *from);
guint      proxy_subs_count   (const ProxySubs *subs);
guint64    proxy_subs_notifies_sent (const ProxySubs *subs);
