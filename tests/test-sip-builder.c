/*
 * tests/test-sip-builder.c - SipBuilder (models/sip/builder.h): requests
 * rebuilt byte for byte from RFC 3261 §24.1, responses per §8.2.6.2, and
 * the random identifiers.
 */
#include <string.h>
#include "models/sip/builder.h"
#include "models/sip/msg-private.h"      /* pending bits, sip_msg_same_fields_ */
#include "tests/sip-test-messages.h"

#define assert_str(s, expected) G_STMT_START {                    \
    g_autofree char *_d = sip_str_dup (s);                        \
    g_assert_cmpstr (_d, ==, (expected));                         \
  } G_STMT_END

static void
assert_bytes (GBytes *got, const char *want_lf)
{
  g_autoptr(GBytes) want = sip_test_crlf (want_lf);
  g_autofree char *g = g_strndup (g_bytes_get_data (got, NULL), g_bytes_get_size (got));
  g_autofree char *w = g_strndup (g_bytes_get_data (want, NULL), g_bytes_get_size (want));
  g_assert_cmpstr (g, ==, w);
}

static SipMsg *
parse_lf (const char *lf)
{
  g_autoptr(GBytes) b = sip_test_crlf (lf);
  g_autoptr(GError) error = NULL;
  SipMsg *m = sip_msg_parse (g_bytes_get_data (b, NULL), g_bytes_get_size (b), &error);
  g_assert_no_error (error);
  return m;
}

/* ------------------------------------------------------------- 1-request */

static void
test_request_rfc3261_register (void)
{
  /* RFC 3261 §24.1 F1, built header by header: the bytes must be the
   * RFC's. */
  SipBuilder *b = sip_builder_request (SIP_METHOD_REGISTER, NULL, "sip:registrar.biloxi.com");
  sip_builder_add (b, "Max-Forwards", "%d", 70);
  sip_builder_add (b, "To", "Bob <sip:bob@biloxi.com>");
  sip_builder_add (b, "From", "Bob <sip:bob@biloxi.com>;tag=%s", "456248");
  sip_builder_add (b, "Call-ID", "843817637684230@998sdasdh09");
  sip_builder_add (b, "CSeq", "%u REGISTER", 1826u);
  sip_builder_add (b, "Contact", "<sip:bob@192.0.2.4>");
  sip_builder_add (b, "Expires", "7200");
  /* Added last, placed first: above every Via, and there is none yet. */
  sip_builder_add_via (b, "UDP", "bobspc.biloxi.com", 5060, "z9hG4bKnashds7", FALSE);
  g_autoptr(GBytes) bytes = sip_builder_finish (b);
  assert_bytes (bytes, rfc3261_24_1_f1);
}

static void
test_request_extension_and_body (void)
{
  SipBuilder *b = sip_builder_request (SIP_METHOD_UNKNOWN, "FOO", "sip:x@example.com");
  sip_builder_add_via (b, "TCP", "2001:db8::5", 5070, "z9hG4bKv6", TRUE);
  sip_builder_add (b, "From", "<sip:y@example.com>;tag=1");
  sip_builder_add (b, "To", "<sip:x@example.com>");
  sip_builder_add (b, "Call-ID", "c");
  sip_builder_add (b, "CSeq", "1 FOO");
  sip_builder_add (b, "Content-Length", "999");    /* replaced at finish */
  static const guint8 body[] = "hello\r\n";
  sip_builder_set_body (b, "text/plain", body, 7);
  sip_builder_set_body (b, "text/x", body, 5);     /* replaces both */
  g_autoptr(SipMsg) m = sip_builder_finish_msg (b);
  g_assert_nonnull (m);
  assert_str (sip_msg_method_str (m), "FOO");
  const SipVia *v = sip_msg_via (m, 0);
  assert_str (v->host, "[2001:db8::5]");
  g_assert_cmpuint (v->port, ==, 5070);
  g_assert_true (v->has_rport);
  g_assert_cmpuint (v->rport, ==, 0);
  assert_str (v->transport, "TCP");
  assert_str (sip_msg_body (m), "hello");
  assert_str (sip_msg_header_by_id (m, SIP_HDR_CONTENT_TYPE, 0), "text/x");
  g_assert_false (sip_str_present (sip_msg_header_by_id (m, SIP_HDR_CONTENT_TYPE, 1)));
  assert_str (sip_msg_header_by_id (m, SIP_HDR_CONTENT_LENGTH, 0), "5");
  g_assert_false (sip_str_present (sip_msg_header_by_id (m, SIP_HDR_CONTENT_LENGTH, 1)));
}

