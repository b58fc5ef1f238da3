// `mtlab run` into a PostgreSQL results store, then every reading command
// against the same URL: runs, compare, export, query, report and predict --run.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../report/report_fixture.h"
#include "postgres_server.h"
#include "run_command.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace mtlab;
using Catch::Matchers::Contains;
using test::run_command;
using test::shell_quote;

namespace {

test::CommandResult mtlab_in(const fs::path& folder, const std::string& args) {
  return run_command("cd " + shell_quote(folder.string()) + " && " + shell_quote(test::mtlab_executable().string()) +
                     " " + args);
}

}  // namespace

TEST_CASE("mtlab run records into PostgreSQL and runs/compare/export/query/report/predict read it",
          "[storage][cli][postgresql]") {
  const auto home = test::scratch_dir("storage_pg_cli");
  std::ofstream(home / "exp.toml") << test::kReportSource;  // a tiny BERT on generated data, saving its model
  const std::string url = test::postgres_database("cli");
  const std::string db = shell_quote(url);
  const std::string run = "run exp.toml --no-progress --set 'sweep.seeds=[1, 2]' --set " +
                          shell_quote("experiment.database=\"" + url + "\"");

  auto r = mtlab_in(home, run);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("2 completed, 0 failed, 0 skipped") && Contains(url));
  CHECK_FALSE(fs::exists(home / "results.db"));  // the URL, not the spec's default file
  // The URL is kept as written, not resolved against the spec's folder.
  r = mtlab_in(home, "query " + db + " \"SELECT count(*) FROM runs WHERE config_json LIKE '%" + url + "%'\" --csv");
  CHECK(r.output == "count\r\n2\r\n");

  // Run again: both trials are found done in the server's database.
  r = mtlab_in(home, run);
  CHECK_THAT(r.output, Contains("0 completed, 0 failed, 2 skipped"));

  r = mtlab_in(home, "runs " + db);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("completed") && Contains("seed=2") && Contains("seed=1"));
  r = mtlab_in(home, "compare " + db + " --experiment source --metric intent.dev.accuracy --json");
  CHECK(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.output).size() == 1);  // two seeds of one trial
  r = mtlab_in(home, "export " + db + " --experiment source --format json");
  REQUIRE(r.exit_code == 0);
  const auto exported = nlohmann::json::parse(r.output);
  REQUIRE(exported.size() == 2);
  CHECK(exported[0]["status"] == "completed");
  CHECK(exported[0]["training.epochs"] == 1);
  CHECK(exported[0]["experiment.seed"] == 1);
  r = mtlab_in(home, "query " + db + " \"SELECT metric FROM final_metrics WHERE run_id = 1 ORDER BY metric\" --csv");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("intent.dev.accuracy"));
  r = mtlab_in(home, "query " + db + " \"DELETE FROM runs\"");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("read-only") && Contains("DELETE"));
  r = mtlab_in(home, "report " + db + " --experiment source --out report.html");
  CHECK(r.exit_code == 0);
  CHECK(fs::file_size(home / "report.html") > 1000);
  r = mtlab_in(home, "predict --db " + db + " --run 1 --format jsonl \"good film\"");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("intent"));
}
