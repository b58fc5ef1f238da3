#pragma once
// The training loop: joint tasks share one forward pass per batch; total loss =
// Σ weight·loss; epochs or max steps; dev evaluation every N steps and at epoch
// ends; the best state (by training.metric) is kept and evaluated on test;
// early stopping; every loss and metric goes to the Recorder as it happens.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "mtlab/data/example.h"
#include "mtlab/model/loss.h"
#include "mtlab/model/optimizer.h"
#include "mtlab/train/freeze.h"
#include "mtlab/train/param_groups.h"
#include "mtlab/train/recorder.h"
#include "mtlab/train/schedule.h"
#include "mtlab/train/task_data.h"

namespace mtlab {

class MultiTaskModel;
class FrozenPrefixCache;

struct TrainerOptions {
  std::int64_t epochs = 3;
  std::int64_t max_steps = 0;  // > 0 overrides epochs
  std::int64_t batch_size = 32;
  std::int64_t eval_batch_size = 0;  // 0: batch_size
  std::int64_t eval_every = 0;       // 0: at epoch ends only
  std::int64_t grad_accumulation = 1;
  double grad_clip = 1.0;
  std::int64_t log_every = 50;
  std::string metric = "dev.loss";  // dev.loss | dev.TASK.METRIC
  std::string metric_mode = "auto";
  bool early_stopping = false;
  std::int64_t patience = 3;
  std::string save = "best";  // best | last | none
  std::string schedule = "linear";
  double warmup = 0.0;
  std::string sampling = "proportional";  // round_robin | proportional | temperature
  double temperature = 2.0;
  std::int64_t steps_per_epoch = 0;
  // Loss weighting: static (Σ weight·loss) or uncertainty (Kendall et al. 2018:
  // Σ exp(−s_t)·loss_t + s_t with a learned log-variance s_t per task).
  std::string weighting = "static";
  double init_log_variance = 0.0;
  // Gradual unfreezing (ULMFiT): heads train from the start; every
  // `unfreeze_every` epochs or steps one more backbone group joins, top down.
  std::int64_t unfreeze_every = 0;
  std::string unfreeze_unit = "epochs";
  std::int64_t unfreeze_group_size = 1;
  // Resume checkpoints: at every epoch end, and every N optimizer steps when > 0.
  std::int64_t checkpoint_every = 0;
  std::uint64_t seed = 42;
  bool progress = true;
};

// One dataset's examples and their tokenized splits (train, dev, test).
struct TaskDataset {
  std::vector<Example> train, dev, test;
  TokenizedSplit train_tokens, dev_tokens, test_tokens;
};

struct TrainResult {
  std::int64_t steps = 0;
  std::int64_t best_step = -1;
  double best_value = 0;
  double seconds = 0;
  std::map<std::string, double> dev;   // of the selected model
  std::map<std::string, double> test;  // of the selected model
};

struct TrainInputs {
  MultiTaskModel* model = nullptr;
  std::vector<TaskSpec> tasks;
  std::map<std::string, Loss*> losses;  // by task
  OptimizerFactory* optimizer = nullptr;
  ParamGroupOptions groups;
  FreezePolicy freeze;
  std::vector<TaskDataset>* datasets = nullptr;
  // Writes the selected model into a folder (backbone, heads, manifest).
  std::function<void(const std::filesystem::path&)> save_model;
  std::filesystem::path output_dir;
  // Continue from output_dir/resume/state.pt when it exists (mtlab run --resume).
  bool resume = false;
  // Where a frozen prefix's outputs are kept and reused (shared by a sweep's trials); null: off.
  FrozenPrefixCache* frozen_cache = nullptr;
};

// Where train() keeps the run's resume checkpoint (removed when the run completes).
std::filesystem::path resume_checkpoint_file(const std::filesystem::path& output_dir);

TrainResult train(TrainInputs& inputs, const TrainerOptions& options, Recorder& recorder);

// Heterogeneous tasks: which dataset each batch of one epoch comes from.
// `batches[d]` is dataset d's batch count; the epoch has steps_per_epoch batches
// (0: their sum). round_robin cycles d = 0, 1, …; proportional draws d with
// probability ∝ batches[d]; temperature ∝ batches[d]^(1/T).
std::vector<std::size_t> interleave_datasets(const std::vector<std::size_t>& batches, const TrainerOptions& options,
                                             std::mt19937_64& rng);

}  // namespace mtlab
