// train()'s evaluation: dev metrics during training, model selection on
// training.metric with early stopping, and the final dev and test evaluation of
// the selected model.
#include <fmt/format.h>

#include "mtlab/core/error.h"
#include "mtlab/core/suggest.h"
#include "mtlab/train/evaluation.h"
#include "mtlab/train/multitask_model.h"
#include "trainer_run.h"

namespace mtlab::detail {
namespace {

// Splits an evaluation key ("intent.accuracy", "loss") into task and metric name.
std::pair<std::string, std::string> split_key(const std::string& key) {
  const auto dot = key.find('.');
  if (dot == std::string::npos || key.rfind("sentence_accuracy", 0) == 0) return {"", key};
  return {key.substr(0, dot), key.substr(dot + 1)};
}

void record_eval(Recorder& recorder, const std::string& split, const std::map<std::string, double>& metrics,
                 std::int64_t step, std::optional<double> epoch) {
  for (const auto& [key, value] : metrics) {
    auto [task, name] = split_key(key);
    recorder.metric(task, split, name, step, value, epoch);
  }
  recorder.flush();
}

std::vector<at::Tensor> snapshot(MultiTaskModel& model) {
  std::vector<at::Tensor> values;
  torch::NoGradGuard guard;
  for (auto& p : model.parameters()) values.push_back(p.detach().clone());
  for (auto& b : model.buffers()) values.push_back(b.detach().clone());
  return values;
}

void restore(MultiTaskModel& model, const std::vector<at::Tensor>& values) {
  torch::NoGradGuard guard;
  std::size_t i = 0;
  for (auto& p : model.parameters()) p.copy_(values[i++]);
  for (auto& b : model.buffers()) b.copy_(values[i++]);
}

}  // namespace

std::map<std::string, double> TrainRun::evaluate_on(bool test) {
  std::vector<EvalSplit> splits;
  for (auto& d : datasets_) {
    splits.push_back(test ? EvalSplit{&d.test, &d.test_tokens} : EvalSplit{&d.dev, &d.dev_tokens});
  }
  const auto batch = static_cast<std::size_t>(o_.eval_batch_size > 0 ? o_.eval_batch_size : o_.batch_size);
  return evaluate(model_, in_.tasks, splits, in_.losses, batch, prefix_.get()).metrics;
}

// A dev evaluation during training: recorded, considered for selection, and
// stopping training when early stopping says so.
void TrainRun::evaluate_dev(std::optional<double> epoch) {
  const auto dev = evaluate_on(false);
  record_eval(recorder_, "dev", dev, step_, epoch);
  consider(dev);
  if (o_.early_stopping && evals_without_gain_ >= o_.patience) stop_ = true;
  sync_stop();
}

void TrainRun::consider(const std::map<std::string, double>& dev) {
  auto it = dev.find(metric_key_);
  if (it == dev.end()) {
    std::vector<std::string> keys;
    for (const auto& [k, _] : dev) keys.push_back("dev." + k);
    throw Error(fmt::format("training.metric: '{}' is not measured{}; dev metrics: {}", o_.metric,
                            did_you_mean(o_.metric, keys), join(keys)));
  }
  const double value = it->second;
  last_value_ = value;
  const bool better = !have_best_ || (minimize_ ? value < result_.best_value : value > result_.best_value);
  if (!better) {
    ++evals_without_gain_;
    return;
  }
  result_.best_value = value;
  result_.best_step = step_;
  if (o_.save != SaveModel::last) best_ = snapshot(model_);
  have_best_ = true;
  evals_without_gain_ = 0;
}

Verdict TrainRun::judge(std::int64_t epochs_done, bool epoch_end) {
  if (!in_.judge || !has_dev_) return Verdict::go_on;
  Verdict verdict = Verdict::go_on;
  if (root()) {
    EvalProgress p;
    p.epochs = epochs_done;
    p.steps = step_;
    p.epoch_end = epoch_end;
    p.total_epochs = o_.max_steps > 0 ? 0 : o_.epochs;
    p.total_steps = total_steps_;
    p.value = last_value_;
    p.best = result_.best_value;
    p.minimize = minimize_;
    verdict = in_.judge(p);
  }
  return sync_verdict(verdict);
}

// The selected model — the best on dev, or the last state when asked, or when
// there was no dev split or no training at all — evaluated, recorded and saved.
void TrainRun::finish() {
  progress_.done();
  result_.steps = step_;
  recorder_.fact("freeze.checksum_end", frozen_checksum(model_));
  for (const auto& b : block_freeze(model_)) {
    if (!b.checksum.empty()) recorder_.fact("freeze.block." + b.block + ".checksum_end", b.checksum);
  }
  if (o_.save != SaveModel::last && have_best_ && trains_) restore(model_, best_);
  model_.eval();
  if (has_dev_) {
    result_.dev = evaluate_on(false);
    record_eval(recorder_, "dev", result_.dev, step_, std::nullopt);
  }
  if (has_test_) {
    result_.test = evaluate_on(true);
    record_eval(recorder_, "test", result_.test, step_, std::nullopt);
  }
  recorder_.fact("train.best_step", std::to_string(result_.best_step));
  record_frozen_prefix(prefix_.get(), recorder_);
  if (o_.save != SaveModel::none && in_.save_model && root()) in_.save_model(in_.output_dir / "model");
  remove_checkpoint();
  result_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
}

}  // namespace mtlab::detail
