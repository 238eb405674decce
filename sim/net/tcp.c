/*
 * sim/net/tcp.c - TCP on a simulated node: RFC 793's state machine with
 * RFC 6298 retransmission timers, Linux's defaults, and real segments.
 *
 * What this model is for: "enough state that NAT TCP timeouts and
 * connection loss behave as on a wire" (DESIGN.md).  A connection that a
 * NAT or a server has forgotten answers with RST; a silent peer makes the
 * sender retransmit with exponential back-off until it gives up; SYNs are
 * retried 1, 2, 4 ... s apart and fail after 127 s, as Linux does.  It is
 * not a congestion-control study tool.  Users' guide: doc/tcp.md.
 *
 * Notes (numbered so that code can cite them):
 *
 *  1. Segments are real bytes (sim_packet_new_tcp), sent with
 *     sim_node_output() from the address sim_node_source_for() picks; the
 *     SYN and SYN-ACK carry an MSS option (our config.mss) and the sending
 *     MSS is min(config.mss, peer's MSS option, or 536 without one, RFC
 *     1122 4.2.2.6).  ISNs are drawn from the node's own random stream and
 *     IP ids from sim_node_next_ip_id(), so a run is reproducible.
 *
 *  2. Demultiplexing (sim_tcp_input): the 4-tuple names a connection; else
 *     a listener on the destination port takes a SYN; else the segment is
 *     answered by RFC 793's reset generation (p. 36): if it has ACK, RST
 *     with seq = SEG.ACK; otherwise RST+ACK with seq 0 and ack = SEG.SEQ +
 *     SEG.LEN (SYN and FIN count one).  A RST is never answered.
 *
 *  3. Receiving: the receive window is fixed at 65535 (no window scaling);
 *     applications always read at once, so it never shrinks.  A segment
 *     that is not acceptable (RFC 793 p. 69) is answered with an ACK and
 *     dropped; such ACKs for segments without data are rate-limited to one
 *     per 500 ms per connection (Linux tcp_invalid_ratelimit) so that two
 *     desynchronised ends cannot ping-pong for ever.  Links never reorder,
 *     but they lose: a segment beyond RCV.NXT is dropped and answered with
 *     a duplicate ACK (no out-of-order queue, no SACK); the sender recovers
 *     by go-back-N from its retransmission timer.  Every in-order segment
 *     is acknowledged at once (no delayed ACK).
 *
 *  4. Sending: the send queue (unbounded) is cut into MSS-sized segments;
 *     at most one window (min(peer's advertised window, 65535), but never
 *     below one MSS, so a zero window cannot stall us: every simulated
 *     receiver advertises 65535) is unacknowledged at a time.  No Nagle, no
 *     congestion window, no fast retransmit.  Pure ACKs and RSTs carry
 *     seq = SND.MAX (highest sequence sent), which Linux's never-rewound
 *     SND.NXT equals; SND.NXT here is rewound by go-back-N.
 *
 *  5. Retransmission timer (RFC 6298): RTO starts at config.rto_initial;
 *     each RTT sample R updates SRTT and RTTVAR (first sample: SRTT = R,
 *     RTTVAR = R/2; then RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8
 *     SRTT + 1/8 R) and RTO = SRTT + max(G, 4 RTTVAR) with G = 1 ms
 *     (Linux's clock granularity at HZ=1000), clamped to [rto_min,
 *     rto_max].  One segment is timed at a time, only new data and never a
 *     retransmission (Karn); the SYN and SYN-ACK are timed too.  When the
 *     timer expires: RTO doubles (capped at rto_max), SND.NXT goes back to
 *     SND.UNA and one segment is retransmitted; the rest of the window
 *     follows as ACKs arrive.  If the handshake gave no sample (its SYN
 *     was retransmitted), data starts with RTO = max(rto_initial, 3 s)
 *     (RFC 6298 5.7, Linux TCP_TIMEOUT_FALLBACK).
 *     An ACK of new data ends the back-off: RTO is computed again from
 *     SRTT and RTTVAR even without a new sample, as ns-3's TcpSocketBase
 *     does (and as Linux in effect does, since its timestamps give a sample
 *     with nearly every ACK).  RFC 6298 5.5 would keep the backed-off RTO
 *     until a valid sample; with go-back-N and Karn, samples are so rare
 *     under steady loss that RTO would double without bound (a 1 MiB
 *     transfer at 5 % loss stalls for minutes).
 *
 *  6. Giving up is counted, as RFC 1122 4.2.3.5's R2 is: a SYN (or
 *     SYN-ACK) is retransmitted config.syn_retries times and the attempt
 *     fails at the next expiry (defaults: sent at 0, 1, 3, 7, 15, 31, 63 s,
 *     fails at 127 s); data or FIN is retransmitted config.data_retries
 *     times without an ACK of new data, then the connection is dropped
 *     with SIM_NET_ERR_TIMED_OUT and no RST (Linux: tcp_write_err).  Linux
 *     turns tcp_retries2 into a time budget computed as if RTO started at
 *     rto_min; the count gives the same 924.6 s when it does.  A passive
 *     half-open connection whose SYN-ACKs go unanswered is dropped
 *     silently after the same syn_retries schedule.
 *
 *  7. ICMP destination unreachable (sim_tcp_icmp_error), checked against
 *     the quoted sequence number (RFC 5927: SND.UNA <= seq < SND.MAX):
 *     during an active open Linux (tcp_v4_err) fails the connect at once,
 *     so we do, with HOST_UNREACHABLE, or REFUSED for port unreachable
 *     (Linux's ECONNREFUSED).  On a synchronised connection it is a soft
 *     error (RFC 1122 4.2.3.9): recorded, cleared by an ACK of new data,
 *     and reported instead of TIMED_OUT if the retransmissions then run
 *     out (Linux: sk_err_soft).  Passive half-open connections ignore ICMP.
 *
 *  8. RST acceptance (RFC 793 p. 37, RFC 5961 simplified): a RST counts if
 *     its sequence number is in the receive window.  A SYN in the window
 *     of a synchronised connection gets a challenge ACK (RFC 5961 4), so a
 *     peer that restarted with the same 4-tuple learns by our ACK that it
 *     must reset us.  A TIME_WAIT connection gives way to a new SYN with a
 *     higher sequence number when a listener is on the port (RFC 1122
 *     4.2.2.13).  A RST in TIME_WAIT closes it (no RFC 1337 protection,
 *     as Linux by default).
 *
 *  9. Closing.  sim_tcp_close() is a full close, as close(2) is: FIN goes
 *     after the queued data; new data that arrives afterwards (FIN_WAIT_1
 *     or _2) is answered with RST and the socket fails with RESET (Linux
 *     tcp_rcv_state_process, LINUX_MIB_TCPABORTONDATA).  SIM_TCP_EV_CLOSED
 *     means both directions are finished: our FIN was acknowledged AND the
 *     peer's FIN arrived (entering TIME_WAIT, or CLOSED from LAST_ACK).
 *     After sim_tcp_close() the owner gets exactly one of CLOSED or ERROR
 *     (unless it had its ERROR already, or frees the socket first); a close
 *     in SYN_SENT ends the attempt and reports CLOSED from a zero-delay
 *     event.  sim_tcp_abort() sends RST where Linux does (SYN_RCVD,
 *     ESTABLISHED, FIN_WAIT_1/2, CLOSE_WAIT) and reports nothing.
 *
 * 10. Ownership.  A socket returned by sim_tcp_connect() or handed to an
 *     accept callback is owned by its user until sim_tcp_free().  Free
 *     does what close(2) on Linux does with unread data: a synchronised
 *     connection that is not closing is aborted (RST); SYN_SENT is dropped
 *     silently; a connection that is closing (FIN_WAIT_1/2, CLOSING,
 *     LAST_ACK, TIME_WAIT) becomes an orphan that the stack finishes and
 *     frees itself, with no callbacks.  An orphan in FIN_WAIT_2 waits at
 *     most config.time_wait for the peer's FIN (Linux tcp_fin_timeout,
 *     60 s).  Passive half-open connections belong to their listener.
 *
 * 11. Callbacks run from kernel events only (packet arrival, timers);
 *     when an API call needs to report something (close in SYN_SENT), a
 *     zero-delay SimTimer embedded in the socket does it, so freeing the
 *     socket cancels it.  A callback may free its socket or close its
 *     listener: input processing finishes all protocol work first, then
 *     delivers notifications in order (accept or CONNECTED, data,
 *     PEER_CLOSED, CLOSED or ERROR), and a busy count defers the memory
 *     release of a socket freed inside its own callback until the callback
 *     has returned.  Nothing is delivered after an abort or free.
 *
 * 12. Ports: listeners and connections share one TCP port space per node,
 *     apart from UDP's.  connect() with an explicit port fails with
 *     ADDR_IN_USE if any listener or connection (not CLOSED) uses it;
 *     listen() fails if a listener or an actively opened connection uses
 *     it, but not for connections accepted on that port earlier (they may
 *     linger in TIME_WAIT): SO_REUSEADDR semantics, which every server
 *     sets so that it can restart.
 *
 * 13. sim_tcp_stack_free() (from sim_net_free) frees listeners' half-open
 *     connections and orphans, sends nothing and traces nothing.  Sockets
 *     and listeners still owned by users are detached (CLOSED, timers
 *     cancelled); their users must still call sim_tcp_free() and
 *     sim_tcp_listener_close(), which then only release memory.
 *
 * State machine (RFC 793 Figure 6).  LISTEN is the SimTcpListener; a
 * passive connection is born in LISTEN and leaves it with its first SYN.
 * Events to the owner are in [brackets].
 *
 *                          +--------+  connect: snd SYN
 *                          | CLOSED |----------------------------+
 *                          +--------+                            |
 *                                                                V
 *   +--------+  rcv SYN          +----------+  rcv SYN      +----------+
 *   | LISTEN |------------------>|          |<--------------|          |
 *   +--------+  snd SYN,ACK      | SYN_RCVD |  snd SYN,ACK  | SYN_SENT |
 *                                |          | (simultaneous)|          |
 *                                +----------+               +----------+
 *                 rcv ACK of SYN   |                 rcv SYN,ACK |
 *                 [accept or       |                 snd ACK     |
 *                  CONNECTED]      V                 [CONNECTED] V
 *                  +---------------------------------------------------+
 *                  |                    ESTABLISHED                    |
 *                  +---------------------------------------------------+
 *      close: FIN after data |                            | rcv FIN, snd ACK
 *                            V                            V [PEER_CLOSED]
 *                     +------------+  rcv FIN      +------------+
 *                     | FIN_WAIT_1 |-------------->|  CLOSING   |
 *                     +------------+  snd ACK      +------------+
 *                rcv ACK of FIN |  [PEER_CLOSED]         | rcv ACK of FIN
 *                               V                        V [CLOSED]
 *                     +------------+  rcv FIN      +------------+
 *                     | FIN_WAIT_2 |-------------->| TIME_WAIT  |
 *                     +------------+  snd ACK      +------------+
 *                             [PEER_CLOSED, CLOSED]      | config.time_wait
 *                                                        V (60 s)
 *                     +------------+  close: FIN   +------------+
 *   (ESTABLISHED      | CLOSE_WAIT |-------------->|  LAST_ACK  |----> CLOSED
 *    rcv FIN, above)  +------------+               +------------+ rcv ACK of
 *                                                                 FIN [CLOSED]
 *
 * and from any state to CLOSED on RST, on giving up, or on abort (below).
 *
 * Transitions (every one goes through set_state(), which traces it and
 * asserts check_invariants()):
 *
 *   CLOSED      -> SYN_SENT     [sim_tcp_connect]
 *   LISTEN      -> SYN_RCVD     [listener_input: SYN to a listener]
 *   SYN_SENT    -> ESTABLISHED  [syn_sent_input: SYN-ACK acking our SYN]
 *   SYN_SENT    -> SYN_RCVD     [syn_sent_input: bare SYN, simultaneous open]
 *   SYN_SENT    -> CLOSED       [syn_sent_input: RST (REFUSED); on_rto: out of
 *                                SYN retries (TIMED_OUT); sim_tcp_icmp_error;
 *                                sim_tcp_close; sim_tcp_abort; sim_tcp_free]
 *   SYN_RCVD    -> ESTABLISHED  [conn_input: ACK of our SYN (accept or CONNECTED)]
 *   SYN_RCVD    -> FIN_WAIT_1   [conn_input: ACK of our SYN after close()]
 *   SYN_RCVD    -> CLOSED       [rst_input; on_rto: out of SYN-ACK retries;
 *                                sim_tcp_listener_close; sim_tcp_abort; sim_tcp_free]
 *   ESTABLISHED -> FIN_WAIT_1   [sim_tcp_close]
 *   ESTABLISHED -> CLOSE_WAIT   [conn_input: FIN]
 *   FIN_WAIT_1  -> FIN_WAIT_2   [conn_input: ACK of our FIN]
 *   FIN_WAIT_1  -> CLOSING      [conn_input: FIN before the ACK of ours]
 *   FIN_WAIT_2  -> TIME_WAIT    [conn_input: FIN]
 *   CLOSING     -> TIME_WAIT    [conn_input: ACK of our FIN]
 *   CLOSE_WAIT  -> LAST_ACK     [sim_tcp_close]
 *   LAST_ACK    -> CLOSED       [conn_input: ACK of our FIN]
 *   TIME_WAIT   -> CLOSED       [on_wait: 2MSL over; sim_tcp_input: reused by
 *                                a new SYN; rst_input; sim_tcp_abort]
 *   FIN_WAIT_2  -> CLOSED       [on_wait: orphan's FIN timeout]
 *   any synchronised -> CLOSED  [rst_input (RESET); on_rto: out of data
 *                                retries (TIMED_OUT or the soft error);
 *                                conn_input: data after our close (RESET);
 *                                sim_tcp_abort; sim_tcp_free]
 *   any         -> CLOSED       [sim_tcp_forget: nothing sent]
 *
 * Invariants (check_invariants; "in flight" means SND.UNA != SND.MAX, and
 * the retransmission timer runs exactly when something is in flight):
 *
 *   all          SND.UNA <= SND.NXT <= SND.MAX; in the demux table iff not
 *                CLOSED; a listener's child is passive, unowned, SYN_RCVD.
 *   CLOSED       no retransmission or wait timer.
 *   SYN_SENT     active; no IRS yet; only the SYN sent (SND.UNA = ISS,
 *                SND.MAX = ISS+1); retransmission timer running.
 *   SYN_RCVD     IRS known; only the SYN sent; retransmission timer
 *                running; passive ones belong to a listener.
 *   ESTABLISHED  SYN acknowledged; no FIN queued or received.
 *   FIN_WAIT_1   FIN queued (maybe not yet sent), not acknowledged; no FIN
 *                received.
 *   FIN_WAIT_2   our FIN acknowledged, nothing in flight; no FIN received;
 *                the wait timer runs iff the socket is an orphan.
 *   CLOSING      FIN queued, not acknowledged; FIN received.
 *   TIME_WAIT    our FIN acknowledged, FIN received; wait timer running.
 *   CLOSE_WAIT   FIN received; none queued.
 *   LAST_ACK     FIN received; ours queued, not acknowledged.
 *   and in every synchronised state but FIN_WAIT_2 and TIME_WAIT, the
 *   retransmission timer runs iff something is in flight; and while the
 *   SYN is acknowledged and our FIN is not, the send queue starts at SND.UNA.
 */
