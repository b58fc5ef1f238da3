// `mtlab worker`: joins a sweep as one worker, from this host or any other
// that reaches the results store (runner/worker.h).
#include <CLI/CLI.hpp>

#include "command.h"
#include "worker.h"

namespace mtlab::cli {
namespace {

void setup(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<WorkerOptions>();
  auto* sub = app.add_subcommand(
      "worker", "Join a sweep as one worker: claim its trials one at a time from the shared results store");
  sub->add_option("spec", o->spec, "Experiment TOML file (its sweep is queued first); or --db and --experiment")
      ->check(CLI::ExistingFile);
  sub->add_option("--set", o->overrides, "Override a value: key.path=value (TOML-typed); repeatable (with a spec)");
  sub->add_option("--db", o->database, "The results store whose queue holds the experiment (a SQLite path or a postgresql:// URL)");
  sub->add_option("--experiment", o->experiment, "The experiment to work on (with --db)");
  sub->add_flag("--no-progress", o->no_progress, "No progress bars");
  sub->callback([o, &global] {
    o->quiet = global.quiet;
    const int code = run_worker(*o);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

const bool registered = register_command("worker", 6, setup);

}  // namespace
}  // namespace mtlab::cli
