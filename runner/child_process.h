#pragma once
// Runs a command in a child process for trial isolation: its output is passed
// through to ours and its last lines kept for the failure record; it dies with
// us (PR_SET_PDEATHSIG), and a time limit stops it (SIGTERM, then SIGKILL).
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace mtlab::cli {

struct ChildResult {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  bool timed_out = false;
  std::string tail;  // its last output lines
  double seconds = 0;
};

// `timeout` 0: none. `stop_requested` is polled: once true, the child is asked
// to stop (SIGTERM) as a Ctrl-C would.
ChildResult run_child_process(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                              const std::function<bool()>& stop_requested);

// One line for the run's error column, with the last output lines below it.
std::string describe_child_failure(const ChildResult& result, std::chrono::seconds timeout);

}  // namespace mtlab::cli
