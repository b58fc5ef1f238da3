#pragma once
// The results store: everything mtlab records about runs and reads back, behind
// one interface, implemented once over SQLite and PostgreSQL alike (SqlStore on
// a Database, database.h); the conformance suite
// (tests/storage/test_store_conformance.cpp) runs every case on both.
// Nothing here names a SQLite or PostgreSQL type.
//
// Writes: experiments, runs claimed with the re-run policies (rerun.h) and kept
// alive by heartbeats, statuses with their error text, params (recorded with the
// run, from NewRun), buffered metrics, artifacts, plugins and run facts. Reads:
// the lineage look-ups of `backbone.from_run` and `mtlab predict --run`, and the
// tables of `mtlab runs`, `compare`, `export`, `report` and `query` (one read-only SQL
// statement over the documented tables and views, docs/storage.md).
//
// Default arguments are declared here only: implementations declare none.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtlab/storage/compare.h"
#include "mtlab/storage/report_data.h"
#include "mtlab/storage/rerun.h"
#include "mtlab/storage/run_record.h"
#include "mtlab/storage/run_status.h"
#include "mtlab/storage/rungs.h"
#include "mtlab/storage/runs_list.h"
#include "mtlab/storage/table.h"
#include "mtlab/storage/trial_queue.h"

namespace mtlab::storage {

class ResultsStore {
 public:
  virtual ~ResultsStore() = default;

  // Where the store is, as messages name it (a file path, or the URL as written).
  virtual std::string location() const = 0;
  virtual bool read_only() const = 0;

  // ---- experiments and runs --------------------------------------------------
  // The experiment's id, created on first use (the same id every later time).
  virtual std::int64_t begin_experiment(std::string_view name, std::string_view description = {}) = 0;
  // Inserts a run (status pending) with its config, params and environment.
  virtual std::int64_t create_run(std::int64_t experiment_id, const NewRun& run) = 0;
  // Decides (rerun.h) and, when the trial is to run, creates its run, atomically:
  // any number of processes claiming one trial get one run between them. With
  // RerunPolicy::resume, a dead or interrupted run for which `resumable(run_id)`
  // says a checkpoint exists is reopened instead (TrialClaim::resumed), else
  // a new run continues it; either is the trial's next attempt (runs.attempt).
  // A dead run that was the trial's `max_attempts`-th attempt (0: no limit) is
  // marked failed instead of continued (TrialDecision::exhausted).
  virtual TrialClaim claim_trial(std::int64_t experiment_id, const NewRun& run, RerunPolicy policy,
                                 std::chrono::seconds stale_after = kStaleAfter,
                                 const std::function<bool(std::int64_t)>& resumable = {},
                                 int max_attempts = 0) = 0;
  // The decision claim_trial would take, without claiming.
  virtual TrialDecision decide_trial(std::string_view experiment, std::string_view trial,
                                     std::string_view config_hash, RerunPolicy policy,
                                     std::chrono::seconds stale_after = kStaleAfter) const = 0;
  // pending → running → completed | failed | interrupted (a finished run never
  // changes again; the error text is kept, appended to any earlier text).
  virtual void set_status(std::int64_t run_id, RunStatus status, std::string_view error = {}) = 0;
  virtual void set_error(std::int64_t run_id, std::string_view error) = 0;
  // Marks the run alive now (every metric flush does too).
  virtual void heartbeat(std::int64_t run_id) = 0;
  // pending/running runs of `experiment` (all when empty) that are dead: on this
  // host their process is gone, elsewhere no heartbeat for `stale_after`. Returns how many.
  virtual int mark_stale_runs_interrupted(std::string_view experiment,
                                          std::chrono::seconds stale_after = kStaleAfter) = 0;

  // Workers' queue (trial_queue.h): publish the sweep once (idempotent; a
  // different sweep under the same experiment is refused), read it anywhere.
  virtual void publish_trials(std::int64_t experiment_id, const std::vector<QueuedTrial>& trials) = 0;
  virtual std::vector<QueuedTrial> queued_trials(std::string_view experiment) const = 0;

