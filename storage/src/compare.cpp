#include "mtlab/storage/compare.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

#include "mtlab/core/error.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/experiment_lookup.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {
namespace {

bool is_seed_key(const std::string& key) {
  return key == "seed" || (key.size() > 5 && key.compare(key.size() - 5, 5, ".seed") == 0);
}

// "freeze=none,seed=13" → "freeze=none": trials repeated over seeds share a row.
std::string without_seed(const std::string& trial) {
  static const std::regex seed_part(R"((^|[,;_\-/ ])seed[=:_\-]?\d+)", std::regex::icase);
  auto s = std::regex_replace(trial, seed_part, "");
  while (!s.empty() && std::string(",;_-/ ").find(s.front()) != std::string::npos) s.erase(s.begin());
  return s.empty() ? trial : s;
}

Stat stat_of(const std::vector<double>& v) {
  Stat s;
  s.n = static_cast<int>(v.size());
  if (v.empty()) return s;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / s.n;
  if (s.n > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(ss / (s.n - 1));
  }
  return s;
}

}  // namespace

std::string format_stat(const Stat& stat) {
  // The mean picks the notation and the std follows it, so both read alike.
  const double a = std::fabs(stat.mean);
  const bool general = a != 0 && (a < 1e-3 || a >= 1e6);
  const auto one = [general](double x) { return general ? fmt::format("{:.4g}", x) : fmt::format("{:.4f}", x); };
  if (stat.n == 0) return "";
  if (stat.n == 1) return one(stat.mean);
  return one(stat.mean) + " ± " + one(stat.std);
}

Comparison compare_trials(const Database& db, std::string_view experiment, std::string_view metric,
                          std::optional<Direction> direction) {
  Comparison c;
  c.experiment = std::string(experiment);
  const std::int64_t experiment_id = find_experiment(db, experiment);

  // The latest completed run of each (trial, seed).
  std::map<std::pair<std::string, std::optional<std::int64_t>>, std::int64_t> latest;
  std::map<std::int64_t, std::pair<std::string, std::optional<std::int64_t>>> run_info;
  {
    auto q = db.prepare("SELECT id, trial, seed FROM runs WHERE experiment_id = ?1 AND status = 'completed' "
                        "ORDER BY id",
                        "list completed runs");
    q.bind_all(experiment_id);
    while (q.step()) latest[{q.get_text(1), q.get_optional_int(2)}] = q.get_int(0);
  }
  if (latest.empty()) {
    throw Error("experiment '" + c.experiment + "' has no completed runs to compare (see `mtlab runs " +
                db.location() + " --experiment " + c.experiment + "`)");
  }
  std::set<std::int64_t> runs;
  for (const auto& [key, id] : latest) {
    runs.insert(id);
    run_info[id] = key;
  }

  std::map<std::int64_t, std::map<std::string, std::string>> params;
  std::set<std::string> keys;
  {
    auto q = db.prepare("SELECT p.run_id, p.key, coalesce(p.value_text, 'null') FROM params AS p "
                        "JOIN runs AS r ON r.id = p.run_id WHERE r.experiment_id = ?1 AND r.status = 'completed'",
                        "read run params");
    q.bind_all(experiment_id);
    while (q.step()) {
      const auto id = q.get_int(0);
      if (!runs.count(id)) continue;
      params[id][q.get_text(1)] = q.get_text(2);
      keys.insert(q.get_text(1));
    }
  }
  for (const auto& key : keys) {
    if (is_seed_key(key)) continue;
    std::set<std::string> values;
    for (auto id : runs) {
      const auto& p = params[id];
      const auto it = p.find(key);
      values.insert(it == p.end() ? std::string("\x01missing") : it->second);
    }
    if (values.size() > 1) c.swept_keys.push_back(key);
  }

  std::map<std::int64_t, std::map<std::string, double>> finals;
  std::set<std::string> labels;
  {
    auto q = db.prepare("SELECT run_id, metric, value FROM final_metrics WHERE experiment_id = ?1 AND "
                        "status = 'completed' AND value IS NOT NULL",
                        "read final metrics");
    q.bind_all(experiment_id);
    while (q.step()) {
      const auto id = q.get_int(0);
      if (!runs.count(id)) continue;
      finals[id][q.get_text(1)] = q.get_double(2);
      labels.insert(q.get_text(1));
    }
  }
  c.metric = resolve_metric(metric, std::vector<std::string>(labels.begin(), labels.end()));
  c.direction = direction.value_or(default_direction(c.metric.name));
  const std::string chosen = c.metric.label();
  c.metric_labels.push_back(chosen);
  for (const auto& l : labels) {
    if (l != chosen) c.metric_labels.push_back(l);
  }

  // Group runs by their swept values.
  std::map<std::vector<std::string>, TrialRow> groups;
  for (auto id : runs) {
    std::vector<std::string> values;
    for (const auto& key : c.swept_keys) {
      const auto it = params[id].find(key);
      values.push_back(it == params[id].end() ? "" : it->second);
    }
    auto& row = groups[values];
    row.swept_values = values;
    row.run_ids.push_back(id);
    if (run_info[id].second) row.seeds.push_back(*run_info[id].second);
  }
  for (auto& [values, row] : groups) {
    std::sort(row.seeds.begin(), row.seeds.end());
    std::set<std::string> names, stripped;
    for (auto id : row.run_ids) {
      names.insert(run_info[id].first);
      stripped.insert(without_seed(run_info[id].first));
    }
    if (names.size() == 1) row.trial = *names.begin();
    else if (stripped.size() == 1) row.trial = *stripped.begin();
    else {
      for (const auto& n : names) row.trial += (row.trial.empty() ? "" : " | ") + n;
    }
    for (const auto& label : c.metric_labels) {
      std::vector<double> v;
      for (auto id : row.run_ids) {
        const auto it = finals[id].find(label);
        if (it != finals[id].end()) v.push_back(it->second);
      }
      if (!v.empty()) row.metrics[label] = stat_of(v);
    }
    c.rows.push_back(std::move(row));
  }
  const bool lower = c.direction == Direction::lower;
  std::stable_sort(c.rows.begin(), c.rows.end(), [&](const TrialRow& a, const TrialRow& b) {
    const auto ia = a.metrics.find(chosen), ib = b.metrics.find(chosen);
    if (ia == a.metrics.end() || ib == b.metrics.end()) return ia != a.metrics.end() && ib == b.metrics.end();
    return lower ? ia->second.mean < ib->second.mean : ia->second.mean > ib->second.mean;
  });
  if (!c.rows.empty() && c.rows.front().metrics.count(chosen)) {
    const double best = c.rows.front().metrics.at(chosen).mean;
    for (auto& row : c.rows) {
      const auto it = row.metrics.find(chosen);
      row.best = it != row.metrics.end() && it->second.mean == best;
    }
  }
  return c;
}

