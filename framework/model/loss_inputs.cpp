#include "mtlab/model/loss_inputs.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "mtlab/core/error.h"
#include "mtlab/model/loss.h"

namespace mtlab {

FlatTargets flatten_valid(const at::Tensor& logits, const at::Tensor& targets) {
  if (logits.dim() != targets.dim() + 1) {
    throw Error(fmt::format("loss: logits have {} dimensions and targets {}; expected logits [.., C] and targets [..]",
                            logits.dim(), targets.dim()));
  }
  const auto classes = logits.size(-1);
  auto flat_logits = logits.reshape({-1, classes});
  auto flat_targets = targets.reshape({-1});
  if (flat_logits.size(0) != flat_targets.size(0)) {
    throw Error(fmt::format("loss: {} logit rows but {} targets", flat_logits.size(0), flat_targets.size(0)));
  }
  auto valid = flat_targets != kIgnoreIndex;
  auto kept_targets = flat_targets.masked_select(valid);
  if (kept_targets.numel() > 0) {
    const auto lo = kept_targets.min().item<std::int64_t>();
    const auto hi = kept_targets.max().item<std::int64_t>();
    if (lo < 0 || hi >= classes) {
      throw Error(fmt::format("loss: target ids must lie in [0, {}) or be {}, found {}..{}", classes, kIgnoreIndex, lo, hi));
    }
  }
  return {flat_logits.index({valid}), kept_targets};
}

}  // namespace mtlab
