/*
 * models/device/account.c - one account (SPn): its socket, the shared
 * helpers of the account's files, and its lifecycle.  The policy that
 * decides where and when the account registers is split by concern
 * (account-private.h has the map):
 *
 *   account-rounds.c     rounds and the candidate walk (B5..B8, B17..B19,
 *                        B25, B38), with the round state machine
 *   account-failback.c   failback probes (B20)
 *   account-keepalive.c  keep-alive scheduling (B23, B40, RFC 5626)
 *   account-nat.c        NAT mapping and remap (B39, B45), port move (B9)
 *   account-secondary.c  the secondary leg (B21)
 *
 * The bytes are built by reg.c and keepalive.c; the account files only
 * decide.
 *
 * Notes
 *
 * 1. One socket per account (B3, B44): REGISTER, keep-alives, STUN and
 *    inbound requests share it, so the NAT binding that carries the
 *    registration is the one the keep-alives refresh.  The account's
 *    SipTransport (models/sip/transport.h) classifies each datagram (SIP,
 *    STUN, keep-alive ping, garbage) and frames the connections of a
 *    TCP/TLS account (account-conn.c); malformed ones are counted and
 *    dropped.  A STUN request that is not an answer to ours is answered
 *    (RFC 5389 binding server).
 *
 * 2. Ownership.  The Device owns its accounts (device_account_new/free).
 *    An account owns its transport, transaction layer, STUN client,
 *    keep-alive sender, both registration legs, the candidate list, the
 *    blocked-server array, its strings and all six timers (embedded, so
 *    device_account_free() cancels them).  acc->cfg points into the
 *    Device's configuration and is not owned.
 *
 * 3. The state shown to the owner (DeviceAccountState) is set only by
 *    acc_set_state(): REGISTERED wins while a binding is in force
 *    (account-rounds.c note 3).
 */
#include <string.h>

#include "models/device/account-private.h"
#include "models/sip/builder.h"
#include "models/sip/framing.h"
#include "models/stun/msg.h"
#include "models/stun/responder.h"

/* ------------------------------------------------------------- helpers */

void
acc_trace_begin (DeviceAccount *acc)
{
  /* "dev SP1 " as one piece whose hash the account keeps. */
  host_trace_begin (acc_host (acc));
  host_trace_str_hashed (acc_host (acc), acc->trace_prefix, acc->trace_prefix_len,
                         acc->trace_prefix_hash);
}

void
acc_trace (DeviceAccount *acc, const char *fmt, ...)
{
  /* In pieces, so the message is formatted once, and only if read. */
  acc_trace_begin (acc);
  va_list ap;
  va_start (ap, fmt);
  host_trace_printfv (acc_host (acc), fmt, ap);
  va_end (ap);
  host_trace_end (acc_host (acc));
}

/* The state shown while no binding is in force. */
void
acc_set_state (DeviceAccount *acc, DeviceAccountState s)
{
  if (acc->registered && s != DEVICE_ACC_REGISTERED && s != DEVICE_ACC_DISABLED)
    s = DEVICE_ACC_REGISTERED;               /* note 3 */
  if (s == acc->state)
    return;
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_STATE);
  ev.from = acc->state;
  ev.to = s;
  acc->state = s;
  acc_trace (acc, "state %s -> %s", device_account_state_to_string (ev.from),
             device_account_state_to_string (s));
  device_emit (acc->dev, &ev);
}

gboolean
acc_redundancy (const DeviceAccount *acc)
{
  /* B18: redundancy needs the switch and a name with several candidates
   * (an IP literal gives one, so the "domain name" precondition holds by
   * construction). */
  /* With two RFC 5626 flows each belongs to its outbound proxy (§4.2):
   * no failover between them (account-flow2.c note 1). */
  if (acc->cfg->outbound_flows > 1 && acc->cfg->outbound
      && acc->transport != DEVICE_TRANSPORT_UDP)
    return FALSE;
  return acc->cfg->redundancy && acc->list != NULL && acc->list->n > 1;
}

gboolean
acc_is_blocked (DeviceAccount *acc, const SimSockAddr *a)
{
  if (acc->blocked == NULL)
    return FALSE;
  SimTime now = host_now (acc_host (acc));
  for (guint i = 0; i < acc->blocked->len; i++) {
    BlockedServer *b = &g_array_index (acc->blocked, BlockedServer, i);
    if (sim_sockaddr_equal (&b->addr, a))
      return b->until > now;
  }
  return FALSE;
}

