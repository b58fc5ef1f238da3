#include "mtlab/model/sentence_encoder.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/text/tokenizer.h"

namespace mtlab {
namespace fs = std::filesystem;

namespace {

constexpr std::pair<Pooling, const char*> kNames[] = {
    {Pooling::pooler, "pooler"}, {Pooling::cls, "cls"},
    {Pooling::mean, "mean"},     {Pooling::max, "max"},
    {Pooling::mean_sqrt_len, "mean_sqrt_len"}, {Pooling::weightedmean, "weightedmean"},
    {Pooling::lasttoken, "lasttoken"}, {Pooling::none, "none"},
};

std::string ascii_lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

Pooling pooling_from_name(const std::string& name) {
  std::string all;
  for (const auto& [p, n] : kNames) {
    if (name == n) return p;
    all += (all.empty() ? "" : ", ") + std::string(n);
  }
  throw Error(fmt::format("pooling '{}' is not known; expected one of {}", name, all));
}

std::string pooling_name(Pooling pooling) {
  for (const auto& [p, n] : kNames) {
    if (p == pooling) return n;
  }
  return "?";
}

std::vector<Pooling> poolings_of(const io::PoolingModes& m) {
  std::vector<Pooling> out;
  if (m.cls) out.push_back(Pooling::cls);
  if (m.max) out.push_back(Pooling::max);
  if (m.mean) out.push_back(Pooling::mean);
  if (m.mean_sqrt_len) out.push_back(Pooling::mean_sqrt_len);
  if (m.weightedmean) out.push_back(Pooling::weightedmean);
  if (m.lasttoken) out.push_back(Pooling::lasttoken);
  return out;
}

at::Tensor pool_batch(Pooling pooling, const at::Tensor& h, const at::Tensor& attention_mask, const at::Tensor& pooled) {
  const auto mask = attention_mask.to(h.device(), h.scalar_type()).unsqueeze(-1);  // [B, T, 1]
  switch (pooling) {
    case Pooling::pooler: return pooled;
    case Pooling::cls: return h.select(1, 0);
    case Pooling::mean: return (h * mask).sum(1) / mask.sum(1).clamp_min(1e-9);
    case Pooling::mean_sqrt_len: return (h * mask).sum(1) / mask.sum(1).clamp_min(1e-9).sqrt();
    case Pooling::max: return h.masked_fill(mask == 0, -1e9).amax(1);  // as sentence-transformers masks
    case Pooling::weightedmean: {
      // Position weights 1..T over real tokens.
      auto w = torch::arange(1, h.size(1) + 1, h.options()).view({1, -1, 1}) * mask;
      return (h * w).sum(1) / w.sum(1).clamp_min(1e-9);
    }
    case Pooling::lasttoken: {
      auto last = attention_mask.to(h.device(), at::kLong).sum(1).sub(1).clamp_min(0);
      return h.index({torch::arange(h.size(0), last.options()), last});
    }
    case Pooling::none: break;
  }
  throw Error("pooling 'none' keeps token states; it has no per-sentence vector");
}

EncoderFolder read_encoder_folder(const fs::path& folder) {
  EncoderFolder out;
  if (!io::is_sentence_transformer_folder(folder)) {
    out.transformer_folder = folder;
    return out;
  }
  const auto info = io::read_sentence_transformer_folder(folder);
  out.sentence_transformers = true;
  out.transformer_folder = info.transformer_folder;
  out.options.pooling = poolings_of(info.pooling);
  out.options.normalize = info.normalize;
  out.options.max_length = info.max_seq_length.value_or(0);
  out.options.lowercase = info.do_lower_case;
  return out;
}

SentenceEncoder::SentenceEncoder(std::shared_ptr<Backbone> backbone, SentenceEncoderOptions options)
    : backbone_(std::move(backbone)), options_(std::move(options)) {
  if (!backbone_) throw Error("SentenceEncoder needs a backbone");
  if (options_.batch_size <= 0) throw Error(fmt::format("batch size must be positive, got {}", options_.batch_size));
  if (options_.pooling.empty()) throw Error("SentenceEncoder needs at least one pooling mode");
  const bool none = std::find(options_.pooling.begin(), options_.pooling.end(), Pooling::none) != options_.pooling.end();
  if (none && options_.pooling.size() > 1) throw Error("pooling 'none' cannot be combined with other modes");
}

std::vector<std::int64_t> SentenceEncoder::token_counts(const std::vector<SentenceInput>& inputs) const {
  std::vector<std::int64_t> out;
  std::int64_t limit = backbone_->max_length();
  if (options_.max_length > 0) limit = std::min(limit, options_.max_length);
  EncodeOptions eo;
  eo.max_length = limit;
  const auto& tok = backbone_->tokenizer();
  for (const auto& in : inputs) {
    const auto text = options_.lowercase ? ascii_lower(in.text) : in.text;
    out.push_back(static_cast<std::int64_t>(
        (in.pair ? tok.encode_pair(text, options_.lowercase ? ascii_lower(*in.pair) : *in.pair, eo) : tok.encode(text, eo))
            .size()));
  }
  return out;
}

// Tokenizes all inputs, then feeds length-sorted batches to the backbone and
// hands (input index, token states row, pooled rows…) to `sink` batch by batch.
template <class Sink>
void SentenceEncoder::run(const std::vector<SentenceInput>& inputs, Sink&& sink) const {
  const auto started = std::chrono::steady_clock::now();
  const auto& tok = backbone_->tokenizer();
  std::int64_t limit = backbone_->max_length();
  if (options_.max_length > 0) limit = std::min(limit, options_.max_length);
  EncodeOptions eo;
  eo.max_length = limit;
  std::vector<Encoding> encodings;
  encodings.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    try {
      const auto text = options_.lowercase ? ascii_lower(inputs[i].text) : inputs[i].text;
      if (inputs[i].pair) {
        encodings.push_back(tok.encode_pair(text, options_.lowercase ? ascii_lower(*inputs[i].pair) : *inputs[i].pair, eo));
      } else {
        encodings.push_back(tok.encode(text, eo));
      }
    } catch (const std::exception& e) {
      throw Error(fmt::format("input {}: {}", i + 1, e.what()));
    }
  }
  // Longest first, ties in input order: batches hold similar lengths, so little padding.
  std::vector<std::size_t> order(inputs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return encodings[a].size() > encodings[b].size(); });

