/*
 * tests/test-sip-uri.c - SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1),
 * absoluteURIs of other schemes (§25.1, from RFC 3665 §2.2 and RFC 4475
 * §3.3.2-§3.3.4), parameter lists and URI comparison, with the equal /
 * not-equal pairs of RFC 3261 §19.1.4 as the expected values.
 */
#include <string.h>
#include "models/sip/msg.h"

#define assert_str(s, expected) G_STMT_START {                    \
    g_autofree char *_d = sip_str_dup (s);                        \
    g_assert_cmpstr (_d, ==, (expected));                         \
  } G_STMT_END

static SipUri
must (const char *s)
{
  SipUri u;
  g_autoptr(GError) error = NULL;
  if (!sip_uri_parse (s, strlen (s), &u, &error))
    g_error ("%s: %s", s, error->message);
  return u;
}

/* ------------------------------------------------------------- 1-parse */

static void
test_parse_parts (void)
{
  SipUri u = must ("sip:alice:secretword@atlanta.com;transport=tcp");   /* §19.1.3 */
  g_assert_cmpint (u.scheme, ==, SIP_URI_SIP);
  assert_str (u.scheme_name, "sip");
  g_assert_false (sip_str_present (u.opaque));
  assert_str (u.user, "alice");
  assert_str (u.password, "secretword");
  assert_str (u.host, "atlanta.com");
  g_assert_cmpint (u.host_type, ==, SIP_HOST_DOMAIN);
  g_assert_cmpuint (u.port, ==, 0);
  assert_str (u.params, "transport=tcp");
  g_assert_false (sip_str_present (u.headers));

  u = must ("sips:alice@atlanta.com?subject=project%20x&priority=urgent");
  g_assert_cmpint (u.scheme, ==, SIP_URI_SIPS);
  assert_str (u.scheme_name, "sips");
  assert_str (u.headers, "subject=project%20x&priority=urgent");
  g_assert_false (sip_str_present (u.params));

  u = must ("sip:+1-212-555-1212:1234@gateway.com;user=phone");
  assert_str (u.user, "+1-212-555-1212");
  assert_str (u.password, "1234");
  SipStr v;
  g_assert_true (sip_uri_param (&u, "user", &v));
  assert_str (v, "phone");

  u = must ("sips:1212@gateway.com");
  assert_str (u.user, "1212");

  u = must ("sip:alice@192.0.2.4");
  g_assert_cmpint (u.host_type, ==, SIP_HOST_IPV4);

  u = must ("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com");
  g_assert_false (sip_str_present (u.user));
  assert_str (u.host, "atlanta.com");
  assert_str (u.params, "method=REGISTER");
  assert_str (u.headers, "to=alice%40atlanta.com");

  u = must ("sip:alice;day=tuesday@atlanta.com");   /* ';' in the user part */
  assert_str (u.user, "alice;day=tuesday");
  assert_str (u.host, "atlanta.com");

  u = must ("sip:[2001:db8::10]:5070;lr");
  g_assert_cmpint (u.host_type, ==, SIP_HOST_IPV6);
  assert_str (u.host, "[2001:db8::10]");
  g_assert_cmpuint (u.port, ==, 5070);
  g_assert_true (sip_uri_param (&u, "lr", &v));
  g_assert_nonnull (v.p);
  g_assert_cmpuint (v.len, ==, 0);

  u = must ("sip:user@[::ffff:192.0.2.1]");
  g_assert_cmpint (u.host_type, ==, SIP_HOST_IPV6);
  u = must ("sip:user@[::1]:65535");
  g_assert_cmpuint (u.port, ==, 65535);
  u = must ("SIP:user@host.example.com.");           /* scheme case, trailing dot */
  g_assert_cmpint (u.scheme, ==, SIP_URI_SIP);
  assert_str (u.scheme_name, "SIP");                  /* as written */
  u = must ("sip:u@h:0");
  g_assert_cmpuint (u.port, ==, 0);

  u = must ("tel:+1-201-555-0123;phone-context=example.com");  /* RFC 3966 */
  g_assert_cmpint (u.scheme, ==, SIP_URI_TEL);
  assert_str (u.scheme_name, "tel");
  g_assert_false (sip_str_present (u.opaque));
  assert_str (u.user, "+1-201-555-0123");
  g_assert_false (sip_str_present (u.host));
  g_assert_true (sip_uri_param (&u, "phone-context", &v));
  assert_str (v, "example.com");
}

