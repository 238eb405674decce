/*
 * models/sip/framing.c - stream framing and datagram classification (see
 * framing.h for the rules and the RFCs behind them).
 *
 * Notes
 *
 * 1. The Content-Length scan here is deliberately small: it walks the
 *    header lines of a complete header section, honouring folding, and
 *    reads only Content-Length / "l".  Everything else is sip_msg_parse()'s
 *    job once the frame is cut.
 *
 * 2. Quadratic rescans are avoided: the reader remembers how far it has
 *    already searched for CRLFCRLF (sip_frame_at() takes that hint), so a
 *    message delivered one byte at a time costs O(n), not O(n^2).
 */
#include "models/sip/framing.h"
#include "models/sip/msg-private.h"
#include "models/stun/msg.h"      /* one definition of what looks like STUN */

#define STUN_HEADER STUN_HEADER_LEN

static const char *const frame_kind_names[] = {
  "need-more", "message", "ping", "pong", "stun", "error",
};
static const char *const dgram_kind_names[] = {
  "sip", "stun", "ping", "pong", "keep-alive", "garbage",
};

const char *
sip_frame_kind_to_string (SipFrameKind kind)
{
  return (guint) kind < G_N_ELEMENTS (frame_kind_names) ? frame_kind_names[kind] : "?";
}

const char *
sip_dgram_kind_to_string (SipDgramKind kind)
{
  return (guint) kind < G_N_ELEMENTS (dgram_kind_names) ? dgram_kind_names[kind] : "?";
}

static SipFrameKind
frame_error (gsize len, gsize *frame_len, GError **error, int code, const char *why)
{
  g_set_error_literal (error, SIP_PARSE_ERROR, code, why);
  *frame_len = len;
  return SIP_FRAME_ERROR;
}

/* Content-Length of a complete header section [p, e) (e just after the
 * CRLFCRLF); -1 if absent, -2 if malformed or repeated. */
static gint64
scan_content_length (const char *p, const char *e)
{
  gint64 found = -1;
  /* Skip the start line. */
  const char *nl = memchr (p, '\n', (gsize) (e - p));
  p = nl + 1;
  while (p < e - 2)
    {
      const char *ls = p, *c = p;
      while (c < e && SIP_CC (*c, CC_TOKEN))
        c++;
      gsize nlen = (gsize) (c - ls);
      while (c < e && SIP_CC (*c, CC_WS))
        c++;
      gboolean is_cl = c < e && *c == ':'
                       && sip_hdr_def_lookup (ls, nlen) == SIP_HDR_CONTENT_LENGTH;
      /* End of the logical line: a CRLF not followed by SP/HT. */
      const char *le = ls;
      for (;;)
        {
          nl = memchr (le, '\n', (gsize) (e - le));
          le = nl + 1;
          if (le >= e || !SIP_CC (*le, CC_WS))
            break;
        }
      if (is_cl)
        {
          if (found != -1)
            return -2;
          SipStr v = sip_str_trim (c + 1, nl);
          guint64 n;
          if (!sip_parse_uint (v.p, v.len, G_MAXUINT32, &n))
            return -2;
          found = (gint64) n;
        }
      p = le;
    }
  return found;
}

static SipFrameKind
frame_stun (const guint8 *d, gsize len, gsize *frame_len, GError **error)
{
  static const guint8 cookie[4] = { 0x21, 0x12, 0xA4, 0x42 };
  for (gsize i = 4; i < 8 && i < len; i++)
    if (d[i] != cookie[i - 4])
      return frame_error (len, frame_len, error, SIP_PARSE_ERROR_START_LINE,
                          "stream holds neither SIP nor STUN (no magic cookie)");
  if (len < 4)
    return SIP_FRAME_NEED_MORE;
  gsize mlen = (gsize) d[2] << 8 | d[3];
  if (mlen % 4 != 0)
    return frame_error (len, frame_len, error, SIP_PARSE_ERROR_START_LINE,
                        "STUN length is not a multiple of 4");
  if (len < STUN_HEADER + mlen)
    return SIP_FRAME_NEED_MORE;
  *frame_len = STUN_HEADER + mlen;
  return SIP_FRAME_STUN;
}

