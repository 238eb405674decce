/*
 * models/device/account.c - one account (SPn): its socket, and the policy
 * that decides where and when it registers: lookup, the walk over the
 * candidate list, failover, failback, retries, keep-alives and NAT
 * discovery.  The bytes are built by reg.c and keepalive.c; this file only
 * decides.
 *
 * Notes
 *
 * 1. Rounds.  Every REGISTER belongs to a round: a walk over the candidate
 *    list (locator.h) that ends when a server answers 2xx or the list is
 *    exhausted.  What a round starts from depends on why it started
 *    (RoundKind) and on the redundancy mode:
 *
 *      round      SEARCH (obihai, B19/B20)          PRIMARY_FIRST (aastra, rfc; B25)
 *      INITIAL    from the top                      from the top
 *      REFRESH    the server in use only            from the top (failback at renewal)
 *      FAILOVER   fresh lookup (B17), then the      as SEARCH
 *                 candidate after the failed one
 *      PROBE      candidates of higher priority     (not used)
 *                 than the server in use (B20)
 *      REMAP      the server in use, new contact    as SEARCH
 *                 (B45)
 *
 *    Within a walk a server failure (B38: timeout, ICMP, 503 or a listed
 *    code) moves to the next candidate at once, with a new transaction
 *    (RFC 3263 §4.3); an account failure (403, 404, auth failure, ...)
 *    ends the round.  Without redundancy (X_ProxyServerRedundancy off, or
 *    one candidate) only the first candidate is ever tried.  A candidate
 *    that answered 503 with Retry-After is skipped until it expires (B7).
 *
 * 2. After a round fails.  SEARCH with redundancy: the short break, or the
 *    Retry-After of the last answer (B19, B6).  Otherwise the profile's
 *    retry rule (timing.h device_retry_wait: fixed, Aastra rejection/
 *    timeout timers, RFC 5626 back-off; Retry-After wins, B6).  Then a new
 *    INITIAL round.  A failed PROBE is not a failure: the account stays
 *    where it is and probes again after failback_interval.
 *
 * 3. Registered.  A 2xx starts the refresh timer (B5, device_refresh_delay)
 *    and the expiry timer (the binding's end as the device sees it).  A
 *    probe never stops the refresh timer.  A failback probe that falls due
 *    less than Timer F before the next refresh waits until just after it
 *    (a probe to a dead server holds the account for Timer F, and a
 *    refresh held that long can let a short binding lapse); a refresh that
 *    still comes due while a probe is in flight waits for the probe, and a
 *    binding that lapsed meanwhile is renewed at the server in use as soon
 *    as the probe ends.
 *    The state stays REGISTERED while the binding is in force, whatever
 *    rounds run meanwhile; when the expiry passes with no new 2xx it drops
 *    to REGISTERING/RESOLVING/WAITING (DEVICE_EVENT_REG_EXPIRED).
 *
 * 4. NAT (B39, B45).  The 2xx's received/rport, and a STUN keep-alive's
 *    XOR-MAPPED-ADDRESS, give the public address.  With use_mapped_contact
 *    the contact of every REGISTER and keep-alive is that address; when the
 *    registered contact differs from it (first registration behind a NAT,
 *    NAT reboot, rebinding) and reregister_on_change is set, a REMAP round
 *    re-registers at once, listing the old contact with expires=0.  Without
 *    use_mapped_contact (rfc), a changed mapping is an RFC 5626 flow
 *    failure: REMAP at once with the same contact.  At most three REMAPs in
 *    a row, so a NAT that gives a new port to every packet cannot make the
 *    device loop.
 *
 * 5. Keep-alives (B23, B40).  Every X_KeepAliveExpires to X_KeepAliveServer
 *    (default: the registered server); options, notify and custom kinds
 *    that get no answer within keepalive_timeout count as a server failure
 *    of the registered server when redundancy is on: a FAILOVER round
 *    starts at once (if no other round is running).  RFC 5626 (outbound
 *    on and Require: outbound in the 2xx): a STUN keep-alive every
 *    80-100 % of Flow-Timer or 24-29 s; no answer or a changed mapping is
 *    a flow failure (FAILOVER / REMAP).
 *
 * 6. B21 secondary registration (SEARCH, redundancy and
 *    X_SecondaryRegistration): a second leg, with its own Call-ID, keeps a
 *    registration with the first candidate after the primary that accepts
 *    (a server of lower or equal priority).  When the primary fails, the
 *    secondary is promoted at once (hot standby: no walk, no Timer F on the
 *    next server) and a new secondary is searched.  BEHAVIOUR.md says the
 *    OBi text for this was not available: this is the "likely model".
 *
 * State machine (DeviceAccountState; REGISTERED overrides the others while
 * a binding is in force):
 *
 *   DISABLED --start--> STARTING --delay--> RESOLVING --list--> REGISTERING
 *                                              ^  |                |  |
 *                                              |  +--DNS failed--+ |  +--2xx--> REGISTERED
 *                                              |                 v v               |
 *                                              +------retry---- WAITING <--expiry--+
 *
 *   STARTING   -> RESOLVING   [acc_on_next_timer: start-up delay over]
 *   RESOLVING  -> REGISTERING [acc_send_register]
 *   RESOLVING  -> WAITING     [acc_round_exhausted: DNS failure]
 *   REGISTERING-> REGISTERED  [acc_on_registered]
 *   REGISTERING-> WAITING     [acc_round_exhausted]
 *   WAITING    -> RESOLVING   [acc_on_next_timer: retry]
 *   REGISTERED -> RESOLVING/REGISTERING/WAITING [acc_on_expiry]
 */
#include <string.h>

#include "models/device/device-private.h"
#include "models/device/timing.h"
#include "models/sip/builder.h"
#include "models/sip/framing.h"
#include "models/stun/msg.h"
#include "models/stun/responder.h"

#define MAX_REMAPS 3

static void acc_try_next       (DeviceAccount *acc);
static void acc_round_exhausted (DeviceAccount *acc);
static void acc_resolve        (DeviceAccount *acc, gboolean fresh);
static void acc_start_round    (DeviceAccount *acc, RoundKind kind, gboolean fresh);
static void acc_sec_start      (DeviceAccount *acc);
static void acc_on_located     (DeviceLocateRequest *req, DeviceServerList *list, gpointer u);

/* ------------------------------------------------------------- helpers */

static SimHost *
acc_host (const DeviceAccount *acc)
{
  return acc->dev->host;
}

