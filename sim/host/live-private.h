/*
 * sim/host/live-private.h - SimLive's inside, shared by live-clock.c (the
 * real-time driver) and host-live.c (the sockets).  Not a public header.
 */
#pragma once
#include "sim/host/host-live.h"

struct SimLive {
  SimWorld          *world;        /* not owned */
  GMainContext      *context;      /* a reference */
  GSource           *source;       /* the driver (live-clock.c) */
  gint64             t0_ns;        /* CLOCK_MONOTONIC at kernel time 0 */
  SimTime            max_late;
  SimLivePacketFunc  packet_func;
  gpointer           packet_data;
};
