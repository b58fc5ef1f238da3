#pragma once
// Shared helpers for the tokenizer tests.
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "mtlab/text/bert_tokenizer.h"
#include "test_paths.h"

namespace mtlab::test {

// UTF-8 of code points, so that tests can name any character (U"\x85" etc.).
inline std::string utf8(std::u32string_view text) {
  std::string out;
  for (char32_t cp : text) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

using Tokens = std::vector<std::string>;

// bert-base-uncased as the fixture folder configures it (do_lower_case, strip_accents unset).
inline const BertTokenizer& uncased_tokenizer() {
  static const BertTokenizer t = BertTokenizer::from_folder(fixtures_dir() / "tiny-bert");
  return t;
}

inline BertTokenizer vocab_tokenizer(const std::string& vocab_name, TokenizerOptions options) {
  return BertTokenizer(Vocab::load(fixtures_dir() / "vocab" / vocab_name), std::move(options));
}

// bert-base-cased with do_lower_case=false, as its tokenizer_config.json says.
inline const BertTokenizer& cased_tokenizer() {
  static const BertTokenizer t = [] {
    TokenizerOptions o;
    o.do_lower_case = false;
    return vocab_tokenizer("bert-base-cased-vocab.txt", o);
  }();
  return t;
}

// A tokenizer over a small hand-made vocabulary (the five special tokens first).
inline BertTokenizer small_tokenizer(std::initializer_list<std::string> tokens, TokenizerOptions options = {}) {
  std::vector<std::string> all = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  all.insert(all.end(), tokens.begin(), tokens.end());
  return BertTokenizer(Vocab(std::move(all)), std::move(options));
}

}  // namespace mtlab::test
