#include "sql_store.h"

#include <fmt/format.h>

#include "lineage_queries.h"
#include "mtlab/core/error.h"
#include "mtlab/storage/compare.h"
#include "mtlab/storage/export.h"
#include "mtlab/storage/query.h"
#include "mtlab/storage/runs_list.h"
#include "mtlab/storage/schema.h"

namespace mtlab::storage {

SqlStore::SqlStore(Database db, StoreMode mode) : location_(db.location()) {
  if (mode == StoreMode::read_write) {
    writer_ = std::make_unique<Writer>(std::move(db));
  } else {
    read_only_.emplace(std::move(db));
  }
}

std::string SqlStore::location() const { return location_; }
bool SqlStore::read_only() const { return !writer_; }

Writer& SqlStore::writer(std::string_view what) const {
  if (!writer_) {
    throw Error(fmt::format("{}: cannot {}: the results store is open read-only", location_, what));
  }
  return *writer_;
}

const Database& SqlStore::connection() const { return writer_ ? writer_->database() : *read_only_; }

const Database& SqlStore::reader() const {
  if (!schema_checked_ && read_only_) require_readable_schema(*read_only_);
  schema_checked_ = true;
  return connection();
}

std::int64_t SqlStore::begin_experiment(std::string_view name, std::string_view description) {
  return writer("begin an experiment").begin_experiment(name, description);
}

std::int64_t SqlStore::create_run(std::int64_t experiment_id, const NewRun& run) {
  return writer("create a run").create_run(experiment_id, run);
}

TrialClaim SqlStore::claim_trial(std::int64_t experiment_id, const NewRun& run, RerunPolicy policy,
                                    std::chrono::seconds stale_after,
                                    const std::function<bool(std::int64_t)>& resumable, int max_attempts) {
  return writer("claim a trial").claim_trial(experiment_id, run, policy, stale_after, resumable, max_attempts);
}

TrialDecision SqlStore::decide_trial(std::string_view experiment, std::string_view trial,
                                        std::string_view config_hash, RerunPolicy policy,
                                        std::chrono::seconds stale_after) const {
  return storage::decide_trial(reader(), experiment, trial, config_hash, policy, stale_after);
}

void SqlStore::set_status(std::int64_t run_id, RunStatus status, std::string_view error) {
  writer("set a run's status").set_status(run_id, status, error);
}

void SqlStore::set_error(std::int64_t run_id, std::string_view error) {
  writer("set a run's error").set_error(run_id, error);
}

void SqlStore::heartbeat(std::int64_t run_id) { writer("record a heartbeat").heartbeat(run_id); }

int SqlStore::mark_stale_runs_interrupted(std::string_view experiment, std::chrono::seconds stale_after) {
  return storage::mark_stale_runs_interrupted(writer("mark stale runs interrupted").database(), experiment,
                                              stale_after);
}

void SqlStore::publish_trials(std::int64_t experiment_id, const std::vector<QueuedTrial>& trials) {
  writer("publish trials for workers").publish_trials(experiment_id, trials);
}

void SqlStore::record_rung(const RungRecord& record) { writer("record a rung judgement").record_rung(record); }

std::vector<RungEntry> SqlStore::rung_entries(std::string_view experiment) const {
  return storage::rung_entries(reader(), experiment);
}

bool SqlStore::promote_run(std::int64_t run_id, int rung, std::string_view host) {
  return writer("promote a paused trial").promote_run(run_id, rung, host);
}

std::vector<QueuedTrial> SqlStore::queued_trials(std::string_view experiment) const {
  return storage::queued_trials(reader(), experiment);
}

void SqlStore::log_metric(MetricPoint point) { writer("log a metric").log_metric(std::move(point)); }

void SqlStore::flush() {
  if (writer_) writer_->flush();
}

std::size_t SqlStore::buffered() const { return writer_ ? writer_->buffered() : 0; }

void SqlStore::rewind_metrics(std::int64_t run_id, std::int64_t step) {
  writer("rewind a run's metrics").rewind_metrics(run_id, step);
}

std::int64_t SqlStore::record_artifact(std::int64_t run_id, const ArtifactRecord& artifact) {
  return writer("record an artifact").record_artifact(run_id, artifact);
}

void SqlStore::record_plugin(std::int64_t run_id, const PluginRecord& plugin) {
  writer("record a plugin").record_plugin(run_id, plugin);
}

void SqlStore::record_fact(std::int64_t run_id, std::string_view key, std::string_view value) {
  writer("record a run fact").record_fact(run_id, key, value);
}

std::optional<std::int64_t> SqlStore::latest_completed_run(std::string_view experiment,
                                                              std::string_view trial) const {
  return storage::latest_completed_run(reader(), experiment, trial);
}

std::optional<std::int64_t> SqlStore::find_completed_run(std::string_view experiment, std::string_view trial,
                                                            std::string_view config_hash) const {
  return storage::find_completed_run(reader(), experiment, trial, config_hash);
}

std::vector<std::string> SqlStore::completed_trials() const { return storage::completed_trials(reader()); }

std::filesystem::path SqlStore::saved_model_folder(std::int64_t run_id) const {
  return storage::saved_model_folder(reader(), run_id);
}

Table SqlStore::list_runs(const RunFilter& filter) const { return storage::list_runs(reader(), filter); }

Comparison SqlStore::compare_trials(std::string_view experiment, std::string_view metric,
                                       std::optional<Direction> direction) const {
  return storage::compare_trials(reader(), experiment, metric, direction);
}

Table SqlStore::export_experiment(std::string_view experiment) const {
  return storage::export_experiment(reader(), experiment);
}

ReportExperiment SqlStore::report_experiment(std::string_view experiment) const {
  return read_report_experiment(reader(), experiment);
}

// Raw SQL reads any schema version: no check here.
Table SqlStore::query(std::string_view sql) const { return run_read_only_query(connection(), sql); }

}  // namespace mtlab::storage
