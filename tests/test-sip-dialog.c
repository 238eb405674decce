/*
 * tests/test-sip-dialog.c - INVITE dialogs (RFC 3261 §12, §13, §15) between
 * two user agents on the simulated network, real SIP bytes both ways.
 *
 *   caller 10.0.1.2 ──L── router ──L── 10.0.2.2 callee      (L = 10 ms)
 *
 * A message takes 2L one way.  Every expected instant is computed from the
 * RFC's rules (Timer B = 64*T1, §13.3.1.4's 2xx schedule T1 doubling up to
 * T2 until 64*T1) and the path delay, not taken from the code's output.
 */
#include <string.h>

#include "sim/host/host-sim.h"
#include "models/sip/builder.h"
#include "models/sip/dialog.h"
#include "tests/net-fixture.h"

#define L        SIM_MS (10)
#define ONE_WAY  (2 * L)
#define T1       SIM_MS (500)
#define T2       SIM_S (4)

typedef struct {
  SipDialogEventKind kind;
  guint              status;
  SipTxnOutcome      outcome;
  char               timer;
  SipDialogEnd       end;
  SimTime            at;
} Ev;

typedef struct {
  SimHost      *host;
  SimHostUdp   *udp;
  SipTxnLayer  *layer;
  SipDialogSet *set;
  SimRng        rng;
  SipDialog    *dlg;
  GArray       *evs;            /* Ev */
  char          ip[SIM_IP4_STRLEN];
  /* behaviour */
  gboolean      mute;           /* drop everything received */
  guint         drop_acks;      /* drop this many ACKs to 2xx */
  guint         answer;         /* UAS: 0 ring forever, 200 answer, else reject code */
  SimTime       answer_delay;
  HostTimer     answer_timer;
  /* what arrived */
  GArray       *ok_at;          /* SimTime of each 2xx to INVITE received */
  GArray       *ack_at;         /* SimTime of each ACK received (any) */
  GPtrArray    *rx;             /* every SipMsg received */
} Ua;

static void
ua_on_event (SipDialog *d, const SipDialogEvent *ev, gpointer u)
{
  Ua *ua = u;
  Ev e = { ev->kind, ev->status, ev->outcome, ev->timer, ev->end, host_now (ua->host) };
  g_array_append_val (ua->evs, e);
  if (ev->kind == SIP_DIALOG_EV_FAILED || ev->kind == SIP_DIALOG_EV_ENDED) {
    g_assert_true (d == ua->dlg);
    sip_dialog_free (d);                      /* allowed inside the callback (note 4) */
    ua->dlg = NULL;
  }
}

static void
ua_config (Ua *ua, SipDialogConfig *cfg, const char *user)
{
  static char uri[64], contact[64];
  g_snprintf (uri, sizeof uri, "sip:%s@example.test", user);
  g_snprintf (contact, sizeof contact, "sip:%s@%s:5060", user, ua->ip);
  *cfg = (SipDialogConfig) { .local_uri = uri, .contact_uri = contact, .via_host = ua->ip,
                             .via_port = 5060, .rport = TRUE, .user_agent = "test" };
}

static void
ua_answer_now (HostTimer *t, gpointer u)
{
  Ua *ua = u;
  (void) t;
  if (ua->dlg == NULL)
    return;
  if (ua->answer == 200)
    sip_dialog_answer (ua->dlg);
  else if (ua->answer >= 300) {
    sip_dialog_reject (ua->dlg, ua->answer);
    sip_dialog_free (ua->dlg);
    ua->dlg = NULL;
  }
}

static void
ua_request (SipTxnLayer *layer, SipTxn *txn, SipMsg *req, const SipTxnPeer *from, gpointer u)
{
  Ua *ua = u;
  (void) layer;
  if (sip_dialog_set_request (ua->set, txn, req, from))
    return;
  g_assert_cmpint (sip_msg_method (req), ==, SIP_METHOD_INVITE);
  g_assert_null (ua->dlg);
  SipDialogConfig cfg;
  ua_config (ua, &cfg, "bob");
  SipDialogFuncs f = { .event = ua_on_event };
  ua->dlg = sip_dialog_new_uas (ua->set, &cfg, txn, req, from, &f, ua);
  sip_dialog_ring (ua->dlg);
  host_timer_start (&ua->answer_timer, ua->answer_delay);
}

static void
ua_ack (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  Ua *ua = u;
  (void) layer;
  sip_dialog_set_ack (ua->set, msg, from);
}

static void
ua_stray (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  Ua *ua = u;
  (void) layer;
  sip_dialog_set_stray_response (ua->set, msg, from);
}

