#pragma once
// C = A · Btᵀ (+ bias) for row-major float32 A [M × K] and Bt [N × K] through
// oneDNN's matmul primitive, called directly on the tensors' memory (private to
// mtlab_nn). Bt in PyTorch's weight layout ([out × in]) is the K × N matrix in
// the column-major order oneDNN's brgemm kernels are fastest with, so a linear
// layer's weight goes in as it lies. LibTorch's at::mkldnn_linear, used before,
// copied the input into a oneDNN tensor, reordered the weight on every call and
// copied the result back: 30–50 % more time than this on BERT-base's products.
// The library is Debian's libdnnl, the one LibTorch itself links.
#include <ATen/core/Tensor.h>

namespace mtlab::detail {

// a [M, K] and bt [N, K] contiguous float32 CPU tensors, bias [N] or undefined;
// returns a new [M, N] tensor.
at::Tensor onednn_matmul(const at::Tensor& a, const at::Tensor& bt, const at::Tensor& bias);

// The same for a and bt in bfloat16 (bias float32): float32 [M, N], accumulated in float32.
at::Tensor onednn_matmul_bf16(const at::Tensor& a, const at::Tensor& bt, const at::Tensor& bias);

// The same for a [M, K] uint8 and bt [N, K] int8: the int32 [M, N] sums, unscaled.
at::Tensor onednn_matmul_u8s8(const at::Tensor& a, const at::Tensor& bt);

// tᵀ of a 2-D float32 or bfloat16 CPU tensor, contiguous, through oneDNN's reorder
// (its blocked transposes: 3–4 times faster than t.t().contiguous() here), for the
// backward products' operands.
at::Tensor onednn_transpose(const at::Tensor& t);

// a [..., M, K] · b [..., K, N] for CPU tensors of the same batch dims (2 to 4
// dims), both float32 or both bfloat16, each with any strides (attention's
// transposed views of Q, K and V, a gradient's transpose, go in as they lie);
// returns a new contiguous float32 [..., M, N] tensor, accumulated in float32.
at::Tensor onednn_bmm(const at::Tensor& a, const at::Tensor& b);

}  // namespace mtlab::detail
