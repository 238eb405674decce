/*
 * tests/test-device-timing.c - the registration numbers (models/device/
 * timing.h): B5 refresh point, RFC 5626 §4.5 back-off, the B6/B8 retry
 * waits, B38 server-failure codes, RFC 5626 §4.4.1 keep-alive intervals.
 *
 * Expected values are computed here from the rules' formulas and the
 * vendors' published examples (BEHAVIOUR.md B5: "E=600, timer=60 -> sent
 * at 540 s"), not read back from timing.c.
 */
#include <math.h>
#include <string.h>

#include "models/device/timing.h"

static void
set_ok (DeviceConfig *cfg, const char *name, const char *value)
{
  g_autoptr (GError) err = NULL;
  g_assert_true (device_config_set (cfg, name, value, &err));
  g_assert_no_error (err);
}

/* -------------------------------------------------------------- B5 */

static void
test_b5_aastra_examples (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_AASTRA);
  const DeviceAccountConfig *a = &c.accounts[0];
  /* default timer 15 s: lead = min(15, 3600/2) = 15 -> 3585 s */
  g_assert_cmpint (device_refresh_delay (a, 3600), ==, SIM_S (3585));
  /* AAS A-85's example: timer 60, E = 600 -> min(60, 300) = 60 -> 540 s */
  set_ok (&c, "sip registration renewal timer", "60");
  g_assert_cmpint (device_refresh_delay (a, 600), ==, SIM_S (540));
  /* same timer, E = 100 -> min(60, 50) = 50 -> 50 s */
  g_assert_cmpint (device_refresh_delay (a, 100), ==, SIM_S (50));
  /* odd E: E/2 is exact in ns, E = 101 -> 50.5 s */
  g_assert_cmpint (device_refresh_delay (a, 101), ==, SIM_MS (50500));
  /* a granted expiry of 0 refreshes at once */
  g_assert_cmpint (device_refresh_delay (a, 0), ==, 0);
  device_config_clear (&c);
}

static void
test_b5_fraction_and_caps (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_RFC);
  const DeviceAccountConfig *a = &c.accounts[0];
  /* rfc: refresh at 90 % of E, no cap: 3600 -> 3240 s, 60 -> 54 s */
  g_assert_cmpint (device_refresh_delay (a, 3600), ==, SIM_S (3240));
  g_assert_cmpint (device_refresh_delay (a, 60), ==, SIM_S (54));
  /* a cap below the fraction's lead wins: min(100, 360) = 100 -> 3500 s */
  set_ok (&c, "refresh_lead_max", "100");
  g_assert_cmpint (device_refresh_delay (a, 3600), ==, SIM_S (3500));
  /* the lead is never above E: fraction 1 with no cap refreshes at once */
  set_ok (&c, "refresh_lead_max", "0");
  set_ok (&c, "refresh_lead_fraction", "1");
  g_assert_cmpint (device_refresh_delay (a, 30), ==, 0);
  /* fraction 0, no cap: at E exactly */
  set_ok (&c, "refresh_lead_fraction", "0");
  g_assert_cmpint (device_refresh_delay (a, 30), ==, SIM_S (30));
  /* a cap above E (older Aastra fixed 15 s lead, E = 10): lead <= E */
  set_ok (&c, "refresh_lead_fraction", "1");
  set_ok (&c, "refresh_lead_max", "15");
  g_assert_cmpint (device_refresh_delay (a, 10), ==, 0);
  g_assert_cmpint (device_refresh_delay (a, 60), ==, SIM_S (45));
  device_config_clear (&c);
}

/* ------------------------------------------------------- RFC 5626 §4.5 */

/* W = min(max, base x 2^n), written out independently of timing.c. */
static SimTime
expected_w (guint n, SimTime base, SimTime max)
{
  double w = (double) base * pow (2.0, (double) n);
  return w > (double) max ? max : (SimTime) w;
}