std::vector<std::string> same_split_labels(const Comparison& c) {
  std::vector<std::string> out;
  for (const auto& label : c.metric_labels) {
    // Labels are task.split.name or split.name; compare the split part.
    const auto first = label.find('.');
    const auto second = first == std::string::npos ? first : label.find('.', first + 1);
    const bool three = second != std::string::npos;
    const std::string split = three ? label.substr(first + 1, second - first - 1) : label.substr(0, first);
    const std::string alt = three ? label.substr(0, first) : std::string();  // split.name.with.dots
    if (split == c.metric.split || (alt == c.metric.split && c.metric.task.empty())) out.push_back(label);
  }
  return out;
}

Table comparison_table(const Comparison& c, bool numeric, const std::vector<std::string>& labels) {
  const auto& shown = labels.empty() ? c.metric_labels : labels;
  Table t;
  t.columns = {"best", "trial"};
  for (const auto& k : c.swept_keys) t.columns.push_back(k);
  t.columns.push_back("seeds");
  for (const auto& l : shown) {
    if (numeric) {
      t.columns.push_back(l);
      t.columns.push_back(l + ".std");
    } else {
      t.columns.push_back(l == c.metric.label() ? l + (c.direction == Direction::lower ? " (↓)" : " (↑)") : l);
    }
  }
  for (const auto& row : c.rows) {
    std::vector<Value> cells;
    if (numeric) cells.emplace_back(std::int64_t{row.best ? 1 : 0});
    else cells.emplace_back(std::string(row.best ? "*" : ""));
    cells.emplace_back(row.trial);
    for (const auto& v : row.swept_values) cells.emplace_back(v);
    cells.emplace_back(static_cast<std::int64_t>(row.run_ids.size()));
    for (const auto& l : shown) {
      const auto it = row.metrics.find(l);
      if (!numeric) {
        cells.emplace_back(it == row.metrics.end() ? std::string() : format_stat(it->second));
      } else if (it == row.metrics.end()) {
        cells.emplace_back(Value{});
        cells.emplace_back(Value{});
      } else {
        cells.emplace_back(it->second.mean);
        cells.emplace_back(it->second.n > 1 ? Value{it->second.std} : Value{});
      }
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
}

}  // namespace mtlab::storage
