#pragma once
// Validating and resolving one trial's config against the schema. Private to mtlab_spec.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mtlab/plugin/registry.h"
#include "mtlab/spec/diagnostic.h"
#include "mtlab/spec/location.h"

namespace mtlab::spec::detail {

struct ResolveContext {
  std::map<std::string, Location>* locations;          // of this config; paths use their base_dir
  const std::vector<plugin::PluginInfo>* plugins;      // nullptr: plugin checks skipped
  bool check_files = true;
  Location fallback;                                   // for keys with no position (the spec file)
  std::vector<Diagnostic>* errors;

  Location where(const std::string& key) const;
  void error(const std::string& key, std::string message) const;
};

// Checks every key (type, range, choices, plugin names and keys), expands ${NAME}
// and resolves relative paths, checks input files exist, fills defaults, then
// checks references between keys (freeze policies, metric names, groups).
void resolve_config(nlohmann::json& config, const ResolveContext& context);

// Sets `value` at a dotted key, creating tables on the way.
void set_at(nlohmann::json& config, const std::string& dotted, const nlohmann::json& value);
// The value at a dotted key, or nullptr.
const nlohmann::json* get_at(const nlohmann::json& config, const std::string& dotted);

// "an integer", "a string \"x\"" … how a found value is named in messages.
std::string describe(const nlohmann::json& value);

}  // namespace mtlab::spec::detail
