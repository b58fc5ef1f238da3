// The synthetic joint dataset: deterministic per seed, well-formed, learnable
// but not trivial.
#include <catch2/catch.hpp>

#include <set>

#include "data_test_helpers.h"
#include "mtlab/data/label_set.h"
#include "mtlab/data/synthetic_data.h"
#include "mtlab/data/tag_scheme.h"
#include "mtlab/metrics/span_f1.h"

using namespace mtlab;
using mtlab::test::data_table;

namespace {

bool same_data(const std::vector<Example>& a, const std::vector<Example>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].words != b[i].words || a[i].tags != b[i].tags || a[i].label != b[i].label) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("synthetic: same seed gives the same data, another seed other data", "[data][synthetic]") {
  const auto table = [](int seed) {
    return data_table({{"format", "synthetic"}, {"seed", seed}, {"train_size", 400}, {"dev_size", 50},
                       {"test_size", 60}, {"noise", 0.1}});
  };
  const Dataset a = read_dataset(table(1));
  const Dataset b = read_dataset(table(1));
  const Dataset c = read_dataset(table(2));
  REQUIRE(a.train.size() == 400);
  REQUIRE(a.dev.size() == 50);
  REQUIRE(a.test.size() == 60);
  CHECK(same_data(a.train, b.train));
  CHECK(same_data(a.dev, b.dev));
  CHECK(same_data(a.test, b.test));
  CHECK_FALSE(same_data(a.train, c.train));
  CHECK_FALSE(same_data(a.test, c.test));
  CHECK(a.source == "synthetic: seed 1, 400/50/60 sentences, noise 0.1");
  CHECK(a.format == "synthetic");
}

TEST_CASE("synthetic: well-formed, disjoint splits, every intent and slot used", "[data][synthetic]") {
  SyntheticOptions o;
  o.seed = 13;
  const Dataset d = generate_synthetic(o);
  REQUIRE(d.train.size() == 2000);
  REQUIRE(d.dev.size() == 300);
  REQUIRE(d.test.size() == 300);
  std::set<std::string> train_texts, intents, slot_types;
  std::size_t multi_word_spans = 0, spans = 0;
  for (const auto* split : {&d.train, &d.dev, &d.test}) {
    for (const auto& ex : *split) {
      REQUIRE(ex.words.size() == ex.tags.size());
      REQUIRE_NOTHROW(check_tags(ex.tags, ex.source));
      CHECK(ex.text.find("  ") == std::string::npos);
      // BIO: every I-X continues a B-X/I-X (strict and lenient spans agree).
      CHECK(extract_spans(ex.tags, SpanMode::strict_bio) == extract_spans(ex.tags, SpanMode::conlleval));
      intents.insert(*ex.label);
      for (const auto& s : extract_spans(ex.tags)) {
        slot_types.insert(s.type);
        ++spans;
        multi_word_spans += s.end - s.begin > 1;
      }
    }
  }
  for (const auto& ex : d.train) train_texts.insert(ex.text);
  CHECK(train_texts.size() == d.train.size());
  for (const auto* split : {&d.dev, &d.test}) {
    for (const auto& ex : *split) CHECK(train_texts.count(ex.text) == 0);
  }
  CHECK(std::vector<std::string>(intents.begin(), intents.end()) == synthetic_intents());
  CHECK(std::vector<std::string>(slot_types.begin(), slot_types.end()) == synthetic_slot_types());
  CHECK(synthetic_intents().size() == 7);
  CHECK(synthetic_slot_types().size() == 18);
  // Multi-word values are common, not an exception.
  CHECK(multi_word_spans * 5 > spans);
  // Not trivial: words shared across intents ("book", "play", "to" occur under several).
  std::map<std::string, std::set<std::string>> intents_of_word;
  for (const auto& ex : d.train) {
    for (const auto& w : ex.words) intents_of_word[w].insert(*ex.label);
  }
  CHECK(intents_of_word["book"].size() >= 3);
  CHECK(intents_of_word["play"].size() >= 2);
  CHECK(intents_of_word["to"].size() >= 4);
  // And the same word under different slot types ("chicago" a city and a band).
  std::set<std::string> chicago_tags;
  for (const auto& ex : d.train) {
    for (std::size_t i = 0; i < ex.words.size(); ++i) {
      if (ex.words[i] == "chicago") chicago_tags.insert(ex.tags[i]);
    }
  }
  CHECK(chicago_tags.size() >= 3);
}

TEST_CASE("synthetic: options are checked", "[data][synthetic]") {
  CHECK_THROWS_WITH(read_dataset(data_table({{"format", "synthetic"}, {"train", "x"}})),
                    Catch::Contains("'train'"));
  CHECK_THROWS_WITH(read_dataset(data_table({{"format", "synthetic"}, {"noise", 2.0}})),
                    Catch::Contains("key 'noise': 2 is out of range"));
}
