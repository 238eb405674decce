/*
 * tests/test-proxy-forward.c - the proxy's forwarding (models/proxy/
 * forward.h; RFC 3261 §16) seen on the wire: raw UDP peers send and read
 * every byte, so the test checks what a real UA would see.
 *
 *   caller 10.0.1.2 ──L── router ──L── 10.0.2.2 proxy
 *                           └────L──── 10.0.3.2 callee
 */
#include <string.h>

#include "sim/host/host-sim.h"
#include "models/proxy/proxy.h"
#include "models/sip/builder.h"
#include "tests/net-fixture.h"

#define L SIM_MS (10)
#define CALLEE_IP SIM_IP4 (10, 0, 3, 2)

typedef struct {
  SimHost    *host;
  SimHostUdp *udp;
  GPtrArray  *rx;             /* SipMsg received */
} Raw;

static void
raw_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  Raw *r = u;
  (void) s;
  (void) from;
  GError *err = NULL;
  SipMsg *m = sip_msg_parse (data, len, &err);
  g_assert_no_error (err);
  g_ptr_array_add (r->rx, m);
}

static void
raw_init (Raw *r, SimNode *node, const char *name)
{
  r->host = sim_host_new (node, name);
  SimSockAddr local = { SIM_IP4_ANY, 5060 };
  GError *err = NULL;
  r->udp = host_udp_open (r->host, &local, raw_recv, NULL, r, &err);
  g_assert_no_error (err);
  r->rx = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
}

static void
raw_clear (Raw *r)
{
  host_udp_close (r->udp);
  host_free (r->host);
  g_ptr_array_unref (r->rx);
}

static void
raw_send (Raw *r, SimIp4 to, const char *text)
{
  SimSockAddr dst = { to, 5060 };
  g_assert_true (host_udp_sendto (r->udp, &dst, text, strlen (text), NULL));
}

typedef struct {
  NetFixture f;
  SimHost   *proxy_host;
  SipProxy  *proxy;
  Raw        caller, callee;
} Fx;

static void
fx_init (Fx *x, gboolean record_route)
{
  net_fixture_init (&x->f, 3, L);
  SimNode *c = sim_node_new (x->f.net, "callee", NULL);
  SimIface *ci = sim_node_add_iface (c, CALLEE_IP, 24);
  SimIface *ri = sim_node_add_iface (x->f.router, SIM_IP4 (10, 0, 3, 1), 24);
  sim_node_set_default_route (c, ci);
  SimLinkConfig lc = { .latency = L };
  sim_link_new (x->f.net, ri, ci, &lc);
  x->proxy_host = sim_host_new (x->f.server, "proxy");
  SipProxyConfig pc;
  sip_proxy_config_init (&pc);
  pc.record_route = record_route;
  GError *err = NULL;
  x->proxy = sip_proxy_new (x->proxy_host, &pc, &err);
  g_assert_no_error (err);
  raw_init (&x->caller, x->f.client, "caller");
  raw_init (&x->callee, c, "callee");
}

static void
fx_clear (Fx *x)
{
  sip_proxy_free (x->proxy);
  host_free (x->proxy_host);
  raw_clear (&x->caller);
  raw_clear (&x->callee);
  net_fixture_clear (&x->f);
}

static void
run (Fx *x, SimTime t)
{
  sim_world_run_until (x->f.world, sim_world_now (x->f.world) + t);
}

static const char SDP[] = "v=0\r\no=- 1 1 IN IP4 10.0.1.2\r\ns=-\r\nc=IN IP4 10.0.1.2\r\n"
                          "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

static char *
invite_text (const char *ruri, int max_forwards)
{
  return g_strdup_printf (
    "INVITE %s SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKcaller1;rport\r\n"
    "Max-Forwards: %d\r\n"
    "From: <sip:alice@example.test>;tag=a1\r\n"
    "To: <%s>\r\n"
    "Call-ID: call-1@10.0.1.2\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@10.0.1.2:5060>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: %zu\r\n\r\n%s",
    ruri, max_forwards, ruri, strlen (SDP), SDP);
}

static SipMsg *
find (GPtrArray *rx, gboolean request, guint status_or_method)
{
  for (guint i = 0; i < rx->len; i++) {
    SipMsg *m = rx->pdata[i];
    if (request && sip_msg_is_request (m) && sip_msg_method (m) == (SipMethod) status_or_method)
      return m;
    if (!request && !sip_msg_is_request (m) && sip_msg_status (m) == status_or_method)
      return m;
  }
  return NULL;
}

