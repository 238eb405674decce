/*
 * models/sip/builder.h - building SIP requests and responses (RFC 3261
 * §8.1.1, §8.2.6, §17.1.1.3), and the random identifiers they carry.
 *
 * A SipBuilder accumulates a start line and headers as text and finishes
 * into wire bytes (Content-Length added from the body) or straight into a
 * SipMsg, which is not parsed again (sip_builder_finish_msg()).  Everything passed in is copied.  Identifiers (branch,
 * tag, Call-ID) are drawn from a SimRng the caller owns: no global state,
 * so the same seed gives the same bytes.
 */
#pragma once
#include <glib.h>

#include "sim/kernel/rng.h"
#include "models/sip/msg.h"

G_BEGIN_DECLS

typedef struct SipBuilder SipBuilder;

/* A request: "METHOD request-uri SIP/2.0".  @method_str is used for
 * SIP_METHOD_UNKNOWN and ignored otherwise (may be NULL then). */
SipBuilder *sip_builder_request   (SipMethod method, const char *method_str,
                                   const char *request_uri);
/* A response to @request (§8.2.6.2): copies every Via in order, From,
 * To, Call-ID and CSeq.  If the request's To has no tag and @to_tag is
 * non-NULL, ";tag=@to_tag" is added to To (never for 100 Trying, §8.2.6.2).
 * @reason NULL means sip_status_reason(@code). */
SipBuilder *sip_builder_response  (const SipMsg *request, guint code,
                                   const char *reason, const char *to_tag);
/* A bare status line "SIP/2.0 @code @reason" and no headers: a proxy
 * copies a response's headers itself (§16.7).  @reason NULL means
 * sip_status_reason(@code). */
SipBuilder *sip_builder_status    (guint code, const char *reason);
void        sip_builder_free      (SipBuilder *b);        /* NULL-safe */

/* Appends "Name: value".  @name is used as given. */
void        sip_builder_add       (SipBuilder *b, const char *name,
                                   const char *fmt, ...) G_GNUC_PRINTF (3, 4);
/* Via: SIP/2.0/@transport @host[:@port];branch=@branch[;rport].
 * @port 0 leaves it out.  Prepended above any Via already added, so a
 * proxy calls it after copying the received Vias. */
void        sip_builder_add_via   (SipBuilder *b, const char *transport,
                                   const char *host, guint16 port,
                                   const char *branch, gboolean rport);
/* Appends every value of header @id (SIP_HDR_OTHER not allowed) from
 * @msg, in order, one per line. */
void        sip_builder_copy_header (SipBuilder *b, const SipMsg *msg, SipHeaderId id);
/* Removes every header named @name added so far (case-insensitive,
 * compact forms folded). */
void        sip_builder_remove    (SipBuilder *b, const char *name);
/* For a response builder: rewrites the first Via (the request's top one)
 * as RFC 3581 §4 and RFC 3261 §18.2.1 ask of a server answering over UDP:
 * any received/rport dropped, then ";received=@src_ip" when the Via has
 * rport or its sent-by differs from @src_ip, and ";rport=@src_port" when
 * the Via has rport.  @src_ip and @src_port: where the request came from. */
void        sip_builder_stamp_via (SipBuilder *b, const SipMsg *request,
                                   const char *src_ip, guint16 src_port);
/* Sets the body (copied) and Content-Type; NULL @content_type for none. */
void        sip_builder_set_body  (SipBuilder *b, const char *content_type,
                                   const guint8 *body, gsize len);

/* Finishes: adds Content-Length, frees @b, returns the wire bytes (the
 * caller owns the GBytes). */
GBytes     *sip_builder_finish    (SipBuilder *b);
/* Finishes into a SipMsg (the caller owns its one reference; frees @b)
 * whose sip_msg_raw() is what sip_builder_finish() returns, without
 * parsing those bytes: the message is filled from the builder's parts and
 * each header's parsed struct is filled when it is first read (builder.c
 * note 4).  Every accessor gives what sip_msg_parse() of the same bytes
 * gives; non-release builds check that on every call.  The builder's
 * output is always valid SIP, so bytes the parser would refuse (a value
 * holding CR/LF, a bad URI) are a programming error: g_critical and NULL,
 * or, for a header that is parsed only when read, g_critical then. */
SipMsg     *sip_builder_finish_msg (SipBuilder *b);

/* Identifiers.  Each returns a newly allocated string; g_free() it. */
char       *sip_gen_branch        (SimRng *rng);  /* "z9hG4bK" + 16 hex digits (§8.1.1.7) */
char       *sip_gen_tag           (SimRng *rng);  /* 8 hex digits (§19.3) */
char       *sip_gen_call_id       (SimRng *rng, const char *host);  /* "<hex>@host" */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipBuilder, sip_builder_free)

G_END_DECLS
