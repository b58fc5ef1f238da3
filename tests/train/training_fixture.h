#pragma once
// A tiny real multi-task model (BERT built from scratch + the shipped head,
// loss and optimizer plugins) on generated intent/slot data, for training tests.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "mtlab/data/dataset.h"
#include "mtlab/data/label_set.h"
#include "mtlab/data/synthetic_data.h"
#include "mtlab/bert/bert_model.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/train/interrupt.h"
#include "mtlab/train/multitask_model.h"
#include "mtlab/train/trainer.h"
#include "test_paths.h"

namespace mtlab::test {

class MemoryRecorder : public Recorder {
 public:
  struct Row {
    std::string task, split, name;
    std::int64_t step;
    double value;
  };
  std::vector<Row> rows;
  std::map<std::string, std::string> facts;
  void metric(std::string_view task, std::string_view split, std::string_view name, std::int64_t step, double value,
              std::optional<double>) override {
    rows.push_back({std::string(task), std::string(split), std::string(name), step, value});
  }
  void fact(std::string_view key, std::string_view value) override { facts[std::string(key)] = std::string(value); }
  void artifact(std::string_view, const std::filesystem::path&) override {}
};

struct Simulated : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Records like MemoryRecorder, implements rewind, and stops the run when the
// total training loss of `stop_step` is recorded: by asking for an interrupt,
// or by throwing (a crash: no checkpoint is written on the way out).
class StoppingRecorder : public MemoryRecorder {
 public:
  enum class How { never, interrupt, crash };
  StoppingRecorder(How how, std::int64_t stop_step) : how_(how), stop_step_(stop_step) {}
  void metric(std::string_view task, std::string_view split, std::string_view name, std::int64_t step, double value,
              std::optional<double> epoch) override {
    MemoryRecorder::metric(task, split, name, step, value, epoch);
    if (task.empty() && split == "train" && name == "loss" && step == stop_step_) {
      if (how_ == How::interrupt) request_interrupt();
      if (how_ == How::crash) throw Simulated("simulated crash");
    }
  }
  void rewind(std::int64_t step) override {
    rewound_to = step;
    std::erase_if(rows, [&](const Row& r) { return r.step > step; });
  }
  std::int64_t rewound_to = -1;

 private:
  How how_;
  std::int64_t stop_step_;
};

inline plugin::Registry& shipped_plugins() {
  static plugin::Registry registry = [] {
    plugin::Registry r;
    r.scan({plugin_dir()});
    return r;
  }();
  return registry;
}

struct TinySetup {
  std::shared_ptr<MultiTaskModel> model;
  std::vector<TaskSpec> tasks;
  std::map<std::string, std::shared_ptr<Loss>> loss_objects;
  std::shared_ptr<OptimizerFactory> optimizer;
  std::vector<TaskDataset> datasets;

  TrainInputs inputs(const std::string& freeze) {
    TrainInputs in;
    in.model = model.get();
    in.tasks = tasks;
    for (auto& [name, loss] : loss_objects) in.losses[name] = loss.get();
    in.optimizer = optimizer.get();
    in.groups.lr = 3e-3;
    in.freeze = FreezePolicy::parse(freeze, {"intent", "slots"}, model->backbone().num_layers());
    in.datasets = &datasets;
    return in;
  }
};

// The generated intent/slot sentences (seed 5) and a tiny BERT (hidden 32, 2
// layers) whose vocabulary is built from their training text.
struct TinyBert {
  Dataset data;
  std::shared_ptr<BertModel> backbone;
};
inline TinyBert make_tiny_bert(std::size_t train_size, std::size_t test_size = 40) {
  SyntheticOptions so;
  so.seed = 5;
  so.train_size = train_size;
  so.dev_size = 40;
  so.test_size = test_size;
  Dataset data = generate_synthetic(so);

  BertConfig config;
  config.hidden_size = 32;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 2;
  config.intermediate_size = 64;
  config.max_position_embeddings = 64;
  VocabBuildOptions vocab;
  vocab.min_frequency = 1;
  auto backbone = std::make_shared<BertModel>(config, vocab);
  std::vector<std::string> texts;
  for (const auto& e : data.train) texts.push_back(e.text);
  backbone->fit_texts(texts);
  return {std::move(data), std::move(backbone)};
}

// seed fixes weights, data and order; `head_dropout` lets a test turn dropout off.
inline TinySetup make_tiny_setup(std::uint64_t seed = 3, std::size_t train_size = 160, double head_dropout = 0.1,
                                 const std::string& optimizer = "adamw") {
  torch::manual_seed(seed);
  auto [data, backbone] = make_tiny_bert(train_size);

  TinySetup s;
  auto& registry = shipped_plugins();
  const Config head_config(nlohmann::json{{"dropout", head_dropout}}, "[test head]");
  auto intent = registry.create<Head>(plugin::Kind::head, "sequence_classification", head_config);
  auto slots = registry.create<Head>(plugin::Kind::head, "token_classification", head_config);
  TaskSpec ti{"intent", HeadLevel::sequence, 0.5, {}, 0, LabelSet::build(split_labels(data.train))};
  TaskSpec ts{"slots", HeadLevel::token, 0.5, {}, 0, LabelSet::build_tags(split_tags(data.train))};
  intent->build(32, static_cast<std::int64_t>(ti.labels.size()));
  slots->build(32, static_cast<std::int64_t>(ts.labels.size()));
  s.model = std::make_shared<MultiTaskModel>(backbone, std::vector<std::pair<std::string, std::shared_ptr<Head>>>{
                                                           {"intent", intent}, {"slots", slots}});
  s.tasks = {ti, ts};
  s.loss_objects["intent"] = registry.create<Loss>(plugin::Kind::loss, "cross_entropy", Config());
  s.loss_objects["slots"] = registry.create<Loss>(plugin::Kind::loss, "cross_entropy", Config());
  s.optimizer = registry.create<OptimizerFactory>(plugin::Kind::optimizer, optimizer, Config());

  TaskDataset td;
  td.train = data.train;
  td.dev = data.dev;
  td.test = data.test;
  std::vector<const TaskSpec*> tasks{&s.tasks[0], &s.tasks[1]};
  td.train_tokens = encode_examples(backbone->tokenizer(), td.train, tasks, 48, "train");
  td.dev_tokens = encode_examples(backbone->tokenizer(), td.dev, tasks, 48, "dev");
  td.test_tokens = encode_examples(backbone->tokenizer(), td.test, tasks, 48, "test");
  s.datasets.push_back(std::move(td));
  return s;
}

inline std::map<std::string, at::Tensor> parameter_copy(MultiTaskModel& model) {
  std::map<std::string, at::Tensor> out;
  for (const auto& item : model.named_parameters()) out[item.key()] = item.value().detach().clone();
  return out;
}

}  // namespace mtlab::test
