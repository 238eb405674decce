/*
 * models/tls/tls.c - the TLS session model: record layer, protection (tls.h
 * note 2) and the client and server state machines (drawn in tls.h).
 *
 * Notes
 *
 * 1. Protection switches per direction.  TLS 1.2: a direction is
 *    protected from the record after its ChangeCipherSpec.  TLS 1.3: both
 *    directions are protected from the record after the ServerHello;
 *    ChangeCipherSpec records (the compatibility ones, RFC 8446 D.4) stay
 *    plaintext and are ignored.  Each direction numbers its protected
 *    records from 0 (the record sequence number); the keystream and tag of
 *    record n are SHA-256(label, client random, server random, n, block).
 *
 * 2. Flights.  Each handshake message goes in its own record, except the
 *    TLS 1.2 server flight (ServerHello .. ServerHelloDone) which shares
 *    one record, as OpenSSL writes it.  A record's plaintext never exceeds
 *    16384 bytes.
 *
 * 3. Invariants (check_invariants, asserted at each state change):
 *    ESTABLISHED implies both directions protected and no failure; FAILED
 *    implies a failure reason; the version is known after WAIT_SH
 *    (client) or START (server); a client is never in a server state.
 */
#include <string.h>

#include "models/tls/tls-private.h"

typedef enum {
  ST_START,
  ST_WAIT_SH,        /* client */
  ST_WAIT_CERT,      /* client; 1.3: EncryptedExtensions first */
  ST_WAIT_SKE,       /* client 1.2 */
  ST_WAIT_SHD,       /* client 1.2 */
  ST_WAIT_CV,        /* client 1.3 */
  ST_WAIT_FIN,       /* client: the server's Finished */
  ST_WAIT_CFIN,      /* server: the client's Finished */
  ST_ESTABLISHED,
  ST_FAILED,
} TlsState;

struct TlsSession {
  TlsRole     role;
  TlsConfig   cfg;
  char       *server_name;
  SimRng     *rng;
  TlsState    state;
  TlsVersion  version;
  guint8      client_random[TLS_RANDOM_LEN], server_random[TLS_RANDOM_LEN];
  guint8      session_id[32];
  gboolean    tx_protected, rx_protected;
  guint64     tx_seq, rx_seq;
  gboolean    can_write;
  gboolean    got_ee;        /* 1.3 client: EncryptedExtensions seen */
  TlsFailure  failure;
  guint       peer_alert;    /* the peer's fatal alert, 0 if none */
  GByteArray *inbuf;         /* bytes of an incomplete record */
  GByteArray *hsbuf;         /* bytes of an incomplete handshake message */
};

const char *
tls_failure_to_string (TlsFailure f)
{
  switch (f)
    {
    case TLS_FAIL_NONE:            return "none";
    case TLS_FAIL_BAD_CERTIFICATE: return "bad-certificate";
    case TLS_FAIL_ALERT:           return "alert";
    case TLS_FAIL_VERSION:         return "version";
    case TLS_FAIL_PROTOCOL:        return "protocol";
    }
  return "?";
}

const char *
tls_version_to_string (TlsVersion v)
{
  return v == TLS_VERSION_1_3 ? "1.3" : "1.2";
}

void
tls_config_init (TlsConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->max_version = TLS_VERSION_1_3;
  cfg->min_version = TLS_VERSION_1_2;
  cfg->verify = TRUE;
  cfg->cert_trusted = TRUE;
}

static gboolean G_GNUC_UNUSED
check_invariants (const TlsSession *s)
{
  if (s->state == ST_ESTABLISHED && (!s->tx_protected || !s->rx_protected || s->failure))
    return FALSE;
  if ((s->state == ST_FAILED) != (s->failure != TLS_FAIL_NONE))
    return FALSE;
  if (s->role == TLS_ROLE_CLIENT && s->state == ST_WAIT_CFIN)
    return FALSE;
  if (s->role == TLS_ROLE_SERVER && s->state > ST_START && s->state < ST_WAIT_CFIN)
    return FALSE;
  return TRUE;
}