static void
test_parse_errors (void)
{
  static const char *const bad[] = {
    "",                               /* empty */
    "sip:",                           /* empty host */
    "sip:@example.com",               /* empty user */
    "sip:alice@",                     /* empty host after user */
    /* absoluteURI (§25.1): scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" /
     * "." ), then ':' and 1*uric with well-formed escapes. */
    "1abc:x",                         /* scheme starts with a digit */
    "-x:y",
    ":x",                             /* no scheme */
    "mailto",                         /* no ':' */
    "abc:",                           /* nothing after the scheme */
    "ab c:x",                         /* SP in the scheme */
    "a_b:x",                          /* '_' is not a scheme character */
    "x:%zz",                          /* bad escape */
    "x:%2",                           /* short escape */
    "x:ab%",
    "x:a b",                          /* SP */
    "x:a\tb",
    "x:a<b",                          /* '<' '>' '"' '#' '[' '{' are not uric */
    "x:a>",
    "x:\"a\"",
    "http://example.com/#frag",
    "http://[2001:db8::1]/",          /* §25.1 has no IP-literal (RFC 2396) */
    "x:{a}",
    "x:a\\b",
    "x:\x7f",
    "x:\xc3\xa9",                     /* raw UTF-8 must be escaped */
    "sips:",                          /* sip/sips/tel never fall back to other */
    "tel:+1-555-g",                   /* bad tel: stays bad */
    "sip:alice@example.com:65536",    /* port > 65535 */
    "sip:alice@example.com:99999999999",
    "sip:alice@example.com:",         /* empty port */
    "sip:alice@example.com:5x",
    "sip:al ice@example.com",         /* SP */
    "sip:alice@exa mple.com",
    "sip:al<ice@example.com",
    "sip:alice@example.com;a b",
    "sip:alice@example.com?a=b c",
    "sip:alice%2@example.com",        /* short escape */
    "sip:alice%zz@example.com",
    "sip:alice@1.2.3.256",            /* not an IPv4 address, not a name */
    "sip:alice@1.2.3",
    "sip:alice@example..com",
    "sip:alice@.example.com",
    "sip:alice@example.123",          /* top label must start with a letter */
    "sip:alice@[2001:db8::1",         /* unterminated reference */
    "sip:alice@[2001:db8:::1]",
    "sip:alice@[1:2:3:4:5:6:7:8:9]",
    "sip:alice@[12345::1]",
    "sip:alice@[::1::2]",
    "sip:alice@[]",
    "sip:alice@2001:db8::1",          /* IPv6 without brackets */
    "tel:",
    "tel:+1 555",
    "<sip:alice@example.com>",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      SipUri u;
      g_autoptr(GError) error = NULL;
      if (sip_uri_parse (bad[i], strlen (bad[i]), &u, &error))
        g_error ("accepted %s", bad[i]);
      g_assert_error (error, SIP_PARSE_ERROR, SIP_PARSE_ERROR_URI);
    }
  /* Bytes after the slice are never read: parse a prefix. */
  SipUri u;
  g_assert_true (sip_uri_parse ("sip:a@b.example.com:5060garbage", 24, &u, NULL));
  g_assert_cmpuint (u.port, ==, 5060);
}

static void
test_parse_other (void)
{
  static const struct { const char *uri, *scheme, *opaque; } cases[] = {
    { "mailto:bob@biloxi.example.com", "mailto", "bob@biloxi.example.com" },   /* RFC 3665 §2.2 */
    { "nobodyKnowsThisScheme:totallyopaquecontent", "nobodyKnowsThisScheme",
      "totallyopaquecontent" },                                     /* RFC 4475 §3.3.2 */
    { "soap.beep://192.0.2.103:3002", "soap.beep", "//192.0.2.103:3002" }, /* §3.3.3 */
    { "isbn:2983792873", "isbn", "2983792873" },                    /* §3.3.4 */
    { "http://www.example.com", "http", "//www.example.com" },
    { "name:John_Smith", "name", "John_Smith" },
    { "http://example.com/", "http", "//example.com/" },
    { "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "urn",
      "uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6" },                /* RFC 4122 §3 */
    { "mailto:a@b.example?subject=hi%20there&body=x", "mailto", "a@b.example?subject=hi%20there&body=x" },
    { "MailTo:X@Y", "MailTo", "X@Y" },
    { "x+y-z.9:;/?:@&=+$,-_.!~*'()%41", "x+y-z.9", ";/?:@&=+$,-_.!~*'()%41" },  /* every uric */
    { "a:b", "a", "b" },
    { "sipx:alice@atlanta.com", "sipx", "alice@atlanta.com" },     /* not sip: */
    { "telnet://host", "telnet", "//host" },                        /* not tel: */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].uri);
      SipUri u = must (cases[i].uri);
      g_assert_cmpint (u.scheme, ==, SIP_URI_OTHER);
      assert_str (u.scheme_name, cases[i].scheme);
      assert_str (u.opaque, cases[i].opaque);
      /* msg.h: nothing else is set for another scheme. */
      g_assert_false (sip_str_present (u.user));
      g_assert_false (sip_str_present (u.password));
      g_assert_false (sip_str_present (u.host));
      g_assert_false (sip_str_present (u.params));
      g_assert_false (sip_str_present (u.headers));
      g_assert_cmpuint (u.port, ==, 0);
      g_assert_false (sip_uri_param (&u, "subject", NULL));
    }
  /* Bytes after the slice are never read. */
  SipUri u;
  g_assert_true (sip_uri_parse ("mailto:a@b.example garbage", 18, &u, NULL));
  assert_str (u.opaque, "a@b.example");
}

