/*
 * sim/kernel/world.h - the simulated world: clock, event queue, timers,
 * random streams, trace and fingerprint.
 *
 * A SimWorld is one run.  It owns the clock and the queue and shares nothing
 * mutable with any other world, so runs can execute in parallel threads
 * (DESIGN.md principle 4).  A world must only be used from one thread at a
 * time.  The kernel knows nothing of packets or SIP.
 *
 * Ordering contract (tested in tests/test-kernel.c):
 *  - Events and timers run in order of (due time, sequence number).  The
 *    sequence number is stamped from one per-world counter when an event is
 *    scheduled or a timer is (re)started, so ties run first-scheduled first.
 *  - Time never goes backwards; a negative delay is a programming error.
 *  - An event that reschedules itself at delay 0 goes behind everything
 *    already due at that instant, so it cannot starve them; and a run that
 *    executes more than max_events_per_instant events without the clock
 *    moving stops with SIM_RUN_STALLED instead of spinning for ever.
 *
 * Two ways to schedule work:
 *  - sim_schedule(): fire-and-forget.  The callback and its pointer live in
 *    the queue entry itself (32 bytes), nothing is allocated, it cannot be
 *    cancelled.  Packets in flight and one-off actions use this.
 *  - SimTimer: embedded in its owner, cancellable and restartable in
 *    O(log n), for protocol timers.  The owner's destructor must cancel it.
 */
#pragma once
#include <stdio.h>
#include <glib.h>

#include "sim/kernel/time.h"
#include "sim/kernel/rng.h"

G_BEGIN_DECLS

typedef struct SimWorld SimWorld;
typedef struct SimTimer SimTimer;

typedef void (*SimEventFunc) (SimWorld *world, gpointer user_data);
typedef void (*SimTimerFunc) (SimTimer *timer, gpointer user_data);

/* Embedded in its owner; all fields are private.  Initialise with
 * sim_timer_init() before any other call.  Not pending after init. */
struct SimTimer {
  SimWorld     *world;
  SimTimerFunc  func;
  gpointer      user_data;
  SimTime       due;
  guint32       heap_index;   /* SIM_TIMER_IDLE when not pending */
};
#define SIM_TIMER_IDLE G_MAXUINT32

typedef enum {
  SIM_RUN_DONE,      /* reached the end time; now == end time */
  SIM_RUN_EMPTY,     /* no event left (only from run_until(SIM_TIME_MAX)) */
  SIM_RUN_STOPPED,   /* sim_world_stop() was called by an event */
  SIM_RUN_STALLED,   /* too many events at one instant: a zero-delay loop */
} SimRunResult;

typedef enum {
  SIM_LOG_ERROR,
  SIM_LOG_WARNING,
  SIM_LOG_INFO,
  SIM_LOG_DEBUG,
} SimLogLevel;

/* Called with each canonical trace line, without its newline.  @line is
 * valid only during the call. */
typedef void (*SimTraceFunc) (SimWorld *world, const char *line, gpointer user_data);
/* Called with each log message.  @msg is valid only during the call. */
typedef void (*SimLogFunc)   (SimWorld *world, SimLogLevel level, const char *who,
                              const char *msg, gpointer user_data);

/* A new world at time 0 whose random streams derive from @seed. */
SimWorld     *sim_world_new        (guint64 seed);
/* NULL-safe.  Pending events are discarded without running; pending timers
 * must have been cancelled by their owners (checked). */
void          sim_world_free       (SimWorld *world);

SimTime       sim_world_now        (const SimWorld *world);
guint64       sim_world_get_seed   (const SimWorld *world);

/* Runs every event due at or before @end, in order, then sets the clock to
 * @end.  Must not be called from inside an event. */
SimRunResult  sim_world_run_until  (SimWorld *world, SimTime end);
/* sim_world_run_until (world, now + @duration). */
SimRunResult  sim_world_run_for    (SimWorld *world, SimTime duration);
/* From inside an event: return from the current run after this event. */
void          sim_world_stop       (SimWorld *world);

/* Events executed since the world was created (timers included). */
guint64       sim_world_get_events_executed (const SimWorld *world);
/* Events and timers pending now. */
guint         sim_world_get_pending (const SimWorld *world);
/* Due time of the earliest pending event or timer, or SIM_TIME_MAX. */
SimTime       sim_world_next_due   (const SimWorld *world);
/* Default 10,000,000. */
void          sim_world_set_max_events_per_instant (SimWorld *world, guint64 max);

/* Runs @func (@world, @user_data) at now + @delay.  @delay >= 0.  Nothing is
 * copied or owned: @user_data must stay valid until then. */
void          sim_schedule         (SimWorld *world, SimTime delay,
                                    SimEventFunc func, gpointer user_data);
