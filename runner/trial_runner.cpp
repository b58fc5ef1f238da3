#include "trial_runner.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <chrono>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/data/dataset.h"
#include "mtlab/data/label_set.h"
#include "mtlab/model/backbone.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/model/environment.h"
#include "mtlab/spec/experiment.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/model/sentence_encoder.h"
#include "mtlab/text/bert_tokenizer.h"
#include "mtlab/train/frozen_prefix_cache.h"
#include "mtlab/train/model_checkpoint.h"
#include "mtlab/train/multitask_model.h"

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

// The seed's Task 1 as an experiment: encode [embed] sentences, record the
// embeddings as an artifact and their cosine similarities as metrics.
TrialOutcome run_embedding_trial(const TrialContext& context, Recorder& recorder) {
  const spec::Trial& trial = *context.trial;
  TrialOutcome outcome;
  const auto start = std::chrono::steady_clock::now();
  const Config embed = trial.view("embed");
  const std::string backbone_name = trial.config.value("backbone", json::object()).value("plugin", "bert");
  auto backbone = context.registry->create<Backbone>(Kind::backbone, backbone_name, backbone_config(trial));
  outcome.plugins_used.emplace_back("backbone", backbone_name);
  if (backbone->needs_texts()) {
    throw Error(fmt::format("{}: an [embed] experiment needs a trained backbone: set backbone.checkpoint or "
                            "backbone.from_run",
                            trial.file));
  }
  SentenceEncoderOptions options;
  options.pooling = {pooling_from_name(embed.get_choice("pooling", "pooler", {"pooler", "cls", "mean", "max"}))};
  options.normalize = embed.get_bool("normalize", false);
  std::vector<SentenceInput> inputs;
  for (const auto& sentence : embed.get_string_list("sentences")) inputs.push_back({sentence, std::nullopt});
  SentenceEncoder encoder(backbone, options);
  const at::Tensor embeddings = encoder.encode(inputs);  // [N, D]
  const at::Tensor unit = embeddings / embeddings.norm(2, 1, true).clamp_min(1e-12);
  const at::Tensor similarity = unit.matmul(unit.t());
  const auto n = embeddings.size(0);
  recorder.fact("embed.shape", fmt::format("[{}, {}]", n, embeddings.size(1)));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      recorder.metric("", "embed", fmt::format("similarity.{}.{}", i, j), 0, similarity[i][j].item<double>(),
                      std::nullopt);
    }
  }
  recorder.flush();
  std::filesystem::create_directories(context.output_dir);
  const auto file = context.output_dir / "embeddings.safetensors";
  io::save_safetensors(file, {{"embeddings", embeddings.contiguous()}, {"similarity", similarity.contiguous()}});
  recorder.artifact("embeddings", file);
  std::string table = fmt::format("  embeddings [{}, {}]; cosine similarity:\n", n, embeddings.size(1));
  for (std::int64_t i = 0; i < n; ++i) {
    table += "   ";
    for (std::int64_t j = 0; j < n; ++j) table += fmt::format(" {:7.4f}", similarity[i][j].item<double>());
    table += "   " + inputs[static_cast<std::size_t>(i)].text + "\n";
  }
  log::info("{}", table);
  outcome.result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

