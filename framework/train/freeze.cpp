#include "mtlab/train/freeze.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

#include "mtlab/core/error.h"
#include "mtlab/core/hash.h"
#include "mtlab/train/multitask_model.h"

namespace mtlab {

FreezePolicy FreezePolicy::parse(const std::string& text, const std::vector<std::string>& tasks,
                                 std::int64_t num_layers, const std::string& where) {
  try {
    return parse_freeze(text, tasks, num_layers);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", where, e.what()));
  }
}

std::vector<std::string> FreezePolicy::frozen_blocks(const BlockLayout& blocks) const {
  switch (kind) {
    case Kind::all:
    case Kind::backbone: return blocks.names();
    case Kind::embeddings: return {blocks.input()};
    case Kind::layers: return blocks.prefix(std::min(layers, blocks.num_layers()));
    default: return {};
  }
}

bool FreezePolicy::freezes_head(const std::string& task) const {
  return kind == Kind::all || (kind == Kind::head && head == task);
}

std::int64_t FreezePolicy::frozen_prefix_layers(std::int64_t num_layers) const {
  switch (kind) {
    case Kind::all:
    case Kind::backbone: return num_layers;
    case Kind::embeddings: return 0;
    case Kind::layers: return layers;
    default: return -1;
  }
}

namespace {

// The deepest module path that holds every parameter of a block (the longest
// common dotted prefix of their names), so the block can be put in eval mode.
std::string common_module_path(const NamedTensors& params) {
  if (params.empty()) return "";
  std::string prefix = params.front().first;
  for (const auto& [name, _] : params) {
    std::size_t i = 0;
    while (i < prefix.size() && i < name.size() && prefix[i] == name[i]) ++i;
    prefix.resize(i);
  }
  // Cut back to a whole dotted component that is a module, not a parameter name.
  if (params.size() == 1) {
    const auto dot = prefix.rfind('.');
    return dot == std::string::npos ? "" : prefix.substr(0, dot);
  }
  if (!prefix.empty() && prefix.back() == '.') prefix.pop_back();
  const auto dot = prefix.rfind('.');
  const bool whole = std::all_of(params.begin(), params.end(), [&](const auto& p) {
    return p.first.size() > prefix.size() && p.first[prefix.size()] == '.';
  });
  if (whole) return prefix;
  return dot == std::string::npos ? "" : prefix.substr(0, dot);
}

}  // namespace

void set_blocks_frozen(MultiTaskModel& model, const std::vector<std::string>& blocks, bool frozen) {
  for (const auto& block : blocks) {
    auto params = model.block_parameters(block);
    for (auto& [name, tensor] : params) tensor.set_requires_grad(!frozen);
    std::string path;
    if (block.rfind("head.", 0) == 0) {
      path = "heads." + block.substr(5);
    } else {
      const std::string inner = common_module_path(params);
      path = inner.empty() ? "backbone" : "backbone." + inner;
    }
    if (frozen) {
      model.mark_frozen_module(path);
    } else {
      model.unmark_frozen_module(path);
    }
  }
  model.train(model.is_training());
}

std::vector<std::vector<std::string>> unfreeze_groups(const BlockLayout& blocks, std::int64_t group_size) {
  std::vector<std::vector<std::string>> groups;
  std::vector<std::string> current = blocks.top();
  std::int64_t in_group = 0;
  for (std::int64_t i = blocks.num_layers() - 1; i >= 0; --i) {
    current.push_back(blocks.layer(i));
    if (++in_group == group_size) {
      groups.push_back(current);
      current.clear();
      in_group = 0;
    }
  }
  if (!current.empty()) groups.push_back(current);
  groups.push_back({blocks.input()});
  return groups;
}

FreezeReport apply_freeze(MultiTaskModel& model, const FreezePolicy& policy) {
  FreezeReport report;
  model.clear_frozen_modules();
  for (auto& p : model.parameters()) p.set_requires_grad(true);

  std::vector<std::string> frozen = policy.frozen_blocks(model.backbone().block_layout());
  for (const auto& [task, _] : model.heads()) {
    if (policy.freezes_head(task)) frozen.push_back("head." + task);
  }
  set_blocks_frozen(model, frozen, true);
  // A frozen backbone is deterministic as a whole (its dropout stays off too).
  if (policy.kind == FreezePolicy::Kind::backbone || policy.kind == FreezePolicy::Kind::all) {
    model.mark_frozen_module("backbone");
  }
  report.frozen_blocks = frozen;
  for (const auto& p : model.parameters()) {
    (p.requires_grad() ? report.trainable_parameters : report.frozen_parameters) += p.numel();
  }
  if (report.trainable_parameters == 0 && policy.kind != FreezePolicy::Kind::all) {
    throw Error(fmt::format("training.freeze = \"{}\" leaves no parameter trainable; use \"all\" for an "
                            "evaluation-only baseline",
                            policy.text()));
  }
  report.frozen_checksum = frozen_checksum(model);
  model.train(model.is_training());
  return report;
}

namespace {

// SHA-256 over the names and bytes of the frozen tensors among `named`, in name order ("" when none).
std::string checksum_of_frozen(const std::vector<std::pair<std::string, at::Tensor>>& named) {
  std::vector<std::pair<std::string, at::Tensor>> frozen;
  for (const auto& [name, tensor] : named) {
    if (!tensor.requires_grad()) frozen.emplace_back(name, tensor);
  }
  std::sort(frozen.begin(), frozen.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string bytes;
  for (const auto& [name, tensor] : frozen) {
    auto cpu = tensor.detach().to(torch::kCPU).contiguous();
    bytes += name;
    bytes.append(static_cast<const char*>(cpu.data_ptr()), cpu.numel() * cpu.element_size());
  }
  return frozen.empty() ? std::string() : sha256_hex(bytes);
}

}  // namespace

std::string frozen_checksum(MultiTaskModel& model) {
  std::vector<std::pair<std::string, at::Tensor>> named;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) named.emplace_back(item.key(), item.value());
  return checksum_of_frozen(named);
}

std::vector<BlockFreeze> block_freeze(MultiTaskModel& model) {
  std::vector<BlockFreeze> out;
  for (const auto& block : model.block_names()) {
    BlockFreeze b{block};
    const auto params = model.block_parameters(block);
    for (const auto& [name, tensor] : params) (tensor.requires_grad() ? b.trainable : b.frozen) += tensor.numel();
    b.checksum = checksum_of_frozen(params);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace mtlab
