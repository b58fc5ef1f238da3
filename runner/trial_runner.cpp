#include "trial_runner.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/model/backbone.h"
#include "mtlab/model/environment.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/spec/experiment.h"
#include "mtlab/spec/resolve_options.h"
#include "mtlab/train/frozen_prefix_cache.h"
#include "mtlab/train/model_checkpoint.h"
#include "mtlab/train/multitask_model.h"
#include "trial_data.h"
#include "trial_model.h"

namespace mtlab::cli {
namespace {

using nlohmann::json;
using plugin::Kind;

// Whether the spec wrote `key` of [backbone] (or a key under it), rather than
// the schema filling it in.
bool written(const spec::Trial& trial, const std::string& key) {
  const std::string path = "backbone." + key;
  for (const auto& [k, where] : trial.locations) {
    if (k == path || k.rfind(path + ".", 0) == 0) return true;
  }
  return false;
}

// The backbone plugin's own table: [backbone] without the runner's keys and
// without schema defaults the plugin does not declare (a written key it does not
// declare is left in, for the registry to refuse by name); `vocab = "build"` and
// the training device are added when the plugin declares those keys.
Config backbone_config(const spec::Trial& trial, const plugin::PluginInfo& plugin) {
  json table = trial.config.value("backbone", json::object());
  json out = json::object();
  for (auto it = table.begin(); it != table.end(); ++it) {
    if (it.key() == "plugin" || it.key() == "from_run") continue;
    if (!plugin.declares(it.key()) && !written(trial, it.key())) continue;
    out[it.key()] = it.value();
  }
  // A checkpoint defines the architecture and vocabulary: a spec written for a
  // from-scratch backbone runs unchanged when --set backbone.checkpoint=… is given.
  if (out.contains("checkpoint") && (out.contains("init") || out.contains("vocab"))) {
    log::info("  backbone: the checkpoint's config.json and vocab.txt are used; [backbone.init] and vocab are ignored");
    out.erase("init");
    out.erase("vocab");
  }
  if (!out.contains("checkpoint") && !out.contains("vocab") && plugin.declares("vocab")) out["vocab"] = "build";
  if (!out.contains("device") && plugin.declares("device")) {
    const std::string device = trial.config.value("training", json::object()).value("device", "cpu");
    out["device"] = device == "auto" ? (torch::cuda::is_available() ? "cuda" : "cpu") : device;
  }
  std::map<std::string, std::string> locations;
  for (const auto& [key, where] : trial.locations) {
    if (key.rfind("backbone.", 0) == 0) locations[key.substr(9)] = where;
  }
  return Config(out, trial.file + " [backbone]", locations);
}

// The trainer's view of the trial's options.
TrainerOptions trainer_options(const TrialOptions& options, bool progress) {
  TrainerOptions o;
  static_cast<TrainingOptions&>(o) = options.training;
  o.schedule = options.optimizer.schedule;
  o.sampling = options.sampling;
  o.weighting = options.weighting;
  o.unfreeze = options.unfreeze;
  o.seed = options.experiment.seed;
  o.progress = progress;
  return o;
}

}  // namespace

std::shared_ptr<Backbone> create_backbone(const TrialContext& context, TrialOutcome& outcome) {
  const spec::Trial& trial = *context.trial;
  const std::string name = trial.config.value("backbone", json::object()).value("plugin", "bert");
  auto backbone = context.registry->create<Backbone>(Kind::backbone, name,
                                                    backbone_config(trial, context.registry->find(Kind::backbone, name)));
  outcome.plugins_used.emplace_back("backbone", name);
  return backbone;
}

// Build data → build model → train; the recorder takes everything as it happens.
TrialOutcome run_trial(const TrialContext& context, Recorder& recorder) {
  const spec::Trial& trial = *context.trial;
  const TrialOptions options = spec::resolve_options(trial);
  set_threads(static_cast<int>(options.training.threads));
  torch::manual_seed(static_cast<std::uint64_t>(trial.seed));
  recorder.fact("threads", std::to_string(at::get_num_threads()));
  recorder.fact("matmul_path", matmul_path_name(matmul_path()));  // oneDNN or BLAS linear layers
  if (trial.config.contains("embed")) return run_embedding_trial(context, recorder);

  TrialOutcome outcome;
  TrialData data = read_trial_data(trial, context.spec_dir);  // first: a new vocabulary is built from it
  TrialModel built = build_trial_model(context, data, options.tasks, recorder, outcome);
  std::vector<TaskDataset> datasets = tokenize_trial_data(data, built.tasks, built.backbone->tokenizer(),
                                                          built.backbone->max_length(), recorder);

  const std::string& optimizer_name = options.optimizer.plugin;
  // [optimizer] mixes framework keys with the plugin's; the plugin gets its own.
  auto optimizer = context.registry->create<OptimizerFactory>(
      Kind::optimizer, optimizer_name,
      spec::plugin_config(trial, "optimizer", context.registry->find(Kind::optimizer, optimizer_name)));
  outcome.plugins_used.emplace_back("optimizer", optimizer_name);

  TrainInputs inputs;
  inputs.model = built.model.get();
  inputs.tasks = built.tasks;
  for (auto& [name, loss] : built.losses) inputs.losses[name] = loss.get();
  inputs.optimizer = optimizer.get();
  inputs.groups = options.optimizer;
  inputs.freeze = FreezePolicy::parse(options.training.freeze.text(), data.task_names, built.backbone->num_layers(),
                                      trial.view("training").location("freeze"));
  inputs.datasets = &datasets;
  inputs.output_dir = context.output_dir;
  inputs.resume = context.resume;
  inputs.judge = context.judge;
  inputs.group = context.group;
  inputs.save_model = [&](const std::filesystem::path& folder) {
    for (const auto& file : save_model_folder(*built.model, built.manifest, folder)) recorder.artifact("model", file);
  };
  std::unique_ptr<FrozenPrefixCache> own_cache;
  if (options.training.frozen_cache) {
    if (!context.frozen_cache) own_cache = std::make_unique<FrozenPrefixCache>();
    inputs.frozen_cache = context.frozen_cache ? context.frozen_cache : own_cache.get();
    inputs.frozen_cache->set_limit_bytes(static_cast<std::size_t>(options.training.frozen_cache_mb) << 20);
  }
  outcome.result = train(inputs, trainer_options(options, context.progress), recorder);
  return outcome;
}

}  // namespace mtlab::cli
