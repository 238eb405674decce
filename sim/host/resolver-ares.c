/*
 * sim/host/resolver-ares.c - HostResolver: c-ares 1.18 (Debian 12) as the
 * DNS codec, without a c-ares channel.
 *
 * Every c-ares call of the project is in this file, so the binding can move
 * to a newer c-ares in one place (STYLE.md 15).
 *
 * 1. What c-ares does here.  It is THE codec of the DNS bytes:
 *    ares_create_query builds each query (RD set, no EDNS: what ares_query
 *    builds with this binding's old flags), ares_expand_name decodes the
 *    questions compared in note 3 (unless the answer echoes the query's
 *    question byte for byte), and ares_parse_a_reply /
 *    ares_parse_srv_reply parse the answers (the SRV records' TTLs are
 *    then read by a walk over names c-ares has just decoded, srv_ttls;
 *    an answer equal to the last one but for its ID is not parsed again,
 *    note 7).
 *    What it does NOT do any more: hold
 *    a channel (ares_init_options), send, receive, keep timers, match
 *    answers or pick servers.  ares_init is called only by
 *    host_resolver_system_servers, for `sipsim live`.
 *
 * 2. Why no channel.  A c-ares 1.18 channel is about 74 KB of hash-table
 *    heads that ares_init_options sets up; this binding gave every lookup
 *    in progress its own (one per lookup, so a timeout could cancel just
 *    that lookup), taken from a per-thread pool.  In the registration
 *    storm every phone looks up at the same instant, so a run held
 *    74 KB x phones: 74 MB at 1,000 phones, 10 GB at 100,000
 *    (doc/performance.md, "Registration storm").  The binding already did
 *    most of the channel's work itself (one try, one server per attempt,
 *    its own attempt timer on simulated time, its own wire IDs), so what
 *    was left - sending, matching an answer to the query, turning its
 *    header into a status - is done here, exactly as c-ares 1.18.1 did it
 *    for a channel with tries = 1, one server and ARES_FLAG_NOCHECKRESP
 *    (note 3).  A lookup now costs its struct, its query bytes (about 40)
 *    and, while an attempt runs, one host socket.
 *
 * 3. One attempt, as c-ares 1.18.1 ran it (src/lib/ares_process.c,
 *    ares_query.c and ares_send.c at tag cares-1_18_1; the names below
 *    are its functions):
 *    - send (ares__send_query, open_udp_socket): a fresh host UDP socket
 *      on an ephemeral port per attempt (c-ares closed its sockets when its
 *      last query ended, end_query / ares_cancel, and the old binding
 *      re-pointed the channel before every attempt), then the query with
 *      a new wire ID drawn from the resolver's SimRng.  No socket, or a
 *      send that fails: ARES_ECONNREFUSED, the query's initial
 *      error_status (skip_server + next_server with no try left).
 *    - receive (read_udp_packets): a datagram is read into a buffer of
 *      MAXENDSSZ + 1 = 4097 bytes (longer ones are cut, as recvfrom
 *      does).  An ICMP error (a recvfrom failing with ECONNREFUSED) is
 *      handle_error: ARES_ECONNREFUSED.  A datagram of zero bytes is
 *      ignored: upstream 1.18.1 took it for an error too, but Debian's
 *      1.18.1-3 carries the fix of CVE-2023-32067 (upstream 1.19.1,
 *      read_udp_packets: "a result code of 0 is a 0-length UDP packet"),
 *      and tests/test-dns.c "7-matching" showed the channel binding
 *      ignoring it.  A datagram from another address than the server's is
 *      dropped (same_address; c-ares compares the address, and its
 *      socket is connect()ed, so the kernel drops other source ports:
 *      here the port is compared too, the host sockets being
 *      unconnected).
 *    - match (process_answer): shorter than the 12-byte header: dropped.
 *      Otherwise it must carry the attempt's wire ID and the same
 *      questions as the query (same_questions: the same QDCOUNT, and
 *      each question of the query found among the answer's, name
 *      compared case-insensitively, type and class equal; an answer
 *      whose question section is the query's, byte for byte, is that
 *      without decoding: same_question); if not,
 *      dropped and the attempt goes on waiting.  Every datagram dropped
 *      here is counted (host_resolver_get_dropped) and logged at debug
 *      level, never traced.
 *    - TC set or more than PACKETSZ = 512 bytes: c-ares retries over TCP,
 *      which this binding always refused at asocket (the DNS model
 *      answers within 512 bytes), so open_tcp_socket failed and the
 *      query ended with ARES_ECONNREFUSED.  Kept as that.
 *    - status (ares_query.c, qcallback; with NOCHECKRESP process_answer
 *      passes every RCODE on): NOERROR with ANCOUNT > 0 ARES_SUCCESS, with
 *      ANCOUNT 0 ARES_ENODATA; FORMERR ARES_EFORMERR; SERVFAIL
 *      ARES_ESERVFAIL; NXDOMAIN ARES_ENOTFOUND; NOTIMP ARES_ENOTIMP;
 *      REFUSED ARES_EREFUSED; any other RCODE stays ARES_SUCCESS and the
 *      answer is parsed.  on_step maps the status to HostDnsStatus and
 *      decides between the next attempt and the end (resolver.h).
 *    Dropped datagrams are not reported anywhere (as before): the attempt
 *    simply goes on and, if nothing better comes, times out.
 *
 * 4. Timing.  The attempt timer is a host timer (timeout << round, as
 *    c-ares' ares__send_query computed it).  An outcome found while a
 *    datagram is being delivered, or inside start_attempt, is stored and
 *    handled from a zero-delay host timer (step_timer), as the old
 *    binding handled c-ares' callback: the user's callback never runs
 *    inside the call that started the lookup (resolver.h), and the trace
 *    keeps its order.  The attempt's socket is closed the moment its
 *    outcome is known (c-ares closed it inside end_query).
 *
 * 5. Query IDs come from the resolver's own SimRng stream, one draw per
 *    query sent (after its socket is open), so the same seed gives the
 *    same bytes; c-ares' own ID generator (OS entropy) is never used.
 *
 * 6. Built queries.  Phones ask the same few questions again and again
 *    (their registrar's A and SRV names, the SRV targets), so the last
 *    BUILT_QUERIES = 16 queries c-ares built are kept, keyed by (type,
 *    name as given), and a lookup copies its query from there instead of
 *    calling ares_create_query again (about 700 instructions of 3,000 to
 *    start a query, issue 17).  The bytes are the same either way:
 *    ares_create_query with ID 0 is a function of the name and type
 *    only.  The cache is one per world, shared by every resolver in it
 *    (sim_world_get_shared, key "host.dns-built-queries"): kept per
 *    resolver it cost every phone about 1.3 KB (issue 17 item 2: at most
 *    16 KiB a phone), although the phones of a world mostly ask the same
 *    names.  Since what is kept is a function of the bytes alone, which
 *    resolver filled a slot, or whether another one emptied it, cannot
 *    change a result.  A new question takes the slots in turn; at most
 *    16 blocks of about 40 + 2 x the name's length bytes (plus note 7's
 *    answer) per world.  A name c-ares refuses is not kept.
 *
 * 7. Decoded answers.  With each built query the resolver keeps the last
 *    answer c-ares decoded for it and what that came to (status, records,
 *    TTLs: a Memo).  An answer equal to it in every byte but the ID - a
 *    server gives the same answer again and again, with the query's new
 *    ID - takes the kept result instead of ares_parse_*_reply (2,300
 *    instructions for an A answer, 4,500 for an SRV one, issue 17).  What
 *    c-ares makes of an answer is a function of its bytes; the ID could
 *    enter only through a compression pointer to offset 0 or 1 (RFC 1035
 *    §4.1.4: the bytes 0xc0 then 0x00 or 0x01), so an answer holding that
 *    pair anywhere after the ID is never kept (a byte-level test: an
 *    address 192.0.x.x or 192.1.x.x in an A record is enough to skip it).
 *    The result is copied out of the memo before the callback, which may
 *    free the resolver.  Cost: one block per kept question, the answer's
 *    bytes plus its records (about 110 bytes for one A record, 240 for
 *    two SRV records).
 *
 * The one global: ares_library_init() is c-ares' process-wide set-up
 * (allocator hooks; on Windows, WinSock).  It holds no simulation state and
 * cannot change a run's results, so it is done once per process (g_once)
 * and never cleaned up.
 *
 * Lookup states (one attempt at a time; the lookup is in r->lookups until
 * finish or cancel):
 *
 *   attempt running:  udp != NULL, try_timer pending, !reported
 *   outcome stored:   udp == NULL, step_timer pending, reported (try_timer
 *                     may still be pending: on_step cancels it)
 *   (between attempts nothing is pending; start_attempt runs at once)
 *
 *   event              attempt running                outcome stored
 *   matching answer    close, store, step_timer       -
 *   ICMP error         close, store ECONNREFUSED      -
 *   other datagram     drop                           -
 *   try_timer          close, next attempt or finish  (ignored: reported)
 *   step_timer         -                              on_step
 */
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ares.h>

