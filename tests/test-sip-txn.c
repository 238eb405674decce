/*
 * tests/test-sip-txn.c - SIP transactions (RFC 3261 §17) on the simulated
 * network, through the host seam, with real SIP bytes.
 *
 *   client 10.0.1.2 ──L── router ──L── 10.0.2.2 server      (L = 10 ms)
 *
 * so a message takes 2L one way and a request/response round trip 4L.
 *
 * The expected schedules are computed from the RFC's rules by
 * expected_sends() below, written from the text of §17.1.1.2 and §17.1.2.2
 * (the n-th retransmission interval is T1*2^n, capped at T2 for non-INVITE
 * and Timer G; T2 once a provisional has arrived; nothing at or after the
 * timeout), and test 1 checks that helper against the literal numbers of
 * the RFC for the defaults.  Nothing here is copied from the code's output.
 *
 * Peers: an "owner" is a device's transport glue (one UDP socket, TCP
 * connections) around a SipTxnLayer, as a device model will have; a "raw"
 * peer is a bare UDP socket that records what arrives and answers by
 * script, so a test controls every byte and instant the layer under test
 * sees.
 */
#include <string.h>

#include "sim/host/host-sim.h"
#include "models/sip/builder.h"
#include "models/sip/transaction.h"
#include "tests/net-fixture.h"
#include "tests/recording-peer.h"

#define L          SIM_MS (10)
#define ONE_WAY    (2 * L)
#define RTT        (4 * L)
#define T1         SIM_MS (500)
#define T2         SIM_S (4)
#define T4         SIM_S (5)
#define SIP_PORT   5060

/* ================================================================ rules */

/* When a client sends its request (or an INVITE server its 300-699, which
 * follows the same rule as non-INVITE with Timer G, §17.2.1), relative to
 * the first send.  @invite: Timer A, no cap (§17.1.1.2).  Otherwise Timer
 * E or G: min(T1*2^n, T2) (§17.1.2.2: "MIN(2*T1, T2) ... MIN(4*T1, T2)"),
 * and T2 for every interval that starts in Proceeding, i.e. after a
 * provisional arrived at @prov_at.  An INVITE stops retransmitting in
 * Proceeding.  Reliable transports send once.  A send due at or after
 * @timeout does not happen (the timeout fires first). */
static GArray *
expected_sends (gboolean invite, gboolean reliable, SimTime t1, SimTime t2, SimTime timeout,
                SimTime prov_at)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (SimTime));
  SimTime t = 0;
  g_array_append_val (a, t);
  if (reliable)
    return a;
  for (guint n = 0;; n++)
    {
      SimTime interval;
      if (invite)
        interval = t1 << n;
      else if (t >= prov_at && n > 0)
        interval = t2;                   /* this interval started in Proceeding */
      else
        interval = MIN (t1 << MIN (n, 40u), t2);
      SimTime next = t + interval;
      if (next >= timeout || (invite && next >= prov_at))
        break;
      g_array_append_val (a, next);
      t = next;
    }
  return a;
}

static void
assert_times (GArray *got, GArray *want, SimTime offset)
{
  for (guint i = 0; i < MIN (got->len, want->len); i++)
    if (g_array_index (got, SimTime, i) != g_array_index (want, SimTime, i) + offset)
      g_error ("send %u at %" G_GINT64_FORMAT " ns, expected %" G_GINT64_FORMAT, i,
               g_array_index (got, SimTime, i), g_array_index (want, SimTime, i) + offset);
  g_assert_cmpuint (got->len, ==, want->len);
}

static void
assert_seconds (GArray *got, const double *s, guint n)
{
  g_assert_cmpuint (got->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (g_array_index (got, SimTime, i), ==, sim_time_from_s (s[i]));
}

static void
test_rules_literal (void)
{
  /* RFC 3261 / BEHAVIOUR.md (c): the numbers every phone vendor quotes. */
  const double nict[] = { 0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 };
  const double ict[] = { 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 };
  const double aastra[] = { 0, 0.5, 1.5, 3.5 };
  const double prov[] = { 0, 0.5, 4.5, 8.5, 12.5, 16.5, 20.5, 24.5, 28.5 };
  GArray *a = expected_sends (FALSE, FALSE, T1, T2, 64 * T1, SIM_TIME_MAX);
  assert_seconds (a, nict, G_N_ELEMENTS (nict));
  g_array_unref (a);
  a = expected_sends (TRUE, FALSE, T1, T2, 64 * T1, SIM_TIME_MAX);
  assert_seconds (a, ict, G_N_ELEMENTS (ict));
  g_array_unref (a);
  a = expected_sends (FALSE, FALSE, T1, T2, SIM_S (4), SIM_TIME_MAX);
  assert_seconds (a, aastra, G_N_ELEMENTS (aastra));
  g_array_unref (a);
  a = expected_sends (FALSE, FALSE, T1, T2, 64 * T1, RTT);
  assert_seconds (a, prov, G_N_ELEMENTS (prov));
  g_array_unref (a);
  a = expected_sends (FALSE, TRUE, T1, T2, 64 * T1, SIM_TIME_MAX);
  g_assert_cmpuint (a->len, ==, 1);
  g_array_unref (a);
  g_assert_cmpint (64 * T1, ==, SIM_S (32));
}

/* ============================================================ messages */

static SipMsg *
make_request_full (SipMethod m, const char *branch, guint32 cseq, const char *transport,
                   guint16 via_port, const char *to_tag, guint n_routes)
{
  SipBuilder *b = sip_builder_request (m, NULL, "sip:registrar.example.test;transport=udp");
  sip_builder_add_via (b, transport, "10.0.1.2", via_port, branch, TRUE);
  sip_builder_add (b, "Max-Forwards", "70");
  for (guint i = 0; i < n_routes; i++)
    sip_builder_add (b, "Route", "<sip:proxy%u.example.test;lr>", i + 1);
  sip_builder_add (b, "From", "\"Alice\" <sip:1001@example.test>;tag=a1b2c3d4");
  if (to_tag)
    sip_builder_add (b, "To", "<sip:1001@example.test>;tag=%s", to_tag);
  else
    sip_builder_add (b, "To", "<sip:1001@example.test>");
  sip_builder_add (b, "Call-ID", "c0ffee42@10.0.1.2");
  sip_builder_add (b, "CSeq", "%u %s", cseq, sip_method_to_string (m));
  SipMsg *msg = sip_builder_finish_msg (b);
  g_assert_nonnull (msg);
  return msg;
}

static SipMsg *
make_request (SipMethod m, const char *branch)
{
  return make_request_full (m, branch, 1, "UDP", SIP_PORT, NULL, 0);
}

static SipMsg *
make_response (SipMsg *req, guint code)
{
  SipMsg *msg = sip_builder_finish_msg (sip_builder_response (req, code, NULL, "srvtag77"));
  g_assert_nonnull (msg);
  return msg;
}

static gboolean
str_is (SipStr s, const char *c)
{
  return sip_str_present (s) && sip_str_eq (s, c);
}

static gboolean
str_same (SipStr a, SipStr b)
{
  return a.len == b.len && memcmp (a.p, b.p, a.len) == 0;
}

/* ============================================================= fixture */

typedef struct {
  NetFixture f;
  SimHost   *ch, *sh;             /* client and server hosts */
  GPtrArray *trace;               /* every trace line */
} Fx;

static void
collect_trace (SimWorld *w, const char *line, gpointer u)
{
  g_ptr_array_add (u, g_strdup (line));
}

static void
fx_init (Fx *x)
{
  net_fixture_init (&x->f, 1, L);
  x->ch = sim_host_new (x->f.client, NULL);
  x->sh = sim_host_new (x->f.server, NULL);
  x->trace = g_ptr_array_new_with_free_func (g_free);
  sim_world_set_trace_func (x->f.world, collect_trace, x->trace, NULL);
}

static void
fx_clear (Fx *x)
{
  host_free (x->ch);
  host_free (x->sh);
  net_fixture_clear (&x->f);
  g_ptr_array_unref (x->trace);
}

static void
fx_run (Fx *x, SimTime until)
{
  g_assert_cmpint (sim_world_run_until (x->f.world, until), ==, SIM_RUN_DONE);
}

/* The trace line that contains @needle, or NULL. */
static const char *
fx_find_trace (Fx *x, const char *needle)
{
  for (guint i = 0; i < x->trace->len; i++)
    if (strstr (x->trace->pdata[i], needle))
      return x->trace->pdata[i];
  return NULL;
}

static guint
fx_count_trace (Fx *x, const char *needle)
{
  guint n = 0;
  for (guint i = 0; i < x->trace->len; i++)
    if (strstr (x->trace->pdata[i], needle))
      n++;
  return n;
}

/* ============================================================ TU record */

typedef struct {
  SipTxnOutcome outcome;
  guint         status;
  char          timer;
  SimNetError   error;
  SimTime       at;
  SipTxnState   state;            /* the transaction's state during the call */
} Rec;

typedef struct {
  SimHost  *host;
  GArray   *recs;
  gboolean  abort_on_provisional;
  SipTxn   *abort_other;          /* abort this one on the first event */
  SipMsg   *last_response;
} Tu;

static void
tu_init (Tu *tu, SimHost *host)
{
  memset (tu, 0, sizeof *tu);
  tu->host = host;
  tu->recs = g_array_new (FALSE, TRUE, sizeof (Rec));
}

static void
tu_clear (Tu *tu)
{
  g_array_unref (tu->recs);
  sip_msg_unref (tu->last_response);
}

static void
tu_func (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  Tu *tu = u;
  Rec r = {
    .outcome = ev->outcome, .status = ev->status, .timer = ev->timer, .error = ev->error,
    .at = host_now (tu->host), .state = sip_txn_get_state (txn),
  };
  g_array_append_val (tu->recs, r);
  if (ev->outcome == SIP_TXN_RESPONSE)
    {
      g_assert_nonnull (ev->msg);
      g_assert_cmpuint (sip_msg_status (ev->msg), ==, ev->status);
      sip_msg_unref (tu->last_response);
      tu->last_response = sip_msg_ref (ev->msg);
    }
  if (tu->abort_other)
    {
      sip_txn_abort (tu->abort_other);
      tu->abort_other = NULL;
    }
  if (tu->abort_on_provisional && ev->outcome == SIP_TXN_RESPONSE && ev->status < 200)
    sip_txn_abort (txn);
}

static const Rec *
tu_rec (Tu *tu, guint i)
{
  g_assert_cmpuint (i, <, tu->recs->len);
  return &g_array_index (tu->recs, Rec, i);
}

static guint
tu_count (Tu *tu, SipTxnOutcome o)
{
  guint n = 0;
  for (guint i = 0; i < tu->recs->len; i++)
    n += g_array_index (tu->recs, Rec, i).outcome == o;
  return n;
}

/* ================================================================ owner */

/* How the owner's TU answers requests that create server transactions. */
typedef struct {
  guint    invite_code;           /* final response to INVITE; 0 = none */
  guint    other_code;            /* final response to anything else; 0 = none */
  guint    provisional;           /* sent first, at once; 0 = none */
  SimTime  delay;                 /* the final goes this long after the request */
  int      free_layer;            /* frees the layer inside the request callback:
                                     1 before answering, 2 after */
} Policy;

typedef struct {
  SimHost     *host;
  SimHostUdp  *udp;
  SipTxnLayer *layer;
  GArray      *send_at;           /* SimTime of every send through the layer */
  GPtrArray   *sent;              /* the sent messages, parsed back */
  Policy       policy;
  guint        requests;          /* request callbacks */
  GPtrArray   *strays, *acks;     /* SipMsg seen by those callbacks */
  GArray      *stray_at;
  Tu           srv;               /* server transactions' events */
  SipTxn      *pending;           /* waiting for a delayed answer */
  HostTimer    answer;
  /* TCP */
  SimHostTcp  *tcp;
  GString     *tcp_rx;
  SimNetError  tcp_error;
} Owner;

static SimNetError
owner_send (SipTxnLayer *layer, const SipTxnPeer *to, const guint8 *data, gsize len,
            gpointer u)
{
  Owner *o = u;
  SimTime now = host_now (o->host);
  g_array_append_val (o->send_at, now);
  g_autoptr (GError) err = NULL;
  SipMsg *m = sip_msg_parse (data, len, &err);
  g_assert_no_error (err);
  g_ptr_array_add (o->sent, m);
  gboolean ok = to->reliable ? host_tcp_send (to->flow, data, len, NULL)
                             : host_udp_sendto (o->udp, &to->addr, data, len, NULL);
  return ok ? SIM_NET_OK : SIM_NET_ERR_NO_ROUTE;
}

static void
owner_answer (Owner *o, SipTxn *txn)
{
  SipMsg *req = sip_txn_get_request (txn);
  guint code = sip_msg_method (req) == SIP_METHOD_INVITE ? o->policy.invite_code
                                                         : o->policy.other_code;
  if (code == 0)
    return;
  gboolean invite = sip_msg_method (req) == SIP_METHOD_INVITE;
  SipMsg *resp = make_response (req, code);
  g_assert_true (sip_txn_respond (txn, resp));
  /* A non-INVITE transaction lets its request go once Completed (issue
   * 17: transaction.h); an INVITE one keeps it (the 100 Trying, a 2xx's
   * ACK and a CANCEL are built from it). */
  if (code >= 200 && !invite && sip_txn_get_state (txn) == SIP_TXN_STATE_COMPLETED)
    g_assert_null (sip_txn_get_request (txn));
  else if (sip_txn_get_state (txn) != SIP_TXN_STATE_TERMINATED)
    g_assert_true (sip_txn_get_request (txn) == req);
  /* A second final response is refused. */
  if (code >= 200)
    g_assert_false (sip_txn_respond (txn, resp));
  sip_msg_unref (resp);
}

static void
owner_answer_later (HostTimer *t, gpointer u)
{
  Owner *o = u;
  SipTxn *txn = g_steal_pointer (&o->pending);
  owner_answer (o, txn);
}

static void
srv_func (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  Owner *o = u;
  if (ev->outcome == SIP_TXN_TERMINATED && o->pending == txn)
    {
      host_timer_cancel (&o->answer);
      o->pending = NULL;
    }
  tu_func (txn, ev, &o->srv);
}

static void
owner_request (SipTxnLayer *layer, SipTxn *txn, SipMsg *req, const SipTxnPeer *from,
               gpointer u)
{
  Owner *o = u;
  o->requests++;
  g_assert_true (sip_txn_get_request (txn) == req);
  if (o->policy.free_layer == 1)
    {
      sip_txn_layer_free (o->layer);
      o->layer = NULL;
      return;
    }
  sip_txn_set_func (txn, srv_func, o);
  if (o->policy.provisional)
    {
      SipMsg *p = make_response (req, o->policy.provisional);
      g_assert_true (sip_txn_respond (txn, p));
      sip_msg_unref (p);
    }
  if (o->policy.delay)
    {
      g_assert_null (o->pending);
      o->pending = txn;
      host_timer_start (&o->answer, o->policy.delay);
    }
  else
    owner_answer (o, txn);
  if (o->policy.free_layer == 2)
    {
      sip_txn_layer_free (o->layer);
      o->layer = NULL;
    }
}

static void
owner_ack (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  Owner *o = u;
  g_ptr_array_add (o->acks, sip_msg_ref (msg));
}

static void
owner_stray (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  Owner *o = u;
  SimTime now = host_now (o->host);
  g_ptr_array_add (o->strays, sip_msg_ref (msg));
  g_array_append_val (o->stray_at, now);
}

static void
owner_feed (Owner *o, const guint8 *data, gsize len, const SipTxnPeer *from)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (SipMsg) msg = sip_msg_parse (data, len, &err);
  g_assert_no_error (err);
  if (o->layer)
    sip_txn_layer_receive (o->layer, msg, from);
}

