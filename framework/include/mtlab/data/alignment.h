#pragma once
// Word-level labels ↔ WordPiece tokens, the usual way: the first piece of each
// word carries the word's label; later pieces, special tokens and padding get
// kIgnoreLabel. Predictions come back to words from each word's first piece.
// Works on Encoding::word_ids (mtlab/text/tokenizer.h): -1 for special and
// padding tokens, otherwise the index of the word in the encoded word list.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mtlab {

// The target value a loss skips. Equal to kIgnoreIndex in mtlab/model/loss.h
// (which needs LibTorch; this header does not).
inline constexpr std::int64_t kIgnoreLabel = -100;

struct AlignedLabels {
  std::vector<std::int64_t> labels;  // one per token
  std::size_t words_kept = 0;        // words whose first piece survived truncation
  std::size_t words_lost = 0;        // words cut off by truncation (none of their pieces left)
};

// `word_labels[i]` is the label id of word i (a negative id, e.g.
// LabelSet::kUnknown for a tag training never saw, becomes kIgnoreLabel so the
// loss never sees an invalid class; score such words at word level).
// Throws mtlab::Error when a word id is out of range.
AlignedLabels align_labels(const std::vector<std::int64_t>& word_ids,
                           const std::vector<std::int64_t>& word_labels);

// Word-level predictions from token-level predictions (one per token, e.g. the
// argmax): word i gets the prediction at its first piece; a word lost to
// truncation gets `fill` (pass the id of "O", so a gold entity there counts as
// missed). Returns `num_words` ids.
std::vector<std::int64_t> word_predictions(const std::vector<std::int64_t>& word_ids,
                                           const std::vector<std::int64_t>& token_predictions,
                                           std::size_t num_words, std::int64_t fill);

// The positions of the tokens that carry word labels: each word's first piece, in
// token order (a word lost to truncation has none). Throws like align_labels.
std::vector<std::size_t> first_pieces(const std::vector<std::int64_t>& word_ids, std::size_t num_words);

// Words (of `num_words`) that have no token left in `word_ids`.
std::size_t count_words_lost(const std::vector<std::int64_t>& word_ids, std::size_t num_words);

}  // namespace mtlab