#include "sim/host/resolver.h"
#include "sim/host/host-private.h"
#include "sim/net/bytes.h"

#define MAX_RECORDS    64
#define T_A_           1
#define T_SRV_         33
#define T_NAPTR_       35      /* RFC 3403 */
#define C_IN_          1
#define HDR_LEN_       12      /* RFC 1035 §4.1.1; c-ares' HFIXEDSZ */
#define QFIXED_LEN_    4       /* QTYPE + QCLASS; c-ares' QFIXEDSZ */
#define UDP_MAX_       512     /* c-ares' PACKETSZ: more goes over TCP */
#define READ_MAX_      4097    /* c-ares 1.18 read_udp_packets: MAXENDSSZ + 1 */
#define RCODE_NOERROR_  0
#define RCODE_FORMERR_  1
#define RCODE_SERVFAIL_ 2
#define RCODE_NXDOMAIN_ 3
#define RCODE_NOTIMP_   4
#define RCODE_REFUSED_  5

/* What an answer to an A or SRV question came to: the arguments of
 * finish().  The SRV targets point into @text (or @heap). */
typedef struct {
  HostDnsStatus status;
  guint         n_a, n_srv;
  HostDnsA      a[MAX_RECORDS];
  HostDnsSrv    srv[MAX_RECORDS];
  char          text[UDP_MAX_];
  char         *heap;       /* the targets' text when @text is too small */
} Outcome;

