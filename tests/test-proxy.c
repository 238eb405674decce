/*
 * tests/test-proxy.c - the registrar model (models/proxy) on the simulated
 * network, with a scripted UA that speaks real SIP and STUN bytes.
 *
 *   UA 10.0.1.2 ──L── router ──L── 10.0.2.2 registrar     (L = 10 ms)
 *
 * (section 8 makes the router a NAT whose outside is 10.0.2.1)
 *
 * so a request reaches the registrar 2L after it leaves and its answer is
 * back 4L after.  Expected values are computed from the rules (RFC 3261
 * §10.3, §17, §21, §22; RFC 3581; RFC 5389 §10; RFC 5626), never copied
 * from the code's output.
 */
#include <math.h>
#include <string.h>

#include "sim/host/host-sim.h"
#include "models/nat/nat.h"
#include "models/proxy/proxy.h"
#include "models/sip/builder.h"
#include "models/sip/digest.h"
#include "models/sip/framing.h"
#include "models/sip/transaction.h"
#include "models/sip/transport.h"
#include "models/stun/msg.h"
#include "tests/net-fixture.h"
#include "tests/recording-peer.h"
#include "tests/sip-test-udp.h"

#define L        SIM_MS (10)
#define ONE_WAY  (2 * L)
#define RTT      (4 * L)
#define UA_PORT  5062
#define T1       SIM_MS (500)
#define DOMAIN   "sipsim.test"

/* ================================================================ UA */

typedef struct Ua Ua;

/* One request the UA sent and what came of it. */
typedef struct {
  Ua         *ua;
  SimTime     sent_at;
  SipMsg     *final;          /* final response, or NULL */
  SimTime     final_at;
  char        timer;          /* 'F' on timeout */
  SimTime     timeout_at;
  SimNetError error;
} Req;

struct Ua {
  SimHost     *host;
  SimHostUdp  *udp;
  SipTxnLayer *layer;
  SimRng       rng;
  SimSockAddr  server;
  gboolean     answer_options;
  guint        options_rx;
  guint        cseq;
  GPtrArray   *reqs;          /* Req * */
  GPtrArray   *stun;          /* GBytes * received */
  guint        pongs;
  SimTime      pong_at;
};

static SimNetError
ua_send (SipTxnLayer *layer, const SipTxnPeer *to, const guint8 *data, gsize len, gpointer u)
{
  Ua *ua = u;
  return host_udp_sendto (ua->udp, &to->addr, data, len, NULL) ? SIM_NET_OK
                                                               : SIM_NET_ERR_NO_ROUTE;
}

static void
ua_request (SipTxnLayer *layer, SipTxn *txn, SipMsg *req, const SipTxnPeer *from, gpointer u)
{
  Ua *ua = u;
  if (sip_msg_method (req) != SIP_METHOD_OPTIONS)
    return;
  ua->options_rx++;
  if (!ua->answer_options)
    return;                       /* silent: the NIST waits for ever */
  g_autoptr (SipMsg) r = sip_builder_finish_msg (sip_builder_response (req, 200, NULL, "ua1"));
  g_assert_true (sip_txn_respond (txn, r));
}

static void
ua_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  Ua *ua = u;
  switch (sip_test_udp_deliver (ua->layer, s, from, data, len))
    {
    case SIP_DGRAM_SIP:
      break;
    case SIP_DGRAM_STUN:
      g_ptr_array_add (ua->stun, g_bytes_new (data, len));
      break;
    case SIP_DGRAM_PONG:
      ua->pongs++;
      ua->pong_at = host_now (ua->host);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
ua_error (SimHostUdp *s, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  Ua *ua = u;
  sip_txn_layer_transport_error (ua->layer, s, remote, err);
}

static void
ua_init (Ua *ua, SimHost *host, SimIp4 server_ip, guint16 port)
{
  memset (ua, 0, sizeof *ua);
  ua->host = host;
  ua->answer_options = TRUE;
  ua->server = (SimSockAddr) { server_ip, 5060 };
  host_rng_init (host, &ua->rng, "ua");
  SimSockAddr local = { 0, port };
  ua->udp = host_udp_open (host, &local, ua_recv, ua_error, ua, NULL);
  g_assert_nonnull (ua->udp);
  ua->layer = sip_txn_layer_new (host, NULL, ua_send, ua);
  SipTxnTuFuncs tu = { .request = ua_request };
  sip_txn_layer_set_tu (ua->layer, &tu, ua);
  ua->reqs = g_ptr_array_new ();
  ua->stun = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

static void
ua_clear (Ua *ua)
{
  sip_txn_layer_free (ua->layer);
  host_udp_close (ua->udp);
  for (guint i = 0; i < ua->reqs->len; i++)
    {
      Req *r = ua->reqs->pdata[i];
      sip_msg_unref (r->final);
      g_free (r);
    }
  g_ptr_array_unref (ua->reqs);
  g_ptr_array_unref (ua->stun);
}

static void
req_func (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  Req *r = u;
  SimTime now = host_now (r->ua->host);
  if (ev->outcome == SIP_TXN_RESPONSE && ev->status >= 200 && r->final == NULL)
    {
      r->final = sip_msg_ref (ev->msg);
      r->final_at = now;
    }
  else if (ev->outcome == SIP_TXN_TIMEOUT)
    {
      r->timer = ev->timer;
      r->timeout_at = now;
    }
  else if (ev->outcome == SIP_TXN_TRANSPORT_ERROR)
    r->error = ev->error;
}

/* Sends a request built as the UA builds it: @method to the registrar,
 * AOR sip:@user@sipsim.test, Via sent-by @via_host:5060 with rport, Call-ID
 * "@user-call" (or @call_id), CSeq from the UA's counter (or @cseq > 0),
 * and the @extra header lines ("Name: value\r\n..."; NULL none). */
static Req *
ua_send_req_via (Ua *ua, SipMethod method, const char *user, const char *via_host,
                 guint16 via_port, gboolean rport, const char *call_id, guint cseq,
                 const char *extra)
{
  g_autofree char *branch = sip_gen_branch (&ua->rng);
  SipBuilder *b = sip_builder_request (method, NULL, "sip:" DOMAIN);
  sip_builder_add_via (b, "UDP", via_host ? via_host : "10.0.1.2", via_port, branch, rport);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_add (b, "From", "<sip:%s@" DOMAIN ">;tag=f%s", user, user);
  sip_builder_add (b, "To", "<sip:%s@" DOMAIN ">", user);
  if (call_id)
    sip_builder_add (b, "Call-ID", "%s", call_id);
  else
    sip_builder_add (b, "Call-ID", "%s-call@10.0.1.2", user);
  sip_builder_add (b, "CSeq", "%u %s", cseq ? cseq : ++ua->cseq, sip_method_to_string (method));
  if (extra)
    {
      g_auto (GStrv) lines = g_strsplit (extra, "\r\n", -1);
      for (guint i = 0; lines[i]; i++)
        {
          char *colon = strchr (lines[i], ':');
          if (!colon)
            continue;
          *colon = 0;
          sip_builder_add (b, lines[i], "%s", g_strstrip (colon + 1));
        }
    }
  g_autoptr (SipMsg) msg = sip_builder_finish_msg (b);
  g_assert_nonnull (msg);
  Req *r = g_new0 (Req, 1);
  r->ua = ua;
  r->sent_at = host_now (ua->host);
  g_ptr_array_add (ua->reqs, r);
  SipTxnPeer to = { .addr = ua->server, .flow = ua->udp };
  g_assert_nonnull (sip_txn_client_new (ua->layer, msg, &to, NULL, req_func, r));
  return r;
}

/* The usual request: Via sent-by @via_host:5060 with ;rport. */
static Req *
ua_send_req (Ua *ua, SipMethod method, const char *user, const char *via_host,
             const char *call_id, guint cseq, const char *extra)
{
  return ua_send_req_via (ua, method, user, via_host, 5060, TRUE, call_id, cseq, extra);
}

/* REGISTER of <sip:@user@10.0.1.2:5062> with contact params @cparams
 * (e.g. ";expires=60", "" none) and Expires header @expires (-1 none). */
static Req *
ua_register (Ua *ua, const char *user, const char *cparams, gint64 expires, const char *more)
{
  g_autoptr (GString) extra = g_string_new (NULL);
  g_string_append_printf (extra, "Contact: <sip:%s@10.0.1.2:%u>%s\r\n", user, UA_PORT,
                          cparams ? cparams : "");
  if (expires >= 0)
    g_string_append_printf (extra, "Expires: %" G_GINT64_FORMAT "\r\n", expires);
  if (more)
    g_string_append (extra, more);
  return ua_send_req (ua, SIP_METHOD_REGISTER, user, NULL, NULL, 0, extra->str);
}

/* ============================================================ fixture */

typedef struct {
  NetFixture f;
  SimHost   *ch, *sh;
  SipProxy  *proxy;
  Ua         ua;
} Fx;

static void
fx_init_seed (Fx *x, const SipProxyConfig *cfg, guint64 seed)
{
  net_fixture_init (&x->f, seed, L);
  x->ch = sim_host_new (x->f.client, "ua");
  x->sh = sim_host_new (x->f.server, "registrar");
  g_autoptr (GError) err = NULL;
  x->proxy = sip_proxy_new (x->sh, cfg, &err);
  g_assert_no_error (err);
  ua_init (&x->ua, x->ch, x->f.server_ip, UA_PORT);
}

static void
fx_init (Fx *x, const SipProxyConfig *cfg)
{
  fx_init_seed (x, cfg, 1);
}

static void
fx_clear (Fx *x)
{
  ua_clear (&x->ua);
  sip_proxy_free (x->proxy);
  host_free (x->ch);
  host_free (x->sh);
  net_fixture_clear (&x->f);
}

static void
fx_run (Fx *x, SimTime d)
{
  sim_world_run_for (x->f.world, d);
}

static SimTime
now (Fx *x)
{
  return sim_world_now (x->f.world);
}

static guint
status_of (const Req *r)
{
  g_assert_nonnull (r->final);
  return sip_msg_status (r->final);
}

/* The expires of the response Contact whose URI is @uri, or -1. */
static gint64
contact_expires (const SipMsg *m, const char *uri)
{
  for (guint i = 0; i < sip_msg_contact_count (m); i++)
    {
      const SipContact *c = sip_msg_contact (m, i);
      if (sip_str_eq (c->addr.uri_str, uri))
        return c->expires;
    }
  return -1;
}

#define INSTANCE "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"
#define CONTACT(user) "sip:" user "@10.0.1.2:5062"
#define AOR(user)     user "@" DOMAIN

/* ========================================================= 1-register */

static void
test_register_granted (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  Fx x;
  fx_init (&x, &cfg);
  /* Expires header 1800 (<= max 7200): granted 1800. */
  Req *a = ua_register (&x.ua, "1001", "", 1800, NULL);
  /* Contact param 100000 wins over the header and is cut to max_expires. */
  Req *b = ua_register (&x.ua, "1002", ";expires=100000", 1800, NULL);
  /* Nothing: the default, 3600 (§10.3 step 7). */
  Req *c = ua_register (&x.ua, "1003", "", -1, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (a), ==, 200);
  g_assert_cmpint (a->final_at - a->sent_at, ==, RTT);
  g_assert_cmpint (contact_expires (a->final, CONTACT ("1001")), ==, MIN (1800, cfg.max_expires));
  g_assert_cmpint (contact_expires (b->final, CONTACT ("1002")), ==, cfg.max_expires);
  g_assert_cmpint (contact_expires (c->final, CONTACT ("1003")), ==, 3600);
  /* §8.2.6.2: the 200 carries a To tag. */
  g_assert_true (sip_str_present (sip_msg_to (a->final)->tag));
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 3);
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->bindings_created, ==, 3);
  fx_clear (&x);
}

