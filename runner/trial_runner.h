#pragma once
// Runs one trial of an experiment: builds the backbone, heads, losses and
// optimizer from plugins, reads and tokenizes the data, trains, evaluates and
// saves, reporting everything to a Recorder.
#include <filesystem>
#include <string>

#include "mtlab/plugin/registry.h"
#include "mtlab/spec/trial.h"
#include "mtlab/train/recorder.h"
#include "mtlab/train/trainer.h"

namespace mtlab::cli {

struct TrialContext {
  const spec::Trial* trial = nullptr;
  plugin::Registry* registry = nullptr;
  std::filesystem::path spec_dir;    // relative data paths resolve against it
  std::filesystem::path output_dir;  // this run's folder (checkpoints, artifacts)
  bool progress = true;
  bool resume = false;  // continue from output_dir's resume checkpoint when there is one
  FrozenPrefixCache* frozen_cache = nullptr;  // the sweep's; null: a trial that wants one makes its own
};

struct TrialOutcome {
  TrainResult result;
  std::vector<std::pair<std::string, std::string>> plugins_used;  // kind, name
};

TrialOutcome run_trial(const TrialContext& context, Recorder& recorder);

}  // namespace mtlab::cli
