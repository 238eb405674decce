/*
 * models/sip/msg.c - SipMsg: the header-name table, methods and reason
 * phrases, accessors, reference counting and serialisation (RFC 3261 §7,
 * §20, §21).  Parsing is in msg-parse.c.
 *
 * Notes
 *
 * 1. The header table (sip_hdr_defs) lists every SipHeaderId first, in
 *    enum order, so that sip_hdr_defs[id] is the definition of public id
 *    @id; after them come headers with no public id that still need a
 *    compact form (§7.3.3, RFC 3515, RFC 4028, RFC 4474, RFC 3841) or are
 *    comma-separated lists (§20).
 *
 * 2. Serialisation sizes its output once.  The canonical form differs from
 *    the wire bytes only by full header names (at most ~20 bytes longer
 *    than a compact one), ": " after each name, one line per list element,
 *    unfolded values (never longer) and a recomputed Content-Length, so
 *    len + 40 per header value + 64 is an upper bound; the GString is
 *    grown to that, written through a plain pointer and truncated.
 */
#include <stdio.h>
#include "models/sip/msg-private.h"

G_DEFINE_QUARK (sip-parse-error-quark, sip_parse_error)

/* ------------------------------------------------------------- header table */

#define D(name, id, c, f) { name, sizeof (name) - 1, id, c, f }
#define LIST SIP_HDEF_LIST

const SipHdrDef sip_hdr_defs[] = {
  /* Public ids, in SipHeaderId order (note 1). */
  D ("",                    SIP_HDR_OTHER,              0,   0),
  D ("Via",                 SIP_HDR_VIA,                'v', LIST),
  D ("From",                SIP_HDR_FROM,               'f', 0),
  D ("To",                  SIP_HDR_TO,                 't', 0),
  D ("Call-ID",             SIP_HDR_CALL_ID,            'i', 0),
  D ("CSeq",                SIP_HDR_CSEQ,               0,   0),
  D ("Contact",             SIP_HDR_CONTACT,            'm', LIST),
  D ("Max-Forwards",        SIP_HDR_MAX_FORWARDS,       0,   0),
  D ("Expires",             SIP_HDR_EXPIRES,            0,   0),
  D ("Min-Expires",         SIP_HDR_MIN_EXPIRES,        0,   0),
  D ("Retry-After",         SIP_HDR_RETRY_AFTER,        0,   0),
  D ("Supported",           SIP_HDR_SUPPORTED,          'k', LIST),
  D ("Require",             SIP_HDR_REQUIRE,            0,   LIST),
  D ("Proxy-Require",       SIP_HDR_PROXY_REQUIRE,      0,   LIST),
  D ("Unsupported",         SIP_HDR_UNSUPPORTED,        0,   LIST),
  D ("Allow",               SIP_HDR_ALLOW,              0,   LIST),
  D ("Flow-Timer",          SIP_HDR_FLOW_TIMER,         0,   0),
  D ("Path",                SIP_HDR_PATH,               0,   LIST),
  D ("Record-Route",        SIP_HDR_RECORD_ROUTE,       0,   LIST),
  D ("Route",               SIP_HDR_ROUTE,              0,   LIST),
  D ("WWW-Authenticate",    SIP_HDR_WWW_AUTHENTICATE,   0,   0),
  D ("Proxy-Authenticate",  SIP_HDR_PROXY_AUTHENTICATE, 0,   0),
  D ("Authorization",       SIP_HDR_AUTHORIZATION,      0,   0),
  D ("Proxy-Authorization", SIP_HDR_PROXY_AUTHORIZATION, 0,  0),
  D ("Content-Length",      SIP_HDR_CONTENT_LENGTH,     'l', 0),
  D ("Content-Type",        SIP_HDR_CONTENT_TYPE,       'c', 0),
  D ("User-Agent",          SIP_HDR_USER_AGENT,         0,   0),
  D ("Server",              SIP_HDR_SERVER,             0,   0),
  D ("Event",               SIP_HDR_EVENT,              'o', 0),
  D ("Subscription-State",  SIP_HDR_SUBSCRIPTION_STATE, 0,   0),
  D ("Allow-Events",        SIP_HDR_ALLOW_EVENTS,       'u', LIST),
  D ("Timestamp",           SIP_HDR_TIMESTAMP,          0,   0),
  /* Extras (note 1). */
  D ("Subject",             SIP_HDR_OTHER,              's', 0),
  D ("Content-Encoding",    SIP_HDR_OTHER,              'e', LIST),
  D ("Refer-To",            SIP_HDR_OTHER,              'r', 0),
  D ("Session-Expires",     SIP_HDR_OTHER,              'x', 0),
  D ("Referred-By",         SIP_HDR_OTHER,              'b', 0),
  D ("Accept-Contact",      SIP_HDR_OTHER,              'a', LIST),
  D ("Reject-Contact",      SIP_HDR_OTHER,              'j', LIST),
  D ("Request-Disposition", SIP_HDR_OTHER,              'd', LIST),
  D ("Identity",            SIP_HDR_OTHER,              'y', 0),
  D ("Identity-Info",       SIP_HDR_OTHER,              'n', 0),
  D ("Accept",              SIP_HDR_OTHER,              0,   LIST),
  D ("Accept-Encoding",     SIP_HDR_OTHER,              0,   LIST),
  D ("Accept-Language",     SIP_HDR_OTHER,              0,   LIST),
  D ("Alert-Info",          SIP_HDR_OTHER,              0,   LIST),
  D ("Call-Info",           SIP_HDR_OTHER,              0,   LIST),
  D ("Content-Language",    SIP_HDR_OTHER,              0,   LIST),
  D ("Error-Info",          SIP_HDR_OTHER,              0,   LIST),
  D ("In-Reply-To",         SIP_HDR_OTHER,              0,   LIST),
  D ("Warning",             SIP_HDR_OTHER,              0,   LIST),
};
#undef D
#undef LIST

