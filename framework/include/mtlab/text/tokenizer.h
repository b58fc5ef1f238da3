#pragma once
// The tokenizer interface a backbone hands out (Backbone::tokenizer()): text,
// a text pair or pre-split words in, model inputs out. Everything generic
// (training data, sentence encoding, prediction, `mtlab tokenize`) uses this;
// BertTokenizer (WordPiece) is one implementation.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mtlab {

// One encoded input, with Hugging Face's field names.
struct Encoding {
  std::vector<std::string> tokens;
  std::vector<std::int64_t> input_ids;
  std::vector<std::int64_t> token_type_ids;
  std::vector<std::int64_t> attention_mask;
  // Index of the word each token came from (-1 for special and padding tokens);
  // for encode_words() this is the index into the given word list. Token
  // classification aligns word labels through it.
  std::vector<std::int64_t> word_ids;
  std::size_t size() const { return input_ids.size(); }
};

struct EncodeOptions {
  bool add_special_tokens = true;
  // 0 = no truncation; otherwise truncate to this many tokens in total
  // (specials included), `longest_first` for pairs: one token at a time from
  // the longer sequence, from the second when they are equally long. Throws
  // when the special tokens alone need more (HF would return the input uncut).
  std::int64_t max_length = 0;
  // Pad to this length (0 = no padding) with pad id, type id 0 and mask 0.
  std::int64_t pad_to = 0;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Errors (invalid UTF-8, truncation impossible) throw mtlab::Error.
  virtual Encoding encode(std::string_view text, const EncodeOptions& options = {}) const = 0;
  virtual Encoding encode_pair(std::string_view text, std::string_view pair,
                               const EncodeOptions& options = {}) const = 0;
  // Pre-split words (tagging data): word_ids say which word each token belongs to.
  virtual Encoding encode_words(const std::vector<std::string>& words, const EncodeOptions& options = {}) const = 0;

  // The padding token and its id: what pad() appends and batches are filled with.
  virtual std::string pad_token() const = 0;
  virtual std::int64_t pad_id() const = 0;
  // Ids are in [0, vocab_size()).
  virtual std::int64_t vocab_size() const = 0;
  // The mask token's id (masked-LM pretraining); -1: the vocabulary has none.
  virtual std::int64_t mask_id() const { return -1; }
  // Every special token's id (HF's all_special_ids: [CLS], [SEP], [PAD], [UNK],
  // [MASK] and the additional ones): masked-LM pretraining never masks them.
  virtual std::vector<std::int64_t> special_ids() const { return {pad_id()}; }
  // The longest input the tokenizer's files allow (model_max_length; 0: no limit said).
  virtual std::int64_t model_max_length() const { return 0; }
  // The fields of an Encoding the model takes, with Hugging Face's names
  // (`tokenizer.model_input_names`). Every Encoding carries token_type_ids;
  // where they are not listed (DistilBERT, RoBERTa) the model does not read
  // them and `mtlab tokenize` need not show them.
  virtual std::vector<std::string> model_input_names() const {
    return {"input_ids", "token_type_ids", "attention_mask"};
  }

  // Writes the tokenizer's files into `folder` (which exists), so that the
  // backbone that owns it loads the same tokenizer from its saved folder.
  virtual void save(const std::filesystem::path& folder) const = 0;

  // Pads every encoding to the longest (or to `length` when larger) in place:
  // pad token and id, type id 0, mask 0, word id -1.
  void pad(std::vector<Encoding>& batch, std::int64_t length = 0) const;
};

}  // namespace mtlab
