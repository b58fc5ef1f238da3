#pragma once
// The head plugin interface: a task-specific module on top of the shared encoder.
#include <cstdint>
#include <optional>

#include <torch/nn/module.h>

#include "mtlab/model/encoder_output.h"
#include "mtlab/model/lm_head.h"
#include "mtlab/plugin/descriptor.h"

namespace mtlab {

// Sequence heads predict one label per input ([B, C] logits); token heads one
// label per token ([B, T, C] logits).
enum class HeadLevel { sequence, token };

class Backbone;

class Head : public plugin::PluginObject, public torch::nn::Module {
 public:
  virtual HeadLevel level() const = 0;
  // Called once, before training, when the encoder width and the label count
  // (from the training split) are known: create the parameters here.
  virtual void build(std::int64_t hidden_size, std::int64_t num_labels) = 0;
  virtual at::Tensor forward(const EncoderOutput& encoded) = 0;

  // Masked-LM heads (token level): the targets are the masked input tokens (the
  // trainer masks the task's inputs), the label count is the vocabulary's.
  virtual bool masked_lm() const { return false; }
  // Called once the head is part of a model (MultiTaskModel), with the shared
  // encoder: a head that ties a weight to it (a masked-LM decoder to the input
  // embeddings) takes it here, shared, not copied.
  virtual void bind_backbone(Backbone& /*backbone*/) {}
  // A masked-LM head's tensors, for the backbone's checkpoint (lm_head.h); none otherwise.
  virtual std::optional<LmHeadWeights> lm_head_weights() const { return std::nullopt; }
};

}  // namespace mtlab
