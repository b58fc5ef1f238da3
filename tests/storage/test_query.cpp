// The logic behind `mtlab query`, `runs`, `compare` and `export`, tested on the
// library: read-only refusals, output formats, mean ± std over seeds, export shape.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "db_helpers.h"
#include "mtlab/storage/compare.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/export.h"
#include "mtlab/storage/query.h"
#include "mtlab/storage/runs_list.h"
#include "mtlab/storage/writer.h"
#include "storage_fixture.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace mtlab;
using namespace mtlab::storage;
using Catch::Matchers::Contains;

namespace {

fs::path fixture_db(const std::string& name) {
  const auto path = test::scratch_dir(name) / "results.db";
  test::fill_fixture(path);
  return path;
}

std::string cell(const Table& t, std::size_t row, const std::string& column) {
  const int c = t.column(column);
  REQUIRE(c >= 0);
  return to_text(t.rows.at(row).at(static_cast<std::size_t>(c)), "NULL");
}

}  // namespace

TEST_CASE("query runs one read-only statement and refuses the rest", "[storage][query]") {
  const auto path = fixture_db("storage_query");
  const auto db = Database::open_read_only(path);
  const auto t = run_read_only_query(db, "SELECT id, trial, seed FROM runs WHERE status = 'failed'");
  REQUIRE(t.rows.size() == 1);
  CHECK(t.columns == std::vector<std::string>{"id", "trial", "seed"});
  CHECK(cell(t, 0, "trial") == "freeze=embeddings,seed=13");
  CHECK(run_read_only_query(db, "  SELECT 1;  -- trailing comment\n ;").rows.size() == 1);
  CHECK(run_read_only_query(db, "WITH x AS (SELECT 2 AS v) SELECT v FROM x").rows.size() == 1);
  CHECK(run_read_only_query(db, "PRAGMA integrity_check").rows.size() == 1);

  for (const std::string write : {"INSERT INTO experiments (name, created_at) VALUES ('x', 'now')",
                                  "update runs set status = 'failed'", "DELETE FROM metrics", "DROP TABLE runs",
                                  "CREATE TABLE t (x)", "PRAGMA user_version = 5", "VACUUM",
                                  "REPLACE INTO experiments (id, name, created_at) VALUES (1, 'x', 'y')"}) {
    INFO(write);
    CHECK_THROWS_WITH(run_read_only_query(db, write), Contains("read-only") && Contains("would modify the database"));
  }
  CHECK_THROWS_WITH(run_read_only_query(db, "SELECT 1; DELETE FROM runs"),
                    Contains("only one SQL statement") && Contains("DELETE FROM runs"));
  CHECK_THROWS_WITH(run_read_only_query(db, "SELECT 1; SELECT 2"), Contains("only one SQL statement"));
  CHECK_THROWS_WITH(run_read_only_query(db, "SELECT 1; garbage"), Contains("only one SQL statement"));
  CHECK_THROWS_WITH(run_read_only_query(db, " ; -- nothing"), Contains("no SQL statement"));
  CHECK_THROWS_WITH(run_read_only_query(db, "SELECT * FROM no_such_table"), Contains("no such table"));
  // Even past the statement check, the connection itself cannot write or create files.
  CHECK_THROWS_WITH(db.execute("DELETE FROM metrics", "test"), Contains("readonly"));
  const auto attached = path.parent_path() / "attached.db";
  CHECK_THROWS(run_read_only_query(db, "ATTACH '" + attached.string() + "' AS a"));
  CHECK_FALSE(fs::exists(attached));
  CHECK(test::scalar_int(db, "SELECT count(*) FROM metrics") == 56);
  CHECK(test::scalar_int(db, "SELECT count(*) FROM runs WHERE status = 'failed'") == 1);
}

TEST_CASE("tables print aligned, as CSV and as JSON", "[storage][query]") {
  Table t;
  t.columns = {"name", "n", "x", "note"};
  t.rows.push_back({std::string("a"), std::int64_t{1}, 0.5, Value{}});
  t.rows.push_back({std::string("long name"), std::int64_t{200}, 1e-7, std::string("say \"hi\", twice\nbye")});
  CHECK(format_table(t, TableFormat::aligned) ==
        "name         n      x  note\n"
        "---------  ---  -----  --------------------\n"
        "a            1    0.5  NULL\n"
        "long name  200  1e-07  say \"hi\", twice\\nbye\n"
        "(2 rows)\n");
  CHECK(format_table(t, TableFormat::csv) ==
        "name,n,x,note\r\na,1,0.5,\r\nlong name,200,1e-07,\"say \"\"hi\"\", twice\nbye\"\r\n");
  const auto json = nlohmann::json::parse(format_table(t, TableFormat::json));
  REQUIRE(json.size() == 2);
  CHECK(json[0]["n"].is_number_integer());
  CHECK(json[0]["x"] == 0.5);
  CHECK(json[0]["note"].is_null());
  CHECK(json[1]["note"] == "say \"hi\", twice\nbye");
}

