#include "text/pre_tokenizer.h"

#include "mtlab/core/error.h"
#include "text/special_split.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace mtlab::text {
namespace {

// Every code point outside a special token lowercased on its own, so there is
// no final-sigma rule (HF's regex lowercases `(.+?)` one character at a time).
std::u32string lower_outside_specials(std::u32string_view text, const std::vector<std::u32string>& specials) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (const auto* s = special_at(text, i, specials)) {
      out += *s;
      i += s->size();
    } else {
      append_lower(out, text[i++]);
    }
  }
  return out;
}

}  // namespace

PreTokenizer::PreTokenizer(const TokenizerOptions& options, const std::vector<std::string>& special_tokens)
    : do_lower_case_(options.do_lower_case), do_basic_tokenize_(options.do_basic_tokenize) {
  basic_.do_lower_case = options.do_lower_case;
  basic_.strip_accents = options.strip_accents.value_or(options.do_lower_case);
  basic_.tokenize_chinese_chars = options.tokenize_chinese_chars;
  try {
    for (const auto& t : options.never_split) never_split_.insert(decode_utf8(t));
    for (const auto& t : special_tokens) special_tokens_.push_back(decode_utf8(t));
  } catch (const Error&) {
    rethrow_with_context("tokenizer options: a special or never-split token");
  }
  // BasicTokenizer.tokenize gets never_split ∪ all_special_tokens; the check
  // after it (which words skip WordPiece) sees never_split alone.
  basic_.never_split = never_split_;
  basic_.never_split.insert(special_tokens_.begin(), special_tokens_.end());
}

void PreTokenizer::split_piece(std::u32string_view piece, std::vector<PreToken>& out) const {
  if (piece.empty()) return;
  if (!do_basic_tokenize_) {
    for (auto& w : split_on_python_space(piece)) out.push_back({std::move(w), PreToken::Kind::word});
    return;
  }
  for (auto& w : basic_tokenize(piece, basic_)) {
    const auto kind = never_split_.count(w) ? PreToken::Kind::never_split : PreToken::Kind::word;
    out.push_back({std::move(w), kind});
  }
}

std::vector<PreToken> PreTokenizer::split(std::string_view text_bytes) const {
  std::u32string text = decode_utf8(text_bytes);
  if (do_lower_case_) text = lower_outside_specials(text, special_tokens_);
  // Cut the special tokens out, leftmost first (longest when two start together).
  std::vector<PreToken> out;
  for (const auto& segment : split_on_specials(text, special_tokens_)) {
    if (segment.special >= 0) {
      out.push_back({std::u32string(segment.text), PreToken::Kind::special});
    } else {
      split_piece(segment.text, out);
    }
  }
  return out;
}

}  // namespace mtlab::text
