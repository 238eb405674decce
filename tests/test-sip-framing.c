/*
 * tests/test-sip-framing.c - stream framing, the stream reader and
 * datagram classification (models/sip/framing.h).  Lengths are computed
 * from RFC 3261 §18.3 (headers up to CRLFCRLF + Content-Length), RFC 5389
 * §6 (20-byte header + length) and RFC 5626 §3.5.1 (CRLFCRLF ping, CRLF
 * pong).
 */
#include <string.h>
#include "models/sip/framing.h"
#include "tests/sip-test-messages.h"

#define U8(s) ((const guint8 *) (s))

static SipFrameKind
frame (const char *s, gsize len, SipFrameRole role, gsize *n, GError **error)
{
  return sip_frame (U8 (s), len, role, n, error);
}

/* A STUN Binding request (RFC 5389 §6: type 0x0001, length, cookie, 96-bit
 * transaction id) with @attr_len bytes of attributes. */
static GByteArray *
stun_request (guint attr_len)
{
  GByteArray *a = g_byte_array_new ();
  const guint8 hdr[8] = { 0x00, 0x01, (guint8) (attr_len >> 8), (guint8) attr_len,
                          0x21, 0x12, 0xA4, 0x42 };
  g_byte_array_append (a, hdr, 8);
  for (guint i = 0; i < 12 + attr_len; i++)
    {
      guint8 b = (guint8) (i * 7 + 1);
      g_byte_array_append (a, &b, 1);
    }
  return a;
}

/* ------------------------------------------------------------- 1-stream */

