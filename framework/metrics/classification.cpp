#include "mtlab/metrics/classification.h"

#include <fmt/format.h>

#include <map>

#include "mtlab/core/error.h"

namespace mtlab {

namespace {

template <class T>
void check_sizes(const std::vector<T>& gold, const std::vector<T>& pred, const char* metric) {
  if (gold.size() != pred.size()) {
    throw Error(fmt::format("{}: {} gold labels but {} predictions", metric, gold.size(), pred.size()));
  }
}

template <class T>
double accuracy_of(const std::vector<T>& gold, const std::vector<T>& pred) {
  check_sizes(gold, pred, "accuracy");
  if (gold.empty()) return 0.0;
  std::size_t right = 0;
  for (std::size_t i = 0; i < gold.size(); ++i) right += gold[i] == pred[i];
  return static_cast<double>(right) / static_cast<double>(gold.size());
}

template <class T>
double macro_f1_of(const std::vector<T>& gold, const std::vector<T>& pred) {
  check_sizes(gold, pred, "macro_f1");
  struct Counts {
    std::size_t tp = 0, gold = 0, pred = 0;
  };
  std::map<T, Counts> per_label;  // every label in gold ∪ pred
  for (std::size_t i = 0; i < gold.size(); ++i) {
    ++per_label[gold[i]].gold;
    ++per_label[pred[i]].pred;
    if (gold[i] == pred[i]) ++per_label[gold[i]].tp;
  }
  if (per_label.empty()) return 0.0;
  double sum = 0;
  for (const auto& [label, c] : per_label) {
    // F1 = 2tp / (gold + pred), 0 when tp = 0 (sklearn's zero_division=0).
    if (c.tp > 0) sum += 2.0 * static_cast<double>(c.tp) / static_cast<double>(c.gold + c.pred);
  }
  return sum / static_cast<double>(per_label.size());
}

}  // namespace

double accuracy(const std::vector<std::int64_t>& gold, const std::vector<std::int64_t>& pred) {
  return accuracy_of(gold, pred);
}
double accuracy(const std::vector<std::string>& gold, const std::vector<std::string>& pred) {
  return accuracy_of(gold, pred);
}
double macro_f1(const std::vector<std::int64_t>& gold, const std::vector<std::int64_t>& pred) {
  return macro_f1_of(gold, pred);
}
double macro_f1(const std::vector<std::string>& gold, const std::vector<std::string>& pred) {
  return macro_f1_of(gold, pred);
}

}  // namespace mtlab
