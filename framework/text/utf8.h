#pragma once
// UTF-8 <-> code points for the tokenizer. Decoding is strict (as Python's
// `bytes.decode("utf-8")`): no overlong forms, no surrogates, nothing past U+10FFFF.
#include <string>
#include <string_view>

namespace mtlab::text {

// Throws mtlab::Error "invalid UTF-8 at byte N (0xXX): <why>"; callers add the file and line.
std::u32string decode_utf8(std::string_view bytes);

void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(std::u32string_view text);

}  // namespace mtlab::text
