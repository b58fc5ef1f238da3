#include "mtlab/train/masking.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

#include "mtlab/core/rng.h"
#include "mtlab/core/error.h"
#include "mtlab/model/loss.h"

namespace mtlab {

MaskingSpec MaskingSpec::make(const MaskingOptions& options, const Tokenizer& tokenizer, std::uint64_t seed) {
  if (options.mask_fraction + options.random_fraction > 1.0 + 1e-12) {
    throw Error(fmt::format("masking: mask_fraction {} + random_fraction {} exceed 1", options.mask_fraction,
                            options.random_fraction));
  }
  MaskingSpec spec;
  spec.options = options;
  spec.mask_id = tokenizer.mask_id();
  if (spec.mask_id < 0) throw Error("masking: the backbone's tokenizer has no mask token, so it cannot mask inputs");
  spec.vocab_size = tokenizer.vocab_size();
  spec.special_ids = tokenizer.special_ids();
  std::sort(spec.special_ids.begin(), spec.special_ids.end());
  spec.seed = seed;
  return spec;
}

namespace {

// One stream per (seed, round, example), independent of the order batches come in.
std::uint64_t stream_seed(std::uint64_t seed, std::int64_t round, std::size_t example) {
  SplitMix64 mix(seed ^ 0x6d6c6d2d6d61736bull);  // "mlm-mask"
  std::uint64_t s = mix.next() ^ static_cast<std::uint64_t>(round);
  SplitMix64 mix2(s);
  return mix2.next() ^ (static_cast<std::uint64_t>(example) * 0x9E3779B97F4A7C15ull);
}

}  // namespace

MaskedTokens mask_tokens(const Encoding& encoding, const MaskingSpec& spec, std::int64_t round, std::size_t example) {
  MaskedTokens out{encoding.input_ids, std::vector<std::int64_t>(encoding.size(), kIgnoreIndex)};
  SplitMix64 rng(stream_seed(spec.seed, round, example));
  const auto& o = spec.options;
  const auto candidate = [&](std::size_t i) {
    return encoding.word_ids[i] >= 0 && encoding.attention_mask[i] != 0 &&
           !std::binary_search(spec.special_ids.begin(), spec.special_ids.end(), encoding.input_ids[i]);
  };
  bool chosen = false;
  for (std::size_t i = 0; i < encoding.size(); ++i) {
    if (!candidate(i)) continue;
    // With whole_word, the first piece of a word decides for every piece of it.
    const bool new_word = !o.whole_word || i == 0 || encoding.word_ids[i] != encoding.word_ids[i - 1] || !candidate(i - 1);
    if (new_word) chosen = rng.chance(o.probability);
    if (!chosen) continue;
    out.targets[i] = encoding.input_ids[i];
    const double r = rng.uniform();
    if (r < o.mask_fraction) {
      out.input_ids[i] = spec.mask_id;
    } else if (r < o.mask_fraction + o.random_fraction) {
      out.input_ids[i] = static_cast<std::int64_t>(rng.below(static_cast<std::size_t>(spec.vocab_size)));
    }
  }
  return out;
}

double masked_accuracy(const at::Tensor& logits, const at::Tensor& targets) {
  torch::NoGradGuard guard;
  const auto valid = targets != kIgnoreIndex;
  const auto n = valid.sum().item<std::int64_t>();
  if (n == 0) return -1;
  const auto right = (logits.argmax(-1) == targets).logical_and(valid).sum().item<std::int64_t>();
  return static_cast<double>(right) / static_cast<double>(n);
}

}  // namespace mtlab
