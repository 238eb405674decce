/*
 * models/sip/msg-parse.c - sip_msg_parse(): RFC 3261 §7 message framing
 * and the §20/§25 grammar of the headers msg.h parses eagerly.
 *
 * Notes
 *
 * 1. One pass, no allocation beyond the SipMsg (msg-private.h note 1).  The
 *    input is copied first and parsed in the copy, so every slice points
 *    into memory the message owns.  Lines are found with memchr(); a line
 *    must end in CRLF, and a bare CR or LF inside the header section is an
 *    error (§7: "CRLF" is the only line end).  A physical line that starts
 *    with SP/HT continues the previous one (obsolete folding, §7.3.1); the
 *    fold stays in the value slice and every value parser treats CR and LF
 *    as whitespace.
 *
 * 2. Lists (msg.h note 3) are split at commas that are outside a quoted
 *    string and outside <...>.  An empty element between commas of an
 *    option-tag or other non-eager list is dropped; for Via, Contact and
 *    the route headers it fails the element's own parse.
 *
 * 3. Which errors are errors.  Following RFC 4475: duplicate single-valued
 *    headers (From, To, Call-ID, CSeq, Max-Forwards, Content-Length,
 *    Expires ...) are rejected; a CSeq number above 2^31-1 (§8.1.1.5), a
 *    Max-Forwards above 255 and an Expires above 2^32-1 are rejected; a
 *    CSeq method that differs from the request method is rejected.  A
 *    Request-URI or From/To/Contact URI of a scheme other than sip, sips
 *    or tel is NOT an error: §25.1 allows any absoluteURI there and RFC
 *    4475 §3.3.2-§3.3.4 class such messages as valid.  The URI is kept
 *    as SIP_URI_OTHER (msg.h); answering 416 Unsupported URI Scheme
 *    (§8.2.2.1) is for the transaction user to decide.
 *
 * 4. Bodies (§18.3, §20.14).  With Content-Length the body is that many
 *    bytes; fewer bytes left is SIP_PARSE_ERROR_CONTENT_LENGTH; extra
 *    bytes after it are discarded, as §18.3 requires for datagrams (they
 *    are not part of the message: sip_msg_raw() ends with the body).
 *    Without Content-Length the body is the rest of the input (datagram
 *    rule); sip_frame() (framing.h) enforces the stream rule that
 *    Content-Length is mandatory.  CRLFs before the start line are skipped
 *    (§7.5).
 *
 * 5. The line, start-line and end-of-headers steps are also what the
 *    builder fills its messages with (msg-private.h note 3), with @defer
 *    set; that is why duplicate single-valued headers are refused in
 *    add_value() from the seen bits, before and apart from parsing the
 *    value (parse_eager()), so a deferred parse refuses the same
 *    messages.
 */
#include "models/sip/msg-private.h"

#define FAIL(code, ...) \
  G_STMT_START { g_set_error (error, SIP_PARSE_ERROR, (code), __VA_ARGS__); return FALSE; } G_STMT_END

#define LWS(c) SIP_CC ((c), CC_LWS)

/* ------------------------------------------------------------- Via */

/* sent-protocol elements: token, then LWS "/" LWS (§25.1 SLASH). */
static const char *
scan_token (const char *p, const char *e)
{
  while (p < e && SIP_CC (*p, CC_TOKEN))
    p++;
  return p;
}

static gboolean
expect_slash (const char **pp, const char *e)
{
  const char *p = sip_skip_lws (*pp, e);
  if (p >= e || *p != '/')
    return FALSE;
  *pp = sip_skip_lws (p + 1, e);
  return TRUE;
}

static gboolean
sip_parse_via (const char *p, gsize len, SipVia *v, GError **error)
{
  const char *e = p + len, *s = p, *t;
  memset (v, 0, sizeof *v);

  /* sent-protocol = protocol-name SLASH protocol-version SLASH transport.
   * Nearly every Via writes it "SIP/2.0/" with no LWS around the slashes:
   * then the token steps below would end where this ends. */
  if (len >= 8 && sip_caseeq_n (s, "SIP/", 4) && memcmp (s + 4, "2.0/", 4) == 0)
    {
      s = sip_skip_lws (s + 8, e);
      goto transport;
    }
  t = scan_token (s, e);
  if (t - s != 3 || !sip_caseeq_n (s, "SIP", 3))
    FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Via \"%.*s\": protocol is not SIP", (int) MIN (len, 80), p);
  s = t;
  if (!expect_slash (&s, e))
    goto bad;
  t = scan_token (s, e);
  if (t - s != 3 || memcmp (s, "2.0", 3) != 0)
    FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Via \"%.*s\": version is not 2.0", (int) MIN (len, 80), p);
  s = t;
  if (!expect_slash (&s, e))
    goto bad;
