// Global-norm gradient clipping (mtlab/train/gradient_clip.h).
#include "mtlab/train/gradient_clip.h"

#include <torch/optim/optimizer.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "model/cpu_clones.h"
#include "model/parallel_loops.h"
#include "mtlab/model/gradient_scaling.h"

namespace mtlab {
namespace {

constexpr std::int64_t kBlock = 1 << 16;  // elements summed in float before the double total

// 64 float lanes (four AVX-512 registers: independent chains, so that the adds
// keep up with memory) and a loop that vectorises without reassociation flags.
MTLAB_CLONES double block_sum_of_squares(const float* x, std::int64_t n) {
  constexpr int kLanes = 64;
  std::array<float, kLanes> lane{};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) lane[j] += x[i + j] * x[i + j];
  }
  double total = 0;
  for (float v : lane) total += v;
  for (; i < n; ++i) total += static_cast<double>(x[i]) * x[i];
  return total;
}

}  // namespace

double squared_norm(const at::Tensor& t) {
  if (t.scalar_type() != at::kFloat || !t.is_contiguous() || t.layout() != at::kStrided || !t.device().is_cpu()) {
    return t.to(at::kDouble).pow(2).sum().item<double>();
  }
  const float* x = t.data_ptr<float>();
  const std::int64_t n = t.numel(), blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<std::size_t>(blocks));
  at::parallel_for(0, blocks, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t b = begin; b < end; ++b) {
      partial[b] = block_sum_of_squares(x + b * kBlock, std::min(kBlock, n - b * kBlock));
    }
  });
  double total = 0;
  for (double p : partial) total += p;
  return total;
}

double gradient_norm(const std::vector<at::Tensor>& params) {
  double sum = 0;
  for (const auto& p : params) {
    if (p.grad().defined()) sum += squared_norm(p.grad());
  }
  return std::sqrt(sum);
}

double clip_gradients(const std::vector<at::Tensor>& params, double max_norm, torch::optim::Optimizer& optimizer) {
  const double norm = gradient_norm(params);
  // std::min keeps a NaN norm's NaN coefficient, as torch.clamp does.
  const double coefficient = std::min(max_norm / (norm + 1e-6), 1.0);
  if (auto* scaling = dynamic_cast<GradientScaling*>(&optimizer)) {
    scaling->scale_next_gradients(static_cast<float>(coefficient));
    return norm;
  }
  if (coefficient != 1.0) scale_gradients(params, coefficient);  // a multiplication by one changes nothing
  return norm;
}

}  // namespace mtlab
