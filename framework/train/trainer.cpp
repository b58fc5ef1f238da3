#include "mtlab/train/trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/core/suggest.h"
#include "mtlab/train/evaluation.h"
#include "mtlab/train/frozen_prefix_cache.h"
#include "mtlab/train/interrupt.h"
#include "mtlab/train/multitask_model.h"
#include "mtlab/train/resume_checkpoint.h"

namespace mtlab {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

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

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) && log::level() >= log::Level::info) {}
  void update(std::int64_t step, std::int64_t total, double loss, Clock::time_point start) {
    if (!enabled_) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const double eta = step > 0 && total > 0 ? elapsed / step * (total - step) : 0;
    std::fprintf(stderr, "\r  step %lld/%lld  loss %.4f  %.0fs elapsed  ETA %.0fs   ", static_cast<long long>(step),
                 static_cast<long long>(total), loss, elapsed, eta);
    std::fflush(stderr);
  }
  void done() {
    if (enabled_) std::fputs("\r\033[K", stderr);
  }

 private:
  bool enabled_;
};

struct Snapshot {
  std::vector<at::Tensor> values;
};

Snapshot snapshot(MultiTaskModel& model) {
  Snapshot s;
  torch::NoGradGuard guard;
  for (auto& p : model.parameters()) s.values.push_back(p.detach().clone());
  for (auto& b : model.buffers()) s.values.push_back(b.detach().clone());
  return s;
}

void restore(MultiTaskModel& model, const Snapshot& s) {
  torch::NoGradGuard guard;
  std::size_t i = 0;
  for (auto& p : model.parameters()) p.copy_(s.values[i++]);
  for (auto& b : model.buffers()) b.copy_(s.values[i++]);
}

std::string rng_state(const std::mt19937_64& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

}  // namespace

fs::path resume_checkpoint_file(const fs::path& output_dir) { return output_dir / "resume" / "state.pt"; }

std::vector<std::size_t> interleave_datasets(const std::vector<std::size_t>& batches, const SamplingOptions& o,
                                             std::mt19937_64& rng) {
  const std::size_t total = std::accumulate(batches.begin(), batches.end(), std::size_t{0});
  const std::size_t steps = o.steps_per_epoch > 0 ? static_cast<std::size_t>(o.steps_per_epoch) : total;
  std::vector<std::size_t> order;
  order.reserve(steps);
  if (batches.size() == 1) {
    order.assign(steps, 0);
    return order;
  }
  if (o.rule == SamplingRule::round_robin) {
    for (std::size_t i = 0; i < steps; ++i) order.push_back(i % batches.size());
    return order;
  }
  std::vector<double> weights;
  for (auto n : batches) {
    const double size = static_cast<double>(n);
    weights.push_back(o.rule == SamplingRule::temperature ? std::pow(size, 1.0 / o.temperature) : size);
  }
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  for (std::size_t i = 0; i < steps; ++i) order.push_back(pick(rng));
  return order;
}

