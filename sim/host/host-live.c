/*
 * sim/host/host-live.c - SimHost over real sockets (host-live.h).
 *
 * Notes
 *
 * 1. One reader per socket (LiveIo).  A GLib fd watch reads what the
 *    kernel has (datagrams, the error queue, TCP bytes and state changes,
 *    accepted connections) into the socket's queue, each item stamped with
 *    the wall instant it was read, and starts the socket's rx timer at the
 *    head item's instant.  The rx timer hands over one item per firing and
 *    restarts for the next, so a callback that closes the socket stops the
 *    rest (host-live.h note 2).
 *
 *      fd readable --read--> queue --rx timer (kernel, at read instant)--> model
 *
 *    A socket closed while its rx timer is handing an item over is freed
 *    when the callback returns (delivering / closed flags), never under it.
 *
 * 2. UDP errors.  IP_RECVERR puts every ICMP error for the socket's
 *    datagrams on its error queue (read with MSG_ERRQUEUE: the ICMP type,
 *    code and the datagram's original destination) and also sets the
 *    socket's pending error, which the next sendto() or recvfrom() returns
 *    (ECONNREFUSED) and clears.  That return is not a failure of the call
 *    at hand: sendto() is retried once, recvfrom() goes on; the error
 *    queue carries what the model needs.
 *
 * 3. TCP follows host.h's events: CONNECTED when the non-blocking connect
 *    completes (SO_ERROR 0), ERROR with REFUSED / TIMED_OUT / RESET /
 *    HOST_UNREACHABLE, PEER_CLOSED on end of stream, CLOSED once our FIN
 *    has gone (after the queued bytes) and the peer's has come.  Sends are
 *    queued and flushed as the kernel takes them.  Abort is SO_LINGER 0
 *    then close(): an RST, as host_tcp_abort() promises.
 *
 * State of a LiveTcp (asserted in tcp_check):
 *   CONNECTING --SO_ERROR 0--> OPEN --our close, queue flushed--> (shut_wr)
 *   any --error/abort--> DEAD (fd closed)
 *   OPEN + peer FIN --> peer_closed; shut_wr && peer_closed --> CLOSED event
 */
#include "sim/host/host-live.h"
#include "sim/host/live-private.h"
#include "sim/host/host-private.h"
#include "sim/net/net.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <glib-unix.h>

#define READS_PER_WAKEUP 64
#define RX_BUF           65536

typedef struct {
  SimHost  base;
  SimLive *live;
  SimIp4   bind_ip;
} LiveHost;

typedef enum {
  RX_DATAGRAM,       /* UDP: addr = source */
  RX_ICMP,           /* UDP: addr = original destination, err */
  RX_TCP_DATA,
  RX_TCP_EVENT,      /* ev (and err for ERROR) */
  RX_ACCEPT,         /* listener: accepted */
} RxKind;

typedef struct LiveTcp LiveTcp;

typedef struct {
  RxKind       kind;
  SimTime      at;
  SimSockAddr  addr;
  SimNetError  err;
  HostTcpEvent ev;
  LiveTcp     *accepted;
  gsize        len;
  guint8       data[];
} RxItem;

typedef struct LiveIo LiveIo;
struct LiveIo {
  LiveHost     *host;
  int           fd;               /* -1 once closed */
  GSource      *watch;
  GIOCondition  cond;
  GQueue        rx;               /* RxItem* */
  HostTimer     rx_timer;
  gboolean      delivering, closed;
  gboolean    (*ready)   (LiveIo *io, GIOCondition cond);
  void        (*deliver) (LiveIo *io, RxItem *item);
  void        (*destroy) (LiveIo *io);   /* frees the container */
};

typedef struct {
  SimHostUdp  base;
  LiveIo      io;
  SimSockAddr local;
} LiveUdp;

struct LiveTcp {
  SimHostTcp  base;
  LiveIo      io;
  SimSockAddr local, remote;
  GByteArray *out;
  gboolean    connecting, open, close_wanted, shut_wr, peer_closed, closed_sent;
  SimNetError err;
};

typedef struct {
  SimHostTcpListener base;
  LiveIo             io;
} LiveListener;

static void tcp_free_now (LiveTcp *t);

/* ------------------------------------------------------------- helpers */

