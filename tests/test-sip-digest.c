/*
 * tests/test-sip-digest.c - Digest authentication (RFC 2617, RFC 7616).
 *
 * Expected digests are the RFCs' worked examples (RFC 2617 §3.5, RFC 7616
 * §3.9.1, RFC 2069 §2.4 as corrected by its erratum) or are computed here
 * with GChecksum straight from the formulas of RFC 2617 §3.2.2, not from
 * the module under test.
 */
#include <string.h>

#include "models/sip/digest.h"

/* H(a:b:...) with GChecksum, for expectations. */
static char *
H (GChecksumType t, const char *first, ...)
{
  va_list ap;
  GString *s = g_string_new (first);
  va_start (ap, first);
  for (const char *p = va_arg (ap, const char *); p; p = va_arg (ap, const char *))
    {
      g_string_append_c (s, ':');
      g_string_append (s, p);
    }
  va_end (ap);
  char *hex = g_compute_checksum_for_string (t, s->str, (gssize) s->len);
  g_string_free (s, TRUE);
  return hex;
}

static SipDigestChallenge *
challenge_ok (const char *value)
{
  g_autoptr (GError) error = NULL;
  SipDigestChallenge *ch = sip_digest_challenge_parse (value, strlen (value), &error);
  g_assert_no_error (error);
  g_assert_nonnull (ch);
  return ch;
}

static SipDigestCredentials *
credentials_ok (const char *value)
{
  g_autoptr (GError) error = NULL;
  SipDigestCredentials *cr = sip_digest_credentials_parse (value, strlen (value), &error);
  g_assert_no_error (error);
  g_assert_nonnull (cr);
  return cr;
}

static void
challenge_fails (const char *value, SipDigestError code)
{
  g_autoptr (GError) error = NULL;
  SipDigestChallenge *ch = sip_digest_challenge_parse (value, strlen (value), &error);
  if (ch != NULL)
    g_error ("accepted: %s", value);
  g_assert_error (error, SIP_DIGEST_ERROR, (gint) code);
}

static void
credentials_fail (const char *value, SipDigestError code)
{
  g_autoptr (GError) error = NULL;
  SipDigestCredentials *cr = sip_digest_credentials_parse (value, strlen (value), &error);
  if (cr != NULL)
    g_error ("accepted: %s", value);
  g_assert_error (error, SIP_DIGEST_ERROR, (gint) code);
}

/* The value of parameter @name in a header value we built ourselves. */
static char *
param_of (const char *value, const char *name)
{
  g_autofree char *key = g_strdup_printf ("%s=", name);
  const char *p = value;
  while ((p = strstr (p, key)) != NULL)
    {
      if (p == value || p[-1] == ' ')
        break;
      p++;
    }
  if (p == NULL)
    return NULL;
  p += strlen (key);
  if (*p == '"')
    return g_strndup (p + 1, strcspn (p + 1, "\""));
  return g_strndup (p, strcspn (p, ", "));
}

/* ---------------------------------------------------------- 1-vectors */

#define RFC2617_CHALLENGE                                                     \
  "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "            \
  "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "                          \
  "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""

