#pragma once
// Subcommands register themselves (one file per command, cmd_<name>.cpp), so
// the runner lists exactly the commands that are built in.
#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace mtlab::cli {

struct GlobalOptions {
  int verbose = 0;
  bool quiet = false;
};

using Setup = std::function<void(CLI::App& app, GlobalOptions& global)>;

struct Command {
  std::string name;
  int order;  // position in `mtlab --help`
  Setup setup;
};

// Call from a namespace-scope initializer in the command's file.
bool register_command(std::string name, int order, Setup setup);
std::vector<Command>& commands();

}  // namespace mtlab::cli
