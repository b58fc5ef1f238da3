#pragma once
// Which kernels linear layers use. Debian's OpenBLAS misdetects some CPUs and
// runs generic kernels (issue 8: ~64 vs ~300 GFLOP/s on AVX-512 Xeons), while
// oneDNN, shipped inside LibTorch, picks its kernels at run time. CPU float32
// linear layers go through oneDNN when available, in inference and in training
// (forward and both backward products).
#include <string>

#include <ATen/core/Tensor.h>

namespace mtlab {

enum class MatmulPath { blas, onednn };

// Default: onednn when LibTorch was built with it, unless MTLAB_MATMUL=blas.
MatmulPath matmul_path();
void set_matmul_path(MatmulPath path);
std::string matmul_path_name(MatmulPath path);
// Parses "blas" or "onednn"; throws mtlab::Error otherwise.
MatmulPath matmul_path_from_name(const std::string& name);

// y = x·Wᵀ + b for x [..., in], W [out, in], b [out] (may be undefined).
// Uses oneDNN when the path is onednn and x is a CPU float32 tensor, with its own
// autograd function when gradients are tracked.
at::Tensor fast_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

}  // namespace mtlab