/* ------------------------------------------------------------- 2-params */

/* Parameter names of 64 and 300 bytes. */
#define LONG16 "abcdefghijklmnop"
#define LONG64 LONG16 LONG16 LONG16 LONG16
#define LONG300 LONG64 LONG64 LONG64 LONG64 LONG16 LONG16 "abcdefghijkl"

static void
test_params (void)
{
  SipStr p = { "tag=abc ; lr;  expires = 60;+sip.instance=\"<urn:uuid:1;2>\";q=0.5", 0 };
  p.len = strlen (p.p);
  SipStr v;
  g_assert_true (sip_params_get (p, "TAG", &v));
  assert_str (v, "abc");
  g_assert_true (sip_params_get (p, "lr", &v));
  g_assert_cmpuint (v.len, ==, 0);
  g_assert_true (sip_params_get (p, "expires", &v));
  assert_str (v, "60");
  g_assert_true (sip_params_get (p, "+sip.instance", &v));
  assert_str (v, "\"<urn:uuid:1;2>\"");    /* ';' inside quotes does not split */
  g_assert_true (sip_params_get (p, "q", &v));
  assert_str (v, "0.5");
  g_assert_false (sip_params_get (p, "ta", NULL));
  g_assert_false (sip_params_get (p, "2>\"", NULL));
  g_assert_false (sip_params_get (SIP_STR_NULL, "x", NULL));
  SipStr empty = { "", 0 };
  g_assert_false (sip_params_get (empty, "x", NULL));
  /* A name longer than 255 bytes is looked up like any other. */
  SipStr longp = { LONG300 "=v;x", strlen (LONG300) + 4 };
  g_assert_true (sip_params_get (longp, LONG300, &v));
  assert_str (v, "v");
}

/* ------------------------------------------------------------- 3-equal */

/* sip_uri_equal() gives @equal for each pair, both ways round. */
static void
check_pairs (const char *const (*pairs)[2], gsize n, gboolean equal)
{
  for (gsize i = 0; i < n; i++)
    {
      SipUri a = must (pairs[i][0]), b = must (pairs[i][1]);
      g_test_message ("%s %s %s", pairs[i][0], equal ? "==" : "!=", pairs[i][1]);
      g_assert_cmpint (sip_uri_equal (&a, &b), ==, equal);
      g_assert_cmpint (sip_uri_equal (&b, &a), ==, equal);
    }
}

static void
test_equal_rfc3261 (void)
{
  /* §19.1.4: "The URIs within each of the following sets are
   * equivalent". */
  static const char *const same[][2] = {
    { "sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp" },
    { "sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5" },
    { "sip:carol@chicago.com", "sip:carol@chicago.com;security=on" },
    { "sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on" },
    { "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
      "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com" },
    { "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
      "sip:alice@atlanta.com?priority=urgent&subject=project%20x" },
  };
  /* "The URIs within each of the following sets are not equivalent". */
  static const char *const differ[][2] = {
    { "SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP" },
    { "sip:bob@biloxi.com", "sip:bob@biloxi.com:5060" },
    { "sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp" },
    { "sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp" },
    { "sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting" },
    { "sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4" },
    /* "Note that equality is not transitive": */
    { "sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off" },
    /* and scheme */
    { "sip:bob@biloxi.com", "sips:bob@biloxi.com" },
    { "sip:bob@biloxi.com", "mailto:bob@biloxi.com" },
    { "tel:+1-201-555-0123", "x-tel:+1-201-555-0123" },
    /* "Any uri-parameter appearing in both URIs must match", however long
     * its name (a 64-byte name used to be skipped). */
    { "sip:carol@chicago.com;" LONG64 "=on", "sip:carol@chicago.com;" LONG64 "=off" },
    { "sip:carol@chicago.com;" LONG300 "=on", "sip:carol@chicago.com;" LONG300 "=off" },
  };
  check_pairs (same, G_N_ELEMENTS (same), TRUE);
  check_pairs (differ, G_N_ELEMENTS (differ), FALSE);
}

