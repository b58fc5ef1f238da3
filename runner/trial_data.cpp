#include "trial_data.h"

#include <fmt/format.h>

#include <algorithm>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"

namespace mtlab::cli {

TrialData read_trial_data(const spec::Trial& trial, const std::filesystem::path& spec_dir) {
  TrialData data;
  const nlohmann::json tasks = trial.config.value("tasks", nlohmann::json::object());
  for (auto it = tasks.begin(); it != tasks.end(); ++it) data.task_names.push_back(it.key());
  if (data.task_names.empty()) throw Error(trial.file + ": the experiment defines no [tasks.NAME] table");

  for (const auto& name : data.task_names) {
    const bool own = tasks[name].contains("data");
    const std::string key = own ? "tasks." + name + ".data" : "data";
    const auto found = std::find(data.dataset_keys.begin(), data.dataset_keys.end(), key);
    if (found != data.dataset_keys.end()) {
      data.task_dataset.push_back(static_cast<std::size_t>(found - data.dataset_keys.begin()));
      continue;
    }
    const Config table = own ? trial.view("tasks").get_table(name).get_table("data") : trial.view("data");
    try {
      data.datasets.push_back(read_dataset(table, spec_dir));
    } catch (const std::exception& e) {
      throw Error(fmt::format("[{}]: {}", key, e.what()));
    }
    const Dataset& d = data.datasets.back();
    log::info("  data [{}]: {} — {} train, {} dev, {} test", key, d.source, d.train.size(), d.dev.size(),
              d.test.size());
    data.dataset_keys.push_back(key);
    data.task_dataset.push_back(data.dataset_keys.size() - 1);
  }
  return data;
}

std::vector<std::string> training_texts(const TrialData& data) {
  std::vector<std::string> texts;
  for (const auto& d : data.datasets) {
    for (const auto& e : d.train) texts.push_back(e.text);
  }
  return texts;
}

std::vector<TaskDataset> tokenize_trial_data(TrialData& data, const std::vector<TaskSpec>& tasks,
                                             const Tokenizer& tokenizer, std::int64_t max_length,
                                             Recorder& recorder) {
  std::vector<TaskDataset> out;
  for (std::size_t d = 0; d < data.datasets.size(); ++d) {
    std::vector<const TaskSpec*> readers;
    for (const auto& t : tasks) {
      if (t.dataset == d) readers.push_back(&t);
    }
    TaskDataset td;
    td.train = std::move(data.datasets[d].train);
    td.dev = std::move(data.datasets[d].dev);
    td.test = std::move(data.datasets[d].test);
    td.train_tokens = encode_examples(tokenizer, td.train, readers, max_length, "train");
    td.dev_tokens = encode_examples(tokenizer, td.dev, readers, max_length, "dev");
    td.test_tokens = encode_examples(tokenizer, td.test, readers, max_length, "test");
    recorder.fact(fmt::format("data.{}.words_lost", d),
                  fmt::format("train={} dev={} test={}", td.train_tokens.words_lost, td.dev_tokens.words_lost,
                              td.test_tokens.words_lost));
    out.push_back(std::move(td));
  }
  return out;
}

}  // namespace mtlab::cli
