// Label sets: built from train, sorted, serializable; unseen labels map to
// kUnknown and are counted as errors, never a crash.
#include <catch2/catch.hpp>

#include "mtlab/core/error.h"
#include "mtlab/data/dataset.h"
#include "mtlab/data/label_set.h"
#include "mtlab/metrics/classification.h"

using namespace mtlab;

TEST_CASE("label set: sorted, stable, ids both ways", "[data][labels]") {
  const LabelSet set = LabelSet::build({"play", "book", "play", "weather", "book"});
  CHECK(set.labels() == std::vector<std::string>{"book", "play", "weather"});
  CHECK(set.id("play") == 1);
  CHECK(set.id("nope") == LabelSet::kUnknown);
  CHECK(set.label(2) == "weather");
  CHECK_THROWS_WITH(set.label(3), "label id 3 is out of range, expected 0..2");
  CHECK_THROWS_AS(set.label(LabelSet::kUnknown), Error);
  CHECK(set.label_or(LabelSet::kUnknown, "<unk>") == "<unk>");
  // The order of the file does not matter.
  CHECK(LabelSet::build({"weather", "book", "play"}) == set);

  const LabelSet tags = LabelSet::build_tags({{"O", "B-city", "I-city"}, {"B-date", "O"}});
  CHECK(tags.labels() == std::vector<std::string>{"B-city", "B-date", "I-city", "O"});
}

TEST_CASE("label set: JSON round trip and malformed JSON", "[data][labels]") {
  const LabelSet set = LabelSet::build({"b", "a", "c:d"});
  CHECK(set.to_json() == R"({"labels":["a","b","c:d"]})");
  CHECK(LabelSet::from_json(set.to_json(), "heads.json") == set);
  // A stored order is kept as stored (a checkpoint's ids must not move).
  CHECK(LabelSet::from_json(R"({"labels":["z","a"]})", "x").id("z") == 0);
  CHECK_THROWS_WITH(LabelSet::from_json(R"({"labels":["a","a"]})", "heads.json"),
                    "heads.json: label set: 'a' appears twice (positions 0 and 1)");
  CHECK_THROWS_WITH(LabelSet::from_json(R"(["a"])", "heads.json"),
                    "heads.json: expected a label set {\"labels\": [...]}");
  CHECK_THROWS_WITH(LabelSet::from_json(R"({"labels":[1]})", "heads.json"),
                    "heads.json: label set entries must be strings, got 1");
}

TEST_CASE("label set: unseen dev/test labels count as errors", "[data][labels]") {
  const LabelSet set = LabelSet::build({"flight", "airfare"});
  const std::vector<std::string> test = {"flight", "day_name", "airfare", "day_name", "flight#airline"};
  const EncodedSplit encoded = encode_split(set, test, "intent", "test");
  CHECK(encoded.ids == std::vector<std::int64_t>{1, -1, 0, -1, -1});
  CHECK(encoded.unseen == std::map<std::string, std::size_t>{{"day_name", 2}, {"flight#airline", 1}});
  // A perfect model still gets the unseen ones wrong: it can only predict known ids.
  const std::vector<std::int64_t> best_possible = {1, 0, 0, 0, 0};
  CHECK(accuracy(encoded.ids, best_possible) == Approx(2.0 / 5.0));
  CHECK(encode_split(set, {"flight"}, "intent", "dev").unseen.empty());
}

TEST_CASE("label sets of a dataset come from train only", "[data][labels]") {
  Dataset d;
  d.train = {Example{"a b", {"a", "b"}, "x", {"B-t", "O"}, "f:1"}, Example{"c", {"c"}, "y", {"O"}, "f:2"}};
  d.test = {Example{"d", {"d"}, "z", {"B-u"}, "g:1"}};
  const DatasetLabels labels = build_label_sets(d);
  REQUIRE(labels.sentence);
  REQUIRE(labels.tags);
  CHECK(labels.sentence->labels() == std::vector<std::string>{"x", "y"});
  CHECK(labels.tags->labels() == std::vector<std::string>{"B-t", "O"});
  d.train = {Example{"a", {}, "x", {}, "f:1"}};
  CHECK_FALSE(build_label_sets(d).tags);
}
