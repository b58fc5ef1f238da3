#include "sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "mtlab/core/suggest.h"
#include "mtlab/options/freeze_spec.h"
#include "mtlab/spec/schema.h"
#include "search_sampler.h"

namespace mtlab::spec::detail {
namespace {

using Option = std::vector<Assignment>;  // what one position of a dimension sets
using Dimension = std::vector<Option>;

struct Entry {
  std::string key;       // config key it sweeps
  std::string loc_key;   // its key in Document::locations
  const nlohmann::json* values;
};

std::string quoted_child(const std::string& prefix, const std::string& name) {
  const std::string segment = name.find('.') == std::string::npos ? name : "\"" + name + "\"";
  return prefix.empty() ? segment : prefix + "." + segment;
}

std::string last_segment(const std::string& key) {
  const auto dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

std::string value_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

class Planner {
 public:
  Planner(const Document& doc, std::vector<Diagnostic>& errors, std::size_t max_trials)
      : doc_(doc), errors_(errors), max_trials_(max_trials) {}

  std::vector<TrialPlan> plan() {
    auto it = doc_.tree.find("sweep");
    if (it == doc_.tree.end()) return {TrialPlan{}};
    if (!it->is_object()) {
      error("sweep", "expected a table [sweep]");
      return {};
    }
    const std::size_t before = errors_.size();
    const nlohmann::json& sweep = *it;
    static const std::vector<std::string> known = child_keys("sweep");
    for (auto k = sweep.begin(); k != sweep.end(); ++k) {
      if (std::find(known.begin(), known.end(), k.key()) == known.end()) {
        error(quoted_child("sweep", k.key()), "unknown key" + did_you_mean_or(k.key(), known, "; expected one of: " + join(known)));
      }
    }
    presets(sweep);
    if (sweep.contains("grid")) {
      for (const auto& e : entries(sweep["grid"], "sweep.grid")) {
        if (!usable(e)) continue;
        Dimension dim;
        for (std::size_t i = 0; i < e.values->size(); ++i) dim.push_back({assignment(e, i)});
        dims_.push_back(std::move(dim));
      }
    }
    if (sweep.contains("zip")) zip(sweep["zip"]);
    search(sweep);
    if (sweep.contains("seeds") && sweep["seeds"] != nlohmann::json::array()) seeds(sweep["seeds"]);
    if (errors_.size() > before) return {};
    return cartesian();
  }

  std::vector<TrialPlan> take_probes() { return std::move(probes_); }

 private:
  const Document& doc_;
  std::vector<Diagnostic>& errors_;
  std::size_t max_trials_;
  std::vector<Dimension> dims_;
  std::set<std::string> swept_;
  std::vector<TrialPlan> probes_;  // see SweepPlans::probes

  void error(const std::string& key, std::string message) {
    errors_.push_back(Diagnostic{doc_.location(key), key, std::move(message)});
  }

  bool claim(const std::string& config_key, const std::string& loc_key) {
    if (!swept_.insert(config_key).second) {
      error(loc_key, fmt::format("'{}' is swept twice (by two of presets, grid, zip, search and seeds)", config_key));
      return false;
    }
    return true;
  }

  bool no_duplicates(const nlohmann::json& values, const std::string& loc_key) {
    return check_distinct(values, loc_key, [&](const std::string& key, std::string message) { error(key, std::move(message)); });
  }

  // A grid/zip table, nested tables flattened to dotted keys, in the order written.
  std::vector<Entry> entries(const nlohmann::json& table, const std::string& loc_prefix) {
    std::vector<Entry> out;
    if (!table.is_object()) {
      error(loc_prefix, "expected a table { \"dotted.key\" = [values…] }, got " + table.dump());
      return out;
    }
    collect(table, "", loc_prefix, out);
    std::stable_sort(out.begin(), out.end(), [&](const Entry& a, const Entry& b) {
      const auto la = doc_.location(a.loc_key), lb = doc_.location(b.loc_key);
      return std::tie(la.file, la.line, la.column) < std::tie(lb.file, lb.line, lb.column);
    });
    return out;
  }

  void collect(const nlohmann::json& table, const std::string& key_prefix, const std::string& loc_prefix,
               std::vector<Entry>& out) {
    for (auto it = table.begin(); it != table.end(); ++it) {
      const std::string key = key_prefix.empty() ? it.key() : key_prefix + "." + it.key();
      const std::string loc_key = quoted_child(loc_prefix, it.key());
      if (it->is_object()) {
        collect(*it, key, loc_key, out);
      } else {
        out.push_back({key, loc_key, &*it});
      }
    }
  }

  // Zip lists may repeat a value as long as the tuples differ (checked in zip()).
  bool usable(const Entry& e, bool unique_values = true) {
    if (!e.values->is_array() || e.values->empty()) {
      error(e.loc_key, "expected a non-empty list of values to sweep, got " + e.values->dump());
      return false;
    }
    if (!sweepable(e.key, e.loc_key)) return false;
    return (!unique_values || no_duplicates(*e.values, e.loc_key)) && claim(e.key, e.loc_key);
  }

  bool sweepable(const std::string& key, const std::string& loc_key) {
    if (key.rfind("sweep", 0) == 0 || key == "experiment.name") {
      error(loc_key, fmt::format("'{}' cannot be swept", key));
      return false;
    }
    return true;
  }

  // [sweep.search]: one dimension whose options are the sampled configurations.
  void search(const nlohmann::json& sweep) {
    const ErrorSink sink = [&](const std::string& key, std::string message) { error(key, std::move(message)); };
    const auto spec = read_search(doc_, sweep, max_trials_, sink);
    if (!spec) return;
    bool ok = true;
    for (const auto& d : spec->dims) ok = sweepable(d.key, d.loc_key) && claim(d.key, d.loc_key) && ok;
    if (!ok) return;
    for (const auto& d : spec->dims) {
      for (const auto& [value, loc_key] : d.probes()) probes_.push_back({Assignment{last_segment(d.key), d.key, value, doc_.location(loc_key)}});
    }
    Dimension dim;
    for (const auto& config : sample_search(*spec, max_trials_, sink)) {
      Option option;
      for (std::size_t d = 0; d < config.size(); ++d) {
        const auto& s = spec->dims[d];
        if (!config[d].is_null()) option.push_back(Assignment{last_segment(s.key), s.key, config[d], doc_.location(s.loc_key)});
      }
      dim.push_back(std::move(option));
    }
    if (!dim.empty()) dims_.push_back(std::move(dim));
  }

  Assignment assignment(const Entry& e, std::size_t i) {
    const std::string loc = fmt::format("{}[{}]", e.loc_key, i);
    return Assignment{last_segment(e.key), e.key, (*e.values)[i], doc_.location(loc)};
  }

  void presets(const nlohmann::json& sweep) {
    Dimension dim;
    // An empty list switches a preset off (--set 'sweep.layers=[]').
    auto given = [&](const char* key) { return sweep.contains(key) && sweep[key] != nlohmann::json::array(); };
    if (given("freeze")) {
      const auto& f = sweep["freeze"];
      if (f.is_string() && f == "scenarios") {
        for (const auto& policy : scenarios()) {
          dim.push_back({Assignment{"freeze", "training.freeze", policy, doc_.location("sweep.freeze")}});
        }
      } else if (f.is_array() && !f.empty() && std::all_of(f.begin(), f.end(), [](const auto& v) { return v.is_string(); })) {
        if (no_duplicates(f, "sweep.freeze")) {
          for (std::size_t i = 0; i < f.size(); ++i) {
            dim.push_back({Assignment{"freeze", "training.freeze", f[i], doc_.location(fmt::format("sweep.freeze[{}]", i))}});
          }
        }
      } else {
        error("sweep.freeze", "expected \"scenarios\" or a non-empty list of freeze policies, got " + f.dump());
      }
    }
    if (given("layers")) {
      const auto& l = sweep["layers"];
      if (l.is_array() && !l.empty() && std::all_of(l.begin(), l.end(), [](const auto& v) {
            return v.is_number_integer() && v.template get<std::int64_t>() >= 0 &&
                   v.template get<std::int64_t>() <= kMaxEncoderLayers;
          })) {
        if (no_duplicates(l, "sweep.layers")) {
          for (std::size_t i = 0; i < l.size(); ++i) {
            dim.push_back({Assignment{"layers", "training.freeze", layers_freeze(l[i].get<std::int64_t>()),
                                      doc_.location(fmt::format("sweep.layers[{}]", i))}});
          }
        }
      } else {
        error("sweep.layers", fmt::format("expected a non-empty list of layer counts K in [0, {}], got {}", kMaxEncoderLayers, l.dump()));
      }
    }
    if (!dim.empty()) {
      swept_.insert("training.freeze");
      dims_.push_back(std::move(dim));
    }
  }

  // The freeze-scenario preset, with the tasks in the order written.
  std::vector<std::string> scenarios() const {
    auto tasks = doc_.tree.find("tasks");
    if (tasks == doc_.tree.end() || !tasks->is_object()) return freeze_scenarios({});
    std::vector<std::pair<Location, std::string>> named;
    for (auto t = tasks->begin(); t != tasks->end(); ++t) named.emplace_back(doc_.location("tasks." + t.key()), t.key());
    std::stable_sort(named.begin(), named.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first.file, a.first.line, a.first.column) < std::tie(b.first.file, b.first.line, b.first.column);
    });
    std::vector<std::string> names;
    for (const auto& [loc, name] : named) names.push_back(name);
    return freeze_scenarios(names);
  }

