#include "worker.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/model/environment.h"
#include "mtlab/spec/resolve_options.h"
#include "mtlab/spec/trial_file.h"
#include "mtlab/train/interrupt.h"
#include "host_workers.h"
#include "revisit_source.h"
#include "sweep_loop.h"

namespace mtlab::cli {
namespace fs = std::filesystem;

namespace {

// A worker's trials: from the spec (published first), or from the store's queue.
struct WorkerTrials {
  std::vector<spec::Trial> trials;
  fs::path spec_dir;
  std::string experiment;
  std::optional<spec::PruneSpec> prune;
};

WorkerTrials trials_from_spec(const WorkerOptions& o, plugin::Registry& registry,
                              std::unique_ptr<storage::ResultsStore>& store) {
  spec::LoadOptions load;
  load.overrides = o.overrides;
  load.plugins = spec::registry_catalog(&registry);
  spec::Experiment experiment = spec::load_experiment(o.spec, load);
  const fs::path spec_dir = fs::absolute(o.spec).parent_path();
  store = storage::open_store(experiment.trials.front().view("experiment").get_string("database"),
                              storage::StoreMode::read_write);
  publish_experiment(*store, experiment, spec_dir);
  return {std::move(experiment.trials), spec_dir, experiment.name, experiment.prune};
}

WorkerTrials trials_from_queue(const WorkerOptions& o, plugin::Registry& registry,
                               std::unique_ptr<storage::ResultsStore>& store) {
  store = storage::open_store(o.database, storage::StoreMode::read_write);
  WorkerTrials out;
  out.experiment = o.experiment;
  for (const auto& queued : store->queued_trials(o.experiment)) {
    const auto where = fmt::format("{}: queued trial {} of experiment '{}'", o.database, queued.position + 1,
                                   o.experiment);
    spec::TrialFile file = spec::trial_file_from_json(nlohmann::json::parse(queued.trial_json), where);
    out.spec_dir = file.spec_dir;
    out.prune = file.prune;
    out.trials.push_back(std::move(file.trial));
  }
  if (out.trials.empty()) {
    throw Error(fmt::format("{}: no trials are queued for experiment '{}' (expected a sweep published by `mtlab run "
                            "SPEC --workers N` or `mtlab worker SPEC`)",
                            o.database, o.experiment));
  }
  // The plugin search the publishing runner validated the spec with.
  std::vector<fs::path> extra;
  for (const auto& path : out.trials.front().view("plugins").get_string_list("paths")) extra.emplace_back(path);
  spec::registry_catalog(&registry)(extra);
  return out;
}

}  // namespace

std::vector<storage::QueuedTrial> queue_entries(const spec::Experiment& experiment, const fs::path& spec_dir) {
  std::vector<storage::QueuedTrial> out;
  for (const auto& trial : experiment.trials) {
    out.push_back({static_cast<std::int64_t>(trial.index), trial.name, trial.hash,
                   spec::trial_file_json({trial, spec_dir, experiment.prune}).dump()});
  }
  return out;
}

void publish_experiment(storage::ResultsStore& store, const spec::Experiment& experiment, const fs::path& spec_dir) {
  const auto options = spec::resolve_options(experiment.trials.front()).experiment;
  store.publish_trials(store.begin_experiment(experiment.name, options.description),
                       queue_entries(experiment, spec_dir));
}

int run_worker(const WorkerOptions& o) {
  if (o.spec.empty() == (o.database.empty() || o.experiment.empty())) {
    throw Error("mtlab worker: give a spec (mtlab worker exp.toml) or --db URL and --experiment NAME, not both "
                "(expected one way to find the trials)");
  }
  plugin::Registry registry;
  std::unique_ptr<storage::ResultsStore> store;
  WorkerTrials work = o.spec.empty() ? trials_from_queue(o, registry, store) : trials_from_spec(o, registry, store);

  const spec::Trial& first = work.trials.front();
  const ExperimentOptions options = spec::resolve_options(first).experiment;
  SweepSettings settings = sweep_settings(first, work.experiment);
  settings.spec_dir = work.spec_dir;
  settings.policy = storage::RerunPolicy::resume;  // a dead worker's trial continues
  settings.max_attempts = static_cast<int>(1 + options.max_retries);
  settings.progress = !o.no_progress && !o.quiet && isatty(STDERR_FILENO);
  settings.prune = work.prune;
  settings.trials = work.trials;

  install_interrupt_handlers();
  log::info("worker {}: {} trial(s) of '{}' in {}", getpid(), work.trials.size(), work.experiment,
            store->location());
  // Workers started by hand on one host share its cores, counted again for each trial
  // (host_workers.h); `run --workers`, launchers and users set OMP_NUM_THREADS, which wins.
  const HostWorkerSlot slot;
  share_cores([last = std::make_shared<int>(1)] {
    const int workers = HostWorkerSlot::live_workers();
    if (workers != *last) {
      log::info("worker {}: {} worker(s) on this host share its {} cores: {} thread(s) a trial (OMP_NUM_THREADS or "
                "training.threads decide instead when set)",
                getpid(), workers, available_cores(), cores_share(workers));
      *last = workers;
    }
    return workers;
  });
  // Look again at trials held by others often enough to notice a dead one soon
  // after it counts as dead, without keeping the store busy.
  const auto pause = std::clamp<std::chrono::milliseconds>(settings.heartbeat_timeout / 8,
                                                           std::chrono::milliseconds(500), std::chrono::seconds(10));
  RevisitSource source(std::move(work.trials), pause);
  SweepLoop loop(settings, *store, registry);
  const SweepCounts counts = loop.run(source);
  store->flush();
  log::info("worker {}: {} completed, {} failed, {} left to others or done before", getpid(), counts.completed,
            counts.failed, counts.skipped);
  if (counts.interrupted || interrupt_requested()) return 130;
  return counts.failed > 0 ? 1 : 0;
}

}  // namespace mtlab::cli