transport:
  t = scan_token (s, e);
  if (t == s)
    goto bad;
  v->transport = sip_str (s, (gsize) (t - s));
  s = t;
  /* LWS sent-by */
  if (s >= e || !LWS (*s))
    goto bad;
  s = sip_skip_lws (s, e);
  const char *h = s;
  SipHostType ht;
  gboolean host_ok;
  if (s < e && *s == '[')
    {
      const char *rb = memchr (s, ']', (gsize) (e - s));
      if (rb == NULL)
        goto bad;
      s = rb + 1;
      host_ok = sip_parse_host (h, (gsize) (s - h), &ht);
    }
  else
    s = sip_scan_host (h, e, &ht, &host_ok);
  if (!host_ok)
    FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Via \"%.*s\": bad sent-by host", (int) MIN (len, 80), p);
  v->host = sip_str (h, (gsize) (s - h));
  s = sip_skip_lws (s, e);
  if (s < e && *s == ':')
    {
      s = sip_skip_lws (s + 1, e);
      const char *ps = s;
      guint64 port;
      while (s < e && SIP_CC (*s, CC_DIGIT))
        s++;
      if (!sip_parse_uint (ps, (gsize) (s - ps), 65535, &port))
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Via \"%.*s\": bad port", (int) MIN (len, 80), p);
      v->port = (guint16) port;
      s = sip_skip_lws (s, e);
    }
  if (s < e)
    {
      if (*s != ';')
        goto bad;
      v->params = sip_str_trim (s + 1, e);
      /* via-params are generic-params: token [ EQUAL (token / host /
       * quoted-string) ] (§25.1); RFC 4475 §3.1.2.1 has ";;,;,,". */
      static const char *const names[] = { "branch", "received", "rport" };
      static const gsize lens[] = { 6, 8, 5 };
      SipStr vals[3], val;
      guint32 got;
      if (!sip_params_parse (v->params, names, lens, 3, vals, &got))
        goto bad;
      if (got & 1)
        {
          val = vals[0];
          if (val.len == 0)
            goto bad;
          v->branch = val;
        }
      if (got & 2)
        {
          val = vals[1];
          SipHostType rt;
          /* via-received = IPv4address / IPv6address (§25.1), the latter
           * also in brackets; a host name is let through too. */
          if (!sip_parse_host (val.p, val.len, &rt) && !sip_parse_ipv6 (val.p, val.len))
            FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Via \"%.*s\": bad received", (int) MIN (len, 80), p);
          v->received = val;
        }
      if (got & 4)
        {
          val = vals[2];
          guint64 rp = 0;
          v->has_rport = TRUE;
          if (val.len > 0 && !sip_parse_uint (val.p, val.len, 65535, &rp))
            FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Via \"%.*s\": bad rport", (int) MIN (len, 80), p);
          v->rport = (guint16) rp;
        }
    }
  return TRUE;

bad:
  FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Via \"%.*s\" does not parse", (int) MIN (len, 80), p);
}

/* ------------------------------------------------------------- name-addr */

/* sip_parse_name_addr() that also looks up @names among the header
 * parameters, in the one pass that checks them (sip_params_parse(): *@got
 * and @vals as there).  names[0] must be "tag"; Contact adds its own. */
static gboolean
name_addr_parse (const char *p, gsize len, SipNameAddr *na, const char *what,
                 const char *const *names, const gsize *lens, guint n, SipStr *vals,
                 guint32 *got, GError **error)
{
  const char *e = p + len, *s = p, *uri_s, *uri_e, *rest;
  memset (na, 0, sizeof *na);
  *got = 0;

  if (s < e && *s == '"')
    {
      /* quoted-string display-name; escapes stay (msg.h). */
      const char *q = sip_skip_quoted (s, e);
      if (q == NULL)
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s: unterminated quoted display name", what);
      na->display = sip_str (s + 1, (gsize) (q - 1 - (s + 1)));
      s = sip_skip_lws (q, e);
      if (s >= e || *s != '<')
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s: display name without <URI>", what);
    }
  else
    {
      const char *lt = memchr (s, '<', (gsize) (e - s));
      if (lt)
        {
          /* display-name = *(token LWS) */
          for (const char *q = s; q < lt; q++)
            if (!SIP_CC (*q, CC_TOKEN | CC_LWS))
              FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s: bad display name", what);
          SipStr d = sip_str_trim (s, lt);
          if (d.len)
            na->display = d;
          s = lt;
        }
    }

  if (s < e && *s == '<')
    {
      const char *gt = memchr (s, '>', (gsize) (e - s));
      if (gt == NULL)
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s: missing '>'", what);
      /* RFC 4475 §3.1.2.? "< sip:... >": LWS inside the brackets is not
       * allowed (addr-spec is not LWS-padded). */
      uri_s = s + 1;
      uri_e = gt;
      rest = gt + 1;
    }
  else
    {
      /* addr-spec: parameters after it are header parameters (§20.10: a
       * URI holding ',', '?' or ';' must be in <...>), so the URI ends at
       * the first ';'.  A sip:/sips: user part may hold ';' (§25.1
       * user-unreserved), which is read leniently: there the first ';'
       * after the userinfo counts.  Any other scheme (mailto: ...) has no
       * userinfo this parser knows of, and the rule applies as written. */
      gsize left = (gsize) (e - s), from = 0;
      if ((left >= 4 && sip_caseeq_n (s, "sip:", 4))
          || (left >= 5 && sip_caseeq_n (s, "sips:", 5)))
        {
          const char *at = memchr (s, '@', left);
          if (at)
            from = (gsize) (at - s);
        }
      const char *semi = memchr (s + from, ';', left - from);
      uri_s = s;
      uri_e = semi ? semi : e;
      while (uri_e > uri_s && LWS (uri_e[-1]))
        uri_e--;
      rest = uri_e;
      /* §20: a URI with a comma, question mark or semicolon must be in
       * <...> (RFC 4475 §3.1.2.13); LWS inside an addr-spec is never
       * allowed. */
      for (const char *q = uri_s; q < uri_e; q++)
        if (*q == '?' || *q == ',' || LWS (*q))
          FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s: URI with '%c' outside <...>", what,
                LWS (*q) ? ' ' : *q);
    }
  na->uri_str = sip_str (uri_s, (gsize) (uri_e - uri_s));
  if (!sip_uri_parse (uri_s, (gsize) (uri_e - uri_s), &na->uri, error))
    {
      g_prefix_error (error, "%s: ", what);
      return FALSE;
    }
  rest = sip_skip_lws (rest, e);
  if (rest < e)
    {
      if (*rest != ';')
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s: bad parameters after the URI", what);
      na->params = sip_str_trim (rest + 1, e);
      if (!sip_params_parse (na->params, names, lens, n, vals, got))
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s: bad parameters after the URI", what);
      if (*got & 1)
        {
          if (vals[0].len == 0)
            FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s: empty tag", what);
          na->tag = vals[0];
        }
    }
  return TRUE;
}