static LiveHost *
live_host (SimHost *h)
{
  return (LiveHost *) h;
}

static void
to_sin (const SimSockAddr *a, struct sockaddr_in *sin)
{
  memset (sin, 0, sizeof *sin);
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl (a->ip);
  sin->sin_port = htons (a->port);
}

static SimSockAddr
from_sin (const struct sockaddr_in *sin)
{
  return (SimSockAddr) { ntohl (sin->sin_addr.s_addr), ntohs (sin->sin_port) };
}

static SimSockAddr
sock_name (int fd)
{
  struct sockaddr_in sin = { 0 };
  socklen_t len = sizeof sin;
  if (getsockname (fd, (struct sockaddr *) &sin, &len) != 0)
    return (SimSockAddr) { 0, 0 };
  return from_sin (&sin);
}

static gboolean
bind_error (int e, const SimSockAddr *want, GError **error)
{
  char b[SIM_SOCKADDR_STRLEN];
  int code = e == EADDRINUSE ? SIM_NET_ERROR_ADDR_IN_USE
             : e == EADDRNOTAVAIL ? SIM_NET_ERROR_ADDR_NOT_AVAILABLE
             : SIM_NET_ERROR_NO_PORTS;
  g_set_error (error, SIM_NET_ERROR, code, "bind %s: %s",
               sim_sockaddr_to_string (want, b), g_strerror (e));
  return FALSE;
}

/* The address to bind for @local: the host's bind address stands in for
 * "any" (host-live.h note 4). */
static SimSockAddr
bind_addr (LiveHost *h, const SimSockAddr *local)
{
  SimSockAddr a = local ? *local : (SimSockAddr) { 0, 0 };
  if (a.ip == SIM_IP4_ANY)
    a.ip = h->bind_ip;
  return a;
}

static SimNetError
errno_to_net (int e)
{
  switch (e)
    {
    case ECONNREFUSED: return SIM_NET_ERR_REFUSED;
    case ETIMEDOUT:    return SIM_NET_ERR_TIMED_OUT;
    case EHOSTUNREACH: return SIM_NET_ERR_HOST_UNREACHABLE;
    case ENETUNREACH:  return SIM_NET_ERR_NO_ROUTE;
    default:           return SIM_NET_ERR_RESET;
    }
}

/* ------------------------------------------------------------ the reader */

static gboolean
io_on_fd (gint fd, GIOCondition cond, gpointer user_data)
{
  LiveIo *io = user_data;
  (void) fd;
  return io->ready (io, cond);
}

static void
io_watch (LiveIo *io, GIOCondition cond)
{
  if (io->watch && io->cond == cond)
    return;
  if (io->watch)
    {
      g_source_destroy (io->watch);
      g_clear_pointer (&io->watch, g_source_unref);
    }
  io->cond = cond;
  if (cond == 0 || io->fd < 0)
    return;
  io->watch = g_unix_fd_source_new (io->fd, cond);
  g_source_set_callback (io->watch, G_SOURCE_FUNC (io_on_fd), io, NULL);
  g_source_attach (io->watch, io->host->live->context);
}

static void
io_start_timer (LiveIo *io)
{
  RxItem *head = g_queue_peek_head (&io->rx);
  if (!head || host_timer_is_pending (&io->rx_timer))
    return;
  SimTime now = sim_world_now (io->host->live->world);
  sim_timer_start_at (&io->rx_timer, MAX (now, head->at));
}

static RxItem *
io_item (LiveIo *io, RxKind kind, const void *data, gsize len)
{
  RxItem *it = g_malloc0 (sizeof *it + len);
  it->kind = kind;
  it->at = sim_live_wall_now (io->host->live);
  it->len = len;
  if (len)
    memcpy (it->data, data, len);
  return it;
}

static void
io_push (LiveIo *io, RxItem *it)
{
  g_queue_push_tail (&io->rx, it);
  io_start_timer (io);
}

static void
item_free (gpointer p)
{
  RxItem *it = p;
  if (it->accepted)
    tcp_free_now (it->accepted);
  g_free (it);
}

