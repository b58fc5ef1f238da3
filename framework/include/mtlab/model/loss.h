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
};

}  // namespace mtlab
