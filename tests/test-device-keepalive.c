/*
 * tests/test-device-keepalive.c - the keep-alive messages
 * (models/device/keepalive.c) on the device fixture's network: the bytes
 * of each kind at the receiver (BEHAVIOUR.md B40), one send and no
 * retransmission (B23), the answer or its absence at exactly sent_at +
 * timeout, the STUN mapping behind the NAT (B39), and the
 * X_CustomKeepAliveMsg parser.
 *
 * Phone -> server is 3 links of 10 ms: one way 30 ms, round trip 60 ms.
 */
#include <string.h>

#include "tests/device-fixture.h"
#include "tests/device-owner.h"
#include "models/device/keepalive.h"

#define DOMAIN "sipsim.test"
#define USER   "1000"

typedef struct {
  DeviceFixture    fx;
  Owner            o;
  SimRng           rng;
  DeviceKeepAlive *ka;
  guint            calls;
  DeviceKaResult   res;
  SimTime          done_at;
  gboolean         in_send;
  gboolean         called_in_send;
} T;

static void
t_init (T *t, gboolean nat)
{
  memset (t, 0, sizeof *t);
  device_fixture_init (&t->fx, &(DeviceFixtureOptions) { .seed = 3, .nat = nat });
  owner_open (&t->o, t->fx.phone_host, DEVICE_FIXTURE_PHONE_IP, 5060);
  host_rng_init (t->fx.phone_host, &t->rng, "ka");
  t->ka = device_ka_new (t->fx.phone_host, t->o.layer, t->o.stun, &t->rng, owner_raw_send, &t->o);
}

static void
t_clear (T *t)
{
  device_ka_free (t->ka);
  owner_close (&t->o);
  fx_clear_no_device (&t->fx);
}

static void
on_ka (DeviceKeepAlive *ka, const DeviceKaResult *r, gpointer u)
{
  T *t = u;
  t->calls++;
  t->res = *r;
  t->done_at = host_now (t->fx.phone_host);
  t->called_in_send = t->called_in_send || t->in_send;
}

static DeviceKaIdentity
ident (void)
{
  return (DeviceKaIdentity) { .user = USER, .domain = DOMAIN,
                              .via_ip = DEVICE_FIXTURE_PHONE_IP, .via_port = 5060,
                              .contact_ip = DEVICE_FIXTURE_PHONE_IP, .contact_port = 5060,
                              .user_agent = "sipsim-test" };
}

/* Sends one keep-alive now and runs @run of simulated time. */
static SimTime
send_one (T *t, DeviceKeepAliveType type, const DeviceKaCustom *custom, SimSockAddr to,
          SimTime timeout, SimTime run)
{
  DeviceKaIdentity id = ident ();
  id.flow = t->o.udp;
  SimTime t0 = host_now (t->fx.phone_host);
  t->calls = 0;
  t->in_send = TRUE;
  device_ka_send (t->ka, type, custom, &to, &id, timeout, on_ka, t);
  t->in_send = FALSE;
  g_assert_cmpuint (t->calls, ==, 0);             /* never inside the call */
  gboolean waits = type != DEVICE_KA_KEEPALIVE && type != DEVICE_KA_EMPTY;
  g_assert_cmpuint (device_ka_pending (t->ka), ==, waits ? 1 : 0);
  sim_world_run_until (t->fx.world, t0 + run);
  g_assert_false (t->called_in_send);
  g_assert_cmpuint (device_ka_pending (t->ka), ==, 0);
  return t0;
}

#define RTT(t) (6 * (t)->fx.latency)

/* ------------------------------------------------------------ raw */

