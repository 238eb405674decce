/*
 * cli/bench/bench-kernel.c - hold model on the sipsim kernel.
 *
 * K events are pending at all times; each executed event schedules exactly one
 * successor after a delay uniform in 1..MAXDELAY ns; stop after N executed
 * events; only the run phase is timed (../shared/bench/README.md).
 *
 * Variants:
 *   events (default) - sim_schedule(): the one-shot queue, as packets in
 *                      flight use it.
 *   timers           - K embedded SimTimers that restart themselves, as
 *                      protocol timers do (intrusive heap with back-index).
 *
 * The delay is drawn from the world's own SimRng stream, so the kernel's
 * RNG cost is in the figure, as xorshift64*'s is in the C reference.
 * This file reads the wall clock; it is a benchmark, not part of the engine.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/kernel/world.h"

typedef struct {
  SimWorld *world;
  SimRng    rng;
  guint64   max_delay;
  guint64   done;
  guint64   total;
} Hold;

typedef struct {
  SimTimer  timer;
  Hold     *hold;
} HoldTimer;

static double
wall_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static inline SimTime
hold_delay (Hold *h)
{
  return (SimTime) (1 + sim_rng_below (&h->rng, h->max_delay));
}

static void
on_event (SimWorld *world, gpointer user_data)
{
  Hold *h = user_data;
  if (++h->done >= h->total)
    {
      sim_world_stop (world);
      return;
    }
  sim_schedule (world, hold_delay (h), on_event, h);
}

static void
on_timer (SimTimer *timer, gpointer user_data)
{
  HoldTimer *ht = user_data;
  Hold *h = ht->hold;
  if (++h->done >= h->total)
    {
      sim_world_stop (h->world);
      return;
    }
  sim_timer_start (timer, hold_delay (h));
}

static gboolean
parse_u64 (const char *s, guint64 *out)
{
  char *end = NULL;
  if (s == NULL || *s == '\0' || *s == '-')
    return FALSE;
  *out = g_ascii_strtoull (s, &end, 10);
  return end != NULL && *end == '\0';
}

typedef struct { gboolean timers; } BenchKernelArgs;

static void
bench_kernel_options (gpointer p, GOptionEntry *e)
{
  BenchKernelArgs *a = p;
  GOptionEntry t[] = {
    { "timers", 0, 0, G_OPTION_ARG_NONE, &a->timers, "embedded cancellable timers instead of plain events", NULL },
    G_OPTION_ENTRY_NULL
  };
  memcpy (e, t, sizeof t);
}

const CliCommand cli_command_bench_kernel = {
  "bench kernel", "K N [SEED] [MAXDELAY_NS]", "hold-model event-queue benchmark (never a test)",
  "K > 0 pending events, N > 0 executed events; prints 'name K N init_s run_s events_per_s'\n"
  "as ../shared/bench's C heap and ns-3 benchmarks do (doc/performance.md).",
  cli_bench_kernel_main, bench_kernel_options, sizeof (BenchKernelArgs), CLI_ARG_NONE, NULL,
};

int
cli_bench_kernel_main (int argc, char **argv)
{
  gboolean timers = FALSE;
  const char *pos[4] = { NULL };
  int npos = 0;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--timers") == 0)
        timers = TRUE;
      else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        {
          printf ("usage: sipsim bench kernel K N [SEED] [MAXDELAY_NS] [--timers]\n  %s\n%s\n",
                  cli_command_bench_kernel.summary, cli_command_bench_kernel.description);
          return CLI_EXIT_OK;
        }
      else if (npos < 4)
        pos[npos++] = argv[i];
      else
        npos = 5;
    }

  guint64 k = 0, n = 0, seed = 1, max_delay = 1000;
  if (npos < 2 || npos > 4 || !parse_u64 (pos[0], &k) || !parse_u64 (pos[1], &n)
      || (npos > 2 && !parse_u64 (pos[2], &seed))
      || (npos > 3 && !parse_u64 (pos[3], &max_delay))
      || k == 0 || n == 0 || max_delay == 0)
    {
      fprintf (stderr, "usage: sipsim bench kernel K N [SEED] [MAXDELAY_NS] [--timers]\n"
                       "  K > 0 pending events, N > 0 executed events, MAXDELAY_NS > 0\n");
      return 2;
    }

  Hold h = { 0 };
  h.world = sim_world_new (seed);
  h.max_delay = max_delay;
  h.total = n;
  sim_world_rng_init (h.world, &h.rng, "bench/hold");
  sim_world_set_max_events_per_instant (h.world, G_MAXUINT64);

  HoldTimer *ht = NULL;
  double t0 = wall_s ();
  if (timers)
    {
      ht = g_new (HoldTimer, k);
      for (guint64 i = 0; i < k; i++)
        {
          ht[i].hold = &h;
          sim_timer_init (&ht[i].timer, h.world, on_timer, &ht[i]);
          sim_timer_start (&ht[i].timer, hold_delay (&h));
        }
    }
  else
    {
      for (guint64 i = 0; i < k; i++)
        sim_schedule (h.world, hold_delay (&h), on_event, &h);
    }
  double t1 = wall_s ();
  sim_world_run_until (h.world, SIM_TIME_MAX);
  double t2 = wall_s ();

  printf ("%s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %.6f %.6f %.0f\n",
          timers ? "sipsim-timers" : "sipsim-events", k, h.done, t1 - t0, t2 - t1,
          (double) h.done / (t2 - t1));

  if (ht)
    for (guint64 i = 0; i < k; i++)
      sim_timer_cancel (&ht[i].timer);
  g_free (ht);
  sim_world_free (h.world);
  return 0;
}
