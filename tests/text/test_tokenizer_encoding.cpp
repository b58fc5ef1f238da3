// Encodings: special tokens, pairs and token types, truncation, padding, word ids.
#include <catch2/catch.hpp>

#include "mtlab/core/error.h"
#include "tokenizer_test_util.h"

using namespace mtlab;
using namespace mtlab::test;
using Ids = std::vector<std::int64_t>;

namespace {

// [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then a..h = 5..12.
BertTokenizer letters() { return small_tokenizer({"a", "b", "c", "d", "e", "f", "g", "h"}); }

}  // namespace

TEST_CASE("A single text is [CLS] text [SEP] with type 0 and mask 1", "[tokenizer][encode]") {
  const auto e = letters().encode("a b c");
  CHECK(e.tokens == Tokens{"[CLS]", "a", "b", "c", "[SEP]"});
  CHECK(e.input_ids == Ids{2, 5, 6, 7, 3});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 0, 0});
  CHECK(e.attention_mask == Ids{1, 1, 1, 1, 1});
  const auto bare = letters().encode("a b c", {.add_special_tokens = false});
  CHECK(bare.input_ids == Ids{5, 6, 7});
  CHECK(letters().encode("").tokens == Tokens{"[CLS]", "[SEP]"});
}

TEST_CASE("A pair is [CLS] A [SEP] B [SEP] with type 1 from B on", "[tokenizer][encode]") {
  const auto e = letters().encode_pair("a b", "c");
  CHECK(e.tokens == Tokens{"[CLS]", "a", "b", "[SEP]", "c", "[SEP]"});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 0, 1, 1});
  CHECK(e.word_ids == Ids{-1, 0, 1, -1, 0, -1});
  CHECK(letters().encode_pair("a", "b", {.add_special_tokens = false}).token_type_ids == Ids{0, 1});
}

TEST_CASE("Truncation cuts a single text from the end to max_length", "[tokenizer][encode]") {
  const auto t = letters();
  CHECK(t.encode("a b c d e", {.max_length = 4}).tokens == Tokens{"[CLS]", "a", "b", "[SEP]"});
  CHECK(t.encode("a b c d e", {.max_length = 3}).tokens == Tokens{"[CLS]", "a", "[SEP]"});
  CHECK(t.encode("a b", {.max_length = 10}).tokens == Tokens{"[CLS]", "a", "b", "[SEP]"});
  CHECK(t.encode("a b c", {.add_special_tokens = false, .max_length = 2}).tokens == Tokens{"a", "b"});
  // Only the special tokens would fit: HF logs an error and returns the text uncut; we refuse.
  CHECK_THROWS_WITH(t.encode("a b", {.max_length = 2}), Catch::Matchers::Contains("max_length 2"));
  CHECK(t.encode("", {.max_length = 2}).tokens == Tokens{"[CLS]", "[SEP]"});
  CHECK_THROWS_AS(t.encode("a", {.max_length = -1}), Error);
}

TEST_CASE("Pairs truncate longest_first, one token at a time, the second on ties", "[tokenizer][encode]") {
  const auto t = letters();
  // 5 + 3 + 3 specials = 11 → 8: remove from A (5>3), A (4>3), then B on the 3-3 tie.
  auto e = t.encode_pair("a b c d e", "f g h", {.max_length = 8});
  CHECK(e.tokens == Tokens{"[CLS]", "a", "b", "c", "[SEP]", "f", "g", "[SEP]"});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 0, 0, 1, 1, 1});
  // Equal lengths: the second loses first.
  e = t.encode_pair("a b c", "d e f", {.max_length = 8});
  CHECK(e.tokens == Tokens{"[CLS]", "a", "b", "c", "[SEP]", "d", "e", "[SEP]"});
  // 2 + 5 → 6 in total: B gives 3 tokens to reach the tie, then one more as the second.
  e = t.encode_pair("a b", "c d e f g", {.max_length = 6});
  CHECK(e.tokens == Tokens{"[CLS]", "a", "b", "[SEP]", "c", "[SEP]"});
  CHECK(t.encode_pair("a b", "c", {.max_length = 3}).tokens == Tokens{"[CLS]", "[SEP]", "[SEP]"});
  CHECK_THROWS_AS(t.encode_pair("a", "b", {.max_length = 2}), Error);
}

