/*
 * tests/sip-test-messages.h - SIP messages from the RFCs, for the codec
 * tests and the fuzz seed corpora, and the helpers that turn them into
 * wire bytes or compare what comes back.
 *
 * Messages are written with "\n" line ends as the RFCs print them;
 * sip_test_crlf() turns every "\n" into CRLF, which is what the RFCs mean
 * (RFC 4475 §2: "the line breaks ... are CRLF").  Bodies are SDP with CRLF
 * line ends too, so the Content-Length values printed in the RFCs hold
 * after conversion (the tests check that).
 *
 * Sources:
 *  - RFC 3261 §24.1 and §24.2 (registration, session setup).  The RFC
 *    omits the SDP ("(Alice's SDP not shown)"); sip_test_body() supplies a
 *    body of exactly the printed Content-Length.
 *  - RFC 3665 §2.1-§2.5 (registration flows).
 *  - RFC 4475 §3 (torture tests), each named by its section and the file
 *    name the RFC gives it.  Non-printable bytes are C escapes, as in
 *    RFC 4475 §2.2.  Where a message is rejected at its start line the
 *    SDP body is left out and Content-Length set to 0 (ltgtruri, lwsruri,
 *    lwsstart, escruri); nothing else is changed.
 *
 * The RFC 3665 messages were transcribed by hand (no copy of RFC 3665 was
 * at hand to diff against); the tests assert only values that appear in
 * these strings.
 */
#pragma once
#include <glib.h>
#include <string.h>
#include "models/sip/msg.h"

/* LF -> CRLF.  @len is the byte length (messages may hold NUL). */
static inline GBytes *
sip_test_crlf_len (const char *lf, gsize len)
{
  GByteArray *a = g_byte_array_sized_new ((guint) (len + len / 16 + 4));
  for (gsize i = 0; i < len; i++)
    {
      if (lf[i] == '\n')
        g_byte_array_append (a, (const guint8 *) "\r\n", 2);
      else
        g_byte_array_append (a, (const guint8 *) &lf[i], 1);
    }
  return g_byte_array_free_to_bytes (a);
}

static inline GBytes *
sip_test_crlf (const char *lf)
{
  return sip_test_crlf_len (lf, strlen (lf));
}

/* Appends header value [p, p+len) to @out unfolded by RFC 3261 §7.3.1 as
 * the tests read it, written apart from the codec's own copy of the rule:
 * whitespace before a CRLF, the CRLF and the whitespace after it become
 * one SP.  Round-trip checks compare values through it. */
static inline void
sip_test_unfold (GString *out, const char *p, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (p[i] != '\r')
        {
          g_string_append_c (out, p[i]);
          continue;
        }
      while (out->len && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '\t'))
        g_string_truncate (out, out->len - 1);
      g_string_append_c (out, ' ');
      i++;                                     /* the LF */
      while (i + 1 < len && (p[i + 1] == ' ' || p[i + 1] == '\t'))
        i++;
    }
}

/* How the re-parse @b of @a's canonical form differs from @a, as a static
 * phrase, or NULL when it does not: the same start line, reason and body,
 * the same headers in order with values equal after unfolding, and one
 * header more at the end of @b, the Content-Length the serialiser wrote
 * (msg.h).  The round-trip test and the fuzz target both check it. */
static inline const char *
sip_test_msg_difference (const SipMsg *a, const SipMsg *b)
{
#define SAME_STR(x, y) ((x).len == (y).len && ((x).len == 0 || memcmp ((x).p, (y).p, (x).len) == 0))
  if (sip_msg_is_request (a) != sip_msg_is_request (b) || sip_msg_status (a) != sip_msg_status (b))
    return "start line kind or status";
  if (!SAME_STR (sip_msg_method_str (a), sip_msg_method_str (b)))
    return "method";
  if (!SAME_STR (sip_msg_request_uri_str (a), sip_msg_request_uri_str (b)))
    return "request URI";
  if (!SAME_STR (sip_msg_reason (a), sip_msg_reason (b)))
    return "reason phrase";
  if (!SAME_STR (sip_msg_body (a), sip_msg_body (b)))
    return "body";
#undef SAME_STR
  guint nb = 0;
  for (guint i = 0; i < sip_msg_header_count (a); i++)
    {
      const SipHeader *ha = sip_msg_header_nth (a, i);
      if (ha->id == SIP_HDR_CONTENT_LENGTH)
        continue;
      const SipHeader *hb = sip_msg_header_nth (b, nb++);
      if (hb == NULL || hb->id != ha->id)
        return "a header missing or in another order";
      /* Folding becomes one SP (§7.3.1); nothing else changes. */
      GString *va = g_string_new (NULL), *vb = g_string_new (NULL);
      sip_test_unfold (va, ha->value.p, ha->value.len);
      sip_test_unfold (vb, hb->value.p, hb->value.len);
      gboolean same = g_string_equal (va, vb);
      g_string_free (va, TRUE);
      g_string_free (vb, TRUE);
      if (!same)
        return "a header value";
    }
  if (nb + 1 != sip_msg_header_count (b)
      || sip_msg_header_nth (b, nb)->id != SIP_HDR_CONTENT_LENGTH
      || sip_msg_header_by_id (b, SIP_HDR_CONTENT_LENGTH, 0).len == 0)
    return "the Content-Length written last";
  if (sip_msg_via_count (a) != sip_msg_via_count (b)
      || sip_msg_contact_count (a) != sip_msg_contact_count (b))
    return "Via or Contact count";
  if (sip_msg_expires (a) != sip_msg_expires (b)
      || (sip_msg_cseq (a) && sip_msg_cseq (b) && sip_msg_cseq (a)->seq != sip_msg_cseq (b)->seq))
    return "Expires or CSeq";
  return NULL;
}

/* Headers (LF) plus a body of exactly @body_len bytes standing in for an
 * SDP the RFC does not show. */
