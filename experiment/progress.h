/*
 * experiment/progress.h - the sweep's progress line and the one reader
 * of the host's wall clock in the experiment layer.
 *
 * Notes
 *
 * 1. Wall clock.  Runs are timed (run.wall_s in the database) and the
 *    sweep's rate and ETA are shown; both need the host's monotonic
 *    clock.  progress_clock_s() is the only place the experiment layer
 *    reads it, and what it returns is reported to the user, never given
 *    to a simulation (DESIGN.md principle 3: the fingerprint depends on
 *    the scenario and seed only).
 *
 * 2. Modes.  On a terminal: one line redrawn in place (a bar, runs done,
 *    failed, rate, ETA), at most 10 times a second.  Otherwise: a plain
 *    line per 10 % (and at the end), so CI logs stay short.
 *
 * Ownership: a Progress writes to a FILE it does not own.
 */
#pragma once
#include <stdio.h>
#include <glib.h>

#include "experiment/runner.h"

G_BEGIN_DECLS

typedef struct Progress Progress;

/* Seconds on the host's monotonic clock (note 1). */
double    progress_clock_s (void);

/* @mode AUTO picks BAR when @fp is a terminal.  @total runs planned. */
Progress *progress_new     (RunnerProgress mode, guint total, FILE *fp);
/* Shows @done (ok + failed) of total, @failed of them failed. */
void      progress_update  (Progress *p, guint done, guint failed);
/* Final line; frees @p.  NULL-safe. */
void      progress_finish  (Progress *p, guint done, guint failed);

/* "1:02:03", "4:05", "--:--" for a negative value; into @buf. */
const char *progress_format_eta (double seconds, char buf[32]);

G_END_DECLS
