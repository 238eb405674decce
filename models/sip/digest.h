/*
 * models/sip/digest.h - Digest authentication for SIP (RFC 3261 §22.4 on
 * RFC 2617; RFC 7616 for SHA-256): challenges, credentials, the client that
 * answers a 401/407 and the server that issues challenges and checks
 * answers.
 *
 * Notes
 *
 * 1. Header values only.  Everything here works on the VALUE of a
 *    WWW-Authenticate, Proxy-Authenticate, Authorization or
 *    Proxy-Authorization header as a (pointer, length) slice (what
 *    models/sip/msg.h hands out as SipStr), and returns values as strings
 *    the caller puts in a header.  It does not depend on the SIP codec.
 *
 * 2. What is implemented: algorithms MD5, MD5-sess, SHA-256, SHA-256-sess;
 *    qop "auth", and no qop at all (RFC 2069 compatibility, RFC 2617
 *    §3.2.2.1).  qop "auth-int" is parsed but never answered (it needs the
 *    body; SIP registration has none), userhash and charset (RFC 7616) are
 *    ignored, and other algorithms (e.g. AKAv1-MD5) are rejected with
 *    SIP_DIGEST_ERROR_ALGORITHM.
 *
 * 3. Parsing: parameter names are case-insensitive; values may be tokens
 *    or quoted strings (backslash escapes undone); unknown parameters are
 *    ignored; a known one given twice is an error.  A value holding several
 *    challenges (the HTTP form "Basic realm=x, Digest ...") yields its
 *    first Digest challenge; one with no Digest challenge is
 *    SIP_DIGEST_ERROR_NOT_DIGEST naming the scheme found.  The parsers
 *    never read outside [value, value+len).
 *
 * 4. Randomness (cnonce, server nonces) comes only from a SimRng the caller
 *    owns; time (nonce age) only from the @now the caller passes.
 */
#pragma once
#include <glib.h>

#include "sim/kernel/time.h"
#include "sim/kernel/rng.h"

G_BEGIN_DECLS

typedef enum {
  SIP_DIGEST_MD5,             /* RFC 2617; the default when "algorithm" is absent */
  SIP_DIGEST_MD5_SESS,
  SIP_DIGEST_SHA256,          /* RFC 7616 "SHA-256" */
  SIP_DIGEST_SHA256_SESS,
} SipDigestAlgorithm;

typedef enum {
  SIP_DIGEST_QOP_NONE,        /* RFC 2069 style: no qop, nc, cnonce */
  SIP_DIGEST_QOP_AUTH,
  SIP_DIGEST_QOP_AUTH_INT,    /* parsed only */
} SipDigestQop;

/* Longest header value accepted, to bound work on hostile input. */
#define SIP_DIGEST_MAX_VALUE 8192

#define SIP_DIGEST_ERROR (sip_digest_error_quark ())
GQuark sip_digest_error_quark (void);

typedef enum {
  SIP_DIGEST_ERROR_NOT_DIGEST,  /* another scheme (Basic, Bearer, ...) or none */
  SIP_DIGEST_ERROR_SYNTAX,      /* not a valid auth-param list */
  SIP_DIGEST_ERROR_MISSING,     /* a required parameter is absent */
  SIP_DIGEST_ERROR_DUPLICATE,   /* a parameter given twice */
  SIP_DIGEST_ERROR_BAD_VALUE,   /* a parameter's value is invalid (nc, response, stale, qop) */
  SIP_DIGEST_ERROR_ALGORITHM,   /* an algorithm token other than the four of note 2
                                 * (e.g. AKAv1-MD5, SHA-512-256) */
  SIP_DIGEST_ERROR_QOP,         /* the challenge offers no qop we can answer */
  SIP_DIGEST_ERROR_TOO_LARGE,   /* longer than SIP_DIGEST_MAX_VALUE */
} SipDigestError;

