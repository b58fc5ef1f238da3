// Parity of the BERT-family encoders with Hugging Face transformers 4.33.3 on
// their tiny fixtures (shared/fixtures/tiny-<family>/reference.json): every case
// and the padded batch within 1e-5, as for BERT, through the family's plugin; and
// a saved folder that holds the fixture's keys and reloads to the same outputs.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
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

TEST_CASE("each family builds from [backbone.init] with a built vocabulary and saves a folder it reloads", "[bert][family][scratch]") {
  const std::vector<std::string> texts = {"book a flight to boston", "play some jazz music", "what is the weather"};
  for (const std::string family : {"bert", "distilbert", "electra", "roberta"}) {
    INFO(family);
    torch::manual_seed(0);
    nlohmann::json init = {{"hidden_size", 32}, {"num_layers", 2}, {"num_heads", 2}, {"max_position_embeddings", 64}};
    if (family == "electra") init["embedding_size"] = 16;
    // RoBERTa's vocabulary is byte-level BPE from a folder (roberta-base's, in the fixture); the others build WordPiece.
    const nlohmann::json vocab = family == "roberta" ? nlohmann::json((mtlab::test::fixtures_dir() / "tiny-roberta").string())
                                                     : nlohmann::json("build");
    auto model = registry().create<mtlab::Backbone>(
        mtlab::plugin::Kind::backbone, family,
        mtlab::Config({{"init", init}, {"vocab", vocab}, {"vocab_min_frequency", 1}}, "test [backbone]"));
    REQUIRE(model->needs_texts() == (family != "roberta"));
    model->fit_texts(texts);
    model->eval();
    const auto e = model->tokenizer().encode(texts[0]);
    const auto ids = torch::tensor(e.input_ids, torch::kLong).unsqueeze(0);
    torch::InferenceMode inference;
    const auto out = model->forward(ids, torch::Tensor(), torch::ones_like(ids));
    CHECK(out.token_states.sizes() == torch::IntArrayRef({1, ids.size(1), 32}));
    const auto saved = mtlab::test::scratch_dir("family_scratch_" + family);
    model->save(saved);
    CHECK(mtlab::read_json_file(saved / "config.json")["model_type"] == family);
    const auto back = load(saved)->forward(ids, torch::Tensor(), torch::ones_like(ids));
    CHECK(max_abs_diff(back.token_states, out.token_states) < 1e-6);
  }
}

TEST_CASE("a sentence-transformers folder whose module 0 is ELECTRA or RoBERTa encodes as its mean pooling", "[bert][family][st]") {
  for (const std::string family : {"electra", "roberta"}) {
    INFO(family);
    const auto fixture = mtlab::test::fixtures_dir() / ("tiny-" + family);
    const auto st = mtlab::test::scratch_dir("family_st_" + family);
    for (const auto& f : std::filesystem::directory_iterator(fixture)) {
      std::filesystem::copy_file(f.path(), st / f.path().filename(), std::filesystem::copy_options::overwrite_existing);
    }
    std::ofstream(st / "modules.json") << R"([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
      {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}])";
    std::ofstream(st / "sentence_bert_config.json") << R"({"max_seq_length": 128, "do_lower_case": false})";
    std::filesystem::create_directories(st / "1_Pooling");
    std::ofstream(st / "1_Pooling" / "config.json") << R"({"word_embedding_dimension": 32, "pooling_mode_mean_tokens": true})";
    auto folder = mtlab::read_encoder_folder(st);
    REQUIRE(folder.sentence_transformers);
    mtlab::SentenceEncoder encoder(load(folder.transformer_folder), folder.options);
    const auto& ref = mtlab::test::load_reference("tiny-" + family);
    std::vector<mtlab::SentenceInput> inputs;
    std::vector<torch::Tensor> expected;
    for (const auto& c : ref["cases"]) {
      if (c["kind"] != "single") continue;
      inputs.push_back({c["text"].get<std::string>(), std::nullopt});
      expected.push_back(to_tensor(c["mean_pooled"]));
    }
    const auto got = encoder.encode(inputs);
    CHECK(max_abs_diff(got, torch::stack(expected)) < kTol);
  }
}

TEST_CASE("family configs: each family's fields, its refusals named, and the counts that bound its size", "[bert][family][config]") {
  using mtlab::BertConfig;
  using Catch::Matchers::Contains;
  const auto distil = BertConfig::from_json({{"model_type", "distilbert"}, {"dim", 64}, {"n_layers", 3}, {"n_heads", 4},
                                             {"hidden_dim", 128}, {"activation", "relu"}}, "d.json");
  CHECK(distil.hidden_size == 64);
  CHECK(distil.num_hidden_layers == 3);
  CHECK(distil.intermediate_size == 128);
  CHECK(distil.hidden_act == "relu");
  CHECK_FALSE(distil.has_token_types());
  CHECK_FALSE(distil.has_pooler());
  CHECK_THROWS_WITH(BertConfig::from_json({{"model_type", "distilbert"}, {"sinusoidal_pos_embds", true}}, "d.json"),
                    Contains("d.json: sinusoidal_pos_embds = true is not supported"));
  CHECK_THROWS_WITH(BertConfig::from_json({{"model_type", "distilbert"}, {"n_layers", 1000}}, "d.json"),
                    Contains("num_hidden_layers 1000 is out of range"));
  CHECK_THROWS_WITH(BertConfig::from_json({{"model_type", "xlm-roberta"}}, "x.json"),
                    Contains("x.json: model_type \"xlm-roberta\" is not a BERT-family encoder"));
  CHECK_THROWS_WITH(BertConfig::from_json({{"model_type", "electra"}, {"embedding_size", 0}}, "e.json"),
                    Contains("embedding_size must be positive"));
  // An embedding width is an ELECTRA field only.
  auto bert = BertConfig::defaults("bert");
  bert.embedding_size = 128;
  CHECK_THROWS_WITH(bert.validate("b"), Contains("embedding_size is an electra field"));
  // The parameter counts match the fixtures' state dicts (ELECTRA's projection, no pooler; DistilBERT without types).
  for (const std::string family : {"distilbert", "electra", "roberta"}) {
    INFO(family);
    const auto& ref = mtlab::test::load_reference("tiny-" + family);
    double expected = 0;
    for (const auto& [name, shape] : ref["model"]["state_dict_shapes"].items()) {
      double n = 1;
      for (const auto& d : shape) n *= d.get<double>();
      if (name.find("position_ids") == std::string::npos) expected += n;
    }
    const auto config = BertConfig::from_file(mtlab::test::fixtures_dir() / ("tiny-" + family) / "config.json");
    CHECK(config.parameter_count() == expected);
  }
}
