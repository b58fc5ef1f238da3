// shard_batch and loss_shares (mtlab/train/task_data.h): a rank's rows of a
// global batch and each task's share of the global batch's loss.
#include "mtlab/train/task_data.h"

namespace mtlab {

BatchShard shard_batch(const std::vector<std::size_t>& global, int rank, int size) {
  BatchShard shard;
  for (std::size_t i = static_cast<std::size_t>(rank); i < global.size(); i += static_cast<std::size_t>(size)) {
    shard.indices.push_back(global[i]);
  }
  shard.empty = shard.indices.empty();
  if (shard.empty && !global.empty()) shard.indices.push_back(global.front());
  return shard;
}

std::vector<double> loss_shares(const std::vector<double>& mine, const std::vector<double>& all) {
  std::vector<double> share;
  for (std::size_t k = 0; k < mine.size(); ++k) share.push_back(all[k] > 0 ? mine[k] / all[k] : 0.0);
  return share;
}

}  // namespace mtlab
