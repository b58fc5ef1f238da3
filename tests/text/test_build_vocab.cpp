// build_vocab: vocabularies built from training text.
#include <catch2/catch.hpp>

#include "mtlab/core/error.h"
#include "tokenizer_test_util.h"

using namespace mtlab;
using namespace mtlab::test;

TEST_CASE("build_vocab puts specials first, then characters, then words by frequency", "[tokenizer][build_vocab]") {
  const std::vector<std::string> texts = {"The cat sat.", "the CAT ran", "a dog"};
  const auto v = build_vocab(texts, {}, /*min_frequency=*/2, /*max_size=*/0);
  const auto& tokens = v.tokens();
  REQUIRE(tokens.size() >= 5);
  CHECK(std::vector<std::string>(tokens.begin(), tokens.begin() + 5) ==
        std::vector<std::string>{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"});
  // Characters by count (a:4, t:4 ...), each followed by its ## form; lowercased like the tokenizer.
  CHECK(tokens[5] == "a");
  CHECK(tokens[6] == "##a");
  CHECK(tokens[7] == "t");
  CHECK(v.find("T") == std::nullopt);
  CHECK(v.find("##.").has_value());
  // Words seen twice or more, most frequent first; "ran" (once) is left out.
  CHECK(v.find("the").has_value());
  CHECK(v.find("cat").has_value());
  CHECK(*v.find("cat") < *v.find("the"));  // tie at 2: alphabetical
  CHECK_FALSE(v.find("ran").has_value());
  CHECK(tokens.back() == "the");

  // A tokenizer on the built vocabulary never needs [UNK] for seen text.
  const BertTokenizer t(v, {});
  for (const auto& piece : t.tokenize("The dog ran the cat sat.")) CHECK(piece != "[UNK]");
  CHECK(t.tokenize("the cat") == Tokens{"the", "cat"});
  CHECK(t.tokenize("ran,") == Tokens{"r", "##a", "##n", "[UNK]"});
}

TEST_CASE("build_vocab stops at max_size and keeps special tokens out of the counts", "[tokenizer][build_vocab]") {
  const auto v = build_vocab({"ab ab ab [SEP] cd"}, {}, 1, 9);
  CHECK(v.size() == 9);
  CHECK(v.tokens()[5] == "a");
  CHECK(std::count(v.tokens().begin(), v.tokens().end(), "[SEP]") == 1);
  CHECK_FALSE(v.find("[").has_value());
  CHECK_THROWS_AS(build_vocab({"x"}, {}, 1, 3), Error);
  CHECK_THROWS_AS(build_vocab({"x"}, {}, 0, 10), Error);
  CHECK_THROWS_WITH(build_vocab({"ok", "bad \xff"}, {}, 1, 0), Catch::Matchers::Contains("text 1"));
}

TEST_CASE("build_vocab follows the options: cased text keeps its capitals", "[tokenizer][build_vocab]") {
  TokenizerOptions o;
  o.do_lower_case = false;
  const auto v = build_vocab({"Paris Paris", "paris"}, o, 2, 0);
  CHECK(v.find("Paris").has_value());
  CHECK_FALSE(v.find("paris").has_value());
  CHECK(v.find("P").has_value());
}
