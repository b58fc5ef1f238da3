// Tokenizer folders: vocab.txt, tokenizer_config.json, special_tokens_map.json.
#include <catch2/catch.hpp>

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "tokenizer_test_util.h"

using namespace mtlab;
using namespace mtlab::test;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

// A folder with a small vocabulary and the given tokenizer_config.json (none when empty).
fs::path folder_with(const std::string& name, const std::string& config) {
  const auto dir = scratch_dir("tokenizer-files/" + name);
  write(dir / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n<s>\n</s>\n<pad>\n<unk>\n<mask>\n");
  if (!config.empty()) write(dir / "tokenizer_config.json", config);
  return dir;
}

}  // namespace

TEST_CASE("A folder without tokenizer_config.json gets Hugging Face's defaults", "[tokenizer][files]") {
  const auto t = BertTokenizer::from_folder(folder_with("defaults", ""));
  CHECK(t.options().do_lower_case);
  CHECK_FALSE(t.options().strip_accents.has_value());
  CHECK(t.options().tokenize_chinese_chars);
  CHECK(t.vocab().size() == 11);
  CHECK(t.encode("HELLO").input_ids == std::vector<std::int64_t>{2, 5, 3});
}

TEST_CASE("tokenizer_config.json sets lowercasing, accents, CJK, length and never_split", "[tokenizer][files]") {
  const auto t = BertTokenizer::from_folder(folder_with("config", R"({
    "do_lower_case": false, "strip_accents": true, "tokenize_chinese_chars": false,
    "model_max_length": 64, "never_split": ["HELLO!"], "tokenizer_class": "BertTokenizer"})"));
  CHECK_FALSE(t.options().do_lower_case);
  CHECK(t.options().strip_accents == std::optional<bool>(true));
  CHECK_FALSE(t.options().tokenize_chinese_chars);
  CHECK(t.options().model_max_length == 64);
  CHECK(t.options().never_split == std::vector<std::string>{"HELLO!"});
  CHECK(t.tokenize("HELLO! hello") == Tokens{"HELLO!", "hello"});
}

TEST_CASE("int(1e30) as model_max_length means no limit", "[tokenizer][files]") {
  const auto t = BertTokenizer::from_folder(folder_with("huge", R"({"model_max_length": 1000000000000000019884624838656})"));
  CHECK(t.options().model_max_length == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("Special tokens come as strings or AddedToken objects, special_tokens_map.json wins", "[tokenizer][files]") {
  const auto dir = folder_with("specials", R"({
    "cls_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
    "sep_token": "</s>", "pad_token": "<pad>", "unk_token": "[UNK]", "mask_token": "[MASK]"})");
  write(dir / "special_tokens_map.json",
        R"({"unk_token": {"content": "<unk>", "single_word": false}, "mask_token": "<mask>"})");
  const auto t = BertTokenizer::from_folder(dir);
  CHECK(t.options().cls_token == "<s>");
  CHECK(t.options().sep_token == "</s>");
  CHECK(t.options().unk_token == "<unk>");
  CHECK(t.cls_id() == 6);
  CHECK(t.sep_id() == 7);
  CHECK(t.pad_id() == 8);
  CHECK(t.unk_id() == 9);
  CHECK(t.mask_id() == 10);
  CHECK(t.encode("hello<mask>", {.pad_to = 5}).input_ids == std::vector<std::int64_t>{6, 5, 10, 7, 8});
  // [CLS] is no longer special here: it is split like any text.
  CHECK(t.tokenize("[CLS]") == Tokens{"<unk>", "<unk>", "<unk>"});
}

TEST_CASE("Broken tokenizer folders give errors naming the file and key", "[tokenizer][files]") {
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(BertTokenizer::from_folder(scratch_dir("tokenizer-files/empty")), Contains("no vocab.txt"));
  CHECK_THROWS_WITH(BertTokenizer::from_folder(scratch_dir("tokenizer-files/empty") / "missing"), Contains("not a folder"));
  CHECK_THROWS_WITH(BertTokenizer::from_folder(folder_with("bad-json", "{nope")), Contains("tokenizer_config.json: not valid JSON"));
  CHECK_THROWS_WITH(BertTokenizer::from_folder(folder_with("bad-bool", R"({"do_lower_case": "yes"})")), Contains("'do_lower_case' must be true or false, got \"yes\""));
  CHECK_THROWS_WITH(BertTokenizer::from_folder(folder_with("bad-strip", R"({"strip_accents": 1})")), Contains("'strip_accents' must be true, false or null"));
  CHECK_THROWS_WITH(BertTokenizer::from_folder(folder_with("bad-len", R"({"model_max_length": -3})")), Contains("'model_max_length' must be a positive integer"));
  CHECK_THROWS_WITH(BertTokenizer::from_folder(folder_with("bad-token", R"({"cls_token": 5})")), Contains("'cls_token' must be a string"));
  CHECK_THROWS_WITH(BertTokenizer::from_folder(folder_with("bad-unk", R"({"unk_token": "<nothing>"})")), Contains("'<nothing>' is not in the vocabulary"));
}

TEST_CASE("save writes a folder that from_folder reads back the same", "[tokenizer][files]") {
  TokenizerOptions o;
  o.do_lower_case = false;
  o.strip_accents = true;
  o.model_max_length = 77;
  o.never_split = {"KEEP.ME"};
  o.additional_special_tokens = {"<ent>"};
  const auto t = small_tokenizer({"a", "b", "Hello", "<ent>"}, o);
  const auto dir = scratch_dir("tokenizer-files/saved");
  t.save(dir);
  const auto back = BertTokenizer::from_folder(dir);
  CHECK(back.vocab().tokens() == t.vocab().tokens());
  CHECK_FALSE(back.options().do_lower_case);
  CHECK(back.options().strip_accents == std::optional<bool>(true));
  CHECK(back.options().model_max_length == 77);
  CHECK(back.options().never_split == o.never_split);
  CHECK(back.options().additional_special_tokens == o.additional_special_tokens);
  CHECK(back.encode(utf8(U"Héllo KEEP.ME a<ent>b")).tokens == t.encode(utf8(U"Héllo KEEP.ME a<ent>b")).tokens);
  // The layout Hugging Face writes: strip_accents null when unset, tokenizer_class set.
  std::ifstream in(dir / "tokenizer_config.json");
  const auto config = nlohmann::json::parse(in);
  CHECK(config["tokenizer_class"] == "BertTokenizer");
  CHECK(config["do_lower_case"] == false);
  small_tokenizer({}).save(dir);
  std::ifstream in2(dir / "tokenizer_config.json");
  CHECK(nlohmann::json::parse(in2)["strip_accents"].is_null());
}
