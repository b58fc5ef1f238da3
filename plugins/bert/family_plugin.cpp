// The BERT family's plugin parts (family_plugin.h): one implementation, told its family.
//
// vocab = "build": the backbone reports needs_texts(); the trainer must then call
// Backbone::fit_texts(training texts) before tokenizing, which builds vocab.txt
// (special tokens first, min frequency, max size) and sizes the embeddings.
#include "mtlab/bert/family_plugin.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "mtlab/bert/bert_model.h"
#include "mtlab/core/error.h"
#include "mtlab/io/sentence_transformers.h"
#include "mtlab/text/load_tokenizer.h"
#include "mtlab/text/roberta_tokenizer.h"

namespace mtlab::bert_family {
namespace fs = std::filesystem;
namespace {

BertConfig config_from_init(const Config& init, const plugin::DeclaredKeys& d, const std::string& family) {
  init.reject_unknown(d.names_under("init"));
  BertConfig c = BertConfig::defaults(family);
  c.hidden_size = d.get_int(init, "init.hidden_size");
  c.num_hidden_layers = d.get_int(init, "init.num_layers");
  c.num_attention_heads = d.get_int(init, "init.num_heads");
  c.intermediate_size = d.get_int(init, "init.intermediate_size", 4 * c.hidden_size);
  c.max_position_embeddings = d.get_int(init, "init.max_position_embeddings");
  if (d.declares("init.type_vocab_size")) c.type_vocab_size = d.get_int(init, "init.type_vocab_size");
  if (d.declares("init.embedding_size")) c.embedding_size = d.get_int(init, "init.embedding_size");
  c.hidden_act = d.get_string(init, "init.hidden_act");
  c.hidden_dropout_prob = d.get_double(init, "init.dropout");
  c.attention_probs_dropout_prob = d.get_double(init, "init.attention_dropout", c.hidden_dropout_prob);
  if (d.declares("init.layer_norm_eps")) c.layer_norm_eps = d.get_double(init, "init.layer_norm_eps");
  c.initializer_range = d.get_double(init, "init.initializer_range");
  c.validate(init.where());
  return c;
}

// A new RoBERTa takes its byte-level BPE vocabulary (vocab.json, merges.txt) from a
// folder: a WordPiece vocabulary would save a folder no RoBERTa tokenizer reads.
std::shared_ptr<plugin::PluginObject> new_roberta(BertConfig bert, const std::string& vocab, const Config& config,
                                                  const BertModelOptions& options) {
  if (vocab.empty() || vocab == "build" || !fs::is_directory(vocab)) {
    throw Error(fmt::format("{}: a new RoBERTa needs vocab = a folder with vocab.json and merges.txt (byte-level BPE; "
                            "vocab = \"build\" builds WordPiece only), got {}",
                            config.location("vocab"), vocab.empty() ? "none" : "\"" + vocab + "\""));
  }
  auto tokenizer = std::make_shared<const RobertaTokenizer>(RobertaTokenizer::from_folder(vocab));
  bert.vocab_size = tokenizer->vocab_size();
  bert.pad_token_id = tokenizer->pad_id();
  return std::make_shared<BertModel>(bert, tokenizer, options);
}

}  // namespace

std::shared_ptr<plugin::PluginObject> create(const Config& config, const plugin::DeclaredKeys& keys, const std::string& family) {
  BertModelOptions options;
  options.device = keys.get_string(config, "device");
  options.dtype = keys.get_string(config, "dtype");
  options.max_length = keys.get_int(config, "max_length");

  if (config.has("checkpoint")) {
    if (config.has("init") || config.has("vocab")) {
      throw Error(fmt::format("{}: give either checkpoint or init/vocab, not both", config.location("checkpoint")));
    }
    fs::path folder = config.get_string("checkpoint");
    // A sentence-transformers folder holds its BERT in the Transformer module's folder.
    if (io::is_sentence_transformer_folder(folder)) folder = io::read_sentence_transformer_folder(folder).transformer_folder;
    options.model_type = family;
    return BertModel::from_folder(folder, options);
  }

  auto bert = config_from_init(config.get_table("init"), keys, family);
  const auto vocab = config.get_string("vocab", "");
  if (family == "roberta") return new_roberta(bert, vocab, config, options);
  TokenizerOptions tok;
  tok.do_lower_case = keys.get_bool(config, "do_lower_case");
  tok.model_max_length = bert.max_position_embeddings;
  if (vocab == "build") {
    VocabBuildOptions build;
    build.tokenizer = tok;
    build.min_frequency = keys.get_int(config, "vocab_min_frequency");
    build.max_size = keys.get_int(config, "vocab_max_size");
    return std::make_shared<BertModel>(bert, build, options);
  }
  if (vocab.empty()) {
    throw Error(fmt::format("{}: a from-scratch {} needs vocab = \"build\" or a vocab.txt path (or give checkpoint)",
                            config.where(), family));
  }
  fs::path file = vocab;
  if (fs::is_directory(file)) file /= "vocab.txt";
  BertTokenizer tokenizer(Vocab::load(file), tok);
  bert.vocab_size = static_cast<std::int64_t>(tokenizer.vocab().size());
  bert.pad_token_id = tokenizer.pad_id();
  return std::make_shared<BertModel>(bert, std::move(tokenizer), options);
}

namespace {

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

}  // namespace

// What BertConfig::validate would refuse, said at the key that causes it.
std::vector<plugin::KeyProblem> check(const Config& table, const plugin::DeclaredKeys& keys) {
  if (!from_scratch(table)) return {};
  std::vector<plugin::KeyProblem> problems;
  const Config init = init_of(table);
  const auto h = int_or(init, "hidden_size", keys.default_int("init.hidden_size"));
  const auto a = int_or(init, "num_heads", keys.default_int("init.num_heads"));
  if (h > 0 && a > 0 && h % a != 0) {
    problems.push_back({init.has("num_heads") ? "init.num_heads" : "init.hidden_size",
                        fmt::format("num_heads {} does not divide hidden_size {}", a, h)});
  }
  const auto positions = int_or(init, "max_position_embeddings", keys.default_int("init.max_position_embeddings"));
  const auto length = int_or(table, "max_length", 0);
  if (length > positions) {
    problems.push_back({"max_length", fmt::format("{} exceeds backbone.init.max_position_embeddings {}", length, positions)});
  }
  return problems;
}

std::int64_t num_layers(const Config& table, const plugin::DeclaredKeys& keys) {
  return from_scratch(table) ? int_or(init_of(table), "num_layers", keys.default_int("init.num_layers")) : 0;
}

std::shared_ptr<const Tokenizer> load_tokenizer(const fs::path& folder) { return load_tokenizer_folder(folder); }

}  // namespace mtlab::bert_family
