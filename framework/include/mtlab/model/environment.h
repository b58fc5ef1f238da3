#pragma once
// Facts about this process's build and machine, for `mtlab --version` and for
// every run record: what produced a number matters as much as the number.
#include <functional>
#include <string>

namespace mtlab {

struct Environment {
  std::string mtlab_version;
  std::string git_commit;
  std::string torch_version;
  std::string blas;          // the BLAS shared library actually mapped into the process
  std::string blas_details;  // e.g. OpenBLAS's own config string and core name
  bool blas_optimized = false;  // false for the reference (netlib) BLAS
  std::string matmul_path;   // which kernel family linear layers use
  int threads = 1;           // LibTorch intra-op threads
  std::string host;
  std::string os;
  std::string cpu;
};

Environment describe_environment();

// One line per fact, "name: value", as `mtlab --version` prints them.
std::string format_environment(const Environment& env);

// Sets LibTorch's intra-op thread count to threads_or_all_cores(threads) (0: every
// core, or OMP_NUM_THREADS) and returns it.
int set_threads(int threads);

// The cores this process may run on (its CPU affinity). LibTorch's own default
// counts physical cores as its cpuinfo sees them, which on some virtual machines
// is 1 of 2 (the Xeon VM of docs/performance.md): `encode` and `predict` use
// every core unless told otherwise, and so does training (training.threads = 0).
int available_cores();
// `threads` when positive; else OMP_NUM_THREADS when set (the share that
// `run --workers` and `--nproc` give each child process); else available_cores()
// divided by the processes this one shares the host with (share_cores; at least 1).
int threads_or_all_cores(int threads);

// From now on, threads_or_all_cores(0) is cores_share(processes()) (`processes`:
// the live mtlab workers of this host, counted again for each trial: runner/host_workers.h).
void share_cores(std::function<int()> processes);
// One of `processes`' share of available_cores(): at least 1.
int cores_share(int processes);

}  // namespace mtlab
