/*
 * tests/fuzz/fuzz-stun.c - the STUN parser (models/stun/msg.c) on arbitrary
 * bytes, and the responder on whatever parses as a request.
 *
 * Invariants (abort() on violation):
 *  - a failure is a GError in STUN_ERROR, never a crash or a read outside
 *    the input (ASan, and libFuzzer's exact-size buffers, catch those);
 *  - a message that parses, re-encoded by the builder from what the parser
 *    kept (type, id, attributes, FINGERPRINT or not), parses again to the
 *    same thing: the same attributes byte for byte and the same decoded
 *    values;
 *  - the responder's answer to a parsed request parses, with the request's
 *    transaction id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/stun/msg.h"
#include "models/stun/responder.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static StunMsg *
must_parse (GBytes *bytes)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  GError *error = NULL;
  StunMsg *msg = stun_msg_parse (p, len, &error);
  if (msg == NULL)
    abort ();
  return msg;
}

static void
same_or_abort (const StunMsg *a, const StunMsg *b)
{
  if (stun_msg_get_type (a) != stun_msg_get_type (b)
      || memcmp (stun_msg_get_txid (a), stun_msg_get_txid (b), STUN_TXID_LEN) != 0
      || stun_msg_has_fingerprint (a) != stun_msg_has_fingerprint (b)
      || stun_msg_has_message_integrity (a) != stun_msg_has_message_integrity (b)
      || stun_msg_get_n_attributes (a) != stun_msg_get_n_attributes (b))
    abort ();
  for (guint i = 0; i < stun_msg_get_n_attributes (a); i++)
    {
      guint16 ta, tb;
      const guint8 *va, *vb;
      gsize la, lb;
      stun_msg_get_attribute (a, i, &ta, &va, &la);
      stun_msg_get_attribute (b, i, &tb, &vb, &lb);
      if (ta != tb || la != lb || (la && memcmp (va, vb, la) != 0))
        abort ();
    }
  StunAddress xa, xb;
  gboolean ha = stun_msg_get_xor_mapped_address (a, &xa);
  if (ha != stun_msg_get_xor_mapped_address (b, &xb) || (ha && !stun_address_equal (&xa, &xb)))
    abort ();
  ha = stun_msg_get_mapped_address (a, &xa);
  if (ha != stun_msg_get_mapped_address (b, &xb) || (ha && !stun_address_equal (&xa, &xb)))
    abort ();
  guint ca = 0, cb = 0;
  const char *ra = NULL, *rb = NULL;
  ha = stun_msg_get_error_code (a, &ca, &ra);
  if (ha != stun_msg_get_error_code (b, &cb, &rb) || ca != cb || g_strcmp0 (ra, rb) != 0)
    abort ();
  if (g_strcmp0 (stun_msg_get_software (a), stun_msg_get_software (b)) != 0)
    abort ();
  guint na, nb;
  const guint16 *ua = stun_msg_get_unknown_required (a, &na);
  const guint16 *ub = stun_msg_get_unknown_required (b, &nb);
  if (na != nb || (na && memcmp (ua, ub, na * sizeof *ua) != 0))
    abort ();
  ua = stun_msg_get_unknown_attributes (a, &na);
  ub = stun_msg_get_unknown_attributes (b, &nb);
  if (na != nb || (na && memcmp (ua, ub, na * sizeof *ua) != 0))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  StunMsg *msg = stun_msg_parse (data, size, &error);
  if (msg == NULL)
    {
      if (error == NULL || error->domain != STUN_ERROR)
        abort ();
      g_error_free (error);
      return 0;
    }
  if (!stun_msg_looks_like_stun (data, size) || stun_msg_frame_length (data, size, NULL) != size)
    abort ();

  StunBuilder *b = stun_builder_new (stun_msg_get_type (msg), stun_msg_get_txid (msg));
  for (guint i = 0; i < stun_msg_get_n_attributes (msg); i++)
    {
      guint16 type;
      const guint8 *v;
      gsize len;
      stun_msg_get_attribute (msg, i, &type, &v, &len);
      stun_builder_add_raw (b, type, v, len);
    }
  GBytes *out = stun_builder_end (b, stun_msg_has_fingerprint (msg));
  StunMsg *again = must_parse (out);
  same_or_abort (msg, again);
  stun_msg_free (again);
  g_bytes_unref (out);

  if (stun_msg_get_class (msg) == STUN_CLASS_REQUEST)
    {
      SimSockAddr src = { SIM_IP4 (198, 51, 100, 1), 5060 };
      StunResponderConfig cfg = { .software = "fuzz", .mapped_address = TRUE };
      GBytes *resp = stun_responder_answer (msg, &src, &cfg);
      if (resp == NULL)
        abort ();
      StunMsg *r = must_parse (resp);
      if (memcmp (stun_msg_get_txid (r), stun_msg_get_txid (msg), STUN_TXID_LEN) != 0
          || stun_msg_get_class (r) == STUN_CLASS_REQUEST)
        abort ();
      stun_msg_free (r);
      g_bytes_unref (resp);
    }
  stun_msg_free (msg);
  return 0;
}
