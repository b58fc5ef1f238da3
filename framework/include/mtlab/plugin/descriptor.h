#pragma once
// The plugin contract: every plugin library exports one descriptor, reached
// through the C symbol `mtlab_plugin_descriptor`. Write it with MTLAB_PLUGIN.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace mtlab {

class Config;

namespace plugin {

// Bumped whenever Descriptor, PluginObject or a plugin interface changes layout.
// The loader reads `abi_version` (the first field) before anything else.
inline constexpr std::uint32_t kAbiVersion = 1;

enum class Kind : std::uint32_t { backbone = 0, head = 1, loss = 2, optimizer = 3 };

const char* kind_name(Kind kind);
// Throws mtlab::Error listing the valid kinds when `name` is not one.
Kind kind_from_name(const std::string& name);

// Base of every object a plugin creates. The registry casts it to the kind's
// interface (Backbone, Head, Loss, Optimizer).
class PluginObject {
 public:
  virtual ~PluginObject() = default;
};

// One config key a plugin accepts. `type` is one of: int, float, bool, string,
// list<int>, list<float>, list<string>, table. `default_value` is TOML text
// ("" when the key is required or has no meaningful default).
struct KeySpec {
  const char* name;
  const char* type;
  const char* default_value;
  const char* help;
};

using Factory = std::shared_ptr<PluginObject> (*)(const Config& config);

struct Descriptor {
  std::uint32_t abi_version;  // must stay the first field
  Kind kind;
  const char* name;
  const char* version;
  const char* description;
  const KeySpec* keys;
  std::size_t key_count;
  Factory create;
};

}  // namespace plugin
}  // namespace mtlab

#define MTLAB_PLUGIN_SYMBOL "mtlab_plugin_descriptor"

// MTLAB_PLUGIN(kind, "name", "version", "description", keys_array, Factory)
// One line in a plugin source file: exports the descriptor. `keys_array` is a
// `static const mtlab::plugin::KeySpec[]` (use MTLAB_NO_KEYS for none); the
// factory is a function `std::shared_ptr<PluginObject>(const mtlab::Config&)`.
#define MTLAB_PLUGIN(KIND, NAME, VERSION, DESCRIPTION, KEYS, FACTORY)                        \
  extern "C" __attribute__((visibility("default"))) const ::mtlab::plugin::Descriptor*       \
  mtlab_plugin_descriptor() {                                                                \
    static const ::mtlab::plugin::Descriptor descriptor{                                    \
        ::mtlab::plugin::kAbiVersion, ::mtlab::plugin::Kind::KIND, NAME, VERSION, DESCRIPTION, \
        KEYS, ::mtlab::plugin::count_keys(KEYS), FACTORY};                     \
    return &descriptor;                                                                      \
  }

// For a plugin that accepts no config keys.
#define MTLAB_NO_KEYS ::mtlab::plugin::kNoKeys
namespace mtlab::plugin {
inline constexpr KeySpec kNoKeys[1] = {{"", "", "", ""}};
template <std::size_t N>
constexpr std::size_t count_keys(const KeySpec (&keys)[N]) {
  return (N == 1 && keys[0].name[0] == '\0') ? 0 : N;
}
}  // namespace mtlab::plugin
