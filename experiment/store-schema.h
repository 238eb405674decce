/*
 * experiment/store-schema.h - the results database schema, version 4
 * (doc/results.md explains every table and column, with SQL examples).
 *
 * Conventions: times in simulated seconds (REAL) unless the column says
 * _ns; 64-bit seeds and fingerprints as 16 lower-case hex digits (TEXT),
 * because SQLite integers are signed and users compare them as text;
 * metric.unit '' is the run aggregate; metric.value NULL is "not defined
 * for this run" (doc/metrics.md), never 0.
 */
#pragma once

/* 2: run.point_hash and the claim table (a run is identified by its
 * point's content, its replication and its seed, doc/results.md "Which
 * runs are reused"; two writers share the work through claims). */
/* 3: run.fingerprint_version (the fingerprint's definition changed from a
 * hash of the trace text to a hash of the traced values, issue 17;
 * sim/kernel/world.h SIM_FINGERPRINT_VERSION).  `sipsim merge` brings a
 * version 1 or 2 file to 3 (merge.h note 4). */
/* 4: a run's trace is one compressed blob in `trace` (trace-blob.h),
 * not one `event` row per line (issue 17 item 5: 2 us and 91 bytes a
 * line); `event` is a TEMP view over it (STORE_EVENT_VIEW_SQL) that
 * sipsim creates on each of its connections, with the trace_lines
 * function it needs: a view stored in the file would break every ALTER
 * TABLE and schema check of a client without that function.  `sipsim merge` brings a version
 * 1 to 3 file to 4, packing its `event` rows. */
#define STORE_SCHEMA_VERSION 4

#define STORE_SCHEMA_SQL \
  "CREATE TABLE meta (\n" \
  "  key   TEXT PRIMARY KEY,\n" \
  "  value TEXT NOT NULL);\n" \
  "CREATE TABLE experiment (\n" \
  "  id            INTEGER PRIMARY KEY,\n" \
  "  name          TEXT NOT NULL,\n" \
  "  scenario      TEXT NOT NULL,\n"            /* self-contained scenario text */ \
  "  scenario_hash TEXT NOT NULL,\n"            /* SHA-256 of scenario */ \
  "  seed          TEXT NOT NULL,\n"            /* experiment seed, hex */ \
  "  version       TEXT NOT NULL,\n"            /* sipsim version */ \
  "  created       TEXT NOT NULL,\n"            /* UTC, ISO 8601 */ \
  "  UNIQUE (scenario_hash, seed));\n" \
  "CREATE TABLE run (\n" \
  "  id            INTEGER PRIMARY KEY,\n" \
  "  experiment_id INTEGER NOT NULL REFERENCES experiment(id),\n" \
  "  point         INTEGER NOT NULL,\n"         /* sweep point index */ \
  "  point_key     TEXT NOT NULL,\n"            /* 'ka=15,nat=30'; '' */ \
  "  point_hash    TEXT NOT NULL DEFAULT '',\n" /* SHA-256 of the point content, hex; '': never reused */ \
  "  replication   INTEGER NOT NULL,\n" \
  "  seed          TEXT NOT NULL,\n"            /* run seed, hex */ \
  "  status        TEXT NOT NULL CHECK (status IN ('ok', 'failed')),\n" \
  "  error         TEXT,\n" \
  "  fingerprint   TEXT,\n"                     /* hex; NULL if failed */ \
  "  fingerprint_version INTEGER,\n"           /* SIM_FINGERPRINT_VERSION; NULL if failed */ \
  "  wall_s        REAL NOT NULL,\n" \
  "  sim_s         REAL NOT NULL,\n" \
  "  events        INTEGER NOT NULL,\n" \
  "  devices       INTEGER NOT NULL,\n" \
  "  finished      TEXT NOT NULL,\n"            /* UTC, ISO 8601 */ \
  "  UNIQUE (experiment_id, point_key, replication));\n" \
  "CREATE TABLE param (\n" \
  "  run_id INTEGER NOT NULL REFERENCES run(id),\n" \
  "  name   TEXT NOT NULL,\n" \
  "  value  TEXT NOT NULL,\n" \
  "  PRIMARY KEY (run_id, name)) WITHOUT ROWID;\n" \
  "CREATE TABLE metric (\n" \
  "  run_id INTEGER NOT NULL REFERENCES run(id),\n" \
  "  unit   TEXT NOT NULL,\n"                   /* '' = run aggregate */ \
  "  name   TEXT NOT NULL,\n" \
  "  value  REAL,\n" \
  "  PRIMARY KEY (run_id, unit, name)) WITHOUT ROWID;\n" \
  "CREATE TABLE trace (\n"                      /* with --trace: one row per run */ \
  "  run_id  INTEGER PRIMARY KEY REFERENCES run(id),\n" \
  "  format  INTEGER NOT NULL,\n"                /* TRACE_BLOB_FORMAT */ \
  "  lines   INTEGER NOT NULL,\n" \
  "  data    BLOB NOT NULL);\n"                  /* trace-blob.h note 2, deflated */ \
  "CREATE TABLE probe (\n"                      /* with --trace */ \
  "  run_id   INTEGER NOT NULL REFERENCES run(id),\n" \
  "  seq      INTEGER NOT NULL,\n" \
  "  unit     TEXT,\n" \
  "  proxy    TEXT NOT NULL,\n" \
  "  sent_s   REAL NOT NULL,\n" \
  "  done_s   REAL NOT NULL,\n" \
  "  reached  INTEGER NOT NULL,\n" \
  "  outcome  TEXT NOT NULL,\n" \
  "  PRIMARY KEY (run_id, seq)) WITHOUT ROWID;\n" \
  "CREATE TABLE claim (\n"                      /* runs being computed now */ \
  "  point_hash  TEXT NOT NULL,\n" \
  "  replication INTEGER NOT NULL,\n" \
  "  seed        TEXT NOT NULL,\n" \
  "  owner       TEXT NOT NULL,\n"               /* 'HOST:PID:START' */ \
  "  host        TEXT NOT NULL,\n" \
  "  pid         INTEGER NOT NULL,\n" \
  "  heartbeat   TEXT NOT NULL,\n"               /* UTC, ISO 8601 */ \
  "  PRIMARY KEY (point_hash, replication, seed)) WITHOUT ROWID;\n" \
  "CREATE INDEX claim_owner ON claim (owner);\n" \
  "CREATE INDEX run_identity ON run (point_hash, replication, seed);\n" \
  "CREATE INDEX run_experiment ON run (experiment_id, point, replication);\n" \
  "CREATE INDEX metric_name ON metric (name, unit, run_id);\n" \
  "CREATE INDEX param_name ON param (name, value);\n" \
  "CREATE VIEW run_metric AS\n"                 /* one row per run and aggregate metric */ \
  "  SELECT r.experiment_id, r.id AS run_id, r.point, r.point_key, r.replication,\n" \
  "         m.name, m.value\n" \
  "  FROM run r JOIN metric m ON m.run_id = r.id AND m.unit = ''\n" \
  "  WHERE r.status = 'ok';\n"

/* The `event` view of schema 4 (doc/results.md): made on each connection
 * sipsim opens, after trace_blob_sql_register(), never stored in the
 * file. */
#define STORE_EVENT_VIEW_SQL \
  "CREATE TEMP VIEW IF NOT EXISTS event AS\n" \
  "  SELECT t.run_id AS run_id, l.seq AS seq, l.time_ns AS time_ns, l.who AS who, l.text AS text\n" \
  "  FROM main.trace t, trace_lines(t.data) l;\n"
