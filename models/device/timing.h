/*
 * models/device/timing.h - the numbers of registration: refresh point,
 * retry waits, RFC 5626 back-off, and which responses count as a server
 * failure.  Pure functions of the configuration and a random stream, so
 * the tests can check each rule alone.
 */
#pragma once
#include <glib.h>

#include "sim/kernel/rng.h"
#include "models/device/config.h"

G_BEGIN_DECLS

/* Why a registration attempt failed, as the account sees it (B6, B38). */
typedef enum {
  DEVICE_FAIL_TIMEOUT,        /* no final response before Timer F (OBi internal 900) */
  DEVICE_FAIL_TRANSPORT,      /* ICMP unreachable or the send failed (901) */
  DEVICE_FAIL_DNS,            /* the server name did not resolve (901) */
  DEVICE_FAIL_SERVER,         /* 503, or a code in try_backup_codes (B7, B36) */
  DEVICE_FAIL_REJECTED,       /* any other final non-2xx: an account failure (403, 404,
                                 401 after max_auth, 3xx beyond max_redirects, ...) */
} DeviceFailKind;

const char *device_fail_kind_to_string (DeviceFailKind k);   /* "timeout", ... */

/* B38: is a final @status (300..699) a server failure for @acc?  503
 * always is (RFC 3261 §21.5.4, B7); otherwise @acc->try_backup_codes
 * decides: a comma list of codes, 'x'/'?' as digit wildcards ("5??"). */
gboolean  device_status_is_server_failure (const DeviceAccountConfig *acc, guint status);
/* Does @status match the code list @codes ("503,5??,6??")?  NULL/"" -> FALSE. */
gboolean  device_status_in_list (const char *codes, guint status);

/* B5: when to refresh a registration granted for @granted_s seconds,
 * measured from the moment the 200 arrived:
 *   lead = min(refresh_lead_max, refresh_lead_fraction x E), at most E
 *   refresh after E - lead.
 * Aastra >= 3.x: lead_max 15 s, fraction 0.5 (E=600, timer 60 -> 540 s;
 * E=100 -> 50 s).  A granted expiry of 0 refreshes at once. */
SimTime   device_refresh_delay (const DeviceAccountConfig *acc, guint32 granted_s);

/* RFC 5626 §4.5: W = min(@max, @base x 2^@n), where @n is the number of
 * consecutive failures (1 after the first); returns a wait drawn uniformly
 * from [W/2, W] (ns resolution).  base 30 s: n=1 -> 30-60 s, n=2 -> 60-120
 * s, ... capped at 900-1800 s with max 1800 s (BEHAVIOUR.md (c)). */
SimTime   device_backoff_rfc5626 (SimRng *rng, guint n, SimTime base, SimTime max);

/* B6-B8: the wait before the next registration attempt after the whole
 * candidate list failed (or, without redundancy, after the one server
 * failed).  @kind is the last failure; @retry_after the Retry-After of the
 * last response in s (-1: none), which wins when present (B6: "next
 * attempt after exactly Retry-After"); @failures counts consecutive failed
 * rounds (1 for the first); @rng is drawn only by DEVICE_RETRY_RFC5626. */
SimTime   device_retry_wait (const DeviceAccountConfig *acc, DeviceFailKind kind,
                             gint64 retry_after, guint failures, SimRng *rng);

/* RFC 5626 §4.4.1 keep-alive interval for UDP: with a Flow-Timer of
 * @flow_timer_s > 0, uniform in [0.8, 1.0] x Flow-Timer; without one,
 * uniform in [24, 29] s. */
SimTime   device_outbound_ka_interval (SimRng *rng, guint32 flow_timer_s);

G_END_DECLS
