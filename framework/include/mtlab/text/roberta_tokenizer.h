#pragma once
// Hugging Face-exact RoBERTa tokenizer (RobertaTokenizer, slow, as
// `from_pretrained` builds it, transformers 4.33): special tokens cut out →
// GPT-2 pattern → bytes as printable characters → BPE by merge rank;
// `<s> A </s>` and `<s> A </s></s> B </s>`, every type id 0.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mtlab/text/added_token.h"
#include "mtlab/text/tokenizer.h"
#include "mtlab/text/vocab.h"

namespace mtlab {

namespace text {
class BpeModel;
struct Pieces;
struct SpecialsLayout;
}  // namespace text

// The settings of tokenizer_config.json / special_tokens_map.json, with
// RobertaTokenizer's defaults.
struct RobertaOptions {
  // Put a space before a text that does not start with whitespace, so that its
  // first word is spelled as inside a sentence (Ġword).
  bool add_prefix_space = false;
  std::int64_t model_max_length = 512;
  AddedToken bos_token{"<s>"}, eos_token{"</s>"}, sep_token{"</s>"}, cls_token{"<s>"};
  AddedToken unk_token{"<unk>"}, pad_token{"<pad>"};
  AddedToken mask_token{"<mask>", /*lstrip=*/true};  // "behaves like a normal word"
  std::vector<AddedToken> additional_special_tokens;
  std::string errors = "replace";  // how HF decodes invalid bytes; kept for save()
};

class RobertaTokenizer : public Tokenizer {
 public:
  using Merge = std::pair<std::string, std::string>;
  // `vocab`: token of each id (vocab.json); `merges`: merge pairs, by rank.
  RobertaTokenizer(Vocab vocab, std::vector<Merge> merges, RobertaOptions options);

  // Reads vocab.json and merges.txt and, when present, tokenizer_config.json
  // and special_tokens_map.json from a Hugging Face folder.
  static RobertaTokenizer from_folder(const std::filesystem::path& folder);
  // A vocab.json and a merges.txt of any name, with `options`.
  static RobertaTokenizer from_files(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt,
                                     RobertaOptions options = {});
  // Writes those four files as RobertaTokenizer.save_pretrained does.
  void save(const std::filesystem::path& folder) const override;

  // Tokens of `text` without special tokens (tokenizer.tokenize()).
  std::vector<std::string> tokenize(std::string_view text) const;

  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const override;
  Encoding encode_pair(std::string_view text, std::string_view pair, const EncodeOptions& options = {}) const override;
  // Pre-split words: each is tokenized on its own with a space put before it
  // (HF's is_split_into_words), so every word is spelled as inside a sentence.
  Encoding encode_words(const std::vector<std::string>& words, const EncodeOptions& options = {}) const override;

  std::string pad_token() const override { return options_.pad_token.content; }
  std::int64_t pad_id() const override { return pad_id_; }
  std::int64_t vocab_size() const override { return static_cast<std::int64_t>(vocab_.size()); }
  std::vector<std::string> model_input_names() const override { return {"input_ids", "attention_mask"}; }

  const Vocab& vocab() const { return vocab_; }
  const std::vector<Merge>& merges() const;
  const RobertaOptions& options() const { return options_; }
  std::int64_t model_max_length() const override { return options_.model_max_length; }
  std::int64_t cls_id() const { return cls_id_; }
  std::int64_t sep_id() const { return sep_id_; }
  std::int64_t unk_id() const { return unk_id_; }
  std::int64_t mask_id() const override { return mask_id_; }
  std::vector<std::int64_t> special_ids() const override;
  // Id of any token; the unknown token's id for tokens not in the vocabulary (as HF).
  std::int64_t token_to_id(std::string_view token) const;

 private:
  // Appends the tokens of one text; each gets `word` when given, else the index
  // in this text of its word (a match of the GPT-2 pattern or a special token).
  void append_pieces(std::string_view text, bool prefix_space, std::optional<std::int64_t> word,
                     text::Pieces& out) const;

  Vocab vocab_;
  RobertaOptions options_;
  std::vector<AddedToken> specials_;    // every token cut out of raw text, once each
  std::vector<std::u32string> special_texts_;  // their code points, same order
  std::shared_ptr<const text::BpeModel> bpe_;  // shared by copies (it holds the cache)
  std::shared_ptr<const text::SpecialsLayout> layout_;
  std::int64_t pad_id_ = 0, cls_id_ = 0, sep_id_ = 0, unk_id_ = 0, mask_id_ = 0;
};

}  // namespace mtlab
