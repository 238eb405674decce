/*
 * models/stun/msg.c - STUN message codec (RFC 5389 §6, §15).
 *
 * Notes
 *
 * 1. Wire layout (§6):
 *
 *     0                   1                   2                   3
 *    |0 0|     STUN Message Type     |         Message Length        |
 *    |                   Magic Cookie = 0x2112A442                   |
 *    |                Transaction ID (96 bits)                       |
 *    |  attributes: Type (16) | Length (16) | Value, padded to 4 ... |
 *
 *    The length counts the body only, never the 20-byte header, and is a
 *    multiple of 4 because every attribute is padded (§15).  An attribute's
 *    own length is that of its value before padding; padding bytes are
 *    ignored on receipt and written as zeros.
 *
 * 2. The parser copies the body once; attribute values point into that
 *    copy.  Known attributes are validated wherever they appear (before
 *    MESSAGE-INTEGRITY) and decoded on the first occurrence.
 *
 * 3. XOR (§15.2): the port is XORed with the top 16 bits of the cookie,
 *    an IPv4 address with the cookie, an IPv6 address with the cookie
 *    followed by the transaction id.  The same function encodes and
 *    decodes, since XOR is its own inverse.
 *
 * 4. FINGERPRINT (§15.5): CRC-32 (the ISO-HDLC polynomial of zlib and
 *    Ethernet) of the message up to, not including, the FINGERPRINT
 *    attribute, XOR 0x5354554E.  The header's length field at that moment
 *    already counts the FINGERPRINT attribute, which is the case both when
 *    verifying (it is last) and when building (the length is set first).
 *    The CRC is computed bit by bit: messages are small and a table would
 *    be global state or a 1 KB literal.
 */
#include "models/stun/msg.h"

#include "sim/net/bytes.h"

#include <string.h>

G_DEFINE_QUARK (stun-error-quark, stun_error)

typedef struct {
  guint16 type;
  guint16 len;
  guint32 off;        /* of the value, in msg->body */
} StunAttr;

struct StunMsg {
  guint16      type;
  guint8       txid[STUN_TXID_LEN];
  guint8      *body;
  gsize        body_len;
  GArray      *attrs;            /* StunAttr */

  gboolean     has_xor_mapped, has_mapped, has_error;
  StunAddress  xor_mapped, mapped;
  guint        error_code;
  char        *reason;
  char        *software;
  guint16     *unknown_attrs;    /* from UNKNOWN-ATTRIBUTES */
  guint        n_unknown_attrs;
  GArray      *unknown_required; /* guint16 */
  gboolean     fingerprint, integrity;
};

/* ------------------------------------------------------------- helpers */

static inline gsize
pad4 (gsize n)
{
  return (n + 3) & ~(gsize) 3;
}

guint32
stun_crc32 (const guint8 *data, gsize len)
{
  guint32 crc = 0xFFFFFFFFu;
  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  return crc ^ 0xFFFFFFFFu;
}

/* ------------------------------------------------------------ addresses */

void
stun_address_from_sockaddr (StunAddress *out, const SimSockAddr *sa)
{
  g_return_if_fail (out != NULL && sa != NULL);
  memset (out, 0, sizeof *out);
  out->family = STUN_FAMILY_IPV4;
  out->addr = *sa;
}

gboolean
stun_address_equal (const StunAddress *a, const StunAddress *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  if (a->family != b->family || a->addr.port != b->addr.port)
    return FALSE;
  if (a->family == STUN_FAMILY_IPV4)
    return a->addr.ip == b->addr.ip;
  return memcmp (a->ip6, b->ip6, 16) == 0;
}

