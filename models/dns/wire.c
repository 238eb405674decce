/*
 * models/dns/wire.c - DNS query parser and query/answer writer (RFC 1035).
 *
 * Header layout (§4.1.1), 12 bytes:
 *   ID(16) | QR(1) OPCODE(4) AA(1) TC(1) RD(1) RA(1) Z(3) RCODE(4) |
 *   QDCOUNT(16) | ANCOUNT(16) | NSCOUNT(16) | ARCOUNT(16)
 * then the question (§4.1.2): QNAME, QTYPE(16), QCLASS(16).
 * Resource records (§4.1.3): NAME, TYPE, CLASS, TTL(32), RDLENGTH, RDATA.
 */
#include <string.h>

#include "models/dns/wire.h"
#include "sim/net/bytes.h"

G_DEFINE_QUARK (dns-error-quark, dns_error)

#define HDR_LEN 12

/* Reads the question name at @p.  Every read is checked against @end. */
static gboolean
parse_name (const guint8 **pp, const guint8 *end, char *out, GError **error)
{
  const guint8 *p = *pp;
  gsize wire = 0, o = 0;
  for (;;)
    {
      if (p >= end)
        {
          g_set_error (error, DNS_ERROR, DNS_ERROR_TRUNCATED, "question name runs past the end");
          return FALSE;
        }
      guint8 l = *p++;
      wire++;
      if (l == 0)
        break;
      if ((l & 0xc0) != 0)
        {
          /* 11: a pointer (§4.1.4); 01 and 10: reserved label types */
          g_set_error (error, DNS_ERROR, DNS_ERROR_BAD_NAME,
                       "label type 0x%02x in the question (pointers are not accepted there)", l & 0xc0);
          return FALSE;
        }
      if ((gsize) (end - p) < l)
        {
          g_set_error (error, DNS_ERROR, DNS_ERROR_TRUNCATED, "label runs past the end");
          return FALSE;
        }
      wire += l;
      if (wire + 1 > DNS_NAME_MAX)   /* + the root's zero octet */
        {
          g_set_error (error, DNS_ERROR, DNS_ERROR_BAD_NAME, "name longer than 255 octets");
          return FALSE;
        }
      if (o > 0)
        out[o++] = '.';
      for (guint i = 0; i < l; i++)
        {
          guint8 c = p[i];
          if (c < 0x21 || c > 0x7e || c == '.')
            {
              g_set_error (error, DNS_ERROR, DNS_ERROR_BAD_NAME, "label byte 0x%02x", c);
              return FALSE;
            }
          out[o++] = (char) c;
        }
      p += l;
    }
  /* wire <= 255 bounds o: o <= wire - 2 < DNS_TEXT_MAX + 1 */
  out[o] = '\0';
  *pp = p;
  return TRUE;
}

gboolean
dns_query_parse (const guint8 *data, gsize len, DnsQuery *out, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  if (len < HDR_LEN)
    {
      g_set_error (error, DNS_ERROR, DNS_ERROR_TRUNCATED, "%" G_GSIZE_FORMAT " bytes, header is 12", len);
      return FALSE;
    }
  memset (out, 0, sizeof *out);
  out->id = sim_get_be16 (data);
  guint8 b2 = data[2];
  if (b2 & 0x80)
    {
      g_set_error (error, DNS_ERROR, DNS_ERROR_NOT_QUERY, "QR is 1 (a response)");
      return FALSE;
    }
  out->opcode = (b2 >> 3) & 0x0f;
  out->rd = (b2 & 0x01) != 0;
  guint16 qd = sim_get_be16 (data + 4);
  if (qd != 1)
    {
      g_set_error (error, DNS_ERROR, DNS_ERROR_QDCOUNT, "QDCOUNT %u, expected 1", qd);
      return FALSE;
    }
  const guint8 *p = data + HDR_LEN, *end = data + len;
  if (!parse_name (&p, end, out->qname, error))
    return FALSE;
  if (end - p < 4)
    {
      g_set_error (error, DNS_ERROR, DNS_ERROR_TRUNCATED, "question ends before QTYPE/QCLASS");
      return FALSE;
    }
  out->qtype = sim_get_be16 (p);
  out->qclass = sim_get_be16 (p + 2);
  return TRUE;
}

/* Encoding.  A query or an answer is assembled in a local buffer and
 * appended to @out in one call: g_byte_array_append per field cost about
 * 100 instructions a byte or two, and an answer three thousand
 * (doc/performance.md, "Kernel, network and host instructions"); one
 * append per piece still cost about 800 an answer (issue 17). */

/* The wire form of a dotted name (§3.1) into @wire (at least
 * DNS_NAME_MAX bytes); returns its length, or 0 with @error set if a label
 * is empty or over 63 octets or the name over 255. */
static gsize
encode_name (guint8 *wire, const char *name, GError **error)
{
  gsize n = strlen (name);
  if (n == 0)
    {
      wire[0] = 0;
      return 1;
    }
  if (n + 2 > DNS_NAME_MAX)
    {
      g_set_error (error, DNS_ERROR, DNS_ERROR_BAD_NAME, "name \"%.40s...\" longer than 255 octets", name);
      return 0;
    }
  gsize o = 0;
  const char *s = name;
  for (;;)
    {
      const char *dot = strchr (s, '.');
      gsize l = dot ? (gsize) (dot - s) : strlen (s);
      if (l == 0 || l > 63)
        {
          g_set_error (error, DNS_ERROR, DNS_ERROR_BAD_NAME,
                       "label of %" G_GSIZE_FORMAT " octets in \"%s\"", l, name);
          return 0;
        }
      wire[o++] = (guint8) l;
      memcpy (wire + o, s, l);
      o += l;
      if (!dot)
        break;
      s = dot + 1;
    }
  wire[o++] = 0;            /* n + 2 <= 255 bounds o */
  return o;
}

