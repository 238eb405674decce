/*
 * tests/fuzz/fuzz-sip-msg.c - the SIP message parser (models/sip/msg.h) on
 * arbitrary bytes, then serialise, re-parse, and a response built from it.
 *
 * Invariants (abort() on violation):
 *  - a failure is a GError in SIP_PARSE_ERROR, never a crash or a read
 *    outside the input (ASan, and libFuzzer's exact-size buffers);
 *  - a parsed message serialises to bytes that parse again, to the same
 *    start line, the same header values in the same order (folds read as
 *    one SP, msg.h note 3), and the same body.  The one allowed re-parse
 *    failure is SIP_PARSE_ERROR_TOO_LARGE: full header names, ": " and
 *    the added Content-Length can push a message at the limits over them;
 *  - the canonical form is a fixed point: serialising the re-parsed
 *    message gives the same bytes;
 *  - for a request, sip_builder_response() finishes into a message that
 *    parses (builder.h: "always valid SIP").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/sip/builder.h"
#include "tests/sip-test-messages.h"      /* sip_test_unfold() */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

static gboolean
str_same (SipStr a, SipStr b)
{
  return a.len == b.len && (a.len == 0 || memcmp (a.p, b.p, a.len) == 0);
}

/* A URI in canonical form parses again to an equal URI, of any scheme. */
static void
uri_again (const SipUri *u)
{
  GString *s = g_string_new (NULL);
  check (sip_uri_equal (u, u));
  sip_uri_append (u, s);
  SipUri again;
  check (sip_uri_parse (s->str, s->len, &again, NULL));
  check (sip_uri_equal (u, &again) && sip_uri_equal (&again, u));
  check (again.scheme == u->scheme);
  g_string_free (s, TRUE);
}

/* Touch every accessor, so the sanitizers see them run on odd input. */
static void
walk (const SipMsg *m)
{
  if (sip_msg_is_request (m))
    uri_again (sip_msg_request_uri (m));
  uri_again (&sip_msg_from (m)->uri);
  uri_again (&sip_msg_to (m)->uri);
  for (guint i = 0; i < sip_msg_via_count (m); i++)
    {
      const SipVia *v = sip_msg_via (m, i);
      check (v->host.len > 0);
      sip_params_get (v->params, "maddr", NULL);
    }
  check (sip_msg_via (m, sip_msg_via_count (m)) == NULL);
  for (guint i = 0; i < sip_msg_contact_count (m); i++)
    {
      const SipContact *c = sip_msg_contact (m, i);
      if (!c->star)
        uri_again (&c->addr.uri);
    }
  const SipHeaderId routes[] = { SIP_HDR_ROUTE, SIP_HDR_RECORD_ROUTE, SIP_HDR_PATH };
  for (guint r = 0; r < G_N_ELEMENTS (routes); r++)
    for (guint i = 0; i < sip_msg_route_count (m, routes[r]); i++)
      check (sip_msg_route (m, routes[r], i) != NULL);
  for (guint i = 0; i < sip_msg_header_count (m); i++)
    {
      const SipHeader *h = sip_msg_header_nth (m, i);
      char name[64];
      if (h->name.len < sizeof name && memchr (h->name.p, '\0', h->name.len) == NULL)
        {
          memcpy (name, h->name.p, h->name.len);
          name[h->name.len] = '\0';
          check (sip_str_present (sip_msg_header (m, name, 0)));
        }
      check (sip_header_id_from_name (h->name) == h->id);
    }
  sip_msg_has_option_tag (m, SIP_HDR_SUPPORTED, "outbound");
  check (sip_msg_body (m).p != NULL);
  check (sip_msg_from (m) != NULL && sip_msg_to (m) != NULL && sip_msg_cseq (m) != NULL);
  check (sip_str_present (sip_msg_call_id (m)));
}

static void
same_or_abort (const SipMsg *a, const SipMsg *b)
{
  check (sip_test_msg_difference (a, b) == NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  SipMsg *a = sip_msg_parse (data, size, &error);
  if (a == NULL)
    {
      check (error != NULL && error->domain == SIP_PARSE_ERROR);
      g_error_free (error);
      return 0;
    }
  walk (a);

  GString *s = g_string_new (NULL);
  sip_msg_serialise (a, s);
  SipMsg *b = sip_msg_parse ((const guint8 *) s->str, s->len, &error);
  if (b == NULL)
    {
      check (g_error_matches (error, SIP_PARSE_ERROR, SIP_PARSE_ERROR_TOO_LARGE));
      g_error_free (error);
    }
  else
    {
      same_or_abort (a, b);
      GString *s2 = g_string_new (NULL);
      sip_msg_serialise (b, s2);
      check (g_string_equal (s, s2));
      g_string_free (s2, TRUE);
      sip_msg_unref (b);
    }

  if (sip_msg_is_request (a) && sip_msg_method (a) != SIP_METHOD_ACK)
    {
      SipBuilder *bld = sip_builder_response (a, 200, NULL, "fuzz7");
      GBytes *bytes = sip_builder_finish (bld);
      gsize len;
      const guint8 *p = g_bytes_get_data (bytes, &len);
      SipMsg *r = sip_msg_parse (p, len, &error);
      if (r == NULL)
        {
          check (g_error_matches (error, SIP_PARSE_ERROR, SIP_PARSE_ERROR_TOO_LARGE));
          g_error_free (error);
        }
      else
        {
          check (sip_msg_status (r) == 200);
          check (sip_msg_via_count (r) == sip_msg_via_count (a));
          check (str_same (sip_msg_call_id (r), sip_msg_call_id (a)));
          sip_msg_unref (r);
        }
      g_bytes_unref (bytes);
    }

  g_string_free (s, TRUE);
  sip_msg_unref (a);
  return 0;
}
