/*
 * experiment/inspect.h - looking without running: `sipsim run --dry-run`
 * (the plan of a scenario against a database), `sipsim info DB` (what a
 * database holds) and `sipsim export DB` (its runs as CSV or JSON).
 *
 * Notes
 *
 * 1. Read-only.  Nothing here writes a database or starts a run; a
 *    database that does not exist yet is "nothing stored", not an error,
 *    for the dry run, and an input error for info and export.
 *
 * 2. Export shapes.  Wide: one row per run, columns run_id, experiment,
 *    point, point_key, replication, seed, status, fingerprint, then one
 *    column per sweep parameter (its name) and one per run-level metric
 *    (its name; empty/null when the metric is NULL for that run).  Long:
 *    one row per (run, metric): run_id, experiment, point_key,
 *    replication, the parameters, metric, value.  Failed runs are rows
 *    with status 'failed' and no metric values in wide form, and are left
 *    out of long form (they have no metrics).  Parameters are text, as
 *    stored (a point key like "type=keep-alive" is not a number); metric
 *    values are numbers (%.17g, so they read back bit-identical).  CSV
 *    follows RFC 4180 (quotes doubled, fields with ',', '"' or newlines
 *    quoted, CRLF not used: '\n' lines).  JSON is an array of objects.
 *    The order is (experiment, point, replication).
 */
#pragma once
#include <stdio.h>
#include <glib.h>

#include "experiment/runner.h"
#include "experiment/store.h"

G_BEGIN_DECLS

/* Prints the plan of `sipsim run` with @opt (points, runs, what @opt's
 * database already holds, the estimate) to @out; the caller prints the
 * warnings (lint.h).  FALSE
 * with an error only if the database exists and cannot be read. */
gboolean runner_dry_run (const Scenario *sc, const RunnerOptions *opt, FILE *out,
                         GError **error);

/* Prints what @path holds: every experiment (name, seed, version,
 * created, points, runs ok/failed, metric names) to @out. */
gboolean inspect_info (const char *path, FILE *out, GError **error);

typedef enum { EXPORT_CSV, EXPORT_JSON } ExportFormat;
typedef enum { EXPORT_WIDE, EXPORT_LONG } ExportLayout;

typedef struct {
  ExportFormat format;
  ExportLayout layout;
  gint64       experiment;    /* 0: every experiment */
  const char  *metrics;       /* comma-separated metric names; NULL: all */
} ExportOptions;

/* Writes @store's runs (note 2) to @out. */
gboolean inspect_export (Store *store, const ExportOptions *opt, FILE *out, GError **error);

G_END_DECLS
