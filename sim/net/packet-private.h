/*
 * sim/net/packet-private.h - SimPacket's layout, for the network's own files.
 */
#pragma once
#include "sim/net/packet.h"

typedef struct SimPacketPool SimPacketPool;

struct SimPacket {
  SimPacket *fl_prev, *fl_next;  /* while in flight: the net's list (net.c);
                                  * in the pool: fl_next links the free list */
  SimPacketPool *pool;  /* where sim_packet_free() puts it back; NULL: g_free */
  guint32   cap;        /* bytes of data[] allocated (>= len) */
  gpointer  hop;        /* while in flight: the SimIface it arrives on */
  guint32   hop_epoch;  /* the link's epoch when sent: a cut in between drops it */
  guint32   len;
  /* The checksums were verified at an earlier hop (or written by the
   * constructor) and the bytes have not changed since, except by code that
   * keeps them valid (the TTL update of forwarding, a NAT's rewrite), and
   * @info is what sim_packet_parse() gives for the bytes as they are now
   * (packet.c note 6).  sim_packet_data_mut() and link corruption clear
   * it; a hop that finds it set neither sums the checksums nor parses the
   * headers again (doc/performance.md: the sums were a tenth of a run when
   * every hop re-summed every packet, the parses 95 instructions a hop). */
  gboolean  checked;
  SimPacketInfo info;   /* valid only while @checked; payload points into data[] */
  guint8    data[];
};

/* sim_packet_parse(), with the checksum checks only when @verify. */
SimPacketError sim_packet_parse_full (const guint8 *data, gsize len, SimPacketInfo *info,
                                      gboolean verify);
/* The headers of a packet arriving at a hop (note 6): the info it carries
 * when checked, else sim_packet_parse() of its bytes, which on success is
 * kept with the packet and marks it checked.  In every build but a release
 * build (SIPSIM_PACKET_CHECK) the carried info is compared with a fresh,
 * verifying parse of the bytes, so the test suite checks every hop. */
SimPacketError sim_packet_parse_hop   (SimPacket *pkt, SimPacketInfo *info);

/* ---- the packet pool (packet.c note 5) */

/* A pool of packet buffers for one net (so one world, one thread).  Owned
 * by the net; sim_packet_pool_release() gives up the net's reference, and
 * the pool is freed once the last packet taken from it is freed too. */
SimPacketPool *sim_packet_pool_new     (void);
void           sim_packet_pool_release (SimPacketPool *pool);
/* Packets taken from the pool since it was made and not yet freed. */
guint          sim_packet_pool_outstanding (const SimPacketPool *pool);
/* Buffers waiting in the pool's free lists. */
guint          sim_packet_pool_idle    (const SimPacketPool *pool);

/* sim_packet_new_udp/_tcp/_icmp_error with the buffer from @pool (NULL:
 * g_malloc, as the public constructors do). */
SimPacket *sim_packet_new_udp_in  (SimPacketPool *pool, const SimSockAddr *src,
                                   const SimSockAddr *dst, guint16 ip_id, guint8 ttl,
                                   const void *payload, gsize len);
SimPacket *sim_packet_new_tcp_in  (SimPacketPool *pool, const SimSockAddr *src,
                                   const SimSockAddr *dst, guint16 ip_id, guint8 ttl,
                                   guint32 seq, guint32 ack, guint8 flags, guint16 window,
                                   guint16 mss_option, const void *payload, gsize len);
SimPacket *sim_packet_new_icmp_error_in (SimPacketPool *pool, SimIp4 src, guint16 ip_id,
                                         guint8 ttl, guint8 type, guint8 code,
                                         const guint8 *orig, gsize orig_len);
