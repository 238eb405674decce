/*
 * experiment/scenario.h - scenario files: GLib key files describing a
 * world, its faults, its sweep and what must hold (doc/scenarios.md is the
 * reference; scenarios/ has ready ones).
 *
 * Notes
 *
 * 1. Sections.  [scenario] (name, duration, warmup, seed, replications,
 *    extends), [network], [dns], [proxy NAME], [nat NAME], [device NAME],
 *    [fault NAME], [sweep], [expect], [golden], [plot].  Unknown sections and
 *    unknown keys are errors.  In [device NAME] every key that is not one
 *    of the section's own keys (profile, count, nat, start, access_*) is a
 *    device parameter under its vendor name (models/device/config.h),
 *    checked by device_config_set().
 *
 * 2. Inheritance.  `extends = FILE` in [scenario] (relative to the file)
 *    loads FILE first; the child's keys replace the parent's key by key,
 *    sections merge.  Chains are followed; cycles are errors.  Each value
 *    remembers the file and line it came from, for errors.
 *
 * 3. Sweeps.  A value may use `${var}`; variables are defined in [sweep]
 *    as lists ("15, 30, 60") or ranges ("30..300 step 30"), or inline
 *    OMNeT++-style (`${ka = 15, 30, 60}`).  Variables form a grid
 *    (cartesian product, first-defined varies slowest) unless
 *    [sweep] zip = a, b ties them (iterated together; equal lengths).
 *    A sweep point is one assignment of every variable; its key is the
 *    canonical text "a=15,b=30" (variables in definition order), "" when
 *    there are none.
 *
 * 4. Seeds.  A run's seed is derived from (experiment seed, point key,
 *    replication) by hashing (scenario_run_seed), never from the order
 *    runs execute in or from the point's index, so filtering or adding
 *    sweep values leaves the other runs' seeds alone.
 *
 * 5. Errors (SCENARIO_ERROR) read "FILE:LINE: [section] key: what was
 *    expected, got 'VALUE'" (line 0 and no key when the whole file is
 *    at fault).
 *
 * 6. Point hashes.  Each point has a content hash (SHA-256 of what can
 *    change its runs: duration, warm-up, its key and its world sections
 *    with the values substituted; scenario-hash.c says exactly what).
 *    The results store keys a run by (point hash, replication, run seed),
 *    so an edit that leaves a point's hash alone (more replications, more
 *    sweep values, [expect], comments) keeps its stored runs.
 *
 * Ownership: a Scenario owns its text, points and expectations; RunSpecs
 * made from it are the caller's.
 */
#pragma once
#include <glib.h>

#include "experiment/spec.h"

G_BEGIN_DECLS

#define SCENARIO_ERROR (scenario_error_quark ())
GQuark scenario_error_quark (void);

typedef enum {
  SCENARIO_ERROR_IO,        /* cannot read a file */
  SCENARIO_ERROR_SYNTAX,    /* not a key file, bad ${...} */
  SCENARIO_ERROR_UNKNOWN,   /* unknown section or key */
  SCENARIO_ERROR_VALUE,     /* a value that does not parse or is out of range */
  SCENARIO_ERROR_MISSING,   /* a required key or section is absent */
  SCENARIO_ERROR_REFERENCE, /* names a proxy/nat/device/variable that does not exist */
} ScenarioError;

typedef struct Scenario Scenario;

/* One sweep point: variable names and values (parallel arrays). */
typedef struct {
  guint   index;            /* 0-based, in expansion order */
  char   *key;              /* "a=15,b=30"; "" without variables */
  guint   n_vars;
  char  **names;
  char  **values;
} ScenarioPoint;

/* One [expect], [golden] or [plot] entry, raw: check.h and plot.h parse
 * the value. */
typedef struct {
  char  *section;           /* "expect", "golden" or "plot" */
  char  *key;
  char  *value;
  char  *file;
  guint  line;
} ScenarioEntry;

/* Loads @path (and what it extends); checks every section and key, and
 * instantiates every sweep point once, so a scenario that loads has no
 * error left in any point.  NULL with a SCENARIO_ERROR otherwise. */
Scenario   *scenario_load           (const char *path, GError **error);
/* The same from text; @name is used as the file name in errors and
 * `extends` is resolved relative to @base_dir (NULL: the current dir). */
Scenario   *scenario_load_from_data (const char *text, const char *name,
                                     const char *base_dir, GError **error);
void        scenario_free           (Scenario *sc);   /* NULL-safe */

const char *scenario_get_name       (const Scenario *sc);
/* The whole scenario as one self-contained key file (extends resolved and
 * merged, comments of the top file kept where possible): what is stored
 * in the results database; scenario_load_from_data() of it gives the same
 * runs. */
const char *scenario_get_text       (const Scenario *sc);
guint64     scenario_get_seed       (const Scenario *sc);
void        scenario_set_seed       (Scenario *sc, guint64 seed);   /* --seed */
guint       scenario_get_replications (const Scenario *sc);
SimTime     scenario_get_duration   (const Scenario *sc);
SimTime     scenario_get_warmup     (const Scenario *sc);
/* Total device instances of a point (counts may be swept). */
guint       scenario_get_n_devices  (const Scenario *sc, guint point);

guint       scenario_get_n_points   (const Scenario *sc);
const ScenarioPoint *scenario_get_point (const Scenario *sc, guint index);
/* The content hash of point @index (note 6): 64 hex digits, owned by
 * the scenario. */
const char *scenario_get_point_hash (const Scenario *sc, guint index);
/* The sweep variable names, in definition order; NULL-terminated, owned. */
const char * const *scenario_get_variables (const Scenario *sc);

/* Does @point match @filter?  @filter is a comma-separated list of
 * "var=value", "var!=value", "var<value", "var<=value", "var>value",
 * "var>=value" (numeric when both sides are numbers, else text
 * comparison for = and !=); all must hold.  NULL/"" matches everything.
 * FALSE with an error for a filter that does not parse or names an
 * unknown variable. */
gboolean    scenario_filter_check   (const Scenario *sc, const char *filter, GError **error);
gboolean    scenario_point_matches  (const Scenario *sc, const ScenarioPoint *point,
                                     const char *filter);

/* The run seed of (point key, replication) under the scenario's seed. */
guint64     scenario_run_seed       (const Scenario *sc, const ScenarioPoint *point,
                                     guint replication);
/* The same from its parts (note 4; doc/scenarios.md "Seeds" gives the
 * formula), for tools that have a point key but no Scenario. */
guint64     scenario_seed_mix       (guint64 seed, const char *point_key, guint replication);

/* The world of @point with spec->seed = scenario_run_seed(point, rep).
 * Cannot fail for a scenario that loaded (note: scenario_load checked). */
RunSpec    *scenario_instantiate    (const Scenario *sc, guint point, guint replication);

/* [expect], [golden] and [plot] entries in file order; owned by the
 * scenario. */
const ScenarioEntry *scenario_get_entries (const Scenario *sc, guint *n_entries);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scenario, scenario_free)

G_END_DECLS
