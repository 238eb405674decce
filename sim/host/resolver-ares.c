/*
 * sim/host/resolver-ares.c - HostResolver on c-ares 1.18 (Debian 12).
 *
 * Every c-ares call of the project is in this file, so the binding can move
 * to the cleaner API of newer c-ares (ares_set_socket_functions_ex,
 * ares_process_fds) in one place (STYLE.md 15).
 *
 * Shape:
 *  - One c-ares channel per lookup in progress (taken from and given back
 *    to a per-thread pool of idle ones, note "Channel pool").  ares_cancel()
 *    ends every query of a channel, so a shared channel could not time out
 *    one lookup without killing the others.  Before each attempt the channel is pointed at one
 *    server (ares_set_servers_ports: allowed because no query is pending).
 *  - c-ares is configured with one try and a timeout of 7 days per query,
 *    so its wall-clock timers (checked in every ares_process_fd) never fire;
 *    the attempt timer is a host timer.  On expiry: ares_cancel() (its
 *    ARES_ECANCELLED callback is ignored), then the next attempt.
 *  - Sockets: ares_set_socket_functions() maps socket/connect/sendv/
 *    recvfrom/close onto host_udp_* (host.h's top comment).  c-ares needs
 *    integer descriptors: each resolver hands out its own, from 1 << 20 up,
 *    so a number can never be a real descriptor of the process should some
 *    c-ares path call the OS on it (1.18 skips fcntl/setsockopt for
 *    user-managed sockets, configure_socket()).  A datagram arriving on a
 *    host socket is queued, then ares_process_fd(fd) makes c-ares read it
 *    through arecvfrom; an ICMP error is queued as an ECONNREFUSED read,
 *    which c-ares treats as the server failing (handle_error).
 *  - c-ares' answer callback runs inside ares_process_fd (or inside
 *    ares_query when sending fails).  It only stores the outcome and starts
 *    a zero-delay host timer; the outcome is handled from that timer, where
 *    destroying the channel and calling the user are safe (c-ares forbids
 *    ares_destroy() from its own callbacks).
 *  - Query IDs.  c-ares 1.18 draws its IDs from OS entropy, which would make
 *    the bytes on the wire (and so every pcap) differ from run to run.  The
 *    binding translates at the socket seam: asendv replaces c-ares' ID with
 *    one drawn from the resolver's own SimRng stream and remembers the pair;
 *    arecvfrom puts c-ares' ID back into an answer carrying a remembered
 *    wire ID.  An answer with an ID never sent on that socket gets an ID
 *    c-ares is not waiting for, so c-ares drops it exactly as it drops a
 *    spoofed answer.  The wire still carries ordinary, unpredictable-looking
 *    16-bit IDs; only their source is the run's seed.
 *  - TCP (after a truncated answer) is refused at asocket(): the DNS model
 *    answers within 512 bytes, so this never happens in a simulation.
 *
 * The one global: ares_library_init() is c-ares' process-wide set-up
 * (allocator hooks; on Windows, WinSock).  It holds no simulation state and
 * cannot change a run's results, so it is done once per process (g_once)
 * and never cleaned up.
 *
 * Channel pool (per thread).  A channel is about 74 KB with some 3,000
 * list heads that ares_init_options sets up and ares_destroy checks again,
 * plus an RC4 key from /dev/urandom: 18-27 us, a quarter of a one-phone
 * run when every lookup made its own (doc/performance.md).  So a finished
 * lookup gives its channel back to a small per-thread stack of idle
 * channels (at most POOL_MAX; the rest are destroyed) and the next lookup
 * on that thread takes one from there.  A pooled channel carries nothing
 * that can reach a run:
 *  - every channel is made with the same options (lookup_start) and no
 *    function here changes them afterwards (no ares_set_sortlist, no
 *    ares_set_local_*, no callbacks but the socket functions);
 *  - on release its queries are cancelled and ares_set_servers_ports(NULL)
 *    closes its sockets (through aclose, while the lookup still exists)
 *    and empties its server list; start_attempt sets the one server before
 *    every query anyway;
 *  - its socket functions' user data is cleared, and set to the new lookup
 *    on reuse;
 *  - c-ares 1.18 has no answer cache (that came in 1.23);
 *  - what does survive is the RC4 state of c-ares' own query IDs, which is
 *    OS entropy either way and never reaches the wire, a trace or a
 *    fingerprint (note "Query IDs").
 * The pool is per thread (GPrivate) because c-ares channels are not to be
 * shared between threads and runs execute on runner threads; a pool per
 * resolver was measured as fast but tripled memory with many phones.  Its
 * channels are destroyed when the thread ends.  Runs on one thread
 * therefore share idle channels but no state, so they stay independent:
 * tests/test-dns.c checks a lookup's trace and bytes do not depend on
 * what the pooled channel did before.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ares.h>

#include "sim/host/resolver.h"
#include "sim/net/bytes.h"

#define FD_BASE        (1 << 20)
#define ARES_TIMEOUT_MS (7 * 24 * 3600 * 1000)   /* 7 days: never reached */
#define MAX_RECORDS    64
#define T_A_           1
#define T_SRV_         33
#define T_NAPTR_       35      /* RFC 3403 */
#define C_IN_          1

