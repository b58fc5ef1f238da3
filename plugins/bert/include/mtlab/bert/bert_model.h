#pragma once
// BERT as Hugging Face's BertModel computes it, as a Backbone — and the families
// whose layers are BERT's (BertConfig::model_type): RoBERTa, ELECTRA, DistilBERT.
// Submodules are registered under Hugging Face's BERT names, so named_parameters()
// keys are BERT's checkpoint keys (embeddings.word_embeddings.weight,
// encoder.layer.0.attention.self.query.weight, …, pooler.dense.weight); the
// checkpoint code maps a family's own key names (DistilBERT's) both ways.
//
// Example:
//   auto bert = mtlab::BertModel::from_folder("models/bert-base-uncased");
//   auto out = bert->forward(ids, type_ids, mask);  // out.token_states [B, T, 768]
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/nn/modules/linear.h>

#include "mtlab/model/backbone.h"
#include "mtlab/bert/bert_config.h"
#include "mtlab/text/bert_tokenizer.h"

namespace mtlab {

namespace io {
class CheckpointWeights;
}

struct BertModelOptions {
  std::string device = "cpu";                    // "cpu", "cuda", "cuda:1"
  std::string dtype = "float32";                 // float32 | float16 | bfloat16
  std::int64_t max_length = 0;                   // 0: min(tokenizer model_max_length, max positions)
  std::string model_type;                        // from_folder: the family the folder must be ("": any)
};

// What loading a checkpoint found besides the tensors it used.
struct BertLoadReport {
  std::vector<std::string> unused;  // checkpoint keys the backbone does not use
  bool pooler_initialized = false;  // no pooler in the checkpoint: freshly initialised
};

// Vocabulary to build from training text (vocab = "build").
struct VocabBuildOptions {
  TokenizerOptions tokenizer;
  std::int64_t min_frequency = 2;
  std::int64_t max_size = 30522;
};

struct BertEmbeddings;
struct BertLayer;
struct BertPooler;

class BertModel : public Backbone {
 public:
  // A freshly initialised model (Hugging Face's init: normal(0, initializer_range)
  // weights, zero biases, LayerNorm 1/0, padding row zero). Draws from LibTorch's
  // default generator: seed it (torch::manual_seed) for reproducible weights.
  BertModel(BertConfig config, BertTokenizer tokenizer, BertModelOptions options = {});
  // With any tokenizer that matches the embeddings (RoBERTa's byte-level BPE).
  BertModel(BertConfig config, std::shared_ptr<const Tokenizer> tokenizer, BertModelOptions options = {});
  // From scratch with a vocabulary built later by fit_texts().
  BertModel(BertConfig config, VocabBuildOptions vocab, BertModelOptions options = {});

  // A Hugging Face folder: config.json, model.safetensors (or a sharded index),
  // and the family's tokenizer files (load_tokenizer_folder: vocab.txt, or
  // vocab.json and merges.txt, or tokenizer.json). Unused checkpoint tensors and a missing
  // pooler are logged as warnings; anything else missing or mis-shaped is an error.
  static std::shared_ptr<BertModel> from_folder(const std::filesystem::path& folder, BertModelOptions options = {},
                                                BertLoadReport* report = nullptr);

  // Copies the checkpoint's tensors into the parameters (accepting the `bert.`
  // prefix and legacy LayerNorm gamma/beta names). `where` names the source.
  BertLoadReport load_weights(const io::CheckpointWeights& weights, const std::string& where);

  const BertConfig& config() const { return config_; }
  const BertModelOptions& options() const { return options_; }

  // Backbone
  const Tokenizer& tokenizer() const override;
  std::int64_t hidden_size() const override { return config_.hidden_size; }
  std::int64_t num_layers() const override { return config_.num_hidden_layers; }
  std::int64_t max_length() const override;
  bool needs_texts() const override { return tokenizer_ == nullptr; }
  void fit_texts(const std::vector<std::string>& texts) override;
  EncoderOutput forward(const at::Tensor& input_ids, const at::Tensor& token_type_ids,
                        const at::Tensor& attention_mask) override;
  at::Tensor embed(const at::Tensor& input_ids, const at::Tensor& token_type_ids) override;
  at::Tensor run_layers(const at::Tensor& hidden, const at::Tensor& attention_mask, std::int64_t from,
                        std::int64_t to) override;
  at::Tensor pool(const at::Tensor& hidden) override;
  std::vector<std::string> block_names() const override;
  NamedTensors block_parameters(const std::string& block) override;
  at::Device device() const override;
  // "bert " and config.json without vocab_size (the embeddings' shape says it).
  std::string architecture_fingerprint() const override;
  void save(const std::filesystem::path& folder) const override;
  at::Tensor input_embeddings() override;
  // BERT: Hugging Face's BertForMaskedLM layout (bert.* encoder keys with the
  // pooler, which BertForMaskedLM ignores on load, and cls.predictions.*); other
  // families keep the plain save (Backbone's default).
  void save_with_lm_head(const std::filesystem::path& folder, const LmHeadWeights& head) const override;

 private:
  void build_modules();
  void init_weights();
  void place();  // moves parameters to options_.device / dtype
  at::Tensor additive_mask(const at::Tensor& attention_mask, at::ScalarType dtype) const;
  at::Tensor position_ids(const at::Tensor& ids) const;  // [1 or B, T]
  std::int64_t position_limit() const;                   // the longest input the positions cover

  BertConfig config_;
  BertModelOptions options_;
  std::shared_ptr<const Tokenizer> tokenizer_;  // null until fit_texts() builds the vocabulary
  std::optional<VocabBuildOptions> vocab_build_;
  std::shared_ptr<BertEmbeddings> embeddings_;
  std::vector<std::shared_ptr<BertLayer>> layers_;
  torch::nn::Linear projection_{nullptr};  // ELECTRA's embeddings_project, else null
  std::shared_ptr<BertPooler> pooler_;     // null for families without a pooler
};

}  // namespace mtlab