static void
owner_udp_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len,
                gpointer u)
{
  SipTxnPeer peer = { .addr = *from, .reliable = FALSE, .flow = s };
  owner_feed (u, data, len, &peer);
}

/* The glue of requirement 7: an ICMP error names the remote; the layer
 * finds the transactions that sent there through this socket. */
static void
owner_udp_error (SimHostUdp *s, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  Owner *o = u;
  if (o->layer)
    sip_txn_layer_transport_error (o->layer, s, remote, err);
}

static void
owner_init (Owner *o, SimHost *host, const SipTxnConfig *cfg, gboolean udp)
{
  memset (o, 0, sizeof *o);
  o->host = host;
  o->send_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  o->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
  o->strays = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
  o->acks = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
  o->stray_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  o->tcp_rx = g_string_new (NULL);
  tu_init (&o->srv, host);
  host_timer_init (host, &o->answer, owner_answer_later, o);
  if (udp)
    {
      SimSockAddr local = { SIM_IP4_ANY, SIP_PORT };
      g_autoptr (GError) err = NULL;
      o->udp = host_udp_open (host, &local, owner_udp_recv, owner_udp_error, o, &err);
      g_assert_no_error (err);
    }
  o->layer = sip_txn_layer_new (host, cfg, owner_send, o);
  SipTxnTuFuncs funcs = { owner_request, owner_ack, owner_stray };
  sip_txn_layer_set_tu (o->layer, &funcs, o);
}

static void
owner_clear (Owner *o)
{
  host_timer_cancel (&o->answer);
  sip_txn_layer_free (o->layer);
  host_udp_close (o->udp);
  host_tcp_free (o->tcp);
  g_array_unref (o->send_at);
  g_ptr_array_unref (o->sent);
  g_ptr_array_unref (o->strays);
  g_ptr_array_unref (o->acks);
  g_array_unref (o->stray_at);
  g_string_free (o->tcp_rx, TRUE);
  tu_clear (&o->srv);
}

static SipTxnPeer
udp_peer (Fx *x, Owner *o)
{
  return (SipTxnPeer) { .addr = { x->f.server_ip, SIP_PORT }, .reliable = FALSE, .flow = o->udp };
}

/* ================================================================== raw */

typedef struct Raw Raw;
typedef void (*RawReact) (Raw *r, SipMsg *msg, const SimSockAddr *from);

typedef struct {
  HostTimer   timer;
  Raw        *raw;
  GBytes     *bytes;
  SimSockAddr to;
} Later;

struct Raw {
  RecPeer     peer;               /* the socket and what arrived, raw */
  GPtrArray  *rx;                 /* SipMsg */
  GArray     *rx_at;              /* SimTime */
  RawReact    react;
  GPtrArray  *later;              /* Later, for clean-up */
  int         n;                  /* free counter for scripts */
};

static void
raw_on_rx (RecPeer *p, const SimSockAddr *from, const guint8 *data, gsize len)
{
  Raw *r = p->user_data;
  g_autoptr (GError) err = NULL;
  SipMsg *m = sip_msg_parse (data, len, &err);
  g_assert_no_error (err);
  SimTime now = host_now (p->host);
  g_ptr_array_add (r->rx, m);
  g_array_append_val (r->rx_at, now);
  if (r->react)
    r->react (r, m, from);
}

static void
raw_init (Raw *r, SimHost *host, guint16 port, RawReact react)
{
  memset (r, 0, sizeof *r);
  r->rx = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
  r->rx_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  r->later = g_ptr_array_new ();
  r->react = react;
  rec_peer_open_host (&r->peer, host, port);
  r->peer.on_rx = raw_on_rx;
  r->peer.user_data = r;
}

static void
later_free (gpointer p, gpointer unused)
{
  Later *l = p;
  host_timer_cancel (&l->timer);
  g_bytes_unref (l->bytes);
  g_free (l);
}

static void
raw_clear (Raw *r)
{
  g_ptr_array_foreach (r->later, later_free, NULL);
  g_ptr_array_unref (r->later);
  g_ptr_array_unref (r->rx);
  g_array_unref (r->rx_at);
  rec_peer_clear (&r->peer);
}

static void
raw_send (Raw *r, SipMsg *m, const SimSockAddr *to)
{
  SipStr raw = sip_msg_raw (m);
  g_assert_true (host_udp_sendto (r->peer.hsock, to, raw.p, raw.len, NULL));
}

static void
later_fire (HostTimer *t, gpointer u)
{
  Later *l = u;
  gsize len;
  const guint8 *d = g_bytes_get_data (l->bytes, &len);
  g_assert_true (host_udp_sendto (l->raw->peer.hsock, &l->to, d, len, NULL));
}

static void
raw_send_later (Raw *r, SimTime delay, SipMsg *m, const SimSockAddr *to)
{
  Later *l = g_new0 (Later, 1);
  SipStr raw = sip_msg_raw (m);
  l->raw = r;
  l->bytes = g_bytes_new (raw.p, raw.len);
  l->to = *to;
  host_timer_init (r->peer.host, &l->timer, later_fire, l);
  host_timer_start (&l->timer, delay);
  g_ptr_array_add (r->later, l);
}

/* The two usual scenes: our layer as the client against a raw server,
 * or a raw client against our layer as the server (SIP_PORT on the
 * server host either way). */
static void
scene_raw_server (Fx *x, Owner *c, Raw *s, RawReact react)
{
  fx_init (x);
  owner_init (c, x->ch, NULL, TRUE);
  raw_init (s, x->sh, SIP_PORT, react);
}

static void
scene_raw_client (Fx *x, Raw *c, Owner *s, RawReact react)
{
  fx_init (x);
  raw_init (c, x->ch, SIP_PORT, react);
  owner_init (s, x->sh, NULL, TRUE);
}

static SipMsg *
raw_msg (Raw *r, guint i)
{
  g_assert_cmpuint (i, <, r->rx->len);
  return r->rx->pdata[i];
}

static SimTime
raw_at (Raw *r, guint i)
{
  g_assert_cmpuint (i, <, r->rx_at->len);
  return g_array_index (r->rx_at, SimTime, i);
}

/* ================================================= 2-nict: non-INVITE */

/* A silent server: every send is counted where it arrives. */
static void
run_silent_nict (const SipTxnConfig *layer_cfg, const SipTxnConfig *txn_cfg,
                 SimTime want_timeout, guint want_sends)
{
  Fx x;
  fx_init (&x);
  Owner c;
  owner_init (&c, x.ch, layer_cfg, TRUE);
  Raw s;
  raw_init (&s, x.sh, SIP_PORT, NULL);
  Tu tu;
  tu_init (&tu, x.ch);

  SipTxnConfig eff;
  sip_txn_layer_get_config (c.layer, &eff);
  SimTime t1 = txn_cfg && txn_cfg->t1 ? txn_cfg->t1 : eff.t1;
  SimTime t2 = txn_cfg && txn_cfg->t2 ? txn_cfg->t2 : eff.t2;
  SimTime f = txn_cfg && txn_cfg->timer_f ? txn_cfg->timer_f
            : layer_cfg && layer_cfg->timer_f ? layer_cfg->timer_f : 64 * t1;
  g_assert_cmpint (f, ==, want_timeout);

  g_autoptr (SipMsg) req = make_request (SIP_METHOD_REGISTER, "z9hG4bKsilent1");
  SipTxnPeer to = udp_peer (&x, &c);
  SipTxn *txn = sip_txn_client_new (c.layer, req, &to, txn_cfg, tu_func, &tu);
  g_assert_nonnull (txn);
  g_assert_cmpint (sip_txn_get_kind (txn), ==, SIP_TXN_KIND_NICT);
  g_assert_cmpint (sip_txn_get_state (txn), ==, SIP_TXN_STATE_TRYING);
  g_assert_cmpstr (sip_txn_get_branch (txn), ==, "z9hG4bKsilent1");
  g_assert_cmpstr (sip_txn_get_method (txn), ==, "REGISTER");
  fx_run (&x, f + SIM_S (60));

  GArray *want = expected_sends (FALSE, FALSE, t1, t2, f, SIM_TIME_MAX);
  g_assert_cmpuint (want->len, ==, want_sends);
  assert_times (c.send_at, want, 0);
  assert_times (s.rx_at, want, ONE_WAY);          /* each really crossed the network */
  for (guint i = 0; i < s.rx->len; i++)
    g_assert_true (str_same (sip_msg_raw (raw_msg (&s, i)), sip_msg_raw (req)));
  g_array_unref (want);

  g_assert_cmpuint (tu.recs->len, ==, 2);
  g_assert_cmpint (tu_rec (&tu, 0)->outcome, ==, SIP_TXN_TIMEOUT);
  g_assert_cmpint (tu_rec (&tu, 0)->timer, ==, 'F');
  g_assert_cmpint (tu_rec (&tu, 0)->at, ==, f);
  g_assert_cmpint (tu_rec (&tu, 0)->state, ==, SIP_TXN_STATE_TERMINATED);
  g_assert_cmpint (tu_rec (&tu, 1)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpint (tu_rec (&tu, 1)->at, ==, f);
  g_assert_cmpuint (sip_txn_layer_count (c.layer), ==, 0);
  g_assert_cmpuint (sip_txn_layer_get_stats (c.layer)->timeouts, ==, 1);

  tu_clear (&tu);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);
}

