/*
 * models/sip/digest.c - Digest authentication (RFC 2617, RFC 7616, as SIP
 * uses it: RFC 3261 §22.4).
 *
 * Notes
 *
 * 1. The computation (RFC 2617 §3.2.2.1-3, RFC 7616 §3.4.1-3), with H the
 *    algorithm's hash as lower-case hex:
 *
 *      HA1 = H(username ":" realm ":" password)
 *      -sess:  HA1 = H(HA1 ":" nonce ":" cnonce)
 *      HA2 = H(method ":" digest-uri)                        (qop auth or none)
 *      qop=auth: response = H(HA1 ":" nonce ":" nc ":" cnonce ":" "auth" ":" HA2)
 *      no qop:   response = H(HA1 ":" nonce ":" HA2)         (RFC 2069)
 *
 *    nc is 8 lower-case hex digits.  GLib's GChecksum does MD5 and SHA-256.
 *
 * 2. Grammar accepted (RFC 3261 §25.1 and RFC 7235 §2.1, leniently;
 *    parsed and written back in digest-parse.c):
 *
 *      value      = *WS challenge *( "," *WS challenge )
 *      challenge  = scheme [ 1*WS param *( *WS "," *WS param ) ]
 *      param      = token *WS "=" *WS ( token / quoted-string )
 *
 *    WS is SP or HTAB: the SIP codec has already unfolded lines, so CR and
 *    LF are errors.  After a comma, a token NOT followed by "=" starts the
 *    next challenge (HTTP allows several in one value).  Quoted strings may
 *    not contain control characters, so every parsed value can be written
 *    back (the fuzz target checks that round trip).
 *
 * 3. Server state: one entry per nonce issued (time of issue, highest nc
 *    accepted), in a hash table and a FIFO; when max_nonces are held the
 *    oldest is forgotten, and a later answer to it is STALE (its password
 *    is still checked first: RFC 7616 §3.3 says stale=true only for a
 *    request "with a valid digest for that nonce").  Nonces are random
 *    (128 bits from the caller's SimRng), not RFC 2617's suggested
 *    time-stamp-plus-hash form: the table makes them verifiable anyway.
 *
 * 4. Not done: auth-int, userhash, charset/username* (RFC 7616 §3.4.4-5),
 *    Authentication-Info / nextnonce, and SIP URI comparison rules for the
 *    uri check (it compares strings exactly).
 */
#include "models/sip/digest.h"
#include "models/sip/digest-private.h"

#include <string.h>

G_DEFINE_QUARK (sip-digest-error-quark, sip_digest_error)

/* ------------------------------------------------------------ algorithm */

const char *
sip_digest_algorithm_to_string (SipDigestAlgorithm alg)
{
  switch (alg)
    {
    case SIP_DIGEST_MD5:         return "MD5";
    case SIP_DIGEST_MD5_SESS:    return "MD5-sess";
    case SIP_DIGEST_SHA256:      return "SHA-256";
    case SIP_DIGEST_SHA256_SESS: return "SHA-256-sess";
    }
  return "?";
}


gboolean
sip_digest_algorithm_parse (const char *s, gsize len, SipDigestAlgorithm *out)
{
  g_return_val_if_fail (s != NULL || len == 0, FALSE);
  static const SipDigestAlgorithm all[] = {
    SIP_DIGEST_MD5, SIP_DIGEST_MD5_SESS, SIP_DIGEST_SHA256, SIP_DIGEST_SHA256_SESS,
  };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (caseeq_n (s, len, sip_digest_algorithm_to_string (all[i])))
      {
        if (out)
          *out = all[i];
        return TRUE;
      }
  return FALSE;
}

static gboolean
is_sess (SipDigestAlgorithm alg)
{
  return alg == SIP_DIGEST_MD5_SESS || alg == SIP_DIGEST_SHA256_SESS;
}




/* 128 bits from @rng as 32 lower-case hex digits: a cnonce or a server
 * nonce (note 3). */
static char *
random_hex128 (SimRng *rng)
{
  guint64 hi = sim_rng_u64 (rng), lo = sim_rng_u64 (rng);
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x", hi, lo);
}

/* ------------------------------------------------------------- hashing */

/* H(parts[0] ":" parts[1] ":" ...) as lower-case hex. */
static char *
hash_join (SipDigestAlgorithm alg, const char *const *parts, guint n)
{
  GChecksum *c = g_checksum_new (checksum_type (alg));
  for (guint k = 0; k < n; k++)
    {
      if (k > 0)
        g_checksum_update (c, (const guchar *) ":", 1);
      g_checksum_update (c, (const guchar *) parts[k], (gssize) strlen (parts[k]));
    }
  char *hex = g_strdup (g_checksum_get_string (c));
  g_checksum_free (c);
  return hex;
}

