// `mtlab run`: validate an experiment, expand its sweep, and run every trial,
// recording each in the results database.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "command.h"
#include "distributed_launch.h"
#include "experiment_runner.h"

namespace mtlab::cli {
namespace {

void setup(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<RunOptions>();
  auto* sub = app.add_subcommand("run", "Run an experiment: every trial of its sweep, recorded in SQLite");
  sub->add_option("spec", o->spec, "Experiment TOML file")->required()->check(CLI::ExistingFile);
  sub->add_option("--set", o->overrides, "Override a value: key.path=value (TOML-typed); repeatable");
  sub->add_flag("--dry-run", o->dry_run, "Print the expanded trials and how they differ, run nothing");
  sub->add_flag("--rerun-failed", o->rerun_failed, "Run failed and interrupted trials again");
  auto* force = sub->add_flag("--force", o->force, "Run every trial again, completed ones too");
  sub->add_flag("--resume", o->resume,
                "Continue interrupted trials from their last checkpoint (failed ones stay; completed ones are kept)")
      ->excludes(force);
  sub->add_option("--workers", o->workers,
                  "Run the sweep in N local worker processes sharing the results store (more can join from other "
                  "hosts with mtlab worker)")
      ->check(CLI::Range(1, 256))
      ->excludes(force);
  sub->add_flag("--no-progress", o->no_progress, "No progress bars");
  sub->add_flag("--report", o->report,
                "At the end, write the sweep's HTML report (mtlab report) as <experiment>-report.html beside the database");
  // Data-parallel ranks on this machine (distributed_launch.h).
  auto launch = std::make_shared<LaunchOptions>();
  add_launch_options(*sub, *launch);
  sub->callback([o, launch, &global] {
    if (launch->nproc > 1 && !o->dry_run) {
      const int code = launch_local_ranks(*launch);
      if (code != 0) throw CLI::RuntimeError(code);
      return;
    }
    o->quiet = global.quiet;
    const int code = run_experiment(*o);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

const bool registered = register_command("run", 5, setup);

}  // namespace
}  // namespace mtlab::cli
