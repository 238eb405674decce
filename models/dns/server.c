/*
 * models/dns/server.c - authoritative DNS server model (see server.h).
 *
 * State: zones (origins), a table name -> records (in the order added, with
 * one rotation counter per type), a table name -> answer mode, the pending
 * answers (one host timer each, for the latency), and the scheduled changes
 * (a list sorted by time, one timer for its head).
 *
 * A query is decided when it arrives: loss draw, mode, records as they are
 * then.  The answer leaves @latency later, so a change scheduled inside
 * that window does not alter an answer already decided (a real server's
 * processing happens at arrival too; the latency stands for the path and
 * queueing).
 */
#include <string.h>

#include "models/dns/server.h"
#include "sim/kernel/rng.h"

#define DNS_PORT 53      /* RFC 1035 §4.2.1 */
/* Records of one type put in one answer (and the rotation buffer); more
 * would not fit the 512-byte UDP answer anyway (RFC 1035 §4.2.1). */
#define MAX_ANSWER_RRS 64

typedef struct {
  guint16 type;
  guint32 ttl_s;
  SimIp4  ip;
  guint16 priority, weight, port;
  char   *target;
} Rec;

typedef struct {
  GPtrArray *recs;       /* Rec*, owned */
  guint      rot_a, rot_srv;           /* DNS_ORDER_CYCLIC counters */
  gboolean   rot_a_set, rot_srv_set;   /* their random start drawn */
} Node;

/* An answer waiting for its latency: one block, its bytes at the end. */
typedef struct {
  DnsServer  *server;
  GList       link;        /* in server->pending; data = this */
  HostTimer   timer;
  SimSockAddr to;
  guint       len;
  guint8      bytes[];
} Pending;

typedef struct {
  SimTime       at;
  DnsChangeKind kind;
  char         *name;
  Rec           rec;
  DnsAnswerMode mode;
} Change;

struct DnsServer {
  SimHost        *host;
  SimHostUdp     *sock;
  DnsServerConfig cfg;
  SimRng          rng;
  GPtrArray      *zones;       /* char*, normalised origins */
  GHashTable     *names;       /* char* -> Node* */
  GHashTable     *modes;       /* char* -> GINT_TO_POINTER (mode + 1) */
  GHashTable     *counts;      /* "TYPE name" -> guint64* */
  GQueue          pending;     /* Pending (by their links), newest first */
  GByteArray     *scratch;     /* an answer being written (on_query) */
  GList          *changes;     /* Change*, sorted by at, FIFO among equals */
  HostTimer       change_timer;
  DnsServerStats  stats;
};

const char *
dns_answer_mode_to_string (DnsAnswerMode mode)
{
  switch (mode)
    {
    case DNS_MODE_ANSWER:   return "answer";
    case DNS_MODE_SERVFAIL: return "servfail";
    case DNS_MODE_NXDOMAIN: return "nxdomain";
    case DNS_MODE_SILENT:   return "silent";
    }
  return "?";
}

const char *
dns_rrset_order_to_string (DnsRrsetOrder order)
{
  switch (order)
    {
    case DNS_ORDER_RANDOM: return "random";
    case DNS_ORDER_CYCLIC: return "cyclic";
    case DNS_ORDER_FIXED:  return "fixed";
    }
  return "?";
}

/* Lower case, no trailing dot (RFC 4343: case-insensitive names). */
static char *
normalise (const char *name)
{
  char *n = g_ascii_strdown (name, -1);
  gsize l = strlen (n);
  if (l > 0 && n[l - 1] == '.')
    n[l - 1] = '\0';
  return n;
}

/* normalise() into @out, for a name of at most DNS_TEXT_MAX characters (a
 * parsed question's): no allocation per query. */
static const char *
normalise_into (char out[DNS_TEXT_MAX + 1], const char *name)
{
  gsize l = 0;
  for (; name[l] != '\0'; l++)
    {
      g_assert (l < DNS_TEXT_MAX);
      char c = name[l];
      out[l] = c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;   /* g_ascii_tolower, inline */
    }
  if (l > 0 && out[l - 1] == '.')
    l--;
  out[l] = '\0';
  return out;
}

static void
rec_free (gpointer p)
{
  Rec *r = p;
  g_free (r->target);
  g_free (r);
}

static void
node_free (gpointer p)
{
  Node *n = p;
  g_ptr_array_unref (n->recs);
  g_free (n);
}

