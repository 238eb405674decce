/*
 * models/device/account-failback.c - failback probes (B20): while
 * registered below the top priority in SEARCH mode, every
 * failback_interval a PROBE round (account-rounds.c note 1) tries the
 * candidates of higher priority than the server in use.  Owns
 * acc->failback_timer and acc->probe_priority; the round itself belongs
 * to account-rounds.c.
 *
 * Notes
 *
 * 1. The "primary fallback list" is every candidate of higher priority
 *    (lower SRV priority value); it is empty when the server in use is top
 *    priority, and with A records only (all equal), so there is no
 *    failback then (as B35 says of SPA).  acc_arm_failback() starts the
 *    timer only when that list is not empty, and cancels it otherwise.
 *
 * 2. Probe and refresh.  A failback probe that falls due less than Timer F
 *    before the next refresh waits until just after it (a probe to a dead
 *    server holds the account for Timer F, and a refresh held that long
 *    can let a short binding lapse).  A probe never stops the refresh
 *    timer; a refresh that still comes due while a probe is in flight
 *    waits for the probe (acc->refresh_due): a probe that fails sends it
 *    (and renews a binding that lapsed meanwhile) at the server in use as
 *    soon as it ends; a probe that succeeds drops it, since its 2xx starts
 *    a new refresh timer (B5).
 */
#include "models/device/account-private.h"

void
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

/* The failback timer fired: probe now, or later (note 2). */
static void
acc_failback_due (DeviceAccount *acc)
{
  if (!acc->registered || acc->round != ROUND_NONE) {
    host_timer_start (&acc->failback_timer, acc->cfg->failback_interval);
    return;
  }
  /* Note 2: a refresh due before the probe could time out goes first. */
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

void
acc_on_failback_timer (SimTimer *t, gpointer u)
{
  (void) t;
  DeviceAccount *acc = u;
  acc_failback_due (acc);
  acc_check_invariants (acc);
}
