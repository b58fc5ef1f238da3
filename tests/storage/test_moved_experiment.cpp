// The config hash covers paths relative to the spec's folder, end to end through
// `mtlab run`: a database written before schema version 4 (hashes of configs
// with absolute paths) still skips its completed trials after the upgrade, and
// an experiment folder moved with its data skips them too.
#include <catch2/catch.hpp>

#include <fstream>

#include "mtlab/core/hash.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/schema.h"
#include "mtlab/storage/statement.h"
#include "db_helpers.h"
#include "run_command.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace mtlab;
using Catch::Matchers::Contains;
using test::run_command;
using test::scalar_int;
using test::scalar_text;
using test::shell_quote;

namespace {

const char* kSpec = R"toml(
[experiment]
name = "moved"
seed = 1

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
)toml";

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

test::CommandResult run_in(const fs::path& folder, const std::string& args = "") {
  return run_command("cd " + shell_quote(folder.string()) + " && " + shell_quote(test::mtlab_executable().string()) +
                     " run exp.toml --no-progress" + args);
}

// Turns the database back into what mtlab wrote before schema version 4: each
// run's hash is sha256 of its stored config JSON (absolute paths), and there is
// no config_hash_scheme column.
void downgrade_to_v3(const fs::path& db_path) {
  const auto db = storage::Database::open(db_path);
  auto runs = db.prepare("SELECT id, config_json FROM runs", "read configs");
  std::vector<std::pair<std::int64_t, std::string>> hashes;
  while (runs.step()) hashes.emplace_back(runs.get_int(0), sha256_hex(runs.get_text(1)));
  for (const auto& [id, hash] : hashes) {
    db.prepare("UPDATE runs SET config_hash = ?2 WHERE id = ?1", "write a legacy hash").bind_all(id, hash).run();
  }
  db.execute("ALTER TABLE runs DROP COLUMN config_hash_scheme; ALTER TABLE runs DROP COLUMN attempt; "
             "ALTER TABLE runs DROP COLUMN resumed_at; "
             "DROP TABLE trial_queue; DROP TABLE rungs; DELETE FROM schema_version WHERE version >= 4",
             "back to schema version 3");
}

}  // namespace

TEST_CASE("completed trials stay done across the schema 4 upgrade and a move of the experiment folder",
          "[storage][cli][hash]") {
  const auto root = test::scratch_dir("storage_moved");
  const auto first_home = root / "a" / "exp";
  write(first_home / "exp.toml", kSpec);
  write(first_home / "data" / "train.tsv", "good film\t1\nbad film\t0\nfine movie\t1\nawful movie\t0\n");
  write(first_home / "data" / "dev.tsv", "good movie\t1\nbad movie\t0\n");

  auto first = run_in(first_home);
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.output, Contains("1 completed, 0 failed, 0 skipped"));

  // A database from before the upgrade: recognised, not re-run, and re-keyed.
  downgrade_to_v3(first_home / "results.db");
  std::string legacy_hash;
  {
    const auto db = storage::Database::open_read_only(first_home / "results.db", false);
    legacy_hash = scalar_text(db, "SELECT config_hash FROM runs");
    REQUIRE(scalar_int(db, "SELECT max(version) FROM schema_version") == 3);
  }
  auto upgraded = run_in(first_home);
  INFO(upgraded.output);
  CHECK(upgraded.exit_code == 0);
  CHECK_THAT(upgraded.output, Contains("0 completed, 0 failed, 1 skipped"));
  {
    const auto db = storage::Database::open_read_only(first_home / "results.db");
    CHECK(scalar_int(db, "SELECT max(version) FROM schema_version") == storage::current_schema_version());
    CHECK(scalar_int(db, "SELECT count(*) FROM runs") == 1);
    CHECK(scalar_int(db, "SELECT config_hash_scheme FROM runs") == 2);
    CHECK(scalar_text(db, "SELECT config_hash FROM runs") != legacy_hash);
  }

  // The folder moved, with its data and database, to another depth: still done.
  const auto second_home = root / "b" / "deeper" / "exp";
  fs::create_directories(second_home.parent_path());
  fs::rename(first_home, second_home);
  auto moved = run_in(second_home);
  INFO(moved.output);
  CHECK(moved.exit_code == 0);
  CHECK_THAT(moved.output, Contains("0 completed, 0 failed, 1 skipped"));

  // A changed value is another trial, and runs.
  auto changed = run_in(second_home, " --set training.epochs=2");
  INFO(changed.output);
  CHECK(changed.exit_code == 0);
  CHECK_THAT(changed.output, Contains("1 completed, 0 failed, 0 skipped"));
  CHECK(scalar_int(storage::Database::open_read_only(second_home / "results.db"), "SELECT count(*) FROM runs") == 2);
}
