/*
 * tests/test-sip-builder.c - SipBuilder (models/sip/builder.h): requests
 * rebuilt byte for byte from RFC 3261 §24.1, responses per §8.2.6.2, and
 * the random identifiers.
 */
#include <string.h>
#include "models/sip/builder.h"
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
  return g_test_run ();
}
