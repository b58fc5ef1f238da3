#include "mtlab/core/suggest.h"

#include <algorithm>

namespace mtlab {

namespace {

// Levenshtein distance, or bound + 1 as soon as it is certain to exceed `bound`:
// the length difference is a lower bound, only cells within `bound` of the
// diagonal can stay at or under it, and a row whose cells all exceed it ends the
// scan. Unknown keys can be long garbage (a mistyped spec, a fuzzer): with the
// bound they cost O(length × bound), not O(length × length) per candidate.
std::size_t bounded_edit_distance(std::string_view a, std::string_view b, std::size_t bound) {
  if (a.size() < b.size()) std::swap(a, b);
  if (a.size() - b.size() > bound) return bound + 1;
  constexpr std::size_t kFar = static_cast<std::size_t>(-1) / 2;
  std::vector<std::size_t> row(b.size() + 1, kFar);
  for (std::size_t j = 0; j <= std::min(b.size(), bound); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    const std::size_t lo = i > bound ? i - bound : 1;
    const std::size_t hi = std::min(b.size(), i + bound);
    std::size_t diagonal = row[lo - 1];
    row[lo - 1] = lo == 1 && i <= bound ? i : kFar;
    std::size_t row_min = row[lo - 1];
    for (std::size_t j = lo; j <= hi; ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({above + 1, row[j - 1] + 1, diagonal + cost});
      row_min = std::min(row_min, row[j]);
      diagonal = above;
    }
    if (row_min > bound) return bound + 1;
  }
  return std::min(row[b.size()], bound + 1);
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  return bounded_edit_distance(a, b, std::max(a.size(), b.size()));
}

std::string closest_match(std::string_view name, const std::vector<std::string>& candidates) {
  // The nearest candidate among those within their limit (the first on a tie).
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    if (best && best_distance == 0) break;
    const std::size_t limit = std::max<std::size_t>(2, std::max(name.size(), candidate.size()) / 3);
    const std::size_t bound = best ? std::min(limit, best_distance - 1) : limit;
    const std::size_t d = bounded_edit_distance(name, candidate, bound);
    if (d <= bound) {
      best = &candidate;
      best_distance = d;
    }
  }
  return best ? *best : std::string();
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  return did_you_mean_or(name, candidates, "");
}

std::string did_you_mean_or(std::string_view name, const std::vector<std::string>& candidates, std::string_view otherwise) {
  const std::string match = closest_match(name, candidates);
  return match.empty() ? std::string(otherwise) : " (did you mean '" + match + "'?)";
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += separator;
    out += items[i];
  }
  return out;
}

}  // namespace mtlab
