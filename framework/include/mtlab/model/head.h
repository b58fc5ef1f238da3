#pragma once
// The head plugin interface: a task-specific module on top of the shared encoder.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

  // Optional, for heads whose structure or decoding depends on the label names
  // (a CRF's BIO constraints): called with the names in id order before build().
  virtual void set_labels(const std::vector<std::string>& names) { (void)names; }

  // A head that owns its loss (a CRF) returns true and implements loss(); its
  // descriptor says so too (MTLAB_HEAD_PLUGIN_OWN_LOSS), so the spec refuses a
  // loss plugin for its task. Other heads' output is scored by the task's loss plugin.
  virtual bool owns_loss() const { return false; }
  // `output` is forward()'s; `targets` as a loss plugin gets them ([B, T] for a token
  // head, kIgnoreIndex where nothing is to be learnt). Returns a scalar.
  virtual at::Tensor loss(const at::Tensor& output, const at::Tensor& targets);
  // For a head that owns its loss: what `targets` weigh in the mean loss() takes,
  // as Loss::target_weight (default: the labelled targets).
  virtual double loss_target_weight(const at::Tensor& targets) const;

  // Token heads: label ids [B, T] (int64) from forward()'s output. `mask` [B, T]
  // (bool) marks the positions that carry a word's label (each word's first piece);
  // decode them jointly if the head models label sequences (Viterbi), and put
  // anything at the others. Default: the argmax per position.
  virtual at::Tensor decode(const at::Tensor& output, const at::Tensor& mask);

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
