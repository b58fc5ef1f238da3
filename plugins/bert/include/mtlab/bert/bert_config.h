#pragma once
// The hyper-parameters of BERT and the encoder families that compute the same
// layers: the fields of Hugging Face's BertConfig (config.json), plus what sets
// RoBERTa, ELECTRA and DistilBERT apart (model_type, embedding_size, no token types).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mtlab {

struct BertConfig {
  std::int64_t vocab_size = 30522;
  std::int64_t hidden_size = 768;
  std::int64_t num_hidden_layers = 12;
  std::int64_t num_attention_heads = 12;
  std::int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";  // gelu (erf) | gelu_new | gelu_pytorch_tanh | gelu_fast | relu
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  std::int64_t max_position_embeddings = 512;
  std::int64_t type_vocab_size = 2;
  double initializer_range = 0.02;
  double layer_norm_eps = 1e-12;
  std::int64_t pad_token_id = 0;
  std::string position_embedding_type = "absolute";
  // bert | roberta (positions after the padding index, one token type) | electra
  // (embeddings embedding_size wide, projected; no pooler) | distilbert (no token
  // types, no pooler, its own config and key names).
  std::string model_type = "bert";
  std::int64_t embedding_size = 0;  // electra: the embeddings' width; 0: hidden_size

  // The families this configuration can be.
  static const std::vector<std::string>& families();
  std::string family_name() const;  // "BERT", "RoBERTa", "ELECTRA", "DistilBERT"
  bool has_pooler() const;
  bool has_token_types() const { return type_vocab_size > 0; }
  std::int64_t embedding_width() const { return embedding_size > 0 ? embedding_size : hidden_size; }

  // Limits validate() enforces before anything is allocated.
  static constexpr std::int64_t kMaxVocabSize = 4194304;      // 2^22 tokens
  static constexpr std::int64_t kMaxParameters = 10000000000;  // 1e10 parameters (37 GiB in float32)

  // Throws mtlab::Error naming the field when a value is impossible
  // (hidden size not divisible by the heads, unknown activation, a size out of
  // range, more than kMaxParameters parameters, …).
  void validate(const std::string& where) const;
  // The BertModel parameter count this configuration implies (pooler included).
  double parameter_count() const;

  // Missing fields keep the family's defaults, as transformers does; `where` names
  // the source. The family is config.json's model_type (bert when absent).
  static BertConfig from_json(const nlohmann::json& json, const std::string& where);
  static BertConfig from_file(const std::filesystem::path& file);
  // A fresh configuration of one family, with its transformers defaults.
  static BertConfig defaults(const std::string& model_type);
  // The family's config.json: its field names, model_type and architectures.
  nlohmann::json to_json() const;
  void save(const std::filesystem::path& file) const;
};

}  // namespace mtlab
