/*
 * models/sip/uri.c - SIP and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966),
 * absoluteURIs of other schemes (§25.1), generic ";name=value" parameter
 * lists, and the string helpers of msg.h.
 *
 * Notes
 *
 * 1. A URI is split, not decoded: every part is a slice of the input and
 *    %-escapes stay as they are.  Escapes are checked (a '%' must be
 *    followed by two hex digits) and decoded only when comparing
 *    (§19.1.4).
 *
 * 2. Where the userinfo ends.  The user part may contain ';', '?', ',' and
 *    '/' (user-unreserved), but no '@' (that must be escaped), and no
 *    other part may contain '@' at all, so the first '@' ends the
 *    userinfo.  The first ':' in the userinfo starts the password.
 *
 * 3. Hosts (§25.1 hostport): "[" IPv6 "]", a dotted quad, or a hostname
 *    whose top label starts with a letter.  Something made of digits and
 *    dots that is not a valid IPv4 address (1.2.3.256, 1.2.3) is neither
 *    and is rejected.  '_' is accepted in host names, as most stacks do.
 *
 * 4. tel: (RFC 3966) is kept minimal: the number is the "user" slice, the
 *    parameters the params slice; there is no host.
 *
 * 5. Other schemes.  §25.1 allows any absoluteURI where a SIP URI may
 *    stand: scheme ":" ( hier-part / opaque-part ).  hier-part begins with
 *    '/' and opaque-part with any other uric, and every character of
 *    either is a uric, so the rest is exactly 1*uric with well-formed
 *    %HH escapes; that is all that is checked, and the URI is not split
 *    further (msg.h SIP_URI_OTHER).  §25.1 uric has no '[' ']' (RFC 2396,
 *    before RFC 2732/3986 added IPv6 literals) and no '#': both are
 *    rejected.  sip:, sips: and tel: are tried first and never fall back
 *    to this: a malformed sip: URI stays an error.
 */
#include "models/sip/msg-private.h"

#define ALNUM_CLS (CC_TOKEN | CC_USER | CC_PASS | CC_HOST | CC_PARAM | CC_HDRS | CC_URIC)
#define MARK_CLS  (CC_USER | CC_PASS | CC_PARAM | CC_HDRS | CC_URIC)

/* RFC 3261 §25.1 character sets.  Ranges are a GCC/Clang extension; no
 * entry is given twice. */
const guint16 sip_cc[256] = {
  ['\t'] = CC_WS | CC_LWS,
  ['\n'] = CC_LWS,
  ['\r'] = CC_LWS,
  [' ']  = CC_WS | CC_LWS,
  ['!']  = CC_TOKEN | MARK_CLS,
  ['"']  = CC_LIST,
  ['$']  = CC_USER | CC_PASS | CC_PARAM | CC_HDRS | CC_URIC,
  ['%']  = CC_TOKEN | MARK_CLS,
  ['&']  = CC_USER | CC_PASS | CC_PARAM | CC_HDRS | CC_URIC,
  ['\''] = CC_TOKEN | MARK_CLS,
  ['(']  = MARK_CLS,
  [')']  = MARK_CLS,
  ['*']  = CC_TOKEN | MARK_CLS,
  ['+']  = CC_TOKEN | MARK_CLS,
  [',']  = CC_USER | CC_PASS | CC_URIC | CC_LIST,
  ['-']  = CC_TOKEN | MARK_CLS | CC_HOST,
  ['.']  = CC_TOKEN | MARK_CLS | CC_HOST,
  ['/']  = CC_USER | CC_PARAM | CC_HDRS | CC_URIC,
  ['0' ... '9'] = ALNUM_CLS | CC_DIGIT | CC_HEX,
  [':']  = CC_PARAM | CC_HDRS | CC_URIC,
  [';']  = CC_USER | CC_PARAM | CC_URIC,
  ['<']  = CC_LIST,
  ['=']  = CC_USER | CC_PASS | CC_PARAM | CC_HDRS | CC_URIC,
  ['?']  = CC_USER | CC_HDRS | CC_URIC,
  ['@']  = CC_URIC,
  ['A' ... 'F'] = ALNUM_CLS | CC_ALPHA | CC_HEX,
  ['G' ... 'Z'] = ALNUM_CLS | CC_ALPHA,
  ['[']  = CC_PARAM | CC_HDRS,
  [']']  = CC_PARAM | CC_HDRS,
  ['_']  = CC_TOKEN | MARK_CLS | CC_HOST,
  ['`']  = CC_TOKEN,
  ['a' ... 'f'] = ALNUM_CLS | CC_ALPHA | CC_HEX,
  ['g' ... 'z'] = ALNUM_CLS | CC_ALPHA,
  ['~']  = CC_TOKEN | MARK_CLS,
};

