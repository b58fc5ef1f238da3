#pragma once
// Where a trial's backbone starts from: `backbone.from_run = "<experiment>/<trial>"`
// (the saved model of the latest completed run of that trial, looked up in the
// results store) or `backbone.checkpoint = "<folder>"`. The run records the
// parent run and the checkpoint's hash.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "mtlab/spec/trial.h"

namespace mtlab::storage {
class ResultsStore;
}

namespace mtlab::cli {

struct Lineage {
  std::optional<std::int64_t> parent_run;
  std::filesystem::path checkpoint;  // empty: a backbone built from scratch
  std::string checkpoint_sha256;     // of model.safetensors (or the index of a sharded one)
};

// Resolves from_run (rewriting the trial's backbone.checkpoint to the found
// folder) or reads the checkpoint's hash. Throws naming the key and listing
// the completed trials of the store when the run is not found.
Lineage resolve_lineage(const storage::ResultsStore& store, spec::Trial& trial);

}  // namespace mtlab::cli
