/*
 * models/tls/tls-private.h - what tls.c (session, record layer, state
 * machine) and tls-handshake.c (building and reading handshake messages)
 * share.  Nothing else includes it.
 */
#pragma once
#include "models/tls/tls.h"

/* Wire constants (RFC 5246 §6.2.1, §7.4; RFC 8446 §4, §5.1, B.3). */
enum {
  TLS_CT_CHANGE_CIPHER_SPEC = 20,
  TLS_CT_ALERT              = 21,
  TLS_CT_HANDSHAKE          = 22,
  TLS_CT_APPLICATION_DATA   = 23,
};
enum {
  TLS_HS_CLIENT_HELLO        = 1,
  TLS_HS_SERVER_HELLO        = 2,
  TLS_HS_ENCRYPTED_EXTENSIONS = 8,
  TLS_HS_CERTIFICATE         = 11,
  TLS_HS_SERVER_KEY_EXCHANGE = 12,
  TLS_HS_SERVER_HELLO_DONE   = 14,
  TLS_HS_CERTIFICATE_VERIFY  = 15,
  TLS_HS_CLIENT_KEY_EXCHANGE = 16,
  TLS_HS_FINISHED            = 20,
};
enum {
  TLS_ALERT_UNEXPECTED_MESSAGE = 10,
  TLS_ALERT_BAD_RECORD_MAC     = 20,
  TLS_ALERT_BAD_CERTIFICATE    = 42,
  TLS_ALERT_DECODE_ERROR       = 50,
  TLS_ALERT_PROTOCOL_VERSION   = 70,
};
#define TLS_RANDOM_LEN   32
#define TLS_TAG_LEN      16     /* AES-GCM tag */
#define TLS_NONCE_LEN    8      /* TLS 1.2 GCM explicit nonce */
#define TLS_MAX_FRAGMENT 16384
#define TLS_SUITE_12     0xc02b /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
#define TLS_SUITE_13     0x1301 /* TLS_AES_128_GCM_SHA256 */

extern const guint8 tls_cert_good[];
extern const gsize  tls_cert_good_len;
extern const guint8 tls_cert_bad[];
extern const gsize  tls_cert_bad_len;

/* What a ClientHello offered / a ServerHello chose, as far as the model
 * cares. */
typedef struct {
  guint8   random[TLS_RANDOM_LEN];
  guint8   session_id[32];
  guint    session_id_len;
  gboolean offers_13;         /* supported_versions lists 0x0304 */
  gboolean offers_12;         /* legacy_version 0x0303, or listed */
  guint16  suite;             /* ServerHello: the chosen suite */
} TlsHello;

/* tls-handshake.c: whole handshake messages (4-byte header included),
 * appended to @out.  Random fields are drawn from @rng. */
void     tls_hs_client_hello  (GByteArray *out, SimRng *rng, const TlsConfig *cfg,
                               guint8 random[TLS_RANDOM_LEN], guint8 session_id[32]);
void     tls_hs_server_hello  (GByteArray *out, SimRng *rng, TlsVersion v,
                               const TlsHello *ch, guint8 random[TLS_RANDOM_LEN]);
void     tls_hs_certificate   (GByteArray *out, TlsVersion v, gboolean trusted);
void     tls_hs_server_key_exchange (GByteArray *out, SimRng *rng);
void     tls_hs_empty         (GByteArray *out, guint8 type);   /* ServerHelloDone */
void     tls_hs_client_key_exchange (GByteArray *out, SimRng *rng);
void     tls_hs_encrypted_extensions (GByteArray *out);
void     tls_hs_certificate_verify (GByteArray *out, SimRng *rng);
void     tls_hs_finished      (GByteArray *out, SimRng *rng, TlsVersion v);
/* Readers of a message body (without its 4-byte header).  FALSE if it does
 * not parse. */
gboolean tls_hs_read_client_hello (const guint8 *b, gsize n, TlsHello *out);
gboolean tls_hs_read_server_hello (const guint8 *b, gsize n, TlsHello *out);
/* The first certificate of a Certificate body; FALSE if none. */
gboolean tls_hs_read_certificate (const guint8 *b, gsize n, TlsVersion v,
                                  const guint8 **cert, gsize *cert_len);

/* Big-endian appenders. */
void     tls_put8  (GByteArray *a, guint v);
void     tls_put16 (GByteArray *a, guint v);
void     tls_put24 (GByteArray *a, guint v);
void     tls_put_random (GByteArray *a, SimRng *rng, gsize n);
