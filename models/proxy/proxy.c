/*
 * models/proxy/proxy.c - the registrar model (see proxy.h for the rules and
 * the RFCs behind them).
 *
 * Notes
 *
 * 1. Pieces.  A SipTransport (UDP socket, TCP listener and the flows it
 *    accepts) feeds one SipTxnLayer; its
 *    request callback is the TU.  A request becomes a Work item, which
 *    waits for the capacity server (note 8 of proxy.h) and the SLOW delay
 *    before handle_request() answers it.  Bindings, Work items, probes in
 *    flight and scheduled faults each embed their timer and are freed
 *    with the proxy.
 *
 * 2. Going down (CRASH, RESTART) frees the transaction layer, which ends
 *    every transaction without a report, so the Work items (which point at
 *    server transactions) are freed first and the probes in flight are
 *    recorded as ABORTED; a fresh empty layer takes its place at once and
 *    sees nothing until the proxy is up again.
 *
 * 3. The response's top Via is rewritten by sip_builder_stamp_via()
 *    because the builder copies Vias verbatim and the top one must carry
 *    received and rport (RFC 3581 §4); the other headers keep their
 *    §8.2.6.2 order.  A request that does not parse is answered 400 from
 *    its raw lines (bad_request_400) when it shows a request line and
 *    Via, From, To, Call-ID and CSeq; that answer copies those lines as
 *    they are (no received/rport: the Via may be what failed to parse).
 *
 * 4. Re-entrancy.  The only outside code the proxy calls is the probe
 *    callback, and it is called last: a probe is detached from its
 *    transaction and freed before it, so the callback may apply a fault
 *    (which aborts the probes still live and frees the layer, note 2).
 *
 * 5. Binding order and the AOR index.  The 200's Contact list, the order
 *    "Contact: *" removes (and traces) an AOR's bindings, and which binding
 *    a Contact matches when several could, all follow the bindings' order
 *    in p->bindings: creation order, except that a removal moves the last
 *    binding into the freed slot (swap-remove), so removing one AOR's
 *    binding can reorder another AOR's.  That order is part of the
 *    observable behaviour (bytes, traces), so it is kept exactly: each
 *    binding knows its index (gidx), and by_aor holds, per AOR, the
 *    AOR's bindings sorted by gidx.  A removal is O(1) in p->bindings and
 *    moves the swapped binding to its new place in its own AOR's array
 *    (binary search, O(bindings of that AOR)).  Every per-AOR question is
 *    then answered from the AOR's array alone: a REGISTER costs
 *    O(bindings of its AOR), not O(bindings of the proxy).
 *
 *    Size: well over the ~900 lines the layout allows a file without a
 *    reason.  It is one model (transport, TU, registrar,
 *    bindings, faults, overload, probes) whose parts share the SipProxy
 *    struct; the cut is along those parts behind a proxy-private.h, left
 *    until the branches rewriting its transport (TCP/TLS flows, live
 *    runs) have landed, so the split is one move.
 */
#include <string.h>

#include "models/proxy/proxy.h"
#include "models/proxy/forward.h"
#include "models/proxy/subscriptions.h"
#include "models/sip/builder.h"
#include "models/sip/digest.h"
#include "models/sip/transport.h"

typedef struct Binding Binding;
typedef struct Work    Work;
typedef struct ProbeTx ProbeTx;
typedef struct Sched   Sched;

struct Binding {
  SipProxy   *p;
  char       *aor;
  char       *contact;       /* URI text */
  SipUri      uri;           /* parsed from contact (slices into it) */
  char       *instance;      /* +sip.instance of an outbound flow, NULL if none (RFC 5626) */
  char       *match_instance;  /* +sip.instance as registered, NULL if none (match_instance) */
  char       *call_id;
  /* The 4-byte fields together, after the pointers: no padding (a
   * binding per phone, issue 17 item 2). */
  gint32      reg_id;        /* -1 if none */
  gint32      match_reg_id;  /* match_instance's reg-id, -1 if none */
  guint32     cseq;
  guint       gidx;          /* index in p->bindings (note 5) */
  SimSockAddr source;        /* the flow (note 3 of proxy.h) */
  gboolean    reliable;
  SipFlowId   flow;          /* TCP: the connection; 0 for UDP or once it failed */
  SimTime     expires_at;
  HostTimer   expiry, probe;
};

struct Work {
  SipProxy   *p;
  SipTxn     *txn;           /* NULL once the transaction ended */
  SipMsg     *req;
  SipTxnPeer  from;
  HostTimer   timer;         /* SLOW delay */
};

struct ProbeTx {
  SipProxy      *p;
  SipTxn        *txn;          /* NULL until sent, and once it has ended */
  SipProxyProbe  rec;
};

struct Sched {
  SipProxy     *p;
  HostTimer     timer;
  SipProxyFault fault;
};

struct SipProxy {
  SimHost            *host;
  SipProxyConfig      cfg;
  char               *realm;
  GHashTable         *users;        /* user -> password */
  SimRng              rng, probe_rng, fault_rng;
  SipTransport       *tp;           /* UDP socket, TCP listener and flows */
  gboolean            listening;    /* the TCP and TLS listeners are open */
  guint64             malformed_extra; /* malformed requests the TU found (none yet) */
  GHashTable         *by_flow;      /* flow id -> GPtrArray of Binding * on it */
  SipTxnLayer        *layer;
  SipDigestServer    *digest;
  GPtrArray          *bindings;     /* Binding *, every one (note 5) */
  GHashTable         *by_aor;       /* AOR -> GPtrArray of Binding *, by gidx */
  GQueue              queue;        /* Work * waiting for service */
  Work               *in_service;
  HostTimer           service;
  GPtrArray          *works;        /* every live Work * */
  GPtrArray          *probes_live;  /* ProbeTx * */
  GArray             *probes;       /* SipProxyProbe, completed (unless !keep_probes) */
  gboolean            keep_probes;  /* default TRUE; sip_proxy_set_keep_probes */
  GPtrArray          *scheds;       /* Sched * */
  SipProxyFault       state;
  HostTimer           restart;
  SipProxyStats       stats;
  SipProxyProbeFunc   probe_func;
  gpointer            probe_data;
  ProxyForward       *fwd;          /* calls: forward.c (forward.h) */
  ProxySubs          *subs;         /* SUBSCRIBE/NOTIFY: subscriptions.c */
};

static void layer_reset (SipProxy *p);
static gboolean open_sockets (SipProxy *p, GError **error);

static guint16
proxy_tls_port (const SipProxy *p)
{
  return p->cfg.tls_port ? p->cfg.tls_port : (guint16) (p->cfg.port + 1);
}

/* ------------------------------------------------------------- strings */

const char *
sip_proxy_fault_to_string (SipProxyFault f)
{
  switch (f)
    {
    case SIP_PROXY_FAULT_RECOVER: return "recover";
    case SIP_PROXY_FAULT_CRASH:   return "crash";
    case SIP_PROXY_FAULT_REJECT:  return "reject";
    case SIP_PROXY_FAULT_SLOW:    return "slow";
    case SIP_PROXY_FAULT_RESTART: return "restart";
    case SIP_PROXY_FAULT_KILL:    return "kill";
    }
  return "?";
}

const char *
sip_proxy_probe_outcome_to_string (SipProxyProbeOutcome o)
{
  switch (o)
    {
    case SIP_PROXY_PROBE_OK:              return "ok";
    case SIP_PROXY_PROBE_TIMEOUT:         return "timeout";
    case SIP_PROXY_PROBE_TRANSPORT_ERROR: return "transport-error";
    case SIP_PROXY_PROBE_NO_FLOW:         return "no-flow";
    case SIP_PROXY_PROBE_ABORTED:         return "aborted";
    }
  return "?";
}

