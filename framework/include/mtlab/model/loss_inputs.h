#pragma once
// Shared by the loss plugins: flattens [B, T, C] / [B, T] to [M, C] / [M] and
// keeps only the positions whose target is not kIgnoreIndex.
#include <ATen/core/Tensor.h>

namespace mtlab {

struct FlatTargets {
  at::Tensor logits;   // [M, C], valid positions only
  at::Tensor targets;  // [M] int64
};

// Throws mtlab::Error on shape mismatches or targets outside [0, C).
FlatTargets flatten_valid(const at::Tensor& logits, const at::Tensor& targets);

}  // namespace mtlab
