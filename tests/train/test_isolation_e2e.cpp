// End to end: experiment.isolation = "process" runs each trial in a child;
// a trial that segfaults, aborts, throws or outruns trial_timeout is recorded as
// failed with its signal or reason and its last output lines, and the sweep goes on.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "e2e_helpers.h"
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

std::string spec(const std::string& name, const std::string& isolation) {
  return R"toml(
[experiment]
name = ")toml" + name + R"toml("
seed = 5
database = "results.db"
output = "runs"
isolation = ")toml" + isolation + R"toml("

[plugins]
paths = [")toml" + std::string(FAULTY_PLUGIN_DIR) + R"toml("]

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
loss = "faulty_loss"
loss_config = { at_call = 3 }

[tasks.slots]
head = "token_classification"

[data]
format = "joint"
train = "${MTLAB_DATA}/atis/train"
dev = "${MTLAB_DATA}/atis/dev"
test = "${MTLAB_DATA}/atis/test"
limit_train = 128
limit_dev = 32
limit_test = 32

[training]
epochs = 1
batch_size = 32

[sweep.grid]
"tasks.intent.loss_config.fault" = ["segfault", "none", "abort", "throw"]
)toml";
}

std::string run(const fs::path& dir, const std::string& args) {
  return mtlab::test::mtlab_command(dir, "run exp.toml --no-progress " + args);
}

std::string text(const Database& db, const std::string& sql) {
  auto t = mtlab::storage::run_read_only_query(db, sql);
  return t.rows.empty() ? std::string() : std::get<std::string>(t.rows.at(0).at(0));
}

}  // namespace

TEST_CASE("isolated trials: a crash, an abort or an error fails that trial and the sweep goes on", "[e2e][isolation]") {
  const auto dir = mtlab::test::scratch_dir("isolation_e2e");
  std::ofstream(dir / "exp.toml") << spec("isolated", "process");
  auto result = run_command(run(dir, ""));
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output, Contains("1 completed, 3 failed, 0 skipped"));
  // The child's own output reaches the terminal.
  CHECK_THAT(result.output, Contains("done in"));

  const auto db = Database::open_read_only(dir / "results.db");
  auto status = [&](const std::string& fault) {
    return text(db, "SELECT status FROM runs WHERE trial LIKE '%fault=" + fault + "%'");
  };
  auto error = [&](const std::string& fault) {
    return text(db, "SELECT error FROM runs WHERE trial LIKE '%fault=" + fault + "%'");
  };
  CHECK(status("none") == "completed");
  CHECK(status("segfault") == "failed");
#ifdef MTLAB_SANITIZE
  // AddressSanitizer catches the SIGSEGV itself, reports it and exits with the
  // code tests/sanitizers/options.env sets: the report is the trial's last output.
  CHECK_THAT(error("segfault"), Contains("exited with code 66") && Contains("AddressSanitizer: SEGV"));
#else
  CHECK_THAT(error("segfault"), Contains("killed by signal 11 (SIGSEGV"));
#endif
  CHECK(status("abort") == "failed");
  CHECK_THAT(error("abort"), Contains("killed by signal 6 (SIGABRT"));
  CHECK(status("throw") == "failed");
  CHECK_THAT(error("throw"), Contains("exited with code 1") && Contains("its last output:") &&
                                 Contains("faulty_loss: asked to throw"));
  // What the crashed trials recorded before dying stays on record.
  CHECK(text(db, "SELECT group_concat(status) FROM (SELECT DISTINCT r.status FROM run_facts f JOIN runs r "
                 "ON r.id = f.run_id WHERE f.key = 'labels.intent' ORDER BY r.status)") == "completed,failed");

  // The same trial in the runner's process gives the same results.
  const auto inproc = mtlab::test::scratch_dir("isolation_e2e_inprocess");
  std::ofstream(inproc / "exp.toml") << spec("isolated", "none");
  auto same = run_command(run(inproc, "--set 'sweep.grid={\"tasks.intent.loss_config.fault\" = [\"none\"]}'"));
  INFO(same.output);
  REQUIRE(same.exit_code == 0);
  const auto db2 = Database::open_read_only(inproc / "results.db");
  const std::string metrics = "SELECT group_concat(metric || '=' || value, ' ') FROM (SELECT metric, value FROM "
                              "final_metrics f JOIN runs r ON r.id = f.run_id WHERE r.status = 'completed' "
                              "ORDER BY metric)";
  CHECK(text(db2, metrics) == text(db, metrics));
  CHECK_FALSE(text(db, metrics).empty());

  // Each child ran the trial the parent claimed, handed over as a file in its run
  // folder: same name and hash as recorded, and it runs without the spec.
  const std::string id = text(db, "SELECT CAST(id AS TEXT) FROM runs WHERE trial LIKE '%fault=none%'");
  const auto file = dir / "runs" / "isolated" / ("run-" + id) / "trial.json";
  REQUIRE(fs::exists(file));
  const auto handed = nlohmann::json::parse(std::ifstream(file));
  CHECK(handed.at("name").get<std::string>() == text(db, "SELECT trial FROM runs WHERE id = " + id));
  CHECK(handed.at("hash").get<std::string>() == text(db, "SELECT config_hash FROM runs WHERE id = " + id));
  fs::remove(dir / "exp.toml");
  auto alone = run_command("cd / && " + shell_quote(mtlab::test::mtlab_executable().string()) + " run-trial " +
                           shell_quote(file.string()) + " --run-id " + id);
  INFO(alone.output);
  CHECK(alone.exit_code == 0);
  CHECK_THAT(alone.output, Contains("done in"));
}

TEST_CASE("an isolated trial past trial_timeout is stopped and recorded as failed", "[e2e][isolation]") {
  const auto dir = mtlab::test::scratch_dir("isolation_timeout");
  std::ofstream(dir / "exp.toml") << spec("timeout", "process");
  auto result = run_command(run(dir, "--set experiment.trial_timeout=2 --set "
                                     "'sweep.grid={\"tasks.intent.loss_config.fault\" = [\"hang\"]}'"));
  INFO(result.output);
  CHECK(result.exit_code == 1);
  const auto db = Database::open_read_only(dir / "results.db");
  CHECK(text(db, "SELECT status FROM runs") == "failed");
  CHECK_THAT(text(db, "SELECT error FROM runs"), Contains("exceeded experiment.trial_timeout = 2 s"));
  auto t = mtlab::storage::run_read_only_query(db, "SELECT duration_s FROM runs");
  CHECK(std::get<double>(t.rows.at(0).at(0)) < 30.0);  // SIGTERM, then SIGKILL after 10 s at most

  // In the runner's own process a trial cannot be stopped safely: refused up front.
  auto refused = run_command(run(dir, "--set experiment.isolation=none --set experiment.trial_timeout=2"));
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.output, Contains("experiment.trial_timeout: a trial timeout needs experiment.isolation = \"process\""));
}
