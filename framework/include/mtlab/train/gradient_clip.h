#pragma once
// Gradient clipping by the global L2 norm, as torch.nn.utils.clip_grad_norm_
// (and Hugging Face's max_grad_norm) does it: coefficient max_norm / (norm +
// 1e-6), at most 1, applied to every gradient. The norm is one fused pass over
// the gradients; an optimizer that can scale gradients itself (GradientScaling)
// gets the coefficient instead of a second pass that rewrites them.
#include <ATen/core/Tensor.h>

#include <vector>

namespace torch::optim {
class Optimizer;
}

namespace mtlab {

// Σ x² over a tensor, in double across blocks (deterministic for any thread count).
double squared_norm(const at::Tensor& t);
// The L2 norm over every defined gradient of `params`.
double gradient_norm(const std::vector<at::Tensor>& params);
// Clips the gradients of `params` to `max_norm` for `optimizer`'s next step and
// returns their norm before clipping.
double clip_gradients(const std::vector<at::Tensor>& params, double max_norm, torch::optim::Optimizer& optimizer);

}  // namespace mtlab