static void
header_into (guint8 *h, guint16 id, guint8 b2, guint8 b3, guint16 an)
{
  sim_put_be16 (h, id);
  h[2] = b2;
  h[3] = b3;
  sim_put_be16 (h + 4, 1);    /* QDCOUNT */
  sim_put_be16 (h + 6, an);   /* ANCOUNT */
  sim_put_be16 (h + 8, 0);    /* NSCOUNT */
  sim_put_be16 (h + 10, 0);   /* ARCOUNT */
}

/* The question's name, type and class into @b (DNS_NAME_MAX + 4 bytes);
 * its length, or 0 with @error set. */
static gsize
question_into (guint8 *b, const DnsQuery *q, GError **error)
{
  gsize n = encode_name (b, q->qname, error);
  if (n == 0)
    return 0;
  sim_put_be16 (b + n, q->qtype);
  sim_put_be16 (b + n + 2, q->qclass);
  return n + 4;
}

gboolean
dns_query_encode (const DnsQuery *q, GByteArray *out, GError **error)
{
  g_return_val_if_fail (q != NULL && out != NULL, FALSE);
  guint8 b[HDR_LEN + DNS_NAME_MAX + 4];
  header_into (b, q->id, (guint8) (((q->opcode & 0x0f) << 3) | (q->rd ? 1 : 0)), 0, 0);
  gsize n = question_into (b + HDR_LEN, q, error);
  if (n == 0)
    return FALSE;
  g_byte_array_append (out, b, (guint) (HDR_LEN + n));
  return TRUE;
}

/* Longest resource record written here: owner pointer, type, class, TTL,
 * RDLENGTH, then an SRV's priority, weight, port and target. */
#define RR_MAX (18 + DNS_NAME_MAX)

gboolean
dns_answer_encode (const DnsQuery *q, guint rcode, const DnsRr *rrs, guint n,
                   GByteArray *out, GError **error)
{
  g_return_val_if_fail (q != NULL && out != NULL, FALSE);
  g_return_val_if_fail (rrs != NULL || n == 0, FALSE);
  g_return_val_if_fail (rcode <= 15 && n <= G_MAXUINT16, FALSE);
  /* The whole answer is assembled in @buf and appended in one call.  A
   * record starting past DNS_UDP_MAX is written to @spill instead: it is
   * only measured (and its name checked), the answer being refused
   * anyway, so every error is the one writing it all would give. */
  guint8 buf[DNS_UDP_MAX + RR_MAX], spill[RR_MAX];
  /* QR = 1, OPCODE echoed, AA = 1 (§4.1.1: we are the authority), RD copied */
  guint8 b2 = (guint8) (0x80 | ((q->opcode & 0x0f) << 3) | 0x04 | (q->rd ? 1 : 0));
  header_into (buf, q->id, b2, (guint8) rcode, (guint16) n);
  gsize len = question_into (buf + HDR_LEN, q, error);
  if (len == 0)
    return FALSE;
  len += HDR_LEN;
  for (guint i = 0; i < n; i++)
    {
      const DnsRr *rr = &rrs[i];
      /* Owner, type, class, TTL, RDLENGTH, then RDATA. */
      guint8 *b = len <= DNS_UDP_MAX ? buf + len : spill;
      sim_put_be16 (b, 0xc000 | HDR_LEN);   /* owner = the question's name (§4.1.4) */
      sim_put_be16 (b + 2, rr->type);
      sim_put_be16 (b + 4, DNS_CLASS_IN);
      sim_put_be32 (b + 6, rr->ttl_s);
      if (rr->type == DNS_TYPE_A)
        {
          sim_put_be16 (b + 10, 4);
          sim_put_be32 (b + 12, rr->ip);
          len += 16;
        }
      else if (rr->type == DNS_TYPE_SRV)
        {
          sim_put_be16 (b + 12, rr->priority);
          sim_put_be16 (b + 14, rr->weight);
          sim_put_be16 (b + 16, rr->port);
          gsize nl = encode_name (b + 18, rr->target ? rr->target : "", error);
          if (nl == 0)
            return FALSE;
          sim_put_be16 (b + 10, (guint16) (6 + nl));
          len += 18 + nl;
        }
      else
        g_return_val_if_reached (FALSE);
    }
  if (len > DNS_UDP_MAX)
    {
      /* §4.2.1: a longer answer would set TC and make the client retry over
       * TCP, which this model does not serve. */
      g_set_error (error, DNS_ERROR, DNS_ERROR_TOO_LARGE, "answer of %u bytes > 512",
                   (guint) len);
      return FALSE;
    }
  g_byte_array_append (out, buf, (guint) len);
  return TRUE;
}

gboolean
dns_name_equal (const char *a, const char *b)
{
  return g_ascii_strcasecmp (a, b) == 0;
}
