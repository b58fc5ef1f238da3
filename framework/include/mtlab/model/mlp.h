#pragma once
// The classifier stack shared by the shipped heads: optional hidden layers
// (Linear → activation → dropout), then the output Linear.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

namespace mtlab {

struct MlpOptions {
  std::vector<std::int64_t> hidden_layers;  // widths; empty = a single Linear
  std::string activation = "gelu";          // gelu | relu | tanh
  double dropout = 0.1;                     // applied before every Linear
};

class Config;

// Reads hidden_layers, activation and dropout from a head plugin's config.
MlpOptions mlp_options(const Config& config);

// Builds dropout → [Linear → act → dropout]* → Linear(out).
torch::nn::Sequential make_mlp(std::int64_t in, std::int64_t out, const MlpOptions& options);

}  // namespace mtlab
