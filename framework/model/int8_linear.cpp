// Dynamic int8 linear layers (framework/model/int8_linear.h). The two loops over
// the activations are built with -fno-math-errno (framework/CMakeLists.txt) so that
// their rounding vectorises, and cloned for AVX-512 and AVX2.
#include "int8_linear.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "cpu_clones.h"
#include "onednn_matmul.h"
#include "parallel_loops.h"

namespace mtlab::detail {
namespace {

// Rows [begin, end) of x [M, K] to uint8 with their scale and zero point; the range
// always includes 0, so that 0 (padding, ReLU's zeros) is exact.
MTLAB_CLONES void quantize_rows(const float* x, std::uint8_t* q, float* scale, std::int32_t* zero, std::int64_t k,
                                std::int64_t begin, std::int64_t end) {
  for (std::int64_t m = begin; m < end; ++m) {
    const float* row = x + m * k;
    float lo = 0.0f, hi = 0.0f;
    for (std::int64_t i = 0; i < k; ++i) {
      lo = std::min(lo, row[i]);
      hi = std::max(hi, row[i]);
    }
    const float s = hi > lo ? (hi - lo) / 255.0f : 1.0f;
    const float inv = 1.0f / s;
    const float z = std::nearbyint(-lo * inv);
    std::uint8_t* out = q + m * k;
    for (std::int64_t i = 0; i < k; ++i) {
      out[i] = static_cast<std::uint8_t>(std::clamp(std::nearbyint(row[i] * inv) + z, 0.0f, 255.0f));
    }
    scale[m] = s;
    zero[m] = static_cast<std::int32_t>(z);
  }
}

struct Epilogue {
  const float *sx, *sw, *bias;
  const std::int32_t *zx, *colsum;
  std::int64_t n;
};

MTLAB_CLONES void dequantize_rows(const std::int32_t* acc, float* y, const Epilogue& e, std::int64_t begin,
                                  std::int64_t end) {
  for (std::int64_t m = begin; m < end; ++m) {
    const float s = e.sx[m];
    const std::int32_t z = e.zx[m];
    const std::int32_t* a = acc + m * e.n;
    float* out = y + m * e.n;
    for (std::int64_t j = 0; j < e.n; ++j) {
      out[j] = s * e.sw[j] * static_cast<float>(a[j] - z * e.colsum[j]) + (e.bias ? e.bias[j] : 0.0f);
    }
  }
}

// Rows per task of the parallel loops: about 64 K elements.
std::int64_t grain(std::int64_t row_length) { return std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, row_length)); }

}  // namespace

Int8Weight quantize_int8_weight(const at::Tensor& weight, const at::Tensor& bias) {
  const auto w = weight.to(at::kFloat).contiguous();
  Int8Weight out;
  out.scale = w.abs().amax(1).clamp_min(1e-8).div(127.0);
  out.q = w.div(out.scale.unsqueeze(1)).round().clamp(-127, 127).to(at::kChar).contiguous();
  out.colsum = out.q.sum(1, false, at::kInt).contiguous();
  if (bias.defined()) out.bias = bias.to(at::kFloat).contiguous();
  return out;
}

at::Tensor int8_linear(const at::Tensor& x2d, const Int8Weight& w) {
  const std::int64_t m = x2d.size(0), k = x2d.size(1), n = w.q.size(0);
  auto q = at::empty({m, k}, x2d.options().dtype(at::kByte));
  auto sx = at::empty({m}, x2d.options());
  auto zx = at::empty({m}, x2d.options().dtype(at::kInt));
  const float* x = x2d.data_ptr<float>();
  at::parallel_for(0, m, grain(k), [&](std::int64_t begin, std::int64_t end) {
    quantize_rows(x, q.data_ptr<std::uint8_t>(), sx.data_ptr<float>(), zx.data_ptr<std::int32_t>(), k, begin, end);
  });
  const auto acc = onednn_matmul_u8s8(q, w.q);
  auto y = at::empty({m, n}, x2d.options());
  const Epilogue e{sx.data_ptr<float>(), w.scale.data_ptr<float>(), w.bias.defined() ? w.bias.data_ptr<float>() : nullptr,
                   zx.data_ptr<std::int32_t>(), w.colsum.data_ptr<std::int32_t>(), n};
  at::parallel_for(0, m, grain(n), [&](std::int64_t begin, std::int64_t end) {
    dequantize_rows(acc.data_ptr<std::int32_t>(), y.data_ptr<float>(), e, begin, end);
  });
  return y;
}

}  // namespace mtlab::detail