/* The last answer decoded for a question and what it came to (note 7):
 * one g_malloc block, the answer's bytes, records and target text at the
 * end. */
typedef struct {
  gsize         alen;
  const guint8 *ans;        /* alen bytes (its ID is not compared) */
  HostDnsStatus status;
  guint         n_a, n_srv;
  HostDnsA     *a;
  HostDnsSrv   *srv;        /* targets in the block */
} Memo;

/* One query built by c-ares, kept for the next lookup of the same
 * question (note 6), with the last answer to it (note 7). */
typedef struct {
  guint16        qtype;
  guint          qlen;
  char          *name;      /* as asked (c-ares keeps its case) */
  guint8        *qbuf;      /* ares_create_query's bytes, ID 0 */
  Memo          *memo;      /* owned (g_free), or NULL */
} BuiltQuery;               /* one g_malloc block: name and qbuf follow */

#define BUILT_QUERIES  16   /* note 6 */

/* The world's kept queries (note 6): owned by the world (freed by
 * built_cache_free from sim_world_free), borrowed by its resolvers. */
typedef struct {
  BuiltQuery    *built[BUILT_QUERIES];   /* owned, NULL: free slot */
  guint          next;                   /* the slot the next new query takes */
} BuiltCache;

struct HostResolver {
  SimHost       *host;
  SimSockAddr   *servers;
  guint          n_servers;
  SimTime        timeout;
  guint          tries;
  SimRng         rng;         /* wire query IDs (note 5) */
  HostDnsLookup *lookups;     /* in progress, newest first (->next) */
  guint          n_lookups;
  guint          dropped;     /* datagrams not taken as an answer (note 3) */
  BuiltCache    *cache;       /* the world's (note 6); borrowed */
};

/* One lookup, one g_malloc block: the struct, then @name and the query's
 * bytes (@qbuf), freed with it. */