static gboolean
sip_parse_name_addr (const char *p, gsize len, SipNameAddr *na,
                     const char *what, GError **error)
{
  static const char *const names[] = { "tag" };
  static const gsize lens[] = { 3 };
  SipStr vals[1];
  guint32 got;
  return name_addr_parse (p, len, na, what, names, lens, 1, vals, &got, error);
}

/* An expiry value, header or Contact parameter.  RFC 3261 §20.19 (Expires)
 * and §20.10 (the Contact "expires" parameter): "Malformed values SHOULD
 * be treated as equivalent to 3600"; RFC 4475 §3.1.2.4 (scalar02): an
 * element "could treat them as if they contained the default values for
 * expiration (3600 in this case)".  Non-numeric, quoted, empty and
 * over-2^32-1 values all count as malformed: rejecting the message
 * instead turns one bad parameter in a 200 into a lost registration
 * (issue 14 item 7). */
static gint64
expires_value (SipStr v)
{
  guint64 n;
  if (!sip_parse_uint (v.p, v.len, G_MAXUINT32, &n))
    return 3600;
  return (gint64) n;
}

static gboolean
sip_parse_contact (const char *p, gsize len, SipContact *c, GError **error)
{
  SipStr v;
  guint64 n;

  if (len == 1 && p[0] == '*')
    {
      memset (c, 0, sizeof *c);
      c->star = TRUE;
      c->expires = -1;
      c->reg_id = -1;
      return TRUE;
    }
  /* Looked up in the pass that checks the parameters. */
  static const char *const names[] = { "tag", "expires", "reg-id", "+sip.instance" };
  static const gsize lens[] = { 3, 7, 6, 13 };
  SipStr vals[4];
  guint32 got;
  c->star = FALSE;
  if (!name_addr_parse (p, len, &c->addr, "Contact", names, lens, 4, vals, &got, error))
    return FALSE;
  c->expires = -1;
  c->reg_id = -1;
  c->instance = SIP_STR_NULL;
  if (got & 2)
    c->expires = expires_value (vals[1]);
  if (got & 4)
    {
      v = vals[2];
      /* RFC 5626 §4.2: reg-id = 1*DIGIT, 1 to 2^31-1. */
      if (!sip_parse_uint (v.p, v.len, G_MAXINT32, &n) || n == 0)
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Contact: bad reg-id parameter");
      c->reg_id = (gint32) n;
    }
  if (got & 8)
    {
      v = vals[3];
      if (v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"')
        v = sip_str (v.p + 1, v.len - 2);
      c->instance = v;
    }
  return TRUE;
}

/* ------------------------------------------------------------- the message */

/* Grows one of the message's arrays: inline storage first, then the heap. */
static gpointer
grow (gpointer arr, gpointer inline_arr, guint *cap, gsize elt)
{
  guint ncap = *cap ? *cap * 2 : 4;
  gpointer n;
  if (arr == inline_arr || arr == NULL)
    {
      n = g_malloc (ncap * elt);
      if (arr)
        memcpy (n, arr, *cap * elt);
    }
  else
    n = g_realloc (arr, ncap * elt);
  *cap = ncap;
  return n;
}

static gboolean
parse_delta (SipStr v, guint64 max, const char *name, gint64 *out, GError **error)
{
  guint64 n;
  if (!sip_parse_uint (v.p, v.len, max, &n))
    FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s \"%.*s\" is not a number in range",
          name, (int) MIN (v.len, 40), v.p);
  *out = (gint64) n;
  return TRUE;
}

