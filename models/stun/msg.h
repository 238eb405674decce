/*
 * models/stun/msg.h - STUN messages (RFC 5389): parse and build.
 *
 * Notes
 *
 * 1. Scope.  The Binding method (§3) as a NAT keep-alive and address
 *    discovery uses it: requests, success and error responses, the
 *    attributes MAPPED-ADDRESS, XOR-MAPPED-ADDRESS, ERROR-CODE,
 *    UNKNOWN-ATTRIBUTES, SOFTWARE and FINGERPRINT.  USERNAME,
 *    MESSAGE-INTEGRITY, REALM and NONCE are recognised (so they are not
 *    "unknown") and kept as raw attributes, but MESSAGE-INTEGRITY is never
 *    checked: nothing in sipsim uses STUN credentials.
 *
 * 2. Addresses.  The simulated network is IPv4, so an IPv4 address is a
 *    SimSockAddr (sim/net/addr.h, a plain value type).  IPv6 addresses are
 *    decoded and encoded (RFC 5769 has an IPv6 vector) and kept as 16 raw
 *    bytes in network order.
 *
 * 3. Bad input is an error, never a crash.  stun_msg_parse() never reads
 *    outside [data, data+len) and returns NULL with a GError in STUN_ERROR
 *    that says what was wrong.  A datagram must hold exactly one message
 *    (20 + length bytes); over a stream, stun_msg_frame_length() says how
 *    long the message at the front is.
 *
 * 4. Unknown attributes (§7.3.1, §15): types 0x0000-0x7FFF are
 *    comprehension-required.  The parser does not fail on one it does not
 *    know; it lists them, so a server can answer 420 with
 *    UNKNOWN-ATTRIBUTES and a client can discard the response (§7.3.3).
 *    Types 0x8000-0xFFFF it does not know are kept and otherwise ignored.
 *
 * 5. Order (§15.4, §15.5).  FINGERPRINT must be the last attribute; when
 *    present it is verified (CRC-32 of the message up to it, XOR
 *    0x5354554E) and a mismatch is an error.  Attributes between
 *    MESSAGE-INTEGRITY and FINGERPRINT are ignored, as §15.4 says.
 *    Repeated attributes are kept; the getters return the first (§15).
 */
#pragma once
#include <glib.h>

#include "sim/net/addr.h"

G_BEGIN_DECLS

#define STUN_HEADER_LEN       20
#define STUN_TXID_LEN         12
#define STUN_MAGIC_COOKIE     0x2112A442u
#define STUN_FINGERPRINT_XOR  0x5354554Eu
/* The largest message: the 16-bit length field, rounded down to 4. */
#define STUN_MAX_BODY_LEN     65532
/* §15.6 and §15.10: fewer than 128 characters, at most 763 bytes. */
#define STUN_MAX_TEXT_LEN     763

/* Message types (§6: method and class interleaved in 14 bits). */
typedef enum {
  STUN_BINDING_REQUEST    = 0x0001,
  STUN_BINDING_INDICATION = 0x0011,
  STUN_BINDING_SUCCESS    = 0x0101,
  STUN_BINDING_ERROR      = 0x0111,
} StunMsgType;

typedef enum {
  STUN_CLASS_REQUEST    = 0,
  STUN_CLASS_INDICATION = 1,
  STUN_CLASS_SUCCESS    = 2,
  STUN_CLASS_ERROR      = 3,
} StunClass;

#define STUN_METHOD_BINDING 0x001

/* Attribute types (§18.2). */
typedef enum {
  STUN_ATTR_MAPPED_ADDRESS     = 0x0001,
  STUN_ATTR_USERNAME           = 0x0006,
  STUN_ATTR_MESSAGE_INTEGRITY  = 0x0008,
  STUN_ATTR_ERROR_CODE         = 0x0009,
  STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
  STUN_ATTR_REALM              = 0x0014,
  STUN_ATTR_NONCE              = 0x0015,
  STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
  STUN_ATTR_SOFTWARE           = 0x8022,
  STUN_ATTR_ALTERNATE_SERVER   = 0x8023,
  STUN_ATTR_FINGERPRINT        = 0x8028,
} StunAttrType;

/* Type in 0x0000-0x7FFF: a receiver that does not know it must not go on. */
#define STUN_ATTR_IS_COMPREHENSION_REQUIRED(t) (((guint) (t)) < 0x8000u)

/* --------------------------------------------------------------- errors */

#define STUN_ERROR (stun_error_quark ())
GQuark stun_error_quark (void);

typedef enum {
  STUN_ERROR_TOO_SHORT,       /* fewer than 20 bytes, or a stream prefix */
  STUN_ERROR_BAD_HEADER,      /* the first two bits are not 0 */
  STUN_ERROR_BAD_COOKIE,      /* not 0x2112A442 (e.g. an RFC 3489 message) */
  STUN_ERROR_LENGTH,          /* length not a multiple of 4, or != the bytes */
  STUN_ERROR_BAD_ATTRIBUTE,   /* a TLV overruns the body, or a known
                               * attribute's value is malformed */
  STUN_ERROR_BAD_FINGERPRINT, /* CRC mismatch, or FINGERPRINT not last */
} StunError;

/* ------------------------------------------------------------ addresses */

typedef enum {
  STUN_FAMILY_IPV4 = 0x01,
  STUN_FAMILY_IPV6 = 0x02,
} StunFamily;

/* An address as STUN carries it.  @addr.port is the port for both
 * families; @addr.ip is the address for IPv4 and 0 for IPv6, whose address
 * is @ip6 (network byte order). */
typedef struct {
  StunFamily  family;
  SimSockAddr addr;
  guint8      ip6[16];
} StunAddress;

