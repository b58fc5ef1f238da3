#pragma once
// What `mtlab report` draws, read from the store in one go: every run of an
// experiment (any status) with its machine facts, error text, lineage, resolved
// config, run facts and final metrics, and every metric series point by point.
// The trial grouping (mean ± std over seeds) is compare_trials' (compare.h).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtlab::storage {

class Database;

struct ReportRun {
  std::int64_t id = 0;
  std::string trial;
  std::string status;
  std::optional<std::int64_t> seed;
  std::string created_at, started_at, ended_at;  // ISO-8601 UTC; "" when not reached
  std::optional<double> duration_s;
  std::string host, os, cpu;
  std::optional<std::int64_t> threads;
  std::string mtlab_version, git_commit, torch_version, blas;
  std::string config_json;  // the resolved config as recorded
  std::string error;        // "" when none
  // Lineage: the run whose checkpoint this one started from.
  std::optional<std::int64_t> parent_run_id;
  std::string parent;  // "experiment/trial" of that run, "" when none
  std::string init_checkpoint, init_checkpoint_sha256;
  std::map<std::string, std::string> facts;           // run_facts
  std::map<std::string, double> final_metrics;       // final_metrics by label (NaN left out)
};

// One series of one run: label task.split.name (split.name for whole-model
// metrics), points in step order; a NaN value is an empty optional.
struct ReportSeries {
  std::int64_t run_id = 0;
  std::string label;
  std::string task, split, name;  // task "" for a whole-model metric
  std::vector<std::int64_t> steps;
  std::vector<std::optional<double>> values;
};

struct ReportExperiment {
  std::string name;
  std::string description;
  std::string created_at;
  std::vector<ReportRun> runs;        // by id
  std::vector<ReportSeries> series;   // by run, then label
};

// Throws naming the database and the known experiments when `experiment` is unknown.
ReportExperiment read_report_experiment(const Database& db, std::string_view experiment);

}  // namespace mtlab::storage
