/*
 * sim/kernel/world.c - the event queue, timers and run loop of a SimWorld.
 *
 * Notes:
 *  1. Two queues, one order.  One-shot events live in a 4-ary min-heap of
 *     32-byte entries {due, seq, func, data}: no allocation per event, no
 *     back-pointers to maintain, nothing to cancel.  Timers live in a second
 *     4-ary heap of 24-byte entries {due, seq, timer*}; each move writes the
 *     timer's heap_index so cancel and restart are O(log n) true removals.
 *     Lazy cancellation (a "cancelled" bit checked on pop) was rejected: an
 *     owner may free itself right after cancelling, and the queue would then
 *     hold a pointer into freed memory.  Both queues stamp seq from one
 *     counter, so (due, seq) is a total order over everything pending and the
 *     run loop takes the smaller of the two roots.
 *  2. Why 4-ary: a pop compares four children per level but has half the
 *     levels of a binary heap, and with ev[0] at an address = 32 mod 64 the
 *     four children of a node share one 128-byte, 64-byte-aligned block, two
 *     cache lines.  At 100,000 pending events that is fewer misses per pop;
 *     past L2 the grandchildren are prefetched (EV_PREFETCH_MIN).
 *  3. Replace-top dispatch.  While a one-shot event runs, its entry stays at
 *     the root (ev_top_live).  The first event the handler schedules replaces
 *     the root and sifts down once, instead of a pop's sift-down followed by
 *     a push's sift-up (Python's heapreplace).  Keys are unique, so the order
 *     of execution is the same either way; only the work differs.  If the
 *     handler schedules nothing, the root is popped after it returns.
 *     Timers do the same (a keep-alive restarts its own timer from its
 *     callback): the firing timer is taken out at once (heap_index IDLE,
 *     so the callback may restart it, cancel others, or free its owner),
 *     but its entry stays at tm[0] as a dead root (tm_top_dead) whose
 *     timer pointer is never followed again.  Its key (now, seq) is below
 *     every other pending key and below any key stamped from now on, so
 *     the rest of the heap stays a heap under it: restarts and cancels of
 *     other timers never move it.  The first idle timer started by the
 *     callback takes the root's place and sifts down once; if there is
 *     none, the dead root is popped after the callback returns.
 *  4. Time only moves forward: the run loop asserts it, and scheduling into
 *     the past is refused with g_return_if_fail (a programming error).
 *  5. A zero-delay loop cannot starve others (FIFO ties put it behind them)
 *     but could keep the clock still for ever; max_events_per_instant turns
 *     that livelock into SIM_RUN_STALLED.
 *  6. Far timers wait in radix buckets, not in the heap.  Most timers are
 *     far ahead when started (keep-alives, registrations, NAT bindings,
 *     transaction timers) and many are restarted or cancelled before they
 *     are due; in one heap, a world of N phones paid log4(40 N) levels per
 *     start and per pop.  So the heap holds only timers due at or before
 *     tm_last, and every later one sits, unsorted, in far bucket b =
 *     bit length of (due XOR tm_last), 1..63: starting, restarting and
 *     cancelling it is an append or a swap-remove.  When the heap is empty
 *     and a timer is needed, the lowest non-empty bucket is pulled: tm_last
 *     becomes its smallest due time, the entries due then go to the heap
 *     (ordered by (due, seq) as before), the others to lower buckets (they
 *     share its high bits, so their bucket number drops), and no higher
 *     bucket changes (its entries differ from the old and the new tm_last
 *     at the same top bit).  This is a radix heap (Ahuja, Mehlhorn, Orlin
 *     and Tarjan 1990), valid because keys never go below tm_last: a timer
 *     started at or before tm_last goes into the heap.  Invariant: every
 *     heap entry is due at or before tm_last, every bucket entry after it,
 *     so the heap's root is the earliest timer whenever the heap is not
 *     empty.  An entry moves down at most 63 times in its life, in
 *     practice a few; the order of execution is that of (due, seq) either
 *     way, only the work differs.
 */
#include "sim/kernel/world.h"
#include "sim/kernel/trace-fold.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  SimTime       due;
  guint64       seq;
  SimEventFunc  func;
  gpointer      data;
} EvEntry;

typedef struct {
  SimTime       due;
  guint64       seq;
  SimTimer     *timer;
} TmEntry;

G_STATIC_ASSERT (sizeof (EvEntry) == 32);
G_STATIC_ASSERT (sizeof (TmEntry) == 24);

/* Note 6: one unsorted array per bit length of (due XOR tm_last). */
#define TM_FAR_BUCKETS 64
typedef struct {
  TmEntry      *v;
  guint         n, cap;
} TmBucket;

/* A set of 64-bit hashes (the random streams' names, sim_world_rng_init):
 * open addressing with linear probing in one array of words, 0 marking an
 * empty slot (a hash of 0 is kept in zero_seen), up to 7/8 full.  A phone
 * has about ten streams; this keeps 9 to 18 bytes a stream, where the
 * strings in a GHashTable took about 35 and a SimIntTable (key and value,
 * at most half full) 32 to 64 (issue 17 item 2).  Only stream creation
 * uses it, so a longer probe at 7/8 costs set-up, not simulation. */
typedef struct {
  guint64  *slot;            /* owned, 1 << bits words; NULL until the first add */
  guint     bits;
  guint     n;               /* non-zero hashes kept */
  gboolean  zero_seen;
} DigestSet;

