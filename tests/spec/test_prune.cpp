// [sweep.prune]: the settings read and checked where they are written, carried
// through trial files, and the rules as pure functions — rungs, ASHA's top 1/eta
// against hand-worked examples, the median.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "mtlab/spec/prune.h"
#include "mtlab/spec/trial_file.h"
#include "spec_fixtures.h"
#include "test_paths.h"

using namespace mtlab;
using mtlab::test::write_file;

namespace {

std::filesystem::path spec_with(const std::string& name, const std::string& sweep) {
  return write_file(test::scratch_dir(name), "exp.toml", test::kMinimalSpec + "[training]\nepochs = 9\n" + sweep);
}

}  // namespace

TEST_CASE("sweep.prune is read with its defaults and carried by trial files", "[spec][prune]") {
  const auto file = spec_with("prune_read", "[sweep]\ngrid = { \"optimizer.lr\" = [1e-4, 3e-4] }\n"
                                            "[sweep.prune]\nmethod = \"asha\"\neta = 2\nmin_resource = 2\n");
  const auto exp = spec::load_experiment(file);
  REQUIRE(exp.prune);
  CHECK(exp.prune->method == spec::PruneMethod::asha);
  CHECK(exp.prune->resource == spec::PruneResource::epochs);
  CHECK(exp.prune->eta == 2);
  CHECK(exp.prune->min_resource == 2);
  CHECK(exp.prune->max_resource == 0);
  REQUIRE(exp.trials.size() == 2);
  // The trial's hash does not depend on pruning: the same trial with or without it.
  const auto plain = spec::load_experiment(spec_with("prune_plain", "[sweep]\ngrid = { \"optimizer.lr\" = [1e-4, 3e-4] }\n"));
  CHECK(plain.trials.at(1).hash == exp.trials.at(1).hash);
  CHECK_FALSE(plain.prune);

  const auto json = spec::trial_file_json({exp.trials[0], file.parent_path(), exp.prune});
  const auto back = spec::trial_file_from_json(json, "test");
  REQUIRE(back.prune);
  CHECK(spec::prune_json(*back.prune) == spec::prune_json(*exp.prune));
  // Without pruning the file has no "prune" (a sweep published before reads the same).
  CHECK_FALSE(spec::trial_file_json({exp.trials[0], file.parent_path(), std::nullopt}).contains("prune"));
  auto broken = json;
  broken["prune"]["method"] = "hyperband";
  CHECK_THROWS_WITH(spec::trial_file_from_json(broken, "queued trial 1"),
                    Catch::Matchers::StartsWith("queued trial 1: not the pruning settings of this mtlab"));
}

TEST_CASE("sweep.prune problems are reported at their keys", "[spec][prune]") {
  const auto bad = spec_with("prune_bad", "[sweep.prune]\nmethod = \"ashaa\"\neta = 1\nwarmup = 2\n");
  CHECK(test::errors_of(bad) ==
        std::vector<std::string>{
            bad.string() + ":15:1: sweep.prune.method: expected one of asha, median, got \"ashaa\" (did you mean 'asha'?)",
            bad.string() + ":16:1: sweep.prune.eta: expected an integer in [2, 100], got 1",
            bad.string() + ":17:1: sweep.prune.warmup: unknown key; expected one of: method, resource, min_resource, "
                           "max_resource, eta, interval, min_trials"});
  const auto median_eta = spec_with("prune_median_eta", "[sweep.prune]\nmethod = \"median\"\neta = 3\n");
  CHECK(test::errors_of(median_eta) ==
        std::vector<std::string>{median_eta.string() + ":16:1: sweep.prune.eta: applies to method = \"asha\" only"});
  const auto missing = spec_with("prune_missing", "[sweep.prune]\neta = 3\n");
  CHECK(test::errors_of(missing) == std::vector<std::string>{missing.string() +
                                                             ":14:8: sweep.prune: missing method: expected method = "
                                                             "\"asha\" or \"median\""});
  const auto late = spec_with("prune_late", "[sweep.prune]\nmethod = \"asha\"\nmin_resource = 9\n");
  CHECK(test::errors_of(late) ==
        std::vector<std::string>{late.string() + ":16:1: sweep.prune.min_resource: trial default: the first rung (9 "
                                                 "epochs) is not before the trial completes (9 epochs): no trial "
                                                 "would ever be judged"});
  const auto steps = spec_with("prune_steps", "[sweep.prune]\nmethod = \"asha\"\nresource = \"steps\"\n");
  CHECK(test::errors_of(steps) ==
        std::vector<std::string>{steps.string() + ":16:1: sweep.prune.resource: trial default: rungs count steps, but "
                                                  "training.eval_every = 0 evaluates at epoch ends only: set "
                                                  "training.eval_every to the steps between evaluations, or use "
                                                  "resource = \"epochs\""});
  const auto longer = spec_with("prune_longer", "[sweep.prune]\nmethod = \"asha\"\nmax_resource = 12\n");
  CHECK(test::errors_of(longer) ==
        std::vector<std::string>{longer.string() + ":16:1: sweep.prune.max_resource: trial default: 12 epochs is "
                                                   "more than training.epochs = 9"});
}

