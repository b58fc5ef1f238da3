#pragma once
// The training loop: joint tasks share one forward pass per batch; total loss =
// Σ weight·loss; epochs or max steps; dev evaluation every N steps and at epoch
// ends; the best state (by training.metric) is kept and evaluated on test;
// early stopping; every loss and metric goes to the Recorder as it happens.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
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
};

TrainResult train(TrainInputs& inputs, const TrainerOptions& options, Recorder& recorder);

}  // namespace mtlab
