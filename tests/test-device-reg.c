/*
 * tests/test-device-reg.c - the registration leg (models/device/reg.c)
 * against the registrar model and a scripted registrar, on the device
 * fixture's network (phone 192.168.1.10, proxies 198.51.100.10/.20/.30,
 * 10 ms per link, 3 links phone -> server: one way 30 ms, round trip
 * 60 ms).
 *
 * Expected values come from the rules: RFC 3261 §10.2 and §17.1.2.2
 * (Timer E/F schedule computed here from T1, T2, F), RFC 3581, and
 * BEHAVIOUR.md B4, B6, B7, B38, B39, B45.
 */
#include <string.h>

#include "tests/device-fixture.h"
#include "tests/device-owner.h"
#include "models/device/reg.h"

#define DOMAIN    "sipsim.test"
#define USER      "1000"
#define PASSWORD  "secret"
#define INSTANCE  "<urn:uuid:00000000-0000-1000-8000-0011223344aa>"
#define PHONE_PORT 5060

typedef struct {
  DeviceFixture       fx;
  Owner               o;
  DeviceAccountConfig acc;
  SimRng              rng;
  DeviceReg          *reg;
  /* outcomes */
  guint               calls;
  DeviceRegResult     res;
  SimTime             done_at;
  gboolean            in_start;
  gboolean            called_in_start;
} T;

static void
acc_init (DeviceAccountConfig *acc)
{
  memset (acc, 0, sizeof *acc);
  acc->register_expires = 60;
  acc->expires_in_contact = TRUE;            /* B4 (OBi) */
  acc->include_instance = TRUE;
  acc->max_redirects = 5;                    /* B6 */
  acc->max_auth = 2;                         /* B6 */
  acc->transaction_timeout = SIM_S (32);     /* 64 * T1 */
  acc->t1 = SIM_MS (500);
  acc->t2 = SIM_S (4);
  acc->rport = TRUE;
  acc->reg_id = 1;
}

static void
t_init_full (T *t, gboolean nat, const SipProxyConfig *pc, const char *password,
             const char *instance)
{
  memset (t, 0, sizeof *t);
  device_fixture_init (&t->fx, &(DeviceFixtureOptions) { .seed = 7, .nat = nat,
                                                         .proxy_cfg = pc });
  owner_open (&t->o, t->fx.phone_host, DEVICE_FIXTURE_PHONE_IP, PHONE_PORT);
  acc_init (&t->acc);
  host_rng_init (t->fx.phone_host, &t->rng, "reg");
  DeviceRegIdentity id = { .user = USER, .domain = DOMAIN, .auth_username = USER,
                           .auth_password = password, .instance = instance,
                           .user_agent = "sipsim-test", .trace_name = "SP1" };
  t->reg = device_reg_new (t->o.layer, &t->rng, &t->acc, &id);
}

/* A new leg after a change to t->acc (the leg takes register_expires
 * when created). */
static void
t_renew (T *t, const char *password, const char *instance)
{
  device_reg_free (t->reg);
  DeviceRegIdentity id = { .user = USER, .domain = DOMAIN, .auth_username = password ? USER : NULL,
                           .auth_password = password, .instance = instance,
                           .trace_name = "SP1" };
  t->reg = device_reg_new (t->o.layer, &t->rng, &t->acc, &id);
}

static void
t_init (T *t)
{
  t_init_full (t, FALSE, NULL, PASSWORD, INSTANCE);
}

static void
t_clear (T *t)
{
  device_reg_free (t->reg);
  owner_close (&t->o);
  fx_clear_no_device (&t->fx);
}

static void
on_result (DeviceReg *reg, const DeviceRegResult *res, gpointer u)
{
  T *t = u;
  t->calls++;
  t->res = *res;
  t->done_at = host_now (t->fx.phone_host);
  t->called_in_start = t->called_in_start || t->in_start;
}

static DeviceRegRequest
request_to (T *t, SimSockAddr server)
{
  return (DeviceRegRequest) { .server = server, .flow = t->o.udp,
                              .via_ip = DEVICE_FIXTURE_PHONE_IP, .via_port = PHONE_PORT,
                              .contact_ip = DEVICE_FIXTURE_PHONE_IP,
                              .contact_port = PHONE_PORT };
}

