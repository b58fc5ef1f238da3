#pragma once
// What the trainer hands over when it creates a run, and what it records in it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
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
  // The hash this trial had before schema version 4 (of the config with its
  // absolute paths). claim_trial() re-keys such runs to config_hash, so a run
  // recorded before the upgrade still counts as this trial; empty: none.
  std::string legacy_config_hash;
  std::string config_toml;           // the full resolved config
  std::string config_json;           // the same, as a JSON object
  std::vector<Param> params;         // empty: flattened from config_json
  RunEnvironment environment;
  // Lineage: the run (and checkpoint) this run started from, if any.
  std::optional<std::int64_t> parent_run_id;
  std::string init_checkpoint;
  std::string init_checkpoint_sha256;
};

struct MetricPoint {
  std::int64_t run_id = 0;
  std::string task;   // "" for a whole-model metric (e.g. the weighted total loss)
  std::string split;  // "train", "dev", "test", ...
  std::string name;   // "loss", "accuracy", "macro_f1", ...
  std::int64_t step = 0;
  std::optional<double> epoch;
  double value = 0;
  double wall_time = 0;  // Unix seconds; 0 = now
};

struct ArtifactRecord {
  std::string kind;  // "checkpoint", "predictions", "log", ...
  std::string path;
  std::optional<std::int64_t> size_bytes;
  std::string sha256;
};

// The record of an existing file: its size and SHA-256, measured now.
ArtifactRecord measure_artifact(std::string_view kind, const std::filesystem::path& file);

struct PluginRecord {
  std::string kind;  // backbone, head, loss, optimizer
  std::string name;
  std::string version;
  std::string file;
  std::string sha256;
};

}  // namespace mtlab::storage