static void
set_state (TlsSession *s, TlsState st)
{
  s->state = st;
  g_assert (check_invariants (s));
}

/* ------------------------------------------------------------ records */

static void
keystream_block (const TlsSession *s, gboolean from_client, guint64 seq, guint32 block,
                 const char *what, guint8 out[32])
{
  GChecksum *c = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (c, (const guchar *) what, -1);
  g_checksum_update (c, (const guchar *) (from_client ? "client" : "server"), -1);
  g_checksum_update (c, s->client_random, TLS_RANDOM_LEN);
  g_checksum_update (c, s->server_random, TLS_RANDOM_LEN);
  guint8 n[12];
  for (int i = 0; i < 8; i++)
    n[i] = (guint8) (seq >> (56 - 8 * i));
  for (int i = 0; i < 4; i++)
    n[8 + i] = (guint8) (block >> (24 - 8 * i));
  g_checksum_update (c, n, sizeof n);
  gsize len = 32;
  g_checksum_get_digest (c, out, &len);
  g_checksum_free (c);
}

/* XORs @data in place with record @seq's keystream of one direction. */
static void
xor_keystream (const TlsSession *s, gboolean from_client, guint64 seq, guint8 *data, gsize n)
{
  guint8 ks[32];
  for (gsize i = 0; i < n; i++)
    {
      if (i % 32 == 0)
        keystream_block (s, from_client, seq, (guint32) (i / 32), "ks", ks);
      data[i] ^= ks[i % 32];
    }
}

static void
tag_of (const TlsSession *s, gboolean from_client, guint64 seq, const guint8 *ct, gsize n,
        guint8 tag[TLS_TAG_LEN])
{
  GChecksum *c = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 k[32];
  keystream_block (s, from_client, seq, 0xffffffffu, "tag", k);
  g_checksum_update (c, k, sizeof k);
  g_checksum_update (c, ct, n);
  guint8 d[32];
  gsize len = 32;
  g_checksum_get_digest (c, d, &len);
  g_checksum_free (c);
  memcpy (tag, d, TLS_TAG_LEN);
}

static void
record_plain (GByteArray *wire, guint8 type, guint16 version, const guint8 *p, gsize n)
{
  tls_put8 (wire, type);
  tls_put16 (wire, version);
  tls_put16 (wire, (guint) n);
  g_byte_array_append (wire, p, (guint) n);
}

/* One protected record of @type carrying @p (note 1). */
static void
record_protected (TlsSession *s, GByteArray *wire, guint8 type, const guint8 *p, gsize n)
{
  gboolean from_client = s->role == TLS_ROLE_CLIENT;
  guint64 seq = s->tx_seq++;
  g_autoptr (GByteArray) ct = g_byte_array_sized_new ((guint) n + 1);
  g_byte_array_append (ct, p, (guint) n);
  if (s->version == TLS_VERSION_1_3)
    tls_put8 (ct, type);                     /* TLSInnerPlaintext.type */
  xor_keystream (s, from_client, seq, ct->data, ct->len);
  guint8 tag[TLS_TAG_LEN];
  tag_of (s, from_client, seq, ct->data, ct->len, tag);
  if (s->version == TLS_VERSION_1_3)
    {
      tls_put8 (wire, TLS_CT_APPLICATION_DATA);
      tls_put16 (wire, 0x0303);
      tls_put16 (wire, ct->len + TLS_TAG_LEN);
    }
  else
    {
      tls_put8 (wire, type);
      tls_put16 (wire, 0x0303);
      tls_put16 (wire, TLS_NONCE_LEN + ct->len + TLS_TAG_LEN);
      for (int i = 0; i < 8; i++)          /* explicit nonce = sequence number */
        tls_put8 (wire, (guint) (seq >> (56 - 8 * i)) & 0xff);
    }
  g_byte_array_append (wire, ct->data, ct->len);
  g_byte_array_append (wire, tag, TLS_TAG_LEN);
}