static inline GBytes *
sip_test_body (const char *lf_headers, gsize body_len)
{
  g_autoptr(GBytes) h = sip_test_crlf (lf_headers);
  GByteArray *a = g_byte_array_new ();
  g_byte_array_append (a, g_bytes_get_data (h, NULL), (guint) g_bytes_get_size (h));
  for (gsize i = 0; i < body_len; i++)
    g_byte_array_append (a, (const guint8 *) (i % 32 == 31 ? "\n" : "x"), 1);
  return g_byte_array_free_to_bytes (a);
}

/* ------------------------------------------------------------- RFC 3261 §24 */

static const char rfc3261_24_1_f1[] =
  "REGISTER sip:registrar.biloxi.com SIP/2.0\n"
  "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\n"
  "Max-Forwards: 70\n"
  "To: Bob <sip:bob@biloxi.com>\n"
  "From: Bob <sip:bob@biloxi.com>;tag=456248\n"
  "Call-ID: 843817637684230@998sdasdh09\n"
  "CSeq: 1826 REGISTER\n"
  "Contact: <sip:bob@192.0.2.4>\n"
  "Expires: 7200\n"
  "Content-Length: 0\n"
  "\n";

static const char rfc3261_24_1_f2[] =
  "SIP/2.0 200 OK\n"
  "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\n"
  " ;received=192.0.2.4\n"
  "To: Bob <sip:bob@biloxi.com>;tag=2493k59kd\n"
  "From: Bob <sip:bob@biloxi.com>;tag=456248\n"
  "Call-ID: 843817637684230@998sdasdh09\n"
  "CSeq: 1826 REGISTER\n"
  "Contact: <sip:bob@192.0.2.4>\n"
  "Expires: 7200\n"
  "Content-Length: 0\n"
  "\n";

/* §24.2: the headers of F1..F14; the SDP bodies are not shown in the RFC. */
typedef struct {
  const char *name;
  const char *headers;     /* LF, ending with the blank line */
  gsize       body_len;    /* the printed Content-Length */
} SipTestFlowMsg;

#define V_PC33 "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\n"
#define V_PC33R V_PC33 " ;received=192.0.2.1\n"
#define V_BIG "Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1\n"
#define V_BIGR V_BIG " ;received=192.0.2.2\n"
#define V_S10 "Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1\n"
#define V_S10R V_S10 " ;received=192.0.2.3\n"
#define DLG_REQ "To: Bob <sip:bob@biloxi.com>\n" \
  "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n" \
  "Call-ID: a84b4c76e66710\n" \
  "CSeq: 314159 INVITE\n"
#define DLG_RSP "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n" \
  "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n" \
  "Call-ID: a84b4c76e66710\n"

static const SipTestFlowMsg rfc3261_24_2[] = {
  { "F1-INVITE",
    "INVITE sip:bob@biloxi.com SIP/2.0\n" V_PC33 "Max-Forwards: 70\n" DLG_REQ
    "Contact: <sip:alice@pc33.atlanta.com>\nContent-Type: application/sdp\n"
    "Content-Length: 142\n\n", 142 },
  { "F2-100",
    "SIP/2.0 100 Trying\n" V_PC33R DLG_REQ "Content-Length: 0\n\n", 0 },
  { "F3-INVITE",
    "INVITE sip:bob@biloxi.com SIP/2.0\n" V_BIG V_PC33R "Max-Forwards: 69\n" DLG_REQ
    "Contact: <sip:alice@pc33.atlanta.com>\nContent-Type: application/sdp\n"
    "Content-Length: 142\n\n", 142 },
  { "F4-100",
    "SIP/2.0 100 Trying\n" V_BIGR V_PC33R DLG_REQ "Content-Length: 0\n\n", 0 },
  { "F5-INVITE",
    "INVITE sip:bob@192.0.2.4 SIP/2.0\n" V_S10 V_BIGR V_PC33R "Max-Forwards: 68\n" DLG_REQ
    "Contact: <sip:alice@pc33.atlanta.com>\nContent-Type: application/sdp\n"
    "Content-Length: 142\n\n", 142 },
  { "F6-180",
    "SIP/2.0 180 Ringing\n" V_S10R V_BIGR V_PC33R DLG_RSP
    "Contact: <sip:bob@192.0.2.4>\nCSeq: 314159 INVITE\nContent-Length: 0\n\n", 0 },
  { "F7-180",
    "SIP/2.0 180 Ringing\n" V_BIGR V_PC33R DLG_RSP
    "Contact: <sip:bob@192.0.2.4>\nCSeq: 314159 INVITE\nContent-Length: 0\n\n", 0 },
  { "F8-180",
    "SIP/2.0 180 Ringing\n" V_PC33R DLG_RSP
    "Contact: <sip:bob@192.0.2.4>\nCSeq: 314159 INVITE\nContent-Length: 0\n\n", 0 },
  { "F9-200",
    "SIP/2.0 200 OK\n" V_S10R V_BIGR V_PC33R DLG_RSP
    "CSeq: 314159 INVITE\nContact: <sip:bob@192.0.2.4>\nContent-Type: application/sdp\n"
    "Content-Length: 131\n\n", 131 },
  { "F10-200",
    "SIP/2.0 200 OK\n" V_BIGR V_PC33R DLG_RSP
    "CSeq: 314159 INVITE\nContact: <sip:bob@192.0.2.4>\nContent-Type: application/sdp\n"
    "Content-Length: 131\n\n", 131 },
  { "F11-200",
    "SIP/2.0 200 OK\n" V_PC33R DLG_RSP
    "CSeq: 314159 INVITE\nContact: <sip:bob@192.0.2.4>\nContent-Type: application/sdp\n"
    "Content-Length: 131\n\n", 131 },
  { "F12-ACK",
    "ACK sip:bob@192.0.2.4 SIP/2.0\n"
    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds9\n"
    "Max-Forwards: 70\n" DLG_RSP "CSeq: 314159 ACK\nContent-Length: 0\n\n", 0 },
  { "F13-BYE",
    "BYE sip:alice@pc33.atlanta.com SIP/2.0\n"
    "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\n"
    "Max-Forwards: 70\n"
    "From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n"
    "To: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710\n"
    "CSeq: 231 BYE\n"
    "Content-Length: 0\n\n", 0 },
  { "F14-200",
    "SIP/2.0 200 OK\n"
    "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\n"
    "From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\n"
    "To: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710\n"
    "CSeq: 231 BYE\n"
    "Content-Length: 0\n\n", 0 },
};

