/*
 * tests/test-ladder.c - ladder diagrams from packets (experiment/ladder.h).
 *
 * Packets are built with the same packet builder the network uses; the
 * expected labels are read off the payloads written here (RFC 3261 start
 * lines, RFC 1035 questions, RFC 5389 message types).
 */
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "experiment/ladder.h"
#include "models/tls/tls.h"
#include "sim/net/packet.h"
#include "sim/net/net.h"
#include "models/dns/wire.h"

#define PHONE SIM_IP4 (10, 0, 0, 2)
#define HOME  SIM_IP4 (100, 64, 0, 2)
#define PBX   SIM_IP4 (198, 51, 100, 10)
#define DNS   SIM_IP4 (192, 0, 2, 53)

static const char reg[] =
  "REGISTER sip:voip.test SIP/2.0\r\n"
  "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport\r\n"
  "CSeq: 1 REGISTER\r\n\r\n";
static const char ok[] =
  "SIP/2.0 200 OK\r\n"
  "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport=5060\r\n"
  "CSeq: 1 REGISTER\r\n\r\n";

static GArray *
hosts (void)
{
  GArray *h = g_array_new (FALSE, TRUE, sizeof (ObsHost));
  ObsHost e[] = { { PHONE, "phone" }, { HOME, "home" }, { PBX, "pbx-a" }, { DNS, "dns" } };
  g_array_append_vals (h, e, G_N_ELEMENTS (e));
  return h;
}

static SimPacket *
udp (SimIp4 s, guint16 sp, SimIp4 d, guint16 dp, guint16 id, const void *data, gsize len)
{
  SimSockAddr a = { s, sp }, b = { d, dp };
  return sim_packet_new_udp (&a, &b, id, 64, data, len);
}

static char *
label (SimPacket *p)
{
  char *s = ladder_describe (sim_packet_data (p), sim_packet_len (p));
  sim_packet_free (p);
  return s;
}

static void
test_labels (void)
{
  g_autofree char *a = label (udp (PHONE, 5060, PBX, 5060, 1, reg, strlen (reg)));
  g_assert_cmpstr (a, ==, "REGISTER sip:voip.test");
  g_autofree char *b = label (udp (PBX, 5060, HOME, 5060, 1, ok, strlen (ok)));
  g_assert_cmpstr (b, ==, "200 OK (REGISTER)");
  g_autofree char *c = label (udp (PHONE, 5060, PBX, 5060, 2, "keep-alive\r\n", 12));
  g_assert_cmpstr (c, ==, "keep-alive");
  g_autofree char *d = label (udp (PHONE, 5060, PBX, 5060, 3, "\r\n\r\n", 4));
  g_assert_cmpstr (d, ==, "CRLFCRLF ping");

  /* RFC 5389 §6: type 0x0001 = Binding request, 0x0101 = success. */
  guint8 stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
  g_autofree char *e = label (udp (PHONE, 5060, PBX, 5060, 4, stun, sizeof stun));
  g_assert_cmpstr (e, ==, "STUN Binding request");
  stun[0] = 0x01;
  g_autofree char *f = label (udp (PBX, 5060, PHONE, 5060, 4, stun, sizeof stun));
  g_assert_cmpstr (f, ==, "STUN Binding success");

  /* RFC 1035 §4.1: a query for SRV (33) and an answer with NXDOMAIN (3). */
  DnsQuery q = { .id = 7, .rd = TRUE, .qname = "_sip._udp.voip.test", .qtype = 33, .qclass = 1 };
  g_autoptr (GByteArray) wire = g_byte_array_new ();
  g_assert_true (dns_query_encode (&q, wire, NULL));
  g_autofree char *g = label (udp (PHONE, 40000, DNS, 53, 5, wire->data, wire->len));
  g_assert_cmpstr (g, ==, "DNS SRV? _sip._udp.voip.test");
  wire->data[2] |= 0x80;           /* QR: a response */
  wire->data[3] = (wire->data[3] & 0xf0) | 3;
  g_autofree char *h = label (udp (DNS, 53, PHONE, 40000, 5, wire->data, wire->len));
  g_assert_cmpstr (h, ==, "DNS SRV _sip._udp.voip.test: NXDOMAIN");
  /* A truncated question does not read past the end. */
  g_autofree char *i = label (udp (DNS, 53, PHONE, 40000, 6, wire->data, 15));
  g_assert_cmpstr (i, ==, "DNS answer (question unreadable)");

  guint8 junk[3] = { 1, 2, 3 };
  g_autofree char *j = ladder_describe (junk, sizeof junk);
  g_assert_true (g_str_has_prefix (j, "(malformed: "));

  /* TLS (models/tls): a ClientHello record, and a TLS 1.2 server flight
   * (one handshake record of four messages). */
  SimRng crng, srng;
  sim_rng_init (&crng, 1, "c");
  sim_rng_init (&srng, 1, "s");
  TlsConfig tc;
  tls_config_init (&tc);
  tc.max_version = TLS_VERSION_1_2;
  g_autoptr (TlsSession) cs = tls_session_new (TLS_ROLE_CLIENT, &tc, &crng);
  g_autoptr (TlsSession) ss = tls_session_new (TLS_ROLE_SERVER, NULL, &srng);
  g_autoptr (GByteArray) ch = g_byte_array_new ();
  g_autoptr (GByteArray) fl = g_byte_array_new ();
  g_autoptr (GByteArray) app = g_byte_array_new ();
  tls_session_start (cs, ch);
  tls_session_input (ss, ch->data, ch->len, fl, app);
  SimSockAddr ta = { PHONE, 40000 }, tb = { PBX, 5061 };
  g_autofree char *k = label (sim_packet_new_tcp (&ta, &tb, 8, 64, 1, 1, 0x18, 65535, 0,
                                                  ch->data, ch->len));
  g_assert_cmpstr (k, ==, "TCP [ACK] TLS ClientHello");
  g_autofree char *l = label (sim_packet_new_tcp (&tb, &ta, 9, 64, 1, 1, 0x18, 65535, 0,
                                                  fl->data, fl->len));
  g_assert_cmpstr (l, ==, "TCP [ACK] TLS ServerHello Certificate ServerKeyExchange ServerHelloDone");
}

