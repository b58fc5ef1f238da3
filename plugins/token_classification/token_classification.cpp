// Token classification (NER, slot filling): one label per token state.
#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/model/head.h"
#include "mtlab/model/mlp.h"

namespace {

class TokenClassification : public mtlab::Head {
 public:
  explicit TokenClassification(mtlab::MlpOptions mlp) : mlp_(std::move(mlp)) {}

  mtlab::HeadLevel level() const override { return mtlab::HeadLevel::token; }

  void build(std::int64_t hidden_size, std::int64_t num_labels) override {
    classifier_ = register_module("classifier", mtlab::make_mlp(hidden_size, num_labels, mlp_));
  }

  at::Tensor forward(const mtlab::EncoderOutput& encoded) override { return classifier_->forward(encoded.token_states); }

 private:
  mtlab::MlpOptions mlp_;
  torch::nn::Sequential classifier_{nullptr};
};

const mtlab::plugin::KeySpec keys[] = {MTLAB_MLP_KEYS};

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  return std::make_shared<TokenClassification>(mtlab::mlp_options(config));
}

}  // namespace

MTLAB_HEAD_PLUGIN("token_classification", "1.0.0", "One label per token state (NER, slot filling)", "token", keys,
                  create)
