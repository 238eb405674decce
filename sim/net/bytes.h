/*
 * sim/net/bytes.h - reading and writing big-endian (network order) integers
 * at unaligned addresses in wire buffers.
 *
 * Shared by every codec that builds or parses bytes (IPv4/UDP/TCP/ICMP in
 * packet.c, STUN in models/stun/msg.c), so there is one definition of the
 * byte order instead of one per file.  Byte by byte, so no alignment or
 * aliasing assumption is made; compilers turn these into single loads and
 * bswaps.  The pcap writer is little-endian by format and keeps its own.
 */
#pragma once
#include <glib.h>

static inline guint16
sim_get_be16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline guint32
sim_get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline void
sim_put_be16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static inline void
sim_put_be32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}
