#pragma once
// The backbone plugin interface: a tokenizer plus an encoder that turns token ids
// into token states and a pooled vector. The forward pass is also offered in
// slices (embed → run_layers → pool) so that a frozen prefix can be computed once
// and cached, and the parameters are offered in named blocks (input block, one
// block per layer, top blocks: see block_layout.h) so freezing and layer-wise
// learning rates are generic.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

#include "mtlab/model/block_layout.h"
#include "mtlab/model/encoder_output.h"
#include "mtlab/model/lm_head.h"
#include "mtlab/plugin/descriptor.h"

namespace mtlab {

class Tokenizer;

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

class Backbone : public plugin::PluginObject, public torch::nn::Module {
 public:
  // The tokenizer that matches the embeddings. Throws while the vocabulary still
  // has to be built (needs_texts()).
  virtual const Tokenizer& tokenizer() const = 0;
  virtual std::int64_t hidden_size() const = 0;
  virtual std::int64_t num_layers() const = 0;
  // The longest input (special tokens included) the backbone takes.
  virtual std::int64_t max_length() const = 0;

  // True for a from-scratch backbone whose vocabulary is built from training
  // text (`vocab = "build"`): the trainer must call fit_texts() before anything else.
  virtual bool needs_texts() const { return false; }
  virtual void fit_texts(const std::vector<std::string>& /*texts*/) {}

  // All tensors [B, T] int64 (any device; they are moved to the backbone's).
  virtual EncoderOutput forward(const at::Tensor& input_ids, const at::Tensor& token_type_ids,
                                const at::Tensor& attention_mask) = 0;

  // The forward in slices: forward() == pool(run_layers(embed(...), mask, 0, num_layers())).
  virtual at::Tensor embed(const at::Tensor& input_ids, const at::Tensor& token_type_ids) = 0;
  // Runs layers [from, to) on hidden states [B, T, H].
  virtual at::Tensor run_layers(const at::Tensor& hidden, const at::Tensor& attention_mask, std::int64_t from,
                                std::int64_t to) = 0;
  virtual at::Tensor pool(const at::Tensor& hidden) = 0;

  // Bottom to top: the input block, num_layers() layer blocks, then any top
  // blocks (BERT: "embeddings", "layer.0" … "layer.{L-1}", "pooler").
  virtual std::vector<std::string> block_names() const = 0;
  // block_names() by role.
  BlockLayout block_layout() const;
  // The parameters of one block, with their full names (Hugging Face keys).
  virtual NamedTensors block_parameters(const std::string& block) = 0;

  // The device the parameters live on.
  virtual at::Device device() const = 0;

  // The architecture as far as the weights alone do not fix it (attention
  // heads, activation, eps …), with the backbone's kind: two backbones with equal
  // fingerprints and equal weights compute the same function. The frozen-prefix
  // cache keys on it. The default is unique to this object (safe, never shared).
  virtual std::string architecture_fingerprint() const;

  // Writes a Hugging Face folder (config.json, model.safetensors, vocab.txt,
  // tokenizer_config.json) that `transformers` loads unchanged.
  virtual void save(const std::filesystem::path& folder) const = 0;

  // The input word embeddings [V, E] (the parameter itself, not a copy), for a
  // head that ties its decoder to them (masked LM). Default: throws, naming the backbone.
  virtual at::Tensor input_embeddings();
  // save() with a masked-LM head written into the checkpoint as the family's
  // masked-LM model has it (BERT: bert.* and cls.predictions.*, BertForMaskedLM).
  // Default: a warning, then save(); the head stays in the model folder's heads.safetensors.
  virtual void save_with_lm_head(const std::filesystem::path& folder, const LmHeadWeights& head) const;
};

}  // namespace mtlab
