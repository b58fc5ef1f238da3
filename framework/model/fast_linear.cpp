#include "mtlab/model/fast_linear.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <atomic>
#include <cstdlib>

#include "mtlab/core/error.h"

namespace mtlab {
namespace {

MatmulPath initial_path() {
  if (const char* env = std::getenv("MTLAB_MATMUL")) return matmul_path_from_name(env);
  return at::hasMKLDNN() ? MatmulPath::onednn : MatmulPath::blas;
}

std::atomic<MatmulPath>& current() {
  static std::atomic<MatmulPath> path{initial_path()};
  return path;
}

// oneDNN keeps a JIT primitive per input shape (1024 by default). Length-sorted
// batches give nearly every batch a new shape, so an unbounded cache only grows
// memory (~300 MB over 1,000 BERT-base sentences). Bound it unless the user set it.
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

void set_matmul_path(MatmulPath path) {
  if (path == MatmulPath::onednn && !at::hasMKLDNN()) {
    throw Error("matmul path onednn: this LibTorch was built without oneDNN (MKLDNN)");
  }
  current() = path;
}

std::string matmul_path_name(MatmulPath path) { return path == MatmulPath::onednn ? "onednn" : "blas"; }

MatmulPath matmul_path_from_name(const std::string& name) {
  if (name == "blas") return MatmulPath::blas;
  if (name == "onednn") return MatmulPath::onednn;
  throw Error(fmt::format("matmul path '{}' is not known; expected blas or onednn", name));
}

at::Tensor fast_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  const bool onednn = matmul_path() == MatmulPath::onednn && x.is_cpu() && x.scalar_type() == at::kFloat &&
                      weight.scalar_type() == at::kFloat && !at::GradMode::is_enabled() && x.dim() >= 2;
  if (!onednn) return at::linear(x, weight, bias);
  bound_onednn_cache();
  auto sizes = x.sizes().vec();
  const auto in = x.reshape({-1, sizes.back()}).contiguous().to_mkldnn();
  auto y = at::mkldnn_linear(in, weight.contiguous(), bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt);
  sizes.back() = weight.size(0);
  return y.to_dense().view(sizes);
}

}  // namespace mtlab
