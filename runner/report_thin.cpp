#include "report_thin.h"

#include <algorithm>

namespace mtlab::cli {

Curve thin_curve(const Curve& curve, std::size_t max_points) {
  const std::size_t n = curve.steps.size();
  if (max_points == 0 || n <= max_points) return curve;
  const std::size_t bucket = (n + max_points - 1) / max_points;  // ceil: at most max_points buckets
  Curve out;
  for (std::size_t begin = 0; begin < n; begin += bucket) {
    const std::size_t end = std::min(n, begin + bucket);
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t i = begin; i < end; ++i) {
      if (curve.values[i]) sum += *curve.values[i], ++count;
    }
    out.steps.push_back(curve.steps[end - 1]);
    out.values.push_back(count ? std::optional<double>(sum / static_cast<double>(count)) : std::nullopt);
  }
  return out;
}

}  // namespace mtlab::cli