  void zip(const nlohmann::json& table) {
    auto list = entries(table, "sweep.zip");
    std::vector<Entry> ok;
    for (const auto& e : list) {
      if (usable(e, /*unique_values=*/list.size() == 1)) ok.push_back(e);
    }
    if (ok.empty()) return;
    for (const auto& e : ok) {
      if (e.values->size() != ok[0].values->size()) {
        error(e.loc_key, fmt::format("zip lists must have equal lengths: '{}' has {}, '{}' has {}", e.key,
                                     e.values->size(), ok[0].key, ok[0].values->size()));
        return;
      }
    }
    // The tuples advanced together must differ, or trials would repeat.
    for (std::size_t i = 0; i < ok[0].values->size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        bool same = true;
        for (const auto& e : ok) same = same && (*e.values)[i] == (*e.values)[j];
        if (same) {
          error(fmt::format("{}[{}]", ok[0].loc_key, i),
                fmt::format("zip position {} repeats position {} in every list (trials would repeat)", i, j));
          return;
        }
      }
    }
    Dimension dim;
    for (std::size_t i = 0; i < ok[0].values->size(); ++i) {
      Option option;
      for (const auto& e : ok) option.push_back(assignment(e, i));
      dim.push_back(std::move(option));
    }
    dims_.push_back(std::move(dim));
  }