void
sip_proxy_config_init (SipProxyConfig *cfg)
{
  g_return_if_fail (cfg != NULL);
  memset (cfg, 0, sizeof *cfg);
  cfg->port = 5060;                    /* RFC 3261 §19.1.2 */
  cfg->tcp = TRUE;
  cfg->tls = TRUE;
  cfg->tls_max_version = TLS_VERSION_1_3;
  cfg->tls_cert_trusted = TRUE;
  cfg->crash_conns = SIP_PROXY_CONNS_HANG;      /* the CRASH of a hung process */
  cfg->restart_conns = SIP_PROXY_CONNS_RESET;   /* a process that dies and restarts */
  cfg->default_expires = 3600;         /* §10.3 step 7 example / BEHAVIOUR.md (c) */
  cfg->min_expires = 60;               /* §10.2.8: Min-Expires example; modelling choice */
  cfg->max_expires = 7200;             /* modelling choice */
  cfg->realm = "sipsim.test";
  cfg->nonce_lifetime = SIM_S (300);   /* modelling choice */
  cfg->outbound = FALSE;                /* off out of the box (doc/models.md) */
  cfg->stun = FALSE;                    /* off out of the box (doc/models.md) */
  cfg->match_instance = TRUE;           /* Kamailio (doc/models.md) */
  cfg->min_expires_raise = FALSE;       /* RFC 3261 §10.3 step 7: 423 */
  cfg->retry_after = 60;               /* modelling choice */
  cfg->slow_delay = SIM_S (2);         /* modelling choice */
  cfg->restart_downtime = SIM_S (10);  /* modelling choice */
  cfg->queue_limit = 100;              /* modelling choice */
  cfg->record_route = TRUE;            /* §16.6 step 4: most deployed proxies do */
}

static gboolean
is_down (const SipProxy *p)
{
  return p->state == SIP_PROXY_FAULT_CRASH || p->state == SIP_PROXY_FAULT_RESTART
         || p->state == SIP_PROXY_FAULT_KILL;
}

/* ----------------------------------------------------------- responses */

/* A response to @req from @src (§8.2.6.2), with the top Via of note 3
 * (sip_builder_stamp_via: received and rport=<source port>, RFC 3581 §4). */
static SipBuilder *
response_builder (SipProxy *p, const SipMsg *req, const SimSockAddr *src, guint code,
                  const char *reason)
{
  /* §8.2.6.2: a UAS adds a To tag to every response but 100. */
  g_autofree char *tag = NULL;
  if (!sip_str_present (sip_msg_to (req)->tag) && code != 100)
    tag = sip_gen_tag (&p->rng);
  SipBuilder *b = sip_builder_response (req, code, reason, tag);
  char ip[SIM_IP4_STRLEN];
  sim_ip4_to_string (src->ip, ip);
  sip_builder_stamp_via (b, req, ip, src->port);
  return b;
}

static void
count_status (SipProxy *p, guint code)
{
  p->stats.responses_sent++;
  switch (code)
    {
    case 200: p->stats.r200++; break;
    case 400: p->stats.r400++; break;
    case 401: p->stats.r401++; break;
    case 403: p->stats.r403++; break;
    case 405: p->stats.r405++; break;
    case 423: p->stats.r423++; break;
    case 500: p->stats.r500++; break;
    case 503: p->stats.r503++; break;
    default: break;
    }
}

static void
send_response (SipProxy *p, SipTxn *txn, SipBuilder *b, guint code)
{
  g_autoptr (SipMsg) resp = sip_builder_finish_msg (b);
  g_return_if_fail (resp != NULL);
  if (sip_txn_respond (txn, resp))
    count_status (p, code);
}

static void
respond_simple (SipProxy *p, SipTxn *txn, const SipMsg *req, const SimSockAddr *src,
                guint code)
{
  SipBuilder *b = response_builder (p, req, src, code, NULL);
  if (code == 503 && p->cfg.retry_after)
    sip_builder_add (b, "Retry-After", "%u", p->cfg.retry_after);   /* §21.5.4, §20.33 */
  if (code == 405)
    sip_builder_add (b, "Allow", "REGISTER, OPTIONS, NOTIFY");     /* §21.4.6 */
  send_response (p, txn, b, code);
}

/* ------------------------------------------------------------ bindings */

static void binding_probe_fire (HostTimer *t, gpointer u);
static void binding_expire (HostTimer *t, gpointer u);

/* Moves @b to @flow's list in p->by_flow (0: no flow). */
static void
binding_set_flow (SipProxy *p, Binding *b, SipFlowId flow)
{
  if (b->flow == flow)
    return;
  if (b->flow)
    {
      GPtrArray *a = g_hash_table_lookup (p->by_flow, GUINT_TO_POINTER (b->flow));
      g_ptr_array_remove_fast (a, b);
      if (a->len == 0)
        g_hash_table_remove (p->by_flow, GUINT_TO_POINTER (b->flow));   /* frees a */
    }
  b->flow = flow;
  if (flow)
    {
      GPtrArray *a = g_hash_table_lookup (p->by_flow, GUINT_TO_POINTER (flow));
      if (a == NULL)
        {
          a = g_ptr_array_new ();
          g_hash_table_insert (p->by_flow, GUINT_TO_POINTER (flow), a);
        }
      g_ptr_array_add (a, b);
    }
}

static void
binding_free (Binding *b)
{
  host_timer_cancel (&b->expiry);
  host_timer_cancel (&b->probe);
  g_free (b->aor);
  g_free (b->contact);
  g_free (b->instance);
  g_free (b->match_instance);
  g_free (b->call_id);
  g_free (b);
}

/* The AOR's bindings in p->bindings order (note 5), or NULL if none. */
static GPtrArray *
aor_bindings (const SipProxy *p, const char *aor)
{
  return g_hash_table_lookup (p->by_aor, aor);
}