static void acc_trace (DeviceAccount *acc, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
acc_trace (DeviceAccount *acc, const char *fmt, ...)
{
  /* In pieces, so the message is formatted once, and only if read. */
  host_trace_begin (acc_host (acc));
  host_trace_str (acc_host (acc), "dev ");
  host_trace_str (acc_host (acc), acc->name);
  host_trace_str (acc_host (acc), " ");
  va_list ap;
  va_start (ap, fmt);
  host_trace_printfv (acc_host (acc), fmt, ap);
  va_end (ap);
  host_trace_end (acc_host (acc));
}

static const char *
addr_str (const SimSockAddr *a, char buf[SIM_SOCKADDR_STRLEN])
{
  return sim_sockaddr_to_string (a, buf);
}

static void
acc_event_init (DeviceAccount *acc, DeviceEvent *ev, DeviceEventKind kind)
{
  memset (ev, 0, sizeof *ev);
  ev->kind = kind;
  ev->time = host_now (acc_host (acc));
  ev->account = acc->n;
  ev->from = ev->to = acc->state;
}

/* The state shown while no binding is in force. */
static void
acc_set_state (DeviceAccount *acc, DeviceAccountState s)
{
  if (acc->registered && s != DEVICE_ACC_REGISTERED && s != DEVICE_ACC_DISABLED)
    s = DEVICE_ACC_REGISTERED;               /* note 3 */
  if (s == acc->state)
    return;
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_STATE);
  ev.from = acc->state;
  ev.to = s;
  acc->state = s;
  acc_trace (acc, "state %s -> %s", device_account_state_to_string (ev.from),
             device_account_state_to_string (s));
  device_emit (acc->dev, &ev);
}

static gboolean
acc_redundancy (const DeviceAccount *acc)
{
  /* B18: redundancy needs the switch and a name with several candidates
   * (an IP literal gives one, so the "domain name" precondition holds by
   * construction). */
  return acc->cfg->redundancy && acc->list != NULL && acc->list->n > 1;
}

static gboolean
acc_is_blocked (DeviceAccount *acc, const SimSockAddr *a)
{
  SimTime now = host_now (acc_host (acc));
  for (guint i = 0; i < acc->blocked->len; i++) {
    BlockedServer *b = &g_array_index (acc->blocked, BlockedServer, i);
    if (sim_sockaddr_equal (&b->addr, a))
      return b->until > now;
  }
  return FALSE;
}

static void
acc_block (DeviceAccount *acc, const SimSockAddr *a, gint64 seconds)
{
  SimTime until = host_now (acc_host (acc)) + SIM_S (seconds);
  for (guint i = 0; i < acc->blocked->len; i++) {
    BlockedServer *b = &g_array_index (acc->blocked, BlockedServer, i);
    if (sim_sockaddr_equal (&b->addr, a)) {
      b->until = until;
      return;
    }
  }
  BlockedServer b = { *a, until };
  g_array_append_val (acc->blocked, b);
}

static gint
list_position (const DeviceServerList *list, const SimSockAddr *a)
{
  return list ? device_server_list_find (list, a) : -1;
}

/* The local address toward @dst, for Via and the unmapped contact. */
static SimIp4
acc_local_ip (DeviceAccount *acc, SimIp4 dst)
{
  SimIp4 ip = acc->local.ip;
  if (ip == SIM_IP4_ANY && !host_get_local_addr (acc_host (acc), dst, &ip))
    ip = SIM_IP4_ANY;
  return ip;
}

static void
acc_contact_for (DeviceAccount *acc, SimIp4 dst, SimSockAddr *out)
{
  if (acc->cfg->use_mapped_contact && acc->mapped_known)
    *out = acc->mapped;                              /* B39 */
  else
    *out = (SimSockAddr) { acc_local_ip (acc, dst), acc->local.port };
}

/* ------------------------------------------------------- round control */

static void
acc_cancel_round (DeviceAccount *acc)
{
  if (acc->locate) {
    device_locate_cancel (acc->locate);
    acc->locate = NULL;
  }
  device_reg_cancel (acc->reg);
  acc->round = ROUND_NONE;
  acc->has_trying = FALSE;
}

static void
acc_start_round (DeviceAccount *acc, RoundKind kind, gboolean fresh)
{
  acc_cancel_round (acc);
  /* Note 3: a failback probe leaves the refresh timer running. */
  if (kind != ROUND_PROBE) {
    host_timer_cancel (&acc->next_timer);
    acc->refresh_at = -1;
  }
  acc->round = kind;
  acc_resolve (acc, fresh);
}

static void
acc_on_located (DeviceLocateRequest *req, DeviceServerList *list, gpointer u)
{
  DeviceAccount *acc = u;
  (void) req;
  acc->locate = NULL;

  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_LOOKUP);
  ev.n_candidates = list->status == DEVICE_LOCATE_OK ? list->n : 0;
  if (ev.n_candidates > 0)
    ev.server = list->c[0].addr;
  ev.detail = list->description;
  if (list->queries > 0)
    acc->dev->stats.dns_lookups++;
  acc_trace (acc, "lookup %s -> %u candidates", list->description ? list->description : "",
             ev.n_candidates);
  device_emit (acc->dev, &ev);

  if (list->status != DEVICE_LOCATE_OK || list->n == 0) {
    device_server_list_free (list);
    acc->last_fail = DEVICE_FAIL_DNS;           /* B6 "901", B38 */
    acc->last_retry_after = -1;
    acc_round_exhausted (acc);
    return;
  }

  /* Aastra's backup registrar (B25) is the last candidate. */
  const DeviceAccountConfig *cfg = acc->cfg;
  SimIp4 bip;
  if (cfg->backup_registrar && cfg->backup_registrar[0]
      && sim_ip4_parse (cfg->backup_registrar, &bip) && bip != SIM_IP4_ANY) {
    SimSockAddr ba = { bip, cfg->backup_registrar_port ? cfg->backup_registrar_port : 5060 };
    if (device_server_list_find (list, &ba) < 0) {
      list->c = g_renew (DeviceCandidate, list->c, list->n + 1);
      list->c[list->n] = (DeviceCandidate) { .addr = ba, .priority = G_MAXUINT16,
                                             .weight = 0,
                                             .host = g_strdup (cfg->backup_registrar) };
      list->n++;
    }
  }

  device_server_list_free (acc->list);
  acc->list = list;

  gint pos;
  switch (acc->round) {
  case ROUND_REFRESH:
  case ROUND_REMAP:
    pos = acc->has_server ? list_position (list, &acc->server) : -1;
    if (cfg->redundancy_mode == DEVICE_REDUNDANCY_SEARCH || acc->round == ROUND_REMAP)
      acc->cursor = (pos >= 0 && acc_redundancy (acc)) ? (guint) pos : 0;
    else
      acc->cursor = 0;                            /* B25: primary first on renewals */
    break;
  case ROUND_FAILOVER:
    pos = list_position (list, &acc->failed_server);
    if (pos > 0) {
      /* The fresh answer may order one priority's servers differently
       * (DNS rotation of A records, RFC 2782 weight draws): the failed
       * one goes first among its equals, so the walk after it covers
       * every other server of its priority (B12, RFC 3263 §4.3), not
       * only those the new order happens to put after it. */
      gint j = pos;
      while (j > 0 && list->c[j - 1].priority == list->c[pos].priority)
        j--;
      DeviceCandidate failed = list->c[pos];
      memmove (&list->c[j + 1], &list->c[j], (gsize) (pos - j) * sizeof list->c[0]);
      list->c[j] = failed;
      pos = j;
    }
    acc->cursor = pos >= 0 ? (guint) pos + 1 : 0;
    break;
  case ROUND_PROBE:
  case ROUND_INITIAL:
  case ROUND_NONE:
  default:
    acc->cursor = 0;
    break;
  }
  acc_try_next (acc);
}