/* sip_frame() with a hint: the first *@searched bytes are known to hold no
 * CRLFCRLF (note 2).  When a SIP header section is still incomplete,
 * *@searched is set to @len; otherwise it is left alone. */
static SipFrameKind
frame_at (const guint8 *data, gsize len, SipFrameRole role, gsize *searched,
          gsize *frame_len, GError **error)
{
  const char *p = (const char *) data;
  *frame_len = 0;
  if (len == 0)
    return SIP_FRAME_NEED_MORE;

  if (p[0] == '\r')
    {
      if (len < 2)
        return SIP_FRAME_NEED_MORE;
      if (p[1] != '\n')
        return frame_error (len, frame_len, error, SIP_PARSE_ERROR_START_LINE,
                            "bare CR on the stream");
      if (role == SIP_FRAME_ROLE_CLIENT)
        {
          *frame_len = 2;
          return SIP_FRAME_PONG;
        }
      /* Server: CRLFCRLF is a ping; a lone CRLF a stray one (note 2). */
      if (len < 3 || (p[2] == '\r' && len < 4))
        return SIP_FRAME_NEED_MORE;
      if (p[2] == '\r' && p[3] == '\n')
        {
          *frame_len = 4;
          return SIP_FRAME_PING;
        }
      *frame_len = 2;
      return SIP_FRAME_PONG;
    }

  /* STUN's first byte has its top two bits 00 (framing.h note 3), but so
   * do the token bytes below 0x40 ('!', '%', digits, ...) a method may
   * start with (RFC 4475 §3.1.1.2 intmeth): those are SIP. */
  if (data[0] < 0x40 && !SIP_CC (p[0], CC_TOKEN))
    return frame_stun (data, len, frame_len, error);

  if (!SIP_CC (p[0], CC_TOKEN))
    return frame_error (len, frame_len, error, SIP_PARSE_ERROR_START_LINE,
                        "stream holds neither SIP, CRLF nor STUN");

  gsize from = *searched > 3 ? *searched - 3 : 0;
  const char *end = memmem (p + from, len - from, "\r\n\r\n", 4);
  if (end == NULL)
    {
      if (len > SIP_MSG_MAX_SIZE)
        return frame_error (len, frame_len, error, SIP_PARSE_ERROR_TOO_LARGE,
                            "header section longer than SIP_MSG_MAX_SIZE");
      *searched = len;
      return SIP_FRAME_NEED_MORE;
    }
  gsize hdr_len = (gsize) (end + 4 - p);
  gint64 cl = scan_content_length (p, end + 4);
  if (cl == -1)
    return frame_error (len, frame_len, error, SIP_PARSE_ERROR_CONTENT_LENGTH,
                        "no Content-Length on a stream (RFC 3261 §18.3)");
  if (cl < 0)
    return frame_error (len, frame_len, error, SIP_PARSE_ERROR_CONTENT_LENGTH,
                        "bad or repeated Content-Length");
  if (hdr_len + (guint64) cl > SIP_MSG_MAX_SIZE)
    return frame_error (len, frame_len, error, SIP_PARSE_ERROR_TOO_LARGE,
                        "message longer than SIP_MSG_MAX_SIZE");
  if (len < hdr_len + (gsize) cl)
    return SIP_FRAME_NEED_MORE;
  *frame_len = hdr_len + (gsize) cl;
  return SIP_FRAME_MESSAGE;
}

SipFrameKind
sip_frame (const guint8 *data, gsize len, SipFrameRole role, gsize *frame_len, GError **error)
{
  gsize dummy, searched = 0;
  g_return_val_if_fail (data != NULL || len == 0, SIP_FRAME_ERROR);
  return frame_at (data, len, role, &searched, frame_len ? frame_len : &dummy, error);
}

/* ------------------------------------------------------------- reader */

struct SipStreamReader {
  GByteArray  *buf;
  gsize        off;          /* start of unconsumed bytes */
  gsize        searched;     /* bytes after off known to hold no CRLFCRLF */
  gsize        max;
  SipFrameRole role;
  GError      *failed;       /* set once SIP_FRAME_ERROR was returned */
};

SipStreamReader *
sip_stream_reader_new (SipFrameRole role, gsize max_buffer)
{
  SipStreamReader *r = g_new0 (SipStreamReader, 1);
  r->buf = g_byte_array_new ();
  r->role = role;
  r->max = max_buffer ? max_buffer : 4 * (gsize) SIP_MSG_MAX_SIZE;
  return r;
}

