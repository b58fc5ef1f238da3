// `mtlab query DB "SQL"`: one read-only SQL statement over a results database.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.h"
#include "mtlab/storage/results_store.h"

namespace mtlab::cli {
namespace {

struct QueryOptions {
  std::string database;
  std::string sql;
  bool csv = false;
  bool json = false;
};

void run(const QueryOptions& o) {
  const auto table = storage::open_store(o.database, storage::StoreMode::read_only)->query(o.sql);
  const auto format = o.csv ? storage::TableFormat::csv : o.json ? storage::TableFormat::json : storage::TableFormat::aligned;
  fmt::print("{}", storage::format_table(table, format));
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<QueryOptions>();
  auto* sub = app.add_subcommand("query", "Run one read-only SQL statement on a results database");
  sub->add_option("database", o->database, "Results store: a SQLite file or a postgresql:// URL")->required();
  sub->add_option("sql", o->sql, "One SQL statement, e.g. \"SELECT * FROM final_metrics\"")->required();
  auto* csv = sub->add_flag("--csv", o->csv, "Print CSV (RFC 4180) instead of an aligned table");
  sub->add_flag("--json", o->json, "Print a JSON array of objects instead of an aligned table")->excludes(csv);
  sub->footer("The database is opened read-only; statements that would write, and more than one statement, are "
              "refused. Tables and views: docs/storage.md.");
  sub->callback([o] { run(*o); });
}

const bool registered = register_command("query", 50, setup);

}  // namespace
}  // namespace mtlab::cli