#define L8(b) (b), (b) + 1, (b) + 2, (b) + 3, (b) + 4, (b) + 5, (b) + 6, (b) + 7
#define L32(b) L8 (b), L8 ((b) + 8), L8 ((b) + 16), L8 ((b) + 24)
/* ASCII tolower, locale-free: 'A'..'Z' (65..90) map to 97..122. */
const guint8 sip_lower[256] = {
  L32 (0), L32 (32),
  64, L8 (97), L8 (105), L8 (113), 121, 122, 91, 92, 93, 94, 95,
  L32 (96), L32 (128), L32 (160), L32 (192), L32 (224),
};

/* ------------------------------------------------------------- strings */

gboolean
sip_str_eq (SipStr s, const char *cstr)
{
  g_return_val_if_fail (cstr != NULL, FALSE);
  gsize n = strlen (cstr);
  return s.p != NULL && s.len == n && memcmp (s.p, cstr, n) == 0;
}

gboolean
sip_str_caseeq (SipStr s, const char *cstr)
{
  g_return_val_if_fail (cstr != NULL, FALSE);
  gsize n = strlen (cstr);
  return s.p != NULL && s.len == n && sip_caseeq_n (s.p, cstr, n);
}

gboolean
sip_parse_uint (const char *p, gsize len, guint64 max, guint64 *out)
{
  guint64 v = 0;
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!SIP_CC (p[i], CC_DIGIT))
        return FALSE;
      v = v * 10 + (guint64) (p[i] - '0');
      if (v > max)
        return FALSE;
    }
  *out = v;
  return TRUE;
}

gboolean
sip_str_to_u32 (SipStr s, guint32 *out)
{
  guint64 v;
  if (s.p == NULL || !sip_parse_uint (s.p, s.len, G_MAXUINT32, &v))
    return FALSE;
  if (out)
    *out = (guint32) v;
  return TRUE;
}

char *
sip_str_dup (SipStr s)
{
  return s.p ? g_strndup (s.p, s.len) : NULL;
}

guint
sip_str_hash (gconstpointer key)
{
  const char *s = key;
  gsize n = strlen (s);
  guint64 h = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) ^ n;
  for (; n >= 8; s += 8, n -= 8)
    {
      guint64 w;
      memcpy (&w, s, 8);
      h = (h ^ w) * G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
      h ^= h >> 29;
    }
  guint64 w = 0;
  memcpy (&w, s, n);
  h = (h ^ w) * G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  h ^= h >> 32;
  return (guint) h;
}

char *
sip_copy_unfolded (char *d, SipStr v)
{
  const char *p = v.p, *e = v.p + v.len;
  while (p < e)
    {
      const char *cr = memchr (p, '\r', (gsize) (e - p));
      if (cr == NULL)
        {
          memcpy (d, p, (gsize) (e - p));
          return d + (e - p);
        }
      /* Whitespace before the fold, the CRLF and the whitespace after it
       * become one SP (§7.3.1). */
      const char *a = cr;
      while (a > p && SIP_CC (a[-1], CC_WS))
        a--;
      memcpy (d, p, (gsize) (a - p));
      d += a - p;
      *d++ = ' ';
      p = cr + 1;
      while (p < e && SIP_CC (*p, CC_LWS))
        p++;
    }
  return d;
}

void
sip_append_unfolded (GString *out, SipStr v)
{
  gsize old = out->len;
  g_string_set_size (out, old + v.len);
  char *end = sip_copy_unfolded (out->str + old, v);
  g_string_truncate (out, (gsize) (end - out->str));
}

/* ------------------------------------------------------------- hosts */

static gboolean
parse_ipv4 (const char *p, gsize len)
{
  guint parts = 0, digits = 0, v = 0;
  for (gsize i = 0; i < len; i++)
    {
      if (p[i] == '.')
        {
          if (digits == 0 || ++parts > 3)
            return FALSE;
          digits = v = 0;
        }
      else if (SIP_CC (p[i], CC_DIGIT))
        {
          v = v * 10 + (guint) (p[i] - '0');
          if (++digits > 3 || v > 255)
            return FALSE;
        }
      else
        return FALSE;
    }
  return parts == 3 && digits > 0;
}

