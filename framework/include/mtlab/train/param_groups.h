#pragma once
// Optimizer parameter groups: per-group learning rates and weight decay, and
// layer-wise learning-rate decay down the encoder (the ELECTRA convention).
#include <map>
#include <string>
#include <vector>

#include "mtlab/model/optimizer.h"
#include "mtlab/options/trial_options.h"  // ParamGroupOptions, GroupRate: the [optimizer] keys

namespace mtlab {

class MultiTaskModel;

struct GroupSummary {
  std::string name;
  std::int64_t tensors = 0;
  std::int64_t parameters = 0;  // scalar count
  double lr = 0;
  double weight_decay = 0;
};

// One group per (block, decay | no_decay) holding every trainable parameter of
// that block exactly once; frozen parameters are left out. The learning rate of
// block b: its group's lr (or the base lr), times layer_decay^(L − i) for encoder
// layer i (0-based, L layers), layer_decay^(L + 1) for the embeddings, and
// layer_decay^0 for the pooler and the heads.
std::vector<ParamGroup> build_param_groups(MultiTaskModel& model, const ParamGroupOptions& options,
                                           std::vector<GroupSummary>* summary = nullptr);

}  // namespace mtlab
