// What is particular to the PostgreSQL store (the conformance suite runs the
// rest on it): its URL forms, passwords kept out of URLs, the server refusing a
// query's write, connection errors, and the schema it builds matching SQLite's.
#include <catch2/catch.hpp>

#include <set>

#include "mtlab/storage/database.h"
#include "mtlab/storage/results_store.h"
#include "mtlab/storage/schema.h"
#include "mtlab/storage/statement.h"
#include "postgres_server.h"
#include "storage_fixture.h"
#include "test_paths.h"

using namespace mtlab;
using namespace mtlab::storage;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// The database's name in a test URL postgresql://mtlab@/<name>?host=<folder>.
std::string database_name(const std::string& url) {
  const auto start = url.find("@/") + 2;
  return url.substr(start, url.find('?') - start);
}

std::set<std::string> column_set(const ResultsStore& store, const std::string& table_sql) {
  std::set<std::string> out;
  for (const auto& row : store.query(table_sql).rows) out.insert(to_text(row.at(0)) + " " + to_text(row.at(1)));
  return out;
}

}  // namespace

TEST_CASE("postgresql store: postgres:// and a host as a parameter name the same database", "[storage][postgresql]") {
  const auto url = test::postgres_database("url_forms");
  open_store(url, StoreMode::read_write)->begin_experiment("e");
  auto& server = test::PostgresServer::instance();
  const auto name = database_name(url);
  const std::string forms[] = {
      "postgres://mtlab@/" + name + "?host=" + server.socket_folder(),
      "postgresql:///" + name + "?host=" + server.socket_folder() + "&user=mtlab",
  };
  for (const auto& form : forms) {
    INFO(form);
    const auto store = open_store(form, StoreMode::read_only);
    CHECK(store->location() == form);
    CHECK(store->query("SELECT name FROM experiments").rows.size() == 1);
  }
  CHECK_FALSE(store_file(url));
}

TEST_CASE("postgresql store: a URL with a password is refused and the password is never printed",
          "[storage][postgresql]") {
  const auto folder = test::PostgresServer::instance().socket_folder();
  for (const std::string& url : std::vector<std::string>{"postgresql://mtlab:s3cret@db.example:5432/results",
                                "postgres://mtlab:s3cret@/results?host=" + folder,
                                "postgresql://mtlab@/results?host=" + folder + "&password=s3cret"}) {
    INFO(url);
    try {
      open_store(url, StoreMode::read_write);
      FAIL("opened a store from a URL with a password");
    } catch (const std::exception& e) {
      const std::string message = e.what();
      CHECK_THAT(message, Contains("password") && Contains("PGPASSWORD") && Contains("~/.pgpass"));
      CHECK_THAT(message, !Contains("s3cret"));
    }
  }
}

TEST_CASE("postgresql store: a server that is not there is one clear line naming the URL", "[storage][postgresql]") {
  const auto dir = test::scratch_dir("pg_no_server");
  const std::string url = "postgresql://mtlab@/results?host=" + dir.string();
  try {
    open_store(url, StoreMode::read_only);
    FAIL("connected to no server");
  } catch (const std::exception& e) {
    const std::string message = e.what();
    CHECK_THAT(message, StartsWith("PostgreSQL (" + url + "): cannot connect: "));
    CHECK_THAT(message, Contains(dir.string()));  // libpq's own words name the socket
    CHECK(message.find('\n') == std::string::npos);
  }
  const auto missing = test::PostgresServer::instance().url("no_such_database");
  CHECK_THROWS_WITH(open_store(missing, StoreMode::read_only),
                    StartsWith("PostgreSQL (" + missing + "): cannot connect: ") && Contains("no_such_database"));
}

TEST_CASE("postgresql store: a server restart between writes is met with a new connection, and one inside a "
          "transaction is an error that rolls its writes back",
          "[storage][postgresql]") {
  const auto url = test::postgres_database("restart");
  auto& server = test::PostgresServer::instance();
  const auto store = open_store(url, StoreMode::read_write);
  const auto reader = open_store(url, StoreMode::read_only);
  const auto e = store->begin_experiment("e");
  const auto run = store->create_run(e, test::make_run("none", 1));
  CHECK(reader->query("SELECT count(*) FROM runs").rows.at(0).at(0) == Value{std::int64_t{1}});

  // Between units of work: every connection finds its server gone and connects again.
  server.restart();
  store->set_status(run, RunStatus::running);
  store->log_metric({run, "", "train", "loss", 1, std::nullopt, 0.5, 0});
  store->flush();
  server.restart();
  store->heartbeat(run);
  store->set_status(run, RunStatus::completed);
  CHECK(to_text(reader->query("SELECT status || ' ' || (SELECT count(*) FROM metrics) FROM runs").rows.at(0).at(0)) ==
        "completed 1");

  // Inside a transaction: the statement after the restart fails and says so; what the
  // transaction wrote is gone, its ROLLBACK is quiet, and the connection works again.
  const auto db = Database::open_postgres(url, {});
  db.execute("BEGIN", "test transaction");
  db.execute("INSERT INTO experiments (name, created_at) VALUES ('cut', '2026-01-01')", "test insert");
  server.restart();
  const std::string cut2 = "INSERT INTO experiments (name, created_at) VALUES ('cut2', '2026-01-01')";
  CHECK_THROWS_WITH(db.execute(cut2, "test insert"),
                    StartsWith("PostgreSQL (" + url + "): test insert: the connection to the server was lost inside "
                                                      "a transaction, which the server rolled back"));
  CHECK_NOTHROW(db.execute("ROLLBACK", "test rollback"));
  CHECK(to_text(reader->query("SELECT count(*) FROM experiments WHERE name LIKE 'cut%'").rows.at(0).at(0)) == "0");
  db.execute("BEGIN", "test transaction");
  server.restart();
  CHECK_THROWS_WITH(db.execute("COMMIT", "test commit"), Contains("lost inside a transaction"));
  CHECK(to_text(reader->query("SELECT count(*) FROM experiments").rows.at(0).at(0)) == "1");
}