static void
test_register_423 (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.min_expires = 120;
  Fx x;
  fx_init (&x, &cfg);
  Req *a = ua_register (&x.ua, "1001", "", 119, NULL);
  Req *b = ua_register (&x.ua, "1002", "", 120, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (a), ==, 423);
  g_assert_cmpint (sip_msg_min_expires (a->final), ==, 120);
  g_assert_cmpuint (status_of (b), ==, 200);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1001")), ==, 0);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1002")), ==, 1);
  fx_clear (&x);
}

static void
test_register_expiry_exact (void)
{
  Fx x;
  fx_init (&x, NULL);
  const gint64 e = 300;
  Req *a = ua_register (&x.ua, "1001", "", e, NULL);
  SimTime t_reg = a->sent_at + ONE_WAY;     /* when the registrar got it */
  fx_run (&x, SIM_S (1));
  SimTime exp_at = 0;
  g_assert_true (sip_proxy_lookup (x.proxy, AOR ("1001"), CONTACT ("1001"), &exp_at, NULL));
  g_assert_cmpint (exp_at, ==, t_reg + SIM_S (e));
  sim_world_run_until (x.f.world, t_reg + SIM_S (e) - 1);
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 1);
  sim_world_run_until (x.f.world, t_reg + SIM_S (e));
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 0);
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->bindings_expired, ==, 1);
  fx_clear (&x);
}

static void
test_register_refresh (void)
{
  Fx x;
  fx_init (&x, NULL);
  ua_register (&x.ua, "1001", "", 300, NULL);
  fx_run (&x, SIM_S (200));
  Req *b = ua_register (&x.ua, "1001", "", 300, NULL);
  SimTime t_reg2 = b->sent_at + ONE_WAY;
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (b), ==, 200);
  g_assert_cmpint (contact_expires (b->final, CONTACT ("1001")), ==, 300);
  SimTime exp_at;
  g_assert_true (sip_proxy_lookup (x.proxy, AOR ("1001"), CONTACT ("1001"), &exp_at, NULL));
  g_assert_cmpint (exp_at, ==, t_reg2 + SIM_S (300));
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->bindings_refreshed, ==, 1);
  /* Past the first expiry, still bound. */
  sim_world_run_until (x.f.world, t_reg2 + SIM_S (200));
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 1);
  fx_clear (&x);
}

static void
test_register_remove (void)
{
  Fx x;
  fx_init (&x, NULL);
  /* Two contacts for one AOR: the 200 lists both (§10.3 step 8). */
  ua_register (&x.ua, "1001", "", 600, NULL);
  fx_run (&x, SIM_S (1));
  Req *two = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, NULL, 0,
                          "Contact: <sip:1001@10.0.1.2:6000>;expires=900\r\n");
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (two), ==, 200);
  g_assert_cmpuint (sip_msg_contact_count (two->final), ==, 2);
  /* The first binding has 600 s minus the 1 s (and a round trip) gone,
   * rounded up to whole seconds. */
  g_assert_cmpint (contact_expires (two->final, CONTACT ("1001")), ==, 599);
  g_assert_cmpint (contact_expires (two->final, "sip:1001@10.0.1.2:6000"), ==, 900);
  /* Expires: 0 on one contact removes it only. */
  Req *rm = ua_register (&x.ua, "1001", "", 0, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (rm), ==, 200);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1001")), ==, 1);
  g_assert_cmpuint (sip_msg_contact_count (rm->final), ==, 1);
  /* "*" without Expires: 0 is refused (§10.3 step 6). */
  Req *bad = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, NULL, 0,
                          "Contact: *\r\nExpires: 10\r\n");
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (bad), ==, 400);
  /* "*" with Expires: 0 removes all. */
  ua_register (&x.ua, "1002", "", 600, NULL);
  Req *star = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, NULL, 0,
                           "Contact: *\r\nExpires: 0\r\n");
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (star), ==, 200);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1001")), ==, 0);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1002")), ==, 1);
  fx_clear (&x);
}

static void
test_register_cseq_order (void)
{
  Fx x;
  fx_init (&x, NULL);
  Req *a = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, NULL, 10,
                        "Contact: <sip:1001@10.0.1.2:5062>\r\nExpires: 600\r\n");
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (a), ==, 200);
  /* Same Call-ID, CSeq not higher: §10.3 step 7 aborts the update. */
  Req *b = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, NULL, 10,
                        "Contact: <sip:1001@10.0.1.2:5062>\r\nExpires: 60\r\n");
  /* Another Call-ID with a lower CSeq is a new registration source: fine. */
  Req *c = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, "other@10.0.1.2", 1,
                        "Contact: <sip:1001@10.0.1.2:5062>\r\nExpires: 120\r\n");
  fx_run (&x, SIM_S (1));
  /* Kamailio: "400 Invalid CSeq number" (issue 14 item 6; was 500). */
  g_assert_cmpuint (status_of (b), ==, 400);
  g_assert_cmpuint (status_of (c), ==, 200);
  g_assert_cmpint (contact_expires (c->final, CONTACT ("1001")), ==, 120);
  fx_clear (&x);
}

/* Issue 14 item 6: a Contact with the same +sip.instance and reg-id as a
 * binding replaces it whatever its URI (Kamailio's usrloc matches on the
 * instance), so a phone that moves to another port (B9) or address leaves
 * no stale binding behind; with match_instance off the URI decides and
 * the old binding stays until it expires. */
static void
test_register_instance_replaces (void)
{
  for (guint on = 0; on <= 1; on++)
    {
      SipProxyConfig cfg;
      sip_proxy_config_init (&cfg);
      g_assert_true (cfg.match_instance);           /* the default */
      cfg.match_instance = on;
      Fx x;
      fx_init (&x, &cfg);
      Req *a = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, NULL, 0,
                            "Contact: <sip:1001@10.0.1.2:5062>;+sip.instance=\"" INSTANCE
                            "\";reg-id=1\r\nExpires: 600\r\n");
      fx_run (&x, SIM_S (1));
      /* New port, new Call-ID (a new boot or a B9 port change). */
      Req *b = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, "moved@10.0.1.2", 0,
                            "Contact: <sip:1001@10.0.1.2:5063>;+sip.instance=\"" INSTANCE
                            "\";reg-id=1\r\nExpires: 600\r\n");
      fx_run (&x, SIM_S (1));
      g_assert_cmpuint (status_of (a), ==, 200);
      g_assert_cmpuint (status_of (b), ==, 200);
      g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1001")), ==, on ? 1 : 2);
      g_assert_true (sip_proxy_lookup (x.proxy, AOR ("1001"), "sip:1001@10.0.1.2:5063",
                                       NULL, NULL));
      g_assert_cmpint (sip_proxy_lookup (x.proxy, AOR ("1001"), "sip:1001@10.0.1.2:5062",
                                         NULL, NULL), ==, !on);
      g_assert_cmpuint (sip_msg_contact_count (b->final), ==, on ? 1 : 2);
      /* Another instance is another device: a binding of its own. */
      Req *c = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, "other@10.0.1.2", 0,
                            "Contact: <sip:1001@10.0.1.2:5063>;+sip.instance=\""
                            "<urn:uuid:00000000-0000-1000-8000-000A95A0E129>\";reg-id=1\r\n"
                            "Expires: 600\r\n");
      fx_run (&x, SIM_S (1));
      g_assert_cmpuint (status_of (c), ==, 200);
      g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1001")), ==,
                        on ? 2 : 2);   /* off: same URI as b's, so it refreshes b's */
      fx_clear (&x);
    }
}

/* Issue 14 item 6: min_expires_raise grants the minimum to a request
 * below it (Kamailio's registrar: 60 s for a request of 10 s) instead of
 * 423; Expires 0 still removes. */
static void
test_register_raise_to_minimum (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  g_assert_false (cfg.min_expires_raise);           /* default: 423 */
  cfg.min_expires = 60;
  cfg.min_expires_raise = TRUE;
  Fx x;
  fx_init (&x, &cfg);
  Req *a = ua_register (&x.ua, "1001", "", 10, NULL);
  Req *b = ua_register (&x.ua, "1002", ";expires=59", 10, NULL);
  Req *c = ua_register (&x.ua, "1003", "", 61, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (a), ==, 200);
  g_assert_cmpint (contact_expires (a->final, CONTACT ("1001")), ==, 60);
  g_assert_cmpint (contact_expires (b->final, CONTACT ("1002")), ==, 60);
  g_assert_cmpint (contact_expires (c->final, CONTACT ("1003")), ==, 61);
  Req *rm = ua_register (&x.ua, "1001", "", 0, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (rm), ==, 200);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1001")), ==, 0);
  fx_clear (&x);
}

/* Issue 14 item 6: a REGISTER that does not parse but shows its request
 * line and the five headers a response copies gets 400 (Kamailio's
 * sl_reply_error), with those lines copied and a To tag; one without them
 * (no Call-ID) and an ACK are only counted. */
typedef struct { GPtrArray *got; } Raw;

static void
raw_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  Raw *r = u;
  (void) s; (void) from;
  g_ptr_array_add (r->got, g_strndup ((const char *) data, len));
}

static void
test_register_malformed_400 (void)
{
  Fx x;
  fx_init (&x, NULL);
  Raw r = { g_ptr_array_new_with_free_func (g_free) };
  SimSockAddr local = { 0, 5999 };
  SimHostUdp *sock = host_udp_open (x.ch, &local, raw_recv, NULL, &r, NULL);
  g_assert_nonnull (sock);
  static const char *const msgs[] = {
    /* a Contact without its closing '>': unparseable */
    "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.1.2:5999;branch=z9hG4bKbad1;rport\r\n"
    "From: <sip:1001@" DOMAIN ">;tag=f1\r\n"
    "To: <sip:1001@" DOMAIN ">\r\n"
    "Call-ID: bad-1@10.0.1.2\r\n"
    "CSeq: 7 REGISTER\r\n"
    "Contact: <sip:1001@10.0.1.2:5999\r\n"
    "Content-Length: 0\r\n\r\n",
    /* the same without Call-ID: nothing to answer with */
    "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.1.2:5999;branch=z9hG4bKbad2;rport\r\n"
    "From: <sip:1001@" DOMAIN ">;tag=f1\r\n"
    "To: <sip:1001@" DOMAIN ">\r\n"
    "CSeq: 8 REGISTER\r\n"
    "Contact: <sip:1001@10.0.1.2:5999\r\n"
    "Content-Length: 0\r\n\r\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (msgs); i++)
    g_assert_true (host_udp_sendto (sock, &x.ua.server, (const guint8 *) msgs[i],
                                    strlen (msgs[i]), NULL));
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (r.got->len, ==, 1);
  g_autoptr (GError) err = NULL;
  const char *txt = r.got->pdata[0];
  g_autoptr (SipMsg) m = sip_msg_parse ((const guint8 *) txt, strlen (txt), &err);
  g_assert_no_error (err);
  g_assert_cmpuint (sip_msg_status (m), ==, 400);
  g_assert_true (sip_str_eq (sip_msg_call_id (m), "bad-1@10.0.1.2"));
  g_assert_cmpuint (sip_msg_cseq (m)->seq, ==, 7);
  g_assert_true (sip_str_present (sip_msg_to (m)->tag));
  const SipProxyStats *st = sip_proxy_get_stats (x.proxy);
  g_assert_cmpuint (st->malformed, ==, 2);
  g_assert_cmpuint (st->malformed_400, ==, 1);
  g_assert_cmpuint (st->r400, ==, 1);
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 0);
  host_udp_close (sock);
  g_ptr_array_unref (r.got);
  fx_clear (&x);
}