static void
rec_from_record (Rec *out, const DnsRecord *rr)
{
  out->type = rr->type;
  out->ttl_s = rr->ttl_s;
  out->ip = rr->ip;
  out->priority = rr->priority;
  out->weight = rr->weight;
  out->port = rr->port;
  out->target = rr->target ? normalise (rr->target) : NULL;
}

static gboolean
in_zone (const DnsServer *s, const char *norm)
{
  gsize nl = strlen (norm);
  for (guint i = 0; i < s->zones->len; i++)
    {
      const char *z = s->zones->pdata[i];
      gsize zl = strlen (z);
      if (zl == 0 || strcmp (norm, z) == 0)
        return TRUE;
      if (nl > zl && norm[nl - zl - 1] == '.' && strcmp (norm + nl - zl, z) == 0)
        return TRUE;
    }
  return FALSE;
}

/* ---------------------------------------------------------------- records */

gboolean
dns_server_add_zone (DnsServer *s, const char *origin, GError **error)
{
  g_return_val_if_fail (s != NULL && origin != NULL, FALSE);
  char *z = normalise (origin);
  if (strlen (z) > DNS_TEXT_MAX)
    {
      g_set_error (error, DNS_ERROR, DNS_ERROR_BAD_NAME, "zone \"%s\" too long", origin);
      g_free (z);
      return FALSE;
    }
  g_ptr_array_add (s->zones, z);
  return TRUE;
}

/* Whether @src can be stored under @norm: in a zone, and writable in an
 * answer (labels 1..63, names <= 255 octets). */
