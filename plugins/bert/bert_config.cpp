#include "mtlab/bert/bert_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "mtlab/core/error.h"
#include "mtlab/io/safetensors.h"

namespace mtlab {
using nlohmann::json;

namespace {

template <class T>
void read_field(const json& j, const char* key, T& out, const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return;
  try {
    out = j[key].get<T>();
  } catch (const json::exception&) {
    throw Error(fmt::format("{}: field \"{}\" = {} has the wrong type", where, key, j[key].dump()));
  }
}

// DistilBERT's config.json names: (its field, ours).
void read_distilbert(const json& j, BertConfig& c, const std::string& where) {
  read_field(j, "vocab_size", c.vocab_size, where);
  read_field(j, "dim", c.hidden_size, where);
  read_field(j, "n_layers", c.num_hidden_layers, where);
  read_field(j, "n_heads", c.num_attention_heads, where);
  read_field(j, "hidden_dim", c.intermediate_size, where);
  read_field(j, "activation", c.hidden_act, where);
  read_field(j, "dropout", c.hidden_dropout_prob, where);
  read_field(j, "attention_dropout", c.attention_probs_dropout_prob, where);
  read_field(j, "max_position_embeddings", c.max_position_embeddings, where);
  read_field(j, "initializer_range", c.initializer_range, where);
  read_field(j, "pad_token_id", c.pad_token_id, where);
  bool sinusoidal = false;
  read_field(j, "sinusoidal_pos_embds", sinusoidal, where);
  if (sinusoidal) throw Error(fmt::format("{}: sinusoidal_pos_embds = true is not supported (learned positions only)", where));
}

void read_bert(const json& j, BertConfig& c, const std::string& where) {
  read_field(j, "vocab_size", c.vocab_size, where);
  read_field(j, "hidden_size", c.hidden_size, where);
  read_field(j, "num_hidden_layers", c.num_hidden_layers, where);
  read_field(j, "num_attention_heads", c.num_attention_heads, where);
  read_field(j, "intermediate_size", c.intermediate_size, where);
  read_field(j, "hidden_act", c.hidden_act, where);
  read_field(j, "hidden_dropout_prob", c.hidden_dropout_prob, where);
  read_field(j, "attention_probs_dropout_prob", c.attention_probs_dropout_prob, where);
  read_field(j, "max_position_embeddings", c.max_position_embeddings, where);
  read_field(j, "type_vocab_size", c.type_vocab_size, where);
  read_field(j, "initializer_range", c.initializer_range, where);
  read_field(j, "layer_norm_eps", c.layer_norm_eps, where);
  read_field(j, "pad_token_id", c.pad_token_id, where);
  read_field(j, "position_embedding_type", c.position_embedding_type, where);
  if (c.model_type == "electra") read_field(j, "embedding_size", c.embedding_size, where);
}

}  // namespace

namespace {

// The families: model_type, the name messages use, whether the model has a pooler.
struct Family {
  const char* type;
  const char* name;
  bool pooler;
};
constexpr Family kFamilies[] = {
    {"bert", "BERT", true}, {"roberta", "RoBERTa", true}, {"electra", "ELECTRA", false}, {"distilbert", "DistilBERT", false}};

const Family* find_family(const std::string& type) {
  for (const auto& f : kFamilies) {
    if (type == f.type) return &f;
  }
  return nullptr;
}

// A model_type that is none of the families, named with them.
Error not_a_family(const std::string& where, const std::string& type) {
  return Error(fmt::format("{}: model_type \"{}\" is not a BERT-family encoder (expected one of {})", where, type,
                           fmt::join(BertConfig::families(), ", ")));
}

}  // namespace

const std::vector<std::string>& BertConfig::families() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& f : kFamilies) out.emplace_back(f.type);
    return out;
  }();
  return names;
}

std::string BertConfig::family_name() const {
  const auto* f = find_family(model_type);
  return f ? f->name : model_type;
}

