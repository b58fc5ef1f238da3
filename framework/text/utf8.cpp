#include "text/utf8.h"

#include <fmt/format.h>

#include "mtlab/core/error.h"

namespace mtlab::text {
namespace {

[[noreturn]] void fail(std::string_view bytes, std::size_t at, std::string_view why) {
  throw Error(fmt::format("invalid UTF-8 at byte {} (0x{:02X}): {}", at, static_cast<unsigned char>(bytes[at]), why));
}

}  // namespace

std::u32string decode_utf8(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    }
    std::size_t length = 0;
    char32_t cp = 0, min = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2, cp = lead & 0x1F, min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3, cp = lead & 0x0F, min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4, cp = lead & 0x07, min = 0x10000;
    } else if (lead >= 0x80 && lead <= 0xBF) {
      fail(bytes, i, "continuation byte without a lead byte");
    } else {
      fail(bytes, i, "byte never appears in UTF-8");
    }
    if (i + length > bytes.size()) fail(bytes, i, "sequence cut off by the end of the text");
    for (std::size_t k = 1; k < length; ++k) {
      const auto c = static_cast<unsigned char>(bytes[i + k]);
      if ((c & 0xC0) != 0x80) fail(bytes, i, fmt::format("expected {} continuation bytes", length - 1));
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min) fail(bytes, i, "overlong encoding");
    if (cp >= 0xD800 && cp <= 0xDFFF) fail(bytes, i, "encoded surrogate");
    if (cp > 0x10FFFF) fail(bytes, i, "code point above U+10FFFF");
    out.push_back(cp);
    i += length;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_utf8(out, cp);
  return out;
}

}  // namespace mtlab::text
