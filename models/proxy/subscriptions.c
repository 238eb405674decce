/*
 * models/proxy/subscriptions.c - message-summary notifier (rules in
 * subscriptions.h).
 */
#include <string.h>

#include "models/proxy/subscriptions.h"
#include "models/sip/builder.h"

typedef struct Sub Sub;

struct Sub {
  ProxySubs  *subs;
  char       *key;           /* "Call-ID\x1fsubscriber tag" */
  char       *call_id;
  char       *local_tag;     /* ours (the To tag we gave) */
  char       *remote_tag;    /* the subscriber's From tag */
  char       *local_uri;     /* the To URI (the AOR subscribed to) */
  char       *remote_uri;    /* the From URI */
  char       *target;        /* the subscriber's Contact URI */
  SipTxnPeer  flow;          /* where its SUBSCRIBE came from */
  guint32     cseq;          /* our NOTIFY CSeq */
  HostTimer   expiry;
};

struct ProxySubs {
  SimHost      *host;
  SimRng       *rng;
  guint16       port;
  guint32       max_expires;
  SipTxnConfig  txn;
  SipTxnLayer  *layer;
  SipTransport *tp;
  GHashTable   *by_key;      /* key -> Sub (owned) */
  guint64       notifies;
};

static void
sub_free (gpointer data)
{
  Sub *s = data;
  host_timer_cancel (&s->expiry);
  g_free (s->key);
  g_free (s->call_id);
  g_free (s->local_tag);
  g_free (s->remote_tag);
  g_free (s->local_uri);
  g_free (s->remote_uri);
  g_free (s->target);
  g_free (s);
}

ProxySubs *
proxy_subs_new (SimHost *host, SimRng *rng, SipTransport *tp, guint16 port,
                guint32 max_expires, const SipTxnConfig *txn)
{
  ProxySubs *ps = g_new0 (ProxySubs, 1);
  ps->host = host;
  ps->tp = tp;
  ps->rng = rng;
  ps->port = port;
  ps->max_expires = max_expires;
  ps->txn = *txn;
  ps->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, sub_free);
  return ps;
}

void
proxy_subs_free (ProxySubs *ps)
{
  if (ps == NULL)
    return;
  g_hash_table_destroy (ps->by_key);
  g_free (ps);
}

void
proxy_subs_reset (ProxySubs *ps, SipTxnLayer *layer, gboolean lose_state)
{
  /* NOTIFYs are sent detached (no callback), so the old layer's end needs
   * nothing from us. */
  ps->layer = layer;
  if (lose_state)
    g_hash_table_remove_all (ps->by_key);
}

guint
proxy_subs_count (const ProxySubs *ps)
{
  return g_hash_table_size (ps->by_key);
}

guint64
proxy_subs_notifies_sent (const ProxySubs *ps)
{
  return ps->notifies;
}

static void
on_expiry (HostTimer *t, gpointer u)
{
  Sub *s = u;
  (void) t;
  host_trace (s->subs->host, "proxy sub %s expired", s->call_id);
  g_hash_table_remove (s->subs->by_key, s->key);
}

static void
send_notify (ProxySubs *ps, Sub *s, guint32 expires)
{
  SimIp4 lip = 0;
  host_get_local_addr (ps->host, s->flow.addr.ip, &lip);
  char ip[SIM_IP4_STRLEN];
  sim_ip4_to_string (lip, ip);
  g_autofree char *branch = sip_gen_branch (ps->rng);
  SipBuilder *b = sip_builder_request (SIP_METHOD_NOTIFY, NULL, s->target);
  const char *vt = !s->flow.reliable ? "UDP"
                   : sip_transport_flow_get_proto (ps->tp, sip_flow_from_handle (s->flow.flow))
                       == SIP_TRANSPORT_TLS ? "TLS" : "TCP";
  sip_builder_add_via (b, vt, ip, ps->port, branch, TRUE);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_add (b, "From", "<%s>;tag=%s", s->local_uri, s->local_tag);
  sip_builder_add (b, "To", "<%s>;tag=%s", s->remote_uri, s->remote_tag);
  sip_builder_add (b, "Call-ID", "%s", s->call_id);
  sip_builder_add (b, "CSeq", "%u NOTIFY", ++s->cseq);
  sip_builder_add (b, "Contact", "<sip:%s:%u>", ip, ps->port);
  sip_builder_add (b, "Event", "message-summary");
  if (expires > 0)
    sip_builder_add (b, "Subscription-State", "active;expires=%u", expires);
  else
    sip_builder_add (b, "Subscription-State", "terminated;reason=timeout");
  static const char body[] = "Messages-Waiting: no\r\n";
  sip_builder_set_body (b, "application/simple-message-summary", (const guint8 *) body,
                        sizeof body - 1);
  g_autoptr (SipMsg) msg = sip_builder_finish_msg (b);
  SipTxnConfig tc = ps->txn;
  if (ps->layer && sip_txn_client_new (ps->layer, msg, &s->flow, &tc, NULL, NULL))
    ps->notifies++;
}