void
acc_block (DeviceAccount *acc, const SimSockAddr *a, gint64 seconds)
{
  SimTime until = host_now (acc_host (acc)) + SIM_S (seconds);
  if (acc->blocked == NULL)              /* the first Retry-After (device-private.h) */
    acc->blocked = g_array_new (FALSE, FALSE, sizeof (BlockedServer));
  for (guint i = 0; i < acc->blocked->len; i++) {
    BlockedServer *b = &g_array_index (acc->blocked, BlockedServer, i);
    if (sim_sockaddr_equal (&b->addr, a)) {
      b->until = until;
      return;
    }
  }
  BlockedServer b = { *a, until };
  g_array_append_val (acc->blocked, b);
}

/* The local address toward @dst, for Via and the unmapped contact. */
SimIp4
acc_local_ip (DeviceAccount *acc, SimIp4 dst)
{
  SimIp4 ip = acc->local.ip;
  if (ip == SIM_IP4_ANY && !host_get_local_addr (acc_host (acc), dst, &ip))
    ip = SIM_IP4_ANY;
  return ip;
}

void
acc_contact_for (DeviceAccount *acc, SimIp4 dst, SimSockAddr *out)
{
  if (acc->cfg->use_mapped_contact && acc->mapped_known)
    *out = acc->mapped;                              /* B39 */
  else
    *out = (SimSockAddr) { acc_local_ip (acc, dst), acc->local.port };
}

/* ---------------------------------------------------------- transport */

static SimNetError
acc_layer_send (SipTxnLayer *layer, const SipTxnPeer *to, const guint8 *data, gsize len,
                gpointer u)
{
  (void) layer;
  return device_account_send_peer (u, to, data, len);
}

static SimNetError
acc_stun_send (const SimSockAddr *to, const guint8 *data, gsize len, gpointer u)
{
  return device_account_send (u, to, data, len);
}

static void
acc_on_layer_request (SipTxnLayer *layer, SipTxn *txn, SipMsg *request,
                      const SipTxnPeer *from, gpointer u)
{
  (void) layer;
  device_answer_request (u, txn, request, from);
}

/* ACK to a 2xx and 2xx retransmissions: the calls' (call.c). */
static void
acc_on_layer_ack (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  (void) layer;
  device_calls_on_ack (u, msg, from);
}

static void
acc_on_layer_stray (SipTxnLayer *layer, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  (void) layer;
  device_calls_on_stray (u, msg, from);
}

/* Note 1: what the transport classified and parsed (models/sip/transport.h
 * counts and drops what does not parse; those are added to malformed in
 * device_get_stats). */
static void
acc_on_tp_message (SipTransport *tp, SipMsg *msg, const SipTxnPeer *from, gpointer u)
{
  DeviceAccount *acc = u;
  DeviceStats *st = &acc->dev->stats;
  st->bytes_received += sip_msg_raw (msg).len;
  if (!sip_msg_is_request (msg) && sip_msg_via_count (msg) != 1) {
    acc->dev->malformed_own++;                 /* §18.1.2: discard */
    return;
  }
  sip_txn_layer_receive (acc->layer, msg, from);
  acc_check_invariants (acc);
}

static void
acc_on_tp_stun (SipTransport *tp, const guint8 *data, gsize len, const SipTxnPeer *from,
                gpointer u)
{
  DeviceAccount *acc = u;
  DeviceStats *st = &acc->dev->stats;
  st->bytes_received += len;
  if (!from->reliable && stun_client_receive (acc->stun, &from->addr, data, len)) {
    acc_check_invariants (acc);
    return;
  }
  g_autoptr (StunMsg) m = stun_msg_parse (data, len, NULL);
  if (m == NULL) {
    acc->dev->malformed_own++;
    return;
  }
  g_autoptr (GBytes) ans = stun_responder_answer (m, &from->addr, NULL);
  if (ans)
    device_account_send_peer (acc, from, g_bytes_get_data (ans, NULL), g_bytes_get_size (ans));
}

static void
acc_on_tp_keepalive (SipTransport *tp, SipDgramKind kind, const SipTxnPeer *from, gpointer u)
{
  (void) u;                                    /* nothing for a UA to do */
}

