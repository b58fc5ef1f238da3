#pragma once
// An optimizer that multiplies every gradient by one factor inside its own
// update: gradient clipping then hands it the clip coefficient instead of
// making a pass over every gradient (for BERT-base, a read and a write of
// 440 MB per step). mtlab's fused Adam and AdamW implement it.
#include <ATen/core/Tensor.h>

#include <vector>

namespace mtlab {

class GradientScaling {
 public:
  virtual ~GradientScaling();
  // The gradients the next step() reads are taken times `factor`, once. A step
  // with a closure, which computes its gradients anew, ignores it.
  virtual void scale_next_gradients(float factor) = 0;
};

// The pass GradientScaling saves: every defined gradient of `params` multiplied
// by `factor` in place, for an update that reads gradients as they lie.
void scale_gradients(const std::vector<at::Tensor>& params, double factor);

}  // namespace mtlab
