// build_vocab: a WordPiece vocabulary from training text, for backbones
// trained from scratch.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "mtlab/core/error.h"
#include "mtlab/text/bert_tokenizer.h"
#include "text/pre_tokenizer.h"
#include "text/utf8.h"

namespace mtlab {
namespace {

// Most frequent first, ties in byte order (= code point order for UTF-8).
template <class Key>
std::vector<std::pair<Key, std::int64_t>> by_frequency(const std::unordered_map<Key, std::int64_t>& counts) {
  std::vector<std::pair<Key, std::int64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return sorted;
}

}  // namespace

Vocab build_vocab(const std::vector<std::string>& texts, const TokenizerOptions& options, std::int64_t min_frequency,
                  std::int64_t max_size) {
  if (min_frequency < 1) throw Error(fmt::format("build_vocab: min_frequency must be >= 1, got {}", min_frequency));
  if (max_size < 0) throw Error(fmt::format("build_vocab: max_size must be >= 0 (0 = no limit), got {}", max_size));
  // The same order as bert-base's vocab.txt puts them in relative to each other, [PAD] first (id 0).
  std::vector<std::string> specials = {options.pad_token, options.unk_token, options.cls_token, options.sep_token,
                                       options.mask_token};
  for (const auto& t : options.additional_special_tokens) specials.push_back(t);
  const text::PreTokenizer pre_tokenizer(options, specials);

  std::unordered_map<char32_t, std::int64_t> char_counts;
  std::unordered_map<std::string, std::int64_t> word_counts;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::vector<text::PreToken> words;
    try {
      words = pre_tokenizer.split(texts[i]);
    } catch (const Error&) {
      rethrow_with_context(fmt::format("build_vocab: text {}", i));
    }
    for (const auto& w : words) {
      if (w.kind == text::PreToken::Kind::special) continue;
      for (char32_t cp : w.text) ++char_counts[cp];
      // Longer words could only ever become [UNK].
      if (static_cast<std::int64_t>(w.text.size()) <= options.max_input_chars_per_word) {
        ++word_counts[text::encode_utf8(w.text)];
      }
    }
  }

  std::vector<std::string> tokens;
  std::unordered_set<std::string> seen;
  const auto full = [&] { return max_size > 0 && static_cast<std::int64_t>(tokens.size()) >= max_size; };
  const auto add = [&](std::string token) {
    if (!full() && seen.insert(token).second) tokens.push_back(std::move(token));
  };
  for (const auto& s : specials) add(s);
  if (full() && max_size < static_cast<std::int64_t>(specials.size())) {
    throw Error(fmt::format("build_vocab: max_size {} cannot hold the {} special tokens", max_size, specials.size()));
  }
  // Every character (alone and as a continuation) keeps WordPiece from [UNK] on seen text.
  for (const auto& [cp, count] : by_frequency(char_counts)) {
    std::string c = text::encode_utf8(std::u32string(1, cp));
    add(c);
    add("##" + c);
  }
  for (const auto& [word, count] : by_frequency(word_counts)) {
    if (count < min_frequency || full()) break;
    add(word);
  }
  return Vocab(std::move(tokens));
}

}  // namespace mtlab
