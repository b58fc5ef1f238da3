#pragma once
// A small convolutional encoder over words: embeddings, then residual 1-D
// convolutions (each one block), then a tanh projection of the [CLS] state.
// Padding is zeroed before every convolution, so a row's states do not depend
// on how much padding its batch has (the frozen-prefix cache relies on that).
#include <torch/torch.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <mtlab/model/backbone.h>

#include "word_tokenizer.h"

namespace word_cnn {

struct WordCnnConfig {
  std::int64_t hidden_size = 32;
  std::int64_t num_layers = 2;
  std::int64_t kernel_size = 3;
  std::int64_t vocab_size = 2000;  // the most words a built vocabulary keeps, specials included
  std::int64_t max_length = 64;
};

class WordCnn : public mtlab::Backbone {
 public:
  // From scratch: the vocabulary (and so the embeddings) comes with fit_texts().
  WordCnn(WordCnnConfig config, std::string device);
  // A folder save() wrote: config.json, vocab.txt, model.safetensors.
  static std::shared_ptr<WordCnn> from_folder(const std::filesystem::path& folder, const std::string& device);

  const mtlab::Tokenizer& tokenizer() const override;
  std::int64_t hidden_size() const override { return config_.hidden_size; }
  std::int64_t num_layers() const override { return config_.num_layers; }
  std::int64_t max_length() const override { return config_.max_length; }
  bool needs_texts() const override { return !tokenizer_.has_value(); }
  void fit_texts(const std::vector<std::string>& texts) override;
  mtlab::EncoderOutput forward(const at::Tensor& input_ids, const at::Tensor& token_type_ids,
                               const at::Tensor& attention_mask) override;
  at::Tensor embed(const at::Tensor& input_ids, const at::Tensor& token_type_ids) override;
  at::Tensor run_layers(const at::Tensor& hidden, const at::Tensor& attention_mask, std::int64_t from,
                        std::int64_t to) override;
  at::Tensor pool(const at::Tensor& hidden) override;
  std::vector<std::string> block_names() const override;
  mtlab::NamedTensors block_parameters(const std::string& block) override;
  at::Device device() const override { return device_; }
  std::string architecture_fingerprint() const override;
  void save(const std::filesystem::path& folder) const override;

 private:
  void build(WordTokenizer tokenizer);

  WordCnnConfig config_;
  at::Device device_;
  std::optional<WordTokenizer> tokenizer_;
  torch::nn::Embedding embed_{nullptr};
  std::vector<torch::nn::Conv1d> convs_;
  torch::nn::Linear proj_{nullptr};
};

}  // namespace word_cnn
