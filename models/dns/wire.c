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

/* Appends @name as labels; FALSE if a label is empty or over 63 octets,
 * or the name over 255. */
static gboolean
put_name (GByteArray *out, const char *name, GError **error)
{
  gsize n = strlen (name);
  if (n == 0)
    {
      g_byte_array_append (out, (const guint8 *) "", 1);
      return TRUE;
    }
  if (n + 2 > DNS_NAME_MAX)
    {
      g_set_error (error, DNS_ERROR, DNS_ERROR_BAD_NAME, "name \"%.40s...\" longer than 255 octets", name);
      return FALSE;
    }
  const char *s = name;
  for (;;)
    {
      const char *dot = strchr (s, '.');
      gsize l = dot ? (gsize) (dot - s) : strlen (s);
      if (l == 0 || l > 63)
        {
          g_set_error (error, DNS_ERROR, DNS_ERROR_BAD_NAME,
                       "label of %" G_GSIZE_FORMAT " octets in \"%s\"", l, name);
          return FALSE;
        }
      guint8 lb = (guint8) l;
      g_byte_array_append (out, &lb, 1);
      g_byte_array_append (out, (const guint8 *) s, (guint) l);
      if (!dot)
        break;
      s = dot + 1;
    }
  g_byte_array_append (out, (const guint8 *) "", 1);
  return TRUE;
}

static void
put16 (GByteArray *out, guint16 v)
{
  guint8 b[2];
  sim_put_be16 (b, v);
  g_byte_array_append (out, b, 2);
}

static void
put32 (GByteArray *out, guint32 v)
{
  guint8 b[4];
  sim_put_be32 (b, v);
  g_byte_array_append (out, b, 4);
}

static void
put_header (GByteArray *out, guint16 id, guint8 b2, guint8 b3, guint16 an)
{
  put16 (out, id);
  g_byte_array_append (out, &b2, 1);
  g_byte_array_append (out, &b3, 1);
  put16 (out, 1);    /* QDCOUNT */
  put16 (out, an);   /* ANCOUNT */
  put16 (out, 0);    /* NSCOUNT */
  put16 (out, 0);    /* ARCOUNT */
}

gboolean
dns_query_encode (const DnsQuery *q, GByteArray *out, GError **error)
{
  g_return_val_if_fail (q != NULL && out != NULL, FALSE);
  guint start = out->len;
  put_header (out, q->id, (guint8) (((q->opcode & 0x0f) << 3) | (q->rd ? 1 : 0)), 0, 0);
  if (!put_name (out, q->qname, error))
    {
      g_byte_array_set_size (out, start);
      return FALSE;
    }
  put16 (out, q->qtype);
  put16 (out, q->qclass);
  return TRUE;
}

gboolean
dns_answer_encode (const DnsQuery *q, guint rcode, const DnsRr *rrs, guint n,
                   GByteArray *out, GError **error)
{
  g_return_val_if_fail (q != NULL && out != NULL, FALSE);
  g_return_val_if_fail (rrs != NULL || n == 0, FALSE);
  g_return_val_if_fail (rcode <= 15 && n <= G_MAXUINT16, FALSE);
  guint start = out->len;
  /* QR = 1, OPCODE echoed, AA = 1 (§4.1.1: we are the authority), RD copied */
  guint8 b2 = (guint8) (0x80 | ((q->opcode & 0x0f) << 3) | 0x04 | (q->rd ? 1 : 0));
  put_header (out, q->id, b2, (guint8) rcode, (guint16) n);
  if (!put_name (out, q->qname, error))
    goto fail;
  put16 (out, q->qtype);
  put16 (out, q->qclass);
  for (guint i = 0; i < n; i++)
    {
      const DnsRr *rr = &rrs[i];
      put16 (out, 0xc000 | HDR_LEN);   /* owner = the question's name (§4.1.4) */
      put16 (out, rr->type);
      put16 (out, DNS_CLASS_IN);
      put32 (out, rr->ttl_s);
      if (rr->type == DNS_TYPE_A)
        {
          put16 (out, 4);
          put32 (out, rr->ip);
        }
      else if (rr->type == DNS_TYPE_SRV)
        {
          guint len_at = out->len;
          put16 (out, 0);
          put16 (out, rr->priority);
          put16 (out, rr->weight);
          put16 (out, rr->port);
          if (!put_name (out, rr->target ? rr->target : "", error))
            goto fail;
          sim_put_be16 (out->data + len_at, (guint16) (out->len - len_at - 2));
        }
      else
        g_return_val_if_reached (FALSE);
    }
  if (out->len - start > DNS_UDP_MAX)
    {
      /* §4.2.1: a longer answer would set TC and make the client retry over
       * TCP, which this model does not serve. */
      g_set_error (error, DNS_ERROR, DNS_ERROR_TOO_LARGE, "answer of %u bytes > 512",
                   out->len - start);
      goto fail;
    }
  return TRUE;

fail:
  g_byte_array_set_size (out, start);
  return FALSE;
}

gboolean
dns_name_equal (const char *a, const char *b)
{
  return g_ascii_strcasecmp (a, b) == 0;
}
