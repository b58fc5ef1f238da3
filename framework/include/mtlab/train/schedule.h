#pragma once
// Learning-rate schedules as a multiplier of each group's base rate.
#include <cstdint>

#include "mtlab/options/trial_options.h"

namespace mtlab {

struct Schedule {
  ScheduleKind kind = ScheduleOptions{}.kind;  // after warm-up
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 1;

  // Multiplier at optimizer step `step` (0-based): linear warm-up from 0 to 1
  // over warmup_steps, then constant, linear decay to 0, or half-cosine to 0 at total_steps.
  double factor(std::int64_t step) const;
};

// warmup below 1 is a fraction of total_steps; 1 or more, a number of steps.
std::int64_t warmup_steps(double warmup, std::int64_t total_steps);

}  // namespace mtlab
