#pragma once
// Cutting special tokens out of raw text, as Hugging Face's slow tokenizers
// do (`tokens_trie.split` in PreTrainedTokenizer.tokenize): leftmost match
// first, the longest when several start at the same place.
#include <string>
#include <string_view>
#include <vector>

#include "mtlab/text/added_token.h"

namespace mtlab::text {

// Longest token of `specials` that starts at `text[at]`, or nullptr.
const std::u32string* special_at(std::u32string_view text, std::size_t at, const std::vector<std::u32string>& specials);

struct Segment {
  std::u32string_view text;
  int special = -1;  // index into `specials`, or -1 for ordinary text (never empty)
};
std::vector<Segment> split_on_specials(std::u32string_view text, const std::vector<std::u32string>& specials);

// HF's AddedToken stripping, left to right as `tokenize()` does it: after a
// special whose token (tokens[special]) has rstrip, the next segment loses its
// leading whitespace; before one with lstrip, the previous loses its trailing
// whitespace. Segments left empty are dropped.
void strip_around_specials(std::vector<Segment>& segments, const std::vector<AddedToken>& tokens);

}  // namespace mtlab::text
