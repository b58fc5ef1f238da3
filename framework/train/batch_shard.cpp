// shard_batch (mtlab/train/task_data.h): a rank's rows of a global batch and
// each task's share of its labelled targets.
#include "mtlab/train/task_data.h"

namespace mtlab {
namespace {

// Labelled targets of task k (level as given) in the given rows.
std::size_t labelled(const TokenizedSplit& split, std::size_t k, HeadLevel level, const std::vector<std::size_t>& rows) {
  std::size_t n = 0;
  for (auto i : rows) {
    if (level == HeadLevel::sequence) {
      n += split.sentence_targets[k][i] >= 0 ? 1 : 0;
    } else {
      for (auto label : split.token_targets[k][i]) n += label >= 0 ? 1 : 0;
    }
  }
  return n;
}

}  // namespace

BatchShard shard_batch(const TokenizedSplit& split, const std::vector<std::size_t>& global,
                       const std::vector<const TaskSpec*>& tasks, int rank, int size) {
  BatchShard shard;
  for (std::size_t i = static_cast<std::size_t>(rank); i < global.size(); i += static_cast<std::size_t>(size)) {
    shard.indices.push_back(global[i]);
  }
  const bool empty = shard.indices.empty();
  if (empty && !global.empty()) shard.indices.push_back(global.front());
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    const std::size_t all = labelled(split, k, tasks[k]->level, global);
    const std::size_t mine = empty ? 0 : labelled(split, k, tasks[k]->level, shard.indices);
    shard.share.push_back(all == 0 ? 0.0 : static_cast<double>(mine) / static_cast<double>(all));
  }
  return shard;
}

}  // namespace mtlab
