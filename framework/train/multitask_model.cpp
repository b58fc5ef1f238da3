#include "mtlab/train/multitask_model.h"

#include <torch/torch.h>

#include "mtlab/core/error.h"

namespace mtlab {

MultiTaskModel::MultiTaskModel(std::shared_ptr<Backbone> backbone,
                               std::vector<std::pair<std::string, std::shared_ptr<Head>>> heads)
    : backbone_(std::move(backbone)), heads_(std::move(heads)) {
  register_module("backbone", backbone_);
  auto holder = register_module("heads", std::make_shared<torch::nn::Module>());
  for (auto& [task, head] : heads_) {
    holder->register_module(task, head);
    head->bind_backbone(*backbone_);  // after registering: a tied weight stays the backbone's parameter
  }
}

Head& MultiTaskModel::head(const std::string& task) {
  for (auto& [name, head] : heads_) {
    if (name == task) return *head;
  }
  throw Error("no head for task '" + task + "'");
}

EncoderOutput MultiTaskModel::encode(const at::Tensor& input_ids, const at::Tensor& token_type_ids,
                                     const at::Tensor& attention_mask) {
  return backbone_->forward(input_ids, token_type_ids, attention_mask);
}

EncoderOutput MultiTaskModel::encode_from(const at::Tensor& hidden, std::int64_t from_layer,
                                          const at::Tensor& attention_mask) {
  EncoderOutput out;
  const auto mask = attention_mask.to(backbone_->device(), at::kLong);  // as Backbone::forward returns it
  out.token_states = backbone_->run_layers(hidden.to(backbone_->device()), mask, from_layer, backbone_->num_layers());
  out.pooled = backbone_->pool(out.token_states);
  out.attention_mask = mask;
  return out;
}

std::map<std::string, at::Tensor> MultiTaskModel::heads_forward(const EncoderOutput& encoded,
                                                                 const std::vector<std::string>& tasks) {
  std::map<std::string, at::Tensor> out;
  for (const auto& task : tasks) out[task] = head(task).forward(encoded);
  return out;
}

namespace {

Loss& task_loss_plugin(const std::string& task, const std::map<std::string, Loss*>& losses) {
  const auto it = losses.find(task);
  if (it == losses.end() || it->second == nullptr) throw Error("task '" + task + "': no loss plugin for its head's output");
  return *it->second;
}

}  // namespace

at::Tensor MultiTaskModel::task_loss(const std::string& task, const at::Tensor& output, const at::Tensor& targets,
                                     const std::map<std::string, Loss*>& losses) {
  Head& h = head(task);
  if (h.owns_loss()) return h.loss(output, targets);
  return task_loss_plugin(task, losses).compute(output, targets);
}

double MultiTaskModel::task_target_weight(const std::string& task, const at::Tensor& targets,
                                          const std::map<std::string, Loss*>& losses) {
  Head& h = head(task);
  if (h.owns_loss()) return h.loss_target_weight(targets);
  return task_loss_plugin(task, losses).target_weight(targets);
}

void MultiTaskModel::train(bool on) {
  torch::nn::Module::train(on);
  if (!on) return;
  for (const auto& item : named_modules("", /*include_self=*/false)) {
    if (frozen_modules_.count(item.key())) item.value()->eval();
  }
}

void MultiTaskModel::mark_frozen_module(const std::string& module_path) {
  bool found = false;
  for (const auto& item : named_modules("", /*include_self=*/false)) found = found || item.key() == module_path;
  if (!found) throw Error("freeze: no module '" + module_path + "' in the model");
  frozen_modules_.insert(module_path);
}

void MultiTaskModel::unmark_frozen_module(const std::string& module_path) { frozen_modules_.erase(module_path); }

void MultiTaskModel::clear_frozen_modules() { frozen_modules_.clear(); }

std::vector<std::string> MultiTaskModel::block_names() {
  auto names = backbone_->block_names();
  for (const auto& [task, _] : heads_) names.push_back("head." + task);
  return names;
}

NamedTensors MultiTaskModel::block_parameters(const std::string& block) {
  if (block.rfind("head.", 0) == 0) {
    NamedTensors out;
    const std::string task = block.substr(5);
    for (const auto& item : head(task).named_parameters()) out.emplace_back("heads." + task + "." + item.key(), item.value());
    return out;
  }
  return backbone_->block_parameters(block);
}

}  // namespace mtlab
