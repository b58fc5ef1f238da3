// End to end: [sweep.prune] with ASHA on a tiny BERT over a slice of ATIS, run
// by the real `mtlab` — one process (every recorded decision replayed against
// ASHA's rule), two workers (no trial promoted twice: no epoch trained twice),
// a sweep killed with trials paused and run again (the paused ones promoted and
// resumed from their checkpoints), and the median rule.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <thread>

#include "e2e_helpers.h"
#include "mtlab/spec/prune.h"
#include "run_command.h"

using Catch::Matchers::Contains;
using mtlab::storage::Database;
using mtlab::storage::run_read_only_query;
using mtlab::test::run_command;
namespace fs = std::filesystem;

namespace {

constexpr int kTrials = 8;
constexpr std::int64_t kEta = 2;

// 8 learning rates, 4 epochs; ASHA with eta 2: rungs at epochs 1 and 2.
std::string spec_text(const std::string& method) {
  const std::string prune = method == "asha" ? "method = \"asha\"\neta = 2\n" : "method = \"median\"\nmin_trials = 2\n";
  return "extends = \"" + (mtlab::test::source_dir() / "tests/specs/tiny_atis.toml").string() + "\"\n" +
         R"toml(
[experiment]
name = "pruned"
database = "results.db"
output = "runs"

[training]
epochs = 4
metric = "dev.loss"

[sweep]
sampler = "random"
trials = 8

[sweep.search]
"optimizer.lr" = { distribution = "loguniform", low = 1e-4, high = 3e-2 }

[sweep.prune]
)toml" + prune;
}

fs::path experiment_dir(const std::string& name, const std::string& method = "asha") {
  const auto dir = mtlab::test::scratch_dir(name);
  std::ofstream(dir / "exp.toml") << spec_text(method);
  return dir;
}

mtlab::test::CommandResult mtlab_in(const fs::path& dir, const std::string& args) {
  return run_command(mtlab::test::mtlab_command(dir, args));
}

std::int64_t scalar(const Database& db, const std::string& sql) {
  return std::get<std::int64_t>(run_read_only_query(db, sql).rows.at(0).at(0));
}

struct Row {
  std::int64_t run = 0;
  int rung = 0;
  double value = 0;
  std::string decision, decided_at, promoted_at;
};

std::vector<Row> rung_rows(const Database& db) {
  std::vector<Row> out;
  const auto t = run_read_only_query(
      db, "SELECT run_id, rung, value, decision, decided_at, coalesce(promoted_at, '') FROM rungs ORDER BY decided_at");
  for (const auto& r : t.rows) {
    out.push_back({std::get<std::int64_t>(r[0]), static_cast<int>(std::get<std::int64_t>(r[1])), std::get<double>(r[2]),
                   std::get<std::string>(r[3]), std::get<std::string>(r[4]), std::get<std::string>(r[5])});
  }
  return out;
}

// Whether `run` is in ASHA's top 1/eta of the values at `rung` decided by `time` (lower loss is better).
bool in_top(const std::vector<Row>& rows, std::int64_t run, int rung, const std::string& time) {
  std::vector<mtlab::spec::RungValue> values;
  for (const auto& r : rows) {
    if (r.rung == rung && r.decided_at <= time) values.push_back({r.run, r.value});
  }
  const auto top = mtlab::spec::asha_top(values, kEta, true);
  return std::find(top.begin(), top.end(), run) != top.end();
}

// Every run trained each epoch once: one dev evaluation per epoch, none twice.
void check_each_epoch_once(const Database& db) {
  CHECK(scalar(db, "SELECT count(*) FROM (SELECT run_id, epoch FROM metrics WHERE split = 'dev' AND task = '' AND "
                   "name = 'loss' AND epoch IS NOT NULL GROUP BY run_id, epoch HAVING count(*) > 1) AS twice") == 0);
  // A completed run evaluated 4 epochs; a pruned one as far as its last rung.
  CHECK(scalar(db, "SELECT count(*) FROM runs r WHERE status = 'completed' AND (SELECT count(DISTINCT epoch) FROM "
                   "metrics m WHERE m.run_id = r.id AND m.split = 'dev' AND m.name = 'loss' AND m.task = '' AND "
                   "m.epoch IS NOT NULL) <> 4") == 0);
  CHECK(scalar(db, "SELECT count(*) FROM runs r WHERE status = 'pruned' AND (SELECT max(epoch) FROM metrics m WHERE "
                   "m.run_id = r.id AND m.split = 'dev') <> (SELECT max(resource) FROM rungs g WHERE g.run_id = r.id)") == 0);
}

