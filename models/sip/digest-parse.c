/*
 * models/sip/digest-parse.c - the Digest header grammar (digest.c note
 * 2): WWW-Authenticate / Proxy-Authenticate challenges and Authorization
 * / Proxy-Authorization credentials, parsed into their structs and
 * written back as header values.  Split from digest.c, which keeps the
 * computation, the client and the server.
 */
#include "models/sip/digest.h"
#include "models/sip/digest-private.h"

#include <string.h>

/* -------------------------------------------------------------- lexing */

static inline gboolean
is_ws (char c)
{
  return c == ' ' || c == '\t';
}

/* RFC 3261 §25.1 token characters. */
static inline gboolean
is_token_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("-.!%*_+`'~", c) != NULL);
}

static inline gboolean
is_ctl (guchar c)
{
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

static void
skip_ws (const char *s, gsize len, gsize *i)
{
  while (*i < len && is_ws (s[*i]))
    (*i)++;
}

static gsize
scan_token (const char *s, gsize len, gsize i)
{
  gsize j = i;
  while (j < len && is_token_char (s[j]))
    j++;
  return j;
}

typedef struct {
  const char *name;
  gsize       name_len;
  char       *value;      /* unquoted, NUL-terminated */
  gboolean    quoted;
} Param;

static void
param_clear (gpointer p)
{
  g_free (((Param *) p)->value);
}

static gboolean
syntax (GError **error, gsize at, const char *what)
{
  g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_SYNTAX,
               "%s at offset %" G_GSIZE_FORMAT, what, at);
  return FALSE;
}

/* A quoted-string starting at s[*i] == '"'; its unescaped content into
 * @out, *i moved past the closing quote. */
static gboolean
scan_quoted (const char *s, gsize len, gsize *i, GString *out, GError **error)
{
  gsize start = *i;
  gsize j = *i + 1;
  while (j < len)
    {
      guchar c = (guchar) s[j];
      if (c == '"')
        {
          *i = j + 1;
          return TRUE;
        }
      if (c == '\\')
        {
          if (j + 1 >= len)
            break;
          if (is_ctl ((guchar) s[j + 1]))
            return syntax (error, j + 1, "control character in a quoted string");
          g_string_append_c (out, s[j + 1]);
          j += 2;
          continue;
        }
      if (is_ctl (c))
        return syntax (error, j, "control character in a quoted string");
      g_string_append_c (out, (char) c);
      j++;
    }
  return syntax (error, start, "unterminated quoted string");
}

/* Parses the parameters of one challenge from s[*i] on into @params.  Stops
 * at the end, or before a token that follows a comma and is not followed by
 * "=" (the next challenge's scheme): then *next_scheme is TRUE and *i is
 * at that token. */
static gboolean
parse_params (const char *s, gsize len, gsize *i, GArray *params, gboolean *next_scheme,
              GError **error)
{
  gboolean after_comma = FALSE;
  *next_scheme = FALSE;
  for (;;)
    {
      skip_ws (s, len, i);
      if (*i >= len)
        {
          if (after_comma)
            return syntax (error, *i, "a comma with no parameter after it");
          return TRUE;
        }
      gsize name_at = *i;
      gsize name_end = scan_token (s, len, name_at);
      if (name_end == name_at)
        return syntax (error, name_at, "expected a parameter name");
      gsize j = name_end;
      skip_ws (s, len, &j);
      if (j >= len || s[j] != '=')
        {
          if (after_comma)
            {
              *next_scheme = TRUE;
              *i = name_at;
              return TRUE;
            }
          return syntax (error, j, "expected '=' after a parameter name");
        }
      j++;
      skip_ws (s, len, &j);
      Param p = { s + name_at, name_end - name_at, NULL, FALSE };
      if (j < len && s[j] == '"')
        {
          GString *v = g_string_new (NULL);
          if (!scan_quoted (s, len, &j, v, error))
            {
              g_string_free (v, TRUE);
              return FALSE;
            }
          p.value = g_string_free (v, FALSE);
          p.quoted = TRUE;
        }
      else
        {
          gsize vend = scan_token (s, len, j);
          if (vend == j)
            return syntax (error, j, "expected a token or a quoted string");
          p.value = g_strndup (s + j, vend - j);
          j = vend;
        }
      g_array_append_val (params, p);
      skip_ws (s, len, &j);
      *i = j;
      if (j >= len)
        return TRUE;
      if (s[j] != ',')
        return syntax (error, j, "expected ',' between parameters");
      (*i)++;
      after_comma = TRUE;
    }
}

