/*
 * models/device/reg.c - one registration leg: the REGISTER exchange of
 * RFC 3261 §10.2 with the in-attempt retries of BEHAVIOUR.md B6.
 *
 * Notes
 *
 * 1. One attempt is a chain of non-INVITE client transactions, one per
 *    REGISTER (each with a new branch, §8.1.1.7, and CSeq + 1, §10.2.4).
 *    A final response either ends the attempt (the outcome callback) or
 *    starts the next REGISTER at once from inside the transaction
 *    callback (401/407, 423, 3xx: reg.h note 2).  The finished
 *    transaction is detached (sip_txn_set_func NULL) so it absorbs
 *    retransmitted responses in Completed without reporting.
 *
 * 2. Counting (B6).  "Once 2 consecutive 401/407 have arrived, it is an
 *    error": the challenge that makes the consecutive count reach max_auth
 *    ends the attempt, so at most max_auth REGISTERs go out for one chain
 *    of challenges.  Redirects: max_redirects 3xx are followed in a row
 *    (the config's "3xx followed in a row"); the next 3xx ends the
 *    attempt, so a redirect loop costs 1 + max_redirects REGISTERs.  A
 *    response of another kind breaks a chain (the counts are consecutive).
 *
 * 3. Credentials.  Once challenged, every later REGISTER of the attempt
 *    carries an answer to the last challenge (the digest client counts nc
 *    per nonce); a new attempt starts without them and is challenged
 *    again.
 *
 * 4. The outcome callback runs from the event loop only: every path to it
 *    starts in a transaction callback (a failed send too, note 3 of
 *    transaction.h), never in device_reg_start().  The leg's state is
 *    reset before the call, so the callback may start the next attempt or
 *    free the leg.
 */
#include <string.h>

#include "models/device/reg.h"
#include "models/sip/builder.h"
#include "models/sip/digest.h"

struct DeviceReg {
  SipTxnLayer               *layer;
  SimHost                   *host;
  SimRng                    *rng;
  const DeviceAccountConfig *acc;
  /* Borrowed from the caller (reg.h): an account's four legs read the
   * same strings, which the account owns. */
  const char *user, *domain, *auth_username, *auth_password, *instance, *user_agent, *trace_name;
  guint16 domain_port;
  char *request_uri;
  /* fixed for the leg (B4, §10.2.4) */
  char            *call_id;       /* drawn at the first REGISTER (its host is the Via's) */
  char            *from_tag;
  guint32          cseq;          /* last sent */
  guint32          expires;       /* next asked: register_expires, raised by a 423 */
  SipDigestClient *digest;       /* made at the first challenge (most legs never see one) */
  /* the attempt in progress */
  gboolean            busy;
  DeviceRegRequest    req;
  SimSockAddr         server;
  SipTxn             *txn;
  DeviceRegFunc       func;
  gpointer            user_data;
  guint               requests, n_auth, n_redirects;
  guint32             asked;       /* the expiry in the REGISTER in flight */
  SipDigestChallenge *challenge;   /* the last one, answered on every later send */
  gboolean            proxy_auth;  /* it came in a 407 */
};

const char *
device_reg_outcome_to_string (DeviceRegOutcome o)
{
  switch (o)
    {
    case DEVICE_REG_OK:              return "ok";
    case DEVICE_REG_TIMEOUT:         return "timeout";
    case DEVICE_REG_TRANSPORT_ERROR: return "transport-error";
    case DEVICE_REG_FAILED:          return "failed";
    }
  return "?";
}

DeviceReg *
device_reg_new (SipTxnLayer *layer, SimRng *rng, const DeviceAccountConfig *acc,
                const DeviceRegIdentity *id)
{
  g_return_val_if_fail (rng != NULL, NULL);
  return device_reg_new_tagged (layer, rng, acc, id, sip_gen_tag (rng));
}

DeviceReg *
device_reg_new_tagged (SipTxnLayer *layer, SimRng *rng, const DeviceAccountConfig *acc,
                       const DeviceRegIdentity *id, char *from_tag)
{
  g_return_val_if_fail (layer != NULL && rng != NULL && acc != NULL && id != NULL, NULL);
  g_return_val_if_fail (from_tag != NULL, NULL);
  g_return_val_if_fail (id->user != NULL && id->domain != NULL, NULL);
  DeviceReg *r = g_new0 (DeviceReg, 1);
  r->layer = layer;
  r->host = sip_txn_layer_get_host (layer);
  r->rng = rng;
  r->acc = acc;
  r->user = id->user;
  r->domain = id->domain;
  r->domain_port = id->domain_port;
  r->auth_username = id->auth_username;
  r->auth_password = id->auth_password ? id->auth_password : "";
  r->instance = id->instance;
  r->user_agent = id->user_agent;
  r->trace_name = id->trace_name ? id->trace_name : "SP?";
  r->request_uri = id->domain_port ? g_strdup_printf ("sip:%s:%u", id->domain, id->domain_port)
                                   : g_strdup_printf ("sip:%s", id->domain);
  r->from_tag = from_tag;
  r->expires = acc->register_expires;
  return r;
}

