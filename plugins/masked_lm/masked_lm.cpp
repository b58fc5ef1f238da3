// Masked-LM head (BERT's BertLMPredictionHead): transform (dense hidden→hidden,
// GELU, LayerNorm), then a decoder whose weight is the backbone's input word
// embeddings — the same parameter, so a step moves both — plus an output bias.
// Its targets are the masked input tokens (the trainer masks the task's inputs;
// [tasks.NAME.masking]).
#include <fmt/format.h>
#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/model/backbone.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/model/head.h"
#include "mtlab/plugin/declared_keys.h"

namespace {

class MaskedLm : public mtlab::Head {
 public:
  MaskedLm(double eps, double init_range) : eps_(eps), init_range_(init_range) {}

  mtlab::HeadLevel level() const override { return mtlab::HeadLevel::token; }
  bool masked_lm() const override { return true; }

  // num_labels: the vocabulary size when known (0: taken from the embeddings in bind_backbone).
  void build(std::int64_t hidden_size, std::int64_t num_labels) override {
    hidden_ = hidden_size;
    vocab_ = num_labels;
    dense_ = register_module("transform_dense", torch::nn::Linear(hidden_size, hidden_size));
    norm_ = register_module("transform_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden_size}).eps(eps_)));
    torch::NoGradGuard guard;
    dense_->weight.normal_(0.0, init_range_);  // BERT's init
    dense_->bias.zero_();
  }

  void bind_backbone(mtlab::Backbone& backbone) override {
    if (!dense_) throw mtlab::Error("masked_lm: bind_backbone before build");
    embeddings_ = backbone.input_embeddings();
    if (embeddings_.dim() != 2 || embeddings_.size(1) != hidden_) {
      throw mtlab::Error(fmt::format("masked_lm: the input embeddings are {} wide but the encoder's states {}; the "
                                     "decoder ties to the embeddings, so they must match (ELECTRA-style projected "
                                     "embeddings are not supported)",
                                     embeddings_.dim() == 2 ? embeddings_.size(1) : -1, hidden_));
    }
    if (vocab_ > 0 && embeddings_.size(0) != vocab_) {
      throw mtlab::Error(fmt::format("masked_lm: the embeddings have {} rows but the vocabulary {} tokens",
                                     embeddings_.size(0), vocab_));
    }
    bias_ = register_parameter("bias", torch::zeros({embeddings_.size(0)}, embeddings_.options()));
  }

  at::Tensor forward(const mtlab::EncoderOutput& encoded) override {
    if (!embeddings_.defined()) throw mtlab::Error("masked_lm: the head is not bound to a backbone");
    auto h = norm_->forward(torch::gelu(mtlab::fast_linear(encoded.token_states, dense_->weight, dense_->bias)));
    return mtlab::fast_linear(h, embeddings_, bias_);  // [B, T, V]
  }

  std::optional<mtlab::LmHeadWeights> lm_head_weights() const override {
    if (!embeddings_.defined()) return std::nullopt;
    return mtlab::LmHeadWeights{dense_->weight, dense_->bias, norm_->weight, norm_->bias, bias_, embeddings_};
  }

 private:
  double eps_, init_range_;
  std::int64_t hidden_ = 0, vocab_ = 0;
  torch::nn::Linear dense_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  at::Tensor bias_;
  at::Tensor embeddings_;  // the backbone's parameter (not registered here: it is the backbone's)
};

const mtlab::plugin::KeySpec keys[] = {
    {"layer_norm_eps", "float", "1e-12", "epsilon of the transform's LayerNorm (BERT's layer_norm_eps)", 0, 1},
    {"initializer_range", "float", "0.02", "standard deviation of the transform's initial weights (BERT's)", 0, 10},
};
const mtlab::plugin::DeclaredKeys declared(keys);

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  return std::make_shared<MaskedLm>(declared.get_double(config, "layer_norm_eps"),
                                    declared.get_double(config, "initializer_range"));
}

}  // namespace

MTLAB_HEAD_PLUGIN("masked_lm", "1.0.0",
                  "Masked-LM pretraining: BERT's transform and a decoder tied to the input embeddings", "token", keys,
                  create)
