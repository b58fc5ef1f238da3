// End to end: a sweep run by several worker processes sharing one SQLite
// results store (`mtlab run --workers`, `mtlab worker`): each trial runs once,
// with the results of a serial run; a SIGKILLed worker's trial is taken over
// and resumed by another; experiment.max_retries bounds the attempts.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "e2e_helpers.h"
#include "mtlab/model/environment.h"
#include "run_command.h"

using Catch::Matchers::Contains;
using mtlab::storage::Database;
using mtlab::storage::run_read_only_query;
using mtlab::test::final_metrics;
using mtlab::test::metric_rows;
using mtlab::test::run_command;
namespace fs = std::filesystem;

namespace {

const std::string kSpec = mtlab::test::tiny_atis_spec(R"toml(
[experiment]
name = "workers"
database = "results.db"
output = "runs"

[training]
checkpoint_every = 3
eval_every = 4

[sweep]
freeze = ["none", "layers:1"]
seeds = [1, 2]
)toml");

fs::path experiment_dir(const std::string& name) {
  const auto dir = mtlab::test::scratch_dir(name);
  std::ofstream(dir / "exp.toml") << kSpec;
  return dir;
}

// One LibTorch thread for every process, the serial reference included: a worker's
// share of the cores depends on the machine, and results are compared bit for bit.
mtlab::test::CommandResult mtlab_in(const fs::path& dir, const std::string& args) {
  return run_command(mtlab::test::mtlab_command(dir, args, "OMP_NUM_THREADS=1"));
}

std::int64_t scalar(const Database& db, const std::string& sql) {
  return std::get<std::int64_t>(run_read_only_query(db, sql).rows.at(0).at(0));
}

// The serial sweep every worker result is compared with (run once per test process,
// in a folder of its own: ctest -j runs this file's test cases as concurrent processes).
const fs::path& serial_reference() {
  static const fs::path dir = [] {
    auto d = experiment_dir("workers_serial_" + std::to_string(getpid()));
    const auto r = mtlab_in(d, "run exp.toml --no-progress");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return d;
  }();
  return dir;
}

// The pid recorded for the run that wrote the first resume checkpoint.
pid_t owner_of_first_checkpoint(const fs::path& dir) {
  for (fs::recursive_directory_iterator it(dir / "runs"), end; it != end; ++it) {
    if (it->path().filename() != "state.pt") continue;
    const std::string folder = it->path().parent_path().parent_path().filename().string();  // run-<id>/resume/
    const auto db = Database::open_read_only(dir / "results.db");
    return static_cast<pid_t>(scalar(db, "SELECT pid FROM runs WHERE id = " + folder.substr(folder.find('-') + 1)));
  }
  return 0;
}

}  // namespace

TEST_CASE("mtlab run --workers 2 runs each trial once with the results of a serial run", "[e2e][workers]") {
  const auto dir = experiment_dir("workers_two");
  const auto r = mtlab_in(dir, "run exp.toml --workers 2 --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("4 completed, 0 failed, 0 skipped"));

  const auto db = Database::open_read_only(dir / "results.db");
  CHECK(scalar(db, "SELECT count(*) FROM runs") == 4);  // no trial run twice
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 4);
  // Two worker processes shared them (which took how many depends on their start-up
  // times on a loaded machine; the SIGKILL case below shows one taking over another's).
  CHECK(scalar(db, "SELECT count(DISTINCT pid) FROM runs") <= 2);
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE pid = " + std::to_string(getpid())) == 0);
  CHECK(scalar(db, "SELECT count(*) FROM trial_queue") == 4);
  const auto reference = Database::open_read_only(serial_reference() / "results.db");
  const auto expected = final_metrics(reference);
  REQUIRE(expected.size() >= 20);
  CHECK(final_metrics(db) == expected);  // exactly: same seeds, same bits
  CHECK(metric_rows(db) == metric_rows(reference));
  // Again: every trial is on record, so the workers run none, and say so as a serial run would.
  const auto again = mtlab_in(dir, "run exp.toml --workers 2 --no-progress");
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.output, Contains("0 completed, 0 failed, 4 skipped"));
  CHECK(scalar(Database::open_read_only(dir / "results.db"), "SELECT count(*) FROM runs") == 4);
}

TEST_CASE("a SIGKILLed worker's trial is resumed by another worker from its checkpoint", "[e2e][workers]") {
  const auto dir = experiment_dir("workers_killed");
  const pid_t a = mtlab::test::start_mtlab(dir, {"worker", "exp.toml", "--no-progress"}, "worker-a.log", 1);
  const pid_t b = mtlab::test::start_mtlab(dir, {"worker", "exp.toml", "--no-progress"}, "worker-b.log", 1);
  REQUIRE(mtlab::test::wait_for_run_file(dir, "state.pt", a));
  const pid_t victim = owner_of_first_checkpoint(dir);
  REQUIRE((victim == a || victim == b));
  kill(victim, SIGKILL);
  const pid_t survivor = victim == a ? b : a;
  waitpid(victim, nullptr, 0);
  CHECK(mtlab::test::wait_exit_code(survivor) == 0);

  const auto db = Database::open_read_only(dir / "results.db");
  CHECK(scalar(db, "SELECT count(*) FROM runs") == 4);  // continued in its own row, not started over
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 4);
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE attempt = 2 AND error LIKE '%resumed at %'") == 1);
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE pid = " + std::to_string(survivor)) == 4);
  const auto reference = Database::open_read_only(serial_reference() / "results.db");
  CHECK(final_metrics(db) == final_metrics(reference));
  CHECK(metric_rows(db) == metric_rows(reference));  // nothing lost, nothing recorded twice

  const auto runs = mtlab_in(dir, "runs results.db");
  INFO(runs.output);
  CHECK_THAT(runs.output, Contains("attempt"));
}

