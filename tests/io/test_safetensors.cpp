#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "mtlab/core/error.h"
#include "mtlab/io/safetensors.h"
#include "test_paths.h"

using Catch::Matchers::Contains;
using mtlab::io::SafetensorsFile;
namespace fs = std::filesystem;

namespace {

// Writes an 8-byte length, the header text and `data` bytes; `declared` overrides the length field.
fs::path write_raw(const fs::path& file, const std::string& header, const std::string& data,
                   std::optional<std::uint64_t> declared = std::nullopt) {
  std::ofstream out(file, std::ios::binary);
  const std::uint64_t n = declared.value_or(header.size());
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << header << data;
  return file;
}

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("safetensors round trip keeps values, dtypes and metadata", "[io][safetensors]") {
  const auto dir = mtlab::test::scratch_dir("safetensors_roundtrip");
  auto a = torch::randn({3, 5});
  auto b = torch::arange(7, torch::kLong);
  auto c = torch::randn({2, 2}).to(torch::kHalf);
  auto d = torch::randn({4}).to(torch::kBFloat16);
  auto e = torch::zeros({0, 3});
  mtlab::io::save_safetensors(dir / "t.safetensors", {{"z.a", a}, {"b", b}, {"c", c}, {"d", d}, {"empty", e}});
  const auto f = SafetensorsFile::open(dir / "t.safetensors");
  CHECK(f.metadata().at("format") == "pt");
  CHECK(f.tensors().size() == 5);
  CHECK(torch::equal(f.load("z.a"), a));
  CHECK(torch::equal(f.load("b"), b));
  CHECK(f.info("c").dtype == mtlab::io::DType::F16);
  CHECK(torch::equal(f.load("c"), c));
  CHECK(torch::equal(f.load("d"), d));
  CHECK(torch::equal(f.load("c", torch::kFloat), c.to(torch::kFloat)));
  CHECK(f.load("empty").sizes().vec() == std::vector<std::int64_t>{0, 3});
  CHECK_THROWS_WITH(f.load("nope"), Contains("no tensor named 'nope'"));
}

TEST_CASE("load_into fills a target in place and converts what differs", "[io][safetensors]") {
  const auto dir = mtlab::test::scratch_dir("safetensors_load_into");
  auto a = torch::randn({300, 700});  // about 0.8 MB: many pages, released after each copy
  auto h = torch::randn({4, 3}).to(torch::kHalf);
  mtlab::io::save_safetensors(dir / "t.safetensors", {{"a", a}, {"h", h}});
  const auto f = SafetensorsFile::open(dir / "t.safetensors");

  auto target = torch::zeros({300, 700});
  const void* storage = target.data_ptr();
  f.load_into("a", target);
  CHECK(target.data_ptr() == storage);
  CHECK(torch::equal(target, a));
  // The released pages come back from the file when read again.
  CHECK(torch::equal(f.load("a"), a));
  auto again = torch::zeros({300, 700});
  f.load_into("a", again);
  CHECK(torch::equal(again, a));

  auto widened = torch::zeros({4, 3});
  f.load_into("h", widened);
  CHECK(torch::equal(widened, h.to(torch::kFloat)));
  auto transposed = torch::zeros({3, 4}).t();  // not contiguous
  f.load_into("h", transposed);
  CHECK(torch::equal(transposed, h.to(torch::kFloat)));

  auto wrong = torch::zeros({700, 300});
  CHECK_THROWS_WITH(f.load_into("a", wrong), Contains("tensor 'a' has shape [300, 700], the target [700, 300]"));
  CHECK_THROWS_WITH(f.load_into("nope", wrong), Contains("no tensor named 'nope'"));
}

TEST_CASE("safetensors writer lays out the file as the Python library does", "[io][safetensors]") {
  const auto dir = mtlab::test::scratch_dir("safetensors_layout");
  mtlab::io::save_safetensors(dir / "t.safetensors", {{"b", torch::ones({3})}, {"a", torch::zeros({2, 1})}});
  const auto bytes = read_all(dir / "t.safetensors");
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(n % 8 == 0);
  const auto header = bytes.substr(8, n);
  CHECK(header.find_last_not_of(' ') < header.size());
  const auto j = nlohmann::json::parse(header);
  CHECK(j["__metadata__"]["format"] == "pt");
  // Data in sorted-name order, contiguous from 0.
  CHECK(j["a"]["data_offsets"] == nlohmann::json({0, 8}));
  CHECK(j["b"]["data_offsets"] == nlohmann::json({8, 20}));
  CHECK(j["a"]["dtype"] == "F32");
  CHECK(bytes.size() == 8 + n + 20);
  // No temporary file is left behind by the atomic write.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("hostile or broken safetensors files are clear errors", "[io][safetensors]") {
  const auto dir = mtlab::test::scratch_dir("safetensors_hostile");
  const std::string data(16, '\0');
  auto open = [&](const fs::path& file) { return SafetensorsFile::open(file); };
  auto good = [](const std::string& extra = "") {
    return std::string(R"({"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]})") + extra + "}";
  };
  SECTION("too short for the length field") {
    std::ofstream(dir / "f", std::ios::binary) << "abc";
    CHECK_THROWS_WITH(open(dir / "f"), Contains("too short"));
  }
  SECTION("header length larger than the file") {
    CHECK_THROWS_WITH(open(write_raw(dir / "f", good(), data, 5000)), Contains("larger than the"));
  }
  SECTION("huge header length") {
    CHECK_THROWS_WITH(open(write_raw(dir / "f", good(), data, 1ull << 40)), Contains("exceeds the limit"));
  }
  SECTION("header that is not JSON") {
    CHECK_THROWS_WITH(open(write_raw(dir / "f", "{\"x\": [1, 2", data)), Contains("not valid JSON"));
  }
  SECTION("header that is not an object") {
    CHECK_THROWS_WITH(open(write_raw(dir / "f", "[1, 2]", data)), Contains("must be a JSON object"));
  }
  SECTION("duplicate tensor names") {
    const auto h = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"x":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
    CHECK_THROWS_WITH(open(write_raw(dir / "f", h, data)), Contains("'x' twice"));
  }
  SECTION("unknown dtype") {
    const auto h = R"({"x":{"dtype":"F33","shape":[4],"data_offsets":[0,16]}})";
    CHECK_THROWS_WITH(open(write_raw(dir / "f", h, data)), Contains("unknown dtype 'F33'"));
  }
  SECTION("negative shape") {
    const auto h = R"({"x":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})";
    CHECK_THROWS_WITH(open(write_raw(dir / "f", h, data)), Contains("non-negative integer"));
  }
  SECTION("overflowing shape") {
    const auto h =
        R"({"x":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}})";
    CHECK_THROWS_WITH(open(write_raw(dir / "f", h, data)), Contains("overflows"));
  }
  SECTION("shape times dtype size overflowing in bytes") {
    const auto h = R"({"x":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,16]}})";
    CHECK_THROWS_WITH(open(write_raw(dir / "f", h, data)), Contains("overflows"));
  }
  SECTION("offsets past the end of the data") {
    const auto h = R"({"x":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})";
    CHECK_THROWS_WITH(open(write_raw(dir / "f", h, data)), Contains("past the end"));
  }
  SECTION("offsets reversed") {
    const auto h = R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})";
    CHECK_THROWS_WITH(open(write_raw(dir / "f", h, data)), Contains("end before they begin"));
  }
  SECTION("overlapping tensors") {
    const auto h = R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"y":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
    CHECK_THROWS_WITH(open(write_raw(dir / "f", h, data)), Contains("overlap"));
  }
  SECTION("byte count that does not match the shape") {
    const auto h = R"({"x":{"dtype":"F16","shape":[4],"data_offsets":[0,16]}})";
    CHECK_THROWS_WITH(open(write_raw(dir / "f", h, data)), Contains("takes 8 bytes but data_offsets [0, 16] span 16"));
  }
  SECTION("malformed entry") {
    const auto h = R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0]}})";
    CHECK_THROWS_WITH(open(write_raw(dir / "f", h, data)), Contains("two byte offsets"));
  }
  SECTION("truncated data section") {
    mtlab::io::save_safetensors(dir / "ok", {{"w", torch::randn({64, 64})}});
    auto bytes = read_all(dir / "ok");
    std::ofstream(dir / "cut", std::ios::binary) << bytes.substr(0, bytes.size() - 100);
    CHECK_THROWS_WITH(open(dir / "cut"), Contains("truncated"));
  }
  SECTION("a dtype LibTorch cannot hold is reported when loaded") {
    const auto h = R"({"x":{"dtype":"U16","shape":[8],"data_offsets":[0,16]}})";
    const auto f = open(write_raw(dir / "f", h, data));
    CHECK_THROWS_WITH(f.load("x"), Contains("U16"));
  }
  SECTION("a valid file opens") {
    const auto f = open(write_raw(dir / "f", good(), data));
    CHECK(f.load("x").sizes().vec() == std::vector<std::int64_t>{2, 2});
  }
}

