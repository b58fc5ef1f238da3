// Checkpoint folders both ways: the key variants Hugging Face writes, the errors
// for what cannot load, save → load, F16/BF16, and from-scratch initialisation.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <fstream>

#include "mtlab/core/error.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/bert/bert_model.h"
#include "reference.h"

using Catch::Matchers::Contains;
using mtlab::test::max_abs_diff;
namespace fs = std::filesystem;

namespace {

mtlab::NamedTensors fixture_tensors() {
  const auto f = mtlab::io::SafetensorsFile::open(mtlab::test::fixtures_dir() / "tiny-bert" / "model.safetensors");
  mtlab::NamedTensors out;
  for (const auto& t : f.tensors()) out.emplace_back(t.name, f.load(t.name));
  return out;
}

// A copy of the tiny-bert folder whose weights are `tensors`.
fs::path variant(const std::string& name, const mtlab::NamedTensors& tensors) {
  const auto dir = mtlab::test::scratch_dir(name);
  for (const char* file : {"config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
    fs::copy_file(mtlab::test::fixtures_dir() / "tiny-bert" / file, dir / file);
  }
  mtlab::io::save_safetensors(dir / "model.safetensors", tensors);
  return dir;
}

// Pooler output of reference case s00 for a loaded model.
torch::Tensor s00_pooled(mtlab::BertModel& model) {
  const auto& c = mtlab::test::load_reference("tiny-bert")["cases"][0];
  torch::InferenceMode inference;
  return model.forward(mtlab::test::ids_row(c["input_ids"]), mtlab::test::ids_row(c["token_type_ids"]),
                       mtlab::test::ids_row(c["attention_mask"]))
      .pooled[0]
      .clone();
}

torch::Tensor s00_reference() {
  return mtlab::test::to_tensor(mtlab::test::load_reference("tiny-bert")["cases"][0]["pooler_output"]);
}

}  // namespace

TEST_CASE("task-model keys (bert. prefix, gamma/beta, heads, position_ids) load as Hugging Face does", "[bert][checkpoint]") {
  mtlab::NamedTensors renamed;
  for (auto [name, t] : fixture_tensors()) {
    auto at = name.find("LayerNorm.weight");
    if (at != std::string::npos) name.replace(at, 16, "LayerNorm.gamma");
    at = name.find("LayerNorm.bias");
    if (at != std::string::npos) name.replace(at, 14, "LayerNorm.beta");
    renamed.emplace_back("bert." + name, t);
  }
  renamed.emplace_back("classifier.weight", torch::randn({3, 64}));
  renamed.emplace_back("cls.predictions.bias", torch::randn({30522}));
  renamed.emplace_back("bert.embeddings.position_ids", torch::arange(128, torch::kLong).unsqueeze(0));
  mtlab::BertLoadReport report;
  auto model = mtlab::BertModel::from_folder(variant("task_keys", renamed), {}, &report);
  CHECK(max_abs_diff(s00_pooled(*model), s00_reference()) < 1e-5);
  CHECK(report.unused ==
        std::vector<std::string>{"bert.embeddings.position_ids", "classifier.weight", "cls.predictions.bias"});
  CHECK_FALSE(report.pooler_initialized);
}

TEST_CASE("a checkpoint without a pooler loads with a fresh pooler", "[bert][checkpoint]") {
  mtlab::NamedTensors tensors;
  for (const auto& [name, t] : fixture_tensors()) {
    if (name.rfind("pooler.", 0) != 0) tensors.emplace_back(name, t);
  }
  mtlab::BertLoadReport report;
  auto model = mtlab::BertModel::from_folder(variant("no_pooler", tensors), {}, &report);
  CHECK(report.pooler_initialized);
  const auto& c = mtlab::test::load_reference("tiny-bert")["cases"][0];
  torch::InferenceMode inference;
  const auto out = model->forward(mtlab::test::ids_row(c["input_ids"]), mtlab::test::ids_row(c["token_type_ids"]),
                                  mtlab::test::ids_row(c["attention_mask"]));
  CHECK(max_abs_diff(out.token_states[0], mtlab::test::to_tensor(c["last_hidden_state"])) < 1e-5);
  CHECK(max_abs_diff(out.pooled[0], s00_reference()) > 1e-3);  // the pooler is new
}

TEST_CASE("missing or mis-shaped tensors are errors naming them and both shapes", "[bert][checkpoint]") {
  SECTION("mis-shaped") {
    mtlab::NamedTensors tensors;
    for (const auto& [name, t] : fixture_tensors()) {
      tensors.emplace_back(name, name == "encoder.layer.1.intermediate.dense.weight" ? torch::zeros({100, 64}) : t);
    }
    CHECK_THROWS_WITH(mtlab::BertModel::from_folder(variant("misshaped", tensors)),
                      Contains("encoder.layer.1.intermediate.dense.weight") && Contains("[100, 64]") &&
                          Contains("[128, 64]"));
  }
  SECTION("missing") {
    mtlab::NamedTensors tensors;
    for (const auto& [name, t] : fixture_tensors()) {
      if (name != "encoder.layer.0.attention.self.key.bias") tensors.emplace_back(name, t);
    }
    CHECK_THROWS_WITH(mtlab::BertModel::from_folder(variant("missing", tensors)),
                      Contains("missing tensor 'encoder.layer.0.attention.self.key.bias'") && Contains("[64]"));
  }
  SECTION("only pytorch_model.bin") {
    const auto dir = mtlab::test::scratch_dir("bin_only_bert");
    for (const char* file : {"config.json", "vocab.txt", "pytorch_model.bin"}) {
      fs::copy_file(mtlab::test::fixtures_dir() / "tiny-bert" / file, dir / file);
    }
    CHECK_THROWS_WITH(mtlab::BertModel::from_folder(dir), Contains("safetensors") && Contains("save_pretrained"));
  }
}

TEST_CASE("F16 and BF16 checkpoints load into a float32 model", "[bert][checkpoint]") {
  for (auto type : {torch::kHalf, torch::kBFloat16}) {
    mtlab::NamedTensors tensors;
    for (const auto& [name, t] : fixture_tensors()) tensors.emplace_back(name, t.to(type));
    const auto dir = variant("half", tensors);
    auto model = mtlab::BertModel::from_folder(dir);
    const auto file = mtlab::io::SafetensorsFile::open(dir / "model.safetensors");
    CHECK(file.info("pooler.dense.weight").dtype == (type == torch::kHalf ? mtlab::io::DType::F16 : mtlab::io::DType::BF16));
    for (const auto& p : model->named_parameters()) {
      REQUIRE(p.value().scalar_type() == torch::kFloat);
      CHECK(torch::equal(p.value(), file.load(p.key()).to(torch::kFloat)));
    }
    CHECK(max_abs_diff(s00_pooled(*model), s00_reference()) < 5e-2);
  }
}

TEST_CASE("save then load gives bit-identical weights and a transformers-style folder", "[bert][checkpoint]") {
  auto model = mtlab::BertModel::from_folder(mtlab::test::fixtures_dir() / "tiny-bert");
  const auto dir = mtlab::test::scratch_dir("saved_bert");
  model->save(dir);
  for (const char* file : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"}) {
    CHECK(fs::exists(dir / file));
  }
  std::ifstream in(dir / "config.json");
  const auto config = nlohmann::json::parse(in);
  CHECK(config["model_type"] == "bert");
  CHECK(config["architectures"] == nlohmann::json::array({"BertModel"}));
  CHECK(config["hidden_act"] == "gelu");
  CHECK(config["layer_norm_eps"].get<double>() == 1e-12);
  CHECK(config["intermediate_size"] == 128);
  const auto saved = mtlab::io::SafetensorsFile::open(dir / "model.safetensors");
  CHECK(saved.metadata().at("format") == "pt");
  CHECK(saved.tensors().size() == 39);
  auto reloaded = mtlab::BertModel::from_folder(dir);
  auto a = model->named_parameters(), b = reloaded->named_parameters();
  for (const auto& p : a) CHECK(torch::equal(p.value(), b[p.key()]));
  // The fixture's own file and ours hold the same bytes per tensor.
  const auto original = mtlab::io::SafetensorsFile::open(mtlab::test::fixtures_dir() / "tiny-bert" / "model.safetensors");
  for (const auto& t : original.tensors()) CHECK(torch::equal(original.load(t.name), saved.load(t.name)));
  CHECK(torch::equal(s00_pooled(*reloaded), s00_pooled(*model)));
}

TEST_CASE("a from-scratch BERT is initialised as Hugging Face does", "[bert][init]") {
  mtlab::BertConfig config;
  config.vocab_size = 300;
  config.hidden_size = 96;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.intermediate_size = 192;
  config.max_position_embeddings = 64;
  std::vector<std::string> tokens{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int i = 0; i < 295; ++i) tokens.push_back("w" + std::to_string(i));
  torch::manual_seed(3);
  mtlab::BertModel model(config, mtlab::BertTokenizer(mtlab::Vocab(tokens), {}));
  auto params = model.named_parameters();
  const auto word = params["embeddings.word_embeddings.weight"];
  CHECK(word[0].abs().max().item<float>() == 0.0f);  // padding row
  CHECK(std::abs(word.slice(0, 1).std().item<double>() - 0.02) < 0.002);
  CHECK(std::abs(params["encoder.layer.1.intermediate.dense.weight"].std().item<double>() - 0.02) < 0.002);
  CHECK(params["encoder.layer.0.output.dense.bias"].abs().max().item<float>() == 0.0f);
  CHECK(torch::equal(params["encoder.layer.0.output.LayerNorm.weight"], torch::ones({96})));
  CHECK(params["embeddings.LayerNorm.bias"].abs().max().item<float>() == 0.0f);
  CHECK(model.max_length() == 64);

  // Gradients reach every parameter in training mode.
  model.train();
  const auto ids = torch::randint(5, 300, {2, 7}, torch::kLong);
  const auto out = model.forward(ids, torch::zeros_like(ids), torch::ones_like(ids));
  (out.token_states.pow(2).mean() + out.pooled.pow(2).mean()).backward();
  for (const auto& p : model.named_parameters()) {
    INFO(p.key());
    REQUIRE(p.value().grad().defined());
  }
}

TEST_CASE("vocab = build: the vocabulary comes from training text", "[bert][init]") {
  mtlab::BertConfig config;
  config.hidden_size = 32;
  config.num_hidden_layers = 1;
  config.num_attention_heads = 2;
  config.intermediate_size = 64;
  config.max_position_embeddings = 32;
  mtlab::VocabBuildOptions build;
  build.min_frequency = 1;
  build.max_size = 200;
  mtlab::BertModel model(config, build);
  CHECK(model.needs_texts());
  CHECK_THROWS_WITH(model.tokenizer(), Contains("fit_texts"));
  model.fit_texts({"the cat sat on the mat", "the dog sat too"});
  CHECK_FALSE(model.needs_texts());
  const auto n = static_cast<std::int64_t>(model.tokenizer().vocab_size());
  CHECK(model.config().vocab_size == n);
  CHECK(model.named_parameters()["embeddings.word_embeddings.weight"].size(0) == n);
  const auto e = model.tokenizer().encode("the cat");
  torch::NoGradGuard no_grad;
  model.eval();
  const auto out = model.forward(torch::tensor(e.input_ids).unsqueeze(0), {}, {});
  CHECK(out.token_states.sizes().vec() == std::vector<std::int64_t>{1, 4, 32});
  const auto dir = mtlab::test::scratch_dir("built_vocab");
  model.save(dir);
  CHECK(mtlab::Vocab::load(dir / "vocab.txt").size() == static_cast<std::size_t>(n));
}

TEST_CASE("dtype bfloat16 runs on the CPU, float16 there is a clear error", "[bert][dtype]") {
  mtlab::BertModelOptions options;
  options.dtype = "bfloat16";
  auto model = mtlab::BertModel::from_folder(mtlab::test::fixtures_dir() / "tiny-bert", options);
  CHECK(model->named_parameters()["pooler.dense.weight"].scalar_type() == torch::kBFloat16);
  CHECK(max_abs_diff(s00_pooled(*model), s00_reference()) < 5e-2);
  options.dtype = "float16";
  CHECK_THROWS_WITH(mtlab::BertModel::from_folder(mtlab::test::fixtures_dir() / "tiny-bert", options),
                    Contains("float16 needs a CUDA device"));
  options.dtype = "float64";
  CHECK_THROWS_WITH(mtlab::BertModel::from_folder(mtlab::test::fixtures_dir() / "tiny-bert", options),
                    Contains("expected float32, float16 or bfloat16"));
}
