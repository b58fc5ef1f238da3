#include "mtlab/storage/export.h"

#include <map>
#include <set>

#include "mtlab/storage/database.h"
#include "mtlab/storage/experiment_lookup.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {

Table export_experiment(const Database& db, std::string_view experiment) {
  const auto experiment_id = find_experiment(db, experiment);
  auto q = db.prepare(
      "SELECT r.id AS run_id, e.name AS experiment, r.trial, r.status, r.seed, r.config_hash, r.created_at, "
      "r.started_at, r.ended_at, r.duration_s, r.host, r.os, r.cpu, r.threads, r.mtlab_version, r.git_commit, "
      "r.torch_version, r.blas, r.parent_run_id, r.init_checkpoint_sha256, r.error "
      "FROM runs AS r JOIN experiments AS e ON e.id = r.experiment_id WHERE r.experiment_id = ?1 ORDER BY r.id",
      "export runs");
  q.bind_all(experiment_id);
  Table table = read_table(q);
  std::map<std::int64_t, std::size_t> row_of;
  for (std::size_t i = 0; i < table.rows.size(); ++i) row_of[std::get<std::int64_t>(table.rows[i][0])] = i;

  std::map<std::int64_t, std::map<std::string, Value>> params;
  std::set<std::string> param_keys;
  // Each value in its column's type: integers and booleans as integers, reals as reals, the rest as text.
  auto p = db.prepare(
      "SELECT p.run_id, p.key, p.value_type, p.value_int, p.value_real, p.value_text "
      "FROM params AS p JOIN runs AS r ON r.id = p.run_id WHERE r.experiment_id = ?1",
      "export params");
  p.bind_all(experiment_id);
  Table param_rows = read_table(p);
  for (auto& row : param_rows.rows) {
    const auto key = std::get<std::string>(row[1]);
    const auto& type = std::get<std::string>(row[2]);
    param_keys.insert(key);
    params[std::get<std::int64_t>(row[0])][key] =
        std::move(type == "int" || type == "bool" ? row[3] : type == "real" ? row[4] : row[5]);
  }

  std::map<std::int64_t, std::map<std::string, Value>> metrics;
  std::set<std::string> metric_labels;
  auto m = db.prepare("SELECT run_id, metric, value FROM final_metrics WHERE experiment_id = ?1", "export metrics");
  m.bind_all(experiment_id);
  Table metric_rows = read_table(m);
  for (auto& row : metric_rows.rows) {
    const auto label = std::get<std::string>(row[1]);
    metric_labels.insert(label);
    metrics[std::get<std::int64_t>(row[0])][label] = std::move(row[2]);
  }

  const std::set<std::string> fixed(table.columns.begin(), table.columns.end());
  for (const auto& key : param_keys) table.columns.push_back(fixed.count(key) ? "param:" + key : key);
  for (const auto& label : metric_labels) {
    table.columns.push_back(param_keys.count(label) || fixed.count(label) ? "metric:" + label : label);
  }
  for (auto& [run_id, index] : row_of) {
    auto& row = table.rows[index];
    for (const auto& key : param_keys) {
      const auto it = params[run_id].find(key);
      row.push_back(it == params[run_id].end() ? Value{} : it->second);
    }
    for (const auto& label : metric_labels) {
      const auto it = metrics[run_id].find(label);
      row.push_back(it == metrics[run_id].end() ? Value{} : it->second);
    }
  }
  return table;
}

}  // namespace mtlab::storage