static void
test_request_via_order_and_remove (void)
{
  /* A proxy copies the received Vias, then puts its own on top. */
  g_autoptr(SipMsg) in = parse_lf (rfc3261_24_1_f1);
  SipBuilder *b = sip_builder_request (SIP_METHOD_REGISTER, NULL, "sip:registrar.biloxi.com");
  sip_builder_add (b, "Max-Forwards", "69");
  sip_builder_copy_header (b, in, SIP_HDR_VIA);
  sip_builder_copy_header (b, in, SIP_HDR_TO);
  sip_builder_copy_header (b, in, SIP_HDR_FROM);
  sip_builder_copy_header (b, in, SIP_HDR_CALL_ID);
  sip_builder_copy_header (b, in, SIP_HDR_CSEQ);
  sip_builder_copy_header (b, in, SIP_HDR_CONTACT);
  sip_builder_add_via (b, "UDP", "proxy.biloxi.com", 0, "z9hG4bKp1", FALSE);
  sip_builder_add (b, "m", "<sip:second@192.0.2.5>");
  sip_builder_add (b, "X-Drop", "1");
  sip_builder_add (b, "x-drop", "2");
  sip_builder_remove (b, "X-DROP");
  sip_builder_remove (b, "Nothing");
  g_autoptr(GBytes) bytes = sip_builder_finish (b);
  assert_bytes (bytes,
    "REGISTER sip:registrar.biloxi.com SIP/2.0\n"
    "Max-Forwards: 69\n"
    "Via: SIP/2.0/UDP proxy.biloxi.com;branch=z9hG4bKp1\n"
    "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\n"
    "To: Bob <sip:bob@biloxi.com>\n"
    "From: Bob <sip:bob@biloxi.com>;tag=456248\n"
    "Call-ID: 843817637684230@998sdasdh09\n"
    "CSeq: 1826 REGISTER\n"
    "Contact: <sip:bob@192.0.2.4>\n"
    "m: <sip:second@192.0.2.5>\n"
    "Content-Length: 0\n"
    "\n");
  /* Compact forms fold when removing. */
  SipBuilder *b2 = sip_builder_request (SIP_METHOD_OPTIONS, NULL, "sip:a@example.com");
  sip_builder_add (b2, "m", "<sip:x@example.com>");
  sip_builder_add (b2, "Contact", "<sip:y@example.com>");
  sip_builder_add (b2, "Subject", "s1");
  sip_builder_add (b2, "s", "s2");
  sip_builder_remove (b2, "contact");
  sip_builder_remove (b2, "s");
  g_autoptr(GBytes) bytes2 = sip_builder_finish (b2);
  assert_bytes (bytes2, "OPTIONS sip:a@example.com SIP/2.0\nContent-Length: 0\n\n");
}

/* ------------------------------------------------------------- 2-response */

static void
test_response_rfc3261_register_ok (void)
{
  /* §24.1 F2 from F1 (§8.2.6.2): Vias, From, To + tag, Call-ID, CSeq. */
  g_autoptr(SipMsg) req = parse_lf (rfc3261_24_1_f1);
  SipBuilder *b = sip_builder_response (req, 200, NULL, "2493k59kd");
  sip_builder_copy_header (b, req, SIP_HDR_CONTACT);
  sip_builder_add (b, "Expires", "7200");
  g_autoptr(GBytes) bytes = sip_builder_finish (b);
  /* F2 less the received= the registrar's transport adds (§18.2.1), and
   * with From before To, the order §8.2.6.2 lists them in. */
  assert_bytes (bytes,
    "SIP/2.0 200 OK\n"
    "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\n"
    "From: Bob <sip:bob@biloxi.com>;tag=456248\n"
    "To: Bob <sip:bob@biloxi.com>;tag=2493k59kd\n"
    "Call-ID: 843817637684230@998sdasdh09\n"
    "CSeq: 1826 REGISTER\n"
    "Contact: <sip:bob@192.0.2.4>\n"
    "Expires: 7200\n"
    "Content-Length: 0\n"
    "\n");
  g_autoptr(SipMsg) f2 = parse_lf (rfc3261_24_1_f2);
  g_autoptr(SipMsg) ours = sip_msg_parse (g_bytes_get_data (bytes, NULL),
                                          g_bytes_get_size (bytes), NULL);
  g_assert_true (sip_uri_equal (&sip_msg_to (ours)->uri, &sip_msg_to (f2)->uri));
  g_assert_true (sip_str_eq (sip_msg_to (ours)->tag, "2493k59kd"));
}

