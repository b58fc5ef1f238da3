#include "report_model.h"

#include <fmt/core.h>

#include <cmath>
#include <set>

#include "mtlab/core/error.h"
#include "mtlab/storage/clock.h"
#include "mtlab/storage/pruning_summary.h"
#include "mtlab/storage/results_store.h"
#include "report_thin.h"

namespace mtlab::cli {
namespace {

using nlohmann::json;

json text_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

template <class T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// Curve values need no more than float precision on a chart; rounding them
// keeps a page of millions of points at about half the size.
json chart_value(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return std::stod(fmt::format("{:.7g}", *v));
}

bool has_completed(const storage::ReportExperiment& e) {
  for (const auto& r : e.runs) {
    if (r.status == "completed") return true;
  }
  return false;
}

// What `mtlab run` sorts its closing table by: the experiment's training.metric
// (dev.loss, dev.TASK.METRIC) on the test split when there is one, else on dev;
// without that, the first final metric of a completed run.
std::string default_report_metric(const storage::ReportExperiment& e) {
  std::vector<std::string> labels;
  std::string selection;
  for (const auto& r : e.runs) {
    if (r.status != "completed") continue;
    for (const auto& [label, _] : r.final_metrics) labels.push_back(label);
    if (selection.empty()) {
      const auto config = json::parse(r.config_json, nullptr, false);
      if (config.is_object() && config.contains("training") && config["training"].value("metric", "") != "") {
        selection = config["training"]["metric"].get<std::string>();
      }
    }
  }
  if (selection.empty()) selection = "dev.loss";
  std::vector<std::string> candidates{selection};
  if (selection.rfind("dev.", 0) == 0) candidates.insert(candidates.begin(), "test." + selection.substr(4));
  for (const auto& c : candidates) {
    try {
      return storage::resolve_metric(c, labels).label();
    } catch (const std::exception&) {
      // not recorded in this experiment: try the next reading
    }
  }
  return labels.empty() ? selection : labels.front();
}

json stat_json(const storage::Stat& s) { return {{"mean", s.mean}, {"std", s.std}, {"n", s.n}}; }

void add_comparison(json& out, const storage::Comparison& c) {
  out["metric"] = c.metric.label();
  out["direction"] = std::string(storage::to_string(c.direction));
  out["swept_keys"] = c.swept_keys;
  out["metric_labels"] = c.metric_labels;
  for (const auto& row : c.rows) {
    json metrics = json::object();
    for (const auto& [label, stat] : row.metrics) metrics[label] = stat_json(stat);
    out["trials"].push_back({{"trial", row.trial},
                             {"swept", row.swept_values},
                             {"runs", row.run_ids},
                             {"seeds", row.seeds},
                             {"best", row.best},
                             {"metrics", metrics}});
  }
}

json run_json(const storage::ReportRun& r) {
  json config = json::parse(r.config_json, nullptr, false);
  if (config.is_discarded()) config = r.config_json;  // shown as recorded when it is not JSON
  return {{"id", r.id},
          {"trial", r.trial},
          {"status", r.status},
          {"seed", optional_json(r.seed)},
          {"created_at", text_or_null(r.created_at)},
          {"started_at", text_or_null(r.started_at)},
          {"ended_at", text_or_null(r.ended_at)},
          {"duration_s", optional_json(r.duration_s)},
          {"host", r.host},
          {"os", r.os},
          {"cpu", r.cpu},
          {"threads", optional_json(r.threads)},
          {"mtlab_version", r.mtlab_version},
          {"git_commit", r.git_commit},
          {"torch_version", r.torch_version},
          {"blas", r.blas},
          {"error", text_or_null(r.error)},
          {"parent_run_id", optional_json(r.parent_run_id)},
          {"parent", text_or_null(r.parent)},
          {"init_checkpoint", text_or_null(r.init_checkpoint)},
          {"init_checkpoint_sha256", text_or_null(r.init_checkpoint_sha256)},
          {"facts", r.facts},
          {"final", r.final_metrics},
          {"config", config}};
}

json series_json(const storage::ReportSeries& s, std::size_t max_points) {
  const Curve curve = thin_curve({s.steps, s.values}, max_points);
  json values = json::array();
  for (const auto& v : curve.values) values.push_back(chart_value(v));
  return {{"run", s.run_id}, {"label", s.label}, {"task", s.task}, {"split", s.split}, {"name", s.name},
          {"steps", curve.steps}, {"values", values}, {"recorded", s.steps.size()}};
}

// [sweep.prune]'s rungs and compute (storage/pruning_summary.h); null when not pruned.
json pruning_json(const std::vector<storage::RungEntry>& entries) {
  const auto s = storage::summarize_pruning(entries);
  if (!s) return nullptr;
  json rungs = json::array();
  for (const auto& r : s->rungs) {
    rungs.push_back({{"rung", r.rung}, {"resource", r.resource}, {"judged", r.judged}, {"went_on", r.went_on},
                     {"stopped", r.stopped}});
  }
  return {{"method", s->method}, {"unit", s->unit}, {"max_resource", s->max_resource}, {"rungs", rungs},
          {"trials", s->trials}, {"completed", s->completed}, {"pruned", s->pruned}, {"used", s->used},
          {"full", s->full}};
}

json experiment_json(const storage::ResultsStore& store, const std::string& name, const ReportRequest& request) {
  const auto e = store.report_experiment(name);
  json out = {{"name", e.name}, {"description", e.description}, {"created_at", e.created_at},
              {"metric", nullptr}, {"direction", nullptr}, {"swept_keys", json::array()},
              {"metric_labels", json::array()}, {"trials", json::array()}, {"note", nullptr}};
  if (has_completed(e)) {
    const std::string metric = request.metric.empty() ? default_report_metric(e) : request.metric;
    try {
      add_comparison(out, store.compare_trials(e.name, metric));
    } catch (const Error& error) {
      throw Error(request.database + ", experiment '" + e.name + "': " + error.what());
    }
  } else {
    out["note"] = e.runs.empty() ? "this experiment has no runs yet"
                                 : "no completed runs: nothing to compare; the runs below did not finish";
  }
  out["pruning"] = pruning_json(store.rung_entries(e.name));
  out["runs"] = json::array();
  for (const auto& r : e.runs) out["runs"].push_back(run_json(r));
  out["series"] = json::array();
  for (const auto& s : e.series) out["series"].push_back(series_json(s, request.max_points));
  return out;
}

}  // namespace

json report_model(const storage::ResultsStore& store, const ReportRequest& request) {
  json model = {{"database", request.database},
                {"generated_at", storage::iso_utc_now()},
                {"max_points", request.max_points},
                {"experiments", json::array()}};
  std::set<std::string> seen;
  for (const auto& name : request.experiments) {
    if (seen.insert(name).second) model["experiments"].push_back(experiment_json(store, name, request));
  }
  return model;
}

}  // namespace mtlab::cli
