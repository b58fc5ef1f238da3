// Gradient clipping by the global norm (mtlab/train/gradient_clip.h) against
// LibTorch's clip_grad_norm_: the same norm, and the same parameters after a
// step, whether the fused AdamW takes the coefficient inside its update or a
// LibTorch optimizer gets clipped gradients.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "mtlab/model/fused_adam.h"
#include "mtlab/train/gradient_clip.h"

using namespace mtlab;

namespace {

using Options = torch::optim::AdamWOptions;

// Parameters with gradients of norm about 40, larger than the clip limits below.
std::vector<at::Tensor> problem() {
  torch::manual_seed(13);
  std::vector<at::Tensor> params{torch::randn({300, 70}), torch::randn({70}), torch::randn({90000})};
  for (auto& p : params) {
    p.set_requires_grad(true);
    p.mutable_grad() = torch::randn_like(p) * 0.1;
  }
  return params;
}

template <class Optimizer>
std::unique_ptr<Optimizer> adamw(const std::vector<at::Tensor>& params, bool amsgrad = false) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(params, std::make_unique<Options>(Options(1e-2).weight_decay(0.01).amsgrad(amsgrad)));
  return std::make_unique<Optimizer>(std::move(groups), Options());
}

// Two steps: clipped (when max_norm > 0) and then unclipped with the same gradients.
template <class Optimizer>
std::pair<std::vector<at::Tensor>, double> two_steps(double max_norm, bool libtorch_clip, bool amsgrad = false) {
  auto params = problem();
  auto optimizer = adamw<Optimizer>(params, amsgrad);
  const auto grads = [&] {
    std::vector<at::Tensor> g;
    for (const auto& p : params) g.push_back(p.grad().clone());
    return g;
  }();
  double norm = 0;
  if (max_norm > 0) {
    norm = libtorch_clip ? torch::nn::utils::clip_grad_norm_(params, max_norm)
                         : clip_gradients(params, max_norm, *optimizer);
  }
  optimizer->step();
  for (std::size_t i = 0; i < params.size(); ++i) params[i].mutable_grad() = grads[i].clone();
  optimizer->step();
  return {params, norm};
}

void check_close(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b, bool expect) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("parameter " << i);
    CHECK(torch::allclose(a[i], b[i], 1e-5, 1e-6) == expect);
  }
}

}  // namespace

TEST_CASE("clipping equals LibTorch's clip_grad_norm_ before a fused or a LibTorch AdamW step", "[train][clip]") {
  const auto [reference, reference_norm] = two_steps<torch::optim::AdamW>(0.5, true);
  const auto [unclipped, unused] = two_steps<torch::optim::AdamW>(0, true);
  check_close(reference, unclipped, false);  // the clip matters on this problem
  SECTION("the fused AdamW takes the coefficient in its update, for one step only") {
    const auto [fused, norm] = two_steps<FusedAdamW>(0.5, false);
    CHECK(norm == Approx(reference_norm).epsilon(1e-5));
    check_close(fused, reference, true);
  }
  SECTION("a LibTorch AdamW gets clipped gradients") {
    const auto [plain, norm] = two_steps<torch::optim::AdamW>(0.5, false);
    CHECK(norm == Approx(reference_norm).epsilon(1e-5));
    check_close(plain, reference, true);
  }
  SECTION("the fused AdamW's LibTorch fallback (AMSGrad) clips too") {
    const auto [ams_reference, ams_norm] = two_steps<torch::optim::AdamW>(0.5, true, true);
    const auto [fused, norm] = two_steps<FusedAdamW>(0.5, false, true);
    check_close(fused, ams_reference, true);
  }
  SECTION("a limit above the norm changes nothing") {
    const auto [fused, norm] = two_steps<FusedAdamW>(1e6, false);
    check_close(fused, unclipped, true);
  }
}

TEST_CASE("the squared norm sums every element in double, for any layout and thread count", "[train][clip]") {
  torch::manual_seed(2);
  const auto x = torch::randn({700, 300});  // several 65,536-element blocks and a tail
  const double exact = x.to(at::kDouble).pow(2).sum().item<double>();
  CHECK(squared_norm(x) == Approx(exact).epsilon(1e-6));
  CHECK(squared_norm(x.t()) == Approx(exact).epsilon(1e-6));  // not contiguous: the generic path
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const double one_thread = squared_norm(x);
  at::set_num_threads(threads);
  CHECK(one_thread == squared_norm(x));  // the same blocks in the same order
  CHECK(squared_norm(torch::zeros({0})) == 0.0);
}