static void
test_response_folded_vias_and_tags (void)
{
  /* §24.2 F5 has three Vias, two folded: all copied, in order, unfolded. */
  g_autoptr(GBytes) f5 = sip_test_body (rfc3261_24_2[4].headers, rfc3261_24_2[4].body_len);
  g_autoptr(SipMsg) inv = sip_msg_parse (g_bytes_get_data (f5, NULL), g_bytes_get_size (f5), NULL);
  g_assert_nonnull (inv);

  /* 100 Trying never gets a To tag (§8.2.6.2). */
  SipBuilder *b = sip_builder_response (inv, 100, NULL, "a6c85cf");
  g_autoptr(SipMsg) trying = sip_builder_finish_msg (b);
  assert_str (sip_msg_reason (trying), "Trying");
  g_assert_false (sip_str_present (sip_msg_to (trying)->tag));
  g_assert_cmpuint (sip_msg_via_count (trying), ==, 3);
  assert_str (sip_msg_header_by_id (trying, SIP_HDR_VIA, 1),
              "SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1 ;received=192.0.2.2");
  assert_str (sip_msg_via (trying, 2)->received, "192.0.2.1");

  /* 180 with a custom reason: the tag of §24.2 F6. */
  b = sip_builder_response (inv, 180, "Ringing Loudly", "a6c85cf");
  g_autoptr(SipMsg) ringing = sip_builder_finish_msg (b);
  assert_str (sip_msg_reason (ringing), "Ringing Loudly");
  assert_str (sip_msg_to (ringing)->tag, "a6c85cf");
  g_assert_cmpuint (sip_msg_cseq (ringing)->seq, ==, 314159);
  g_assert_false (sip_str_present (sip_msg_header_by_id (ringing, SIP_HDR_MAX_FORWARDS, 0)));
  g_assert_false (sip_str_present (sip_msg_header_by_id (ringing, SIP_HDR_CONTACT, 0)));

  /* A request whose To already has a tag keeps it; NULL tag adds none. */
  g_autoptr(GBytes) f13 = sip_test_body (rfc3261_24_2[12].headers, 0);
  g_autoptr(SipMsg) bye = sip_msg_parse (g_bytes_get_data (f13, NULL), g_bytes_get_size (f13), NULL);
  b = sip_builder_response (bye, 200, NULL, "ignored");
  g_autoptr(SipMsg) ok = sip_builder_finish_msg (b);
  assert_str (sip_msg_to (ok)->tag, "1928301774");
  g_assert_null (g_strstr_len (sip_msg_raw (ok).p, (gssize) sip_msg_raw (ok).len, "ignored"));
  b = sip_builder_response (inv, 486, NULL, NULL);
  g_autoptr(SipMsg) busy = sip_builder_finish_msg (b);
  assert_str (sip_msg_reason (busy), "Busy Here");
  g_assert_false (sip_str_present (sip_msg_to (busy)->tag));
}

/* RFC 4475 §3.1.1.2: the To display name holds a quoted NUL; copying it
 * into a response must keep every byte (found by fuzz-sip-msg). */
static void
test_response_nul_in_value (void)
{
  g_autoptr(GBytes) in = sip_test_crlf_len (t4475_intmeth, sizeof t4475_intmeth - 1);
  g_autoptr(SipMsg) req = sip_msg_parse (g_bytes_get_data (in, NULL), g_bytes_get_size (in), NULL);
  g_assert_nonnull (req);
  SipBuilder *b = sip_builder_response (req, 501, NULL, "t9");
  g_autoptr(SipMsg) rsp = sip_builder_finish_msg (b);
  g_assert_nonnull (rsp);
  SipStr d = sip_msg_to (rsp)->display, want = sip_msg_to (req)->display;
  g_assert_cmpuint (d.len, ==, want.len);
  g_assert_true (memcmp (d.p, want.p, d.len) == 0);
  assert_str (sip_msg_to (rsp)->tag, "t9");
  assert_str (sip_msg_reason (rsp), "Not Implemented");
}

/* ------------------------------------------------------------- 3-ids */

static gboolean
all_hex (const char *s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return s[n] == '\0' || s[n] == '@';
}

/* sip_builder_add formats %s, %.*s, %u and %% by hand (the hot path) and
 * anything else with printf: the header text is printf's either way,
 * with the widest and the odd values (0, G_MAXUINT, NULL, an empty
 * string, a precision below, at and above the length, a negative one). */
static void
test_add_formats_as_printf (void)
{
  struct { const char *fmt; char *want; } c[6];
  SipBuilder *b = sip_builder_request (SIP_METHOD_OPTIONS, NULL, "sip:a@example.com");
  sip_builder_add (b, "X-A", "%u %s%%<%s>%u", 0u, "", "abc", G_MAXUINT);
  c[0].want = g_strdup_printf ("%u %s%%<%s>%u", 0u, "", "abc", G_MAXUINT);
  sip_builder_add (b, "X-B", "[%.*s|%.*s|%.*s|%.*s]", 2, "abc", 3, "abc", 9, "abc", -1, "abc");
  c[1].want = g_strdup_printf ("[%.*s|%.*s|%.*s|%.*s]", 2, "abc", 3, "abc", 9, "abc", -1, "abc");
  sip_builder_add (b, "X-C", "no conversion");
  c[2].want = g_strdup ("no conversion");
  sip_builder_add (b, "X-D", "%s", (const char *) NULL);
  c[3].want = g_strdup ("(null)");
  sip_builder_add (b, "X-E", "%d and %x", -5, 255u);      /* printf's path */
  c[4].want = g_strdup_printf ("%d and %x", -5, 255u);
  sip_builder_add (b, "X-F", "%s@%s:%u;x", "u", "h", 5060u);
  c[5].want = g_strdup_printf ("%s@%s:%u;x", "u", "h", 5060u);
  g_autoptr(GBytes) bytes = sip_builder_finish (b);
  gsize n;
  const char *text = g_bytes_get_data (bytes, &n);
  g_autofree char *msg = g_strndup (text, n);
  const char *names[] = { "X-A", "X-B", "X-C", "X-D", "X-E", "X-F" };
  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    {
      g_autofree char *line = g_strdup_printf ("\r\n%s: %s\r\n", names[i], c[i].want);
      g_assert_nonnull (strstr (msg, line));
      g_free (c[i].want);
    }
  g_assert_nonnull (strstr (msg, "\r\nContent-Length: 0\r\n\r\n"));
}