static void
io_on_rx_timer (HostTimer *t, gpointer user_data)
{
  LiveIo *io = user_data;
  (void) t;
  RxItem *it = g_queue_pop_head (&io->rx);
  if (!it)
    return;
  io->delivering = TRUE;
  io->deliver (io, it);   /* takes it->accepted if any */
  it->accepted = NULL;
  item_free (it);
  io->delivering = FALSE;
  if (io->closed)
    io->destroy (io);
  else
    io_start_timer (io);
}

static void
io_init (LiveIo *io, LiveHost *h, int fd)
{
  io->host = h;
  io->fd = fd;
  g_queue_init (&io->rx);
  host_timer_init (&h->base, &io->rx_timer, io_on_rx_timer, io);
}

/* Closes the fd and drops what is queued; the container is freed by the
 * caller, now or (while delivering) after the callback. */
static void
io_shut (LiveIo *io)
{
  io_watch (io, 0);
  host_timer_cancel (&io->rx_timer);
  g_queue_clear_full (&io->rx, item_free);
  if (io->fd >= 0)
    close (io->fd);
  io->fd = -1;
}

/* Frees now, or marks for freeing when the delivery in progress returns. */
static void
io_release (LiveIo *io)
{
  io_shut (io);
  io->closed = TRUE;
  if (!io->delivering)
    io->destroy (io);
}

/* --------------------------------------------------------------- host */

static gboolean
live_get_local_addr (SimHost *host, SimIp4 dst, SimIp4 *out)
{
  LiveHost *h = live_host (host);
  if (h->bind_ip != SIM_IP4_ANY)
    {
      *out = h->bind_ip;
      return TRUE;
    }
  /* Ask the routing table: a connected UDP socket sends nothing. */
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  struct sockaddr_in sin;
  to_sin (&(SimSockAddr) { dst, 9 }, &sin);
  gboolean ok = connect (fd, (struct sockaddr *) &sin, sizeof sin) == 0;
  SimSockAddr me = ok ? sock_name (fd) : (SimSockAddr) { 0, 0 };
  close (fd);
  if (!ok || me.ip == SIM_IP4_ANY)
    return FALSE;
  *out = me.ip;
  return TRUE;
}

static void
live_host_free (SimHost *host)
{
  host_clear_common (host);
  g_free (host);
}

static void
packet_tap (LiveHost *h, const SimSockAddr *from, const SimSockAddr *to, const guint8 *data,
            gsize len)
{
  SimLive *live = h->live;
  if (live->packet_func)
    live->packet_func (live, sim_world_now (live->world), from, to, data, len,
                       live->packet_data);
}

/* ------------------------------------------------------------------ UDP */

static void
udp_destroy (LiveIo *io)
{
  g_free (G_STRUCT_MEMBER_P (io, -G_STRUCT_OFFSET (LiveUdp, io)));
}

static void
udp_deliver (LiveIo *io, RxItem *it)
{
  LiveUdp *u = G_STRUCT_MEMBER_P (io, -G_STRUCT_OFFSET (LiveUdp, io));
  if (it->kind == RX_DATAGRAM)
    {
      if (u->base.recv)
        u->base.recv (&u->base, &it->addr, it->data, it->len, u->base.user_data);
    }
  else if (u->base.error)
    u->base.error (&u->base, it->err, &it->addr, u->base.user_data);
}

/* One entry of the error queue (note 2); FALSE when it is empty. */
static gboolean
udp_read_errqueue (LiveUdp *u)
{
  guint8 buf[512];
  char ctrl[512];
  struct sockaddr_in name = { 0 };
  struct iovec iov = { buf, sizeof buf };
  struct msghdr m = {
    .msg_name = &name, .msg_namelen = sizeof name,
    .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = ctrl, .msg_controllen = sizeof ctrl,
  };
  if (recvmsg (u->io.fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
    return FALSE;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&m); c; c = CMSG_NXTHDR (&m, c))
    {
      if (c->cmsg_level != SOL_IP || c->cmsg_type != IP_RECVERR)
        continue;
      struct sock_extended_err ee;
      memcpy (&ee, CMSG_DATA (c), sizeof ee);
      SimNetError err;
      if (ee.ee_origin == SO_EE_ORIGIN_ICMP && ee.ee_type == 3 /* destination unreachable */)
        {
          if (ee.ee_code == 4)
            continue;   /* fragmentation needed: path MTU, not unreachable */
          /* RFC 792: 3 port, 2 protocol (no UDP there either); 0, 1 and
           * the RFC 1812 "prohibited" codes: the host cannot be reached */
          err = ee.ee_code == 3 || ee.ee_code == 2 ? SIM_NET_ERR_PORT_UNREACHABLE
                                                   : SIM_NET_ERR_HOST_UNREACHABLE;
        }
      else if (ee.ee_origin == SO_EE_ORIGIN_LOCAL && ee.ee_errno == EHOSTUNREACH)
        err = SIM_NET_ERR_HOST_UNREACHABLE;   /* no ARP answer on the local link */
      else
        continue;
      RxItem *it = io_item (&u->io, RX_ICMP, NULL, 0);
      it->err = err;
      it->addr = from_sin (&name);
      io_push (&u->io, it);
    }
  return TRUE;
}