/* The first position in @a (sorted by gidx) whose gidx is >= @gidx. */
static guint
aor_position (const GPtrArray *a, guint gidx)
{
  guint lo = 0, hi = a->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (((const Binding *) a->pdata[mid])->gidx < gidx)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Appends @b (owned by @p from now on) to p->bindings and to its AOR's
 * array: it has the largest gidx, so it goes last in both. */
static void
binding_add (SipProxy *p, Binding *b)
{
  b->gidx = p->bindings->len;
  g_ptr_array_add (p->bindings, b);
  GPtrArray *a = aor_bindings (p, b->aor);
  if (a == NULL)
    {
      a = g_ptr_array_new ();
      g_hash_table_insert (p->by_aor, g_strdup (b->aor), a);
    }
  g_ptr_array_add (a, b);
}

/* Removes and frees @b.  p->bindings is swap-removed exactly as
 * g_ptr_array_remove_fast() would (note 5), and the index follows. */
static void
binding_remove (SipProxy *p, Binding *b)
{
  GPtrArray *a = aor_bindings (p, b->aor);
  guint k = aor_position (a, b->gidx);
  g_assert (k < a->len && a->pdata[k] == b);
  g_ptr_array_remove_index (a, k);
  if (a->len == 0)
    g_hash_table_remove (p->by_aor, b->aor);       /* frees a */

  guint i = b->gidx;
  Binding *last = p->bindings->pdata[p->bindings->len - 1];
  g_assert (p->bindings->pdata[i] == b);
  g_ptr_array_remove_index_fast (p->bindings, i);  /* last moves to i */
  if (last != b)
    {
      /* last had the largest gidx, so it is last in its AOR's array; it
       * now sits at i and moves to its sorted place there. */
      GPtrArray *la = aor_bindings (p, last->aor);
      g_assert (la->pdata[la->len - 1] == last);
      g_ptr_array_remove_index (la, la->len - 1);
      last->gidx = i;
      g_ptr_array_insert (la, (gint) aor_position (la, i), last);
    }
  binding_set_flow (p, b, 0);
  binding_free (b);
}

static void
probe_arm (SipProxy *p, Binding *b)
{
  if (p->cfg.probe_rate <= 0)
    return;
  /* Poisson process: exponential gaps with mean 1/rate (proxy.h note 9). */
  double gap = sim_rng_exponential (&p->probe_rng, 1.0 / p->cfg.probe_rate);
  host_timer_start (&b->probe, sim_time_from_s (gap));
}

static void
binding_expire (HostTimer *t, gpointer u)
{
  Binding *b = u;
  SipProxy *p = b->p;
  p->stats.bindings_expired++;
  host_trace (p->host, "proxy binding expired %s %s", b->aor, b->contact);
  binding_remove (p, b);
}

static gboolean
binding_matches (const Binding *b, const char *aor, const SipContact *c, gboolean outbound)
{
  if (strcmp (b->aor, aor) != 0)
    return FALSE;
  /* RFC 5626 §6: with outbound the flow is named by instance and reg-id. */
  if (outbound && b->instance != NULL)
    return sip_str_eq (c->instance, b->instance) && c->reg_id == b->reg_id;
  /* match_instance (Kamailio's usrloc): the same instance and reg-id is
   * the same device, whatever URI it registers now (issue 14 item 6). */
  if (b->p->cfg.match_instance && b->match_instance != NULL && sip_str_present (c->instance))
    return sip_str_eq (c->instance, b->match_instance) && c->reg_id == b->match_reg_id;
  return sip_uri_equal (&b->uri, &c->addr.uri);
}

/* The first match in p->bindings order (note 5): a Contact can match two
 * bindings (e.g. by URI, one with an instance and one without). */
static Binding *
binding_find (SipProxy *p, const char *aor, const SipContact *c, gboolean outbound)
{
  GPtrArray *a = aor_bindings (p, aor);
  for (guint i = 0; a != NULL && i < a->len; i++)
    {
      Binding *b = a->pdata[i];
      if (binding_matches (b, aor, c, outbound))
        return b;
    }
  return NULL;
}

/* ------------------------------------------------------------ register */

/* §10.3 step 7: the Contact's expires parameter, else the Expires header
 * (@hdr_exp, -1 if none), else the configured default. */
static gint64
asked_expires (const SipProxy *p, const SipContact *c, gint64 hdr_exp)
{
  if (c->expires >= 0)
    return c->expires;
  return hdr_exp >= 0 ? hdr_exp : p->cfg.default_expires;
}

/* RFC 5626 §6: the Contact names a flow (instance and reg-id) and the
 * REGISTER asked for outbound (@outbound). */
static gboolean
contact_is_outbound (const SipContact *c, gboolean outbound)
{
  return outbound && sip_str_present (c->instance) && c->reg_id >= 0;
}

/* A binding removed by a REGISTER (Expires 0 or "*"). */
static void
binding_unregister (SipProxy *p, Binding *b)
{
  p->stats.bindings_removed++;
  host_trace (p->host, "proxy binding removed %s %s", b->aor, b->contact);
  binding_remove (p, b);
}

static guint
remaining_s (SipProxy *p, const Binding *b)
{
  SimTime left = b->expires_at - host_now (p->host);
  if (left <= 0)
    return 0;
  return (guint) ((left + SIM_S (1) - 1) / SIM_S (1));
}

/* §22: 0 if the request may go on, else the code of the response sent. */
static guint
check_auth (SipProxy *p, SipTxn *txn, const SipMsg *req, const SimSockAddr *src,
            SipStr aor_user)
{
  SimTime now = host_now (p->host);
  SipStr v = sip_msg_header_by_id (req, SIP_HDR_AUTHORIZATION, 0);
  gboolean stale = FALSE;
  if (sip_str_present (v))
    {
      g_autoptr (GError) err = NULL;
      g_autoptr (SipDigestCredentials) cr = sip_digest_credentials_parse (v.p, v.len, &err);
      if (cr == NULL)
        {
          respond_simple (p, txn, req, src, 400);
          return 400;
        }
      const char *pw = g_hash_table_lookup (p->users, cr->username);
      if (pw != NULL)
        {
          g_autofree char *ruri = sip_str_dup (sip_msg_request_uri_str (req));
          SipDigestVerdict vd = sip_digest_server_verify (p->digest, cr, "REGISTER", ruri,
                                                          pw, now);
          host_trace (p->host, "proxy digest %s %s", cr->username,
                      sip_digest_verdict_to_string (vd));
          if (vd == SIP_DIGEST_OK)
            {
              /* §10.3 step 3: the authenticated user must own the AOR. */
              if (!sip_str_eq (aor_user, cr->username))
                {
                  respond_simple (p, txn, req, src, 403);
                  return 403;
                }
              return 0;
            }
          if (vd == SIP_DIGEST_MALFORMED)
            {
              respond_simple (p, txn, req, src, 400);
              return 400;
            }
          stale = vd == SIP_DIGEST_STALE_NONCE;
        }
    }
  /* No credentials, or rejected ones: a fresh challenge (§22.2). */
  g_autofree char *ch = sip_digest_server_challenge (p->digest, now, stale);
  SipBuilder *b = response_builder (p, req, src, 401, NULL);
  sip_builder_add (b, "WWW-Authenticate", "%s", ch);
  send_response (p, txn, b, 401);
  return 401;
}

/* "user@host" with the host in lower case, newly allocated: what
 * g_strdup_printf ("%.*s@%s", user, g_ascii_strdown (host)) gives (each
 * part ends at a NUL, as "%.*s" and g_strndup() end it), without printf:
 * every REGISTER makes one. */
static char *
aor_of (SipStr user, SipStr host)
{
  gsize ulen = user.p ? strnlen (user.p, user.len) : 0;
  gsize hlen = host.p ? strnlen (host.p, host.len) : 0;
  char *aor = g_malloc (ulen + 1 + hlen + 1), *d = aor;
  if (ulen)
    memcpy (d, user.p, ulen);
  d += ulen;
  *d++ = '@';
  for (gsize i = 0; i < hlen; i++)
    *d++ = g_ascii_tolower (host.p[i]);
  *d = '\0';
  return aor;
}

static void
handle_register (SipProxy *p, SipTxn *txn, const SipMsg *req, const SipTxnPeer *from)
{
  SimTime now = host_now (p->host);
  p->stats.registers++;
  const SipNameAddr *to = sip_msg_to (req);
  if ((to->uri.scheme != SIP_URI_SIP && to->uri.scheme != SIP_URI_SIPS)
      || !sip_str_present (to->uri.user))
    {
      respond_simple (p, txn, req, &from->addr, 400);
      return;
    }
  g_autofree char *aor = aor_of (to->uri.user, to->uri.host);

  if (p->cfg.n_users > 0 && check_auth (p, txn, req, &from->addr, to->uri.user) != 0)
    return;

  guint n = sip_msg_contact_count (req);
  gint64 hdr_exp = sip_msg_expires (req);
  SipStr call_id = sip_msg_call_id (req);
  guint32 cseq = sip_msg_cseq (req)->seq;
  gboolean outbound = p->cfg.outbound
                      && sip_msg_has_option_tag (req, SIP_HDR_SUPPORTED, "outbound");
  gboolean star = FALSE, used_outbound = FALSE;

  /* Pass 1: check everything before changing anything (§10.3 steps 6-7). */
  for (guint i = 0; i < n; i++)
    {
      const SipContact *c = sip_msg_contact (req, i);
      if (c->star)
        {
          /* §10.3 step 6: "*" only alone and with Expires: 0. */
          if (n != 1 || hdr_exp != 0)
            {
              respond_simple (p, txn, req, &from->addr, 400);
              return;
            }
          star = TRUE;
          GPtrArray *a = aor_bindings (p, aor);
          for (guint j = 0; a != NULL && j < a->len; j++)
            {
              Binding *b = a->pdata[j];
              if (sip_str_eq (call_id, b->call_id) && cseq <= b->cseq)
                {
                  respond_simple (p, txn, req, &from->addr, 400);
                  return;
                }
            }
          continue;
        }
      gint64 exp = asked_expires (p, c, hdr_exp);
      if (exp != 0 && p->cfg.min_expires && exp < p->cfg.min_expires
          && !p->cfg.min_expires_raise)
        {
          /* §10.3 step 7, §21.4.17: 423 with Min-Expires. */
          SipBuilder *b = response_builder (p, req, &from->addr, 423, NULL);
          sip_builder_add (b, "Min-Expires", "%u", p->cfg.min_expires);
          send_response (p, txn, b, 423);
          host_trace (p->host, "proxy REGISTER %s 423 (asked %" G_GINT64_FORMAT " s)", aor, exp);
          return;
        }
      gboolean ob = contact_is_outbound (c, outbound);
      Binding *b = binding_find (p, aor, c, ob);
      if (b && sip_str_eq (call_id, b->call_id) && cseq <= b->cseq)
        {
          /* §10.3 step 7: out of order; the RFC names no code, Kamailio
           * answers "400 Invalid CSeq number" (was 500 until issue 14). */
          respond_simple (p, txn, req, &from->addr, 400);
          return;
        }
    }

  /* Pass 2: apply. */
  if (star)
    {
      /* From the last in p->bindings order to the first (note 5): each
       * removal swaps in a binding of another AOR, so the rest of this
       * AOR keeps its places. */
      GPtrArray *a;
      while ((a = aor_bindings (p, aor)) != NULL)
        binding_unregister (p, a->pdata[a->len - 1]);
    }
  for (guint i = 0; i < n && !star; i++)
    {
      const SipContact *c = sip_msg_contact (req, i);
      gint64 exp = asked_expires (p, c, hdr_exp);
      if (p->cfg.max_expires && exp > p->cfg.max_expires)
        exp = p->cfg.max_expires;
      /* min_expires_raise: grant the minimum instead of 423 (Kamailio's
       * registrar default; a request for 10 s gets 60 s). */
      if (exp != 0 && p->cfg.min_expires && exp < p->cfg.min_expires)
        exp = p->cfg.min_expires;
      gboolean ob = contact_is_outbound (c, outbound);
      used_outbound |= ob;
      Binding *b = binding_find (p, aor, c, ob);
      if (exp == 0)
        {
          if (b)
            binding_unregister (p, b);
          continue;
        }
      if (b == NULL)
        {
          b = g_new0 (Binding, 1);
          b->p = p;
          b->aor = g_strdup (aor);
          host_timer_init (p->host, &b->expiry, binding_expire, b);
          host_timer_init (p->host, &b->probe, binding_probe_fire, b);
          binding_add (p, b);
          p->stats.bindings_created++;
          probe_arm (p, b);
        }
      else
        {
          p->stats.bindings_refreshed++;
          g_free (b->contact);
          g_free (b->instance);
          g_free (b->match_instance);
          g_free (b->call_id);
        }
      b->contact = sip_str_dup (c->addr.uri_str);
      /* The Contact's URI was parsed from these bytes (a URI holds no
       * NUL, so the copy is all of them): moved onto the copy, not
       * parsed again. */
      b->uri = c->addr.uri;
      sip_uri_rebase (&b->uri, c->addr.uri_str.p, b->contact);
      b->instance = ob ? sip_str_dup (c->instance) : NULL;
      b->reg_id = ob ? c->reg_id : -1;
      b->match_instance = sip_str_present (c->instance) ? sip_str_dup (c->instance) : NULL;
      b->match_reg_id = c->reg_id;
      b->call_id = sip_str_dup (call_id);
      b->cseq = cseq;
      b->expires_at = now + SIM_S (exp);
      b->source = from->addr;
      b->reliable = from->reliable;
      /* The request's connection may be gone already (an answer delayed
       * by the capacity server): then the binding has no flow. */
      SipFlowId fid = from->reliable ? sip_flow_from_handle (from->flow) : 0;
      if (fid && !sip_transport_flow_addrs (p->tp, fid, NULL, NULL))
        fid = 0;
      binding_set_flow (p, b, fid);
      host_timer_start (&b->expiry, SIM_S (exp));
      char src[SIM_SOCKADDR_STRLEN];
      host_trace (p->host, "proxy binding %s %s expires %" G_GINT64_FORMAT " flow %s %s",
                  b->aor, b->contact, exp, from->reliable ? "TCP" : "UDP",
                  sim_sockaddr_to_string (&from->addr, src));
    }

  /* §10.3 step 8: 200 with every current binding of the AOR. */
  SipBuilder *rb = response_builder (p, req, &from->addr, 200, NULL);
  GPtrArray *mine = aor_bindings (p, aor);
  for (guint j = 0; mine != NULL && j < mine->len; j++)
    {
      Binding *b = mine->pdata[j];
      if (b->instance)
        sip_builder_add (rb, "Contact", "<%s>;expires=%u;+sip.instance=\"%s\";reg-id=%d",
                         b->contact, remaining_s (p, b), b->instance, b->reg_id);
      else
        sip_builder_add (rb, "Contact", "<%s>;expires=%u", b->contact, remaining_s (p, b));
    }
  if (used_outbound)
    {
      /* RFC 5626 §6: Require: outbound; §8.4 Flow-Timer. */
      sip_builder_add (rb, "Require", "outbound");
      if (p->cfg.path_ob)
        {
          /* §5.1: the edge proxy's Path entry, with "ob" because it will
           * send requests for this binding down the flow it came on; the
           * registrar echoes Path in the 200 (RFC 3327 §5.3).  Here both
           * are this model, so the 200 carries it directly. */
          SimIp4 me = 0;
          char ip[SIM_IP4_STRLEN];
          host_get_local_addr (p->host, from->addr.ip, &me);
          sip_builder_add (rb, "Path", "<sip:%s:%u;%slr;ob>", sim_ip4_to_string (me, ip),
                           p->cfg.port, from->reliable ? "transport=tcp;" : "");
        }
      if (p->cfg.flow_timer)
        sip_builder_add (rb, "Flow-Timer", "%u", p->cfg.flow_timer);
    }
  send_response (p, txn, rb, 200);
}

static void
handle_request (SipProxy *p, SipTxn *txn, const SipMsg *req, const SipTxnPeer *from)
{
  if (p->state == SIP_PROXY_FAULT_REJECT)
    {
      p->stats.reject_503++;
      respond_simple (p, txn, req, &from->addr, 503);
      return;
    }
  if (proxy_forward_wants (p->fwd, req))
    {
      proxy_forward_request (p->fwd, txn, (SipMsg *) req, from);
      return;
    }
  if (sip_msg_method (req) == SIP_METHOD_SUBSCRIBE)
    {
      proxy_subs_request (p->subs, txn, (SipMsg *) req, from);
      return;
    }
  switch (sip_msg_method (req))
    {
    case SIP_METHOD_REGISTER:
      handle_register (p, txn, req, from);
      break;
    case SIP_METHOD_OPTIONS:
    case SIP_METHOD_NOTIFY:
      respond_simple (p, txn, req, &from->addr, 200);
      break;
    default:
      respond_simple (p, txn, req, &from->addr, 405);
      break;
    }
}

/* ----------------------------------------------------------------- work */

static void
work_free (Work *w)
{
  SipProxy *p = w->p;
  host_timer_cancel (&w->timer);
  if (w->txn)
    sip_txn_set_func (w->txn, NULL, NULL);
  sip_msg_unref (w->req);
  g_ptr_array_remove_fast (p->works, w);
  g_free (w);
}

static void
work_txn_func (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  Work *w = u;
  if (ev->outcome == SIP_TXN_TERMINATED)
    w->txn = NULL;
}

static void
work_process (Work *w)
{
  SipProxy *p = w->p;
  SipTxn *txn = g_steal_pointer (&w->txn);
  if (txn)
    {
      /* Detached first: the forwarder may take the transaction over. */
      sip_txn_set_func (txn, NULL, NULL);
      handle_request (p, txn, w->req, &w->from);
    }
  work_free (w);
}

static void
work_slow_done (HostTimer *t, gpointer u)
{
  work_process (u);
}

/* Service done (capacity), or no capacity limit: apply SLOW, then answer. */
static void
work_ready (Work *w)
{
  SipProxy *p = w->p;
  if (p->state == SIP_PROXY_FAULT_SLOW && p->cfg.slow_delay > 0)
    host_timer_start (&w->timer, p->cfg.slow_delay);
  else
    work_process (w);
}

static SimTime
service_time (const SipProxy *p)
{
  return sim_time_from_s (1.0 / p->cfg.capacity_rps);
}

static void
service_done (HostTimer *t, gpointer u)
{
  SipProxy *p = u;
  Work *w = g_steal_pointer (&p->in_service);
  Work *next = g_queue_pop_head (&p->queue);
  if (next)
    {
      p->in_service = next;
      host_timer_start (&p->service, service_time (p));
    }
  if (w)
    work_ready (w);
}

/* ------------------------------------------------------------- the TU */

static void
on_request (SipTxnLayer *layer, SipTxn *txn, SipMsg *req, const SipTxnPeer *from, gpointer u)
{
  SipProxy *p = u;
  p->stats.requests++;
  if (p->state == SIP_PROXY_FAULT_REJECT)
    {
      handle_request (p, txn, req, from);
      return;
    }
  /* malloc and memset, not calloc: see txn_alloc(). */
  Work *w = memset (g_new (Work, 1), 0, sizeof (Work));
  w->p = p;
  w->txn = txn;
  w->req = sip_msg_ref (req);
  w->from = *from;
  host_timer_init (p->host, &w->timer, work_slow_done, w);
  g_ptr_array_add (p->works, w);
  sip_txn_set_func (txn, work_txn_func, w);
  if (p->cfg.capacity_rps <= 0)
    {
      work_ready (w);
      return;
    }
  if (p->in_service == NULL)
    {
      p->in_service = w;
      host_timer_start (&p->service, service_time (p));
      return;
    }
  if (g_queue_get_length (&p->queue) < p->cfg.queue_limit)
    {
      g_queue_push_tail (&p->queue, w);
      p->stats.max_queue = MAX (p->stats.max_queue, g_queue_get_length (&p->queue));
      return;
    }
  /* Overload (proxy.h note 8). */
  w->txn = NULL;
  sip_txn_set_func (txn, NULL, NULL);
  work_free (w);
  if (p->cfg.overload_drop)
    {
      p->stats.overload_dropped++;
      host_trace (p->host, "proxy overload drop %s", sip_txn_get_branch (txn));
      sip_txn_abort (txn);
      return;
    }
  p->stats.overload_503++;
  respond_simple (p, txn, req, &from->addr, 503);
}

/* --------------------------------------------------------------- probes */

static void probe_clear (gpointer data);

/* Completes @pt (note 4): detaches its transaction, moves its record to
 * the completed list, frees it and only then calls the probe callback, so
 * a callback that applies a fault (which aborts every probe still live)
 * finds nothing of @pt left to free twice.  @pt is gone on return. */
static void
probe_finish (ProbeTx *pt, SipProxyProbeOutcome outcome, guint status)
{
  SipProxy *p = pt->p;
  if (pt->txn)
    sip_txn_set_func (pt->txn, NULL, NULL);
  g_ptr_array_remove_fast (p->probes_live, pt);
  SipProxyProbe rec = pt->rec;            /* the strings move to p->probes */
  g_free (pt);
  rec.done_at = host_now (p->host);
  rec.outcome = outcome;
  rec.status = status;
  rec.reached = outcome == SIP_PROXY_PROBE_OK;
  if (rec.reached)
    p->stats.probes_reached++;
  else
    p->stats.probes_failed++;
  host_trace (p->host, "proxy probe %s %s %s %u", rec.aor, rec.contact,
              sip_proxy_probe_outcome_to_string (outcome), status);
  if (p->keep_probes)
    g_array_append_val (p->probes, rec);
  if (p->probe_func)
    p->probe_func (p, &rec, p->probe_data);
  if (!p->keep_probes)
    probe_clear (&rec);
}

static void
probe_func (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  ProbeTx *pt = u;
  switch (ev->outcome)
    {
    case SIP_TXN_RESPONSE:
      if (ev->status >= 200)
        probe_finish (pt, SIP_PROXY_PROBE_OK, ev->status);
      break;
    case SIP_TXN_TIMEOUT:
      probe_finish (pt, SIP_PROXY_PROBE_TIMEOUT, 0);
      break;
    case SIP_TXN_TRANSPORT_ERROR:
      probe_finish (pt, SIP_PROXY_PROBE_TRANSPORT_ERROR, 0);
      break;
    case SIP_TXN_TERMINATED:
      /* Ended without a report (reports detach it first). */
      pt->txn = NULL;
      probe_finish (pt, SIP_PROXY_PROBE_ABORTED, 0);
      break;
    }
}

static void
binding_probe_fire (HostTimer *t, gpointer u)
{
  Binding *b = u;
  SipProxy *p = b->p;
  probe_arm (p, b);
  if (is_down (p))
    {
      p->stats.probes_skipped++;
      return;
    }
  p->stats.probes_sent++;
  /* malloc and memset, not calloc: see txn_alloc(). */
  ProbeTx *pt = memset (g_new (ProbeTx, 1), 0, sizeof (ProbeTx));
  pt->p = p;
  pt->rec.sent_at = host_now (p->host);
  pt->rec.aor = g_strdup (b->aor);
  pt->rec.contact = g_strdup (b->contact);
  pt->rec.to = b->source;
  g_ptr_array_add (p->probes_live, pt);
  if (b->reliable && b->flow == 0)
    {
      probe_finish (pt, SIP_PROXY_PROBE_NO_FLOW, 0);
      return;
    }

  SimIp4 local = 0;
  host_get_local_addr (p->host, b->source.ip, &local);
  char lip[SIM_IP4_STRLEN];
  sim_ip4_to_string (local, lip);
  g_autofree char *branch = sip_gen_branch (&p->rng);
  g_autofree char *tag = sip_gen_tag (&p->rng);
  g_autofree char *cid = sip_gen_call_id (&p->rng, lip);
  SipBuilder *mb = sip_builder_request (SIP_METHOD_OPTIONS, NULL, b->contact);
  SipTransportProto proto = sip_transport_flow_get_proto (p->tp, b->flow);
  sip_builder_add_via (mb, sip_transport_proto_to_string (proto), lip,
                       proto == SIP_TRANSPORT_TLS ? proxy_tls_port (p) : p->cfg.port, branch,
                       TRUE);
  sip_builder_add (mb, "Max-Forwards", "70");
  sip_builder_add (mb, "From", "<sip:probe@%s>;tag=%s", p->realm, tag);
  sip_builder_add (mb, "To", "<sip:%s>", b->aor);
  sip_builder_add (mb, "Call-ID", "%s", cid);
  sip_builder_add (mb, "CSeq", "1 OPTIONS");
  g_autoptr (SipMsg) msg = sip_builder_finish_msg (mb);
  SipTxnPeer to = { .addr = b->source, .reliable = b->reliable,
                    .flow = sip_flow_to_handle (b->flow) };
  pt->txn = sip_txn_client_new (p->layer, msg, &to, NULL, probe_func, pt);
  if (pt->txn == NULL)
    probe_finish (pt, SIP_PROXY_PROBE_ABORTED, 0);
}

/* ------------------------------------------------------------ transport */

/* Everything below the transaction layer is the SipTransport's
 * (models/sip/transport.h): it classifies datagrams, frames streams,
 * answers STUN (with the stun setting) and CRLF pings, and tells us when a
 * flow fails. */

/* The header @name (or its compact form @compact, 0 for none) of a raw
 * header line, else NULL; the value after the colon otherwise. */
static const char *
raw_header_value (const char *line, const char *name, char compact)
{
  const char *colon = strchr (line, ':');
  if (colon == NULL)
    return NULL;
  gsize n = (gsize) (colon - line);
  while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
    n--;
  gboolean hit = (n == strlen (name) && g_ascii_strncasecmp (line, name, n) == 0)
                 || (compact && n == 1 && g_ascii_tolower (line[0]) == compact);
  return hit ? colon + 1 : NULL;
}

/* Note 3: a request that did not parse gets 400 when its raw text still
 * shows a request line ("METHOD URI SIP/2.0") and the Via, From, To,
 * Call-ID and CSeq lines a response copies (§8.2.6.2), CSeq not ACK.
 * Those lines are copied as they are (folding undone), To gets a tag.
 * Returns whether an answer was sent. */
static gboolean
bad_request_400 (SipProxy *p, const guint8 *data, gsize len, const SipTxnPeer *from)
{
  if (memchr (data, '\0', len) != NULL)
    return FALSE;                       /* not text */
  g_autofree char *text = g_strndup ((const char *) data, len);
  char *body = strstr (text, "\r\n\r\n");
  if (body)
    *body = '\0';
  g_auto (GStrv) raw = g_strsplit (text, "\r\n", -1);
  if (raw[0] == NULL || !g_str_has_suffix (raw[0], " SIP/2.0"))
    return FALSE;
  g_auto (GStrv) start = g_strsplit (raw[0], " ", -1);
  if (g_strv_length (start) != 3 || !g_regex_match_simple ("^[A-Za-z]+$", start[0], 0, 0)
      || g_ascii_strcasecmp (start[0], "ACK") == 0)
    return FALSE;
  /* Undo folding: a line starting with SP or HT continues the previous. */
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 1; raw[i] && raw[i][0]; i++)
    {
      if ((raw[i][0] == ' ' || raw[i][0] == '\t') && lines->len)
        {
          char *prev = lines->pdata[lines->len - 1];
          lines->pdata[lines->len - 1] = g_strconcat (prev, " ", g_strstrip (raw[i]), NULL);
          g_free (prev);
        }
      else
        g_ptr_array_add (lines, g_strdup (raw[i]));
    }
  static const struct { const char *name; char compact; } need[] = {
    { "Via", 'v' }, { "From", 'f' }, { "To", 't' }, { "Call-ID", 'i' }, { "CSeq", 0 },
  };
  GString *out = g_string_new ("SIP/2.0 400 Bad Request\r\n");
  for (guint k = 0; k < G_N_ELEMENTS (need); k++)
    {
      guint found = 0;
      for (guint i = 0; i < lines->len; i++)
        {
          const char *v = raw_header_value (lines->pdata[i], need[k].name, need[k].compact);
          if (v == NULL)
            continue;
          g_autofree char *val = g_strstrip (g_strdup (v));
          if (k == 2 && !strstr (val, "tag="))
            {
              g_autofree char *tag = sip_gen_tag (&p->rng);
              g_string_append_printf (out, "To: %s;tag=%s\r\n", val, tag);
            }
          else
            g_string_append_printf (out, "%s: %s\r\n", need[k].name, val);
          found++;
          if (k != 0)
            break;            /* only Via may repeat */
        }
      if (found == 0)
        {
          g_string_free (out, TRUE);
          return FALSE;
        }
    }
  g_string_append (out, "Content-Length: 0\r\n\r\n");
  sip_transport_send (p->tp, from, (const guint8 *) out->str, out->len);
  g_string_free (out, TRUE);
  p->stats.malformed_400++;
  count_status (p, 400);
  return TRUE;
}

