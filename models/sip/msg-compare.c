/*
 * models/sip/msg-compare.c - sip_msg_same_fields_(): are two messages the
 * same, field by field?  Used to check that a message the builder hands
 * back (msg-private.h note 3) is the one sip_msg_parse() gives from its
 * bytes: by tests, and by the builder itself in every build that is not
 * a release build (builder.c note 4).
 *
 * Notes
 *
 * 1. A slice is the same if both are absent, or both are present with the
 *    same length and the same offset from the start of their message's
 *    bytes (and the bytes are compared once, whole).  Equal text at a
 *    different place would be a different parse.
 *
 * 2. The comparison realises both messages first (every pending bit), so
 *    it compares what a reader would see.
 */
#include "models/sip/msg-private.h"

typedef struct {
  const SipMsg *a, *b;
  GString      *why;
  gboolean      ok;
} Cmp;

static void
differ (Cmp *c, const char *what)
{
  if (c->ok && c->why)
    g_string_append_printf (c->why, "%s differs", what);
  c->ok = FALSE;
}

static void
same_str (Cmp *c, SipStr x, SipStr y, const char *what)
{
  if (!c->ok)
    return;
  if ((x.p == NULL) != (y.p == NULL) || x.len != y.len)
    {
      differ (c, what);
      return;
    }
  if (x.p && (x.p - c->a->bytes) != (y.p - c->b->bytes))
    differ (c, what);
}

#define SAME(x, y, what) G_STMT_START { if (c->ok && (x) != (y)) differ (c, what); } G_STMT_END

static void
same_uri (Cmp *c, const SipUri *x, const SipUri *y, const char *what)
{
  SAME (x->scheme, y->scheme, what);
  same_str (c, x->scheme_name, y->scheme_name, what);
  same_str (c, x->user, y->user, what);
  same_str (c, x->password, y->password, what);
  same_str (c, x->host, y->host, what);
  SAME (x->host_type, y->host_type, what);
  SAME (x->port, y->port, what);
  same_str (c, x->params, y->params, what);
  same_str (c, x->headers, y->headers, what);
  same_str (c, x->opaque, y->opaque, what);
}

static void
same_name_addr (Cmp *c, const SipNameAddr *x, const SipNameAddr *y, const char *what)
{
  same_str (c, x->display, y->display, what);
  same_uri (c, &x->uri, &y->uri, what);
  same_str (c, x->uri_str, y->uri_str, what);
  same_str (c, x->tag, y->tag, what);
  same_str (c, x->params, y->params, what);
}

static void
same_list (Cmp *c, const SipNameAddrList *x, const SipNameAddrList *y, const char *what)
{
  SAME (x->n, y->n, what);
  for (guint i = 0; c->ok && i < x->n; i++)
    same_name_addr (c, &x->v[i], &y->v[i], what);
}

gboolean
sip_msg_same_fields_ (const SipMsg *a, const SipMsg *b, GString *why)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  for (guint bit = 0; bit < 32; bit++)
    {
      sip_msg_realize_ (a, bit);
      sip_msg_realize_ (b, bit);
    }
  Cmp cc = { a, b, why, TRUE }, *c = &cc;

  same_str (c, a->raw, b->raw, "raw");
  if (c->ok && memcmp (a->raw.p, b->raw.p, a->raw.len) != 0)
    differ (c, "raw bytes");
  SAME (a->is_request, b->is_request, "is_request");
  SAME (a->folded, b->folded, "folded");
  SAME (a->method, b->method, "method");
  same_str (c, a->method_str, b->method_str, "method_str");
  same_uri (c, &a->ruri, &b->ruri, "Request-URI");
  same_str (c, a->ruri_str, b->ruri_str, "Request-URI text");
  SAME (a->status, b->status, "status");
  same_str (c, a->reason, b->reason, "reason");
  same_str (c, a->body, b->body, "body");
  same_name_addr (c, &a->from, &b->from, "From");
  same_name_addr (c, &a->to, &b->to, "To");
  SAME (a->seen, b->seen, "headers seen");
  SAME (a->pending, b->pending, "pending");
  same_str (c, a->call_id, b->call_id, "Call-ID");
  SAME (a->cseq.seq, b->cseq.seq, "CSeq number");
  SAME (a->cseq.method, b->cseq.method, "CSeq method");
  same_str (c, a->cseq.method_str, b->cseq.method_str, "CSeq method text");
  SAME (a->max_forwards, b->max_forwards, "Max-Forwards");
  SAME (a->expires, b->expires, "Expires");
  SAME (a->min_expires, b->min_expires, "Min-Expires");
  SAME (a->retry_after, b->retry_after, "Retry-After");
  SAME (a->flow_timer, b->flow_timer, "Flow-Timer");
  SAME (a->content_length, b->content_length, "Content-Length");

  SAME (a->n_hdr, b->n_hdr, "header count");
  for (guint i = 0; c->ok && i < a->n_hdr; i++)
    {
      SAME (a->hdr[i].id, b->hdr[i].id, "header id");
      same_str (c, a->hdr[i].name, b->hdr[i].name, "header name");
      same_str (c, a->hdr[i].value, b->hdr[i].value, "header value");
    }
  SAME (a->n_via, b->n_via, "Via count");
  for (guint i = 0; c->ok && i < a->n_via; i++)
    {
      const SipVia *x = &a->via[i], *y = &b->via[i];
      same_str (c, x->transport, y->transport, "Via transport");
      same_str (c, x->host, y->host, "Via host");
      SAME (x->port, y->port, "Via port");
      same_str (c, x->branch, y->branch, "Via branch");
      same_str (c, x->received, y->received, "Via received");
      SAME (x->has_rport, y->has_rport, "Via rport flag");
      SAME (x->rport, y->rport, "Via rport");
      same_str (c, x->params, y->params, "Via params");
    }
  SAME (a->n_contact, b->n_contact, "Contact count");
  for (guint i = 0; c->ok && i < a->n_contact; i++)
    {
      const SipContact *x = &a->contact[i], *y = &b->contact[i];
      SAME (x->star, y->star, "Contact *");
      same_name_addr (c, &x->addr, &y->addr, "Contact");
      SAME (x->expires, y->expires, "Contact expires");
      same_str (c, x->instance, y->instance, "Contact +sip.instance");
      SAME (x->reg_id, y->reg_id, "Contact reg-id");
    }
  same_list (c, &a->route, &b->route, "Route");
  same_list (c, &a->record_route, &b->record_route, "Record-Route");
  same_list (c, &a->path, &b->path, "Path");
  return c->ok;
}