static SimNetError
ua_send (SipTxnLayer *layer, const SipTxnPeer *to, const guint8 *data, gsize len, gpointer u)
{
  Ua *ua = u;
  (void) layer;
  return host_udp_sendto (ua->udp, &to->addr, data, len, NULL) ? SIM_NET_OK
                                                              : SIM_NET_ERR_NO_ROUTE;
}

static void
ua_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  Ua *ua = u;
  if (ua->mute)
    return;
  g_autoptr (GError) err = NULL;
  SipMsg *m = sip_msg_parse (data, len, &err);
  g_assert_no_error (err);
  g_ptr_array_add (ua->rx, m);
  SimTime now = host_now (ua->host);
  if (sip_msg_is_request (m) && sip_msg_method (m) == SIP_METHOD_ACK) {
    g_array_append_val (ua->ack_at, now);
    const SipNameAddr *to = sip_msg_to (m);
    /* Only ACKs to a 2xx (a To tag and no INVITE transaction) are dropped. */
    if (ua->drop_acks > 0 && ua->dlg && !sip_dialog_is_uac (ua->dlg)
        && sip_dialog_get_state (ua->dlg) == SIP_DIALOG_CONFIRMED && to && sip_str_present (to->tag)) {
      ua->drop_acks--;
      return;
    }
  }
  if (!sip_msg_is_request (m) && sip_msg_status (m) >= 200 && sip_msg_status (m) < 300
      && sip_msg_cseq (m)->method == SIP_METHOD_INVITE)
    g_array_append_val (ua->ok_at, now);
  SipTxnPeer peer = { .addr = *from, .flow = s };
  sip_txn_layer_receive (ua->layer, m, &peer);
}

static void
ua_init (Ua *ua, SimNode *node, SimIp4 ip, const char *name)
{
  memset (ua, 0, sizeof *ua);
  ua->host = sim_host_new (node, name);
  sim_ip4_to_string (ip, ua->ip);
  SimSockAddr local = { SIM_IP4_ANY, 5060 };
  g_autoptr (GError) err = NULL;
  ua->udp = host_udp_open (ua->host, &local, ua_recv, NULL, ua, &err);
  g_assert_no_error (err);
  ua->layer = sip_txn_layer_new (ua->host, NULL, ua_send, ua);
  SipTxnTuFuncs tu = { ua_request, ua_ack, ua_stray };
  sip_txn_layer_set_tu (ua->layer, &tu, ua);
  host_rng_init (ua->host, &ua->rng, "ua");
  ua->set = sip_dialog_set_new (ua->layer, &ua->rng);
  ua->evs = g_array_new (FALSE, FALSE, sizeof (Ev));
  ua->ok_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  ua->ack_at = g_array_new (FALSE, FALSE, sizeof (SimTime));
  ua->rx = g_ptr_array_new_with_free_func ((GDestroyNotify) sip_msg_unref);
  host_timer_init (ua->host, &ua->answer_timer, ua_answer_now, ua);
}

static void
ua_clear (Ua *ua)
{
  host_timer_cancel (&ua->answer_timer);
  sip_dialog_free (ua->dlg);
  sip_dialog_set_free (ua->set);
  sip_txn_layer_free (ua->layer);
  host_udp_close (ua->udp);
  host_free (ua->host);
  g_array_unref (ua->evs);
  g_array_unref (ua->ok_at);
  g_array_unref (ua->ack_at);
  g_ptr_array_unref (ua->rx);
}

typedef struct {
  NetFixture f;
  Ua         a, b;            /* caller, callee */
} Fx;

static void
fx_init (Fx *x)
{
  net_fixture_init (&x->f, 7, L);
  ua_init (&x->a, x->f.client, x->f.client_ip, "caller");
  ua_init (&x->b, x->f.server, x->f.server_ip, "callee");
}

static void
fx_clear (Fx *x)
{
  ua_clear (&x->a);
  ua_clear (&x->b);
  net_fixture_clear (&x->f);
}

static void
fx_call (Fx *x)
{
  SipDialogConfig cfg;
  ua_config (&x->a, &cfg, "alice");
  SipTxnPeer hop = { .addr = { x->f.server_ip, 5060 } };
  SipDialogFuncs f = { .event = ua_on_event };
  x->a.dlg = sip_dialog_new_uac (x->a.set, &cfg, "sip:bob@10.0.2.2", NULL, &hop, &f, &x->a);
  g_assert_nonnull (x->a.dlg);
}

static const Ev *
ev_nth (Ua *ua, guint n)
{
  g_assert_cmpuint (n, <, ua->evs->len);
  return &g_array_index (ua->evs, Ev, n);
}