/* ------------------------------------------------------------- RFC 3665 §2 */

#define R3665_REQ_TOP \
  "REGISTER sips:ss2.biloxi.example.com SIP/2.0\n" \
  "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\n" \
  "Max-Forwards: 70\n" \
  "From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\n" \
  "To: Bob <sips:bob@biloxi.example.com>\n" \
  "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\n" \
  "CSeq: 1 REGISTER\n"
#define R3665_AUTH \
  "Authorization: Digest username=\"bob\", realm=\"atlanta.example.com\",\n" \
  " nonce=\"df84f1cec4341ae6cbe5ap359a9c8e88\", opaque=\"\",\n" \
  " uri=\"sips:ss2.biloxi.example.com\",\n" \
  " response=\"aa7ab4678258377c6f7d4be6087e2f60\"\n"

/* §2.1 Successful New Registration */
static const char rfc3665_2_1_f1[] =
  R3665_REQ_TOP
  "Contact: <sips:bob@client.biloxi.example.com>\n"
  "Content-Length: 0\n\n";
static const char rfc3665_2_1_f2[] =
  "SIP/2.0 401 Unauthorized\n"
  "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\n"
  " ;received=192.0.2.201\n"
  "From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\n"
  "To: Bob <sips:bob@biloxi.example.com>;tag=1410948204\n"
  "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\n"
  "CSeq: 1 REGISTER\n"
  "WWW-Authenticate: Digest realm=\"atlanta.example.com\", qop=\"auth\",\n"
  " nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\",\n"
  " opaque=\"\", stale=FALSE, algorithm=MD5\n"
  "Content-Length: 0\n\n";
static const char rfc3665_2_1_f3[] =
  "REGISTER sips:ss2.biloxi.example.com SIP/2.0\n"
  "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashd92\n"
  "Max-Forwards: 70\n"
  "From: Bob <sips:bob@biloxi.example.com>;tag=ja743ks76zlflH\n"
  "To: Bob <sips:bob@biloxi.example.com>\n"
  "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\n"
  "CSeq: 2 REGISTER\n"
  "Contact: <sips:bob@client.biloxi.example.com>\n"
  "Authorization: Digest username=\"bob\", realm=\"atlanta.example.com\",\n"
  " nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\",\n"
  " uri=\"sips:ss2.biloxi.example.com\",\n"
  " response=\"dfe56131d1958046689d83306477ecc\"\n"
  "Content-Length: 0\n\n";
static const char rfc3665_2_1_f4[] =
  "SIP/2.0 200 OK\n"
  "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashd92\n"
  " ;received=192.0.2.201\n"
  "From: Bob <sips:bob@biloxi.example.com>;tag=ja743ks76zlflH\n"
  "To: Bob <sips:bob@biloxi.example.com>;tag=37GkEhwl6\n"
  "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\n"
  "CSeq: 2 REGISTER\n"
  "Contact: <sips:bob@client.biloxi.example.com>;expires=3600\n"
  "Content-Length: 0\n\n";

/* §2.2 Update of Contact List: a mailto: Contact (an absoluteURI of
 * another scheme, RFC 3261 §25.1 and §10.2.1). */
static const char rfc3665_2_2_f1[] =
  R3665_REQ_TOP
  "Contact: mailto:bob@biloxi.example.com\n"
  R3665_AUTH
  "Content-Length: 0\n\n";
#define R3665_OK_TOP(tag) \
  "SIP/2.0 200 OK\n" \
  "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\n" \
  " ;received=192.0.2.201\n" \
  "From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\n" \
  "To: Bob <sips:bob@biloxi.example.com>;tag=" tag "\n" \
  "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\n" \
  "CSeq: 1 REGISTER\n"
static const char rfc3665_2_2_f2[] =
  R3665_OK_TOP ("jqoiweu75")
  "Contact: <sips:bob@client.biloxi.example.com>;expires=3600\n"
  "Contact: <mailto:bob@biloxi.example.com>;expires=4294967295\n"
  "Content-Length: 0\n\n";

/* §2.3 Request for Current Contact List: no Contact in the request; the
 * 200 OK lists the bindings §2.2 left, the mailto: one included. */
static const char rfc3665_2_3_f1[] =
  R3665_REQ_TOP
  R3665_AUTH
  "Content-Length: 0\n\n";
static const char rfc3665_2_3_f2[] =
  R3665_OK_TOP ("jqoiweu75")
  "Contact: <sips:bob@client.biloxi.example.com>;expires=3600\n"
  "Contact: <mailto:bob@biloxi.example.com>;expires=4294967295\n"
  "Content-Length: 0\n\n";

/* §2.4 Cancellation of Registration: Expires: 0, Contact: * */
static const char rfc3665_2_4_f1[] =
  R3665_REQ_TOP
  "Expires: 0\n"
  "Contact: *\n"
  R3665_AUTH
  "Content-Length: 0\n\n";
static const char rfc3665_2_4_f2[] =
  R3665_OK_TOP ("1418nmdsrf")
  "Content-Length: 0\n\n";

/* §2.5 Unsuccessful Registration: the final 401 after bad credentials. */
static const char rfc3665_2_5_f4[] =
  "SIP/2.0 401 Unauthorized\n"
  "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashd92\n"
  " ;received=192.0.2.201\n"
  "From: Bob <sips:bob@biloxi.example.com>;tag=JueHGuidj28dfga\n"
  "To: Bob <sips:bob@biloxi.example.com>;tag=1418nmdsrf\n"
  "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\n"
  "CSeq: 2 REGISTER\n"
  "WWW-Authenticate: Digest realm=\"atlanta.example.com\", qop=\"auth\",\n"
  " nonce=\"f1cec4341ae6cbe5ea9c8e88df84\", opaque=\"\",\n"
  " stale=FALSE, algorithm=MD5\n"
  "Content-Length: 0\n\n";