static void
run_raw (DeviceKeepAliveType type, const char *bytes)
{
  T t;
  t_init (&t, FALSE);
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_SILENT);
  SimTime t0 = send_one (&t, type, NULL, (SimSockAddr) { t.fx.proxy_ip[0], 5080 }, SIM_S (10),
                         SIM_S (30));
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_SENT);
  g_assert_cmpint (t.res.type, ==, type);
  g_assert_cmpint (t.res.sent_at, ==, t0);
  g_assert_cmpint (t.done_at, ==, t0);             /* reported at once, from the loop */
  g_assert_cmpuint (t.o.sent_at->len, ==, 1);
  g_assert_cmpuint (sc.peer.datagrams->len, ==, 1);
  gsize n;
  const guint8 *d = g_bytes_get_data (sc.peer.datagrams->pdata[0], &n);
  g_assert_cmpmem (d, n, bytes, strlen (bytes));

  /* The registrar model counts them as keep-alives (B40). */
  send_one (&t, type, NULL, (SimSockAddr) { t.fx.proxy_ip[0], 5060 }, SIM_S (10), SIM_S (1));
  g_assert_cmpuint (sip_proxy_get_stats (t.fx.proxy[0])->keepalives, ==, 1);
  script_close (&sc);
  t_clear (&t);
}

static void
test_b40_raw_keepalive (void)
{
  run_raw (DEVICE_KA_KEEPALIVE, "keep-alive\r\n");
}

static void
test_b40_raw_empty (void)
{
  run_raw (DEVICE_KA_EMPTY, "\r\n");
}

/* ------------------------------------------------------------ SIP */

static void
run_sip_answered (DeviceKeepAliveType type, SipMethod method)
{
  T t;
  t_init (&t, FALSE);
  SimTime t0 = send_one (&t, type, NULL, (SimSockAddr) { t.fx.proxy_ip[0], 5060 }, SIM_S (10),
                         SIM_S (30));
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_ANSWERED);
  g_assert_cmpuint (t.res.status, ==, 200);       /* proxy.h note 6 */
  g_assert_cmpint (t.done_at, ==, t0 + RTT (&t));
  g_assert_cmpuint (t.o.sent_at->len, ==, 1);
  g_assert_cmpuint (sip_proxy_get_stats (t.fx.proxy[0])->requests, ==, 1);

  /* The shape, at a scripted server. */
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_OK);
  send_one (&t, type, NULL, (SimSockAddr) { t.fx.proxy_ip[0], 5080 }, SIM_S (10), SIM_S (1));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_ANSWERED);
  g_assert_cmpuint (sc.rx->len, ==, 1);
  SipMsg *m = sc.rx->pdata[0];
  g_assert_cmpint (sip_msg_method (m), ==, method);
  const SipVia *v = sip_msg_via (m, 0);
  g_assert_true (v->has_rport);
  g_assert_true (v->branch.len > 7 && memcmp (v->branch.p, "z9hG4bK", 7) == 0);
  g_assert_true (sip_str_present (sip_msg_from (m)->tag));
  g_assert_cmpuint (sip_msg_cseq (m)->seq, ==, 1);
  g_assert_cmpint (sip_msg_cseq (m)->method, ==, method);
  g_assert_cmpint (sip_msg_max_forwards (m), ==, 70);
  g_assert_cmpuint (sip_msg_contact_count (m), ==, 1);
  g_assert_true (sip_str_eq (sip_msg_contact (m, 0)->addr.uri_str,
                             "sip:" USER "@192.168.1.10:5060"));
  if (method == SIP_METHOD_OPTIONS)
    {
      g_assert_true (sip_str_eq (sip_msg_request_uri_str (m), "sip:" DOMAIN));
      g_assert_false (sip_str_present (sip_msg_header (m, "Event", 0)));
    }
  else
    {
      g_assert_true (sip_str_eq (sip_msg_request_uri_str (m), "sip:" USER "@" DOMAIN));
      g_assert_true (sip_str_eq (sip_msg_header (m, "Event", 0), "keep-alive"));
    }
  script_close (&sc);
  t_clear (&t);
}

static void
test_b40_options_answered (void)
{
  run_sip_answered (DEVICE_KA_OPTIONS, SIP_METHOD_OPTIONS);
}

static void
test_b40_notify_answered (void)
{
  run_sip_answered (DEVICE_KA_NOTIFY, SIP_METHOD_NOTIFY);
}

