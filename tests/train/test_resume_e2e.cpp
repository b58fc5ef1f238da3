// End to end: `mtlab run` SIGKILLed in the middle of a sweep, then
// `mtlab run --resume`, ends with the same results as a sweep never killed.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "run_command.h"
#include "test_paths.h"

using Catch::Matchers::Contains;
using mtlab::storage::Database;
using mtlab::test::run_command;
using mtlab::test::shell_quote;
namespace fs = std::filesystem;

namespace {

const char* kSpec = R"toml(
[experiment]
name = "resume-sweep"
seed = 5
database = "results.db"
output = "runs"

[backbone]
plugin = "bert"
max_length = 48

[backbone.init]
hidden_size = 32
num_layers = 2
num_heads = 2
intermediate_size = 64
max_position_embeddings = 64

[tasks.intent]
head = "sequence_classification"

[tasks.slots]
head = "token_classification"

[data]
format = "joint"
train = "${MTLAB_DATA}/atis/train"
dev = "${MTLAB_DATA}/atis/dev"
test = "${MTLAB_DATA}/atis/test"
limit_train = 384
limit_dev = 64
limit_test = 64

[optimizer]
lr = 2e-3

[training]
epochs = 3
batch_size = 32
checkpoint_every = 5
eval_every = 4

[sweep]
freeze = ["none", "layers:1"]
)toml";

std::string command(const fs::path& dir, const std::string& args) {
  return "cd " + shell_quote(dir.string()) + " && MTLAB_DATA=" + shell_quote(mtlab::test::data_dir().string()) + " " +
         shell_quote(mtlab::test::mtlab_executable().string()) + " run exp.toml --no-progress " + args;
}

// Final metrics by trial and metric name, and the count of metric rows by trial.
std::map<std::string, double> final_metrics(const Database& db) {
  std::map<std::string, double> out;
  auto t = mtlab::storage::run_read_only_query(
      db, "SELECT r.trial || ' ' || f.metric, f.value FROM final_metrics f JOIN runs r ON r.id = f.run_id");
  for (const auto& row : t.rows) out[std::get<std::string>(row.at(0))] = std::get<double>(row.at(1));
  return out;
}
std::map<std::string, std::int64_t> metric_rows(const Database& db) {
  std::map<std::string, std::int64_t> out;
  auto t = mtlab::storage::run_read_only_query(
      db, "SELECT r.trial || ' ' || m.split || ' ' || m.task || ' ' || m.name, count(*) FROM metrics m "
          "JOIN runs r ON r.id = m.run_id WHERE r.status = 'completed' AND m.name NOT LIKE 'grad_norm%' "
          "GROUP BY 1");
  for (const auto& row : t.rows) out[std::get<std::string>(row.at(0))] = std::get<std::int64_t>(row.at(1));
  return out;
}

// Starts `mtlab run` and SIGKILLs it as soon as the first resume checkpoint exists.
bool kill_after_first_checkpoint(const fs::path& dir) {
  const pid_t child = fork();
  if (child == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    setenv("MTLAB_DATA", mtlab::test::data_dir().c_str(), 1);
    if (!freopen("run.log", "w", stdout) || !freopen("run.log", "a", stderr)) _exit(127);
    const std::string exe = mtlab::test::mtlab_executable().string();
    execl(exe.c_str(), "mtlab", "run", "exp.toml", "--no-progress", static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir / "runs", ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().filename() == "state.pt") seen = true;
    }
    if (!seen && waitpid(child, nullptr, WNOHANG) == child) return false;  // finished before it could be killed
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
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
