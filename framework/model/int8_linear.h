#pragma once
// Dynamic int8 linear layers on oneDNN's u8·s8 matmul (AMX or VNNI kernels;
// private to mtlab_nn). Weights: symmetric int8 per output channel, quantized
// once. Activations: asymmetric uint8 per row (one token), from the row's range
// at every call. The product accumulates in int32 and one pass makes it float:
//   y[m, n] = sx[m] · sw[n] · (acc[m, n] − zx[m] · Σk wq[n, k]) + b[n].
// Per-row activation scales rather than LibTorch's one per tensor: a token with
// large activations no longer costs the others their resolution. oneDNN takes
// its AMX kernels only with scales fixed when the primitive is made, so the
// product is left unscaled and the scales are applied here.
#include <ATen/core/Tensor.h>

namespace mtlab::detail {

struct Int8Weight {
  at::Tensor q;       // int8 [N, K]
  at::Tensor scale;   // float [N]: w ≈ scale · q
  at::Tensor colsum;  // int32 [N]: Σk q[n, k], for the activations' zero points
  at::Tensor bias;    // float [N], or undefined
};

Int8Weight quantize_int8_weight(const at::Tensor& weight, const at::Tensor& bias);

// x2d [M, K] contiguous float32 → [M, N] float32.
at::Tensor int8_linear(const at::Tensor& x2d, const Int8Weight& w);

}  // namespace mtlab::detail