static void
test_identifiers (void)
{
  SimRng r1, r2, r3;
  sim_rng_init (&r1, 42, "phone-1");
  sim_rng_init (&r2, 42, "phone-1");
  sim_rng_init (&r3, 42, "phone-2");

  g_autofree char *b1 = sip_gen_branch (&r1);
  g_autofree char *b2 = sip_gen_branch (&r2);
  g_autofree char *b3 = sip_gen_branch (&r3);
  g_assert_cmpuint (strlen (b1), ==, 7 + 16);
  g_assert_true (g_str_has_prefix (b1, "z9hG4bK"));     /* §8.1.1.7 magic cookie */
  g_assert_true (all_hex (b1 + 7, 16));
  g_assert_cmpstr (b1, ==, b2);                          /* same stream, same bytes */
  g_assert_cmpstr (b1, !=, b3);

  g_autofree char *t1 = sip_gen_tag (&r1);
  g_autofree char *t2 = sip_gen_tag (&r2);
  g_assert_cmpuint (strlen (t1), ==, 8);
  g_assert_true (all_hex (t1, 8));
  g_assert_cmpstr (t1, ==, t2);

  g_autofree char *c1 = sip_gen_call_id (&r1, "192.0.2.4");
  g_assert_true (all_hex (c1, 16));
  g_assert_cmpstr (c1 + 16, ==, "@192.0.2.4");
  g_autofree char *c2 = sip_gen_call_id (&r1, NULL);
  g_assert_cmpuint (strlen (c2), ==, 16);
  g_assert_cmpstr (c1, !=, c2);

  /* Successive draws differ (64 random bits each). */
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < 1000; i++)
    g_assert_true (g_hash_table_add (seen, sip_gen_branch (&r3)));
  g_hash_table_unref (seen);
}

/* ------------------------------------------------------------- 4-msg */

/* The message sip_builder_finish_msg() hands back is filled from the
 * builder's parts, its eager headers on first read (builder.c note 4,
 * msg-private.h note 3).  It must be what sip_msg_parse() gives from its
 * bytes, field by field.  The kinds below are every kind the device, the
 * proxy and the SIP layer build (REGISTER, its 401/423/200, OPTIONS
 * probes, INVITE/ACK/BYE/CANCEL and their answers with Record-Route, SUBSCRIBE/NOTIFY,
 * 503 with Retry-After, Flow-Timer and Path, stamped Vias), plus odd but
 * valid forms: compact and unknown names, quoted display names with
 * commas, tel: and mailto: URIs, IPv6 sent-by, list values, a body.
 * (Every other test in a non-release build checks the same on every
 * message it builds: SIPSIM_SIP_BUILDER_CHECK.) */

static SipMsg *
request_that_arrived (void)
{
  return parse_lf (
    "REGISTER sip:voip.test SIP/2.0\n"
    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK776asdhds;rport\n"
    "Via: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKold;received=192.0.2.1\n"
    "Max-Forwards: 70\n"
    "To: \"Alice, A.\" <sip:alice@voip.test>\n"
    "From: Alice <sip:alice@voip.test>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710@pc33.voip.test\n"
    "CSeq: 314159 REGISTER\n"
    "Contact: <sip:alice@10.0.0.2:5060;transport=udp>;expires=600;reg-id=1;"
    "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"\n"
    "Content-Length: 0\n"
    "\n");
}

