#pragma once
// Scoring a multi-task model on one split of each dataset: per-task loss and
// metrics (accuracy, macro-F1; span P/R/F1 and token accuracy at word level),
// joint sentence accuracy, and the weighted total loss.
#include <map>
#include <string>
#include <vector>

#include "mtlab/data/example.h"
#include "mtlab/model/loss.h"
#include "mtlab/train/task_data.h"

namespace mtlab {

class MultiTaskModel;
class Head;
class FrozenPrefix;

struct EvalSplit {
  const std::vector<Example>* examples = nullptr;  // raw examples (gold strings)
  const TokenizedSplit* tokenized = nullptr;
};

struct TaskPredictions {
  std::vector<std::string> labels;             // sequence tasks: one per example
  std::vector<double> probabilities;           // of the predicted label
  std::vector<std::vector<std::string>> tags;  // token tasks: one per word
};

struct EvalResult {
  // "loss" (weighted total), "sentence_accuracy" (joint data), and
  // "TASK.loss", "TASK.accuracy", "TASK.macro_f1", "TASK.span_f1", … per task.
  std::map<std::string, double> metrics;
  std::map<std::string, TaskPredictions> predictions;  // by task
};

// `splits[d]` is the split of dataset d; `losses` by task name. Runs in eval
// mode without gradients and restores the model's training flag afterwards.
// `prefix`: the trial's frozen-prefix cache, when it has one.
EvalResult evaluate(MultiTaskModel& model, const std::vector<TaskSpec>& tasks, const std::vector<EvalSplit>& splits,
                    const std::map<std::string, Loss*>& losses, std::size_t batch_size,
                    FrozenPrefix* prefix = nullptr);

// Predictions from one batch's logits, shared by evaluation and mtlab predict.
struct LabelChoice {
  std::int64_t id = 0;
  double probability = 0;  // softmax probability of `id`
};
// Per row of sequence logits [B, C]: the argmax label and its probability.
std::vector<LabelChoice> sequence_choices(const at::Tensor& logits);
// Per row of a token head's output [B, T, C]: the head's decoding (Head::decode:
// the argmax per token, or a CRF's Viterbi path over the words' first pieces), cut
// to the length of that row's encoding (`split.encodings[indices[r]]`).
std::vector<std::vector<std::int64_t>> token_choices(Head& head, const at::Tensor& logits, const TokenizedSplit& split,
                                                     const std::vector<std::size_t>& indices);
// What a word lost to truncation is predicted as: "O" when the tag set has it.
std::int64_t outside_tag_id(const LabelSet& labels);

// The metrics a task records when its spec lists none.
std::vector<std::string> default_metrics(HeadLevel level);

}  // namespace mtlab
