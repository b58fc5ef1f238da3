// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019).
#include "mtlab/model/adam_factory.h"

namespace {
std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  return std::make_shared<mtlab::AdamFamilyFactory<torch::optim::AdamW, mtlab::FusedAdamW, torch::optim::AdamWOptions>>(
      mtlab::AdamSettings::from_config(config));
}
}  // namespace

MTLAB_PLUGIN(optimizer, "adamw", "1.0.0", "AdamW: Adam with decoupled weight decay", mtlab::kAdamKeys, create)
