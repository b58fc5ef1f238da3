#pragma once
// The configurations a search samples: random (SplitMix64 draws), sobol (a scrambled
// Sobol' sequence) or grid. Private to mtlab_spec.
#include <vector>

#include <nlohmann/json.hpp>

#include "search_space.h"

namespace mtlab::spec::detail {

// One value per searched key (SearchSpec::dims order); null where the key's condition
// does not hold, so it keeps its default.
using SearchConfig = std::vector<nlohmann::json>;

// Every configuration, distinct, in the sampler's order: random and sobol draw until
// `spec.trials` distinct ones are found (a draw equal to an earlier one is skipped),
// grid takes them all. Problems (a space smaller than trials, a grid larger than
// `max_trials`) are reported through `error`; then nothing is returned.
std::vector<SearchConfig> sample_search(const SearchSpec& spec, std::size_t max_trials, const ErrorSink& error);

}  // namespace mtlab::spec::detail
