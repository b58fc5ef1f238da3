// The word_cnn test backbone through the plugin registry alone: the generic
// interfaces (Tokenizer, Backbone, BlockLayout, BackboneHooks) are all a caller needs.
#include <ATen/ATen.h>
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "mtlab/core/config.h"
#include "mtlab/model/backbone.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/text/bert_tokenizer.h"
#include "mtlab/text/tokenizer.h"

using mtlab::Backbone;
using mtlab::Config;
using mtlab::plugin::Kind;
using mtlab::plugin::Registry;

namespace {

const mtlab::plugin::PluginInfo& load(Registry& registry) {
  return registry.load(std::filesystem::path(WORD_CNN_PLUGIN_DIR) / "mtlab_word_cnn.so");
}

std::shared_ptr<Backbone> make(Registry& registry) {
  load(registry);
  const nlohmann::json table{{"init", {{"hidden_size", 8}, {"num_layers", 2}, {"kernel_size", 3}, {"vocab_size", 50}}}};
  return registry.create<Backbone>(Kind::backbone, "word_cnn", Config(table, "test"));
}

}  // namespace

TEST_CASE("word_cnn: its tokenizer is reached through the Tokenizer interface", "[word_cnn]") {
  Registry registry;
  auto backbone = make(registry);
  REQUIRE(backbone->needs_texts());
  backbone->fit_texts({"show flights to Boston", "flights from denver to boston"});
  const mtlab::Tokenizer& tok = backbone->tokenizer();
  CHECK(dynamic_cast<const mtlab::BertTokenizer*>(&tok) == nullptr);
  CHECK(tok.vocab_size() == 4 + 6);  // [PAD] [UNK] [CLS] [SEP] + six distinct lower-cased words
  const auto e = tok.encode_words({"Flights", "to", "Paris"});
  CHECK(e.tokens == std::vector<std::string>{"[CLS]", "flights", "to", "[UNK]", "[SEP]"});
  CHECK(e.word_ids == std::vector<std::int64_t>{-1, 0, 1, 2, -1});
  std::vector<mtlab::Encoding> batch{e, tok.encode("boston")};
  tok.pad(batch);
  CHECK(batch[1].input_ids.size() == 5);
  CHECK(batch[1].attention_mask == std::vector<std::int64_t>{1, 1, 1, 0, 0});
  CHECK(batch[1].input_ids.back() == tok.pad_id());
}

TEST_CASE("word_cnn: blocks have its own names, and padding does not change a row", "[word_cnn]") {
  Registry registry;
  auto backbone = make(registry);
  backbone->fit_texts({"a b c d e f"});
  const auto blocks = backbone->block_layout();
  CHECK(blocks.input() == "embed");
  CHECK(blocks.layers() == std::vector<std::string>{"conv0", "conv1"});
  CHECK(blocks.top() == std::vector<std::string>{"proj"});
  CHECK(blocks.prefix(1) == std::vector<std::string>{"embed", "conv0"});
  CHECK(backbone->block_parameters("conv1").size() == 2);  // weight, bias

  // The frozen-prefix cache computes rows unpadded: they must equal padded rows.
  backbone->eval();
  const auto ids = at::tensor(std::vector<std::int64_t>{2, 4, 5, 6, 3}, at::kLong).view({1, 5});
  const auto padded = at::cat({ids, at::zeros({1, 3}, at::kLong)}, 1);
  const auto mask = at::cat({at::ones({1, 5}, at::kLong), at::zeros({1, 3}, at::kLong)}, 1);
  const auto alone = backbone->run_layers(backbone->embed(ids, at::zeros_like(ids)), at::ones_like(ids), 0, 2);
  const auto in_batch = backbone->run_layers(backbone->embed(padded, at::zeros_like(padded)), mask, 0, 2);
  CHECK(at::equal(alone, in_batch.narrow(1, 0, 5)));
  CHECK(backbone->architecture_fingerprint().rfind("word_cnn ", 0) == 0);
}

TEST_CASE("word_cnn: its hooks check its own table and report its depth", "[word_cnn]") {
  Registry registry;
  const auto& info = load(registry);
  REQUIRE(info.backbone != nullptr);
  const Config even(nlohmann::json{{"init", {{"kernel_size", 4}}}}, "test");
  const auto problems = info.backbone->check(even);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].key == "init.kernel_size");
  CHECK(problems[0].message == "4 is not a positive odd width");
  CHECK(info.backbone->check(Config(nlohmann::json{{"init", {{"kernel_size", 5}}}}, "test")).empty());
  CHECK(info.backbone->num_layers(Config(nlohmann::json{{"init", {{"num_layers", 5}}}}, "test")) == 5);
  CHECK(info.backbone->num_layers(Config(nlohmann::json::object(), "test")) == 2);
  CHECK(info.backbone->num_layers(Config(nlohmann::json{{"checkpoint", "x"}}, "test")) == 0);
  CHECK_FALSE(info.declares("vocab"));  // so the runner must not add vocab = "build"
}
