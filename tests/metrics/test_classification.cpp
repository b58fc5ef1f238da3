// Sentence-level metrics and the joint metrics, on hand-checked cases
// (the macro-F1 values agree with scikit-learn's f1_score(average="macro")).
#include <catch2/catch.hpp>

#include "mtlab/core/error.h"
#include "mtlab/metrics/classification.h"
#include "mtlab/metrics/sequence_metrics.h"

using namespace mtlab;

TEST_CASE("accuracy", "[metrics]") {
  CHECK(accuracy(std::vector<std::int64_t>{0, 1, 2, 2}, std::vector<std::int64_t>{0, 2, 2, 2}) == Approx(0.75));
  CHECK(accuracy(std::vector<std::string>{"a", "b"}, std::vector<std::string>{"a", "b"}) == 1.0);
  CHECK(accuracy(std::vector<std::int64_t>{}, std::vector<std::int64_t>{}) == 0.0);
  // An unseen gold label (-1) never matches a prediction.
  CHECK(accuracy(std::vector<std::int64_t>{-1, 0}, std::vector<std::int64_t>{0, 0}) == Approx(0.5));
  CHECK_THROWS_WITH(accuracy(std::vector<std::int64_t>{0}, std::vector<std::int64_t>{0, 1}),
                    "accuracy: 1 gold labels but 2 predictions");
}

TEST_CASE("macro-F1 over the labels in gold or predicted", "[metrics]") {
  // per label: 0 → F1 1; 1 → 0 (never predicted); 2 → 2·2/(2+3) = 0.8.
  CHECK(macro_f1(std::vector<std::int64_t>{0, 1, 2, 2}, std::vector<std::int64_t>{0, 2, 2, 2}) == Approx(0.6));
  // A label only predicted still counts (F1 0): (2/3 + 0) / 2.
  CHECK(macro_f1(std::vector<std::string>{"a", "a"}, std::vector<std::string>{"a", "b"}) == Approx(1.0 / 3.0));
  // Unlike accuracy, a rare class weighs as much as a frequent one.
  const std::vector<std::string> gold = {"x", "x", "x", "x", "x", "x", "x", "x", "y", "y"};
  const std::vector<std::string> pred = {"x", "x", "x", "x", "x", "x", "x", "x", "x", "x"};
  CHECK(accuracy(gold, pred) == Approx(0.8));
  CHECK(macro_f1(gold, pred) == Approx((2.0 * 8 / 18 + 0.0) / 2));
  CHECK(macro_f1(gold, gold) == 1.0);
  CHECK(macro_f1(std::vector<std::string>{}, std::vector<std::string>{}) == 0.0);
}

TEST_CASE("token accuracy and sentence (semantic-frame) accuracy", "[metrics]") {
  const std::vector<std::vector<std::string>> gold = {{"O", "B-a", "I-a"}, {"B-b"}, {"O", "O"}};
  const std::vector<std::vector<std::string>> pred = {{"O", "B-a", "O"}, {"B-b"}, {"O", "O"}};
  CHECK(token_accuracy(gold, pred) == Approx(5.0 / 6.0));
  // Sentence 1: tags wrong; sentence 2: right; sentence 3: intent wrong.
  CHECK(sentence_accuracy({"i", "j", "k"}, {"i", "j", "x"}, gold, pred) == Approx(1.0 / 3.0));
  CHECK(sentence_accuracy({"i", "j", "k"}, {"i", "j", "k"}, gold, gold) == 1.0);
  CHECK_THROWS_WITH(token_accuracy(gold, {{"O"}, {"B-b"}, {"O", "O"}}),
                    "token_accuracy: sentence 1 has 3 gold tags but 1 predicted");
}
