/*
 * models/device/locator.c - server name -> ordered candidate list, through
 * HostResolver, in the vendor's lookup order, with a TTL cache (B11, B12,
 * B13, B17, RFC 3263 §4.2, RFC 2782).
 *
 * Notes
 *
 * 1. A resolve is a list of steps, each one DNS question (A or SRV of a
 *    name), tried in order until one yields candidates:
 *
 *      order     port   steps
 *      OBI       any    A(name) | SRV(name) | SRV(_sip._udp.name)      (B11)
 *      RFC3263   0      SRV(_sip._udp.name) | A(name) on 5060          (§4.2)
 *      RFC3263   p      A(name) on p
 *      AASTRA    0      SRV(_sip._udp.name) | A(name) on 5060          (B13)
 *      AASTRA    p      A(name) on p
 *      LIBRE     0      NAPTR(name) | SRV(_sip._udp.name) | A(name) on 5060  (B47)
 *      LIBRE     p      A(name) on p
 *      (OBI's A step uses p, or 5060 when p is 0; the NAPTR step never
 *      yields candidates: the DNS model has no NAPTR, so it costs one
 *      question and moves on)
 *
 *    A step moves on when its question ends other than OK (NXDOMAIN,
 *    NODATA, SERVFAIL, timeout ...) and also when an SRV answer gives no
 *    usable candidate (every target "." or without an address): the step
 *    resolved nothing.  When the last step moves on, the resolve FAILS
 *    with the last question's outcome as dns_status.
 *
 * 2. SRV steps.  The records are put in RFC 2782 order once (srv.c, the
 *    locator's SimRng), or in libre's hash order (DEVICE_SRV_HASH, set by
 *    device_locate_set_order; also the A records of a step or target), then A(target) is asked for every distinct target
 *    at the same time (c-ares 1.18 does not hand over the additional
 *    section, so the addresses need questions of their own).  The list is
 *    built when the last of them has ended, in the RFC 2782 order of the
 *    records, so the order of the answers on the wire does not matter.
 *
 * 3. Cache (B17).  Keyed by (type, lower-case name).  Only OK answers are
 *    stored, until answer time + the smallest TTL of the set; an entry
 *    whose expiry is <= now is stale (a TTL of 0 is never reused).  A step
 *    or a target served from the cache sends nothing.  fresh = TRUE skips
 *    the reads but keeps the writes; use_cache = FALSE does neither.
 *    Concurrent resolves of the same name do not share questions in
 *    flight: each asks on its own (the later answer overwrites the entry).
 *
 * 4. Callbacks.  Work starts from a zero-delay host timer armed by
 *    device_locator_resolve(), so a literal or a resolve served wholly
 *    from the cache calls back from the event loop at the same instant,
 *    and the resolver callbacks come from the loop by its own rule.  A
 *    request leaves the locator's list before its callback runs and is
 *    freed after it returns; the callback may start resolves, cancel
 *    others or free the locator.
 */
#include "models/device/locator.h"

#include <string.h>

#include "models/device/srv.h"

#define SIP_DEFAULT_PORT 5060      /* RFC 3261 §19.1.2 */

/* Scratch arrays of a step (orders, keys): on the stack for up to
 * SCRATCH_N records, which every answer of the scenarios has, else in
 * @heap (a g_autofree pointer, NULL before).  A resolution made about ten
 * small allocations for them (issue 17). */
#define SCRATCH_N 16
#define SCRATCH(buf, heap, n) \
  ((n) <= G_N_ELEMENTS (buf) ? (buf) : ((heap) = g_new (__typeof__ (*(buf)), (n))))

typedef enum { STEP_A, STEP_SRV, STEP_NAPTR } StepKind;

typedef struct {
  StepKind kind;
  const char *qname;        /* the name asked (in the request's block) */
  guint16  port;            /* STEP_A: the port of its candidates */
} Step;

/* One cached answer set, in one block: the entry, its n records, then the
 * SRV targets' text (an answer is cached for every lookup: one allocation
 * instead of three to six, issue 17).  g_free() frees it all. */
typedef struct {
  SimTime           expires_at;
  guint             n;
  const HostDnsA   *a;      /* A: n records in the block; else NULL */
  const HostDnsSrv *srv;    /* SRV: n records in the block, targets too; else NULL */
} CacheEntry;

