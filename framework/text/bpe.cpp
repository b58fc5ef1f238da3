#include "text/bpe.h"

#include <limits>

namespace mtlab::text {
namespace {

// Bounds the cache on long runs over varied text; results never depend on it.
constexpr std::size_t kMaxCached = 1 << 17;

std::string pair_key(const std::string& first, const std::string& second) { return first + ' ' + second; }

// The UTF-8 characters of `word`, one string each (HF's `tuple(token)`).
std::vector<std::string> characters(const std::string& word) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < word.size();) {
    std::size_t n = 1;
    while (i + n < word.size() && (static_cast<unsigned char>(word[i + n]) & 0xC0) == 0x80) ++n;
    out.push_back(word.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

BpeModel::BpeModel(std::vector<Merge> merges) : merges_(std::move(merges)) {
  ranks_.reserve(merges_.size());
  for (std::size_t i = 0; i < merges_.size(); ++i) ranks_[pair_key(merges_[i].first, merges_[i].second)] = i;
}

std::vector<std::string> BpeModel::merge_word(const std::string& word) const {
  std::vector<std::string> symbols = characters(word);
  constexpr auto kNone = std::numeric_limits<std::size_t>::max();
  while (symbols.size() > 1) {
    std::size_t best = kNone, best_rank = kNone;
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = ranks_.find(pair_key(symbols[i], symbols[i + 1]));
      if (it != ranks_.end() && it->second < best_rank) best_rank = it->second, best = i;
    }
    if (best == kNone) break;
    // Merge every occurrence of the pair, left to right, without overlaps.
    const std::string first = symbols[best], second = symbols[best + 1];
    std::vector<std::string> merged;
    merged.reserve(symbols.size());
    for (std::size_t i = 0; i < symbols.size();) {
      if (i + 1 < symbols.size() && symbols[i] == first && symbols[i + 1] == second) {
        merged.push_back(first + second);
        i += 2;
      } else {
        merged.push_back(std::move(symbols[i++]));
      }
    }
    symbols = std::move(merged);
  }
  return symbols;
}

void BpeModel::apply(const std::string& word, std::vector<std::string>& out) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (auto it = cache_.find(word); it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  auto pieces = merge_word(word);
  out.insert(out.end(), pieces.begin(), pieces.end());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_.emplace(word, std::move(pieces));
}

}  // namespace mtlab::text
