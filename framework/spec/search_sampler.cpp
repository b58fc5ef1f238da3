#include "search_sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <set>

#include "mtlab/core/rng.h"
#include "mtlab/spec/sobol.h"

namespace mtlab::spec::detail {
namespace {

// Draws allowed per wanted trial before a random or sobol search gives up finding distinct ones.
constexpr std::size_t kDrawsPerTrial = 100;

bool holds(const SearchDim& dim, const SearchConfig& values) {
  return std::all_of(dim.when.begin(), dim.when.end(), [&](const Condition& c) {
    return std::find(c.values.begin(), c.values.end(), values[c.dim]) != c.values.end();
  });
}

// Conditions name unconditional keys only, so their values are final when checked.
void drop_inactive(const SearchSpec& spec, SearchConfig& values) {
  for (std::size_t d = 0; d < spec.dims.size(); ++d) {
    if (!holds(spec.dims[d], values)) values[d] = nullptr;
  }
}

// Calls f(index) for every index vector below `sizes`, the last position fastest, until f returns false.
template <class F>
bool each_index(const std::vector<std::size_t>& sizes, F f) {
  std::vector<std::size_t> index(sizes.size(), 0);
  while (true) {
    if (!f(index)) return false;
    std::size_t d = sizes.size();
    while (d > 0 && ++index[d - 1] == sizes[d - 1]) index[--d] = 0;
    if (d == 0) return true;
  }
}

// The grid: the unconditional keys' product (first written slowest), and within each
// combination the product of the keys whose conditions hold. Stops past `limit`.
std::vector<SearchConfig> grid(const SearchSpec& spec, std::size_t limit) {
  std::vector<std::vector<nlohmann::json>> axes;
  std::vector<std::size_t> free, conditional;
  for (std::size_t d = 0; d < spec.dims.size(); ++d) {
    axes.push_back(spec.dims[d].grid());
    (spec.dims[d].when.empty() ? free : conditional).push_back(d);
  }
  std::vector<std::size_t> free_sizes;
  for (auto d : free) free_sizes.push_back(axes[d].size());
  std::vector<SearchConfig> out;
  each_index(free_sizes, [&](const std::vector<std::size_t>& fi) {
    SearchConfig base(spec.dims.size());
    for (std::size_t i = 0; i < free.size(); ++i) base[free[i]] = axes[free[i]][fi[i]];
    std::vector<std::size_t> active, sizes;
    for (auto d : conditional) {
      if (holds(spec.dims[d], base)) {
        active.push_back(d);
        sizes.push_back(axes[d].size());
      }
    }
    return each_index(sizes, [&](const std::vector<std::size_t>& ci) {
      SearchConfig config = base;
      for (std::size_t i = 0; i < active.size(); ++i) config[active[i]] = axes[active[i]][ci[i]];
      out.push_back(std::move(config));
      return out.size() <= limit;
    });
  });
  return out;
}

std::vector<SearchConfig> draw(const SearchSpec& spec, const ErrorSink& error) {
  SplitMix64 rng(spec.seed);
  std::optional<SobolSequence> sobol;
  if (spec.sampler == Sampler::sobol) sobol.emplace(spec.dims.size(), spec.seed);
  std::vector<SearchConfig> out;
  std::set<std::string> seen;
  const std::size_t cap = kDrawsPerTrial * spec.trials;
  for (std::size_t draws = 0; out.size() < spec.trials; ++draws) {
    if (draws == cap) {
      error("sweep.trials", fmt::format("found only {} distinct configurations in {} draws, fewer than trials = {}: "
                                        "lower trials, or widen [sweep.search]", out.size(), draws, spec.trials));
      return {};
    }
    std::vector<double> u;
    if (sobol) {
      u = sobol->next();
    } else {
      for (std::size_t d = 0; d < spec.dims.size(); ++d) u.push_back(rng.uniform());  // one per key, held or not
    }
    SearchConfig config(spec.dims.size());
    for (std::size_t d = 0; d < spec.dims.size(); ++d) config[d] = spec.dims[d].at(u[d]);
    drop_inactive(spec, config);
    if (seen.insert(nlohmann::json(config).dump()).second) out.push_back(std::move(config));
  }
  return out;
}

std::size_t axis_size(const SearchDim& dim) { return dim.discrete() ? dim.size() : dim.points; }

}  // namespace

std::vector<SearchConfig> sample_search(const SearchSpec& spec, std::size_t max_trials, const ErrorSink& error) {
  const std::size_t largest = std::transform_reduce(spec.dims.begin(), spec.dims.end(), std::size_t{0},
                                                    [](std::size_t a, std::size_t b) { return std::max(a, b); }, axis_size);
  if (spec.sampler == Sampler::grid) {
    auto all = largest > max_trials ? std::vector<SearchConfig>(max_trials + 1) : grid(spec, max_trials);
    if (all.size() > max_trials) {
      error("sweep.search", fmt::format("the grid of [sweep.search] has more than {} configurations; narrow it", max_trials));
      return {};
    }
    return all;
  }
  // A finite space smaller than trials is refused at once, with its exact size (a key of
  // trials values or more makes it large enough: every condition can hold).
  if (largest < spec.trials && std::all_of(spec.dims.begin(), spec.dims.end(), [](const SearchDim& d) { return d.discrete(); })) {
    const std::size_t size = grid(spec, spec.trials).size();
    if (size < spec.trials) {
      error("sweep.trials", fmt::format("[sweep.search] holds only {} distinct configurations, fewer than trials = {}: "
                                        "lower trials, or use sampler = \"grid\"", size, spec.trials));
      return {};
    }
  }
  return draw(spec, error);
}

}  // namespace mtlab::spec::detail
