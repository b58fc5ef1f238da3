// Softmax cross-entropy with ignored positions, label smoothing and class weights.
#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/model/loss.h"
#include "mtlab/model/loss_inputs.h"
#include "mtlab/plugin/declared_keys.h"

namespace {

class CrossEntropy : public mtlab::Loss {
 public:
  CrossEntropy(double smoothing, std::vector<double> weights) : smoothing_(smoothing), weights_(std::move(weights)) {}

  at::Tensor compute(const at::Tensor& logits, const at::Tensor& targets) override {
    auto flat = mtlab::flatten_valid(logits, targets);
    if (flat.targets.numel() == 0) return logits.sum() * 0.0;  // nothing to learn from in this batch
    auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(smoothing_);
    if (!weights_.empty()) {
      if (static_cast<std::int64_t>(weights_.size()) != logits.size(-1)) {
        throw mtlab::Error("cross_entropy: class_weights has " + std::to_string(weights_.size()) +
                           " entries but the task has " + std::to_string(logits.size(-1)) + " labels");
      }
      options.weight(torch::tensor(weights_, logits.options()));
    }
    return torch::nn::functional::cross_entropy(flat.logits, flat.targets, options);
  }

  // With class weights the loss is a weighted mean: its weight is the sum of the
  // labelled targets' class weights.
  double target_weight(const at::Tensor& targets) const override {
    if (weights_.empty()) return mtlab::labelled_targets(targets);
    const auto valid = targets.masked_select(targets != mtlab::kIgnoreIndex).cpu();
    if (valid.numel() == 0) return 0.0;
    // Data-parallel training asks before compute() runs: the same error, not an index error.
    if (const auto top = valid.max().item<std::int64_t>(); top >= static_cast<std::int64_t>(weights_.size())) {
      throw mtlab::Error("cross_entropy: class_weights has " + std::to_string(weights_.size()) +
                         " entries but a target is label " + std::to_string(top));
    }
    return torch::tensor(weights_, torch::kDouble).index_select(0, valid).sum().item<double>();
  }

 private:
  double smoothing_;
  std::vector<double> weights_;
};

const mtlab::plugin::KeySpec keys[] = {
    {"label_smoothing", "float", "0.0", "mass spread uniformly over all classes (0 = none)", 0, 1},
    {"class_weights", "list<float>", "[]", "one weight per label, in label-set order (empty = equal)", 0},
};
const mtlab::plugin::DeclaredKeys declared(keys);

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  return std::make_shared<CrossEntropy>(declared.get_double(config, "label_smoothing"),
                                        config.get_double_list("class_weights"));
}

}  // namespace

MTLAB_PLUGIN(loss, "cross_entropy", "1.0.0", "Softmax cross-entropy; -100 targets ignored", keys, create)