/* The cache's value for one key, the key's text in the same block (it is
 * also the hash table's key).  A new answer replaces @entry in place, and
 * a stale entry stays until then (or a flush): a resolve reads and then
 * refills the same keys, and removing and re-inserting the key each time
 * cost about 1,000 instructions an answer (issue 17).  The slots are
 * bounded by the distinct names asked, as the entries were. */
typedef struct {
  CacheEntry *entry;        /* owned (g_free) */
  char        key[];
} CacheSlot;

struct DeviceLocator {
  SimHost      *host;
  HostResolver *resolver;
  SimRng       *rng;
  GHashTable   *cache;      /* "A name" / "SRV name" (lower case) -> CacheSlot */
  GQueue        pending;    /* DeviceLocateRequest */
};

/* A question: the step's own (req->step_q) or a target's (Target.q).
 * In flight while @lookup is set. */
typedef struct {
  DeviceLocateRequest *req;
  HostDnsLookup       *lookup;
  gint                 target;   /* -1: the step's own question */
} Question;

/* One A(target) of an SRV step. */
typedef struct {
  const char    *name;      /* in req->srv_block */
  gboolean       done;
  HostDnsStatus  status;
  SimIp4        *ips;       /* n_ips, answer order (g_free) */
  guint          n_ips;
  SimTime        expires_at;
  Question       q;
} Target;

struct DeviceLocateRequest {
  DeviceLocator   *loc;
  GList            link;        /* in loc->pending; data = this */
  const char      *name;        /* in the block, without a trailing dot */
  const char      *sip_udp_name;   /* "_sip._udp." + name, in the block */
  guint16          port;
  DeviceLookupOrder order;
  DeviceSrvOrder   srv_order;   /* B47: RFC 2782 draw or libre's hash order */
  guint32          sort_key;    /* DEVICE_SRV_HASH: the request's key */
  gboolean         use_cache, fresh;
  DeviceLocateFunc func;
  gpointer         user_data;
  HostTimer        kick;
  gboolean         in_callback;

  Step             steps[4];
  guint            n_steps, step;
  Question         step_q;      /* the step's own question */
  guint            queries;
  HostDnsStatus    last_status;
  SimTime          expires_at;  /* min over the answers used by the current step */

  /* SRV step in progress: srv, targets, srv_target and the targets'
   * text in one block (srv_block, NULL between SRV steps; a step made
   * about ten small allocations, issue 17) */
  gpointer         srv_block;
  HostDnsSrv      *srv;         /* n_srv, RFC 2782 order, usable targets only */
  guint            n_srv;
  guint           *srv_target;  /* per srv record: index into targets */
  Target          *targets;     /* n_targets */
  guint            n_targets;
  guint            targets_left;
};

/* ------------------------------------------------------------ lists */

void
device_server_list_free (DeviceServerList *list)
{
  if (list == NULL)
    return;
  for (guint i = 0; i < list->n; i++)
    g_free (list->c[i].host);
  g_free (list->c);
  g_free (list->description);
  g_free (list);
}

DeviceServerList *
device_server_list_copy (const DeviceServerList *list)
{
  g_return_val_if_fail (list != NULL, NULL);
  DeviceServerList *copy = g_memdup2 (list, sizeof *list);
  copy->c = list->n ? g_memdup2 (list->c, list->n * sizeof list->c[0]) : NULL;
  for (guint i = 0; i < list->n; i++)
    copy->c[i].host = g_strdup (list->c[i].host);
  copy->description = g_strdup (list->description);
  return copy;
}

gint
device_server_list_find (const DeviceServerList *list, const SimSockAddr *addr)
{
  g_return_val_if_fail (list != NULL && addr != NULL, -1);
  for (guint i = 0; i < list->n; i++)
    if (sim_sockaddr_equal (&list->c[i].addr, addr))
      return (gint) i;
  return -1;
}

/* ------------------------------------------------------------ cache */

/* The cache key "A name" / "SRV name", the name in lower case, written
 * into @buf (@size bytes) when it fits, else into a new string set in
 * *@heap (the caller frees it).  A cache lookup is made for every step of
 * every resolution, so the usual key (a DNS name is at most 255 bytes)
 * costs no allocation (issue 17). */
