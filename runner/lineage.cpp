#include "lineage.h"

#include <fmt/format.h>

#include "mtlab/core/error.h"
#include "mtlab/core/hash.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"

namespace mtlab::cli {
namespace fs = std::filesystem;

namespace {

std::string checkpoint_hash(const fs::path& folder) {
  for (const char* name : {"model.safetensors", "model.safetensors.index.json"}) {
    if (fs::exists(folder / name)) return sha256_file(folder / name);
  }
  return "";
}

}  // namespace

fs::path saved_model_folder(const storage::Database& db, std::int64_t run) {
  auto model = db.prepare("SELECT path FROM artifacts WHERE run_id = ?1 AND path LIKE '%heads.json' "
                          "ORDER BY id DESC LIMIT 1",
                          "find the saved model of a run");
  model.bind_all(run);
  if (!model.step()) {
    throw Error(fmt::format("{}: run {} saved no model (no heads.json among its artifacts; was training.save = "
                            "\"none\"?)",
                            db.path().string(), run));
  }
  return fs::path(model.get_text(0)).parent_path();
}

Lineage resolve_lineage(const storage::Database& db, spec::Trial& trial) {
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
    const std::string experiment = from.substr(0, slash), name = from.substr(slash + 1);
    auto find = db.prepare(
        "SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id "
        "WHERE e.name = ?1 AND r.trial = ?2 AND r.status = 'completed' ORDER BY r.id DESC LIMIT 1",
        "find the run named by backbone.from_run");
    find.bind_all(experiment, name);
    if (!find.step()) {
      auto known = db.prepare(
          "SELECT DISTINCT e.name || '/' || r.trial FROM runs r JOIN experiments e ON e.id = r.experiment_id "
          "WHERE r.status = 'completed' ORDER BY 1",
          "list completed trials");
      std::string names;
      while (known.step()) names += (names.empty() ? "" : ", ") + known.get_text(0);
      throw Error(fmt::format("{}: backbone.from_run: no completed run of '{}' in {}; run that experiment first "
                              "(completed: {})",
                              where, from, db.path().string(), names.empty() ? "none" : names));
    }
    const std::int64_t run = find.get_int(0);
    lineage.parent_run = run;
    lineage.checkpoint = saved_model_folder(db, run);
    backbone.erase("from_run");  // the trial runner drops init/vocab for any checkpoint
    backbone["checkpoint"] = lineage.checkpoint.string();
  } else if (backbone.contains("checkpoint")) {
    lineage.checkpoint = backbone["checkpoint"].get<std::string>();
  }
  if (!lineage.checkpoint.empty()) lineage.checkpoint_sha256 = checkpoint_hash(lineage.checkpoint);
  return lineage;
}

}  // namespace mtlab::cli