static void digest_set_put (guint64 *slot, guint bits, guint64 h);

/* Adds @h; FALSE if it was there already. */
static gboolean
digest_set_add (DigestSet *s, guint64 h)
{
  if (h == 0)
    {
      gboolean had = s->zero_seen;
      s->zero_seen = TRUE;
      return !had;
    }
  if (s->slot != NULL)
    {
      guint64 mask = ((guint64) 1 << s->bits) - 1;
      for (guint64 i = h & mask; s->slot[i] != 0; i = (i + 1) & mask)
        if (s->slot[i] == h)
          return FALSE;
    }
  if (s->slot == NULL || (guint64) (s->n + 1) * 8 > (guint64) 7 << s->bits)
    {
      guint bits = s->slot ? s->bits + 1 : 4;
      guint64 *slot = g_new0 (guint64, (gsize) 1 << bits);
      for (gsize i = 0; s->slot && i < ((gsize) 1 << s->bits); i++)
        if (s->slot[i] != 0)
          digest_set_put (slot, bits, s->slot[i]);
      g_free (s->slot);
      s->slot = slot;
      s->bits = bits;
    }
  digest_set_put (s->slot, s->bits, h);
  s->n++;
  return TRUE;
}

/* Stores @h (not 0, not there) in a table with a free slot. */
static void
digest_set_put (guint64 *slot, guint bits, guint64 h)
{
  guint64 mask = ((guint64) 1 << bits) - 1;
  guint64 i = h & mask;
  while (slot[i] != 0)
    i = (i + 1) & mask;
  slot[i] = h;
}

struct SimWorld {
  SimTime       now;
  guint64       seed;
  guint64       next_seq;
  guint64       executed;
  guint64       max_per_instant;

  EvEntry      *ev;          /* inside ev_mem, aligned as note 2 says */
  void         *ev_mem;
  guint         ev_n, ev_cap;
  gboolean      ev_top_live; /* note 3 */

  TmEntry      *tm;
  guint         tm_n, tm_cap;
  gboolean      tm_top_dead; /* note 3: tm[0] is the timer now firing */
  SimTime       tm_last;     /* note 6: the heap's timers are due at or before it */
  guint64       far_mask;    /* bit b set: far[b] is not empty */
  guint         far_n;       /* timers in all far buckets */
  TmBucket      far[TM_FAR_BUCKETS];

  gboolean      running;
  gboolean      stop_requested;

  guint64       fingerprint;
  guint64       trace_lines;
  GString      *line;
  gboolean      line_open;   /* between sim_trace_begin() and _end() */
  gboolean      line_text;   /* this line is formatted (a trace func is set) */
  SimTraceFunc  trace_func;
  gpointer      trace_data;
  GDestroyNotify trace_notify;
  SimFmtCache   fmt_cache;   /* trace-fold.h note 3 */
  SimFmtCache   static_cache; /* the same for sim_trace_static */

  SimLogFunc    log_func;
  gpointer      log_data;
  GDestroyNotify log_notify;
  SimLogLevel   log_level;

  DigestSet     rng_names;   /* sim_hash64_str of every stream's name, to catch
                              * duplicate streams: a stream is the seed and that
                              * hash, so a repeated hash is a repeated stream */
  GHashTable   *shared;      /* key (static) -> SharedData, or NULL */
};


/* ------------------------------------------------------------------ time */

const char *
sim_time_format (SimTime t, char buf[SIM_TIME_STRLEN])
{
  /* "%s%llu.%09u" by hand: every trace line starts with the time, and
   * g_snprintf was a noticeable part of a run (doc/performance.md,
   * "Experiments").  At most "-9223372036.854775808" + NUL = 22 bytes. */
  char *p = buf;
  guint64 u = (guint64) t;
  if (t < 0)
    {
      *p++ = '-';
      u = (guint64) 0 - u;
    }
  guint64 secs = u / 1000000000u;
  guint frac = (guint) (u % 1000000000u);
  char tmp[20];
  guint n = 0;
  do
    tmp[n++] = (char) ('0' + secs % 10);
  while ((secs /= 10) != 0);
  while (n > 0)
    *p++ = tmp[--n];
  *p++ = '.';
  for (int i = 8; i >= 0; i--)
    {
      p[i] = (char) ('0' + frac % 10);
      frac /= 10;
    }
  p[9] = '\0';
  return buf;
}

/* --------------------------------------------------------- one-shot heap */

/* (due, seq) as one unsigned 128-bit number: due is never negative in the
 * queue (time starts at 0 and only moves forward), so the order is the same,
 * and the compiler emits a branch-free cmp/sbb instead of two data-dependent
 * branches per comparison (note 2). */
typedef unsigned __int128 SimKey;

static inline SimKey
ev_key (const EvEntry *e)
{
  return ((SimKey) (guint64) e->due << 64) | e->seq;
}

static inline gboolean
ev_less (const EvEntry *a, const EvEntry *b)
{
  return ev_key (a) < ev_key (b);
}

