// SGD with optional momentum and Nesterov momentum.
#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/model/optimizer.h"
#include "mtlab/plugin/declared_keys.h"

namespace {

class SgdFactory : public mtlab::OptimizerFactory {
 public:
  SgdFactory(double momentum, double dampening, bool nesterov) : momentum_(momentum), dampening_(dampening), nesterov_(nesterov) {}

  std::unique_ptr<torch::optim::Optimizer> make(const std::vector<mtlab::ParamGroup>& groups) override {
    std::vector<torch::optim::OptimizerParamGroup> torch_groups;
    for (const auto& g : groups) {
      auto options = std::make_unique<torch::optim::SGDOptions>(g.lr);
      options->momentum(momentum_).dampening(dampening_).nesterov(nesterov_).weight_decay(g.weight_decay);
      torch_groups.emplace_back(g.params, std::move(options));
    }
    const double lr = groups.empty() ? 0.01 : groups.front().lr;
    return std::make_unique<torch::optim::SGD>(
        std::move(torch_groups), torch::optim::SGDOptions(lr).momentum(momentum_).dampening(dampening_).nesterov(nesterov_));
  }

 private:
  double momentum_, dampening_;
  bool nesterov_;
};

const mtlab::plugin::KeySpec keys[] = {
    {"momentum", "float", "0.0", "momentum factor", 0, 1},
    {"dampening", "float", "0.0", "dampening for momentum", 0, 1},
    {"nesterov", "bool", "false", "Nesterov momentum (needs momentum > 0 and dampening 0)"},
};
const mtlab::plugin::DeclaredKeys declared(keys);

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  const double momentum = declared.get_double(config, "momentum");
  const double dampening = declared.get_double(config, "dampening");
  const bool nesterov = declared.get_bool(config, "nesterov");
  if (nesterov && (momentum <= 0.0 || dampening != 0.0)) {
    throw mtlab::Error(config.location("nesterov") + ": key 'nesterov': Nesterov momentum needs momentum > 0 and dampening = 0");
  }
  return std::make_shared<SgdFactory>(momentum, dampening, nesterov);
}

}  // namespace

MTLAB_PLUGIN(optimizer, "sgd", "1.0.0", "Stochastic gradient descent with (Nesterov) momentum", keys, create)