bool BertConfig::has_pooler() const {
  const auto* f = find_family(model_type);
  return f && f->pooler;
}

BertConfig BertConfig::defaults(const std::string& model_type) {
  BertConfig c;
  c.model_type = model_type;
  if (model_type == "roberta") {  // RobertaConfig
    c.vocab_size = 50265;
    c.max_position_embeddings = 514;
    c.type_vocab_size = 1;
    c.layer_norm_eps = 1e-5;
    c.pad_token_id = 1;
  } else if (model_type == "electra") {  // ElectraConfig (the small discriminator's shape)
    c.embedding_size = 128;
    c.hidden_size = 256;
    c.num_attention_heads = 4;
    c.intermediate_size = 1024;
  } else if (model_type == "distilbert") {  // DistilBertConfig
    c.num_hidden_layers = 6;
    c.type_vocab_size = 0;
  } else if (model_type != "bert") {
    throw not_a_family("BertConfig::defaults", model_type);
  }
  return c;
}

void BertConfig::validate(const std::string& where) const {
  // Upper bounds, so that a hostile or mistyped config.json is refused before any
  // tensor is allocated (the spec's [backbone.init] ranges are the same or tighter).
  auto in_range = [&](const char* name, std::int64_t v, std::int64_t max) {
    if (v <= 0) throw Error(fmt::format("{}: {} must be positive, got {}", where, name, v));
    if (v > max) {
      throw Error(fmt::format("{}: {} {} is out of range, expected an integer in [1, {}]", where, name, v, max));
    }
  };
  in_range("vocab_size", vocab_size, kMaxVocabSize);
  in_range("hidden_size", hidden_size, 16384);
  in_range("num_hidden_layers", num_hidden_layers, 128);
  in_range("num_attention_heads", num_attention_heads, 256);
  in_range("intermediate_size", intermediate_size, 65536);
  in_range("max_position_embeddings", max_position_embeddings, 65536);
  if (model_type == "distilbert") {
    if (type_vocab_size != 0) throw Error(fmt::format("{}: distilbert has no token types (type_vocab_size 0)", where));
  } else {
    in_range("type_vocab_size", type_vocab_size, 1024);
  }
  if (model_type == "electra") {
    in_range("embedding_size", embedding_size, 16384);
  } else if (embedding_size != 0) {
    throw Error(fmt::format("{}: embedding_size is an electra field", where));
  }
  // Each field in range can still multiply to an absurd model: bound the total.
  const double parameters = parameter_count();
  if (parameters > static_cast<double>(kMaxParameters)) {
    throw Error(fmt::format("{}: this configuration has {:.3g} parameters ({:.0f} GiB in float32), more than the limit "
                            "of {:.0e}; check hidden_size, num_hidden_layers, intermediate_size and vocab_size",
                            where, parameters, parameters * 4 / (1024.0 * 1024 * 1024), static_cast<double>(kMaxParameters)));
  }
  if (hidden_size % num_attention_heads != 0) {
    throw Error(fmt::format("{}: hidden_size {} is not a multiple of num_attention_heads {}", where, hidden_size,
                            num_attention_heads));
  }
  static const char* acts[] = {"gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu"};
  if (std::find(std::begin(acts), std::end(acts), hidden_act) == std::end(acts)) {
    throw Error(fmt::format("{}: hidden_act \"{}\" is not supported; expected one of gelu, gelu_new, "
                            "gelu_pytorch_tanh, gelu_fast, relu",
                            where, hidden_act));
  }
  if (position_embedding_type != "absolute") {
    throw Error(fmt::format("{}: position_embedding_type \"{}\" is not supported; only \"absolute\"", where,
                            position_embedding_type));
  }
  if (!(layer_norm_eps > 0)) throw Error(fmt::format("{}: layer_norm_eps must be positive", where));
  if (pad_token_id < 0 || pad_token_id >= vocab_size) {
    throw Error(fmt::format("{}: pad_token_id {} is outside the vocabulary (size {})", where, pad_token_id, vocab_size));
  }
  for (double p : {hidden_dropout_prob, attention_probs_dropout_prob}) {
    if (p < 0 || p >= 1) throw Error(fmt::format("{}: dropout probabilities must lie in [0, 1), got {}", where, p));
  }
}

