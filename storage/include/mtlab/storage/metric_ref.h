#pragma once
// Naming a metric on the command line. The convention is task.split.name
// ("intent.dev.accuracy"), the same text as final_metrics.metric; a whole-model
// metric (task "") is split.name ("train.loss"). split.task.name is accepted
// too when that is the only reading the experiment's metrics support.
#include <string>
#include <string_view>
#include <vector>

namespace mtlab::storage {

enum class Direction { higher, lower };

// lower for names containing loss, error or perplexity and for mse, mae, rmse,
// wer, cer, ppl; higher otherwise. The best_runs view uses the same rule.
Direction default_direction(std::string_view metric_name);
std::string_view to_string(Direction direction);

struct MetricRef {
  std::string task;  // "" for a whole-model metric
  std::string split;
  std::string name;
  std::string label() const;  // task.split.name, or split.name when task is ""
};

// Picks the reading of `text` that names one of `available` labels
// (task.split.name first, then split.task.name); throws listing them otherwise.
MetricRef resolve_metric(std::string_view text, const std::vector<std::string>& available);

}  // namespace mtlab::storage
