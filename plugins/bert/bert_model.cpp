// BertModel's modules and forward pass (Hugging Face modeling_bert.py, eval and train).
#include "mtlab/bert/bert_model.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/model/dropout.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/model/fast_matmul.h"

namespace mtlab {
namespace {

at::Tensor activation(const at::Tensor& x, const std::string& name) {
  if (name == "gelu") return at::gelu(x);
  if (name == "relu") return at::relu(x);
  return at::gelu(x, "tanh");  // gelu_new, gelu_pytorch_tanh, gelu_fast: the tanh approximation
}

// A plain container module, so that nested Hugging Face names (attention.self.query) exist.
std::shared_ptr<torch::nn::Module> group(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

at::Tensor linear(const torch::nn::Linear& l, const at::Tensor& x) { return fast_linear(x, l->weight, l->bias); }

at::ScalarType parse_dtype(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "float16") return at::kHalf;
  if (name == "bfloat16") return at::kBFloat16;
  throw Error(fmt::format("dtype '{}' is not supported; expected float32, float16 or bfloat16", name));
}

}  // namespace

struct BertEmbeddings : torch::nn::Module {
  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr}, token_type_embeddings{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};

  explicit BertEmbeddings(const BertConfig& c) {
    const auto E = c.embedding_width();
    word_embeddings = register_module("word_embeddings", torch::nn::Embedding(c.vocab_size, E));
    position_embeddings = register_module("position_embeddings", torch::nn::Embedding(c.max_position_embeddings, E));
    if (c.has_token_types()) {
      token_type_embeddings = register_module("token_type_embeddings", torch::nn::Embedding(c.type_vocab_size, E));
    }
    LayerNorm = register_module("LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({E}).eps(c.layer_norm_eps)));
  }
};

struct BertLayer : torch::nn::Module {
  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, attention_dense{nullptr};
  torch::nn::LayerNorm attention_norm{nullptr};
  torch::nn::Linear intermediate{nullptr}, output{nullptr};
  torch::nn::LayerNorm output_norm{nullptr};