static void
run (Fx *x, SimTime until)
{
  sim_world_run_until (x->f.world, until);
}

/* 1: a whole call.  INVITE at 0; 180 and (after the ring time R) 200
 * reach the caller one way later; the ACK reaches the callee one way
 * after that; a BYE at H ends both sides one round trip later. */
static void
test_call_basic (void)
{
  Fx x;
  fx_init (&x);
  const SimTime R = SIM_S (3);
  x.b.answer = 200;
  x.b.answer_delay = R;
  fx_call (&x);
  run (&x, SIM_S (10));
  g_assert_cmpuint (x.a.evs->len, ==, 2);
  g_assert_cmpint (ev_nth (&x.a, 0)->kind, ==, SIP_DIALOG_EV_PROGRESS);
  g_assert_cmpuint (ev_nth (&x.a, 0)->status, ==, 180);
  g_assert_cmpint (ev_nth (&x.a, 0)->at, ==, 2 * ONE_WAY);
  g_assert_cmpint (ev_nth (&x.a, 1)->kind, ==, SIP_DIALOG_EV_ANSWERED);
  g_assert_cmpint (ev_nth (&x.a, 1)->at, ==, ONE_WAY + R + ONE_WAY);
  g_assert_cmpuint (x.b.evs->len, ==, 1);
  g_assert_cmpint (ev_nth (&x.b, 0)->kind, ==, SIP_DIALOG_EV_ANSWERED);
  g_assert_cmpint (ev_nth (&x.b, 0)->at, ==, ONE_WAY + R + 2 * ONE_WAY);
  /* The ACK stopped the 2xx: exactly one 2xx reached the caller. */
  g_assert_cmpuint (x.a.ok_at->len, ==, 1);
  g_assert_cmpuint (sip_dialog_set_get_stats (x.b.set)->ok_retransmissions, ==, 0);
  g_assert_cmpstr (sip_dialog_remote_target (x.a.dlg), ==, "sip:bob@10.0.2.2:5060");

  sip_dialog_hangup (x.a.dlg);
  SimTime bye_at = sim_world_now (x.f.world);
  run (&x, SIM_S (20));
  g_assert_null (x.a.dlg);
  g_assert_null (x.b.dlg);
  const Ev *ea = ev_nth (&x.a, 2), *eb = ev_nth (&x.b, 1);
  g_assert_cmpint (ea->kind, ==, SIP_DIALOG_EV_ENDED);
  g_assert_cmpint (ea->end, ==, SIP_DIALOG_END_LOCAL_BYE);
  g_assert_cmpuint (ea->status, ==, 200);
  g_assert_cmpint (ea->at, ==, bye_at + 2 * ONE_WAY);
  g_assert_cmpint (eb->end, ==, SIP_DIALOG_END_REMOTE_BYE);
  g_assert_cmpint (eb->at, ==, bye_at + ONE_WAY);
  fx_clear (&x);
}

/* The 2xx schedule of §13.3.1.4 relative to the first send: T1, 2T1, 4T1
 * ... capped at T2, nothing at or after 64*T1. */
static GArray *
expected_ok_sends (SimTime t1, SimTime t2, guint max)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (SimTime));
  SimTime t = 0, iv = t1;
  while (t < 64 * t1 && a->len < max) {
    g_array_append_val (a, t);
    t += iv;
    iv = MIN (2 * iv, t2);
  }
  return a;
}

/* 2: the callee never sees the ACK.  The 2xx goes out at 0, 0.5, 1.5,
 * 3.5, 7.5, 11.5 ... 31.5 s after the answer, each answered by a fresh
 * ACK from the caller (§13.2.2.4), and at 64*T1 = 32 s the callee gives
 * up: ENDED no-ack, and a BYE that ends the caller's side too. */
