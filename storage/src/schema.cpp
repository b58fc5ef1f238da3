#include "mtlab/storage/schema.h"

#include <string>

#include "mtlab/core/error.h"
#include "mtlab/storage/clock.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"
#include "mtlab/storage/transaction.h"
#include "postgres_schema.h"

namespace mtlab::storage {
namespace {

// Migrations are history: never edit one that has shipped, append a new one.
// Times are ISO-8601 UTC text, durations and values plain numbers, so that any
// SQLite client (sqlite3, Python, pandas) reads them without mtlab.
const char* const v1_base_tables = R"sql(
CREATE TABLE schema_version (
  version     INTEGER PRIMARY KEY,
  applied_at  TEXT NOT NULL,
  description TEXT NOT NULL
);
CREATE TABLE experiments (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  trial         TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'completed', 'failed', 'interrupted')),
  seed          INTEGER,
  config_hash   TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  started_at    TEXT,
  ended_at      TEXT,
  duration_s    REAL,
  host          TEXT,
  os            TEXT,
  cpu           TEXT,
  threads       INTEGER,
  mtlab_version TEXT,
  git_commit    TEXT,
  torch_version TEXT,
  blas          TEXT,
  config_toml   TEXT NOT NULL DEFAULT '',
  config_json   TEXT NOT NULL DEFAULT '{}',
  error         TEXT
);
CREATE INDEX runs_by_trial ON runs(experiment_id, trial, config_hash);
CREATE TABLE params (
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value_type TEXT NOT NULL CHECK (value_type IN ('int', 'real', 'bool', 'text', 'array', 'null')),
  value_text TEXT,
  value_int  INTEGER,
  value_real REAL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX params_by_key ON params(key, value_text);
CREATE TABLE metrics (
  id        INTEGER PRIMARY KEY,
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  task      TEXT NOT NULL DEFAULT '',
  split     TEXT NOT NULL,
  name      TEXT NOT NULL,
  step      INTEGER NOT NULL,
  epoch     REAL,
  value     REAL,
  wall_time REAL NOT NULL
);
CREATE INDEX metrics_by_series ON metrics(run_id, task, split, name, step);
CREATE TABLE artifacts (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,
  path       TEXT NOT NULL,
  size_bytes INTEGER,
  sha256     TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX artifacts_by_run ON artifacts(run_id);
CREATE TABLE plugins (
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind    TEXT NOT NULL,
  name    TEXT NOT NULL,
  version TEXT,
  file    TEXT,
  sha256  TEXT,
  PRIMARY KEY (run_id, kind, name)
) WITHOUT ROWID;
CREATE VIEW final_metrics AS
SELECT run_id, task, split, name, step, epoch, value, wall_time
FROM (SELECT m.*, row_number() OVER (PARTITION BY run_id, task, split, name ORDER BY step DESC, id DESC) AS rn
      FROM metrics AS m)
WHERE rn = 1;
)sql";

// v2: liveness (pid, heartbeat) so a crashed run can be told from a running
// one; lineage (which run/checkpoint a run started from); metric_series, kept by
// a trigger, so that final values are found through the index instead of by
// scanning every metric row; richer views.
const char* const v2_liveness_lineage_views = R"sql(
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
ALTER TABLE runs ADD COLUMN parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;
ALTER TABLE runs ADD COLUMN init_checkpoint TEXT;
ALTER TABLE runs ADD COLUMN init_checkpoint_sha256 TEXT;
CREATE INDEX runs_by_status ON runs(status);
CREATE TABLE metric_series (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  task   TEXT NOT NULL,
  split  TEXT NOT NULL,
  name   TEXT NOT NULL,
  PRIMARY KEY (run_id, task, split, name)
) WITHOUT ROWID;
INSERT OR IGNORE INTO metric_series (run_id, task, split, name) SELECT DISTINCT run_id, task, split, name FROM metrics;
CREATE TRIGGER metrics_series AFTER INSERT ON metrics BEGIN
  INSERT OR IGNORE INTO metric_series (run_id, task, split, name) VALUES (NEW.run_id, NEW.task, NEW.split, NEW.name);
END;
DROP VIEW final_metrics;
CREATE VIEW final_metrics AS
SELECT r.experiment_id AS experiment_id, e.name AS experiment, s.run_id AS run_id, r.trial AS trial,
       r.seed AS seed, r.status AS status, s.task AS task, s.split AS split, s.name AS name,
       CASE WHEN s.task = '' THEN s.split || '.' || s.name ELSE s.task || '.' || s.split || '.' || s.name END
         AS metric,
       m.step AS step, m.epoch AS epoch, m.value AS value, m.wall_time AS wall_time
FROM metric_series AS s
JOIN metrics AS m ON m.id = (SELECT x.id FROM metrics AS x
                             WHERE x.run_id = s.run_id AND x.task = s.task AND x.split = s.split AND x.name = s.name
                             ORDER BY x.step DESC, x.id DESC LIMIT 1)
JOIN runs AS r ON r.id = s.run_id
JOIN experiments AS e ON e.id = r.experiment_id;
CREATE VIEW best_runs AS
SELECT experiment_id, experiment, task, split, name, metric, direction, run_id, trial, seed, value
FROM (SELECT f.*, row_number() OVER (PARTITION BY f.experiment_id, f.task, f.split, f.name
                                     ORDER BY CASE WHEN f.direction = 'lower' THEN f.value ELSE -f.value END,
                                              f.run_id) AS rank
      FROM (SELECT final_metrics.*,
                   CASE WHEN lower(name) LIKE '%loss%' OR lower(name) LIKE '%error%'
                          OR lower(name) LIKE '%perplexity%'
                          OR lower(name) IN ('mse', 'mae', 'rmse', 'wer', 'cer', 'ppl')
                        THEN 'lower' ELSE 'higher' END AS direction
            FROM final_metrics
            WHERE status = 'completed' AND value IS NOT NULL) AS f)
WHERE rank = 1;
)sql";