/* Finds the first Digest challenge in the value and returns its
 * parameters; NOT_DIGEST naming the first scheme if there is none. */
static GArray *
parse_digest_params (const char *value, gsize len, gboolean single, GError **error)
{
  if (len > SIP_DIGEST_MAX_VALUE)
    {
      g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_TOO_LARGE,
                   "%" G_GSIZE_FORMAT " bytes: the limit is %d", len, SIP_DIGEST_MAX_VALUE);
      return NULL;
    }
  gsize i = 0;
  char *first_scheme = NULL;
  skip_ws (value, len, &i);
  while (i < len)
    {
      gsize scheme_at = i, scheme_end = scan_token (value, len, i);
      if (scheme_end == scheme_at)
        {
          g_free (first_scheme);
          syntax (error, i, "expected an authentication scheme");
          return NULL;
        }
      gboolean digest = caseeq_n (value + scheme_at, scheme_end - scheme_at, "Digest");
      if (first_scheme == NULL)
        first_scheme = g_strndup (value + scheme_at, scheme_end - scheme_at);
      i = scheme_end;
      if (i < len && !is_ws (value[i]))
        {
          g_free (first_scheme);
          syntax (error, i, "expected a space after the scheme");
          return NULL;
        }
      GArray *params = g_array_new (FALSE, FALSE, sizeof (Param));
      g_array_set_clear_func (params, param_clear);
      gboolean next_scheme = FALSE;
      GError *local = NULL;
      gboolean ok = parse_params (value, len, &i, params, &next_scheme, &local);
      if (digest)
        {
          g_free (first_scheme);
          if (!ok)
            {
              g_propagate_error (error, local);
              g_array_unref (params);
              return NULL;
            }
          if (single && next_scheme)
            {
              syntax (error, i, "more than one scheme in credentials");
              g_array_unref (params);
              return NULL;
            }
          return params;
        }
      g_array_unref (params);
      /* Another scheme: its parameters may not even be auth-params (e.g. a
       * token68), so a failure to parse them just ends the search. */
      g_clear_error (&local);
      if (!ok || !next_scheme || single)
        break;
    }
  if (first_scheme)
    g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_NOT_DIGEST,
                 "scheme \"%s\" is not Digest", first_scheme);
  else
    g_set_error_literal (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_NOT_DIGEST,
                         "no authentication scheme");
  g_free (first_scheme);
  return NULL;
}

/* The one parameter named @name, or NULL; DUPLICATE error if given twice. */
static const Param *
get_param (GArray *params, const char *name, gboolean *dup, GError **error)
{
  const Param *found = NULL;
  for (guint k = 0; k < params->len; k++)
    {
      const Param *p = &g_array_index (params, Param, k);
      if (!caseeq_n (p->name, p->name_len, name))
        continue;
      if (found && !*dup)
        {
          *dup = TRUE;
          g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_DUPLICATE,
                       "parameter \"%s\" given twice", name);
        }
      found = p;
    }
  return found;
}

static gboolean
missing (GError **error, const char *name)
{
  g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_MISSING,
               "parameter \"%s\" is missing", name);
  return FALSE;
}

static gboolean
bad_value (GError **error, const char *name, const char *why)
{
  g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_BAD_VALUE,
               "parameter \"%s\": %s", name, why);
  return FALSE;
}