static void
run_no_answer (DeviceKeepAliveType type, SimTime timeout)
{
  T t;
  t_init (&t, FALSE);
  sip_proxy_fault (t.fx.proxy[0], SIP_PROXY_FAULT_CRASH);
  SimTime t0 = send_one (&t, type, NULL, (SimSockAddr) { t.fx.proxy_ip[0], 5060 }, timeout,
                         timeout + SIM_S (60));
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_NO_ANSWER);
  g_assert_cmpint (t.done_at, ==, t0 + timeout);
  /* B23: sent once, never retransmitted: one datagram left the phone and
   * one reached the (silent) proxy. */
  g_assert_cmpuint (t.o.sent_at->len, ==, 1);
  g_assert_cmpuint (sip_proxy_get_stats (t.fx.proxy[0])->dropped_down, ==, 1);
  t_clear (&t);
}

static void
test_b23_options_no_answer (void)
{
  run_no_answer (DEVICE_KA_OPTIONS, SIM_S (10));
}

static void
test_b23_notify_no_answer_32s (void)
{
  /* A timeout at Timer F's own default (B23 suggests 32 s) is still one
   * send: T1 is set beyond it. */
  run_no_answer (DEVICE_KA_NOTIFY, 64 * SIM_MS (500));
}

static void
test_b23_stun_no_answer (void)
{
  run_no_answer (DEVICE_KA_STUN, SIM_S (5));
}

static void
test_b23_icmp_error (void)
{
  T t;
  t_init (&t, FALSE);
  SimTime t0 = send_one (&t, DEVICE_KA_OPTIONS, NULL, (SimSockAddr) { t.fx.proxy_ip[0], 5099 },
                         SIM_S (10), SIM_S (30));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_ERROR);
  g_assert_cmpint (t.res.net_error, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmpint (t.done_at, ==, t0 + RTT (&t));
  t_clear (&t);
}

/* ----------------------------------------------------------- STUN */

static void
test_b39_stun_mapped_behind_nat (void)
{
  T t;
  t_init (&t, TRUE);
  SimSockAddr server = { t.fx.proxy_ip[0], 5060 };
  SimTime t0 = send_one (&t, DEVICE_KA_STUN, NULL, server, SIM_S (5), SIM_S (30));
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_ANSWERED);
  g_assert_cmpint (t.done_at, ==, t0 + RTT (&t));
  g_assert_true (t.res.mapped_known);
  SimSockAddr internal = { DEVICE_FIXTURE_PHONE_IP, 5060 }, external;
  g_assert_true (nat_lookup (t.fx.nat, SIM_IPPROTO_UDP, &internal, &server, &external, NULL));
  g_assert_cmpuint (external.ip, ==, DEVICE_FIXTURE_PUBLIC_IP);
  g_assert_true (sim_sockaddr_equal (&t.res.mapped, &external));
  g_assert_cmpuint (t.o.sent_at->len, ==, 1);
  g_assert_cmpuint (sip_proxy_get_stats (t.fx.proxy[0])->stun_answered, ==, 1);
  t_clear (&t);
}

/* --------------------------------------------------------- custom */

static void
test_b40_custom_parse (void)
{
  DeviceKaCustom c;
  g_autoptr (GError) err = NULL;
  g_assert_true (device_ka_custom_parse ("mtd=NOTIFY;event=check-sync;user=2000", &c, &err));
  g_assert_no_error (err);
  g_assert_cmpstr (c.method, ==, "NOTIFY");
  g_assert_cmpstr (c.event, ==, "check-sync");
  g_assert_cmpstr (c.user, ==, "2000");
  device_ka_custom_clear (&c);

  /* Order free, names case-insensitive, spaces around parts trimmed, the
   * event defaulting to keep-alive (B40), the user to the account's. */
  g_assert_true (device_ka_custom_parse (" USER=7 ; Mtd=notify ;", &c, &err));
  g_assert_cmpstr (c.method, ==, "NOTIFY");
  g_assert_cmpstr (c.event, ==, "keep-alive");
  g_assert_cmpstr (c.user, ==, "7");
  device_ka_custom_clear (&c);
  g_assert_true (device_ka_custom_parse ("mtd=OPTIONS", &c, &err));
  g_assert_null (c.user);
  device_ka_custom_clear (&c);

  const char *bad[] = {
    "event=keep-alive;user=1",       /* no mtd */
    "",                              /* no mtd */
    "mtd",                           /* not name=value */
    "mtd=NOTIFY;user",               /* not name=value */
    "mtd=",                          /* empty */
    "mtd=NO TIFY",                   /* not a token */
    "mtd=NOT<IFY",
    "mtd=INVITE",                    /* not a non-INVITE transaction */
    "mtd=NOTIFY;event=a b",          /* event not a token */
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      memset (&c, 0, sizeof c);
      g_autoptr (GError) e = NULL;
      g_assert_false (device_ka_custom_parse (bad[i], &c, &e));
      g_assert_error (e, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE);
      g_assert_null (c.method);
    }
}