/* ------------------------------------------------------------- RFC 4475 */

#define SDP_150(ip) \
  "v=0\n" \
  "o=mhandley 29739 7272939 IN IP4 " ip "\n" \
  "s=-\n" \
  "c=IN IP4 " ip "\n" \
  "t=0 0\n" \
  "m=audio 49217 RTP/AVP 0 12\n" \
  "m=video 3227 RTP/AVP 31\n" \
  "a=rtpmap:31 LPC\n"

/* §3.1.1.1 A Short Tortuous INVITE (wsinv) */
static const char t4475_wsinv[] =
  "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\n"
  "TO :\n"
  " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\n"
  "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\n"
  "  ;\n"
  "  tag = 98asjd8\n"
  "MaX-fOrWaRdS: 0068\n"
  "Call-ID: wsinv.ndaksdj@192.0.2.1\n"
  "Content-Length   : 150\n"
  "cseq: 0009\n"
  "  INVITE\n"
  "Via  : SIP  /   2.0\n"
  " /UDP\n"
  "    192.0.2.2;branch=390skdjuw\n"
  "s :\n"
  "NewFangledHeader:   newfangled value\n"
  " continued newfangled value\n"
  "UnknownHeaderWithUnusualValue: ;;,,;;,;\n"
  "Content-Type: application/sdp\n"
  "Route:\n"
  " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\n"
  "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\n"
  "  branch  =   z9hG4bK9ikj8  ,\n"
  " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\n"
  " z9hG4bK30239\n"
  "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\n"
  "      newvalue ;\n"
  "  secondparam ; q = 0.33\n"
  "\n"
  "v=0\n"
  "o=mhandley 29739 7272939 IN IP4 192.0.2.3\n"
  "s=-\n"
  "c=IN IP4 192.0.2.4\n"
  "t=0 0\n"
  "m=audio 49217 RTP/AVP 0 12\n"
  "m=video 3227 RTP/AVP 31\n"
  "a=rtpmap:31 LPC\n";

/* §3.1.1.2 Wide Range of Valid Characters (intmeth): holds NUL, so use
 * sizeof - 1. */
static const char t4475_intmeth[] =
  "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\n"
  "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\n"
  "To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>\n"
  "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\xD1\x80\xD0\xB0\xD0\xB1\xD0\xBE\xD1\x82\xD0\xB0\xD1\x8E\xD1\x89\xD0\xB8\xD0\xB9\";tag=_token~1'+`*%!-.\n"
  "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\n"
  "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\n"
  "Max-Forwards: 255\n"
  "extensionHeader-!.%*+_`'~:\xEF\xBB\xBF\xE5\xA4\xA7\xE5\x81\x9C\xE9\x9B\xBB\n"
  "Content-Length: 0\n"
  "\n";

/* §3.1.1.3 Valid Use of the % Escaping Mechanism (esc01) */
static const char t4475_esc01[] =
  "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\n"
  "To: sip:%75se%72@example.com\n"
  "From: <sip:I%20have%20spaces@example.net>;tag=938\n"
  "Max-Forwards: 87\n"
  "i: esc01.239409asdfakjkn23onasd0-3234\n"
  "CSeq: 234234 INVITE\n"
  "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\n"
  "C: application/sdp\n"
  "Contact:\n"
  "  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\n"
  "Content-Length: 150\n"
  "\n"
  SDP_150 ("192.0.2.1");

/* §3.1.1.4 Escaped Nulls in URIs (escnull) */
static const char t4475_escnull[] =
  "REGISTER sip:example.com SIP/2.0\n"
  "To: sip:null-%00-null@example.com\n"
  "From: sip:null-%00-null@example.com;tag=839923423\n"
  "Max-Forwards: 70\n"
  "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\n"
  "CSeq: 14398234 REGISTER\n"
  "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\n"
  "Contact: <sip:%00@host5.example.com>\n"
  "Contact: <sip:%00%00@host5.example.com>\n"
  "L:0\n"
  "\n";

/* §3.1.1.5 Use of % When It Is Not an Escape (esc02) */
static const char t4475_esc02[] =
  "RE%47IST%45R sip:registrar.example.com SIP/2.0\n"
  "To: \"%Z%45\" <sip:resource@example.com>\n"
  "From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23\n"
  "Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf\n"
  "Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234\n"
  "CSeq: 29344 RE%47IST%45R\n"
  "Max-Forwards: 70\n"
  "Contact: <sip:alias1@host1.example.com>\n"
  "C%6Fntact: <sip:alias2@host2.example.com>\n"
  "Contact: <sip:alias3@host3.example.com>\n"
  "l: 0\n"
  "\n";

/* §3.1.1.6 Message with No LWS between Display Name and < (lwsdisp) */
static const char t4475_lwsdisp[] =
  "OPTIONS sip:user@example.com SIP/2.0\n"
  "To: sip:user@example.com\n"
  "From: caller<sip:caller@example.com>;tag=323\n"
  "Max-Forwards: 70\n"
  "Call-ID: lwsdisp.1234abcd@funky.example.com\n"
  "CSeq: 60 OPTIONS\n"
  "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\n"
  "l: 0\n"
  "\n";

/* §3.1.1.8 Extra Trailing Octets in a UDP Datagram (dblreq): a REGISTER
 * followed, in the same datagram, by the start of an INVITE. */
static const char t4475_dblreq[] =
  "REGISTER sip:example.com SIP/2.0\n"
  "To: sip:j.user@example.com\n"
  "From: sip:j.user@example.com;tag=43251j3j324\n"
  "Max-Forwards: 8\n"
  "I: dblreq.0ha0isndaksdj99sdfafnl3lk233412\n"
  "Contact: sip:j.user@host.example.com\n"
  "CSeq: 8 REGISTER\n"
  "Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492\n"
  "Content-Length: 0\n"
  "\n"
  "INVITE sip:joe@example.com SIP/2.0\n"
  "t: sip:joe@example.com\n"
  "From: sip:caller@example.net;tag=141334\n"
  "Max-Forwards: 8\n"
  "Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15\n"
  "CSeq: 8 INVITE\n"
  "Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234\n"
  "Content-Type: application/sdp\n"
  "Content-Length: 150\n"
  "\n"
  SDP_150 ("192.0.2.15");

