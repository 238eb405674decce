/*
 * models/sip/builder.c - SipBuilder: requests and responses as text
 * (RFC 3261 §8.1.1, §8.2.6, §17.1.1.3) and the random identifiers they
 * carry (§8.1.1.7 branch, §19.3 tags, §8.1.1.4 Call-ID).
 *
 * Notes
 *
 * 1. A builder is a start line, an ordered list of "Name: value" lines and
 *    a body.  It never validates what the caller passes (the caller is
 *    protocol code, not the wire); a bad header shows up at finish as a
 *    g_critical (note 4).
 *
 * 2. Values copied from a parsed message are unfolded (§7.3.1) on the
 *    way, so built messages never carry obsolete line folding.
 *
 * 3. Content-Length is always computed at finish; a Content-Length the
 *    caller added or copied is dropped then.
 *
 * 4. sip_builder_finish_msg() does not parse what it built.  It writes the
 *    bytes into a SipMsg and hands each line to the parser's own line
 *    function with the name's end and header id it already knows
 *    (sip_msg_header_line_(), msg-private.h note 3): no line is searched
 *    for, and the values' eager structs (Via, From, To, CSeq, Contact, ...)
 *    and the Request-URI are parsed only when someone reads them.  What a
 *    reader sees is what sip_msg_parse() gives from the same bytes: in
 *    every build but a release build (SIPSIM_SIP_BUILDER_CHECK,
 *    meson.build) each finish also parses the bytes and compares every
 *    field (sip_msg_same_fields_()), so the whole test suite checks every
 *    message the device, the proxy and the SIP layer build.
 *
 * 5. Memory.  The text of the start line and of every line lives in one
 *    append-only buffer (inline in the builder until it outgrows it); a
 *    line is an offset, a length, the length of its name and its header
 *    id.  Removing a line drops its entry, rewriting one (stamp_via)
 *    appends the new text: the dead bytes are never copied out.  So a
 *    builder is one allocation for a message of up to
 *    BUILDER_INLINE_TEXT bytes and BUILDER_INLINE_LINES lines.  Nothing
 *    on this path calls printf.
 *
 * 6. The Via the builder wrote itself.  Every request the models send
 *    has one Via, made by sip_builder_add_via(), and the transaction layer
 *    reads it at once (its branch is the key).  The builder knows where its
 *    transport, host, port and branch are, and when it can tell that the
 *    parser would read exactly those (made_via_parses()), the message's
 *    only Via is filled from them at finish (fill_made_via()) instead of
 *    parsed on first read.  Any other Via line (copied, added by name,
 *    rewritten by stamp_via, or a second one) leaves it to the parser.
 *    The self-check of note 4 compares this Via with the parser's, field
 *    by field, in every test.
 */
#include <stdarg.h>
#include <string.h>
#include "sipsim-config.h"
#include "models/sip/builder.h"
#include "models/sip/msg-private.h"

#define BUILDER_INLINE_LINES 16
#define BUILDER_INLINE_TEXT  640

typedef struct {
  guint off;             /* in SipBuilder.text */
  guint len;             /* "Name: value", no CRLF; values copied from a
                          * parsed message may hold NUL (RFC 4475
                          * §3.1.1.2), so lengths are kept */
  guint name_len;        /* the name as the caller gave it */
  int   def;             /* sip_hdr_def_lookup() of the name, -1 if none */
} Line;

/* The parts of the Via line sip_builder_add_via() wrote (note 6), as
 * offsets from the start of its value; off is the line's Line.off, or
 * G_MAXUINT if there is none (or its parts would not parse as written). */
typedef struct {
  guint   off;
  guint   transport, transport_len, host, host_len, branch, branch_len, params;
  guint16 port;
  gboolean rport;
} MadeVia;

