#include "text/special_split.h"

namespace mtlab::text {

const std::u32string* special_at(std::u32string_view text, std::size_t at, const std::vector<std::u32string>& specials) {
  const std::u32string* best = nullptr;
  for (const auto& s : specials) {
    if (text.substr(at, s.size()) == s && (!best || s.size() > best->size())) best = &s;
  }
  return best;
}

std::vector<Segment> split_on_specials(std::u32string_view text, const std::vector<std::u32string>& specials) {
  std::vector<Segment> out;
  std::size_t piece_start = 0;
  auto flush = [&](std::size_t end) {
    if (end > piece_start) out.push_back({text.substr(piece_start, end - piece_start)});
  };
  for (std::size_t i = 0; i < text.size();) {
    if (const auto* s = special_at(text, i, specials)) {
      flush(i);
      out.push_back({text.substr(i, s->size()), static_cast<int>(s - specials.data())});
      i += s->size();
      piece_start = i;
    } else {
      ++i;
    }
  }
  flush(text.size());
  return out;
}

}  // namespace mtlab::text