char *
sip_digest_compute_ha1 (SipDigestAlgorithm alg, const char *username, const char *realm,
                        const char *password)
{
  g_return_val_if_fail (username != NULL && realm != NULL && password != NULL, NULL);
  const char *parts[] = { username, realm, password };
  return hash_join (alg, parts, 3);
}

char *
sip_digest_compute_response (const SipDigestInput *in)
{
  g_return_val_if_fail (in != NULL && in->ha1 && in->nonce && in->method && in->uri, NULL);
  g_return_val_if_fail (in->qop == SIP_DIGEST_QOP_NONE || in->qop == SIP_DIGEST_QOP_AUTH, NULL);
  g_return_val_if_fail (in->cnonce != NULL
                        || (in->qop == SIP_DIGEST_QOP_NONE && !is_sess (in->algorithm)), NULL);

  g_autofree char *sess = NULL;
  const char *ha1 = in->ha1;
  if (is_sess (in->algorithm))
    {
      const char *p[] = { in->ha1, in->nonce, in->cnonce };
      ha1 = sess = hash_join (in->algorithm, p, 3);
    }
  const char *p2[] = { in->method, in->uri };
  g_autofree char *ha2 = hash_join (in->algorithm, p2, 2);
  if (in->qop == SIP_DIGEST_QOP_AUTH)
    {
      char nc[9];
      g_snprintf (nc, sizeof nc, "%08x", in->nc);
      const char *p[] = { ha1, in->nonce, nc, in->cnonce, "auth", ha2 };
      return hash_join (in->algorithm, p, 6);
    }
  const char *p[] = { ha1, in->nonce, ha2 };
  return hash_join (in->algorithm, p, 3);
}

char *
sip_digest_build_authorization (const SipDigestChallenge *ch, const char *username,
                                const char *password, const char *method, const char *uri,
                                const char *cnonce, guint32 nc, GError **error)
{
  g_return_val_if_fail (ch != NULL && username && password && method && uri, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (ch->qop_present && !ch->qop_auth)
    {
      g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_QOP,
                   "the challenge offers %s, and only qop=auth is implemented",
                   ch->qop_auth_int ? "only auth-int" : "no known qop");
      return NULL;
    }
  SipDigestQop qop = ch->qop_present ? SIP_DIGEST_QOP_AUTH : SIP_DIGEST_QOP_NONE;
  gboolean need_cnonce = qop == SIP_DIGEST_QOP_AUTH || is_sess (ch->algorithm);
  g_return_val_if_fail (cnonce != NULL || !need_cnonce, NULL);

  g_autofree char *ha1 = sip_digest_compute_ha1 (ch->algorithm, username, ch->realm, password);
  SipDigestInput in = {
    .algorithm = ch->algorithm, .ha1 = ha1, .nonce = ch->nonce,
    .cnonce = need_cnonce ? cnonce : NULL, .nc = nc, .qop = qop,
    .method = method, .uri = uri,
  };
  g_autofree char *response = sip_digest_compute_response (&in);
  SipDigestCredentials cr = {
    .username = (char *) username, .realm = ch->realm, .nonce = ch->nonce,
    .uri = (char *) uri, .response = response,
    .cnonce = need_cnonce ? (char *) cnonce : NULL, .opaque = ch->opaque,
    .algorithm = ch->algorithm, .algorithm_present = ch->algorithm_present,
    .qop = qop, .nc = qop == SIP_DIGEST_QOP_AUTH ? nc : 0,
  };
  return sip_digest_credentials_to_string (&cr);
}

/* --------------------------------------------------------------- client */

/* Nonces a client remembers: a registration uses one at a time, a proxy
 * and a registrar two; a few more cover overlapping transactions. */
#define CLIENT_SLOTS 4

typedef struct {
  char    *nonce;
  char    *cnonce;
  guint32  nc;
  guint64  used;          /* LRU stamp */
} NonceSlot;

struct SipDigestClient {
  char      *username;
  char      *password;
  SimRng    *rng;
  NonceSlot  slots[CLIENT_SLOTS];
  guint64    clock;
};

SipDigestClient *
sip_digest_client_new (const char *username, const char *password, SimRng *rng)
{
  g_return_val_if_fail (username != NULL && password != NULL && rng != NULL, NULL);
  SipDigestClient *c = g_new0 (SipDigestClient, 1);
  c->username = g_strdup (username);
  c->password = g_strdup (password);
  c->rng = rng;
  return c;
}

