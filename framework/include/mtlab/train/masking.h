#pragma once
// Dynamic masking for masked-LM tasks (BERT, Devlin et al. 2019): which tokens
// of an example are predicted and what the model sees in their place. A draw is
// a pure function of (seed, round, example index): every epoch (round) masks
// anew, a resumed run masks exactly as the uninterrupted one, and evaluation
// uses one fixed round so dev and test scores compare across evaluations.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "mtlab/options/trial_options.h"
#include "mtlab/text/tokenizer.h"

namespace mtlab {

// The round of evaluation masks (training rounds are epochs: 0, 1, …).
inline constexpr std::int64_t kEvalMaskRound = -1;

struct MaskingSpec {
  MaskingOptions options;
  std::int64_t mask_id = -1;               // the tokenizer's mask token
  std::int64_t vocab_size = 0;             // random replacements are drawn from [0, vocab_size)
  std::vector<std::int64_t> special_ids;   // never chosen (besides tokens without a word: added specials, padding)
  std::uint64_t seed = 0;                  // experiment.seed

  // The spec for `tokenizer`; throws when it has no mask token or the fractions exceed 1.
  static MaskingSpec make(const MaskingOptions& options, const Tokenizer& tokenizer, std::uint64_t seed);
};

struct MaskedTokens {
  std::vector<std::int64_t> input_ids;  // the encoding's ids with the chosen tokens replaced
  std::vector<std::int64_t> targets;    // the original id where chosen, else kIgnoreIndex (-100)
};

// Masks one encoding. Candidates are tokens with a word (word_ids >= 0) whose
// id is not special; each (or, with whole_word, each word: all its pieces
// together) is chosen with options.probability, then replaced by the mask token
// (mask_fraction), a random id (random_fraction) or kept.
MaskedTokens mask_tokens(const Encoding& encoding, const MaskingSpec& spec, std::int64_t round, std::size_t example);

// Share of predicted positions (targets != -100) where the logits' argmax is the target; -1 when none.
double masked_accuracy(const at::Tensor& logits, const at::Tensor& targets);

}  // namespace mtlab
