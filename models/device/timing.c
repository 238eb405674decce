/*
 * models/device/timing.c - refresh point, retry waits, RFC 5626 back-off,
 * server-failure classification (timing.h).
 *
 * Notes
 *
 * 1. Integer time.  Every result is a SimTime in ns computed with integer
 *    arithmetic; the one double in the inputs (refresh_lead_fraction) is
 *    applied once and rounded to the nearest ns, so E = 100 s with a
 *    fraction of 0.5 gives exactly 50 s.
 *
 * 2. Random draws are inclusive integer ranges of ns from the caller's
 *    SimRng (sim_rng_int_range), one draw per call, so the same seed gives
 *    the same waits.
 */
#include "models/device/timing.h"

#include <math.h>
#include <string.h>

const char *
device_fail_kind_to_string (DeviceFailKind k)
{
  switch (k)
    {
    case DEVICE_FAIL_TIMEOUT:   return "timeout";
    case DEVICE_FAIL_TRANSPORT: return "transport";
    case DEVICE_FAIL_DNS:       return "dns";
    case DEVICE_FAIL_SERVER:    return "server";
    case DEVICE_FAIL_REJECTED:  return "rejected";
    default:                    return "?";
    }
}

/* One 3-character pattern ("5??", "503", "6xx") against @status. */
static gboolean
code_matches (const char *pat, gsize len, guint status)
{
  if (len != 3 || status < 100 || status > 999)
    return FALSE;
  char digits[4];
  g_snprintf (digits, sizeof digits, "%03u", status);
  for (gsize i = 0; i < 3; i++)
    {
      char c = pat[i];
      if (c == '?' || c == 'x' || c == 'X')
        continue;
      if (c != digits[i])
        return FALSE;
    }
  return TRUE;
}

gboolean
device_status_in_list (const char *codes, guint status)
{
  if (codes == NULL)
    return FALSE;
  const char *p = codes;
  while (*p)
    {
      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      const char *start = p;
      while (*p && *p != ',' && *p != ' ' && *p != '\t')
        p++;
      if (p > start && code_matches (start, (gsize) (p - start), status))
        return TRUE;
    }
  return FALSE;
}

/* B38: 503 always (RFC 3261 §21.5.4, B7); 403, 404 and the other account
 * failures only when the vendor list names them (SPA Try Backup RSC). */
gboolean
device_status_is_server_failure (const DeviceAccountConfig *acc, guint status)
{
  g_return_val_if_fail (acc != NULL, FALSE);
  if (status == 503)
    return TRUE;
  return device_status_in_list (acc->try_backup_codes, status);
}

/* B5: lead = min(lead_max, fraction x E), never above E; lead_max 0 means
 * no cap (the fraction alone). */
SimTime
device_refresh_delay (const DeviceAccountConfig *acc, guint32 granted_s)
{
  g_return_val_if_fail (acc != NULL, 0);
  SimTime e = SIM_S (granted_s);
  if (e == 0)
    return 0;
  double f = acc->refresh_lead_fraction;
  if (!(f > 0.0))
    f = 0.0;
  if (f > 1.0)
    f = 1.0;
  SimTime lead = (SimTime) llround (f * (double) e);
  if (acc->refresh_lead_max > 0 && acc->refresh_lead_max < lead)
    lead = acc->refresh_lead_max;
  lead = CLAMP (lead, 0, e);
  return e - lead;
}

/* RFC 5626 §4.5: W = min(max, base x 2^n), wait uniform in [W/2, W]. */
SimTime
device_backoff_rfc5626 (SimRng *rng, guint n, SimTime base, SimTime max)
{
  g_return_val_if_fail (rng != NULL, 0);
  g_return_val_if_fail (base >= 0 && max >= 0, 0);
  SimTime w = base;
  /* Doubling stops at the cap, so no overflow for any n. */
  for (guint i = 0; i < n && w < max; i++)
    w = w > G_MAXINT64 / 2 ? G_MAXINT64 : w * 2;
  if (w > max)
    w = max;
  return sim_rng_int_range (rng, w / 2, w);
}

/* B6-B8: Retry-After wins (unless the profile never reads it, B46);
 * otherwise the account's retry mode. */
SimTime
device_retry_wait (const DeviceAccountConfig *acc, DeviceFailKind kind,
                   gint64 retry_after, guint failures, SimRng *rng)
{
  g_return_val_if_fail (acc != NULL, 0);
  if (retry_after >= 0 && acc->honour_retry_after)
    return SIM_S (MIN (retry_after, G_GINT64_CONSTANT (2147483647)));
  switch (acc->retry_mode)
    {
    case DEVICE_RETRY_FIXED:
      return acc->retry_interval;
    case DEVICE_RETRY_AASTRA:
      /* B8 (AAS A-84): a timeout (and the unreachable cases, which the
       * phone also sees as "no answer") waits the timeout retry timer; a
       * rejection the retry timer. */
      switch (kind)
        {
        case DEVICE_FAIL_TIMEOUT:
        case DEVICE_FAIL_TRANSPORT:
        case DEVICE_FAIL_DNS:
          return acc->timeout_retry_interval;
        default:
          return acc->retry_interval;
        }
    case DEVICE_RETRY_RFC5626:
      g_return_val_if_fail (rng != NULL, acc->backoff_base);
      return device_backoff_rfc5626 (rng, failures, acc->backoff_base, acc->backoff_max);
    default:
      g_return_val_if_reached (acc->retry_interval);
    }
}

/* RFC 5626 §4.4.1: 80-100 % of Flow-Timer, else (UDP) 24-29 s. */
SimTime
device_outbound_ka_interval (SimRng *rng, guint32 flow_timer_s)
{
  g_return_val_if_fail (rng != NULL, 0);
  if (flow_timer_s > 0)
    {
      SimTime f = SIM_S (flow_timer_s);
      return sim_rng_int_range (rng, f / 5 * 4, f);
    }
  return sim_rng_int_range (rng, SIM_S (24), SIM_S (29));
}
