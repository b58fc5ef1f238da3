#pragma once
// A trained multi-task model loaded from its folder (backbone + heads.json +
// heads.safetensors), labelling new sentences: each sentence task's label and
// probability, each tagging task's word tags and grouped entities.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mtlab/data/label_set.h"
#include "mtlab/metrics/span_f1.h"
#include "mtlab/model/precision.h"
#include "mtlab/plugin/registry.h"

namespace mtlab {

class MultiTaskModel;

struct Entity {
  std::string type;
  std::string text;  // the words of the span, space-joined
  std::size_t begin = 0, end = 0;  // word indices, end exclusive
};

struct SentencePrediction {
  std::string text;
  std::vector<std::string> words;
  struct Label {
    std::string label;
    double probability = 0;
  };
  std::map<std::string, Label> labels;                       // sentence tasks
  std::map<std::string, std::vector<std::string>> tags;      // tagging tasks, one per word
  std::map<std::string, std::vector<Entity>> entities;       // tagging tasks
};

class Predictor {
 public:
  // `folder` is a model folder saved by a run; plugins come from `registry`. The
  // backbone's linear layers compute in `precision` (the heads stay fp32).
  static Predictor load(const std::filesystem::path& folder, const plugin::Registry& registry,
                        const std::string& device = "cpu", Precision precision = Precision::fp32);

  // Words are the whitespace-separated tokens of each text (as in ATIS/SNIPS/CoNLL).
  std::vector<SentencePrediction> predict(const std::vector<std::string>& texts, std::size_t batch_size = 32) const;

  const std::vector<std::string>& tasks() const { return tasks_; }

 private:
  std::shared_ptr<MultiTaskModel> model_;
  std::vector<std::string> tasks_;
  std::map<std::string, bool> is_token_task_;
  std::map<std::string, LabelSet> labels_;
};

std::vector<std::string> split_words(const std::string& text);

}  // namespace mtlab
