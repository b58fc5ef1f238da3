// End to end: `mtlab run` on a slice of ATIS with a small multi-task freeze
// sweep, then what landed in SQLite.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "run_command.h"
#include "test_paths.h"

using Catch::Matchers::Contains;
using mtlab::storage::Database;
using mtlab::test::run_command;
using mtlab::test::shell_quote;

namespace {

mtlab::storage::Table query(const Database& db, const std::string& sql) {
  return mtlab::storage::run_read_only_query(db, sql);
}
std::int64_t count(const Database& db, const std::string& sql) {
  return std::get<std::int64_t>(query(db, sql).rows.at(0).at(0));
}
std::string text(const mtlab::storage::Table& t, std::size_t row, const std::string& column) {
  return std::get<std::string>(t.rows.at(row).at(static_cast<std::size_t>(t.column(column))));
}

const char* kSpec = R"toml(
[experiment]
name = "atis-slice"
seed = 3
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
weight = 0.5

[tasks.slots]
head = "token_classification"
weight = 0.5

[data]
format = "joint"
train = "${MTLAB_DATA}/atis/train"
dev = "${MTLAB_DATA}/atis/dev"
test = "${MTLAB_DATA}/atis/test"
limit_train = 256
limit_dev = 64
limit_test = 64

[optimizer]
lr = 2e-3

[training]
epochs = 1
batch_size = 32

[sweep]
freeze = ["none", "backbone", "head:slots"]
)toml";

}  // namespace

TEST_CASE("a multi-task freeze sweep on ATIS lands in SQLite", "[e2e][train]") {
  const auto dir = mtlab::test::scratch_dir("run_e2e");
  std::ofstream(dir / "exp.toml") << kSpec;
  const std::string run = "cd " + shell_quote(dir.string()) + " && MTLAB_DATA=" +
                          shell_quote(mtlab::test::data_dir().string()) + " " +
                          shell_quote(mtlab::test::mtlab_executable().string()) + " run exp.toml --no-progress";
  auto first = run_command(run);
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.output, Contains("3 completed, 0 failed, 0 skipped"));

  const auto db = Database::open_read_only(dir / "results.db");
  CHECK(count(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 3);
  auto runs = query(db, "SELECT r.id, r.trial, p.value_text AS freeze FROM runs r JOIN params p ON p.run_id = r.id "
                        "AND p.key = 'training.freeze' ORDER BY r.id");
  REQUIRE(runs.rows.size() == 3);
  CHECK(text(runs, 0, "trial") == "freeze=none");
  CHECK(text(runs, 1, "freeze") == "backbone");
  CHECK(text(runs, 2, "trial") == "freeze=head:slots");

  // Every run has test metrics for both tasks and the joint sentence accuracy.
  CHECK(count(db, "SELECT count(DISTINCT run_id) FROM final_metrics WHERE metric = 'intent.test.accuracy'") == 3);
  CHECK(count(db, "SELECT count(DISTINCT run_id) FROM final_metrics WHERE metric = 'slots.test.span_f1'") == 3);
  CHECK(count(db, "SELECT count(DISTINCT run_id) FROM final_metrics WHERE metric = 'test.sentence_accuracy'") == 3);
  // One training-loss row per step: 256 examples / 32 = 8 steps.
  CHECK(count(db, "SELECT count(*) FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.trial = 'freeze=none' "
                  "AND m.task = '' AND m.split = 'train' AND m.name = 'loss'") == 8);

  // The freeze claims can be audited: checksums equal, trainable counts ordered.
  CHECK(count(db, "SELECT count(*) FROM run_facts a JOIN run_facts b ON a.run_id = b.run_id "
                  "WHERE a.key = 'freeze.checksum_start' AND b.key = 'freeze.checksum_end' AND a.value = b.value "
                  "AND a.value <> ''") == 2);  // backbone and head:slots freeze something
  auto counts = query(db, "SELECT r.trial, CAST(f.value AS INTEGER) AS n FROM run_facts f JOIN runs r ON r.id = f.run_id "
                          "WHERE f.key = 'freeze.trainable_parameters' ORDER BY n DESC");
  REQUIRE(counts.rows.size() == 3);
  CHECK(text(counts, 0, "trial") == "freeze=none");
  CHECK(text(counts, 2, "trial") == "freeze=backbone");

  // The selected model is saved as files with hashes, and the plugins are on record.
  CHECK(count(db, "SELECT count(*) FROM artifacts WHERE path LIKE '%model.safetensors' AND length(sha256) = 64") == 3);
  CHECK(count(db, "SELECT count(*) FROM artifacts WHERE path LIKE '%heads.json'") == 3);
  CHECK(count(db, "SELECT count(DISTINCT name) FROM plugins") >= 5);
  CHECK(count(db, "SELECT count(*) FROM runs WHERE blas LIKE '%blas%' AND torch_version <> ''") == 3);
  CHECK(count(db, "SELECT count(*) FROM run_facts WHERE key = 'matmul_path' AND value IN ('onednn', 'blas')") == 3);

  // mtlab predict on the same test sentences agrees with the recorded evaluation.
  {
    std::ifstream words_file(mtlab::test::data_dir() / "atis" / "test" / "seq.in");
    std::ifstream labels_file(mtlab::test::data_dir() / "atis" / "test" / "label");
    std::ofstream inputs(dir / "test64.txt");
    std::vector<std::string> gold;
    std::string line;
    for (int i = 0; i < 64 && std::getline(words_file, line); ++i) inputs << line << "\n";
    for (int i = 0; i < 64 && std::getline(labels_file, line); ++i) gold.push_back(line);
    inputs.close();
    const auto run_id = std::to_string(std::get<std::int64_t>(runs.rows.at(0).at(0)));
    auto predicted = run_command(shell_quote(mtlab::test::mtlab_executable().string()) + " predict --db " +
                                 shell_quote((dir / "results.db").string()) + " --run " + run_id + " --input " +
                                 shell_quote((dir / "test64.txt").string()) + " --format jsonl 2>/dev/null");
    REQUIRE(predicted.exit_code == 0);
    std::istringstream lines(predicted.output);
    std::size_t correct = 0, n = 0;
    while (std::getline(lines, line)) {
      const auto j = nlohmann::json::parse(line);
      correct += j["intent"]["label"].get<std::string>() == gold.at(n) ? 1 : 0;
      ++n;
    }
    REQUIRE(n == 64);
    auto recorded = query(db, "SELECT value FROM final_metrics WHERE run_id = " + run_id +
                              " AND metric = 'intent.test.accuracy'");
    CHECK(static_cast<double>(correct) / 64.0 == Approx(std::get<double>(recorded.rows.at(0).at(0))));
  }

  // Running again skips what is done.
  auto again = run_command(run);
  INFO(again.output);
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.output, Contains("0 completed, 0 failed, 3 skipped"));
}

TEST_CASE("a bad spec runs nothing and says where", "[e2e][train]") {
  const auto dir = mtlab::test::scratch_dir("run_e2e_bad");
  std::string spec = kSpec;
  spec.replace(spec.find("epochs = 1"), 10, "epocs = 1");
  std::ofstream(dir / "exp.toml") << spec;
  auto result = run_command("cd " + shell_quote(dir.string()) + " && MTLAB_DATA=" +
                            shell_quote(mtlab::test::data_dir().string()) + " " +
                            shell_quote(mtlab::test::mtlab_executable().string()) + " run exp.toml");
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output, Contains("exp.toml:40:1") && Contains("epocs") && Contains("did you mean 'epochs'"));
  CHECK_FALSE(std::filesystem::exists(dir / "results.db"));
}