static void
acc_resolve (DeviceAccount *acc, gboolean fresh)
{
  /* B17: a list whose answers are all within their TTL is used as it is;
   * the lookup steps that failed (OBi's A and bare-name SRV before the
   * _sip._udp SRV) are not asked again on every refresh. */
  if (!fresh && acc->cfg->dns_cache && acc->list != NULL
      && acc->list->expires_at > host_now (acc_host (acc))) {
    acc_on_located (NULL, device_server_list_copy (acc->list), acc);
    return;
  }
  acc_set_state (acc, DEVICE_ACC_RESOLVING);
  acc->locate = device_locator_resolve (acc->dev->locator, acc->target, acc->target_port,
                                        acc->cfg->lookup_order, acc->cfg->dns_cache, fresh,
                                        acc_on_located, acc);
}

/* ------------------------------------------------------------ REGISTER */

static void acc_on_reg (DeviceReg *reg, const DeviceRegResult *r, gpointer u);

/* A REGISTER toward @server from the account's socket: Via from the local
 * address, Contact from the learnt one if in use (B39). */
static void
acc_request_for (DeviceAccount *acc, const SimSockAddr *server, DeviceRegRequest *req,
                 SimSockAddr *contact)
{
  *req = (DeviceRegRequest) { 0 };
  req->server = *server;
  req->flow = acc->sock;
  req->via_ip = acc_local_ip (acc, server->ip);
  req->via_port = acc->local.port;
  acc_contact_for (acc, server->ip, contact);
  req->contact_ip = contact->ip;
  req->contact_port = contact->port;
}

static void
acc_send_register (DeviceAccount *acc, const DeviceCandidate *c)
{
  DeviceRegRequest req;
  SimSockAddr contact;
  acc_request_for (acc, &c->addr, &req, &contact);
  if (acc->round == ROUND_REMAP && acc->contact_known
      && !sim_sockaddr_equal (&acc->contact, &contact)) {
    req.remove_old = TRUE;                       /* B45, note 4 */
    req.old_ip = acc->contact.ip;
    req.old_port = acc->contact.port;
  }
  acc->trying = c->addr;
  acc->trying_priority = c->priority;
  acc->has_trying = TRUE;

  char b[SIM_SOCKADDR_STRLEN];
  static const char *round_names[] = { "none", "initial", "refresh", "failover", "probe",
                                       "remap" };
  acc_trace (acc, "register %s to %s (candidate %u of %u, priority %u)",
             round_names[acc->round], addr_str (&c->addr, b), acc->cursor + 1, acc->list->n,
             c->priority);
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_REGISTER_SENT);
  ev.server = c->addr;
  ev.detail = round_names[acc->round];
  device_emit (acc->dev, &ev);
  acc_set_state (acc, DEVICE_ACC_REGISTERING);
  device_reg_start (acc->reg, &req, acc_on_reg, acc);
}

static void
acc_try_next (DeviceAccount *acc)
{
  while (acc->list && acc->cursor < acc->list->n) {
    const DeviceCandidate *c = &acc->list->c[acc->cursor];
    if (acc->round == ROUND_PROBE && c->priority >= acc->probe_priority)
      break;                                     /* B20: only higher priorities */
    if (acc->cursor > 0 && !acc_redundancy (acc))
      break;                                     /* B18: no redundancy, first only */
    if (acc_is_blocked (acc, &c->addr)) {        /* B7 */
      char b[SIM_SOCKADDR_STRLEN];
      acc_trace (acc, "skip %s (Retry-After)", addr_str (&c->addr, b));
      acc->cursor++;
      continue;
    }
    acc_send_register (acc, c);
    return;
  }
  acc_round_exhausted (acc);
}

static void
acc_arm_failback (DeviceAccount *acc)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  if (cfg->redundancy_mode != DEVICE_REDUNDANCY_SEARCH || !acc_redundancy (acc)
      || cfg->failback_interval <= 0) {
    host_timer_cancel (&acc->failback_timer);
    return;
  }
  /* B20: the "primary fallback list" is every candidate of higher priority
   * (lower value); empty when the server in use is top priority, and with
   * A records only (all equal), so no failback then (as B35 says of SPA). */
  gboolean higher = FALSE;
  for (guint i = 0; i < acc->list->n; i++)
    if (acc->list->c[i].priority < acc->server_priority)
      higher = TRUE;
  if (!higher)
    host_timer_cancel (&acc->failback_timer);
  else if (!host_timer_is_pending (&acc->failback_timer))
    host_timer_start (&acc->failback_timer, cfg->failback_interval);
}