#include "sim/net/net-private.h"

#include <string.h>

/* ------------------------------------------------------------ constants */

#define TCP_WINDOW        65535u          /* note 3: fixed, unscaled */
#define TCP_DEFAULT_MSS   536u            /* RFC 1122 4.2.2.6 */
#define TCP_TTL           64
#define TCP_CLOCK_G       SIM_MS (1)      /* note 5 */
#define TCP_RTO_FALLBACK  SIM_S (3)       /* RFC 6298 5.7 */
#define TCP_OOW_INTERVAL  SIM_MS (500)    /* note 3 */
#define TCP_MAX_QUEUE (1u << 30)      /* bytes queued per socket, at most */

/* Sequence-space comparisons (RFC 793 3.3: arithmetic modulo 2^32). */
#define SEQ_LT(a, b)   ((gint32) ((guint32) (a) - (guint32) (b)) < 0)
#define SEQ_LEQ(a, b)  ((gint32) ((guint32) (a) - (guint32) (b)) <= 0)
#define SEQ_GT(a, b)   SEQ_LT (b, a)
#define SEQ_GEQ(a, b)  SEQ_LEQ (b, a)

typedef enum {
  TCPS_CLOSED,
  TCPS_LISTEN,
  TCPS_SYN_SENT,
  TCPS_SYN_RCVD,
  TCPS_ESTABLISHED,
  TCPS_FIN_WAIT_1,
  TCPS_FIN_WAIT_2,
  TCPS_CLOSING,
  TCPS_TIME_WAIT,
  TCPS_CLOSE_WAIT,
  TCPS_LAST_ACK,
} TcpState;

static const char *const state_names[] = {
  "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
  "FIN_WAIT_2", "CLOSING", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK",
};

/* ----------------------------------------------------------- structures */

typedef struct {
  SimIp4  lip, rip;
  guint16 lport, rport;
} TcpKey;

