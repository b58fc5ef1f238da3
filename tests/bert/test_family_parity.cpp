// Parity of the BERT-family encoders with Hugging Face transformers 4.33.3 on
// their tiny fixtures (shared/fixtures/tiny-<family>/reference.json): every case
// and the padded batch within 1e-5, as for BERT, through the family's plugin; and
// a saved folder that holds the fixture's keys and reloads to the same outputs.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "mtlab/bert/bert_model.h"
#include "mtlab/core/json_file.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/model/backbone_folder.h"
#include "mtlab/model/sentence_encoder.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/text/tokenizer.h"
#include "reference.h"

using mtlab::test::max_abs_diff;
using mtlab::test::to_tensor;

namespace {

constexpr double kTol = 1e-5;
const std::vector<std::string> kFamilies = {"distilbert", "electra", "roberta"};

const mtlab::plugin::Registry& registry() {
  static const mtlab::plugin::Registry r = [] {
    mtlab::plugin::Registry reg;
    reg.scan({MTLAB_PLUGIN_DIR});
    return reg;
  }();
  return r;
}

std::shared_ptr<mtlab::Backbone> load(const std::filesystem::path& folder) {
  return mtlab::load_backbone(registry(), folder);  // the plugin config.json's model_type names
}

torch::Tensor types_of(const nlohmann::json& c) {
  return c.contains("token_type_ids") ? mtlab::test::ids_row(c["token_type_ids"]) : torch::Tensor();
}

// Every single, pair and truncation case of the fixture against `model`.
void check_cases(mtlab::Backbone& model, const nlohmann::json& ref) {
  torch::InferenceMode inference;
  for (const auto& c : ref["cases"]) {
    INFO("case " << c["id"].get<std::string>());
    const auto out = model.forward(mtlab::test::ids_row(c["input_ids"]), types_of(c), mtlab::test::ids_row(c["attention_mask"]));
    CHECK(max_abs_diff(out.token_states[0], to_tensor(c["last_hidden_state"])) < kTol);
    const auto mean = mtlab::pool_batch(mtlab::Pooling::mean, out.token_states, out.attention_mask, out.pooled);
    CHECK(max_abs_diff(mean[0], to_tensor(c["mean_pooled"])) < kTol);
    if (c.contains("pooler_output")) CHECK(max_abs_diff(out.pooled[0], to_tensor(c["pooler_output"])) < kTol);
  }
}

}  // namespace

TEST_CASE("each family's plugin reads its fixture and matches every reference case within 1e-5", "[bert][family][parity]") {
  for (const auto& family : kFamilies) {
    INFO(family);
    const auto folder = mtlab::test::fixtures_dir() / ("tiny-" + family);
    REQUIRE(mtlab::backbone_plugin_for(folder, registry()).name == family);
    auto model = load(folder);
    check_cases(*model, mtlab::test::load_reference("tiny-" + family));
  }
}

TEST_CASE("each family's padded batch matches and its tokenizer gives the reference ids", "[bert][family][parity]") {
  for (const auto& family : kFamilies) {
    INFO(family);
    const auto& ref = mtlab::test::load_reference("tiny-" + family);
    auto model = load(mtlab::test::fixtures_dir() / ("tiny-" + family));
    torch::InferenceMode inference;
    const auto& b = ref["batch"];
    const auto mask = to_tensor(b["attention_mask"], torch::kLong);
    const auto types = b.contains("token_type_ids") ? to_tensor(b["token_type_ids"], torch::kLong) : torch::Tensor();
    const auto out = model->forward(to_tensor(b["input_ids"], torch::kLong), types, mask);
    const auto real = mask.to(torch::kBool).unsqueeze(-1).expand_as(out.token_states);
    CHECK(max_abs_diff(out.token_states.masked_select(real), to_tensor(b["last_hidden_state"]).masked_select(real)) < kTol);
    for (const auto& c : ref["cases"]) {
      if (c["kind"] != "single") continue;
      INFO(c["id"].get<std::string>());
      CHECK(model->tokenizer().encode(c["text"].get<std::string>()).input_ids == c["input_ids"].get<std::vector<std::int64_t>>());
    }
  }
}

TEST_CASE("a family without a pooler says so: no pooler block, the first token's state pooled", "[bert][family]") {
  for (const std::string family : {"distilbert", "electra"}) {
    INFO(family);
    auto model = load(mtlab::test::fixtures_dir() / ("tiny-" + family));
    CHECK(model->block_names() == std::vector<std::string>{"embeddings", "layer.0", "layer.1"});
    torch::InferenceMode inference;
    const auto ids = torch::tensor({{101, 7592, 102}}, torch::kLong);
    const auto out = model->forward(ids, torch::Tensor(), torch::ones_like(ids));
    CHECK(torch::equal(out.pooled, out.token_states.select(1, 0)));
    // Every parameter is in exactly one block (ELECTRA's projection in the embeddings block).
    std::size_t in_blocks = 0;
    for (const auto& block : model->block_names()) in_blocks += model->block_parameters(block).size();
    CHECK(in_blocks == model->named_parameters().size());
  }
}

TEST_CASE("a saved family folder has the fixture's keys and config and reloads to the reference", "[bert][family][checkpoint]") {
  for (const auto& family : kFamilies) {
    INFO(family);
    const auto fixture = mtlab::test::fixtures_dir() / ("tiny-" + family);
    const auto& ref = mtlab::test::load_reference("tiny-" + family);
    const auto saved = mtlab::test::scratch_dir("family_save_" + family);
    load(fixture)->save(saved);
    std::vector<std::string> keys;
    const auto file = mtlab::io::SafetensorsFile::open(saved / "model.safetensors");
    for (const auto& t : file.tensors()) keys.push_back(t.name);
    std::sort(keys.begin(), keys.end());
    CHECK(keys == ref["model"]["state_dict_keys"].get<std::vector<std::string>>());
    // config.json: the fixture's fields with the fixture's values (transformers reads it as that family).
    const auto written = mtlab::read_json_file(saved / "config.json");
    const auto original = mtlab::read_json_file(fixture / "config.json");
    for (const auto& [field, value] : written.items()) {
      if (field == "transformers_version" || !original.contains(field)) continue;
      INFO(field);
      CHECK(value == original[field]);
    }
    CHECK(written["model_type"] == family);
    check_cases(*load(saved), ref);
  }
}

TEST_CASE("a family plugin refuses another family's folder, naming the plugin to use", "[bert][family]") {
  auto config = mtlab::Config({{"checkpoint", (mtlab::test::fixtures_dir() / "tiny-electra").string()}}, "test [backbone]");
  CHECK_THROWS_WITH(registry().create_object(mtlab::plugin::Kind::backbone, "distilbert", config),
                    Catch::Matchers::Contains("model_type \"electra\" is not a distilbert folder; its backbone plugin is \"electra\""));
}