  explicit BertLayer(const BertConfig& c) {
    const auto H = c.hidden_size;
    auto attention = group(*this, "attention");
    auto self = group(*attention, "self");
    query = self->register_module("query", torch::nn::Linear(H, H));
    key = self->register_module("key", torch::nn::Linear(H, H));
    value = self->register_module("value", torch::nn::Linear(H, H));
    auto attention_output = group(*attention, "output");
    attention_dense = attention_output->register_module("dense", torch::nn::Linear(H, H));
    attention_norm = attention_output->register_module(
        "LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({H}).eps(c.layer_norm_eps)));
    intermediate = group(*this, "intermediate")->register_module("dense", torch::nn::Linear(H, c.intermediate_size));
    auto out = group(*this, "output");
    output = out->register_module("dense", torch::nn::Linear(c.intermediate_size, H));
    output_norm =
        out->register_module("LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({H}).eps(c.layer_norm_eps)));
  }

  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask_add, const BertConfig& c) {
    const auto B = x.size(0), T = x.size(1), H = c.hidden_size;
    const auto heads = c.num_attention_heads, dh = H / heads;
    const bool train = is_training();
    at::Tensor q, k, v;
    // Fused unless the weights were prepared for reduced precision (their concatenation would not be).
    if (!train && !at::GradMode::is_enabled() && !has_prepared_precision(query->weight)) {
      // One [3H, H] product instead of three; the concatenation is built per call
      // (a few MB, well under 1% of the product's time) rather than kept, to save memory.
      const auto w = torch::cat({query->weight, key->weight, value->weight}, 0);
      const auto b = torch::cat({query->bias, key->bias, value->bias}, 0);
      // Q, K and V as strided views of the one product: fast_matmul reads them as they lie.
      auto qkv = fast_linear(x, w, b).view({B, T, 3, heads, dh}).permute({2, 0, 3, 1, 4});
      q = qkv[0];
      k = qkv[1];
      v = qkv[2];
    } else {
      auto split = [&](const at::Tensor& t) { return t.view({B, T, heads, dh}).transpose(1, 2); };
      // bf16-prepared weights take bf16 in: one conversion, and attention in bf16 (a no-op otherwise).
      const auto xc = x.to(linear_input_type(query->weight));
      q = split(linear(query, xc));
      k = split(linear(key, xc));
      v = split(linear(value, xc));
    }
    // scores = QKᵀ/√d + mask, as Hugging Face orders it.
    auto scores = fast_matmul(q, k.transpose(-1, -2)).div_(std::sqrt(static_cast<double>(dh))).add_(mask_add);
    auto probs = at::softmax(scores, -1);
    if (train) probs = mtlab::dropout(probs, c.attention_probs_dropout_prob, true);
    auto context = fast_matmul(probs, v).transpose(1, 2).reshape({B, T, H});
    auto attended = linear(attention_dense, context);
    if (train) attended = mtlab::dropout(attended, c.hidden_dropout_prob, true);
    auto h = attention_norm(attended + x);
    // The residual stream and LayerNorm stay in h's type; the block between may run in bf16.
    auto inner = activation(linear(intermediate, h.to(linear_input_type(intermediate->weight))), c.hidden_act);
    auto out = linear(output, inner);
    if (train) out = mtlab::dropout(out, c.hidden_dropout_prob, true);
    return output_norm(out + h);
  }
};

struct BertPooler : torch::nn::Module {
  torch::nn::Linear dense{nullptr};
  explicit BertPooler(const BertConfig& c) {
    dense = register_module("dense", torch::nn::Linear(c.hidden_size, c.hidden_size));
  }
};

BertModel::BertModel(BertConfig config, BertTokenizer tokenizer, BertModelOptions options)
    : BertModel(std::move(config), std::make_shared<const BertTokenizer>(std::move(tokenizer)), std::move(options)) {}

BertModel::BertModel(BertConfig config, std::shared_ptr<const Tokenizer> tokenizer, BertModelOptions options)
    : config_(std::move(config)), options_(std::move(options)), tokenizer_(std::move(tokenizer)) {
  config_.validate(config_.family_name() + " config");
  if (!tokenizer_) throw Error("a BertModel needs a tokenizer (or a vocabulary to build)");
  if (tokenizer_->vocab_size() > config_.vocab_size) {
    throw Error(fmt::format("the vocabulary has {} tokens but the model's vocab_size is {}", tokenizer_->vocab_size(),
                            config_.vocab_size));
  }
  build_modules();
  init_weights();
  place();
}

BertModel::BertModel(BertConfig config, VocabBuildOptions vocab, BertModelOptions options)
    : config_(std::move(config)), options_(std::move(options)), vocab_build_(std::move(vocab)) {
  // A placeholder vocabulary of the special tokens until fit_texts() sees the training text.
  config_.vocab_size = std::max<std::int64_t>(config_.pad_token_id + 1, 5);
  config_.validate("BERT config");
  build_modules();
  init_weights();
  place();
}

void BertModel::build_modules() {
  embeddings_ = register_module("embeddings", std::make_shared<BertEmbeddings>(config_));
  auto encoder = group(*this, "encoder");
  auto layer = group(*encoder, "layer");
  layers_.clear();
  for (std::int64_t i = 0; i < config_.num_hidden_layers; ++i) {
    layers_.push_back(layer->register_module(std::to_string(i), std::make_shared<BertLayer>(config_)));
  }
  // ELECTRA: embeddings narrower than the layers, projected (Hugging Face's top-level key).
  if (config_.embedding_width() != config_.hidden_size) {
    projection_ = register_module("embeddings_project", torch::nn::Linear(config_.embedding_width(), config_.hidden_size));
  }
  if (config_.has_pooler()) pooler_ = register_module("pooler", std::make_shared<BertPooler>(config_));
}

void BertModel::init_weights() {
  torch::NoGradGuard no_grad;
  const double std = config_.initializer_range;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* l = m->as<torch::nn::Linear>()) {
      l->weight.normal_(0.0, std);
      if (l->bias.defined()) l->bias.zero_();
    } else if (auto* e = m->as<torch::nn::Embedding>()) {
      e->weight.normal_(0.0, std);
    } else if (auto* n = m->as<torch::nn::LayerNorm>()) {
      n->weight.fill_(1.0);
      n->bias.zero_();
    }
  }
  embeddings_->word_embeddings->weight[config_.pad_token_id].zero_();
  if (config_.model_type == "roberta") embeddings_->position_embeddings->weight[config_.pad_token_id].zero_();
}