struct SipBuilder {
  char   *text;          /* note 5; text_inline or the heap */
  gsize   len, cap;
  gsize   start_len;     /* the start line is text[0, start_len) */
  Line   *lines;         /* lines_inline or the heap */
  guint   n_lines, cap_lines;
  guint8 *body;
  gsize   body_len;
  MadeVia made_via;      /* note 6 */
  Line    lines_inline[BUILDER_INLINE_LINES];
  char    text_inline[BUILDER_INLINE_TEXT];
};

/* ------------------------------------------------------------- the text buffer */

static void
reserve (SipBuilder *b, gsize n)
{
  if (b->len + n <= b->cap)
    return;
  gsize cap = b->cap * 2;
  while (cap < b->len + n)
    cap *= 2;
  if (b->text == b->text_inline)
    {
      b->text = g_malloc (cap);
      memcpy (b->text, b->text_inline, b->len);
    }
  else
    b->text = g_realloc (b->text, cap);
  b->cap = cap;
}

static void
put (SipBuilder *b, const char *p, gsize n)
{
  reserve (b, n);
  memcpy (b->text + b->len, p, n);
  b->len += n;
}

static void
put_str (SipBuilder *b, const char *s)
{
  put (b, s, strlen (s));
}

static void
put_c (SipBuilder *b, char c)
{
  reserve (b, 1);
  b->text[b->len++] = c;
}

