// train()'s setup: freezing, parameter groups, gradual unfreezing, the optimizer,
// model selection and the step plan — in the order train() has always done them.
#include <fmt/format.h>

#include <numeric>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/core/suggest.h"
#include "mtlab/model/precision.h"
#include "mtlab/train/distributed.h"
#include "mtlab/train/multitask_model.h"
#include "trainer_run.h"

namespace mtlab::detail {

TrainRun::TrainRun(TrainInputs& in, const TrainerOptions& options, Recorder& recorder)
    : in_(in),
      o_(options),
      recorder_(recorder),
      group_(in.group && in.group->size() > 1 ? in.group : nullptr),
      model_(*in.model),
      datasets_(*in.datasets),
      rng_(options.seed),
      progress_(options.progress && root()) {}

// Freeze first: the optimizer only ever sees trainable parameters.
void TrainRun::freeze() {
  // Decided first: the frozen prefix below is computed in fp32 either way (outside autocast).
  if (o_.precision == TrainingPrecision::bf16) {
    if (model_.backbone().device().is_cpu()) {
      bf16_ = usable_precision(Precision::bf16, "training.precision = \"bf16\"") == Precision::bf16;
    } else {
      log::warn("training.precision = \"bf16\" is CPU autocast; on {} training computes in fp32",
                model_.backbone().device().str());
    }
  }
  recorder_.fact("training.precision", bf16_ ? "bf16" : "fp32");
  freeze_ = apply_freeze(model_, in_.freeze);
  recorder_.fact("freeze.policy", in_.freeze.text());
  recorder_.fact("freeze.trainable_parameters", std::to_string(freeze_.trainable_parameters));
  recorder_.fact("freeze.frozen_parameters", std::to_string(freeze_.frozen_parameters));
  recorder_.fact("freeze.frozen_blocks", join(freeze_.frozen_blocks));
  recorder_.fact("freeze.checksum_start", freeze_.frozen_checksum);
  for (const auto& b : block_freeze(model_)) {
    const std::string key = "freeze.block." + b.block;
    recorder_.fact(key + ".trainable", std::to_string(b.trainable));
    recorder_.fact(key + ".frozen", std::to_string(b.frozen));
    if (!b.checksum.empty()) recorder_.fact(key + ".checksum_start", b.checksum);
  }
  // A frozen prefix runs once per input, not at every step (issue 8, item 4).
  prefix_ = make_frozen_prefix(in_.frozen_cache, model_, in_.freeze, recorder_);
  if (prefix_) {
    std::vector<const TokenizedSplit*> splits;
    for (const auto& d : datasets_) splits.insert(splits.end(), {&d.train_tokens, &d.dev_tokens, &d.test_tokens});
    prefix_->fill(splits);
  }
}

void TrainRun::build_groups() {
  std::vector<GroupSummary> summary;
  groups_ = build_param_groups(model_, in_.groups, &summary);
  for (const auto& g : summary) {
    recorder_.fact("group." + g.name, fmt::format("params={} tensors={} lr={} weight_decay={}", g.parameters,
                                                  g.tensors, g.lr, g.weight_decay));
  }
  // Uncertainty weighting: one learned log-variance per task, in its own group.
  for (std::size_t t = 0; t < in_.tasks.size(); ++t) task_index_[in_.tasks[t].name] = static_cast<std::int64_t>(t);
  if (o_.weighting.method == WeightingMethod::uncertainty) {
    log_variance_ = torch::full({static_cast<std::int64_t>(in_.tasks.size())}, o_.weighting.init_log_variance,
                                torch::TensorOptions().dtype(torch::kFloat).device(model_.backbone().device()))
                        .set_requires_grad(true);
    groups_.push_back(ParamGroup{"weighting", {log_variance_}, in_.groups.lr, 0.0});
  }
}

// Gradual unfreezing: groups are built over every block above, so the
// schedule covers the ones that join later; here they start frozen.
void TrainRun::plan_unfreezing() {
  if (o_.unfreeze.every <= 0) return;
  if (in_.freeze.kind != FreezePolicy::Kind::none) {
    throw Error("unfreeze.every needs training.freeze = \"none\" (gradual unfreezing decides what is frozen)");
  }
  waiting_ = unfreeze_groups(model_.backbone().block_layout(), o_.unfreeze.group_size);
  for (const auto& g : waiting_) set_blocks_frozen(model_, g, true);
  recorder_.fact("unfreeze.groups", std::to_string(waiting_.size()));
}

void TrainRun::join_next(std::int64_t at_step) {
  if (joined_ >= waiting_.size()) return;
  set_blocks_frozen(model_, waiting_[joined_], false);
  for (const auto& block : waiting_[joined_]) {
    recorder_.fact("unfreeze.joined." + block, std::to_string(at_step));
    recorder_.metric("", "train", "unfreeze.joined." + block, at_step, 1.0, std::nullopt);
  }
  log::debug("step {}: {} join training", at_step, join(waiting_[joined_]));
  ++joined_;
}

void TrainRun::make_optimizer() {
  for (const auto& g : groups_) {
    base_lr_.push_back(g.lr);
    optimized_.insert(optimized_.end(), g.params.begin(), g.params.end());
  }
  if (!groups_.empty()) optimizer_ = in_.optimizer->make(groups_);
  grads_ = GradientSlots(optimized_);
}

void TrainRun::plan_tasks() {
  dataset_tasks_.resize(datasets_.size());
  dataset_task_names_.resize(datasets_.size());
  for (const auto& t : in_.tasks) {
    dataset_tasks_.at(t.dataset).push_back(&t);
    dataset_task_names_.at(t.dataset).push_back(t.name);
  }
  for (auto& d : datasets_) {
    has_dev_ = has_dev_ || d.dev_tokens.size() > 0;
    has_test_ = has_test_ || d.test_tokens.size() > 0;
  }
}

// Model selection on training.metric ("dev.loss", "dev.intent.accuracy").
void TrainRun::plan_selection() {
  if (o_.metric.rfind("dev.", 0) != 0) throw Error("training.metric: '" + o_.metric + "' must start with 'dev.'");
  metric_key_ = o_.metric.substr(4);
  minimize_ = o_.minimizes();
}

// Steps: one optimizer step per grad_accumulation batches.
void TrainRun::plan_steps() {
  batch_size_.assign(datasets_.size(), static_cast<std::size_t>(o_.batch_size));
  for (const auto& t : in_.tasks) {
    if (t.batch_size > 0) batch_size_.at(t.dataset) = static_cast<std::size_t>(t.batch_size);
  }
  for (std::size_t d = 0; d < datasets_.size(); ++d) {
    const std::size_t n = datasets_[d].train_tokens.size();
    batches_per_dataset_.push_back((n + batch_size_[d] - 1) / batch_size_[d]);
  }
  const std::size_t batches_per_epoch =
      o_.sampling.steps_per_epoch > 0
          ? static_cast<std::size_t>(o_.sampling.steps_per_epoch)
          : std::accumulate(batches_per_dataset_.begin(), batches_per_dataset_.end(), std::size_t{0});
  const std::int64_t steps_per_epoch =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(batches_per_epoch) / o_.grad_accumulation);
  total_steps_ = o_.max_steps > 0 ? o_.max_steps : steps_per_epoch * o_.epochs;
  schedule_ = Schedule{o_.schedule.kind, warmup_steps(o_.schedule.warmup, total_steps_), total_steps_};
  recorder_.fact("train.total_steps", std::to_string(total_steps_));
  recorder_.fact("train.warmup_steps", std::to_string(schedule_.warmup_steps));
  trains_ = optimizer_ != nullptr && freeze_.trainable_parameters > 0 && total_steps_ > 0;
}

}  // namespace mtlab::detail
