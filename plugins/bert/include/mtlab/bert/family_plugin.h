#pragma once
// What the backbone plugins of the BERT family (bert, roberta, electra, distilbert)
// share: their keys, their factory and their hooks, each told its family
// (BertConfig's model_type). A family's plugin source is its KeySpec array and
// MTLAB_BERT_FAMILY_PLUGIN.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mtlab/core/config.h"
#include "mtlab/plugin/declared_keys.h"
#include "mtlab/plugin/descriptor.h"

namespace mtlab {
class Tokenizer;
}

namespace mtlab::bert_family {

// A family plugin's factory: a checkpoint folder of that family, or a new model
// from [backbone.init] with a given or built WordPiece vocabulary.
std::shared_ptr<plugin::PluginObject> create(const Config& config, const plugin::DeclaredKeys& keys,
                                             const std::string& family);
// What BertConfig::validate would refuse, said at the key that causes it.
std::vector<plugin::KeyProblem> check(const Config& table, const plugin::DeclaredKeys& keys);
// The depth a from-scratch table builds (0: only a checkpoint knows).
std::int64_t num_layers(const Config& table, const plugin::DeclaredKeys& keys);
// The tokenizer of a folder (its family's: load_tokenizer_folder), without the weights.
std::shared_ptr<const Tokenizer> load_tokenizer(const std::filesystem::path& folder);

}  // namespace mtlab::bert_family

// The keys every family plugin declares, before its [backbone.init] keys.
#define MTLAB_BERT_FAMILY_KEYS(FAMILY)                                                                               \
  {"checkpoint", "string", "", "Hugging Face (or sentence-transformers) " FAMILY " folder to load; omit to build from [backbone.init]"}, \
      {"max_length", "int", "0", "longest input in tokens, specials included (0: the model's limit)", 0, 8192},     \
      {"dtype", "string", "\"float32\"", "storage and compute type", ::mtlab::plugin::kNoMin, ::mtlab::plugin::kNoMax, \
       "float32|float16|bfloat16"},                                                                                   \
      {"device", "string", "\"cpu\"", "cpu | cuda | cuda:N"},                                                         \
      {"vocab", "string", "", "from scratch: a vocab.txt (or a folder with one), or \"build\" to build it from training text"}, \
      {"vocab_min_frequency", "int", "2", "vocab = \"build\": keep words seen at least this often", 1},                \
      {"vocab_max_size", "int", "30522", "vocab = \"build\": at most this many tokens, specials included", 6},         \
      {"do_lower_case", "bool", "true", "from scratch: lower-case and strip accents before WordPiece"},              \
      {"init", "table", "", "from scratch: the architecture (the init.* keys below)"},                               \
      {"init.hidden_size", "int", "256", "width of token states", 1, 16384},                                         \
      {"init.num_layers", "int", "4", "encoder layers", 1, 128},                                                     \
      {"init.num_heads", "int", "4", "attention heads per layer; must divide hidden_size", 1, 256},                  \
      {"init.intermediate_size", "int", "", "width of each layer's feed-forward block (default: 4 x hidden_size)", 1, 65536}, \
      {"init.max_position_embeddings", "int", "512", "positions the model can embed; at least max_length", 1, 65536}, \
      {"init.hidden_act", "string", "\"gelu\"", "activation of the feed-forward blocks", ::mtlab::plugin::kNoMin,     \
       ::mtlab::plugin::kNoMax, "gelu|gelu_new|gelu_pytorch_tanh|gelu_fast|relu"},                                   \
      {"init.dropout", "float", "0.1", "dropout on embeddings and layer outputs", 0, 0.99},                           \
      {"init.attention_dropout", "float", "", "dropout on attention weights (default: init.dropout)", 0, 0.99},       \
      {"init.initializer_range", "float", "0.02", "standard deviation of the normal initialisation", 0, 10}

// Exports the backbone plugin of `FAMILY` (a string literal, BertConfig::model_type)
// with the key array `KEYS`, in the plugin source's mtlab namespace scope.
#define MTLAB_BERT_FAMILY_PLUGIN(FAMILY, VERSION, DESCRIPTION, KEYS)                                            \
  namespace mtlab::bert_family::exported {                                                                  \
  const ::mtlab::plugin::DeclaredKeys kDeclared(KEYS);                                                     \
  std::shared_ptr<::mtlab::plugin::PluginObject> make(const ::mtlab::Config& c) {                          \
    return ::mtlab::bert_family::create(c, kDeclared, FAMILY);                                            \
  }                                                                                                         \
  std::vector<::mtlab::plugin::KeyProblem> check_table(const ::mtlab::Config& t) {                         \
    return ::mtlab::bert_family::check(t, kDeclared);                                                     \
  }                                                                                                         \
  std::int64_t depth(const ::mtlab::Config& t) { return ::mtlab::bert_family::num_layers(t, kDeclared); }  \
  const ::mtlab::plugin::BackboneHooks kHooks{check_table, depth, ::mtlab::bert_family::load_tokenizer};   \
  }                                                                                                         \
  MTLAB_BACKBONE_PLUGIN(FAMILY, VERSION, DESCRIPTION, KEYS, ::mtlab::bert_family::exported::make,           \
                        ::mtlab::bert_family::exported::kHooks)