typedef struct Sock Sock;

typedef struct {
  SimSockAddr from;
  gboolean    refused;      /* an ICMP error, not a datagram */
  gsize       len;
  guint8      data[];
} RxItem;

/* Query IDs sent on one socket: wire ID -> c-ares ID (note "Query IDs").
 * A lookup sends at most tries x servers queries, each on a new socket or
 * the same one; the last few pairs are all an answer can refer to. */
#define ID_PAIRS 8

struct Sock {
  HostDnsLookup *lk;
  int            fd;
  SimHostUdp    *udp;
  SimSockAddr    peer;
  GQueue         rx;        /* RxItem* */
  guint16        wire_id[ID_PAIRS], ares_id[ID_PAIRS];
  guint          n_ids;     /* pairs sent so far; the ring holds the last ID_PAIRS */
};

struct HostResolver {
  SimHost     *host;
  SimSockAddr *servers;
  guint        n_servers;
  SimTime      timeout;
  guint        tries;
  GHashTable  *socks;       /* fd -> Sock* (owned) */
  int          next_fd;
  SimRng       rng;         /* wire query IDs */
  GList       *lookups;     /* HostDnsLookup*, in progress */
};

struct HostDnsLookup {
  HostResolver *r;
  char         *name;
  guint16       qtype;
  HostDnsFunc   func;
  gpointer      user_data;
  ares_channel  ch;
  guint         attempts;   /* started so far */
  HostTimer     try_timer;  /* the current attempt's timeout */
  HostTimer     step_timer; /* zero-delay: handle what c-ares reported */
  gboolean      reported;   /* c-ares called back; step_timer pending */
  int           ares_status;
  GByteArray   *abuf;
  HostDnsStatus last;
  SimTime       started_at;
};

const char *
host_dns_status_to_string (HostDnsStatus status)
{
  switch (status)
    {
    case HOST_DNS_OK:           return "ok";
    case HOST_DNS_NXDOMAIN:     return "nxdomain";
    case HOST_DNS_NODATA:       return "nodata";
    case HOST_DNS_SERVFAIL:     return "servfail";
    case HOST_DNS_REFUSED:      return "refused";
    case HOST_DNS_TIMEOUT:      return "timeout";
    case HOST_DNS_CONN_REFUSED: return "conn-refused";
    case HOST_DNS_BAD_RESPONSE: return "bad-response";
    }
  return "?";
}

/* ------------------------------------------------------ socket functions */

static Sock *
sock_get (HostDnsLookup *lk, ares_socket_t fd)
{
  return g_hash_table_lookup (lk->r->socks, GINT_TO_POINTER (fd));
}

static void
sock_free (gpointer p)
{
  Sock *s = p;
  host_udp_close (s->udp);
  g_queue_clear_full (&s->rx, g_free);
  g_free (s);
}

static void
sock_push_and_process (Sock *s, RxItem *item)
{
  g_queue_push_tail (&s->rx, item);
  /* c-ares reads through arecvfrom until it would block; @s may be closed
   * (and freed) inside, so nothing of it is touched afterwards. */
  ares_process_fd (s->lk->ch, s->fd, ARES_SOCKET_BAD);
}

