// Parity with Hugging Face: every case of fixtures/tiny-bert/reference.json
// (made by transformers 4.33.3's BertTokenizer.from_pretrained) must match exactly.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "mtlab/text/bert_tokenizer.h"
#include "reference_parity.h"

using namespace mtlab;
using nlohmann::json;

namespace {

const json& reference() {
  static const json j = test::fixture_reference("tiny-bert");
  return j;
}

const BertTokenizer& tiny_bert() {
  static const BertTokenizer t = BertTokenizer::from_folder(test::fixtures_dir() / "tiny-bert");
  return t;
}

}  // namespace

TEST_CASE("The fixture tokenizer has Hugging Face's settings and special ids", "[tokenizer][reference]") {
  const auto& t = tiny_bert();
  const auto& settings = reference()["tokenizer"];
  CHECK(t.options().do_lower_case == settings["do_lower_case"].get<bool>());
  CHECK_FALSE(t.options().strip_accents.has_value());
  CHECK(t.options().model_max_length == settings["model_max_length"].get<std::int64_t>());
  CHECK(t.vocab().size() == settings["vocab_size"].get<std::size_t>());
  const auto& specials = settings["special_tokens"];
  CHECK(t.unk_id() == specials["unk"][1].get<std::int64_t>());
  CHECK(t.cls_id() == specials["cls"][1].get<std::int64_t>());
  CHECK(t.sep_id() == specials["sep"][1].get<std::int64_t>());
  CHECK(t.pad_id() == specials["pad"][1].get<std::int64_t>());
  CHECK(t.mask_id() == specials["mask"][1].get<std::int64_t>());
}

TEST_CASE("Every reference case tokenizes and encodes exactly as Hugging Face", "[tokenizer][reference]") {
  test::check_reference_cases(tiny_bert(), reference(), tiny_bert().options().model_max_length);
}

TEST_CASE("The reference batch pads on the right exactly as Hugging Face", "[tokenizer][reference]") {
  test::check_reference_batch(tiny_bert(), reference());
}
