// Replays the fuzzing corpus (tests/fuzz/corpus/<target>/: the seeds and every
// input a fuzzer once found a problem with) through the same target functions
// the libFuzzer executables run. Each input must be accepted or refused with
// mtlab::Error; any other exception is a regression. (Under MTLAB_SANITIZE the
// sanitizers also check the memory side.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <typeinfo>
#include <vector>

#include "fuzz_support.h"
#include "mtlab/core/error.h"

namespace fs = std::filesystem;
using mtlab::fuzz::Target;

namespace {

std::vector<fs::path> corpus_files(const std::string& target) {
  std::vector<fs::path> out;
  const fs::path dir = fs::path(MTLAB_FUZZ_CORPUS_DIR) / target;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void replay(const std::string& target, Target fn) {
  const auto files = corpus_files(target);
  INFO("corpus folder: " << MTLAB_FUZZ_CORPUS_DIR << "/" << target);
  REQUIRE(!files.empty());
  std::size_t accepted = 0, refused = 0;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO("input: " << file.string());
    try {
      fn(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++accepted;
    } catch (const mtlab::Error&) {
      ++refused;
    } catch (const std::exception& e) {
      FAIL("escaped as " << typeid(e).name() << " (not mtlab::Error): " << e.what());
    }
  }
  CHECK(accepted + refused == files.size());
  // The seeds are valid inputs: at least one must go all the way through.
  CHECK(accepted > 0);
}

}  // namespace

TEST_CASE("fuzz corpus replays: safetensors", "[fuzz]") { replay("safetensors", mtlab::fuzz::fuzz_safetensors_one); }
TEST_CASE("fuzz corpus replays: tokenizer", "[fuzz]") { replay("tokenizer", mtlab::fuzz::fuzz_tokenizer_one); }
TEST_CASE("fuzz corpus replays: spec", "[fuzz]") { replay("spec", mtlab::fuzz::fuzz_spec_one); }
TEST_CASE("fuzz corpus replays: conll", "[fuzz]") { replay("conll", mtlab::fuzz::fuzz_conll_one); }
TEST_CASE("fuzz corpus replays: joint", "[fuzz]") { replay("joint", mtlab::fuzz::fuzz_joint_one); }
TEST_CASE("fuzz corpus replays: delimited", "[fuzz]") { replay("delimited", mtlab::fuzz::fuzz_delimited_one); }
TEST_CASE("fuzz corpus replays: jsonl", "[fuzz]") { replay("jsonl", mtlab::fuzz::fuzz_jsonl_one); }