static void
send_record (TlsSession *s, GByteArray *wire, guint8 type, const guint8 *p, gsize n)
{
  if (s->tx_protected && type != TLS_CT_CHANGE_CIPHER_SPEC)
    record_protected (s, wire, type, p, n);
  else
    record_plain (wire, type, 0x0303, p, n);
}

static void
send_ccs (TlsSession *s, GByteArray *wire)
{
  static const guint8 one = 1;
  record_plain (wire, TLS_CT_CHANGE_CIPHER_SPEC, 0x0303, &one, 1);
}

static TlsStatus
fail (TlsSession *s, TlsFailure why, guint alert, GByteArray *wire)
{
  if (alert && wire)
    {
      guint8 a[2] = { 2, (guint8) alert };           /* fatal */
      send_record (s, wire, TLS_CT_ALERT, a, 2);
    }
  s->failure = why;
  s->can_write = FALSE;
  set_state (s, ST_FAILED);
  return TLS_FAILED;
}

/* ------------------------------------------------------------ session */

TlsSession *
tls_session_new (TlsRole role, const TlsConfig *cfg, SimRng *rng)
{
  g_return_val_if_fail (rng != NULL, NULL);
  TlsSession *s = g_new0 (TlsSession, 1);
  s->role = role;
  if (cfg)
    s->cfg = *cfg;
  else
    tls_config_init (&s->cfg);
  g_return_val_if_fail (s->cfg.min_version <= s->cfg.max_version, NULL);
  s->server_name = g_strdup (s->cfg.server_name);
  s->cfg.server_name = s->server_name;
  s->rng = rng;
  s->inbuf = g_byte_array_new ();
  s->hsbuf = g_byte_array_new ();
  s->state = ST_START;
  return s;
}

void
tls_session_free (TlsSession *s)
{
  if (s == NULL)
    return;
  g_byte_array_unref (s->inbuf);
  g_byte_array_unref (s->hsbuf);
  g_free (s->server_name);
  g_free (s);
}

void
tls_session_start (TlsSession *s, GByteArray *wire)
{
  g_return_if_fail (s->state == ST_START);
  if (s->role != TLS_ROLE_CLIENT)
    return;
  g_autoptr (GByteArray) m = g_byte_array_new ();
  tls_hs_client_hello (m, s->rng, &s->cfg, s->client_random, s->session_id);
  /* RFC 8446 §5.1: 0x0301 on the first ClientHello record, for old
   * middleboxes. */
  record_plain (wire, TLS_CT_HANDSHAKE, 0x0301, m->data, m->len);
  set_state (s, ST_WAIT_SH);
}

/* -------------------------------------------------------------- server */

static TlsStatus
server_on_client_hello (TlsSession *s, const guint8 *b, gsize n, GByteArray *wire)
{
  TlsHello ch;
  if (!tls_hs_read_client_hello (b, n, &ch))
    return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_DECODE_ERROR, wire);
  if (ch.offers_13 && s->cfg.max_version >= TLS_VERSION_1_3)
    s->version = TLS_VERSION_1_3;
  else if (ch.offers_12 && s->cfg.min_version <= TLS_VERSION_1_2)
    s->version = TLS_VERSION_1_2;
  else
    return fail (s, TLS_FAIL_VERSION, TLS_ALERT_PROTOCOL_VERSION, wire);
  memcpy (s->client_random, ch.random, TLS_RANDOM_LEN);
  g_autoptr (GByteArray) m = g_byte_array_new ();
  tls_hs_server_hello (m, s->rng, s->version, &ch, s->server_random);
  if (s->version == TLS_VERSION_1_2)
    {
      tls_hs_certificate (m, s->version, s->cfg.cert_trusted);
      tls_hs_server_key_exchange (m, s->rng);
      tls_hs_empty (m, TLS_HS_SERVER_HELLO_DONE);
      send_record (s, wire, TLS_CT_HANDSHAKE, m->data, m->len);   /* note 2 */
      set_state (s, ST_WAIT_CFIN);
      return TLS_OK;
    }
  send_record (s, wire, TLS_CT_HANDSHAKE, m->data, m->len);
  send_ccs (s, wire);                                  /* RFC 8446 D.4 */
  s->tx_protected = s->rx_protected = TRUE;
  GByteArray *parts[4];
  for (int i = 0; i < 4; i++)
    parts[i] = g_byte_array_new ();
  tls_hs_encrypted_extensions (parts[0]);
  tls_hs_certificate (parts[1], s->version, s->cfg.cert_trusted);
  tls_hs_certificate_verify (parts[2], s->rng);
  tls_hs_finished (parts[3], s->rng, s->version);
  for (int i = 0; i < 4; i++)
    {
      send_record (s, wire, TLS_CT_HANDSHAKE, parts[i]->data, parts[i]->len);
      g_byte_array_unref (parts[i]);
    }
  s->can_write = TRUE;                                 /* note 3 of tls.h */
  set_state (s, ST_WAIT_CFIN);
  return TLS_OK;
}

