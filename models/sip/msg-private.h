/*
 * models/sip/msg-private.h - the SipMsg layout and the helpers shared by
 * uri.c, msg-parse.c, msg.c, builder.c and framing.c.  Not for use outside
 * models/sip.
 *
 * Notes
 *
 * 1. One allocation.  A SipMsg is a single g_malloc(): the struct, with
 *    small inline arrays for headers, Vias and Contacts, followed by the
 *    copy of the wire bytes every SipStr points into.  Only a message with
 *    more than SIP_MSG_INLINE_* entries, or with Route/Record-Route/Path,
 *    allocates again (the arrays spill to the heap, doubling).  The
 *    block is SIP_MSG_BLOCK bytes whenever the message fits (nearly all
 *    do: 2.5 KiB of struct, the rest for the bytes), so a freed block
 *    fits the next message.  A block that size is far above glibc's
 *    tcache and fast bins: malloc plus free of one cost about 900
 *    instructions, a tenth of parsing the message.  A list of freed
 *    blocks kept per thread made that a few (-0.87 M instructions per
 *    quick-start phone-day, issue 17), but it was a global, which
 *    DESIGN.md principle 2 rules out for models; a list owned by the
 *    world would need the world passed to every parse, and was not done.
 *
 * 2. Character classes are one table lookup (sip_cc[]), built from the
 *    RFC 3261 §25.1 ABNF sets; the parser never calls ctype.h (locale) or
 *    a regex.
 *
 * 3. Built messages are parsed on first read.  The builder (builder.c)
 *    hands back the SipMsg it built without parsing its own bytes: it
 *    knows where every line, name and value is, and fills the start line
 *    and the header table through the same functions the parser uses
 *    (sip_msg_start_line_(), sip_msg_header_line_(), sip_msg_end_headers_()),
 *    but with @defer set: the eager structs of a header (Via, From, To,
 *    CSeq, Contact, the route lists, the numeric headers) and the
 *    Request-URI are not parsed then (but for a Via the builder wrote
 *    itself, which it fills from the parts it knows: builder.c note 6).
 *    Bit i of SipMsg.pending says header id i (bit 0: the Request-URI)
 *    still waits; each accessor in msg.c calls sip_msg_realize_() first,
 *    which runs the parser's value parser on every value of that header,
 *    in order, exactly as sip_msg_parse() would have.  So a reader sees the same fields either way (a test
 *    compares them field by field: sip_msg_same_fields_()), and a sender
 *    pays only for the headers it reads.  A received message never has a
 *    pending bit: the receiver must reject malformed input at once.
 *    Realising mutates a message readers hold as const: one run is one
 *    thread, and the values it fills never change once filled.
 */
#pragma once
#include <string.h>
#include "models/sip/msg.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------- char classes */

enum {
  CC_TOKEN = 1 << 0,   /* token (§25.1) */
  CC_WS    = 1 << 1,   /* SP / HTAB */
  CC_LWS   = 1 << 2,   /* SP / HTAB / CR / LF (folding inside a value) */
  CC_DIGIT = 1 << 3,
  CC_HEX   = 1 << 4,
  CC_ALPHA = 1 << 5,
  CC_USER  = 1 << 6,   /* unreserved / user-unreserved, plus '%' (§19.1.1) */
  CC_PASS  = 1 << 7,   /* unreserved / "&=+$,", plus '%' */
  CC_HOST  = 1 << 8,   /* alphanum "-" "." and, leniently, "_" */
  CC_PARAM = 1 << 9,   /* paramchar plus '=' and ';' (the raw params slice) */
  CC_HDRS  = 1 << 10,  /* hnv-unreserved / unreserved plus '=' and '&' */
  CC_URIC  = 1 << 11,  /* uric = reserved / unreserved, plus '%' (absoluteURI) */
  CC_LIST  = 1 << 12,  /* '"' '<' ',': where a list value's split may change */
};

extern const guint16 sip_cc[256];
extern const guint8  sip_lower[256];

#define SIP_CC(c, cls) ((sip_cc[(guint8) (c)] & (cls)) != 0)

static inline gboolean
sip_caseeq_n (const char *a, const char *b, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (sip_lower[(guint8) a[i]] != sip_lower[(guint8) b[i]])
      return FALSE;
  return TRUE;
}

