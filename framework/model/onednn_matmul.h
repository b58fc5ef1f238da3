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

// The same for a [M, K] uint8 and bt [N, K] int8: the int32 [M, N] sums, unscaled.
at::Tensor onednn_matmul_u8s8(const at::Tensor& a, const at::Tensor& bt);

}  // namespace mtlab::detail