// `killed`: a trial killed before its first checkpoint was run anew in a second row
// (its dead run marked interrupted), as any interrupted trial is.
void check_sweep_ended(const Database& db, bool killed = false) {
  if (!killed) CHECK(scalar(db, "SELECT count(*) FROM runs") == kTrials);  // promoted in their own rows
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE status IN ('completed', 'pruned')") == kTrials);
  CHECK(scalar(db, "SELECT count(DISTINCT trial) FROM runs WHERE status IN ('completed', 'pruned')") == kTrials);
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE status NOT IN ('completed', 'pruned', 'interrupted')") == 0);
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE status = 'completed'") >= 1);
  // Each promotion is one 'promoted' row and one line in its run's error text.
  CHECK(scalar(db, "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM rungs g WHERE g.run_id = r.id AND "
                   "g.decision = 'promoted') <> (length(coalesce(error, '')) - length(replace(coalesce(error, ''), "
                   "'promoted from rung', ''))) / length('promoted from rung')") == 0);
  // A pruned run was stopped at a rung where it paused; it has no test evaluation.
  CHECK(scalar(db, "SELECT count(*) FROM runs r WHERE status = 'pruned' AND NOT EXISTS (SELECT 1 FROM rungs g WHERE "
                   "g.run_id = r.id AND g.decision = 'paused')") == 0);
  CHECK(scalar(db, "SELECT count(*) FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.status = 'pruned' AND "
                   "m.split = 'test'") == 0);
  check_each_epoch_once(db);
}

}  // namespace

