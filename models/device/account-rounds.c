/*
 * models/device/account-rounds.c - rounds and the candidate walk: where
 * and when an account registers, what a REGISTER's outcome does, retry,
 * refresh, expiry and failover.  Owns acc->round, cursor, list, locate,
 * failed_server, failures, last_fail, last_retry_after, refresh_due,
 * refresh_at, registered, server*, trying*, and the next and expiry
 * timers.  acc->list belongs to the account: each answer replaces it
 * (the old one is freed; a cached resolve works on a copy).  acc->locate
 * is the locator's request, cancelled by acc_cancel_round.  B-rules: B5,
 * B6, B7, B8, B10, B17, B18, B19, B25, B38.
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
 *    that answered 503 with Retry-After is skipped until it expires (B7),
 *    unless the profile never reads Retry-After (honour_retry_after, B46).
 *    With failover_next_target (B47, libre) a server failure in a REFRESH
 *    or REMAP round moves on within the same list as INITIAL does,
 *    instead of a FAILOVER round with its own lookup.
 *
 * 2. After a round fails.  SEARCH with redundancy: the short break, or the
 *    Retry-After of the last answer (B19, B6).  Otherwise the profile's
 *    retry rule (timing.h device_retry_wait: fixed, Aastra rejection/
 *    timeout timers, RFC 5626 back-off; Retry-After wins, B6).  Then a new
 *    INITIAL round.  A failed PROBE is not a failure: the account stays
 *    where it is and probes again after failback_interval
 *    (account-failback.c).
 *
 * 3. Registered.  A 2xx starts the refresh timer (B5, device_refresh_delay)
 *    and the expiry timer (the binding's end as the device sees it).  A
 *    probe never stops the refresh timer; a refresh that comes due while
 *    a probe is in flight waits for the probe (refresh_due), and a
 *    binding that lapsed meanwhile is renewed at the server in use as soon
 *    as the probe ends (account-failback.c note 2).  A probe that succeeds
 *    drops the held refresh: its 2xx starts the refresh timer afresh.
 *    The state stays REGISTERED while the binding is in force, whatever
 *    rounds run meanwhile; when the expiry passes with no new 2xx it drops
 *    to REGISTERING/RESOLVING/WAITING (DEVICE_EVENT_REG_EXPIRED).
 *
 * 4. The round machine.  A round is in one of three phases, read from
 *    the fields (acc_phase):
 *
 *      IDLE     round == ROUND_NONE: nothing in flight; the next timer
 *               says what comes next (start-up delay, retry wait or B5
 *               refresh).
 *      LOOKUP   a round whose locator request is out (acc->locate).
 *      ATTEMPT  a round whose REGISTER attempt is out on the leg acc->reg,
 *               toward acc->trying = list->c[cursor].
 *
 *    A round starts only through acc_start_round(), which cancels any
 *    round in progress (every caller but one starts from IDLE; the one,
 *    acc_on_next_timer, replaces a PROBE with an INITIAL round when the
 *    binding lapsed during it, possible only with a refresh lead of 0).
 *    Callers: acc_on_next_timer (INITIAL at start-up and after a wait,
 *    REFRESH at the B5 point), acc_on_failback_timer (PROBE), acc_failover
 *    (FAILOVER, or REFRESH after a B21 promotion) from acc_on_reg and
 *    acc_on_ka, acc_on_mapped (REMAP), acc_on_expiry (INITIAL when nothing
 *    else is scheduled) and acc_round_exhausted (REFRESH after a probe
 *    that held one back, note 3).
 *
 *                         start_round: list not cached (or fresh)
 *              +------+ -----------------------------------------> +--------+
 *              |      |                                            |        |
 *              | IDLE | <----------------------------------------- | LOOKUP |
 *              |      |  on_located: DNS failure or nothing to try |        |
 *              +------+  (round_exhausted)                         +--------+
 *               |    ^                                                  |
 *  start_round: |    | on_reg: 2xx (on_registered), or the round is     | on_located:
 *  list cached  |    | over (round_exhausted)                           | try_next sends
 *  (B17)        v    |                                                  v
 *              +---------+ <-----------------------------------------------+
 *              | ATTEMPT |
 *              +---------+ ---+  on_reg: server failure, next candidate
 *                   ^         |  (try_next); or a REFRESH/REMAP server
 *                   +---------+  failure: failover starts a new round
 *
 *    Transitions (each ends in an event-loop callback that asserts the
 *    invariants below):
 *
 *      IDLE    -> LOOKUP   [acc_start_round -> acc_resolve: list not cached]
 *      IDLE    -> ATTEMPT  [acc_start_round -> acc_resolve -> acc_located ->
 *                           acc_send_register: list cached, B17]
 *      IDLE    -> IDLE     [acc_start_round -> ... -> acc_round_exhausted:
 *                           cached list with nothing to try (a PROBE with
 *                           no higher priority, every candidate blocked)]
 *      LOOKUP  -> ATTEMPT  [acc_on_located -> acc_try_next -> acc_send_register]
 *      LOOKUP  -> IDLE     [acc_on_located: DNS failure or nothing to try
 *                           -> acc_round_exhausted]
 *      ATTEMPT -> ATTEMPT  [acc_on_reg: server failure (B38) in an INITIAL,
 *                           FAILOVER or PROBE walk -> acc_try_next]
 *      ATTEMPT -> IDLE     [acc_on_reg -> acc_on_registered (2xx);
 *                           acc_on_reg -> acc_round_exhausted (account
 *                           failure, walk over, 2xx granting nothing)]
 *      ATTEMPT -> LOOKUP or ATTEMPT  [acc_on_reg: REFRESH or REMAP server
 *                           failure with redundancy -> acc_failover]
 *      IDLE    -> LOOKUP or ATTEMPT  [acc_round_exhausted: a failed PROBE
 *                           that held a refresh back, note 3]
 *
 *    Invariants (acc_invariant_violation; acc_check_invariants asserts
 *    them at the end of every callback from the event loop: timers,
 *    REGISTER outcomes, DNS answers, keep-alive outcomes, datagrams and
 *    ICMP errors, and device_account_start; not after a keep-alive send
 *    or an outcome that changes nothing, which write no field read here:
 *    account-keepalive.c note 3):
 *
 *      stopping   (device_stop) replaces all of the below: no round, no
 *                 lookup, no timer of the account pending; the legs are
 *                 busy only with the removals (account.c, "power off").
 *
 *      phases     IDLE: no lookup, the leg idle, nothing being tried.
 *                 LOOKUP: the leg idle.  ATTEMPT: the leg busy (one
 *                 REGISTER transaction at a time: reg.c refuses a second
 *                 start); list->c[cursor] is acc->trying; cursor > 0 only
 *                 with redundancy (B18); a PROBE tries only priorities
 *                 above the server in use (B20).  cursor <= list->n.
 *      next timer pending in IDLE unless DISABLED (an account always
 *                 knows what comes next); never during a round other than
 *                 a PROBE (acc_start_round cancels it); during a PROBE
 *                 pending unless the refresh came due and is held
 *                 (refresh_due), never both.
 *      refresh    refresh_due only during a PROBE.  refresh_at >= 0 only
 *                 in IDLE or during a PROBE; in IDLE it is the pending
 *                 refresh, not in the past.
 *      binding    registered iff the expiry timer is pending; registered
 *                 implies a server and a contact; the state is REGISTERED
 *                 iff registered.  Without a binding the state follows
 *                 the phase: IDLE is STARTING or WAITING, LOOKUP is
 *                 RESOLVING, ATTEMPT is REGISTERING.
 *      failback   the timer is pending only while registered, in SEARCH
 *                 mode with failback_interval > 0; a PROBE only in SEARCH
 *                 mode, with a server in use whose priority is
 *                 probe_priority.  A PROBE is the only round that runs
 *                 beside a pending refresh (note 3).
 *      remap      at most MAX_REMAPS in a row; a REMAP round counts itself.
 *      secondary  the B21 leg is used only with X_SecondaryRegistration and
 *                 redundancy; registered, it is idle and its refresh timer
 *                 is pending.
 *      keep-alive RFC 5626 outbound active implies the flow keep-alive
 *                 timer is pending; the B40 timer runs only when enabled.
 *      DISABLED   no round, no binding, no timer pending, both legs idle.
 *      calls      (call.c note 5) every live call has a dialog that is not
 *                 TERMINATED; an established one a CONFIRMED or
 *                 TERMINATING dialog and no setup timer; a B25 walk stays
 *                 in the candidate list.
 *      subscription (subscription.c note 4) active iff its expiry timer
 *                 runs; with a server known, a SUBSCRIBE in flight xor
 *                 the next timer pending.
 *
 * 5. The state shown to the owner (DeviceAccountState; REGISTERED
 *    overrides the others while a binding is in force):
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
 *   WAITING    -> REGISTERING [acc_on_next_timer: retry with a cached list]
 *   REGISTERED -> RESOLVING/REGISTERING/WAITING [acc_on_expiry]
 */
