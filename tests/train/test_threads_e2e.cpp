// End to end: how many threads a trial trains on. training.threads = 0 means
// every core this process may use (LibTorch's own default counts 1 of the 2
// cores on some virtual machines), or OMP_NUM_THREADS when set, as `run
// --workers` and `--nproc` set it for their children; the run records it.
#include <catch2/catch.hpp>

#include <fstream>

#include "e2e_helpers.h"
#include "mtlab/model/environment.h"
#include "run_command.h"

using mtlab::test::run_command;
namespace fs = std::filesystem;

namespace {

const std::string kSpec = mtlab::test::tiny_atis_spec(R"toml(
[experiment]
name = "threads"
database = "results.db"
output = "runs"

[data]
limit_train = 32
limit_dev = 16
limit_test = 16

[training]
epochs = 1
save = "none"
)toml");

// Runs the spec in a fresh folder with `env` before the command; the run's recorded threads
// (the runs column, the fact).
std::pair<std::string, std::string> recorded_threads(const std::string& name, const std::string& env,
                                                     const std::string& args = "") {
  const auto dir = mtlab::test::scratch_dir(name);
  std::ofstream(dir / "exp.toml") << kSpec;
  const auto r = run_command(mtlab::test::mtlab_command(dir, "run exp.toml --no-progress " + args, env));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto db = mtlab::storage::Database::open_read_only(dir / "results.db");
  const auto text = [&](const char* sql) {
    return std::get<std::string>(mtlab::storage::run_read_only_query(db, sql).rows.at(0).at(0));
  };
  return {text("SELECT CAST(threads AS TEXT) FROM runs"), text("SELECT value FROM run_facts WHERE key = 'threads'")};
}

}  // namespace

TEST_CASE("a trial trains on every core by default, on OMP_NUM_THREADS or training.threads when given",
          "[e2e][threads]") {
  const auto all = std::to_string(mtlab::available_cores());
  CHECK(recorded_threads("threads_default", "env -u OMP_NUM_THREADS") == std::pair{all, all});
  CHECK(recorded_threads("threads_omp", "OMP_NUM_THREADS=1") == std::pair<std::string, std::string>{"1", "1"});
  CHECK(recorded_threads("threads_set", "env -u OMP_NUM_THREADS", "--set training.threads=3") ==
        std::pair<std::string, std::string>{"3", "3"});
}
