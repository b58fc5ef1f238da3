#include "lineage_queries.h"

#include <fmt/format.h>

#include "mtlab/core/error.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {

std::optional<std::int64_t> latest_completed_run(const Database& db, std::string_view experiment,
                                                 std::string_view trial) {
  auto find = db.prepare(
      "SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id "
      "WHERE e.name = ?1 AND r.trial = ?2 AND r.status = 'completed' ORDER BY r.id DESC LIMIT 1",
      "find the latest completed run of a trial");
  find.bind_all(experiment, trial);
  if (!find.step()) return std::nullopt;
  return find.get_int(0);
}

std::vector<std::string> completed_trials(const Database& db) {
  auto known = db.prepare(
      "SELECT DISTINCT e.name || '/' || r.trial FROM runs r JOIN experiments e ON e.id = r.experiment_id "
      "WHERE r.status = 'completed' ORDER BY 1",
      "list completed trials");
  std::vector<std::string> names;
  while (known.step()) names.push_back(known.get_text(0));
  return names;
}

std::filesystem::path saved_model_folder(const Database& db, std::int64_t run_id) {
  auto model = db.prepare("SELECT path FROM artifacts WHERE run_id = ?1 AND path LIKE '%heads.json' "
                          "ORDER BY id DESC LIMIT 1",
                          "find the saved model of a run");
  model.bind_all(run_id);
  if (!model.step()) {
    throw Error(fmt::format("{}: run {} saved no model (no heads.json among its artifacts; was training.save = "
                            "\"none\"?)",
                            db.location(), run_id));
  }
  return std::filesystem::path(model.get_text(0)).parent_path();
}

}  // namespace mtlab::storage
