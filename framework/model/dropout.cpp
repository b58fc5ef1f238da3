// The dropout mask (mtlab/model/dropout.h): noise = scale where a hash of the
// element's index clears the threshold, else 0; out = x * noise, so autograd's
// backward is grad * noise, as in at::dropout.
#include "mtlab/model/dropout.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <mutex>

#include "cpu_clones.h"
#include "parallel_loops.h"

namespace mtlab {
namespace {

MTLAB_CLONES void fill_noise(float* out, std::int64_t begin, std::int64_t end, std::uint64_t seed,
                             std::uint32_t threshold, float scale) {
  for (std::int64_t i = begin; i < end; ++i) {
    std::uint64_t z = seed + static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ULL;  // splitmix64
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    out[i] = static_cast<std::uint32_t>(z >> 32) >= threshold ? scale : 0.0f;
  }
}

std::uint64_t draw_seed() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(generator)->random64();
}

}  // namespace

at::Tensor dropout(const at::Tensor& x, double p, bool train) {
  if (!train || p == 0.0) return x;
  const bool ours = x.device().is_cpu() && (x.scalar_type() == at::kFloat || x.scalar_type() == at::kBFloat16) &&
                    p > 0.0 && p < 1.0;
  if (!ours) return at::dropout(x, p, train);
  auto noise = at::empty(x.sizes(), x.options().dtype(at::kFloat).memory_format(at::MemoryFormat::Contiguous));
  const auto threshold = static_cast<std::uint32_t>(std::min(std::ldexp(p, 32), 4294967295.0));
  const auto scale = static_cast<float>(1.0 / (1.0 - p));
  const std::uint64_t seed = draw_seed();
  float* out = noise.data_ptr<float>();
  at::parallel_for(0, noise.numel(), 32768, [&](std::int64_t begin, std::int64_t end) {
    fill_noise(out, begin, end, seed, threshold, scale);
  });
  return x * (x.scalar_type() == at::kFloat ? noise : noise.to(x.scalar_type()));
}

}  // namespace mtlab