static void
ev_grow (SimWorld *w)
{
  guint cap = w->ev_cap ? w->ev_cap * 2 : 256;
  /* realloc, not a fresh aligned block plus a copy: glibc grows large
   * blocks with mremap, so the old and new arrays are never both resident
   * (that peak alone cost 10 bytes per pending event at K = 100,000).
   * Then put ev[0] back at an address = 32 mod 64, so that children
   * 4i+1..4i+4 start on a 64-byte boundary (note 2), if realloc moved the
   * block to another alignment. */
  gsize old_off = w->ev_mem ? (gsize) ((char *) w->ev - (char *) w->ev_mem) : 0;
  char *mem = realloc (w->ev_mem, (gsize) cap * sizeof (EvEntry) + 64);
  if (mem == NULL)
    g_error ("sim: out of memory growing the event queue to %u entries", cap);
  gsize off = (gsize) ((32 - (guintptr) mem) & 63);
  if (w->ev_n && off != old_off)
    memmove (mem + off, mem + old_off, (gsize) w->ev_n * sizeof (EvEntry));
  w->ev_mem = mem;
  w->ev = (EvEntry *) (mem + off);
  w->ev_cap = cap;
}

/* Above this many entries (256 KiB) the heap no longer fits in L2, and a
 * sift-down waits on a cache miss per level.  Prefetching the 16
 * grandchildren (one 512-byte block, 16i+5..16i+20) while the children are
 * compared overlaps the next level's misses with this level's work: +34 %
 * at 100,000 pending events, but -5 % at 1,000, hence the threshold. */
#define EV_PREFETCH_MIN 8192

static inline void
ev_sift_down (EvEntry *h, guint n, guint i, const EvEntry *e)
{
  const gboolean prefetch = n > EV_PREFETCH_MIN;
  for (;;)
    {
      guint c = 4 * i + 1;
      if (c >= n)
        break;
      if (prefetch && 16 * i + 5 < n)
        {
          const char *g = (const char *) &h[16 * i + 5];
          for (int k = 0; k < 8; k++)
            __builtin_prefetch (g + 64 * k);
        }
      guint best = c;
      if (G_LIKELY (c + 3 < n))
        {
          guint b1 = ev_less (&h[c + 1], &h[c]) ? c + 1 : c;
          guint b2 = ev_less (&h[c + 3], &h[c + 2]) ? c + 3 : c + 2;
          best = ev_less (&h[b2], &h[b1]) ? b2 : b1;
        }
      else
        {
          for (guint j = c + 1; j < n; j++)
            if (ev_less (&h[j], &h[best]))
              best = j;
        }
      if (!ev_less (&h[best], e))
        break;
      h[i] = h[best];
      i = best;
    }
  h[i] = *e;
}

static inline void
ev_push (SimWorld *w, const EvEntry *e)
{
  if (G_UNLIKELY (w->ev_n == w->ev_cap))
    ev_grow (w);
  EvEntry *h = w->ev;
  guint i = w->ev_n++;
  while (i > 0)
    {
      guint p = (i - 1) / 4;
      if (!ev_less (e, &h[p]))
        break;
      h[i] = h[p];
      i = p;
    }
  h[i] = *e;
}

static inline void
ev_pop (SimWorld *w)
{
  guint n = --w->ev_n;
  if (n > 0)
    ev_sift_down (w->ev, n, 0, &w->ev[n]);
}

/* ------------------------------------------------------------ timer heap */

static inline SimKey
tm_key (const TmEntry *e)
{
  return ((SimKey) (guint64) e->due << 64) | e->seq;
}

static inline gboolean
tm_less (const TmEntry *a, const TmEntry *b)
{
  return tm_key (a) < tm_key (b);
}

static inline void
tm_place (TmEntry *h, guint i, const TmEntry *e)
{
  h[i] = *e;
  e->timer->heap_index = i;
}

static void
tm_sift_up (TmEntry *h, guint i, const TmEntry *e)
{
  while (i > 0)
    {
      guint p = (i - 1) / 4;
      if (!tm_less (e, &h[p]))
        break;
      tm_place (h, i, &h[p]);
      i = p;
    }
  tm_place (h, i, e);
}

static void
tm_sift_down (TmEntry *h, guint n, guint i, const TmEntry *e)
{
  for (;;)
    {
      guint c = 4 * i + 1;
      if (c >= n)
        break;
      guint best = c;
      if (G_LIKELY (c + 3 < n))
        {
          /* Branch-free selection, as in ev_sift_down(). */
          guint b1 = tm_less (&h[c + 1], &h[c]) ? c + 1 : c;
          guint b2 = tm_less (&h[c + 3], &h[c + 2]) ? c + 3 : c + 2;
          best = tm_less (&h[b2], &h[b1]) ? b2 : b1;
        }
      else
        {
          for (guint j = c + 1; j < n; j++)
            if (tm_less (&h[j], &h[best]))
              best = j;
        }
      if (!tm_less (&h[best], e))
        break;
      tm_place (h, i, &h[best]);
      i = best;
    }
  tm_place (h, i, e);
}

/* Puts @e at index @i (a hole, or the entry's old place) and restores order. */
static void
tm_fix (TmEntry *h, guint n, guint i, const TmEntry *e)
{
  if (i > 0 && tm_less (e, &h[(i - 1) / 4]))
    tm_sift_up (h, i, e);
  else
    tm_sift_down (h, n, i, e);
}

/* Pops the (dead) root: the last entry fills the hole from the top. */
static inline void
tm_pop_root (SimWorld *w)
{
  guint n = --w->tm_n;
  if (n > 0)
    tm_sift_down (w->tm, n, 0, &w->tm[n]);
}

