/*
 * tests/fuzz/fuzz-sip-digest.c - the Digest challenge and credentials
 * parsers (models/sip/digest.c) on arbitrary header values.
 *
 * Each input is tried as a WWW-Authenticate value and as an Authorization
 * value.  Invariants (abort() on violation):
 *  - failures are GErrors in SIP_DIGEST_ERROR;
 *  - whatever parses, written back with *_to_string() and parsed again,
 *    gives the same fields;
 *  - a challenge that parses and offers something answerable gets an
 *    Authorization value that parses, carries the challenge's realm, nonce
 *    and opaque, and whose response a server recomputes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/sip/digest.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_error (GError *error)
{
  if (error == NULL || error->domain != SIP_DIGEST_ERROR)
    abort ();
  g_error_free (error);
}

static void
same_str (const char *a, const char *b)
{
  if (g_strcmp0 (a, b) != 0)
    abort ();
}

static void
fuzz_challenge (const char *value, gsize len)
{
  GError *error = NULL;
  SipDigestChallenge *ch = sip_digest_challenge_parse (value, len, &error);
  if (ch == NULL)
    {
      check_error (error);
      return;
    }
  char *s = sip_digest_challenge_to_string (ch);
  SipDigestChallenge *again = sip_digest_challenge_parse (s, strlen (s), NULL);
  if (again == NULL)
    abort ();
  same_str (ch->realm, again->realm);
  same_str (ch->nonce, again->nonce);
  same_str (ch->opaque, again->opaque);
  same_str (ch->domain, again->domain);
  if (ch->algorithm != again->algorithm || ch->algorithm_present != again->algorithm_present
      || ch->qop_present != again->qop_present || ch->qop_auth != again->qop_auth
      || ch->qop_auth_int != again->qop_auth_int || ch->stale != again->stale)
    abort ();
  sip_digest_challenge_free (again);
  g_free (s);

  char *auth = sip_digest_build_authorization (ch, "user", "pass", "REGISTER", "sip:x",
                                               "cnonce", 7, &error);
  if (auth == NULL)
    {
      if (!(ch->qop_present && !ch->qop_auth))
        abort ();
      check_error (error);
      sip_digest_challenge_free (ch);
      return;
    }
  SipDigestCredentials *cr = sip_digest_credentials_parse (auth, strlen (auth), NULL);
  if (cr == NULL)
    abort ();
  same_str (cr->realm, ch->realm);
  same_str (cr->nonce, ch->nonce);
  same_str (cr->opaque, ch->opaque);
  char *ha1 = sip_digest_compute_ha1 (cr->algorithm, "user", cr->realm, "pass");
  SipDigestInput in = {
    .algorithm = cr->algorithm, .ha1 = ha1, .nonce = cr->nonce, .cnonce = cr->cnonce,
    .nc = cr->nc, .qop = cr->qop, .method = "REGISTER", .uri = cr->uri,
  };
  char *want = sip_digest_compute_response (&in);
  same_str (want, cr->response);
  g_free (want);
  g_free (ha1);
  sip_digest_credentials_free (cr);
  g_free (auth);
  sip_digest_challenge_free (ch);
}

static void
fuzz_credentials (const char *value, gsize len)
{
  GError *error = NULL;
  SipDigestCredentials *cr = sip_digest_credentials_parse (value, len, &error);
  if (cr == NULL)
    {
      check_error (error);
      return;
    }
  char *s = sip_digest_credentials_to_string (cr);
  SipDigestCredentials *again = sip_digest_credentials_parse (s, strlen (s), NULL);
  if (again == NULL)
    abort ();
  same_str (cr->username, again->username);
  same_str (cr->realm, again->realm);
  same_str (cr->nonce, again->nonce);
  same_str (cr->uri, again->uri);
  same_str (cr->response, again->response);
  same_str (cr->cnonce, again->cnonce);
  same_str (cr->opaque, again->opaque);
  if (cr->algorithm != again->algorithm || cr->algorithm_present != again->algorithm_present
      || cr->qop != again->qop || cr->nc != again->nc)
    abort ();
  sip_digest_credentials_free (again);
  g_free (s);
  sip_digest_credentials_free (cr);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_challenge ((const char *) data, size);
  fuzz_credentials ((const char *) data, size);
  return 0;
}