/* A NATed REGISTER crosses the access link with the private source, then
 * the uplink and the server link with the public one: two rows, not three
 * (ladder.h note 2). */
static void
test_segments (void)
{
  g_autoptr (GArray) h = hosts ();
  Ladder *l = ladder_new (h);
  SimPacket *p1 = udp (PHONE, 5060, PBX, 5060, 9, reg, strlen (reg));
  SimPacket *p2 = udp (HOME, 5060, PBX, 5060, 9, reg, strlen (reg));
  g_assert_true (ladder_add_packet (l, SIM_MS (10), sim_packet_data (p1), sim_packet_len (p1)));
  g_assert_true (ladder_add_packet (l, SIM_MS (20), sim_packet_data (p2), sim_packet_len (p2)));
  g_assert_false (ladder_add_packet (l, SIM_MS (30), sim_packet_data (p2), sim_packet_len (p2)));
  /* The same bytes again 10 s later are a new packet (a retransmission
   * would have a new IP id anyway). */
  g_assert_true (ladder_add_packet (l, SIM_S (10), sim_packet_data (p2), sim_packet_len (p2)));
  ladder_add_note (l, SIM_MS (15), "phone", "registering");
  g_assert_cmpuint (ladder_n_rows (l), ==, 4);

  g_autofree char *out = ladder_render (l, NULL);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  /* header + 4 rows + the empty string after the last newline */
  g_assert_cmpuint (g_strv_length (lines), ==, 6);
  /* Columns in the order of the hosts given: phone, home, pbx-a. */
  g_assert_true (strstr (lines[0], "phone") < strstr (lines[0], "home"));
  g_assert_true (strstr (lines[0], "home") < strstr (lines[0], "pbx-a"));
  if (g_test_verbose ())
    g_printerr ("%s", out);
  /* phone (column 0) sends to pbx-a (column 2): the arrow crosses home's
   * column and ends at pbx-a's rule, pointing right. */
  g_assert_true (strstr (lines[1], "0.010000")
                 && strstr (lines[1], "|-------------------------->|")
                 && strstr (lines[1], "REGISTER sip:voip.test"));
  /* home (column 1) -> pbx-a (column 2), one column wide. */
  g_assert_true (strstr (lines[3], "|             |------------>|"));
  g_assert_true (strstr (lines[2], "0.015000") && strchr (lines[2], '*') && strstr (lines[2], "registering"));
  g_assert_true (strstr (lines[3], "0.020000"));
  g_assert_true (strstr (lines[4], "10.000000"));

  /* --only keeps rows that involve the node. */
  g_autofree char *only = ladder_render (l, "home");
  g_auto (GStrv) ol = g_strsplit (only, "\n", -1);
  g_assert_cmpuint (g_strv_length (ol), ==, 4);
  ladder_free (l);
  sim_packet_free (p1);
  sim_packet_free (p2);
}

