#pragma once
// Which kernels linear layers use. Debian's OpenBLAS misdetects some CPUs and
// runs generic kernels (issue 8: ~64 vs ~300 GFLOP/s on AVX-512 Xeons), while
// oneDNN (Debian's libdnnl, which LibTorch links too) picks its kernels at run
// time. CPU float32 linear layers go through oneDNN's matmul, called directly,
// in inference and in training (forward and both backward products).
#include <string>

#include <ATen/core/Tensor.h>

namespace mtlab {

enum class MatmulPath { blas, onednn };

// Default: onednn, unless MTLAB_MATMUL=blas.
MatmulPath matmul_path();
void set_matmul_path(MatmulPath path);
std::string matmul_path_name(MatmulPath path);
// Parses "blas" or "onednn"; throws mtlab::Error otherwise.
MatmulPath matmul_path_from_name(const std::string& name);

// y = x·Wᵀ + b for x [..., in], W [out, in], b [out] (may be undefined).
// Uses oneDNN when the path is onednn and x is a CPU float32 tensor, with its own
// autograd function when gradients are tracked. A weight prepared for bf16 or int8
// (prepare_linear_layers, mtlab/model/precision.h) computes in that precision; in a
// bf16 autocast scope (CpuAutocast) the product is bf16. The output has x's type (in autocast: the weight's).
at::Tensor fast_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

// Whether `weight` was prepared for reduced precision: a product through a copy
// of it (a concatenation of several weights) would compute in fp32 instead.
bool has_prepared_precision(const at::Tensor& weight);

// The activation type the weight's product takes without converting its input:
// bf16 for a weight prepared for bf16 (so a chain of bf16 layers — Q/K/V and
// attention, the feed-forward block — converts once), else the weight's type.
at::ScalarType linear_input_type(const at::Tensor& weight);

}  // namespace mtlab
