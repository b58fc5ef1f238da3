#pragma once
// Runs a command in a child process for trial isolation: its output is passed
// through to ours and its last lines kept for the failure record; it dies with
// us (PR_SET_PDEATHSIG), and a time limit stops it (SIGTERM, then SIGKILL).
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace mtlab::cli {

// How spawn_child starts a child.
struct SpawnOptions {
  std::string what = "a child process";  // for the error when it cannot start
  int death_signal = SIGKILL;             // what the child gets when this process dies
  std::vector<std::string> env;           // NAME=VALUE set in (or replacing in) its environment
  int output_fd = -1;                     // when >= 0, its stdout and stderr
  bool own_process_group = false;         // a terminal's Ctrl-C reaches it only through us
};

// Starts argv[0] (an absolute path) with `options`; the child dies with us
// (PR_SET_PDEATHSIG, also when we died before it could ask). Every launcher of
// local children — trial processes, workers, data-parallel ranks — goes through it.
pid_t spawn_child(const std::vector<std::string>& argv, const SpawnOptions& options);

struct ChildResult {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  bool timed_out = false;
  std::string tail;  // its last output lines
  double seconds = 0;
};

// `timeout` 0: none. `stop_requested` is polled: once true, the child is asked
// to stop (SIGTERM) as a Ctrl-C would. `env`: NAME=VALUE set in its environment.
ChildResult run_child_process(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                              const std::function<bool()>& stop_requested, std::vector<std::string> env = {});

// One line for the run's error column, with the last output lines below it.
std::string describe_child_failure(const ChildResult& result, std::chrono::seconds timeout);

}  // namespace mtlab::cli
