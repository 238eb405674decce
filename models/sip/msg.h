/*
 * models/sip/msg.h - SIP messages: parse, inspect, serialise (RFC 3261 §7,
 * §20, §25).
 *
 * Notes
 *
 * 1. Zero copy.  sip_msg_parse() copies the wire bytes once into the SipMsg
 *    and every string the message hands out (SipStr) is a slice of that
 *    copy: pointer plus length, NOT NUL-terminated, valid as long as the
 *    SipMsg lives.  Headers the transaction and registration code read on
 *    every message (Via, From, To, Call-ID, CSeq, Contact, Expires, ...)
 *    are parsed eagerly into the structs below; every other header is kept
 *    as a (name, value) slice and reachable by name.
 *
 * 2. Immutable.  A parsed SipMsg never changes.  To forward or answer one,
 *    build a new message with SipBuilder (models/sip/builder.h), which can
 *    copy headers from a parsed message.  A message the builder hands back
 *    fills each eagerly parsed header's struct when it is first read
 *    (msg-private.h note 3); what a reader sees never changes, and is
 *    what sip_msg_parse() of the same bytes gives.
 *
 * 3. Header lists.  A header line whose grammar is a comma-separated list
 *    (Via, Contact, Route, Record-Route, Path, Supported, Require, Allow,
 *    Proxy-Require, Unsupported, ...) is split into one entry per value, so
 *    "Via: a, b" and two Via lines look the same to the reader.  Headers
 *    whose values contain commas but are not lists (WWW-Authenticate,
 *    Authorization, Date, ...) are never split.  Compact forms (§7.3.3 and
 *    extensions: v, f, t, m, i, l, c, k, s, e, o, r, u, x, a, b, d, j, n,
 *    y) are accepted, found by the full name and serialised under it;
 *    names compare case-insensitively; obsolete line folding (CRLF
 *    followed by SP/HT) is read as a single SP.
 *
 * 4. Bad input is an error, never a crash.  Malformed bytes give NULL and a
 *    GError in SIP_PARSE_ERROR naming what was wrong; the parser never reads
 *    outside [data, data+len).  Bytes that end before the empty line after
 *    the headers are SIP_PARSE_ERROR_INCOMPLETE; a body shorter than its
 *    Content-Length is SIP_PARSE_ERROR_CONTENT_LENGTH (a datagram cannot
 *    grow).  Stream code does not parse to find out whether a message is
 *    all there: sip_frame() (framing.h) finds where it ends and says
 *    SIP_FRAME_NEED_MORE until then.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------- strings */

/* A slice of a message's bytes: NOT NUL-terminated.  {NULL, 0} = absent. */
typedef struct {
  const char *p;
  gsize       len;
} SipStr;

#define SIP_STR_NULL ((SipStr) { NULL, 0 })

static inline gboolean sip_str_present (SipStr s) { return s.p != NULL; }
gboolean sip_str_eq      (SipStr s, const char *cstr);     /* exact */
gboolean sip_str_caseeq  (SipStr s, const char *cstr);     /* ASCII case-insensitive */
/* Parses a decimal number that must fill the whole slice and fit in
 * [0, G_MAXUINT32]; FALSE otherwise. */
gboolean sip_str_to_u32  (SipStr s, guint32 *out);
/* Newly allocated NUL-terminated copy; g_free() it.  NULL for absent. */
char    *sip_str_dup     (SipStr s);
/* A GHashFunc for NUL-terminated strings (transaction keys, AORs): a
 * word per step where g_str_hash() takes a multiply-add per byte.  Its
 * order differs from g_str_hash()'s, so only for tables that are never
 * iterated, or whose order nothing sees. */
guint    sip_str_hash    (gconstpointer key);

/* ------------------------------------------------------------- errors */

#define SIP_PARSE_ERROR (sip_parse_error_quark ())
GQuark sip_parse_error_quark (void);

typedef enum {
  SIP_PARSE_ERROR_INCOMPLETE,      /* valid so far, more bytes needed */
  SIP_PARSE_ERROR_TOO_LARGE,       /* beyond SIP_MSG_MAX_SIZE or header limits */
  SIP_PARSE_ERROR_START_LINE,      /* request or status line malformed */
  SIP_PARSE_ERROR_VERSION,         /* not SIP/2.0 */
  SIP_PARSE_ERROR_HEADER,          /* header line malformed (no colon, bad name) */
  SIP_PARSE_ERROR_HEADER_VALUE,    /* a known header's value does not parse */
  SIP_PARSE_ERROR_URI,             /* a URI does not parse */
  SIP_PARSE_ERROR_MISSING_HEADER,  /* Via, From, To, Call-ID or CSeq absent */
  SIP_PARSE_ERROR_CONTENT_LENGTH,  /* bad, or disagrees with the datagram */
} SipParseError;

