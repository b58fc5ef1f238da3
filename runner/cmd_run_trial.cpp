// `mtlab run-trial` (internal, hidden from --help): runs one already-claimed
// trial in this process, for `mtlab run` with experiment.isolation = "process".
// The trial arrives resolved, as a trial file (spec/trial_file.h): this process
// neither re-reads the spec nor re-expands the sweep, and runs exactly what the
// parent claimed. The parent owns the run's status; this process records the
// trial's metrics, facts, artifacts and plugins, and says how it ended by its
// exit code: 0 done, 130 interrupted, 1 failed, kPrunedExitCode pruned.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.h"
#include "mtlab/spec/experiment.h"
#include "mtlab/spec/resolve_options.h"
#include "mtlab/spec/trial_file.h"
#include "mtlab/storage/results_store.h"
#include "mtlab/train/interrupt.h"
#include "pruner.h"
#include "trial_execution.h"

namespace mtlab::cli {
namespace {

namespace fs = std::filesystem;

struct RunTrialOptions {
  fs::path trial_file;
  std::int64_t run_id = 0;
  bool resume = false;
};

int run_trial_child(const RunTrialOptions& o) {
  spec::TrialFile file = spec::read_trial_file(o.trial_file);
  const Config experiment = file.trial.view("experiment");
  plugin::Registry registry;  // the same plugin search the parent validated the spec with
  std::vector<fs::path> extra;
  for (const auto& path : file.trial.view("plugins").get_string_list("paths")) extra.emplace_back(path);
  spec::registry_catalog(&registry)(extra);
  const auto store = storage::open_store(experiment.get_string("database"), storage::StoreMode::read_write);
  install_interrupt_handlers();
  TrialJob job;
  job.trial = &file.trial;
  job.run_id = o.run_id;
  job.resume = o.resume;
  job.spec_dir = file.spec_dir;
  job.output_dir = o.trial_file.parent_path();
  std::optional<Pruner> pruner;  // judged in this process, against the same store, as in the parent's
  if (file.prune) {
    pruner.emplace(*store, experiment.get_string("name"), *file.prune,
                   spec::resolve_options(file.trial).training.minimizes());
    job.judge = pruner->judge_for(o.run_id);
  }
  try {
    execute_trial(job, *store, registry);
  } catch (const Pruned& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kPrunedExitCode;
  } catch (const Interrupted& e) {
    fmt::print(stderr, "{}\n", e.what());
    return 130;
  }
  return 0;
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<RunTrialOptions>();
  auto* sub = app.add_subcommand("run-trial", "");  // no description: hidden from mtlab --help
  sub->group("");
  sub->add_option("trial_file", o->trial_file)->required();
  sub->add_option("--run-id", o->run_id)->required();
  sub->add_flag("--resume", o->resume);
  sub->callback([o] {
    const int code = run_trial_child(*o);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

const bool registered = register_command("run-trial", 99, setup);

}  // namespace
}  // namespace mtlab::cli