G_STATIC_ASSERT (SIP_HDR__COUNT == 32);

/* A name of two or more bytes: its first candidate by first letter and
 * length (a sip_hdr_defs index, 0: none), then hdr_next[] of that (four
 * pairs share both: Call-ID/Contact, Retry-After/Referred-By,
 * Content-Encoding/Content-Language, Accept-Encoding/Accept-Language).
 * One compare per name instead of a walk over every name with its first
 * letter.  Generated from the table above; the tests look every name and
 * compact form up. */
#define HDR_MAX_NAME 19
static const guint8 hdr_by_first_len[26][HDR_MAX_NAME + 1] = {
  ['a' - 'a'] = { [5] = 15, [6] = 42, [10] = 45, [12] = 30, [13] = 22, [14] = 37, [15] = 43 },
  ['c' - 'a'] = { [4] = 5, [7] = 4, [9] = 46, [12] = 25, [14] = 24, [16] = 33 },
  ['e' - 'a'] = { [5] = 28, [7] = 8, [10] = 48 },
  ['f' - 'a'] = { [4] = 2, [10] = 16 },
  ['i' - 'a'] = { [8] = 40, [11] = 49, [13] = 41 },
  ['m' - 'a'] = { [11] = 9, [12] = 7 },
  ['p' - 'a'] = { [4] = 17, [13] = 13, [18] = 21, [19] = 23 },
  ['r' - 'a'] = { [5] = 19, [7] = 12, [8] = 34, [11] = 10, [12] = 18, [14] = 38, [19] = 39 },
  ['s' - 'a'] = { [6] = 27, [7] = 32, [9] = 11, [15] = 35, [18] = 29 },
  ['t' - 'a'] = { [2] = 3, [9] = 31 },
  ['u' - 'a'] = { [10] = 26, [11] = 14 },
  ['v' - 'a'] = { [3] = 1 },
  ['w' - 'a'] = { [7] = 50, [16] = 20 },
};
static const guint8 hdr_next[G_N_ELEMENTS (sip_hdr_defs)] = {
  [4] = 6, [10] = 36, [33] = 47, [43] = 44,
};
/* Compact forms by letter. */
static const guint8 hdr_compact[26] = {
  ['a' - 'a'] = 37, ['b' - 'a'] = 36, ['c' - 'a'] = 25, ['d' - 'a'] = 39, ['e' - 'a'] = 33, ['f' - 'a'] = 2, ['i' - 'a'] = 4, ['j' - 'a'] = 38, ['k' - 'a'] = 11, ['l' - 'a'] = 24, ['m' - 'a'] = 6, ['n' - 'a'] = 41, ['o' - 'a'] = 28, ['r' - 'a'] = 34, ['s' - 'a'] = 32, ['t' - 'a'] = 3, ['u' - 'a'] = 30, ['v' - 'a'] = 1, ['x' - 'a'] = 35, ['y' - 'a'] = 40,
};