static void
respond (ProxySubs *ps, SipTxn *txn, const SipMsg *req, guint code, const char *tag,
         gint64 expires)
{
  SipBuilder *b = sip_builder_response (req, code, NULL, tag);
  if (expires >= 0)
    sip_builder_add (b, "Expires", "%" G_GINT64_FORMAT, expires);
  if (code == 489)
    sip_builder_add (b, "Allow-Events", "message-summary");
  if (code == 200) {
    SimIp4 lip = 0;
    host_get_local_addr (ps->host, sip_txn_get_peer (txn)->addr.ip, &lip);
    char ip[SIM_IP4_STRLEN];
    sip_builder_add (b, "Contact", "<sip:%s:%u>", sim_ip4_to_string (lip, ip), ps->port);
  }
  g_autoptr (SipMsg) r = sip_builder_finish_msg (b);
  sip_txn_respond (txn, r);
}

void
proxy_subs_request (ProxySubs *ps, SipTxn *txn, SipMsg *req, const SipTxnPeer *from)
{
  SipStr ev = sip_msg_header_by_id (req, SIP_HDR_EVENT, 0);
  if (!sip_str_present (ev) || ev.len < 15 || g_ascii_strncasecmp (ev.p, "message-summary", 15) != 0) {
    respond (ps, txn, req, 489, NULL, -1);        /* RFC 6665 §4.2.1.2 */
    return;
  }
  const SipNameAddr *f = sip_msg_from (req), *to = sip_msg_to (req);
  if (f == NULL || to == NULL || !sip_str_present (f->tag)) {
    respond (ps, txn, req, 400, NULL, -1);
    return;
  }
  g_autofree char *cid = sip_str_dup (sip_msg_call_id (req));
  g_autofree char *ftag = sip_str_dup (f->tag);
  g_autofree char *key = g_strdup_printf ("%s\x1f%s", cid, ftag);
  Sub *s = g_hash_table_lookup (ps->by_key, key);
  if (sip_str_present (to->tag) && (s == NULL || !sip_str_eq (to->tag, s->local_tag))) {
    respond (ps, txn, req, 481, NULL, -1);        /* a refresh of nothing we know */
    return;
  }
  gint64 asked = sip_msg_expires (req);
  guint32 granted = asked < 0 ? 3600 : (guint32) MIN ((guint64) asked, ps->max_expires);
  if (s == NULL) {
    s = g_new0 (Sub, 1);
    s->subs = ps;
    s->key = g_steal_pointer (&key);
    s->call_id = g_steal_pointer (&cid);
    s->remote_tag = g_steal_pointer (&ftag);
    s->local_tag = sip_gen_tag (ps->rng);
    s->local_uri = sip_str_dup (to->uri_str);
    s->remote_uri = sip_str_dup (f->uri_str);
    host_timer_init (ps->host, &s->expiry, on_expiry, s);
    g_hash_table_insert (ps->by_key, s->key, s);
  }
  const SipContact *c = sip_msg_contact (req, 0);
  g_free (s->target);
  s->target = c && !c->star ? sip_str_dup (c->addr.uri_str) : g_strdup (s->remote_uri);
  s->flow = *from;
  respond (ps, txn, req, 200, s->local_tag, granted);
  send_notify (ps, s, granted);
  host_trace (ps->host, "proxy sub %s %u s", s->call_id, granted);
  if (granted == 0)
    g_hash_table_remove (ps->by_key, s->key);
  else
    host_timer_start (&s->expiry, SIM_S (granted));
}
