#pragma once
// An optimizer that multiplies every gradient by one factor inside its own
// update: gradient clipping then hands it the clip coefficient instead of
// making a pass over every gradient (for BERT-base, a read and a write of
// 440 MB per step). mtlab's fused Adam and AdamW implement it.
namespace mtlab {

class GradientScaling {
 public:
  virtual ~GradientScaling();
  // The gradients the next step() reads are taken times `factor`, once. A step
  // with a closure, which computes its gradients anew, ignores it.
  virtual void scale_next_gradients(float factor) = 0;
};

}  // namespace mtlab
