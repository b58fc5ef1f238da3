#pragma once
// The sweep loop behind `mtlab run`.
#include <filesystem>
#include <string>
#include <vector>

namespace mtlab::cli {

struct RunOptions {
  std::filesystem::path spec;
  std::vector<std::string> overrides;
  bool dry_run = false;
  bool rerun_failed = false;
  bool force = false;
  bool resume = false;
  bool no_progress = false;
  bool quiet = false;
  bool report = false;  // write the HTML report (report_file) at the end of the sweep
  int workers = 0;       // > 0: that many local `mtlab worker` processes run the sweep
};

// Where `run --report` writes: <experiment>-report.html beside a SQLite database,
// in the current folder for a database server.
std::filesystem::path report_file(const std::string& database, const std::string& experiment);

// Returns the process exit code: 0 when every trial completed (or was already
// done), 1 when any failed, 130 when interrupted.
int run_experiment(const RunOptions& options);

}  // namespace mtlab::cli