/* Retry-After = delta-seconds [ comment ] *( SEMI retry-param ) (§20.33). */
static gboolean
parse_retry_after (SipMsg *m, SipStr v, GError **error)
{
  const char *p = v.p, *e = v.p + v.len, *d = p;
  guint64 n;

  while (p < e && SIP_CC (*p, CC_DIGIT))
    p++;
  if (!sip_parse_uint (d, (gsize) (p - d), G_MAXUINT32, &n))
    FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Retry-After: bad delta-seconds");
  p = sip_skip_lws (p, e);
  if (p < e && *p == '(')
    {
      int depth = 0;
      for (; p < e; p++)
        {
          if (*p == '\\' && p + 1 < e)
            p++;                          /* quoted-pair */
          else if (*p == '(')
            depth++;
          else if (*p == ')' && --depth == 0)
            break;
        }
      if (p >= e)
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Retry-After: unterminated comment");
      p = sip_skip_lws (p + 1, e);
    }
  guint32 got;
  if (p < e && (*p != ';' || !sip_params_parse (sip_str (p + 1, (gsize) (e - p - 1)),
                                                 NULL, NULL, 0, NULL, &got)))
    FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Retry-After: bad parameters");
  m->retry_after = (gint64) n;
  return TRUE;
}

/* CSeq = 1*DIGIT LWS Method (§20.16); the number < 2^31 (§8.1.1.5). */
static gboolean
parse_cseq (SipMsg *m, SipStr v, GError **error)
{
  const char *p = v.p, *e = v.p + v.len, *d = p;
  guint64 n;

  while (p < e && SIP_CC (*p, CC_DIGIT))
    p++;
  if (!sip_parse_uint (d, (gsize) (p - d), G_MAXINT32, &n))
    FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "CSeq \"%.*s\": number missing or above 2^31-1",
          (int) MIN (v.len, 40), v.p);
  if (p >= e || !LWS (*p))
    FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "CSeq \"%.*s\": no method", (int) MIN (v.len, 40), v.p);
  p = sip_skip_lws (p, e);
  const char *ms = p;
  p = scan_token (p, e);
  if (p == ms || p != e)
    FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "CSeq \"%.*s\": bad method", (int) MIN (v.len, 40), v.p);
  m->cseq.seq = (guint32) n;
  m->cseq.method_str = sip_str (ms, (gsize) (p - ms));
  m->cseq.method = sip_method_from_str (m->cseq.method_str);
  return TRUE;
}

/* §8.2 / RFC 4475 §3.1.2.?: a request's CSeq method must be its own. */
static gboolean
check_cseq_method (const SipMsg *m, GError **error)
{
  if (m->is_request
      && (m->cseq.method_str.len != m->method_str.len
          || memcmp (m->cseq.method_str.p, m->method_str.p, m->method_str.len) != 0))
    FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "CSeq method %.*s does not match request method %.*s",
          (int) MIN (m->cseq.method_str.len, 40), m->cseq.method_str.p,
          (int) MIN (m->method_str.len, 40), m->method_str.p);
  return TRUE;
}

static gboolean
push_name_addr (SipNameAddrList *l, SipStr v, const char *what, GError **error)
{
  if (l->n == l->cap)
    l->v = grow (l->v, NULL, &l->cap, sizeof (SipNameAddr));
  if (!sip_parse_name_addr (v.p, v.len, &l->v[l->n], what, error))
    return FALSE;
  l->n++;
  return TRUE;
}

/* The headers msg.h parses eagerly that may appear once (note 3), and
 * the name their duplicate error gives. */
static const char *
single_name (SipHeaderId id)
{
  switch (id)
    {
    case SIP_HDR_FROM:         return "From";
    case SIP_HDR_TO:           return "To";
    case SIP_HDR_CALL_ID:      return "Call-ID";
    case SIP_HDR_CSEQ:         return "CSeq";
    case SIP_HDR_MAX_FORWARDS: return "Max-Forwards";
    case SIP_HDR_EXPIRES:      return "Expires";
    case SIP_HDR_MIN_EXPIRES:  return "Min-Expires";
    case SIP_HDR_FLOW_TIMER:   return "Flow-Timer";
    case SIP_HDR_RETRY_AFTER:  return "Retry-After";
    default:                   return NULL;
    }
}

/* Whether @id's value fills an eager struct that a built message may
 * fill on first read (msg-private.h note 3).  Call-ID (a slice) and
 * Content-Length (the body needs it) are always done at once. */
