/*
 * tests/test-stun.c - STUN codec (RFC 5389) and Binding responder.
 *
 * Expected values come from RFC 5769's test vectors (bytes, addresses,
 * fingerprints), from RFC 5389's wire rules worked out by hand in the
 * comments, and from the CRC-32 check value; none is copied from output.
 */
#include <string.h>

#include "models/stun/msg.h"
#include "models/stun/responder.h"

/* RFC 5769 §2.1 Sample Request (software "STUN test client", username
 * "evtj:h6vY"; PRIORITY and ICE-CONTROLLED are ICE attributes). */
static const guint8 rfc5769_request[] = {
  0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42,
  0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
  0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
  0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
  0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
  0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
  0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
  0x59, 0x20, 0x20, 0x20,
  0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56,
  0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2,
  0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 §2.2 Sample IPv4 Response: 192.0.2.1 port 32853. */
static const guint8 rfc5769_ipv4[] = {
  0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
  0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
  0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
  0x74, 0x6f, 0x72, 0x20,
  0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
  0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
  0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
  0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 §2.3 Sample IPv6 Response: 2001:db8:1234:5678:11:2233:4455:6677
 * port 32853. */
static const guint8 rfc5769_ipv6[] = {
  0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42,
  0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
  0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
  0x74, 0x6f, 0x72, 0x20,
  0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
  0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
  0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
  0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
  0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

static const guint8 rfc5769_txid[12] = {
  0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
};

static const guint8 v6_addr[16] = {
  0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
};

static StunMsg *
parse_ok (const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  StunMsg *msg = stun_msg_parse (data, len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return msg;
}

static void
assert_parse_fails (const guint8 *data, gsize len, StunError code)
{
  g_autoptr (GError) error = NULL;
  StunMsg *msg = stun_msg_parse (data, len, &error);
  g_assert_null (msg);
  g_assert_error (error, STUN_ERROR, (gint) code);
  g_assert_nonnull (error->message);
}

static StunMsg *
parse_bytes (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  return parse_ok (data, len);
}

/* ---------------------------------------------------------- 1-vectors */

static void
test_crc32_check_value (void)
{
  /* The CRC-32 (ISO-HDLC) catalogue check value. */
  g_assert_cmphex (stun_crc32 ((const guint8 *) "123456789", 9), ==, 0xCBF43926u);
  g_assert_cmphex (stun_crc32 (NULL, 0), ==, 0);
}

static void
test_vector_request (void)
{
  g_autoptr (StunMsg) msg = parse_ok (rfc5769_request, sizeof rfc5769_request);
  g_assert_cmphex (stun_msg_get_type (msg), ==, STUN_BINDING_REQUEST);
  g_assert_cmpint (stun_msg_get_class (msg), ==, STUN_CLASS_REQUEST);
  g_assert_cmphex (stun_msg_get_method (msg), ==, STUN_METHOD_BINDING);
  g_assert_cmpmem (stun_msg_get_txid (msg), 12, rfc5769_txid, 12);
  g_assert_cmpstr (stun_msg_get_software (msg), ==, "STUN test client");
  g_assert_true (stun_msg_has_fingerprint (msg));
  g_assert_true (stun_msg_has_message_integrity (msg));

  /* SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY. */
  g_assert_cmpuint (stun_msg_get_n_attributes (msg), ==, 5);
  const guint16 want_types[] = { 0x8022, 0x0024, 0x8029, 0x0006, 0x0008 };
  for (guint i = 0; i < 5; i++)
    {
      guint16 type;
      g_assert_true (stun_msg_get_attribute (msg, i, &type, NULL, NULL));
      g_assert_cmphex (type, ==, want_types[i]);
    }
  g_assert_false (stun_msg_get_attribute (msg, 5, NULL, NULL, NULL));
  const guint8 *v;
  gsize len;
  g_assert_true (stun_msg_find_attribute (msg, STUN_ATTR_USERNAME, &v, &len));
  g_assert_cmpmem (v, len, "evtj:h6vY", 9);

  /* PRIORITY (0x0024) is comprehension-required and not STUN's own: a plain
   * STUN server must answer 420 (RFC 5389 §7.3.1). ICE-CONTROLLED is
   * 0x8029, comprehension-optional, so not listed. */
  guint n;
  const guint16 *unknown = stun_msg_get_unknown_required (msg, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmphex (unknown[0], ==, 0x0024);

  StunAddress a;
  g_assert_false (stun_msg_get_xor_mapped_address (msg, &a));
  g_assert_false (stun_msg_get_error_code (msg, NULL, NULL));
}

static void
test_vector_ipv4 (void)
{
  g_autoptr (StunMsg) msg = parse_ok (rfc5769_ipv4, sizeof rfc5769_ipv4);
  g_assert_cmphex (stun_msg_get_type (msg), ==, STUN_BINDING_SUCCESS);
  g_assert_cmpint (stun_msg_get_class (msg), ==, STUN_CLASS_SUCCESS);
  g_assert_cmphex (stun_msg_get_method (msg), ==, STUN_METHOD_BINDING);
  g_assert_cmpmem (stun_msg_get_txid (msg), 12, rfc5769_txid, 12);
  g_assert_true (stun_msg_has_fingerprint (msg));
  /* SOFTWARE is 11 bytes padded with a space: the pad is not part of it. */
  g_assert_cmpstr (stun_msg_get_software (msg), ==, "test vector");

  StunAddress a;
  g_assert_true (stun_msg_get_xor_mapped_address (msg, &a));
  g_assert_cmpint (a.family, ==, STUN_FAMILY_IPV4);
  g_assert_cmphex (a.addr.ip, ==, SIM_IP4 (192, 0, 2, 1));
  g_assert_cmpuint (a.addr.port, ==, 32853);
  char buf[STUN_ADDRESS_STRLEN];
  g_assert_cmpstr (stun_address_to_string (&a, buf), ==, "192.0.2.1:32853");
  g_assert_false (stun_msg_get_mapped_address (msg, &a));
  guint n = 99;
  g_assert_null (stun_msg_get_unknown_required (msg, &n));
  g_assert_cmpuint (n, ==, 0);
}

static void
test_vector_ipv6 (void)
{
  g_autoptr (StunMsg) msg = parse_ok (rfc5769_ipv6, sizeof rfc5769_ipv6);
  g_assert_cmphex (stun_msg_get_type (msg), ==, STUN_BINDING_SUCCESS);
  g_assert_true (stun_msg_has_fingerprint (msg));
  StunAddress a;
  g_assert_true (stun_msg_get_xor_mapped_address (msg, &a));
  g_assert_cmpint (a.family, ==, STUN_FAMILY_IPV6);
  g_assert_cmpuint (a.addr.port, ==, 32853);
  g_assert_cmpmem (a.ip6, 16, v6_addr, 16);
  char buf[STUN_ADDRESS_STRLEN];
  g_assert_cmpstr (stun_address_to_string (&a, buf), ==,
                   "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
}

/* ------------------------------------------------------------ 2-build */

static void
test_build_xor_address_matches_vectors (void)
{
  /* Encoding 192.0.2.1:32853 with the vector's txid must give the
   * vector's attribute bytes (offset 36, 12 bytes with the TLV header);
   * likewise the IPv6 one (offset 36, 24 bytes). */
  StunAddress a4;
  SimSockAddr sa = { SIM_IP4 (192, 0, 2, 1), 32853 };
  stun_address_from_sockaddr (&a4, &sa);
  StunBuilder *b = stun_builder_new (STUN_BINDING_SUCCESS, rfc5769_txid);
  stun_builder_add_xor_mapped_address (b, &a4);
  g_autoptr (GBytes) out4 = stun_builder_end (b, FALSE);
  gsize len;
  const guint8 *p = g_bytes_get_data (out4, &len);
  g_assert_cmpuint (len, ==, 20 + 12);
  g_assert_cmpmem (p + 20, 12, rfc5769_ipv4 + 36, 12);
  /* Header: type 0x0101, length 12, cookie, txid. */
  g_assert_cmpmem (p, 4, ((const guint8[]) { 0x01, 0x01, 0x00, 0x0c }), 4);
  g_assert_cmpmem (p + 4, 16, rfc5769_ipv4 + 4, 16);

  StunAddress a6 = { .family = STUN_FAMILY_IPV6, .addr = { 0, 32853 } };
  memcpy (a6.ip6, v6_addr, 16);
  b = stun_builder_new (STUN_BINDING_SUCCESS, rfc5769_txid);
  stun_builder_add_xor_mapped_address (b, &a6);
  g_autoptr (GBytes) out6 = stun_builder_end (b, FALSE);
  p = g_bytes_get_data (out6, &len);
  g_assert_cmpuint (len, ==, 20 + 24);
  g_assert_cmpmem (p + 20, 24, rfc5769_ipv6 + 36, 24);
}

static void
test_build_request_bytes (void)
{
  /* A bare Binding request is the 20-byte header: 0x0001, length 0. */
  const guint8 txid[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  g_autoptr (GBytes) req = stun_binding_request_new (txid, NULL, FALSE);
  const guint8 want[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
                            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  gsize len;
  const guint8 *p = g_bytes_get_data (req, &len);
  g_assert_cmpmem (p, len, want, 20);

  /* With SOFTWARE "sipsim" (6 bytes, 2 of padding) and FINGERPRINT: body
   * 4+8 + 4+4 = 20; the FINGERPRINT is the CRC of the first 32 bytes,
   * whose length field already says 20. */
  g_autoptr (GBytes) req2 = stun_binding_request_new (txid, "sipsim", TRUE);
  p = g_bytes_get_data (req2, &len);
  g_assert_cmpuint (len, ==, 40);
  g_assert_cmpuint (p[2], ==, 0);
  g_assert_cmpuint (p[3], ==, 20);
  g_assert_cmpmem (p + 20, 12, ((const guint8[]) { 0x80, 0x22, 0x00, 0x06, 's', 'i', 'p',
                                                   's', 'i', 'm', 0, 0 }), 12);
  g_assert_cmpmem (p + 32, 4, ((const guint8[]) { 0x80, 0x28, 0x00, 0x04 }), 4);
  guint32 crc = stun_crc32 (p, 32) ^ 0x5354554Eu;
  g_assert_cmpmem (p + 36, 4, ((const guint8[]) { crc >> 24, crc >> 16, crc >> 8, crc }), 4);
  g_autoptr (StunMsg) msg = parse_bytes (req2);
  g_assert_true (stun_msg_has_fingerprint (msg));
  g_assert_cmpstr (stun_msg_get_software (msg), ==, "sipsim");
}

static void
test_build_error_code (void)
{
  /* §15.6: class 4 in the low 3 bits of byte 2, number 20 in byte 3;
   * "Unknown Attribute" is 17 bytes, so the value is 21 bytes + 3 pad. */
  StunBuilder *b = stun_builder_new (STUN_BINDING_ERROR, rfc5769_txid);
  stun_builder_add_error_code (b, 420, "Unknown Attribute");
  const guint16 types[] = { 0x0024, 0x7777 };
  stun_builder_add_unknown_attributes (b, types, 2);
  g_autoptr (GBytes) out = stun_builder_end (b, TRUE);
  gsize len;
  const guint8 *p = g_bytes_get_data (out, &len);
  g_assert_cmpmem (p + 20, 8, ((const guint8[]) { 0x00, 0x09, 0x00, 21, 0, 0, 4, 20 }), 8);
  g_assert_cmpmem (p + 28, 17, "Unknown Attribute", 17);
  g_assert_cmpmem (p + 48, 8, ((const guint8[]) { 0x00, 0x0a, 0x00, 0x04, 0x00, 0x24, 0x77, 0x77 }), 8);
  g_assert_cmpuint (len, ==, 20 + 28 + 8 + 8);

  g_autoptr (StunMsg) msg = parse_bytes (out);
  g_assert_cmpint (stun_msg_get_class (msg), ==, STUN_CLASS_ERROR);
  guint code;
  const char *reason;
  g_assert_true (stun_msg_get_error_code (msg, &code, &reason));
  g_assert_cmpuint (code, ==, 420);
  g_assert_cmpstr (reason, ==, "Unknown Attribute");
  guint n;
  const guint16 *listed = stun_msg_get_unknown_attributes (msg, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmphex (listed[0], ==, 0x0024);
  g_assert_cmphex (listed[1], ==, 0x7777);
}

static void
test_build_round_trip (void)
{
  const guint8 txid[12] = { 0xff, 0, 0xff, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
  StunAddress a;
  SimSockAddr sa = { SIM_IP4 (203, 0, 113, 77), 65535 };
  stun_address_from_sockaddr (&a, &sa);
  StunBuilder *b = stun_builder_new (STUN_BINDING_SUCCESS, txid);
  stun_builder_add_mapped_address (b, &a);
  stun_builder_add_xor_mapped_address (b, &a);
  stun_builder_add_software (b, "x");
  stun_builder_add_raw (b, 0xC001, "\x01\x02\x03", 3);
  g_autoptr (GBytes) out = stun_builder_end (b, TRUE);
  g_autoptr (StunMsg) msg = parse_bytes (out);
  StunAddress got;
  g_assert_true (stun_msg_get_xor_mapped_address (msg, &got));
  g_assert_true (stun_address_equal (&got, &a));
  g_assert_true (stun_msg_get_mapped_address (msg, &got));
  g_assert_true (stun_address_equal (&got, &a));
  /* MAPPED-ADDRESS is not XORed: the raw bytes are the address itself. */
  const guint8 *v;
  gsize len;
  g_assert_true (stun_msg_find_attribute (msg, STUN_ATTR_MAPPED_ADDRESS, &v, &len));
  g_assert_cmpmem (v, len, ((const guint8[]) { 0, 1, 0xff, 0xff, 203, 0, 113, 77 }), 8);
  g_assert_true (stun_msg_find_attribute (msg, 0xC001, &v, &len));
  g_assert_cmpmem (v, len, "\x01\x02\x03", 3);
  g_assert_cmpstr (stun_msg_get_software (msg), ==, "x");
  g_assert_cmpuint (stun_msg_get_n_attributes (msg), ==, 4);
}

/* -------------------------------------------------------- 3-malformed */

/* A copy of a vector to damage. */
static guint8 *
dup_vec (const guint8 *v, gsize len)
{
  return g_memdup2 (v, len);
}

static void
test_malformed_header (void)
{
  assert_parse_fails (rfc5769_ipv4, 0, STUN_ERROR_TOO_SHORT);
  assert_parse_fails (rfc5769_ipv4, 19, STUN_ERROR_TOO_SHORT);

  g_autofree guint8 *m = dup_vec (rfc5769_ipv4, sizeof rfc5769_ipv4);
  m[0] |= 0x80;
  assert_parse_fails (m, sizeof rfc5769_ipv4, STUN_ERROR_BAD_HEADER);
  m[0] = 0x41;
  assert_parse_fails (m, sizeof rfc5769_ipv4, STUN_ERROR_BAD_HEADER);

  /* SIP on the same port is not STUN (RFC 5626 §4.4.2 demultiplexing). */
  const char *sip = "REGISTER sip:example.test SIP/2.0\r\n";
  assert_parse_fails ((const guint8 *) sip, strlen (sip), STUN_ERROR_BAD_HEADER);
  g_assert_false (stun_msg_looks_like_stun ((const guint8 *) sip, strlen (sip)));
  g_assert_false (stun_msg_looks_like_stun ((const guint8 *) "\r\n\r\n", 4));
  g_assert_true (stun_msg_looks_like_stun (rfc5769_ipv4, sizeof rfc5769_ipv4));

  memcpy (m, rfc5769_ipv4, sizeof rfc5769_ipv4);
  m[7] ^= 1;       /* cookie */
  assert_parse_fails (m, sizeof rfc5769_ipv4, STUN_ERROR_BAD_COOKIE);
}

static void
test_malformed_length (void)
{
  g_autofree guint8 *m = dup_vec (rfc5769_ipv4, sizeof rfc5769_ipv4);
  m[3] = 0x3d;     /* 61: not a multiple of 4 */
  assert_parse_fails (m, sizeof rfc5769_ipv4, STUN_ERROR_LENGTH);
  m[3] = 0x40;     /* 64: more than the 60 that follow */
  assert_parse_fails (m, sizeof rfc5769_ipv4, STUN_ERROR_LENGTH);
  /* Truncated datagram, and one with trailing bytes. */
  assert_parse_fails (rfc5769_ipv4, sizeof rfc5769_ipv4 - 4, STUN_ERROR_LENGTH);
  g_autofree guint8 *longer = g_malloc0 (sizeof rfc5769_ipv4 + 4);
  memcpy (longer, rfc5769_ipv4, sizeof rfc5769_ipv4);
  assert_parse_fails (longer, sizeof rfc5769_ipv4 + 4, STUN_ERROR_LENGTH);

  /* Stream framing: the frame length is 20 + the length field. */
  g_autoptr (GError) error = NULL;
  g_assert_cmpuint (stun_msg_frame_length (rfc5769_ipv4, 20, &error), ==, 80);
  g_assert_no_error (error);
  g_assert_cmpuint (stun_msg_frame_length (rfc5769_ipv4, 12, &error), ==, 0);
  g_assert_error (error, STUN_ERROR, STUN_ERROR_TOO_SHORT);
}

/* A Binding success with one attribute of @type and @value, to damage. */
static GBytes *
one_attr (guint16 type, const guint8 *value, gsize len)
{
  StunBuilder *b = stun_builder_new (STUN_BINDING_SUCCESS, rfc5769_txid);
  stun_builder_add_raw (b, type, value, len);
  return stun_builder_end (b, FALSE);
}

static void
assert_bytes_fail (GBytes *bytes, StunError code)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  assert_parse_fails (p, len, code);
}

static void
test_malformed_attributes (void)
{
  /* A TLV whose length runs past the body. */
  g_autofree guint8 *m = dup_vec (rfc5769_ipv4, sizeof rfc5769_ipv4);
  m[22] = 0x01;    /* SOFTWARE length 0x010b */
  assert_parse_fails (m, sizeof rfc5769_ipv4, STUN_ERROR_BAD_ATTRIBUTE);

  const guint8 fam3[8] = { 0, 3, 0, 0, 1, 2, 3, 4 };
  g_autoptr (GBytes) b1 = one_attr (STUN_ATTR_XOR_MAPPED_ADDRESS, fam3, 8);
  assert_bytes_fail (b1, STUN_ERROR_BAD_ATTRIBUTE);
  const guint8 v4long[20] = { 0, 1 };
  g_autoptr (GBytes) b2 = one_attr (STUN_ATTR_XOR_MAPPED_ADDRESS, v4long, 20);
  assert_bytes_fail (b2, STUN_ERROR_BAD_ATTRIBUTE);
  g_autoptr (GBytes) b3 = one_attr (STUN_ATTR_MAPPED_ADDRESS, v4long, 3);
  assert_bytes_fail (b3, STUN_ERROR_BAD_ATTRIBUTE);
  const guint8 v6short[8] = { 0, 2 };
  g_autoptr (GBytes) b4 = one_attr (STUN_ATTR_MAPPED_ADDRESS, v6short, 8);
  assert_bytes_fail (b4, STUN_ERROR_BAD_ATTRIBUTE);

  const guint8 class7[4] = { 0, 0, 7, 0 };
  g_autoptr (GBytes) b5 = one_attr (STUN_ATTR_ERROR_CODE, class7, 4);
  assert_bytes_fail (b5, STUN_ERROR_BAD_ATTRIBUTE);
  const guint8 num100[4] = { 0, 0, 4, 100 };
  g_autoptr (GBytes) b6 = one_attr (STUN_ATTR_ERROR_CODE, num100, 4);
  assert_bytes_fail (b6, STUN_ERROR_BAD_ATTRIBUTE);
  g_autoptr (GBytes) b7 = one_attr (STUN_ATTR_ERROR_CODE, num100, 3);
  assert_bytes_fail (b7, STUN_ERROR_BAD_ATTRIBUTE);
  g_autoptr (GBytes) b8 = one_attr (STUN_ATTR_UNKNOWN_ATTRIBUTES, num100, 3);
  assert_bytes_fail (b8, STUN_ERROR_BAD_ATTRIBUTE);
  g_autoptr (GBytes) b9 = one_attr (STUN_ATTR_MESSAGE_INTEGRITY, v4long, 16);
  assert_bytes_fail (b9, STUN_ERROR_BAD_ATTRIBUTE);
}

static void
test_malformed_fingerprint (void)
{
  /* A changed CRC. */
  g_autofree guint8 *m = dup_vec (rfc5769_ipv6, sizeof rfc5769_ipv6);
  m[sizeof rfc5769_ipv6 - 1] ^= 0x01;
  assert_parse_fails (m, sizeof rfc5769_ipv6, STUN_ERROR_BAD_FINGERPRINT);

  /* FINGERPRINT not last: a SOFTWARE after it (length + 8). */
  StunBuilder *b = stun_builder_new (STUN_BINDING_REQUEST, rfc5769_txid);
  g_autoptr (GBytes) fp = stun_builder_end (b, TRUE);
  gsize len;
  const guint8 *p = g_bytes_get_data (fp, &len);
  g_autofree guint8 *bad = g_malloc (len + 8);
  memcpy (bad, p, len);
  memcpy (bad + len, "\x80\x22\x00\x04" "abcd", 8);
  bad[3] += 8;
  assert_parse_fails (bad, len + 8, STUN_ERROR_BAD_FINGERPRINT);

  /* FINGERPRINT of the wrong size. */
  g_autoptr (GBytes) b2 = one_attr (0x8028 - 1, (const guint8 *) "12345678", 8);
  p = g_bytes_get_data (b2, &len);
  g_autofree guint8 *w = g_memdup2 (p, len);
  w[21] = 0x28;    /* turn 0x8027 into FINGERPRINT, 8 bytes long */
  assert_parse_fails (w, len, STUN_ERROR_BAD_ATTRIBUTE);
}

static void
test_malformed_every_truncation_and_bit_flip (void)
{
  /* Every prefix of every vector is rejected (length mismatch or too
   * short); and since FINGERPRINT covers every byte before it, every
   * single-bit flip anywhere in the IPv4 response is rejected too. */
  const struct { const guint8 *v; gsize len; } vecs[] = {
    { rfc5769_request, sizeof rfc5769_request },
    { rfc5769_ipv4, sizeof rfc5769_ipv4 },
    { rfc5769_ipv6, sizeof rfc5769_ipv6 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (vecs); k++)
    for (gsize n = 0; n < vecs[k].len; n++)
      {
        g_autofree guint8 *copy = g_memdup2 (vecs[k].v, n ? n : 1);  /* exact-size heap copy */
        g_assert_null (stun_msg_parse (copy, n, NULL));
      }
  /* The exception: bytes 72-73 are FINGERPRINT's own type.  A flip there
   * turns it into some other attribute after MESSAGE-INTEGRITY, which is
   * ignored (§15.4): the message then reads as one without FINGERPRINT. */
  const gsize fp_type = sizeof rfc5769_ipv4 - 8;
  g_autofree guint8 *m = dup_vec (rfc5769_ipv4, sizeof rfc5769_ipv4);
  for (gsize i = 0; i < sizeof rfc5769_ipv4; i++)
    for (int bit = 0; bit < 8; bit++)
      {
        m[i] ^= (guint8) (1u << bit);
        StunMsg *msg = stun_msg_parse (m, sizeof rfc5769_ipv4, NULL);
        if (i == fp_type || i == fp_type + 1)
          {
            g_assert_nonnull (msg);
            g_assert_false (stun_msg_has_fingerprint (msg));
          }
        else if (msg != NULL)
          g_error ("a flip of bit %d in byte %" G_GSIZE_FORMAT " was accepted", bit, i);
        stun_msg_free (msg);
        m[i] ^= (guint8) (1u << bit);
      }
}

/* ----------------------------------------------------------- 4-unknown */

static void
test_unknown_listed_once (void)
{
  StunBuilder *b = stun_builder_new (STUN_BINDING_REQUEST, rfc5769_txid);
  stun_builder_add_raw (b, 0x7FFF, "a", 1);
  stun_builder_add_raw (b, 0x0000, NULL, 0);
  stun_builder_add_raw (b, 0x7FFF, "b", 1);
  stun_builder_add_raw (b, 0x8FFF, "c", 1);                /* optional */
  stun_builder_add_raw (b, STUN_ATTR_USERNAME, "u", 1);    /* known */
  g_autoptr (GBytes) out = stun_builder_end (b, FALSE);
  g_autoptr (StunMsg) msg = parse_bytes (out);
  guint n;
  const guint16 *u = stun_msg_get_unknown_required (msg, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmphex (u[0], ==, 0x7FFF);
  g_assert_cmphex (u[1], ==, 0x0000);
  g_assert_cmpuint (stun_msg_get_n_attributes (msg), ==, 5);
  /* Getters return the first of repeated attributes (§15). */
  const guint8 *v;
  gsize len;
  g_assert_true (stun_msg_find_attribute (msg, 0x7FFF, &v, &len));
  g_assert_cmpmem (v, len, "a", 1);
}

static void
test_after_integrity_ignored (void)
{
  /* §15.4: anything between MESSAGE-INTEGRITY and FINGERPRINT is ignored,
   * including an unknown comprehension-required attribute. */
  const guint8 hmac[20] = { 0 };
  StunBuilder *b = stun_builder_new (STUN_BINDING_SUCCESS, rfc5769_txid);
  stun_builder_add_raw (b, STUN_ATTR_MESSAGE_INTEGRITY, hmac, 20);
  stun_builder_add_software (b, "after");
  stun_builder_add_raw (b, 0x7001, "zz", 2);
  g_autoptr (GBytes) out = stun_builder_end (b, TRUE);
  g_autoptr (StunMsg) msg = parse_bytes (out);
  g_assert_true (stun_msg_has_message_integrity (msg));
  g_assert_true (stun_msg_has_fingerprint (msg));
  g_assert_null (stun_msg_get_software (msg));
  guint n;
  stun_msg_get_unknown_required (msg, &n);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (stun_msg_get_n_attributes (msg), ==, 1);
}

/* --------------------------------------------------------- 5-responder */

static void
test_responder_success (void)
{
  const guint8 txid[12] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2 };
  g_autoptr (GBytes) req = stun_binding_request_new (txid, NULL, TRUE);
  g_autoptr (StunMsg) request = parse_bytes (req);
  SimSockAddr src = { SIM_IP4 (198, 51, 100, 7), 40001 };
  StunResponderConfig cfg = { .software = "sipsim registrar", .mapped_address = TRUE };
  g_autoptr (GBytes) resp = stun_responder_answer (request, &src, &cfg);
  g_assert_nonnull (resp);
  g_autoptr (StunMsg) msg = parse_bytes (resp);
  g_assert_cmphex (stun_msg_get_type (msg), ==, STUN_BINDING_SUCCESS);
  g_assert_cmpmem (stun_msg_get_txid (msg), 12, txid, 12);
  g_assert_true (stun_msg_has_fingerprint (msg));
  StunAddress a;
  g_assert_true (stun_msg_get_xor_mapped_address (msg, &a));
  g_assert_cmpint (a.family, ==, STUN_FAMILY_IPV4);
  g_assert_true (sim_sockaddr_equal (&a.addr, &src));
  g_assert_true (stun_msg_get_mapped_address (msg, &a));
  g_assert_true (sim_sockaddr_equal (&a.addr, &src));
  g_assert_cmpstr (stun_msg_get_software (msg), ==, "sipsim registrar");

  /* Without FINGERPRINT in the request and without a config: none back,
   * and XOR-MAPPED-ADDRESS only. */
  g_autoptr (GBytes) req2 = stun_binding_request_new (txid, NULL, FALSE);
  g_autoptr (StunMsg) request2 = parse_bytes (req2);
  g_autoptr (GBytes) resp2 = stun_responder_answer (request2, &src, NULL);
  g_autoptr (StunMsg) msg2 = parse_bytes (resp2);
  g_assert_false (stun_msg_has_fingerprint (msg2));
  g_assert_false (stun_msg_get_mapped_address (msg2, &a));
  g_assert_cmpuint (stun_msg_get_n_attributes (msg2), ==, 1);
}

static void
test_responder_errors (void)
{
  SimSockAddr src = { SIM_IP4 (198, 51, 100, 7), 40001 };
  /* RFC 5769's request carries ICE's PRIORITY: a plain server says 420
   * and lists it (§7.3.1). */
  g_autoptr (StunMsg) ice = parse_ok (rfc5769_request, sizeof rfc5769_request);
  g_autoptr (GBytes) r420 = stun_responder_answer (ice, &src, NULL);
  g_autoptr (StunMsg) m420 = parse_bytes (r420);
  g_assert_cmphex (stun_msg_get_type (m420), ==, STUN_BINDING_ERROR);
  guint code, n;
  g_assert_true (stun_msg_get_error_code (m420, &code, NULL));
  g_assert_cmpuint (code, ==, 420);
  const guint16 *listed = stun_msg_get_unknown_attributes (m420, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmphex (listed[0], ==, 0x0024);
  g_assert_true (stun_msg_has_fingerprint (m420));
  StunAddress a;
  g_assert_false (stun_msg_get_xor_mapped_address (m420, &a));

  /* Another method (0x003, TURN's Allocate): 400, type 0x0113. */
  StunBuilder *b = stun_builder_new (0x0003, rfc5769_txid);
  g_autoptr (GBytes) alloc = stun_builder_end (b, FALSE);
  g_autoptr (StunMsg) am = parse_bytes (alloc);
  g_autoptr (GBytes) r400 = stun_responder_answer (am, &src, NULL);
  g_autoptr (StunMsg) m400 = parse_bytes (r400);
  g_assert_cmphex (stun_msg_get_type (m400), ==, 0x0113);
  g_assert_true (stun_msg_get_error_code (m400, &code, NULL));
  g_assert_cmpuint (code, ==, 400);

  /* Responses and indications are never answered. */
  g_autoptr (StunMsg) resp = parse_ok (rfc5769_ipv4, sizeof rfc5769_ipv4);
  g_assert_null (stun_responder_answer (resp, &src, NULL));
  b = stun_builder_new (STUN_BINDING_INDICATION, rfc5769_txid);
  g_autoptr (GBytes) ind = stun_builder_end (b, FALSE);
  g_autoptr (StunMsg) im = parse_bytes (ind);
  g_assert_cmpint (stun_msg_get_class (im), ==, STUN_CLASS_INDICATION);
  g_assert_null (stun_responder_answer (im, &src, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stun/msg/1-vectors/crc32", test_crc32_check_value);
  g_test_add_func ("/stun/msg/1-vectors/rfc5769-request", test_vector_request);
  g_test_add_func ("/stun/msg/1-vectors/rfc5769-ipv4-response", test_vector_ipv4);
  g_test_add_func ("/stun/msg/1-vectors/rfc5769-ipv6-response", test_vector_ipv6);
  g_test_add_func ("/stun/msg/2-build/xor-address-matches-vectors", test_build_xor_address_matches_vectors);
  g_test_add_func ("/stun/msg/2-build/request-bytes", test_build_request_bytes);
  g_test_add_func ("/stun/msg/2-build/error-code", test_build_error_code);
  g_test_add_func ("/stun/msg/2-build/round-trip", test_build_round_trip);
  g_test_add_func ("/stun/msg/3-malformed/header", test_malformed_header);
  g_test_add_func ("/stun/msg/3-malformed/length", test_malformed_length);
  g_test_add_func ("/stun/msg/3-malformed/attributes", test_malformed_attributes);
  g_test_add_func ("/stun/msg/3-malformed/fingerprint", test_malformed_fingerprint);
  g_test_add_func ("/stun/msg/3-malformed/every-truncation-and-bit-flip",
                   test_malformed_every_truncation_and_bit_flip);
  g_test_add_func ("/stun/msg/4-unknown/listed-once", test_unknown_listed_once);
  g_test_add_func ("/stun/msg/4-unknown/after-integrity-ignored", test_after_integrity_ignored);
  g_test_add_func ("/stun/responder/5-answer/success", test_responder_success);
  g_test_add_func ("/stun/responder/5-answer/errors", test_responder_errors);
  return g_test_run ();
}
