/*
 * models/device/device.c - the device: accounts, the shared resolver and
 * locator, events, statistics and the answers to inbound requests.  The
 * registration policy of each account is in account*.c (their map:
 * account-private.h).
 */
#include <string.h>

#include "models/device/device-private.h"
#include "models/sip/builder.h"

/* ------------------------------------------------------------- strings */

const char *
device_account_state_to_string (DeviceAccountState s)
{
  switch (s) {
  case DEVICE_ACC_DISABLED:    return "disabled";
  case DEVICE_ACC_STARTING:    return "starting";
  case DEVICE_ACC_RESOLVING:   return "resolving";
  case DEVICE_ACC_REGISTERING: return "registering";
  case DEVICE_ACC_REGISTERED:  return "registered";
  case DEVICE_ACC_WAITING:     return "waiting";
  default:                     return "?";
  }
}

const char *
device_event_kind_to_string (DeviceEventKind k)
{
  switch (k) {
  case DEVICE_EVENT_STATE:         return "state";
  case DEVICE_EVENT_LOOKUP:        return "lookup";
  case DEVICE_EVENT_REGISTER_SENT: return "register-sent";
  case DEVICE_EVENT_REGISTERED:    return "registered";
  case DEVICE_EVENT_REG_FAILED:    return "reg-failed";
  case DEVICE_EVENT_SERVER_CHANGE: return "server-change";
  case DEVICE_EVENT_REG_EXPIRED:   return "reg-expired";
  case DEVICE_EVENT_MAPPING:       return "mapping";
  case DEVICE_EVENT_KEEPALIVE:     return "keepalive";
  case DEVICE_EVENT_KA_FAILED:     return "keepalive-failed";
  case DEVICE_EVENT_INBOUND:       return "inbound";
  case DEVICE_EVENT_SECONDARY:     return "secondary";
  case DEVICE_EVENT_CALL:          return "call";
  case DEVICE_EVENT_SUBSCRIPTION:  return "subscription";
  case DEVICE_EVENT_FLOW_UP:       return "flow-up";
  case DEVICE_EVENT_FLOW_FAILED:   return "flow-failed";
  default:                         return "?";
  }
}

/* -------------------------------------------------------------- events */

void
device_emit (Device *dev, DeviceEvent *ev)
{
  /* B22, B25: a 2xx to REGISTER (or a B21 promotion, which has no 2xx
   * of its own) names the server in use; the subscription follows it
   * (subscription.c note 1). */
  if ((ev->kind == DEVICE_EVENT_REGISTERED || ev->kind == DEVICE_EVENT_SERVER_CHANGE)
      && ev->account >= 1
      && dev->accounts[ev->account - 1] != NULL)
    device_sub_on_registered (dev->accounts[ev->account - 1], &ev->server);
  if (dev->event_func)
    dev->event_func (dev, ev, dev->event_data);
}

SimNetError
device_account_send (DeviceAccount *acc, const SimSockAddr *to, const guint8 *data, gsize len)
{
  SipTxnPeer peer = { .addr = *to, .reliable = FALSE, .flow = NULL };
  return device_account_send_peer (acc, &peer, data, len);
}

SimNetError
device_account_send_peer (DeviceAccount *acc, const SipTxnPeer *to, const guint8 *data,
                          gsize len)
{
  /* Any failure to leave is "no route" (UDP) or "reset" (a closed flow),
   * as the transport says. */
  SimNetError err = sip_transport_send (acc->tp, to, data, len);
  if (err != SIM_NET_OK)
    return err;
  acc->dev->stats.datagrams_sent++;            /* messages, on a connection */
  acc->dev->stats.bytes_sent += len;
  return SIM_NET_OK;
}

/* -------------------------------------------------------------- inbound */

