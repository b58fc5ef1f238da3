#pragma once
// One shared backbone and a head per task: the model every trial trains.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "mtlab/model/backbone.h"
#include "mtlab/model/head.h"
#include "mtlab/model/loss.h"

namespace mtlab {

class MultiTaskModel : public torch::nn::Module {
 public:
  MultiTaskModel(std::shared_ptr<Backbone> backbone, std::vector<std::pair<std::string, std::shared_ptr<Head>>> heads);

  Backbone& backbone() { return *backbone_; }
  std::shared_ptr<Backbone> backbone_ptr() { return backbone_; }
  const std::vector<std::pair<std::string, std::shared_ptr<Head>>>& heads() const { return heads_; }
  Head& head(const std::string& task);

  // The shared encoder pass.
  EncoderOutput encode(const at::Tensor& input_ids, const at::Tensor& token_type_ids, const at::Tensor& attention_mask);
  // The same pass from the output of the embeddings and layers [0, from_layer)
  // (`hidden` [B, T, H], e.g. a frozen prefix's cached states): layers
  // [from_layer, L) and the pooler; from_layer = L runs the pooler only.
  EncoderOutput encode_from(const at::Tensor& hidden, std::int64_t from_layer, const at::Tensor& attention_mask);

  // Logits of the named tasks on one encoder output.
  std::map<std::string, at::Tensor> heads_forward(const EncoderOutput& encoded, const std::vector<std::string>& tasks);
  // A task's loss on its head's output: the head's own when it owns one (a CRF),
  // else that of the task's loss plugin in `losses` (by task name).
  at::Tensor task_loss(const std::string& task, const at::Tensor& output, const at::Tensor& targets,
                       const std::map<std::string, Loss*>& losses);
  // What `targets` weigh in that loss's mean (Loss::target_weight, Head::loss_target_weight).
  double task_target_weight(const std::string& task, const at::Tensor& targets,
                            const std::map<std::string, Loss*>& losses);

  // Frozen modules stay in eval mode whatever train() is asked for.
  void train(bool on = true) override;
  void mark_frozen_module(const std::string& module_path);  // a path in named_modules()
  void unmark_frozen_module(const std::string& module_path);
  void clear_frozen_modules();

  // Parameters by block: backbone blocks by their names, heads as "head.<task>".
  std::vector<std::string> block_names();
  NamedTensors block_parameters(const std::string& block);

 private:
  std::shared_ptr<Backbone> backbone_;
  std::vector<std::pair<std::string, std::shared_ptr<Head>>> heads_;
  std::set<std::string> frozen_modules_;
};

}  // namespace mtlab
