#pragma once
// Gradients released after each optimizer step instead of zeroed (what PyTorch
// 2's zero_grad does by default): the next backward pass then writes each
// gradient once into a fresh buffer, where a zeroed one costs a memset and an
// add per parameter (for BERT-base, two passes over 440 MB every step). A
// parameter that had a gradient in an earlier step and gets none in this one (a
// head whose task sat out the batch) is given zeros before the step, so the
// optimizer sees exactly what zeroing gave it: its momentum and decay go on.
#include <ATen/core/Tensor.h>

#include <vector>

namespace mtlab {

class GradientSlots {
 public:
  explicit GradientSlots(std::vector<at::Tensor> params = {});

  // Before clipping, all-reduce and the optimizer step: zeros for the absent
  // gradients of parameters that had one before.
  void fill_absent();
  // After the step: every gradient undefined again.
  void release();

 private:
  std::vector<at::Tensor> params_;
  std::vector<bool> had_grad_;
};

}  // namespace mtlab