static gboolean
take_algorithm (const Param *p, SipDigestAlgorithm *alg, gboolean *present, GError **error)
{
  *alg = SIP_DIGEST_MD5;            /* RFC 2617 §3.2.1: absent means MD5 */
  *present = p != NULL;
  if (p && !sip_digest_algorithm_parse (p->value, strlen (p->value), alg))
    {
      g_set_error (error, SIP_DIGEST_ERROR, SIP_DIGEST_ERROR_ALGORITHM,
                   "algorithm \"%s\" is not supported", p->value);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------ challenges */

void
sip_digest_challenge_free (SipDigestChallenge *ch)
{
  if (ch == NULL)
    return;
  g_free (ch->realm);
  g_free (ch->nonce);
  g_free (ch->opaque);
  g_free (ch->domain);
  g_free (ch);
}

SipDigestChallenge *
sip_digest_challenge_parse (const char *value, gsize len, GError **error)
{
  g_return_val_if_fail (value != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  GArray *params = parse_digest_params (value, len, FALSE, error);
  if (params == NULL)
    return NULL;
  gboolean dup = FALSE;
  GError *local = NULL;
  const Param *realm = get_param (params, "realm", &dup, &local);
  const Param *nonce = get_param (params, "nonce", &dup, &local);
  const Param *opaque = get_param (params, "opaque", &dup, &local);
  const Param *domain = get_param (params, "domain", &dup, &local);
  const Param *alg = get_param (params, "algorithm", &dup, &local);
  const Param *qop = get_param (params, "qop", &dup, &local);
  const Param *stale = get_param (params, "stale", &dup, &local);

  g_autoptr (SipDigestChallenge) ch = g_new0 (SipDigestChallenge, 1);
  gboolean ok = !dup;
  if (dup)
    g_propagate_error (error, g_steal_pointer (&local));
  else if (realm == NULL)
    ok = missing (error, "realm");
  else if (nonce == NULL)
    ok = missing (error, "nonce");
  else
    ok = take_algorithm (alg, &ch->algorithm, &ch->algorithm_present, error);
  if (ok && stale)
    {
      if (g_ascii_strcasecmp (stale->value, "true") == 0)
        ch->stale = TRUE;
      else if (g_ascii_strcasecmp (stale->value, "false") != 0)
        ok = bad_value (error, "stale", "neither true nor false");
    }
  if (ok && qop)
    {
      /* qop-options = "qop" EQUAL LDQUOT qop-value *("," qop-value) RDQUOT;
       * unknown values are ignored. */
      ch->qop_present = TRUE;
      g_auto (GStrv) opts = g_strsplit (qop->value, ",", -1);
      for (guint k = 0; opts[k]; k++)
        {
          char *o = g_strstrip (opts[k]);
          if (g_ascii_strcasecmp (o, "auth") == 0)
            ch->qop_auth = TRUE;
          else if (g_ascii_strcasecmp (o, "auth-int") == 0)
            ch->qop_auth_int = TRUE;
        }
    }
  if (ok)
    {
      ch->realm = g_strdup (realm->value);
      ch->nonce = g_strdup (nonce->value);
      ch->opaque = opaque ? g_strdup (opaque->value) : NULL;
      ch->domain = domain ? g_strdup (domain->value) : NULL;
    }
  g_array_unref (params);
  return ok ? g_steal_pointer (&ch) : NULL;
}

static void
append_quoted (GString *s, const char *name, const char *value)
{
  g_string_append_printf (s, "%s=\"", name);
  for (const char *p = value; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

char *
sip_digest_challenge_to_string (const SipDigestChallenge *ch)
{
  g_return_val_if_fail (ch != NULL && ch->realm != NULL && ch->nonce != NULL, NULL);
  GString *s = g_string_new ("Digest ");
  append_quoted (s, "realm", ch->realm);
  if (ch->domain)
    {
      g_string_append (s, ", ");
      append_quoted (s, "domain", ch->domain);
    }
  g_string_append (s, ", ");
  append_quoted (s, "nonce", ch->nonce);
  if (ch->opaque)
    {
      g_string_append (s, ", ");
      append_quoted (s, "opaque", ch->opaque);
    }
  if (ch->stale)
    g_string_append (s, ", stale=TRUE");
  if (ch->algorithm_present)
    g_string_append_printf (s, ", algorithm=%s", sip_digest_algorithm_to_string (ch->algorithm));
  if (ch->qop_present)
    g_string_append_printf (s, ", qop=\"%s%s%s\"", ch->qop_auth ? "auth" : "",
                            ch->qop_auth && ch->qop_auth_int ? "," : "",
                            ch->qop_auth_int ? "auth-int" : "");
  return g_string_free (s, FALSE);
}

/* ----------------------------------------------------------- credentials */

void
sip_digest_credentials_free (SipDigestCredentials *cr)
{
  if (cr == NULL)
    return;
  g_free (cr->username);
  g_free (cr->realm);
  g_free (cr->nonce);
  g_free (cr->uri);
  g_free (cr->response);
  g_free (cr->cnonce);
  g_free (cr->opaque);
  g_free (cr);
}

SipDigestCredentials *
sip_digest_credentials_parse (const char *value, gsize len, GError **error)
{
  g_return_val_if_fail (value != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  GArray *params = parse_digest_params (value, len, TRUE, error);
  if (params == NULL)
    return NULL;
  gboolean dup = FALSE;
  GError *local = NULL;
  const Param *username = get_param (params, "username", &dup, &local);
  const Param *realm = get_param (params, "realm", &dup, &local);
  const Param *nonce = get_param (params, "nonce", &dup, &local);
  const Param *uri = get_param (params, "uri", &dup, &local);
  const Param *response = get_param (params, "response", &dup, &local);
  const Param *alg = get_param (params, "algorithm", &dup, &local);
  const Param *cnonce = get_param (params, "cnonce", &dup, &local);
  const Param *opaque = get_param (params, "opaque", &dup, &local);
  const Param *qop = get_param (params, "qop", &dup, &local);
  const Param *nc = get_param (params, "nc", &dup, &local);

  g_autoptr (SipDigestCredentials) cr = g_new0 (SipDigestCredentials, 1);
  gboolean ok = TRUE;
  if (dup)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      ok = FALSE;
    }
  else if (!username)
    ok = missing (error, "username");
  else if (!realm)
    ok = missing (error, "realm");
  else if (!nonce)
    ok = missing (error, "nonce");
  else if (!uri)
    ok = missing (error, "uri");
  else if (!response)
    ok = missing (error, "response");
  else
    ok = take_algorithm (alg, &cr->algorithm, &cr->algorithm_present, error);

  if (ok && !is_hex_n (response->value, hex_len (cr->algorithm)))
    ok = bad_value (error, "response", hex_len (cr->algorithm) == 32 ? "not 32 hex digits"
                                                                     : "not 64 hex digits");
  if (ok && qop)
    {
      if (g_ascii_strcasecmp (qop->value, "auth") == 0)
        cr->qop = SIP_DIGEST_QOP_AUTH;
      else if (g_ascii_strcasecmp (qop->value, "auth-int") == 0)
        cr->qop = SIP_DIGEST_QOP_AUTH_INT;
      else
        ok = bad_value (error, "qop", "neither auth nor auth-int");
      /* RFC 2617 §3.2.2: cnonce and nc MUST be there with qop. */
      if (ok && !cnonce)
        ok = missing (error, "cnonce");
      else if (ok && !nc)
        ok = missing (error, "nc");
    }
  if (ok && nc)
    {
      if (!is_hex_n (nc->value, 8))
        ok = bad_value (error, "nc", "not 8 hex digits");
      else if (!qop)
        ok = bad_value (error, "nc", "given without qop");
      else
        cr->nc = (guint32) g_ascii_strtoull (nc->value, NULL, 16);
    }
  if (ok)
    {
      cr->username = g_strdup (username->value);
      cr->realm = g_strdup (realm->value);
      cr->nonce = g_strdup (nonce->value);
      cr->uri = g_strdup (uri->value);
      cr->response = g_ascii_strdown (response->value, -1);
      cr->cnonce = cnonce ? g_strdup (cnonce->value) : NULL;
      cr->opaque = opaque ? g_strdup (opaque->value) : NULL;
    }
  g_array_unref (params);
  return ok ? g_steal_pointer (&cr) : NULL;
}

char *
sip_digest_credentials_to_string (const SipDigestCredentials *cr)
{
  g_return_val_if_fail (cr != NULL && cr->username && cr->realm && cr->nonce && cr->uri
                        && cr->response, NULL);
  GString *s = g_string_new ("Digest ");
  append_quoted (s, "username", cr->username);
  g_string_append (s, ", ");
  append_quoted (s, "realm", cr->realm);
  g_string_append (s, ", ");
  append_quoted (s, "nonce", cr->nonce);
  g_string_append (s, ", ");
  append_quoted (s, "uri", cr->uri);
  g_string_append (s, ", ");
  append_quoted (s, "response", cr->response);
  if (cr->algorithm_present)
    g_string_append_printf (s, ", algorithm=%s", sip_digest_algorithm_to_string (cr->algorithm));
  if (cr->cnonce)
    {
      g_string_append (s, ", ");
      append_quoted (s, "cnonce", cr->cnonce);
    }
  if (cr->opaque)
    {
      g_string_append (s, ", ");
      append_quoted (s, "opaque", cr->opaque);
    }
  if (cr->qop != SIP_DIGEST_QOP_NONE)
    g_string_append_printf (s, ", qop=%s, nc=%08x",
                            cr->qop == SIP_DIGEST_QOP_AUTH ? "auth" : "auth-int", cr->nc);
  return g_string_free (s, FALSE);
}

