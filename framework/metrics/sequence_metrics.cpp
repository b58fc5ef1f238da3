#include "mtlab/metrics/sequence_metrics.h"

#include <fmt/format.h>

#include "mtlab/core/error.h"

namespace mtlab {

namespace {

void check_tag_shapes(const std::vector<std::vector<std::string>>& gold, const std::vector<std::vector<std::string>>& pred,
                      const char* metric) {
  if (gold.size() != pred.size()) {
    throw Error(fmt::format("{}: {} gold sentences but {} predicted", metric, gold.size(), pred.size()));
  }
  for (std::size_t s = 0; s < gold.size(); ++s) {
    if (gold[s].size() != pred[s].size()) {
      throw Error(fmt::format("{}: sentence {} has {} gold tags but {} predicted", metric, s + 1, gold[s].size(),
                              pred[s].size()));
    }
  }
}

}  // namespace

double token_accuracy(const std::vector<std::vector<std::string>>& gold,
                      const std::vector<std::vector<std::string>>& pred) {
  check_tag_shapes(gold, pred, "token_accuracy");
  std::size_t right = 0, total = 0;
  for (std::size_t s = 0; s < gold.size(); ++s) {
    for (std::size_t i = 0; i < gold[s].size(); ++i) right += gold[s][i] == pred[s][i];
    total += gold[s].size();
  }
  return total == 0 ? 0.0 : static_cast<double>(right) / static_cast<double>(total);
}

double sentence_accuracy(const std::vector<std::string>& gold_labels, const std::vector<std::string>& pred_labels,
                         const std::vector<std::vector<std::string>>& gold_tags,
                         const std::vector<std::vector<std::string>>& pred_tags) {
  check_tag_shapes(gold_tags, pred_tags, "sentence_accuracy");
  if (gold_labels.size() != pred_labels.size() || gold_labels.size() != gold_tags.size()) {
    throw Error(fmt::format("sentence_accuracy: {} gold labels, {} predicted labels and {} tagged sentences; "
                            "expected the same count", gold_labels.size(), pred_labels.size(), gold_tags.size()));
  }
  if (gold_labels.empty()) return 0.0;
  std::size_t right = 0;
  for (std::size_t s = 0; s < gold_labels.size(); ++s) {
    right += gold_labels[s] == pred_labels[s] && gold_tags[s] == pred_tags[s];
  }
  return static_cast<double>(right) / static_cast<double>(gold_labels.size());
}

}  // namespace mtlab
