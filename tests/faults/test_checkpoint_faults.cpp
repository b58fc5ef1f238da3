// Damaged resume checkpoints, end to end through the real `mtlab` executable: a
// truncated state.pt fails its trial with an error naming the file (the sweep
// goes on), and a half-written temporary checkpoint left by a kill is ignored.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "../storage/db_helpers.h"
#include "mtlab/storage/database.h"
#include "run_command.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using mtlab::storage::Database;
using mtlab::test::run_command;
using mtlab::test::scalar_int;
using mtlab::test::scalar_text;
using mtlab::test::shell_quote;

namespace {

const char* kSpec = R"toml(
[experiment]
name = "ckpt-faults"
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
limit_train = 256
limit_dev = 64

[optimizer]
lr = 2e-3

[training]
epochs = 2
batch_size = 32
checkpoint_every = 3

[sweep]
freeze = ["none", "layers:1"]
)toml";

std::string mtlab_run(const fs::path& dir, const std::string& args) {
  return "cd " + shell_quote(dir.string()) + " && MTLAB_DATA=" + shell_quote(mtlab::test::data_dir().string()) + " " +
         shell_quote(mtlab::test::mtlab_executable().string()) + " run exp.toml --no-progress " + args;
}

fs::path find_checkpoint(const fs::path& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir / "runs", ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() == "state.pt") return it->path();
  }
  return {};
}

// Starts `mtlab run` in `dir` and SIGKILLs it once the first resume checkpoint
// exists; returns that checkpoint (empty if the sweep ended first).
fs::path kill_after_first_checkpoint(const fs::path& dir) {
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
  fs::path checkpoint;
  while (checkpoint.empty() && std::chrono::steady_clock::now() < deadline) {
    checkpoint = find_checkpoint(dir);
    if (checkpoint.empty() && waitpid(child, nullptr, WNOHANG) == child) return {};
    if (checkpoint.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  return checkpoint;
}

// The sweep in `dir`, SIGKILLed at its first checkpoint. (Each case kills its own:
// the resolved config, and so a trial's identity, holds the folder's path.)
fs::path killed_sweep(const fs::path& dir) {
  std::ofstream(dir / "exp.toml") << kSpec;
  const fs::path checkpoint = kill_after_first_checkpoint(dir);
  REQUIRE(!checkpoint.empty());
  REQUIRE(fs::file_size(checkpoint) > 1000);
  return checkpoint;
}

}  // namespace

TEST_CASE("a damaged resume checkpoint: truncated fails its trial by name, a temporary one is ignored",
          "[faults][resume][e2e]") {
  SECTION("a truncated state.pt: the trial fails with an error naming the file, the sweep goes on") {
    const auto dir = mtlab::test::scratch_dir("faults_checkpoint_truncated");
    const fs::path checkpoint = killed_sweep(dir);
    fs::resize_file(checkpoint, fs::file_size(checkpoint) / 2);  // as if cut off mid-write (the rename rules it out)
    auto resumed = run_command(mtlab_run(dir, "--resume"));
    INFO(resumed.output);
    CHECK(resumed.exit_code == 1);  // a trial failed
    CHECK_THAT(resumed.output, Contains(checkpoint.string() + ": not a readable resume checkpoint"));
    CHECK_THAT(resumed.output, Contains("1 completed, 1 failed"));
    {
      const auto db = Database::open_read_only(dir / "results.db");
      CHECK(scalar_text(db, "PRAGMA integrity_check") == "ok");
      CHECK(scalar_text(db, "SELECT group_concat(status) FROM (SELECT status FROM runs ORDER BY id)") ==
            "failed,completed");
      CHECK_THAT(scalar_text(db, "SELECT error FROM runs WHERE id = 1"),
                 Contains(checkpoint.string() + ": not a readable resume checkpoint"));
    }
    // The way out the error leaves: run the failed trial again from the start, in a new row.
    auto rerun = run_command(mtlab_run(dir, "--rerun-failed"));
    INFO(rerun.output);
    CHECK(rerun.exit_code == 0);
    const auto db = Database::open_read_only(dir / "results.db");
    CHECK(scalar_text(db, "SELECT group_concat(status) FROM (SELECT status FROM runs ORDER BY id)") ==
          "failed,completed,completed");
  }

  SECTION("a half-written temporary checkpoint next to state.pt is ignored") {
    const auto dir = mtlab::test::scratch_dir("faults_checkpoint_temporary");
    const fs::path checkpoint = killed_sweep(dir);
    const auto temporary = checkpoint.string() + ".tmp-123456";
    fs::copy_file(checkpoint, temporary);
    fs::resize_file(temporary, fs::file_size(checkpoint) / 3);  // what a kill during the write leaves
    auto resumed = run_command(mtlab_run(dir, "--resume"));
    INFO(resumed.output);
    CHECK(resumed.exit_code == 0);
    CHECK_THAT(resumed.output, Contains("resumed from its checkpoint") && Contains("resuming from step"));
    const auto db = Database::open_read_only(dir / "results.db");
    CHECK(scalar_text(db, "PRAGMA integrity_check") == "ok");
    CHECK(scalar_text(db, "SELECT group_concat(status) FROM (SELECT status FROM runs ORDER BY id)") ==
          "completed,completed");
    CHECK(scalar_int(db, "SELECT count(*) FROM run_facts WHERE key = 'train.resumed_from_step' AND "
                         "CAST(value AS INTEGER) > 0") == 1);
  }
}
