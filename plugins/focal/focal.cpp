// Focal loss (Lin et al. 2017): cross-entropy scaled by (1 - p_t)^gamma, so
// easy examples count less; alpha weights every term.
#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/model/loss.h"
#include "mtlab/model/loss_inputs.h"
#include "mtlab/plugin/declared_keys.h"

namespace {

class Focal : public mtlab::Loss {
 public:
  Focal(double gamma, double alpha) : gamma_(gamma), alpha_(alpha) {}

  at::Tensor compute(const at::Tensor& logits, const at::Tensor& targets) override {
    auto flat = mtlab::flatten_valid(logits, targets);
    if (flat.targets.numel() == 0) return logits.sum() * 0.0;
    auto log_p = torch::log_softmax(flat.logits, -1).gather(1, flat.targets.unsqueeze(1)).squeeze(1);
    auto p = log_p.exp();
    return (-alpha_ * (1.0 - p).pow(gamma_) * log_p).mean();
  }

 private:
  double gamma_;
  double alpha_;
};

const mtlab::plugin::KeySpec keys[] = {
    {"gamma", "float", "2.0", "focusing exponent (0 = cross-entropy)", 0, 100},
    {"alpha", "float", "1.0", "overall weight of every term", 0, 1e6},
};
const mtlab::plugin::DeclaredKeys declared(keys);

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  return std::make_shared<Focal>(declared.get_double(config, "gamma"), declared.get_double(config, "alpha"));
}

}  // namespace

MTLAB_PLUGIN(loss, "focal", "1.0.0", "Focal loss: (1-p)^gamma-scaled cross-entropy; -100 targets ignored", keys, create)
