#pragma once
// What every tokenizer does after it has split a text into tokens: truncate
// (longest_first), put the special tokens around the sequences, set type ids
// and masks, pad. Hugging Face's post-processor, shared by all families.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mtlab/text/tokenizer.h"

namespace mtlab::text {

// The tokens of one sequence, with their ids and the word each came from.
struct Pieces {
  std::vector<std::string> tokens;
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> word_ids;
  void push(std::string token, std::int64_t id, std::int64_t word) {
    tokens.push_back(std::move(token));
    ids.push_back(id);
    word_ids.push_back(word);
  }
  std::size_t size() const { return tokens.size(); }
};

// Where the special tokens go: `single` = before_a A after_a;
// `pair` = before_a A after_a before_b B after_b. A and its specials have type
// id 0; B and its specials have `type_b`.
struct SpecialsLayout {
  struct Special {
    std::string token;
    std::int64_t id = 0;
  };
  std::vector<Special> before_a, after_a, before_b, after_b;
  std::int64_t type_b = 0;

  std::int64_t count(bool pair) const;
};

// BERT's [CLS] A [SEP] (B [SEP], type 1) and RoBERTa's <s> A </s> (</s> B </s>, type 0).
SpecialsLayout bert_layout(SpecialsLayout::Special cls, SpecialsLayout::Special sep);
SpecialsLayout roberta_layout(SpecialsLayout::Special cls, SpecialsLayout::Special sep);

// Truncates to max_length tokens in total (0 = no limit), `specials` included:
// a single text from its end; a pair `longest_first` (HF truncate_sequences:
// one token at a time from the longer, from the second when equally long).
// Throws where HF would log an error and return the input uncut.
void truncate_longest_first(Pieces& a, Pieces* b, std::int64_t specials, std::int64_t max_length);

// Truncates, adds the specials (when options.add_special_tokens) and pads
// (options.pad_to) with `tokenizer`'s pad token.
Encoding assemble(Pieces a, std::optional<Pieces> b, const SpecialsLayout& layout, const EncodeOptions& options,
                  const Tokenizer& tokenizer);

}  // namespace mtlab::text
