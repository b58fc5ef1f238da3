#pragma once
// Workers: processes on any host that run one experiment's trials together,
// through the results store alone. The sweep is published once into the store's
// trial queue (storage/trial_queue.h); each worker walks it, claims each trial
// atomically (a trial taken by a live worker is left to it and looked at again
// later), heartbeats while it runs one, and claims again a trial whose worker
// died — resumed from its checkpoint when the output folder is shared, else
// restarted — up to experiment.max_retries times.
#include <filesystem>
#include <string>
#include <vector>

#include "mtlab/spec/experiment.h"
#include "mtlab/storage/results_store.h"

namespace mtlab::cli {

// The queue entries of an experiment's sweep: each trial as a trial file.
std::vector<storage::QueuedTrial> queue_entries(const spec::Experiment& experiment,
                                                const std::filesystem::path& spec_dir);

// Begins the experiment in `store` and queues its trials (idempotent).
void publish_experiment(storage::ResultsStore& store, const spec::Experiment& experiment,
                        const std::filesystem::path& spec_dir);

struct WorkerOptions {
  std::filesystem::path spec;          // a spec to publish and run; or:
  std::vector<std::string> overrides;  // (--set, with a spec)
  std::string database;                // --db: a store whose queue holds the experiment
  std::string experiment;              // --experiment
  bool no_progress = false;
  bool quiet = false;
};

// Runs as one worker until no trial of the experiment is left to run. Returns
// 0 when every trial this worker ran completed, 1 when one failed, 130 on Ctrl-C.
int run_worker(const WorkerOptions& options);

}  // namespace mtlab::cli