static void
on_udp_recv (SimHostUdp *udp, const SimSockAddr *from, const guint8 *data, gsize len,
             gpointer user_data)
{
  RxItem *item = g_malloc (sizeof *item + len);
  item->from = *from;
  item->refused = FALSE;
  item->len = len;
  memcpy (item->data, data, len);
  sock_push_and_process (user_data, item);
}

static void
on_udp_error (SimHostUdp *udp, SimNetError err, const SimSockAddr *remote, gpointer user_data)
{
  if (err != SIM_NET_ERR_PORT_UNREACHABLE && err != SIM_NET_ERR_HOST_UNREACHABLE)
    return;
  RxItem *item = g_malloc0 (sizeof *item);
  item->refused = TRUE;
  sock_push_and_process (user_data, item);
}

static ares_socket_t
a_socket (int domain, int type, int protocol, void *user_data)
{
  HostDnsLookup *lk = user_data;
  if (domain != AF_INET || type != SOCK_DGRAM)
    {
      errno = EAFNOSUPPORT;
      return ARES_SOCKET_BAD;
    }
  Sock *s = g_new0 (Sock, 1);
  g_autoptr (GError) err = NULL;
  s->udp = host_udp_open (lk->r->host, NULL, on_udp_recv, on_udp_error, s, &err);
  if (!s->udp)
    {
      host_log (lk->r->host, SIM_LOG_INFO, "dns: no socket: %s", err->message);
      g_free (s);
      errno = EMFILE;
      return ARES_SOCKET_BAD;
    }
  s->lk = lk;
  s->fd = lk->r->next_fd++;
  g_queue_init (&s->rx);
  g_hash_table_insert (lk->r->socks, GINT_TO_POINTER (s->fd), s);
  return s->fd;
}

static int
a_close (ares_socket_t fd, void *user_data)
{
  HostDnsLookup *lk = user_data;
  if (!g_hash_table_remove (lk->r->socks, GINT_TO_POINTER (fd)))
    {
      errno = EBADF;
      return -1;
    }
  return 0;
}

static int
a_connect (ares_socket_t fd, const struct sockaddr *addr, ares_socklen_t len, void *user_data)
{
  Sock *s = sock_get (user_data, fd);
  if (!s || addr->sa_family != AF_INET || len < (ares_socklen_t) sizeof (struct sockaddr_in))
    {
      errno = s ? EAFNOSUPPORT : EBADF;
      return -1;
    }
  struct sockaddr_in sin;
  memcpy (&sin, addr, sizeof sin);
  s->peer.ip = ntohl (sin.sin_addr.s_addr);
  s->peer.port = ntohs (sin.sin_port);
  return 0;
}

static ares_ssize_t
a_sendv (ares_socket_t fd, const struct iovec *iov, int n, void *user_data)
{
  HostDnsLookup *lk = user_data;
  Sock *s = sock_get (lk, fd);
  if (!s)
    {
      errno = EBADF;
      return -1;
    }
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  for (int i = 0; i < n; i++)
    g_byte_array_append (buf, iov[i].iov_base, (guint) iov[i].iov_len);
  if (buf->len >= 2)
    {
      guint slot = s->n_ids++ % ID_PAIRS;
      s->ares_id[slot] = sim_get_be16 (buf->data);
      s->wire_id[slot] = (guint16) sim_rng_below (&lk->r->rng, 65536);
      sim_put_be16 (buf->data, s->wire_id[slot]);
    }
  g_autoptr (GError) err = NULL;
  if (!host_udp_sendto (s->udp, &s->peer, buf->data, buf->len, &err))
    {
      host_log (lk->r->host, SIM_LOG_INFO, "dns: query not sent: %s", err->message);
      errno = ENETUNREACH;
      return -1;
    }
  return (ares_ssize_t) buf->len;
}

/* c-ares' ID for an answer carrying @wire (note "Query IDs"): the newest
 * pair sent with that wire ID; for an unknown ID, one no query of this
 * socket used, so c-ares discards the answer. */