static void
test_rfc2617_md5 (void)
{
  /* RFC 2617 §3.5: HA1, HA2 are the well-known intermediate values. */
  g_autofree char *ha1 = sip_digest_compute_ha1 (SIP_DIGEST_MD5, "Mufasa",
                                                 "testrealm@host.com", "Circle Of Life");
  g_assert_cmpstr (ha1, ==, "939e7578ed9e3c518a452acee763bce9");
  SipDigestInput in = {
    .algorithm = SIP_DIGEST_MD5, .ha1 = ha1,
    .nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093", .cnonce = "0a4f113b", .nc = 1,
    .qop = SIP_DIGEST_QOP_AUTH, .method = "GET", .uri = "/dir/index.html",
  };
  g_autofree char *resp = sip_digest_compute_response (&in);
  g_assert_cmpstr (resp, ==, "6629fae49393a05397450978507c4ef1");

  /* Through the challenge and the Authorization value. */
  g_autoptr (SipDigestChallenge) ch = challenge_ok (RFC2617_CHALLENGE);
  g_assert_cmpstr (ch->realm, ==, "testrealm@host.com");
  g_assert_cmpstr (ch->nonce, ==, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
  g_assert_cmpstr (ch->opaque, ==, "5ccc069c403ebaf9f0171e9517f40e41");
  g_assert_true (ch->qop_present && ch->qop_auth && ch->qop_auth_int);
  g_assert_false (ch->algorithm_present);
  g_assert_cmpint (ch->algorithm, ==, SIP_DIGEST_MD5);
  g_assert_false (ch->stale);
  g_autoptr (GError) error = NULL;
  g_autofree char *auth = sip_digest_build_authorization (ch, "Mufasa", "Circle Of Life", "GET",
                                                          "/dir/index.html", "0a4f113b", 1,
                                                          &error);
  g_assert_no_error (error);
  g_autoptr (SipDigestCredentials) cr = credentials_ok (auth);
  g_assert_cmpstr (cr->response, ==, "6629fae49393a05397450978507c4ef1");
  g_assert_cmpstr (cr->username, ==, "Mufasa");
  g_assert_cmpstr (cr->uri, ==, "/dir/index.html");
  g_assert_cmpstr (cr->cnonce, ==, "0a4f113b");
  g_assert_cmpstr (cr->opaque, ==, "5ccc069c403ebaf9f0171e9517f40e41");
  g_assert_cmpint (cr->qop, ==, SIP_DIGEST_QOP_AUTH);
  g_assert_cmpuint (cr->nc, ==, 1);
  g_autofree char *nc = param_of (auth, "nc");
  g_assert_cmpstr (nc, ==, "00000001");
  g_autofree char *qop = param_of (auth, "qop");
  g_assert_cmpstr (qop, ==, "auth");

  /* The RFC's own Authorization header parses to the same. */
  g_autoptr (SipDigestCredentials) rfc = credentials_ok (
      "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
      "nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  g_assert_cmpstr (rfc->response, ==, cr->response);
  g_assert_cmpuint (rfc->nc, ==, 1);
}

#define RFC7616_CHALLENGE(alg)                                                \
  "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "        \
  "algorithm=" alg ", nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", " \
  "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
#define RFC7616_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

static void
test_rfc7616 (void)
{
  /* RFC 7616 §3.9.1, both halves. */
  const struct { const char *challenge; SipDigestAlgorithm alg; const char *response; } v[] = {
    { RFC7616_CHALLENGE ("SHA-256"), SIP_DIGEST_SHA256,
      "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1" },
    { RFC7616_CHALLENGE ("MD5"), SIP_DIGEST_MD5, "8ca523f5e9506fed4657c9700eebdbec" },
  };
  for (guint k = 0; k < G_N_ELEMENTS (v); k++)
    {
      g_autoptr (SipDigestChallenge) ch = challenge_ok (v[k].challenge);
      g_assert_cmpint (ch->algorithm, ==, v[k].alg);
      g_assert_true (ch->algorithm_present);
      g_autoptr (GError) error = NULL;
      g_autofree char *auth = sip_digest_build_authorization (ch, "Mufasa", "Circle of Life",
                                                              "GET", "/dir/index.html",
                                                              RFC7616_CNONCE, 1, &error);
      g_assert_no_error (error);
      g_autoptr (SipDigestCredentials) cr = credentials_ok (auth);
      g_assert_cmpstr (cr->response, ==, v[k].response);
      g_assert_cmpint (cr->algorithm, ==, v[k].alg);
      g_assert_true (cr->algorithm_present);
      g_autofree char *alg = param_of (auth, "algorithm");
      g_assert_cmpstr (alg, ==, sip_digest_algorithm_to_string (v[k].alg));
    }
}

static void
test_rfc2069_no_qop (void)
{
  /* RFC 2069 §2.4 (password "CircleOfLife"); the RFC printed a wrong
   * response, its erratum gives 1949323746fe6a43ef61f9606e7febea. */
  g_autoptr (SipDigestChallenge) ch = challenge_ok (
      "Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  g_assert_false (ch->qop_present);
  g_autofree char *auth = sip_digest_build_authorization (ch, "Mufasa", "CircleOfLife", "GET",
                                                          "/dir/index.html", NULL, 0, NULL);
  g_autoptr (SipDigestCredentials) cr = credentials_ok (auth);
  g_assert_cmpstr (cr->response, ==, "1949323746fe6a43ef61f9606e7febea");
  g_assert_cmpint (cr->qop, ==, SIP_DIGEST_QOP_NONE);
  g_assert_null (cr->cnonce);
  g_assert_null (strstr (auth, "nc="));
  g_assert_null (strstr (auth, "qop="));
  g_assert_null (strstr (auth, "cnonce="));
}

static void
test_sess_from_formula (void)
{
  /* RFC 2617 §3.2.2.2: -sess HA1 = H(H(user:realm:pass):nonce:cnonce);
   * RFC 7616 §3.4.2 the same with SHA-256. */
  const struct { SipDigestAlgorithm alg; GChecksumType t; } v[] = {
    { SIP_DIGEST_MD5_SESS, G_CHECKSUM_MD5 }, { SIP_DIGEST_SHA256_SESS, G_CHECKSUM_SHA256 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (v); k++)
    {
      g_autofree char *base = H (v[k].t, "alice", "example.test", "s3cret", NULL);
      g_autofree char *ha1 = H (v[k].t, base, "N0nce", "c1", NULL);
      g_autofree char *ha2 = H (v[k].t, "REGISTER", "sip:example.test", NULL);
      g_autofree char *want = H (v[k].t, ha1, "N0nce", "0000002a", "c1", "auth", ha2, NULL);
      g_autofree char *got_ha1 = sip_digest_compute_ha1 (v[k].alg, "alice", "example.test",
                                                         "s3cret");
      g_assert_cmpstr (got_ha1, ==, base);
      SipDigestInput in = {
        .algorithm = v[k].alg, .ha1 = got_ha1, .nonce = "N0nce", .cnonce = "c1", .nc = 42,
        .qop = SIP_DIGEST_QOP_AUTH, .method = "REGISTER", .uri = "sip:example.test",
      };
      g_autofree char *got = sip_digest_compute_response (&in);
      g_assert_cmpstr (got, ==, want);
    }
}

/* ---------------------------------------------------- 2-parse-challenge */

static void
test_challenge_lexing (void)
{
  /* Escapes, case-insensitive names, token or quoted values, unknown
   * parameters ignored, tabs as whitespace. */
  g_autoptr (SipDigestChallenge) ch = challenge_ok (
      "dIgEsT  REALM=\"a\\\"b\\\\c\",\tNoNcE=abc.123 , foo=\"x, y=z\", userhash=true,"
      "ALGORITHM=md5-SESS,stale=True,Domain=\"sip:a sip:b\"");
  g_assert_cmpstr (ch->realm, ==, "a\"b\\c");
  g_assert_cmpstr (ch->nonce, ==, "abc.123");
  g_assert_cmpstr (ch->domain, ==, "sip:a sip:b");
  g_assert_null (ch->opaque);
  g_assert_cmpint (ch->algorithm, ==, SIP_DIGEST_MD5_SESS);
  g_assert_true (ch->stale);
  g_assert_false (ch->qop_present);

  g_autoptr (SipDigestChallenge) f = challenge_ok ("Digest realm=\"\", nonce=\"n\", stale=FALSE, qop=\"auth-int\"");
  g_assert_cmpstr (f->realm, ==, "");
  g_assert_false (f->stale);
  g_assert_true (f->qop_present && f->qop_auth_int && !f->qop_auth);

  /* Written back and read again: the same. */
  g_autofree char *s = sip_digest_challenge_to_string (ch);
  g_autoptr (SipDigestChallenge) again = challenge_ok (s);
  g_assert_cmpstr (again->realm, ==, ch->realm);
  g_assert_cmpstr (again->nonce, ==, ch->nonce);
  g_assert_cmpstr (again->domain, ==, ch->domain);
  g_assert_cmpint (again->algorithm, ==, ch->algorithm);
  g_assert_true (again->stale);
}

static void
test_challenge_schemes (void)
{
  /* Several challenges in one value (HTTP form): the Digest one is used. */
  g_autoptr (SipDigestChallenge) ch = challenge_ok (
      "Basic realm=\"x\", Digest realm=\"r\", nonce=\"n\", qop=\"auth\", Foo bar=1");
  g_assert_cmpstr (ch->realm, ==, "r");
  g_assert_true (ch->qop_auth);

  g_autoptr (GError) error = NULL;
  const char *basic = "Basic realm=\"WallyWorld\"";
  g_assert_null (sip_digest_challenge_parse (basic, strlen (basic), &error));
  g_assert_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_NOT_DIGEST);
  g_assert_nonnull (strstr (error->message, "Basic"));
  challenge_fails ("Bearer mF_9.B5f-4.1JqM", SIP_DIGEST_ERROR_NOT_DIGEST);
  challenge_fails ("", SIP_DIGEST_ERROR_NOT_DIGEST);
  challenge_fails ("   ", SIP_DIGEST_ERROR_NOT_DIGEST);
}

static void
test_challenge_malformed (void)
{
  challenge_fails ("Digest realm=\"r\"", SIP_DIGEST_ERROR_MISSING);
  challenge_fails ("Digest nonce=\"n\"", SIP_DIGEST_ERROR_MISSING);
  challenge_fails ("Digest", SIP_DIGEST_ERROR_MISSING);
  challenge_fails ("Digest realm=\"r\", nonce=\"n\", REALM=\"s\"", SIP_DIGEST_ERROR_DUPLICATE);
  challenge_fails ("Digest realm=\"r, nonce=\"n\"", SIP_DIGEST_ERROR_SYNTAX);
  challenge_fails ("Digest realm=\"r\\", SIP_DIGEST_ERROR_SYNTAX);
  challenge_fails ("Digest realm=, nonce=\"n\"", SIP_DIGEST_ERROR_SYNTAX);
  challenge_fails ("Digest realm=\"r\" nonce=\"n\"", SIP_DIGEST_ERROR_SYNTAX);
  challenge_fails ("Digest realm=\"r\",, nonce=\"n\"", SIP_DIGEST_ERROR_SYNTAX);
  challenge_fails ("Digest realm=\"r\", nonce=\"n\",", SIP_DIGEST_ERROR_SYNTAX);
  challenge_fails ("Digest realm=\"r\x01\", nonce=\"n\"", SIP_DIGEST_ERROR_SYNTAX);
  challenge_fails ("Digest realm=\"r\"\r\n, nonce=\"n\"", SIP_DIGEST_ERROR_SYNTAX);
  challenge_fails ("Digest,realm=\"r\", nonce=\"n\"", SIP_DIGEST_ERROR_SYNTAX);
  challenge_fails ("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256",
                   SIP_DIGEST_ERROR_ALGORITHM);
  challenge_fails ("Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5",
                   SIP_DIGEST_ERROR_ALGORITHM);
  challenge_fails ("Digest realm=\"r\", nonce=\"n\", stale=maybe", SIP_DIGEST_ERROR_BAD_VALUE);

  GString *big = g_string_new ("Digest realm=\"r\", nonce=\"");
  while (big->len <= SIP_DIGEST_MAX_VALUE)
    g_string_append (big, "0123456789");
  g_string_append_c (big, '"');
  challenge_fails (big->str, SIP_DIGEST_ERROR_TOO_LARGE);
  g_string_free (big, TRUE);

  /* Only auth-int offered: parsed, but this client cannot answer it. */
  g_autoptr (SipDigestChallenge) ch = challenge_ok ("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"");
  g_autoptr (GError) error = NULL;
  g_assert_null (sip_digest_build_authorization (ch, "u", "p", "REGISTER", "sip:r", "c", 1, &error));
  g_assert_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_QOP);

  /* Every prefix of a good value, in an exact-size buffer: no read past
   * the end (ASan), and an error or a challenge, never a crash. */
  const char *good = RFC2617_CHALLENGE;
  for (gsize n = 0; n < strlen (good); n++)
    {
      g_autofree char *copy = g_memdup2 (good, n ? n : 1);
      g_autoptr (GError) e = NULL;
      g_autoptr (SipDigestChallenge) c = sip_digest_challenge_parse (copy, n, &e);
      g_assert_true ((c == NULL) != (e == NULL));
    }
}

/* ------------------------------------------------ 3-parse-credentials */

#define GOOD_CRED(extra)                                                      \
  "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", "        \
  "response=\"0123456789abcdef0123456789ABCDEF\"" extra

static void
test_credentials_parse (void)
{
  g_autoptr (SipDigestCredentials) cr = credentials_ok (GOOD_CRED (", qop=auth, nc=0000000A, cnonce=\"c\""));
  g_assert_cmpstr (cr->response, ==, "0123456789abcdef0123456789abcdef");   /* lower-cased */
  g_assert_cmpuint (cr->nc, ==, 10);
  g_assert_cmpint (cr->qop, ==, SIP_DIGEST_QOP_AUTH);
  g_assert_false (cr->algorithm_present);
  g_autofree char *s = sip_digest_credentials_to_string (cr);
  g_autoptr (SipDigestCredentials) again = credentials_ok (s);
  g_assert_cmpstr (again->response, ==, cr->response);
  g_assert_cmpuint (again->nc, ==, 10);
  g_assert_cmpstr (again->cnonce, ==, "c");

  credentials_fail (GOOD_CRED (", qop=auth, cnonce=\"c\""), SIP_DIGEST_ERROR_MISSING);
  credentials_fail (GOOD_CRED (", qop=auth, nc=00000001"), SIP_DIGEST_ERROR_MISSING);
  credentials_fail (GOOD_CRED (", qop=auth, nc=1, cnonce=\"c\""), SIP_DIGEST_ERROR_BAD_VALUE);
  credentials_fail (GOOD_CRED (", qop=auth, nc=0000000g, cnonce=\"c\""), SIP_DIGEST_ERROR_BAD_VALUE);
  credentials_fail (GOOD_CRED (", nc=00000001"), SIP_DIGEST_ERROR_BAD_VALUE);
  credentials_fail (GOOD_CRED (", qop=authx, nc=00000001, cnonce=\"c\""), SIP_DIGEST_ERROR_BAD_VALUE);
  credentials_fail (GOOD_CRED (", algorithm=SHA-256"), SIP_DIGEST_ERROR_BAD_VALUE);  /* 32 digits */
  credentials_fail (GOOD_CRED (", algorithm=SHA-1"), SIP_DIGEST_ERROR_ALGORITHM);
  credentials_fail (GOOD_CRED (", uri=\"x\""), SIP_DIGEST_ERROR_DUPLICATE);
  credentials_fail (GOOD_CRED (", Basic x=y"), SIP_DIGEST_ERROR_SYNTAX);
  credentials_fail ("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\"",
                    SIP_DIGEST_ERROR_MISSING);
  credentials_fail ("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"xyz\"",
                    SIP_DIGEST_ERROR_BAD_VALUE);
  credentials_fail ("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", SIP_DIGEST_ERROR_NOT_DIGEST);
}

/* ------------------------------------------------------ 4-round-trip */

typedef struct {
  SimRng           srng, crng;
  SipDigestServer *server;
  SipDigestClient *client;
} Pair;

static void
pair_init (Pair *p, SipDigestAlgorithm alg, gboolean qop, SimTime lifetime, guint max_nonces)
{
  sim_rng_init (&p->srng, 5, "registrar");
  sim_rng_init (&p->crng, 5, "phone");
  SipDigestServerConfig cfg = {
    .realm = "example.test", .algorithm = alg, .qop_auth = qop,
    .nonce_lifetime = lifetime, .max_nonces = max_nonces, .opaque = "op\"aque",
  };
  p->server = sip_digest_server_new (&cfg, &p->srng);
  p->client = sip_digest_client_new ("alice", "s3cret", &p->crng);
}

static void
pair_clear (Pair *p)
{
  sip_digest_server_free (p->server);
  sip_digest_client_free (p->client);
}

/* Challenge at @t, answer, return the Authorization value. */
static char *
answer (Pair *p, const char *challenge, const char *password, const char *uri)
{
  g_autoptr (SipDigestChallenge) ch = challenge_ok (challenge);
  if (password == NULL)
    return sip_digest_client_authorize (p->client, ch, "REGISTER", uri, NULL);
  g_autoptr (SipDigestClient) other = sip_digest_client_new ("alice", password, &p->crng);
  return sip_digest_client_authorize (other, ch, "REGISTER", uri, NULL);
}

static SipDigestVerdict
check (Pair *p, const char *auth, const char *uri, SimTime now)
{
  g_autoptr (SipDigestCredentials) cr = credentials_ok (auth);
  g_assert_cmpstr (cr->username, ==, "alice");
  return sip_digest_server_verify (p->server, cr, "REGISTER", uri, "s3cret", now);
}

static void
test_round_trip_all_modes (void)
{
  const SipDigestAlgorithm algs[] = {
    SIP_DIGEST_MD5, SIP_DIGEST_MD5_SESS, SIP_DIGEST_SHA256, SIP_DIGEST_SHA256_SESS,
  };
  for (guint a = 0; a < G_N_ELEMENTS (algs); a++)
    for (int qop = 0; qop <= 1; qop++)
      {
        Pair p;
        pair_init (&p, algs[a], qop, 0, 0);
        g_autofree char *chv = sip_digest_server_challenge (p.server, SIM_S (1), FALSE);
        g_autofree char *auth1 = answer (&p, chv, NULL, "sip:example.test");
        g_assert_nonnull (auth1);
        g_assert_cmpint (check (&p, auth1, "sip:example.test", SIM_S (1)), ==, SIP_DIGEST_OK);
        g_autofree char *auth2 = answer (&p, chv, NULL, "sip:example.test");
        g_assert_cmpint (check (&p, auth2, "sip:example.test", SIM_S (2)), ==, SIP_DIGEST_OK);
        g_autofree char *nc1 = param_of (auth1, "nc"), *nc2 = param_of (auth2, "nc");
        g_autofree char *cn1 = param_of (auth1, "cnonce"), *cn2 = param_of (auth2, "cnonce");
        if (qop)
          {
            /* nc counts up per nonce; the cnonce stays (so a -sess key does). */
            g_assert_cmpstr (nc1, ==, "00000001");
            g_assert_cmpstr (nc2, ==, "00000002");
            g_assert_cmpstr (cn1, ==, cn2);
          }
        else
          {
            g_assert_null (nc1);
            /* Without qop a cnonce goes only with -sess (needed for HA1). */
            g_assert_true ((cn1 != NULL) == (algs[a] == SIP_DIGEST_MD5_SESS
                                             || algs[a] == SIP_DIGEST_SHA256_SESS));
          }
        g_autoptr (SipDigestCredentials) cr = credentials_ok (auth1);
        g_assert_cmpstr (cr->opaque, ==, "op\"aque");   /* echoed, escape undone */
        g_assert_nonnull (strstr (auth1, "opaque=\"op\\\"aque\""));
        pair_clear (&p);
      }
}

/* ---------------------------------------------------- 5-server-verdicts */

static void
test_server_verdicts (void)
{
  const char *uri = "sip:example.test";
  Pair p;
  pair_init (&p, SIP_DIGEST_MD5, TRUE, SIM_S (60), 0);
  g_autofree char *chv = sip_digest_server_challenge (p.server, SIM_S (100), FALSE);

  /* Wrong password. */
  g_autofree char *bad = answer (&p, chv, "guess", uri);
  g_assert_cmpint (check (&p, bad, uri, SIM_S (100)), ==, SIP_DIGEST_WRONG_PASSWORD);

  /* Good, then the same header again: a replay (nc not above 1). */
  g_autofree char *good = answer (&p, chv, NULL, uri);
  g_assert_cmpint (check (&p, good, uri, SIM_S (101)), ==, SIP_DIGEST_OK);
  g_assert_cmpint (check (&p, good, uri, SIM_S (102)), ==, SIP_DIGEST_REPLAY);

  /* The uri must be the Request-URI; NULL skips that check. */
  g_autofree char *other_uri = answer (&p, chv, NULL, "sip:other.test");
  g_assert_cmpint (check (&p, other_uri, uri, SIM_S (103)), ==, SIP_DIGEST_URI_MISMATCH);
  g_assert_cmpint (check (&p, other_uri, NULL, SIM_S (103)), ==, SIP_DIGEST_OK);

  /* Age: valid while younger than the lifetime (issued at 100 s). */
  g_autofree char *late = answer (&p, chv, NULL, uri);
  g_assert_cmpint (check (&p, late, uri, SIM_S (159)), ==, SIP_DIGEST_OK);
  g_autofree char *later = answer (&p, chv, NULL, uri);
  g_assert_cmpint (check (&p, later, uri, SIM_S (160)), ==, SIP_DIGEST_STALE_NONCE);
  /* ...but a wrong password on a stale nonce is a wrong password. */
  g_autofree char *bad_late = answer (&p, chv, "guess", uri);
  g_assert_cmpint (check (&p, bad_late, uri, SIM_S (160)), ==, SIP_DIGEST_WRONG_PASSWORD);

  /* A nonce this server never issued, answered correctly: stale. */
  g_autofree char *forged = answer (&p, "Digest realm=\"example.test\", nonce=\"never\", "
                                    "algorithm=MD5, qop=\"auth\", opaque=\"op\\\"aque\"", NULL, uri);
  g_assert_cmpint (check (&p, forged, uri, SIM_S (101)), ==, SIP_DIGEST_STALE_NONCE);

  /* Another realm. */
  g_autofree char *realm = answer (&p, "Digest realm=\"elsewhere\", nonce=\"n\", algorithm=MD5, "
                                   "qop=\"auth\", opaque=\"op\\\"aque\"", NULL, uri);
  g_assert_cmpint (check (&p, realm, uri, SIM_S (101)), ==, SIP_DIGEST_WRONG_REALM);

  /* Inconsistent with the challenge: no qop, another algorithm, no or
   * another opaque. */
  g_autofree char *noqop = answer (&p, "Digest realm=\"example.test\", nonce=\"n\", "
                                   "opaque=\"op\\\"aque\"", NULL, uri);
  g_assert_cmpint (check (&p, noqop, uri, SIM_S (101)), ==, SIP_DIGEST_MALFORMED);
  g_autofree char *sha = answer (&p, "Digest realm=\"example.test\", nonce=\"n\", qop=\"auth\", "
                                 "algorithm=SHA-256, opaque=\"op\\\"aque\"", NULL, uri);
  g_assert_cmpint (check (&p, sha, uri, SIM_S (101)), ==, SIP_DIGEST_MALFORMED);
  g_autofree char *noopaque = answer (&p, "Digest realm=\"example.test\", nonce=\"n\", "
                                      "qop=\"auth\"", NULL, uri);
  g_assert_cmpint (check (&p, noopaque, uri, SIM_S (101)), ==, SIP_DIGEST_MALFORMED);

  /* A stale challenge says so. */
  g_autofree char *st = sip_digest_server_challenge (p.server, SIM_S (200), TRUE);
  g_autoptr (SipDigestChallenge) stc = challenge_ok (st);
  g_assert_true (stc->stale);
  g_assert_cmpstr (stc->opaque, ==, "op\"aque");
  g_assert_cmpstr (stc->realm, ==, "example.test");
  g_assert_true (stc->qop_auth);
  g_assert_cmpuint (strlen (stc->nonce), ==, 32);
  pair_clear (&p);
}

static void
test_server_nc_order_and_eviction (void)
{
  const char *uri = "sip:example.test";
  Pair p;
  pair_init (&p, SIP_DIGEST_SHA256, TRUE, 0, 2);
  g_autofree char *c1 = sip_digest_server_challenge (p.server, 0, FALSE);
  g_autoptr (SipDigestChallenge) ch1 = challenge_ok (c1);

  /* nc 3 accepted, then nc 2 (lower) is a replay, nc 4 fine. */
  g_autofree char *a3 = sip_digest_build_authorization (ch1, "alice", "s3cret", "REGISTER", uri,
                                                        "cn", 3, NULL);
  g_autofree char *a2 = sip_digest_build_authorization (ch1, "alice", "s3cret", "REGISTER", uri,
                                                        "cn", 2, NULL);
  g_autofree char *a4 = sip_digest_build_authorization (ch1, "alice", "s3cret", "REGISTER", uri,
                                                        "cn", 4, NULL);
  g_assert_cmpint (check (&p, a3, uri, 0), ==, SIP_DIGEST_OK);
  g_assert_cmpint (check (&p, a2, uri, 0), ==, SIP_DIGEST_REPLAY);
  g_assert_cmpint (check (&p, a4, uri, 0), ==, SIP_DIGEST_OK);

  /* Two more challenges with max_nonces 2: the first nonce is forgotten. */
  g_autofree char *c2 = sip_digest_server_challenge (p.server, 0, FALSE);
  g_autofree char *c3 = sip_digest_server_challenge (p.server, 0, FALSE);
  g_assert_cmpstr (c2, !=, c3);
  g_assert_cmpuint (sip_digest_server_get_n_nonces (p.server), ==, 2);
  g_autofree char *a5 = sip_digest_build_authorization (ch1, "alice", "s3cret", "REGISTER", uri,
                                                        "cn", 5, NULL);
  g_assert_cmpint (check (&p, a5, uri, 0), ==, SIP_DIGEST_STALE_NONCE);
  g_autofree char *b = answer (&p, c3, NULL, uri);
  g_assert_cmpint (check (&p, b, uri, 0), ==, SIP_DIGEST_OK);

  /* verify_ha1: a server that stores H(user:realm:pass) only. */
  g_autofree char *ha1 = sip_digest_compute_ha1 (SIP_DIGEST_SHA256, "alice", "example.test",
                                                 "s3cret");
  g_autofree char *b2 = answer (&p, c3, NULL, uri);
  g_autoptr (SipDigestCredentials) cr = credentials_ok (b2);
  g_assert_cmpint (sip_digest_server_verify_ha1 (p.server, cr, "REGISTER", uri, ha1, 0), ==,
                   SIP_DIGEST_OK);
  /* Another method changes HA2. */
  g_autofree char *b3 = answer (&p, c3, NULL, uri);
  g_autoptr (SipDigestCredentials) cr3 = credentials_ok (b3);
  g_assert_cmpint (sip_digest_server_verify (p.server, cr3, "INVITE", uri, "s3cret", 0), ==,
                   SIP_DIGEST_WRONG_PASSWORD);
  pair_clear (&p);
}

/* ------------------------------------------------------------ 6-client */

static void
test_client_nonce_counts (void)
{
  SimRng rng;
  sim_rng_init (&rng, 77, "c");
  g_autoptr (SipDigestClient) c = sip_digest_client_new ("bob", "pw", &rng);
  g_autoptr (SipDigestChallenge) a = challenge_ok ("Digest realm=\"r\", nonce=\"A\", qop=\"auth\"");
  g_autoptr (SipDigestChallenge) b = challenge_ok ("Digest realm=\"r\", nonce=\"B\", qop=\"auth\"");
  g_autofree char *a1 = sip_digest_client_authorize (c, a, "REGISTER", "sip:r", NULL);
  g_autofree char *b1 = sip_digest_client_authorize (c, b, "REGISTER", "sip:r", NULL);
  g_autofree char *a2 = sip_digest_client_authorize (c, a, "REGISTER", "sip:r", NULL);
  g_autofree char *a3 = sip_digest_client_authorize (c, a, "REGISTER", "sip:r", NULL);
  g_autofree char *na2 = param_of (a2, "nc");
  g_assert_cmpstr (na2, ==, "00000002");
  g_assert_cmpuint (sip_digest_client_get_nc (c, "A"), ==, 3);
  g_assert_cmpuint (sip_digest_client_get_nc (c, "B"), ==, 1);
  g_assert_cmpuint (sip_digest_client_get_nc (c, "C"), ==, 0);
  g_autofree char *nb1 = param_of (b1, "nc"), *na3 = param_of (a3, "nc");
  g_assert_cmpstr (nb1, ==, "00000001");
  g_assert_cmpstr (na3, ==, "00000003");
  g_autofree char *ca1 = param_of (a1, "cnonce"), *cb1 = param_of (b1, "cnonce");
  g_assert_cmpstr (ca1, !=, cb1);

  /* Same seed, same bytes. */
  SimRng rng2;
  sim_rng_init (&rng2, 77, "c");
  g_autoptr (SipDigestClient) c2 = sip_digest_client_new ("bob", "pw", &rng2);
  g_autofree char *again = sip_digest_client_authorize (c2, a, "REGISTER", "sip:r", NULL);
  g_assert_cmpstr (again, ==, a1);
  /* ...whatever the compiler: the cnonce is the stream's first two draws,
   * in order, as 32 hex digits. */
  SimRng rng3;
  sim_rng_init (&rng3, 77, "c");
  guint64 d1 = sim_rng_u64 (&rng3);
  guint64 d2 = sim_rng_u64 (&rng3);
  g_autofree char *want_cnonce = g_strdup_printf ("%016" G_GINT64_MODIFIER "x%016"
                                                  G_GINT64_MODIFIER "x", d1, d2);
  g_assert_cmpstr (ca1, ==, want_cnonce);

  /* A client remembers a few nonces, not all: after many, A is gone and
   * starts over at 1. */
  for (int k = 0; k < 8; k++)
    {
      g_autofree char *v = g_strdup_printf ("Digest realm=\"r\", nonce=\"X%d\", qop=\"auth\"", k);
      g_autoptr (SipDigestChallenge) x = challenge_ok (v);
      g_autofree char *h = sip_digest_client_authorize (c, x, "REGISTER", "sip:r", NULL);
      g_assert_nonnull (h);
    }
  g_assert_cmpuint (sip_digest_client_get_nc (c, "A"), ==, 0);
  g_autofree char *a_new = sip_digest_client_authorize (c, a, "REGISTER", "sip:r", NULL);
  g_autofree char *n_new = param_of (a_new, "nc");
  g_assert_cmpstr (n_new, ==, "00000001");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/digest/1-vectors/rfc2617-md5", test_rfc2617_md5);
  g_test_add_func ("/sip/digest/1-vectors/rfc7616-sha256-and-md5", test_rfc7616);
  g_test_add_func ("/sip/digest/1-vectors/rfc2069-no-qop", test_rfc2069_no_qop);
  g_test_add_func ("/sip/digest/1-vectors/sess-from-formula", test_sess_from_formula);
  g_test_add_func ("/sip/digest/2-challenge/lexing", test_challenge_lexing);
  g_test_add_func ("/sip/digest/2-challenge/schemes", test_challenge_schemes);
  g_test_add_func ("/sip/digest/2-challenge/malformed", test_challenge_malformed);
  g_test_add_func ("/sip/digest/3-credentials/parse", test_credentials_parse);
  g_test_add_func ("/sip/digest/4-round-trip/all-modes", test_round_trip_all_modes);
  g_test_add_func ("/sip/digest/5-server/verdicts", test_server_verdicts);
  g_test_add_func ("/sip/digest/5-server/nc-order-and-eviction", test_server_nc_order_and_eviction);
  g_test_add_func ("/sip/digest/6-client/nonce-counts", test_client_nonce_counts);
  return g_test_run ();
}
