// The `mtlab` command line: global options, --version, and every registered
// subcommand. Errors from anywhere below end here as one line and exit code 1.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "command.h"
#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/model/environment.h"
#include "mtlab/model/heap_retention.h"

namespace mtlab::cli {

bool register_command(std::string name, int order, Setup setup) {
  commands().push_back({std::move(name), order, std::move(setup)});
  return true;
}

std::vector<Command>& commands() {
  static std::vector<Command> registry;
  return registry;
}

}  // namespace mtlab::cli

int main(int argc, char** argv) {
  mtlab::keep_freed_memory();  // before the first large allocation (heap_retention.h)
  using namespace mtlab;
  CLI::App app{"mtlab: multi-task fine-tuning experiments on BERT-family encoders"};
  app.require_subcommand(0, 1);
  cli::GlobalOptions global;
  bool show_version = false;
  app.add_flag("--version", show_version, "Print version, build and machine facts (LibTorch, BLAS, threads)");
  app.add_flag("-v,--verbose", global.verbose, "More log output (repeat for debug)");
  app.add_flag("-q,--quiet", global.quiet, "Only errors");
  app.parse_complete_callback([&] {
    if (global.quiet) {
      log::set_level(log::Level::quiet);
    } else if (global.verbose > 1) {
      log::set_level(log::Level::debug);
    } else if (global.verbose == 1) {
      log::set_level(log::Level::debug);
    }
  });

  auto& registered = cli::commands();
  std::sort(registered.begin(), registered.end(),
            [](const cli::Command& a, const cli::Command& b) { return a.order < b.order; });
  for (auto& command : registered) command.setup(app, global);

  try {
    app.parse(argc, argv);
    if (show_version) {
      std::fputs(format_environment(describe_environment()).c_str(), stdout);
      return 0;
    }
    if (app.get_subcommands().empty()) {
      std::fputs(app.help().c_str(), stdout);
      return 0;
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    fmt::print(stderr, "mtlab: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
