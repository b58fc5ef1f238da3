#include "mtlab/model/fast_linear.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/csrc/autograd/custom_function.h>

#include <atomic>
#include <cstdlib>

#include "mtlab/core/error.h"
#include "onednn_matmul.h"
#include "prepared_linear.h"

namespace mtlab {
namespace {

MatmulPath initial_path() {
  if (const char* env = std::getenv("MTLAB_MATMUL")) return matmul_path_from_name(env);
  return MatmulPath::onednn;
}

std::atomic<MatmulPath>& current() {
  static std::atomic<MatmulPath> path{initial_path()};
  return path;
}

// LibTorch's own oneDNN calls (the bf16 products of prepared weights) keep a JIT
// primitive per input shape (1024 by default). Length-sorted batches give nearly
// every batch a new shape, so an unbounded cache only grows memory (~300 MB over
// 1,000 BERT-base sentences). Bound it unless the user set it.
void bound_onednn_cache() {
  static const bool done = [] {
    if (std::getenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY") || std::getenv("DNNL_PRIMITIVE_CACHE_CAPACITY")) return true;
    using SetCapacity = int (*)(int);
    if (auto set = reinterpret_cast<SetCapacity>(dlsym(RTLD_DEFAULT, "dnnl_set_primitive_cache_capacity"))) set(16);
    return true;
  }();
  (void)done;
}

}  // namespace

MatmulPath matmul_path() { return current().load(); }

void set_matmul_path(MatmulPath path) { current() = path; }

std::string matmul_path_name(MatmulPath path) { return path == MatmulPath::onednn ? "onednn" : "blas"; }

MatmulPath matmul_path_from_name(const std::string& name) {
  if (name == "blas") return MatmulPath::blas;
  if (name == "onednn") return MatmulPath::onednn;
  throw Error(fmt::format("matmul path '{}' is not known; expected blas or onednn", name));
}

namespace {

// An operand of the products below: dense, in bf16 or float32.
at::Tensor operand(const at::Tensor& t, bool bf16) { return t.to(bf16 ? at::kBFloat16 : at::kFloat).contiguous(); }

// a [M × K] · bt [N × K]ᵀ (+ bias) through oneDNN (onednn_matmul.h), for operands
// made by operand(): float32 out, accumulated in float32.
at::Tensor product(const at::Tensor& a, const at::Tensor& bt, const at::Tensor& bias, bool bf16) {
  const auto b = bias.defined() ? bias.to(at::kFloat).contiguous() : bias;
  return bf16 ? detail::onednn_matmul_bf16(a, bt, b) : detail::onednn_matmul(a, bt, b);
}

// The backward products read their operands as they lie (W row-major, dyᵀ as
// a strided view) or from transposed copies in oneDNN's fastest layout for B.
// Measured on BERT's shapes with cold caches (docs/performance.md, "Fourth
// round"): the strided reads are 10–40 % faster in bf16 always and in float32
// when out ≥ in, and twice as slow for float32 [768 × 3072] (the feed-forward
// output layer), which keeps the copies.
bool strided_backward(const at::Tensor& weight, bool bf16) { return bf16 || weight.size(0) >= weight.size(1); }

// A linear layer for training on oneDNN: the forward product and both backward
// products (dx = dy·W, dW = dyᵀ·x) as oneDNN GEMMs, so training gets the same
// kernels as inference instead of the BLAS LibTorch's autograd would call. With
// `bf16` (training.precision = "bf16") the three products take bf16 copies of
// their operands (AMX or AVX512_BF16) and return float32: the weight and its
// gradient, the input and its gradient stay float32.
// Gradients no one needs (frozen weights, inputs of frozen layers) are not computed.
struct OneDnnLinear : torch::autograd::Function<OneDnnLinear> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x2d, const at::Tensor& weight,
                            const at::Tensor& bias, bool bf16) {
    const auto x = operand(x2d, bf16), w = operand(weight, bf16);
    ctx->save_for_backward({x, w});
    ctx->saved_data["bias"] = bias.defined();
    ctx->saved_data["bf16"] = bf16;
    ctx->saved_data["x_type"] = static_cast<std::int64_t>(x2d.scalar_type());
    return product(x, w, bias, bf16);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& weight = saved[1];
    const bool bf16 = ctx->saved_data["bf16"].toBool();
    const at::Tensor dy = operand(grads[0], bf16);
    at::Tensor dx, dw, db;
    const bool strided = strided_backward(weight, bf16);
    if (ctx->needs_input_grad(0)) {
      dx = (strided ? detail::onednn_bmm(dy, weight) : product(dy, detail::onednn_transpose(weight), {}, bf16))
               .to(static_cast<at::ScalarType>(ctx->saved_data["x_type"].toInt()));
    }
    if (ctx->needs_input_grad(1)) {
      dw = strided ? detail::onednn_bmm(dy.t(), x)
                   : product(detail::onednn_transpose(dy), detail::onednn_transpose(x), {}, bf16);
    }
    if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(2)) db = grads[0].sum(0);
    return {dx, dw, db, {}};
  }
};

}  // namespace

at::Tensor fast_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  bound_onednn_cache();
  // Reduced precision: weights prepared for inference (prepare_linear_layers) ...
  if (auto y = detail::prepared_linear(x, weight); y.defined()) return y;
  // ... or a bf16 autocast scope (training): bf16 products, the output in the weight's
  // type, so LayerNorm, GELU and the residual sums stay fp32 as in inference.
  const bool bf16 = at::autocast::is_cpu_enabled() && x.is_cpu();
  const bool onednn = matmul_path() == MatmulPath::onednn && x.is_cpu() &&
                      (x.scalar_type() == at::kFloat || (bf16 && x.scalar_type() == at::kBFloat16)) &&
                      weight.scalar_type() == at::kFloat && x.dim() >= 2 && !x.is_mkldnn();
  if (!onednn) {
    // Autocast's casts carry the gradients back to the fp32 weights.
    return bf16 ? at::linear(x, weight, bias).to(weight.scalar_type()) : at::linear(x, weight, bias);
  }
  auto sizes = x.sizes().vec();
  const auto x2d = x.reshape({-1, sizes.back()});
  sizes.back() = weight.size(0);
  const bool tracks = at::GradMode::is_enabled() &&
                      (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()));
  if (!tracks) return product(operand(x2d, bf16), operand(weight, bf16), bias, bf16).view(sizes);
  return OneDnnLinear::apply(x2d, weight, bias, bf16).view(sizes);
}

bool has_prepared_precision(const at::Tensor& weight) { return detail::is_prepared(weight); }

at::ScalarType linear_input_type(const at::Tensor& weight) { return detail::compute_type(weight); }

}  // namespace mtlab
