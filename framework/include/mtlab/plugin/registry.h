#pragma once
// The plugin registry: finds plugin libraries on the search path, checks each
// one's descriptor, and creates objects from them. Libraries are loaded once
// and never unloaded, so nothing a plugin made can outlive its code (Boost.DLL's
// first rule, doc/missuses.qbk).
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/plugin/descriptor.h"

namespace mtlab::plugin {

struct KeyInfo {
  std::string name, type, default_value, help;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // empty: any string
};

// What one loaded library says about itself.
struct PluginInfo {
  Kind kind;
  std::string name;
  std::string version;
  std::string description;
  std::vector<KeyInfo> keys;
  std::filesystem::path file;
  std::string sha256;  // of the library file, for the run record
  std::string level;                        // heads: "sentence", "token" or "" (undeclared)
  const BackboneHooks* backbone = nullptr;  // backbones: their hooks, if any (the library stays loaded)
  std::string own_loss;                     // heads with their own loss: what it is; "" otherwise
  std::vector<std::string> key_names() const;
  bool declares(const std::string& key) const;
};

class Registry {
 public:
  Registry() = default;

  // The default search path: the folders in MTLAB_PLUGIN_PATH (colon-separated),
  // then the plugin folder of the build or install tree the executable is in
  // (<exe>/../lib/mtlab/plugins).
  static std::vector<std::filesystem::path> default_search_path();

  // Loads every *.so in each folder (a file path is loaded as is). Problems that
  // concern one file (not a plugin, wrong ABI) are collected in warnings(), not
  // thrown, so one stray library does not stop the rest; a duplicate kind+name
  // throws, naming both files.
  void scan(const std::vector<std::filesystem::path>& paths);

  // Loads one library and returns what it is; throws mtlab::Error naming the file
  // and the problem (not a shared library, no descriptor, ABI mismatch, …).
  const PluginInfo& load(const std::filesystem::path& file);

  const std::vector<PluginInfo>& plugins() const;
  const std::vector<std::string>& warnings() const;
  // Plugins run in-process and are trusted, so a plugin file, or a folder that
  // holds one, that users other than its owner may write to is a way in: each
  // such path is logged once as a warning (log::warn) and listed here. Writable
  // by group counts unless the group is the owner's own (user-private) group.
  const std::vector<std::string>& security_warnings() const;

  // Throws when there is no plugin of that kind and name, listing those there are.
  const PluginInfo& find(Kind kind, const std::string& name) const;
  // Finds a plugin by name alone (any kind); throws on none or an ambiguous name.
  const PluginInfo& find(const std::string& name) const;

  // Checks `config` against the plugin's declared keys, then calls its factory.
  // A throwing factory becomes an error naming the plugin, carrying its message.
  std::shared_ptr<PluginObject> create_object(Kind kind, const std::string& name,
                                              const Config& config) const;

  // Typed creation: T is the kind's interface (Backbone, Head, Loss, Optimizer).
  template <class T>
  std::shared_ptr<T> create(Kind kind, const std::string& name, const Config& config) const {
    auto object = create_object(kind, name, config);
    auto typed = std::dynamic_pointer_cast<T>(object);
    if (!typed) {
      throw Error("plugin '" + name + "' (" + find(kind, name).file.string() + ") made an object that is not a " +
                  kind_name(kind) + " (does it derive from the right interface?)");
    }
    return typed;
  }

 private:
  std::vector<PluginInfo> plugins_;
  std::vector<Factory> factories_;
  std::vector<std::string> warnings_;
  std::vector<std::string> security_warnings_;
  std::vector<std::filesystem::path> checked_paths_;
  void check_permissions(const std::filesystem::path& path);
};

}  // namespace mtlab::plugin