int
sip_hdr_def_lookup (const char *p, gsize len)
{
  if (len == 0)
    return -1;
  guint c0 = sip_lower[(guint8) p[0]];
  if (c0 < 'a' || c0 > 'z')
    return -1;
  if (len == 1)
    return hdr_compact[c0 - 'a'] ? hdr_compact[c0 - 'a'] : -1;
  if (len > HDR_MAX_NAME)
    return -1;
  for (guint i = hdr_by_first_len[c0 - 'a'][len]; i != 0; i = hdr_next[i])
    if (sip_caseeq_n (p + 1, sip_hdr_defs[i].name + 1, len - 1))
      return (int) i;
  return -1;
}

SipHeaderId
sip_header_id_from_name (SipStr name)
{
  if (name.p == NULL)
    return SIP_HDR_OTHER;
  int i = sip_hdr_def_lookup (name.p, name.len);
  return i < 0 ? SIP_HDR_OTHER : (SipHeaderId) sip_hdr_defs[i].id;
}

const char *
sip_header_name (SipHeaderId id)
{
  g_return_val_if_fail (id > SIP_HDR_OTHER && id < SIP_HDR__COUNT, "");
  return sip_hdr_defs[id].name;
}

/* ------------------------------------------------------------- methods */

static const char *const method_names[] = {
  "UNKNOWN", "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK",
  "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
};

SipMethod
sip_method_from_str (SipStr s)
{
  if (s.p == NULL || s.len < 3 || s.len > 9)
    return SIP_METHOD_UNKNOWN;
  for (guint i = 1; i < G_N_ELEMENTS (method_names); i++)
    if (method_names[i][0] == s.p[0] && strlen (method_names[i]) == s.len
        && memcmp (method_names[i], s.p, s.len) == 0)
      return (SipMethod) i;
  return SIP_METHOD_UNKNOWN;
}

const char *
sip_method_to_string (SipMethod m)
{
  if ((guint) m >= G_N_ELEMENTS (method_names))
    return "UNKNOWN";
  return method_names[m];
}

const char *
sip_status_reason (guint code)
{
  switch (code)
    {
    /* §21 and the extensions this project meets. */
    case 100: return "Trying";
    case 180: return "Ringing";
    case 181: return "Call Is Being Forwarded";
    case 182: return "Queued";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Moved Temporarily";
    case 305: return "Use Proxy";
    case 380: return "Alternative Service";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 420: return "Bad Extension";
    case 421: return "Extension Required";
    case 423: return "Interval Too Brief";
    case 430: return "Flow Failed";                  /* RFC 5626 */
    case 439: return "First Hop Lacks Outbound Support"; /* RFC 5626 */
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 483: return "Too Many Hops";
    case 484: return "Address Incomplete";
    case 485: return "Ambiguous";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 489: return "Bad Event";                    /* RFC 6665 */
    case 491: return "Request Pending";
    case 493: return "Undecipherable";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    default:  return "";
    }
}

/* ------------------------------------------------------------- lifetime */

void
sip_msg_free_ (SipMsg *m)
{
  if (m->hdr != m->hdr_inline)
    g_free (m->hdr);
  if (m->via != m->via_inline)
    g_free (m->via);
  if (m->contact != m->contact_inline)
    g_free (m->contact);
  g_free (m->route.v);
  g_free (m->record_route.v);
  g_free (m->path.v);
  if (m->block)
    sip_msg_block_put_ (m);
  else
    g_free (m);
}

/* msg-private.h note 1: plain malloc, no list of freed blocks. */
gpointer
sip_msg_block_get_ (void)
{
  return g_malloc (SIP_MSG_BLOCK);
}

void
sip_msg_block_put_ (gpointer block)
{
  g_free (block);
}

SipMsg *
sip_msg_ref (SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  msg->ref++;
  return msg;
}

void
sip_msg_unref (SipMsg *msg)
{
  if (msg == NULL)
    return;
  g_return_if_fail (msg->ref > 0);
  if (--msg->ref == 0)
    sip_msg_free_ (msg);
}

/* ------------------------------------------------------------- accessors */

gboolean
sip_msg_is_request (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, FALSE);
  return msg->is_request;
}

SipMethod
sip_msg_method (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, SIP_METHOD_UNKNOWN);
  return msg->method;
}

SipStr
sip_msg_method_str (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, SIP_STR_NULL);
  return msg->method_str;
}

const SipUri *
sip_msg_request_uri (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  sip_msg_realize_ (msg, 0);
  return msg->is_request ? &msg->ruri : NULL;
}

