#pragma once
// Word-level tagging metrics and the joint (semantic-frame) sentence accuracy.
#include <cstdint>
#include <string>
#include <vector>

namespace mtlab {

// Fraction of words whose predicted tag equals the gold tag, "O" words included
// (conlleval's "accuracy"); 0 when there are no words.
double token_accuracy(const std::vector<std::vector<std::string>>& gold,
                      const std::vector<std::vector<std::string>>& pred);

// Joint data: fraction of sentences whose label and every tag are right.
double sentence_accuracy(const std::vector<std::string>& gold_labels,
                         const std::vector<std::string>& pred_labels,
                         const std::vector<std::vector<std::string>>& gold_tags,
                         const std::vector<std::vector<std::string>>& pred_tags);

}  // namespace mtlab
