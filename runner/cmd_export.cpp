// `mtlab export DB --experiment NAME --format csv|json`: one row per run with
// params and final metrics as columns (what pandas.read_csv/read_json wants).
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <fstream>

#include "command.h"
#include "mtlab/core/error.h"
#include "mtlab/storage/results_store.h"

namespace mtlab::cli {
namespace {

struct ExportOptions {
  std::string database;
  std::string experiment;
  std::string format = "csv";
  std::string output;
};

void run(const ExportOptions& o) {
  const auto table = storage::open_store(o.database, storage::StoreMode::read_only)->export_experiment(o.experiment);
  const auto text =
      storage::format_table(table, o.format == "json" ? storage::TableFormat::json : storage::TableFormat::csv);
  if (o.output.empty() || o.output == "-") {
    fmt::print("{}", text);
    return;
  }
  std::ofstream out(o.output, std::ios::binary);
  out << text;
  if (!out) throw Error(o.output + ": cannot write the export");
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<ExportOptions>();
  auto* sub = app.add_subcommand("export", "Export an experiment as one flat table (a row per run)");
  sub->add_option("database", o->database, "Results store: a SQLite file or a postgresql:// URL")->required();
  sub->add_option("--experiment", o->experiment, "Experiment name")->required();
  sub->add_option("--format", o->format, "csv or json")->check(CLI::IsMember({"csv", "json"}))->capture_default_str();
  sub->add_option("-o,--output", o->output, "Write to this file instead of standard output");
  sub->callback([o] { run(*o); });
}

const bool registered = register_command("export", 53, setup);

}  // namespace
}  // namespace mtlab::cli
