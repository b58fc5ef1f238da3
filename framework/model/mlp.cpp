#include "mtlab/model/mlp.h"

#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"

namespace mtlab {

MlpOptions mlp_options(const Config& config) {
  MlpOptions mlp;
  mlp.hidden_layers = config.get_int_list("hidden_layers");
  mlp.activation = config.get_choice("activation", "gelu", {"gelu", "relu", "tanh"});
  mlp.dropout = config.get_double("dropout", 0.1, 0.0, 1.0);
  return mlp;
}

torch::nn::Sequential make_mlp(std::int64_t in, std::int64_t out, const MlpOptions& options) {
  torch::nn::Sequential seq;
  std::int64_t width = in;
  for (std::int64_t hidden : options.hidden_layers) {
    if (hidden <= 0) throw Error("hidden layer widths must be positive, got " + std::to_string(hidden));
    seq->push_back(torch::nn::Dropout(options.dropout));
    seq->push_back(torch::nn::Linear(width, hidden));
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
  seq->push_back(torch::nn::Dropout(options.dropout));
  seq->push_back(torch::nn::Linear(width, out));
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