TrialOutcome run_trial(const TrialContext& context, Recorder& recorder) {
  const spec::Trial& trial = *context.trial;
  TrialOutcome outcome;
  const Config training = trial.view("training");
  set_threads(static_cast<int>(training.get_int("threads", 0)));
  torch::manual_seed(static_cast<std::uint64_t>(trial.seed));
  recorder.fact("threads", std::to_string(at::get_num_threads()));
  recorder.fact("matmul_path", matmul_path_name(matmul_path()));  // oneDNN or BLAS linear layers

  if (trial.config.contains("embed")) return run_embedding_trial(context, recorder);

  // Data first: a from-scratch vocabulary is built from the training text.
  std::vector<std::string> task_names;
  const json tasks_json = trial.config.value("tasks", json::object());
  for (auto it = tasks_json.begin(); it != tasks_json.end(); ++it) task_names.push_back(it.key());
  if (task_names.empty()) throw Error(trial.file + ": the experiment defines no [tasks.NAME] table");

  auto datasets = std::make_shared<std::vector<TaskDataset>>();
  std::vector<std::string> dataset_keys;  // "data" or "tasks.NAME.data"
  std::vector<std::size_t> task_dataset;
  std::vector<Dataset> raw;
  for (const auto& name : task_names) {
    const bool own = tasks_json[name].contains("data");
    const std::string key = own ? "tasks." + name + ".data" : "data";
    auto found = std::find(dataset_keys.begin(), dataset_keys.end(), key);
    if (found == dataset_keys.end()) {
      const Config table = own ? trial.view("tasks").get_table(name).get_table("data") : trial.view("data");
      try {
        raw.push_back(read_dataset(table, context.spec_dir));
      } catch (const std::exception& e) {
        throw Error(fmt::format("[{}]: {}", key, e.what()));
      }
      log::info("  data [{}]: {} — {} train, {} dev, {} test", key, raw.back().source, raw.back().train.size(),
                raw.back().dev.size(), raw.back().test.size());
      dataset_keys.push_back(key);
      task_dataset.push_back(dataset_keys.size() - 1);
    } else {
      task_dataset.push_back(static_cast<std::size_t>(found - dataset_keys.begin()));
    }
  }

  // Backbone.
  const std::string backbone_name = trial.config.value("backbone", json::object()).value("plugin", "bert");
  auto backbone = context.registry->create<Backbone>(Kind::backbone, backbone_name, backbone_config(trial));
  outcome.plugins_used.emplace_back("backbone", backbone_name);
  if (backbone->needs_texts()) {
    std::vector<std::string> texts;
    for (const auto& d : raw) {
      for (const auto& e : d.train) texts.push_back(e.text);
    }
    backbone->fit_texts(texts);
    recorder.fact("backbone.vocab_size", std::to_string(backbone->tokenizer().vocab().size()));
  }
  const std::int64_t max_length = backbone->max_length();

  // Tasks: head, loss, label set.
  std::vector<TaskSpec> tasks;
  std::vector<std::pair<std::string, std::shared_ptr<Head>>> heads;
  std::map<std::string, std::shared_ptr<Loss>> loss_objects;
  json manifest_tasks = json::array();
  for (std::size_t i = 0; i < task_names.size(); ++i) {
    const std::string& name = task_names[i];
    const Config task = trial.view("tasks").get_table(name);
    const std::string head_name = task.get_string("head");
    const std::string loss_name = task.get_string("loss", "cross_entropy");
    const Config head_config = task.get_table("head_config");
    auto head = context.registry->create<Head>(Kind::head, head_name, head_config);
    auto loss = context.registry->create<Loss>(Kind::loss, loss_name, task.get_table("loss_config"));
    outcome.plugins_used.emplace_back("head", head_name);
    outcome.plugins_used.emplace_back("loss", loss_name);
    TaskSpec spec;
    spec.name = name;
    const std::string level = task.get_string("level", "");
    spec.level = level == "token" ? HeadLevel::token : level == "sentence" ? HeadLevel::sequence : head->level();
    if (spec.level != head->level()) {
      throw Error(fmt::format("{}: task '{}': level '{}' does not match head '{}', which predicts per {}",
                              task.location("level"), name, level, head_name,
                              head->level() == HeadLevel::token ? "token" : "sentence"));
    }
    spec.weight = task.get_double("weight", 1.0);
    spec.batch_size = task.get_int("batch_size", 0);
    spec.metrics = task.get_string_list("metrics");
    spec.dataset = task_dataset[i];
    const Dataset& data = raw[spec.dataset];
    if (spec.level == HeadLevel::sequence) {
      if (!data.has_labels()) throw Error(fmt::format("task '{}': its data ({}) has no sentence labels", name, data.source));
      spec.labels = LabelSet::build(split_labels(data.train));
    } else {
      if (!data.has_tags()) throw Error(fmt::format("task '{}': its data ({}) has no word tags", name, data.source));
      spec.labels = LabelSet::build_tags(split_tags(data.train));
    }
    recorder.fact("labels." + name, spec.labels.to_json());
    head->build(backbone->hidden_size(), static_cast<std::int64_t>(spec.labels.size()));
    head->to(backbone->device());
    heads.emplace_back(name, head);
    loss_objects[name] = loss;
    manifest_tasks.push_back({{"name", name},
                              {"level", spec.level == HeadLevel::token ? "token" : "sentence"},
                              {"head", head_name},
                              {"head_config", head_config.json()},
                              {"loss", loss_name},
                              {"weight", spec.weight},
                              {"labels", spec.labels.labels()}});
    tasks.push_back(std::move(spec));
  }

  auto model = std::make_shared<MultiTaskModel>(backbone, heads);

  // Tokenize every split once.
  for (std::size_t d = 0; d < raw.size(); ++d) {
    std::vector<const TaskSpec*> dtasks;
    for (const auto& t : tasks) {
      if (t.dataset == d) dtasks.push_back(&t);
    }
    TaskDataset td;
    td.train = std::move(raw[d].train);
    td.dev = std::move(raw[d].dev);
    td.test = std::move(raw[d].test);
    const auto& tok = backbone->tokenizer();
    td.train_tokens = encode_examples(tok, td.train, dtasks, max_length, "train");
    td.dev_tokens = encode_examples(tok, td.dev, dtasks, max_length, "dev");
    td.test_tokens = encode_examples(tok, td.test, dtasks, max_length, "test");
    recorder.fact(fmt::format("data.{}.words_lost", d),
                  fmt::format("train={} dev={} test={}", td.train_tokens.words_lost, td.dev_tokens.words_lost,
                              td.test_tokens.words_lost));
    datasets->push_back(std::move(td));
  }

  const Config optimizer_table = trial.view("optimizer");
  const std::string optimizer_name = optimizer_table.get_string("plugin", "adamw");
  // [optimizer] mixes framework keys with the plugin's; the plugin gets its own.
  auto optimizer = context.registry->create<OptimizerFactory>(
      Kind::optimizer, optimizer_name,
      spec::plugin_config(trial, "optimizer", context.registry->find(Kind::optimizer, optimizer_name)));
  outcome.plugins_used.emplace_back("optimizer", optimizer_name);

  TrainInputs inputs;
  inputs.model = model.get();
  inputs.tasks = tasks;
  for (auto& [name, loss] : loss_objects) inputs.losses[name] = loss.get();
  inputs.optimizer = optimizer.get();
  inputs.groups = group_options(optimizer_table);
  inputs.freeze = FreezePolicy::parse(training.get_string("freeze", "none"), task_names, backbone->num_layers(),
                                      training.location("freeze"));
  inputs.datasets = datasets.get();
  inputs.output_dir = context.output_dir;
  inputs.resume = context.resume;
  const json manifest = {{"format", "mtlab-multitask-model"},
                         {"version", 1},
                         {"backbone", {{"plugin", backbone_name}}},
                         {"trial", trial.name},
                         {"config_hash", trial.hash},
                         {"tasks", manifest_tasks}};
  inputs.save_model = [&](const std::filesystem::path& folder) {
    for (const auto& file : save_model_folder(*model, manifest, folder)) recorder.artifact("model", file);
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