struct SimTcpStack {
  SimNode    *node;
  GHashTable *conns;        /* TcpKey* -> SimTcpSocket*: every connection not CLOSED */
  GHashTable *listeners;    /* port -> SimTcpListener* */
  GHashTable *port_conns;   /* port -> count of connections in @conns on that local port */
  GHashTable *port_active;  /* port -> count of those that were actively opened */
  GQueue      all;          /* every live SimTcpSocket, oldest first (links embedded) */
};

struct SimTcpListener {
  SimTcpStack      *stack;      /* NULL once the stack is gone (note 13) */
  SimSockAddr       local;
  SimTcpAcceptFunc  accept;
  gpointer          user_data;
  GQueue            children;   /* half-open SYN_RCVD connections (child_link) */
};

struct SimTcpSocket {
  SimTcpStack     *stack;       /* NULL once detached (note 13) */
  TcpKey           key;
  TcpState         state;
  SimTcpConfig     cfg;         /* the node's config when created */
  char             name[48];    /* "10.0.1.2:40000>10.0.2.2:5060", for traces */

  guint            owned : 1;       /* a user holds the handle (note 10) */
  guint            passive : 1;     /* created by a listener */
  guint            hashed : 1;      /* in stack->conns */
  guint            dead : 1;        /* destroyed; memory waits for busy == 0 */
  guint            fin_queued : 1;  /* close() called: FIN at fin_seq */
  guint            rcv_fin : 1;     /* the peer's FIN arrived in order */
  guint            have_irs : 1;
  guint            have_srtt : 1;
  guint            rtt_timing : 1;  /* a segment ending at rtt_seq is timed */
  guint            ack_due : 1;     /* an ACK must go out (any segment clears it) */
  guint            notify_closed : 1;  /* deferred CLOSED (note 11) */
  guint            busy;            /* user callbacks on the stack */
  guint            abort_gen;       /* bumped by abort and free */
  SimTcpListener  *listener;        /* while a half-open child */
  GList            all_link, child_link;

  SimTcpEventFunc  event;
  SimTcpRecvFunc   recv;
  gpointer         user_data;
  SimNetError      error, soft_error;

  /* Send sequence space (RFC 793 3.2), SND.MAX as BSD has it. */
  guint32          iss, snd_una, snd_nxt, snd_max, snd_wnd;
  guint32          data_start;      /* sequence number of the first queued byte */
  guint32          fin_seq;         /* valid when fin_queued */
  guint32          eff_mss;
  GByteArray      *sndbuf;          /* queued bytes from buf_off on */
  guint            buf_off;
  /* Receive sequence space. */
  guint32          irs, rcv_nxt;

  /* RFC 6298 state. */
  SimTime          srtt, rttvar, rto, rtt_start;
  guint32          rtt_seq;
  guint            retries;         /* consecutive expiries without progress */
  SimTime          last_oow_ack;

  SimTimer         rto_timer;       /* retransmission */
  SimTimer         wait_timer;      /* TIME_WAIT, orphan FIN_WAIT_2 */
  SimTimer         notify_timer;    /* deferred notification (note 11) */
};

/* What one input (or timer) decided to tell the owner, delivered last. */
typedef struct {
  SimTcpAcceptFunc  accept;
  SimTcpListener   *listener;
  gpointer          accept_data;
  gboolean          connected, peer_closed, closed, error;
  const guint8     *data;
  gsize             len;
} TcpNotes;

static void on_rto    (SimTimer *timer, gpointer data);
static void on_wait   (SimTimer *timer, gpointer data);
static void on_notify (SimTimer *timer, gpointer data);

/* ------------------------------------------------------------- helpers */

static inline SimWorld *
sock_world (const SimTcpSocket *s)
{
  return s->stack->node->net->world;
}

static inline guint32
sndq_len (const SimTcpSocket *s)
{
  return s->sndbuf->len - s->buf_off;
}

static inline const guint8 *
sndq_data (const SimTcpSocket *s)
{
  return s->sndbuf->data + s->buf_off;
}

static guint
key_hash (gconstpointer p)
{
  const TcpKey *k = p;
  guint32 h = k->lip * 2654435761u;
  h ^= k->rip * 2246822519u + (h << 6) + (h >> 2);
  h ^= (((guint32) k->lport << 16) | k->rport) * 3266489917u + (h << 6) + (h >> 2);
  return h;
}

static gboolean
key_equal (gconstpointer a, gconstpointer b)
{
  const TcpKey *x = a, *y = b;
  return x->lip == y->lip && x->rip == y->rip && x->lport == y->lport && x->rport == y->rport;
}

static guint
port_count (GHashTable *t, guint16 port)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (t, GUINT_TO_POINTER (port)));
}

static void
port_adjust (GHashTable *t, guint16 port, gint delta)
{
  guint c = port_count (t, port) + (guint) delta;
  if (c == 0)
    g_hash_table_remove (t, GUINT_TO_POINTER (port));
  else
    g_hash_table_insert (t, GUINT_TO_POINTER (port), GUINT_TO_POINTER (c));
}

static SimTcpStack *
stack_get (SimNode *node)
{
  if (node->tcp == NULL)
    {
      SimTcpStack *st = g_new0 (SimTcpStack, 1);
      st->node = node;
      st->conns = g_hash_table_new (key_hash, key_equal);
      st->listeners = g_hash_table_new (g_direct_hash, g_direct_equal);
      st->port_conns = g_hash_table_new (g_direct_hash, g_direct_equal);
      st->port_active = g_hash_table_new (g_direct_hash, g_direct_equal);
      g_queue_init (&st->all);
      node->tcp = st;
    }
  return node->tcp;
}

static void
conn_hash (SimTcpSocket *s)
{
  SimTcpStack *st = s->stack;
  g_assert (!s->hashed);
  g_hash_table_insert (st->conns, &s->key, s);
  port_adjust (st->port_conns, s->key.lport, +1);
  if (!s->passive)
    port_adjust (st->port_active, s->key.lport, +1);
  s->hashed = TRUE;
}

static void
conn_unhash (SimTcpSocket *s)
{
  SimTcpStack *st = s->stack;
  if (!s->hashed)
    return;
  g_hash_table_remove (st->conns, &s->key);
  port_adjust (st->port_conns, s->key.lport, -1);
  if (!s->passive)
    port_adjust (st->port_active, s->key.lport, -1);
  s->hashed = FALSE;
}

static SimTcpListener *
listener_for (SimTcpStack *st, SimIp4 dst, guint16 dport)
{
  SimTcpListener *l = g_hash_table_lookup (st->listeners, GUINT_TO_POINTER (dport));
  if (l && l->local.ip != SIM_IP4_ANY && l->local.ip != dst)
    return NULL;
  return l;
}

/* Reads the MSS option of a SYN (RFC 793 p. 19); 0 when absent. */
static guint32
parse_mss_option (const SimPacket *pkt, const SimPacketInfo *info)
{
  const guint8 *opt = sim_packet_data (pkt) + info->hdr_len + SIM_TCP_HDR_LEN;
  const guint8 *end = info->payload;
  while (opt < end)
    {
      guint8 kind = opt[0];
      if (kind == 0)
        break;
      if (kind == 1)
        {
          opt++;
          continue;
        }
      if (opt + 1 >= end || opt[1] < 2 || opt + opt[1] > end)
        break;
      if (kind == 2 && opt[1] == 4)
        return ((guint32) opt[2] << 8) | opt[3];
      opt += opt[1];
    }
  return 0;
}

static void
set_peer_mss (SimTcpSocket *s, guint32 peer_mss)
{
  guint32 ours = s->cfg.mss ? s->cfg.mss : TCP_DEFAULT_MSS;
  s->eff_mss = MIN (ours, peer_mss ? peer_mss : TCP_DEFAULT_MSS);
}

/* -------------------------------------------------------- invariants */

