/*
 * models/dns/wire.h - the DNS message format (RFC 1035 §4) as far as an
 * authoritative server for A and SRV records needs it: parse a query,
 * write a query (tests, fuzz round trip) and write an answer.
 *
 * Notes:
 *  - The parser reads only [data, data+len) and accepts exactly what a stub
 *    resolver sends (c-ares, glibc): QR = 0, QDCOUNT = 1, a question name of
 *    uncompressed labels.  Answer, authority and additional records (EDNS0
 *    OPT, RFC 6891 §6.1.1) are not read: RFC 1035 §4.1.2 questions come
 *    first, and a server answers from the question alone.
 *  - Names are kept as text, labels joined by '.', without the root dot and
 *    with their case as received (echoed back unchanged in the answer's
 *    question section, which c-ares compares with its own).  A label holding
 *    '.', NUL or a byte outside 0x21..0x7e cannot be written back as the
 *    same text, so it is refused (modelling choice: real servers accept
 *    binary labels; stub resolvers for SIP never send them).
 *  - Compression pointers in the question are refused: RFC 1035 §4.1.4
 *    permits them but no stub resolver compresses a one-question query
 *    (modelling choice).  Answers compress their owner names with one
 *    pointer to the question (offset 12, §4.1.4); SRV targets are never
 *    compressed (RFC 2782, "Target").
 */
#pragma once
#include <glib.h>

#include "sim/net/addr.h"

G_BEGIN_DECLS

#define DNS_ERROR (dns_error_quark ())
GQuark dns_error_quark (void);

typedef enum {
  DNS_ERROR_TRUNCATED,      /* shorter than its header or question say */
  DNS_ERROR_NOT_QUERY,      /* QR = 1: a response, not a query */
  DNS_ERROR_QDCOUNT,        /* QDCOUNT != 1 */
  DNS_ERROR_BAD_NAME,       /* label > 63, name > 255, pointer, bad byte */
  DNS_ERROR_TOO_LARGE,      /* an answer would not fit 512 bytes (§2.3.4) */
  DNS_ERROR_NOT_IN_ZONE,    /* server model: a record outside every zone */
  DNS_ERROR_SETTINGS,       /* server model: an invalid setting */
} DnsError;

/* RFC 1035 §3.2.2, RFC 2782, RFC 3403 §4 */
#define DNS_TYPE_A      1
#define DNS_TYPE_SRV    33
#define DNS_TYPE_NAPTR  35
#define DNS_CLASS_IN    1

/* RFC 1035 §4.1.1 RCODE values */
#define DNS_RCODE_NOERROR   0
#define DNS_RCODE_FORMERR   1
#define DNS_RCODE_SERVFAIL  2
#define DNS_RCODE_NXDOMAIN  3
#define DNS_RCODE_NOTIMP    4
#define DNS_RCODE_REFUSED   5

#define DNS_NAME_MAX        255  /* octets on the wire, §2.3.4 */
#define DNS_TEXT_MAX        254  /* as text without the root dot */
#define DNS_UDP_MAX         512  /* §2.3.4, no EDNS0 */

typedef struct {
  guint16 id;
  guint8  opcode;           /* §4.1.1 OPCODE, 0 = standard query */
  gboolean rd;              /* recursion desired, copied into the answer */
  char    qname[DNS_TEXT_MAX + 1];  /* "" is the root */
  guint16 qtype;
  guint16 qclass;
} DnsQuery;

/* One resource record of an answer.  @target is borrowed. */
typedef struct {
  guint16     type;         /* DNS_TYPE_A or DNS_TYPE_SRV */
  guint32     ttl_s;
  SimIp4      ip;           /* A */
  guint16     priority, weight, port;   /* SRV */
  const char *target;       /* SRV, text without the root dot */
} DnsRr;

/* Parses a query.  FALSE with a DNS_ERROR on malformed input; @out is
 * then unspecified. */
gboolean dns_query_parse  (const guint8 *data, gsize len, DnsQuery *out, GError **error);
/* Appends the query's wire form (RD as in @q, no EDNS0) to @out.  FALSE
 * with DNS_ERROR_BAD_NAME if @q->qname cannot be written. */
gboolean dns_query_encode (const DnsQuery *q, GByteArray *out, GError **error);
/* Appends an authoritative answer (AA = 1, RA = 0) to @q with @rcode and
 * the @n records of @rrs, owned by the question's name.  FALSE with a
 * DNS_ERROR if a name cannot be written or the answer would exceed 512
 * bytes; @out is then left as it was. */
gboolean dns_answer_encode (const DnsQuery *q, guint rcode, const DnsRr *rrs, guint n,
                            GByteArray *out, GError **error);

/* Case-insensitive name comparison (RFC 4343 §3: ASCII only). */
gboolean dns_name_equal (const char *a, const char *b);

G_END_DECLS