static guint16
ares_id_for (const Sock *s, guint16 wire)
{
  guint n = MIN (s->n_ids, ID_PAIRS);
  for (guint k = 0; k < n; k++)
    {
      guint slot = (s->n_ids - 1 - k) % ID_PAIRS;
      if (s->wire_id[slot] == wire)
        return s->ares_id[slot];
    }
  guint16 id = wire;
  for (gboolean used = TRUE; used; )
    {
      used = FALSE;
      for (guint k = 0; k < n && !used; k++)
        used = s->ares_id[k] == id;
      if (used)
        id++;
    }
  return id;
}

static ares_ssize_t
a_recvfrom (ares_socket_t fd, void *buf, size_t len, int flags, struct sockaddr *from,
            ares_socklen_t *from_len, void *user_data)
{
  Sock *s = sock_get (user_data, fd);
  if (!s)
    {
      errno = EBADF;
      return -1;
    }
  g_autofree RxItem *item = g_queue_pop_head (&s->rx);
  if (!item)
    {
      errno = EAGAIN;
      return -1;
    }
  if (item->refused)
    {
      errno = ECONNREFUSED;
      return -1;
    }
  gsize n = MIN (len, item->len);   /* a longer datagram is cut, as recvfrom does */
  memcpy (buf, item->data, n);
  if (n >= 2)
    sim_put_be16 (buf, ares_id_for (s, sim_get_be16 (buf)));
  if (from && from_len && *from_len >= (ares_socklen_t) sizeof (struct sockaddr_in))
    {
      struct sockaddr_in sin = { 0 };
      sin.sin_family = AF_INET;
      sin.sin_addr.s_addr = htonl (item->from.ip);
      sin.sin_port = htons (item->from.port);
      memcpy (from, &sin, sizeof sin);
      *from_len = sizeof sin;
    }
  return (ares_ssize_t) n;
}

static const struct ares_socket_functions sock_funcs = {
  .asocket = a_socket,
  .aclose = a_close,
  .aconnect = a_connect,
  .arecvfrom = a_recvfrom,
  .asendv = a_sendv,
};

/* --------------------------------------------------------- answer parsing */

/* TTLs of the SRV records of an answer, in order (ares_srv_reply has no
 * TTL in 1.18).  Walks RFC 1035 §4.1.3 records; names are skipped with
 * c-ares' own ares_expand_name, which checks its bounds. */
static guint
srv_ttls (const guint8 *abuf, int alen, guint32 *out, guint max)
{
  if (alen < 12)
    return 0;
  guint qd = sim_get_be16 (abuf + 4), an = sim_get_be16 (abuf + 6), k = 0;
  const guint8 *p = abuf + 12, *end = abuf + alen;
  for (guint i = 0; i < qd + an; i++)
    {
      char *name = NULL;
      long enclen = 0;
      if (ares_expand_name (p, abuf, alen, &name, &enclen) != ARES_SUCCESS)
        return k;
      ares_free_string (name);
      p += enclen;
      if (i < qd)
        {
          if (end - p < 4)
            return k;
          p += 4;
          continue;
        }
      if (end - p < 10)
        return k;
      guint16 type = sim_get_be16 (p), klass = sim_get_be16 (p + 2), rdlen = sim_get_be16 (p + 8);
      guint32 ttl = sim_get_be32 (p + 4);
      p += 10;
      if (end - p < rdlen)
        return k;
      p += rdlen;
      if (type == T_SRV_ && klass == C_IN_ && k < max)
        out[k++] = ttl & 0x80000000u ? 0 : ttl;   /* RFC 2181 §8: top bit set means 0 */
    }
  return k;
}

/* ------------------------------------------------------- channel pool */

/* Idle channels kept per thread.  Phones that start together look up
 * together: with 8, a 1,000-phone hour created and destroyed 2,458
 * channels (3.8 % of its instructions) for the bursts of simultaneous
 * lookups; with 64 it creates 48, the most ever in use at once.  An idle
 * channel is mostly untouched memory: peak RSS of that run +360 KiB
 * (doc/performance.md, "Kernel, network and host instructions"). */
#define POOL_MAX 64

typedef struct {
  ares_channel ch[POOL_MAX];
  guint        n;
} ChannelPool;

