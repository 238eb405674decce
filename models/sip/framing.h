/*
 * models/sip/framing.h - where one message ends: SIP over a byte stream
 * (RFC 3261 §18.3), keep-alives (RFC 5626 §3.5.1, §4.4), STUN beside SIP
 * (RFC 5389 §6, told apart by the first byte), and the kinds
 * of datagram a SIP UDP socket receives.
 *
 * Notes
 *
 * 1. Streams.  A SIP message on a stream is its header section (up to and
 *    including the first CRLFCRLF) plus exactly Content-Length body bytes;
 *    Content-Length is mandatory on streams (§18.3, §20.14), so a message
 *    without it is an error, not a guess.  sip_frame() only finds the
 *    frame; the caller parses it with sip_msg_parse().
 *
 * 2. CRLF keep-alives (RFC 5626 §3.5.1).  The client pings with CRLFCRLF
 *    and the server answers with a single CRLF.  Which one a bare "\r\n"
 *    is depends on which side reads it, so sip_frame() takes the reader's
 *    role:
 *      SIP_FRAME_ROLE_SERVER  reads pings.  CRLFCRLF is one PING (4 bytes).
 *                             "\r\n" alone is NEED_MORE (half a ping);
 *                             "\r\n" followed by anything but CR is a stray
 *                             CRLF before a start line, reported as PONG (2
 *                             bytes) for the caller to ignore (§7.5).
 *      SIP_FRAME_ROLE_CLIENT  reads pongs.  Every CRLF is one PONG
 *                             (2 bytes); a server never pings.
 *
 * 3. STUN on a stream (RFC 5389 §7.2.2 framing: 20-byte header, length,
 *    magic cookie 0x2112A442).  RFC 5626 §3.5.1 does not use STUN on
 *    streams, but a peer might send it, so it is recognised by its first
 *    byte and cookie: top two bits 00 and not a token character.  A SIP
 *    method may start with one of the token bytes below 0x40 ('!', '%',
 *    digits, ...; RFC 4475 §3.1.1.2), and a real STUN message type starts
 *    with 0x00 or 0x01.
 *
 * 4. Garbage.  A stream has no way to find the next message after bytes
 *    that are neither SIP, CRLF nor STUN, so SIP_FRAME_ERROR means: drop
 *    everything buffered (*frame_len = all of it) and close the
 *    connection.
 *
 * 5. Datagrams carry one thing each; sip_classify_datagram() says which,
 *    including the vendor keep-alives of BEHAVIOUR.md B40/B42 (OBi
 *    "keep-alive\r\n", an empty or blank datagram, Gigaset CRLFCRLF).
 */
#pragma once
#include <glib.h>
#include "models/sip/msg.h"

G_BEGIN_DECLS

typedef enum {
  SIP_FRAME_NEED_MORE,     /* nothing complete yet */
  SIP_FRAME_MESSAGE,       /* a whole SIP message of *frame_len bytes */
  SIP_FRAME_PING,          /* CRLFCRLF keep-alive, 4 bytes */
  SIP_FRAME_PONG,          /* one CRLF, 2 bytes (note 2) */
  SIP_FRAME_STUN,          /* a whole STUN message of *frame_len bytes */
  SIP_FRAME_ERROR,         /* garbage or over a limit: close (note 4) */
} SipFrameKind;

typedef enum {
  SIP_FRAME_ROLE_SERVER,   /* the side that receives pings */
  SIP_FRAME_ROLE_CLIENT,   /* the side that sent pings and receives pongs */
} SipFrameRole;

const char  *sip_frame_kind_to_string (SipFrameKind kind);   /* static */

/* Looks at the start of a stream buffer [data, data+len) and says what is
 * there.  *@frame_len is the number of bytes the frame takes (0 for
 * NEED_MORE; all of @len for ERROR).  @error is set for SIP_FRAME_ERROR
 * only (SIP_PARSE_ERROR_CONTENT_LENGTH for a missing or bad
 * Content-Length, _TOO_LARGE beyond SIP_MSG_MAX_SIZE, _START_LINE for
 * garbage).  Reads nothing outside the buffer. */
SipFrameKind sip_frame (const guint8 *data, gsize len, SipFrameRole role,
                        gsize *frame_len, GError **error);

/* ------------------------------------------------------------- streams */

/* Reassembles frames from the chunks a stream delivers. */
typedef struct SipStreamReader SipStreamReader;

/* @max_buffer bounds the bytes held between pushes and pops (0 means
 * 4 * SIP_MSG_MAX_SIZE); a single frame is bounded by SIP_MSG_MAX_SIZE
 * anyway. */
SipStreamReader *sip_stream_reader_new   (SipFrameRole role, gsize max_buffer);
void             sip_stream_reader_free  (SipStreamReader *r);   /* NULL-safe */
/* Appends a copy of [data, data+len).  FALSE (and a SIP_PARSE_ERROR_TOO_LARGE
 * error) if that would hold more than max_buffer unconsumed bytes, or
 * (with the original error) if the reader already failed; the bytes are
 * then not kept.  Callers pop every frame after each push. */
gboolean         sip_stream_reader_push  (SipStreamReader *r, const guint8 *data, gsize len,
                                          GError **error);
/* Takes the next frame off the buffer.  For MESSAGE and STUN *@frame (if
 * @frame is non-NULL) is a new GBytes of the frame's bytes; for the other
 * kinds it is NULL.  After SIP_FRAME_ERROR the reader is failed: every
 * later pop returns SIP_FRAME_ERROR again and the connection should be
 * closed. */
SipFrameKind     sip_stream_reader_pop   (SipStreamReader *r, GBytes **frame, GError **error);
/* Bytes buffered and not yet popped. */
gsize            sip_stream_reader_buffered (const SipStreamReader *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipStreamReader, sip_stream_reader_free)

/* ------------------------------------------------------------- datagrams */

typedef enum {
  SIP_DGRAM_SIP,           /* starts like a SIP start line: parse it */
  SIP_DGRAM_STUN,          /* a well-framed STUN message (RFC 5389 §6) */
  SIP_DGRAM_PING,          /* exactly CRLFCRLF (RFC 5626 §3.5.1 style, Gigaset) */
  SIP_DGRAM_PONG,          /* exactly CRLF */
  SIP_DGRAM_KEEPALIVE,     /* vendor keep-alive: "keep-alive" [CRLF] (OBi
                            * X_KeepAliveMsgType=keep-alive), or an empty /
                            * whitespace-only datagram (OBi "empty",
                            * Grandstream) */
  SIP_DGRAM_GARBAGE,       /* none of these: count and drop */
} SipDgramKind;

const char  *sip_dgram_kind_to_string (SipDgramKind kind);   /* static */
SipDgramKind sip_classify_datagram (const guint8 *data, gsize len);

/* TRUE if [data, data+len) is exactly one STUN message (RFC 5389 §6:
 * top two bits zero, length a multiple of 4 that fills the rest, magic
 * cookie). */
gboolean     sip_is_stun (const guint8 *data, gsize len);

G_END_DECLS
