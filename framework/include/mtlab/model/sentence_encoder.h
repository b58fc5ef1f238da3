#pragma once
// Sentences in, embeddings out (what SentenceTransformer.encode does): tokenize
// everything up front, sort by length so batches carry little padding, run the
// backbone in inference mode, pool, optionally normalise, and return rows in
// input order.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "mtlab/io/sentence_transformers.h"
#include "mtlab/model/backbone.h"

namespace mtlab {

// pooler = BERT's tanh pooler output; the rest pool token states over the
// attention mask as sentence-transformers does; none keeps every token state.
enum class Pooling { pooler, cls, mean, max, mean_sqrt_len, weightedmean, lasttoken, none };

// Parses pooler|cls|mean|max|mean_sqrt_len|weightedmean|lasttoken|none; throws listing them.
Pooling pooling_from_name(const std::string& name);
std::string pooling_name(Pooling pooling);
// sentence-transformers' modes in its concatenation order (cls, max, mean, mean_sqrt_len, …).
std::vector<Pooling> poolings_of(const io::PoolingModes& modes);

// Pools one batch. token_states [B, T, H], attention_mask [B, T] (1 = real token),
// pooled [B, H] (BERT's pooler output, for Pooling::pooler). Returns [B, H].
at::Tensor pool_batch(Pooling pooling, const at::Tensor& token_states, const at::Tensor& attention_mask,
                      const at::Tensor& pooled);

struct SentenceInput {
  std::string text;
  std::optional<std::string> pair;
};

struct SentenceEncoderOptions {
  std::vector<Pooling> pooling{Pooling::pooler};  // several: concatenated in this order
  bool normalize = false;                          // unit L2 length (not with Pooling::none)
  std::int64_t batch_size = 32;
  std::int64_t max_length = 0;                     // 0: the backbone's max_length()
  bool lowercase = false;                          // sentence-transformers' own do_lower_case
  // Called after each batch with (sentences done, total).
  std::function<void(std::size_t, std::size_t)> progress;
};

// What a model folder asks for: a Hugging Face folder gives the pooler output;
// a sentence-transformers folder gives its Pooling, Normalize and max_seq_length.
struct EncoderFolder {
  std::filesystem::path transformer_folder;
  SentenceEncoderOptions options;
  bool sentence_transformers = false;
};
EncoderFolder read_encoder_folder(const std::filesystem::path& folder);

class SentenceEncoder {
 public:
  SentenceEncoder(std::shared_ptr<Backbone> backbone, SentenceEncoderOptions options);

  // [N, D] float32 on the CPU, row i for inputs[i]. Not for Pooling::none.
  at::Tensor encode(const std::vector<SentenceInput>& inputs) const;
  // Pooling::none: one [T_i, H] tensor of token states per input (special tokens included).
  std::vector<at::Tensor> encode_tokens(const std::vector<SentenceInput>& inputs) const;
  // Token counts (with special tokens) of each input, as the encoder will see them.
  std::vector<std::int64_t> token_counts(const std::vector<SentenceInput>& inputs) const;

  const SentenceEncoderOptions& options() const { return options_; }
  Backbone& backbone() const { return *backbone_; }

 private:
  template <class Sink>
  void run(const std::vector<SentenceInput>& inputs, Sink&& sink) const;

  std::shared_ptr<Backbone> backbone_;
  SentenceEncoderOptions options_;
};

// Cosine similarity of every row with every row: [N, N].
at::Tensor cosine_similarity_matrix(const at::Tensor& embeddings);

}  // namespace mtlab
