#pragma once
// GPT-2's byte-level pre-tokenization, as RoBERTa's tokenizers run it: the
// pattern that splits text into words, and the map that spells every byte of
// a word as one printable character (`bytes_to_unicode`).
#include <string>
#include <string_view>
#include <vector>

namespace mtlab::text {

// The matches of GPT-2's pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// in `utf8` (valid UTF-8), left to right, as Python's `regex.findall` gives
// them. Matching is PCRE2's, with Unicode properties; \s is Unicode's
// White_Space, which is what the `regex` module's \s means.
std::vector<std::string_view> split_gpt2(std::string_view utf8);

// Each byte of `bytes` as its bytes_to_unicode character (UTF-8): printable
// Latin-1 bytes stand for themselves, the others for U+0100 onwards (space is Ġ).
std::string bytes_to_unicode(std::string_view bytes);

}  // namespace mtlab::text
