#include "mtlab/model/head.h"

#include <torch/torch.h>

#include "mtlab/core/error.h"
#include "mtlab/model/loss.h"

namespace mtlab {

at::Tensor Head::loss(const at::Tensor&, const at::Tensor&) {
  throw Error("this head has no loss of its own (owns_loss() is false): the task's loss plugin scores its output");
}

double Head::loss_target_weight(const at::Tensor& targets) const { return labelled_targets(targets); }

at::Tensor Head::decode(const at::Tensor& output, const at::Tensor&) { return output.argmax(-1); }

}  // namespace mtlab
