#pragma once
// A trial's data, the first step of running it: every dataset its tasks read
// ([data] shared, or a task's own [tasks.NAME.data]), read once, then tokenized
// once per split when the backbone's tokenizer is known.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mtlab/data/dataset.h"
#include "mtlab/spec/trial.h"
#include "mtlab/text/tokenizer.h"
#include "mtlab/train/recorder.h"
#include "mtlab/train/trainer.h"

namespace mtlab::cli {

struct TrialData {
  std::vector<std::string> task_names;     // as the spec orders [tasks.*]
  std::vector<std::size_t> task_dataset;   // per task: its index into `datasets`
  std::vector<std::string> dataset_keys;   // per dataset: "data" or "tasks.NAME.data"
  std::vector<Dataset> datasets;
};

// Reads each distinct dataset once; an error names the table it came from.
TrialData read_trial_data(const spec::Trial& trial, const std::filesystem::path& spec_dir);

// Every training sentence, for a backbone that builds its vocabulary from them.
std::vector<std::string> training_texts(const TrialData& data);

// Moves the examples out of `data` and tokenizes every split once for the tasks
// that read it; words lost to truncation are recorded as facts.
std::vector<TaskDataset> tokenize_trial_data(TrialData& data, const std::vector<TaskSpec>& tasks,
                                             const Tokenizer& tokenizer, std::int64_t max_length,
                                             Recorder& recorder);

}  // namespace mtlab::cli
