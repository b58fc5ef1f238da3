#include "mtlab/spec/trial_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace mtlab::spec {

std::vector<std::string> differing_keys(const std::vector<Trial>& trials) {
  if (trials.size() < 2) return {};
  std::map<std::string, std::vector<const nlohmann::json*>> values;
  for (const auto& t : trials) {
    for (const auto& p : t.params) values[p.key].push_back(&p.value);
  }
  std::vector<std::string> out;
  for (const auto& [key, vs] : values) {
    const bool differs = vs.size() != trials.size() ||
                         std::any_of(vs.begin(), vs.end(), [&first = *vs.front()](const auto* v) { return *v != first; });
    if (differs) out.push_back(key);
  }
  return out;
}

std::string format_trials(const Experiment& experiment) {
  const auto& trials = experiment.trials;
  std::string out = fmt::format("experiment {}: {} trial{}\n", experiment.name, trials.size(), trials.size() == 1 ? "" : "s");
  const auto keys = differing_keys(trials);
  std::set<std::string> swept;  // by any trial
  for (const auto& t : trials) {
    for (const auto& s : t.swept) swept.insert(s.key);
  }
  for (const auto& t : trials) {
    out += fmt::format("  [{}/{}] {}  hash {}\n", t.index + 1, t.count, t.name, t.hash.substr(0, 12));
    for (const auto& key : keys) {
      auto it = std::find_if(t.params.begin(), t.params.end(), [&](const Param& p) { return p.key == key; });
      // A searched key whose condition does not hold in this trial keeps its default.
      const bool held_back = swept.count(key) &&
                             std::none_of(t.swept.begin(), t.swept.end(), [&](const SweptValue& s) { return s.key == key; });
      out += fmt::format("      {} = {}{}\n", key, it == t.params.end() ? std::string("(unset)") : it->value.dump(),
                         held_back ? "  (default: its condition does not hold)" : "");
    }
  }
  return out;
}

}  // namespace mtlab::spec
