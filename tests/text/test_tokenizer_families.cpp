// Parity with Hugging Face for the other encoder families' fixtures
// (tiny-roberta, tiny-distilbert, tiny-electra): every case of their
// reference.json, made by transformers 4.33.3's slow tokenizers.
#include <catch2/catch.hpp>

#include "mtlab/text/bert_tokenizer.h"
#include "mtlab/text/roberta_tokenizer.h"
#include "reference_parity.h"

using namespace mtlab;
using nlohmann::json;

namespace {

const RobertaTokenizer& tiny_roberta() {
  static const RobertaTokenizer t = RobertaTokenizer::from_folder(test::fixtures_dir() / "tiny-roberta");
  return t;
}

// The special tokens of the reference ({"cls": ["<s>", 0], ...}) against the tokenizer's ids.
template <class T>
void check_special_ids(const T& t, const json& specials) {
  CHECK(t.unk_id() == specials["unk"][1].get<std::int64_t>());
  CHECK(t.cls_id() == specials["cls"][1].get<std::int64_t>());
  CHECK(t.sep_id() == specials["sep"][1].get<std::int64_t>());
  CHECK(t.pad_id() == specials["pad"][1].get<std::int64_t>());
  CHECK(t.mask_id() == specials["mask"][1].get<std::int64_t>());
  CHECK(t.pad_token() == specials["pad"][0].get<std::string>());
}

}  // namespace

TEST_CASE("tiny-roberta: the folder's settings and special ids are Hugging Face's", "[tokenizer][reference][roberta]") {
  const auto& t = tiny_roberta();
  const auto reference = test::fixture_reference("tiny-roberta");
  const auto& settings = reference["tokenizer"];
  CHECK(t.options().add_prefix_space == settings["add_prefix_space"].get<bool>());
  CHECK(t.options().model_max_length == settings["model_max_length"].get<std::int64_t>());
  CHECK(t.vocab_size() == settings["vocab_size"].get<std::int64_t>());
  CHECK(t.merges().size() == 50000);
  check_special_ids(t, settings["special_tokens"]);
  CHECK(t.options().mask_token.lstrip);
  CHECK_FALSE(t.options().cls_token.lstrip);
  test::check_model_input_names(t, reference);
}

TEST_CASE("tiny-roberta: every reference case tokenizes and encodes exactly as Hugging Face", "[tokenizer][reference][roberta]") {
  const auto reference = test::fixture_reference("tiny-roberta");
  test::check_reference_cases(tiny_roberta(), reference, tiny_roberta().options().model_max_length);
  // RobertaTokenizer's type ids (were they asked for) are all 0, pairs included.
  const auto e = tiny_roberta().encode_pair("a b", "c d");
  CHECK(e.token_type_ids == std::vector<std::int64_t>(e.size(), 0));
}

TEST_CASE("tiny-roberta: the reference batch pads on the right with <pad>", "[tokenizer][reference][roberta]") {
  test::check_reference_batch(tiny_roberta(), test::fixture_reference("tiny-roberta"));
}

TEST_CASE("The real roberta-base vocab.json and merges.txt give the fixture's ids", "[tokenizer][reference][roberta]") {
  // tiny-roberta's vocab.json is roberta-base's re-saved by HF (same content,
  // other layout), its merges.txt the same bytes: load the originals directly.
  const auto vocab_dir = test::fixtures_dir() / "vocab";
  const auto t = RobertaTokenizer::from_files(vocab_dir / "roberta-base-vocab.json", vocab_dir / "roberta-base-merges.txt");
  const auto reference = test::fixture_reference("tiny-roberta");
  CHECK(t.vocab().tokens() == tiny_roberta().vocab().tokens());
  for (const auto& c : reference["cases"]) {
    if (c.contains("text_pair") || c["call_kwargs"].value("truncation", false)) continue;
    INFO("case " << c["id"].get<std::string>());
    CHECK(t.encode(c["text"].get<std::string>()).input_ids == test::as_vector<std::int64_t>(c["input_ids"]));
  }
}

TEST_CASE("tiny-distilbert: BertTokenizer reads the folder and matches every reference case", "[tokenizer][reference][distilbert]") {
  const auto t = BertTokenizer::from_folder(test::fixtures_dir() / "tiny-distilbert");
  const auto reference = test::fixture_reference("tiny-distilbert");
  CHECK(t.options().tokenizer_class == reference["tokenizer"]["class"].get<std::string>());
  CHECK(t.options().model_max_length == reference["tokenizer"]["model_max_length"].get<std::int64_t>());
  check_special_ids(t, reference["tokenizer"]["special_tokens"]);
  // The reference has no token_type_ids: DistilBertTokenizer does not return them.
  CHECK_FALSE(reference["cases"][0].contains("token_type_ids"));
  test::check_model_input_names(t, reference);
  test::check_reference_cases(t, reference, t.options().model_max_length);
  test::check_reference_batch(t, reference);
}

TEST_CASE("tiny-electra: BertTokenizer reads the folder and matches every reference case", "[tokenizer][reference][electra]") {
  const auto t = BertTokenizer::from_folder(test::fixtures_dir() / "tiny-electra");
  const auto reference = test::fixture_reference("tiny-electra");
  CHECK(t.options().tokenizer_class == reference["tokenizer"]["class"].get<std::string>());
  check_special_ids(t, reference["tokenizer"]["special_tokens"]);
  test::check_model_input_names(t, reference);
  test::check_reference_cases(t, reference, t.options().model_max_length);
  test::check_reference_batch(t, reference);
}

TEST_CASE("DistilBERT and ELECTRA folders save back as Hugging Face wrote them", "[tokenizer][files][distilbert][electra]") {
  for (const char* fixture : {"tiny-distilbert", "tiny-electra"}) {
    INFO(fixture);
    const auto dir = test::scratch_dir(std::string("family-save/") + fixture);
    BertTokenizer::from_folder(test::fixtures_dir() / fixture).save(dir);
    for (const char* name : {"vocab.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
      INFO(name);
      CHECK(test::read_file(dir / name) == test::read_file(test::fixtures_dir() / fixture / name));
    }
  }
}
