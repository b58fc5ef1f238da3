// The fused Adam/AdamW update (mtlab/model/fused_adam.h). Memory-bound: one
// pass reading the parameter, its gradient and both moments and writing three
// of them. Built with -fno-math-errno (framework/CMakeLists.txt) so that the
// square root vectorises, and cloned for AVX-512 and AVX2 with the generic
// x86-64 version as the fallback; the loader picks one for the machine.
#include "mtlab/model/fused_adam.h"

#include <cmath>

#include "cpu_clones.h"
#include "parallel_loops.h"

namespace mtlab {
namespace {

// The loop, written once; inlined into each cloned entry point so that it is compiled
// for that entry's instruction set.
template <Decay kDecay>
[[gnu::always_inline]] inline void update_range(float* __restrict p, const float* __restrict g, float* __restrict m,
                                                float* __restrict v, std::int64_t begin, std::int64_t end,
                                                const AdamStepScalars& s) {
  for (std::int64_t i = begin; i < end; ++i) {
    float grad = g[i] * s.grad_scale;
    if constexpr (kDecay == Decay::l2) grad += s.weight_decay * p[i];
    const float mi = m[i] * s.beta1 + (1.0f - s.beta1) * grad;
    const float vi = v[i] * s.beta2 + (1.0f - s.beta2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * s.keep - s.step_size * mi / (std::sqrt(vi) / s.sqrt_bc2 + s.eps);
  }
}

MTLAB_CLONES void update_decoupled(float* p, const float* g, float* m, float* v, std::int64_t begin,
                                   std::int64_t end, const AdamStepScalars& s) {
  update_range<Decay::decoupled>(p, g, m, v, begin, end, s);
}

MTLAB_CLONES void update_l2(float* p, const float* g, float* m, float* v, std::int64_t begin, std::int64_t end,
                            const AdamStepScalars& s) {
  update_range<Decay::l2>(p, g, m, v, begin, end, s);
}

}  // namespace

void fused_adam_update(Decay decay, float* p, const float* g, float* m, float* v, std::int64_t n,
                       const AdamStepScalars& s) {
  at::parallel_for(0, n, 32768, [&](std::int64_t begin, std::int64_t end) {
    if (decay == Decay::decoupled) {
      update_decoupled(p, g, m, v, begin, end, s);
    } else {
      update_l2(p, g, m, v, begin, end, s);
    }
  });
}

}  // namespace mtlab
