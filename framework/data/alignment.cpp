#include "mtlab/data/alignment.h"

#include <fmt/format.h>

#include "mtlab/core/error.h"

namespace mtlab {

namespace {

void check_word_id(std::int64_t word, std::size_t num_words, std::size_t token) {
  if (word >= static_cast<std::int64_t>(num_words) || word < -1) {
    throw Error(fmt::format("label alignment: token {} has word id {}, expected -1 or 0..{}", token, word,
                            static_cast<std::int64_t>(num_words) - 1));
  }
}

}  // namespace

std::vector<std::size_t> first_pieces(const std::vector<std::int64_t>& word_ids, std::size_t num_words) {
  std::vector<std::size_t> out;
  std::vector<bool> seen(num_words, false);
  for (std::size_t t = 0; t < word_ids.size(); ++t) {
    const std::int64_t w = word_ids[t];
    check_word_id(w, num_words, t);
    if (w < 0 || seen[static_cast<std::size_t>(w)]) continue;  // special/padding, or a later piece
    seen[static_cast<std::size_t>(w)] = true;
    out.push_back(t);
  }
  return out;
}

AlignedLabels align_labels(const std::vector<std::int64_t>& word_ids, const std::vector<std::int64_t>& word_labels) {
  AlignedLabels out;
  out.labels.assign(word_ids.size(), kIgnoreLabel);
  for (const std::size_t t : first_pieces(word_ids, word_labels.size())) {
    const std::int64_t label = word_labels[static_cast<std::size_t>(word_ids[t])];
    out.labels[t] = label < 0 ? kIgnoreLabel : label;
    ++out.words_kept;
  }
  out.words_lost = word_labels.size() - out.words_kept;
  return out;
}

std::vector<std::int64_t> word_predictions(const std::vector<std::int64_t>& word_ids,
                                           const std::vector<std::int64_t>& token_predictions,
                                           std::size_t num_words, std::int64_t fill) {
  if (token_predictions.size() < word_ids.size()) {
    throw Error(fmt::format("label alignment: {} token predictions for {} tokens", token_predictions.size(),
                            word_ids.size()));
  }
  std::vector<std::int64_t> out(num_words, fill);
  for (const std::size_t t : first_pieces(word_ids, num_words)) {
    out[static_cast<std::size_t>(word_ids[t])] = token_predictions[t];
  }
  return out;
}

std::size_t count_words_lost(const std::vector<std::int64_t>& word_ids, std::size_t num_words) {
  return num_words - first_pieces(word_ids, num_words).size();
}

}  // namespace mtlab
