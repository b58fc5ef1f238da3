#include "mtlab/storage/pruning_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace mtlab::storage {

std::optional<PruningSummary> summarize_pruning(const std::vector<RungEntry>& entries) {
  if (entries.empty()) return std::nullopt;
  PruningSummary s;
  s.method = entries.front().method;
  s.unit = entries.front().unit;
  std::map<int, RungCount> rungs;
  std::map<std::int64_t, const RungEntry*> last;  // each run's highest rung
  for (const auto& e : entries) {
    s.max_resource = std::max(s.max_resource, e.max_resource);
    auto& r = rungs[e.rung];
    r.rung = e.rung;
    r.resource = e.resource;
    ++r.judged;
    if (e.decision == "continued" || e.decision == "promoted") ++r.went_on;
    if (e.decision == "paused" || e.decision == "pruned") ++r.stopped;
    auto& l = last[e.run_id];
    if (!l || e.rung > l->rung) l = &e;
  }
  for (const auto& [rung, count] : rungs) s.rungs.push_back(count);
  for (const auto& [run, e] : last) {
    ++s.trials;
    if (e->status == RunStatus::completed) ++s.completed;
    if (e->status == RunStatus::pruned) ++s.pruned;
    // A completed trial trained to the end; any other as far as its last rung.
    s.used += e->status == RunStatus::completed ? e->max_resource : e->resource;
    s.full += e->max_resource;
  }
  return s;
}

std::string format_pruning(const PruningSummary& s) {
  std::string out = fmt::format("pruning ({}, in {}; a trial completes at {}):\n", s.method, s.unit, s.max_resource);
  out += fmt::format("  {:>4}  {:>8}  {:>6}  {:>7}  {:>13}\n", "rung", "at", "judged", "went on", "stopped there");
  for (const auto& r : s.rungs) {
    out += fmt::format("  {:>4}  {:>8}  {:>6}  {:>7}  {:>13}\n", r.rung, r.resource, r.judged, r.went_on, r.stopped);
  }
  const double share = s.full > 0 ? 100.0 * static_cast<double>(s.used) / static_cast<double>(s.full) : 0;
  out += fmt::format("  {} trials: {} completed, {} pruned, {} other; {} {} trained of the {} every trial to the end "
                     "would take ({:.1f} %)\n",
                     s.trials, s.completed, s.pruned, s.trials - s.completed - s.pruned, s.used, s.unit, s.full, share);
  return out;
}

}  // namespace mtlab::storage
