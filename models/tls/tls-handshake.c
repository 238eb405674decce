/*
 * models/tls/tls-handshake.c - the handshake messages of the TLS model
 * (tls.h note 1): their real layout (RFC 5246 §7.4, RFC 8446 §4, RFC 8422
 * §5 for the ECDHE pieces), with keys and signatures drawn from the
 * session's stream at their real sizes (x25519 public keys 32 bytes, an
 * ECDSA P-256 signature as its 70-byte DER SEQUENCE of two 32-byte
 * INTEGERs, Finished 12 bytes in 1.2 and 32 in 1.3 with SHA-256).
 */
#include <string.h>

#include "models/tls/tls-private.h"

void
tls_put8 (GByteArray *a, guint v)
{
  guint8 b = (guint8) v;
  g_byte_array_append (a, &b, 1);
}

void
tls_put16 (GByteArray *a, guint v)
{
  guint8 b[2] = { (guint8) (v >> 8), (guint8) v };
  g_byte_array_append (a, b, 2);
}

void
tls_put24 (GByteArray *a, guint v)
{
  guint8 b[3] = { (guint8) (v >> 16), (guint8) (v >> 8), (guint8) v };
  g_byte_array_append (a, b, 3);
}

void
tls_put_random (GByteArray *a, SimRng *rng, gsize n)
{
  for (gsize i = 0; i < n; i++)
    tls_put8 (a, (guint) sim_rng_below (rng, 256));
}

/* Length fields are written as placeholders and patched when the part
 * they cover is complete. */
static guint
mark (GByteArray *a, guint width)
{
  guint at = a->len;
  for (guint i = 0; i < width; i++)
    tls_put8 (a, 0);
  return at;
}

static void
patch (GByteArray *a, guint at, guint width)
{
  guint v = a->len - at - width;
  for (guint i = 0; i < width; i++)
    a->data[at + i] = (guint8) (v >> (8 * (width - 1 - i)));
}

static guint
hs_begin (GByteArray *out, guint8 type)
{
  tls_put8 (out, type);
  return mark (out, 3);
}

static void
ext_server_name (GByteArray *o, const char *name)
{
  gsize n = strlen (name);
  tls_put16 (o, 0);                  /* server_name */
  tls_put16 (o, (guint) n + 5);
  tls_put16 (o, (guint) n + 3);      /* server_name_list */
  tls_put8 (o, 0);                   /* host_name */
  tls_put16 (o, (guint) n);
  g_byte_array_append (o, (const guint8 *) name, (guint) n);
}

