// Entity-level span P/R/F1 against hand-checked cases, conlleval/seqeval
// conventions, including the IOB1 vs BIO edge cases.
#include <catch2/catch.hpp>

#include "mtlab/core/error.h"
#include "mtlab/data/tag_scheme.h"
#include "mtlab/metrics/span_f1.h"

using namespace mtlab;
using Tags = std::vector<std::string>;
using Spans = std::vector<Span>;

TEST_CASE("span extraction: conlleval conventions", "[metrics][span]") {
  CHECK(extract_spans({"B-PER", "I-PER", "O", "B-LOC"}) == Spans{{"PER", 0, 2}, {"LOC", 3, 4}});
  // A span that starts with I- (after O, or at the sentence start) is an entity.
  CHECK(extract_spans({"O", "I-PER", "I-PER", "O"}) == Spans{{"PER", 1, 3}});
  CHECK(extract_spans({"I-PER"}) == Spans{{"PER", 0, 1}});
  // Adjacent entities of one type are separated by B-.
  CHECK(extract_spans({"B-PER", "B-PER"}) == Spans{{"PER", 0, 1}, {"PER", 1, 2}});
  CHECK(extract_spans({"B-PER", "I-PER", "B-PER"}) == Spans{{"PER", 0, 2}, {"PER", 2, 3}});
  // A type change ends one entity and starts another, B- or not.
  CHECK(extract_spans({"B-PER", "I-LOC"}) == Spans{{"PER", 0, 1}, {"LOC", 1, 2}});
  CHECK(extract_spans({"B-PER", "I-PER", "I-LOC", "I-LOC"}) == Spans{{"PER", 0, 2}, {"LOC", 2, 4}});
  // The sentence end closes an entity; types may contain '-' and '.'.
  CHECK(extract_spans({"O", "B-fromloc.city_name", "I-fromloc.city_name"}) == Spans{{"fromloc.city_name", 1, 3}});
  CHECK(extract_spans({"B-a-b", "I-a-b"}) == Spans{{"a-b", 0, 2}});
  CHECK(extract_spans({"O", "O"}).empty());
  CHECK_THROWS_WITH(extract_spans({"O", "PER"}), "span metrics: tag 2 'PER' is not O, B-TYPE or I-TYPE");
}

TEST_CASE("span extraction: IOB1 reads the same as its BIO conversion", "[metrics][span]") {
  // IOB1: B- only between adjacent entities of one type.
  const Tags iob1 = {"I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG", "B-ORG", "I-ORG", "O", "I-MISC"};
  const Tags bio = iob1_to_bio(iob1);
  CHECK(bio == Tags{"B-PER", "I-PER", "B-PER", "O", "B-LOC", "B-ORG", "B-ORG", "I-ORG", "O", "B-MISC"});
  const Spans expected = {{"PER", 0, 2}, {"PER", 2, 3}, {"LOC", 4, 5}, {"ORG", 5, 6}, {"ORG", 6, 8}, {"MISC", 9, 10}};
  CHECK(extract_spans(iob1) == expected);
  CHECK(extract_spans(bio) == expected);
  CHECK(extract_spans(bio, SpanMode::strict_bio) == expected);
  // Strict BIO drops what IOB1 calls an entity: spans starting with I-.
  CHECK(extract_spans(iob1, SpanMode::strict_bio) == Spans{{"PER", 2, 3}, {"ORG", 6, 8}});
}

TEST_CASE("span extraction: strict BIO (seqeval mode=strict)", "[metrics][span]") {
  CHECK(extract_spans({"O", "I-PER", "I-PER"}, SpanMode::strict_bio).empty());
  CHECK(extract_spans({"B-PER", "I-LOC"}, SpanMode::strict_bio) == Spans{{"PER", 0, 1}});
  CHECK(extract_spans({"B-PER", "B-PER", "I-PER"}, SpanMode::strict_bio) == Spans{{"PER", 0, 1}, {"PER", 1, 3}});
}

TEST_CASE("span P/R/F1: hand-checked", "[metrics][span]") {
  SECTION("seqeval's README example: P = R = F1 = 0.5") {
    const auto s = span_scores({{"O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}},
                               {{"O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}});
    CHECK(s.overall.true_positives == 1);
    CHECK(s.overall.gold == 2);
    CHECK(s.overall.predicted == 2);
    CHECK(s.overall.precision == Approx(0.5));
    CHECK(s.overall.recall == Approx(0.5));
    CHECK(s.overall.f1 == Approx(0.5));
    CHECK(s.by_type.at("PER").f1 == 1.0);
    CHECK(s.by_type.at("MISC").f1 == 0.0);
  }
  SECTION("wrong type, partial span and an extra entity") {
    // gold: PER 0-2, LOC 3, ORG 5-7 ; pred: PER 0-2, ORG 3, ORG 5-6, LOC 7.
    const auto s = span_scores({{"B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG", "I-ORG"}, {"O"}},
                               {{"B-PER", "I-PER", "O", "B-ORG", "O", "B-ORG", "B-LOC"}, {"O"}});
    CHECK(s.overall.true_positives == 1);
    CHECK(s.overall.gold == 3);
    CHECK(s.overall.predicted == 4);
    CHECK(s.overall.precision == Approx(0.25));
    CHECK(s.overall.recall == Approx(1.0 / 3.0));
    CHECK(s.overall.f1 == Approx(2 * 0.25 * (1.0 / 3.0) / (0.25 + 1.0 / 3.0)));
    CHECK(s.by_type.at("ORG").predicted == 2);
    CHECK(s.by_type.at("ORG").true_positives == 0);
    CHECK(s.by_type.at("LOC").gold == 1);
  }
  SECTION("a prediction starting with I- counts under conlleval, not under strict BIO") {
    const std::vector<Tags> gold = {{"O", "B-PER", "I-PER", "O"}};
    const std::vector<Tags> pred = {{"O", "I-PER", "I-PER", "O"}};
    CHECK(span_scores(gold, pred).overall.f1 == 1.0);
    const auto strict = span_scores(gold, pred, SpanMode::strict_bio);
    CHECK(strict.overall.predicted == 0);
    CHECK(strict.overall.precision == 0.0);
    CHECK(strict.overall.f1 == 0.0);
  }
  SECTION("adjacent entities merged by the prediction: nothing right") {
    const auto s = span_scores({{"B-PER", "B-PER"}}, {{"B-PER", "I-PER"}});
    CHECK(s.overall.gold == 2);
    CHECK(s.overall.predicted == 1);
    CHECK(s.overall.true_positives == 0);
    CHECK(s.overall.f1 == 0.0);
  }
  SECTION("no entity anywhere: zeros, no division by zero") {
    const auto s = span_scores({{"O"}}, {{"O"}});
    CHECK(s.overall.f1 == 0.0);
    CHECK(s.by_type.empty());
  }
  SECTION("entities never cross sentences") {
    const auto s = span_scores({{"B-X"}, {"I-X"}}, {{"B-X"}, {"I-X"}});
    CHECK(s.overall.gold == 2);
    CHECK(s.overall.f1 == 1.0);
  }
  SECTION("shape errors") {
    CHECK_THROWS_WITH(span_scores({{"O"}}, {}), "span metrics: 1 gold sentences but 0 predicted");
    CHECK_THROWS_WITH(span_scores({{"O"}}, {{"O", "O"}}), "span metrics: sentence 1 has 1 gold tags but 2 predicted");
  }
}
