// The security boundaries of docs/reliability.md, each enforced and proven:
// plugins load only from the search path and a writable plugin file or folder
// is warned about; `mtlab query` cannot change anything; run folders stay inside
// experiment.output; values reach SQL only as bound parameters.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <grp.h>

#include <string>
#include <vector>

#include "../storage/db_helpers.h"
#include "../storage/storage_fixture.h"
#include "mtlab/core/error.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/storage/compare.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/export.h"
#include "mtlab/storage/query.h"
#include "mtlab/storage/runs_list.h"
#include "reliability_helpers.h"

namespace fs = std::filesystem;
using namespace mtlab;
using mtlab::test::file_bytes;
using mtlab::test::run_mtlab;
using mtlab::test::put_file;
using mtlab::test::q;

namespace {

const fs::path libs = TEST_LIBS_DIR;

// A folder holding a copy of a real, working plugin library.
fs::path plugin_folder(const std::string& name) {
  const auto dir = test::scratch_dir(name) / "plugins";
  fs::create_directories(dir);
  fs::copy_file(libs / "good" / "good_loss.so", dir / "good_loss.so");
  chmod(dir.c_str(), 0755);
  chmod((dir / "good_loss.so").c_str(), 0644);
  return fs::canonical(dir);
}

std::string writable_warning(const fs::path& path, const std::string& what, const std::string& who, const char* mode) {
  return path.string() + ": plugin " + what + " is writable by " + who + " (mode " + mode +
         "); plugins run inside mtlab with your rights, so whoever can write here can run code as you: chmod go-w " +
         path.string();
}

}  // namespace

// ---- plugins ----------------------------------------------------------------------

TEST_CASE("a plugin folder or file writable by other users is warned about, and still loads", "[reliability][security]") {
  SECTION("a safe folder gives no warning") {
    const auto dir = plugin_folder("sec_plugins_safe");
    plugin::Registry registry;
    const auto stderr_text = test::capture_stderr([&] { registry.scan({dir}); });
    CHECK(registry.plugins().size() == 1);
    CHECK(registry.security_warnings().empty());
    CHECK(stderr_text.empty());
  }
  SECTION("a world-writable folder (even with the sticky bit) and a world-writable file") {
    const auto dir = plugin_folder("sec_plugins_open");
    REQUIRE(chmod(dir.c_str(), 01777) == 0);
    REQUIRE(chmod((dir / "good_loss.so").c_str(), 0666) == 0);
    plugin::Registry registry;
    const auto stderr_text = test::capture_stderr([&] { registry.scan({dir}); });
    REQUIRE(registry.plugins().size() == 1);  // a warning, not a refusal: the user decides
    const std::vector<std::string> expected = {writable_warning(dir, "folder", "every user", "1777"),
                                               writable_warning(dir / "good_loss.so", "file", "every user", "0666")};
    CHECK(registry.security_warnings() == expected);
    CHECK(stderr_text == "warning: " + expected[0] + "\nwarning: " + expected[1] + "\n");
  }
  SECTION("a plugin file loaded directly is checked with its folder") {
    const auto dir = plugin_folder("sec_plugins_file");
    REQUIRE(chmod((dir / "good_loss.so").c_str(), 0646) == 0);
    plugin::Registry registry;
    test::capture_stderr([&] { registry.load(dir / "good_loss.so"); });
    CHECK(registry.security_warnings() ==
          std::vector<std::string>{writable_warning(dir / "good_loss.so", "file", "every user", "0646")});
  }
  SECTION("group-writable counts when the group is not the owner's own") {
    const auto dir = plugin_folder("sec_plugins_group");
    // A group other than our primary one that we may hand the folder to (root may use any).
    gid_t other = getgid();
    std::vector<gid_t> groups(static_cast<std::size_t>(std::max(getgroups(0, nullptr), 0)));
    getgroups(static_cast<int>(groups.size()), groups.data());
    for (gid_t g : groups) {
      if (g != getgid()) other = g;
    }
    if (other == getgid() && geteuid() == 0) {
      if (const group* users = getgrnam("users")) other = users->gr_gid;
    }
    REQUIRE(chmod(dir.c_str(), 0775) == 0);
    plugin::Registry own;
    test::capture_stderr([&] { own.scan({dir}); });
    INFO("the folder's group is our primary group: writable by it is writable by us only");
    CHECK(own.security_warnings().empty());
    if (other != getgid() && chown(dir.c_str(), static_cast<uid_t>(-1), other) == 0) {
      plugin::Registry shared;
      test::capture_stderr([&] { shared.scan({dir}); });
      const group* g = getgrgid(other);
      REQUIRE(g != nullptr);
      CHECK(shared.security_warnings() ==
            std::vector<std::string>{writable_warning(dir, "folder", std::string("the users of group '") + g->gr_name + "'", "0775")});
    } else {
      WARN("no second group to hand the folder to: the shared-group case was not exercised");
    }
  }
  SECTION("mtlab plugins prints the warning") {
    const auto dir = plugin_folder("sec_plugins_cli");
    REQUIRE(chmod(dir.c_str(), 0777) == 0);
    const auto r = run_mtlab("plugins --path " + q(dir));
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("warning: " + writable_warning(dir, "folder", "every user", "0777") + "\n") != std::string::npos);
    CHECK(r.output.find("scaled_mean") != std::string::npos);
  }
}

