/*
 * models/proxy/forward.h - the proxy's forwarding core (RFC 3261 §16):
 * requests that are not for the registrar itself (INVITE, BYE, CANCEL,
 * anything carrying a Route) are proxied statefully to the callee's
 * binding (location service) or to the Request-URI's address.  Private to
 * models/proxy/; proxy.c calls it through four small hooks.
 *
 * Notes
 *
 * 1. Stateful (§16.2): each forwarded request is a pair of a server
 *    transaction (from upstream) and a client transaction (downstream);
 *    provisional and final responses go back up through the server
 *    transaction, a timeout becomes 408 and a transport error 503
 *    (§16.7 step 6, §16.9).  CANCEL is answered 200 hop by hop and a
 *    CANCEL for the pending downstream INVITE is sent (§16.10).  ACK to a
 *    2xx and 2xx retransmissions are end-to-end and outside every
 *    transaction: they are forwarded statelessly (§16.11), the ACK by its
 *    Route/Request-URI, the 2xx by the next Via (received/rport first;
 *    a TCP or TLS Via: on the newest live flow from that address, the
 *    caller's connection, and dropped if there is none).
 *
 * 2. Targets (§16.4, §16.5).  A top Route naming this proxy is removed
 *    (loose routing).  Then: another Route -> its address; else the
 *    Request-URI: if its host is the proxy's domain or address, the
 *    location service gives the AOR (user@host of the Request-URI)'s
 *    newest binding flow (the source address and connection the REGISTER
 *    came from, so the request crosses the phone's NAT binding); none ->
 *    480.  Any other host must be an IPv4 literal (there is no DNS client
 *    in the proxy).  An in-dialog request whose Request-URI is a
 *    registered contact goes over that binding's flow, as the initial
 *    INVITE did: a contact behind a NAT that the phone did not replace by
 *    its mapping (B39, Aastra) is a private address the core cannot
 *    route, and the NAT binding the REGISTER opened is the way in (what
 *    deployed proxies do with the received address of the REGISTER, e.g.
 *    Kamailio's nathelper).  Any other IPv4 Request-URI: its address.
 *    The contact search is linear in the bindings (in-dialog requests
 *    are rare next to REGISTERs); two phones behind different NATs with
 *    the same private contact would be told apart only by which binding
 *    comes first (the run executor gives every phone its own address).
 *
 * 3. Record-Route (§16.6 step 4): with record_route on, an INVITE gets
 *    "Record-Route: <sip:ADDR:PORT;lr>" at the top, ADDR the proxy's
 *    address toward the caller, so in-dialog requests come back here.
 *
 * 4. Faults: the forwarder's state is its pairs; a crash or restart frees
 *    the transaction layer and with it every pair (proxy_forward_reset):
 *    nothing is answered, calls in setup time out upstream, and an
 *    established call's in-dialog requests routed here find the proxy
 *    silent (proxy.h note 7).  The forwarder keeps no dialog state, so
 *    after the proxy comes back in-dialog requests pass again.
 *
 * Ownership: the proxy owns its ProxyForward; the forwarder borrows the
 * proxy's host, RNG, layer and transport and never frees them.
 */
#pragma once
#include "models/proxy/proxy.h"
#include "models/sip/transport.h"

typedef struct ProxyForward ProxyForward;

/* The location service (note 2): the flow of @aor's most recent binding;
 * FALSE if the AOR has none.  @contact_out gets the binding's contact URI
 * (newly allocated).  Implemented by proxy.c. */
typedef gboolean (*ProxyLocateFunc) (gpointer data, const char *aor, SipTxnPeer *flow,
                                     char **contact_out);
/* The flow of the binding whose contact is @uri (§19.1.4 comparison),
 * any AOR; FALSE if none.  Implemented by proxy.c. */
typedef gboolean (*ProxyLocateContactFunc) (gpointer data, const SipUri *uri, SipTxnPeer *flow);

typedef struct {
  SimHost        *host;
  SimRng         *rng;
  guint16         port;               /* the proxy's SIP port (Via, Record-Route) */
  const char     *domain;             /* the proxy's domain (realm); copied */
  gboolean        record_route;
  SipTxnConfig    txn;                /* client transaction timers */
  SipTransport   *tp;                 /* the proxy's: a flow's protocol for our Via */
  ProxyLocateFunc locate;
  ProxyLocateContactFunc locate_contact;
  gpointer        locate_data;
} ProxyForwardConfig;

typedef struct {
  guint64 forwarded;          /* requests forwarded statefully */
  guint64 acks_forwarded;     /* stateless ACKs */
  guint64 ok_forwarded;       /* stateless 2xx retransmissions */
  guint64 not_found;          /* 480: no binding */
  guint64 timeouts;           /* 408 after the downstream timeout */
  guint64 loops;              /* 483: Max-Forwards exhausted */
  guint64 cancels;
} ProxyForwardStats;

ProxyForward *proxy_forward_new   (const ProxyForwardConfig *cfg);
void          proxy_forward_free  (ProxyForward *fw);        /* NULL-safe */
/* The (new) layer the proxy sends through; every pair in flight is
 * dropped first, without sending anything (note 4). */
void          proxy_forward_reset (ProxyForward *fw, SipTxnLayer *layer);
/* TRUE when the forwarder took @txn (note 2 decides): it answers it. */
gboolean      proxy_forward_wants (ProxyForward *fw, const SipMsg *req);
void          proxy_forward_request (ProxyForward *fw, SipTxn *txn, SipMsg *req,
                                     const SipTxnPeer *from);
/* An ACK that matched no transaction / a response that matched none. */
void          proxy_forward_ack   (ProxyForward *fw, SipMsg *ack, const SipTxnPeer *from);
void          proxy_forward_stray (ProxyForward *fw, SipMsg *resp, const SipTxnPeer *from);
const ProxyForwardStats *proxy_forward_get_stats (const ProxyForward *fw);
