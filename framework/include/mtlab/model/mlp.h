#pragma once
// The classifier stack shared by the shipped heads: optional hidden layers
// (Linear → activation → dropout), then the output Linear.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include "mtlab/plugin/descriptor.h"

namespace mtlab {

struct MlpOptions {
  std::vector<std::int64_t> hidden_layers;  // widths; empty = a single Linear
  std::string activation = "gelu";          // gelu | relu | tanh
  double dropout = 0.1;                     // applied before every Linear
};

class Config;

// The MLP's keys, spliced into a head's KeySpec array: `{MTLAB_MLP_KEYS, {"pooling", …}}`;
// mlp_options reads them with these defaults and bounds.
#define MTLAB_MLP_KEYS                                                                                     \
  {"hidden_layers", "list<int>", "[]", "widths of hidden layers before the output layer", 1, 65536},       \
      {"activation", "string", "\"gelu\"", "between hidden layers", ::mtlab::plugin::kNoMin,               \
       ::mtlab::plugin::kNoMax, "gelu|relu|tanh"},                                                          \
      {"dropout", "float", "0.1", "dropout before every linear layer", 0, 1}

// Reads hidden_layers, activation and dropout from a head plugin's config.
MlpOptions mlp_options(const Config& config);

// Builds dropout → [Linear → act → dropout]* → Linear(out).
torch::nn::Sequential make_mlp(std::int64_t in, std::int64_t out, const MlpOptions& options);

}  // namespace mtlab
