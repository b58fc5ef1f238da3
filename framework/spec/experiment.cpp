#include "mtlab/spec/experiment.h"

#include <algorithm>
#include <set>

#include "mtlab/core/error.h"
#include "mtlab/options/env_expand.h"
#include "resolve.h"
#include "prune_reader.h"
#include "sweep.h"

namespace mtlab::spec {
namespace {

namespace fs = std::filesystem;

bool is_under(const std::string& key, const std::string& path) {
  if (key.compare(0, path.size(), path) != 0) return false;
  return key.size() == path.size() || key[path.size()] == '.' || key[path.size()] == '[';
}

// [plugins] paths, resolved the way resolve_config will (problems are reported there).
std::vector<fs::path> extra_plugin_paths(const Document& doc) {
  std::vector<fs::path> out;
  const auto* paths = detail::get_at(doc.tree, "plugins.paths");
  if (!paths || !paths->is_array()) return out;
  for (std::size_t i = 0; i < paths->size(); ++i) {
    if (!(*paths)[i].is_string()) continue;
    try {
      out.push_back(resolve_env_path((*paths)[i].get<std::string>(),
                                     doc.location("plugins.paths[" + std::to_string(i) + "]").base_dir())
                         .lexically_normal());
    } catch (const Error&) {
    }
  }
  return out;
}

// The same problem found in several trials (one key, one message) is reported
// once, at its first position; then everything is ordered by position.
std::vector<Diagnostic> tidy(std::vector<Diagnostic> errors) {
  std::vector<Diagnostic> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (auto& e : errors) {
    if (seen.emplace(e.key, e.message).second) out.push_back(std::move(e));
  }
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) < std::tie(b.where.file, b.where.line, b.where.column);
  });
  return out;
}

}  // namespace

PluginCatalog registry_catalog(plugin::Registry* registry) {
  return [registry](const std::vector<fs::path>& extra) {
    plugin::Registry own;
    plugin::Registry& r = registry ? *registry : own;
    auto search = extra;
    for (const auto& p : plugin::Registry::default_search_path()) search.push_back(p);
    r.scan(search);
    return r.plugins();
  };
}

CheckResult check_experiment(const fs::path& file, const LoadOptions& options) {
  CheckResult result;
  Experiment& exp = result.experiment;
  try {
    exp.document = load_document(file, options.overrides);
  } catch (const Error& e) {
    result.errors.push_back(Diagnostic{Location{}, "", e.what()});
    return result;
  }
  const Document& doc = exp.document;
  std::vector<Diagnostic> errors;
  auto [plans, probes] = detail::plan_sweep(doc, errors, options.max_trials);
  exp.prune = detail::read_prune(doc, errors);

  nlohmann::json base = doc.tree;
  base.erase("sweep");
  std::map<std::string, Location> base_locations = doc.locations;
  std::erase_if(base_locations, [](const auto& e) { return is_under(e.first, "sweep"); });

  std::vector<plugin::PluginInfo> plugins;
  bool check_plugins = static_cast<bool>(options.plugins);
  if (check_plugins) {
    try {
      plugins = options.plugins(extra_plugin_paths(doc));
    } catch (const std::exception& e) {
      errors.push_back(Diagnostic{doc.location("plugins"), "plugins", e.what()});
      check_plugins = false;
    }
  }

  // One trial's config: the base with the plan's values set, resolved; problems go to `found`.
  auto resolve_plan = [&](const detail::TrialPlan& plan, Trial& trial, std::map<std::string, Location>& locations,
                          std::vector<Diagnostic>& found) {
    trial.config = base;
    locations = base_locations;
    for (const auto& a : plan) {
      std::erase_if(locations, [&](const auto& e) { return is_under(e.first, a.key); });
      locations[a.key] = a.where;
      detail::set_at(trial.config, a.key, a.value);
      trial.swept.push_back(SweptValue{a.label, a.key, a.value});
    }
    detail::ResolveContext context{&locations, check_plugins ? &plugins : nullptr, options.check_files,
                                   Location{doc.file.string(), 0, 0}, &found};
    detail::resolve_config(trial.config, context);
  };

  // A searched key's bounds and choices, each alone on the base config: a problem with
  // the probed key itself is the search's (reported where the value is written), and
  // then the sampled trials are not resolved, which would report it once per draw.
  bool probes_ok = true;
  for (const auto& probe : probes) {
    Trial trial;
    std::map<std::string, Location> locations;
    std::vector<Diagnostic> found;
    resolve_plan(probe, trial, locations, found);
    for (auto& e : found) {
      if (!is_under(e.key, probe.front().key)) continue;  // the base config's own problems are reported below
      errors.push_back(std::move(e));
      probes_ok = false;
    }
  }

  // With a broken [sweep], the base config is still checked so every problem shows.
  const bool sweep_ok = !plans.empty() && probes_ok;
  if (!sweep_ok) plans = {detail::TrialPlan{}};
  const bool swept = !(plans.size() == 1 && plans[0].empty());
  for (std::size_t i = 0; i < plans.size(); ++i) {
    Trial trial;
    trial.index = i;
    trial.count = plans.size();
    trial.file = doc.file.string();
    std::map<std::string, Location> locations;
    resolve_plan(plans[i], trial, locations, errors);
    // With any problem found no trial is returned (below): the rest are resolved for
    // their problems only, without naming, serializing and hashing what is dropped.
    if (!sweep_ok || !errors.empty()) continue;
    trial.name = swept ? detail::trial_name(plans[i]) : "default";
    for (const auto& [k, loc] : locations) trial.locations[k] = loc.str();
    if (const auto* seed = detail::get_at(trial.config, "experiment.seed"); seed && seed->is_number_integer()) {
      trial.seed = seed->get<std::int64_t>();
    }
    finalize_trial(trial);
    if (exp.prune) detail::check_prune_fits(*exp.prune, doc, trial, errors);
    exp.trials.push_back(std::move(trial));
  }
  if (const auto* name = detail::get_at(base, "experiment.name"); name && name->is_string()) exp.name = *name;
  result.errors = tidy(std::move(errors));
  if (!result.ok()) exp.trials.clear();
  return result;
}

Experiment load_experiment(const fs::path& file, const LoadOptions& options) {
  CheckResult result = check_experiment(file, options);
  if (!result.ok()) {
    std::string text = format_diagnostics(result.errors);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    throw Error(text);
  }
  return std::move(result.experiment);
}

}  // namespace mtlab::spec