static void
acc_round_exhausted (DeviceAccount *acc)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  RoundKind was = acc->round;
  acc->round = ROUND_NONE;
  acc->has_trying = FALSE;

  if (was == ROUND_PROBE) {
    /* Note 2: a failed probe leaves the account where it is. */
    acc_trace (acc, "failback probe found no higher-priority server");
    acc_set_state (acc, acc->registered ? DEVICE_ACC_REGISTERED : DEVICE_ACC_WAITING);
    if (acc->refresh_due || !acc->registered) {
      /* Note 3: the refresh held back by the probe, or the binding that
       * lapsed during it, goes to the server in use now. */
      acc->refresh_due = FALSE;
      acc_start_round (acc, ROUND_REFRESH, FALSE);
      return;
    }
    acc_arm_failback (acc);
    return;
  }

  acc->failures++;
  SimTime wait;
  if (cfg->redundancy_mode == DEVICE_REDUNDANCY_SEARCH && cfg->redundancy
      && acc->last_fail != DEVICE_FAIL_REJECTED)
    /* B19: the whole list failed: short break, then the same walk again;
     * a Retry-After asks for exactly that long (B6). */
    wait = acc->last_retry_after >= 0 ? SIM_S (acc->last_retry_after) : cfg->short_break;
  else
    wait = device_retry_wait (cfg, acc->last_fail, acc->last_retry_after, acc->failures,
                              &acc->rng);
  acc_trace (acc, "round failed (%s, %u in a row): next attempt in %" G_GINT64_FORMAT " ms",
             device_fail_kind_to_string (acc->last_fail), acc->failures, wait / SIM_MS (1));
  acc_set_state (acc, DEVICE_ACC_WAITING);
  host_timer_start (&acc->next_timer, wait);
}

/* A server failure of the server in use (refresh, keep-alive, flow): move
 * on from it (note 1 FAILOVER). */
static void
acc_failover (DeviceAccount *acc, const SimSockAddr *failed)
{
  char b[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "server %s failed: failover", addr_str (failed, b));

  /* B21: a secondary registration is promoted at once. */
  if (acc->sec_registered && !sim_sockaddr_equal (&acc->sec_server, failed)) {
    DeviceReg *t = acc->reg;
    acc_cancel_round (acc);
    host_timer_cancel (&acc->sec_timer);
    acc->reg = acc->sec_reg;
    acc->sec_reg = t;
    SimSockAddr prev = acc->server;
    acc->server = acc->sec_server;
    gint pos = list_position (acc->list, &acc->server);
    acc->server_priority = pos >= 0 ? acc->list->c[pos].priority : G_MAXUINT16;
    acc->sec_registered = FALSE;
    DeviceEvent ev;
    acc_event_init (acc, &ev, DEVICE_EVENT_SERVER_CHANGE);
    ev.server = acc->server;
    ev.prev_server = prev;
    ev.failover = TRUE;
    ev.detail = "secondary promoted";
    acc->dev->stats.failovers++;
    acc_trace (acc, "secondary %s promoted to primary", addr_str (&acc->server, b));
    device_emit (acc->dev, &ev);
    /* Refresh the promoted binding on its own schedule: at once is the
     * simple safe choice (its refresh timer belonged to the other leg). */
    acc_start_round (acc, ROUND_REFRESH, FALSE);
    acc_sec_start (acc);
    return;
  }

  acc->failed_server = *failed;
  acc_start_round (acc, ROUND_FAILOVER, acc->cfg->fresh_lookup_on_failover);
}

/* ------------------------------------------------------------- NAT */

/* A public address learnt from @source ("rport", "stun").  Returns TRUE if
 * a REMAP round was started. */
static gboolean
acc_on_mapped (DeviceAccount *acc, const SimSockAddr *mapped, const char *source,
               gboolean may_remap)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  gboolean had = acc->mapped_known;
  gboolean changed = !had || !sim_sockaddr_equal (&acc->mapped, mapped);
  if (changed) {
    acc->mapped = *mapped;
    acc->mapped_known = TRUE;
    acc->dev->stats.mapping_changes++;
    char b[SIM_SOCKADDR_STRLEN];
    acc_trace (acc, "mapped address %s (from %s)", addr_str (mapped, b), source);
    DeviceEvent ev;
    acc_event_init (acc, &ev, DEVICE_EVENT_MAPPING);
    ev.mapped = *mapped;
    ev.server = acc->server;
    ev.detail = source;
    device_emit (acc->dev, &ev);
  }
  gboolean remap;
  if (cfg->use_mapped_contact)
    remap = acc->contact_known && !sim_sockaddr_equal (&acc->contact, &acc->mapped);
  else
    remap = changed && had;                      /* RFC 5626 §4.4.2: flow failure */
  if (!remap || !cfg->reregister_on_change || !may_remap || !acc->registered
      || acc->round != ROUND_NONE)
    return FALSE;
  if (acc->remaps >= MAX_REMAPS) {
    acc_trace (acc, "mapping keeps changing: no immediate re-REGISTER (limit %d)", MAX_REMAPS);
    return FALSE;
  }
  acc->remaps++;
  acc_start_round (acc, ROUND_REMAP, FALSE);     /* B45: at once */
  return TRUE;
}

/* ------------------------------------------------------------ outcomes */