/* With the NAT's inside address known (the .1 of the phone's /30), the
 * access-link capture is drawn phone -> home and the answer home -> phone:
 * the NAT is where the private and public segments meet (ladder.h note 2). */
static void
test_nat_column (void)
{
  g_autoptr (GArray) h = hosts ();
  ObsHost gw = { SIM_IP4 (10, 0, 0, 1), "home" };
  g_array_append_val (h, gw);
  Ladder *l = ladder_new (h);
  SimPacket *out = udp (PHONE, 5060, PBX, 5060, 9, reg, strlen (reg));
  SimPacket *in = udp (PBX, 5060, PHONE, 5060, 3, ok, strlen (ok));
  ladder_add_packet (l, SIM_MS (10), sim_packet_data (out), sim_packet_len (out));
  ladder_add_packet (l, SIM_MS (70), sim_packet_data (in), sim_packet_len (in));
  g_autofree char *txt = ladder_render (l, NULL);
  g_auto (GStrv) lines = g_strsplit (txt, "\n", -1);
  /* Only the access link was captured here, so only phone and home are
   * columns: the rows end at the NAT. */
  g_assert_true (strstr (lines[0], "phone") && strstr (lines[0], "home"));
  g_assert_null (strstr (lines[0], "pbx-a"));
  g_assert_true (strstr (lines[1], "|------------>|") && strstr (lines[1], "REGISTER"));
  g_assert_true (strstr (lines[2], "|<------------|") && strstr (lines[2], "200 OK (REGISTER)"));
  ladder_free (l);
  sim_packet_free (out);
  sim_packet_free (in);
}

/* A pcap written by the simulator reads back as the packets it holds. */
static void
test_pcap (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ladder-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "x.pcap", NULL);
  SimWorld *w = sim_world_new (1);
  SimNet *net = sim_net_new (w);
  SimNode *a = sim_node_new (net, "a", NULL), *b = sim_node_new (net, "b", NULL);
  SimIface *ia = sim_node_add_iface (a, PHONE, 24), *ib = sim_node_add_iface (b, SIM_IP4 (10, 0, 0, 3), 24);
  SimLink *link = sim_link_new (net, ia, ib, &(SimLinkConfig) { .latency = SIM_MS (5) });
  SimPcap *pcap = sim_pcap_open (path, NULL);
  sim_link_set_pcap (link, pcap);
  SimUdpSocket *s = sim_udp_open (a, &(SimSockAddr) { PHONE, 5060 }, NULL);
  SimUdpSocket *r = sim_udp_open (b, &(SimSockAddr) { SIM_IP4 (10, 0, 0, 3), 5060 }, NULL);
  sim_udp_sendto (s, &(SimSockAddr) { SIM_IP4 (10, 0, 0, 3), 5060 }, reg, strlen (reg), NULL);
  sim_world_run_until (w, SIM_S (1));
  g_assert_true (sim_pcap_close (pcap, NULL));

  g_autoptr (GArray) h = hosts ();
  Ladder *l = ladder_new (h);
  g_assert_true (ladder_read_pcap (l, path, NULL));
  g_assert_cmpuint (ladder_n_rows (l), ==, 1);
  g_autofree char *out = ladder_render (l, NULL);
  g_assert_true (strstr (out, "phone") && strstr (out, "10.0.0.3") && strstr (out, "REGISTER"));
  ladder_free (l);

  /* Not a pcap: a clear error. */
  g_assert_true (g_file_set_contents (path, "hello", 5, NULL));
  Ladder *l2 = ladder_new (NULL);
  GError *err = NULL;
  g_assert_false (ladder_read_pcap (l2, path, &err));
  g_assert_true (strstr (err->message, "not a sipsim pcap"));
  g_clear_error (&err);
  ladder_free (l2);

  sim_udp_close (s);
  sim_udp_close (r);
  sim_net_free (net);
  sim_world_free (w);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ladder/1-labels", test_labels);
  g_test_add_func ("/ladder/2-segments", test_segments);
  g_test_add_func ("/ladder/3-pcap", test_pcap);
  g_test_add_func ("/ladder/4-nat-column", test_nat_column);
  return g_test_run ();
}