/* Bytes, headers: limits that bound memory on hostile input. */
#define SIP_MSG_MAX_SIZE    65535
#define SIP_MSG_MAX_HEADERS 256

/* ------------------------------------------------------------- methods */

typedef enum {
  SIP_METHOD_UNKNOWN = 0,          /* an extension method: see sip_msg_method_str() */
  SIP_METHOD_INVITE,
  SIP_METHOD_ACK,
  SIP_METHOD_BYE,
  SIP_METHOD_CANCEL,
  SIP_METHOD_OPTIONS,
  SIP_METHOD_REGISTER,
  SIP_METHOD_PRACK,
  SIP_METHOD_SUBSCRIBE,
  SIP_METHOD_NOTIFY,
  SIP_METHOD_PUBLISH,
  SIP_METHOD_INFO,
  SIP_METHOD_REFER,
  SIP_METHOD_MESSAGE,
  SIP_METHOD_UPDATE,
} SipMethod;

/* Method tokens are case-sensitive (§7.1). */
SipMethod   sip_method_from_str (SipStr s);
const char *sip_method_to_string (SipMethod m);      /* static; "UNKNOWN" for 0 */
/* Default reason phrase for a status code (§21), "" if none is known. */
const char *sip_status_reason   (guint code);

/* ------------------------------------------------------------- URIs */

typedef enum {
  SIP_URI_SIP,
  SIP_URI_SIPS,
  SIP_URI_TEL,
  SIP_URI_OTHER,                   /* any other absoluteURI (§25.1): mailto:, http:, ... */
} SipUriScheme;

typedef enum {
  SIP_HOST_DOMAIN,                 /* "example.com" */
  SIP_HOST_IPV4,                   /* "192.0.2.4" */
  SIP_HOST_IPV6,                   /* "[2001:db8::1]" (host slice keeps the brackets) */
} SipHostType;

/* A parsed URI.  Slices point into the string it was parsed from.
 *
 * A URI of another scheme (SIP_URI_OTHER) is kept whole and not split:
 * RFC 3261 lets a Request-URI, From, To or Contact carry any absoluteURI
 * (§25.1 Request-URI and addr-spec; §10.2.1 registers a "mailto:" Contact,
 * as RFC 3665 §2.2 does; RFC 4475 §3.3.2-§3.3.4), and accepting one is the
 * parser's job while refusing it (416 Unsupported URI Scheme, §8.2.2.1)
 * is the TU's.  Then scheme_name and opaque are set, user, password,
 * host, params and headers are absent and port is 0. */
typedef struct {
  SipUriScheme scheme;
  SipStr       scheme_name;        /* as written, without the ':'; every scheme */
  SipStr       user;               /* absent if no userinfo; tel: the number */
  SipStr       password;           /* absent if none */
  SipStr       host;               /* absent for tel: and other schemes */
  SipHostType  host_type;
  guint16      port;               /* 0 = no port given */
  SipStr       params;             /* raw ";a=b;lr", without the leading ';' */
  SipStr       headers;            /* raw "a=b&c=d", without the leading '?' */
  SipStr       opaque;             /* SIP_URI_OTHER: all after "scheme:"; else absent */
} SipUri;

/* Parses an absolute URI filling exactly [p, p+len): sip:, sips: and tel:
 * split into their parts, any other scheme checked against §25.1
 * absoluteURI (scheme ":" 1*uric, escapes well-formed) and kept as
 * scheme_name + opaque.  Slices in @out point into @p. */
gboolean sip_uri_parse       (const char *p, gsize len, SipUri *out, GError **error);
/* Points every slice of @uri, parsed from the text at @from, at the same
 * offsets of @to, a copy of that text: what sip_uri_parse() of the copy
 * would give (a parse depends on the bytes only), without parsing again. */