static SipMsg *
build_kind (guint kind)
{
  g_autoptr (SipMsg) req = request_that_arrived ();
  SipBuilder *b;
  switch (kind)
    {
    case 0:                           /* the phone's REGISTER (models/device/reg.c) */
      b = sip_builder_request (SIP_METHOD_REGISTER, NULL, "sip:voip.test");
      sip_builder_add_via (b, "UDP", "10.0.0.2", 5060, "z9hG4bK0123456789abcdef", TRUE);
      sip_builder_add (b, "Max-Forwards", "70");
      sip_builder_add (b, "From", "<sip:%s@%s>;tag=%s", "alice", "voip.test", "0badcafe");
      sip_builder_add (b, "To", "<sip:%s@%s>", "alice", "voip.test");
      sip_builder_add (b, "Call-ID", "%s", "0123456789abcdef@10.0.0.2");
      sip_builder_add (b, "CSeq", "%u REGISTER", 7u);
      sip_builder_add (b, "Contact", "<sip:alice@10.0.0.2:5060>;expires=%u;reg-id=1;"
                       "+sip.instance=\"<urn:uuid:1>\"", 600u);
      sip_builder_add (b, "Expires", "%u", 600u);
      sip_builder_add (b, "Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY");
      sip_builder_add (b, "Supported", "path, outbound, gruu");
      sip_builder_add (b, "Authorization", "Digest username=\"alice\", realm=\"voip.test\", "
                       "nonce=\"abc\", uri=\"sip:voip.test\", response=\"0123\", algorithm=MD5");
      sip_builder_add (b, "User-Agent", "Obihai/%s", "1.0");
      break;
    case 1:                           /* the registrar's 401 and 200 (models/proxy) */
      b = sip_builder_response (req, 401, NULL, "as8f7d");
      sip_builder_stamp_via (b, req, "192.0.2.44", 40001);
      sip_builder_add (b, "WWW-Authenticate", "Digest realm=\"voip.test\", nonce=\"%s\", "
                       "qop=\"auth\", algorithm=MD5, stale=FALSE", "n0nce");
      break;
    case 2:
      b = sip_builder_response (req, 200, NULL, "as8f7d");
      sip_builder_stamp_via (b, req, "10.0.0.2", 5060);
      sip_builder_copy_header (b, req, SIP_HDR_CONTACT);
      sip_builder_add (b, "Expires", "600");
      sip_builder_add (b, "Require", "outbound");
      sip_builder_add (b, "Supported", "outbound, path");
      sip_builder_add (b, "Flow-Timer", "%u", 25u);
      sip_builder_add (b, "Path", "<sip:edge.voip.test;lr;ob>, <sip:p2.voip.test;lr>");
      sip_builder_add (b, "Date", "Sat, 13 Nov 2010 23:29:00 GMT");
      break;
    case 3:
      b = sip_builder_response (req, 423, NULL, "as8f7d");
      sip_builder_add (b, "Min-Expires", "3600");
      break;
    case 4:
      b = sip_builder_response (req, 503, "Overloaded", NULL);
      sip_builder_add (b, "Retry-After", "%u (maintenance, back soon);duration=%u", 120u, 60u);
      break;
    case 5:                           /* the proxy's OPTIONS probe, and its 200 */
      b = sip_builder_request (SIP_METHOD_OPTIONS, NULL, "sip:alice@192.0.2.44:40001");
      sip_builder_add_via (b, "UDP", "198.51.100.10", 5060, "z9hG4bKprobe", FALSE);
      sip_builder_add (b, "Max-Forwards", "70");
      sip_builder_add (b, "To", "<sip:alice@192.0.2.44:40001>");
      sip_builder_add (b, "From", "<sip:pbx-a.voip.test>;tag=%s", "77aa");
      sip_builder_add (b, "i", "%s", "probe-1@198.51.100.10");     /* compact Call-ID */
      sip_builder_add (b, "CSeq", "1 OPTIONS");
      sip_builder_add (b, "Accept", "application/sdp");
      break;
    case 6:                           /* a call: INVITE with a body and routes */
      b = sip_builder_request (SIP_METHOD_INVITE, NULL, "sip:bob@voip.test;user=phone");
      sip_builder_add_via (b, "TLS", "2001:db8::2", 5061, "z9hG4bKinv", TRUE);
      sip_builder_add (b, "Route", "<sip:pbx-a.voip.test;lr>");
      sip_builder_add (b, "Route", "<sip:core.voip.test;lr>, <sip:as.voip.test;lr>");
      sip_builder_add (b, "Max-Forwards", "69");
      sip_builder_add (b, "f", "\"Alice \\\"A\\\"\" <sip:alice@voip.test>;tag=1");
      sip_builder_add (b, "t", "tel:+15551234567");
      sip_builder_add (b, "Call-ID", "call-1");
      sip_builder_add (b, "CSeq", "1 INVITE");
      sip_builder_add (b, "m", "<sips:alice@[2001:db8::2]:5061;transport=tls>");
      sip_builder_add (b, "X-Custom-Header", "anything, goes; here=1");
      sip_builder_set_body (b, "application/sdp",
                            (const guint8 *) "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\n", 34);
      break;
    case 7:                           /* the answers on the way back (proxy forward) */
      b = sip_builder_response (req, 180, NULL, "b0b");
      sip_builder_add (b, "Record-Route", "<sip:pbx-a.voip.test;lr>, <sip:core.voip.test;lr>");
      sip_builder_add (b, "Contact", "<sip:bob@10.0.0.9>, <mailto:bob@voip.test>");
      sip_builder_add (b, "Content-Length", "999");   /* dropped, note 3 */
      break;
    case 8:
      b = sip_builder_status (200, NULL);
      sip_builder_copy_header (b, req, SIP_HDR_VIA);
      sip_builder_copy_header (b, req, SIP_HDR_FROM);
      sip_builder_copy_header (b, req, SIP_HDR_TO);
      sip_builder_copy_header (b, req, SIP_HDR_CALL_ID);
      sip_builder_copy_header (b, req, SIP_HDR_CSEQ);
      sip_builder_remove (b, "v");
      sip_builder_add_via (b, "UDP", "198.51.100.10", 0, "z9hG4bKfwd", FALSE);
      break;
    case 9:                           /* ACK, BYE, CANCEL, an extension method */
    case 10:
    case 11:
    case 12:
      {
        static const SipMethod m[] = { SIP_METHOD_ACK, SIP_METHOD_BYE, SIP_METHOD_CANCEL,
                                       SIP_METHOD_UNKNOWN };
        static const char *const ms[] = { "ACK", "BYE", "CANCEL", "FOO" };
        b = sip_builder_request (m[kind - 9], ms[kind - 9], "sip:bob@10.0.0.9:5060");
        sip_builder_add_via (b, "UDP", "10.0.0.2", 5060, "z9hG4bKx", TRUE);
        sip_builder_add (b, "From", "<sip:alice@voip.test>;tag=1");
        sip_builder_add (b, "To", "<sip:bob@voip.test>;tag=2");
        sip_builder_add (b, "Call-ID", "call-1");
        sip_builder_add (b, "CSeq", "%u %s", 2u, ms[kind - 9]);
        sip_builder_add (b, "Max-Forwards", "70");
        break;
      }
    case 13:                          /* SUBSCRIBE and NOTIFY (models/device/subscription.c) */
      b = sip_builder_request (SIP_METHOD_SUBSCRIBE, NULL, "sip:alice@voip.test");
      sip_builder_add_via (b, "UDP", "10.0.0.2", 5060, "z9hG4bKsub", TRUE);
      sip_builder_add (b, "From", "<sip:alice@voip.test>;tag=s1");
      sip_builder_add (b, "To", "<sip:alice@voip.test>");
      sip_builder_add (b, "Call-ID", "sub-1@10.0.0.2");
      sip_builder_add (b, "CSeq", "1 SUBSCRIBE");
      sip_builder_add (b, "Event", "message-summary");
      sip_builder_add (b, "Expires", "3600");
      sip_builder_add (b, "Accept", "application/simple-message-summary");
      sip_builder_add (b, "Contact", "*");
      break;
    default:
      b = sip_builder_request (SIP_METHOD_NOTIFY, NULL, "sip:alice@10.0.0.2:5060");
      sip_builder_add_via (b, "UDP", "198.51.100.10", 5060, "z9hG4bKnot", FALSE);
      sip_builder_add (b, "From", "<sip:alice@voip.test>;tag=n1");
      sip_builder_add (b, "To", "<sip:alice@voip.test>;tag=s1");
      sip_builder_add (b, "Call-ID", "sub-1@10.0.0.2");
      sip_builder_add (b, "CSeq", "2 NOTIFY");
      sip_builder_add (b, "Event", "message-summary");
      sip_builder_add (b, "Subscription-State", "active;expires=%u", 3599u);
      sip_builder_add (b, "Timestamp", "54");
      sip_builder_add (b, "Proxy-Require", "foo");
      sip_builder_add (b, "Unsupported", "bar, baz");
      sip_builder_set_body (b, "application/simple-message-summary",
                            (const guint8 *) "Messages-Waiting: yes\r\n", 23);
      break;
    }
  return sip_builder_finish_msg (b);
}