void
sip_digest_client_free (SipDigestClient *c)
{
  if (c == NULL)
    return;
  for (guint k = 0; k < CLIENT_SLOTS; k++)
    {
      g_free (c->slots[k].nonce);
      g_free (c->slots[k].cnonce);
    }
  g_free (c->username);
  g_free (c->password);
  g_free (c);
}

static NonceSlot *
find_slot (const SipDigestClient *c, const char *nonce)
{
  for (guint k = 0; k < CLIENT_SLOTS; k++)
    if (c->slots[k].nonce && strcmp (c->slots[k].nonce, nonce) == 0)
      return (NonceSlot *) &c->slots[k];
  return NULL;
}

guint32
sip_digest_client_get_nc (const SipDigestClient *c, const char *nonce)
{
  g_return_val_if_fail (c != NULL && nonce != NULL, 0);
  NonceSlot *s = find_slot (c, nonce);
  return s ? s->nc : 0;
}

char *
sip_digest_client_authorize (SipDigestClient *c, const SipDigestChallenge *ch,
                             const char *method, const char *uri, GError **error)
{
  g_return_val_if_fail (c != NULL && ch != NULL && method != NULL && uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (ch->qop_present && !ch->qop_auth)
    return sip_digest_build_authorization (ch, c->username, c->password, method, uri,
                                           NULL, 0, error);
  NonceSlot *s = find_slot (c, ch->nonce);
  if (s == NULL)
    {
      /* A new nonce: take the least recently used slot. */
      s = &c->slots[0];
      for (guint k = 1; k < CLIENT_SLOTS; k++)
        if (c->slots[k].used < s->used)
          s = &c->slots[k];
      g_free (s->nonce);
      g_free (s->cnonce);
      s->nonce = g_strdup (ch->nonce);
      s->cnonce = random_hex128 (c->rng);
      s->nc = 0;
    }
  s->used = ++c->clock;
  /* RFC 2617 §3.2.2: nc counts the requests sent with this nonce. */
  guint32 nc = ch->qop_present ? s->nc + 1 : 0;
  char *value = sip_digest_build_authorization (ch, c->username, c->password, method, uri,
                                                s->cnonce, nc, error);
  if (value && ch->qop_present)
    s->nc = nc;
  return value;
}

/* --------------------------------------------------------------- server */

typedef struct {
  char    *nonce;
  SimTime  issued;
  guint32  last_nc;
} NonceEntry;

struct SipDigestServer {
  SipDigestServerConfig cfg;
  char       *realm;
  char       *opaque;
  SimRng     *rng;
  GHashTable *nonces;     /* nonce -> NonceEntry (owned) */
  GQueue      order;      /* of NonceEntry, oldest first */
};

const char *
sip_digest_verdict_to_string (SipDigestVerdict v)
{
  switch (v)
    {
    case SIP_DIGEST_OK:             return "ok";
    case SIP_DIGEST_MALFORMED:      return "malformed";
    case SIP_DIGEST_WRONG_REALM:    return "wrong-realm";
    case SIP_DIGEST_URI_MISMATCH:   return "uri-mismatch";
    case SIP_DIGEST_WRONG_PASSWORD: return "wrong-password";
    case SIP_DIGEST_STALE_NONCE:    return "stale-nonce";
    case SIP_DIGEST_REPLAY:         return "replay";
    }
  return "?";
}

static void
nonce_entry_free (gpointer p)
{
  NonceEntry *e = p;
  g_free (e->nonce);
  g_free (e);
}

SipDigestServer *
sip_digest_server_new (const SipDigestServerConfig *cfg, SimRng *rng)
{
  g_return_val_if_fail (cfg != NULL && cfg->realm != NULL && rng != NULL, NULL);
  SipDigestServer *s = g_new0 (SipDigestServer, 1);
  s->cfg = *cfg;
  s->realm = g_strdup (cfg->realm);
  s->opaque = g_strdup (cfg->opaque);
  s->cfg.realm = s->realm;
  s->cfg.opaque = s->opaque;
  if (s->cfg.max_nonces == 0)
    s->cfg.max_nonces = 1024;
  s->rng = rng;
  s->nonces = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, nonce_entry_free);
  g_queue_init (&s->order);
  return s;
}

void
sip_digest_server_free (SipDigestServer *s)
{
  if (s == NULL)
    return;
  g_queue_clear (&s->order);
  g_hash_table_unref (s->nonces);
  g_free (s->realm);
  g_free (s->opaque);
  g_free (s);
}

