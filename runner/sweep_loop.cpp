#include "sweep_loop.h"

#include <fmt/core.h>

#include <algorithm>

#include "child_process.h"
#include "distributed_trials.h"
#include "heartbeat.h"
#include "lineage.h"
#include "mtlab/core/log.h"
#include "mtlab/spec/resolve_options.h"
#include "mtlab/spec/trial_file.h"
#include "mtlab/train/interrupt.h"
#include "mtlab/train/trainer.h"
#include "trial_execution.h"

namespace mtlab::cli {
namespace fs = std::filesystem;
using spec::TrialEnd;

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

storage::NewRun new_run(const spec::Trial& trial, const Lineage& lineage, const Environment& env) {
  storage::NewRun run;
  run.parent_run_id = lineage.parent_run;
  run.init_checkpoint = lineage.checkpoint.string();
  run.init_checkpoint_sha256 = lineage.checkpoint_sha256;
  run.trial = trial.name;
  run.seed = trial.seed;
  run.config_hash = trial.hash;
  run.legacy_config_hash = trial.legacy_hash;
  run.config_toml = trial.toml;
  run.config_json = trial.json;
  run.environment = run_environment(env);
  // The threads this trial trains on (run_trial sets them), not the process's default.
  run.environment.threads = threads_or_all_cores(static_cast<int>(spec::resolve_options(trial).training.threads));
  return run;
}

std::string progress_label(const spec::Trial& trial) {
  return fmt::format("[{}/{}] {}", trial.index + 1, trial.count, trial.name);
}

}  // namespace

SweepSettings sweep_settings(const spec::Trial& trial, const std::string& experiment) {
  const ExperimentOptions options = spec::resolve_options(trial).experiment;
  SweepSettings s;
  s.experiment = experiment;
  s.description = options.description;
  s.output_root = options.output;
  // Isolation: each trial in a `mtlab run-trial` child, so a crash, an abort or
  // a time-out fails that trial and the sweep goes on.
  s.isolated = options.isolation == Isolation::process;
  // A timeout without isolation is refused when the spec is validated.
  s.trial_timeout = std::chrono::seconds(options.trial_timeout);
  s.heartbeat_timeout = std::chrono::seconds(options.heartbeat_timeout);
  return s;
}

SweepLoop::SweepLoop(SweepSettings settings, storage::ResultsStore& store, plugin::Registry& registry)
    : settings_(std::move(settings)), store_(store), registry_(registry), environment_(describe_environment()) {
  if (!environment_.blas_optimized) {
    log::warn("LibTorch runs on a reference BLAS ({}): expect slow matrix products", environment_.blas);
  }
  experiment_id_ = store_.begin_experiment(settings_.experiment, settings_.description);
  if (settings_.prune && !settings_.trials.empty()) {
    const bool minimize = spec::resolve_options(settings_.trials.front()).training.minimizes();
    pruner_ = std::make_unique<Pruner>(store_, settings_.experiment, *settings_.prune, minimize);
  }
  const int stale = store_.mark_stale_runs_interrupted(settings_.experiment, settings_.heartbeat_timeout);
  if (stale > 0) {
    log::warn("{} stale run(s) of '{}' marked interrupted (their process is gone)", stale, settings_.experiment);
  }
}

fs::path SweepLoop::run_folder(std::int64_t run_id) const {
  return cli::run_folder(settings_.output_root, settings_.experiment, run_id);
}

SweepCounts SweepLoop::run(spec::TrialSource& source) {
  SweepCounts counts;
  for (;;) {
    // ASHA: a promotion comes before a new trial (Li et al. 2020, get_job).
    std::optional<TrialEnd> promoted = run_promotion();
    TrialEnd end = TrialEnd::skipped;
    if (promoted) {
      end = *promoted;
    } else {
      auto next = source.next();
      if (!next) break;
      spec::Trial trial = std::move(*next);  // from_run becomes a concrete checkpoint folder in claim()
      const Claim claimed = claim(trial);
      end = claimed.run_id ? run_claimed(trial, *claimed.run_id, claimed.resumed) : claimed.end;
      source.finished(trial, end);
    }
    if (end == TrialEnd::completed) ++counts.completed;
    if (end == TrialEnd::pruned) ++counts.pruned;
    if (end == TrialEnd::skipped) ++counts.skipped;  // a taken trial is the source's to hand out again
    if (end == TrialEnd::failed) ++counts.failed;
    if (end == TrialEnd::interrupted) {
      counts.interrupted = true;
      break;
    }
    if (!data_parallel_usable()) break;  // data-parallel: a rank was lost (distributed_trials.h)
  }
  return counts;
}

SweepLoop::Claim SweepLoop::claim(spec::Trial& trial) {
  Lineage lineage;
  try {
    lineage = resolve_lineage(store_, trial);
  } catch (const std::exception& e) {
    // A failure with no run: there is no model to start from, so nothing to record.
    log::warn("{}: not run: {}", progress_label(trial), e.what());
    return {std::nullopt, false, TrialEnd::failed};
  }
  auto resumable = [&](std::int64_t run_id) { return fs::exists(resume_checkpoint_file(run_folder(run_id))); };
  const auto claimed = store_.claim_trial(experiment_id_, new_run(trial, lineage, environment_), settings_.policy,
                                          settings_.heartbeat_timeout, resumable, settings_.max_attempts);
  if (claimed.decision.exhausted) {  // recorded as failed by the claim
    log::warn("{}: failed: {}", progress_label(trial), claimed.decision.reason);
    return {std::nullopt, false, TrialEnd::failed};
  }
  if (!claimed.decision.run || !claimed.run_id) {
    log::info("{}: {}", progress_label(trial), claimed.decision.reason);
    return {std::nullopt, false, claimed.decision.busy ? TrialEnd::taken : TrialEnd::skipped};
  }
  log::info("{} (run {}{})", progress_label(trial), *claimed.run_id,
            claimed.resumed ? ", resumed from its checkpoint" : "");
  return {claimed.run_id, claimed.resumed, TrialEnd::completed};
}

