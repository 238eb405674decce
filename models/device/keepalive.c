/*
 * models/device/keepalive.c - one keep-alive of each kind (B40), sent once
 * and never retransmitted (B23).
 *
 * Notes
 *
 * 1. Bytes (BEHAVIOUR.md B40):
 *      keep-alive  "keep-alive\r\n" (12 bytes)
 *      empty       "\r\n" (2 bytes: a blank line)
 *      stun        a 20-byte RFC 5389 Binding request (stun_client_binding_once)
 *      options     OPTIONS sip:DOMAIN
 *      notify      NOTIFY sip:USER@DOMAIN, Event: keep-alive
 *      custom      METHOD sip:[user@]DOMAIN, To <sip:user@DOMAIN> (user= of
 *                  the message, else the account's: seed 004), Event:
 *                  EVENT (default keep-alive) on NOTIFY only
 *    The SIP kinds carry what RFC 3261 §8.1.1 requires and no more: Via
 *    with rport (RFC 3581, B39), Max-Forwards, From with a tag, To,
 *    Call-ID (new per keep-alive: each is its own request outside any
 *    dialog), CSeq 1, Contact (the learnt address, B39), User-Agent.
 *
 * 2. One send.  A SIP keep-alive is a non-INVITE client transaction with
 *    T1 = T2 = timeout + 1 s and Timer F = timeout: Timer E would first
 *    fire after F, and F cancels it (transaction.h note 5), so exactly one
 *    datagram leaves and F ends the wait.  STUN uses the owner's
 *    StunClient with stun_client_binding_once() (one send, wait =
 *    timeout), so its responses arrive where the owner already sends them.
 *
 * 3. Outcomes are reported from the event loop only: raw kinds from a
 *    zero-delay timer (SENT, or ERROR if the send function refused), SIP
 *    and STUN from their transaction's callbacks.  An entry is off the
 *    list and its transaction detached before the callback runs, so the
 *    callback may send more, cancel everything or free the object.
 *
 * 4. Spare items.  A phone sends a keep-alive every few seconds to
 *    minutes, one or two at a time, and each took a g_malloc0 and a
 *    g_free (about 400 instructions together, issue 17).  The object keeps
 *    up to KA_SPARE_MAX finished items on its own list (owned by the
 *    DeviceKeepAlive, freed with it) and hands them out again zeroed, so
 *    an item is the same as a fresh one.  Under ASan a spare item is
 *    poisoned past its list pointer, so a use after finish is still
 *    caught as a use after free would be.
 */
#include <string.h>

#include "models/device/keepalive.h"
#include "models/sip/builder.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(a, n) ((void) (a), (void) (n))
#define ASAN_UNPOISON_MEMORY_REGION(a, n) ((void) (a), (void) (n))
#endif

/* Note 4: one keep-alive is usually in flight (two while a STUN and a
 * SIP kind overlap), so two spares, at most 2 x 168 bytes per account. */
#define KA_SPARE_MAX 2

typedef struct Item Item;
struct Item {
  Item            *spare_next; /* on ka->spare only (note 4); first field */
  DeviceKeepAlive *ka;
  GList            link;       /* in ka->items */
  DeviceKaResult   result;
  DeviceKaFunc     func;
  gpointer         user_data;
  SipTxn          *txn;        /* SIP kinds */
  StunTransaction *stxn;       /* STUN */
  HostTimer        timer;      /* raw kinds: the report */
  gboolean         awaiting;   /* SIP, STUN: counted by device_ka_pending() */
};

struct DeviceKeepAlive {
  SimHost         *host;
  SipTxnLayer     *layer;
  StunClient      *stun;
  SimRng          *rng;
  DeviceKaSendFunc send;
  gpointer         send_data;
  GQueue           items;      /* of Item */
  Item            *spare;      /* finished items kept for reuse (note 4) */
  guint            n_spare;    /* <= KA_SPARE_MAX */
};

/* ------------------------------------------------------ custom message */

static gboolean
is_token (const char *s)
{
  /* RFC 3261 §25.1 token. */
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && strchr ("-.!%*_+`'~", *s) == NULL)
      return FALSE;
  return TRUE;
}