static void
test_ok_retransmitted_until_timer (void)
{
  Fx x;
  fx_init (&x);
  const SimTime R = SIM_S (1);
  x.b.answer = 200;
  x.b.answer_delay = R;
  x.b.drop_acks = 1000;
  fx_call (&x);
  run (&x, SIM_S (60));
  const SimTime answered = ONE_WAY + R;              /* the 2xx's first send */
  g_autoptr (GArray) want = expected_ok_sends (T1, T2, 100);
  /* RFC literal check of the helper: 0, .5, 1.5, 3.5, 7.5, 11.5 ... */
  g_assert_cmpint (g_array_index (want, SimTime, 4), ==, SIM_MS (7500));
  g_assert_cmpint (g_array_index (want, SimTime, 5), ==, SIM_MS (11500));
  g_assert_cmpint (g_array_index (want, SimTime, want->len - 1), ==, SIM_MS (31500));
  g_assert_cmpuint (x.a.ok_at->len, ==, want->len);
  for (guint i = 0; i < want->len; i++)
    g_assert_cmpint (g_array_index (x.a.ok_at, SimTime, i), ==,
                     answered + g_array_index (want, SimTime, i) + ONE_WAY);
  /* One ACK per 2xx: the first, then one per retransmission. */
  g_assert_cmpuint (x.b.ack_at->len, ==, want->len);
  g_assert_cmpuint (sip_dialog_set_get_stats (x.a.set)->acks_resent, ==, want->len - 1);
  /* The callee's end, at 64*T1. */
  const Ev *eb = ev_nth (&x.b, x.b.evs->len - 1);
  g_assert_cmpint (eb->kind, ==, SIP_DIALOG_EV_ENDED);
  g_assert_cmpint (eb->end, ==, SIP_DIALOG_END_NO_ACK);
  g_assert_cmpint (eb->timer, ==, 'H');
  g_assert_cmpint (eb->at, ==, answered + 64 * T1);
  const Ev *ea = ev_nth (&x.a, x.a.evs->len - 1);
  g_assert_cmpint (ea->end, ==, SIP_DIALOG_END_REMOTE_BYE);
  g_assert_cmpint (ea->at, ==, answered + 64 * T1 + ONE_WAY);
  fx_clear (&x);
}

/* 3: the first two ACKs are lost: the 2xx goes out at 0, T1, 3T1 and the
 * third ACK (after the third 2xx) stops it; the call is up. */
static void
test_ok_stops_on_ack (void)
{
  Fx x;
  fx_init (&x);
  x.b.answer = 200;
  x.b.answer_delay = 0;
  x.b.drop_acks = 2;
  fx_call (&x);
  run (&x, SIM_S (60));
  g_assert_cmpuint (x.a.ok_at->len, ==, 3);
  g_assert_cmpint (g_array_index (x.a.ok_at, SimTime, 2) - g_array_index (x.a.ok_at, SimTime, 0),
                   ==, 3 * T1);
  g_assert_nonnull (x.b.dlg);
  g_assert_cmpint (sip_dialog_get_state (x.b.dlg), ==, SIP_DIALOG_CONFIRMED);
  g_assert_cmpint (ev_nth (&x.b, 0)->kind, ==, SIP_DIALOG_EV_ANSWERED);
  g_assert_cmpint (ev_nth (&x.b, 0)->at, ==, ONE_WAY + 3 * T1 + 2 * ONE_WAY);
  fx_clear (&x);
}

/* 4: Timer B: a silent callee; the INVITE fails at 64*T1 = 32 s. */
static void
test_timer_b (void)
{
  Fx x;
  fx_init (&x);
  x.b.mute = TRUE;
  fx_call (&x);
  run (&x, SIM_S (60));
  g_assert_cmpuint (x.a.evs->len, ==, 1);
  const Ev *e = ev_nth (&x.a, 0);
  g_assert_cmpint (e->kind, ==, SIP_DIALOG_EV_FAILED);
  g_assert_cmpint (e->outcome, ==, SIP_TXN_TIMEOUT);
  g_assert_cmpint (e->timer, ==, 'B');
  g_assert_cmpint (e->at, ==, 64 * T1);
  g_assert_null (x.a.dlg);
  fx_clear (&x);
}

/* 5: 486 Busy Here: the caller's INVITE transaction ACKs it (§17.1.1.3:
 * same branch as the INVITE, CSeq method ACK), so the callee's 486 is
 * sent once (the ACK stops Timer G) and the caller fails with 486. */
static void
test_busy_ack_non2xx (void)
{
  Fx x;
  fx_init (&x);
  x.b.answer = 486;
  x.b.answer_delay = SIM_S (2);
  fx_call (&x);
  run (&x, SIM_S (60));
  const Ev *e = ev_nth (&x.a, x.a.evs->len - 1);
  g_assert_cmpint (e->kind, ==, SIP_DIALOG_EV_FAILED);
  g_assert_cmpuint (e->status, ==, 486);
  g_assert_cmpint (e->at, ==, ONE_WAY + SIM_S (2) + ONE_WAY);
  g_assert_cmpuint (x.b.ack_at->len, ==, 1);
  SipMsg *invite = NULL, *ack = NULL;
  for (guint i = 0; i < x.b.rx->len; i++) {
    SipMsg *m = x.b.rx->pdata[i];
    if (sip_msg_is_request (m) && sip_msg_method (m) == SIP_METHOD_INVITE)
      invite = m;
    if (sip_msg_is_request (m) && sip_msg_method (m) == SIP_METHOD_ACK)
      ack = m;
  }
  g_assert_nonnull (invite);
  g_assert_nonnull (ack);
  g_autofree char *invite_branch = sip_str_dup (sip_msg_via (invite, 0)->branch);
  g_assert_true (sip_str_eq (sip_msg_via (ack, 0)->branch, invite_branch));
  g_assert_cmpuint (sip_msg_cseq (ack)->seq, ==, sip_msg_cseq (invite)->seq);
  guint n486 = 0;
  for (guint i = 0; i < x.a.rx->len; i++)
    if (sip_msg_status (x.a.rx->pdata[i]) == 486)
      n486++;
  g_assert_cmpuint (n486, ==, 1);
  fx_clear (&x);
}

