#include "mtlab/storage/writer.h"

#include <unistd.h>

#include <fmt/core.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <vector>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/storage/clock.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/params.h"
#include "mtlab/storage/statement.h"
#include "mtlab/storage/transaction.h"
#include "sql_dialect.h"

namespace mtlab::storage {
namespace {

std::optional<std::string> non_empty(std::string_view s) {
  if (s.empty()) return std::nullopt;
  return std::string(s);
}

std::int64_t insert_run(const Database& db, std::int64_t experiment_id, const NewRun& run) {
  if (run.trial.empty()) throw Error("create run: the trial name is empty (expected a readable trial name)");
  if (run.config_hash.empty()) {
    throw Error("create run '" + run.trial + "': config_hash is empty (expected the hash of the resolved config)");
  }
  const std::string config_json = run.config_json.empty() ? "{}" : run.config_json;
  // Parse before inserting anything, so a bad config leaves no half-made run.
  const std::vector<Param> params = run.params.empty() ? flatten_params_json(config_json) : run.params;
  const auto& env = run.environment;
  auto insert = db.prepare(
      "INSERT INTO runs (experiment_id, trial, status, seed, config_hash, created_at, host, os, cpu, threads, "
      "mtlab_version, git_commit, torch_version, blas, config_toml, config_json, parent_run_id, init_checkpoint, "
      "init_checkpoint_sha256, pid) VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
      "?15, ?16, ?17, ?18, ?19) RETURNING id",
      "insert run '" + run.trial + "'");
  insert.bind_all(experiment_id, run.trial, run.seed, run.config_hash, iso_utc_now(), non_empty(env.host),
                  non_empty(env.os), non_empty(env.cpu),
                  env.threads > 0 ? std::optional<std::int64_t>(env.threads) : std::nullopt,
                  non_empty(env.mtlab_version), non_empty(env.git_commit), non_empty(env.torch_version),
                  non_empty(env.blas), run.config_toml, config_json, run.parent_run_id,
                  non_empty(run.init_checkpoint), non_empty(run.init_checkpoint_sha256),
                  // The claiming process: killed before the run starts, it is known dead at once on this host.
                  static_cast<std::int64_t>(getpid()));
  insert.step();
  const std::int64_t run_id = insert.get_int(0);
  insert.reset();
  auto param = db.prepare(
      "INSERT INTO params (run_id, key, value_type, value_text, value_int, value_real) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      "insert params of run '" + run.trial + "'");
  for (const auto& p : params) {
    param.bind_all(run_id, p.key, to_string(p.type), p.text, p.integer, p.real).run();
  }
  return run_id;
}

}  // namespace

struct Writer::Impl {
  Database db;
  WriterOptions options;
  mutable std::mutex mutex;
  std::vector<MetricPoint> buffer;
  std::optional<Statement> insert_metric;
  std::chrono::steady_clock::time_point last_flush = std::chrono::steady_clock::now();

  Impl(Database database, WriterOptions o) : db(std::move(database)), options(o) {}

