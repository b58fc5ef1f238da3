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
// Exactness: the first epoch and every evaluation are bit-identical to the
// uncached path (the cache is filled from the very batches that path computes,
// and evaluation batches never change). Later epochs gather states computed in
// another batch, and BLAS/oneDNN round a row of a matrix product differently
// with its position and the row count, so they differ from what the uncached
// path would compute by a few float32 ulps (≤ 1.2e-6 measured on the seed's
// shape) — as much as the uncached path differs from itself under another shuffle.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include <ATen/core/Tensor.h>

#include "mtlab/model/encoder_output.h"

namespace mtlab {

class MultiTaskModel;
class Recorder;
struct Batch;
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

// One trial's use of the cache: encodes batches of `model` with the prefix's
// states from `cache`, computing and storing the ones it lacks. The prefix's
// parameters must be frozen (FreezePolicy::frozen_prefix_layers says how deep).
class FrozenPrefix {
 public:
  FrozenPrefix(FrozenPrefixCache& cache, MultiTaskModel& model, std::int64_t layers);

  // Same result as model.encode(...): when every row is cached the prefix is
  // skipped; otherwise it runs on the whole batch, exactly as the uncached path
  // would, and its rows are stored. Autograd and inference use different
  // kernels (fused Q/K/V in inference), so they are cached separately.
  EncoderOutput encode(const at::Tensor& input_ids, const at::Tensor& token_type_ids, const at::Tensor& attention_mask);

  const std::string& key() const { return key_; }
  std::int64_t layers() const { return layers_; }
  std::int64_t computed() const { return computed_; }  // inputs this prefix ran on
  std::int64_t reused() const { return reused_; }      // inputs served from the cache

 private:
  FrozenPrefixCache& cache_;
  MultiTaskModel& model_;
  std::int64_t layers_;
  std::string key_;
  std::int64_t computed_ = 0, reused_ = 0;
};

// The trainer's and evaluation's way to encode a batch: through `prefix` when
// there is one, else model.encode.
EncoderOutput encode_batch(MultiTaskModel& model, FrozenPrefix* prefix, const Batch& batch);

// A trial's cached prefix when `cache` is set and the freeze policy leaves one
// (FreezePolicy::frozen_prefix_layers >= 0), else null; the choice is recorded
// as the fact frozen_cache.
std::unique_ptr<FrozenPrefix> make_frozen_prefix(FrozenPrefixCache* cache, MultiTaskModel& model,
                                                 const FreezePolicy& freeze, Recorder& recorder);
// Records how many inputs the trial computed and reused (facts frozen_cache.*).
void record_frozen_prefix(const FrozenPrefix* prefix, Recorder& recorder);

}  // namespace mtlab