static gboolean
deferrable (SipHeaderId id)
{
  switch (id)
    {
    case SIP_HDR_VIA: case SIP_HDR_FROM: case SIP_HDR_TO: case SIP_HDR_CSEQ:
    case SIP_HDR_CONTACT: case SIP_HDR_ROUTE: case SIP_HDR_RECORD_ROUTE: case SIP_HDR_PATH:
    case SIP_HDR_MAX_FORWARDS: case SIP_HDR_EXPIRES: case SIP_HDR_MIN_EXPIRES:
    case SIP_HDR_FLOW_TIMER: case SIP_HDR_RETRY_AFTER:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Whether every byte of [p, p+n) is in 0x21..0x7e (LWS bytes, SP HT CR
 * LF, are all below it, so this is also "no whitespace").  Eight bytes a
 * step: byte b is outside iff b - 0x21 borrows (b < 0x21), b + 1 reaches
 * 0x80 (b == 0x7f) or b has its top bit set; a borrow or carry into the
 * next byte comes only from a byte that is outside already, so a word is
 * flagged iff it holds such a byte.  A Call-ID is checked on every
 * message. */
static gboolean
all_visible (const char *p, gsize n)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 high = G_GUINT64_CONSTANT (0x8080808080808080);
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    {
      guint64 w;
      memcpy (&w, p + i, 8);
      if (((w - 0x21 * ones) | (w + ones) | w) & high)
        return FALSE;
    }
  for (; i < n; i++)
    if ((guint8) ((guint8) p[i] - 0x21) > 0x7e - 0x21)
      return FALSE;
  return TRUE;
}

/* Parses one value of an eager header into its struct. */
static gboolean
parse_eager (SipMsg *m, SipHeaderId id, SipStr v, GError **error)
{
  switch (id)
    {
    case SIP_HDR_VIA:
      if (m->n_via == m->cap_via)
        m->via = grow (m->via, m->via_inline, &m->cap_via, sizeof (SipVia));
      if (!sip_parse_via (v.p, v.len, &m->via[m->n_via], error))
        return FALSE;
      m->n_via++;
      return TRUE;
    case SIP_HDR_FROM:
      return sip_parse_name_addr (v.p, v.len, &m->from, "From", error);
    case SIP_HDR_TO:
      return sip_parse_name_addr (v.p, v.len, &m->to, "To", error);
    case SIP_HDR_CALL_ID:
      /* callid = word [ "@" word ]: no whitespace inside. */
      if (v.len == 0)
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "empty Call-ID");
      if (!all_visible (v.p, v.len))
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "Call-ID holds whitespace or a control byte");
      m->call_id = v;
      return TRUE;
    case SIP_HDR_CSEQ:
      return parse_cseq (m, v, error);
    case SIP_HDR_CONTACT:
      if (m->n_contact == m->cap_contact)
        m->contact = grow (m->contact, m->contact_inline, &m->cap_contact, sizeof (SipContact));
      if (!sip_parse_contact (v.p, v.len, &m->contact[m->n_contact], error))
        return FALSE;
      m->n_contact++;
      return TRUE;
    case SIP_HDR_ROUTE:
      return push_name_addr (&m->route, v, "Route", error);
    case SIP_HDR_RECORD_ROUTE:
      return push_name_addr (&m->record_route, v, "Record-Route", error);
    case SIP_HDR_PATH:
      return push_name_addr (&m->path, v, "Path", error);
    case SIP_HDR_MAX_FORWARDS:
      return parse_delta (v, 255, "Max-Forwards", &m->max_forwards, error);
    case SIP_HDR_EXPIRES:
      m->expires = expires_value (v);   /* malformed -> 3600, §20.19 */
      return TRUE;
    case SIP_HDR_MIN_EXPIRES:
      return parse_delta (v, G_MAXUINT32, "Min-Expires", &m->min_expires, error);
    case SIP_HDR_FLOW_TIMER:
      return parse_delta (v, G_MAXUINT32, "Flow-Timer", &m->flow_timer, error);
    case SIP_HDR_RETRY_AFTER:
      return parse_retry_after (m, v, error);
    case SIP_HDR_CONTENT_LENGTH:
      {
        guint64 n;
        if (!sip_parse_uint (v.p, v.len, SIP_MSG_MAX_SIZE, &n))
          FAIL (SIP_PARSE_ERROR_CONTENT_LENGTH, "Content-Length \"%.*s\" is not a number up to %d",
                (int) MIN (v.len, 40), v.p, SIP_MSG_MAX_SIZE);
        m->content_length = (gint64) n;
        return TRUE;
      }
    default:
      return TRUE;
    }
}

/* The ids parse_eager() has a case for; a value of any other id is only
 * stored (no call for each element of an Allow or Supported list). */
#define HB(id) (1u << (id))
static const guint32 eager_ids =
  HB (SIP_HDR_VIA) | HB (SIP_HDR_FROM) | HB (SIP_HDR_TO) | HB (SIP_HDR_CALL_ID)
  | HB (SIP_HDR_CSEQ) | HB (SIP_HDR_CONTACT) | HB (SIP_HDR_ROUTE) | HB (SIP_HDR_RECORD_ROUTE)
  | HB (SIP_HDR_PATH) | HB (SIP_HDR_MAX_FORWARDS) | HB (SIP_HDR_EXPIRES)
  | HB (SIP_HDR_MIN_EXPIRES) | HB (SIP_HDR_FLOW_TIMER) | HB (SIP_HDR_RETRY_AFTER)
  | HB (SIP_HDR_CONTENT_LENGTH);
#undef HB

/* Stores one header value and parses it if msg.h says it is eager, or,
 * with @defer, marks it for sip_msg_realize_() (msg-private.h note 3).
 * Duplicates of a single-valued header are refused here, in both cases,
 * before its value is looked at. */