static gboolean G_GNUC_UNUSED
check_invariants (const SimTcpSocket *s)
{
  gboolean rto = sim_timer_is_pending (&s->rto_timer);
  gboolean wait = sim_timer_is_pending (&s->wait_timer);
  gboolean inflight = s->snd_una != s->snd_max;
  gboolean syn_acked = SEQ_GT (s->snd_una, s->iss);
  gboolean fin_acked = s->fin_queued && SEQ_GT (s->snd_una, s->fin_seq);

  if (s->dead || s->stack == NULL)
    return FALSE;
  if (SEQ_GT (s->snd_una, s->snd_nxt) || SEQ_GT (s->snd_nxt, s->snd_max))
    return FALSE;
  if ((s->state != TCPS_CLOSED) != s->hashed)
    return FALSE;
  if (s->listener && (s->state != TCPS_SYN_RCVD || !s->passive || s->owned))
    return FALSE;
  if (s->state != TCPS_CLOSED)
    {
      if (s->fin_queued && s->fin_seq != s->data_start + sndq_len (s))
        return FALSE;
      if (syn_acked && !fin_acked && s->data_start != s->snd_una)
        return FALSE;
    }

  switch (s->state)
    {
    case TCPS_CLOSED:
      return !rto && !wait;
    case TCPS_LISTEN:
      return FALSE;   /* a connection only passes through LISTEN */
    case TCPS_SYN_SENT:
      return !s->passive && !s->have_irs && s->snd_una == s->iss
             && s->snd_max == s->iss + 1 && rto && !wait;
    case TCPS_SYN_RCVD:
      return s->have_irs && s->snd_una == s->iss && s->snd_max == s->iss + 1
             && rto && !wait && (!s->passive || s->listener != NULL);
    case TCPS_ESTABLISHED:
      return syn_acked && s->have_irs && !s->fin_queued && !s->rcv_fin
             && rto == inflight && !wait;
    case TCPS_CLOSE_WAIT:
      return syn_acked && s->have_irs && !s->fin_queued && s->rcv_fin
             && rto == inflight && !wait;
    case TCPS_FIN_WAIT_1:
      return syn_acked && s->fin_queued && !fin_acked && !s->rcv_fin
             && rto == inflight && !wait;
    case TCPS_CLOSING:
    case TCPS_LAST_ACK:
      return syn_acked && s->fin_queued && !fin_acked && s->rcv_fin
             && rto == inflight && !wait;
    case TCPS_FIN_WAIT_2:
      return fin_acked && !s->rcv_fin && !inflight && !rto && wait == !s->owned;
    case TCPS_TIME_WAIT:
      return fin_acked && s->rcv_fin && !inflight && !rto && wait;
    }
  return FALSE;
}

/* Every state change: entry actions, a trace line, the invariants. */
static void
set_state (SimTcpSocket *s, TcpState to)
{
  TcpState from = s->state;
  s->state = to;
  switch (to)
    {
    case TCPS_CLOSED:
      sim_timer_cancel (&s->rto_timer);
      sim_timer_cancel (&s->wait_timer);
      conn_unhash (s);
      if (s->listener)
        {
          g_queue_unlink (&s->listener->children, &s->child_link);
          s->listener = NULL;
        }
      g_byte_array_set_size (s->sndbuf, 0);
      s->buf_off = 0;
      s->rtt_timing = FALSE;
      break;
    case TCPS_TIME_WAIT:
      sim_timer_cancel (&s->rto_timer);
      sim_timer_start (&s->wait_timer, s->cfg.time_wait);
      break;
    case TCPS_FIN_WAIT_2:
      if (!s->owned)
        sim_timer_start (&s->wait_timer, s->cfg.time_wait);   /* note 10 */
      break;
    default:
      break;
    }
  sim_trace (sock_world (s), s->stack->node->trace_who, "tcp %s %s -> %s",
             s->name, state_names[from], state_names[to]);
  g_assert (check_invariants (s));
}

/* --------------------------------------------------------------- output */

/* Sends one segment of @s.  Every segment after the peer's SYN carries ACK
 * with RCV.NXT; the window is always 65535 (note 3). */
static void
xmit (SimTcpSocket *s, guint8 flags, guint32 seq, const guint8 *data, gsize len)
{
  SimNode *node = s->stack->node;
  SimSockAddr src = { s->key.lip, s->key.lport }, dst = { s->key.rip, s->key.rport };
  guint32 ack = 0;
  if (s->have_irs)
    {
      flags |= SIM_TCP_ACK;
      ack = s->rcv_nxt;
    }
  guint16 mss = (flags & SIM_TCP_SYN) ? (s->cfg.mss ? s->cfg.mss : TCP_DEFAULT_MSS) : 0;
  SimPacket *pkt = sim_packet_new_tcp_in (node->net->pool, &src, &dst, sim_node_next_ip_id (node),
                                          TCP_TTL, seq, ack, flags, TCP_WINDOW, mss, data, len);
  s->ack_due = FALSE;
  /* No route is a lost segment: the retransmission timer copes (note 4). */
  sim_node_output (node, pkt);
}

static void
send_ack (SimTcpSocket *s)
{
  xmit (s, SIM_TCP_ACK, s->snd_max, NULL, 0);
}

/* RST of a connection we abort (Linux tcp_send_active_reset: RST+ACK). */
static void
send_rst (SimTcpSocket *s)
{
  sim_trace (sock_world (s), s->stack->node->trace_who, "tcp %s send RST", s->name);
  xmit (s, SIM_TCP_RST, s->snd_max, NULL, 0);
}

/* An ACK for a segment that was not acceptable (note 3).  @limited: the
 * segment carried nothing (or was a SYN), so rate-limit it. */
static void
send_oow_ack (SimTcpSocket *s, gboolean limited)
{
  SimTime now = sim_world_now (sock_world (s));
  if (limited)
    {
      if (now - s->last_oow_ack < TCP_OOW_INTERVAL)
        return;
      s->last_oow_ack = now;
    }
  send_ack (s);
}

/* RFC 793 reset generation for @info, which matched no usable state (note 2). */
static void
reset_reply (SimNode *node, const SimPacketInfo *info)
{
  if (info->tcp_flags & SIM_TCP_RST)
    return;
  SimSockAddr src = { info->dst, info->dport }, dst = { info->src, info->sport };
  guint32 seq = 0, ack = 0;
  guint8 flags = SIM_TCP_RST;
  if (info->tcp_flags & SIM_TCP_ACK)
    seq = info->tcp_ack;
  else
    {
      flags |= SIM_TCP_ACK;
      ack = info->tcp_seq + (guint32) info->payload_len
            + ((info->tcp_flags & SIM_TCP_SYN) ? 1 : 0) + ((info->tcp_flags & SIM_TCP_FIN) ? 1 : 0);
    }
  char a[SIM_SOCKADDR_STRLEN], b[SIM_SOCKADDR_STRLEN];
  sim_trace (node->net->world, node->trace_who, "tcp %s>%s reset", sim_sockaddr_to_string (&src, a),
             sim_sockaddr_to_string (&dst, b));
  sim_node_output (node, sim_packet_new_tcp_in (node->net->pool, &src, &dst,
                                                sim_node_next_ip_id (node), TCP_TTL,
                                                seq, ack, flags, 0, 0, NULL, 0));
}

void
sim_tcp_send_reset (SimNode *node, const SimPacketInfo *info)
{
  g_return_if_fail (node != NULL && info != NULL && info->proto == SIM_IPPROTO_TCP);
  reset_reply (node, info);
}

static void
start_rtt_timing (SimTcpSocket *s, guint32 end_seq)
{
  s->rtt_timing = TRUE;
  s->rtt_seq = end_seq;
  s->rtt_start = sim_world_now (sock_world (s));
}

/* The SYN (active) or SYN-ACK (SYN_RCVD), first or again. */
static void
send_syn (SimTcpSocket *s)
{
  xmit (s, SIM_TCP_SYN, s->iss, NULL, 0);
}

