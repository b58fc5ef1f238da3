// Adam, weight decay added to the gradient as an L2 term (Kingma & Ba 2015).
#include "mtlab/model/adam_factory.h"

namespace {
std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  return std::make_shared<mtlab::AdamFamilyFactory<torch::optim::Adam, mtlab::FusedAdamL2, torch::optim::AdamOptions>>(
      mtlab::AdamSettings::from_config(config));
}
}  // namespace

MTLAB_PLUGIN(optimizer, "adam", "1.0.0", "Adam, weight decay as L2 on the gradient", mtlab::kAdamKeys, create)