static void
on_tp_message (SipTransport *tp, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  SipProxy *p = u;
  sip_txn_layer_receive (p->layer, msg, from);
}

/* SIP that did not parse (counted by the transport): 400 when possible
 * (note 3). */
static void
on_tp_malformed (SipTransport *tp, const guint8 *data, gsize len, const GError *err,
                 const SipTxnPeer *from, gpointer u)
{
  SipProxy *p = u;
  gboolean answered = bad_request_400 (p, data, len, from);
  host_trace (p->host, "proxy malformed SIP: %s%s", err ? err->message : "?",
              answered ? " (400 sent)" : "");
}

/* STUN the transport did not answer: with the stun setting off (Kamailio
 * without its stun module, Asterisk) a request is read and dropped. */
static void
on_tp_stun (SipTransport *tp, const guint8 *data, gsize len, const SipTxnPeer *from,
            gpointer u)
{
  SipProxy *p = u;
  if (!p->cfg.stun)
    p->stats.stun_ignored++;
}

/* The bindings made over @flow lose it (their probes then find no flow,
 * proxy.h note 9); the transactions on it end with a transport error. */
static void
on_tp_flow (SipTransport *tp, const SipFlowEvent *ev, gpointer u)
{
  SipProxy *p = u;
  if (ev->kind != SIP_FLOW_DOWN)
    return;
  sip_txn_layer_transport_error (p->layer, sip_flow_to_handle (ev->flow), NULL, ev->error);
  GPtrArray *a = g_hash_table_lookup (p->by_flow, GUINT_TO_POINTER (ev->flow));
  while (a != NULL && a->len > 0)
    {
      Binding *b = a->pdata[a->len - 1];
      binding_set_flow (p, b, 0);
      a = g_hash_table_lookup (p->by_flow, GUINT_TO_POINTER (ev->flow));
    }
}

