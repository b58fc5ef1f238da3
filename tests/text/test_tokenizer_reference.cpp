// Parity with Hugging Face: every case of fixtures/tiny-bert/reference.json
// (made by transformers 4.33.3's BertTokenizer.from_pretrained) must match exactly.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "mtlab/text/bert_tokenizer.h"
#include "test_paths.h"

using namespace mtlab;
using nlohmann::json;

namespace {

const json& reference() {
  static const json j = [] {
    std::ifstream in(test::fixtures_dir() / "tiny-bert" / "reference.json");
    REQUIRE(in);
    return json::parse(in);
  }();
  return j;
}

const BertTokenizer& tiny_bert() {
  static const BertTokenizer t = BertTokenizer::from_folder(test::fixtures_dir() / "tiny-bert");
  return t;
}

template <class T>
std::vector<T> as_vector(const json& j) {
  return j.get<std::vector<T>>();
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
  const auto& t = tiny_bert();
  const auto& cases = reference()["cases"];
  REQUIRE(cases.size() >= 28);
  for (const auto& c : cases) {
    const auto id = c["id"].get<std::string>();
    const auto kind = c["kind"].get<std::string>();
    INFO("case " << id << " (" << kind << "): " << c["text"].get<std::string>());
    CHECK(t.tokenize(c["text"].get<std::string>()) == as_vector<std::string>(c["wordpieces"]));

    EncodeOptions options;
    const auto& kwargs = c["call_kwargs"];
    if (kwargs.contains("add_special_tokens")) options.add_special_tokens = kwargs["add_special_tokens"].get<bool>();
    if (kwargs.value("truncation", false)) {
      options.max_length = kwargs.contains("max_length") ? kwargs["max_length"].get<std::int64_t>()
                                                         : t.options().model_max_length;
    }
    Encoding e;
    if (c.contains("text_pair")) {
      CHECK(t.tokenize(c["text_pair"].get<std::string>()) == as_vector<std::string>(c["wordpieces_pair"]));
      e = t.encode_pair(c["text"].get<std::string>(), c["text_pair"].get<std::string>(), options);
    } else {
      e = t.encode(c["text"].get<std::string>(), options);
    }
    CHECK(e.tokens == as_vector<std::string>(c["tokens"]));
    CHECK(e.input_ids == as_vector<std::int64_t>(c["input_ids"]));
    CHECK(e.token_type_ids == as_vector<std::int64_t>(c["token_type_ids"]));
    CHECK(e.attention_mask == as_vector<std::int64_t>(c["attention_mask"]));
    CHECK(e.word_ids.size() == e.size());
  }
}

TEST_CASE("The reference batch pads on the right exactly as Hugging Face", "[tokenizer][reference]") {
  const auto& t = tiny_bert();
  const auto& batch = reference()["batch"];
  CHECK(batch["padding_side"].get<std::string>() == "right");
  std::vector<Encoding> encodings;
  for (const auto& text : batch["texts"]) encodings.push_back(t.encode(text.get<std::string>()));
  t.pad(encodings);
  const auto ids = batch["input_ids"].get<std::vector<std::vector<std::int64_t>>>();
  const auto types = batch["token_type_ids"].get<std::vector<std::vector<std::int64_t>>>();
  const auto masks = batch["attention_mask"].get<std::vector<std::vector<std::int64_t>>>();
  REQUIRE(encodings.size() == ids.size());
  for (std::size_t i = 0; i < encodings.size(); ++i) {
    INFO("batch row " << i);
    CHECK(encodings[i].input_ids == ids[i]);
    CHECK(encodings[i].token_type_ids == types[i]);
    CHECK(encodings[i].attention_mask == masks[i]);
  }
}