static gboolean
can_send_data (const SimTcpSocket *s)
{
  switch (s->state)
    {
    case TCPS_ESTABLISHED:
    case TCPS_CLOSE_WAIT:
    case TCPS_FIN_WAIT_1:
    case TCPS_CLOSING:
    case TCPS_LAST_ACK:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Sends queued data and the FIN from SND.NXT as far as the window allows
 * (@one: at most one segment, after a timeout).  Note 4. */
static void
tcp_output (SimTcpSocket *s, gboolean one)
{
  if (!can_send_data (s))
    return;
  guint32 wnd = MIN (MAX (s->snd_wnd, s->eff_mss), TCP_WINDOW);
  guint32 wnd_end = s->snd_una + wnd;
  guint32 data_end = s->data_start + sndq_len (s);

  for (;;)
    {
      guint32 seq = s->snd_nxt, n = 0;
      guint8 flags = 0;
      if (SEQ_LT (seq, data_end))
        {
          if (SEQ_GEQ (seq, wnd_end))
            break;
          n = MIN (data_end - seq, s->eff_mss);
          n = MIN (n, wnd_end - seq);
          if (seq + n == data_end)
            flags |= SIM_TCP_PSH;
        }
      if (s->fin_queued && seq + n == s->fin_seq)
        flags |= SIM_TCP_FIN;
      if (n == 0 && !(flags & SIM_TCP_FIN))
        break;

      xmit (s, flags, seq, n ? sndq_data (s) + (seq - s->data_start) : NULL, n);
      guint32 end = seq + n + ((flags & SIM_TCP_FIN) ? 1 : 0);
      if (SEQ_GEQ (seq, s->snd_max) && !s->rtt_timing)
        start_rtt_timing (s, end);   /* Karn: new data only */
      s->snd_nxt = end;
      if (SEQ_GT (end, s->snd_max))
        s->snd_max = end;
      if (!sim_timer_is_pending (&s->rto_timer))
        sim_timer_start (&s->rto_timer, s->rto);
      if (one)
        break;
    }
}

/* ------------------------------------------------------------- RFC 6298 */

static void
rto_from_estimator (SimTcpSocket *s)
{
  SimTime rto = s->srtt + MAX (TCP_CLOCK_G, 4 * s->rttvar);
  s->rto = CLAMP (rto, s->cfg.rto_min, s->cfg.rto_max);
}

static void
rtt_sample (SimTcpSocket *s, SimTime r)
{
  if (!s->have_srtt)
    {
      s->srtt = r;
      s->rttvar = r / 2;
      s->have_srtt = TRUE;
    }
  else
    {
      SimTime d = s->srtt - r;
      if (d < 0)
        d = -d;
      s->rttvar = (3 * s->rttvar + d) / 4;
      s->srtt = (7 * s->srtt + r) / 8;
    }
  rto_from_estimator (s);
}

/* An ACK of new data (SND.UNA < @ack <= SND.MAX). */
static void
ack_new (SimTcpSocket *s, guint32 ack)
{
  if (SEQ_GT (ack, s->data_start))
    {
      guint32 n = MIN (ack - s->data_start, sndq_len (s));
      s->buf_off += n;
      s->data_start += n;
      if (s->buf_off == s->sndbuf->len)
        {
          g_byte_array_set_size (s->sndbuf, 0);
          s->buf_off = 0;
        }
      else if (s->buf_off >= 65536 && s->buf_off >= s->sndbuf->len / 2)
        {
          /* Amortised O(1) per byte: compact only when half is consumed. */
          g_byte_array_remove_range (s->sndbuf, 0, s->buf_off);
          s->buf_off = 0;
        }
    }
  s->snd_una = ack;
  if (SEQ_LT (s->snd_nxt, ack))
    s->snd_nxt = ack;
  if (s->rtt_timing && SEQ_GEQ (ack, s->rtt_seq))
    {
      rtt_sample (s, sim_world_now (sock_world (s)) - s->rtt_start);
      s->rtt_timing = FALSE;
    }
  else if (s->have_srtt)
    rto_from_estimator (s);   /* note 5: progress ends the back-off */
  s->retries = 0;
  s->soft_error = SIM_NET_OK;   /* note 7: something worked */
  if (s->snd_una == s->snd_max)
    sim_timer_cancel (&s->rto_timer);
  else
    sim_timer_start (&s->rto_timer, s->rto);   /* RFC 6298 5.3 */
}

/* The handshake is over: RFC 6298 5.7 if it gave no RTT sample. */
static void
handshake_rto (SimTcpSocket *s)
{
  if (!s->have_srtt)
    s->rto = CLAMP (MAX (s->cfg.rto_initial, TCP_RTO_FALLBACK), s->cfg.rto_min, s->cfg.rto_max);
}

/* ------------------------------------------------- life and notification */

static void
sock_free_mem (SimTcpSocket *s)
{
  g_byte_array_unref (s->sndbuf);
  g_free (s);
}

/* Removes @s from everything; frees it now, or when its callback returns. */
static void
conn_destroy (SimTcpSocket *s)
{
  sim_timer_cancel (&s->rto_timer);
  sim_timer_cancel (&s->wait_timer);
  sim_timer_cancel (&s->notify_timer);
  if (s->stack)
    {
      conn_unhash (s);
      if (s->listener)
        g_queue_unlink (&s->listener->children, &s->child_link);
      g_queue_unlink (&s->stack->all, &s->all_link);
    }
  s->listener = NULL;
  s->dead = TRUE;
  if (s->busy == 0)
    sock_free_mem (s);
}

/* An orphan that reached CLOSED is gone (note 10). */
static void
maybe_reap (SimTcpSocket *s)
{
  if (!s->owned && s->state == TCPS_CLOSED)
    conn_destroy (s);
}

/* After a user callback: FALSE if @s is gone (and freed if last out). */
static gboolean
leave_callback (SimTcpSocket *s)
{
  s->busy--;
  if (s->dead)
    {
      if (s->busy == 0)
        sock_free_mem (s);
      return FALSE;
    }
  return TRUE;
}

static gboolean
emit_event (SimTcpSocket *s, SimTcpEvent ev)
{
  if (!s->owned || s->event == NULL)
    return TRUE;
  s->busy++;
  s->event (s, ev, s->user_data);
  return leave_callback (s);
}

/* Delivers @n in protocol order (note 11).  @s may be freed on return. */
static void
deliver_notes (SimTcpSocket *s, const TcpNotes *n)
{
  guint gen = s->abort_gen;

  if (n->accept)
    {
      s->busy++;
      n->accept (n->listener, s, n->accept_data);
      if (!leave_callback (s) || s->abort_gen != gen)
        return;
    }
  if (n->connected && (!emit_event (s, SIM_TCP_EV_CONNECTED) || s->abort_gen != gen))
    return;
  if (n->len && s->recv && s->owned && s->state != TCPS_CLOSED)
    {
      s->busy++;
      s->recv (s, n->data, n->len, s->user_data);
      if (!leave_callback (s) || s->abort_gen != gen)
        return;
    }
  if (n->peer_closed && (!emit_event (s, SIM_TCP_EV_PEER_CLOSED) || s->abort_gen != gen))
    return;
  if (n->closed)
    emit_event (s, SIM_TCP_EV_CLOSED);
  else if (n->error)
    emit_event (s, SIM_TCP_EV_ERROR);
}

/* The end of every input or timer: reap an orphan, or tell the owner. */
static void
conn_finish (SimTcpSocket *s, const TcpNotes *n)
{
  if (!s->owned)
    {
      maybe_reap (s);
      return;
    }
  deliver_notes (s, n);
}

/* The connection failed with @err: CLOSED, no RST (Linux tcp_done). */
static void
conn_fail (SimTcpSocket *s, SimNetError err, TcpNotes *n)
{
  s->error = err;
  sim_trace (sock_world (s), s->stack->node->trace_who, "tcp %s error: %s", s->name,
             sim_net_error_to_string (err));
  set_state (s, TCPS_CLOSED);
  n->error = TRUE;
}

static SimTcpSocket *
conn_new (SimTcpStack *st, const SimSockAddr *local, const SimSockAddr *remote, gboolean passive)
{
  SimNode *node = st->node;
  SimWorld *world = node->net->world;
  SimTcpSocket *s = g_new0 (SimTcpSocket, 1);
  s->stack = st;
  s->key = (TcpKey) { local->ip, remote->ip, local->port, remote->port };
  if (node->tcp_config)
    s->cfg = *node->tcp_config;
  else
    sim_tcp_config_init_default (&s->cfg);
  s->passive = passive;
  s->state = passive ? TCPS_LISTEN : TCPS_CLOSED;
  char a[SIM_SOCKADDR_STRLEN], b[SIM_SOCKADDR_STRLEN];
  g_snprintf (s->name, sizeof s->name, "%s>%s", sim_sockaddr_to_string (local, a),
              sim_sockaddr_to_string (remote, b));
  s->all_link.data = s;
  s->child_link.data = s;
  s->sndbuf = g_byte_array_new ();
  s->iss = (guint32) sim_rng_u64 (&node->rng);   /* note 1 */
  s->snd_una = s->snd_nxt = s->snd_max = s->iss;
  s->data_start = s->iss + 1;
  s->snd_wnd = TCP_WINDOW;
  set_peer_mss (s, 0);
  s->rto = CLAMP (s->cfg.rto_initial, s->cfg.rto_min, s->cfg.rto_max);
  s->last_oow_ack = -TCP_OOW_INTERVAL;
  sim_timer_init (&s->rto_timer, world, on_rto, s);
  sim_timer_init (&s->wait_timer, world, on_wait, s);
  sim_timer_init (&s->notify_timer, world, on_notify, s);
  g_queue_push_tail_link (&st->all, &s->all_link);
  return s;
}

/* ---------------------------------------------------------------- timers */

static void
on_rto (SimTimer *timer, gpointer data)
{
  SimTcpSocket *s = data;
  TcpNotes n = { 0 };
  char t[SIM_TIME_STRLEN];

  if (s->state == TCPS_SYN_SENT || s->state == TCPS_SYN_RCVD)
    {
      if (s->retries >= s->cfg.syn_retries)
        {
          if (s->passive)
            {
              /* Note 6: a half-open connection just goes. */
              set_state (s, TCPS_CLOSED);
              maybe_reap (s);
              return;
            }
          conn_fail (s, s->soft_error ? s->soft_error : SIM_NET_ERR_TIMED_OUT, &n);
          conn_finish (s, &n);
          return;
        }
      s->retries++;
      s->rtt_timing = FALSE;   /* Karn */
      s->rto = MIN (s->rto * 2, s->cfg.rto_max);
      sim_trace (sock_world (s), s->stack->node->trace_who, "tcp %s retransmit %s #%u, rto %s",
                 s->name, s->state == TCPS_SYN_SENT ? "SYN" : "SYN-ACK", s->retries,
                 sim_time_format (s->rto, t));
      send_syn (s);
      sim_timer_start (&s->rto_timer, s->rto);
      return;
    }

  if (!can_send_data (s) || s->snd_una == s->snd_max)
    return;   /* defensive: nothing in flight */
  if (s->retries >= s->cfg.data_retries)
    {
      conn_fail (s, s->soft_error ? s->soft_error : SIM_NET_ERR_TIMED_OUT, &n);
      conn_finish (s, &n);
      return;
    }
  s->retries++;
  s->rtt_timing = FALSE;
  s->rto = MIN (s->rto * 2, s->cfg.rto_max);
  sim_trace (sock_world (s), s->stack->node->trace_who, "tcp %s retransmit seq %u #%u, rto %s",
             s->name, s->snd_una, s->retries, sim_time_format (s->rto, t));
  s->snd_nxt = s->snd_una;   /* go-back-N */
  sim_timer_start (&s->rto_timer, s->rto);
  tcp_output (s, TRUE);
}

static void
on_wait (SimTimer *timer, gpointer data)
{
  SimTcpSocket *s = data;
  set_state (s, TCPS_CLOSED);
  maybe_reap (s);
}

static void
on_notify (SimTimer *timer, gpointer data)
{
  SimTcpSocket *s = data;
  if (s->notify_closed)
    {
      s->notify_closed = FALSE;
      emit_event (s, SIM_TCP_EV_CLOSED);
    }
}

/* ----------------------------------------------------------------- input */

static gboolean
seq_acceptable (const SimTcpSocket *s, guint32 seq, guint32 seg_len)
{
  /* RFC 793 p. 69, with RCV.WND = 65535 always (note 3). */
  guint32 lo = s->rcv_nxt, hi = s->rcv_nxt + TCP_WINDOW;
  if (seg_len == 0)
    return SEQ_GEQ (seq, lo) && SEQ_LT (seq, hi);
  guint32 last = seq + seg_len - 1;
  return (SEQ_GEQ (seq, lo) && SEQ_LT (seq, hi)) || (SEQ_GEQ (last, lo) && SEQ_LT (last, hi));
}

static void
rst_input (SimTcpSocket *s, TcpNotes *n)
{
  switch (s->state)
    {
    case TCPS_SYN_RCVD:
      if (s->passive)
        set_state (s, TCPS_CLOSED);   /* back to LISTEN: the child just goes */
      else
        conn_fail (s, SIM_NET_ERR_REFUSED, n);
      break;
    case TCPS_TIME_WAIT:
      set_state (s, TCPS_CLOSED);     /* note 8 */
      break;
    default:
      conn_fail (s, SIM_NET_ERR_RESET, n);
      break;
    }
}

static void
syn_sent_input (SimTcpSocket *s, SimPacket *pkt, const SimPacketInfo *info, TcpNotes *n)
{
  guint8 flags = info->tcp_flags;
  SimNode *node = s->stack->node;

  if ((flags & SIM_TCP_ACK)
      && (SEQ_LEQ (info->tcp_ack, s->iss) || SEQ_GT (info->tcp_ack, s->snd_max)))
    {
      reset_reply (node, info);   /* RFC 793 p. 66; never for a RST */
      return;
    }
  if (flags & SIM_TCP_RST)
    {
      if (flags & SIM_TCP_ACK)
        conn_fail (s, SIM_NET_ERR_REFUSED, n);
      return;
    }
  if (!(flags & SIM_TCP_SYN))
    return;

  s->irs = info->tcp_seq;
  s->rcv_nxt = s->irs + 1;
  s->have_irs = TRUE;
  s->snd_wnd = info->tcp_window;
  set_peer_mss (s, parse_mss_option (pkt, info));
  if (flags & SIM_TCP_ACK)
    {
      /* Data on a SYN-ACK is not accepted (our peers never send it); the
       * peer retransmits it after our ACK. */
      ack_new (s, info->tcp_ack);
      handshake_rto (s);
      set_state (s, TCPS_ESTABLISHED);
      n->connected = TRUE;
      s->ack_due = TRUE;
      tcp_output (s, FALSE);
      if (s->ack_due)
        send_ack (s);
      return;
    }
  /* Simultaneous open: answer with SYN-ACK; the SYN's timer carries on. */
  set_state (s, TCPS_SYN_RCVD);
  send_syn (s);
}

/* RFC 793 "SEGMENT ARRIVES" for every state but LISTEN and SYN_SENT. */
static void
conn_input (SimTcpSocket *s, SimPacket *pkt, const SimPacketInfo *info, TcpNotes *n)
{
  SimNode *node = s->stack->node;
  guint8 flags = info->tcp_flags;
  guint32 seq = info->tcp_seq, ack = info->tcp_ack;
  guint32 len = (guint32) info->payload_len;

  if (s->state == TCPS_SYN_SENT)
    {
      syn_sent_input (s, pkt, info, n);
      return;
    }

  if (s->state == TCPS_SYN_RCVD && (flags & SIM_TCP_SYN) && !(flags & SIM_TCP_RST)
      && seq == s->irs)
    {
      if (!(flags & SIM_TCP_ACK))
        {
          /* The peer retransmitted its SYN: our SYN-ACK was lost.  Answer
           * it (as Linux does); Karn: the handshake RTT is now ambiguous. */
          s->rtt_timing = FALSE;
          send_syn (s);
          return;
        }
      /* Simultaneous open: the peer's SYN-ACK acks our SYN; take it as
       * that ACK (Linux tcp_validate_incoming) rather than RFC 793's
       * extra round trip. */
      flags &= ~SIM_TCP_SYN;
      seq++;
    }

  guint32 seg_len = len + ((flags & SIM_TCP_SYN) ? 1 : 0) + ((flags & SIM_TCP_FIN) ? 1 : 0);
  if (!seq_acceptable (s, seq, seg_len))
    {
      if (!(flags & SIM_TCP_RST))
        {
          send_oow_ack (s, len == 0 || (flags & SIM_TCP_SYN));
          if (s->state == TCPS_TIME_WAIT && (flags & SIM_TCP_FIN))
            sim_timer_start (&s->wait_timer, s->cfg.time_wait);   /* RFC 793 p. 75 */
        }
      return;
    }
  if (flags & SIM_TCP_RST)
    {
      rst_input (s, n);
      return;
    }
  if (flags & SIM_TCP_SYN)
    {
      send_oow_ack (s, TRUE);   /* note 8: challenge ACK */
      return;
    }
  if (!(flags & SIM_TCP_ACK))
    return;

  if (s->state == TCPS_SYN_RCVD)
    {
      if (!(SEQ_GT (ack, s->snd_una) && SEQ_LEQ (ack, s->snd_max)))
        {
          reset_reply (node, info);
          return;
        }
      ack_new (s, ack);
      handshake_rto (s);
      if (s->passive)
        {
          SimTcpListener *l = s->listener;
          g_queue_unlink (&l->children, &s->child_link);
          s->listener = NULL;
          s->owned = TRUE;
          n->accept = l->accept;
          n->listener = l;
          n->accept_data = l->user_data;
        }
      else
        n->connected = TRUE;
      set_state (s, s->fin_queued ? TCPS_FIN_WAIT_1 : TCPS_ESTABLISHED);
    }
  else
    {
      if (SEQ_GT (ack, s->snd_max))
        {
          send_oow_ack (s, len == 0);   /* acks what we never sent */
          return;
        }
      if (SEQ_GT (ack, s->snd_una))
        ack_new (s, ack);
    }
  s->snd_wnd = info->tcp_window;

  gboolean fin_acked = s->fin_queued && SEQ_GT (s->snd_una, s->fin_seq);
  if (fin_acked)
    switch (s->state)
      {
      case TCPS_FIN_WAIT_1:
        set_state (s, TCPS_FIN_WAIT_2);
        break;
      case TCPS_CLOSING:
        set_state (s, TCPS_TIME_WAIT);
        n->closed = TRUE;
        break;
      case TCPS_LAST_ACK:
        set_state (s, TCPS_CLOSED);
        n->closed = TRUE;
        return;
      default:
        break;
      }

  /* Text and FIN.  seq <= RCV.NXT here unless the segment is out of order. */
  if (seg_len > 0)
    {
      s->ack_due = TRUE;
      if (SEQ_GT (seq, s->rcv_nxt))
        goto out;   /* out of order: dropped, duplicate ACK (note 3) */
      guint32 off = s->rcv_nxt - seq;
      if (len > off && !s->rcv_fin)
        {
          if (s->fin_queued)
            {
              /* Note 9: data after our full close. */
              reset_reply (node, info);
              conn_fail (s, SIM_NET_ERR_RESET, n);
              return;
            }
          n->data = info->payload + off;
          n->len = len - off;
          s->rcv_nxt += len - off;
        }
      if ((flags & SIM_TCP_FIN) && !s->rcv_fin && seq + len == s->rcv_nxt)
        {
          s->rcv_fin = TRUE;
          s->rcv_nxt++;
          n->peer_closed = TRUE;
          switch (s->state)
            {
            case TCPS_ESTABLISHED:
              set_state (s, TCPS_CLOSE_WAIT);
              break;
            case TCPS_FIN_WAIT_1:
              set_state (s, TCPS_CLOSING);
              break;
            case TCPS_FIN_WAIT_2:
              set_state (s, TCPS_TIME_WAIT);
              n->closed = TRUE;
              break;
            default:
              g_assert_not_reached ();
            }
        }
      else if ((flags & SIM_TCP_FIN) && s->state == TCPS_TIME_WAIT)
        sim_timer_start (&s->wait_timer, s->cfg.time_wait);
    }

out:
  tcp_output (s, FALSE);
  if (s->ack_due)
    send_ack (s);
}

static void
listener_input (SimTcpListener *l, SimPacket *pkt, const SimPacketInfo *info)
{
  SimTcpStack *st = l->stack;
  guint8 flags = info->tcp_flags;

  if (flags & SIM_TCP_RST)
    return;
  if (flags & SIM_TCP_ACK)
    {
      reset_reply (st->node, info);   /* RFC 793 p. 65: any ACK is bad here */
      return;
    }
  if (!(flags & SIM_TCP_SYN))
    return;

  SimSockAddr local = { info->dst, info->dport }, remote = { info->src, info->sport };
  SimTcpSocket *s = conn_new (st, &local, &remote, TRUE);
  s->listener = l;
  g_queue_push_tail_link (&l->children, &s->child_link);
  s->irs = info->tcp_seq;
  s->rcv_nxt = s->irs + 1;
  s->have_irs = TRUE;
  s->snd_wnd = info->tcp_window;
  set_peer_mss (s, parse_mss_option (pkt, info));
  conn_hash (s);
  send_syn (s);
  s->snd_nxt = s->snd_max = s->iss + 1;
  start_rtt_timing (s, s->iss + 1);
  sim_timer_start (&s->rto_timer, s->rto);
  set_state (s, TCPS_SYN_RCVD);
}

void
sim_tcp_input (SimNode *node, SimPacket *pkt, const SimPacketInfo *info)
{
  SimTcpStack *st = node->tcp;
  SimTcpSocket *s = NULL;
  guint8 flags = info->tcp_flags;

  if (st)
    {
      TcpKey key = { info->dst, info->src, info->dport, info->sport };
      s = g_hash_table_lookup (st->conns, &key);
      if (s && s->state == TCPS_TIME_WAIT
          && (flags & (SIM_TCP_SYN | SIM_TCP_ACK | SIM_TCP_RST)) == SIM_TCP_SYN
          && SEQ_GT (info->tcp_seq, s->rcv_nxt) && listener_for (st, info->dst, info->dport))
        {
          /* Note 8: a new incarnation takes over the TIME_WAIT 4-tuple. */
          set_state (s, TCPS_CLOSED);
          maybe_reap (s);
          s = NULL;
        }
    }

  if (s)
    {
      TcpNotes n = { 0 };
      conn_input (s, pkt, info, &n);
      conn_finish (s, &n);   /* may free @s */
    }
  else
    {
      SimTcpListener *l = st ? listener_for (st, info->dst, info->dport) : NULL;
      if (l)
        listener_input (l, pkt, info);
      else
        reset_reply (node, info);
    }
  sim_packet_free (pkt);
}

void
sim_tcp_icmp_error (SimNode *node, SimNetError err, const SimPacketInfo *quoted)
{
  SimTcpStack *st = node->tcp;
  if (st == NULL)
    return;
  TcpKey key = { quoted->src, quoted->dst, quoted->sport, quoted->dport };
  SimTcpSocket *s = g_hash_table_lookup (st->conns, &key);
  if (s == NULL)
    return;
  /* RFC 5927 4.1: only about a segment we have in flight. */
  if (!(SEQ_GEQ (quoted->tcp_seq, s->snd_una) && SEQ_LT (quoted->tcp_seq, s->snd_max)))
    return;
  SimNetError e = err == SIM_NET_ERR_PORT_UNREACHABLE ? SIM_NET_ERR_REFUSED : err;

  if (s->state == TCPS_SYN_SENT || (s->state == TCPS_SYN_RCVD && !s->passive))
    {
      TcpNotes n = { 0 };
      conn_fail (s, e, &n);    /* note 7: Linux fails the connect at once */
      conn_finish (s, &n);
      return;
    }
  if (s->state == TCPS_SYN_RCVD)
    return;
  s->soft_error = e;
  sim_trace (sock_world (s), node->trace_who, "tcp %s soft error: %s", s->name,
             sim_net_error_to_string (e));
}

/* ---------------------------------------------------------- config, ports */

void
sim_tcp_config_init_default (SimTcpConfig *c)
{
  c->rto_initial = SIM_S (1);
  c->rto_min = SIM_MS (200);
  c->rto_max = SIM_S (120);
  c->syn_retries = 6;
  c->data_retries = 15;
  c->mss = 1460;
  c->time_wait = SIM_S (60);
}

void
sim_node_set_tcp_config (SimNode *node, const SimTcpConfig *config)
{
  g_return_if_fail (node != NULL && config != NULL);
  if (node->tcp_config == NULL)
    node->tcp_config = g_new (SimTcpConfig, 1);
  *node->tcp_config = *config;
}

gboolean
sim_tcp_port_in_use (SimNode *node, guint16 port)
{
  SimTcpStack *st = node->tcp;
  if (st == NULL)
    return FALSE;
  return g_hash_table_contains (st->listeners, GUINT_TO_POINTER (port))
         || port_count (st->port_conns, port) > 0;
}

void
sim_tcp_stack_free (SimTcpStack *st)
{
  /* Note 13: silent; owned sockets and listeners are detached. */
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, st->listeners);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      SimTcpListener *l = value;
      l->stack = NULL;
      g_queue_init (&l->children);
    }
  GList *link;
  while ((link = g_queue_pop_head_link (&st->all)) != NULL)
    {
      SimTcpSocket *s = link->data;
      sim_timer_cancel (&s->rto_timer);
      sim_timer_cancel (&s->wait_timer);
      sim_timer_cancel (&s->notify_timer);
      s->hashed = FALSE;
      s->listener = NULL;
      s->stack = NULL;
      if (s->owned)
        s->state = TCPS_CLOSED;
      else
        sock_free_mem (s);
    }
  if (st->node)
    st->node->tcp = NULL;
  g_hash_table_destroy (st->conns);
  g_hash_table_destroy (st->listeners);
  g_hash_table_destroy (st->port_conns);
  g_hash_table_destroy (st->port_active);
  g_free (st);
}

