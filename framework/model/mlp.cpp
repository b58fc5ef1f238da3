#include "mtlab/model/mlp.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/model/dropout.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/plugin/declared_keys.h"

namespace mtlab {

namespace {
const plugin::KeySpec kMlpKeys[] = {MTLAB_MLP_KEYS};
const plugin::DeclaredKeys kMlp(kMlpKeys);

// torch::nn::Dropout's role in a Sequential, with mtlab::dropout's mask.
struct DropoutImpl : torch::nn::Cloneable<DropoutImpl> {
  explicit DropoutImpl(double p) : p(p) {}
  void reset() override {}
  at::Tensor forward(const at::Tensor& x) { return mtlab::dropout(x, p, is_training()); }
  double p;
};
TORCH_MODULE(Dropout);

// torch::nn::Linear's parameters under its names (checkpoints load either way),
// computed by fast_linear: the heads get oneDNN's products, as the encoder does,
// where at::linear took OpenBLAS (1–2 ms for a head's small product in a training
// step of the mini shape here, a tenth of that through oneDNN).
struct LinearImpl : torch::nn::Cloneable<LinearImpl> {
  LinearImpl(std::int64_t in, std::int64_t out) : in(in), out(out) { reset(); }
  void reset() override {
    weight = register_parameter("weight", torch::empty({out, in}));
    bias = register_parameter("bias", torch::empty({out}));
  }
  at::Tensor forward(const at::Tensor& x) { return fast_linear(x, weight, bias); }
  std::int64_t in, out;
  at::Tensor weight, bias;
};
TORCH_MODULE(Linear);
}  // namespace

MlpOptions mlp_options(const Config& config) {
  MlpOptions mlp;
  mlp.hidden_layers = config.get_int_list("hidden_layers");
  for (std::size_t i = 0; i < mlp.hidden_layers.size(); ++i) {
    const auto& k = kMlp.find("hidden_layers");
    if (mlp.hidden_layers[i] < k.min || mlp.hidden_layers[i] > k.max) {
      throw Error(fmt::format("{}: hidden_layers[{}]: {} is out of range, expected an integer in [{}, {}]",
                              config.location("hidden_layers"), i, mlp.hidden_layers[i], k.min, k.max));
    }
  }
  mlp.activation = kMlp.get_string(config, "activation");
  mlp.dropout = kMlp.get_double(config, "dropout");
  return mlp;
}

torch::nn::Sequential make_mlp(std::int64_t in, std::int64_t out, const MlpOptions& options) {
  torch::nn::Sequential seq;
  std::int64_t width = in;
  for (std::int64_t hidden : options.hidden_layers) {
    if (hidden <= 0) throw Error("hidden layer widths must be positive, got " + std::to_string(hidden));
    seq->push_back(Dropout(options.dropout));
    seq->push_back(Linear(width, hidden));
    if (options.activation == "relu") {
      seq->push_back(torch::nn::ReLU());
    } else if (options.activation == "tanh") {
      seq->push_back(torch::nn::Tanh());
    } else if (options.activation == "gelu") {
      seq->push_back(torch::nn::GELU());
    } else {
      throw Error("activation '" + options.activation + "' is not one of gelu, relu, tanh");
    }
    width = hidden;
  }
  seq->push_back(Dropout(options.dropout));
  seq->push_back(Linear(width, out));
  // Hugging Face's initialisation for classifier layers: N(0, 0.02), zero bias.
  for (auto& p : seq->named_parameters()) {
    torch::NoGradGuard guard;
    if (p.key().find("weight") != std::string::npos) {
      p.value().normal_(0.0, 0.02);
    } else {
      p.value().zero_();
    }
  }
  return seq;
}

}  // namespace mtlab
