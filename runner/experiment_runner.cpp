#include "experiment_runner.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/model/environment.h"
#include "mtlab/spec/experiment.h"
#include "mtlab/spec/trial_format.h"
#include "mtlab/storage/compare.h"
#include "mtlab/storage/rerun.h"
#include "mtlab/storage/table.h"
#include "mtlab/storage/writer.h"
#include "mtlab/train/frozen_prefix_cache.h"
#include "mtlab/train/interrupt.h"
#include "lineage.h"
#include "child_process.h"
#include "trial_execution.h"
#include "trial_runner.h"

namespace mtlab::cli {
namespace fs = std::filesystem;

namespace {

storage::RunEnvironment run_environment(const Environment& env) {
  storage::RunEnvironment out;
  out.host = env.host;
  out.os = env.os;
  out.cpu = env.cpu;
  out.threads = env.threads;
  out.mtlab_version = env.mtlab_version;
  out.git_commit = env.git_commit;
  out.torch_version = env.torch_version;
  out.blas = env.blas;
  return out;
}

// The metric the closing table sorts by: training.metric on test when there is
// a test split, else on dev.
std::string summary_metric(const spec::Trial& trial) {
  if (trial.config.contains("embed")) return "embed.similarity.0.1";
  const std::string metric = trial.view("training").get_string("metric", "dev.loss");
  const bool has_test = trial.config.value("data", nlohmann::json::object()).contains("test") ||
                        trial.config.value("data", nlohmann::json::object()).value("format", "") == "synthetic";
  return has_test ? "test." + metric.substr(4) : metric;
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
  const spec::Trial& first = experiment.trials.front();
  const fs::path database = first.view("experiment").get_string("database");
  const fs::path output_root = first.view("experiment").get_string("output");
  const fs::path spec_dir = fs::absolute(options.spec).parent_path();

  for (const auto& w : registry.warnings()) log::debug("{}", w);

  const Environment env = describe_environment();
  if (!env.blas_optimized) log::warn("LibTorch runs on a reference BLAS ({}): expect slow matrix products", env.blas);

  storage::Writer writer(database);
  const std::int64_t experiment_id =
      writer.begin_experiment(experiment.name, first.view("experiment").get_string("description", ""));
  const int stale = storage::mark_stale_runs_interrupted(writer.database(), experiment.name);
  if (stale > 0) log::warn("{} stale run(s) of '{}' marked interrupted (their process is gone)", stale, experiment.name);

  const auto policy = options.force          ? storage::RerunPolicy::force
                      : options.resume       ? storage::RerunPolicy::resume
                      : options.rerun_failed ? storage::RerunPolicy::rerun_failed
                                             : storage::RerunPolicy::skip_done;
  auto run_folder = [&](std::int64_t run_id) { return cli::run_folder(output_root, experiment.name, run_id); };
  // Isolation: each trial in a `mtlab run-trial` child, so a crash, an abort or
  // a time-out fails that trial and the sweep goes on.
  const Config experiment_table = first.view("experiment");
  const bool isolated = experiment_table.get_string("isolation", "none") == "process";
  const std::chrono::seconds trial_timeout(experiment_table.get_int("trial_timeout", 0));
  if (trial_timeout.count() > 0 && !isolated) {
    throw Error(fmt::format("{}: trial_timeout needs experiment.isolation = \"process\" (a trial in the runner's own "
                            "process cannot be stopped safely)",
                            experiment_table.location("trial_timeout")));
  }
  auto resumable = [&](std::int64_t run_id) { return fs::exists(resume_checkpoint_file(run_folder(run_id))); };
  install_interrupt_handlers();
  const bool progress = !options.no_progress && !options.quiet && isatty(STDERR_FILENO);
  int failed = 0, completed = 0, skipped = 0;
  bool interrupted = false;
  const auto sweep_start = std::chrono::steady_clock::now();
  FrozenPrefixCache frozen_cache;  // every trial of the sweep shares frozen-prefix outputs

  for (const spec::Trial& spec_trial : experiment.trials) {
    spec::Trial trial = spec_trial;  // from_run becomes a concrete checkpoint folder below
    Lineage lineage;
    try {
      lineage = resolve_lineage(writer.database(), trial);
    } catch (const std::exception& e) {
      log::warn("[{}/{}] {}: not run: {}", trial.index + 1, trial.count, trial.name, e.what());
      ++failed;
      continue;
    }
    storage::NewRun run;
    run.parent_run_id = lineage.parent_run;
    run.init_checkpoint = lineage.checkpoint.string();
    run.init_checkpoint_sha256 = lineage.checkpoint_sha256;
    run.trial = trial.name;
    run.seed = trial.seed;
    run.config_hash = trial.hash;
    run.config_toml = trial.toml;
    run.config_json = trial.json;
    run.environment = run_environment(env);
    const auto claim = writer.claim_trial(experiment_id, run, policy, std::chrono::seconds(300), resumable);
    if (!claim.decision.run || !claim.run_id) {
      log::info("[{}/{}] {}: {}", trial.index + 1, trial.count, trial.name, claim.decision.reason);
      ++skipped;
      continue;
    }
    const std::int64_t run_id = *claim.run_id;
    log::info("[{}/{}] {} (run {}{})", trial.index + 1, trial.count, trial.name, run_id,
              claim.resumed ? ", resumed from its checkpoint" : "");
    writer.set_status(run_id, storage::RunStatus::running);
    if (isolated) {  // the child records the trial; this process owns its status
      const auto child = run_child_process(
          trial_child_command(options.spec, options.overrides, trial.index, run_id, claim.resumed), trial_timeout,
          interrupt_requested);
      if (child.exit_code == 0 && !child.timed_out) {
        writer.set_status(run_id, storage::RunStatus::completed);
        ++completed;
      } else if (child.exit_code == 130 && !child.timed_out) {
        writer.set_status(run_id, storage::RunStatus::interrupted, "interrupted (trial process)");
        log::warn("{}: interrupted; everything recorded so far is kept (continue with mtlab run --resume)", trial.name);
        interrupted = true;
        break;
      } else {
        const std::string error = describe_child_failure(child, trial_timeout);
        writer.set_status(run_id, storage::RunStatus::failed, error);
        log::warn("{}: failed: {}", trial.name, error.substr(0, error.find('\n')));
        ++failed;
      }
      continue;
    }
    TrialJob job;
    job.trial = &trial;
    job.run_id = run_id;
    job.resume = claim.resumed;
    job.spec_dir = spec_dir;
    job.output_dir = run_folder(run_id);
    job.progress = progress;
    job.frozen_cache = &frozen_cache;
    try {
      execute_trial(job, writer, registry);
      writer.set_status(run_id, storage::RunStatus::completed);
      ++completed;
    } catch (const Interrupted& e) {
      writer.set_status(run_id, storage::RunStatus::interrupted, e.what());
      log::warn("{}: {}; everything recorded so far is kept (continue with mtlab run --resume)", trial.name,
                e.what());
      interrupted = true;
      break;
    } catch (const std::exception& e) {
      writer.set_status(run_id, storage::RunStatus::failed, e.what());
      log::warn("{}: failed: {}", trial.name, e.what());
      ++failed;
    }
  }
  writer.flush();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sweep_start).count();

  if (!options.quiet) {
    try {
      const auto comparison = storage::compare_trials(writer.database(), experiment.name, summary_metric(first));
      fmt::print("\n{}", storage::format_table(storage::comparison_table(comparison, false, storage::same_split_labels(comparison)), storage::TableFormat::aligned));
    } catch (const std::exception& e) {
      log::debug("no comparison table: {}", e.what());
    }
    fmt::print("\n{} completed, {} failed, {} skipped in {:.1f}s; results in {}\n", completed, failed, skipped, seconds,
               fs::absolute(database).string());
    fmt::print("try: mtlab compare {} --experiment {} --metric {}\n", database.string(), experiment.name,
               summary_metric(first));
  }
  if (interrupted) return 130;
  return failed > 0 ? 1 : 0;
}

}  // namespace mtlab::cli
