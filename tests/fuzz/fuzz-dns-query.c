/*
 * tests/fuzz/fuzz-dns-query.c - the DNS query parser (models/dns/wire.c) on
 * arbitrary bytes, and the writers on whatever parses.
 *
 * Invariants (abort() on violation):
 *  - a failure is a GError in DNS_ERROR, never a crash or a read outside
 *    the input;
 *  - a query that parses, written again by dns_query_encode, parses to the
 *    same fields (id, opcode, RD, name, type, class), and its bytes equal
 *    the input's first bytes for the header fields the writer keeps (ID)
 *    and the whole question;
 *  - an answer with one A record to a parsed query can always be written
 *    (every name the parser returns is writable) and starts with the
 *    query's ID, QR set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/dns/wire.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  DnsQuery q;
  GError *error = NULL;
  if (!dns_query_parse (data, size, &q, &error))
    {
      if (error == NULL || error->domain != DNS_ERROR)
        abort ();
      g_error_free (error);
      return 0;
    }
  if (error != NULL)
    abort ();

  GByteArray *out = g_byte_array_new ();
  if (!dns_query_encode (&q, out, NULL))
    abort ();
  DnsQuery r;
  if (!dns_query_parse (out->data, out->len, &r, NULL))
    abort ();
  if (r.id != q.id || r.opcode != q.opcode || r.rd != q.rd || strcmp (r.qname, q.qname) != 0
      || r.qtype != q.qtype || r.qclass != q.qclass)
    abort ();
  /* the question (from byte 12) is written back exactly as it was read */
  if (out->len > size || memcmp (out->data + 12, data + 12, out->len - 12) != 0
      || memcmp (out->data, data, 2) != 0)
    abort ();

  g_byte_array_set_size (out, 0);
  DnsRr rr = { .type = DNS_TYPE_A, .ttl_s = 60, .ip = 0x0a000001 };
  if (!dns_answer_encode (&q, DNS_RCODE_NOERROR, &rr, 1, out, NULL))
    abort ();
  if (out->len < 12 || memcmp (out->data, data, 2) != 0 || (out->data[2] & 0x80) == 0)
    abort ();
  g_byte_array_unref (out);
  return 0;
}
