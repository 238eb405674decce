/*
 * sim/net/packet.c - building, parsing and rewriting IPv4/UDP/TCP/ICMP bytes.
 *
 * Notes:
 *  1. Multi-byte fields are read and written byte by byte in network order
 *     (sim_get_be16/sim_put_be16...), so nothing depends on alignment or host endianness.
 *  2. The parser checks every length against the buffer before reading; it
 *     is the one place bytes from "the wire" are trusted, and the fuzz
 *     target of a later issue drives it.
 *  3. A UDP checksum of zero means "none" (RFC 768) and is accepted; we
 *     always send one.  TCP and ICMP checksums are mandatory.
 *  4. Rewrites (NAT) and the TTL decrement of forwarding update checksums
 *     incrementally (RFC 1624) when the packet's checksums are known valid
 *     (pkt->checked), instead of summing the header and the whole payload
 *     again; the result is byte for byte what the recomputation writes.
 *     Why: both are ones' complement sums of the same words mod 0xffff,
 *     and both are in 1..0xffff (never the other zero, 0) as long as ~HC
 *     is not 0 (a valid header or segment is never all zero words), so
 *     they are the same representative.  HC = 0xffff in an IP or TCP
 *     header (a valid alternative to 0 that sipsim never writes but a raw
 *     packet may carry), unverified packets and UDP without a checksum
 *     are recomputed; UDP's 0xffff is its computed 0 (csum_adjust).  tests/test-packet.c compares the two on random
 *     packets and rewrites.
 *  5. The packet pool (see "pool" below).
 *  6. A checked packet carries its parse (SimPacket.info): the
 *     constructors fill it, the first hop that parses and verifies the
 *     bytes keeps it, and the only changes the network makes to a checked
 *     packet's bytes (the TTL decrement, a rewrite) update it with the
 *     bytes; anything else that may change bytes (sim_packet_data_mut,
 *     link corruption) clears checked, so the next hop parses and verifies
 *     again.  Every hop used to parse the headers it had already parsed
 *     (95 instructions a hop, twice at a NAT) and the sender parsed what it
 *     had just written.  What a hop sees is still the bytes' parse: every
 *     build but a release build compares the carried info with a fresh,
 *     verifying parse at every hop (sim_packet_parse_hop).
 *  7. Constructors sum the header words they know from the values they
 *     write, and only the payload's bytes from memory: the same ones'
 *     complement sum as summing the written bytes (both sums are nonzero,
 *     so they fold to the same representative; tests/test-packet.c
 *     compares with sim_inet_checksum() over the bytes).
 */
#include "sim/net/packet-private.h"
#include "sipsim-config.h"

#include "sim/net/bytes.h"
#include "sim/kernel/world.h"

#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(a, n) ((void) (a), (void) (n))
#define ASAN_UNPOISON_MEMORY_REGION(a, n) ((void) (a), (void) (n))
#endif

const char *
sim_packet_error_to_string (SimPacketError err)
{
  switch (err)
    {
    case SIM_PACKET_OK:               return "ok";
    case SIM_PACKET_TRUNCATED:        return "truncated";
    case SIM_PACKET_BAD_VERSION:      return "not IPv4";
    case SIM_PACKET_BAD_IHL:          return "bad IPv4 header length";
    case SIM_PACKET_BAD_TOTAL_LENGTH: return "bad IPv4 total length";
    case SIM_PACKET_BAD_IP_CHECKSUM:  return "bad IPv4 header checksum";
    case SIM_PACKET_FRAGMENT:         return "IPv4 fragment (not modelled)";
    case SIM_PACKET_BAD_L4_LENGTH:    return "bad transport length";
    case SIM_PACKET_BAD_L4_CHECKSUM:  return "bad transport checksum";
    }
  return "unknown";
}

/* RFC 1071 §2(B): the ones' complement sum does not depend on the word
 * size, so 8 bytes are added at a time as two 32-bit big-endian halves
 * into 64 bits (which cannot overflow below 2^32 halves) and folded to
 * 16 at the end; a byte at a time was 5 % of a simulated phone-day
 * (issue 17).  tests/test-packet.c compares it with the 16-bit sum. */
guint16
sim_inet_checksum (const guint8 *data, gsize len, guint32 sum)
{
  guint64 acc = sum;
  gsize i = 0;
  for (; i + 8 <= len; i += 8)
    {
      guint64 v;
      memcpy (&v, data + i, 8);
      v = GUINT64_FROM_BE (v);
      acc += (v >> 32) + (v & 0xffffffffu);
    }
  for (; i + 1 < len; i += 2)
    acc += (guint32) ((data[i] << 8) | data[i + 1]);
  if (i < len)
    acc += (guint32) (data[i] << 8);
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (guint16) ~acc;
}

