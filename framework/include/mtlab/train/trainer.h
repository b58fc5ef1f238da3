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
#include "mtlab/options/trial_options.h"
#include "mtlab/train/freeze.h"
#include "mtlab/train/judge.h"
#include "mtlab/train/param_groups.h"
#include "mtlab/train/recorder.h"
#include "mtlab/train/schedule.h"
#include "mtlab/train/task_data.h"

namespace mtlab {

class MultiTaskModel;
class FrozenPrefixCache;
class ProcessGroup;

// What train() reads: [training] (freeze, frozen_cache, threads and device are
// the runner's: the checked policy comes in TrainInputs), the schedule, sampling,
// weighting and gradual unfreezing. Defaults are the option structs' own.
struct TrainerOptions : TrainingOptions {
  ScheduleOptions schedule;
  SamplingOptions sampling;
  WeightingOptions weighting;
  UnfreezeOptions unfreeze;
  std::uint64_t seed = ExperimentOptions{}.seed;
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
  std::map<std::string, Loss*> losses;  // by task; none for a task whose head owns its loss (Head::owns_loss)
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
  // Data-parallel training (docs/distributed.md): every rank builds the same
  // batches and trains on its shard; gradients are summed over the ranks; rank 0
  // alone saves checkpoints and the model. Null or a group of one: alone.
  ProcessGroup* group = nullptr;
  // Asked after each dev evaluation during training whether to go on ([sweep.prune]); empty: always.
  Judge judge;
};

// Where train() keeps the run's resume checkpoint (removed when the run completes).
std::filesystem::path resume_checkpoint_file(const std::filesystem::path& output_dir);

TrainResult train(TrainInputs& inputs, const TrainerOptions& options, Recorder& recorder);

// Heterogeneous tasks: which dataset each batch of one epoch comes from.
// `batches[d]` is dataset d's batch count; the epoch has steps_per_epoch batches
// (0: their sum). round_robin cycles d = 0, 1, …; proportional draws d with
// probability ∝ batches[d]; temperature ∝ batches[d]^(1/T).
std::vector<std::size_t> interleave_datasets(const std::vector<std::size_t>& batches, const SamplingOptions& options,
                                             std::mt19937_64& rng);

}  // namespace mtlab
