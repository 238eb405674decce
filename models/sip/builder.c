/*
 * models/sip/builder.c - SipBuilder: requests and responses as text
 * (RFC 3261 §8.1.1, §8.2.6, §17.1.1.3) and the random identifiers they
 * carry (§8.1.1.7 branch, §19.3 tags, §8.1.1.4 Call-ID).
 *
 * Notes
 *
 * 1. A builder is a start line, an ordered list of "Name: value" lines and
 *    a body.  It never validates what the caller passes (the caller is
 *    protocol code, not the wire); sip_builder_finish_msg() parses the
 *    result, so a bad header shows up there as a g_critical.
 *
 * 2. Values copied from a parsed message are unfolded (§7.3.1) on the
 *    way, so built messages never carry obsolete line folding.
 *
 * 3. Content-Length is always computed at finish; a Content-Length the
 *    caller added or copied is dropped then.
 */
#include <stdarg.h>
#include <string.h>
#include "models/sip/builder.h"
#include "models/sip/msg-private.h"

struct SipBuilder {
  GString   *start;      /* start line, no CRLF */
  GPtrArray *lines;      /* GString *: "Name: value", no CRLF; values
                          * copied from a parsed message may hold NUL
                          * (RFC 4475 §3.1.1.2), so lengths are kept */
  guint8    *body;
  gsize      body_len;
};

static void
line_free (gpointer s)
{
  g_string_free (s, TRUE);
}

static SipBuilder *
builder_new (void)
{
  SipBuilder *b = g_new0 (SipBuilder, 1);
  b->start = g_string_sized_new (64);
  b->lines = g_ptr_array_new_full (16, line_free);
  return b;
}

SipBuilder *
sip_builder_request (SipMethod method, const char *method_str, const char *request_uri)
{
  g_return_val_if_fail (request_uri != NULL, NULL);
  g_return_val_if_fail (method != SIP_METHOD_UNKNOWN || method_str != NULL, NULL);
  SipBuilder *b = builder_new ();
  g_string_printf (b->start, "%s %s SIP/2.0",
                   method == SIP_METHOD_UNKNOWN ? method_str : sip_method_to_string (method),
                   request_uri);
  return b;
}

SipBuilder *
sip_builder_status (guint code, const char *reason)
{
  g_return_val_if_fail (code >= 100 && code <= 699, NULL);
  SipBuilder *b = builder_new ();
  g_string_printf (b->start, "SIP/2.0 %u %s", code, reason ? reason : sip_status_reason (code));
  return b;
}

static void
add_value (SipBuilder *b, const char *name, SipStr v, const char *suffix)
{
  GString *s = g_string_sized_new (strlen (name) + v.len + 8);
  g_string_append (s, name);
  g_string_append (s, ": ");
  sip_append_unfolded (s, v);
  if (suffix)
    g_string_append (s, suffix);
  g_ptr_array_add (b->lines, s);
}

void
sip_builder_copy_header (SipBuilder *b, const SipMsg *msg, SipHeaderId id)
{
  g_return_if_fail (b != NULL && msg != NULL);
  g_return_if_fail (id > SIP_HDR_OTHER && id < SIP_HDR__COUNT);
  const char *name = sip_header_name (id);
  for (guint i = 0; i < msg->n_hdr; i++)
    if (msg->hdr[i].id == id)
      add_value (b, name, msg->hdr[i].value, NULL);
}

SipBuilder *
sip_builder_response (const SipMsg *request, guint code, const char *reason,
                      const char *to_tag)
{
  g_return_val_if_fail (request != NULL && request->is_request, NULL);
  g_return_val_if_fail (code >= 100 && code <= 699, NULL);
  SipBuilder *b = builder_new ();

  g_string_printf (b->start, "SIP/2.0 %u %s", code, reason ? reason : sip_status_reason (code));
  /* §8.2.6.2: Via (all, in order), From, To, Call-ID, CSeq copied. */
  sip_builder_copy_header (b, request, SIP_HDR_VIA);
  sip_builder_copy_header (b, request, SIP_HDR_FROM);
  for (guint i = 0; i < request->n_hdr; i++)
    if (request->hdr[i].id == SIP_HDR_TO)
      {
        g_autofree char *tag = NULL;
        if (!sip_str_present (request->to.tag) && to_tag != NULL && code != 100)
          tag = g_strconcat (";tag=", to_tag, NULL);
        add_value (b, "To", request->hdr[i].value, tag);
      }
  sip_builder_copy_header (b, request, SIP_HDR_CALL_ID);
  sip_builder_copy_header (b, request, SIP_HDR_CSEQ);
  return b;
}

void
sip_builder_free (SipBuilder *b)
{
  if (b == NULL)
    return;
  g_string_free (b->start, TRUE);
  g_ptr_array_unref (b->lines);
  g_free (b->body);
  g_free (b);
}

