#pragma once
// HF's BasicTokenizer: the text-to-words half of BertTokenizer, before WordPiece.
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace mtlab::text {

struct BasicTokenizerOptions {
  bool do_lower_case = true;
  bool strip_accents = true;  // the resolved tri-state: strip_accents.value_or(do_lower_case)
  bool tokenize_chinese_chars = true;
  std::unordered_set<std::u32string> never_split;  // whole words kept as they are
};

// Python `str.split()` (no arguments): splits on `is_python_space`, drops empty parts.
std::vector<std::u32string> split_on_python_space(std::u32string_view text);

// Clean → space CJK → NFC → split → per word lower / strip accents → split
// punctuation. `text` is one piece with the special tokens already cut out.
std::vector<std::u32string> basic_tokenize(std::u32string_view text, const BasicTokenizerOptions& options);

}  // namespace mtlab::text
