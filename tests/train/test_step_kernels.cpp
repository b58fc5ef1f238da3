// The training step's own kernels: dropout's counter-based masks, the released
// gradients of GradientSlots, attention's batched products through oneDNN
// (fast_matmul) against LibTorch's, values and gradients, and the bf16 linear
// layer's gradients against float32's.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "mtlab/model/dropout.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/model/fast_matmul.h"
#include "mtlab/model/precision.h"
#include "mtlab/train/gradient_slots.h"

using namespace mtlab;

namespace {

// Restores LibTorch's intra-op thread count after a test changes it.
struct ThreadsGuard {
  int saved = at::get_num_threads();
  ~ThreadsGuard() { at::set_num_threads(saved); }
};

at::Tensor mask_of(const at::Tensor& x, double p, std::uint64_t seed) {
  torch::manual_seed(seed);
  return mtlab::dropout(x, p, true);
}

}  // namespace

TEST_CASE("dropout zeroes about p of the elements and scales the rest by 1/(1-p)", "[train][dropout]") {
  const auto x = torch::rand({1000, 1000}) + 0.5;  // no zeros of its own
  const double p = 0.1;
  const auto y = mask_of(x, p, 3);
  const double zeroed = (y == 0).to(at::kDouble).mean().item<double>();
  CHECK(zeroed == Approx(p).margin(0.003));  // 1e6 draws: the standard error is 3e-4
  const auto kept = y != 0;
  CHECK(torch::allclose(y.masked_select(kept), x.masked_select(kept) / (1 - p), 1e-6, 1e-6));
}

TEST_CASE("dropout masks follow LibTorch's seed, not the thread count", "[train][dropout]") {
  ThreadsGuard guard;
  const auto x = torch::ones({300, 700});
  at::set_num_threads(1);
  const auto one = mask_of(x, 0.25, 11);
  at::set_num_threads(2);
  const auto two = mask_of(x, 0.25, 11);
  CHECK(torch::equal(one, two));
  CHECK_FALSE(torch::equal(one, mask_of(x, 0.25, 12)));
  // Two calls after one seed draw different masks (the generator moves on).
  torch::manual_seed(11);
  const auto first = mtlab::dropout(x, 0.25, true), second = mtlab::dropout(x, 0.25, true);
  CHECK_FALSE(torch::equal(first, second));
}

TEST_CASE("dropout outside training or at p = 0 is the identity, and its gradient is the mask", "[train][dropout]") {
  const auto x = torch::randn({8, 16}).requires_grad_(true);
  CHECK(mtlab::dropout(x, 0.3, false).is_same(x));
  CHECK(mtlab::dropout(x, 0.0, true).is_same(x));
  torch::manual_seed(5);
  const auto y = mtlab::dropout(x, 0.3, true);
  y.sum().backward();
  const auto expected = (y.detach() != 0).to(at::kFloat) / 0.7;
  CHECK(torch::allclose(x.grad(), expected, 1e-6, 1e-6));
}

TEST_CASE("released gradients: zeros only for a parameter that had one before", "[train][gradients]") {
  auto a = torch::ones({3}).requires_grad_(true), b = torch::ones({2}).requires_grad_(true);
  GradientSlots slots({a, b});
  (a * 2).sum().backward();  // b sits out the first step: it never had a gradient
  slots.fill_absent();
  CHECK(a.grad().defined());
  CHECK_FALSE(b.grad().defined());
  slots.release();
  CHECK_FALSE(a.grad().defined());
  (b * 3).sum().backward();  // now a sits out, after having had a gradient
  slots.fill_absent();
  REQUIRE(a.grad().defined());
  CHECK(torch::equal(a.grad(), torch::zeros({3})));
  CHECK(torch::equal(b.grad(), torch::full({2}, 3.0)));
}

