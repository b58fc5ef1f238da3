// Schema versions: an older database is migrated in place with its data kept;
// a newer one, or a file that is not an mtlab database, is refused untouched.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "db_helpers.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "mtlab/storage/results_store.h"
#include "mtlab/storage/schema.h"
#include "mtlab/storage/writer.h"
#include "storage_fixture.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace mtlab;
using namespace mtlab::storage;
using Catch::Matchers::Contains;
using test::scalar_int;
using test::scalar_text;

namespace {

// Raw SQLite, so the test does not depend on the code under test to set up.
void raw_exec(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string error = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  INFO(error);
  REQUIRE(rc == SQLITE_OK);
}

// Version 1 as it shipped, written out by hand (not taken from migrations()).
const char* const v1_schema = R"sql(
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL);
CREATE TABLE experiments (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '');
CREATE TABLE runs (id INTEGER PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  trial TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending'
  CHECK (status IN ('pending', 'running', 'completed', 'failed', 'interrupted')),
  seed INTEGER, config_hash TEXT NOT NULL, created_at TEXT NOT NULL, started_at TEXT, ended_at TEXT, duration_s REAL,
  host TEXT, os TEXT, cpu TEXT, threads INTEGER, mtlab_version TEXT, git_commit TEXT, torch_version TEXT, blas TEXT,
  config_toml TEXT NOT NULL DEFAULT '', config_json TEXT NOT NULL DEFAULT '{}', error TEXT);
CREATE INDEX runs_by_trial ON runs(experiment_id, trial, config_hash);
CREATE TABLE params (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, key TEXT NOT NULL,
  value_type TEXT NOT NULL CHECK (value_type IN ('int', 'real', 'bool', 'text', 'array', 'null')),
  value_text TEXT, value_int INTEGER, value_real REAL, PRIMARY KEY (run_id, key)) WITHOUT ROWID;
CREATE INDEX params_by_key ON params(key, value_text);
CREATE TABLE metrics (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  task TEXT NOT NULL DEFAULT '', split TEXT NOT NULL, name TEXT NOT NULL, step INTEGER NOT NULL, epoch REAL,
  value REAL, wall_time REAL NOT NULL);
CREATE INDEX metrics_by_series ON metrics(run_id, task, split, name, step);
CREATE TABLE artifacts (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL, path TEXT NOT NULL, size_bytes INTEGER, sha256 TEXT, created_at TEXT NOT NULL);
CREATE INDEX artifacts_by_run ON artifacts(run_id);
CREATE TABLE plugins (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, kind TEXT NOT NULL,
  name TEXT NOT NULL, version TEXT, file TEXT, sha256 TEXT, PRIMARY KEY (run_id, kind, name)) WITHOUT ROWID;
CREATE VIEW final_metrics AS SELECT run_id, task, split, name, step, epoch, value, wall_time
FROM (SELECT m.*, row_number() OVER (PARTITION BY run_id, task, split, name ORDER BY step DESC, id DESC) AS rn
      FROM metrics AS m) WHERE rn = 1;
INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00.000Z', 'base tables');
INSERT INTO experiments VALUES (1, 'old', '2026-01-01T00:00:00.000Z', 'from v1');
INSERT INTO runs (id, experiment_id, trial, status, seed, config_hash, created_at, started_at, ended_at, duration_s,
  config_json) VALUES (1, 1, 'lr=0.1', 'completed', 7, 'h1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z',
  '2026-01-01T00:01:01.000Z', 60.0, '{"optimizer": {"lr": 0.1}}');
INSERT INTO params VALUES (1, 'optimizer.lr', 'real', '0.1', NULL, 0.1);
INSERT INTO metrics (run_id, task, split, name, step, value, wall_time) VALUES
  (1, 'intent', 'dev', 'accuracy', 1, 0.5, 1767225601.0), (1, 'intent', 'dev', 'accuracy', 2, 0.75, 1767225661.0);
)sql";

}  // namespace