static void
attempt_reset (DeviceReg *r)
{
  if (r->txn)
    sip_txn_abort (r->txn);
  r->txn = NULL;
  r->busy = FALSE;
  r->func = NULL;
  r->user_data = NULL;
  sip_digest_challenge_free (r->challenge);
  r->challenge = NULL;
}

void
device_reg_free (DeviceReg *r)
{
  if (r == NULL)
    return;
  attempt_reset (r);
  sip_digest_client_free (r->digest);
  g_free (r->request_uri);
  g_free (r->call_id);
  g_free (r->from_tag);
  g_free (r);
}

void
device_reg_cancel (DeviceReg *r)
{
  if (r != NULL)
    attempt_reset (r);
}

gboolean
device_reg_is_busy (const DeviceReg *r)
{
  return r != NULL && r->busy;
}

const char *
device_reg_get_call_id (const DeviceReg *r)
{
  g_return_val_if_fail (r != NULL, NULL);
  return r->call_id;
}

guint32
device_reg_get_cseq (const DeviceReg *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->cseq;
}

guint32
device_reg_get_expires (const DeviceReg *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->expires;
}

/* ---------------------------------------------------------------- send */

static void txn_func (SipTxn *txn, const SipTxnEvent *ev, gpointer user_data);

/* @v in decimal in @out (11 bytes), as "%u" writes it. */
static const char *
dec_u32 (guint32 v, char out[11])
{
  char *w = out + 10;
  *w = '\0';
  do
    *--w = (char) ('0' + v % 10);
  while ((v /= 10) != 0);
  return w;
}

/* The concatenation of @parts (NULL-terminated) in @buf (@size bytes) when
 * it fits, else in a new string set in *@heap (the caller frees it). */
static const char *
join (const char *const *parts, char *buf, gsize size, char **heap)
{
  gsize n = 0;
  for (guint i = 0; parts[i]; i++)
    n += strlen (parts[i]);
  char *out = buf;
  *heap = NULL;
  if (n + 1 > size)
    out = *heap = g_malloc (n + 1);
  char *w = out;
  for (guint i = 0; parts[i]; i++)
    {
      gsize l = strlen (parts[i]);
      memcpy (w, parts[i], l);
      w += l;
    }
  *w = '\0';
  return out;
}

/* Room for the usual contact URI and Contact value; a longer one (a long
 * user or instance) takes the heap. */
#define CONTACT_BUF 160

/* "sip:USER@IP:PORT", the contact URI (reg.h note 1), in @buf or *@heap
 * (join()).  It is made for every REGISTER and every 2xx, so it is
 * written without printf or, usually, an allocation (issue 17). */
static const char *
contact_uri (const DeviceReg *r, SimIp4 ip, guint16 port, char buf[CONTACT_BUF], char **heap)
{
  char a[SIM_IP4_STRLEN], p[11];
  const char *tp = r->req.transport == DEVICE_TRANSPORT_TCP ? ";transport=tcp"
                   : r->req.transport == DEVICE_TRANSPORT_TLS ? ";transport=tls" : "";
  const char *parts[] = { "sip:", r->user, "@", sim_ip4_to_string (ip, a), ":",
                          dec_u32 (port, p), tp, NULL };
  return join (parts, buf, CONTACT_BUF, heap);
}

