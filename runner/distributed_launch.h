#pragma once
// `mtlab run --nproc N` (docs/distributed.md): this process starts N copies of
// its own command line as the ranks of a data-parallel group on loopback, with
// torchrun's variables set, forwards Ctrl-C to them, and when one dies, gives the
// others a grace period to fail their trial and record it, then ends them.
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace mtlab::cli {

struct LaunchOptions {
  int nproc = 1;             // ranks to start here; 1: run in this process
  int threads_per_rank = 0;  // OMP_NUM_THREADS of each rank; 0: the cores / nproc
};

// --nproc and --threads-per-rank on `mtlab run`.
void add_launch_options(CLI::App& run, LaunchOptions& options);

// Starts the ranks and waits for them. Returns 0 when every rank succeeded, 130
// when they were interrupted, rank 0's exit code when it failed, 1 when another
// rank did (named on stderr).
int launch_local_ranks(const LaunchOptions& options);

// This process's command line without --nproc/--threads-per-rank (and their values).
std::vector<std::string> rank_command_line(const std::vector<std::string>& argv);

}  // namespace mtlab::cli