#define N_KINDS 15

static void
test_msg_same_as_parser (void)
{
  for (guint kind = 0; kind < N_KINDS; kind++)
    {
      g_autoptr (SipMsg) built = build_kind (kind);
      g_assert_nonnull (built);
      /* Nothing read yet: every eager header present still waits. */
      const guint32 eager = (1u << SIP_HDR_VIA) | (1u << SIP_HDR_FROM) | (1u << SIP_HDR_TO)
        | (1u << SIP_HDR_CSEQ) | (1u << SIP_HDR_CONTACT) | (1u << SIP_HDR_ROUTE)
        | (1u << SIP_HDR_RECORD_ROUTE) | (1u << SIP_HDR_PATH) | (1u << SIP_HDR_MAX_FORWARDS)
        | (1u << SIP_HDR_EXPIRES) | (1u << SIP_HDR_MIN_EXPIRES) | (1u << SIP_HDR_FLOW_TIMER)
        | (1u << SIP_HDR_RETRY_AFTER);
      /* But the one Via sip_builder_add_via() wrote (builder.c note 6):
       * filled at finish, the message's only Via. */
      guint32 via = 1u << SIP_HDR_VIA;
      guint32 filled = (built->seen & via) && !(built->pending & via) ? via : 0;
      if (filled)
        g_assert_cmpuint (built->n_via, ==, 1);
      g_assert_cmphex (built->pending & ~1u, ==, built->seen & eager & ~filled);
      if (sip_msg_is_request (built))
        g_assert_true (built->pending & 1u);       /* the Request-URI */
      SipStr raw = sip_msg_raw (built);
      g_autoptr (GError) error = NULL;
      g_autoptr (SipMsg) parsed = sip_msg_parse ((const guint8 *) raw.p, raw.len, &error);
      g_assert_no_error (error);
      g_assert_cmphex (parsed->pending, ==, 0);
      g_autoptr (GString) why = g_string_new (NULL);
      if (!sip_msg_same_fields_ (built, parsed, why))
        g_error ("kind %u: %s\n%.*s", kind, why->str, (int) raw.len, raw.p);
      g_assert_cmphex (built->pending, ==, 0);
      /* And the bytes are sip_builder_finish()'s. */
      g_autoptr (SipMsg) again = build_kind (kind);
      g_assert_cmpmem (sip_msg_raw (again).p, sip_msg_raw (again).len, raw.p, raw.len);
    }
}

/* One header is parsed when it is first read, and then only that one;
 * what it gives is the parser's. */