static void
test_frame_sip (void)
{
  g_autoptr(GBytes) f1 = sip_test_crlf (rfc3261_24_1_f1);
  gsize len = g_bytes_get_size (f1), n = 99;
  const char *p = g_bytes_get_data (f1, NULL);

  g_assert_cmpint (frame (p, len, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_MESSAGE);
  g_assert_cmpuint (n, ==, len);
  /* Every proper prefix needs more. */
  for (gsize i = 0; i < len; i++)
    {
      g_assert_cmpint (frame (p, i, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_NEED_MORE);
      g_assert_cmpuint (n, ==, 0);
    }

  /* With a body: headers + Content-Length, and the next bytes are not
   * part of it. */
  g_autoptr(GBytes) inv = sip_test_crlf (t4475_esc01);
  gsize ilen = g_bytes_get_size (inv);
  g_autoptr(GByteArray) two = g_byte_array_new ();
  g_byte_array_append (two, g_bytes_get_data (inv, NULL), (guint) ilen);
  g_byte_array_append (two, g_bytes_get_data (f1, NULL), (guint) len);
  g_assert_cmpint (sip_frame (two->data, two->len, SIP_FRAME_ROLE_CLIENT, &n, NULL), ==,
                   SIP_FRAME_MESSAGE);
  g_assert_cmpuint (n, ==, ilen);
  const char *body_at = g_strstr_len ((const char *) two->data, (gssize) ilen, "\r\n\r\n");
  g_assert_cmpuint (n, ==, (gsize) (body_at + 4 - (const char *) two->data) + 150);
  g_assert_cmpint (sip_frame (two->data, ilen - 1, SIP_FRAME_ROLE_CLIENT, &n, NULL), ==,
                   SIP_FRAME_NEED_MORE);
  g_assert_cmpint (sip_frame (two->data + ilen, len, SIP_FRAME_ROLE_CLIENT, &n, NULL), ==,
                   SIP_FRAME_MESSAGE);

  /* Compact "l", folded value, odd case. */
  static const char compact[] = "OPTIONS sip:a@b SIP/2.0\r\nX: y\r\nL :\r\n  3\r\n\r\nabcEXTRA";
  g_assert_cmpint (frame (compact, sizeof compact - 1, SIP_FRAME_ROLE_SERVER, &n, NULL), ==,
                   SIP_FRAME_MESSAGE);
  g_assert_cmpuint (n, ==, sizeof compact - 1 - 5);
  /* A header whose name only starts like Content-Length is not it. */
  static const char lookalike[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Lengthy: 3\r\nl: 0\r\n\r\n";
  g_assert_cmpint (frame (lookalike, sizeof lookalike - 1, SIP_FRAME_ROLE_SERVER, &n, NULL), ==,
                   SIP_FRAME_MESSAGE);
  g_assert_cmpuint (n, ==, sizeof lookalike - 1);

  /* RFC 4475 §3.1.1.2 intmeth is valid and its method starts with '!'
   * (0x21): a token byte, so SIP, although its top two bits are 00 like a
   * STUN header's. */
  g_autoptr(GBytes) im = sip_test_crlf_len (t4475_intmeth, sizeof t4475_intmeth - 1);
  gsize imlen = g_bytes_get_size (im);
  g_assert_cmpint (sip_frame (g_bytes_get_data (im, NULL), imlen, SIP_FRAME_ROLE_SERVER, &n, NULL),
                   ==, SIP_FRAME_MESSAGE);
  g_assert_cmpuint (n, ==, imlen);          /* Content-Length: 0 */
  g_assert_cmpint (sip_frame (g_bytes_get_data (im, NULL), 8, SIP_FRAME_ROLE_SERVER, &n, NULL),
                   ==, SIP_FRAME_NEED_MORE);
  /* An extension method may start with a digit (token, §25.1). */
  static const char digit[] = "1X sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n";
  g_assert_cmpint (frame (digit, sizeof digit - 1, SIP_FRAME_ROLE_SERVER, &n, NULL), ==,
                   SIP_FRAME_MESSAGE);
  g_assert_cmpuint (n, ==, sizeof digit - 1);
}

static void
test_frame_sip_errors (void)
{
  static const struct { const char *s; SipParseError code; } cases[] = {
    /* §18.3: Content-Length is mandatory on a stream. */
    { "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n", SIP_PARSE_ERROR_CONTENT_LENGTH },
    { "OPTIONS sip:a@b SIP/2.0\r\n\r\n", SIP_PARSE_ERROR_CONTENT_LENGTH },
    { "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: x\r\n\r\n", SIP_PARSE_ERROR_CONTENT_LENGTH },
    { "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n", SIP_PARSE_ERROR_CONTENT_LENGTH },
    { "OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 1\r\n\r\n", SIP_PARSE_ERROR_CONTENT_LENGTH },
    { "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 70000\r\n\r\n", SIP_PARSE_ERROR_TOO_LARGE },
    { "\xFF\xFE garbage", SIP_PARSE_ERROR_START_LINE },
    { "<html>", SIP_PARSE_ERROR_START_LINE },
    { "\rX", SIP_PARSE_ERROR_START_LINE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize len = strlen (cases[i].s), n = 0;
      g_autoptr(GError) error = NULL;
      g_assert_cmpint (frame (cases[i].s, len, SIP_FRAME_ROLE_SERVER, &n, &error), ==,
                       SIP_FRAME_ERROR);
      g_assert_error (error, SIP_PARSE_ERROR, (gint) cases[i].code);
      g_assert_cmpuint (n, ==, len);                /* discard everything */
    }
  /* No CRLFCRLF within SIP_MSG_MAX_SIZE bytes. */
  gsize big = SIP_MSG_MAX_SIZE + 1, n;
  g_autofree char *b = g_malloc (big);
  memset (b, 'a', big);
  g_autoptr(GError) error = NULL;
  g_assert_cmpint (frame (b, big - 1, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_NEED_MORE);
  g_assert_cmpint (frame (b, big, SIP_FRAME_ROLE_SERVER, &n, &error), ==, SIP_FRAME_ERROR);
  g_assert_error (error, SIP_PARSE_ERROR, SIP_PARSE_ERROR_TOO_LARGE);
}

static void
test_frame_keepalive (void)
{
  gsize n;
  /* Server side (reads pings, RFC 5626 §3.5.1). */
  g_assert_cmpint (frame ("\r\n\r\n", 4, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_PING);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpint (frame ("\r\n\r\nINVITE", 10, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_PING);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpint (frame ("\r", 1, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_NEED_MORE);
  g_assert_cmpint (frame ("\r\n", 2, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_NEED_MORE);
  g_assert_cmpint (frame ("\r\n\r", 3, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_NEED_MORE);
  /* A lone CRLF before a start line (§7.5): 2 bytes to skip. */
  g_assert_cmpint (frame ("\r\nOPTIONS", 9, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_PONG);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (frame ("\r\n\rX", 4, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_PONG);
  g_assert_cmpuint (n, ==, 2);
  /* Client side (reads pongs): each CRLF is one pong. */
  g_assert_cmpint (frame ("\r\n", 2, SIP_FRAME_ROLE_CLIENT, &n, NULL), ==, SIP_FRAME_PONG);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (frame ("\r\n\r\n", 4, SIP_FRAME_ROLE_CLIENT, &n, NULL), ==, SIP_FRAME_PONG);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (frame ("\r", 1, SIP_FRAME_ROLE_CLIENT, &n, NULL), ==, SIP_FRAME_NEED_MORE);
  g_assert_cmpint (frame ("", 0, SIP_FRAME_ROLE_CLIENT, &n, NULL), ==, SIP_FRAME_NEED_MORE);
}

static void
test_frame_stun (void)
{
  gsize n;
  g_autoptr(GByteArray) s = stun_request (8);
  g_assert_cmpuint (s->len, ==, 28);
  g_assert_cmpint (sip_frame (s->data, s->len, SIP_FRAME_ROLE_CLIENT, &n, NULL), ==, SIP_FRAME_STUN);
  g_assert_cmpuint (n, ==, 20 + 8);
  for (guint i = 0; i < s->len; i++)
    g_assert_cmpint (sip_frame (s->data, i, SIP_FRAME_ROLE_CLIENT, &n, NULL), ==, SIP_FRAME_NEED_MORE);
  g_autoptr(GByteArray) s0 = stun_request (0);
  g_assert_cmpint (sip_frame (s0->data, s0->len, SIP_FRAME_ROLE_SERVER, &n, NULL), ==, SIP_FRAME_STUN);
  g_assert_cmpuint (n, ==, 20);
  /* Bad cookie (detected as soon as byte 4 is there) or length % 4. */
  s0->data[5] ^= 1;
  g_autoptr(GError) e1 = NULL;
  g_assert_cmpint (sip_frame (s0->data, 6, SIP_FRAME_ROLE_SERVER, &n, &e1), ==, SIP_FRAME_ERROR);
  g_autoptr(GByteArray) s3 = stun_request (3);
  g_autoptr(GError) e2 = NULL;
  g_assert_cmpint (sip_frame (s3->data, s3->len, SIP_FRAME_ROLE_SERVER, &n, &e2), ==, SIP_FRAME_ERROR);
  g_assert_nonnull (e2);
}

/* ------------------------------------------------------------- 2-reader */

typedef struct { SipFrameKind kind; gsize len; } Want;

/* Feeds @stream in chunks of 1..@max_chunk bytes (a fixed pattern, so the
 * test is reproducible), popping after every push. */
static void
run_reader (const GByteArray *stream, SipFrameRole role, guint max_chunk,
            const Want *want, guint n_want)
{
  g_autoptr(SipStreamReader) r = sip_stream_reader_new (role, 0);
  guint got = 0;
  gsize off = 0, k = 0, popped = 0;
  while (off < stream->len)
    {
      gsize want_chunk = 1 + (k++ * 7919) % max_chunk;
      gsize chunk = MIN (want_chunk, stream->len - off);
      g_assert_true (sip_stream_reader_push (r, stream->data + off, chunk, NULL));
      off += chunk;
      for (;;)
        {
          GBytes *f = NULL;
          SipFrameKind kind = sip_stream_reader_pop (r, &f, NULL);
          if (kind == SIP_FRAME_NEED_MORE)
            break;
          g_assert_cmpuint (got, <, n_want);
          g_assert_cmpint (kind, ==, want[got].kind);
          gsize flen = want[got].len;
          if (kind == SIP_FRAME_MESSAGE || kind == SIP_FRAME_STUN)
            {
              g_assert_nonnull (f);
              g_assert_cmpuint (g_bytes_get_size (f), ==, flen);
              g_assert_true (memcmp (g_bytes_get_data (f, NULL), stream->data + popped, flen) == 0);
              if (kind == SIP_FRAME_MESSAGE)
                {
                  g_autoptr(GError) error = NULL;
                  SipMsg *m = sip_msg_parse (g_bytes_get_data (f, NULL), flen, &error);
                  g_assert_no_error (error);
                  sip_msg_unref (m);
                }
              g_bytes_unref (f);
            }
          else
            g_assert_null (f);
          popped += flen;
          got++;
        }
    }
  g_assert_cmpuint (got, ==, n_want);
  g_assert_cmpuint (sip_stream_reader_buffered (r), ==, 0);
}

static void
test_reader_chunks (void)
{
  g_autoptr(GBytes) reg = sip_test_crlf (rfc3261_24_1_f1);
  g_autoptr(GBytes) inv = sip_test_crlf (t4475_esc01);
  g_autoptr(GBytes) ok = sip_test_crlf (rfc3665_2_1_f2);
  g_autoptr(GByteArray) stun = stun_request (12);
  g_autoptr(GByteArray) s = g_byte_array_new ();
  g_byte_array_append (s, U8 ("\r\n\r\n"), 4);
  g_byte_array_append (s, g_bytes_get_data (reg, NULL), (guint) g_bytes_get_size (reg));
  g_byte_array_append (s, U8 ("\r\n\r\n"), 4);
  g_byte_array_append (s, g_bytes_get_data (inv, NULL), (guint) g_bytes_get_size (inv));
  g_byte_array_append (s, stun->data, stun->len);
  g_byte_array_append (s, g_bytes_get_data (ok, NULL), (guint) g_bytes_get_size (ok));
  g_byte_array_append (s, U8 ("\r\n\r\n"), 4);
  const Want want[] = {
    { SIP_FRAME_PING, 4 },
    { SIP_FRAME_MESSAGE, g_bytes_get_size (reg) },
    { SIP_FRAME_PING, 4 },
    { SIP_FRAME_MESSAGE, g_bytes_get_size (inv) },
    { SIP_FRAME_STUN, 32 },
    { SIP_FRAME_MESSAGE, g_bytes_get_size (ok) },
    { SIP_FRAME_PING, 4 },
  };
  guint chunks[] = { 1, 2, 3, 7, 64, 1500, 100000 };
  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    run_reader (s, SIP_FRAME_ROLE_SERVER, chunks[i], want, G_N_ELEMENTS (want));

  /* The client side of the same connection sees pongs. */
  g_autoptr(GByteArray) c = g_byte_array_new ();
  g_byte_array_append (c, U8 ("\r\n"), 2);
  g_byte_array_append (c, g_bytes_get_data (ok, NULL), (guint) g_bytes_get_size (ok));
  g_byte_array_append (c, U8 ("\r\n\r\n"), 4);
  const Want cwant[] = {
    { SIP_FRAME_PONG, 2 },
    { SIP_FRAME_MESSAGE, g_bytes_get_size (ok) },
    { SIP_FRAME_PONG, 2 },
    { SIP_FRAME_PONG, 2 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    run_reader (c, SIP_FRAME_ROLE_CLIENT, chunks[i], cwant, G_N_ELEMENTS (cwant));
}

static void
test_reader_errors (void)
{
  /* Garbage fails the reader for good. */
  g_autoptr(SipStreamReader) r = sip_stream_reader_new (SIP_FRAME_ROLE_SERVER, 0);
  g_assert_true (sip_stream_reader_push (r, U8 ("\x80junk"), 5, NULL));
  g_autoptr(GError) e1 = NULL;
  GBytes *f = (GBytes *) 0x1;
  g_assert_cmpint (sip_stream_reader_pop (r, &f, &e1), ==, SIP_FRAME_ERROR);
  g_assert_null (f);
  g_assert_error (e1, SIP_PARSE_ERROR, SIP_PARSE_ERROR_START_LINE);
  g_autoptr(GError) e2 = NULL;
  g_assert_false (sip_stream_reader_push (r, U8 ("\r\n\r\n"), 4, &e2));
  g_assert_error (e2, SIP_PARSE_ERROR, SIP_PARSE_ERROR_START_LINE);
  g_assert_cmpint (sip_stream_reader_pop (r, NULL, NULL), ==, SIP_FRAME_ERROR);
  g_assert_cmpuint (sip_stream_reader_buffered (r), ==, 0);

  /* The buffer bound. */
  g_autoptr(SipStreamReader) small = sip_stream_reader_new (SIP_FRAME_ROLE_SERVER, 16);
  g_assert_true (sip_stream_reader_push (small, U8 ("OPTIONS sip:a@b "), 16, NULL));
  g_assert_cmpint (sip_stream_reader_pop (small, NULL, NULL), ==, SIP_FRAME_NEED_MORE);
  g_autoptr(GError) e3 = NULL;
  g_assert_false (sip_stream_reader_push (small, U8 ("S"), 1, &e3));
  g_assert_error (e3, SIP_PARSE_ERROR, SIP_PARSE_ERROR_TOO_LARGE);
  g_assert_cmpint (sip_stream_reader_pop (small, NULL, NULL), ==, SIP_FRAME_ERROR);

  /* A message with no Content-Length on the stream. */
  g_autoptr(SipStreamReader) r3 = sip_stream_reader_new (SIP_FRAME_ROLE_SERVER, 0);
  g_autoptr(GBytes) old = sip_test_crlf (t4475_inv2543);
  g_assert_true (sip_stream_reader_push (r3, g_bytes_get_data (old, NULL), g_bytes_get_size (old), NULL));
  g_autoptr(GError) e4 = NULL;
  g_assert_cmpint (sip_stream_reader_pop (r3, NULL, &e4), ==, SIP_FRAME_ERROR);
  g_assert_error (e4, SIP_PARSE_ERROR, SIP_PARSE_ERROR_CONTENT_LENGTH);
}

/* ------------------------------------------------------------- 3-datagram */

static void
test_datagrams (void)
{
  g_autoptr(GBytes) reg = sip_test_crlf (rfc3261_24_1_f1);
  g_assert_cmpint (sip_classify_datagram (g_bytes_get_data (reg, NULL), g_bytes_get_size (reg)),
                   ==, SIP_DGRAM_SIP);
  g_assert_cmpint (sip_classify_datagram (U8 ("SIP/2.0 200 OK\r\n"), 16), ==, SIP_DGRAM_SIP);
  g_assert_cmpint (sip_classify_datagram (U8 ("\r\n\r\n"), 4), ==, SIP_DGRAM_PING);
  g_assert_cmpint (sip_classify_datagram (U8 ("\r\n"), 2), ==, SIP_DGRAM_PONG);
  /* BEHAVIOUR.md B40 (OBi): "keep-alive" + CRLF, and "empty". */
  g_assert_cmpint (sip_classify_datagram (U8 ("keep-alive\r\n"), 12), ==, SIP_DGRAM_KEEPALIVE);
  g_assert_cmpint (sip_classify_datagram (U8 ("keep-alive"), 10), ==, SIP_DGRAM_KEEPALIVE);
  g_assert_cmpint (sip_classify_datagram (U8 (""), 0), ==, SIP_DGRAM_KEEPALIVE);
  g_assert_cmpint (sip_classify_datagram (NULL, 0), ==, SIP_DGRAM_KEEPALIVE);
  g_assert_cmpint (sip_classify_datagram (U8 (" "), 1), ==, SIP_DGRAM_KEEPALIVE);
  g_assert_cmpint (sip_classify_datagram (U8 ("\r\n\r\n\r\n"), 6), ==, SIP_DGRAM_KEEPALIVE);
  g_assert_cmpint (sip_classify_datagram (U8 ("keep-alive!"), 11), ==, SIP_DGRAM_SIP);
  g_autoptr(GByteArray) s = stun_request (4);
  g_assert_cmpint (sip_classify_datagram (s->data, s->len), ==, SIP_DGRAM_STUN);
  g_assert_true (sip_is_stun (s->data, s->len));
  /* STUN framing must fill the datagram exactly. */
  g_assert_cmpint (sip_classify_datagram (s->data, s->len - 1), ==, SIP_DGRAM_GARBAGE);
  g_assert_false (sip_is_stun (s->data, s->len - 4));
  s->data[0] |= 0x40;
  g_assert_false (sip_is_stun (s->data, s->len));
  g_assert_cmpint (sip_classify_datagram (U8 ("\x01\x02\x03"), 3), ==, SIP_DGRAM_GARBAGE);
  g_assert_cmpint (sip_classify_datagram (U8 ("\xC3\xA9t\xC3\xA9"), 5), ==, SIP_DGRAM_GARBAGE);
  g_assert_cmpstr (sip_dgram_kind_to_string (SIP_DGRAM_KEEPALIVE), ==, "keep-alive");
  g_assert_cmpstr (sip_frame_kind_to_string (SIP_FRAME_PING), ==, "ping");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/framing/1-stream/sip", test_frame_sip);
  g_test_add_func ("/sip/framing/1-stream/sip-errors", test_frame_sip_errors);
  g_test_add_func ("/sip/framing/1-stream/keepalive", test_frame_keepalive);
  g_test_add_func ("/sip/framing/1-stream/stun", test_frame_stun);
  g_test_add_func ("/sip/framing/2-reader/chunks", test_reader_chunks);
  g_test_add_func ("/sip/framing/2-reader/errors", test_reader_errors);
  g_test_add_func ("/sip/framing/3-datagram/classify", test_datagrams);
  return g_test_run ();
}