static void
test_rfc5626_backoff (void)
{
  SimRng rng;
  sim_rng_init (&rng, 5626, "backoff");
  const SimTime base = SIM_S (30), max = SIM_S (1800);
  /* BEHAVIOUR.md (c): n=1 -> W 60 s, n=2 -> 120 s, ... capped at 1800 s */
  g_assert_cmpint (expected_w (1, base, max), ==, SIM_S (60));
  g_assert_cmpint (expected_w (2, base, max), ==, SIM_S (120));
  g_assert_cmpint (expected_w (6, base, max), ==, SIM_S (1800));
  const guint N = 4000;
  for (guint n = 1; n <= 8; n++)
    {
      SimTime w = expected_w (n, base, max);
      double sum = 0;
      SimTime lo = G_MAXINT64, hi = 0;
      for (guint i = 0; i < N; i++)
        {
          SimTime d = device_backoff_rfc5626 (&rng, n, base, max);
          g_assert_cmpint (d, >=, w / 2);
          g_assert_cmpint (d, <=, w);
          sum += (double) d;
          lo = MIN (lo, d);
          hi = MAX (hi, d);
        }
      /* Uniform on [W/2, W]: mean 3W/4, sd (W/2)/sqrt(12); the mean of N
       * draws has sd W/(2 sqrt(12 N)); allow 5 of those (0.8 % of W at
       * N = 4000).  The seed is fixed, so this cannot flake. */
      double mean = sum / N;
      double tol = 5.0 * (double) w / (2.0 * sqrt (12.0 * N));
      g_test_message ("n=%u W=%" G_GINT64_FORMAT " mean=%.0f tol=%.0f", n, w, mean, tol);
      g_assert_cmpfloat (fabs (mean - 0.75 * (double) w), <, tol);
      /* and it spreads over the interval, not a point */
      g_assert_cmpint (lo, <, w / 2 + w / 20);
      g_assert_cmpint (hi, >, w - w / 20);
    }
  /* a huge n neither overflows nor passes the cap */
  SimTime d = device_backoff_rfc5626 (&rng, 1000, base, max);
  g_assert_cmpint (d, >=, max / 2);
  g_assert_cmpint (d, <=, max);
  /* same seed, same draws */
  SimRng r1, r2;
  sim_rng_init (&r1, 7, "x");
  sim_rng_init (&r2, 7, "x");
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (device_backoff_rfc5626 (&r1, 3, base, max), ==,
                     device_backoff_rfc5626 (&r2, 3, base, max));
}

/* ------------------------------------------------------------ B6, B8 */

static void
test_b6_retry_after_wins (void)
{
  static const DeviceFailKind kinds[] = {
    DEVICE_FAIL_TIMEOUT, DEVICE_FAIL_TRANSPORT, DEVICE_FAIL_DNS, DEVICE_FAIL_SERVER,
    DEVICE_FAIL_REJECTED,
  };
  SimRng rng;
  sim_rng_init (&rng, 6, "retry-after");
  for (int p = DEVICE_PROFILE_OBIHAI; p < DEVICE_N_PROFILES; p++)
    {
      if (p == DEVICE_PROFILE_BARESIP)
        continue;   /* never reads Retry-After: B46, below */
      DeviceConfig c;
      device_config_init (&c, (DeviceProfileId) p);
      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          /* B6: "next attempt after exactly Retry-After" */
          g_assert_cmpint (device_retry_wait (&c.accounts[0], kinds[k], 45, 3, &rng), ==,
                           SIM_S (45));
          g_assert_cmpint (device_retry_wait (&c.accounts[0], kinds[k], 0, 1, &rng), ==, 0);
        }
      device_config_clear (&c);
    }
}

/* B46 (libre reg.c failwait, response_handler): refresh at 90 % of the
 * granted expiry; after the n-th failure in a row wait
 * min(1800, 30 x 2^min(n, 6)) x U[0.5, 1.0] s, whatever the failure, a
 * Retry-After included (never read); 408 and 403 are not server failures,
 * 503 is (request.c response_handler: the next target on 503). */
static void
test_b46_baresip (void)
{
  DeviceConfig c;
  device_config_init (&c, DEVICE_PROFILE_BARESIP);
  const DeviceAccountConfig *a = &c.accounts[0];
  g_assert_cmpint (device_refresh_delay (a, 60), ==, SIM_S (54));
  g_assert_cmpint (device_refresh_delay (a, 3600), ==, SIM_S (3240));
  g_assert_true (device_status_is_server_failure (a, 503));
  g_assert_false (device_status_is_server_failure (a, 408));
  g_assert_false (device_status_is_server_failure (a, 403));
  SimRng rng;
  sim_rng_init (&rng, 46, "b46");
  for (guint n = 1; n <= 8; n++)
    {
      double w = MIN (1800.0, 30.0 * (double) (1u << MIN (n, 6u)));
      double lo = 1e18, hi = 0, sum = 0;
      const guint draws = 4000;
      for (guint k = 0; k < draws; k++)
        {
          /* a Retry-After of 5 s changes nothing */
          double t = (double) device_retry_wait (a, DEVICE_FAIL_SERVER, 5, n, &rng) / SIM_S (1);
          lo = MIN (lo, t);
          hi = MAX (hi, t);
          sum += t;
        }
      g_assert_cmpfloat (lo, >=, 0.5 * w);
      g_assert_cmpfloat (hi, <=, w);
      /* spread over the whole window: min and max within 1 % of its ends */
      g_assert_cmpfloat (lo, <=, 0.5 * w + 0.01 * w);
      g_assert_cmpfloat (hi, >=, w - 0.01 * w);
      /* mean 0.75 W; sd of U over W/2 is W/(2 sqrt 12); 5 sigma of the mean */
      double tol = 5.0 * (w / (2.0 * sqrt (12.0))) / sqrt ((double) draws);
      g_assert_cmpfloat (fabs (sum / draws - 0.75 * w), <=, tol);
    }
  device_config_clear (&c);
}