/* One attempt from now, run to completion (or @run). */
static SimTime
attempt (T *t, const DeviceRegRequest *req, SimTime run)
{
  SimTime t0 = host_now (t->fx.phone_host);
  t->calls = 0;
  t->in_start = TRUE;
  g_assert_true (device_reg_start (t->reg, req, on_result, t));
  t->in_start = FALSE;
  g_assert_true (device_reg_is_busy (t->reg));
  g_assert_cmpuint (t->calls, ==, 0);
  sim_world_run_until (t->fx.world, t0 + run);
  g_assert_false (t->called_in_start);
  return t0;
}

#define ONE_WAY(t) (3 * (t)->fx.latency)
#define RTT(t)     (6 * (t)->fx.latency)

/* ------------------------------------------------------------ B4 shape */

static void
test_b4_shape_contact_expires (void)
{
  T t;
  t_init (&t);
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_OK);
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5080 });
  SimTime t0 = attempt (&t, &rq, SIM_S (5));
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  g_assert_cmpint (t.done_at, ==, t0 + RTT (&t));
  g_assert_cmpuint (t.res.granted_s, ==, 60);    /* the Contact's expires, echoed */
  g_assert_cmpuint (sc.rx->len, ==, 1);
  g_assert_cmpint (g_array_index (sc.rx_at, SimTime, 0), ==, t0 + ONE_WAY (&t));

  SipMsg *m = sc.rx->pdata[0];
  g_assert_cmpint (sip_msg_method (m), ==, SIP_METHOD_REGISTER);
  g_assert_true (sip_str_eq (sip_msg_request_uri_str (m), "sip:" DOMAIN));
  const SipVia *v = sip_msg_via (m, 0);
  g_assert_true (sip_str_eq (v->transport, "UDP"));
  g_assert_true (sip_str_eq (v->host, "192.168.1.10"));
  g_assert_cmpuint (v->port, ==, PHONE_PORT);
  g_assert_true (v->has_rport);                   /* B4, RFC 3581 */
  g_assert_cmpuint (v->rport, ==, 0);
  g_assert_true (v->branch.len > 7 && memcmp (v->branch.p, "z9hG4bK", 7) == 0);
  g_assert_cmpint (sip_msg_max_forwards (m), ==, 70);
  g_assert_true (sip_str_present (sip_msg_from (m)->tag));
  g_assert_false (sip_str_present (sip_msg_to (m)->tag));
  g_assert_true (sip_str_eq (sip_msg_from (m)->uri_str, "sip:" USER "@" DOMAIN));
  g_assert_true (sip_str_eq (sip_msg_to (m)->uri_str, "sip:" USER "@" DOMAIN));
  g_assert_cmpuint (sip_msg_contact_count (m), ==, 1);
  const SipContact *c = sip_msg_contact (m, 0);
  g_assert_true (sip_str_eq (c->addr.uri_str, "sip:" USER "@192.168.1.10:5060"));
  g_assert_cmpint (c->expires, ==, 60);           /* B4: on the Contact ... */
  g_assert_cmpint (sip_msg_expires (m), ==, -1);  /* ... not in an Expires header */
  g_assert_true (sip_str_eq (c->instance, INSTANCE));
  g_assert_cmpint (c->reg_id, ==, -1);            /* outbound off */
  g_assert_false (sip_str_present (sip_msg_header (m, "Supported", 0)));
  g_assert_true (sip_str_eq (sip_msg_header (m, "User-Agent", 0), "sipsim-test"));
  g_assert_cmpuint (sip_msg_cseq (m)->seq, ==, 1);
  g_assert_cmpuint (device_reg_get_cseq (t.reg), ==, 1);
  g_assert_true (sip_str_eq (sip_msg_call_id (m), device_reg_get_call_id (t.reg)));

  /* The next attempt (a refresh): same Call-ID and From tag, CSeq + 1,
   * a new branch (B4, RFC 3261 §10.2.4, §8.1.1.7). */
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpuint (sc.rx->len, ==, 2);
  SipMsg *m2 = sc.rx->pdata[1];
  g_assert_cmpuint (sip_msg_cseq (m2)->seq, ==, 2);
  g_assert_true (sip_str_eq (sip_msg_call_id (m2), device_reg_get_call_id (t.reg)));
  g_autofree char *tag1 = sip_str_dup (sip_msg_from (m)->tag);
  g_assert_true (sip_str_eq (sip_msg_from (m2)->tag, tag1));
  g_autofree char *br1 = sip_str_dup (v->branch);
  g_assert_false (sip_str_eq (sip_msg_via (m2, 0)->branch, br1));
  script_close (&sc);
  t_clear (&t);
}

