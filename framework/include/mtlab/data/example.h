#pragma once
// One training example as the readers produce it: words (or raw text) with an
// optional sentence label and optional word-level tags.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mtlab {

struct Example {
  std::string text;                  // the sentence as read (joined words for word-level data)
  std::vector<std::string> words;    // word-level data: the words; empty for text-only data
  std::optional<std::string> label;  // sentence label (intent, sentiment, class)
  std::vector<std::string> tags;     // word-level tags (BIO/IOB1), one per word; empty if none
  std::string source;                // "file:line" it came from, for error messages
};

}  // namespace mtlab