/* ~(the ones' complement sum of 16-bit words whose plain sum is @sum): what
 * sim_inet_checksum() ends with, for a @sum that is not 0. */
static inline guint16
fold_complement (guint32 sum)
{
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

/* RFC 768/793 pseudo-header sum: addresses, protocol, transport length. */
static guint32
pseudo_sum (SimIp4 src, SimIp4 dst, guint8 proto, gsize l4_len)
{
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (guint32) l4_len;
}

/* ------------------------------------------------------------------ pool */

/* Note 5: size classes of data[] capacity; a larger packet is g_malloc'd
 * and g_free'd as before.  POOL_KEEP bounds each free list, so the pool
 * holds at most the packets of a burst, not a run's worth. */
static const guint32 pool_class_cap[] = { 256, 640, 1536, 4096 };
#define POOL_CLASSES G_N_ELEMENTS (pool_class_cap)
#define POOL_KEEP 256

struct SimPacketPool {
  SimPacket *free_list[POOL_CLASSES];
  guint      n_free[POOL_CLASSES];
  guint      outstanding;
  gboolean   released;      /* the net has let go; free when outstanding = 0 */
};

SimPacketPool *
sim_packet_pool_new (void)
{
  return g_new0 (SimPacketPool, 1);
}

static void
pool_drain (SimPacketPool *pool)
{
  for (guint c = 0; c < POOL_CLASSES; c++)
    while (pool->free_list[c])
      {
        SimPacket *p = pool->free_list[c];
        ASAN_UNPOISON_MEMORY_REGION (p, sizeof (SimPacket) + pool_class_cap[c]);
        pool->free_list[c] = p->fl_next;
        g_free (p);
      }
  memset (pool->n_free, 0, sizeof pool->n_free);
}

void
sim_packet_pool_release (SimPacketPool *pool)
{
  if (pool == NULL)
    return;
  pool_drain (pool);
  pool->released = TRUE;
  if (pool->outstanding == 0)
    g_free (pool);
}

guint
sim_packet_pool_outstanding (const SimPacketPool *pool)
{
  return pool->outstanding;
}

guint
sim_packet_pool_idle (const SimPacketPool *pool)
{
  guint n = 0;
  for (guint c = 0; c < POOL_CLASSES; c++)
    n += pool->n_free[c];
  return n;
}

static SimPacket *
packet_alloc (SimPacketPool *pool, gsize len)
{
  g_return_val_if_fail (len <= SIM_IP_MAX_LEN, NULL);
  SimPacket *p = NULL;
  guint c = 0;
  if (pool)
    while (c < POOL_CLASSES && pool_class_cap[c] < len)
      c++;
  if (pool && c < POOL_CLASSES)
    {
      p = pool->free_list[c];
      if (p)
        {
          ASAN_UNPOISON_MEMORY_REGION (p, sizeof (SimPacket) + pool_class_cap[c]);
          pool->free_list[c] = p->fl_next;
          pool->n_free[c]--;
        }
      else
        p = g_malloc (sizeof (SimPacket) + pool_class_cap[c]);
      p->cap = pool_class_cap[c];
      p->pool = pool;
      pool->outstanding++;
    }
  else
    {
      p = g_malloc (sizeof (SimPacket) + len);
      p->cap = (guint32) len;
      p->pool = NULL;
    }
  p->fl_prev = p->fl_next = NULL;
  p->hop = NULL;
  p->hop_epoch = 0;
  p->len = (guint32) len;
  p->checked = FALSE;
  return p;
}

static void
write_ip_header (guint8 *h, gsize total, guint16 id, guint8 ttl, guint8 proto,
                 SimIp4 src, SimIp4 dst)
{
  h[0] = 0x45;            /* version 4, IHL 5 */
  h[1] = 0;               /* DSCP/ECN */
  sim_put_be16 (h + 2, (guint16) total);
  sim_put_be16 (h + 4, id);
  sim_put_be16 (h + 6, 0x4000);   /* DF: we never fragment */
  h[8] = ttl;
  h[9] = proto;
  sim_put_be32 (h + 12, src);
  sim_put_be32 (h + 16, dst);
  /* Note 7: the header's words summed from the values just written. */
  guint32 sum = 0x4500u + (guint32) total + id + 0x4000u + ((guint32) ttl << 8 | proto)
                + (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
  sim_put_be16 (h + 10, fold_complement (sum));
}

/* Recomputes the transport checksum of a packet whose IP header is valid. */
static void
fix_l4_checksum (guint8 *d, gsize len)
{
  gsize ihl = (gsize) (d[0] & 0x0f) * 4;
  if (ihl < SIM_IPV4_HDR_LEN || ihl > len)
    return;
  gsize total = MIN ((gsize) sim_get_be16 (d + 2), len);
  if (total < ihl)
    return;
  guint8 *l4 = d + ihl;
  gsize l4_len = total - ihl;
  SimIp4 src = sim_get_be32 (d + 12), dst = sim_get_be32 (d + 16);
  guint16 c;
  switch (d[9])
    {
    case SIM_IPPROTO_UDP:
      if (l4_len < SIM_UDP_HDR_LEN)
        return;
      sim_put_be16 (l4 + 6, 0);
      c = sim_inet_checksum (l4, l4_len, pseudo_sum (src, dst, SIM_IPPROTO_UDP, l4_len));
      sim_put_be16 (l4 + 6, c == 0 ? 0xffff : c);   /* RFC 768: 0 is sent as all ones */
      break;
    case SIM_IPPROTO_TCP:
      if (l4_len < SIM_TCP_HDR_LEN)
        return;
      sim_put_be16 (l4 + 16, 0);
      sim_put_be16 (l4 + 16, sim_inet_checksum (l4, l4_len, pseudo_sum (src, dst, SIM_IPPROTO_TCP, l4_len)));
      break;
    case SIM_IPPROTO_ICMP:
      if (l4_len < SIM_ICMP_HDR_LEN)
        return;
      sim_put_be16 (l4 + 2, 0);
      sim_put_be16 (l4 + 2, sim_inet_checksum (l4, l4_len, 0));
      break;
    default:
      break;
    }
}

SimPacket *
sim_packet_new_udp (const SimSockAddr *src, const SimSockAddr *dst, guint16 ip_id, guint8 ttl,
                    const void *payload, gsize len)
{
  return sim_packet_new_udp_in (NULL, src, dst, ip_id, ttl, payload, len);
}

SimPacket *
sim_packet_new_udp_in (SimPacketPool *pool, const SimSockAddr *src, const SimSockAddr *dst,
                       guint16 ip_id, guint8 ttl, const void *payload, gsize len)
{
  g_return_val_if_fail (src != NULL && dst != NULL, NULL);
  g_return_val_if_fail (len <= SIM_UDP_MAX_PAYLOAD, NULL);
  g_return_val_if_fail (payload != NULL || len == 0, NULL);

  gsize total = SIM_IPV4_HDR_LEN + SIM_UDP_HDR_LEN + len;
  SimPacket *p = packet_alloc (pool, total);
  guint8 *d = p->data;
  write_ip_header (d, total, ip_id, ttl, SIM_IPPROTO_UDP, src->ip, dst->ip);
  guint8 *u = d + SIM_IPV4_HDR_LEN;
  guint16 ulen = (guint16) (SIM_UDP_HDR_LEN + len);
  sim_put_be16 (u, src->port);
  sim_put_be16 (u + 2, dst->port);
  sim_put_be16 (u + 4, ulen);
  if (len)
    memcpy (u + SIM_UDP_HDR_LEN, payload, len);
  /* Note 7: the pseudo-header and the UDP header's words from the values,
   * then the payload (at an even offset, so its words are the segment's). */
  guint16 c = sim_inet_checksum (u + SIM_UDP_HDR_LEN, len,
                                 pseudo_sum (src->ip, dst->ip, SIM_IPPROTO_UDP, ulen)
                                 + src->port + dst->port + ulen);
  sim_put_be16 (u + 6, c == 0 ? 0xffff : c);   /* RFC 768: 0 is sent as all ones */
  p->checked = TRUE;   /* summed just now: the first hop need not again */
  /* Note 6: what sim_packet_parse() reads back from these bytes. */
  SimPacketInfo *in = &p->info;
  memset (in, 0, sizeof *in);
  in->src = src->ip;
  in->dst = dst->ip;
  in->proto = SIM_IPPROTO_UDP;
  in->ttl = ttl;
  in->ip_id = ip_id;
  in->hdr_len = SIM_IPV4_HDR_LEN;
  in->total_len = (guint16) total;
  in->sport = src->port;
  in->dport = dst->port;
  in->payload = u + SIM_UDP_HDR_LEN;
  in->payload_len = len;
  return p;
}

SimPacket *
sim_packet_new_tcp (const SimSockAddr *src, const SimSockAddr *dst, guint16 ip_id, guint8 ttl,
                    guint32 seq, guint32 ack, guint8 flags, guint16 window,
                    guint16 mss_option, const void *payload, gsize len)
{
  return sim_packet_new_tcp_in (NULL, src, dst, ip_id, ttl, seq, ack, flags, window,
                                mss_option, payload, len);
}

SimPacket *
sim_packet_new_tcp_in (SimPacketPool *pool, const SimSockAddr *src, const SimSockAddr *dst,
                       guint16 ip_id, guint8 ttl, guint32 seq, guint32 ack, guint8 flags,
                       guint16 window, guint16 mss_option, const void *payload, gsize len)
{
  g_return_val_if_fail (src != NULL && dst != NULL, NULL);
  gsize opt_len = mss_option ? 4 : 0;
  gsize hdr = SIM_TCP_HDR_LEN + opt_len;
  g_return_val_if_fail (len <= SIM_IP_MAX_LEN - SIM_IPV4_HDR_LEN - hdr, NULL);
  g_return_val_if_fail (payload != NULL || len == 0, NULL);

  gsize total = SIM_IPV4_HDR_LEN + hdr + len;
  SimPacket *p = packet_alloc (pool, total);
  guint8 *d = p->data;
  write_ip_header (d, total, ip_id, ttl, SIM_IPPROTO_TCP, src->ip, dst->ip);
  guint8 *t = d + SIM_IPV4_HDR_LEN;
  sim_put_be16 (t, src->port);
  sim_put_be16 (t + 2, dst->port);
  sim_put_be32 (t + 4, seq);
  sim_put_be32 (t + 8, ack);
  t[12] = (guint8) ((hdr / 4) << 4);
  t[13] = flags;
  sim_put_be16 (t + 14, window);
  sim_put_be16 (t + 16, 0);
  sim_put_be16 (t + 18, 0);       /* urgent pointer */
  if (mss_option)
    {
      t[20] = 2;          /* kind: MSS */
      t[21] = 4;
      sim_put_be16 (t + 22, mss_option);
    }
  if (len)
    memcpy (t + hdr, payload, len);
  fix_l4_checksum (d, total);
  /* Summed just now: the first hop need not again; note 6. */
  p->checked = sim_packet_parse_full (d, total, &p->info, FALSE) == SIM_PACKET_OK;
  return p;
}

SimPacket *
sim_packet_new_icmp_error (SimIp4 src, guint16 ip_id, guint8 ttl, guint8 type, guint8 code,
                           const guint8 *orig, gsize orig_len)
{
  return sim_packet_new_icmp_error_in (NULL, src, ip_id, ttl, type, code, orig, orig_len);
}

SimPacket *
sim_packet_new_icmp_error_in (SimPacketPool *pool, SimIp4 src, guint16 ip_id, guint8 ttl,
                              guint8 type, guint8 code, const guint8 *orig, gsize orig_len)
{
  g_return_val_if_fail (orig != NULL && orig_len >= SIM_IPV4_HDR_LEN, NULL);
  gsize ihl = (gsize) (orig[0] & 0x0f) * 4;
  if (ihl < SIM_IPV4_HDR_LEN)
    ihl = SIM_IPV4_HDR_LEN;
  gsize quote = MIN (orig_len, ihl + 8);      /* RFC 792 */
  gsize total = SIM_IPV4_HDR_LEN + SIM_ICMP_HDR_LEN + quote;
  SimPacket *p = packet_alloc (pool, total);
  guint8 *d = p->data;
  SimIp4 dst = sim_get_be32 (orig + 12);             /* back to the original sender */
  write_ip_header (d, total, ip_id, ttl, SIM_IPPROTO_ICMP, src, dst);
  guint8 *ic = d + SIM_IPV4_HDR_LEN;
  ic[0] = type;
  ic[1] = code;
  sim_put_be16 (ic + 2, 0);
  sim_put_be32 (ic + 4, 0);                          /* unused */
  memcpy (ic + SIM_ICMP_HDR_LEN, orig, quote);
  fix_l4_checksum (d, total);
  /* Summed just now: the first hop need not again; note 6. */
  p->checked = sim_packet_parse_full (d, total, &p->info, FALSE) == SIM_PACKET_OK;
  return p;
}

SimPacket *
sim_packet_new_raw (const void *bytes, gsize len)
{
  SimPacket *p = packet_alloc (NULL, len);
  if (len)
    memcpy (p->data, bytes, len);
  return p;
}

SimPacket *
sim_packet_copy (const SimPacket *pkt)
{
  SimPacketPool *pool = pkt->pool && !pkt->pool->released ? pkt->pool : NULL;
  SimPacket *p = packet_alloc (pool, pkt->len);
  memcpy (p->data, pkt->data, pkt->len);
  return p;
}

void
sim_packet_free (SimPacket *pkt)
{
  if (pkt == NULL)
    return;
  SimPacketPool *pool = pkt->pool;
  if (pool == NULL)
    {
      g_free (pkt);
      return;
    }
  g_assert (pool->outstanding > 0);
  pool->outstanding--;
  guint c = 0;
  while (pool_class_cap[c] != pkt->cap)
    c++;
  if (pool->released || pool->n_free[c] >= POOL_KEEP)
    {
      g_free (pkt);
      if (pool->released && pool->outstanding == 0)
        g_free (pool);
      return;
    }
  pkt->fl_next = pool->free_list[c];
  pool->free_list[c] = pkt;
  pool->n_free[c]++;
  /* Under ASan a pooled packet is as unreadable as a freed one, so a use
   * after sim_packet_free() is still caught (the fields after fl_next). */
  ASAN_POISON_MEMORY_REGION ((char *) pkt + G_STRUCT_OFFSET (SimPacket, pool),
                             sizeof (SimPacket) - G_STRUCT_OFFSET (SimPacket, pool) + pkt->cap);
}

const guint8 *
sim_packet_data (const SimPacket *pkt)
{
  return pkt->data;
}

guint8 *
sim_packet_data_mut (SimPacket *pkt)
{
  pkt->checked = FALSE;   /* the caller may change any byte */
  return pkt->data;
}

gsize
sim_packet_len (const SimPacket *pkt)
{
  return pkt->len;
}

/* Fills the transport fields of @info from @l4 (length @l4_len).  @quoted:
 * an ICMP quote, where only the first 8 bytes are promised. */
static SimPacketError
parse_l4 (const guint8 *l4, gsize l4_len, gboolean quoted, SimPacketInfo *info)
{
  switch (info->proto)
    {
    case SIM_IPPROTO_UDP:
      if (l4_len < SIM_UDP_HDR_LEN)
        return SIM_PACKET_TRUNCATED;
      info->sport = sim_get_be16 (l4);
      info->dport = sim_get_be16 (l4 + 2);
      if (quoted)
        return SIM_PACKET_OK;
      {
        guint16 ulen = sim_get_be16 (l4 + 4);
        if (ulen < SIM_UDP_HDR_LEN || ulen != l4_len)
          return SIM_PACKET_BAD_L4_LENGTH;
        info->payload = l4 + SIM_UDP_HDR_LEN;
        info->payload_len = ulen - SIM_UDP_HDR_LEN;
      }
      return SIM_PACKET_OK;

    case SIM_IPPROTO_TCP:
      if (l4_len < (quoted ? 8u : SIM_TCP_HDR_LEN))
        return SIM_PACKET_TRUNCATED;
      info->sport = sim_get_be16 (l4);
      info->dport = sim_get_be16 (l4 + 2);
      info->tcp_seq = sim_get_be32 (l4 + 4);
      if (quoted)
        return SIM_PACKET_OK;
      {
        gsize off = (gsize) (l4[12] >> 4) * 4;
        if (off < SIM_TCP_HDR_LEN || off > l4_len)
          return SIM_PACKET_BAD_L4_LENGTH;
        info->tcp_ack = sim_get_be32 (l4 + 8);
        info->tcp_flags = l4[13];
        info->tcp_window = sim_get_be16 (l4 + 14);
        info->payload = l4 + off;
        info->payload_len = l4_len - off;
      }
      return SIM_PACKET_OK;

    case SIM_IPPROTO_ICMP:
      if (l4_len < SIM_ICMP_HDR_LEN)
        return SIM_PACKET_TRUNCATED;
      info->icmp_type = l4[0];
      info->icmp_code = l4[1];
      info->payload = l4 + SIM_ICMP_HDR_LEN;
      info->payload_len = l4_len - SIM_ICMP_HDR_LEN;
      return SIM_PACKET_OK;

    default:
      info->payload = l4;
      info->payload_len = l4_len;
      return SIM_PACKET_OK;
    }
}

static SimPacketError
parse_ip (const guint8 *data, gsize len, SimPacketInfo *info, gsize *ihl_out)
{
  memset (info, 0, sizeof *info);
  if (data == NULL || len < SIM_IPV4_HDR_LEN)
    return SIM_PACKET_TRUNCATED;
  if ((data[0] >> 4) != 4)
    return SIM_PACKET_BAD_VERSION;
  gsize ihl = (gsize) (data[0] & 0x0f) * 4;
  if (ihl < SIM_IPV4_HDR_LEN || ihl > len)
    return SIM_PACKET_BAD_IHL;
  info->hdr_len = (guint16) ihl;
  info->total_len = sim_get_be16 (data + 2);
  info->ip_id = sim_get_be16 (data + 4);
  info->ttl = data[8];
  info->proto = data[9];
  info->src = sim_get_be32 (data + 12);
  info->dst = sim_get_be32 (data + 16);
  *ihl_out = ihl;
  return SIM_PACKET_OK;
}

SimPacketError
sim_packet_parse (const guint8 *data, gsize len, SimPacketInfo *info)
{
  return sim_packet_parse_full (data, len, info, TRUE);
}

SimPacketError
sim_packet_parse_full (const guint8 *data, gsize len, SimPacketInfo *info, gboolean verify)
{
  gsize ihl;
  SimPacketError e = parse_ip (data, len, info, &ihl);
  if (e != SIM_PACKET_OK)
    return e;
  if (info->total_len != len || info->total_len < ihl)
    return SIM_PACKET_BAD_TOTAL_LENGTH;
  if (verify && sim_inet_checksum (data, ihl, 0) != 0)
    return SIM_PACKET_BAD_IP_CHECKSUM;
  guint16 frag = sim_get_be16 (data + 6);
  if ((frag & 0x2000) || (frag & 0x1fff))
    return SIM_PACKET_FRAGMENT;

  const guint8 *l4 = data + ihl;
  gsize l4_len = len - ihl;
  e = parse_l4 (l4, l4_len, FALSE, info);
  if (e != SIM_PACKET_OK)
    return e;

  if (!verify)
    return SIM_PACKET_OK;
  switch (info->proto)
    {
    case SIM_IPPROTO_UDP:
    case SIM_IPPROTO_TCP:
      /* Note 3: a UDP checksum of zero means none was sent. */
      if (info->proto == SIM_IPPROTO_UDP && sim_get_be16 (l4 + 6) == 0)
        break;
      if (sim_inet_checksum (l4, l4_len, pseudo_sum (info->src, info->dst, info->proto, l4_len)) != 0)
        return SIM_PACKET_BAD_L4_CHECKSUM;
      break;
    case SIM_IPPROTO_ICMP:
      if (sim_inet_checksum (l4, l4_len, 0) != 0)
        return SIM_PACKET_BAD_L4_CHECKSUM;
      break;
    default:
      break;
    }
  return SIM_PACKET_OK;
}

SimPacketError
sim_packet_parse_quoted (const guint8 *data, gsize len, SimPacketInfo *info)
{
  gsize ihl;
  SimPacketError e = parse_ip (data, len, info, &ihl);
  if (e != SIM_PACKET_OK)
    return e;
  return parse_l4 (data + ihl, len - ihl, TRUE, info);
}

/* The change term of RFC 1624 eqn. 3 for one 16-bit word going from
 * @old to @new: ~m + m', summed (not folded) with the others. */
static inline guint32
word_delta (guint16 old, guint16 new)
{
  return (guint16) ~old + (guint32) new;
}

/* Note 4: the checksum at @field, valid before some 16-bit words changed,
 * updated to what a full recomputation would write (RFC 1624 eqn. 3,
 * HC' = ~(~HC + ~m + m'), all words in one sum); @delta is the sum of
 * word_delta() over the changed words.  @udp: a UDP checksum, where a
 * computed 0 is sent as 0xffff (RFC 768), so HC = 0xffff stands for a sum
 * of 0xffff and a result of 0 is written as 0xffff, as fix_l4_checksum
 * does.  Otherwise FALSE, and nothing written, when HC = 0xffff: there ~HC
 * is 0 and the update could pick the other ones' complement zero than the
 * recomputation. */
static gboolean
csum_adjust (guint8 *field, guint32 delta, gboolean udp)
{
  guint16 hc = sim_get_be16 (field);
  if (hc == 0xffff && !udp)
    return FALSE;
  guint32 sum = (guint16) ~hc + delta;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  guint16 c = (guint16) ~sum;
  sim_put_be16 (field, udp && c == 0 ? 0xffff : c);
  return TRUE;
}

static gboolean
rewrite (SimPacket *pkt, const SimSockAddr *addr, gboolean src)
{
  SimPacketInfo quoted;
  const SimPacketInfo *info = &pkt->info;   /* note 6 */
  if (!pkt->checked)
    {
      if (sim_packet_parse_quoted (pkt->data, pkt->len, &quoted) != SIM_PACKET_OK)
        return FALSE;
      info = &quoted;
    }
  guint8 proto = info->proto;
  gsize hl = info->hdr_len;
  guint8 *d = pkt->data;
  guint8 *ipf = d + (src ? 12 : 16);
  gboolean ports = proto == SIM_IPPROTO_UDP || proto == SIM_IPPROTO_TCP;
  guint8 *portf = d + hl + (src ? 0 : 2);
  guint32 ip_delta = word_delta (sim_get_be16 (ipf), (guint16) (addr->ip >> 16))
                     + word_delta (sim_get_be16 (ipf + 2), (guint16) addr->ip);
  guint32 port_delta = ports ? word_delta (sim_get_be16 (portf), addr->port) : word_delta (0, 0);
  sim_put_be32 (ipf, addr->ip);
  if (ports)
    sim_put_be16 (portf, addr->port);

  /* Note 4: checksums known valid are updated, others recomputed.  The
   * address is in the IP header and in the UDP/TCP pseudo-header; the
   * port only in the transport header; an ICMP checksum covers neither.
   * A UDP checksum of 0 (none sent) is recomputed, as before. */
  if (pkt->checked)
    {
      /* Note 6: the carried parse follows the bytes. */
      if (src)
        pkt->info.src = addr->ip;
      else
        pkt->info.dst = addr->ip;
      if (ports && src)
        pkt->info.sport = addr->port;
      else if (ports)
        pkt->info.dport = addr->port;
      gboolean ok = csum_adjust (d + 10, ip_delta, FALSE);
      if (ok && proto == SIM_IPPROTO_UDP)
        ok = sim_get_be16 (d + hl + 6) != 0
             && csum_adjust (d + hl + 6, ip_delta + port_delta, TRUE);
      else if (ok && proto == SIM_IPPROTO_TCP)
        ok = csum_adjust (d + hl + 16, ip_delta + port_delta, FALSE);
      if (ok)
        return TRUE;
      /* A word was already partly updated: recompute both from the bytes,
       * which is what every packet got before note 4. */
    }
  sim_packet_fix_checksums (pkt);
  return TRUE;
}

gboolean
sim_packet_rewrite_src (SimPacket *pkt, const SimSockAddr *addr)
{
  return rewrite (pkt, addr, TRUE);
}

gboolean
sim_packet_rewrite_dst (SimPacket *pkt, const SimSockAddr *addr)
{
  return rewrite (pkt, addr, FALSE);
}

void
sim_packet_fix_ip_checksum (SimPacket *pkt)
{
  guint8 *d = pkt->data;
  if (pkt->len < SIM_IPV4_HDR_LEN)
    return;
  gsize ihl = (gsize) (d[0] & 0x0f) * 4;
  if (ihl < SIM_IPV4_HDR_LEN || ihl > pkt->len)
    return;
  sim_put_be16 (d + 10, 0);
  sim_put_be16 (d + 10, sim_inet_checksum (d, ihl, 0));
}

void
sim_packet_forward_ttl (SimPacket *pkt)
{
  g_return_if_fail (pkt->len >= SIM_IPV4_HDR_LEN && pkt->data[8] > 0);
  guint8 *d = pkt->data;
  guint16 old = sim_get_be16 (d + 8);   /* TTL and protocol: one word */
  d[8]--;
  guint16 new = sim_get_be16 (d + 8);
  /* Note 4; the TTL is not in the pseudo-header, so the transport
   * checksum stays as it is. */
  if (!pkt->checked || !csum_adjust (d + 10, word_delta (old, new), FALSE))
    sim_packet_fix_ip_checksum (pkt);
  pkt->info.ttl = d[8];   /* note 6 (meaningless unless checked) */
}

SimPacketError
sim_packet_parse_pkt (const SimPacket *pkt, SimPacketInfo *info)
{
  if (pkt->checked)
    {
      *info = pkt->info;   /* note 6 */
      return SIM_PACKET_OK;
    }
  return sim_packet_parse_full (pkt->data, pkt->len, info, TRUE);
}

#if SIPSIM_PACKET_CHECK
static gboolean
info_same (const SimPacketInfo *a, const SimPacketInfo *b)
{
  return a->src == b->src && a->dst == b->dst && a->proto == b->proto && a->ttl == b->ttl
         && a->ip_id == b->ip_id && a->hdr_len == b->hdr_len && a->total_len == b->total_len
         && a->sport == b->sport && a->dport == b->dport && a->tcp_seq == b->tcp_seq
         && a->tcp_ack == b->tcp_ack && a->tcp_flags == b->tcp_flags
         && a->tcp_window == b->tcp_window && a->icmp_type == b->icmp_type
         && a->icmp_code == b->icmp_code && a->payload == b->payload
         && a->payload_len == b->payload_len;
}
#endif

SimPacketError
sim_packet_parse_hop (SimPacket *pkt, SimPacketInfo *info)
{
  if (pkt->checked)
    {
      *info = pkt->info;
#if SIPSIM_PACKET_CHECK
      /* Note 6: the carried parse must be the bytes' parse, checksums and all. */
      SimPacketInfo fresh;
      SimPacketError e = sim_packet_parse_full (pkt->data, pkt->len, &fresh, TRUE);
      if (e != SIM_PACKET_OK)
        g_critical ("sim_packet_parse_hop: a checked packet does not parse: %s",
                    sim_packet_error_to_string (e));
      else if (!info_same (&fresh, info))
        g_critical ("sim_packet_parse_hop: the carried parse is not the bytes' parse");
#endif
      return SIM_PACKET_OK;
    }
  SimPacketError e = sim_packet_parse_full (pkt->data, pkt->len, info, TRUE);
  if (e == SIM_PACKET_OK)
    {
      pkt->info = *info;
      pkt->checked = TRUE;
    }
  return e;
}

void
sim_packet_fix_checksums (SimPacket *pkt)
{
  sim_packet_fix_ip_checksum (pkt);
  fix_l4_checksum (pkt->data, pkt->len);
}

void
sim_packet_describe_append (GString *out, const SimPacketInfo *info)
{
  /* By hand rather than printf: two or three trace lines per packet hop
   * describe it, so this is on the hottest path of a run
   * (doc/performance.md).  The bytes are those of the printf formats it
   * replaced, "UDP %s:%u > %s:%u len=%zu" etc., hence the same
   * fingerprints. */
  char s[SIM_IP4_STRLEN], t[SIM_IP4_STRLEN];
  sim_ip4_to_string (info->src, s);
  sim_ip4_to_string (info->dst, t);
  switch (info->proto)
    {
    case SIM_IPPROTO_UDP:
    case SIM_IPPROTO_TCP:
      g_string_append (out, info->proto == SIM_IPPROTO_UDP ? "UDP " : "TCP ");
      g_string_append (out, s);
      g_string_append_c (out, ':');
      sim_string_append_uint (out, info->sport);
      g_string_append (out, " > ");
      g_string_append (out, t);
      g_string_append_c (out, ':');
      sim_string_append_uint (out, info->dport);
      if (info->proto == SIM_IPPROTO_TCP)
        {
          g_string_append (out, " [");
          if (info->tcp_flags & SIM_TCP_SYN)
            g_string_append_c (out, 'S');
          if (info->tcp_flags & SIM_TCP_FIN)
            g_string_append_c (out, 'F');
          if (info->tcp_flags & SIM_TCP_RST)
            g_string_append_c (out, 'R');
          if (info->tcp_flags & SIM_TCP_PSH)
            g_string_append_c (out, 'P');
          if (info->tcp_flags & SIM_TCP_ACK)
            g_string_append_c (out, '.');
          g_string_append (out, "] seq=");
          sim_string_append_uint (out, info->tcp_seq);
          g_string_append (out, " ack=");
          sim_string_append_uint (out, info->tcp_ack);
        }
      g_string_append (out, " len=");
      sim_string_append_uint (out, info->payload_len);
      break;
    case SIM_IPPROTO_ICMP:
      g_string_append (out, "ICMP ");
      g_string_append (out, s);
      g_string_append (out, " > ");
      g_string_append (out, t);
      g_string_append (out, " type=");
      sim_string_append_uint (out, info->icmp_type);
      g_string_append (out, " code=");
      sim_string_append_uint (out, info->icmp_code);
      break;
    default:
      g_string_append (out, "IP proto=");
      sim_string_append_uint (out, info->proto);
      g_string_append_c (out, ' ');
      g_string_append (out, s);
      g_string_append (out, " > ");
      g_string_append (out, t);
      g_string_append (out, " len=");
      sim_string_append_uint (out, info->total_len);
      break;
    }
}

void
sim_packet_trace (SimWorld *w, const SimPacketInfo *info)
{
  /* The fingerprint gets exactly the values the text shows (addresses,
   * ports, lengths, flags; the protocol decides which), packed, and the
   * text is made only when the trace is read. */
  guint64 v[5];
  sim_trace_fold_n (w, v, sim_packet_trace_values (info, v));
  GString *text = sim_trace_text (w);
  if (text)
    sim_packet_describe_append (text, info);
}

guint
sim_packet_trace_values (const SimPacketInfo *info, guint64 v[5])
{
  guint n = 0;
  v[n++] = (guint64) info->src << 32 | info->dst;
  guint64 common = (guint64) info->proto << 48;
  switch (info->proto)
    {
    case SIM_IPPROTO_UDP:
    case SIM_IPPROTO_TCP:
      v[n++] = common | (guint64) info->sport << 16 | info->dport;
      v[n++] = info->payload_len;
      if (info->proto == SIM_IPPROTO_TCP)
        {
          v[n++] = (guint64) info->tcp_seq << 32 | info->tcp_ack;
          v[n++] = info->tcp_flags & (SIM_TCP_SYN | SIM_TCP_FIN | SIM_TCP_RST
                                      | SIM_TCP_PSH | SIM_TCP_ACK);
        }
      break;
    case SIM_IPPROTO_ICMP:
      v[n++] = common | (guint64) info->icmp_type << 8 | info->icmp_code;
      break;
    default:
      v[n++] = common | info->total_len;
      break;
    }
  return n;
}

void
sim_sockaddr_trace (SimWorld *w, const SimSockAddr *a)
{
  /* The address and port packed as one value; bit 48 set, so that
   * 0.0.0.0:0 is not the value 0. */
  sim_trace_fold (w, G_GUINT64_CONSTANT (1) << 48 | (guint64) a->ip << 16 | a->port);
  GString *text = sim_trace_text (w);
  if (text)
    {
      char buf[SIM_SOCKADDR_STRLEN];
      g_string_append (text, sim_sockaddr_to_string (a, buf));
    }
}

char *
sim_packet_describe (const SimPacketInfo *info)
{
  GString *out = g_string_sized_new (96);
  sim_packet_describe_append (out, info);
  return g_string_free (out, FALSE);
}