/* ------------------------------------------------------------------- API */

SimTcpSocket *
sim_tcp_connect (SimNode *node, const SimSockAddr *local, const SimSockAddr *remote,
                 GError **error)
{
  g_return_val_if_fail (node != NULL && remote != NULL, NULL);
  g_return_val_if_fail (remote->ip != SIM_IP4_ANY && remote->port != 0, NULL);
  SimSockAddr want = local ? *local : (SimSockAddr) { SIM_IP4_ANY, 0 };
  char b[SIM_SOCKADDR_STRLEN];

  SimIp4 route_src = sim_node_source_for (node, remote->ip);
  if (route_src == SIM_IP4_ANY)
    {
      /* Linux connect(2): ENETUNREACH at once. */
      g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_NO_ROUTE,
                   "node %s has no route to %s", node->name, sim_sockaddr_to_string (remote, b));
      return NULL;
    }
  if (!sim_node_bind (node, &want, "TCP", sim_tcp_port_in_use, error))
    return NULL;
  if (want.ip == SIM_IP4_ANY)
    want.ip = route_src;

  SimTcpStack *st = stack_get (node);
  SimTcpSocket *s = conn_new (st, &want, remote, FALSE);
  s->owned = TRUE;
  conn_hash (s);
  send_syn (s);
  s->snd_nxt = s->snd_max = s->iss + 1;
  start_rtt_timing (s, s->iss + 1);
  sim_timer_start (&s->rto_timer, s->rto);
  set_state (s, TCPS_SYN_SENT);
  return s;
}

