#include "mtlab/storage/report_data.h"

#include <algorithm>

#include "mtlab/storage/database.h"
#include "mtlab/storage/experiment_lookup.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {
namespace {

// The label every command writes: task.split.name, or split.name for a whole-model metric.
constexpr const char* kLabel = "CASE WHEN task = '' THEN split || '.' || name ELSE task || '.' || split || '.' || name END";

void read_runs(const Database& db, std::int64_t experiment_id, ReportExperiment& out) {
  auto q = db.prepare(
      "SELECT r.id, r.trial, r.status, r.seed, r.created_at, r.started_at, r.ended_at, r.duration_s, r.host, r.os, "
      "r.cpu, r.threads, r.mtlab_version, r.git_commit, r.torch_version, r.blas, r.config_json, r.error, "
      "r.parent_run_id, pe.name || '/' || p.trial, r.init_checkpoint, r.init_checkpoint_sha256 "
      "FROM runs AS r LEFT JOIN runs AS p ON p.id = r.parent_run_id "
      "LEFT JOIN experiments AS pe ON pe.id = p.experiment_id WHERE r.experiment_id = ?1 ORDER BY r.id",
      "read the runs for a report");
  q.bind_all(experiment_id);
  while (q.step()) {
    ReportRun r;
    r.id = q.get_int(0);
    r.trial = q.get_text(1);
    r.status = q.get_text(2);
    r.seed = q.get_optional_int(3);
    r.created_at = q.get_text(4);
    r.started_at = q.get_text(5);
    r.ended_at = q.get_text(6);
    r.duration_s = q.get_optional_double(7);
    r.host = q.get_text(8);
    r.os = q.get_text(9);
    r.cpu = q.get_text(10);
    r.threads = q.get_optional_int(11);
    r.mtlab_version = q.get_text(12);
    r.git_commit = q.get_text(13);
    r.torch_version = q.get_text(14);
    r.blas = q.get_text(15);
    r.config_json = q.get_text(16);
    r.error = q.get_text(17);
    r.parent_run_id = q.get_optional_int(18);
    r.parent = q.get_text(19);
    r.init_checkpoint = q.get_text(20);
    r.init_checkpoint_sha256 = q.get_text(21);
    out.runs.push_back(std::move(r));
  }
}

// Calls `add(run, key, value)` for each row of a (run_id, key, value) query.
template <class Add>
void read_keyed(const Database& db, std::int64_t experiment_id, const char* sql, const char* purpose, Add add) {
  auto q = db.prepare(sql, purpose);
  q.bind_all(experiment_id);
  while (q.step()) add(q.get_int(0), q);
}

ReportRun* run_by_id(ReportExperiment& out, std::int64_t id) {
  // Runs are read in id order, so a binary search finds one.
  auto it = std::lower_bound(out.runs.begin(), out.runs.end(), id,
                             [](const ReportRun& r, std::int64_t v) { return r.id < v; });
  return it != out.runs.end() && it->id == id ? &*it : nullptr;
}

void read_series(const Database& db, std::int64_t experiment_id, ReportExperiment& out) {
  auto q = db.prepare(std::string("SELECT m.run_id, ") + kLabel +
                          ", m.step, m.value, m.task, m.split, m.name FROM metrics AS m JOIN runs AS r ON r.id = m.run_id "
                          "WHERE r.experiment_id = ?1 ORDER BY m.run_id, m.task, m.split, m.name, m.step, m.id",
                      "read the metric series for a report");
  q.bind_all(experiment_id);
  while (q.step()) {
    const auto run = q.get_int(0);
    auto label = q.get_text(1);
    if (out.series.empty() || out.series.back().run_id != run || out.series.back().label != label) {
      out.series.push_back({run, std::move(label), q.get_text(4), q.get_text(5), q.get_text(6), {}, {}});
    }
    out.series.back().steps.push_back(q.get_int(2));
    out.series.back().values.push_back(q.get_optional_double(3));
  }
}

}  // namespace

ReportExperiment read_report_experiment(const Database& db, std::string_view experiment) {
  ReportExperiment out;
  const auto experiment_id = find_experiment(db, experiment);
  {
    auto q = db.prepare("SELECT name, description, created_at FROM experiments WHERE id = ?1", "read an experiment");
    q.bind_all(experiment_id);
    q.step();
    out.name = q.get_text(0);
    out.description = q.get_text(1);
    out.created_at = q.get_text(2);
  }
  read_runs(db, experiment_id, out);
  read_keyed(db, experiment_id,
             "SELECT f.run_id, f.key, f.value FROM run_facts AS f JOIN runs AS r ON r.id = f.run_id "
             "WHERE r.experiment_id = ?1",
             "read the run facts for a report", [&](std::int64_t id, const Statement& q) {
               if (auto* r = run_by_id(out, id)) r->facts[q.get_text(1)] = q.get_text(2);
             });
  read_keyed(db, experiment_id,
             "SELECT run_id, metric, value FROM final_metrics WHERE experiment_id = ?1 AND value IS NOT NULL",
             "read the final metrics for a report", [&](std::int64_t id, const Statement& q) {
               if (auto* r = run_by_id(out, id)) r->final_metrics[q.get_text(1)] = q.get_double(2);
             });
  read_series(db, experiment_id, out);
  return out;
}

}  // namespace mtlab::storage
