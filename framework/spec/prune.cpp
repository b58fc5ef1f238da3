#include "mtlab/spec/prune.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"

namespace mtlab::spec {

nlohmann::json prune_json(const PruneSpec& s) {
  return {{"method", enum_name(s.method)},       {"resource", enum_name(s.resource)},
          {"min_resource", s.min_resource},      {"eta", s.eta},
          {"max_resource", s.max_resource},      {"interval", s.interval},
          {"min_trials", s.min_trials}};
}

PruneSpec prune_from_json(const nlohmann::json& j, const std::string& where) {
  try {
    PruneSpec s;
    const auto method = enum_from_name<PruneMethod>(j.at("method").get<std::string>());
    const auto resource = enum_from_name<PruneResource>(j.at("resource").get<std::string>());
    if (!method || !resource) throw Error("unknown method or resource");
    s.method = *method;
    s.resource = *resource;
    s.min_resource = j.at("min_resource").get<std::int64_t>();
    s.eta = j.at("eta").get<std::int64_t>();
    s.max_resource = j.at("max_resource").get<std::int64_t>();
    s.interval = j.at("interval").get<std::int64_t>();
    s.min_trials = j.at("min_trials").get<std::int64_t>();
    if (s.min_resource < 1 || s.eta < 2 || s.interval < 1 || s.max_resource < 0 || s.min_trials < 1) {
      throw Error("a value out of its range");
    }
    return s;
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: not the pruning settings of this mtlab ({}); expected the \"prune\" object a "
                            "runner of this version writes",
                            where, e.what()));
  }
}

std::int64_t rung_resource(const PruneSpec& s, int rung) {
  if (s.method == PruneMethod::median) return s.min_resource + static_cast<std::int64_t>(rung) * s.interval;
  std::int64_t r = s.min_resource;
  for (int k = 0; k < rung; ++k) r *= s.eta;
  return r;
}

std::optional<int> rung_reached(const PruneSpec& s, std::int64_t done, std::int64_t max_resource) {
  std::optional<int> reached;
  for (int k = 0;; ++k) {
    const std::int64_t r = rung_resource(s, k);
    if (r > done || r >= max_resource) return reached;
    reached = k;
  }
}

std::vector<std::int64_t> asha_top(std::vector<RungValue> values, std::int64_t eta, bool minimize) {
  std::stable_sort(values.begin(), values.end(), [](const RungValue& a, const RungValue& b) { return a.run_id < b.run_id; });
  std::stable_sort(values.begin(), values.end(),
                   [&](const RungValue& a, const RungValue& b) { return better(a.value, b.value, minimize); });
  const std::size_t k = values.size() / static_cast<std::size_t>(eta);
  std::vector<std::int64_t> top;
  for (std::size_t i = 0; i < k; ++i) top.push_back(values[i].run_id);
  return top;
}

double median_of(std::vector<double> values) {
  if (values.empty()) throw Error("median_of: no values");
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace mtlab::spec
