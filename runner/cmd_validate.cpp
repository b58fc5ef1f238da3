// `mtlab validate`: check an experiment spec (and its sweep) without running it.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>

#include "command.h"
#include "mtlab/spec/experiment.h"
#include "mtlab/spec/reference.h"
#include "mtlab/spec/trial_format.h"

namespace mtlab::cli {
namespace {

struct ValidateOptions {
  std::string spec;
  std::vector<std::string> overrides;
  bool trials = false;
  bool print_reference = false;
  bool skip_plugins = false;
  bool skip_files = false;
};

void run(const ValidateOptions& o) {
  if (o.print_reference) {
    fmt::print("{}", spec::reference_markdown());
    return;
  }
  if (o.spec.empty()) throw CLI::RequiredError("SPEC");
  spec::LoadOptions options;
  options.overrides = o.overrides;
  if (!o.skip_plugins) options.plugins = spec::registry_catalog();
  options.check_files = !o.skip_files;
  const spec::CheckResult result = spec::check_experiment(o.spec, options);
  if (!result.ok()) {
    for (const auto& e : result.errors) fmt::print(stderr, "{}\n", e.str());
    fmt::print(stderr, "{}: {} problem{}\n", o.spec, result.errors.size(), result.errors.size() == 1 ? "" : "s");
    throw CLI::RuntimeError(1);  // exit 1, nothing more printed
  }
  if (o.trials) fmt::print("{}", spec::format_trials(result.experiment));
  const auto n = result.experiment.trials.size();
  fmt::print("ok: {} trial{}\n", n, n == 1 ? "" : "s");
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<ValidateOptions>();
  auto* sub = app.add_subcommand("validate", "Check an experiment spec and its sweep without running anything");
  sub->add_option("spec", o->spec, "Experiment TOML file");
  sub->add_option("--set", o->overrides, "Override a value: key.path=value (typed as TOML; repeatable)");
  sub->add_flag("--trials", o->trials, "Also print the expanded trials and the values in which they differ");
  sub->add_flag("--print-reference", o->print_reference, "Print the key reference (docs/spec.md) generated from the schema");
  sub->add_flag("--skip-plugins", o->skip_plugins, "Do not check plugin names and plugin keys against the plugin search path");
  sub->add_flag("--skip-files", o->skip_files, "Do not check that data files, checkpoints and vocabularies exist");
  sub->callback([o] { run(*o); });
}

const bool registered = register_command("validate", 10, setup);

}  // namespace
}  // namespace mtlab::cli
