#include "text/special_split.h"

#include <algorithm>

#include "text/unicode.h"

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

void strip_around_specials(std::vector<Segment>& segments, const std::vector<AddedToken>& tokens) {
  auto strip_front = [](std::u32string_view& s) {
    while (!s.empty() && is_python_space(s.front())) s.remove_prefix(1);
  };
  auto strip_back = [](std::u32string_view& s) {
    while (!s.empty() && is_python_space(s.back())) s.remove_suffix(1);
  };
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].special < 0) continue;
    const auto& token = tokens[static_cast<std::size_t>(segments[i].special)];
    if (token.rstrip && i + 1 < segments.size()) strip_front(segments[i + 1].text);
    if (token.lstrip && i > 0) strip_back(segments[i - 1].text);
  }
  segments.erase(std::remove_if(segments.begin(), segments.end(), [](const Segment& s) { return s.text.empty(); }),
                 segments.end());
}

}  // namespace mtlab::text