static const char *
cache_key_into (StepKind kind, const char *name, char *buf, gsize size, char **heap)
{
  const char *prefix = kind == STEP_A ? "A " : "SRV ";
  gsize plen = strlen (prefix), nlen = strlen (name);
  char *k = buf;
  *heap = NULL;
  if (plen + nlen + 1 > size)
    k = *heap = g_malloc (plen + nlen + 1);
  memcpy (k, prefix, plen);
  for (gsize i = 0; i < nlen; i++) {
    char c = name[i];
    k[plen + i] = c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;   /* g_ascii_tolower */
  }
  k[plen + nlen] = '\0';
  return k;
}

#define CACHE_KEY_BUF 272

/* The fresh entry for (kind, name), or NULL. */
static const CacheEntry *
cache_get (DeviceLocator *loc, StepKind kind, const char *name)
{
  char buf[CACHE_KEY_BUF];
  g_autofree char *heap = NULL;
  const char *key = cache_key_into (kind, name, buf, sizeof buf, &heap);
  const CacheSlot *slot = g_hash_table_lookup (loc->cache, key);
  if (slot == NULL || slot->entry->expires_at <= host_now (loc->host))
    return NULL;     /* a stale entry stays until its key is refilled */
  return slot->entry;
}

/* Expiry of an answer (B17): now + the smallest TTL of the set. */
static SimTime
answer_expiry (const HostDnsResult *res, SimTime now)
{
  guint32 ttl = G_MAXUINT32;
  for (guint i = 0; i < res->n_a; i++)
    ttl = MIN (ttl, res->a[i].ttl_s);
  for (guint i = 0; i < res->n_srv; i++)
    ttl = MIN (ttl, res->srv[i].ttl_s);
  return now + SIM_S ((gint64) ttl);
}

static void
cache_put (DeviceLocator *loc, StepKind kind, const HostDnsResult *res, SimTime expires_at)
{
  G_STATIC_ASSERT (sizeof (CacheEntry) % G_ALIGNOF (HostDnsSrv) == 0);
  G_STATIC_ASSERT (sizeof (CacheEntry) % G_ALIGNOF (HostDnsA) == 0);
  guint n = kind == STEP_A ? res->n_a : res->n_srv;
  gsize rec = kind == STEP_A ? sizeof (HostDnsA) : sizeof (HostDnsSrv);
  gsize text = 0;
  if (kind != STEP_A)
    for (guint i = 0; i < n; i++)
      text += res->srv[i].target ? strlen (res->srv[i].target) + 1 : 0;
  CacheEntry *e = g_malloc (sizeof *e + n * rec + text);
  e->expires_at = expires_at;
  e->n = n;
  e->a = NULL;
  e->srv = NULL;
  char *recs = (char *) (e + 1);
  if (kind == STEP_A) {
    if (n)
      memcpy (recs, res->a, n * rec);
    e->a = (const HostDnsA *) (void *) recs;
  } else {
    HostDnsSrv *srv = (HostDnsSrv *) (void *) recs;
    char *t = recs + n * rec;
    for (guint i = 0; i < n; i++) {
      srv[i] = res->srv[i];
      if (srv[i].target) {
        gsize len = strlen (srv[i].target) + 1;
        memcpy (t, srv[i].target, len);
        srv[i].target = t;
        t += len;
      }
    }
    e->srv = srv;
  }
  char buf[CACHE_KEY_BUF];
  g_autofree char *heap = NULL;
  const char *key = cache_key_into (kind, res->name, buf, sizeof buf, &heap);
  CacheSlot *slot = g_hash_table_lookup (loc->cache, key);
  if (slot == NULL) {
    gsize klen = strlen (key) + 1;
    slot = g_malloc (sizeof *slot + klen);
    memcpy (slot->key, key, klen);
    slot->entry = NULL;
    g_hash_table_insert (loc->cache, slot->key, slot);
  }
  g_free (slot->entry);
  slot->entry = e;
}

static void
cache_slot_free (gpointer p)
{
  CacheSlot *slot = p;
  g_free (slot->entry);
  g_free (slot);
}

