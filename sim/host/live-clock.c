/*
 * sim/host/live-clock.c - SimLive: a SimWorld driven in real time from a
 * GLib main context (host-live.h note 1).
 *
 * The driver is one GSource.  prepare() asks the kernel for its earliest
 * due time and tells the main loop how long it may sleep; check() and
 * dispatch() run every event due by the wall clock's now with
 * sim_world_run_until(now), which also moves the kernel clock to now, so
 * between dispatches the kernel is at most one loop wake-up behind the
 * wall.  Socket watches (host-live.c) only queue what they read and start
 * a kernel timer at the read instant: prepare() sees that timer on the
 * loop's next iteration and the driver runs it.
 *
 * Invariant (asserted in catch_up): kernel time <= wall time.  The wall
 * clock is CLOCK_MONOTONIC, so it never steps back with NTP or a user
 * changing the date.
 */
#include "sim/host/host-live.h"
#include "sim/host/live-private.h"

#include <time.h>

typedef struct {
  GSource  base;
  SimLive *live;
} DriverSource;

static gint64
mono_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

SimTime
sim_live_wall_now (const SimLive *live)
{
  return mono_ns () - live->t0_ns;
}

SimWorld *
sim_live_get_world (SimLive *live)
{
  return live->world;
}

SimTime
sim_live_get_max_lateness (const SimLive *live)
{
  return live->max_late;
}

void
sim_live_set_packet_func (SimLive *live, SimLivePacketFunc func, gpointer user_data)
{
  live->packet_func = func;
  live->packet_data = user_data;
}

void
sim_live_catch_up (SimLive *live)
{
  SimTime now = sim_live_wall_now (live);
  g_assert (sim_world_now (live->world) <= now);
  SimTime due = sim_world_next_due (live->world);
  if (due <= now && now - due > live->max_late)
    live->max_late = now - due;
  sim_world_run_until (live->world, now);
}

static gboolean
driver_prepare (GSource *source, gint *timeout)
{
  SimLive *live = ((DriverSource *) source)->live;
  SimTime due = sim_world_next_due (live->world);
  if (due == SIM_TIME_MAX)
    {
      *timeout = -1;
      return FALSE;
    }
  SimTime now = sim_live_wall_now (live);
  if (due <= now)
    {
      *timeout = 0;
      return TRUE;
    }
  /* Round up: waking early would only spin through prepare again. */
  SimTime ms = (due - now + SIM_MS (1) - 1) / SIM_MS (1);
  *timeout = ms > G_MAXINT ? G_MAXINT : (gint) ms;
  return FALSE;
}

static gboolean
driver_check (GSource *source)
{
  SimLive *live = ((DriverSource *) source)->live;
  return sim_world_next_due (live->world) <= sim_live_wall_now (live);
}

static gboolean
driver_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  (void) callback;
  (void) user_data;
  sim_live_catch_up (((DriverSource *) source)->live);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs driver_funcs = {
  .prepare = driver_prepare,
  .check = driver_check,
  .dispatch = driver_dispatch,
};

SimLive *
sim_live_new (SimWorld *world, GMainContext *context)
{
  g_return_val_if_fail (world != NULL && sim_world_now (world) == 0, NULL);
  SimLive *live = g_new0 (SimLive, 1);
  live->world = world;
  live->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  live->t0_ns = mono_ns ();
  DriverSource *ds = (DriverSource *) g_source_new (&driver_funcs, sizeof (DriverSource));
  ds->live = live;
  g_source_set_name (&ds->base, "sipsim-live-kernel");
  live->source = &ds->base;
  g_source_attach (live->source, live->context);
  return live;
}

void
sim_live_free (SimLive *live)
{
  if (!live)
    return;
  g_source_destroy (live->source);
  g_source_unref (live->source);
  g_main_context_unref (live->context);
  g_free (live);
}
