/*
 * sim/host/host.h - the host seam: the only interface through which device,
 * proxy, DNS and NAT code reaches time, timers, sockets, randomness and logs.
 *
 * Protocol code written against this header runs unchanged in two worlds:
 *
 *   simulated host (host-sim.c)        live host (host-live.c, `sipsim live`)
 *   - time: the SimWorld clock         - time: the same kernel, its clock slaved
 *   - sockets: sim/net on a SimNode      to CLOCK_MONOTONIC by a GLib main loop
 *                                      - sockets: real ones (IP_RECVERR for ICMP)
 *
 * Timers are the kernel's SimTimer in both: the live host drives the same
 * event queue in real time (as ns-3's RealtimeSimulatorImpl does), so
 * timer semantics (FIFO ties, cancel is a no-op when idle) are identical.
 *
 * DNS: the c-ares binding (sim/host/resolver.h) is written against this
 * header too.  c-ares only builds queries and parses answers (no channel,
 * resolver-ares.c note 1); each attempt opens its own socket with
 * host_udp_open, sends with host_udp_sendto and matches what its recv
 * callback gets, ICMP errors included, so one binding serves both the
 * simulator and live mode.
 *
 * Rules for callers:
 *  - Every callback runs from the event loop, never inside the call that
 *    caused it; a callback may close or free the socket it is called for.
 *  - Strings and buffers passed in are copied; pointers passed to
 *    callbacks are valid only during the call.
 *  - A model frees its sockets and cancels its timers before its host is
 *    freed.
 */
#pragma once
#include <glib.h>

#include "sim/kernel/world.h"     /* SimTime, SimTimer, SimRng, SimLogLevel */
#include "sim/net/addr.h"         /* SimIp4, SimSockAddr, SimNetError */

G_BEGIN_DECLS

typedef struct SimHost            SimHost;
typedef struct SimHostUdp         SimHostUdp;
typedef struct SimHostTcp         SimHostTcp;
typedef struct SimHostTcpListener SimHostTcpListener;

/* Timers: embedded in the model, as SimTimer is. */
typedef SimTimer     HostTimer;
typedef SimTimerFunc HostTimerFunc;

typedef enum {
  HOST_TCP_CONNECTED,     /* active open completed */
  HOST_TCP_PEER_CLOSED,   /* FIN received: no more data will arrive */
  HOST_TCP_ERROR,         /* refused, reset or timed out: host_tcp_get_error() */
  HOST_TCP_CLOSED,        /* our graceful close completed */
} HostTcpEvent;

typedef void (*HostUdpRecvFunc)  (SimHostUdp *sock, const SimSockAddr *from,
                                  const guint8 *data, gsize len, gpointer user_data);
typedef void (*HostUdpErrorFunc) (SimHostUdp *sock, SimNetError err,
                                  const SimSockAddr *remote, gpointer user_data);
typedef void (*HostTcpEventFunc) (SimHostTcp *sock, HostTcpEvent ev, gpointer user_data);
typedef void (*HostTcpRecvFunc)  (SimHostTcp *sock, const guint8 *data, gsize len,
                                  gpointer user_data);
/* The accepted socket belongs to the callee, who sets its callbacks with
 * host_tcp_set_callbacks() before returning. */
typedef void (*HostTcpAcceptFunc) (SimHostTcpListener *listener, SimHostTcp *sock,
                                   gpointer user_data);

/* ------------------------------------------------------------- identity */

/* The host's name, as used in traces and random stream names. */
const char *host_get_name     (const SimHost *host);
/* The local address the host would send from to reach @dst (Via and
 * Contact are built from it).  FALSE if there is no route. */
gboolean    host_get_local_addr (SimHost *host, SimIp4 dst, SimIp4 *out);
/* Frees the host; NULL-safe.  Its sockets must be closed first. */
void        host_free         (SimHost *host);

/* ------------------------------------------------------- time and timers */

SimTime     host_now          (const SimHost *host);
void        host_timer_init   (SimHost *host, HostTimer *timer, HostTimerFunc func,
                               gpointer user_data);
/* The kernel's own calls, inline: a host timer is a SimTimer in both
 * hosts, so there is nothing to dispatch (tens of thousands of calls a
 * simulated phone-day). */
/* (Re)starts @timer for now + @delay (>= 0). */
static inline void
host_timer_start (HostTimer *timer, SimTime delay)
{
  sim_timer_start (timer, delay);
}
/* No-op when not pending. */
static inline void
host_timer_cancel (HostTimer *timer)
{
  sim_timer_cancel (timer);
}
static inline gboolean
host_timer_is_pending (const HostTimer *timer)
{
  return sim_timer_is_pending (timer);
}

/* ---------------------------------------------------- randomness, output */

/* Seeds @rng as the stream "host/NAME/@stream" of the run: independent of
 * every other host's and stream's draws. */