void
tls_hs_client_hello (GByteArray *out, SimRng *rng, const TlsConfig *cfg,
                     guint8 random[TLS_RANDOM_LEN], guint8 session_id[32])
{
  gboolean o13 = cfg->max_version >= TLS_VERSION_1_3;
  gboolean o12 = cfg->min_version <= TLS_VERSION_1_2;
  guint h = hs_begin (out, TLS_HS_CLIENT_HELLO);
  tls_put16 (out, 0x0303);                          /* legacy_version */
  guint r = out->len;
  tls_put_random (out, rng, TLS_RANDOM_LEN);
  memcpy (random, out->data + r, TLS_RANDOM_LEN);
  tls_put8 (out, 32);                               /* session id (1.3 compat mode) */
  guint sid = out->len;
  tls_put_random (out, rng, 32);
  memcpy (session_id, out->data + sid, 32);
  guint cs = mark (out, 2);
  if (o13)
    {
      tls_put16 (out, 0x1301);
      tls_put16 (out, 0x1302);
      tls_put16 (out, 0x1303);
    }
  if (o12)
    {
      tls_put16 (out, 0xc02b);
      tls_put16 (out, 0xc02c);
      tls_put16 (out, 0xc02f);
      tls_put16 (out, 0xc030);
    }
  patch (out, cs, 2);
  tls_put8 (out, 1);                                /* compression: null */
  tls_put8 (out, 0);
  guint ext = mark (out, 2);
  if (cfg->server_name)
    ext_server_name (out, cfg->server_name);
  tls_put16 (out, 10);                              /* supported_groups */
  tls_put16 (out, 6);
  tls_put16 (out, 4);
  tls_put16 (out, 0x001d);                          /* x25519 */
  tls_put16 (out, 0x0017);                          /* secp256r1 */
  tls_put16 (out, 11);                              /* ec_point_formats */
  tls_put16 (out, 2);
  tls_put8 (out, 1);
  tls_put8 (out, 0);
  tls_put16 (out, 13);                              /* signature_algorithms */
  tls_put16 (out, 8);
  tls_put16 (out, 6);
  tls_put16 (out, 0x0403);                          /* ecdsa_secp256r1_sha256 */
  tls_put16 (out, 0x0804);                          /* rsa_pss_rsae_sha256 */
  tls_put16 (out, 0x0401);                          /* rsa_pkcs1_sha256 */
  if (o12)
    {
      tls_put16 (out, 23);                          /* extended_master_secret */
      tls_put16 (out, 0);
    }
  if (o13)
    {
      tls_put16 (out, 43);                          /* supported_versions */
      tls_put16 (out, o12 ? 5 : 3);
      tls_put8 (out, o12 ? 4 : 2);
      tls_put16 (out, 0x0304);
      if (o12)
        tls_put16 (out, 0x0303);
      tls_put16 (out, 45);                          /* psk_key_exchange_modes */
      tls_put16 (out, 2);
      tls_put8 (out, 1);
      tls_put8 (out, 1);                            /* psk_dhe_ke */
      tls_put16 (out, 51);                          /* key_share */
      tls_put16 (out, 38);
      tls_put16 (out, 36);
      tls_put16 (out, 0x001d);
      tls_put16 (out, 32);
      tls_put_random (out, rng, 32);
    }
  patch (out, ext, 2);
  patch (out, h, 3);
}

void
tls_hs_server_hello (GByteArray *out, SimRng *rng, TlsVersion v, const TlsHello *ch,
                     guint8 random[TLS_RANDOM_LEN])
{
  guint h = hs_begin (out, TLS_HS_SERVER_HELLO);
  tls_put16 (out, 0x0303);
  guint r = out->len;
  tls_put_random (out, rng, TLS_RANDOM_LEN);
  memcpy (random, out->data + r, TLS_RANDOM_LEN);
  if (v == TLS_VERSION_1_3)
    {
      /* §4.1.3: echo the client's legacy_session_id. */
      tls_put8 (out, ch->session_id_len);
      g_byte_array_append (out, ch->session_id, ch->session_id_len);
    }
  else
    {
      tls_put8 (out, 32);                           /* a new session id */
      tls_put_random (out, rng, 32);
    }
  tls_put16 (out, v == TLS_VERSION_1_3 ? TLS_SUITE_13 : TLS_SUITE_12);
  tls_put8 (out, 0);                                /* compression */
  guint ext = mark (out, 2);
  if (v == TLS_VERSION_1_3)
    {
      tls_put16 (out, 43);                          /* supported_versions */
      tls_put16 (out, 2);
      tls_put16 (out, 0x0304);
      tls_put16 (out, 51);                          /* key_share */
      tls_put16 (out, 36);
      tls_put16 (out, 0x001d);
      tls_put16 (out, 32);
      tls_put_random (out, rng, 32);
    }
  else
    {
      tls_put16 (out, 0xff01);                      /* renegotiation_info */
      tls_put16 (out, 1);
      tls_put8 (out, 0);
      tls_put16 (out, 11);                          /* ec_point_formats */
      tls_put16 (out, 2);
      tls_put8 (out, 1);
      tls_put8 (out, 0);
      tls_put16 (out, 23);                          /* extended_master_secret */
      tls_put16 (out, 0);
    }
  patch (out, ext, 2);
  patch (out, h, 3);
}