static TlsStatus
server_on_message (TlsSession *s, guint8 type, const guint8 *b, gsize n, GByteArray *wire)
{
  switch (s->state)
    {
    case ST_START:
      if (type != TLS_HS_CLIENT_HELLO)
        break;
      return server_on_client_hello (s, b, n, wire);
    case ST_WAIT_CFIN:
      if (type == TLS_HS_CLIENT_KEY_EXCHANGE && s->version == TLS_VERSION_1_2
          && !s->rx_protected)
        return TLS_OK;
      if (type != TLS_HS_FINISHED || !s->rx_protected)
        break;
      if (s->version == TLS_VERSION_1_2)
        {
          send_ccs (s, wire);
          s->tx_protected = TRUE;
          g_autoptr (GByteArray) f = g_byte_array_new ();
          tls_hs_finished (f, s->rng, s->version);
          send_record (s, wire, TLS_CT_HANDSHAKE, f->data, f->len);
        }
      s->can_write = TRUE;
      set_state (s, ST_ESTABLISHED);
      return TLS_ESTABLISHED;
    default:
      break;
    }
  return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_UNEXPECTED_MESSAGE, wire);
}

/* -------------------------------------------------------------- client */

static TlsStatus
client_finish (TlsSession *s, GByteArray *wire)
{
  g_autoptr (GByteArray) f = g_byte_array_new ();
  tls_hs_finished (f, s->rng, s->version);
  send_ccs (s, wire);
  s->tx_protected = TRUE;
  send_record (s, wire, TLS_CT_HANDSHAKE, f->data, f->len);
  return TLS_OK;
}

