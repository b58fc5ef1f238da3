#include "mtlab/data/text_lines.h"

#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "mtlab/core/error.h"

namespace mtlab {

TextEncoding parse_text_encoding(std::string_view name, std::string_view where) {
  if (name == "utf-8" || name == "utf8" || name == "UTF-8") return TextEncoding::utf8;
  if (name == "latin-1" || name == "latin1" || name == "iso-8859-1" || name == "ISO-8859-1") {
    return TextEncoding::latin1;
  }
  throw Error(fmt::format("{}: encoding '{}' is not supported, expected \"utf-8\" or \"latin-1\"", where, name));
}

std::string_view to_string(TextEncoding encoding) {
  return encoding == TextEncoding::utf8 ? "utf-8" : "latin-1";
}

std::size_t find_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;       // no overlong forms
      if (c == 0xED) hi = 0x9F;       // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;       // nothing above U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::string latin1_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string source_of(const std::filesystem::path& path, std::size_t line) {
  return fmt::format("{}:{}", path.string(), line);
}

std::vector<TextLine> read_text_lines(const std::filesystem::path& path, TextEncoding encoding) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(fmt::format("{}: is a folder, expected a file", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open the file (does it exist?)", path.string()));
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(fmt::format("{}: read error", path.string()));

  std::vector<TextLine> lines;
  std::size_t start = 0, number = 1;
  // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first field.
  if (encoding == TextEncoding::utf8 && content.rfind("\xEF\xBB\xBF", 0) == 0) start = 3;
  while (start < content.size()) {
    std::size_t end = content.find('\n', start);
    const std::size_t next = end == std::string::npos ? content.size() : end + 1;
    if (end == std::string::npos) end = content.size();
    std::string_view raw(content.data() + start, end - start);
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (encoding == TextEncoding::utf8) {
      const std::size_t bad = find_invalid_utf8(raw);
      if (bad != std::string_view::npos) {
        throw Error(fmt::format(
            "{}: invalid UTF-8 (byte 0x{:02X} at column {}); if the file is Latin-1, set encoding = \"latin-1\"",
            source_of(path, number), static_cast<unsigned char>(raw[bad]), bad + 1));
      }
      lines.push_back({std::string(raw), number});
    } else {
      lines.push_back({latin1_to_utf8(raw), number});
    }
    start = next;
    ++number;
  }
  return lines;
}

std::vector<std::string> split_whitespace(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace mtlab