  void seeds(const nlohmann::json& s) {
    if (!s.is_array() || s.empty() || !std::all_of(s.begin(), s.end(), [](const auto& v) {
          return v.is_number_integer() && v.template get<std::int64_t>() >= 0 &&
                 v.template get<std::int64_t>() <= 4294967295LL;
        })) {
      error("sweep.seeds", "expected a non-empty list of seeds (integers in [0, 4294967295]), got " + s.dump());
      return;
    }
    if (!no_duplicates(s, "sweep.seeds") || !claim("experiment.seed", "sweep.seeds")) return;
    Dimension dim;
    for (std::size_t i = 0; i < s.size(); ++i) {
      dim.push_back({Assignment{"seed", "experiment.seed", s[i], doc_.location(fmt::format("sweep.seeds[{}]", i))}});
    }
    dims_.push_back(std::move(dim));
  }

  std::vector<TrialPlan> cartesian() {
    std::size_t total = 1;
    for (const auto& d : dims_) {
      if (total > max_trials_ / d.size()) {
        error("sweep", fmt::format("the sweep expands to more than {} trials; narrow it", max_trials_));
        return {};
      }
      total *= d.size();
    }
    std::vector<TrialPlan> out;
    out.reserve(total);
    std::vector<std::size_t> index(dims_.size(), 0);
    for (std::size_t n = 0; n < total; ++n) {
      TrialPlan plan;
      for (std::size_t d = 0; d < dims_.size(); ++d) {
        const auto& option = dims_[d][index[d]];
        plan.insert(plan.end(), option.begin(), option.end());
      }
      out.push_back(std::move(plan));
      // The last dimension (seeds) varies fastest.
      for (std::size_t d = dims_.size(); d-- > 0;) {
        if (++index[d] < dims_[d].size()) break;
        index[d] = 0;
      }
    }
    return out;
  }
};

}  // namespace

SweepPlans plan_sweep(const Document& doc, std::vector<Diagnostic>& errors, std::size_t max_trials) {
  Planner planner(doc, errors, max_trials);
  SweepPlans out;
  out.trials = planner.plan();
  out.probes = planner.take_probes();
  return out;
}

std::string trial_name(const TrialPlan& plan) {
  if (plan.empty()) return "default";
  std::string out;
  for (const auto& a : plan) {
    const bool shared = std::count_if(plan.begin(), plan.end(), [&](const Assignment& b) { return b.label == a.label; }) > 1;
    if (!out.empty()) out += ",";
    std::string value = value_text(a.value);
    if (a.label == "layers" && value.starts_with(kLayersPrefix)) value = value.substr(kLayersPrefix.size());  // "layers=2"
    out += (shared ? a.key : a.label) + "=" + value;
  }
  return out;
}

}  // namespace mtlab::spec::detail