static void
test_msg_realised_on_first_read (void)
{
  g_autoptr (SipMsg) built = build_kind (0);
  SipStr raw = sip_msg_raw (built);
  g_autoptr (SipMsg) parsed = sip_msg_parse ((const guint8 *) raw.p, raw.len, NULL);
  guint32 before = built->pending;
  /* The Via sip_builder_add_via() wrote is there already (builder.c
   * note 6); Contact waits. */
  g_assert_false (before & (1u << SIP_HDR_VIA));
  g_assert_true (before & (1u << SIP_HDR_CONTACT));
  g_assert_cmpuint (sip_msg_contact (built, 0)->reg_id, ==, 1);
  g_assert_cmphex (built->pending, ==, before & ~(1u << SIP_HDR_CONTACT));

  const SipVia *v = sip_msg_via (built, 0);
  assert_str (v->branch, "z9hG4bK0123456789abcdef");
  g_assert_true (v->has_rport);
  g_assert_cmpuint (sip_msg_via_count (built), ==, 1);
  g_assert_cmpint (v->branch.p - sip_msg_raw (built).p, ==,
                   sip_msg_via (parsed, 0)->branch.p - sip_msg_raw (parsed).p);

  g_assert_cmpint (sip_msg_cseq (built)->seq, ==, 7);
  g_assert_cmpint (sip_msg_cseq (built)->method, ==, SIP_METHOD_REGISTER);
  g_assert_cmpint (sip_msg_contact (built, 0)->expires, ==, 600);
  g_assert_cmpint (sip_msg_contact (built, 0)->reg_id, ==, 1);
  assert_str (sip_msg_contact (built, 0)->instance, "<urn:uuid:1>");
  g_assert_cmpint (sip_msg_expires (built), ==, 600);
  g_assert_cmpint (sip_msg_max_forwards (built), ==, 70);
  assert_str (sip_msg_from (built)->tag, "0badcafe");
  g_assert_false (sip_str_present (sip_msg_to (built)->tag));
  assert_str (sip_msg_request_uri (built)->host, "voip.test");
  g_assert_true (sip_msg_same_fields_ (built, parsed, NULL));
}

/* builder.c note 6: the Via sip_builder_add_via() wrote is filled at
 * finish when it is the only one and the parser would read its parts as
 * written; every other Via waits for its first reader.  Either way the
 * fields are the parser's. */
static void
test_msg_made_via (void)
{
  static const struct {
    const char *transport, *host, *branch;
    guint16     port;
    gboolean    rport, second, filled;
  } cases[] = {
    { "UDP", "10.0.0.2", "z9hG4bK1", 5060, TRUE, FALSE, TRUE },
    { "TCP", "phone.voip.test", "z9hG4bK2", 0, FALSE, FALSE, TRUE },
    { "TLS", "2001:db8::7", "z9hG4bK3", 5061, TRUE, FALSE, TRUE },      /* written in [] */
    { "UDP", "[2001:db8::8]", "z9hG4bK4:x", 5060, FALSE, FALSE, TRUE },
    { "UDP", "10.0.0.2", "z9hG4bK5", 5060, TRUE, TRUE, FALSE },        /* a second Via */
    { "UDP", "10.0.0.2", "\"quoted\"", 5060, FALSE, FALSE, FALSE },   /* parsed, not a token */
    { "UDP", "bad_.host", "z9hG4bK8", 0, FALSE, FALSE, TRUE },          /* '_' taken leniently */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SipBuilder *b = sip_builder_request (SIP_METHOD_OPTIONS, NULL, "sip:x@voip.test");
      sip_builder_add_via (b, cases[i].transport, cases[i].host, cases[i].port,
                           cases[i].branch, cases[i].rport);
      if (cases[i].second)
        sip_builder_add (b, "Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKp");
      sip_builder_add (b, "From", "<sip:a@voip.test>;tag=1");
      sip_builder_add (b, "To", "<sip:x@voip.test>");
      sip_builder_add (b, "Call-ID", "c%u", i);
      sip_builder_add (b, "CSeq", "1 OPTIONS");
      g_autoptr (SipMsg) built = sip_builder_finish_msg (b);
      g_assert_nonnull (built);
      guint32 via = 1u << SIP_HDR_VIA;
      g_assert_true (built->seen & via);
      g_assert_cmpint (!(built->pending & via), ==, cases[i].filled);
      SipStr raw = sip_msg_raw (built);
      g_autoptr (SipMsg) parsed = sip_msg_parse ((const guint8 *) raw.p, raw.len, NULL);
      g_assert_nonnull (parsed);
      g_autoptr (GString) why = g_string_new (NULL);
      if (!sip_msg_same_fields_ (built, parsed, why))
        g_error ("case %u: %s\n%.*s", i, why->str, (int) raw.len, raw.p);
    }
  /* A response's Vias are copied, and stamp_via rewrites the top one:
   * both wait. */
  g_autoptr (SipMsg) req = request_that_arrived ();
  SipBuilder *rb = sip_builder_response (req, 200, NULL, "t");
  sip_builder_stamp_via (rb, req, "192.0.2.44", 40001);
  g_autoptr (SipMsg) resp = sip_builder_finish_msg (rb);
  g_assert_true (resp->pending & (1u << SIP_HDR_VIA));
}

