// tokenizer.json (Hugging Face's fast tokenizer file) and load_tokenizer_folder.
// The tokenizer.json files are built here from the fixtures' own vocabularies
// in the layout the `tokenizers` library writes for bert-base-uncased and
// roberta-base; the ids must equal the fixtures' reference.json.
#include <catch2/catch.hpp>

#include <fstream>

#include "mtlab/core/error.h"
#include "mtlab/text/bert_tokenizer.h"
#include "mtlab/text/load_tokenizer.h"
#include "mtlab/text/roberta_tokenizer.h"
#include "reference_parity.h"

using namespace mtlab;
using nlohmann::json;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

json added_token(std::int64_t id, const std::string& content, bool lstrip = false) {
  return {{"id", id},         {"content", content}, {"single_word", false}, {"lstrip", lstrip},
          {"rstrip", false}, {"normalized", false}, {"special", true}};
}

json special(const std::string& id, int type) { return {{"SpecialToken", {{"id", id}, {"type_id", type}}}}; }
json sequence(const std::string& id, int type) { return {{"Sequence", {{"id", id}, {"type_id", type}}}}; }

// bert-base-uncased's tokenizer.json, with tiny-bert's vocab.txt.
json bert_json() {
  const auto t = BertTokenizer::from_folder(test::fixtures_dir() / "tiny-bert");
  json vocab = json::object();
  for (std::size_t i = 0; i < t.vocab().size(); ++i) vocab[t.vocab().tokens()[i]] = i;
  json added = json::array();
  for (const char* s : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) added.push_back(added_token(t.vocab().id(s), s));
  auto ids = [&](const char* s) { return json{{"id", s}, {"ids", {t.vocab().id(s)}}, {"tokens", {s}}}; };
  return {
      {"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"added_tokens", added},
      {"normalizer", {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
                      {"strip_accents", nullptr}, {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)}},
        {"pair", {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1), special("[SEP]", 1)}},
        {"special_tokens", {{"[CLS]", ids("[CLS]")}, {"[SEP]", ids("[SEP]")}}}}},
      {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
      {"model", {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"continuing_subword_prefix", "##"},
                 {"max_input_chars_per_word", 100}, {"vocab", vocab}}}};
}

// roberta-base's tokenizer.json, with tiny-roberta's vocab.json and merges.txt.
json roberta_json() {
  const auto t = RobertaTokenizer::from_folder(test::fixtures_dir() / "tiny-roberta");
  std::ifstream in(test::fixtures_dir() / "tiny-roberta" / "vocab.json");
  const json vocab = json::parse(in);
  json merges = json::array();
  for (const auto& [a, b] : t.merges()) merges.push_back(a + " " + b);
  json added = json::array();
  for (const char* s : {"<s>", "<pad>", "</s>", "<unk>"}) added.push_back(added_token(t.vocab().id(s), s));
  added.push_back(added_token(t.vocab().id("<mask>"), "<mask>", /*lstrip=*/true));
  return {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"added_tokens", added},
          {"normalizer", nullptr},
          {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
          {"post_processor", {{"type", "RobertaProcessing"}, {"sep", {"</s>", 2}}, {"cls", {"<s>", 0}},
                              {"trim_offsets", true}, {"add_prefix_space", false}}},
          {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
          {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", ""},
                     {"end_of_word_suffix", ""}, {"fuse_unk", false}, {"byte_fallback", false},
                     {"vocab", vocab}, {"merges", merges}}}};
}

fs::path folder_with(const std::string& name, const json& tokenizer_json) {
  const auto dir = test::scratch_dir("tokenizer-json/" + name);
  std::ofstream(dir / "tokenizer.json") << tokenizer_json.dump();
  return dir;
}

template <class T>
const T& as(const std::shared_ptr<const Tokenizer>& t) {
  const auto* typed = dynamic_cast<const T*>(t.get());
  REQUIRE(typed != nullptr);
  return *typed;
}

}  // namespace

TEST_CASE("A WordPiece tokenizer.json gives tiny-bert's reference ids", "[tokenizer][tokenizer-json]") {
  const auto t = load_tokenizer_json(folder_with("bert", bert_json()));
  const auto& bert = as<BertTokenizer>(t);
  const auto reference = test::fixture_reference("tiny-bert");
  test::check_reference_cases(bert, reference, bert.options().model_max_length);
  test::check_reference_batch(bert, reference);
}

TEST_CASE("BertProcessing is read like BERT's template and the normalizer sets casing", "[tokenizer][tokenizer-json]") {
  auto j = bert_json();
  j["post_processor"] = {{"type", "BertProcessing"}, {"sep", {"[SEP]", 102}}, {"cls", {"[CLS]", 101}}};
  j["normalizer"]["lowercase"] = false;
  const auto t = load_tokenizer_json(folder_with("bert-processing", j));
  const auto& bert = as<BertTokenizer>(t);
  CHECK_FALSE(bert.options().do_lower_case);
  CHECK(bert.encode("a b", {}).tokens.front() == "[CLS]");
  CHECK(bert.encode_pair("a", "b").token_type_ids == std::vector<std::int64_t>{0, 0, 0, 1, 1});
}

TEST_CASE("tokenizer_config.json next to tokenizer.json applies over it", "[tokenizer][tokenizer-json]") {
  const auto dir = folder_with("bert-with-config", bert_json());
  fs::copy_file(test::fixtures_dir() / "tiny-distilbert" / "tokenizer_config.json", dir / "tokenizer_config.json",
                fs::copy_options::overwrite_existing);
  const auto t = load_tokenizer_json(dir);
  CHECK(as<BertTokenizer>(t).options().model_max_length == 128);
  test::check_model_input_names(*t, test::fixture_reference("tiny-distilbert"));
}