/* REGISTER for AOR sip:@user@sipsim.test of <sip:@user@10.0.1.2:@port>
 * with Expires @expires; @port 0: no Contact (a query, §10.3 step 8). */
static Req *
reg_port (Ua *ua, const char *user, guint port, gint64 expires)
{
  if (port == 0)
    return ua_send_req (ua, SIP_METHOD_REGISTER, user, NULL, NULL, 0, NULL);
  g_autofree char *extra = g_strdup_printf ("Contact: <sip:%s@10.0.1.2:%u>\r\n"
                                            "Expires: %" G_GINT64_FORMAT "\r\n",
                                            user, port, expires);
  return ua_send_req (ua, SIP_METHOD_REGISTER, user, NULL, NULL, 0, extra);
}

/* @r's 200 lists exactly the @n contacts sip:@user@10.0.1.2:@ports[i],
 * each with @left[i] seconds. */
static void
assert_listing (const Req *r, const char *user, guint n, const guint *ports,
                const gint64 *left)
{
  g_assert_cmpuint (status_of (r), ==, 200);
  g_assert_cmpuint (sip_msg_contact_count (r->final), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *uri = g_strdup_printf ("sip:%s@10.0.1.2:%u", user, ports[i]);
      g_assert_cmpint (contact_expires (r->final, uri), ==, left[i]);
    }
}

/* Many AORs with interleaved bindings, removed (Expires 0, "*", expiry) in
 * an order that moves other AORs' bindings around inside the registrar:
 * every 200 lists exactly its own AOR's current bindings (§10.3 step 8),
 * with the seconds left, rounded up; the counts and lookups agree, and an
 * AOR emptied and registered again starts afresh.  Each request is sent at
 * a whole second k and reaches the registrar at k + ONE_WAY, so a binding
 * registered at second a for E s has E - (k - a) s left at second k. */
static void
test_register_many_aors (void)
{
  Fx x;
  fx_init (&x, NULL);
  static const struct { const char *user; guint port; } regs[] = {
    { "3001", 5001 }, { "3002", 5001 }, { "3001", 5002 },
    { "3003", 5001 }, { "3001", 5003 }, { "3002", 5002 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (regs); i++)        /* seconds 0-5 */
    {
      Req *r = reg_port (&x.ua, regs[i].user, regs[i].port, 600);
      fx_run (&x, SIM_S (1));
      g_assert_cmpuint (status_of (r), ==, 200);
    }
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 6);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("3001")), ==, 3);

  /* Second 6: 3002's first binding goes; its 200 lists the other (from 5). */
  Req *rm2 = reg_port (&x.ua, "3002", 5001, 0);
  fx_run (&x, SIM_S (1));
  assert_listing (rm2, "3002", 1, (guint[]) { 5002 }, (gint64[]) { 599 });
  /* Second 7: 3001's first goes; left: 5002 (from 2) and 5003 (from 4). */
  Req *rm1 = reg_port (&x.ua, "3001", 5001, 0);
  fx_run (&x, SIM_S (1));
  assert_listing (rm1, "3001", 2, (guint[]) { 5002, 5003 }, (gint64[]) { 595, 597 });

  /* Second 8: queries (no Contact) of each AOR, and of one never seen. */
  Req *q1 = reg_port (&x.ua, "3001", 0, -1);
  Req *q2 = reg_port (&x.ua, "3002", 0, -1);
  Req *q3 = reg_port (&x.ua, "3003", 0, -1);
  Req *q4 = reg_port (&x.ua, "3004", 0, -1);
  fx_run (&x, SIM_S (1));
  assert_listing (q1, "3001", 2, (guint[]) { 5002, 5003 }, (gint64[]) { 594, 596 });
  assert_listing (q2, "3002", 1, (guint[]) { 5002 }, (gint64[]) { 597 });
  assert_listing (q3, "3003", 1, (guint[]) { 5001 }, (gint64[]) { 595 });
  assert_listing (q4, "3004", 0, NULL, NULL);
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 4);

  /* Second 9: "*" empties 3001 only (§10.3 step 6). */
  Req *star = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "3001", NULL, NULL, 0,
                           "Contact: *\r\nExpires: 0\r\n");
  fx_run (&x, SIM_S (1));
  assert_listing (star, "3001", 0, NULL, NULL);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("3001")), ==, 0);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("3002")), ==, 1);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("3003")), ==, 1);
  g_assert_false (sip_proxy_lookup (x.proxy, AOR ("3001"), "sip:3001@10.0.1.2:5002",
                                    NULL, NULL));
  SimTime exp_at = 0;
  g_assert_true (sip_proxy_lookup (x.proxy, AOR ("3002"), "sip:3002@10.0.1.2:5002",
                                   &exp_at, NULL));
  g_assert_cmpint (exp_at, ==, SIM_S (5) + ONE_WAY + SIM_S (600));
  /* A contact of one AOR is not found under another. */
  g_assert_false (sip_proxy_lookup (x.proxy, AOR ("3002"), "sip:3003@10.0.1.2:5001",
                                    NULL, NULL));

  /* Second 10: 3001 again, one new binding only. */
  Req *again = reg_port (&x.ua, "3001", 5004, 300);
  fx_run (&x, SIM_S (1));
  assert_listing (again, "3001", 1, (guint[]) { 5004 }, (gint64[]) { 300 });

  /* Second 604: 3001 (10 + 300) and 3003 (3 + 600) have expired; 3002's
   * binding (5 + 600) has 1 s left. */
  fx_run (&x, SIM_S (604) - now (&x));
  Req *late = reg_port (&x.ua, "3002", 0, -1);
  Req *late1 = reg_port (&x.ua, "3001", 0, -1);
  fx_run (&x, SIM_MS (500));
  assert_listing (late, "3002", 1, (guint[]) { 5002 }, (gint64[]) { 1 });
  assert_listing (late1, "3001", 0, NULL, NULL);
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 1);
  /* Expired: 3001:5004, 3003:5001; removed: two by Expires 0, two by "*". */
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->bindings_expired, ==, 2);
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->bindings_removed, ==, 4);
  fx_clear (&x);
}

/* ============================================================== 2-via */

static void
test_via_received_rport (void)
{
  Fx x;
  fx_init (&x, NULL);
  /* The Via says 5060 (and a name); the packet comes from 10.0.1.2:5062.
   * RFC 3581 §4: rport = the source port, received = the source address
   * always with rport; the response goes to the source port. */
  Req *a = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", "ua.invalid", NULL, 0,
                        "Contact: <sip:1001@10.0.1.2:5062>\r\n");
  Req *o = ua_send_req (&x.ua, SIP_METHOD_OPTIONS, "1001", "10.0.1.2", NULL, 0, NULL);
  fx_run (&x, SIM_S (1));
  for (guint i = 0; i < 2; i++)
    {
      Req *r = i == 0 ? a : o;
      g_assert_cmpuint (status_of (r), ==, 200);
      const SipVia *v = sip_msg_via (r->final, 0);
      g_assert_true (sip_str_eq (v->received, "10.0.1.2"));
      g_assert_true (v->has_rport);
      g_assert_cmpuint (v->rport, ==, UA_PORT);
      g_assert_true (sip_str_eq (v->host, i == 0 ? "ua.invalid" : "10.0.1.2"));
      g_assert_true (sip_str_present (v->branch));
      g_assert_cmpuint (sip_msg_via_count (r->final), ==, 1);
    }
  /* The binding remembers the flow: the packet's source. */
  SimSockAddr flow;
  g_assert_true (sip_proxy_lookup (x.proxy, AOR ("1001"), CONTACT ("1001"), NULL, &flow));
  g_assert_cmpuint (flow.ip, ==, x.f.client_ip);
  g_assert_cmpuint (flow.port, ==, UA_PORT);
  fx_clear (&x);
}

/* Without rport (RFC 3261 §18.2.1): "received" is added exactly when the
 * sent-by host differs from the packet's source address, and no rport
 * appears in the response.  The response then goes to the sent-by port
 * (§18.2.2), so these requests name the UA's real port. */
static void
test_via_received_no_rport (void)
{
  Fx x;
  fx_init (&x, NULL);
  Req *named = ua_send_req_via (&x.ua, SIP_METHOD_OPTIONS, "1001", "ua.invalid", UA_PORT,
                                FALSE, NULL, 0, NULL);
  Req *same = ua_send_req_via (&x.ua, SIP_METHOD_OPTIONS, "1001", "10.0.1.2", UA_PORT,
                               FALSE, NULL, 0, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (named), ==, 200);
  g_assert_cmpuint (status_of (same), ==, 200);
  const SipVia *v1 = sip_msg_via (named->final, 0);
  g_assert_true (sip_str_eq (v1->received, "10.0.1.2"));
  g_assert_false (v1->has_rport);
  const SipVia *v2 = sip_msg_via (same->final, 0);
  g_assert_false (sip_str_present (v2->received));
  g_assert_false (v2->has_rport);
  fx_clear (&x);
}

/* ============================================================= 3-auth */

static char *
authorize (const SipMsg *resp401, const char *user, const char *password, SimRng *rng)
{
  SipStr v = sip_msg_header_by_id (resp401, SIP_HDR_WWW_AUTHENTICATE, 0);
  g_assert_true (sip_str_present (v));
  g_autoptr (SipDigestChallenge) ch = sip_digest_challenge_parse (v.p, v.len, NULL);
  g_assert_nonnull (ch);
  g_assert_cmpstr (ch->realm, ==, DOMAIN);
  g_autoptr (SipDigestClient) cl = sip_digest_client_new (user, password, rng);
  char *auth = sip_digest_client_authorize (cl, ch, "REGISTER", "sip:" DOMAIN, NULL);
  g_assert_nonnull (auth);
  return auth;
}

static gboolean
is_stale (const SipMsg *m)
{
  SipStr v = sip_msg_header_by_id (m, SIP_HDR_WWW_AUTHENTICATE, 0);
  g_autoptr (SipDigestChallenge) ch = sip_digest_challenge_parse (v.p, v.len, NULL);
  return ch->stale;
}

