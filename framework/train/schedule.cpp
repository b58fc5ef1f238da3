#include "mtlab/train/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mtlab {

double Schedule::factor(std::int64_t step) const {
  if (warmup_steps > 0 && step < warmup_steps) {
    return static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  }
  if (kind == ScheduleKind::constant) return 1.0;
  const double span = static_cast<double>(std::max<std::int64_t>(1, total_steps - warmup_steps));
  const double progress = std::clamp(static_cast<double>(step - warmup_steps) / span, 0.0, 1.0);
  if (kind == ScheduleKind::cosine) return 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  return 1.0 - progress;  // linear
}

std::int64_t warmup_steps(double warmup, std::int64_t total_steps) {
  if (warmup <= 0) return 0;
  if (warmup < 1.0) return static_cast<std::int64_t>(std::llround(warmup * static_cast<double>(total_steps)));
  return static_cast<std::int64_t>(warmup);
}

}  // namespace mtlab
