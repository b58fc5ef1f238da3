// The bad-input matrix of docs/reliability.md, part two (LibTorch): hostile
// safetensors headers, checkpoints with missing, extra, mis-shaped or wrongly
// typed tensors, and config.json files with absurd sizes, each with the exact
// message it must give.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/bert/bert_config.h"
#include "mtlab/bert/bert_model.h"
#include "reliability_helpers.h"

namespace fs = std::filesystem;
using mtlab::io::SafetensorsFile;

namespace {

// An 8-byte length (`declared` or the header's), the header, then `data`.
fs::path write_raw(const fs::path& file, const std::string& header, const std::string& data,
                   std::optional<std::uint64_t> declared = std::nullopt) {
  std::ofstream out(file, std::ios::binary);
  const std::uint64_t n = declared.value_or(header.size());
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << header << data;
  return file;
}

std::string open_error(const fs::path& file) {
  try {
    SafetensorsFile::open(file);
  } catch (const mtlab::Error& e) {
    return e.what();
  }
  return "no error";
}

mtlab::NamedTensors fixture_tensors() {
  const auto f = SafetensorsFile::open(mtlab::test::fixtures_dir() / "tiny-bert" / "model.safetensors");
  mtlab::NamedTensors out;
  for (const auto& t : f.tensors()) out.emplace_back(t.name, f.load(t.name));
  return out;
}

// A copy of the tiny-bert folder with these weights (and config.json, if given).
fs::path bert_folder(const std::string& name, const mtlab::NamedTensors& tensors, const std::string& config = "") {
  const auto dir = mtlab::test::scratch_dir(name);
  for (const char* file : {"config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
    fs::copy_file(mtlab::test::fixtures_dir() / "tiny-bert" / file, dir / file);
  }
  if (!config.empty()) mtlab::test::put_file(dir / "config.json", config);
  mtlab::io::save_safetensors(dir / "model.safetensors", tensors);
  return dir;
}

std::string load_error(const fs::path& folder) {
  try {
    mtlab::BertModel::from_folder(folder);
  } catch (const mtlab::Error& e) {
    return e.what();
  }
  return "no error";
}

// The tiny-bert config.json with `field` set to `value`.
std::string config_with(const std::string& field, const nlohmann::json& value) {
  std::ifstream in(mtlab::test::fixtures_dir() / "tiny-bert" / "config.json");
  auto j = nlohmann::json::parse(in);
  j[field] = value;
  return j.dump(2);
}

}  // namespace

TEST_CASE("hostile safetensors headers are refused with exact messages, before any data is read",
          "[reliability][safetensors]") {
  const auto dir = mtlab::test::scratch_dir("rel_safetensors");
  const auto file = dir / "model.safetensors";
  const std::string f = file.string();
  const std::string data(16, '\0');
  SECTION("offsets past the end of the file") {
    write_raw(file, R"({"x":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})", data);
    CHECK(open_error(file) == f + ": safetensors header, tensor 'x': data_offsets [0, 32] reach past the end of the "
                                  "data (16 bytes): truncated or corrupt file");
  }
  SECTION("overlapping tensors") {
    write_raw(file, R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"y":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", data);
    CHECK(open_error(file) == f + ": safetensors tensors 'x' [0, 12) and 'y' [8, 16) overlap");
  }
  SECTION("a negative shape") {
    write_raw(file, R"({"x":{"dtype":"F32","shape":[2,-4],"data_offsets":[0,16]}})", data);
    CHECK(open_error(file) == f + ": safetensors header, tensor 'x': shape [2,-4] has an entry that is not a "
                                  "non-negative integer");
  }
  SECTION("a shape whose element count overflows") {
    write_raw(file, R"({"x":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}})", data);
    CHECK(open_error(file) == f + ": safetensors header, tensor 'x': shape [4294967296,4294967296,16] overflows a signed 64-bit element count");
  }
  SECTION("a shape whose byte count overflows") {
    write_raw(file, R"({"x":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,16]}})", data);
    CHECK(open_error(file) == f + ": safetensors header, tensor 'x': shape [4611686018427387904] overflows 64 bits in bytes");
  }
  SECTION("a header length larger than the file") {
    write_raw(file, R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data, 5000);
    CHECK(open_error(file) == f + ": safetensors header length 5000 is larger than the 71 bytes after it: truncated "
                                  "or corrupt file");
  }
  SECTION("a huge header length is refused before anything is allocated") {
    write_raw(file, "{}", data, 1ull << 62);
    CHECK(open_error(file) == f + ": safetensors header length 4611686018427387904 exceeds the limit of 104857600 "
                                  "bytes (corrupt or not a safetensors file)");
  }
  SECTION("deeply nested JSON (a million levels) is refused without recursing") {
    const std::size_t depth = 1000000;
    for (const std::string& where : {std::string("shape"), std::string("__metadata__")}) {
      INFO(where);
      const std::string nest = std::string(depth, '[') + std::string(depth, ']');
      const std::string header = where == "shape"
                                     ? R"({"x":{"dtype":"F32","shape":)" + nest + R"(,"data_offsets":[0,16]}})"
                                     : R"({"__metadata__":{"a":)" + nest + "}}";
      write_raw(file, header, data);
      CHECK(open_error(file) == f + ": safetensors header nests deeper than 8 levels (a tensor entry needs 3): corrupt "
                                    "or not a safetensors file");
    }
  }
  SECTION("huge but valid JSON opens (size is bounded by the header limit, not by nesting)") {
    const std::string big(8 * 1024 * 1024, 'a');
    write_raw(file, R"({"__metadata__":{"note":")" + big + R"("},"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data);
    const auto st = SafetensorsFile::open(file);
    CHECK(st.metadata().at("note").size() == big.size());
    CHECK(st.load("x").numel() == 4);
  }
}

TEST_CASE("checkpoints with missing, extra, mis-shaped or wrongly typed tensors", "[reliability][checkpoint]") {
  SECTION("missing and mis-shaped tensors are reported together, each with both shapes") {
    mtlab::NamedTensors tensors;
    for (const auto& [name, t] : fixture_tensors()) {
      if (name == "encoder.layer.0.attention.self.key.bias") continue;
      tensors.emplace_back(name, name == "encoder.layer.1.intermediate.dense.weight" ? torch::zeros({100, 64}) : t);
    }
    const auto folder = bert_folder("rel_ckpt_shapes", tensors);
    CHECK(load_error(folder) == folder.string() +
                                    ": missing tensor 'encoder.layer.0.attention.self.key.bias' (expected shape [64]); "
                                    "tensor 'encoder.layer.1.intermediate.dense.weight' has shape [100, 64] in "
                                    "model.safetensors but the model (config.json) expects [128, 64]");
  }
  SECTION("wrongly typed tensors (integers or booleans for float weights) are refused") {
    mtlab::NamedTensors tensors;
    for (const auto& [name, t] : fixture_tensors()) {
      if (name == "embeddings.LayerNorm.weight") tensors.emplace_back(name, t.to(torch::kLong));
      else if (name == "pooler.dense.bias") tensors.emplace_back(name, t.to(torch::kBool));
      else tensors.emplace_back(name, t);
    }
    const auto folder = bert_folder("rel_ckpt_dtype", tensors);
    CHECK(load_error(folder) == folder.string() +
                                    ": tensor 'embeddings.LayerNorm.weight' has dtype I64 in model.safetensors but the "
                                    "model expects floating-point weights (F32, F16, BF16 or F64); tensor "
                                    "'pooler.dense.bias' has dtype BOOL in model.safetensors but the model expects "
                                    "floating-point weights (F32, F16, BF16 or F64)");
  }
  SECTION("extra tensors load, are listed in the report and named in one warning") {
    auto tensors = fixture_tensors();
    tensors.emplace_back("classifier.weight", torch::randn({3, 64}));
    tensors.emplace_back("extra.bias", torch::randn({3}));
    const auto folder = bert_folder("rel_ckpt_extra", tensors);
    mtlab::BertLoadReport report;
    const auto warning = mtlab::test::capture_stderr([&] { mtlab::BertModel::from_folder(folder, {}, &report); });
    CHECK(report.unused == std::vector<std::string>{"classifier.weight", "extra.bias"});
    CHECK(warning == "warning: " + folder.string() +
                         ": 2 checkpoint tensor(s) not used by the BERT backbone: classifier.weight, extra.bias\n");
  }
}

TEST_CASE("a config.json with absurd sizes is refused before the model is allocated", "[reliability][checkpoint]") {
  const auto tensors = fixture_tensors();
  struct Case {
    std::string field;
    nlohmann::json value;
    std::string message;  // after "<folder>/config.json: "
  };
  const std::vector<Case> cases = {
      {"num_hidden_layers", 1000000, "num_hidden_layers 1000000 is out of range, expected an integer in [1, 128]"},
      {"hidden_size", 1000000000000LL, "hidden_size 1000000000000 is out of range, expected an integer in [1, 16384]"},
      {"vocab_size", 1LL << 40, "vocab_size 1099511627776 is out of range, expected an integer in [1, 4194304]"},
      {"intermediate_size", -5, "intermediate_size must be positive, got -5"},
      {"num_hidden_layers", "12", "field \"num_hidden_layers\" = \"12\" has the wrong type"},
  };
  for (const auto& c : cases) {
    INFO(c.field << " = " << c.value.dump());
    const auto folder = bert_folder("rel_config", tensors, config_with(c.field, c.value));
    CHECK(load_error(folder) == (folder / "config.json").string() + ": " + c.message);
  }
  // Every field in range, the product absurd: 4e11 parameters.
  auto j = nlohmann::json::parse(config_with("hidden_size", 16384));
  j["num_hidden_layers"] = 128;
  j["intermediate_size"] = 65536;
  j["num_attention_heads"] = 128;
  const auto folder = bert_folder("rel_config_total", tensors, j.dump());
  CHECK(load_error(folder) == (folder / "config.json").string() +
                                  ": this configuration has 4.13e+11 parameters (1539 GiB in float32), more than the "
                                  "limit of 1e+10; check hidden_size, num_hidden_layers, intermediate_size and vocab_size");
  // Real models stay well inside the limits: BERT-large.
  mtlab::BertConfig large;
  large.hidden_size = 1024;
  large.num_hidden_layers = 24;
  large.num_attention_heads = 16;
  large.intermediate_size = 4096;
  CHECK_NOTHROW(large.validate("bert-large"));
  CHECK(large.parameter_count() == Approx(335141888.0));
}
