// train()'s step: one batch forward and backward, then (every grad_accumulation
// batches) one optimizer step with its records, and what follows a step.
#include <fmt/format.h>

#include <cmath>

#include "mtlab/core/error.h"
#include "mtlab/model/precision.h"
#include "mtlab/train/distributed.h"
#include "mtlab/train/gradient_clip.h"
#include "mtlab/train/multitask_model.h"
#include "trainer_run.h"

namespace mtlab::detail {

// The weighted sum of the batch's task losses, backpropagated (scaled for accumulation).
// With several ranks, this rank's shard of the batch, each task's loss scaled by
// the shard's share of the global batch's loss weight (loss_shares), so the
// ranks' sum is the whole batch's loss.
BatchLoss TrainRun::forward_backward(std::size_t d, const std::vector<std::size_t>& indices) {
  const auto& split = datasets_[d].train_tokens;
  BatchShard shard;
  if (group_) shard = shard_batch(indices, group_->rank(), group_->size());
  Batch batch = make_batch(split, group_ ? shard.indices : indices, dataset_tasks_[d], d, epoch_);
  const std::vector<double> share = group_ ? shard_loss_shares(shard, batch, d) : std::vector<double>();
  const auto device = model_.backbone().device();
  std::map<std::string, at::Tensor> logits;
  {
    const CpuAutocast autocast(bf16_);
    logits = model_.heads_forward(encode_batch(model_, prefix_.get(), batch), dataset_task_names_[d]);
  }
  if (bf16_) {
    for (auto& [name, l] : logits) l = l.to(at::kFloat);  // losses and their gradients in fp32
  }
  at::Tensor total;
  BatchLoss out;
  for (std::size_t k = 0; k < dataset_tasks_[d].size(); ++k) {
    const auto* t = dataset_tasks_[d][k];
    auto loss = model_.task_loss(t->name, logits.at(t->name), batch.targets.at(t->name).to(device), in_.losses);
    if (group_) loss = loss * share[k];
    out.tasks[t->name] = loss.item<double>();
    if (t->masking) {
      if (const double a = masked_accuracy(logits.at(t->name), batch.targets.at(t->name).to(device)); a >= 0) {
        out.masked_accuracy[t->name] = a;
      }
    }
    at::Tensor term = t->weight * loss;
    if (log_variance_.defined()) {
      const auto s_t = log_variance_[task_index_.at(t->name)];
      // The regulariser s_t once per step: each rank adds its 1/size of it.
      term = torch::exp(-s_t) * loss + (group_ ? s_t / static_cast<double>(group_->size()) : s_t);
    }
    total = total.defined() ? total + term : term;
  }
  out.total = total.item<double>();
  if (!std::isfinite(out.total)) {
    std::string parts;
    for (const auto& [name, v] : out.tasks) parts += fmt::format(" {}={}", name, v);
    throw Error(fmt::format("non-finite loss at step {} (epoch {:.2f}):{}", step_ + 1, epoch_value_, parts));
  }
  (total / static_cast<double>(o_.grad_accumulation)).backward();
  return out;
}

void TrainRun::optimizer_step(const BatchLoss& local) {
  grads_.fill_absent();
  const BatchLoss loss = group_ ? sync_step(local) : local;
  const double factor = schedule_.factor(step_);
  for (std::size_t g = 0; g < optimizer_->param_groups().size(); ++g) {
    optimizer_->param_groups()[g].options().set_lr(base_lr_[g] * factor);
  }
  if (step_ % o_.log_every == 0) record_groups(factor);
  if (o_.grad_clip > 0) clip_gradients(optimized_, o_.grad_clip, *optimizer_);
  optimizer_->step();
  grads_.release();
  ++step_;
  if (o_.unfreeze.every > 0 && o_.unfreeze.unit == UnfreezeUnit::steps && step_ % o_.unfreeze.every == 0) {
    join_next(step_);
  }
  recorder_.metric("", "train", "loss", step_, loss.total, epoch_value_);
  for (const auto& [name, v] : loss.tasks) recorder_.metric(name, "train", "loss", step_, v, epoch_value_);
  for (const auto& [name, v] : loss.masked_accuracy) {
    recorder_.metric(name, "train", "masked_accuracy", step_, v, epoch_value_);
  }
  progress_.update(step_, total_steps_, loss.total, start_);
}

// Per-group gradient norms and learning rates, and the learned log-variances.
void TrainRun::record_groups(double factor) {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    recorder_.metric("", "train", "grad_norm." + groups_[g].name, step_ + 1, gradient_norm(groups_[g].params),
                     epoch_value_);
    recorder_.metric("", "train", "lr." + groups_[g].name, step_ + 1, base_lr_[g] * factor, epoch_value_);
  }
  if (!log_variance_.defined()) return;
  for (const auto& [name, index] : task_index_) {
    recorder_.metric(name, "train", "log_variance", step_ + 1, log_variance_[index].item<double>(), epoch_value_);
  }
}

// Evaluation every eval_every steps, the max_steps stop and step-wise checkpoints.
void TrainRun::after_step(std::int64_t epoch, std::size_t position, const std::string& epoch_rng) {
  if (o_.eval_every > 0 && step_ % o_.eval_every == 0 && has_dev_) {
    evaluate_dev(epoch_value_);
    const Verdict verdict = judge(epoch, false);
    if (verdict == Verdict::finish) stop_ = true;
    if (verdict == Verdict::pause) {
      save_checkpoint(epoch, position, epoch_rng, false);
      throw Pruned(fmt::format("pruned at step {}", step_));
    }
  }
  if (o_.max_steps > 0 && step_ >= o_.max_steps) stop_ = true;
  if (o_.checkpoint_every > 0 && step_ % o_.checkpoint_every == 0 && !stop_) {
    save_checkpoint(epoch, position, epoch_rng, false);
  }
}

}  // namespace mtlab::detail
