#pragma once
// The optimizer plugin interface: turns parameter groups into a LibTorch optimizer.
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "mtlab/plugin/descriptor.h"

namespace torch::optim {
class Optimizer;
}

namespace mtlab {

struct ParamGroup {
  std::string name;  // "embeddings", "layer.3", "pooler", "head.intent", …
  std::vector<at::Tensor> params;
  double lr = 0.0;
  double weight_decay = 0.0;
};

class OptimizerFactory : public plugin::PluginObject {
 public:
  // One LibTorch param group per ParamGroup, in the same order.
  virtual std::unique_ptr<torch::optim::Optimizer> make(const std::vector<ParamGroup>& groups) = 0;
};

}  // namespace mtlab