static void
acc_on_registered (DeviceAccount *acc, const DeviceRegResult *r)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  RoundKind was = acc->round;
  char b[SIM_SOCKADDR_STRLEN], b2[SIM_SOCKADDR_STRLEN];

  acc->round = ROUND_NONE;
  acc->has_trying = FALSE;
  acc->failures = 0;
  acc->dev->stats.registrations++;

  if (r->granted_s == 0) {
    /* A 2xx that grants nothing leaves no binding: an account failure,
     * not a reason to refresh at once and loop. */
    acc->last_fail = DEVICE_FAIL_REJECTED;
    acc->last_retry_after = -1;
    acc->round = was;
    acc_round_exhausted (acc);
    return;
  }

  gboolean moved = acc->has_server && !sim_sockaddr_equal (&acc->server, &r->server);
  SimSockAddr prev = acc->server;
  guint16 old_priority = acc->server_priority;
  gint new_pos = list_position (acc->list, &r->server);
  guint16 new_priority = new_pos >= 0 ? acc->list->c[new_pos].priority : acc->trying_priority;
  /* Failback = to a higher priority (lower value) than the server left;
   * anything else, equal priority included, is a failover.  Positions in
   * the list would not do: a DNS server rotates equal A records. */
  gboolean failback = moved && new_priority < old_priority;

  acc->server = r->server;
  acc->has_server = TRUE;
  acc->server_priority = new_priority;
  acc->registered = TRUE;
  acc_contact_for (acc, r->server.ip, &acc->contact);
  acc->contact_known = TRUE;
  if (was != ROUND_REMAP)
    acc->remaps = 0;

  DeviceEvent ev;
  if (moved) {
    acc_event_init (acc, &ev, DEVICE_EVENT_SERVER_CHANGE);
    ev.server = r->server;
    ev.prev_server = prev;
    ev.failback = failback;
    ev.failover = !failback;
    if (ev.failback)
      acc->dev->stats.failbacks++;
    else
      acc->dev->stats.failovers++;
    acc_trace (acc, "server %s -> %s (%s)", addr_str (&prev, b), addr_str (&r->server, b2),
               ev.failback ? "failback" : "failover");
    device_emit (acc->dev, &ev);
  }
  acc_event_init (acc, &ev, DEVICE_EVENT_REGISTERED);
  ev.server = r->server;
  ev.expires = r->granted_s;
  ev.failover = moved && !failback;
  ev.failback = failback;
  acc_trace (acc, "registered at %s for %u s", addr_str (&r->server, b), r->granted_s);
  device_emit (acc->dev, &ev);
  acc_set_state (acc, DEVICE_ACC_REGISTERED);

  host_timer_start (&acc->expiry_timer, SIM_S (r->granted_s));
  host_timer_start (&acc->next_timer, device_refresh_delay (cfg, r->granted_s));   /* B5 */
  acc->refresh_at = host_now (acc->dev->host) + device_refresh_delay (cfg, r->granted_s);

  /* RFC 5626 §4.4: a registrar that supports outbound says so; keep the
   * flow alive with STUN (UDP). */
  acc->outbound_active = cfg->outbound && r->outbound;
  acc->flow_timer = r->flow_timer;
  if (acc->outbound_active && !host_timer_is_pending (&acc->ob_timer))
    host_timer_start (&acc->ob_timer, device_outbound_ka_interval (&acc->rng, acc->flow_timer));
  if (cfg->ka_enable && cfg->ka_period > 0 && !host_timer_is_pending (&acc->ka_timer))
    host_timer_start (&acc->ka_timer, cfg->ka_period);
  acc_arm_failback (acc);

  if (cfg->secondary_registration && cfg->redundancy
      && cfg->redundancy_mode == DEVICE_REDUNDANCY_SEARCH && !acc->sec_registered
      && !device_reg_is_busy (acc->sec_reg))
    acc_sec_start (acc);

  if (r->mapped_known)
    acc_on_mapped (acc, &r->mapped, "rport", TRUE);   /* B39, B45 */
}

static DeviceFailKind
classify (const DeviceAccount *acc, const DeviceRegResult *r)
{
  switch (r->outcome) {
  case DEVICE_REG_TIMEOUT:         return DEVICE_FAIL_TIMEOUT;
  case DEVICE_REG_TRANSPORT_ERROR: return DEVICE_FAIL_TRANSPORT;
  case DEVICE_REG_FAILED:
  case DEVICE_REG_OK:
  default:
    return device_status_is_server_failure (acc->cfg, r->status) ? DEVICE_FAIL_SERVER
                                                                 : DEVICE_FAIL_REJECTED;
  }
}

static void acc_on_recv      (SimHostUdp *sock, const SimSockAddr *from, const guint8 *data,
                              gsize len, gpointer u);
static void acc_on_udp_error (SimHostUdp *sock, SimNetError err, const SimSockAddr *remote,
                              gpointer u);

/* B9: a REGISTER that got no response at all (an upstream box may block
 * the port) moves the account to the next port of [X_UserAgentPort,
 * X_UserAgentPorts...], cyclically, for its next attempt.  A port that
 * cannot be bound is skipped.  The public address learnt on the old port
 * says nothing about the new one, so it is forgotten. */
static void
acc_next_port (DeviceAccount *acc)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  guint n_ports = cfg->n_alt_ports + 1;
  for (guint k = 1; k < n_ports + 1; k++) {
    guint idx = (acc->port_index + k) % n_ports;
    guint16 port = idx == 0 ? acc->base_port : cfg->alt_ports[idx - 1];
    if (port == acc->local.port)
      continue;
    SimSockAddr local = { SIM_IP4_ANY, port };
    SimHostUdp *sock = host_udp_open (acc_host (acc), &local, acc_on_recv, acc_on_udp_error,
                                      acc, NULL);
    if (sock == NULL)
      continue;
    acc_trace (acc, "no response on port %u: moving to port %u (B9)", acc->local.port, port);
    host_udp_close (acc->sock);
    acc->sock = sock;
    host_udp_get_local (sock, &acc->local);
    acc->port_index = idx;
    acc->mapped_known = FALSE;
    return;
  }
}

static void
acc_on_reg (DeviceReg *reg, const DeviceRegResult *r, gpointer u)
{
  DeviceAccount *acc = u;
  (void) reg;
  acc->dev->stats.registers_sent += r->requests;
  if (r->outcome == DEVICE_REG_OK) {
    acc_on_registered (acc, r);
    return;
  }

  DeviceFailKind kind = classify (acc, r);
  char b[SIM_SOCKADDR_STRLEN];
  acc->dev->stats.reg_failures++;
  acc->last_fail = kind;
  acc->last_retry_after = r->retry_after;
  acc_trace (acc, "register at %s failed: %s %u", addr_str (&r->server, b),
             device_fail_kind_to_string (kind), r->status);
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_REG_FAILED);
  ev.server = r->server;
  ev.fail = kind;
  ev.status = r->status;
  device_emit (acc->dev, &ev);

  gboolean server_fail = kind != DEVICE_FAIL_REJECTED;
  if (server_fail && r->retry_after >= 0)
    acc_block (acc, &r->server, r->retry_after);       /* B7 */
  if (r->outcome == DEVICE_REG_TIMEOUT && acc->cfg->n_alt_ports > 0)
    acc_next_port (acc);                               /* B9 */

  switch (acc->round) {
  case ROUND_PROBE:
    acc->cursor++;
    acc_try_next (acc);
    return;
  case ROUND_REFRESH:
  case ROUND_REMAP:
    if (server_fail && acc_redundancy (acc)) {
      acc->round = ROUND_NONE;
      acc_failover (acc, &r->server);
      return;
    }
    acc_round_exhausted (acc);
    return;
  case ROUND_INITIAL:
  case ROUND_FAILOVER:
  case ROUND_NONE:
  default:
    if (server_fail && acc_redundancy (acc)) {
      acc->cursor++;                                   /* RFC 3263 §4.3, B19 */
      acc_try_next (acc);
      return;
    }
    acc_round_exhausted (acc);
    return;
  }
}

