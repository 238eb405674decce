/*
 * models/proxy/forward.c - stateful forwarding (RFC 3261 §16); the rules
 * are in forward.h.
 *
 * Notes
 *
 * 1. A Pair is one forwarded request: the server transaction it came in
 *    on and the client transaction that carries it on.  It lives until a
 *    final response has gone upstream (then both transactions are
 *    detached and run to their ends alone: the IST absorbs
 *    retransmissions, the ICT ACKs a non-2xx) or until the upstream
 *    transaction is gone and the downstream one has answered.
 *
 * 2. Messages are copied header by header (§16.6 step 1): a top Route
 *    naming us dropped, Max-Forwards decremented, the caller's Via given
 *    received/rport (RFC 3581 §4), our Via on top with a fresh branch,
 *    Record-Route added for INVITE when configured.  Responses going up
 *    lose our Via (§16.7 step 3) and keep everything else.
 */
#include <string.h>

#include "models/proxy/forward.h"
#include "models/sip/builder.h"

typedef struct Pair Pair;

struct Pair {
  ProxyForward *fw;
  SipTxn       *server;           /* NULL once gone */
  SipTxn       *client;           /* NULL once gone or not started */
  SipMsg       *req;              /* the request as received */
  SipTxnPeer    to;               /* downstream peer */
  gboolean      cancel_wanted;
};

struct ProxyForward {
  ProxyForwardConfig cfg;
  char              *domain;
  SipTxnLayer       *layer;
  GPtrArray         *pairs;       /* Pair *, every live one */
  ProxyForwardStats  stats;
};

/* ---------------------------------------------------------- lifecycle */

ProxyForward *
proxy_forward_new (const ProxyForwardConfig *cfg)
{
  ProxyForward *fw = g_new0 (ProxyForward, 1);
  fw->cfg = *cfg;
  fw->domain = g_strdup (cfg->domain ? cfg->domain : "");
  fw->cfg.domain = fw->domain;
  fw->pairs = g_ptr_array_new ();
  return fw;
}

static void
pair_free (Pair *pr)
{
  if (pr->server)
    sip_txn_set_func (pr->server, NULL, NULL);
  if (pr->client)
    sip_txn_set_func (pr->client, NULL, NULL);
  g_ptr_array_remove_fast (pr->fw->pairs, pr);
  sip_msg_unref (pr->req);
  g_free (pr);
}

void
proxy_forward_reset (ProxyForward *fw, SipTxnLayer *layer)
{
  while (fw->pairs->len)
    pair_free (fw->pairs->pdata[fw->pairs->len - 1]);
  fw->layer = layer;
}

void
proxy_forward_free (ProxyForward *fw)
{
  if (fw == NULL)
    return;
  proxy_forward_reset (fw, NULL);
  g_ptr_array_free (fw->pairs, TRUE);
  g_free (fw->domain);
  g_free (fw);
}

const ProxyForwardStats *
proxy_forward_get_stats (const ProxyForward *fw)
{
  return &fw->stats;
}

gboolean
proxy_forward_wants (ProxyForward *fw, const SipMsg *req)
{
  (void) fw;
  switch (sip_msg_method (req)) {
  case SIP_METHOD_INVITE:
  case SIP_METHOD_BYE:
  case SIP_METHOD_CANCEL:
    return TRUE;
  default:
    return FALSE;
  }
}

/* ------------------------------------------------------------ helpers */

