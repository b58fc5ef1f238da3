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
#include "mtlab/bert/bert_model.h"
#include "mtlab/plugin/declared_keys.h"
#include "mtlab/plugin/descriptor.h"

namespace mtlab {
namespace {
namespace fs = std::filesystem;

// Every key, with its default, range and choices: the spec validator checks
// them (file:line:col) and create() reads the same defaults and bounds.
const plugin::KeySpec kKeys[] = {
    {"checkpoint", "string", "", "Hugging Face (or sentence-transformers) folder to load; omit to build from [backbone.init]"},
    {"max_length", "int", "0", "longest input in tokens, specials included (0: the model's limit)", 0, 8192},
    {"dtype", "string", "\"float32\"", "storage and compute type", plugin::kNoMin, plugin::kNoMax,
     "float32|float16|bfloat16"},
    {"device", "string", "\"cpu\"", "cpu | cuda | cuda:N"},
    {"init", "table", "", "from scratch: the architecture (the init.* keys below)"},
    {"init.hidden_size", "int", "256", "width of token states", 1, 16384},
    {"init.num_layers", "int", "4", "encoder layers", 1, 128},
    {"init.num_heads", "int", "4", "attention heads per layer; must divide hidden_size", 1, 256},
    {"init.intermediate_size", "int", "", "width of each layer's feed-forward block (default: 4 x hidden_size)", 1, 65536},
    {"init.max_position_embeddings", "int", "512", "positions the model can embed; at least max_length", 1, 65536},
    {"init.type_vocab_size", "int", "2", "segment (token type) ids", 1, 16},
    {"init.hidden_act", "string", "\"gelu\"", "activation of the feed-forward blocks", plugin::kNoMin, plugin::kNoMax,
     "gelu|gelu_new|gelu_pytorch_tanh|gelu_fast|relu"},
    {"init.dropout", "float", "0.1", "dropout on embeddings and layer outputs", 0, 0.99},
    {"init.attention_dropout", "float", "", "dropout on attention weights (default: init.dropout)", 0, 0.99},
    {"init.layer_norm_eps", "float", "1e-12", "LayerNorm epsilon", 0, 1},
    {"init.initializer_range", "float", "0.02", "standard deviation of the normal initialisation", 0, 10},
    {"vocab", "string", "", "from scratch: a vocab.txt (or a folder with one), or \"build\" to build it from training text"},
    {"vocab_min_frequency", "int", "2", "vocab = \"build\": keep words seen at least this often", 1},
    {"vocab_max_size", "int", "30522", "vocab = \"build\": at most this many tokens, specials included", 6},
    {"do_lower_case", "bool", "true", "from scratch: lower-case and strip accents before WordPiece"},
};

const plugin::DeclaredKeys kDeclared(kKeys);

BertConfig config_from_init(const Config& init) {
  init.reject_unknown(kDeclared.names_under("init"));
  const auto& d = kDeclared;
  BertConfig c;
  c.hidden_size = d.get_int(init, "init.hidden_size");
  c.num_hidden_layers = d.get_int(init, "init.num_layers");
  c.num_attention_heads = d.get_int(init, "init.num_heads");
  c.intermediate_size = d.get_int(init, "init.intermediate_size", 4 * c.hidden_size);
  c.max_position_embeddings = d.get_int(init, "init.max_position_embeddings");
  c.type_vocab_size = d.get_int(init, "init.type_vocab_size");
  c.hidden_act = d.get_string(init, "init.hidden_act");
  c.hidden_dropout_prob = d.get_double(init, "init.dropout");
  c.attention_probs_dropout_prob = d.get_double(init, "init.attention_dropout", c.hidden_dropout_prob);
  c.layer_norm_eps = d.get_double(init, "init.layer_norm_eps");
  c.initializer_range = d.get_double(init, "init.initializer_range");
  c.validate(init.where());
  return c;
}

std::shared_ptr<plugin::PluginObject> create(const Config& config) {
  BertModelOptions options;
  options.device = kDeclared.get_string(config, "device");
  options.dtype = kDeclared.get_string(config, "dtype");
  options.max_length = kDeclared.get_int(config, "max_length");

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
  tok.do_lower_case = kDeclared.get_bool(config, "do_lower_case");
  tok.model_max_length = bert.max_position_embeddings;
  if (vocab == "build") {
    VocabBuildOptions build;
    build.tokenizer = tok;
    build.min_frequency = kDeclared.get_int(config, "vocab_min_frequency");
    build.max_size = kDeclared.get_int(config, "vocab_max_size");
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
  const auto h = int_or(init, "hidden_size", kDeclared.default_int("init.hidden_size"));
  const auto a = int_or(init, "num_heads", kDeclared.default_int("init.num_heads"));
  if (h > 0 && a > 0 && h % a != 0) {
    problems.push_back({init.has("num_heads") ? "init.num_heads" : "init.hidden_size",
                        fmt::format("num_heads {} does not divide hidden_size {}", a, h)});
  }
  const auto positions = int_or(init, "max_position_embeddings", kDeclared.default_int("init.max_position_embeddings"));
  const auto length = int_or(table, "max_length", 0);
  if (length > positions) {
    problems.push_back({"max_length", fmt::format("{} exceeds backbone.init.max_position_embeddings {}", length, positions)});
  }
  return problems;
}

std::int64_t num_layers(const Config& table) {
  return from_scratch(table) ? int_or(init_of(table), "num_layers", kDeclared.default_int("init.num_layers")) : 0;
}

std::shared_ptr<const Tokenizer> load_tokenizer(const fs::path& folder) {
  return std::make_shared<const BertTokenizer>(BertTokenizer::from_folder(folder));
}

const plugin::BackboneHooks kHooks{check, num_layers, load_tokenizer};

}  // namespace
}  // namespace mtlab

MTLAB_BACKBONE_PLUGIN("bert", "0.1.0", "BERT encoder (Hugging Face BertModel), from a checkpoint folder or from scratch",
                      mtlab::kKeys, mtlab::create, mtlab::kHooks)