SipStr
sip_msg_request_uri_str (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, SIP_STR_NULL);
  return msg->ruri_str;
}

guint
sip_msg_status (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->status;
}

SipStr
sip_msg_reason (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, SIP_STR_NULL);
  return msg->reason;
}

guint
sip_msg_via_count (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  sip_msg_realize_ (msg, SIP_HDR_VIA);
  return msg->n_via;
}

const SipVia *
sip_msg_via (const SipMsg *msg, guint n)
{
  g_return_val_if_fail (msg != NULL, NULL);
  sip_msg_realize_ (msg, SIP_HDR_VIA);
  return n < msg->n_via ? &msg->via[n] : NULL;
}

const SipNameAddr *
sip_msg_from (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  sip_msg_realize_ (msg, SIP_HDR_FROM);
  return &msg->from;
}

const SipNameAddr *
sip_msg_to (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  sip_msg_realize_ (msg, SIP_HDR_TO);
  return &msg->to;
}

SipStr
sip_msg_call_id (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, SIP_STR_NULL);
  return msg->call_id;
}

const SipCSeq *
sip_msg_cseq (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, NULL);
  sip_msg_realize_ (msg, SIP_HDR_CSEQ);
  return &msg->cseq;
}

guint
sip_msg_contact_count (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  sip_msg_realize_ (msg, SIP_HDR_CONTACT);
  return msg->n_contact;
}

const SipContact *
sip_msg_contact (const SipMsg *msg, guint n)
{
  g_return_val_if_fail (msg != NULL, NULL);
  sip_msg_realize_ (msg, SIP_HDR_CONTACT);
  return n < msg->n_contact ? &msg->contact[n] : NULL;
}

static const SipNameAddrList *
route_list (const SipMsg *msg, SipHeaderId id)
{
  if (id == SIP_HDR_ROUTE || id == SIP_HDR_RECORD_ROUTE || id == SIP_HDR_PATH)
    sip_msg_realize_ (msg, id);
  switch (id)
    {
    case SIP_HDR_ROUTE:        return &msg->route;
    case SIP_HDR_RECORD_ROUTE: return &msg->record_route;
    case SIP_HDR_PATH:         return &msg->path;
    default:                   return NULL;
    }
}

guint
sip_msg_route_count (const SipMsg *msg, SipHeaderId id)
{
  g_return_val_if_fail (msg != NULL, 0);
  const SipNameAddrList *l = route_list (msg, id);
  g_return_val_if_fail (l != NULL, 0);
  return l->n;
}

const SipNameAddr *
sip_msg_route (const SipMsg *msg, SipHeaderId id, guint n)
{
  g_return_val_if_fail (msg != NULL, NULL);
  const SipNameAddrList *l = route_list (msg, id);
  g_return_val_if_fail (l != NULL, NULL);
  return n < l->n ? &l->v[n] : NULL;
}

gint64
sip_msg_max_forwards (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, -1);
  sip_msg_realize_ (msg, SIP_HDR_MAX_FORWARDS);
  return msg->max_forwards;
}

gint64
sip_msg_expires (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, -1);
  sip_msg_realize_ (msg, SIP_HDR_EXPIRES);
  return msg->expires;
}

gint64
sip_msg_min_expires (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, -1);
  sip_msg_realize_ (msg, SIP_HDR_MIN_EXPIRES);
  return msg->min_expires;
}

gint64
sip_msg_retry_after (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, -1);
  sip_msg_realize_ (msg, SIP_HDR_RETRY_AFTER);
  return msg->retry_after;
}

gint64
sip_msg_flow_timer (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, -1);
  sip_msg_realize_ (msg, SIP_HDR_FLOW_TIMER);
  return msg->flow_timer;
}

gboolean
sip_msg_has_option_tag (const SipMsg *msg, SipHeaderId id, const char *tag)
{
  g_return_val_if_fail (msg != NULL && tag != NULL, FALSE);
  g_return_val_if_fail (id == SIP_HDR_SUPPORTED || id == SIP_HDR_REQUIRE
                        || id == SIP_HDR_PROXY_REQUIRE || id == SIP_HDR_UNSUPPORTED, FALSE);
  /* Tokens compare case-insensitively (§7.3.1). */
  for (guint i = 0; i < msg->n_hdr; i++)
    if (msg->hdr[i].id == id && sip_str_caseeq (msg->hdr[i].value, tag))
      return TRUE;
  return FALSE;
}