static void
trace (ProxyForward *fw, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
trace (ProxyForward *fw, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  host_trace (fw->cfg.host, "proxy fwd %s", msg);
}

static SimIp4
local_ip (ProxyForward *fw, SimIp4 toward)
{
  SimIp4 ip = 0;
  host_get_local_addr (fw->cfg.host, toward, &ip);
  return ip;
}

/* @uri names this proxy: its address toward @peer and its port. */
static gboolean
uri_is_us (ProxyForward *fw, const SipUri *uri, SimIp4 peer)
{
  if (uri->host_type != SIP_HOST_IPV4)
    return FALSE;
  g_autofree char *h = sip_str_dup (uri->host);
  SimIp4 ip;
  if (!sim_ip4_parse (h, &ip))
    return FALSE;
  guint16 port = uri->port ? uri->port : 5060;
  return ip == local_ip (fw, peer) && port == fw->cfg.port;
}

static gboolean
uri_addr (const SipUri *uri, SimSockAddr *out)
{
  if (uri->host_type != SIP_HOST_IPV4)
    return FALSE;
  g_autofree char *h = sip_str_dup (uri->host);
  if (!sim_ip4_parse (h, &out->ip))
    return FALSE;
  out->port = uri->port ? uri->port : 5060;
  return TRUE;
}

static void
respond (ProxyForward *fw, SipTxn *txn, const SipMsg *req, guint code)
{
  g_autofree char *tag = sip_gen_tag (fw->cfg.rng);
  SipBuilder *b = sip_builder_response (req, code, NULL, code == 100 ? NULL : tag);
  g_autoptr (SipMsg) r = sip_builder_finish_msg (b);
  sip_txn_respond (txn, r);
}

/* Where @req goes (forward.h note 2).  @drop_route: the top Route is us.
 * @ruri_out: the Request-URI to send (newly allocated).  Returns the
 * status to answer when there is no target (0: found). */
static guint
target (ProxyForward *fw, const SipMsg *req, const SipTxnPeer *from, gboolean *drop_route,
        char **ruri_out, SipTxnPeer *to)
{
  *drop_route = FALSE;
  memset (to, 0, sizeof *to);                      /* UDP: no flow (transport.h note 2) */
  guint nr = sip_msg_route_count (req, SIP_HDR_ROUTE);
  guint first = 0;
  if (nr > 0 && uri_is_us (fw, &sip_msg_route (req, SIP_HDR_ROUTE, 0)->uri, from->addr.ip)) {
    *drop_route = TRUE;
    first = 1;
  }
  SipStr ruri = sip_msg_request_uri_str (req);
  *ruri_out = sip_str_dup (ruri);
  if (first < nr) {
    /* Loose routing: the next Route is the next hop, R-URI unchanged. */
    return uri_addr (&sip_msg_route (req, SIP_HDR_ROUTE, first)->uri, &to->addr) ? 0 : 404;
  }
  const SipUri *u = sip_msg_request_uri (req);
  if (u->host_type == SIP_HOST_DOMAIN || uri_is_us (fw, u, from->addr.ip)) {
    /* Location service (§16.5): the registrar serves every domain its
     * phones name, so a domain Request-URI is ours. */
    g_autofree char *user = sip_str_dup (u->user);
    g_autofree char *host = sip_str_dup (u->host);
    g_autofree char *aor = g_strdup_printf ("%s@%s", user, host);
    char *contact = NULL;
    if (fw->cfg.locate == NULL || !fw->cfg.locate (fw->cfg.locate_data, aor, to, &contact)) {
      fw->stats.not_found++;
      return 480;
    }
    g_free (*ruri_out);
    *ruri_out = contact;
    return 0;
  }
  if (fw->cfg.locate_contact && fw->cfg.locate_contact (fw->cfg.locate_data, u, to))
    return 0;                         /* a registered contact: over its flow */
  return uri_addr (u, &to->addr) ? 0 : 416;
}

/* The request copied for forwarding (note 2). */
/* Our Via's transport toward @to: the flow's protocol (TCP or TLS) when
 * reliable, else UDP. */
static const char *
via_transport (const ProxyForward *fw, const SipTxnPeer *to)
{
  if (!to->reliable)
    return "UDP";
  if (fw->cfg.tp && sip_transport_flow_get_proto (fw->cfg.tp, sip_flow_from_handle (to->flow))
                    == SIP_TRANSPORT_TLS)
    return "TLS";
  return "TCP";
}

static SipMsg *
build_forward (ProxyForward *fw, const SipMsg *req, const SipTxnPeer *from, const char *ruri,
               gboolean drop_route, const SipTxnPeer *to, gboolean record_route)
{
  SipMethod m = sip_msg_method (req);
  g_autofree char *mstr = sip_str_dup (sip_msg_method_str (req));
  SipBuilder *b = sip_builder_request (m, mstr, ruri);
  SimIp4 lip = local_ip (fw, to->addr.ip);
  char ip[SIM_IP4_STRLEN];
  sim_ip4_to_string (lip, ip);
  if (record_route) {
    char uip[SIM_IP4_STRLEN];
    sim_ip4_to_string (local_ip (fw, from->addr.ip), uip);
    sip_builder_add (b, "Record-Route", "<sip:%s:%u;lr>", uip, fw->cfg.port);
  }
  gboolean route_dropped = !drop_route, mf_seen = FALSE;
  SipStr ctype = { NULL, 0 };
  for (guint i = 0; i < sip_msg_header_count (req); i++) {
    const SipHeader *h = sip_msg_header_nth (req, i);
    switch (h->id) {
    case SIP_HDR_ROUTE:
      if (!route_dropped) {
        route_dropped = TRUE;
        continue;
      }
      break;
    case SIP_HDR_MAX_FORWARDS:
      mf_seen = TRUE;
      sip_builder_add (b, "Max-Forwards", "%" G_GINT64_FORMAT,
                       MAX (sip_msg_max_forwards (req) - 1, 0));
      continue;
    case SIP_HDR_CONTENT_LENGTH:
      continue;
    case SIP_HDR_CONTENT_TYPE:
      ctype = h->value;
      continue;
    default:
      break;
    }
    const char *name = h->id != SIP_HDR_OTHER ? sip_header_name (h->id) : NULL;
    g_autofree char *oname = name ? NULL : sip_str_dup (h->name);
    sip_builder_add (b, name ? name : oname, "%.*s", (int) h->value.len, h->value.p);
  }
  if (!mf_seen)
    sip_builder_add (b, "Max-Forwards", "70");       /* §16.6 step 3 */
  /* RFC 3581 §4: the caller's Via (the first one copied) gets received
   * and rport before ours goes on top. */
  char fip[SIM_IP4_STRLEN];
  sim_ip4_to_string (from->addr.ip, fip);
  sip_builder_stamp_via (b, req, fip, from->addr.port);
  g_autofree char *branch = sip_gen_branch (fw->cfg.rng);
  sip_builder_add_via (b, via_transport (fw, to), ip, fw->cfg.port, branch, FALSE);
  SipStr body = sip_msg_body (req);
  if (body.len > 0) {
    g_autofree char *ct = sip_str_present (ctype) ? sip_str_dup (ctype) : NULL;
    sip_builder_set_body (b, ct, (const guint8 *) body.p, body.len);
  }
  return sip_builder_finish_msg (b);
}

/* @resp without its top Via (§16.7 step 3). */
static SipMsg *
strip_top_via (const SipMsg *resp)
{
  g_autofree char *reason = sip_str_dup (sip_msg_reason (resp));
  SipBuilder *b = sip_builder_status (sip_msg_status (resp), reason);
  gboolean via_skipped = FALSE;
  SipStr ctype = { NULL, 0 };
  for (guint i = 0; i < sip_msg_header_count (resp); i++) {
    const SipHeader *h = sip_msg_header_nth (resp, i);
    if (h->id == SIP_HDR_VIA && !via_skipped) {
      via_skipped = TRUE;
      continue;
    }
    if (h->id == SIP_HDR_CONTENT_LENGTH)
      continue;
    if (h->id == SIP_HDR_CONTENT_TYPE) {
      ctype = h->value;
      continue;
    }
    const char *name = h->id != SIP_HDR_OTHER ? sip_header_name (h->id) : NULL;
    g_autofree char *oname = name ? NULL : sip_str_dup (h->name);
    sip_builder_add (b, name ? name : oname, "%.*s", (int) h->value.len, h->value.p);
  }
  SipStr body = sip_msg_body (resp);
  if (body.len > 0) {
    g_autofree char *ct = sip_str_present (ctype) ? sip_str_dup (ctype) : NULL;
    sip_builder_set_body (b, ct, (const guint8 *) body.p, body.len);
  }
  return sip_builder_finish_msg (b);
}

/* ---------------------------------------------------------------- pairs */

static void
send_cancel_down (Pair *pr)
{
  ProxyForward *fw = pr->fw;
  g_autoptr (SipMsg) cancel = sip_txn_client_build_cancel (pr->client);
  SipTxnConfig tc = fw->cfg.txn;
  sip_txn_client_new (fw->layer, cancel, &pr->to, &tc, NULL, NULL);
  fw->stats.cancels++;
}

static void
relay_final (Pair *pr, SipMsg *resp, guint code)
{
  if (pr->server) {
    if (resp) {
      g_autoptr (SipMsg) up = strip_top_via (resp);
      sip_txn_respond (pr->server, up);
    } else {
      respond (pr->fw, pr->server, pr->req, code);
    }
  }
  pair_free (pr);
}

static void
client_func (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  Pair *pr = u;
  (void) txn;
  switch (ev->outcome) {
  case SIP_TXN_RESPONSE:
    if (ev->status < 200) {
      if (pr->cancel_wanted) {
        pr->cancel_wanted = FALSE;
        send_cancel_down (pr);
      }
      if (ev->status > 100 && pr->server) {
        g_autoptr (SipMsg) up = strip_top_via (ev->msg);
        sip_txn_respond (pr->server, up);
      }
      return;
    }
    relay_final (pr, ev->msg, ev->status);
    return;
  case SIP_TXN_TIMEOUT:
    /* relay_final frees the pair and detaches the client transaction
     * (which still reports TERMINATED), so pr->client stays set here. */
    pr->fw->stats.timeouts++;
    relay_final (pr, NULL, 408);                   /* §16.7 step 6 (and §16.8) */
    return;
  case SIP_TXN_TRANSPORT_ERROR:
    relay_final (pr, NULL, 503);                   /* §16.9 */
    return;
  case SIP_TXN_TERMINATED:
  default:
    pr->client = NULL;
    if (pr->server == NULL)
      pair_free (pr);
    return;
  }
}

static void
server_func (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  Pair *pr = u;
  (void) txn;
  if (ev->outcome == SIP_TXN_TERMINATED || ev->outcome == SIP_TXN_TRANSPORT_ERROR
      || ev->outcome == SIP_TXN_TIMEOUT) {
    if (ev->outcome != SIP_TXN_TERMINATED)
      sip_txn_set_func (pr->server, NULL, NULL);
    pr->server = NULL;
    if (pr->client == NULL)
      pair_free (pr);
  }
}

static Pair *
pair_by_server (ProxyForward *fw, SipTxn *server)
{
  for (guint i = 0; i < fw->pairs->len; i++) {
    Pair *pr = fw->pairs->pdata[i];
    if (pr->server == server)
      return pr;
  }
  return NULL;
}

static void
forward_cancel (ProxyForward *fw, SipTxn *txn, SipMsg *req)
{
  SipTxn *target = sip_txn_layer_find_cancel_target (fw->layer, req);
  Pair *pr = target ? pair_by_server (fw, target) : NULL;
  if (pr == NULL) {
    respond (fw, txn, req, 481);                   /* §16.10: nothing to cancel */
    return;
  }
  respond (fw, txn, req, 200);
  if (pr->client == NULL)
    return;
  if (sip_txn_get_state (pr->client) == SIP_TXN_STATE_PROCEEDING)
    send_cancel_down (pr);
  else
    pr->cancel_wanted = TRUE;                      /* §9.1: after a provisional */
}

void
proxy_forward_request (ProxyForward *fw, SipTxn *txn, SipMsg *req, const SipTxnPeer *from)
{
  SipMethod m = sip_msg_method (req);
  if (m == SIP_METHOD_CANCEL) {
    forward_cancel (fw, txn, req);
    return;
  }
  if (sip_msg_max_forwards (req) == 0) {
    fw->stats.loops++;
    respond (fw, txn, req, 483);                   /* §16.3 step 3 */
    return;
  }
  gboolean drop_route;
  g_autofree char *ruri = NULL;
  SipTxnPeer to;
  guint code = target (fw, req, from, &drop_route, &ruri, &to);
  if (code) {
    respond (fw, txn, req, code);
    trace (fw, "%s no target: %u", sip_method_to_string (m), code);
    return;
  }
  gboolean rr = fw->cfg.record_route && m == SIP_METHOD_INVITE;
  g_autoptr (SipMsg) out = build_forward (fw, req, from, ruri, drop_route, &to, rr);
  /* malloc and memset, not calloc: see txn_alloc(). */
  Pair *pr = memset (g_new (Pair, 1), 0, sizeof (Pair));
  pr->fw = fw;
  pr->server = txn;
  pr->req = sip_msg_ref (req);
  pr->to = to;
  g_ptr_array_add (fw->pairs, pr);
  sip_txn_set_func (txn, server_func, pr);
  SipTxnConfig tc = fw->cfg.txn;
  pr->client = sip_txn_client_new (fw->layer, out, &to, &tc, client_func, pr);
  fw->stats.forwarded++;
  char buf[SIM_SOCKADDR_STRLEN];
  trace (fw, "%s %s -> %s", sip_method_to_string (m), ruri,
         sim_sockaddr_to_string (&to.addr, buf));
}

/* ----------------------------------------------------------- stateless */

void
proxy_forward_ack (ProxyForward *fw, SipMsg *ack, const SipTxnPeer *from)
{
  gboolean drop_route;
  g_autofree char *ruri = NULL;
  SipTxnPeer to;
  if (sip_msg_max_forwards (ack) == 0
      || target (fw, ack, from, &drop_route, &ruri, &to) != 0)
    return;                                        /* an ACK is never answered */
  g_autoptr (SipMsg) out = build_forward (fw, ack, from, ruri, drop_route, &to, FALSE);
  sip_txn_layer_send (fw->layer, out, &to);
  fw->stats.acks_forwarded++;
}

void
proxy_forward_stray (ProxyForward *fw, SipMsg *resp, const SipTxnPeer *from)
{
  (void) from;
  if (sip_msg_via_count (resp) < 2)
    return;                                        /* ours only, or none: nowhere to go */
  const SipVia *next = sip_msg_via (resp, 1);
  gboolean tls = sip_str_caseeq (next->transport, "TLS");
  gboolean reliable = tls || sip_str_caseeq (next->transport, "TCP");
  if (!reliable && !sip_str_caseeq (next->transport, "UDP"))
    return;                                        /* a transport we do not have */
  SipTxnPeer to = { 0 };                           /* UDP: no flow */
  g_autofree char *host = sip_str_dup (sip_str_present (next->received) ? next->received
                                                                        : next->host);
  if (!sim_ip4_parse (host, &to.addr.ip))
    return;
  to.addr.port = next->rport ? next->rport : next->port ? next->port : tls ? 5061 : 5060;
  if (reliable) {
    /* §18.2.2: over TCP/TLS a response goes back on the connection the
     * request came on.  The pair is gone (this 2xx is a retransmission),
     * so it is the newest live flow from the Via's received/rport (the
     * caller's connection, stamped when the INVITE passed); none: drop. */
    SipFlowId id = fw->cfg.tp ? sip_transport_find_flow (fw->cfg.tp, tls ? SIP_TRANSPORT_TLS
                                                                          : SIP_TRANSPORT_TCP,
                                                         &to.addr)
                              : 0;
    if (id == 0)
      return;
    to.reliable = TRUE;
    to.flow = sip_flow_to_handle (id);
  }
  g_autoptr (SipMsg) up = strip_top_via (resp);
  sip_txn_layer_send (fw->layer, up, &to);
  fw->stats.ok_forwarded++;
}