/* Decimal digits of @v into @d (room for 20), no printf; returns the end. */
static char *
format_uint (char *d, guint64 v)
{
  char tmp[20];
  guint n = 0;
  do
    tmp[n++] = (char) ('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0)
    *d++ = tmp[--n];
  return d;
}

static void
put_uint (SipBuilder *b, guint64 v)
{
  reserve (b, 20);
  b->len = (gsize) (format_uint (b->text + b->len, v) - b->text);
}

/* @v with every fold replaced by one SP (never longer than @v). */
static void
put_unfolded (SipBuilder *b, SipStr v)
{
  reserve (b, v.len);
  b->len = (gsize) (sip_copy_unfolded (b->text + b->len, v) - b->text);
}

/* ------------------------------------------------------------- lines */

/* The header id of a name as given (trailing SP/HT ignored, as the
 * parser ignores them before the colon). */
static int
name_def (const char *name, gsize len)
{
  while (len > 0 && SIP_CC (name[len - 1], CC_WS))
    len--;
  return sip_hdr_def_lookup (name, len);
}

/* Starts a line: writes "@name: " and returns where it starts. */
static gsize
line_begin (SipBuilder *b, const char *name, gsize name_len)
{
  gsize off = b->len;
  reserve (b, name_len + 2);
  memcpy (b->text + b->len, name, name_len);
  b->len += name_len;
  b->text[b->len++] = ':';
  b->text[b->len++] = ' ';
  return off;
}

/* Ends the line begun at @off and puts it at position @at of the list
 * (b->n_lines: at the end). */
static void
line_end (SipBuilder *b, gsize off, gsize name_len, int def, guint at)
{
  if (b->n_lines == b->cap_lines)
    {
      guint cap = b->cap_lines * 2;
      if (b->lines == b->lines_inline)
        {
          b->lines = g_new (Line, cap);
          memcpy (b->lines, b->lines_inline, sizeof (Line) * b->n_lines);
        }
      else
        b->lines = g_renew (Line, b->lines, cap);
      b->cap_lines = cap;
    }
  if (at < b->n_lines)
    memmove (&b->lines[at + 1], &b->lines[at], sizeof (Line) * (b->n_lines - at));
  b->lines[at] = (Line) { (guint) off, (guint) (b->len - off), (guint) name_len, def };
  b->n_lines++;
}

static SipBuilder *
builder_new (void)
{
  SipBuilder *b = g_new (SipBuilder, 1);
  b->text = b->text_inline;
  b->len = 0;
  b->cap = BUILDER_INLINE_TEXT;
  b->start_len = 0;
  b->lines = b->lines_inline;
  b->n_lines = 0;
  b->cap_lines = BUILDER_INLINE_LINES;
  b->body = NULL;
  b->body_len = 0;
  b->made_via.off = G_MAXUINT;
  return b;
}

/* "SIP/2.0 @code @reason" */
static SipBuilder *
status_builder (guint code, const char *reason)
{
  SipBuilder *b = builder_new ();
  put (b, "SIP/2.0 ", 8);
  put_uint (b, code);
  put_c (b, ' ');
  put_str (b, reason ? reason : sip_status_reason (code));
  b->start_len = b->len;
  return b;
}

SipBuilder *
sip_builder_request (SipMethod method, const char *method_str, const char *request_uri)
{
  g_return_val_if_fail (request_uri != NULL, NULL);
  g_return_val_if_fail (method != SIP_METHOD_UNKNOWN || method_str != NULL, NULL);
  SipBuilder *b = builder_new ();
  put_str (b, method == SIP_METHOD_UNKNOWN ? method_str : sip_method_to_string (method));
  put_c (b, ' ');
  put_str (b, request_uri);
  put (b, " SIP/2.0", 8);
  b->start_len = b->len;
  return b;
}

SipBuilder *
sip_builder_status (guint code, const char *reason)
{
  g_return_val_if_fail (code >= 100 && code <= 699, NULL);
  return status_builder (code, reason);
}

/* "Name: @v" for public header @id under its canonical name, @v unfolded
 * (note 2).  sip_hdr_defs[id] is that name's entry (msg.c note 1), so
 * its length and header id need no lookup. */
static void
add_header (SipBuilder *b, SipHeaderId id, SipStr v)
{
  const SipHdrDef *d = &sip_hdr_defs[id];
  gsize off = line_begin (b, d->name, d->len);
  put_unfolded (b, v);
  line_end (b, off, d->len, (int) id, b->n_lines);
}

void
sip_builder_copy_header (SipBuilder *b, const SipMsg *msg, SipHeaderId id)
{
  g_return_if_fail (b != NULL && msg != NULL);
  g_return_if_fail (id > SIP_HDR_OTHER && id < SIP_HDR__COUNT);
  for (guint i = 0; i < msg->n_hdr; i++)
    if (msg->hdr[i].id == id)
      add_header (b, id, msg->hdr[i].value);
}

SipBuilder *
sip_builder_response (const SipMsg *request, guint code, const char *reason,
                      const char *to_tag)
{
  g_return_val_if_fail (request != NULL && request->is_request, NULL);
  g_return_val_if_fail (code >= 100 && code <= 699, NULL);
  SipBuilder *b = status_builder (code, reason);

  /* §8.2.6.2: Via (all, in order), From, To, Call-ID, CSeq copied.  One
   * walk over the request's headers: the Vias go out as met (they come
   * first), the others are single-valued (msg-parse.c note 5 refuses a
   * second one, in built messages too) and go out after it. */
  gboolean tag = !sip_str_present (sip_msg_to (request)->tag) && to_tag != NULL && code != 100;
  const SipHeader *from = NULL, *to = NULL, *call_id = NULL, *cseq = NULL;
  for (guint i = 0; i < request->n_hdr; i++)
    {
      const SipHeader *h = &request->hdr[i];
      switch (h->id)
        {
        case SIP_HDR_VIA:     add_header (b, SIP_HDR_VIA, h->value); break;
        case SIP_HDR_FROM:    g_assert (from == NULL); from = h; break;
        case SIP_HDR_TO:      g_assert (to == NULL); to = h; break;
        case SIP_HDR_CALL_ID: g_assert (call_id == NULL); call_id = h; break;
        case SIP_HDR_CSEQ:    g_assert (cseq == NULL); cseq = h; break;
        default:              break;
        }
    }
  if (from)
    add_header (b, SIP_HDR_FROM, from->value);
  if (to)
    {
      gsize off = line_begin (b, "To", 2);
      put_unfolded (b, to->value);
      if (tag)
        {
          put (b, ";tag=", 5);
          put_str (b, to_tag);
        }
      line_end (b, off, 2, SIP_HDR_TO, b->n_lines);
    }
  if (call_id)
    add_header (b, SIP_HDR_CALL_ID, call_id->value);
  if (cseq)
    add_header (b, SIP_HDR_CSEQ, cseq->value);
  return b;
}

void
sip_builder_free (SipBuilder *b)
{
  if (b == NULL)
    return;
  if (b->text != b->text_inline)
    g_free (b->text);
  if (b->lines != b->lines_inline)
    g_free (b->lines);
  g_free (b->body);
  g_free (b);
}

/* printf of @fmt, byte for byte, if it has only the conversions %s,
 * %.*s, %u and %% (every header a model adds; builder.h), formatted by
 * hand in one pass: a message is built for every request and answer, so
 * this is on the hot path.  FALSE at the first other conversion, with
 * the text appended so far still in @b (the caller drops it). */
static gboolean
append_simple (SipBuilder *b, const char *fmt, va_list *ap)
{
  const char *p = fmt;
  for (const char *q = strchr (p, '%'); q; q = strchr (p, '%'))
    {
      put (b, p, (gsize) (q - p));
      if (q[1] == 's')
        {
          const char *v = va_arg (*ap, const char *);
          put_str (b, v ? v : "(null)");
          p = q + 2;
        }
      else if (q[1] == 'u')
        {
          put_uint (b, va_arg (*ap, unsigned int));
          p = q + 2;
        }
      else if (q[1] == '%')
        {
          put_c (b, '%');
          p = q + 2;
        }
      else if (q[1] == '.' && q[2] == '*' && q[3] == 's')
        {
          int n = va_arg (*ap, int);
          const char *v = va_arg (*ap, const char *);
          put (b, v, n < 0 ? strlen (v) : strnlen (v, (gsize) n));
          p = q + 4;
        }
      else
        return FALSE;
    }
  put_str (b, p);
  return TRUE;
}

void
sip_builder_add (SipBuilder *b, const char *name, const char *fmt, ...)
{
  g_return_if_fail (b != NULL && name != NULL && fmt != NULL);
  va_list ap;
  gsize nlen = strlen (name);
  gsize off = line_begin (b, name, nlen);
  gsize value = b->len;
  va_start (ap, fmt);
  va_list walk;
  va_copy (walk, ap);
  gboolean simple = append_simple (b, fmt, &walk);
  va_end (walk);
  if (!simple)
    {
      b->len = value;       /* drop what the simple pass wrote */
      g_autofree char *v = g_strdup_vprintf (fmt, ap);
      put_str (b, v);
    }
  va_end (ap);
  line_end (b, off, nlen, name_def (name, nlen), b->n_lines);
}

/* Whether line @l is header @def (or, if @def <= 0, named @name). */
static gboolean
line_has_name (const SipBuilder *b, const Line *l, int def, const char *name, gsize nlen)
{
  if (def > 0)
    return l->def == def;
  return l->name_len == nlen && sip_caseeq_n (b->text + l->off, name, nlen);
}

/* Whether the parser reads the Via value at @val (written by
 * sip_builder_add_via()) into exactly the parts @mv names (note 6): a
 * transport that is a whole token, a host that is one (its bytes are all
 * the parser's host scan takes), and a branch the generic-param scan takes
 * whole (token or ':' bytes, not empty, not quoted).  No byte of these is
 * a ',' then, so the value is not split either. */
static gboolean
made_via_parses (const char *val, const MadeVia *mv)
{
  const char *t = val + mv->transport, *h = val + mv->host, *br = val + mv->branch;
  if (mv->transport_len == 0 || mv->branch_len == 0 || mv->host_len == 0)
    return FALSE;
  for (guint i = 0; i < mv->transport_len; i++)
    if (!SIP_CC (t[i], CC_TOKEN))
      return FALSE;
  for (guint i = 0; i < mv->branch_len; i++)
    if (!SIP_CC (br[i], CC_TOKEN) && br[i] != ':')
      return FALSE;
  SipHostType type;
  gboolean ok;
  if (h[0] == '[')
    return memchr (h, ']', mv->host_len) == h + mv->host_len - 1
           && sip_parse_host (h, mv->host_len, &type);
  return sip_scan_host (h, h + mv->host_len, &type, &ok) == h + mv->host_len && ok;
}

void
sip_builder_add_via (SipBuilder *b, const char *transport, const char *host,
                     guint16 port, const char *branch, gboolean rport)
{
  g_return_if_fail (b != NULL && transport != NULL && host != NULL && branch != NULL);
  gsize off = line_begin (b, "Via", 3);
  gsize value = b->len;
  MadeVia mv = { .off = (guint) off, .port = port, .rport = rport };
  put (b, "SIP/2.0/", 8);
  mv.transport = (guint) (b->len - value);
  put_str (b, transport);
  mv.transport_len = (guint) (b->len - value) - mv.transport;
  put_c (b, ' ');
  /* An IPv6 sent-by is a reference in brackets (§25.1 sent-by). */
  gboolean v6 = strchr (host, ':') != NULL && host[0] != '[';
  mv.host = (guint) (b->len - value);
  if (v6)
    put_c (b, '[');
  put_str (b, host);
  if (v6)
    put_c (b, ']');
  mv.host_len = (guint) (b->len - value) - mv.host;
  if (port)
    {
      put_c (b, ':');
      put_uint (b, port);
    }
  mv.params = (guint) (b->len - value) + 1;
  put (b, ";branch=", 8);
  mv.branch = (guint) (b->len - value);
  put_str (b, branch);
  mv.branch_len = (guint) (b->len - value) - mv.branch;
  if (rport)
    put (b, ";rport", 6);   /* RFC 3581 §3: empty rport */
  b->made_via = made_via_parses (b->text + value, &mv) ? mv : (MadeVia) { .off = G_MAXUINT };

  guint at = 0;
  for (guint i = 0; i < b->n_lines; i++)
    if (b->lines[i].def == SIP_HDR_VIA)
      {
        at = i;
        break;
      }
  line_end (b, off, 3, SIP_HDR_VIA, at);
}

void
sip_builder_remove (SipBuilder *b, const char *name)
{
  g_return_if_fail (b != NULL && name != NULL);
  gsize nlen = strlen (name);
  int def = sip_hdr_def_lookup (name, nlen);
  guint n = 0;
  for (guint i = 0; i < b->n_lines; i++)
    if (!line_has_name (b, &b->lines[i], def, name, nlen))
      b->lines[n++] = b->lines[i];
  b->n_lines = n;
}

/* Appends the request's top Via value without any received/rport
 * parameter, plus received (RFC 3581 §4: always with rport; §18.2.1: when
 * sent-by differs from the source) and rport=<source port> when the Via
 * asked for it. */
static void
put_via_with_received (SipBuilder *b, const SipMsg *req, const char *src_ip, guint16 src_port)
{
  SipStr raw = sip_msg_header_by_id (req, SIP_HDR_VIA, 0);
  const SipVia *via = sip_msg_via (req, 0);
  gsize value = b->len;
  /* The value splits at each ';' outside a quoted string; without any
   * '"' (nearly every Via) that is each ';', which memchr finds. */
  gboolean plain = memchr (raw.p, '"', raw.len) == NULL, quoted = FALSE;
  gsize start = 0, i;
  guint seg = 0;
  for (; start <= raw.len; start = i + 1)
    {
      if (plain)
        {
          const char *semi = memchr (raw.p + start, ';', raw.len - start);
          i = semi ? (gsize) (semi - raw.p) : raw.len;
        }
      else
        for (i = start; i < raw.len; i++)
          {
            if (raw.p[i] == '"')
              quoted = !quoted;
            else if (raw.p[i] == ';' && !quoted)
              break;
          }
      SipStr part = { raw.p + start, i - start };
      if (seg++ == 0)
        {
          put_unfolded (b, part);
          continue;
        }
      while (part.len && g_ascii_isspace (*part.p))
        part.p++, part.len--;
      while (part.len && g_ascii_isspace (part.p[part.len - 1]))
        part.len--;
      gsize nlen = 0;
      while (nlen < part.len && part.p[nlen] != '=' && !g_ascii_isspace (part.p[nlen]))
        nlen++;
      if ((nlen == 8 && sip_caseeq_n (part.p, "received", 8))
          || (nlen == 5 && sip_caseeq_n (part.p, "rport", 5)))
        continue;
      put_c (b, ';');
      put_unfolded (b, part);
    }
  while (b->len > value && g_ascii_isspace (b->text[b->len - 1]))
    b->len--;
  if (via->has_rport || !sip_str_eq (via->host, src_ip))
    {
      put (b, ";received=", 10);
      put_str (b, src_ip);
    }
  if (via->has_rport)
    {
      put (b, ";rport=", 7);
      put_uint (b, src_port);
    }
}

void
sip_builder_stamp_via (SipBuilder *b, const SipMsg *request, const char *src_ip,
                       guint16 src_port)
{
  g_return_if_fail (b != NULL && request != NULL && request->is_request && src_ip != NULL);
  for (guint i = 0; i < b->n_lines; i++)
    if (b->lines[i].def == SIP_HDR_VIA)
      {
        /* The new text goes at the end of the buffer (note 5). */
        gsize off = line_begin (b, "Via", 3);
        put_via_with_received (b, request, src_ip, src_port);
        b->lines[i] = (Line) { (guint) off, (guint) (b->len - off), 3, SIP_HDR_VIA };
        return;
      }
  g_return_if_reached ();   /* a response builder always holds the request's Vias */
}

void
sip_builder_set_body (SipBuilder *b, const char *content_type, const guint8 *body, gsize len)
{
  g_return_if_fail (b != NULL && (body != NULL || len == 0));
  g_free (b->body);
  b->body = len ? g_memdup2 (body, len) : NULL;
  b->body_len = len;
  sip_builder_remove (b, "Content-Type");
  if (content_type)
    sip_builder_add (b, "Content-Type", "%s", content_type);
}

/* ------------------------------------------------------------- finishing */

/* Bytes of the finished message (note 3: Content-Length lines dropped, one
 * added). */
static gsize
wire_size (const SipBuilder *b, char *cl_digits, gsize *cl_len)
{
  *cl_len = (gsize) (format_uint (cl_digits, b->body_len) - cl_digits);
  gsize total = b->start_len + 2;
  for (guint i = 0; i < b->n_lines; i++)
    if (b->lines[i].def != SIP_HDR_CONTENT_LENGTH)
      total += b->lines[i].len + 2;
  return total + 16 + *cl_len + 4 + b->body_len;
}

static inline char *
copy (char *d, const char *s, gsize n)
{
  memcpy (d, s, n);
  return d + n;
}

GBytes *
sip_builder_finish (SipBuilder *b)
{
  g_return_val_if_fail (b != NULL, NULL);
  char cl[20];
  gsize cl_len;
  gsize total = wire_size (b, cl, &cl_len);
  char *out = g_malloc (total), *d = out;
  d = copy (d, b->text, b->start_len);
  d = copy (d, "\r\n", 2);
  for (guint i = 0; i < b->n_lines; i++)
    {
      const Line *l = &b->lines[i];
      if (l->def == SIP_HDR_CONTENT_LENGTH)
        continue;                                   /* note 3 */
      d = copy (d, b->text + l->off, l->len);
      d = copy (d, "\r\n", 2);
    }
  d = copy (d, "Content-Length: ", 16);
  d = copy (d, cl, cl_len);
  d = copy (d, "\r\n\r\n", 4);
  if (b->body_len)
    d = copy (d, (const char *) b->body, b->body_len);
  g_assert ((gsize) (d - out) == total);
  sip_builder_free (b);
  return g_bytes_new_take (out, total);
}

/* Whether [p, p+n) is free of CR and LF: the parser reads a line up to its
 * CRLF, so a CR or LF inside a caller's value would end it early. */
static gboolean
no_line_end (const char *p, gsize n)
{
  return memchr (p, '\r', n) == NULL && memchr (p, '\n', n) == NULL;
}

/* Note 6: the message's only Via, whose value starts at @val, is the one
 * sip_builder_add_via() wrote as @mv says; its struct is what
 * sip_parse_via() makes of those bytes (no received, rport without a
 * value), filled now instead of on first read. */
static void
fill_made_via (SipMsg *m, const char *val, const MadeVia *mv)
{
  g_assert (m->n_via == 0 && (m->pending & (1u << SIP_HDR_VIA)));
  SipVia *v = &m->via[0];
  memset (v, 0, sizeof *v);
  v->transport = (SipStr) { val + mv->transport, mv->transport_len };
  v->host = (SipStr) { val + mv->host, mv->host_len };
  v->port = mv->port;
  v->branch = (SipStr) { val + mv->branch, mv->branch_len };
  v->has_rport = mv->rport;
  gsize end = mv->branch + mv->branch_len + (mv->rport ? 6 : 0);
  v->params = (SipStr) { val + mv->params, end - mv->params };
  m->n_via = 1;
  m->pending &= ~(1u << SIP_HDR_VIA);
}

/* The SipMsg of the builder's bytes, filled from the parts it knows (note
 * 4).  NULL and @error if the parser would refuse the bytes. */
static SipMsg *
build_msg (const SipBuilder *b, GError **error)
{
  char cl[20];
  gsize cl_len;
  gsize total = wire_size (b, cl, &cl_len);
  if (total > SIP_MSG_MAX_SIZE)
    {
      g_set_error (error, SIP_PARSE_ERROR, SIP_PARSE_ERROR_TOO_LARGE,
                   "message of %" G_GSIZE_FORMAT " bytes is above %d", total, SIP_MSG_MAX_SIZE);
      return NULL;
    }
  SipMsg *m = sip_msg_alloc_ (total);
  char *start = m->bytes, *d = start;

  d = copy (d, b->text, b->start_len);
  if (b->start_len == 0 || !no_line_end (start, b->start_len))
    {
      g_set_error (error, SIP_PARSE_ERROR, SIP_PARSE_ERROR_START_LINE,
                   "start line empty or holding CR/LF");
      goto fail;
    }
  if (!sip_msg_start_line_ (m, start, d, TRUE, error))
    goto fail;
  d = copy (d, "\r\n", 2);
  const char *made_via = NULL;                      /* note 6 */
  guint via_lines = 0;
  for (guint i = 0; i < b->n_lines; i++)
    {
      const Line *l = &b->lines[i];
      if (l->def == SIP_HDR_CONTENT_LENGTH)
        continue;                                   /* note 3 */
      char *ls = d;
      if (l->def == SIP_HDR_VIA)
        {
          via_lines++;
          if (l->off == b->made_via.off)
            made_via = ls + 5;                      /* after "Via: " */
        }
      d = copy (d, b->text + l->off, l->len);
      /* The parser's name ends at the first ':'; a name holding one, or a
       * line holding CR/LF, would not read back as written. */
      if (!no_line_end (ls, l->len) || memchr (ls, ':', l->name_len) != NULL)
        {
          g_set_error (error, SIP_PARSE_ERROR, SIP_PARSE_ERROR_HEADER,
                       "header line \"%.*s\" holds CR/LF or a ':' in its name",
                       (int) MIN (l->len, 40), ls);
          goto fail;
        }
      int def = l->def;
      if (l->name_len > 0 && SIP_CC (ls[l->name_len - 1], CC_WS))
        def = SIP_HDR_DEF_UNKNOWN;                  /* never, but exact */
      if (!sip_msg_header_line_ (m, ls, ls + l->name_len, d, def, FALSE, TRUE, error))
        goto fail;
      d = copy (d, "\r\n", 2);
    }
  char *ls = d;
  d = copy (d, "Content-Length: ", 16);
  d = copy (d, cl, cl_len);
  if (!sip_msg_header_line_ (m, ls, ls + 14, d, SIP_HDR_CONTENT_LENGTH, FALSE, TRUE, error))
    goto fail;
  d = copy (d, "\r\n\r\n", 4);
  char *body = d;
  if (b->body_len)
    d = copy (d, (const char *) b->body, b->body_len);
  g_assert ((gsize) (d - start) == total);
  if (!sip_msg_end_headers_ (m, start, body, d, error))
    goto fail;
  if (made_via != NULL && via_lines == 1)
    fill_made_via (m, made_via, &b->made_via);
  return m;

fail:
  sip_msg_free_ (m);
  return NULL;
}

#if SIPSIM_SIP_BUILDER_CHECK
/* Note 4: the message handed back must be the parser's, field by field.
 * A twin is built from the same parts and compared, so that @msg itself
 * is handed back with its fields still waiting for their first reader. */
static void
self_check (const SipBuilder *b, const SipMsg *msg)
{
  g_autoptr (GError) error = NULL;
  SipStr raw = sip_msg_raw (msg);
  g_autoptr (SipMsg) parsed = sip_msg_parse ((const guint8 *) raw.p, raw.len, &error);
  g_autoptr (SipMsg) twin = build_msg (b, NULL);
  g_autoptr (GString) why = g_string_new (NULL);
  if (parsed == NULL)
    g_critical ("sip_builder_finish_msg: built message does not parse: %s\n%.*s",
                error->message, (int) raw.len, raw.p);
  else if (twin == NULL || !sip_msg_same_fields_ (twin, parsed, why))
    g_critical ("sip_builder_finish_msg: the built message is not the parsed one (%s)\n%.*s",
                why->str, (int) raw.len, raw.p);
}
#endif

SipMsg *
sip_builder_finish_msg (SipBuilder *b)
{
  g_return_val_if_fail (b != NULL, NULL);
  g_autoptr (GError) error = NULL;
  SipMsg *msg = build_msg (b, &error);
  if (msg == NULL)
    {
      g_autoptr (GBytes) bytes = sip_builder_finish (b);
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);
      g_critical ("sip_builder_finish_msg: built message does not parse: %s\n%.*s",
                  error->message, (int) len, data);
      return NULL;
    }
#if SIPSIM_SIP_BUILDER_CHECK
  self_check (b, msg);
#endif
  sip_builder_free (b);
  return msg;
}