/* §3.1.1.9 Semicolon-Separated Parameters in URI User Part (semiuri) */
static const char t4475_semiuri[] =
  "OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\n"
  "To: sip:j_user@example.com\n"
  "From: sip:caller@example.org;tag=33242\n"
  "Max-Forwards: 3\n"
  "Call-ID: semiuri.0ha0isndaksdj\n"
  "CSeq: 8 OPTIONS\n"
  "Accept: application/sdp, application/pkcs7-mime,\n"
  "        multipart/mixed, multipart/signed,\n"
  "        message/sip, message/sipfrag\n"
  "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\n"
  "l: 0\n"
  "\n";

/* §3.1.1.10 Varied and Unknown Transport Types (transports) */
static const char t4475_transports[] =
  "OPTIONS sip:user@example.com SIP/2.0\n"
  "To: sip:user@example.com\n"
  "From: <sip:caller@example.com>;tag=323\n"
  "Max-Forwards: 70\n"
  "Call-ID:  transports.kijh4akdnaqjkwendsasfdj\n"
  "Accept: application/sdp\n"
  "CSeq: 60 OPTIONS\n"
  "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\n"
  "Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\n"
  "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\n"
  "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\n"
  "Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\n"
  "l: 0\n"
  "\n";

/* §3.1.1.12 Unusual Reason Phrase (unreason) */
static const char t4475_unreason[] =
  "SIP/2.0 200 = 2**3 * 5**2 \xD0\xBD\xD0\xBE \xD1\x81\xD1\x82\xD0\xBE "
  "\xD0\xB4\xD0\xB5\xD0\xB2\xD1\x8F\xD0\xBD\xD0\xBE\xD1\x81\xD1\x82\xD0\xBE "
  "\xD0\xB4\xD0\xB5\xD0\xB2\xD1\x8F\xD1\x82\xD1\x8C - "
  "\xD0\xBF\xD1\x80\xD0\xBE\xD1\x81\xD1\x82\xD0\xBE\xD0\xB5\n"
  "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\n"
  "Call-ID: unreason.1234ksdfak3j2erwedfsASdf\n"
  "CSeq: 35 INVITE\n"
  "From: sip:user@example.com;tag=11141343\n"
  "To: sip:user@example.edu;tag=2229\n"
  "Content-Length: 154\n"
  "Content-Type: application/sdp\n"
  "Contact: <sip:user@host198.example.com>\n"
  "\n"
  SDP_150 ("192.0.2.198");

/* §3.1.1.13 Empty Reason Phrase (noreason): note the SP after 100. */
static const char t4475_noreason[] =
  "SIP/2.0 100 \n"
  "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\n"
  "Call-ID: noreason.asndj203insdf99223ndf\n"
  "CSeq: 35 INVITE\n"
  "From: <sip:user@example.com>;tag=39ansfi3\n"
  "To: <sip:user@example.edu>;tag=902jndnke3\n"
  "Content-Length: 0\n"
  "Contact: <sip:user@host105.example.com>\n"
  "\n";

/* §3.2.1 Missing Transaction Identifier (badbranch): valid syntax. */
static const char t4475_badbranch[] =
  "OPTIONS sip:user@example.com SIP/2.0\n"
  "To: sip:user@example.com\n"
  "From: sip:caller@example.org;tag=33242\n"
  "Max-Forwards: 3\n"
  "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK\n"
  "Accept: application/sdp\n"
  "Call-ID: badbranch.sadonfo23i420jv0as0derf3j3n\n"
  "CSeq: 8 OPTIONS\n"
  "l: 0\n"
  "\n";

/* §3.3.5 Proxy-Require and Require (bext01) */
static const char t4475_bext01[] =
  "OPTIONS sip:user@example.com SIP/2.0\n"
  "To: sip:j_user@example.com\n"
  "From: sip:caller@example.net;tag=242etr\n"
  "Max-Forwards: 6\n"
  "Call-ID: bext01.0ha0isndaksdj\n"
  "Require: nothingSupportsThis, nothingSupportsThisEither\n"
  "Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis\n"
  "CSeq: 8 OPTIONS\n"
  "Via: SIP/2.0/TLS fold-and-staple.example.com;branch=z9hG4bKkdjuw\n"
  "Content-Length: 0\n"
  "\n";

/* §3.3.6 Unknown Content-Type (invut) */
static const char t4475_invut[] =
  "INVITE sip:user@example.com SIP/2.0\n"
  "Contact: <sip:caller@host5.example.net>\n"
  "To: sip:j.user@example.com\n"
  "From: sip:caller@example.net;tag=8392034\n"
  "Max-Forwards: 70\n"
  "Call-ID: invut.0ha0isndaksdjadsfij34n23d\n"
  "CSeq: 235448 INVITE\n"
  "Via: SIP/2.0/UDP somehost.example.com;branch=z9hG4bKkdjuw\n"
  "Content-Type: application/unknownformat\n"
  "Content-Length: 40\n"
  "\n"
  "<audio>\n"
  " <pcmu port=\"443\"/>\n"
  "</audio>\n";

/* §3.3.7 Unknown Authorization Scheme (regaut01) */
static const char t4475_regaut01[] =
  "REGISTER sip:example.com SIP/2.0\n"
  "To: sip:j.user@example.com\n"
  "From: sip:j.user@example.com;tag=87321hj23128\n"
  "Max-Forwards: 8\n"
  "Call-ID: regaut01.0ha0isndaksdj\n"
  "CSeq: 9338 REGISTER\n"
  "Via: SIP/2.0/TCP 192.0.2.253;branch=z9hG4bKkdjuw\n"
  "Authorization: NoOneKnowsThisScheme opaque-data=here\n"
  "Content-Length:0\n"
  "\n";

