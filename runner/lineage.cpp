#include "lineage.h"

#include <fmt/format.h>

#include "mtlab/core/error.h"
#include "mtlab/core/hash.h"
#include "mtlab/storage/results_store.h"

namespace mtlab::cli {
namespace fs = std::filesystem;

namespace {

std::string checkpoint_hash(const fs::path& folder) {
  for (const char* name : {"model.safetensors", "model.safetensors.index.json"}) {
    if (fs::exists(folder / name)) return sha256_file(folder / name);
  }
  return "";
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

}  // namespace

Lineage resolve_lineage(const storage::ResultsStore& store, spec::Trial& trial) {
  Lineage lineage;
  auto& backbone = trial.config["backbone"];
  if (!backbone.is_object()) return lineage;
  if (backbone.contains("from_run")) {
    const std::string from = backbone["from_run"].get<std::string>();
    const auto where = trial.locations.count("backbone.from_run") ? trial.locations.at("backbone.from_run") : trial.file;
    const auto slash = from.find('/');
    if (slash == std::string::npos) {
      throw Error(fmt::format("{}: backbone.from_run: '{}' must be \"<experiment>/<trial>\"", where, from));
    }
    const auto run = store.latest_completed_run(from.substr(0, slash), from.substr(slash + 1));
    if (!run) {
      throw Error(fmt::format("{}: backbone.from_run: no completed run of '{}' in {}; run that experiment first "
                              "(completed: {})",
                              where, from, store.location(), joined(store.completed_trials())));
    }
    lineage.parent_run = run;
    lineage.checkpoint = store.saved_model_folder(*run);
    backbone.erase("from_run");  // the trial runner drops init/vocab for any checkpoint
    backbone["checkpoint"] = lineage.checkpoint.string();
  } else if (backbone.contains("checkpoint")) {
    lineage.checkpoint = backbone["checkpoint"].get<std::string>();
  }
  if (!lineage.checkpoint.empty()) lineage.checkpoint_sha256 = checkpoint_hash(lineage.checkpoint);
  return lineage;
}

}  // namespace mtlab::cli