TEST_CASE("attention's batched products through oneDNN match LibTorch's, with their gradients", "[train][matmul]") {
  const auto saved = matmul_path();
  torch::manual_seed(2);
  // Q and K as attention has them: transposed views of one [B, T, heads, dh] tensor.
  const auto base = torch::randn({3, 7, 4, 16});
  auto run = [&](MatmulPath path, bool bf16 = false) {
    set_matmul_path(path);
    const auto leaf = base.clone().requires_grad_(true);
    at::Tensor context;
    {
      CpuAutocast autocast(bf16);
      const auto q = leaf.transpose(1, 2), k = leaf.transpose(1, 2) * 0.5;
      const auto scores = fast_matmul(q, k.transpose(-1, -2));
      context = fast_matmul(torch::softmax(scores, -1), q);
    }
    (context * context).sum().backward();
    return std::make_pair(context.detach(), leaf.grad());
  };
  const auto [blas_out, blas_grad] = run(MatmulPath::blas);
  const auto [onednn_out, onednn_grad] = run(MatmulPath::onednn);
  CHECK(torch::allclose(onednn_out, blas_out, 1e-5, 1e-5));
  CHECK(torch::allclose(onednn_grad, blas_grad, 1e-4, 1e-4));
  if (missing_support(Precision::bf16, cpu_features()).empty()) {
    // In a bf16 autocast scope: bf16 products, float32 results, float32's values to bf16 precision.
    const auto [bf16_out, bf16_grad] = run(MatmulPath::onednn, true);
    CHECK(bf16_out.scalar_type() == at::kFloat);
    const auto relative = [](const at::Tensor& a, const at::Tensor& b) { return ((a - b).norm() / b.norm()).item<double>(); };
    CHECK(relative(bf16_out, blas_out) < 1e-2);
    CHECK(relative(bf16_out, blas_out) > 1e-6);
    CHECK(relative(bf16_grad, blas_grad) < 2e-2);
  }
  set_matmul_path(saved);
}

TEST_CASE("bf16 linear layers give float32's gradients to bf16 precision, for either weight shape",
          "[train][matmul][precision]") {
  if (!missing_support(Precision::bf16, cpu_features()).empty()) {
    WARN("this CPU has no bf16 instructions: bf16 training runs in fp32 here");
    return;
  }
  // out > in and out < in: the backward reads the weight and dyᵀ strided or transposed.
  for (const auto& [out, in] : std::vector<std::pair<std::int64_t, std::int64_t>>{{96, 40}, {40, 96}}) {
    INFO("weight " << out << " x " << in);
    torch::manual_seed(4);
    const auto x = torch::randn({2, 17, in}).requires_grad_(true);
    const auto w = (torch::randn({out, in}) * 0.1).requires_grad_(true);
    const auto b = torch::randn({out}).requires_grad_(true);
    const auto g = torch::randn({2, 17, out});
    auto gradients = [&](bool bf16) {
      for (auto t : {x, w, b}) t.mutable_grad() = at::Tensor();
      {
        CpuAutocast autocast(bf16);
        (fast_linear(x, w, b) * g).sum().backward();
      }
      return std::vector<at::Tensor>{x.grad().clone(), w.grad().clone(), b.grad().clone()};
    };
    const auto fp32 = gradients(false), bf16 = gradients(true);
    const auto reference = at::matmul(g.reshape({-1, out}).t(), x.detach().reshape({-1, in}));
    CHECK(torch::allclose(fp32[1], reference, 1e-4, 1e-4));  // float32 is right ...
    for (std::size_t i = 0; i < 2; ++i) {
      INFO("gradient " << i << " (0: input, 1: weight)");
      const double relative = ((bf16[i] - fp32[i]).norm() / fp32[i].norm()).item<double>();
      CHECK(relative < 1e-2);  // ... bf16 agrees to its 8-bit mantissa ...
      CHECK(relative > 1e-6);  // ... and did run in bf16
    }
    CHECK(torch::allclose(bf16[2], fp32[2], 1e-5, 1e-5));  // the bias gradient sums float32 dy
  }
}
