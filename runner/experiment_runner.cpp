#include "experiment_runner.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/spec/experiment.h"
#include "mtlab/spec/trial_format.h"
#include "mtlab/spec/trial_source.h"
#include "mtlab/storage/results_store.h"
#include "compare_layout.h"
#include "distributed_trials.h"
#include "mtlab/train/distributed.h"
#include "mtlab/train/interrupt.h"
#include "report_writer.h"
#include "sweep_loop.h"
#include "worker.h"
#include "worker_pool.h"

namespace mtlab::cli {
namespace fs = std::filesystem;

namespace {

// The metric the closing table sorts by: training.metric on test when there is
// a test split, else on dev.
std::string summary_metric(const spec::Trial& trial) {
  if (trial.config.contains("embed")) return "embed.similarity.0.1";
  const std::string metric = trial.view("training").get_string("metric", "dev.loss");
  const bool has_test = trial.config.value("data", nlohmann::json::object()).contains("test") ||
                        trial.config.value("data", nlohmann::json::object()).value("format", "") == "synthetic";
  return has_test ? "test." + metric.substr(4) : metric;
}

void print_summary(const storage::ResultsStore& store, const spec::Experiment& experiment,
                   const SweepCounts& counts, double seconds) {
  const spec::Trial& first = experiment.trials.front();
  const std::string database = first.view("experiment").get_string("database");
  try {
    const auto comparison = store.compare_trials(experiment.name, summary_metric(first));
    const auto laid_out = lay_out_comparison(comparison, storage::same_split_labels(comparison), {output_width(false), {}});
    fmt::print("\n{}{}", storage::format_table(laid_out.table, storage::TableFormat::aligned), left_out_note(laid_out));
  } catch (const std::exception& e) {
    log::debug("no comparison table: {}", e.what());
  }
  const std::string pruned = counts.pruned > 0 ? fmt::format(", {} pruned", counts.pruned) : "";
  fmt::print("\n{} completed{}, {} failed, {} skipped in {:.1f}s; results in {}\n", counts.completed, pruned,
             counts.failed, counts.skipped, seconds, storage::store_file(database) ? fs::absolute(*storage::store_file(database)).string() : database);
  fmt::print("try: mtlab compare {} --experiment {} --metric {}\n", database, experiment.name, summary_metric(first));
  fmt::print("     mtlab report {} --experiment {} --out {}   (charts in one HTML file; run --report writes it)\n",
             database, experiment.name, report_file(database, experiment.name).string());
}

// `run --report`: the sweep's page; a failure to write it is reported, the runs stay recorded.
bool write_sweep_report(const storage::ResultsStore& store, const spec::Experiment& experiment, bool quiet) {
  const std::string database = experiment.trials.front().view("experiment").get_string("database");
  const fs::path out = report_file(database, experiment.name);
  try {
    ReportRequest request{database, {experiment.name}, summary_metric(experiment.trials.front())};
    write_report(store, request, out);
    if (!quiet) fmt::print("report: wrote {}\n", out.string());
    return true;
  } catch (const std::exception& e) {
    fmt::print(stderr, "mtlab: error: the runs are recorded, but the report was not written: {}\n", e.what());
    return false;
  }
}

// Each trial's newest run on record: its id and status.
using NewestRuns = std::map<std::string, std::pair<std::string, std::string>>;

NewestRuns newest_runs(const storage::ResultsStore& store, const spec::Experiment& experiment) {
  NewestRuns newest;
  const storage::Table runs = store.list_runs({experiment.name, ""});  // in id order: the newest last
  for (const auto& row : runs.rows) {
    newest[storage::to_text(row[runs.column("trial")])] = {storage::to_text(row[runs.column("id")]),
                                                          storage::to_text(row[runs.column("status")])};
  }
  return newest;
}

// The trials' ends as the store has them (each trial's newest run): what no one
// process saw whole when workers ran the sweep or ASHA promoted its trials. A
// trial whose newest run is what it was before this command (`before`) was
// skipped, as a serial run counts the trials it finds done.
SweepCounts counts_on_record(const storage::ResultsStore& store, const spec::Experiment& experiment,
                             const NewestRuns& before) {
  SweepCounts counts;
  const NewestRuns after = newest_runs(store, experiment);
  for (const auto& trial : experiment.trials) {
    const auto it = after.find(trial.name);
    const auto was = before.find(trial.name);
    const bool unchanged = it != after.end() && was != before.end() && was->second == it->second;
    const std::string status = it == after.end() || unchanged ? "" : it->second.second;
    if (status == "completed") ++counts.completed;
    else if (status == "failed") ++counts.failed;
    else if (status == "pruned") ++counts.pruned;
    else ++counts.skipped;
  }
  return counts;
}

// `run --workers N`: N local workers run the published sweep; the counts are
// read back from the store (each trial's latest run), since no one worker saw all.
SweepCounts run_local_workers(const storage::ResultsStore& store, const spec::Experiment& experiment,
                              const RunOptions& options, const NewestRuns& before) {
  if (options.resume || options.rerun_failed) {
    log::info("workers continue interrupted trials (and those of dead workers) by themselves; --resume and "
              "--rerun-failed apply to a run without --workers");
  }
  const std::vector<std::string> command = worker_command(store.location(), experiment.name, options.quiet);
  const auto exits = run_worker_processes(std::vector(static_cast<std::size_t>(options.workers), command));
  SweepCounts counts = counts_on_record(store, experiment, before);
  for (const auto& w : exits) {
    if (w.signal != 0) log::warn("worker {} was killed by signal {}; the others took over its trial", w.pid, w.signal);
    counts.interrupted |= w.exit_code == 130;
  }
  return counts;
}

storage::RerunPolicy rerun_policy(const RunOptions& options) {
  return options.force          ? storage::RerunPolicy::force
         : options.resume       ? storage::RerunPolicy::resume
         : options.rerun_failed ? storage::RerunPolicy::rerun_failed
                                : storage::RerunPolicy::skip_done;
}

}  // namespace

int run_experiment(const RunOptions& options) {
  // One registry serves validation and the runs: each plugin library is loaded
  // and hashed once.
  plugin::Registry registry;
  spec::LoadOptions load;
  load.overrides = options.overrides;
  load.plugins = spec::registry_catalog(&registry);
  const spec::Experiment experiment = spec::load_experiment(options.spec, load);
  if (options.dry_run) {
    std::fputs(spec::format_trials(experiment).c_str(), stdout);
    return 0;
  }
  for (const auto& w : registry.warnings()) log::debug("{}", w);
  // Data-parallel (docs/distributed.md): ranks other than 0 follow rank 0's trials and end here.
  if (options.workers > 0 && read_rank_environment().data_parallel()) {
    throw Error("mtlab run --workers: this process is one rank of a data-parallel group (WORLD_SIZE > 1): workers "
                "and data-parallel ranks do not combine");
  }
  if (const auto follower_exit = join_data_parallel(experiment, registry)) return *follower_exit;

  const spec::Trial& first = experiment.trials.front();
  const auto store =
      storage::open_store(first.view("experiment").get_string("database"), storage::StoreMode::read_write);
  SweepSettings settings = sweep_settings(first, experiment.name);
  settings.spec_dir = fs::absolute(options.spec).parent_path();
  settings.policy = rerun_policy(options);
  settings.progress = !options.no_progress && !options.quiet && isatty(STDERR_FILENO);
  settings.prune = experiment.prune;
  settings.trials = experiment.trials;

  install_interrupt_handlers();
  const auto sweep_start = std::chrono::steady_clock::now();
  SweepCounts counts;
  // What was on record before, for the counts read back from the store (below).
  const NewestRuns before = options.workers > 0 || experiment.prune ? newest_runs(*store, experiment) : NewestRuns();
  if (options.workers > 0) {
    publish_experiment(*store, experiment, settings.spec_dir);
    counts = run_local_workers(*store, experiment, options, before);
  } else {
    spec::SweepSource source(experiment.trials);
    SweepLoop loop(settings, *store, registry);
    counts = loop.run(source);
    announce_sweep_end();  // data-parallel: the other ranks stop (distributed_trials.h)
    if (experiment.prune) {  // a trial paused, then promoted, ended twice in this process
      const bool interrupted = counts.interrupted;
      counts = counts_on_record(*store, experiment, before);
      counts.interrupted = interrupted;
    }
  }
  store->flush();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sweep_start).count();

  if (!options.quiet) print_summary(*store, experiment, counts, seconds);
  const bool report_ok = !options.report || write_sweep_report(*store, experiment, options.quiet);
  if (counts.interrupted) return 130;
  return counts.failed > 0 || !report_ok ? 1 : 0;
}

fs::path report_file(const std::string& database, const std::string& experiment) {
  // Beside a SQLite file; for a database server, in the current folder.
  const auto file = storage::store_file(database);
  return (file ? file->parent_path() : fs::path()) / (experiment + "-report.html");
}

}  // namespace mtlab::cli