TEST_CASE("plugins load only from the search path: a library elsewhere is never loaded", "[reliability][security]") {
  // A working plugin sits next to the spec, but not on any search path.
  const auto dir = test::scratch_dir("sec_search_path");
  fs::copy_file(libs / "good" / "good_loss.so", dir / "good_loss.so");
  const auto spec = put_file(dir / "exp.toml", "[experiment]\nname = \"t\"\n[tasks.intent]\nhead = "
                                               "\"sequence_classification\"\nloss = \"scaled_mean\"\n[data]\nformat = "
                                               "\"synthetic\"\n");
  auto r = run_mtlab("validate " + q(spec));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find(spec.string() + ":5:1: tasks.intent.loss: no loss plugin named 'scaled_mean'") == 0);
  // Named on the path ([plugins] paths), it is found.
  put_file(spec, file_bytes(spec) + "[plugins]\npaths = [\".\"]\n");
  r = run_mtlab("validate " + q(spec));
  CHECK(r.output == "ok: 1 trial\n");
  CHECK(r.exit_code == 0);
}

// ---- mtlab query --------------------------------------------------------------------

TEST_CASE("mtlab query is read-only at the SQLite level", "[reliability][security][query]") {
  const auto path = test::scratch_dir("sec_query") / "results.db";
  test::fill_fixture(path);
  const std::string before = file_bytes(path);
  const auto db = storage::Database::open_read_only(path, false);
  const std::string expected = " (expected a SELECT, WITH, EXPLAIN or read-only PRAGMA; use the sqlite3 tool to change a "
                               "results database)";
  auto error_of = [&](const std::string& sql) {
    try {
      storage::run_read_only_query(db, sql);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("INSERT INTO experiments (name, created_at) VALUES ('x', 'now')") ==
        "mtlab query is read-only: the INSERT statement would modify the database, and the database is opened "
        "read-only" + expected);
  CHECK(error_of("DELETE FROM metrics") ==
        "mtlab query is read-only: the DELETE statement would modify the database, and the database is opened "
        "read-only" + expected);
  CHECK(error_of("DROP TABLE runs") ==
        "mtlab query is read-only: the DROP statement would modify the database, and the database is opened "
        "read-only" + expected);
  const auto other = path.parent_path() / "other.db";
  test::fill_fixture(other);
  CHECK(error_of("ATTACH '" + other.string() + "' AS o") ==
        "mtlab query is read-only: ATTACH would open another database file (at \"" +
            ("ATTACH '" + other.string()).substr(0, 40) + "...\"); " + expected.substr(2, expected.size() - 3));
  CHECK(error_of("DETACH main") ==
        "mtlab query is read-only: DETACH would change the connection's databases (at \"DETACH main\"); " +
            expected.substr(2, expected.size() - 3));
  CHECK(error_of("PRAGMA writable_schema = ON") ==
        "mtlab query is read-only: PRAGMA writable_schema = ON would change a setting (at \"PRAGMA writable_schema = "
        "ON\"); " + expected.substr(2, expected.size() - 3));
  CHECK(error_of("pragma query_only=0") ==
        "mtlab query is read-only: PRAGMA query_only = 0 would change a setting (at \"pragma query_only=0\"); " +
            expected.substr(2, expected.size() - 3));
  // A PRAGMA that writes the file is reported as a write.
  CHECK(error_of("PRAGMA user_version = 5") ==
        "mtlab query is read-only: the PRAGMA statement would modify the database, and the database is opened "
        "read-only" + expected);
  CHECK(error_of("SELECT 1; DELETE FROM runs") ==
        "mtlab query: only one SQL statement is allowed, but more follows the first ';' (at \"DELETE FROM runs\"); run "
        "the statements one at a time");
  CHECK(error_of("SELECT 1; PRAGMA writable_schema = ON") ==
        "mtlab query: only one SQL statement is allowed, but more follows the first ';' (at \"PRAGMA writable_schema "
        "= ON\"); run the statements one at a time");

  // Reading pragmas, with or without an argument, still work; so does the next query.
  CHECK(storage::run_read_only_query(db, "PRAGMA table_info(runs)").rows.size() > 10);
  CHECK(storage::run_read_only_query(db, "PRAGMA writable_schema").rows.size() == 1);
  CHECK(storage::run_read_only_query(db, "SELECT count(*) FROM pragma_table_info('runs')").rows.size() == 1);
  CHECK(test::scalar_int(db, "SELECT count(*) FROM runs") == 8);
  // The authorizer is gone after the query: the library's own statements are not restricted by it.
  CHECK(test::scalar_int(db, "PRAGMA user_version") == 0);
  CHECK(file_bytes(path) == before);

  // The same through the executable, which opens the file read-only.
  const auto r = test::run_mtlab("query " + q(path) + " 'PRAGMA writable_schema = ON'");
  CHECK(r.exit_code == 1);
  CHECK(r.output == "mtlab: error: mtlab query is read-only: PRAGMA writable_schema = ON would change a setting (at "
                    "\"PRAGMA writable_schema = ON\"); " + expected.substr(2, expected.size() - 3) + "\n");
  const auto attach = test::run_mtlab("query " + q(path) + " " + q("ATTACH '" + (path.parent_path() / "new.db").string() + "' AS n"));
  CHECK(attach.exit_code == 1);
  CHECK(attach.output.find("mtlab: error: mtlab query is read-only: ATTACH would open another database file") == 0);
  CHECK_FALSE(fs::exists(path.parent_path() / "new.db"));
  CHECK(file_bytes(path) == before);
}

// ---- output paths -------------------------------------------------------------------

TEST_CASE("run folders stay inside experiment.output: the experiment name cannot climb out", "[reliability][security]") {
  const auto dir = test::scratch_dir("sec_output");
  const std::string rest = "[tasks.intent]\nhead = \"sequence_classification\"\n[data]\nformat = \"synthetic\"\n";
  const std::string tail = "cannot name a folder inside experiment.output (runs are saved in <output>/<name>/run-N); "
                           "expected a non-empty name without '/', '\\' or control characters, and not '.' or '..'";
  for (const std::string name : {"../../escape", "/tmp/abs", "..", "a\\\\b", "", "tab\\there"}) {
    INFO(name);
    const auto spec = put_file(dir / "exp.toml", "[experiment]\nname = \"" + name + "\"\n" + rest);
    const auto r = run_mtlab("run --no-progress " + q(spec));
    CHECK(r.exit_code == 1);
    std::string shown = name;  // as JSON writes it
    if (name == "a\\\\b") shown = "a\\\\b";
    if (name == "tab\\there") shown = "tab\\there";
    CHECK(r.output == "mtlab: error: " + spec.string() + ":2:1: experiment.name: \"" + shown + "\" " + tail + "\n");
    CHECK_FALSE(fs::exists(dir / "results.db"));
  }
  // Also through --set.
  const auto spec = put_file(dir / "exp.toml", "[experiment]\nname = \"fine\"\n" + rest);
  const auto r = run_mtlab("validate --skip-plugins " + q(spec) + " --set 'experiment.name=\"../up\"'");
  CHECK(r.exit_code == 1);
  CHECK(r.output == "--set: experiment.name: \"../up\" " + tail + "\n" + spec.string() + ": 1 problem\n");

  // What the user chooses stays allowed: an absolute output folder, an input path
  // that climbs (data next to the experiments folder), a name with dots and spaces.
  const auto data = put_file(dir / "data" / "train.tsv", "good film\t1\nbad film\t0\n");
  fs::create_directories(dir / "specs");
  const auto ok = put_file(dir / "specs" / "exp.toml",
                           "[experiment]\nname = \"v1.2 final\"\noutput = \"" + (dir / "abs-runs").string() +
                               "\"\n[tasks.intent]\nhead = \"sequence_classification\"\n[data]\nformat = \"tsv\"\n"
                               "train = \"../data/train.tsv\"\n");
  const auto v = run_mtlab("validate --skip-plugins " + q(ok));
  CHECK(v.output == "ok: 1 trial\n");
  CHECK(v.exit_code == 0);
}

// ---- bound parameters ---------------------------------------------------------------

TEST_CASE("names with quotes and SQL in them are data, never SQL", "[reliability][security]") {
  const auto path = test::scratch_dir("sec_sql") / "results.db";
  const std::string hostile = "x'); DROP TABLE runs; --\"";
  {
    storage::Writer w(path);
    const auto exp = w.begin_experiment(hostile, "it's \"quoted\"");
    for (int seed : {1, 2}) {
      auto run = test::make_run("none", seed);
      run.trial = "trial' OR '1'='1";
      run.config_hash = "h' || (SELECT 1) || '" + std::to_string(seed);
      const auto id = w.create_run(exp, run);
      w.set_status(id, storage::RunStatus::running);
      w.log_metric(id, "in'tent", "dev", "accuracy", 1, 0.5 + seed / 10.0);
      w.set_status(id, storage::RunStatus::completed, "error text with '); DELETE FROM metrics; --");
    }
  }
  const auto db = storage::Database::open_read_only(path);
  CHECK(test::scalar_text(db, "SELECT name FROM experiments") == hostile);
  CHECK(test::scalar_int(db, "SELECT count(*) FROM runs") == 2);
  CHECK(test::scalar_int(db, "SELECT count(*) FROM metrics") == 2);
  CHECK(test::scalar_text(db, "SELECT DISTINCT trial FROM runs") == "trial' OR '1'='1");
  // Every reader that takes a name binds it.
  CHECK(storage::list_runs(db, {hostile, ""}).rows.size() == 2);
  CHECK(storage::export_experiment(db, hostile).rows.size() == 2);
  const auto c = storage::compare_trials(db, hostile, "in'tent.dev.accuracy");
  REQUIRE(c.rows.size() == 1);
  CHECK(c.rows[0].metrics.at("in'tent.dev.accuracy").mean == Approx(0.65));
  CHECK_THROWS_WITH(storage::export_experiment(db, "x' OR '1'='1"),
                    path.string() + ": no experiment named 'x' OR '1'='1' (expected one of: " + hostile + ")");
  const auto r = run_mtlab("runs " + q(path) + " --experiment " + q(hostile) + " --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("trial' OR '1'='1") != std::string::npos);
}