/* As sim_schedule() at absolute time @when >= now. */
void          sim_schedule_at      (SimWorld *world, SimTime when,
                                    SimEventFunc func, gpointer user_data);

void          sim_timer_init       (SimTimer *timer, SimWorld *world,
                                    SimTimerFunc func, gpointer user_data);
/* (Re)starts @timer to fire at now + @delay, @delay >= 0.  A pending timer
 * is moved; it gets a new sequence number, as if cancelled and started. */
void          sim_timer_start      (SimTimer *timer, SimTime delay);
void          sim_timer_start_at   (SimTimer *timer, SimTime when);
/* No-op when not pending.  The callback is not called. */
void          sim_timer_cancel     (SimTimer *timer);
gboolean      sim_timer_is_pending (const SimTimer *timer);
/* Due time while pending, SIM_TIME_MAX otherwise. */
SimTime       sim_timer_get_due    (const SimTimer *timer);

/* Seeds @rng as the world's stream @name: sim_rng_init (rng, seed, name).
 * Each name should be used once per world (a duplicate is reported with
 * g_critical, since two models sharing draws breaks independence). */
void          sim_world_rng_init   (SimWorld *world, SimRng *rng, const char *name);

/* Per-world data shared by many models, found by @key: a cache that
 * would otherwise be kept once per phone (the DNS resolvers' built
 * queries, sim/host/resolver-ares.c).  The world owns @data from here on
 * and frees it with @destroy (if non-NULL) in sim_world_free(), after
 * every model that borrowed it must be gone.  @key must be a string with
 * static storage (it is kept, not copied); setting a key twice is a
 * g_critical and keeps the first.  What is kept here must never change a
 * result: a model may find it empty, full or shared with any other model
 * and must behave the same (it is a cache, not state). */
void          sim_world_set_shared (SimWorld *world, const char *key, gpointer data,
                                    GDestroyNotify destroy);
/* The data set for @key, or NULL. */
gpointer      sim_world_get_shared (SimWorld *world, const char *key);

/* The fingerprint's definition; stored with every run (doc/results.md).
 * 1: FNV-1a over the formatted trace text.  2: a hash of each line's
 * values (time, who, format string, arguments) as they are traced, so the
 * text is formatted only when someone reads it.  3 (now): as 2, but every
 * string (who, pieces, format strings, %s arguments) is folded as one
 * value, a hash of its text, computed once for the strings that do not
 * change (a format or a literal once per world, a name once per owner),
 * and hot addresses are traced as values (world.c, above
 * sim_trace_hash_str; doc/results.md). */
#define SIM_FINGERPRINT_VERSION 3

/* Appends one canonical trace line "<time> <who> <text>" and folds it into
 * the run's fingerprint.  Use it for protocol-visible events only (message
 * sent/received/dropped, timer fired, state change), and keep values that
 * are not derived from the seed (DNS ids from OS entropy) out of it.
 * Conversions: %s %.*s %c %d %i %u %x %X %o %p %f %g %e %%, with flags,
 * width, precision and the length modifiers hh h l ll z j t L.  The text is
 * formatted only when a trace func is set; the fingerprint is folded from
 * the values either way, so it does not depend on whether the trace is
 * kept.
 *
 * Contract: @fmt (here and in every sim_trace*, host_trace* printf-style
 * function) is a string literal, or at least static storage that never
 * changes: the world parses each format once and finds it again by its
 * address (sim/kernel/trace-fold.h note 3).  meson.build enforces it with
 * -Wformat-nonliteral (a call with a non-literal format) and
 * -Wmissing-format-attribute (a wrapper that passes its own format on
 * without G_GNUC_PRINTF, so its callers would not be checked); every
 * build but a release build also checks each cached format's text at
 * every use.  Variable text goes in as an argument ("%s"), never as the
 * format. */
void          sim_trace            (SimWorld *world, const char *who,
                                    const char *fmt, ...) G_GNUC_PRINTF (3, 4);
/* As sim_trace() with a va_list. */
void          sim_tracev           (SimWorld *world, const char *who,
                                    const char *fmt, va_list ap) G_GNUC_PRINTF (3, 0);
/* One trace line in pieces, for the hot paths (packets, keep-alives) and
 * for wrappers that add a prefix:
 *
 *   sim_trace_begin (world, who);          time and who
 *   sim_trace_str (world, "fwd ");         text, folded as a string
 *   sim_trace_uint (world, len);           a number, folded as its value
 *   sim_trace_printf (world, "%s", x);     a format and its arguments
 *   sim_trace_end (world);                 the line is done
 *
 * Each piece is folded into the fingerprint by value and appended to the
 * line only when a trace func is set.  No other sim_trace* line may start
 * between begin and end (asserted); the text should not contain '\n'.  The
 * text is the concatenation of the pieces, so a line written in pieces reads
 * as the sim_trace() line with the same text; its fingerprint differs if the
 * pieces differ (a number traced with sim_trace_uint is not the same piece
 * as its digits inside a format). */
