#pragma once
// Saved model folders through the plugin registry: the backbone plugin that
// reads a Hugging Face folder is the one named by config.json's model_type
// ("bert" for BERT). encode, tokenize and predict load backbones this way, so
// a new architecture is a new plugin, not a CLI change.
#include <filesystem>
#include <memory>
#include <string>

#include "mtlab/plugin/registry.h"

namespace mtlab {

class Backbone;
class Tokenizer;

// The backbone plugin for `folder`: config.json's model_type. Throws naming the
// file when there is none, or when no backbone plugin has that name (listing the
// model types there are plugins for).
const plugin::PluginInfo& backbone_plugin_for(const std::filesystem::path& folder, const plugin::Registry& registry);

// The config a backbone plugin gets to load `folder`: checkpoint, plus the
// device when the plugin declares a `device` key. `where` names the source.
Config backbone_folder_config(const plugin::PluginInfo& plugin, const std::filesystem::path& folder,
                              const std::string& device, const std::string& where);

// The backbone of a Hugging Face (or sentence-transformers) folder, made by `plugin`.
std::shared_ptr<Backbone> load_backbone(const plugin::Registry& registry, const plugin::PluginInfo& plugin,
                                        const std::filesystem::path& folder, const std::string& device = "cpu");
// The same with the plugin found by backbone_plugin_for().
std::shared_ptr<Backbone> load_backbone(const plugin::Registry& registry, const std::filesystem::path& folder,
                                        const std::string& device = "cpu");

// The tokenizer of a model or tokenizer folder, without the weights when the
// plugin can load it alone (BackboneHooks::load_tokenizer), else its backbone's.
// The returned pointer keeps whatever owns the tokenizer alive.
std::shared_ptr<const Tokenizer> load_tokenizer(const plugin::Registry& registry, const plugin::PluginInfo& plugin,
                                                const std::filesystem::path& folder);

}  // namespace mtlab
