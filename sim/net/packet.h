/*
 * sim/net/packet.h - IPv4 packets as real bytes: IPv4 header, UDP, TCP and
 * ICMP, with correct checksums.
 *
 * Everything that crosses the simulated network is a SimPacket holding the
 * exact bytes a wire would carry (RFC 791, 768, 793, 792), so the NAT model
 * rewrites real headers, the pcap writer copies bytes verbatim, and a
 * receiver parses what it gets instead of trusting a struct.  No IP options
 * are generated (IHL 5); options on received packets are accepted and
 * skipped.  Fragmentation is not modelled: a packet carries up to 65535
 * bytes whatever the link MTU.
 */
#pragma once
#include <glib.h>
#include "sim/net/addr.h"
#include "sim/kernel/world.h"

G_BEGIN_DECLS

enum {
  SIM_IPPROTO_ICMP = 1,
  SIM_IPPROTO_TCP  = 6,
  SIM_IPPROTO_UDP  = 17,
};

#define SIM_IPV4_HDR_LEN   20
#define SIM_UDP_HDR_LEN     8
#define SIM_TCP_HDR_LEN    20
#define SIM_ICMP_HDR_LEN    8
#define SIM_IP_MAX_LEN  65535
#define SIM_UDP_MAX_PAYLOAD (SIM_IP_MAX_LEN - SIM_IPV4_HDR_LEN - SIM_UDP_HDR_LEN)

/* TCP flag bits (RFC 793 + 3168). */
enum {
  SIM_TCP_FIN = 0x01,
  SIM_TCP_SYN = 0x02,
  SIM_TCP_RST = 0x04,
  SIM_TCP_PSH = 0x08,
  SIM_TCP_ACK = 0x10,
};

/* ICMP (RFC 792). */
enum {
  SIM_ICMP_ECHO_REPLY    = 0,
  SIM_ICMP_DEST_UNREACH  = 3,
  SIM_ICMP_ECHO_REQUEST  = 8,
  SIM_ICMP_TIME_EXCEEDED = 11,
};
enum {
  SIM_ICMP_NET_UNREACH  = 0,
  SIM_ICMP_HOST_UNREACH = 1,
  SIM_ICMP_PORT_UNREACH = 3,
};

/* Why a packet was rejected by sim_packet_parse(). */
typedef enum {
  SIM_PACKET_OK = 0,
  SIM_PACKET_TRUNCATED,        /* shorter than its headers say */
  SIM_PACKET_BAD_VERSION,      /* not IPv4 */
  SIM_PACKET_BAD_IHL,          /* header length < 20 or beyond the packet */
  SIM_PACKET_BAD_TOTAL_LENGTH, /* total length disagrees with the bytes */
  SIM_PACKET_BAD_IP_CHECKSUM,
  SIM_PACKET_FRAGMENT,         /* MF set or offset != 0: not modelled */
  SIM_PACKET_BAD_L4_LENGTH,    /* UDP length / TCP data offset inconsistent */
  SIM_PACKET_BAD_L4_CHECKSUM,
} SimPacketError;

const char *sim_packet_error_to_string (SimPacketError err);  /* static string */

/* One packet: a byte buffer plus transient bookkeeping of the network.
 * Owned by exactly one party at a time (the sender until handed to the
 * network, then the network until delivered or dropped). */
typedef struct SimPacket SimPacket;

/* A parsed view into a packet's bytes; pointers are valid while the bytes
 * are unchanged. */
typedef struct {
  SimIp4         src, dst;
  guint8         proto;
  guint8         ttl;
  guint16        ip_id;
  guint16        hdr_len;      /* IPv4 header length in bytes */
  guint16        total_len;
  /* UDP and TCP */
  guint16        sport, dport;
  /* TCP */
  guint32        tcp_seq, tcp_ack;
  guint8         tcp_flags;
  guint16        tcp_window;
  /* ICMP */
  guint8         icmp_type, icmp_code;
  /* The transport payload (UDP/TCP data, or ICMP body after its 8-byte header). */
  const guint8  *payload;
  gsize          payload_len;
} SimPacketInfo;

/* Validates @data as one IPv4 packet (header checksum and, for UDP (when
 * nonzero), TCP and ICMP, the transport checksum) and fills @info.  Never
 * reads outside [data, data + len). */
