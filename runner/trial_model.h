#pragma once
// A trial's model, the second step of running it: the backbone from its plugin
// (its vocabulary built from the training text when it starts from scratch),
// then per task a head and a loss from their plugins and the label set of the
// task's training split, composed into one MultiTaskModel.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mtlab/model/backbone.h"
#include "mtlab/model/head.h"
#include "mtlab/model/loss.h"
#include "mtlab/options/trial_options.h"
#include "mtlab/train/multitask_model.h"
#include "trial_data.h"
#include "trial_runner.h"

namespace mtlab::cli {

struct TrialModel {
  std::shared_ptr<Backbone> backbone;
  std::string backbone_plugin;
  std::vector<TaskSpec> tasks;  // in the spec's order
  std::map<std::string, std::shared_ptr<Loss>> losses;  // by task
  std::shared_ptr<MultiTaskModel> model;
  nlohmann::json manifest;  // what save_model_folder writes next to the weights
};

// `tasks` are the trial's typed task options (spec::resolve_options), in data.task_names' order.
// A masked-LM task that shares its dataset with another task gets a text-only
// copy of it appended to `data` (its masks must not reach the other task's inputs).
TrialModel build_trial_model(const TrialContext& context, TrialData& data, const std::vector<TaskOptions>& tasks,
                             Recorder& recorder, TrialOutcome& outcome);

}  // namespace mtlab::cli
