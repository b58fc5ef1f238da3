#pragma once
// Sentence-level metrics on label ids (or strings). A gold id that no model can
// predict (LabelSet::kUnknown) simply never matches, so it counts as an error.
#include <cstdint>
#include <string>
#include <vector>

namespace mtlab {

// Fraction of positions where pred == gold; 0 for empty input. Sizes must match
// (mtlab::Error otherwise).
double accuracy(const std::vector<std::int64_t>& gold, const std::vector<std::int64_t>& pred);
double accuracy(const std::vector<std::string>& gold, const std::vector<std::string>& pred);

// Unweighted mean of per-label F1 over every label that occurs in gold or in
// pred (as scikit-learn's f1_score(average="macro") with its default labels);
// a label's F1 is 0 when it has no true positive. 0 for empty input.
double macro_f1(const std::vector<std::int64_t>& gold, const std::vector<std::int64_t>& pred);
double macro_f1(const std::vector<std::string>& gold, const std::vector<std::string>& pred);

}  // namespace mtlab
