#pragma once
// The character classes and mappings BertTokenizer uses, as Python 3.11's
// `unicodedata` (Unicode 14.0) answers them, computed with utf8proc.
#include <string>
#include <string_view>

namespace mtlab::text {

// HF `_is_control`: category C* (Cc, Cf, Cs, Co, Cn), but not \t \n \r.
bool is_control(char32_t cp);
// HF `_is_whitespace`: space, \t \n \r, or category Zs.
bool is_whitespace(char32_t cp);
// Python `str.isspace`: category Zs or bidi class WS, B, S (what `str.split()` splits on).
bool is_python_space(char32_t cp);
// HF `_is_punctuation`: ASCII 33-47, 58-64, 91-96, 123-126, or category P*.
bool is_punctuation(char32_t cp);
// HF `_is_chinese_char`: the CJK ideograph blocks (not kana, hangul or fullwidth forms).
bool is_cjk(char32_t cp);
// Category Mn, the marks `_run_strip_accents` drops after NFD.
bool is_nonspacing_mark(char32_t cp);

// Python `str.lower()` of one code point (full mapping: U+0130 gives two code points).
void append_lower(std::u32string& out, char32_t cp);
std::u32string nfc(std::u32string_view text);
std::u32string nfd(std::u32string_view text);

}  // namespace mtlab::text
