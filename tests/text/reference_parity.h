#pragma once
// Parity with Hugging Face: the cases and the padded batch of a fixture's
// reference.json (made by transformers 4.33.3's slow tokenizers), checked
// for any tokenizer family. A field the reference leaves out (DistilBERT's and
// RoBERTa's token_type_ids) is not compared.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mtlab/text/tokenizer.h"
#include "test_paths.h"

namespace mtlab::test {

inline std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline nlohmann::json fixture_reference(const std::string& fixture) {
  std::ifstream in(fixtures_dir() / fixture / "reference.json");
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

template <class T>
std::vector<T> as_vector(const nlohmann::json& j) {
  return j.get<std::vector<T>>();
}

// The EncodeOptions of a case's call_kwargs (truncation without max_length
// means the tokenizer's model_max_length).
inline EncodeOptions options_of(const nlohmann::json& kwargs, std::int64_t model_max_length) {
  EncodeOptions options;
  if (kwargs.contains("add_special_tokens")) options.add_special_tokens = kwargs["add_special_tokens"].get<bool>();
  if (kwargs.value("truncation", false)) {
    options.max_length = kwargs.contains("max_length") ? kwargs["max_length"].get<std::int64_t>() : model_max_length;
  }
  return options;
}

// `T` has tokenize(text) (HF's tokenizer.tokenize) besides the Tokenizer interface.
template <class T>
void check_reference_cases(const T& t, const nlohmann::json& reference, std::int64_t model_max_length) {
  const auto& cases = reference["cases"];
  REQUIRE(cases.size() >= 28);
  for (const auto& c : cases) {
    const auto text = c["text"].get<std::string>();
    INFO("case " << c["id"].get<std::string>() << " (" << c["kind"].get<std::string>() << "): " << text);
    CHECK(t.tokenize(text) == as_vector<std::string>(c["wordpieces"]));
    const auto options = options_of(c["call_kwargs"], model_max_length);
    Encoding e;
    if (c.contains("text_pair")) {
      const auto pair = c["text_pair"].get<std::string>();
      CHECK(t.tokenize(pair) == as_vector<std::string>(c["wordpieces_pair"]));
      e = t.encode_pair(text, pair, options);
    } else {
      e = t.encode(text, options);
    }
    CHECK(e.tokens == as_vector<std::string>(c["tokens"]));
    CHECK(e.input_ids == as_vector<std::int64_t>(c["input_ids"]));
    if (c.contains("token_type_ids")) CHECK(e.token_type_ids == as_vector<std::int64_t>(c["token_type_ids"]));
    CHECK(e.attention_mask == as_vector<std::int64_t>(c["attention_mask"]));
    CHECK(e.word_ids.size() == e.size());
    CHECK(e.token_type_ids.size() == e.size());
  }
}

inline void check_reference_batch(const Tokenizer& t, const nlohmann::json& reference) {
  const auto& batch = reference["batch"];
  CHECK(batch["padding_side"].get<std::string>() == "right");
  std::vector<Encoding> encodings;
  for (const auto& text : batch["texts"]) encodings.push_back(t.encode(text.get<std::string>()));
  t.pad(encodings);
  using Rows = std::vector<std::vector<std::int64_t>>;
  const auto ids = batch["input_ids"].get<Rows>();
  const auto masks = batch["attention_mask"].get<Rows>();
  REQUIRE(encodings.size() == ids.size());
  for (std::size_t i = 0; i < encodings.size(); ++i) {
    INFO("batch row " << i);
    CHECK(encodings[i].input_ids == ids[i]);
    CHECK(encodings[i].attention_mask == masks[i]);
    if (batch.contains("token_type_ids")) CHECK(encodings[i].token_type_ids == batch["token_type_ids"].get<Rows>()[i]);
  }
  if (batch.contains("pad_token_id")) CHECK(t.pad_id() == batch["pad_token_id"].get<std::int64_t>());
}

// model_input_names as the reference's tokenizer reports them.
inline void check_model_input_names(const Tokenizer& t, const nlohmann::json& reference) {
  CHECK(t.model_input_names() == as_vector<std::string>(reference["tokenizer"]["model_input_names"]));
}

}  // namespace mtlab::test
