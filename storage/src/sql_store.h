#pragma once
// The ResultsStore on one database, SQLite or PostgreSQL alike (the SQL is one
// text for both, database.h): writes go through Writer (batched metrics, claims
// in transactions), reads through the read-only helpers (runs_list, compare,
// export, report_data, query, lineage_queries) on the same connection, or on a
// read-only connection when opened read-only.
#include <filesystem>
#include <memory>
#include <optional>

#include "mtlab/storage/database.h"
#include "mtlab/storage/results_store.h"
#include "mtlab/storage/writer.h"

namespace mtlab::storage {

class SqlStore final : public ResultsStore {
 public:
  // `db` was opened read-write (migrated) for StoreMode::read_write, else
  // read-only without a schema check (done on first typed read).
  SqlStore(Database db, StoreMode mode);

  std::string location() const override;
  bool read_only() const override;

  std::int64_t begin_experiment(std::string_view name, std::string_view description) override;
  std::int64_t create_run(std::int64_t experiment_id, const NewRun& run) override;
  TrialClaim claim_trial(std::int64_t experiment_id, const NewRun& run, RerunPolicy policy,
                         std::chrono::seconds stale_after,
                         const std::function<bool(std::int64_t)>& resumable, int max_attempts) override;
  TrialDecision decide_trial(std::string_view experiment, std::string_view trial, std::string_view config_hash,
                             RerunPolicy policy, std::chrono::seconds stale_after) const override;
  void set_status(std::int64_t run_id, RunStatus status, std::string_view error) override;
  void set_error(std::int64_t run_id, std::string_view error) override;
  void heartbeat(std::int64_t run_id) override;
  int mark_stale_runs_interrupted(std::string_view experiment, std::chrono::seconds stale_after) override;
  void publish_trials(std::int64_t experiment_id, const std::vector<QueuedTrial>& trials) override;
  std::vector<QueuedTrial> queued_trials(std::string_view experiment) const override;
  void record_rung(const RungRecord& record) override;
  std::vector<RungEntry> rung_entries(std::string_view experiment) const override;
  bool promote_run(std::int64_t run_id, int rung, std::string_view host) override;

  using ResultsStore::log_metric;
  void log_metric(MetricPoint point) override;
  void flush() override;
  std::size_t buffered() const override;
  void rewind_metrics(std::int64_t run_id, std::int64_t step) override;

  std::int64_t record_artifact(std::int64_t run_id, const ArtifactRecord& artifact) override;
  void record_plugin(std::int64_t run_id, const PluginRecord& plugin) override;
  void record_fact(std::int64_t run_id, std::string_view key, std::string_view value) override;

  std::optional<std::int64_t> latest_completed_run(std::string_view experiment, std::string_view trial) const override;
  std::optional<std::int64_t> find_completed_run(std::string_view experiment, std::string_view trial,
                                                 std::string_view config_hash) const override;
  std::vector<std::string> completed_trials() const override;
  std::filesystem::path saved_model_folder(std::int64_t run_id) const override;

  Table list_runs(const RunFilter& filter) const override;
  Comparison compare_trials(std::string_view experiment, std::string_view metric,
                            std::optional<Direction> direction) const override;
  Table export_experiment(std::string_view experiment) const override;
  ReportExperiment report_experiment(std::string_view experiment) const override;
  Table query(std::string_view sql) const override;

 private:
  // The writer; throws naming the store and `what` when opened read-only.
  Writer& writer(std::string_view what) const;
  // The connection for typed reads: a read-only one has its schema checked
  // once, on first use, so that query() alone reads any version.
  const Database& reader() const;
  const Database& connection() const;

  std::string location_;
  std::unique_ptr<Writer> writer_;
  std::optional<Database> read_only_;
  mutable bool schema_checked_ = false;
};

}  // namespace mtlab::storage
