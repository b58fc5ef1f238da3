#pragma once
// HF's WordpieceTokenizer: greedy longest-match-first over code points.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mtlab/text/vocab.h"

namespace mtlab::text {

// Appends the pieces of one word ("##" before continuations) to `out`, or
// `unk` alone when the word has more than `max_chars` code points or some
// part of it matches nothing.
void wordpiece(std::u32string_view word, const Vocab& vocab, std::int64_t max_chars, const std::string& unk,
               std::vector<std::string>& out);

}  // namespace mtlab::text