/* §3.3.10 200 OK Response with Broadcast Via Header Field Value (bcast) */
static const char t4475_bcast[] =
  "SIP/2.0 200 OK\n"
  "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\n"
  "Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23\n"
  "Call-ID: bcast.0384840201234ksdfak3j2erwedfsASdf\n"
  "CSeq: 35 INVITE\n"
  "From: sip:user@example.com;tag=11141343\n"
  "To: sip:user@example.edu;tag=2229\n"
  "Content-Length: 154\n"
  "Content-Type: application/sdp\n"
  "Contact: <sip:user@host28.example.com>\n"
  "\n"
  SDP_150 ("192.0.2.198");

/* §3.3.11 Max-Forwards of Zero (zeromf) */
static const char t4475_zeromf[] =
  "OPTIONS sip:user@example.com SIP/2.0\n"
  "To: sip:user@example.com\n"
  "From: sip:caller@example.net;tag=3ghsd41\n"
  "Call-ID: zeromf.jfasdlfnm2o2l43r5u0asdfas\n"
  "CSeq: 39234321 OPTIONS\n"
  "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw2349i\n"
  "Max-Forwards: 0\n"
  "Content-Length: 0\n"
  "\n";

/* §3.3.12 REGISTER with a Contact Header Parameter (cparam01) */
static const char t4475_cparam01[] =
  "REGISTER sip:example.com SIP/2.0\n"
  "Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw\n"
  "Max-Forwards: 70\n"
  "From: sip:watson@example.com;tag=DkfVgjkrtMwaerKKpe\n"
  "To: sip:watson@example.com\n"
  "Call-ID: cparam01.70710@saturn.example.com\n"
  "CSeq: 2 REGISTER\n"
  "Contact: sip:+19725552222@gw1.example.net;unknownparam\n"
  "l: 0\n"
  "\n";

/* §3.3.13 REGISTER with a url-parameter (cparam02) */
static const char t4475_cparam02[] =
  "REGISTER sip:example.com SIP/2.0\n"
  "Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw\n"
  "Max-Forwards: 70\n"
  "From: sip:watson@example.com;tag=838293\n"
  "To: sip:watson@example.com\n"
  "Call-ID: cparam02.70710@saturn.example.com\n"
  "CSeq: 3 REGISTER\n"
  "Contact: <sip:+19725552222@gw1.example.net;unknownparam>\n"
  "l: 0\n"
  "\n";

/* §3.3.14 REGISTER with a URL Escaped Header (regescrt) */
static const char t4475_regescrt[] =
  "REGISTER sip:example.com SIP/2.0\n"
  "To: sip:user@example.com\n"
  "From: sip:user@example.com;tag=8\n"
  "Max-Forwards: 70\n"
  "Call-ID: regescrt.k345asrl3fdbv@192.0.2.1\n"
  "CSeq: 14398234 REGISTER\n"
  "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\n"
  "M: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>\n"
  "L:0\n"
  "\n";

/* §3.4.1 INVITE with RFC 2543 Syntax (inv2543): no branch, no
 * Max-Forwards, no Content-Length (the body is the rest of the datagram). */
static const char t4475_inv2543[] =
  "INVITE sip:UserB@example.com SIP/2.0\n"
  "Via: SIP/2.0/UDP iftgw.example.com\n"
  "From: <sip:+13035551111@ift.client.example.net;user=phone>\n"
  "Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\n"
  "To: sip:+16505552222@ss1.example.net;user=phone\n"
  "Call-ID: inv2543.1717@ift.client.example.com\n"
  "CSeq: 56 INVITE\n"
  "Content-Type: application/sdp\n"
  "\n"
  "v=0\n"
  "o=mhandley 29739 7272939 IN IP4 192.0.2.5\n"
  "s=-\n"
  "c=IN IP4 192.0.2.5\n"
  "t=0 0\n"
  "m=audio 49217 RTP/AVP 0\n";

/* ---- invalid (§3.1.2, §3.3) */

/* §3.1.2.1 Extraneous Header Field Separators (badinv01) */
static const char t4475_badinv01[] =
  "INVITE sip:user@example.com SIP/2.0\n"
  "To: sip:j.user@example.com\n"
  "From: sip:caller@example.net;tag=134161461246\n"
  "Max-Forwards: 7\n"
  "Call-ID: badinv01.0ha0isndaksdjasdf3234nas\n"
  "CSeq: 8 INVITE\n"
  "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\n"
  "Contact: \"Joe\" <sip:joe@example.org>;;;;\n"
  "Content-Length: 152\n"
  "Content-Type: application/sdp\n"
  "\n"
  SDP_150 ("192.0.2.15");

/* §3.1.2.2 Content Length Larger Than Message (clerr) */
static const char t4475_clerr[] =
  "INVITE sip:user@example.com SIP/2.0\n"
  "Max-Forwards: 80\n"
  "To: sip:j.user@example.com\n"
  "From: sip:caller@example.net;tag=93942939o2\n"
  "Contact: <sip:caller@hungry.example.net>\n"
  "Call-ID: clerr.0ha0isndaksdjweiafasdk3\n"
  "CSeq: 8 INVITE\n"
  "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523\n"
  "Content-Type: application/sdp\n"
  "Content-Length: 9999\n"
  "\n"
  SDP_150 ("192.0.2.155");

/* §3.1.2.3 Negative Content-Length (ncl) */
static const char t4475_ncl[] =
  "INVITE sip:user@example.com SIP/2.0\n"
  "Max-Forwards: 254\n"
  "To: sip:j.user@example.com\n"
  "From: sip:caller@example.net;tag=32394234\n"
  "Call-ID: ncl.0ha0isndaksdj2193423r542w35\n"
  "CSeq: 0 INVITE\n"
  "Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw\n"
  "Contact: <sip:caller@example53.example.net>\n"
  "Content-Type: application/sdp\n"
  "Content-Length: -999\n"
  "\n"
  SDP_150 ("192.0.2.53");