/* Note 10a: the state vanishes without a segment, as when the host loses
 * power; a later segment of the peer finds no connection and is answered
 * with RST (note 2).  The handle stays owned until sim_tcp_free(). */
void
sim_tcp_forget (SimTcpSocket *s)
{
  g_return_if_fail (s != NULL && s->owned);
  s->abort_gen++;
  s->notify_closed = FALSE;
  sim_timer_cancel (&s->notify_timer);
  if (s->state != TCPS_CLOSED)
    set_state (s, TCPS_CLOSED);
}

/* A listener may take a port whose accepted connections are still closing
 * (note 12: SO_REUSEADDR semantics, so a restarted server can bind again);
 * another listener or an actively opened connection on it is a conflict. */
static gboolean
listen_port_taken (SimNode *node, guint16 port)
{
  SimTcpStack *st = node->tcp;
  return st != NULL
         && (g_hash_table_contains (st->listeners, GUINT_TO_POINTER (port))
             || port_count (st->port_active, port) > 0);
}

SimTcpListener *
sim_tcp_listen (SimNode *node, const SimSockAddr *local, SimTcpAcceptFunc accept,
                gpointer user_data, GError **error)
{
  g_return_val_if_fail (node != NULL && accept != NULL, NULL);
  SimSockAddr want = local ? *local : (SimSockAddr) { SIM_IP4_ANY, 0 };

  SimTcpStack *st = stack_get (node);
  if (!sim_node_bind (node, &want, "TCP", listen_port_taken, error))
    return NULL;

  SimTcpListener *l = g_new0 (SimTcpListener, 1);
  l->stack = st;
  l->local = want;
  l->accept = accept;
  l->user_data = user_data;
  g_queue_init (&l->children);
  g_hash_table_insert (st->listeners, GUINT_TO_POINTER (want.port), l);
  char b[SIM_SOCKADDR_STRLEN];
  sim_trace (node->net->world, node->trace_who, "tcp listen %s", sim_sockaddr_to_string (&want, b));
  return l;
}

