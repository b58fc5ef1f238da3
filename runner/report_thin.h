#pragma once
// Thinning a long metric curve for the report: consecutive points averaged in
// equal buckets, so a 10,000-step curve draws as at most `max_points` points
// (as smoothing would; the page says which curves were thinned).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace mtlab::cli {

struct Curve {
  std::vector<std::int64_t> steps;
  std::vector<std::optional<double>> values;  // empty: NaN
};

// Each bucket becomes one point: its last step and the mean of its values
// (empty when all are). Unchanged when it already fits or `max_points` is 0.
Curve thin_curve(const Curve& curve, std::size_t max_points);

}  // namespace mtlab::cli
