/*
 * experiment/run-calls.c - the call workloads of a run ([calls NAME],
 * spec.h SpecCalls; doc/scenarios.md "Calls").
 *
 * Notes
 *
 * 1. Processes.  Every calling instance of a [calls] section runs its own
 *    Poisson process: a device instance of `from` (outgoing calls), or,
 *    for a generator (`from` a proxy), one process per instance of `to`
 *    (inbound calls toward it).  Inter-arrival times are exponential with
 *    mean 1/rate, hold times exponential with mean `hold`, both drawn
 *    from the process's own stream "calls/NAME/INSTANCE" of the callgen
 *    host, so adding a device or a section never changes another
 *    process's draws (DESIGN.md principle 3).
 *
 * 2. The callgen node (callgen_addr, one link to the core like a server)
 *    is built only when the scenario has [calls] sections, so scenarios
 *    without calls keep their traces.  It is both the sink (`to = sink`:
 *    every INVITE is answered 180 + 200 at once; the caller hangs up) and
 *    the generator: an inbound call is an INVITE from it to the `from`
 *    proxy with the Request-URI sip:AOR of the called unit, so the proxy's
 *    location service decides whether the phone is reached.  The
 *    generator hangs up after the hold time.
 *
 * 3. Observations.  Device-placed calls are observed through the device's
 *    own DEVICE_EVENT_CALL events.  An inbound call is observed at the
 *    generator: its STARTED, ESTABLISHED, FAILED, ENDED, LOST become
 *    ObsEvents of the called unit with generator = TRUE (metrics.h), so
 *    a call that never reached the phone is counted too.
 *
 * Ownership: the Run owns its RunCalls (run->calls), freed by
 * run_calls_free() before the world.
 */
#include "experiment/run-private.h"
#include "models/sip/builder.h"
#include "models/sip/dialog.h"

#include <string.h>

typedef struct Proc Proc;
typedef struct GenCall GenCall;

struct Proc {
  RunCalls        *rc;
  const SpecCalls *sc;
  RunDevice       *caller;        /* outgoing: the calling instance */
  guint            callee;        /* generator: the called instance (device index) */
  SimRng           rng;
  HostTimer        timer;
};

struct GenCall {
  RunCalls  *rc;
  SipDialog *dlg;
  guint      unit;
  guint      id;
  SimTime    hold;
  gboolean   established;
  HostTimer  hold_timer;
};

struct RunCalls {
  Run          *run;
  SimHost      *host;
  SimHostUdp   *udp;
  SipTxnLayer  *layer;
  SipDialogSet *set;
  SimRng        rng;
  char          ip[SIM_IP4_STRLEN];
  GPtrArray    *procs;            /* Proc * */
  GPtrArray    *gen_calls;        /* GenCall *, live */
  GPtrArray    *sink_dialogs;     /* SipDialog *, live */
  guint         next_id;
};

/* ----------------------------------------------------------- transport */

static SimNetError
cg_send (SipTxnLayer *layer, const SipTxnPeer *to, const guint8 *data, gsize len, gpointer u)
{
  RunCalls *rc = u;
  (void) layer;
  return host_udp_sendto (rc->udp, &to->addr, data, len, NULL) ? SIM_NET_OK
                                                               : SIM_NET_ERR_NO_ROUTE;
}

static void
cg_recv (SimHostUdp *s, const SimSockAddr *from, const guint8 *data, gsize len, gpointer u)
{
  RunCalls *rc = u;
  g_autoptr (SipMsg) m = sip_msg_parse (data, len, NULL);
  if (m == NULL)
    return;                                     /* counted nowhere: nothing sends garbage here */
  SipTxnPeer peer = { .addr = *from, .flow = s };
  sip_txn_layer_receive (rc->layer, m, &peer);
}

static void
cg_udp_error (SimHostUdp *s, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  RunCalls *rc = u;
  sip_txn_layer_transport_error (rc->layer, s, remote, err);
}

/* The callgen's side of a dialog as @user; @uri and @contact are the
 * caller's buffers (runs run on several threads: nothing static). */
static SipDialogConfig
cg_config (RunCalls *rc, const char *user, char uri[64], char contact[64])
{
  g_snprintf (uri, 64, "sip:%s@%s", user, rc->ip);
  g_snprintf (contact, 64, "sip:%s@%s:5060", user, rc->ip);
  return (SipDialogConfig) { .local_uri = uri, .contact_uri = contact, .via_host = rc->ip,
                             .via_port = 5060, .rport = TRUE, .user_agent = "sipsim-callgen" };
}

/* --------------------------------------------------------------- sink */

static void
sink_on_event (SipDialog *d, const SipDialogEvent *ev, gpointer u)
{
  RunCalls *rc = u;
  if (ev->kind == SIP_DIALOG_EV_FAILED || ev->kind == SIP_DIALOG_EV_ENDED) {
    g_ptr_array_remove (rc->sink_dialogs, d);
    sip_dialog_free (d);
  }
}

