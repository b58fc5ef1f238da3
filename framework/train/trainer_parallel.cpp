// train()'s data parallelism (docs/distributed.md): the ranks start from rank 0's
// parameters, sum each step's gradients (bucketed all-reduce) and losses, agree
// on Ctrl-C at step boundaries, and take early stopping from rank 0, so every
// rank holds the same parameters after every step.
#include "mtlab/train/distributed.h"
#include "mtlab/train/interrupt.h"
#include "mtlab/train/multitask_model.h"
#include "trainer_run.h"

namespace mtlab::detail {

bool TrainRun::root() const { return !group_ || group_->root(); }

void TrainRun::sync_start() {
  if (!group_) return;
  recorder_.fact("data_parallel.ranks", std::to_string(group_->size()));
  std::vector<at::Tensor> state;
  for (auto& p : model_.parameters()) state.push_back(p);
  for (auto& b : model_.buffers()) state.push_back(b);
  group_->broadcast(state);
}

// What this rank's targets weigh in each task's loss (Loss::target_weight; 0 for
// a rank without rows), summed over the ranks: each task's share of the loss.
std::vector<double> TrainRun::shard_loss_shares(const BatchShard& shard, const Batch& batch, std::size_t d) {
  std::vector<double> mine;
  for (const auto* t : dataset_tasks_[d]) {
    mine.push_back(shard.empty ? 0.0 : model_.task_target_weight(t->name, batch.targets.at(t->name), in_.losses));
  }
  auto all = torch::tensor(mine, torch::kDouble);
  group_->allreduce_sum({all});
  return loss_shares(mine, std::vector<double>(all.data_ptr<double>(), all.data_ptr<double>() + all.numel()));
}

// The step's gradients summed over the ranks; the losses too (each rank's is its
// share of the global batch's), with each rank's Ctrl-C as one more value.
BatchLoss TrainRun::sync_step(const BatchLoss& local) {
  std::vector<at::Tensor> grads;
  for (const auto& p : optimized_) {
    // Every rank ran the same heads on the same dataset, so the same gradients are defined.
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  group_->allreduce_sum(grads);
  std::vector<double> values{local.total, interrupt_requested() ? 1.0 : 0.0};
  for (const auto& [name, v] : local.tasks) values.push_back(v);
  auto summed = torch::tensor(values, torch::kDouble);
  group_->allreduce_sum({summed});
  const auto* sum = summed.data_ptr<double>();
  BatchLoss out;
  out.total = sum[0];
  interrupt_agreed_ = sum[1] > 0;
  std::size_t i = 2;
  for (const auto& [name, v] : local.tasks) out.tasks[name] = sum[i++];
  return out;
}

// Rank 0's early-stopping decision for everyone (their evaluations agree, but a
// stop must never differ: the others would wait for a step that never comes).
void TrainRun::sync_stop() {
  if (!group_) return;
  auto flag = torch::tensor({stop_ ? 1.0 : 0.0}, torch::kDouble);
  group_->broadcast({flag});
  stop_ = flag.item<double>() > 0;
}

Verdict TrainRun::sync_verdict(Verdict verdict) {
  if (!group_) return verdict;
  auto value = torch::tensor({static_cast<double>(verdict)}, torch::kDouble);
  group_->broadcast({value});
  return static_cast<Verdict>(static_cast<int>(value.item<double>()));
}

bool TrainRun::interrupted() { return group_ ? interrupt_agreed_ : interrupt_requested(); }

}  // namespace mtlab::detail