void
device_locator_flush (DeviceLocator *loc)
{
  g_return_if_fail (loc != NULL);
  g_hash_table_remove_all (loc->cache);
}

guint
device_locator_cache_size (DeviceLocator *loc)
{
  g_return_val_if_fail (loc != NULL, 0);
  SimTime now = host_now (loc->host);
  guint n = 0;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, loc->cache);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (((const CacheSlot *) v)->entry->expires_at > now)
      n++;
  return n;
}

/* ---------------------------------------------------------- request */

static void request_next_step (DeviceLocateRequest *req);
static void request_run_step (DeviceLocateRequest *req);
static void srv_step (DeviceLocateRequest *req, const HostDnsSrv *recs, guint n);

/* Ends the SRV step's state (its questions must be answered or
 * cancelled). */
static void
targets_clear (DeviceLocateRequest *req)
{
  for (guint i = 0; i < req->n_targets; i++) {
    g_assert (req->targets[i].q.lookup == NULL);
    g_free (req->targets[i].ips);
  }
  g_clear_pointer (&req->srv_block, g_free);
  req->srv = NULL;
  req->srv_target = NULL;
  req->targets = NULL;
  req->n_srv = req->n_targets = 0;
  req->targets_left = 0;
}

static void
question_cancel (Question *q)
{
  if (q->lookup)
    host_dns_lookup_cancel (g_steal_pointer (&q->lookup));
}

static void
questions_cancel (DeviceLocateRequest *req)
{
  question_cancel (&req->step_q);
  for (guint i = 0; i < req->n_targets; i++)
    question_cancel (&req->targets[i].q);
}

static void
request_free (DeviceLocateRequest *req)
{
  host_timer_cancel (&req->kick);
  questions_cancel (req);
  targets_clear (req);
  g_free (req);          /* the names are in the block */
}

static const char *
kind_name (StepKind k)
{
  return k == STEP_A ? "A" : k == STEP_NAPTR ? "NAPTR" : "SRV";
}

/* Hands @list to the callback and frees the request (note 4). */
static void
request_finish (DeviceLocateRequest *req, DeviceServerList *list)
{
  DeviceLocator *loc = req->loc;
  list->resolved_at = host_now (loc->host);
  list->queries = req->queries;
  if (list->status == DEVICE_LOCATE_OK)
    host_trace (loc->host, "dev dns %s -> %u candidate%s%s", list->description, list->n,
                list->n == 1 ? "" : "s", req->queries == 0 && req->n_steps > 0 ? " (cached)" : "");
  else
    host_trace (loc->host, "dev dns %s -> failed (%s)", req->name,
                host_dns_status_to_string (list->dns_status));
  g_queue_unlink (&loc->pending, &req->link);
  req->in_callback = TRUE;
  req->func (req, list, req->user_data);
  request_free (req);
}

static DeviceServerList *
list_new (DeviceLocateRequest *req, guint n)
{
  DeviceServerList *list = g_new0 (DeviceServerList, 1);
  list->status = DEVICE_LOCATE_OK;
  list->dns_status = HOST_DNS_OK;
  list->n = n;
  list->c = n ? g_new0 (DeviceCandidate, n) : NULL;
  list->expires_at = req->expires_at;
  return list;
}

static void
finish_failed (DeviceLocateRequest *req)
{
  DeviceServerList *list = list_new (req, 0);
  list->status = DEVICE_LOCATE_FAILED;
  list->dns_status = req->last_status;
  list->expires_at = host_now (req->loc->host);
  GString *d = g_string_new ("failed:");
  for (guint i = 0; i < req->n_steps; i++)
    g_string_append_printf (d, "%s %s %s", i ? "," : "", kind_name (req->steps[i].kind),
                            req->steps[i].qname);
  list->description = g_string_free (d, FALSE);
  request_finish (req, list);
}