void          sim_trace_begin      (SimWorld *world, const char *who);
void          sim_trace_str        (SimWorld *world, const char *s);
/* The same with the length given (strlen (@who), strlen (@s)), for
 * callers that know it: the same line and the same fingerprint. */
void          sim_trace_begin_len  (SimWorld *world, const char *who, gsize who_len);
void          sim_trace_str_len    (SimWorld *world, const char *s, gsize len);
/* A string piece in static storage that never changes (a name from a
 * *_to_string table, a literal passed down): the same contract as a
 * format (above), so its hash and length are found by its address, once
 * per world (checked at every use in every build but a release build).
 * The same line and fingerprint as sim_trace_str (@s).  sim_trace_lit
 * takes only a literal (the compiler checks). */
void          sim_trace_static     (SimWorld *world, const char *s);
#define       sim_trace_lit(world, lit) sim_trace_static ((world), "" lit "")
/* For owners of a fixed who ("host:NAME"): its hash, computed once with
 * sim_trace_hash_str (who, who_len) and kept as long as @who, makes
 * begin cost the same whatever the name's length.  The same line and
 * fingerprint as sim_trace_begin_len (checked in every build but a
 * release build). */
guint64       sim_trace_hash_str   (const char *s, gsize len);
void          sim_trace_begin_hashed (SimWorld *world, const char *who, gsize who_len,
                                      guint64 who_hash);
/* The same for a string piece that its owner traces often and never
 * changes (a device's "dev NAME " prefix): the same line and fingerprint
 * as sim_trace_str_len (@s, @len). */
void          sim_trace_str_hashed (SimWorld *world, const char *s, gsize len, guint64 hash);
void          sim_trace_uint       (SimWorld *world, guint64 v);
void          sim_trace_printf     (SimWorld *world, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
void          sim_trace_printfv    (SimWorld *world, const char *fmt, va_list ap)
                                    G_GNUC_PRINTF (2, 0);
void          sim_trace_end        (SimWorld *world);
/* For pieces with their own formatting (e.g. an address in dotted form):
 * the line so far when it is wanted, NULL when no one reads the text.  The
 * caller appends its text there (if non-NULL) and folds the values it
 * formats with sim_trace_fold (always). */
GString *     sim_trace_text       (SimWorld *world);
void          sim_trace_fold       (SimWorld *world, guint64 v);
/* sim_trace_fold of @v[0], ..., @v[@n - 1], in one call. */
void          sim_trace_fold_n     (SimWorld *world, const guint64 *v, guint n);
/* A whole line in one call, for the most frequent lines (a packet hop):
 * the same line and fingerprint as
 *   sim_trace_begin_hashed (world, who, who_len, who_hash);
 *   sim_trace_static (world, what);
 *   sim_trace_fold_n (world, v, n);
 *   [ @text (line, @data) appends the rest of the text ]
 *   sim_trace_end (world);
 * @text is called only when the text is wanted, and must append exactly
 * what the values stand for. */
typedef void (*SimTraceTextFunc) (GString *line, gconstpointer data);
void          sim_trace_line_values (SimWorld *world, const char *who, gsize who_len,
                                     guint64 who_hash, const char *what,
                                     const guint64 *v, guint n,
                                     SimTraceTextFunc text, gconstpointer data);
/* Appends @v in decimal to @out, no printf. */
void          sim_string_append_uint (GString *out, guint64 v);
/* The run's fingerprint so far (SIM_FINGERPRINT_VERSION). */
guint64       sim_world_get_fingerprint (const SimWorld *world);
guint64       sim_world_get_trace_lines (const SimWorld *world);
/* Also hands every trace line to @func.  @notify frees @user_data on
 * replacement or when the world is freed. */
void          sim_world_set_trace_func (SimWorld *world, SimTraceFunc func,
                                        gpointer user_data, GDestroyNotify notify);
/* Convenience: writes trace lines to @fp (not owned, not closed). */
void          sim_world_set_trace_file (SimWorld *world, FILE *fp);

/* Diagnostic log; not part of the fingerprint.  By default messages at
 * SIM_LOG_WARNING and above go to g_log() with the simulated time, others
 * are dropped; set a func to see them. */
void          sim_log              (SimWorld *world, SimLogLevel level, const char *who,
                                    const char *fmt, ...) G_GNUC_PRINTF (4, 5);
void          sim_world_set_log_func (SimWorld *world, SimLogFunc func, gpointer user_data,
                                      GDestroyNotify notify);
void          sim_world_set_log_level (SimWorld *world, SimLogLevel max_level);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimWorld, sim_world_free)

G_END_DECLS