/* The Request-URI and To of a SIP keep-alive are built without printf in
 * a fixed buffer (issue 17); a user and domain longer than it still go
 * out whole (RFC 3261 sets no length limit). */
static void
test_b40_long_request_uri (void)
{
  T t;
  t_init (&t, FALSE);
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_OK);
  GString *dom = g_string_new (NULL);
  for (guint i = 0; i < 20; i++)
    g_string_append (dom, "label-long.");
  g_string_append (dom, "test");                  /* 224 characters */
  GString *user = g_string_new (NULL);
  for (guint i = 0; i < 40; i++)
    g_string_append (user, "u");
  DeviceKaIdentity id = ident ();
  id.domain = dom->str;
  id.user = user->str;
  id.flow = t.o.udp;
  for (guint k = 0; k < 2; k++)
    {
      /* OPTIONS: no user in the Request-URI; NOTIFY: the user's. */
      DeviceKeepAliveType type = k == 0 ? DEVICE_KA_OPTIONS : DEVICE_KA_NOTIFY;
      SimSockAddr to = { t.fx.proxy_ip[0], 5080 };
      t.res.outcome = DEVICE_KA_SENT;
      device_ka_send (t.ka, type, NULL, &to, &id, SIM_S (10), on_ka, &t);
      sim_world_run_until (t.fx.world, host_now (t.fx.phone_host) + SIM_S (1));
      g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_ANSWERED);
      g_assert_cmpuint (sc.rx->len, ==, k + 1);
      SipMsg *m = sc.rx->pdata[k];
      g_autofree char *ruri = k == 0 ? g_strconcat ("sip:", dom->str, NULL)
                                     : g_strconcat ("sip:", user->str, "@", dom->str, NULL);
      g_assert_true (sip_str_eq (sip_msg_request_uri_str (m), ruri));
      g_assert_true (sip_str_eq (sip_msg_to (m)->uri_str, ruri));
      g_assert_true (sip_str_eq (sip_msg_to (m)->uri.host, dom->str));
    }
  g_string_free (dom, TRUE);
  g_string_free (user, TRUE);
  script_close (&sc);
  t_clear (&t);
}