  void flush_locked() {
    last_flush = std::chrono::steady_clock::now();
    if (buffer.empty()) return;
    // The batch leaves the buffer whatever happens: on error it is reported by
    // the exception rather than retried (and failing) on every later flush.
    std::vector<MetricPoint> batch;
    batch.swap(buffer);
    if (!insert_metric) {
      insert_metric.emplace(db.prepare("INSERT INTO metrics (run_id, task, split, name, step, epoch, value, wall_time) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                       "insert metric rows"));
    }
    Transaction tx(db, fmt::format("write a batch of {} metric rows", batch.size()));
    std::set<std::int64_t> runs;
    for (const auto& m : batch) {
      insert_metric->bind_all(m.run_id, m.task, m.split, m.name, m.step, m.epoch, m.value, m.wall_time).run();
      runs.insert(m.run_id);
    }
    auto beat = db.prepare("UPDATE runs SET heartbeat_at = ?1 WHERE id = ?2", "refresh run heartbeat");
    const auto now = iso_utc_now();
    for (auto id : runs) beat.bind_all(now, id).run();
    tx.commit();
  }
};

Writer::Writer(const std::filesystem::path& path, WriterOptions options)
    : Writer(Database::open(path, OpenOptions{OpenMode::read_write, options.busy_timeout_ms, true}), options) {}

Writer::Writer(Database db, WriterOptions options) : impl_(std::make_unique<Impl>(std::move(db), options)) {}

Writer::~Writer() {
  try {
    std::lock_guard lock(impl_->mutex);
    impl_->flush_locked();
  } catch (const std::exception& e) {
    log::warn("results database {}: buffered metrics lost: {}", impl_->db.location(), e.what());
  }
}

const Database& Writer::database() const { return impl_->db; }

std::int64_t Writer::begin_experiment(std::string_view name, std::string_view description) {
  if (name.empty()) throw Error("begin experiment: the name is empty (expected [experiment] name)");
  std::lock_guard lock(impl_->mutex);
  const auto& db = impl_->db;
  Transaction tx(db, "begin experiment");
  db.prepare("INSERT INTO experiments (name, created_at, description) VALUES (?1, ?2, ?3) "
             "ON CONFLICT (name) DO UPDATE SET description = excluded.description "
             "WHERE excluded.description <> '' AND experiments.description = ''",
             "create experiment '" + std::string(name) + "'")
      .bind_all(name, iso_utc_now(), description)
      .run();
  auto q = db.prepare("SELECT id FROM experiments WHERE name = ?1", "look up experiment");
  q.bind_all(name);
  q.step();
  const auto id = q.get_int(0);
  tx.commit();
  return id;
}

std::int64_t Writer::create_run(std::int64_t experiment_id, const NewRun& run) {
  std::lock_guard lock(impl_->mutex);
  Transaction tx(impl_->db, "create run");
  const auto id = insert_run(impl_->db, experiment_id, run);
  tx.commit();
  return id;
}

TrialClaim Writer::claim_trial(std::int64_t experiment_id, const NewRun& run, RerunPolicy policy,
                               std::chrono::seconds stale_after, const std::function<bool(std::int64_t)>& resumable,
                               int max_attempts) {
  std::lock_guard lock(impl_->mutex);
  const auto& db = impl_->db;
  auto q = db.prepare("SELECT name FROM experiments WHERE id = ?1", "look up experiment");
  q.bind_all(experiment_id);
  if (!q.step()) throw Error(fmt::format("claim trial '{}': no experiment with id {}", run.trial, experiment_id));
  const std::string experiment = q.get_text(0);
  q.reset();
  TrialClaim claim;
  // Most claims of a worker find the trial done or held by another: a read says
  // so without queueing for the write lock (the decision is taken again below,
  // inside the transaction, before anything changes).
  claim.decision =
      storage::decide_trial(db, experiment, run.trial, run.config_hash, policy, stale_after, max_attempts);
  if (!claim.decision.run && !claim.decision.exhausted) return claim;
  Transaction tx(db, "claim trial '" + run.trial + "'");
  sql::lock_experiment_claims(db, experiment_id);
  adopt_legacy_hash(db, experiment_id, run.trial, run.legacy_config_hash, run.config_hash);
  claim.decision =
      storage::decide_trial(db, experiment, run.trial, run.config_hash, policy, stale_after, max_attempts);
  const auto& previous = claim.decision.previous_run;
  if (claim.decision.exhausted) {
    db.prepare("UPDATE runs SET status = 'failed', ended_at = coalesce(ended_at, heartbeat_at, started_at, created_at), "
               "error = coalesce(error || " + sql::newline(db) + ", '') || ?2 WHERE id = ?1 AND status <> 'completed'",
               "give up a run out of attempts")
        .bind_all(*previous, "failed: " + claim.decision.reason)
        .run();
    tx.commit();
    return claim;
  }
  if (claim.decision.run && policy == RerunPolicy::resume && previous &&
      claim.decision.previous_status != RunStatus::failed && resumable && resumable(*previous)) {
    const auto now = iso_utc_now();
    db.prepare("UPDATE runs SET " + sql::reopen_run(db, "'resumed at ' || ?2") +
                   ", attempt = attempt + 1 WHERE id = ?1 AND status IN ('pending', 'running', 'interrupted')",
               "reopen interrupted run")
        .bind_all(*previous, now, static_cast<std::int64_t>(getpid()), run.environment.host)
        .run();
    if (db.changes() == 1) {
      claim.run_id = previous;
      claim.resumed = true;
      tx.commit();
      return claim;
    }
  }
  if (claim.decision.run) {
    // A stale pending/running run being replaced is, by now, known to be dead.
    if (claim.decision.previous_run &&
        (claim.decision.previous_status == RunStatus::pending || claim.decision.previous_status == RunStatus::running)) {
      db.prepare("UPDATE runs SET status = 'interrupted', ended_at = coalesce(heartbeat_at, started_at, created_at), "
                 "error = coalesce(error || " + sql::newline(db) + ", '') || 'interrupted: replaced by a new attempt' "
                 "WHERE id = ?1 AND status IN ('pending', 'running')",
                 "mark replaced run interrupted")
          .bind_all(*claim.decision.previous_run)
          .run();
    }
    claim.run_id = insert_run(db, experiment_id, run);
    // A new run after a dead one of this trial continues it: its next attempt.
    if (policy == RerunPolicy::resume && previous && claim.decision.previous_status != RunStatus::completed) {
      db.prepare("UPDATE runs SET attempt = ?2 WHERE id = ?1", "number the attempt")
          .bind_all(*claim.run_id, claim.decision.previous_attempt + 1)
          .run();
    }
  }
  tx.commit();
  return claim;
}

void Writer::set_status(std::int64_t run_id, RunStatus status, std::string_view error) {
  std::lock_guard lock(impl_->mutex);
  impl_->flush_locked();
  const auto& db = impl_->db;
  const auto now = iso_utc_now();
  Transaction tx(db, fmt::format("set run {} {}", run_id, to_string(status)));
  std::optional<Statement> update;
  if (status == RunStatus::pending) {
    update.emplace(db.prepare("UPDATE runs SET status = 'pending' WHERE id = ?1 AND status = 'pending'",
                              "set run status"));
    update->bind_all(run_id);
  } else if (status == RunStatus::running) {
    update.emplace(db.prepare("UPDATE runs SET status = 'running', started_at = coalesce(started_at, ?2), heartbeat_at = ?2, pid = ?3, "
                              "error = coalesce(?4, error) WHERE id = ?1 AND status IN ('pending', 'running')",
                              "set run status"));
    update->bind_all(run_id, now, static_cast<std::int64_t>(getpid()), non_empty(error));
  } else {
    update.emplace(db.prepare(
        fmt::format("UPDATE runs SET status = ?2, ended_at = ?3, heartbeat_at = ?3, duration_s = {}, "
                    "error = CASE WHEN CAST(?4 AS TEXT) IS NULL THEN error WHEN error IS NULL THEN ?4 ELSE error || {} || ?4 END "
                    "WHERE id = ?1 AND status IN ('pending', 'running')",
                    sql::run_seconds_until(db, "?3"), sql::newline(db)),
        "set run status"));
    update->bind_all(run_id, to_string(status), now, non_empty(error));
  }
  update->run();
  if (db.changes() == 0) {
    auto q = db.prepare("SELECT status FROM runs WHERE id = ?1", "look up run status");
    q.bind_all(run_id);
    if (!q.step()) throw Error(fmt::format("set status of run {}: no such run", run_id));
    throw Error(fmt::format("set status of run {} to {}: the run is already {} (expected pending or running; a "
                            "finished run never changes status)",
                            run_id, to_string(status), q.get_text(0)));
  }
  tx.commit();
}

void Writer::set_error(std::int64_t run_id, std::string_view error) {
  std::lock_guard lock(impl_->mutex);
  const auto& db = impl_->db;
  Transaction tx(db, "set run error");
  db.prepare("UPDATE runs SET error = ?2 WHERE id = ?1", "set run error").bind_all(run_id, error).run();
  if (db.changes() == 0) throw Error(fmt::format("set error of run {}: no such run", run_id));
  tx.commit();
}

void Writer::log_metric(std::int64_t run_id, std::string_view task, std::string_view split, std::string_view name,
                        std::int64_t step, double value, std::optional<double> epoch) {
  log_metric(MetricPoint{run_id, std::string(task), std::string(split), std::string(name), step, epoch, value, 0});
}

void Writer::log_metric(MetricPoint point) {
  if (point.split.empty() || point.name.empty()) {
    throw Error(fmt::format("log metric of run {}: split and name must be non-empty (got split '{}', name '{}')",
                            point.run_id, point.split, point.name));
  }
  if (point.wall_time == 0) point.wall_time = unix_seconds_now();
  std::lock_guard lock(impl_->mutex);
  impl_->buffer.push_back(std::move(point));
  if (impl_->buffer.size() >= impl_->options.metric_batch ||
      std::chrono::steady_clock::now() - impl_->last_flush >= impl_->options.flush_interval) {
    impl_->flush_locked();
  }
}

void Writer::flush() {
  std::lock_guard lock(impl_->mutex);
  impl_->flush_locked();
}

std::size_t Writer::buffered() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->buffer.size();
}

std::int64_t Writer::record_artifact(std::int64_t run_id, const ArtifactRecord& a) {
  if (a.kind.empty() || a.path.empty()) {
    throw Error(fmt::format("record artifact of run {}: kind and path must be non-empty", run_id));
  }
  std::lock_guard lock(impl_->mutex);
  const auto& db = impl_->db;
  Transaction tx(db, "record artifact");
  auto insert = db.prepare("INSERT INTO artifacts (run_id, kind, path, size_bytes, sha256, created_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                           "record artifact '" + a.path + "'");
  insert.bind_all(run_id, a.kind, a.path, a.size_bytes, non_empty(a.sha256), iso_utc_now()).step();
  const auto id = insert.get_int(0);
  insert.reset();
  tx.commit();
  return id;
}

std::int64_t Writer::record_artifact_file(std::int64_t run_id, std::string_view kind,
                                          const std::filesystem::path& file) {
  return record_artifact(run_id, measure_artifact(kind, file));
}

void Writer::record_plugin(std::int64_t run_id, const PluginRecord& p) {
  std::lock_guard lock(impl_->mutex);
  const auto& db = impl_->db;
  Transaction tx(db, "record plugin");
  db.prepare("INSERT INTO plugins (run_id, kind, name, version, file, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
             "ON CONFLICT (run_id, kind, name) DO UPDATE SET version = excluded.version, file = excluded.file, "
             "sha256 = excluded.sha256",
             "record plugin '" + p.name + "'")
      .bind_all(run_id, p.kind, p.name, non_empty(p.version), non_empty(p.file), non_empty(p.sha256))
      .run();
  tx.commit();
}

void Writer::record_fact(std::int64_t run_id, std::string_view key, std::string_view value) {
  std::lock_guard lock(impl_->mutex);
  const auto& db = impl_->db;
  Transaction tx(db, "record fact");
  db.prepare("INSERT INTO run_facts (run_id, key, value) VALUES (?1, ?2, ?3) "
             "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
             "record run fact '" + std::string(key) + "'")
      .bind_all(run_id, std::string(key), std::string(value))
      .run();
  tx.commit();
}

void Writer::rewind_metrics(std::int64_t run_id, std::int64_t step) {
  std::lock_guard lock(impl_->mutex);
  impl_->flush_locked();
  const auto& db = impl_->db;
  Transaction tx(db, fmt::format("rewind run {} to step {}", run_id, step));
  db.prepare("DELETE FROM metrics WHERE run_id = ?1 AND (step > ?2 OR (step = ?2 AND epoch IS NULL AND "
             "split IN ('dev', 'test')))",
             "drop metrics after the checkpoint")
      .bind_all(run_id, step)
      .run();
  db.prepare("DELETE FROM artifacts WHERE run_id = ?1 AND kind = 'model'", "drop saved-model artifacts")
      .bind_all(run_id)
      .run();
  tx.commit();
}

void Writer::publish_trials(std::int64_t experiment_id, const std::vector<QueuedTrial>& trials) {
  std::lock_guard lock(impl_->mutex);
  Transaction tx(impl_->db, "publish the trials for workers");
  storage::publish_trials(impl_->db, experiment_id, trials);
  tx.commit();
}

void Writer::record_rung(const RungRecord& record) {
  std::lock_guard lock(impl_->mutex);
  impl_->flush_locked();  // the value judged is on record before its judgement
  Transaction tx(impl_->db, "record a rung judgement");
  storage::record_rung(impl_->db, record);
  tx.commit();
}

bool Writer::promote_run(std::int64_t run_id, int rung, std::string_view host) {
  std::lock_guard lock(impl_->mutex);
  Transaction tx(impl_->db, fmt::format("promote run {}", run_id));
  if (!storage::promote_run(impl_->db, run_id, rung, host)) return false;  // rolled back
  tx.commit();
  return true;
}

void Writer::heartbeat(std::int64_t run_id) {
  std::lock_guard lock(impl_->mutex);
  const auto& db = impl_->db;
  Transaction tx(db, "heartbeat");
  db.prepare("UPDATE runs SET heartbeat_at = ?2 WHERE id = ?1", "refresh run heartbeat")
      .bind_all(run_id, iso_utc_now())
      .run();
  tx.commit();
}

std::optional<std::int64_t> Writer::find_completed_run(std::string_view experiment, std::string_view trial,
                                                       std::string_view config_hash) const {
  std::lock_guard lock(impl_->mutex);
  return storage::find_completed_run(impl_->db, experiment, trial, config_hash);
}

TrialDecision Writer::decide_trial(std::string_view experiment, std::string_view trial, std::string_view config_hash,
                                   RerunPolicy policy, std::chrono::seconds stale_after) const {
  std::lock_guard lock(impl_->mutex);
  return storage::decide_trial(impl_->db, experiment, trial, config_hash, policy, stale_after);
}

}  // namespace mtlab::storage