/* Device.h note 3: enough of a UAS to show the device was reached. */
void
device_answer_request (DeviceAccount *acc, SipTxn *txn, SipMsg *request,
                       const SipTxnPeer *from)
{
  Device *dev = acc->dev;
  /* The subscription's NOTIFY first: the dialog set answers 481 to any
   * other request with a To tag. */
  if (device_sub_on_request (acc, txn, request, from)
      || device_calls_on_request (acc, txn, request, from))
    return;
  g_autofree char *tag = sip_gen_tag (&acc->rng);
  SipMethod m = sip_msg_method (request);
  guint code;
  switch (m) {
  case SIP_METHOD_OPTIONS:
  case SIP_METHOD_NOTIFY:
    code = 200;
    break;
  case SIP_METHOD_INVITE:
    {
      SipBuilder *b = sip_builder_response (request, 180, NULL, tag);
      g_autoptr (SipMsg) ringing = sip_builder_finish_msg (b);
      sip_txn_respond (txn, ringing);
      code = 486;                              /* calls are not modelled */
      break;
    }
  case SIP_METHOD_BYE:
  case SIP_METHOD_CANCEL:
    code = 481;                                /* no dialog, no transaction to cancel */
    break;
  default:
    code = 405;
    break;
  }
  SipBuilder *b = sip_builder_response (request, code, NULL, tag);
  /* RFC 3581 §4: a server answering a request whose top Via has rport
   * fills in rport=<source port> (and received); an empty rport left in
   * the answer tells the prober nothing (issue 14 item 10). */
  char ip[SIM_IP4_STRLEN];
  sim_ip4_to_string (from->addr.ip, ip);
  sip_builder_stamp_via (b, request, ip, from->addr.port);
  if (code == 405 || m == SIP_METHOD_OPTIONS)
    sip_builder_add (b, "Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY");
  if (dev->cfg->user_agent && dev->cfg->user_agent[0])
    sip_builder_add (b, "Server", "%s", dev->cfg->user_agent);
  g_autoptr (SipMsg) resp = sip_builder_finish_msg (b);
  sip_txn_respond (txn, resp);

  dev->stats.inbound_requests++;
  /* A known method's name is its text on the wire (methods are
   * case-sensitive, §7.1): no copy then. */
  g_autofree char *unknown = m == SIP_METHOD_UNKNOWN ? sip_str_dup (sip_msg_method_str (request))
                                                     : NULL;
  const char *method = unknown ? unknown : sip_method_to_string (m);
  char buf[SIM_SOCKADDR_STRLEN];
  host_trace (dev->host, "dev %s inbound %s from %s -> %u", acc->name, method,
              sim_sockaddr_to_string (&from->addr, buf), code);
  DeviceEvent ev = {
    .kind = DEVICE_EVENT_INBOUND, .time = host_now (dev->host), .account = acc->n,
    .from = acc->state, .to = acc->state, .server = from->addr, .status = code,
    .detail = method,
  };
  device_emit (dev, &ev);
}

/* ------------------------------------------------------------ lifecycle */

static void
device_stop_finish (Device *dev)
{
  DeviceStopFunc func = g_steal_pointer (&dev->stop_func);
  if (func)
    func (dev, dev->stop_ok, dev->stop_failed, dev->stop_data);
}

static void
on_stop_timer (HostTimer *t, gpointer u)
{
  (void) t;
  device_stop_finish (u);
}

void
device_stop_done (Device *dev, gboolean ok)
{
  g_assert (dev->stopping && dev->stop_pending > 0);
  if (ok)
    dev->stop_ok++;
  else
    dev->stop_failed++;
  if (--dev->stop_pending == 0)
    device_stop_finish (dev);
}

void
device_stop (Device *dev, DeviceStopFunc func, gpointer user_data)
{
  g_return_if_fail (dev != NULL && !dev->stopping);
  dev->stopping = TRUE;
  dev->stop_func = func;
  dev->stop_data = user_data;
  for (guint i = 0; i < DEVICE_MAX_ACCOUNTS; i++)
    if (dev->accounts[i])
      dev->stop_pending += device_account_stop (dev->accounts[i]);
  if (dev->stop_pending == 0)
    host_timer_start (&dev->stop_timer, 0);   /* host.h: never inside the call */
}


/* device_new() and device_new_shared(): @cfg is already the device's
 * (own_cfg set) or borrowed (device.h note 6). */
static Device *
device_build (SimHost *host, const DeviceConfig *cfg, DeviceConfig *own_cfg,
              const DeviceAccountIdentity *ids, GError **error)
{
  Device *dev = g_new0 (Device, 1);
  dev->host = host;
  host_timer_init (host, &dev->stop_timer, on_stop_timer, dev);
  dev->cfg = cfg;
  dev->own_cfg = own_cfg;
  host_rng_init (host, &dev->rng, "device");
  /* B4: +sip.instance from the MAC, RFC 4122 §4.1.6 style node field. */
  const guint8 *m = dev->cfg->mac;
  dev->instance = g_strdup_printf ("<urn:uuid:00000000-0000-1000-8000-%02x%02x%02x%02x%02x%02x>",
                                   m[0], m[1], m[2], m[3], m[4], m[5]);

  gboolean need_dns = FALSE;
  for (guint i = 0; i < DEVICE_MAX_ACCOUNTS; i++) {
    const DeviceAccountConfig *a = &dev->cfg->accounts[i];
    if (!device_account_config_is_enabled (a))
      continue;
    SimIp4 ip;
    const char *names[] = { device_account_config_registrar (a), a->outbound_proxy,
                            a->ka_server };
    for (guint k = 0; k < G_N_ELEMENTS (names); k++)
      if (names[k] && names[k][0] && !sim_ip4_parse (names[k], &ip))
        need_dns = TRUE;
  }
  if (dev->cfg->n_dns_servers > 0) {
    SimSockAddr servers[DEVICE_MAX_DNS];
    for (guint i = 0; i < dev->cfg->n_dns_servers; i++) {
      servers[i] = dev->cfg->dns_servers[i];
      if (servers[i].port == 0)
        servers[i].port = 53;
    }
    HostResolverConfig rc = { .timeout = dev->cfg->dns_timeout, .tries = dev->cfg->dns_tries };
    dev->resolver = host_resolver_new (host, servers, dev->cfg->n_dns_servers, &rc, error);
    if (dev->resolver == NULL)
      goto fail;
  } else if (need_dns) {
    g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE,
                 "a server is given by name but DNSServer1 is not set");
    goto fail;
  }
  dev->locator = device_locator_new (host, dev->resolver, &dev->rng);

  for (guint i = 0; i < DEVICE_MAX_ACCOUNTS; i++) {
    if (!device_account_config_is_enabled (&dev->cfg->accounts[i]))
      continue;
    dev->accounts[i] = device_account_new (dev, i + 1, ids ? &ids[i] : NULL, error);
    if (dev->accounts[i] == NULL)
      goto fail;
  }
  return dev;

