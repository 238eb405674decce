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
  guint8    data[];
};