static void
pool_free (gpointer p)
{
  ChannelPool *pool = p;
  for (guint i = 0; i < pool->n; i++)
    ares_destroy (pool->ch[i]);
  g_free (pool);
}

static GPrivate pool_key = G_PRIVATE_INIT (pool_free);   /* see the notes */

static ChannelPool *
pool_get (void)
{
  ChannelPool *pool = g_private_get (&pool_key);
  if (!pool)
    {
      pool = g_new0 (ChannelPool, 1);
      g_private_set (&pool_key, pool);
    }
  return pool;
}

/* A channel configured as lookup_start says, idle: from the pool or new.
 * NULL only when c-ares cannot allocate one. */
static ares_channel
channel_take (const HostResolver *r)
{
  ChannelPool *pool = pool_get ();
  if (pool->n > 0)
    return pool->ch[--pool->n];

  struct in_addr first = { .s_addr = htonl (r->servers[0].ip) };
  struct ares_options o = { 0 };
  /* NOCHECKRESP: c-ares 1.18 turns SERVFAIL/REFUSED/NOTIMP into a skip to
   * the next server and, with one server and one try, reports the query's
   * initial status ARES_ECONNREFUSED, losing the RCODE.  With the flag the
   * RCODE reaches on_ares and the binding applies the skip itself. */
  o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP;
  o.timeout = ARES_TIMEOUT_MS;
  o.tries = 1;
  o.ndots = 1;
  o.servers = &first;   /* replaced before every query (start_attempt) */
  o.nservers = 1;
  o.domains = NULL;
  o.ndomains = 0;
  o.lookups = (char *) "b";
  /* An empty sortlist completes the configuration: with every field set,
   * c-ares 1.18 skips reading /etc/resolv.conf (and nsswitch.conf,
   * host.conf) at each ares_init_options (ARES_CONFIG_CHECK in
   * init_by_resolv_conf).  Nothing there could change a lookup (every
   * value it may set is set above; a sortlist only orders
   * ares_gethostbyname results), but the reads were a quarter of a
   * one-phone run's time (doc/performance.md, "Experiments"), and the
   * simulation no longer opens host files at all. */
  o.sortlist = NULL;
  o.nsort = 0;
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS
             | ARES_OPT_SERVERS | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_NOROTATE
             | ARES_OPT_SORTLIST;
  ares_channel ch = NULL;
  int st = ares_init_options (&ch, &o, mask);
  if (st != ARES_SUCCESS)
    {
      /* Only ENOMEM-like failures: treated as a programming/environment fault. */
      g_critical ("ares_init_options: %s", ares_strerror (st));
      return NULL;
    }
  return ch;
}

/* Gives @ch back, emptied (note "Channel pool").  Its socket functions
 * must still point at the lookup that used it: closing its sockets goes
 * through a_close.  Not from inside a c-ares callback. */
static void
channel_give (ares_channel ch)
{
  ares_cancel (ch);   /* ECANCELLED to a pending query, ignored by on_ares */
  int st = ares_set_servers_ports (ch, NULL);   /* closes its sockets */
  ChannelPool *pool = pool_get ();
  if (st != ARES_SUCCESS || pool->n == POOL_MAX)
    {
      ares_destroy (ch);
      return;
    }
  ares_set_socket_functions (ch, &sock_funcs, NULL);
  pool->ch[pool->n++] = ch;
}

/* ----------------------------------------------------------- the lookups */

static void start_attempt (HostDnsLookup *lk);

static gboolean
sock_is_of (gpointer key, gpointer value, gpointer lk)
{
  return ((Sock *) value)->lk == lk;
}

static void
lookup_free (HostDnsLookup *lk)
{
  host_timer_cancel (&lk->try_timer);
  host_timer_cancel (&lk->step_timer);
  if (lk->ch)
    channel_give (lk->ch);   /* cancels a pending query, closes its sockets */
  /* c-ares closes every socket it opened; this only guards against a
   * version that would not, so no Sock outlives its lookup. */
  g_hash_table_foreach_remove (lk->r->socks, sock_is_of, lk);
  if (lk->abuf)
    g_byte_array_unref (lk->abuf);
  g_free (lk->name);
  g_free (lk);
}

