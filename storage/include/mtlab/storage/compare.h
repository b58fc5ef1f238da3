#pragma once
// `mtlab compare`: one row per trial of an experiment — its swept values, its
// final metrics (mean ± std over seeds when the trial repeats across seeds),
// sorted by the chosen metric, the best marked.
//
// Only completed runs count; when a trial+seed completed more than once (--force),
// the latest run counts. Swept keys are the params whose values differ between
// those runs, except seed keys ("seed", "*.seed"); runs with equal swept values
// form one trial row.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtlab/storage/metric_ref.h"
#include "mtlab/storage/table.h"

namespace mtlab::storage {

class Database;

struct Stat {
  double mean = 0;
  double std = 0;  // sample standard deviation (n - 1); 0 when n == 1
  int n = 0;
};

struct TrialRow {
  std::string trial;                        // the trial name (seed part removed when it differs by seed)
  std::vector<std::string> swept_values;    // one per Comparison::swept_keys
  std::vector<std::int64_t> run_ids;
  std::vector<std::int64_t> seeds;
  std::map<std::string, Stat> metrics;      // by label (task.split.name)
  bool best = false;
};

struct Comparison {
  std::string experiment;
  MetricRef metric;
  Direction direction = Direction::higher;
  std::vector<std::string> swept_keys;
  std::vector<std::string> metric_labels;   // the chosen one first, then the rest sorted
  std::vector<TrialRow> rows;               // best first; rows lacking the metric last
};

// `direction` empty: default_direction(metric name).
Comparison compare_trials(const Database& db, std::string_view experiment, std::string_view metric,
                          std::optional<Direction> direction = std::nullopt);

// For printing: best ("*"), trial, the swept keys, seeds, then each metric as
// "mean ± std" text (just the value for one seed). With `numeric`, each metric
// is two number columns instead, "<label>" (the mean) and "<label>.std", and
// best is 1/0: the form for CSV and JSON. `labels` picks the metric columns
// (empty: all of comparison.metric_labels).
Table comparison_table(const Comparison& comparison, bool numeric = false,
                       const std::vector<std::string>& labels = {});

// The chosen metric and the others of its split (dev, test, …): what fits on a
// screen when training logs many diagnostics (learning rates, gradient norms).
std::vector<std::string> same_split_labels(const Comparison& comparison);

// "0.8123" / "0.8123 ± 0.0041" (4 decimals, or 4 significant digits for very large or small values).
std::string format_stat(const Stat& stat);

}  // namespace mtlab::storage
