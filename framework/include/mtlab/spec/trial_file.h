#pragma once
// A resolved trial as a file: what a runner hands to the process that runs the
// trial (an isolated `mtlab run-trial` child today, a worker later), so that
// process needs neither the spec nor the sweep — it runs exactly the trial the
// runner claimed, with its lineage already resolved and its hash as recorded.
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "mtlab/spec/prune.h"
#include "mtlab/spec/trial.h"

namespace mtlab::spec {

// Every field of the trial, the spec folder it resolves relative paths against,
// and a format tag so a stale or foreign file is refused.
struct TrialFile {
  Trial trial;
  std::filesystem::path spec_dir;
  std::optional<PruneSpec> prune;  // the sweep's [sweep.prune]: the trial is judged at its rungs
};

nlohmann::json trial_file_json(const TrialFile& file);
// Throws mtlab::Error naming `where` when the JSON is not a trial file of this format.
TrialFile trial_file_from_json(const nlohmann::json& json, const std::string& where);

void write_trial_file(const std::filesystem::path& path, const TrialFile& file);
TrialFile read_trial_file(const std::filesystem::path& path);

}  // namespace mtlab::spec
