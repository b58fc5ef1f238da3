#pragma once
// Byte-pair encoding by merge rank, as GPT2Tokenizer.bpe / RobertaTokenizer.bpe:
// start from the characters of a word, repeatedly merge every occurrence of
// the adjacent pair with the lowest rank, stop when no pair has a rank.
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mtlab::text {

class BpeModel {
 public:
  using Merge = std::pair<std::string, std::string>;
  // Rank = position in `merges`; a pair listed twice keeps its last rank (as HF's dict).
  explicit BpeModel(std::vector<Merge> merges);

  // Appends the pieces of one word (in the byte-to-unicode alphabet) to `out`.
  // Results are cached, as HF does; safe to call from several threads.
  void apply(const std::string& word, std::vector<std::string>& out) const;
  const std::vector<Merge>& merges() const { return merges_; }

 private:
  std::vector<std::string> merge_word(const std::string& word) const;

  std::vector<Merge> merges_;
  std::unordered_map<std::string, std::size_t> ranks_;  // "first second" -> rank
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::string>> cache_;
};

}  // namespace mtlab::text