/* ------------------------------------------------------------- timers */

static void
acc_on_next_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  if (acc->state == DEVICE_ACC_STARTING) {
    acc_start_round (acc, ROUND_INITIAL, FALSE);
    return;
  }
  if (acc->registered) {
    /* B5: refresh.  A probe in flight finishes first (note 3). */
    if (acc->round != ROUND_NONE) {
      acc->refresh_due = TRUE;
      return;
    }
    acc_start_round (acc, ROUND_REFRESH, FALSE);
    return;
  }
  acc_start_round (acc, ROUND_INITIAL, FALSE);
}

static void
acc_on_expiry (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  acc->registered = FALSE;
  acc->dev->stats.reg_expired++;
  char b[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "registration at %s expired", addr_str (&acc->server, b));
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_REG_EXPIRED);
  ev.server = acc->server;
  device_emit (acc->dev, &ev);
  host_timer_cancel (&acc->failback_timer);
  if (acc->round == ROUND_NONE && !host_timer_is_pending (&acc->next_timer))
    /* Nothing scheduled (cannot happen with a sane refresh rule, but a
     * binding must never be left to lapse silently). */
    acc_start_round (acc, ROUND_INITIAL, FALSE);
  else
    acc_set_state (acc, acc->locate ? DEVICE_ACC_RESOLVING
                   : device_reg_is_busy (acc->reg) ? DEVICE_ACC_REGISTERING
                   : DEVICE_ACC_WAITING);
}

static void
acc_on_failback_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  if (!acc->registered || acc->round != ROUND_NONE) {
    host_timer_start (&acc->failback_timer, acc->cfg->failback_interval);
    return;
  }
  /* Note 3: a refresh due before the probe could time out goes first. */
  SimTime now = host_now (acc->dev->host);
  if (acc->refresh_at >= now && host_timer_is_pending (&acc->next_timer)
      && acc->refresh_at - now < acc->cfg->transaction_timeout) {
    acc_trace (acc, "failback probe waits for the refresh");
    host_timer_start (&acc->failback_timer, acc->refresh_at - now + SIM_S (1));
    return;
  }
  acc_trace (acc, "failback probe (server in use has priority %u)", acc->server_priority);
  acc->probe_priority = acc->server_priority;
  acc_start_round (acc, ROUND_PROBE, FALSE);
}

/* ---------------------------------------------------------- keep-alive */

static void
acc_ka_identity (DeviceAccount *acc, const SimSockAddr *to, DeviceKaIdentity *id)
{
  SimSockAddr contact;
  acc_contact_for (acc, to->ip, &contact);
  *id = (DeviceKaIdentity) {
    .user = acc->user, .domain = acc->domain,
    .via_ip = acc_local_ip (acc, to->ip), .via_port = acc->local.port,
    .contact_ip = contact.ip, .contact_port = contact.port,
    .flow = acc->sock,
    .user_agent = acc->dev->cfg.user_agent && acc->dev->cfg.user_agent[0]
                  ? acc->dev->cfg.user_agent : NULL,
  };
}

static void
acc_on_ka (DeviceKeepAlive *ka, const DeviceKaResult *r, gpointer u)
{
  DeviceAccount *acc = u;
  (void) ka;
  if (r->outcome == DEVICE_KA_ANSWERED && r->mapped_known) {
    acc_on_mapped (acc, &r->mapped, "stun", TRUE);     /* B39 */
    return;
  }
  if (r->outcome != DEVICE_KA_NO_ANSWER && r->outcome != DEVICE_KA_ERROR)
    return;
  gboolean flow = r->type == DEVICE_KA_STUN && acc->outbound_active;
  gboolean sip = r->type == DEVICE_KA_OPTIONS || r->type == DEVICE_KA_NOTIFY
                 || r->type == DEVICE_KA_CUSTOM;
  if (!flow && !sip)
    return;
  char b[SIM_SOCKADDR_STRLEN];
  acc->dev->stats.keepalives_failed++;
  acc_trace (acc, "keep-alive %s to %s got no answer", device_ka_type_to_string (r->type),
             addr_str (&r->to, b));
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_KA_FAILED);
  ev.server = r->to;
  ev.fail = r->outcome == DEVICE_KA_ERROR ? DEVICE_FAIL_TRANSPORT : DEVICE_FAIL_TIMEOUT;
  ev.detail = device_ka_type_to_string (r->type);
  device_emit (acc->dev, &ev);
  /* B23: with redundancy on, no answer is a failure of the server in use;
   * RFC 5626 §4.4.2: a failed flow is re-created (here: re-registered). */
  if (acc->registered && acc->round == ROUND_NONE && sim_sockaddr_equal (&r->to, &acc->server)
      && (flow || (acc->cfg->redundancy && acc_redundancy (acc))))
    acc_failover (acc, &acc->server);
}

static void
acc_send_ka (DeviceAccount *acc, DeviceKeepAliveType type, const SimSockAddr *to)
{
  DeviceKaIdentity id;
  acc_ka_identity (acc, to, &id);
  char b[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "keep-alive %s to %s", device_ka_type_to_string (type), addr_str (to, b));
  acc->dev->stats.keepalives_sent++;
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_KEEPALIVE);
  ev.server = *to;
  ev.detail = device_ka_type_to_string (type);
  device_emit (acc->dev, &ev);
  device_ka_send (acc->ka, type, &acc->ka_custom, to, &id, acc->cfg->ka_timeout, acc_on_ka, acc);
}

static void
acc_on_ka_located (DeviceLocateRequest *req, DeviceServerList *list, gpointer u)
{
  DeviceAccount *acc = u;
  (void) req;
  if (list->status == DEVICE_LOCATE_OK && list->n > 0)
    acc_send_ka (acc, acc->cfg->ka_type, &list->c[0].addr);
  else
    acc_trace (acc, "keep-alive server %s did not resolve", acc->cfg->ka_server);
  device_server_list_free (list);
}