static void
test_auth (void)
{
  SipProxyUser users[] = { { "1001", "secret1" }, { "1002", "secret2" } };
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.users = users;
  cfg.n_users = 2;
  cfg.nonce_lifetime = SIM_S (30);
  Fx x;
  fx_init (&x, &cfg);
  SimRng rng;
  sim_rng_init (&rng, 7, "test-digest");

  Req *a = ua_register (&x.ua, "1001", "", 600, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (a), ==, 401);
  g_assert_false (is_stale (a->final));
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 0);

  /* Right password: RFC 2617 response computed by the digest client. */
  g_autofree char *ok = authorize (a->final, "1001", "secret1", &rng);
  g_autofree char *hdr = g_strdup_printf ("Authorization: %s\r\n", ok);
  Req *b = ua_register (&x.ua, "1001", "", 600, hdr);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (b), ==, 200);
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 1);

  /* Wrong password: §22.2 has the UAC see a fresh challenge again (401),
   * not a stale one. */
  Req *c = ua_register (&x.ua, "1002", "", 600, NULL);
  fx_run (&x, SIM_S (1));
  g_autofree char *bad = authorize (c->final, "1002", "wrong", &rng);
  g_autofree char *hdr2 = g_strdup_printf ("Authorization: %s\r\n", bad);
  Req *d = ua_register (&x.ua, "1002", "", 600, hdr2);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (d), ==, 401);
  g_assert_false (is_stale (d->final));
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1002")), ==, 0);

  /* A valid user registering another's AOR: 403 (§10.3 step 3). */
  Req *e = ua_register (&x.ua, "1002", "", 600, NULL);
  fx_run (&x, SIM_S (1));
  g_autofree char *other = authorize (e->final, "1001", "secret1", &rng);
  g_autofree char *hdr3 = g_strdup_printf ("Authorization: %s\r\n", other);
  Req *f = ua_register (&x.ua, "1002", "", 600, hdr3);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (f), ==, 403);

  /* A nonce older than nonce_lifetime: 401 stale=true (RFC 2617 §3.2.1). */
  Req *g = ua_register (&x.ua, "1002", "", 600, NULL);
  fx_run (&x, SIM_S (1));
  g_autofree char *late = authorize (g->final, "1002", "secret2", &rng);
  fx_run (&x, cfg.nonce_lifetime + SIM_S (1));
  g_autofree char *hdr4 = g_strdup_printf ("Authorization: %s\r\n", late);
  Req *h = ua_register (&x.ua, "1002", "", 600, hdr4);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (h), ==, 401);
  g_assert_true (is_stale (h->final));
  fx_clear (&x);
}

/* ======================================================== 4-keepalive */

static void
test_options_notify (void)
{
  Fx x;
  fx_init (&x, NULL);
  Req *o = ua_send_req (&x.ua, SIP_METHOD_OPTIONS, "1001", NULL, NULL, 0, NULL);
  Req *n = ua_send_req (&x.ua, SIP_METHOD_NOTIFY, "1001", NULL, NULL, 0,
                        "Event: keep-alive\r\n");
  Req *i = ua_send_req (&x.ua, SIP_METHOD_INFO, "1001", NULL, NULL, 0, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (o), ==, 200);
  g_assert_cmpuint (status_of (n), ==, 200);
  g_assert_cmpuint (status_of (i), ==, 405);
  g_assert_true (sip_str_present (sip_msg_header (i->final, "Allow", 0)));
  fx_clear (&x);
}

static void
test_stun (void)
{
  guint8 txid[STUN_TXID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  g_autoptr (GBytes) req = stun_binding_request_new (txid, NULL, TRUE);
  /* Default (issue 14 item 6): no STUN on the SIP port, as Kamailio and
   * Asterisk out of the box: read, counted, unanswered. */
  Fx d;
  fx_init (&d, NULL);
  host_udp_sendto (d.ua.udp, &d.ua.server, g_bytes_get_data (req, NULL),
                   g_bytes_get_size (req), NULL);
  fx_run (&d, SIM_S (1));
  g_assert_cmpuint (d.ua.stun->len, ==, 0);
  g_assert_cmpuint (sip_proxy_get_stats (d.proxy)->stun_ignored, ==, 1);
  g_assert_cmpuint (sip_proxy_get_stats (d.proxy)->stun_answered, ==, 0);
  fx_clear (&d);

  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.stun = TRUE;
  Fx x;
  fx_init (&x, &cfg);
  host_udp_sendto (x.ua.udp, &x.ua.server, g_bytes_get_data (req, NULL),
                   g_bytes_get_size (req), NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (x.ua.stun->len, ==, 1);
  GBytes *ans = x.ua.stun->pdata[0];
  g_autoptr (StunMsg) m = stun_msg_parse (g_bytes_get_data (ans, NULL),
                                          g_bytes_get_size (ans), NULL);
  g_assert_nonnull (m);
  g_assert_cmpint (stun_msg_get_class (m), ==, STUN_CLASS_SUCCESS);
  g_assert_cmpmem (stun_msg_get_txid (m), STUN_TXID_LEN, txid, STUN_TXID_LEN);
  StunAddress xa;
  g_assert_true (stun_msg_get_xor_mapped_address (m, &xa));
  g_assert_cmpuint (xa.addr.ip, ==, x.f.client_ip);
  g_assert_cmpuint (xa.addr.port, ==, UA_PORT);
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->stun_answered, ==, 1);
  fx_clear (&x);
}

static void
test_crlf_udp (void)
{
  Fx x;
  fx_init (&x, NULL);
  SimTime t0 = now (&x);
  host_udp_sendto (x.ua.udp, &x.ua.server, "\r\n\r\n", 4, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (x.ua.pongs, ==, 1);
  g_assert_cmpint (x.ua.pong_at - t0, ==, RTT);
  fx_clear (&x);
}

static void
test_crlf_tcp (void)
{
  Fx x;
  fx_init (&x, NULL);
  RecPeer t;
  rec_peer_connect_tcp (&t, x.ch, &x.ua.server);
  fx_run (&x, SIM_S (1));
  g_assert_true (t.connected);
  SimTime t0 = now (&x);
  host_tcp_send (t.tcp, "\r\n\r\n", 4, NULL);
  fx_run (&x, SIM_S (1));
  /* RFC 5626 §3.5.1: a single CRLF back, one round trip later. */
  g_assert_cmpuint (t.stream->len, ==, 2);
  g_assert_cmpmem (t.stream->str, 2, "\r\n", 2);
  g_assert_cmpint (t.last_rx - t0, ==, RTT);
  rec_peer_clear (&t);
  fx_run (&x, SIM_S (1));
  fx_clear (&x);
}

/* ============================================================ 5-faults */

static void
test_fault_crash (void)
{
  Fx x;
  fx_init (&x, NULL);
  sip_proxy_fault (x.proxy, SIP_PROXY_FAULT_CRASH);
  Req *a = ua_register (&x.ua, "1001", "", 600, NULL);
  host_udp_sendto (x.ua.udp, &x.ua.server, "\r\n\r\n", 4, NULL);
  fx_run (&x, SIM_S (40));
  /* Silent: the UA's transaction ends at Timer F = 64*T1 (§17.1.2.2). */
  g_assert_null (a->final);
  g_assert_cmpint (a->timer, ==, 'F');
  g_assert_cmpint (a->timeout_at - a->sent_at, ==, 64 * T1);
  g_assert_cmpuint (x.ua.pongs, ==, 0);
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 0);
  /* 11 sends of the request plus the ping, all dropped. */
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->dropped_down, ==, 12);
  sip_proxy_fault (x.proxy, SIP_PROXY_FAULT_RECOVER);
  Req *b = ua_register (&x.ua, "1001", "", 600, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (b), ==, 200);
  fx_clear (&x);
}

static void
test_fault_reject (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.retry_after = 123;
  Fx x;
  fx_init (&x, &cfg);
  sip_proxy_schedule_fault (x.proxy, SIM_S (10), SIP_PROXY_FAULT_REJECT);
  Req *a = ua_register (&x.ua, "1001", "", 600, NULL);
  fx_run (&x, SIM_S (11));
  g_assert_cmpuint (status_of (a), ==, 200);
  Req *b = ua_register (&x.ua, "1002", "", 600, NULL);
  Req *o = ua_send_req (&x.ua, SIP_METHOD_OPTIONS, "1001", NULL, NULL, 0, NULL);
  fx_run (&x, SIM_S (1));
  /* §21.5.4 / BEHAVIOUR.md B7: 503 with Retry-After. */
  g_assert_cmpuint (status_of (b), ==, 503);
  g_assert_cmpint (sip_msg_retry_after (b->final), ==, 123);
  g_assert_cmpuint (status_of (o), ==, 503);
  g_assert_cmpint (sip_msg_retry_after (o->final), ==, 123);
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->reject_503, ==, 2);
  fx_clear (&x);
}

static void
test_fault_restart (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.restart_downtime = SIM_S (20);
  Fx x;
  fx_init (&x, &cfg);
  ua_register (&x.ua, "1001", "", 600, NULL);
  ua_register (&x.ua, "1002", "", 600, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 2);
  SimTime t_fault = now (&x);
  sip_proxy_fault (x.proxy, SIP_PROXY_FAULT_RESTART);
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 0);
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->bindings_lost, ==, 2);
  /* Down for restart_downtime: a request sent now is not answered ... */
  Req *a = ua_register (&x.ua, "1001", "", 600, NULL);
  sim_world_run_until (x.f.world, t_fault + cfg.restart_downtime - RTT);
  g_assert_null (a->final);
  sim_world_run_until (x.f.world, t_fault + cfg.restart_downtime);
  g_assert_cmpint (sip_proxy_get_state (x.proxy), ==, SIP_PROXY_FAULT_RECOVER);
  /* ... until a retransmission arrives after it: Timer E sends at 0,
   * 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5 s; the first after 20 s is
   * 23.5 s. */
  fx_run (&x, SIM_S (10));
  g_assert_cmpuint (status_of (a), ==, 200);
  g_assert_cmpint (a->final_at - a->sent_at, ==, sim_time_from_s (23.5) + RTT);
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 1);
  fx_clear (&x);
}

/* Issue 14 item 9: KILL closes the sockets, so the host answers a REGISTER
 * with ICMP port unreachable one round trip after it was sent (the UA's
 * transaction ends with a transport error then, RFC 3261 §17.1.4, instead
 * of Timer F), and the bindings are gone; RECOVER listens again. */
static void
test_fault_kill (void)
{
  Fx x;
  fx_init (&x, NULL);
  ua_register (&x.ua, "1001", "", 600, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 1);
  sip_proxy_fault (x.proxy, SIP_PROXY_FAULT_KILL);
  g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 0);
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->bindings_lost, ==, 1);
  Req *a = ua_register (&x.ua, "1001", "", 600, NULL);
  fx_run (&x, SIM_S (40));
  g_assert_null (a->final);
  g_assert_cmpint (a->timer, ==, 0);
  g_assert_cmpint (a->error, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  /* nothing reached the registrar */
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->dropped_down, ==, 0);
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->registers, ==, 1);
  sip_proxy_fault (x.proxy, SIP_PROXY_FAULT_RECOVER);
  Req *b = ua_register (&x.ua, "1001", "", 600, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (b), ==, 200);
  g_assert_cmpint (b->final_at - b->sent_at, ==, RTT);
  fx_clear (&x);
}

static void
test_fault_slow (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.slow_delay = SIM_MS (300);
  Fx x;
  fx_init (&x, &cfg);
  sip_proxy_fault (x.proxy, SIP_PROXY_FAULT_SLOW);
  Req *a = ua_register (&x.ua, "1001", "", 600, NULL);
  fx_run (&x, SIM_S (2));
  g_assert_cmpuint (status_of (a), ==, 200);
  g_assert_cmpint (a->final_at - a->sent_at, ==, RTT + cfg.slow_delay);
  sip_proxy_fault (x.proxy, SIP_PROXY_FAULT_RECOVER);
  Req *b = ua_register (&x.ua, "1001", "", 600, NULL);
  fx_run (&x, SIM_S (2));
  g_assert_cmpint (b->final_at - b->sent_at, ==, RTT);
  fx_clear (&x);
}