void BertModel::place() {
  const torch::Device device(options_.device);
  if (device.is_cuda() && !torch::cuda::is_available()) {
    throw Error(fmt::format("device '{}' was asked for but CUDA is not available in this process", options_.device));
  }
  const auto dtype = parse_dtype(options_.dtype);
  // LibTorch's CPU kernels lack Half for LayerNorm (1.13), so fail here rather than mid-forward.
  if (dtype == at::kHalf && !device.is_cuda()) {
    throw Error("dtype float16 needs a CUDA device (LibTorch's CPU LayerNorm has no float16 kernel); use bfloat16 or "
                "float32 on the CPU");
  }
  to(device, dtype);
}

const Tokenizer& BertModel::tokenizer() const {
  if (!tokenizer_) {
    throw Error("the BERT backbone's vocabulary is built from training text (vocab = \"build\"): call fit_texts() first");
  }
  return *tokenizer_;
}

std::int64_t BertModel::position_limit() const {
  // RoBERTa's positions run from padding_idx + 1 (roberta-base: 514 positions, 512 tokens).
  const auto offset = config_.model_type == "roberta" ? config_.pad_token_id + 1 : 0;
  return config_.max_position_embeddings - offset;
}

std::int64_t BertModel::max_length() const {
  std::int64_t limit = position_limit();
  if (options_.max_length > 0) return std::min(limit, options_.max_length);
  if (tokenizer_ && tokenizer_->model_max_length() > 0) limit = std::min(limit, tokenizer_->model_max_length());
  return limit;
}

void BertModel::fit_texts(const std::vector<std::string>& texts) {
  if (!vocab_build_) return;  // the vocabulary is fixed
  Vocab vocab = build_vocab(texts, vocab_build_->tokenizer, vocab_build_->min_frequency, vocab_build_->max_size);
  auto options = vocab_build_->tokenizer;
  options.model_max_length = config_.max_position_embeddings;
  tokenizer_ = std::make_shared<const BertTokenizer>(std::move(vocab), options);
  config_.vocab_size = tokenizer_->vocab_size();
  config_.pad_token_id = tokenizer_->pad_id();
  auto word = torch::nn::Embedding(config_.vocab_size, config_.embedding_width());
  {
    torch::NoGradGuard no_grad;
    word->weight.normal_(0.0, config_.initializer_range);
    word->weight[config_.pad_token_id].zero_();
  }
  embeddings_->word_embeddings = embeddings_->replace_module("word_embeddings", word);
  vocab_build_.reset();
  place();
  log::info("built a vocabulary of {} tokens from {} training texts", config_.vocab_size, texts.size());
}

at::Device BertModel::device() const { return embeddings_->word_embeddings->weight.device(); }

at::Tensor BertModel::input_embeddings() { return embeddings_->word_embeddings->weight; }

std::string BertModel::architecture_fingerprint() const {
  auto config = config_.to_json();
  config.erase("vocab_size");  // part of the embeddings' shape already
  return config_.model_type + " " + config.dump();
}

at::Tensor BertModel::position_ids(const at::Tensor& ids) const {
  if (config_.model_type != "roberta") return torch::arange(ids.size(1), ids.options()).unsqueeze(0);
  // RoBERTa numbers real tokens from padding_idx + 1 and gives padding the padding index,
  // so a row's positions do not depend on how far it is padded.
  const auto real = ids.ne(config_.pad_token_id).to(at::kLong);
  return real.cumsum(1).mul_(real).add_(config_.pad_token_id);
}