static void
test_b40_custom_send (void)
{
  T t;
  t_init (&t, FALSE);
  Script sc;
  script_open (&sc, t.fx.proxy_host[0], 5080, SCRIPT_OK);
  DeviceKaCustom c;
  /* Seed 004: user= is the user of the Request-URI and of To; event=
   * goes on a NOTIFY. */
  g_assert_true (device_ka_custom_parse ("mtd=NOTIFY;event=check-sync;user=2000", &c, NULL));
  SimTime t0 = send_one (&t, DEVICE_KA_CUSTOM, &c, (SimSockAddr) { t.fx.proxy_ip[0], 5080 },
                         SIM_S (10), SIM_S (30));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_ANSWERED);
  g_assert_cmpint (t.done_at, ==, t0 + RTT (&t));
  g_assert_cmpuint (sc.rx->len, ==, 1);
  SipMsg *m = sc.rx->pdata[0];
  g_assert_cmpint (sip_msg_method (m), ==, SIP_METHOD_NOTIFY);
  g_assert_true (sip_str_eq (sip_msg_request_uri_str (m), "sip:2000@" DOMAIN));
  g_assert_true (sip_str_eq (sip_msg_to (m)->uri.user, "2000"));
  g_assert_true (sip_str_eq (sip_msg_header (m, "Event", 0), "check-sync"));
  device_ka_custom_clear (&c);

  /* Issue 14 item 4, seed 004: without user= "the request-uri will not
   * have a userid, and the TO header field will use the same userid as
   * the FROM header"; "event parameter is optional and is only
   * applicable if method is NOTIFY": a PING carries no Event, even with
   * event= given. */
  g_assert_true (device_ka_custom_parse ("mtd=PING;event=check-sync", &c, NULL));
  send_one (&t, DEVICE_KA_CUSTOM, &c, (SimSockAddr) { t.fx.proxy_ip[0], 5080 },
            SIM_S (10), SIM_S (30));
  g_assert_cmpuint (sc.rx->len, ==, 2);
  m = sc.rx->pdata[1];
  g_assert_true (sip_str_eq (sip_msg_method_str (m), "PING"));
  g_assert_true (sip_str_eq (sip_msg_request_uri_str (m), "sip:" DOMAIN));
  g_assert_true (sip_str_eq (sip_msg_to (m)->uri.user, USER));
  g_assert_true (sip_str_eq (sip_msg_from (m)->uri.user, USER));
  g_assert_false (sip_str_present (sip_msg_header (m, "Event", 0)));
  device_ka_custom_clear (&c);
  /* A NOTIFY without event= uses 'keep-alive', without user= no userid. */
  g_assert_true (device_ka_custom_parse ("mtd=NOTIFY", &c, NULL));
  send_one (&t, DEVICE_KA_CUSTOM, &c, (SimSockAddr) { t.fx.proxy_ip[0], 5080 },
            SIM_S (10), SIM_S (30));
  g_assert_cmpuint (sc.rx->len, ==, 3);
  m = sc.rx->pdata[2];
  g_assert_true (sip_str_eq (sip_msg_request_uri_str (m), "sip:" DOMAIN));
  g_assert_true (sip_str_eq (sip_msg_to (m)->uri.user, USER));
  g_assert_true (sip_str_eq (sip_msg_header (m, "Event", 0), "keep-alive"));
  device_ka_custom_clear (&c);

  /* An extension method goes out as written; the registrar model answers
   * 405, which still counts as an answer (B23: content ignored). */
  g_assert_true (device_ka_custom_parse ("mtd=PING", &c, NULL));
  send_one (&t, DEVICE_KA_CUSTOM, &c, (SimSockAddr) { t.fx.proxy_ip[0], 5060 }, SIM_S (10),
            SIM_S (1));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_ANSWERED);
  g_assert_cmpuint (t.res.status, ==, 405);
  device_ka_custom_clear (&c);
  script_close (&sc);
  t_clear (&t);
}

/* ------------------------------------------------------------ API */

static void
free_in_callback (DeviceKeepAlive *ka, const DeviceKaResult *r, gpointer u)
{
  T *t = u;
  t->calls++;
  device_ka_free (ka);          /* with another one still outstanding */
  t->ka = NULL;
}

static void
test_api_cancel_and_free (void)
{
  T t;
  t_init (&t, FALSE);
  sip_proxy_fault (t.fx.proxy[1], SIP_PROXY_FAULT_CRASH);
  DeviceKaIdentity id = ident ();
  SimSockAddr p0 = { t.fx.proxy_ip[0], 5060 }, p1 = { t.fx.proxy_ip[1], 5060 };
  device_ka_send (t.ka, DEVICE_KA_OPTIONS, NULL, &p1, &id, SIM_S (10), on_ka, &t);
  device_ka_send (t.ka, DEVICE_KA_STUN, NULL, &p1, &id, SIM_S (10), on_ka, &t);
  g_assert_cmpuint (device_ka_pending (t.ka), ==, 2);
  device_ka_cancel_all (t.ka);
  g_assert_cmpuint (device_ka_pending (t.ka), ==, 0);
  sim_world_run_until (t.fx.world, SIM_S (30));
  g_assert_cmpuint (t.calls, ==, 0);

  device_ka_send (t.ka, DEVICE_KA_OPTIONS, NULL, &p0, &id, SIM_S (10), free_in_callback, &t);
  device_ka_send (t.ka, DEVICE_KA_OPTIONS, NULL, &p1, &id, SIM_S (10), free_in_callback, &t);
  sim_world_run_until (t.fx.world, SIM_S (60));
  g_assert_cmpuint (t.calls, ==, 1);
  g_assert_null (t.ka);
  t_clear (&t);
}

