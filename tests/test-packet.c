/*
 * tests/test-packet.c - IPv4/UDP/TCP/ICMP bytes: known-good headers,
 * checksums, malformed input, rewrites; and address parsing.
 */
#include <string.h>
#include "sim/net/packet.h"
#include "sim/net/packet-private.h"   /* the packet pool (packet.c note 5) */
#include "sim/kernel/rng.h"

static guint16
sim_get_be16_for_test (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

/* The worked example of an IPv4 header checksum that most references use
 * (e.g. Wikipedia "Internet checksum"): 192.168.0.1 -> 192.168.0.199, UDP,
 * TTL 64, DF, id 0, total length 0x73, checksum 0xb861. */
static void
test_ip_header_known (void)
{
  const guint8 expect[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                              0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
  SimSockAddr src = { SIM_IP4 (192, 168, 0, 1), 5060 }, dst = { SIM_IP4 (192, 168, 0, 199), 5060 };
  guint8 payload[0x73 - 28] = { 0 };
  g_autoptr (SimPacket) p = sim_packet_new_udp (&src, &dst, 0, 64, payload, sizeof payload);
  g_assert_cmpuint (sim_packet_len (p), ==, 0x73);
  g_assert_cmpmem (sim_packet_data (p), 20, expect, 20);
}

/* RFC 1071's own example: the words 0001 f203 f4f5 f6f7 sum to 0xddf2
 * (before complement), so the checksum is ~0xddf2 = 0x220d. */
static void
test_inet_checksum_rfc1071 (void)
{
  const guint8 b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
  g_assert_cmphex (sim_inet_checksum (b, sizeof b, 0), ==, 0x220d);
  /* Odd length: the last byte is padded with a zero byte. */
  const guint8 c[] = { 0x00, 0x01, 0xf2 };
  g_assert_cmphex (sim_inet_checksum (c, sizeof c, 0), ==, (guint16) ~(0x0001 + 0xf200));
}

/* The word-wise sum (8 bytes at a time) equals the plain 16-bit sum of
 * RFC 1071 for every length 0..200, at every offset, with a starting
 * sum, on bytes that carry a lot (0xff runs) and random ones. */
static guint16
checksum_16bit (const guint8 *d, gsize len, guint32 sum)
{
  gsize i = 0;
  for (; i + 1 < len; i += 2)
    sum += (guint32) ((d[i] << 8) | d[i + 1]);
  if (i < len)
    sum += (guint32) (d[i] << 8);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

static void
test_inet_checksum_wordwise (void)
{
  guint8 buf[216];
  guint32 x = 12345;
  for (int fill = 0; fill < 2; fill++)
    {
      for (gsize i = 0; i < sizeof buf; i++)
        {
          x = x * 1103515245u + 12345u;
          buf[i] = fill ? (guint8) (x >> 16) : 0xff;
        }
      for (gsize off = 0; off < 8; off++)
        for (gsize len = 0; len <= 200; len++)
          for (guint32 start = 0; start < 0x30000; start += 0x17fff)
            g_assert_cmphex (sim_inet_checksum (buf + off, len, start), ==,
                             checksum_16bit (buf + off, len, start));
    }
}

static void
test_udp_roundtrip (void)
{
  SimSockAddr src = { SIM_IP4 (10, 0, 0, 1), 5060 }, dst = { SIM_IP4 (203, 0, 113, 7), 5080 };
  const char *msg = "REGISTER sip:example.test SIP/2.0\r\n\r\n";
  g_autoptr (SimPacket) p = sim_packet_new_udp (&src, &dst, 0x1234, 63, msg, strlen (msg));
  SimPacketInfo i;
  g_assert_cmpint (sim_packet_parse (sim_packet_data (p), sim_packet_len (p), &i), ==, SIM_PACKET_OK);
  g_assert_cmpuint (i.src, ==, src.ip);
  g_assert_cmpuint (i.dst, ==, dst.ip);
  g_assert_cmpuint (i.sport, ==, 5060);
  g_assert_cmpuint (i.dport, ==, 5080);
  g_assert_cmpuint (i.proto, ==, SIM_IPPROTO_UDP);
  g_assert_cmpuint (i.ttl, ==, 63);
  g_assert_cmpuint (i.ip_id, ==, 0x1234);
  g_assert_cmpuint (i.total_len, ==, 20 + 8 + strlen (msg));
  g_assert_cmpmem (i.payload, i.payload_len, msg, strlen (msg));
}

/* Every single-byte change is caught by a checksum or a length check. */
static void
test_every_byte_flip_detected (void)
{
  SimSockAddr src = { SIM_IP4 (10, 0, 0, 1), 1000 }, dst = { SIM_IP4 (10, 0, 0, 2), 2000 };
  const char *msg = "hello, world";
  g_autoptr (SimPacket) p = sim_packet_new_udp (&src, &dst, 7, 64, msg, strlen (msg));
  gsize n = sim_packet_len (p);
  for (gsize k = 0; k < n; k++)
    {
      g_autoptr (SimPacket) q = sim_packet_copy (p);
      sim_packet_data_mut (q)[k] ^= 0xff;
      SimPacketInfo i;
      g_assert_cmpint (sim_packet_parse (sim_packet_data (q), n, &i), !=, SIM_PACKET_OK);
    }
}

static void
test_tcp_roundtrip (void)
{
  SimSockAddr src = { SIM_IP4 (10, 0, 0, 1), 40000 }, dst = { SIM_IP4 (10, 0, 0, 2), 5060 };
  g_autoptr (SimPacket) syn = sim_packet_new_tcp (&src, &dst, 1, 64, 1000, 0, SIM_TCP_SYN, 65535,
                                                  1460, NULL, 0);
  SimPacketInfo i;
  g_assert_cmpint (sim_packet_parse (sim_packet_data (syn), sim_packet_len (syn), &i), ==, SIM_PACKET_OK);
  g_assert_cmpuint (sim_packet_len (syn), ==, 20 + 24);     /* MSS option: 4 bytes */
  g_assert_cmpuint (i.tcp_flags, ==, SIM_TCP_SYN);
  g_assert_cmpuint (i.tcp_seq, ==, 1000);
  g_assert_cmpuint (i.tcp_window, ==, 65535);
  g_assert_cmpuint (i.payload_len, ==, 0);

  g_autoptr (SimPacket) data = sim_packet_new_tcp (&src, &dst, 2, 64, 1001, 5001,
                                                   SIM_TCP_ACK | SIM_TCP_PSH, 65535, 0, "abc", 3);
  g_assert_cmpint (sim_packet_parse (sim_packet_data (data), sim_packet_len (data), &i), ==, SIM_PACKET_OK);
  g_assert_cmpuint (i.tcp_ack, ==, 5001);
  g_assert_cmpmem (i.payload, i.payload_len, "abc", 3);
}

static void
test_icmp_error_quotes_original (void)
{
  SimSockAddr src = { SIM_IP4 (10, 0, 0, 1), 5060 }, dst = { SIM_IP4 (10, 0, 0, 2), 5070 };
  char big[100];
  memset (big, 'x', sizeof big);
  g_autoptr (SimPacket) orig = sim_packet_new_udp (&src, &dst, 9, 64, big, sizeof big);
  g_autoptr (SimPacket) icmp = sim_packet_new_icmp_error (dst.ip, 1, 64, SIM_ICMP_DEST_UNREACH,
                                                          SIM_ICMP_PORT_UNREACH,
                                                          sim_packet_data (orig), sim_packet_len (orig));
  /* RFC 792: IP header (20) + first 8 bytes of data. */
  g_assert_cmpuint (sim_packet_len (icmp), ==, 20 + 8 + 20 + 8);
  SimPacketInfo i, q;
  g_assert_cmpint (sim_packet_parse (sim_packet_data (icmp), sim_packet_len (icmp), &i), ==, SIM_PACKET_OK);
  g_assert_cmpuint (i.src, ==, dst.ip);
  g_assert_cmpuint (i.dst, ==, src.ip);
  g_assert_cmpuint (i.icmp_type, ==, 3);
  g_assert_cmpuint (i.icmp_code, ==, 3);
  g_assert_cmpint (sim_packet_parse_quoted (i.payload, i.payload_len, &q), ==, SIM_PACKET_OK);
  g_assert_cmpuint (q.sport, ==, 5060);
  g_assert_cmpuint (q.dport, ==, 5070);
  g_assert_cmpuint (q.dst, ==, dst.ip);
}

static void
test_rewrite (void)
{
  SimSockAddr src = { SIM_IP4 (192, 168, 1, 10), 5060 }, dst = { SIM_IP4 (198, 51, 100, 1), 5060 };
  SimSockAddr pub = { SIM_IP4 (203, 0, 113, 5), 40001 };
  g_autoptr (SimPacket) p = sim_packet_new_udp (&src, &dst, 1, 64, "x", 1);
  g_assert_true (sim_packet_rewrite_src (p, &pub));
  SimPacketInfo i;
  g_assert_cmpint (sim_packet_parse (sim_packet_data (p), sim_packet_len (p), &i), ==, SIM_PACKET_OK);
  g_assert_cmpuint (i.src, ==, pub.ip);
  g_assert_cmpuint (i.sport, ==, pub.port);
  g_assert_true (sim_packet_rewrite_dst (p, &src));
  g_assert_cmpint (sim_packet_parse (sim_packet_data (p), sim_packet_len (p), &i), ==, SIM_PACKET_OK);
  g_assert_cmpuint (i.dst, ==, src.ip);
  g_assert_cmpuint (i.dport, ==, src.port);
}

/* packet.c note 4: a rewrite or a TTL decrement of a packet whose
 * checksums are known valid (built here: sim_packet_new_*) updates them
 * incrementally (RFC 1624); one whose checksums are not known (a copy:
 * sim_packet_copy) gets them recomputed from the bytes.  Both must give
 * the same bytes for every starting checksum: the payload word (UDP, TCP)
 * or the IP ID (IP header) runs through all 65536 values, so the
 * transport checksum takes every value, including UDP's computed 0 sent
 * as 0xffff and results that come out 0. */
static void
expect_same_rewrite (SimPacket *built, const SimSockAddr *to, gboolean src)
{
  g_autoptr (SimPacket) copy = sim_packet_copy (built);
  if (src)
    {
      g_assert_true (sim_packet_rewrite_src (built, to));
      g_assert_true (sim_packet_rewrite_src (copy, to));
    }
  else
    {
      g_assert_true (sim_packet_rewrite_dst (built, to));
      g_assert_true (sim_packet_rewrite_dst (copy, to));
    }
  g_assert_cmpmem (sim_packet_data (built), sim_packet_len (built),
                   sim_packet_data (copy), sim_packet_len (copy));
  SimPacketInfo i;
  g_assert_cmpint (sim_packet_parse (sim_packet_data (built), sim_packet_len (built), &i), ==,
                   SIM_PACKET_OK);
}

static void
test_rewrite_incremental (void)
{
  SimSockAddr in = { SIM_IP4 (192, 168, 1, 10), 5060 }, srv = { SIM_IP4 (198, 51, 100, 1), 5060 };
  SimSockAddr pub = { SIM_IP4 (203, 0, 113, 5), 40001 }, back = { SIM_IP4 (10, 255, 0, 2), 1 };
  guint seen_udp_ffff = 0, seen_tcp_zero = 0;
  for (guint w = 0; w < 65536; w++)
    {
      guint8 payload[3] = { (guint8) (w >> 8), (guint8) w, 0x5a };
      g_autoptr (SimPacket) u = sim_packet_new_udp (&in, &srv, 7, 64, payload, sizeof payload);
      seen_udp_ffff += sim_get_be16_for_test (sim_packet_data (u) + 26) == 0xffff;
      expect_same_rewrite (u, &pub, TRUE);
      expect_same_rewrite (u, &back, FALSE);
      g_autoptr (SimPacket) t = sim_packet_new_tcp (&in, &srv, 7, 64, 1000, 2000, SIM_TCP_ACK,
                                                    65535, 0, payload, 2);
      seen_tcp_zero += sim_get_be16_for_test (sim_packet_data (t) + 36) == 0;
      expect_same_rewrite (t, &pub, TRUE);
      expect_same_rewrite (t, &back, FALSE);
    }
  /* The sweep did reach the two special values. */
  g_assert_cmpuint (seen_udp_ffff, >=, 1);
  g_assert_cmpuint (seen_tcp_zero, >=, 1);

  /* A UDP datagram sent without a checksum (0) gets one, as before. */
  g_autoptr (SimPacket) none = sim_packet_new_udp (&in, &srv, 7, 64, "ab", 2);
  guint8 *d = sim_packet_data_mut (none);
  d[26] = d[27] = 0;
  g_assert_true (sim_packet_rewrite_src (none, &pub));
  SimPacketInfo i;
  g_assert_cmpint (sim_packet_parse (sim_packet_data (none), sim_packet_len (none), &i), ==, SIM_PACKET_OK);
  g_assert_cmphex (sim_get_be16_for_test (sim_packet_data (none) + 26), !=, 0);
}

/* packet.c note 7: the checksums the constructors sum from values are
 * those summed from the bytes written (sim_packet_fix_checksums()), for
 * random addresses, ports, IDs, TTLs and payloads of every length parity;
 * the UDP sweep reaches a computed 0 (sent as 0xffff). */
static void
test_constructor_checksums (void)
{
  SimRng rng;
  sim_rng_init (&rng, 17, "test/constructor-checksums");
  guint8 payload[64];
  guint udp_ffff = 0;
  for (guint n = 0; n < 200000; n++)
    {
      SimSockAddr a = { (SimIp4) sim_rng_u64 (&rng), (guint16) sim_rng_below (&rng, 65536) };
      SimSockAddr b = { (SimIp4) sim_rng_u64 (&rng), (guint16) sim_rng_below (&rng, 65536) };
      guint16 id = (guint16) sim_rng_below (&rng, 65536);
      guint8 ttl = (guint8) sim_rng_below (&rng, 256);
      gsize len = sim_rng_below (&rng, sizeof payload + 1);
      for (gsize i = 0; i < len; i++)
        payload[i] = (guint8) sim_rng_below (&rng, 256);
      g_autoptr (SimPacket) p = n % 4 == 3
        ? sim_packet_new_tcp (&a, &b, id, ttl, 1, 2, SIM_TCP_ACK, 100, 0, payload, len)
        : sim_packet_new_udp (&a, &b, id, ttl, payload, len);
      g_autoptr (SimPacket) q = sim_packet_copy (p);
      sim_packet_fix_checksums (q);
      g_assert_cmpmem (sim_packet_data (p), sim_packet_len (p), sim_packet_data (q), sim_packet_len (q));
      udp_ffff += n % 4 != 3 && sim_get_be16_for_test (sim_packet_data (p) + 26) == 0xffff;
    }
  g_assert_cmpuint (udp_ffff, >=, 1);
}

/* packet.c note 6: the parse a checked packet carries is, after each change
 * the network makes, what a fresh parse of the bytes gives. */
static void
expect_carried_is_parse (const SimPacket *p)
{
  SimPacketInfo carried, fresh;
  g_assert_cmpint (sim_packet_parse_pkt (p, &carried), ==, SIM_PACKET_OK);
  g_assert_cmpint (sim_packet_parse (sim_packet_data (p), sim_packet_len (p), &fresh), ==,
                   SIM_PACKET_OK);
  g_assert_cmphex (carried.src, ==, fresh.src);
  g_assert_cmphex (carried.dst, ==, fresh.dst);
  g_assert_cmpuint (carried.proto, ==, fresh.proto);
  g_assert_cmpuint (carried.ttl, ==, fresh.ttl);
  g_assert_cmpuint (carried.ip_id, ==, fresh.ip_id);
  g_assert_cmpuint (carried.hdr_len, ==, fresh.hdr_len);
  g_assert_cmpuint (carried.total_len, ==, fresh.total_len);
  g_assert_cmpuint (carried.sport, ==, fresh.sport);
  g_assert_cmpuint (carried.dport, ==, fresh.dport);
  g_assert_cmpuint (carried.tcp_seq, ==, fresh.tcp_seq);
  g_assert_cmpuint (carried.tcp_ack, ==, fresh.tcp_ack);
  g_assert_cmpuint (carried.tcp_flags, ==, fresh.tcp_flags);
  g_assert_cmpuint (carried.tcp_window, ==, fresh.tcp_window);
  g_assert_cmpuint (carried.icmp_type, ==, fresh.icmp_type);
  g_assert_cmpuint (carried.icmp_code, ==, fresh.icmp_code);
  g_assert_true (carried.payload == fresh.payload);
  g_assert_cmpuint (carried.payload_len, ==, fresh.payload_len);
}

static void
test_carried_parse (void)
{
  SimSockAddr in = { SIM_IP4 (192, 168, 1, 10), 5060 }, srv = { SIM_IP4 (198, 51, 100, 1), 5061 };
  SimSockAddr pub = { SIM_IP4 (203, 0, 113, 5), 40001 }, back = { SIM_IP4 (10, 255, 0, 2), 7 };
  g_autoptr (SimPacket) u = sim_packet_new_udp (&in, &srv, 7, 64, "hello", 5);
  g_autoptr (SimPacket) t = sim_packet_new_tcp (&in, &srv, 9, 33, 1000, 2000,
                                                SIM_TCP_SYN | SIM_TCP_ACK, 4096, 1460, "xy", 2);
  g_autoptr (SimPacket) e = sim_packet_new_icmp_error (SIM_IP4 (10, 0, 0, 1), 3, 64,
                                                       SIM_ICMP_DEST_UNREACH, SIM_ICMP_PORT_UNREACH,
                                                       sim_packet_data (u), sim_packet_len (u));
  SimPacket *all[] = { u, t, e };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      expect_carried_is_parse (all[i]);
      g_assert_true (sim_packet_rewrite_src (all[i], &pub));
      expect_carried_is_parse (all[i]);
      g_assert_true (sim_packet_rewrite_dst (all[i], &back));
      expect_carried_is_parse (all[i]);
      sim_packet_forward_ttl (all[i]);
      expect_carried_is_parse (all[i]);
    }
  /* Bytes changed behind the network's back are parsed and verified again
   * at the next hop: a port changed with the checksums fixed is seen, a
   * flipped byte is caught. */
  guint8 *d = sim_packet_data_mut (u);
  d[22] = 0x13;
  d[23] = 0x88;   /* destination port 5000 */
  sim_packet_fix_checksums (u);
  SimPacketInfo info;
  g_assert_cmpint (sim_packet_parse_hop (u, &info), ==, SIM_PACKET_OK);
  g_assert_cmpuint (info.dport, ==, 5000);
  expect_carried_is_parse (u);
  sim_packet_data_mut (u)[30] ^= 0xff;
  g_assert_cmpint (sim_packet_parse_hop (u, &info), ==, SIM_PACKET_BAD_L4_CHECKSUM);
}

static void
test_forward_ttl_incremental (void)
{
  SimSockAddr a = { SIM_IP4 (10, 0, 0, 1), 1000 }, b = { SIM_IP4 (10, 0, 0, 2), 2000 };
  for (guint id = 0; id < 65536; id++)
    {
      g_autoptr (SimPacket) p = sim_packet_new_udp (&a, &b, (guint16) id, 64, "hello", 5);
      g_autoptr (SimPacket) q = sim_packet_copy (p);
      sim_packet_forward_ttl (p);
      sim_packet_forward_ttl (q);
      g_assert_cmpuint (sim_packet_data (p)[8], ==, 63);
      g_assert_cmpmem (sim_packet_data (p), sim_packet_len (p), sim_packet_data (q), sim_packet_len (q));
      /* And against the header recomputed by hand. */
      guint8 h[20];
      memcpy (h, sim_packet_data (q), 20);
      h[10] = h[11] = 0;
      guint16 c = sim_inet_checksum (h, 20, 0);
      g_assert_cmphex (sim_get_be16_for_test (sim_packet_data (p) + 10), ==, c);
    }
}

static void
test_malformed_cases (void)
{
  SimSockAddr a = { SIM_IP4 (10, 0, 0, 1), 1 }, b = { SIM_IP4 (10, 0, 0, 2), 2 };
  g_autoptr (SimPacket) p = sim_packet_new_udp (&a, &b, 1, 64, "abcd", 4);
  const guint8 *d = sim_packet_data (p);
  gsize n = sim_packet_len (p);
  SimPacketInfo i;
  guint8 buf[64];

  /* Every truncation is rejected (the total length no longer matches). */
  for (gsize k = 0; k < n; k++)
    g_assert_cmpint (sim_packet_parse (d, k, &i), !=, SIM_PACKET_OK);
  g_assert_cmpint (sim_packet_parse (NULL, 0, &i), ==, SIM_PACKET_TRUNCATED);

  memcpy (buf, d, n);
  buf[0] = 0x65;                                        /* version 6 */
  g_assert_cmpint (sim_packet_parse (buf, n, &i), ==, SIM_PACKET_BAD_VERSION);
  buf[0] = 0x44;                                        /* IHL 4 */
  g_assert_cmpint (sim_packet_parse (buf, n, &i), ==, SIM_PACKET_BAD_IHL);
  buf[0] = 0x4f;                                        /* IHL 15 = 60 bytes > packet */
  g_assert_cmpint (sim_packet_parse (buf, n, &i), ==, SIM_PACKET_BAD_IHL);

  /* A fragment, with a correct header checksum. */
  g_autoptr (SimPacket) f = sim_packet_copy (p);
  sim_packet_data_mut (f)[6] |= 0x20;                   /* MF */
  sim_packet_fix_checksums (f);
  g_assert_cmpint (sim_packet_parse (sim_packet_data (f), n, &i), ==, SIM_PACKET_FRAGMENT);

  /* UDP length that disagrees with the IP length, checksums fixed. */
  g_autoptr (SimPacket) u = sim_packet_copy (p);
  sim_packet_data_mut (u)[20 + 5] = 9;                  /* UDP length 9 instead of 12 */
  sim_packet_fix_checksums (u);
  g_assert_cmpint (sim_packet_parse (sim_packet_data (u), n, &i), ==, SIM_PACKET_BAD_L4_LENGTH);

  /* UDP checksum 0 means "none" (RFC 768) and is accepted. */
  g_autoptr (SimPacket) z = sim_packet_copy (p);
  sim_packet_data_mut (z)[26] = 0;
  sim_packet_data_mut (z)[27] = 0;
  g_assert_cmpint (sim_packet_parse (sim_packet_data (z), n, &i), ==, SIM_PACKET_OK);
}

/* Random bytes and random mutations of valid packets: never a crash or an
 * out-of-bounds read (run under ASan), and pointers stay inside the buffer. */
static void
test_random_garbage (void)
{
  SimRng r;
  sim_rng_init (&r, 1, "garbage");
  SimSockAddr a = { SIM_IP4 (10, 0, 0, 1), 1 }, b = { SIM_IP4 (10, 0, 0, 2), 2 };
  g_autoptr (SimPacket) tcp = sim_packet_new_tcp (&a, &b, 1, 64, 1, 2, SIM_TCP_ACK, 100, 0, "data", 4);
  for (int iter = 0; iter < 50000; iter++)
    {
      gsize n = (gsize) sim_rng_below (&r, 80);
      guint8 *buf = g_malloc (n + 1);
      if (iter % 2 && n >= 20)
        {
          gsize m = MIN (n, sim_packet_len (tcp));
          memcpy (buf, sim_packet_data (tcp), m);
          for (gsize k = m; k < n; k++)
            buf[k] = (guint8) sim_rng_u64 (&r);
          buf[sim_rng_below (&r, n)] = (guint8) sim_rng_u64 (&r);
        }
      else
        for (gsize k = 0; k < n; k++)
          buf[k] = (guint8) sim_rng_u64 (&r);
      SimPacketInfo i;
      if (sim_packet_parse (buf, n, &i) == SIM_PACKET_OK && i.payload_len)
        {
          g_assert_true (i.payload >= buf && i.payload + i.payload_len <= buf + n);
        }
      (void) sim_packet_parse_quoted (buf, n, &i);
      g_free (buf);
    }
}

static void
test_addr_parse (void)
{
  SimIp4 ip;
  g_assert_true (sim_ip4_parse ("192.168.1.254", &ip));
  g_assert_cmphex (ip, ==, SIM_IP4 (192, 168, 1, 254));
  g_assert_true (sim_ip4_parse ("0.0.0.0", &ip));
  g_assert_cmphex (ip, ==, 0);
  const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4",
                        "1..2.3", "1.2.3.a", "1234.1.1.1", "-1.2.3.4" };
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    g_assert_false (sim_ip4_parse (bad[k], &ip));

  SimSockAddr sa;
  g_assert_true (sim_sockaddr_parse ("10.0.0.1:5060", &sa));
  g_assert_cmphex (sa.ip, ==, SIM_IP4 (10, 0, 0, 1));
  g_assert_cmpuint (sa.port, ==, 5060);
  g_assert_false (sim_sockaddr_parse ("10.0.0.1:65536", &sa));
  g_assert_false (sim_sockaddr_parse ("10.0.0.1:", &sa));
  g_assert_false (sim_sockaddr_parse ("10.0.0.1", &sa));
  g_assert_false (sim_sockaddr_parse ("10.0.0.1:50a", &sa));
  char buf[SIM_SOCKADDR_STRLEN];
  SimSockAddr max = { G_MAXUINT32, 65535 };
  g_assert_cmpstr (sim_sockaddr_to_string (&max, buf), ==, "255.255.255.255:65535");
  /* Every octet value in every position prints as "%u" would. */
  for (guint v = 0; v < 256; v++)
    for (guint pos = 0; pos < 4; pos++)
      {
        SimIp4 a = (SimIp4) (v << (8 * pos)) | (pos ? 7u : 0x0b000000u);
        char ib[SIM_IP4_STRLEN];
        g_autofree char *want = g_strdup_printf ("%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
                                                 (a >> 8) & 255, a & 255);
        g_assert_cmpstr (sim_ip4_to_string (a, ib), ==, want);
      }
  /* Every port prints as "%u" would. */
  for (guint port = 0; port < 65536; port++)
    {
      SimSockAddr sp = { SIM_IP4 (10, 0, 0, 1), (guint16) port };
      char want[SIM_SOCKADDR_STRLEN];
      g_snprintf (want, sizeof want, "10.0.0.1:%u", port);
      g_assert_cmpstr (sim_sockaddr_to_string (&sp, buf), ==, want);
    }

  g_assert_true (sim_ip4_in_prefix (SIM_IP4 (10, 1, 2, 3), SIM_IP4 (10, 0, 0, 0), 8));
  g_assert_false (sim_ip4_in_prefix (SIM_IP4 (11, 1, 2, 3), SIM_IP4 (10, 0, 0, 0), 8));
  g_assert_true (sim_ip4_in_prefix (SIM_IP4 (1, 2, 3, 4), 0, 0));
  g_assert_cmphex (sim_ip4_mask (24), ==, 0xffffff00);
  g_assert_cmphex (sim_ip4_mask (32), ==, 0xffffffff);
}

/* sim_packet_describe writes by hand what these printf formats wrote
 * before (the trace lines, hence the fingerprints, must not change); the
 * formats are the reference here, with every field at its widest. */
static void
test_describe_matches_printf (void)
{
  SimPacketInfo i = { 0 };
  i.src = G_MAXUINT32;
  i.dst = SIM_IP4 (10, 0, 0, 2);
  i.sport = 65535;
  i.dport = 0;
  i.payload_len = G_MAXSIZE;
  i.tcp_seq = G_MAXUINT32;
  i.tcp_ack = 0;
  i.total_len = 65535;
  i.icmp_type = 255;
  i.icmp_code = 3;
  const char *s = "255.255.255.255", *t = "10.0.0.2";

  struct { guint8 proto, flags; char *want; } cases[] = {
    { SIM_IPPROTO_UDP, 0, g_strdup_printf ("UDP %s:%u > %s:%u len=%" G_GSIZE_FORMAT,
                                           s, 65535, t, 0, G_MAXSIZE) },
    { SIM_IPPROTO_TCP, SIM_TCP_SYN | SIM_TCP_FIN | SIM_TCP_RST | SIM_TCP_PSH | SIM_TCP_ACK,
      g_strdup_printf ("TCP %s:%u > %s:%u [SFRP.] seq=%u ack=%u len=%" G_GSIZE_FORMAT,
                       s, 65535, t, 0, G_MAXUINT32, 0, G_MAXSIZE) },
    { SIM_IPPROTO_TCP, SIM_TCP_ACK,
      g_strdup_printf ("TCP %s:%u > %s:%u [.] seq=%u ack=%u len=%" G_GSIZE_FORMAT,
                       s, 65535, t, 0, G_MAXUINT32, 0, G_MAXSIZE) },
    { SIM_IPPROTO_TCP, 0,
      g_strdup_printf ("TCP %s:%u > %s:%u [] seq=%u ack=%u len=%" G_GSIZE_FORMAT,
                       s, 65535, t, 0, G_MAXUINT32, 0, G_MAXSIZE) },
    { SIM_IPPROTO_ICMP, 0, g_strdup_printf ("ICMP %s > %s type=%u code=%u", s, t, 255, 3) },
    { 47, 0, g_strdup_printf ("IP proto=%u %s > %s len=%u", 47, s, t, 65535) },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      i.proto = cases[k].proto;
      i.tcp_flags = cases[k].flags;
      g_autofree char *got = sim_packet_describe (&i);
      g_assert_cmpstr (got, ==, cases[k].want);
      g_autoptr (GString) line = g_string_new ("drop ");
      sim_packet_describe_append (line, &i);
      g_assert_cmpstr (line->str + 5, ==, cases[k].want);
      g_free (cases[k].want);
    }
}

/* sim_packet_trace: the trace text is sim_packet_describe's, and every
 * field the text shows is in the fingerprint (fingerprint versions 2 and 3
 * fold the values, not the text), whether or not the text is made. */
static void
collect (SimWorld *w, const char *line, gpointer data)
{
  g_string_assign (data, line);
}

static guint64
trace_packet (const SimPacketInfo *i, GString *text)
{
  SimWorld *w = sim_world_new (1);
  if (text)
    sim_world_set_trace_func (w, collect, text, NULL);
  sim_trace_begin (w, "net:x");
  sim_trace_str (w, "rx ");
  sim_packet_trace (w, i);
  sim_trace_end (w);
  guint64 fp = sim_world_get_fingerprint (w);
  sim_world_free (w);
  return fp;
}

static void
test_packet_trace (void)
{
  SimPacketInfo i = { .src = SIM_IP4 (10, 0, 0, 1), .dst = SIM_IP4 (10, 0, 0, 2),
                      .proto = SIM_IPPROTO_TCP, .sport = 5060, .dport = 40000,
                      .tcp_seq = 7, .tcp_ack = 9, .tcp_flags = SIM_TCP_SYN | SIM_TCP_ACK,
                      .payload_len = 12, .total_len = 52 };
  g_autoptr (GString) text = g_string_new (NULL);
  guint64 fp = trace_packet (&i, text);
  g_autofree char *desc = sim_packet_describe (&i);
  g_autofree char *want = g_strdup_printf ("0.000000000 net:x rx %s", desc);
  g_assert_cmpstr (text->str, ==, want);
  g_assert_cmphex (trace_packet (&i, NULL), ==, fp);

  SimPacketInfo v[] = { i, i, i, i, i, i, i, i };
  v[0].src++; v[1].dst++; v[2].sport++; v[3].dport++; v[4].tcp_seq++; v[5].tcp_ack++;
  v[6].tcp_flags = SIM_TCP_SYN; v[7].payload_len++;
  for (guint k = 0; k < G_N_ELEMENTS (v); k++)
    g_assert_cmphex (trace_packet (&v[k], NULL), !=, fp);
}

/* sim_sockaddr_trace: the text is sim_sockaddr_to_string's, folded as
 * the address and port (fingerprint version 3), with or without the text;
 * another address or port, another fingerprint. */
static guint64
trace_addr (const SimSockAddr *a, GString *text)
{
  SimWorld *w = sim_world_new (1);
  if (text)
    sim_world_set_trace_func (w, collect, text, NULL);
  sim_trace_begin (w, "host:x");
  sim_trace_lit (w, "to ");
  sim_sockaddr_trace (w, a);
  sim_trace_end (w);
  guint64 fp = sim_world_get_fingerprint (w);
  sim_world_free (w);
  return fp;
}

static void
test_sockaddr_trace (void)
{
  SimSockAddr a = { SIM_IP4 (198, 51, 100, 10), 5060 };
  g_autoptr (GString) text = g_string_new (NULL);
  guint64 fp = trace_addr (&a, text);
  g_assert_cmpstr (text->str, ==, "0.000000000 host:x to 198.51.100.10:5060");
  g_assert_cmphex (trace_addr (&a, NULL), ==, fp);
  SimSockAddr v[] = { a, a, a, { 0, 0 } };
  v[0].ip++; v[1].port++; v[2].ip = SIM_IP4 (10, 51, 100, 198);
  for (guint k = 0; k < G_N_ELEMENTS (v); k++)
    g_assert_cmphex (trace_addr (&v[k], NULL), !=, fp);
}

/* packet.c note 5: a buffer given back to the pool is handed out again
 * only to a packet of its size class, with every field set afresh: the
 * new packet is byte for byte and field for field what a g_malloc'd one
 * would be. */
static void
test_pool_reuse (void)
{
  SimPacketPool *pool = sim_packet_pool_new ();
  SimSockAddr a = { SIM_IP4 (10, 0, 0, 1), 5060 }, b = { SIM_IP4 (10, 0, 0, 2), 5060 };
  guint8 big[500], other[480];
  memset (big, 'x', sizeof big);
  memset (other, 'y', sizeof other);

  SimPacket *p1 = sim_packet_new_udp_in (pool, &a, &b, 1, 64, big, sizeof big);
  g_assert_true (p1->pool == pool);
  g_assert_cmpuint (sim_packet_pool_outstanding (pool), ==, 1);
  /* The old owner dirties every bookkeeping field before giving it back. */
  p1->hop = p1;
  p1->hop_epoch = 99;
  p1->fl_prev = p1;
  sim_packet_data_mut (p1)[30] = 0;
  SimPacket *old = p1;
  sim_packet_free (p1);
  g_assert_cmpuint (sim_packet_pool_outstanding (pool), ==, 0);
  g_assert_cmpuint (sim_packet_pool_idle (pool), ==, 1);

  /* Another size class does not take it. */
  SimPacket *small = sim_packet_new_udp_in (pool, &a, &b, 2, 64, "s", 1);
  g_assert_true (small != old);
  g_assert_cmpuint (sim_packet_pool_idle (pool), ==, 1);

  /* The same class does, and it comes out as new. */
  SimPacket *p2 = sim_packet_new_udp_in (pool, &b, &a, 3, 32, other, sizeof other);
  g_assert_true (p2 == old);
  g_assert_cmpuint (sim_packet_pool_idle (pool), ==, 0);
  g_autoptr (SimPacket) ref = sim_packet_new_udp (&b, &a, 3, 32, other, sizeof other);
  g_assert_null (p2->hop);
  g_assert_null (p2->fl_prev);
  g_assert_null (p2->fl_next);
  g_assert_cmpuint (p2->hop_epoch, ==, 0);
  g_assert_cmpint (p2->checked, ==, ref->checked);
  g_assert_cmpmem (sim_packet_data (p2), sim_packet_len (p2), sim_packet_data (ref), sim_packet_len (ref));
  /* A copy of a pooled packet comes from the pool too. */
  SimPacket *cp = sim_packet_copy (p2);
  g_assert_true (cp->pool == pool);
  g_assert_cmpmem (sim_packet_data (cp), sim_packet_len (cp), sim_packet_data (ref), sim_packet_len (ref));
  g_assert_cmpuint (sim_packet_pool_outstanding (pool), ==, 3);

  /* Too big for any class: g_malloc'd, not counted. */
  guint8 *huge = g_malloc0 (9000);
  g_autoptr (SimPacket) h = sim_packet_new_udp_in (pool, &a, &b, 4, 64, huge, 9000);
  g_free (huge);
  g_assert_null (h->pool);
  g_assert_cmpuint (sim_packet_pool_outstanding (pool), ==, 3);

  /* The net lets go while packets are out: the pool lives until the last
   * one is back (ASan's leak check sees it freed). */
  sim_packet_free (small);
  sim_packet_pool_release (pool);
  sim_packet_free (cp);
  sim_packet_free (p2);
}

/* The free lists are bounded: a burst's packets do not all stay. */
static void
test_pool_bounded (void)
{
  SimPacketPool *pool = sim_packet_pool_new ();
  SimSockAddr a = { SIM_IP4 (10, 0, 0, 1), 1 }, b = { SIM_IP4 (10, 0, 0, 2), 2 };
  SimPacket *p[1000];
  for (guint i = 0; i < G_N_ELEMENTS (p); i++)
    p[i] = sim_packet_new_udp_in (pool, &a, &b, (guint16) i, 64, "k", 1);
  for (guint i = 0; i < G_N_ELEMENTS (p); i++)
    sim_packet_free (p[i]);
  g_assert_cmpuint (sim_packet_pool_idle (pool), >, 0);
  g_assert_cmpuint (sim_packet_pool_idle (pool), <=, 256);
  sim_packet_pool_release (pool);
}

/* Under ASan, reading a packet after giving it back to the pool is caught
 * as a use after free would be (the old owner cannot see the next one's
 * bytes unnoticed).  Without ASan there is nothing to check. */
static void
test_pool_use_after_free_caught (void)
{
#if defined(__SANITIZE_ADDRESS__)
  if (g_test_subprocess ())
    {
      SimPacketPool *pool = sim_packet_pool_new ();
      SimSockAddr a = { SIM_IP4 (10, 0, 0, 1), 1 }, b = { SIM_IP4 (10, 0, 0, 2), 2 };
      SimPacket *p = sim_packet_new_udp_in (pool, &a, &b, 1, 64, "k", 1);
      sim_packet_free (p);
      volatile gsize n = sim_packet_len (p);   /* use after free */
      (void) n;
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*use-after-poison*");
#else
  g_test_skip ("needs an ASan build (-Db_sanitize=address)");
#endif
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/packet/1-ip/known-header", test_ip_header_known);
  g_test_add_func ("/packet/1-ip/checksum-rfc1071", test_inet_checksum_rfc1071);
  g_test_add_func ("/packet/1-ip/checksum-wordwise", test_inet_checksum_wordwise);
  g_test_add_func ("/packet/2-udp/roundtrip", test_udp_roundtrip);
  g_test_add_func ("/packet/2-udp/constructor-checksums", test_constructor_checksums);
  g_test_add_func ("/packet/2-udp/every-byte-flip-detected", test_every_byte_flip_detected);
  g_test_add_func ("/packet/3-tcp/roundtrip", test_tcp_roundtrip);
  g_test_add_func ("/packet/4-icmp/quotes-original", test_icmp_error_quotes_original);
  g_test_add_func ("/packet/5-rewrite/src-dst", test_rewrite);
  g_test_add_func ("/packet/5-rewrite/incremental-equals-recomputed", test_rewrite_incremental);
  g_test_add_func ("/packet/5-rewrite/forward-ttl", test_forward_ttl_incremental);
  g_test_add_func ("/packet/5-rewrite/carried-parse", test_carried_parse);
  g_test_add_func ("/packet/6-malformed/cases", test_malformed_cases);
  g_test_add_func ("/packet/6-malformed/random-garbage", test_random_garbage);
  g_test_add_func ("/packet/7-addr/parse", test_addr_parse);
  g_test_add_func ("/packet/8-describe/matches-printf", test_describe_matches_printf);
  g_test_add_func ("/packet/8-describe/trace", test_packet_trace);
  g_test_add_func ("/packet/8-describe/sockaddr-trace", test_sockaddr_trace);
  g_test_add_func ("/packet/9-pool/reuse", test_pool_reuse);
  g_test_add_func ("/packet/9-pool/bounded", test_pool_bounded);
  g_test_add_func ("/packet/9-pool/use-after-free-caught", test_pool_use_after_free_caught);
  return g_test_run ();
}
