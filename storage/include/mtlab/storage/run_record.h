#pragma once
// What the trainer hands over when it creates a run.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mtlab/storage/params.h"

namespace mtlab::storage {

// Facts about the machine and build that produced a run (mirrors
// mtlab::Environment without pulling LibTorch into storage).
struct RunEnvironment {
  std::string host;
  std::string os;
  std::string cpu;
  int threads = 0;
  std::string mtlab_version;
  std::string git_commit;
  std::string torch_version;
  std::string blas;
};

struct NewRun {
  std::string trial;                 // readable name from the swept values
  std::optional<std::int64_t> seed;
  std::string config_hash;           // hash of the resolved config: same hash = same trial
  std::string config_toml;           // the full resolved config
  std::string config_json;           // the same, as a JSON object
  std::vector<Param> params;         // empty: flattened from config_json
  RunEnvironment environment;
  // Lineage: the run (and checkpoint) this run started from, if any.
  std::optional<std::int64_t> parent_run_id;
  std::string init_checkpoint;
  std::string init_checkpoint_sha256;
};

struct ArtifactRecord {
  std::string kind;  // "checkpoint", "predictions", "log", ...
  std::string path;
  std::optional<std::int64_t> size_bytes;
  std::string sha256;
};

struct PluginRecord {
  std::string kind;  // backbone, head, loss, optimizer
  std::string name;
  std::string version;
  std::string file;
  std::string sha256;
};

}  // namespace mtlab::storage