/* A step's A answer: every address, priority 0 (B12). */
static void
finish_a (DeviceLocateRequest *req, const HostDnsA *a, guint n)
{
  const Step *st = &req->steps[req->step];
  DeviceServerList *list = list_new (req, n);
  guint order_buf[SCRATCH_N];
  g_autofree guint *order_heap = NULL;
  guint *order = SCRATCH (order_buf, order_heap, n);
  for (guint i = 0; i < n; i++)
    order[i] = i;
  if (req->srv_order == DEVICE_SRV_HASH) {
    /* B47: libre's dns_rrlist_sort_addr, not the answer's order. */
    guint32 ips_buf[SCRATCH_N];
    g_autofree guint32 *ips_heap = NULL;
    guint32 *ips = SCRATCH (ips_buf, ips_heap, n);
    for (guint i = 0; i < n; i++)
      ips[i] = a[i].ip;
    device_addr_order_hash (ips, n, req->sort_key, order);
  }
  for (guint i = 0; i < n; i++) {
    list->c[i].addr = (SimSockAddr) { a[order[i]].ip, st->port };
    list->c[i].host = g_strdup (st->qname);
  }
  list->description = g_strconcat ("A ", st->qname, NULL);
  request_finish (req, list);
}

/* Every target has ended: the list in RFC 2782 order (note 2). */
static void
finish_srv (DeviceLocateRequest *req)
{
  const Step *st = &req->steps[req->step];
  guint n = 0;
  SimTime expires = req->expires_at;
  for (guint i = 0; i < req->n_targets; i++) {
    const Target *t = &req->targets[i];
    if (t->status == HOST_DNS_OK)
      expires = MIN (expires, t->expires_at);
  }
  for (guint i = 0; i < req->n_srv; i++) {
    const Target *t = &req->targets[req->srv_target[i]];
    n += t->status == HOST_DNS_OK ? t->n_ips : 0;
  }
  if (n == 0) {
    /* Nothing usable behind the SRV records: this step resolved nothing. */
    targets_clear (req);
    request_next_step (req);
    return;
  }
  req->expires_at = expires;
  DeviceServerList *list = list_new (req, n);
  guint k = 0;
  for (guint i = 0; i < req->n_srv; i++) {
    const HostDnsSrv *s = &req->srv[i];
    const Target *t = &req->targets[req->srv_target[i]];
    if (t->status != HOST_DNS_OK)
      continue;
    guint ord_buf[SCRATCH_N];
    g_autofree guint *ord_heap = NULL;
    guint *ord = SCRATCH (ord_buf, ord_heap, t->n_ips);
    for (guint j = 0; j < t->n_ips; j++)
      ord[j] = j;
    if (req->srv_order == DEVICE_SRV_HASH)
      device_addr_order_hash ((const guint32 *) t->ips, t->n_ips, req->sort_key, ord);
    for (guint j = 0; j < t->n_ips; j++) {
      DeviceCandidate *c = &list->c[k++];
      c->addr = (SimSockAddr) { t->ips[ord[j]], s->port };
      c->priority = s->priority;
      c->weight = s->weight;
      c->host = g_strdup (s->target);
    }
  }
  list->description = g_strconcat ("SRV ", st->qname, NULL);
  targets_clear (req);
  request_finish (req, list);
}

static void
target_done (DeviceLocateRequest *req, guint ti, HostDnsStatus status, const HostDnsA *a,
             guint n, SimTime expires_at)
{
  g_assert (ti < req->n_targets);
  Target *t = &req->targets[ti];
  g_assert (!t->done);
  t->done = TRUE;
  t->status = status;
  t->expires_at = expires_at;
  t->ips = n ? g_new (SimIp4, n) : NULL;
  t->n_ips = n;
  for (guint i = 0; i < n; i++)
    t->ips[i] = a[i].ip;
  g_assert (req->targets_left > 0);
  if (--req->targets_left == 0)
    finish_srv (req);
}

