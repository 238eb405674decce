/*
 * experiment/override.h - `-D SECTION.KEY=VALUE`: command-line overrides
 * of scenario keys, recorded with the experiment.
 *
 * Notes
 *
 * 1. Mechanism.  The overrides become a small scenario that `extends` the
 *    file (scenario.h note 2), so an override replaces the key exactly
 *    as a child file would: in place, keeping the parent's key order, with
 *    the same checks and errors.  Nothing new to learn, nothing special in
 *    the loader.
 *
 * 2. Recorded.  The merged text (scenario_get_text) is what the results
 *    database stores and identifies an experiment by, and it carries the
 *    overridden values, each with a "# -D ..." comment above it: a run
 *    with -D is a different experiment from one without, and `sipsim show`
 *    or `sipsim info` of its database shows what was overridden.
 *
 * 3. Syntax.  SECTION is written as in the file without brackets
 *    ("device phone", "proxy pbx-a", "sweep"); the key follows the last
 *    '.' before the first '=' (section names may contain '.', keys may
 *    not).  The section must exist in the file ([sweep], [expect] and
 *    [golden] may be new), else the error suggests the closest one.
 */
#pragma once
#include <glib.h>

#include "experiment/scenario.h"

G_BEGIN_DECLS

/* scenario_load() of @path with @defines ("SECTION.KEY=VALUE", NULL-
 * terminated; NULL or empty: none) applied.  NULL with an error
 * (SCENARIO_ERROR) naming the -D argument at fault. */
Scenario *scenario_load_overridden (const char *path, const char *const *defines,
                                    GError **error);

G_END_DECLS