static void
cg_request (SipTxnLayer *layer, SipTxn *txn, SipMsg *req, const SipTxnPeer *from, gpointer u)
{
  RunCalls *rc = u;
  (void) layer;
  if (sip_dialog_set_request (rc->set, txn, req, from))
    return;
  if (sip_msg_method (req) != SIP_METHOD_INVITE) {
    SipBuilder *b = sip_builder_response (req, 405, NULL, NULL);
    g_autoptr (SipMsg) r = sip_builder_finish_msg (b);
    sip_txn_respond (txn, r);
    return;
  }
  char uri[64], contact[64];
  SipDialogConfig cfg = cg_config (rc, "sink", uri, contact);
  SipDialogFuncs f = { .event = sink_on_event };
  SipDialog *d = sip_dialog_new_uas (rc->set, &cfg, txn, req, from, &f, rc);
  g_ptr_array_add (rc->sink_dialogs, d);
  sip_dialog_ring (d);
  sip_dialog_answer (d);
}

static void
cg_ack (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  (void) layer;
  sip_dialog_set_ack (((RunCalls *) u)->set, msg, from);
}

static void
cg_stray (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  (void) layer;
  sip_dialog_set_stray_response (((RunCalls *) u)->set, msg, from);
}

/* ---------------------------------------------------------- generator */

static void
gen_observe (GenCall *g, DeviceCallPhase phase, guint status)
{
  Run *run = g->rc->run;
  ObsEvent o = { .unit = g->unit, .generator = TRUE };
  o.ev.kind = DEVICE_EVENT_CALL;
  o.ev.time = host_now (g->rc->host);
  o.ev.account = g_array_index (run->obs->units, ObsUnit, g->unit).account;
  o.ev.call_id = g->id;
  o.ev.call_phase = phase;
  o.ev.incoming = TRUE;
  o.ev.status = status;
  run_observe_event (run, &o);
  host_trace (g->rc->host, "callgen call %u %s %u", g->id, device_call_phase_to_string (phase),
              status);
}

static void
gen_free (GenCall *g)
{
  host_timer_cancel (&g->hold_timer);
  sip_dialog_free (g->dlg);
  g_free (g);
}

static void
gen_over (GenCall *g, DeviceCallPhase phase, guint status)
{
  g_ptr_array_remove (g->rc->gen_calls, g);
  gen_observe (g, phase, status);
  gen_free (g);
}

static void
gen_on_event (SipDialog *d, const SipDialogEvent *ev, gpointer u)
{
  GenCall *g = u;
  (void) d;
  switch (ev->kind) {
  case SIP_DIALOG_EV_ANSWERED:
    g->established = TRUE;
    gen_observe (g, DEVICE_CALL_ESTABLISHED, ev->status);
    host_timer_start (&g->hold_timer, g->hold);
    break;
  case SIP_DIALOG_EV_FAILED:
    gen_over (g, DEVICE_CALL_FAILED, ev->status);
    break;
  case SIP_DIALOG_EV_ENDED:
    gen_over (g, ev->end == SIP_DIALOG_END_BYE_FAILED || ev->end == SIP_DIALOG_END_NO_ACK
                 ? DEVICE_CALL_LOST : DEVICE_CALL_ENDED, ev->status);
    break;
  case SIP_DIALOG_EV_PROGRESS:
  default:
    break;
  }
}

static void
gen_on_hold (HostTimer *t, gpointer u)
{
  GenCall *g = u;
  (void) t;
  sip_dialog_hangup (g->dlg);
}

/* ------------------------------------------------------------ arrivals */

static SimTime
draw_exp (SimRng *rng, double mean_s)
{
  return sim_time_from_s (sim_rng_exponential (rng, mean_s));
}

static const char *
unit_aor (Run *run, RunDevice *rd)
{
  guint u = rd->unit_of_account[1];
  return u == G_MAXUINT ? NULL : g_array_index (run->obs->units, ObsUnit, u).aor;
}

