#pragma once
// a · b for attention's batched products: a [..., M, K], b [..., K, N] with the
// same 1 or 2 batch dims. Through oneDNN's batched matmul on the operands' own
// strides when the matmul path is onednn (mtlab/model/fast_linear.h) and both are
// float32 CPU tensors: forward and backward (da = g · bᵀ, db = aᵀ · g, on
// transposed views: no copies); in a bf16 autocast scope on bf16 copies of the
// operands, with a float32 result (as fast_linear). LibTorch 1.13's CPU bmm
// loops over the batch in C++, one small product per head and sentence (192 for
// BERT-base at batch 16), after copying non-contiguous operands. Otherwise
// at::matmul.
#include <ATen/core/Tensor.h>

namespace mtlab {

at::Tensor fast_matmul(const at::Tensor& a, const at::Tensor& b);

}  // namespace mtlab