static void
on_answer (HostResolver *resolver, const HostDnsResult *res, gpointer user_data)
{
  Question *q = user_data;
  DeviceLocateRequest *req = q->req;
  DeviceLocator *loc = req->loc;
  gint target = q->target;
  (void) resolver;
  g_assert (q->lookup != NULL);
  q->lookup = NULL;     /* answered; @q is not touched again (it may go
                           with the step's state below) */

  SimTime now = host_now (loc->host);
  req->last_status = res->status;
  gboolean ok = res->status == HOST_DNS_OK;
  StepKind kind = target >= 0 ? STEP_A : req->steps[req->step].kind;
  if (kind == STEP_NAPTR) {
    /* B47: libre asks NAPTR first; the DNS model serves no NAPTR, and a
     * NAPTR answer would not be followed here (note 1): the step only
     * costs its question and moves on, whatever the outcome. */
    request_next_step (req);
    return;
  }
  SimTime expires = ok ? answer_expiry (res, now) : now;
  if (ok && req->use_cache)
    cache_put (loc, kind, res, expires);

  if (target >= 0) {
    target_done (req, (guint) target, res->status, res->a, ok ? res->n_a : 0, expires);
    return;
  }
  if (!ok) {
    request_next_step (req);
    return;
  }
  req->expires_at = MIN (req->expires_at, expires);
  if (kind == STEP_A) {
    finish_a (req, res->a, res->n_a);
    return;
  }
  srv_step (req, res->srv, res->n_srv);
}

static void
ask (DeviceLocateRequest *req, StepKind kind, const char *name, gint target)
{
  Question *q = target >= 0 ? &req->targets[target].q : &req->step_q;
  g_assert (q->lookup == NULL);
  q->req = req;
  q->target = target;
  req->queries++;
  q->lookup = kind == STEP_A
    ? host_resolver_lookup_a (req->loc->resolver, name, on_answer, q)
    : kind == STEP_NAPTR
    ? host_resolver_lookup_naptr (req->loc->resolver, name, on_answer, q)
    : host_resolver_lookup_srv (req->loc->resolver, name, on_answer, q);
}

/* An SRV answer (from the wire or the cache): order the records, then
 * the addresses of every distinct target (note 2).  The records are only
 * read during the call. */
static void
srv_step (DeviceLocateRequest *req, const HostDnsSrv *recs, guint n)
{
  DeviceLocator *loc = req->loc;
  /* Nothing to order or ask: this step resolved nothing.  Checked before
   * the ordering, which draws nothing for no records (srv.c), so the
   * stream is the same either way. */
  if (n == 0) {
    request_next_step (req);
    return;
  }
  DeviceSrvKey keys_buf[SCRATCH_N];
  guint order_buf[SCRATCH_N];
  g_autofree DeviceSrvKey *keys_heap = NULL;
  g_autofree guint *order_heap = NULL;
  DeviceSrvKey *keys = SCRATCH (keys_buf, keys_heap, n);
  guint *order = SCRATCH (order_buf, order_heap, n);
  for (guint i = 0; i < n; i++)
    keys[i] = (DeviceSrvKey) { recs[i].priority, recs[i].weight };
  if (req->srv_order == DEVICE_SRV_HASH) {
    const char *names_buf[SCRATCH_N];
    g_autofree const char **names_heap = NULL;
    const char **names = SCRATCH (names_buf, names_heap, n);
    for (guint i = 0; i < n; i++)
      names[i] = recs[i].target ? recs[i].target : "";
    device_srv_order_hash (keys, (const char *const *) names, n, req->sort_key, order);
  } else {
    device_srv_order (keys, n, loc->rng, order);
  }

  /* One block: n records, n targets, n indices, the targets' text. */
  G_STATIC_ASSERT (sizeof (HostDnsSrv) % G_ALIGNOF (Target) == 0);
  G_STATIC_ASSERT (sizeof (Target) % G_ALIGNOF (guint) == 0);
  gsize text = 0;
  for (guint i = 0; i < n; i++)
    text += recs[i].target ? strlen (recs[i].target) + 1 : 0;
  g_assert (req->srv_block == NULL);
  req->srv_block = g_malloc (n * (sizeof (HostDnsSrv) + sizeof (Target) + sizeof (guint)) + text);
  req->srv = req->srv_block;
  req->targets = (Target *) (void *) (req->srv + n);
  memset (req->targets, 0, n * sizeof (Target));   /* the rest is written before it is read */
  req->srv_target = (guint *) (void *) (req->targets + n);
  char *t_text = (char *) (req->srv_target + n);
  for (guint i = 0; i < n; i++) {
    HostDnsSrv s = recs[order[i]];
    /* RFC 2782: target "." means the service is not available there. */
    if (s.target == NULL || s.target[0] == '\0' || strcmp (s.target, ".") == 0)
      continue;
    gsize len = strlen (s.target) + 1;
    memcpy (t_text, s.target, len);
    s.target = t_text;
    t_text += len;
    guint ti = 0;
    while (ti < req->n_targets && g_ascii_strcasecmp (req->targets[ti].name, s.target) != 0)
      ti++;
    if (ti == req->n_targets)
      req->targets[req->n_targets++].name = s.target;   /* its first spelling */
    req->srv_target[req->n_srv] = ti;
    req->srv[req->n_srv++] = s;
  }
  guint nt = req->n_targets;
  if (nt == 0) {
    targets_clear (req);
    request_next_step (req);
    return;
  }
  req->targets_left = nt;
  /* Cache hits first (they complete synchronously and may finish the
   * step when every target is cached), then the questions. */
  gboolean need_buf[SCRATCH_N];
  g_autofree gboolean *need_heap = NULL;
  gboolean *need = SCRATCH (need_buf, need_heap, nt);
  for (guint i = 0; i < nt; i++)
    need[i] = TRUE;
  for (guint i = 0; i < nt; i++) {
    const Target *t = &req->targets[i];
    const CacheEntry *e = req->use_cache && !req->fresh ? cache_get (loc, STEP_A, t->name) : NULL;
    if (e == NULL)
      continue;
    need[i] = FALSE;
    req->last_status = HOST_DNS_OK;
    if (req->targets_left == 1) {
      /* The last one: this call ends the step (and may free req). */
      target_done (req, i, HOST_DNS_OK, e->a, e->n,
                   e->expires_at);
      return;
    }
    target_done (req, i, HOST_DNS_OK, e->a, e->n,
                 e->expires_at);
  }
  for (guint i = 0; i < nt; i++)
    if (need[i])
      ask (req, STEP_A, req->targets[i].name, (gint) i);
}

