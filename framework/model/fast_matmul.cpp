#include "mtlab/model/fast_matmul.h"

#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

#include "mtlab/model/fast_linear.h"
#include "onednn_matmul.h"

namespace mtlab {
namespace {

struct OneDnnBmm : torch::autograd::Function<OneDnnBmm> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& a, const at::Tensor& b) {
    ctx->save_for_backward({a, b});
    return detail::onednn_bmm(a, b);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& g = grads[0];
    at::Tensor da, db;
    if (ctx->needs_input_grad(0)) da = detail::onednn_bmm(g, saved[1].transpose(-1, -2));
    if (ctx->needs_input_grad(1)) db = detail::onednn_bmm(saved[0].transpose(-1, -2), g);
    return {da, db};
  }
};

bool suits_onednn(const at::Tensor& t) {
  const auto strides = t.strides();
  return t.is_cpu() && !t.is_mkldnn() && t.scalar_type() == at::kFloat && (t.dim() == 3 || t.dim() == 4) &&
         std::none_of(strides.begin(), strides.end(), [](std::int64_t s) { return s == 0; });
}

}  // namespace

at::Tensor fast_matmul(const at::Tensor& a, const at::Tensor& b) {
  const bool onednn = matmul_path() == MatmulPath::onednn && !at::autocast::is_cpu_enabled() && suits_onednn(a) &&
                      suits_onednn(b) && a.dim() == b.dim() &&
                      a.sizes().slice(0, a.dim() - 2) == b.sizes().slice(0, b.dim() - 2) && a.size(-1) == b.size(-2);
  if (!onednn) return at::matmul(a, b);
  const bool tracks = at::GradMode::is_enabled() && (a.requires_grad() || b.requires_grad());
  return tracks ? OneDnnBmm::apply(a, b) : detail::onednn_bmm(a, b);
}

}  // namespace mtlab