void
device_ka_custom_clear (DeviceKaCustom *c)
{
  if (c == NULL)
    return;
  g_clear_pointer (&c->method, g_free);
  g_clear_pointer (&c->event, g_free);
  g_clear_pointer (&c->user, g_free);
}

gboolean
device_ka_custom_parse (const char *s, DeviceKaCustom *out, GError **error)
{
  g_return_val_if_fail (s != NULL && out != NULL, FALSE);
  DeviceKaCustom c = { NULL, NULL, NULL };
  g_auto (GStrv) parts = g_strsplit (s, ";", -1);
  for (guint i = 0; parts[i]; i++)
    {
      char *part = g_strstrip (parts[i]);
      if (*part == '\0')
        continue;                       /* "mtd=NOTIFY;" */
      char *eq = strchr (part, '=');
      if (eq == NULL)
        {
          g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE,
                       "X_CustomKeepAliveMsg: \"%s\" is not name=value", part);
          goto fail;
        }
      *eq = '\0';
      char *name = g_strstrip (part), *value = g_strstrip (eq + 1);
      char **slot = NULL;
      if (g_ascii_strcasecmp (name, "mtd") == 0)
        slot = &c.method;
      else if (g_ascii_strcasecmp (name, "event") == 0)
        slot = &c.event;
      else if (g_ascii_strcasecmp (name, "user") == 0)
        slot = &c.user;
      else
        continue;                       /* other names: ignored, as OBi would */
      if (*value == '\0')
        {
          g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE,
                       "X_CustomKeepAliveMsg: %s has no value", name);
          goto fail;
        }
      g_free (*slot);
      *slot = g_strdup (value);
    }
  if (c.method == NULL)
    {
      g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE,
                   "X_CustomKeepAliveMsg: mtd= (the SIP method) is required");
      goto fail;
    }
  /* Methods are case-sensitive on the wire (§7.1) and every standard one
   * is upper case: "mtd=notify" means NOTIFY. */
  char *up = g_ascii_strup (c.method, -1);
  g_free (c.method);
  c.method = up;
  if (!is_token (c.method))
    {
      g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE,
                   "X_CustomKeepAliveMsg: mtd \"%s\" is not a SIP method token", c.method);
      goto fail;
    }
  /* A keep-alive is one non-INVITE transaction (note 2): INVITE, ACK and
   * CANCEL cannot be one. */
  if (strcmp (c.method, "INVITE") == 0 || strcmp (c.method, "ACK") == 0
      || strcmp (c.method, "CANCEL") == 0)
    {
      g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE,
                   "X_CustomKeepAliveMsg: mtd %s cannot be a keep-alive", c.method);
      goto fail;
    }
  if (c.event && !is_token (c.event))
    {
      /* RFC 6665 §8.4: event-type is a token (with '.'). */
      g_set_error (error, DEVICE_CONFIG_ERROR, DEVICE_CONFIG_ERROR_VALUE,
                   "X_CustomKeepAliveMsg: event \"%s\" is not a token", c.event);
      goto fail;
    }
  if (c.event == NULL)
    c.event = g_strdup ("keep-alive");
  *out = c;
  return TRUE;
fail:
  device_ka_custom_clear (&c);
  return FALSE;
}

/* -------------------------------------------------------------- object */

DeviceKeepAlive *
device_ka_new (SimHost *host, SipTxnLayer *layer, StunClient *stun, SimRng *rng,
               DeviceKaSendFunc send, gpointer send_data)
{
  g_return_val_if_fail (host != NULL && rng != NULL, NULL);
  DeviceKeepAlive *ka = g_new0 (DeviceKeepAlive, 1);
  ka->host = host;
  ka->layer = layer;
  ka->stun = stun;
  ka->rng = rng;
  ka->send = send;
  ka->send_data = send_data;
  g_queue_init (&ka->items);
  return ka;
}

/* A zeroed item: a spare one if there is one (note 4). */
static Item *
item_take (DeviceKeepAlive *ka)
{
  Item *it = ka->spare;
  if (it == NULL)
    return g_new0 (Item, 1);
  ASAN_UNPOISON_MEMORY_REGION (it, sizeof *it);
  ka->spare = it->spare_next;
  ka->n_spare--;
  memset (it, 0, sizeof *it);
  return it;
}

