// `mtlab query / runs / compare / export` end to end, on the executable.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "db_helpers.h"
#include "mtlab/storage/database.h"
#include "run_command.h"
#include "storage_fixture.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace mtlab;
using Catch::Matchers::Contains;
using test::run_command;
using test::shell_quote;

namespace {

std::string mtlab_cmd(const std::string& args) { return shell_quote(test::mtlab_executable().string()) + " " + args; }

fs::path fixture_db(const std::string& name) {
  const auto path = test::scratch_dir(name) / "results.db";
  test::fill_fixture(path);
  return path;
}

}  // namespace

TEST_CASE("mtlab query prints a table, CSV or JSON, and refuses writes and second statements", "[storage][cli]") {
  const auto db = fixture_db("storage_cli_query");
  const auto q = [&](const std::string& sql, const std::string& flags = "") {
    return run_command(mtlab_cmd("query " + shell_quote(db.string()) + " " + shell_quote(sql) + " " + flags));
  };
  auto r = q("SELECT trial, seed FROM runs WHERE status = 'failed'");
  CHECK(r.exit_code == 0);
  CHECK(r.output == "trial                      seed\n"
                    "-------------------------  ----\n"
                    "freeze=embeddings,seed=13    13\n"
                    "(1 row)\n");
  r = q("SELECT metric, value FROM final_metrics WHERE run_id = 1 ORDER BY metric", "--csv");
  CHECK(r.exit_code == 0);
  CHECK(r.output == "metric,value\r\nintent.dev.accuracy,0.8\r\nintent.dev.loss,0.19999999999999996\r\ntrain.loss,"
                    "0.6666666666666666\r\n");
  r = q("SELECT count(*) AS n FROM metrics", "--json");
  CHECK(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.output)[0]["n"] == 56);

  r = q("DELETE FROM metrics");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("mtlab: error: mtlab query is read-only: the DELETE statement would modify"));
  r = q("SELECT 1; DROP TABLE runs");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("only one SQL statement is allowed"));
  r = q("SELECT * FROM nowhere");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("no such table: nowhere"));
  r = run_command(mtlab_cmd("query " + shell_quote((db.parent_path() / "absent.db").string()) + " 'SELECT 1'"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("no such database file"));
  CHECK_FALSE(fs::exists(db.parent_path() / "absent.db"));
  CHECK(test::scalar_int(storage::Database::open_read_only(db), "SELECT count(*) FROM metrics") == 56);
  CHECK(test::scalar_int(storage::Database::open_read_only(db), "SELECT count(*) FROM runs") == 8);
}

// Each line of the aligned table (header to the "(N rows)" line) is at most `width` code points.
std::size_t widest_table_line(const std::string& output) {
  std::size_t widest = 0;
  std::istringstream lines(output);
  bool in_table = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("experiment '", 0) == 0) in_table = true;
    else if (line.rfind("(", 0) == 0) in_table = false;
    else if (in_table) widest = std::max(widest, static_cast<std::size_t>(std::count_if(line.begin(), line.end(), [](char c) { return (c & 0xC0) != 0x80; })));
  }
  return widest;
}

TEST_CASE("mtlab compare fits $COLUMNS: metric and swept keys first, the rest while it fits", "[storage][cli]") {
  const auto db = fixture_db("storage_cli_compare_fit");
  const auto compare = mtlab_cmd("compare " + shell_quote(db.string()) + " --experiment freeze --metric intent.dev.accuracy");
  const auto wide = run_command(compare + " --wide");
  REQUIRE(widest_table_line(wide.output) > 40);
  // Narrower than the full table: short headers, and what does not fit is named.
  auto r = run_command("COLUMNS=40 " + compare);
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(widest_table_line(r.output) <= 40);
  CHECK_THAT(r.output, Contains("*  intent.acc (↑)   freeze  seeds\n") && Contains("did not fit: intent.loss, trial;"));
  // Too narrow for even the required columns: they still show, nothing else does.
  r = run_command("COLUMNS=10 " + compare);
  CHECK_THAT(r.output, Contains("*  intent.acc (↑)   freeze\n") && Contains("did not fit: seeds, intent.loss, trial;"));
  // --wide ignores $COLUMNS; --columns picks by short or full name, in that order.
  CHECK(run_command("COLUMNS=40 " + compare + " --wide").output == wide.output);
  r = run_command("COLUMNS=40 " + compare + " --columns trial,intent.dev.loss");
  CHECK_THAT(r.output, Contains("*  trial        intent.loss\n") && !Contains("did not fit"));
  r = run_command(compare + " --columns nope");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, !Contains("experiment 'freeze'") && Contains("--columns: no column named 'nope' (columns: *, intent.acc (↑), freeze, seeds, intent.loss, trial)"));
  // CSV and JSON keep every column whatever the width.
  CHECK(run_command("COLUMNS=10 " + compare + " --csv").output == run_command(compare + " --csv").output);
}

