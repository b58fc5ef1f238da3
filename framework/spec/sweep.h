#pragma once
// Expanding [sweep] into per-trial assignments. Private to mtlab_spec.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mtlab/spec/diagnostic.h"
#include "mtlab/spec/document.h"

namespace mtlab::spec::detail {

struct Assignment {
  std::string label;  // name part: "freeze", "layers", "seed", or the key's last segment
  std::string key;    // dotted config key
  nlohmann::json value;
  Location where;     // the list element that gave the value
};

using TrialPlan = std::vector<Assignment>;

struct SweepPlans {
  std::vector<TrialPlan> trials;
  // Validation only, never run: each key of [sweep.search] set alone to each of its
  // bounds and choices (Assignment::where: the field that wrote the value), so every
  // value it may take is checked where it was written, whatever was drawn.
  std::vector<TrialPlan> probes;
};

// presets (freeze + layers, one dimension) × grid (first key slowest) × zip × search
// (the sampled configurations, one dimension) × seeds. Problems in the [sweep] table
// are added to `errors`; then no trial plan is returned. A sweep of more than
// `max_trials` trials is such a problem.
SweepPlans plan_sweep(const Document& doc, std::vector<Diagnostic>& errors, std::size_t max_trials);

// "freeze=backbone,seed=13"; labels shared by two keys fall back to the full key.
std::string trial_name(const TrialPlan& plan);

}  // namespace mtlab::spec::detail
