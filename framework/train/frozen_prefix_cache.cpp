#include "mtlab/model/precision.h"
#include "mtlab/train/frozen_prefix_cache.h"

#include <fmt/format.h>
#include <set>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "mtlab/core/hash.h"
#include "mtlab/core/log.h"
#include "mtlab/model/backbone.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/train/freeze.h"
#include "mtlab/train/multitask_model.h"
#include "mtlab/train/recorder.h"
#include "mtlab/train/task_data.h"

namespace mtlab {
namespace {

// What an entry costs besides its tensor: the key and the map's node.
constexpr std::size_t kEntryOverhead = 96;

std::size_t entry_bytes(const std::string& input, const at::Tensor& states) {
  return input.size() + kEntryOverhead + static_cast<std::size_t>(states.numel()) * states.element_size();
}

void append_bytes(std::string& out, const at::Tensor& t) {
  const auto cpu = t.detach().to(torch::kCPU).contiguous();
  out.append(static_cast<const char*>(cpu.data_ptr()), static_cast<std::size_t>(cpu.numel()) * cpu.element_size());
}

// Real tokens of a right-padded row: the leading run of non-zero mask entries.
std::int64_t real_length(const std::int64_t* mask, std::int64_t size) {
  std::int64_t len = 0;
  while (len < size && mask[len] != 0) ++len;
  return len;
}

// An input's key: its real tokens' ids and types.
std::string input_key(const std::int64_t* ids, const std::int64_t* types, std::int64_t len) {
  std::string key;
  key.append(reinterpret_cast<const char*>(ids), static_cast<std::size_t>(len) * sizeof(std::int64_t));
  key.append(reinterpret_cast<const char*>(types), static_cast<std::size_t>(len) * sizeof(std::int64_t));
  return key;
}

// Examples gathered per step of fill() (a bound on the copies in flight).
constexpr std::size_t kMaxGroup = 64;

}  // namespace

at::Tensor FrozenPrefixCache::find(const std::string& prefix, const std::string& input) {
  std::lock_guard lock(mutex_);
  auto p = prefixes_.find(prefix);
  if (p == prefixes_.end()) return {};
  p->second.last_use = ++clock_;
  auto e = p->second.states.find(input);
  return e == p->second.states.end() ? at::Tensor() : e->second;
}

bool FrozenPrefixCache::insert(const std::string& prefix, const std::string& input, const at::Tensor& states) {
  std::lock_guard lock(mutex_);
  Prefix& target = prefixes_[prefix];
  target.last_use = ++clock_;
  if (target.states.count(input)) return true;
  const std::size_t need = entry_bytes(input, states);
  while (bytes_ + need > limit_) {
    auto victim = prefixes_.end();
    for (auto it = prefixes_.begin(); it != prefixes_.end(); ++it) {
      if (it->first != prefix && (victim == prefixes_.end() || it->second.last_use < victim->second.last_use)) {
        victim = it;
      }
    }
    if (victim == prefixes_.end()) break;
    bytes_ -= victim->second.bytes;
    prefixes_.erase(victim);
    ++stats_.evicted;
  }
  if (bytes_ + need > limit_) {
    ++stats_.uncached;
    if (warned_.insert(prefix).second) {
      log::warn("frozen-prefix cache: the {:.0f} MB limit is reached ({} inputs stored for this prefix); the rest "
                "are computed at every use (raise training.frozen_cache_mb)",
                static_cast<double>(limit_) / (1 << 20), target.states.size());
    }
    return false;
  }
  target.states.emplace(input, states);
  target.bytes += need;
  bytes_ += need;
  ++stats_.computed;
  return true;
}

void FrozenPrefixCache::note_reused(std::int64_t inputs) {
  std::lock_guard lock(mutex_);
  stats_.reused += inputs;
}

void FrozenPrefixCache::set_limit_bytes(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  limit_ = bytes;
}

std::size_t FrozenPrefixCache::limit_bytes() const {
  std::lock_guard lock(mutex_);
  return limit_;
}

std::size_t FrozenPrefixCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t FrozenPrefixCache::prefixes() const {
  std::lock_guard lock(mutex_);
  return prefixes_.size();
}

FrozenPrefixCache::Stats FrozenPrefixCache::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void FrozenPrefixCache::clear() {
  std::lock_guard lock(mutex_);
  prefixes_.clear();
  warned_.clear();
  bytes_ = 0;
}

std::string frozen_prefix_key(MultiTaskModel& model, std::int64_t layers) {
  Backbone& backbone = model.backbone();
  if (layers < 0 || layers > backbone.num_layers()) {
    throw Error(fmt::format("frozen prefix of {} layers: the encoder has {}", layers, backbone.num_layers()));
  }
  std::string bytes = fmt::format("{}\nlayers={}\nmatmul={}\n", backbone.architecture_fingerprint(), layers,
                                  matmul_path_name(matmul_path()));
  for (const auto& block : backbone.block_layout().prefix(layers)) {
    for (const auto& [name, tensor] : backbone.block_parameters(block)) {
      bytes += fmt::format("{} {} {} {}\n", name, std::string(tensor.dtype().name()), tensor.device().str(),
                           fmt::join(tensor.sizes(), "x"));
      append_bytes(bytes, tensor);
    }
  }
  return sha256_hex(bytes);
}

FrozenPrefix::FrozenPrefix(FrozenPrefixCache* cache, MultiTaskModel& model, std::int64_t layers)
    : cache_(cache), model_(model), layers_(layers), key_(cache ? frozen_prefix_key(model, layers) : std::string()) {
  // Caching a prefix that trains would serve stale states: refuse.
  for (const auto& block : model.backbone().block_layout().prefix(layers)) {
    for (const auto& [name, tensor] : model.backbone().block_parameters(block)) {
      if (tensor.requires_grad()) {
        throw Error(fmt::format("frozen-prefix cache: '{}' of block {} is trainable; only a frozen prefix is cached",
                                name, block));
      }
    }
  }
}

at::Tensor FrozenPrefix::compute_group(const at::Tensor& ids, const at::Tensor& types) {
  Backbone& backbone = model_.backbone();
  // The autograd kernels (unfused Q/K/V) whatever the caller's grad mode, so
  // training and evaluation share one canonical result; no graph is recorded,
  // as nothing in the prefix requires a gradient (checked at construction).
  at::AutoGradMode grad_kernels(true);
  // fp32 inside a bf16 training step too: the states are the example's, whoever asks.
  const CpuAutocast fp32(false);
  const auto device = backbone.device();
  const auto ids_d = ids.to(device), types_d = types.to(device);
  computed_ += ids.size(0);
  // One pass per example: a row of a pass over several examples is not, on every
  // CPU, what the example gives alone (the GEMM kernels choose their blocking by
  // the row count: test_frozen_cache_rows), and the states must depend on the
  // example only.
  std::vector<at::Tensor> rows;
  rows.reserve(static_cast<std::size_t>(ids.size(0)));
  for (std::int64_t r = 0; r < ids.size(0); ++r) {
    const auto one = ids_d.narrow(0, r, 1), one_types = types_d.narrow(0, r, 1);
    rows.push_back(backbone.run_layers(backbone.embed(one, one_types), torch::ones_like(one), 0, layers_).detach());
  }
  return torch::cat(rows, 0);
}

void FrozenPrefix::fill(const std::vector<const TokenizedSplit*>& splits) {
  if (!cache_) return;
  // Distinct inputs not cached yet, by length.
  std::map<std::int64_t, std::vector<const Encoding*>> by_length;
  std::set<std::string> seen;
  for (const auto* split : splits) {
    for (const auto& e : split->encodings) {
      const std::int64_t len = real_length(e.attention_mask.data(), static_cast<std::int64_t>(e.size()));
      if (len == 0) continue;
      std::string key = input_key(e.input_ids.data(), e.token_type_ids.data(), len);
      if (!seen.insert(key).second || cache_->find(key_, key).defined()) continue;
      by_length[len].push_back(&e);
    }
  }
  for (const auto& [len, group] : by_length) {
    for (std::size_t start = 0; start < group.size(); start += kMaxGroup) {
      const std::size_t n = std::min(kMaxGroup, group.size() - start);
      auto ids = torch::empty({static_cast<std::int64_t>(n), len}, torch::kLong);
      auto types = torch::empty_like(ids);
      for (std::size_t r = 0; r < n; ++r) {
        const Encoding& e = *group[start + r];
        std::copy_n(e.input_ids.data(), len, ids.data_ptr<std::int64_t>() + static_cast<std::int64_t>(r) * len);
        std::copy_n(e.token_type_ids.data(), len, types.data_ptr<std::int64_t>() + static_cast<std::int64_t>(r) * len);
      }
      const auto rows = compute_group(ids, types);
      for (std::size_t r = 0; r < n; ++r) {
        const Encoding& e = *group[start + r];
        // A copy per entry, so the cache holds (and counts) only that row. Past
        // the size limit the rest is computed at use: stop filling.
        const auto key = input_key(e.input_ids.data(), e.token_type_ids.data(), len);
        if (!cache_->insert(key_, key, rows[static_cast<std::int64_t>(r)].clone())) return;
      }
    }
  }
}

EncoderOutput FrozenPrefix::encode(const at::Tensor& input_ids, const at::Tensor& token_type_ids,
                                   const at::Tensor& attention_mask) {
  Backbone& backbone = model_.backbone();
  const auto ids = input_ids.to(torch::kCPU, torch::kLong).contiguous();
  const auto types =
      token_type_ids.defined() ? token_type_ids.to(torch::kCPU, torch::kLong).contiguous() : torch::zeros_like(ids);
  const auto mask = attention_mask.defined() ? attention_mask.to(torch::kCPU, torch::kLong).contiguous()
                                             : torch::ones_like(ids);
  const auto B = ids.size(0), T = ids.size(1);

  std::vector<std::string> inputs(static_cast<std::size_t>(B));
  std::vector<std::int64_t> lengths(static_cast<std::size_t>(B));
  const auto* id = ids.data_ptr<std::int64_t>();
  const auto* type = types.data_ptr<std::int64_t>();
  const auto* m = mask.data_ptr<std::int64_t>();
  for (std::int64_t b = 0; b < B; ++b) {
    const std::int64_t len = real_length(m + b * T, T);
    for (std::int64_t t = len; t < T; ++t) {
      // make_batch pads on the right only; anything else has no clean per-example cut.
      if (m[b * T + t] != 0) throw Error("frozen prefix: an attention mask with a gap (padding on the left?)");
    }
    lengths[b] = len;
    inputs[b] = input_key(id + b * T, type + b * T, len);
  }

  // An example's prefix states are computed without padding, alone
  // (compute_group), so they are a function of the example only: not of the
  // batch it came in, the shuffle or which trial asked first.
  // Cached or not, resumed or not, a trial gets the same bits.
  std::vector<at::Tensor> states(static_cast<std::size_t>(B));
  std::map<std::int64_t, std::vector<std::int64_t>> missing;  // by length
  std::int64_t served = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    if (cache_) states[b] = cache_->find(key_, inputs[b]);
    if (states[b].defined()) ++served;
    else missing[lengths[b]].push_back(b);
  }
  for (const auto& [len, rows] : missing) {
    const auto index = torch::tensor(rows, torch::kLong);
    const auto group = compute_group(ids.index_select(0, index).narrow(1, 0, len),
                                     types.index_select(0, index).narrow(1, 0, len));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      states[rows[r]] = group[static_cast<std::int64_t>(r)];
      if (cache_) cache_->insert(key_, inputs[rows[r]], states[rows[r]].clone());
    }
  }
  if (cache_ && served > 0) cache_->note_reused(served);
  reused_ += served;

  // Padding positions stay zero: attention masks them and no loss reads them.
  auto options = B > 0 ? states[0].options() : torch::TensorOptions().device(backbone.device());
  at::Tensor hidden = torch::zeros({B, T, backbone.hidden_size()}, options);
  for (std::int64_t b = 0; b < B; ++b) hidden[b].narrow(0, 0, lengths[b]).copy_(states[b]);
  return model_.encode_from(hidden, layers_, mask);
}