typedef struct {
  GArray *times;
} FaultLog;

static void
fault_trace (SimWorld *w, const char *line, gpointer u)
{
  FaultLog *fl = u;
  if (strstr (line, "proxy fault ") != NULL)
    {
      SimTime t = sim_world_now (w);
      g_array_append_val (fl->times, t);
    }
}

/* The instants of every fault and recovery the random schedule causes. */
static GArray *
random_fault_times (guint64 seed, guint *n)
{
  NetFixture f;
  net_fixture_init (&f, seed, L);
  FaultLog fl = { g_array_new (FALSE, FALSE, sizeof (SimTime)) };
  sim_world_set_trace_func (f.world, fault_trace, &fl, NULL);
  SimHost *h = sim_host_new (f.server, "registrar");
  SipProxy *p = sip_proxy_new (h, NULL, NULL);
  *n = sip_proxy_schedule_random_faults (p, SIM_S (3600), SIM_S (60), SIP_PROXY_FAULT_CRASH,
                                         SIM_S (86400));
  sim_world_run_until (f.world, SIM_S (86400 * 2));
  g_assert_cmpint (sip_proxy_get_state (p), ==, SIP_PROXY_FAULT_RECOVER);
  sip_proxy_free (p);
  host_free (h);
  net_fixture_clear (&f);
  return fl.times;
}

static void
test_fault_random (void)
{
  guint n1, n2, n3;
  g_autoptr (GArray) a = random_fault_times (5, &n1);
  g_autoptr (GArray) b = random_fault_times (5, &n2);
  g_autoptr (GArray) c = random_fault_times (6, &n3);
  /* 24 h with a 1 h MTBF: about 24 crashes; each crash and each recovery
   * is a state change. */
  g_assert_cmpuint (n1, >, 5);
  g_assert_cmpuint (n1, <, 60);
  g_assert_cmpuint (n1, ==, n2);
  g_assert_cmpuint (a->len, ==, 2 * n1);
  g_assert_cmpuint (b->len, ==, a->len);
  g_assert_cmpmem (a->data, a->len * sizeof (SimTime), b->data, b->len * sizeof (SimTime));
  g_assert_false (c->len == a->len
                  && memcmp (a->data, c->data, a->len * sizeof (SimTime)) == 0);
}

/* ========================================================== 6-capacity */

static void
run_capacity (gboolean drop)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.capacity_rps = 10;           /* 100 ms per request */
  cfg.queue_limit = 2;
  cfg.overload_drop = drop;
  Fx x;
  fx_init (&x, &cfg);
  Req *r[6];
  for (guint i = 0; i < 6; i++)
    {
      char user[8];
      g_snprintf (user, sizeof user, "10%02u", i);
      r[i] = ua_register (&x.ua, user, "", 600, NULL);
    }
  fx_run (&x, SIM_MS (450));
  /* One served, two waiting: the k-th answer leaves the registrar after
   * (k+1) service times. */
  for (guint k = 0; k < 3; k++)
    {
      g_assert_cmpuint (status_of (r[k]), ==, 200);
      g_assert_cmpint (r[k]->final_at - r[k]->sent_at, ==, RTT + (SimTime) (k + 1) * SIM_MS (100));
    }
  const SipProxyStats *st = sip_proxy_get_stats (x.proxy);
  g_assert_cmpuint (st->max_queue, ==, 2);
  for (guint k = 3; k < 6; k++)
    {
      if (drop)
        g_assert_null (r[k]->final);
      else
        {
          g_assert_cmpuint (status_of (r[k]), ==, 503);
          g_assert_cmpint (r[k]->final_at - r[k]->sent_at, ==, RTT);
          g_assert_cmpint (sip_msg_retry_after (r[k]->final), ==, cfg.retry_after);
        }
    }
  if (drop)
    g_assert_cmpuint (st->overload_dropped, ==, 3);
  else
    g_assert_cmpuint (st->overload_503, ==, 3);
  fx_clear (&x);
}

static void
test_capacity_503 (void)
{
  run_capacity (FALSE);
}

static void
test_capacity_drop (void)
{
  run_capacity (TRUE);
}

/* ============================================================ 7-probes */

static void
test_probe_rate (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.probe_rate = 0.05;
  cfg.max_expires = 30000;
  Fx x;
  fx_init (&x, &cfg);
  ua_register (&x.ua, "1001", "", 30000, NULL);
  fx_run (&x, SIM_S (1));
  const double T = 20000;
  fx_run (&x, SIM_S (20000));
  const GArray *pr = sip_proxy_get_probes (x.proxy);
  /* Poisson: mean and variance lambda*T = 1000; allow 5 sigma. */
  double mean = cfg.probe_rate * T, sd = sqrt (mean);
  g_assert_cmpfloat (fabs ((double) pr->len - mean), <, 5 * sd);
  for (guint i = 0; i < pr->len; i++)
    {
      const SipProxyProbe *p = &g_array_index (pr, SipProxyProbe, i);
      g_assert_true (p->reached);
      g_assert_cmpuint (p->status, ==, 200);
      g_assert_cmpint (p->done_at - p->sent_at, ==, RTT);
      g_assert_cmpstr (p->contact, ==, CONTACT ("1001"));
    }
  g_assert_cmpuint (x.ua.options_rx, ==, pr->len);
  fx_clear (&x);
}

static void
count_probe (SipProxy *proxy, const SipProxyProbe *probe, gpointer user_data)
{
  (void) proxy;
  g_assert_nonnull (probe->aor);
  g_assert_cmpstr (probe->contact, ==, CONTACT ("1001"));
  (*(guint *) user_data)++;
}

/* sip_proxy_set_keep_probes (FALSE): the probe func still sees every
 * probe, complete, and the proxy keeps none (a run takes them there, so
 * its memory does not grow with every probe: doc/performance.md). */
static void
test_probe_not_kept (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.probe_rate = 0.1;
  Fx x;
  fx_init (&x, &cfg);
  guint seen = 0;
  sip_proxy_set_probe_func (x.proxy, count_probe, &seen);
  sip_proxy_set_keep_probes (x.proxy, FALSE);
  ua_register (&x.ua, "1001", "", 3600, NULL);
  fx_run (&x, SIM_S (600));
  g_assert_cmpuint (sip_proxy_get_probes (x.proxy)->len, ==, 0);
  /* Poisson at 0.1/s for ~600 s: mean 60; at least one for sure */
  g_assert_cmpuint (seen, >, 0);
  g_assert_cmpuint (seen, ==, x.ua.options_rx);
  g_assert_cmpuint (seen, ==, sip_proxy_get_stats (x.proxy)->probes_reached);
  fx_clear (&x);
}

static GArray *
probe_times (guint64 seed)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.probe_rate = 0.1;
  Fx x;
  fx_init_seed (&x, &cfg, seed);
  ua_register (&x.ua, "1001", "", 3600, NULL);
  fx_run (&x, SIM_S (600));
  GArray *t = g_array_new (FALSE, FALSE, sizeof (SimTime));
  const GArray *pr = sip_proxy_get_probes (x.proxy);
  for (guint i = 0; i < pr->len; i++)
    g_array_append_val (t, g_array_index (pr, SipProxyProbe, i).sent_at);
  fx_clear (&x);
  return t;
}

static void
test_probe_reproducible (void)
{
  g_autoptr (GArray) a = probe_times (11);
  g_autoptr (GArray) b = probe_times (11);
  g_autoptr (GArray) c = probe_times (12);
  g_assert_cmpuint (a->len, >, 0);
  g_assert_cmpuint (a->len, ==, b->len);
  g_assert_cmpmem (a->data, a->len * sizeof (SimTime), b->data, b->len * sizeof (SimTime));
  g_assert_false (c->len == a->len
                  && memcmp (a->data, c->data, a->len * sizeof (SimTime)) == 0);
}

static void
test_probe_closed_socket (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.probe_rate = 0.01;
  Fx x;
  fx_init (&x, &cfg);
  ua_register (&x.ua, "1001", "", 7200, NULL);
  fx_run (&x, SIM_S (1));
  /* The UA goes away: its port is closed, so the probe draws ICMP port
   * unreachable. */
  sip_txn_layer_free (x.ua.layer);
  x.ua.layer = NULL;
  host_udp_close (x.ua.udp);
  x.ua.udp = NULL;
  x.ua.layer = sip_txn_layer_new (x.ch, NULL, ua_send, &x.ua);
  fx_run (&x, SIM_S (3000));
  const GArray *pr = sip_proxy_get_probes (x.proxy);
  g_assert_cmpuint (pr->len, >, 0);
  for (guint i = 0; i < pr->len; i++)
    {
      const SipProxyProbe *p = &g_array_index (pr, SipProxyProbe, i);
      g_assert_false (p->reached);
      g_assert_cmpint (p->outcome, ==, SIP_PROXY_PROBE_TRANSPORT_ERROR);
      /* The ICMP error comes back one round trip after the send. */
      g_assert_cmpint (p->done_at - p->sent_at, ==, RTT);
      g_assert_cmpuint (p->to.port, ==, UA_PORT);
    }
  g_assert_cmpuint (sip_proxy_get_stats (x.proxy)->probes_failed, ==, pr->len);
  fx_clear (&x);
}

static void
test_probe_silent (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.probe_rate = 0.01;
  Fx x;
  fx_init (&x, &cfg);
  x.ua.answer_options = FALSE;
  ua_register (&x.ua, "1001", "", 7200, NULL);
  fx_run (&x, SIM_S (3000));
  const GArray *pr = sip_proxy_get_probes (x.proxy);
  g_assert_cmpuint (pr->len, >, 0);
  for (guint i = 0; i < pr->len; i++)
    {
      const SipProxyProbe *p = &g_array_index (pr, SipProxyProbe, i);
      g_assert_false (p->reached);
      g_assert_cmpint (p->outcome, ==, SIP_PROXY_PROBE_TIMEOUT);
      g_assert_cmpint (p->done_at - p->sent_at, ==, 64 * T1);   /* Timer F */
    }
  fx_clear (&x);
}

/* =============================================================== 8-nat */

typedef struct {
  SimTime expired_at;            /* the UA's UDP binding's expiry, or 0 */
  guint   n_expired;
} NatLog;

static void
nat_record (Nat *nat, const NatRecord *rec, gpointer u)
{
  NatLog *nl = u;
  if (rec->kind == NAT_RECORD_EXPIRED && rec->proto == SIM_IPPROTO_UDP)
    {
      nl->expired_at = rec->time;
      nl->n_expired++;
    }
}

/* The registrar behind a NAT (models/nat): received/rport are the NAT's
 * public mapping, and a probe reaches the UA exactly when it arrives at
 * the NAT before the pinhole expired; after that it is dropped and the
 * probe ends at Timer F. */