const char *
stun_address_to_string (const StunAddress *a, char buf[STUN_ADDRESS_STRLEN])
{
  g_return_val_if_fail (a != NULL && buf != NULL, NULL);
  if (a->family == STUN_FAMILY_IPV4)
    {
      char ip[SIM_IP4_STRLEN];
      g_snprintf (buf, STUN_ADDRESS_STRLEN, "%s:%u", sim_ip4_to_string (a->addr.ip, ip),
                  a->addr.port);
      return buf;
    }
  /* RFC 5952 text form: lower case, no leading zeros, the longest run
   * (length >= 2) of zero groups as "::". */
  guint16 g[8];
  for (int i = 0; i < 8; i++)
    g[i] = sim_get_be16 (a->ip6 + 2 * i);
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;)
    {
      int j = i;
      while (j < 8 && g[j] == 0)
        j++;
      if (j - i > best_len)
        best = i, best_len = j - i;
      i = (j == i) ? i + 1 : j;
    }
  GString *s = g_string_sized_new (STUN_ADDRESS_STRLEN);
  g_string_append_c (s, '[');
  for (int i = 0; i < 8; i++)
    {
      if (i == best)
        {
          g_string_append (s, "::");
          i += best_len - 1;
          continue;
        }
      if (i > 0 && i != best + best_len)
        g_string_append_c (s, ':');
      g_string_append_printf (s, "%x", g[i]);
    }
  g_string_append_printf (s, "]:%u", a->addr.port);
  g_strlcpy (buf, s->str, STUN_ADDRESS_STRLEN);
  g_string_free (s, TRUE);
  return buf;
}

/* §15.2: an IPv6 address is XORed with the cookie followed by the
 * transaction id (its own inverse). */
static void
xor_ip6 (guint8 ip6[16], const guint8 txid[STUN_TXID_LEN])
{
  guint8 key[16];
  sim_put_be32 (key, STUN_MAGIC_COOKIE);
  memcpy (key + 4, txid, STUN_TXID_LEN);
  for (int i = 0; i < 16; i++)
    ip6[i] ^= key[i];
}

/* Decodes an address attribute value (§15.1 layout) into @out, undoing the
 * XOR of §15.2 when @xor.  FALSE if the value is malformed. */
static gboolean
decode_address (const guint8 *v, gsize len, gboolean xor, const guint8 txid[STUN_TXID_LEN],
                StunAddress *out)
{
  if (len < 4)
    return FALSE;
  memset (out, 0, sizeof *out);
  guint16 port = sim_get_be16 (v + 2);
  if (xor)
    port ^= (guint16) (STUN_MAGIC_COOKIE >> 16);
  out->addr.port = port;
  switch (v[1])
    {
    case STUN_FAMILY_IPV4:
      if (len != 8)
        return FALSE;
      out->family = STUN_FAMILY_IPV4;
      out->addr.ip = sim_get_be32 (v + 4) ^ (xor ? STUN_MAGIC_COOKIE : 0u);
      return TRUE;
    case STUN_FAMILY_IPV6:
      if (len != 20)
        return FALSE;
      out->family = STUN_FAMILY_IPV6;
      memcpy (out->ip6, v + 4, 16);
      if (xor)
        xor_ip6 (out->ip6, txid);
      return TRUE;
    default:
      return FALSE;
    }
}

/* Encodes @a as an address attribute value into @v (8 or 20 bytes);
 * returns the length. */
static gsize
encode_address (guint8 v[20], const StunAddress *a, gboolean xor,
                const guint8 txid[STUN_TXID_LEN])
{
  v[0] = 0;
  v[1] = (guint8) a->family;
  sim_put_be16 (v + 2, a->addr.port ^ (xor ? (guint16) (STUN_MAGIC_COOKIE >> 16) : 0));
  if (a->family == STUN_FAMILY_IPV4)
    {
      sim_put_be32 (v + 4, a->addr.ip ^ (xor ? STUN_MAGIC_COOKIE : 0u));
      return 8;
    }
  memcpy (v + 4, a->ip6, 16);
  if (xor)
    xor_ip6 (v + 4, txid);
  return 20;
}

/* -------------------------------------------------------------- parsing */