TrainResult train(TrainInputs& in, const TrainerOptions& o, Recorder& recorder) {
  if (!in.model || !in.optimizer || !in.datasets) throw Error("train: model, optimizer and datasets are required");
  MultiTaskModel& model = *in.model;
  auto& datasets = *in.datasets;
  const auto start = Clock::now();
  TrainResult result;

  // Freeze first: the optimizer only ever sees trainable parameters.
  const FreezeReport freeze = apply_freeze(model, in.freeze);
  recorder.fact("freeze.policy", in.freeze.text());
  recorder.fact("freeze.trainable_parameters", std::to_string(freeze.trainable_parameters));
  recorder.fact("freeze.frozen_parameters", std::to_string(freeze.frozen_parameters));
  recorder.fact("freeze.frozen_blocks", join(freeze.frozen_blocks));
  recorder.fact("freeze.checksum_start", freeze.frozen_checksum);
  // A frozen prefix runs once per input, not at every step (issue 8, item 4).
  const std::unique_ptr<FrozenPrefix> prefix = make_frozen_prefix(in.frozen_cache, model, in.freeze, recorder);
  if (prefix) {
    std::vector<const TokenizedSplit*> splits;
    for (const auto& d : datasets) splits.insert(splits.end(), {&d.train_tokens, &d.dev_tokens, &d.test_tokens});
    prefix->fill(splits);
  }

  std::vector<GroupSummary> summary;
  std::vector<ParamGroup> groups = build_param_groups(model, in.groups, &summary);
  for (const auto& g : summary) {
    recorder.fact("group." + g.name, fmt::format("params={} tensors={} lr={} weight_decay={}", g.parameters, g.tensors,
                                                 g.lr, g.weight_decay));
  }
  // Uncertainty weighting: one learned log-variance per task, in its own group.
  at::Tensor log_variance;
  std::map<std::string, std::int64_t> task_index;
  for (std::size_t t = 0; t < in.tasks.size(); ++t) task_index[in.tasks[t].name] = static_cast<std::int64_t>(t);
  if (o.weighting.method == WeightingMethod::uncertainty) {
    log_variance = torch::full({static_cast<std::int64_t>(in.tasks.size())}, o.weighting.init_log_variance,
                               torch::TensorOptions().dtype(torch::kFloat).device(model.backbone().device()))
                       .set_requires_grad(true);
    groups.push_back(ParamGroup{"weighting", {log_variance}, in.groups.lr, 0.0});
  }

  // Gradual unfreezing: groups are built over every block above, so the
  // schedule covers the ones that join later; here they start frozen.
  std::vector<std::vector<std::string>> waiting;
  if (o.unfreeze.every > 0) {
    if (in.freeze.kind != FreezePolicy::Kind::none) {
      throw Error("unfreeze.every needs training.freeze = \"none\" (gradual unfreezing decides what is frozen)");
    }
    waiting = unfreeze_groups(model.backbone().block_names(), o.unfreeze.group_size);
    for (const auto& g : waiting) set_blocks_frozen(model, g, true);
    recorder.fact("unfreeze.groups", std::to_string(waiting.size()));
  }
  std::size_t joined = 0;
  auto join_next = [&](std::int64_t at_step) {
    if (joined >= waiting.size()) return;
    set_blocks_frozen(model, waiting[joined], false);
    for (const auto& block : waiting[joined]) {
      recorder.fact("unfreeze.joined." + block, std::to_string(at_step));
      recorder.metric("", "train", "unfreeze.joined." + block, at_step, 1.0, std::nullopt);
    }
    log::debug("step {}: {} join training", at_step, join(waiting[joined]));
    ++joined;
  };

  std::vector<double> base_lr;
  std::vector<at::Tensor> optimized;  // every parameter the optimizer holds, for gradient clipping
  for (const auto& g : groups) {
    base_lr.push_back(g.lr);
    optimized.insert(optimized.end(), g.params.begin(), g.params.end());
  }
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (!groups.empty()) optimizer = in.optimizer->make(groups);

  // Tasks per dataset, in task order.
  std::vector<std::vector<const TaskSpec*>> dataset_tasks(datasets.size());
  std::vector<std::vector<std::string>> dataset_task_names(datasets.size());
  for (const auto& t : in.tasks) {
    dataset_tasks.at(t.dataset).push_back(&t);
    dataset_task_names.at(t.dataset).push_back(t.name);
  }
  auto eval_on = [&](bool test) {
    std::vector<EvalSplit> splits;
    for (auto& d : datasets) {
      splits.push_back(test ? EvalSplit{&d.test, &d.test_tokens} : EvalSplit{&d.dev, &d.dev_tokens});
    }
    const auto batch = static_cast<std::size_t>(o.eval_batch_size > 0 ? o.eval_batch_size : o.batch_size);
    return evaluate(model, in.tasks, splits, in.losses, batch, prefix.get()).metrics;
  };
  bool has_dev = false, has_test = false;
  for (auto& d : datasets) {
    has_dev = has_dev || d.dev_tokens.size() > 0;
    has_test = has_test || d.test_tokens.size() > 0;
  }

  // Model selection on training.metric ("dev.loss", "dev.intent.accuracy").
  if (o.metric.rfind("dev.", 0) != 0) throw Error("training.metric: '" + o.metric + "' must start with 'dev.'");
  const std::string metric_key = o.metric.substr(4);
  const bool minimize = o.metric_mode == MetricMode::min ||
                        (o.metric_mode == MetricMode::automatic && metric_key.ends_with("loss"));
  Snapshot best;
  bool have_best = false;
  std::int64_t evals_without_gain = 0;
  auto consider = [&](const std::map<std::string, double>& dev, std::int64_t step) {
    auto it = dev.find(metric_key);
    if (it == dev.end()) {
      std::vector<std::string> keys;
      for (const auto& [k, _] : dev) keys.push_back("dev." + k);
      throw Error(fmt::format("training.metric: '{}' is not measured{}; dev metrics: {}", o.metric,
                              did_you_mean(o.metric, keys), join(keys)));
    }
    const double value = it->second;
    const bool better = !have_best || (minimize ? value < result.best_value : value > result.best_value);
    if (better) {
      result.best_value = value;
      result.best_step = step;
      if (o.save != SaveModel::last) best = snapshot(model);
      have_best = true;
      evals_without_gain = 0;
    } else {
      ++evals_without_gain;
    }
  };

  // Steps: one optimizer step per grad_accumulation batches.
  std::mt19937_64 rng(o.seed);
  std::vector<std::size_t> batches_per_dataset, batch_size(datasets.size(), static_cast<std::size_t>(o.batch_size));
  for (const auto& t : in.tasks) {
    if (t.batch_size > 0) batch_size.at(t.dataset) = static_cast<std::size_t>(t.batch_size);
  }
  for (std::size_t d = 0; d < datasets.size(); ++d) {
    const std::size_t n = datasets[d].train_tokens.size();
    batches_per_dataset.push_back((n + batch_size[d] - 1) / batch_size[d]);
  }
  const std::size_t batches_per_epoch =
      o.sampling.steps_per_epoch > 0 ? static_cast<std::size_t>(o.sampling.steps_per_epoch)
                            : std::accumulate(batches_per_dataset.begin(), batches_per_dataset.end(), std::size_t{0});
  const std::int64_t steps_per_epoch =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(batches_per_epoch) / o.grad_accumulation);
  const std::int64_t total_steps = o.max_steps > 0 ? o.max_steps : steps_per_epoch * o.epochs;
  Schedule schedule{o.schedule.kind, warmup_steps(o.schedule.warmup, total_steps), total_steps};
  recorder.fact("train.total_steps", std::to_string(total_steps));
  recorder.fact("train.warmup_steps", std::to_string(schedule.warmup_steps));

  const bool trains = optimizer != nullptr && freeze.trainable_parameters > 0 && total_steps > 0;
  Progress progress(o.progress);
  std::int64_t step = 0;
  std::int64_t batches_done = 0;
  double epoch_value = 0;
  bool stop = false;

  // Resume checkpoints: written after the records they cover are flushed, so a
  // resumed run drops only records made after its checkpoint (Recorder::rewind).
  const fs::path checkpoint_file = in.output_dir.empty() ? fs::path() : resume_checkpoint_file(in.output_dir);
  const ResumeTensors resume_tensors{&model, optimizer.get(), &log_variance, &best.values};
  auto save_checkpoint = [&](std::int64_t epoch, std::size_t position, const std::string& data_rng, bool finished) {
    if (checkpoint_file.empty() || batches_done % o.grad_accumulation != 0) return;
    recorder.flush();
    ResumeState state{epoch,    static_cast<std::int64_t>(position), step, batches_done, static_cast<std::int64_t>(joined),
                      finished, have_best, result.best_value, result.best_step, evals_without_gain, data_rng};
    save_resume_checkpoint(checkpoint_file, state, resume_tensors);
    log::debug("resume checkpoint at step {} (epoch {}, batch {})", step, epoch, position);
  };
  std::int64_t start_epoch = 0;
  std::size_t start_position = 0;
  bool finished = false;
  if (in.resume && trains && fs::exists(checkpoint_file)) {
    const ResumeState state = load_resume_checkpoint(checkpoint_file, resume_tensors);
    step = state.step;
    batches_done = state.batches_done;
    while (static_cast<std::int64_t>(joined) < state.joined && joined < waiting.size()) {
      set_blocks_frozen(model, waiting[joined++], false);  // their join is on record already
    }
    have_best = state.have_best;
    result.best_value = state.best_value;
    result.best_step = state.best_step;
    evals_without_gain = state.evals_without_gain;
    start_epoch = state.epoch;
    start_position = static_cast<std::size_t>(state.position);
    finished = state.finished;
    std::istringstream(state.data_rng) >> rng;
    recorder.rewind(step);
    recorder.fact("train.resumed_from_step", std::to_string(step));
    log::info("  resuming from step {} of {} (epoch {}, batch {})", step, total_steps, start_epoch + 1, start_position);
  }
  model.train(true);

  for (std::int64_t epoch = start_epoch; trains && !finished && !stop && (o.max_steps > 0 || epoch < o.epochs);
       ++epoch) {
    const std::string epoch_rng = rng_state(rng);
    std::vector<std::vector<std::vector<std::size_t>>> plans;
    std::vector<std::size_t> cursor(datasets.size(), 0);
    for (std::size_t d = 0; d < datasets.size(); ++d) {
      plans.push_back(bucketed_batches(datasets[d].train_tokens, batch_size[d], rng));
    }
    const auto order = interleave_datasets(batches_per_dataset, o.sampling, rng);
    // The next batch of dataset d (null when it has none); a smaller dataset
    // starts over within a mixed epoch.
    auto next_batch = [&](std::size_t d) -> const std::vector<std::size_t>* {
      if (plans[d].empty()) return nullptr;
      if (cursor[d] >= plans[d].size()) {
        plans[d] = bucketed_batches(datasets[d].train_tokens, batch_size[d], rng);
        cursor[d] = 0;
      }
      return &plans[d][cursor[d]++];
    };
    // A resumed epoch replays its data order up to the checkpoint without computing.
    const std::size_t first = epoch == start_epoch ? std::min(start_position, order.size()) : 0;
    for (std::size_t i = 0; i < first; ++i) next_batch(order[i]);
    for (std::size_t i = first; i < order.size() && !stop; ++i) {
      if (interrupt_requested()) {
        save_checkpoint(epoch, i, epoch_rng, false);
        throw Interrupted(fmt::format("interrupted at step {}", step));
      }
      const std::size_t d = order[i];
      const auto* indices = next_batch(d);
      if (!indices) continue;
      Batch batch = make_batch(datasets[d].train_tokens, *indices, dataset_tasks[d], d);
      const auto device = model.backbone().device();
      auto encoded = encode_batch(model, prefix.get(), batch);
      auto logits = model.heads_forward(encoded, dataset_task_names[d]);
      at::Tensor total;
      std::map<std::string, double> task_losses;
      for (const auto* t : dataset_tasks[d]) {
        auto loss = in.losses.at(t->name)->compute(logits.at(t->name), batch.targets.at(t->name).to(device));
        task_losses[t->name] = loss.item<double>();
        at::Tensor term = t->weight * loss;
        if (log_variance.defined()) {
          const auto s_t = log_variance[task_index.at(t->name)];
          term = torch::exp(-s_t) * loss + s_t;
        }
        total = total.defined() ? total + term : term;
      }
      const double total_value = total.item<double>();
      epoch_value = static_cast<double>(epoch) + static_cast<double>(i + 1) / static_cast<double>(order.size());
      if (!std::isfinite(total_value)) {
        std::string parts;
        for (const auto& [name, v] : task_losses) parts += fmt::format(" {}={}", name, v);
        throw Error(fmt::format("non-finite loss at step {} (epoch {:.2f}):{}", step + 1, epoch_value, parts));
      }
      (total / static_cast<double>(o.grad_accumulation)).backward();
      ++batches_done;
      if (batches_done % o.grad_accumulation != 0) continue;

      // One optimizer step.
      const double factor = schedule.factor(step);
      for (std::size_t g = 0; g < optimizer->param_groups().size(); ++g) {
        optimizer->param_groups()[g].options().set_lr(base_lr[g] * factor);
      }
      const bool log_groups = (step % o.log_every) == 0;
      if (log_groups) {
        for (std::size_t g = 0; g < groups.size(); ++g) {
          double sq = 0;
          for (const auto& p : groups[g].params) {
            if (p.grad().defined()) sq += p.grad().pow(2).sum().item<double>();
          }
          recorder.metric("", "train", "grad_norm." + groups[g].name, step + 1, std::sqrt(sq), epoch_value);
          recorder.metric("", "train", "lr." + groups[g].name, step + 1, base_lr[g] * factor, epoch_value);
        }
      }
      if (log_groups && log_variance.defined()) {
        for (const auto& [name, index] : task_index) {
          recorder.metric(name, "train", "log_variance", step + 1, log_variance[index].item<double>(), epoch_value);
        }
      }
      if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(optimized, o.grad_clip);
      optimizer->step();
      optimizer->zero_grad();
      ++step;
      if (o.unfreeze.every > 0 && o.unfreeze.unit == UnfreezeUnit::steps && step % o.unfreeze.every == 0) join_next(step);
      recorder.metric("", "train", "loss", step, total_value, epoch_value);
      for (const auto& [name, v] : task_losses) recorder.metric(name, "train", "loss", step, v, epoch_value);
      progress.update(step, total_steps, total_value, start);

      if (o.eval_every > 0 && step % o.eval_every == 0 && has_dev) {
        auto dev = eval_on(false);
        record_eval(recorder, "dev", dev, step, epoch_value);
        consider(dev, step);
        if (o.early_stopping && evals_without_gain >= o.patience) stop = true;
      }
      if (o.max_steps > 0 && step >= o.max_steps) stop = true;
      if (o.checkpoint_every > 0 && step % o.checkpoint_every == 0 && !stop) save_checkpoint(epoch, i + 1, epoch_rng, false);
    }
    if (has_dev && !(o.eval_every > 0 && step % o.eval_every == 0)) {
      auto dev = eval_on(false);
      record_eval(recorder, "dev", dev, step, static_cast<double>(epoch + 1));
      consider(dev, step);
      if (o.early_stopping && evals_without_gain >= o.patience) stop = true;
    }
    if (o.unfreeze.every > 0 && o.unfreeze.unit == UnfreezeUnit::epochs && (epoch + 1) % o.unfreeze.every == 0) {
      join_next(step);
    }
    log::debug("epoch {} done at step {}", epoch + 1, step);
    save_checkpoint(epoch + 1, 0, rng_state(rng), stop || (o.max_steps == 0 && epoch + 1 >= o.epochs));
  }
  progress.done();
  result.steps = step;
  recorder.fact("freeze.checksum_end", frozen_checksum(model));

  // The selected model: the best on dev (or the last state when asked, or when
  // there was no dev split or no training at all).
  if (o.save != SaveModel::last && have_best && trains) restore(model, best);
  model.eval();
  if (has_dev) {
    result.dev = eval_on(false);
    record_eval(recorder, "dev", result.dev, step, std::nullopt);
  }
  if (has_test) {
    result.test = eval_on(true);
    record_eval(recorder, "test", result.test, step, std::nullopt);
  }
  recorder.fact("train.best_step", std::to_string(result.best_step));
  record_frozen_prefix(prefix.get(), recorder);
  if (o.save != SaveModel::none && in.save_model) {
    const auto folder = in.output_dir / "model";
    in.save_model(folder);
  }
  if (!checkpoint_file.empty()) {  // the run is complete: its resume state is no longer needed
    std::error_code ec;
    fs::remove(checkpoint_file, ec);
    fs::remove(checkpoint_file.parent_path(), ec);
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

}  // namespace mtlab
