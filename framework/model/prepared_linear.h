#pragma once
// Linear layers prepared for reduced-precision inference (private to mtlab_nn):
// a bf16 copy of the weight and bias, or the weight quantized to int8 per output
// channel once (int8_linear.h: dynamic quantization, activations per call). Found again by their fp32 weight, which stays
// as it is, so any module that reads it directly still computes in fp32.
#include <ATen/core/Tensor.h>

#include <string>

#include "mtlab/model/precision.h"

namespace mtlab::detail {

// Prepares `weight` [out, in] with `bias` (may be undefined) for `precision`
// (bf16 or int8).
void prepare_weight(const at::Tensor& weight, const at::Tensor& bias, Precision precision);

// Whether `weight` was prepared (and is still the same tensor).
bool is_prepared(const at::Tensor& weight);

// y = x·Wᵀ + b for x [..., in] float32 or bfloat16, in the weight's prepared
// precision, in x's type; undefined when the weight was not prepared.
at::Tensor prepared_linear(const at::Tensor& x, const at::Tensor& weight);

// The type a prepared weight takes its input in without a conversion (bf16 for
// bf16, float32 for int8); the weight's own type when it was not prepared.
at::ScalarType compute_type(const at::Tensor& weight);

}  // namespace mtlab::detail
