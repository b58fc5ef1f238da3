#include "mtlab/model/fast_linear.h"

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
  auto sizes = x.sizes().vec();
  const auto in = x.reshape({-1, sizes.back()}).contiguous().to_mkldnn();
  auto y = at::mkldnn_linear(in, weight.contiguous(), bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt);
  sizes.back() = weight.size(0);
  return y.to_dense().view(sizes);
}

}  // namespace mtlab
