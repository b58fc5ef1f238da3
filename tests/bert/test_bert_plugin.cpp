// The bert plugin as the runner uses it: loaded from the built .so through the registry.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/model/backbone.h"
#include "mtlab/model/backbone_folder.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/text/bert_tokenizer.h"
#include "reference.h"

using Catch::Matchers::Contains;
using mtlab::plugin::Kind;

namespace {

mtlab::plugin::Registry& registry() {
  static mtlab::plugin::Registry r = [] {
    mtlab::plugin::Registry reg;
    reg.load(mtlab::test::plugin_dir() / "mtlab_bert.so");
    return reg;
  }();
  return r;
}

std::shared_ptr<mtlab::Backbone> make(const nlohmann::json& table) {
  return registry().create<mtlab::Backbone>(Kind::backbone, "bert", mtlab::Config(table, "test [backbone]"));
}

}  // namespace

TEST_CASE("the bert plugin loads a checkpoint and matches Hugging Face", "[bert][plugin]") {
  const auto& info = registry().find(Kind::backbone, "bert");
  CHECK(info.kind == Kind::backbone);
  const auto keys = info.key_names();
  for (const char* key : {"checkpoint", "max_length", "device", "init", "vocab", "vocab_min_frequency"}) {
    CHECK(std::find(keys.begin(), keys.end(), key) != keys.end());
  }
  auto bert = make({{"checkpoint", (mtlab::test::fixtures_dir() / "tiny-bert").string()}, {"max_length", 32}});
  CHECK(bert->hidden_size() == 64);
  CHECK(bert->num_layers() == 2);
  CHECK(bert->max_length() == 32);
  CHECK(bert->device().is_cpu());
  const auto& c = mtlab::test::load_reference("tiny-bert")["cases"][1];
  const auto e = bert->tokenizer().encode(c["text"].get<std::string>());
  CHECK(e.input_ids == c["input_ids"].get<std::vector<std::int64_t>>());
  bert->eval();
  torch::InferenceMode inference;
  const auto out = bert->forward(torch::tensor(e.input_ids).unsqueeze(0), torch::tensor(e.token_type_ids).unsqueeze(0),
                                 torch::tensor(e.attention_mask).unsqueeze(0));
  CHECK(mtlab::test::max_abs_diff(out.pooled[0], mtlab::test::to_tensor(c["pooler_output"])) < 1e-5);
}

TEST_CASE("the bert plugin builds a backbone from [backbone.init]", "[bert][plugin]") {
  auto bert = make({{"init", {{"hidden_size", 32}, {"num_layers", 3}, {"num_heads", 4}, {"max_position_embeddings", 40}}},
                    {"vocab", (mtlab::test::fixtures_dir() / "tiny-bert").string()}});
  CHECK(bert->hidden_size() == 32);
  CHECK(bert->num_layers() == 3);
  CHECK(bert->max_length() == 40);
  CHECK(bert->block_names().size() == 5);
  CHECK(bert->tokenizer().vocab_size() == 30522);

  auto built = make({{"init", {{"hidden_size", 32}, {"num_layers", 1}, {"num_heads", 2}}}, {"vocab", "build"},
                     {"vocab_min_frequency", 1}});
  CHECK(built->needs_texts());
  built->fit_texts({"alpha beta gamma", "beta gamma delta"});
  CHECK(built->tokenizer().encode("alpha delta").input_ids.size() == 4);
}

TEST_CASE("the bert plugin rejects bad settings with the key named", "[bert][plugin]") {
  CHECK_THROWS_WITH(make({{"init", {{"hidden_size", 30}, {"num_heads", 4}}}, {"vocab", "build"}}),
                    Contains("not a multiple of num_attention_heads"));
  CHECK_THROWS_WITH(make({{"init", {{"hiden_size", 32}}}, {"vocab", "build"}}), Contains("hidden_size"));
  CHECK_THROWS_WITH(make({{"init", {{"hidden_size", 32}}}}), Contains("vocab"));
  CHECK_THROWS_WITH(make({{"checkpoint", "/nonexistent/folder"}}), Contains("/nonexistent/folder"));
}

TEST_CASE("the bert plugin's hooks: its checks, its depth, its tokenizer alone", "[bert][plugin]") {
  const auto& info = registry().find(Kind::backbone, "bert");
  REQUIRE(info.backbone != nullptr);
  auto table = [](const nlohmann::json& j) { return mtlab::Config(j, "test [backbone]"); };
  auto problems = info.backbone->check(table({{"init", {{"hidden_size", 100}, {"num_heads", 3}}}, {"max_length", 600}}));
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].key == "init.num_heads");
  CHECK(problems[0].message == "num_heads 3 does not divide hidden_size 100");
  CHECK(problems[1].key == "max_length");
  CHECK(problems[1].message == "600 exceeds backbone.init.max_position_embeddings 512");
  CHECK(info.backbone->check(table({{"init", {{"hidden_size", 102}}}}))[0].key == "init.hidden_size");  // 4 heads
  CHECK(info.backbone->check(table({{"checkpoint", "x"}, {"init", {{"num_heads", 3}}}})).empty());
  CHECK(info.backbone->num_layers(table(nlohmann::json::object())) == 4);  // the from-scratch default
  CHECK(info.backbone->num_layers(table({{"init", {{"num_layers", 7}}}})) == 7);
  CHECK(info.backbone->num_layers(table({{"checkpoint", "x"}})) == 0);     // only the checkpoint knows

  // The tokenizer alone is the backbone's tokenizer.
  const auto folder = mtlab::test::fixtures_dir() / "tiny-bert";
  const auto tokenizer = info.backbone->load_tokenizer(folder);
  auto bert = make({{"checkpoint", folder.string()}});
  CHECK(tokenizer->encode("Hello, world!").input_ids == bert->tokenizer().encode("Hello, world!").input_ids);
}

TEST_CASE("a model folder's config.json model_type picks its backbone plugin", "[bert][plugin]") {
  const auto& plugin = mtlab::backbone_plugin_for(mtlab::test::fixtures_dir() / "tiny-bert", registry());
  CHECK(plugin.name == "bert");
  auto bert = mtlab::load_backbone(registry(), mtlab::test::fixtures_dir() / "tiny-bert");
  CHECK(bert->architecture_fingerprint().rfind("bert {", 0) == 0);
  CHECK_THROWS_WITH(mtlab::backbone_plugin_for(mtlab::test::fixtures_dir() / "tiny-roberta", registry()),
                    Contains("tiny-roberta/config.json: model_type \"roberta\" has no backbone plugin; supported model "
                             "types: bert"));
}
