/*
 * sim/host/host-private.h - what a host implementation provides: a table of
 * operations and the common head of its structs.  Only host-*.c include it.
 */
#pragma once
#include "sim/host/host.h"

typedef struct {
  gboolean    (*get_local_addr)  (SimHost *host, SimIp4 dst, SimIp4 *out);
  void        (*free)            (SimHost *host);

  SimHostUdp *(*udp_open)        (SimHost *host, const SimSockAddr *local, GError **error);
  gboolean    (*udp_sendto)      (SimHostUdp *sock, const SimSockAddr *to,
                                  const void *data, gsize len, GError **error);
  void        (*udp_get_local)   (const SimHostUdp *sock, SimSockAddr *out);
  void        (*udp_close)       (SimHostUdp *sock);

  SimHostTcp *(*tcp_connect)     (SimHost *host, const SimSockAddr *remote, GError **error);
  /* Optional (NULL: host_tcp_connect_from with a local address fails). */
  SimHostTcp *(*tcp_connect_from) (SimHost *host, const SimSockAddr *local,
                                   const SimSockAddr *remote, GError **error);
  SimHostTcpListener *(*tcp_listen) (SimHost *host, const SimSockAddr *local, GError **error);
  void        (*tcp_listener_close) (SimHostTcpListener *listener);
  gboolean    (*tcp_send)        (SimHostTcp *sock, const void *data, gsize len, GError **error);
  void        (*tcp_close)       (SimHostTcp *sock);
  void        (*tcp_abort)       (SimHostTcp *sock);
  void        (*tcp_free)        (SimHostTcp *sock);
  void        (*tcp_forget)      (SimHostTcp *sock);   /* optional: abort instead */
  SimNetError (*tcp_get_error)   (const SimHostTcp *sock);
  void        (*tcp_get_local)   (const SimHostTcp *sock, SimSockAddr *out);
  void        (*tcp_get_remote)  (const SimHostTcp *sock, SimSockAddr *out);
} SimHostOps;

/* Head of every host; an implementation embeds it first. */
struct SimHost {
  const SimHostOps *ops;
  SimWorld         *world;
  char             *name;
  char             *trace_who;   /* "host:NAME" */
  gsize             trace_who_len;
  guint64           trace_who_hash;   /* sim_trace_hash_str (trace_who) */
};

struct SimHostUdp {
  SimHost          *host;
  HostUdpRecvFunc   recv;
  HostUdpErrorFunc  error;
  gpointer          user_data;
};

struct SimHostTcp {
  SimHost          *host;
  HostTcpEventFunc  event;
  HostTcpRecvFunc   recv;
  gpointer          user_data;
};

struct SimHostTcpListener {
  SimHost          *host;
  HostTcpAcceptFunc accept;
  gpointer          user_data;
};

/* Fills the head; @name is copied. */
void host_init_common  (SimHost *host, const SimHostOps *ops, SimWorld *world, const char *name);
void host_clear_common (SimHost *host);