static gboolean
header_ok (const guint8 *data, gsize len, GError **error)
{
  if (len < STUN_HEADER_LEN)
    {
      g_set_error (error, STUN_ERROR, STUN_ERROR_TOO_SHORT,
                   "%" G_GSIZE_FORMAT " bytes: a STUN header is 20", len);
      return FALSE;
    }
  if ((data[0] & 0xC0) != 0)
    {
      g_set_error (error, STUN_ERROR, STUN_ERROR_BAD_HEADER,
                   "first two bits are %u, not 0", data[0] >> 6);
      return FALSE;
    }
  if (sim_get_be32 (data + 4) != STUN_MAGIC_COOKIE)
    {
      g_set_error (error, STUN_ERROR, STUN_ERROR_BAD_COOKIE,
                   "magic cookie 0x%08x, not 0x2112a442", sim_get_be32 (data + 4));
      return FALSE;
    }
  if ((sim_get_be16 (data + 2) & 3) != 0)
    {
      g_set_error (error, STUN_ERROR, STUN_ERROR_LENGTH,
                   "length %u is not a multiple of 4", sim_get_be16 (data + 2));
      return FALSE;
    }
  return TRUE;
}

gboolean
stun_msg_looks_like_stun (const guint8 *data, gsize len)
{
  return data != NULL && len >= STUN_HEADER_LEN && (data[0] & 0xC0) == 0
         && sim_get_be32 (data + 4) == STUN_MAGIC_COOKIE;
}

gsize
stun_msg_frame_length (const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, 0);
  if (!header_ok (data, len, error))
    return 0;
  return STUN_HEADER_LEN + sim_get_be16 (data + 2);
}

