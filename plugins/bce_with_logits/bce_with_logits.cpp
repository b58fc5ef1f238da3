// Sigmoid binary cross-entropy over one-hot targets (independent per-label
// decisions), as the seed used for its NER head; -100 targets ignored.
#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/model/loss.h"
#include "mtlab/model/loss_inputs.h"
#include "mtlab/plugin/declared_keys.h"

namespace {

class BceWithLogits : public mtlab::Loss {
 public:
  explicit BceWithLogits(double pos_weight) : pos_weight_(pos_weight) {}

  at::Tensor compute(const at::Tensor& logits, const at::Tensor& targets) override {
    auto flat = mtlab::flatten_valid(logits, targets);
    if (flat.targets.numel() == 0) return logits.sum() * 0.0;
    auto one_hot = torch::one_hot(flat.targets, logits.size(-1)).to(logits.dtype());
    auto options = torch::nn::functional::BinaryCrossEntropyWithLogitsFuncOptions();
    if (pos_weight_ != 1.0) options.pos_weight(torch::full({logits.size(-1)}, pos_weight_, logits.options()));
    return torch::nn::functional::binary_cross_entropy_with_logits(flat.logits, one_hot, options);
  }

 private:
  double pos_weight_;
};

const mtlab::plugin::KeySpec keys[] = {
    {"pos_weight", "float", "1.0", "weight of the positive term for every label", 0, 1e6},
};
const mtlab::plugin::DeclaredKeys declared(keys);

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  return std::make_shared<BceWithLogits>(declared.get_double(config, "pos_weight"));
}

}  // namespace

MTLAB_PLUGIN(loss, "bce_with_logits", "1.0.0", "Sigmoid BCE over one-hot targets; -100 targets ignored", keys, create)