double BertConfig::parameter_count() const {
  const double h = static_cast<double>(hidden_size), i = static_cast<double>(intermediate_size);
  const double e = static_cast<double>(embedding_width());
  const double tables = static_cast<double>(vocab_size) + static_cast<double>(max_position_embeddings) +
                        static_cast<double>(type_vocab_size);
  const double projection = e != h ? e * h + h : 0;
  const double embeddings = tables * e + 2 * e + projection;
  const double layer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
  const double pooler = has_pooler() ? h * h + h : 0;
  return embeddings + static_cast<double>(num_hidden_layers) * layer + pooler;
}

BertConfig BertConfig::from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", where));
  std::string type = "bert";
  if (j.contains("model_type") && j["model_type"].is_string()) type = j["model_type"].get<std::string>();
  // Architecturally different encoders would load wrongly: refuse them by name.
  if (!find_family(type)) throw not_a_family(where, type);
  BertConfig c = defaults(type);
  if (type == "distilbert") {
    read_distilbert(j, c, where);
  } else {
    read_bert(j, c, where);
  }
  c.validate(where);
  return c;
}

BertConfig BertConfig::from_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(fmt::format("{}: cannot open (a Hugging Face folder needs config.json)", file.string()));
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON ({})", file.string(), e.what()));
  }
  return from_json(j, file.string());
}

json BertConfig::to_json() const {
  if (model_type == "distilbert") {
    return json{{"activation", hidden_act},
                {"architectures", {"DistilBertModel"}},
                {"attention_dropout", attention_probs_dropout_prob},
                {"dim", hidden_size},
                {"dropout", hidden_dropout_prob},
                {"hidden_dim", intermediate_size},
                {"initializer_range", initializer_range},
                {"max_position_embeddings", max_position_embeddings},
                {"model_type", "distilbert"},
                {"n_heads", num_attention_heads},
                {"n_layers", num_hidden_layers},
                {"pad_token_id", pad_token_id},
                {"qa_dropout", 0.1},
                {"seq_classif_dropout", 0.2},
                {"sinusoidal_pos_embds", false},
                {"torch_dtype", "float32"},
                {"vocab_size", vocab_size}};
  }
  json j{{"architectures", {"BertModel"}},
         {"attention_probs_dropout_prob", attention_probs_dropout_prob},
         {"classifier_dropout", nullptr},
         {"hidden_act", hidden_act},
         {"hidden_dropout_prob", hidden_dropout_prob},
         {"hidden_size", hidden_size},
         {"initializer_range", initializer_range},
         {"intermediate_size", intermediate_size},
         {"layer_norm_eps", layer_norm_eps},
         {"max_position_embeddings", max_position_embeddings},
         {"model_type", "bert"},
         {"num_attention_heads", num_attention_heads},
         {"num_hidden_layers", num_hidden_layers},
         {"pad_token_id", pad_token_id},
         {"position_embedding_type", position_embedding_type},
         {"torch_dtype", "float32"},
         {"type_vocab_size", type_vocab_size},
         {"use_cache", true},
         {"vocab_size", vocab_size}};
  if (model_type == "roberta") {
    j["architectures"] = {"RobertaModel"};
    j["model_type"] = "roberta";
    j["bos_token_id"] = 0;
    j["eos_token_id"] = 2;
  } else if (model_type == "electra") {
    j["architectures"] = {"ElectraModel"};
    j["model_type"] = "electra";
    j["embedding_size"] = embedding_width();
  }
  return j;
}

void BertConfig::save(const std::filesystem::path& file) const {
  io::write_file_atomically(file, to_json().dump(2) + "\n");
}

}  // namespace mtlab