/* The comparison itself can fail: one field changed by hand is found and
 * named. */
static void
test_msg_compare_finds_a_difference (void)
{
  g_autoptr (SipMsg) a = build_kind (2);
  SipStr raw = sip_msg_raw (a);
  g_autoptr (SipMsg) b = sip_msg_parse ((const guint8 *) raw.p, raw.len, NULL);
  g_assert_true (sip_msg_same_fields_ (a, b, NULL));
  g_autoptr (GString) why = g_string_new (NULL);
  b->via[0].rport++;
  g_assert_false (sip_msg_same_fields_ (a, b, why));
  g_assert_cmpstr (why->str, ==, "Via rport differs");
  b->via[0].rport--;
  b->contact[0].addr.uri.port = 5061;
  g_string_truncate (why, 0);
  g_assert_false (sip_msg_same_fields_ (a, b, why));
  g_assert_cmpstr (why->str, ==, "Contact differs");
  b->contact[0].addr.uri.port = 5060;
  b->hdr[3].value.len--;
  g_string_truncate (why, 0);
  g_assert_false (sip_msg_same_fields_ (a, b, why));
  g_assert_cmpstr (why->str, ==, "header value differs");
}

/* A header a caller got wrong is refused as the parser would refuse it
 * (builder.h: a programming error, g_critical and NULL), also when the
 * fault is in a value parsed only on first read: the Request-URI. */
static void
test_msg_bad_header_is_critical (void)
{
  if (g_test_subprocess ())
    {
      SipBuilder *b = sip_builder_request (SIP_METHOD_OPTIONS, NULL, "sip:x");
      sip_builder_add_via (b, "UDP", "10.0.0.2", 5060, "z9hG4bKx", FALSE);
      sip_builder_add (b, "From", "<sip:a@x>;tag=1");
      sip_builder_add (b, "To", "<sip:a@x>");
      sip_builder_add (b, "Call-ID", "c");
      sip_builder_add (b, "CSeq", "1 OPTIONS");
      sip_builder_add (b, "X-Bad", "two\r\nlines");
      g_assert_null (sip_builder_finish_msg (b));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*built message does not parse*CR/LF*");
}

/* The identifiers are written by hand now: byte for byte what printf's
 * "%016llx" and "%08x" gave. */
static void
test_identifiers_as_printf (void)
{
  SimRng a, b;
  sim_rng_init (&a, 42, "ids");
  sim_rng_init (&b, 42, "ids");
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *br = sip_gen_branch (&a);
      g_autofree char *want_br = g_strdup_printf ("z9hG4bK%016" G_GINT64_MODIFIER "x", sim_rng_u64 (&b));
      g_assert_cmpstr (br, ==, want_br);
      g_autofree char *tag = sip_gen_tag (&a);
      g_autofree char *want_tag = g_strdup_printf ("%08x", (guint32) (sim_rng_u64 (&b) >> 32));
      g_assert_cmpstr (tag, ==, want_tag);
      g_autofree char *cid = sip_gen_call_id (&a, i % 2 ? "10.0.0.2" : NULL);
      guint64 r = sim_rng_u64 (&b);
      g_autofree char *want_cid = i % 2
        ? g_strdup_printf ("%016" G_GINT64_MODIFIER "x@10.0.0.2", r)
        : g_strdup_printf ("%016" G_GINT64_MODIFIER "x", r);
      g_assert_cmpstr (cid, ==, want_cid);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/builder/1-request/rfc3261-24.1-register", test_request_rfc3261_register);
  g_test_add_func ("/sip/builder/1-request/extension-and-body", test_request_extension_and_body);
  g_test_add_func ("/sip/builder/1-request/via-order-and-remove", test_request_via_order_and_remove);
  g_test_add_func ("/sip/builder/2-response/rfc3261-24.1-register-ok", test_response_rfc3261_register_ok);
  g_test_add_func ("/sip/builder/2-response/folded-vias-and-tags", test_response_folded_vias_and_tags);
  g_test_add_func ("/sip/builder/1-request/add-formats-as-printf", test_add_formats_as_printf);
  g_test_add_func ("/sip/builder/2-response/nul-in-copied-value", test_response_nul_in_value);
  g_test_add_func ("/sip/builder/3-ids/branch-tag-call-id", test_identifiers);
  g_test_add_func ("/sip/builder/3-ids/as-printf", test_identifiers_as_printf);
  g_test_add_func ("/sip/builder/4-msg/same-as-parser", test_msg_same_as_parser);
  g_test_add_func ("/sip/builder/4-msg/realised-on-first-read", test_msg_realised_on_first_read);
  g_test_add_func ("/sip/builder/4-msg/made-via", test_msg_made_via);
  g_test_add_func ("/sip/builder/4-msg/compare-finds-a-difference", test_msg_compare_finds_a_difference);
  g_test_add_func ("/sip/builder/4-msg/bad-header-is-critical", test_msg_bad_header_is_critical);
  return g_test_run ();
}