/* One datagram; FALSE when there is none left. */
static gboolean
udp_read_datagram (LiveUdp *u, guint8 *buf)
{
  char ctrl[128];
  struct sockaddr_in from = { 0 };
  struct iovec iov = { buf, RX_BUF };
  struct msghdr m = {
    .msg_name = &from, .msg_namelen = sizeof from,
    .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = ctrl, .msg_controllen = sizeof ctrl,
  };
  ssize_t n = recvmsg (u->io.fd, &m, MSG_DONTWAIT);
  if (n < 0)
    return errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == EINTR;   /* note 2 */
  SimSockAddr to = u->local;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&m); c; c = CMSG_NXTHDR (&m, c))
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
      {
        struct in_pktinfo pi;
        memcpy (&pi, CMSG_DATA (c), sizeof pi);
        to.ip = ntohl (pi.ipi_addr.s_addr);
      }
  RxItem *it = io_item (&u->io, RX_DATAGRAM, buf, (gsize) n);
  it->addr = from_sin (&from);
  packet_tap (u->io.host, &it->addr, &to, buf, (gsize) n);
  io_push (&u->io, it);
  return TRUE;
}

static gboolean
udp_ready (LiveIo *io, GIOCondition cond)
{
  LiveUdp *u = G_STRUCT_MEMBER_P (io, -G_STRUCT_OFFSET (LiveUdp, io));
  (void) cond;
  /* Errors first: an ICMP error read in the same wake-up as a later
   * answer happened before it. */
  for (int i = 0; i < READS_PER_WAKEUP && udp_read_errqueue (u); i++)
    ;
  g_autofree guint8 *buf = g_malloc (RX_BUF);
  for (int i = 0; i < READS_PER_WAKEUP && udp_read_datagram (u, buf); i++)
    ;
  return G_SOURCE_CONTINUE;
}

static SimHostUdp *
live_udp_open (SimHost *host, const SimSockAddr *local, GError **error)
{
  LiveHost *h = live_host (host);
  SimSockAddr want = bind_addr (h, local);
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      bind_error (errno, &want, error);
      return NULL;
    }
  int one = 1;
  setsockopt (fd, SOL_IP, IP_RECVERR, &one, sizeof one);
  setsockopt (fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  struct sockaddr_in sin;
  to_sin (&want, &sin);
  if (bind (fd, (struct sockaddr *) &sin, sizeof sin) != 0)
    {
      int e = errno;
      close (fd);
      bind_error (e, &want, error);
      return NULL;
    }
  LiveUdp *u = g_new0 (LiveUdp, 1);
  u->base.host = host;
  io_init (&u->io, h, fd);
  u->io.ready = udp_ready;
  u->io.deliver = udp_deliver;
  u->io.destroy = udp_destroy;
  u->local = sock_name (fd);
  io_watch (&u->io, G_IO_IN | G_IO_ERR);
  return &u->base;
}

