/*
 * sim/net/packet-private.h - SimPacket's layout, for the network's own files.
 */
#pragma once
#include "sim/net/packet.h"

struct SimPacket {
  SimPacket *fl_prev, *fl_next;  /* while in flight: the net's list (net.c) */
  gpointer  hop;        /* while in flight: the SimIface it arrives on */
  guint32   hop_epoch;  /* the link's epoch when sent: a cut in between drops it */
  guint32   len;
  /* The checksums were verified at an earlier hop and the bytes have not
   * changed since, except by code that keeps them valid (the TTL update of
   * forwarding).  sim_packet_data_mut() and link corruption clear it; a hop
   * that finds it set skips the checksum sums (doc/performance.md: they were
   * a tenth of a run when every hop re-summed every packet). */
  gboolean  checked;
  guint8    data[];
};

/* sim_packet_parse(), with the checksum checks only when @verify. */
SimPacketError sim_packet_parse_full (const guint8 *data, gsize len, SimPacketInfo *info,
                                      gboolean verify);