static void
request_next_step (DeviceLocateRequest *req)
{
  req->step++;
  req->expires_at = G_MAXINT64;
  if (req->step >= req->n_steps) {
    finish_failed (req);
    return;
  }
  request_run_step (req);
}

static void
request_run_step (DeviceLocateRequest *req)
{
  const Step *st = &req->steps[req->step];
  const CacheEntry *e = req->use_cache && !req->fresh && st->kind != STEP_NAPTR
                          ? cache_get (req->loc, st->kind, st->qname) : NULL;
  if (e == NULL) {
    ask (req, st->kind, st->qname, -1);
    return;
  }
  req->last_status = HOST_DNS_OK;
  req->expires_at = MIN (req->expires_at, e->expires_at);
  if (st->kind == STEP_A)
    finish_a (req, e->a, e->n);
  else
    srv_step (req, e->srv, e->n);
}

static void
on_kick (HostTimer *timer, gpointer user_data)
{
  DeviceLocateRequest *req = user_data;
  if (req->n_steps == 0) {
    /* An IPv4 literal: no DNS at all. */
    SimIp4 ip = 0;
    gboolean ok = sim_ip4_parse (req->name, &ip);
    g_assert (ok);
    DeviceServerList *list = list_new (req, 1);
    list->c[0].addr = (SimSockAddr) { ip, req->port ? req->port : SIP_DEFAULT_PORT };
    list->c[0].host = g_strdup (req->name);
    list->expires_at = G_MAXINT64;
    list->description = g_strdup ("literal");
    request_finish (req, list);
    return;
  }
  request_run_step (req);
}

static void
add_step (DeviceLocateRequest *req, StepKind kind, const char *qname, guint16 port)
{
  g_assert (req->n_steps < G_N_ELEMENTS (req->steps));
  req->steps[req->n_steps++] = (Step) { kind, qname, port };
}