fail:
  device_free (dev);
  return NULL;
}

Device *
device_new (SimHost *host, const DeviceConfig *cfg, GError **error)
{
  g_return_val_if_fail (host != NULL && cfg != NULL, NULL);
  DeviceConfig *own = g_new (DeviceConfig, 1);
  device_config_copy (own, cfg);
  return device_build (host, own, own, NULL, error);
}

Device *
device_new_shared (SimHost *host, const DeviceConfig *cfg, const DeviceAccountIdentity *ids,
                   GError **error)
{
  g_return_val_if_fail (host != NULL && cfg != NULL, NULL);
  return device_build (host, cfg, NULL, ids, error);
}

void
device_start (Device *dev)
{
  g_return_if_fail (dev != NULL);
  for (guint i = 0; i < DEVICE_MAX_ACCOUNTS; i++)
    if (dev->accounts[i])
      device_account_start (dev->accounts[i]);
}

void
device_free (Device *dev)
{
  if (dev == NULL)
    return;
  host_timer_cancel (&dev->stop_timer);
  /* Accounts first: they cancel their own lookups on the locator. */
  for (guint i = 0; i < DEVICE_MAX_ACCOUNTS; i++)
    device_account_free (dev->accounts[i]);
  device_locator_free (dev->locator);
  host_resolver_free (dev->resolver);
  if (dev->own_cfg)
    {
      device_config_clear (dev->own_cfg);
      g_free (dev->own_cfg);
    }
  g_free (dev->instance);
  g_free (dev);
}

void
device_set_event_func (Device *dev, DeviceEventFunc func, gpointer user_data)
{
  dev->event_func = func;
  dev->event_data = user_data;
}

const DeviceStats *
device_get_stats (const Device *dev)
{
  /* What the accounts' transports received and could not parse is theirs
   * to count (models/sip/transport.h); added here to the device's own. */
  DeviceStats *st = (DeviceStats *) &dev->stats;
  st->datagrams_received = 0;
  st->malformed = dev->malformed_own;
  for (guint i = 0; i < DEVICE_MAX_ACCOUNTS; i++)
    if (dev->accounts[i]) {
      const SipTransportStats *ts = sip_transport_get_stats (dev->accounts[i]->tp);
      st->datagrams_received += ts->datagrams + ts->stream_frames;
      st->malformed += ts->malformed;
    }
  return &dev->stats;
}

const DeviceConfig *
device_get_config (const Device *dev)
{
  return dev->cfg;
}

/* ------------------------------------------------------------ accessors */

static const DeviceAccount *
get_acc (const Device *dev, guint n)
{
  g_return_val_if_fail (dev != NULL && n >= 1 && n <= DEVICE_MAX_ACCOUNTS, NULL);
  return dev->accounts[n - 1];
}

DeviceAccountState
device_account_get_state (const Device *dev, guint n)
{
  const DeviceAccount *acc = get_acc (dev, n);
  return acc ? acc->state : DEVICE_ACC_DISABLED;
}

gboolean
device_account_is_registered (const Device *dev, guint n)
{
  const DeviceAccount *acc = get_acc (dev, n);
  return acc && acc->registered;
}

gboolean
device_account_get_server (const Device *dev, guint n, SimSockAddr *out)
{
  const DeviceAccount *acc = get_acc (dev, n);
  if (acc == NULL)
    return FALSE;
  if (acc->registered || (acc->has_server && !acc->has_trying)) {
    *out = acc->server;
    return acc->has_server;
  }
  if (acc->has_trying) {
    *out = acc->trying;
    return TRUE;
  }
  return FALSE;
}

gboolean
device_account_get_contact (const Device *dev, guint n, SimSockAddr *out)
{
  const DeviceAccount *acc = get_acc (dev, n);
  if (acc == NULL || !acc->contact_known)
    return FALSE;
  *out = acc->contact;
  return TRUE;
}

gboolean
device_account_get_secondary (const Device *dev, guint n, SimSockAddr *out)
{
  const DeviceAccount *acc = get_acc (dev, n);
  if (acc == NULL || !acc->sec_registered)
    return FALSE;
  *out = acc->sec_server;
  return TRUE;
}