static void
finish (HostDnsLookup *lk, HostDnsStatus status, const HostDnsA *a, guint n_a,
        const HostDnsSrv *srv, guint n_srv)
{
  HostResolver *r = lk->r;
  r->lookups = g_list_remove (r->lookups, lk);
  HostDnsResult res = {
    .status = status, .name = lk->name, .qtype = lk->qtype, .attempts = lk->attempts,
    .started_at = lk->started_at, .finished_at = host_now (r->host),
    .n_a = n_a, .a = a, .n_srv = n_srv, .srv = srv,
  };
  HostDnsFunc func = lk->func;
  gpointer user_data = lk->user_data;
  char *name = g_steal_pointer (&lk->name);
  /* One protocol-visible line.  No query ID: the wire ID is seeded (note
   * "Query IDs"), but c-ares' own is OS entropy (STYLE.md 15). */
  host_trace (r->host, "DNS %s %s: %s, %u records, %u queries",
              lk->qtype == T_A_ ? "A" : lk->qtype == T_NAPTR_ ? "NAPTR" : "SRV", name,
              host_dns_status_to_string (status),
              n_a + n_srv, lk->attempts);
  /* The channel and its sockets go first: the callback may free @r. */
  lookup_free (lk);
  res.name = name;
  func (r, &res, user_data);
  g_free (name);
}

static void
next_or_finish (HostDnsLookup *lk, HostDnsStatus status)
{
  lk->last = status;
  if (lk->attempts < lk->r->tries * lk->r->n_servers)
    start_attempt (lk);
  else
    finish (lk, status, NULL, 0, NULL, 0);
}

static void
finish_answer (HostDnsLookup *lk)
{
  const guint8 *abuf = lk->abuf ? lk->abuf->data : NULL;
  int alen = lk->abuf ? (int) lk->abuf->len : 0;
  if (lk->qtype == T_NAPTR_)
    {
      /* Only the outcome is reported (resolver.h): records present or
       * NODATA; their contents are not parsed. */
      guint an = alen >= 12 ? sim_get_be16 (abuf + 6) : 0;
      finish (lk, an > 0 ? HOST_DNS_OK : HOST_DNS_NODATA, NULL, 0, NULL, 0);
      return;
    }
  if (lk->qtype == T_A_)
    {
      struct ares_addrttl ttls[MAX_RECORDS];
      int n = MAX_RECORDS;
      int st = ares_parse_a_reply (abuf, alen, NULL, ttls, &n);
      if (st == ARES_ENODATA || (st == ARES_SUCCESS && n == 0))
        {
          finish (lk, HOST_DNS_NODATA, NULL, 0, NULL, 0);
          return;
        }
      if (st != ARES_SUCCESS)
        {
          finish (lk, HOST_DNS_BAD_RESPONSE, NULL, 0, NULL, 0);
          return;
        }
      HostDnsA a[MAX_RECORDS];
      for (int i = 0; i < n; i++)
        {
          a[i].ip = ntohl (ttls[i].ipaddr.s_addr);
          a[i].ttl_s = ttls[i].ttl < 0 ? 0 : (guint32) ttls[i].ttl;
        }
      finish (lk, HOST_DNS_OK, a, (guint) n, NULL, 0);
      return;
    }

  struct ares_srv_reply *list = NULL;
  int st = ares_parse_srv_reply (abuf, alen, &list);
  if (st != ARES_SUCCESS || !list)
    {
      if (list)
        ares_free_data (list);
      finish (lk, st == ARES_ENODATA || st == ARES_SUCCESS ? HOST_DNS_NODATA
                                                            : HOST_DNS_BAD_RESPONSE,
              NULL, 0, NULL, 0);
      return;
    }
  guint32 ttls[MAX_RECORDS];
  guint nt = srv_ttls (abuf, alen, ttls, MAX_RECORDS);
  HostDnsSrv srv[MAX_RECORDS];
  guint n = 0;
  for (struct ares_srv_reply *p = list; p && n < MAX_RECORDS; p = p->next, n++)
    {
      srv[n].priority = p->priority;
      srv[n].weight = p->weight;
      srv[n].port = p->port;
      srv[n].target = p->host;
      srv[n].ttl_s = n < nt ? ttls[n] : 0;
    }
  finish (lk, HOST_DNS_OK, NULL, 0, srv, n);
  ares_free_data (list);
}