TEST_CASE("experiment.max_retries = 0: a dead worker's trial is marked failed, not run again", "[e2e][workers]") {
  const auto dir = experiment_dir("workers_no_retry");
  const pid_t a = mtlab::test::start_mtlab(dir, {"worker", "exp.toml", "--no-progress", "--set",
                                                 "experiment.max_retries=0"}, "run.log", 1);
  REQUIRE(mtlab::test::wait_for_run_file(dir, "state.pt", a));
  kill(a, SIGKILL);
  waitpid(a, nullptr, 0);

  const auto r = mtlab_in(dir, "worker --db results.db --experiment workers --no-progress");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("attempt 1 of 1 allowed (experiment.max_retries)"));
  const auto db = Database::open_read_only(dir / "results.db");
  CHECK(scalar(db, "SELECT count(*) FROM runs") == 4);
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 3);
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE status = 'failed' AND attempt = 1 AND "
                   "error LIKE '%experiment.max_retries%'") == 1);
}

// Without OMP_NUM_THREADS, a worker started by hand divides the host's cores by the
// live workers of this user (runner/host_workers.h). Another worker is stood in for by
// flock(1) holding a slot in the slots folder, as a worker does while it lives.
TEST_CASE("a worker started by hand shares the host's cores with the other live workers on it", "[e2e][workers]") {
  const int cores = mtlab::available_cores();
  const std::string one_trial = " --set 'sweep.freeze=[\"none\"]' --set 'sweep.seeds=[1]'";
  auto threads_of_a_sweep = [&](const std::string& name, bool another_worker) {
    const auto dir = experiment_dir(name);
    const auto slots = dir / "tmp" / ("mtlab-workers-" + std::to_string(getuid()));
    fs::create_directories(slots);
    std::string holder;
    if (another_worker) {
      holder = run_command("flock -o -s " + mtlab::test::shell_quote((slots / "other").string()) +
                           " sleep 300 > /dev/null 2>&1 & echo $!")
                   .output;
    }
    const auto r = run_command(mtlab::test::mtlab_command(
        dir, "worker exp.toml --no-progress" + one_trial,
        "env -u OMP_NUM_THREADS TMPDIR=" + mtlab::test::shell_quote((dir / "tmp").string())));
    if (!holder.empty()) run_command("kill " + holder);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(another_worker == (r.output.find("2 worker(s) on this host share its") != std::string::npos));
    return scalar(Database::open_read_only(dir / "results.db"), "SELECT threads FROM runs");
  };
  CHECK(threads_of_a_sweep("workers_alone", false) == cores);
  CHECK(threads_of_a_sweep("workers_sharing", true) == std::max(1, cores / 2));
}

TEST_CASE("mtlab worker refuses a slots folder that is a link planted in its temporary folder", "[e2e][workers]") {
  const auto dir = experiment_dir("workers_planted_slots");
  fs::create_directories(dir / "tmp" / "elsewhere");
  fs::create_directory_symlink(dir / "tmp" / "elsewhere", dir / "tmp" / ("mtlab-workers-" + std::to_string(getuid())));
  const auto r = run_command(mtlab::test::mtlab_command(
      dir, "worker exp.toml --no-progress", "TMPDIR=" + mtlab::test::shell_quote((dir / "tmp").string())));
  INFO(r.output);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("is not a folder of this user") && Contains("set TMPDIR"));
  CHECK(fs::is_empty(dir / "tmp" / "elsewhere"));
}

TEST_CASE("mtlab worker: a missing queue, a changed sweep and two ways at once are refused", "[e2e][workers]") {
  const auto dir = experiment_dir("workers_refused");
  auto r = mtlab_in(dir, "worker --db results.db --experiment workers");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("no trials are queued for experiment 'workers'"));

  r = mtlab_in(dir, "worker exp.toml --db results.db --experiment workers");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("not both"));

  r = mtlab_in(dir, "run exp.toml --workers 1 --no-progress --set training.max_steps=1");
  REQUIRE(r.exit_code == 0);
  r = mtlab_in(dir, "worker exp.toml --set optimizer.lr=0.5");  // another sweep under the same name
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("was already queued by workers with another config") &&
                           Contains("use another experiment.name"));
  r = mtlab_in(dir, "run exp.toml --workers 2 --force");
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("excludes"));
}