TEST_CASE("Padding goes on the right with the pad id, type 0 and mask 0", "[tokenizer][encode]") {
  const auto t = letters();
  auto e = t.encode_pair("a", "b", {.pad_to = 7});
  CHECK(e.tokens == Tokens{"[CLS]", "a", "[SEP]", "b", "[SEP]", "[PAD]", "[PAD]"});
  CHECK(e.input_ids == Ids{2, 5, 3, 6, 3, 0, 0});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 1, 1, 0, 0});
  CHECK(e.attention_mask == Ids{1, 1, 1, 1, 1, 0, 0});
  CHECK(e.word_ids == Ids{-1, 0, -1, 0, -1, -1, -1});
  // pad_to shorter than the encoding changes nothing.
  CHECK(t.encode("a b c", {.pad_to = 2}).size() == 5);

  std::vector<Encoding> batch = {t.encode("a"), t.encode("a b c d"), t.encode("")};
  t.pad(batch);
  for (const auto& x : batch) CHECK(x.size() == 6);
  CHECK(batch[0].attention_mask == Ids{1, 1, 1, 0, 0, 0});
  CHECK(batch[2].input_ids == Ids{2, 3, 0, 0, 0, 0});
  t.pad(batch, 8);
  CHECK(batch[1].input_ids == Ids{2, 5, 6, 7, 8, 3, 0, 0});
}

TEST_CASE("A tokenizer whose [PAD] is elsewhere pads with that id", "[tokenizer][encode]") {
  const BertTokenizer t(Vocab({"[UNK]", "x", "[CLS]", "[SEP]", "[PAD]", "[MASK]"}), {});
  CHECK(t.pad_id() == 4);
  CHECK(t.encode("x", {.pad_to = 4}).input_ids == Ids{2, 1, 3, 4});
}

TEST_CASE("word_ids map every piece to its word, specials and padding get -1", "[tokenizer][encode]") {
  const auto& t = uncased_tokenizer();
  auto e = t.encode("Unaffable, yes[SEP]x");
  CHECK(e.tokens == Tokens{"[CLS]", "una", "##ffa", "##ble", ",", "yes", "[SEP]", "x", "[SEP]"});
  CHECK(e.word_ids == Ids{-1, 0, 0, 0, 1, 2, 3, 4, -1});
  // Truncation keeps the ids aligned.
  e = t.encode("Unaffable, yes", {.max_length = 4});
  CHECK(e.word_ids == Ids{-1, 0, 0, -1});
}

TEST_CASE("encode_words tokenizes each given word alone and maps pieces to word indices", "[tokenizer][encode]") {
  const auto& t = uncased_tokenizer();
  const auto e = t.encode_words({"Unaffable", "don't", "", "Paris", "\xe2\x80\x8b"});
  CHECK(e.tokens == Tokens{"[CLS]", "una", "##ffa", "##ble", "don", "'", "t", "paris", "[SEP]"});
  CHECK(e.word_ids == Ids{-1, 0, 0, 0, 1, 1, 1, 3, -1});
  // The same pieces as tokenizing the joined text, here.
  CHECK(t.encode("Unaffable don't Paris").input_ids == e.input_ids);
}

TEST_CASE("Copies of a tokenizer work on their own", "[tokenizer][encode]") {
  auto t = std::make_unique<BertTokenizer>(letters());
  const BertTokenizer copy = *t;
  t.reset();
  CHECK(copy.encode("a b").input_ids == Ids{2, 5, 6, 3});
}
