#include "mtlab/train/gradient_slots.h"

#include <ATen/ATen.h>

namespace mtlab {

GradientSlots::GradientSlots(std::vector<at::Tensor> params)
    : params_(std::move(params)), had_grad_(params_.size(), false) {}

void GradientSlots::fill_absent() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    if (p.grad().defined()) {
      had_grad_[i] = true;
    } else if (had_grad_[i]) {
      p.mutable_grad() = at::zeros_like(p);
    }
  }
}

void GradientSlots::release() {
  for (auto& p : params_) p.mutable_grad() = at::Tensor();
}

}  // namespace mtlab
