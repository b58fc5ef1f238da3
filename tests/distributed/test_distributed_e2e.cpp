// End to end, real processes on 127.0.0.1: `mtlab run --nproc 2` reaches the
// parameters and metrics of one process with the same global batch, records one
// run (rank 0's), and fails the trial — without hanging — when a rank is SIGKILLed.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "mtlab/io/safetensors.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "run_command.h"
#include "test_paths.h"
#include "tiny_atis.h"

using Catch::Matchers::Contains;
using mtlab::storage::Database;
using mtlab::test::run_command;
using mtlab::test::shell_quote;
namespace fs = std::filesystem;

namespace {

// Dropout 0: each rank draws its own masks, so only a model without dropout
// can match one process. Two tasks (a sentence and a token task): the token
// loss is a mean over labelled tokens, which the ranks' shards split unevenly.
// `slots` adds keys to the token task's table (head = "crf": a mean over sentences).
std::string spec(const std::string& training, const std::string& slots = "") {
  return mtlab::test::tiny_atis_spec(R"toml(
[experiment]
name = "ddp"
seed = 11
database = "results.db"
output = "runs"

[backbone.init]
dropout = 0.0
attention_dropout = 0.0

[tasks.intent]
head_config = { dropout = 0.0 }

[tasks.slots]
head_config = { dropout = 0.0 }
)toml" + slots + R"toml(

[data]
limit_train = 150
limit_dev = 32
limit_test = 32

[optimizer]
lr = 1e-3

[training]
batch_size = 25
threads = 1
)toml") + training;
}

std::string command(const fs::path& dir, const std::string& args) {
  return "cd " + shell_quote(dir.string()) + " && MTLAB_DATA=" + shell_quote(mtlab::test::data_dir().string()) +
         " timeout 300 " + shell_quote(mtlab::test::mtlab_executable().string()) + " run exp.toml --no-progress " +
         args;
}

// Every tensor of every safetensors file of the run's saved model.
std::map<std::string, at::Tensor> model_tensors(const fs::path& model) {
  std::map<std::string, at::Tensor> out;
  for (const auto& entry : fs::recursive_directory_iterator(model)) {
    if (entry.path().extension() != ".safetensors") continue;
    const auto file = mtlab::io::SafetensorsFile::open(entry.path());
    for (const auto& info : file.tensors()) {
      out[fs::relative(entry.path(), model).string() + ":" + info.name] = file.load(info.name);
    }
  }
  return out;
}

// split task name step → value, every metric the run recorded.
std::map<std::string, double> metrics(const Database& db) {
  std::map<std::string, double> out;
  auto t = mtlab::storage::run_read_only_query(
      db, "SELECT m.split || ' ' || m.task || ' ' || m.name || ' ' || m.step, m.value FROM metrics m");
  for (const auto& row : t.rows) out[std::get<std::string>(row.at(0))] = std::get<double>(row.at(1));
  return out;
}

std::string text(const Database& db, const std::string& sql) {
  auto t = mtlab::storage::run_read_only_query(db, sql);
  if (t.rows.empty()) return {};
  const auto& v = t.rows.at(0).at(0);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return {};
}

// The spec with `training` run by one process in a fresh folder, which it returns.
fs::path one_process_run(const std::string& name, const std::string& training, const std::string& slots = "") {
  const auto dir = mtlab::test::scratch_dir(name);
  std::ofstream(dir / "exp.toml") << spec(training, slots);
  auto alone = run_command(command(dir, ""));
  INFO(alone.output);
  REQUIRE(alone.exit_code == 0);
  return dir;
}

// Every metric of one run recorded by the other, at the same step, within 1e-4 relative.
void check_same_metrics(const Database& expected, const Database& actual) {
  const auto m1 = metrics(expected), m2 = metrics(actual);
  REQUIRE(m1.size() == m2.size());
  for (const auto& [key, value] : m1) {
    INFO(key);
    REQUIRE(m2.count(key) == 1);
    CHECK(m2.at(key) == Approx(value).epsilon(1e-4).margin(1e-5));
  }
}

// The tolerance: both runs compute the same sums in a different order — each
// rank sums its shard's gradients, Gloo adds the two halves — so fp32 rounding
// (about 6e-8 relative per addition) differs; after 12 AdamW steps at lr 1e-3
// the largest parameter difference measured here is 1.3e-7. 2e-5 absolute is
// 2% of one step's update (lr): weighting each rank's loss 1/2 instead of by its
// share of the labelled targets (a mean of means) moves them by 2.6e-3 and fails.
// `mtlab run --nproc 2` against one process on the same spec: one run (rank 0's),
// the same metrics at the same steps, every saved tensor within 2e-5.
void check_two_ranks_match_one(const std::string& folder, const std::string& slots) {
  const std::string training = "epochs = 2\neval_every = 3\n";
  const auto one = one_process_run(folder + "_one_process", training, slots);

  const auto two = mtlab::test::scratch_dir(folder + "_two_ranks");
  std::ofstream(two / "exp.toml") << spec(training, slots);
  auto ranks = run_command(command(two, "--nproc 2 --threads-per-rank 1"));
  INFO(ranks.output);
  REQUIRE(ranks.exit_code == 0);
  CHECK_THAT(ranks.output, Contains("data-parallel: 2 ranks"));

  // One run: rank 0's; the same metrics at the same steps, values within tolerance.
  const auto db_one = Database::open_read_only(one / "results.db");
  const auto db_two = Database::open_read_only(two / "results.db");
  CHECK(text(db_two, "SELECT count(*) FROM runs") == "1");
  CHECK(text(db_two, "SELECT status FROM runs") == "completed");
  CHECK(text(db_two, "SELECT value FROM run_facts WHERE key = 'data_parallel.ranks'") == "2");
  CHECK(text(db_one, "SELECT count(*) FROM run_facts WHERE key = 'data_parallel.ranks'") == "0");
  const auto m1 = metrics(db_one);
  REQUIRE(m1.count("train  loss 12") == 1);  // 150 rows / 25 = 6 steps per epoch
  check_same_metrics(db_one, db_two);

  // The saved models: every tensor within 2e-5 (see above).
  const auto p1 = model_tensors(one / "runs/ddp/run-1/model");
  const auto p2 = model_tensors(two / "runs/ddp/run-1/model");
  REQUIRE(p1.size() > 10);
  REQUIRE(p1.size() == p2.size());
  double worst = 0;
  for (const auto& [name, a] : p1) {
    INFO(name);
    REQUIRE(p2.count(name) == 1);
    REQUIRE(a.sizes() == p2.at(name).sizes());
    if (a.is_floating_point()) worst = std::max(worst, (a - p2.at(name)).abs().max().item<double>());
  }
  INFO("largest parameter difference " << worst);
  CHECK(worst < 2e-5);
  // …and the parameters did move: they are not simply both the initial ones. The
  // second epoch's mean train loss (the same sentences, shuffled) is the lower.
  auto epoch_mean = [&m1](int first) {
    double sum = 0;
    for (int step = first; step < first + 6; ++step) sum += m1.at("train  loss " + std::to_string(step));
    return sum / 6;
  };
  CHECK(epoch_mean(7) < epoch_mean(1));
}

}  // namespace

