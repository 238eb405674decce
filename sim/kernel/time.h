/*
 * sim/kernel/time.h - simulated time.
 *
 * SimTime is a signed 64-bit count of nanoseconds since the scenario started.
 * It is an integer, never a double (ROSS's double tw_stime makes ties depend
 * on rounding): 2^63 ns is 292 years, far beyond any run.  The unit is in the
 * name of every helper, as Redis's monotime does.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef gint64 SimTime;            /* ns since scenario start */

#define SIM_TIME_MAX   G_MAXINT64  /* "never"; delays saturate here instead of overflowing */

#define SIM_NS(x)  ((SimTime) (x))
#define SIM_US(x)  ((SimTime) (x) * G_GINT64_CONSTANT (1000))
#define SIM_MS(x)  ((SimTime) (x) * G_GINT64_CONSTANT (1000000))
#define SIM_S(x)   ((SimTime) (x) * G_GINT64_CONSTANT (1000000000))

/* Seconds as a double, for reports only: never feed it back into time. */
static inline double
sim_time_to_s (SimTime t)
{
  return (double) t / 1e9;
}

/* Rounds to the nearest nanosecond; for parsing user-given seconds. */
static inline SimTime
sim_time_from_s (double s)
{
  return (SimTime) (s * 1e9 + (s >= 0 ? 0.5 : -0.5));
}

/* Formats @t as "S.NNNNNNNNN" (seconds, nine decimals, exact) into @buf and
 * returns @buf.  Exact decimal, so traces never depend on float printing. */
#define SIM_TIME_STRLEN 32
const char *sim_time_format (SimTime t, char buf[SIM_TIME_STRLEN]);

G_END_DECLS
