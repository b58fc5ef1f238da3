#pragma once
// The plugin contract: every plugin library exports one descriptor, reached
// through the C symbol `mtlab_plugin_descriptor`. Write it with MTLAB_PLUGIN.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace mtlab {

class Config;
class Tokenizer;

namespace plugin {

// Bumped whenever Descriptor, PluginObject or a plugin interface changes layout.
// The loader reads `abi_version` (the first field) before anything else.
inline constexpr std::uint32_t kAbiVersion = 5;  // 5: Loss::target_weight, Head::loss_target_weight

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
// ("" when the key is required or has no meaningful default). The validator
// checks what a key declares, with the wording it uses for the framework's own
// keys: `min`/`max` bound an int or float (list items too), `choices` ("a|b|c")
// lists the strings a string key takes. A table's keys are declared by dotted
// names ("init.hidden_size"); a backbone declaring "init.*" keys owns [backbone.init].
inline constexpr double kNoMin = -std::numeric_limits<double>::infinity();
inline constexpr double kNoMax = std::numeric_limits<double>::infinity();
struct KeySpec {
  const char* name;
  const char* type;
  const char* default_value;
  const char* help;
  double min = kNoMin;
  double max = kNoMax;
  const char* choices = nullptr;  // a string key's choices: {…, kNoMin, kNoMax, "a|b|c"}
};

using Factory = std::shared_ptr<PluginObject> (*)(const Config& config);

// A problem a plugin finds in its table: `key` is relative to the table
// ("init.num_heads"), so the spec validator reports it at the key's file:line:col.
struct KeyProblem {
  std::string key;
  std::string message;
};

// What a backbone says beyond the keys it accepts, so that the spec validator
// and the CLI need no knowledge of any architecture. Each may be nullptr.
struct BackboneHooks {
  // The table's problems before anything is built (BERT: heads must divide the
  // width). It sees the table as written: defaults are the plugin's to apply.
  std::vector<KeyProblem> (*check)(const Config& table);
  // The number of layers the table builds (what `layers:K` is checked against);
  // 0 when only a checkpoint can tell.
  std::int64_t (*num_layers)(const Config& table);
  // The tokenizer of a model (or tokenizer-only) folder this backbone reads,
  // without loading weights (`mtlab tokenize`).
  std::shared_ptr<const Tokenizer> (*load_tokenizer)(const std::filesystem::path& folder);
};

struct Descriptor {
  std::uint32_t abi_version;  // must stay the first field
  Kind kind;
  const char* name;
  const char* version;
  const char* description;
  const KeySpec* keys;
  std::size_t key_count;
  Factory create;
  // Heads: "sentence" or "token", the level a task with this head predicts at
  // unless the spec says otherwise; nullptr: sentence. Other kinds: nullptr.
  const char* level;
  // Backbones: nullptr or hooks the spec validator calls. Other kinds: nullptr.
  const BackboneHooks* backbone;
  // Heads that compute their own loss (Head::owns_loss, e.g. a CRF): what that loss
  // is, in words; the spec then refuses a task's `loss`/`loss_config`, which would be
  // ignored. nullptr: the task's loss plugin scores the head's output. Other kinds: nullptr.
  const char* own_loss;
};

}  // namespace plugin
}  // namespace mtlab

#define MTLAB_PLUGIN_SYMBOL "mtlab_plugin_descriptor"

// MTLAB_PLUGIN(kind, "name", "version", "description", keys_array, Factory)
// One line in a plugin source file: exports the descriptor. `keys_array` is a
// `static const mtlab::plugin::KeySpec[]` (use MTLAB_NO_KEYS for none); the
// factory is a function `std::shared_ptr<PluginObject>(const mtlab::Config&)`.
#define MTLAB_PLUGIN(KIND, NAME, VERSION, DESCRIPTION, KEYS, FACTORY) \
  MTLAB_PLUGIN_DESCRIPTOR_(KIND, NAME, VERSION, DESCRIPTION, KEYS, FACTORY, nullptr, nullptr, nullptr)

// A head that declares its level: "sentence" or "token".
#define MTLAB_HEAD_PLUGIN(NAME, VERSION, DESCRIPTION, LEVEL, KEYS, FACTORY) \
  MTLAB_PLUGIN_DESCRIPTOR_(head, NAME, VERSION, DESCRIPTION, KEYS, FACTORY, LEVEL, nullptr, nullptr)

// A head that computes its own loss (Head::owns_loss): OWN_LOSS says what it is, in words.
#define MTLAB_HEAD_PLUGIN_OWN_LOSS(NAME, VERSION, DESCRIPTION, LEVEL, KEYS, FACTORY, OWN_LOSS) \
  MTLAB_PLUGIN_DESCRIPTOR_(head, NAME, VERSION, DESCRIPTION, KEYS, FACTORY, LEVEL, nullptr, OWN_LOSS)

// A backbone with BackboneHooks: `HOOKS` is a `static const mtlab::plugin::BackboneHooks`.
#define MTLAB_BACKBONE_PLUGIN(NAME, VERSION, DESCRIPTION, KEYS, FACTORY, HOOKS) \
  MTLAB_PLUGIN_DESCRIPTOR_(backbone, NAME, VERSION, DESCRIPTION, KEYS, FACTORY, nullptr, &HOOKS, nullptr)

#define MTLAB_PLUGIN_DESCRIPTOR_(KIND, NAME, VERSION, DESCRIPTION, KEYS, FACTORY, LEVEL, HOOKS, OWN_LOSS) \
  extern "C" __attribute__((visibility("default"))) const ::mtlab::plugin::Descriptor*       \
  mtlab_plugin_descriptor() {                                                                \
    static const ::mtlab::plugin::Descriptor descriptor{                                    \
        ::mtlab::plugin::kAbiVersion, ::mtlab::plugin::Kind::KIND, NAME, VERSION, DESCRIPTION, \
        KEYS, ::mtlab::plugin::count_keys(KEYS), FACTORY, LEVEL, HOOKS, OWN_LOSS};          \
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
