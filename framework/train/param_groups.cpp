#include "mtlab/train/param_groups.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <set>

#include "mtlab/core/error.h"
#include "mtlab/model/backbone.h"
#include "mtlab/train/multitask_model.h"

namespace mtlab {
namespace {

bool is_bias_or_norm(const std::string& name) {
  return name.size() >= 4 && (name.compare(name.size() - 4, 4, "bias") == 0 ||
                              name.find("LayerNorm") != std::string::npos || name.find("layer_norm") != std::string::npos ||
                              name.find(".norm") != std::string::npos);
}

// The group keys that apply to a block, narrowest first. The group names are
// roles: "embeddings" is the backbone's input block, "encoder" its layers,
// "pooler" the blocks above them, whatever the backbone calls them.
std::vector<std::string> group_keys(const std::string& block, const BlockLayout& blocks) {
  if (block.rfind("head.", 0) == 0) return {block.substr(5), "heads"};
  switch (blocks.role(block)) {
    case BlockLayout::Role::input: return {"embeddings", "backbone"};
    case BlockLayout::Role::layer: return {"encoder", "backbone"};
    case BlockLayout::Role::top: return {"pooler", "backbone"};
    default: return {block, "backbone"};
  }
}

}  // namespace

std::vector<ParamGroup> build_param_groups(MultiTaskModel& model, const ParamGroupOptions& options,
                                           std::vector<GroupSummary>* summary) {
  // Every group key must name something that exists, so a typo is not a silent default.
  std::set<std::string> known{"embeddings", "encoder", "pooler", "backbone", "heads"};
  for (const auto& [task, _] : model.heads()) known.insert(task);
  for (const auto& [key, _] : options.groups) {
    if (!known.count(key)) {
      std::string names;
      for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
      throw Error(fmt::format("optimizer.groups.{}: no such group; groups are {}", key, names));
    }
  }

  const BlockLayout blocks = model.backbone().block_layout();
  const std::int64_t layers = blocks.num_layers();
  std::vector<ParamGroup> groups;
  std::set<const void*> seen;
  for (const auto& block : model.block_names()) {
    double lr = options.lr;
    double wd = options.weight_decay;
    const auto keys = group_keys(block, blocks);
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) {  // wider first, narrower overrides
      auto found = options.groups.find(*it);
      if (found == options.groups.end()) continue;
      if (found->second.lr) lr = *found->second.lr;
      if (found->second.weight_decay) wd = *found->second.weight_decay;
    }
    if (options.layer_decay != 1.0) {
      if (blocks.role(block) == BlockLayout::Role::input) {
        lr *= std::pow(options.layer_decay, static_cast<double>(layers + 1));
      } else if (const auto index = blocks.layer_index(block); index >= 0) {
        lr *= std::pow(options.layer_decay, static_cast<double>(layers - index));
      }
    }
    ParamGroup decay{block, {}, lr, wd};
    ParamGroup no_decay{block + ".no_decay", {}, lr, 0.0};
    for (auto& [name, tensor] : model.block_parameters(block)) {
      if (!tensor.requires_grad()) continue;
      if (!seen.insert(tensor.unsafeGetTensorImpl()).second) {
        throw Error(fmt::format("parameter '{}' belongs to two blocks", name));
      }
      ((!options.decay_bias_and_norm && is_bias_or_norm(name)) ? no_decay : decay).params.push_back(tensor);
    }
    for (auto* g : {&decay, &no_decay}) {
      if (g->params.empty()) continue;
      if (summary) {
        GroupSummary s{g->name, static_cast<std::int64_t>(g->params.size()), 0, g->lr, g->weight_decay};
        for (const auto& t : g->params) s.parameters += t.numel();
        summary->push_back(s);
      }
      groups.push_back(std::move(*g));
    }
  }
  // Every trainable parameter must have landed in exactly one group.
  for (const auto& p : model.parameters()) {
    if (p.requires_grad() && !seen.count(p.unsafeGetTensorImpl())) {
      throw Error("a trainable parameter belongs to no block (a head or backbone that hides parameters?)");
    }
  }
  return groups;
}

}  // namespace mtlab
