// The fused Adam/AdamW step against LibTorch's: same parameters and moments
// after several steps (float rounding apart), state that moves between the
// two through a checkpoint, and the fallback for AMSGrad and odd tensors.
#include <catch2/catch.hpp>
#include <torch/serialize.h>

#include <sstream>

#include "mtlab/model/fused_adam.h"

using namespace mtlab;

namespace {

// Two groups of parameters with their own rates and decays, and a gradient
// that changes from step to step.
struct Problem {
  std::vector<at::Tensor> params;
  explicit Problem(int seed) {
    torch::manual_seed(seed);
    params = {torch::randn({64, 33}), torch::randn({33}), torch::randn({70000}), torch::randn({5, 7})};
    for (auto& p : params) p.set_requires_grad(true);
  }
  std::vector<torch::optim::OptimizerParamGroup> groups(auto make_options) const {
    std::vector<torch::optim::OptimizerParamGroup> out;
    out.emplace_back(std::vector<at::Tensor>{params[0], params[1]}, make_options(1e-2, 0.1));
    out.emplace_back(std::vector<at::Tensor>{params[2], params[3]}, make_options(3e-3, 0.0));
    return out;
  }
  void backward(int step) {
    at::Tensor loss = torch::zeros({});
    for (std::size_t i = 0; i < params.size(); ++i) {
      // Gradients shrink on odd steps, so AMSGrad's running maximum differs from Adam's.
      const double scale = step % 2 ? 0.1 : 1.0 + 0.1 * step;
      loss = loss + (params[i].pow(2) * scale + params[i].sin() * static_cast<double>(i)).sum();
    }
    loss.backward();
  }
};

template <class Options>
auto options_with(double beta1, bool amsgrad = false) {
  return [=](double lr, double decay) {
    auto o = std::make_unique<Options>(lr);
    o->betas(std::make_tuple(beta1, 0.98)).eps(1e-6).weight_decay(decay).amsgrad(amsgrad);
    return o;
  };
}

constexpr int kSteps = 6;

template <class Optimizer, class Options>
std::vector<at::Tensor> after_steps(bool amsgrad) {
  Problem p(7);
  Optimizer optimizer(p.groups(options_with<Options>(0.85, amsgrad)), Options());
  for (int step = 0; step < kSteps; ++step) {
    optimizer.zero_grad();
    p.backward(step);
    optimizer.step();
  }
  if constexpr (requires { optimizer.fused_updates(); }) {
    // Every parameter of every step went through the fused loop, or (AMSGrad) none.
    CHECK(optimizer.fused_updates() == (amsgrad ? 0 : kSteps * static_cast<std::int64_t>(p.params.size())));
  }
  return p.params;
}

template <class Plain, class Fused, class Options>
void check_same_steps(bool amsgrad) {
  const auto a = after_steps<Plain, Options>(amsgrad);
  const auto b = after_steps<Fused, Options>(amsgrad);
  const auto other = after_steps<Plain, Options>(!amsgrad);  // the variant must matter on this problem
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("parameter " << i);
    // Moved by several steps of about lr each; agree to float rounding.
    CHECK_FALSE(torch::allclose(a[i], Problem(7).params[i]));
    CHECK_FALSE(torch::allclose(a[i], other[i], 1e-5, 1e-6));
    CHECK(torch::allclose(a[i], b[i], 1e-5, 1e-6));
  }
}

}  // namespace

TEST_CASE("the fused AdamW and Adam steps equal LibTorch's over several steps", "[optimizer][fused]") {
  SECTION("AdamW, decoupled decay") {
    check_same_steps<torch::optim::AdamW, FusedAdamW, torch::optim::AdamWOptions>(false);
  }
  SECTION("Adam, L2 decay") { check_same_steps<torch::optim::Adam, FusedAdamL2, torch::optim::AdamOptions>(false); }
  SECTION("AMSGrad takes LibTorch's step") {
    check_same_steps<torch::optim::AdamW, FusedAdamW, torch::optim::AdamWOptions>(true);
  }
}

TEST_CASE("fused and LibTorch AdamW state moves between them through a checkpoint", "[optimizer][fused]") {
  using Options = torch::optim::AdamWOptions;
  Problem a(3), b(3);
  FusedAdamW fused(a.groups(options_with<Options>(0.9)), Options());
  torch::optim::AdamW plain(b.groups(options_with<Options>(0.9)), Options());
  for (int step = 0; step < 3; ++step) {
    fused.zero_grad();
    plain.zero_grad();
    a.backward(step);
    b.backward(step);
    fused.step();
    plain.step();
  }
  // Save the fused one, load it into a LibTorch AdamW on a copy of its parameters.
  std::stringstream saved;
  torch::serialize::OutputArchive out;
  fused.save(out);
  out.save_to(saved);
  Problem c(3);
  for (std::size_t i = 0; i < c.params.size(); ++i) {
    torch::NoGradGuard no_grad;
    c.params[i].copy_(a.params[i]);
  }
  torch::optim::AdamW resumed(c.groups(options_with<Options>(0.9)), Options());
  torch::serialize::InputArchive in;
  in.load_from(saved);
  resumed.load(in);
  for (auto* o : std::initializer_list<torch::optim::Optimizer*>{&fused, &resumed}) o->zero_grad();
  a.backward(3);
  c.backward(3);
  fused.step();
  resumed.step();
  for (std::size_t i = 0; i < a.params.size(); ++i) {
    INFO("parameter " << i);
    CHECK(torch::allclose(a.params[i], c.params[i], 1e-5, 1e-6));
    CHECK(torch::allclose(a.params[i], b.params[i], 1e-5, 1e-6) == false);  // b is one step behind
  }
}

TEST_CASE("the fused step leaves non-contiguous parameters to LibTorch's step", "[optimizer][fused]") {
  using Options = torch::optim::AdamWOptions;
  torch::manual_seed(5);
  auto base_a = torch::randn({8, 6}), base_b = base_a.clone();
  auto pa = base_a.t().detach().set_requires_grad(true);  // a transposed view: not contiguous
  auto pb = base_b.t().detach().set_requires_grad(true);
  REQUIRE_FALSE(pa.is_contiguous());
  std::vector<torch::optim::OptimizerParamGroup> ga, gb;
  ga.emplace_back(std::vector<at::Tensor>{pa}, std::make_unique<Options>(1e-2));
  gb.emplace_back(std::vector<at::Tensor>{pb}, std::make_unique<Options>(1e-2));
  FusedAdamW fused(std::move(ga), Options());
  torch::optim::AdamW plain(std::move(gb), Options());
  for (int step = 0; step < 3; ++step) {
    (pa * pa).sum().backward();
    (pb * pb).sum().backward();
    fused.step();
    plain.step();
  }
  CHECK(torch::equal(pa, pb));
  CHECK(fused.fused_updates() == 0);
}
