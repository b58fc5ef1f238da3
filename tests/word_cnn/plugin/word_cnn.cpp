#include "word_cnn.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include <mtlab/core/error.h>
#include <mtlab/io/safetensors.h>

namespace word_cnn {

WordCnn::WordCnn(WordCnnConfig config, std::string device) : config_(config), device_(device) {}

void WordCnn::build(WordTokenizer tokenizer) {
  const auto h = config_.hidden_size, k = config_.kernel_size;
  embed_ = register_module("embed", torch::nn::Embedding(torch::nn::EmbeddingOptions(tokenizer.vocab_size(), h)
                                                              .padding_idx(WordTokenizer::kPad)));
  for (std::int64_t i = 0; i < config_.num_layers; ++i) {
    convs_.push_back(register_module(fmt::format("conv{}", i),
                                     torch::nn::Conv1d(torch::nn::Conv1dOptions(h, h, k).padding(k / 2))));
  }
  proj_ = register_module("proj", torch::nn::Linear(h, h));
  tokenizer_ = std::move(tokenizer);
  to(device_);
}

void WordCnn::fit_texts(const std::vector<std::string>& texts) {
  if (tokenizer_) throw mtlab::Error("word_cnn: the vocabulary is already built");
  build(WordTokenizer::build(texts, config_.vocab_size));
}

const mtlab::Tokenizer& WordCnn::tokenizer() const {
  if (!tokenizer_) throw mtlab::Error("word_cnn: no vocabulary yet (fit_texts builds it from the training text)");
  return *tokenizer_;
}

at::Tensor WordCnn::embed(const at::Tensor& input_ids, const at::Tensor& /*token_type_ids*/) {
  return embed_->forward(input_ids.to(device_));
}

at::Tensor WordCnn::run_layers(const at::Tensor& hidden, const at::Tensor& attention_mask, std::int64_t from,
                               std::int64_t to) {
  const auto mask = attention_mask.to(hidden.device(), hidden.scalar_type()).unsqueeze(-1);
  auto h = hidden * mask;
  for (std::int64_t i = from; i < to; ++i) {
    h = (h + torch::relu(convs_[static_cast<std::size_t>(i)]->forward(h.transpose(1, 2))).transpose(1, 2)) * mask;
  }
  return h;
}

at::Tensor WordCnn::pool(const at::Tensor& hidden) { return torch::tanh(proj_->forward(hidden.select(1, 0))); }

mtlab::EncoderOutput WordCnn::forward(const at::Tensor& input_ids, const at::Tensor& token_type_ids,
                                      const at::Tensor& attention_mask) {
  const auto mask = attention_mask.to(device_);
  auto h = run_layers(embed(input_ids, token_type_ids), mask, 0, config_.num_layers);
  return {h, pool(h), mask};
}

std::vector<std::string> WordCnn::block_names() const {
  std::vector<std::string> names{"embed"};
  for (std::int64_t i = 0; i < config_.num_layers; ++i) names.push_back(fmt::format("conv{}", i));
  names.push_back("proj");
  return names;
}

mtlab::NamedTensors WordCnn::block_parameters(const std::string& block) {
  mtlab::NamedTensors out;
  for (const auto& p : named_parameters()) {
    if (p.key().rfind(block + ".", 0) == 0) out.emplace_back(p.key(), p.value());
  }
  if (out.empty()) throw mtlab::Error(fmt::format("word_cnn has no block '{}'", block));
  return out;
}

std::string WordCnn::architecture_fingerprint() const {
  return fmt::format("word_cnn kernel={} relu-residual", config_.kernel_size);
}

void WordCnn::save(const std::filesystem::path& folder) const {
  const nlohmann::json config{{"model_type", "word_cnn"},         {"hidden_size", config_.hidden_size},
                              {"num_layers", config_.num_layers}, {"kernel_size", config_.kernel_size},
                              {"vocab_size", tokenizer().vocab_size()}, {"max_length", config_.max_length}};
  std::ofstream(folder / "config.json") << config.dump(2) << '\n';
  tokenizer().save(folder);
  mtlab::NamedTensors tensors;
  for (const auto& p : named_parameters()) tensors.emplace_back(p.key(), p.value().detach().to(torch::kCPU).contiguous());
  mtlab::io::save_safetensors(folder / "model.safetensors", tensors);
}

std::shared_ptr<WordCnn> WordCnn::from_folder(const std::filesystem::path& folder, const std::string& device) {
  std::ifstream in(folder / "config.json");
  if (!in) throw mtlab::Error((folder / "config.json").string() + ": cannot open");
  const auto j = nlohmann::json::parse(in);
  WordCnnConfig c;
  c.hidden_size = j.at("hidden_size").get<std::int64_t>();
  c.num_layers = j.at("num_layers").get<std::int64_t>();
  c.kernel_size = j.at("kernel_size").get<std::int64_t>();
  c.max_length = j.at("max_length").get<std::int64_t>();
  auto model = std::make_shared<WordCnn>(c, device);
  model->build(WordTokenizer::load(folder));
  const auto weights = mtlab::io::SafetensorsFile::open(folder / "model.safetensors");
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters()) p.value().copy_(weights.load(p.key()));
  return model;
}

}  // namespace word_cnn