TEST_CASE("Rungs lie at min_resource times eta to the k for ASHA and every interval for the median rule",
          "[spec][prune]") {
  spec::PruneSpec asha;  // eta 3, min 1
  CHECK(spec::rung_resource(asha, 0) == 1);
  CHECK(spec::rung_resource(asha, 1) == 3);
  CHECK(spec::rung_resource(asha, 2) == 9);
  CHECK_FALSE(spec::rung_reached(asha, 0, 27));
  CHECK(spec::rung_reached(asha, 1, 27) == 0);
  CHECK(spec::rung_reached(asha, 2, 27) == 0);
  CHECK(spec::rung_reached(asha, 3, 27) == 1);
  CHECK(spec::rung_reached(asha, 26, 27) == 2);
  CHECK(spec::rung_reached(asha, 27, 27) == 2);  // 27 is where a trial completes, not a rung
  CHECK(spec::rung_reached(asha, 9, 9) == 1);
  spec::PruneSpec median;
  median.method = spec::PruneMethod::median;
  median.min_resource = 2;
  median.interval = 2;
  CHECK(spec::rung_resource(median, 0) == 2);
  CHECK(spec::rung_resource(median, 3) == 8);
  CHECK_FALSE(spec::rung_reached(median, 1, 10));
  CHECK(spec::rung_reached(median, 5, 10) == 1);
  CHECK(spec::rung_reached(median, 10, 10) == 3);
}

TEST_CASE("ASHA's top 1 over eta of a rung against a hand-worked example", "[spec][prune]") {
  // Six trials at rung 0 with eta = 3: floor(6/3) = 2 go on. Higher is better:
  // 0.9 (run 4) and 0.8 (run 6); lower is better: 0.4 (run 5) and 0.5 (run 1).
  const std::vector<spec::RungValue> rung{{1, 0.5}, {2, 0.7}, {3, 0.6}, {4, 0.9}, {5, 0.4}, {6, 0.8}};
  CHECK(spec::asha_top(rung, 3, false) == std::vector<std::int64_t>{4, 6});
  CHECK(spec::asha_top(rung, 3, true) == std::vector<std::int64_t>{5, 1});
  // Fewer than eta values promote none; eta = 2 takes half; ties go to the earlier run.
  CHECK(spec::asha_top({{1, 0.5}, {2, 0.7}}, 3, false).empty());
  CHECK(spec::asha_top(rung, 2, false) == std::vector<std::int64_t>{4, 6, 2});
  CHECK(spec::asha_top({{9, 0.5}, {3, 0.5}, {5, 0.1}, {7, 0.2}}, 2, false) == std::vector<std::int64_t>{3, 9});
  // Asynchronously, trial by trial as they arrive (Li et al. 2020, Algorithm 2):
  // after 3 values the best of them is promotable, after 4 still one, after 6 two.
  std::vector<spec::RungValue> seen;
  std::vector<std::vector<std::int64_t>> tops;
  for (const auto& v : rung) {
    seen.push_back(v);
    tops.push_back(spec::asha_top(seen, 3, false));
  }
  CHECK(tops == std::vector<std::vector<std::int64_t>>{{}, {}, {2}, {4}, {4}, {4, 6}});
}

TEST_CASE("The median of an odd and an even count", "[spec][prune]") {
  CHECK(spec::median_of({3, 1, 2}) == 2);
  CHECK(spec::median_of({4, 1, 3, 2}) == 2.5);
  CHECK_THROWS(spec::median_of({}));
}