static void
test_b4_shape_expires_header (void)
{
  T t;
  t_init_full (&t, FALSE, NULL, PASSWORD, NULL);   /* X_RegisterIncludeInstance off */
  t.acc.expires_in_contact = FALSE;
  t.acc.register_expires = 300;
  t_renew (&t, PASSWORD, NULL);
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_OK);
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5080 });
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  g_assert_cmpuint (t.res.granted_s, ==, 300);     /* from the Expires header */
  SipMsg *m = sc.rx->pdata[0];
  const SipContact *c = sip_msg_contact (m, 0);
  g_assert_cmpint (c->expires, ==, -1);
  g_assert_false (sip_str_present (c->instance));
  g_assert_cmpint (sip_msg_expires (m), ==, 300);

  /* B45: the old contact listed with expires=0 beside the new one; each
   * contact carries its own expiry then. */
  rq.remove_old = TRUE;
  rq.old_ip = SIM_IP4 (192, 168, 1, 99);
  rq.old_port = 5070;
  attempt (&t, &rq, SIM_S (5));
  m = sc.rx->pdata[1];
  g_assert_cmpuint (sip_msg_contact_count (m), ==, 2);
  g_assert_cmpint (sip_msg_contact (m, 0)->expires, ==, 300);
  g_assert_true (sip_str_eq (sip_msg_contact (m, 1)->addr.uri_str,
                             "sip:" USER "@192.168.1.99:5070"));
  g_assert_cmpint (sip_msg_contact (m, 1)->expires, ==, 0);
  g_assert_cmpint (sip_msg_expires (m), ==, -1);

  /* Unregister: expires 0 for the contact. */
  rq.remove_old = FALSE;
  rq.unregister = TRUE;
  attempt (&t, &rq, SIM_S (5));
  m = sc.rx->pdata[2];
  g_assert_cmpint (sip_msg_expires (m), ==, 0);
  g_assert_cmpuint (sip_msg_cseq (m)->seq, ==, 3);
  g_assert_cmpuint (device_reg_get_expires (t.reg), ==, 300);
  script_close (&sc);
  t_clear (&t);
}

static void
test_b4_shape_outbound (void)
{
  T t;
  t_init (&t);
  t.acc.outbound = TRUE;
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5060 });
  attempt (&t, &rq, SIM_S (5));
  /* The registrar model honours RFC 5626 (proxy.h note 3). */
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  g_assert_true (t.res.outbound);
  g_assert_cmpuint (sip_proxy_binding_count (t.fx.proxy[0]), ==, 1);

  /* On the wire: reg-id after the instance, Supported: outbound (RFC 5626
   * §4.2, §5.2). */
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_OK);
  rq.server = (SimSockAddr) { t.fx.proxy_ip[0], 5080 };
  attempt (&t, &rq, SIM_S (5));
  SipMsg *m = sc.rx->pdata[0];
  g_assert_cmpint (sip_msg_contact (m, 0)->reg_id, ==, 1);
  g_assert_true (sip_str_eq (sip_msg_contact (m, 0)->instance, INSTANCE));
  g_assert_true (sip_msg_has_option_tag (m, SIP_HDR_SUPPORTED, "outbound"));
  script_close (&sc);
  t_clear (&t);
}

/* ------------------------------------------------------ B6 in-attempt */

static const SipProxyUser users[] = { { USER, PASSWORD } };

static void
proxy_cfg_auth (SipProxyConfig *pc)
{
  sip_proxy_config_init (pc);
  pc->users = users;
  pc->n_users = 1;
}