static void
tm_remove (SimWorld *w, guint i)
{
  SimTimer *t = w->tm[i].timer;
  guint n = --w->tm_n;
  t->heap_index = SIM_TIMER_IDLE;
  t->due = SIM_TIME_MAX;
  if (i != n)
    {
      TmEntry last = w->tm[n];
      tm_fix (w->tm, n, i, &last);
    }
}

/* Note 6.  @due > @last, both >= 0: the bit length of their XOR, 1..63. */
static inline guint
far_bucket_of (SimTime last, SimTime due)
{
  return 64 - (guint) __builtin_clzll ((guint64) due ^ (guint64) last);
}

static G_GNUC_NO_INLINE void
far_grow (TmBucket *k)
{
  k->cap = k->cap ? k->cap * 2 : 16;
  k->v = g_renew (TmEntry, k->v, k->cap);
}

static inline void
far_add (SimWorld *w, const TmEntry *e)
{
  guint b = far_bucket_of (w->tm_last, e->due);
  TmBucket *k = &w->far[b];
  if (G_UNLIKELY (k->n == k->cap))
    far_grow (k);
  k->v[k->n] = *e;
  e->timer->bucket = b;
  e->timer->heap_index = k->n++;
  w->far_mask |= G_GUINT64_CONSTANT (1) << b;
  w->far_n++;
}

static void
far_remove (SimWorld *w, SimTimer *t)
{
  TmBucket *k = &w->far[t->bucket];
  guint i = t->heap_index;
  g_assert (i < k->n && k->v[i].timer == t);
  if (i != --k->n)
    {
      k->v[i] = k->v[k->n];
      k->v[i].timer->heap_index = i;
    }
  if (k->n == 0)
    w->far_mask &= ~(G_GUINT64_CONSTANT (1) << t->bucket);
  w->far_n--;
  t->heap_index = SIM_TIMER_IDLE;
  t->due = SIM_TIME_MAX;
  t->bucket = 0;
}

static inline void
tm_push (SimWorld *w, const TmEntry *e)
{
  if (G_UNLIKELY (w->tm_n == w->tm_cap))
    {
      w->tm_cap = w->tm_cap ? w->tm_cap * 2 : 64;
      w->tm = g_renew (TmEntry, w->tm, w->tm_cap);
    }
  e->timer->bucket = 0;
  guint i = w->tm_n++;
  tm_sift_up (w->tm, i, e);
}

/* Entries a pulled bucket keeps room for (96 KiB). */
#define FAR_KEEP_CAP 4096

/* Note 6: the heap is empty (no dead root either); moves the earliest far
 * timers into it. */
static void
far_pull (SimWorld *w)
{
  g_assert (w->tm_n == 0 && w->far_mask != 0);
  guint b = (guint) __builtin_ctzll (w->far_mask);
  TmBucket *k = &w->far[b];
  SimTime m = SIM_TIME_MAX;
  for (guint i = 0; i < k->n; i++)
    m = MIN (m, k->v[i].due);
  g_assert (m > w->tm_last);
  w->tm_last = m;
  guint n = k->n;
  k->n = 0;
  w->far_mask &= ~(G_GUINT64_CONSTANT (1) << b);
  w->far_n -= n;
  /* far_add() below only appends to buckets below b, never to k. */
  for (guint i = 0; i < n; i++)
    {
      if (k->v[i].due == m)
        tm_push (w, &k->v[i]);
      else
        far_add (w, &k->v[i]);
    }
  /* A large bucket is pulled rarely (the high ones cover long spans) and
   * its entries now sit in lower buckets: give its room back rather than
   * keep a peak's worth of capacity in every bucket. */
  if (k->cap > FAR_KEEP_CAP)
    {
      g_free (k->v);
      k->v = NULL;
      k->cap = 0;
    }
}

/* ----------------------------------------------------------------- world */

SimWorld *
sim_world_new (guint64 seed)
{
  SimWorld *w = g_new0 (SimWorld, 1);
  w->seed = seed;
  w->next_seq = 1;
  w->max_per_instant = 10000000;
  w->fingerprint = FP_BASIS;
  w->line = g_string_sized_new (256);
  sim_fmt_cache_init (&w->fmt_cache, TRUE);
  sim_fmt_cache_init (&w->static_cache, FALSE);
  w->log_level = SIM_LOG_WARNING;
  return w;
}

void
sim_world_free (SimWorld *w)
{
  if (w == NULL)
    return;
  g_return_if_fail (!w->running);
  /* Leave any timer still pending in a state where its owner's later
   * sim_timer_cancel() is a harmless no-op rather than a use-after-free. */
  for (guint i = 0; i < w->tm_n; i++)
    w->tm[i].timer->heap_index = SIM_TIMER_IDLE;
  for (guint b = 0; b < TM_FAR_BUCKETS; b++)
    {
      for (guint i = 0; i < w->far[b].n; i++)
        w->far[b].v[i].timer->heap_index = SIM_TIMER_IDLE;
      g_free (w->far[b].v);
    }
  free (w->ev_mem);
  g_free (w->tm);
  g_string_free (w->line, TRUE);
  sim_fmt_cache_clear (&w->fmt_cache);
  sim_fmt_cache_clear (&w->static_cache);
  if (w->trace_notify)
    w->trace_notify (w->trace_data);
  if (w->log_notify)
    w->log_notify (w->log_data);
  g_free (w->rng_names.slot);
  if (w->shared)
    g_hash_table_destroy (w->shared);
  g_free (w);
}

