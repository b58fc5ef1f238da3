#pragma once
// Adam and AdamW whose step updates each parameter in one pass over its memory:
// weight decay, both moment estimates, bias correction and the update in one
// loop, where LibTorch 1.13's step makes about eight elementwise passes (the
// update was 16 % of a BERT-base training step in bench/profile). Same state
// type (AdamParamState / AdamWParamState) under the same keys, so checkpoints
// move between the two; same arithmetic up to float rounding. AMSGrad, and
// parameters that are not dense, contiguous float32, take LibTorch's own step.
// Gradient clipping's coefficient (GradientScaling) is applied in the same pass.
// The optimizer is a header template (each plugin instantiates its own); the
// update loop is compiled once, in mtlab_nn.
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "mtlab/model/gradient_scaling.h"

namespace mtlab {

// Decoupled (AdamW) or L2 (Adam) weight decay.
enum class Decay { decoupled, l2 };

struct AdamStepScalars {
  float beta1, beta2, eps, weight_decay, step_size, sqrt_bc2, keep;  // keep = 1 - lr·decay (decoupled)
  float grad_scale = 1.0f;  // the gradient is read times this (clipping's coefficient)
};

// The fused update of one contiguous float32 parameter, its gradient and its
// moments, on LibTorch's intra-op threads (framework/model/fused_adam.cpp).
void fused_adam_update(Decay decay, float* p, const float* g, float* m, float* v, std::int64_t n,
                       const AdamStepScalars& s);

inline bool fusable(const at::Tensor& t) {
  return t.layout() == at::kStrided && t.scalar_type() == at::kFloat && t.is_contiguous() && t.device().is_cpu();
}

// TorchOptimizer is torch::optim::Adam or AdamW; Options and State go with it.
template <class TorchOptimizer, class Options, class State, Decay kDecay>
class FusedAdam : public TorchOptimizer, public GradientScaling {
 public:
  using TorchOptimizer::TorchOptimizer;

  void scale_next_gradients(float factor) override { grad_scale_ = factor; }

  at::Tensor step(torch::optim::Optimizer::LossClosure closure = nullptr) override {
    const float scale = grad_scale_;
    grad_scale_ = 1.0f;
    // With a closure the gradients are not known before it runs (mtlab's trainer passes none).
    if (closure != nullptr) return TorchOptimizer::step(closure);
    // Every parameter is checked, and its state looked up, before any is updated: one that
    // cannot be fused sends the whole step LibTorch's way.
    std::vector<Pending> pending;
    auto libtorch_step = [&] {
      if (scale != 1.0f) {
        for (auto& group : this->param_groups_) scale_gradients(group.params(), scale);
      }
      return TorchOptimizer::step();
    };
    for (auto& group : this->param_groups_) {
      const auto& o = static_cast<const Options&>(group.options());
      for (auto& p : group.params()) {
        if (!p.grad().defined()) continue;
        if (o.amsgrad() || !fusable(p) || !fusable(p.grad())) return libtorch_step();
        auto key = c10::guts::to_string(p.unsafeGetTensorImpl());
        const auto found = this->state_.find(key);
        State* state = found == this->state_.end() ? nullptr : static_cast<State*>(found->second.get());
        // A loaded checkpoint's moments may not be contiguous.
        if (state && !(fusable(state->exp_avg()) && fusable(state->exp_avg_sq()))) return libtorch_step();
        pending.push_back({&p, &o, state, state ? std::string() : std::move(key)});
      }
    }
    torch::NoGradGuard no_grad;
    for (auto& w : pending) {
      update(*w.param, *w.options, w.state ? *w.state : fresh_state(*w.param, std::move(w.key)), scale);
      ++fused_updates_;
    }
    return {};
  }

  // Parameter updates made by the fused loop so far (the rest went LibTorch's way).
  std::int64_t fused_updates() const { return fused_updates_; }

 private:
  struct Pending {
    at::Tensor* param;
    const Options* options;
    State* state;     // nullptr: the parameter's first step
    std::string key;  // its state's key, when it has none yet
  };
  std::int64_t fused_updates_ = 0;
  float grad_scale_ = 1.0f;  // for the next step only

  State& fresh_state(const at::Tensor& p, std::string key) {
    auto fresh = std::make_unique<State>();
    fresh->step(0);
    fresh->exp_avg(torch::zeros_like(p, at::MemoryFormat::Preserve));
    fresh->exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Preserve));
    State& state = *fresh;
    this->state_[std::move(key)] = std::move(fresh);
    return state;
  }

  void update(at::Tensor& p, const Options& o, State& state, float grad_scale) {
    state.step(state.step() + 1);
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    const double bc1 = 1 - std::pow(beta1, state.step()), bc2 = 1 - std::pow(beta2, state.step());
    const double keep = kDecay == Decay::decoupled ? 1 - o.lr() * o.weight_decay() : 1.0;
    const AdamStepScalars s{static_cast<float>(beta1),          static_cast<float>(beta2),
                            static_cast<float>(o.eps()),        static_cast<float>(o.weight_decay()),
                            static_cast<float>(o.lr() / bc1),   static_cast<float>(std::sqrt(bc2)),
                            static_cast<float>(keep),           grad_scale};
    fused_adam_update(kDecay, p.data_ptr<float>(), p.grad().data_ptr<float>(), state.exp_avg().template data_ptr<float>(),
                      state.exp_avg_sq().template data_ptr<float>(), p.numel(), s);
  }
};

using FusedAdamW = FusedAdam<torch::optim::AdamW, torch::optim::AdamWOptions, torch::optim::AdamWParamState, Decay::decoupled>;
using FusedAdamL2 = FusedAdam<torch::optim::Adam, torch::optim::AdamOptions, torch::optim::AdamParamState, Decay::l2>;

}  // namespace mtlab