/* RFC 4291 §2.2 text forms, including "::" once and a trailing dotted quad
 * (RFC 3261 §25.1 IPv6address). */
gboolean
sip_parse_ipv6 (const char *p, gsize len)
{
  guint groups = 0;
  gboolean gap = FALSE;
  gsize i = 0;

  if (len < 2)
    return FALSE;
  if (p[0] == ':')
    {
      if (p[1] != ':')
        return FALSE;
      gap = TRUE;
      i = 2;
      if (i == len)
        return TRUE;
    }
  while (i < len)
    {
      gsize start = i;
      while (i < len && SIP_CC (p[i], CC_HEX))
        i++;
      if (i < len && p[i] == '.')
        {
          /* IPv4 tail: counts as two groups, must end the address. */
          if (!parse_ipv4 (p + start, len - start))
            return FALSE;
          groups += 2;
          i = len;
          break;
        }
      if (i == start || i - start > 4)
        return FALSE;
      groups++;
      if (i == len)
        break;
      if (p[i] != ':')
        return FALSE;
      i++;
      if (i < len && p[i] == ':')
        {
          if (gap)
            return FALSE;
          gap = TRUE;
          i++;
          if (i == len)
            break;
        }
      else if (i == len)
        return FALSE;       /* trailing single ':' */
    }
  return gap ? groups < 8 : groups == 8;
}

const char *
sip_scan_host (const char *p, const char *e, SipHostType *type, gboolean *ok)
{
  /* One pass finds the run's end and checks its labels.  While every
   * byte is a digit or '.' it also reads the dotted quad (what
   * parse_ipv4() says of the same bytes: four parts of 1-3 digits up to
   * 255); at the first other host byte the name is a domain and the
   * second loop only follows the labels. */
  gboolean numeric = TRUE, quad = TRUE, empty_label = FALSE;
  const char *s = p, *top = p;
  gsize label = 0;
  guint parts = 0, v = 0;
  for (; s < e; s++)
    {
      char c = *s;
      if (c >= '0' && c <= '9')
        {
          if (label == 0)
            top = s;
          label++;
          v = v * 10 + (guint) (c - '0');
          if (label > 3 || v > 255)
            quad = FALSE;
        }
      else if (c == '.')
        {
          if (label == 0)
            empty_label = TRUE;
          if (++parts > 3)
            quad = FALSE;
          label = 0;
          v = 0;
        }
      else
        break;
    }
  if (s < e && SIP_CC (*s, CC_HOST))
    {
      numeric = FALSE;
      for (; s < e; s++)
        {
          char c = *s;
          if (!SIP_CC (c, CC_HOST))
            break;
          if (c == '.')
            {
              if (label == 0)
                empty_label = TRUE;
              label = 0;
              continue;
            }
          if (label == 0)
            top = s;
          label++;
        }
    }
  /* toplabel = ALPHA ... (a trailing '.' is allowed). */
  *ok = s != p && !empty_label
        && (numeric ? quad && parts == 3 && label > 0 : SIP_CC (*top, CC_ALPHA));
  if (*ok)
    *type = numeric ? SIP_HOST_IPV4 : SIP_HOST_DOMAIN;
  return s;
}

gboolean
sip_parse_host (const char *p, gsize len, SipHostType *type)
{
  if (len == 0)
    return FALSE;
  if (p[0] == '[')
    {
      if (len < 4 || p[len - 1] != ']' || !sip_parse_ipv6 (p + 1, len - 2))
        return FALSE;
      *type = SIP_HOST_IPV6;
      return TRUE;
    }
  gboolean ok;
  SipHostType t;
  if (sip_scan_host (p, p + len, &t, &ok) != p + len || !ok)
    return FALSE;
  *type = t;
  return TRUE;
}

/* ------------------------------------------------------------- URIs */

static gboolean
uri_error (GError **error, const char *p, gsize len, const char *why)
{
  g_set_error (error, SIP_PARSE_ERROR, SIP_PARSE_ERROR_URI,
               "URI \"%.*s\": %s", (int) MIN (len, 80), p, why);
  return FALSE;
}