/* 6: CANCEL (§9): the caller gives up after 5 s of ringing; the callee
 * answers 200 to the CANCEL and 487 to the INVITE; both fail with 487. */
static void
test_cancel (void)
{
  Fx x;
  fx_init (&x);
  x.b.answer = 0;                                  /* rings forever */
  fx_call (&x);
  run (&x, SIM_S (5));
  sip_dialog_hangup (x.a.dlg);
  run (&x, SIM_S (60));
  g_assert_null (x.a.dlg);
  g_assert_null (x.b.dlg);
  const Ev *ea = ev_nth (&x.a, x.a.evs->len - 1), *eb = ev_nth (&x.b, x.b.evs->len - 1);
  g_assert_cmpint (ea->kind, ==, SIP_DIALOG_EV_FAILED);
  g_assert_cmpuint (ea->status, ==, 487);
  g_assert_cmpint (ea->at, ==, SIM_S (5) + 2 * ONE_WAY);
  g_assert_cmpint (eb->kind, ==, SIP_DIALOG_EV_FAILED);
  g_assert_cmpuint (eb->status, ==, 487);
  g_assert_cmpint (eb->at, ==, SIM_S (5) + ONE_WAY);
  fx_clear (&x);
}

/* 7: a BYE into the void: the callee vanishes after the call is up; the
 * caller's BYE times out at Timer F = 64*T1 and the call ends as one that
 * lost its signalling path. */
static void
test_bye_lost (void)
{
  Fx x;
  fx_init (&x);
  x.b.answer = 200;
  fx_call (&x);
  run (&x, SIM_S (2));
  x.b.mute = TRUE;
  sip_dialog_hangup (x.a.dlg);
  run (&x, SIM_S (60));
  const Ev *ea = ev_nth (&x.a, x.a.evs->len - 1);
  g_assert_cmpint (ea->kind, ==, SIP_DIALOG_EV_ENDED);
  g_assert_cmpint (ea->end, ==, SIP_DIALOG_END_BYE_FAILED);
  g_assert_cmpint (ea->timer, ==, 'F');
  g_assert_cmpint (ea->at, ==, SIM_S (2) + 64 * T1);
  fx_clear (&x);
}

/* 8: an in-dialog request for no dialog gets 481 (§12.2.2). */
static void
test_bye_no_dialog_481 (void)
{
  Fx x;
  fx_init (&x);
  x.b.answer = 200;
  fx_call (&x);
  run (&x, SIM_S (2));
  /* The callee forgets the call (a crash of its dialog state). */
  sip_dialog_free (x.b.dlg);
  x.b.dlg = NULL;
  sip_dialog_hangup (x.a.dlg);
  run (&x, SIM_S (10));
  const Ev *ea = ev_nth (&x.a, x.a.evs->len - 1);
  g_assert_cmpint (ea->end, ==, SIP_DIALOG_END_BYE_FAILED);
  g_assert_cmpuint (ea->status, ==, 481);
  g_assert_cmpuint (sip_dialog_set_get_stats (x.b.set)->no_dialog_481, ==, 1);
  fx_clear (&x);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/dialog/1-call", test_call_basic);
  g_test_add_func ("/sip/dialog/2-ok-retransmitted-until-64T1", test_ok_retransmitted_until_timer);
  g_test_add_func ("/sip/dialog/3-ok-stops-on-ack", test_ok_stops_on_ack);
  g_test_add_func ("/sip/dialog/4-timer-b", test_timer_b);
  g_test_add_func ("/sip/dialog/5-busy-ack-non2xx", test_busy_ack_non2xx);
  g_test_add_func ("/sip/dialog/6-cancel", test_cancel);
  g_test_add_func ("/sip/dialog/7-bye-lost", test_bye_lost);
  g_test_add_func ("/sip/dialog/8-bye-no-dialog-481", test_bye_no_dialog_481);
  return g_test_run ();
}
