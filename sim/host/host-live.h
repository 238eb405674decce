/*
 * sim/host/host-live.h - the host seam over real sockets and real time
 * (`sipsim live`).
 *
 * Notes
 *
 * 1. Real time.  A SimLive drives an ordinary SimWorld from a GLib main
 *    context so that kernel time tracks CLOCK_MONOTONIC: kernel time 0 is
 *    the instant sim_live_new() was called, and a timer due at t runs once
 *    the wall clock has reached t (ns-3's RealtimeSimulatorImpl, "best
 *    effort" mode).  The kernel never runs ahead of the wall clock; it may
 *    run behind by the main loop's wake-up latency (GLib polls with
 *    millisecond timeouts, so a timer fires up to ~1 ms late, more on a
 *    loaded machine: sim_live_get_max_lateness() reports the worst).
 *    Timers keep their kernel semantics (FIFO ties, cancel is a no-op when
 *    idle), because they are the kernel's own SimTimers.
 *
 * 2. Inputs are events.  A datagram, an ICMP error or a TCP event read
 *    from a real socket is queued on that socket, stamped with the wall
 *    instant it was read, and handed to the model by a kernel timer due at
 *    that instant, so the model sees it from the event loop, in time order
 *    with its own timers, never inside one of its own calls (host.h rules).
 *
 * 3. ICMP (BEHAVIOUR.md B38).  UDP sockets set IP_RECVERR: an ICMP port
 *    or host unreachable for any datagram the socket sent is read from the
 *    socket's error queue (MSG_ERRQUEUE) with the original destination,
 *    and reaches the model's HostUdpErrorFunc exactly as the simulated
 *    network's ICMP does.  Without it, Linux reports ICMP errors only on
 *    connected UDP sockets, and a dead registrar would cost a Timer F
 *    wait instead of an immediate failover.
 *
 * 4. Addresses.  A host made with a bind address binds every socket that
 *    asks for "any address" to it instead (several live phones can share a
 *    machine on 127.0.0.x), and host_get_local_addr() returns it; without
 *    one, the kernel's routing decides (a connected probe socket's
 *    getsockname).  Ports are real: port 0 is an ephemeral port.
 *
 * 5. The wall clock is read in the files whose names contain "live" only
 *    (and the progress bar); models never see it except through
 *    host_now(), which is kernel time.
 *
 * Ownership: the SimLive does not own the world or the context; hosts
 * made on it must be freed before it.  One thread: the context's.
 */
#pragma once
#include <glib.h>

#include "sim/host/host.h"

G_BEGIN_DECLS

typedef struct SimLive SimLive;

/* Drives @world (not owned; at time 0, nothing run yet) in real time on
 * @context (NULL: the default context). */
SimLive  *sim_live_new            (SimWorld *world, GMainContext *context);
/* Detaches from the context; NULL-safe.  Hosts first. */
void      sim_live_free           (SimLive *live);
SimWorld *sim_live_get_world      (SimLive *live);
/* Runs every event due by the wall clock's now. Not from inside an event. */
void      sim_live_catch_up       (SimLive *live);
/* Kernel time of the wall clock's now (>= sim_world_now). */
SimTime   sim_live_wall_now       (const SimLive *live);
/* Worst lateness of a kernel dispatch so far: wall time when an event ran
 * minus its due time (note 1). */
SimTime   sim_live_get_max_lateness (const SimLive *live);

/* Every UDP datagram a live host sends or receives (after it left / as it
 * was read), for captures: @from -> @to, @data of @len bytes, at kernel
 * time @t. */
typedef void (*SimLivePacketFunc) (SimLive *live, SimTime t, const SimSockAddr *from,
                                   const SimSockAddr *to, const guint8 *data, gsize len,
                                   gpointer user_data);
void      sim_live_set_packet_func (SimLive *live, SimLivePacketFunc func, gpointer user_data);

/* A host on @live named @name (copied; traces and random streams) whose
 * sockets bind @bind_ip when asked for any address (note 4; SIM_IP4_ANY:
 * no substitution). */
SimHost  *sim_live_host_new       (SimLive *live, const char *name, SimIp4 bind_ip);

G_END_DECLS