static void
acc_on_tp_udp_error (SipTransport *tp, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  DeviceAccount *acc = u;
  if (!acc->cfg->icmp_ends_transaction) {
    /* B48 (libre): the SIP socket is unconnected and has no error
     * handler, so an ICMP error changes nothing: Timer F runs. */
    char b[SIM_SOCKADDR_STRLEN];
    acc_trace (acc, "icmp %s from %s ignored", sim_net_error_to_string (err),
               addr_str (remote, b));
    return;
  }
  /* An ICMP error ends the transactions toward @remote at once (B38). */
  sip_txn_layer_transport_error (acc->layer, NULL, remote, err);
  stun_client_transport_error (acc->stun, remote, err);
  acc_check_invariants (acc);
}

static void
acc_on_tp_flow (SipTransport *tp, const SipFlowEvent *ev, gpointer u)
{
  DeviceAccount *acc = u;
  acc_on_flow (acc, ev);
  acc_check_invariants (acc);
}

/* ----------------------------------------------------------- lifecycle */

/* What every leg of @acc is made with.  The legs borrow these strings
 * (reg.h): acc->user, domain and auth_username are freed after the legs
 * (device_account_free); the config and dev->instance outlive the
 * account. */
static void
acc_reg_identity (const DeviceAccount *acc, DeviceRegIdentity *rid)
{
  const Device *dev = acc->dev;
  *rid = (DeviceRegIdentity) {
    .user = acc->user,
    .domain = acc->domain,
    .domain_port = 0,
    .auth_username = acc->auth_username,
    .auth_password = acc->cfg->auth_password,
    .instance = acc->cfg->include_instance ? dev->instance : NULL,
    .user_agent = dev->cfg->user_agent && dev->cfg->user_agent[0] ? dev->cfg->user_agent : NULL,
    .trace_name = acc->name,
  };
}

DeviceReg *
acc_leg (DeviceAccount *acc, DeviceReg **leg, char **tag)
{
  if (*leg == NULL)
    {
      g_assert (*tag != NULL);
      DeviceRegIdentity rid;
      acc_reg_identity (acc, &rid);
      *leg = device_reg_new_tagged (acc->layer, &acc->rng, acc->cfg, &rid,
                                    g_steal_pointer (tag));
    }
  return *leg;
}

