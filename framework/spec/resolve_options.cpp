#include "mtlab/spec/resolve_options.h"

#include <fmt/format.h>

#include "mtlab/core/error.h"

namespace mtlab::spec {
namespace {

template <class E>
E read_enum(const Config& table, std::string_view key, E fallback) {
  return *enum_from_name<E>(table.get_choice(key, std::string(enum_name(fallback)), enum_names<E>()));
}

ExperimentOptions experiment_options(const Config& t) {
  ExperimentOptions o;
  o.name = t.get_string("name", o.name);
  o.description = t.get_string("description", o.description);
  o.seed = static_cast<std::uint64_t>(t.get_int("seed", static_cast<std::int64_t>(o.seed), 0));
  o.database = t.get_string("database", o.database);
  o.output = t.get_string("output", o.output);
  o.isolation = read_enum(t, "isolation", o.isolation);
  o.trial_timeout = t.get_int("trial_timeout", o.trial_timeout);
  o.heartbeat_timeout = t.get_int("heartbeat_timeout", o.heartbeat_timeout);
  o.max_retries = t.get_int("max_retries", o.max_retries);
  o.distributed_timeout = t.get_int("distributed_timeout", o.distributed_timeout);
  return o;
}

FreezeSpec freeze_option(const Config& t, const std::vector<std::string>& tasks, const FreezeSpec& fallback) {
  try {
    // The encoder's real depth is checked again when the backbone exists.
    return parse_freeze(t.get_string("freeze", fallback.text()), tasks, kMaxEncoderLayers);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", t.location("freeze"), e.what()));
  }
}

TrainingOptions training_options(const Config& t, const std::vector<std::string>& tasks) {
  TrainingOptions o;
  o.epochs = t.get_int("epochs", o.epochs);
  o.max_steps = t.get_int("max_steps", o.max_steps);
  o.batch_size = t.get_int("batch_size", o.batch_size);
  o.eval_batch_size = t.get_int("eval_batch_size", o.eval_batch_size);
  o.freeze = freeze_option(t, tasks, o.freeze);
  o.frozen_cache = t.get_bool("frozen_cache", o.frozen_cache);
  o.frozen_cache_mb = t.get_int("frozen_cache_mb", o.frozen_cache_mb);
  o.eval_every = t.get_int("eval_every", o.eval_every);
  o.metric = t.get_string("metric", o.metric);
  o.metric_mode = read_enum(t, "metric_mode", o.metric_mode);
  o.early_stopping = t.get_bool("early_stopping", o.early_stopping);
  o.patience = t.get_int("patience", o.patience);
  o.save = read_enum(t, "save", o.save);
  o.checkpoint_every = t.get_int("checkpoint_every", o.checkpoint_every);
  o.grad_clip = t.get_double("grad_clip", o.grad_clip);
  o.grad_accumulation = t.get_int("grad_accumulation", o.grad_accumulation);
  o.threads = t.get_int("threads", o.threads);
  o.device = t.get_string("device", o.device);
  o.precision = read_enum(t, "precision", o.precision);
  o.log_every = t.get_int("log_every", o.log_every);
  return o;
}

GroupRate group_rate(const Config& groups, const std::string& name) {
  GroupRate rate;
  if (!groups.json().at(name).is_object()) {
    rate.lr = groups.get_double(name);
    return rate;
  }
  const Config g = groups.get_table(name);
  if (g.has("lr")) rate.lr = g.get_double("lr");
  if (g.has("weight_decay")) rate.weight_decay = g.get_double("weight_decay");
  return rate;
}

OptimizerOptions optimizer_options(const Config& t) {
  OptimizerOptions o;
  o.plugin = t.get_string("plugin", o.plugin);
  o.lr = t.get_double("lr", o.lr);
  o.weight_decay = t.get_double("weight_decay", o.weight_decay);
  o.decay_bias_and_norm = t.get_bool("decay_bias_and_norm", o.decay_bias_and_norm);
  o.layer_decay = t.get_double("layer_decay", o.layer_decay);
  const Config groups = t.get_table("groups");
  for (const auto& name : groups.keys()) o.groups[name] = group_rate(groups, name);
  o.schedule.kind = read_enum(t, "schedule", o.schedule.kind);
  o.schedule.warmup = t.get_double("warmup", o.schedule.warmup);
  return o;
}

SamplingOptions sampling_options(const Config& t) {
  SamplingOptions o;
  o.rule = read_enum(t, "rule", o.rule);
  o.temperature = t.get_double("temperature", o.temperature);
  o.steps_per_epoch = t.get_int("steps_per_epoch", o.steps_per_epoch);
  return o;
}

WeightingOptions weighting_options(const Config& t) {
  WeightingOptions o;
  o.method = read_enum(t, "method", o.method);
  o.init_log_variance = t.get_double("init_log_variance", o.init_log_variance);
  return o;
}

UnfreezeOptions unfreeze_options(const Config& t) {
  UnfreezeOptions o;
  o.every = t.get_int("every", o.every);
  o.unit = read_enum(t, "unit", o.unit);
  o.group_size = t.get_int("group_size", o.group_size);
  return o;
}

TaskOptions task_options(const Config& t, const std::string& name) {
  TaskOptions o;
  o.name = name;
  o.head = t.get_string("head");
  o.loss = t.get_string("loss", o.loss);
  o.level = read_enum(t, "level", o.level);
  o.weight = t.get_double("weight", o.weight);
  o.batch_size = t.get_int("batch_size", o.batch_size);
  o.metrics = t.get_string_list("metrics", o.metrics);
  const Config m = t.get_table("masking");
  o.masking.probability = m.get_double("probability", o.masking.probability);
  o.masking.mask_fraction = m.get_double("mask_fraction", o.masking.mask_fraction);
  o.masking.random_fraction = m.get_double("random_fraction", o.masking.random_fraction);
  o.masking.whole_word = m.get_bool("whole_word", o.masking.whole_word);
  return o;
}

}  // namespace

TrialOptions resolve_options(const Trial& trial) {
  TrialOptions o;
  const Config tasks = trial.view("tasks");
  const std::vector<std::string> names = tasks.keys();
  for (const auto& name : names) o.tasks.push_back(task_options(tasks.get_table(name), name));
  o.experiment = experiment_options(trial.view("experiment"));
  o.training = training_options(trial.view("training"), names);
  o.optimizer = optimizer_options(trial.view("optimizer"));
  o.sampling = sampling_options(trial.view("sampling"));
  o.weighting = weighting_options(trial.view("weighting"));
  o.unfreeze = unfreeze_options(trial.view("unfreeze"));
  return o;
}

}  // namespace mtlab::spec