/* 1: §16.6: the forwarded INVITE has the proxy's Via on top (a fresh
 * z9hG4bK branch, sent-by the proxy), the caller's Via below it with
 * received and rport (RFC 3581 §4), Max-Forwards one less, the
 * Record-Route of the proxy, the Request-URI and body unchanged.  The
 * callee's responses reach the caller without the proxy's Via (§16.7),
 * the 180 and the 200 each once. */
static void
test_invite_forwarded (void)
{
  Fx x;
  fx_init (&x, TRUE);
  g_autofree char *inv = invite_text ("sip:bob@10.0.3.2", 70);
  raw_send (&x.caller, x.f.server_ip, inv);
  run (&x, SIM_S (1));
  SipMsg *fwd = find (x.callee.rx, TRUE, SIP_METHOD_INVITE);
  g_assert_nonnull (fwd);
  g_assert_true (sip_str_eq (sip_msg_request_uri_str (fwd), "sip:bob@10.0.3.2"));
  g_assert_cmpuint (sip_msg_via_count (fwd), ==, 2);
  const SipVia *top = sip_msg_via (fwd, 0), *second = sip_msg_via (fwd, 1);
  g_assert_true (sip_str_eq (top->host, "10.0.2.2"));
  g_assert_cmpuint (top->port, ==, 5060);
  g_assert_cmpuint (top->branch.len, >, 7);
  g_assert_cmpint (strncmp (top->branch.p, "z9hG4bK", 7), ==, 0);
  g_assert_false (sip_str_eq (top->branch, "z9hG4bKcaller1"));
  g_assert_true (sip_str_eq (second->branch, "z9hG4bKcaller1"));
  g_assert_true (sip_str_eq (second->received, "10.0.1.2"));
  g_assert_cmpuint (second->rport, ==, 5060);
  g_assert_cmpint (sip_msg_max_forwards (fwd), ==, 69);
  g_assert_true (sip_str_eq (sip_msg_header_by_id (fwd, SIP_HDR_RECORD_ROUTE, 0),
                             "<sip:10.0.2.2:5060;lr>"));
  g_assert_true (sip_str_eq (sip_msg_body (fwd), SDP));

  /* The callee answers: 180 then 200 with its Contact and the
   * Record-Route copied (§12.1.1). */
  SipBuilder *b = sip_builder_response (fwd, 180, NULL, "b1");
  g_autoptr (GBytes) ringing = sip_builder_finish (b);
  b = sip_builder_response (fwd, 200, NULL, "b1");
  sip_builder_copy_header (b, fwd, SIP_HDR_RECORD_ROUTE);
  sip_builder_add (b, "Contact", "<sip:bob@10.0.3.2:5060>");
  g_autoptr (GBytes) ok = sip_builder_finish (b);
  SimSockAddr proxy = { x.f.server_ip, 5060 };
  host_udp_sendto (x.callee.udp, &proxy, g_bytes_get_data (ringing, NULL),
                   g_bytes_get_size (ringing), NULL);
  host_udp_sendto (x.callee.udp, &proxy, g_bytes_get_data (ok, NULL), g_bytes_get_size (ok),
                   NULL);
  run (&x, SIM_S (1));
  SipMsg *r180 = find (x.caller.rx, FALSE, 180), *r200 = find (x.caller.rx, FALSE, 200);
  g_assert_nonnull (r180);
  g_assert_nonnull (r200);
  g_assert_cmpuint (sip_msg_via_count (r200), ==, 1);
  g_assert_true (sip_str_eq (sip_msg_via (r200, 0)->branch, "z9hG4bKcaller1"));
  g_assert_true (sip_str_eq (sip_msg_to (r200)->tag, "b1"));
  guint n200 = 0;
  for (guint i = 0; i < x.caller.rx->len; i++)
    n200 += sip_msg_status (x.caller.rx->pdata[i]) == 200;
  g_assert_cmpuint (n200, ==, 1);

  /* §16.11: the callee's 2xx retransmission passes statelessly; the
   * caller's ACK, routed to the proxy, loses that Route and reaches the
   * callee at the Request-URI (the callee's Contact). */
  host_udp_sendto (x.callee.udp, &proxy, g_bytes_get_data (ok, NULL), g_bytes_get_size (ok),
                   NULL);
  const char ack[] =
    "ACK sip:bob@10.0.3.2:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.1.2:5060;branch=z9hG4bKack1;rport\r\n"
    "Route: <sip:10.0.2.2:5060;lr>\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.test>;tag=a1\r\n"
    "To: <sip:bob@10.0.3.2>;tag=b1\r\n"
    "Call-ID: call-1@10.0.1.2\r\n"
    "CSeq: 1 ACK\r\n"
    "Content-Length: 0\r\n\r\n";
  raw_send (&x.caller, x.f.server_ip, ack);
  run (&x, SIM_S (1));
  n200 = 0;
  for (guint i = 0; i < x.caller.rx->len; i++)
    n200 += sip_msg_status (x.caller.rx->pdata[i]) == 200;
  g_assert_cmpuint (n200, ==, 2);
  SipMsg *fack = find (x.callee.rx, TRUE, SIP_METHOD_ACK);
  g_assert_nonnull (fack);
  g_assert_cmpuint (sip_msg_route_count (fack, SIP_HDR_ROUTE), ==, 0);
  g_assert_true (sip_str_eq (sip_msg_request_uri_str (fack), "sip:bob@10.0.3.2:5060"));
  SipProxyCallStats cs;
  sip_proxy_get_call_stats (x.proxy, &cs);
  g_assert_cmpuint (cs.forwarded, ==, 1);
  g_assert_cmpuint (cs.ok_forwarded, ==, 1);
  g_assert_cmpuint (cs.acks_forwarded, ==, 1);
  fx_clear (&x);
}