static inline SipStr
sip_str (const char *p, gsize len)
{
  return (SipStr) { p, len };
}

static inline const char *
sip_skip_lws (const char *p, const char *e)
{
  while (p < e && SIP_CC (*p, CC_LWS))
    p++;
  return p;
}

/* @p is at the opening '"' of a quoted-string (§25.1: a quoted-pair "\x"
 * is two bytes).  Returns the byte after the closing '"', or NULL if the
 * string does not end before @e. */
static inline const char *
sip_skip_quoted (const char *p, const char *e)
{
  /* Most quoted strings hold no quoted-pair: then the end is the next
   * '"', which memchr finds (a display name, +sip.instance). */
  const char *q = memchr (p + 1, '"', (gsize) (e - p - 1));
  if (q != NULL && memchr (p + 1, '\\', (gsize) (q - p - 1)) == NULL)
    return q + 1;
  for (p++; p < e; p++)
    {
      if (*p == '"')
        return p + 1;
      if (*p == '\\' && ++p == e)
        break;
    }
  return NULL;
}

/* Trims LWS (SP, HT, and the CR LF of a fold) from both ends. */
static inline SipStr
sip_str_trim (const char *p, const char *e)
{
  while (p < e && SIP_CC (*p, CC_LWS))
    p++;
  while (e > p && SIP_CC (e[-1], CC_LWS))
    e--;
  return (SipStr) { p, (gsize) (e - p) };
}

/* ------------------------------------------------------------- header table */

enum { SIP_HDEF_LIST = 1 };

typedef struct {
  const char *name;      /* canonical full name */
  guint8      len;
  guint8      id;        /* public SipHeaderId (SIP_HDR_OTHER for extras) */
  char        compact;   /* compact form letter (§7.3.3), 0 if none */
  guint8      flags;     /* SIP_HDEF_LIST: comma-separated list (msg.h note 3) */
} SipHdrDef;

extern const SipHdrDef sip_hdr_defs[];
/* Index into sip_hdr_defs for a header name (case-insensitive, compact
 * forms folded), -1 if the name is not in the table. */
int  sip_hdr_def_lookup (const char *p, gsize len);

/* ------------------------------------------------------------- the message */

#define SIP_MSG_INLINE_HEADERS  24
#define SIP_MSG_INLINE_VIAS      3
#define SIP_MSG_INLINE_CONTACTS  2

typedef struct {
  SipNameAddr *v;
  guint        n, cap;
} SipNameAddrList;

#define SIP_MSG_BLOCK 4096        /* note 1 */

struct SipMsg {
  int          ref;            /* one run is one thread: no atomics */
  gboolean     block;          /* in a SIP_MSG_BLOCK block (note 1) */
  gboolean     is_request;
  gboolean     folded;         /* some header value holds a CRLF fold */

  SipStr       raw;            /* the message proper (start line .. body) */
  SipMethod    method;
  SipStr       method_str;
  SipUri       ruri;
  SipStr       ruri_str;
  guint        status;
  SipStr       reason;
  SipStr       body;

  SipNameAddr  from, to;
  guint32      seen;           /* bit id: header id appeared (duplicates, §8.1.1) */
  guint32      pending;        /* bit id: id's values not parsed yet; bit 0:
                                * the Request-URI (note 3; built messages only) */
  SipStr       call_id;
  SipCSeq      cseq;
  gint64       max_forwards, expires, min_expires, retry_after, flow_timer;
  gint64       content_length;

  SipHeader   *hdr;
  guint        n_hdr, cap_hdr;
  SipVia      *via;
  guint        n_via, cap_via;
  SipContact  *contact;
  guint        n_contact, cap_contact;
  SipNameAddrList route, record_route, path;

  SipHeader    hdr_inline[SIP_MSG_INLINE_HEADERS];
  SipVia       via_inline[SIP_MSG_INLINE_VIAS];
  SipContact   contact_inline[SIP_MSG_INLINE_CONTACTS];

  char         bytes[];        /* the copy of the input, then a NUL */
};

void sip_msg_free_ (SipMsg *msg);

/* Note 1: a SIP_MSG_BLOCK-byte block, from this thread's list if it has
 * one, and back to the list (or freed if the list is full). */
gpointer sip_msg_block_get_ (void);
void     sip_msg_block_put_ (gpointer block);