static void
test_b6_401_digest (void)
{
  SipProxyConfig pc;
  proxy_cfg_auth (&pc);
  T t;
  t_init_full (&t, FALSE, &pc, PASSWORD, INSTANCE);
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5060 });
  SimTime t0 = attempt (&t, &rq, SIM_S (5));
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  g_assert_cmpuint (t.res.status, ==, 200);
  g_assert_cmpuint (t.res.requests, ==, 2);        /* REGISTER, 401, REGISTER + credentials */
  g_assert_cmpint (t.done_at, ==, t0 + 2 * RTT (&t));   /* the retry left at once */
  g_assert_cmpuint (device_reg_get_cseq (t.reg), ==, 2);
  const SipProxyStats *st = sip_proxy_get_stats (t.fx.proxy[0]);
  g_assert_cmpuint (st->r401, ==, 1);
  g_assert_cmpuint (st->r200, ==, 1);
  SimTime exp_at;
  g_assert_true (sip_proxy_lookup (t.fx.proxy[0], USER "@" DOMAIN,
                                   "sip:" USER "@192.168.1.10:5060", &exp_at, NULL));
  /* Registered when the second REGISTER arrived, for the 60 s asked. */
  g_assert_cmpint (exp_at, ==, t0 + RTT (&t) + ONE_WAY (&t) + SIM_S (60));
  t_clear (&t);
}

static void
test_b6_401_wrong_password (void)
{
  SipProxyConfig pc;
  proxy_cfg_auth (&pc);
  T t;
  t_init_full (&t, FALSE, &pc, "wrong", INSTANCE);
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5060 });
  SimTime t0 = attempt (&t, &rq, SIM_S (5));
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_FAILED);
  g_assert_cmpuint (t.res.status, ==, 401);
  /* B6: "once 2 consecutive 401/407 have arrived, it is an error": the
   * max_auth-th challenge ends the attempt, so max_auth REGISTERs. */
  guint want = t.acc.max_auth;
  g_assert_cmpuint (t.res.requests, ==, want);
  g_assert_cmpuint (sip_proxy_get_stats (t.fx.proxy[0])->registers, ==, want);
  g_assert_cmpuint (sip_proxy_get_stats (t.fx.proxy[0])->r401, ==, want);
  g_assert_cmpint (t.done_at, ==, t0 + want * RTT (&t));
  g_assert_cmpuint (sip_proxy_binding_count (t.fx.proxy[0]), ==, 0);
  t_clear (&t);
}

static void
test_b6_401_no_credentials (void)
{
  SipProxyConfig pc;
  proxy_cfg_auth (&pc);
  T t;
  t_init_full (&t, FALSE, &pc, PASSWORD, INSTANCE);
  t_renew (&t, NULL, INSTANCE);
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5060 });
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_FAILED);
  g_assert_cmpuint (t.res.status, ==, 401);
  g_assert_cmpuint (t.res.requests, ==, 1);        /* nothing to answer with */
  t_clear (&t);
}

static void
test_b6_423_min_expires (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.min_expires = 600;
  T t;
  t_init_full (&t, FALSE, &pc, PASSWORD, INSTANCE);
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5060 });
  SimTime t0 = attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  g_assert_cmpuint (t.res.requests, ==, 2);
  g_assert_cmpuint (t.res.granted_s, ==, 600);
  g_assert_cmpuint (device_reg_get_expires (t.reg), ==, 600);
  g_assert_cmpuint (sip_proxy_get_stats (t.fx.proxy[0])->r423, ==, 1);
  SimTime exp_at;
  g_assert_true (sip_proxy_lookup (t.fx.proxy[0], USER "@" DOMAIN,
                                   "sip:" USER "@192.168.1.10:5060", &exp_at, NULL));
  g_assert_cmpint (exp_at, ==, t0 + RTT (&t) + ONE_WAY (&t) + SIM_S (600));

  /* Kept for the refresh: one REGISTER asking 600. */
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  g_assert_cmpuint (t.res.requests, ==, 1);
  g_assert_cmpuint (t.res.granted_s, ==, 600);
  t_clear (&t);
}

