#include "text/encoding_assembly.h"

#include <fmt/format.h>

#include "mtlab/core/error.h"

namespace mtlab::text {

std::int64_t SpecialsLayout::count(bool pair) const {
  auto n = before_a.size() + after_a.size();
  if (pair) n += before_b.size() + after_b.size();
  return static_cast<std::int64_t>(n);
}

SpecialsLayout bert_layout(SpecialsLayout::Special cls, SpecialsLayout::Special sep) {
  SpecialsLayout l;
  l.before_a = {std::move(cls)};
  l.after_a = {sep};
  l.after_b = {std::move(sep)};
  l.type_b = 1;
  return l;
}

SpecialsLayout roberta_layout(SpecialsLayout::Special cls, SpecialsLayout::Special sep) {
  SpecialsLayout l;
  l.before_a = {std::move(cls)};
  l.after_a = {sep};
  l.before_b = {sep};
  l.after_b = {std::move(sep)};
  l.type_b = 0;  // HF's RobertaTokenizer and RobertaProcessing: every type id is 0
  return l;
}

namespace {

void pop(Pieces& p) {
  p.tokens.pop_back();
  p.ids.pop_back();
  p.word_ids.pop_back();
}

}  // namespace

void truncate_longest_first(Pieces& a, Pieces* b, std::int64_t specials, std::int64_t max_length) {
  if (max_length < 0) throw Error(fmt::format("max_length must be >= 0, got {}", max_length));
  const auto length_b = b ? static_cast<std::int64_t>(b->size()) : 0;
  auto remove = static_cast<std::int64_t>(a.size()) + length_b + specials - max_length;
  if (max_length == 0 || remove <= 0) return;
  if (!b) {
    if (static_cast<std::int64_t>(a.size()) <= remove) {
      throw Error(fmt::format("max_length {} leaves no room for the text after {} special tokens (need at least {})",
                              max_length, specials, specials + 1));
    }
    for (; remove > 0; --remove) pop(a);
    return;
  }
  if (max_length < specials) {
    throw Error(fmt::format("max_length {} is shorter than the {} special tokens of a pair", max_length, specials));
  }
  for (; remove > 0; --remove) pop(a.size() > b->size() ? a : *b);
}

Encoding assemble(Pieces a, std::optional<Pieces> b, const SpecialsLayout& layout, const EncodeOptions& options,
                  const Tokenizer& tokenizer) {
  const bool specials = options.add_special_tokens;
  truncate_longest_first(a, b ? &*b : nullptr, specials ? layout.count(b.has_value()) : 0, options.max_length);

  Encoding e;
  auto push = [&](std::string token, std::int64_t id, std::int64_t type, std::int64_t word) {
    e.tokens.push_back(std::move(token));
    e.input_ids.push_back(id);
    e.token_type_ids.push_back(type);
    e.attention_mask.push_back(1);
    e.word_ids.push_back(word);
  };
  auto push_specials = [&](const std::vector<SpecialsLayout::Special>& list, std::int64_t type) {
    if (!specials) return;
    for (const auto& s : list) push(s.token, s.id, type, -1);
  };
  auto push_sequence = [&](Pieces& p, std::int64_t type) {
    for (std::size_t i = 0; i < p.size(); ++i) push(std::move(p.tokens[i]), p.ids[i], type, p.word_ids[i]);
  };
  push_specials(layout.before_a, 0);
  push_sequence(a, 0);
  push_specials(layout.after_a, 0);
  if (b) {
    push_specials(layout.before_b, layout.type_b);
    push_sequence(*b, layout.type_b);
    push_specials(layout.after_b, layout.type_b);
  }
  if (options.pad_to > 0) {
    std::vector<Encoding> one(1, std::move(e));
    tokenizer.pad(one, options.pad_to);
    e = std::move(one.front());
  }
  return e;
}

}  // namespace mtlab::text