static TlsStatus
client_on_message (TlsSession *s, guint8 type, const guint8 *b, gsize n, GByteArray *wire)
{
  gboolean v13 = s->version == TLS_VERSION_1_3;
  switch (s->state)
    {
    case ST_WAIT_SH:
      {
        if (type != TLS_HS_SERVER_HELLO)
          break;
        TlsHello sh;
        if (!tls_hs_read_server_hello (b, n, &sh))
          return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_DECODE_ERROR, wire);
        s->version = sh.offers_13 ? TLS_VERSION_1_3 : TLS_VERSION_1_2;
        if (s->version > s->cfg.max_version || s->version < s->cfg.min_version)
          return fail (s, TLS_FAIL_VERSION, TLS_ALERT_PROTOCOL_VERSION, wire);
        memcpy (s->server_random, sh.random, TLS_RANDOM_LEN);
        if (s->version == TLS_VERSION_1_3)
          s->rx_protected = s->tx_protected = TRUE;     /* note 1 */
        set_state (s, ST_WAIT_CERT);
        return TLS_OK;
      }
    case ST_WAIT_CERT:
      {
        if (v13 && type == TLS_HS_ENCRYPTED_EXTENSIONS && !s->got_ee)
          {
            s->got_ee = TRUE;
            return TLS_OK;
          }
        if (type != TLS_HS_CERTIFICATE || (v13 && !s->got_ee))
          break;
        const guint8 *der;
        gsize der_len;
        if (!tls_hs_read_certificate (b, n, s->version, &der, &der_len))
          return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_DECODE_ERROR, wire);
        gboolean trusted = der_len == tls_cert_good_len
                           && memcmp (der, tls_cert_good, der_len) == 0;
        if (s->cfg.verify && !trusted)
          return fail (s, TLS_FAIL_BAD_CERTIFICATE, TLS_ALERT_BAD_CERTIFICATE, wire);
        set_state (s, v13 ? ST_WAIT_CV : ST_WAIT_SKE);
        return TLS_OK;
      }
    case ST_WAIT_SKE:
      if (type != TLS_HS_SERVER_KEY_EXCHANGE)
        break;
      set_state (s, ST_WAIT_SHD);
      return TLS_OK;
    case ST_WAIT_SHD:
      {
        if (type != TLS_HS_SERVER_HELLO_DONE)
          break;
        g_autoptr (GByteArray) m = g_byte_array_new ();
        tls_hs_client_key_exchange (m, s->rng);
        send_record (s, wire, TLS_CT_HANDSHAKE, m->data, m->len);
        client_finish (s, wire);
        set_state (s, ST_WAIT_FIN);
        return TLS_OK;
      }
    case ST_WAIT_CV:
      if (type != TLS_HS_CERTIFICATE_VERIFY)
        break;
      set_state (s, ST_WAIT_FIN);
      return TLS_OK;
    case ST_WAIT_FIN:
      if (type != TLS_HS_FINISHED || !s->rx_protected)
        break;
      if (v13)
        client_finish (s, wire);
      s->can_write = TRUE;
      set_state (s, ST_ESTABLISHED);
      return TLS_ESTABLISHED;
    default:
      break;
    }
  return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_UNEXPECTED_MESSAGE, wire);
}

/* --------------------------------------------------------------- input */

/* Handshake bytes of one record: whole messages go to the role's machine. */
static TlsStatus
handshake_bytes (TlsSession *s, const guint8 *p, gsize n, GByteArray *wire)
{
  TlsStatus st = TLS_OK;
  g_byte_array_append (s->hsbuf, p, (guint) n);
  while (s->hsbuf->len >= 4 && s->state != ST_FAILED)
    {
      const guint8 *h = s->hsbuf->data;
      gsize len = ((gsize) h[1] << 16) | ((gsize) h[2] << 8) | h[3];
      if (s->hsbuf->len < 4 + len)
        break;
      TlsStatus r = s->role == TLS_ROLE_CLIENT ? client_on_message (s, h[0], h + 4, len, wire)
                                               : server_on_message (s, h[0], h + 4, len, wire);
      if (s->hsbuf->len >= 4 + len)
        g_byte_array_remove_range (s->hsbuf, 0, (guint) (4 + len));
      if (r != TLS_OK)
        st = r;
    }
  return st;
}

