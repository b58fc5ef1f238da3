// The backbone seam's done-when test: `mtlab run` trains the word_cnn backbone
// (not BERT, built out of tree) on a slice of ATIS, intent and slots together,
// over the freeze scenarios and transfer depths with layer-wise decay and the
// frozen-prefix cache; then encode, tokenize and predict read its saved folder.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>

#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "run_command.h"
#include "test_paths.h"

using Catch::Matchers::Contains;
using mtlab::storage::Database;
using mtlab::test::run_command;
using mtlab::test::shell_quote;

namespace {

const std::string kSpec = R"toml(
[experiment]
name = "word-cnn"
seed = 5
database = "results.db"
output = "runs"

[plugins]
paths = ["${WORD_CNN}"]

[backbone]
plugin = "word_cnn"
max_length = 40

[backbone.init]
hidden_size = 16
num_layers = 3
kernel_size = 3
vocab_size = 400

[tasks.intent]
head = "sequence_classification"

[tasks.slots]
head = "token_classification"

[data]
format = "joint"
train = "${MTLAB_DATA}/atis/train"
dev = "${MTLAB_DATA}/atis/dev"
test = "${MTLAB_DATA}/atis/test"
limit_train = 192
limit_dev = 48
limit_test = 48

[optimizer]
lr = 1e-2
layer_decay = 0.5

[training]
epochs = 2
batch_size = 32
)toml";

constexpr std::int64_t kHidden = 16, kKernel = 3;
constexpr std::int64_t kConv = kHidden * kHidden * kKernel + kHidden;  // one conv block
constexpr std::int64_t kProj = kHidden * kHidden + kHidden;

std::string environment() {
  return "MTLAB_DATA=" + shell_quote(mtlab::test::data_dir().string()) + " WORD_CNN=" + shell_quote(WORD_CNN_PLUGIN_DIR);
}

mtlab::test::CommandResult mtlab_in(const std::filesystem::path& dir, const std::string& args) {
  return run_command("cd " + shell_quote(dir.string()) + " && " + environment() + " MTLAB_PLUGIN_PATH=" +
                     shell_quote(WORD_CNN_PLUGIN_DIR) + " " + shell_quote(mtlab::test::mtlab_executable().string()) +
                     " " + args);
}

mtlab::storage::Table query(const Database& db, const std::string& sql) {
  return mtlab::storage::run_read_only_query(db, sql);
}

// trial → value of one run fact.
std::map<std::string, std::string> facts(const Database& db, const std::string& key) {
  const auto t = query(db, "SELECT r.trial, f.value FROM run_facts f JOIN runs r ON r.id = f.run_id WHERE f.key = '" +
                               key + "'");
  std::map<std::string, std::string> out;
  for (const auto& row : t.rows) out[std::get<std::string>(row.at(0))] = std::get<std::string>(row.at(1));
  return out;
}

std::int64_t count(const Database& db, const std::string& sql) {
  return std::get<std::int64_t>(query(db, sql).rows.at(0).at(0));
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

double lr_of(const std::string& group_fact) {
  std::smatch m;
  REQUIRE(std::regex_search(group_fact, m, std::regex(R"(lr=([0-9.e+-]+))")));
  return std::stod(m[1].str());
}

}  // namespace