static void
on_tp_udp_error (SipTransport *tp, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  SipProxy *p = u;
  sip_txn_layer_transport_error (p->layer, NULL, remote, err);
}

/* --------------------------------------------------------------- faults */

static void
on_ack (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  SipProxy *p = u;
  if (p->state != SIP_PROXY_FAULT_REJECT)
    proxy_forward_ack (p->fwd, msg, from);
}

static void
on_stray (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  SipProxy *p = u;
  if (p->state != SIP_PROXY_FAULT_REJECT)
    proxy_forward_stray (p->fwd, msg, from);
}

static void
layer_new (SipProxy *p)
{
  p->layer = sip_txn_layer_new (p->host, &p->cfg.txn, sip_transport_txn_send, p->tp);
  SipTxnTuFuncs tu = { .request = on_request, .ack = on_ack, .stray_response = on_stray };
  sip_txn_layer_set_tu (p->layer, &tu, p);
  proxy_forward_reset (p->fwd, p->layer);
  proxy_subs_reset (p->subs, p->layer, FALSE);
}

/* Note 2: forget every transaction. */
static void
layer_reset (SipProxy *p)
{
  host_timer_cancel (&p->service);
  p->in_service = NULL;
  g_queue_clear (&p->queue);
  while (p->works->len)
    work_free (p->works->pdata[p->works->len - 1]);
  while (p->probes_live->len)
    probe_finish (p->probes_live->pdata[p->probes_live->len - 1], SIP_PROXY_PROBE_ABORTED, 0);
  proxy_forward_reset (p->fwd, NULL);       /* forward.h note 4 */
  sip_txn_layer_free (p->layer);
  layer_new (p);
}