/* What c-ares reported for the current attempt (from step_timer). */
static void
on_step (HostTimer *t, gpointer user_data)
{
  HostDnsLookup *lk = user_data;
  lk->reported = FALSE;
  host_timer_cancel (&lk->try_timer);
  switch (lk->ares_status)
    {
    case ARES_SUCCESS:      finish_answer (lk); break;
    case ARES_ENOTFOUND:    finish (lk, HOST_DNS_NXDOMAIN, NULL, 0, NULL, 0); break;
    case ARES_ENODATA:      finish (lk, HOST_DNS_NODATA, NULL, 0, NULL, 0); break;
    /* c-ares moves to the next server on these (process_answer, handle_error) */
    case ARES_ESERVFAIL:    next_or_finish (lk, HOST_DNS_SERVFAIL); break;
    case ARES_EREFUSED:
    case ARES_ENOTIMP:      next_or_finish (lk, HOST_DNS_REFUSED); break;
    case ARES_ECONNREFUSED: next_or_finish (lk, HOST_DNS_CONN_REFUSED); break;
    case ARES_ETIMEOUT:     next_or_finish (lk, HOST_DNS_TIMEOUT); break;
    default:                finish (lk, HOST_DNS_BAD_RESPONSE, NULL, 0, NULL, 0); break;
    }
}

/* c-ares' callback: inside ares_process_fd or ares_query, so only record. */
static void
on_ares (void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
  HostDnsLookup *lk = arg;
  if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION)
    return;   /* we cancelled it (attempt timeout) or are freeing it */
  lk->ares_status = status;
  if (lk->abuf)
    g_byte_array_set_size (lk->abuf, 0);
  else
    lk->abuf = g_byte_array_new ();
  if (abuf && alen > 0)
    g_byte_array_append (lk->abuf, abuf, (guint) alen);
  lk->reported = TRUE;
  host_timer_start (&lk->step_timer, 0);
}

static void
on_try_timeout (HostTimer *t, gpointer user_data)
{
  HostDnsLookup *lk = user_data;
  if (lk->reported)
    return;   /* an answer came at this very instant: on_step takes it */
  ares_cancel (lk->ch);
  next_or_finish (lk, HOST_DNS_TIMEOUT);
}

static void
start_attempt (HostDnsLookup *lk)
{
  HostResolver *r = lk->r;
  guint k = lk->attempts++;
  const SimSockAddr *srv = &r->servers[k % r->n_servers];
  guint round = k / r->n_servers;
  /* c-ares 1.18 ares__send_query: timeout << (try_count / nservers),
   * here saturating instead of skipping the shift. */
  SimTime to = r->timeout;
  for (guint i = 0; i < round && to < SIM_TIME_MAX / 2; i++)
    to <<= 1;

  struct ares_addr_port_node node = { 0 };
  node.family = AF_INET;
  node.addr.addr4.s_addr = htonl (srv->ip);
  node.udp_port = srv->port;
  node.tcp_port = srv->port;
  int st = ares_set_servers_ports (lk->ch, &node);
  g_assert (st == ARES_SUCCESS);   /* only fails with queries pending or ENOMEM */
  host_timer_start (&lk->try_timer, to);
  ares_query (lk->ch, lk->name, C_IN_, lk->qtype, on_ares, lk);
}

static HostDnsLookup *
lookup_start (HostResolver *r, const char *name, guint16 qtype, HostDnsFunc func,
              gpointer user_data)
{
  g_return_val_if_fail (r != NULL && name != NULL && func != NULL, NULL);
  ares_channel ch = channel_take (r);
  if (!ch)
    return NULL;
  HostDnsLookup *lk = g_new0 (HostDnsLookup, 1);
  lk->ch = ch;
  ares_set_socket_functions (lk->ch, &sock_funcs, lk);
  lk->r = r;
  lk->name = g_strdup (name);
  lk->qtype = qtype;
  lk->func = func;
  lk->user_data = user_data;
  lk->started_at = host_now (r->host);
  host_timer_init (r->host, &lk->try_timer, on_try_timeout, lk);
  host_timer_init (r->host, &lk->step_timer, on_step, lk);
  r->lookups = g_list_prepend (r->lookups, lk);
  start_attempt (lk);
  return lk;
}

