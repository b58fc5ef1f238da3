#pragma once
// [sweep.search]: the searched keys, each with its distribution, and the sampler's
// settings (sweep.sampler, sweep.trials, sweep.search_seed), read from a Document
// and checked. Private to mtlab_spec; search_sampler.h turns them into trials.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mtlab/options/enum_names.h"
#include "mtlab/spec/document.h"
#include "sweep_values.h"

namespace mtlab::spec::detail {

enum class Distribution { uniform, loguniform, integer, choice };
enum class Sampler { random, sobol, grid };

}  // namespace mtlab::spec::detail

namespace mtlab {
template <> struct EnumNames<spec::detail::Distribution> { static constexpr std::array<std::string_view, 4> values = {"uniform", "loguniform", "int", "choice"}; };
template <> struct EnumNames<spec::detail::Sampler> { static constexpr std::array<std::string_view, 3> values = {"random", "sobol", "grid"}; };
}  // namespace mtlab

namespace mtlab::spec::detail {

// A loguniform value keeps this many significant digits (3.217e-05), a uniform one
// this many of its range's width (0.8123 in [0.7, 1.0], 100.347 in [100, 101]), so a
// trial's name shows its exact value and a last-bit difference in a platform's exp or
// log cannot change a trial. A stepped value (low + k·step) keeps 12 significant
// digits, which drops binary noise (0.15, not 0.15000000000000002).
inline constexpr int kSampledDigits = 4;
inline constexpr int kSteppedDigits = 12;

// A searched key is sampled only where each condition holds.
struct Condition {
  std::size_t dim;                     // the searched key it names: an unconditional choice or int
  std::vector<nlohmann::json> values;  // which of its values let this key be sampled
};

struct SearchDim {
  std::string key;      // dotted config key
  std::string loc_key;  // its entry in Document::locations ("sweep.search.\"optimizer.lr\"")
  Distribution kind = Distribution::uniform;
  double low = 0, high = 0;            // uniform, loguniform, int
  double step = 0;                     // uniform: 0 = continuous; int: 1 or more
  bool log = false;                    // int
  std::vector<nlohmann::json> values;  // choice
  std::size_t points = 0;              // grid: values of a continuous key (0: not given)
  std::vector<Condition> when;

  bool discrete() const { return kind == Distribution::choice || kind == Distribution::integer || step > 0; }
  // How many values a discrete key takes.
  std::size_t size() const;
  // The value for u in [0, 1): uniform in the distribution's own sense.
  nlohmann::json at(double u) const;
  // The values sampler = "grid" takes, smallest first (choice: as written).
  std::vector<nlohmann::json> grid() const;
  // Values whose validity stands for every value the key can take: the bounds, or each
  // choice; with the Document key (".low", ".values[2]") that wrote each.
  std::vector<std::pair<nlohmann::json, std::string>> probes() const;
};

struct SearchSpec {
  std::vector<SearchDim> dims;  // in file order: Sobol' coordinates and name order
  Sampler sampler = Sampler::random;
  std::size_t trials = 0;       // random and sobol: how many distinct configurations
  std::uint64_t seed = 0;
};

// Reports each value of the list `values` (written at `loc_key`) that repeats an
// earlier one; true when none does.
bool check_distinct(const nlohmann::json& values, const std::string& loc_key, const ErrorSink& error);

// The search [sweep] describes, or nullopt when it has none (sweep.search absent or
// {}) or has problems (each reported through `error`).
std::optional<SearchSpec> read_search(const Document& doc, const nlohmann::json& sweep, std::size_t max_trials,
                                      const ErrorSink& error);

}  // namespace mtlab::spec::detail
