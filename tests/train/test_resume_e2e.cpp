// End to end: `mtlab run` SIGKILLed in the middle of a sweep, then
// `mtlab run --resume`, ends with the same results as a sweep never killed.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "e2e_helpers.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "run_command.h"
#include "test_paths.h"

using Catch::Matchers::Contains;
using mtlab::storage::Database;
using mtlab::test::final_metrics;
using mtlab::test::metric_rows;
using mtlab::test::run_command;
namespace fs = std::filesystem;

namespace {

const std::string kSpec = mtlab::test::tiny_atis_spec(R"toml(
[experiment]
name = "resume-sweep"
database = "results.db"
output = "runs"

[data]
limit_train = 384

[training]
epochs = 3
checkpoint_every = 5
eval_every = 4

[sweep]
freeze = ["none", "layers:1"]
)toml");

std::string command(const fs::path& dir, const std::string& args) {
  return mtlab::test::mtlab_command(dir, "run exp.toml --no-progress " + args);
}

// Starts `mtlab run` and SIGKILLs it as soon as the first resume checkpoint exists.
bool kill_after_first_checkpoint(const fs::path& dir) {
  const pid_t child = mtlab::test::start_mtlab(dir, {"run", "exp.toml", "--no-progress"});
  const bool seen = mtlab::test::wait_for_run_file(dir, "state.pt", child);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  return seen;
}

}  // namespace

TEST_CASE("a sweep SIGKILLed mid-run and resumed ends with the results of one never killed", "[e2e][resume]") {
  const auto reference_dir = mtlab::test::scratch_dir("resume_e2e_reference");
  std::ofstream(reference_dir / "exp.toml") << kSpec;
  auto reference = run_command(command(reference_dir, ""));
  INFO(reference.output);
  REQUIRE(reference.exit_code == 0);

  const auto dir = mtlab::test::scratch_dir("resume_e2e_killed");
  std::ofstream(dir / "exp.toml") << kSpec;
  REQUIRE(kill_after_first_checkpoint(dir));
  {
    const auto db = Database::open_read_only(dir / "results.db");
    auto t = mtlab::storage::run_read_only_query(db, "PRAGMA integrity_check");
    CHECK(std::get<std::string>(t.rows.at(0).at(0)) == "ok");
    auto status = mtlab::storage::run_read_only_query(db, "SELECT group_concat(status) FROM runs");
    CHECK(std::get<std::string>(status.rows.at(0).at(0)) == "running");  // killed: nobody could say otherwise
  }

  // Without --resume the dead run is reported, not resumed.
  auto plain = run_command(command(dir, ""));
  INFO(plain.output);
  CHECK_THAT(plain.output, Contains("interrupted (mtlab run --resume continues it"));

  auto resumed = run_command(command(dir, "--resume"));
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Contains("resumed from its checkpoint") && Contains("resuming from step"));

  const auto a = Database::open_read_only(reference_dir / "results.db");
  const auto b = Database::open_read_only(dir / "results.db");
  const auto expected = final_metrics(a);
  REQUIRE(expected.size() >= 10);
  CHECK(final_metrics(b) == expected);  // exactly: same test and dev metrics of both trials
  CHECK(metric_rows(b) == metric_rows(a));  // nothing lost, nothing recorded twice
  auto runs = mtlab::storage::run_read_only_query(b, "SELECT count(*), group_concat(status) FROM runs");
  CHECK(std::get<std::int64_t>(runs.rows.at(0).at(0)) == 2);  // the killed run continued in its own row
  CHECK(std::get<std::string>(runs.rows.at(0).at(1)) == "completed,completed");
  auto facts = mtlab::storage::run_read_only_query(
      b, "SELECT count(*) FROM run_facts WHERE key = 'train.resumed_from_step' AND CAST(value AS INTEGER) > 0");
  CHECK(std::get<std::int64_t>(facts.rows.at(0).at(0)) == 1);
  auto error = mtlab::storage::run_read_only_query(b, "SELECT count(*) FROM runs WHERE error LIKE '%resumed at %'");
  CHECK(std::get<std::int64_t>(error.rows.at(0).at(0)) == 1);
}