TEST_CASE("data-parallel: 2 ranks reach the parameters and metrics of 1 process with the same global batch",
          "[e2e][distributed]") {
  check_two_ranks_match_one("ddp", "");
}

// The CRF's loss is a mean over sentences, not labelled tokens: each rank's share
// comes from the head's own target weight (Head::loss_target_weight).
TEST_CASE("data-parallel: a crf task's loss, a mean over sentences, splits over 2 ranks as in 1 process",
          "[e2e][distributed]") {
  check_two_ranks_match_one("ddp_crf", "head = \"crf\"\n");
}

namespace {

// `mtlab -v run exp.toml --nproc 2 --threads-per-rank 1 EXTRA` in `dir`, its output in run.log.
pid_t start_ranks(const fs::path& dir, const char* extra = nullptr) {
  const pid_t launcher = fork();
  if (launcher == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    setenv("MTLAB_DATA", mtlab::test::data_dir().c_str(), 1);
    if (!freopen("run.log", "w", stdout) || !freopen("run.log", "a", stderr)) _exit(127);
    const std::string exe = mtlab::test::mtlab_executable().string();
    execl(exe.c_str(), "mtlab", "-v", "run", "exp.toml", "--no-progress", "--nproc", "2", "--threads-per-rank", "1",
          extra, static_cast<char*>(nullptr));
    _exit(127);
  }
  return launcher;
}

std::string file_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits until rank 0 has written its resume checkpoint at `step` (-v logs it);
// returns rank 1's pid, or 0 when the launcher ended first or 3 minutes passed.
pid_t wait_for_step(const fs::path& dir, pid_t launcher, int step) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  const std::string line = "resume checkpoint at step " + std::to_string(step) + " ";
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = file_text(dir / "run.log");
    std::smatch m;
    if (log.find(line) != std::string::npos && std::regex_search(log, m, std::regex("rank 1: pid (\\d+)"))) {
      return std::stoi(m[1]);
    }
    if (waitpid(launcher, nullptr, WNOHANG) != 0) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

// The launcher's wait status, or nullopt (and it is killed) when it outlives `bound`.
std::optional<int> wait_bounded(pid_t launcher, std::chrono::seconds bound) {
  int status = 0;
  const auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(launcher, &status, WNOHANG) == launcher) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(launcher, SIGKILL);
  waitpid(launcher, nullptr, 0);
  return std::nullopt;
}

}  // namespace

