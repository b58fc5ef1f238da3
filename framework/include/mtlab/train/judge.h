#pragma once
// Whether a run goes on after a dev evaluation: how a pruner (the runner's, for
// [sweep.prune]) steps into train() without the trainer knowing of stores or
// sweeps. train() asks after every dev evaluation during training, on rank 0,
// and every rank follows the answer.
#include <cstdint>
#include <functional>

#include "mtlab/core/error.h"

namespace mtlab {

struct EvalProgress {
  std::int64_t epochs = 0;        // whole epochs done
  std::int64_t steps = 0;         // optimizer steps done
  bool epoch_end = false;         // asked at an epoch's end (else after a step's evaluation)
  std::int64_t total_epochs = 0;  // the run's length in epochs (0 when training.max_steps sets it)
  std::int64_t total_steps = 0;   // and in steps
  double value = 0;               // training.metric on dev, now
  double best = 0;                // its best value so far, this one included
  bool minimize = false;          // training.metric is better low
};

enum class Verdict {
  go_on,   // train on
  pause,   // stop here, keeping the resume checkpoint (train() throws Pruned)
  finish,  // stop here and complete: the selected model is evaluated and saved
};

using Judge = std::function<Verdict(const EvalProgress&)>;

// Thrown by train() when its judge says pause: the checkpoint at this point is
// saved and everything recorded is kept, so the run can be continued later.
class Pruned : public Error {
 public:
  using Error::Error;
};

}  // namespace mtlab