void
sip_stream_reader_free (SipStreamReader *r)
{
  if (r == NULL)
    return;
  g_byte_array_unref (r->buf);
  g_clear_error (&r->failed);
  g_free (r);
}

gsize
sip_stream_reader_buffered (const SipStreamReader *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->buf->len - r->off;
}

gboolean
sip_stream_reader_push (SipStreamReader *r, const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (r != NULL && (data != NULL || len == 0), FALSE);
  if (r->failed)
    {
      g_propagate_error (error, g_error_copy (r->failed));
      return FALSE;
    }
  if (sip_stream_reader_buffered (r) + len > r->max)
    {
      r->failed = g_error_new (SIP_PARSE_ERROR, SIP_PARSE_ERROR_TOO_LARGE,
                               "stream reader would hold more than %" G_GSIZE_FORMAT " bytes",
                               r->max);
      g_propagate_error (error, g_error_copy (r->failed));
      return FALSE;
    }
  /* Drop consumed bytes before growing, so the array stays near max. */
  if (r->off > 0 && (r->off == r->buf->len || r->off >= r->buf->len / 2))
    {
      g_byte_array_remove_range (r->buf, 0, (guint) r->off);
      r->off = 0;
    }
  g_byte_array_append (r->buf, data, (guint) len);
  return TRUE;
}

SipFrameKind
sip_stream_reader_pop (SipStreamReader *r, GBytes **frame, GError **error)
{
  g_return_val_if_fail (r != NULL, SIP_FRAME_ERROR);
  if (frame)
    *frame = NULL;
  if (r->failed)
    {
      g_propagate_error (error, g_error_copy (r->failed));
      return SIP_FRAME_ERROR;
    }
  gsize n = 0;
  const guint8 *p = r->buf->data + r->off;
  gsize avail = r->buf->len - r->off;
  GError *err = NULL;
  SipFrameKind k = frame_at (p, avail, r->role, &r->searched, &n, &err);
  switch (k)
    {
    case SIP_FRAME_NEED_MORE:
      return k;
    case SIP_FRAME_ERROR:
      r->failed = err;
      g_propagate_error (error, g_error_copy (err));
      r->off = r->buf->len;
      return k;
    case SIP_FRAME_MESSAGE:
    case SIP_FRAME_STUN:
      if (frame)
        *frame = g_bytes_new (p, n);
      break;
    default:
      break;
    }
  r->off += n;
  r->searched = 0;
  return k;
}

/* ------------------------------------------------------------- datagrams */

gboolean
sip_is_stun (const guint8 *d, gsize len)
{
  /* The STUN codec's header check (first bits, cookie, length a multiple
   * of 4), and the length field fills the datagram exactly.  It returns 0
   * for a bad header, which only the empty datagram would match. */
  return len >= STUN_HEADER && stun_msg_frame_length (d, len, NULL) == len;
}

SipDgramKind
sip_classify_datagram (const guint8 *data, gsize len)
{
  g_return_val_if_fail (data != NULL || len == 0, SIP_DGRAM_GARBAGE);
  const char *p = (const char *) data;

  if (len == 4 && memcmp (p, "\r\n\r\n", 4) == 0)
    return SIP_DGRAM_PING;
  if (len == 2 && memcmp (p, "\r\n", 2) == 0)
    return SIP_DGRAM_PONG;
  /* OBi "keep-alive" + CRLF (BEHAVIOUR.md B40); accept it without the
   * CRLF too. */
  if ((len == 12 && memcmp (p, "keep-alive\r\n", 12) == 0)
      || (len == 10 && memcmp (p, "keep-alive", 10) == 0))
    return SIP_DGRAM_KEEPALIVE;
  gsize ws = 0;
  while (ws < len && SIP_CC (p[ws], CC_LWS))
    ws++;
  if (ws == len)
    return SIP_DGRAM_KEEPALIVE;       /* empty or blank (B40 "empty", B42) */
  if (sip_is_stun (data, len))
    return SIP_DGRAM_STUN;
  if (SIP_CC (p[0], CC_TOKEN))
    return SIP_DGRAM_SIP;
  return SIP_DGRAM_GARBAGE;
}