/* Builds and sends the next REGISTER of the attempt (reg.h note 1). */
static void
send_register (DeviceReg *r)
{
  const DeviceAccountConfig *acc = r->acc;
  const DeviceRegRequest *q = &r->req;
  char via[SIM_IP4_STRLEN];
  sim_ip4_to_string (q->via_ip, via);
  if (r->call_id == NULL)
    r->call_id = sip_gen_call_id (r->rng, via);   /* B4: one Call-ID for the leg's life */
  r->cseq++;
  r->requests++;
  r->asked = q->unregister ? 0 : r->expires;

  g_autofree char *branch = sip_gen_branch (r->rng);
  /* B25: toward the backup registrar the backup AOR. */
  const char *domain = q->aor_domain ? q->aor_domain : r->domain;
  g_autofree char *backup_uri = q->aor_domain ? g_strdup_printf ("sip:%s", q->aor_domain) : NULL;
  SipBuilder *b = sip_builder_request (SIP_METHOD_REGISTER, NULL,
                                       backup_uri ? backup_uri : r->request_uri);
  static const char *const via_tp[] = { "UDP", "TCP", "TLS" };
  sip_builder_add_via (b, via_tp[q->transport], via, q->via_port, branch, acc->rport);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_add (b, "From", "<sip:%s@%s>;tag=%s", r->user, domain, r->from_tag);
  sip_builder_add (b, "To", "<sip:%s@%s>", r->user, domain);
  sip_builder_add (b, "Call-ID", "%s", r->call_id);
  sip_builder_add (b, "CSeq", "%u REGISTER", r->cseq);

  /* B4: ;expires on the Contact, or an Expires header.  With an old
   * contact listed for removal (B45) each contact carries its own. */
  gboolean per_contact = acc->expires_in_contact || q->remove_old;
  char cbuf[CONTACT_BUF], vbuf[CONTACT_BUF], e[11], id[11];
  g_autofree char *cheap = NULL, *vheap = NULL;
  const char *curi = contact_uri (r, q->contact_ip, q->contact_port, cbuf, &cheap);
  /* <URI>[;expires=N][;+sip.instance="I"[;reg-id=N]]; RFC 5626 §4.1:
   * reg-id only beside an instance (§4.2). */
  gboolean reg_id = r->instance && acc->outbound;
  const char *parts[] = {
    "<", curi, ">",
    per_contact ? ";expires=" : "", per_contact ? dec_u32 (r->asked, e) : "",
    r->instance ? ";+sip.instance=\"" : "", r->instance ? r->instance : "",
    r->instance ? "\"" : "",
    reg_id ? ";reg-id=" : "", reg_id ? dec_u32 (q->reg_id ? q->reg_id : acc->reg_id, id) : "",
    NULL
  };
  sip_builder_add (b, "Contact", "%s", join (parts, vbuf, sizeof vbuf, &vheap));
  if (q->remove_old)
    {
      char obuf[CONTACT_BUF];
      g_autofree char *oheap = NULL;
      sip_builder_add (b, "Contact", "<%s>;expires=0",
                       contact_uri (r, q->old_ip, q->old_port, obuf, &oheap));
    }
  if (!per_contact)
    sip_builder_add (b, "Expires", "%u", r->asked);
  if (acc->outbound)
    sip_builder_add (b, "Supported", "outbound, path");
  if (r->challenge && r->digest)
    {
      g_autoptr (GError) err = NULL;
      /* RFC 2617 §3.2.2.5: the uri is the Request-URI (the backup's, B25). */
      g_autofree char *auth = sip_digest_client_authorize (r->digest, r->challenge, "REGISTER",
                                                           backup_uri ? backup_uri
                                                                      : r->request_uri, &err);
      if (auth)
        sip_builder_add (b, r->proxy_auth ? "Proxy-Authorization" : "Authorization", "%s", auth);
    }
  if (r->user_agent)
    sip_builder_add (b, "User-Agent", "%s", r->user_agent);
  g_autoptr (SipMsg) msg = sip_builder_finish_msg (b);

  char a[SIM_SOCKADDR_STRLEN];
  host_trace (r->host, "dev %s REGISTER -> %s cseq %u expires %u", r->trace_name,
              sim_sockaddr_to_string (&r->server, a), r->cseq, r->asked);

  SipTxnPeer to = { .addr = r->server, .reliable = q->transport != DEVICE_TRANSPORT_UDP,
                    .flow = q->flow };
  SipTxnConfig tc = { .t1 = acc->t1, .t2 = acc->t2, .timer_f = acc->transaction_timeout };
  r->txn = sip_txn_client_new (r->layer, msg, &to, &tc, txn_func, r);
  g_assert (r->txn != NULL);    /* a fresh branch never collides */
}

gboolean
device_reg_start (DeviceReg *r, const DeviceRegRequest *req, DeviceRegFunc func,
                  gpointer user_data)
{
  g_return_val_if_fail (r != NULL && req != NULL, FALSE);
  g_return_val_if_fail (!r->busy, FALSE);
  r->busy = TRUE;
  r->req = *req;
  r->server = req->server;
  r->func = func;
  r->user_data = user_data;
  r->requests = 0;
  r->n_auth = 0;
  r->n_redirects = 0;
  send_register (r);
  return TRUE;
}

