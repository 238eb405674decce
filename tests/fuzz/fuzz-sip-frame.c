/*
 * tests/fuzz/fuzz-sip-frame.c - stream framing (models/sip/framing.h): the
 * SipStreamReader fed in chunks must cut the same frames as sip_frame()
 * applied to the whole stream.
 *
 * Input: byte 0 picks the role (bit 0) and the chunk pattern (bits 1-7);
 * the rest is the stream.
 *
 * Invariants (abort() on violation):
 *  - the reader, fed in chunks of 1..N bytes, reports the same sequence of
 *    frame kinds and lengths as repeated sip_frame() calls on the whole
 *    stream, and each MESSAGE / STUN frame holds exactly those bytes;
 *  - nothing is lost: frames popped + bytes still buffered = bytes pushed
 *    (until an error, which drops the buffer);
 *  - every MESSAGE frame either parses or fails with a GError;
 *  - sip_classify_datagram() and sip_is_stun() never crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/sip/framing.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
  if (!ok)
    abort ();
}

typedef struct { SipFrameKind kind; gsize off, len; } Frame;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  sip_classify_datagram (data, size);
  sip_is_stun (data, size);
  if (size < 1)
    return 0;
  SipFrameRole role = (data[0] & 1) ? SIP_FRAME_ROLE_CLIENT : SIP_FRAME_ROLE_SERVER;
  guint pattern = data[0] >> 1;
  const guint8 *s = data + 1;
  gsize n = size - 1;

  /* Reference: sip_frame() over the whole stream. */
  GArray *ref = g_array_new (FALSE, FALSE, sizeof (Frame));
  gsize off = 0;
  for (;;)
    {
      gsize len = 0;
      GError *error = NULL;
      SipFrameKind k = sip_frame (s + off, n - off, role, &len, &error);
      check ((k == SIP_FRAME_ERROR) == (error != NULL));
      g_clear_error (&error);
      if (k == SIP_FRAME_NEED_MORE)
        {
          check (len == 0);
          break;
        }
      check (len > 0 && len <= n - off);
      Frame f = { k, off, len };
      g_array_append_val (ref, f);
      if (k == SIP_FRAME_ERROR)
        {
          check (len == n - off);
          break;
        }
      off += len;
    }

  /* The reader, in chunks. */
  SipStreamReader *r = sip_stream_reader_new (role, 0);
  guint got = 0;
  gsize pushed = 0, popped = 0, step = 0;
  gboolean failed = FALSE;
  while (pushed < n && !failed)
    {
      gsize want = 1 + (pattern * 131u + step * 37u + (step * step) % 7u) % (pattern + 2u) * (1 + step % 5);
      step++;
      gsize chunk = MIN (want, n - pushed);
      check (sip_stream_reader_push (r, s + pushed, chunk, NULL));
      pushed += chunk;
      for (;;)
        {
          GBytes *fb = NULL;
          SipFrameKind k = sip_stream_reader_pop (r, &fb, NULL);
          if (k == SIP_FRAME_NEED_MORE)
            {
              check (fb == NULL);
              break;
            }
          check (got < ref->len);
          const Frame *f = &g_array_index (ref, Frame, got);
          check (k == f->kind);
          got++;
          if (k == SIP_FRAME_ERROR)
            {
              check (fb == NULL);
              check (sip_stream_reader_buffered (r) == 0);
              failed = TRUE;
              break;
            }
          check (f->off == popped);
          popped += f->len;
          if (k == SIP_FRAME_MESSAGE || k == SIP_FRAME_STUN)
            {
              gsize blen;
              const guint8 *b = g_bytes_get_data (fb, &blen);
              check (blen == f->len && memcmp (b, s + f->off, blen) == 0);
              if (k == SIP_FRAME_MESSAGE)
                {
                  GError *error = NULL;
                  SipMsg *m = sip_msg_parse (b, blen, &error);
                  check ((m == NULL) == (error != NULL));
                  g_clear_error (&error);
                  sip_msg_unref (m);
                }
              g_bytes_unref (fb);
            }
          else
            check (fb == NULL);
          check (popped + sip_stream_reader_buffered (r) == pushed);
        }
    }
  check (got == ref->len);
  sip_stream_reader_free (r);
  g_array_unref (ref);
  return 0;
}