static gboolean
add_value (SipMsg *m, int def, SipStr name, SipStr v, gboolean defer, GError **error)
{
  SipHeaderId id = def > 0 ? (SipHeaderId) sip_hdr_defs[def].id : SIP_HDR_OTHER;

  if (m->n_hdr >= SIP_MSG_MAX_HEADERS)
    FAIL (SIP_PARSE_ERROR_TOO_LARGE, "more than %d header values", SIP_MSG_MAX_HEADERS);
  if (m->n_hdr == m->cap_hdr)
    m->hdr = grow (m->hdr, m->hdr_inline, &m->cap_hdr, sizeof (SipHeader));
  SipHeader *h = &m->hdr[m->n_hdr++];
  h->id = id;
  h->name = name;
  h->value = v;
  if (id == SIP_HDR_OTHER)
    return TRUE;

  guint32 bit = 1u << id;
  if (m->seen & bit)
    {
      if (id == SIP_HDR_CONTENT_LENGTH)
        FAIL (SIP_PARSE_ERROR_CONTENT_LENGTH, "Content-Length appears more than once");
      const char *single = single_name (id);
      if (single)
        FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s appears more than once", single);
    }
  m->seen |= bit;
  if (!(eager_ids & bit))
    return TRUE;
  if (defer && deferrable (id))
    {
      m->pending |= bit;
      return TRUE;
    }
  return parse_eager (m, id, v, error);
}

/* Splits a list header's value (note 2) and adds each element. */
static gboolean
add_list (SipMsg *m, int def, SipStr name, const char *p, const char *e, gboolean defer,
          GError **error)
{
  SipHeaderId id = (SipHeaderId) sip_hdr_defs[def].id;
  gboolean eager = id == SIP_HDR_VIA || id == SIP_HDR_CONTACT || id == SIP_HDR_ROUTE
                   || id == SIP_HDR_RECORD_ROUTE || id == SIP_HDR_PATH;
  const char *s = p;

  if (p == e)
    return add_value (m, def, name, sip_str (p, 0), defer, error);
  /* Most values hold no quoted string and no <...> (Via, Allow,
   * Supported): then every comma splits, and memchr finds them. */
  if (memchr (p, '"', (gsize) (e - p)) == NULL && memchr (p, '<', (gsize) (e - p)) == NULL)
    for (;;)
      {
        const char *q = memchr (s, ',', (gsize) (e - s));
        if (q == NULL)
          q = e;
        SipStr v = sip_str_trim (s, q);
        if (v.len || eager)
          if (!add_value (m, def, name, v, defer, error))
            return FALSE;
        if (q == e)
          return TRUE;
        s = q + 1;
      }
  for (const char *q = p;;)
    {
      while (q < e && !SIP_CC (*q, CC_LIST))     /* to the next '"', '<' or ',' */
        q++;
      if (q < e && *q == '"')
        {
          q = sip_skip_quoted (q, e);
          if (q == NULL)
            FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s: unterminated quoted string",
                  sip_hdr_defs[def].name);
          continue;
        }
      if (q < e && *q == '<')
        {
          const char *gt = memchr (q, '>', (gsize) (e - q));
          if (gt == NULL)
            FAIL (SIP_PARSE_ERROR_HEADER_VALUE, "%s: missing '>'", sip_hdr_defs[def].name);
          q = gt + 1;
          continue;
        }
      if (q >= e || *q == ',')
        {
          SipStr v = sip_str_trim (s, q);
          if (v.len || eager)
            if (!add_value (m, def, name, v, defer, error))
              return FALSE;
          if (q >= e)
            return TRUE;
          s = q + 1;
        }
      q++;
    }
}

/* The Request-URI, once the request line around it has been checked. */
static gboolean
parse_ruri (SipMsg *m, GError **error)
{
  if (!sip_uri_parse (m->ruri_str.p, m->ruri_str.len, &m->ruri, error))
    {
      g_prefix_error (error, "Request-URI: ");
      return FALSE;
    }
  /* §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475
   * §3.1.2.11). */
  if (m->ruri.headers.p)
    FAIL (SIP_PARSE_ERROR_URI, "Request-URI carries URI headers");
  return TRUE;
}