SimTime
sim_world_now (const SimWorld *w)
{
  return w->now;
}

guint64
sim_world_get_seed (const SimWorld *w)
{
  return w->seed;
}

guint64
sim_world_get_events_executed (const SimWorld *w)
{
  return w->executed;
}

guint
sim_world_get_pending (const SimWorld *w)
{
  return w->ev_n - (w->ev_top_live ? 1 : 0) + w->tm_n - (w->tm_top_dead ? 1 : 0) + w->far_n;
}

void
sim_world_set_max_events_per_instant (SimWorld *w, guint64 max)
{
  g_return_if_fail (max > 0);
  w->max_per_instant = max;
}

SimTime
sim_world_next_due (const SimWorld *w)
{
  SimTime t = SIM_TIME_MAX;
  if (w->ev_top_live)
    {
      /* The root is the event running now; the next one is a child. */
      for (guint j = 1; j <= 4 && j < w->ev_n; j++)
        t = MIN (t, w->ev[j].due);
    }
  else if (w->ev_n)
    t = w->ev[0].due;
  SimTime tt = SIM_TIME_MAX;
  if (w->tm_top_dead)
    {
      for (guint j = 1; j <= 4 && j < w->tm_n; j++)
        tt = MIN (tt, w->tm[j].due);
    }
  else if (w->tm_n)
    tt = w->tm[0].due;
  if (tt == SIM_TIME_MAX && w->far_mask != 0)
    {
      /* Note 6: the heap has no live timer; the earliest far one is in
       * the lowest bucket. */
      const TmBucket *k = &w->far[__builtin_ctzll (w->far_mask)];
      for (guint i = 0; i < k->n; i++)
        tt = MIN (tt, k->v[i].due);
    }
  return MIN (t, tt);
}

static inline SimTime
add_delay (SimTime now, SimTime delay)
{
  return delay > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + delay;
}

static inline void
schedule_at (SimWorld *w, SimTime when, SimEventFunc func, gpointer user_data)
{
  EvEntry e = { when, w->next_seq++, func, user_data };
  if (w->ev_top_live)
    {
      w->ev_top_live = FALSE;
      ev_sift_down (w->ev, w->ev_n, 0, &e);
    }
  else
    ev_push (w, &e);
}

void
sim_schedule_at (SimWorld *w, SimTime when, SimEventFunc func, gpointer user_data)
{
  g_return_if_fail (w != NULL && func != NULL);
  g_return_if_fail (when >= w->now);
  schedule_at (w, when, func, user_data);
}

void
sim_schedule (SimWorld *w, SimTime delay, SimEventFunc func, gpointer user_data)
{
  g_return_if_fail (w != NULL && func != NULL);
  g_return_if_fail (delay >= 0);
  schedule_at (w, add_delay (w->now, delay), func, user_data);
}

SimRunResult
sim_world_run_until (SimWorld *w, SimTime end)
{
  g_return_val_if_fail (w != NULL, SIM_RUN_DONE);
  g_return_val_if_fail (!w->running, SIM_RUN_STOPPED);
  g_return_val_if_fail (end >= w->now, SIM_RUN_DONE);

  SimRunResult result;
  SimTime instant = w->now;
  guint64 at_instant = 0;

  w->running = TRUE;
  w->stop_requested = FALSE;
  for (;;)
    {
      /* The smaller of the two roots, the timer heap refilled from the
       * far buckets first when it is empty (note 6). */
      gboolean take_ev;
      if (w->tm_n == 0 && w->far_n != 0)
        far_pull (w);                         /* note 6 */
      if (w->tm_n == 0)
        {
          if (w->ev_n == 0)
            {
              result = end == SIM_TIME_MAX ? SIM_RUN_EMPTY : SIM_RUN_DONE;
              break;
            }
          take_ev = TRUE;
        }
      else
        take_ev = w->ev_n != 0 && ev_key (&w->ev[0]) < tm_key (&w->tm[0]);

      SimTime due = take_ev ? w->ev[0].due : w->tm[0].due;
      if (due > end)
        {
          result = SIM_RUN_DONE;
          break;
        }
      g_assert (due >= w->now);               /* note 4 */
      if (due != instant)
        {
          instant = due;
          at_instant = 0;
        }
      if (G_UNLIKELY (++at_instant > w->max_per_instant))
        {
          result = SIM_RUN_STALLED;
          break;
        }
      w->now = due;
      w->executed++;

      if (take_ev)
        {
          EvEntry e = w->ev[0];
          w->ev_top_live = TRUE;
          e.func (w, e.data);
          if (w->ev_top_live)
            {
              w->ev_top_live = FALSE;
              ev_pop (w);
            }
        }
      else
        {
          /* Note 3: idle from here on, its entry a dead root. */
          SimTimer *t = w->tm[0].timer;
          t->heap_index = SIM_TIMER_IDLE;
          t->due = SIM_TIME_MAX;
          w->tm_top_dead = TRUE;
          t->func (t, t->user_data);
          if (w->tm_top_dead)
            {
              w->tm_top_dead = FALSE;
              tm_pop_root (w);
            }
        }

      if (w->stop_requested)
        {
          result = SIM_RUN_STOPPED;
          break;
        }
    }
  w->running = FALSE;
  if (result == SIM_RUN_DONE)
    w->now = end;
  return result;
}