/* Decimal digits of @v appended to @s, no printf. */
static void
append_uint (GString *s, guint64 v)
{
  char tmp[20];
  guint n = 0;
  do
    tmp[n++] = (char) ('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0)
    g_string_append_c (s, tmp[--n]);
}

/* Whether @fmt has only the conversions %s, %.*s, %u and %% (every header
 * a model adds; builder.h), which append_simple() formats by hand. */
static gboolean
format_is_simple (const char *fmt)
{
  for (const char *p = strchr (fmt, '%'); p; p = strchr (p, '%'))
    {
      if (p[1] == 's' || p[1] == 'u' || p[1] == '%')
        p += 2;
      else if (p[1] == '.' && p[2] == '*' && p[3] == 's')
        p += 4;
      else
        return FALSE;
    }
  return TRUE;
}

/* printf of a simple format (format_is_simple), byte for byte: a message
 * is built for every request and answer, so this is on the hot path. */
static void
append_simple (GString *s, const char *fmt, va_list *ap)
{
  const char *p = fmt;
  for (const char *q = strchr (p, '%'); q; q = strchr (p, '%'))
    {
      g_string_append_len (s, p, q - p);
      if (q[1] == 's')
        {
          const char *v = va_arg (*ap, const char *);
          g_string_append (s, v ? v : "(null)");
          p = q + 2;
        }
      else if (q[1] == 'u')
        {
          append_uint (s, va_arg (*ap, unsigned int));
          p = q + 2;
        }
      else if (q[1] == '%')
        {
          g_string_append_c (s, '%');
          p = q + 2;
        }
      else
        {
          int n = va_arg (*ap, int);
          const char *v = va_arg (*ap, const char *);
          g_string_append_len (s, v, n < 0 ? (gssize) -1 : (gssize) strnlen (v, (gsize) n));
          p = q + 4;
        }
    }
  g_string_append (s, p);
}

void
sip_builder_add (SipBuilder *b, const char *name, const char *fmt, ...)
{
  g_return_if_fail (b != NULL && name != NULL && fmt != NULL);
  va_list ap;
  GString *s = g_string_sized_new (64);
  g_string_append (s, name);
  g_string_append (s, ": ");
  va_start (ap, fmt);
  if (format_is_simple (fmt))
    {
      va_list walk;
      va_copy (walk, ap);
      append_simple (s, fmt, &walk);
      va_end (walk);
    }
  else
    g_string_append_vprintf (s, fmt, ap);
  va_end (ap);
  g_ptr_array_add (b->lines, s);
}

/* Whether a "Name: value" line is header @def (or, if @def <= 0, @name). */
static gboolean
line_has_name (const GString *line, int def, const char *name, gsize nlen)
{
  const char *colon = memchr (line->str, ':', line->len);
  gsize len = colon ? (gsize) (colon - line->str) : line->len;
  if (def > 0)
    return sip_hdr_def_lookup (line->str, len) == def;
  return len == nlen && sip_caseeq_n (line->str, name, nlen);
}

void
sip_builder_add_via (SipBuilder *b, const char *transport, const char *host,
                     guint16 port, const char *branch, gboolean rport)
{
  g_return_if_fail (b != NULL && transport != NULL && host != NULL && branch != NULL);
  GString *s = g_string_sized_new (96);
  /* An IPv6 sent-by is a reference in brackets (§25.1 sent-by). */
  gboolean v6 = strchr (host, ':') != NULL && host[0] != '[';
  g_string_append_printf (s, "Via: SIP/2.0/%s %s%s%s", transport, v6 ? "[" : "", host,
                          v6 ? "]" : "");
  if (port)
    g_string_append_printf (s, ":%u", port);
  g_string_append_printf (s, ";branch=%s", branch);
  if (rport)
    g_string_append (s, ";rport");   /* RFC 3581 §3: empty rport */

  guint at = 0;
  int via = (int) SIP_HDR_VIA;
  for (guint i = 0; i < b->lines->len; i++)
    if (line_has_name (b->lines->pdata[i], via, NULL, 0))
      {
        at = i;
        break;
      }
  g_ptr_array_insert (b->lines, (gint) at, s);
}

void
sip_builder_remove (SipBuilder *b, const char *name)
{
  g_return_if_fail (b != NULL && name != NULL);
  gsize nlen = strlen (name);
  int def = sip_hdr_def_lookup (name, nlen);
  for (guint i = b->lines->len; i-- > 0;)
    if (line_has_name (b->lines->pdata[i], def, name, nlen))
      g_ptr_array_remove_index (b->lines, i);
}

/* The request's top Via value without any received/rport parameter, plus
 * received (RFC 3581 §4: always with rport; §18.2.1: when sent-by differs
 * from the source) and rport=<source port> when the Via asked for it. */
static char *
via_with_received (const SipMsg *req, const char *src_ip, guint16 src_port)
{
  SipStr raw = sip_msg_header_by_id (req, SIP_HDR_VIA, 0);
  const SipVia *via = sip_msg_via (req, 0);
  GString *out = g_string_sized_new (raw.len + 48);
  gboolean quoted = FALSE;
  gsize start = 0;
  guint seg = 0;
  for (gsize i = 0; i <= raw.len; i++)
    {
      if (i < raw.len)
        {
          if (raw.p[i] == '"')
            quoted = !quoted;
          if (quoted || raw.p[i] != ';')
            continue;
        }
      SipStr part = { raw.p + start, i - start };
      start = i + 1;
      if (seg++ == 0)
        {
          sip_append_unfolded (out, part);
          continue;
        }
      while (part.len && g_ascii_isspace (*part.p))
        part.p++, part.len--;
      while (part.len && g_ascii_isspace (part.p[part.len - 1]))
        part.len--;
      gsize nlen = 0;
      while (nlen < part.len && part.p[nlen] != '=' && !g_ascii_isspace (part.p[nlen]))
        nlen++;
      SipStr name = { part.p, nlen };
      if (sip_str_caseeq (name, "received") || sip_str_caseeq (name, "rport"))
        continue;
      g_string_append_c (out, ';');
      sip_append_unfolded (out, part);
    }
  while (out->len && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  if (via->has_rport || !sip_str_eq (via->host, src_ip))
    g_string_append_printf (out, ";received=%s", src_ip);
  if (via->has_rport)
    g_string_append_printf (out, ";rport=%u", src_port);
  return g_string_free (out, FALSE);
}

void
sip_builder_stamp_via (SipBuilder *b, const SipMsg *request, const char *src_ip,
                       guint16 src_port)
{
  g_return_if_fail (b != NULL && request != NULL && request->is_request && src_ip != NULL);
  int def = sip_hdr_def_lookup ("Via", 3);
  for (guint i = 0; i < b->lines->len; i++)
    if (line_has_name (b->lines->pdata[i], def, "Via", 3))
      {
        g_autofree char *v = via_with_received (request, src_ip, src_port);
        GString *line = b->lines->pdata[i];
        g_string_printf (line, "Via: %s", v);
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

GBytes *
sip_builder_finish (SipBuilder *b)
{
  g_return_val_if_fail (b != NULL, NULL);
  gsize total = b->start->len + 2 + 40 + b->body_len;
  for (guint i = 0; i < b->lines->len; i++)
    total += ((GString *) b->lines->pdata[i])->len + 2;

  GString *out = g_string_sized_new (total);
  g_string_append_len (out, b->start->str, (gssize) b->start->len);
  g_string_append (out, "\r\n");
  int cl = (int) SIP_HDR_CONTENT_LENGTH;
  for (guint i = 0; i < b->lines->len; i++)
    {
      const GString *line = b->lines->pdata[i];
      if (line_has_name (line, cl, NULL, 0))
        continue;                                   /* note 3 */
      g_string_append_len (out, line->str, (gssize) line->len);
      g_string_append (out, "\r\n");
    }
  g_string_append (out, "Content-Length: ");
  append_uint (out, b->body_len);
  g_string_append (out, "\r\n\r\n");
  if (b->body_len)
    g_string_append_len (out, (const char *) b->body, (gssize) b->body_len);
  sip_builder_free (b);
  return g_string_free_to_bytes (out);
}

SipMsg *
sip_builder_finish_msg (SipBuilder *b)
{
  g_return_val_if_fail (b != NULL, NULL);
  g_autoptr(GBytes) bytes = sip_builder_finish (b);
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  SipMsg *msg = sip_msg_parse (data, len, &error);
  if (msg == NULL)
    g_critical ("sip_builder_finish_msg: built message does not parse: %s\n%.*s",
                error->message, (int) len, (const char *) data);
  return msg;
}

/* ------------------------------------------------------------- identifiers */

char *
sip_gen_branch (SimRng *rng)
{
  g_return_val_if_fail (rng != NULL, NULL);
  /* §8.1.1.7: the magic cookie, then enough randomness to be unique. */
  return g_strdup_printf ("z9hG4bK%016" G_GINT64_MODIFIER "x", sim_rng_u64 (rng));
}

char *
sip_gen_tag (SimRng *rng)
{
  g_return_val_if_fail (rng != NULL, NULL);
  /* §19.3: at least 32 bits of randomness. */
  return g_strdup_printf ("%08x", (guint32) (sim_rng_u64 (rng) >> 32));
}

char *
sip_gen_call_id (SimRng *rng, const char *host)
{
  g_return_val_if_fail (rng != NULL, NULL);
  guint64 r = sim_rng_u64 (rng);
  if (host == NULL || *host == '\0')
    return g_strdup_printf ("%016" G_GINT64_MODIFIER "x", r);
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x@%s", r, host);
}
