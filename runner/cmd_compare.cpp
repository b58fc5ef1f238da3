// `mtlab compare DB --experiment NAME --metric task.split.name`: one row per
// trial, mean ± std over seeds, sorted by the metric, the best marked.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.h"
#include "compare_layout.h"
#include "mtlab/storage/pruning_summary.h"
#include "mtlab/storage/results_store.h"

namespace mtlab::cli {
namespace {

struct CompareOptions {
  std::string database;
  std::string experiment;
  std::string metric;
  bool higher = false;
  bool lower = false;
  bool all_metrics = false;
  bool csv = false;
  bool json = false;
  bool wide = false;
  std::vector<std::string> columns;
};

void run(const CompareOptions& o) {
  const auto store = storage::open_store(o.database, storage::StoreMode::read_only);
  std::optional<storage::Direction> direction;
  if (o.higher) direction = storage::Direction::higher;
  if (o.lower) direction = storage::Direction::lower;
  const auto c = store->compare_trials(o.experiment, o.metric, direction);
  if (o.csv || o.json) {
    const auto format = o.csv ? storage::TableFormat::csv : storage::TableFormat::json;
    fmt::print("{}", storage::format_table(storage::comparison_table(c, true), format));
    return;
  }
  const auto labels = o.all_metrics ? c.metric_labels : storage::same_split_labels(c);
  const auto laid_out = lay_out_comparison(c, labels, {output_width(o.wide), o.columns});
  std::size_t runs = 0;
  for (const auto& row : c.rows) runs += row.run_ids.size();
  fmt::print("experiment '{}': {} trial{} from {} completed run{}, sorted by {} ({} is better; * = best){}\n",
             c.experiment, c.rows.size(), c.rows.size() == 1 ? "" : "s", runs, runs == 1 ? "" : "s",
             c.metric.label(), storage::to_string(c.direction),
             o.all_metrics ? "" : "; metrics of the " + c.metric.split + " split");
  fmt::print("{}{}", storage::format_table(laid_out.table, storage::TableFormat::aligned), left_out_note(laid_out));
  if (labels.size() < c.metric_labels.size()) {
    fmt::print("({} more metric{} of other splits: --all-metrics, --csv or --json)\n",
               c.metric_labels.size() - labels.size(), c.metric_labels.size() - labels.size() == 1 ? "" : "s");
  }
  if (const auto pruning = storage::summarize_pruning(store->rung_entries(o.experiment))) {
    fmt::print("{}", storage::format_pruning(*pruning));
  }
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<CompareOptions>();
  auto* sub = app.add_subcommand("compare", "Compare the trials of an experiment on one metric");
  sub->add_option("database", o->database, "Results store: a SQLite file or a postgresql:// URL")->required();
  sub->add_option("--experiment", o->experiment, "Experiment name")->required();
  sub->add_option("--metric", o->metric,
                  "Metric to sort by: task.split.name (e.g. intent.dev.accuracy), split.name for whole-model "
                  "metrics (train.loss); split.task.name is accepted too")
      ->required();
  auto* higher = sub->add_flag("--higher-is-better", o->higher, "Best = largest (default unless the name says loss/error)");
  sub->add_flag("--lower-is-better", o->lower, "Best = smallest (default for loss, error, perplexity, mse, ...)")
      ->excludes(higher);
  sub->add_flag("--all-metrics", o->all_metrics,
                "Show every final metric (default: the chosen metric's split only; CSV/JSON always have all)");
  auto* wide = sub->add_flag("--wide", o->wide, "Every column with its full name, however wide (default: fit $COLUMNS or the terminal)");
  sub->add_option("--columns", o->columns,
                  "Only these columns, in this order (comma-separated: a metric, a swept key, seeds, trial)")
      ->delimiter(',')
      ->excludes(wide);
  auto* csv = sub->add_flag("--csv", o->csv, "Print CSV (mean and std as separate number columns)");
  sub->add_flag("--json", o->json, "Print JSON (mean and std as separate numbers)")->excludes(csv);
  sub->footer("Only completed runs count (a sweep pruned by [sweep.prune] also shows its rungs: how many trials each "
              "judged and let go on, and the epochs or steps trained against every trial run to the end); trials are grouped by their swept params (seed keys aside), and a metric "
              "shows mean ± sample std over seeds. In a terminal the table fits its width: the best mark, the metric "
              "and the swept keys first, then what fits, with short headers; a pipe gets every column.");
  sub->callback([o] { run(*o); });
}

const bool registered = register_command("compare", 52, setup);

}  // namespace
}  // namespace mtlab::cli
