#pragma once
// What pruning did to an experiment, from its rungs (rungs.h): per rung how many
// trials were judged, went on and stopped there; and the compute the trials took
// against what they would have taken had every one run to the end. `mtlab compare`
// prints it and `mtlab report` draws it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mtlab/storage/rungs.h"

namespace mtlab::storage {

struct RungCount {
  int rung = 0;
  std::int64_t resource = 0;  // epochs or steps done at the rung
  int judged = 0;             // trials that reached it
  int went_on = 0;            // continued at once, or promoted later
  int stopped = 0;            // paused (ASHA) or pruned (median) there, and still stopped
};

struct PruningSummary {
  std::string method;  // "asha" | "median"
  std::string unit;    // "epochs" | "steps"
  std::int64_t max_resource = 0;
  std::vector<RungCount> rungs;
  int trials = 0;  // runs judged at a rung at least once
  int completed = 0, pruned = 0;
  std::int64_t used = 0;  // epochs or steps the trials trained
  std::int64_t full = 0;  // had each trained max_resource
};

// nullopt when the experiment has no rungs (it was not pruned).
std::optional<PruningSummary> summarize_pruning(const std::vector<RungEntry>& entries);

// The summary as lines of text, for a terminal.
std::string format_pruning(const PruningSummary& summary);

}  // namespace mtlab::storage