TEST_CASE("postgresql store: query() runs in a read-only transaction that the server enforces",
          "[storage][postgresql]") {
  const auto url = test::postgres_database("query_read_only");
  const auto store = open_store(url, StoreMode::read_write);
  store->begin_experiment("e");
  CHECK_THROWS_WITH(store->query("INSERT INTO experiments (name, created_at) VALUES ('x', 'now')"),
                    Contains("read-only") && Contains("INSERT") && Contains("PostgreSQL refused"));
  CHECK_THROWS_WITH(store->query("WITH gone AS (DELETE FROM experiments RETURNING id) SELECT count(*) FROM gone"),
                    Contains("read-only") && Contains("PostgreSQL refused"));
  CHECK_THROWS_WITH(store->query("COMMIT"), Contains("read-only") && Contains("COMMIT"));
  CHECK_THROWS_WITH(store->query("SELECT 1; DELETE FROM experiments"), Contains("only one SQL statement"));
  CHECK_THROWS_WITH(store->query("SELECT * FROM nowhere"), Contains("nowhere") && Contains(url));
  // The connection is usable afterwards, and nothing was written.
  CHECK(std::get<std::int64_t>(store->query("SELECT count(*) FROM experiments").rows.at(0).at(0)) == 1);
  CHECK(store->begin_experiment("f") > 0);
  // A read-only store's connection refuses writes of its own accord.
  const auto db = Database::open_postgres(url, {OpenMode::read_only, 0, true});
  CHECK_THROWS_WITH(db.execute("DELETE FROM runs", "test write"), Contains("read-only transaction"));
}

TEST_CASE("postgresql store: the same tables and columns and views and schema version as SQLite", "[storage][postgresql]") {
  const auto sqlite_path = test::scratch_dir("pg_schema_sqlite") / "results.db";
  const auto sqlite = open_store(sqlite_path.string(), StoreMode::read_write);
  const auto pg = open_store(test::postgres_database("schema"), StoreMode::read_write);
  const auto sqlite_columns = column_set(
      *sqlite, "SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p "
               "WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'");
  const auto pg_columns = column_set(
      *pg, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()");
  CHECK(pg_columns == sqlite_columns);
  const std::string versions = "SELECT version, description FROM schema_version ORDER BY version";
  const auto a = sqlite->query(versions), b = pg->query(versions);
  CHECK(a.rows == b.rows);
  CHECK(std::get<std::int64_t>(b.rows.back().at(0)) == current_schema_version());
}

TEST_CASE("postgresql store: values read back have the types SQLite gives", "[storage][postgresql]") {
  const auto sqlite_path = test::scratch_dir("pg_types_sqlite") / "results.db";
  test::fill_fixture(sqlite_path);
  const auto url = test::postgres_database("types");
  {
    Writer w(Database::open_postgres(url));
    test::fill_fixture(w);
  }
  const auto sqlite = open_store(sqlite_path.string(), StoreMode::read_only);
  const auto pg = open_store(url, StoreMode::read_only);
  const auto same_types = [](const Table& a, const Table& b) {
    REQUIRE(a.columns == b.columns);
    REQUIRE(a.rows.size() == b.rows.size());
    for (std::size_t r = 0; r < a.rows.size(); ++r) {
      for (std::size_t c = 0; c < a.columns.size(); ++c) {
        INFO("row " << r << ", column " << a.columns[c]);
        CHECK(a.rows[r][c].index() == b.rows[r][c].index());
      }
    }
  };
  auto a = sqlite->export_experiment("freeze"), b = pg->export_experiment("freeze");
  same_types(a, b);
  // The values that do not depend on when the test ran are equal too.
  for (const auto& column : {"trial", "seed", "optimizer.lr", "training.shuffle", "intent.dev.accuracy"}) {
    const int ca = a.column(column), cb = b.column(column);
    REQUIRE(ca >= 0);
    for (std::size_t r = 0; r < a.rows.size(); ++r) CHECK(a.rows[r][ca] == b.rows[r][cb]);
  }
  same_types(sqlite->list_runs({}), pg->list_runs({}));
  const std::string sql = "SELECT metric, value, step, epoch FROM final_metrics WHERE run_id = 1 ORDER BY metric";
  CHECK(sqlite->query(sql).rows == pg->query(sql).rows);
  const auto ca = sqlite->compare_trials("freeze", "intent.dev.accuracy"),
             cb = pg->compare_trials("freeze", "intent.dev.accuracy");
  same_types(comparison_table(ca, true, {}), comparison_table(cb, true, {}));
}
