#pragma once
// One trial's framework keys, typed: what the runner and the trainer read, with
// every default written here once. The spec schema takes its defaults (and the
// choices of the enum keys) from these structs, so docs/spec.md and validation
// agree with the code; spec::resolve_options() fills them from a resolved trial.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mtlab/options/enum_names.h"
#include "mtlab/options/freeze_spec.h"
#include "mtlab/options/liveness.h"

namespace mtlab {

enum class Isolation { none, process };
enum class MetricMode { automatic, min, max };  // automatic: min for a loss, max otherwise
enum class SaveModel { best, last, none };
enum class ScheduleKind { constant, linear, cosine };
enum class SamplingRule { round_robin, proportional, temperature };
enum class WeightingMethod { fixed, uncertainty };  // fixed: "static", Σ weight·loss
enum class UnfreezeUnit { epochs, steps };
enum class TaskLevel { from_head, sentence, token };  // from_head: "" in a spec
enum class TrainingPrecision { fp32, bf16 };  // bf16: CPU autocast, fp32 master weights

template <> struct EnumNames<Isolation> { static constexpr std::array<std::string_view, 2> values = {"none", "process"}; };
template <> struct EnumNames<MetricMode> { static constexpr std::array<std::string_view, 3> values = {"auto", "min", "max"}; };
template <> struct EnumNames<SaveModel> { static constexpr std::array<std::string_view, 3> values = {"best", "last", "none"}; };
template <> struct EnumNames<ScheduleKind> { static constexpr std::array<std::string_view, 3> values = {"constant", "linear", "cosine"}; };
template <> struct EnumNames<SamplingRule> { static constexpr std::array<std::string_view, 3> values = {"round_robin", "proportional", "temperature"}; };
template <> struct EnumNames<WeightingMethod> { static constexpr std::array<std::string_view, 2> values = {"static", "uncertainty"}; };
template <> struct EnumNames<UnfreezeUnit> { static constexpr std::array<std::string_view, 2> values = {"epochs", "steps"}; };
template <> struct EnumNames<TrainingPrecision> { static constexpr std::array<std::string_view, 2> values = {"fp32", "bf16"}; };
template <> struct EnumNames<TaskLevel> { static constexpr std::array<std::string_view, 3> values = {"", "sentence", "token"}; };

// [experiment]
struct ExperimentOptions {
  std::string name;  // required
  std::string description;
  std::uint64_t seed = 42;
  std::string database = "results.db";  // relative to the spec's folder
  std::string output = "runs";
  Isolation isolation = Isolation::none;
  std::int64_t trial_timeout = 0;  // seconds; 0: no limit
  // Workers: a run silent this long is dead and its trial is claimed again, at
  // most max_retries times after the first attempt.
  std::int64_t heartbeat_timeout = kDefaultHeartbeatTimeoutSeconds;
  std::int64_t max_retries = 2;
  std::int64_t distributed_timeout = 300;  // seconds a data-parallel rank waits for its peers
};

// [training]
struct TrainingOptions {
  std::int64_t epochs = 3;
  std::int64_t max_steps = 0;  // > 0 overrides epochs
  std::int64_t batch_size = 32;
  std::int64_t eval_batch_size = 0;  // 0: batch_size
  FreezeSpec freeze;                 // none
  bool frozen_cache = true;
  std::int64_t frozen_cache_mb = 1024;
  std::int64_t eval_every = 0;  // 0: at epoch ends only
  std::string metric = "dev.loss";  // dev.loss | dev.TASK.METRIC
  MetricMode metric_mode = MetricMode::automatic;
  bool early_stopping = false;
  std::int64_t patience = 3;
  SaveModel save = SaveModel::best;
  std::int64_t checkpoint_every = 0;  // resume checkpoints every N steps as well as at epoch ends
  double grad_clip = 1.0;             // 0: no clipping
  std::int64_t grad_accumulation = 1;
  std::int64_t threads = 0;  // 0: all cores
  std::string device = "cpu";
  TrainingPrecision precision = TrainingPrecision::fp32;
  std::int64_t log_every = 50;

  // Whether `metric` is better low: metric_mode, or for auto a loss or a perplexity.
  bool minimizes() const {
    const bool lossy = metric.ends_with("loss") || metric.ends_with("perplexity");
    return metric_mode == MetricMode::min || (metric_mode == MetricMode::automatic && lossy);
  }
};

// [optimizer.groups] entries: a learning rate and/or a weight decay.
struct GroupRate {
  std::optional<double> lr;
  std::optional<double> weight_decay;
};

// The [optimizer] keys that shape the parameter groups.
struct ParamGroupOptions {
  double lr = 5e-5;
  double weight_decay = 0.01;
  bool decay_bias_and_norm = false;  // false: biases and LayerNorm weights get no weight decay
  double layer_decay = 1.0;          // 1.0: off
  // Keys: embeddings, encoder, pooler, backbone, heads, or a task name. A narrower
  // key wins: a task over heads; embeddings/encoder/pooler over backbone.
  std::map<std::string, GroupRate> groups;
};

// optimizer.schedule and optimizer.warmup.
struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::linear;
  double warmup = 0.0;  // < 1: a fraction of the total steps; >= 1: steps
};

// [optimizer]: the framework's keys (the plugin's own keys go to the plugin).
struct OptimizerOptions : ParamGroupOptions {
  std::string plugin = "adamw";
  ScheduleOptions schedule;
};

// [sampling]: how batches of tasks with their own data interleave.
struct SamplingOptions {
  SamplingRule rule = SamplingRule::proportional;
  double temperature = 2.0;
  std::int64_t steps_per_epoch = 0;  // 0: the sum of every task's batches
};

// [weighting]: static (Σ weight·loss) or uncertainty (Kendall et al. 2018:
// Σ exp(−s_t)·loss_t + s_t with a learned log-variance s_t per task).
struct WeightingOptions {
  WeightingMethod method = WeightingMethod::fixed;
  double init_log_variance = 0.0;
};

// [unfreeze]: gradual unfreezing (ULMFiT); heads train from the start, and every
// `every` epochs or steps one more backbone group joins, top down.
struct UnfreezeOptions {
  std::int64_t every = 0;  // 0: off
  UnfreezeUnit unit = UnfreezeUnit::epochs;
  std::int64_t group_size = 1;
};

// [tasks.NAME.masking]: how a masked-LM task masks its inputs (BERT, Devlin et
// al. 2019): each token (each word, with whole_word) is chosen with
// `probability`; a chosen token becomes the mask token (mask_fraction), a
// random token (random_fraction) or stays; a new draw every epoch.
struct MaskingOptions {
  double probability = 0.15;
  double mask_fraction = 0.8;
  double random_fraction = 0.1;
  bool whole_word = false;
};

// [tasks.NAME]: the framework's keys (head_config, loss_config and data stay tables).
struct TaskOptions {
  std::string name;
  std::string head;  // required
  std::string loss = "cross_entropy";
  TaskLevel level = TaskLevel::from_head;
  double weight = 1.0;
  std::int64_t batch_size = 0;        // 0: training.batch_size
  std::vector<std::string> metrics;   // []: the level's defaults
  MaskingOptions masking;             // read by masked-LM heads only
};

struct TrialOptions {
  ExperimentOptions experiment;
  TrainingOptions training;
  OptimizerOptions optimizer;
  SamplingOptions sampling;
  WeightingOptions weighting;
  UnfreezeOptions unfreeze;
  std::vector<TaskOptions> tasks;  // in the resolved config's order
};

}  // namespace mtlab
