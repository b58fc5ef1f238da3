#pragma once
// Hugging Face-exact BERT tokenizer (BertTokenizer, slow, as `from_pretrained`
// builds it): clean → CJK split → NFC → whitespace split → lower/strip accents →
// punctuation split → greedy WordPiece; special tokens, pairs, truncation, padding.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtlab/text/tokenizer.h"
#include "mtlab/text/vocab.h"

namespace mtlab {

namespace text {
class PreTokenizer;
struct Pieces;
struct SpecialsLayout;
}  // namespace text

// The settings of tokenizer_config.json / special_tokens_map.json, with
// Hugging Face's defaults.
struct TokenizerOptions {
  bool do_lower_case = true;
  // Hugging Face's tri-state: unset follows do_lower_case.
  std::optional<bool> strip_accents;
  bool tokenize_chinese_chars = true;
  // false: no BasicTokenizer at all, WordPiece runs on whitespace-split text.
  bool do_basic_tokenize = true;
  std::int64_t max_input_chars_per_word = 100;
  std::int64_t model_max_length = 512;
  std::string unk_token = "[UNK]";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string mask_token = "[MASK]";
  // Whole words the BasicTokenizer neither lowercases nor splits. As in HF
  // v4.33, they are matched after the raw text was lowercased, so with
  // do_lower_case an upper-case entry never matches.
  std::vector<std::string> never_split;
  // Cut out of the raw text like [CLS] (special_tokens_map.json's list).
  std::vector<std::string> additional_special_tokens;
  // tokenizer_config.json's class, written back by save(): BertTokenizer,
  // DistilBertTokenizer and ElectraTokenizer share these rules.
  std::string tokenizer_class = "BertTokenizer";
};

class BertTokenizer : public Tokenizer {
 public:
  BertTokenizer(Vocab vocab, TokenizerOptions options);

  // Reads vocab.txt and, when present, tokenizer_config.json and
  // special_tokens_map.json from a Hugging Face folder.
  static BertTokenizer from_folder(const std::filesystem::path& folder);
  // Writes vocab.txt, tokenizer_config.json and special_tokens_map.json.
  void save(const std::filesystem::path& folder) const override;

  // Word pieces of `text` without special tokens (tokenizer.tokenize()).
  // Throws mtlab::Error on invalid UTF-8, giving the byte offset.
  std::vector<std::string> tokenize(std::string_view text) const;

  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const override;
  Encoding encode_pair(std::string_view text, std::string_view pair, const EncodeOptions& options = {}) const override;
  // Pre-split words (tagging data): each word is tokenized on its own, and
  // word_ids say which word each piece belongs to.
  Encoding encode_words(const std::vector<std::string>& words, const EncodeOptions& options = {}) const override;

  const Vocab& vocab() const { return vocab_; }
  const TokenizerOptions& options() const { return options_; }
  std::int64_t model_max_length() const override { return options_.model_max_length; }
  std::string pad_token() const override { return options_.pad_token; }
  std::int64_t pad_id() const override { return pad_id_; }
  std::int64_t vocab_size() const override { return static_cast<std::int64_t>(vocab_.size()); }
  // DistilBertTokenizer's model takes no token_type_ids.
  std::vector<std::string> model_input_names() const override;
  std::int64_t cls_id() const { return cls_id_; }
  std::int64_t sep_id() const { return sep_id_; }
  std::int64_t unk_id() const { return unk_id_; }
  std::int64_t mask_id() const override { return mask_id_; }
  std::vector<std::int64_t> special_ids() const override;
  // Id of any token; the [UNK] id for tokens not in the vocabulary (as HF).
  std::int64_t token_to_id(std::string_view token) const;
  // The strings cut out of raw text as single tokens: the five named special
  // tokens and additional_special_tokens.
  const std::vector<std::string>& special_tokens() const { return special_tokens_; }

 private:
  // Appends the word pieces of one text. Each gets `word` when given, else the
  // index in this text of its word (a BasicTokenizer word, or a special token
  // cut from the text).
  void append_pieces(std::string_view text, std::optional<std::int64_t> word, text::Pieces& out) const;

  Vocab vocab_;
  TokenizerOptions options_;
  std::vector<std::string> special_tokens_;
  std::shared_ptr<const text::PreTokenizer> pre_tokenizer_;  // immutable, shared by copies
  std::shared_ptr<const text::SpecialsLayout> layout_;       // [CLS] A [SEP] (B [SEP])
  std::int64_t pad_id_ = 0, cls_id_ = 0, sep_id_ = 0, unk_id_ = 0, mask_id_ = 0;
};

// Builds a WordPiece vocabulary from training text for from-scratch backbones:
// special tokens first ([PAD], [UNK], [CLS], [SEP], [MASK], then
// additional_special_tokens), then every character seen, most frequent first,
// each followed by its ## form, then whole words by frequency (ties broken
// alphabetically) with count >= min_frequency, up to max_size entries in total
// (0 = no limit). Texts go through the same pre-WordPiece steps as
// BertTokenizer. Throws when max_size cannot hold the special tokens.
Vocab build_vocab(const std::vector<std::string>& texts, const TokenizerOptions& options,
                  std::int64_t min_frequency, std::int64_t max_size);

}  // namespace mtlab