/* keepalive.c note 4: finished items are handed out again.  A reused item
 * must start as a fresh one: after SIP keep-alives answered 200 (status,
 * a transaction, awaiting set), a raw keep-alive reports SENT with no
 * status, and more items in flight than spares are kept all report. */
static void
test_api_reused_items_start_clean (void)
{
  T t;
  t_init (&t, FALSE);
  SimSockAddr p0 = { t.fx.proxy_ip[0], 5060 };
  send_one (&t, DEVICE_KA_OPTIONS, NULL, p0, SIM_S (10), SIM_S (1));
  g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_ANSWERED);
  g_assert_cmpuint (t.res.status, ==, 200);

  /* Three at once: more than the object keeps spare. */
  DeviceKaIdentity id = ident ();
  id.flow = t.o.udp;
  t.calls = 0;
  SimTime t0 = host_now (t.fx.phone_host);
  device_ka_send (t.ka, DEVICE_KA_OPTIONS, NULL, &p0, &id, SIM_S (10), on_ka, &t);
  device_ka_send (t.ka, DEVICE_KA_NOTIFY, NULL, &p0, &id, SIM_S (10), on_ka, &t);
  device_ka_send (t.ka, DEVICE_KA_OPTIONS, NULL, &p0, &id, SIM_S (10), on_ka, &t);
  g_assert_cmpuint (device_ka_pending (t.ka), ==, 3);
  sim_world_run_until (t.fx.world, t0 + SIM_S (1));
  g_assert_cmpuint (t.calls, ==, 3);
  g_assert_cmpuint (device_ka_pending (t.ka), ==, 0);

  for (guint i = 0; i < 3; i++)
    {
      send_one (&t, DEVICE_KA_KEEPALIVE, NULL, p0, SIM_S (10), SIM_S (1));
      g_assert_cmpuint (t.calls, ==, 1);
      g_assert_cmpint (t.res.outcome, ==, DEVICE_KA_SENT);
      g_assert_cmpint (t.res.type, ==, DEVICE_KA_KEEPALIVE);
      g_assert_cmpuint (t.res.status, ==, 0);
      g_assert_false (t.res.mapped_known);
      g_assert_cmpint (t.res.net_error, ==, SIM_NET_OK);
    }
  t_clear (&t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device/keepalive/1-raw/B40-keep-alive-bytes", test_b40_raw_keepalive);
  g_test_add_func ("/device/keepalive/1-raw/B40-empty-bytes", test_b40_raw_empty);
  g_test_add_func ("/device/keepalive/2-sip/B40-options-answered", test_b40_options_answered);
  g_test_add_func ("/device/keepalive/2-sip/B40-notify-answered", test_b40_notify_answered);
  g_test_add_func ("/device/keepalive/2-sip/B23-options-no-answer-one-send", test_b23_options_no_answer);
  g_test_add_func ("/device/keepalive/2-sip/B23-notify-no-answer-32s-one-send", test_b23_notify_no_answer_32s);
  g_test_add_func ("/device/keepalive/2-sip/B23-icmp-error", test_b23_icmp_error);
  g_test_add_func ("/device/keepalive/3-stun/B39-mapped-behind-nat", test_b39_stun_mapped_behind_nat);
  g_test_add_func ("/device/keepalive/3-stun/B23-no-answer-one-send", test_b23_stun_no_answer);
  g_test_add_func ("/device/keepalive/4-custom/B40-parse", test_b40_custom_parse);
  g_test_add_func ("/device/keepalive/4-custom/B40-send", test_b40_custom_send);
  g_test_add_func ("/device/keepalive/4-custom/B40-long-request-uri", test_b40_long_request_uri);
  g_test_add_func ("/device/keepalive/5-api/cancel-and-free-in-callback", test_api_cancel_and_free);
  g_test_add_func ("/device/keepalive/5-api/reused-items-start-clean",
                   test_api_reused_items_start_clean);
  return g_test_run ();
}