void     sip_uri_rebase      (SipUri *uri, const char *from, const char *to);
/* Looks up a URI parameter by name (case-insensitive).  Returns TRUE if
 * present; *@value is its value, or an empty non-NULL slice for a flag
 * parameter such as "lr".  @value may be NULL. */
gboolean sip_uri_param       (const SipUri *uri, const char *name, SipStr *value);
/* RFC 3261 §19.1.4 comparison (scheme, userinfo case-sensitive, host
 * case-insensitive, port, and the transport/user/ttl/method/maddr params).
 * Two SIP_URI_OTHER URIs are equal if their scheme names match ignoring
 * case and their opaque parts are the same bytes: RFC 3986 §6.2.1 simple
 * string comparison, since only the scheme's own spec says what else is
 * equivalent ("mailto:%62ob@x" and "mailto:bob@x" differ here). */
gboolean sip_uri_equal       (const SipUri *a, const SipUri *b);
/* Appends the URI in canonical form to @out: the scheme in lower case
 * (RFC 3986 §6.2.2.1), the rest as parsed; another scheme is written
 * "scheme:" + opaque. */
void     sip_uri_append      (const SipUri *uri, GString *out);

/* Generic ";name=value;flag" parameter list lookup used for Via, From,
 * To, Contact ... (case-insensitive names).  Same contract as
 * sip_uri_param(). */
gboolean sip_params_get      (SipStr params, const char *name, SipStr *value);

/* ------------------------------------------------------------- headers */

typedef enum {
  SIP_HDR_OTHER = 0,               /* any header not listed: look up by name */
  SIP_HDR_VIA,
  SIP_HDR_FROM,
  SIP_HDR_TO,
  SIP_HDR_CALL_ID,
  SIP_HDR_CSEQ,
  SIP_HDR_CONTACT,
  SIP_HDR_MAX_FORWARDS,
  SIP_HDR_EXPIRES,
  SIP_HDR_MIN_EXPIRES,
  SIP_HDR_RETRY_AFTER,
  SIP_HDR_SUPPORTED,
  SIP_HDR_REQUIRE,
  SIP_HDR_PROXY_REQUIRE,
  SIP_HDR_UNSUPPORTED,
  SIP_HDR_ALLOW,
  SIP_HDR_FLOW_TIMER,
  SIP_HDR_PATH,
  SIP_HDR_RECORD_ROUTE,
  SIP_HDR_ROUTE,
  SIP_HDR_WWW_AUTHENTICATE,
  SIP_HDR_PROXY_AUTHENTICATE,
  SIP_HDR_AUTHORIZATION,
  SIP_HDR_PROXY_AUTHORIZATION,
  SIP_HDR_CONTENT_LENGTH,
  SIP_HDR_CONTENT_TYPE,
  SIP_HDR_USER_AGENT,
  SIP_HDR_SERVER,
  SIP_HDR_EVENT,
  SIP_HDR_SUBSCRIPTION_STATE,
  SIP_HDR_ALLOW_EVENTS,
  SIP_HDR_TIMESTAMP,
  SIP_HDR__COUNT
} SipHeaderId;

/* Case-insensitive, compact forms included; SIP_HDR_OTHER if not listed. */
SipHeaderId sip_header_id_from_name (SipStr name);
const char *sip_header_name         (SipHeaderId id);  /* canonical full name */

/* One header value (one list element for list headers). */
typedef struct {
  SipHeaderId id;
  SipStr      name;                /* as on the wire (may be compact) */
  SipStr      value;               /* trimmed; folding kept as in the bytes */
} SipHeader;

/* Via (§20.42) */
typedef struct {
  SipStr   transport;              /* "UDP", "TCP", "TLS", ... */
  SipStr   host;                   /* sent-by host */
  guint16  port;                   /* 0 = none given */
  SipStr   branch;                 /* absent if no branch param */
  SipStr   received;               /* absent if none */
  gboolean has_rport;              /* ";rport" present, with or without value */
  guint16  rport;                  /* 0 = no value ("rport" flag only) */
  SipStr   params;                 /* raw, without the leading ';' */
} SipVia;

/* From, To, Contact, Route, Record-Route, Path (name-addr / addr-spec). */
typedef struct {
  SipStr   display;                /* without quotes; escapes left as-is */
  SipUri   uri;
  SipStr   uri_str;                /* the URI text, without < > */
  SipStr   tag;                    /* ;tag= (From/To); absent if none */
  SipStr   params;                 /* header params after the URI, raw */
} SipNameAddr;