/* @it is unlinked and done with: kept as a spare or freed (note 4). */
static void
item_release (DeviceKeepAlive *ka, Item *it)
{
  if (ka->n_spare >= KA_SPARE_MAX)
    {
      g_free (it);
      return;
    }
  it->spare_next = ka->spare;
  ka->spare = it;
  ka->n_spare++;
  ASAN_POISON_MEMORY_REGION ((char *) it + sizeof it->spare_next,
                             sizeof *it - sizeof it->spare_next);
}

/* Off the list, its transaction and timer let go; not freed. */
static void
item_unlink (Item *it)
{
  g_queue_unlink (&it->ka->items, &it->link);
  host_timer_cancel (&it->timer);
  if (it->txn)
    sip_txn_abort (it->txn);
  it->txn = NULL;
  if (it->stxn)
    stun_transaction_cancel (it->stxn);
  it->stxn = NULL;
}

void
device_ka_cancel_all (DeviceKeepAlive *ka)
{
  g_return_if_fail (ka != NULL);
  GList *l;
  while ((l = g_queue_peek_head_link (&ka->items)) != NULL)
    {
      Item *it = l->data;
      item_unlink (it);
      item_release (ka, it);
    }
}

void
device_ka_free (DeviceKeepAlive *ka)
{
  if (ka == NULL)
    return;
  device_ka_cancel_all (ka);
  while (ka->spare != NULL)
    {
      Item *it = ka->spare;
      ASAN_UNPOISON_MEMORY_REGION (it, sizeof *it);
      ka->spare = it->spare_next;
      g_free (it);
    }
  g_free (ka);
}

guint
device_ka_pending (const DeviceKeepAlive *ka)
{
  g_return_val_if_fail (ka != NULL, 0);
  guint n = 0;
  for (GList *l = ka->items.head; l; l = l->next)
    n += ((Item *) l->data)->awaiting;
  return n;
}

/* Reports and frees @it (note 3).  The caller has already detached or
 * lost its transaction. */
static void
item_finish (Item *it)
{
  DeviceKeepAlive *ka = it->ka;
  char a[SIM_SOCKADDR_STRLEN];
  const DeviceKaResult *r = &it->result;
  /* A raw kind's SENT report has no trace line: no address text. */
  if (r->outcome != DEVICE_KA_SENT)
    sim_sockaddr_to_string (&r->to, a);
  switch (r->outcome)
    {
    case DEVICE_KA_SENT:
      break;
    case DEVICE_KA_ANSWERED:
      host_trace (ka->host, "dev keep-alive %s to %s answered %u", device_ka_type_to_string (r->type),
                  a, r->status);
      break;
    case DEVICE_KA_NO_ANSWER:
      host_trace (ka->host, "dev keep-alive %s to %s: no answer", device_ka_type_to_string (r->type),
                  a);
      break;
    case DEVICE_KA_ERROR:
      host_trace (ka->host, "dev keep-alive %s to %s: error %s",
                  device_ka_type_to_string (r->type), a, sim_net_error_to_string (r->net_error));
      break;
    }
  it->txn = NULL;
  it->stxn = NULL;
  item_unlink (it);
  DeviceKaResult res = it->result;
  DeviceKaFunc func = it->func;
  gpointer ud = it->user_data;
  item_release (ka, it);
  if (func)
    func (ka, &res, ud);
}

static void
on_raw_timer (HostTimer *t, gpointer u)
{
  item_finish (u);
}

static void
on_txn (SipTxn *txn, const SipTxnEvent *ev, gpointer u)
{
  Item *it = u;
  switch (ev->outcome)
    {
    case SIP_TXN_RESPONSE:
      if (ev->status < 200)
        return;
      it->result.outcome = DEVICE_KA_ANSWERED;   /* B23: any final response */
      it->result.status = ev->status;
      break;
    case SIP_TXN_TIMEOUT:
      it->result.outcome = DEVICE_KA_NO_ANSWER;
      break;
    case SIP_TXN_TRANSPORT_ERROR:
      it->result.outcome = DEVICE_KA_ERROR;
      it->result.net_error = ev->error;
      break;
    case SIP_TXN_TERMINATED:
      return;                                   /* detached before; not reached */
    }
  sip_txn_set_func (txn, NULL, NULL);
  it->txn = NULL;
  item_finish (it);
}