DeviceAccount *
device_account_new (Device *dev, guint n, const DeviceAccountIdentity *id, GError **error)
{
  const DeviceAccountConfig *cfg = &dev->cfg->accounts[n - 1];
  DeviceAccount *acc = g_new0 (DeviceAccount, 1);
  acc->dev = dev;
  acc->n = n;
  acc->cfg = cfg;
  g_snprintf (acc->name, sizeof acc->name, "SP%u", n);
  acc->trace_prefix_len = (gsize) g_snprintf (acc->trace_prefix, sizeof acc->trace_prefix,
                                              "dev %s ", acc->name);
  acc->trace_prefix_hash = host_trace_hash (acc->trace_prefix, acc->trace_prefix_len);
  host_rng_init (dev->host, &acc->rng, acc->name);
  acc->state = DEVICE_ACC_DISABLED;
  acc->last_retry_after = -1;

  /* B3: one port per account; the transport also holds the account's
   * connections (B24). */
  guint16 port = cfg->local_port ? cfg->local_port : (guint16) (5060 + n - 1);
  acc->transport = cfg->outbound_proxy && cfg->outbound_proxy[0] ? cfg->obp_transport
                                                                  : cfg->proxy_transport;
  SipTransportConfig tpc;
  sip_transport_config_init (&tpc);
  tpc.tag = acc->name;
  tpc.answer_pings = FALSE;                  /* a UA is not pinged (RFC 5626 §3.5.1) */
  tpc.tls.verify = cfg->tls_verify;
  tpc.tls.server_name = device_account_config_registrar (cfg);
  SipTransportFuncs tpf = { .message = acc_on_tp_message, .stun = acc_on_tp_stun,
                            .keepalive = acc_on_tp_keepalive, .flow = acc_on_tp_flow,
                            .udp_error = acc_on_tp_udp_error };
  acc->tp = sip_transport_new (dev->host, &tpc, &tpf, acc);
  if (!sip_transport_udp_bind (acc->tp, port, error)) {
    g_prefix_error (error, "%s: cannot bind UDP port %u: ", acc->name, port);
    sip_transport_free (acc->tp);
    g_free (acc);
    return NULL;
  }
  sip_transport_udp_local (acc->tp, &acc->local);
  acc->base_port = port;

  if (cfg->ka_custom && cfg->ka_custom[0]
      && !device_ka_custom_parse (cfg->ka_custom, &acc->ka_custom, error)) {
    g_prefix_error (error, "%s: X_CustomKeepAliveMsg: ", acc->name);
    sip_transport_free (acc->tp);
    g_free (acc);
    return NULL;
  }

  SipTxnConfig tc = { .t1 = cfg->t1, .t2 = cfg->t2 };
  acc->layer = sip_txn_layer_new (dev->host, &tc, acc_layer_send, acc);
  SipTxnTuFuncs tu = { .request = acc_on_layer_request, .ack = acc_on_layer_ack,
                       .stray_response = acc_on_layer_stray };
  sip_txn_layer_set_tu (acc->layer, &tu, acc);
  acc->stun = stun_client_new (dev->host, &acc->rng, NULL, acc_stun_send, acc);
  acc->ka = device_ka_new (dev->host, acc->layer, acc->stun, &acc->rng,
                           acc_stun_send, acc);

  const char *user_id = id && id->user_id ? id->user_id : cfg->user_id;
  acc->auth_username = g_strdup (id && id->auth_username ? id->auth_username
                                                         : cfg->auth_username);
  acc->user = g_strdup (user_id && user_id[0] ? user_id : acc->auth_username);
  acc->domain = g_strdup (device_account_config_registrar (cfg));
  if (cfg->outbound_proxy && cfg->outbound_proxy[0]) {
    /* B11, B18: lookups and redundancy follow the outbound proxy. */
    acc->target = g_strdup (cfg->outbound_proxy);
    acc->target_port = cfg->outbound_proxy_port;
  } else {
    acc->target = g_strdup (acc->domain);
    acc->target_port = cfg->registrar_server && cfg->registrar_server[0]
                       ? (cfg->registrar_server_port ? cfg->registrar_server_port
                                                     : cfg->proxy_server_port)
                       : cfg->proxy_server_port;
  }

  DeviceRegIdentity rid;
  acc_reg_identity (acc, &rid);
  acc->reg = device_reg_new (acc->layer, &acc->rng, cfg, &rid);
  /* The other three legs (B21's secondary, B28's removal at the backup,
   * RFC 5626's second flow) are made when first used (acc_leg); their
   * From tags are drawn here, where making them drew them, so the
   * account's stream is drawn in the same order as ever. */
  acc->sec_tag = sip_gen_tag (&acc->rng);
  acc->unreg_tag = sip_gen_tag (&acc->rng);
  acc->f2_tag = sip_gen_tag (&acc->rng);
  device_calls_init (acc);
  device_sub_init (acc);

  host_timer_init (dev->host, &acc->next_timer, acc_on_next_timer, acc);
  acc->refresh_at = -1;
  host_timer_init (dev->host, &acc->expiry_timer, acc_on_expiry, acc);
  host_timer_init (dev->host, &acc->failback_timer, acc_on_failback_timer, acc);
  host_timer_init (dev->host, &acc->ka_timer, acc_on_ka_timer, acc);
  host_timer_init (dev->host, &acc->ob_timer, acc_on_ob_timer, acc);
  host_timer_init (dev->host, &acc->sec_timer, acc_on_sec_timer, acc);
  host_timer_init (dev->host, &acc->conn_timer, acc_on_conn_timer, acc);
  host_timer_init (dev->host, &acc->restore_timer, acc_on_restore_timer, acc);
  host_timer_init (dev->host, &acc->f2_timer, acc_on_f2_timer, acc);
  return acc;
}

void
device_account_start (DeviceAccount *acc)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  if (!device_account_config_is_enabled (cfg) || !cfg->register_enable)
    return;                                        /* B1, B2 */
  /* B10: spread the first REGISTER after power-on. */
  SimTime delay = cfg->startup_delay_max > 0
                  ? sim_rng_int_range (&acc->rng, 0, cfg->startup_delay_max) : 0;
  acc_set_state (acc, DEVICE_ACC_STARTING);
  acc_trace (acc, "power on: first REGISTER in %" G_GINT64_FORMAT " ms", delay / SIM_MS (1));
  host_timer_start (&acc->next_timer, delay);
  acc_check_invariants (acc);
}