HostDnsLookup *
host_resolver_lookup_a (HostResolver *r, const char *name, HostDnsFunc func, gpointer user_data)
{
  return lookup_start (r, name, T_A_, func, user_data);
}

HostDnsLookup *
host_resolver_lookup_srv (HostResolver *r, const char *name, HostDnsFunc func,
                          gpointer user_data)
{
  return lookup_start (r, name, T_SRV_, func, user_data);
}

HostDnsLookup *
host_resolver_lookup_naptr (HostResolver *r, const char *name, HostDnsFunc func,
                            gpointer user_data)
{
  return lookup_start (r, name, T_NAPTR_, func, user_data);
}

void
host_dns_lookup_cancel (HostDnsLookup *lk)
{
  g_return_if_fail (lk != NULL);
  lk->r->lookups = g_list_remove (lk->r->lookups, lk);
  lookup_free (lk);
}

guint
host_resolver_get_pending (const HostResolver *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return g_list_length (r->lookups);
}

/* ------------------------------------------------- the system's servers */

static int library_once (void);

guint
host_resolver_system_servers (SimSockAddr *out, guint max, GError **error)
{
  int st = library_once ();
  ares_channel ch = NULL;
  if (st == ARES_SUCCESS)
    st = ares_init (&ch);   /* reads resolv.conf, as a live phone's OS would */
  struct ares_addr_port_node *list = NULL;
  if (st == ARES_SUCCESS)
    st = ares_get_servers_ports (ch, &list);
  guint n = 0;
  for (struct ares_addr_port_node *p = list; p && n < max; p = p->next)
    if (p->family == AF_INET)
      out[n++] = (SimSockAddr) { ntohl (p->addr.addr4.s_addr),
                                 (guint16) (p->udp_port ? p->udp_port : 53) };
  if (list)
    ares_free_data (list);
  if (ch)
    ares_destroy (ch);
  if (n == 0)
    g_set_error (error, g_quark_from_static_string ("host-resolver-error"), st,
                 "no IPv4 DNS server in the system's configuration%s%s",
                 st == ARES_SUCCESS ? "" : ": ", st == ARES_SUCCESS ? "" : ares_strerror (st));
  return n;
}

/* ----------------------------------------------------------- lifecycle */

static gpointer
library_init (gpointer data)
{
  return GINT_TO_POINTER (ares_library_init (ARES_LIB_INIT_ALL));
}

/* c-ares process state, once (see the top). */
static int
library_once (void)
{
  static GOnce once = G_ONCE_INIT;
  return GPOINTER_TO_INT (g_once (&once, library_init, NULL));
}

HostResolver *
host_resolver_new (SimHost *host, const SimSockAddr *servers, guint n_servers,
                   const HostResolverConfig *cfg, GError **error)
{
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (servers != NULL && n_servers > 0, NULL);
  g_return_val_if_fail (cfg == NULL || cfg->timeout >= 0, NULL);
  int st = library_once ();
  if (st != ARES_SUCCESS)
    {
      g_set_error (error, g_quark_from_static_string ("host-resolver-error"), st,
                   "ares_library_init: %s", ares_strerror (st));
      return NULL;
    }
  HostResolver *r = g_new0 (HostResolver, 1);
  r->host = host;
  r->servers = g_memdup2 (servers, n_servers * sizeof *servers);
  r->n_servers = n_servers;
  r->timeout = cfg && cfg->timeout > 0 ? cfg->timeout : SIM_S (5);
  r->tries = cfg && cfg->tries > 0 ? cfg->tries : 4;
  r->socks = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, sock_free);
  r->next_fd = FD_BASE;
  host_rng_init (host, &r->rng, cfg && cfg->rng_stream ? cfg->rng_stream : "dns-resolver");
  return r;
}

void
host_resolver_free (HostResolver *r)
{
  if (!r)
    return;
  while (r->lookups)
    host_dns_lookup_cancel (r->lookups->data);
  g_hash_table_unref (r->socks);
  g_free (r->servers);
  g_free (r);
}
