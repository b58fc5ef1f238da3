#include "mtlab/text/bert_tokenizer.h"

#include <fmt/format.h>

#include <algorithm>

#include "mtlab/core/error.h"
#include "text/encoding_assembly.h"
#include "text/pre_tokenizer.h"
#include "text/utf8.h"
#include "text/wordpiece.h"

namespace mtlab {

BertTokenizer::BertTokenizer(Vocab vocab, TokenizerOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  if (vocab_.size() == 0) throw Error("BertTokenizer: the vocabulary is empty");
  if (options_.max_input_chars_per_word < 0) {
    throw Error(fmt::format("BertTokenizer: max_input_chars_per_word must be >= 0, got {}",
                            options_.max_input_chars_per_word));
  }
  for (const auto* t : {&options_.unk_token, &options_.cls_token, &options_.sep_token, &options_.pad_token,
                        &options_.mask_token}) {
    if (t->empty()) throw Error("BertTokenizer: a special token is the empty string");
    if (std::find(special_tokens_.begin(), special_tokens_.end(), *t) == special_tokens_.end()) {
      special_tokens_.push_back(*t);
    }
  }
  for (const auto& t : options_.additional_special_tokens) {
    if (t.empty()) throw Error("BertTokenizer: an additional special token is the empty string");
    if (std::find(special_tokens_.begin(), special_tokens_.end(), t) == special_tokens_.end()) {
      special_tokens_.push_back(t);
    }
  }
  // HF converts the specials through the vocabulary too: a missing one maps to [UNK]'s id.
  const auto unk = vocab_.find(options_.unk_token);
  if (!unk) throw Error(fmt::format("BertTokenizer: the unknown token '{}' is not in the vocabulary", options_.unk_token));
  unk_id_ = *unk;
  pad_id_ = token_to_id(options_.pad_token);
  cls_id_ = token_to_id(options_.cls_token);
  sep_id_ = token_to_id(options_.sep_token);
  mask_id_ = token_to_id(options_.mask_token);

  pre_tokenizer_ = std::make_shared<const text::PreTokenizer>(options_, special_tokens_);
  layout_ = std::make_shared<const text::SpecialsLayout>(
      text::bert_layout({options_.cls_token, cls_id_}, {options_.sep_token, sep_id_}));
}

std::vector<std::string> BertTokenizer::model_input_names() const {
  if (options_.tokenizer_class.rfind("DistilBertTokenizer", 0) == 0) return {"input_ids", "attention_mask"};
  return Tokenizer::model_input_names();
}

std::int64_t BertTokenizer::token_to_id(std::string_view token) const { return vocab_.find(token).value_or(unk_id_); }

std::vector<std::int64_t> BertTokenizer::special_ids() const {
  std::vector<std::int64_t> ids;
  for (const auto& token : special_tokens_) {
    if (auto id = vocab_.find(token)) ids.push_back(*id);
  }
  return ids;
}

void BertTokenizer::append_pieces(std::string_view text, std::optional<std::int64_t> word, text::Pieces& out) const {
  std::int64_t index = 0;
  std::vector<std::string> tokens;
  for (const auto& w : pre_tokenizer_->split(text)) {
    tokens.clear();
    if (w.kind == text::PreToken::Kind::word) {
      text::wordpiece(w.text, vocab_, options_.max_input_chars_per_word, options_.unk_token, tokens);
    } else {
      tokens.push_back(text::encode_utf8(w.text));
    }
    for (auto& t : tokens) {
      const auto id = token_to_id(t);
      out.push(std::move(t), id, word.value_or(index));
    }
    ++index;
  }
}

std::vector<std::string> BertTokenizer::tokenize(std::string_view text) const {
  text::Pieces pieces;
  append_pieces(text, std::nullopt, pieces);
  return std::move(pieces.tokens);
}

Encoding BertTokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  text::Pieces a;
  append_pieces(text, std::nullopt, a);
  return text::assemble(std::move(a), std::nullopt, *layout_, options, *this);
}

Encoding BertTokenizer::encode_pair(std::string_view text, std::string_view pair, const EncodeOptions& options) const {
  text::Pieces a, b;
  append_pieces(text, std::nullopt, a);
  append_pieces(pair, std::nullopt, b);
  return text::assemble(std::move(a), std::move(b), *layout_, options, *this);
}

Encoding BertTokenizer::encode_words(const std::vector<std::string>& words, const EncodeOptions& options) const {
  text::Pieces a;
  for (std::size_t i = 0; i < words.size(); ++i) {
    try {
      append_pieces(words[i], static_cast<std::int64_t>(i), a);
    } catch (const Error&) {
      rethrow_with_context(fmt::format("word {}", i));
    }
  }
  return text::assemble(std::move(a), std::nullopt, *layout_, options, *this);
}

}  // namespace mtlab