static void
test_b6_423_not_higher (void)
{
  /* B6: a 423 whose Min-Expires is not above the expiry asked is an error. */
  T t;
  t_init (&t);
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_STATUS);
  sc.status = 423;
  sc.hname = "Min-Expires";
  sc.hvalue = "60";                      /* = the 60 s asked */
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5080 });
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_FAILED);
  g_assert_cmpuint (t.res.status, ==, 423);
  g_assert_cmpuint (t.res.requests, ==, 1);
  g_assert_cmpuint (device_reg_get_expires (t.reg), ==, 60);

  /* A challenge that does not parse is an error too (B6). */
  sc.status = 401;
  sc.hname = "WWW-Authenticate";
  sc.hvalue = "Digest realm";
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_FAILED);
  g_assert_cmpuint (t.res.status, ==, 401);
  g_assert_cmpuint (t.res.requests, ==, 1);

  /* A 3xx without a usable Contact (B6). */
  sc.status = 301;
  sc.hname = "Contact";
  sc.hvalue = "<sip:" USER "@elsewhere.test>";
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_FAILED);
  g_assert_cmpuint (t.res.status, ==, 301);
  g_assert_cmpuint (t.res.requests, ==, 1);

  /* 1xx: keep waiting; any other final is the status. */
  sc.status = 403;
  sc.hname = NULL;
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_FAILED);
  g_assert_cmpuint (t.res.status, ==, 403);
  g_assert_cmpint (t.res.retry_after, ==, -1);
  script_close (&sc);
  t_clear (&t);
}

static void
test_b6_3xx_redirect (void)
{
  T t;
  t_init (&t);
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_REDIRECT);
  sc.redirect_to = (SimSockAddr) { t.fx.proxy_ip[1], 5060 };
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5080 });
  SimTime t0 = attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  g_assert_cmpuint (t.res.requests, ==, 2);
  g_assert_true (sim_sockaddr_equal (&t.res.server, &sc.redirect_to));
  g_assert_cmpint (t.done_at, ==, t0 + 2 * RTT (&t));
  g_assert_cmpuint (sc.rx->len, ==, 1);
  g_assert_cmpuint (sip_proxy_get_stats (t.fx.proxy[1])->registers, ==, 1);
  g_assert_cmpuint (sip_proxy_binding_count (t.fx.proxy[1]), ==, 1);
  script_close (&sc);
  t_clear (&t);
}

static void
test_b6_3xx_loop (void)
{
  T t;
  t_init (&t);
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_REDIRECT);
  sc.redirect_to = (SimSockAddr) { t.fx.proxy_ip[0], 5080 };   /* to itself */
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5080 });
  SimTime t0 = attempt (&t, &rq, SIM_S (10));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_FAILED);
  g_assert_cmpuint (t.res.status, ==, 302);
  /* max_redirects followed in a row; the next 3xx is the error. */
  guint want = 1 + t.acc.max_redirects;
  g_assert_cmpuint (t.res.requests, ==, want);
  g_assert_cmpuint (sc.rx->len, ==, want);
  g_assert_cmpint (t.done_at, ==, t0 + want * RTT (&t));
  /* Each REGISTER is a new transaction with CSeq + 1. */
  for (guint i = 0; i < sc.rx->len; i++)
    g_assert_cmpuint (sip_msg_cseq (sc.rx->pdata[i])->seq, ==, i + 1);
  script_close (&sc);
  t_clear (&t);
}

/* ------------------------------------------------- Timer F, ICMP, 503 */

/* RFC 3261 §17.1.2.2: sends at 0, then after T1, doubling up to T2,
 * until Timer F; a retransmission due at F is not sent (transaction.h
 * note 5). */
static guint
expected_sends (SimTime t1, SimTime t2, SimTime f, SimTime *at)
{
  guint n = 0;
  SimTime t = 0, iv = t1;
  at[n++] = 0;
  for (;;)
    {
      t += iv;
      if (t >= f)
        break;
      at[n++] = t;
      iv = MIN (2 * iv, t2);
    }
  return n;
}

static void
run_timer_f (SimTime f, guint rfc_n)
{
  T t;
  t_init (&t);
  t.acc.transaction_timeout = f;
  sip_proxy_fault (t.fx.proxy[0], SIP_PROXY_FAULT_CRASH);
  sim_world_run_until (t.fx.world, SIM_S (1));
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5060 });
  SimTime t0 = attempt (&t, &rq, SIM_S (60));
  SimTime want[32];
  guint n = expected_sends (t.acc.t1, t.acc.t2, f, want);
  g_assert_cmpuint (n, ==, rfc_n);
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_TIMEOUT);
  g_assert_cmpuint (t.res.status, ==, 0);
  g_assert_cmpuint (t.res.requests, ==, 1);       /* one REGISTER, retransmitted */
  g_assert_cmpint (t.done_at, ==, t0 + f);
  g_assert_cmpuint (t.o.sent_at->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (g_array_index (t.o.sent_at, SimTime, i), ==, t0 + want[i]);
  g_assert_false (device_reg_is_busy (t.reg));
  t_clear (&t);
}