TEST_CASE("mtlab runs, compare and export", "[storage][cli]") {
  const auto db = fixture_db("storage_cli_compare");
  const auto dbq = shell_quote(db.string());
  auto r = run_command(mtlab_cmd("runs " + dbq + " --experiment freeze --status failed"));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("freeze=embeddings,seed=13") && Contains("std::runtime_error: out of memory") &&
                           Contains("(1 row)"));
  r = run_command(mtlab_cmd("runs " + dbq + " --status done"));
  CHECK(r.exit_code != 0);

  r = run_command("env -u COLUMNS " + mtlab_cmd("compare " + dbq + " --experiment freeze --metric intent.dev.accuracy"));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("2 trials from 6 completed runs, sorted by intent.dev.accuracy (higher is better"));
  // Not a terminal and no $COLUMNS: every column, full names, the metric and the swept key first.
  CHECK_THAT(r.output, Contains("best  intent.dev.accuracy (↑)  training.freeze  seeds  intent.dev.loss  trial"));
  CHECK_THAT(r.output, Contains("*     0.8200 ± 0.0200          none                 3  0.1800 ± 0.0200  freeze=none"));
  CHECK_THAT(r.output, Contains("      0.7000 ± 0.1000          all                  3  0.3000 ± 0.1000  freeze=all"));
  CHECK_THAT(r.output, !Contains("train.loss") && Contains("(1 more metric of other splits"));
  r = run_command(mtlab_cmd("compare " + dbq + " --experiment freeze --metric intent.dev.accuracy --all-metrics"));
  CHECK_THAT(r.output, Contains("train.loss"));
  r = run_command(mtlab_cmd("compare " + dbq + " --experiment freeze --metric dev.intent.loss --json"));
  CHECK(r.exit_code == 0);
  const auto rows = nlohmann::json::parse(r.output);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["best"] == 1);
  CHECK(rows[0]["training.freeze"] == "none");
  CHECK(rows[0]["intent.dev.loss"].get<double>() == Approx(0.18));
  CHECK(rows[0]["intent.dev.loss.std"].get<double>() == Approx(0.02));
  r = run_command(mtlab_cmd("compare " + dbq + " --experiment freeze --metric intent.dev.loss --higher-is-better"));
  CHECK_THAT(r.output, Contains("higher is better"));
  r = run_command(mtlab_cmd("compare " + dbq + " --experiment freeze --metric intent.test.accuracy"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("metric 'intent.test.accuracy' not found"));

  r = run_command(mtlab_cmd("export " + dbq + " --experiment freeze --format csv"));
  CHECK(r.exit_code == 0);
  CHECK(r.output.rfind("run_id,experiment,trial,status,seed,", 0) == 0);
  std::size_t records = 0;
  for (auto at = r.output.find("\r\n"); at != std::string::npos; at = r.output.find("\r\n", at + 2)) ++records;
  CHECK(records == 8);
  const auto out = db.parent_path() / "export.json";
  r = run_command(mtlab_cmd("export " + dbq + " --experiment freeze --format json -o " + shell_quote(out.string())));
  CHECK(r.exit_code == 0);
  std::ifstream in(out);
  const auto json = nlohmann::json::parse(in);
  REQUIRE(json.size() == 7);
  CHECK(json[0]["training.freeze"] == "none");
  CHECK(json[0]["intent.dev.accuracy"].get<double>() == Approx(0.80));
}
