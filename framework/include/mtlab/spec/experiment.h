#pragma once
// Loading an experiment end to end: parse and compose (document.h), expand the
// sweep, resolve every trial (defaults, env, paths) and validate each against
// the schema and the available plugins — every problem collected, none skipped.
//
// Example (the runner):
//   spec::LoadOptions options;
//   options.overrides = {"training.epochs=1"};
//   options.plugins = spec::registry_catalog();        // or leave empty to skip plugin checks
//   spec::Experiment exp = spec::load_experiment("exp.toml", options);  // throws on any error
//   for (const spec::Trial& t : exp.trials) train(t.view(), t.name, t.hash);
//   // a plugin gets its own keys: registry.create<Head>(Kind::head, name,
//   //     spec::plugin_config(t, "tasks.intent.head_config", registry.find(Kind::head, name)));
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mtlab/plugin/registry.h"
#include "mtlab/spec/diagnostic.h"
#include "mtlab/spec/document.h"
#include "mtlab/spec/prune.h"
#include "mtlab/spec/trial.h"

namespace mtlab::spec {

// The plugins validation may name, given the extra plugin folders the spec lists
// under [plugins] paths (already resolved). An empty function skips every plugin
// check (names and their own keys).
using PluginCatalog = std::function<std::vector<plugin::PluginInfo>(const std::vector<std::filesystem::path>& extra)>;

// A catalog scanning `extra`, then plugin::Registry::default_search_path().
// Registry warnings (a stray library) are ignored here; `mtlab plugins` shows them.
// With `registry`, the libraries are loaded into it (and stay there for the
// caller to create plugins from), so each is loaded and hashed once.
PluginCatalog registry_catalog(plugin::Registry* registry = nullptr);

// A sweep that expands to more trials than this is refused as a problem of the spec.
inline constexpr std::size_t kMaxTrials = 100000;

struct LoadOptions {
  std::vector<std::string> overrides;  // "key.path=value", applied after extends
  PluginCatalog plugins;               // empty: plugin names and keys are not checked
  bool check_files = true;             // input files (data, checkpoints, vocab) must exist
  std::size_t max_trials = kMaxTrials; // the most trials a sweep may expand to (a fuzzer sets fewer)
};

struct Experiment {
  Document document;          // as written (extends merged, overrides applied)
  std::string name;           // experiment.name
  std::vector<Trial> trials;  // in sweep order
  std::optional<PruneSpec> prune;  // [sweep.prune]: stop weak trials early (none: every trial runs to its end)
};

struct CheckResult {
  Experiment experiment;               // trials are complete only when ok()
  std::vector<Diagnostic> errors;      // every problem, in file order, without repeats
  bool ok() const { return errors.empty(); }
};

// Never throws for a problem in the spec: a syntax error, a missing base file
// or a bad --set becomes a diagnostic like every other problem.
CheckResult check_experiment(const std::filesystem::path& file, const LoadOptions& options = {});

// check_experiment, then throws mtlab::Error listing every problem, one per line.
Experiment load_experiment(const std::filesystem::path& file, const LoadOptions& options = {});

// The view a plugin's factory receives: the keys of `table` ("backbone", "optimizer",
// "tasks.intent.head_config") that `plugin` declares, with their source positions.
// [backbone] and [optimizer] mix framework keys with the plugin's; this leaves only
// the plugin's, so Registry::create accepts the view.
Config plugin_config(const Trial& trial, const std::string& table, const plugin::PluginInfo& plugin);

}  // namespace mtlab::spec