SimPacketError sim_packet_parse (const guint8 *data, gsize len, SimPacketInfo *info);
/* Like sim_packet_parse() for the header quoted inside an ICMP error: checks
 * only what an ICMP quote guarantees (IPv4 header + at least 8 bytes, the
 * ports), no checksums, and tolerates the truncated transport. */
SimPacketError sim_packet_parse_quoted (const guint8 *data, gsize len, SimPacketInfo *info);

SimPacket     *sim_packet_new_udp  (const SimSockAddr *src, const SimSockAddr *dst,
                                    guint16 ip_id, guint8 ttl,
                                    const void *payload, gsize len);
SimPacket     *sim_packet_new_tcp  (const SimSockAddr *src, const SimSockAddr *dst,
                                    guint16 ip_id, guint8 ttl,
                                    guint32 seq, guint32 ack, guint8 flags, guint16 window,
                                    guint16 mss_option,  /* 0: no option (else SYN's MSS) */
                                    const void *payload, gsize len);
/* An ICMP error of @type/@code from @src about @orig (RFC 792: quotes the
 * original IP header and the first 8 bytes of its data). */
SimPacket     *sim_packet_new_icmp_error (SimIp4 src, guint16 ip_id, guint8 ttl,
                                          guint8 type, guint8 code,
                                          const guint8 *orig, gsize orig_len);
/* Any bytes at all, for tests that feed malformed packets. */
SimPacket     *sim_packet_new_raw  (const void *bytes, gsize len);
SimPacket     *sim_packet_copy     (const SimPacket *pkt);
void           sim_packet_free     (SimPacket *pkt);

const guint8  *sim_packet_data     (const SimPacket *pkt);
guint8        *sim_packet_data_mut (SimPacket *pkt);   /* for rewriting in place */
gsize          sim_packet_len      (const SimPacket *pkt);

/* Rewrites the source or destination address and port of a UDP or TCP packet
 * (for ICMP: just the address) and recomputes both checksums, as a NAT does.
 * Returns FALSE if @pkt does not parse. */
gboolean       sim_packet_rewrite_src (SimPacket *pkt, const SimSockAddr *addr);
gboolean       sim_packet_rewrite_dst (SimPacket *pkt, const SimSockAddr *addr);
/* Decrements the TTL (which must be > 0) and updates the header checksum,
 * as a router forwarding the packet does. */
void           sim_packet_forward_ttl (SimPacket *pkt);
/* sim_packet_parse() of @pkt's bytes, skipping the checksum sums when they
 * were verified at an earlier hop and the bytes have not changed since
 * (only the network's own code, which keeps them valid, has changed them). */
SimPacketError sim_packet_parse_pkt (const SimPacket *pkt, SimPacketInfo *info);
/* Recomputes the IPv4 header checksum only (after a TTL change). */
void           sim_packet_fix_ip_checksum (SimPacket *pkt);
/* Recomputes the IPv4 header checksum and the transport checksum. */
void           sim_packet_fix_checksums (SimPacket *pkt);

/* The Internet checksum (RFC 1071) of @len bytes, seeded with @sum. */
guint16        sim_inet_checksum   (const guint8 *data, gsize len, guint32 sum);

/* One line for traces: "UDP 10.0.0.1:5060 > 10.0.0.2:5060 len=312". */
char          *sim_packet_describe (const SimPacketInfo *info);
/* The same text appended to @out, formatted in place (no printf). */
void           sim_packet_describe_append (GString *out, const SimPacketInfo *info);
/* The same text as a piece of the trace line in progress (sim_trace_begin;
 * folded by value, formatted only when the trace is read). */
void           sim_packet_trace    (SimWorld *world, const SimPacketInfo *info);
/* The values sim_packet_trace folds, into @v; returns how many (<= 5). */
guint          sim_packet_trace_values (const SimPacketInfo *info, guint64 v[5]);
/* @addr as a piece of the trace line in progress: the text
 * sim_sockaddr_to_string() gives ("10.0.0.1:5060"), formatted only when
 * the trace is read; the fingerprint folds the address and port as one
 * value (fingerprint version 3). */
void           sim_sockaddr_trace  (SimWorld *world, const SimSockAddr *addr);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimPacket, sim_packet_free)

G_END_DECLS