/* ------------------------------------------------------------- identifiers */

/* @digits lower-case hex digits of @v (the low ones), as printf's "%0Nx". */
static char *
put_hex (char *d, guint64 v, guint digits)
{
  static const char hex[] = "0123456789abcdef";
  for (guint i = digits; i-- > 0;)
    *d++ = hex[(v >> (4 * i)) & 0xf];
  return d;
}

char *
sip_gen_branch (SimRng *rng)
{
  g_return_val_if_fail (rng != NULL, NULL);
  /* §8.1.1.7: the magic cookie, then enough randomness to be unique. */
  char *s = g_malloc (7 + 16 + 1);
  memcpy (s, "z9hG4bK", 7);
  *put_hex (s + 7, sim_rng_u64 (rng), 16) = '\0';
  return s;
}

char *
sip_gen_tag (SimRng *rng)
{
  g_return_val_if_fail (rng != NULL, NULL);
  /* §19.3: at least 32 bits of randomness. */
  char *s = g_malloc (8 + 1);
  *put_hex (s, sim_rng_u64 (rng) >> 32, 8) = '\0';
  return s;
}

char *
sip_gen_call_id (SimRng *rng, const char *host)
{
  g_return_val_if_fail (rng != NULL, NULL);
  guint64 r = sim_rng_u64 (rng);
  gsize hlen = host ? strlen (host) : 0;
  char *s = g_malloc (16 + 1 + hlen + 1), *d = put_hex (s, r, 16);
  if (hlen)
    {
      *d++ = '@';
      memcpy (d, host, hlen);
      d += hlen;
    }
  *d = '\0';
  return s;
}