TEST_CASE("A byte-level BPE tokenizer.json gives tiny-roberta's reference ids", "[tokenizer][tokenizer-json][roberta]") {
  const auto t = load_tokenizer_json(folder_with("roberta", roberta_json()));
  const auto& roberta = as<RobertaTokenizer>(t);
  CHECK(roberta.options().mask_token.lstrip);
  const auto reference = test::fixture_reference("tiny-roberta");
  test::check_reference_cases(roberta, reference, 128);
  test::check_reference_batch(roberta, reference);
}

TEST_CASE("BPE merges may be two-string lists as newer tokenizers write them", "[tokenizer][tokenizer-json][roberta]") {
  auto j = roberta_json();
  for (auto& m : j["model"]["merges"]) {
    const auto s = m.get<std::string>();
    m = json::array({s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1)});
  }
  const auto t = load_tokenizer_json(folder_with("roberta-list-merges", j));
  const auto c = test::fixture_reference("tiny-roberta")["cases"][2];
  CHECK(t->encode(c["text"].get<std::string>()).input_ids == test::as_vector<std::int64_t>(c["input_ids"]));
}

TEST_CASE("Unsupported parts of tokenizer.json are errors naming the JSON path", "[tokenizer][tokenizer-json]") {
  auto unigram = bert_json();
  unigram["model"]["type"] = "Unigram";
  CHECK_THROWS_WITH(load_tokenizer_json(folder_with("unigram", unigram)),
                    Contains("tokenizer.json: model.type 'Unigram' is not supported; supported: WordPiece, BPE"));
  auto sequence_norm = bert_json();
  sequence_norm["normalizer"] = {{"type", "Sequence"}, {"normalizers", json::array()}};
  CHECK_THROWS_WITH(load_tokenizer_json(folder_with("sequence", sequence_norm)),
                    Contains("normalizer.type 'Sequence' is not supported; supported: BertNormalizer"));
  auto pair_types = bert_json();
  pair_types["post_processor"]["pair"][3]["Sequence"]["type_id"] = 0;
  CHECK_THROWS_WITH(load_tokenizer_json(folder_with("pair-types", pair_types)),
                    Contains("post_processor.pair must be '[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1'"));
  auto no_regex = roberta_json();
  no_regex["pre_tokenizer"]["use_regex"] = false;
  CHECK_THROWS_WITH(load_tokenizer_json(folder_with("no-regex", no_regex)), Contains("pre_tokenizer.use_regex false"));
  auto plain_added = roberta_json();
  plain_added["added_tokens"][0]["special"] = false;
  CHECK_THROWS_WITH(load_tokenizer_json(folder_with("plain-added", plain_added)), Contains("added_tokens[0] ('<s>') is not special"));
}

TEST_CASE("load_tokenizer_folder picks the family of each fixture", "[tokenizer][load]") {
  for (const char* fixture : {"tiny-bert", "tiny-distilbert", "tiny-electra", "tiny-roberta"}) {
    INFO(fixture);
    const auto t = load_tokenizer_folder(test::fixtures_dir() / fixture);
    const auto reference = test::fixture_reference(fixture);
    const auto& c = reference["cases"][4];  // accents: lowercased and stripped by WordPiece only
    CHECK(t->encode(c["text"].get<std::string>()).input_ids == test::as_vector<std::int64_t>(c["input_ids"]));
    CHECK((dynamic_cast<const RobertaTokenizer*>(t.get()) != nullptr) == (std::string(fixture) == "tiny-roberta"));
  }
  CHECK(load_tokenizer_folder(test::fixtures_dir() / "tiny-distilbert")->model_input_names() ==
        std::vector<std::string>{"input_ids", "attention_mask"});
}

TEST_CASE("load_tokenizer_folder reads tokenizer.json when the folder has only that", "[tokenizer][load]") {
  const auto dir = folder_with("only-json", roberta_json());
  std::ofstream(dir / "config.json") << R"({"model_type": "roberta"})";
  CHECK(dynamic_cast<const RobertaTokenizer*>(load_tokenizer_folder(dir).get()) != nullptr);
  std::ofstream(dir / "config.json") << R"({"model_type": "bert"})";
  CHECK_THROWS_WITH(load_tokenizer_folder(dir), Contains("its model is BPE, but the folder's config names a WordPiece"));
}

TEST_CASE("load_tokenizer_folder names what it supports", "[tokenizer][load]") {
  const auto dir = test::scratch_dir("tokenizer-json/xlmr");
  std::ofstream(dir / "config.json") << R"({"model_type": "xlm-roberta"})";
  CHECK_THROWS_WITH(load_tokenizer_folder(dir),
                    Contains("model_type 'xlm-roberta' has no tokenizer in mtlab; supported: bert, distilbert, electra, roberta"));
  const auto empty = test::scratch_dir("tokenizer-json/empty");
  CHECK_THROWS_WITH(load_tokenizer_folder(empty), Contains("no tokenizer files"));
  const auto cls = test::scratch_dir("tokenizer-json/class");
  std::ofstream(cls / "tokenizer_config.json") << R"({"tokenizer_class": "XLMRobertaTokenizerFast"})";
  CHECK_THROWS_WITH(load_tokenizer_folder(cls), Contains("tokenizer_class 'XLMRobertaTokenizer' is not supported"));
}
