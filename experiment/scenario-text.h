/*
 * experiment/scenario-text.h - reading a scenario's stored text for the
 * tools around the runs: where a sweep variable is used (plot axis
 * labels) and the scenario as one sweep point sees it (`sipsim show
 * --point`).  The text is the self-contained one scenario_get_text()
 * gives and the results database stores.
 */
#pragma once
#include <glib.h>

#include "experiment/scenario.h"

G_BEGIN_DECLS

/* Where sweep variable @var is used in the scenario @text (a stored,
 * self-contained one): "[nat home] udp_timeout" for the first value that
 * uses ${var}, NULL if none; *@unit (may be NULL) gets "s" or "ms" when
 * that key takes a duration (a device parameter of type SECONDS or MS,
 * or a key named like one: *timeout, *interval, ttl, *expires, latency,
 * jitter, *delay, duration, at, mtbf, mttr), else NULL.  Plots label
 * their x axes with it. */
char    *scenario_text_variable_use (const char *text, const char *var, const char **unit);

/* The scenario as the runs of sweep point @point see it: every ${...}
 * replaced by the point's value ('$' written back as "$$", so the text
 * reloads), the [sweep], [expect], [golden] and [plot] sections dropped
 * (they speak of the sweep), a comment naming the point first.  Newly allocated (`sipsim show --point`). */
char    *scenario_text_for_point (const Scenario *sc, guint point);

G_END_DECLS