TEST_CASE("compare: one row per trial, mean ± std over seeds, best first", "[storage][compare]") {
  const auto db = Database::open_read_only(fixture_db("storage_compare"));
  const auto c = compare_trials(db, "freeze", "intent.dev.accuracy");
  CHECK(c.direction == Direction::higher);
  CHECK(c.swept_keys == std::vector<std::string>{"training.freeze"});  // experiment.seed is not a sweep
  CHECK(c.metric_labels.front() == "intent.dev.accuracy");
  CHECK(c.metric_labels.size() == 3);
  REQUIRE(c.rows.size() == 2);  // the failed run is not compared
  CHECK(c.rows[0].swept_values == std::vector<std::string>{"none"});
  CHECK(c.rows[0].trial == "freeze=none");
  CHECK(c.rows[0].best);
  CHECK_FALSE(c.rows[1].best);
  CHECK(c.rows[0].seeds == std::vector<std::int64_t>{13, 14, 15});
  const auto& none = c.rows[0].metrics.at("intent.dev.accuracy");
  CHECK(none.n == 3);
  CHECK(none.mean == Approx(0.82));
  CHECK(none.std == Approx(0.02));
  const auto& all = c.rows[1].metrics.at("intent.dev.accuracy");
  CHECK(all.mean == Approx(0.70));
  CHECK(all.std == Approx(0.10));
  CHECK(c.rows[1].metrics.at("intent.dev.loss").mean == Approx(0.30));

  // Loss: lower is better by default, so the order is the same; forcing "higher" flips it.
  const auto loss = compare_trials(db, "freeze", "intent.dev.loss");
  CHECK(loss.direction == Direction::lower);
  CHECK(loss.rows[0].swept_values[0] == "none");
  const auto flipped = compare_trials(db, "freeze", "intent.dev.loss", Direction::higher);
  CHECK(flipped.rows[0].swept_values[0] == "all");
  CHECK(flipped.rows[0].best);

  // split.task.name names the same metric; split.name a whole-model one.
  CHECK(compare_trials(db, "freeze", "dev.intent.accuracy").metric.label() == "intent.dev.accuracy");
  CHECK(compare_trials(db, "freeze", "train.loss").metric.task.empty());
  CHECK_THROWS_WITH(compare_trials(db, "freeze", "intent.dev.f1"),
                    Contains("metric 'intent.dev.f1' not found") && Contains("intent.dev.accuracy"));
  CHECK_THROWS_WITH(compare_trials(db, "nope", "intent.dev.accuracy"),
                    Contains("no experiment named 'nope'") && Contains("freeze, other"));

  const auto table = comparison_table(c);
  CHECK(table.columns == std::vector<std::string>{"best", "trial", "training.freeze", "seeds", "intent.dev.accuracy (↑)",
                                                  "intent.dev.loss", "train.loss"});
  CHECK(cell(table, 0, "best") == "*");
  CHECK(cell(table, 0, "intent.dev.accuracy (↑)") == "0.8200 ± 0.0200");
  CHECK(cell(table, 1, "intent.dev.accuracy (↑)") == "0.7000 ± 0.1000");
  CHECK(cell(table, 1, "seeds") == "3");
  CHECK(format_stat({0.5, 0, 1}) == "0.5000");
  CHECK(format_stat({1.5e-5, 2e-6, 2}) == "1.5e-05 ± 2e-06");
  CHECK(format_stat({0.0213, 0.0006438, 2}) == "0.0213 ± 0.0006");
  // The screen form: the chosen metric's split only.
  CHECK(same_split_labels(c) == std::vector<std::string>{"intent.dev.accuracy", "intent.dev.loss"});
  CHECK(same_split_labels(compare_trials(db, "freeze", "train.loss")) == std::vector<std::string>{"train.loss"});
  CHECK(comparison_table(c, false, same_split_labels(c)).columns.size() == 6);
}

