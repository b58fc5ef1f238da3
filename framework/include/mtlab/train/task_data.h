#pragma once
// Examples turned into model inputs once per split: the backbone tokenizer's encodings, label
// ids per task (word tags aligned to first pieces), and batches as tensors.
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "mtlab/data/example.h"
#include "mtlab/data/label_set.h"
#include "mtlab/model/head.h"
#include "mtlab/text/tokenizer.h"
#include "mtlab/train/masking.h"

namespace mtlab {

// What the trainer knows of one task.
struct TaskSpec {
  std::string name;
  HeadLevel level = HeadLevel::sequence;  // sequence: the example's label; token: its word tags
  double weight = 1.0;
  std::vector<std::string> metrics;
  std::size_t dataset = 0;  // index of the dataset the task reads
  LabelSet labels;          // from the training split
  std::string scheme = "iob2";
  std::int64_t batch_size = 0;  // > 0: this task's dataset uses its own batch size
  // Masked-LM tasks: their batches' inputs are masked and the targets are the
  // masked tokens (no labels). Such a task needs a dataset of its own.
  std::optional<MaskingSpec> masking;
};

struct TokenizedSplit {
  std::string name;  // "train", "dev", "test"
  std::vector<Encoding> encodings;
  std::vector<std::size_t> num_words;  // words per example (0 for plain text)
  std::size_t words_lost = 0;          // words cut off by truncation, over the split
  std::size_t real_tokens = 0;         // non-padding tokens, over the split
  // Indexed like the tasks passed to encode_split().
  std::vector<std::vector<std::int64_t>> sentence_targets;             // [task][example]
  std::vector<std::vector<std::vector<std::int64_t>>> token_targets;  // [task][example][token]
  std::size_t size() const { return encodings.size(); }
};

// Tokenizes every example (pre-split words when it has them) to at most
// max_length tokens and encodes each task's labels; unseen dev/test labels are
// warned about once (LabelSet::kUnknown / ignored positions).
TokenizedSplit encode_examples(const Tokenizer& tokenizer, const std::vector<Example>& examples,
                             const std::vector<const TaskSpec*>& tasks, std::int64_t max_length,
                             const std::string& split);

struct Batch {
  std::size_t dataset = 0;
  std::vector<std::size_t> indices;  // into the split
  at::Tensor input_ids, token_type_ids, attention_mask;  // [B, T], T = longest in the batch
  std::map<std::string, at::Tensor> targets;             // task → [B] or [B, T] (int64, -100 ignored)
};

// With a masked-LM task among `tasks`, the inputs are masked as round
// `mask_round` draws (training passes the epoch; evaluation the fixed
// kEvalMaskRound) and that task's targets are the masked tokens.
Batch make_batch(const TokenizedSplit& split, const std::vector<std::size_t>& indices,
                 const std::vector<const TaskSpec*>& tasks, std::size_t dataset,
                 std::int64_t mask_round = kEvalMaskRound);

// One rank's part of a global batch (data-parallel training): rows rank,
// rank + size, … of `global`. A rank left without rows gets the batch's first
// row, marked `empty` (it still runs forward and backward, so every rank's
// parameters get gradients alike, but its loss counts for nothing).
struct BatchShard {
  std::vector<std::size_t> indices;
  bool empty = false;
};
BatchShard shard_batch(const std::vector<std::size_t>& global, int rank, int size);

// Each task's share of the global batch's loss: `mine` is what this rank's
// targets weigh in each task's mean (Loss::target_weight), `all` the same summed
// over the ranks. share × the shard's loss, summed over the ranks, is the global
// batch's loss, for any loss that is a (weighted) mean; 0 where `all` is 0.
std::vector<double> loss_shares(const std::vector<double>& mine, const std::vector<double>& all);

// Training order: shuffle, cut into chunks of 50 batches, sort each chunk by
// length, batch it, shuffle the batches. Padding stays low while every epoch
// sees a new order.
std::vector<std::vector<std::size_t>> bucketed_batches(const TokenizedSplit& split, std::size_t batch_size,
                                                       std::mt19937_64& rng);
// Evaluation order: sorted by length (least padding), deterministic.
std::vector<std::vector<std::size_t>> sorted_batches(const TokenizedSplit& split, std::size_t batch_size);

}  // namespace mtlab