TEST_CASE("randomly damaged safetensors files open cleanly or fail with mtlab::Error", "[io][safetensors][fuzz]") {
  const auto dir = mtlab::test::scratch_dir("safetensors_fuzz");
  mtlab::io::save_safetensors(dir / "ok", {{"a", torch::randn({3, 4})}, {"b", torch::arange(5, torch::kLong)},
                                           {"c", torch::randn({2}).to(torch::kHalf)}});
  const auto original = read_all(dir / "ok");
  std::mt19937 rng(7);
  int opened = 0, refused = 0;
  for (int i = 0; i < 1500; ++i) {
    auto bytes = original;
    switch (i % 3) {
      case 0:  // flip a few bytes anywhere (header length and JSON included)
        for (int k = 0; k < 3; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
        break;
      case 1:  // cut the file short
        bytes.resize(rng() % bytes.size());
        break;
      default:  // change one digit or character inside the JSON header
        bytes[8 + rng() % (bytes.size() - 8 - 68)] = "0123456789-[]{},:\"e"[rng() % 19];
    }
    std::ofstream(dir / "f", std::ios::binary | std::ios::trunc) << bytes;
    try {
      const auto f = SafetensorsFile::open(dir / "f");
      for (const auto& t : f.tensors()) {
        try {
          (void)f.load(t.name);
        } catch (const mtlab::Error&) {
          // e.g. a dtype LibTorch cannot hold
        }
      }
      ++opened;
    } catch (const mtlab::Error&) {
      ++refused;
    }
  }
  CHECK(opened + refused == 1500);
  CHECK(refused > 500);
}