// v3: run_facts — what a run established about itself that is not a config
// value or a metric: parameter counts, frozen-parameter checksums at start and
// end (so a freeze claim can be audited in SQL), label sets, group learning rates.
const char* const v3_run_facts = R"sql(
CREATE TABLE run_facts (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
)sql";

// v4: config_hash_scheme — which rule made runs.config_hash. 1: sha256 of the
// resolved config with absolute paths (every run recorded before v4); 2: paths
// inside the spec's folder hashed relative to it, so a moved experiment folder
// keeps its hashes. A scheme-1 run is re-keyed to scheme 2 the first time its
// trial is claimed again (Writer::claim_trial, NewRun::legacy_config_hash): only
// the runner knows the spec's folder, so SQL alone cannot recompute the hash.
const char* const v4_config_hash_scheme = R"sql(
ALTER TABLE runs ADD COLUMN config_hash_scheme INTEGER NOT NULL DEFAULT 2;
UPDATE runs SET config_hash_scheme = 1;
)sql";

// v5: workers. runs.attempt counts the claims of a run's trial (a run reopened
// or restarted after its worker died is attempt 2, …; experiment.max_retries
// bounds it); trial_queue holds an experiment's trials as published by
// `mtlab run --workers` / `mtlab worker`, so a worker on any host runs them with
// nothing but the database (trial_json is a trial file, spec/trial_file.h).
const char* const v5_workers = R"sql(
ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
CREATE TABLE trial_queue (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  trial         TEXT NOT NULL,
  config_hash   TEXT NOT NULL,
  trial_json    TEXT NOT NULL,
  PRIMARY KEY (experiment_id, position)
);
)sql";

// Pruning ([sweep.prune]): runs.status takes 'pruned' (SQLite: widen_status_check
// below), and each judgement of a trial at a rung is a row of `rungs`.
const char* const v6_pruning = R"sql(
CREATE TABLE rungs (
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  rung         INTEGER NOT NULL,
  resource     INTEGER NOT NULL,
  unit         TEXT NOT NULL CHECK (unit IN ('epochs', 'steps')),
  max_resource INTEGER NOT NULL,
  step         INTEGER NOT NULL,
  value        REAL NOT NULL,
  method       TEXT NOT NULL CHECK (method IN ('asha', 'median')),
  decision     TEXT NOT NULL CHECK (decision IN ('continued', 'paused', 'promoted', 'pruned')),
  peers        INTEGER NOT NULL,
  cutoff       REAL,
  rule         TEXT NOT NULL,
  decided_at   TEXT NOT NULL,
  promoted_at  TEXT,
  PRIMARY KEY (run_id, rung)
);
)sql";

// v7: runs.resumed_at — when the run's current stretch of running began, set when
// a paused (pruned at a rung) run is promoted or an interrupted one resumed;
// duration_s then adds up the stretches, so time spent paused is not counted.
const char* const v7_resumed_at = R"sql(
ALTER TABLE runs ADD COLUMN resumed_at TEXT;
)sql";

// SQLite cannot alter a CHECK constraint; its documented way to loosen one is to
// edit the table's SQL in sqlite_schema and bump the schema cookie, in the
// migration's transaction (https://sqlite.org/lang_altertable.html#otheralter).
// Every existing row satisfies the wider constraint.
void widen_status_check(const Database& db) {
  auto widened = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs' AND "
                            "instr(sql, '''pruned''') > 0",
                            "look for the widened CHECK");
  widened.step();
  if (widened.get_int(0) > 0) return;  // already widened (a database put back by hand from a newer one)
  widened.reset();
  auto cookie = db.prepare("PRAGMA schema_version", "read the schema cookie");
  cookie.step();
  const std::int64_t version = cookie.get_int(0);
  cookie.reset();
  db.execute("PRAGMA writable_schema = ON", "allow the runs table's CHECK to be widened");
  auto edit = db.prepare("UPDATE sqlite_master SET sql = replace(sql, ?1, ?2) WHERE type = 'table' AND name = 'runs' "
                         "AND instr(sql, ?1) > 0",
                         "widen runs.status's CHECK");
  edit.bind_all("'failed', 'interrupted'))", "'failed', 'interrupted', 'pruned'))").run();
  const bool changed = db.changes() == 1;
  db.execute("PRAGMA schema_version = " + std::to_string(version + 1), "bump the schema cookie");
  db.execute("PRAGMA writable_schema = OFF", "end the schema edit");
  if (!changed) throw Error(db.location() + ": migrate to version 6: the runs table's status CHECK was not found");
}

