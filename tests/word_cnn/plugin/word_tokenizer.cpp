#include "word_tokenizer.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include <mtlab/core/error.h>

namespace word_cnn {
namespace {

std::string lower(std::string_view word) {
  std::string out(word);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

const std::vector<std::string> kSpecials = {"[PAD]", "[UNK]", "[CLS]", "[SEP]"};

}  // namespace

WordTokenizer::WordTokenizer(std::vector<std::string> words) : tokens_(kSpecials) {
  tokens_.insert(tokens_.end(), words.begin(), words.end());
  for (std::size_t i = 0; i < tokens_.size(); ++i) ids_.emplace(tokens_[i], static_cast<std::int64_t>(i));
}

WordTokenizer WordTokenizer::build(const std::vector<std::string>& texts, std::int64_t max_size) {
  std::map<std::string, std::int64_t> counts;
  for (const auto& text : texts) {
    for (const auto& w : split(text)) ++counts[lower(w)];
  }
  std::vector<std::pair<std::string, std::int64_t>> ranked(counts.begin(), counts.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> words;
  for (const auto& [w, n] : ranked) {
    if (static_cast<std::int64_t>(words.size() + kSpecials.size()) >= max_size) break;
    words.push_back(w);
  }
  return WordTokenizer(std::move(words));
}

WordTokenizer WordTokenizer::load(const std::filesystem::path& folder) {
  std::ifstream in(folder / "vocab.txt");
  if (!in) throw mtlab::Error((folder / "vocab.txt").string() + ": cannot open");
  std::vector<std::string> tokens;
  for (std::string line; std::getline(in, line);) tokens.push_back(line);
  if (tokens.size() < kSpecials.size() || !std::equal(kSpecials.begin(), kSpecials.end(), tokens.begin())) {
    throw mtlab::Error((folder / "vocab.txt").string() + ": does not start with [PAD] [UNK] [CLS] [SEP]");
  }
  return WordTokenizer({tokens.begin() + static_cast<std::ptrdiff_t>(kSpecials.size()), tokens.end()});
}

void WordTokenizer::save(const std::filesystem::path& folder) const {
  std::ofstream out(folder / "vocab.txt");
  for (const auto& t : tokens_) out << t << '\n';
  if (!out) throw mtlab::Error((folder / "vocab.txt").string() + ": cannot write");
}

mtlab::Encoding WordTokenizer::encode(std::string_view text, const mtlab::EncodeOptions& options) const {
  return assemble(split(text), nullptr, options);
}

mtlab::Encoding WordTokenizer::encode_pair(std::string_view text, std::string_view pair,
                                           const mtlab::EncodeOptions& options) const {
  const auto b = split(pair);
  return assemble(split(text), &b, options);
}

mtlab::Encoding WordTokenizer::encode_words(const std::vector<std::string>& words,
                                            const mtlab::EncodeOptions& options) const {
  return assemble(words, nullptr, options);
}

// Truncation drops words from the end of the longer segment (the second on a tie).
mtlab::Encoding WordTokenizer::assemble(std::vector<std::string> a, const std::vector<std::string>* b_in,
                                        const mtlab::EncodeOptions& options) const {
  std::vector<std::string> b = b_in ? *b_in : std::vector<std::string>{};
  const std::int64_t specials = options.add_special_tokens ? (b_in ? 3 : 2) : 0;
  if (options.max_length > 0) {
    if (options.max_length < specials) {
      throw mtlab::Error("max_length " + std::to_string(options.max_length) + " leaves no room for the special tokens");
    }
    while (static_cast<std::int64_t>(a.size() + b.size()) + specials > options.max_length) {
      (b.size() >= a.size() && !b.empty() ? b : a).pop_back();
    }
  }
  mtlab::Encoding e;
  auto push = [&](std::int64_t id, std::int64_t type, std::int64_t word) {
    e.tokens.push_back(tokens_[static_cast<std::size_t>(id)]);
    e.input_ids.push_back(id);
    e.token_type_ids.push_back(type);
    e.attention_mask.push_back(1);
    e.word_ids.push_back(word);
  };
  auto id_of = [&](const std::string& w) {
    auto it = ids_.find(lower(w));
    return it == ids_.end() ? kUnk : it->second;
  };
  if (options.add_special_tokens) push(kCls, 0, -1);
  for (std::size_t i = 0; i < a.size(); ++i) push(id_of(a[i]), 0, static_cast<std::int64_t>(i));
  if (options.add_special_tokens) push(kSep, 0, -1);
  if (b_in) {
    for (std::size_t i = 0; i < b.size(); ++i) push(id_of(b[i]), 1, static_cast<std::int64_t>(i));
    if (options.add_special_tokens) push(kSep, 1, -1);
  }
  if (options.pad_to > 0) {
    std::vector<mtlab::Encoding> one{std::move(e)};
    pad(one, options.pad_to);
    e = std::move(one.front());
  }
  return e;
}

}  // namespace word_cnn
