// `mtlab report DB --experiment NAME [--experiment …] [--metric M] [--out FILE]`:
// one self-contained HTML page of tables and charts of a sweep (docs/cli.md).
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.h"
#include "mtlab/storage/results_store.h"
#include "report_writer.h"

namespace mtlab::cli {
namespace {

struct ReportOptions {
  ReportRequest request;
  std::string out = "report.html";
};

void run(const ReportOptions& o) {
  const auto store = storage::open_store(o.request.database, storage::StoreMode::read_only);
  const auto runs = write_report(*store, o.request, o.out);
  fmt::print("wrote {} ({} experiment{}, {} run{}); open it in a browser\n", o.out, o.request.experiments.size(),
             o.request.experiments.size() == 1 ? "" : "s", runs, runs == 1 ? "" : "s");
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<ReportOptions>();
  auto* sub = app.add_subcommand("report", "Write one HTML page of charts and tables of experiments' runs");
  sub->add_option("database", o->request.database, "Results store: a SQLite file or a postgresql:// URL")->required();
  sub->add_option("--experiment", o->request.experiments, "Experiment name; repeat for several")->required();
  sub->add_option("--metric", o->request.metric,
                  "Metric of the trial table and the per-value chart: task.split.name (default: training.metric "
                  "on the test split when recorded, as `mtlab run` prints)");
  sub->add_option("--out,-o", o->out, "The HTML file to write")->capture_default_str();
  sub->add_option("--max-points", o->request.max_points,
                  "Average longer curves in buckets down to this many points (0: keep every point)")
      ->capture_default_str();
  sub->footer("The page needs no network: scripts, styles and data are inside it. Only completed runs enter the "
              "trial table and the curves; failed and interrupted runs are listed with their errors.");
  sub->callback([o] { run(*o); });
}

const bool registered = register_command("report", 54, setup);

}  // namespace
}  // namespace mtlab::cli