  // Pruned sweeps (rungs.h): each judgement of a trial at a rung; every row of an
  // experiment; promoting a paused run (false: another process did, or it is not paused).
  virtual void record_rung(const RungRecord& record) = 0;
  virtual std::vector<RungEntry> rung_entries(std::string_view experiment) const = 0;
  virtual bool promote_run(std::int64_t run_id, int rung, std::string_view host) = 0;

  // ---- metrics ---------------------------------------------------------------
  // Buffered; written on flush(), a full buffer, a status change, or when closed.
  virtual void log_metric(MetricPoint point) = 0;
  void log_metric(std::int64_t run_id, std::string_view task, std::string_view split, std::string_view name,
                  std::int64_t step, double value, std::optional<double> epoch = std::nullopt);
  virtual void flush() = 0;
  virtual std::size_t buffered() const = 0;
  // A resumed run continues from its checkpoint at `step`: drops what its dead
  // attempt recorded after it (and final evaluations at it) and its saved-model artifacts.
  virtual void rewind_metrics(std::int64_t run_id, std::int64_t step) = 0;

  // ---- artifacts, plugins, facts ---------------------------------------------
  virtual std::int64_t record_artifact(std::int64_t run_id, const ArtifactRecord& artifact) = 0;
  // Measures size and SHA-256 of an existing file, then records it.
  std::int64_t record_artifact_file(std::int64_t run_id, std::string_view kind, const std::filesystem::path& file);
  // One row per (run, kind, name); a second record replaces the first.
  virtual void record_plugin(std::int64_t run_id, const PluginRecord& plugin) = 0;
  // One value per (run, key); a second record replaces the first.
  virtual void record_fact(std::int64_t run_id, std::string_view key, std::string_view value) = 0;

  // ---- lineage ---------------------------------------------------------------
  // The latest completed run of `trial` in `experiment` (any config).
  virtual std::optional<std::int64_t> latest_completed_run(std::string_view experiment,
                                                           std::string_view trial) const = 0;
  // The latest completed run with this config hash (what skip_done skips on).
  virtual std::optional<std::int64_t> find_completed_run(std::string_view experiment, std::string_view trial,
                                                         std::string_view config_hash) const = 0;
  // "experiment/trial" of every completed run, sorted, without repeats.
  virtual std::vector<std::string> completed_trials() const = 0;
  // The model folder the run saved (the folder of its heads.json artifact);
  // throws naming the store and the run when it saved none.
  virtual std::filesystem::path saved_model_folder(std::int64_t run_id) const = 0;

  // ---- reading ---------------------------------------------------------------
  virtual Table list_runs(const RunFilter& filter) const = 0;
  virtual Comparison compare_trials(std::string_view experiment, std::string_view metric,
                                    std::optional<Direction> direction = std::nullopt) const = 0;
  virtual Table export_experiment(std::string_view experiment) const = 0;
  // Everything `mtlab report` draws of one experiment: runs, facts, final metrics, every series.
  virtual ReportExperiment report_experiment(std::string_view experiment) const = 0;
  // Exactly one read-only SQL statement; a write or a second statement is refused
  // before anything runs, whatever mode the store was opened in.
  virtual Table query(std::string_view sql) const = 0;
};

enum class StoreMode {
  read_write,  // created when missing, migrated to this build's schema
  read_only,   // changes nothing; query() reads any schema version, the rest need a readable one
};

// The store at `location`: a SQLite file path, `sqlite:PATH` or `sqlite:///PATH`
// (SQLAlchemy's form: `sqlite:////abs/path.db` is absolute), or a PostgreSQL
// database, libpq's URI `postgresql://user@host:port/db` or `postgres://…`
// (`?host=/folder` for a unix socket). A URL with a password is refused: libpq
// reads PGPASSWORD and ~/.pgpass. Any other `scheme://` is refused as unknown.
std::unique_ptr<ResultsStore> open_store(std::string_view location, StoreMode mode);

// The SQLite file a location names; nullopt for a database server (a URL).
std::optional<std::filesystem::path> store_file(std::string_view location);

}  // namespace mtlab::storage