static gboolean
live_udp_sendto (SimHostUdp *sock, const SimSockAddr *to, const void *data, gsize len,
                 GError **error)
{
  LiveUdp *u = (LiveUdp *) sock;
  char b[SIM_SOCKADDR_STRLEN];
  struct sockaddr_in sin;
  to_sin (to, &sin);
  ssize_t n = -1;
  int e = 0;
  for (int tries = 0; tries < 2 && n < 0; tries++)
    {
      n = sendto (u->io.fd, data, len, MSG_DONTWAIT, (struct sockaddr *) &sin, sizeof sin);
      e = n < 0 ? errno : 0;
      if (n < 0 && e != ECONNREFUSED && e != EHOSTUNREACH && e != EINTR)
        break;   /* only a stale pending error is worth a second go (note 2) */
    }
  if (n >= 0)
    {
      if (u->io.host->live->packet_func)
        {
          SimSockAddr from = u->local;
          if (from.ip == SIM_IP4_ANY)
            live_get_local_addr (sock->host, to->ip, &from.ip);
          packet_tap (u->io.host, &from, to, data, len);
        }
      return TRUE;
    }
  if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS)
    return TRUE;   /* a full queue drops the datagram, as a lossy link would */
  g_set_error (error, SIM_NET_ERROR,
               e == EMSGSIZE ? SIM_NET_ERROR_MSG_SIZE : SIM_NET_ERROR_NO_ROUTE,
               "sendto %s: %s", sim_sockaddr_to_string (to, b), g_strerror (e));
  return FALSE;
}

static void
live_udp_get_local (const SimHostUdp *sock, SimSockAddr *out)
{
  *out = ((const LiveUdp *) sock)->local;
}

static void
live_udp_close (SimHostUdp *sock)
{
  io_release (&((LiveUdp *) sock)->io);
}

/* ------------------------------------------------------------------ TCP */

static void
tcp_check (const LiveTcp *t)
{
  g_assert (!(t->connecting && t->open));
  g_assert (!t->shut_wr || t->close_wanted);
  g_assert (!t->closed_sent || (t->shut_wr && t->peer_closed));
}

static void
tcp_destroy (LiveIo *io)
{
  LiveTcp *t = G_STRUCT_MEMBER_P (io, -G_STRUCT_OFFSET (LiveTcp, io));
  g_byte_array_unref (t->out);
  g_free (t);
}

static void
tcp_free_now (LiveTcp *t)
{
  io_release (&t->io);
}

static void
tcp_event (LiveTcp *t, HostTcpEvent ev)
{
  RxItem *it = io_item (&t->io, RX_TCP_EVENT, NULL, 0);
  it->ev = ev;
  io_push (&t->io, it);
}

/* Gone for good: close the fd now (queued items still reach the model). */
static void
tcp_fail (LiveTcp *t, SimNetError err)
{
  t->err = err;
  t->connecting = t->open = FALSE;
  io_watch (&t->io, 0);
  if (t->io.fd >= 0)
    close (t->io.fd);
  t->io.fd = -1;
  tcp_event (t, HOST_TCP_ERROR);
}

static GIOCondition
tcp_want (const LiveTcp *t)
{
  if (t->io.fd < 0)
    return 0;
  if (t->connecting)
    return G_IO_OUT;
  GIOCondition c = t->peer_closed ? 0 : G_IO_IN;
  if (t->out->len > 0)
    c |= G_IO_OUT;
  return c;
}

static void
tcp_flush (LiveTcp *t)
{
  while (t->open && t->out->len > 0)
    {
      ssize_t n = send (t->io.fd, t->out->data, t->out->len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0)
        {
          if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            break;
          tcp_fail (t, errno_to_net (errno));
          return;
        }
      g_byte_array_remove_range (t->out, 0, (guint) n);
    }
  if (t->open && t->out->len == 0 && t->close_wanted && !t->shut_wr)
    {
      shutdown (t->io.fd, SHUT_WR);
      t->shut_wr = TRUE;
      if (t->peer_closed && !t->closed_sent)
        {
          t->closed_sent = TRUE;
          tcp_event (t, HOST_TCP_CLOSED);
        }
    }
  if (t->io.fd >= 0)
    io_watch (&t->io, tcp_want (t));
  tcp_check (t);
}

