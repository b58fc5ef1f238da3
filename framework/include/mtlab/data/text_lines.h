#pragma once
// Line-oriented text files as the readers see them: the whole file decoded to
// UTF-8 (validated, or transcoded from Latin-1), split on LF (a CR before it is
// dropped), each line with its 1-based number for "file:line" errors.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mtlab {

enum class TextEncoding { utf8, latin1 };

// "utf-8" | "latin-1" (also "utf8", "latin1", "iso-8859-1"); throws otherwise.
TextEncoding parse_text_encoding(std::string_view name, std::string_view where);
std::string_view to_string(TextEncoding encoding);

struct TextLine {
  std::string text;     // UTF-8, without the line ending
  std::size_t number;   // 1-based
};

// Reads every line of `path` (a final line without LF counts; an empty file
// has no lines; a leading UTF-8 byte-order mark is dropped). Invalid UTF-8 under TextEncoding::utf8 is an mtlab::Error
// "path:line: invalid UTF-8 (byte 0xF0 at column 47) ..." that suggests the
// `encoding = "latin-1"` option.
std::vector<TextLine> read_text_lines(const std::filesystem::path& path, TextEncoding encoding);

// Byte offset of the first invalid UTF-8 sequence in `text`, or npos.
std::size_t find_invalid_utf8(std::string_view text);

// Latin-1 (ISO-8859-1) bytes to UTF-8.
std::string latin1_to_utf8(std::string_view bytes);

// Splits on runs of ASCII spaces and tabs, ignoring leading and trailing ones.
std::vector<std::string> split_whitespace(std::string_view text);

// `text` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text);

// "path:line" for messages and Example::source.
std::string source_of(const std::filesystem::path& path, std::size_t line);

}  // namespace mtlab
