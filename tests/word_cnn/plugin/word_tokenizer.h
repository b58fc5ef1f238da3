#pragma once
// A whitespace word tokenizer: lower-cased words, one id each, a vocabulary
// built from training text. [CLS] words [SEP] (words [SEP]) like BERT's layout,
// so sentence heads can read the first state.
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include <mtlab/text/tokenizer.h>

namespace word_cnn {

class WordTokenizer : public mtlab::Tokenizer {
 public:
  static constexpr std::int64_t kPad = 0, kUnk = 1, kCls = 2, kSep = 3;

  // `words` are the non-special tokens, ids 4, 5, … in order.
  explicit WordTokenizer(std::vector<std::string> words);
  // The most frequent words of `texts` (ties alphabetical), at most max_size ids in all.
  static WordTokenizer build(const std::vector<std::string>& texts, std::int64_t max_size);
  static WordTokenizer load(const std::filesystem::path& folder);  // vocab.txt

  mtlab::Encoding encode(std::string_view text, const mtlab::EncodeOptions& options = {}) const override;
  mtlab::Encoding encode_pair(std::string_view text, std::string_view pair,
                              const mtlab::EncodeOptions& options = {}) const override;
  mtlab::Encoding encode_words(const std::vector<std::string>& words,
                               const mtlab::EncodeOptions& options = {}) const override;
  std::string pad_token() const override { return "[PAD]"; }
  std::int64_t pad_id() const override { return kPad; }
  std::int64_t vocab_size() const override { return static_cast<std::int64_t>(tokens_.size()); }
  void save(const std::filesystem::path& folder) const override;

 private:
  mtlab::Encoding assemble(std::vector<std::string> a, const std::vector<std::string>* b,
                           const mtlab::EncodeOptions& options) const;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int64_t> ids_;
};

}  // namespace word_cnn