static void
test_nict_udp_silent (void)
{
  run_silent_nict (NULL, NULL, SIM_S (32), 11);
}

static void
test_nict_timer_f_4s (void)
{
  /* Aastra "sip transaction timer" 4000 ms (BEHAVIOUR.md B8), set on the layer. */
  SipTxnConfig cfg = { .timer_f = SIM_S (4) };
  run_silent_nict (&cfg, NULL, SIM_S (4), 4);
}

static void
test_nict_timer_f_16s (void)
{
  /* Cisco SPA9x2 Timer F 16 s, set on the transaction over a layer that
   * says 4 s: the transaction's value wins. */
  SipTxnConfig layer = { .timer_f = SIM_S (4) };
  SipTxnConfig txn = { .timer_f = SIM_S (16) };
  run_silent_nict (&layer, &txn, SIM_S (16), 7);
}

static void
test_nict_t1 (void)
{
  /* T1 = 1 s: Timer F follows (64 s), intervals 1, 2, 4, 4, ... */
  SipTxnConfig cfg = { .t1 = SIM_S (1) };
  run_silent_nict (&cfg, NULL, SIM_S (64), 18);
  /* T1 = 1 s and F = 3 s: E falls due at 3 s with F; the timeout wins. */
  SipTxnConfig tie = { .t1 = SIM_S (1), .timer_f = SIM_S (3) };
  run_silent_nict (NULL, &tie, SIM_S (3), 2);
  /* T2 = 2 s: intervals 0.5, 1, 2, 2, ... */
  SipTxnConfig t2 = { .t2 = SIM_S (2) };
  run_silent_nict (NULL, &t2, SIM_S (32), 18);
  /* T1 = F: the first E and F are due together; F was started first. */
  SipTxnConfig tie0 = { .t1 = SIM_S (1), .timer_f = SIM_S (1) };
  run_silent_nict (NULL, &tie0, SIM_S (1), 1);
}

/* The whole trace of the default case, and its determinism. */
static guint64
silent_trace_fingerprint (GPtrArray **lines_out)
{
  Fx x;
  Owner c;
  Raw s;
  scene_raw_server (&x, &c, &s, NULL);
  g_autoptr (SipMsg) req = make_request (SIP_METHOD_REGISTER, "z9hG4bKtrace1");
  SipTxnPeer to = udp_peer (&x, &c);
  sip_txn_client_new (c.layer, req, &to, NULL, NULL, NULL);
  fx_run (&x, SIM_S (40));
  guint64 fp = sim_world_get_fingerprint (x.f.world);
  if (lines_out)
    *lines_out = g_ptr_array_ref (x.trace);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);
  return fp;
}

static void
test_nict_trace (void)
{
  GPtrArray *lines;
  guint64 a = silent_trace_fingerprint (&lines);
  g_assert_cmpuint (a, ==, silent_trace_fingerprint (NULL));
  const char *want[] = {
    "0.000000000 host:client txn nict z9hG4bKtrace1 REGISTER send #1 to 10.0.2.2:5060 udp",
    "0.500000000 host:client txn nict z9hG4bKtrace1 REGISTER send #2",
    "31.500000000 host:client txn nict z9hG4bKtrace1 REGISTER send #11",
    "32.000000000 host:client txn nict z9hG4bKtrace1 REGISTER timeout F",
    "32.000000000 host:client txn nict z9hG4bKtrace1 REGISTER Trying -> Terminated",
  };
  guint found = 0;
  for (guint i = 0; i < lines->len; i++)
    for (guint j = 0; j < G_N_ELEMENTS (want); j++)
      found += g_str_equal (lines->pdata[i], want[j]);
  g_assert_cmpuint (found, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < lines->len; i++)
    g_assert_null (strstr (lines->pdata[i], "send #12"));
  g_ptr_array_unref (lines);
}

/* A server that answers 100 and then goes silent: the retransmission
 * interval becomes T2 (§17.1.2.2), the timeout stays at F. */
