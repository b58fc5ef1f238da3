#include "text/byte_level.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <fmt/format.h>
#include <pcre2.h>

#include <array>
#include <memory>

#include "mtlab/core/error.h"
#include "text/utf8.h"

namespace mtlab::text {
namespace {

// \s and \S are spelled as White_Space: PCRE2's own \s also matches U+180E,
// which the `regex` module (and Unicode since 6.3) does not count as space.
constexpr char kGpt2Pattern[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+)"
    R"(|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+)";

// Compiled once and never freed; matching with a shared pcre2_code is thread-safe.
const pcre2_code* gpt2_code() {
  static const pcre2_code* code = [] {
    int error = 0;
    PCRE2_SIZE at = 0;
    pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kGpt2Pattern), PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF | PCRE2_UCP, &error, &at, nullptr);
    if (!c) {
      std::array<PCRE2_UCHAR, 256> message{};
      pcre2_get_error_message(error, message.data(), message.size());
      throw Error(fmt::format("GPT-2 pattern does not compile at {}: {}", at,
                              reinterpret_cast<const char*>(message.data())));
    }
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);  // when JIT is unavailable the interpreter runs
    return c;
  }();
  return code;
}

// GPT-2's bytes_to_unicode: bytes ! .. ~, ¡ .. ¬ and ® .. ÿ map to themselves,
// the other 68 bytes, in order, to U+0100, U+0101, ...
std::array<std::string, 256> make_byte_table() {
  std::array<std::string, 256> table;
  char32_t next = 0x100;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    append_utf8(table[static_cast<std::size_t>(b)], printable ? static_cast<char32_t>(b) : next++);
  }
  return table;
}

}  // namespace

std::vector<std::string_view> split_gpt2(std::string_view utf8) {
  const pcre2_code* code = gpt2_code();
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(code, nullptr), &pcre2_match_data_free);
  if (!match) throw Error("GPT-2 pre-tokenizer: out of memory");
  std::vector<std::string_view> out;
  const auto subject = reinterpret_cast<PCRE2_SPTR>(utf8.data());
  for (PCRE2_SIZE at = 0; at < utf8.size();) {
    // The text was decoded (and so checked) before, hence PCRE2_NO_UTF_CHECK.
    const int rc = pcre2_match(code, subject, utf8.size(), at, PCRE2_NO_UTF_CHECK, match.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;  // cannot happen: every character matches some branch
    if (rc < 0) throw Error(fmt::format("GPT-2 pre-tokenizer: PCRE2 match error {}", rc));
    const PCRE2_SIZE* range = pcre2_get_ovector_pointer(match.get());
    out.push_back(utf8.substr(range[0], range[1] - range[0]));
    at = range[1];
  }
  return out;
}

std::string bytes_to_unicode(std::string_view bytes) {
  static const std::array<std::string, 256> table = make_byte_table();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) out += table[b];
  return out;
}

}  // namespace mtlab::text
