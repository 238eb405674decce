/*
 * tests/recording-peer.h - the one recording peer of the tests: a UDP
 * socket, or one end of a TCP connection, that records what it receives
 * (how many, when, from whom, the bytes), the errors it gets and the TCP
 * events, and can echo.  libre's tests bring such peers of their own
 * (STYLE.md); here every test shares this one.
 *
 * Two seams, one recorder:
 *   - on a SimHost (host_udp_*, host_tcp_*): how a model sees the
 *     network, for the model and host tests (test-host, test-proxy);
 *   - on a bare SimNode (sim_udp_*): for the engine's and the NAT's own
 *     tests (test-net-udp, test-nat), which sit below the host seam.
 * Both call the same rec_peer_record_* functions, so what "received"
 * means is written once.  A peer that answers (a scripted registrar, a raw
 * SIP peer) is a RecPeer with an @on_rx hook.
 *
 * Header-only (every test is its own executable).  Ownership: the peer
 * owns its socket and its buffers; rec_peer_clear() closes and frees
 * them (NULL-safe members, so a peer that closed itself is fine).
 */
#pragma once
#include <string.h>
#include <glib.h>

#include "sim/host/host-sim.h"
#include "sim/net/net.h"

typedef struct RecPeer RecPeer;

/* Called after a datagram is recorded (UDP), for a peer that answers:
 * tests/device-owner.h's scripted registrar, test-sip-txn's raw peer. */
typedef void (*RecPeerRxFunc) (RecPeer *p, const SimSockAddr *from, const guint8 *data,
                               gsize len);

struct RecPeer {
  /* the clock: exactly one of them is set */
  SimWorld     *world;       /* bare node */
  SimHost      *host;        /* host seam */
  /* the socket: one of them */
  SimUdpSocket *sock;        /* bare node, UDP */
  SimHostUdp   *hsock;       /* host, UDP */
  SimHostTcp   *tcp;         /* host, TCP (rec_peer_connect_tcp) */
  /* what it received */
  guint         n_rx;        /* datagrams, or TCP reads */
  GArray       *rx_times;    /* SimTime of each */
  GArray       *rx_seq;      /* guint32: the first 4 payload bytes of each (0 if shorter) */
  SimSockAddr   last_from;   /* UDP */
  SimTime       last_rx;     /* -1: nothing yet */
  GString      *last_data;   /* UDP: the last datagram */
  GPtrArray    *datagrams;   /* UDP: GBytes of every datagram, in order */
  GString      *stream;      /* TCP: every byte, in order */
  /* errors */
  guint         n_err;
  SimNetError   last_err;
  SimSockAddr   last_err_remote;
  SimTime       last_err_time;
  /* TCP events (-1: not yet) */
  gboolean      connected;
  SimTime       connected_at, peer_closed_at, closed_at;
  /* behaviour */
  gboolean      echo;        /* UDP: send every datagram back to its sender */
  gboolean      close_on_rx; /* UDP, bare node: close itself from the callback */
  RecPeerRxFunc on_rx;       /* UDP: after recording; NULL: none */
  gpointer      user_data;   /* for @on_rx */
};

static inline SimTime
rec_peer_now (const RecPeer *p)
{
  return p->host ? host_now (p->host) : sim_world_now (p->world);
}

static inline void
rec_peer_init (RecPeer *p)
{
  memset (p, 0, sizeof *p);
  p->rx_times = g_array_new (FALSE, FALSE, sizeof (SimTime));
  p->rx_seq = g_array_new (FALSE, FALSE, sizeof (guint32));
  p->last_data = g_string_new (NULL);
  p->datagrams = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  p->stream = g_string_new (NULL);
  p->last_rx = p->last_err_time = -1;
  p->connected_at = p->peer_closed_at = p->closed_at = -1;
}

/* What every flavour records for a datagram or a read. */
static inline void
rec_peer_record_rx (RecPeer *p, const SimSockAddr *from, const guint8 *data, gsize len)
{
  SimTime now = rec_peer_now (p);
  guint32 seq = 0;
  if (len >= 4)
    memcpy (&seq, data, 4);
  p->n_rx++;
  g_array_append_val (p->rx_times, now);
  g_array_append_val (p->rx_seq, seq);
  p->last_rx = now;
  if (from)
    {
      p->last_from = *from;
      g_string_truncate (p->last_data, 0);
      g_string_append_len (p->last_data, (const char *) data, (gssize) len);
      g_ptr_array_add (p->datagrams, g_bytes_new (data, len));
    }
  else
    g_string_append_len (p->stream, (const char *) data, (gssize) len);
}

static inline void
rec_peer_record_error (RecPeer *p, SimNetError err, const SimSockAddr *remote)
{
  p->n_err++;
  p->last_err = err;
  if (remote)
    p->last_err_remote = *remote;
  p->last_err_time = rec_peer_now (p);
}