static void
test_nict_provisional_t2 (void)
{
  Fx x;
  fx_init (&x);
  Owner c, s;
  owner_init (&c, x.ch, NULL, TRUE);
  owner_init (&s, x.sh, NULL, TRUE);
  s.policy.provisional = 100;                   /* and never a final */
  Tu tu;
  tu_init (&tu, x.ch);
  g_autoptr (SipMsg) req = make_request (SIP_METHOD_OPTIONS, "z9hG4bKprov1");
  SipTxnPeer to = udp_peer (&x, &c);
  sip_txn_client_new (c.layer, req, &to, NULL, tu_func, &tu);
  fx_run (&x, SIM_S (60));

  GArray *want = expected_sends (FALSE, FALSE, T1, T2, 64 * T1, RTT);
  assert_times (c.send_at, want, 0);
  /* The server's transaction re-sent its 100 for every retransmission
   * (§17.2.2), and stays in Proceeding: the TU never answered. */
  g_assert_cmpuint (s.requests, ==, 1);
  g_assert_cmpuint (s.send_at->len, ==, want->len);
  assert_times (s.send_at, want, ONE_WAY);
  g_array_unref (want);

  guint n = tu.recs->len;
  g_assert_cmpuint (n, ==, 2 + c.send_at->len);   /* each 100, the timeout, the end */
  g_assert_cmpint (tu_rec (&tu, 0)->outcome, ==, SIP_TXN_RESPONSE);
  g_assert_cmpuint (tu_rec (&tu, 0)->status, ==, 100);
  g_assert_cmpint (tu_rec (&tu, 0)->at, ==, RTT);
  g_assert_cmpint (tu_rec (&tu, 0)->state, ==, SIP_TXN_STATE_PROCEEDING);
  g_assert_cmpint (tu_rec (&tu, n - 2)->outcome, ==, SIP_TXN_TIMEOUT);
  g_assert_cmpint (tu_rec (&tu, n - 2)->at, ==, SIM_S (32));
  g_assert_cmpint (tu_rec (&tu, n - 1)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_nonnull (fx_find_trace (&x, "txn nict z9hG4bKprov1 OPTIONS Trying -> Proceeding"));

  tu_clear (&tu);
  owner_clear (&c);
  owner_clear (&s);
  fx_clear (&x);
}

/* Raw script: answer every request with 200 at once, then the same 200
 * twice more, 1 s and 7 s later. */
static void
react_200_thrice (Raw *r, SipMsg *req, const SimSockAddr *from)
{
  g_autoptr (SipMsg) resp = make_response (req, 200);
  raw_send (r, resp, from);
  raw_send_later (r, SIM_S (1), resp, from);
  raw_send_later (r, SIM_S (7), resp, from);
}

/* Timer K (T4 = 5 s over UDP) absorbs the retransmitted final response; the
 * copy after K is a stray. */
static void
run_timer_k (SimTime t4)
{
  Fx x;
  fx_init (&x);
  Owner c;
  SipTxnConfig cfg = { .t4 = t4 };
  owner_init (&c, x.ch, &cfg, TRUE);
  Raw s;
  raw_init (&s, x.sh, SIP_PORT, react_200_thrice);
  Tu tu;
  tu_init (&tu, x.ch);
  g_autoptr (SipMsg) req = make_request (SIP_METHOD_REGISTER, "z9hG4bKkkk1");
  SipTxnPeer to = udp_peer (&x, &c);
  SipTxn *txn = sip_txn_client_new (c.layer, req, &to, NULL, tu_func, &tu);
  fx_run (&x, SIM_S (1));
  g_assert_cmpint (sip_txn_get_state (txn), ==, SIP_TXN_STATE_COMPLETED);
  fx_run (&x, SIM_S (20));

  g_assert_cmpuint (c.send_at->len, ==, 1);
  g_assert_cmpuint (tu.recs->len, ==, 2);
  g_assert_cmpint (tu_rec (&tu, 0)->outcome, ==, SIP_TXN_RESPONSE);
  g_assert_cmpuint (tu_rec (&tu, 0)->status, ==, 200);
  g_assert_cmpint (tu_rec (&tu, 0)->at, ==, RTT);
  g_assert_cmpint (tu_rec (&tu, 0)->state, ==, SIP_TXN_STATE_COMPLETED);
  g_assert_cmpint (tu_rec (&tu, 1)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpint (tu_rec (&tu, 1)->at, ==, RTT + (t4 ? t4 : T4));
  g_assert_cmpuint (fx_count_trace (&x, "txn nict z9hG4bKkkk1 REGISTER absorb 200"), ==, 1);
  g_assert_cmpuint (c.strays->len, ==, 1);
  g_assert_cmpint (g_array_index (c.stray_at, SimTime, 0), ==, RTT + SIM_S (7));

  tu_clear (&tu);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);
}

static void
test_nict_timer_k_absorbs (void)
{
  run_timer_k (0);              /* T4 = 5 s: the copy at +1 s is absorbed */
  run_timer_k (SIM_S (2));      /* T4 = 2 s: still absorbed at +1 s, gone at +2 s */
}

/* =================================================== 3-ict: INVITE client */

static void
test_ict_udp_silent (void)
{
  Fx x;
  Owner c;
  Raw s;
  scene_raw_server (&x, &c, &s, NULL);
  Tu tu;
  tu_init (&tu, x.ch);
  g_autoptr (SipMsg) req = make_request (SIP_METHOD_INVITE, "z9hG4bKinv1");
  SipTxnPeer to = udp_peer (&x, &c);
  SipTxn *txn = sip_txn_client_new (c.layer, req, &to, NULL, tu_func, &tu);
  g_assert_cmpint (sip_txn_get_kind (txn), ==, SIP_TXN_KIND_ICT);
  g_assert_cmpint (sip_txn_get_state (txn), ==, SIP_TXN_STATE_CALLING);
  fx_run (&x, SIM_S (100));

  GArray *want = expected_sends (TRUE, FALSE, T1, T2, 64 * T1, SIM_TIME_MAX);
  g_assert_cmpuint (want->len, ==, 7);
  assert_times (c.send_at, want, 0);
  assert_times (s.rx_at, want, ONE_WAY);
  g_array_unref (want);
  g_assert_cmpuint (tu.recs->len, ==, 2);
  g_assert_cmpint (tu_rec (&tu, 0)->outcome, ==, SIP_TXN_TIMEOUT);
  g_assert_cmpint (tu_rec (&tu, 0)->timer, ==, 'B');
  g_assert_cmpint (tu_rec (&tu, 0)->at, ==, SIM_S (32));
  g_assert_cmpint (tu_rec (&tu, 1)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_nonnull (fx_find_trace (&x, "32.000000000 host:client txn ict z9hG4bKinv1 INVITE timeout B"));

  tu_clear (&tu);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);
}

/* Raw script: an INVITE gets 486 at once and again 1 s later; ACKs are
 * only recorded. */
static void
react_486_twice (Raw *r, SipMsg *req, const SimSockAddr *from)
{
  if (sip_msg_method (req) != SIP_METHOD_INVITE)
    return;
  g_autoptr (SipMsg) resp = make_response (req, 486);
  raw_send (r, resp, from);
  raw_send_later (r, SIM_S (1), resp, from);
}

static void
test_ict_ack_for_non_2xx (void)
{
  Fx x;
  Owner c;
  Raw s;
  scene_raw_server (&x, &c, &s, react_486_twice);
  Tu tu;
  tu_init (&tu, x.ch);
  g_autoptr (SipMsg) inv = make_request_full (SIP_METHOD_INVITE, "z9hG4bKack1", 314, "UDP",
                                              SIP_PORT, NULL, 2);
  SipTxnPeer to = udp_peer (&x, &c);
  SipTxn *txn = sip_txn_client_new (c.layer, inv, &to, NULL, tu_func, &tu);
  fx_run (&x, SIM_S (5));
  /* In Completed, after two ACKs: the request itself went out once. */
  g_assert_cmpint (sip_txn_get_state (txn), ==, SIP_TXN_STATE_COMPLETED);
  g_assert_cmpuint (sip_txn_get_sends (txn), ==, 1);
  fx_run (&x, SIM_S (60));

  /* INVITE, ACK, ACK again for the retransmitted 486. */
  g_assert_cmpuint (s.rx->len, ==, 3);
  g_assert_cmpint (raw_at (&s, 1), ==, RTT + ONE_WAY);
  g_assert_cmpint (raw_at (&s, 2), ==, RTT + ONE_WAY + SIM_S (1));
  SipMsg *ack = raw_msg (&s, 1);
  g_assert_true (str_same (sip_msg_raw (ack), sip_msg_raw (raw_msg (&s, 2))));

  /* §17.1.1.3, field by field. */
  g_assert_cmpint (sip_msg_method (ack), ==, SIP_METHOD_ACK);
  g_assert_true (str_same (sip_msg_request_uri_str (ack), sip_msg_request_uri_str (inv)));
  g_assert_true (str_same (sip_msg_call_id (ack), sip_msg_call_id (inv)));
  g_assert_true (str_same (sip_msg_header_by_id (ack, SIP_HDR_FROM, 0),
                           sip_msg_header_by_id (inv, SIP_HDR_FROM, 0)));
  g_assert_cmpuint (sip_msg_cseq (ack)->seq, ==, 314);
  g_assert_cmpint (sip_msg_cseq (ack)->method, ==, SIP_METHOD_ACK);
  g_assert_cmpuint (sip_msg_via_count (ack), ==, 1);
  g_assert_true (str_same (sip_msg_header_by_id (ack, SIP_HDR_VIA, 0),
                           sip_msg_header_by_id (inv, SIP_HDR_VIA, 0)));
  g_assert_true (str_is (sip_msg_via (ack, 0)->branch, "z9hG4bKack1"));
  g_assert_nonnull (tu.last_response);
  g_assert_true (str_same (sip_msg_header_by_id (ack, SIP_HDR_TO, 0),
                           sip_msg_header_by_id (tu.last_response, SIP_HDR_TO, 0)));
  g_assert_true (str_is (sip_msg_to (ack)->tag, "srvtag77"));
  g_assert_cmpuint (sip_msg_route_count (ack, SIP_HDR_ROUTE), ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_true (str_same (sip_msg_header_by_id (ack, SIP_HDR_ROUTE, i),
                             sip_msg_header_by_id (inv, SIP_HDR_ROUTE, i)));

  /* The TU saw one 486; Timer D (32 s) ended the transaction. */
  g_assert_cmpuint (tu.recs->len, ==, 2);
  g_assert_cmpuint (tu_rec (&tu, 0)->status, ==, 486);
  g_assert_cmpint (tu_rec (&tu, 0)->at, ==, RTT);
  g_assert_cmpint (tu_rec (&tu, 0)->state, ==, SIP_TXN_STATE_COMPLETED);
  g_assert_cmpint (tu_rec (&tu, 1)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpint (tu_rec (&tu, 1)->at, ==, RTT + SIM_S (32));
  g_assert_cmpuint (c.send_at->len, ==, 3);     /* INVITE once, ACK twice */

  tu_clear (&tu);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);
}

/* Raw script: 200 to an INVITE, twice (the UAS core retransmits it). */
static void
react_200_invite_twice (Raw *r, SipMsg *req, const SimSockAddr *from)
{
  if (sip_msg_method (req) != SIP_METHOD_INVITE)
    return;
  g_autoptr (SipMsg) resp = make_response (req, 200);
  raw_send (r, resp, from);
  raw_send_later (r, SIM_S (1), resp, from);
}

/* RFC 3261 §17.1.1.2: a 2xx goes to the TU and ends the transaction; the
 * retransmitted 2xx reaches the TU as a stray; the transaction sends no
 * ACK itself. */
static void
test_ict_2xx_to_tu (void)
{
  Fx x;
  Owner c;
  Raw s;
  scene_raw_server (&x, &c, &s, react_200_invite_twice);
  Tu tu;
  tu_init (&tu, x.ch);
  g_autoptr (SipMsg) inv = make_request (SIP_METHOD_INVITE, "z9hG4bK2xx1");
  SipTxnPeer to = udp_peer (&x, &c);
  sip_txn_client_new (c.layer, inv, &to, NULL, tu_func, &tu);
  fx_run (&x, SIM_S (40));

  g_assert_cmpuint (tu.recs->len, ==, 2);
  g_assert_cmpuint (tu_rec (&tu, 0)->status, ==, 200);
  g_assert_cmpint (tu_rec (&tu, 0)->state, ==, SIP_TXN_STATE_TERMINATED);
  g_assert_cmpint (tu_rec (&tu, 1)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpint (tu_rec (&tu, 1)->at, ==, RTT);
  g_assert_cmpuint (c.strays->len, ==, 1);
  g_assert_cmpuint (sip_msg_status (c.strays->pdata[0]), ==, 200);
  g_assert_cmpint (g_array_index (c.stray_at, SimTime, 0), ==, RTT + SIM_S (1));
  g_assert_cmpuint (s.rx->len, ==, 1);           /* the INVITE only */

  tu_clear (&tu);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);
}

/* Raw script: a forking proxy forwards 486 from one branch, then a 200
 * from another (§16.7 step 5 forwards every 2xx). */
static void
react_486_then_fork_200 (Raw *r, SipMsg *req, const SimSockAddr *from)
{
  if (sip_msg_method (req) != SIP_METHOD_INVITE)
    return;
  g_autoptr (SipMsg) busy = make_response (req, 486);
  SipMsg *ok = sip_builder_finish_msg (sip_builder_response (req, 200, NULL, "fork2"));
  raw_send (r, busy, from);
  raw_send_later (r, SIM_S (2), ok, from);
  sip_msg_unref (ok);
}

/* The 2xx that arrives in Completed is not absorbed: the TU must see it,
 * through the stray callback, to ACK it and hang up. */
static void
test_ict_fork_2xx_in_completed (void)
{
  Fx x;
  Owner c;
  Raw s;
  scene_raw_server (&x, &c, &s, react_486_then_fork_200);
  Tu tu;
  tu_init (&tu, x.ch);
  g_autoptr (SipMsg) inv = make_request (SIP_METHOD_INVITE, "z9hG4bKfork1");
  SipTxnPeer to = udp_peer (&x, &c);
  SipTxn *txn = sip_txn_client_new (c.layer, inv, &to, NULL, tu_func, &tu);
  fx_run (&x, SIM_S (5));
  g_assert_cmpint (sip_txn_get_state (txn), ==, SIP_TXN_STATE_COMPLETED);
  g_assert_cmpuint (tu_count (&tu, SIP_TXN_RESPONSE), ==, 1);
  g_assert_cmpuint (c.strays->len, ==, 1);
  g_assert_cmpuint (sip_msg_status (c.strays->pdata[0]), ==, 200);
  g_assert_true (str_is (sip_msg_to (c.strays->pdata[0])->tag, "fork2"));
  g_assert_cmpint (g_array_index (c.stray_at, SimTime, 0), ==, RTT + SIM_S (2));
  tu_clear (&tu);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);
}

/* Raw script for CANCEL: 180 to the INVITE; on CANCEL, 200 to it and 487
 * to the INVITE (§9.2). */
static SipMsg *cancel_test_invite;

static void
react_cancel (Raw *r, SipMsg *req, const SimSockAddr *from)
{
  if (sip_msg_method (req) == SIP_METHOD_INVITE)
    {
      g_autoptr (SipMsg) ringing = make_response (req, 180);
      raw_send (r, ringing, from);
      cancel_test_invite = sip_msg_ref (req);
    }
  else if (sip_msg_method (req) == SIP_METHOD_CANCEL)
    {
      g_autoptr (SipMsg) ok = make_response (req, 200);
      g_autoptr (SipMsg) terminated = make_response (cancel_test_invite, 487);
      raw_send (r, ok, from);
      raw_send (r, terminated, from);
    }
}

/* The TU of the CANCEL transaction the INVITE's TU starts on 180. */
static Tu *cancel_tu;

static void
cancel_on_ringing (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  tu_func (txn, ev, u);
  if (ev->outcome == SIP_TXN_RESPONSE && ev->status == 180)
    {
      g_autoptr (SipMsg) cancel = sip_txn_client_build_cancel (txn);
      SipTxnPeer to = *sip_txn_get_peer (txn);
      g_assert_nonnull (sip_txn_client_new (sip_txn_get_layer (txn), cancel, &to, NULL,
                                            tu_func, cancel_tu));
    }
}

static void
test_ict_cancel_own_txn (void)
{
  Fx x;
  Owner c;
  Raw s;
  scene_raw_server (&x, &c, &s, react_cancel);
  Tu itu, ctu;
  tu_init (&itu, x.ch);
  tu_init (&ctu, x.ch);
  g_autoptr (SipMsg) inv = make_request_full (SIP_METHOD_INVITE, "z9hG4bKcan1", 7, "UDP",
                                              SIP_PORT, NULL, 1);
  SipTxnPeer to = udp_peer (&x, &c);
  cancel_tu = &ctu;
  sip_txn_client_new (c.layer, inv, &to, NULL, cancel_on_ringing, &itu);
  fx_run (&x, SIM_S (60));

  /* Server saw INVITE, CANCEL, ACK (for the 487). */
  g_assert_cmpuint (s.rx->len, ==, 3);
  SipMsg *cancel = raw_msg (&s, 1);
  g_assert_cmpint (sip_msg_method (cancel), ==, SIP_METHOD_CANCEL);
  g_assert_true (str_is (sip_msg_via (cancel, 0)->branch, "z9hG4bKcan1"));
  g_assert_cmpuint (sip_msg_via_count (cancel), ==, 1);
  g_assert_cmpuint (sip_msg_cseq (cancel)->seq, ==, 7);
  g_assert_true (str_same (sip_msg_header_by_id (cancel, SIP_HDR_TO, 0),
                           sip_msg_header_by_id (inv, SIP_HDR_TO, 0)));
  g_assert_true (str_same (sip_msg_header_by_id (cancel, SIP_HDR_ROUTE, 0),
                           sip_msg_header_by_id (inv, SIP_HDR_ROUTE, 0)));
  g_assert_cmpint (sip_msg_method (raw_msg (&s, 2)), ==, SIP_METHOD_ACK);

  /* Each transaction got its own responses. */
  g_assert_cmpuint (itu.recs->len, ==, 3);
  g_assert_cmpuint (tu_rec (&itu, 0)->status, ==, 180);
  g_assert_cmpuint (tu_rec (&itu, 1)->status, ==, 487);
  g_assert_cmpuint (ctu.recs->len, ==, 2);
  g_assert_cmpuint (tu_rec (&ctu, 0)->status, ==, 200);
  g_assert_cmpint (tu_rec (&ctu, 1)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpuint (c.strays->len, ==, 0);

  sip_msg_unref (g_steal_pointer (&cancel_test_invite));
  tu_clear (&itu);
  tu_clear (&ctu);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);
}

/* ============================================ 4-server: both server kinds */

static void
test_nist_retransmitted_request (void)
{
  Fx x;
  Raw c;
  Owner s;
  scene_raw_client (&x, &c, &s, NULL);
  s.policy.other_code = 200;
  g_autoptr (SipMsg) req = make_request (SIP_METHOD_OPTIONS, "z9hG4bKnist1");
  SimSockAddr srv = { x.f.server_ip, SIP_PORT };
  raw_send (&c, req, &srv);
  raw_send_later (&c, SIM_MS (500), req, &srv);
  raw_send_later (&c, SIM_S (40), req, &srv);   /* after Timer J: a new transaction */
  fx_run (&x, SIM_S (39));

  g_assert_cmpuint (s.requests, ==, 1);
  g_assert_cmpuint (c.rx->len, ==, 2);
  g_assert_cmpint (raw_at (&c, 0), ==, RTT);
  g_assert_cmpint (raw_at (&c, 1), ==, SIM_MS (500) + RTT);
  g_assert_true (str_same (sip_msg_raw (raw_msg (&c, 0)), sip_msg_raw (raw_msg (&c, 1))));
  g_assert_cmpuint (sip_msg_status (raw_msg (&c, 0)), ==, 200);
  /* Timer J = 64*T1 from the response. */
  g_assert_cmpuint (s.srv.recs->len, ==, 1);
  g_assert_cmpint (tu_rec (&s.srv, 0)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpint (tu_rec (&s.srv, 0)->at, ==, ONE_WAY + 64 * T1);

  fx_run (&x, SIM_S (45));
  g_assert_cmpuint (s.requests, ==, 2);
  g_assert_cmpuint (c.rx->len, ==, 3);

  raw_clear (&c);
  owner_clear (&s);
  fx_clear (&x);
}

/* A raw client's ACK for final response @resp to its INVITE (CSeq 1):
 * Request-URI @ruri, one Via with @branch, From/To/Call-ID copied from
 * the response (§17.1.1.3 for a non-2xx; a 2xx's ACK is the same shape
 * with a branch of its own, §13.2.2.4). */
static void
raw_send_ack (Raw *r, SipMsg *resp, const SimSockAddr *from, const char *ruri,
              const char *branch)
{
  SipBuilder *b = sip_builder_request (SIP_METHOD_ACK, NULL, ruri);
  sip_builder_add_via (b, "UDP", "10.0.1.2", SIP_PORT, branch, TRUE);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_copy_header (b, resp, SIP_HDR_FROM);
  sip_builder_copy_header (b, resp, SIP_HDR_TO);
  sip_builder_copy_header (b, resp, SIP_HDR_CALL_ID);
  sip_builder_add (b, "CSeq", "1 ACK");
  g_autoptr (SipMsg) ack = sip_builder_finish_msg (b);
  raw_send (r, ack, from);
}

/* Raw client script: ACK the 486 when the @n-th copy arrives. */
static guint ack_after;

static void
react_ack_nth (Raw *r, SipMsg *resp, const SimSockAddr *from)
{
  if (sip_msg_is_request (resp) || sip_msg_status (resp) < 300)
    return;
  if (++r->n != (int) ack_after)
    return;
  /* An ACK built from the INVITE by hand (§17.1.1.3). */
  raw_send_ack (r, resp, from, "sip:registrar.example.test;transport=udp", "z9hG4bKist1");
}

static void
run_ist_486 (guint ack_on, SimTime *terminated_at, GArray **resp_at, Tu *srv_out)
{
  Fx x;
  fx_init (&x);
  Raw c;
  raw_init (&c, x.ch, SIP_PORT, react_ack_nth);
  ack_after = ack_on;
  Owner s;
  owner_init (&s, x.sh, NULL, TRUE);
  s.policy.invite_code = 486;
  g_autoptr (SipMsg) inv = make_request (SIP_METHOD_INVITE, "z9hG4bKist1");
  SimSockAddr srv = { x.f.server_ip, SIP_PORT };
  raw_send (&c, inv, &srv);
  fx_run (&x, SIM_S (80));

  g_assert_cmpuint (s.requests, ==, 1);
  g_assert_cmpuint (s.acks->len, ==, 0);          /* the ACK matched the transaction */
  *resp_at = g_array_ref (c.rx_at);
  for (guint i = 0; i < c.rx->len; i++)
    g_assert_cmpuint (sip_msg_status (raw_msg (&c, i)), ==, 486);   /* no 100 Trying */
  g_assert_cmpuint (s.srv.recs->len, >=, 1);
  *terminated_at = tu_rec (&s.srv, s.srv.recs->len - 1)->at;
  g_array_append_vals (srv_out->recs, s.srv.recs->data, s.srv.recs->len);
  raw_clear (&c);
  owner_clear (&s);
  fx_clear (&x);
}

/* Timer G retransmits the 486 until the ACK; then Confirmed, Timer I. */
static void
test_ist_486_until_ack (void)
{
  SimTime end;
  GArray *at;
  Tu srv;
  tu_init (&srv, NULL);
  run_ist_486 (3, &end, &at, &srv);
  /* Sent at ONE_WAY + G schedule, arriving ONE_WAY later; the ACK goes at
   * the 3rd arrival and stops G: exactly 3 copies. */
  GArray *g = expected_sends (FALSE, FALSE, T1, T2, 64 * T1, SIM_TIME_MAX);
  g_array_set_size (g, 3);
  assert_times (at, g, RTT);
  SimTime ack_arrives = g_array_index (g, SimTime, 2) + RTT + ONE_WAY;
  g_assert_cmpuint (srv.recs->len, ==, 1);
  g_assert_cmpint (tu_rec (&srv, 0)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpint (end, ==, ack_arrives + T4);   /* Timer I = T4 over UDP */
  g_array_unref (g);
  g_array_unref (at);
  tu_clear (&srv);
}

/* No ACK: G runs until Timer H = 64*T1 and the TU hears of the timeout. */
static void
test_ist_timer_h (void)
{
  SimTime end;
  GArray *at;
  Tu srv;
  tu_init (&srv, NULL);
  run_ist_486 (0, &end, &at, &srv);
  GArray *g = expected_sends (FALSE, FALSE, T1, T2, 64 * T1, SIM_TIME_MAX);
  assert_times (at, g, RTT);
  g_assert_cmpuint (srv.recs->len, ==, 2);
  g_assert_cmpint (tu_rec (&srv, 0)->outcome, ==, SIP_TXN_TIMEOUT);
  g_assert_cmpint (tu_rec (&srv, 0)->timer, ==, 'H');
  g_assert_cmpint (tu_rec (&srv, 0)->at, ==, ONE_WAY + 64 * T1);
  g_assert_cmpint (end, ==, ONE_WAY + 64 * T1);
  g_array_unref (g);
  g_array_unref (at);
  tu_clear (&srv);
}

/* The TU takes 1 s to answer: 100 Trying goes 200 ms after the INVITE
 * arrived (§17.2.1), and a retransmitted INVITE gets the 100 again. */
static void
test_ist_100_trying (void)
{
  Fx x;
  fx_init (&x);
  Raw c;
  raw_init (&c, x.ch, SIP_PORT, react_ack_nth);
  ack_after = 1;
  Owner s;
  owner_init (&s, x.sh, NULL, TRUE);
  s.policy.invite_code = 486;
  s.policy.delay = SIM_S (1);
  g_autoptr (SipMsg) inv = make_request (SIP_METHOD_INVITE, "z9hG4bKist1");
  SimSockAddr srv = { x.f.server_ip, SIP_PORT };
  raw_send (&c, inv, &srv);
  raw_send_later (&c, SIM_MS (500), inv, &srv);
  fx_run (&x, SIM_S (20));

  g_assert_cmpuint (c.rx->len, ==, 3);
  g_assert_cmpuint (sip_msg_status (raw_msg (&c, 0)), ==, 100);
  g_assert_cmpint (raw_at (&c, 0), ==, RTT + SIM_MS (200));
  g_assert_false (sip_str_present (sip_msg_to (raw_msg (&c, 0))->tag));   /* §8.2.6.2 */
  g_assert_cmpuint (sip_msg_status (raw_msg (&c, 1)), ==, 100);
  g_assert_cmpint (raw_at (&c, 1), ==, SIM_MS (500) + RTT);
  g_assert_cmpuint (sip_msg_status (raw_msg (&c, 2)), ==, 486);
  g_assert_cmpint (raw_at (&c, 2), ==, RTT + SIM_S (1));
  g_assert_cmpuint (s.requests, ==, 1);

  raw_clear (&c);
  owner_clear (&s);
  fx_clear (&x);
}

/* A 2xx ends the INVITE server transaction (RFC 3261, not RFC 6026); its
 * end is reported from the loop, not from inside sip_txn_respond(); the
 * ACK for the 2xx (a new branch) reaches the TU's ACK callback. */
static void
react_ack_2xx (Raw *r, SipMsg *resp, const SimSockAddr *from)
{
  if (sip_msg_is_request (resp) || sip_msg_status (resp) != 200)
    return;
  raw_send_ack (r, resp, from, "sip:1001@10.0.2.2", "z9hG4bKack2xx");   /* a new branch */
}

static void
test_ist_2xx_terminates (void)
{
  Fx x;
  Raw c;
  Owner s;
  scene_raw_client (&x, &c, &s, react_ack_2xx);
  s.policy.invite_code = 200;
  g_autoptr (SipMsg) inv = make_request (SIP_METHOD_INVITE, "z9hG4bKist2");
  SimSockAddr srv = { x.f.server_ip, SIP_PORT };
  raw_send (&c, inv, &srv);
  fx_run (&x, SIM_S (5));

  g_assert_cmpuint (s.srv.recs->len, ==, 1);
  g_assert_cmpint (tu_rec (&s.srv, 0)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpint (tu_rec (&s.srv, 0)->at, ==, ONE_WAY);
  g_assert_cmpuint (c.rx->len, ==, 1);
  g_assert_cmpuint (s.acks->len, ==, 1);
  g_assert_true (str_is (sip_msg_via (s.acks->pdata[0], 0)->branch, "z9hG4bKack2xx"));
  g_assert_cmpuint (sip_txn_layer_get_stats (s.layer)->unmatched_acks, ==, 1);
  g_assert_cmpuint (sip_txn_layer_count (s.layer), ==, 0);

  raw_clear (&c);
  owner_clear (&s);
  fx_clear (&x);
}

/* Responses go to the sent-by port without rport (§18.2.2), to the source
 * port with it (RFC 3581). */
static void
test_server_response_address (void)
{
  Fx x;
  fx_init (&x);
  Raw c5062, c5060;
  raw_init (&c5062, x.ch, 5062, NULL);
  raw_init (&c5060, x.ch, SIP_PORT, NULL);
  Owner s;
  owner_init (&s, x.sh, NULL, TRUE);
  s.policy.other_code = 200;
  SimSockAddr srv = { x.f.server_ip, SIP_PORT };

  /* From port 5062, Via says 5060 and no rport: answer to 5060. */
  SipBuilder *b = sip_builder_request (SIP_METHOD_OPTIONS, NULL, "sip:10.0.2.2");
  sip_builder_add_via (b, "UDP", "10.0.1.2", SIP_PORT, "z9hG4bKaddr1", FALSE);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_add (b, "From", "<sip:a@example.test>;tag=1");
  sip_builder_add (b, "To", "<sip:b@example.test>");
  sip_builder_add (b, "Call-ID", "addr1@x");
  sip_builder_add (b, "CSeq", "1 OPTIONS");
  g_autoptr (SipMsg) norport = sip_builder_finish_msg (b);
  raw_send (&c5062, norport, &srv);
  /* The same with rport: back to 5062. */
  g_autoptr (SipMsg) rport = make_request (SIP_METHOD_OPTIONS, "z9hG4bKaddr2");
  raw_send (&c5062, rport, &srv);
  fx_run (&x, SIM_S (1));

  g_assert_cmpuint (c5060.rx->len, ==, 1);
  g_assert_true (str_is (sip_msg_via (raw_msg (&c5060, 0), 0)->branch, "z9hG4bKaddr1"));
  g_assert_cmpuint (c5062.rx->len, ==, 1);
  g_assert_true (str_is (sip_msg_via (raw_msg (&c5062, 0), 0)->branch, "z9hG4bKaddr2"));

  raw_clear (&c5062);
  raw_clear (&c5060);
  owner_clear (&s);
  fx_clear (&x);
}

/* ======================================== 5-transport: errors, TCP */

/* Nothing listens at the server's port: ICMP port unreachable comes back
 * one round trip later and ends the transaction at once. */
static void
run_icmp (SipMethod method)
{
  Fx x;
  fx_init (&x);
  Owner c;
  owner_init (&c, x.ch, NULL, TRUE);
  Tu tu;
  tu_init (&tu, x.ch);
  g_autoptr (SipMsg) req = make_request (method, "z9hG4bKicmp1");
  SipTxnPeer to = udp_peer (&x, &c);
  sip_txn_client_new (c.layer, req, &to, NULL, tu_func, &tu);
  fx_run (&x, SIM_S (60));

  g_assert_cmpuint (c.send_at->len, ==, 1);       /* no retransmission after the ICMP */
  g_assert_cmpuint (tu.recs->len, ==, 2);
  g_assert_cmpint (tu_rec (&tu, 0)->outcome, ==, SIP_TXN_TRANSPORT_ERROR);
  g_assert_cmpint (tu_rec (&tu, 0)->error, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmpint (tu_rec (&tu, 0)->at, ==, RTT);
  g_assert_cmpint (tu_rec (&tu, 1)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpint (tu_rec (&tu, 1)->at, ==, RTT);
  g_assert_cmpuint (tu_count (&tu, SIP_TXN_TIMEOUT), ==, 0);
  g_assert_cmpuint (sip_txn_layer_get_stats (c.layer)->transport_errors, ==, 1);
  g_assert_nonnull (fx_find_trace (&x, "transport error: port unreachable"));
  tu_clear (&tu);
  owner_clear (&c);
  fx_clear (&x);
}

static void
test_icmp_nict (void)
{
  run_icmp (SIP_METHOD_REGISTER);
}

static void
test_icmp_ict (void)
{
  run_icmp (SIP_METHOD_INVITE);
}

/* One socket, two destinations: the ICMP error names one, and only the
 * transaction that sent there ends.  Its TU aborts a third transaction to
 * the same dead port from inside the callback: that one is not reported. */
static void
test_icmp_maps_to_remote (void)
{
  Fx x;
  fx_init (&x);
  Owner c;
  owner_init (&c, x.ch, NULL, TRUE);
  Raw live;
  raw_init (&live, x.sh, 5070, NULL);              /* 5060 has nobody */
  Tu dead_tu, live_tu, other_tu;
  tu_init (&dead_tu, x.ch);
  tu_init (&live_tu, x.ch);
  tu_init (&other_tu, x.ch);
  g_autoptr (SipMsg) r1 = make_request (SIP_METHOD_REGISTER, "z9hG4bKdead1");
  g_autoptr (SipMsg) r2 = make_request (SIP_METHOD_REGISTER, "z9hG4bKlive1");
  g_autoptr (SipMsg) r3 = make_request (SIP_METHOD_OPTIONS, "z9hG4bKdead2");
  SipTxnPeer dead = udp_peer (&x, &c);
  SipTxnPeer alive = dead;
  alive.addr.port = 5070;
  sip_txn_client_new (c.layer, r1, &dead, NULL, tu_func, &dead_tu);
  sip_txn_client_new (c.layer, r2, &alive, NULL, tu_func, &live_tu);
  /* Created 1 ms later so its own ICMP arrives after the first one. */
  fx_run (&x, SIM_MS (1));
  dead_tu.abort_other = sip_txn_client_new (c.layer, r3, &dead, NULL, tu_func, &other_tu);
  fx_run (&x, SIM_S (10));

  g_assert_cmpuint (dead_tu.recs->len, ==, 2);
  g_assert_cmpint (tu_rec (&dead_tu, 0)->outcome, ==, SIP_TXN_TRANSPORT_ERROR);
  g_assert_cmpuint (other_tu.recs->len, ==, 0);    /* aborted: silent */
  g_assert_cmpuint (live_tu.recs->len, ==, 0);     /* still trying */
  g_assert_cmpuint (live.rx->len, >, 3);
  g_assert_cmpuint (sip_txn_layer_count (c.layer), ==, 1);

  tu_clear (&dead_tu);
  tu_clear (&live_tu);
  tu_clear (&other_tu);
  raw_clear (&live);
  owner_clear (&c);
  fx_clear (&x);
}

/* Raw client script: close the socket when the first final response
 * arrives (the phone went away). */
static void
react_close_on_final (Raw *r, SipMsg *resp, const SimSockAddr *from)
{
  if (!sip_msg_is_request (resp) && sip_msg_status (resp) >= 300)
    g_clear_pointer (&r->peer.hsock, host_udp_close);
}

/* The server's Timer G retransmission meets a closed port: the ICMP error
 * ends the INVITE server transaction with a transport error, before H. */
static void
test_icmp_server (void)
{
  Fx x;
  Raw c;
  Owner s;
  scene_raw_client (&x, &c, &s, react_close_on_final);
  s.policy.invite_code = 486;
  g_autoptr (SipMsg) inv = make_request (SIP_METHOD_INVITE, "z9hG4bKsicmp");
  SimSockAddr srv = { x.f.server_ip, SIP_PORT };
  raw_send (&c, inv, &srv);
  fx_run (&x, SIM_S (40));
  /* 486 at ONE_WAY, again at ONE_WAY + T1 (G): that one bounces. */
  g_assert_cmpuint (s.send_at->len, ==, 2);
  g_assert_cmpint (g_array_index (s.send_at, SimTime, 1), ==, ONE_WAY + T1);
  g_assert_cmpuint (s.srv.recs->len, ==, 2);
  g_assert_cmpint (tu_rec (&s.srv, 0)->outcome, ==, SIP_TXN_TRANSPORT_ERROR);
  g_assert_cmpint (tu_rec (&s.srv, 0)->error, ==, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmpint (tu_rec (&s.srv, 0)->at, ==, ONE_WAY + T1 + RTT);
  g_assert_cmpint (tu_rec (&s.srv, 1)->outcome, ==, SIP_TXN_TERMINATED);
  raw_clear (&c);
  owner_clear (&s);
  fx_clear (&x);
}

/* A send that fails at once (the node has no route) is a transport error,
 * reported from the event loop, not from inside sip_txn_client_new(). */
static void
test_send_fails_synchronously (void)
{
  Fx x;
  fx_init (&x);
  SimNode *lonely = sim_node_new (x.f.net, "lonely", NULL);
  sim_node_add_iface (lonely, SIM_IP4 (192, 168, 9, 2), 24);   /* no link, no route */
  SimHost *h = sim_host_new (lonely, NULL);
  Owner c;
  owner_init (&c, h, NULL, TRUE);
  Tu tu;
  tu_init (&tu, h);
  g_autoptr (SipMsg) req = make_request (SIP_METHOD_REGISTER, "z9hG4bKnoroute");
  SipTxnPeer to = udp_peer (&x, &c);
  SipTxn *txn = sip_txn_client_new (c.layer, req, &to, NULL, tu_func, &tu);
  g_assert_nonnull (txn);
  g_assert_cmpuint (tu.recs->len, ==, 0);
  fx_run (&x, SIM_S (60));
  g_assert_cmpuint (c.send_at->len, ==, 1);
  g_assert_cmpuint (tu.recs->len, ==, 2);
  g_assert_cmpint (tu_rec (&tu, 0)->outcome, ==, SIP_TXN_TRANSPORT_ERROR);
  g_assert_cmpint (tu_rec (&tu, 0)->error, ==, SIM_NET_ERR_NO_ROUTE);
  g_assert_cmpint (tu_rec (&tu, 0)->at, ==, 0);
  g_assert_cmpint (tu_rec (&tu, 1)->outcome, ==, SIP_TXN_TERMINATED);
  tu_clear (&tu);
  owner_clear (&c);
  host_free (h);
  fx_clear (&x);
}

/* The owner's per-transaction report, sip_txn_transport_error(), ends a
 * transaction only when the layer-wide one would (note on
 * sip_txn_layer_transport_error in transaction.h): a NIST in Trying has
 * sent nothing and an IST in Confirmed has its ACK, so neither is
 * concerned; an IST in Completed, still waiting for the ACK, is. */
static void
test_per_txn_error (void)
{
  /* NIST in Trying: the TU answers 10 s after the request. */
  Fx x;
  Raw c;
  Owner s;
  scene_raw_client (&x, &c, &s, NULL);
  s.policy.other_code = 200;
  s.policy.delay = SIM_S (10);
  g_autoptr (SipMsg) opt = make_request (SIP_METHOD_OPTIONS, "z9hG4bKpererr1");
  SimSockAddr srv = { x.f.server_ip, SIP_PORT };
  raw_send (&c, opt, &srv);
  fx_run (&x, SIM_S (1));
  SipTxn *nist = s.pending;
  g_assert_nonnull (nist);
  g_assert_cmpint (sip_txn_get_state (nist), ==, SIP_TXN_STATE_TRYING);
  sip_txn_transport_error (nist, SIM_NET_ERR_PORT_UNREACHABLE);
  g_assert_cmpint (sip_txn_get_state (nist), ==, SIP_TXN_STATE_TRYING);
  g_assert_cmpuint (s.srv.recs->len, ==, 0);
  fx_run (&x, SIM_S (60));
  g_assert_cmpuint (c.rx->len, ==, 1);             /* the 200, 10 s after the request */
  g_assert_cmpint (raw_at (&c, 0), ==, ONE_WAY + SIM_S (10) + ONE_WAY);
  g_assert_cmpuint (s.srv.recs->len, ==, 1);
  g_assert_cmpint (tu_rec (&s.srv, 0)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpuint (sip_txn_layer_get_stats (s.layer)->transport_errors, ==, 0);
  raw_clear (&c);
  owner_clear (&s);
  fx_clear (&x);

  /* IST answered 486: in Completed until the ACK (the client ACKs the
   * first copy, react_ack_nth), Confirmed after it. */
  for (int confirmed = 0; confirmed <= 1; confirmed++)
    {
      fx_init (&x);
      raw_init (&c, x.ch, SIP_PORT, react_ack_nth);
      ack_after = confirmed ? 1 : 0;
      owner_init (&s, x.sh, NULL, TRUE);
      s.policy.invite_code = 486;
      g_autoptr (SipMsg) inv = make_request (SIP_METHOD_INVITE, "z9hG4bKist1");
      g_autoptr (SipMsg) cancel = make_request (SIP_METHOD_CANCEL, "z9hG4bKist1");
      raw_send (&c, inv, &srv);
      fx_run (&x, SIM_MS (100));                    /* the ACK arrives at 3 one-way trips */
      SipTxn *ist = sip_txn_layer_find_cancel_target (s.layer, cancel);
      g_assert_nonnull (ist);
      g_assert_cmpint (sip_txn_get_state (ist), ==,
                       confirmed ? SIP_TXN_STATE_CONFIRMED : SIP_TXN_STATE_COMPLETED);
      sip_txn_transport_error (ist, SIM_NET_ERR_PORT_UNREACHABLE);
      fx_run (&x, SIM_S (60));
      if (confirmed)
        {
          /* Ended by Timer I, T4 after the ACK, with no error report. */
          g_assert_cmpuint (s.srv.recs->len, ==, 1);
          g_assert_cmpint (tu_rec (&s.srv, 0)->outcome, ==, SIP_TXN_TERMINATED);
          g_assert_cmpint (tu_rec (&s.srv, 0)->at, ==, 3 * ONE_WAY + T4);
        }
      else
        {
          g_assert_cmpuint (s.srv.recs->len, ==, 2);
          g_assert_cmpint (tu_rec (&s.srv, 0)->outcome, ==, SIP_TXN_TRANSPORT_ERROR);
          g_assert_cmpint (tu_rec (&s.srv, 0)->error, ==, SIM_NET_ERR_PORT_UNREACHABLE);
          g_assert_cmpint (tu_rec (&s.srv, 0)->at, ==, SIM_MS (100));
          g_assert_cmpint (tu_rec (&s.srv, 1)->outcome, ==, SIP_TXN_TERMINATED);
          g_assert_cmpuint (s.send_at->len, ==, 1);  /* no Timer G retransmission */
        }
      raw_clear (&c);
      owner_clear (&s);
      fx_clear (&x);
    }
}

/* ---- TCP: the client owner connects, then starts its transaction on
 * CONNECTED; the server accepts and reads, and answers or resets. */

typedef enum { SRV_SILENT, SRV_ANSWER_200, SRV_RESET } TcpSrvMode;

typedef struct {
  SimHost    *host;
  SimHostTcp *conn;
  GString    *rx;
  guint       messages;
  TcpSrvMode  mode;
} TcpSrv;

/* Test-side framing: these messages have no body, so one ends at the
 * first blank line. */
static gboolean
take_message (GString *buf, SipMsg **out)
{
  const char *end = strstr (buf->str, "\r\n\r\n");
  if (end == NULL)
    return FALSE;
  gsize len = (gsize) (end - buf->str) + 4;
  g_autoptr (GError) err = NULL;
  *out = sip_msg_parse ((const guint8 *) buf->str, len, &err);
  g_assert_no_error (err);
  g_string_erase (buf, 0, (gssize) len);
  return TRUE;
}

static void
tcp_srv_recv (SimHostTcp *sock, const guint8 *data, gsize len, gpointer u)
{
  TcpSrv *s = u;
  g_string_append_len (s->rx, (const char *) data, (gssize) len);
  SipMsg *m;
  while (take_message (s->rx, &m))
    {
      s->messages++;
      if (s->mode == SRV_RESET)
        {
          sip_msg_unref (m);
          host_tcp_abort (sock);
          return;
        }
      if (s->mode == SRV_ANSWER_200)
        {
          g_autoptr (SipMsg) resp = make_response (m, 200);
          SipStr raw = sip_msg_raw (resp);
          g_assert_true (host_tcp_send (sock, raw.p, raw.len, NULL));
        }
      sip_msg_unref (m);
    }
}

static void
tcp_srv_event (SimHostTcp *sock, HostTcpEvent ev, gpointer u)
{
}

static void
tcp_srv_accept (SimHostTcpListener *l, SimHostTcp *sock, gpointer u)
{
  TcpSrv *s = u;
  s->conn = sock;
  host_tcp_set_callbacks (sock, tcp_srv_event, tcp_srv_recv, s);
}

typedef struct {
  Fx         *x;
  Owner      *o;
  Tu         *tu;
  SipMsg     *req;
  SimTime     connected_at;
} TcpClient;

static void
tcp_cli_recv (SimHostTcp *sock, const guint8 *data, gsize len, gpointer u)
{
  TcpClient *c = u;
  g_string_append_len (c->o->tcp_rx, (const char *) data, (gssize) len);
  SipMsg *m;
  while (take_message (c->o->tcp_rx, &m))
    {
      SipTxnPeer from = { .reliable = TRUE, .flow = sock };
      host_tcp_get_remote (sock, &from.addr);
      sip_txn_layer_receive (c->o->layer, m, &from);
      sip_msg_unref (m);
    }
}

static void
tcp_cli_event (SimHostTcp *sock, HostTcpEvent ev, gpointer u)
{
  TcpClient *c = u;
  if (ev == HOST_TCP_CONNECTED)
    {
      c->connected_at = host_now (c->o->host);
      SipTxnPeer to = { .reliable = TRUE, .flow = sock };
      host_tcp_get_remote (sock, &to.addr);
      g_assert_nonnull (sip_txn_client_new (c->o->layer, c->req, &to, NULL, tu_func, c->tu));
    }
  else if (ev == HOST_TCP_ERROR)
    {
      /* Requirement 7: a reset ends the transactions on this flow. */
      c->o->tcp_error = host_tcp_get_error (sock);
      sip_txn_layer_transport_error (c->o->layer, sock, NULL, c->o->tcp_error);
    }
}

static void
run_tcp (SipMethod method, TcpSrvMode mode, Tu *tu, guint *srv_messages, guint *sends,
         SimTime *connected_at)
{
  Fx x;
  fx_init (&x);
  TcpSrv srv = { .host = x.sh, .rx = g_string_new (NULL), .mode = mode };
  SimSockAddr any = { SIM_IP4_ANY, SIP_PORT };
  g_autoptr (GError) err = NULL;
  SimHostTcpListener *l = host_tcp_listen (x.sh, &any, tcp_srv_accept, &srv, &err);
  g_assert_no_error (err);
  Owner o;
  owner_init (&o, x.ch, NULL, FALSE);
  g_autoptr (SipMsg) req = make_request_full (method, "z9hG4bKtcp1", 1, "TCP", SIP_PORT,
                                              NULL, 0);
  TcpClient cli = { .x = &x, .o = &o, .tu = tu, .req = req };
  SimSockAddr to = { x.f.server_ip, SIP_PORT };
  o.tcp = host_tcp_connect (x.ch, &to, tcp_cli_event, tcp_cli_recv, &cli, &err);
  g_assert_no_error (err);
  tu->host = x.ch;
  fx_run (&x, SIM_S (100));
  *srv_messages = srv.messages;
  *sends = o.send_at->len;
  *connected_at = cli.connected_at;
  owner_clear (&o);
  host_tcp_free (srv.conn);
  host_tcp_listener_close (l);
  g_string_free (srv.rx, TRUE);
  fx_clear (&x);
}

/* Over TCP the request is sent exactly once and still times out at
 * 64*T1 (Timers B and F run on reliable transports too). */
static void
test_tcp_silent (void)
{
  for (int invite = 0; invite <= 1; invite++)
    {
      Tu tu;
      tu_init (&tu, NULL);
      guint msgs, sends;
      SimTime up;
      run_tcp (invite ? SIP_METHOD_INVITE : SIP_METHOD_REGISTER, SRV_SILENT, &tu, &msgs,
               &sends, &up);
      g_assert_cmpint (up, ==, RTT);
      g_assert_cmpuint (sends, ==, 1);
      g_assert_cmpuint (msgs, ==, 1);
      GArray *want = expected_sends (invite, TRUE, T1, T2, 64 * T1, SIM_TIME_MAX);
      g_assert_cmpuint (want->len, ==, 1);
      g_array_unref (want);
      g_assert_cmpuint (tu.recs->len, ==, 2);
      g_assert_cmpint (tu_rec (&tu, 0)->outcome, ==, SIP_TXN_TIMEOUT);
      g_assert_cmpint (tu_rec (&tu, 0)->timer, ==, invite ? 'B' : 'F');
      g_assert_cmpint (tu_rec (&tu, 0)->at, ==, up + SIM_S (32));
      tu_clear (&tu);
    }
}

/* Timer K is 0 over TCP: the transaction ends as the 200 arrives. */
static void
test_tcp_answered (void)
{
  Tu tu;
  tu_init (&tu, NULL);
  guint msgs, sends;
  SimTime up;
  run_tcp (SIP_METHOD_REGISTER, SRV_ANSWER_200, &tu, &msgs, &sends, &up);
  g_assert_cmpuint (sends, ==, 1);
  g_assert_cmpuint (tu.recs->len, ==, 2);
  g_assert_cmpuint (tu_rec (&tu, 0)->status, ==, 200);
  g_assert_cmpint (tu_rec (&tu, 0)->at, ==, up + RTT);
  g_assert_cmpint (tu_rec (&tu, 1)->outcome, ==, SIP_TXN_TERMINATED);
  g_assert_cmpint (tu_rec (&tu, 1)->at, ==, up + RTT);
  tu_clear (&tu);
}

/* The server resets the connection on the request: transport error when
 * the RST arrives, not a timeout. */
static void
test_tcp_reset (void)
{
  Tu tu;
  tu_init (&tu, NULL);
  guint msgs, sends;
  SimTime up;
  run_tcp (SIP_METHOD_REGISTER, SRV_RESET, &tu, &msgs, &sends, &up);
  g_assert_cmpuint (sends, ==, 1);
  g_assert_cmpuint (msgs, ==, 1);
  g_assert_cmpuint (tu.recs->len, ==, 2);
  g_assert_cmpint (tu_rec (&tu, 0)->outcome, ==, SIP_TXN_TRANSPORT_ERROR);
  g_assert_cmpint (tu_rec (&tu, 0)->error, ==, SIM_NET_ERR_RESET);
  g_assert_cmpint (tu_rec (&tu, 0)->at, ==, up + RTT);
  g_assert_cmpint (tu_rec (&tu, 1)->outcome, ==, SIP_TXN_TERMINATED);
  tu_clear (&tu);
}

/* ===================================================== 6-match */

/* Raw script: answer REGISTER with the right branch but CSeq OPTIONS, and
 * with the right method but another branch. */
static void
react_mismatched (Raw *r, SipMsg *req, const SimSockAddr *from)
{
  if (r->n++ > 0)
    return;
  SipBuilder *b = sip_builder_response (req, 200, NULL, "t1");
  sip_builder_remove (b, "CSeq");
  sip_builder_add (b, "CSeq", "1 OPTIONS");
  g_autoptr (SipMsg) wrong_method = sip_builder_finish_msg (b);
  g_assert_true (str_is (sip_msg_via (wrong_method, 0)->branch, "z9hG4bKmatch1"));
  raw_send (r, wrong_method, from);

  g_autoptr (SipMsg) other = make_request (SIP_METHOD_REGISTER, "z9hG4bKother");
  g_autoptr (SipMsg) wrong_branch = make_response (other, 200);
  raw_send (r, wrong_branch, from);
}

static void
test_match_client (void)
{
  Fx x;
  Owner c;
  Raw s;
  scene_raw_server (&x, &c, &s, react_mismatched);
  Tu tu;
  tu_init (&tu, x.ch);
  g_autoptr (SipMsg) req = make_request (SIP_METHOD_REGISTER, "z9hG4bKmatch1");
  SipTxnPeer to = udp_peer (&x, &c);
  sip_txn_client_new (c.layer, req, &to, NULL, tu_func, &tu);
  /* The same branch for another method is another transaction (§17.1.3). */
  g_autoptr (SipMsg) same_branch = make_request (SIP_METHOD_OPTIONS, "z9hG4bKmatch1");
  Tu tu2;
  tu_init (&tu2, x.ch);
  SipTxn *t2 = sip_txn_client_new (c.layer, same_branch, &to, NULL, tu_func, &tu2);
  g_assert_nonnull (t2);
  fx_run (&x, SIM_S (60));

  /* The OPTIONS transaction took the response with CSeq OPTIONS; the
   * REGISTER one matched nothing and ran to Timer F. */
  g_assert_cmpuint (tu2.recs->len, ==, 2);
  g_assert_cmpuint (tu_rec (&tu2, 0)->status, ==, 200);
  g_assert_cmpuint (tu.recs->len, ==, 2);
  g_assert_cmpint (tu_rec (&tu, 0)->outcome, ==, SIP_TXN_TIMEOUT);
  g_assert_cmpuint (c.strays->len, ==, 1);
  g_assert_true (str_is (sip_msg_via (c.strays->pdata[0], 0)->branch, "z9hG4bKother"));
  tu_clear (&tu);
  tu_clear (&tu2);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);

  /* Without a second transaction, the wrong-method response is a stray and
   * the REGISTER still retransmits to Timer F. */
  fx_init (&x);
  owner_init (&c, x.ch, NULL, TRUE);
  raw_init (&s, x.sh, SIP_PORT, react_mismatched);
  tu_init (&tu, x.ch);
  to = udp_peer (&x, &c);
  sip_txn_client_new (c.layer, req, &to, NULL, tu_func, &tu);
  fx_run (&x, SIM_S (60));
  g_assert_cmpuint (c.strays->len, ==, 2);
  g_assert_cmpuint (tu_count (&tu, SIP_TXN_RESPONSE), ==, 0);
  g_assert_cmpint (tu_rec (&tu, 0)->outcome, ==, SIP_TXN_TIMEOUT);
  g_assert_cmpuint (c.send_at->len, ==, 11);
  tu_clear (&tu);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);
}

/* §17.2.3: branch + sent-by + method; ACK matches its INVITE; CANCEL is
 * its own transaction; no magic cookie is rejected statelessly. */
static void
test_match_server (void)
{
  Fx x;
  Raw c;
  Owner s;
  scene_raw_client (&x, &c, &s, NULL);
  s.policy.invite_code = 486;
  s.policy.other_code = 200;
  SimSockAddr srv = { x.f.server_ip, SIP_PORT };

  g_autoptr (SipMsg) inv = make_request (SIP_METHOD_INVITE, "z9hG4bKsrv1");
  g_autoptr (SipMsg) inv_other_port = make_request_full (SIP_METHOD_INVITE, "z9hG4bKsrv1", 1,
                                                         "UDP", 5099, NULL, 0);
  g_autoptr (SipMsg) cancel = make_request (SIP_METHOD_CANCEL, "z9hG4bKsrv1");
  g_autoptr (SipMsg) ack = make_request_full (SIP_METHOD_ACK, "z9hG4bKsrv1", 1, "UDP",
                                              SIP_PORT, "srvtag77", 0);
  g_autoptr (SipMsg) ack_2xx = make_request_full (SIP_METHOD_ACK, "z9hG4bKsrv2", 1, "UDP",
                                                  SIP_PORT, "srvtag77", 0);
  raw_send (&c, inv, &srv);
  fx_run (&x, SIM_MS (100));
  g_assert_cmpuint (s.requests, ==, 1);
  SipTxn *target = sip_txn_layer_find_cancel_target (s.layer, cancel);
  g_assert_nonnull (target);
  g_assert_cmpint (sip_txn_get_kind (target), ==, SIP_TXN_KIND_IST);
  g_assert_cmpint (sip_txn_get_state (target), ==, SIP_TXN_STATE_COMPLETED);

  raw_send (&c, inv, &srv);                         /* retransmission: 486 again */
  raw_send (&c, cancel, &srv);                      /* a new NIST */
  raw_send (&c, inv_other_port, &srv);              /* other sent-by: a new IST */
  raw_send (&c, ack, &srv);                         /* matches the first IST */
  raw_send (&c, ack_2xx, &srv);                     /* matches nothing: to the TU */
  fx_run (&x, SIM_MS (200));
  g_assert_cmpuint (s.requests, ==, 3);
  g_assert_cmpuint (s.acks->len, ==, 1);
  g_assert_true (str_is (sip_msg_via (s.acks->pdata[0], 0)->branch, "z9hG4bKsrv2"));
  g_assert_cmpint (sip_txn_get_state (target), ==, SIP_TXN_STATE_CONFIRMED);
  g_assert_cmpuint (sip_txn_layer_get_stats (s.layer)->servers_created, ==, 3);
  /* §17.2.1: the retransmitted INVITE in Completed got the 486 again (not
   * the TU: requests is 3); then the CANCEL's 200 and the new IST's 486,
   * in the order sent.  The ACKs are never answered. */
  const guint want_status[] = { 486, 486, 200, 486 };
  g_assert_cmpuint (c.rx->len, ==, G_N_ELEMENTS (want_status));
  for (guint i = 0; i < G_N_ELEMENTS (want_status); i++)
    g_assert_cmpuint (sip_msg_status (raw_msg (&c, i)), ==, want_status[i]);
  g_assert_true (str_same (sip_msg_raw (raw_msg (&c, 1)), sip_msg_raw (raw_msg (&c, 0))));

  /* An RFC 2543 request (no magic cookie): stateless 400, no transaction. */
  g_autoptr (SipMsg) old = make_request (SIP_METHOD_OPTIONS, "1a2b3c");
  guint before = c.rx->len;
  raw_send (&c, old, &srv);
  fx_run (&x, SIM_MS (300));
  g_assert_cmpuint (s.requests, ==, 3);
  g_assert_cmpuint (c.rx->len, ==, before + 1);
  g_assert_cmpuint (sip_msg_status (raw_msg (&c, c.rx->len - 1)), ==, 400);
  g_assert_cmpuint (sip_txn_layer_get_stats (s.layer)->rejected_requests, ==, 1);

  raw_clear (&c);
  owner_clear (&s);
  fx_clear (&x);
}

/* ===================================================== 7-reentrancy */

/* The TU aborts its transaction on the first provisional: nothing more is
 * sent or reported. */
static void
test_abort_in_callback (void)
{
  Fx x;
  fx_init (&x);
  Owner c, s;
  owner_init (&c, x.ch, NULL, TRUE);
  owner_init (&s, x.sh, NULL, TRUE);
  s.policy.provisional = 100;
  Tu tu;
  tu_init (&tu, x.ch);
  tu.abort_on_provisional = TRUE;
  g_autoptr (SipMsg) req = make_request (SIP_METHOD_OPTIONS, "z9hG4bKabort1");
  SipTxnPeer to = udp_peer (&x, &c);
  sip_txn_client_new (c.layer, req, &to, NULL, tu_func, &tu);
  fx_run (&x, SIM_S (60));
  g_assert_cmpuint (tu.recs->len, ==, 1);
  g_assert_cmpuint (c.send_at->len, ==, 1);
  g_assert_cmpuint (sip_txn_layer_count (c.layer), ==, 0);
  tu_clear (&tu);
  owner_clear (&c);
  owner_clear (&s);
  fx_clear (&x);
}

/* The TU frees the whole layer from inside the request callback, with the
 * new server transaction on the stack. */
static void
test_free_layer_in_callback (void)
{
  Fx x;
  Raw c;
  Owner s;
  scene_raw_client (&x, &c, &s, NULL);
  s.policy.free_layer = 1;
  g_autoptr (SipMsg) inv = make_request (SIP_METHOD_INVITE, "z9hG4bKfree1");
  SimSockAddr srv = { x.f.server_ip, SIP_PORT };
  raw_send (&c, inv, &srv);
  raw_send_later (&c, SIM_MS (500), inv, &srv);
  fx_run (&x, SIM_S (5));
  g_assert_cmpuint (s.requests, ==, 1);
  g_assert_null (s.layer);
  g_assert_cmpuint (c.rx->len, ==, 0);             /* not even a 100 Trying */
  raw_clear (&c);
  owner_clear (&s);
  fx_clear (&x);

  /* After a 2xx the transaction's end is still to be reported (from a
   * zero-delay timer) when the layer goes: nothing may fire later. */
  fx_init (&x);
  raw_init (&c, x.ch, SIP_PORT, NULL);
  owner_init (&s, x.sh, NULL, TRUE);
  s.policy.invite_code = 200;
  s.policy.free_layer = 2;
  raw_send (&c, inv, &srv);
  fx_run (&x, SIM_S (5));
  g_assert_cmpuint (c.rx->len, ==, 1);
  g_assert_cmpuint (s.srv.recs->len, ==, 0);
  g_assert_cmpuint (sim_world_get_pending (x.f.world), ==, 0);
  raw_clear (&c);
  owner_clear (&s);
  fx_clear (&x);
}

/* A detached client transaction still absorbs retransmissions (Timer K)
 * and frees itself. */
static void
detach_on_final (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  tu_func (txn, ev, u);
  if (ev->outcome == SIP_TXN_RESPONSE && ev->status >= 200)
    sip_txn_set_func (txn, NULL, NULL);
}

static void
test_detach (void)
{
  Fx x;
  Owner c;
  Raw s;
  scene_raw_server (&x, &c, &s, react_200_thrice);
  Tu tu;
  tu_init (&tu, x.ch);
  g_autoptr (SipMsg) req = make_request (SIP_METHOD_REGISTER, "z9hG4bKdetach");
  SipTxnPeer to = udp_peer (&x, &c);
  sip_txn_client_new (c.layer, req, &to, NULL, detach_on_final, &tu);
  fx_run (&x, SIM_S (2));
  g_assert_cmpuint (sip_txn_layer_count (c.layer), ==, 1);
  fx_run (&x, SIM_S (20));
  g_assert_cmpuint (tu.recs->len, ==, 1);
  g_assert_cmpuint (sip_txn_layer_count (c.layer), ==, 0);
  g_assert_cmpuint (c.strays->len, ==, 1);         /* only the copy after K */
  tu_clear (&tu);
  raw_clear (&s);
  owner_clear (&c);
  fx_clear (&x);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/txn/1-rules/literal-rfc-numbers", test_rules_literal);
  g_test_add_func ("/sip/txn/2-nict/udp-silent-11-sends", test_nict_udp_silent);
  g_test_add_func ("/sip/txn/2-nict/timer-f-4s", test_nict_timer_f_4s);
  g_test_add_func ("/sip/txn/2-nict/timer-f-16s-per-txn", test_nict_timer_f_16s);
  g_test_add_func ("/sip/txn/2-nict/t1-t2", test_nict_t1);
  g_test_add_func ("/sip/txn/2-nict/trace", test_nict_trace);
  g_test_add_func ("/sip/txn/2-nict/provisional-t2", test_nict_provisional_t2);
  g_test_add_func ("/sip/txn/2-nict/timer-k-absorbs", test_nict_timer_k_absorbs);
  g_test_add_func ("/sip/txn/3-ict/udp-silent-7-sends", test_ict_udp_silent);
  g_test_add_func ("/sip/txn/3-ict/ack-for-non-2xx", test_ict_ack_for_non_2xx);
  g_test_add_func ("/sip/txn/3-ict/2xx-to-tu", test_ict_2xx_to_tu);
  g_test_add_func ("/sip/txn/3-ict/fork-2xx-in-completed", test_ict_fork_2xx_in_completed);
  g_test_add_func ("/sip/txn/3-ict/cancel-own-txn", test_ict_cancel_own_txn);
  g_test_add_func ("/sip/txn/4-server/nist-retransmitted-request", test_nist_retransmitted_request);
  g_test_add_func ("/sip/txn/4-server/ist-486-until-ack", test_ist_486_until_ack);
  g_test_add_func ("/sip/txn/4-server/ist-timer-h", test_ist_timer_h);
  g_test_add_func ("/sip/txn/4-server/ist-100-trying", test_ist_100_trying);
  g_test_add_func ("/sip/txn/4-server/ist-2xx-terminates", test_ist_2xx_terminates);
  g_test_add_func ("/sip/txn/4-server/response-address", test_server_response_address);
  g_test_add_func ("/sip/txn/5-transport/icmp-nict", test_icmp_nict);
  g_test_add_func ("/sip/txn/5-transport/icmp-ict", test_icmp_ict);
  g_test_add_func ("/sip/txn/5-transport/icmp-maps-to-remote", test_icmp_maps_to_remote);
  g_test_add_func ("/sip/txn/5-transport/icmp-server", test_icmp_server);
  g_test_add_func ("/sip/txn/5-transport/send-fails-synchronously", test_send_fails_synchronously);
  g_test_add_func ("/sip/txn/5-transport/per-txn-error", test_per_txn_error);
  g_test_add_func ("/sip/txn/5-transport/tcp-silent", test_tcp_silent);
  g_test_add_func ("/sip/txn/5-transport/tcp-answered", test_tcp_answered);
  g_test_add_func ("/sip/txn/5-transport/tcp-reset", test_tcp_reset);
  g_test_add_func ("/sip/txn/6-match/client", test_match_client);
  g_test_add_func ("/sip/txn/6-match/server", test_match_server);
  g_test_add_func ("/sip/txn/7-reentrancy/abort-in-callback", test_abort_in_callback);
  g_test_add_func ("/sip/txn/7-reentrancy/free-layer-in-callback", test_free_layer_in_callback);
  g_test_add_func ("/sip/txn/7-reentrancy/detach", test_detach);
  return g_test_run ();
}