// One count(*) per dialect: the schema_version table; any table of the user's.
const char* has_version_table_sql(const Database& db) {
  return db.dialect() == Dialect::postgresql
             ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
               "AND table_name = 'schema_version'"
             : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
}
const char* any_table_sql(const Database& db) {
  return db.dialect() == Dialect::postgresql
             ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
             : "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'";
}

// The DDL of migrations()[index] in the database's dialect.
const std::string& migration_sql(const Database& db, std::size_t index) {
  return db.dialect() == Dialect::postgresql ? postgres_migration_sql().at(index) : migrations().at(index).sql;
}

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "base tables: experiments, runs, params, metrics, artifacts, plugins; final_metrics view",
       v1_base_tables},
      {2, "runs: pid, heartbeat_at, parent_run_id, init_checkpoint(_sha256); metric_series; best_runs view",
       v2_liveness_lineage_views},
      {3, "run_facts: per-run facts (parameter counts, freeze checksums, label sets)", v3_run_facts},
      {4, "runs.config_hash_scheme: 1 for runs hashed with absolute paths, 2 for paths relative to the spec",
       v4_config_hash_scheme},
      {5, "workers: runs.attempt; trial_queue (an experiment's published trials)", v5_workers},
      {6, "pruning: runs.status 'pruned'; rungs (each judgement of a trial at a rung)", v6_pruning,
       widen_status_check},
      {7, "runs.resumed_at: duration_s leaves out the time a run spent paused or interrupted", v7_resumed_at},
  };
  return all;
}

int current_schema_version() { return migrations().back().version; }

int schema_version(const Database& db) {
  auto has_table = db.prepare(has_version_table_sql(db), "look for the schema_version table");
  has_table.step();
  if (has_table.get_int(0) == 0) {
    auto any = db.prepare(any_table_sql(db), "list tables");
    any.step();
    if (any.get_int(0) > 0) {
      throw Error(db.location() +
                  ": not an mtlab results database (it has tables but no schema_version table; expected a " +
                  (db.dialect() == Dialect::postgresql ? "database written by mtlab, or an empty one)"
                                                       : "file written by mtlab, or a new file)"));
    }
    return 0;
  }
  auto version = db.prepare("SELECT coalesce(max(version), 0) FROM schema_version", "read the schema version");
  version.step();
  return static_cast<int>(version.get_int(0));
}

namespace {
void refuse_newer(const Database& db, int found) {
  throw Error(db.location() + ": the database has schema version " + std::to_string(found) +
              ", newer than this mtlab understands (expected at most version " +
              std::to_string(current_schema_version()) +
              "); it was written by a newer mtlab: use that version, or a new database file");
}
}  // namespace

void migrate(const Database& db) {
  // Cheap check first so that an up-to-date database takes no write lock.
  const int before = schema_version(db);
  if (before > current_schema_version()) refuse_newer(db, before);
  if (before == current_schema_version()) return;
  Transaction tx(db, "migrate the schema");
  // PostgreSQL's BEGIN takes no lock: migrations of one database queue on this
  // one (SQLite's BEGIN IMMEDIATE already holds the write lock).
  if (db.dialect() == Dialect::postgresql) {
    db.execute("SELECT pg_advisory_xact_lock(hashtext('mtlab schema migration'))", "wait for other migrations");
  }
  // Another process may have migrated while we waited for the lock.
  const int found = schema_version(db);
  if (found > current_schema_version()) refuse_newer(db, found);
  for (std::size_t i = 0; i < migrations().size(); ++i) {
    const auto& m = migrations()[i];
    if (m.version <= found) continue;
    if (m.sqlite_step && db.dialect() == Dialect::sqlite) m.sqlite_step(db);
    db.execute(migration_sql(db, i), "migrate the schema to version " + std::to_string(m.version));
    auto record = db.prepare("INSERT INTO schema_version (version, applied_at, description) VALUES (?1, ?2, ?3)",
                             "record schema version " + std::to_string(m.version));
    record.bind_all(m.version, iso_utc_now(), m.summary).run();
  }
  tx.commit();
}

int oldest_readable_schema_version() { return 2; }

void require_readable_schema(const Database& db) {
  const int found = schema_version(db);
  if (found > current_schema_version()) refuse_newer(db, found);
  if (found == 0) {
    throw Error(db.location() + ": empty database (expected an mtlab results database with schema version " +
                std::to_string(current_schema_version()) + ")");
  }
  if (found < oldest_readable_schema_version()) {
    throw Error(db.location() + ": the database has schema version " + std::to_string(found) +
                ", older than this mtlab reads without migrating (version " +
                std::to_string(oldest_readable_schema_version()) + " or later)" +
                "; read-only commands do not migrate: open it once for writing (e.g. `mtlab run` against it) to "
                "upgrade it, or use `mtlab query`, which reads any version");
  }
}

}  // namespace mtlab::storage