/* ------------------------------------------------------------- outcome */

/* Resets the attempt and calls back last (note 4). */
static void
finish (DeviceReg *r, DeviceRegResult *res)
{
  char a[SIM_SOCKADDR_STRLEN];
  res->server = r->server;
  res->requests = r->requests;
  if (res->outcome == DEVICE_REG_OK)
    {
      char m[SIM_SOCKADDR_STRLEN];
      host_trace (r->host, "dev %s REGISTER <- %s %u granted %u mapped %s", r->trace_name,
                  sim_sockaddr_to_string (&r->server, a), res->status, res->granted_s,
                  res->mapped_known ? sim_sockaddr_to_string (&res->mapped, m) : "-");
    }
  else if (res->outcome == DEVICE_REG_FAILED)
    host_trace (r->host, "dev %s REGISTER <- %s %u: failed after %u requests", r->trace_name,
                sim_sockaddr_to_string (&r->server, a), res->status, r->requests);
  else
    host_trace (r->host, "dev %s REGISTER %s: %s after %u requests", r->trace_name,
                sim_sockaddr_to_string (&r->server, a),
                res->outcome == DEVICE_REG_TIMEOUT ? "timeout"
                : sim_net_error_to_string (res->net_error), r->requests);
  DeviceRegFunc func = r->func;
  gpointer ud = r->user_data;
  r->txn = NULL;                 /* detached or ending: not ours to abort */
  attempt_reset (r);
  if (func)
    func (r, res, ud);
}

/* Note 3 of reg.h: the granted expiry for our contact.  A registrar
 * usually echoes our contact byte for byte: the same text is the same URI
 * (the §19.1.4 comparison is reflexive, and the contact parsed, so ours
 * does), which spares parsing ours and comparing field by field (about
 * 1,700 instructions per 2xx, issue 17); other text is compared as URIs. */
static guint32
granted_expiry (const DeviceReg *r, const SipMsg *msg)
{
  char buf[CONTACT_BUF];
  g_autofree char *heap = NULL;
  const char *ours = contact_uri (r, r->req.contact_ip, r->req.contact_port, buf, &heap);
  gsize ours_len = strlen (ours);
  SipUri our_uri;
  int parsed = -1;                                 /* not yet tried */
  for (guint i = 0; i < sip_msg_contact_count (msg); i++)
    {
      const SipContact *c = sip_msg_contact (msg, i);
      if (c->star || c->expires < 0)
        continue;
      gboolean same = c->addr.uri_str.len == ours_len
                      && memcmp (c->addr.uri_str.p, ours, ours_len) == 0;
      if (!same)
        {
          if (parsed < 0)
            parsed = sip_uri_parse (ours, ours_len, &our_uri, NULL);
          same = parsed && sip_uri_equal (&c->addr.uri, &our_uri);
        }
      if (same)
        return (guint32) MIN (c->expires, (gint64) G_MAXUINT32);
    }
  gint64 e = sip_msg_expires (msg);
  if (e >= 0)
    return (guint32) MIN (e, (gint64) G_MAXUINT32);
  return r->asked;
}

static void
on_ok (DeviceReg *r, const SipMsg *msg, DeviceRegResult *res)
{
  res->outcome = DEVICE_REG_OK;
  res->granted_s = granted_expiry (r, msg);
  /* B39, RFC 3581 §4: the source the server saw; a missing part is ours. */
  const SipVia *v = sip_msg_via (msg, 0);
  SimIp4 ip = r->req.via_ip;
  gboolean known = FALSE;
  if (v && sip_str_present (v->received))
    {
      g_autofree char *s = sip_str_dup (v->received);
      known = sim_ip4_parse (s, &ip) || known;
    }
  guint16 port = r->req.via_port;
  if (v && v->has_rport && v->rport != 0)
    {
      port = v->rport;
      known = TRUE;
    }
  res->mapped_known = known;
  res->mapped = (SimSockAddr) { ip, port };
  res->outbound = sip_msg_has_option_tag (msg, SIP_HDR_REQUIRE, "outbound");
  gint64 ft = sip_msg_flow_timer (msg);
  res->flow_timer = ft > 0 ? (guint32) MIN (ft, (gint64) G_MAXUINT32) : 0;
}