TEST_CASE("data-parallel: a rank SIGKILLed mid-step fails the trial naming it and mtlab run exits non-zero",
          "[e2e][distributed]") {
  const auto dir = mtlab::test::scratch_dir("ddp_killed_rank");
  std::ofstream(dir / "exp.toml") << spec("epochs = 200\ncheckpoint_every = 1\n");
  const pid_t launcher = start_ranks(dir);
  const pid_t rank1 = wait_for_step(dir, launcher, 3);
  INFO(file_text(dir / "run.log"));
  REQUIRE(rank1 > 0);
  REQUIRE(kill(rank1, SIGKILL) == 0);

  // Bounded: a hang shows as the launcher still running after 90 s.
  const auto status = wait_bounded(launcher, std::chrono::seconds(90));
  const std::string log = file_text(dir / "run.log");
  INFO(log);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) != 0);
  CHECK_THAT(log, Contains("rank 1 (pid " + std::to_string(rank1) + ") killed by signal 9"));

  const auto db = Database::open_read_only(dir / "results.db");
  CHECK(text(db, "SELECT count(*) FROM runs") == "1");
  CHECK(text(db, "SELECT status FROM runs") == "failed");
  CHECK_THAT(text(db, "SELECT error FROM runs"), Contains("lost rank 1") && Contains("gradient all-reduce"));
}

TEST_CASE("data-parallel: Ctrl-C stops every rank after the same step and --resume finishes the run",
          "[e2e][distributed]") {
  const std::string training = "epochs = 3\ncheckpoint_every = 1\n";
  const auto reference = one_process_run("ddp_interrupt_reference", training);

  const auto dir = mtlab::test::scratch_dir("ddp_interrupted");
  std::ofstream(dir / "exp.toml") << spec(training);
  const pid_t launcher = start_ranks(dir);
  REQUIRE(wait_for_step(dir, launcher, 4) > 0);
  REQUIRE(kill(launcher, SIGINT) == 0);  // as Ctrl-C in a terminal: the launcher forwards it
  const auto status = wait_bounded(launcher, std::chrono::seconds(90));
  INFO(file_text(dir / "run.log"));
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 130);
  {
    const auto db = Database::open_read_only(dir / "results.db");
    CHECK(text(db, "SELECT status FROM runs") == "interrupted");
  }

  auto resumed = run_command(command(dir, "--resume --nproc 2 --threads-per-rank 1"));
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  const auto db = Database::open_read_only(dir / "results.db");
  const auto db_alone = Database::open_read_only(reference / "results.db");
  CHECK(text(db, "SELECT count(*) FROM runs") == "1");
  CHECK(text(db, "SELECT status FROM runs") == "completed");
  // Every rank went on from the same checkpoint: the run ends where one uninterrupted process does.
  check_same_metrics(db_alone, db);
}