static void
on_stun (StunTransaction *txn, const StunResult *r, gpointer u)
{
  Item *it = u;
  switch (r->outcome)
    {
    case STUN_RESULT_SUCCESS:
      it->result.outcome = DEVICE_KA_ANSWERED;
      it->result.mapped_known = r->mapped.family == STUN_FAMILY_IPV4;
      it->result.mapped = r->mapped.addr;
      break;
    case STUN_RESULT_TIMEOUT:
      it->result.outcome = DEVICE_KA_NO_ANSWER;
      break;
    case STUN_RESULT_TRANSPORT_ERROR:
      it->result.outcome = DEVICE_KA_ERROR;
      it->result.net_error = r->net_error;
      break;
    case STUN_RESULT_ERROR_RESPONSE:
    case STUN_RESULT_BAD_RESPONSE:
      it->result.outcome = DEVICE_KA_ERROR;
      break;
    }
  it->stxn = NULL;       /* freed by the client when this returns */
  item_finish (it);
}

/* Room for the usual Request-URI; a longer one takes the heap. */
#define RURI_BUF 128

/* "sip:[USER@]DOMAIN" in @buf when it fits, else in a new string set in
 * *@heap (the caller frees it): one for every SIP keep-alive, so written
 * without printf or, usually, an allocation (issue 17). */
static const char *
sip_uri_text (const char *user, const char *domain, char buf[RURI_BUF], char **heap)
{
  gsize ul = user ? strlen (user) : 0, dl = strlen (domain);
  gsize n = 4 + (user ? ul + 1 : 0) + dl;
  char *out = buf;
  *heap = NULL;
  if (n + 1 > RURI_BUF)
    out = *heap = g_malloc (n + 1);
  char *w = out;
  memcpy (w, "sip:", 4);
  w += 4;
  if (user)
    {
      memcpy (w, user, ul);
      w += ul;
      *w++ = '@';
    }
  memcpy (w, domain, dl);
  w[dl] = '\0';
  return out;
}

/* The SIP request of note 1. */
static SipMsg *
build_sip (DeviceKeepAlive *ka, DeviceKeepAliveType type, const DeviceKaCustom *custom,
           const DeviceKaIdentity *id)
{
  const char *method = type == DEVICE_KA_OPTIONS ? "OPTIONS" : "NOTIFY";
  const char *event = type == DEVICE_KA_NOTIFY ? "keep-alive" : NULL;
  const char *ruser = type == DEVICE_KA_OPTIONS ? NULL : id->user;
  const char *to_user = ruser;
  if (type == DEVICE_KA_CUSTOM)
    {
      /* Seed 004, X_CustomKeepAliveMsg: "event parameter is optional and
       * is only applicable if method is NOTIFY" (NOTIFY without one uses
       * 'keep-alive'); "if [user is] not specified, the request-uri will
       * not have a userid, and the TO header field will use the same
       * userid as the FROM header"; if given, it is the user of both. */
      method = custom->method;
      gboolean notify = g_ascii_strcasecmp (method, "NOTIFY") == 0;
      event = notify ? (custom->event ? custom->event : "keep-alive") : NULL;
      ruser = custom->user;
      to_user = custom->user ? custom->user : id->user;
    }
  SipMethod m = sip_method_from_str ((SipStr) { method, strlen (method) });
  char rbuf[RURI_BUF];
  g_autofree char *rheap = NULL;
  const char *ruri = sip_uri_text (ruser, id->domain, rbuf, &rheap);
  char via[SIM_IP4_STRLEN], cip[SIM_IP4_STRLEN];
  sim_ip4_to_string (id->via_ip, via);
  sim_ip4_to_string (id->contact_ip, cip);
  g_autofree char *branch = sip_gen_branch (ka->rng);
  g_autofree char *tag = sip_gen_tag (ka->rng);
  g_autofree char *call_id = sip_gen_call_id (ka->rng, via);

  SipBuilder *b = sip_builder_request (m, method, ruri);
  sip_builder_add_via (b, "UDP", via, id->via_port, branch, TRUE);
  sip_builder_add (b, "Max-Forwards", "70");
  sip_builder_add (b, "From", "<sip:%s@%s>;tag=%s", id->user, id->domain, tag);
  if (to_user)
    sip_builder_add (b, "To", "<sip:%s@%s>", to_user, id->domain);
  else
    sip_builder_add (b, "To", "<sip:%s>", id->domain);
  sip_builder_add (b, "Call-ID", "%s", call_id);
  sip_builder_add (b, "CSeq", "1 %s", method);
  sip_builder_add (b, "Contact", "<sip:%s@%s:%u>", id->user, cip, id->contact_port);
  if (event)
    sip_builder_add (b, "Event", "%s", event);
  if (id->user_agent)
    sip_builder_add (b, "User-Agent", "%s", id->user_agent);
  return sip_builder_finish_msg (b);
}

