// `mtlab run-trial` (internal, hidden from --help): runs one already-claimed
// trial of a spec in this process, for `mtlab run` with
// experiment.isolation = "process". The parent owns the run's status; this
// process records the trial's metrics, facts, artifacts and plugins, and says
// how it ended by its exit code: 0 done, 130 interrupted, 1 failed.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.h"
#include "lineage.h"
#include "mtlab/core/error.h"
#include "mtlab/spec/experiment.h"
#include "mtlab/storage/writer.h"
#include "mtlab/train/interrupt.h"
#include "trial_execution.h"

namespace mtlab::cli {
namespace {

namespace fs = std::filesystem;

struct RunTrialOptions {
  fs::path spec;
  std::vector<std::string> overrides;
  std::size_t index = 0;
  std::int64_t run_id = 0;
  bool resume = false;
};

int run_trial_child(const RunTrialOptions& o) {
  plugin::Registry registry;
  spec::LoadOptions load;
  load.overrides = o.overrides;
  load.plugins = spec::registry_catalog(&registry);
  const spec::Experiment experiment = spec::load_experiment(o.spec, load);
  if (o.index >= experiment.trials.size()) {
    throw Error(fmt::format("run-trial: trial index {} is past the last of {} trials", o.index,
                            experiment.trials.size()));
  }
  spec::Trial trial = experiment.trials[o.index];
  const auto view = trial.view("experiment");
  storage::Writer writer(view.get_string("database"));
  resolve_lineage(writer.database(), trial);
  install_interrupt_handlers();
  TrialJob job;
  job.trial = &trial;
  job.run_id = o.run_id;
  job.resume = o.resume;
  job.spec_dir = fs::absolute(o.spec).parent_path();
  job.output_dir = run_folder(view.get_string("output"), experiment.name, o.run_id);
  try {
    execute_trial(job, writer, registry);
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
  sub->add_option("spec", o->spec)->required();
  sub->add_option("--set", o->overrides);
  sub->add_option("--index", o->index)->required();
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