SimRunResult
sim_world_run_for (SimWorld *w, SimTime duration)
{
  g_return_val_if_fail (duration >= 0, SIM_RUN_DONE);
  return sim_world_run_until (w, add_delay (w->now, duration));
}

void
sim_world_stop (SimWorld *w)
{
  w->stop_requested = TRUE;
}

/* ----------------------------------------------------------------- timers */

void
sim_timer_init (SimTimer *t, SimWorld *world, SimTimerFunc func, gpointer user_data)
{
  g_return_if_fail (t != NULL && world != NULL && func != NULL);
  t->world = world;
  t->func = func;
  t->user_data = user_data;
  t->due = SIM_TIME_MAX;
  t->heap_index = SIM_TIMER_IDLE;
  t->bucket = 0;
}

static inline void
timer_start_at (SimWorld *w, SimTimer *t, SimTime when)
{
  TmEntry e = { when, w->next_seq++, t };
  if (t->heap_index != SIM_TIMER_IDLE)
    {
      if (t->bucket != 0)
        far_remove (w, t);
      else if (when <= w->tm_last)
        {
          /* Stays in the heap.  A later key can only go down; an earlier
           * one may go either way. */
          if (when >= t->due)
            tm_sift_down (w->tm, w->tm_n, t->heap_index, &e);
          else
            tm_fix (w->tm, w->tm_n, t->heap_index, &e);
          t->due = when;
          return;
        }
      else
        tm_remove (w, t->heap_index);
    }
  t->due = when;
  if (when > w->tm_last)
    far_add (w, &e);                /* note 6 */
  else if (w->tm_top_dead)
    {
      /* Note 3: replace the timer that is firing. */
      w->tm_top_dead = FALSE;
      t->bucket = 0;
      tm_sift_down (w->tm, w->tm_n, 0, &e);
    }
  else
    tm_push (w, &e);
}

void
sim_timer_start_at (SimTimer *t, SimTime when)
{
  g_return_if_fail (t != NULL && t->world != NULL);
  SimWorld *w = t->world;
  g_return_if_fail (when >= w->now);
  timer_start_at (w, t, when);
}

void
sim_timer_start (SimTimer *t, SimTime delay)
{
  g_return_if_fail (t != NULL && t->world != NULL);
  g_return_if_fail (delay >= 0);
  SimWorld *w = t->world;
  timer_start_at (w, t, add_delay (w->now, delay));
}

void
sim_timer_cancel (SimTimer *t)
{
  g_return_if_fail (t != NULL);
  if (t->heap_index == SIM_TIMER_IDLE)
    return;
  if (t->bucket != 0)
    {
      far_remove (t->world, t);
      return;
    }
  g_assert (t->world->tm[t->heap_index].timer == t);
  tm_remove (t->world, t->heap_index);
}

/* -------------------------------------------------------------- rng, trace */

/* One value of sim_world_set_shared(): freed with the world. */
typedef struct {
  gpointer       data;
  GDestroyNotify destroy;
} SharedData;

static void
shared_data_free (gpointer p)
{
  SharedData *d = p;
  if (d->destroy)
    d->destroy (d->data);
  g_free (d);
}

void
sim_world_set_shared (SimWorld *w, const char *key, gpointer data, GDestroyNotify destroy)
{
  g_return_if_fail (w != NULL && key != NULL && data != NULL);
  if (!w->shared)
    w->shared = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, shared_data_free);
  if (g_hash_table_contains (w->shared, key))
    {
      g_critical ("sim: shared data \"%s\" set twice in one world", key);
      return;
    }
  SharedData *d = g_new (SharedData, 1);
  d->data = data;
  d->destroy = destroy;
  g_hash_table_insert (w->shared, (gpointer) key, d);
}

gpointer
sim_world_get_shared (SimWorld *w, const char *key)
{
  g_return_val_if_fail (w != NULL && key != NULL, NULL);
  SharedData *d = w->shared ? g_hash_table_lookup (w->shared, key) : NULL;
  return d ? d->data : NULL;
}

void
sim_world_rng_init (SimWorld *w, SimRng *rng, const char *name)
{
  g_return_if_fail (w != NULL && rng != NULL && name != NULL);
  guint64 h = sim_hash64_str (name);
  if (!digest_set_add (&w->rng_names, h))
    g_critical ("sim: random stream \"%s\" created twice in one world; "
                "the two users would draw the same numbers", name);
  sim_rng_init_hashed (rng, w->seed, h);
}