/* Every byte of [p, e) in @cls, and every '%' starts a %HH escape. */
static gboolean
check_chars (const char *p, const char *e, guint16 cls)
{
  for (; p < e; p++)
    {
      if (!SIP_CC (*p, cls))
        return FALSE;
      if (*p == '%')
        {
          if (e - p < 3 || !SIP_CC (p[1], CC_HEX) || !SIP_CC (p[2], CC_HEX))
            return FALSE;
          p += 2;
        }
    }
  return TRUE;
}

static gboolean
is_tel_char (char c)
{
  /* RFC 3966 phonedigit-hex / visual-separator / "+" "*" "#" */
  return SIP_CC (c, CC_HEX) || c == '*' || c == '#' || c == '+' || c == '-'
         || c == '.' || c == '(' || c == ')';
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (§25.1) */
static inline gboolean
is_scheme_char (char c)
{
  return SIP_CC (c, CC_ALPHA | CC_DIGIT) || c == '+' || c == '-' || c == '.';
}

/* absoluteURI of a scheme other than sip, sips, tel (note 5).  @out is
 * zeroed. */
static gboolean
parse_other (const char *p, gsize len, SipUri *out, GError **error)
{
  const char *e = p + len, *s = p;

  if (len == 0)
    return uri_error (error, p, len, "empty");
  if (!SIP_CC (*p, CC_ALPHA))
    return uri_error (error, p, len, "no scheme (a scheme starts with a letter)");
  for (s++; s < e && is_scheme_char (*s); s++)
    ;
  if (s == e || *s != ':')
    return uri_error (error, p, len, "no scheme (no ':' after scheme characters)");
  const char *o = s + 1;
  if (o == e)
    return uri_error (error, p, len, "nothing after the scheme");
  if (!check_chars (o, e, CC_URIC))
    return uri_error (error, p, len, "bad character or escape after the scheme");
  out->scheme = SIP_URI_OTHER;
  out->scheme_name = sip_str (p, (gsize) (s - p));
  out->opaque = sip_str (o, (gsize) (e - o));
  return TRUE;
}

gboolean
sip_uri_parse (const char *p, gsize len, SipUri *out, GError **error)
{
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (p != NULL || len == 0, FALSE);

  const char *s, *e = p + len;
  memset (out, 0, sizeof *out);

  /* sip, sips and tel first: the common case stays a prefix compare. */
  if (len >= 4 && sip_caseeq_n (p, "sip:", 4))
    out->scheme = SIP_URI_SIP, s = p + 4;
  else if (len >= 5 && sip_caseeq_n (p, "sips:", 5))
    out->scheme = SIP_URI_SIPS, s = p + 5;
  else if (len >= 4 && sip_caseeq_n (p, "tel:", 4))
    out->scheme = SIP_URI_TEL, s = p + 4;
  else
    return parse_other (p, len, out, error);
  out->scheme_name = sip_str (p, (gsize) (s - p - 1));

  if (out->scheme == SIP_URI_TEL)
    {
      const char *semi = memchr (s, ';', (gsize) (e - s));
      const char *ne = semi ? semi : e;
      if (ne == s)
        return uri_error (error, p, len, "empty telephone number");
      for (const char *q = s; q < ne; q++)
        if (!is_tel_char (*q))
          return uri_error (error, p, len, "bad character in telephone number");
      out->user = sip_str (s, (gsize) (ne - s));
      out->host_type = SIP_HOST_DOMAIN;
      if (semi)
        {
          if (!check_chars (semi + 1, e, CC_PARAM))
            return uri_error (error, p, len, "bad character in parameters");
          out->params = sip_str (semi + 1, (gsize) (e - semi - 1));
        }
      return TRUE;
    }

  /* userinfo (note 2) */
  const char *at = memchr (s, '@', (gsize) (e - s));
  if (at)
    {
      const char *colon = memchr (s, ':', (gsize) (at - s));
      const char *ue = colon ? colon : at;
      if (ue == s)
        return uri_error (error, p, len, "empty user");
      if (!check_chars (s, ue, CC_USER))
        return uri_error (error, p, len, "bad character in user");
      out->user = sip_str (s, (gsize) (ue - s));
      if (colon)
        {
          if (!check_chars (colon + 1, at, CC_PASS))
            return uri_error (error, p, len, "bad character in password");
          out->password = sip_str (colon + 1, (gsize) (at - colon - 1));
        }
      s = at + 1;
    }

  /* host */
  const char *h = s;
  gboolean host_ok;
  if (h < e && *h == '[')
    {
      const char *rb = memchr (h, ']', (gsize) (e - h));
      if (rb == NULL)
        return uri_error (error, p, len, "unterminated IPv6 reference");
      s = rb + 1;
      host_ok = sip_parse_host (h, (gsize) (s - h), &out->host_type);
    }
  else
    s = sip_scan_host (h, e, &out->host_type, &host_ok);
  if (!host_ok)
    return uri_error (error, p, len, s == h ? "empty host" : "bad host");
  out->host = sip_str (h, (gsize) (s - h));

  /* port */
  if (s < e && *s == ':')
    {
      const char *ps = ++s;
      guint64 port;
      while (s < e && SIP_CC (*s, CC_DIGIT))
        s++;
      if (!sip_parse_uint (ps, (gsize) (s - ps), 65535, &port))
        return uri_error (error, p, len, "bad port");
      out->port = (guint16) port;
    }

  /* uri-parameters, then headers */
  if (s < e && *s == ';')
    {
      const char *ps = ++s;
      const char *q = memchr (s, '?', (gsize) (e - s));
      s = q ? q : e;
      if (!check_chars (ps, s, CC_PARAM))
        return uri_error (error, p, len, "bad character in parameters");
      out->params = sip_str (ps, (gsize) (s - ps));
    }
  if (s < e && *s == '?')
    {
      if (!check_chars (s + 1, e, CC_HDRS))
        return uri_error (error, p, len, "bad character in headers");
      out->headers = sip_str (s + 1, (gsize) (e - s - 1));
      s = e;
    }
  if (s != e)
    return uri_error (error, p, len, "bad character after host");
  return TRUE;
}

void
sip_uri_rebase (SipUri *uri, const char *from, const char *to)
{
  g_return_if_fail (uri != NULL && from != NULL && to != NULL);
  SipStr *slices[] = { &uri->scheme_name, &uri->user, &uri->password, &uri->host,
                       &uri->params, &uri->headers, &uri->opaque };
  for (guint i = 0; i < G_N_ELEMENTS (slices); i++)
    if (slices[i]->p != NULL)
      slices[i]->p = to + (slices[i]->p - from);
}

/* ------------------------------------------------------------- parameters */

/* The one pass behind sip_params_parse() (strict: msg-private.h says what
 * it accepts) and sip_params_scan() (lenient, for sip_params_get() on any
 * slice, URI parameters included: empty parameters and junk are skipped,
 * an unquoted value ends at ';' or LWS). */
static gboolean
params_pass (SipStr params, gboolean strict, const char *const *names, const gsize *lens,
             guint n, SipStr *values, guint32 *found)
{
  guint32 got = 0, all = n >= 32 ? G_MAXUINT32 : (1u << n) - 1;

  *found = 0;
  if (params.p == NULL)
    return TRUE;              /* and no arithmetic on NULL (UBSan) */
  const char *p = params.p, *e = params.p + params.len;
  /* SEMI must be followed by a parameter: "<sip:a@b>;" is malformed. */
  if (strict && sip_skip_lws (p, e) == e)
    return FALSE;
  while (p < e && (strict || got != all))
    {
      if (strict)
        p = sip_skip_lws (p, e);
      else
        while (p < e && (*p == ';' || SIP_CC (*p, CC_LWS)))
          p++;
      const char *ns = p;
      if (strict)
        {
          while (p < e && SIP_CC (*p, CC_TOKEN))
            p++;
          if (p == ns)
            return FALSE;
        }
      else
        while (p < e && *p != '=' && *p != ';' && !SIP_CC (*p, CC_LWS))
          p++;
      const char *ne = p;
      SipStr v = { ne, 0 };
      p = sip_skip_lws (p, e);
      if (p < e && *p == '=')
        {
          p = sip_skip_lws (p + 1, e);
          const char *vs = p;
          if (p < e && *p == '"')
            {
              p = sip_skip_quoted (p, e);
              if (p == NULL)
                {
                  if (strict)
                    return FALSE;
                  p = e;
                }
            }
          else if (!strict)
            while (p < e && *p != ';' && !SIP_CC (*p, CC_LWS))
              p++;
          else if (p < e && *p == '[')
            {
              /* IPv6reference (§25.1 host); sip_parse_host() judges it
               * where the value matters (Via received). */
              for (p++; p < e && (SIP_CC (*p, CC_HEX) || *p == ':' || *p == '.'); p++)
                ;
              if (p >= e || *p != ']')
                return FALSE;
              p++;
            }
          else
            {
              /* token or host; ':' for a bare IPv6address, which
               * via-received allows (§25.1). */
              while (p < e && (SIP_CC (*p, CC_TOKEN) || *p == ':'))
                p++;
              if (p == vs)
                return FALSE;
            }
          v = sip_str (vs, (gsize) (p - vs));
        }
      gsize nl = (gsize) (ne - ns);
      for (guint i = 0; i < n; i++)
        if (!(got & (1u << i)) && lens[i] == nl && nl > 0
            && sip_caseeq_n (ns, names[i], nl))
          {
            values[i] = v;
            got |= 1u << i;
            break;
          }
      if (strict)
        {
          p = sip_skip_lws (p, e);
          if (p < e)
            {
              if (*p != ';')
                return FALSE;
              p++;
              if (sip_skip_lws (p, e) == e)
                return FALSE;     /* trailing ';' */
            }
        }
      else
        while (p < e && *p != ';')
          p++;
    }
  *found = got;
  return TRUE;
}

/* sip_params_get() for @n names at once, each given as names[i] and
 * lens[i] (no NUL needed): bit i of the result is set, and @values[i]
 * filled, if present; the first occurrence wins. */
static guint32
sip_params_scan (SipStr params, const char *const *names, const gsize *lens, guint n,
                 SipStr *values)
{
  guint32 found;
  params_pass (params, FALSE, names, lens, n, values, &found);
  return found;
}

gboolean
sip_params_parse (SipStr params, const char *const *names, const gsize *lens, guint n,
                  SipStr *values, guint32 *found)
{
  return params_pass (params, TRUE, names, lens, n, values, found);
}

gboolean
sip_params_get (SipStr params, const char *name, SipStr *value)
{
  g_return_val_if_fail (name != NULL, FALSE);
  gsize nlen = strlen (name);
  SipStr v;
  if (!sip_params_scan (params, &name, &nlen, 1, &v))
    return FALSE;
  if (value)
    *value = v;
  return TRUE;
}

gboolean
sip_uri_param (const SipUri *uri, const char *name, SipStr *value)
{
  g_return_val_if_fail (uri != NULL, FALSE);
  return sip_params_get (uri->params, name, value);
}

static int
hexval (char c)
{
  return c <= '9' ? c - '0' : (sip_lower[(guint8) c] - 'a' + 10);
}

/* Compares two slices after decoding %HH escapes (§19.1.4: "escaped
 * characters are equivalent to their unescaped form").  Escapes are known
 * valid: sip_uri_parse() checked them. */
static gboolean
escaped_eq (SipStr a, SipStr b, gboolean icase)
{
  gsize i = 0, j = 0;
  if ((a.p == NULL) != (b.p == NULL))
    return FALSE;
  while (i < a.len && j < b.len)
    {
      int ca = (guint8) a.p[i], cb = (guint8) b.p[j];
      if (ca == '%' && i + 2 < a.len)
        ca = hexval (a.p[i + 1]) * 16 + hexval (a.p[i + 2]), i += 2;
      if (cb == '%' && j + 2 < b.len)
        cb = hexval (b.p[j + 1]) * 16 + hexval (b.p[j + 2]), j += 2;
      if (icase)
        ca = sip_lower[ca], cb = sip_lower[cb];
      if (ca != cb)
        return FALSE;
      i++, j++;
    }
  return i == a.len && j == b.len;
}

static gboolean
param_value_eq (SipStr a, SipStr b)
{
  return a.len == b.len && sip_caseeq_n (a.p, b.p, a.len);
}

/* Every "&"-separated header of @a is in @b (escape-decoded). */
static gboolean
headers_subset (SipStr a, SipStr b)
{
  const char *p = a.p, *e = a.p + a.len;
  while (p <= e)
    {
      const char *amp = memchr (p, '&', (gsize) (e - p));
      SipStr item = sip_str (p, (gsize) ((amp ? amp : e) - p));
      gboolean found = FALSE;
      const char *q = b.p, *f = b.p + b.len;
      while (!found && q <= f)
        {
          const char *bamp = memchr (q, '&', (gsize) (f - q));
          SipStr other = sip_str (q, (gsize) ((bamp ? bamp : f) - q));
          found = escaped_eq (item, other, FALSE);
          q = (bamp ? bamp : f) + 1;
        }
      if (!found)
        return FALSE;
      p = (amp ? amp : e) + 1;
    }
  return TRUE;
}

gboolean
sip_uri_equal (const SipUri *a, const SipUri *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  static const char *const must_match[] = { "transport", "user", "ttl", "method", "maddr" };

  if (a->scheme != b->scheme || a->port != b->port)
    return FALSE;
  if (a->scheme == SIP_URI_OTHER)
    /* msg.h: scheme names ignore case (RFC 3986 §3.1), the rest is a
     * simple string comparison (RFC 3986 §6.2.1). */
    return a->scheme_name.len == b->scheme_name.len
           && sip_caseeq_n (a->scheme_name.p, b->scheme_name.p, a->scheme_name.len)
           && a->opaque.len == b->opaque.len
           && (a->opaque.len == 0 || memcmp (a->opaque.p, b->opaque.p, a->opaque.len) == 0);
  if (!escaped_eq (a->user, b->user, a->scheme == SIP_URI_TEL)
      || !escaped_eq (a->password, b->password, FALSE)
      || !escaped_eq (a->host, b->host, TRUE))
    return FALSE;
  /* These parameters must be in both or neither (§19.1.4). */
  for (guint i = 0; i < G_N_ELEMENTS (must_match); i++)
    {
      SipStr va, vb;
      gboolean ha = sip_params_get (a->params, must_match[i], &va);
      gboolean hb = sip_params_get (b->params, must_match[i], &vb);
      if (ha != hb || (ha && !param_value_eq (va, vb)))
        return FALSE;
    }
  /* Any other parameter present in both must agree; one present in only
   * one URI is ignored.  (URI parameters hold no quotes or LWS, so ';'
   * and '=' split them.) */
  const char *p = a->params.p, *e = p ? p + a->params.len : NULL;
  while (p != NULL && p < e)
    {
      const char *semi = memchr (p, ';', (gsize) (e - p));
      const char *ie = semi ? semi : e;
      const char *eq = memchr (p, '=', (gsize) (ie - p));
      gsize nlen = (gsize) ((eq ? eq : ie) - p);
      SipStr va, vb;
      if (sip_params_scan (a->params, &p, &nlen, 1, &va)
          && sip_params_scan (b->params, &p, &nlen, 1, &vb)
          && !param_value_eq (va, vb))
        return FALSE;
      p = semi ? semi + 1 : e;
    }
  /* Header components are never ignored, but their order is (§19.1.4
   * example: "?subject=..&priority=.." equals "?priority=..&subject=.."). */
  if ((a->headers.p == NULL) != (b->headers.p == NULL))
    return FALSE;
  return a->headers.p == NULL
         || (headers_subset (a->headers, b->headers) && headers_subset (b->headers, a->headers));
}

void
sip_uri_append (const SipUri *uri, GString *out)
{
  g_return_if_fail (uri != NULL && out != NULL);
  static const char *const schemes[] = { "sip:", "sips:", "tel:" };

  if (uri->scheme == SIP_URI_OTHER)
    {
      /* The scheme lower-cased (RFC 3986 §6.2.2.1), the rest as parsed. */
      for (gsize i = 0; i < uri->scheme_name.len; i++)
        g_string_append_c (out, (char) sip_lower[(guint8) uri->scheme_name.p[i]]);
      g_string_append_c (out, ':');
      g_string_append_len (out, uri->opaque.p, (gssize) uri->opaque.len);
      return;
    }
  g_return_if_fail ((guint) uri->scheme < G_N_ELEMENTS (schemes));
  g_string_append (out, schemes[uri->scheme]);
  if (uri->user.p)
    g_string_append_len (out, uri->user.p, (gssize) uri->user.len);
  if (uri->password.p)
    {
      g_string_append_c (out, ':');
      g_string_append_len (out, uri->password.p, (gssize) uri->password.len);
    }
  if (uri->scheme != SIP_URI_TEL)
    {
      if (uri->user.p)
        g_string_append_c (out, '@');
      g_string_append_len (out, uri->host.p, (gssize) uri->host.len);
      if (uri->port)
        g_string_append_printf (out, ":%u", uri->port);
    }
  if (uri->params.p)
    {
      g_string_append_c (out, ';');
      g_string_append_len (out, uri->params.p, (gssize) uri->params.len);
    }
  if (uri->headers.p)
    {
      g_string_append_c (out, '?');
      g_string_append_len (out, uri->headers.p, (gssize) uri->headers.len);
    }
}
