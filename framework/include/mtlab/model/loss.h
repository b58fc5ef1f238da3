#pragma once
// The loss plugin interface.
#include <cstdint>

#include <ATen/core/Tensor.h>

#include "mtlab/plugin/descriptor.h"

namespace mtlab {

// Targets at this value (padding, non-first word pieces) contribute nothing.
inline constexpr std::int64_t kIgnoreIndex = -100;

class Loss : public plugin::PluginObject {
 public:
  // logits [N, C] or [B, T, C]; targets [N] or [B, T] (int64 class ids, or
  // kIgnoreIndex). Returns a scalar.
  virtual at::Tensor compute(const at::Tensor& logits, const at::Tensor& targets) = 0;
  // What these targets weigh in the mean compute() takes over a batch. Data-parallel
  // training scales each rank's loss by its part of the global batch's weight, so
  // that the ranks' sum is the global batch's loss. Default: the number of targets
  // that are not kIgnoreIndex (a mean over labelled targets, as cross-entropy's);
  // a weighted mean returns the sum of its weights.
  virtual double target_weight(const at::Tensor& targets) const;
};

// The number of targets that are not kIgnoreIndex.
double labelled_targets(const at::Tensor& targets);

}  // namespace mtlab