void
tls_hs_certificate (GByteArray *out, TlsVersion v, gboolean trusted)
{
  const guint8 *der = trusted ? tls_cert_good : tls_cert_bad;
  gsize n = trusted ? tls_cert_good_len : tls_cert_bad_len;
  guint h = hs_begin (out, TLS_HS_CERTIFICATE);
  if (v == TLS_VERSION_1_3)
    tls_put8 (out, 0);                              /* certificate_request_context */
  guint list = mark (out, 3);
  tls_put24 (out, (guint) n);
  g_byte_array_append (out, der, (guint) n);
  if (v == TLS_VERSION_1_3)
    tls_put16 (out, 0);                             /* no per-certificate extensions */
  patch (out, list, 3);
  patch (out, h, 3);
}

/* An ECDSA-Sig-Value (RFC 3279 §2.2.3) of two 32-byte INTEGERs whose top
 * bit is clear, so no leading zero is needed: 70 bytes. */
static void
put_ecdsa_sig (GByteArray *out, SimRng *rng)
{
  tls_put16 (out, 70);
  tls_put8 (out, 0x30);
  tls_put8 (out, 68);
  for (int i = 0; i < 2; i++)
    {
      tls_put8 (out, 0x02);
      tls_put8 (out, 32);
      tls_put8 (out, 0x01 + (guint) sim_rng_below (rng, 0x7f));   /* 0x01..0x7f */
      tls_put_random (out, rng, 31);
    }
}

void
tls_hs_server_key_exchange (GByteArray *out, SimRng *rng)
{
  guint h = hs_begin (out, TLS_HS_SERVER_KEY_EXCHANGE);
  tls_put8 (out, 3);                                /* named_curve */
  tls_put16 (out, 0x001d);                          /* x25519 */
  tls_put8 (out, 32);
  tls_put_random (out, rng, 32);
  tls_put16 (out, 0x0403);                          /* ecdsa_secp256r1_sha256 */
  put_ecdsa_sig (out, rng);
  patch (out, h, 3);
}

void
tls_hs_empty (GByteArray *out, guint8 type)
{
  tls_put8 (out, type);
  tls_put24 (out, 0);
}

void
tls_hs_client_key_exchange (GByteArray *out, SimRng *rng)
{
  guint h = hs_begin (out, TLS_HS_CLIENT_KEY_EXCHANGE);
  tls_put8 (out, 32);
  tls_put_random (out, rng, 32);
  patch (out, h, 3);
}

void
tls_hs_encrypted_extensions (GByteArray *out)
{
  guint h = hs_begin (out, TLS_HS_ENCRYPTED_EXTENSIONS);
  tls_put16 (out, 0);
  patch (out, h, 3);
}

void
tls_hs_certificate_verify (GByteArray *out, SimRng *rng)
{
  guint h = hs_begin (out, TLS_HS_CERTIFICATE_VERIFY);
  tls_put16 (out, 0x0403);
  put_ecdsa_sig (out, rng);
  patch (out, h, 3);
}

void
tls_hs_finished (GByteArray *out, SimRng *rng, TlsVersion v)
{
  guint h = hs_begin (out, TLS_HS_FINISHED);
  tls_put_random (out, rng, v == TLS_VERSION_1_3 ? 32 : 12);
  patch (out, h, 3);
}

/* ------------------------------------------------------------- readers */

typedef struct {
  const guint8 *p;
  gsize         n;
  gboolean      bad;
} Rd;

static guint
rd_n (Rd *r, guint width)
{
  if (r->bad || r->n < width)
    {
      r->bad = TRUE;
      return 0;
    }
  guint v = 0;
  for (guint i = 0; i < width; i++)
    v = (v << 8) | r->p[i];
  r->p += width;
  r->n -= width;
  return v;
}