gboolean
sip_msg_start_line_ (SipMsg *m, const char *p, const char *e, gboolean defer, GError **error)
{
  /* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2) */
  if (e - p >= 4 && sip_caseeq_n (p, "SIP/", 4))
    {
      if (e - p < 11 || !sip_caseeq_n (p, "SIP/2.0 ", 8))
        {
          const char *sp = memchr (p, ' ', (gsize) (e - p));
          if (sp && sp - p > 4)
            FAIL (SIP_PARSE_ERROR_VERSION, "status line: version \"%.*s\" is not SIP/2.0",
                  (int) MIN (sp - p, 20), p);
          FAIL (SIP_PARSE_ERROR_START_LINE, "status line too short");
        }
      const char *c = p + 8;
      if (!SIP_CC (c[0], CC_DIGIT) || !SIP_CC (c[1], CC_DIGIT) || !SIP_CC (c[2], CC_DIGIT))
        FAIL (SIP_PARSE_ERROR_START_LINE, "status code is not three digits");
      m->status = (guint) ((c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0'));
      if (m->status < 100 || m->status > 699)
        FAIL (SIP_PARSE_ERROR_START_LINE, "status code %u out of range", m->status);
      c += 3;
      if (c < e && *c != ' ')
        FAIL (SIP_PARSE_ERROR_START_LINE, "no SP after the status code");
      /* Reason-Phrase may be empty; any byte but CR/LF (UTF-8 allowed). */
      m->reason = c < e ? sip_str (c + 1, (gsize) (e - c - 1)) : sip_str (c, 0);
      m->is_request = FALSE;
      m->method = SIP_METHOD_UNKNOWN;
      return TRUE;
    }

  /* Request-Line = Method SP Request-URI SP SIP-Version (§7.1) */
  const char *t = scan_token (p, e);
  if (t == p || t >= e || *t != ' ')
    FAIL (SIP_PARSE_ERROR_START_LINE, "request line: bad method or missing SP");
  m->method_str = sip_str (p, (gsize) (t - p));
  m->method = sip_method_from_str (m->method_str);
  const char *u = t + 1;
  const char *sp = memchr (u, ' ', (gsize) (e - u));
  if (sp == NULL || sp == u)
    FAIL (SIP_PARSE_ERROR_START_LINE, "request line: missing Request-URI or version");
  const char *ver = sp + 1;
  if (memchr (ver, ' ', (gsize) (e - ver)) || memchr (u, '\t', (gsize) (e - u)))
    FAIL (SIP_PARSE_ERROR_START_LINE, "request line: extra whitespace");
  if (e - ver < 5 || !sip_caseeq_n (ver, "SIP/", 4))
    FAIL (SIP_PARSE_ERROR_START_LINE, "request line: no SIP version");
  if (e - ver != 7 || !sip_caseeq_n (ver, "SIP/2.0", 7))
    FAIL (SIP_PARSE_ERROR_VERSION, "request line: version \"%.*s\" is not SIP/2.0",
          (int) MIN (e - ver, 20), ver);
  m->ruri_str = sip_str (u, (gsize) (sp - u));
  if (defer)
    m->pending |= 1u;                     /* msg-private.h note 3 */
  else if (!parse_ruri (m, error))
    return FALSE;
  m->is_request = TRUE;
  return TRUE;
}

gboolean
sip_msg_header_line_ (SipMsg *m, const char *ls, const char *colon, const char *le, int def,
                      gboolean folded, gboolean defer, GError **error)
{
  /* header-name HCOLON value: HCOLON = *( SP / HTAB ) ":" SWS */
  const char *ne = colon;
  while (ne > ls && SIP_CC (ne[-1], CC_WS))
    ne--;
  SipStr name = sip_str (ls, (gsize) (ne - ls));
  if (def == SIP_HDR_DEF_UNKNOWN)
    def = sip_hdr_def_lookup (name.p, name.len);
  /* A name found in the table equals a table name but for case, so it is
   * a token already (sip_lower folds only A-Z); only the others are
   * checked byte by byte, with the same errors. */
  if (def < 0)
    {
      if (ne == ls)
        FAIL (SIP_PARSE_ERROR_HEADER, "empty header name");
      for (const char *c = ls; c < ne; c++)
        if (!SIP_CC (*c, CC_TOKEN))
          FAIL (SIP_PARSE_ERROR_HEADER, "bad header name \"%.*s\"", (int) MIN (ne - ls, 40), ls);
    }
  SipStr v = sip_str_trim (colon + 1, le);
  m->folded |= folded;

  if (def > 0 && (sip_hdr_defs[def].flags & SIP_HDEF_LIST))
    return add_list (m, def, name, v.p, v.p + v.len, defer, error);
  return add_value (m, def, name, v, defer, error);
}

gboolean
sip_msg_end_headers_ (SipMsg *m, const char *start, const char *p, const char *end,
                      GError **error)
{
  /* Mandatory headers (§8.1.1). */
  if (!(m->seen & (1u << SIP_HDR_VIA)))
    FAIL (SIP_PARSE_ERROR_MISSING_HEADER, "no Via");
  if (!(m->seen & (1u << SIP_HDR_FROM)))
    FAIL (SIP_PARSE_ERROR_MISSING_HEADER, "no From");
  if (!(m->seen & (1u << SIP_HDR_TO)))
    FAIL (SIP_PARSE_ERROR_MISSING_HEADER, "no To");
  if (m->call_id.p == NULL)
    FAIL (SIP_PARSE_ERROR_MISSING_HEADER, "no Call-ID");
  if (!(m->seen & (1u << SIP_HDR_CSEQ)))
    FAIL (SIP_PARSE_ERROR_MISSING_HEADER, "no CSeq");
  /* A deferred CSeq is checked when it is parsed (sip_msg_realize_slow_). */
  if (!(m->pending & (1u << SIP_HDR_CSEQ)) && !check_cseq_method (m, error))
    return FALSE;

  /* Body (note 4). */
  gsize left = (gsize) (end - p);
  gsize blen = left;
  if (m->content_length >= 0)
    {
      if ((gsize) m->content_length > left)
        FAIL (SIP_PARSE_ERROR_CONTENT_LENGTH,
              "Content-Length %" G_GINT64_FORMAT " but only %" G_GSIZE_FORMAT " body bytes",
              m->content_length, left);
      blen = (gsize) m->content_length;
    }
  m->body = sip_str (p, blen);
  m->raw = sip_str (start, (gsize) (p + blen - start));
  return TRUE;
}

void
sip_msg_realize_slow_ (SipMsg *m, guint bit)
{
  g_autoptr (GError) error = NULL;
  m->pending &= ~(1u << bit);
  if (bit == 0)
    {
      if (!parse_ruri (m, &error))
        goto bad;
      return;
    }
  for (guint i = 0; i < m->n_hdr; i++)
    if ((guint) m->hdr[i].id == bit && !parse_eager (m, (SipHeaderId) bit, m->hdr[i].value, &error))
      goto bad;
  if (bit == SIP_HDR_CSEQ && !check_cseq_method (m, &error))
    goto bad;
  return;

bad:
  /* The builder's output is always valid SIP (builder.h). */
  g_critical ("built SIP message does not parse: %s\n%.*s", error->message,
              (int) m->raw.len, m->raw.p);
}

static gboolean
parse_msg (SipMsg *m, const char *b, const char *end, GError **error)
{
  const char *p = b, *nl;

  /* §7.5: CRLFs before the start line are ignored. */
  while (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
    p += 2;
  const char *start = p;
  if (p == end)
    FAIL (SIP_PARSE_ERROR_INCOMPLETE, "no start line");

  nl = memchr (p, '\n', (gsize) (end - p));
  if (nl == NULL)
    FAIL (SIP_PARSE_ERROR_INCOMPLETE, "start line not terminated");
  if (nl == p || nl[-1] != '\r' || memchr (p, '\r', (gsize) (nl - 1 - p)))
    FAIL (SIP_PARSE_ERROR_START_LINE, "start line does not end in CRLF");
  if (!sip_msg_start_line_ (m, p, nl - 1, FALSE, error))
    return FALSE;
  p = nl + 1;

  /* Header lines up to the empty line (note 1). */
  for (;;)
    {
      if (p >= end)
        FAIL (SIP_PARSE_ERROR_INCOMPLETE, "no empty line after the headers");
      if (*p == '\r')
        {
          if (end - p < 2)
            FAIL (SIP_PARSE_ERROR_INCOMPLETE, "no empty line after the headers");
          if (p[1] != '\n')
            FAIL (SIP_PARSE_ERROR_HEADER, "bare CR in the header section");
          p += 2;
          break;
        }
      if (SIP_CC (*p, CC_WS) || *p == '\n')
        FAIL (SIP_PARSE_ERROR_HEADER, "header line starts with whitespace");

      const char *ls = p, *q = p;
      gboolean folded = FALSE;
      for (;;)
        {
          nl = memchr (q, '\n', (gsize) (end - q));
          if (nl == NULL)
            FAIL (SIP_PARSE_ERROR_INCOMPLETE, "header line not terminated");
          if (nl == q || nl[-1] != '\r' || memchr (q, '\r', (gsize) (nl - 1 - q)))
            FAIL (SIP_PARSE_ERROR_HEADER, "header line does not end in CRLF");
          if (end - nl < 2)
            FAIL (SIP_PARSE_ERROR_INCOMPLETE, "no empty line after the headers");
          if (!SIP_CC (nl[1], CC_WS))
            break;
          folded = TRUE;
          q = nl + 1;
        }
      const char *le = nl - 1;
      p = nl + 1;

      const char *colon = memchr (ls, ':', (gsize) (le - ls));
      if (colon == NULL)
        FAIL (SIP_PARSE_ERROR_HEADER, "header line without ':': \"%.*s\"",
              (int) MIN (le - ls, 40), ls);
      if (!sip_msg_header_line_ (m, ls, colon, le, SIP_HDR_DEF_UNKNOWN, folded, FALSE, error))
        return FALSE;
    }

  return sip_msg_end_headers_ (m, start, p, end, error);
}

SipMsg *
sip_msg_alloc_ (gsize len)
{
  /* One allocation: struct, inline arrays, bytes (msg-private.h note 1).
   * Only the scalar fields are initialised; arrays are filled as used. */
  gsize size = sizeof (SipMsg) + len + 1;
  gboolean block = size <= SIP_MSG_BLOCK;
  SipMsg *m = block ? sip_msg_block_get_ () : g_malloc (size);
  memset (m, 0, G_STRUCT_OFFSET (SipMsg, hdr_inline));
  m->block = block;
  m->ref = 1;
  m->max_forwards = m->expires = m->min_expires = m->retry_after = m->flow_timer = -1;
  m->content_length = -1;
  m->hdr = m->hdr_inline;
  m->cap_hdr = SIP_MSG_INLINE_HEADERS;
  m->via = m->via_inline;
  m->cap_via = SIP_MSG_INLINE_VIAS;
  m->contact = m->contact_inline;
  m->cap_contact = SIP_MSG_INLINE_CONTACTS;
  m->bytes[len] = '\0';
  return m;
}

SipMsg *
sip_msg_parse (const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len > SIP_MSG_MAX_SIZE)
    {
      g_set_error (error, SIP_PARSE_ERROR, SIP_PARSE_ERROR_TOO_LARGE,
                   "message of %" G_GSIZE_FORMAT " bytes is above %d", len, SIP_MSG_MAX_SIZE);
      return NULL;
    }
  SipMsg *m = sip_msg_alloc_ (len);
  if (len)
    memcpy (m->bytes, data, len);

  if (!parse_msg (m, m->bytes, m->bytes + len, error))
    {
      sip_msg_free_ (m);
      return NULL;
    }
  return m;
}