static void
restart_done (HostTimer *t, gpointer u)
{
  sip_proxy_fault (u, SIP_PROXY_FAULT_RECOVER);
}

/* Opens the TCP listener on port and the TLS one on tls_port (port + 1
 * if 0), as configured. */
static gboolean
proxy_listen (SipProxy *p, GError **error)
{
  if (p->cfg.tcp && !sip_transport_listen (p->tp, SIP_TRANSPORT_TCP, p->cfg.port, error))
    return FALSE;
  if (p->cfg.tls && !sip_transport_listen (p->tp, SIP_TRANSPORT_TLS, proxy_tls_port (p), error))
    return FALSE;
  p->listening = TRUE;
  return TRUE;
}

/* What going down does to the TCP connections (proxy.h note 7).  The
 * transport reports nothing for flows it is told to drop, so the bindings
 * lose their flows here. */
static void
conns_fate (SipProxy *p, SipProxyConnFate fate)
{
  if (fate == SIP_PROXY_CONNS_HANG)
    return;
  sip_transport_drop_flows (p->tp, fate == SIP_PROXY_CONNS_RESET ? SIP_TRANSPORT_DROP_RESET
                                                                 : SIP_TRANSPORT_DROP_SILENT);
  for (guint i = 0; i < p->bindings->len; i++)
    binding_set_flow (p, p->bindings->pdata[i], 0);
  if (fate == SIP_PROXY_CONNS_RESET && p->listening)
    {
      /* No process, no listening socket: SYNs are refused until it is back. */
      sip_transport_listen_stop (p->tp);
      p->listening = FALSE;
    }
}

