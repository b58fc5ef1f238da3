#include "mtlab/train/trainer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/model/heap_retention.h"
#include "mtlab/train/interrupt.h"
#include "mtlab/train/multitask_model.h"
#include "trainer_run.h"

namespace mtlab {
namespace detail {
namespace {

// The batches of one epoch, per dataset, in the order the data generator gives them.
class EpochBatches {
 public:
  EpochBatches(std::vector<TaskDataset>& datasets, const std::vector<std::size_t>& batch_size, std::mt19937_64& rng)
      : datasets_(datasets), batch_size_(batch_size), rng_(rng), cursor_(datasets.size(), 0) {
    for (std::size_t d = 0; d < datasets.size(); ++d) {
      plans_.push_back(bucketed_batches(datasets[d].train_tokens, batch_size[d], rng));
    }
  }

  // The next batch of dataset d (null when it has none); a smaller dataset
  // starts over within a mixed epoch.
  const std::vector<std::size_t>* next(std::size_t d) {
    if (plans_[d].empty()) return nullptr;
    if (cursor_[d] >= plans_[d].size()) {
      plans_[d] = bucketed_batches(datasets_[d].train_tokens, batch_size_[d], rng_);
      cursor_[d] = 0;
    }
    return &plans_[d][cursor_[d]++];
  }

 private:
  std::vector<TaskDataset>& datasets_;
  const std::vector<std::size_t>& batch_size_;
  std::mt19937_64& rng_;
  std::vector<std::vector<std::vector<std::size_t>>> plans_;
  std::vector<std::size_t> cursor_;
};

}  // namespace

std::string rng_state(const std::mt19937_64& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

Progress::Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) && log::level() >= log::Level::info) {}

void Progress::update(std::int64_t step, std::int64_t total, double loss, Clock::time_point start) {
  if (!enabled_) return;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double eta = step > 0 && total > 0 ? elapsed / step * (total - step) : 0;
  std::fprintf(stderr, "\r  step %lld/%lld  loss %.4f  %.0fs elapsed  ETA %.0fs   ", static_cast<long long>(step),
               static_cast<long long>(total), loss, elapsed, eta);
  std::fflush(stderr);
}

void Progress::done() {
  if (enabled_) std::fputs("\r\033[K", stderr);
}

TrainResult TrainRun::run() {
  sync_start();
  freeze();
  build_groups();
  plan_unfreezing();
  make_optimizer();
  plan_tasks();
  plan_selection();
  plan_steps();
  resume();
  model_.train(true);
  for (std::int64_t epoch = start_epoch_; trains_ && !finished_ && !stop_ && (o_.max_steps > 0 || epoch < o_.epochs);
       ++epoch) {
    run_epoch(epoch);
  }
  finish();
  return result_;
}

void TrainRun::run_epoch(std::int64_t epoch) {
  epoch_ = epoch;
  const std::string epoch_rng = rng_state(rng_);
  EpochBatches batches(datasets_, batch_size_, rng_);
  const auto order = interleave_datasets(batches_per_dataset_, o_.sampling, rng_);
  // A resumed epoch replays its data order up to the checkpoint without computing.
  const std::size_t first = epoch == start_epoch_ ? std::min(start_position_, order.size()) : 0;
  for (std::size_t i = 0; i < first; ++i) batches.next(order[i]);
  for (std::size_t i = first; i < order.size() && !stop_; ++i) {
    if (interrupted()) {
      save_checkpoint(epoch, i, epoch_rng, false);
      throw Interrupted(fmt::format("interrupted at step {}", step_));
    }
    const auto* indices = batches.next(order[i]);
    if (!indices) continue;
    epoch_value_ = static_cast<double>(epoch) + static_cast<double>(i + 1) / static_cast<double>(order.size());
    const BatchLoss loss = forward_backward(order[i], *indices);
    if (++batches_done_ % o_.grad_accumulation != 0) continue;
    optimizer_step(loss);
    after_step(epoch, i + 1, epoch_rng);
  }
  end_epoch(epoch);
}

// Dev evaluation (unless a step's just did it), epoch-wise unfreezing and the epoch's checkpoint.
void TrainRun::end_epoch(std::int64_t epoch) {
  if (has_dev_ && !(o_.eval_every > 0 && step_ % o_.eval_every == 0)) evaluate_dev(static_cast<double>(epoch + 1));
  if (o_.unfreeze.every > 0 && o_.unfreeze.unit == UnfreezeUnit::epochs && (epoch + 1) % o_.unfreeze.every == 0) {
    join_next(step_);
  }
  log::debug("epoch {} done at step {}", epoch + 1, step_);
  const Verdict verdict = judge(epoch + 1, true);
  if (verdict == Verdict::finish) stop_ = true;
  save_checkpoint(epoch + 1, 0, rng_state(rng_), stop_ || (o_.max_steps == 0 && epoch + 1 >= o_.epochs));
  if (verdict == Verdict::pause) throw Pruned(fmt::format("pruned after epoch {} (step {})", epoch + 1, step_));
}

}  // namespace detail

std::filesystem::path resume_checkpoint_file(const std::filesystem::path& output_dir) {
  return output_dir / "resume" / "state.pt";
}

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

TrainResult train(TrainInputs& inputs, const TrainerOptions& options, Recorder& recorder) {
  if (!inputs.model || !inputs.optimizer || !inputs.datasets) {
    throw Error("train: model, optimizer and datasets are required");
  }
  keep_freed_memory();
  return detail::TrainRun(inputs, options, recorder).run();
}

}  // namespace mtlab