static void
acc_on_ka_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  const DeviceAccountConfig *cfg = acc->cfg;
  host_timer_start (&acc->ka_timer, cfg->ka_period);
  if (cfg->ka_server && cfg->ka_server[0]) {
    /* B40: X_KeepAliveServer, looked up like any server (A, cached). */
    device_locator_resolve (acc->dev->locator, cfg->ka_server,
                            cfg->ka_server_port ? cfg->ka_server_port : 5060,
                            DEVICE_LOOKUP_RFC3263, cfg->dns_cache, FALSE, acc_on_ka_located, acc);
    return;
  }
  /* Default: where REGISTER goes (B39, B40). */
  if (!acc->has_server)
    return;
  SimSockAddr to = acc->server;
  if (cfg->ka_server_port)
    to.port = cfg->ka_server_port;
  acc_send_ka (acc, cfg->ka_type, &to);
}

static void
acc_on_ob_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  if (!acc->outbound_active || !acc->has_server)
    return;
  host_timer_start (&acc->ob_timer, device_outbound_ka_interval (&acc->rng, acc->flow_timer));
  acc_send_ka (acc, DEVICE_KA_STUN, &acc->server);   /* RFC 5626 §4.4.2 */
}

/* ------------------------------------------------- B21 secondary leg */

static void acc_on_sec_reg (DeviceReg *reg, const DeviceRegResult *r, gpointer u);

static void
acc_sec_try (DeviceAccount *acc)
{
  while (acc->list && acc->sec_cursor < acc->list->n) {
    const DeviceCandidate *c = &acc->list->c[acc->sec_cursor];
    if (sim_sockaddr_equal (&c->addr, &acc->server) || c->priority < acc->server_priority
        || acc_is_blocked (acc, &c->addr)) {
      acc->sec_cursor++;
      continue;
    }
    DeviceRegRequest req;
    SimSockAddr contact;
    acc_request_for (acc, &c->addr, &req, &contact);
    char b[SIM_SOCKADDR_STRLEN];
    acc_trace (acc, "secondary register to %s", addr_str (&c->addr, b));
    device_reg_start (acc->sec_reg, &req, acc_on_sec_reg, acc);
    return;
  }
  /* None: try again after the short break. */
  host_timer_start (&acc->sec_timer, acc->cfg->short_break);
}

static void
acc_sec_start (DeviceAccount *acc)
{
  if (!acc->cfg->secondary_registration || !acc->cfg->redundancy || acc->list == NULL)
    return;
  device_reg_cancel (acc->sec_reg);
  acc->sec_registered = FALSE;
  acc->sec_cursor = 0;
  acc_sec_try (acc);
}

static void
acc_on_sec_reg (DeviceReg *reg, const DeviceRegResult *r, gpointer u)
{
  DeviceAccount *acc = u;
  (void) reg;
  acc->dev->stats.registers_sent += r->requests;
  DeviceEvent ev;
  acc_event_init (acc, &ev, DEVICE_EVENT_SECONDARY);
  char b[SIM_SOCKADDR_STRLEN];
  if (r->outcome == DEVICE_REG_OK && r->granted_s > 0) {
    acc->sec_registered = TRUE;
    acc->sec_server = r->server;
    ev.server = r->server;
    ev.expires = r->granted_s;
    acc_trace (acc, "secondary registered at %s for %u s", addr_str (&r->server, b),
               r->granted_s);
    device_emit (acc->dev, &ev);
    host_timer_start (&acc->sec_timer, device_refresh_delay (acc->cfg, r->granted_s));
    return;
  }
  acc->sec_registered = FALSE;
  ev.server = r->server;
  ev.status = r->status;
  ev.detail = "failed";
  acc_trace (acc, "secondary register at %s failed", addr_str (&r->server, b));
  device_emit (acc->dev, &ev);
  acc->sec_cursor++;
  acc_sec_try (acc);
}

static void
acc_on_sec_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  if (device_reg_is_busy (acc->sec_reg))
    return;
  if (acc->sec_registered) {
    /* Refresh the secondary where it is. */
    gint pos = list_position (acc->list, &acc->sec_server);
    acc->sec_cursor = pos >= 0 ? (guint) pos : 0;
    acc->sec_registered = FALSE;
  } else {
    acc->sec_cursor = 0;
  }
  acc_sec_try (acc);
}

/* ---------------------------------------------------------- transport */

static SimNetError
acc_layer_send (SipTxnLayer *layer, const SipTxnPeer *to, const guint8 *data, gsize len,
                gpointer u)
{
  (void) layer;
  return device_account_send (u, &to->addr, data, len);
}

static SimNetError
acc_stun_send (const SimSockAddr *to, const guint8 *data, gsize len, gpointer u)
{
  return device_account_send (u, to, data, len);
}

static void
acc_on_layer_request (SipTxnLayer *layer, SipTxn *txn, SipMsg *request,
                      const SipTxnPeer *from, gpointer u)
{
  (void) layer;
  device_answer_request (u, txn, request, from);
}

static void
acc_on_recv (SimHostUdp *sock, const SimSockAddr *from, const guint8 *data, gsize len,
             gpointer u)
{
  DeviceAccount *acc = u;
  DeviceStats *st = &acc->dev->stats;
  st->datagrams_received++;
  st->bytes_received += len;
  switch (sip_classify_datagram (data, len)) {
  case SIP_DGRAM_SIP:
    {
      g_autoptr (GError) err = NULL;
      g_autoptr (SipMsg) msg = sip_msg_parse (data, len, &err);
      if (msg == NULL) {
        st->malformed++;
        acc_trace (acc, "malformed SIP from %s dropped: %s",
                   sim_sockaddr_to_string (from, (char[SIM_SOCKADDR_STRLEN]) { 0 }),
                   err->message);
        return;
      }
      if (!sip_msg_is_request (msg) && sip_msg_via_count (msg) != 1) {
        st->malformed++;                       /* §18.1.2: discard */
        return;
      }
      SipTxnPeer peer = { .addr = *from, .reliable = FALSE, .flow = sock };
      sip_txn_layer_receive (acc->layer, msg, &peer);
      return;
    }
  case SIP_DGRAM_STUN:
    {
      if (stun_client_receive (acc->stun, from, data, len))
        return;
      g_autoptr (StunMsg) m = stun_msg_parse (data, len, NULL);
      if (m == NULL) {
        st->malformed++;
        return;
      }
      g_autoptr (GBytes) ans = stun_responder_answer (m, from, NULL);
      if (ans)
        device_account_send (acc, from, g_bytes_get_data (ans, NULL), g_bytes_get_size (ans));
      return;
    }
  case SIP_DGRAM_PING:
  case SIP_DGRAM_PONG:
  case SIP_DGRAM_KEEPALIVE:
    return;                                    /* nothing for a UA to do on UDP */
  case SIP_DGRAM_GARBAGE:
  default:
    st->malformed++;
    return;
  }
}

