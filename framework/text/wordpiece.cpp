#include "text/wordpiece.h"

#include "text/utf8.h"

namespace mtlab::text {

void wordpiece(std::u32string_view word, const Vocab& vocab, std::int64_t max_chars, const std::string& unk,
               std::vector<std::string>& out) {
  if (static_cast<std::int64_t>(word.size()) > max_chars) {
    out.push_back(unk);
    return;
  }
  // The word's UTF-8 with the byte offset of every code point, so that each
  // candidate is a substring and needs no re-encoding.
  std::string bytes;
  std::vector<std::size_t> offset;
  offset.reserve(word.size() + 1);
  for (char32_t cp : word) {
    offset.push_back(bytes.size());
    append_utf8(bytes, cp);
  }
  offset.push_back(bytes.size());
  const std::string_view all(bytes);

  const std::size_t first_piece = out.size();
  std::string candidate;
  std::size_t start = 0;
  while (start < word.size()) {
    std::size_t end = word.size();
    bool found = false;
    for (; start < end; --end) {
      candidate.assign(start > 0 ? "##" : "");
      candidate.append(all.substr(offset[start], offset[end] - offset[start]));
      if (vocab.find(candidate)) {
        out.push_back(candidate);
        found = true;
        break;
      }
    }
    if (!found) {
      out.resize(first_piece);
      out.push_back(unk);
      return;
    }
    start = end;
  }
}

}  // namespace mtlab::text
