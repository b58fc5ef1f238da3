#include "mtlab/model/loss.h"

#include <ATen/ATen.h>

namespace mtlab {

double labelled_targets(const at::Tensor& targets) {
  return static_cast<double>((targets != kIgnoreIndex).sum().item<std::int64_t>());
}

double Loss::target_weight(const at::Tensor& targets) const { return labelled_targets(targets); }

}  // namespace mtlab