/* The steps of note 1. */
static void
plan_steps (DeviceLocateRequest *req)
{
  const char *name = req->name, *sip_udp = req->sip_udp_name;
  guint16 port = req->port;
  switch (req->order) {
  case DEVICE_LOOKUP_OBI:
    /* B11: A first with the configured port; SRV ports override it. */
    add_step (req, STEP_A, name, port ? port : SIP_DEFAULT_PORT);
    add_step (req, STEP_SRV, name, 0);
    add_step (req, STEP_SRV, sip_udp, 0);
    break;
  case DEVICE_LOOKUP_LIBRE:
    /* B47 (libre request.c sip_request, naptr_handler, srv_handler): a
     * port given means A only; else NAPTR, then the SRV of the transport
     * (UDP here), then A on 5060. */
    if (port != 0) {
      add_step (req, STEP_A, name, port);
    } else {
      add_step (req, STEP_NAPTR, name, 0);
      add_step (req, STEP_SRV, sip_udp, 0);
      add_step (req, STEP_A, name, SIP_DEFAULT_PORT);
    }
    break;
  case DEVICE_LOOKUP_RFC3263:   /* §4.2: a port given means A only */
  case DEVICE_LOOKUP_AASTRA:    /* B13: SRV only for an FQDN with port 0 */
  default:
    if (port != 0) {
      add_step (req, STEP_A, name, port);
    } else {
      add_step (req, STEP_SRV, sip_udp, 0);
      add_step (req, STEP_A, name, SIP_DEFAULT_PORT);
    }
    break;
  }
}

DeviceLocateRequest *
device_locator_resolve (DeviceLocator *loc, const char *name, guint16 port,
                        DeviceLookupOrder order, gboolean use_cache, gboolean fresh,
                        DeviceLocateFunc func, gpointer user_data)
{
  g_return_val_if_fail (loc != NULL, NULL);
  g_return_val_if_fail (name != NULL && name[0] != '\0', NULL);
  g_return_val_if_fail (func != NULL, NULL);

  /* Names are absolute: a trailing dot changes nothing. */
  gsize len = strlen (name);
  if (len > 1 && name[len - 1] == '.')
    len--;
  /* One block: the request, the name, "_sip._udp." + the name (the steps'
   * names point there; five allocations a resolve before, issue 17). */
  static const char sip_udp[] = "_sip._udp.";
  gsize plen = sizeof sip_udp - 1;
  /* g_malloc: calloc of the whole block cost more than zeroing the struct */
  DeviceLocateRequest *req = g_malloc (sizeof *req + (len + 1) + (plen + len + 1));
  char *text = (char *) (req + 1);
  memcpy (text, name, len);
  text[len] = '\0';
  char *su = text + len + 1;
  memcpy (su, sip_udp, plen);
  memcpy (su + plen, name, len);
  su[plen + len] = '\0';
  *req = (DeviceLocateRequest) {
    .loc = loc, .name = text, .sip_udp_name = su, .port = port, .order = order,
    .use_cache = use_cache, .fresh = fresh, .func = func, .user_data = user_data,
    .last_status = HOST_DNS_OK, .expires_at = G_MAXINT64,
  };
  SimIp4 ip;
  if (!sim_ip4_parse (req->name, &ip))
    plan_steps (req);
  req->link.data = req;
  g_queue_push_tail_link (&loc->pending, &req->link);
  host_timer_init (loc->host, &req->kick, on_kick, req);
  host_timer_start (&req->kick, 0);
  return req;
}

void
device_locate_set_order (DeviceLocateRequest *req, DeviceSrvOrder order, guint32 sort_key)
{
  g_return_if_fail (req != NULL);
  req->srv_order = order;
  req->sort_key = sort_key;
}

void
device_locate_cancel (DeviceLocateRequest *req)
{
  if (req == NULL || req->in_callback)
    return;
  g_queue_unlink (&req->loc->pending, &req->link);
  request_free (req);
}

/* --------------------------------------------------------- locator */

DeviceLocator *
device_locator_new (SimHost *host, HostResolver *resolver, SimRng *rng)
{
  g_return_val_if_fail (host != NULL && resolver != NULL && rng != NULL, NULL);
  DeviceLocator *loc = g_new0 (DeviceLocator, 1);
  loc->host = host;
  loc->resolver = resolver;
  loc->rng = rng;
  /* keys live in their slots: freed with them */
  loc->cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, cache_slot_free);
  g_queue_init (&loc->pending);
  return loc;
}

void
device_locator_free (DeviceLocator *loc)
{
  if (loc == NULL)
    return;
  GList *l;
  while ((l = g_queue_pop_head_link (&loc->pending)) != NULL)
    request_free (l->data);
  g_hash_table_unref (loc->cache);
  g_free (loc);
}