static gboolean
is_known (guint16 type)
{
  switch (type)
    {
    case STUN_ATTR_MAPPED_ADDRESS:
    case STUN_ATTR_USERNAME:
    case STUN_ATTR_MESSAGE_INTEGRITY:
    case STUN_ATTR_ERROR_CODE:
    case STUN_ATTR_UNKNOWN_ATTRIBUTES:
    case STUN_ATTR_REALM:
    case STUN_ATTR_NONCE:
    case STUN_ATTR_XOR_MAPPED_ADDRESS:
    case STUN_ATTR_SOFTWARE:
    case STUN_ATTR_ALTERNATE_SERVER:
    case STUN_ATTR_FINGERPRINT:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
bad_attr (GError **error, guint16 type, gsize off, const char *what)
{
  g_set_error (error, STUN_ERROR, STUN_ERROR_BAD_ATTRIBUTE,
               "attribute 0x%04x at offset %" G_GSIZE_FORMAT ": %s", type, off, what);
  return FALSE;
}

/* Validates and, on first occurrence, decodes one known attribute. */
static gboolean
take_attribute (StunMsg *msg, guint16 type, const guint8 *v, gsize len, gsize off,
                GError **error)
{
  StunAddress addr;
  switch (type)
    {
    case STUN_ATTR_XOR_MAPPED_ADDRESS:
      if (!decode_address (v, len, TRUE, msg->txid, &addr))
        return bad_attr (error, type, off, "not an IPv4 (8-byte) or IPv6 (20-byte) address");
      if (!msg->has_xor_mapped)
        msg->xor_mapped = addr, msg->has_xor_mapped = TRUE;
      return TRUE;
    case STUN_ATTR_MAPPED_ADDRESS:
    case STUN_ATTR_ALTERNATE_SERVER:
      if (!decode_address (v, len, FALSE, msg->txid, &addr))
        return bad_attr (error, type, off, "not an IPv4 (8-byte) or IPv6 (20-byte) address");
      if (type == STUN_ATTR_MAPPED_ADDRESS && !msg->has_mapped)
        msg->mapped = addr, msg->has_mapped = TRUE;
      return TRUE;
    case STUN_ATTR_ERROR_CODE:
      {
        /* §15.6: 21 reserved bits, a 3-bit class 3..6, a number 0..99. */
        if (len < 4)
          return bad_attr (error, type, off, "ERROR-CODE shorter than 4 bytes");
        guint cls = v[2] & 7, number = v[3];
        if (cls < 3 || cls > 6 || number > 99)
          return bad_attr (error, type, off, "ERROR-CODE class not 3..6 or number > 99");
        if (!msg->has_error)
          {
            msg->has_error = TRUE;
            msg->error_code = cls * 100 + number;
            msg->reason = g_strndup ((const char *) v + 4, len - 4);
          }
        return TRUE;
      }
    case STUN_ATTR_UNKNOWN_ATTRIBUTES:
      if (len % 2 != 0)
        return bad_attr (error, type, off, "UNKNOWN-ATTRIBUTES of odd length");
      if (msg->unknown_attrs == NULL)
        {
          msg->n_unknown_attrs = (guint) (len / 2);
          msg->unknown_attrs = g_new (guint16, msg->n_unknown_attrs + 1);
          for (guint i = 0; i < msg->n_unknown_attrs; i++)
            msg->unknown_attrs[i] = sim_get_be16 (v + 2 * i);
        }
      return TRUE;
    case STUN_ATTR_SOFTWARE:
      if (msg->software == NULL)
        msg->software = g_strndup ((const char *) v, len);
      return TRUE;
    case STUN_ATTR_MESSAGE_INTEGRITY:
      if (len != 20)
        return bad_attr (error, type, off, "MESSAGE-INTEGRITY is not 20 bytes");
      return TRUE;
    default:
      return TRUE;
    }
}

StunMsg *
stun_msg_parse (const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!header_ok (data, len, error))
    return NULL;
  gsize body_len = sim_get_be16 (data + 2);
  if (STUN_HEADER_LEN + body_len != len)
    {
      g_set_error (error, STUN_ERROR, STUN_ERROR_LENGTH,
                   "length field says %" G_GSIZE_FORMAT " body bytes, %" G_GSIZE_FORMAT
                   " follow the header", body_len, len - STUN_HEADER_LEN);
      return NULL;
    }

  g_autoptr (StunMsg) msg = g_new0 (StunMsg, 1);
  msg->type = sim_get_be16 (data) & 0x3FFF;
  memcpy (msg->txid, data + 8, STUN_TXID_LEN);
  msg->body = g_memdup2 (data + STUN_HEADER_LEN, body_len);
  msg->body_len = body_len;
  msg->attrs = g_array_new (FALSE, FALSE, sizeof (StunAttr));

  const guint8 *body = msg->body;
  g_autofree guint8 *seen_unknown = NULL;   /* bitmap over 0x0000-0x7FFF, lazily */
  gboolean after_integrity = FALSE;
  gsize off = 0;
  while (off < body_len)
    {
      if (body_len - off < 4)
        {
          bad_attr (error, 0, off, "truncated attribute header");
          return NULL;
        }
      guint16 type = sim_get_be16 (body + off);
      gsize alen = sim_get_be16 (body + off + 2);
      gsize voff = off + 4;
      if (pad4 (alen) > body_len - voff)
        {
          bad_attr (error, type, off, "value runs past the end of the message");
          return NULL;
        }
      const guint8 *v = body + voff;

      if (type == STUN_ATTR_FINGERPRINT)
        {
          if (alen != 4)
            {
              bad_attr (error, type, off, "FINGERPRINT is not 4 bytes");
              return NULL;
            }
          if (voff + 4 != body_len)
            {
              g_set_error (error, STUN_ERROR, STUN_ERROR_BAD_FINGERPRINT,
                           "FINGERPRINT at offset %" G_GSIZE_FORMAT " is not the last attribute",
                           off);
              return NULL;
            }
          guint32 want = stun_crc32 (data, STUN_HEADER_LEN + off) ^ STUN_FINGERPRINT_XOR;
          if (sim_get_be32 (v) != want)
            {
              g_set_error (error, STUN_ERROR, STUN_ERROR_BAD_FINGERPRINT,
                           "FINGERPRINT 0x%08x, the message gives 0x%08x", sim_get_be32 (v), want);
              return NULL;
            }
          msg->fingerprint = TRUE;
        }
      else if (!after_integrity)
        {
          if (!take_attribute (msg, type, v, alen, off, error))
            return NULL;
          StunAttr a = { type, (guint16) alen, (guint32) voff };
          g_array_append_val (msg->attrs, a);
          if (STUN_ATTR_IS_COMPREHENSION_REQUIRED (type) && !is_known (type))
            {
              if (seen_unknown == NULL)
                {
                  seen_unknown = g_malloc0 (0x8000 / 8);
                  msg->unknown_required = g_array_new (FALSE, FALSE, sizeof (guint16));
                }
              if (!(seen_unknown[type >> 3] & (1u << (type & 7))))
                {
                  seen_unknown[type >> 3] |= (guint8) (1u << (type & 7));
                  g_array_append_val (msg->unknown_required, type);
                }
            }
          if (type == STUN_ATTR_MESSAGE_INTEGRITY)
            {
              /* §15.4: only FINGERPRINT may follow; anything else is ignored. */
              msg->integrity = TRUE;
              after_integrity = TRUE;
            }
        }
      off = voff + pad4 (alen);
    }
  return g_steal_pointer (&msg);
}

void
stun_msg_free (StunMsg *msg)
{
  if (msg == NULL)
    return;
  g_free (msg->body);
  if (msg->attrs)
    g_array_unref (msg->attrs);
  if (msg->unknown_required)
    g_array_unref (msg->unknown_required);
  g_free (msg->reason);
  g_free (msg->software);
  g_free (msg->unknown_attrs);
  g_free (msg);
}

guint16
stun_msg_get_type (const StunMsg *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->type;
}

StunClass
stun_msg_get_class (const StunMsg *msg)
{
  g_return_val_if_fail (msg != NULL, STUN_CLASS_REQUEST);
  /* §6: C1 is bit 8, C0 bit 4 of the type. */
  return (StunClass) (((msg->type >> 7) & 2) | ((msg->type >> 4) & 1));
}

guint16
stun_msg_get_method (const StunMsg *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  guint16 t = msg->type;
  /* §6: M0-M3 in bits 0-3, M4-M6 in bits 5-7, M7-M11 in bits 9-13. */
  return (guint16) ((t & 0x000F) | ((t & 0x00E0) >> 1) | ((t & 0x3E00) >> 2));
}

const guint8 *
stun_msg_get_txid (const StunMsg *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return msg->txid;
}

guint
stun_msg_get_n_attributes (const StunMsg *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->attrs->len;
}

gboolean
stun_msg_get_attribute (const StunMsg *msg, guint index, guint16 *type,
                        const guint8 **value, gsize *len)
{
  g_return_val_if_fail (msg != NULL, FALSE);
  if (index >= msg->attrs->len)
    return FALSE;
  const StunAttr *a = &g_array_index (msg->attrs, StunAttr, index);
  if (type)
    *type = a->type;
  if (value)
    *value = msg->body + a->off;
  if (len)
    *len = a->len;
  return TRUE;
}

gboolean
stun_msg_find_attribute (const StunMsg *msg, guint16 type, const guint8 **value, gsize *len)
{
  g_return_val_if_fail (msg != NULL, FALSE);
  for (guint i = 0; i < msg->attrs->len; i++)
    if (g_array_index (msg->attrs, StunAttr, i).type == type)
      return stun_msg_get_attribute (msg, i, NULL, value, len);
  return FALSE;
}

gboolean
stun_msg_get_xor_mapped_address (const StunMsg *msg, StunAddress *out)
{
  g_return_val_if_fail (msg != NULL && out != NULL, FALSE);
  if (msg->has_xor_mapped)
    *out = msg->xor_mapped;
  return msg->has_xor_mapped;
}

gboolean
stun_msg_get_mapped_address (const StunMsg *msg, StunAddress *out)
{
  g_return_val_if_fail (msg != NULL && out != NULL, FALSE);
  if (msg->has_mapped)
    *out = msg->mapped;
  return msg->has_mapped;
}

gboolean
stun_msg_get_error_code (const StunMsg *msg, guint *code, const char **reason)
{
  g_return_val_if_fail (msg != NULL, FALSE);
  if (!msg->has_error)
    return FALSE;
  if (code)
    *code = msg->error_code;
  if (reason)
    *reason = msg->reason;
  return TRUE;
}

const char *
stun_msg_get_software (const StunMsg *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return msg->software;
}

const guint16 *
stun_msg_get_unknown_attributes (const StunMsg *msg, guint *n)
{
  g_return_val_if_fail (msg != NULL, NULL);
  if (n)
    *n = msg->n_unknown_attrs;
  return msg->unknown_attrs;
}

const guint16 *
stun_msg_get_unknown_required (const StunMsg *msg, guint *n)
{
  g_return_val_if_fail (msg != NULL, NULL);
  guint count = msg->unknown_required ? msg->unknown_required->len : 0;
  if (n)
    *n = count;
  return count ? (const guint16 *) (gconstpointer) msg->unknown_required->data : NULL;
}

gboolean
stun_msg_has_fingerprint (const StunMsg *msg)
{
  g_return_val_if_fail (msg != NULL, FALSE);
  return msg->fingerprint;
}

gboolean
stun_msg_has_message_integrity (const StunMsg *msg)
{
  g_return_val_if_fail (msg != NULL, FALSE);
  return msg->integrity;
}

/* ------------------------------------------------------------- building */

struct StunBuilder {
  GByteArray *buf;
};

StunBuilder *
stun_builder_new (guint16 type, const guint8 txid[STUN_TXID_LEN])
{
  g_return_val_if_fail (type < 0x4000, NULL);
  g_return_val_if_fail (txid != NULL, NULL);
  StunBuilder *b = g_new0 (StunBuilder, 1);
  b->buf = g_byte_array_sized_new (128);
  guint8 hdr[STUN_HEADER_LEN];
  sim_put_be16 (hdr, type);
  sim_put_be16 (hdr + 2, 0);
  sim_put_be32 (hdr + 4, STUN_MAGIC_COOKIE);
  memcpy (hdr + 8, txid, STUN_TXID_LEN);
  g_byte_array_append (b->buf, hdr, sizeof hdr);
  return b;
}

void
stun_builder_free (StunBuilder *b)
{
  if (b == NULL)
    return;
  g_byte_array_unref (b->buf);
  g_free (b);
}

void
stun_builder_add_raw (StunBuilder *b, guint16 type, const void *value, gsize len)
{
  g_return_if_fail (b != NULL);
  g_return_if_fail (value != NULL || len == 0);
  g_return_if_fail (type != STUN_ATTR_FINGERPRINT);
  g_return_if_fail (len <= G_MAXUINT16);
  g_return_if_fail (b->buf->len - STUN_HEADER_LEN + 4 + pad4 (len) <= STUN_MAX_BODY_LEN);
  guint8 hdr[4];
  sim_put_be16 (hdr, type);
  sim_put_be16 (hdr + 2, (guint16) len);
  g_byte_array_append (b->buf, hdr, 4);
  if (len)
    g_byte_array_append (b->buf, value, (guint) len);
  static const guint8 zeros[3] = { 0, 0, 0 };
  g_byte_array_append (b->buf, zeros, (guint) (pad4 (len) - len));
}

static void
add_address (StunBuilder *b, guint16 type, const StunAddress *a, gboolean xor)
{
  g_return_if_fail (b != NULL && a != NULL);
  g_return_if_fail (a->family == STUN_FAMILY_IPV4 || a->family == STUN_FAMILY_IPV6);
  guint8 v[20];
  gsize len = encode_address (v, a, xor, b->buf->data + 8);
  stun_builder_add_raw (b, type, v, len);
}

void
stun_builder_add_xor_mapped_address (StunBuilder *b, const StunAddress *a)
{
  add_address (b, STUN_ATTR_XOR_MAPPED_ADDRESS, a, TRUE);
}

void
stun_builder_add_mapped_address (StunBuilder *b, const StunAddress *a)
{
  add_address (b, STUN_ATTR_MAPPED_ADDRESS, a, FALSE);
}

void
stun_builder_add_error_code (StunBuilder *b, guint code, const char *reason)
{
  g_return_if_fail (b != NULL);
  g_return_if_fail (code >= 300 && code <= 699);
  gsize rlen = reason ? strlen (reason) : 0;
  g_return_if_fail (rlen <= STUN_MAX_TEXT_LEN);
  guint8 v[4 + STUN_MAX_TEXT_LEN];
  v[0] = v[1] = 0;
  v[2] = (guint8) (code / 100);
  v[3] = (guint8) (code % 100);
  if (rlen)
    memcpy (v + 4, reason, rlen);
  stun_builder_add_raw (b, STUN_ATTR_ERROR_CODE, v, 4 + rlen);
}

void
stun_builder_add_unknown_attributes (StunBuilder *b, const guint16 *types, guint n)
{
  g_return_if_fail (b != NULL && (types != NULL || n == 0));
  g_return_if_fail (n <= G_MAXUINT16 / 2);
  g_autofree guint8 *v = g_malloc (2 * (gsize) n + 1);
  for (guint i = 0; i < n; i++)
    sim_put_be16 (v + 2 * i, types[i]);
  stun_builder_add_raw (b, STUN_ATTR_UNKNOWN_ATTRIBUTES, v, 2 * (gsize) n);
}

void
stun_builder_add_software (StunBuilder *b, const char *software)
{
  g_return_if_fail (b != NULL && software != NULL);
  gsize len = strlen (software);
  g_return_if_fail (len <= STUN_MAX_TEXT_LEN);
  stun_builder_add_raw (b, STUN_ATTR_SOFTWARE, software, len);
}

GBytes *
stun_builder_end (StunBuilder *b, gboolean fingerprint)
{
  g_return_val_if_fail (b != NULL, NULL);
  GByteArray *buf = b->buf;
  gsize body = buf->len - STUN_HEADER_LEN;
  if (fingerprint && body + 8 > STUN_MAX_BODY_LEN)
    {
      g_critical ("%s: no room for FINGERPRINT after %" G_GSIZE_FORMAT " body bytes",
                  G_STRFUNC, body);
      stun_builder_free (b);
      return NULL;
    }
  if (fingerprint)
    {
      /* The length counts the FINGERPRINT before the CRC is taken (note 4). */
      sim_put_be16 (buf->data + 2, (guint16) (body + 8));
      guint8 attr[8];
      sim_put_be16 (attr, STUN_ATTR_FINGERPRINT);
      sim_put_be16 (attr + 2, 4);
      sim_put_be32 (attr + 4, stun_crc32 (buf->data, buf->len) ^ STUN_FINGERPRINT_XOR);
      g_byte_array_append (buf, attr, 8);
    }
  else
    sim_put_be16 (buf->data + 2, (guint16) body);
  b->buf = NULL;
  g_free (b);
  return g_byte_array_free_to_bytes (buf);
}

GBytes *
stun_binding_request_new (const guint8 txid[STUN_TXID_LEN], const char *software,
                          gboolean fingerprint)
{
  g_return_val_if_fail (txid != NULL, NULL);
  StunBuilder *b = stun_builder_new (STUN_BINDING_REQUEST, txid);
  if (software)
    stun_builder_add_software (b, software);
  return stun_builder_end (b, fingerprint);
}