void
sip_proxy_fault (SipProxy *p, SipProxyFault fault)
{
  g_return_if_fail (p != NULL);
  host_trace (p->host, "proxy fault %s", sip_proxy_fault_to_string (fault));
  host_timer_cancel (&p->restart);
  gboolean was_down = is_down (p);
  gboolean was_killed = p->state == SIP_PROXY_FAULT_KILL;
  p->state = fault;
  if (was_killed && fault != SIP_PROXY_FAULT_KILL)
    {
      /* Started again: listening on the same port, nothing remembered. */
      g_autoptr (GError) err = NULL;
      if (!open_sockets (p, &err))
        host_log (p->host, SIM_LOG_WARNING, "proxy restart after kill failed: %s",
                  err->message);
    }
  switch (fault)
    {
    case SIP_PROXY_FAULT_KILL:
      if (was_killed)
        break;
      layer_reset (p);
      proxy_subs_reset (p->subs, p->layer, TRUE);   /* subscriptions.h note 2 */
      p->stats.bindings_lost += p->bindings->len;
      while (p->bindings->len)
        binding_remove (p, p->bindings->pdata[p->bindings->len - 1]);
      /* The sockets go with the process: the kernel resets the
       * connections and answers ICMP port unreachable (UDP) and RST (TCP)
       * from now on (sim/net/node.c). */
      sip_transport_drop_flows (p->tp, SIP_TRANSPORT_DROP_RESET);
      for (guint i = 0; i < p->bindings->len; i++)
        binding_set_flow (p, p->bindings->pdata[i], 0);
      sip_transport_listen_stop (p->tp);
      p->listening = FALSE;
      sip_transport_udp_close (p->tp);
      break;
    case SIP_PROXY_FAULT_CRASH:
      if (!was_down)
        layer_reset (p);
      sip_transport_set_deaf (p->tp, TRUE);
      conns_fate (p, p->cfg.crash_conns);
      break;
    case SIP_PROXY_FAULT_RESTART:
      layer_reset (p);
      proxy_subs_reset (p->subs, p->layer, TRUE);   /* subscriptions.h note 2 */
      p->stats.bindings_lost += p->bindings->len;
      while (p->bindings->len)
        binding_remove (p, p->bindings->pdata[p->bindings->len - 1]);
      sip_transport_set_deaf (p->tp, TRUE);
      conns_fate (p, p->cfg.restart_conns);
      host_timer_start (&p->restart, p->cfg.restart_downtime);
      break;
    case SIP_PROXY_FAULT_RECOVER:
    case SIP_PROXY_FAULT_REJECT:
    case SIP_PROXY_FAULT_SLOW:
      if (was_down)
        {
          sip_transport_set_deaf (p->tp, FALSE);
          if (!p->listening)
            proxy_listen (p, NULL);
        }
      break;
    }
}

static void
sched_fire (HostTimer *t, gpointer u)
{
  Sched *s = u;
  SipProxy *p = s->p;
  SipProxyFault f = s->fault;
  g_ptr_array_remove_fast (p->scheds, s);
  g_free (s);
  sip_proxy_fault (p, f);
}

void
sip_proxy_schedule_fault (SipProxy *p, SimTime at, SipProxyFault fault)
{
  g_return_if_fail (p != NULL);
  g_return_if_fail (at >= host_now (p->host));
  Sched *s = g_new0 (Sched, 1);
  s->p = p;
  s->fault = fault;
  host_timer_init (p->host, &s->timer, sched_fire, s);
  host_timer_start (&s->timer, at - host_now (p->host));
  g_ptr_array_add (p->scheds, s);
}

guint
sip_proxy_schedule_random_faults (SipProxy *p, SimTime mtbf, SimTime mttr,
                                  SipProxyFault fault, SimTime until)
{
  g_return_val_if_fail (p != NULL && mtbf > 0, 0);
  g_return_val_if_fail (fault != SIP_PROXY_FAULT_RECOVER, 0);
  g_return_val_if_fail (fault == SIP_PROXY_FAULT_RESTART || mttr > 0, 0);
  SimTime t = host_now (p->host);
  guint n = 0;
  for (;;)
    {
      t += sim_time_from_s (sim_rng_exponential (&p->fault_rng, sim_time_to_s (mtbf)));
      if (t >= until)
        break;
      sip_proxy_schedule_fault (p, t, fault);
      n++;
      if (fault == SIP_PROXY_FAULT_RESTART)
        t += p->cfg.restart_downtime;
      else
        {
          t += sim_time_from_s (sim_rng_exponential (&p->fault_rng, sim_time_to_s (mttr)));
          sip_proxy_schedule_fault (p, t, SIP_PROXY_FAULT_RECOVER);
        }
    }
  return n;
}

/* ------------------------------------------------------------ lifecycle */

static void
probe_clear (gpointer data)
{
  SipProxyProbe *pr = data;
  g_free (pr->aor);
  g_free (pr->contact);
}

/* The location service for forward.c (forward.h note 2): the AOR's
 * newest binding (the last in its array), its flow and contact. */
static gboolean
proxy_locate (gpointer data, const char *aor, SipTxnPeer *flow, char **contact_out)
{
  SipProxy *p = data;
  GPtrArray *a = aor_bindings (p, aor);
  if (a == NULL || a->len == 0)
    return FALSE;
  Binding *b = a->pdata[a->len - 1];
  if (b->reliable && b->flow == 0)
    return FALSE;                        /* its connection is gone */
  flow->addr = b->source;
  flow->reliable = b->reliable;
  flow->flow = sip_flow_to_handle (b->flow);    /* UDP: 0, no flow */
  *contact_out = g_strdup (b->contact);
  return TRUE;
}

/* forward.h note 2: an in-dialog request to a registered contact goes
 * over that binding's flow.  Linear in the bindings. */
static gboolean
proxy_locate_contact (gpointer data, const SipUri *uri, SipTxnPeer *flow)
{
  SipProxy *p = data;
  for (guint i = 0; i < p->bindings->len; i++)
    {
      Binding *b = p->bindings->pdata[i];
      if (!sip_uri_equal (&b->uri, uri) || (b->reliable && b->flow == 0))
        continue;
      flow->addr = b->source;
      flow->reliable = b->reliable;
      flow->flow = sip_flow_to_handle (b->flow);
      return TRUE;
    }
  return FALSE;
}

void
sip_proxy_get_call_stats (const SipProxy *p, SipProxyCallStats *out)
{
  const ProxyForwardStats *f = proxy_forward_get_stats (p->fwd);
  *out = (SipProxyCallStats) { .forwarded = f->forwarded, .not_found = f->not_found,
                               .timeouts = f->timeouts, .acks_forwarded = f->acks_forwarded,
                               .ok_forwarded = f->ok_forwarded, .cancels = f->cancels,
                               .subscriptions = proxy_subs_count (p->subs),
                               .notifies_sent = proxy_subs_notifies_sent (p->subs) };
}

