#include <nlohmann/json.hpp>

#include "mtlab/spec/experiment.h"
#include "resolve.h"

namespace mtlab::spec {

Config plugin_config(const Trial& trial, const std::string& table, const plugin::PluginInfo& plugin) {
  const nlohmann::json* section = detail::get_at(trial.config, table);
  nlohmann::json own = nlohmann::json::object();
  std::map<std::string, std::string> locations;
  if (section && section->is_object()) {
    for (const auto& name : plugin.key_names()) {
      if (auto it = section->find(name); it != section->end() && !it->is_null()) own[name] = *it;
    }
  }
  // Positions of the kept keys and of anything inside them (init.hidden_size).
  const std::string prefix = table + ".";
  for (const auto& [key, where] : trial.locations) {
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = key.substr(prefix.size());
    const std::string head = rest.substr(0, rest.find_first_of(".["));
    if (own.contains(head)) locations[rest] = where;
  }
  return Config(own, trial.file + " [" + table + "]", std::move(locations));
}

}  // namespace mtlab::spec
