#pragma once
// Mid-run checkpoints for `mtlab run --resume`: everything the training loop
// needs to continue exactly where it stopped (model, optimizer, learned loss
// weights, the best model so far, the loop's counters and both random states:
// the data order's and LibTorch's), in one file written atomically, so a kill
// at any moment leaves the previous checkpoint or the new one, never half.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace torch::optim {
class Optimizer;
}

namespace mtlab {

class MultiTaskModel;

struct ResumeState {
  std::int64_t epoch = 0;         // the epoch to continue
  std::int64_t position = 0;      // batches of that epoch already consumed
  std::int64_t step = 0;          // optimizer steps taken
  std::int64_t batches_done = 0;  // batches whose gradients were accumulated
  std::int64_t joined = 0;        // gradual-unfreezing groups that joined
  bool finished = false;          // the loop is done; only the final evaluation remains
  bool have_best = false;
  double best_value = 0;
  std::int64_t best_step = -1;
  std::int64_t evals_without_gain = 0;
  std::string data_rng;  // the data-order generator's state at the start of `epoch`
};

// What the checkpoint holds besides the counters; the pointers may be null
// (no optimizer when nothing trains) and the tensors undefined or empty.
struct ResumeTensors {
  MultiTaskModel* model = nullptr;
  torch::optim::Optimizer* optimizer = nullptr;
  at::Tensor* log_variance = nullptr;
  std::vector<at::Tensor>* best = nullptr;  // the best model's parameters and buffers
};

void save_resume_checkpoint(const std::filesystem::path& file, const ResumeState& state, const ResumeTensors& tensors);

// Restores the tensors in place (shapes and names must match the model being
// trained) and LibTorch's random state; returns the counters. Every mismatch is
// an Error naming the file and the tensor.
ResumeState load_resume_checkpoint(const std::filesystem::path& file, const ResumeTensors& tensors);

}  // namespace mtlab
