#pragma once
// [sweep.prune]: stopping weak trials early. The settings (read and checked from
// the spec, carried in trial files so that workers and trial processes judge
// alike), the rungs a trial is judged at, and the two rules as pure functions of
// the values recorded at a rung, so every process decides the same from the same
// store: ASHA (Li et al. 2020, asynchronous successive halving: the top 1/eta of
// a rung go on, the rest pause and may be promoted later) and the median rule
// (Optuna's MedianPruner: a trial whose best value so far is worse than the
// median of the others' values at the rung stops for good).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "mtlab/options/enum_names.h"

namespace mtlab::spec {

enum class PruneMethod { asha, median };
enum class PruneResource { epochs, steps };

}  // namespace mtlab::spec

namespace mtlab {
template <> struct EnumNames<spec::PruneMethod> { static constexpr std::array<std::string_view, 2> values = {"asha", "median"}; };
template <> struct EnumNames<spec::PruneResource> { static constexpr std::array<std::string_view, 2> values = {"epochs", "steps"}; };
}  // namespace mtlab

namespace mtlab::spec {

// The defaults are the schema's (sweep.prune.*).
struct PruneSpec {
  PruneMethod method = PruneMethod::asha;
  PruneResource resource = PruneResource::epochs;  // what a rung counts: epochs or optimizer steps
  std::int64_t min_resource = 1;   // the first rung (median: the warm-up before any pruning)
  std::int64_t eta = 3;            // asha: rung k at min_resource·eta^k; the top 1/eta of a rung go on
  std::int64_t max_resource = 0;   // a trial completes here; 0: its full length (training.epochs or steps)
  std::int64_t interval = 1;       // median: a rung every `interval` past min_resource
  std::int64_t min_trials = 5;     // median: values of other trials a rung needs before it prunes
};

nlohmann::json prune_json(const PruneSpec& spec);
// Throws mtlab::Error naming `where` when the JSON is not a PruneSpec.
PruneSpec prune_from_json(const nlohmann::json& json, const std::string& where);

// The resource (epochs or steps done) at which rung k is judged.
std::int64_t rung_resource(const PruneSpec& spec, int rung);
// The highest rung judged at or before `done`, below `max_resource`; nullopt: none yet.
std::optional<int> rung_reached(const PruneSpec& spec, std::int64_t done, std::int64_t max_resource);

struct RungValue {
  std::int64_t run_id = 0;
  double value = 0;
};

// Whether a is better than b (ties: neither).
inline bool better(double a, double b, bool minimize) { return minimize ? a < b : a > b; }

// ASHA's promotable set at a rung: the runs whose values are the top ⌊n/eta⌋ of
// the n values recorded there, best first; ties go to the earlier run.
std::vector<std::int64_t> asha_top(std::vector<RungValue> values, std::int64_t eta, bool minimize);

// The median (the mean of the middle two for an even count); values must not be empty.
double median_of(std::vector<double> values);

}  // namespace mtlab::spec