static void
test_nat_mapping_and_pinhole (void)
{
  SimLinkConfig lc = { .latency = L };
  SimWorld *world = sim_world_new (3);
  SimNet *net = sim_net_new (world);
  SimNode *client = sim_node_new (net, "client", NULL);
  SimNode *router = sim_node_new (net, "router", NULL);
  SimNode *server = sim_node_new (net, "server", NULL);
  SimIface *c0 = sim_node_add_iface (client, SIM_IP4 (10, 0, 1, 2), 24);
  SimIface *r0 = sim_node_add_iface (router, SIM_IP4 (10, 0, 1, 1), 24);
  SimIface *r1 = sim_node_add_iface (router, SIM_IP4 (10, 0, 2, 1), 24);
  SimIface *s0 = sim_node_add_iface (server, SIM_IP4 (10, 0, 2, 2), 24);
  sim_node_set_default_route (client, c0);
  sim_node_set_default_route (server, s0);
  sim_link_new (net, c0, r0, &lc);
  sim_link_new (net, r1, s0, &lc);
  NatSettings ns;
  nat_settings_init_default (&ns);
  ns.port_alloc = NAT_PORTS_SEQUENTIAL;     /* so the public port differs */
  ns.port_lo = 40000;
  Nat *nat = nat_new (router, r1, &ns, "home");
  NatLog nl = { 0 };
  nat_set_record_func (nat, nat_record, &nl);

  SimHost *ch = sim_host_new (client, "ua");
  SimHost *sh = sim_host_new (server, "registrar");
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.probe_rate = 1.0 / 40;
  SipProxy *proxy = sip_proxy_new (sh, &cfg, NULL);
  Ua ua;
  ua_init (&ua, ch, SIM_IP4 (10, 0, 2, 2), UA_PORT);

  Req *r = ua_register (&ua, "1001", "", 7200, NULL);
  sim_world_run_for (world, SIM_S (1));
  g_assert_cmpuint (status_of (r), ==, 200);
  SimSockAddr internal = { SIM_IP4 (10, 0, 1, 2), UA_PORT }, server_ep = { SIM_IP4 (10, 0, 2, 2), 5060 };
  SimSockAddr external;
  g_assert_true (nat_lookup (nat, SIM_IPPROTO_UDP, &internal, &server_ep, &external, NULL));
  g_assert_cmpuint (external.ip, ==, nat_get_public_addr (nat));
  g_assert_cmpuint (external.port, !=, UA_PORT);
  const SipVia *v = sip_msg_via (r->final, 0);
  char pub[SIM_IP4_STRLEN];
  g_assert_true (sip_str_eq (v->received, sim_ip4_to_string (external.ip, pub)));
  g_assert_cmpuint (v->rport, ==, external.port);
  SimSockAddr flow;
  g_assert_true (sip_proxy_lookup (proxy, AOR ("1001"), CONTACT ("1001"), NULL, &flow));
  g_assert_true (sim_sockaddr_equal (&flow, &external));

  /* Probes keep the pinhole open while their gaps are short (the UA's
   * answers refresh it); the first gap longer than the NAT timeout lets
   * it expire, and from then on nothing gets through. */
  sim_world_run_until (world, SIM_S (4000));
  g_assert_cmpuint (nl.n_expired, ==, 1);
  const GArray *pr = sip_proxy_get_probes (proxy);
  guint reached = 0, lost = 0;
  for (guint i = 0; i < pr->len; i++)
    {
      const SipProxyProbe *p = &g_array_index (pr, SipProxyProbe, i);
      g_assert_true (sim_sockaddr_equal (&p->to, &external));
      /* The probe reaches the NAT one link (L) after it leaves. */
      gboolean before = p->sent_at + L < nl.expired_at;
      g_assert_cmpint (p->reached, ==, before);
      if (p->reached)
        reached++;
      else
        {
          lost++;
          g_assert_cmpint (p->outcome, ==, SIP_PROXY_PROBE_TIMEOUT);
          g_assert_cmpint (p->done_at - p->sent_at, ==, 64 * T1);
        }
    }
  g_assert_cmpuint (reached, >, 0);
  g_assert_cmpuint (lost, >, 0);
  g_assert_cmpuint (ua.options_rx, ==, reached);
  g_assert_cmpuint (nat_get_stats (nat)->dropped_unsolicited, >, 0);

  ua_clear (&ua);
  sip_proxy_free (proxy);
  host_free (ch);
  host_free (sh);
  nat_free (nat);
  sim_net_free (net);
  sim_world_free (world);
}

/* ========================================================= 9-outbound */


static void
test_outbound (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  /* Off by default (issue 14 item 6): then even Supported: outbound gets
   * a plain 200. */
  g_assert_false (cfg.outbound);
  {
    Fx d;
    fx_init (&d, &cfg);
    Req *r = ua_send_req (&d.ua, SIP_METHOD_REGISTER, "1001", NULL, NULL, 0,
                          "Contact: <sip:1001@10.0.1.2:5062>;reg-id=1;+sip.instance=\""
                          INSTANCE "\"\r\nSupported: outbound\r\nExpires: 600\r\n");
    fx_run (&d, SIM_S (1));
    g_assert_cmpuint (status_of (r), ==, 200);
    g_assert_false (sip_msg_has_option_tag (r->final, SIP_HDR_REQUIRE, "outbound"));
    fx_clear (&d);
  }
  cfg.outbound = TRUE;
  cfg.flow_timer = 29;
  Fx x;
  fx_init (&x, &cfg);
  Req *a = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, NULL, 0,
                        "Supported: outbound\r\nExpires: 600\r\n"
                        "Contact: <sip:1001@10.0.1.2:5062;ob>;+sip.instance=\"" INSTANCE "\";reg-id=1\r\n");
  fx_run (&x, SIM_S (1));
  /* RFC 5626 §6: Require: outbound; §8.4: Flow-Timer. */
  g_assert_cmpuint (status_of (a), ==, 200);
  g_assert_true (sip_msg_has_option_tag (a->final, SIP_HDR_REQUIRE, "outbound"));
  g_assert_cmpint (sip_msg_flow_timer (a->final), ==, 29);
  g_assert_true (sip_str_eq (sip_msg_contact (a->final, 0)->instance, INSTANCE));
  g_assert_cmpint (sip_msg_contact (a->final, 0)->reg_id, ==, 1);
  /* The same instance and reg-id from another contact URI replaces the
   * flow (§6: keyed by instance and reg-id, not by URI) ... */
  Req *b = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, NULL, 0,
                        "Supported: outbound\r\nExpires: 600\r\n"
                        "Contact: <sip:1001@10.0.1.2:6000;ob>;+sip.instance=\"" INSTANCE "\";reg-id=1\r\n");
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (b), ==, 200);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1001")), ==, 1);
  g_assert_cmpuint (sip_msg_contact_count (b->final), ==, 1);
  /* ... and reg-id 2 is a second flow. */
  Req *c = ua_send_req (&x.ua, SIP_METHOD_REGISTER, "1001", NULL, NULL, 0,
                        "Supported: outbound\r\nExpires: 600\r\n"
                        "Contact: <sip:1001@10.0.1.2:5062;ob>;+sip.instance=\"" INSTANCE "\";reg-id=2\r\n");
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (status_of (c), ==, 200);
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, AOR ("1001")), ==, 2);
  /* Without Supported: outbound, no Require and no Flow-Timer. */
  Req *d = ua_register (&x.ua, "1002", "", 600, NULL);
  fx_run (&x, SIM_S (1));
  g_assert_false (sip_msg_has_option_tag (d->final, SIP_HDR_REQUIRE, "outbound"));
  g_assert_cmpint (sip_msg_flow_timer (d->final), ==, -1);
  fx_clear (&x);
}

/* ============================================================== 10-tcp */

typedef struct {
  SimHost         *host;
  SimHostTcp      *sock;
  SipStreamReader *reader;
  gboolean         connected;
  GPtrArray       *responses;     /* SipMsg * */
  guint            options_rx;
} TcpUa;

static void
tcpua_ev (SimHostTcp *s, HostTcpEvent ev, gpointer u)
{
  TcpUa *t = u;
  if (ev == HOST_TCP_CONNECTED)
    t->connected = TRUE;
}

static void
tcpua_rx (SimHostTcp *s, const guint8 *d, gsize n, gpointer u)
{
  TcpUa *t = u;
  g_assert_true (sip_stream_reader_push (t->reader, d, n, NULL));
  for (;;)
    {
      g_autoptr (GBytes) frame = NULL;
      SipFrameKind k = sip_stream_reader_pop (t->reader, &frame, NULL);
      if (k == SIP_FRAME_NEED_MORE)
        return;
      g_assert_cmpint (k, ==, SIP_FRAME_MESSAGE);
      SipMsg *m = sip_msg_parse (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame), NULL);
      g_assert_nonnull (m);
      if (sip_msg_is_request (m))
        {
          g_assert_cmpint (sip_msg_method (m), ==, SIP_METHOD_OPTIONS);
          t->options_rx++;
          g_autoptr (GBytes) r = sip_builder_finish (sip_builder_response (m, 200, NULL, "t1"));
          host_tcp_send (s, g_bytes_get_data (r, NULL), g_bytes_get_size (r), NULL);
          sip_msg_unref (m);
        }
      else
        g_ptr_array_add (t->responses, m);
    }
}

/* Connects @t to the registrar and sends a REGISTER of 3600 s over the
 * connection, with a Contact naming the connection's local port.  Returns
 * that port. */
static guint16
tcpua_register (TcpUa *t, Fx *x)
{
  t->host = x->ch;
  t->reader = sip_stream_reader_new (SIP_FRAME_ROLE_CLIENT, 0);
  t->responses = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
  t->sock = host_tcp_connect (x->ch, &x->ua.server, tcpua_ev, tcpua_rx, t, NULL);
  fx_run (x, SIM_S (1));
  g_assert_true (t->connected);
  SimSockAddr local;
  host_tcp_get_local (t->sock, &local);

  SipBuilder *b = sip_builder_request (SIP_METHOD_REGISTER, NULL, "sip:" DOMAIN);
  sip_builder_add_via (b, "TCP", "10.0.1.2", 5060, "z9hG4bKtcp1", TRUE);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_add (b, "From", "<sip:1001@" DOMAIN ">;tag=ft");
  sip_builder_add (b, "To", "<sip:1001@" DOMAIN ">");
  sip_builder_add (b, "Call-ID", "tcp-call@10.0.1.2");
  sip_builder_add (b, "CSeq", "1 REGISTER");
  sip_builder_add (b, "Contact", "<sip:1001@10.0.1.2:%u;transport=tcp>", local.port);
  sip_builder_add (b, "Expires", "3600");
  g_autoptr (GBytes) reg = sip_builder_finish (b);
  host_tcp_send (t->sock, g_bytes_get_data (reg, NULL), g_bytes_get_size (reg), NULL);
  return local.port;
}

static void
test_tcp_register_and_probe (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.probe_rate = 0.01;
  Fx x;
  fx_init (&x, &cfg);
  TcpUa t = { 0 };
  SimSockAddr local = { .port = tcpua_register (&t, &x) };
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (t.responses->len, ==, 1);
  SipMsg *ok = t.responses->pdata[0];
  g_assert_cmpuint (sip_msg_status (ok), ==, 200);
  const SipVia *v = sip_msg_via (ok, 0);
  g_assert_true (sip_str_eq (v->received, "10.0.1.2"));
  g_assert_cmpuint (v->rport, ==, local.port);

  /* Probes go down the connection and are answered. */
  fx_run (&x, SIM_S (1500));
  const GArray *pr = sip_proxy_get_probes (x.proxy);
  guint before = pr->len;
  g_assert_cmpuint (before, >, 0);
  g_assert_cmpuint (t.options_rx, ==, before);
  for (guint i = 0; i < before; i++)
    g_assert_true (g_array_index (pr, SipProxyProbe, i).reached);

  /* The connection goes: later probes have no flow. */
  host_tcp_free (t.sock);
  t.sock = NULL;
  fx_run (&x, SIM_S (1500));
  g_assert_cmpuint (pr->len, >, before);
  for (guint i = before; i < pr->len; i++)
    {
      const SipProxyProbe *p = &g_array_index (pr, SipProxyProbe, i);
      g_assert_false (p->reached);
      g_assert_cmpint (p->outcome, ==, SIP_PROXY_PROBE_NO_FLOW);
      g_assert_cmpint (p->done_at, ==, p->sent_at);
    }
  sip_stream_reader_free (t.reader);
  g_ptr_array_unref (t.responses);
  fx_clear (&x);
}


