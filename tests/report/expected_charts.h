#pragma once
// What a report of an experiment must draw, worked out from the database on its
// own (SQL and compare_trials), to check the page's render summary against.
// The rules are the page's (runner/report/report.js): a curve per train or dev
// series that has more than one point in a completed run (per-group learning
// rates and gradient norms apart), one line per trial with a point at every
// step where one of its seeds has a value.
#include <fmt/core.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "mtlab/storage/compare.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"

namespace mtlab::test {

struct ExpectedChart {
  std::size_t series = 0;
  std::size_t points = 0;
};

inline std::string id_list(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

// (task, split, name) of the series to draw as learning curves, with their labels.
inline std::map<std::string, std::vector<std::string>> curve_series(const storage::Database& db, const std::string& experiment) {
  auto q = db.prepare(
      "SELECT m.task, m.split, m.name FROM metrics AS m JOIN runs AS r ON r.id = m.run_id "
      "JOIN experiments AS e ON e.id = r.experiment_id WHERE e.name = ?1 AND r.status = 'completed' "
      "AND m.split IN ('train', 'dev') AND NOT (m.task = '' AND m.split = 'train' AND "
      "(m.name LIKE 'lr.%' OR m.name LIKE 'grad_norm.%')) AND m.name NOT LIKE 'unfreeze.%' AND m.name <> 'log_variance' "
      "GROUP BY m.run_id, m.task, m.split, m.name HAVING count(*) > 1",
      "test: curve series");
  q.bind_all(experiment);
  std::map<std::string, std::vector<std::string>> out;
  while (q.step()) {
    const auto task = q.get_text(0), split = q.get_text(1), name = q.get_text(2);
    out[task.empty() ? split + "." + name : task + "." + split + "." + name] = {task, split, name};
  }
  return out;
}

// Steps with a value, over the runs of one trial, for one series.
inline std::size_t trial_points(const storage::Database& db, const std::vector<std::int64_t>& runs,
                                const std::vector<std::string>& tsn) {
  auto q = db.prepare(fmt::format("SELECT count(DISTINCT step) FROM metrics WHERE run_id IN ({}) AND task = ?1 "
                                  "AND split = ?2 AND name = ?3 AND value IS NOT NULL", id_list(runs)),
                      "test: trial points");
  q.bind_all(tsn[0], tsn[1], tsn[2]);
  q.step();
  return static_cast<std::size_t>(q.get_int(0));
}

inline ExpectedChart expected_curve(const storage::Database& db, const storage::Comparison& c,
                                    const std::vector<std::string>& tsn) {
  ExpectedChart e;
  for (const auto& row : c.rows) {
    const auto n = trial_points(db, row.run_ids, tsn);
    if (n > 0) ++e.series, e.points += n;
  }
  return e;
}

// The metric per sweep value: the mean of each trial plus one series per seed position.
inline ExpectedChart expected_values(const storage::Comparison& c) {
  ExpectedChart e{1, 0};
  for (const auto& row : c.rows) {
    const auto it = row.metrics.find(c.metric.label());
    if (it == row.metrics.end()) continue;
    e.series = std::max(e.series, 1 + row.run_ids.size());
    e.points += 1 + static_cast<std::size_t>(it->second.n);
  }
  return e;
}

// The group chart of the best trial: one line per group named "<kind>.*".
inline ExpectedChart expected_groups(const storage::Database& db, const storage::Comparison& c, const std::string& kind) {
  const auto& runs = c.rows.front().run_ids;
  auto q = db.prepare(fmt::format("SELECT name FROM metrics WHERE run_id IN ({}) AND task = '' AND split = 'train' "
                                  "AND name LIKE ?1 GROUP BY name", id_list(runs)),
                      "test: group series");
  q.bind_all(kind + ".%");
  ExpectedChart e;
  while (q.step()) {
    ++e.series;
    e.points += trial_points(db, runs, {"", "train", q.get_text(0)});
  }
  return e;
}

}  // namespace mtlab::test
