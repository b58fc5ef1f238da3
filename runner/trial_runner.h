#pragma once
// Runs one trial of an experiment: builds the backbone, heads, losses and
// optimizer from plugins, reads and tokenizes the data, trains, evaluates and
// saves, reporting everything to a Recorder.
#include <filesystem>
#include <memory>
#include <string>

#include "mtlab/plugin/registry.h"
#include "mtlab/spec/trial.h"
#include "mtlab/train/recorder.h"
#include "mtlab/train/trainer.h"

namespace mtlab {
class Backbone;
class ProcessGroup;
}

namespace mtlab::cli {

struct TrialContext {
  const spec::Trial* trial = nullptr;
  plugin::Registry* registry = nullptr;
  std::filesystem::path spec_dir;    // relative data paths resolve against it
  std::filesystem::path output_dir;  // this run's folder (checkpoints, artifacts)
  bool progress = true;
  bool resume = false;  // continue from output_dir's resume checkpoint when there is one
  FrozenPrefixCache* frozen_cache = nullptr;  // the sweep's; null: a trial that wants one makes its own
  ProcessGroup* group = nullptr;  // data-parallel ranks (distributed_trials.h); null: alone
  Judge judge;                    // [sweep.prune]'s judge of this run; empty: none
};

struct TrialOutcome {
  TrainResult result;
  std::vector<std::pair<std::string, std::string>> plugins_used;  // kind, name
};

// Build data (trial_data.h) → build model (trial_model.h) → train, everything
// reported to `recorder` as it happens; an [embed] trial encodes instead.
TrialOutcome run_trial(const TrialContext& context, Recorder& recorder);

// The seed's Task 1: encode [embed] sentences, record the embeddings as an
// artifact and their cosine similarities as metrics (embedding_trial.cpp).
TrialOutcome run_embedding_trial(const TrialContext& context, Recorder& recorder);

// The trial's backbone, made by its plugin from [backbone], listed in `outcome`.
std::shared_ptr<Backbone> create_backbone(const TrialContext& context, TrialOutcome& outcome);

}  // namespace mtlab::cli