void
device_ka_send (DeviceKeepAlive *ka, DeviceKeepAliveType type, const DeviceKaCustom *custom,
                const SimSockAddr *to, const DeviceKaIdentity *id, SimTime timeout,
                DeviceKaFunc func, gpointer user_data)
{
  g_return_if_fail (ka != NULL && to != NULL);
  g_return_if_fail (type != DEVICE_KA_CUSTOM || (custom != NULL && custom->method != NULL));
  gboolean sip = type == DEVICE_KA_OPTIONS || type == DEVICE_KA_NOTIFY
                 || type == DEVICE_KA_CUSTOM;
  g_return_if_fail (!sip || (id != NULL && id->user != NULL && id->domain != NULL
                             && ka->layer != NULL));
  g_return_if_fail (type != DEVICE_KA_STUN || ka->stun != NULL);
  g_return_if_fail (sip || type == DEVICE_KA_STUN || ka->send != NULL);
  g_return_if_fail ((!sip && type != DEVICE_KA_STUN) || timeout > 0);

  Item *it = item_take (ka);
  it->ka = ka;
  it->link.data = it;
  it->func = func;
  it->user_data = user_data;
  it->result.type = type;
  it->result.to = *to;
  it->result.sent_at = host_now (ka->host);
  host_timer_init (ka->host, &it->timer, on_raw_timer, it);
  g_queue_push_tail_link (&ka->items, &it->link);

  /* "dev keep-alive %s -> %s" in pieces: the address is formatted only
   * when the trace is read. */
  host_trace_begin (ka->host);
  host_trace_lit (ka->host, "dev keep-alive ");
  host_trace_static (ka->host, device_ka_type_to_string (type));
  host_trace_lit (ka->host, " -> ");
  host_trace_sockaddr (ka->host, to);
  host_trace_end (ka->host);
  switch (type)
    {
    case DEVICE_KA_KEEPALIVE:
    case DEVICE_KA_EMPTY:
      {
        static const char ka_bytes[] = "keep-alive\r\n", empty_bytes[] = "\r\n";
        const char *d = type == DEVICE_KA_KEEPALIVE ? ka_bytes : empty_bytes;
        SimNetError err = ka->send (to, (const guint8 *) d, strlen (d), ka->send_data);
        it->result.outcome = err == SIM_NET_OK ? DEVICE_KA_SENT : DEVICE_KA_ERROR;
        it->result.net_error = err;
        host_timer_start (&it->timer, 0);          /* note 3 */
        return;
      }
    case DEVICE_KA_STUN:
      it->awaiting = TRUE;
      it->stxn = stun_client_binding_once (ka->stun, to, timeout, on_stun, it);
      return;
    case DEVICE_KA_CUSTOM:
    case DEVICE_KA_OPTIONS:
    case DEVICE_KA_NOTIFY:
      {
        g_autoptr (SipMsg) msg = build_sip (ka, type, custom, id);
        SipTxnPeer peer = { .addr = *to, .reliable = FALSE, .flow = id->flow };
        /* Note 2: E would first fire after F, so one send. */
        SipTxnConfig tc = { .t1 = timeout + SIM_S (1), .t2 = timeout + SIM_S (1),
                            .timer_f = timeout };
        it->awaiting = TRUE;
        it->txn = sip_txn_client_new (ka->layer, msg, &peer, &tc, on_txn, it);
        g_assert (it->txn != NULL);                /* a fresh branch never collides */
        return;
      }
    }
}