static void
test_b6_timer_f_32s (void)
{
  run_timer_f (64 * SIM_MS (500), 11);
}

static void
test_b6_timer_f_4s (void)
{
  run_timer_f (SIM_S (4), 4);
}

static void
test_b38_icmp (void)
{
  T t;
  t_init (&t);
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5099 });
  SimTime t0 = attempt (&t, &rq, SIM_S (5));
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_TRANSPORT_ERROR);
  g_assert_cmpint (t.res.net_error, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmpint (t.done_at, ==, t0 + RTT (&t));   /* the ICMP error came straight back */
  g_assert_cmpuint (t.o.sent_at->len, ==, 1);
  t_clear (&t);
}

static void
test_b7_503_retry_after (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.retry_after = 90;
  T t;
  t_init_full (&t, FALSE, &pc, PASSWORD, INSTANCE);
  sip_proxy_fault (t.fx.proxy[0], SIP_PROXY_FAULT_REJECT);
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5060 });
  SimTime t0 = attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_FAILED);
  g_assert_cmpuint (t.res.status, ==, 503);
  g_assert_cmpint (t.res.retry_after, ==, 90);
  g_assert_cmpuint (t.res.requests, ==, 1);
  g_assert_cmpint (t.done_at, ==, t0 + RTT (&t));
  t_clear (&t);
}

/* RFC 3261 §10.2.4: the expiry granted is the one on our contact in the
 * 2xx, found by URI comparison (§19.1.4), not by text: a registrar may
 * write it otherwise (here the user %-escaped, a parameter only it adds)
 * and list other contacts of the AOR first (here one on another port,
 * which is not ours). */
static void
test_b4_granted_contact_written_otherwise (void)
{
  T t;
  t_init (&t);
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_STATUS);
  sc.status = 200;
  sc.hname = "Contact";
  sc.hvalue = "<sip:" USER "@192.168.1.10:5061>;expires=999, "
              "<sip:%31000@192.168.1.10:5060;ob>;expires=45";
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5080 });
  g_assert_cmpuint (rq.contact_port, ==, 5060);
  g_assert_cmpuint (rq.contact_ip, ==, DEVICE_FIXTURE_PHONE_IP);
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  g_assert_cmpuint (t.res.granted_s, ==, 45);
  /* Neither is ours: no Expires header either, so what was asked. */
  sc.hvalue = "<sip:" USER "@192.168.1.10:5061>;expires=999, "
              "<sip:" USER "@192.168.1.10:5060;transport=tcp>;expires=45";
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  g_assert_cmpuint (t.res.granted_s, ==, 60);
  script_close (&sc);
  t_clear (&t);
}

/* ---------------------------------------------------------- B39 NAT */

static void
test_b39_mapped_behind_nat (void)
{
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.max_expires = 1800;
  T t;
  t_init_full (&t, TRUE, &pc, PASSWORD, INSTANCE);
  t.acc.register_expires = 3600;
  t_renew (&t, PASSWORD, INSTANCE);
  SimSockAddr server = { t.fx.proxy_ip[0], 5060 };
  DeviceRegRequest rq = request_to (&t, server);
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  /* Granted from our Contact in the 200: the registrar's cap, not what
   * we asked (RFC 3261 §10.2.4, B5). */
  g_assert_cmpuint (t.res.granted_s, ==, 1800);
  SimSockAddr internal = { DEVICE_FIXTURE_PHONE_IP, PHONE_PORT }, external;
  g_assert_true (nat_lookup (t.fx.nat, SIM_IPPROTO_UDP, &internal, &server, &external, NULL));
  g_assert_cmpuint (external.ip, ==, DEVICE_FIXTURE_PUBLIC_IP);
  g_assert_true (t.res.mapped_known);
  g_assert_true (sim_sockaddr_equal (&t.res.mapped, &external));
  t_clear (&t);
}