static void
test_b8_waits (void)
{
  SimRng rng;
  sim_rng_init (&rng, 8, "b8");
  DeviceConfig c;

  /* Aastra (AAS A-84): rejection 1800 s, timeout 120 s */
  device_config_init (&c, DEVICE_PROFILE_AASTRA);
  const DeviceAccountConfig *a = &c.accounts[0];
  g_assert_cmpint (device_retry_wait (a, DEVICE_FAIL_REJECTED, -1, 1, &rng), ==, SIM_S (1800));
  g_assert_cmpint (device_retry_wait (a, DEVICE_FAIL_SERVER, -1, 1, &rng), ==, SIM_S (1800));
  g_assert_cmpint (device_retry_wait (a, DEVICE_FAIL_TIMEOUT, -1, 1, &rng), ==, SIM_S (120));
  g_assert_cmpint (device_retry_wait (a, DEVICE_FAIL_TRANSPORT, -1, 1, &rng), ==, SIM_S (120));
  g_assert_cmpint (device_retry_wait (a, DEVICE_FAIL_DNS, -1, 5, &rng), ==, SIM_S (120));
  device_config_clear (&c);

  /* OBi (fixed): the one interval after anything, however many failures */
  device_config_init (&c, DEVICE_PROFILE_OBIHAI);
  a = &c.accounts[0];
  g_assert_cmpint (device_retry_wait (a, DEVICE_FAIL_REJECTED, -1, 1, &rng), ==, SIM_S (30));
  g_assert_cmpint (device_retry_wait (a, DEVICE_FAIL_TIMEOUT, -1, 9, &rng), ==, SIM_S (30));
  device_config_clear (&c);

  /* rfc: RFC 5626 back-off with the account's base/max, n = failures */
  device_config_init (&c, DEVICE_PROFILE_RFC);
  a = &c.accounts[0];
  for (guint n = 1; n <= 7; n++)
    {
      SimTime w = expected_w (n, SIM_S (30), SIM_S (1800));
      for (guint i = 0; i < 50; i++)
        {
          SimTime d = device_retry_wait (a, DEVICE_FAIL_TIMEOUT, -1, n, &rng);
          g_assert_cmpint (d, >=, w / 2);
          g_assert_cmpint (d, <=, w);
        }
    }
  device_config_clear (&c);
}

/* ---------------------------------------------------------------- B38 */

static void
test_b38_server_failure (void)
{
  for (int p = DEVICE_PROFILE_OBIHAI; p < DEVICE_N_PROFILES; p++)
    {
      DeviceConfig c;
      device_config_init (&c, (DeviceProfileId) p);
      const DeviceAccountConfig *a = &c.accounts[0];
      /* B7/B38: 503 is a server failure; 403, 404 are account failures */
      g_assert_true (device_status_is_server_failure (a, 503));
      g_assert_false (device_status_is_server_failure (a, 403));
      g_assert_false (device_status_is_server_failure (a, 404));
      g_assert_false (device_status_is_server_failure (a, 500));
      g_assert_false (device_status_is_server_failure (a, 603));
      /* 503 stays one even when the list is blank or does not name it */
      set_ok (&c, "Try Backup RSC", "");
      g_assert_true (device_status_is_server_failure (a, 503));
      set_ok (&c, "Try Backup RSC", "6??");
      g_assert_true (device_status_is_server_failure (a, 503));
      g_assert_true (device_status_is_server_failure (a, 603));
      /* a vendor list that names 4xx (SPA Try Backup RSC) */
      set_ok (&c, "Try Backup RSC", "4??");
      g_assert_true (device_status_is_server_failure (a, 403));
      g_assert_true (device_status_is_server_failure (a, 404));
      g_assert_false (device_status_is_server_failure (a, 500));
      set_ok (&c, "Try Backup RSC", "5??,6??");
      g_assert_true (device_status_is_server_failure (a, 500));
      g_assert_true (device_status_is_server_failure (a, 600));
      g_assert_false (device_status_is_server_failure (a, 403));
      device_config_clear (&c);
    }
}