static gboolean
tcp_ready (LiveIo *io, GIOCondition cond)
{
  LiveTcp *t = G_STRUCT_MEMBER_P (io, -G_STRUCT_OFFSET (LiveTcp, io));
  if (t->connecting)
    {
      int e = 0;
      socklen_t len = sizeof e;
      getsockopt (io->fd, SOL_SOCKET, SO_ERROR, &e, &len);
      if (e == EINPROGRESS)
        return G_SOURCE_CONTINUE;
      if (e != 0)
        {
          tcp_fail (t, errno_to_net (e));
          return G_SOURCE_CONTINUE;
        }
      t->connecting = FALSE;
      t->open = TRUE;
      t->local = sock_name (io->fd);
      tcp_event (t, HOST_TCP_CONNECTED);
      tcp_flush (t);
      return G_SOURCE_CONTINUE;
    }
  if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR))
    {
      g_autofree guint8 *buf = g_malloc (RX_BUF);
      for (int i = 0; i < READS_PER_WAKEUP && t->open && !t->peer_closed; i++)
        {
          ssize_t n = recv (io->fd, buf, RX_BUF, MSG_DONTWAIT);
          if (n > 0)
            {
              io_push (io, io_item (io, RX_TCP_DATA, buf, (gsize) n));
              continue;
            }
          if (n == 0)
            {
              t->peer_closed = TRUE;
              tcp_event (t, HOST_TCP_PEER_CLOSED);
              if (t->shut_wr && !t->closed_sent)
                {
                  t->closed_sent = TRUE;
                  tcp_event (t, HOST_TCP_CLOSED);
                }
              break;
            }
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            {
              tcp_fail (t, errno_to_net (errno));
              return G_SOURCE_CONTINUE;
            }
          break;
        }
    }
  tcp_flush (t);
  return G_SOURCE_CONTINUE;
}

static void
tcp_deliver (LiveIo *io, RxItem *it)
{
  LiveTcp *t = G_STRUCT_MEMBER_P (io, -G_STRUCT_OFFSET (LiveTcp, io));
  if (it->kind == RX_TCP_DATA)
    {
      if (t->base.recv)
        t->base.recv (&t->base, it->data, it->len, t->base.user_data);
    }
  else if (t->base.event)
    t->base.event (&t->base, it->ev, t->base.user_data);
}

static LiveTcp *
tcp_wrap (LiveHost *h, int fd)
{
  LiveTcp *t = g_new0 (LiveTcp, 1);
  t->base.host = &h->base;
  t->out = g_byte_array_new ();
  io_init (&t->io, h, fd);
  t->io.ready = tcp_ready;
  t->io.deliver = tcp_deliver;
  t->io.destroy = tcp_destroy;
  return t;
}

static SimHostTcp *
live_tcp_connect (SimHost *host, const SimSockAddr *remote, GError **error)
{
  LiveHost *h = live_host (host);
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  SimSockAddr want = bind_addr (h, NULL);
  if (fd < 0)
    {
      bind_error (errno, &want, error);
      return NULL;
    }
  struct sockaddr_in sin;
  if (want.ip != SIM_IP4_ANY)
    {
      to_sin (&want, &sin);
      if (bind (fd, (struct sockaddr *) &sin, sizeof sin) != 0)
        {
          int e = errno;
          close (fd);
          bind_error (e, &want, error);
          return NULL;
        }
    }
  LiveTcp *t = tcp_wrap (h, fd);
  t->remote = *remote;
  to_sin (remote, &sin);
  if (connect (fd, (struct sockaddr *) &sin, sizeof sin) != 0 && errno != EINPROGRESS)
    tcp_fail (t, errno_to_net (errno));   /* reported from the event loop */
  else
    {
      t->connecting = TRUE;
      io_watch (&t->io, G_IO_OUT);
    }
  return &t->base;
}

static gboolean
live_tcp_send (SimHostTcp *sock, const void *data, gsize len, GError **error)
{
  LiveTcp *t = (LiveTcp *) sock;
  if (t->io.fd < 0 || t->close_wanted)
    {
      g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_NOT_CONNECTED, "TCP: not open for sending");
      return FALSE;
    }
  g_byte_array_append (t->out, data, (guint) len);
  tcp_flush (t);
  return TRUE;
}

static void
live_tcp_close (SimHostTcp *sock)
{
  LiveTcp *t = (LiveTcp *) sock;
  t->close_wanted = TRUE;
  tcp_flush (t);
}

