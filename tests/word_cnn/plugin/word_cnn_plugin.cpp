// The `word_cnn` backbone plugin: its own [backbone.init] keys and their check,
// its depth for `layers:K`, its tokenizer for `mtlab tokenize`, and a folder
// format of its own (config.json model_type "word_cnn").
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <mtlab/core/config.h>
#include <mtlab/core/error.h>
#include <mtlab/plugin/descriptor.h>

#include "word_cnn.h"

namespace word_cnn {
namespace {

const mtlab::plugin::KeySpec kKeys[] = {
    {"checkpoint", "string", "", "a folder a run saved (model_type word_cnn); omit to build from [backbone.init]"},
    {"max_length", "int", "64", "longest input in tokens, [CLS] and [SEP] included"},
    {"device", "string", "\"cpu\"", "cpu | cuda | cuda:N"},
    {"init", "table", "", "from scratch: hidden_size, num_layers, kernel_size, vocab_size"},
    {"init.hidden_size", "int", "32", "width of the token states"},
    {"init.num_layers", "int", "2", "convolution layers"},
    {"init.kernel_size", "int", "3", "words each convolution sees (odd, so a word stays centred)"},
    {"init.vocab_size", "int", "2000", "most words the vocabulary built from training text keeps, specials included"},
};

const WordCnnConfig kDefaults;

mtlab::Config init_of(const mtlab::Config& table) {
  const auto& j = table.json();
  return j.contains("init") && j["init"].is_object() ? table.get_table("init") : mtlab::Config();
}

std::int64_t int_or(const mtlab::Config& table, const char* key, std::int64_t fallback) {
  const auto& j = table.json();
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<std::int64_t>() : fallback;
}

std::vector<mtlab::plugin::KeyProblem> check(const mtlab::Config& table) {
  const auto k = int_or(init_of(table), "kernel_size", kDefaults.kernel_size);
  if (k < 1 || k % 2 == 0) return {{"init.kernel_size", fmt::format("{} is not a positive odd width", k)}};
  return {};
}

std::int64_t num_layers(const mtlab::Config& table) {
  const bool saved = table.has("checkpoint") || table.has("from_run");
  return saved ? 0 : int_or(init_of(table), "num_layers", kDefaults.num_layers);
}

std::shared_ptr<const mtlab::Tokenizer> load_tokenizer(const std::filesystem::path& folder) {
  return std::make_shared<const WordTokenizer>(WordTokenizer::load(folder));
}

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  const std::string device = config.get_string("device", "cpu");
  if (config.has("checkpoint")) return WordCnn::from_folder(config.get_string("checkpoint"), device);
  const mtlab::Config init = init_of(config);
  init.reject_unknown({"hidden_size", "num_layers", "kernel_size", "vocab_size"});
  WordCnnConfig c;
  c.hidden_size = init.get_int("hidden_size", kDefaults.hidden_size, 1, 4096);
  c.num_layers = init.get_int("num_layers", kDefaults.num_layers, 1, 64);
  c.kernel_size = init.get_int("kernel_size", kDefaults.kernel_size, 1, 63);
  c.vocab_size = init.get_int("vocab_size", kDefaults.vocab_size, 5);
  const auto length = config.get_int("max_length", 0, 0);  // 0: the default
  c.max_length = length > 0 ? std::max<std::int64_t>(length, 3) : kDefaults.max_length;
  for (const auto& problem : check(config)) {
    throw mtlab::Error(fmt::format("{}: {}", init.location("kernel_size"), problem.message));
  }
  return std::make_shared<WordCnn>(c, device);
}

const mtlab::plugin::BackboneHooks kHooks{check, num_layers, load_tokenizer};

}  // namespace
}  // namespace word_cnn

MTLAB_BACKBONE_PLUGIN("word_cnn", "1.0.0", "Residual word convolutions over a whitespace vocabulary (a test backbone)",
                      word_cnn::kKeys, word_cnn::create, word_cnn::kHooks)