/* §3.1.2.4 Request Scalar Fields with Overlarge Values (scalar02) */
static const char t4475_scalar02[] =
  "REGISTER sip:example.com SIP/2.0\n"
  "Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\n"
  "To: <sip:user@example.com>\n"
  "From: <sip:user@example.com>;tag=239232jh3\n"
  "CSeq: 36893488147419103232 REGISTER\n"
  "Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32\n"
  "Max-Forwards: 300\n"
  "Expires: 1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\n"
  "Contact: <sip:user@host129.example.com>\n"
  "  ;expires=280297596632815\n"
  "Content-Length: 0\n"
  "\n";

/* §3.1.2.5 Response Scalar Fields with Overlarge Values (scalarlg) */
static const char t4475_scalarlg[] =
  "SIP/2.0 503 Service Unavailable\n"
  "Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129\n"
  "To: <sip:user@example.com>\n"
  "From: <sip:other@example.net>;tag=2easdjfejw\n"
  "CSeq: 9292394834772304023312 OPTIONS\n"
  "Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r\n"
  "Retry-After: 949302838503028349304023988\n"
  "Warning: 1812 overture \"In Progress\"\n"
  "Content-Length: 0\n"
  "\n";

/* §3.1.2.6 Unterminated Quoted String in Display Name (quotbal) */
static const char t4475_quotbal[] =
  "INVITE sip:user@example.com SIP/2.0\n"
  "To: \"Mr. J. User <sip:j.user@example.com>\n"
  "From: sip:caller@example.net;tag=93334\n"
  "Max-Forwards: 10\n"
  "Call-ID: quotbal.aksdj\n"
  "Contact: <sip:caller@host59.example.net>\n"
  "CSeq: 8 INVITE\n"
  "Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234\n"
  "Content-Type: application/sdp\n"
  "Content-Length: 152\n"
  "\n"
  SDP_150 ("192.0.2.15");

/* §3.1.2.7 <> Enclosing Request-URI (ltgtruri) */
static const char t4475_ltgtruri[] =
  "INVITE <sip:user@example.com> SIP/2.0\n"
  "To: sip:user@example.com\n"
  "From: sip:caller@example.net;tag=39291\n"
  "Max-Forwards: 23\n"
  "Call-ID: ltgtruri.1@192.0.2.5\n"
  "CSeq: 1 INVITE\n"
  "Via: SIP/2.0/UDP 192.0.2.5\n"
  "Contact: <sip:caller@host5.example.net>\n"
  "Content-Type: application/sdp\n"
  "Content-Length: 159\n"
  "\n";

/* §3.1.2.8 Malformed SIP Request-URI (embedded LWS) (lwsruri) */
static const char t4475_lwsruri[] =
  "INVITE sip:user@example.com; lr SIP/2.0\n"
  "To: sip:user@example.com;tag=3xfe-9921883-z9f\n"
  "From: sip:caller@example.net;tag=231413434\n"
  "Max-Forwards: 5\n"
  "Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423\n"
  "CSeq: 2130706432 INVITE\n"
  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395\n"
  "Contact: <sip:caller@host1.example.net>\n"
  "Content-Length: 0\n"
  "\n";

/* §3.1.2.9 Multiple SP Separating Request-Line Elements (lwsstart) */
static const char t4475_lwsstart[] =
  "INVITE  sip:user@example.com  SIP/2.0\n"
  "Max-Forwards: 8\n"
  "To: sip:user@example.com\n"
  "From: sip:caller@example.net;tag=8814\n"
  "Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com\n"
  "CSeq: 1893884 INVITE\n"
  "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923\n"
  "Contact: <sip:caller@host1.example.net>\n"
  "Content-Length: 0\n"
  "\n";

/* §3.1.2.10 SP Characters at End of Request-Line (trws) */
static const char t4475_trws[] =
  "OPTIONS sip:remote-target@example.com SIP/2.0  \n"
  "Via: SIP/2.0/TCP host1.examle.com;branch=z9hG4bK299342093\n"
  "To: <sip:remote-target@example.com>\n"
  "From: <sip:local-resource@example.com>;tag=329429089\n"
  "Call-ID: trws.oicu34958239neffasdhr2345r\n"
  "Accept: application/sdp\n"
  "CSeq: 238923 OPTIONS\n"
  "Max-Forwards: 70\n"
  "Content-Length: 0\n"
  "\n";

/* §3.1.2.11 Escaped Headers in SIP Request-URI (escruri) */
static const char t4475_escruri[] =
  "INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0\n"
  "To: sip:user@example.com\n"
  "From: sip:caller@example.net;tag=341518\n"
  "Max-Forwards: 7\n"
  "Contact: <sip:caller@host39923.example.net>\n"
  "Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5\n"
  "CSeq: 149209342 INVITE\n"
  "Via: SIP/2.0/UDP host-of-the-hour.example.com;branch=z9hG4bKkdjuw\n"
  "Content-Length: 0\n"
  "\n";

/* §3.1.2.13 Failure to Enclose name-addr URI in <> (regbadct) */
static const char t4475_regbadct[] =
  "REGISTER sip:example.com SIP/2.0\n"
  "To: sip:user@example.com\n"
  "From: sip:user@example.com;tag=998332\n"
  "Max-Forwards: 70\n"
  "Call-ID: regbadct.k345asrl3fdbv@10.0.0.1\n"
  "CSeq: 1 REGISTER\n"
  "Via: SIP/2.0/UDP 135.180.130.133:5060;branch=z9hG4bKkdjuw\n"
  "Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E\n"
  "l: 0\n"
  "\n";

/* §3.1.2.14 Spaces within addr-spec (badaspec) */
static const char t4475_badaspec[] =
  "OPTIONS sip:user@example.org SIP/2.0\n"
  "Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234\n"
  "Max-Forwards: 70\n"
  "From: \"Bell, Alexander\" <sip:a.g.bell@example.com>;tag=433423\n"
  "To: \"Watson, Thomas\" < sip:t.watson@example.org >\n"
  "Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3\n"
  "Accept: application/sdp\n"
  "CSeq: 3923239 OPTIONS\n"
  "l: 0\n"
  "\n";

