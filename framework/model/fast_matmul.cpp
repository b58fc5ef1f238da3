#include "mtlab/model/fast_matmul.h"

#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

#include "mtlab/model/fast_linear.h"
#include "onednn_matmul.h"

namespace mtlab {
namespace {

// An operand as the product reads it: a bf16 copy (strides kept where dense) in a
// bf16 autocast scope, else the float32 tensor itself.
at::Tensor bmm_operand(const at::Tensor& t, bool bf16) { return bf16 ? t.to(at::kBFloat16) : t; }

// With `bf16` (a bf16 autocast scope: training.precision = "bf16") the products
// take bf16 copies of float32 operands and return float32, as OneDnnLinear does.
struct OneDnnBmm : torch::autograd::Function<OneDnnBmm> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& a, const at::Tensor& b,
                            bool bf16) {
    const auto a_in = bmm_operand(a, bf16), b_in = bmm_operand(b, bf16);
    ctx->save_for_backward({a_in, b_in});
    ctx->saved_data["bf16"] = bf16;
    return detail::onednn_bmm(a_in, b_in);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor g = bmm_operand(grads[0], ctx->saved_data["bf16"].toBool());
    at::Tensor da, db;
    if (ctx->needs_input_grad(0)) da = detail::onednn_bmm(g, saved[1].transpose(-1, -2));
    if (ctx->needs_input_grad(1)) db = detail::onednn_bmm(saved[0].transpose(-1, -2), g);
    return {da, db, {}};
  }
};

bool suits_onednn(const at::Tensor& t) {
  const auto strides = t.strides();
  return t.is_cpu() && !t.is_mkldnn() && t.scalar_type() == at::kFloat && (t.dim() == 3 || t.dim() == 4) &&
         std::none_of(strides.begin(), strides.end(), [](std::int64_t s) { return s == 0; });
}

}  // namespace

at::Tensor fast_matmul(const at::Tensor& a, const at::Tensor& b) {
  const bool onednn = matmul_path() == MatmulPath::onednn && suits_onednn(a) && suits_onednn(b) &&
                      a.dim() == b.dim() && a.sizes().slice(0, a.dim() - 2) == b.sizes().slice(0, b.dim() - 2) &&
                      a.size(-1) == b.size(-2);
  if (!onednn) return at::matmul(a, b);
  const bool bf16 = at::autocast::is_cpu_enabled();
  const bool tracks = at::GradMode::is_enabled() && (a.requires_grad() || b.requires_grad());
  return tracks ? OneDnnBmm::apply(a, b, bf16) : detail::onednn_bmm(bmm_operand(a, bf16), bmm_operand(b, bf16));
}

}  // namespace mtlab
