/*
 * models/tls/tls.h - a byte-accurate model of a TLS 1.2 or 1.3 session
 * (RFC 5246, RFC 8446) for SIP over TLS (RFC 3261 §26.3.1, RFC 5630):
 * real record headers, real handshake messages with their real sizes and
 * the real number of round trips, but no real cryptography.  Why a model
 * and not a TLS library: doc/tls.md.
 *
 * Notes
 *
 * 1. What is real.  Records carry the real content types (handshake 22,
 *    change_cipher_spec 20, alert 21, application_data 23) and versions
 *    (0x0301 on the ClientHello record, 0x0303 after).  Handshake messages
 *    have their real types and structure: ClientHello and ServerHello with
 *    cipher suites, SNI, supported_groups, signature_algorithms, and for
 *    1.3 supported_versions and an x25519 key_share; a Certificate message
 *    holding a real DER certificate (models/tls/tls-cert.c); for 1.2 an
 *    ECDHE ServerKeyExchange, ServerHelloDone, ClientKeyExchange and
 *    ChangeCipherSpec; for 1.3 EncryptedExtensions, Certificate,
 *    CertificateVerify and Finished inside encrypted records.  Protected
 *    records have AES-128-GCM's sizes: TLS 1.2 adds an 8-byte explicit
 *    nonce and a 16-byte tag, TLS 1.3 one inner content-type byte and the
 *    tag.  tshark dissects all of it without a malformed packet.
 *
 * 2. What is not.  Keys, signatures and MACs are bytes from the session's
 *    random stream; "encryption" XORs with a keystream that both ends
 *    derive from the two hello randoms (SHA-256 in counter mode), so the
 *    receiver can read what was sent and nobody is protected.  The tag is
 *    a truncated SHA-256 of the ciphertext, checked, so a record that does
 *    not come from the peer's keystream is a protocol failure.
 *
 * 3. Round trips.  TLS 1.2 full handshake: ClientHello; ServerHello,
 *    Certificate, ServerKeyExchange, ServerHelloDone; ClientKeyExchange,
 *    ChangeCipherSpec, Finished; ChangeCipherSpec, Finished: the client
 *    may send application data after 2 RTT.  TLS 1.3: ClientHello;
 *    ServerHello, (compatibility ChangeCipherSpec), EncryptedExtensions,
 *    Certificate, CertificateVerify, Finished; ChangeCipherSpec, Finished
 *    and then application data from the client in the same flight: 1 RTT.
 *    The server may send application data once its Finished is out (1.3)
 *    or once it has received the client's Finished (1.2).  No session
 *    resumption, no 0-RTT, no HelloRetryRequest, no client certificates.
 *
 * 4. Version.  The client offers everything up to its max_version; the
 *    server picks the highest both have (a 1.3 server and a 1.2 client
 *    speak 1.2).  A server whose max is below the client's lowest offer
 *    answers protocol_version (70).
 *
 * 5. Trust.  The server presents tls_cert_good or tls_cert_bad (its
 *    cert_trusted setting); a verifying client trusts exactly the good
 *    one (a pinned trust store) and answers the other with a fatal
 *    bad_certificate alert (42), then the session has failed on both ends.
 *    A non-verifying client (many phones' default) accepts either.
 *
 * 6. Determinism: every random byte comes from the SimRng given at
 *    creation, in the order the messages are built.
 *
 * State machine (client and server, tls.c; "->" send, "<-" receive):
 *
 *   client  START --ClientHello->  WAIT_SH --<-ServerHello-- WAIT_CERT
 *           WAIT_CERT --<-Certificate (trusted)-- WAIT_SKE (1.2) / WAIT_CV (1.3)
 *           1.2: WAIT_SKE --<-SKE-- WAIT_SHD --<-SHD, ->CKE CCS Fin-- WAIT_FIN
 *                WAIT_FIN --<-CCS Fin-- ESTABLISHED
 *           1.3: WAIT_CV --<-CertificateVerify-- WAIT_FIN --<-Fin, ->CCS Fin-- ESTABLISHED
 *   server  START --<-ClientHello, ->flight-- WAIT_CFIN --<-(CKE CCS) Fin-- ESTABLISHED
 *                                            (1.2: ->CCS Fin on the way)
 *   any     --bad certificate, bad record, alert received-- FAILED
 */
#pragma once
#include <glib.h>

#include "sim/kernel/rng.h"

G_BEGIN_DECLS

typedef struct TlsSession TlsSession;

typedef enum {
  TLS_VERSION_1_2,
  TLS_VERSION_1_3,
} TlsVersion;

typedef enum {
  TLS_ROLE_CLIENT,
  TLS_ROLE_SERVER,
} TlsRole;

typedef enum {
  TLS_FAIL_NONE,
  TLS_FAIL_BAD_CERTIFICATE,   /* we rejected the peer's certificate (note 5) */
  TLS_FAIL_ALERT,             /* the peer sent a fatal alert */
  TLS_FAIL_VERSION,           /* no common version (note 4) */
  TLS_FAIL_PROTOCOL,          /* a record or message we cannot read */
} TlsFailure;

typedef struct {
  TlsVersion  max_version;    /* the highest offered (client) or accepted (server); 1.3 */
  TlsVersion  min_version;    /* the lowest; 1.2 */
  const char *server_name;    /* client: SNI; NULL: none */
  gboolean    verify;         /* client: check the certificate (note 5); TRUE */
  gboolean    cert_trusted;   /* server: present the trusted certificate; TRUE */
} TlsConfig;

void        tls_config_init (TlsConfig *cfg);

typedef enum {
  TLS_OK,                     /* nothing new (maybe bytes to send) */
  TLS_ESTABLISHED,            /* the handshake completed with this input */
  TLS_FAILED,                 /* the session failed (tls_session_get_failure) */
} TlsStatus;

/* A session in @role.  @cfg is copied (server_name too); @rng is borrowed
 * and must outlive the session. */
TlsSession *tls_session_new    (TlsRole role, const TlsConfig *cfg, SimRng *rng);
void        tls_session_free   (TlsSession *s);        /* NULL-safe */

/* Client: appends the ClientHello record to @wire.  Server: nothing. */
void        tls_session_start  (TlsSession *s, GByteArray *wire);
/* Feeds bytes received from the peer.  Appends to @wire what must be sent
 * back (handshake flights, an alert) and to @app the application data
 * read.  After TLS_FAILED further input is ignored. */
TlsStatus   tls_session_input  (TlsSession *s, const guint8 *data, gsize len,
                                GByteArray *wire, GByteArray *app);
/* Protects @len bytes of application data into records (at most 16384
 * plaintext bytes each) appended to @wire.  FALSE if the session cannot
 * send yet (note 3) or has failed. */
gboolean    tls_session_write  (TlsSession *s, const guint8 *data, gsize len, GByteArray *wire);
gboolean    tls_session_can_write (const TlsSession *s);
gboolean    tls_session_is_established (const TlsSession *s);
TlsFailure  tls_session_get_failure (const TlsSession *s);
TlsVersion  tls_session_get_version (const TlsSession *s);  /* valid after ServerHello */
/* The description of the fatal alert the peer sent (42 bad_certificate,
 * 70 protocol_version, ...), 0 if none. */
guint       tls_session_get_peer_alert (const TlsSession *s);

const char *tls_failure_to_string (TlsFailure f);   /* "bad-certificate", ... */
const char *tls_version_to_string (TlsVersion v);   /* "1.2", "1.3" */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TlsSession, tls_session_free)

G_END_DECLS