EncoderOutput encode_batch(MultiTaskModel& model, FrozenPrefix* prefix, const Batch& batch) {
  const auto device = model.backbone().device();
  const auto ids = batch.input_ids.to(device), types = batch.token_type_ids.to(device);
  const auto mask = batch.attention_mask.to(device);
  return prefix ? prefix->encode(ids, types, mask) : model.encode(ids, types, mask);
}

std::unique_ptr<FrozenPrefix> make_frozen_prefix(FrozenPrefixCache* cache, MultiTaskModel& model,
                                                 const FreezePolicy& freeze, Recorder& recorder) {
  const std::int64_t layers = freeze.frozen_prefix_layers(model.backbone().num_layers());
  if (layers < 0) {
    recorder.fact("frozen_cache", cache ? "off (no frozen prefix)" : "off");
    return nullptr;
  }
  // Without a cache the prefix still runs per example (the same states, every
  // use), so turning the cache off changes the speed, never the results.
  auto prefix = std::make_unique<FrozenPrefix>(cache, model, layers);
  recorder.fact("frozen_cache", cache ? fmt::format("on: {} and {} layer(s), key {}", model.backbone().block_layout().input(),
                                                          layers, prefix->key())
                                      : "off");
  return prefix;
}

void record_frozen_prefix(const FrozenPrefix* prefix, Recorder& recorder) {
  if (!prefix) return;
  recorder.fact("frozen_cache.inputs_computed", std::to_string(prefix->computed()));
  recorder.fact("frozen_cache.inputs_reused", std::to_string(prefix->reused()));
}

}  // namespace mtlab
