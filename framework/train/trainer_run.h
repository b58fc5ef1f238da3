#pragma once
// One run of train() (mtlab/train/trainer.h) as a class whose parts live in files
// of their own: setup (trainer_setup.cpp), the epoch loop (trainer.cpp), one step
// (trainer_step.cpp), evaluation and model selection (trainer_evaluate.cpp) and
// resume checkpoints (trainer_checkpoint.cpp). Private to mtlab_nn.
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "mtlab/train/frozen_prefix_cache.h"
#include "mtlab/train/gradient_slots.h"
#include "mtlab/train/resume_checkpoint.h"
#include "mtlab/train/trainer.h"

namespace mtlab::detail {

using Clock = std::chrono::steady_clock;

// The step counter and ETA on a terminal's stderr line (off when not a terminal).
class Progress {
 public:
  explicit Progress(bool enabled);
  void update(std::int64_t step, std::int64_t total, double loss, Clock::time_point start);
  void done();

 private:
  bool enabled_;
};

// One batch's losses: the weighted total and each task's.
struct BatchLoss {
  double total = 0;
  std::map<std::string, double> tasks;
  std::map<std::string, double> masked_accuracy;  // masked-LM tasks with a masked token in the batch
};

class TrainRun {
 public:
  TrainRun(TrainInputs& in, const TrainerOptions& options, Recorder& recorder);
  TrainResult run();

 private:
  // Setup, in this order (trainer_setup.cpp).
  void freeze();
  void build_groups();
  void plan_unfreezing();
  void make_optimizer();
  void plan_tasks();
  void plan_selection();
  void plan_steps();
  void join_next(std::int64_t at_step);

  // Data parallelism (trainer_parallel.cpp): rank 0's parameters everywhere at
  // the start; each task's share of a global batch's loss; a step's gradients,
  // losses and Ctrl-C summed over the ranks; an evaluation's stop decision taken
  // from rank 0.
  bool root() const;
  void sync_start();
  std::vector<double> shard_loss_shares(const BatchShard& shard, const Batch& batch, std::size_t dataset);
  BatchLoss sync_step(const BatchLoss& local);
  void sync_stop();
  Verdict sync_verdict(Verdict verdict);
  bool interrupted();

  // The loop (trainer.cpp).
  void run_epoch(std::int64_t epoch);
  void end_epoch(std::int64_t epoch);

  // One batch and one optimizer step (trainer_step.cpp).
  BatchLoss forward_backward(std::size_t dataset, const std::vector<std::size_t>& indices);
  void optimizer_step(const BatchLoss& loss);
  void record_groups(double factor);
  void after_step(std::int64_t epoch, std::size_t position, const std::string& epoch_rng);

  // Evaluation and model selection (trainer_evaluate.cpp).
  std::map<std::string, double> evaluate_on(bool test);
  void evaluate_dev(std::optional<double> epoch);
  void consider(const std::map<std::string, double>& dev);
  // The judge's verdict on the latest dev evaluation ([sweep.prune]), the same on every rank.
  Verdict judge(std::int64_t epochs_done, bool epoch_end);
  void finish();

  // Resume checkpoints (trainer_checkpoint.cpp).
  ResumeTensors resume_tensors();
  void save_checkpoint(std::int64_t epoch, std::size_t position, const std::string& data_rng, bool finished);
  void resume();
  void remove_checkpoint();

  TrainInputs& in_;
  const TrainerOptions& o_;
  Recorder& recorder_;
  ProcessGroup* group_ = nullptr;  // set when there is more than one rank
  bool interrupt_agreed_ = false;  // Ctrl-C on any rank, as of the last step
  MultiTaskModel& model_;
  std::vector<TaskDataset>& datasets_;
  const Clock::time_point start_ = Clock::now();
  TrainResult result_;

  FreezeReport freeze_;
  std::unique_ptr<FrozenPrefix> prefix_;
  std::vector<ParamGroup> groups_;
  std::vector<double> base_lr_;
  std::vector<at::Tensor> optimized_;  // every parameter the optimizer holds, for gradient clipping
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  GradientSlots grads_;  // released after each step rather than zeroed
  at::Tensor log_variance_;  // uncertainty weighting: one learned log-variance per task
  std::map<std::string, std::int64_t> task_index_;
  std::vector<std::vector<std::string>> waiting_;  // gradual-unfreezing groups, in joining order
  std::size_t joined_ = 0;
  std::vector<std::vector<const TaskSpec*>> dataset_tasks_;  // per dataset, in task order
  std::vector<std::vector<std::string>> dataset_task_names_;
  bool has_dev_ = false, has_test_ = false;
  bool bf16_ = false;  // training.precision = "bf16" on a CPU that has it: forward passes in CpuAutocast

  // Model selection on training.metric.
  std::string metric_key_;
  bool minimize_ = false;
  std::vector<at::Tensor> best_;  // the best state's parameters and buffers
  bool have_best_ = false;
  std::int64_t evals_without_gain_ = 0;
  double last_value_ = 0;  // training.metric at the latest dev evaluation

  // Steps.
  std::mt19937_64 rng_;
  std::vector<std::size_t> batches_per_dataset_, batch_size_;
  std::int64_t total_steps_ = 0;
  Schedule schedule_;
  bool trains_ = false;
  Progress progress_;
  std::int64_t step_ = 0;
  std::int64_t epoch_ = 0;  // the running epoch: masked-LM tasks draw new masks each one
  std::int64_t batches_done_ = 0;
  double epoch_value_ = 0;
  bool stop_ = false;

  // Resume.
  std::filesystem::path checkpoint_file_;
  std::int64_t start_epoch_ = 0;
  std::size_t start_position_ = 0;
  bool finished_ = false;
};

std::string rng_state(const std::mt19937_64& rng);

}  // namespace mtlab::detail
