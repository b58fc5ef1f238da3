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
#include "mtlab/train/frozen_prefix_cache.h"
#include "mtlab/train/model_checkpoint.h"
#include "mtlab/train/multitask_model.h"
#include "trial_data.h"
#include "trial_model.h"

namespace mtlab::cli {
namespace {

using nlohmann::json;
using plugin::Kind;

// The backbone plugin's own table: [backbone] without the runner's keys, with
// the training device added unless the table sets one.
Config backbone_config(const spec::Trial& trial) {
  json table = trial.config.value("backbone", json::object());
  json out = json::object();
  for (auto it = table.begin(); it != table.end(); ++it) {
    if (it.key() == "plugin" || it.key() == "from_run") continue;
    out[it.key()] = it.value();
  }
  // A checkpoint defines the architecture and vocabulary: a spec written for a
  // from-scratch backbone runs unchanged when --set backbone.checkpoint=… is given.
  if (out.contains("checkpoint") && (out.contains("init") || out.contains("vocab"))) {
    log::info("  backbone: the checkpoint's config.json and vocab.txt are used; [backbone.init] and vocab are ignored");
    out.erase("init");
    out.erase("vocab");
  }
  if (!out.contains("checkpoint") && !out.contains("vocab")) out["vocab"] = "build";
  if (!out.contains("device")) {
    const std::string device = trial.config.value("training", json::object()).value("device", "cpu");
    out["device"] = device == "auto" ? (torch::cuda::is_available() ? "cuda" : "cpu") : device;
  }
  std::map<std::string, std::string> locations;
  for (const auto& [key, where] : trial.locations) {
    if (key.rfind("backbone.", 0) == 0) locations[key.substr(9)] = where;
  }
  return Config(out, trial.file + " [backbone]", locations);
}

ParamGroupOptions group_options(const Config& optimizer) {
  ParamGroupOptions o;
  o.lr = optimizer.get_double("lr", 5e-5);
  o.weight_decay = optimizer.get_double("weight_decay", 0.01);
  o.decay_bias_and_norm = optimizer.get_bool("decay_bias_and_norm", false);
  o.layer_decay = optimizer.get_double("layer_decay", 1.0);
  const Config groups = optimizer.get_table("groups");
  for (const auto& name : groups.keys()) {
    GroupRate rate;
    if (groups.json().at(name).is_object()) {
      const Config g = groups.get_table(name);
      if (g.has("lr")) rate.lr = g.get_double("lr");
      if (g.has("weight_decay")) rate.weight_decay = g.get_double("weight_decay");
    } else {
      rate.lr = groups.get_double(name);
    }
    o.groups[name] = rate;
  }
  return o;
}

TrainerOptions trainer_options(const spec::Trial& trial, bool progress) {
  const Config t = trial.view("training");
  const Config opt = trial.view("optimizer");
  const Config sampling = trial.view("sampling");
  TrainerOptions o;
  o.epochs = t.get_int("epochs", 3);
  o.max_steps = t.get_int("max_steps", 0);
  o.batch_size = t.get_int("batch_size", 32);
  o.eval_batch_size = t.get_int("eval_batch_size", 0);
  o.eval_every = t.get_int("eval_every", 0);
  o.grad_accumulation = t.get_int("grad_accumulation", 1);
  o.grad_clip = t.get_double("grad_clip", 1.0);
  o.log_every = t.get_int("log_every", 50);
  o.metric = t.get_string("metric", "dev.loss");
  o.metric_mode = t.get_string("metric_mode", "auto");
  o.early_stopping = t.get_bool("early_stopping", false);
  o.patience = t.get_int("patience", 3);
  o.save = t.get_string("save", "best");
  o.schedule = opt.get_string("schedule", "linear");
  o.warmup = opt.get_double("warmup", 0.0);
  o.sampling = sampling.get_string("rule", "proportional");
  o.temperature = sampling.get_double("temperature", 2.0);
  o.steps_per_epoch = sampling.get_int("steps_per_epoch", 0);
  const Config weighting = trial.view("weighting");
  o.weighting = weighting.get_string("method", "static");
  o.init_log_variance = weighting.get_double("init_log_variance", 0.0);
  const Config unfreeze = trial.view("unfreeze");
  o.unfreeze_every = unfreeze.get_int("every", 0);
  o.unfreeze_unit = unfreeze.get_string("unit", "epochs");
  o.unfreeze_group_size = unfreeze.get_int("group_size", 1);
  o.checkpoint_every = t.get_int("checkpoint_every", 0);
  o.seed = static_cast<std::uint64_t>(trial.seed);
  o.progress = progress;
  return o;
}

}  // namespace

std::shared_ptr<Backbone> create_backbone(const TrialContext& context, TrialOutcome& outcome) {
  const spec::Trial& trial = *context.trial;
  const std::string name = trial.config.value("backbone", json::object()).value("plugin", "bert");
  auto backbone = context.registry->create<Backbone>(Kind::backbone, name, backbone_config(trial));
  outcome.plugins_used.emplace_back("backbone", name);
  return backbone;
}

// Build data → build model → train; the recorder takes everything as it happens.
TrialOutcome run_trial(const TrialContext& context, Recorder& recorder) {
  const spec::Trial& trial = *context.trial;
  const Config training = trial.view("training");
  set_threads(static_cast<int>(training.get_int("threads", 0)));
  torch::manual_seed(static_cast<std::uint64_t>(trial.seed));
  recorder.fact("threads", std::to_string(at::get_num_threads()));
  recorder.fact("matmul_path", matmul_path_name(matmul_path()));  // oneDNN or BLAS linear layers
  if (trial.config.contains("embed")) return run_embedding_trial(context, recorder);

  TrialOutcome outcome;
  TrialData data = read_trial_data(trial, context.spec_dir);  // first: a new vocabulary is built from it
  TrialModel built = build_trial_model(context, data, recorder, outcome);
  std::vector<TaskDataset> datasets = tokenize_trial_data(data, built.tasks, built.backbone->tokenizer(),
                                                          built.backbone->max_length(), recorder);

  const Config optimizer_table = trial.view("optimizer");
  const std::string optimizer_name = optimizer_table.get_string("plugin", "adamw");
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
  inputs.groups = group_options(optimizer_table);
  inputs.freeze = FreezePolicy::parse(training.get_string("freeze", "none"), data.task_names,
                                      built.backbone->num_layers(), training.location("freeze"));
  inputs.datasets = &datasets;
  inputs.output_dir = context.output_dir;
  inputs.resume = context.resume;
  inputs.save_model = [&](const std::filesystem::path& folder) {
    for (const auto& file : save_model_folder(*built.model, built.manifest, folder)) recorder.artifact("model", file);
  };
  std::unique_ptr<FrozenPrefixCache> own_cache;
  if (training.get_bool("frozen_cache", true)) {
    if (!context.frozen_cache) own_cache = std::make_unique<FrozenPrefixCache>();
    inputs.frozen_cache = context.frozen_cache ? context.frozen_cache : own_cache.get();
    inputs.frozen_cache->set_limit_bytes(static_cast<std::size_t>(training.get_int("frozen_cache_mb", 1024)) << 20);
  }
  outcome.result = train(inputs, trainer_options(trial, context.progress), recorder);
  return outcome;
}

}  // namespace mtlab::cli
