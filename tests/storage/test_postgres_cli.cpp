// `mtlab run` into a PostgreSQL results store, then every reading command
// against the same URL: runs, compare, export, query, report and predict --run.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "postgres_server.h"
#include "run_command.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace mtlab;
using Catch::Matchers::Contains;
using test::run_command;
using test::shell_quote;

namespace {

const char* kSpec = R"toml(
[experiment]
name = "pg"
seed = 1
database = "results.db"

[backbone]
plugin = "bert"
max_length = 16

[backbone.init]
hidden_size = 16
num_layers = 1
num_heads = 2
intermediate_size = 32
max_position_embeddings = 32

[tasks.intent]
head = "sequence_classification"

[data]
format = "tsv"
train = "data/train.tsv"
dev = "data/dev.tsv"

[training]
epochs = 1
batch_size = 4
save = "last"

[sweep]
seeds = [1, 2]
)toml";

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

test::CommandResult mtlab_in(const fs::path& folder, const std::string& args) {
  return run_command("cd " + shell_quote(folder.string()) + " && " + shell_quote(test::mtlab_executable().string()) +
                     " " + args);
}

}  // namespace

TEST_CASE("mtlab run records into PostgreSQL, and runs, compare, export, query, report and predict read it",
          "[storage][cli][postgresql]") {
  const auto home = test::scratch_dir("storage_pg_cli");
  write(home / "exp.toml", kSpec);
  write(home / "data" / "train.tsv", "good film\t1\nbad film\t0\nfine movie\t1\nawful movie\t0\n");
  write(home / "data" / "dev.tsv", "good movie\t1\nbad movie\t0\n");
  const std::string url = test::postgres_database("cli");
  const std::string db = shell_quote(url);

  auto r = mtlab_in(home, "run exp.toml --no-progress --set " + shell_quote("experiment.database=\"" + url + "\""));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("2 completed, 0 failed, 0 skipped") && Contains(url));
  CHECK_FALSE(fs::exists(home / "results.db"));  // the URL, not the spec's default file
  // The URL is kept as written, not resolved against the spec's folder.
  r = mtlab_in(home, "query " + db + " \"SELECT count(*) FROM runs WHERE config_json LIKE '%" + url + "%'\" --csv");
  CHECK(r.output == "count\r\n2\r\n");

  // Run again: both trials are found done in the server's database.
  r = mtlab_in(home, "run exp.toml --no-progress --set " + shell_quote("experiment.database=\"" + url + "\""));
  CHECK_THAT(r.output, Contains("0 completed, 0 failed, 2 skipped"));

  r = mtlab_in(home, "runs " + db);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("completed") && Contains("seed=2"));
  r = mtlab_in(home, "compare " + db + " --experiment pg --metric intent.dev.accuracy --json");
  CHECK(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.output).size() == 1);  // two seeds of one trial
  r = mtlab_in(home, "export " + db + " --experiment pg --format json");
  REQUIRE(r.exit_code == 0);
  const auto exported = nlohmann::json::parse(r.output);
  REQUIRE(exported.size() == 2);
  CHECK(exported[0]["status"] == "completed");
  CHECK(exported[0]["training.epochs"] == 1);
  r = mtlab_in(home, "query " + db + " \"SELECT metric FROM final_metrics WHERE run_id = 1 ORDER BY metric\" --csv");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("intent.dev.accuracy"));
  r = mtlab_in(home, "query " + db + " \"DELETE FROM runs\"");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("read-only") && Contains("DELETE"));
  r = mtlab_in(home, "report " + db + " --experiment pg --out report.html");
  CHECK(r.exit_code == 0);
  CHECK(fs::file_size(home / "report.html") > 1000);
  r = mtlab_in(home, "predict --db " + db + " --run 1 --format jsonl \"good film\"");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("intent"));
}
