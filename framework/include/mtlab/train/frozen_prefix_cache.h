#pragma once
// The frozen-prefix cache (issue 8, item 4). When a trial freezes the
// embeddings and the bottom K encoder layers (or the whole backbone), that
// prefix runs in eval mode and is deterministic, so its output for an input is
// computed once and reused every epoch, and by every later trial in the process
// whose frozen prefix has the same weights. Only the trainable top runs per step.
//
// Entries are looked up by content: the exact token ids and token types of one
// example (which already fold in the tokenizer settings and max length), under
// a key made of the prefix's weights, K, the architecture, dtype, device and
// matmul path. They hold the example's unpadded states [len, H], so any batch
// can gather them and pad again.
//
// Exactness: a frozen prefix's states are computed for each example alone,
// without padding (FrozenPrefix, with or without a cache), so they depend on the
// example only — not on the batch, its padding, the shuffle, the trial that
// computed them first or whether the run was resumed. A trial gives the same
// bits with the cache on, off or past its limit. (A batched pass would not:
// BLAS and oneDNN round a row of a product differently with its position and
// the row count — even a pass over examples of one length, on some CPUs — and
// padded attention sums in another order.)
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <ATen/core/Tensor.h>

#include "mtlab/model/encoder_output.h"

namespace mtlab {

class MultiTaskModel;
class Recorder;
struct Batch;
struct TokenizedSplit;
struct FreezePolicy;

class FrozenPrefixCache {
 public:
  static constexpr std::size_t kDefaultLimitBytes = std::size_t{1024} << 20;  // training.frozen_cache_mb = 1024

  explicit FrozenPrefixCache(std::size_t limit_bytes = kDefaultLimitBytes) : limit_(limit_bytes) {}

  struct Stats {
    std::int64_t computed = 0;  // inputs whose prefix states were computed and stored
    std::int64_t reused = 0;    // inputs served from the cache
    std::int64_t uncached = 0;  // inputs computed but not stored: the size limit was reached
    std::int64_t evicted = 0;   // prefixes dropped to make room for another
  };

  // The states stored for `input` under `prefix`; undefined when absent.
  at::Tensor find(const std::string& prefix, const std::string& input);
  // Stores states for `input` (the caller hands over a detached, contiguous
  // tensor). When the limit is reached, other prefixes are dropped, least
  // recently used first; false (and one log line per prefix) when it still
  // does not fit, and the caller goes on uncached for that input.
  bool insert(const std::string& prefix, const std::string& input, const at::Tensor& states);
  // Counts inputs a caller served from find(), for the stats.
  void note_reused(std::int64_t inputs);

  void set_limit_bytes(std::size_t bytes);
  std::size_t limit_bytes() const;
  std::size_t bytes() const;
  std::size_t prefixes() const;
  Stats stats() const;
  void clear();

 private:
  struct Prefix {
    std::unordered_map<std::string, at::Tensor> states;
    std::size_t bytes = 0;
    std::uint64_t last_use = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Prefix> prefixes_;
  std::set<std::string> warned_;
  std::size_t limit_ = kDefaultLimitBytes;
  std::size_t bytes_ = 0;
  std::uint64_t clock_ = 0;
  Stats stats_;
};

// The cache key of a model's frozen prefix: embeddings plus encoder layers
// [0, layers). sha256 over those blocks' names, shapes and bytes, the backbone's
// architecture, K, dtype, device and the matmul path.
std::string frozen_prefix_key(MultiTaskModel& model, std::int64_t layers);

// One trial's frozen prefix: encodes batches of `model`, taking each example's
// prefix states from `cache` or computing them per example (and storing them when
// there is a cache). The prefix's parameters must be frozen
// (FreezePolicy::frozen_prefix_layers says how deep).
class FrozenPrefix {
 public:
  // `cache` may be null: every use computes the states again, with the same bits.
  FrozenPrefix(FrozenPrefixCache* cache, MultiTaskModel& model, std::int64_t layers);

  // model.encode(...) with the prefix's states computed per example (see the
  // header comment); the layers above run on the whole batch. Training and
  // evaluation share entries: the prefix always runs the unfused kernels.
  EncoderOutput encode(const at::Tensor& input_ids, const at::Tensor& token_type_ids, const at::Tensor& attention_mask);

  // Computes and caches every input of `splits` not cached yet, by length (one
  // pass per example): the same states encode() would compute. Stops at the
  // cache's size limit; without a cache it does nothing.
  void fill(const std::vector<const TokenizedSplit*>& splits);

  const std::string& key() const { return key_; }  // empty without a cache
  std::int64_t layers() const { return layers_; }
  std::int64_t computed() const { return computed_; }  // inputs this prefix ran on
  std::int64_t reused() const { return reused_; }      // inputs served from the cache

 private:
  // The prefix's states [n, len, H] of ids and types [n, len] (no padding).
  at::Tensor compute_group(const at::Tensor& ids, const at::Tensor& types);

  FrozenPrefixCache* cache_;
  MultiTaskModel& model_;
  std::int64_t layers_;
  std::string key_;
  std::int64_t computed_ = 0, reused_ = 0;
};

// The trainer's and evaluation's way to encode a batch: through `prefix` when
// there is one, else model.encode.
EncoderOutput encode_batch(MultiTaskModel& model, FrozenPrefix* prefix, const Batch& batch);

// A trial's frozen prefix when the freeze policy leaves one
// (FreezePolicy::frozen_prefix_layers >= 0), cached in `cache` when that is set;
// else null. The choice is recorded as the fact frozen_cache.
std::unique_ptr<FrozenPrefix> make_frozen_prefix(FrozenPrefixCache* cache, MultiTaskModel& model,
                                                 const FreezePolicy& freeze, Recorder& recorder);
// Records how many inputs the trial computed and reused (facts frozen_cache.*).
void record_frozen_prefix(const FrozenPrefix* prefix, Recorder& recorder);

}  // namespace mtlab