/* Contact (§20.10, RFC 5626 §4.2) */
typedef struct {
  gboolean    star;                /* "Contact: *" (then addr is empty) */
  SipNameAddr addr;
  gint64      expires;             /* ;expires=N, -1 if absent */
  SipStr      instance;            /* +sip.instance value, quotes removed */
  gint32      reg_id;              /* ;reg-id=N, -1 if absent */
} SipContact;

typedef struct {
  guint32   seq;
  SipMethod method;
  SipStr    method_str;
} SipCSeq;

/* ------------------------------------------------------------- messages */

typedef struct SipMsg SipMsg;

/* Parses exactly one message from [data, data+len).  For datagrams the
 * message must fill the bytes (Content-Length, if present, may not exceed
 * what remains; bytes beyond it are discarded, as §18.3 requires, and are
 * not part of sip_msg_raw()).  Without Content-Length the body is the rest
 * of the bytes.  The bytes are copied.  Returns NULL and sets @error on
 * malformed input. */
SipMsg      *sip_msg_parse     (const guint8 *data, gsize len, GError **error);
SipMsg      *sip_msg_ref       (SipMsg *msg);
void         sip_msg_unref     (SipMsg *msg);         /* NULL-safe */

gboolean     sip_msg_is_request   (const SipMsg *msg);
/* Requests */
SipMethod    sip_msg_method       (const SipMsg *msg);
SipStr       sip_msg_method_str   (const SipMsg *msg);
const SipUri *sip_msg_request_uri (const SipMsg *msg);
SipStr       sip_msg_request_uri_str (const SipMsg *msg);
/* Responses */
guint        sip_msg_status       (const SipMsg *msg); /* 0 for requests */
SipStr       sip_msg_reason       (const SipMsg *msg);

/* Eagerly parsed headers.  Pointers are owned by @msg. */
guint        sip_msg_via_count    (const SipMsg *msg);
const SipVia *sip_msg_via         (const SipMsg *msg, guint n);  /* 0 = top; NULL past end */
const SipNameAddr *sip_msg_from   (const SipMsg *msg);
const SipNameAddr *sip_msg_to     (const SipMsg *msg);
SipStr       sip_msg_call_id      (const SipMsg *msg);
const SipCSeq *sip_msg_cseq       (const SipMsg *msg);
guint        sip_msg_contact_count (const SipMsg *msg);
const SipContact *sip_msg_contact (const SipMsg *msg, guint n);  /* NULL past end */
/* Route, Record-Route, Path entries in order; NULL past end. */
guint        sip_msg_route_count  (const SipMsg *msg, SipHeaderId id);
const SipNameAddr *sip_msg_route  (const SipMsg *msg, SipHeaderId id, guint n);
/* Numeric headers: -1 if absent.  Retry-After: the delta-seconds only. */
gint64       sip_msg_max_forwards (const SipMsg *msg);
gint64       sip_msg_expires      (const SipMsg *msg);
gint64       sip_msg_min_expires  (const SipMsg *msg);
gint64       sip_msg_retry_after  (const SipMsg *msg);
gint64       sip_msg_flow_timer   (const SipMsg *msg);
/* TRUE if Supported/Require/Proxy-Require/Unsupported (@id) lists @tag. */
gboolean     sip_msg_has_option_tag (const SipMsg *msg, SipHeaderId id, const char *tag);

/* Every header value in wire order (list headers split, note 3). */
guint        sip_msg_header_count (const SipMsg *msg);
const SipHeader *sip_msg_header_nth (const SipMsg *msg, guint n);
/* The @n-th value of a header by name (compact forms and case folded).
 * Absent slice if there are fewer. */
SipStr       sip_msg_header       (const SipMsg *msg, const char *name, guint n);
SipStr       sip_msg_header_by_id (const SipMsg *msg, SipHeaderId id, guint n);

SipStr       sip_msg_body         (const SipMsg *msg); /* empty (non-NULL) if none */
/* The wire bytes the message was parsed from. */
SipStr       sip_msg_raw          (const SipMsg *msg);

/* Serialises in canonical form: start line, every header (full names, one
 * value per line, wire order), Content-Length recomputed from the body,
 * blank line, body.  Appends to @out. */
void         sip_msg_serialise    (const SipMsg *msg, GString *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipMsg, sip_msg_unref)

G_END_DECLS