static void
proc_fire (HostTimer *t, gpointer u)
{
  Proc *p = u;
  RunCalls *rc = p->rc;
  Run *run = rc->run;
  const SpecCalls *sc = p->sc;
  (void) t;
  host_timer_start (&p->timer, draw_exp (&p->rng, 1.0 / sc->rate));
  SimTime hold = MAX (draw_exp (&p->rng, sim_time_to_s (sc->hold)), SIM_MS (1));

  if (p->caller) {
    /* Outgoing: to the sink, or to a random other instance of `to`. */
    g_autofree char *uri = NULL;
    if (sc->to_device < 0) {
      uri = g_strdup_printf ("sip:sink@%s", rc->ip);
    } else {
      GPtrArray *cands = g_ptr_array_new ();
      for (guint i = 0; i < run->devices->len; i++) {
        RunDevice *rd = run->devices->pdata[i];
        if ((gint) rd->spec_index == sc->to_device && rd != p->caller && unit_aor (run, rd))
          g_ptr_array_add (cands, rd);
      }
      if (cands->len > 0) {
        RunDevice *to = cands->pdata[sim_rng_below (&p->rng, cands->len)];
        uri = g_strdup_printf ("sip:%s", unit_aor (run, to));
      }
      g_ptr_array_free (cands, TRUE);
    }
    if (uri)
      device_call_start (p->caller->device, 1, uri, hold);
    return;
  }

  /* Inbound (note 2): INVITE to the `from` proxy for the called unit. */
  RunDevice *rd = run->devices->pdata[p->callee];
  const char *aor = unit_aor (run, rd);
  if (aor == NULL)
    return;
  const SipProxyConfig *pc = &g_array_index (run->spec->proxies, SpecProxy, sc->from_proxy).cfg;
  SimSockAddr proxy = { g_array_index (run->spec->proxies, SpecProxy, sc->from_proxy).addr,
                        pc->port ? pc->port : 5060 };
  GenCall *g = g_new0 (GenCall, 1);
  g->rc = rc;
  g->unit = rd->unit_of_account[1];
  g->id = ++rc->next_id;
  g->hold = hold;
  host_timer_init (rc->host, &g->hold_timer, gen_on_hold, g);
  g_ptr_array_add (rc->gen_calls, g);
  char uri[64], contact[64];
  SipDialogConfig cfg = cg_config (rc, "gen", uri, contact);
  g_autofree char *ruri = g_strdup_printf ("sip:%s", aor);
  SipTxnPeer hop = { .addr = proxy, .flow = rc->udp };
  SipDialogFuncs f = { .event = gen_on_event };
  g->dlg = sip_dialog_new_uac (rc->set, &cfg, ruri, NULL, &hop, &f, g);
  gen_observe (g, DEVICE_CALL_STARTED, 0);
}

static void
add_proc (RunCalls *rc, const SpecCalls *sc, RunDevice *caller, guint callee,
          const char *instance)
{
  Proc *p = g_new0 (Proc, 1);
  p->rc = rc;
  p->sc = sc;
  p->caller = caller;
  p->callee = callee;
  g_autofree char *stream = g_strdup_printf ("calls/%s/%s", sc->name, instance);
  host_rng_init (rc->host, &p->rng, stream);
  host_timer_init (rc->host, &p->timer, proc_fire, p);
  host_timer_start (&p->timer, sc->start + draw_exp (&p->rng, 1.0 / sc->rate));
  g_ptr_array_add (rc->procs, p);
}

/* ----------------------------------------------------------- lifecycle */

gboolean
run_calls_build (Run *run)
{
  const RunSpec *spec = run->spec;
  if (spec->calls->len == 0)
    return TRUE;
  RunCalls *rc = g_new0 (RunCalls, 1);
  run->calls = rc;
  rc->run = run;
  rc->procs = g_ptr_array_new_with_free_func (g_free);
  rc->gen_calls = g_ptr_array_new ();
  rc->sink_dialogs = g_ptr_array_new ();
  rc->host = run_world_server_host (run, spec->callgen_addr, "callgen");
  if (rc->host == NULL)
    return FALSE;
  sim_ip4_to_string (spec->callgen_addr, rc->ip);
  SimSockAddr local = { SIM_IP4_ANY, 5060 };
  GError *err = NULL;
  rc->udp = host_udp_open (rc->host, &local, cg_recv, cg_udp_error, rc, &err);
  if (rc->udp == NULL) {
    run_fail (run, "callgen: %s", err->message);
    g_error_free (err);
    return FALSE;
  }
  rc->layer = sip_txn_layer_new (rc->host, NULL, cg_send, rc);
  SipTxnTuFuncs tu = { cg_request, cg_ack, cg_stray };
  sip_txn_layer_set_tu (rc->layer, &tu, rc);
  host_rng_init (rc->host, &rc->rng, "callgen");
  rc->set = sip_dialog_set_new (rc->layer, &rc->rng);

  for (guint s = 0; s < spec->calls->len; s++) {
    const SpecCalls *sc = &g_array_index (spec->calls, SpecCalls, s);
    for (guint i = 0; i < run->devices->len; i++) {
      RunDevice *rd = run->devices->pdata[i];
      if (sc->from_device >= 0 && (gint) rd->spec_index == sc->from_device)
        add_proc (rc, sc, rd, 0, rd->name);
      else if (sc->from_proxy >= 0 && (gint) rd->spec_index == sc->to_device)
        add_proc (rc, sc, NULL, i, rd->name);
    }
  }
  return TRUE;
}

void
run_calls_free (Run *run)
{
  RunCalls *rc = g_steal_pointer (&run->calls);
  if (rc == NULL)
    return;
  if (rc->procs)
    for (guint i = 0; i < rc->procs->len; i++)
      host_timer_cancel (&((Proc *) rc->procs->pdata[i])->timer);
  for (guint i = 0; i < rc->gen_calls->len; i++)
    gen_free (rc->gen_calls->pdata[i]);
  for (guint i = 0; i < rc->sink_dialogs->len; i++)
    sip_dialog_free (rc->sink_dialogs->pdata[i]);
  g_ptr_array_unref (rc->gen_calls);
  g_ptr_array_unref (rc->sink_dialogs);
  g_clear_pointer (&rc->procs, g_ptr_array_unref);
  sip_dialog_set_free (rc->set);
  sip_txn_layer_free (rc->layer);
  host_udp_close (rc->udp);
  host_free (rc->host);
  g_free (rc);
}