/* 401/407 (B6): TRUE if the next REGISTER is on its way. */
static gboolean
on_challenge (DeviceReg *r, const SipMsg *msg, guint status)
{
  r->n_redirects = 0;
  if (++r->n_auth >= MAX (r->acc->max_auth, 1u) || r->auth_username == NULL)
    return FALSE;
  SipStr v = sip_msg_header_by_id (msg, status == 407 ? SIP_HDR_PROXY_AUTHENTICATE
                                                      : SIP_HDR_WWW_AUTHENTICATE, 0);
  if (!sip_str_present (v))
    return FALSE;
  g_autoptr (GError) err = NULL;
  SipDigestChallenge *ch = sip_digest_challenge_parse (v.p, v.len, &err);
  if (ch == NULL)
    {
      host_trace (r->host, "dev %s REGISTER challenge unusable: %s", r->trace_name,
                  err->message);
      return FALSE;
    }
  /* One we could not answer (auth-int only, unknown algorithm) is an error too. */
  g_autofree char *probe = sip_digest_build_authorization (ch, "x", "x", "REGISTER",
                                                           r->request_uri, "0", 1, NULL);
  if (probe == NULL)
    {
      sip_digest_challenge_free (ch);
      return FALSE;
    }
  sip_digest_challenge_free (r->challenge);
  r->challenge = ch;
  r->proxy_auth = status == 407;
  if (r->digest == NULL)   /* it draws nothing when made: only cnonces, when used */
    r->digest = sip_digest_client_new (r->auth_username, r->auth_password, r->rng);
  send_register (r);
  return TRUE;
}

static gboolean
on_redirect (DeviceReg *r, const SipMsg *msg)
{
  r->n_auth = 0;
  if (++r->n_redirects > r->acc->max_redirects)
    return FALSE;
  for (guint i = 0; i < sip_msg_contact_count (msg); i++)
    {
      const SipContact *c = sip_msg_contact (msg, i);
      SimIp4 ip;
      if (c->star || c->addr.uri.scheme != SIP_URI_SIP || c->addr.uri.host_type != SIP_HOST_IPV4)
        continue;
      g_autofree char *h = sip_str_dup (c->addr.uri.host);
      if (!sim_ip4_parse (h, &ip))
        continue;
      r->server = (SimSockAddr) { ip, c->addr.uri.port ? c->addr.uri.port : 5060 };
      send_register (r);
      return TRUE;
    }
  return FALSE;
}

static gboolean
on_423 (DeviceReg *r, const SipMsg *msg)
{
  r->n_auth = 0;
  r->n_redirects = 0;
  gint64 min = sip_msg_min_expires (msg);
  if (r->req.unregister || min <= (gint64) r->asked || min > G_MAXUINT32)
    return FALSE;
  r->expires = (guint32) min;        /* kept for later refreshes (reg.h note 2) */
  send_register (r);
  return TRUE;
}

static void
txn_func (SipTxn *txn, const SipTxnEvent *ev, gpointer user_data)
{
  DeviceReg *r = user_data;
  if (txn != r->txn)
    return;
  DeviceRegResult res = { .retry_after = -1 };
  switch (ev->outcome)
    {
    case SIP_TXN_RESPONSE:
      if (ev->status < 200)
        return;                                  /* 1xx: keep waiting */
      sip_txn_set_func (txn, NULL, NULL);        /* note 1: detach */
      r->txn = NULL;
      res.status = ev->status;
      res.retry_after = sip_msg_retry_after (ev->msg);
      if (ev->status < 300)
        on_ok (r, ev->msg, &res);
      else
        {
          gboolean again = FALSE;
          if (ev->status == 401 || ev->status == 407)
            again = on_challenge (r, ev->msg, ev->status);
          else if (ev->status == 423)
            again = on_423 (r, ev->msg);
          else if (ev->status < 400)
            again = on_redirect (r, ev->msg);
          if (again)
            {
              char a[SIM_SOCKADDR_STRLEN];
              host_trace (r->host, "dev %s REGISTER <- %u: again to %s", r->trace_name,
                          ev->status, sim_sockaddr_to_string (&r->server, a));
              return;
            }
          res.outcome = DEVICE_REG_FAILED;
        }
      finish (r, &res);
      return;
    case SIP_TXN_TIMEOUT:
      sip_txn_set_func (txn, NULL, NULL);   /* its TERMINATED may outlive the leg */
      res.outcome = DEVICE_REG_TIMEOUT;
      finish (r, &res);
      return;
    case SIP_TXN_TRANSPORT_ERROR:
      sip_txn_set_func (txn, NULL, NULL);
      res.outcome = DEVICE_REG_TRANSPORT_ERROR;
      res.net_error = ev->error;
      finish (r, &res);
      return;
    case SIP_TXN_TERMINATED:
      /* Every report above detaches first; not reached in practice. */
      r->txn = NULL;
      return;
    }
}
