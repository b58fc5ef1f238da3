#pragma once
// Data-parallel training (docs/distributed.md): the rank/world a process belongs
// to, read once from torchrun's variables (or Slurm's), and the process group the
// ranks talk through — c10d's Gloo over a TCPStore on rank 0 — with what the
// trainer needs of it: bucketed gradient all-reduce, broadcast from rank 0, and
// small values through the store.
#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mtlab {

struct RankEnvironment {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr;  // where rank 0's store listens
  int master_port = 0;
  std::string source;       // "torchrun" (RANK, WORLD_SIZE, …), "slurm" (SLURM_PROCID, …), "" (one process)
  bool data_parallel() const { return world_size > 1; }
};

// An environment variable's value, or none when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_env(const std::string& name);

// torchrun's contract: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT;
// when RANK and WORLD_SIZE are absent, Slurm's SLURM_PROCID, SLURM_NTASKS,
// SLURM_LOCALID (MASTER_ADDR/MASTER_PORT still required for more than one task).
// A world of one (or none of the variables) is one process. Throws mtlab::Error
// naming the variable on anything inconsistent.
RankEnvironment read_rank_environment(const EnvLookup& lookup = process_env);

// "rank 1/2 (torchrun, master 127.0.0.1:29500)".
std::string describe(const RankEnvironment& env);

struct ProcessGroupOptions {
  std::chrono::seconds timeout{300};        // any collective or store wait longer than this fails
  std::string device = "cpu";               // "cpu": Gloo; "cuda": NCCL where LibTorch has it
  std::size_t bucket_bytes = 4u << 20;      // gradients are all-reduced in flat buckets of this size
};

class ProcessGroup {
 public:
  // Connects to (rank 0: starts) the TCPStore at master_addr:master_port and
  // forms the group; waits up to the timeout for every rank.
  ProcessGroup(const RankEnvironment& env, const ProcessGroupOptions& options);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int size() const;
  bool root() const { return rank() == 0; }
  std::chrono::seconds timeout() const;

  // Sums every tensor over the ranks, in place: same-dtype tensors are
  // flattened into buckets of at most bucket_bytes, one all-reduce each.
  void allreduce_sum(const std::vector<at::Tensor>& tensors);
  // Rank 0's values into every rank's tensors, in place (bucketed the same way).
  void broadcast(const std::vector<at::Tensor>& tensors);
  void barrier();

  // Small values through the store; get() waits up to the timeout for the key.
  void set(const std::string& key, const std::string& value);
  std::string get(const std::string& key);

  // Closes this rank's connections, so peers blocked on it fail at once rather
  // than at the timeout. Every later call throws.
  void abort(const std::string& why);
  bool broken() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mtlab