/* ------------------------------------------------------------- built messages (note 3) */

/* A message over @len bytes the caller writes into msg->bytes (a NUL is
 * set after them); scalars initialised as sip_msg_parse() does.  One
 * reference, the caller's. */
SipMsg  *sip_msg_alloc_       (gsize len);
/* The start line [p, e) (no CRLF), as the parser reads it; with @defer the
 * Request-URI is parsed on first read. */
gboolean sip_msg_start_line_  (SipMsg *m, const char *p, const char *e, gboolean defer,
                               GError **error);
/* One header line [ls, le) (no CRLF) whose name ends at the first ':',
 * @colon; @def is sip_hdr_def_lookup() of the name trimmed of SP/HT, or
 * SIP_HDR_DEF_UNKNOWN to look it up here.  @folded: the line holds an
 * obsolete fold.  With @defer the header's eager struct is parsed on
 * first read. */
#define SIP_HDR_DEF_UNKNOWN (-2)
gboolean sip_msg_header_line_ (SipMsg *m, const char *ls, const char *colon, const char *le,
                               int def, gboolean folded, gboolean defer, GError **error);
/* After the empty line: the mandatory headers (§8.1.1), the CSeq method
 * (if parsed), the body from @p to @end (Content-Length rules, msg-parse.c
 * note 4) and raw from @start. */
gboolean sip_msg_end_headers_ (SipMsg *m, const char *start, const char *p, const char *end,
                               GError **error);
/* Parses what @bit (a SipHeaderId, or 0 for the Request-URI) still waits
 * for.  A failure is a programming error in the code that built the
 * message: g_critical, the fields stay as far as they got. */
void     sip_msg_realize_slow_ (SipMsg *m, guint bit);

static inline void
sip_msg_realize_ (const SipMsg *m, guint bit)
{
  if (G_UNLIKELY (m->pending & (1u << bit)))
    sip_msg_realize_slow_ ((SipMsg *) m, bit);
}

/* Every parsed field of @a and @b equal (slices at the same offsets into
 * equal bytes, URIs part by part, every list entry), after realising
 * both.  FALSE with the first difference appended to @why (may be NULL).
 * For tests and the builder's self-check (builder.c note 4). */
gboolean sip_msg_same_fields_ (const SipMsg *a, const SipMsg *b, GString *why);

/* ------------------------------------------------------------- shared parsers */

/* A header's generic-params (§25.1, after the first ';'), checked and
 * looked up in one pass.  Well formed: token names, a value that is a
 * token, a host (':' too, for the bare IPv6 address via-received allows),
 * "[" IPv6 "]" or a quoted-string, LWS around ';' and '=', no empty
 * parameter (";;", a trailing ';'); FALSE if not.  Else bit i of *@found
 * is set, and @values[i] filled, if names[i] (lens[i] bytes, no NUL
 * needed; @n <= 32) is present; the first occurrence wins.  The same pass,
 * lenient, is sip_params_get() (uri.c) and gives the same values for a
 * well-formed list. */
gboolean sip_params_parse    (SipStr params, const char *const *names, const gsize *lens,
                              guint n, SipStr *values, guint32 *found);
/* Host (reg-name, IPv4 or IPv6 reference) filling exactly [p, p+len). */
gboolean sip_parse_host      (const char *p, gsize len, SipHostType *type);
/* The longest run of CC_HOST bytes from @p (before @e): returns its end,
 * and sets *@ok to what sip_parse_host() says of the run (FALSE for an
 * empty one) and, if it is a host, *@type.  One pass where "scan, then
 * parse" would be two. */
const char *sip_scan_host    (const char *p, const char *e, SipHostType *type, gboolean *ok);
/* IPv6address without brackets filling exactly [p, p+len) (§25.1). */
gboolean sip_parse_ipv6      (const char *p, gsize len);
/* 1*DIGIT filling the slice, value <= @max. */
gboolean sip_parse_uint      (const char *p, gsize len, guint64 max, guint64 *out);

/* Appends @v to @out with every obsolete line fold (CRLF 1*WSP) replaced by
 * a single SP (§7.3.1). */
void     sip_append_unfolded (GString *out, SipStr v);
/* Same into a raw buffer that has room; returns the end. */
char    *sip_copy_unfolded   (char *dst, SipStr v);

G_END_DECLS
