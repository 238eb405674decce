/*
 * tests/test-pcap.c - pcap files: read back record by record, and opened by
 * tshark with checksum validation on, expecting zero malformed packets and
 * zero bad checksums.  tshark is found by meson (SIPSIM_TSHARK); CI installs
 * it and sets SIPSIM_REQUIRE_TSHARK so that check can never be skipped there.
 */
#include <string.h>
#include <glib/gstdio.h>
#include "tests/net-fixture.h"
#include "tests/tshark.h"

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static guint16
le16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

typedef struct {
  SimTime  t;
  guint8  *data;
  gsize    len;
} Rec;

/* Parses a whole pcap file; fails the test on any structural problem. */
static GArray *
read_pcap (const char *path)
{
  g_autofree guint8 *buf = NULL;
  gsize n = 0;
  g_autoptr (GError) err = NULL;
  g_assert_true (g_file_get_contents (path, (char **) &buf, &n, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (n, >=, 24);
  g_assert_cmphex (le32 (buf), ==, 0xa1b23c4d);       /* nanosecond magic */
  g_assert_cmpuint (le16 (buf + 4), ==, 2);
  g_assert_cmpuint (le16 (buf + 6), ==, 4);
  g_assert_cmpuint (le32 (buf + 16), ==, 65535);
  g_assert_cmpuint (le32 (buf + 20), ==, 101);        /* LINKTYPE_RAW */

  GArray *recs = g_array_new (FALSE, FALSE, sizeof (Rec));
  gsize off = 24;
  while (off < n)
    {
      g_assert_cmpuint (n - off, >=, 16);
      Rec r;
      r.t = SIM_S (le32 (buf + off)) + le32 (buf + off + 4);
      g_assert_cmpuint (le32 (buf + off + 4), <, 1000000000);
      r.len = le32 (buf + off + 8);
      g_assert_cmpuint (le32 (buf + off + 12), ==, r.len);
      off += 16;
      g_assert_cmpuint (n - off, >=, r.len);
      r.data = g_memdup2 (buf + off, r.len);
      off += r.len;
      g_array_append_val (recs, r);
    }
  return recs;
}

static void
free_recs (GArray *recs)
{
  for (guint i = 0; i < recs->len; i++)
    g_free (g_array_index (recs, Rec, i).data);
  g_array_unref (recs);
}

static void
echo_recv (SimUdpSocket *sock, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  sim_udp_sendto (sock, from, data, len, NULL);
}

/* Traffic of every kind the network makes: UDP both ways, an ICMP port
 * unreachable, TCP SYN answered by RST, a forwarded packet with its TTL
 * decremented. */
static void
make_capture (const char *node_path, const char *link_path, SimTime L, guint64 *n_node, guint64 *n_link)
{
  NetFixture f;
  net_fixture_init (&f, 1, L);
  g_autoptr (GError) err = NULL;
  SimPcap *pn = sim_pcap_open (node_path, &err);
  g_assert_no_error (err);
  SimPcap *pl = sim_pcap_open (link_path, &err);
  g_assert_no_error (err);
  sim_node_set_pcap (f.client, pn);
  sim_link_set_pcap (f.link1, pl);

  SimSockAddr cl = { SIM_IP4_ANY, 7000 }, sl = { SIM_IP4_ANY, 7001 };
  SimUdpSocket *c = sim_udp_open (f.client, &cl, NULL);
  SimUdpSocket *s = sim_udp_open (f.server, &sl, NULL);
  sim_udp_set_callbacks (s, echo_recv, NULL, NULL);
  SimSockAddr to = { f.server_ip, 7001 }, closed = { f.server_ip, 7999 };
  g_assert_true (sim_udp_sendto (c, &to, "hello pcap", 10, NULL));   /* t=0: out, echo at 4L */
  g_assert_true (sim_udp_sendto (c, &closed, "nobody", 6, NULL));    /* ICMP back at 4L */
  SimSockAddr csrc = { f.client_ip, 40000 }, sdst = { f.server_ip, 5999 };
  SimPacket *syn = sim_packet_new_tcp (&csrc, &sdst, 1, 64, 12345, 0, SIM_TCP_SYN, 65535, 1460, NULL, 0);
  g_assert_true (sim_node_inject (f.client, syn));                   /* RST back at 4L */
  sim_world_run_until (f.world, SIM_S (1));

  *n_node = sim_pcap_get_packets (pn);
  *n_link = sim_pcap_get_packets (pl);
  sim_udp_close (c);
  sim_udp_close (s);
  net_fixture_clear (&f);
  g_assert_true (sim_pcap_close (pn, &err));
  g_assert_no_error (err);
  g_assert_true (sim_pcap_close (pl, &err));
  g_assert_no_error (err);
}

static void
test_read_back (void)
{
  const SimTime L = SIM_MS (25);
  g_autofree char *dir = g_dir_make_tmp ("sipsim-pcap-XXXXXX", NULL);
  g_autofree char *pn = g_build_filename (dir, "client.pcap", NULL);
  g_autofree char *pl = g_build_filename (dir, "link1.pcap", NULL);
  guint64 nn, nl;
  make_capture (pn, pl, L, &nn, &nl);

  /* The client sends 3 packets at 0 and receives 3 answers at 4L. */
  GArray *recs = read_pcap (pn);
  g_assert_cmpuint (recs->len, ==, 6);
  g_assert_cmpuint (nn, ==, 6);
  guint udp = 0, icmp = 0, tcp = 0;
  for (guint i = 0; i < recs->len; i++)
    {
      Rec *r = &g_array_index (recs, Rec, i);
      SimPacketInfo info;
      g_assert_cmpint (sim_packet_parse (r->data, r->len, &info), ==, SIM_PACKET_OK);
      g_assert_cmpint (r->t, ==, i < 3 ? 0 : 4 * L);
      udp += info.proto == SIM_IPPROTO_UDP;
      icmp += info.proto == SIM_IPPROTO_ICMP;
      tcp += info.proto == SIM_IPPROTO_TCP;
      if (i >= 3 && info.proto == SIM_IPPROTO_UDP)
        g_assert_cmpmem (info.payload, info.payload_len, "hello pcap", 10);
      if (info.proto == SIM_IPPROTO_TCP && i >= 3)
        g_assert_cmpuint (info.tcp_flags & SIM_TCP_RST, !=, 0);
    }
  g_assert_cmpuint (udp, ==, 3);
  g_assert_cmpuint (icmp, ==, 1);
  g_assert_cmpuint (tcp, ==, 2);
  free_recs (recs);

  /* link1 carries each of the 3 requests (sent by the router at L, TTL 63)
   * and the 3 answers (sent by the server at 2L). */
  recs = read_pcap (pl);
  g_assert_cmpuint (recs->len, ==, 6);
  g_assert_cmpuint (nl, ==, 6);
  for (guint i = 0; i < recs->len; i++)
    {
      Rec *r = &g_array_index (recs, Rec, i);
      SimPacketInfo info;
      g_assert_cmpint (sim_packet_parse (r->data, r->len, &info), ==, SIM_PACKET_OK);
      g_assert_cmpint (r->t, ==, i < 3 ? L : 2 * L);
      g_assert_cmpuint (info.ttl, ==, i < 3 ? 63 : 64);
    }
  free_recs (recs);

  g_unlink (pn);
  g_unlink (pl);
  g_rmdir (dir);
}

/* Same seed, same bytes: two captures of the same run are identical. */
static void
test_byte_identical (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sipsim-pcap-XXXXXX", NULL);
  g_autofree char *a = g_build_filename (dir, "a.pcap", NULL);
  g_autofree char *b = g_build_filename (dir, "b.pcap", NULL);
  g_autofree char *x = g_build_filename (dir, "x.pcap", NULL);
  guint64 n1, n2;
  make_capture (a, x, SIM_MS (5), &n1, &n2);
  make_capture (b, x, SIM_MS (5), &n1, &n2);
  g_autofree char *ca = NULL, *cb = NULL;
  gsize la, lb;
  g_assert_true (g_file_get_contents (a, &ca, &la, NULL));
  g_assert_true (g_file_get_contents (b, &cb, &lb, NULL));
  g_assert_cmpmem (ca, la, cb, lb);
  g_unlink (a);
  g_unlink (b);
  g_unlink (x);
  g_rmdir (dir);
}

/* A real TCP session with loss (so retransmissions and duplicate ACKs are in
 * the capture): handshake, 20 kB from client to server,
 * then a graceful close from both sides. */
typedef struct { SimTcpSocket *sock; gsize got; } TcpSide;

static void
tcp_srv_event (SimTcpSocket *sock, SimTcpEvent ev, gpointer u)
{
  if (ev == SIM_TCP_EV_PEER_CLOSED)
    sim_tcp_close (sock);
}

static void
tcp_srv_recv (SimTcpSocket *sock, const guint8 *data, gsize len, gpointer u)
{
  ((TcpSide *) u)->got += len;
}

static void
tcp_on_accept (SimTcpListener *l, SimTcpSocket *sock, gpointer u)
{
  TcpSide *s = u;
  s->sock = sock;
  sim_tcp_set_callbacks (sock, tcp_srv_event, tcp_srv_recv, s);
}

static void
tcp_cli_event (SimTcpSocket *sock, SimTcpEvent ev, gpointer u)
{
  if (ev == SIM_TCP_EV_CONNECTED)
    {
      guint8 buf[20000];
      for (gsize i = 0; i < sizeof buf; i++)
        buf[i] = (guint8) i;
      g_assert_true (sim_tcp_send (sock, buf, sizeof buf, NULL));
      sim_tcp_close (sock);
    }
}

static guint64
make_tcp_capture (const char *path)
{
  NetFixture f;
  net_fixture_init (&f, 4, SIM_MS (10));
  SimLinkConfig lossy = { .latency = SIM_MS (10), .loss = 0.05 };
  sim_link_set_config (f.link1, &lossy);
  SimPcap *pcap = sim_pcap_open (path, NULL);
  g_assert_nonnull (pcap);
  sim_link_set_pcap (f.link0, pcap);
  TcpSide srv = { 0 };
  SimSockAddr laddr = { SIM_IP4_ANY, 5060 }, to = { f.server_ip, 5060 };
  SimTcpListener *l = sim_tcp_listen (f.server, &laddr, tcp_on_accept, &srv, NULL);
  SimTcpSocket *c = sim_tcp_connect (f.client, NULL, &to, NULL);
  sim_tcp_set_callbacks (c, tcp_cli_event, NULL, NULL);
  sim_world_run_until (f.world, SIM_S (120));
  g_assert_cmpuint (srv.got, ==, 20000);
  guint64 n = sim_pcap_get_packets (pcap);
  sim_tcp_free (c);
  sim_tcp_free (srv.sock);
  sim_tcp_listener_close (l);
  net_fixture_clear (&f);
  g_assert_true (sim_pcap_close (pcap, NULL));
  return n;
}

static char *
run_tshark (const char *tshark, const char *path, const char *filter, const char *fields)
{
  return test_tshark_fields (tshark, path, NULL, filter, fields);
}

#define count_lines test_count_lines

static void
test_tshark_reads_cleanly (void)
{
  const char *tshark = test_tshark_or_skip ();
  if (tshark == NULL)
    return;
  g_autofree char *dir = g_dir_make_tmp ("sipsim-pcap-XXXXXX", NULL);
  g_autofree char *pn = g_build_filename (dir, "client.pcap", NULL);
  g_autofree char *pl = g_build_filename (dir, "link1.pcap", NULL);
  g_autofree char *pt = g_build_filename (dir, "tcp.pcap", NULL);
  guint64 nn, nl;
  make_capture (pn, pl, SIM_MS (25), &nn, &nl);
  guint64 nt = make_tcp_capture (pt);

  const char *files[] = { pn, pl, pt };
  guint64 counts[] = { nn, nl, nt };
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *all = run_tshark (tshark, files[i], NULL, "frame.number");
      g_assert_cmpuint (count_lines (all), ==, counts[i]);
      /* Expert severity "error" is 0x00800000: malformed packets and bad
       * IP/UDP/TCP checksums are reported at that level; a bad ICMP checksum
       * only as a warning, so checksum status 0 ("Bad") is asked for too. */
      g_autofree char *bad = run_tshark (tshark, files[i],
                                         "_ws.malformed || _ws.expert.severity >= 0x00800000"
                                         " || ip.checksum.status == 0 || udp.checksum.status == 0"
                                         " || tcp.checksum.status == 0 || icmp.checksum.status == 0",
                                         "frame.number");
      g_assert_cmpstr (bad, ==, "");
      g_autofree char *protos = run_tshark (tshark, files[i], NULL, "frame.protocols");
      g_assert_nonnull (strstr (protos, "raw:ip:tcp"));
      if (i < 2)
        {
          g_assert_nonnull (strstr (protos, "raw:ip:udp"));
          g_assert_nonnull (strstr (protos, "raw:ip:icmp"));
        }
      g_autofree char *good = run_tshark (tshark, files[i], "udp.checksum.status == 1 || icmp.checksum.status == 1 || tcp.checksum.status == 1",
                                          "frame.number");
      g_assert_cmpuint (count_lines (good), ==, counts[i]);   /* every checksum verified good */
    }
  /* Wireshark's TCP dissector sees the session: a SYN, FINs from both
   * ends, and at least the 14 data segments that 20000 bytes need. */
  g_autofree char *syn = run_tshark (tshark, pt, "tcp.flags.syn == 1 && tcp.flags.ack == 0", "frame.number");
  g_autofree char *fin = run_tshark (tshark, pt, "tcp.flags.fin == 1", "ip.src");
  g_autofree char *bytes = run_tshark (tshark, pt, "tcp.srcport != 5060 && tcp.len > 0", "tcp.len");
  g_assert_cmpuint (count_lines (syn), >=, 1);
  g_assert_nonnull (strstr (fin, "10.0.1.2"));
  g_assert_nonnull (strstr (fin, "10.0.2.2"));
  g_assert_cmpuint (count_lines (bytes), >=, 14);   /* 20000 / 1460 = 13.7 segments, plus resends */
  g_unlink (pn);
  g_unlink (pl);
  g_unlink (pt);
  g_rmdir (dir);
}

static void
test_open_error (void)
{
  g_autoptr (GError) err = NULL;
  g_assert_null (sim_pcap_open ("/nonexistent-dir/x.pcap", &err));
  g_assert_error (err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (err->message, "/nonexistent-dir/x.pcap"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pcap/1-format/read-back", test_read_back);
  g_test_add_func ("/pcap/1-format/byte-identical", test_byte_identical);
  g_test_add_func ("/pcap/1-format/open-error", test_open_error);
  g_test_add_func ("/pcap/2-tshark/reads-cleanly", test_tshark_reads_cleanly);
  return g_test_run ();
}
