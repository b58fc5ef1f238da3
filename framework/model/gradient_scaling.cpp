#include "mtlab/model/gradient_scaling.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace mtlab {

GradientScaling::~GradientScaling() = default;  // the key function: one type_info, in mtlab_nn

void scale_gradients(const std::vector<at::Tensor>& params, double factor) {
  torch::NoGradGuard no_grad;
  for (const auto& p : params) {
    if (p.grad().defined()) p.grad().mul_(factor);
  }
}

}  // namespace mtlab