/* 2: record_route off: no Record-Route in the forwarded INVITE. */
static void
test_no_record_route (void)
{
  Fx x;
  fx_init (&x, FALSE);
  g_autofree char *inv = invite_text ("sip:bob@10.0.3.2", 70);
  raw_send (&x.caller, x.f.server_ip, inv);
  run (&x, SIM_S (1));
  SipMsg *fwd = find (x.callee.rx, TRUE, SIP_METHOD_INVITE);
  g_assert_nonnull (fwd);
  g_assert_cmpuint (sip_msg_route_count (fwd, SIP_HDR_RECORD_ROUTE), ==, 0);
  fx_clear (&x);
}

/* 3: §16.3 step 3: Max-Forwards 0 is 483 and nothing is forwarded;
 * §16.5: a domain Request-URI with no binding is 480. */
static void
test_483_and_480 (void)
{
  Fx x;
  fx_init (&x, TRUE);
  g_autofree char *inv = invite_text ("sip:bob@10.0.3.2", 0);
  raw_send (&x.caller, x.f.server_ip, inv);
  run (&x, SIM_S (1));
  g_assert_nonnull (find (x.caller.rx, FALSE, 483));
  g_assert_null (find (x.callee.rx, TRUE, SIP_METHOD_INVITE));
  g_ptr_array_set_size (x.caller.rx, 0);
  g_autofree char *inv2 = invite_text ("sip:nobody@voip.test", 70);
  /* A new transaction: another branch. */
  char *p = strstr (inv2, "caller1");
  memcpy (p, "caller2", 7);
  raw_send (&x.caller, x.f.server_ip, inv2);
  run (&x, SIM_S (1));
  g_assert_nonnull (find (x.caller.rx, FALSE, 480));
  SipProxyCallStats cs;
  sip_proxy_get_call_stats (x.proxy, &cs);
  g_assert_cmpuint (cs.not_found, ==, 1);
  fx_clear (&x);
}

/* 4: a silent callee: the proxy's INVITE client transaction times out
 * at Timer B = 64*T1 and the caller gets 408 (§16.7 step 6 / §16.8).
 * The proxy's 100 Trying (after 200 ms, §17.2.1) has stopped the
 * caller's own Timer B meanwhile, which is why the 408 matters. */
static void
test_408_on_timer_b (void)
{
  Fx x;
  fx_init (&x, TRUE);
  g_autofree char *inv = invite_text ("sip:bob@10.0.3.9", 70);   /* nobody there */
  raw_send (&x.caller, x.f.server_ip, inv);
  run (&x, SIM_S (31));
  g_assert_nonnull (find (x.caller.rx, FALSE, 100));
  g_assert_null (find (x.caller.rx, FALSE, 408));
  run (&x, SIM_S (2));
  g_assert_nonnull (find (x.caller.rx, FALSE, 408));
  fx_clear (&x);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/proxy/forward/1-invite-vias-record-route-responses-ack", test_invite_forwarded);
  g_test_add_func ("/proxy/forward/2-no-record-route", test_no_record_route);
  g_test_add_func ("/proxy/forward/3-483-480", test_483_and_480);
  g_test_add_func ("/proxy/forward/4-408-on-timer-b", test_408_on_timer_b);
  return g_test_run ();
}
