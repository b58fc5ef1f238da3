// The `bert` backbone plugin: a Hugging Face BERT checkpoint folder, or a BERT
// built from scratch ([backbone.init]) with a given or built vocabulary.
//
// vocab = "build": the backbone reports needs_texts(); the trainer must then call
// Backbone::fit_texts(training texts) before tokenizing, which builds vocab.txt
// (special tokens first, min frequency, max size) and sizes the embeddings.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/io/sentence_transformers.h"
#include "mtlab/model/bert_model.h"
#include "mtlab/plugin/descriptor.h"

namespace mtlab {
namespace {
namespace fs = std::filesystem;

const plugin::KeySpec kKeys[] = {
    {"checkpoint", "string", "", "Hugging Face (or sentence-transformers) folder to load; omit to build from [backbone.init]"},
    {"max_length", "int", "0", "longest input in tokens, specials included (0: the model's limit)"},
    {"dtype", "string", "\"float32\"", "float32 | float16 | bfloat16"},
    {"device", "string", "\"cpu\"", "cpu | cuda | cuda:N"},
    {"init", "table", "", "from scratch: hidden_size, num_layers, num_heads, intermediate_size, max_position_embeddings, "
                          "type_vocab_size, hidden_act, dropout, attention_dropout, layer_norm_eps, initializer_range"},
    {"vocab", "string", "", "from scratch: a vocab.txt (or a folder with one), or \"build\" to build it from training text"},
    {"vocab_min_frequency", "int", "2", "vocab = \"build\": keep words seen at least this often"},
    {"vocab_max_size", "int", "30522", "vocab = \"build\": at most this many tokens, specials included"},
    {"do_lower_case", "bool", "true", "from scratch: lower-case and strip accents before WordPiece"},
};

// [backbone.init]'s defaults: a small BERT, trainable from scratch on a CPU.
constexpr std::int64_t kHiddenSize = 256, kLayers = 4, kHeads = 4, kPositions = 512;

BertConfig config_from_init(const Config& init) {
  init.reject_unknown({"hidden_size", "num_layers", "num_heads", "intermediate_size", "max_position_embeddings",
                       "type_vocab_size", "hidden_act", "dropout", "attention_dropout", "layer_norm_eps",
                       "initializer_range"});
  BertConfig c;
  c.hidden_size = init.get_int("hidden_size", kHiddenSize, 1);
  c.num_hidden_layers = init.get_int("num_layers", kLayers, 1);
  c.num_attention_heads = init.get_int("num_heads", kHeads, 1);
  c.intermediate_size = init.get_int("intermediate_size", 4 * c.hidden_size, 1);
  c.max_position_embeddings = init.get_int("max_position_embeddings", kPositions, 1);
  c.type_vocab_size = init.get_int("type_vocab_size", 2, 1);
  c.hidden_act = init.get_choice("hidden_act", "gelu", {"gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu"});
  c.hidden_dropout_prob = init.get_double("dropout", 0.1, 0.0, 0.99);
  c.attention_probs_dropout_prob = init.get_double("attention_dropout", c.hidden_dropout_prob, 0.0, 0.99);
  c.layer_norm_eps = init.get_double("layer_norm_eps", 1e-12, 0.0);
  c.initializer_range = init.get_double("initializer_range", 0.02, 0.0);
  c.validate(init.where());
  return c;
}

std::shared_ptr<plugin::PluginObject> create(const Config& config) {
  BertModelOptions options;
  options.device = config.get_string("device", "cpu");
  options.dtype = config.get_choice("dtype", "float32", {"float32", "float16", "bfloat16"});
  options.max_length = config.get_int("max_length", 0, 0);

  if (config.has("checkpoint")) {
    if (config.has("init") || config.has("vocab")) {
      throw Error(fmt::format("{}: give either checkpoint or init/vocab, not both", config.location("checkpoint")));
    }
    fs::path folder = config.get_string("checkpoint");
    // A sentence-transformers folder holds its BERT in the Transformer module's folder.
    if (io::is_sentence_transformer_folder(folder)) folder = io::read_sentence_transformer_folder(folder).transformer_folder;
    return BertModel::from_folder(folder, options);
  }

  auto bert = config_from_init(config.get_table("init"));
  const auto vocab = config.get_string("vocab", "");
  TokenizerOptions tok;
  tok.do_lower_case = config.get_bool("do_lower_case", true);
  tok.model_max_length = bert.max_position_embeddings;
  if (vocab == "build") {
    VocabBuildOptions build;
    build.tokenizer = tok;
    build.min_frequency = config.get_int("vocab_min_frequency", 2, 1);
    build.max_size = config.get_int("vocab_max_size", 30522, 6);
    return std::make_shared<BertModel>(bert, build, options);
  }
  if (vocab.empty()) {
    throw Error(fmt::format("{}: a from-scratch BERT needs vocab = \"build\" or a vocab.txt path (or give checkpoint)",
                            config.where()));
  }
  fs::path file = vocab;
  if (fs::is_directory(file)) file /= "vocab.txt";
  BertTokenizer tokenizer(Vocab::load(file), tok);
  bert.vocab_size = static_cast<std::int64_t>(tokenizer.vocab().size());
  bert.pad_token_id = tokenizer.pad_id();
  return std::make_shared<BertModel>(bert, std::move(tokenizer), options);
}

// An integer the table sets, or the fallback (a wrong type is the validator's to report).
std::int64_t int_or(const Config& table, const std::string& key, std::int64_t fallback) {
  const auto& j = table.json();
  const auto v = j.is_object() ? j.find(key) : j.end();
  return v != j.end() && v->is_number_integer() ? v->get<std::int64_t>() : fallback;
}

bool from_scratch(const Config& table) { return !table.has("checkpoint") && !table.has("from_run"); }

Config init_of(const Config& table) {
  const auto& j = table.json();
  const auto init = j.is_object() ? j.find("init") : j.end();
  return init != j.end() && init->is_object() ? table.get_table("init") : Config();
}

// What BertConfig::validate would refuse, said at the key that causes it.
std::vector<plugin::KeyProblem> check(const Config& table) {
  if (!from_scratch(table)) return {};
  std::vector<plugin::KeyProblem> problems;
  const Config init = init_of(table);
  const auto h = int_or(init, "hidden_size", kHiddenSize), a = int_or(init, "num_heads", kHeads);
  if (h > 0 && a > 0 && h % a != 0) {
    problems.push_back({init.has("num_heads") ? "init.num_heads" : "init.hidden_size",
                        fmt::format("num_heads {} does not divide hidden_size {}", a, h)});
  }
  const auto positions = int_or(init, "max_position_embeddings", kPositions);
  const auto length = int_or(table, "max_length", 0);
  if (length > positions) {
    problems.push_back({"max_length", fmt::format("{} exceeds backbone.init.max_position_embeddings {}", length, positions)});
  }
  return problems;
}

std::int64_t num_layers(const Config& table) {
  return from_scratch(table) ? int_or(init_of(table), "num_layers", kLayers) : 0;
}

std::shared_ptr<const Tokenizer> load_tokenizer(const fs::path& folder) {
  return std::make_shared<const BertTokenizer>(BertTokenizer::from_folder(folder));
}

const plugin::BackboneHooks kHooks{check, num_layers, load_tokenizer};

}  // namespace
}  // namespace mtlab

MTLAB_BACKBONE_PLUGIN("bert", "0.1.0", "BERT encoder (Hugging Face BertModel), from a checkpoint folder or from scratch",
                      mtlab::kKeys, mtlab::create, mtlab::kHooks)
