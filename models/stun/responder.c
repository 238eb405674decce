/*
 * models/stun/responder.c - answers Binding requests (RFC 5389 §7.3.1, §10).
 *
 * Notes
 *
 * 1. Stateless, as RFC 5389 §7.3 allows for Binding: a retransmitted
 *    request gets the same answer again, so no cache of responses is kept.
 * 2. The mapped address is the source transport address of the request as
 *    the server saw it, i.e. after any NAT on the path.  That is the whole
 *    point of the exchange (§10 "reflexive transport address").
 * 3. The error responses carry the reason phrases RFC 5389 §15.6 suggests.
 */
#include "models/stun/responder.h"

GBytes *
stun_responder_answer (const StunMsg *request, const SimSockAddr *source,
                       const StunResponderConfig *cfg)
{
  g_return_val_if_fail (request != NULL && source != NULL, NULL);

  if (stun_msg_get_class (request) != STUN_CLASS_REQUEST)
    return NULL;

  const guint8 *txid = stun_msg_get_txid (request);
  guint16 method = stun_msg_get_method (request);
  guint n_unknown = 0;
  const guint16 *unknown = stun_msg_get_unknown_required (request, &n_unknown);
  /* The error type keeps the request's method with the error class bits
   * (C1 = bit 8, C0 = bit 4); for Binding that is 0x0111. */
  guint16 error_type = (guint16) ((stun_msg_get_type (request) & ~0x0110u) | 0x0110u);

  StunBuilder *b;
  if (method != STUN_METHOD_BINDING)
    {
      b = stun_builder_new (error_type, txid);
      stun_builder_add_error_code (b, 400, "Bad Request");
    }
  else if (n_unknown > 0)
    {
      b = stun_builder_new (error_type, txid);
      stun_builder_add_error_code (b, 420, "Unknown Attribute");
      stun_builder_add_unknown_attributes (b, unknown, n_unknown);
    }
  else
    {
      StunAddress mapped;
      stun_address_from_sockaddr (&mapped, source);
      b = stun_builder_new (STUN_BINDING_SUCCESS, txid);
      stun_builder_add_xor_mapped_address (b, &mapped);
      if (cfg && cfg->mapped_address)
        stun_builder_add_mapped_address (b, &mapped);
    }
  if (cfg && cfg->software)
    stun_builder_add_software (b, cfg->software);
  return stun_builder_end (b, stun_msg_has_fingerprint (request));
}
