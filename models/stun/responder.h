/*
 * models/stun/responder.h - the server side of a Binding transaction
 * (RFC 5389 §7.3.1, §10): what a STUN server, or a SIP registrar that also
 * answers STUN keep-alives on its SIP port (RFC 5626 §8.4), sends back.
 *
 * Stateless: one call turns a parsed request and the address it came from
 * into the bytes of the response.  The caller owns the socket.
 */
#pragma once
#include <glib.h>

#include "models/stun/msg.h"

G_BEGIN_DECLS

typedef struct {
  const char *software;        /* SOFTWARE attribute; NULL: none */
  gboolean    mapped_address;  /* also MAPPED-ADDRESS, for RFC 3489 clients (§12.2) */
} StunResponderConfig;

/* The response to send back to @source for @request, or NULL when nothing
 * is to be sent: indications and responses are never answered (§7.3.2,
 * §7.3.3).  @cfg may be NULL (no SOFTWARE, no MAPPED-ADDRESS).
 *  - A Binding request with an unknown comprehension-required attribute
 *    gets 420 with UNKNOWN-ATTRIBUTES listing them (§7.3.1).
 *  - A request of another method gets 400 (§7.3.1: the server does not
 *    know the method).
 *  - Otherwise 200-class success with XOR-MAPPED-ADDRESS = @source (§10).
 * FINGERPRINT is added when the request carried one: RFC 5389 leaves it to
 * the usage (§15.5), and answering in kind keeps demultiplexing working for
 * a peer that relies on it.  The caller owns the returned bytes. */
GBytes *stun_responder_answer (const StunMsg *request, const SimSockAddr *source,
                               const StunResponderConfig *cfg);

G_END_DECLS
