/*
 * models/device/account-secondary.c - the B21 secondary registration
 * (SEARCH, redundancy and X_SecondaryRegistration).  Owns acc->sec_reg,
 * sec_registered, sec_server, sec_cursor and sec_timer; the promotion
 * swaps the two legs, so acc->reg then holds the old secondary's leg.
 *
 * Notes
 *
 * 1. A second leg, with its own Call-ID, keeps a registration with the
 *    first candidate after the primary that accepts (a server of lower or
 *    equal priority, not blocked by Retry-After).  It is refreshed on its
 *    own B5 schedule; when none accepts, the search is repeated after the
 *    short break.
 *
 * 2. When the primary fails, the secondary is promoted at once (hot
 *    standby: no walk, no Timer F on the next server), its binding is
 *    refreshed at once (its refresh timer belonged to the other leg), and
 *    a new secondary is searched.  BEHAVIOUR.md says the OBi text for this
 *    was not available: this is the "likely model".
 */
#include "models/device/account-private.h"
#include "models/device/timing.h"

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
    device_reg_start (acc_leg (acc, &acc->sec_reg, &acc->sec_tag), &req, acc_on_sec_reg, acc);
    return;
  }
  /* None: try again after the short break. */
  host_timer_start (&acc->sec_timer, acc->cfg->short_break);
}

void
acc_sec_start (DeviceAccount *acc)
{
  if (!acc->cfg->secondary_registration || !acc->cfg->redundancy || acc->list == NULL)
    return;
  device_reg_cancel (acc->sec_reg);
  acc->sec_registered = FALSE;
  acc->sec_cursor = 0;
  acc_sec_try (acc);
}

/* The outcome of the secondary leg's REGISTER attempt. */
static void
acc_sec_outcome (DeviceAccount *acc, const DeviceRegResult *r)
{
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
acc_on_sec_reg (DeviceReg *reg, const DeviceRegResult *r, gpointer u)
{
  DeviceAccount *acc = u;
  (void) reg;
  acc_sec_outcome (acc, r);
  acc_check_invariants (acc);
}

void
acc_on_sec_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  if (!device_reg_is_busy (acc->sec_reg)) {
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
  acc_check_invariants (acc);
}

/* B21 (note 2): when the server in use fails, a secondary registered
 * elsewhere becomes the primary at once. */
gboolean
acc_sec_promote (DeviceAccount *acc, const SimSockAddr *failed)
{
  if (!acc->sec_registered || sim_sockaddr_equal (&acc->sec_server, failed))
    return FALSE;
  char b[SIM_SOCKADDR_STRLEN];
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
  return TRUE;
}
