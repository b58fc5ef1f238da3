// The trial source the runner pulls from, and the trial file an isolated child
// receives instead of re-expanding the spec.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "mtlab/core/error.h"
#include "mtlab/spec/trial_file.h"
#include "mtlab/spec/trial_source.h"
#include "spec_fixtures.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace mtlab;

namespace {

spec::Experiment seeded_sweep(const fs::path& dir) {
  const auto file = test::write_file(dir, "exp.toml", test::kMinimalSpec + R"(
[sweep]
seeds = [1, 2, 3]
grid = { "optimizer.lr" = [1e-3, 5e-4] }
)");
  return spec::load_experiment(file);
}

}  // namespace

TEST_CASE("The sweep source hands out every trial once, in sweep order, then none", "[spec][source]") {
  const fs::path dir = test::scratch_dir("sweep_source");
  const auto experiment = seeded_sweep(dir);
  REQUIRE(experiment.trials.size() == 6);
  spec::SweepSource source(experiment.trials);
  for (const auto& expected : experiment.trials) {
    const auto trial = source.next();
    REQUIRE(trial.has_value());
    CHECK(trial->index == expected.index);
    CHECK(trial->name == expected.name);
    CHECK(trial->hash == expected.hash);
    source.finished(*trial, spec::TrialEnd::completed);
  }
  CHECK_FALSE(source.next().has_value());
  CHECK_FALSE(source.next().has_value());
}

TEST_CASE("A trial file gives back the trial exactly, with its spec folder", "[spec][trial-file]") {
  const fs::path dir = test::scratch_dir("trial_file");
  const auto experiment = seeded_sweep(dir);
  spec::Trial trial = experiment.trials[4];
  trial.config["backbone"]["checkpoint"] = "/somewhere/model";  // as lineage resolution leaves it: not re-hashed
  const auto path = dir / "trial.json";
  spec::write_trial_file(path, {trial, dir});
  const spec::TrialFile back = spec::read_trial_file(path);
  CHECK(back.spec_dir == dir);
  const spec::Trial& t = back.trial;
  CHECK(t.index == 4);
  CHECK(t.count == 6);
  CHECK(t.name == trial.name);
  CHECK(t.seed == trial.seed);
  CHECK(t.config == trial.config);
  CHECK(t.locations == trial.locations);
  CHECK(t.json == trial.json);
  CHECK(t.toml == trial.toml);
  CHECK(t.hash == trial.hash);  // the hash as claimed, not one of the changed config
  CHECK(t.legacy_hash == trial.legacy_hash);
  CHECK(t.file == trial.file);
  REQUIRE(t.swept.size() == trial.swept.size());
  for (std::size_t i = 0; i < t.swept.size(); ++i) {
    CHECK(t.swept[i].label == trial.swept[i].label);
    CHECK(t.swept[i].key == trial.swept[i].key);
    CHECK(t.swept[i].value == trial.swept[i].value);
  }
  REQUIRE(t.params.size() == trial.params.size());
  for (std::size_t i = 0; i < t.params.size(); ++i) {
    CHECK(t.params[i].key == trial.params[i].key);
    CHECK(t.params[i].value == trial.params[i].value);
  }
  // The typed view still locates keys in the spec file.
  CHECK(t.view("optimizer").location("lr") == trial.view("optimizer").location("lr"));
}

TEST_CASE("A file that is not a trial file is refused, naming the file", "[spec][trial-file]") {
  const fs::path dir = test::scratch_dir("trial_file_bad");
  const auto path = dir / "trial.json";
  std::ofstream(path) << R"({"format": "mtlab-trial", "version": 1, "name": "x"})";
  CHECK_THROWS_WITH(spec::read_trial_file(path), Catch::Contains(path.string()) && Catch::Contains("missing or mistyped"));
  std::ofstream(path) << R"({"format": "something-else", "version": 1})";
  CHECK_THROWS_WITH(spec::read_trial_file(path), Catch::Contains("not an mtlab trial file"));
  std::ofstream(path) << "{ not json";
  CHECK_THROWS_WITH(spec::read_trial_file(path), Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(spec::read_trial_file(dir / "absent.json"), Catch::Contains("cannot open"));
}