/* The UDP socket and (with tcp, tls) the listeners on the configured
 * ports, all the transport's. */
static gboolean
open_sockets (SipProxy *p, GError **error)
{
  if (!sip_transport_udp_bind (p->tp, p->cfg.port, error))
    return FALSE;
  return proxy_listen (p, error);
}

SipProxy *
sip_proxy_new (SimHost *host, const SipProxyConfig *cfg, GError **error)
{
  g_return_val_if_fail (host != NULL, NULL);
  SipProxyConfig def;
  if (cfg == NULL)
    {
      sip_proxy_config_init (&def);
      cfg = &def;
    }
  g_return_val_if_fail (cfg->capacity_rps >= 0 && cfg->probe_rate >= 0, NULL);
  g_return_val_if_fail (cfg->n_users == 0 || cfg->users != NULL, NULL);

  SipProxy *p = g_new0 (SipProxy, 1);
  p->host = host;
  p->cfg = *cfg;
  p->realm = g_strdup (cfg->realm ? cfg->realm : "sipsim.test");
  p->cfg.realm = p->realm;
  p->cfg.users = NULL;             /* copied into the hash table */
  p->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < cfg->n_users; i++)
    g_hash_table_replace (p->users, g_strdup (cfg->users[i].user),
                          g_strdup (cfg->users[i].password));
  host_rng_init (host, &p->rng, "proxy");
  host_rng_init (host, &p->probe_rng, "proxy-probes");
  host_rng_init (host, &p->fault_rng, "proxy-faults");
  SipDigestServerConfig dc = { .realm = p->realm, .algorithm = SIP_DIGEST_MD5,
                               .qop_auth = TRUE, .nonce_lifetime = cfg->nonce_lifetime };
  p->digest = sip_digest_server_new (&dc, &p->rng);
  p->by_flow = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                      (GDestroyNotify) g_ptr_array_unref);
  p->bindings = g_ptr_array_new ();
  /* Looked up several times per REGISTER, never iterated (note 5 keeps
   * the order that matters in p->bindings), so sip_str_hash's order is
   * not seen. */
  p->by_aor = g_hash_table_new_full (sip_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) g_ptr_array_unref);
  p->works = g_ptr_array_new ();
  p->probes_live = g_ptr_array_new ();
  p->scheds = g_ptr_array_new ();
  p->probes = g_array_new (FALSE, TRUE, sizeof (SipProxyProbe));
  g_array_set_clear_func (p->probes, probe_clear);
  p->keep_probes = TRUE;
  g_queue_init (&p->queue);
  host_timer_init (host, &p->service, service_done, p);
  host_timer_init (host, &p->restart, restart_done, p);
  SipTransportConfig tc;
  sip_transport_config_init (&tc);
  tc.tag = "proxy";
  tc.stun_server = cfg->stun;            /* RFC 5626 §8.4, a setting */
  tc.idle_timeout = cfg->tcp_idle_timeout;
  tc.tls.max_version = cfg->tls_max_version;
  tc.tls.cert_trusted = cfg->tls_cert_trusted;
  SipTransportFuncs tf = { .message = on_tp_message, .malformed = on_tp_malformed,
                           .stun = on_tp_stun, .flow = on_tp_flow,
                           .udp_error = on_tp_udp_error };
  p->tp = sip_transport_new (host, &tc, &tf, p);
  ProxyForwardConfig fc = { .host = host, .rng = &p->rng, .port = cfg->port,
                            .domain = p->realm, .record_route = cfg->record_route,
                            .txn = cfg->txn, .tp = p->tp, .locate = proxy_locate,
                            .locate_contact = proxy_locate_contact, .locate_data = p };
  p->fwd = proxy_forward_new (&fc);
  p->subs = proxy_subs_new (host, &p->rng, p->tp, cfg->port, cfg->max_expires, &cfg->txn);
  layer_new (p);

  if (!open_sockets (p, error))
    {
      sip_proxy_free (p);
      return NULL;
    }
  return p;
}

void
sip_proxy_free (SipProxy *p)
{
  if (p == NULL)
    return;
  p->probe_func = NULL;            /* no callbacks from inside free */
  layer_reset (p);
  proxy_forward_free (g_steal_pointer (&p->fwd));
  proxy_subs_free (g_steal_pointer (&p->subs));
  sip_txn_layer_free (p->layer);
  host_timer_cancel (&p->restart);
  while (p->bindings->len)
    binding_remove (p, p->bindings->pdata[p->bindings->len - 1]);
  while (p->scheds->len)
    {
      Sched *s = p->scheds->pdata[p->scheds->len - 1];
      host_timer_cancel (&s->timer);
      g_ptr_array_remove_fast (p->scheds, s);
      g_free (s);
    }
  sip_transport_free (p->tp);
  sip_digest_server_free (p->digest);
  g_hash_table_unref (p->users);
  g_hash_table_unref (p->by_flow);
  g_ptr_array_unref (p->bindings);
  g_hash_table_unref (p->by_aor);
  g_ptr_array_unref (p->works);
  g_ptr_array_unref (p->probes_live);
  g_ptr_array_unref (p->scheds);
  g_array_unref (p->probes);
  g_free (p->realm);
  g_free (p);
}

/* -------------------------------------------------------------- queries */

const SipProxyStats *
sip_proxy_get_stats (const SipProxy *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  /* The receive-side counters are the transport's; copied on demand
   * into the proxy's (logically const) stats record. */
  SipProxyStats *st = (SipProxyStats *) &p->stats;
  const SipTransportStats *ts = sip_transport_get_stats (p->tp);
  st->datagrams = ts->datagrams;
  st->stream_frames = ts->stream_frames;
  st->malformed = ts->malformed + p->malformed_extra;
  st->dropped_down = ts->dropped_deaf;
  st->stun_answered = ts->stun_answered;
  st->pings_answered = ts->pings_answered;
  st->keepalives = ts->keepalives;
  return &p->stats;
}

SipProxyFault
sip_proxy_get_state (const SipProxy *p)
{
  g_return_val_if_fail (p != NULL, SIP_PROXY_FAULT_RECOVER);
  return p->state;
}

guint
sip_proxy_binding_count (const SipProxy *p)
{
  g_return_val_if_fail (p != NULL, 0);
  return p->bindings->len;
}

guint
sip_proxy_aor_binding_count (const SipProxy *p, const char *aor)
{
  g_return_val_if_fail (p != NULL && aor != NULL, 0);
  GPtrArray *a = aor_bindings (p, aor);
  return a ? a->len : 0;
}

gboolean
sip_proxy_lookup (const SipProxy *p, const char *aor, const char *contact,
                  SimTime *expires_at, SimSockAddr *flow)
{
  g_return_val_if_fail (p != NULL && aor != NULL && contact != NULL, FALSE);
  SipUri u;
  if (!sip_uri_parse (contact, strlen (contact), &u, NULL))
    return FALSE;
  GPtrArray *a = aor_bindings (p, aor);
  for (guint i = 0; a != NULL && i < a->len; i++)
    {
      Binding *b = a->pdata[i];
      if (sip_uri_equal (&b->uri, &u))
        {
          if (expires_at)
            *expires_at = b->expires_at;
          if (flow)
            *flow = b->source;
          return TRUE;
        }
    }
  return FALSE;
}

const GArray *
sip_proxy_get_probes (const SipProxy *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return p->probes;
}

void
sip_proxy_set_keep_probes (SipProxy *p, gboolean keep)
{
  g_return_if_fail (p != NULL);
  p->keep_probes = keep;
}

void
sip_proxy_set_probe_func (SipProxy *p, SipProxyProbeFunc func, gpointer user_data)
{
  g_return_if_fail (p != NULL);
  p->probe_func = func;
  p->probe_data = user_data;
}