TEST_CASE("compare: a rerun (--force) of the same trial and seed counts once, the latest", "[storage][compare]") {
  const auto path = fixture_db("storage_compare_rerun");
  {
    Writer w(path);
    const auto run = w.create_run(w.begin_experiment("freeze"), test::make_run("all", 13));
    w.set_status(run, RunStatus::running);
    w.log_metric(run, "intent", "dev", "accuracy", 30, 1.0);
    w.set_status(run, RunStatus::completed);
  }
  const auto c = compare_trials(Database::open_read_only(path), "freeze", "intent.dev.accuracy");
  REQUIRE(c.rows.size() == 2);
  // all: seed 13 now 1.0 (not 0.60): (1.0 + 0.70 + 0.80) / 3 = 0.8333 > none's 0.82.
  CHECK(c.rows[0].swept_values[0] == "all");
  CHECK(c.rows[0].seeds == std::vector<std::int64_t>{13, 14, 15});
  CHECK(c.rows[0].metrics.at("intent.dev.accuracy").n == 3);
  CHECK(c.rows[0].metrics.at("intent.dev.accuracy").mean == Approx((1.0 + 0.70 + 0.80) / 3));
}

TEST_CASE("export: one row per run with params and final metrics as columns", "[storage][export]") {
  const auto db = Database::open_read_only(fixture_db("storage_export"));
  const auto t = export_experiment(db, "freeze");
  REQUIRE(t.rows.size() == 7);  // 6 completed + 1 failed, in run order
  for (const auto& column : {"run_id", "experiment", "trial", "status", "seed", "config_hash", "started_at",
                             "duration_s", "host", "git_commit", "training.freeze", "optimizer.lr", "training.epochs",
                             "experiment.seed", "tasks.intent.metrics", "intent.dev.accuracy", "intent.dev.loss",
                             "train.loss"}) {
    INFO(column);
    CHECK(t.column(column) >= 0);
  }
  for (const auto& row : t.rows) CHECK(row.size() == t.columns.size());
  CHECK(std::get<std::int64_t>(t.rows[0][t.column("training.epochs")]) == 2);
  CHECK(std::get<double>(t.rows[0][t.column("optimizer.lr")]) == 3e-5);
  CHECK(std::get<std::int64_t>(t.rows[0][t.column("training.shuffle")]) == 1);
  CHECK(std::get<double>(t.rows[0][t.column("intent.dev.accuracy")]) == Approx(0.80));
  CHECK(cell(t, 6, "status") == "failed");
  CHECK(cell(t, 6, "intent.dev.loss") == "NULL");
  CHECK(cell(t, 6, "intent.dev.accuracy") == "0.99");
  const auto json = nlohmann::json::parse(format_table(t, TableFormat::json));
  REQUIRE(json.size() == 7);
  CHECK(json[1]["seed"] == 14);
  CHECK(json[1]["training.freeze"] == "none");
  const auto csv = format_table(t, TableFormat::csv);
  std::size_t records = 0;
  for (auto at = csv.find("\r\n"); at != std::string::npos; at = csv.find("\r\n", at + 2)) ++records;
  CHECK(records == 8);  // header + 7 runs (the failed run's two-line error is one quoted field)
  CHECK_THROWS_WITH(export_experiment(db, "missing"), Contains("no experiment named 'missing'"));
}

TEST_CASE("runs: one line per run, filters, lineage column only when used", "[storage][runs]") {
  const auto path = fixture_db("storage_runs");
  {
    const auto db = Database::open_read_only(path);
    const auto all = list_runs(db, {});
    CHECK(all.rows.size() == 8);
    CHECK(all.column("parent") == -1);
    const auto failed = list_runs(db, {"freeze", "failed"});
    REQUIRE(failed.rows.size() == 1);
    CHECK(cell(failed, 0, "error") == "std::runtime_error: out of memory");
    CHECK(list_runs(db, {"other", ""}).rows.size() == 1);
    CHECK_THROWS_WITH(list_runs(db, {"", "done"}), Contains("unknown run status 'done'"));
  }
  {
    Writer w(path);
    auto spec = test::make_run("none", 99);
    spec.parent_run_id = 1;
    w.create_run(w.begin_experiment("freeze"), spec);
  }
  const auto t = list_runs(Database::open_read_only(path), {"freeze", "pending"});
  REQUIRE(t.rows.size() == 1);
  CHECK(cell(t, 0, "parent") == "1");
}
