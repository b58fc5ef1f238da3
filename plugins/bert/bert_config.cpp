#include "mtlab/bert/bert_config.h"

#include <fmt/format.h>
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

}  // namespace

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
  in_range("type_vocab_size", type_vocab_size, 1024);
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
  const double embeddings =
      (static_cast<double>(vocab_size) + static_cast<double>(max_position_embeddings) + static_cast<double>(type_vocab_size)) * h + 2 * h;
  const double layer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
  const double pooler = h * h + h;
  return embeddings + static_cast<double>(num_hidden_layers) * layer + pooler;
}

BertConfig BertConfig::from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", where));
  if (j.contains("model_type") && j["model_type"].is_string()) {
    const auto type = j["model_type"].get<std::string>();
    // Architecturally identical BERT variants are fine; anything else would load wrongly.
    if (type != "bert") {
      throw Error(fmt::format("{}: model_type \"{}\" is not a BERT model (expected \"bert\")", where, type));
    }
  }
  BertConfig c;
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
  return json{{"architectures", {"BertModel"}},
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
}

void BertConfig::save(const std::filesystem::path& file) const {
  io::write_file_atomically(file, to_json().dump(2) + "\n");
}

}  // namespace mtlab
