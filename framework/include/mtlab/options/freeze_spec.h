#pragma once
// The freeze grammar — none | all | backbone | embeddings | layers:K | head:NAME —
// parsed once into a typed value. The spec validator, the sweep presets and the
// trainer all read it from here, with one error text.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mtlab {

// The grammar in words, for messages and docs.
inline constexpr std::string_view kFreezeGrammar = "none | all | backbone | embeddings | layers:K | head:NAME";

// The prefix of a layers:K policy.
inline constexpr std::string_view kLayersPrefix = "layers:";

// The deepest encoder the spec accepts (sweep.layers, layers:K without a known depth).
inline constexpr std::int64_t kMaxEncoderLayers = 128;

struct FreezeSpec {
  enum class Kind { none, all, backbone, embeddings, layers, head };
  Kind kind = Kind::none;
  std::int64_t layers = 0;  // layers:K — the embeddings and the bottom K encoder layers
  std::string head;         // head:NAME

  // The policy as written in a spec: "none", "layers:2", "head:intent".
  std::string text() const;
};

// Parses a policy. `tasks` are the task names head:NAME may use; K may be at most
// `max_layers`. Throws Error (no location: the caller adds one) saying what is wrong.
FreezeSpec parse_freeze(std::string_view text, const std::vector<std::string>& tasks, std::int64_t max_layers);

// The freeze-scenario preset: none, all, backbone, embeddings, then head:NAME per task.
std::vector<std::string> freeze_scenarios(const std::vector<std::string>& tasks);

// "layers:K", the transfer-depth preset's policy.
std::string layers_freeze(std::int64_t k);

}  // namespace mtlab