/* "MD5", "MD5-sess", "SHA-256", "SHA-256-sess" (static strings). */
const char *sip_digest_algorithm_to_string (SipDigestAlgorithm alg);
/* Case-insensitive; FALSE for anything else. */
gboolean    sip_digest_algorithm_parse     (const char *s, gsize len, SipDigestAlgorithm *out);

/* ------------------------------------------------------------ challenges */

/* A WWW-Authenticate / Proxy-Authenticate value.  Strings are
 * NUL-terminated and owned by the struct (sip_digest_challenge_free()). */
typedef struct {
  char              *realm;
  char              *nonce;
  char              *opaque;             /* NULL if absent */
  char              *domain;             /* NULL if absent */
  SipDigestAlgorithm algorithm;          /* MD5 if absent */
  gboolean           algorithm_present;
  gboolean           qop_present;        /* FALSE: RFC 2069 style */
  gboolean           qop_auth;           /* "auth" offered */
  gboolean           qop_auth_int;       /* "auth-int" offered */
  gboolean           stale;
} SipDigestChallenge;

SipDigestChallenge *sip_digest_challenge_parse (const char *value, gsize len, GError **error);
/* "Digest realm=\"...\", ..." as a server sends it; g_free() it. */
char               *sip_digest_challenge_to_string (const SipDigestChallenge *ch);
void                sip_digest_challenge_free  (SipDigestChallenge *ch);   /* NULL-safe */

/* ----------------------------------------------------------- credentials */

/* An Authorization / Proxy-Authorization value.  Strings as above. */
typedef struct {
  char              *username;
  char              *realm;
  char              *nonce;
  char              *uri;
  char              *response;           /* lower-case hex, 32 or 64 digits */
  char              *cnonce;             /* NULL if absent */
  char              *opaque;             /* NULL if absent */
  SipDigestAlgorithm algorithm;          /* MD5 if absent */
  gboolean           algorithm_present;
  SipDigestQop       qop;
  guint32            nc;                 /* with qop; 0 otherwise */
} SipDigestCredentials;

/* Requires username, realm, nonce, uri and response (RFC 2617 §3.2.2), and
 * cnonce and nc when qop is present; the response must have the length
 * of the algorithm's hash. */
SipDigestCredentials *sip_digest_credentials_parse (const char *value, gsize len,
                                                    GError **error);
char                 *sip_digest_credentials_to_string (const SipDigestCredentials *cr);
void                  sip_digest_credentials_free  (SipDigestCredentials *cr);  /* NULL-safe */

/* ------------------------------------------------------------- hashing */

/* H(username ":" realm ":" password) as lower-case hex: what a server may
 * store instead of the password (RFC 2617 §3.2.2.2). g_free() it. */
char *sip_digest_compute_ha1 (SipDigestAlgorithm alg, const char *username,
                              const char *realm, const char *password);

/* Inputs of one request-digest (RFC 2617 §3.2.2.1, RFC 7616 §3.4.1).
 * Pointers are borrowed. */
typedef struct {
  SipDigestAlgorithm algorithm;
  const char        *ha1;        /* sip_digest_compute_ha1(); -sess is applied here */
  const char        *nonce;
  const char        *cnonce;     /* with qop, and for -sess */
  guint32            nc;         /* with qop */
  SipDigestQop       qop;        /* NONE or AUTH */
  const char        *method;     /* "REGISTER" */
  const char        *uri;        /* digest-uri: the Request-URI */
} SipDigestInput;

/* The response value as lower-case hex; g_free() it. */
char *sip_digest_compute_response (const SipDigestInput *in);

/* The Authorization value answering @ch for one request, with the given
 * @cnonce and @nc (used only when qop "auth" is chosen, and cnonce also for
 * -sess).  Chooses qop "auth" when offered; with no qop offered answers in
 * RFC 2069 style.  SIP_DIGEST_ERROR_QOP if only auth-int is offered.
 * g_free() the result. */
char *sip_digest_build_authorization (const SipDigestChallenge *ch, const char *username,
                                      const char *password, const char *method,
                                      const char *uri, const char *cnonce, guint32 nc,
                                      GError **error);