TEST_CASE("a version 1 database is migrated to the current version with its data kept", "[storage]") {
  const auto path = test::scratch_dir("storage_migrate_v1") / "v1.db";
  raw_exec(path, v1_schema);
  REQUIRE(current_schema_version() == 7);

  // Read-only users do not migrate: they say how.
  CHECK_THROWS_WITH(Database::open_read_only(path), Contains("schema version 1") && Contains("older"));
  {
    const auto ro = Database::open_read_only(path, false);
    CHECK(schema_version(ro) == 1);  // untouched
    CHECK(run_read_only_query(ro, "SELECT * FROM runs").rows.size() == 1);
  }

  {
    const auto db = Database::open(path);
    CHECK(schema_version(db) == 7);
    CHECK(scalar_int(db, "SELECT count(*) FROM schema_version") == 7);
    CHECK(scalar_text(db, "SELECT coalesce(resumed_at, 'null') FROM runs") == "null");  // v7: never reopened
    CHECK(scalar_int(db, "SELECT count(*) FROM rungs") == 0);  // v6's table, empty
    CHECK(scalar_int(db, "SELECT attempt FROM runs") == 1);  // v5: an old run was one attempt
    CHECK(scalar_int(db, "SELECT count(*) FROM trial_queue") == 0);
    CHECK(scalar_int(db, "SELECT count(*) FROM run_facts") == 0);  // v3's table, empty
    CHECK(scalar_text(db, "SELECT applied_at FROM schema_version WHERE version = 1") == "2026-01-01T00:00:00.000Z");
    // Old rows kept, new columns there (empty), views rebuilt.
    CHECK(scalar_text(db, "SELECT trial || '|' || status || '|' || duration_s FROM runs") == "lr=0.1|completed|60.0");
    CHECK(scalar_text(db, "SELECT coalesce(pid, 'null') || coalesce(parent_run_id, 'null') FROM runs") == "nullnull");
    CHECK(scalar_text(db, "SELECT experiment || '|' || metric || '|' || value FROM final_metrics") ==
          "old|intent.dev.accuracy|0.75");
    CHECK(scalar_int(db, "SELECT run_id FROM best_runs WHERE metric = 'intent.dev.accuracy'") == 1);
    CHECK(scalar_int(db, "SELECT count(*) FROM metric_series") == 1);  // filled from the old rows
    CHECK(scalar_text(db, "PRAGMA integrity_check") == "ok");
    CHECK(scalar_int(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
  }
  // The migrated file takes new runs, with lineage to the old one.
  {
    Writer w(path);
    auto spec = test::make_run("none", 1);
    spec.parent_run_id = 1;
    spec.init_checkpoint = "runs/1/checkpoint";
    spec.init_checkpoint_sha256 = "00ff";
    const auto run = w.create_run(w.begin_experiment("old"), spec);
    CHECK(run == 2);
    CHECK(scalar_text(w.database(), "SELECT parent_run_id || '|' || init_checkpoint_sha256 FROM runs WHERE id = 2") ==
          "1|00ff");
    // v6 widened the status CHECK of the migrated table: 'pruned' is taken, a typo still is not.
    w.set_status(run, RunStatus::running);
    w.set_status(run, RunStatus::pruned, "pruned after epoch 1");
    CHECK(scalar_text(w.database(), "SELECT status FROM runs WHERE id = 2") == "pruned");
    CHECK_THROWS(w.database().execute("UPDATE runs SET status = 'prunned' WHERE id = 2", "test"));
    CHECK(scalar_text(w.database(), "PRAGMA integrity_check") == "ok");
  }
  // Opening again is a no-op.
  CHECK(scalar_int(Database::open(path), "SELECT count(*) FROM schema_version") == 7);
}

TEST_CASE("runs hashed before version 4 are re-keyed when their trial is claimed again, and counted done",
          "[storage][hash]") {
  const auto path = test::scratch_dir("storage_legacy_hash") / "v1.db";
  raw_exec(path, v1_schema);  // run 1: experiment 'old', trial 'lr=0.1', completed, hash 'h1'
  const auto store = open_store(path.string(), StoreMode::read_write);
  const auto& scheme = "SELECT config_hash || '|' || config_hash_scheme FROM runs WHERE id = ";
  CHECK(store->query(std::string(scheme) + "1").rows.at(0).at(0) == Value(std::string("h1|1")));
  const auto old = store->begin_experiment("old");

  NewRun same = test::make_run("none", 7);
  same.trial = "lr=0.1";
  same.config_hash = "relative-h1";
  same.legacy_config_hash = "h1";
  // Another trial with the same legacy hash, or one without a legacy hash, takes nothing over.
  NewRun other_trial = same;
  other_trial.trial = "lr=0.2";
  CHECK(store->claim_trial(old, other_trial, RerunPolicy::skip_done).run_id == 2);
  NewRun no_legacy = same;
  no_legacy.legacy_config_hash.clear();
  no_legacy.config_hash = "unrelated";
  CHECK(store->claim_trial(old, no_legacy, RerunPolicy::skip_done).run_id == 3);
  CHECK(store->query(std::string(scheme) + "1").rows.at(0).at(0) == Value(std::string("h1|1")));

  const auto claim = store->claim_trial(old, same, RerunPolicy::skip_done);
  CHECK_FALSE(claim.run_id);
  CHECK(claim.decision.previous_run == 1);
  CHECK(store->query(std::string(scheme) + "1").rows.at(0).at(0) == Value(std::string("relative-h1|2")));
  CHECK(store->query(std::string(scheme) + "2").rows.at(0).at(0) == Value(std::string("relative-h1|2")));
  // From now on the run is found by its new hash alone.
  CHECK_FALSE(store->claim_trial(old, same, RerunPolicy::skip_done).run_id);
  CHECK(store->find_completed_run("old", "lr=0.1", "relative-h1") == 1);
}

TEST_CASE("read-only users read older versions that have what they need, without migrating", "[storage]") {
  const auto path = test::scratch_dir("storage_read_v2") / "v2.db";
  test::fill_fixture(path);
  // Turn it back into a version 2 database (run_facts came with version 3).
  raw_exec(path, "DROP TABLE run_facts; DELETE FROM schema_version WHERE version > 2;");
  REQUIRE(oldest_readable_schema_version() == 2);
  const auto db = Database::open_read_only(path);
  CHECK(schema_version(db) == 2);
  CHECK(scalar_int(db, "SELECT count(*) FROM final_metrics WHERE experiment = 'freeze'") == 19);
  CHECK(scalar_int(Database::open_read_only(path, false), "SELECT max(version) FROM schema_version") == 2);
}

TEST_CASE("a database from a newer mtlab is refused, and left as it was", "[storage]") {
  const auto path = test::scratch_dir("storage_newer") / "newer.db";
  { Database::open(path); }
  raw_exec(path, "INSERT INTO schema_version VALUES (99, '2030-01-01T00:00:00.000Z', 'from the future');"
                 "CREATE TABLE future_things (x);");
  // (Catch2 v2 matchers combined with && hold references: build them in place.)
#define NEWER_MESSAGE                                                                                             \
  Contains("schema version 99") && Contains("newer than this mtlab") &&                                           \
      Contains("expected at most version " + std::to_string(current_schema_version())) && Contains(path.string())
  CHECK_THROWS_WITH(Database::open(path), NEWER_MESSAGE);
  CHECK_THROWS_WITH(Writer(path), NEWER_MESSAGE);
  CHECK_THROWS_WITH(Database::open_read_only(path), NEWER_MESSAGE);
  const auto raw = Database::open_read_only(path, false);
  CHECK(scalar_int(raw, "SELECT max(version) FROM schema_version") == 99);
  CHECK(scalar_int(raw, "SELECT count(*) FROM schema_version") == current_schema_version() + 1);
}

TEST_CASE("a file that is not an mtlab database is refused", "[storage]") {
  const auto dir = test::scratch_dir("storage_foreign");
  raw_exec(dir / "foreign.db", "CREATE TABLE customers (id INTEGER);");
  CHECK_THROWS_WITH(Database::open(dir / "foreign.db"), Contains("not an mtlab results database"));
  CHECK(scalar_int(Database::open_read_only(dir / "foreign.db", false),
                   "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") == 0);
  CHECK_THROWS_WITH(Database::open_read_only(dir / "missing.db"), Contains("no such database file"));
  CHECK_FALSE(fs::exists(dir / "missing.db"));
  { std::ofstream(dir / "text.db") << "this is not SQLite, just text that is long enough to have a header......"; }
  CHECK_THROWS_WITH(Database::open(dir / "text.db"), Contains("not a database"));
  // A new file in a new folder is created and set up.
  CHECK(schema_version(Database::open(dir / "sub" / "new.db")) == current_schema_version());
}

TEST_CASE("processes opening a new database at the same moment all get one schema", "[storage]") {
  const auto path = test::scratch_dir("storage_open_race") / "race.db";
  int go[2];
  REQUIRE(pipe(go) == 0);
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(go[1]);
      char c;
      (void)!read(go[0], &c, 1);
      try {
        Writer w(path);
        w.begin_experiment("e" + std::to_string(i));
        _exit(0);
      } catch (const std::exception& e) {
        fprintf(stderr, "child %d: %s\n", i, e.what());
        _exit(1);
      }
    }
    children.push_back(pid);
  }
  close(go[0]);
  close(go[1]);  // EOF releases every child at once
  for (auto pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  const auto db = Database::open_read_only(path);
  CHECK(scalar_int(db, "SELECT count(*) FROM schema_version") == current_schema_version());
  CHECK(scalar_int(db, "SELECT count(*) FROM experiments") == 4);
}
