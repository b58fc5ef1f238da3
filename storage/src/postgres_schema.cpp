// The PostgreSQL DDL of each schema version: the same tables, columns, views
// and version numbers as schema.cpp's SQLite migrations, in PostgreSQL's types
// (BIGSERIAL ids, BIGINT, DOUBLE PRECISION, TEXT; times as ISO-8601 UTC TEXT as
// in SQLite, so that every reader sees the same values). Migrations are
// history: never edit one that has shipped, append a new one in both files.
#include "postgres_schema.h"

namespace mtlab::storage {
namespace {

const char* const v1_base_tables = R"sql(
CREATE TABLE schema_version (
  version     BIGINT PRIMARY KEY,
  applied_at  TEXT NOT NULL,
  description TEXT NOT NULL
);
CREATE TABLE experiments (
  id          BIGSERIAL PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE runs (
  id            BIGSERIAL PRIMARY KEY,
  experiment_id BIGINT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  trial         TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'completed', 'failed', 'interrupted')),
  seed          BIGINT,
  config_hash   TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  started_at    TEXT,
  ended_at      TEXT,
  duration_s    DOUBLE PRECISION,
  host          TEXT,
  os            TEXT,
  cpu           TEXT,
  threads       BIGINT,
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
  run_id     BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value_type TEXT NOT NULL CHECK (value_type IN ('int', 'real', 'bool', 'text', 'array', 'null')),
  value_text TEXT,
  value_int  BIGINT,
  value_real DOUBLE PRECISION,
  PRIMARY KEY (run_id, key)
);
CREATE INDEX params_by_key ON params(key, value_text);
CREATE TABLE metrics (
  id        BIGSERIAL PRIMARY KEY,
  run_id    BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  task      TEXT NOT NULL DEFAULT '',
  split     TEXT NOT NULL,
  name      TEXT NOT NULL,
  step      BIGINT NOT NULL,
  epoch     DOUBLE PRECISION,
  value     DOUBLE PRECISION,
  wall_time DOUBLE PRECISION NOT NULL
);
CREATE INDEX metrics_by_series ON metrics(run_id, task, split, name, step);
CREATE TABLE artifacts (
  id         BIGSERIAL PRIMARY KEY,
  run_id     BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,
  path       TEXT NOT NULL,
  size_bytes BIGINT,
  sha256     TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX artifacts_by_run ON artifacts(run_id);
CREATE TABLE plugins (
  run_id  BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind    TEXT NOT NULL,
  name    TEXT NOT NULL,
  version TEXT,
  file    TEXT,
  sha256  TEXT,
  PRIMARY KEY (run_id, kind, name)
);
CREATE VIEW final_metrics AS
SELECT run_id, task, split, name, step, epoch, value, wall_time
FROM (SELECT m.*, row_number() OVER (PARTITION BY run_id, task, split, name ORDER BY step DESC, id DESC) AS rn
      FROM metrics AS m) AS ranked
WHERE rn = 1;
)sql";

const char* const v2_liveness_lineage_views = R"sql(
ALTER TABLE runs ADD COLUMN pid BIGINT;
ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
ALTER TABLE runs ADD COLUMN parent_run_id BIGINT REFERENCES runs(id) ON DELETE SET NULL;
ALTER TABLE runs ADD COLUMN init_checkpoint TEXT;
ALTER TABLE runs ADD COLUMN init_checkpoint_sha256 TEXT;
CREATE INDEX runs_by_status ON runs(status);
CREATE TABLE metric_series (
  run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  task   TEXT NOT NULL,
  split  TEXT NOT NULL,
  name   TEXT NOT NULL,
  PRIMARY KEY (run_id, task, split, name)
);
INSERT INTO metric_series (run_id, task, split, name) SELECT DISTINCT run_id, task, split, name FROM metrics
  ON CONFLICT DO NOTHING;
CREATE FUNCTION mtlab_metrics_series() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_series (run_id, task, split, name) VALUES (NEW.run_id, NEW.task, NEW.split, NEW.name)
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;
CREATE TRIGGER metrics_series AFTER INSERT ON metrics FOR EACH ROW EXECUTE FUNCTION mtlab_metrics_series();
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
            WHERE status = 'completed' AND value IS NOT NULL) AS f) AS ranked
WHERE rank = 1;
)sql";

const char* const v3_run_facts = R"sql(
CREATE TABLE run_facts (
  run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT,
  PRIMARY KEY (run_id, key)
);
)sql";

const char* const v4_config_hash_scheme = R"sql(
ALTER TABLE runs ADD COLUMN config_hash_scheme BIGINT NOT NULL DEFAULT 2;
UPDATE runs SET config_hash_scheme = 1;
)sql";

const char* const v5_workers = R"sql(
ALTER TABLE runs ADD COLUMN attempt BIGINT NOT NULL DEFAULT 1;
CREATE TABLE trial_queue (
  experiment_id BIGINT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  position      BIGINT NOT NULL,
  trial         TEXT NOT NULL,
  config_hash   TEXT NOT NULL,
  trial_json    TEXT NOT NULL,
  PRIMARY KEY (experiment_id, position)
);
)sql";

const char* const v6_pruning = R"sql(
ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check
  CHECK (status IN ('pending', 'running', 'completed', 'failed', 'interrupted', 'pruned'));
CREATE TABLE rungs (
  run_id       BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  rung         BIGINT NOT NULL,
  resource     BIGINT NOT NULL,
  unit         TEXT NOT NULL CHECK (unit IN ('epochs', 'steps')),
  max_resource BIGINT NOT NULL,
  step         BIGINT NOT NULL,
  value        DOUBLE PRECISION NOT NULL,
  method       TEXT NOT NULL CHECK (method IN ('asha', 'median')),
  decision     TEXT NOT NULL CHECK (decision IN ('continued', 'paused', 'promoted', 'pruned')),
  peers        BIGINT NOT NULL,
  cutoff       DOUBLE PRECISION,
  rule         TEXT NOT NULL,
  decided_at   TEXT NOT NULL,
  promoted_at  TEXT,
  PRIMARY KEY (run_id, rung)
);
)sql";

const char* const v7_resumed_at = R"sql(
ALTER TABLE runs ADD COLUMN resumed_at TEXT;
)sql";

}  // namespace

const std::vector<std::string>& postgres_migration_sql() {
  static const std::vector<std::string> all = {v1_base_tables, v2_liveness_lineage_views, v3_run_facts,
                                               v4_config_hash_scheme, v5_workers, v6_pruning,
                                               v7_resumed_at};
  return all;
}

}  // namespace mtlab::storage