TEST_CASE("ASHA in one process: every decision on record follows the rule and paused trials keep checkpoints",
          "[e2e][prune]") {
  const auto dir = experiment_dir("prune_asha_one");
  const auto r = mtlab_in(dir, "run exp.toml --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("pruned, 0 failed, 0 skipped"));
  const auto db = Database::open_read_only(dir / "results.db");
  check_sweep_ended(db);
  const auto rows = rung_rows(db);
  REQUIRE(rows.size() >= kTrials);  // every trial reached rung 0
  int promotions = 0;
  for (const auto& row : rows) {
    INFO("run " << row.run << " rung " << row.rung << " " << row.decision);
    // Went on at once exactly when in the top 1/eta of what the rung held then;
    // promoted only when it was there at the promotion.
    CHECK(in_top(rows, row.run, row.rung, row.decided_at) == (row.decision == "continued"));
    if (row.decision == "promoted") {
      ++promotions;
      CHECK(in_top(rows, row.run, row.rung, row.promoted_at));
    }
    // A paused trial keeps its checkpoint for a promotion.
    if (row.decision == "paused") {
      CHECK(fs::exists(dir / "runs" / "pruned" / ("run-" + std::to_string(row.run)) / "resume" / "state.pt"));
    }
  }
  CHECK(promotions >= 1);
  CHECK(scalar(db, "SELECT count(*) FROM rungs WHERE rung = 0") == kTrials);
  // Rung 1's trials are rung 0's that went on or were promoted.
  CHECK(scalar(db, "SELECT count(*) FROM rungs WHERE rung = 1") ==
        scalar(db, "SELECT count(*) FROM rungs WHERE rung = 0 AND decision IN ('continued', 'promoted')"));
  const auto runs = mtlab_in(dir, "runs results.db");
  CHECK_THAT(runs.output, Contains("pruned"));
  // compare: the completed trials ranked, then the rungs and the compute saved.
  const auto compare = mtlab_in(dir, "compare results.db --experiment pruned --metric dev.loss");
  INFO(compare.output);
  CHECK_THAT(compare.output, Contains("pruning (asha, in epochs; a trial completes at 4):") &&
                                 Contains("8 trials: ") && Contains("epochs trained of the 32 every trial to the end"));
  const std::int64_t used = scalar(db, "SELECT CAST(sum(e) AS INTEGER) FROM (SELECT max(epoch) AS e FROM metrics WHERE split = 'dev' "
                                       "AND task = '' AND name = 'loss' AND epoch IS NOT NULL GROUP BY run_id) AS t");
  CHECK_THAT(compare.output, Contains(" " + std::to_string(used) + " epochs trained of the 32"));
  const auto exported = mtlab_in(dir, "export results.db --experiment pruned");
  CHECK_THAT(exported.output, Contains("pruned"));
}

TEST_CASE("ASHA on two workers: no trial is promoted twice and no epoch trained twice", "[e2e][prune][workers]") {
  const auto dir = experiment_dir("prune_asha_workers");
  const auto r = mtlab_in(dir, "run exp.toml --workers 2 --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto db = Database::open_read_only(dir / "results.db");
  check_sweep_ended(db);
  CHECK(scalar(db, "SELECT count(*) FROM rungs WHERE rung = 0") == kTrials);
  CHECK(scalar(db, "SELECT count(DISTINCT pid) FROM runs") == 2);
}

TEST_CASE("A sweep killed with trials paused is run again: the paused trials are promoted and resumed",
          "[e2e][prune]") {
  const auto dir = experiment_dir("prune_asha_killed");
  const pid_t run = mtlab::test::start_mtlab(dir, {"run", "exp.toml", "--no-progress"});
  // Kill it once two trials are paused and before the sweep ends.
  bool paused = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!paused && std::chrono::steady_clock::now() < deadline && waitpid(run, nullptr, WNOHANG) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!fs::exists(dir / "results.db")) continue;
    try {
      paused = scalar(Database::open_read_only(dir / "results.db"),
                      "SELECT count(*) FROM rungs WHERE decision = 'paused'") >= 2;
    } catch (const std::exception&) {  // the schema may not be there yet
    }
  }
  REQUIRE(paused);
  kill(run, SIGKILL);
  waitpid(run, nullptr, 0);
  std::int64_t paused_before = 0;
  {
    const auto db = Database::open_read_only(dir / "results.db");
    paused_before = scalar(db, "SELECT count(*) FROM runs WHERE status = 'pruned'");
    REQUIRE(paused_before >= 1);
  }
  const auto r = mtlab_in(dir, "run exp.toml --resume --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto db = Database::open_read_only(dir / "results.db");
  check_sweep_ended(db, true);
  // The run after the kill promoted trials paused before it, from their checkpoints.
  CHECK_THAT(r.output, Contains("promoted from rung") && Contains("resumed from its checkpoint"));
  CHECK(scalar(db, "SELECT count(*) FROM run_facts WHERE key = 'train.resumed_from_step'") >= 1);
}

TEST_CASE("The median rule stops trials for good: none is promoted", "[e2e][prune]") {
  const auto dir = experiment_dir("prune_median", "median");
  const auto r = mtlab_in(dir, "run exp.toml --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto db = Database::open_read_only(dir / "results.db");
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE status IN ('completed', 'pruned')") == kTrials);
  CHECK(scalar(db, "SELECT count(*) FROM rungs WHERE decision IN ('paused', 'promoted')") == 0);
  CHECK(scalar(db, "SELECT count(*) FROM rungs WHERE decision = 'pruned'") ==
        scalar(db, "SELECT count(*) FROM runs WHERE status = 'pruned'"));
  // Every rung a trial passed (epochs 1, 2, 3) is on record until it stopped.
  CHECK(scalar(db, "SELECT count(*) FROM rungs WHERE rung > 2") == 0);
  check_each_epoch_once(db);
}

TEST_CASE("ASHA with each trial in a child process: the child judges and says pruned by its exit code",
          "[e2e][prune][isolation]") {
  const auto dir = experiment_dir("prune_asha_isolated");
  const auto r = mtlab_in(dir, "run exp.toml --no-progress --set experiment.isolation=process");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto db = Database::open_read_only(dir / "results.db");
  check_sweep_ended(db);
  CHECK(scalar(db, "SELECT count(*) FROM runs WHERE status = 'pruned' AND error LIKE '%pruned (trial process)%'") ==
        scalar(db, "SELECT count(*) FROM runs WHERE status = 'pruned'"));
  CHECK(scalar(db, "SELECT count(*) FROM rungs WHERE decision = 'promoted'") >= 1);
}
