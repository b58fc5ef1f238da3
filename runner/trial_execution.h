#pragma once
// One claimed trial, run in this process: the part of the sweep loop that the
// runner does in-process and a `mtlab run-trial` child does when trials are
// isolated (experiment.isolation = "process"). The caller owns the run's status.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mtlab/plugin/registry.h"
#include "mtlab/spec/trial.h"
#include "mtlab/storage/results_store.h"
#include "mtlab/train/judge.h"

namespace mtlab {
class FrozenPrefixCache;
}

namespace mtlab::cli {

struct TrialJob {
  spec::Trial* trial = nullptr;  // lineage already resolved
  std::int64_t run_id = 0;
  bool resume = false;
  std::filesystem::path spec_dir;
  std::filesystem::path output_dir;
  bool progress = false;
  FrozenPrefixCache* frozen_cache = nullptr;
  Judge judge;  // [sweep.prune]: asked after each dev evaluation; empty: the trial runs to its end
};

// The exit code of a `mtlab run-trial` child whose trial was pruned (0 done, 1 failed, 130 interrupted).
inline constexpr int kPrunedExitCode = 3;

// <output>/<experiment>/run-<id>: where a run keeps its files.
std::filesystem::path run_folder(const std::filesystem::path& output_root, const std::string& experiment,
                                 std::int64_t run_id);

// Runs the trial, records its plugins and logs a summary line; throws
// Interrupted on Ctrl-C, Pruned when its judge stops it, and the trial's error when it fails.
void execute_trial(const TrialJob& job, storage::ResultsStore& store, plugin::Registry& registry);

// The command line of a `mtlab run-trial` child running the trial written to
// `trial_file` (spec::write_trial_file) as run `run_id`.
std::vector<std::string> trial_child_command(const std::filesystem::path& trial_file, std::int64_t run_id,
                                             bool resume);

}  // namespace mtlab::cli