/* ---------------------------------------------------- power off (stop) */

static void
acc_on_unreg (DeviceReg *reg, const DeviceRegResult *r, gpointer u)
{
  DeviceAccount *acc = u;
  gboolean primary = reg == acc->reg;
  char b[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "%sunregister at %s: %s %u", primary ? "" : "secondary ",
             addr_str (&r->server, b), device_reg_outcome_to_string (r->outcome), r->status);
  if (primary)
    {
      acc->registered = FALSE;
      acc_set_state (acc, DEVICE_ACC_DISABLED);
    }
  else
    acc->sec_registered = FALSE;
  acc_check_invariants (acc);
  device_stop_done (acc->dev, r->outcome == DEVICE_REG_OK);
}

/* Removes the binding @leg holds at @server (RFC 3261 §10.2.2): the
 * contact registered there, expires=0. */
static void
acc_unregister (DeviceAccount *acc, DeviceReg *leg, const SimSockAddr *server)
{
  DeviceRegRequest req;
  SimSockAddr contact;
  acc_request_for (acc, server, &req, &contact);
  if (acc->contact_known)
    {
      req.contact_ip = acc->contact.ip;
      req.contact_port = acc->contact.port;
    }
  req.unregister = TRUE;
  char b[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "unregister at %s", addr_str (server, b));
  device_reg_start (leg, &req, acc_on_unreg, acc);
}

/* Every timer of the account (device-private.h), the connections' too
 * (account-conn.c: no reconnect, no restore, no second flow). */
static void
acc_cancel_timers (DeviceAccount *acc)
{
  host_timer_cancel (&acc->next_timer);
  host_timer_cancel (&acc->expiry_timer);
  host_timer_cancel (&acc->failback_timer);
  host_timer_cancel (&acc->ka_timer);
  host_timer_cancel (&acc->ob_timer);
  host_timer_cancel (&acc->sec_timer);
  host_timer_cancel (&acc->conn_timer);
  host_timer_cancel (&acc->restore_timer);
  host_timer_cancel (&acc->f2_timer);
}

guint
device_account_stop (DeviceAccount *acc)
{
  /* the RFC 5626 second flow's binding is left to expire */
  acc_cancel_timers (acc);
  if (acc->locate)
    {
      device_locate_cancel (acc->locate);
      acc->locate = NULL;
    }
  device_ka_cancel_all (acc->ka);
  /* legs made on first use may be NULL: device_reg_cancel takes it */
  device_reg_cancel (acc->reg);
  device_reg_cancel (acc->sec_reg);
  device_reg_cancel (acc->f2_reg);
  device_reg_cancel (acc->unreg);
  acc->stopping = TRUE;
  acc->round = ROUND_NONE;
  acc->refresh_at = -1;
  acc->refresh_due = FALSE;
  acc->has_trying = FALSE;
  guint n = 0;
  if (acc->registered && acc->has_server)
    {
      acc_unregister (acc, acc->reg, &acc->server);
      n++;
    }
  else
    acc_set_state (acc, DEVICE_ACC_DISABLED);
  if (acc->sec_registered)
    {
      acc_unregister (acc, acc->sec_reg, &acc->sec_server);
      n++;
    }
  acc_check_invariants (acc);
  return n;
}

void
device_account_free (DeviceAccount *acc)
{
  if (acc == NULL)
    return;
  acc_cancel_timers (acc);
  if (acc->locate)
    device_locate_cancel (acc->locate);
  device_sub_clear (acc);
  device_calls_clear (acc);
  device_reg_free (acc->reg);
  device_reg_free (acc->sec_reg);
  device_reg_free (acc->unreg);
  device_reg_free (acc->f2_reg);
  g_free (acc->sec_tag);
  g_free (acc->unreg_tag);
  g_free (acc->f2_tag);
  device_ka_free (acc->ka);
  stun_client_free (acc->stun);
  sip_txn_layer_free (acc->layer);
  sip_transport_free (acc->tp);
  device_server_list_free (acc->list);
  device_ka_custom_clear (&acc->ka_custom);
  if (acc->blocked)
    g_array_free (acc->blocked, TRUE);
  g_free (acc->user);
  g_free (acc->auth_username);
  g_free (acc->domain);
  g_free (acc->target);
  g_free (acc);
}