TEST_CASE("a non-BERT backbone plugin trains in a multi-task freeze sweep with the frozen-prefix cache",
          "[word_cnn][e2e]") {
  const auto dir = mtlab::test::scratch_dir("word_cnn_e2e");
  std::ofstream(dir / "exp.toml") << kSpec << "[sweep]\nfreeze = \"scenarios\"\nlayers = [1, 2]\n";
  auto run = mtlab_in(dir, "run exp.toml --no-progress");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("8 completed, 0 failed, 0 skipped"));

  const auto db = Database::open_read_only(dir / "results.db");
  CHECK(count(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 8);
  CHECK(count(db, "SELECT count(DISTINCT run_id) FROM final_metrics WHERE metric = 'intent.test.accuracy'") == 8);
  CHECK(count(db, "SELECT count(DISTINCT run_id) FROM final_metrics WHERE metric = 'slots.test.span_f1'") == 8);
  CHECK(count(db, "SELECT count(*) FROM plugins WHERE kind = 'backbone' AND name = 'word_cnn'") == 8);

  // Frozen parameters as each policy says, counted from the backbone's own blocks.
  const auto vocab = std::stoll(facts(db, "backbone.vocab_size").at("freeze=none"));
  const std::int64_t embed = vocab * kHidden;
  const auto frozen = facts(db, "freeze.frozen_parameters");
  CHECK(std::stoll(frozen.at("freeze=none")) == 0);
  CHECK(std::stoll(frozen.at("freeze=embeddings")) == embed);
  CHECK(std::stoll(frozen.at("layers=1")) == embed + kConv);
  CHECK(std::stoll(frozen.at("layers=2")) == embed + 2 * kConv);
  CHECK(std::stoll(frozen.at("freeze=backbone")) == embed + 3 * kConv + kProj);
  CHECK(std::stoll(facts(db, "freeze.trainable_parameters").at("freeze=all")) == 0);
  CHECK(facts(db, "freeze.frozen_blocks").at("layers=2") == "embed, conv0, conv1");
  // … and left unchanged by training.
  const auto start = facts(db, "freeze.checksum_start"), end = facts(db, "freeze.checksum_end");
  for (const auto& [trial, sum] : start) {
    if (trial == "freeze=none") continue;
    INFO(trial);
    CHECK(!sum.empty());
    CHECK(end.at(trial) == sum);
  }

  // Layer-wise decay over its blocks: conv_i gets lr·0.5^(3−i), embed lr·0.5^4, the top block lr.
  CHECK(lr_of(facts(db, "group.embed").at("freeze=none")) == Approx(1e-2 / 16));
  CHECK(lr_of(facts(db, "group.conv0").at("freeze=none")) == Approx(1e-2 / 8));
  CHECK(lr_of(facts(db, "group.conv2").at("freeze=none")) == Approx(1e-2 / 2));
  CHECK(lr_of(facts(db, "group.proj").at("freeze=none")) == Approx(1e-2));

  // The frozen prefix is cached under its block names and reused (the second epoch at least).
  const auto cache = facts(db, "frozen_cache");
  CHECK_THAT(cache.at("layers=2"), Contains("on: embed and 2 layer(s)"));
  CHECK(cache.at("freeze=none") == "off (no frozen prefix)");
  const auto reused = facts(db, "frozen_cache.inputs_reused");
  for (const auto* trial : {"freeze=embeddings", "layers=1", "layers=2", "freeze=backbone"}) {
    INFO(trial);
    CHECK(std::stoll(reused.at(trial)) >= 192);
  }

  // Off, the cache changes nothing but speed: the same test metrics for layers:2.
  std::ofstream(dir / "uncached.toml") << replaced(kSpec, "results.db", "uncached.db")
                                       << "frozen_cache = false\n[sweep]\nlayers = [2]\n";
  auto uncached = mtlab_in(dir, "run uncached.toml --no-progress");
  INFO(uncached.output);
  REQUIRE(uncached.exit_code == 0);
  const auto db2 = Database::open_read_only(dir / "uncached.db");
  const std::string metric_sql =
      "SELECT m.metric, m.value FROM final_metrics m JOIN runs r ON r.id = m.run_id WHERE r.trial = 'layers=2' "
      "AND m.metric LIKE '%.test.%' ORDER BY m.metric";
  const auto cached_metrics = query(db, metric_sql), uncached_metrics = query(db2, metric_sql);
  REQUIRE(cached_metrics.rows.size() >= 2);
  CHECK((cached_metrics.rows == uncached_metrics.rows));

  // Its saved folder is read back through the registry (config.json model_type "word_cnn").
  const auto run_id = std::get<std::int64_t>(query(db, "SELECT id FROM runs WHERE trial = 'freeze=none'").rows.at(0).at(0));
  auto predicted = mtlab_in(dir, "predict --db results.db --run " + std::to_string(run_id) +
                                     " --format jsonl 'show flights from boston to denver'");
  INFO(predicted.output);
  CHECK(predicted.exit_code == 0);
  CHECK_THAT(predicted.output, Contains("\"intent\":{\"label\""));
  const std::filesystem::path model = std::filesystem::path(std::get<std::string>(
      query(db, "SELECT path FROM artifacts WHERE run_id = " + std::to_string(run_id) + " AND path LIKE '%heads.json'")
          .rows.at(0).at(0))).parent_path();
  auto tokenized = mtlab_in(dir, "tokenize --format jsonl --model " + shell_quote(model.string()) + " 'Show Flights'");
  INFO(tokenized.output);
  CHECK(tokenized.exit_code == 0);
  CHECK_THAT(tokenized.output, Contains("\"tokens\":[\"[CLS]\",\"show\",\"flights\",\"[SEP]\"]"));
  auto encoded = mtlab_in(dir, "encode --format csv --pooling mean --model " + shell_quote(model.string()) + " 'show flights'");
  INFO(encoded.output);
  CHECK(encoded.exit_code == 0);
  // One row of kHidden numbers (stderr's log lines come along in the output).
  CHECK(std::regex_search(encoded.output, std::regex(R"((^|\n)(-?[0-9][0-9.e+-]*,){15}-?[0-9][0-9.e+-]*\n)")));
}

TEST_CASE("a non-BERT backbone's own init keys, checks and depth reach the spec validator", "[word_cnn][spec]") {
  const auto dir = mtlab::test::scratch_dir("word_cnn_validate");
  // An even kernel (its check), a BERT key it does not have, a depth it does not have.
  std::ofstream(dir / "exp.toml") << replaced(replaced(kSpec, "kernel_size = 3", "kernel_size = 4"), "vocab_size = 400\n",
                                              "vocab_size = 400\nnum_heads = 4\n")
                                  << "[sweep]\nlayers = [4]\n";
  auto validated = mtlab_in(dir, "validate exp.toml");
  INFO(validated.output);
  CHECK(validated.exit_code != 0);
  // Each at its key's line and column.
  CHECK_THAT(validated.output, Contains("exp.toml:18:1: backbone.init.kernel_size: 4 is not a positive odd width"));
  CHECK_THAT(validated.output, Contains("exp.toml:20:1: backbone.init.num_heads: unknown key for backbone plugin "
                                        "'word_cnn'; its init keys: hidden_size, num_layers, kernel_size, vocab_size"));
  CHECK_THAT(validated.output, Contains("training.freeze: 'layers:4': K must be an integer in [0, 3] (the backbone's "
                                        "encoder layers)"));
  CHECK_THAT(validated.output, Contains("exp.toml: 3 problems"));
}