/* A datagram arrived: recorded, then the hook (if any) answers it. */
static inline void
rec_peer_received (RecPeer *p, const SimSockAddr *from, const guint8 *data, gsize len)
{
  rec_peer_record_rx (p, from, data, len);
  if (p->on_rx)
    p->on_rx (p, from, data, len);
}

/* ------------------------------------------------------- bare node, UDP */

static inline void
rec_peer_sim_recv (SimUdpSocket *sock, const SimSockAddr *from, const guint8 *data, gsize len,
                   gpointer u)
{
  RecPeer *p = u;
  rec_peer_received (p, from, data, len);
  if (p->echo)
    g_assert_true (sim_udp_sendto (sock, from, data, len, NULL));
  if (p->close_on_rx)
    {
      sim_udp_close (sock);
      p->sock = NULL;
    }
}

static inline void
rec_peer_sim_error (SimUdpSocket *sock, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  rec_peer_record_error (u, err, remote);
}

/* ---------------------------------------------------------- host, UDP */

static inline void
rec_peer_host_recv (SimHostUdp *sock, const SimSockAddr *from, const guint8 *data, gsize len,
                    gpointer u)
{
  RecPeer *p = u;
  rec_peer_received (p, from, data, len);
  if (p->echo)
    host_udp_sendto (sock, from, data, len, NULL);
}

static inline void
rec_peer_host_error (SimHostUdp *sock, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  rec_peer_record_error (u, err, remote);
}

/* A UDP socket bound to port @port (0: ephemeral), any address: on the
 * bare @node, or on @host (exactly one of them). */
static inline void
rec_peer_open_udp (RecPeer *p, SimNode *node, SimHost *host, guint16 port)
{
  g_assert ((node == NULL) != (host == NULL));
  rec_peer_init (p);
  SimSockAddr local = { SIM_IP4_ANY, port };
  g_autoptr (GError) err = NULL;
  if (host)
    {
      p->host = host;
      p->hsock = host_udp_open (host, &local, rec_peer_host_recv, rec_peer_host_error, p, &err);
    }
  else
    {
      p->world = sim_node_get_world (node);
      p->sock = sim_udp_open (node, &local, &err);
      if (p->sock)
        sim_udp_set_callbacks (p->sock, rec_peer_sim_recv, rec_peer_sim_error, p);
    }
  g_assert_no_error (err);
}

/* The two flavours by name. */
static inline void
rec_peer_open (RecPeer *p, SimNode *node, guint16 port)
{
  rec_peer_open_udp (p, node, NULL, port);
}

static inline void
rec_peer_open_host (RecPeer *p, SimHost *host, guint16 port)
{
  rec_peer_open_udp (p, NULL, host, port);
}

/* ---------------------------------------------------------- host, TCP */

static inline void
rec_peer_tcp_event (SimHostTcp *sock, HostTcpEvent ev, gpointer u)
{
  RecPeer *p = u;
  SimTime now = rec_peer_now (p);
  switch (ev)
    {
    case HOST_TCP_CONNECTED:
      p->connected = TRUE;
      p->connected_at = now;
      break;
    case HOST_TCP_PEER_CLOSED:
      p->peer_closed_at = now;
      break;
    case HOST_TCP_CLOSED:
      p->closed_at = now;
      break;
    case HOST_TCP_ERROR:
      rec_peer_record_error (p, host_tcp_get_error (sock), NULL);
      p->closed_at = now;
      break;
    }
}

static inline void
rec_peer_tcp_recv (SimHostTcp *sock, const guint8 *data, gsize len, gpointer u)
{
  rec_peer_record_rx (u, NULL, data, len);
}

/* A TCP connection from @host to @to; connected once the handshake is
 * done (the CONNECTED event). */
static inline void
rec_peer_connect_tcp (RecPeer *p, SimHost *host, const SimSockAddr *to)
{
  rec_peer_init (p);
  p->host = host;
  g_autoptr (GError) err = NULL;
  p->tcp = host_tcp_connect (host, to, rec_peer_tcp_event, rec_peer_tcp_recv, p, &err);
  g_assert_no_error (err);
}

/* Closes whatever socket the peer has and frees its buffers. */
static inline void
rec_peer_clear (RecPeer *p)
{
  g_clear_pointer (&p->sock, sim_udp_close);
  g_clear_pointer (&p->hsock, host_udp_close);
  g_clear_pointer (&p->tcp, host_tcp_free);
  g_clear_pointer (&p->rx_times, g_array_unref);
  g_clear_pointer (&p->rx_seq, g_array_unref);
  g_clear_pointer (&p->datagrams, g_ptr_array_unref);
  if (p->last_data)
    g_string_free (g_steal_pointer (&p->last_data), TRUE);
  if (p->stream)
    g_string_free (g_steal_pointer (&p->stream), TRUE);
}