  c10::InferenceMode inference;
  const bool was_training = backbone_->is_training();
  backbone_->eval();
  const auto bs = static_cast<std::size_t>(options_.batch_size);
  std::int64_t real = 0, computed = 0;
  for (std::size_t start = 0; start < order.size(); start += bs) {
    const std::size_t n = std::min(bs, order.size() - start);
    const std::int64_t T = static_cast<std::int64_t>(encodings[order[start]].size());
    computed += static_cast<std::int64_t>(n) * T;
    auto ids = torch::zeros({static_cast<std::int64_t>(n), T}, torch::kLong).fill_(tok.pad_id());
    auto types = torch::zeros({static_cast<std::int64_t>(n), T}, torch::kLong);
    auto mask = torch::zeros({static_cast<std::int64_t>(n), T}, torch::kLong);
    auto* pi = ids.data_ptr<std::int64_t>();
    auto* pt = types.data_ptr<std::int64_t>();
    auto* pm = mask.data_ptr<std::int64_t>();
    for (std::size_t r = 0; r < n; ++r) {
      const auto& e = encodings[order[start + r]];
      std::copy(e.input_ids.begin(), e.input_ids.end(), pi + r * T);
      std::copy(e.token_type_ids.begin(), e.token_type_ids.end(), pt + r * T);
      std::fill(pm + r * T, pm + r * T + static_cast<std::int64_t>(e.size()), 1);
      real += static_cast<std::int64_t>(e.size());
    }
    auto out = backbone_->forward(ids, types, mask);
    sink(std::vector<std::size_t>(order.begin() + start, order.begin() + start + n), out, encodings);
    if (options_.progress) options_.progress(start + n, order.size());
  }
  if (was_training) backbone_->train();
  // The figure bench/encode/cli_vs_bench.sh compares: `mtlab -v encode` and bench_encode both print it.
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log::debug("encoded {} inputs in {:.3f} s ({:.2f} per second; threads: {}; {} tokens, {:.1f}% padding)", inputs.size(),
             seconds, static_cast<double>(inputs.size()) / std::max(seconds, 1e-9), at::get_num_threads(), real,
             computed ? 100.0 * static_cast<double>(computed - real) / static_cast<double>(computed) : 0.0);
}

at::Tensor SentenceEncoder::encode(const std::vector<SentenceInput>& inputs) const {
  if (options_.pooling.front() == Pooling::none) throw Error("encode() pools; use encode_tokens() for pooling 'none'");
  at::Tensor result;
  run(inputs, [&](const std::vector<std::size_t>& rows, const EncoderOutput& out, const std::vector<Encoding>&) {
    std::vector<at::Tensor> parts;
    for (auto p : options_.pooling) parts.push_back(pool_batch(p, out.token_states, out.attention_mask, out.pooled));
    auto pooled = (parts.size() == 1 ? parts[0] : torch::cat(parts, 1)).to(torch::kCPU, torch::kFloat);
    if (options_.normalize) pooled = torch::nn::functional::normalize(
        pooled, torch::nn::functional::NormalizeFuncOptions().p(2).dim(1));
    if (!result.defined()) result = torch::empty({static_cast<std::int64_t>(inputs.size()), pooled.size(1)});
    auto index = torch::tensor(std::vector<std::int64_t>(rows.begin(), rows.end()), torch::kLong);
    result.index_copy_(0, index, pooled);
  });
  if (!result.defined()) result = torch::empty({0, backbone_->hidden_size()});
  return result;
}

std::vector<at::Tensor> SentenceEncoder::encode_tokens(const std::vector<SentenceInput>& inputs) const {
  std::vector<at::Tensor> result(inputs.size());
  run(inputs, [&](const std::vector<std::size_t>& rows, const EncoderOutput& out, const std::vector<Encoding>& enc) {
    auto states = out.token_states.to(torch::kCPU, torch::kFloat);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      auto row = states[static_cast<std::int64_t>(r)].narrow(0, 0, static_cast<std::int64_t>(enc[rows[r]].size()));
      if (options_.normalize) row = torch::nn::functional::normalize(
          row, torch::nn::functional::NormalizeFuncOptions().p(2).dim(1));
      result[rows[r]] = row.clone();
    }
  });
  return result;
}

at::Tensor cosine_similarity_matrix(const at::Tensor& embeddings) {
  auto unit = torch::nn::functional::normalize(embeddings.to(torch::kFloat),
                                               torch::nn::functional::NormalizeFuncOptions().p(2).dim(1));
  return unit.matmul(unit.t());
}

}  // namespace mtlab
