#include "text/basic_tokenizer.h"

#include "text/unicode.h"

namespace mtlab::text {
namespace {

// HF `_clean_text` followed by `_tokenize_chinese_chars`.
std::u32string clean(std::u32string_view text, bool space_cjk) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    if (cp == 0 || cp == 0xFFFD || is_control(cp)) continue;
    if (is_whitespace(cp)) {
      out.push_back(U' ');
    } else if (space_cjk && is_cjk(cp)) {
      out.push_back(U' ');
      out.push_back(cp);
      out.push_back(U' ');
    } else {
      out.push_back(cp);
    }
  }
  return out;
}

std::u32string strip_accents(std::u32string_view word) {
  std::u32string out;
  for (char32_t cp : nfd(word)) {
    if (!is_nonspacing_mark(cp)) out.push_back(cp);
  }
  return out;
}

// HF `_run_split_on_punc`: every punctuation character becomes a word of its own.
void split_on_punctuation(const std::u32string& word, std::vector<std::u32string>& out) {
  bool start_new = true;
  for (char32_t cp : word) {
    if (is_punctuation(cp)) {
      out.emplace_back(1, cp);
      start_new = true;
    } else {
      if (start_new) out.emplace_back();
      out.back().push_back(cp);
      start_new = false;
    }
  }
}

}  // namespace

std::vector<std::u32string> split_on_python_space(std::u32string_view text) {
  std::vector<std::u32string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_python_space(text[i])) ++i;
    std::size_t j = i;
    while (j < text.size() && !is_python_space(text[j])) ++j;
    if (j > i) words.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

std::vector<std::u32string> basic_tokenize(std::u32string_view text, const BasicTokenizerOptions& options) {
  // NFC comes after CJK spacing, so compatibility ideographs (U+F900...) are
  // spaced as themselves and then become their unified forms.
  const std::u32string normalized = nfc(clean(text, options.tokenize_chinese_chars));
  std::vector<std::u32string> out;
  for (auto& word : split_on_python_space(normalized)) {
    if (options.never_split.count(word)) {
      out.push_back(std::move(word));
      continue;
    }
    if (options.do_lower_case) {
      std::u32string lower;
      lower.reserve(word.size());
      for (char32_t cp : word) append_lower(lower, cp);
      word = std::move(lower);
    }
    if (options.strip_accents) word = strip_accents(word);
    // HF checks never_split again on the lowered word before splitting punctuation.
    if (options.never_split.count(word)) {
      out.push_back(std::move(word));
      continue;
    }
    // An all-mark word strips to nothing and disappears, as in HF.
    split_on_punctuation(word, out);
  }
  return out;
}

}  // namespace mtlab::text
