#include "trial_model.h"

#include <fmt/format.h>

#include "mtlab/core/error.h"
#include "mtlab/data/label_set.h"

namespace mtlab::cli {
namespace {

using nlohmann::json;
using plugin::Kind;

std::string level_name(HeadLevel level) { return level == HeadLevel::token ? "token" : "sentence"; }

// The task's level (the spec's `level`, else the head's own), its weight and
// metrics, and the labels of its training split.
TaskSpec task_spec(const TaskOptions& options, const Config& task, const Head& head, const TrialData& data,
                   std::size_t index, const Tokenizer& tokenizer, std::uint64_t seed) {
  const std::string& name = options.name;
  TaskSpec spec;
  if (head.masked_lm()) {  // no labels: the targets are the task's own masked tokens
    spec.name = name;
    spec.level = HeadLevel::token;
    spec.weight = options.weight;
    spec.batch_size = options.batch_size;
    spec.metrics = options.metrics;
    spec.dataset = data.task_dataset[index];
    try {
      spec.masking = MaskingSpec::make(options.masking, tokenizer, seed);
    } catch (const std::exception& e) {
      throw Error(fmt::format("{}: task '{}': {}", task.location("masking"), name, e.what()));
    }
    return spec;
  }
  spec.name = name;
  spec.level = options.level == TaskLevel::token      ? HeadLevel::token
               : options.level == TaskLevel::sentence ? HeadLevel::sequence
                                                       : head.level();
  if (spec.level != head.level()) {
    throw Error(fmt::format("{}: task '{}': level '{}' does not match head '{}', which predicts per {}",
                            task.location("level"), name, enum_name(options.level), options.head,
                            level_name(head.level())));
  }
  spec.weight = options.weight;
  spec.batch_size = options.batch_size;
  spec.metrics = options.metrics;
  spec.dataset = data.task_dataset[index];
  const Dataset& d = data.datasets[spec.dataset];
  if (spec.level == HeadLevel::sequence) {
    if (!d.has_labels()) throw Error(fmt::format("task '{}': its data ({}) has no sentence labels", name, d.source));
    spec.labels = LabelSet::build(split_labels(d.train));
  } else {
    if (!d.has_tags()) throw Error(fmt::format("task '{}': its data ({}) has no word tags", name, d.source));
    spec.labels = LabelSet::build_tags(split_tags(d.train));
  }
  return spec;
}

// The descriptor's own_loss is what the spec validator reads; the object must agree.
void check_own_loss(const Head& head, const plugin::PluginInfo& info) {
  if (head.owns_loss() == !info.own_loss.empty()) return;
  throw Error(fmt::format("{}: head plugin '{}' {} its own loss but its descriptor says {}", info.file.string(),
                          info.name, head.owns_loss() ? "computes" : "does not compute",
                          info.own_loss.empty() ? "otherwise" : "'" + info.own_loss + "'"));
}

// The text of a dataset, without its labels and tags (the words stay: whole-word masking reads them).
Dataset text_only(const Dataset& d) {
  Dataset out = d;
  for (auto* split : {&out.train, &out.dev, &out.test}) {
    for (auto& e : *split) {
      e.label.reset();
      e.tags.clear();
    }
  }
  return out;
}

// A masked-LM task masks the inputs of every batch of its dataset, so when it
// shares that dataset with another task it gets a text-only copy of its own.
void give_own_dataset(TrialData& data, std::size_t task) {
  const std::size_t d = data.task_dataset[task];
  bool shared = false;
  for (std::size_t j = 0; j < data.task_dataset.size(); ++j) shared = shared || (j != task && data.task_dataset[j] == d);
  if (!shared) return;
  data.datasets.push_back(text_only(data.datasets[d]));
  data.dataset_keys.push_back(data.dataset_keys[d] + " (text of task " + data.task_names[task] + ")");
  data.task_dataset[task] = data.datasets.size() - 1;
}

}  // namespace

TrialModel build_trial_model(const TrialContext& context, TrialData& data, const std::vector<TaskOptions>& tasks,
                             Recorder& recorder, TrialOutcome& outcome) {
  const spec::Trial& trial = *context.trial;
  TrialModel out;
  out.backbone = create_backbone(context, outcome);
  out.backbone_plugin = outcome.plugins_used.back().second;
  if (out.backbone->needs_texts()) {
    out.backbone->fit_texts(training_texts(data));
    recorder.fact("backbone.vocab_size", std::to_string(out.backbone->tokenizer().vocab_size()));
  }

  std::vector<std::pair<std::string, std::shared_ptr<Head>>> heads;
  json manifest_tasks = json::array();
  for (std::size_t i = 0; i < data.task_names.size(); ++i) {
    const std::string& name = data.task_names[i];
    const Config task = trial.view("tasks").get_table(name);
    const std::string& head_name = tasks.at(i).head;
    const std::string& loss_name = tasks.at(i).loss;
    const Config head_config = task.get_table("head_config");
    auto head = context.registry->create<Head>(Kind::head, head_name, head_config);
    outcome.plugins_used.emplace_back("head", head_name);
    check_own_loss(*head, context.registry->find(Kind::head, head_name));
    if (!head->owns_loss()) {
      out.losses[name] = context.registry->create<Loss>(Kind::loss, loss_name, task.get_table("loss_config"));
      outcome.plugins_used.emplace_back("loss", loss_name);
    }
    if (head->masked_lm()) give_own_dataset(data, i);
    TaskSpec spec = task_spec(tasks.at(i), task, *head, data, i, out.backbone->tokenizer(),
                              static_cast<std::uint64_t>(trial.seed));
    recorder.fact("labels." + name, spec.labels.to_json());
    head->set_labels(spec.labels.labels());
    // A masked-LM head takes its vocabulary from the embeddings it ties to (0 here).
    head->build(out.backbone->hidden_size(), static_cast<std::int64_t>(spec.labels.size()));
    head->to(out.backbone->device());
    heads.emplace_back(name, head);
    manifest_tasks.push_back({{"name", name},
                              {"level", level_name(spec.level)},
                              {"head", head_name},
                              {"head_config", head_config.json()},
                              {"loss", head->owns_loss() ? "" : loss_name},
                              {"weight", spec.weight},
                              {"labels", spec.labels.labels()}});
    if (spec.masking) manifest_tasks.back()["masked_lm"] = true;
    out.tasks.push_back(std::move(spec));
  }
  out.model = std::make_shared<MultiTaskModel>(out.backbone, heads);
  out.manifest = {{"format", "mtlab-multitask-model"},
                  {"version", 1},
                  {"backbone", {{"plugin", out.backbone_plugin}}},
                  {"trial", trial.name},
                  {"config_hash", trial.hash},
                  {"tasks", manifest_tasks}};
  return out;
}

}  // namespace mtlab::cli
