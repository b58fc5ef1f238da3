#pragma once
// Local worker processes for `mtlab run --workers N`: N copies of this mtlab
// running `mtlab worker --db … --experiment …`, sharing the terminal, each
// dying with the parent (PR_SET_PDEATHSIG). A worker killed on its own is only
// reported: the others claim its trial again.
#include <string>
#include <vector>

namespace mtlab::cli {

struct WorkerExit {
  int pid = 0;
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
};

// Starts one process per command line and waits for all; Ctrl-C (or SIGTERM)
// is passed on to each as SIGINT, so each stops as `mtlab run` does. The
// machine's cores are shared out: each gets OMP_NUM_THREADS = cores / processes
// (at least 1) unless OMP_NUM_THREADS is set already (as torchrun does; a spec's
// training.threads still wins).
std::vector<WorkerExit> run_worker_processes(const std::vector<std::vector<std::string>>& commands);

// The command line of one local worker of `experiment` in `database`.
std::vector<std::string> worker_command(const std::string& database, const std::string& experiment, bool quiet);

}  // namespace mtlab::cli