std::optional<TrialEnd> SweepLoop::run_promotion() {
  if (!pruner_) return std::nullopt;
  const auto trial_of = [&](const std::string& hash) {
    return std::find_if(settings_.trials.begin(), settings_.trials.end(),
                        [&](const spec::Trial& t) { return t.hash == hash; });
  };
  const auto runnable = [&](const storage::RungEntry& e) {
    return trial_of(e.config_hash) != settings_.trials.end() && fs::exists(resume_checkpoint_file(run_folder(e.run_id)));
  };
  const auto promotion = pruner_->promote(runnable, environment_.host);
  if (!promotion) return std::nullopt;
  spec::Trial trial = *trial_of(promotion->config_hash);  // runnable: it is there
  try {
    resolve_lineage(store_, trial);
  } catch (const std::exception& e) {
    store_.set_status(promotion->run_id, storage::RunStatus::failed, e.what());
    log::warn("{}: promoted, but not run: {}", progress_label(trial), e.what());
    return TrialEnd::failed;
  }
  log::info("{} (run {}, promoted from rung {}, resumed from its checkpoint)", progress_label(trial),
            promotion->run_id, promotion->rung);
  return run_claimed(trial, promotion->run_id, true);
}

TrialEnd SweepLoop::run_claimed(spec::Trial& trial, std::int64_t run_id, bool resumed) {
  store_.set_status(run_id, storage::RunStatus::running);
  // Alive while it runs, however long an evaluation keeps metrics from coming.
  const Heartbeat heartbeat(store_.location(), run_id, settings_.heartbeat_timeout / 4);
  return settings_.isolated ? run_isolated(trial, run_id, resumed) : run_in_process(trial, run_id, resumed);
}

TrialEnd SweepLoop::run_isolated(const spec::Trial& trial, std::int64_t run_id, bool resumed) {
  // The child gets the trial as claimed (lineage resolved, hash as recorded);
  // it records the trial, this process owns its status.
  const fs::path folder = run_folder(run_id);
  fs::create_directories(folder);
  const fs::path trial_file = folder / "trial.json";
  spec::write_trial_file(trial_file, {trial, settings_.spec_dir, settings_.prune});
  // The threads this process would give the trial (its share of the cores, for a
  // worker), not every core: training.threads, when set, still wins in the child.
  const auto threads = fmt::format("OMP_NUM_THREADS={}", threads_or_all_cores(0));
  const auto child = run_child_process(trial_child_command(trial_file, run_id, resumed), settings_.trial_timeout,
                                       interrupt_requested, {threads});
  if (child.exit_code == 0 && !child.timed_out) {
    store_.set_status(run_id, storage::RunStatus::completed);
    return TrialEnd::completed;
  }
  if (child.exit_code == kPrunedExitCode && !child.timed_out) {
    store_.set_status(run_id, storage::RunStatus::pruned, "pruned (trial process)");
    return TrialEnd::pruned;
  }
  if (child.exit_code == 130 && !child.timed_out) {
    store_.set_status(run_id, storage::RunStatus::interrupted, "interrupted (trial process)");
    log::warn("{}: interrupted; everything recorded so far is kept (continue with mtlab run --resume)", trial.name);
    return TrialEnd::interrupted;
  }
  const std::string error = describe_child_failure(child, settings_.trial_timeout);
  store_.set_status(run_id, storage::RunStatus::failed, error);
  log::warn("{}: failed: {}", trial.name, error.substr(0, error.find('\n')));
  return TrialEnd::failed;
}

TrialEnd SweepLoop::run_in_process(spec::Trial& trial, std::int64_t run_id, bool resumed) {
  TrialJob job;
  job.trial = &trial;
  job.run_id = run_id;
  job.resume = resumed;
  job.spec_dir = settings_.spec_dir;
  job.output_dir = run_folder(run_id);
  job.progress = settings_.progress;
  job.frozen_cache = &frozen_cache_;
  if (pruner_) job.judge = pruner_->judge_for(run_id);
  try {
    execute_trial(job, store_, registry_);
    store_.set_status(run_id, storage::RunStatus::completed);
    return TrialEnd::completed;
  } catch (const Pruned& e) {
    store_.set_status(run_id, storage::RunStatus::pruned, e.what());
    log::info("    {}", e.what());
    return TrialEnd::pruned;
  } catch (const Interrupted& e) {
    store_.set_status(run_id, storage::RunStatus::interrupted, e.what());
    log::warn("{}: {}; everything recorded so far is kept (continue with mtlab run --resume)", trial.name, e.what());
    return TrialEnd::interrupted;
  } catch (const std::exception& e) {
    store_.set_status(run_id, storage::RunStatus::failed, e.what());
    log::warn("{}: failed: {}", trial.name, e.what());
    return TrialEnd::failed;
  }
}

}  // namespace mtlab::cli
