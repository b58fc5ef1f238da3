#include "mtlab/text/bert_tokenizer.h"

#include <fmt/format.h>

#include <algorithm>

#include "mtlab/core/error.h"
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
}

std::int64_t BertTokenizer::token_to_id(std::string_view token) const { return vocab_.find(token).value_or(unk_id_); }

void BertTokenizer::append_pieces(std::string_view text, std::optional<std::int64_t> word, Pieces& out) const {
  std::int64_t index = 0;
  for (const auto& w : pre_tokenizer_->split(text)) {
    if (w.kind == text::PreToken::Kind::word) {
      text::wordpiece(w.text, vocab_, options_.max_input_chars_per_word, options_.unk_token, out.tokens);
    } else {
      out.tokens.push_back(text::encode_utf8(w.text));
    }
    out.word_ids.resize(out.tokens.size(), word.value_or(index));
    ++index;
  }
}

std::vector<std::string> BertTokenizer::tokenize(std::string_view text) const {
  Pieces pieces;
  append_pieces(text, std::nullopt, pieces);
  return std::move(pieces.tokens);
}

void BertTokenizer::truncate(Pieces& a, Pieces* b, std::int64_t specials, std::int64_t max_length) {
  if (max_length < 0) throw Error(fmt::format("max_length must be >= 0, got {}", max_length));
  const auto length_b = b ? static_cast<std::int64_t>(b->tokens.size()) : 0;
  auto remove = static_cast<std::int64_t>(a.tokens.size()) + length_b + specials - max_length;
  if (max_length == 0 || remove <= 0) return;
  if (!b) {
    if (static_cast<std::int64_t>(a.tokens.size()) <= remove) {
      throw Error(fmt::format("max_length {} leaves no room for the text after {} special tokens (need at least {})",
                              max_length, specials, specials + 1));
    }
    a.tokens.resize(a.tokens.size() - static_cast<std::size_t>(remove));
    a.word_ids.resize(a.tokens.size());
    return;
  }
  if (max_length < specials) {
    throw Error(fmt::format("max_length {} is shorter than the {} special tokens of a pair", max_length, specials));
  }
  // HF `truncate_sequences`, longest_first: one token at a time from the
  // longer sequence; from the second when both are equally long.
  for (; remove > 0; --remove) {
    Pieces& from = a.tokens.size() > b->tokens.size() ? a : *b;
    from.tokens.pop_back();
    from.word_ids.pop_back();
  }
}

Encoding BertTokenizer::assemble(Pieces a, std::optional<Pieces> b, const EncodeOptions& options) const {
  const std::int64_t specials = options.add_special_tokens ? (b ? 3 : 2) : 0;
  truncate(a, b ? &*b : nullptr, specials, options.max_length);

  Encoding e;
  auto push = [&](std::string token, std::int64_t id, std::int64_t type, std::int64_t word) {
    e.tokens.push_back(std::move(token));
    e.input_ids.push_back(id);
    e.token_type_ids.push_back(type);
    e.attention_mask.push_back(1);
    e.word_ids.push_back(word);
  };
  auto push_sequence = [&](Pieces& p, std::int64_t type) {
    for (std::size_t i = 0; i < p.tokens.size(); ++i) {
      const auto id = token_to_id(p.tokens[i]);
      push(std::move(p.tokens[i]), id, type, p.word_ids[i]);
    }
  };
  if (options.add_special_tokens) push(options_.cls_token, cls_id_, 0, -1);
  push_sequence(a, 0);
  if (options.add_special_tokens) push(options_.sep_token, sep_id_, 0, -1);
  if (b) {
    push_sequence(*b, 1);
    if (options.add_special_tokens) push(options_.sep_token, sep_id_, 1, -1);
  }
  if (options.pad_to > 0) {
    std::vector<Encoding> one(1, std::move(e));
    pad(one, options.pad_to);
    e = std::move(one.front());
  }
  return e;
}

Encoding BertTokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  Pieces a;
  append_pieces(text, std::nullopt, a);
  return assemble(std::move(a), std::nullopt, options);
}

Encoding BertTokenizer::encode_pair(std::string_view text, std::string_view pair, const EncodeOptions& options) const {
  Pieces a, b;
  append_pieces(text, std::nullopt, a);
  append_pieces(pair, std::nullopt, b);
  return assemble(std::move(a), std::move(b), options);
}

Encoding BertTokenizer::encode_words(const std::vector<std::string>& words, const EncodeOptions& options) const {
  Pieces a;
  for (std::size_t i = 0; i < words.size(); ++i) {
    try {
      append_pieces(words[i], static_cast<std::int64_t>(i), a);
    } catch (const Error&) {
      rethrow_with_context(fmt::format("word {}", i));
    }
  }
  return assemble(std::move(a), std::nullopt, options);
}

}  // namespace mtlab
