#pragma once
// "Did you mean …?" for unknown keys and names.
#include <string>
#include <string_view>
#include <vector>

namespace mtlab {

// Edit (Levenshtein) distance between two strings, byte-wise.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` among those close enough to be a plausible
// typo (an edit distance of at most 2, or of at most a third of the longer
// length), the first of equals; "" when there is none.
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — ready to append to an error message.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);
// The same, or `otherwise` (such as "; expected one of: …") when nothing is close.
std::string did_you_mean_or(std::string_view name, const std::vector<std::string>& candidates, std::string_view otherwise);

// "a, b, c" — for error messages that list the valid choices.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace mtlab
