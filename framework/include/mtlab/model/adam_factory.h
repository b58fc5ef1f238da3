#pragma once
// The Adam family's plugin factory, shared by the adam and adamw plugins: one
// LibTorch param group per mtlab group, with betas, eps and amsgrad from the
// plugin's config. Header-only so each plugin instantiates its own optimizer.
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/model/fused_adam.h"
#include "mtlab/model/optimizer.h"

namespace mtlab {

struct AdamSettings {
  std::vector<double> betas{0.9, 0.999};
  double eps = 1e-8;
  bool amsgrad = false;
  bool fused = true;

  static AdamSettings from_config(const Config& config) {
    AdamSettings s;
    s.betas = config.get_double_list("betas", {0.9, 0.999});
    if (s.betas.size() != 2 || s.betas[0] < 0 || s.betas[0] >= 1 || s.betas[1] < 0 || s.betas[1] >= 1) {
      throw Error(config.location("betas") + ": key 'betas': expected two numbers in [0, 1)");
    }
    s.eps = config.get_double("eps", 1e-8, 0.0, 1.0);
    s.amsgrad = config.get_bool("amsgrad", false);
    s.fused = config.get_bool("fused", true);
    return s;
  }
};

inline constexpr plugin::KeySpec kAdamKeys[] = {
    {"betas", "list<float>", "[0.9, 0.999]", "Adam's moment decay rates"},
    {"eps", "float", "1e-8", "added to the denominator"},
    {"amsgrad", "bool", "false", "use the AMSGrad variant"},
    {"fused", "bool", "true", "update each parameter in one pass (mtlab/model/fused_adam.h); false: LibTorch's step"},
};

// TorchOptimizer is torch::optim::Adam or AdamW, Fused its one-pass subclass, Options its options type.
template <class TorchOptimizer, class Fused, class Options>
class AdamFamilyFactory : public OptimizerFactory {
 public:
  explicit AdamFamilyFactory(AdamSettings settings) : s_(std::move(settings)) {}

  std::unique_ptr<torch::optim::Optimizer> make(const std::vector<ParamGroup>& groups) override {
    std::vector<torch::optim::OptimizerParamGroup> torch_groups;
    for (const auto& g : groups) {
      auto options = std::make_unique<Options>(configured(Options(g.lr)));
      options->weight_decay(g.weight_decay);
      torch_groups.emplace_back(g.params, std::move(options));
    }
    if (s_.fused) return std::make_unique<Fused>(std::move(torch_groups), configured(Options()));
    return std::make_unique<TorchOptimizer>(std::move(torch_groups), configured(Options()));
  }

 private:
  Options configured(Options o) const {
    o.betas(std::make_tuple(s_.betas[0], s_.betas[1])).eps(s_.eps).amsgrad(s_.amsgrad);
    return o;
  }
  AdamSettings s_;
};

}  // namespace mtlab