at::Tensor BertModel::embed(const at::Tensor& input_ids, const at::Tensor& token_type_ids) {
  const auto dev = device();
  const auto ids = input_ids.to(dev, at::kLong);
  const auto T = ids.size(1);
  if (T > position_limit()) {
    throw Error(fmt::format("input of {} tokens is longer than the model's {} positions", T, position_limit()));
  }
  auto& e = *embeddings_;
  auto h = at::embedding(e.word_embeddings->weight, ids);
  h = h + at::embedding(e.position_embeddings->weight, position_ids(ids));
  if (config_.has_token_types()) {
    // One token type (RoBERTa): every segment is type 0, whatever the tokenizer says.
    const bool given = token_type_ids.defined() && config_.type_vocab_size > 1;
    const auto types = given ? token_type_ids.to(dev, at::kLong) : torch::zeros_like(ids);
    h = h + at::embedding(e.token_type_embeddings->weight, types);
  }
  h = e.LayerNorm(h);
  // The embeddings' own flag: frozen embeddings stay in eval mode (no dropout) in a training model.
  if (e.is_training()) h = mtlab::dropout(h, config_.hidden_dropout_prob, true);
  if (projection_) h = linear(projection_, h);
  return h;
}

at::Tensor BertModel::additive_mask(const at::Tensor& attention_mask, at::ScalarType dtype) const {
  // (1 - mask) * finfo(dtype).min, broadcast over heads and queries: [B, 1, 1, T].
  double lowest = std::numeric_limits<float>::lowest();
  if (dtype == at::kHalf) lowest = -65504.0;
  if (dtype == at::kBFloat16) lowest = -3.3895313892515355e38;
  auto m = attention_mask.to(device(), dtype);
  return (1.0 - m).mul_(lowest).view({m.size(0), 1, 1, m.size(1)});
}

at::Tensor BertModel::run_layers(const at::Tensor& hidden, const at::Tensor& attention_mask, std::int64_t from,
                                 std::int64_t to) {
  if (from < 0 || to > num_layers() || from > to) {
    throw Error(fmt::format("run_layers({}, {}): the model has layers 0..{}", from, to, num_layers() - 1));
  }
  const auto mask_add = additive_mask(attention_mask, hidden.scalar_type());
  at::Tensor h = hidden;
  for (auto i = from; i < to; ++i) h = layers_[i]->forward(h, mask_add, config_);
  return h;
}

at::Tensor BertModel::pool(const at::Tensor& hidden) {
  // Without a pooler (ELECTRA, DistilBERT) the pooled vector is the first token's
  // state, which their Hugging Face sequence-classification heads read.
  if (!pooler_) return hidden.select(1, 0);
  return at::tanh(linear(pooler_->dense, hidden.select(1, 0)));
}

EncoderOutput BertModel::forward(const at::Tensor& input_ids, const at::Tensor& token_type_ids,
                                 const at::Tensor& attention_mask) {
  const auto mask = attention_mask.defined() ? attention_mask : torch::ones_like(input_ids);
  auto h = run_layers(embed(input_ids, token_type_ids), mask, 0, num_layers());
  auto pooled = pool(h);
  return {h, pooled, mask.to(h.device(), at::kLong)};
}

std::vector<std::string> BertModel::block_names() const {
  std::vector<std::string> out{"embeddings"};
  for (std::int64_t i = 0; i < num_layers(); ++i) out.push_back(fmt::format("layer.{}", i));
  if (pooler_) out.emplace_back("pooler");
  return out;
}

NamedTensors BertModel::block_parameters(const std::string& block) {
  std::string prefix;
  if (block == "embeddings" || block == "pooler") {
    prefix = block + ".";
  } else if (block.rfind("layer.", 0) == 0) {
    prefix = "encoder." + block + ".";
  }
  NamedTensors out;
  if (!prefix.empty()) {
    for (const auto& p : named_parameters()) {
      const bool projection = block == "embeddings" && p.key().rfind("embeddings_project.", 0) == 0;
      if (p.key().rfind(prefix, 0) == 0 || projection) out.emplace_back(p.key(), p.value());
    }
  }
  if (out.empty()) {
    throw Error(fmt::format("backbone has no parameter block '{}'; blocks are embeddings, layer.0 … layer.{}{}", block,
                            num_layers() - 1, pooler_ ? ", pooler" : ""));
  }
  return out;
}

}  // namespace mtlab
