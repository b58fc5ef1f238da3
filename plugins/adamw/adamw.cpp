// AdamW (decoupled weight decay), one LibTorch param group per mtlab group.
#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/model/optimizer.h"

namespace {

class AdamWFactory : public mtlab::OptimizerFactory {
 public:
  AdamWFactory(std::vector<double> betas, double eps, bool amsgrad) : betas_(std::move(betas)), eps_(eps), amsgrad_(amsgrad) {}

  std::unique_ptr<torch::optim::Optimizer> make(const std::vector<mtlab::ParamGroup>& groups) override {
    std::vector<torch::optim::OptimizerParamGroup> torch_groups;
    for (const auto& g : groups) {
      auto options = std::make_unique<torch::optim::AdamWOptions>(g.lr);
      options->betas(std::make_tuple(betas_[0], betas_[1])).eps(eps_).weight_decay(g.weight_decay).amsgrad(amsgrad_);
      torch_groups.emplace_back(g.params, std::move(options));
    }
    return std::make_unique<torch::optim::AdamW>(std::move(torch_groups), torch::optim::AdamWOptions().betas(
        std::make_tuple(betas_[0], betas_[1])).eps(eps_).amsgrad(amsgrad_));
  }

 private:
  std::vector<double> betas_;
  double eps_;
  bool amsgrad_;
};

const mtlab::plugin::KeySpec keys[] = {
    {"betas", "list<float>", "[0.9, 0.999]", "Adam's moment decay rates"},
    {"eps", "float", "1e-8", "added to the denominator"},
    {"amsgrad", "bool", "false", "use the AMSGrad variant"},
};

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  auto betas = config.get_double_list("betas", {0.9, 0.999});
  if (betas.size() != 2 || betas[0] < 0 || betas[0] >= 1 || betas[1] < 0 || betas[1] >= 1) {
    throw mtlab::Error(config.location("betas") + ": key 'betas': expected two numbers in [0, 1)");
  }
  return std::make_shared<AdamWFactory>(betas, config.get_double("eps", 1e-8, 0.0, 1.0), config.get_bool("amsgrad", false));
}

}  // namespace

MTLAB_PLUGIN(optimizer, "adamw", "1.0.0", "AdamW: Adam with decoupled weight decay", keys, create)