void
sim_tcp_listener_get_local (const SimTcpListener *listener, SimSockAddr *out)
{
  *out = listener->local;
}

void
sim_tcp_listener_close (SimTcpListener *l)
{
  if (l == NULL)
    return;
  SimTcpStack *st = l->stack;
  if (st)
    {
      /* Half-open connections go silently (Linux drops its request
       * socks); the peer's next segment meets a reset (note 2). */
      GList *link;
      while ((link = g_queue_pop_head_link (&l->children)) != NULL)
        {
          SimTcpSocket *s = link->data;
          s->listener = NULL;
          set_state (s, TCPS_CLOSED);
          maybe_reap (s);
        }
      g_hash_table_remove (st->listeners, GUINT_TO_POINTER (l->local.port));
      char b[SIM_SOCKADDR_STRLEN];
      sim_trace (st->node->net->world, st->node->trace_who, "tcp listener %s closed",
                 sim_sockaddr_to_string (&l->local, b));
    }
  g_free (l);
}

void
sim_tcp_set_callbacks (SimTcpSocket *s, SimTcpEventFunc event, SimTcpRecvFunc recv,
                       gpointer user_data)
{
  g_return_if_fail (s != NULL && s->owned);
  s->event = event;
  s->recv = recv;
  s->user_data = user_data;
}

gboolean
sim_tcp_send (SimTcpSocket *s, const void *data, gsize len, GError **error)
{
  g_return_val_if_fail (s != NULL && s->owned, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  gboolean ok;
  switch (s->state)
    {
    case TCPS_SYN_SENT:
    case TCPS_SYN_RCVD:      /* queued until ESTABLISHED (RFC 793 p. 56) */
    case TCPS_ESTABLISHED:
    case TCPS_CLOSE_WAIT:
      ok = !s->fin_queued;
      break;
    default:
      ok = FALSE;
      break;
    }
  if (!ok)
    {
      g_set_error (error, SIM_NET_ERROR, SIM_NET_ERROR_NOT_CONNECTED,
                   "TCP socket %s cannot send: %s", s->name,
                   s->error ? sim_net_error_to_string (s->error)
                   : s->fin_queued ? "closed" : state_names[s->state]);
      return FALSE;
    }
  if (len == 0)
    return TRUE;
  /* Sequence arithmetic needs the queue well below 2^31 bytes. */
  g_return_val_if_fail (len <= TCP_MAX_QUEUE - sndq_len (s), FALSE);
  g_byte_array_append (s->sndbuf, data, (guint) len);
  tcp_output (s, FALSE);
  return TRUE;
}

void
sim_tcp_close (SimTcpSocket *s)
{
  g_return_if_fail (s != NULL && s->owned);
  if (s->fin_queued)
    return;
  switch (s->state)
    {
    case TCPS_SYN_SENT:
      /* RFC 793 p. 60: delete the TCB.  Reported from an event (note 11). */
      s->fin_queued = TRUE;
      set_state (s, TCPS_CLOSED);
      s->notify_closed = TRUE;
      sim_timer_start (&s->notify_timer, 0);
      return;
    case TCPS_SYN_RCVD:
      /* RFC 793 p. 60: FIN once ESTABLISHED. */
      s->fin_queued = TRUE;
      s->fin_seq = s->data_start + sndq_len (s);
      return;
    case TCPS_ESTABLISHED:
    case TCPS_CLOSE_WAIT:
      s->fin_queued = TRUE;
      s->fin_seq = s->data_start + sndq_len (s);
      set_state (s, s->state == TCPS_ESTABLISHED ? TCPS_FIN_WAIT_1 : TCPS_LAST_ACK);
      tcp_output (s, FALSE);
      return;
    default:
      return;   /* already closed or closing */
    }
}

void
sim_tcp_abort (SimTcpSocket *s)
{
  g_return_if_fail (s != NULL && s->owned);
  s->abort_gen++;
  s->notify_closed = FALSE;
  sim_timer_cancel (&s->notify_timer);
  switch (s->state)
    {
    case TCPS_CLOSED:
      return;
    case TCPS_SYN_RCVD:
    case TCPS_ESTABLISHED:
    case TCPS_FIN_WAIT_1:
    case TCPS_FIN_WAIT_2:
    case TCPS_CLOSE_WAIT:
      send_rst (s);   /* Linux tcp_need_reset() */
      break;
    default:
      break;          /* SYN_SENT, CLOSING, LAST_ACK, TIME_WAIT: RFC 793 p. 62 */
    }
  set_state (s, TCPS_CLOSED);
}

void
sim_tcp_free (SimTcpSocket *s)
{
  if (s == NULL)
    return;
  g_return_if_fail (s->owned && !s->dead);
  if (s->stack == NULL)
    {
      sock_free_mem (s);   /* detached by sim_tcp_stack_free (note 13) */
      return;
    }
  s->owned = FALSE;
  s->event = NULL;
  s->recv = NULL;
  s->user_data = NULL;
  s->abort_gen++;
  s->notify_closed = FALSE;
  sim_timer_cancel (&s->notify_timer);
  switch (s->state)
    {
    case TCPS_SYN_SENT:
      set_state (s, TCPS_CLOSED);
      break;
    case TCPS_SYN_RCVD:
    case TCPS_ESTABLISHED:
    case TCPS_CLOSE_WAIT:
      if (s->fin_queued)
        break;   /* SYN_RCVD after close(): finishes as an orphan */
      send_rst (s);
      set_state (s, TCPS_CLOSED);
      break;
    case TCPS_FIN_WAIT_2:
      if (!sim_timer_is_pending (&s->wait_timer))
        sim_timer_start (&s->wait_timer, s->cfg.time_wait);
      break;
    default:
      break;   /* CLOSED; FIN_WAIT_1, CLOSING, LAST_ACK, TIME_WAIT go on as orphans */
    }
  maybe_reap (s);
}

SimNetError
sim_tcp_get_error (const SimTcpSocket *s)
{
  g_return_val_if_fail (s != NULL, SIM_NET_OK);
  return s->error;
}

void
sim_tcp_get_local (const SimTcpSocket *s, SimSockAddr *out)
{
  g_return_if_fail (s != NULL && out != NULL);
  out->ip = s->key.lip;
  out->port = s->key.lport;
}

void
sim_tcp_get_remote (const SimTcpSocket *s, SimSockAddr *out)
{
  g_return_if_fail (s != NULL && out != NULL);
  out->ip = s->key.rip;
  out->port = s->key.rport;
}

const char *
sim_tcp_get_state_name (const SimTcpSocket *s)
{
  g_return_val_if_fail (s != NULL, "CLOSED");
  return state_names[s->state];
}
