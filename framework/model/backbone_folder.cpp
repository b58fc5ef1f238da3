#include "mtlab/model/backbone_folder.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "mtlab/core/json_file.h"
#include "mtlab/core/suggest.h"
#include "mtlab/model/backbone.h"
#include "mtlab/text/tokenizer.h"

namespace mtlab {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> backbone_names(const plugin::Registry& registry) {
  std::vector<std::string> names;
  for (const auto& p : registry.plugins()) {
    if (p.kind == plugin::Kind::backbone) names.push_back(p.name);
  }
  return names;
}

std::string model_type_of(const fs::path& config_file, const std::vector<std::string>& supported) {
  const std::string list = supported.empty() ? "none (no backbone plugin on the plugin path)" : join(supported);
  if (!fs::is_regular_file(config_file)) {
    throw Error(fmt::format("{}: cannot open; a model folder's config.json names its model_type, which picks the "
                            "backbone plugin (supported: {})",
                            config_file.string(), list));
  }
  const nlohmann::json config = read_json_file(config_file);
  const auto type = config.is_object() ? config.find("model_type") : config.end();
  if (!config.is_object() || type == config.end() || !type->is_string()) {
    throw Error(fmt::format("{}: no \"model_type\" string to pick the backbone plugin by (supported: {})",
                            config_file.string(), list));
  }
  return type->get<std::string>();
}

}  // namespace

const plugin::PluginInfo& backbone_plugin_for(const fs::path& folder, const plugin::Registry& registry) {
  const auto names = backbone_names(registry);
  const fs::path file = folder / "config.json";
  const std::string type = model_type_of(file, names);
  for (const auto& p : registry.plugins()) {
    if (p.kind == plugin::Kind::backbone && p.name == type) return p;
  }
  throw Error(fmt::format("{}: model_type \"{}\" has no backbone plugin{}; supported model types: {}", file.string(),
                          type, did_you_mean(type, names), names.empty() ? "none" : join(names)));
}

Config backbone_folder_config(const plugin::PluginInfo& plugin, const fs::path& folder, const std::string& device,
                              const std::string& where) {
  nlohmann::json table{{"checkpoint", folder.string()}};
  if (plugin.declares("device")) table["device"] = device;
  return Config(table, where);
}

std::shared_ptr<Backbone> load_backbone(const plugin::Registry& registry, const plugin::PluginInfo& plugin,
                                        const fs::path& folder, const std::string& device) {
  return registry.create<Backbone>(plugin::Kind::backbone, plugin.name,
                                   backbone_folder_config(plugin, folder, device, folder.string()));
}

std::shared_ptr<Backbone> load_backbone(const plugin::Registry& registry, const fs::path& folder,
                                        const std::string& device) {
  return load_backbone(registry, backbone_plugin_for(folder, registry), folder, device);
}

std::shared_ptr<const Tokenizer> load_tokenizer(const plugin::Registry& registry, const plugin::PluginInfo& plugin,
                                                const fs::path& folder) {
  if (plugin.backbone && plugin.backbone->load_tokenizer) return plugin.backbone->load_tokenizer(folder);
  auto backbone = load_backbone(registry, plugin, folder);
  // Aliasing: the tokenizer lives as long as its backbone.
  return std::shared_ptr<const Tokenizer>(backbone, &backbone->tokenizer());
}

}  // namespace mtlab