/* --------------------------------------------------------------- client */

typedef struct SipDigestClient SipDigestClient;

/* Strings are copied; @rng is not owned and must outlive the client. */
SipDigestClient *sip_digest_client_new  (const char *username, const char *password,
                                         SimRng *rng);
void             sip_digest_client_free (SipDigestClient *client);  /* NULL-safe */
/* Answers @ch for (@method, @uri).  Per nonce it keeps the nonce count
 * (00000001 on first use, then +1) and one cnonce drawn from @rng on first
 * use, so -sess session keys stay valid; it remembers the last few nonces
 * only.  NULL and @error as sip_digest_build_authorization(). */
char            *sip_digest_client_authorize (SipDigestClient *client,
                                              const SipDigestChallenge *ch,
                                              const char *method, const char *uri,
                                              GError **error);
/* The nonce count last sent with @nonce; 0 if not (or no longer) known. */
guint32          sip_digest_client_get_nc (const SipDigestClient *client, const char *nonce);

/* --------------------------------------------------------------- server */

typedef struct SipDigestServer SipDigestServer;

/* Copied by sip_digest_server_new(). */
typedef struct {
  const char        *realm;
  SipDigestAlgorithm algorithm;
  gboolean           qop_auth;        /* offer qop="auth"; FALSE: RFC 2069 style */
  SimTime            nonce_lifetime;  /* older nonces are stale; 0: never by age */
  guint              max_nonces;      /* nonces remembered, oldest forgotten first; 0: 1024 */
  const char        *opaque;          /* sent, and required back; NULL: none */
} SipDigestServerConfig;

typedef enum {
  SIP_DIGEST_OK,
  SIP_DIGEST_MALFORMED,       /* algorithm, qop, cnonce or opaque inconsistent with
                               * the challenge (a value that does not parse is the
                               * caller's MALFORMED too) */
  SIP_DIGEST_WRONG_REALM,     /* realm is not this server's */
  SIP_DIGEST_URI_MISMATCH,    /* uri is not the Request-URI (RFC 2617 §3.2.2.5) */
  SIP_DIGEST_WRONG_PASSWORD,  /* the response does not match */
  SIP_DIGEST_STALE_NONCE,     /* the response matches, but the nonce is unknown,
                               * forgotten or too old: challenge with stale=true */
  SIP_DIGEST_REPLAY,          /* the nonce count is not above the last accepted */
} SipDigestVerdict;

const char *sip_digest_verdict_to_string (SipDigestVerdict v);    /* static string */

/* @rng is not owned and must outlive the server. */
SipDigestServer *sip_digest_server_new   (const SipDigestServerConfig *cfg, SimRng *rng);
void             sip_digest_server_free  (SipDigestServer *server);  /* NULL-safe */
/* A WWW-Authenticate value with a fresh nonce (128 bits from the rng),
 * remembered as issued at @now.  @stale adds stale=true (RFC 2617 §3.2.1).
 * g_free() it. */
char            *sip_digest_server_challenge (SipDigestServer *server, SimTime now,
                                              gboolean stale);
/* Checks @cr for a request (@method, @request_uri; NULL: do not compare the
 * uri) against @password, at @now.  On OK the nonce count is recorded. */
SipDigestVerdict sip_digest_server_verify (SipDigestServer *server,
                                           const SipDigestCredentials *cr,
                                           const char *method, const char *request_uri,
                                           const char *password, SimTime now);
/* The same with the stored H(username:realm:password) instead. */
SipDigestVerdict sip_digest_server_verify_ha1 (SipDigestServer *server,
                                               const SipDigestCredentials *cr,
                                               const char *method, const char *request_uri,
                                               const char *ha1, SimTime now);
guint            sip_digest_server_get_n_nonces (const SipDigestServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipDigestChallenge, sip_digest_challenge_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipDigestCredentials, sip_digest_credentials_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipDigestClient, sip_digest_client_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipDigestServer, sip_digest_server_free)

G_END_DECLS