guint
sip_digest_server_get_n_nonces (const SipDigestServer *s)
{
  g_return_val_if_fail (s != NULL, 0);
  return g_hash_table_size (s->nonces);
}

char *
sip_digest_server_challenge (SipDigestServer *s, SimTime now, gboolean stale)
{
  g_return_val_if_fail (s != NULL, NULL);
  while (g_hash_table_size (s->nonces) >= s->cfg.max_nonces)
    {
      NonceEntry *old = g_queue_pop_head (&s->order);
      g_hash_table_remove (s->nonces, old->nonce);
    }
  NonceEntry *e = g_new0 (NonceEntry, 1);
  do
    {
      g_free (e->nonce);
      e->nonce = random_hex128 (s->rng);
    }
  while (g_hash_table_contains (s->nonces, e->nonce));
  e->issued = now;
  g_hash_table_insert (s->nonces, e->nonce, e);
  g_queue_push_tail (&s->order, e);

  SipDigestChallenge ch = {
    .realm = s->realm, .nonce = e->nonce, .opaque = s->opaque,
    .algorithm = s->cfg.algorithm, .algorithm_present = TRUE,
    .qop_present = s->cfg.qop_auth, .qop_auth = s->cfg.qop_auth, .stale = stale,
  };
  return sip_digest_challenge_to_string (&ch);
}

SipDigestVerdict
sip_digest_server_verify_ha1 (SipDigestServer *s, const SipDigestCredentials *cr,
                              const char *method, const char *request_uri, const char *ha1,
                              SimTime now)
{
  g_return_val_if_fail (s != NULL && cr != NULL && method != NULL && ha1 != NULL,
                        SIP_DIGEST_MALFORMED);
  /* What the challenge fixed: algorithm, qop, opaque (RFC 2617 §3.2.2). */
  if (cr->algorithm != s->cfg.algorithm)
    return SIP_DIGEST_MALFORMED;
  if (cr->qop != (s->cfg.qop_auth ? SIP_DIGEST_QOP_AUTH : SIP_DIGEST_QOP_NONE))
    return SIP_DIGEST_MALFORMED;
  if ((cr->qop == SIP_DIGEST_QOP_AUTH || is_sess (cr->algorithm)) && cr->cnonce == NULL)
    return SIP_DIGEST_MALFORMED;
  if (s->opaque && g_strcmp0 (cr->opaque, s->opaque) != 0)
    return SIP_DIGEST_MALFORMED;
  if (strcmp (cr->realm, s->realm) != 0)
    return SIP_DIGEST_WRONG_REALM;
  /* RFC 2617 §3.2.2.5: the uri must name the resource requested. */
  if (request_uri && strcmp (cr->uri, request_uri) != 0)
    return SIP_DIGEST_URI_MISMATCH;

  SipDigestInput in = {
    .algorithm = cr->algorithm, .ha1 = ha1, .nonce = cr->nonce, .cnonce = cr->cnonce,
    .nc = cr->nc, .qop = cr->qop, .method = method, .uri = cr->uri,
  };
  g_autofree char *want = sip_digest_compute_response (&in);
  if (g_strcmp0 (want, cr->response) != 0)
    return SIP_DIGEST_WRONG_PASSWORD;

  /* Note 3: stale only once the digest itself is right. */
  NonceEntry *e = g_hash_table_lookup (s->nonces, cr->nonce);
  if (e == NULL || (s->cfg.nonce_lifetime > 0 && now - e->issued >= s->cfg.nonce_lifetime))
    return SIP_DIGEST_STALE_NONCE;
  if (cr->qop == SIP_DIGEST_QOP_AUTH)
    {
      /* RFC 2617 §3.2.2: the nonce count lets the server detect replays. */
      if (cr->nc <= e->last_nc)
        return SIP_DIGEST_REPLAY;
      e->last_nc = cr->nc;
    }
  return SIP_DIGEST_OK;
}

SipDigestVerdict
sip_digest_server_verify (SipDigestServer *s, const SipDigestCredentials *cr,
                          const char *method, const char *request_uri, const char *password,
                          SimTime now)
{
  g_return_val_if_fail (s != NULL && cr != NULL && password != NULL, SIP_DIGEST_MALFORMED);
  g_autofree char *ha1 = sip_digest_compute_ha1 (s->cfg.algorithm, cr->username, s->realm,
                                                 password);
  return sip_digest_server_verify_ha1 (s, cr, method, request_uri, ha1, now);
}
