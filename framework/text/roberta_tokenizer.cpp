#include "mtlab/text/roberta_tokenizer.h"

#include <fmt/format.h>

#include <algorithm>

#include "mtlab/core/error.h"
#include "text/bpe.h"
#include "text/byte_level.h"
#include "text/encoding_assembly.h"
#include "text/special_split.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace mtlab {

RobertaTokenizer::RobertaTokenizer(Vocab vocab, std::vector<Merge> merges, RobertaOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  if (vocab_.size() == 0) throw Error("RobertaTokenizer: the vocabulary is empty");
  const auto& o = options_;
  // HF's all_special_tokens order: bos, eos, unk, sep, pad, cls, mask, then the additional ones.
  std::vector<const AddedToken*> all = {&o.bos_token, &o.eos_token, &o.unk_token, &o.sep_token,
                                        &o.pad_token, &o.cls_token, &o.mask_token};
  for (const auto& t : o.additional_special_tokens) all.push_back(&t);
  for (const AddedToken* t : all) {
    if (t->content.empty()) throw Error("RobertaTokenizer: a special token is the empty string");
    auto same = [&](const AddedToken& s) { return s.content == t->content; };
    if (std::find_if(specials_.begin(), specials_.end(), same) != specials_.end()) continue;
    specials_.push_back(*t);
    try {
      special_texts_.push_back(text::decode_utf8(t->content));
    } catch (const Error&) {
      rethrow_with_context(fmt::format("RobertaTokenizer: special token '{}'", t->content));
    }
  }
  const auto unk = vocab_.find(o.unk_token.content);
  if (!unk) throw Error(fmt::format("RobertaTokenizer: the unknown token '{}' is not in the vocabulary", o.unk_token.content));
  unk_id_ = *unk;
  pad_id_ = token_to_id(o.pad_token.content);
  cls_id_ = token_to_id(o.cls_token.content);
  sep_id_ = token_to_id(o.sep_token.content);
  mask_id_ = token_to_id(o.mask_token.content);
  bpe_ = std::make_shared<const text::BpeModel>(std::move(merges));
  layout_ = std::make_shared<const text::SpecialsLayout>(
      text::roberta_layout({o.cls_token.content, cls_id_}, {o.sep_token.content, sep_id_}));
}

const std::vector<RobertaTokenizer::Merge>& RobertaTokenizer::merges() const { return bpe_->merges(); }

std::int64_t RobertaTokenizer::token_to_id(std::string_view token) const { return vocab_.find(token).value_or(unk_id_); }

std::vector<std::int64_t> RobertaTokenizer::special_ids() const {
  std::vector<std::int64_t> ids;
  for (const auto& token : specials_) {
    if (auto id = vocab_.find(token.content)) ids.push_back(*id);
  }
  return ids;
}

void RobertaTokenizer::append_pieces(std::string_view text_bytes, bool prefix_space, std::optional<std::int64_t> word,
                                     text::Pieces& out) const {
  std::u32string text = text::decode_utf8(text_bytes);
  // HF prepare_for_tokenization: the space goes in before special tokens are cut out.
  if (prefix_space && !text.empty() && !text::is_python_space(text.front())) text.insert(text.begin(), U' ');
  auto segments = text::split_on_specials(text, special_texts_);
  text::strip_around_specials(segments, specials_);
  std::int64_t index = 0;
  std::vector<std::string> tokens;
  for (const auto& segment : segments) {
    if (segment.special >= 0) {
      auto token = specials_[static_cast<std::size_t>(segment.special)].content;
      const auto id = token_to_id(token);
      out.push(std::move(token), id, word.value_or(index++));
      continue;
    }
    const std::string utf8 = text::encode_utf8(segment.text);
    for (std::string_view match : text::split_gpt2(utf8)) {
      tokens.clear();
      bpe_->apply(text::bytes_to_unicode(match), tokens);
      for (auto& t : tokens) {
        const auto id = token_to_id(t);
        out.push(std::move(t), id, word.value_or(index));
      }
      ++index;
    }
  }
}

std::vector<std::string> RobertaTokenizer::tokenize(std::string_view text) const {
  text::Pieces pieces;
  append_pieces(text, options_.add_prefix_space, std::nullopt, pieces);
  return std::move(pieces.tokens);
}

Encoding RobertaTokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  text::Pieces a;
  append_pieces(text, options_.add_prefix_space, std::nullopt, a);
  return text::assemble(std::move(a), std::nullopt, *layout_, options, *this);
}

Encoding RobertaTokenizer::encode_pair(std::string_view text, std::string_view pair, const EncodeOptions& options) const {
  text::Pieces a, b;
  append_pieces(text, options_.add_prefix_space, std::nullopt, a);
  append_pieces(pair, options_.add_prefix_space, std::nullopt, b);
  return text::assemble(std::move(a), std::move(b), *layout_, options, *this);
}

Encoding RobertaTokenizer::encode_words(const std::vector<std::string>& words, const EncodeOptions& options) const {
  text::Pieces a;
  for (std::size_t i = 0; i < words.size(); ++i) {
    try {
      append_pieces(words[i], /*prefix_space=*/true, static_cast<std::int64_t>(i), a);
    } catch (const Error&) {
      rethrow_with_context(fmt::format("word {}", i));
    }
  }
  return text::assemble(std::move(a), std::nullopt, *layout_, options, *this);
}

}  // namespace mtlab