static void
test_status_lists (void)
{
  g_assert_false (device_status_in_list (NULL, 503));
  g_assert_false (device_status_in_list ("", 503));
  g_assert_true (device_status_in_list ("503", 503));
  g_assert_false (device_status_in_list ("503", 500));
  g_assert_true (device_status_in_list ("5??", 500));
  g_assert_true (device_status_in_list ("5??", 599));
  g_assert_false (device_status_in_list ("5??", 600));
  g_assert_true (device_status_in_list ("5xx", 502));
  g_assert_true (device_status_in_list ("5XX", 502));
  g_assert_true (device_status_in_list ("5x3", 543));
  g_assert_false (device_status_in_list ("5x3", 544));
  g_assert_true (device_status_in_list ("408, 5??,6??", 408));
  g_assert_true (device_status_in_list ("408, 5??,6??", 604));
  g_assert_false (device_status_in_list ("408, 5??,6??", 404));
  g_assert_false (device_status_in_list ("50", 50));        /* not 3 characters */
  g_assert_false (device_status_in_list ("5033", 503));
  g_assert_cmpstr (device_fail_kind_to_string (DEVICE_FAIL_TIMEOUT), ==, "timeout");
  g_assert_cmpstr (device_fail_kind_to_string (DEVICE_FAIL_REJECTED), ==, "rejected");
}

/* ------------------------------------------------ RFC 5626 §4.4.1 */

static void
test_outbound_ka_interval (void)
{
  SimRng rng;
  sim_rng_init (&rng, 441, "ka");
  /* Flow-Timer 120 s: 80-100 % = 96..120 s */
  SimTime lo = G_MAXINT64, hi = 0;
  for (guint i = 0; i < 2000; i++)
    {
      SimTime d = device_outbound_ka_interval (&rng, 120);
      g_assert_cmpint (d, >=, SIM_S (96));
      g_assert_cmpint (d, <=, SIM_S (120));
      lo = MIN (lo, d);
      hi = MAX (hi, d);
    }
  g_assert_cmpint (lo, <, SIM_S (97));
  g_assert_cmpint (hi, >, SIM_S (119));
  /* no Flow-Timer (UDP): 24..29 s */
  lo = G_MAXINT64;
  hi = 0;
  for (guint i = 0; i < 2000; i++)
    {
      SimTime d = device_outbound_ka_interval (&rng, 0);
      g_assert_cmpint (d, >=, SIM_S (24));
      g_assert_cmpint (d, <=, SIM_S (29));
      lo = MIN (lo, d);
      hi = MAX (hi, d);
    }
  g_assert_cmpint (lo, <, SIM_MS (24100));
  g_assert_cmpint (hi, >, SIM_MS (28900));
  /* Flow-Timer 1 s: 0.8..1 s */
  SimTime d = device_outbound_ka_interval (&rng, 1);
  g_assert_cmpint (d, >=, SIM_MS (800));
  g_assert_cmpint (d, <=, SIM_S (1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/device/timing/1-refresh/B5-aastra-examples", test_b5_aastra_examples);
  g_test_add_func ("/device/timing/1-refresh/B5-fraction-and-caps", test_b5_fraction_and_caps);
  g_test_add_func ("/device/timing/2-backoff/rfc5626-4.5-range-and-mean", test_rfc5626_backoff);
  g_test_add_func ("/device/timing/3-retry/B6-retry-after-wins", test_b6_retry_after_wins);
  g_test_add_func ("/device/timing/3-retry/B8-aastra-fixed-rfc5626", test_b8_waits);
  g_test_add_func ("/device/timing/3-retry/B46-baresip-failwait-no-retry-after", test_b46_baresip);
  g_test_add_func ("/device/timing/4-codes/B38-server-failure", test_b38_server_failure);
  g_test_add_func ("/device/timing/4-codes/wildcard-lists", test_status_lists);
  g_test_add_func ("/device/timing/5-outbound/rfc5626-4.4.1-ka-interval",
                   test_outbound_ka_interval);
  return g_test_run ();
}