static const guint8 *
rd_bytes (Rd *r, gsize n)
{
  if (r->bad || r->n < n)
    {
      r->bad = TRUE;
      return NULL;
    }
  const guint8 *p = r->p;
  r->p += n;
  r->n -= n;
  return p;
}

/* Walks the extensions block; for supported_versions (43) in a
 * ClientHello (@client) or ServerHello, notes what it lists. */
static gboolean
read_extensions (Rd *r, gboolean client, TlsHello *out)
{
  if (r->n == 0)
    return TRUE;                                    /* no extensions at all */
  guint total = rd_n (r, 2);
  const guint8 *e = rd_bytes (r, total);
  if (e == NULL)
    return FALSE;
  Rd x = { e, total, FALSE };
  while (x.n > 0 && !x.bad)
    {
      guint type = rd_n (&x, 2), len = rd_n (&x, 2);
      const guint8 *body = rd_bytes (&x, len);
      if (body == NULL)
        return FALSE;
      if (type != 43)
        continue;
      Rd v = { body, len, FALSE };
      if (client)
        {
          guint n = rd_n (&v, 1);
          for (guint i = 0; i + 2 <= n && !v.bad; i += 2)
            {
              guint ver = rd_n (&v, 2);
              out->offers_13 |= ver == 0x0304;
              out->offers_12 |= ver == 0x0303;
            }
        }
      else
        out->offers_13 = rd_n (&v, 2) == 0x0304;
      if (v.bad)
        return FALSE;
    }
  return !x.bad;
}

gboolean
tls_hs_read_client_hello (const guint8 *b, gsize n, TlsHello *out)
{
  memset (out, 0, sizeof *out);
  Rd r = { b, n, FALSE };
  guint legacy = rd_n (&r, 2);
  const guint8 *rnd = rd_bytes (&r, TLS_RANDOM_LEN);
  guint sid_len = rd_n (&r, 1);
  const guint8 *sid = rd_bytes (&r, sid_len);
  guint cs_len = rd_n (&r, 2);
  rd_bytes (&r, cs_len);
  guint comp = rd_n (&r, 1);
  rd_bytes (&r, comp);
  if (r.bad || sid_len > 32)
    return FALSE;
  memcpy (out->random, rnd, TLS_RANDOM_LEN);
  memcpy (out->session_id, sid, sid_len);
  out->session_id_len = sid_len;
  /* Without supported_versions the legacy version is the offer. */
  gboolean listed;
  if (!read_extensions (&r, TRUE, out))
    return FALSE;
  listed = out->offers_13 || out->offers_12;
  if (!listed)
    out->offers_12 = legacy >= 0x0303;
  return TRUE;
}

gboolean
tls_hs_read_server_hello (const guint8 *b, gsize n, TlsHello *out)
{
  memset (out, 0, sizeof *out);
  Rd r = { b, n, FALSE };
  rd_n (&r, 2);
  const guint8 *rnd = rd_bytes (&r, TLS_RANDOM_LEN);
  guint sid_len = rd_n (&r, 1);
  rd_bytes (&r, sid_len);
  out->suite = (guint16) rd_n (&r, 2);
  rd_n (&r, 1);
  if (r.bad)
    return FALSE;
  memcpy (out->random, rnd, TLS_RANDOM_LEN);
  return read_extensions (&r, FALSE, out);
}

gboolean
tls_hs_read_certificate (const guint8 *b, gsize n, TlsVersion v, const guint8 **cert,
                         gsize *cert_len)
{
  Rd r = { b, n, FALSE };
  if (v == TLS_VERSION_1_3)
    rd_bytes (&r, rd_n (&r, 1));
  guint list = rd_n (&r, 3);
  if (r.bad || list == 0)
    return FALSE;
  guint len = rd_n (&r, 3);
  *cert = rd_bytes (&r, len);
  *cert_len = len;
  return !r.bad;
}
