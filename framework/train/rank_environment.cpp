// The rank/world of this process, from torchrun's variables or Slurm's
// (mtlab/train/distributed.h). Read once, at the start of `mtlab run`.
#include <fmt/format.h>

#include <cstdlib>

#include "mtlab/core/error.h"
#include "mtlab/train/distributed.h"

namespace mtlab {
namespace {

// An integer variable in [low, high], or none when unset.
std::optional<int> int_variable(const EnvLookup& lookup, const std::string& name, long low, long high) {
  const auto text = lookup(name);
  if (!text) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno != 0 || value < low || value > high) {
    throw Error(fmt::format("environment: {}='{}': expected an integer in [{}, {}]", name, *text, low, high));
  }
  return static_cast<int>(value);
}

struct Names {
  const char *source, *rank, *world, *local;
};
constexpr Names kTorchrun{"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK"};
constexpr Names kSlurm{"slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"};

RankEnvironment read_ranks(const EnvLookup& lookup, const Names& n) {
  const auto world = int_variable(lookup, n.world, 1, 1 << 20);
  if (!world) {
    // Slurm's batch step (sbatch without --ntasks) has SLURM_PROCID but no SLURM_NTASKS.
    const char* hint = n.source == std::string("slurm") ? "; for one process, give sbatch/srun --ntasks=1" : "";
    throw Error(fmt::format("environment: {} is set but {} is not ({} sets both){}", n.rank, n.world, n.source, hint));
  }
  const auto rank = int_variable(lookup, n.rank, 0, *world - 1);
  if (!rank) throw Error(fmt::format("environment: {} is set but {} is not ({} sets both)", n.world, n.rank, n.source));
  RankEnvironment env;
  env.source = n.source;
  env.world_size = *world;
  env.rank = *rank;
  env.local_rank = int_variable(lookup, n.local, 0, *world - 1).value_or(0);
  if (env.local_rank > env.rank) {
    throw Error(fmt::format("environment: {}={} is above {}={}: a local rank counts the ranks of one host", n.local,
                            env.local_rank, n.rank, env.rank));
  }
  return env;
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

RankEnvironment read_rank_environment(const EnvLookup& lookup) {
  RankEnvironment env;
  if (lookup("RANK") || lookup("WORLD_SIZE")) {
    env = read_ranks(lookup, kTorchrun);
  } else if (lookup("SLURM_PROCID") || lookup("SLURM_NTASKS")) {
    env = read_ranks(lookup, kSlurm);
  }
  if (!env.data_parallel()) return env;
  const auto addr = lookup("MASTER_ADDR");
  if (!addr || addr->empty()) {
    throw Error(fmt::format("environment: {}={} asks for {} ranks but MASTER_ADDR (rank 0's host) is not set",
                            env.source == "slurm" ? "SLURM_NTASKS" : "WORLD_SIZE", env.world_size, env.world_size));
  }
  const auto port = int_variable(lookup, "MASTER_PORT", 1, 65535);
  if (!port) throw Error("environment: MASTER_ADDR is set but MASTER_PORT (rank 0's store port) is not");
  env.master_addr = *addr;
  env.master_port = *port;
  return env;
}

std::string describe(const RankEnvironment& env) {
  if (!env.data_parallel()) return "one process";
  return fmt::format("rank {}/{} ({}, master {}:{})", env.rank, env.world_size, env.source, env.master_addr,
                     env.master_port);
}

}  // namespace mtlab