/* The fingerprint, version 3 (SIM_FINGERPRINT_VERSION; doc/results.md).
 *
 * Version 1 was FNV-1a over every formatted trace line, so every line had to
 * be formatted, even in the runs (nearly all) whose trace nobody reads.
 * Version 2 folded the values a line is made of instead of its text, but
 * still folded every format string byte by byte (after a strlen) and
 * found its arguments with a strchr walk, on every line: about 390
 * instructions per printf piece, the largest part of tracing.  Version 3
 * folds what does not change during a run by a hash computed once (a
 * format once per world, a host's or node's name once per host or node;
 * trace-fold.h notes 2 and 3), and the rest by value as version 2 did.
 * From h = FNV-1a's offset basis, each value v is folded as
 * fp_fold (h, v) = ((h ^ v) * 0x9e3779b97f4a7c15) ^ (that >> 31):
 *
 *   line start    FP_LINE ^ the time in ns, H (FP_STR, who)
 *   string piece  H (FP_STR, s), whichever call gave it
 *   number piece  FP_UINT ^ v                          (sim_trace_uint)
 *   value piece   FP_VALUE ^ v                         (sim_trace_fold;
 *                 an address piece is one, sim_sockaddr_trace)
 *   printf piece  H (FP_FMT, format), then each argument in order: a
 *                 string as H (FP_STR, the bytes a precision selects),
 *                 signed integers, %c and '*' widths and precisions as
 *                 FP_INT ^ v, unsigned and %p as FP_UINT ^ v, a double as
 *                 FP_DBL then its bits
 *
 * where H (tag, s) = fp_hash_bytes: (tag | length) and then the bytes of s
 * as little-endian 64-bit words (the last one zero-padded) folded into a
 * fresh h.  Every string is folded as its hash, so a piece whose hash is
 * kept (sim_trace_begin_hashed, sim_trace_str_hashed, sim_trace_static)
 * folds as the same text given each time.  Against version 2: the line
 * tag and the time are one value, strings are one fold of their hash
 * instead of a chain of their bytes, the format is folded as its hash,
 * a '*' precision is folded (version 2 used it only to cut a %.*s), and
 * a packet hop's line (sim_trace_line_values) has no piece for the space
 * before the packet.  Version 3 is as deterministic as the text (the
 * same values in the same order give the same hash; no address enters
 * it) and as sensitive to it (another value, string, format or order
 * gives another hash): tests/test-kernel.c, 5-trace. */

/* Who's hash; the same as sim_trace_begin_len folds. */
guint64
sim_trace_hash_str (const char *s, gsize len)
{
  return fp_hash_bytes (FP_STR, s, len);
}

/* sim_trace_begin_hashed, inlined into sim_trace_line_values too (a
 * packet hop's line: a call less per line). */
static inline G_ALWAYS_INLINE void
line_start (SimWorld *w, const char *who, gsize who_len, guint64 who_hash)
{
  g_assert (!w->line_open);
  g_assert (who[who_len] == '\0');
#if SIPSIM_TRACE_FMT_CHECK
  /* The caller's cached hash must be of this text (world.h). */
  g_assert (who_hash == sim_trace_hash_str (who, who_len));
#endif
  w->line_open = TRUE;
  w->line_text = w->trace_func != NULL;
  w->fingerprint = fp_fold (fp_fold (w->fingerprint, FP_LINE ^ (guint64) w->now), who_hash);
  if (!w->line_text)
    return;
  /* The time written straight into the line (at most SIM_TIME_STRLEN). */
  g_string_set_size (w->line, SIM_TIME_STRLEN);
  sim_time_format (w->now, w->line->str);
  g_string_truncate (w->line, strlen (w->line->str));
  g_string_append_c (w->line, ' ');
  g_string_append_len (w->line, who, (gssize) who_len);
  g_string_append_c (w->line, ' ');
}

void
sim_trace_begin_hashed (SimWorld *w, const char *who, gsize who_len, guint64 who_hash)
{
  line_start (w, who, who_len, who_hash);
}

void
sim_trace_begin_len (SimWorld *w, const char *who, gsize who_len)
{
  sim_trace_begin_hashed (w, who, who_len, sim_trace_hash_str (who, who_len));
}

void
sim_trace_begin (SimWorld *w, const char *who)
{
  sim_trace_begin_len (w, who, strlen (who));
}

void
sim_trace_str_len (SimWorld *w, const char *s, gsize n)
{
  g_assert (w->line_open);
  w->fingerprint = fp_fold_str (w->fingerprint, s, n);
  if (w->line_text)
    g_string_append_len (w->line, s, (gssize) n);
}

void
sim_trace_static (SimWorld *w, const char *s)
{
  g_assert (w->line_open);
  const SimFmtInfo *e = sim_fmt_cache_get (&w->static_cache, s);
  w->fingerprint = fp_fold (w->fingerprint, e->hash);
  if (w->line_text)
    g_string_append_len (w->line, s, (gssize) e->len);
}

void
sim_trace_str_hashed (SimWorld *w, const char *s, gsize n, guint64 hash)
{
  g_assert (w->line_open);
#if SIPSIM_TRACE_FMT_CHECK
  g_assert (hash == sim_trace_hash_str (s, n));      /* world.h */
#endif
  w->fingerprint = fp_fold (w->fingerprint, hash);
  if (w->line_text)
    g_string_append_len (w->line, s, (gssize) n);
}

void
sim_trace_str (SimWorld *w, const char *s)
{
  sim_trace_str_len (w, s, strlen (s));
}

void
sim_trace_uint (SimWorld *w, guint64 v)
{
  g_assert (w->line_open);
  w->fingerprint = fp_fold (w->fingerprint, FP_UINT ^ v);
  if (w->line_text)
    sim_string_append_uint (w->line, v);
}

void
sim_trace_fold (SimWorld *w, guint64 v)
{
  g_assert (w->line_open);
  w->fingerprint = fp_fold (w->fingerprint, FP_VALUE ^ v);
}

void
sim_trace_fold_n (SimWorld *w, const guint64 *v, guint n)
{
  g_assert (w->line_open);
  guint64 h = w->fingerprint;
  for (guint i = 0; i < n; i++)
    h = fp_fold (h, FP_VALUE ^ v[i]);
  w->fingerprint = h;
}