#include "models/device/account-private.h"
#include "models/device/timing.h"
#include "models/device/srv.h"

static void acc_try_next        (DeviceAccount *acc);
static void acc_round_exhausted (DeviceAccount *acc);
static void acc_resolve         (DeviceAccount *acc, gboolean fresh);
static void acc_located         (DeviceAccount *acc, DeviceServerList *list);

/* ------------------------------------------------------- round control */

void
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

void
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

/* The candidate list of the round: from the locator (acc_on_located) or
 * the cache (acc_resolve).  Takes @list. */
static void
acc_located (DeviceAccount *acc, DeviceServerList *list)
{
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

  /* Aastra's backup outbound proxy (B26, B27) and backup registrar (B25)
   * come last, in that order. */
  const DeviceAccountConfig *cfg = acc->cfg;
  SimIp4 bip;
  if (cfg->outbound_proxy && cfg->outbound_proxy[0] && cfg->backup_obp && cfg->backup_obp[0]
      && sim_ip4_parse (cfg->backup_obp, &bip) && bip != SIM_IP4_ANY) {
    guint16 dport = acc->transport == DEVICE_TRANSPORT_TLS ? 5061 : 5060;
    SimSockAddr ba = { bip, cfg->backup_obp_port ? cfg->backup_obp_port : dport };
    if (device_server_list_find (list, &ba) < 0) {
      list->c = g_renew (DeviceCandidate, list->c, list->n + 1);
      list->c[list->n] = (DeviceCandidate) { .addr = ba, .priority = G_MAXUINT16 - 1,
                                             .weight = 0, .host = g_strdup (cfg->backup_obp) };
      list->n++;
    }
  }
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
acc_on_located (DeviceLocateRequest *req, DeviceServerList *list, gpointer u)
{
  DeviceAccount *acc = u;
  (void) req;
  acc->locate = NULL;
  acc_located (acc, list);
  acc_check_invariants (acc);
}

static void
acc_resolve (DeviceAccount *acc, gboolean fresh)
{
  /* B17: a list whose answers are all within their TTL is used as it is;
   * the lookup steps that failed (OBi's A and bare-name SRV before the
   * _sip._udp SRV) are not asked again on every refresh. */
  if (!fresh && acc->cfg->dns_cache && acc->list != NULL
      && acc->list->expires_at > host_now (acc_host (acc))) {
    acc_located (acc, device_server_list_copy (acc->list));
    return;
  }
  acc_set_state (acc, DEVICE_ACC_RESOLVING);
  acc->locate = device_locator_resolve (acc->dev->locator, acc->target, acc->target_port,
                                        acc->cfg->lookup_order, acc->cfg->dns_cache, fresh,
                                        acc_on_located, acc);
  if (acc->cfg->srv_order == DEVICE_SRV_HASH) {
    /* B47: libre's sort key is the dialog's hash of the From URI. */
    g_autofree char *from = g_strdup_printf ("sip:%s@%s", acc->user, acc->domain);
    device_locate_set_order (acc->locate, DEVICE_SRV_HASH, device_srv_hash (from));
  }
}

/* ------------------------------------------------------------ REGISTER */

static void acc_on_reg (DeviceReg *reg, const DeviceRegResult *r, gpointer u);

/* A REGISTER toward @server from the account's socket: Via from the local
 * address, Contact from the learnt one if in use (B39). */
void
acc_request_for (DeviceAccount *acc, const SimSockAddr *server, DeviceRegRequest *req,
                 SimSockAddr *contact)
{
  *req = (DeviceRegRequest) { 0 };
  req->server = *server;
  req->transport = acc->transport;
  req->flow = acc_flow_for (acc, server);
  req->via_ip = acc_local_ip (acc, server->ip);
  req->via_port = acc->local.port;
  acc_contact_for (acc, server->ip, contact);
  SimSockAddr flow_local;
  if (req->flow && sip_transport_flow_addrs (acc->tp, sip_flow_from_handle (req->flow),
                                             &flow_local, NULL)) {
    /* Over a connection the sent-by and the unmapped contact are the
     * connection's own end, as libre's transport gives them (its laddr):
     * the answer comes back on it, and received/rport then differ from it
     * only behind a NAT (B39). */
    acc_contact_on_flow (acc, contact);
    req->via_port = flow_local.port;
  }
  req->contact_ip = contact->ip;
  req->contact_port = contact->port;
  /* B25: the backup registrar gets the backup AOR (call.c). */
  const char *dom = device_acc_aor_domain (acc, server);
  req->aor_domain = dom != acc->domain ? dom : NULL;
}

static void
acc_send_register (DeviceAccount *acc, const DeviceCandidate *c)
{
  DeviceRegRequest req;
  SimSockAddr contact;
  acc_request_for (acc, &c->addr, &req, &contact);
  if (acc->round == ROUND_REMAP && acc->contact_known
      && !sim_sockaddr_equal (&acc->contact, &contact)) {
    req.remove_old = TRUE;                       /* B45, account-nat.c note 1 */
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
  else if (acc->transport != DEVICE_TRANSPORT_UDP && acc->last_fail == DEVICE_FAIL_TRANSPORT)
    /* B24: the connection could not be (re-)established: exponential
     * back-off (account-conn.c note 3), one step per failure in a row. */
    wait = acc_reconnect_wait (acc, acc->conn_failures++);
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
void
acc_failover (DeviceAccount *acc, const SimSockAddr *failed)
{
  char b[SIM_SOCKADDR_STRLEN];
  acc_trace (acc, "server %s failed: failover", addr_str (failed, b));

  /* B21: a secondary registration is promoted at once. */
  if (acc_sec_promote (acc, failed))
    return;

  acc->failed_server = *failed;
  /* A probe holding a refresh back is replaced: the failover registers. */
  acc->refresh_due = FALSE;
  acc_start_round (acc, ROUND_FAILOVER, acc->cfg->fresh_lookup_on_failover);
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
  acc_contact_on_flow (acc, &acc->contact);
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
  /* A refresh held back by a probe (note 3) was for the binding this 2xx
   * replaces: the new timer is the only one owed.  Left set, a later
   * probe that fails would fire it early. */
  acc->refresh_due = FALSE;

  /* RFC 5626 §4.4: a registrar that supports outbound says so; keep the
   * flow alive with STUN (UDP). */
  acc->outbound_active = cfg->outbound && r->outbound;
  acc->flow_timer = r->flow_timer;
  acc_conn_registered (acc, acc->outbound_active, r->flow_timer);   /* B24, B43 */
  acc_f2_start (acc);                                                /* RFC 5626 §4.2 */
  if (acc->outbound_active && acc->transport == DEVICE_TRANSPORT_UDP
      && !host_timer_is_pending (&acc->ob_timer))
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

/* The outcome of the REGISTER attempt of the round (ATTEMPT phase). */
static void
acc_reg_outcome (DeviceAccount *acc, const DeviceRegResult *r)
{
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
  if (!acc->cfg->honour_retry_after)
    acc->last_retry_after = -1;                        /* B46: never read */
  else if (server_fail && r->retry_after >= 0)
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
    if (server_fail && acc_redundancy (acc) && acc->cfg->failover_next_target) {
      /* B47 (libre request.c): the same request goes to the next target
       * of the answer it was resolved from, at once, without a query. */
      acc->cursor++;
      acc_try_next (acc);
      return;
    }
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

static void
acc_on_reg (DeviceReg *reg, const DeviceRegResult *r, gpointer u)
{
  DeviceAccount *acc = u;
  (void) reg;
  acc_reg_outcome (acc, r);
  acc_check_invariants (acc);
}

/* ------------------------------------------------------------- timers */

void
acc_on_next_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  if (acc->state == DEVICE_ACC_STARTING || !acc->registered)
    acc_start_round (acc, ROUND_INITIAL, FALSE);    /* start-up delay or retry wait over */
  else if (acc->round != ROUND_NONE)
    acc->refresh_due = TRUE;                        /* B5: a probe in flight first (note 3) */
  else
    acc_start_round (acc, ROUND_REFRESH, FALSE);    /* B5 */
  acc_check_invariants (acc);
}

void
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
  acc_check_invariants (acc);
}

/* --------------------------------------------------------- invariants */

typedef enum {
  PHASE_IDLE,
  PHASE_LOOKUP,
  PHASE_ATTEMPT,
} RoundPhase;

static RoundPhase
acc_phase (const DeviceAccount *acc)
{
  if (acc->round == ROUND_NONE)
    return PHASE_IDLE;
  return acc->locate ? PHASE_LOOKUP : PHASE_ATTEMPT;
}

/* Note 4's invariants, in its order.  Returns NULL when they hold, else
 * the first that does not (a static string). */
const char *
acc_invariant_violation (const DeviceAccount *acc)
{
  const DeviceAccountConfig *cfg = acc->cfg;
  if (acc->stopping)
    {
      if (acc->round != ROUND_NONE || acc->locate != NULL)
        return "stopping during a round or a lookup";
      if (host_timer_is_pending (&acc->next_timer) || host_timer_is_pending (&acc->expiry_timer)
          || host_timer_is_pending (&acc->failback_timer) || host_timer_is_pending (&acc->ka_timer)
          || host_timer_is_pending (&acc->ob_timer) || host_timer_is_pending (&acc->sec_timer)
          || host_timer_is_pending (&acc->conn_timer) || host_timer_is_pending (&acc->restore_timer)
          || host_timer_is_pending (&acc->f2_timer))
        return "stopping with a timer pending";
      if (device_reg_is_busy (acc->reg) && !acc->registered)
        return "stopping: the REGISTER leg busy without a binding to remove";
      return NULL;
    }
  RoundPhase phase = acc_phase (acc);
  gboolean busy = device_reg_is_busy (acc->reg);
  gboolean next = host_timer_is_pending (&acc->next_timer);

  /* calls and the subscription (call.c, subscription.c notes) */
  const char *why = device_calls_invariant_violation (acc);
  if (why == NULL)
    why = device_sub_invariant_violation (acc);
  if (why)
    return why;

  /* phases */
  if (phase == PHASE_IDLE && (acc->locate != NULL || busy || acc->has_trying))
    return "IDLE with a lookup, a busy leg or a server being tried";
  if (phase == PHASE_LOOKUP && busy)
    return "LOOKUP with the REGISTER leg busy";
  if (phase == PHASE_ATTEMPT) {
    if (!busy || !acc->has_trying)
      return "ATTEMPT with the REGISTER leg idle";
    if (acc->list == NULL || acc->cursor >= acc->list->n)
      return "ATTEMPT with the cursor outside the candidate list";
    const DeviceCandidate *c = &acc->list->c[acc->cursor];
    if (!sim_sockaddr_equal (&c->addr, &acc->trying))
      return "ATTEMPT toward another server than the cursor's candidate";
    if (acc->cursor > 0 && !acc_redundancy (acc))
      return "ATTEMPT beyond the first candidate without redundancy (B18)";
    if (acc->round == ROUND_PROBE && c->priority >= acc->probe_priority)
      return "PROBE of a candidate not above the server in use (B20)";
  }
  if (acc->list != NULL && acc->cursor > acc->list->n)
    return "cursor beyond the end of the candidate list";

  /* next timer */
  if (phase == PHASE_IDLE && !next && acc->state != DEVICE_ACC_DISABLED)
    return "IDLE with nothing scheduled";
  if (acc->round != ROUND_NONE && acc->round != ROUND_PROBE && next)
    return "next timer pending during a round other than a PROBE";
  if (acc->round == ROUND_PROBE && next == acc->refresh_due)
    return "PROBE: not exactly one of pending refresh and held refresh";

  /* refresh */
  if (acc->refresh_due && acc->round != ROUND_PROBE)
    return "refresh_due outside a PROBE";
  if (acc->refresh_at >= 0 && acc->round != ROUND_NONE && acc->round != ROUND_PROBE)
    return "refresh_at set during a round other than a PROBE";
  if (acc->refresh_at >= 0 && phase == PHASE_IDLE
      && (!next || acc->refresh_at < host_now (acc_host (acc))))
    return "IDLE with refresh_at not a pending refresh";

  /* binding */
  if (acc->registered != host_timer_is_pending (&acc->expiry_timer))
    return "registered but no expiry timer, or an expiry timer without a binding";
  if (acc->registered && (!acc->has_server || !acc->contact_known))
    return "registered without a server or a contact";
  if (acc->registered != (acc->state == DEVICE_ACC_REGISTERED))
    return "state REGISTERED not iff a binding is in force";
  if (!acc->registered && acc->state != DEVICE_ACC_DISABLED) {
    gboolean ok = phase == PHASE_IDLE ? (acc->state == DEVICE_ACC_STARTING
                                         || acc->state == DEVICE_ACC_WAITING)
                  : phase == PHASE_LOOKUP ? acc->state == DEVICE_ACC_RESOLVING
                  : acc->state == DEVICE_ACC_REGISTERING;
    if (!ok)
      return "state does not follow the round's phase";
  }

  /* failback */
  if (host_timer_is_pending (&acc->failback_timer)
      && (!acc->registered || cfg->redundancy_mode != DEVICE_REDUNDANCY_SEARCH
          || cfg->failback_interval <= 0))
    return "failback timer without a binding, outside SEARCH mode or disabled";
  if (acc->round == ROUND_PROBE
      && (cfg->redundancy_mode != DEVICE_REDUNDANCY_SEARCH || !acc->has_server
          || acc->probe_priority != acc->server_priority))
    return "PROBE outside SEARCH mode or not from the server in use";

  /* remap */
  if (acc->remaps > MAX_REMAPS)
    return "more REMAPs in a row than MAX_REMAPS";
  if (acc->round == ROUND_REMAP && acc->remaps == 0)
    return "REMAP round not counted";

  /* secondary */
  gboolean sec_busy = device_reg_is_busy (acc->sec_reg);
  if ((sec_busy || acc->sec_registered)
      && (!cfg->secondary_registration || !cfg->redundancy))
    return "secondary leg used without X_SecondaryRegistration and redundancy";
  if (acc->sec_registered && (sec_busy || !host_timer_is_pending (&acc->sec_timer)))
    return "registered secondary busy or without its refresh timer";

  /* keep-alive (a TCP/TLS flow keeps itself alive: account-conn.c note 4) */
  if (acc->outbound_active && acc->transport == DEVICE_TRANSPORT_UDP
      && !host_timer_is_pending (&acc->ob_timer))
    return "RFC 5626 outbound active without the flow keep-alive timer";
  if (host_timer_is_pending (&acc->ob_timer) && acc->transport != DEVICE_TRANSPORT_UDP)
    return "STUN flow keep-alive on a connection-oriented account";
  if (acc->flow == 0 && acc->transport == DEVICE_TRANSPORT_UDP && acc->restore_flow != 0)
    return "a connection on a UDP account";
  if (host_timer_is_pending (&acc->ka_timer) && (!cfg->ka_enable || cfg->ka_period <= 0))
    return "keep-alive timer running while keep-alives are off";

  /* DISABLED */
  if (acc->state == DEVICE_ACC_DISABLED
      && (phase != PHASE_IDLE || acc->registered || next || sec_busy
          || host_timer_is_pending (&acc->failback_timer)
          || host_timer_is_pending (&acc->ka_timer) || host_timer_is_pending (&acc->ob_timer)
          || host_timer_is_pending (&acc->sec_timer)))
    return "DISABLED with something in flight or scheduled";
  return NULL;
}
