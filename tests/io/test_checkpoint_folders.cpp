#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "mtlab/io/checkpoint_weights.h"
#include "mtlab/io/sentence_transformers.h"
#include "test_paths.h"

using Catch::Matchers::Contains;
using mtlab::io::CheckpointWeights;
namespace fs = std::filesystem;

TEST_CASE("sharded checkpoints are read through model.safetensors.index.json", "[io][checkpoint]") {
  const auto dir = mtlab::test::scratch_dir("sharded");
  auto a = torch::randn({4, 4}), b = torch::randn({3});
  mtlab::io::save_safetensors(dir / "model-00001-of-00002.safetensors", {{"a", a}});
  mtlab::io::save_safetensors(dir / "model-00002-of-00002.safetensors", {{"b", b}});
  nlohmann::json index = {{"metadata", {{"total_size", 76}}},
                          {"weight_map", {{"a", "model-00001-of-00002.safetensors"}, {"b", "model-00002-of-00002.safetensors"}}}};
  std::ofstream(dir / "model.safetensors.index.json") << index.dump();
  const auto w = CheckpointWeights::open(dir);
  CHECK(w.names() == std::vector<std::string>{"a", "b"});
  CHECK(torch::equal(w.load("a"), a));
  CHECK(torch::equal(w.load("b"), b));
  CHECK(w.file_of("b").filename() == "model-00002-of-00002.safetensors");

  SECTION("an index naming a tensor its shard lacks is an error") {
    index["weight_map"]["c"] = "model-00002-of-00002.safetensors";
    std::ofstream(dir / "model.safetensors.index.json") << index.dump();
    CHECK_THROWS_WITH(CheckpointWeights::open(dir), Contains("does not hold it"));
  }
  SECTION("an index pointing outside the folder is refused") {
    index["weight_map"]["a"] = "../elsewhere.safetensors";
    std::ofstream(dir / "model.safetensors.index.json") << index.dump();
    CHECK_THROWS_WITH(CheckpointWeights::open(dir), Contains("not a plain file name"));
  }
  SECTION("a broken index is an error naming it") {
    std::ofstream(dir / "model.safetensors.index.json") << "{\"weight_map\": 3}";
    CHECK_THROWS_WITH(CheckpointWeights::open(dir), Contains("weight_map"));
  }
}

TEST_CASE("a folder with only pytorch_model.bin says how to convert it", "[io][checkpoint]") {
  const auto dir = mtlab::test::scratch_dir("bin_only");
  std::ofstream(dir / "pytorch_model.bin") << "not really a pickle";
  CHECK_THROWS_WITH(CheckpointWeights::open(dir),
                    Contains("only pytorch_model.bin") && Contains("safe_serialization=True") &&
                        Contains("save_file"));
  CHECK_THROWS_WITH(CheckpointWeights::open(mtlab::test::scratch_dir("empty_ckpt")), Contains("no model.safetensors"));
}

TEST_CASE("sentence-transformers folders give pooling, Normalize and max_seq_length", "[io][st]") {
  const auto fixtures = mtlab::test::fixtures_dir();
  const auto mean = mtlab::io::read_sentence_transformer_folder(fixtures / "tiny-bert-st");
  CHECK(mean.pooling.describe() == "mean");
  CHECK(mean.normalize);  // from modules.json: the 2_Normalize folder itself is not in git
  CHECK(mean.max_seq_length == 128);
  CHECK_FALSE(mean.do_lower_case);
  CHECK(mean.transformer_folder == fixtures / "tiny-bert-st");
  const auto cls = mtlab::io::read_sentence_transformer_folder(fixtures / "tiny-bert-st-cls");
  CHECK(cls.pooling.describe() == "cls");
  CHECK_FALSE(cls.normalize);
  CHECK_FALSE(mtlab::io::is_sentence_transformer_folder(fixtures / "tiny-bert"));

  const auto dir = mtlab::test::scratch_dir("st_folder");
  fs::create_directories(dir / "1_Pooling");
  std::ofstream(dir / "modules.json") << R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
    {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
    {"idx":2,"name":"2","path":"2_Dense","type":"sentence_transformers.models.Dense"}])";
  std::ofstream(dir / "1_Pooling" / "config.json") << R"({"pooling_mode_max_tokens": true, "pooling_mode_cls_token": true})";
  CHECK_THROWS_WITH(mtlab::io::read_sentence_transformer_folder(dir), Contains("Dense") && Contains("not supported"));
  std::ofstream(dir / "modules.json") << R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
    {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}])";
  CHECK(mtlab::io::read_sentence_transformer_folder(dir).pooling.describe() == "cls+max");
}
