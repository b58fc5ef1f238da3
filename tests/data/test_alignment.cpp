// Word → WordPiece label alignment and back, with truncation.
#include <catch2/catch.hpp>

#include "mtlab/core/error.h"
#include "mtlab/data/alignment.h"
#include "mtlab/data/label_set.h"
#include "mtlab/text/bert_tokenizer.h"

using namespace mtlab;

// [CLS] fly to los ange ##les [SEP] [PAD]: words "fly" "to" "los" "angeles".
TEST_CASE("alignment: first piece carries the label, specials, padding, later pieces ignored", "[data][align]") {
  const std::vector<std::int64_t> word_ids = {-1, 0, 1, 2, 3, 3, -1, -1};
  const std::vector<std::int64_t> word_labels = {0, 0, 1, 2};  // O O B-city I-city
  const AlignedLabels a = align_labels(word_ids, word_labels);
  CHECK(a.labels == std::vector<std::int64_t>{kIgnoreLabel, 0, 0, 1, 2, kIgnoreLabel, kIgnoreLabel, kIgnoreLabel});
  CHECK(a.words_kept == 4);
  CHECK(a.words_lost == 0);
  CHECK(kIgnoreLabel == -100);

  // Back to words: the prediction at each first piece.
  const std::vector<std::int64_t> token_pred = {9, 0, 1, 1, 2, 7, 9, 9};
  CHECK(word_predictions(word_ids, token_pred, 4, 0) == std::vector<std::int64_t>{0, 1, 1, 2});
}

TEST_CASE("alignment: words lost to truncation are counted and predicted as fill", "[data][align]") {
  // max_length 5: [CLS] fly to los [SEP] — "angeles" and "tomorrow" are gone.
  const std::vector<std::int64_t> word_ids = {-1, 0, 1, 2, -1};
  const std::vector<std::int64_t> word_labels = {0, 0, 1, 2, 3};
  const AlignedLabels a = align_labels(word_ids, word_labels);
  CHECK(a.words_kept == 3);
  CHECK(a.words_lost == 2);
  CHECK(count_words_lost(word_ids, 5) == 2);
  CHECK(word_predictions(word_ids, {5, 0, 0, 1, 5}, 5, 0) == std::vector<std::int64_t>{0, 0, 1, 0, 0});
  // A word cut in the middle (first piece kept) is not lost.
  CHECK(count_words_lost({-1, 0, 1, -1}, 2) == 0);
}

TEST_CASE("alignment: unknown gold tags are ignored by the loss, bad ids are errors", "[data][align]") {
  const AlignedLabels a = align_labels({-1, 0, 1, -1}, {LabelSet::kUnknown, 4});
  CHECK(a.labels == std::vector<std::int64_t>{kIgnoreLabel, kIgnoreLabel, 4, kIgnoreLabel});
  CHECK_THROWS_WITH(align_labels({-1, 0, 2, -1}, {1, 2}),
                    "label alignment: token 2 has word id 2, expected -1 or 0..1");
  CHECK_THROWS_WITH(word_predictions({-1, 0}, {1}, 1, 0), "label alignment: 1 token predictions for 2 tokens");
}

TEST_CASE("alignment with the real BertTokenizer: pieces, truncation, round trip", "[data][align]") {
  const BertTokenizer tokenizer(
      Vocab({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "fly", "to", "los", "ange", "##les", "tomorrow"}),
      TokenizerOptions{});
  const std::vector<std::string> words = {"fly", "to", "Los", "Angeles", "tomorrow"};
  const LabelSet tags = LabelSet::build({"O", "B-city", "I-city", "B-date"});  // B-city B-date I-city O
  const std::vector<std::int64_t> word_labels = tags.ids({"O", "O", "B-city", "I-city", "B-date"});

  EncodeOptions options;
  options.pad_to = 10;
  const Encoding full = tokenizer.encode_words(words, options);
  REQUIRE(full.tokens == std::vector<std::string>{"[CLS]", "fly", "to", "los", "ange", "##les", "tomorrow", "[SEP]",
                                                  "[PAD]", "[PAD]"});
  const AlignedLabels a = align_labels(full.word_ids, word_labels);
  CHECK(a.labels == std::vector<std::int64_t>{kIgnoreLabel, 3, 3, 0, 2, kIgnoreLabel, 1, kIgnoreLabel, kIgnoreLabel,
                                              kIgnoreLabel});
  CHECK(a.words_lost == 0);
  // A model that predicts the targets back (ignored positions arbitrary) gets every word right.
  std::vector<std::int64_t> token_pred = a.labels;
  for (auto& p : token_pred) p = p == kIgnoreLabel ? 0 : p;
  CHECK(tags.labels_of(word_predictions(full.word_ids, token_pred, words.size(), tags.id("O"))) ==
        std::vector<std::string>{"O", "O", "B-city", "I-city", "B-date"});

  // Truncated to 5 tokens: [CLS] fly to los [SEP] — "Angeles" and "tomorrow" are lost.
  options.max_length = 5;
  options.pad_to = 0;
  const Encoding cut = tokenizer.encode_words(words, options);
  REQUIRE(cut.size() == 5);
  const AlignedLabels b = align_labels(cut.word_ids, word_labels);
  CHECK(b.words_lost == 2);
  CHECK(count_words_lost(cut.word_ids, words.size()) == 2);
  // Lost words are predicted O: the gold entities there count as missed.
  CHECK(tags.labels_of(word_predictions(cut.word_ids, {0, 3, 3, 0, 0}, words.size(), tags.id("O"))) ==
        std::vector<std::string>{"O", "O", "B-city", "O", "O"});
}
