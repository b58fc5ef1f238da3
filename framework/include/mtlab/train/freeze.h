#pragma once
// Freeze policies (the seed's Task 3): which parameters of a multi-task model
// stay fixed. Frozen parameters get requires_grad = false, stay out of the
// optimizer and their modules run in eval mode (no dropout).
#include <cstdint>
#include <string>
#include <vector>

#include "mtlab/model/block_layout.h"
#include "mtlab/options/freeze_spec.h"

namespace mtlab {

class MultiTaskModel;

// The typed policy (mtlab/options/freeze_spec.h) and what it means for a model.
struct FreezePolicy : FreezeSpec {
  FreezePolicy() = default;
  FreezePolicy(FreezeSpec spec) : FreezeSpec(std::move(spec)) {}  // NOLINT: a spec is a policy

  // parse_freeze against the model's tasks and encoder depth; errors start with `where`.
  static FreezePolicy parse(const std::string& text, const std::vector<std::string>& tasks, std::int64_t num_layers,
                            const std::string& where = "training.freeze");

  // The backbone blocks this policy freezes ("embeddings" stands for the input
  // block, layers:K for the input block and the bottom K layer blocks).
  std::vector<std::string> frozen_blocks(const BlockLayout& blocks) const;
  bool freezes_head(const std::string& task) const;
  // The encoder layers below which everything is frozen and deterministic, so
  // their output can be computed once per example: -1 when the embeddings train,
  // K for layers:K and embeddings (0), L for backbone and all.
  std::int64_t frozen_prefix_layers(std::int64_t num_layers) const;
};

struct FreezeReport {
  std::int64_t trainable_parameters = 0;  // scalar counts
  std::int64_t frozen_parameters = 0;
  std::vector<std::string> frozen_blocks;  // backbone blocks and "head.NAME"
  std::string frozen_checksum;             // sha256 over the frozen tensors' bytes, in name order
};

// Applies the policy and reports what it did. Any policy other than `all` that
// leaves nothing trainable is an error before training starts.
FreezeReport apply_freeze(MultiTaskModel& model, const FreezePolicy& policy);

// Freezes (or unfreezes) named blocks of the model: requires_grad and eval
// mode together. Used by apply_freeze and by gradual unfreezing.
void set_blocks_frozen(MultiTaskModel& model, const std::vector<std::string>& blocks, bool frozen);

// The gradual-unfreezing groups (ULMFiT), in joining order: the top blocks (the
// pooler) with the top `group_size` layers first, then the next layers down, and
// the input block (embeddings) last. Heads are never in a group: they train from the start.
std::vector<std::vector<std::string>> unfreeze_groups(const BlockLayout& blocks, std::int64_t group_size);

// sha256 over the bytes of every frozen parameter (requires_grad == false), in
// name order: equal before and after training when the freeze held.
std::string frozen_checksum(MultiTaskModel& model);

// One parameter block (MultiTaskModel::block_names) as the freeze left it: its trainable
// and frozen parameter counts, and the SHA-256 of its frozen tensors ("" when none), so
// that a record can say which block a broken freeze changed.
struct BlockFreeze {
  std::string block;
  std::int64_t trainable = 0, frozen = 0;
  std::string checksum;
};
std::vector<BlockFreeze> block_freeze(MultiTaskModel& model);

}  // namespace mtlab
