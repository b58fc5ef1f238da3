#pragma once
// The sweep loop: takes trials from a TrialSource, claims each in the results
// results store, runs it (in this process, or in an isolated `mtlab run-trial` child
// that receives the resolved trial as a file) and owns the run's status.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mtlab/model/environment.h"
#include "mtlab/options/liveness.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/spec/trial_source.h"
#include "mtlab/storage/results_store.h"
#include "mtlab/train/frozen_prefix_cache.h"
#include "pruner.h"

namespace mtlab::cli {

// What the loop needs beyond the trials; the same for every trial of a sweep.
struct SweepSettings {
  std::string experiment;
  std::string description;
  std::filesystem::path spec_dir;     // relative data paths resolve against it
  std::filesystem::path output_root;  // experiment.output
  storage::RerunPolicy policy = storage::RerunPolicy::skip_done;
  bool isolated = false;              // experiment.isolation = "process"
  std::chrono::seconds trial_timeout{0};
  // A run silent this long is dead (experiment.heartbeat_timeout); its
  // heartbeat is sent every quarter of it.
  std::chrono::seconds heartbeat_timeout{kDefaultHeartbeatTimeoutSeconds};
  // Workers: how many attempts a trial gets (1 + experiment.max_retries); 0: no limit.
  int max_attempts = 0;
  bool progress = false;
  // [sweep.prune]: trials are judged at rungs; with ASHA, paused ones among
  // `trials` (the sweep's) are promoted before new trials are taken.
  std::optional<spec::PruneSpec> prune;
  std::vector<spec::Trial> trials;
};

// The experiment-level settings of a sweep, read from one of its trials (they
// cannot be swept).
SweepSettings sweep_settings(const spec::Trial& trial, const std::string& experiment);

struct SweepCounts {
  int completed = 0, failed = 0, skipped = 0, pruned = 0;
  bool interrupted = false;
};

class SweepLoop {
 public:
  SweepLoop(SweepSettings settings, storage::ResultsStore& store, plugin::Registry& registry);
  // Runs trials until the source is exhausted or a trial is interrupted.
  SweepCounts run(spec::TrialSource& source);

 private:
  struct Claim {
    std::optional<std::int64_t> run_id;  // the run to execute; none: not run (logged)
    bool resumed = false;                // run_id is an interrupted run reopened
    spec::TrialEnd end = spec::TrialEnd::skipped;  // how the trial ended when it is not run
  };
  // Resolves the trial's lineage and claims it in the database.
  Claim claim(spec::Trial& trial);
  spec::TrialEnd run_claimed(spec::Trial& trial, std::int64_t run_id, bool resumed);
  spec::TrialEnd run_isolated(const spec::Trial& trial, std::int64_t run_id, bool resumed);
  spec::TrialEnd run_in_process(spec::Trial& trial, std::int64_t run_id, bool resumed);
  // ASHA: a paused trial promoted and run on from its checkpoint; nullopt: none to promote.
  std::optional<spec::TrialEnd> run_promotion();
  std::filesystem::path run_folder(std::int64_t run_id) const;

  SweepSettings settings_;
  storage::ResultsStore& store_;
  plugin::Registry& registry_;
  Environment environment_;
  std::int64_t experiment_id_ = 0;
  FrozenPrefixCache frozen_cache_;  // every trial of the sweep shares frozen-prefix outputs
  std::unique_ptr<Pruner> pruner_;  // with [sweep.prune]
};

}  // namespace mtlab::cli