static void
test_equal_other (void)
{
  /* msg.h: another scheme compares its name ignoring case (RFC 3986
   * §3.1: "schemes are case-insensitive") and the rest byte for byte
   * (RFC 3986 §6.2.1 simple string comparison). */
  static const char *const same[][2] = {
    { "mailto:bob@biloxi.example.com", "MAILTO:bob@biloxi.example.com" },
    { "HTTP://www.example.com/", "http://www.example.com/" },
    { "isbn:2983792873", "Isbn:2983792873" },
  };
  /* Simple comparison has false negatives, which RFC 3986 §6.2.1 allows:
   * case in the rest and escapes of unreserved characters (§6.2.2.1,
   * §6.2.2.2) are left to the scheme's own rules. */
  static const char *const differ[][2] = {
    { "mailto:bob@biloxi.example.com", "mailto:Bob@biloxi.example.com" },
    { "http://www.EXAMPLE.com/", "http://www.example.com/" },
    { "mailto:%62ob@biloxi.example.com", "mailto:bob@biloxi.example.com" },
    { "mailto:bob@biloxi.example.com", "mailtox:bob@biloxi.example.com" },
    { "http://a.example/", "https://a.example/" },
    { "urn:a", "urn:a/" },
    { "isbn:2983792873", "isbn:2983792874" },
  };
  check_pairs (same, G_N_ELEMENTS (same), TRUE);
  check_pairs (differ, G_N_ELEMENTS (differ), FALSE);
}

/* ------------------------------------------------------------- 4-append */

static void
test_append (void)
{
  static const char *const cases[][2] = {
    { "SIP:alice:pw@Atlanta.com:5061;transport=tls?h=v", "sip:alice:pw@Atlanta.com:5061;transport=tls?h=v" },
    { "sips:[2001:db8::1]", "sips:[2001:db8::1]" },
    { "sip:registrar.biloxi.com", "sip:registrar.biloxi.com" },
    { "TEL:+1-201-555-0123;ext=1", "tel:+1-201-555-0123;ext=1" },
    /* Another scheme: lower-cased (RFC 3986 §6.2.2.1), the rest kept. */
    { "MailTo:Bob@Biloxi.example.com", "mailto:Bob@Biloxi.example.com" },
    { "soap.beep://192.0.2.103:3002", "soap.beep://192.0.2.103:3002" },
    { "nobodyKnowsThisScheme:totallyopaquecontent", "nobodyknowsthisscheme:totallyopaquecontent" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SipUri u = must (cases[i][0]);
      g_autoptr(GString) s = g_string_new ("<");
      sip_uri_append (&u, s);
      g_assert_cmpstr (s->str + 1, ==, cases[i][1]);
      SipUri again = must (s->str + 1);
      g_assert_true (sip_uri_equal (&u, &again));
    }
}

/* sip_uri_rebase(): a URI moved onto a copy of its text is what parsing
 * the copy gives, slice for slice (same offsets, same lengths), for every
 * part that can be present or absent. */
static void
test_rebase (void)
{
  static const char *const uris[] = {
    "sip:alice:secret@Example.COM:5070;transport=tcp;lr?subject=x&h=1",
    "sips:[2001:db8::1]",
    "sip:10.0.0.2:5060",
    "tel:+1-201-555-0123;phone-context=example.com",
    "mailto:bob@example.com",
  };
  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      SipUri u = must (uris[i]);
      g_autofree char *copy = g_strdup (uris[i]);
      SipUri parsed;
      g_assert_true (sip_uri_parse (copy, strlen (copy), &parsed, NULL));
      sip_uri_rebase (&u, uris[i], copy);
      g_assert_cmpint (u.scheme, ==, parsed.scheme);
      g_assert_cmpint (u.host_type, ==, parsed.host_type);
      g_assert_cmpuint (u.port, ==, parsed.port);
      const SipStr *a[] = { &u.scheme_name, &u.user, &u.password, &u.host, &u.params,
                            &u.headers, &u.opaque };
      const SipStr *b[] = { &parsed.scheme_name, &parsed.user, &parsed.password,
                            &parsed.host, &parsed.params, &parsed.headers, &parsed.opaque };
      for (guint k = 0; k < G_N_ELEMENTS (a); k++)
        {
          g_assert_true (a[k]->p == b[k]->p);
          g_assert_cmpuint (a[k]->len, ==, b[k]->len);
        }
      /* Not the original's bytes any more. */
      g_assert_true (u.scheme_name.p == copy);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/uri/1-parse/parts", test_parse_parts);
  g_test_add_func ("/sip/uri/1-parse/errors", test_parse_errors);
  g_test_add_func ("/sip/uri/1-parse/other-schemes", test_parse_other);
  g_test_add_func ("/sip/uri/2-params/lookup", test_params);
  g_test_add_func ("/sip/uri/3-equal/rfc3261-19.1.4", test_equal_rfc3261);
  g_test_add_func ("/sip/uri/3-equal/other-scheme-rfc3986-6.2.1", test_equal_other);
  g_test_add_func ("/sip/uri/4-append/canonical", test_append);
  g_test_add_func ("/sip/uri/5-rebase/copy", test_rebase);
  return g_test_run ();
}