/* A request whose connection is gone before it is answered: with the
 * capacity server (1 request per s) the REGISTER waits 1 s, and the UA
 * resets its connection right after sending it.  The answer must find no
 * connection and end as a transport error, not write through a dangling
 * handle (before the transport's flow ids, the transaction kept a pointer
 * to the freed connection: a use after free under ASan).  The binding is
 * made without a flow, so its probes find none. */
static void
test_tcp_answer_after_reset (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.capacity_rps = 1;
  cfg.probe_rate = 0.01;
  Fx x;
  fx_init (&x, &cfg);
  TcpUa t = { 0 };
  tcpua_register (&t, &x);
  host_tcp_abort (t.sock);          /* RST behind the REGISTER */
  fx_run (&x, SIM_S (5));
  const SipProxyStats *st = sip_proxy_get_stats (x.proxy);
  g_assert_cmpuint (st->registers, ==, 1);
  g_assert_cmpuint (t.responses->len, ==, 0);
  fx_run (&x, SIM_S (3000));
  const GArray *pr = sip_proxy_get_probes (x.proxy);
  g_assert_cmpuint (pr->len, >, 0);
  for (guint i = 0; i < pr->len; i++)
    g_assert_cmpint (g_array_index (pr, SipProxyProbe, i).outcome, ==, SIP_PROXY_PROBE_NO_FLOW);
  host_tcp_free (t.sock);
  sip_stream_reader_free (t.reader);
  g_ptr_array_unref (t.responses);
  fx_clear (&x);
}

static void
crash_on_probe (SipProxy *proxy, const SipProxyProbe *probe, gpointer u)
{
  guint *calls = u;
  (*calls)++;
  sip_proxy_fault (proxy, SIP_PROXY_FAULT_CRASH);
}

/* A probe callback that crashes the proxy (proxy.h: allowed) is called
 * once for the probe, which is recorded once; the fault takes effect. */
static void
test_probe_callback_faults (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.probe_rate = 0.01;
  Fx x;
  fx_init (&x, &cfg);
  TcpUa t = { 0 };
  tcpua_register (&t, &x);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (t.responses->len, ==, 1);
  g_assert_cmpuint (sip_msg_status (t.responses->pdata[0]), ==, 200);
  /* Without its connection the first probe ends at once, NO_FLOW. */
  host_tcp_free (t.sock);
  t.sock = NULL;
  guint calls = 0;
  sip_proxy_set_probe_func (x.proxy, crash_on_probe, &calls);
  fx_run (&x, SIM_S (3000));
  const GArray *pr = sip_proxy_get_probes (x.proxy);
  g_assert_cmpuint (calls, ==, 1);
  g_assert_cmpuint (pr->len, ==, 1);
  g_assert_cmpint (g_array_index (pr, SipProxyProbe, 0).outcome, ==, SIP_PROXY_PROBE_NO_FLOW);
  g_assert_cmpint (sip_proxy_get_state (x.proxy), ==, SIP_PROXY_FAULT_CRASH);
  /* Down: later arrivals are skipped, not sent. */
  const SipProxyStats *st = sip_proxy_get_stats (x.proxy);
  g_assert_cmpuint (st->probes_sent, ==, 1);
  g_assert_cmpuint (st->probes_skipped, >, 0);
  sip_stream_reader_free (t.reader);
  g_ptr_array_unref (t.responses);
  fx_clear (&x);
}

/* ========================================================= 11-counters */

static void
test_malformed_and_keepalives (void)
{
  Fx x;
  fx_init (&x, NULL);
  const char *bad = "REGISTER sip:x SIP/2.0\r\nVia: nonsense\r\n\r\n";
  host_udp_sendto (x.ua.udp, &x.ua.server, bad, strlen (bad), NULL);
  host_udp_sendto (x.ua.udp, &x.ua.server, "\x80garbage", 8, NULL);
  host_udp_sendto (x.ua.udp, &x.ua.server, "keep-alive\r\n", 12, NULL);
  host_udp_sendto (x.ua.udp, &x.ua.server, "", 0, NULL);
  fx_run (&x, SIM_S (1));
  const SipProxyStats *st = sip_proxy_get_stats (x.proxy);
  g_assert_cmpuint (st->datagrams, ==, 4);
  g_assert_cmpuint (st->malformed, ==, 2);
  g_assert_cmpuint (st->keepalives, ==, 2);
  g_assert_cmpuint (st->requests, ==, 0);
  fx_clear (&x);
}


/* ===================================================== 12-flows (RFC 5626) */

/* A UA on the SipTransport: its own flows to the registrar, a transaction
 * layer on top, and a record of its flows' reports and of the flow each
 * incoming OPTIONS came down. */
typedef struct {
  SimHost      *host;
  SipTransport *tp;
  SipTxnLayer  *layer;
  GPtrArray    *finals;         /* SipMsg *, final responses */
  GArray       *downs;          /* SipFlowEvent of DOWN reports */
  GArray       *down_at;        /* SimTime */
  GArray       *options_flow;   /* SipFlowId each OPTIONS came on */
  guint         cseq;
} FlowUa;

static void
fua_resp (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  FlowUa *a = u;
  if (ev->outcome == SIP_TXN_RESPONSE && ev->status >= 200)
    g_ptr_array_add (a->finals, sip_msg_ref (ev->msg));
}

static void
fua_request (SipTxnLayer *layer, SipTxn *txn, SipMsg *req, const SipTxnPeer *from, gpointer u)
{
  FlowUa *a = u;
  SipFlowId id = sip_flow_from_handle (from->flow);
  g_array_append_val (a->options_flow, id);
  g_autoptr (SipMsg) r = sip_builder_finish_msg (sip_builder_response (req, 200, NULL, "fu"));
  sip_txn_respond (txn, r);
}

static void
fua_msg (SipTransport *tp, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  sip_txn_layer_receive (((FlowUa *) u)->layer, msg, from);
}

static void
fua_flow (SipTransport *tp, const SipFlowEvent *ev, gpointer u)
{
  FlowUa *a = u;
  if (ev->kind != SIP_FLOW_DOWN)
    return;
  SimTime now = host_now (a->host);
  g_array_append_val (a->downs, *ev);
  g_array_append_val (a->down_at, now);
  sip_txn_layer_transport_error (a->layer, sip_flow_to_handle (ev->flow), NULL, ev->error);
}

static void
fua_init (FlowUa *a, SimHost *host)
{
  memset (a, 0, sizeof *a);
  a->host = host;
  SipTransportFuncs f = { .message = fua_msg, .flow = fua_flow };
  a->tp = sip_transport_new (host, NULL, &f, a);
  a->layer = sip_txn_layer_new (host, NULL, sip_transport_txn_send, a->tp);
  SipTxnTuFuncs tu = { .request = fua_request };
  sip_txn_layer_set_tu (a->layer, &tu, a);
  a->finals = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
  a->downs = g_array_new (FALSE, FALSE, sizeof (SipFlowEvent));
  a->down_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  a->options_flow = g_array_new (FALSE, FALSE, sizeof (SipFlowId));
}

static void
fua_clear (FlowUa *a)
{
  sip_txn_layer_free (a->layer);
  sip_transport_free (a->tp);
  g_ptr_array_unref (a->finals);
  g_array_unref (a->downs);
  g_array_unref (a->down_at);
  g_array_unref (a->options_flow);
}

/* Sends an RFC 5626 REGISTER (instance, reg-id) on @flow. */
static void
fua_register (FlowUa *a, SipFlowId flow, gint reg_id)
{
  SimSockAddr local, remote;
  g_assert_true (sip_transport_flow_addrs (a->tp, flow, &local, &remote));
  g_autofree char *branch = g_strdup_printf ("z9hG4bKfu%u", ++a->cseq);
  SipBuilder *b = sip_builder_request (SIP_METHOD_REGISTER, NULL, "sip:" DOMAIN);
  sip_builder_add_via (b, "TCP", "10.0.1.2", local.port, branch, TRUE);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_add (b, "From", "<sip:1001@" DOMAIN ">;tag=fu");
  sip_builder_add (b, "To", "<sip:1001@" DOMAIN ">");
  sip_builder_add (b, "Call-ID", "fu-call@10.0.1.2");
  sip_builder_add (b, "CSeq", "%u REGISTER", a->cseq);
  sip_builder_add (b, "Supported", "outbound, path");
  sip_builder_add (b, "Contact", "<sip:1001@10.0.1.2:%u;transport=tcp;ob>"
                   ";reg-id=%d;+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-000000000001>\"",
                   local.port, reg_id);
  sip_builder_add (b, "Expires", "3600");
  g_autoptr (SipMsg) m = sip_builder_finish_msg (b);
  SipTxnPeer to = { .addr = remote, .reliable = TRUE, .flow = sip_flow_to_handle (flow) };
  g_assert_nonnull (sip_txn_client_new (a->layer, m, &to, NULL, fua_resp, a));
}

/* Two flows (reg-id 1 and 2) to the edge registrar: each REGISTER gets
 * 200 with Require: outbound and a Path whose URI has "ob" (§5.1); each
 * binding's probes come down the flow it was made on (§5.3). */
static void
test_flows_bound (void)
{
  SipProxyConfig cfg;
  sip_proxy_config_init (&cfg);
  cfg.outbound = TRUE;                 /* off out of the box */
  cfg.path_ob = TRUE;
  cfg.probe_rate = 0.02;
  Fx x;
  fx_init (&x, &cfg);
  FlowUa a;
  fua_init (&a, x.ch);
  SipFlowId f1 = sip_transport_connect (a.tp, SIP_TRANSPORT_TCP, &x.ua.server, NULL, NULL);
  SipFlowId f2 = sip_transport_connect (a.tp, SIP_TRANSPORT_TCP, &x.ua.server, NULL, NULL);
  fx_run (&x, SIM_S (1));
  fua_register (&a, f1, 1);
  fua_register (&a, f2, 2);
  fx_run (&x, SIM_S (1));
  g_assert_cmpuint (a.finals->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      SipMsg *ok = a.finals->pdata[i];
      g_assert_cmpuint (sip_msg_status (ok), ==, 200);
      g_assert_true (sip_msg_has_option_tag (ok, SIP_HDR_REQUIRE, "outbound"));
      SipStr path = sip_msg_header (ok, "Path", 0);
      g_autofree char *ps = g_strndup (path.p, path.len);
      g_assert_nonnull (strstr (ps, ";lr;ob>"));
    }
  g_assert_cmpuint (sip_proxy_aor_binding_count (x.proxy, "1001@" DOMAIN), ==, 2);
  fx_run (&x, SIM_S (600));
  const GArray *pr = sip_proxy_get_probes (x.proxy);
  g_assert_cmpuint (pr->len, >, 4);
  g_assert_cmpuint (a.options_flow->len, ==, pr->len);
  guint on1 = 0, on2 = 0;
  for (guint i = 0; i < pr->len; i++)
    {
      const SipProxyProbe *p = &g_array_index (pr, SipProxyProbe, i);
      g_assert_true (p->reached);
      SipFlowId came = g_array_index (a.options_flow, SipFlowId, i);
      SimSockAddr local;
      sip_transport_flow_addrs (a.tp, came, &local, NULL);
      /* the probe's flow address is the UA's end of the flow it came on */
      g_assert_cmpuint (p->to.port, ==, local.port);
      on1 += came == f1;
      on2 += came == f2;
    }
  g_assert_cmpuint (on1, >, 0);
  g_assert_cmpuint (on2, >, 0);
  fua_clear (&a);
  fx_clear (&x);
}


