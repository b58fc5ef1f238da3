// `mtlab runs DB`: one line per run (optionally of one experiment, one status).
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.h"
#include "mtlab/storage/results_store.h"

namespace mtlab::cli {
namespace {

struct RunsOptions {
  std::string database;
  storage::RunFilter filter;
  bool csv = false;
  bool json = false;
};

void run(const RunsOptions& o) {
  const auto table = storage::open_store(o.database, storage::StoreMode::read_only)->list_runs(o.filter);
  const auto format = o.csv ? storage::TableFormat::csv : o.json ? storage::TableFormat::json : storage::TableFormat::aligned;
  fmt::print("{}", storage::format_table(table, format));
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<RunsOptions>();
  auto* sub = app.add_subcommand("runs", "List the runs in a results database, one line each");
  sub->add_option("database", o->database, "Results store: a SQLite file or a postgresql:// URL")->required();
  sub->add_option("--experiment", o->filter.experiment, "Only this experiment's runs");
  sub->add_option("--status", o->filter.status, "Only runs in this status")
      ->check(CLI::IsMember({"pending", "running", "completed", "failed", "interrupted"}));
  auto* csv = sub->add_flag("--csv", o->csv, "Print CSV instead of an aligned table");
  sub->add_flag("--json", o->json, "Print JSON instead of an aligned table")->excludes(csv);
  sub->callback([o] { run(*o); });
}

const bool registered = register_command("runs", 51, setup);

}  // namespace
}  // namespace mtlab::cli
