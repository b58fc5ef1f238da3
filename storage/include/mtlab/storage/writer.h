#pragma once
// The API the trainer writes results through. One Writer per process (it is
// thread-safe, but one connection); several processes may write one database at
// once. Every logical write is one transaction; metrics are buffered and written
// in one transaction per batch, flushed when the buffer is full or older than
// flush_interval, on every status change, on flush(), and on destruction.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mtlab/storage/database.h"
#include "mtlab/storage/rerun.h"
#include "mtlab/storage/run_record.h"
#include "mtlab/storage/run_status.h"
#include "mtlab/storage/rungs.h"
#include "mtlab/storage/trial_queue.h"

namespace mtlab::storage {


struct WriterOptions {
  std::size_t metric_batch = 2048;  // buffered metric rows before an automatic flush
  int busy_timeout_ms = 60'000;
  // A log_metric() this long after the last flush flushes too: bounds what a crash
  // can lose and keeps the run's heartbeat fresh when metrics come slowly.
  std::chrono::milliseconds flush_interval{5'000};
};

class Writer {
 public:
  // Opens (creating and migrating as needed) the database at `path`.
  explicit Writer(const std::filesystem::path& path, WriterOptions options = {});
  // Writes through `db`, opened read-write (a SQLite file or a PostgreSQL database).
  explicit Writer(Database db, WriterOptions options = {});
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  // Flushes buffered metrics; an error here is logged, not thrown.
  ~Writer();

  // Returns the experiment's id, creating it on first use.
  std::int64_t begin_experiment(std::string_view name, std::string_view description = {});

  // Inserts the run (status pending) with its config, params and environment.
  std::int64_t create_run(std::int64_t experiment_id, const NewRun& run);

  // Decides (see rerun.h) and, when the trial is to run, creates its run, in one
  // transaction, so two processes sweeping the same experiment never both take a trial.
  // With RerunPolicy::resume, an interrupted (or dead) run for which
  // `resumable(run_id)` says a checkpoint exists is reopened (status running,
  // this process's pid) instead of a new run being created.
  TrialClaim claim_trial(std::int64_t experiment_id, const NewRun& run, RerunPolicy policy,
                         std::chrono::seconds stale_after = kStaleAfter,
                         const std::function<bool(std::int64_t)>& resumable = {}, int max_attempts = 0);

  // running: sets started_at, pid and heartbeat. completed/failed/interrupted:
  // sets ended_at and duration_s; `error` is stored for failed/interrupted runs.
  // Flushes buffered metrics first, so a run never ends with metrics unwritten.
  void set_status(std::int64_t run_id, RunStatus status, std::string_view error = {});
  void set_error(std::int64_t run_id, std::string_view error);

  void log_metric(std::int64_t run_id, std::string_view task, std::string_view split, std::string_view name,
                  std::int64_t step, double value, std::optional<double> epoch = std::nullopt);
  void log_metric(MetricPoint point);
  // Writes all buffered metrics in one transaction (and refreshes the heartbeat of their runs).
  void flush();
  std::size_t buffered() const;

  std::int64_t record_artifact(std::int64_t run_id, const ArtifactRecord& artifact);
  // Measures size and SHA-256 of an existing file, then records it.
  std::int64_t record_artifact_file(std::int64_t run_id, std::string_view kind, const std::filesystem::path& file);
  void record_plugin(std::int64_t run_id, const PluginRecord& plugin);

  // A fact the run established (key unique per run; a second write replaces it).
  void record_fact(std::int64_t run_id, std::string_view key, std::string_view value);

  // A resumed run continues from its checkpoint at `step`: drops the metrics its
  // dead attempt recorded after that step (and final evaluations at it) and its
  // saved-model artifacts, which the continued run records again.
  void rewind_metrics(std::int64_t run_id, std::int64_t step);

  // Queues the sweep's trials for workers, in one transaction (trial_queue.h).
  void publish_trials(std::int64_t experiment_id, const std::vector<QueuedTrial>& trials);

  // Marks the run alive now (also done by every metric flush).
  void heartbeat(std::int64_t run_id);
  // Pruning (rungs.h): a judgement recorded; a paused run promoted, or false.
  void record_rung(const RungRecord& record);
  bool promote_run(std::int64_t run_id, int rung, std::string_view host);

  std::optional<std::int64_t> find_completed_run(std::string_view experiment, std::string_view trial,
                                                  std::string_view config_hash) const;
  TrialDecision decide_trial(std::string_view experiment, std::string_view trial, std::string_view config_hash,
                             RerunPolicy policy, std::chrono::seconds stale_after = kStaleAfter) const;

  const Database& database() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mtlab::storage