/* An IPv4 StunAddress for @sa. */
void     stun_address_from_sockaddr (StunAddress *out, const SimSockAddr *sa);
gboolean stun_address_equal         (const StunAddress *a, const StunAddress *b);
/* "a.b.c.d:port" or "[v6]:port"; returns @buf. */
#define STUN_ADDRESS_STRLEN 48
const char *stun_address_to_string  (const StunAddress *a, char buf[STUN_ADDRESS_STRLEN]);

/* -------------------------------------------------------------- parsing */

typedef struct StunMsg StunMsg;

/* A cheap test for demultiplexing STUN from SIP on one port (RFC 5389 §8,
 * RFC 5626 §4.4.2): at least 20 bytes, first two bits 0, the magic cookie.
 * SIP starts with a letter and a keep-alive CRLF with 0x0D, so neither
 * passes.  Does not validate the rest. */
gboolean  stun_msg_looks_like_stun (const guint8 *data, gsize len);

/* For stream transports: the total length (20 + body) of the message at
 * the front of @data, or 0 and a GError if the header is invalid, or 0 and
 * STUN_ERROR_TOO_SHORT if fewer than 20 bytes have arrived. */
gsize     stun_msg_frame_length    (const guint8 *data, gsize len, GError **error);

/* Parses exactly one message filling [data, data+len).  Copies what it
 * keeps; @data may be freed afterwards.  NULL and @error on bad input. */
StunMsg  *stun_msg_parse           (const guint8 *data, gsize len, GError **error);
void      stun_msg_free            (StunMsg *msg);        /* NULL-safe */

guint16       stun_msg_get_type    (const StunMsg *msg);  /* 14-bit type */
StunClass     stun_msg_get_class   (const StunMsg *msg);
guint16       stun_msg_get_method  (const StunMsg *msg);  /* 12-bit method */
/* 12 bytes, valid as long as @msg. */
const guint8 *stun_msg_get_txid    (const StunMsg *msg);

/* The attributes kept, in order (see note 5: FINGERPRINT is not among
 * them).  @value points into @msg; TRUE while @index is in range. */
guint     stun_msg_get_n_attributes (const StunMsg *msg);
gboolean  stun_msg_get_attribute    (const StunMsg *msg, guint index, guint16 *type,
                                     const guint8 **value, gsize *len);
/* First occurrence of @type, or FALSE. */
gboolean  stun_msg_find_attribute   (const StunMsg *msg, guint16 type,
                                     const guint8 **value, gsize *len);

/* Decoded attributes: FALSE when absent. */
gboolean  stun_msg_get_xor_mapped_address (const StunMsg *msg, StunAddress *out);
gboolean  stun_msg_get_mapped_address     (const StunMsg *msg, StunAddress *out);
/* @code is class * 100 + number (300..699); @reason (may be NULL) is
 * NUL-terminated, valid as long as @msg, cut at any NUL it contained. */
gboolean  stun_msg_get_error_code  (const StunMsg *msg, guint *code, const char **reason);
/* NUL-terminated copy of SOFTWARE, or NULL; valid as long as @msg. */
const char *stun_msg_get_software  (const StunMsg *msg);
/* The types listed in an UNKNOWN-ATTRIBUTES attribute (a 420 response);
 * NULL and 0 when absent. */
const guint16 *stun_msg_get_unknown_attributes (const StunMsg *msg, guint *n);
/* Comprehension-required attribute types present that this codec does
 * not know (note 4), each once, in order of first appearance. */
const guint16 *stun_msg_get_unknown_required   (const StunMsg *msg, guint *n);
gboolean  stun_msg_has_fingerprint (const StunMsg *msg);   /* present, and verified */
gboolean  stun_msg_has_message_integrity (const StunMsg *msg);  /* present, not checked */

/* ------------------------------------------------------------- building */

typedef struct StunBuilder StunBuilder;

/* A message of @type (14 bits) with transaction id @txid (12 bytes,
 * copied).  Attributes go out in the order they are added. */
StunBuilder *stun_builder_new      (guint16 type, const guint8 txid[STUN_TXID_LEN]);
void         stun_builder_free     (StunBuilder *b);      /* NULL-safe */
/* Any attribute, padded with zero bytes to a multiple of 4; @value copied.
 * FINGERPRINT is added by stun_builder_end(), not here. */
void stun_builder_add_raw                (StunBuilder *b, guint16 type,
                                          const void *value, gsize len);
void stun_builder_add_xor_mapped_address (StunBuilder *b, const StunAddress *a);
void stun_builder_add_mapped_address     (StunBuilder *b, const StunAddress *a);
/* @code in 300..699; @reason (NULL: empty) at most STUN_MAX_TEXT_LEN bytes. */
void stun_builder_add_error_code         (StunBuilder *b, guint code, const char *reason);
void stun_builder_add_unknown_attributes (StunBuilder *b, const guint16 *types, guint n);
/* At most STUN_MAX_TEXT_LEN bytes. */
void stun_builder_add_software           (StunBuilder *b, const char *software);
/* The encoded message, with FINGERPRINT last if @fingerprint.  Frees @b.
 * Attributes that would make the body longer than STUN_MAX_BODY_LEN (with
 * the FINGERPRINT) are programming errors. */
GBytes *stun_builder_end                 (StunBuilder *b, gboolean fingerprint);

/* A Binding request with no attribute but SOFTWARE (if non-NULL) and
 * FINGERPRINT (if asked). */
GBytes *stun_binding_request_new (const guint8 txid[STUN_TXID_LEN], const char *software,
                                  gboolean fingerprint);

/* CRC-32 (ISO-HDLC, as zlib's crc32) of @len bytes: exposed for tests. */
guint32 stun_crc32 (const guint8 *data, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StunMsg, stun_msg_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StunBuilder, stun_builder_free)

G_END_DECLS