static gboolean
rec_storable (const DnsServer *s, const char *name, const char *norm, const Rec *src,
              GError **error)
{
  if (!in_zone (s, norm))
    {
      g_set_error (error, DNS_ERROR, DNS_ERROR_NOT_IN_ZONE, "\"%s\" is in no zone of this server", name);
      return FALSE;
    }
  /* The name must be writable in an answer (labels 1..63, <= 255). */
  DnsQuery probe = { 0 };
  if (strlen (norm) > DNS_TEXT_MAX)
    {
      g_set_error (error, DNS_ERROR, DNS_ERROR_BAD_NAME, "name \"%s\" too long", name);
      return FALSE;
    }
  strcpy (probe.qname, norm);
  g_autoptr (GByteArray) tmp = g_byte_array_new ();
  if (!dns_query_encode (&probe, tmp, error))
    return FALSE;
  if (src->type == DNS_TYPE_SRV)
    {
      DnsRr rr = { .type = DNS_TYPE_SRV, .target = src->target };
      if (!dns_answer_encode (&probe, DNS_RCODE_NOERROR, &rr, 1, tmp, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_rec (DnsServer *s, const char *name, const Rec *src, GError **error)
{
  g_autofree char *norm = normalise (name);
  if (!rec_storable (s, name, norm, src, error))
    return FALSE;
  Node *n = g_hash_table_lookup (s->names, norm);
  if (!n)
    {
      n = g_new0 (Node, 1);
      n->recs = g_ptr_array_new_with_free_func (rec_free);
      g_hash_table_insert (s->names, g_steal_pointer (&norm), n);
    }
  Rec *r = g_new (Rec, 1);
  *r = *src;
  r->target = g_strdup (src->target);
  g_ptr_array_add (n->recs, r);
  return TRUE;
}

gboolean
dns_server_add (DnsServer *s, const char *name, const DnsRecord *rr, GError **error)
{
  g_return_val_if_fail (s != NULL && name != NULL && rr != NULL, FALSE);
  g_return_val_if_fail (rr->type == DNS_TYPE_A || rr->type == DNS_TYPE_SRV, FALSE);
  g_return_val_if_fail (rr->type != DNS_TYPE_SRV || rr->target != NULL, FALSE);
  Rec r;
  rec_from_record (&r, rr);
  gboolean ok = add_rec (s, name, &r, error);
  g_free (r.target);
  return ok;
}

static gboolean
rec_match (const Rec *r, const Rec *w)
{
  if (r->type != w->type)
    return FALSE;
  if (r->type == DNS_TYPE_A)
    return r->ip == w->ip;
  return r->priority == w->priority && r->weight == w->weight && r->port == w->port
         && g_strcmp0 (r->target, w->target) == 0;
}

/* Removes the records of @name that @w matches: every record of w->type
 * when @whole_type, else only those equal to @w.  A name left with no
 * record stops existing (NXDOMAIN).  Returns how many were removed. */
static guint
remove_records (DnsServer *s, const char *name, const Rec *w, gboolean whole_type)
{
  g_autofree char *norm = normalise (name);
  Node *n = g_hash_table_lookup (s->names, norm);
  if (!n)
    return 0;
  guint removed = 0;
  for (guint i = n->recs->len; i-- > 0;)
    {
      const Rec *r = n->recs->pdata[i];
      if (whole_type ? r->type == w->type : rec_match (r, w))
        {
          g_ptr_array_remove_index (n->recs, i);
          removed++;
        }
    }
  if (n->recs->len == 0)
    g_hash_table_remove (s->names, norm);
  return removed;
}

guint
dns_server_remove (DnsServer *s, const char *name, guint16 type)
{
  g_return_val_if_fail (s != NULL && name != NULL, 0);
  Rec w = { .type = type };
  return remove_records (s, name, &w, TRUE);
}

guint
dns_server_remove_record (DnsServer *s, const char *name, const DnsRecord *rr)
{
  g_return_val_if_fail (s != NULL && name != NULL && rr != NULL, 0);
  Rec w;
  rec_from_record (&w, rr);
  guint n = remove_records (s, name, &w, FALSE);
  g_free (w.target);
  return n;
}

void
dns_server_set_mode (DnsServer *s, const char *name, DnsAnswerMode mode)
{
  g_return_if_fail (s != NULL && name != NULL);
  g_hash_table_insert (s->modes, normalise (name), GINT_TO_POINTER ((int) mode + 1));
}

/* The most specific mode set on @norm or one of its ancestors. */
static DnsAnswerMode
mode_for (const DnsServer *s, const char *norm)
{
  if (g_hash_table_size (s->modes) == 0)
    return DNS_MODE_ANSWER;     /* no mode set: no lookup per label */
  const char *p = norm;
  for (;;)
    {
      gpointer v = g_hash_table_lookup (s->modes, p);
      if (v)
        return (DnsAnswerMode) (GPOINTER_TO_INT (v) - 1);
      if (*p == '\0')
        return DNS_MODE_ANSWER;
      const char *dot = strchr (p, '.');
      p = dot ? dot + 1 : "";
    }
}

/* ------------------------------------------------------- scheduled changes */

static void
change_free (Change *c)
{
  g_free (c->name);
  g_free (c->rec.target);
  g_free (c);
}

static void
apply_change (DnsServer *s, Change *c)
{
  g_autoptr (GError) err = NULL;
  switch (c->kind)
    {
    case DNS_CHANGE_REPLACE:
      {
        /* Checked before the removal: a replacement that cannot be stored
         * leaves the old records, as the "skipped" log line says. */
        g_autofree char *norm = normalise (c->name);
        if (!rec_storable (s, c->name, norm, &c->rec, &err))
          {
            host_log (s->host, SIM_LOG_WARNING, "dns: scheduled change skipped: %s", err->message);
            break;
          }
        dns_server_remove (s, c->name, c->rec.type);
      }
      /* fall through */
    case DNS_CHANGE_ADD:
      if (!add_rec (s, c->name, &c->rec, &err))
        host_log (s->host, SIM_LOG_WARNING, "dns: scheduled change skipped: %s", err->message);
      break;
    case DNS_CHANGE_REMOVE:
      remove_records (s, c->name, &c->rec, FALSE);
      break;
    case DNS_CHANGE_MODE:
      dns_server_set_mode (s, c->name, c->mode);
      break;
    }
  host_trace (s->host, "DNS change %s %s",
              c->kind == DNS_CHANGE_ADD ? "add" : c->kind == DNS_CHANGE_REMOVE ? "remove"
              : c->kind == DNS_CHANGE_REPLACE ? "replace" : dns_answer_mode_to_string (c->mode),
              c->name);
}

static void
arm_changes (DnsServer *s)
{
  if (!s->changes)
    {
      host_timer_cancel (&s->change_timer);
      return;
    }
  Change *head = s->changes->data;
  SimTime now = host_now (s->host);
  host_timer_start (&s->change_timer, head->at > now ? head->at - now : 0);
}

static void
on_change_timer (HostTimer *t, gpointer user_data)
{
  DnsServer *s = user_data;
  SimTime now = host_now (s->host);
  while (s->changes && ((Change *) s->changes->data)->at <= now)
    {
      Change *c = s->changes->data;
      s->changes = g_list_delete_link (s->changes, s->changes);
      apply_change (s, c);
      change_free (c);
    }
  arm_changes (s);
}

static gint
change_cmp (gconstpointer a, gconstpointer b)
{
  SimTime x = ((const Change *) a)->at, y = ((const Change *) b)->at;
  return x < y ? -1 : x > y ? 1 : 0;   /* g_list_insert_sorted keeps ties FIFO */
}

void
dns_server_schedule (DnsServer *s, SimTime at, DnsChangeKind kind, const char *name,
                     const DnsRecord *rr, DnsAnswerMode mode)
{
  g_return_if_fail (s != NULL && name != NULL);
  g_return_if_fail (kind == DNS_CHANGE_MODE || rr != NULL);
  g_return_if_fail (rr == NULL || kind == DNS_CHANGE_MODE
                    || rr->type == DNS_TYPE_A || (rr->type == DNS_TYPE_SRV && rr->target));
  g_return_if_fail (at >= host_now (s->host));
  Change *c = g_new0 (Change, 1);
  c->at = at;
  c->kind = kind;
  c->name = g_strdup (name);
  c->mode = mode;
  if (rr)
    rec_from_record (&c->rec, rr);
  s->changes = g_list_insert_sorted (s->changes, c, change_cmp);
  arm_changes (s);
}

/* ----------------------------------------------------------------- queries */

/* The counts' key "QTYPE NAME" ("%u %s") into @buf, without printf:
 * every query makes one, and g_strdup_printf was a sixth of answering. */
static const char *
count_key (char *buf, gsize size, guint16 qtype, const char *norm)
{
  char digits[5];
  guint nd = 0;
  guint v = qtype;
  do
    digits[nd++] = (char) ('0' + v % 10);
  while ((v /= 10) != 0);
  gsize nl = strlen (norm);
  g_assert (nd + 1 + nl + 1 <= size);
  char *p = buf;
  while (nd > 0)
    *p++ = digits[--nd];
  *p++ = ' ';
  memcpy (p, norm, nl + 1);
  return buf;
}

/* Room for a key: a 5-digit type, a space, a normalised name (at most
 * DNS_TEXT_MAX, as parsed or added) and the NUL. */
#define COUNT_KEY_MAX (5 + 1 + DNS_TEXT_MAX + 1)

static void
count_query (DnsServer *s, const char *norm, guint16 qtype)
{
  char key[COUNT_KEY_MAX];
  count_key (key, sizeof key, qtype, norm);
  guint64 *c = g_hash_table_lookup (s->counts, key);
  if (!c)
    {
      c = g_new0 (guint64, 1);
      g_hash_table_insert (s->counts, g_strdup (key), c);
    }
  (*c)++;
}

guint64
dns_server_get_query_count (const DnsServer *s, const char *name, guint16 qtype)
{
  g_return_val_if_fail (s != NULL && name != NULL, 0);
  g_autofree char *norm = normalise (name);
  g_autofree char *key = g_strdup_printf ("%u %s", qtype, norm);
  guint64 *c = g_hash_table_lookup (s->counts, key);
  return c ? *c : 0;
}

static void
on_pending_timer (HostTimer *t, gpointer user_data)
{
  Pending *p = user_data;
  DnsServer *s = p->server;
  g_autoptr (GError) err = NULL;
  if (!host_udp_sendto (s->sock, &p->to, p->bytes, p->len, &err))
    host_log (s->host, SIM_LOG_INFO, "dns: answer not sent: %s", err->message);
  g_queue_unlink (&s->pending, &p->link);
  g_free (p);
}

/* The records of @type at @n, in the configured order (server.h): fixed as
 * added; cyclic rotated by the node's counter, whose start is drawn from
 * the server's stream the first time (a real server has been answering
 * long before the scenario starts, so the rotation is at an unknown
 * place); random shuffled by Fisher-Yates from the same stream. */
static guint
collect (DnsServer *s, Node *n, guint16 type, DnsRr *out, guint max)
{
  guint k = 0;
  for (guint i = 0; i < n->recs->len && k < max; i++)
    {
      const Rec *r = n->recs->pdata[i];
      if (r->type != type)
        continue;
      out[k++] = (DnsRr) { .type = r->type, .ttl_s = r->ttl_s, .ip = r->ip,
                           .priority = r->priority, .weight = r->weight,
                           .port = r->port, .target = r->target };
    }
  if (k <= 1)
    return k;
  switch (s->cfg.order)
    {
    case DNS_ORDER_FIXED:
      break;
    case DNS_ORDER_CYCLIC:
      {
        guint *rot = type == DNS_TYPE_A ? &n->rot_a : &n->rot_srv;
        gboolean *set = type == DNS_TYPE_A ? &n->rot_a_set : &n->rot_srv_set;
        if (!*set)
          {
            *rot = (guint) sim_rng_below (&s->rng, k);
            *set = TRUE;
          }
        guint shift = (*rot)++ % k;
        DnsRr tmp[MAX_ANSWER_RRS];
        for (guint i = 0; i < k; i++)
          tmp[i] = out[(i + shift) % k];
        memcpy (out, tmp, k * sizeof *out);
        break;
      }
    case DNS_ORDER_RANDOM:
      for (guint i = k - 1; i > 0; i--)
        {
          guint j = (guint) sim_rng_below (&s->rng, (guint64) i + 1);
          DnsRr t = out[i];
          out[i] = out[j];
          out[j] = t;
        }
      break;
    }
  return k;
}

/* Whether @norm, which holds no records, still exists: a zone origin (a
 * real zone has its SOA and NS there), or an empty non-terminal, a name
 * with a descendant that holds records (`_udp.voip.test` when
 * `_sip._udp.voip.test` has an SRV).  RFC 4592 §2.2.2 and RFC 8020 §2:
 * such a name exists and is answered NOERROR with no data, not NXDOMAIN
 * (issue 14 item 10).  O(names): zones here are small. */
static gboolean
name_exists_empty (const DnsServer *s, const char *norm)
{
  for (guint i = 0; i < s->zones->len; i++)
    if (strcmp (s->zones->pdata[i], norm) == 0)
      return TRUE;
  gsize nl = strlen (norm);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, s->names);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      const char *name = key;
      gsize l = strlen (name);
      if (l > nl && name[l - nl - 1] == '.' && strcmp (name + l - nl, norm) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
on_query (SimHostUdp *sock, const SimSockAddr *from, const guint8 *data, gsize len,
          gpointer user_data)
{
  DnsServer *s = user_data;
  char fb[SIM_SOCKADDR_STRLEN];
  s->stats.queries++;
  DnsQuery q;
  g_autoptr (GError) err = NULL;
  if (!dns_query_parse (data, len, &q, &err))
    {
      s->stats.malformed++;
      host_trace (s->host, "DNS malformed query from %s dropped: %s",
                  sim_sockaddr_to_string (from, fb), err->message);
      return;
    }
  char norm_buf[DNS_TEXT_MAX + 1];
  const char *norm = normalise_into (norm_buf, q.qname);
  count_query (s, norm, q.qtype);
  if (s->cfg.loss > 0 && sim_rng_double (&s->rng) < s->cfg.loss)
    {
      s->stats.lost++;
      return;
    }
  DnsAnswerMode mode = mode_for (s, norm);
  if (mode == DNS_MODE_SILENT)
    {
      s->stats.silent++;
      return;
    }

  guint rcode = DNS_RCODE_NOERROR;
  DnsRr rrs[MAX_ANSWER_RRS];
  guint n = 0;
  if (q.opcode != 0)
    rcode = DNS_RCODE_NOTIMP;
  else if (mode == DNS_MODE_SERVFAIL)
    rcode = DNS_RCODE_SERVFAIL;
  else if (mode == DNS_MODE_NXDOMAIN)
    rcode = DNS_RCODE_NXDOMAIN;
  else if (!in_zone (s, norm))
    rcode = DNS_RCODE_REFUSED;
  else
    {
      Node *node = g_hash_table_lookup (s->names, norm);
      if (!node && !name_exists_empty (s, norm))
        rcode = DNS_RCODE_NXDOMAIN;
      else if (!node)
        ;                                   /* NODATA: NOERROR, no answers */
      else if (q.qclass == DNS_CLASS_IN && (q.qtype == DNS_TYPE_A || q.qtype == DNS_TYPE_SRV))
        n = collect (s, node, q.qtype, rrs, G_N_ELEMENTS (rrs));
    }

  GByteArray *out = s->scratch;
  g_byte_array_set_size (out, 0);
  while (!dns_answer_encode (&q, rcode, rrs, n, out, &err))
    {
      /* Too many records for 512 bytes: send the ones that fit (a real
       * server would set TC; c-ares would then retry over TCP). */
      g_clear_error (&err);
      if (n == 0)
        return;
      n--;
    }
  s->stats.answered++;
  switch (rcode)
    {
    case DNS_RCODE_NOERROR:  if (n) s->stats.noerror++; else s->stats.nodata++; break;
    case DNS_RCODE_SERVFAIL: s->stats.servfail++; break;
    case DNS_RCODE_NXDOMAIN: s->stats.nxdomain++; break;
    case DNS_RCODE_REFUSED:  s->stats.refused++; break;
    case DNS_RCODE_NOTIMP:   s->stats.notimp++; break;
    default: break;
    }
  host_trace (s->host, "DNS %s type %u from %s: rcode %u, %u answers", q.qname, q.qtype,
              sim_sockaddr_to_string (from, fb), rcode, n);
  Pending *p = g_malloc (sizeof *p + out->len);
  p->server = s;
  p->link = (GList) { .data = p };
  p->to = *from;
  p->len = out->len;
  memcpy (p->bytes, out->data, out->len);
  host_timer_init (s->host, &p->timer, on_pending_timer, p);
  g_queue_push_head_link (&s->pending, &p->link);
  host_timer_start (&p->timer, s->cfg.latency);
}

/* ------------------------------------------------------------- lifecycle */

DnsServer *
dns_server_new (SimHost *host, const DnsServerConfig *cfg, GError **error)
{
  g_return_val_if_fail (host != NULL, NULL);
  DnsServerConfig c = cfg ? *cfg : (DnsServerConfig) { 0 };
  if (c.port == 0)
    c.port = DNS_PORT;
  if (!(c.loss >= 0.0 && c.loss <= 1.0) || c.latency < 0 || (guint) c.order > DNS_ORDER_FIXED)
    {
      g_set_error (error, DNS_ERROR, DNS_ERROR_SETTINGS,
                   "invalid DNS server settings: loss %g (0..1), latency %" G_GINT64_FORMAT
                   " ns (>= 0), order %d (random, cyclic or fixed)",
                   c.loss, (gint64) c.latency, (int) c.order);
      return NULL;
    }
  DnsServer *s = g_new0 (DnsServer, 1);
  s->host = host;
  s->cfg = c;
  SimSockAddr local = { .ip = SIM_IP4_ANY, .port = c.port };
  s->sock = host_udp_open (host, &local, on_query, NULL, s, error);
  if (!s->sock)
    {
      g_free (s);
      return NULL;
    }
  /* per port: a host may run several servers (primary and backup) */
  g_autofree char *stream = g_strdup_printf ("dns-server:%u", c.port);
  host_rng_init (host, &s->rng, stream);
  s->zones = g_ptr_array_new_with_free_func (g_free);
  s->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, node_free);
  s->modes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&s->pending);
  s->scratch = g_byte_array_sized_new (DNS_UDP_MAX);
  host_timer_init (host, &s->change_timer, on_change_timer, s);
  return s;
}

void
dns_server_free (DnsServer *s)
{
  if (!s)
    return;
  host_udp_close (s->sock);
  host_timer_cancel (&s->change_timer);
  for (GList *l = s->pending.head, *next; l; l = next)
    {
      Pending *p = l->data;
      next = l->next;
      host_timer_cancel (&p->timer);
      g_free (p);
    }
  g_byte_array_unref (s->scratch);
  g_list_free_full (s->changes, (GDestroyNotify) change_free);
  g_ptr_array_unref (s->zones);
  g_hash_table_unref (s->names);
  g_hash_table_unref (s->modes);
  g_hash_table_unref (s->counts);
  g_free (s);
}

void
dns_server_get_stats (const DnsServer *s, DnsServerStats *out)
{
  g_return_if_fail (s != NULL && out != NULL);
  *out = s->stats;
}

void
dns_server_get_local (const DnsServer *s, SimSockAddr *out)
{
  g_return_if_fail (s != NULL && out != NULL);
  host_udp_get_local (s->sock, out);
}