static void
live_tcp_abort (SimHostTcp *sock)
{
  LiveTcp *t = (LiveTcp *) sock;
  if (t->io.fd >= 0)
    {
      struct linger lg = { 1, 0 };
      setsockopt (t->io.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
  t->connecting = t->open = FALSE;
  io_shut (&t->io);
}

static void
live_tcp_free (SimHostTcp *sock)
{
  LiveTcp *t = (LiveTcp *) sock;
  if (t->io.fd >= 0 && !(t->shut_wr && t->peer_closed))
    live_tcp_abort (sock);
  tcp_free_now (t);
}

static SimNetError
live_tcp_get_error (const SimHostTcp *sock)
{
  return ((const LiveTcp *) sock)->err;
}

static void
live_tcp_get_local (const SimHostTcp *sock, SimSockAddr *out)
{
  *out = ((const LiveTcp *) sock)->local;
}

static void
live_tcp_get_remote (const SimHostTcp *sock, SimSockAddr *out)
{
  *out = ((const LiveTcp *) sock)->remote;
}

/* ------------------------------------------------------------ listeners */

static void
listener_destroy (LiveIo *io)
{
  g_free (G_STRUCT_MEMBER_P (io, -G_STRUCT_OFFSET (LiveListener, io)));
}

static gboolean
listener_ready (LiveIo *io, GIOCondition cond)
{
  (void) cond;
  for (int i = 0; i < READS_PER_WAKEUP; i++)
    {
      struct sockaddr_in sin = { 0 };
      socklen_t len = sizeof sin;
      int fd = accept4 (io->fd, (struct sockaddr *) &sin, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        break;
      LiveTcp *t = tcp_wrap (io->host, fd);
      t->open = TRUE;
      t->remote = from_sin (&sin);
      t->local = sock_name (fd);
      RxItem *it = io_item (io, RX_ACCEPT, NULL, 0);
      it->accepted = t;
      io_push (io, it);
    }
  return G_SOURCE_CONTINUE;
}

static void
listener_deliver (LiveIo *io, RxItem *it)
{
  LiveListener *l = G_STRUCT_MEMBER_P (io, -G_STRUCT_OFFSET (LiveListener, io));
  LiveTcp *t = it->accepted;
  /* Reading starts now, so its bytes cannot overtake the accept. */
  io_watch (&t->io, tcp_want (t));
  l->base.accept (&l->base, &t->base, l->base.user_data);
}

static SimHostTcpListener *
live_tcp_listen (SimHost *host, const SimSockAddr *local, GError **error)
{
  LiveHost *h = live_host (host);
  SimSockAddr want = bind_addr (h, local);
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      bind_error (errno, &want, error);
      return NULL;
    }
  int one = 1;
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sin;
  to_sin (&want, &sin);
  if (bind (fd, (struct sockaddr *) &sin, sizeof sin) != 0 || listen (fd, 64) != 0)
    {
      int e = errno;
      close (fd);
      bind_error (e, &want, error);
      return NULL;
    }
  LiveListener *l = g_new0 (LiveListener, 1);
  l->base.host = host;
  io_init (&l->io, h, fd);
  l->io.ready = listener_ready;
  l->io.deliver = listener_deliver;
  l->io.destroy = listener_destroy;
  io_watch (&l->io, G_IO_IN);
  return &l->base;
}

static void
live_tcp_listener_close (SimHostTcpListener *listener)
{
  io_release (&((LiveListener *) listener)->io);
}

/* ------------------------------------------------------------- the table */

static const SimHostOps live_host_ops = {
  .get_local_addr     = live_get_local_addr,
  .free               = live_host_free,
  .udp_open           = live_udp_open,
  .udp_sendto         = live_udp_sendto,
  .udp_get_local      = live_udp_get_local,
  .udp_close          = live_udp_close,
  .tcp_connect        = live_tcp_connect,
  .tcp_listen         = live_tcp_listen,
  .tcp_listener_close = live_tcp_listener_close,
  .tcp_send           = live_tcp_send,
  .tcp_close          = live_tcp_close,
  .tcp_abort          = live_tcp_abort,
  .tcp_free           = live_tcp_free,
  .tcp_get_error      = live_tcp_get_error,
  .tcp_get_local      = live_tcp_get_local,
  .tcp_get_remote     = live_tcp_get_remote,
};

SimHost *
sim_live_host_new (SimLive *live, const char *name, SimIp4 bind_ip)
{
  g_return_val_if_fail (live != NULL && name != NULL, NULL);
  LiveHost *h = g_new0 (LiveHost, 1);
  h->live = live;
  h->bind_ip = bind_ip;
  host_init_common (&h->base, &live_host_ops, live->world, name);
  return &h->base;
}