struct HostDnsLookup {
  HostResolver *r;
  HostDnsLookup *prev, *next;   /* in r->lookups */
  const char   *name;      /* in the block */
  guint16       qtype;
  HostDnsFunc   func;
  gpointer      user_data;
  int           build_status; /* ARES_SUCCESS, or why c-ares refused the name */
  guint8       *qbuf;      /* in the block (NULL if refused); its ID is set
                              per attempt */
  int           qlen;
  SimHostUdp   *udp;        /* the running attempt's socket (owned), or NULL */
  SimSockAddr   peer;       /* the running attempt's server */
  guint16       wire_id;    /* the running attempt's query ID */
  guint         attempts;   /* started so far */
  HostTimer     try_timer;  /* the current attempt's timeout */
  HostTimer     step_timer; /* zero-delay: handle the stored outcome */
  gboolean      reported;   /* outcome stored; step_timer pending */
  int           ares_status;
  guint8       *abuf;       /* the answer of the stored outcome (g_malloc), or NULL */
  gsize         alen;
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

/* --------------------------------------------------------- answer parsing */

/* The wire length of the name at @p (RFC 1035 §4.1.4): its labels up to
 * and including the root's zero octet, or up to and including the first
 * pointer; 0 if it runs past @end or holds a reserved label type.  For a
 * name ares_expand_name has decoded at this place that is exactly the
 * enclen it gave (c-ares 1.18.1 ares_expand_name: "aptr + 1 - encoded"
 * at the zero octet, "aptr + 2 - encoded" at the first pointer). */
static gsize
name_wire_len (const guint8 *p, const guint8 *end)
{
  const guint8 *q = p;
  while (q < end && *q != 0 && (*q & 0xc0) == 0)
    q += 1 + *q;
  if (q >= end)
    return 0;
  if (*q == 0)
    return (gsize) (q - p) + 1;
  if ((*q & 0xc0) != 0xc0 || end - q < 2)
    return 0;
  return (gsize) (q - p) + 2;
}

/* TTLs of the SRV records of an answer, in order (ares_srv_reply has no
 * TTL in 1.18).  Walks RFC 1035 §4.1.3 records.  Called only for an
 * answer ares_parse_srv_reply has accepted: c-ares 1.18.1 then has
 * decoded every name of its question and answer records with
 * ares_expand_name at the very places this walk meets them (QDCOUNT 1,
 * the same bounds checks as below), so the names are skipped by their
 * wire length (name_wire_len) instead of being decoded a second time;
 * the checks stay, for safety. */
static guint
srv_ttls (const guint8 *abuf, int alen, guint32 *out, guint max)
{
  if (alen < HDR_LEN_)
    return 0;
  guint qd = sim_get_be16 (abuf + 4), an = sim_get_be16 (abuf + 6), k = 0;
  const guint8 *p = abuf + HDR_LEN_, *end = abuf + alen;
  for (guint i = 0; i < qd + an; i++)
    {
      gsize enclen = name_wire_len (p, end);
      if (enclen == 0)
        return k;
      p += enclen;
      if (i < qd)
        {
          if (end - p < QFIXED_LEN_)
            return k;
          p += QFIXED_LEN_;
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

/* c-ares 1.18.1 same_questions() for a query of one question (@lk's):
 * the answer has exactly one question too (QDCOUNT equal), and it is the
 * query's - name equal ignoring ASCII case (c-ares: strcasecmp on the
 * ares_expand_name forms), type and class equal.  A question that cannot
 * be decoded is no match.
 *
 * Shortcut: an answer whose question section is byte for byte the
 * query's (a server echoes it: RFC 1035 §4.1.1, and the DNS model does)
 * matches without decoding - the same bytes (no compression pointer:
 * ares_create_query writes none) decode to the same name, type and
 * class.  Any other question goes through ares_expand_name as above, so
 * the outcome is c-ares' in every case. */
static gboolean
same_question (const HostDnsLookup *lk, const guint8 *abuf, gsize alen)
{
  if (sim_get_be16 (abuf + 4) != 1)
    return FALSE;
  gsize qsec = (gsize) lk->qlen - HDR_LEN_;
  if (alen - HDR_LEN_ >= qsec && memcmp (abuf + HDR_LEN_, lk->qbuf + HDR_LEN_, qsec) == 0)
    return TRUE;
  char *name = NULL;
  long enclen = 0;
  if (ares_expand_name (abuf + HDR_LEN_, abuf, (int) alen, &name, &enclen) != ARES_SUCCESS)
    return FALSE;
  gboolean same = FALSE;
  const guint8 *p = abuf + HDR_LEN_ + enclen;
  if (p + QFIXED_LEN_ <= abuf + alen && sim_get_be16 (p) == lk->qtype
      && sim_get_be16 (p + 2) == C_IN_)
    {
      /* The query's name as c-ares decodes it (c-ares decodes what it
       * encoded), only now: the shortcut above takes the usual answer. */
      char *qname = NULL;
      long qenclen = 0;
      int st = ares_expand_name (lk->qbuf + HDR_LEN_, lk->qbuf, lk->qlen, &qname, &qenclen);
      g_assert (st == ARES_SUCCESS);
      same = g_ascii_strcasecmp (name, qname) == 0;
      ares_free_string (qname);
    }
  ares_free_string (name);
  return same;
}

/* ----------------------------------------------------------- the lookups */

static void start_attempt (HostDnsLookup *lk);

static void
attempt_close (HostDnsLookup *lk)
{
  host_udp_close (g_steal_pointer (&lk->udp));
}

/* The attempt's outcome (an ares status, @abuf the answer if any): the
 * socket goes now, the outcome is handled from step_timer (note 4). */
static void
report (HostDnsLookup *lk, int status, const guint8 *abuf, gsize alen)
{
  g_assert (!lk->reported);
  attempt_close (lk);
  lk->ares_status = status;
  g_free (lk->abuf);   /* an earlier attempt's, handled already */
  lk->abuf = abuf && alen > 0 ? g_memdup2 (abuf, alen) : NULL;
  lk->alen = lk->abuf ? alen : 0;
  lk->reported = TRUE;
  host_timer_start (&lk->step_timer, 0);
}

/* Takes @lk out of r->lookups (newest first, as it was put in). */
static void
lookup_unlink (HostDnsLookup *lk)
{
  HostResolver *r = lk->r;
  if (lk->prev)
    lk->prev->next = lk->next;
  else
    r->lookups = lk->next;
  if (lk->next)
    lk->next->prev = lk->prev;
  lk->prev = lk->next = NULL;
  g_assert (r->n_lookups > 0);
  r->n_lookups--;
}

/* Everything of @lk but its block: timers, socket, stored answer. */
static void
lookup_release (HostDnsLookup *lk)
{
  host_timer_cancel (&lk->try_timer);
  host_timer_cancel (&lk->step_timer);
  attempt_close (lk);
  g_clear_pointer (&lk->abuf, g_free);
}

static void
lookup_free (HostDnsLookup *lk)
{
  lookup_release (lk);
  g_free (lk);          /* name and qbuf are in the block */
}

static void
finish (HostDnsLookup *lk, HostDnsStatus status, const HostDnsA *a, guint n_a,
        const HostDnsSrv *srv, guint n_srv)
{
  HostResolver *r = lk->r;
  lookup_unlink (lk);
  HostDnsResult res = {
    .status = status, .name = lk->name, .qtype = lk->qtype, .attempts = lk->attempts,
    .started_at = lk->started_at, .finished_at = host_now (r->host),
    .n_a = n_a, .a = a, .n_srv = n_srv, .srv = srv,
  };
  HostDnsFunc func = lk->func;
  gpointer user_data = lk->user_data;
  /* One protocol-visible line, unchanged since the binding used a channel
   * (fingerprints).  No query ID: the outcome is what a model sees. */
  host_trace (r->host, "DNS %s %s: %s, %u records, %u queries",
              lk->qtype == T_A_ ? "A" : lk->qtype == T_NAPTR_ ? "NAPTR" : "SRV", lk->name,
              host_dns_status_to_string (status),
              n_a + n_srv, lk->attempts);
  /* The lookup's timers and socket go first: the callback may free @r.
   * Its block, which holds res.name, goes after the callback. */
  lookup_release (lk);
  func (r, &res, user_data);
  g_free (lk);
}

static void
next_or_finish (HostDnsLookup *lk, HostDnsStatus status)
{
  if (lk->attempts < lk->r->tries * lk->r->n_servers)
    start_attempt (lk);
  else
    finish (lk, status, NULL, 0, NULL, 0);
}

/* The targets' text of @o: @len bytes in o->text, or in o->heap. */
static char *
outcome_text (Outcome *o, gsize len)
{
  if (len <= sizeof o->text)
    return o->text;
  o->heap = g_malloc (len);
  return o->heap;
}

/* An answer to an A or SRV question into @o, by c-ares (note 1). */
static void
answer_decode (const guint8 *abuf, int alen, guint16 qtype, Outcome *o)
{
  o->n_a = o->n_srv = 0;
  o->heap = NULL;
  if (qtype == T_A_)
    {
      struct ares_addrttl ttls[MAX_RECORDS];
      int n = MAX_RECORDS;
      int st = ares_parse_a_reply (abuf, alen, NULL, ttls, &n);
      if (st == ARES_ENODATA || (st == ARES_SUCCESS && n == 0))
        o->status = HOST_DNS_NODATA;
      else if (st != ARES_SUCCESS)
        o->status = HOST_DNS_BAD_RESPONSE;
      else
        {
          o->status = HOST_DNS_OK;
          for (int i = 0; i < n; i++)
            {
              o->a[i].ip = ntohl (ttls[i].ipaddr.s_addr);
              o->a[i].ttl_s = ttls[i].ttl < 0 ? 0 : (guint32) ttls[i].ttl;
            }
          o->n_a = (guint) n;
        }
      return;
    }

  struct ares_srv_reply *list = NULL;
  int st = ares_parse_srv_reply (abuf, alen, &list);
  if (st != ARES_SUCCESS || !list)
    {
      if (list)
        ares_free_data (list);
      o->status = st == ARES_ENODATA || st == ARES_SUCCESS ? HOST_DNS_NODATA
                                                          : HOST_DNS_BAD_RESPONSE;
      return;
    }
  guint32 ttls[MAX_RECORDS];
  guint nt = srv_ttls (abuf, alen, ttls, MAX_RECORDS);
  gsize text = 0;
  guint n = 0;
  for (struct ares_srv_reply *p = list; p && n < MAX_RECORDS; p = p->next, n++)
    text += strlen (p->host) + 1;
  char *t = outcome_text (o, text);
  n = 0;
  for (struct ares_srv_reply *p = list; p && n < MAX_RECORDS; p = p->next, n++)
    {
      o->srv[n].priority = p->priority;
      o->srv[n].weight = p->weight;
      o->srv[n].port = p->port;
      gsize len = strlen (p->host) + 1;
      memcpy (t, p->host, len);
      o->srv[n].target = t;
      t += len;
      o->srv[n].ttl_s = n < nt ? ttls[n] : 0;
    }
  o->n_srv = n;
  o->status = HOST_DNS_OK;
  ares_free_data (list);
}

/* Whether what c-ares makes of @abuf cannot depend on its ID (note 7): no
 * two bytes after the ID read as a compression pointer to offset 0 or 1
 * (RFC 1035 §4.1.4: 0xc0 then the offset), so no name c-ares decodes
 * can run through the ID bytes. */
static gboolean
memo_allowed (const guint8 *abuf, gsize alen)
{
  for (gsize i = 2; i + 1 < alen; i++)
    if (abuf[i] == 0xc0 && abuf[i + 1] <= 1)
      return FALSE;
  return TRUE;
}

/* Copies @n records from @src to @dst with their targets' text written
 * at @t (room for every target and its NUL); returns the end of it. */
static char *
srv_copy (HostDnsSrv *dst, const HostDnsSrv *src, guint n, char *t)
{
  for (guint i = 0; i < n; i++)
    {
      gsize len = strlen (src[i].target) + 1;
      dst[i] = src[i];
      memcpy (t, src[i].target, len);
      dst[i].target = t;
      t += len;
    }
  return t;
}

static Memo *
memo_new (const guint8 *abuf, gsize alen, const Outcome *o)
{
  G_STATIC_ASSERT (sizeof (Memo) % G_ALIGNOF (HostDnsSrv) == 0);
  G_STATIC_ASSERT (sizeof (HostDnsSrv) % G_ALIGNOF (HostDnsA) == 0);
  gsize text = 0;
  for (guint i = 0; i < o->n_srv; i++)
    text += strlen (o->srv[i].target) + 1;
  Memo *m = g_malloc (sizeof *m + o->n_srv * sizeof (HostDnsSrv) + o->n_a * sizeof (HostDnsA)
                      + text + alen);
  m->srv = (HostDnsSrv *) (void *) (m + 1);
  m->a = (HostDnsA *) (void *) (m->srv + o->n_srv);
  char *t = (char *) (m->a + o->n_a);
  m->status = o->status;
  m->n_a = o->n_a;
  m->n_srv = o->n_srv;
  if (o->n_a)
    memcpy (m->a, o->a, o->n_a * sizeof (HostDnsA));
  t = srv_copy (m->srv, o->srv, o->n_srv, t);
  memcpy (t, abuf, alen);
  m->ans = (const guint8 *) t;
  m->alen = alen;
  return m;
}

/* @o from @m if @abuf is @m's answer but for its ID; FALSE if not. */
static gboolean
memo_take (const Memo *m, const guint8 *abuf, gsize alen, Outcome *o)
{
  if (m == NULL || m->alen != alen || alen < 2
      || memcmp (m->ans + 2, abuf + 2, alen - 2) != 0)
    return FALSE;
  o->status = m->status;
  o->n_a = m->n_a;
  o->n_srv = m->n_srv;
  o->heap = NULL;
  if (m->n_a)
    memcpy (o->a, m->a, m->n_a * sizeof (HostDnsA));
  gsize text = 0;
  for (guint i = 0; i < m->n_srv; i++)
    text += strlen (m->srv[i].target) + 1;
  srv_copy (o->srv, m->srv, m->n_srv, outcome_text (o, text));
  return TRUE;
}

static BuiltQuery *built_find (HostResolver *r, const char *name, guint16 qtype);

static void
finish_answer (HostDnsLookup *lk)
{
  const guint8 *abuf = lk->abuf;
  int alen = (int) lk->alen;
  if (lk->qtype == T_NAPTR_)
    {
      /* Only the outcome is reported (resolver.h): records present or
       * NODATA; their contents are not parsed. */
      guint an = alen >= HDR_LEN_ ? sim_get_be16 (abuf + 6) : 0;
      finish (lk, an > 0 ? HOST_DNS_OK : HOST_DNS_NODATA, NULL, 0, NULL, 0);
      return;
    }
  /* The outcome is copied out of the memo: the callback may free @r. */
  Outcome o;
  BuiltQuery *b = built_find (lk->r, lk->name, lk->qtype);
  if (!(b && memo_take (b->memo, abuf, (gsize) alen, &o)))
    {
      answer_decode (abuf, alen, lk->qtype, &o);
      if (b && memo_allowed (abuf, (gsize) alen))
        {
          g_free (b->memo);
          b->memo = memo_new (abuf, (gsize) alen, &o);
        }
    }
  /* o's records may live in o.heap; the callback only borrows them. */
  finish (lk, o.status, o.n_a ? o.a : NULL, o.n_a, o.n_srv ? o.srv : NULL, o.n_srv);
  g_free (o.heap);
}

/* The stored outcome of the current attempt (from step_timer). */
static void
on_step (HostTimer *t, gpointer user_data)
{
  HostDnsLookup *lk = user_data;
  g_assert (lk->reported && lk->udp == NULL);
  lk->reported = FALSE;
  host_timer_cancel (&lk->try_timer);
  switch (lk->ares_status)
    {
    case ARES_SUCCESS:      finish_answer (lk); break;
    case ARES_ENOTFOUND:    finish (lk, HOST_DNS_NXDOMAIN, NULL, 0, NULL, 0); break;
    case ARES_ENODATA:      finish (lk, HOST_DNS_NODATA, NULL, 0, NULL, 0); break;
    /* c-ares moves to the next server on these (process_answer without
     * NOCHECKRESP, handle_error, next_server) */
    case ARES_ESERVFAIL:    next_or_finish (lk, HOST_DNS_SERVFAIL); break;
    case ARES_EREFUSED:
    case ARES_ENOTIMP:      next_or_finish (lk, HOST_DNS_REFUSED); break;
    case ARES_ECONNREFUSED: next_or_finish (lk, HOST_DNS_CONN_REFUSED); break;
    default:                finish (lk, HOST_DNS_BAD_RESPONSE, NULL, 0, NULL, 0); break;
    }
}

/* A datagram on the attempt's socket: c-ares 1.18.1 read_udp_packets,
 * process_answer and qcallback for one server, one try (note 3). */
static void
on_udp_recv (SimHostUdp *udp, const SimSockAddr *from, const guint8 *data, gsize len,
             gpointer user_data)
{
  HostDnsLookup *lk = user_data;
  g_assert (udp == lk->udp && !lk->reported);
  gsize n = MIN (len, READ_MAX_);
  const char *why = NULL;
  if (n == 0)
    why = "empty";                                /* CVE-2023-32067 fix (note 3) */
  else if (from->ip != lk->peer.ip || from->port != lk->peer.port)
    why = "not from the server";                  /* same_address */
  else if (n < HDR_LEN_ || sim_get_be16 (data) != lk->wire_id || !same_question (lk, data, n))
    why = "not this query's answer";
  if (why)
    {
      /* Counted and logged, not traced: the attempt goes on waiting, as
       * c-ares' did, and the trace (so the fingerprint) stays what it was. */
      lk->r->dropped++;
      host_log (lk->r->host, SIM_LOG_DEBUG, "dns: datagram dropped (%s): %zu bytes", why, len);
      return;
    }
  if ((data[2] & 0x02) || n > UDP_MAX_)
    {
      report (lk, ARES_ECONNREFUSED, NULL, 0);    /* TC: TCP, refused (note 3) */
      return;
    }
  int status = ARES_SUCCESS;
  switch (data[3] & 0x0f)
    {
    case RCODE_NOERROR_:  status = sim_get_be16 (data + 6) > 0 ? ARES_SUCCESS : ARES_ENODATA; break;
    case RCODE_FORMERR_:  status = ARES_EFORMERR; break;
    case RCODE_SERVFAIL_: status = ARES_ESERVFAIL; break;
    case RCODE_NXDOMAIN_: status = ARES_ENOTFOUND; break;
    case RCODE_NOTIMP_:   status = ARES_ENOTIMP; break;
    case RCODE_REFUSED_:  status = ARES_EREFUSED; break;
    default:              break;   /* qcallback leaves ARES_SUCCESS */
    }
  report (lk, status, data, n);
}

/* An ICMP error on the attempt's socket: c-ares read it as a recvfrom
 * failing with ECONNREFUSED, handle_error (note 3). */
static void
on_udp_error (SimHostUdp *udp, SimNetError err, const SimSockAddr *remote, gpointer user_data)
{
  HostDnsLookup *lk = user_data;
  g_assert (udp == lk->udp && !lk->reported);
  if (err != SIM_NET_ERR_PORT_UNREACHABLE && err != SIM_NET_ERR_HOST_UNREACHABLE)
    return;
  report (lk, ARES_ECONNREFUSED, NULL, 0);
}

static void
on_try_timeout (HostTimer *t, gpointer user_data)
{
  HostDnsLookup *lk = user_data;
  if (lk->reported)
    return;   /* an outcome came at this very instant: on_step takes it */
  attempt_close (lk);
  next_or_finish (lk, HOST_DNS_TIMEOUT);
}

/* The kept entry for (@qtype, @name) (note 6), or NULL. */
static BuiltQuery *
built_find (HostResolver *r, const char *name, guint16 qtype)
{
  for (guint i = 0; i < BUILT_QUERIES; i++)
    {
      BuiltQuery *b = r->cache->built[i];
      if (b && b->qtype == qtype && strcmp (b->name, name) == 0)
        return b;
    }
  return NULL;
}

static void
built_free (BuiltQuery *b)
{
  if (b)
    g_free (b->memo);
  g_free (b);
}

static void
built_cache_free (gpointer p)
{
  BuiltCache *c = p;
  for (guint i = 0; i < BUILT_QUERIES; i++)
    built_free (c->built[i]);
  g_free (c);
}

/* The query for (@qtype, @name): kept (note 6), or built by c-ares now
 * and kept.  NULL with *@status if c-ares refuses the name (ares_query
 * reported that status); nothing is kept then. */
static const BuiltQuery *
query_get (HostResolver *r, const char *name, guint16 qtype, int *status)
{
  const BuiltQuery *found = built_find (r, name, qtype);
  if (found)
    return found;
  /* ID 0 here: each attempt writes its own (note 5).  rd = 1, no EDNS:
   * what ares_query built for the channel this binding used to make. */
  unsigned char *qbuf = NULL;
  int qlen = 0;
  int st = ares_create_query (name, C_IN_, qtype, 0, 1, &qbuf, &qlen, 0);
  if (st != ARES_SUCCESS)
    {
      if (qbuf)
        ares_free_string (qbuf);
      *status = st;
      return NULL;
    }
  /* ares_create_query keeps names under 256 bytes: a query always fits
   * UDP (ares_send would otherwise have gone to TCP). */
  g_assert (qlen >= HDR_LEN_ && qlen <= UDP_MAX_);
  gsize nl = strlen (name) + 1;
  BuiltQuery *b = g_malloc (sizeof *b + nl + (gsize) qlen);
  b->qtype = qtype;
  b->qlen = (guint) qlen;
  b->memo = NULL;
  b->name = (char *) (b + 1);
  memcpy (b->name, name, nl);
  b->qbuf = (guint8 *) b->name + nl;
  memcpy (b->qbuf, qbuf, (gsize) qlen);
  ares_free_string (qbuf);
  BuiltCache *c = r->cache;
  built_free (c->built[c->next]);
  c->built[c->next] = b;
  c->next = (c->next + 1) % BUILT_QUERIES;
  return b;
}

static void
start_attempt (HostDnsLookup *lk)
{
  HostResolver *r = lk->r;
  g_assert (lk->udp == NULL && !lk->reported);
  guint k = lk->attempts++;
  const SimSockAddr *srv = &r->servers[k % r->n_servers];
  guint round = k / r->n_servers;
  /* c-ares 1.18 ares__send_query: timeout << (try_count / nservers),
   * here saturating instead of skipping the shift. */
  SimTime to = r->timeout;
  for (guint i = 0; i < round && to < SIM_TIME_MAX / 2; i++)
    to <<= 1;
  host_timer_start (&lk->try_timer, to);

  if (lk->build_status != ARES_SUCCESS)
    {
      report (lk, lk->build_status, NULL, 0);
      return;
    }
  g_autoptr (GError) err = NULL;
  lk->udp = host_udp_open (r->host, NULL, on_udp_recv, on_udp_error, lk, &err);
  if (!lk->udp)
    {
      host_log (r->host, SIM_LOG_INFO, "dns: no socket: %s", err->message);
      report (lk, ARES_ECONNREFUSED, NULL, 0);
      return;
    }
  lk->peer = *srv;
  lk->wire_id = (guint16) sim_rng_below (&r->rng, 65536);
  sim_put_be16 (lk->qbuf, lk->wire_id);
  if (!host_udp_sendto (lk->udp, srv, lk->qbuf, (gsize) lk->qlen, &err))
    {
      host_log (r->host, SIM_LOG_INFO, "dns: query not sent: %s", err->message);
      report (lk, ARES_ECONNREFUSED, NULL, 0);
    }
}

static HostDnsLookup *
lookup_start (HostResolver *r, const char *name, guint16 qtype, HostDnsFunc func,
              gpointer user_data)
{
  g_return_val_if_fail (r != NULL && name != NULL && func != NULL, NULL);
  int st = ARES_SUCCESS;
  const BuiltQuery *b = query_get (r, name, qtype, &st);
  gsize nl = strlen (name) + 1, ql = b ? b->qlen : 0;
  /* One block: the lookup, its name, its copy of the query (the ID is
   * written into it per attempt; the cache may drop its entry meanwhile). */
  HostDnsLookup *lk = g_malloc (sizeof *lk + nl + ql);   /* only the struct needs zeros */
  char *name_copy = (char *) (lk + 1);
  memcpy (name_copy, name, nl);
  *lk = (HostDnsLookup) {
    .r = r, .name = name_copy, .qtype = qtype, .func = func, .user_data = user_data,
    .build_status = st, .started_at = host_now (r->host),
  };
  if (b)
    {
      lk->qbuf = (guint8 *) name_copy + nl;
      memcpy (lk->qbuf, b->qbuf, ql);
      lk->qlen = (int) ql;
    }
  host_timer_init (r->host, &lk->try_timer, on_try_timeout, lk);
  host_timer_init (r->host, &lk->step_timer, on_step, lk);
  lk->next = r->lookups;
  if (lk->next)
    lk->next->prev = lk;
  r->lookups = lk;
  r->n_lookups++;
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
  lookup_unlink (lk);
  lookup_free (lk);
}

guint
host_resolver_get_pending (const HostResolver *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->n_lookups;
}

guint
host_resolver_get_dropped (const HostResolver *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->dropped;
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
  host_rng_init (host, &r->rng, cfg && cfg->rng_stream ? cfg->rng_stream : "dns-resolver");
  static const char cache_key[] = "host.dns-built-queries";
  r->cache = sim_world_get_shared (host->world, cache_key);
  if (!r->cache)
    {
      r->cache = g_new0 (BuiltCache, 1);
      sim_world_set_shared (host->world, cache_key, r->cache, built_cache_free);
    }
  return r;
}

void
host_resolver_free (HostResolver *r)
{
  if (!r)
    return;
  while (r->lookups)
    host_dns_lookup_cancel (r->lookups);
  g_free (r->servers);
  g_free (r);
}