static void
acc_on_udp_error (SimHostUdp *sock, SimNetError err, const SimSockAddr *remote, gpointer u)
{
  DeviceAccount *acc = u;
  /* An ICMP error ends the transactions toward @remote at once (B38). */
  sip_txn_layer_transport_error (acc->layer, sock, remote, err);
  stun_client_transport_error (acc->stun, remote, err);
}

/* ----------------------------------------------------------- lifecycle */

DeviceAccount *
device_account_new (Device *dev, guint n, GError **error)
{
  const DeviceAccountConfig *cfg = &dev->cfg.accounts[n - 1];
  DeviceAccount *acc = g_new0 (DeviceAccount, 1);
  acc->dev = dev;
  acc->n = n;
  acc->cfg = cfg;
  g_snprintf (acc->name, sizeof acc->name, "SP%u", n);
  host_rng_init (dev->host, &acc->rng, acc->name);
  acc->blocked = g_array_new (FALSE, FALSE, sizeof (BlockedServer));
  acc->state = DEVICE_ACC_DISABLED;
  acc->last_retry_after = -1;

  /* B3: one port per account. */
  guint16 port = cfg->local_port ? cfg->local_port : (guint16) (5060 + n - 1);
  SimSockAddr local = { SIM_IP4_ANY, port };
  acc->sock = host_udp_open (dev->host, &local, acc_on_recv, acc_on_udp_error, acc, error);
  if (acc->sock == NULL) {
    g_prefix_error (error, "%s: cannot bind UDP port %u: ", acc->name, port);
    g_array_free (acc->blocked, TRUE);
    g_free (acc);
    return NULL;
  }
  host_udp_get_local (acc->sock, &acc->local);
  acc->base_port = port;

  if (cfg->ka_custom && cfg->ka_custom[0]
      && !device_ka_custom_parse (cfg->ka_custom, &acc->ka_custom, error)) {
    g_prefix_error (error, "%s: X_CustomKeepAliveMsg: ", acc->name);
    host_udp_close (acc->sock);
    g_array_free (acc->blocked, TRUE);
    g_free (acc);
    return NULL;
  }

  SipTxnConfig tc = { .t1 = cfg->t1, .t2 = cfg->t2 };
  acc->layer = sip_txn_layer_new (dev->host, &tc, acc_layer_send, acc);
  SipTxnTuFuncs tu = { .request = acc_on_layer_request };
  sip_txn_layer_set_tu (acc->layer, &tu, acc);
  acc->stun = stun_client_new (dev->host, &acc->rng, NULL, acc_stun_send, acc);
  acc->ka = device_ka_new (dev->host, acc->layer, acc->stun, &acc->rng,
                           acc_stun_send, acc);

  acc->user = g_strdup (cfg->user_id && cfg->user_id[0] ? cfg->user_id : cfg->auth_username);
  acc->domain = g_strdup (device_account_config_registrar (cfg));
  if (cfg->outbound_proxy && cfg->outbound_proxy[0]) {
    /* B11, B18: lookups and redundancy follow the outbound proxy. */
    acc->target = g_strdup (cfg->outbound_proxy);
    acc->target_port = cfg->outbound_proxy_port;
  } else {
    acc->target = g_strdup (acc->domain);
    acc->target_port = cfg->registrar_server && cfg->registrar_server[0]
                       ? (cfg->registrar_server_port ? cfg->registrar_server_port
                                                     : cfg->proxy_server_port)
                       : cfg->proxy_server_port;
  }

  DeviceRegIdentity id = {
    .user = acc->user,
    .domain = acc->domain,
    .domain_port = 0,
    .auth_username = cfg->auth_username,
    .auth_password = cfg->auth_password,
    .instance = cfg->include_instance ? dev->instance : NULL,
    .user_agent = dev->cfg.user_agent && dev->cfg.user_agent[0] ? dev->cfg.user_agent : NULL,
    .trace_name = acc->name,
  };
  acc->reg = device_reg_new (acc->layer, &acc->rng, cfg, &id);
  acc->sec_reg = device_reg_new (acc->layer, &acc->rng, cfg, &id);

  host_timer_init (dev->host, &acc->next_timer, acc_on_next_timer, acc);
  acc->refresh_at = -1;
  host_timer_init (dev->host, &acc->expiry_timer, acc_on_expiry, acc);
  host_timer_init (dev->host, &acc->failback_timer, acc_on_failback_timer, acc);
  host_timer_init (dev->host, &acc->ka_timer, acc_on_ka_timer, acc);
  host_timer_init (dev->host, &acc->ob_timer, acc_on_ob_timer, acc);
  host_timer_init (dev->host, &acc->sec_timer, acc_on_sec_timer, acc);
  return acc;
}

void
device_account_start (DeviceAccount *acc)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  if (!device_account_config_is_enabled (cfg) || !cfg->register_enable)
    return;                                        /* B1, B2 */
  /* B10: spread the first REGISTER after power-on. */
  SimTime delay = cfg->startup_delay_max > 0
                  ? sim_rng_int_range (&acc->rng, 0, cfg->startup_delay_max) : 0;
  acc_set_state (acc, DEVICE_ACC_STARTING);
  acc_trace (acc, "power on: first REGISTER in %" G_GINT64_FORMAT " ms", delay / SIM_MS (1));
  host_timer_start (&acc->next_timer, delay);
}

void
device_account_free (DeviceAccount *acc)
{
  if (acc == NULL)
    return;
  host_timer_cancel (&acc->next_timer);
  host_timer_cancel (&acc->expiry_timer);
  host_timer_cancel (&acc->failback_timer);
  host_timer_cancel (&acc->ka_timer);
  host_timer_cancel (&acc->ob_timer);
  host_timer_cancel (&acc->sec_timer);
  if (acc->locate)
    device_locate_cancel (acc->locate);
  device_reg_free (acc->reg);
  device_reg_free (acc->sec_reg);
  device_ka_free (acc->ka);
  stun_client_free (acc->stun);
  sip_txn_layer_free (acc->layer);
  host_udp_close (acc->sock);
  device_server_list_free (acc->list);
  device_ka_custom_clear (&acc->ka_custom);
  g_array_free (acc->blocked, TRUE);
  g_free (acc->user);
  g_free (acc->domain);
  g_free (acc->target);
  g_free (acc);
}
