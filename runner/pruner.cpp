#include "pruner.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>

#include "mtlab/core/log.h"

namespace mtlab::cli {
namespace {

// The last rung the run went past (continued, or promoted from), or -1. A stop
// that a crash cut short (paused or pruned, yet the run resumed) is judged again.
int last_rung_passed(const std::vector<storage::RungEntry>& entries, std::int64_t run_id) {
  int last = -1;
  for (const auto& e : entries) {
    if (e.run_id == run_id && (e.decision == "continued" || e.decision == "promoted")) last = std::max(last, e.rung);
  }
  return last;
}

std::string number(double v) { return fmt::format("{:.6g}", v); }

}  // namespace

Pruner::Pruner(storage::ResultsStore& store, std::string experiment, spec::PruneSpec spec, bool minimize)
    : store_(store), experiment_(std::move(experiment)), spec_(spec), minimize_(minimize) {}

Judge Pruner::judge_for(std::int64_t run_id) const {
  auto next = std::make_shared<int>(last_rung_passed(store_.rung_entries(experiment_), run_id) + 1);
  return [this, run_id, next](const EvalProgress& p) {
    const bool epochs = spec_.resource == spec::PruneResource::epochs;
    if (epochs && !p.epoch_end) return Verdict::go_on;
    const std::int64_t done = epochs ? p.epochs : p.steps;
    const std::int64_t full = epochs ? p.total_epochs : p.total_steps;
    const std::int64_t max_resource = spec_.max_resource > 0 ? std::min(spec_.max_resource, full) : full;
    if (done >= max_resource) return max_resource < full ? Verdict::finish : Verdict::go_on;
    const auto rung = spec::rung_reached(spec_, done, max_resource);
    if (!rung || *rung < *next) return Verdict::go_on;
    *next = *rung + 1;
    return judge(run_id, *rung, p, max_resource);
  };
}

Verdict Pruner::judge(std::int64_t run_id, int rung, const EvalProgress& p, std::int64_t max_resource) const {
  storage::RungRecord r;
  r.run_id = run_id;
  r.rung = rung;
  r.resource = spec::rung_resource(spec_, rung);
  r.unit = enum_name(spec_.resource);
  r.max_resource = max_resource;
  r.step = p.steps;
  r.value = p.value;
  r.method = enum_name(spec_.method);
  std::vector<spec::RungValue> others;
  for (const auto& e : store_.rung_entries(experiment_)) {
    if (e.rung == rung && e.run_id != run_id) others.push_back({e.run_id, e.value});
  }
  bool go_on = true;
  if (spec_.method == spec::PruneMethod::asha) {
    auto all = others;
    all.push_back({run_id, p.value});
    const auto top = spec::asha_top(all, spec_.eta, minimize_);
    go_on = std::find(top.begin(), top.end(), run_id) != top.end();
    r.peers = static_cast<std::int64_t>(all.size());
    if (!top.empty()) {
      const auto worst = std::find_if(all.begin(), all.end(), [&](const auto& v) { return v.run_id == top.back(); });
      r.cutoff = worst->value;
    }
    r.rule = fmt::format("top {} of {} (eta {})", top.size(), all.size(), spec_.eta);
    r.decision = go_on ? "continued" : "paused";
  } else {
    r.peers = static_cast<std::int64_t>(others.size());
    if (static_cast<std::int64_t>(others.size()) < spec_.min_trials) {
      r.rule = fmt::format("{} other value(s) at the rung, {} needed before pruning", others.size(), spec_.min_trials);
    } else {
      std::vector<double> values;
      for (const auto& o : others) values.push_back(o.value);
      const double median = spec::median_of(values);
      r.cutoff = median;
      go_on = !spec::better(median, p.best, minimize_);
      r.rule = fmt::format("best so far {} against the median {} of {} others", number(p.best), number(median),
                           others.size());
    }
    r.decision = go_on ? "continued" : "pruned";
  }
  store_.record_rung(r);
  log::info("    rung {} ({} {}): {} → {} ({})", rung, r.resource, r.unit, number(p.value), r.decision, r.rule);
  return go_on ? Verdict::go_on : Verdict::pause;
}

std::optional<Pruner::Promotion> Pruner::promote(const std::function<bool(const storage::RungEntry&)>& runnable,
                                                 const std::string& host) const {
  if (spec_.method != spec::PruneMethod::asha) return std::nullopt;
  std::map<int, std::vector<const storage::RungEntry*>, std::greater<>> by_rung;
  const auto entries = store_.rung_entries(experiment_);
  for (const auto& e : entries) by_rung[e.rung].push_back(&e);
  for (const auto& [rung, rows] : by_rung) {
    std::vector<spec::RungValue> values;
    for (const auto* e : rows) values.push_back({e->run_id, e->value});
    for (const auto id : spec::asha_top(values, spec_.eta, minimize_)) {
      const auto* e = *std::find_if(rows.begin(), rows.end(), [&](const auto* row) { return row->run_id == id; });
      if (e->decision != "paused" || e->status != storage::RunStatus::pruned || !runnable(*e)) continue;
      if (store_.promote_run(id, rung, host)) {
        log::info("promoting run {} ({}) from rung {}: now in the top {} of {}", id, e->trial, rung,
                  values.size() / static_cast<std::size_t>(spec_.eta), values.size());
        return Promotion{id, rung, e->config_hash};
      }
    }
  }
  return std::nullopt;
}

}  // namespace mtlab::cli