guint
sip_msg_header_count (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, 0);
  return msg->n_hdr;
}

const SipHeader *
sip_msg_header_nth (const SipMsg *msg, guint n)
{
  g_return_val_if_fail (msg != NULL, NULL);
  return n < msg->n_hdr ? &msg->hdr[n] : NULL;
}

SipStr
sip_msg_header_by_id (const SipMsg *msg, SipHeaderId id, guint n)
{
  g_return_val_if_fail (msg != NULL, SIP_STR_NULL);
  g_return_val_if_fail (id != SIP_HDR_OTHER, SIP_STR_NULL);
  for (guint i = 0; i < msg->n_hdr; i++)
    if (msg->hdr[i].id == id && n-- == 0)
      return msg->hdr[i].value;
  return SIP_STR_NULL;
}

SipStr
sip_msg_header (const SipMsg *msg, const char *name, guint n)
{
  g_return_val_if_fail (msg != NULL && name != NULL, SIP_STR_NULL);
  gsize len = strlen (name);
  int def = sip_hdr_def_lookup (name, len);

  if (def > 0 && sip_hdr_defs[def].id != SIP_HDR_OTHER)
    return sip_msg_header_by_id (msg, (SipHeaderId) sip_hdr_defs[def].id, n);
  for (guint i = 0; i < msg->n_hdr; i++)
    {
      const SipHeader *h = &msg->hdr[i];
      if (h->id != SIP_HDR_OTHER)
        continue;
      gboolean match = def > 0
        ? sip_hdr_def_lookup (h->name.p, h->name.len) == def
        : (h->name.len == len && sip_caseeq_n (h->name.p, name, len));
      if (match && n-- == 0)
        return h->value;
    }
  return SIP_STR_NULL;
}

SipStr
sip_msg_body (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, SIP_STR_NULL);
  return msg->body;
}

SipStr
sip_msg_raw (const SipMsg *msg)
{
  g_return_val_if_fail (msg != NULL, SIP_STR_NULL);
  return msg->raw;
}

/* ------------------------------------------------------------- serialise */

static inline char *
put (char *d, const char *s, gsize n)
{
  memcpy (d, s, n);
  return d + n;
}

void
sip_msg_serialise (const SipMsg *msg, GString *out)
{
  g_return_if_fail (msg != NULL && out != NULL);

  gsize old = out->len;
  gsize bound = msg->raw.len + 40 * (gsize) msg->n_hdr + 64;    /* note 2 */
  g_string_set_size (out, old + bound);
  char *d = out->str + old;

  if (msg->is_request)
    {
      d = put (d, msg->method_str.p, msg->method_str.len);
      *d++ = ' ';
      d = put (d, msg->ruri_str.p, msg->ruri_str.len);
      d = put (d, " SIP/2.0\r\n", 10);
    }
  else
    {
      d = put (d, "SIP/2.0 ", 8);
      *d++ = (char) ('0' + msg->status / 100);
      *d++ = (char) ('0' + msg->status / 10 % 10);
      *d++ = (char) ('0' + msg->status % 10);
      *d++ = ' ';
      d = put (d, msg->reason.p, msg->reason.len);
      d = put (d, "\r\n", 2);
    }

  for (guint i = 0; i < msg->n_hdr; i++)
    {
      const SipHeader *h = &msg->hdr[i];
      if (h->id == SIP_HDR_CONTENT_LENGTH)
        continue;
      if (h->id != SIP_HDR_OTHER)
        d = put (d, sip_hdr_defs[h->id].name, sip_hdr_defs[h->id].len);
      else if (h->name.len == 1)
        {
          int def = sip_hdr_def_lookup (h->name.p, 1);
          if (def > 0)
            d = put (d, sip_hdr_defs[def].name, sip_hdr_defs[def].len);
          else
            d = put (d, h->name.p, 1);
        }
      else
        d = put (d, h->name.p, h->name.len);
      *d++ = ':';
      *d++ = ' ';
      if (msg->folded)
        d = sip_copy_unfolded (d, h->value);
      else
        d = put (d, h->value.p, h->value.len);
      *d++ = '\r';
      *d++ = '\n';
    }
  char cl[40];
  int n = snprintf (cl, sizeof cl, "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", msg->body.len);
  d = put (d, cl, (gsize) n);
  d = put (d, msg->body.p, msg->body.len);

  g_assert ((gsize) (d - (out->str + old)) <= bound);
  g_string_truncate (out, (gsize) (d - out->str));
}
