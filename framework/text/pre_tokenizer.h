#pragma once
// Everything BertTokenizer does before WordPiece: cut the special tokens out
// of the raw text, lowercase the rest one code point at a time (HF v4.33
// `tokenize()`), then BasicTokenizer (or a plain whitespace split).
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "mtlab/text/bert_tokenizer.h"
#include "text/basic_tokenizer.h"

namespace mtlab::text {

struct PreToken {
  enum class Kind { special, never_split, word };
  std::u32string text;
  Kind kind;  // special and never_split skip WordPiece
};

class PreTokenizer {
 public:
  PreTokenizer(const TokenizerOptions& options, const std::vector<std::string>& special_tokens);
  // Throws mtlab::Error on invalid UTF-8 (with the byte offset).
  std::vector<PreToken> split(std::string_view text) const;

 private:
  void split_piece(std::u32string_view piece, std::vector<PreToken>& out) const;

  bool do_lower_case_;
  bool do_basic_tokenize_;
  BasicTokenizerOptions basic_;
  std::vector<std::u32string> special_tokens_;
  std::unordered_set<std::u32string> never_split_;  // TokenizerOptions::never_split alone
};

}  // namespace mtlab::text