static void
test_b39_mapped_without_nat (void)
{
  T t;
  t_init (&t);
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5060 });
  attempt (&t, &rq, SIM_S (5));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_REG_OK);
  g_assert_true (t.res.mapped_known);
  SimSockAddr local = { DEVICE_FIXTURE_PHONE_IP, PHONE_PORT };
  g_assert_true (sim_sockaddr_equal (&t.res.mapped, &local));
  t_clear (&t);
}

/* ---------------------------------------------------------------- API */

static void
free_in_callback (DeviceReg *reg, const DeviceRegResult *res, gpointer u)
{
  T *t = u;
  t->calls++;
  device_reg_free (reg);
  t->reg = NULL;
}

static void
test_api_cancel_and_free (void)
{
  T t;
  t_init (&t);
  sip_proxy_fault (t.fx.proxy[0], SIP_PROXY_FAULT_CRASH);
  DeviceRegRequest rq = request_to (&t, (SimSockAddr) { t.fx.proxy_ip[0], 5060 });
  g_assert_true (device_reg_start (t.reg, &rq, on_result, &t));
  /* A second start while busy is a programming error. */
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*!r->busy*");
  g_assert_false (device_reg_start (t.reg, &rq, on_result, &t));
  g_test_assert_expected_messages ();
  sim_world_run_until (t.fx.world, SIM_S (2));
  device_reg_cancel (t.reg);
  g_assert_false (device_reg_is_busy (t.reg));
  sim_world_run_until (t.fx.world, SIM_S (60));
  g_assert_cmpuint (t.calls, ==, 0);              /* cancelled: no callback */
  guint sent = t.o.sent_at->len;
  g_assert_cmpuint (sent, ==, 3);                  /* 0, 0.5, 1.5 s before the cancel */

  /* Freed inside its own callback (after Timer F). */
  g_assert_true (device_reg_start (t.reg, &rq, free_in_callback, &t));
  sim_world_run_until (t.fx.world, SIM_S (120));
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_null (t.reg);
  t_clear (&t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device/reg/1-shape/B4-contact-expires-instance", test_b4_shape_contact_expires);
  g_test_add_func ("/device/reg/1-shape/B4-expires-header-remove-old-B45", test_b4_shape_expires_header);
  g_test_add_func ("/device/reg/1-shape/B4-outbound-reg-id", test_b4_shape_outbound);
  g_test_add_func ("/device/reg/1-shape/B4-granted-contact-written-otherwise",
                   test_b4_granted_contact_written_otherwise);
  g_test_add_func ("/device/reg/2-attempt/B6-401-digest", test_b6_401_digest);
  g_test_add_func ("/device/reg/2-attempt/B6-401-wrong-password", test_b6_401_wrong_password);
  g_test_add_func ("/device/reg/2-attempt/B6-401-no-credentials", test_b6_401_no_credentials);
  g_test_add_func ("/device/reg/2-attempt/B6-423-min-expires", test_b6_423_min_expires);
  g_test_add_func ("/device/reg/2-attempt/B6-423-not-higher-and-unusable", test_b6_423_not_higher);
  g_test_add_func ("/device/reg/2-attempt/B6-3xx-redirect", test_b6_3xx_redirect);
  g_test_add_func ("/device/reg/2-attempt/B6-3xx-loop", test_b6_3xx_loop);
  g_test_add_func ("/device/reg/3-failure/B6-timer-f-32s", test_b6_timer_f_32s);
  g_test_add_func ("/device/reg/3-failure/B6-timer-f-4s", test_b6_timer_f_4s);
  g_test_add_func ("/device/reg/3-failure/B38-icmp-port-unreachable", test_b38_icmp);
  g_test_add_func ("/device/reg/3-failure/B7-503-retry-after", test_b7_503_retry_after);
  g_test_add_func ("/device/reg/4-mapped/B39-behind-nat", test_b39_mapped_behind_nat);
  g_test_add_func ("/device/reg/4-mapped/B39-without-nat", test_b39_mapped_without_nat);
  g_test_add_func ("/device/reg/5-api/cancel-and-free-in-callback", test_api_cancel_and_free);
  return g_test_run ();
}
