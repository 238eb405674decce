/*
 * tests/fuzz/fuzz-sip-uri.c - sip_uri_parse() and sip_params_get() on
 * arbitrary bytes.
 *
 * Invariants (abort() on violation):
 *  - a failure is a SIP_PARSE_ERROR_URI GError, never a crash or a read
 *    outside the input;
 *  - every slice of a parsed URI lies inside the input;
 *  - the parts present match the scheme: a scheme name always; a host for
 *    sip:/sips: only; for another scheme (SIP_URI_OTHER) a non-empty
 *    opaque part and nothing else, and no opaque part for the others;
 *  - a parsed URI, appended in canonical form, parses again to a URI that
 *    is equal (§19.1.4) and appends to the same text;
 *  - sip_params_get() on the raw bytes never reads outside them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/sip/msg.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

static void
inside (SipStr s, const char *p, size_t size)
{
  if (s.p)
    check (s.p >= p && s.p + s.len <= p + size);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *p = (const char *) data;
  SipUri u;
  GError *error = NULL;

  SipStr raw = { p, size };
  static const char *const names[] = { "tag", "lr", "transport", "expires", "+sip.instance", "" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      SipStr v;
      if (sip_params_get (raw, names[i], &v))
        inside (v, p, size);
    }

  if (!sip_uri_parse (p, size, &u, &error))
    {
      check (g_error_matches (error, SIP_PARSE_ERROR, SIP_PARSE_ERROR_URI));
      g_error_free (error);
      return 0;
    }
  inside (u.user, p, size);
  inside (u.password, p, size);
  inside (u.host, p, size);
  inside (u.params, p, size);
  inside (u.headers, p, size);
  inside (u.scheme_name, p, size);
  inside (u.opaque, p, size);
  /* scheme_name ':' starts the input. */
  check (u.scheme_name.p == p && u.scheme_name.len > 0 && u.scheme_name.len < size
         && p[u.scheme_name.len] == ':');
  switch (u.scheme)
    {
    case SIP_URI_SIP:
    case SIP_URI_SIPS:
      check (u.host.len > 0 && u.opaque.p == NULL);
      break;
    case SIP_URI_TEL:
      check (u.host.p == NULL && u.user.len > 0 && u.opaque.p == NULL);
      break;
    case SIP_URI_OTHER:
      check (u.opaque.len > 0 && u.opaque.p == p + u.scheme_name.len + 1
             && u.opaque.p + u.opaque.len == p + size);
      check (u.user.p == NULL && u.password.p == NULL && u.host.p == NULL
             && u.params.p == NULL && u.headers.p == NULL && u.port == 0);
      break;
    default:
      abort ();
    }
  check (sip_uri_equal (&u, &u));

  GString *s = g_string_new (NULL);
  sip_uri_append (&u, s);
  SipUri v;
  check (sip_uri_parse (s->str, s->len, &v, NULL));
  check (sip_uri_equal (&u, &v) && sip_uri_equal (&v, &u));
  GString *s2 = g_string_new (NULL);
  sip_uri_append (&v, s2);
  check (g_string_equal (s, s2));
  g_string_free (s, TRUE);
  g_string_free (s2, TRUE);
  return 0;
}
