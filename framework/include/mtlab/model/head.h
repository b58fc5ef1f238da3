#pragma once
// The head plugin interface: a task-specific module on top of the shared encoder.
#include <cstdint>

#include <torch/nn/module.h>

#include "mtlab/model/encoder_output.h"
#include "mtlab/plugin/descriptor.h"

namespace mtlab {

// Sequence heads predict one label per input ([B, C] logits); token heads one
// label per token ([B, T, C] logits).
enum class HeadLevel { sequence, token };

class Head : public plugin::PluginObject, public torch::nn::Module {
 public:
  virtual HeadLevel level() const = 0;
  // Called once, before training, when the encoder width and the label count
  // (from the training split) are known: create the parameters here.
  virtual void build(std::int64_t hidden_size, std::int64_t num_labels) = 0;
  virtual at::Tensor forward(const EncoderOutput& encoded) = 0;
};

}  // namespace mtlab