/* sim_trace_end, inlined into sim_trace_line_values too. */
static inline G_ALWAYS_INLINE void
line_end (SimWorld *w)
{
  g_assert (w->line_open);
  w->line_open = FALSE;
  w->trace_lines++;
  if (w->line_text)
    w->trace_func (w, w->line->str, w->trace_data);
}

void
sim_trace_line_values (SimWorld *w, const char *who, gsize who_len, guint64 who_hash,
                       const char *what, const guint64 *v, guint n,
                       SimTraceTextFunc text, gconstpointer data)
{
  line_start (w, who, who_len, who_hash);
  const SimFmtInfo *e = sim_fmt_cache_get (&w->static_cache, what);
  guint64 h = fp_fold (w->fingerprint, e->hash);
  for (guint i = 0; i < n; i++)
    h = fp_fold (h, FP_VALUE ^ v[i]);
  w->fingerprint = h;
  if (w->line_text)
    {
      g_string_append_len (w->line, what, (gssize) e->len);
      text (w->line, data);
    }
  line_end (w);
}

GString *
sim_trace_text (SimWorld *w)
{
  g_assert (w->line_open);
  return w->line_text ? w->line : NULL;
}

void
sim_trace_printfv (SimWorld *w, const char *fmt, va_list ap)
{
  g_assert (w->line_open);
  const SimFmtInfo *fi = sim_fmt_cache_get (&w->fmt_cache, fmt);
  va_list walk;
  va_copy (walk, ap);
  w->fingerprint = sim_fp_fold_args (fp_fold (w->fingerprint, fi->hash), fi, &walk);
  va_end (walk);
  if (w->line_text)
    {
      /* vsnprintf into the line's own room: g_string_append_vprintf
       * allocates and frees a string per call (g_vasprintf), a fifth of
       * a stored trace line's cost.  The same libc formatting, so the
       * same bytes. */
      enum { ROOM = 256 };
      gsize at = w->line->len;
      va_list again;
      va_copy (again, ap);
      g_string_set_size (w->line, at + ROOM);
      int n = vsnprintf (w->line->str + at, ROOM + 1, fmt, ap);
      g_assert (n >= 0);
      if (n > ROOM)
        {
          g_string_set_size (w->line, at + (gsize) n);
          vsnprintf (w->line->str + at, (gsize) n + 1, fmt, again);
        }
      va_end (again);
      g_string_set_size (w->line, at + (gsize) n);
    }
}

void
sim_trace_printf (SimWorld *w, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sim_trace_printfv (w, fmt, ap);
  va_end (ap);
}

void
sim_trace_end (SimWorld *w)
{
  line_end (w);
}

void
sim_string_append_uint (GString *out, guint64 v)
{
  char tmp[20];
  guint n = 0;
  do
    tmp[n++] = (char) ('0' + v % 10);
  while ((v /= 10) != 0);
  gsize at = out->len;
  g_string_set_size (out, at + n);
  for (guint i = 0; i < n; i++)
    out->str[at + i] = tmp[n - 1 - i];
}

void
sim_tracev (SimWorld *w, const char *who, const char *fmt, va_list ap)
{
  sim_trace_begin (w, who);
  sim_trace_printfv (w, fmt, ap);
  sim_trace_end (w);
}

void
sim_trace (SimWorld *w, const char *who, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sim_tracev (w, who, fmt, ap);
  va_end (ap);
}

guint64
sim_world_get_fingerprint (const SimWorld *w)
{
  return w->fingerprint;
}

guint64
sim_world_get_trace_lines (const SimWorld *w)
{
  return w->trace_lines;
}

void
sim_world_set_trace_func (SimWorld *w, SimTraceFunc func, gpointer user_data,
                          GDestroyNotify notify)
{
  if (w->trace_notify)
    w->trace_notify (w->trace_data);
  w->trace_func = func;
  w->trace_data = user_data;
  w->trace_notify = notify;
}

static void
trace_to_file (SimWorld *w, const char *line, gpointer user_data)
{
  fputs (line, user_data);
  fputc ('\n', user_data);
}

void
sim_world_set_trace_file (SimWorld *w, FILE *fp)
{
  sim_world_set_trace_func (w, fp ? trace_to_file : NULL, fp, NULL);
}

void
sim_log (SimWorld *w, SimLogLevel level, const char *who, const char *fmt, ...)
{
  if (level > w->log_level)
    return;

  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);

  if (w->log_func)
    {
      w->log_func (w, level, who, msg, w->log_data);
      return;
    }
  char tbuf[SIM_TIME_STRLEN];
  /* Simulated warnings are outcomes, not program faults: keep them below
   * G_LOG_LEVEL_WARNING so they never abort a test. */
  GLogLevelFlags gl = level <= SIM_LOG_WARNING ? G_LOG_LEVEL_MESSAGE
                      : level == SIM_LOG_INFO ? G_LOG_LEVEL_INFO : G_LOG_LEVEL_DEBUG;
  g_log ("sipsim", gl, "%s %s: %s", sim_time_format (w->now, tbuf), who, msg);
}

void
sim_world_set_log_func (SimWorld *w, SimLogFunc func, gpointer user_data, GDestroyNotify notify)
{
  if (w->log_notify)
    w->log_notify (w->log_data);
  w->log_func = func;
  w->log_data = user_data;
  w->log_notify = notify;
}

void
sim_world_set_log_level (SimWorld *w, SimLogLevel max_level)
{
  w->log_level = max_level;
}
