#pragma once
// A slice of the real ATIS data and a tiny BERT (built from scratch, vocabulary
// from the slice) with the shipped heads, losses and optimizer, for the
// frozen-prefix cache tests.
#include <nlohmann/json.hpp>

#include "mtlab/core/config.h"
#include "mtlab/data/dataset.h"
#include "training_fixture.h"

namespace mtlab::test {

inline Dataset atis_slice(std::size_t train, std::size_t dev, std::size_t test) {
  const auto atis = data_dir() / "atis";
  const nlohmann::json table = {{"format", "joint"},           {"train", (atis / "train").string()},
                                {"dev", (atis / "dev").string()}, {"test", (atis / "test").string()},
                                {"limit_train", train},         {"limit_dev", dev},
                                {"limit_test", test}};
  return read_dataset(Config(table, "[test data]"));
}

// BERT of the given width and depth, random weights from `seed`, vocabulary from `data`'s training text.
inline std::shared_ptr<BertModel> small_bert(const Dataset& data, std::int64_t hidden, std::int64_t layers,
                                             std::uint64_t seed) {
  torch::manual_seed(seed);
  BertConfig config;
  config.hidden_size = hidden;
  config.num_hidden_layers = layers;
  config.num_attention_heads = hidden / 32;
  config.intermediate_size = hidden * 4;
  config.max_position_embeddings = 64;
  VocabBuildOptions vocab;
  vocab.min_frequency = 1;
  auto bert = std::make_shared<BertModel>(config, vocab);
  std::vector<std::string> texts;
  for (const auto& e : data.train) texts.push_back(e.text);
  bert->fit_texts(texts);
  return bert;
}

// The seed's multi-task model (intent on the pooler, slots on the token states)
// over an ATIS slice; the same seed gives the same weights and data.
inline TinySetup atis_setup(std::uint64_t seed = 3, std::size_t train_size = 192) {
  Dataset data = atis_slice(train_size, 48, 48);
  auto backbone = small_bert(data, 32, 2, seed);
  TinySetup s;
  auto& registry = shipped_plugins();
  const Config head_config(nlohmann::json{{"dropout", 0.1}}, "[test head]");
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
  s.optimizer = registry.create<OptimizerFactory>(plugin::Kind::optimizer, "adamw", Config());
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

}  // namespace mtlab::test
