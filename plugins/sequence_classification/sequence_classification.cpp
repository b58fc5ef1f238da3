// Sentence classification on a pooled view of the encoder: the pooler output
// (BERT's tanh layer over [CLS], as the seed used), the raw [CLS] state, or the
// masked mean of the token states.
#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/model/head.h"
#include "mtlab/model/mlp.h"
#include "mtlab/plugin/declared_keys.h"

namespace {

// Which sentence vector the classifier reads; parsed once, at construction.
enum class Pooling { pooler, cls, mean };

Pooling pooling_from(const std::string& name) {
  return name == "pooler" ? Pooling::pooler : name == "cls" ? Pooling::cls : Pooling::mean;
}

class SequenceClassification : public mtlab::Head {
 public:
  SequenceClassification(Pooling pooling, mtlab::MlpOptions mlp) : pooling_(pooling), mlp_(std::move(mlp)) {}

  mtlab::HeadLevel level() const override { return mtlab::HeadLevel::sequence; }

  void build(std::int64_t hidden_size, std::int64_t num_labels) override {
    classifier_ = register_module("classifier", mtlab::make_mlp(hidden_size, num_labels, mlp_));
  }

  at::Tensor forward(const mtlab::EncoderOutput& encoded) override {
    return classifier_->forward(features(encoded));
  }

 private:
  at::Tensor features(const mtlab::EncoderOutput& encoded) const {
    switch (pooling_) {
      case Pooling::pooler: return encoded.pooled;
      case Pooling::cls: return encoded.token_states.select(1, 0);
      case Pooling::mean: break;
    }
    auto mask = encoded.attention_mask.unsqueeze(-1).to(encoded.token_states.dtype());
    return (encoded.token_states * mask).sum(1) / mask.sum(1).clamp_min(1.0);
  }

  Pooling pooling_;
  mtlab::MlpOptions mlp_;
  torch::nn::Sequential classifier_{nullptr};
};

const mtlab::plugin::KeySpec keys[] = {
    {"pooling", "string", "\"pooler\"", "which sentence vector the classifier reads", mtlab::plugin::kNoMin,
     mtlab::plugin::kNoMax, "pooler|cls|mean"},
    MTLAB_MLP_KEYS,
};
const mtlab::plugin::DeclaredKeys declared(keys);

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  return std::make_shared<SequenceClassification>(pooling_from(declared.get_string(config, "pooling")),
                                                  mtlab::mlp_options(config));
}

}  // namespace

MTLAB_HEAD_PLUGIN("sequence_classification", "1.0.0",
                  "Sentence classification on the pooler output, [CLS] state or mean of token states", "sentence", keys,
                  create)