/* §3.1.2.15 Non-token Characters in Display Name (baddn) */
static const char t4475_baddn[] =
  "OPTIONS sip:t.watson@example.org SIP/2.0\n"
  "Via:     SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKkdjuw\n"
  "Max-Forwards:      70\n"
  "From:    Bell, Alexander <sip:a.g.bell@example.com>;tag=43\n"
  "To:      Watson, Thomas <sip:t.watson@example.org>\n"
  "Call-ID: baddn.31415@c.example.com\n"
  "Accept: application/sdp\n"
  "CSeq:    3923239 OPTIONS\n"
  "l: 0\n"
  "\n";

/* §3.1.2.16 Unknown Protocol Version (badvers) */
static const char t4475_badvers[] =
  "OPTIONS sip:t.watson@example.org SIP/7.0\n"
  "Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\n"
  "Max-Forwards:     70\n"
  "From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\n"
  "To:      T. Watson <sip:t.watson@example.org>\n"
  "Call-ID: badvers.31417@c.example.com\n"
  "CSeq:    1 OPTIONS\n"
  "l: 0\n"
  "\n";

/* §3.1.2.17 Start Line and CSeq Method Mismatch (mismatch01) */
static const char t4475_mismatch01[] =
  "OPTIONS sip:user@example.com SIP/2.0\n"
  "To: sip:j.user@example.com\n"
  "From: sip:caller@example.net;tag=34525\n"
  "Max-Forwards: 6\n"
  "Call-ID: mismatch01.dj0234sxdfl3\n"
  "CSeq: 8 INVITE\n"
  "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw\n"
  "l: 0\n"
  "\n";

/* §3.1.2.18 Unknown Method with CSeq Method Mismatch (mismatch02) */
static const char t4475_mismatch02[] =
  "NEWMETHOD sip:user@example.com SIP/2.0\n"
  "To: sip:j.user@example.com\n"
  "From: sip:caller@example.net;tag=34525\n"
  "Max-Forwards: 6\n"
  "Call-ID: mismatch02.dj0234sxdfl3\n"
  "CSeq: 8 INVITE\n"
  "Contact: <sip:caller@host.example.net>\n"
  "Via: SIP/2.0/UDP host.example.net;branch=z9hG4bKkdjuw\n"
  "l: 0\n"
  "\n";

/* §3.1.2.19 Overlarge Response Code (bigcode) */
static const char t4475_bigcode[] =
  "SIP/2.0 4294967301 better not break the receiver\n"
  "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\n"
  "Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\n"
  "CSeq: 353494 INVITE\n"
  "From: <sip:user@example.com>;tag=39ansfi3\n"
  "To: <sip:user@example.edu>;tag=902jndnke3\n"
  "Content-Length: 0\n"
  "Contact: <sip:user@host105.example.com>\n"
  "\n";

/* §3.3.1 Missing Required Header Fields (insuf) */
static const char t4475_insuf[] =
  "INVITE sip:user@example.com SIP/2.0\n"
  "CSeq: 193942 INVITE\n"
  "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\n"
  "Content-Type: application/sdp\n"
  "l: 152\n"
  "\n"
  SDP_150 ("192.0.2.95");

/* §3.3.2 Request-URI with Unknown Scheme (unkscm) */
static const char t4475_unkscm[] =
  "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\n"
  "To: sip:user@example.com\n"
  "From: sip:caller@example.net;tag=384\n"
  "Max-Forwards: 3\n"
  "Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34\n"
  "CSeq: 3923423 OPTIONS\n"
  "Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234\n"
  "Content-Length: 0\n"
  "\n";

/* §3.3.3 Request-URI with Known but Atypical Scheme (novelsc) */
static const char t4475_novelsc[] =
  "OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0\n"
  "To: sip:user@example.com\n"
  "From: sip:caller@example.net;tag=384\n"
  "Max-Forwards: 3\n"
  "Call-ID: novelsc.asdfasser0q239nwsdfasdkl34\n"
  "CSeq: 3923423 OPTIONS\n"
  "Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234\n"
  "Content-Length: 0\n"
  "\n";

/* §3.3.4 Unknown URI Schemes in Header Fields (unksm2) */
static const char t4475_unksm2[] =
  "REGISTER sip:example.com SIP/2.0\n"
  "To: isbn:2983792873\n"
  "From: <http://www.example.com>;tag=3234233\n"
  "Call-ID: unksm2.daksdj@hyphenated-host.example.com\n"
  "CSeq: 234902 REGISTER\n"
  "Max-Forwards: 70\n"
  "Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKkdjuw\n"
  "Contact: <name:John_Smith>\n"
  "l: 0\n"
  "\n";

/* §3.3.8 Multiple Values in Single Value Required Fields (multi01) */
static const char t4475_multi01[] =
  "INVITE sip:user@company.com SIP/2.0\n"
  "Contact: <sip:caller@host25.example.net>\n"
  "Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw\n"
  "Max-Forwards: 70\n"
  "CSeq: 5 INVITE\n"
  "Call-ID: multi01.98asdh@192.0.2.1\n"
  "CSeq: 59 INVITE\n"
  "Call-ID: multi01.98asdh@192.0.2.2\n"
  "From: sip:caller@example.com;tag=3413415\n"
  "To: sip:user@example.com\n"
  "To: sip:other@example.net\n"
  "From: sip:caller@example.net;tag=2923420123\n"
  "Content-Type: application/sdp\n"
  "l: 154\n"
  "Contact: <sip:caller@host36.example.net>\n"
  "Max-Forwards: 5\n"
  "\n"
  SDP_150 ("192.0.2.25");

/* §3.3.9 Multiple Content-Length Values (mcl01) */
static const char t4475_mcl01[] =
  "OPTIONS sip:user@example.com SIP/2.0\n"
  "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423\n"
  "To: sip:user@example.com\n"
  "From: sip:other@example.net;tag=3923942\n"
  "Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf\n"
  "CSeq: 15932 OPTIONS\n"
  "Content-Length: 13\n"
  "Max-Forwards: 60\n"
  "Content-Length: 5\n"
  "Content-Type: text/plain\n"
  "\n"
  "There's no way to know how many octets are supposed to be here.\n";