/* The same over TLS (5061): a verifying UA registers over a TLS 1.3 flow
 * and the registrar's probes come down it (Via transport TLS); an
 * untrusted registrar certificate fails the flow with tls-certificate. */
static void
test_flows_tls (void)
{
  for (int bad = 0; bad < 2; bad++)
    {
      SipProxyConfig cfg;
      sip_proxy_config_init (&cfg);
      cfg.probe_rate = 0.05;
      cfg.tls_cert_trusted = !bad;
      Fx x;
      fx_init (&x, &cfg);
      FlowUa a;
      fua_init (&a, x.ch);
      SimSockAddr tls_srv = { x.ua.server.ip, 5061 };
      SipFlowId f1 = sip_transport_connect (a.tp, SIP_TRANSPORT_TLS, &tls_srv, NULL, NULL);
      fx_run (&x, SIM_S (1));
      if (bad)
        {
          g_assert_cmpuint (a.downs->len, ==, 1);
          g_assert_cmpint (g_array_index (a.downs, SipFlowEvent, 0).failure, ==,
                           SIP_FLOW_FAIL_TLS_CERT);
          fua_clear (&a);
          fx_clear (&x);
          continue;
        }
      fua_register (&a, f1, 1);
      fx_run (&x, SIM_S (300));
      g_assert_cmpuint (a.finals->len, ==, 1);
      g_assert_cmpuint (sip_msg_status (a.finals->pdata[0]), ==, 200);
      const GArray *pr = sip_proxy_get_probes (x.proxy);
      g_assert_cmpuint (pr->len, >, 3);
      g_assert_cmpuint (a.options_flow->len, ==, pr->len);
      for (guint i = 0; i < pr->len; i++)
        {
          g_assert_true (g_array_index (pr, SipProxyProbe, i).reached);
          g_assert_cmpuint (g_array_index (a.options_flow, SipFlowId, i), ==, f1);
        }
      fua_clear (&a);
      fx_clear (&x);
    }
}

/* RESTART with connections reset (the default): the UA's flow is reset
 * when the RST arrives (fault + 2L); a connect during the downtime is
 * refused (no listener: RST back at +4L); after restart_downtime it
 * succeeds.  With SILENT the flow survives until the UA sends: the
 * restarted kernel answers that segment with RST, 4L after the send. */
static void
test_flows_restart (void)
{
  for (int silent = 0; silent < 2; silent++)
    {
      SipProxyConfig cfg;
      sip_proxy_config_init (&cfg);
      cfg.restart_conns = silent ? SIP_PROXY_CONNS_SILENT : SIP_PROXY_CONNS_RESET;
      Fx x;
      fx_init (&x, &cfg);
      FlowUa a;
      fua_init (&a, x.ch);
      SipFlowId f1 = sip_transport_connect (a.tp, SIP_TRANSPORT_TCP, &x.ua.server, NULL, NULL);
      fx_run (&x, SIM_S (1));
      fua_register (&a, f1, 1);
      fx_run (&x, SIM_S (1));
      g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 1);
      SimTime t_fault = sim_world_now (x.f.world);
      sip_proxy_fault (x.proxy, SIP_PROXY_FAULT_RESTART);
      g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 0);
      fx_run (&x, SIM_S (1));
      if (!silent)
        {
          g_assert_cmpuint (a.downs->len, ==, 1);
          g_assert_cmpint (g_array_index (a.downs, SipFlowEvent, 0).failure, ==,
                           SIP_FLOW_FAIL_RESET);
          g_assert_cmpint (g_array_index (a.down_at, SimTime, 0), ==, t_fault + 2 * L);
          SimTime t_try = sim_world_now (x.f.world);
          sip_transport_connect (a.tp, SIP_TRANSPORT_TCP, &x.ua.server, NULL, NULL);
          fx_run (&x, SIM_S (1));
          g_assert_cmpuint (a.downs->len, ==, 2);
          g_assert_cmpint (g_array_index (a.downs, SipFlowEvent, 1).failure, ==,
                           SIP_FLOW_FAIL_REFUSED);
          g_assert_cmpint (g_array_index (a.down_at, SimTime, 1), ==, t_try + RTT);
        }
      else
        {
          g_assert_cmpuint (a.downs->len, ==, 0);
          SimTime t_send = sim_world_now (x.f.world);
          fua_register (&a, f1, 1);
          fx_run (&x, SIM_S (1));
          g_assert_cmpuint (a.downs->len, ==, 1);
          g_assert_cmpint (g_array_index (a.downs, SipFlowEvent, 0).failure, ==,
                           SIP_FLOW_FAIL_RESET);
          g_assert_cmpint (g_array_index (a.down_at, SimTime, 0), ==, t_send + RTT);
        }
      /* Back after restart_downtime (10 s): a new flow registers again. */
      fx_run (&x, cfg.restart_downtime);
      SipFlowId f3 = sip_transport_connect (a.tp, SIP_TRANSPORT_TCP, &x.ua.server, NULL, NULL);
      fx_run (&x, SIM_S (1));
      g_assert_true (sip_transport_flow_is_up (a.tp, f3));
      fua_register (&a, f3, 1);
      fx_run (&x, SIM_S (1));
      g_assert_cmpuint (sip_proxy_binding_count (x.proxy), ==, 1);
      fua_clear (&a);
      fx_clear (&x);
    }
}

/* CRASH (a hung process, connections kept): the kernel still ACKs, so only
 * the CRLF keep-alive finds out: no pong, KEEPALIVE 10 s after the first
 * ping that follows the crash (RFC 5626 §4.4.1). */
static void
test_flows_crash_hang (void)
{
  Fx x;
  fx_init (&x, NULL);
  FlowUa a;
  fua_init (&a, x.ch);
  SipFlowParams fp = { .ka_min = SIM_S (25), .ka_max = SIM_S (25) };
  sip_transport_connect (a.tp, SIP_TRANSPORT_TCP, &x.ua.server, &fp, NULL);
  /* UP at RTT; pings at RTT + 25 s, then 25 s after each pong (RTT later). */
  fx_run (&x, SIM_S (30));
  sip_proxy_fault (x.proxy, SIP_PROXY_FAULT_CRASH);
  fx_run (&x, SIM_S (60));
  SimTime ping2 = RTT + SIM_S (25) + RTT + SIM_S (25);
  g_assert_cmpuint (a.downs->len, ==, 1);
  g_assert_cmpint (g_array_index (a.downs, SipFlowEvent, 0).failure, ==, SIP_FLOW_FAIL_KEEPALIVE);
  g_assert_cmpint (g_array_index (a.down_at, SimTime, 0), ==, ping2 + SIM_S (10));
  fua_clear (&a);
  fx_clear (&x);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/proxy/1-register/granted-expires", test_register_granted);
  g_test_add_func ("/proxy/1-register/423-min-expires", test_register_423);
  g_test_add_func ("/proxy/1-register/expiry-exact", test_register_expiry_exact);
  g_test_add_func ("/proxy/1-register/refresh-extends", test_register_refresh);
  g_test_add_func ("/proxy/1-register/remove-and-star", test_register_remove);
  g_test_add_func ("/proxy/1-register/cseq-order", test_register_cseq_order);
  g_test_add_func ("/proxy/1-register/many-aors", test_register_many_aors);
  g_test_add_func ("/proxy/2-via/received-rport", test_via_received_rport);
  g_test_add_func ("/proxy/2-via/received-no-rport", test_via_received_no_rport);
  g_test_add_func ("/proxy/3-auth/challenge-verify", test_auth);
  g_test_add_func ("/proxy/4-keepalive/options-notify", test_options_notify);
  g_test_add_func ("/proxy/4-keepalive/stun", test_stun);
  g_test_add_func ("/proxy/1-register/same-instance-replaces", test_register_instance_replaces);
  g_test_add_func ("/proxy/1-register/raise-to-minimum", test_register_raise_to_minimum);
  g_test_add_func ("/proxy/1-register/malformed-400", test_register_malformed_400);
  g_test_add_func ("/proxy/4-keepalive/crlf-udp", test_crlf_udp);
  g_test_add_func ("/proxy/4-keepalive/crlf-tcp", test_crlf_tcp);
  g_test_add_func ("/proxy/5-faults/crash-silent", test_fault_crash);
  g_test_add_func ("/proxy/5-faults/reject-503-retry-after", test_fault_reject);
  g_test_add_func ("/proxy/5-faults/restart-loses-bindings", test_fault_restart);
  g_test_add_func ("/proxy/5-faults/slow-exact-delay", test_fault_slow);
  g_test_add_func ("/proxy/5-faults/kill-icmp-port-unreachable", test_fault_kill);
  g_test_add_func ("/proxy/5-faults/random-reproducible", test_fault_random);
  g_test_add_func ("/proxy/6-capacity/overload-503", test_capacity_503);
  g_test_add_func ("/proxy/6-capacity/overload-drop", test_capacity_drop);
  g_test_add_func ("/proxy/7-probes/poisson-count", test_probe_rate);
  g_test_add_func ("/proxy/7-probes/reproducible", test_probe_reproducible);
  g_test_add_func ("/proxy/7-probes/closed-socket-icmp", test_probe_closed_socket);
  g_test_add_func ("/proxy/7-probes/silent-timer-f", test_probe_silent);
  g_test_add_func ("/proxy/7-probes/callback-may-fault", test_probe_callback_faults);
  g_test_add_func ("/proxy/7-probes/not-kept", test_probe_not_kept);
  g_test_add_func ("/proxy/8-nat/mapping-and-pinhole", test_nat_mapping_and_pinhole);
  g_test_add_func ("/proxy/9-outbound/require-flow-timer", test_outbound);
  g_test_add_func ("/proxy/10-tcp/register-and-probe", test_tcp_register_and_probe);
  g_test_add_func ("/proxy/10-tcp/answer-after-reset", test_tcp_answer_after_reset);
  g_test_add_func ("/proxy/11-counters/malformed-keepalives", test_malformed_and_keepalives);
  g_test_add_func ("/proxy/12-flows/bound-path-ob", test_flows_bound);
  g_test_add_func ("/proxy/12-flows/tls", test_flows_tls);
  g_test_add_func ("/proxy/12-flows/restart-reset-silent", test_flows_restart);
  g_test_add_func ("/proxy/12-flows/crash-hang-keepalive", test_flows_crash_hang);
  return g_test_run ();
}
