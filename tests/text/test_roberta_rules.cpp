// RobertaTokenizer rules beyond the reference cases: AddedToken stripping,
// add_prefix_space, pre-split words, the folder files and their errors.
#include <catch2/catch.hpp>

#include <fstream>

#include "mtlab/core/error.h"
#include "mtlab/text/roberta_tokenizer.h"
#include "reference_parity.h"

using namespace mtlab;
using Catch::Matchers::Contains;
using Tokens = std::vector<std::string>;
namespace fs = std::filesystem;

namespace {

const RobertaTokenizer& tiny_roberta() {
  static const RobertaTokenizer t = RobertaTokenizer::from_folder(test::fixtures_dir() / "tiny-roberta");
  return t;
}

void write(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

// A folder with tiny-roberta's vocab.json and the given merges.txt.
fs::path folder_with_merges(const std::string& name, const std::string& merges) {
  const auto dir = test::scratch_dir("roberta-files/" + name);
  fs::copy_file(test::fixtures_dir() / "tiny-roberta" / "vocab.json", dir / "vocab.json",
                fs::copy_options::overwrite_existing);
  write(dir / "merges.txt", merges);
  return dir;
}

}  // namespace

TEST_CASE("<mask> eats the whitespace before it but <s> does not", "[tokenizer][roberta]") {
  const auto& t = tiny_roberta();
  CHECK(t.tokenize("Hello <mask>!") == t.tokenize("Hello<mask>!"));
  const auto glued = t.tokenize("a<s>");
  const auto spaced = t.tokenize("a <s>");
  CHECK(glued == Tokens{"a", "<s>"});
  REQUIRE(spaced.size() == 3);
  CHECK(spaced[1] == "Ġ");  // the space stays, spelled as its byte-level character
}

TEST_CASE("A plain-string token in special_tokens_map.json strips whitespace on both sides", "[tokenizer][roberta]") {
  const auto dir = folder_with_merges("plain-map", test::read_file(test::fixtures_dir() / "tiny-roberta" / "merges.txt"));
  write(dir / "special_tokens_map.json", R"({"cls_token": "<s>", "bos_token": "<s>"})");
  const auto t = RobertaTokenizer::from_folder(dir);
  CHECK(t.options().cls_token.lstrip);
  CHECK(t.options().cls_token.rstrip);
  CHECK(t.tokenize("a <s> b") == t.tokenize("a<s>b"));
}

TEST_CASE("add_prefix_space spells the first word as inside a sentence", "[tokenizer][roberta]") {
  RobertaOptions options = tiny_roberta().options();
  options.add_prefix_space = true;
  const RobertaTokenizer t(tiny_roberta().vocab(), tiny_roberta().merges(), options);
  CHECK(t.tokenize("Hello world") == tiny_roberta().tokenize(" Hello world"));
  CHECK(t.tokenize(" Hello") == tiny_roberta().tokenize(" Hello"));  // no second space
  CHECK(t.tokenize("").empty());
}

TEST_CASE("Pre-split words get a space each and their word index on every piece", "[tokenizer][roberta]") {
  const auto& t = tiny_roberta();
  const auto e = t.encode_words({"Supercalifragilistic", "is", "fine."});
  const auto sentence = t.encode(" Supercalifragilistic is fine.");
  CHECK(e.input_ids == sentence.input_ids);
  REQUIRE(e.word_ids.size() == e.size());
  CHECK(e.word_ids.front() == -1);
  CHECK(e.word_ids.back() == -1);
  const std::vector<std::int64_t> inner(e.word_ids.begin() + 1, e.word_ids.end() - 1);
  CHECK(std::is_sorted(inner.begin(), inner.end()));
  CHECK(inner.front() == 0);
  CHECK(inner.back() == 2);
  CHECK(std::count(inner.begin(), inner.end(), 0) > 1);  // the long word is several pieces
  // encode() numbers the words of the pattern instead: " is" is word 1.
  CHECK(sentence.word_ids[1] == 0);
}

TEST_CASE("save() writes the four files exactly as RobertaTokenizer.save_pretrained", "[tokenizer][roberta][files]") {
  const auto dir = test::scratch_dir("roberta-files/saved");
  tiny_roberta().save(dir);
  for (const char* name : {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
    INFO(name);
    CHECK(test::read_file(dir / name) == test::read_file(test::fixtures_dir() / "tiny-roberta" / name));
  }
  const auto again = RobertaTokenizer::from_folder(dir);
  CHECK(again.encode("Hello <mask> world").input_ids == tiny_roberta().encode("Hello <mask> world").input_ids);
}

TEST_CASE("merges.txt: the header line is skipped and a malformed line is an error", "[tokenizer][roberta][files]") {
  // HF skips line 1 whatever it holds, and drops text after the last newline.
  const auto lenient = RobertaTokenizer::from_folder(folder_with_merges("lenient", "H e\nĠ t\nĠ a"));
  CHECK(lenient.merges() == std::vector<RobertaTokenizer::Merge>{{"Ġ", "t"}});
  CHECK_THROWS_WITH(RobertaTokenizer::from_folder(folder_with_merges("bad", "#version: 0.2\nĠ t\nĠ a b\n")),
                    Contains("merges.txt:3: expected two symbols"));
}

TEST_CASE("vocab.json must number its tokens 0..N-1", "[tokenizer][roberta][files]") {
  const auto dir = folder_with_merges("gap", "#version: 0.2\n");
  write(dir / "vocab.json", R"({"<unk>": 0, "a": 2})");
  CHECK_THROWS_WITH(RobertaTokenizer::from_folder(dir), Contains("vocab.json: the id of 'a' must be an integer in 0..1"));
  write(dir / "vocab.json", R"({"<unk>": 0, "a": 0})");
  CHECK_THROWS_WITH(RobertaTokenizer::from_folder(dir), Contains("id 0 is given to two tokens"));
}

TEST_CASE("A folder without merges.txt names what a RoBERTa folder needs", "[tokenizer][roberta][files]") {
  const auto dir = test::scratch_dir("roberta-files/no-merges");
  CHECK_THROWS_WITH(RobertaTokenizer::from_folder(dir), Contains("no vocab.json") && Contains("merges.txt"));
}
