#include "text/unicode.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <vector>

#include "mtlab/core/error.h"
#include "text/utf8.h"

namespace mtlab::text {
namespace {

// Code points assigned in Unicode 15.0, which utf8proc 2.8 knows but Python
// 3.11 (Unicode 14.0, what HF's reference ran on) reports as unassigned (Cn):
// HF drops them as control characters, so must we. The list is exactly where
// utf8proc 2.8 and Python 3.11's `unicodedata.category` disagree (checked over
// every code point); case mappings and NFC/NFD agree everywhere else.
struct Range {
  char32_t first, last;
};
constexpr std::array<Range, 32> kAssignedAfterUnicode14{{
    {0x0CF3, 0x0CF3},   {0x0ECE, 0x0ECE},   {0x10EFD, 0x10EFF}, {0x1123F, 0x11241}, {0x11B00, 0x11B09},
    {0x11F00, 0x11F10}, {0x11F12, 0x11F3A}, {0x11F3E, 0x11F59}, {0x1342F, 0x1342F}, {0x13439, 0x13455},
    {0x1B132, 0x1B132}, {0x1B155, 0x1B155}, {0x1D2C0, 0x1D2D3}, {0x1DF25, 0x1DF2A}, {0x1E030, 0x1E06D},
    {0x1E08F, 0x1E08F}, {0x1E4D0, 0x1E4F9}, {0x1F6DC, 0x1F6DC}, {0x1F774, 0x1F776}, {0x1F77B, 0x1F77F},
    {0x1F7D9, 0x1F7D9}, {0x1FA75, 0x1FA77}, {0x1FA87, 0x1FA88}, {0x1FAAD, 0x1FAAF}, {0x1FABB, 0x1FABD},
    {0x1FABF, 0x1FABF}, {0x1FACE, 0x1FACF}, {0x1FADA, 0x1FADB}, {0x1FAE8, 0x1FAE8}, {0x1FAF7, 0x1FAF8},
    {0x2B739, 0x2B739}, {0x31350, 0x323AF},
}};

bool assigned_after_unicode14(char32_t cp) {
  auto it = std::upper_bound(kAssignedAfterUnicode14.begin(), kAssignedAfterUnicode14.end(), cp,
                             [](char32_t c, const Range& r) { return c < r.first; });
  return it != kAssignedAfterUnicode14.begin() && cp <= std::prev(it)->last;
}

utf8proc_category_t category(char32_t cp) {
  if (assigned_after_unicode14(cp)) return UTF8PROC_CATEGORY_CN;
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

std::u32string normalize(std::u32string_view text, bool compose) {
  // Fast path: below U+00C0 nothing decomposes, below U+0300 nothing composes.
  const char32_t stable_below = compose ? 0x300 : 0xC0;
  if (std::all_of(text.begin(), text.end(), [&](char32_t cp) { return cp < stable_below; })) {
    return std::u32string(text);
  }
  const std::string bytes = encode_utf8(text);
  const auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
  // Decomposition never shrinks text; grow the buffer when utf8proc asks for more.
  std::vector<utf8proc_int32_t> buffer(text.size() * 2 + 8);
  utf8proc_ssize_t n = 0;
  for (;;) {
    n = utf8proc_decompose(reinterpret_cast<const utf8proc_uint8_t*>(bytes.data()),
                           static_cast<utf8proc_ssize_t>(bytes.size()), buffer.data(),
                           static_cast<utf8proc_ssize_t>(buffer.size()), options);
    if (n < 0) throw Error(std::string("Unicode normalization failed: ") + utf8proc_errmsg(n));
    if (static_cast<std::size_t>(n) <= buffer.size()) break;
    buffer.resize(static_cast<std::size_t>(n));
  }
  if (compose) {
    n = utf8proc_normalize_utf32(buffer.data(), n, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    if (n < 0) throw Error(std::string("Unicode normalization failed: ") + utf8proc_errmsg(n));
  }
  return std::u32string(buffer.begin(), buffer.begin() + n);
}

}  // namespace

bool is_control(char32_t cp) {
  if (cp == U'\t' || cp == U'\n' || cp == U'\r') return false;
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
      return true;
    default:
      return false;
  }
}

bool is_whitespace(char32_t cp) {
  if (cp == U' ' || cp == U'\t' || cp == U'\n' || cp == U'\r') return true;
  return category(cp) == UTF8PROC_CATEGORY_ZS;
}

bool is_python_space(char32_t cp) {
  if (category(cp) == UTF8PROC_CATEGORY_ZS) return true;
  if (assigned_after_unicode14(cp)) return false;
  const auto bidi = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->bidi_class;
  return bidi == UTF8PROC_BIDI_CLASS_WS || bidi == UTF8PROC_BIDI_CLASS_B || bidi == UTF8PROC_BIDI_CLASS_S;
}

bool is_punctuation(char32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

bool is_cjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool is_nonspacing_mark(char32_t cp) { return category(cp) == UTF8PROC_CATEGORY_MN; }

void append_lower(std::u32string& out, char32_t cp) {
  // SpecialCasing.txt's only unconditional multi-code-point lowercase; utf8proc
  // gives the simple mapping (plain "i"). Final sigma never applies to one character.
  if (cp == 0x0130) {
    out += U"i\u0307";
    return;
  }
  out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
}

std::u32string nfc(std::u32string_view text) { return normalize(text, /*compose=*/true); }
std::u32string nfd(std::u32string_view text) { return normalize(text, /*compose=*/false); }

}  // namespace mtlab::text