static TlsStatus
record_input (TlsSession *s, guint8 type, guint8 *frag, gsize n, GByteArray *wire,
              GByteArray *app)
{
  if (type == TLS_CT_CHANGE_CIPHER_SPEC)
    {
      if (n != 1 || frag[0] != 1)
        return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_DECODE_ERROR, wire);
      if (s->state != ST_START && s->version == TLS_VERSION_1_2)
        s->rx_protected = TRUE;                 /* note 1 */
      return TLS_OK;
    }
  if (s->rx_protected)
    {
      gboolean from_client = s->role != TLS_ROLE_CLIENT;
      gsize pre = s->version == TLS_VERSION_1_2 ? TLS_NONCE_LEN : 0;
      if (n < pre + TLS_TAG_LEN + (s->version == TLS_VERSION_1_3 ? 1 : 0))
        return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_DECODE_ERROR, wire);
      guint64 seq = s->rx_seq++;
      guint8 *ct = frag + pre;
      gsize ct_len = n - pre - TLS_TAG_LEN;
      guint8 tag[TLS_TAG_LEN];
      tag_of (s, from_client, seq, ct, ct_len, tag);
      if (memcmp (tag, ct + ct_len, TLS_TAG_LEN) != 0)
        return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_BAD_RECORD_MAC, wire);
      xor_keystream (s, from_client, seq, ct, ct_len);
      if (s->version == TLS_VERSION_1_3)
        {
          /* Strip zero padding, then the inner type (RFC 8446 §5.2). */
          while (ct_len > 0 && ct[ct_len - 1] == 0)
            ct_len--;
          if (ct_len == 0)
            return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_UNEXPECTED_MESSAGE, wire);
          type = ct[--ct_len];
        }
      frag = ct;
      n = ct_len;
    }
  switch (type)
    {
    case TLS_CT_HANDSHAKE:
      return handshake_bytes (s, frag, n, wire);
    case TLS_CT_ALERT:
      if (n >= 2 && frag[0] == 2)
        {
          s->peer_alert = frag[1];
          return fail (s, TLS_FAIL_ALERT, 0, NULL);
        }
      return TLS_OK;                           /* warnings are ignored */
    case TLS_CT_APPLICATION_DATA:
      if (!s->rx_protected || (s->state != ST_ESTABLISHED && !(s->role == TLS_ROLE_CLIENT
                                                                && s->state == ST_WAIT_FIN)))
        return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_UNEXPECTED_MESSAGE, wire);
      g_byte_array_append (app, frag, (guint) n);
      return TLS_OK;
    default:
      return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_UNEXPECTED_MESSAGE, wire);
    }
}

TlsStatus
tls_session_input (TlsSession *s, const guint8 *data, gsize len, GByteArray *wire,
                   GByteArray *app)
{
  g_return_val_if_fail (s != NULL, TLS_FAILED);
  if (s->state == ST_FAILED)
    return TLS_FAILED;
  TlsStatus result = TLS_OK;
  g_byte_array_append (s->inbuf, data, (guint) len);
  while (s->inbuf->len >= 5 && s->state != ST_FAILED)
    {
      const guint8 *h = s->inbuf->data;
      gsize n = ((gsize) h[3] << 8) | h[4];
      if (h[1] != 3 || n > TLS_MAX_FRAGMENT + 256)
        return fail (s, TLS_FAIL_PROTOCOL, TLS_ALERT_DECODE_ERROR, wire);
      if (s->inbuf->len < 5 + n)
        break;
      g_autoptr (GByteArray) rec = g_byte_array_sized_new ((guint) n);
      g_byte_array_append (rec, h + 5, (guint) n);
      guint8 type = h[0];
      g_byte_array_remove_range (s->inbuf, 0, (guint) (5 + n));
      TlsStatus r = record_input (s, type, rec->data, rec->len, wire, app);
      if (r == TLS_FAILED)
        return r;
      if (r == TLS_ESTABLISHED)
        result = r;
    }
  return s->state == ST_FAILED ? TLS_FAILED : result;
}

gboolean
tls_session_write (TlsSession *s, const guint8 *data, gsize len, GByteArray *wire)
{
  g_return_val_if_fail (s != NULL, FALSE);
  if (!s->can_write)
    return FALSE;
  for (gsize off = 0; off < len; off += TLS_MAX_FRAGMENT)
    send_record (s, wire, TLS_CT_APPLICATION_DATA, data + off, MIN (len - off, TLS_MAX_FRAGMENT));
  return TRUE;
}

gboolean
tls_session_can_write (const TlsSession *s)
{
  return s->can_write;
}

gboolean
tls_session_is_established (const TlsSession *s)
{
  return s->state == ST_ESTABLISHED;
}

TlsFailure
tls_session_get_failure (const TlsSession *s)
{
  return s->failure;
}

guint
tls_session_get_peer_alert (const TlsSession *s)
{
  return s->peer_alert;
}

TlsVersion
tls_session_get_version (const TlsSession *s)
{
  return s->version;
}