void        host_rng_init     (SimHost *host, SimRng *rng, const char *stream);
void        host_log          (SimHost *host, SimLogLevel level, const char *fmt, ...)
                               G_GNUC_PRINTF (3, 4);
/* A protocol-visible event, e.g. "REGISTER sent to 192.0.2.10:5060": one
 * line of the run's trace and fingerprint (see sim_trace()). */
void        host_trace        (SimHost *host, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* host_trace() in pieces (see sim_trace_begin()): begin writes the time
 * and "host:<name>", each piece is folded into the fingerprint by value
 * and formatted only when the trace is read, end closes the line. */
void        host_trace_begin  (SimHost *host);
void        host_trace_str    (SimHost *host, const char *s);
/* A string in static storage that never changes, e.g. from a
 * *_to_string table (sim_trace_static); host_trace_lit for a literal. */
void        host_trace_static (SimHost *host, const char *s);
#define     host_trace_lit(host, lit) host_trace_static ((host), "" lit "")
/* For a piece the caller traces often and never changes: its hash,
 * computed once with host_trace_hash (@s, @len) and kept with @s, saves
 * hashing its bytes on every line; the same line and fingerprint as
 * sim_trace_str_len (@s, @len) (sim_trace_str_hashed). */
guint64     host_trace_hash   (const char *s, gsize len);
void        host_trace_str_hashed (SimHost *host, const char *s, gsize len, guint64 hash);
/* An address as sim_sockaddr_to_string() writes it, folded by value: for
 * addresses that are formatted only to be traced. */
void        host_trace_sockaddr (SimHost *host, const SimSockAddr *addr);
/* Formats are string literals (sim/kernel/world.h, "Contract"). */
void        host_trace_printfv (SimHost *host, const char *fmt, va_list ap) G_GNUC_PRINTF (2, 0);
void        host_trace_end    (SimHost *host);

/* ------------------------------------------------------------------ UDP */

/* Binds @local (NULL or ip 0: any address; port 0: ephemeral).  Errors:
 * SIM_NET_ERROR_ADDR_IN_USE, ..._ADDR_NOT_AVAILABLE, ..._NO_PORTS. */
SimHostUdp *host_udp_open     (SimHost *host, const SimSockAddr *local,
                               HostUdpRecvFunc recv, HostUdpErrorFunc error,
                               gpointer user_data, GError **error_out);
/* Sends one datagram; @data is copied.  FALSE with a GError if it could not
 * leave (no route, too large); TRUE does not mean delivered. */
gboolean    host_udp_sendto   (SimHostUdp *sock, const SimSockAddr *to,
                               const void *data, gsize len, GError **error);
void        host_udp_get_local (const SimHostUdp *sock, SimSockAddr *out);
void        host_udp_close    (SimHostUdp *sock);        /* NULL-safe */

/* ------------------------------------------------------------------ TCP */

SimHostTcp *host_tcp_connect  (SimHost *host, const SimSockAddr *remote,
                               HostTcpEventFunc event, HostTcpRecvFunc recv,
                               gpointer user_data, GError **error);
/* As host_tcp_connect, from @local (NULL or ip 0: the route's address;
 * port 0: ephemeral).  A fixed port is how a phone keeps one local port
 * for its connections (Aastra "Persistent TLS" from 5061).  Errors as
 * host_udp_open's, and SIM_NET_ERROR_NO_ROUTE. */
SimHostTcp *host_tcp_connect_from (SimHost *host, const SimSockAddr *local,
                                   const SimSockAddr *remote, HostTcpEventFunc event,
                                   HostTcpRecvFunc recv, gpointer user_data, GError **error);
SimHostTcpListener *host_tcp_listen (SimHost *host, const SimSockAddr *local,
                                     HostTcpAcceptFunc accept, gpointer user_data,
                                     GError **error);
void        host_tcp_listener_close (SimHostTcpListener *listener);   /* NULL-safe */
void        host_tcp_set_callbacks (SimHostTcp *sock, HostTcpEventFunc event,
                                    HostTcpRecvFunc recv, gpointer user_data);
gboolean    host_tcp_send     (SimHostTcp *sock, const void *data, gsize len, GError **error);
void        host_tcp_close    (SimHostTcp *sock);        /* graceful: FIN */
void        host_tcp_abort    (SimHostTcp *sock);        /* RST */
void        host_tcp_free     (SimHostTcp *sock);        /* NULL-safe; aborts if open */
/* Fault injection: the connection's state vanishes and nothing is sent (a
 * host that lost power: the peer's next segment is answered with RST).
 * Nothing is reported; free the handle afterwards.  A live host, which
 * cannot do this, aborts instead. */
void        host_tcp_forget   (SimHostTcp *sock);
SimNetError host_tcp_get_error (const SimHostTcp *sock);
void        host_tcp_get_local (const SimHostTcp *sock, SimSockAddr *out);
void        host_tcp_get_remote (const SimHostTcp *sock, SimSockAddr *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimHost, host_free)

G_END_DECLS
