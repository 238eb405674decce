/*
 * sim/net/addr.h - IPv4 addresses and socket addresses.
 *
 * A tiny value type shared by the network, the host seam and (through the
 * seam) device code; it has no dependency on the simulator.  Addresses are
 * kept in host byte order and converted only when bytes are written.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef guint32 SimIp4;                 /* host byte order */

#define SIM_IP4(a, b, c, d) \
  ((SimIp4) (((guint32) (a) << 24) | ((guint32) (b) << 16) | ((guint32) (c) << 8) | (guint32) (d)))
#define SIM_IP4_ANY 0u

typedef struct {
  SimIp4  ip;
  guint16 port;
} SimSockAddr;

#define SIM_IP4_STRLEN   16             /* "255.255.255.255" + NUL */
#define SIM_SOCKADDR_STRLEN 22          /* + ":65535" */

/* What can happen to a socket: simulated outcomes, not program faults.
 * Shared by the simulated network and the host seam (live sockets map
 * their errno values onto these). */
typedef enum {
  SIM_NET_OK = 0,
  SIM_NET_ERR_PORT_UNREACHABLE,   /* ICMP type 3 code 3 came back (UDP) */
  SIM_NET_ERR_HOST_UNREACHABLE,   /* ICMP type 3 code 0/1 came back */
  SIM_NET_ERR_NO_ROUTE,           /* the sending node has no route */
  SIM_NET_ERR_REFUSED,            /* TCP: RST in answer to our SYN */
  SIM_NET_ERR_RESET,              /* TCP: RST on a synchronised connection */
  SIM_NET_ERR_TIMED_OUT,          /* TCP: SYN or data retransmissions exhausted */
} SimNetError;

const char *sim_net_error_to_string (SimNetError err);   /* static string */

/* Parses dotted-quad "a.b.c.d" (no leading zeros trickery, no spaces).
 * Returns FALSE and leaves @out alone on anything else. */
gboolean     sim_ip4_parse          (const char *s, SimIp4 *out);
const char  *sim_ip4_to_string      (SimIp4 ip, char buf[SIM_IP4_STRLEN]);
/* Parses "a.b.c.d:port". */
gboolean     sim_sockaddr_parse     (const char *s, SimSockAddr *out);
const char  *sim_sockaddr_to_string (const SimSockAddr *a, char buf[SIM_SOCKADDR_STRLEN]);
gboolean     sim_sockaddr_equal     (const SimSockAddr *a, const SimSockAddr *b);
/* TRUE if @ip is inside @prefix/@len (len 0..32). */
gboolean     sim_ip4_in_prefix      (SimIp4 ip, SimIp4 prefix, guint len);
SimIp4       sim_ip4_mask           (guint len);

G_END_DECLS
